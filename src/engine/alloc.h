/*
 * alloc.h - every allocation of the engine's own objects goes through these (internal).
 *
 * Why: an embedder may give one allocator for the whole engine (runnel_set_allocator, Lua style:
 * alloc(ud, ptr, old size, new size)), to count, cap or place what the engine takes. Without one,
 * these are exactly malloc/calloc/realloc/free. With one, each block carries a 16-byte header holding
 * its size, so the allocator is told a block's old size on realloc and free as Lua's is, without the
 * engine having to track sizes at every call site.
 *
 * What stays on the C library's malloc, because its owner frees it with free(): what a runnel_report
 * holds (message, frames), the strings runnel_text_escape returns, and the shared helpers of util.h
 * and fileio.h, whose results other layers free.
 */
#ifndef RN_ALLOC_H
#define RN_ALLOC_H

#include <stddef.h>

void *rn_malloc(size_t n);
void *rn_calloc(size_t count, size_t size);
void *rn_realloc(void *p, size_t n);
void rn_free(void *p);
char *rn_strdup(const char *s);

#endif
