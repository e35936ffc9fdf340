/*
 * plugin_impl.h - what the files of the plugin layer share (not public).
 *
 * The layer is split by concern, one file each:
 *   xmem.c       Extism memory: the allocator that Extism's kernel module implements in wasm, here in C
 *   kernel.c     the imports of `extism:host/env` (kernel and host built-ins) and user host functions
 *   http.c       http_request with libcurl, allowed_hosts globs
 *   manifest.c   the manifest (JSON), wasm sources, SHA-256 and base64
 *   plugin.c     compiled plugins, plugins, instantiation, the calling convention, limits, cancel
 *   log.c        log levels, RUNNEL_LOG, sinks
 *   extism_api.c libextism's C API (include/runnel/extism.h) over all of the above
 */
#ifndef RN_PLUGIN_IMPL_H
#define RN_PLUGIN_IMPL_H

#include "runnel/plugin.h"
#include "runnel/wasi.h"
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

/* ---------------------------------------------------------------- Extism memory (xmem.c) */

/* Extism's kernel lays its memory out as a 64-byte root at address 1, then blocks, each a 12-byte
   header and its data; so the first block's data is at 77. runnel keeps the same addresses (handles
   are observable: plugins print them, compare them, and hosts index memory with them) but keeps the
   root and the headers in C, out of the plugin's reach: a plugin that writes over a header corrupts
   only bytes, never the allocator. */
#define RN_X_ROOT_END 65u   /* where the first block header starts */
#define RN_X_HEADER 12u     /* bytes of a block header */
#define RN_X_ROOT_SIZE 64u  /* the kernel's MemoryRoot */
#define RN_X_PAGE 65536u
#define RN_X_MAX_PAGES 65520u /* the kernel memory is 16 pages at most 65536: it can grow 65520 */

/* The block table (xmem.c explains why it is a tree and how it is bounded). */
#define RN_X_MAX_BLOCKS (1u << 20)  /* blocks Extism memory holds at once, whatever the limits */
#define RN_X_FREE_BLOCKS 4096u      /* table entries not charged to the memory limit */

typedef struct rn_xblock {
    uint32_t addr;        /* of the data; the header is the 12 bytes before (all addresses fit 32 bits) */
    uint32_t size;        /* capacity */
    uint32_t used;        /* what length() reports; 0: the block is free (a live block holds >= 1 byte) */
    uint32_t maxfree;     /* the largest free block in this subtree, 0 when there is none */
    uint32_t left, right; /* the subtrees, by address: indices from 1 (0: none) */
    uint8_t height;       /* AVL height of this subtree */
} rn_xblock;

/* Asked before Extism's host memory grows by `bytes` (pages of data, or block table beyond
   RN_X_FREE_BLOCKS entries); false refuses (the limit is reached). */
typedef bool (*rn_xmem_grow_fn)(void *user, uint64_t bytes);

typedef struct rn_xmem {
    uint8_t *data;      /* addresses [0, RN_X_ROOT_END + length) */
    bool initialized;
    uint64_t position;  /* bytes of blocks in use, from RN_X_ROOT_END */
    uint64_t length;    /* the kernel's root.length: bytes the allocator may use */
    uint64_t grown_pages;
    uint64_t error, input_offset, input_length, output_offset, output_length;
    rn_xblock *blocks;  /* blocks[i - 1] is block i; they cover [RN_X_ROOT_END, RN_X_ROOT_END + position) */
    uint32_t nblocks, cap, root;
    rn_xmem_grow_fn grow;
    void *grow_user;
} rn_xmem;

void rn_xmem_init(rn_xmem *x, rn_xmem_grow_fn grow, void *user);
void rn_xmem_release(rn_xmem *x);
uint64_t rn_xmem_size(const rn_xmem *x); /* bytes addressable: RN_X_ROOT_END + length, 0 before first use */
uint64_t rn_xmem_alloc(rn_xmem *x, uint64_t n);
void rn_xmem_free(rn_xmem *x, uint64_t h);
uint64_t rn_xmem_length(rn_xmem *x, uint64_t h);
void rn_xmem_reset(rn_xmem *x);
uint8_t rn_xmem_load_u8(rn_xmem *x, uint64_t p);
uint64_t rn_xmem_load_u64(rn_xmem *x, uint64_t p);
void rn_xmem_store_u8(rn_xmem *x, uint64_t p, uint8_t v);
void rn_xmem_store_u64(rn_xmem *x, uint64_t p, uint64_t v);
uint8_t rn_xmem_input_load_u8(rn_xmem *x, uint64_t off);
uint64_t rn_xmem_input_load_u64(rn_xmem *x, uint64_t off);
void rn_xmem_input_set(rn_xmem *x, uint64_t h, uint64_t len);
void rn_xmem_output_set(rn_xmem *x, uint64_t h, uint64_t len);
void rn_xmem_error_set(rn_xmem *x, uint64_t h);
/* The bytes [p, p+len) if they lie in Extism memory, else NULL. */
uint8_t *rn_xmem_range(rn_xmem *x, uint64_t p, uint64_t len);
/* A new block holding a copy of data (0 when n is 0 or the memory is full). */
uint64_t rn_xmem_new(rn_xmem *x, const void *data, size_t n);
/* The blocks held now (live and free), and the host memory their table takes (for tests and errors). */
uint32_t rn_xmem_block_count(const rn_xmem *x);
size_t rn_xmem_table_bytes(const rn_xmem *x);

/* ---------------------------------------------------------------- the manifest (manifest.c) */

typedef struct rn_kv {
    char *key;
    char *value;
} rn_kv;

typedef struct rn_wasm_src {
    char *name;       /* NULL: unnamed */
    uint8_t *bytes;   /* the module's bytes, loaded */
    size_t len;
} rn_wasm_src;

typedef struct rn_manifest {
    rn_wasm_src *wasm;
    size_t nwasm;
    bool has_max_pages;
    uint32_t max_pages;
    bool has_http_max;
    uint64_t max_http_response_bytes;
    uint64_t max_var_bytes;
    rn_kv *config;
    size_t nconfig;
    bool has_allowed_hosts; /* absent: every request is refused */
    char **allowed_hosts;
    size_t nallowed_hosts;
    rn_kv *allowed_paths;   /* key: host path (maybe "ro:..."), value: guest path */
    size_t nallowed_paths;
    uint64_t timeout_ms;    /* 0: none */
} rn_manifest;

/* How long fetching a `url` wasm source may take (runnel_plugin_options' fetch_*_timeout_ms; 0 = the
   default). Without a bound, a server that accepts the connection and never answers would hang the
   plugin's creation forever. */
#define RN_FETCH_CONNECT_TIMEOUT_MS 10000u
#define RN_FETCH_TIMEOUT_MS 60000u
typedef struct rn_fetch_limits {
    uint64_t connect_ms, total_ms;
} rn_fetch_limits;

/* Parses a manifest and loads its wasm sources (fetch: NULL = the default timeouts). */
runnel_status rn_manifest_parse(rn_manifest *m, const char *json, size_t len, const char *base_dir,
                                bool allow_network, const rn_fetch_limits *fetch, runnel_report *r);
/* Parses and validates a manifest like rn_manifest_parse but reads no file and fetches no URL: `path`
   and `url` sources are left without bytes (len 0); inline `data` is decoded and its hash checked. */
runnel_status rn_manifest_check(rn_manifest *m, const char *json, size_t len, runnel_report *r);
void rn_manifest_release(rn_manifest *m);

/* GET (or method) a URL into memory with libcurl, at most the input limit (fileio.h, rn_max_input)
   bytes, within fetch's timeouts (NULL: the defaults). */
runnel_status rn_fetch_url(const char *url, const char *method, const rn_kv *headers, size_t nheaders,
                           const rn_fetch_limits *fetch, uint8_t **out, size_t *outlen, runnel_report *r);

/* ---------------------------------------------------------------- config and vars (plugin.c) */

typedef struct rn_var {
    uint8_t *key;
    size_t klen;
    uint8_t *value;
    size_t vlen;
} rn_var;

/* ---------------------------------------------------------------- compiled plugins and plugins */

typedef struct rn_func_def {
    char *ns, *name, *params, *results;
    char *sig; /* "params:results", to compare with imports */
    runnel_plugin_host_fn fn;
    void *user;
    runnel_free_fn free_user; /* set once the compile succeeded; called when the compiled plugin goes */
} rn_func_def;

typedef struct rn_module_entry {
    char *name;
    runnel_module *module;
} rn_module_entry;

struct runnel_compiled_plugin {
    atomic_int refs;
    rn_manifest manifest;
    rn_module_entry *modules; /* main is modules[main_index] */
    size_t nmodules, main_index;
    rn_func_def *funcs;
    size_t nfuncs;
    runnel_plugin_options opts; /* pointers inside cleared; strings below */
    char *base_dir, *log_file;
};

struct runnel_cancel_handle {
    atomic_int refs;     /* the plugin's, and runnel_cancel_handle_retain's */
    pthread_mutex_t mu;
    runnel_store *store; /* while a call runs */
    bool running;
    bool cancelled;
    uint64_t generation; /* counts calls, so a late cancel cannot reach the next call */
};

struct runnel_current_plugin {
    runnel_plugin *p;
    runnel_caller *caller;
    char *fail; /* set by runnel_current_fail */
};

/* one instantiation: a store and what lives in it. Each module is instantiated through a linker of
   its own, made complete before it is used and never changed afterwards: host functions made from a
   linker point into it, so a linker must not grow once an instance uses it (and must outlive it). */
typedef struct rn_instance_set {
    runnel_store *store;
    runnel_linker **linkers; /* per module entry */
    runnel_wasi *wasi;
    runnel_instance **inst; /* per module entry, NULL until made */
    bool ready;             /* all instantiated and the initialiser ran */
} rn_instance_set;

typedef struct rn_host_binding {
    runnel_plugin *p;
    const rn_func_def *def;
} rn_host_binding;

struct runnel_plugin {
    runnel_compiled_plugin *c;
    uint8_t id[16];
    char *name;
    rn_instance_set is;
    rn_host_binding *bindings; /* one per user function */
    bool needs_reset;          /* `_start` ran: instantiate again before the next call */
    rn_xmem xmem;

    /* state that outlives instances */
    rn_kv *config;
    size_t nconfig;
    rn_var *vars;
    size_t nvars;
    runnel_plugin_limits limits;
    bool http_headers_enabled;

    /* the current or last call */
    bool in_call;
    void *host_context;
    int32_t rc;
    char *error;              /* the last call's error, or NULL */
    runnel_report last_report;/* the last call's report (runnel_plugin_last_report): message == error */
    const uint8_t *out;
    size_t out_len;
    bool oom;                 /* a memory limit was hit */
    bool host_failed;         /* a host function failed (rc -1) */
    char *host_fail_msg;
    bool timed_out;           /* the deadline passed (seen by a host function) */
    uint64_t deadline_ns;     /* of the current call; 0 = none */
    bool has_budget;
    uint64_t budget_left;     /* bytes of memory growth still allowed */
    int http_status;
    char *http_headers_json;  /* of the last response, when enabled */

    /* logging */
    runnel_log_level log_level;
    runnel_log_fn log_fn;
    void *log_user;
    FILE *log_file;

    runnel_cancel_handle *cancel; /* never NULL */
};

/* kernel.c: defines every import of extism:host/env, bound to p, in l. */
runnel_status rn_kernel_define(runnel_plugin *p, runnel_linker *l);
/* Does extism:host/env provide name with signature sig ("I:I")? Returns its signature or NULL if the
   name is unknown. */
const char *rn_kernel_signature(const char *name);
/* The user host functions, bound to p. */
runnel_status rn_user_funcs_define(runnel_plugin *p, runnel_linker *l);

/* plugin.c */
bool rn_plugin_charge(runnel_plugin *p, uint64_t bytes); /* memory growth against max_pages */
bool rn_plugin_should_stop(runnel_plugin *p);            /* cancelled or past the deadline */
uint64_t rn_now_ms_mono(void);
const rn_var *rn_plugin_find_var(const runnel_plugin *p, const uint8_t *key, size_t klen);
runnel_status rn_plugin_set_var(runnel_plugin *p, const uint8_t *key, size_t klen, const uint8_t *v, size_t vlen,
                                const char **why);

/* http.c */
/* Performs the request described by req_json (Extism's HttpRequest) with an optional body. On success
   *out and *outlen hold the body (malloc'ed). On failure returns false with *err a malloc'ed message. */
bool rn_http_request(runnel_plugin *p, const uint8_t *req_json, size_t req_len, const uint8_t *body,
                     size_t body_len, uint8_t **out, size_t *outlen, char **err);
bool rn_glob_match(const char *pattern, const char *s);
/* RFC 9110: a token (a method, a header name: at least one tchar) and a field value (no control
   character but tab: no CR, LF or NUL). What http_request requires before anything reaches libcurl. */
bool rn_http_is_token(const char *s, size_t n);
bool rn_http_is_field_value(const char *s, size_t n);

/* log.c */
void rn_plugin_log(runnel_plugin *p, runnel_log_level level, const char *msg, size_t len);
runnel_log_level rn_log_level_from_env(void);

#endif
