/*
 * test_plugins.c - every real Extism plugin in ../shared/extism-plugins, through the C API.
 *
 * Each test checks what the plugins' README (the Extism and Go SDK test suites, and what Extism's JS
 * SDK was observed to do) says the plugin does, exactly: outputs byte for byte, return codes, error
 * texts. Tests are named PLUGIN__CASE; CTest runs this program once per plugin (see CMakeLists.txt).
 * HTTP and the limits (timeout, oom, cancel) have their own programs.
 */
#include "plugin_test.h"

#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- host functions */

static runnel_status identity(runnel_current_plugin *cur, const runnel_val *args, size_t nargs, runnel_val *results,
                              size_t nresults, void *user)
{
    (void)cur, (void)nargs, (void)nresults, (void)user;
    results[0] = args[0];
    return RUNNEL_OK;
}

static runnel_status identity_set_error(runnel_current_plugin *cur, const runnel_val *args, size_t nargs,
                                        runnel_val *results, size_t nresults, void *user)
{
    (void)nargs, (void)nresults, (void)user;
    assert_int_equal(runnel_current_set_error(cur, "TEST", 4), RUNNEL_OK);
    results[0] = args[0];
    return RUNNEL_OK;
}

static runnel_status mult(runnel_current_plugin *cur, const runnel_val *args, size_t nargs, runnel_val *results,
                          size_t nresults, void *user)
{
    (void)cur, (void)nargs, (void)nresults, (void)user;
    results[0] = RUNNEL_I64(args[0].of.i64 * args[1].of.i64);
    return RUNNEL_OK;
}

/* go-sdk's to_upper: reads the block, frees it, returns a new one */
static runnel_status to_upper(runnel_current_plugin *cur, const runnel_val *args, size_t nargs, runnel_val *results,
                              size_t nresults, void *user)
{
    (void)nargs, (void)nresults, (void)user;
    size_t n;
    const uint8_t *in = runnel_current_block(cur, (uint64_t)args[0].of.i64, &n);
    if (!in)
        return runnel_current_fail(cur, "to_upper: bad handle %lld", (long long)args[0].of.i64);
    char *buf = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)(in[i] >= 'a' && in[i] <= 'z' ? in[i] - 32 : in[i]);
    runnel_current_free(cur, (uint64_t)args[0].of.i64);
    results[0] = RUNNEL_I64(runnel_current_alloc_bytes(cur, buf, n));
    free(buf);
    return RUNNEL_OK;
}

static runnel_status prefix(runnel_current_plugin *cur, const runnel_val *args, size_t nargs, runnel_val *results,
                            size_t nresults, void *user)
{
    (void)nargs, (void)nresults;
    const char *pre = user;
    size_t n, pn = strlen(pre);
    const uint8_t *in = runnel_current_block(cur, (uint64_t)args[0].of.i64, &n);
    char *buf = malloc(pn + n + 1);
    memcpy(buf, pre, pn);
    if (n)
        memcpy(buf + pn, in, n);
    results[0] = RUNNEL_I64(runnel_current_alloc_bytes(cur, buf, pn + n));
    free(buf);
    return RUNNEL_OK;
}

/* ---------------------------------------------------------------- extism/extism wasm/ */

static void code__count_vowels(void **state)
{
    (void)state;
    runnel_plugin *p = plugin_file("code.wasm", NULL);
    call_expect(p, "count_vowels", "this is a test", "{\"count\":4,\"total\":4,\"vowels\":\"aeiouAEIOU\"}");
    runnel_plugin_free(p);
    p = plugin_file("code.wasm", NULL);
    call_expect(p, "count_vowels", "abc123", "{\"count\":1,\"total\":1,\"vowels\":\"aeiouAEIOU\"}");
    runnel_plugin_free(p);
    p = plugin_file("code.wasm", NULL);
    call_expect(p, "count_vowels", "Hello, World!", "{\"count\":3,\"total\":3,\"vowels\":\"aeiouAEIOU\"}");
    runnel_plugin_free(p);
}

static void code__config_vowels(void **state)
{
    (void)state;
    runnel_plugin *p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"config\": {\"vowels\": "
                                                  "\"aeiouyAEIOUY\"}}",
                                            plugin_path("code.wasm"));
    call_expect(p, "count_vowels", "Yellow, World!", "{\"count\":4,\"total\":4,\"vowels\":\"aeiouyAEIOUY\"}");
    /* the host updates config between calls; null removes a key */
    runnel_report r = {0};
    const char *u1 = "{\"vowels\": \"o\"}", *u2 = "{\"vowels\": null}", *u3 = "{\"vowels\": 3}";
    assert_int_equal(runnel_plugin_config_update(p, u1, strlen(u1), &r), RUNNEL_OK);
    call_expect(p, "count_vowels", "Yellow, World!", "{\"count\":2,\"total\":6,\"vowels\":\"o\"}");
    assert_int_equal(runnel_plugin_config_update(p, u2, strlen(u2), &r), RUNNEL_OK);
    assert_null(runnel_plugin_config_get(p, "vowels"));
    call_expect(p, "count_vowels", "Yellow, World!", "{\"count\":3,\"total\":9,\"vowels\":\"aeiouAEIOU\"}");
    assert_int_equal(runnel_plugin_config_update(p, u3, strlen(u3), &r), RUNNEL_BADARG);
    assert_non_null(strstr(r.message, "vowels"));
    runnel_report_clear(&r);
    runnel_plugin_free(p);
}

static void code__vars_persist(void **state)
{
    (void)state;
    runnel_plugin *p = plugin_file("code.wasm", NULL);
    call_expect(p, "count_vowels", "this is a test", "{\"count\":4,\"total\":4,\"vowels\":\"aeiouAEIOU\"}");
    call_expect(p, "count_vowels", "this is a test", "{\"count\":4,\"total\":8,\"vowels\":\"aeiouAEIOU\"}");
    size_t n;
    const uint8_t *v = runnel_plugin_var_get(p, "total", 5, &n);
    assert_non_null(v);
    runnel_plugin_free(p);
    /* the Go SDK's test */
    p = plugin_file("go-sdk/count_vowels.wasm", NULL);
    call_expect(p, "count_vowels", "aaa", "{\"count\":3,\"total\":3,\"vowels\":\"aeiouAEIOU\"}");
    call_expect(p, "count_vowels", "bbba", "{\"count\":1,\"total\":4,\"vowels\":\"aeiouAEIOU\"}");
    runnel_plugin_free(p);
}

static void code__vars_limit(void **state)
{
    (void)state;
    /* count_vowels stores "total" = "1" (5 + 1 bytes, and Extism's 48 of bookkeeping): 53 bytes do not hold
       it, 54 do */
    runnel_plugin *p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_var_bytes\": 53}}",
                                            plugin_path("code.wasm"));
    call_fails(p, "count_vowels", "abc", -1, false, "Variable store is full");
    runnel_plugin_free(p);
    p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_var_bytes\": 54}}",
                             plugin_path("code.wasm"));
    call_expect(p, "count_vowels", "abc", "{\"count\":1,\"total\":1,\"vowels\":\"aeiouAEIOU\"}");
    runnel_plugin_free(p);
    p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_var_bytes\": 0}}",
                             plugin_path("code.wasm"));
    call_fails(p, "count_vowels", "abc", -1, false, "Vars are disabled by this host");
    runnel_plugin_free(p);
}

static void code__function_exists(void **state)
{
    (void)state;
    runnel_plugin *p = plugin_file("code.wasm", NULL);
    assert_true(runnel_plugin_function_exists(p, "count_vowels"));
    assert_false(runnel_plugin_function_exists(p, "nope"));
    call_fails(p, "nope", "x", -1, false, "Function not found: nope");
    runnel_plugin_free(p);
}

static void cli_test_code__same_as_code(void **state)
{
    (void)state;
    size_t a, b;
    uint8_t *x = read_all(plugin_path("cli-test-code.wasm"), &a), *y = read_all(plugin_path("code.wasm"), &b);
    assert_non_null(x);
    assert_non_null(y);
    assert_int_equal(a, b);
    assert_memory_equal(x, y, a);
    free(x);
    free(y);
    runnel_plugin *p = plugin_file("cli-test-code.wasm", NULL);
    call_expect(p, "count_vowels", "this is a test", "{\"count\":4,\"total\":4,\"vowels\":\"aeiouAEIOU\"}");
    runnel_plugin_free(p);
}

static void code_functions__identity_host_function(void **state)
{
    (void)state;
    runnel_plugin_function f = {NULL, "hello_world", "I", "I", identity, NULL, NULL};
    runnel_plugin_options o = {.wasi = true, .functions = &f, .nfunctions = 1};
    runnel_plugin *p = plugin_file("code-functions.wasm", &o);
    call_expect(p, "count_vowels", "this is a test", "{\"count\": 4}");
    call_expect(p, "count_vowels", "this is a test aaa", "{\"count\": 7}");
    const char *unit = "aeiouAEIOU____________________________________&smtms_y?";
    size_t ul = strlen(unit);
    char *big = malloc(ul * 1182 + 1);
    for (int i = 0; i < 1182; i++)
        memcpy(big + i * ul, unit, ul);
    big[ul * 1182] = 0;
    call_expect(p, "count_vowels", big, "{\"count\": 11820}");
    free(big);
    runnel_plugin_free(p);
}

static void code_functions__host_sets_error(void **state)
{
    (void)state;
    runnel_plugin_function f = {NULL, "hello_world", "I", "I", identity_set_error, NULL, NULL};
    runnel_plugin_options o = {.wasi = true, .functions = &f, .nfunctions = 1};
    runnel_plugin *p = plugin_file("code-functions.wasm", &o);
    assert_int_equal(runnel_plugin_call(p, "count_vowels", "this is a test", 14, NULL), 0);
    assert_string_equal(runnel_plugin_error(p), "TEST");
    runnel_plugin_free(p);
}

static void code_functions__needs_wasi_and_host_function(void **state)
{
    (void)state;
    char json[1024];
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\"}]}", plugin_path("code-functions.wasm"));
    char *e = load_error(NULL, json);
    assert_non_null(e);
    assert_non_null(strstr(e, "`extism:host/user::hello_world` has not been defined"));
    free(e);
    runnel_plugin_function f = {NULL, "hello_world", "I", "I", identity, NULL, NULL};
    runnel_plugin_options o = {.functions = &f, .nfunctions = 1};
    e = load_error(&o, json);
    assert_non_null(e);
    assert_non_null(strstr(e, "wasi_snapshot_preview1::"));
    assert_non_null(strstr(e, "enable WASI"));
    free(e);
    /* a host function of the wrong type */
    runnel_plugin_function g = {NULL, "hello_world", "i", "i", identity, NULL, NULL};
    runnel_plugin_options o2 = {.wasi = true, .functions = &g, .nfunctions = 1};
    e = load_error(&o2, json);
    assert_non_null(e);
    assert_non_null(strstr(e, "incompatible import type for `extism:host/user::hello_world`"));
    free(e);
}

static void globals__persist_across_calls(void **state)
{
    (void)state;
    runnel_plugin_options o = {.wasi = true};
    runnel_plugin *p = plugin_file("globals.wasm", &o);
    char want[64];
    for (int i = 0; i < 10001; i++) {
        snprintf(want, sizeof want, "{\"count\": %d}", i);
        call_expect(p, "globals", "", want);
    }
    runnel_plugin_free(p);
}

static void reflect__identity(void **state)
{
    (void)state;
    runnel_plugin_function f = {NULL, "host_reflect", "I", "I", identity, NULL, NULL};
    runnel_plugin_options o = {.functions = &f, .nfunctions = 1};
    runnel_plugin *p = plugin_file("reflect.wasm", &o);
    char *buf = malloc(65540 + 1);
    memset(buf, 'a', 65540);
    /* the Rust test goes through every length 1..65540: here every length to 300, and the lengths
       around powers of two and around Extism memory's page boundary */
    static const size_t big[] = {511, 512, 513, 1023, 1024, 4095, 4096, 4097, 16384, 32768, 65399, 65400,
                                 65401, 65535, 65536, 65537, 65539};
    for (size_t k = 0; k < 300 + sizeof big / sizeof big[0]; k++) {
        size_t i = k < 300 ? k + 1 : big[k - 300];
        buf[i] = 0;
        call_expect(p, "reflect", buf, buf);
        buf[i] = 'a';
    }
    free(buf);
    runnel_plugin_free(p);
}

static void upper__linked_as_host_functions(void **state)
{
    (void)state;
    /* runtime/examples/linking.rs: upper.wasm named extism:host/user supplies reflect's host_reflect */
    runnel_plugin *p = plugin_from_manifest(NULL,
                                            "{\"wasm\": [{\"path\": \"%s\", \"name\": \"extism:host/user\"}, {\"path\": "
                                            "\"%s\", \"name\": \"main\"}]}",
                                            plugin_path("upper.wasm"), plugin_path("reflect.wasm"));
    call_expect(p, "reflect", "Hello, world!", "HELLO, WORLD!");
    call_expect(p, "reflect", "abcdefghijklmnopqrstuvwxyz0123", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123");
    runnel_plugin_free(p);
    /* alone it is a library: its one function takes a parameter */
    p = plugin_file("upper.wasm", NULL);
    assert_false(runnel_plugin_function_exists(p, "host_reflect"));
    call_fails(p, "host_reflect", "x", -1, false, "Function host_reflect has 1 parameters, expected 0");
    runnel_plugin_free(p);
}

static void echo__echo(void **state)
{
    (void)state;
    runnel_plugin *p = plugin_file("echo.wasm", NULL);
    call_expect(p, "echo", "Hello, world!", "Hello, world!");
    call_expect(p, "echo", "0123456789abcdef0123456789", "0123456789abcdef0123456789");
    runnel_plugin_free(p);
}

static void consume__no_output(void **state)
{
    (void)state;
    runnel_plugin *p = plugin_file("consume.wasm", NULL);
    call_expect(p, "consume", "Hello, world! and some more input", "");
    runnel_plugin_free(p);
}

static void allocations__ok(void **state)
{
    (void)state;
    runnel_plugin *p = plugin_file("allocations.wasm", NULL);
    call_expect(p, "allocations", "", "");
    call_expect(p, "allocations", "", "");
    runnel_plugin_free(p);
}

typedef struct log_capture {
    int n;
    runnel_log_level levels[16];
    char msgs[16][64];
} log_capture;

static void capture_log(void *user, runnel_log_level level, const char *name, const char *msg, size_t len)
{
    (void)name;
    log_capture *c = user;
    if (c->n < 16) {
        c->levels[c->n] = level;
        snprintf(c->msgs[c->n], sizeof c->msgs[c->n], "%.*s", (int)len, msg);
        c->n++;
    }
}

static void empty__empty_output(void **state)
{
    (void)state;
    log_capture logs = {0};
    runnel_plugin_options o = {.has_log_level = true, .log_level = RUNNEL_LOG_TRACE, .log_fn = capture_log,
                               .log_user = &logs};
    runnel_plugin *p = plugin_file("empty.wasm", &o);
    call_expect(p, "test", "", "");
    size_t n = 99;
    runnel_plugin_output(p, &n);
    assert_int_equal(n, 0);
    /* one info log with an empty message, as observed in Extism's JS SDK */
    int infos = 0;
    for (int i = 0; i < logs.n; i++)
        if (logs.levels[i] == RUNNEL_LOG_INFO && logs.msgs[i][0] == 0)
            infos++;
    assert_int_equal(infos, 1);
    runnel_plugin_free(p);
}

static void unreachable__trap_rc_134(void **state)
{
    (void)state;
    runnel_plugin_options o = {.wasi = true};
    runnel_plugin *p = plugin_file("unreachable.wasm", &o);
    call_fails(p, "do_unreachable", "", 134, false, "unreachable");
    /* the plugin stays usable after a trap */
    call_fails(p, "do_unreachable", "", 134, false, "unreachable");
    runnel_plugin_free(p);
}

/* A private copy of testdata/, since some tests write to it. */
static char *testdata_copy(void)
{
    char *dir = strdup("/tmp/runnel-plugin-test-XXXXXX");
    assert_non_null(mkdtemp(dir));
    const char *files[] = {"data.txt", "test.txt"};
    for (int i = 0; i < 2; i++) {
        size_t n;
        char src[1024], dst[1024];
        snprintf(src, sizeof src, "%s/extism-plugins/testdata/%s", shared_dir(), files[i]);
        snprintf(dst, sizeof dst, "%s/%s", dir, files[i]);
        uint8_t *b = read_all(src, &n);
        assert_non_null(b);
        FILE *f = fopen(dst, "wb");
        assert_non_null(f);
        fwrite(b, 1, n, f);
        fclose(f);
        free(b);
    }
    return dir;
}

static void remove_copy(char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/data.txt", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/test.txt", dir);
    unlink(path);
    rmdir(dir);
    free(dir);
}

static void read_write__read_only_mount(void **state)
{
    (void)state;
    runnel_plugin_options o = {.wasi = true};
    runnel_plugin *p = plugin_from_manifest(&o,
                                            "{\"wasm\": [{\"path\": \"%s\"}], \"allowed_paths\": {\"ro:%s/extism-plugins/"
                                            "testdata\": \"/data\"}, \"config\": {\"path\": \"/data/data.txt\"}}",
                                            plugin_path("read_write.wasm"), shared_dir());
    call_expect(p, "try_read", "", "hello world!");
    call_fails(p, "try_write", "hello world 2", 0, true, "Failed to write file");
    call_expect(p, "try_read", "", "hello world!");
    runnel_plugin_free(p);
}

static void read_write__read_write_mount(void **state)
{
    (void)state;
    char *dir = testdata_copy();
    runnel_plugin_options o = {.wasi = true};
    runnel_plugin *p = plugin_from_manifest(&o,
                                            "{\"wasm\": [{\"path\": \"%s\"}], \"allowed_paths\": {\"%s\": \"/data\"}, "
                                            "\"config\": {\"path\": \"/data/data.txt\"}}",
                                            plugin_path("read_write.wasm"), dir);
    call_expect(p, "try_write", "hello world 2", "hello world!hello world 2");
    call_expect(p, "try_read", "", "hello world!hello world 2");
    runnel_plugin_free(p);
    remove_copy(dir);
}

static void read_write__no_preopen(void **state)
{
    (void)state;
    runnel_plugin_options o = {.wasi = true};
    runnel_plugin *p = plugin_from_manifest(&o, "{\"wasm\": [{\"path\": \"%s\"}], \"config\": {\"path\": \"/data/data.txt\"}}",
                                            plugin_path("read_write.wasm"));
    call_fails(p, "try_read", "", 0, true,
               "Failed to read file: failed to find a pre-opened file descriptor through which \"/data/data.txt\" "
               "could be opened");
    runnel_plugin_free(p);
}

static void extism_runtime__not_a_plugin(void **state)
{
    (void)state;
    /* Extism's kernel: loads (it imports nothing) but exports no plugin function */
    runnel_plugin *p = plugin_file("extism-runtime.wasm", NULL);
    assert_false(runnel_plugin_function_exists(p, "alloc"));
    call_fails(p, "alloc", "", -1, false, "Function alloc has 1 parameters, expected 0");
    call_fails(p, "count_vowels", "", -1, false, "Function not found: count_vowels");
    runnel_plugin_free(p);
}

/* ---------------------------------------------------------------- extism/go-sdk wasm/ */

static runnel_plugin *go(const char *name, const runnel_plugin_function *f, size_t nf)
{
    char rel[256];
    snprintf(rel, sizeof rel, "go-sdk/%s", name);
    runnel_plugin_options o = {.wasi = true, .functions = f, .nfunctions = nf};
    return plugin_file(rel, &o);
}

static void go_alloc__ok(void **state)
{
    (void)state;
    runnel_plugin *p = go("alloc.wasm", NULL, 0);
    call_expect(p, "run_test", "", "");
    runnel_plugin_free(p);
}

static void go_fail__rc_1(void **state)
{
    (void)state;
    runnel_plugin *p = go("fail.wasm", NULL, 0);
    assert_int_equal(runnel_plugin_call(p, "run_test", NULL, 0, NULL), 1);
    assert_string_equal(runnel_plugin_error(p), "Some error message");
    runnel_plugin_free(p);
}

static void go_hello__hello(void **state)
{
    (void)state;
    runnel_plugin *p = go("hello.wasm", NULL, 0);
    call_expect(p, "run_test", "", "Hello, world!");
    runnel_plugin_free(p);
}

static void go_config__set_and_unset(void **state)
{
    (void)state;
    runnel_plugin *p = go("config.wasm", NULL, 0);
    call_expect(p, "run_test", "", "{\"config\": \"<unset by host>\"}");
    assert_int_equal(runnel_plugin_config_set(p, "thing", "hello"), RUNNEL_OK);
    call_expect(p, "run_test", "", "{\"config\": \"hello\"}");
    runnel_plugin_free(p);
}

static void go_count_vowels__count(void **state)
{
    (void)state;
    runnel_plugin *p = go("count_vowels.wasm", NULL, 0);
    call_expect(p, "count_vowels", "hello world", "{\"count\":3,\"total\":3,\"vowels\":\"aeiouAEIOU\"}");
    runnel_plugin_free(p);
}

static void go_count_vowels_std__command(void **state)
{
    (void)state;
    runnel_plugin *p = go("count_vowels_std.wasm", NULL, 0);
    call_expect(p, "_start", "hello world", "{\"count\": 3, \"config\": \"<unset by host>\", \"a\": \"this is var a\"}");
    /* after _start the plugin starts over: same answer again */
    call_expect(p, "_start", "hello world", "{\"count\": 3, \"config\": \"<unset by host>\", \"a\": \"this is var a\"}");
    runnel_plugin_free(p);
}

static void go_std_command__start(void **state)
{
    (void)state;
    runnel_plugin *p = go("std_command.wasm", NULL, 0);
    call_expect(p, "_start", "ben", "hello ben");
    call_expect(p, "_start", "jo", "hello jo");
    runnel_plugin_free(p);
}

static void go_exit__codes(void **state)
{
    (void)state;
    const struct {
        const char *config;
        int32_t rc;
    } cases[] = {{"-1", -1}, {"500", 500}, {"abc", 1}, {NULL, 2}};
    for (size_t i = 0; i < 4; i++) {
        runnel_plugin *p = go("exit.wasm", NULL, 0);
        if (cases[i].config)
            runnel_plugin_config_set(p, "code", cases[i].config);
        int32_t rc = runnel_plugin_call(p, "_start", NULL, 0, NULL);
        assert_int_equal(rc, cases[i].rc);
        assert_non_null(runnel_plugin_error(p));
        runnel_plugin_free(p);
    }
}

static void go_fs__read(void **state)
{
    (void)state;
    runnel_plugin_options o = {.wasi = true};
    runnel_plugin *p = plugin_from_manifest(&o, "{\"wasm\": [{\"path\": \"%s\"}], \"allowed_paths\": {\"%s/extism-plugins/"
                                                "testdata\": \"/mnt\"}}",
                                            plugin_path("go-sdk/fs.wasm"), shared_dir());
    call_expect(p, "run_test", "", "hello world!");
    runnel_plugin_free(p);
    /* relative host paths are relative to the base directory */
    char base[1024];
    snprintf(base, sizeof base, "%s/extism-plugins", shared_dir());
    runnel_plugin_options ob = {.wasi = true, .base_dir = base};
    p = plugin_from_manifest(&ob, "{\"wasm\": [{\"path\": \"go-sdk/fs.wasm\"}], \"allowed_paths\": {\"testdata\": \"/mnt\"}}");
    call_expect(p, "run_test", "", "hello world!");
    runnel_plugin_free(p);
}

static void go_fs_std__read(void **state)
{
    (void)state;
    runnel_plugin_options o = {.wasi = true};
    runnel_plugin *p = plugin_from_manifest(&o, "{\"wasm\": [{\"path\": \"%s\"}], \"allowed_paths\": {\"%s/extism-plugins/"
                                                "testdata\": \"/mnt\"}}",
                                            plugin_path("go-sdk/fs_std.wasm"), shared_dir());
    call_expect(p, "run_test", "", "hello world!");
    runnel_plugin_free(p);
}

static void go_read_write__read_only(void **state)
{
    (void)state;
    runnel_plugin_options o = {.wasi = true};
    runnel_plugin *p = plugin_from_manifest(&o, "{\"wasm\": [{\"path\": \"%s\"}], \"allowed_paths\": {\"ro:%s/extism-plugins/"
                                                "testdata\": \"/mnt\"}, \"config\": {\"path\": \"/mnt/test.txt\"}}",
                                            plugin_path("go-sdk/read_write.wasm"), shared_dir());
    call_expect(p, "try_read", "", "hello world!");
    call_fails(p, "try_write", "hello hello!", 0, true, "Failed to write file");
    runnel_plugin_free(p);
}

static void go_host__mult(void **state)
{
    (void)state;
    runnel_plugin_function f = {NULL, "mult", "II", "I", mult, NULL, NULL};
    runnel_plugin *p = go("host.wasm", &f, 1);
    call_expect(p, "run_test", "", "42 x 2 = 84");
    runnel_plugin_free(p);
}

static void go_host_memory__to_upper(void **state)
{
    (void)state;
    runnel_plugin_function f = {"host", "to_upper", "I", "I", to_upper, NULL, NULL};
    runnel_plugin *p = go("host_memory.wasm", &f, 1);
    call_expect(p, "run_test", "Frodo", "HELLO FRODO!");
    runnel_plugin_free(p);
}

static void go_host_multiple__green_purple(void **state)
{
    (void)state;
    runnel_plugin_function f[] = {
        {NULL, "hostPurpleMessage", "I", "I", prefix, "\xf0\x9f\x9f\xa3:", NULL},
        {NULL, "hostGreenMessage", "I", "I", prefix, "\xf0\x9f\x9f\xa2:", NULL},
    };
    runnel_plugin *p = go("host_multiple.wasm", f, 2);
    call_expect(p, "say_green", "John Doe", "\xf0\x9f\x9f\xa2:\xf0\x9f\xab\xb1 Hey from say_green John Doe");
    call_expect(p, "say_purple", "Jane Doe", "\xf0\x9f\x9f\xa3:\xf0\x9f\x91\x8b Hello from say_purple Jane Doe");
    runnel_plugin_free(p);
}

static void go_input_offset__length(void **state)
{
    (void)state;
    runnel_plugin *p = go("input_offset.wasm", NULL, 0);
    assert_int_equal(runnel_plugin_call(p, "input_offset_length", "hello world", 11, NULL), 0);
    size_t n;
    const uint8_t *out = runnel_plugin_output(p, &n);
    assert_int_equal(n, 8);
    assert_memory_equal(out, "\x0b\0\0\0\0\0\0\0", 8);
    runnel_plugin_free(p);
}

static void go_log__levels(void **state)
{
    (void)state;
    static const char *const msgs[] = {"this is a trace log", "this is a debug log", "this is an info log",
                                       "this is a warning log", "this is an error log"};
    log_capture logs = {0};
    runnel_plugin_options o = {.wasi = true, .has_log_level = true, .log_level = RUNNEL_LOG_TRACE,
                               .log_fn = capture_log, .log_user = &logs};
    runnel_plugin *p = plugin_file("go-sdk/log.wasm", &o);
    call_expect(p, "run_test", "", "");
    assert_int_equal(logs.n, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(logs.levels[i], (runnel_log_level)i);
        assert_string_equal(logs.msgs[i], msgs[i]);
    }
    /* at warn only warnings and errors come through */
    logs.n = 0;
    runnel_plugin_set_log_level(p, RUNNEL_LOG_WARN);
    call_expect(p, "run_test", "", "");
    assert_int_equal(logs.n, 2);
    assert_string_equal(logs.msgs[0], msgs[3]);
    assert_string_equal(logs.msgs[1], msgs[4]);
    /* off: nothing */
    logs.n = 0;
    runnel_plugin_set_log_level(p, RUNNEL_LOG_OFF);
    call_expect(p, "run_test", "", "");
    assert_int_equal(logs.n, 0);
    runnel_plugin_free(p);
}

static void go_var__preset_and_double(void **state)
{
    (void)state;
    runnel_plugin *p = go("var.wasm", NULL, 0);
    /* the Go test's value: a little-endian u32 (its uintToLEBytes) */
    uint8_t ten[4] = {10, 0, 0, 0};
    assert_int_equal(runnel_plugin_var_set(p, "a", 1, ten, 4), RUNNEL_OK);
    assert_int_equal(runnel_plugin_call(p, "run_test", NULL, 0, NULL), 0);
    size_t n;
    const uint8_t *v = runnel_plugin_var_get(p, "a", 1, &n);
    assert_int_equal(n, 4);
    assert_int_equal(v[0], 20);
    assert_int_equal(runnel_plugin_call(p, "run_test", NULL, 0, NULL), 0);
    v = runnel_plugin_var_get(p, "a", 1, &n);
    assert_int_equal(v[0], 40);
    runnel_plugin_free(p);
    /* no preset: Extism's JS SDK printed "a: 0" */
    p = go("var.wasm", NULL, 0);
    call_expect(p, "run_test", "", "a: 0");
    runnel_plugin_free(p);
}

static void go_var__disabled(void **state)
{
    (void)state;
    runnel_plugin_options o = {.wasi = true};
    runnel_plugin *p = plugin_from_manifest(&o, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_var_bytes\": 0}}",
                                            plugin_path("go-sdk/var.wasm"));
    uint8_t ten[4] = {10};
    assert_int_equal(runnel_plugin_var_set(p, "a", 1, ten, 4), RUNNEL_OK);
    call_fails(p, "run_test", "", -1, false, "Vars are disabled by this host");
    runnel_plugin_free(p);
}

static void go_sleep__zero_and_timeout(void **state)
{
    (void)state;
    runnel_plugin_options o = {.wasi = true};
    runnel_plugin *p = plugin_from_manifest(&o, "{\"wasm\": [{\"path\": \"%s\"}], \"config\": {\"duration\": \"0\"}}",
                                            plugin_path("go-sdk/sleep.wasm"));
    call_expect(p, "run_test", "", "slept for 0 seconds");
    runnel_plugin_free(p);
    p = plugin_from_manifest(&o, "{\"wasm\": [{\"path\": \"%s\"}], \"config\": {\"duration\": \"3\"}, \"timeout_ms\": 100}",
                             plugin_path("go-sdk/sleep.wasm"));
    double t0 = now_ms();
    call_fails(p, "run_test", "", 134, false, "timeout");
    double took = now_ms() - t0;
    assert_true(took < 1000); /* the sleep is interrupted, not waited out */
    runnel_plugin_free(p);
}

static void go_hello_haskell__greeting(void **state)
{
    (void)state;
    char json[1024];
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\"}], \"config\": {\"greeting\": \"Howdy\"}}",
             plugin_path("go-sdk/hello_haskell.wasm"));
    log_capture logs = {0};
    runnel_plugin_options o = {.wasi = true, .has_log_level = true, .log_level = RUNNEL_LOG_TRACE,
                               .log_fn = capture_log, .log_user = &logs};
    runnel_report r = {0};
    /* GHC's output uses SIMD (v128 locals and 0xFD instructions): this loads only with SIMD support */
    runnel_plugin *p = runnel_plugin_new(json, strlen(json), &o, &r);
    if (!p)
        fail_msg("%s", r.message);
    call_expect(p, "testing", "John", "Howdy, John");
    runnel_plugin_free(p);
}

static void go_lib_main__linking(void **state)
{
    (void)state;
    runnel_plugin_options o = {.wasi = true};
    runnel_plugin *p = plugin_from_manifest(&o,
                                            "{\"wasm\": [{\"path\": \"%s\", \"name\": \"lib\"}, {\"path\": \"%s\", "
                                            "\"name\": \"main\"}]}",
                                            plugin_path("go-sdk/lib.wasm"), plugin_path("go-sdk/main.wasm"));
    for (int i = 0; i < 3; i++)
        call_expect(p, "run_test", "benjamin", "Hello, BENJAMIN");
    runnel_plugin_free(p);
    /* several plugins from one compiled plugin (the Go SDK's multiple-instances test) */
    char json[1024];
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\", \"name\": \"lib\"}, {\"path\": \"%s\"}]}",
             plugin_path("go-sdk/lib.wasm"), plugin_path("go-sdk/main.wasm"));
    runnel_report r = {0};
    runnel_compiled_plugin *c = runnel_compiled_plugin_new(json, strlen(json), &o, &r);
    assert_non_null(c);
    runnel_plugin *ps[3];
    for (int i = 0; i < 3; i++)
        assert_non_null(ps[i] = runnel_plugin_new_from_compiled(c, &r));
    runnel_compiled_plugin_free(c); /* the plugins keep it alive */
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 3; i++)
            call_expect(ps[i], "run_test", "benjamin", "Hello, BENJAMIN");
    for (int i = 0; i < 3; i++)
        runnel_plugin_free(ps[i]);
}

static void go_noop__ok(void **state)
{
    (void)state;
    runnel_plugin *p = go("noop.wasm", NULL, 0);
    call_expect(p, "run_test", "", "");
    runnel_plugin_free(p);
}

static void go_println__output(void **state)
{
    (void)state;
    /* it prints to WASI stdout, which a plugin's host discards unless asked (the CLI test sees it) */
    runnel_plugin *p = go("println.wasm", NULL, 0);
    call_expect(p, "run_test", "", "");
    runnel_plugin_free(p);
}

static void go_replace__echo(void **state)
{
    (void)state;
    runnel_plugin *p = go("replace.wasm", NULL, 0);
    call_expect(p, "run_test", "hello world", "hello world");
    runnel_plugin_free(p);
}

static void go_nested_instr__needs_observe(void **state)
{
    (void)state;
    /* instrumented for the observe SDK: it imports functions no plain host has */
    char json[1024];
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\"}]}", plugin_path("go-sdk/nested.c.instr.wasm"));
    runnel_plugin_options o = {.wasi = true};
    char *e = load_error(&o, json);
    assert_non_null(e);
    assert_non_null(strstr(e, "unknown import: `dylibso_observe::instrument_enter` has not been defined"));
    free(e);
}

static void go_http__denied(void **state)
{
    (void)state;
    runnel_plugin *p = go("http.wasm", NULL, 0);
    call_fails(p, "run_test", "", -1, false,
               "HTTP request to https://jsonplaceholder.typicode.com/todos/1 is not allowed");
    runnel_plugin_free(p);
    runnel_plugin_options o = {.wasi = true};
    p = plugin_from_manifest(&o, "{\"wasm\": [{\"path\": \"%s\"}], \"allowed_hosts\": [\"google.*\"]}",
                             plugin_path("go-sdk/http.wasm"));
    call_fails(p, "run_test", "", -1, false,
               "HTTP request to https://jsonplaceholder.typicode.com/todos/1 is not allowed");
    runnel_plugin_free(p);
}

/* ---------------------------------------------------------------- the calling convention (wat/init_*.wat) */

static runnel_plugin *wat_plugin(const char *name)
{
    return plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}]}", wat(name));
}

static void convention__initialisers(void **state)
{
    (void)state;
    if (!have_wat("init_haskell"))
        skip();
    /* Haskell: _initialize, then hs_init(0, 0); once, however many calls */
    runnel_plugin *p = wat_plugin("init_haskell");
    for (int i = 0; i < 3; i++)
        call_expect(p, "check", "", "");
    runnel_plugin_free(p);
    /* __wasm_call_ctors wins over _initialize */
    p = wat_plugin("init_ctors");
    call_expect(p, "check", "", "");
    call_expect(p, "check", "", "");
    runnel_plugin_free(p);
    /* a reactor: _initialize once; globals persist; _start means a new instance next time */
    p = wat_plugin("init_reactor");
    call_expect(p, "check", "", "");
    assert_int_equal(runnel_plugin_call(p, "bump", NULL, 0, NULL), 0);
    assert_int_equal(runnel_plugin_call(p, "bump", NULL, 0, NULL), 1);
    call_expect(p, "_start", "", "");
    call_expect(p, "check", "", ""); /* not 999: initialised anew */
    assert_int_equal(runnel_plugin_call(p, "bump", NULL, 0, NULL), 0);
    runnel_plugin_free(p);
    /* an initialiser that traps fails every call, naming it; the host's rc is -1 */
    p = wat_plugin("init_trap");
    call_fails(p, "check", "", -1, false, "failed to initialize wasi runtime: unreachable");
    call_fails(p, "check", "", -1, false, "failed to initialize wasi runtime: unreachable");
    runnel_plugin_free(p);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(code__count_vowels),
        cmocka_unit_test(code__config_vowels),
        cmocka_unit_test(code__vars_persist),
        cmocka_unit_test(code__vars_limit),
        cmocka_unit_test(code__function_exists),
        cmocka_unit_test(cli_test_code__same_as_code),
        cmocka_unit_test(code_functions__identity_host_function),
        cmocka_unit_test(code_functions__host_sets_error),
        cmocka_unit_test(code_functions__needs_wasi_and_host_function),
        cmocka_unit_test(globals__persist_across_calls),
        cmocka_unit_test(reflect__identity),
        cmocka_unit_test(upper__linked_as_host_functions),
        cmocka_unit_test(echo__echo),
        cmocka_unit_test(consume__no_output),
        cmocka_unit_test(allocations__ok),
        cmocka_unit_test(empty__empty_output),
        cmocka_unit_test(unreachable__trap_rc_134),
        cmocka_unit_test(read_write__read_only_mount),
        cmocka_unit_test(read_write__read_write_mount),
        cmocka_unit_test(read_write__no_preopen),
        cmocka_unit_test(extism_runtime__not_a_plugin),
        cmocka_unit_test(go_alloc__ok),
        cmocka_unit_test(go_fail__rc_1),
        cmocka_unit_test(go_hello__hello),
        cmocka_unit_test(go_config__set_and_unset),
        cmocka_unit_test(go_count_vowels__count),
        cmocka_unit_test(go_count_vowels_std__command),
        cmocka_unit_test(go_std_command__start),
        cmocka_unit_test(go_exit__codes),
        cmocka_unit_test(go_fs__read),
        cmocka_unit_test(go_fs_std__read),
        cmocka_unit_test(go_read_write__read_only),
        cmocka_unit_test(go_host__mult),
        cmocka_unit_test(go_host_memory__to_upper),
        cmocka_unit_test(go_host_multiple__green_purple),
        cmocka_unit_test(go_input_offset__length),
        cmocka_unit_test(go_log__levels),
        cmocka_unit_test(go_var__preset_and_double),
        cmocka_unit_test(go_var__disabled),
        cmocka_unit_test(go_sleep__zero_and_timeout),
        cmocka_unit_test(go_hello_haskell__greeting),
        cmocka_unit_test(go_lib_main__linking),
        cmocka_unit_test(go_noop__ok),
        cmocka_unit_test(go_println__output),
        cmocka_unit_test(go_replace__echo),
        cmocka_unit_test(go_nested_instr__needs_observe),
        cmocka_unit_test(go_http__denied),
        cmocka_unit_test(convention__initialisers),
    };
    RUN_FILTERED(tests, argc, argv);
}
