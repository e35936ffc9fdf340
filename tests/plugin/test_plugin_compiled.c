/*
 * test_plugin_compiled.c - the compiling tier through the plugin and actor options
 * (runnel_plugin_options and runnel_actor_options: compiled, compile; docs/compiling.md).
 *
 * What is checked is that the options reach the engine, and only when asked for: a compiled plugin
 * runs and leaves one artifact in the cache it was given (built once: the progress callback is called
 * the first time only); a C compiler that cannot be found fails the plugin (RUNNEL_TOOL) when compiled
 * is set, and changes nothing when it is not, nor when the caller's struct is 0.1's (size up to
 * max_call_depth: the fields after it are taken as 0). The caches are under the build directory.
 */
#include "plugin_test.h"

#include "runnel/actor.h"

#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>

#ifndef RUNNEL_PLUGIN_TEST_BUILD_DIR
#define RUNNEL_PLUGIN_TEST_BUILD_DIR "."
#endif

/* A fresh cache directory under the build directory (its previous contents removed). */
static const char *cache_dir(const char *name)
{
    static char dir[1024];
    snprintf(dir, sizeof dir, "%s/compiled/c_api_%s", RUNNEL_PLUGIN_TEST_BUILD_DIR, name);
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    assert_int_equal(system(cmd), 0);
    return dir;
}

static size_t artifacts(const char *dir)
{
    char native[1200];
    snprintf(native, sizeof native, "%s/native", dir);
    DIR *d = opendir(native);
    size_t n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        n += len > 3 && strcmp(e->d_name + len - 3, ".so") == 0;
    }
    if (d)
        closedir(d);
    return n;
}

static unsigned progress_calls;
static void count_progress(void *user, uint32_t done, uint32_t total)
{
    (void)user;
    assert_true(done >= 1 && done <= total);
    progress_calls++;
}

static uint8_t *echo_wasm(size_t *len)
{
    uint8_t *wasm = read_all(plugin_path("echo.wasm"), len);
    assert_non_null(wasm);
    return wasm;
}

static void call_echo(runnel_plugin *p)
{
    assert_int_equal(runnel_plugin_call(p, "echo", "Hello, world!", 13, NULL), 0);
    size_t n;
    const uint8_t *out = runnel_plugin_output(p, &n);
    assert_int_equal(n, 13);
    assert_memory_equal(out, "Hello, world!", 13);
}

static void compiled__cache(void **state)
{
    (void)state;
    size_t len;
    uint8_t *wasm = echo_wasm(&len);
    const char *dir = cache_dir("cache");
    runnel_compile_options co = {.size = sizeof co, .cache_dir = dir, .progress = count_progress};
    runnel_plugin_options o = {.size = sizeof o, .compiled = true, .compile = &co};
    runnel_report r = {0};
    progress_calls = 0;
    runnel_plugin *p = runnel_plugin_new(wasm, len, &o, &r);
    assert_non_null(p);
    call_echo(p);
    runnel_plugin_free(p);
    assert_int_equal(artifacts(dir), 1);
    assert_true(progress_calls >= 1); /* built: at least the final (total, total) */
    progress_calls = 0;
    p = runnel_plugin_new(wasm, len, &o, &r); /* from the cache: nothing built */
    assert_non_null(p);
    call_echo(p);
    runnel_plugin_free(p);
    assert_int_equal(progress_calls, 0);
    assert_int_equal(artifacts(dir), 1);
    runnel_report_clear(&r);
    free(wasm);
}

static void compiled__no_compiler(void **state)
{
    (void)state;
    size_t len;
    uint8_t *wasm = echo_wasm(&len);
    const char *dir = cache_dir("no_compiler");
    runnel_compile_options co = {.size = sizeof co, .cc = "/nonexistent/cc", .cache_dir = dir};
    runnel_plugin_options o = {.size = sizeof o, .compiled = true, .compile = &co};
    runnel_report r = {0};
    assert_null(runnel_plugin_new(wasm, len, &o, &r));
    assert_int_equal(r.status, RUNNEL_TOOL);
    assert_non_null(strstr(r.message, "module main: tool failed: cannot find the C compiler \"/nonexistent/cc\""));
    assert_null(strstr(r.message, "at offset")); /* a compiler's failure is at no place in the module */
    runnel_report_clear(&r);

    o.compiled = false; /* compile is used only with compiled */
    runnel_plugin *p = runnel_plugin_new(wasm, len, &o, &r);
    assert_non_null(p);
    call_echo(p);
    runnel_plugin_free(p);

    /* a 0.1 caller's struct ends at max_call_depth: what lies after it is not read */
    o.compiled = true;
    o.size = offsetof(runnel_plugin_options, max_call_depth) + sizeof o.max_call_depth;
    p = runnel_plugin_new(wasm, len, &o, &r);
    assert_non_null(p);
    call_echo(p);
    runnel_plugin_free(p);
    assert_int_equal(artifacts(dir), 0);
    runnel_report_clear(&r);
    free(wasm);
}

/* runnel_actor_options' two fields reach the actor's plugin */
static void compiled__actor(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/my_actor.wasm", RUNNEL_ACTOR_EXAMPLES_DIR);
    size_t len;
    uint8_t *wasm = read_all(path, &len);
    if (!wasm)
        skip();
    const char *dir = cache_dir("actor_no_compiler");
    runnel_compile_options bad = {.size = sizeof bad, .cc = "/nonexistent/cc", .cache_dir = dir};
    runnel_actor_options o = {.size = sizeof o, .compiled = true, .compile = &bad};
    runnel_report r = {0};
    assert_null(runnel_actor_new(wasm, len, &o, &r));
    assert_int_equal(r.status, RUNNEL_TOOL);
    assert_non_null(strstr(r.message, "cannot find the C compiler"));
    runnel_report_clear(&r);

    dir = cache_dir("actor");
    runnel_compile_options co = {.size = sizeof co, .cache_dir = dir};
    o.compile = &co;
    runnel_actor *a = runnel_actor_new(wasm, len, &o, &r);
    assert_non_null(a);
    assert_int_equal(artifacts(dir), 1);
    runnel_port_msg in = {.port = "input", .msg = runnel_msg_integer(21)};
    runnel_actor_outputs out = {0};
    assert_int_equal(runnel_actor_process(a, &in, 1, runnel_actor_collect, &out, &r), RUNNEL_OK);
    assert_int_equal(out.count, 1);
    char *text = runnel_msg_to_text(&out.items[0].msg);
    assert_string_equal(text, "{\"type\":\"Integer\",\"data\":42}");
    free(text);
    runnel_actor_outputs_clear(&out);
    /* spawned actors share the proto's compiled plugin: a bad compiler in their options is not used */
    runnel_actor_options so = {.size = sizeof so, .compiled = true, .compile = &bad};
    runnel_actor *b = runnel_actor_spawn(a, &so, &r);
    assert_non_null(b);
    assert_int_equal(runnel_actor_process(b, &in, 1, runnel_actor_collect, &out, &r), RUNNEL_OK);
    assert_int_equal(out.count, 1);
    runnel_actor_outputs_clear(&out);
    runnel_actor_free(b);
    runnel_actor_free(a);
    runnel_report_clear(&r);
    free(wasm);
}

int main(int argc, char **argv)
{
    char xdg[1024];
    snprintf(xdg, sizeof xdg, "%s/compiled/xdg", RUNNEL_PLUGIN_TEST_BUILD_DIR);
    setenv("XDG_CACHE_HOME", xdg, 1); /* never ~/.cache, whatever a test forgets */
    unsetenv("RUNNEL_CC");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compiled__cache),
        cmocka_unit_test(compiled__no_compiler),
        cmocka_unit_test(compiled__actor),
    };
    RUN_FILTERED(tests, argc, argv);
}
