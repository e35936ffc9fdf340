/*
 * reader.h - bounds-checked readers for the binary format (spec 5.1, 5.2).
 *
 * Every read checks the end first and reports failure instead of reading past it, so no malformed
 * input can make the decoder or the compiler touch memory outside the module's bytes. LEB128
 * decoding enforces the spec's limits: at most ceil(N/7) bytes, and the unused bits of the last byte
 * must be zero (unsigned) or a sign extension (signed) — "integer representation too long" and
 * "integer too large" in the spec tests.
 */
#ifndef RN_READER_H
#define RN_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct rn_reader {
    const uint8_t *p;    /* next byte */
    const uint8_t *end;  /* one past the last readable byte */
    const uint8_t *base; /* start of the module, for byte offsets in messages */
} rn_reader;

static inline size_t rn_reader_offset(const rn_reader *r) { return (size_t)(r->p - r->base); }
static inline bool rn_reader_eof(const rn_reader *r) { return r->p >= r->end; }

static inline bool rn_read_u8(rn_reader *r, uint8_t *out)
{
    if (r->p >= r->end)
        return false;
    *out = *r->p++;
    return true;
}

/* Unsigned LEB128 of at most `bits` bits (32 or 64). */
static inline bool rn_read_uleb(rn_reader *r, unsigned bits, uint64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        if (r->p >= r->end)
            return false;
        uint8_t b = *r->p++;
        if (shift + 7 >= bits && shift < 64) {
            /* last permitted byte: no continuation, and bits above `bits` must be zero */
            unsigned used = bits - shift; /* 1..7 */
            if (b & 0x80)
                return false;
            if (used < 7 && (b >> used) != 0)
                return false;
            v |= (uint64_t)b << shift;
            break;
        }
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80))
            break;
        shift += 7;
    }
    *out = v;
    return true;
}

/* Signed LEB128 of at most `bits` bits (32, 33 or 64), sign-extended into int64_t. */
static inline bool rn_read_sleb(rn_reader *r, unsigned bits, int64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    for (;;) {
        if (r->p >= r->end)
            return false;
        b = *r->p++;
        if (shift + 7 >= bits) {
            /* last permitted byte: no continuation; the bits from `bits-1-shift` up must all equal the sign */
            unsigned used = bits - shift; /* 1..7 */
            if (b & 0x80)
                return false;
            int8_t sb = (int8_t)(uint8_t)(b << 1) >> 1; /* the 7 payload bits, sign-extended */
            int8_t top = (int8_t)(sb >> (used - 1));     /* must be 0 or -1 */
            if (top != 0 && top != -1)
                return false;
            v |= (uint64_t)(b & 0x7F) << shift;
            shift += 7;
            break;
        }
        v |= (uint64_t)(b & 0x7F) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    if (shift < 64 && (b & 0x40))
        v |= ~(uint64_t)0 << shift;
    *out = (int64_t)v;
    return true;
}

static inline bool rn_read_u32(rn_reader *r, uint32_t *out)
{
    uint64_t v;
    if (!rn_read_uleb(r, 32, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

static inline bool rn_read_s32(rn_reader *r, int32_t *out)
{
    int64_t v;
    if (!rn_read_sleb(r, 32, &v))
        return false;
    *out = (int32_t)v;
    return true;
}

static inline bool rn_read_s64(rn_reader *r, int64_t *out) { return rn_read_sleb(r, 64, out); }
static inline bool rn_read_s33(rn_reader *r, int64_t *out) { return rn_read_sleb(r, 33, out); }

static inline bool rn_read_bytes(rn_reader *r, size_t n, const uint8_t **out)
{
    if ((size_t)(r->end - r->p) < n)
        return false;
    *out = r->p;
    r->p += n;
    return true;
}

static inline bool rn_read_fixed32(rn_reader *r, uint32_t *out)
{
    const uint8_t *b;
    if (!rn_read_bytes(r, 4, &b))
        return false;
    *out = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

static inline bool rn_read_fixed64(rn_reader *r, uint64_t *out)
{
    uint32_t lo, hi;
    if (!rn_read_fixed32(r, &lo) || !rn_read_fixed32(r, &hi))
        return false;
    *out = (uint64_t)hi << 32 | lo;
    return true;
}

#endif
