/*
 * runnel.h - the C SDK for Reflow actor plugins (one header; nothing to link but wasi-libc).
 *
 * Build a plugin with:
 *     clang --target=wasm32-wasi -O2 -mexec-model=reactor -I sdk/c -o my_actor.wasm my_actor.c
 *
 * A plugin declares its metadata, writes a process function and exports both with RUNNEL_ACTOR:
 *
 *     #include "runnel.h"
 *
 *     static const runnel_metadata meta = {
 *         .component = "MyActor",
 *         .description = "Example WASM actor",
 *         RUNNEL_INPORTS(RUNNEL_REQUIRED_PORT("input", "Input port", "Integer")),
 *         RUNNEL_OUTPORTS(RUNNEL_PORT("output", "Output port", "Integer")),
 *     };
 *
 *     static int process(runnel_ctx *ctx)
 *     {
 *         int64_t v;
 *         if (runnel_input_int(ctx, "input", &v))
 *             runnel_output_int(ctx, "output", v * 2);
 *         return 0;
 *     }
 *
 *     RUNNEL_ACTOR(meta, process)
 *
 * What the plugin sees is the Reflow actor ABI (docs/actors.md; docs/abi-reflow.md): `process`
 * receives the actor context {"payload", "config", "state"} and returns {"outputs", "state"}, both
 * JSON, through the Extism kernel imported from `extism:host/env`; the host functions __send_output,
 * __get_state and __set_state come from `extism:host/user`. Only the imports a plugin actually uses end
 * up in its module.
 *
 * Why a JSON reader and writer of its own: the SDK must run in a bare wasm32-wasi reactor with nothing
 * but wasi-libc, and Reflow's Integer is a signed 64-bit integer that must stay exact, so integers are
 * parsed as int64_t (never through a double) and floats are written with the fewest digits that read
 * back to the same double, always with a '.' or an exponent, so that a host typing plain values by
 * shape (__send_output) sees a Float, not an Integer.
 *
 * Memory: every value the SDK makes (parsed JSON, strings, outputs) lives in an arena that is emptied
 * after each call, so a plugin never frees anything and never leaks between calls, even when the host
 * keeps its instance warm. Pointers the SDK returns are valid until the call returns. When memory runs
 * out the call fails with an "out of memory" error (and a trap), never with a corrupted result.
 *
 * Names: everything public starts with runnel_ / RUNNEL_; internals start with runnel__.
 * The header also compiles for the host (not __wasm__): the kernel imports are then plain external
 * functions, which lets the SDK's own tests run natively under sanitizers with a mock kernel.
 */
#ifndef RUNNEL_SDK_H
#define RUNNEL_SDK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ================================================================ the Extism kernel and Reflow host functions */

#if defined(__wasm__)
#define RUNNEL__IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#else
#define RUNNEL__IMPORT(module, name)
#endif
#if defined(__wasm__)
#define RUNNEL__EXPORT(name) __attribute__((export_name(name)))
#else
#define RUNNEL__EXPORT(name)
#endif
#define RUNNEL__ENV(name)  RUNNEL__IMPORT("extism:host/env", name)
#define RUNNEL__USER(name) RUNNEL__IMPORT("extism:host/user", name)

RUNNEL__ENV("input_length") uint64_t runnel__x_input_length(void);
RUNNEL__ENV("input_load_u8") uint8_t runnel__x_input_load_u8(uint64_t off);
RUNNEL__ENV("input_load_u64") uint64_t runnel__x_input_load_u64(uint64_t off);
RUNNEL__ENV("alloc") uint64_t runnel__x_alloc(uint64_t n);
RUNNEL__ENV("free") void runnel__x_free(uint64_t h);
RUNNEL__ENV("length") uint64_t runnel__x_length(uint64_t h);
RUNNEL__ENV("load_u8") uint8_t runnel__x_load_u8(uint64_t p);
RUNNEL__ENV("load_u64") uint64_t runnel__x_load_u64(uint64_t p);
RUNNEL__ENV("store_u8") void runnel__x_store_u8(uint64_t p, uint8_t v);
RUNNEL__ENV("store_u64") void runnel__x_store_u64(uint64_t p, uint64_t v);
RUNNEL__ENV("output_set") void runnel__x_output_set(uint64_t h, uint64_t len);
RUNNEL__ENV("error_set") void runnel__x_error_set(uint64_t h);
RUNNEL__ENV("log_debug") void runnel__x_log_debug(uint64_t h);
RUNNEL__ENV("log_info") void runnel__x_log_info(uint64_t h);
RUNNEL__ENV("log_warn") void runnel__x_log_warn(uint64_t h);
RUNNEL__ENV("log_error") void runnel__x_log_error(uint64_t h);
RUNNEL__USER("__send_output") void runnel__x_send_output(uint64_t h);
RUNNEL__USER("__get_state") uint64_t runnel__x_get_state(uint64_t key);
RUNNEL__USER("__set_state") void runnel__x_set_state(uint64_t key, uint64_t value);

/* ================================================================ the arena */

typedef struct runnel__chunk {
    struct runnel__chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} runnel__chunk;

/* One arena for the whole module: weak, so that a plugin made of several .c files including this header
   still has exactly one. */
__attribute__((weak)) runnel__chunk *runnel__arena_head;

static inline void runnel__oom(size_t n);

static inline void *runnel_alloc(size_t n)
{
    if (n > SIZE_MAX - sizeof(runnel__chunk) - 65536) { /* no such block can exist: never round it down */
        runnel__oom(n);
        return NULL;
    }
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    runnel__chunk *c = runnel__arena_head;
    if (!c || c->size - c->used < n) {
        size_t size = n > 65536 ? n : 65536;
        if (size > SIZE_MAX - sizeof(runnel__chunk) || !(c = (runnel__chunk *)malloc(sizeof(runnel__chunk) + size))) {
            runnel__oom(n);
            return NULL;
        }
        c->size = size;
        c->used = 0;
        c->next = runnel__arena_head;
        runnel__arena_head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

static inline void runnel__arena_reset(void)
{
    /* Everything goes except one standard chunk, emptied and kept for the next call: a call that fits in
       64 KiB then costs no malloc and no free (measured: about a tenth of a small call in a graph). */
    runnel__chunk *keep = NULL, *c = runnel__arena_head;
    while (c) {
        runnel__chunk *next = c->next;
        if (!keep && c->size == 65536) {
            keep = c;
            keep->used = 0;
            keep->next = NULL;
        } else {
            free(c);
        }
        c = next;
    }
    runnel__arena_head = keep;
}

static inline char *runnel_strndup(const char *s, size_t n)
{
    char *p = (char *)runnel_alloc(n < SIZE_MAX ? n + 1 : n); /* SIZE_MAX: refused by runnel_alloc */
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* printf into the arena. */
static inline char *runnel_vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return runnel_strndup("", 0);
    char *s = (char *)runnel_alloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static inline char *runnel_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *runnel_format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = runnel_vformat(fmt, ap);
    va_end(ap);
    return s;
}

/* ================================================================ Extism memory */

/* A new block of Extism memory holding the bytes (0 when len is 0). */
static inline uint64_t runnel__to_extism(const void *data, size_t len)
{
    if (len == 0)
        return 0;
    uint64_t h = runnel__x_alloc(len);
    if (!h)
        return 0;
    const unsigned char *p = (const unsigned char *)data;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        runnel__x_store_u64(h + i, v);
    }
    for (; i < len; i++)
        runnel__x_store_u8(h + i, p[i]);
    return h;
}

/* The bytes of an Extism block, NUL-terminated, in the arena. */
static inline char *runnel__from_extism(uint64_t h, size_t *len)
{
    uint64_t n64 = h ? runnel__x_length(h) : 0;
    size_t n = n64 < SIZE_MAX ? (size_t)n64 : SIZE_MAX - 1;
    char *p = (char *)runnel_alloc(n + 1);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v = runnel__x_load_u64(h + i);
        memcpy(p + i, &v, 8);
    }
    for (; i < n; i++)
        p[i] = (char)runnel__x_load_u8(h + i);
    p[n] = '\0';
    if (len)
        *len = n;
    return p;
}

static inline char *runnel__read_input(size_t *len)
{
    uint64_t n64 = runnel__x_input_length();
    size_t n = n64 < SIZE_MAX ? (size_t)n64 : SIZE_MAX - 1;
    char *p = (char *)runnel_alloc(n + 1);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v = runnel__x_input_load_u64(i);
        memcpy(p + i, &v, 8);
    }
    for (; i < n; i++)
        p[i] = (char)runnel__x_input_load_u8(i);
    p[n] = '\0';
    *len = n;
    return p;
}

/* Sets the call's error (the host reports it as the actor's error). */
static inline void runnel__set_error(const char *msg)
{
    uint64_t h = runnel__to_extism(msg, strlen(msg));
    runnel__x_error_set(h);
}

static inline void runnel__oom(size_t n)
{
    /* Leave the arena alone (it is what ran out); the message fits in a stack buffer. */
    char msg[96];
    snprintf(msg, sizeof msg, "Actor processing error: out of memory (could not allocate %zu bytes)", n);
    runnel__set_error(msg);
    __builtin_trap();
}

/* ================================================================ JSON */

typedef enum runnel_json_kind {
    RUNNEL_JSON_NULL = 0,
    RUNNEL_JSON_BOOL,
    RUNNEL_JSON_INT,   /* an integer literal that fits int64_t */
    RUNNEL_JSON_FLOAT, /* any other number */
    RUNNEL_JSON_STRING,
    RUNNEL_JSON_ARRAY,
    RUNNEL_JSON_OBJECT,
} runnel_json_kind;

typedef struct runnel_json runnel_json;
struct runnel_json {
    runnel_json_kind kind;
    union {
        bool b;
        int64_t i;
        double f;
        struct {
            char *ptr; /* NUL-terminated; may contain NULs (len is the length) */
            size_t len;
        } s;
        struct {
            runnel_json **items;
            char **keys; /* objects only */
            size_t count, cap;
        } c;
    } u;
};

static inline runnel_json *runnel__json_new(runnel_json_kind k)
{
    runnel_json *v = (runnel_json *)runnel_alloc(sizeof *v);
    memset(v, 0, sizeof *v);
    v->kind = k;
    return v;
}

static inline runnel_json *runnel_json_null(void)
{
    return runnel__json_new(RUNNEL_JSON_NULL);
}
static inline runnel_json *runnel_json_bool(bool b)
{
    runnel_json *v = runnel__json_new(RUNNEL_JSON_BOOL);
    v->u.b = b;
    return v;
}
static inline runnel_json *runnel_json_int(int64_t i)
{
    runnel_json *v = runnel__json_new(RUNNEL_JSON_INT);
    v->u.i = i;
    return v;
}
static inline runnel_json *runnel_json_float(double f)
{
    runnel_json *v = runnel__json_new(RUNNEL_JSON_FLOAT);
    v->u.f = f;
    return v;
}
static inline runnel_json *runnel_json_stringn(const char *s, size_t len)
{
    runnel_json *v = runnel__json_new(RUNNEL_JSON_STRING);
    v->u.s.ptr = runnel_strndup(s ? s : "", s ? len : 0);
    v->u.s.len = s ? len : 0;
    return v;
}
static inline runnel_json *runnel_json_string(const char *s)
{
    return runnel_json_stringn(s, s ? strlen(s) : 0);
}
static inline runnel_json *runnel_json_array(void)
{
    return runnel__json_new(RUNNEL_JSON_ARRAY);
}
static inline runnel_json *runnel_json_object(void)
{
    return runnel__json_new(RUNNEL_JSON_OBJECT);
}

static inline void runnel__json_grow(runnel_json *v)
{
    if (v->u.c.count < v->u.c.cap)
        return;
    size_t cap = v->u.c.cap ? v->u.c.cap * 2 : 4;
    runnel_json **items = (runnel_json **)runnel_alloc(cap * sizeof *items);
    if (v->u.c.count)
        memcpy(items, v->u.c.items, v->u.c.count * sizeof *items);
    v->u.c.items = items;
    if (v->kind == RUNNEL_JSON_OBJECT) {
        char **keys = (char **)runnel_alloc(cap * sizeof *keys);
        if (v->u.c.count)
            memcpy(keys, v->u.c.keys, v->u.c.count * sizeof *keys);
        v->u.c.keys = keys;
    }
    v->u.c.cap = cap;
}

/* Appends to an array (NULL item: null). Returns the array. */
static inline runnel_json *runnel_json_push(runnel_json *arr, runnel_json *item)
{
    if (!arr || arr->kind != RUNNEL_JSON_ARRAY)
        return arr;
    runnel__json_grow(arr);
    arr->u.c.items[arr->u.c.count++] = item ? item : runnel_json_null();
    return arr;
}

/* Number of items of an array or members of an object (0 otherwise). */
static inline size_t runnel_json_len(const runnel_json *v)
{
    return v && (v->kind == RUNNEL_JSON_ARRAY || v->kind == RUNNEL_JSON_OBJECT) ? v->u.c.count : 0;
}

/* The i-th item of an array, or the value of the i-th member of an object; NULL if out of range. */
static inline runnel_json *runnel_json_at(const runnel_json *v, size_t i)
{
    return i < runnel_json_len(v) ? v->u.c.items[i] : NULL;
}

/* The key of the i-th member of an object, or NULL. */
static inline const char *runnel_json_key(const runnel_json *v, size_t i)
{
    return v && v->kind == RUNNEL_JSON_OBJECT && i < v->u.c.count ? v->u.c.keys[i] : NULL;
}

static inline runnel_json *runnel_json_get(const runnel_json *obj, const char *key)
{
    if (!obj || obj->kind != RUNNEL_JSON_OBJECT || !key)
        return NULL;
    for (size_t i = 0; i < obj->u.c.count; i++)
        if (strcmp(obj->u.c.keys[i], key) == 0)
            return obj->u.c.items[i];
    return NULL;
}

/* Sets a member of an object (replacing one of the same key; NULL value: null). Returns the object. */
/* runnel_json_set's work: a new member's key is `owned` when the caller already has it in the arena (the
   parser: no second copy), else a copy of key. */
static inline runnel_json *runnel__json_put(runnel_json *obj, const char *key, char *owned, runnel_json *value)
{
    if (!value)
        value = runnel_json_null();
    for (size_t i = 0; i < obj->u.c.count; i++)
        if (strcmp(obj->u.c.keys[i], key) == 0) {
            obj->u.c.items[i] = value;
            return obj;
        }
    runnel__json_grow(obj);
    obj->u.c.keys[obj->u.c.count] = owned ? owned : runnel_strndup(key, strlen(key));
    obj->u.c.items[obj->u.c.count++] = value;
    return obj;
}

static inline runnel_json *runnel_json_set(runnel_json *obj, const char *key, runnel_json *value)
{
    if (!obj || obj->kind != RUNNEL_JSON_OBJECT || !key)
        return obj;
    return runnel__json_put(obj, key, NULL, value);
}

/* A copy sharing nothing with v. */
static inline runnel_json *runnel_json_copy(const runnel_json *v)
{
    if (!v)
        return NULL;
    switch (v->kind) {
    case RUNNEL_JSON_STRING: return runnel_json_stringn(v->u.s.ptr, v->u.s.len);
    case RUNNEL_JSON_ARRAY: {
        runnel_json *a = runnel_json_array();
        for (size_t i = 0; i < v->u.c.count; i++)
            runnel_json_push(a, runnel_json_copy(v->u.c.items[i]));
        return a;
    }
    case RUNNEL_JSON_OBJECT: {
        runnel_json *o = runnel_json_object();
        for (size_t i = 0; i < v->u.c.count; i++)
            runnel_json_set(o, v->u.c.keys[i], runnel_json_copy(v->u.c.items[i]));
        return o;
    }
    default: {
        runnel_json *c = runnel__json_new(v->kind);
        *c = *v;
        return c;
    }
    }
}

/* Typed reads with a default for "absent or of another kind". as_float accepts integers too. */
static inline bool runnel_json_is_int(const runnel_json *v)
{
    return v && v->kind == RUNNEL_JSON_INT;
}
static inline bool runnel_json_is_number(const runnel_json *v)
{
    return v && (v->kind == RUNNEL_JSON_INT || v->kind == RUNNEL_JSON_FLOAT);
}
static inline int64_t runnel_json_as_int(const runnel_json *v, int64_t dflt)
{
    return runnel_json_is_int(v) ? v->u.i : dflt;
}
static inline double runnel_json_as_float(const runnel_json *v, double dflt)
{
    if (!v)
        return dflt;
    return v->kind == RUNNEL_JSON_FLOAT ? v->u.f : v->kind == RUNNEL_JSON_INT ? (double)v->u.i : dflt;
}
static inline bool runnel_json_as_bool(const runnel_json *v, bool dflt)
{
    return v && v->kind == RUNNEL_JSON_BOOL ? v->u.b : dflt;
}
static inline const char *runnel_json_as_string(const runnel_json *v, const char *dflt)
{
    return v && v->kind == RUNNEL_JSON_STRING ? v->u.s.ptr : dflt;
}

/* ---------------------------------------------------------------- JSON reader (RFC 8259) */

typedef struct runnel__parser {
    const char *p, *end;
    const char *error; /* the first error */
    const char *where;
    int depth;
} runnel__parser;

#define RUNNEL__MAX_DEPTH 256

static inline void runnel__ws(runnel__parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static inline runnel_json *runnel__perr(runnel__parser *ps, const char *msg)
{
    if (!ps->error) {
        ps->error = msg;
        ps->where = ps->p;
    }
    return NULL;
}

static inline int runnel__hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static inline size_t runnel__utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A string starting after its opening quote; the result goes to *out and *outlen. */
static inline bool runnel__pstring(runnel__parser *ps, char **out, size_t *outlen)
{
    /* The decoded text is never longer than the source. */
    const char *start = ps->p;
    /* Most strings have no escape: copied in one pass (measured: a sixth of a small call's parsing). */
    const char *q = start;
    while (q < ps->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
        q++;
    if (q < ps->end && *q == '"') {
        size_t len = (size_t)(q - start);
        char *plain = (char *)runnel_alloc(len + 1);
        memcpy(plain, start, len);
        plain[len] = '\0';
        ps->p = q + 1;
        *out = plain;
        *outlen = len;
        return true;
    }
    size_t max = 0;
    while (start + max < ps->end && start[max] != '"') {
        if (start[max] == '\\' && start + max + 1 < ps->end)
            max++;
        max++;
    }
    char *buf = (char *)runnel_alloc(max + 1);
    size_t n = 0;
    while (ps->p < ps->end) {
        unsigned char c = (unsigned char)*ps->p;
        if (c == '"') {
            ps->p++;
            buf[n] = '\0';
            *out = buf;
            *outlen = n;
            return true;
        }
        if (c < 0x20) {
            runnel__perr(ps, "control character in a string");
            return false;
        }
        if (c != '\\') {
            buf[n++] = (char)c;
            ps->p++;
            continue;
        }
        if (ps->end - ps->p < 2) {
            runnel__perr(ps, "unterminated string");
            return false;
        }
        char e = ps->p[1];
        ps->p += 2;
        switch (e) {
        case '"': buf[n++] = '"'; break;
        case '\\': buf[n++] = '\\'; break;
        case '/': buf[n++] = '/'; break;
        case 'b': buf[n++] = '\b'; break;
        case 'f': buf[n++] = '\f'; break;
        case 'n': buf[n++] = '\n'; break;
        case 'r': buf[n++] = '\r'; break;
        case 't': buf[n++] = '\t'; break;
        case 'u': {
            int hi = ps->end - ps->p >= 4 ? runnel__hex4(ps->p) : -1;
            if (hi < 0) {
                runnel__perr(ps, "bad \\u escape");
                return false;
            }
            ps->p += 4;
            uint32_t cp = (uint32_t)hi;
            if (hi >= 0xD800 && hi <= 0xDBFF && ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u') {
                int lo = runnel__hex4(ps->p + 2);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                    ps->p += 6;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF)
                cp = 0xFFFD;                /* a lone surrogate has no UTF-8 form */
            n += runnel__utf8(buf + n, cp); /* at most 4 bytes for at least 6 source bytes */
            break;
        }
        default: runnel__perr(ps, "bad escape in a string"); return false;
        }
    }
    runnel__perr(ps, "unterminated string");
    return false;
}

static inline runnel_json *runnel__pnumber(runnel__parser *ps)
{
    const char *s = ps->p;
    const char *q = s;
    bool neg = false, integral = true;
    if (q < ps->end && *q == '-') {
        neg = true;
        q++;
    }
    if (q >= ps->end || *q < '0' || *q > '9')
        return runnel__perr(ps, "bad number");
    if (*q == '0' && q + 1 < ps->end && q[1] >= '0' && q[1] <= '9')
        return runnel__perr(ps, "leading zero in a number");
    const char *digits = q;
    while (q < ps->end && *q >= '0' && *q <= '9')
        q++;
    const char *digits_end = q;
    if (q < ps->end && *q == '.') {
        integral = false;
        q++;
        if (q >= ps->end || *q < '0' || *q > '9')
            return runnel__perr(ps, "bad number");
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        integral = false;
        q++;
        if (q < ps->end && (*q == '+' || *q == '-'))
            q++;
        if (q >= ps->end || *q < '0' || *q > '9')
            return runnel__perr(ps, "bad number");
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    }
    ps->p = q;
    if (integral) {
        /* Exact: accumulate as unsigned, check against 2^63 (negative) or 2^63-1. */
        uint64_t v = 0;
        bool overflow = false;
        for (const char *d = digits; d < digits_end; d++) {
            unsigned dig = (unsigned)(*d - '0');
            if (v > (UINT64_MAX - dig) / 10) {
                overflow = true;
                break;
            }
            v = v * 10 + dig;
        }
        uint64_t limit = neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
        if (!overflow && v <= limit)
            return runnel_json_int(!neg ? (int64_t)v : v == (uint64_t)1 << 63 ? INT64_MIN : -(int64_t)v);
        /* Too big for int64_t: a float, as serde_json does. */
    }
    char *text = runnel_strndup(s, (size_t)(q - s));
    return runnel_json_float(strtod(text, NULL));
}

static inline runnel_json *runnel__pvalue(runnel__parser *ps)
{
    runnel__ws(ps);
    if (ps->p >= ps->end)
        return runnel__perr(ps, "unexpected end of input");
    char c = *ps->p;
    if (c == '{' || c == '[') {
        if (++ps->depth > RUNNEL__MAX_DEPTH)
            return runnel__perr(ps, "nested too deeply");
        bool obj = c == '{';
        runnel_json *v = obj ? runnel_json_object() : runnel_json_array();
        ps->p++;
        runnel__ws(ps);
        if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
            ps->p++;
            ps->depth--;
            return v;
        }
        for (;;) {
            char *key = NULL;
            size_t klen = 0;
            if (obj) {
                runnel__ws(ps);
                if (ps->p >= ps->end || *ps->p != '"')
                    return runnel__perr(ps, "expected a string key");
                ps->p++;
                if (!runnel__pstring(ps, &key, &klen))
                    return NULL;
                runnel__ws(ps);
                if (ps->p >= ps->end || *ps->p != ':')
                    return runnel__perr(ps, "expected ':'");
                ps->p++;
            }
            runnel_json *item = runnel__pvalue(ps);
            if (!item)
                return NULL;
            if (obj) {
                /* Later duplicates win, as in most JSON readers; the key keeps its first position. */
                runnel__json_put(v, key, key, item);
            } else {
                runnel_json_push(v, item);
            }
            runnel__ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
                ps->p++;
                ps->depth--;
                return v;
            }
            return runnel__perr(ps, obj ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    if (c == '"') {
        ps->p++;
        char *s;
        size_t len;
        if (!runnel__pstring(ps, &s, &len))
            return NULL;
        runnel_json *v = runnel__json_new(RUNNEL_JSON_STRING);
        v->u.s.ptr = s;
        v->u.s.len = len;
        return v;
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return runnel__pnumber(ps);
    static const struct {
        const char *word;
        size_t len;
        runnel_json_kind kind;
        bool b;
    } words[] = {{"true", 4, RUNNEL_JSON_BOOL, true},
                 {"false", 5, RUNNEL_JSON_BOOL, false},
                 {"null", 4, RUNNEL_JSON_NULL, false}};
    for (size_t i = 0; i < 3; i++)
        if ((size_t)(ps->end - ps->p) >= words[i].len && memcmp(ps->p, words[i].word, words[i].len) == 0) {
            ps->p += words[i].len;
            runnel_json *v = runnel__json_new(words[i].kind);
            v->u.b = words[i].b;
            return v;
        }
    return runnel__perr(ps, "unexpected character");
}

/* Parses JSON text. NULL when it is not JSON; then *error (if given) says why. */
static inline runnel_json *runnel_json_parse(const char *text, size_t len, const char **error)
{
    runnel__parser ps = {text, text + len, NULL, NULL, 0};
    runnel_json *v = text ? runnel__pvalue(&ps) : NULL;
    if (v) {
        runnel__ws(&ps);
        if (ps.p != ps.end)
            v = runnel__perr(&ps, "trailing characters after the value");
    } else if (!ps.error) {
        ps.error = "no input";
    }
    if (!v && error)
        *error = ps.error;
    return v;
}

/* ---------------------------------------------------------------- JSON writer */

typedef struct runnel__buf {
    char *p;
    size_t len, cap;
} runnel__buf;

static inline void runnel__put(runnel__buf *b, const char *s, size_t n)
{
    if (b->cap - b->len < n + 1) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n + 1)
            cap *= 2;
        char *p = (char *)runnel_alloc(cap);
        if (b->len)
            memcpy(p, b->p, b->len);
        b->p = p;
        b->cap = cap;
    }
    if (n == 1) /* the common case (punctuation), without a call */
        b->p[b->len] = s[0];
    else
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static inline void runnel__put_int(runnel__buf *b, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[sizeof tmp - 1 - n++] = '-';
    runnel__put(b, tmp + sizeof tmp - n, n);
}

/* The shortest of %.15g..%.17g that reads back to the same double, always looking like a float. */
static inline void runnel__put_float(runnel__buf *b, double d)
{
    if (!__builtin_isfinite(d)) {
        runnel__put(b, "null", 4); /* JSON has no NaN or infinity; serde_json writes null too */
        return;
    }
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    size_t n = strlen(tmp);
    runnel__put(b, tmp, n);
    if (!strpbrk(tmp, ".eEn"))
        runnel__put(b, ".0", 2);
}

static inline void runnel__put_string(runnel__buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    runnel__put(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        runnel__put(b, s + run, i - run);
        run = i + 1;
        char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default: esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[c >> 4], esc[5] = hex[c & 15]; n = 6;
        }
        runnel__put(b, esc, n);
    }
    runnel__put(b, s + run, len - run);
    runnel__put(b, "\"", 1);
}

static inline void runnel__write(runnel__buf *b, const runnel_json *v)
{
    if (!v) {
        runnel__put(b, "null", 4);
        return;
    }
    switch (v->kind) {
    case RUNNEL_JSON_NULL: runnel__put(b, "null", 4); break;
    case RUNNEL_JSON_BOOL: v->u.b ? runnel__put(b, "true", 4) : runnel__put(b, "false", 5); break;
    case RUNNEL_JSON_INT: runnel__put_int(b, v->u.i); break;
    case RUNNEL_JSON_FLOAT: runnel__put_float(b, v->u.f); break;
    case RUNNEL_JSON_STRING: runnel__put_string(b, v->u.s.ptr, v->u.s.len); break;
    case RUNNEL_JSON_ARRAY:
    case RUNNEL_JSON_OBJECT: {
        bool obj = v->kind == RUNNEL_JSON_OBJECT;
        runnel__put(b, obj ? "{" : "[", 1);
        for (size_t i = 0; i < v->u.c.count; i++) {
            if (i)
                runnel__put(b, ",", 1);
            if (obj) {
                runnel__put_string(b, v->u.c.keys[i], strlen(v->u.c.keys[i]));
                runnel__put(b, ":", 1);
            }
            runnel__write(b, v->u.c.items[i]);
        }
        runnel__put(b, obj ? "}" : "]", 1);
        break;
    }
    }
}

/* Compact JSON text of v (NUL-terminated, in the arena); its length in *len if given. */
static inline char *runnel_json_write(const runnel_json *v, size_t *len)
{
    runnel__buf b = {NULL, 0, 0};
    runnel__write(&b, v);
    if (len)
        *len = b.len;
    return b.p;
}

/* ================================================================ messages */

/* The twelve Reflow message types. RUNNEL_NONE: no message (an input that is absent). */
typedef enum runnel_type {
    RUNNEL_NONE = -1,
    RUNNEL_FLOW = 0,
    RUNNEL_EVENT,
    RUNNEL_BOOLEAN,
    RUNNEL_INTEGER,
    RUNNEL_FLOAT,
    RUNNEL_STRING,
    RUNNEL_OBJECT,
    RUNNEL_ARRAY,
    RUNNEL_STREAM,
    RUNNEL_OPTIONAL,
    RUNNEL_ANY,
    RUNNEL_ERROR,
} runnel_type;

static inline const char *runnel_type_name(runnel_type t)
{
    static const char *const names[] = {"Flow",   "Event", "Boolean", "Integer",  "Float", "String",
                                        "Object", "Array", "Stream",  "Optional", "Any",   "Error"};
    return t >= RUNNEL_FLOW && t <= RUNNEL_ERROR ? names[t] : "None";
}

static inline runnel_type runnel_type_from_name(const char *name)
{
    for (int t = RUNNEL_FLOW; t <= RUNNEL_ERROR; t++)
        if (name && strcmp(name, runnel_type_name((runnel_type)t)) == 0)
            return (runnel_type)t;
    return RUNNEL_NONE;
}

/* The tagged form {"type": T, "data": D}. */
static inline runnel_json *runnel_message(runnel_type t, runnel_json *data)
{
    runnel_json *m = runnel_json_object();
    runnel_json_set(m, "type", runnel_json_string(runnel_type_name(t)));
    runnel_json_set(m, "data", data ? data : runnel_json_null());
    return m;
}

/* ================================================================ metadata */

typedef struct runnel_port {
    const char *name;
    const char *description;
    const char *type; /* a message type name: "Integer", "Flow", ..., or "Any" */
    bool required;
} runnel_port;

typedef struct runnel_metadata {
    const char *component;
    const char *description;
    const runnel_port *inports;
    size_t ninports;
    const runnel_port *outports;
    size_t noutports;
    const char *config_schema; /* JSON Schema text, or NULL */
} runnel_metadata;

/* A port, as the Rust SDK's port_def!("name", "description", "Type") and port_def!(..., required). */
#define RUNNEL_PORT(name_, description_, type_)                                                                        \
    {                                                                                                                  \
        .name = (name_), .description = (description_), .type = (type_), .required = false                             \
    }
#define RUNNEL_REQUIRED_PORT(name_, description_, type_)                                                               \
    {                                                                                                                  \
        .name = (name_), .description = (description_), .type = (type_), .required = true                              \
    }

/* In a runnel_metadata initialiser: RUNNEL_INPORTS(RUNNEL_PORT("name", "description", "Type"), ...) */
#define RUNNEL_INPORTS(...)                                                                                            \
    .inports = (const runnel_port[]){__VA_ARGS__},                                                                     \
    .ninports = sizeof((const runnel_port[]){__VA_ARGS__}) / sizeof(runnel_port)
#define RUNNEL_OUTPORTS(...)                                                                                           \
    .outports = (const runnel_port[]){__VA_ARGS__},                                                                    \
    .noutports = sizeof((const runnel_port[]){__VA_ARGS__}) / sizeof(runnel_port)

static inline runnel_json *runnel__ports_json(const runnel_port *p, size_t n)
{
    runnel_json *a = runnel_json_array();
    for (size_t i = 0; i < n; i++) {
        runnel_json *o = runnel_json_object();
        runnel_json_set(o, "name", runnel_json_string(p[i].name));
        runnel_json_set(o, "description", runnel_json_string(p[i].description ? p[i].description : ""));
        runnel_json_set(o, "port_type", runnel_json_string(p[i].type ? p[i].type : "Any"));
        runnel_json_set(o, "required", runnel_json_bool(p[i].required));
        runnel_json_push(a, o);
    }
    return a;
}

/* ================================================================ the actor context */

typedef struct runnel_ctx {
    runnel_json *context;   /* the whole ActorContext */
    runnel_json *payload;   /* {port: message} */
    runnel_json *node;      /* context.config: node_id, component, resolved_env, config, namespace */
    runnel_json *config;    /* context.config.config: the node's configuration */
    runnel_json *state;     /* context.state: the state when the call began */
    runnel_json *outputs;   /* what process returns, {port: message} */
    runnel_json *new_state; /* NULL: the state is left as it is (with what __set_state wrote) */
    const char *error;      /* set by runnel_fail */
} runnel_ctx;

/* ---------------------------------------------------------------- inputs */

static inline runnel_json *runnel__input(const runnel_ctx *ctx, const char *port)
{
    return runnel_json_get(ctx->payload, port);
}

static inline bool runnel_has_input(const runnel_ctx *ctx, const char *port)
{
    return runnel__input(ctx, port) != NULL;
}

/* The type of the message on port, RUNNEL_NONE when there is none. */
static inline runnel_type runnel_input_type(const runnel_ctx *ctx, const char *port)
{
    runnel_json *m = runnel__input(ctx, port);
    return m ? runnel_type_from_name(runnel_json_as_string(runnel_json_get(m, "type"), NULL)) : RUNNEL_NONE;
}

/* The data of the message on port (a JSON null for Flow), or NULL when there is no message. */
static inline const runnel_json *runnel_input(const runnel_ctx *ctx, const char *port)
{
    runnel_json *m = runnel__input(ctx, port);
    if (!m)
        return NULL;
    runnel_json *d = runnel_json_get(m, "data");
    return d ? d : runnel_json_null();
}

/* Typed reads: true when the port has a message whose data is of that kind. */
static inline bool runnel_input_int(const runnel_ctx *ctx, const char *port, int64_t *out)
{
    const runnel_json *d = runnel_input(ctx, port);
    if (!runnel_json_is_int(d))
        return false;
    *out = d->u.i;
    return true;
}
static inline bool runnel_input_float(const runnel_ctx *ctx, const char *port, double *out)
{
    const runnel_json *d = runnel_input(ctx, port);
    if (!runnel_json_is_number(d))
        return false;
    *out = runnel_json_as_float(d, 0);
    return true;
}
static inline bool runnel_input_bool(const runnel_ctx *ctx, const char *port, bool *out)
{
    const runnel_json *d = runnel_input(ctx, port);
    if (!d || d->kind != RUNNEL_JSON_BOOL)
        return false;
    *out = d->u.b;
    return true;
}
static inline bool runnel_input_string(const runnel_ctx *ctx, const char *port, const char **s, size_t *len)
{
    const runnel_json *d = runnel_input(ctx, port);
    if (!d || d->kind != RUNNEL_JSON_STRING)
        return false;
    *s = d->u.s.ptr;
    if (len)
        *len = d->u.s.len;
    return true;
}
/* A Stream's bytes (an array of byte values); false if the data is not one. */
static inline bool runnel_input_stream(const runnel_ctx *ctx, const char *port, const uint8_t **bytes, size_t *len)
{
    const runnel_json *d = runnel_input(ctx, port);
    if (!d || d->kind != RUNNEL_JSON_ARRAY)
        return false;
    uint8_t *p = (uint8_t *)runnel_alloc(d->u.c.count + 1);
    for (size_t i = 0; i < d->u.c.count; i++) {
        int64_t v = runnel_json_as_int(d->u.c.items[i], -1);
        if (v < 0 || v > 255)
            return false;
        p[i] = (uint8_t)v;
    }
    *bytes = p;
    *len = d->u.c.count;
    return true;
}

/* ---------------------------------------------------------------- configuration and environment */

static inline const runnel_json *runnel_config_get(const runnel_ctx *ctx, const char *key)
{
    return runnel_json_get(ctx->config, key);
}
static inline int64_t runnel_config_int(const runnel_ctx *ctx, const char *key, int64_t dflt)
{
    return runnel_json_as_int(runnel_config_get(ctx, key), dflt);
}
static inline double runnel_config_float(const runnel_ctx *ctx, const char *key, double dflt)
{
    return runnel_json_as_float(runnel_config_get(ctx, key), dflt);
}
static inline bool runnel_config_bool(const runnel_ctx *ctx, const char *key, bool dflt)
{
    return runnel_json_as_bool(runnel_config_get(ctx, key), dflt);
}
static inline const char *runnel_config_string(const runnel_ctx *ctx, const char *key, const char *dflt)
{
    return runnel_json_as_string(runnel_config_get(ctx, key), dflt);
}
/* A resolved environment variable of the node, or NULL. */
static inline const char *runnel_env(const runnel_ctx *ctx, const char *name)
{
    return runnel_json_as_string(runnel_json_get(runnel_json_get(ctx->node, "resolved_env"), name), NULL);
}
static inline const char *runnel_node_id(const runnel_ctx *ctx)
{
    return runnel_json_as_string(runnel_json_get(ctx->node, "node_id"), "");
}

/* ---------------------------------------------------------------- state: the context's and the result's */

/* A key of the state as it was when the call began (NULL if absent). */
static inline const runnel_json *runnel_state(const runnel_ctx *ctx, const char *key)
{
    return runnel_json_get(ctx->state, key);
}
static inline int64_t runnel_state_int(const runnel_ctx *ctx, const char *key, int64_t dflt)
{
    return runnel_json_as_int(runnel_state(ctx, key), dflt);
}
static inline double runnel_state_float(const runnel_ctx *ctx, const char *key, double dflt)
{
    return runnel_json_as_float(runnel_state(ctx, key), dflt);
}

/* Sets a key of the state the call returns. The first such call starts from a copy of the context's
   state, so keys not set keep their values; the returned state replaces the host's whole state. */
static inline void runnel_state_set(runnel_ctx *ctx, const char *key, runnel_json *value)
{
    if (!ctx->new_state)
        ctx->new_state =
            ctx->state && ctx->state->kind == RUNNEL_JSON_OBJECT ? runnel_json_copy(ctx->state) : runnel_json_object();
    runnel_json_set(ctx->new_state, key, value);
}
static inline void runnel_state_set_int(runnel_ctx *ctx, const char *key, int64_t v)
{
    runnel_state_set(ctx, key, runnel_json_int(v));
}
static inline void runnel_state_set_float(runnel_ctx *ctx, const char *key, double v)
{
    runnel_state_set(ctx, key, runnel_json_float(v));
}
static inline void runnel_state_set_string(runnel_ctx *ctx, const char *key, const char *v)
{
    runnel_state_set(ctx, key, runnel_json_string(v));
}
/* Replaces the whole state the call returns (an object). */
static inline void runnel_state_replace(runnel_ctx *ctx, runnel_json *state)
{
    ctx->new_state = state;
}

/* ---------------------------------------------------------------- outputs (returned by process) */

/* A message of type t on port; data is the message's data (NULL: null, as for Flow). */
static inline void runnel_output(runnel_ctx *ctx, const char *port, runnel_type t, runnel_json *data)
{
    runnel_json_set(ctx->outputs, port, runnel_message(t, data));
}
static inline void runnel_output_flow(runnel_ctx *ctx, const char *port)
{
    runnel_output(ctx, port, RUNNEL_FLOW, NULL);
}
static inline void runnel_output_int(runnel_ctx *ctx, const char *port, int64_t v)
{
    runnel_output(ctx, port, RUNNEL_INTEGER, runnel_json_int(v));
}
static inline void runnel_output_float(runnel_ctx *ctx, const char *port, double v)
{
    runnel_output(ctx, port, RUNNEL_FLOAT, runnel_json_float(v));
}
static inline void runnel_output_bool(runnel_ctx *ctx, const char *port, bool v)
{
    runnel_output(ctx, port, RUNNEL_BOOLEAN, runnel_json_bool(v));
}
static inline void runnel_output_string(runnel_ctx *ctx, const char *port, const char *s)
{
    runnel_output(ctx, port, RUNNEL_STRING, runnel_json_string(s));
}
static inline void runnel_output_error(runnel_ctx *ctx, const char *port, const char *s)
{
    runnel_output(ctx, port, RUNNEL_ERROR, runnel_json_string(s));
}
static inline void runnel_output_stream(runnel_ctx *ctx, const char *port, const uint8_t *bytes, size_t len)
{
    runnel_json *a = runnel_json_array();
    for (size_t i = 0; i < len; i++)
        runnel_json_push(a, runnel_json_int(bytes[i]));
    runnel_output(ctx, port, RUNNEL_STREAM, a);
}

/* ---------------------------------------------------------------- host functions */

/* Sends {port: value} downstream at once, before process returns (__send_output). The host types the
   plain value by its shape: null Optional, true/false Boolean, integer Integer, other number Float,
   string String, array Array, object Object. */
static inline void runnel_send(const char *port, const runnel_json *value)
{
    runnel__buf b = {NULL, 0, 0};
    runnel__put(&b, "{", 1);
    runnel__put_string(&b, port, strlen(port));
    runnel__put(&b, ":", 1);
    runnel__write(&b, value);
    runnel__put(&b, "}", 1);
    uint64_t h = runnel__to_extism(b.p, b.len);
    runnel__x_send_output(h);
    runnel__x_free(h);
}
/* Sends every member of an object, each on the port of its key, in one __send_output. */
static inline void runnel_send_all(const runnel_json *ports)
{
    size_t len;
    char *text = runnel_json_write(ports, &len);
    uint64_t h = runnel__to_extism(text, len);
    runnel__x_send_output(h);
    runnel__x_free(h);
}
static inline void runnel_send_int(const char *port, int64_t v)
{
    runnel_send(port, runnel_json_int(v));
}
static inline void runnel_send_float(const char *port, double v)
{
    runnel_send(port, runnel_json_float(v));
}
static inline void runnel_send_string(const char *port, const char *s)
{
    runnel_send(port, runnel_json_string(s));
}

/* The value of a key of the host's state as it is now (with what __set_state wrote during this call);
   NULL when absent. */
static inline runnel_json *runnel_host_state(const char *key)
{
    uint64_t k = runnel__to_extism(key, strlen(key));
    uint64_t h = runnel__x_get_state(k);
    runnel__x_free(k);
    if (!h)
        return NULL;
    size_t len;
    char *text = runnel__from_extism(h, &len);
    runnel__x_free(h);
    runnel_json *v = runnel_json_parse(text, len, NULL);
    return v && v->kind != RUNNEL_JSON_NULL ? v : NULL;
}
static inline int64_t runnel_host_state_int(const char *key, int64_t dflt)
{
    return runnel_json_as_int(runnel_host_state(key), dflt);
}
/* Writes a key of the host's state now (__set_state). */
static inline void runnel_host_state_set(const char *key, const runnel_json *value)
{
    size_t len;
    char *text = runnel_json_write(value, &len);
    uint64_t k = runnel__to_extism(key, strlen(key));
    uint64_t v = runnel__to_extism(text, len);
    runnel__x_set_state(k, v);
    runnel__x_free(k);
    runnel__x_free(v);
}
static inline void runnel_host_state_set_int(const char *key, int64_t v)
{
    runnel_host_state_set(key, runnel_json_int(v));
}

/* ---------------------------------------------------------------- errors and logs */

/* Makes the call fail with this message (the host delivers it as an Error on the actor's error port).
   Returns 1, so that `return runnel_fail(ctx, ...);` ends process. */
static inline int runnel_fail(runnel_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int runnel_fail(runnel_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ctx->error = runnel_vformat(fmt, ap);
    va_end(ap);
    return 1;
}

typedef enum runnel_level {
    RUNNEL_LEVEL_DEBUG = 1,
    RUNNEL_LEVEL_INFO,
    RUNNEL_LEVEL_WARN,
    RUNNEL_LEVEL_ERROR
} runnel_level;

/* A line in the host's log (Extism's log_* functions). */
static inline void runnel_log(runnel_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void runnel_log(runnel_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = runnel_vformat(fmt, ap);
    va_end(ap);
    uint64_t h = runnel__to_extism(s, strlen(s));
    switch (level) {
    case RUNNEL_LEVEL_DEBUG: runnel__x_log_debug(h); break;
    case RUNNEL_LEVEL_INFO: runnel__x_log_info(h); break;
    case RUNNEL_LEVEL_WARN: runnel__x_log_warn(h); break;
    default: runnel__x_log_error(h); break;
    }
}

/* ================================================================ the exports */

static inline int32_t runnel__finish(const char *text, size_t len)
{
    uint64_t h = runnel__to_extism(text, len);
    runnel__x_output_set(h, len);
    runnel__arena_reset();
    return 0;
}

static inline int32_t runnel__fail_call(const char *msg)
{
    runnel__set_error(runnel_format("Actor processing error: %s", msg));
    runnel__arena_reset();
    return 1;
}

static inline int32_t runnel__get_metadata(const runnel_metadata *m)
{
    runnel_json *o = runnel_json_object();
    runnel_json_set(o, "component", runnel_json_string(m->component));
    runnel_json_set(o, "description", runnel_json_string(m->description ? m->description : ""));
    runnel_json_set(o, "inports", runnel__ports_json(m->inports, m->ninports));
    runnel_json_set(o, "outports", runnel__ports_json(m->outports, m->noutports));
    runnel_json *schema = NULL;
    if (m->config_schema) {
        const char *err = NULL;
        schema = runnel_json_parse(m->config_schema, strlen(m->config_schema), &err);
        if (!schema)
            return runnel__fail_call(runnel_format("config_schema is not JSON: %s", err));
    }
    runnel_json_set(o, "config_schema", schema);
    size_t len;
    char *text = runnel_json_write(o, &len);
    return runnel__finish(text, len);
}

typedef int (*runnel_process_fn)(runnel_ctx *ctx);

static inline int32_t runnel__process(runnel_process_fn fn)
{
    size_t len;
    char *input = runnel__read_input(&len);
    const char *err = NULL;
    runnel_json *context = runnel_json_parse(input, len, &err);
    if (!context || context->kind != RUNNEL_JSON_OBJECT)
        return runnel__fail_call(
            runnel_format("the actor context is not a JSON object (%s)", err ? err : "wrong kind"));
    runnel_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.context = context;
    ctx.payload = runnel_json_get(context, "payload");
    ctx.node = runnel_json_get(context, "config");
    ctx.config = runnel_json_get(ctx.node, "config");
    ctx.state = runnel_json_get(context, "state");
    ctx.outputs = runnel_json_object();
    int rc = fn(&ctx);
    if (rc != 0 || ctx.error)
        return runnel__fail_call(ctx.error ? ctx.error : runnel_format("process returned %d", rc));
    runnel_json *result = runnel_json_object();
    runnel_json_set(result, "outputs", ctx.outputs);
    runnel_json_set(result, "state", ctx.new_state);
    char *text = runnel_json_write(result, &len);
    return runnel__finish(text, len);
}

/* Exports get_metadata and process for a runnel_metadata object and a runnel_process_fn. */
#define RUNNEL_ACTOR(metadata, process_fn)                                                                             \
    RUNNEL__EXPORT("get_metadata") int32_t runnel__export_get_metadata(void);                                          \
    int32_t runnel__export_get_metadata(void)                                                                          \
    {                                                                                                                  \
        return runnel__get_metadata(&(metadata));                                                                      \
    }                                                                                                                  \
    RUNNEL__EXPORT("process") int32_t runnel__export_process(void);                                                    \
    int32_t runnel__export_process(void)                                                                               \
    {                                                                                                                  \
        return runnel__process(process_fn);                                                                            \
    }

#ifdef __cplusplus
}
#endif
#endif
