/*
 * test_wasi_abi.c - the WASI functions called directly, with a plain buffer as the guest's memory.
 *
 * rn_wasi_invoke() runs a function the way the engine's host call would, minus the engine, so these
 * tests pin down the ABI itself (struct layouts at their witx offsets, errnos, rights) and can hand
 * every function hostile pointers and lengths; the buffer is exactly the memory's size, so with
 * AddressSanitizer any host read or write past the guest's memory fails the test. Files live in a
 * fresh temporary directory per test.
 */
#define _GNU_SOURCE /* nftw */
#include "wasi_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define MEM 65536u

typedef struct fx {
    runnel_wasi *w;
    uint8_t *mem;
    char top[64];  /* the temporary directory */
    char root[96]; /* top/sandbox: preopened as guest fd 3 ("/sandbox") */
} fx;

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->mem = calloc(1, MEM);
    assert_non_null(f->mem);
    strcpy(f->top, "/tmp/runnel-wasi-XXXXXX");
    assert_non_null(mkdtemp(f->top));
    snprintf(f->root, sizeof f->root, "%s/sandbox", f->top);
    assert_int_equal(mkdir(f->root, 0755), 0);
    f->w = runnel_wasi_new();
    assert_non_null(f->w);
    runnel_report r = {0};
    assert_int_equal(runnel_wasi_preopen(f->w, f->root, "/sandbox", false, &r), RUNNEL_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    runnel_wasi_free(f->w);
    nftw(f->top, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f->mem);
    free(f);
    return 0;
}

/* Calls `name` with the arguments in v[1..] (v[0] is a placeholder, so that a call without arguments
   is still a valid array), converted by the function's signature to i32 or i64 slots. */
static int call(fx *f, const char *name, const uint64_t *v)
{
    const char *params = NULL;
    for (size_t i = 0; i < runnel_wasi_function_count(); i++) {
        const char *n, *p;
        runnel_wasi_function(i, &n, &p, NULL);
        if (strcmp(n, name) == 0)
            params = p;
    }
    assert_non_null(params);
    runnel_slot a[16];
    for (size_t i = 0; params[i]; i++) {
        memset(&a[i], 0, sizeof a[i]);
        if (params[i] == 'i')
            a[i].i32 = (uint32_t)v[i + 1];
        else
            a[i].i64 = v[i + 1];
    }
    bool exited;
    int code;
    return rn_wasi_invoke(f->w, name, f->mem, MEM, a, &exited, &code);
}
#define C(f, name, ...) call(f, name, (const uint64_t[]){0, __VA_ARGS__})

static uint32_t ld32(fx *f, uint32_t p) { return rn_ld32(f->mem + p); }
static uint64_t ld64(fx *f, uint32_t p) { return rn_ld64(f->mem + p); }

/* Puts a string at p (no NUL) and returns its length. */
static uint32_t put(fx *f, uint32_t p, const char *s)
{
    size_t n = strlen(s);
    memcpy(f->mem + p, s, n);
    return (uint32_t)n;
}

/* An iovec {buf, len} at p. */
static void iov(fx *f, uint32_t p, uint32_t buf, uint32_t len)
{
    rn_st32(f->mem + p, buf);
    rn_st32(f->mem + p + 4, len);
}

static void host_file(fx *f, const char *name, const char *content)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", f->root, name);
    FILE *h = fopen(p, "w");
    assert_non_null(h);
    fputs(content, h);
    fclose(h);
}

static void host_symlink(fx *f, const char *target, const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", f->root, name);
    assert_int_equal(symlink(target, p), 0);
}

#define RIGHTS_RW (RN_WR_FD_READ | RN_WR_FD_WRITE | RN_WR_FD_SEEK | RN_WR_FD_TELL | RN_WR_FD_FILESTAT_GET)
/* path_open relative to the preopen: returns the errno; the new descriptor at guest address 8. */
static int open_at(fx *f, uint32_t dirfd, const char *path, uint32_t oflags, uint64_t rights, uint32_t lookup)
{
    uint32_t n = put(f, 1024, path);
    return C(f, "path_open", dirfd, lookup, 1024, n, oflags, rights, rights, 0, 8);
}

/* ---------------------------------------------------------------- the table */

static void test_table(void **state)
{
    (void)state;
    /* name, params, results: the core-wasm lowering of wasi_snapshot_preview1 (as wasi-libc imports it) */
    static const char *expect[][3] = {
        {"args_get", "ii", "i"}, {"args_sizes_get", "ii", "i"}, {"environ_get", "ii", "i"},
        {"environ_sizes_get", "ii", "i"}, {"clock_res_get", "ii", "i"}, {"clock_time_get", "iIi", "i"},
        {"fd_advise", "iIIi", "i"}, {"fd_allocate", "iII", "i"}, {"fd_close", "i", "i"}, {"fd_datasync", "i", "i"},
        {"fd_fdstat_get", "ii", "i"}, {"fd_fdstat_set_flags", "ii", "i"}, {"fd_fdstat_set_rights", "iII", "i"},
        {"fd_filestat_get", "ii", "i"}, {"fd_filestat_set_size", "iI", "i"}, {"fd_filestat_set_times", "iIIi", "i"},
        {"fd_pread", "iiiIi", "i"}, {"fd_prestat_get", "ii", "i"}, {"fd_prestat_dir_name", "iii", "i"},
        {"fd_pwrite", "iiiIi", "i"}, {"fd_read", "iiii", "i"}, {"fd_readdir", "iiiIi", "i"},
        {"fd_renumber", "ii", "i"}, {"fd_seek", "iIii", "i"}, {"fd_sync", "i", "i"}, {"fd_tell", "ii", "i"},
        {"fd_write", "iiii", "i"}, {"path_create_directory", "iii", "i"}, {"path_filestat_get", "iiiii", "i"},
        {"path_filestat_set_times", "iiiiIIi", "i"}, {"path_link", "iiiiiii", "i"},
        {"path_open", "iiiiiIIii", "i"}, {"path_readlink", "iiiiii", "i"}, {"path_remove_directory", "iii", "i"},
        {"path_rename", "iiiiii", "i"}, {"path_symlink", "iiiii", "i"}, {"path_unlink_file", "iii", "i"},
        {"poll_oneoff", "iiii", "i"}, {"proc_exit", "i", ""}, {"proc_raise", "i", "i"}, {"sched_yield", "", "i"},
        {"random_get", "ii", "i"}, {"sock_accept", "iii", "i"}, {"sock_recv", "iiiiii", "i"},
        {"sock_send", "iiiii", "i"}, {"sock_shutdown", "ii", "i"},
    };
    size_t n = sizeof expect / sizeof expect[0];
    assert_int_equal(n, 46);
    assert_int_equal(runnel_wasi_function_count(), 46);
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t j = 0; j < runnel_wasi_function_count(); j++) {
            const char *name, *p, *r;
            runnel_wasi_function(j, &name, &p, &r);
            if (strcmp(name, expect[i][0]) != 0)
                continue;
            assert_false(found);
            found = true;
            assert_string_equal(p, expect[i][1]);
            assert_string_equal(r, expect[i][2]);
        }
        if (!found)
            fail_msg("missing %s", expect[i][0]);
    }
    const char *name = "x";
    runnel_wasi_function(46, &name, NULL, NULL);
    assert_null(name);
}

/* ---------------------------------------------------------------- args, environ, proc */

static void test_args_env(void **state)
{
    fx *f = *state;
    const char *argv[] = {"prog", "a b", ""};
    assert_int_equal(runnel_wasi_set_args(f->w, 3, argv), RUNNEL_OK);
    assert_int_equal(C(f, "args_sizes_get", 0, 4), 0);
    assert_int_equal(ld32(f, 0), 3);
    assert_int_equal(ld32(f, 4), 5 + 4 + 1);
    assert_int_equal(C(f, "args_get", 100, 200), 0);
    assert_int_equal(ld32(f, 100), 200);
    assert_int_equal(ld32(f, 104), 205);
    assert_int_equal(ld32(f, 108), 209);
    assert_memory_equal(f->mem + 200, "prog\0a b\0\0", 10);

    assert_int_equal(runnel_wasi_set_env(f->w, "GREETING", "hi"), RUNNEL_OK);
    assert_int_equal(runnel_wasi_set_env(f->w, "X", "1"), RUNNEL_OK);
    assert_int_equal(runnel_wasi_set_env(f->w, "X", "2"), RUNNEL_OK); /* replaces */
    assert_int_equal(runnel_wasi_set_env(f->w, "A=B", "x"), RUNNEL_BADARG);
    assert_int_equal(runnel_wasi_set_env(f->w, "", "x"), RUNNEL_BADARG);
    assert_int_equal(C(f, "environ_sizes_get", 0, 4), 0);
    assert_int_equal(ld32(f, 0), 2);
    assert_int_equal(ld32(f, 4), 12 + 4);
    assert_int_equal(C(f, "environ_get", 300, 400), 0);
    assert_int_equal(ld32(f, 300), 400);
    assert_int_equal(ld32(f, 304), 412);
    assert_memory_equal(f->mem + 400, "GREETING=hi\0X=2\0", 16);

    /* the arrays must fit in memory, pointers included */
    assert_int_equal(C(f, "args_get", MEM - 8, 200), RN_WE_FAULT);
    assert_int_equal(C(f, "args_get", 100, MEM - 9), RN_WE_FAULT);
    assert_int_equal(C(f, "args_get", 100, MEM - 10), 0);
    assert_int_equal(C(f, "environ_sizes_get", 0, MEM - 3), RN_WE_FAULT);
    assert_int_equal(C(f, "environ_get", 0xFFFFFFFFu, 0), RN_WE_FAULT);
}

static void test_proc(void **state)
{
    fx *f = *state;
    runnel_slot a[1] = {{.i32 = 0xFFFFFFFFu}};
    bool exited = false;
    int code = 0;
    assert_int_equal(rn_wasi_invoke(f->w, "proc_exit", f->mem, MEM, a, &exited, &code), 0);
    assert_true(exited);
    assert_int_equal(code, -1);
    a[0].i32 = 42;
    rn_wasi_invoke(f->w, "proc_exit", f->mem, MEM, a, &exited, &code);
    assert_int_equal(code, 42);
    assert_int_equal(C(f, "proc_raise", 9), RN_WE_NOSYS);
    assert_int_equal(C(f, "sched_yield"), 0);
    assert_int_equal(rn_wasi_invoke(f->w, "no_such_function", f->mem, MEM, a, NULL, NULL), -1);
}

/* ---------------------------------------------------------------- streams */

static void test_stdout_capture(void **state)
{
    fx *f = *state;
    size_t len;
    assert_int_equal(runnel_wasi_set_stdout(f->w, RUNNEL_WASI_STDIO_CAPTURE), RUNNEL_OK);
    put(f, 100, "hello world");
    iov(f, 0, 100, 6);
    iov(f, 8, 106, 5);
    assert_int_equal(C(f, "fd_write", 1, 0, 2, 50), 0);
    assert_int_equal(ld32(f, 50), 11);
    assert_memory_equal(runnel_wasi_stdout(f->w, &len), "hello world", 11);
    assert_int_equal(len, 11);

    /* stderr is null by default: the write succeeds and is dropped */
    assert_int_equal(C(f, "fd_write", 2, 0, 2, 50), 0);
    assert_int_equal(ld32(f, 50), 11);
    runnel_wasi_stderr(f->w, &len);
    assert_int_equal(len, 0);

    /* the output limit: what fits, then ENOSPC */
    runnel_wasi_set_output_limit(f->w, 15);
    assert_int_equal(C(f, "fd_write", 1, 0, 2, 50), 0);
    assert_int_equal(ld32(f, 50), 4);
    assert_int_equal(C(f, "fd_write", 1, 0, 2, 50), RN_WE_NOSPC);
    assert_memory_equal(runnel_wasi_stdout(f->w, &len), "hello worldhell", 15);
    runnel_wasi_clear_output(f->w);
    runnel_wasi_stdout(f->w, &len);
    assert_int_equal(len, 0);

    /* one bad buffer anywhere: EFAULT, and nothing written */
    iov(f, 8, MEM - 2, 5);
    assert_int_equal(C(f, "fd_write", 1, 0, 2, 50), RN_WE_FAULT);
    runnel_wasi_stdout(f->w, &len);
    assert_int_equal(len, 0);
    /* a zero-length buffer at the very end is in bounds; one byte past is not */
    iov(f, 8, MEM, 0);
    assert_int_equal(C(f, "fd_write", 1, 0, 2, 50), 0);
    iov(f, 8, MEM, 1);
    assert_int_equal(C(f, "fd_write", 1, 0, 2, 50), RN_WE_FAULT);
    assert_int_equal(C(f, "fd_write", 1, 0, 2, MEM - 3), RN_WE_FAULT);
    /* an iovec array that wraps around 2^32 */
    assert_int_equal(C(f, "fd_write", 1, 0xFFFFFFF8u, 2, 50), RN_WE_FAULT);
    assert_int_equal(C(f, "fd_write", 1, 0, 0x20000000u, 50), RN_WE_FAULT);

    /* streams cannot seek, tell or be read against their direction */
    assert_int_equal(C(f, "fd_seek", 1, 0, 0, 50), RN_WE_SPIPE);
    assert_int_equal(C(f, "fd_tell", 1, 50), RN_WE_SPIPE);
    assert_int_equal(C(f, "fd_read", 1, 0, 1, 50), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "fd_write", 0, 0, 1, 50), RN_WE_NOTCAPABLE);
    assert_int_equal(runnel_wasi_set_stdin(f->w, RUNNEL_WASI_STDIO_CAPTURE), RUNNEL_BADARG);
}

static void test_stdin_bytes(void **state)
{
    fx *f = *state;
    assert_int_equal(runnel_wasi_set_stdin_bytes(f->w, "abcdef", 6), RUNNEL_OK);
    /* poll: readable, 6 bytes */
    memset(f->mem + 1000, 0, 48);
    rn_st64(f->mem + 1000, 77);
    f->mem[1008] = RN_WEV_FD_READ;
    rn_st32(f->mem + 1016, 0);
    assert_int_equal(C(f, "poll_oneoff", 1000, 2000, 1, 60), 0);
    assert_int_equal(ld32(f, 60), 1);
    assert_int_equal(ld64(f, 2000), 77);
    assert_int_equal(rn_ld16(f->mem + 2008), 0);
    assert_int_equal(f->mem[2010], RN_WEV_FD_READ);
    assert_int_equal(ld64(f, 2016), 6);

    iov(f, 0, 100, 4);
    iov(f, 8, 200, 4);
    assert_int_equal(C(f, "fd_read", 0, 0, 2, 50), 0);
    assert_int_equal(ld32(f, 50), 6);
    assert_memory_equal(f->mem + 100, "abcd", 4);
    assert_memory_equal(f->mem + 200, "ef", 2);
    assert_int_equal(C(f, "fd_read", 0, 0, 2, 50), 0);
    assert_int_equal(ld32(f, 50), 0); /* end of file */
    /* now at the end: poll says hangup */
    assert_int_equal(C(f, "poll_oneoff", 1000, 2000, 1, 60), 0);
    assert_int_equal(rn_ld16(f->mem + 2024), RN_WEV_HANGUP);

    /* fdstat of stdin: not a device, no seek/tell rights (what isatty() looks at) */
    assert_int_equal(C(f, "fd_fdstat_get", 0, 300), 0);
    assert_int_equal(f->mem[300], RN_WFT_UNKNOWN);
    assert_int_equal(ld64(f, 308) & (RN_WR_FD_SEEK | RN_WR_FD_TELL), 0);
    assert_true(ld64(f, 308) & RN_WR_FD_READ);
    /* a guest's NONBLOCK is kept for the guest only */
    assert_int_equal(C(f, "fd_fdstat_set_flags", 0, RN_WFDF_NONBLOCK), 0);
    assert_int_equal(C(f, "fd_fdstat_get", 0, 300), 0);
    assert_int_equal(rn_ld16(f->mem + 302), RN_WFDF_NONBLOCK);
    assert_int_equal(C(f, "fd_fdstat_set_flags", 0, 0x100), RN_WE_INVAL);
}

/* ---------------------------------------------------------------- descriptors */

static void test_descriptors(void **state)
{
    fx *f = *state;
    assert_int_equal(C(f, "fd_write", 99, 0, 0, 50), RN_WE_BADF);
    assert_int_equal(C(f, "fd_close", 99), RN_WE_BADF);
    assert_int_equal(C(f, "fd_fdstat_get", 0xFFFFFFFFu, 50), RN_WE_BADF);
    assert_int_equal(C(f, "fd_prestat_get", 0, 50), RN_WE_BADF); /* stdin is no preopen */
    assert_int_equal(C(f, "fd_prestat_get", 4, 50), RN_WE_BADF); /* the end of the preopens */

    /* the preopen: a dir named "/sandbox" */
    assert_int_equal(C(f, "fd_prestat_get", 3, 50), 0);
    assert_int_equal(f->mem[50], 0);
    assert_int_equal(ld32(f, 54), 8);
    assert_int_equal(C(f, "fd_prestat_dir_name", 3, 100, 8), 0);
    assert_memory_equal(f->mem + 100, "/sandbox", 8);
    assert_int_equal(C(f, "fd_prestat_dir_name", 3, 100, 7), RN_WE_NAMETOOLONG);
    assert_int_equal(C(f, "fd_prestat_dir_name", 3, MEM - 7, 8), RN_WE_FAULT);
    assert_int_equal(C(f, "fd_fdstat_get", 3, 200), 0);
    assert_int_equal(f->mem[200], RN_WFT_DIRECTORY);
    assert_true(ld64(f, 208) & RN_WR_PATH_OPEN);
    assert_true(ld64(f, 216) & RN_WR_FD_WRITE); /* inheriting: files beneath may be written */
    assert_int_equal(C(f, "fd_fdstat_get", 3, MEM - 23), RN_WE_FAULT);

    /* rights can be dropped, never raised */
    assert_int_equal(C(f, "fd_fdstat_set_rights", 3, ld64(f, 208) & ~RN_WR_PATH_OPEN, ld64(f, 216)), 0);
    assert_int_equal(open_at(f, 3, "x", RN_WOF_CREAT, RIGHTS_RW, 0), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "fd_fdstat_set_rights", 3, RN_WR_ALL, 0), RN_WE_NOTCAPABLE);

    /* renumber: both must be open; the target is replaced; closing stdout does not close the host's */
    assert_int_equal(C(f, "fd_renumber", 1, 50), RN_WE_BADF);
    assert_int_equal(C(f, "fd_renumber", 2, 1), 0);
    assert_int_equal(C(f, "fd_fdstat_get", 2, 50), RN_WE_BADF);
    assert_int_equal(runnel_wasi_set_stderr(f->w, RUNNEL_WASI_STDIO_CAPTURE), RUNNEL_OK);
    put(f, 100, "to stderr");
    iov(f, 0, 100, 9);
    assert_int_equal(C(f, "fd_write", 1, 0, 1, 50), 0); /* fd 1 is now the old stderr */
    size_t len;
    assert_memory_equal(runnel_wasi_stderr(f->w, &len), "to stderr", 9);
    assert_int_equal(C(f, "fd_close", 1), 0);
    assert_int_equal(C(f, "fd_write", 1, 0, 1, 50), RN_WE_BADF);
    assert_int_not_equal(fcntl(1, F_GETFD), -1); /* the host's stdout is still open */

    /* sockets: none is ever granted */
    assert_int_equal(C(f, "sock_accept", 3, 0, 50), RN_WE_NOTSOCK);
    assert_int_equal(C(f, "sock_recv", 0, 0, 0, 0, 50, 54), RN_WE_NOTSOCK);
    assert_int_equal(C(f, "sock_send", 0, 0, 0, 0, 50), RN_WE_NOTSOCK);
    assert_int_equal(C(f, "sock_shutdown", 77, 3), RN_WE_BADF);
}

static void test_preopen_errors(void **state)
{
    fx *f = *state;
    runnel_report r = {0};
    assert_int_equal(runnel_wasi_preopen(f->w, "/nonexistent/dir", "/x", false, &r), RUNNEL_BADARG);
    assert_non_null(strstr(r.message, "/nonexistent/dir"));
    runnel_report_clear(&r);
    char file[256];
    snprintf(file, sizeof file, "%s/plain", f->top);
    FILE *h = fopen(file, "w");
    fclose(h);
    assert_int_equal(runnel_wasi_preopen(f->w, file, "/x", false, &r), RUNNEL_BADARG); /* not a directory */
    runnel_report_clear(&r);
    assert_int_equal(runnel_wasi_preopen(f->w, f->top, "", false, NULL), RUNNEL_BADARG);
    /* a second preopen gets fd 4 */
    assert_int_equal(runnel_wasi_preopen(f->w, f->top, "/top", true, NULL), RUNNEL_OK);
    assert_int_equal(C(f, "fd_prestat_get", 4, 50), 0);
    assert_int_equal(ld32(f, 54), 4);
}

/* ---------------------------------------------------------------- files */

static void test_file_io(void **state)
{
    fx *f = *state;
    assert_int_equal(open_at(f, 3, "a.txt", RN_WOF_CREAT | RN_WOF_EXCL, RIGHTS_RW, 0), 0);
    uint32_t fd = ld32(f, 8);
    assert_true(fd > 3);
    put(f, 100, "0123456789");
    iov(f, 0, 100, 10);
    assert_int_equal(C(f, "fd_write", fd, 0, 1, 50), 0);
    assert_int_equal(ld32(f, 50), 10);
    assert_int_equal(C(f, "fd_tell", fd, 56), 0);
    assert_int_equal(ld64(f, 56), 10);
    assert_int_equal(C(f, "fd_seek", fd, (uint64_t)-4, RN_WHENCE_END, 56), 0);
    assert_int_equal(ld64(f, 56), 6);
    assert_int_equal(C(f, "fd_seek", fd, 0, 7, 56), RN_WE_INVAL); /* bad whence */
    iov(f, 0, 200, 100);
    assert_int_equal(C(f, "fd_read", fd, 0, 1, 50), 0);
    assert_int_equal(ld32(f, 50), 4);
    assert_memory_equal(f->mem + 200, "6789", 4);
    iov(f, 0, 300, 3);
    assert_int_equal(C(f, "fd_pread", fd, 0, 1, 2, 50), 0);
    assert_memory_equal(f->mem + 300, "234", 3);
    assert_int_equal(C(f, "fd_pread", fd, 0, 1, (uint64_t)INT64_MAX + 1, 50), RN_WE_INVAL);

    /* filestat (64 bytes): size @32, filetype @16, nlink @24 */
    assert_int_equal(C(f, "fd_filestat_get", fd, 400), 0);
    assert_int_equal(f->mem[416], RN_WFT_REGULAR_FILE);
    assert_int_equal(ld64(f, 424), 1);
    assert_int_equal(ld64(f, 432), 10);
    assert_int_equal(C(f, "fd_filestat_get", fd, MEM - 63), RN_WE_FAULT);
    /* the right to change the size was not asked for */
    assert_int_equal(C(f, "fd_filestat_set_size", fd, 3), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "fd_close", fd), 0);

    /* open again with every right: truncate, allocate, times */
    assert_int_equal(open_at(f, 3, "a.txt", 0, RN_WR_ALL, 0), 0);
    fd = ld32(f, 8);
    assert_int_equal(C(f, "fd_filestat_set_size", fd, 3), 0);
    assert_int_equal(C(f, "fd_allocate", fd, 0, 4096), 0);
    assert_int_equal(C(f, "fd_filestat_set_times", fd, 5000000000ull, 7000000000ull, RN_WFST_ATIM | RN_WFST_MTIM), 0);
    assert_int_equal(C(f, "fd_filestat_set_times", fd, 0, 0, RN_WFST_MTIM | RN_WFST_MTIM_NOW), RN_WE_INVAL);
    assert_int_equal(C(f, "fd_filestat_get", fd, 400), 0);
    assert_int_equal(ld64(f, 432), 4096);
    assert_int_equal(ld64(f, 440), 5000000000ull);
    assert_int_equal(ld64(f, 448), 7000000000ull);
    assert_int_equal(C(f, "fd_advise", fd, 0, 0, 2), 0);
    assert_int_equal(C(f, "fd_advise", fd, 0, 0, 6), RN_WE_INVAL);
    assert_int_equal(C(f, "fd_sync", fd), 0);
    assert_int_equal(C(f, "fd_datasync", fd), 0);
    assert_int_equal(C(f, "fd_fdstat_set_flags", fd, RN_WFDF_APPEND), 0);
    assert_int_equal(C(f, "fd_fdstat_get", fd, 500), 0);
    assert_int_equal(rn_ld16(f->mem + 502), RN_WFDF_APPEND);
    assert_int_equal(C(f, "fd_readdir", fd, 0, 100, 0, 50), RN_WE_NOTDIR);
    assert_int_equal(C(f, "fd_close", fd), 0);

    /* path_filestat_get, and the directory descriptor's own checks */
    uint32_t n = put(f, 1024, "a.txt");
    assert_int_equal(C(f, "path_filestat_get", 3, 0, 1024, n, 400), 0);
    assert_int_equal(ld64(f, 432), 4096);
    assert_int_equal(C(f, "path_filestat_get", 0, 0, 1024, n, 400), RN_WE_NOTDIR);
    assert_int_equal(C(f, "path_filestat_get", 3, 0, MEM - 2, n, 400), RN_WE_FAULT);
    assert_int_equal(C(f, "path_filestat_get", 3, 0, 1024, n, MEM - 8), RN_WE_FAULT);
}

/* fd_readdir with a buffer too small for most entries: every name comes out exactly once. */
static void test_readdir(void **state)
{
    fx *f = *state;
    enum { N = 60 };
    for (int i = 0; i < N; i++) {
        char name[64];
        snprintf(name, sizeof name, "file-%02d-with-a-longish-name", i);
        host_file(f, name, "x");
    }
    assert_int_equal(open_at(f, 3, ".", RN_WOF_DIRECTORY, RN_WR_FD_READDIR, 0), 0);
    uint32_t dfd = ld32(f, 8);
    int seen[N] = {0}, dots = 0;
    uint64_t cookie = 0;
    uint32_t bufsz = 64; /* one dirent (24) and a 28-byte name fit; two do not */
    for (int rounds = 0; rounds < 1000; rounds++) {
        assert_int_equal(C(f, "fd_readdir", dfd, 4096, bufsz, cookie, 50), 0);
        uint32_t used = ld32(f, 50), off = 0;
        while (off + 24 <= used) {
            uint64_t next = ld64(f, 4096 + off);
            uint32_t nl = ld32(f, 4096 + off + 16);
            if (off + 24 + nl > used)
                break; /* cut off: ask again from its cookie */
            char name[256];
            memcpy(name, f->mem + 4096 + off + 24, nl);
            name[nl] = 0;
            int k;
            if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
                dots++;
                assert_int_equal(f->mem[4096 + off + 20], RN_WFT_DIRECTORY);
            } else {
                assert_int_equal(sscanf(name, "file-%d-", &k), 1);
                seen[k]++;
                assert_int_equal(f->mem[4096 + off + 20], RN_WFT_REGULAR_FILE);
            }
            cookie = next;
            off += 24 + nl;
        }
        if (used < bufsz)
            break;
    }
    assert_int_equal(dots, 2);
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    /* start over with cookie 0; a zero-sized buffer reads nothing */
    assert_int_equal(C(f, "fd_readdir", dfd, 4096, 4096, 0, 50), 0);
    assert_true(ld32(f, 50) > 24);
    assert_int_equal(C(f, "fd_readdir", dfd, 4096, 0, 0, 50), 0);
    assert_int_equal(ld32(f, 50), 0);
    assert_int_equal(C(f, "fd_readdir", dfd, MEM - 10, 11, 0, 50), RN_WE_FAULT);
}

static void test_path_ops(void **state)
{
    fx *f = *state;
    uint32_t n = put(f, 1024, "d");
    assert_int_equal(C(f, "path_create_directory", 3, 1024, n), 0);
    assert_int_equal(C(f, "path_create_directory", 3, 1024, n), RN_WE_EXIST);
    host_file(f, "d/f", "data");
    n = put(f, 1024, "d/f/");
    assert_int_equal(C(f, "path_unlink_file", 3, 1024, n), RN_WE_NOTDIR);
    n = put(f, 1024, "d");
    assert_int_equal(C(f, "path_unlink_file", 3, 1024, n), RN_WE_ISDIR);
    assert_int_equal(C(f, "path_remove_directory", 3, 1024, n), RN_WE_NOTEMPTY);
    /* rename d/f -> g, link g -> h, symlink s -> g, readlink s */
    uint32_t a = put(f, 1024, "d/f"), b = put(f, 2048, "g");
    assert_int_equal(C(f, "path_rename", 3, 1024, a, 3, 2048, b), 0);
    a = put(f, 1024, "g"), b = put(f, 2048, "h");
    assert_int_equal(C(f, "path_link", 3, 0, 1024, a, 3, 2048, b), 0);
    a = put(f, 1024, "g"), b = put(f, 2048, "s");
    assert_int_equal(C(f, "path_symlink", 1024, a, 3, 2048, b), 0);
    assert_int_equal(C(f, "path_readlink", 3, 2048, b, 3000, 100, 50), 0);
    assert_int_equal(ld32(f, 50), 1);
    assert_int_equal(f->mem[3000], 'g');
    assert_int_equal(C(f, "path_readlink", 3, 2048, b, 3000, 0, 50), 0); /* cut to the buffer */
    assert_int_equal(ld32(f, 50), 0);
    assert_int_equal(C(f, "path_readlink", 3, 1024, a, 3000, 100, 50), RN_WE_INVAL); /* not a link */
    /* stat through the link follows only when asked */
    assert_int_equal(C(f, "path_filestat_get", 3, RN_WLOOKUP_SYMLINK_FOLLOW, 2048, b, 400), 0);
    assert_int_equal(f->mem[416], RN_WFT_REGULAR_FILE);
    assert_int_equal(ld64(f, 424), 2); /* g and h */
    assert_int_equal(C(f, "path_filestat_get", 3, 0, 2048, b, 400), 0);
    assert_int_equal(f->mem[416], RN_WFT_SYMBOLIC_LINK);
    assert_int_equal(C(f, "path_filestat_set_times", 3, 0, 1024, a, 9000000000ull, 0, RN_WFST_ATIM), 0);
    assert_int_equal(C(f, "path_filestat_get", 3, 0, 1024, a, 400), 0);
    assert_int_equal(ld64(f, 440), 9000000000ull);
    /* opening the link without following it is ELOOP (O_NOFOLLOW) */
    assert_int_equal(open_at(f, 3, "s", 0, RN_WR_FD_READ, 0), RN_WE_LOOP);
    assert_int_equal(open_at(f, 3, "s", 0, RN_WR_FD_READ, RN_WLOOKUP_SYMLINK_FOLLOW), 0);
    /* O_CREAT|O_EXCL on a link: EEXIST, never the link's target */
    assert_int_equal(open_at(f, 3, "s", RN_WOF_CREAT | RN_WOF_EXCL, RN_WR_FD_READ, RN_WLOOKUP_SYMLINK_FOLLOW),
                     RN_WE_EXIST);
    assert_int_equal(open_at(f, 3, "d", RN_WOF_CREAT | RN_WOF_DIRECTORY, RN_WR_FD_READ, 0), RN_WE_INVAL);
    n = put(f, 1024, "d");
    assert_int_equal(C(f, "path_remove_directory", 3, 1024, n), 0);
    a = put(f, 1024, "h");
    assert_int_equal(C(f, "path_unlink_file", 3, 1024, a), 0);
    /* files are not directories for path_* */
    assert_int_equal(open_at(f, 3, "g", 0, RN_WR_ALL, 0), 0);
    uint32_t gfd = ld32(f, 8);
    assert_int_equal(C(f, "path_create_directory", gfd, 1024, 1), RN_WE_NOTDIR);
}

/* ---------------------------------------------------------------- the sandbox */

static void test_escapes(void **state)
{
    fx *f = *state;
    char out[256];
    snprintf(out, sizeof out, "%s/outside.txt", f->top);
    FILE *h = fopen(out, "w");
    fputs("secret", h);
    fclose(h);
    host_file(f, "inside.txt", "in");
    char sub[256];
    snprintf(sub, sizeof sub, "%s/sub", f->root);
    mkdir(sub, 0755);
    host_symlink(f, "/etc", "link_etc");
    host_symlink(f, "..", "link_up");
    host_symlink(f, "sub/../..", "link_up2");
    host_symlink(f, f->root, "link_abs");
    host_symlink(f, "loop", "loop");
    host_symlink(f, "sub", "ldir");
    host_file(f, "sub/x.txt", "x");
    host_symlink(f, "inside.txt", "c0");
    for (int i = 1; i <= 40; i++) { /* a chain: c40 -> c39 -> ... -> c0 -> inside.txt */
        char t[16], l[16];
        snprintf(t, sizeof t, "c%d", i - 1);
        snprintf(l, sizeof l, "c%d", i);
        host_symlink(f, t, l);
    }
    const uint32_t FOLLOW = RN_WLOOKUP_SYMLINK_FOLLOW;
    struct {
        const char *path;
        uint32_t oflags, lookup;
        int err;
    } cases[] = {
        {"inside.txt", 0, FOLLOW, 0},
        {"./sub/../inside.txt", 0, FOLLOW, 0},
        {"sub//..//inside.txt", 0, FOLLOW, 0},
        {"..", RN_WOF_DIRECTORY, FOLLOW, RN_WE_NOTCAPABLE},
        {"../outside.txt", 0, FOLLOW, RN_WE_NOTCAPABLE},
        {"sub/../../outside.txt", 0, FOLLOW, RN_WE_NOTCAPABLE},
        {"sub/../sub/../../sandbox/inside.txt", 0, FOLLOW, RN_WE_NOTCAPABLE},
        {"/etc/passwd", 0, FOLLOW, RN_WE_NOTCAPABLE},
        {"/", RN_WOF_DIRECTORY, FOLLOW, RN_WE_NOTCAPABLE},
        {"link_etc/passwd", 0, FOLLOW, RN_WE_NOTCAPABLE},
        {"link_etc/passwd", 0, 0, RN_WE_NOTCAPABLE}, /* intermediate links are always resolved */
        {"link_etc", RN_WOF_DIRECTORY, FOLLOW, RN_WE_NOTCAPABLE},
        {"link_etc", 0, 0, RN_WE_LOOP},
        {"link_up/outside.txt", 0, FOLLOW, RN_WE_NOTCAPABLE},
        {"link_up2/outside.txt", 0, FOLLOW, RN_WE_NOTCAPABLE},
        {"link_up/", RN_WOF_DIRECTORY, 0, RN_WE_NOTCAPABLE}, /* a trailing slash follows */
        {"link_abs/inside.txt", 0, FOLLOW, RN_WE_NOTCAPABLE},
        {"loop", 0, FOLLOW, RN_WE_LOOP},
        {"loop/x", 0, FOLLOW, RN_WE_LOOP},
        {"ldir/x.txt", 0, FOLLOW, 0},          /* a link to a directory inside, on the way */
        {"ldir/../inside.txt", 0, FOLLOW, 0},  /* ".." after a link: the link target's parent */
        {"ldir", RN_WOF_DIRECTORY, FOLLOW, 0},
        {"c20", 0, FOLLOW, 0},
        {"c40", 0, FOLLOW, RN_WE_LOOP}, /* more than RN_WASI_MAX_SYMLINKS links */
        {"../outside.txt", RN_WOF_CREAT, FOLLOW, RN_WE_NOTCAPABLE},
        {"link_up/new.txt", RN_WOF_CREAT, FOLLOW, RN_WE_NOTCAPABLE},
        {"inside.txt/x", 0, FOLLOW, RN_WE_NOTDIR},
        {"missing/x", 0, FOLLOW, RN_WE_NOENT},
        {"", 0, FOLLOW, RN_WE_NOENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int e = open_at(f, 3, cases[i].path, cases[i].oflags, RN_WR_FD_READ | RN_WR_FD_READDIR, cases[i].lookup);
        if (e != cases[i].err)
            fail_msg("path_open(\"%s\"): errno %d, expected %d", cases[i].path, e, cases[i].err);
        if (e == 0)
            assert_int_equal(C(f, "fd_close", ld32(f, 8)), 0);
    }
    /* a NUL inside the path, a component too long, a path too long */
    memcpy(f->mem + 1024, "in\0side", 7);
    assert_int_equal(C(f, "path_open", 3, 0, 1024, 7, 0, RN_WR_FD_READ, 0, 0, 8), RN_WE_INVAL);
    memset(f->mem + 1024, 'a', 5000);
    assert_int_equal(C(f, "path_open", 3, 0, 1024, 256, 0, RN_WR_FD_READ, 0, 0, 8), RN_WE_NAMETOOLONG);
    assert_int_equal(C(f, "path_open", 3, 0, 1024, 5000, 0, RN_WR_FD_READ, 0, 0, 8), RN_WE_NAMETOOLONG);

    /* the other path functions refuse the same way */
    uint32_t a, b;
    a = put(f, 1024, "../outside.txt");
    assert_int_equal(C(f, "path_unlink_file", 3, 1024, a), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "path_filestat_get", 3, 0, 1024, a, 400), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "path_filestat_set_times", 3, 0, 1024, a, 0, 0, RN_WFST_MTIM_NOW), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "path_readlink", 3, 1024, a, 3000, 10, 50), RN_WE_NOTCAPABLE);
    a = put(f, 1024, "link_up/outside.txt");
    assert_int_equal(C(f, "path_unlink_file", 3, 1024, a), RN_WE_NOTCAPABLE);
    a = put(f, 1024, "../x");
    assert_int_equal(C(f, "path_create_directory", 3, 1024, a), RN_WE_NOTCAPABLE);
    a = put(f, 1024, "sub/..");
    assert_int_equal(C(f, "path_remove_directory", 3, 1024, a), RN_WE_INVAL); /* the preopen itself */
    a = put(f, 1024, "inside.txt"), b = put(f, 2048, "../moved");
    assert_int_equal(C(f, "path_rename", 3, 1024, a, 3, 2048, b), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "path_link", 3, 0, 1024, a, 3, 2048, b), RN_WE_NOTCAPABLE);
    a = put(f, 1024, "link_up/outside.txt"), b = put(f, 2048, "stolen");
    assert_int_equal(C(f, "path_rename", 3, 1024, a, 3, 2048, b), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "path_link", 3, RN_WLOOKUP_SYMLINK_FOLLOW, 1024, a, 3, 2048, b), RN_WE_NOTCAPABLE);
    /* links the guest makes may not point out, however they are spelled */
    const char *bad_targets[] = {"/etc", "..", "../x", "sub/../../x", "./../x"};
    for (size_t i = 0; i < sizeof bad_targets / sizeof bad_targets[0]; i++) {
        a = put(f, 1024, bad_targets[i]), b = put(f, 2048, "evil");
        assert_int_equal(C(f, "path_symlink", 1024, a, 3, 2048, b), RN_WE_NOTCAPABLE);
    }
    a = put(f, 1024, "../inside.txt"), b = put(f, 2048, "sub/ok");
    assert_int_equal(C(f, "path_symlink", 1024, a, 3, 2048, b), 0);
    a = put(f, 1024, "../../inside.txt"), b = put(f, 2048, "sub/evil");
    assert_int_equal(C(f, "path_symlink", 1024, a, 3, 2048, b), RN_WE_NOTCAPABLE);

    /* a directory descriptor is a sandbox of its own: ".." from it is refused */
    assert_int_equal(open_at(f, 3, "sub", RN_WOF_DIRECTORY, RN_WR_ALL, 0), 0);
    uint32_t sfd = ld32(f, 8);
    assert_int_equal(open_at(f, sfd, "../inside.txt", 0, RN_WR_FD_READ, 0), RN_WE_NOTCAPABLE);
    assert_int_equal(open_at(f, sfd, "ok", 0, RN_WR_FD_READ, RN_WLOOKUP_SYMLINK_FOLLOW), RN_WE_NOTCAPABLE);

    /* nothing outside changed */
    char buf[16] = {0};
    h = fopen(out, "r");
    assert_non_null(fgets(buf, sizeof buf, h));
    fclose(h);
    assert_string_equal(buf, "secret");
    struct stat st;
    snprintf(out, sizeof out, "%s/moved", f->top);
    assert_int_equal(stat(out, &st), -1);
    snprintf(out, sizeof out, "%s/x", f->top);
    assert_int_equal(stat(out, &st), -1);
}

/* A read-only preopen: reading works, nothing else does, and the tree stays as it was. */
static void test_read_only(void **state)
{
    fx *f = *state;
    char ro[256];
    snprintf(ro, sizeof ro, "%s/ro", f->top);
    mkdir(ro, 0755);
    char p[300];
    snprintf(p, sizeof p, "%s/file.txt", ro);
    FILE *h = fopen(p, "w");
    fputs("read only", h);
    fclose(h);
    snprintf(p, sizeof p, "%s/dir", ro);
    mkdir(p, 0755);
    assert_int_equal(runnel_wasi_preopen(f->w, ro, "/ro", true, NULL), RUNNEL_OK);
    const uint32_t R = 4;
    struct stat before;
    snprintf(p, sizeof p, "%s/file.txt", ro);
    assert_int_equal(stat(p, &before), 0);

    assert_int_equal(C(f, "fd_fdstat_get", R, 200), 0);
    assert_int_equal(ld64(f, 208) & RN_WR_MODIFY, 0);
    assert_int_equal(ld64(f, 216) & RN_WR_MODIFY, 0);
    /* asking to write is refused at open; asking for more than that is silently cut */
    assert_int_equal(open_at(f, R, "file.txt", 0, RN_WR_FD_READ | RN_WR_FD_WRITE, 0), RN_WE_NOTCAPABLE);
    assert_int_equal(open_at(f, R, "file.txt", 0, RN_WR_FD_READ | RN_WR_FD_FILESTAT_SET_TIMES, 0), 0);
    uint32_t fd = ld32(f, 8);
    assert_int_equal(C(f, "fd_fdstat_get", fd, 200), 0);
    assert_int_equal(ld64(f, 208), RN_WR_FD_READ);
    iov(f, 0, 100, 9);
    assert_int_equal(C(f, "fd_read", fd, 0, 1, 50), 0);
    assert_memory_equal(f->mem + 100, "read only", 9);
    assert_int_equal(C(f, "fd_write", fd, 0, 1, 50), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "fd_pwrite", fd, 0, 1, 0, 50), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "fd_filestat_set_size", fd, 0), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "fd_filestat_set_times", fd, 0, 0, RN_WFST_MTIM_NOW), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "fd_allocate", fd, 0, 10), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "fd_fdstat_set_rights", fd, RN_WR_FD_READ | RN_WR_FD_WRITE, 0), RN_WE_NOTCAPABLE);
    /* and the host descriptor itself is read-only */
    assert_int_equal(fcntl(f->w->fds[fd].host, F_GETFL) & O_ACCMODE, O_RDONLY);

    assert_int_equal(open_at(f, R, "file.txt", RN_WOF_TRUNC, RN_WR_FD_READ, 0), RN_WE_NOTCAPABLE);
    assert_int_equal(open_at(f, R, "new.txt", RN_WOF_CREAT, RN_WR_FD_READ, 0), RN_WE_NOTCAPABLE);
    uint32_t a = put(f, 1024, "file.txt"), b = put(f, 2048, "other");
    assert_int_equal(C(f, "path_unlink_file", R, 1024, a), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "path_rename", R, 1024, a, R, 2048, b), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "path_rename", R, 1024, a, 3, 2048, b), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "path_link", R, 0, 1024, a, 3, 2048, b), RN_WE_NOTCAPABLE); /* into the writable one */
    assert_int_equal(C(f, "path_symlink", 1024, a, R, 2048, b), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "path_filestat_set_times", R, 0, 1024, a, 0, 0, RN_WFST_MTIM_NOW), RN_WE_NOTCAPABLE);
    a = put(f, 1024, "dir");
    assert_int_equal(C(f, "path_create_directory", R, 1024, put(f, 1024, "nd")), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "path_remove_directory", R, 1024, put(f, 1024, "dir")), RN_WE_NOTCAPABLE);
    /* a directory opened beneath inherits the restriction, whatever rights it asks for */
    assert_int_equal(open_at(f, R, "dir", RN_WOF_DIRECTORY, RN_WR_ALL & ~RN_WR_FD_WRITE, 0), 0);
    uint32_t dfd = ld32(f, 8);
    assert_int_equal(open_at(f, dfd, "x", RN_WOF_CREAT, RN_WR_FD_READ, 0), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "path_create_directory", dfd, 1024, put(f, 1024, "nd")), RN_WE_NOTCAPABLE);

    struct stat after;
    assert_int_equal(stat(p, &after), 0);
    assert_int_equal(after.st_size, before.st_size);
    assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
    assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
    assert_int_equal(after.st_nlink, 1);
    snprintf(p, sizeof p, "%s/nd", ro);
    assert_int_equal(stat(p, &after), -1);
    snprintf(p, sizeof p, "%s/sandbox/other", f->top);
    assert_int_equal(stat(p, &after), -1);
}

/* ---------------------------------------------------------------- clocks, random, poll */

static void test_clocks_random(void **state)
{
    fx *f = *state;
    assert_int_equal(C(f, "clock_time_get", RN_WCLOCK_REALTIME, 0, 8), 0);
    assert_true(ld64(f, 8) > 1577836800ull * 1000000000ull);
    assert_int_equal(C(f, "clock_res_get", RN_WCLOCK_MONOTONIC, 8), 0);
    assert_true(ld64(f, 8) > 0);
    assert_int_equal(C(f, "clock_time_get", 4, 0, 8), RN_WE_INVAL);
    assert_int_equal(C(f, "clock_time_get", RN_WCLOCK_MONOTONIC, 0, MEM - 7), RN_WE_FAULT);
    memset(f->mem + 100, 0, 64);
    assert_int_equal(C(f, "random_get", 100, 64), 0);
    int nonzero = 0;
    for (int i = 0; i < 64; i++)
        nonzero += f->mem[100 + i] != 0;
    assert_true(nonzero > 32);
    assert_int_equal(C(f, "random_get", MEM - 10, 11), RN_WE_FAULT);
    assert_int_equal(C(f, "random_get", MEM, 0), 0);

    runnel_wasi_allow_clocks(f->w, false);
    runnel_wasi_allow_random(f->w, false);
    assert_int_equal(C(f, "clock_time_get", RN_WCLOCK_MONOTONIC, 0, 8), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "clock_res_get", RN_WCLOCK_MONOTONIC, 8), RN_WE_NOTCAPABLE);
    assert_int_equal(C(f, "random_get", 100, 64), RN_WE_NOTCAPABLE);
    /* a clock subscription without clocks: an event with the error, at once */
    memset(f->mem + 1000, 0, 48);
    f->mem[1008] = RN_WEV_CLOCK;
    rn_st64(f->mem + 1024, 10ull * 1000000000u);
    assert_int_equal(C(f, "poll_oneoff", 1000, 2000, 1, 60), 0);
    assert_int_equal(ld32(f, 60), 1);
    assert_int_equal(rn_ld16(f->mem + 2008), RN_WE_NOTCAPABLE);
}

static uint64_t mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void sub_clock(fx *f, uint32_t at, uint64_t userdata, uint32_t id, uint64_t timeout, uint16_t flags)
{
    memset(f->mem + at, 0, 48);
    rn_st64(f->mem + at, userdata);
    f->mem[at + 8] = RN_WEV_CLOCK;
    rn_st32(f->mem + at + 16, id);
    rn_st64(f->mem + at + 24, timeout);
    rn_st16(f->mem + at + 40, flags);
}

static void test_poll(void **state)
{
    fx *f = *state;
    assert_int_equal(C(f, "poll_oneoff", 1000, 2000, 0, 60), RN_WE_INVAL);
    assert_int_equal(C(f, "poll_oneoff", MEM - 47, 2000, 1, 60), RN_WE_FAULT);
    assert_int_equal(C(f, "poll_oneoff", 1000, MEM - 31, 1, 60), RN_WE_FAULT);
    assert_int_equal(C(f, "poll_oneoff", 1000, 2000, 1, MEM - 3), RN_WE_FAULT);
    assert_int_equal(C(f, "poll_oneoff", 0, 0, 0x10000000u, 60), RN_WE_FAULT);

    /* 30 ms and 10 s: only the first fires, after at least 30 ms */
    sub_clock(f, 1000, 1, RN_WCLOCK_MONOTONIC, 30000000u, 0);
    sub_clock(f, 1048, 2, RN_WCLOCK_MONOTONIC, 10000000000ull, 0);
    uint64_t t0 = mono();
    assert_int_equal(C(f, "poll_oneoff", 1000, 2000, 2, 60), 0);
    uint64_t took = mono() - t0;
    assert_true(took >= 30000000u);
    assert_true(took < 5000000000ull);
    assert_int_equal(ld32(f, 60), 1);
    assert_int_equal(ld64(f, 2000), 1);
    assert_int_equal(f->mem[2010], RN_WEV_CLOCK);

    /* absolute, in the past, on the realtime clock: at once */
    sub_clock(f, 1000, 3, RN_WCLOCK_REALTIME, 1, RN_WSUB_ABSTIME);
    t0 = mono();
    assert_int_equal(C(f, "poll_oneoff", 1000, 2000, 2, 60), 0);
    assert_true(mono() - t0 < 1000000000u);
    assert_int_equal(ld64(f, 2000), 3);

    /* a CPU-time clock the guest cannot advance while asleep still wakes it */
    sub_clock(f, 1000, 4, RN_WCLOCK_PROCESS_CPUTIME, 20000000u, 0);
    t0 = mono();
    assert_int_equal(C(f, "poll_oneoff", 1000, 2000, 1, 60), 0);
    assert_true(mono() - t0 < 5000000000ull);
    assert_int_equal(ld64(f, 2000), 4);

    /* errors are events: an unknown clock, a closed fd, an unknown tag; the writable stdout is ready */
    sub_clock(f, 1000, 5, 42, 0, 0);
    memset(f->mem + 1048, 0, 48 * 3);
    rn_st64(f->mem + 1048, 6);
    f->mem[1056] = RN_WEV_FD_READ;
    rn_st32(f->mem + 1064, 300);
    rn_st64(f->mem + 1096, 7);
    f->mem[1104] = 9;
    rn_st64(f->mem + 1144, 8);
    f->mem[1152] = RN_WEV_FD_WRITE;
    rn_st32(f->mem + 1160, 1);
    assert_int_equal(C(f, "poll_oneoff", 1000, 2000, 4, 60), 0);
    assert_int_equal(ld32(f, 60), 4);
    assert_int_equal(rn_ld16(f->mem + 2008), RN_WE_INVAL);
    assert_int_equal(rn_ld16(f->mem + 2040), RN_WE_BADF);
    assert_int_equal(rn_ld16(f->mem + 2072), RN_WE_INVAL);
    assert_int_equal(ld64(f, 2096), 8);
    assert_int_equal(rn_ld16(f->mem + 2104), 0);
    assert_int_equal(f->mem[2106], RN_WEV_FD_WRITE);

    /* a regular file is always ready; nbytes is what is left to read */
    host_file(f, "r.txt", "12345");
    assert_int_equal(open_at(f, 3, "r.txt", 0, RN_WR_FD_READ, 0), 0);
    memset(f->mem + 1000, 0, 48);
    f->mem[1008] = RN_WEV_FD_READ;
    rn_st32(f->mem + 1016, ld32(f, 8));
    assert_int_equal(C(f, "poll_oneoff", 1000, 2000, 1, 60), 0);
    assert_int_equal(ld64(f, 2016), 5);

    /* input and output arrays that overlap: still bounded, still answered */
    sub_clock(f, 1000, 9, RN_WCLOCK_MONOTONIC, 0, 0);
    assert_int_equal(C(f, "poll_oneoff", 1000, 1000, 1, 60), 0);
    assert_int_equal(ld64(f, 1000), 9);
}

/* An inherited stdin that is a pipe: poll_oneoff waits on the host for it, next to a clock. */
static void test_stdin_inherited_pipe(void **state)
{
    fx *f = *state;
    int saved = dup(0), p[2];
    assert_true(saved >= 0);
    assert_int_equal(pipe(p), 0);
    assert_int_equal(dup2(p[0], 0), 0);
    assert_int_equal(runnel_wasi_set_stdin(f->w, RUNNEL_WASI_STDIO_INHERIT), RUNNEL_OK);

    /* nothing to read yet: only the 30 ms clock fires */
    memset(f->mem + 1000, 0, 96);
    rn_st64(f->mem + 1000, 1);
    f->mem[1008] = RN_WEV_FD_READ;
    rn_st32(f->mem + 1016, 0);
    sub_clock(f, 1048, 2, RN_WCLOCK_MONOTONIC, 30000000u, 0);
    uint64_t t0 = mono();
    assert_int_equal(C(f, "poll_oneoff", 1000, 2000, 2, 60), 0);
    assert_true(mono() - t0 >= 30000000u);
    assert_int_equal(ld32(f, 60), 1);
    assert_int_equal(ld64(f, 2000), 2);
    /* the guest's non-blocking read says "again" without blocking the host */
    assert_int_equal(C(f, "fd_fdstat_set_flags", 0, RN_WFDF_NONBLOCK), 0);
    iov(f, 0, 100, 16);
    assert_int_equal(C(f, "fd_read", 0, 0, 1, 50), RN_WE_AGAIN);

    /* two bytes arrive: stdin is ready at once, with nbytes, before the clock */
    assert_int_equal(write(p[1], "hi", 2), 2);
    rn_st64(f->mem + 1072, 10000000000ull);
    t0 = mono();
    assert_int_equal(C(f, "poll_oneoff", 1000, 2000, 2, 60), 0);
    assert_true(mono() - t0 < 5000000000ull);
    assert_int_equal(ld32(f, 60), 1);
    assert_int_equal(ld64(f, 2000), 1);
    assert_int_equal(f->mem[2010], RN_WEV_FD_READ);
    assert_int_equal(ld64(f, 2016), 2);
    assert_int_equal(C(f, "fd_read", 0, 0, 1, 50), 0);
    assert_int_equal(ld32(f, 50), 2);
    assert_memory_equal(f->mem + 100, "hi", 2);

    /* the writer goes away: hangup */
    close(p[1]);
    assert_int_equal(C(f, "poll_oneoff", 1000, 2000, 1, 60), 0);
    assert_int_equal(rn_ld16(f->mem + 2024), RN_WEV_HANGUP);
    assert_int_equal(C(f, "fd_read", 0, 0, 1, 50), 0);
    assert_int_equal(ld32(f, 50), 0);
    /* the host's own descriptor 0 kept its flags: the guest's NONBLOCK was the guest's */
    assert_int_equal(fcntl(0, F_GETFL) & O_NONBLOCK, 0);

    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
    close(p[0]);
}

/* ---------------------------------------------------------------- hostile arguments */

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Every function (but the ones that sleep, exit or allocate disk) with arguments drawn from edge
   values and noise, on memory full of noise, many times: never a crash, never an out-of-bounds host
   access (ASan), always a WASI errno. */
static void test_hostile(void **state)
{
    fx *f = *state;
    host_file(f, "a", "data");
    const uint32_t edges32[] = {0, 1, 3, 4, 8, MEM - 1, MEM - 4, MEM - 8, MEM, MEM + 1, 0x7FFFFFFFu, 0x80000000u,
                                0xFFFFFFF0u, 0xFFFFFFFFu};
    const uint64_t edges64[] = {0, 1, 0x7FFFFFFFFFFFFFFFull, 0x8000000000000000ull, UINT64_MAX, 4096};
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (uint32_t i = 0; i < MEM; i++)
        f->mem[i] = (uint8_t)rnd(&s);
    size_t nf = runnel_wasi_function_count();
    for (int iter = 0; iter < 40000; iter++) {
        const char *name, *params;
        runnel_wasi_function(rnd(&s) % nf, &name, &params, NULL);
        if (!strcmp(name, "poll_oneoff") || !strcmp(name, "proc_exit") || !strcmp(name, "fd_allocate") ||
            !strcmp(name, "sched_yield"))
            continue;
        runnel_slot a[16];
        for (size_t k = 0; params[k]; k++) {
            uint64_t r = rnd(&s);
            memset(&a[k], 0, sizeof a[k]);
            if (params[k] == 'i') {
                uint32_t v = r % 3 == 0 ? edges32[(r >> 8) % 14] : r % 3 == 1 ? (uint32_t)(r >> 16) % 16 : (uint32_t)(r >> 32);
                a[k].i32 = k == 0 && r % 2 ? (uint32_t)(r >> 40) % 8 : v; /* often a real fd */
            } else {
                a[k].i64 = r % 2 ? edges64[(r >> 8) % 6] : (r >> 4) % 100000;
            }
        }
        int e = rn_wasi_invoke(f->w, name, f->mem, MEM, a, NULL, NULL);
        if (e < 0 || e > RN_WE_NOTCAPABLE)
            fail_msg("%s returned %d", name, e);
        if (iter % 1000 == 0) /* new noise now and then, so paths and iovecs vary */
            for (uint32_t i = 0; i < MEM; i += 8)
                rn_st64(f->mem + i, rnd(&s));
    }
    /* the table is still sane afterwards */
    assert_true(f->w->nfds <= RN_WASI_MAX_FDS);
}

/* Open until the table is full: EMFILE, not a crash or unbounded growth. */
static void test_fd_limit(void **state)
{
    fx *f = *state;
    host_file(f, "a", "x");
    int e = 0;
    uint32_t opened = 0;
    while ((e = open_at(f, 3, "a", 0, RN_WR_FD_READ, 0)) == 0)
        opened++;
    assert_int_equal(e, RN_WE_MFILE);
    assert_int_equal(opened, RN_WASI_MAX_FDS - 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_args_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdout_capture, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdin_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_descriptors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preopen_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_io, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readdir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clocks_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdin_inherited_pipe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fd_limit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
