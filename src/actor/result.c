/*
 * result.c - reading what `process` returns (an ActorResult) into messages.
 *
 * What Reflow's host accepts, and so what we must accept (docs/abi-reflow.md, "ActorResult"):
 *   - {"outputs": {port: {"type": T, "data": D}}, "state": S}; `outputs` is required and must be an
 *     object (Reflow: "Invalid ActorResult: missing outputs"); S an object replaces the state, null or
 *     absent keeps it;
 *   - the whole result as a JSON string holding base64 of that JSON (the older Go SDK);
 *   - {"type":"Flow"} without data (the Rust SDK's Flow).
 * Where Reflow's host silently drops an output it cannot read, we reject the result with the reason
 * and the plugin's own text: a message lost without a word is the hardest bug a flow author can meet.
 * A result is accepted or rejected as a whole, so a rejected call delivers no half of its outputs.
 *
 * A legacy plugin (older ABI, see hostfn.c) returns a plain object whose values are untagged; those
 * are typed by shape, as __send_output's are.
 */
#include "actor_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *rn_actor_quote(const uint8_t *text, size_t len, size_t max)
{
    char *e = runnel_text_escape_n(text, len < max ? len : max);
    if (!e || len <= max)
        return e;
    size_t n = strlen(e);
    char *s = realloc(e, n + 4);
    if (!s) {
        free(e);
        return NULL;
    }
    memcpy(s + n, "...", 4);
    return s;
}

void rn_result_clear(rn_result *res)
{
    for (size_t i = 0; i < res->count; i++) {
        free(res->ports[i]);
        runnel_msg_clear(&res->msgs[i]);
    }
    free(res->ports);
    free(res->msgs);
    json_decref(res->state);
    memset(res, 0, sizeof *res);
}

/* "invalid result from process: WHY; the plugin returned: TEXT" */
static runnel_status bad_result(runnel_report *r, const uint8_t *out, size_t len, const char *why)
{
    char *text = rn_actor_quote(out, len, 1024);
    runnel_status st = rn_actor_fail(r, RUNNEL_BADARG, "invalid result from process: %s; the plugin returned: %s", why,
                                     text ? text : "(out of memory)");
    free(text);
    return st;
}

/* The result document: the JSON, or the JSON inside a base64 string. */
static json_t *load_result(const runnel_actor *a, const uint8_t *out, size_t len, const uint8_t *raw, size_t rawlen,
                           runnel_report *r)
{
    json_error_t err;
    char too_big[300];
    if (!rn_actor_json_fits(a, out, len, "the result", too_big, sizeof too_big)) {
        rn_actor_fail(r, RUNNEL_BADARG, "invalid result from process: %s", too_big);
        return NULL;
    }
    json_t *doc = json_loadb((const char *)out, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!doc) {
        char why[300];
        snprintf(why, sizeof why, "not JSON (%s at line %d, column %d)", err.text, err.line, err.column);
        bad_result(r, raw, rawlen, why);
        return NULL;
    }
    if (json_is_string(doc) && out == raw) {
        size_t n = 0;
        uint8_t *bytes = NULL;
        rn_base64_decode(json_string_value(doc), json_string_length(doc), RN_BASE64_LENIENT, &bytes, &n);
        json_decref(doc);
        if (!bytes) {
            bad_result(r, raw, rawlen, "a JSON string that is not base64 of an ActorResult");
            return NULL;
        }
        doc = load_result(a, bytes, n, raw, rawlen, r);
        free(bytes);
    }
    return doc;
}

static runnel_status add_output(rn_result *res, size_t cap, const char *port, runnel_msg *msg)
{
    if (res->count == cap)
        return RUNNEL_NOMEM;
    char *p = strdup(port);
    if (!p)
        return RUNNEL_NOMEM;
    res->ports[res->count] = p;
    res->msgs[res->count] = *msg;
    *msg = runnel_msg_flow();
    res->count++;
    return RUNNEL_OK;
}

runnel_status rn_actor_read_result(const runnel_actor *a, const uint8_t *out, size_t len, rn_result *res,
                                   runnel_report *r)
{
    memset(res, 0, sizeof *res);
    if (len == 0)
        return rn_actor_fail(r, RUNNEL_BADARG, "invalid result from process: no output (an ActorResult was expected)");
    json_t *doc = load_result(a, out, len, out, len, r);
    if (!doc)
        return RUNNEL_BADARG;

    runnel_status st = RUNNEL_OK;
    const json_t *outputs = doc;
    if (a->abi == RN_ABI_CURRENT) {
        if (!json_is_object(doc)) {
            st = bad_result(r, out, len, "an ActorResult must be a JSON object");
            goto done;
        }
        outputs = json_object_get(doc, "outputs");
        if (!json_is_object(outputs)) {
            st = bad_result(r, out, len,
                            outputs ? "Invalid ActorResult: outputs must be an object"
                                    : "Invalid ActorResult: missing outputs");
            goto done;
        }
        const json_t *state = json_object_get(doc, "state");
        if (state && !json_is_null(state)) {
            if (!json_is_object(state)) {
                st = bad_result(r, out, len, "Invalid ActorResult: state must be an object or null");
                goto done;
            }
            if (!(res->state = json_deep_copy(state))) {
                st = rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
                goto done;
            }
        }
    } else if (!json_is_object(doc)) {
        st = bad_result(r, out, len, "a legacy plugin's result must be a JSON object of outputs");
        goto done;
    }

    size_t cap = json_object_size(outputs);
    res->ports = calloc(cap ? cap : 1, sizeof *res->ports);
    res->msgs = calloc(cap ? cap : 1, sizeof *res->msgs);
    if (!res->ports || !res->msgs) {
        st = rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
        goto done;
    }
    const char *port;
    const json_t *v;
    json_object_foreach((json_t *)outputs, port, v)
    {
        if (!rn_actor_outport_ok(a, port)) {
            char *list = rn_actor_outport_list(a);
            char why[1024];
            snprintf(why, sizeof why, "output on port \"%s\", which %s does not declare (its out-ports: %s)", port,
                     a->meta->component, list && *list ? list : "none");
            free(list);
            st = bad_result(r, out, len, why);
            goto done;
        }
        runnel_msg m;
        runnel_report sub = {0};
        st = a->abi == RN_ABI_LEGACY ? runnel_msg_from_plain(&m, v, &sub) : runnel_msg_from_json(&m, v, &sub);
        if (st != RUNNEL_OK) {
            char why[1024];
            snprintf(why, sizeof why, "outputs.%s: %s", port, sub.message ? sub.message : "bad message");
            runnel_report_clear(&sub);
            st = bad_result(r, out, len, why);
            goto done;
        }
        if (add_output(res, cap, port, &m) != RUNNEL_OK) {
            runnel_msg_clear(&m);
            st = rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
            goto done;
        }
    }
done:
    json_decref(doc);
    if (st != RUNNEL_OK)
        rn_result_clear(res);
    return st;
}
