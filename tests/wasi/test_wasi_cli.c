/*
 * test_wasi_cli.c - WASI commands through `runnel run`, as a user runs them.
 *
 * argv[1] is the runnel binary. Each test runs it in a child process (in a fresh temporary directory,
 * with stdin from a file and stdout/stderr to files) and checks the exit status, which must be the
 * guest's own, and what was printed and left on disk.
 */
#define _GNU_SOURCE /* nftw */
#define WASI_TEST_TOP "/tmp/runnel-wasi-cli-XXXXXX"
#include "wasi_test_util.h" /* top, setup, teardown, guest, in_top, slurp_into, make_dir, ... */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>

static const char *runnel;

typedef struct result {
    int status; /* exit status, or -1 if killed */
    char out[65536], err[65536];
} result;

/* Runs `runnel run ARGS...` (NULL-terminated) in top, with `in` as stdin. */
static result *run_cli(const char *in, ...)
{
    const char *argv[64];
    int argc = 0;
    argv[argc++] = runnel;
    argv[argc++] = "run";
    va_list ap;
    va_start(ap, in);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && argc < 63)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;

    char pin[128], pout[128], perr[128];
    path_in(pin, sizeof pin, ".stdin");
    path_in(pout, sizeof pout, ".stdout");
    path_in(perr, sizeof perr, ".stderr");
    write_file(".stdin", in ? in : "");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int i = open(pin, O_RDONLY), o = open(pout, O_WRONLY | O_CREAT | O_TRUNC, 0644),
            e = open(perr, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (i < 0 || o < 0 || e < 0 || dup2(i, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0 || chdir(top) < 0)
            _exit(126);
        execv(runnel, (char *const *)argv);
        _exit(127);
    }
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    result *r = malloc(sizeof *r);
    assert_non_null(r);
    r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
    slurp_into(pout, r->out, sizeof r->out);
    slurp_into(perr, r->err, sizeof r->err);
    unlink(pin);
    unlink(pout);
    unlink(perr);
    return r;
}

static void expect_status(const result *r, int status)
{
    if (r->status != status)
        fail_msg("exit status %d, expected %d\nstdout:\n%s\nstderr:\n%s", r->status, status, r->out, r->err);
}

static void test_hello(void **state)
{
    (void)state;
    result *r = run_cli(NULL, guest("hello"), NULL);
    expect_status(r, 0);
    assert_string_equal(r->out, "hello, world\n");
    assert_string_equal(r->err, "to stderr\n");
    free(r);
}

static void test_args_env(void **state)
{
    (void)state;
    /* options before and after the file; after "--" everything is the program's, options or not */
    result *r = run_cli(NULL, "--env", "GREETING=hi there", guest("args_env"), "--env=EMPTY=", "one", "--",
                        "--two", "-3", NULL);
    expect_status(r, 4);
    char want[1024];
    snprintf(want, sizeof want,
             "argc=4\nargv[0]=%s\nargv[1]=one\nargv[2]=--two\nargv[3]=-3\nenv[0]=GREETING=hi there\nenv[1]=EMPTY=\n"
             "envc=2\nGREETING=hi there\n",
             guest("args_env"));
    assert_string_equal(r->out, want);
    free(r);
    /* nothing of the host's environment unless asked: --env K passes the host's value of K */
    setenv("RUNNEL_TEST_VAR", "from host", 1);
    r = run_cli(NULL, guest("args_env"), "--env", "RUNNEL_TEST_VAR", "--env", "RUNNEL_TEST_UNSET_VAR", NULL);
    expect_status(r, 1);
    assert_non_null(strstr(r->out, "env[0]=RUNNEL_TEST_VAR=from host\nenvc=1\n"));
    free(r);
}

static void test_exit_status(void **state)
{
    (void)state;
    result *r = run_cli(NULL, guest("exit"), "42", NULL);
    expect_status(r, 42);
    assert_string_equal(r->out, "atexit ran\n");
    free(r);
    r = run_cli(NULL, guest("exit"), "9", "raw", NULL);
    expect_status(r, 9);
    free(r);
    r = run_cli(NULL, guest("exit"), "trap", NULL);
    expect_status(r, 1);
    assert_non_null(strstr(r->err, "trap: unreachable"));
    free(r);
}

static void test_stdin(void **state)
{
    (void)state;
    result *r = run_cli("piped in", guest("stdin"), NULL);
    expect_status(r, 0);
    assert_string_equal(r->out, "read 8 bytes: PIPED IN\neof=1\n");
    free(r);
}

static void test_dirs(void **state)
{
    (void)state;
    make_dir("sb");
    result *r = run_cli(NULL, "--dir", "sb::/sandbox", guest("files"), "/sandbox", NULL);
    expect_status(r, 0);
    assert_non_null(strstr(r->out, "failures=0\n"));
    free(r);
    char buf[64];
    slurp_into(in_top("sb/data.txt"), buf, sizeof buf);
    assert_string_equal(buf, "HELLO");

    /* `--dir .`, as with wasmtime: the current directory, seen as "." */
    make_dir("dot");
    r = run_cli(NULL, "--dir=dot::.", guest("files"), ".", NULL);
    expect_status(r, 0);
    free(r);
    slurp_into(in_top("dot/renamed.txt"), buf, sizeof buf);
    assert_string_equal(buf, "sub/a.txt");

    /* read-only next to read-write */
    make_dir("ro");
    make_dir("ro/dir");
    make_dir("ro/empty_dir");
    make_dir("rw");
    write_file("ro/file.txt", "readonly content\n");
    r = run_cli(NULL, "--dir-ro", "ro::/ro", "--dir", "rw::/rw", guest("readonly"), NULL);
    expect_status(r, 0);
    assert_non_null(strstr(r->out, "read 0 readonly content\n"));
    assert_non_null(strstr(r->out, "fopen_w_new 76\n"));
    assert_non_null(strstr(r->out, "mkdir 76\n"));
    assert_non_null(strstr(r->out, "link_to_rw 76\n"));
    assert_non_null(strstr(r->out, "rw_write 0\n"));
    free(r);
    struct stat st;
    assert_int_equal(stat(in_top("ro/new.txt"), &st), -1);
    assert_int_equal(stat(in_top("ro/newdir"), &st), -1);
    assert_int_equal(stat(in_top("rw/ok.txt"), &st), 0);
    slurp_into(in_top("ro/file.txt"), buf, sizeof buf);
    assert_string_equal(buf, "readonly content\n");

    /* no --dir: no files at all */
    r = run_cli(NULL, guest("files"), "/sandbox", NULL);
    assert_int_not_equal(r->status, 0);
    assert_non_null(strstr(r->out, "FAIL create"));
    free(r);
}

static void test_escape(void **state)
{
    (void)state;
    make_dir("sandbox");
    make_dir("sandbox/sub");
    write_file("outside.txt", "secret\n");
    write_file("sandbox/inside.txt", "");
    make_link("/etc", "sandbox/link_etc");
    make_link("..", "sandbox/link_up");
    result *r = run_cli(NULL, "--dir", "sandbox::/sandbox", guest("escape"), "/sandbox", NULL);
    expect_status(r, 0);
    assert_non_null(strstr(r->out, "\ndotdot 76\n"));
    assert_non_null(strstr(r->out, "\nabsolute 76\n"));
    assert_non_null(strstr(r->out, "\nlink_etc 76\n"));
    assert_non_null(strstr(r->out, "\nlink_up 76\n"));
    assert_non_null(strstr(r->out, "\nunlink_outside 76\n"));
    assert_non_null(strstr(r->out, "\nlibc_etc 76\n"));
    free(r);
    char buf[64];
    slurp_into(in_top("outside.txt"), buf, sizeof buf);
    assert_string_equal(buf, "secret\n");
}

static void test_bad_options(void **state)
{
    (void)state;
    result *r = run_cli(NULL, "--dir", "/nonexistent/runnel-dir", guest("hello"), NULL);
    expect_status(r, 1);
    assert_non_null(strstr(r->err, "/nonexistent/runnel-dir"));
    free(r);
    r = run_cli(NULL, "--dir", "::/x", guest("hello"), NULL);
    expect_status(r, 2);
    assert_non_null(strstr(r->err, "HOST or HOST::GUEST"));
    free(r);
    r = run_cli(NULL, "--env", "=x", guest("hello"), NULL);
    expect_status(r, 2);
    free(r);
    r = run_cli(NULL, guest("hello"), "--dir", NULL);
    expect_status(r, 2);
    free(r);
    r = run_cli(NULL, "--help", NULL);
    expect_status(r, 0);
    assert_non_null(strstr(r->out, "--dir HOST[::GUEST]"));
    assert_non_null(strstr(r->out, "--dir-ro"));
    assert_non_null(strstr(r->out, "--env K=V"));
    free(r);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_wasi_cli PATH-TO-RUNNEL\n");
        return 2;
    }
    /* the children run in other directories: the binary's path must not be relative */
    static char abs[4096];
    if (!realpath(argv[1], abs)) {
        fprintf(stderr, "test_wasi_cli: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    runnel = abs;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hello, setup, teardown),
        cmocka_unit_test_setup_teardown(test_args_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dirs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
