/*
 * runnel/plugin.h - the Extism-compatible plugin host.
 *
 * An Extism plugin is one or more WebAssembly modules that exchange bytes with their host through a
 * separate "Extism memory" reached only by i64 handles, with imports from the module `extism:host/env`
 * (docs/abi-extism.md has the whole ABI). This layer runs such plugins unchanged: it implements
 * the kernel imports natively in C, the host built-ins (config, vars, logging, HTTP), the manifest,
 * the calling convention and the limits (time, memory, fuel, cancellation).
 *
 * Two objects, as in Extism itself:
 *
 *   runnel_compiled_plugin   the manifest, decoded and compiled modules, host functions and options.
 *                            Immutable and reference counted: compile once, make many plugins, on many
 *                            threads.
 *   runnel_plugin            one running plugin: its store and instances (made on the first call and
 *                            kept, so guest globals persist), Extism memory, vars, config, output, error.
 *                            Used by one thread at a time; only the cancel handle may be used from another.
 *
 *   runnel_report r = {0};
 *   runnel_plugin *p = runnel_plugin_new(manifest_json, strlen(manifest_json), NULL, &r);
 *   if (!p) { fprintf(stderr, "%s\n", r.message); ... }
 *   int32_t rc = runnel_plugin_call(p, "count_vowels", "hello", 5, NULL);
 *   size_t n; const uint8_t *out = runnel_plugin_output(p, &n);
 *   const char *err = runnel_plugin_error(p);
 *   if (rc != 0 || err) fprintf(stderr, "rc %d: %s\n", rc, err ? err : "(no message)");
 *   runnel_plugin_free(p);
 *
 * Host functions (imports a plugin declares beyond `extism:host/env`) receive a runnel_current_plugin,
 * through which they read and write Extism memory by handle, exactly as the plugin does.
 *
 * docs/plugins.md is the user's guide; include/runnel/extism.h offers libextism's C API over this one.
 */
#ifndef RUNNEL_PLUGIN_H
#define RUNNEL_PLUGIN_H

#include "runnel/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- logging */

/* The five levels of Extism's log_* imports, and "off". The numbers are what get_log_level gives a
   plugin (0 trace .. 4 error; off is 2147483647, as in Extism). */
typedef enum runnel_log_level {
    RUNNEL_LOG_TRACE = 0,
    RUNNEL_LOG_DEBUG = 1,
    RUNNEL_LOG_INFO = 2,
    RUNNEL_LOG_WARN = 3,
    RUNNEL_LOG_ERROR = 4,
    RUNNEL_LOG_OFF = 2147483647,
    /* For runnel_plugin_set_log_level: take the level from the environment variable RUNNEL_LOG
       (trace, debug, info, warn, error, off; like Reflow's RUST_LOG), else off. */
    RUNNEL_LOG_FROM_ENV = -1,
} runnel_log_level;

/* Parses "trace" .. "error", "warning", "off"/"none" (any case), or a filter such as
   "extism=debug,other=info" (the first `runnel=`/`extism=` or bare level wins). Returns false if
   nothing in s names a level. */
RUNNEL_API bool runnel_log_level_parse(const char *s, runnel_log_level *out);
RUNNEL_API const char *runnel_log_level_name(runnel_log_level l);

/* A log sink. Called for each message at or above the plugin's level; msg is not NUL-terminated. */
typedef void (*runnel_log_fn)(void *user, runnel_log_level level, const char *plugin_name, const char *msg,
                              size_t len);

/* ---------------------------------------------------------------- host functions */

typedef struct runnel_plugin runnel_plugin;
typedef struct runnel_compiled_plugin runnel_compiled_plugin;
/* The plugin as a host function sees it, valid only during that host function's call. */
typedef struct runnel_current_plugin runnel_current_plugin;

/* A host function. args/results are typed by the function's declared signature. Return RUNNEL_OK, or
   the result of runnel_current_fail() to make the plugin's call fail with a message. */
typedef runnel_status (*runnel_plugin_host_fn)(runnel_current_plugin *cur, const runnel_val *args, size_t nargs,
                                               runnel_val *results, size_t nresults, void *user);

/* The default namespace of user host functions, as in Extism. */
#define RUNNEL_PLUGIN_USER_NAMESPACE "extism:host/user"
/* The namespace of the kernel and the host built-ins. */
#define RUNNEL_PLUGIN_ENV_NAMESPACE "extism:host/env"

typedef struct runnel_plugin_function {
    const char *namespace_;  /* NULL = "extism:host/user"; any module name may be chosen */
    const char *name;
    const char *params;      /* type letters as in runnel_linker_define_func: "I" = one i64 */
    const char *results;     /* e.g. "I", or "" for none */
    runnel_plugin_host_fn fn;
    void *user;              /* passed to fn */
    /* The finalizer of user (NULL: none, user is the caller's and must outlive every plugin using it):
       called once, with user, when the compiled plugin made with this function is freed (its last
       reference goes: runnel_compiled_plugin_free and every plugin made from it); not called when
       runnel_compiled_plugin_new fails. Each compiled plugin calls it for its own copy, so an array
       given to several compiled plugins needs a reference-counted user (as extism.h's functions). */
    runnel_free_fn free_user;
} runnel_plugin_function;

/* Extism memory, by handle. A handle is an offset into Extism memory; 0 is never a block. */
/* A new block of n bytes (uninitialised); 0 when n is 0 or the memory limit is reached. */
RUNNEL_API uint64_t runnel_current_alloc(runnel_current_plugin *cur, uint64_t n);
/* A new block holding a copy of data[0..n); 0 as for runnel_current_alloc. */
RUNNEL_API uint64_t runnel_current_alloc_bytes(runnel_current_plugin *cur, const void *data, size_t n);
/* Frees a block; 0 and handles that are not live blocks are ignored. */
RUNNEL_API void runnel_current_free(runnel_current_plugin *cur, uint64_t handle);
/* The length of the live block starting at handle, else 0. */
RUNNEL_API uint64_t runnel_current_length(runnel_current_plugin *cur, uint64_t handle);
/* The bytes of the live block starting at handle (and its length in *len), or NULL (and *len 0).
   Valid until the next allocation (which may move Extism memory). */
RUNNEL_API uint8_t *runnel_current_block(runnel_current_plugin *cur, uint64_t handle, size_t *len);
/* The base of Extism memory (handle h is at base + h) and its size in bytes; as libextism's
   extism_current_plugin_memory. Valid until the next allocation. */
RUNNEL_API uint8_t *runnel_current_memory(runnel_current_plugin *cur, size_t *size);
/* Sets the call's error text (as the plugin's error_set does): the call fails with it. */
RUNNEL_API runnel_status runnel_current_set_error(runnel_current_plugin *cur, const char *msg, size_t len);
/* Makes the host function fail: the plugin's call stops and fails with this message (printf-style).
   Return its result from the host function. */
RUNNEL_API runnel_status runnel_current_fail(runnel_current_plugin *cur, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The host_context given to runnel_plugin_call (NULL if none). */
RUNNEL_API void *runnel_current_host_context(runnel_current_plugin *cur);
/* The plugin being called (for its vars, config and name; calling it again from here is refused). */
RUNNEL_API runnel_plugin *runnel_current_plugin_of(runnel_current_plugin *cur);

/* ---------------------------------------------------------------- creating plugins */

typedef struct runnel_plugin_options {
    size_t size;                     /* sizeof(runnel_plugin_options): RUNNEL_OPTIONS_INIT (runnel/engine.h) */
    bool wasi;                       /* provide WASI preview 1 (wasi_snapshot_preview1) */
    bool wasi_inherit_stdio;         /* with wasi: the guest's stdout/stderr go to the host's (else dropped) */
    uint64_t fuel;                   /* instruction budget per call (engine fuel units); 0 = unlimited */
    bool http_response_headers;      /* let http_headers return the last response's headers */
    const runnel_plugin_function *functions; /* user host functions (the array and strings are copied) */
    size_t nfunctions;
    const char *base_dir;            /* relative manifest paths (wasm, allowed_paths) are relative to this;
                                        NULL = the current directory */
    bool has_log_level;              /* false: the level comes from RUNNEL_LOG (else off) */
    runnel_log_level log_level;      /* when has_log_level */
    runnel_log_fn log_fn;            /* NULL: log lines go to log_file, else to stderr */
    void *log_user;
    const char *log_file;            /* opened for appending when the plugin is made; NULL = stderr */
    bool allow_network_sources;      /* fetch manifest wasm {"url": ...} sources with libcurl (default off) */
    uint64_t fetch_connect_timeout_ms; /* such a fetch: connecting may take this long; 0 = 10,000 */
    uint64_t fetch_timeout_ms;       /* ... and the whole fetch this long; 0 = 60,000 */
    uint32_t stack_bytes;            /* the engine's value stack per instance (runnel_config); 0 = 1 MiB */
    uint32_t max_call_depth;         /* nested wasm calls before "call stack exhausted"; 0 = 10,000 */
    /* The compiling tier (runnel/engine.h, docs/compiling.md): with compiled, every module of the plugin
       is made by runnel_module_compile (native code, from the compile cache or built by the system C
       compiler) instead of runnel_module_new; a compiler that cannot be run fails the plugin
       (RUNNEL_TOOL). compile: the compiler, flags, cache and progress callback; NULL = the defaults. It
       is used only while the plugin is compiled (runnel_compiled_plugin_new), never kept. */
    bool compiled;
    const runnel_compile_options *compile;
} runnel_plugin_options;

/* Compiles a plugin from a JSON manifest (see docs/plugins.md) or, when the bytes start with the wasm
   magic "\0asm", from one raw module (named "main"). NULL options = defaults (no WASI, no functions).
   Fails (NULL, reason in r) on a bad manifest (unknown fields, bad types), an unreadable or invalid
   module, a hash mismatch, or an import that neither the host nor the linked modules provide. */
RUNNEL_API runnel_compiled_plugin *runnel_compiled_plugin_new(const void *data, size_t len,
                                                              const runnel_plugin_options *opts, runnel_report *r);
/* Drops the caller's reference; plugins made from it keep it alive. */
RUNNEL_API void runnel_compiled_plugin_free(runnel_compiled_plugin *c);
/* Takes one more reference (released by runnel_compiled_plugin_free); returns c. Thread-safe. */
RUNNEL_API runnel_compiled_plugin *runnel_compiled_plugin_retain(runnel_compiled_plugin *c);

/* A plugin from a compiled plugin (thread-safe: many threads may call this on one compiled plugin).
   The first call instantiates; nothing runs before it. */
RUNNEL_API runnel_plugin *runnel_plugin_new_from_compiled(runnel_compiled_plugin *c, runnel_report *r);
/* runnel_compiled_plugin_new + runnel_plugin_new_from_compiled. */
RUNNEL_API runnel_plugin *runnel_plugin_new(const void *data, size_t len, const runnel_plugin_options *opts,
                                            runnel_report *r);
RUNNEL_API void runnel_plugin_free(runnel_plugin *p);

/* A name for log lines (default: the main module's name, "main"). Copied. */
RUNNEL_API void runnel_plugin_set_name(runnel_plugin *p, const char *name);
RUNNEL_API const char *runnel_plugin_name(const runnel_plugin *p);
/* 16 random bytes identifying the plugin (a UUID v4, as extism_plugin_id). */
RUNNEL_API const uint8_t *runnel_plugin_id(const runnel_plugin *p);

/* ---------------------------------------------------------------- calling */

/* Calls the export func with input bytes (copied; NULL with len 0 = empty input). Returns the call's
   code as Extism gives it: 0 success; the guest's return value; 134 when the guest trapped or was
   stopped by the timeout or a cancel (error "timeout"); a WASI proc_exit code; -1 when the host
   refused or failed the call (function not found, "oom", "plugin ran out of fuel", a failing host
   function). The call succeeded exactly when it returned 0 and runnel_plugin_error() is NULL: a guest
   may set an error and return 0, and one that returns non-zero without setting an error leaves the
   error NULL, as in libextism. host_context is handed to host functions (runnel_current_host_context). */
RUNNEL_API int32_t runnel_plugin_call(runnel_plugin *p, const char *func, const void *input, size_t len,
                                      void *host_context);
/* The last call's output (valid until the next call or runnel_plugin_free); never NULL. */
RUNNEL_API const uint8_t *runnel_plugin_output(const runnel_plugin *p, size_t *len);
/* The last call's error text, or NULL if it succeeded (valid until the next call). */
RUNNEL_API const char *runnel_plugin_error(const runnel_plugin *p);
/* The last call's report: what runnel_plugin_error says, plus where the guest failed. Valid until the
   next call or runnel_plugin_free (during a call it describes nothing yet); NULL only for a NULL plugin.
   After a successful call (error NULL) it is all zero, status RUNNEL_OK. After a failed one:
     message  the error text, byte for byte as runnel_plugin_error() gives it
     status   how the guest's code ended: RUNNEL_TRAP (a trap, trap kind set, or a failing host
              function, trap kind RUNNEL_TRAP_HOST, or a memory limit), RUNNEL_SUSPENDED (timeout or
              cancel: RUNNEL_TRAP_INTERRUPTED; fuel: RUNNEL_TRAP_OUT_OF_FUEL), RUNNEL_EXIT (WASI proc_exit,
              exit_code), RUNNEL_UNLINKABLE or RUNNEL_NOMEM (instantiation failed), or RUNNEL_BADARG (the
              guest set an error and returned, or the call was refused: no such function, ...)
     frames   for a trap, the backtrace, innermost first: function index, name (from the name section or
              an export; NULL when the module has neither), byte offset of the instruction in its module.
              The names belong to the plugin's modules and stay valid as long as the plugin.
   The failing code may be the export, or an initialiser or start function run by the call's
   instantiation (its trap's backtrace, with the error "failed to initialize ...: unreachable"). */
RUNNEL_API const runnel_report *runnel_plugin_last_report(const runnel_plugin *p);
/* Does the main module export a function of this name? */
RUNNEL_API bool runnel_plugin_function_exists(const runnel_plugin *p, const char *func);
/* Empties Extism memory, as libextism's extism_plugin_reset does (it calls the kernel's reset): every
   handle becomes invalid and the last output is emptied. Nothing else changes: the wasm instances stay
   (so guest globals and the guest's own memory keep their values), and so do vars, config, limits and
   the last error and report. For fresh instances make a new plugin from the compiled plugin
   (runnel_plugin_new_from_compiled is cheap). Not allowed during a call (returns false). */
RUNNEL_API bool runnel_plugin_reset(runnel_plugin *p);

/* ---------------------------------------------------------------- cancellation */

typedef struct runnel_cancel_handle runnel_cancel_handle;
/* The plugin's cancel handle, borrowed: valid as long as the plugin (NULL for a NULL plugin). A thread
   that may cancel while or after the plugin is freed takes its own reference with
   runnel_cancel_handle_retain and drops it with runnel_cancel_handle_release; a retained handle stays
   valid after runnel_plugin_free, and cancelling through it then does nothing and returns false.
   Freeing the plugin while another thread cancels through a retained handle is safe. */
RUNNEL_API runnel_cancel_handle *runnel_plugin_cancel_handle(runnel_plugin *p);
RUNNEL_API runnel_cancel_handle *runnel_cancel_handle_retain(runnel_cancel_handle *h); /* returns h */
RUNNEL_API void runnel_cancel_handle_release(runnel_cancel_handle *h);
/* Asks the plugin's running call to stop; safe from any thread. Returns true when a call was running
   when asked: that call is then interrupted at its next function entry, loop back-edge or host wait
   (sleep, HTTP), normally within a millisecond, and fails with error "timeout" and rc 134 (as in
   Extism, where cancellation and timeouts share one mechanism), unless it returned on its own first.
   Returns false when no call was running (between calls, after the plugin was freed, or h is NULL):
   nothing is remembered, so a cancel never reaches a later call. */
RUNNEL_API bool runnel_plugin_cancel(runnel_cancel_handle *h);

/* ---------------------------------------------------------------- config, vars, limits */

/* Merges a JSON object into the plugin's config: string values are set, null removes a key. Anything
   else is an error (RUNNEL_BADARG with the reason). */
RUNNEL_API runnel_status runnel_plugin_config_update(runnel_plugin *p, const char *json, size_t len, runnel_report *r);
/* Sets one key (value NULL removes it). */
RUNNEL_API runnel_status runnel_plugin_config_set(runnel_plugin *p, const char *key, const char *value);
/* The value of a config key, or NULL (valid until the config changes). */
RUNNEL_API const char *runnel_plugin_config_get(const runnel_plugin *p, const char *key);

/* Plugin variables (what var_get/var_set see); keys and values are bytes. get: NULL when absent
   (valid until the variables change). set: NULL value deletes. The host is trusted: max_var_bytes
   limits what the plugin stores, not what the host presets. */
RUNNEL_API const uint8_t *runnel_plugin_var_get(const runnel_plugin *p, const void *key, size_t klen, size_t *len);
RUNNEL_API runnel_status runnel_plugin_var_set(runnel_plugin *p, const void *key, size_t klen, const void *value,
                                               size_t len);

/* Limits of one plugin, initialised from its manifest. Changing them applies from the next call, to the
   live instance as well as to later ones: timeout and fuel are set at each call, and a changed
   has_max_pages/max_pages gives a whole new memory budget, charged by every later growth of any memory
   of the plugin (an instantiation still to come first checks the main module's own memory against
   it). Not allowed during a call (ignored). */
typedef struct runnel_plugin_limits {
    uint64_t timeout_ms;             /* wall-clock limit per call; 0 = none */
    bool has_max_pages;
    uint32_t max_pages;              /* growth after instantiation, over all memories incl. Extism memory */
    uint64_t max_var_bytes;          /* keys + values of all vars; default 1 MiB; 0 disables vars */
    uint64_t max_http_response_bytes;/* default 50 MiB */
    uint64_t fuel;                   /* per call; 0 = unlimited */
} runnel_plugin_limits;
RUNNEL_API runnel_plugin_limits runnel_plugin_get_limits(const runnel_plugin *p);
RUNNEL_API void runnel_plugin_set_limits(runnel_plugin *p, const runnel_plugin_limits *l);
/* Lets http_headers return the last response's headers (extism_plugin_allow_http_response_headers). */
RUNNEL_API void runnel_plugin_allow_http_response_headers(runnel_plugin *p, bool allow);
/* Changes the log level (RUNNEL_LOG_FROM_ENV re-reads RUNNEL_LOG). */
RUNNEL_API void runnel_plugin_set_log_level(runnel_plugin *p, runnel_log_level level);

#ifdef __cplusplus
}
#endif
#endif
