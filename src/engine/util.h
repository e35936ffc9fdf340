/*
 * util.h - small helpers every layer shares (internal).
 *
 * Why here: src/engine is the lowest layer and its directory is on every layer's include path, so a
 * helper that two layers need lives here once instead of once per layer (issue 14, "definitions
 * once"): a printf into a malloc'ed string, a failure into a report, the monotonic clock, and base64
 * decoding. util.c and fileio.c hold only such internal helpers, and the build links a private copy of
 * them into each layer's shared library (cmake/RunnelLibraries.cmake, "support objects"), so no rn_ name is
 * ever exported by one shared library for another to call. Hence they keep no state.
 */
#ifndef RN_UTIL_H
#define RN_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runnel/engine.h"

/* printf into a malloc'ed string of exactly the needed size; NULL when out of memory or on a bad
   format. rn_vformat leaves ap consumed (va_end is the caller's). */
char *rn_vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
char *rn_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* rn_vformat for a message that must stay bounded (its arguments may be a guest's text): at most max
   bytes with the NUL (max >= 4); a longer text keeps its start and ends in "...". */
char *rn_vformat_max(size_t max, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Set r (if not NULL) to status st at byte offset off with a printf-style message; returns st. */
runnel_status rn_fail(runnel_report *r, runnel_status st, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The option structs' growth rule (runnel/engine.h, before runnel_config): copies the caller's struct
   src, whose first member is its size_t size, into dst, the library's own of dst_size bytes, every
   field past the caller's size zero (its default); NULL src is all defaults. size 0 reads as v1_size,
   the struct of runnel 0.1 (RN_OPTIONS_V1: up to and including its last field then). false for a size
   the library cannot read. dst's size is set to dst_size. */
bool rn_options_read(void *dst, size_t dst_size, const void *src, size_t v1_size);
#define RN_OPTIONS_V1(type, last) (offsetof(type, last) + sizeof(((type *)0)->last))

/* CLOCK_MONOTONIC in nanoseconds: for deadlines, timeouts and elapsed times (never the wall clock). */
uint64_t rn_now_ns(void);

/* RFC 4648 base64 into a malloc'ed buffer (one spare byte, so a text can be NUL-terminated by the
   caller). RN_BASE64_STRICT is section 4 exactly: the standard alphabet, padding to a multiple of 4,
   and the bits padding drops must be zero (what Extism manifests use). RN_BASE64_LENIENT also takes
   the URL-safe alphabet (section 5, '-' and '_') and missing padding (what Reflow's older SDKs emit).
   Neither allows whitespace. false (and *out NULL) on bad input or when out of memory. */
enum { RN_BASE64_STRICT = 0, RN_BASE64_LENIENT = 1 };
bool rn_base64_decode(const char *s, size_t n, unsigned mode, uint8_t **out, size_t *outlen);

#endif
