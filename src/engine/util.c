/*
 * util.c - the helpers of util.h.
 */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *rn_vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *rn_vformat_max(size_t max, const char *fmt, va_list ap)
{
    char *s = rn_vformat(fmt, ap);
    if (s && max >= 4 && strlen(s) >= max) /* keep the start, mark the cut */
        memcpy(s + max - 4, "...", 4);
    return s;
}

char *rn_format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = rn_vformat(fmt, ap);
    va_end(ap);
    return s;
}

runnel_status rn_fail(runnel_report *r, runnel_status st, size_t off, const char *fmt, ...)
{
    if (!r)
        return st;
    runnel_report_clear(r);
    r->status = st;
    r->offset = off;
    va_list ap;
    va_start(ap, fmt);
    r->message = rn_vformat_max(512, fmt, ap);
    va_end(ap);
    return st;
}

bool rn_options_read(void *dst, size_t dst_size, const void *src, size_t v1_size)
{
    memset(dst, 0, dst_size);
    size_t n = 0;
    if (src) {
        memcpy(&n, src, sizeof n);
        if (n == 0)
            n = v1_size;
        if (n < v1_size || n > dst_size)
            return false;
        memcpy(dst, src, n);
    }
    memcpy(dst, &dst_size, sizeof dst_size);
    return true;
}

uint64_t rn_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------- base64 */

static int b64_value(unsigned char c, unsigned mode)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || (c == '-' && mode == RN_BASE64_LENIENT))
        return 62;
    if (c == '/' || (c == '_' && mode == RN_BASE64_LENIENT))
        return 63;
    return -1;
}

/* Strict: a multiple of 4 characters, '=' only as the last one or two. Lenient: trailing '=' dropped. */
static bool b64_data_length(const char *s, size_t n, unsigned mode, size_t *len)
{
    size_t pad = 0;
    while (pad < n && (pad < 2 || mode == RN_BASE64_LENIENT) && s[n - 1 - pad] == '=')
        pad++;
    if (mode == RN_BASE64_STRICT && n % 4)
        return false;
    *len = n - pad;
    return *len % 4 != 1;
}

bool rn_base64_decode(const char *s, size_t n, unsigned mode, uint8_t **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    size_t len;
    if (!b64_data_length(s, n, mode, &len))
        return false;
    uint8_t *buf = malloc(len / 4 * 3 + 3);
    if (!buf)
        return false;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)s[i], mode);
        if (v < 0) {
            free(buf);
            return false;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* canonical (strict): the bits the padding drops must be zero */
    if (mode == RN_BASE64_STRICT && bits && (acc & ((1u << bits) - 1u))) {
        free(buf);
        return false;
    }
    *out = buf;
    *outlen = o;
    return true;
}
