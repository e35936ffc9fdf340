/*
 * xmem.c - Extism memory: the plugin's heap of blocks addressed by u64 handles.
 *
 * Extism plugins never share their own linear memory with the host. They ask the host for blocks
 * (alloc), fill them byte by byte (store_u8/store_u64) and pass handles. Extism implements that
 * memory with a small wasm "kernel" module; its JS SDK does it natively; runnel does it natively too,
 * because a C buffer needs no second wasm instance per plugin and cannot be escaped (see
 * docs/abi-extism.md, "Memory model").
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
 * What is deliberately different: the root and the block headers live in C (the block table, below),
 * not in the bytes the plugin can write, so a hostile plugin cannot corrupt the
 * allocator; and every address is checked against the buffer with overflow-safe arithmetic. The
 * bytes where the kernel keeps headers are still part of the buffer (and read as whatever was stored).
 *
 * The block table. A hostile plugin can call alloc(1) in a loop: every block costs it 13 bytes of
 * Extism memory and the host one table entry, so the table must be both fast and bounded.
 *   - Fast: the kernel's policy needs the block at an address (length, free) and the first free block,
 *     in address order, that is large enough (re-use), and a split inserts a block in the middle. A
 *     sorted array made each split O(n) and each re-use a scan of every block (quadratic when a loop
 *     fills page after page). The table is an AVL tree by address, each node also holding the largest
 *     free block of its subtree, so lookup, insertion and first-fit are O(log n), with a height that
 *     holds whatever order the plugin allocates in (a random-priority tree would only expect it).
 *   - Bounded: its entries (28 bytes) count against the plugin's memory limit like Extism memory's own
 *     pages, beyond the first RN_X_FREE_BLOCKS (so the ordinary plugin, with a handful of blocks, meets
 *     the limit at exactly Extism's point), and there are never more than RN_X_MAX_BLOCKS blocks, so
 *     without a limit the table stays under 28 MiB. Blocks live until the next call's reset.
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
    x->nblocks = x->cap = x->root = 0;
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

/* ---------------------------------------------------------------- the block table: an AVL tree */

#define NODE(x, i) ((x)->blocks[(i) - 1])

static unsigned height(const rn_xmem *x, uint32_t i) { return i ? NODE(x, i).height : 0; }
static uint32_t maxfree(const rn_xmem *x, uint32_t i) { return i ? NODE(x, i).maxfree : 0; }
static uint32_t max32(uint32_t a, uint32_t b) { return a > b ? a : b; }

/* Recomputes node i's height and largest free block from its children. */
static void pull(rn_xmem *x, uint32_t i)
{
    rn_xblock *b = &NODE(x, i);
    unsigned hl = height(x, b->left), hr = height(x, b->right);
    b->height = (uint8_t)(1 + (hl > hr ? hl : hr));
    b->maxfree = max32(b->used ? 0 : b->size, max32(maxfree(x, b->left), maxfree(x, b->right)));
}

static uint32_t rotate_right(rn_xmem *x, uint32_t i)
{
    uint32_t l = NODE(x, i).left;
    NODE(x, i).left = NODE(x, l).right;
    NODE(x, l).right = i;
    pull(x, i);
    pull(x, l);
    return l;
}

static uint32_t rotate_left(rn_xmem *x, uint32_t i)
{
    uint32_t r = NODE(x, i).right;
    NODE(x, i).right = NODE(x, r).left;
    NODE(x, r).left = i;
    pull(x, i);
    pull(x, r);
    return r;
}

static uint32_t rebalance(rn_xmem *x, uint32_t i)
{
    pull(x, i);
    uint32_t l = NODE(x, i).left, r = NODE(x, i).right;
    if (height(x, l) > height(x, r) + 1) {
        if (height(x, NODE(x, l).left) < height(x, NODE(x, l).right))
            NODE(x, i).left = rotate_left(x, l);
        return rotate_right(x, i);
    }
    if (height(x, r) > height(x, l) + 1) {
        if (height(x, NODE(x, r).right) < height(x, NODE(x, r).left))
            NODE(x, i).right = rotate_right(x, r);
        return rotate_left(x, i);
    }
    return i;
}

/* Inserts node n into the subtree t; returns the subtree's new root. Recursion depth: the height,
   at most 1.44 log2(RN_X_MAX_BLOCKS), about 29. */
static uint32_t insert(rn_xmem *x, uint32_t t, uint32_t n)
{
    if (!t)
        return n;
    if (NODE(x, n).addr < NODE(x, t).addr) {
        uint32_t l = insert(x, NODE(x, t).left, n);
        NODE(x, t).left = l;
    } else {
        uint32_t r = insert(x, NODE(x, t).right, n);
        NODE(x, t).right = r;
    }
    return rebalance(x, t);
}

/* After the block at addr changed (freed, used, shrunk): the largest-free figures on its path. */
static void refresh(rn_xmem *x, uint32_t t, uint32_t addr)
{
    if (!t)
        return;
    if (addr < NODE(x, t).addr)
        refresh(x, NODE(x, t).left, addr);
    else if (addr > NODE(x, t).addr)
        refresh(x, NODE(x, t).right, addr);
    pull(x, t);
}

/* The block whose data starts at h, live or free; 0 if none. */
static uint32_t find(const rn_xmem *x, uint64_t h)
{
    uint32_t t = x->root;
    while (t && NODE(x, t).addr != h)
        t = h < NODE(x, t).addr ? NODE(x, t).left : NODE(x, t).right;
    return t;
}

/* The first free block, in address order, of at least n bytes; 0 if none. */
static uint32_t first_fit(const rn_xmem *x, uint64_t n)
{
    uint32_t t = x->root;
    if (maxfree(x, t) < n)
        return 0;
    while (t) {
        if (maxfree(x, NODE(x, t).left) >= n)
            t = NODE(x, t).left;
        else if (!NODE(x, t).used && NODE(x, t).size >= n)
            return t;
        else
            t = NODE(x, t).right;
    }
    return 0;
}

static size_t table_bytes(uint64_t entries) { return (size_t)entries * sizeof(rn_xblock); }

/* Room for one more block: at most RN_X_MAX_BLOCKS, the table's growth past RN_X_FREE_BLOCKS entries
   charged to the memory limit. */
static bool reserve_block(rn_xmem *x)
{
    if (x->nblocks < x->cap)
        return true;
    if (x->cap >= RN_X_MAX_BLOCKS)
        return false;
    uint32_t cap = x->cap ? x->cap * 2 : 64;
    if (cap > RN_X_MAX_BLOCKS)
        cap = RN_X_MAX_BLOCKS;
    uint64_t before = x->cap > RN_X_FREE_BLOCKS ? x->cap : RN_X_FREE_BLOCKS;
    if (cap > before && x->grow && !x->grow(x->grow_user, table_bytes(cap - before)))
        return false;
    rn_xblock *b = realloc(x->blocks, table_bytes(cap));
    if (!b)
        return false;
    x->blocks = b;
    x->cap = cap;
    return true;
}

/* A new block (reserve_block first) in the tree; its index. */
static uint32_t add_block(rn_xmem *x, uint64_t addr, uint64_t size, uint64_t used)
{
    uint32_t i = ++x->nblocks;
    NODE(x, i) = (rn_xblock){.addr = (uint32_t)addr, .size = (uint32_t)size, .used = (uint32_t)used};
    pull(x, i);
    x->root = insert(x, x->root, i);
    return i;
}

uint32_t rn_xmem_block_count(const rn_xmem *x) { return x->nblocks; }
size_t rn_xmem_table_bytes(const rn_xmem *x) { return table_bytes(x->cap); }

/* The kernel's re-use of freed blocks: the first free block that is large enough; one with 128 bytes
   or more to spare is split, and the new block (its tail) is the one used. Returns the data address
   of the block now live, or 0. */
static uint64_t reuse_free(rn_xmem *x, uint64_t n)
{
    uint32_t i = first_fit(x, n);
    if (!i)
        return 0;
    rn_xblock b = NODE(x, i);
    if (b.size - n >= 128) {
        if (!reserve_block(x))
            return 0;
        uint64_t head = b.size - n - RN_X_HEADER, tail = b.addr + head + RN_X_HEADER;
        NODE(x, i).size = (uint32_t)head;
        refresh(x, x->root, b.addr);
        add_block(x, tail, n, n);
        return tail;
    }
    NODE(x, i).used = (uint32_t)n;
    refresh(x, x->root, b.addr);
    return b.addr;
}

static bool grow(rn_xmem *x, uint64_t pages)
{
    if (pages > RN_X_MAX_PAGES - x->grown_pages)
        return false;
    if (x->grow && !x->grow(x->grow_user, pages * RN_X_PAGE))
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
            uint64_t h = reuse_free(x, n);
            if (h)
                return h;
        }
        uint64_t need = with_header - left;
        if (!grow(x, (need + RN_X_PAGE - 1) / RN_X_PAGE))
            return 0;
    }
    if (!reserve_block(x))
        return 0;
    uint64_t header = RN_X_ROOT_END + x->position;
    x->position += with_header;
    add_block(x, header + RN_X_HEADER, n, n);
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
    uint32_t i = find(x, h);
    if (!i || !NODE(x, i).used)
        return;
    NODE(x, i).used = 0;
    refresh(x, x->root, (uint32_t)h);
    if (h == x->input_offset)
        x->input_length = 0; /* as the kernel does: the input is gone */
}

uint64_t rn_xmem_length(rn_xmem *x, uint64_t h)
{
    if (h == 0 || !x->initialized)
        return 0;
    uint32_t i = find(x, h);
    return i ? NODE(x, i).used : 0;
}

void rn_xmem_reset(rn_xmem *x)
{
    if (!x->initialized)
        return;
    /* the kernel zeroes what was allocated, so a new call never sees the last call's bytes */
    memset(x->data + RN_X_ROOT_END, 0, (size_t)x->position);
    x->position = 0;
    x->nblocks = x->root = 0; /* the table keeps its room (and what it was charged) */
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
