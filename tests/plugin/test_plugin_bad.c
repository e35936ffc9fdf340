/*
 * test_plugin_bad.c - bad input gives a clear error naming the cause, and never a crash.
 *
 * Truncated and invalid modules, manifests with unknown fields or wrong types, a wrong hash, missing
 * imports and exports, wasm in the text format, grants of directories that do not exist, duplicate
 * module names, re-entrant calls. Each error is checked for the words that name the cause.
 */
#include "plugin_test.h"
#include "plugin_impl.h" /* rn_manifest_check */

static void expect_load_error(const runnel_plugin_options *o, const char *json, const char *want)
{
    char *e = load_error(o, json);
    if (!e)
        fail_msg("loaded, want an error containing '%s'\nmanifest: %s", want, json);
    if (!strstr(e, want))
        fail_msg("error '%s' does not contain '%s'", e, want);
    free(e);
}

static void expect_bytes_error(const uint8_t *b, size_t n, const char *want)
{
    runnel_report r = {0};
    runnel_plugin *p = runnel_plugin_new(b, n, NULL, &r);
    if (p)
        fail_msg("loaded, want an error containing '%s'", want);
    if (!r.message || !strstr(r.message, want))
        fail_msg("error '%s' does not contain '%s'", r.message ? r.message : "(none)", want);
    runnel_report_clear(&r);
}

static void bad_input__modules(void **state)
{
    (void)state;
    size_t n;
    uint8_t *code = read_all(plugin_path("code.wasm"), &n);
    assert_non_null(code);
    /* truncated at several points: always malformed, never a crash */
    static const size_t cuts[] = {4, 7, 9, 100, 1000, 50000, 1000000}; /* (8 bytes: a valid empty module) */
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
        expect_bytes_error(code, cuts[i], "module main: malformed");
    /* a flipped byte in the code section: malformed or invalid, with an offset */
    code[n / 2] ^= 0xFF;
    runnel_report r = {0};
    runnel_plugin *p = runnel_plugin_new(code, n, NULL, &r);
    if (p) { /* the flip may happen to leave a valid module; then it must still run safely */
        runnel_plugin_call(p, "count_vowels", "abc", 3, NULL);
        runnel_plugin_free(p);
    } else
        assert_non_null(strstr(r.message, "at offset 0x"));
    runnel_report_clear(&r);
    free(code);
    /* not wasm, not a manifest */
    expect_bytes_error((const uint8_t *)"\0asn\1\0\0\0", 8, "");
    expect_bytes_error((const uint8_t *)"hello", 5, "manifest: not valid JSON");
    expect_bytes_error((const uint8_t *)"", 0, "empty plugin");
    const char *wat = "(module (func (export \"f\")))";
    expect_bytes_error((const uint8_t *)wat, strlen(wat), "text format");
    /* an invalid module from the spec suite (assert_invalid: type mismatch) */
    char path[1024];
    snprintf(path, sizeof path, "%s/wasm-testsuite/json/i32.1.wasm", shared_dir());
    uint8_t *inv = read_all(path, &n);
    if (inv) {
        expect_bytes_error(inv, n, "module main: invalid module");
        free(inv);
    }
}

static void bad_input__manifests(void **state)
{
    (void)state;
    char json[2048];
    const char *code = plugin_path("code.wasm");
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\"}], \"timeout\": 5}", code);
    expect_load_error(NULL, json, "unknown field `timeout` in the manifest");
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_page\": 5}}", code);
    expect_load_error(NULL, json, "unknown field `max_page` in memory");
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\", \"sha\": \"x\"}]}", code);
    expect_load_error(NULL, json, "unknown field `sha` in wasm[0]");
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\"}], \"timeout_ms\": \"soon\"}", code);
    expect_load_error(NULL, json, "`timeout_ms` must be an integer");
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\"}], \"config\": {\"a\": 1}}", code);
    expect_load_error(NULL, json, "`config`.`a` must be a string");
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\"}], \"allowed_hosts\": \"*\"}", code);
    expect_load_error(NULL, json, "`allowed_hosts` must be an array");
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\"}], \"wasm\": []}", code);
    expect_load_error(NULL, json, "not valid JSON"); /* duplicate key */
    expect_load_error(NULL, "{\"wasm\": []}", "No wasm files specified in Extism manifest");
    expect_load_error(NULL, "{}", "No wasm files specified in Extism manifest");
    expect_load_error(NULL, "[1, 2]", "must be a JSON object");
    expect_load_error(NULL, "{\"wasm\": [{}]}", "needs exactly one of `path`, `data` or `url`");
    expect_load_error(NULL, "{\"wasm\": [{\"path\": \"/nonexistent/x.wasm\"}]}",
                      "Unable to load Wasm file \"/nonexistent/x.wasm\"");
    expect_load_error(NULL, "{\"wasm\": [{\"data\": \"not base64!\"}]}", "not valid base64");
    expect_load_error(NULL, "{\"wasm\": [{\"data\": {\"ptr\": 1, \"len\": 2}}]}", "not supported");
    expect_load_error(NULL, "{\"wasm\": [{\"url\": \"http://127.0.0.1:9/x.wasm\"}]}", "is not allowed by this host");
    /* a bad hash: Extism's message, with the real hash */
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\", \"hash\": \"%064d\"}]}", code, 0);
    char *e = load_error(NULL, json);
    assert_non_null(e);
    assert_non_null(strstr(e, "Hash mismatch, found "));
    assert_non_null(strstr(e, " but expected 0000000000000000000000000000000000000000000000000000000000000000"));
    /* the right hash (the one the message reported) loads */
    char found[65];
    assert_int_equal(sscanf(strstr(e, "found ") + 6, "%64[0-9a-f]", found), 1);
    free(e);
    runnel_plugin *p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\", \"hash\": \"%s\"}]}", code, found);
    call_expect(p, "count_vowels", "aei", "{\"count\":3,\"total\":3,\"vowels\":\"aeiouAEIOU\"}");
    runnel_plugin_free(p);
    /* duplicate module names */
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\", \"name\": \"a\"}, {\"path\": \"%s\", \"name\": \"a\"}, "
                                "{\"path\": \"%s\"}]}", code, code, code);
    expect_load_error(NULL, json, "Duplicate module name found in Extism manifest: a");
    /* a grant of a directory that does not exist fails at load, not at the first call */
    runnel_plugin_options o = {.wasi = true};
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\"}], \"allowed_paths\": {\"/nonexistent/dir\": \"/d\"}}",
             plugin_path("go-sdk/fs.wasm"));
    expect_load_error(&o, json, "allowed_paths: cannot grant /nonexistent/dir as /d");
}

static void bad_input__base64_source(void **state)
{
    (void)state;
    /* echo.wasm inline as base64: a whole plugin in the manifest */
    size_t n;
    uint8_t *b = read_all(plugin_path("echo.wasm"), &n);
    assert_non_null(b);
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *enc = malloc(n * 2 + 8), *json = malloc(n * 2 + 64);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t w = (uint32_t)b[i] << 16 | (i + 1 < n ? (uint32_t)b[i + 1] << 8 : 0) | (i + 2 < n ? b[i + 2] : 0);
        enc[o++] = A[w >> 18 & 63];
        enc[o++] = A[w >> 12 & 63];
        enc[o++] = i + 1 < n ? A[w >> 6 & 63] : '=';
        enc[o++] = i + 2 < n ? A[w & 63] : '=';
    }
    enc[o] = 0;
    sprintf(json, "{\"wasm\": [{\"data\": \"%s\", \"name\": \"echo\"}]}", enc);
    runnel_report r = {0};
    runnel_plugin *p = runnel_plugin_new(json, strlen(json), NULL, &r);
    assert_non_null(p);
    call_expect(p, "echo", "Hello, world!", "Hello, world!");
    runnel_plugin_free(p);
    free(enc);
    free(json);
    free(b);
}

static void bad_input__imports_and_exports(void **state)
{
    (void)state;
    char json[1024];
    runnel_plugin_options wasi = {.wasi = true};
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\"}]}", plugin_path("go-sdk/host.wasm"));
    expect_load_error(&wasi, json,
                      "module main: unknown import: `extism:host/user::mult` has not been defined (function (i64, "
                      "i64) -> i64)");
    /* WASI imports without WASI */
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\"}]}", plugin_path("go-sdk/fs.wasm"));
    expect_load_error(NULL, json, "`wasi_snapshot_preview1::fd_write` has not been defined");
    /* linking: a module that lacks what another imports */
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\", \"name\": \"lib\"}, {\"path\": \"%s\"}]}",
             plugin_path("echo.wasm"), plugin_path("go-sdk/main.wasm"));
    expect_load_error(&wasi, json, "module main: unknown import: `lib::");
    /* a missing export is an error of the call, not of the load */
    runnel_plugin *p = plugin_file("echo.wasm", NULL);
    call_fails(p, "missing", "x", -1, false, "Function not found: missing");
    call_fails(p, "", "x", -1, false, "Function not found: ");
    call_fails(p, "memory", "x", -1, false, "Function not found: memory"); /* an export, but not a function */
    runnel_plugin_free(p);
    /* host functions with bad type letters are refused */
    runnel_plugin_function f = {NULL, "f", "Q", "", NULL, NULL, NULL};
    runnel_plugin_options bad = {.functions = &f, .nfunctions = 1};
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\"}]}", plugin_path("echo.wasm"));
    expect_load_error(&bad, json, "host function 0 (f)");
}

static runnel_status reenter(runnel_current_plugin *cur, const runnel_val *args, size_t nargs, runnel_val *results,
                             size_t nresults, void *user)
{
    (void)nargs, (void)nresults, (void)user;
    runnel_plugin *p = runnel_current_plugin_of(cur);
    int32_t rc = runnel_plugin_call(p, "reflect", "x", 1, NULL);
    if (rc != -1 || !runnel_plugin_error(p) || !strstr(runnel_plugin_error(p), "reentrant"))
        return runnel_current_fail(cur, "re-entry was not refused");
    results[0] = args[0];
    return RUNNEL_OK;
}

static runnel_status failing_host(runnel_current_plugin *cur, const runnel_val *args, size_t nargs,
                                  runnel_val *results, size_t nresults, void *user)
{
    (void)args, (void)nargs, (void)results, (void)nresults, (void)user;
    return runnel_current_fail(cur, "the host says no (%d)", 42);
}

static void bad_input__reentry_and_failing_host(void **state)
{
    (void)state;
    runnel_plugin_function f = {NULL, "host_reflect", "I", "I", reenter, NULL, NULL};
    runnel_plugin_options o = {.functions = &f, .nfunctions = 1};
    runnel_plugin *p = plugin_file("reflect.wasm", &o);
    call_expect(p, "reflect", "abc", "abc");
    runnel_plugin_free(p);
    runnel_plugin_function g = {NULL, "host_reflect", "I", "I", failing_host, NULL, NULL};
    runnel_plugin_options o2 = {.functions = &g, .nfunctions = 1};
    p = plugin_file("reflect.wasm", &o2);
    call_fails(p, "reflect", "abc", -1, false, "the host says no (42)");
    runnel_plugin_free(p);
}

/* rn_manifest_check (what tests/fuzz/fuzz_manifest.c calls) validates like a load but touches no file and
   no network: a missing path and an unreachable URL pass, a wrong field or an inline source's wrong hash
   still fail with the load's message. */
static void check_ok(const char *json, size_t nwasm)
{
    rn_manifest m;
    runnel_report r = {0};
    if (rn_manifest_check(&m, json, strlen(json), &r) != RUNNEL_OK)
        fail_msg("refused: %s\nmanifest: %s", r.message, json);
    assert_int_equal(m.nwasm, nwasm);
    rn_manifest_release(&m);
}

static void check_fails(const char *json, const char *want)
{
    rn_manifest m;
    runnel_report r = {0};
    assert_int_equal(rn_manifest_check(&m, json, strlen(json), &r), RUNNEL_BADARG);
    if (!r.message || !strstr(r.message, want))
        fail_msg("error '%s' does not contain '%s'", r.message ? r.message : "(none)", want);
    assert_null(m.wasm);
    runnel_report_clear(&r);
    expect_load_error(NULL, json, want); /* the same words as a real load */
}

static void bad_input__manifest_check(void **state)
{
    (void)state;
    const char *missing = "{\"wasm\": [{\"path\": \"/nonexistent/x.wasm\", \"hash\": \"00\"}]}";
    expect_load_error(NULL, missing, "Unable to load Wasm file \"/nonexistent/x.wasm\"");
    check_ok(missing, 1);
    check_ok("{\"wasm\": [{\"url\": \"http://127.0.0.1:9/x.wasm\"}, {\"path\": \"b.wasm\", \"name\": \"b\"}], "
             "\"timeout_ms\": 5}",
             2);
    check_fails("{\"wasm\": [{\"path\": \"a.wasm\"}], \"memory\": {\"max_page\": 5}}", "unknown field `max_page`");
    check_fails("{\"wasm\": [{\"data\": \"AGFzbQEAAAA=\", \"hash\": \"00\"}]}", "Hash mismatch");
    check_fails("{\"wasm\": []}", "No wasm files specified");
    /* a NUL would cut a config value or an allowed host short (everything downstream reads C strings):
       refused, never shortened */
    char json[4096];
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\"}], \"config\": {\"vowels\": \"aeiou\\u0000xyz\"}}",
             plugin_path("code.wasm"));
    check_fails(json, "a string holds \\u0000 (line 1, column");
    snprintf(json, sizeof json, "{\"wasm\": [{\"path\": \"%s\"}], \"allowed_hosts\": [\"example.com\\u0000.evil.net\"]}",
             plugin_path("code.wasm"));
    check_fails(json, "which no manifest field can carry");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_input__modules),
        cmocka_unit_test(bad_input__manifests),
        cmocka_unit_test(bad_input__manifest_check),
        cmocka_unit_test(bad_input__base64_source),
        cmocka_unit_test(bad_input__imports_and_exports),
        cmocka_unit_test(bad_input__reentry_and_failing_host),
    };
    RUN_FILTERED(tests, argc, argv);
}
