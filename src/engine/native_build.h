/*
 * native_build.h - the build side of the compiling tier: runs the system C compiler over the C that
 * translate.c writes, and finds the compile cache (internal; docs/compiling.md).
 *
 * Why it is shaped like this:
 * - No shell. The compiler and its flags come from RUNNEL_CC and an embedder's options, the file names
 *   from the cache directory; none of them is ever parsed by /bin/sh, so a space or a quote in a path
 *   cannot become a command. A command line is split on spaces and tabs only ("ccache gcc -O3"), and
 *   run with posix_spawnp, which is also cheaper than fork in a process with a large heap.
 * - Parallel units. A large module is translated into several C files; they compile at once (up to
 *   `jobs` compilers, the number of CPUs by default), then link into one shared object. Each child is
 *   waited for by its own pid, never wait(-1), so the embedder's other children are left alone and
 *   several threads can build at once; nothing here keeps state.
 * - Atomic publish. The link writes a temporary file next to the target, which is fsync'ed and renamed
 *   over it, then the directory is fsync'ed: a reader (another process sharing the cache) sees the
 *   old artifact or the whole new one, never half of one, even after a crash.
 * - A compiler's messages are text the module's author partly controls (names end up in the C), so
 *   they reach the report escaped, and at most the first 4 KiB of them.
 * - Limits: each compiler process gets a CPU time and an address space limit, and is killed after twice
 *   its CPU time in wall time (rn_cc_limits): the C comes from modules anyone may write.
 *
 * A process that ignores SIGCHLD (SIG_IGN) has its children reaped by the kernel: the compiler's exit
 * status is then lost, and rn_cc_build reports that instead of guessing.
 */
#ifndef RN_NATIVE_BUILD_H
#define RN_NATIVE_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "runnel/engine.h"
#include "sha256.h"

/* ---------------------------------------------------------------- the cache and the compiler */

/* The compile cache, "<base>/native" (malloc'ed), every missing directory of it created (mode 0700).
   base is override when not NULL, else $XDG_CACHE_HOME/runnel when that is an absolute path, else
   $HOME/.cache/runnel. NULL with RUNNEL_TOOL in r when it cannot be created, RUNNEL_NOMEM when out
   of memory. */
char *rn_native_cache_dir(const char *override, runnel_report *r);

/* The identity of the compiler cc names (its first word, found on PATH): "cc|real path|size|mtime",
   malloc'ed, part of a cache key so that another or an upgraded compiler makes another key. Nothing is
   run: a key is computed on every load of a cached artifact, which must stay fast. NULL when there is
   no such executable. */
char *rn_cc_identity(const char *cc);

/* Compiles the n C files c_files (each FILE.c to FILE.o next to it, up to jobs compilers at once; 0:
   the number of CPUs) with cc and cflags (NULL: "-O2"), links the objects into so_path atomically and
   removes the objects. progress (may be NULL) is called with (user, done, n + 1) after each object and
   with (user, n + 1, n + 1) after the link, from the calling thread. On failure nothing is left behind
   (no objects, no temporary file; an existing so_path is untouched) and r says why: RUNNEL_TOOL with
   the compiler's messages, RUNNEL_BADARG for an empty compiler or no files, RUNNEL_NOMEM. lim: NULL for
   RN_CC_SECONDS and RN_CC_MEMORY_MB. */
typedef struct rn_cc_limits {
    uint32_t seconds;      /* CPU time of each compiler process (SIGXCPU); twice that in wall time, then killed */
    uint64_t memory_bytes; /* address space of each compiler process */
} rn_cc_limits;
#define RN_CC_SECONDS 600u
#define RN_CC_MEMORY_MB 4096u
runnel_status rn_cc_build(const char *cc, const char *cflags, char *const *c_files, size_t n, const char *so_path,
                          uint32_t jobs, const rn_cc_limits *lim, runnel_progress_fn progress, void *progress_user,
                          runnel_report *r);

#endif
