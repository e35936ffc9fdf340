/*
 * test_extism_api.c - a program written for libextism, built against runnel.
 *
 * It includes only <runnel/extism.h> (and the C library), links against runnel's shared library, and uses
 * libextism's API the way Extism's own C example and SDK tests do: plugins from wasm bytes and from a
 * JSON manifest, host functions that read and write Extism memory, host context, config updates,
 * output and errors, compiled plugins, cancellation from another thread, fuel, logging. No test
 * framework either, so that nothing but extism.h stands between the program and the library.
 */
#include <runnel/extism.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(cond)                                                                                                  \
    do {                                                                                                             \
        if (!(cond)) {                                                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                                 \
            failures++;                                                                                              \
        }                                                                                                            \
    } while (0)

static const char *dir(void)
{
    const char *e = getenv("RUNNEL_SHARED");
    return e && *e ? e : RUNNEL_SHARED_DIR;
}

static uint8_t *read_file(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/extism-plugins/%s", dir(), rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static bool output_is(ExtismPlugin *p, const char *want)
{
    ExtismSize n = extism_plugin_output_length(p);
    const uint8_t *d = extism_plugin_output_data(p);
    bool ok = n == strlen(want) && memcmp(d, want, n) == 0;
    if (!ok)
        fprintf(stderr, "output '%.*s', want '%s'\n", (int)n, (const char *)d, want);
    return ok;
}

/* ---------------------------------------------------------------- a host function */

static int freed;
static void free_data(void *x)
{
    (void)x;
    freed++;
}

static int host_calls;
/* hello_world(handle) -> handle: copies its input block through Extism memory */
static void hello_world(ExtismCurrentPlugin *plugin, const ExtismVal *inputs, ExtismSize n_inputs, ExtismVal *outputs,
                        ExtismSize n_outputs, void *data)
{
    host_calls++;
    CHECK(n_inputs == 1 && n_outputs == 1);
    CHECK(inputs[0].t == ExtismValType_I64);
    CHECK(strcmp(data, "Hello, again!") == 0);
    ExtismMemoryHandle in = (ExtismMemoryHandle)inputs[0].v.i64;
    ExtismSize len = extism_current_plugin_memory_length(plugin, in);
    ExtismMemoryHandle out = extism_current_plugin_memory_alloc(plugin, len);
    uint8_t *mem = extism_current_plugin_memory(plugin); /* after the alloc, which may move memory */
    memcpy(mem + out, mem + in, len);
    extism_current_plugin_memory_free(plugin, in);
    CHECK(extism_current_plugin_memory_length(plugin, in) == 0);
    int *ctx = extism_current_plugin_host_context(plugin);
    if (ctx)
        (*ctx)++;
    outputs[0].v.i64 = (int64_t)out;
}

static void test_manifest_and_host_function(void)
{
    char manifest[1024];
    snprintf(manifest, sizeof manifest, "{\"wasm\": [{\"path\": \"%s/extism-plugins/code-functions.wasm\"}]}", dir());
    ExtismValType types[] = {EXTISM_PTR};
    ExtismFunction *f = extism_function_new("hello_world", types, 1, types, 1, hello_world, "Hello, again!", free_data);
    CHECK(f != NULL);
    char *err = NULL;
    ExtismPlugin *p = extism_plugin_new((const uint8_t *)manifest, strlen(manifest), (const ExtismFunction **)&f, 1,
                                        true, &err);
    if (!p) {
        fprintf(stderr, "extism_plugin_new: %s\n", err);
        extism_plugin_new_error_free(err);
        failures++;
        return;
    }
    CHECK(err == NULL);
    CHECK(extism_plugin_function_exists(p, "count_vowels"));
    CHECK(!extism_plugin_function_exists(p, "nope"));
    const char *in = "this is a test";
    CHECK(extism_plugin_call(p, "count_vowels", (const uint8_t *)in, strlen(in)) == EXTISM_SUCCESS);
    CHECK(extism_plugin_error(p) == NULL);
    CHECK(output_is(p, "{\"count\": 4}"));
    CHECK(host_calls == 1);
    int ctx = 0;
    CHECK(extism_plugin_call_with_host_context(p, "count_vowels", (const uint8_t *)in, strlen(in), &ctx) == 0);
    CHECK(ctx == 1);
    /* a function is taken by one plugin only */
    char *err2 = NULL;
    ExtismPlugin *p2 = extism_plugin_new((const uint8_t *)manifest, strlen(manifest), (const ExtismFunction **)&f, 1,
                                         true, &err2);
    CHECK(p2 == NULL);
    CHECK(err2 && strstr(err2, "Function cannot be registered with multiple different Plugins"));
    extism_plugin_new_error_free(err2);
    /* the user data lives until both the plugin and the function are gone */
    extism_plugin_free(p);
    CHECK(freed == 0);
    extism_function_free(f);
    CHECK(freed == 1);
}

static void test_namespace(void)
{
    size_t n;
    uint8_t *wasm = read_file("go-sdk/host_memory.wasm", &n);
    CHECK(wasm != NULL);
    ExtismValType types[] = {EXTISM_PTR};
    ExtismFunction *f = extism_function_new("to_upper", types, 1, types, 1, hello_world, "Hello, again!", NULL);
    /* under its default namespace the import is not satisfied */
    char *err = NULL;
    ExtismPlugin *p = extism_plugin_new(wasm, n, (const ExtismFunction **)&f, 1, true, &err);
    CHECK(p == NULL && err && strstr(err, "host::to_upper"));
    extism_plugin_new_error_free(err);
    extism_function_free(f);
    f = extism_function_new("to_upper", types, 1, types, 1, hello_world, "Hello, again!", NULL);
    extism_function_set_namespace(f, "host");
    p = extism_plugin_new(wasm, n, (const ExtismFunction **)&f, 1, true, &err);
    CHECK(p != NULL);
    if (p) {
        /* an identity "to_upper": the greeting comes back as the plugin wrote it */
        CHECK(extism_plugin_call(p, "run_test", (const uint8_t *)"Frodo", 5) == 0);
        CHECK(output_is(p, "Hello Frodo!"));
        extism_plugin_free(p);
    }
    extism_function_free(f);
    free(wasm);
}

static void test_config_output_error(void)
{
    size_t n;
    uint8_t *wasm = read_file("code.wasm", &n);
    char *err = NULL;
    ExtismPlugin *p = extism_plugin_new(wasm, n, NULL, 0, false, &err);
    free(wasm);
    CHECK(p != NULL);
    if (!p)
        return;
    const uint8_t *id = extism_plugin_id(p);
    CHECK(id && (id[6] >> 4) == 4);
    const char *in = "Yellow, World!";
    CHECK(extism_plugin_call(p, "count_vowels", (const uint8_t *)in, strlen(in)) == 0);
    CHECK(output_is(p, "{\"count\":3,\"total\":3,\"vowels\":\"aeiouAEIOU\"}"));
    const char *cfg = "{\"vowels\": \"aeiouyAEIOUY\"}";
    CHECK(extism_plugin_config(p, (const uint8_t *)cfg, strlen(cfg)));
    CHECK(extism_plugin_call(p, "count_vowels", (const uint8_t *)in, strlen(in)) == 0);
    CHECK(output_is(p, "{\"count\":4,\"total\":7,\"vowels\":\"aeiouyAEIOUY\"}"));
    cfg = "{\"vowels\": null}";
    CHECK(extism_plugin_config(p, (const uint8_t *)cfg, strlen(cfg)));
    CHECK(extism_plugin_call(p, "count_vowels", (const uint8_t *)in, strlen(in)) == 0);
    CHECK(output_is(p, "{\"count\":3,\"total\":10,\"vowels\":\"aeiouAEIOU\"}"));
    CHECK(!extism_plugin_config(p, (const uint8_t *)"[", 1));
    /* errors */
    CHECK(extism_plugin_call(p, "nope", NULL, 0) == -1);
    CHECK(extism_plugin_error(p) && strcmp(extism_plugin_error(p), "Function not found: nope") == 0);
    CHECK(extism_error(p) == extism_plugin_error(p));
    CHECK(extism_plugin_reset(p));
    extism_plugin_free(p);

    wasm = read_file("go-sdk/fail.wasm", &n);
    p = extism_plugin_new(wasm, n, NULL, 0, true, &err);
    free(wasm);
    CHECK(p != NULL);
    if (p) {
        CHECK(extism_plugin_call(p, "run_test", NULL, 0) == 1);
        CHECK(extism_plugin_error(p) && strcmp(extism_plugin_error(p), "Some error message") == 0);
        extism_plugin_free(p);
    }
    /* a creation error is a string for extism_plugin_new_error_free */
    const char *bad = "{\"wasm\": [{\"path\": \"/nonexistent.wasm\"}], \"bogus\": 1}";
    p = extism_plugin_new((const uint8_t *)bad, strlen(bad), NULL, 0, false, &err);
    CHECK(p == NULL);
    CHECK(err && strstr(err, "unknown field `bogus`"));
    extism_plugin_new_error_free(err);
}

typedef struct {
    const ExtismCancelHandle *h;
} cancel_arg;

static void *cancel_soon(void *arg)
{
    usleep(50000);
    extism_plugin_cancel(((cancel_arg *)arg)->h);
    return NULL;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_cancel_and_fuel(void)
{
    size_t n;
    uint8_t *wasm = read_file("loop.wasm", &n);
    char *err = NULL;
    ExtismPlugin *p = extism_plugin_new(wasm, n, NULL, 0, false, &err);
    CHECK(p != NULL);
    if (p) {
        cancel_arg a = {extism_plugin_cancel_handle(p)};
        pthread_t t;
        double t0 = now_ms();
        pthread_create(&t, NULL, cancel_soon, &a);
        int32_t rc = extism_plugin_call(p, "loop_forever", NULL, 0);
        pthread_join(t, NULL);
        CHECK(rc != 0);
        CHECK(extism_plugin_error(p) && strcmp(extism_plugin_error(p), "timeout") == 0);
        CHECK(now_ms() - t0 < 2000);
        extism_plugin_free(p);
    }
    p = extism_plugin_new_with_fuel_limit(wasm, n, NULL, 0, false, 1000, &err);
    CHECK(p != NULL);
    if (p) {
        CHECK(extism_plugin_call(p, "loop_forever", NULL, 0) != 0);
        CHECK(extism_plugin_error(p) && strstr(extism_plugin_error(p), "fuel"));
        extism_plugin_free(p);
    }
    free(wasm);
}

static void test_compiled(void)
{
    size_t n;
    uint8_t *wasm = read_file("globals.wasm", &n);
    char *err = NULL;
    ExtismCompiledPlugin *c = extism_compiled_plugin_new(wasm, n, NULL, 0, true, &err);
    free(wasm);
    CHECK(c != NULL);
    if (!c)
        return;
    ExtismPlugin *a = extism_plugin_new_from_compiled(c, &err), *b = extism_plugin_new_from_compiled(c, &err);
    extism_compiled_plugin_free(c); /* the plugins keep what they need */
    CHECK(a && b);
    if (a && b) {
        /* each has its own instance: its own globals */
        CHECK(extism_plugin_call(a, "globals", NULL, 0) == 0 && output_is(a, "{\"count\": 0}"));
        CHECK(extism_plugin_call(a, "globals", NULL, 0) == 0 && output_is(a, "{\"count\": 1}"));
        CHECK(extism_plugin_call(b, "globals", NULL, 0) == 0 && output_is(b, "{\"count\": 0}"));
        CHECK(memcmp(extism_plugin_id(a), extism_plugin_id(b), 16) != 0);
        extism_plugin_allow_http_response_headers(a);
    }
    extism_plugin_free(a);
    extism_plugin_free(b);
}

static int drained;
static bool saw_warning, saw_info;
static void drain(const char *line, ExtismSize size)
{
    drained++;
    if (strstr(line, "this is a warning log") && line[size - 1] == '\n')
        saw_warning = true;
    if (strstr(line, "this is an info log"))
        saw_info = true;
}

static void test_logging(void)
{
    CHECK(extism_log_custom("warn"));
    size_t n;
    uint8_t *wasm = read_file("go-sdk/log.wasm", &n);
    char *err = NULL;
    ExtismPlugin *p = extism_plugin_new(wasm, n, NULL, 0, true, &err);
    free(wasm);
    CHECK(p != NULL);
    if (p) {
        CHECK(extism_plugin_call(p, "run_test", NULL, 0) == 0);
        extism_plugin_free(p);
    }
    extism_log_drain(drain);
    CHECK(drained == 2); /* warn and error */
    CHECK(saw_warning);
    CHECK(!saw_info);
    drained = 0;
    extism_log_drain(drain);
    CHECK(drained == 0);
}

int main(void)
{
    CHECK(extism_version() != NULL && extism_version()[0] != 0);
    test_manifest_and_host_function();
    test_namespace();
    test_config_output_error();
    test_cancel_and_fuel();
    test_compiled();
    test_logging();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    else
        printf("extism.h API: all checks passed\n");
    return failures ? 1 : 0;
}
