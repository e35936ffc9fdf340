/*
 * runnel/wasi.h - WASI preview 1 ("wasi_snapshot_preview1") as a host module.
 *
 * WASI is capability based and so is this layer: a fresh context grants nothing that reaches the host
 * except clocks and random bytes (which every language runtime needs before main and which touch no
 * host state). Everything else is granted by the embedder, one call each:
 *
 *   arguments and environment variables   runnel_wasi_set_args, runnel_wasi_set_env
 *   stdin, stdout, stderr                 null (default), the host's own, a capture buffer, stdin bytes
 *   directories                           runnel_wasi_preopen: a host directory seen by the guest under
 *                                         a guest path, read-write or read-only
 *
 * What is not granted answers with the errno the WASI spec gives for it (ENOTCAPABLE, EBADF, ENOSYS,
 * ENOTSOCK) and never touches the host. Paths are resolved by runnel itself, one component at a time
 * under the directory they are relative to: no path, `..`, or symbolic link leaves a preopened
 * directory (docs/wasi.md explains how).
 *
 * A context holds the guest's file descriptor table, so it serves one instance (one run) at a time:
 *
 *   runnel_wasi *w = runnel_wasi_new();
 *   const char *argv[] = { "prog.wasm", "hello" };
 *   runnel_wasi_set_args(w, 2, argv);
 *   runnel_wasi_set_stdout(w, RUNNEL_WASI_STDIO_CAPTURE);
 *   runnel_wasi_preopen(w, "/tmp/sandbox", "/data", false, &r);
 *   int code;
 *   if (runnel_wasi_run(w, store, module, &code, &r) == RUNNEL_OK)   // calls _start
 *       printf("exit %d, output %.*s\n", code, (int)len, runnel_wasi_stdout(w, &len));
 *   runnel_wasi_free(w);
 *
 * or, with other host functions alongside: runnel_wasi_define(w, linker), instantiate, call `_start`,
 * and treat RUNNEL_EXIT (the guest called proc_exit) as an exit code, not as a failure.
 */
#ifndef RUNNEL_WASI_H
#define RUNNEL_WASI_H

#include "runnel/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct runnel_wasi runnel_wasi;

/* Where a standard stream goes. */
typedef enum runnel_wasi_stdio {
    RUNNEL_WASI_STDIO_NULL = 0, /* stdin reads end-of-file; writes to stdout/stderr are discarded */
    RUNNEL_WASI_STDIO_INHERIT,  /* the host process's own fd 0, 1 or 2 */
    RUNNEL_WASI_STDIO_CAPTURE,  /* stdout/stderr only: kept in memory, read with runnel_wasi_stdout/stderr */
} runnel_wasi_stdio;

/* NULL only when out of memory. Standard streams start as RUNNEL_WASI_STDIO_NULL, clocks and random on. */
RUNNEL_API runnel_wasi *runnel_wasi_new(void);
/* Closes every host file the guest had open. The context must outlive the instances using it. */
RUNNEL_API void runnel_wasi_free(runnel_wasi *w);

/* The guest's argv (copied; replaces earlier ones). argv[0] is by convention the program's name. */
RUNNEL_API runnel_status runnel_wasi_set_args(runnel_wasi *w, size_t argc, const char *const *argv);
/* Adds (or replaces) one environment variable. The key must be non-empty and contain no '='. */
RUNNEL_API runnel_status runnel_wasi_set_env(runnel_wasi *w, const char *key, const char *value);

RUNNEL_API runnel_status runnel_wasi_set_stdin(runnel_wasi *w, runnel_wasi_stdio mode); /* NULL or INHERIT */
/* stdin reads these bytes (copied), then end-of-file. */
RUNNEL_API runnel_status runnel_wasi_set_stdin_bytes(runnel_wasi *w, const void *data, size_t len);
RUNNEL_API runnel_status runnel_wasi_set_stdout(runnel_wasi *w, runnel_wasi_stdio mode);
RUNNEL_API runnel_status runnel_wasi_set_stderr(runnel_wasi *w, runnel_wasi_stdio mode);
/* What the guest wrote to a captured stream so far (valid until the next write or runnel_wasi_free);
   *len 0 and a non-NULL pointer when nothing was written or the stream is not captured. */
RUNNEL_API const uint8_t *runnel_wasi_stdout(const runnel_wasi *w, size_t *len);
RUNNEL_API const uint8_t *runnel_wasi_stderr(const runnel_wasi *w, size_t *len);
/* Forget what was captured (e.g. between two calls into a plugin). */
RUNNEL_API void runnel_wasi_clear_output(runnel_wasi *w);
/* At most this many bytes are kept per captured stream (default 64 MiB); a write past it stores what
   fits and, once nothing fits, fails with ENOSPC. */
RUNNEL_API void runnel_wasi_set_output_limit(runnel_wasi *w, size_t bytes);

/* Grants the host directory host_path to the guest as guest_path (e.g. "/data" or "."). The directory
   is opened now: a missing or unreadable one is RUNNEL_BADARG with the reason in r. Preopens get the
   guest file descriptors 3, 4, ... in the order of these calls. read_only: nothing under it can be
   created, written, renamed, linked or removed, and files in it open only for reading. */
RUNNEL_API runnel_status runnel_wasi_preopen(runnel_wasi *w, const char *host_path, const char *guest_path,
                                             bool read_only, runnel_report *r);

/* clock_time_get, clock_res_get and clock subscriptions of poll_oneoff (on by default). Off: they
   answer ENOTCAPABLE. */
RUNNEL_API void runnel_wasi_allow_clocks(runnel_wasi *w, bool allow);
/* random_get (on by default). Off: it answers ENOTCAPABLE. */
RUNNEL_API void runnel_wasi_allow_random(runnel_wasi *w, bool allow);

/* The module name all functions are defined under. */
#define RUNNEL_WASI_MODULE "wasi_snapshot_preview1"
/* Defines all 46 functions of wasi_snapshot_preview1 in the linker, bound to w. */
RUNNEL_API runnel_status runnel_wasi_define(runnel_wasi *w, runnel_linker *l);
/* The number of functions runnel_wasi_define defines, and their names and signatures (in the form of
   runnel_linker_define_func); i < runnel_wasi_function_count(). */
RUNNEL_API size_t runnel_wasi_function_count(void);
RUNNEL_API void runnel_wasi_function(size_t i, const char **name, const char **params, const char **results);

/* Runs a WASI command: instantiates m in s with the WASI functions (and nothing else) and calls its
   `_start`. On RUNNEL_OK *exit_code is the guest's exit status: the proc_exit code, or 0 when _start
   returned. Other statuses are failures (UNLINKABLE, TRAP, SUSPENDED, ...) described in r; a
   suspended call is left in the store for the caller to resume or abandon. */
RUNNEL_API runnel_status runnel_wasi_run(runnel_wasi *w, runnel_store *s, const runnel_module *m, int *exit_code,
                                         runnel_report *r);

#ifdef __cplusplus
}
#endif
#endif
