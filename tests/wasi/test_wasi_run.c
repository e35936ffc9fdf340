/*
 * test_wasi_run.c - real C programs (tests/wasi/guests, built with wasi-libc) run through
 * runnel_wasi_run: output, exit codes, and what they did on disk, checked from the host.
 *
 * Each test makes a fresh temporary directory, lays out what the guest expects, runs it with stdout
 * and stderr captured, and compares. The escape and read-only tests also take a snapshot of the
 * whole temporary tree (names, types, sizes, times, contents) before and after, to show that nothing
 * outside what was granted for writing changed.
 */
#define _GNU_SOURCE /* nftw */
#define WASI_TEST_TOP "/tmp/runnel-wasi-run-XXXXXX"
#include "wasi_test_util.h" /* top, setup, teardown, guest, in_top, path_in, make_dir, ... */

#include "runnel/wasi.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

typedef struct run {
    runnel_status status;
    int code;
    char *out, *err; /* NUL-terminated copies of the captured streams */
    char *message;
} run;

typedef struct dirmap {
    const char *host, *guest;
    bool ro;
} dirmap;

static char *copy(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

/* guests/NAME.wasm, decoded and compiled (fails the test when it cannot be). */
static runnel_module *load_guest(const char *name)
{
    const char *path = guest(name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *bytes = malloc((size_t)n);
    assert_int_equal(fread(bytes, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    runnel_report r = {0};
    runnel_module *m = runnel_module_new(bytes, (size_t)n, &r);
    free(bytes);
    if (!m)
        fail_msg("%s: %s", path, r.message);
    return m;
}

/* Runs guests/NAME.wasm with argv = {NAME.wasm, args...}, the given env ("K=V" strings), stdin
   bytes (or NULL) and preopens. */
static run run_guest(const char *name, const char *const *args, const char *const *env, const char *in,
                     const dirmap *dirs)
{
    runnel_report r = {0};
    runnel_module *m = load_guest(name);
    runnel_wasi *w = runnel_wasi_new();
    assert_non_null(w);
    const char *argv[16];
    size_t argc = 0;
    char argv0[64];
    snprintf(argv0, sizeof argv0, "%s.wasm", name);
    argv[argc++] = argv0;
    for (size_t i = 0; args && args[i]; i++)
        argv[argc++] = args[i];
    assert_int_equal(runnel_wasi_set_args(w, argc, argv), RUNNEL_OK);
    for (size_t i = 0; env && env[i]; i++) {
        char kv[256];
        snprintf(kv, sizeof kv, "%s", env[i]);
        char *eq = strchr(kv, '=');
        *eq = 0;
        assert_int_equal(runnel_wasi_set_env(w, kv, eq + 1), RUNNEL_OK);
    }
    if (in)
        assert_int_equal(runnel_wasi_set_stdin_bytes(w, in, strlen(in)), RUNNEL_OK);
    assert_int_equal(runnel_wasi_set_stdout(w, RUNNEL_WASI_STDIO_CAPTURE), RUNNEL_OK);
    assert_int_equal(runnel_wasi_set_stderr(w, RUNNEL_WASI_STDIO_CAPTURE), RUNNEL_OK);
    for (size_t i = 0; dirs && dirs[i].host; i++) {
        if (runnel_wasi_preopen(w, dirs[i].host, dirs[i].guest, dirs[i].ro, &r) != RUNNEL_OK)
            fail_msg("preopen %s: %s", dirs[i].host, r.message);
    }
    runnel_store *s = runnel_store_new(NULL);
    run res = {0};
    res.status = runnel_wasi_run(w, s, m, &res.code, &r);
    size_t len;
    const uint8_t *o = runnel_wasi_stdout(w, &len);
    res.out = copy(o, len);
    o = runnel_wasi_stderr(w, &len);
    res.err = copy(o, len);
    res.message = r.message ? strdup(r.message) : NULL;
    runnel_report_clear(&r);
    runnel_store_free(s);
    runnel_wasi_free(w);
    runnel_module_free(m);
    return res;
}

/* The same with one directory granted read-write: top/DIR (which must exist), seen as GUEST_DIR. */
static run run_with_dir(const char *name, const char *const *args, const char *dir, const char *guest_dir)
{
    char host[512];
    path_in(host, sizeof host, dir);
    dirmap dirs[] = {{host, guest_dir, false}, {0}};
    return run_guest(name, args, NULL, NULL, dirs);
}

static void run_free(run *r)
{
    free(r->out);
    free(r->err);
    free(r->message);
}

static void expect_ok(const run *r, int code)
{
    if (r->status != RUNNEL_OK)
        fail_msg("status %s: %s\nstdout:\n%s", runnel_status_name(r->status), r->message ? r->message : "", r->out);
    if (r->code != code)
        fail_msg("exit code %d, expected %d\nstdout:\n%s\nstderr:\n%s", r->code, code, r->out, r->err);
}

/* The number after "LABEL " on its own line of out; fails the test when the label is missing. */
static int value_of(const char *out, const char *label)
{
    size_t n = strlen(label);
    for (const char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, label, n) == 0 && p[n] == ' ')
            return atoi(p + n + 1);
    }
    fail_msg("no line '%s' in:\n%s", label, out);
    return -1000;
}

static char *read_file(const char *rel)
{
    static char buf[200000];
    return slurp_into(in_top(rel), buf, sizeof buf) ? buf : NULL;
}

/* ---------------------------------------------------------------- a snapshot of a tree */

static char *snap;
static size_t snap_len, snap_cap;

static int snap_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)flag, (void)ftw;
    char line[1024];
    unsigned long long sum = 1469598103934665603ull;
    if (S_ISREG(st->st_mode)) {
        FILE *f = fopen(p, "rb");
        int c;
        while (f && (c = getc(f)) != EOF)
            sum = (sum ^ (unsigned)c) * 1099511628211ull;
        if (f)
            fclose(f);
    }
    int n = snprintf(line, sizeof line, "%s mode=%o size=%lld mtime=%lld.%09ld nlink=%lu sum=%llx\n", p + strlen(top),
                     st->st_mode, (long long)st->st_size, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                     (unsigned long)st->st_nlink, sum);
    if (snap_len + (size_t)n + 1 > snap_cap) {
        snap_cap = (snap_len + (size_t)n + 1) * 2;
        snap = realloc(snap, snap_cap);
    }
    memcpy(snap + snap_len, line, (size_t)n + 1);
    snap_len += (size_t)n;
    return 0;
}

/* One line per entry under top, in nftw's order (the same for an unchanged tree). */
static char *snapshot(void)
{
    snap = NULL;
    snap_len = snap_cap = 0;
    nftw(top, snap_entry, 16, FTW_PHYS);
    return snap;
}

/* ---------------------------------------------------------------- the programs */

static void test_hello(void **state)
{
    (void)state;
    run r = run_guest("hello", NULL, NULL, NULL, NULL);
    expect_ok(&r, 0);
    assert_string_equal(r.out, "hello, world\n");
    assert_string_equal(r.err, "to stderr\n");
    run_free(&r);
}

static void test_args_env(void **state)
{
    (void)state;
    const char *args[] = {"one", "two words", "", NULL};
    const char *env[] = {"GREETING=hello there", "EMPTY=", NULL};
    run r = run_guest("args_env", args, env, NULL, NULL);
    expect_ok(&r, 4);
    assert_string_equal(r.out, "argc=4\nargv[0]=args_env.wasm\nargv[1]=one\nargv[2]=two words\nargv[3]=\n"
                               "env[0]=GREETING=hello there\nenv[1]=EMPTY=\nenvc=2\nGREETING=hello there\n");
    run_free(&r);
    /* nothing granted: no environment at all */
    r = run_guest("args_env", NULL, NULL, NULL, NULL);
    expect_ok(&r, 1);
    assert_non_null(strstr(r.out, "envc=0\nGREETING=(unset)\n"));
    run_free(&r);
}

static void test_exit_codes(void **state)
{
    (void)state;
    const char *a42[] = {"42", NULL}, *a7[] = {"7", "raw", NULL}, *a0[] = {"0", NULL}, *am1[] = {"-1", "raw", NULL};
    const char *trap[] = {"trap", NULL};
    run r = run_guest("exit", a42, NULL, NULL, NULL);
    expect_ok(&r, 42);
    assert_string_equal(r.out, "atexit ran\n"); /* exit() ran the handlers and flushed stdio */
    run_free(&r);
    r = run_guest("exit", a7, NULL, NULL, NULL);
    expect_ok(&r, 7);
    assert_string_equal(r.out, ""); /* proc_exit directly: no handlers */
    run_free(&r);
    r = run_guest("exit", a0, NULL, NULL, NULL);
    expect_ok(&r, 0);
    run_free(&r);
    r = run_guest("exit", am1, NULL, NULL, NULL);
    expect_ok(&r, -1); /* the u32 0xffffffff */
    run_free(&r);
    r = run_guest("exit", NULL, NULL, NULL, NULL); /* main returns 3 */
    expect_ok(&r, 3);
    run_free(&r);
    r = run_guest("exit", trap, NULL, NULL, NULL); /* a trap is a failure, not an exit code */
    assert_int_equal(r.status, RUNNEL_TRAP);
    run_free(&r);
}

static void test_stdin(void **state)
{
    (void)state;
    run r = run_guest("stdin", NULL, NULL, "hello stdin", NULL);
    expect_ok(&r, 0);
    assert_string_equal(r.out, "read 11 bytes: HELLO STDIN\neof=1\n");
    run_free(&r);
    r = run_guest("stdin", NULL, NULL, NULL, NULL); /* null stdin: at its end at once */
    expect_ok(&r, 0);
    assert_string_equal(r.out, "read 0 bytes: \neof=1\n");
    run_free(&r);
}

static void test_random(void **state)
{
    (void)state;
    run r = run_guest("random", NULL, NULL, NULL, NULL);
    expect_ok(&r, 0);
    assert_string_equal(r.out, "differ=1 nonzero>32=1\nbig=0\nfault=21\n");
    run_free(&r);
}

static void test_clock(void **state)
{
    (void)state;
    run r = run_guest("clock", NULL, NULL, "0123456789", NULL);
    expect_ok(&r, 0);
    const char *want[] = {
        "realtime_after_2020 1\n",
        "res_monotonic 0 1\n",
        "res_bad 28\n",
        "time_bad 28\n",
        "cputime 1\n",
        "nanosleep_50ms 1\n",
        "poll_two 0 n=1 first=11 type=0 err=0 waited_ok=1\n",
        "poll_abs_past 0 n=1 ud=33 fast=1\n",
        "poll_errors 0 n=3 e1=28 e2=8 e3=0 t3=2\n",
        "poll_zero 28\n",
        "poll_stdin 0 n=1 ud=5 nbytes=10\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(r.out, want[i]))
            fail_msg("missing '%s' in:\n%s", want[i], r.out);
    run_free(&r);
}

static void test_hostile(void **state)
{
    (void)state;
    make_dir("d");
    run r = run_with_dir("hostile", NULL, "d", "/d");
    expect_ok(&r, 0);
    const char *labels[] = {"args_sizes", "args_get", "environ_get", "write_bad_iovs", "write_bad_ret", "write_wrap",
                            "write_huge", "write_many_iovs", "read_bad", "fdstat_bad", "prestat_bad", "clock_bad",
                            "random_wrap", "poll_bad", "poll_huge", "open_bad_path", "open_bad_ret", "readdir_bad"};
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (value_of(r.out, labels[i]) != 21)
            fail_msg("%s: expected EFAULT (21) in\n%s", labels[i], r.out);
    assert_int_equal(value_of(r.out, "open_path_too_long"), 37);
    run_free(&r);
}

static void test_files(void **state)
{
    (void)state;
    make_dir("sandbox");
    const char *args[] = {"/sandbox", NULL};
    run r = run_with_dir("files", args, "sandbox", "/sandbox");
    expect_ok(&r, 0);
    assert_non_null(strstr(r.out, "list sub: a.txt b.txt c.txt\n"));
    assert_non_null(strstr(r.out, "many: created 300 counted 300\n"));
    assert_non_null(strstr(r.out, "failures=0\n"));
    assert_null(strstr(r.out, "FAIL"));
    run_free(&r);

    /* what the program left, seen from the host */
    assert_string_equal(read_file("sandbox/data.txt"), "HELLO");
    assert_string_equal(read_file("sandbox/renamed.txt"), "sub/a.txt");
    struct stat a, b;
    assert_int_equal(stat(in_top("sandbox/data.txt"), &a), 0);
    assert_int_equal(stat(in_top("sandbox/hard.txt"), &b), 0);
    assert_int_equal(a.st_ino, b.st_ino);
    assert_int_equal(a.st_mtim.tv_sec, 1234567890);
    char target[64] = {0};
    assert_int_equal(readlink(in_top("sandbox/link"), target, sizeof target - 1), 8);
    assert_string_equal(target, "data.txt");
    assert_int_equal(stat(in_top("sandbox/big.bin"), &a), 0);
    assert_int_equal(a.st_size, 100000);
    assert_int_equal(stat(in_top("sandbox/sub"), &a), -1);
    assert_int_equal(stat(in_top("sandbox/many/entry-with-a-rather-long-name-299"), &a), 0);
}

/* The same program with the directory preopened as "." (wasmtime's `--dir .`), relative paths. */
static void test_files_dot(void **state)
{
    (void)state;
    make_dir("cwd");
    const char *args[] = {".", NULL};
    run r = run_with_dir("files", args, "cwd", ".");
    expect_ok(&r, 0);
    assert_non_null(strstr(r.out, "failures=0\n"));
    run_free(&r);
    assert_string_equal(read_file("cwd/data.txt"), "HELLO");
}

static void test_escape(void **state)
{
    (void)state;
    make_dir("sandbox");
    make_dir("sandbox/sub");
    write_file("outside.txt", "secret\n");
    write_file("sandbox/inside.txt", "in\n");
    make_link("/etc", "sandbox/link_etc");
    make_link("..", "sandbox/link_up");
    make_link("sub/../..", "sandbox/link_up2");
    make_link(in_top("sandbox"), "sandbox/link_abs");
    make_link("loop", "sandbox/loop");
    char *before = snapshot();

    const char *args[] = {"/sandbox", NULL};
    run r = run_with_dir("escape", args, "sandbox", "/sandbox");
    expect_ok(&r, 0);
    struct {
        const char *label;
        int err;
    } want[] = {
        {"preopen", 1}, {"inside", 0}, {"inside_via_sub", 0},
        {"dotdot", 76}, {"dotdot_deep", 76}, {"dotdot_only", 76}, {"absolute", 76},
        {"link_etc", 76}, {"link_etc_final", 76}, {"link_etc_nofollow", 32},
        {"link_up", 76}, {"link_up2", 76}, {"link_abs", 76}, {"loop", 32}, {"loop_dir", 32},
        {"create_outside", 76}, {"create_via_link", 76}, {"stat_link_etc", 76}, {"stat_dotdot", 76},
        {"mkdir_outside", 76}, {"unlink_outside", 76}, {"unlink_via_link", 76}, {"rmdir_root", 28},
        {"rename_out", 76}, {"rename_in", 76}, {"link_out", 76}, {"link_in", 76},
        {"symlink_abs", 76}, {"symlink_up", 76}, {"symlink_up_sub", 76}, {"symlink_ok", 0}, {"through_good", 0},
        {"times_outside", 76}, {"readlink_outside", 76},
        {"bad_fd", 8}, {"bad_fd_open", 8}, {"stdin_not_dir", 54}, {"sock_accept", 57}, {"sock_bad", 8},
        {"proc_raise", 52}, {"libc_etc", 76}, {"libc_dotdot", 76}, {"libc_link_etc", 76},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int got = value_of(r.out, want[i].label);
        if (got != want[i].err)
            fail_msg("%s: %d, expected %d\n%s", want[i].label, got, want[i].err, r.out);
    }
    run_free(&r);

    /* the one change the program may make: the link sub/good it was allowed to create */
    char *after = snapshot();
    char *good = strstr(after, "/sandbox/sub/good ");
    assert_non_null(good);
    char *eol = strchr(good, '\n');
    memmove(good, eol + 1, strlen(eol + 1) + 1);
    /* the directory holding it changed its times; compare everything else */
    char *lines[2] = {before, after};
    for (int k = 0; k < 2; k++) {
        char *sub = strstr(lines[k], "/sandbox/sub mode=");
        assert_non_null(sub);
        char *e = strchr(sub, '\n');
        memmove(sub, e + 1, strlen(e + 1) + 1);
    }
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_string_equal(read_file("outside.txt"), "secret\n");
}

static void test_read_only(void **state)
{
    (void)state;
    make_dir("ro");
    make_dir("ro/dir");
    make_dir("ro/empty_dir");
    make_dir("rw");
    write_file("ro/file.txt", "readonly content\n");
    write_file("ro/dir/x.txt", "x\n");
    write_file("rw/w.txt", "w\n");
    write_file("outside.txt", "o\n");
    char ro[512], rw[512];
    path_in(ro, sizeof ro, "ro");
    path_in(rw, sizeof rw, "rw");
    char *before = snapshot();

    dirmap dirs[] = {{ro, "/ro", true}, {rw, "/rw", false}, {0}};
    const char *args[] = {"/ro", "/rw", NULL};
    run r = run_guest("readonly", args, NULL, NULL, dirs);
    expect_ok(&r, 0);
    assert_non_null(strstr(r.out, "read 0 readonly content\n"));
    /* wasi-libc's write() turns ENOTCAPABLE into EBADF (8); open(O_WRONLY) itself succeeds because
       wasi-libc asks only for the rights the directory can give */
    struct {
        const char *label;
        int err;
    } other[] = {{"open_wronly", 0}, {"write_wronly", 8}, {"write_rdwr", 8}, {"pwrite_rdonly", 8},
                 {"open_subdir", 0}, {"rw_write", 0}};
    const char *refused[] = {"fopen_w_existing", "fopen_w_new", "fopen_a", "raw_write_wronly", "ftruncate_wronly",
                             "fd_allocate", "fd_set_size", "fd_set_times", "fd_set_rights_up", "raw_open_write",
                             "raw_open_trunc", "raw_open_creat", "mkdir", "rmdir", "unlink", "unlink_nested",
                             "rename", "link", "symlink", "utimens", "truncate", "rename_to_rw", "link_to_rw",
                             "rename_from_rw", "subdir_unlink", "subdir_create"};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (value_of(r.out, other[i].label) != other[i].err)
            fail_msg("%s: expected %d in\n%s", other[i].label, other[i].err, r.out);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (value_of(r.out, refused[i]) != 76)
            fail_msg("%s: expected ENOTCAPABLE (76) in\n%s", refused[i], r.out);
    run_free(&r);

    /* only rw/ changed, and only by the new ok.txt */
    char *after = snapshot();
    assert_string_equal(read_file("rw/ok.txt"), "fine\n");
    char *lines[2] = {before, after};
    for (int k = 0; k < 2; k++) {
        char *rwline = strstr(lines[k], "/rw mode=");
        assert_non_null(rwline);
        char *e = strchr(rwline, '\n');
        memmove(rwline, e + 1, strlen(e + 1) + 1);
    }
    char *ok = strstr(after, "/rw/ok.txt ");
    assert_non_null(ok);
    memmove(ok, strchr(ok, '\n') + 1, strlen(strchr(ok, '\n') + 1) + 1);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

/* A module that is not a command (no _start) and one whose imports do not fit are clean failures. */
/* A guest asleep in poll_oneoff stops soon after the store's timeout: the sleep is sliced and
   watches runnel_caller_interrupted, and the engine suspends the call as the host function returns. */
static void test_sleep_interrupted(void **state)
{
    (void)state;
    runnel_module *m = load_guest("sleep_long");
    runnel_wasi *w = runnel_wasi_new();
    assert_int_equal(runnel_wasi_set_stdout(w, RUNNEL_WASI_STDIO_CAPTURE), RUNNEL_OK);
    runnel_store *s = runnel_store_new(NULL);
    runnel_store_set_timeout(s, 100);
    runnel_report r = {0};
    int code = -1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    runnel_status st = runnel_wasi_run(w, s, m, &code, &r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    assert_int_equal(st, RUNNEL_SUSPENDED);
    assert_int_equal(r.trap, RUNNEL_TRAP_INTERRUPTED);
    if (ms < 99 || ms > 1000) /* the guest asks for 10 s */
        fail_msg("stopped after %.1f ms, expected about 100", ms);
    size_t len;
    const uint8_t *out = runnel_wasi_stdout(w, &len);
    assert_int_equal(len, strlen("sleeping\n"));
    assert_memory_equal(out, "sleeping\n", len);
    runnel_abandon(s);
    runnel_report_clear(&r);
    runnel_store_free(s);
    runnel_wasi_free(w);
    runnel_module_free(m);
}

static void test_not_a_command(void **state)
{
    (void)state;
    /* (module (func (export "f"))) */
    static const uint8_t mod[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0,
                                  7, 5, 1, 1, 'f', 0, 0, 10, 4, 1, 2, 0, 0x0b};
    runnel_report r = {0};
    runnel_module *m = runnel_module_new(mod, sizeof mod, &r);
    assert_non_null(m);
    runnel_wasi *w = runnel_wasi_new();
    runnel_store *s = runnel_store_new(NULL);
    int code = 99;
    assert_int_equal(runnel_wasi_run(w, s, m, &code, &r), RUNNEL_BADARG);
    assert_non_null(strstr(r.message, "_start"));
    runnel_report_clear(&r);
    runnel_store_free(s);
    runnel_module_free(m);

    /* (module (import "wasi_snapshot_preview1" "fd_write" (func (param i32)))) : wrong signature */
    static const uint8_t bad[] = {0,    'a', 's', 'm', 1, 0, 0, 0, 1, 5, 1, 0x60, 1, 0x7f, 0, 2, 35, 1, 22,
                                  'w', 'a', 's', 'i', '_', 's', 'n', 'a', 'p', 's', 'h', 'o', 't', '_', 'p', 'r',
                                  'e', 'v', 'i', 'e', 'w', '1', 8, 'f', 'd', '_', 'w', 'r', 'i', 't', 'e', 0, 0};
    m = runnel_module_new(bad, sizeof bad, &r);
    if (!m)
        fail_msg("%s", r.message);
    s = runnel_store_new(NULL);
    assert_int_equal(runnel_wasi_run(w, s, m, &code, &r), RUNNEL_UNLINKABLE);
    runnel_report_clear(&r);
    runnel_store_free(s);
    runnel_module_free(m);
    runnel_wasi_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hello, setup, teardown),
        cmocka_unit_test_setup_teardown(test_args_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_files_dot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sleep_interrupted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
