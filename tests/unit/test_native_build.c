/*
 * test_native_build.c - the build side of the compiling tier (native_build.h): SHA-256 against the
 * FIPS 180-2 examples, the compile cache directory, the compiler's identity, and rn_cc_build with the
 * system C compiler: a shared object that works, and failures that leave nothing behind and say why.
 * Everything happens in a directory made by mkdtemp, removed at the end.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "native_build.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

extern char **environ;

static char tmpdir[] = "/tmp/runnel-native-build-XXXXXX";

static char *path_in(const char *name)
{
    size_t n = strlen(tmpdir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", tmpdir, name);
    return p;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static bool is_dir(const char *path, mode_t *mode)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return false;
    if (mode)
        *mode = st.st_mode & 07777;
    return true;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* how many entries of dir contain part in their name */
static int count_named(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strstr(e->d_name, part) != NULL;
    closedir(d);
    return n;
}

/* ---------------------------------------------------------------- SHA-256 */

static bool portable; /* sha256_vectors and hex_of: the portable block function */
static void digest(const void *data, size_t len, uint8_t out[32]);

static void hex_of(const void *data, size_t len, const char *want)
{
    uint8_t d[32];
    char hex[65];
    digest(data, len, d);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    assert_string_equal(hex, want);
    if (!portable) { /* and the one-shot hex */
        rn_sha256_hex(data, len, hex);
        assert_string_equal(hex, want);
    }
}

static void digest(const void *data, size_t len, uint8_t out[32])
{
    rn_sha256_ctx h;
    rn_sha256_init(&h);
    h.portable = portable;
    rn_sha256_update(&h, data, len);
    rn_sha256_final(&h, out);
}

static void sha256_vectors(void);

/* Both block functions (the SHA extensions' where the processor has them, and the portable one) give
   the FIPS 180-4 vectors, and the same digest of every length of pseudo-random bytes. */
static void test_sha256_vectors(void **state)
{
    (void)state;
    portable = false;
    sha256_vectors();
    portable = true;
    sha256_vectors();
    uint8_t buf[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    for (size_t len = 0; len <= sizeof buf; len += len < 300 ? 1 : 257) {
        uint8_t a[32], b[32];
        portable = true;
        digest(buf, len, a);
        portable = false;
        digest(buf, len, b);
        assert_memory_equal(a, b, 32);
    }
}

static void sha256_vectors(void)
{
    hex_of("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hex_of(NULL, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hex_of("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(m448, strlen(m448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                       "mnopqrstnopqrstu";
    hex_of(m896, strlen(m896), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

    /* one million 'a': one shot, and in pieces of 1000 */
    size_t n = 1000000;
    char *a = malloc(n);
    assert_non_null(a);
    memset(a, 'a', n);
    const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    hex_of(a, n, want);
    rn_sha256_ctx h;
    uint8_t d[32], d2[32];
    rn_sha256_init(&h);
    for (size_t i = 0; i < n; i += 1000)
        rn_sha256_update(&h, a + i, 1000);
    rn_sha256_final(&h, d);
    rn_sha256_init(&h);
    rn_sha256_update(&h, a, n);
    rn_sha256_final(&h, d2);
    assert_memory_equal(d, d2, 32);
    free(a);
}

static void test_sha256_splits(void **state)
{
    (void)state;
    uint8_t msg[130], whole[32], part[32];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 37 + 11);
    /* every length 0..130 (the padding's edge cases at 55, 56, 63, 64, 119, 120), each split at every point */
    for (size_t len = 0; len <= sizeof msg; len++) {
        rn_sha256_ctx h;
        rn_sha256_init(&h);
        rn_sha256_update(&h, msg, len);
        rn_sha256_final(&h, whole);
        for (size_t k = 0; k <= len; k++) {
            rn_sha256_init(&h);
            rn_sha256_update(&h, msg, k);
            rn_sha256_update(&h, msg + k, len - k);
            rn_sha256_final(&h, part);
            assert_memory_equal(whole, part, 32);
        }
    }
    /* and byte by byte */
    rn_sha256_ctx h;
    rn_sha256_init(&h);
    for (size_t i = 0; i < sizeof msg; i++)
        rn_sha256_update(&h, msg + i, 1);
    rn_sha256_final(&h, part);
    assert_memory_equal(whole, part, 32);
}

/* Reported, not asserted (a loaded machine is slow); -O2 does well over 150 MB/s. */
static void test_sha256_speed(void **state)
{
    (void)state;
    size_t n = 64 << 20;
    uint8_t *buf = calloc(1, n);
    assert_non_null(buf);
    struct timespec t0, t1;
    char hex[65];
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rn_sha256_hex(buf, n, hex);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("sha256: %.0f MB/s\n", (double)n / 1e6 / (s > 0 ? s : 1e-9));
    free(buf);
}

/* ---------------------------------------------------------------- the cache directory */

static void test_cache_dir(void **state)
{
    (void)state;
    runnel_report r = {0};
    char *saved_xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
    char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;

    /* XDG_CACHE_HOME, absolute: <it>/runnel/native, every level made, private */
    char *xdg = path_in("xdg/deeper");
    setenv("XDG_CACHE_HOME", xdg, 1);
    char *dir = rn_native_cache_dir(NULL, &r);
    assert_non_null(dir);
    char *want = path_in("xdg/deeper/runnel/native");
    assert_string_equal(dir, want);
    mode_t mode = 0;
    assert_true(is_dir(dir, &mode));
    assert_int_equal(mode & 077, 0);
    free(dir);
    /* again: it exists now */
    dir = rn_native_cache_dir(NULL, &r);
    assert_string_equal(dir, want);
    free(dir);
    free(want);

    /* a relative XDG_CACHE_HOME is ignored: HOME/.cache/runnel */
    char *home = path_in("home");
    setenv("XDG_CACHE_HOME", "relative/cache", 1);
    setenv("HOME", home, 1);
    dir = rn_native_cache_dir(NULL, &r);
    want = path_in("home/.cache/runnel/native");
    assert_string_equal(dir, want);
    assert_true(is_dir(dir, NULL));
    free(dir);
    free(want);
    unsetenv("XDG_CACHE_HOME");
    dir = rn_native_cache_dir(NULL, &r);
    want = path_in("home/.cache/runnel/native");
    assert_string_equal(dir, want);
    free(dir);
    free(want);
    free(home);

    /* an override wins, a trailing slash or not */
    setenv("XDG_CACHE_HOME", xdg, 1);
    char *ov = path_in("over/ride/");
    dir = rn_native_cache_dir(ov, &r);
    want = path_in("over/ride/native");
    assert_string_equal(dir, want);
    assert_true(is_dir(dir, NULL));
    free(dir);
    free(want);
    free(ov);
    free(xdg);

    /* under a regular file: RUNNEL_TOOL naming the directory and the reason */
    char *file = path_in("plainfile");
    write_text(file, "x", 0644);
    char *bad = path_in("plainfile/cache");
    assert_null(rn_native_cache_dir(bad, &r));
    assert_int_equal(r.status, RUNNEL_TOOL);
    assert_non_null(strstr(r.message, "cannot create the compile cache"));
    assert_non_null(strstr(r.message, "plainfile/cache/native"));
    assert_non_null(strstr(r.message, "Not a directory"));
    runnel_report_clear(&r);
    /* the file itself as the cache: also not a directory */
    char *bad2 = path_in("plainfile");
    setenv("XDG_CACHE_HOME", bad2, 1);
    assert_null(rn_native_cache_dir(NULL, &r));
    assert_int_equal(r.status, RUNNEL_TOOL);
    runnel_report_clear(&r);
    free(bad2);
    free(bad);
    free(file);

    if (saved_xdg)
        setenv("XDG_CACHE_HOME", saved_xdg, 1);
    else
        unsetenv("XDG_CACHE_HOME");
    if (saved_home)
        setenv("HOME", saved_home, 1);
    else
        unsetenv("HOME");
    free(saved_xdg);
    free(saved_home);
}

/* ---------------------------------------------------------------- the compiler */

static void test_cc_identity(void **state)
{
    (void)state;
    char *id = rn_cc_identity("cc");
    assert_non_null(id);
    assert_true(strncmp(id, "cc|/", 4) == 0); /* the real path of cc, absolute */
    free(id);
    /* leading blanks skipped, the first word counts */
    id = rn_cc_identity("  cc -m64");
    assert_non_null(id);
    assert_true(strncmp(id, "cc -m64|/", 9) == 0);
    free(id);
    assert_null(rn_cc_identity("no-such-compiler-xyz"));
    assert_null(rn_cc_identity(""));
    assert_null(rn_cc_identity("/"));
    /* another executable, another identity */
    char *a = rn_cc_identity("cc"), *b = rn_cc_identity("sh");
    assert_non_null(a);
    assert_non_null(b);
    assert_string_not_equal(strchr(a, '|'), strchr(b, '|'));
    free(a);
    free(b);
}

typedef struct progress_log {
    uint32_t done[16], total[16];
    int n;
} progress_log;

static void on_progress(void *user, uint32_t done, uint32_t total)
{
    progress_log *l = user;
    if (l->n < 16) {
        l->done[l->n] = done;
        l->total[l->n] = total;
    }
    l->n++;
}

static const char *unit_a = "__attribute__((visibility(\"default\"))) int rnx_a(void) { return 1; }\n";
static const char *unit_b = "int rnx_a(void);\n"
                            "__attribute__((visibility(\"default\"))) int rnx_b(void) { return rnx_a() + 41; }\n";

/* makes sub/ in the temporary directory with the given units; the file names in files[] */
static void make_units(const char *sub, const char *const *texts, size_t n, char **files)
{
    char *dir = path_in(sub);
    assert_int_equal(mkdir(dir, 0700), 0);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(dir) + 32;
        files[i] = malloc(len);
        snprintf(files[i], len, "%s/unit%zu.c", dir, i);
        write_text(files[i], texts[i], 0644);
    }
    free(dir);
}

static void free_units(char **files, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(files[i]);
}

static void test_build_and_load(void **state)
{
    (void)state;
    const char *texts[] = {unit_a, unit_b, "static int unused;\n"};
    char *files[3];
    make_units("ok", texts, 3, files);
    char *so = path_in("ok/module.so");
    char *dir = path_in("ok");
    progress_log log = {0};
    runnel_report r = {0};
    assert_int_equal(rn_cc_build("cc", NULL, files, 3, so, 2, NULL, on_progress, &log, &r), RUNNEL_OK);
    assert_null(r.message);

    void *lib = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    assert_non_null(lib);
    int (*b)(void) = (int (*)(void))dlsym(lib, "rnx_b");
    assert_non_null(b);
    assert_int_equal(b(), 42);
    dlclose(lib);

    /* progress: one call per object, increasing, then (n+1, n+1) */
    assert_int_equal(log.n, 4);
    for (int i = 0; i < log.n; i++) {
        assert_int_equal(log.total[i], 4);
        assert_int_equal(log.done[i], (uint32_t)i + 1);
    }
    /* the objects and the temporary file are gone */
    assert_int_equal(count_named(dir, ".o"), 0);
    assert_int_equal(count_named(dir, ".tmp"), 0);

    /* a rebuild replaces it, with jobs 0 (the CPUs) and flags of one's own */
    assert_int_equal(rn_cc_build("cc", "-O0 -g", files, 2, so, 0, NULL, NULL, NULL, &r), RUNNEL_OK);
    lib = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    assert_non_null(lib);
    assert_non_null(dlsym(lib, "rnx_a"));
    dlclose(lib);
    assert_int_equal(count_named(dir, ".o"), 0);

    free_units(files, 3);
    free(so);
    free(dir);
}

static void test_compile_error(void **state)
{
    (void)state;
    const char *texts[] = {unit_a, "int broken( { return\n"};
    char *files[2];
    make_units("bad", texts, 2, files);
    char *so = path_in("bad/module.so");
    char *dir = path_in("bad");
    runnel_report r = {0};
    assert_int_equal(rn_cc_build("cc", NULL, files, 2, so, 2, NULL, NULL, NULL, &r), RUNNEL_TOOL);
    assert_int_equal(r.status, RUNNEL_TOOL);
    assert_non_null(r.message);
    assert_true(strncmp(r.message, "the C compiler failed (cc exited with 1): ", 42) == 0);
    assert_non_null(strstr(r.message, "unit1.c"));
    assert_non_null(strstr(r.message, "error"));
    for (const char *p = r.message; *p; p++) /* no control characters but the newlines between lines */
        assert_true(*p == '\n' || ((unsigned char)*p >= 0x20 && *p != 0x7f));
    runnel_report_clear(&r);
    assert_false(exists(so));
    assert_int_equal(count_named(dir, ".o"), 0);
    assert_int_equal(count_named(dir, ".tmp"), 0);
    free_units(files, 2);
    free(so);
    free(dir);
}

/* A link that fails leaves the old artifact as it was and no temporary file. */
static void test_link_error(void **state)
{
    (void)state;
    const char *texts[] = {"int missing(void);\nint f(void) { return missing(); }\n"};
    char *files[1];
    make_units("link", texts, 1, files);
    char *so = path_in("link/module.so");
    char *dir = path_in("link");
    write_text(so, "old", 0644);
    runnel_report r = {0};
    assert_int_equal(rn_cc_build("cc", "-O1 -Wl,--no-undefined", files, 1, so, 1, NULL, NULL, NULL, &r), RUNNEL_TOOL);
    assert_non_null(strstr(r.message, "the C compiler failed to link"));
    assert_non_null(strstr(r.message, "missing"));
    runnel_report_clear(&r);
    FILE *f = fopen(so, "r");
    char buf[8] = {0};
    assert_non_null(f);
    assert_int_equal(fread(buf, 1, sizeof buf - 1, f), 3);
    fclose(f);
    assert_string_equal(buf, "old");
    assert_int_equal(count_named(dir, ".o"), 0);
    assert_int_equal(count_named(dir, ".tmp"), 0);
    free_units(files, 1);
    free(so);
    free(dir);
}

static void test_no_compiler(void **state)
{
    (void)state;
    const char *texts[] = {unit_a};
    char *files[1];
    make_units("nocc", texts, 1, files);
    char *so = path_in("nocc/module.so");
    runnel_report r = {0};
    assert_int_equal(rn_cc_build("no-such-compiler-xyz", NULL, files, 1, so, 1, NULL, NULL, NULL, &r), RUNNEL_TOOL);
    assert_string_equal(r.message, "cannot run the C compiler \"no-such-compiler-xyz\": No such file or directory; "
                                   "set RUNNEL_CC or install one (apt-get install gcc)");
    runnel_report_clear(&r);
    assert_false(exists(so));
    assert_int_equal(rn_cc_build(" \t", NULL, files, 1, so, 1, NULL, NULL, NULL, &r), RUNNEL_BADARG);
    runnel_report_clear(&r);
    assert_int_equal(rn_cc_build("cc", NULL, files, 0, so, 1, NULL, NULL, NULL, &r), RUNNEL_BADARG);
    runnel_report_clear(&r);
    free_units(files, 1);
    free(so);
}

/* A compiler killed by a signal is named as such; a compiler that exits while a background child
   still holds its stderr does not hang the build. */
static void test_odd_compilers(void **state)
{
    (void)state;
    const char *texts[] = {unit_a};
    char *files[1];
    make_units("odd", texts, 1, files);
    char *so = path_in("odd/module.so");
    char *killer = path_in("odd/killer.sh"), *leaver = path_in("odd/leaver.sh");
    write_text(killer, "#!/bin/sh\necho dying >&2\nkill -KILL $$\n", 0755);
    write_text(leaver, "#!/bin/sh\necho 'leaving \033[2J a child' >&2\nsleep 5 &\nexit 3\n", 0755);
    char *talker = path_in("odd/talker.sh"); /* far more than a pipe holds: read while it runs, keep 4 KiB */
    write_text(talker, "#!/bin/sh\nyes 'error: a long line of complaint' | head -c 300000 >&2\nexit 1\n", 0755);
    runnel_report r = {0};
    assert_int_equal(rn_cc_build(killer, NULL, files, 1, so, 1, NULL, NULL, NULL, &r), RUNNEL_TOOL);
    assert_non_null(strstr(r.message, "was killed by signal 9, SIGKILL): dying"));
    runnel_report_clear(&r);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(rn_cc_build(leaver, NULL, files, 1, so, 1, NULL, NULL, NULL, &r), RUNNEL_TOOL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 3);
    assert_non_null(strstr(r.message, "exited with 3): leaving \\x1b[2J a child"));
    runnel_report_clear(&r);

    assert_int_equal(rn_cc_build(talker, NULL, files, 1, so, 1, NULL, NULL, NULL, &r), RUNNEL_TOOL);
    size_t len = strlen(r.message);
    assert_true(len > 4096 && len < 4096 + 200);
    assert_string_equal(r.message + len - 4, " ...");
    runnel_report_clear(&r);
    assert_false(exists(so));
    free_units(files, 1);
    free(so);
    free(killer);
    free(leaver);
    free(talker);
}

/* Each compiler process runs under the limits: CPU time (SIGXCPU), twice that in wall time (killed),
   address space; the report says which limit and how to change it. */
static void test_compiler_limits(void **state)
{
    (void)state;
    const char *texts[] = {unit_a};
    char *files[1];
    make_units("limits", texts, 1, files);
    char *so = path_in("limits/module.so");
    char *busy = path_in("limits/busy.sh"), *sleeper = path_in("limits/sleeper.sh"), *teller = path_in("limits/teller.sh");
    write_text(busy, "#!/bin/sh\nwhile :; do :; done\n", 0755);
    write_text(sleeper, "#!/bin/sh\nexec sleep 30\n", 0755);
    write_text(teller, "#!/bin/sh\necho \"cpu $(ulimit -t) memory $(ulimit -v)\" >&2\nexit 1\n", 0755);
    const rn_cc_limits one = {1, 300u << 20};
    runnel_report r = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(rn_cc_build(busy, NULL, files, 1, so, 1, &one, NULL, NULL, &r), RUNNEL_TOOL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_non_null(strstr(r.message, "SIGXCPU"));
    assert_non_null(strstr(r.message, "its limits: 1 s of CPU time and 300 MiB"));
    assert_true(t1.tv_sec - t0.tv_sec < 10);
    runnel_report_clear(&r);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(rn_cc_build(sleeper, NULL, files, 1, so, 1, &one, NULL, NULL, &r), RUNNEL_TOOL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_non_null(strstr(r.message, "was stopped after 2 s of wall-clock time"));
    assert_true(t1.tv_sec - t0.tv_sec >= 1 && t1.tv_sec - t0.tv_sec < 10);
    runnel_report_clear(&r);

    assert_int_equal(rn_cc_build(teller, NULL, files, 1, so, 1, &one, NULL, NULL, &r), RUNNEL_TOOL);
    assert_non_null(strstr(r.message, "cpu 1 memory 307200"));
    runnel_report_clear(&r);
    assert_int_equal(rn_cc_build(teller, NULL, files, 1, so, 1, NULL, NULL, NULL, &r), RUNNEL_TOOL); /* defaults */
    assert_non_null(strstr(r.message, "cpu 600 memory 4194304"));
    runnel_report_clear(&r);
    assert_false(exists(so));
    free_units(files, 1);
    free(so);
    free(busy);
    free(sleeper);
    free(teller);
}

/* At most `jobs` compilers run at once, and more than one does. */
static void test_jobs(void **state)
{
    (void)state;
    const char *texts[] = {unit_a, unit_b, "int c;\n", "int d;\n", "int e;\n"};
    char *files[5];
    make_units("jobs", texts, 5, files);
    char *so = path_in("jobs/module.so"), *cc = path_in("jobs/cc.sh"), *counts = path_in("jobs/counts");
    char *running = path_in("jobs/running"), script[1024];
    snprintf(script, sizeof script,
             "#!/bin/sh\nmkdir -p %s\n: > %s/$$\nls %s | wc -l >> %s\nsleep 0.3\nrm %s/$$\nexec cc \"$@\"\n",
             running, running, running, counts, running);
    write_text(cc, script, 0755);
    runnel_report r = {0};
    assert_int_equal(rn_cc_build(cc, NULL, files, 5, so, 2, NULL, NULL, NULL, &r), RUNNEL_OK);
    FILE *f = fopen(counts, "r");
    assert_non_null(f);
    int most = 0, lines = 0;
    for (int k; fscanf(f, "%d", &k) == 1; lines++)
        most = k > most ? k : most;
    fclose(f);
    assert_int_equal(lines, 6); /* five compiles and the link */
    assert_int_equal(most, 2);
    free_units(files, 5);
    free(so);
    free(cc);
    free(counts);
    free(running);
}

/* The caller's own children are not reaped by a build. */
static void test_other_children(void **state)
{
    (void)state;
    pid_t mine;
    char *argv[] = {"sleep", "1", NULL};
    assert_int_equal(posix_spawnp(&mine, "sleep", NULL, NULL, argv, environ), 0);
    const char *texts[] = {unit_a, unit_b};
    char *files[2];
    make_units("kids", texts, 2, files);
    char *so = path_in("kids/module.so");
    runnel_report r = {0};
    assert_int_equal(rn_cc_build("cc", NULL, files, 2, so, 2, NULL, NULL, NULL, &r), RUNNEL_OK);
    int st;
    assert_int_equal(waitpid(mine, &st, 0), mine);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    free_units(files, 2);
    free(so);
}

typedef struct build_arg {
    char *files[2];
    char *so;
    runnel_status st;
} build_arg;

static void *build_thread(void *p)
{
    build_arg *a = p;
    runnel_report r = {0};
    a->st = rn_cc_build("cc", "-O1", a->files, 2, a->so, 2, NULL, NULL, NULL, &r);
    runnel_report_clear(&r);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    const char *texts[] = {unit_a, unit_b};
    build_arg args[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        char sub[16];
        snprintf(sub, sizeof sub, "thread%d", i);
        make_units(sub, texts, 2, args[i].files);
        snprintf(sub, sizeof sub, "thread%d/m.so", i);
        args[i].so = path_in(sub);
        assert_int_equal(pthread_create(&t[i], NULL, build_thread, &args[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(args[i].st, RUNNEL_OK);
        void *lib = dlopen(args[i].so, RTLD_NOW | RTLD_LOCAL);
        assert_non_null(lib);
        int (*b)(void) = (int (*)(void))dlsym(lib, "rnx_b");
        assert_non_null(b);
        assert_int_equal(b(), 42);
        dlclose(lib);
        free_units(args[i].files, 2);
        free(args[i].so);
    }
}

/* ---------------------------------------------------------------- setup */

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_sha256_splits),
        cmocka_unit_test(test_sha256_speed),
        cmocka_unit_test(test_cache_dir),
        cmocka_unit_test(test_cc_identity),
        cmocka_unit_test(test_build_and_load),
        cmocka_unit_test(test_compile_error),
        cmocka_unit_test(test_link_error),
        cmocka_unit_test(test_no_compiler),
        cmocka_unit_test(test_odd_compilers),
        cmocka_unit_test(test_compiler_limits),
        cmocka_unit_test(test_jobs),
        cmocka_unit_test(test_other_children),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
