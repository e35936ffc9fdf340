/*
 * native_util.h - what the compiling tier's unit tests share (test_native.c, test_native_guard.c):
 * modules from WAT (wat2wasm at run time), the same module in both tiers, calls and their outcomes, and
 * the assertion that two outcomes agree (status, trap kind, results, the backtrace function by function).
 * Files go under NATIVE_TEST_DIR, the compile cache to cache_dir, never ~/.cache.
 */
#ifndef RN_TEST_NATIVE_UTIL_H
#define RN_TEST_NATIVE_UTIL_H
#include "runnel/engine.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#ifndef RUNNEL_WAT2WASM
#define RUNNEL_WAT2WASM ""
#endif
#ifndef NATIVE_TEST_DIR
#define NATIVE_TEST_DIR "/tmp/runnel-test-native"
#endif

extern char cache_dir[4096]; /* NATIVE_TEST_DIR/cache: the cache of every test but the cache tests */
extern bool can_run;         /* wat2wasm and cc are there */

/* The same module in both tiers: m[0] interpreted, m[1] compiled. */
typedef struct pair {
    uint8_t *bytes;
    size_t len;
    runnel_module *m[2];
} pair;

/* One call's outcome, to compare between tiers. */
typedef struct outcome {
    runnel_status st;
    runnel_trap_kind trap;
    int exit_code;
    runnel_val res[8];
    uint32_t frames[64];
    const char *names[64];
    size_t nframes;
    char message[256];
} outcome;

void path_of(char *buf, size_t n, const char *name);
void write_file(const char *path, const void *data, size_t len);
uint8_t *read_all(const char *path, size_t *len);
int run_sh(const char *cmd);
uint8_t *wasm_of(const char *wat, size_t *len);
runnel_compile_options copts(const char *dir);
pair pair_of(const char *wat);
void pair_free(pair *p);
runnel_instance *inst_of(runnel_store *s, const runnel_module *m, const runnel_linker *l);
runnel_func *fn(runnel_instance *i, const char *name);
outcome call(runnel_instance *i, const char *name, const runnel_val *args, size_t nargs);
void assert_same_val(runnel_val a, runnel_val b);
void assert_same(const outcome *a, const outcome *b, size_t nres);

#define SKIP_UNLESS_TOOLS()                                                                                              \
    do {                                                                                                               \
        if (!can_run)                                                                                                  \
            skip();                                                                                                    \
    } while (0)

/* Guard pages under cmocka: cmocka puts a SIGSEGV handler of its own in place around each test (and
   the one before back after it), in front of runnel's. guard_capture, right after
   runnel_guard_pages_enable, remembers runnel's handler; guard_front puts it back in front (nothing
   before a capture); guard_wrap makes each of n tests begin with guard_front. */
void guard_capture(void);
void guard_front(void);
void guard_wrap(struct CMUnitTest *tests, size_t n);

/* main's set-up: the directory, the cache, can_run (false: a message, and every test skips) */
void native_test_setup(const char *program);
/* main's option --guard-pages, first if given: enables guard pages (runnel_guard_pages_enable, then
   guard_capture) and takes the option out of argc/argv; true if it was given. Exits 1, saying why, if
   guard pages cannot be enabled. */
bool native_test_guard_option(int *argc, char ***argv, const char *program);

#endif
