/*
 * kernel.c - the imports of `extism:host/env`, and user host functions.
 *
 * Extism gives every plugin one import module, `extism:host/env`, holding two kinds of function
 * (docs/abi-extism.md, "Imports"): the kernel (Extism memory, input, output, error; in Extism a
 * wasm module, here xmem.c) and the host built-ins (config, vars, HTTP, logging). Both are defined
 * here as runnel host functions bound to one plugin. Their behaviour follows Extism's runtime
 * (runtime/src/pdk.rs) where a plugin can tell the difference:
 *   - every built-in takes ownership of the handles it is given and frees them; every handle it
 *     returns is new; an empty value is handle 0;
 *   - a handle that is not 0 and not a live block is an error ("invalid handle offset for config key:
 *     N"), which fails the call with rc -1, as an Err from an Extism host function does;
 *   - vars are capped by max_var_bytes with Extism's accounting (48 bytes of bookkeeping per entry,
 *     the entry being replaced counted too), 0 disabling them;
 *   - a log message below the level is dropped (and its handle freed) before the handle is checked.
 * A built-in that fails records the message (host_fail_msg) and traps; plugin.c turns that into the
 * call's error with rc -1, not 134, because it was the host, not the guest, that failed.
 *
 * User host functions get typed values (runnel_val) and a runnel_current_plugin, through which they
 * reach Extism memory by handle exactly as the plugin does (the runnel_current_* functions below).
 */
#include "plugin_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define P(user) ((runnel_plugin *)(user))

/* Fails the call from a built-in: the message becomes the call's error, rc -1. */
static runnel_status host_fail(runnel_caller *c, runnel_plugin *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static runnel_status host_fail(runnel_caller *c, runnel_plugin *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = rn_vformat_max(512, fmt, ap);
    va_end(ap);
    runnel_status st = runnel_caller_trap(c, "%s", msg ? msg : "out of memory");
    if (!p->host_failed) {
        p->host_failed = true;
        free(p->host_fail_msg);
        p->host_fail_msg = msg;
    } else {
        free(msg);
    }
    return st;
}

/* ---------------------------------------------------------------- the kernel */

static runnel_status k_alloc(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    res[0].i64 = rn_xmem_alloc(&P(u)->xmem, a[0].i64);
    if (!res[0].i64 && P(u)->oom)
        return runnel_caller_trap(c, "oom"); /* Extism's memory limiter fails the growing call */
    if (!res[0].i64 && rn_xmem_block_count(&P(u)->xmem) >= RN_X_MAX_BLOCKS)
        return host_fail(c, P(u), "Extism memory holds %u blocks, the most a call may allocate", RN_X_MAX_BLOCKS);
    return RUNNEL_OK;
}
static runnel_status k_free(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c, (void)res;
    rn_xmem_free(&P(u)->xmem, a[0].i64);
    return RUNNEL_OK;
}
static runnel_status k_length(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c;
    res[0].i64 = rn_xmem_length(&P(u)->xmem, a[0].i64);
    return RUNNEL_OK;
}
static runnel_status k_load_u8(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c;
    res[0].i32 = rn_xmem_load_u8(&P(u)->xmem, a[0].i64);
    return RUNNEL_OK;
}
static runnel_status k_load_u64(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c;
    res[0].i64 = rn_xmem_load_u64(&P(u)->xmem, a[0].i64);
    return RUNNEL_OK;
}
static runnel_status k_input_load_u8(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c;
    res[0].i32 = rn_xmem_input_load_u8(&P(u)->xmem, a[0].i64);
    return RUNNEL_OK;
}
static runnel_status k_input_load_u64(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c;
    res[0].i64 = rn_xmem_input_load_u64(&P(u)->xmem, a[0].i64);
    return RUNNEL_OK;
}
static runnel_status k_store_u8(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c, (void)res;
    rn_xmem_store_u8(&P(u)->xmem, a[0].i64, (uint8_t)a[1].i32);
    return RUNNEL_OK;
}
static runnel_status k_store_u64(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c, (void)res;
    rn_xmem_store_u64(&P(u)->xmem, a[0].i64, a[1].i64);
    return RUNNEL_OK;
}
static runnel_status k_input_set(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c, (void)res;
    rn_xmem_input_set(&P(u)->xmem, a[0].i64, a[1].i64);
    return RUNNEL_OK;
}
static runnel_status k_output_set(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c, (void)res;
    rn_xmem_output_set(&P(u)->xmem, a[0].i64, a[1].i64);
    return RUNNEL_OK;
}
static runnel_status k_input_length(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c, (void)a;
    res[0].i64 = P(u)->xmem.input_length;
    return RUNNEL_OK;
}
static runnel_status k_input_offset(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c, (void)a;
    res[0].i64 = P(u)->xmem.input_offset;
    return RUNNEL_OK;
}
static runnel_status k_output_length(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c, (void)a;
    res[0].i64 = P(u)->xmem.output_length;
    return RUNNEL_OK;
}
static runnel_status k_output_offset(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c, (void)a;
    res[0].i64 = P(u)->xmem.output_offset;
    return RUNNEL_OK;
}
static runnel_status k_reset(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c, (void)a, (void)res;
    rn_xmem_reset(&P(u)->xmem);
    return RUNNEL_OK;
}
static runnel_status k_error_set(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c, (void)res;
    rn_xmem_error_set(&P(u)->xmem, a[0].i64);
    return RUNNEL_OK;
}
static runnel_status k_error_get(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c, (void)a;
    res[0].i64 = P(u)->xmem.error;
    return RUNNEL_OK;
}
static runnel_status k_memory_bytes(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c, (void)a;
    res[0].i64 = P(u)->xmem.initialized ? P(u)->xmem.length : RN_X_PAGE - RN_X_ROOT_SIZE;
    return RUNNEL_OK;
}

/* ---------------------------------------------------------------- host built-ins */

/* A handle given to a built-in: 0 is the empty value, else it must be a live block. */
static bool handle_bytes(runnel_plugin *p, uint64_t h, const uint8_t **data, size_t *len)
{
    *data = (const uint8_t *)"";
    *len = 0;
    if (h == 0)
        return true;
    uint64_t n = rn_xmem_length(&p->xmem, h);
    if (n == 0)
        return false;
    *data = rn_xmem_range(&p->xmem, h, n);
    *len = (size_t)n;
    return *data != NULL;
}

/* A new handle for bytes; 0 for none. Fails the call when Extism memory is full. */
static runnel_status give(runnel_caller *c, runnel_plugin *p, const void *data, size_t len, runnel_slot *out)
{
    out->i64 = 0;
    if (len == 0)
        return RUNNEL_OK;
    out->i64 = rn_xmem_new(&p->xmem, data, len);
    if (!out->i64)
        return p->oom ? runnel_caller_trap(c, "oom") : host_fail(c, p, "out of Extism memory");
    return RUNNEL_OK;
}

static runnel_status b_config_get(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    runnel_plugin *p = P(u);
    const uint8_t *key;
    size_t klen;
    if (!handle_bytes(p, a[0].i64, &key, &klen))
        return host_fail(c, p, "invalid handle offset for config key: %llu", (unsigned long long)a[0].i64);
    const char *val = NULL;
    for (size_t i = 0; i < p->nconfig && !val; i++)
        if (strlen(p->config[i].key) == klen && memcmp(p->config[i].key, key, klen) == 0)
            val = p->config[i].value;
    rn_xmem_free(&p->xmem, a[0].i64);
    return give(c, p, val ? val : "", val ? strlen(val) : 0, &res[0]);
}

static runnel_status b_var_get(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    runnel_plugin *p = P(u);
    const uint8_t *key;
    size_t klen;
    if (!handle_bytes(p, a[0].i64, &key, &klen))
        return host_fail(c, p, "invalid handle offset for var key: %llu", (unsigned long long)a[0].i64);
    const rn_var *v = rn_plugin_find_var(p, key, klen);
    rn_xmem_free(&p->xmem, a[0].i64);
    return give(c, p, v ? v->value : NULL, v ? v->vlen : 0, &res[0]);
}

static runnel_status b_var_set(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)res;
    runnel_plugin *p = P(u);
    if (p->limits.max_var_bytes == 0)
        return host_fail(c, p, "Vars are disabled by this host");
    const uint8_t *key, *val;
    size_t klen, vlen;
    if (!handle_bytes(p, a[0].i64, &key, &klen))
        return host_fail(c, p, "invalid handle offset for var key: %llu", (unsigned long long)a[0].i64);
    if (a[1].i64 == 0) {
        rn_plugin_set_var(p, key, klen, NULL, 0, NULL);
        rn_xmem_free(&p->xmem, a[0].i64);
        return RUNNEL_OK;
    }
    if (!handle_bytes(p, a[1].i64, &val, &vlen))
        return host_fail(c, p, "invalid handle offset for var value: %llu", (unsigned long long)a[1].i64);
    const char *why = NULL;
    if (rn_plugin_set_var(p, key, klen, val, vlen, &why) != RUNNEL_OK)
        return host_fail(c, p, "%s", why ? why : "Variable store is full");
    rn_xmem_free(&p->xmem, a[1].i64);
    rn_xmem_free(&p->xmem, a[0].i64);
    return RUNNEL_OK;
}

static runnel_status b_http_request(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    runnel_plugin *p = P(u);
    const uint8_t *req, *body;
    size_t rlen, blen;
    free(p->http_headers_json);
    p->http_headers_json = NULL;
    p->http_status = 0;
    if (!handle_bytes(p, a[0].i64, &req, &rlen) || a[0].i64 == 0)
        return host_fail(c, p, "invalid handle offset for http request: %llu", (unsigned long long)a[0].i64);
    if (!handle_bytes(p, a[1].i64, &body, &blen))
        return host_fail(c, p, "invalid handle offset for http request body: %llu", (unsigned long long)a[0].i64);
    /* the request and body are copied: Extism memory may move while the response is stored */
    uint8_t *rq = malloc(rlen + 1), *bd = malloc(blen + 1);
    if (!rq || !bd) {
        free(rq);
        free(bd);
        return host_fail(c, p, "out of memory");
    }
    memcpy(rq, req, rlen);
    if (blen)
        memcpy(bd, body, blen);
    rn_xmem_free(&p->xmem, a[0].i64);
    rn_xmem_free(&p->xmem, a[1].i64);
    uint8_t *out = NULL;
    size_t olen = 0;
    char *err = NULL;
    bool ok = rn_http_request(p, rq, rlen, a[1].i64 ? bd : NULL, blen, &out, &olen, &err);
    free(rq);
    free(bd);
    if (!ok) {
        runnel_status st;
        if (err && strcmp(err, "timeout") == 0) {
            p->timed_out = true;
            st = runnel_caller_trap(c, "timeout");
        } else
            st = host_fail(c, p, "%s", err ? err : "HTTP request failed");
        free(err);
        return st;
    }
    runnel_status st = give(c, p, out, olen, &res[0]);
    free(out);
    return st;
}

static runnel_status b_http_status_code(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c, (void)a;
    res[0].i32 = (uint32_t)P(u)->http_status;
    return RUNNEL_OK;
}

static runnel_status b_http_headers(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)a;
    runnel_plugin *p = P(u);
    if (!p->http_headers_enabled) {
        res[0].i64 = 0;
        return RUNNEL_OK;
    }
    const char *json = p->http_headers_json ? p->http_headers_json : "{}";
    return give(c, p, json, strlen(json), &res[0]);
}

static runnel_status do_log(runnel_caller *c, runnel_plugin *p, runnel_log_level level, uint64_t h)
{
    if (p->log_level == RUNNEL_LOG_OFF || level < p->log_level) {
        rn_xmem_free(&p->xmem, h);
        return RUNNEL_OK;
    }
    const uint8_t *msg;
    size_t len;
    if (!handle_bytes(p, h, &msg, &len))
        return host_fail(c, p, "invalid handle offset for log message: %llu", (unsigned long long)h);
    rn_plugin_log(p, level, (const char *)msg, len);
    rn_xmem_free(&p->xmem, h);
    return RUNNEL_OK;
}

#define LOG_FN(lvl, LVL)                                                                                             \
    static runnel_status b_log_##lvl(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)              \
    {                                                                                                                \
        (void)res;                                                                                                   \
        return do_log(c, P(u), RUNNEL_LOG_##LVL, a[0].i64);                                                          \
    }
LOG_FN(trace, TRACE)
LOG_FN(debug, DEBUG)
LOG_FN(info, INFO)
LOG_FN(warn, WARN)
LOG_FN(error, ERROR)

static runnel_status b_get_log_level(runnel_caller *c, const runnel_slot *a, runnel_slot *res, void *u)
{
    (void)c, (void)a;
    res[0].i32 = (uint32_t)P(u)->log_level;
    return RUNNEL_OK;
}

/* ---------------------------------------------------------------- the table */

typedef struct env_func {
    const char *name, *params, *results, *sig;
    runnel_host_fn fn;
} env_func;

static const env_func ENV[] = {
    /* the kernel (every export of Extism's extism-runtime.wasm that is a function) */
    {"alloc", "I", "I", "I:I", k_alloc},
    {"free", "I", "", "I:", k_free},
    {"length", "I", "I", "I:I", k_length},
    {"length_unsafe", "I", "I", "I:I", k_length},
    {"load_u8", "I", "i", "I:i", k_load_u8},
    {"load_u64", "I", "I", "I:I", k_load_u64},
    {"input_load_u8", "I", "i", "I:i", k_input_load_u8},
    {"input_load_u64", "I", "I", "I:I", k_input_load_u64},
    {"store_u8", "Ii", "", "Ii:", k_store_u8},
    {"store_u64", "II", "", "II:", k_store_u64},
    {"input_set", "II", "", "II:", k_input_set},
    {"output_set", "II", "", "II:", k_output_set},
    {"input_length", "", "I", ":I", k_input_length},
    {"input_offset", "", "I", ":I", k_input_offset},
    {"output_length", "", "I", ":I", k_output_length},
    {"output_offset", "", "I", ":I", k_output_offset},
    {"reset", "", "", ":", k_reset},
    {"error_set", "I", "", "I:", k_error_set},
    {"error_get", "", "I", ":I", k_error_get},
    {"memory_bytes", "", "I", ":I", k_memory_bytes},
    /* the host built-ins (Extism's runtime/src/pdk.rs) */
    {"config_get", "I", "I", "I:I", b_config_get},
    {"var_get", "I", "I", "I:I", b_var_get},
    {"var_set", "II", "", "II:", b_var_set},
    {"http_request", "II", "I", "II:I", b_http_request},
    {"http_status_code", "", "i", ":i", b_http_status_code},
    {"http_headers", "", "I", ":I", b_http_headers},
    {"log_trace", "I", "", "I:", b_log_trace},
    {"log_debug", "I", "", "I:", b_log_debug},
    {"log_info", "I", "", "I:", b_log_info},
    {"log_warn", "I", "", "I:", b_log_warn},
    {"log_error", "I", "", "I:", b_log_error},
    {"get_log_level", "", "i", ":i", b_get_log_level},
};
#define NENV (sizeof ENV / sizeof ENV[0])

const char *rn_kernel_signature(const char *name)
{
    for (size_t i = 0; i < NENV; i++)
        if (strcmp(ENV[i].name, name) == 0)
            return ENV[i].sig;
    return NULL;
}

runnel_status rn_kernel_define(runnel_plugin *p, runnel_linker *l)
{
    for (size_t i = 0; i < NENV; i++) {
        runnel_status st = runnel_linker_define_func(l, RUNNEL_PLUGIN_ENV_NAMESPACE, ENV[i].name, ENV[i].params,
                                                     ENV[i].results, ENV[i].fn, p, NULL);
        if (st != RUNNEL_OK)
            return st;
    }
    return RUNNEL_OK;
}

/* ---------------------------------------------------------------- user host functions */

/* A declared letter's type; plugin host functions take no v128 (rn_func_def signatures are checked). */
static runnel_valtype letter_type(char c)
{
    runnel_valtype t = RUNNEL_TYPE_EXTERNREF;
    runnel_valtype_of_letter(c, &t);
    return t;
}

#define MAX_HOST_VALUES 32

static runnel_status user_trampoline(runnel_caller *c, const runnel_slot *args, runnel_slot *results, void *user)
{
    rn_host_binding *b = user;
    const rn_func_def *d = b->def;
    size_t np = strlen(d->params), nr = strlen(d->results);
    runnel_val in[MAX_HOST_VALUES], out[MAX_HOST_VALUES];
    for (size_t i = 0; i < np; i++)
        runnel_slots_to_val(&args[i], letter_type(d->params[i]), &in[i]);
    for (size_t i = 0; i < nr; i++)
        out[i] = (runnel_val){.type = letter_type(d->results[i])};
    runnel_current_plugin cur = {.p = b->p, .caller = c, .fail = NULL};
    runnel_status st = d->fn(&cur, in, np, out, nr, d->user);
    if (st != RUNNEL_OK || cur.fail) {
        if (b->p->oom)
            return runnel_caller_trap(c, "oom");
        runnel_status r = host_fail(c, b->p, "%s", cur.fail ? cur.fail : "host function failed");
        free(cur.fail);
        return r;
    }
    for (size_t i = 0; i < nr; i++) {
        out[i].type = letter_type(d->results[i]); /* the declared type, whatever the function left there */
        runnel_val_to_slots(out[i], &results[i]);
    }
    return RUNNEL_OK;
}

runnel_status rn_user_funcs_define(runnel_plugin *p, runnel_linker *l)
{
    for (size_t i = 0; i < p->c->nfuncs; i++) {
        const rn_func_def *d = &p->c->funcs[i];
        runnel_status st = runnel_linker_define_func(l, d->ns, d->name, d->params, d->results, user_trampoline,
                                                     &p->bindings[i], NULL);
        if (st != RUNNEL_OK)
            return st;
    }
    return RUNNEL_OK;
}

/* ---------------------------------------------------------------- host-function API */

uint64_t runnel_current_alloc(runnel_current_plugin *cur, uint64_t n)
{
    return cur ? rn_xmem_alloc(&cur->p->xmem, n) : 0;
}

uint64_t runnel_current_alloc_bytes(runnel_current_plugin *cur, const void *data, size_t n)
{
    if (!cur || (!data && n))
        return 0;
    return rn_xmem_new(&cur->p->xmem, data, n);
}

void runnel_current_free(runnel_current_plugin *cur, uint64_t handle)
{
    if (cur)
        rn_xmem_free(&cur->p->xmem, handle);
}

uint64_t runnel_current_length(runnel_current_plugin *cur, uint64_t handle)
{
    return cur ? rn_xmem_length(&cur->p->xmem, handle) : 0;
}

uint8_t *runnel_current_block(runnel_current_plugin *cur, uint64_t handle, size_t *len)
{
    if (len)
        *len = 0;
    if (!cur)
        return NULL;
    uint64_t n = rn_xmem_length(&cur->p->xmem, handle);
    uint8_t *d = n ? rn_xmem_range(&cur->p->xmem, handle, n) : NULL;
    if (d && len)
        *len = (size_t)n;
    return d;
}

uint8_t *runnel_current_memory(runnel_current_plugin *cur, size_t *size)
{
    if (size)
        *size = 0;
    if (!cur)
        return NULL;
    rn_xmem *x = &cur->p->xmem;
    if (!x->initialized)
        rn_xmem_load_u8(x, 0); /* makes the root, as any kernel call does */
    if (size)
        *size = (size_t)rn_xmem_size(x);
    return x->data;
}

runnel_status runnel_current_set_error(runnel_current_plugin *cur, const char *msg, size_t len)
{
    if (!cur)
        return RUNNEL_BADARG;
    if (!msg || len == 0) {
        rn_xmem_error_set(&cur->p->xmem, 0);
        return RUNNEL_OK;
    }
    uint64_t h = rn_xmem_new(&cur->p->xmem, msg, len);
    if (!h)
        return RUNNEL_NOMEM;
    rn_xmem_error_set(&cur->p->xmem, h);
    return RUNNEL_OK;
}

runnel_status runnel_current_fail(runnel_current_plugin *cur, const char *fmt, ...)
{
    if (!cur)
        return RUNNEL_TRAP;
    va_list ap;
    va_start(ap, fmt);
    free(cur->fail);
    cur->fail = rn_vformat_max(1024, fmt ? fmt : "host function failed", ap);
    va_end(ap);
    return RUNNEL_TRAP;
}

void *runnel_current_host_context(runnel_current_plugin *cur) { return cur ? cur->p->host_context : NULL; }
runnel_plugin *runnel_current_plugin_of(runnel_current_plugin *cur) { return cur ? cur->p : NULL; }
