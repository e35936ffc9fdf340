/*
 * xmem.c - Extism memory: the plugin's heap of blocks addressed by u64 handles.
 *
 * Extism plugins never share their own linear memory with the host. They ask the host for blocks
 * (alloc), fill them byte by byte (store_u8/store_u64) and pass handles. Extism implements that
 * memory with a small wasm "kernel" module; its JS SDK does it natively; runnel does it natively too,
 * because a C buffer needs no second wasm instance per plugin and cannot be escaped (see
 * ../shared/abi/extism.md, "Memory model").
 *
 * What must match Extism's kernel exactly, because plugins and hosts can observe it:
 *   - handle values: a root of 64 bytes at address 1, then blocks of a 12-byte header and the data,
 *     so the first block's data is at 77, the next at 77 + n + 12, ... and reset() starts over at 77;
 *   - the allocator's policy: a bump allocator over `length` bytes (one page minus the root at
 *     first); a request that does not fit first re-uses a freed block (the first that is large
 *     enough, split when it has 128 or more bytes to spare), then grows by whole pages. Growth is
 *     what a memory limit (manifest memory.max_pages) counts, so the same policy gives the same
 *     out-of-memory point as Extism (the `oom` test at 16 and 17 pages depends on it);
 *   - length(h) is non-zero only for the start of a live block; free of anything else is ignored;
 *   - loads outside memory give 0, stores outside memory do nothing; input loads past the input's end
 *     give 0.
 * What is deliberately different: the root and the block headers live in C (the `blocks` array, in
 * address order), not in the bytes the plugin can write, so a hostile plugin cannot corrupt the
 * allocator; and every address is checked against the buffer with overflow-safe arithmetic. The
 * bytes where the kernel keeps headers are still part of the buffer (and read as whatever was stored).
 */
#include "plugin_impl.h"

#include <stdlib.h>
#include <string.h>

void rn_xmem_init(rn_xmem *x, rn_xmem_grow_fn grow, void *user)
{
    memset(x, 0, sizeof *x);
    x->grow = grow;
    x->grow_user = user;
}

void rn_xmem_release(rn_xmem *x)
{
    free(x->data);
    free(x->blocks);
    x->data = NULL;
    x->blocks = NULL;
    x->nblocks = x->cap = 0;
    x->initialized = false;
}

/* The kernel initialises its root on first use: one page, less the root, for blocks. */
static bool ensure_init(rn_xmem *x)
{
    if (x->initialized)
        return true;
    uint64_t length = RN_X_PAGE - RN_X_ROOT_SIZE;
    uint8_t *d = calloc(1, RN_X_ROOT_END + length);
    if (!d)
        return false;
    x->data = d;
    x->length = length;
    x->position = 0;
    x->grown_pages = 0;
    x->error = x->input_offset = x->input_length = x->output_offset = x->output_length = 0;
    x->initialized = true;
    return true;
}

uint64_t rn_xmem_size(const rn_xmem *x) { return x->initialized ? RN_X_ROOT_END + x->length : 0; }

uint8_t *rn_xmem_range(rn_xmem *x, uint64_t p, uint64_t len)
{
    uint64_t size = rn_xmem_size(x);
    if (p > size || len > size - p)
        return NULL;
    return x->data + p;
}

/* The live block whose data starts at h (binary search: blocks are in address order). */
static rn_xblock *find_active(rn_xmem *x, uint64_t h)
{
    size_t lo = 0, hi = x->nblocks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->blocks[mid].addr < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < x->nblocks && x->blocks[lo].addr == h && x->blocks[lo].status == RN_XB_ACTIVE)
        return &x->blocks[lo];
    return NULL;
}

static bool reserve_blocks(rn_xmem *x, size_t n)
{
    if (n <= x->cap)
        return true;
    size_t cap = x->cap ? x->cap * 2 : 64;
    while (cap < n)
        cap *= 2;
    rn_xblock *b = realloc(x->blocks, cap * sizeof *b);
    if (!b)
        return false;
    x->blocks = b;
    x->cap = cap;
    return true;
}

/* The kernel's re-use of freed blocks: the first free block that is large enough; one with 128 bytes
   or more to spare is split, and the new block (its tail) is the one used. */
static rn_xblock *find_free(rn_xmem *x, uint64_t n)
{
    for (size_t i = 0; i < x->nblocks; i++) {
        rn_xblock *b = &x->blocks[i];
        if (b->status != RN_XB_FREE || b->size < n)
            continue;
        if (b->size - n >= 128) {
            if (!reserve_blocks(x, x->nblocks + 1))
                return NULL;
            b = &x->blocks[i]; /* the array may have moved */
            b->size -= n + RN_X_HEADER;
            b->used = 0;
            rn_xblock tail = {.addr = b->addr + b->size + RN_X_HEADER, .size = n, .used = 0, .status = RN_XB_FREE};
            memmove(&x->blocks[i + 2], &x->blocks[i + 1], (x->nblocks - i - 1) * sizeof *x->blocks);
            x->blocks[i + 1] = tail;
            x->nblocks++;
            return &x->blocks[i + 1];
        }
        return b;
    }
    return NULL;
}

static bool grow(rn_xmem *x, uint64_t pages)
{
    if (pages > RN_X_MAX_PAGES - x->grown_pages)
        return false;
    if (x->grow && !x->grow(x->grow_user, pages))
        return false;
    uint64_t length = x->length + pages * RN_X_PAGE;
    uint64_t total = RN_X_ROOT_END + length;
    if (total > SIZE_MAX)
        return false;
    uint8_t *d = realloc(x->data, (size_t)total);
    if (!d)
        return false;
    memset(d + RN_X_ROOT_END + x->length, 0, (size_t)(length - x->length));
    x->data = d;
    x->length = length;
    x->grown_pages += pages;
    return true;
}

uint64_t rn_xmem_alloc(rn_xmem *x, uint64_t n)
{
    /* the kernel's block sizes are wasm32 usize: nothing of 4 GiB or more can be allocated */
    if (n == 0 || n >= UINT32_MAX || !ensure_init(x))
        return 0;
    uint64_t with_header = n + RN_X_HEADER;
    /* the kernel subtracts the root's size once more here; kept, since it decides when memory grows
       (position + root < length always holds, so this cannot wrap) */
    uint64_t left = x->length - x->position - RN_X_ROOT_SIZE;
    if (with_header >= left) {
        if (with_header <= x->position) {
            rn_xblock *b = find_free(x, n);
            if (b) {
                b->used = n;
                b->status = RN_XB_ACTIVE;
                return b->addr;
            }
        }
        uint64_t need = with_header - left;
        if (!grow(x, (need + RN_X_PAGE - 1) / RN_X_PAGE))
            return 0;
    }
    if (!reserve_blocks(x, x->nblocks + 1))
        return 0;
    uint64_t header = RN_X_ROOT_END + x->position;
    x->position += with_header;
    x->blocks[x->nblocks++] = (rn_xblock){.addr = header + RN_X_HEADER, .size = n, .used = n, .status = RN_XB_ACTIVE};
    return header + RN_X_HEADER;
}

uint64_t rn_xmem_new(rn_xmem *x, const void *data, size_t n)
{
    uint64_t h = rn_xmem_alloc(x, n);
    if (h)
        memcpy(x->data + h, data, n);
    return h;
}

void rn_xmem_free(rn_xmem *x, uint64_t h)
{
    if (h == 0 || !x->initialized)
        return;
    rn_xblock *b = find_active(x, h);
    if (!b)
        return;
    b->status = RN_XB_FREE;
    if (h == x->input_offset)
        x->input_length = 0; /* as the kernel does: the input is gone */
}

uint64_t rn_xmem_length(rn_xmem *x, uint64_t h)
{
    if (h == 0 || !x->initialized)
        return 0;
    rn_xblock *b = find_active(x, h);
    return b ? b->used : 0;
}

void rn_xmem_reset(rn_xmem *x)
{
    if (!x->initialized)
        return;
    /* the kernel zeroes what was allocated, so a new call never sees the last call's bytes */
    memset(x->data + RN_X_ROOT_END, 0, (size_t)x->position);
    x->position = 0;
    x->nblocks = 0;
    x->error = x->input_offset = x->input_length = x->output_offset = x->output_length = 0;
}

/* The kernel's "fast" bounds check, made exact: the whole access lies in memory, and not in the first
   64 bytes (which the kernel refuses). */
static uint8_t *access(rn_xmem *x, uint64_t p, uint64_t width)
{
    if (p < RN_X_ROOT_SIZE)
        return NULL;
    return rn_xmem_range(x, p, width);
}

uint8_t rn_xmem_load_u8(rn_xmem *x, uint64_t p)
{
    if (!ensure_init(x))
        return 0;
    uint8_t *q = access(x, p, 1);
    return q ? *q : 0;
}

uint64_t rn_xmem_load_u64(rn_xmem *x, uint64_t p)
{
    if (!ensure_init(x))
        return 0;
    uint8_t *q = access(x, p, 8);
    if (!q)
        return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | q[i]; /* little endian, whatever the host */
    return v;
}

void rn_xmem_store_u8(rn_xmem *x, uint64_t p, uint8_t v)
{
    if (!ensure_init(x))
        return;
    uint8_t *q = access(x, p, 1);
    if (q)
        *q = v;
}

void rn_xmem_store_u64(rn_xmem *x, uint64_t p, uint64_t v)
{
    if (!ensure_init(x))
        return;
    uint8_t *q = access(x, p, 8);
    if (!q)
        return;
    for (int i = 0; i < 8; i++, v >>= 8)
        q[i] = (uint8_t)v;
}

uint8_t rn_xmem_input_load_u8(rn_xmem *x, uint64_t off)
{
    if (!ensure_init(x) || off >= x->input_length || off > UINT64_MAX - x->input_offset)
        return 0;
    uint8_t *q = rn_xmem_range(x, x->input_offset + off, 1);
    return q ? *q : 0;
}

uint64_t rn_xmem_input_load_u64(rn_xmem *x, uint64_t off)
{
    if (!ensure_init(x) || x->input_length < 8 || off > x->input_length - 8 || off > UINT64_MAX - x->input_offset)
        return 0;
    uint8_t *q = rn_xmem_range(x, x->input_offset + off, 8);
    if (!q)
        return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | q[i];
    return v;
}

/* The kernel's pointer_in_bounds: inside the allocator's area. */
static bool in_blocks(const rn_xmem *x, uint64_t p)
{
    return p >= RN_X_ROOT_END && p - RN_X_ROOT_END < x->length;
}

/* input_set and output_set accept a range whose first and last bytes are in the allocator's area (the
   kernel computes the last byte with wrapping arithmetic; so does this, since every later access is
   checked again against the buffer). */
void rn_xmem_input_set(rn_xmem *x, uint64_t h, uint64_t len)
{
    if (!ensure_init(x) || !in_blocks(x, h) || !in_blocks(x, h + len - 1))
        return;
    x->input_offset = h;
    x->input_length = len;
}

void rn_xmem_output_set(rn_xmem *x, uint64_t h, uint64_t len)
{
    if (!ensure_init(x) || !in_blocks(x, h) || !in_blocks(x, h + len - 1))
        return;
    x->output_offset = h;
    x->output_length = len;
}

void rn_xmem_error_set(rn_xmem *x, uint64_t h)
{
    if (!ensure_init(x))
        return;
    if (h == 0 || in_blocks(x, h))
        x->error = h;
}
