/*
 * hostfn.c - the three Reflow host functions, and which ABI a plugin expects them in.
 *
 * docs/abi-reflow.md, "Host functions": in module extism:host/user, arguments and results are Extism
 * handles.
 *   __send_output (I) -> ()     a JSON object {port: plain value}; each value is typed by shape and
 *                               delivered at once, before `process` returns
 *   __get_state   (I) -> I      key (raw UTF-8) -> the value's JSON text, "null" when absent
 *   __set_state   (II) -> ()    key, value JSON text
 * The older Rust SDK (reflow-plugins/wasm_actor.wasm) declares every one of them returning a handle:
 * (I) -> I, (I) -> I, (II) -> I. A WebAssembly import must match its definition exactly (spec 4.5.4,
 * "Instantiation", import matching), so we read the module's import section before compiling it and
 * define the functions with the type the module declares. The extra results carry nothing useful; we
 * return 0 ("no block"), which the Extism PDKs treat as an empty value.
 *
 * Ports: __send_output may name ports the metadata does not declare. Reflow routes them anyway and its
 * own Go plugins rely on it (counter_with_state sends `status` and `count`), so they are delivered;
 * with the actor option strict_ports they become Error messages instead. (The outputs a result returns
 * are always checked: result.c.)
 *
 * State: the functions read and write the working copy of the call (rn_actor_call.state), which the
 * actor commits when the call succeeds. The handles the guest passes in stay the guest's: Reflow's
 * host reads them without freeing them, and freeing them here would turn the guest's own later free
 * into a free of some other block.
 */
#include "actor_impl.h"

#include <stdlib.h>
#include <string.h>

static rn_actor_call *current_call(runnel_current_plugin *cur)
{
    return (rn_actor_call *)runnel_current_host_context(cur);
}

/* A host function failure: the plugin's call stops with this message, which the actor reports. */
static runnel_status fail_call(runnel_current_plugin *cur, rn_actor_call *call, const char *msg)
{
    if (call && !call->failure)
        call->failure = strdup(msg);
    return runnel_current_fail(cur, "%s", msg);
}

/* The JSON in the block at handle h, or NULL (with why). */
static json_t *load_block(runnel_current_plugin *cur, uint64_t h, size_t flags, char *why, size_t whysize,
                          const char *fn)
{
    size_t len = 0;
    const uint8_t *p = runnel_current_block(cur, h, &len);
    if (!p) {
        snprintf(why, whysize, "%s: handle %llu is not a block of Extism memory", fn, (unsigned long long)h);
        return NULL;
    }
    if (!rn_actor_json_fits(current_call(cur)->actor, p, len, fn, why, whysize))
        return NULL;
    json_error_t err;
    json_t *v = json_loadb((const char *)p, len, flags | JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!v) {
        char *text = rn_actor_quote(p, len, 200);
        snprintf(why, whysize, "%s: not JSON (%s): %s", fn, err.text, text ? text : "");
        free(text);
    }
    return v;
}

static runnel_status host_send_output(runnel_current_plugin *cur, const runnel_val *args, size_t nargs,
                                      runnel_val *results, size_t nresults, void *user)
{
    (void)user;
    rn_actor_call *call = current_call(cur);
    if (nresults)
        results[0] = RUNNEL_I64(0);
    if (!call || nargs < 1)
        return runnel_current_fail(cur, "__send_output called outside an actor's process call");
    char why[512];
    json_t *v = load_block(cur, (uint64_t)args[0].of.i64, 0, why, sizeof why, "__send_output");
    if (!v)
        return fail_call(cur, call, why);
    if (!json_is_object(v)) {
        json_decref(v);
        return fail_call(cur, call, "__send_output: expected a JSON object {port: value}");
    }
    const char *port;
    json_t *val;
    json_object_foreach(v, port, val)
    {
        runnel_msg m;
        runnel_report r = {0};
        if (call->actor->strict_ports && !rn_actor_outport_ok(call->actor, port)) {
            /* Undeclared port, refused: the message is not lost silently; the error port says so. */
            char *list = rn_actor_outport_list(call->actor);
            char *text = rn_actor_format("__send_output to port \"%s\", which %s does not declare (its out-ports: "
                                         "%s); message dropped",
                                         port, call->actor->meta->component, list && *list ? list : "none");
            free(list);
            rn_actor_emit_error(call->emit, call->user, text ? text : "__send_output to an undeclared port");
            free(text);
            continue;
        }
        if (runnel_msg_from_plain(&m, val, &r) != RUNNEL_OK) {
            char *text = rn_actor_format("__send_output: port %s: %s", port, r.message ? r.message : "bad value");
            runnel_report_clear(&r);
            json_decref(v);
            runnel_status st = fail_call(cur, call, text ? text : "__send_output: bad value");
            free(text);
            return st;
        }
        if (call->emit)
            call->emit(call->user, port, &m, RUNNEL_EMIT_SENT);
        runnel_msg_clear(&m);
    }
    json_decref(v);
    return RUNNEL_OK;
}

static runnel_status host_get_state(runnel_current_plugin *cur, const runnel_val *args, size_t nargs,
                                    runnel_val *results, size_t nresults, void *user)
{
    (void)user;
    rn_actor_call *call = current_call(cur);
    if (nresults)
        results[0] = RUNNEL_I64(0);
    if (!call || nargs < 1 || nresults < 1)
        return runnel_current_fail(cur, "__get_state called outside an actor's process call");
    size_t klen = 0;
    const uint8_t *k = runnel_current_block(cur, (uint64_t)args[0].of.i64, &klen);
    if (!k)
        return fail_call(cur, call, "__get_state: the key is not a block of Extism memory");
    const json_t *v = json_object_getn(call->state, (const char *)k, klen);
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("null");
    if (!text)
        return fail_call(cur, call, "__get_state: out of memory");
    uint64_t h = runnel_current_alloc_bytes(cur, text, strlen(text));
    free(text);
    if (!h)
        return fail_call(cur, call, "__get_state: out of Extism memory");
    results[0] = RUNNEL_I64((int64_t)h);
    return RUNNEL_OK;
}

static runnel_status host_set_state(runnel_current_plugin *cur, const runnel_val *args, size_t nargs,
                                    runnel_val *results, size_t nresults, void *user)
{
    (void)user;
    rn_actor_call *call = current_call(cur);
    if (nresults)
        results[0] = RUNNEL_I64(0);
    if (!call || nargs < 2)
        return runnel_current_fail(cur, "__set_state called outside an actor's process call");
    size_t klen = 0;
    const uint8_t *k = runnel_current_block(cur, (uint64_t)args[0].of.i64, &klen);
    if (!k)
        return fail_call(cur, call, "__set_state: the key is not a block of Extism memory");
    char *key = malloc(klen + 1);
    if (!key)
        return fail_call(cur, call, "__set_state: out of memory");
    memcpy(key, k, klen);
    key[klen] = '\0';
    char why[512];
    json_t *v = load_block(cur, (uint64_t)args[1].of.i64, JSON_ALLOW_NUL, why, sizeof why, "__set_state");
    if (!v) {
        free(key);
        return fail_call(cur, call, why);
    }
    /* the limit: what this key held is given back, what it will hold is charged; a write that does not
       grow the state is always allowed (the host may have set a larger one) */
    const json_t *old = json_object_getn(call->state, key, klen);
    uint64_t was = old ? rn_actor_member_bytes(klen, old) : 0, now = rn_actor_member_bytes(klen, v);
    uint64_t total = call->state_bytes - was + now, max = call->actor->max_state_bytes;
    if (max && now > was && total > max) {
        free(key);
        json_decref(v);
        snprintf(why, sizeof why, "__set_state: the actor's state would exceed its limit of %llu bytes",
                 (unsigned long long)max);
        return fail_call(cur, call, why);
    }
    int rc = json_object_setn_new(call->state, key, klen, v);
    free(key);
    if (rc != 0) /* a key that is not valid UTF-8, or no memory */
        return fail_call(cur, call, "__set_state: the key is not valid UTF-8");
    call->state_bytes = total;
    return RUNNEL_OK;
}

static const runnel_plugin_function current_fns[] = {
    {NULL, "__send_output", "I", "", host_send_output, NULL, NULL},
    {NULL, "__get_state", "I", "I", host_get_state, NULL, NULL},
    {NULL, "__set_state", "II", "", host_set_state, NULL, NULL},
};
static const runnel_plugin_function legacy_fns[] = {
    {NULL, "__send_output", "I", "I", host_send_output, NULL, NULL},
    {NULL, "__get_state", "I", "I", host_get_state, NULL, NULL},
    {NULL, "__set_state", "II", "I", host_set_state, NULL, NULL},
};

const runnel_plugin_function *rn_actor_host_functions(rn_actor_abi abi, size_t *n)
{
    *n = 3;
    return abi == RN_ABI_LEGACY ? legacy_fns : current_fns;
}

void rn_actor_emit_error(runnel_actor_emit_fn emit, void *user, const char *text)
{
    if (!emit)
        return;
    runnel_msg m;
    if (runnel_msg_error(&m, text) != RUNNEL_OK)
        m = runnel_msg_flow(); /* out of memory: still signal the failure on the error port */
    emit(user, RUNNEL_ACTOR_ERROR_PORT, &m, RUNNEL_EMIT_ERROR);
    runnel_msg_clear(&m);
}

/* ---------------------------------------------------------------- which ABI: the import section */

/* A bounded reader over the module bytes (spec 5.1.3 vectors, 5.2.2 LEB128 integers). */
typedef struct rd {
    const uint8_t *p, *end;
    bool bad;
} rd;

static uint32_t rd_u32(rd *r)
{
    uint32_t v = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (r->p >= r->end) {
            r->bad = true;
            return 0;
        }
        uint8_t b = *r->p++;
        v |= (uint32_t)(b & 0x7F) << shift;
        if (!(b & 0x80))
            return v;
    }
    r->bad = true;
    return 0;
}

static const uint8_t *rd_bytes(rd *r, uint32_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    return p;
}

static bool name_is(const uint8_t *p, uint32_t n, const char *s)
{
    return p && strlen(s) == n && memcmp(p, s, n) == 0;
}

/* The number of results of function type `index` (spec 5.3.6: 0x60 params results), or -1. */
static int type_results(const uint8_t *types, const uint8_t *end, uint32_t index)
{
    if (!types)
        return -1;
    rd r = {types, end, false};
    uint32_t count = rd_u32(&r);
    if (index >= count)
        return -1;
    for (uint32_t i = 0; i <= index && !r.bad; i++) {
        const uint8_t *form = rd_bytes(&r, 1);
        if (!form || *form != 0x60)
            return -1;
        rd_bytes(&r, rd_u32(&r)); /* params: one byte per value type */
        uint32_t nres = rd_u32(&r);
        rd_bytes(&r, nres);
        if (i == index)
            return r.bad ? -1 : (int)nres;
    }
    return -1;
}

rn_actor_abi rn_actor_detect_abi(const uint8_t *wasm, size_t len)
{
    if (len < 8 || memcmp(wasm, "\0asm", 4) != 0)
        return RN_ABI_CURRENT;
    rd r = {wasm + 8, wasm + len, false};
    const uint8_t *types = NULL, *types_end = NULL;
    while (!r.bad && r.p < r.end) {
        const uint8_t *id = rd_bytes(&r, 1);
        uint32_t size = rd_u32(&r);
        const uint8_t *body = rd_bytes(&r, size);
        if (!id || !body)
            break;
        if (*id == 1) {
            types = body;
            types_end = body + size;
        } else if (*id == 2) {
            rd s = {body, body + size, false};
            uint32_t n = rd_u32(&s);
            for (uint32_t i = 0; i < n && !s.bad; i++) {
                uint32_t ml = rd_u32(&s);
                const uint8_t *mod = rd_bytes(&s, ml);
                uint32_t fl = rd_u32(&s);
                const uint8_t *field = rd_bytes(&s, fl);
                const uint8_t *kind = rd_bytes(&s, 1);
                if (!kind)
                    break;
                switch (*kind) {
                case 0: { /* function: a type index */
                    uint32_t ti = rd_u32(&s);
                    if (name_is(mod, ml, RUNNEL_PLUGIN_USER_NAMESPACE) &&
                        (name_is(field, fl, "__send_output") || name_is(field, fl, "__set_state")) &&
                        type_results(types, types_end, ti) == 1)
                        return RN_ABI_LEGACY;
                    break;
                }
                case 1: /* table: reftype, limits */
                    rd_bytes(&s, 1);
                    /* fall through */
                case 2: { /* memory: limits */
                    const uint8_t *flag = rd_bytes(&s, 1);
                    rd_u32(&s);
                    if (flag && (*flag & 1))
                        rd_u32(&s);
                    break;
                }
                case 3: /* global: valtype, mutability */ rd_bytes(&s, 2); break;
                default: return RN_ABI_CURRENT;
                }
            }
            return RN_ABI_CURRENT; /* the import section comes after the type section and only once */
        }
    }
    return RN_ABI_CURRENT;
}
