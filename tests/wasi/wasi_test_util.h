/*
 * wasi_test_util.h - what the two tests that run the WASI guest programs share: test_wasi_run.c runs
 * them through runnel_wasi_run, test_wasi_cli.c through `runnel run`, and both check what a guest did
 * on disk. So both need a fresh temporary directory per test (`top`, made by setup and removed with
 * everything in it by teardown), paths into it and to the built guests (RN_WASI_GUESTS, set by
 * tests/wasi/CMakeLists.txt), and a few ways to lay out and read back files there.
 *
 * Include it after defining WASI_TEST_TOP, the mkdtemp template of the directory (each test names its
 * own, so that a directory left behind says which test made it), and _GNU_SOURCE (for nftw). The
 * functions are static inline: each test is its own executable, and not every one uses all of them.
 */
#ifndef RN_WASI_TEST_UTIL_H
#define RN_WASI_TEST_UTIL_H

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#ifndef WASI_TEST_TOP
#error "define WASI_TEST_TOP (a mkdtemp template) before including wasi_test_util.h"
#endif

/* The current test's temporary directory. */
static char top[64];

static inline int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

/* cmocka setup and teardown of every test: make top, and remove it with all it holds. */
static inline int setup(void **state)
{
    (void)state;
    strcpy(top, WASI_TEST_TOP);
    assert_non_null(mkdtemp(top));
    return 0;
}

static inline int teardown(void **state)
{
    (void)state;
    nftw(top, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* "DIR/NAME SUFFIX" in one of eight rotating buffers: valid until eight more are made, which is enough
   for the arguments of any one call. */
static inline const char *rotating_path(const char *dir, const char *name, const char *suffix)
{
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s%s", dir, name, suffix);
    return buf[k];
}

/* The built guest program NAME.wasm. */
static inline const char *guest(const char *name) { return rotating_path(RN_WASI_GUESTS, name, ".wasm"); }

/* A path under top, from a relative one. */
static inline const char *in_top(const char *rel) { return rotating_path(top, rel, ""); }

/* The same, into the caller's buffer, for a path that must outlive the rotating buffers. */
static inline void path_in(char *buf, size_t size, const char *rel) { snprintf(buf, size, "%s/%s", top, rel); }

/* The file at path as a string, cut to size - 1 bytes; false (and "") if it cannot be opened. */
static inline bool slurp_into(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    buf[n] = 0;
    if (f)
        fclose(f);
    return f != NULL;
}

static inline void write_file(const char *rel, const char *content)
{
    FILE *f = fopen(in_top(rel), "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static inline void make_dir(const char *rel) { assert_int_equal(mkdir(in_top(rel), 0755), 0); }

static inline void make_link(const char *target, const char *rel) { assert_int_equal(symlink(target, in_top(rel)), 0); }

#endif
