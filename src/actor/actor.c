/*
 * actor.c - a Reflow actor: a plugin plus the state, configuration and metadata the host holds for it.
 *
 * How Reflow's host runs an actor (docs/abi-reflow.md, "How Reflow's host runs an actor") and what we keep:
 *   - WASI on, the three host functions, a fresh plugin instance for every call: state lives only in
 *     the host. We keep that as the default (a new runnel_plugin from the compiled plugin for each
 *     call), because a plugin written for Reflow may rely on its globals starting fresh; keep_warm
 *     trades that for speed.
 *   - One `process` call per message, its outputs sent on as one packet, after what __send_output sent
 *     during the call.
 *   - No limits at all. We run with a default timeout and memory cap (RUNNEL_ACTOR_DEFAULT_*), so that
 *     a runaway actor cannot take a graph down; both are options. They are set on each plugin with
 *     runnel_plugin_set_limits before its first instruction runs, so get_metadata runs under them too.
 *   - The first error stops a Reflow actor. Ours reports the error (an Error message on the `error`
 *     out-port, a status, a report) and stays usable: the failed call's instance is dropped and its
 *     state changes are discarded, so the next message meets the actor exactly as it was before.
 *     An Error message is one text, so a trap's backtrace (runnel_plugin_last_report) goes into it as
 *     lines under the first, "  at FUNCTION (offset 0x...)", innermost first: the one place where a
 *     user sees where a plugin like reflow-plugins/debug.wasm trapped.
 *
 * State transactions: the call works on a copy of the state (__set_state writes there); on success the
 * result's `state` object replaces it, or, when the result has none, the copy with __set_state's
 * writes becomes the state. On failure the copy is dropped.
 */
#include "actor_impl.h"
#include "fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- ports */

bool rn_actor_outport_ok(const runnel_actor *a, const char *port)
{
    if (!a->meta || strcmp(port, RUNNEL_ACTOR_ERROR_PORT) == 0)
        return true;
    return runnel_actor_metadata_outport(a->meta, port) != NULL;
}

static char *port_list(const runnel_port_def *p, size_t n)
{
    size_t size = 1;
    for (size_t i = 0; i < n; i++)
        size += strlen(p[i].name) + 2;
    char *s = malloc(size);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(s, ", ");
        strcat(s, p[i].name);
    }
    return s;
}

char *rn_actor_outport_list(const runnel_actor *a)
{
    return a->meta ? port_list(a->meta->outports, a->meta->noutports) : strdup("");
}

/* ---------------------------------------------------------------- making an actor */

/* Frames beyond this many are summed up in one line: a deep recursion would bury the message. */
#define BACKTRACE_MAX_FRAMES 32

/* text (consumed) with the backtrace of the plugin's last call under it, one "  at" line a frame;
   text itself when there is none. NULL when out of memory. */
static char *with_backtrace(const runnel_actor *a, char *text)
{
    const runnel_report *rep = runnel_plugin_last_report(a->plugin);
    if (!text || !rep || rep->nframes == 0)
        return text;
    size_t n = rep->nframes < BACKTRACE_MAX_FRAMES ? rep->nframes : BACKTRACE_MAX_FRAMES;
    size_t size = strlen(text) + 1 + 64;
    for (size_t i = 0; i < n; i++) /* a name grows at most 4 times when escaped */
        size += 48 + (rep->frames[i].func_name ? 4 * strlen(rep->frames[i].func_name) : 0);
    char *out = malloc(size);
    if (!out) {
        free(text);
        return NULL;
    }
    size_t o = (size_t)snprintf(out, size, "%s", text);
    free(text);
    for (size_t i = 0; i < n; i++) {
        const runnel_frame *f = &rep->frames[i];
        char *name = f->func_name ? runnel_text_escape(f->func_name) : NULL; /* the guest's name section */
        if (name)
            o += (size_t)snprintf(out + o, size - o, "\n  at %s (offset 0x%x)", name, (unsigned)f->offset);
        else
            o += (size_t)snprintf(out + o, size - o, "\n  at function %u (offset 0x%x)", (unsigned)f->func_index,
                                  (unsigned)f->offset);
        free(name);
    }
    if (rep->nframes > n)
        snprintf(out + o, size - o, "\n  ... %zu more", rep->nframes - n);
    return out;
}

/* The failure of the plugin's last call, as one line that says what happened in the user's terms, with
   the plugin's own text (docs/abi-extism.md, "Calling an export", gives the texts the plugin layer uses),
   and where it happened when the plugin layer knows (with_backtrace). */
static char *call_failure(const runnel_actor *a, int32_t rc, const char *func)
{
    const char *err = runnel_plugin_error(a->plugin);
    const runnel_plugin_limits *l = &a->limits;
    char *text;
    if (!err)
        err = "no error text";
    if (strcmp(err, "timeout") == 0)
        text = rn_actor_format("%s timed out: it ran longer than the actor's limit of %llu ms", func,
                               (unsigned long long)l->timeout_ms);
    else if (strcmp(err, "oom") == 0)
        text = rn_actor_format("%s ran out of memory: it needed more than the actor's limit of %lu pages of 64 KiB",
                               func, (unsigned long)l->max_pages);
    else if (strcmp(err, "plugin ran out of fuel") == 0)
        text = rn_actor_format("%s ran out of fuel (the actor's limit is %llu units)", func,
                               (unsigned long long)l->fuel);
    else if (strncmp(err, "Exited with i32 exit status ", 28) == 0)
        text = rn_actor_format("%s exited (WASI proc_exit) with code %d", func, (int)rc);
    else {
        /* the plugin's own text (error_set) is one line of the message, whatever it holds */
        char *safe = runnel_text_escape(err);
        text = rn_actor_format(rc == 134 ? "%s trapped: %s" : "%s failed: %s", func, safe ? safe : "?");
        free(safe);
    }
    return with_backtrace(a, text);
}

static void read_metadata(runnel_actor *a)
{
    if (!runnel_plugin_function_exists(a->plugin, "get_metadata")) {
        a->meta_error = strdup(a->abi == RN_ABI_LEGACY
                                   ? "the plugin exports no get_metadata: it is a plugin of the older Reflow ABI "
                                     "(its host functions return handles); it runs, with unknown ports"
                                   : "the plugin exports no get_metadata; its ports are unknown");
        return;
    }
    json_t *empty = json_object();
    rn_actor_call call = {.actor = a, .state = empty};
    int32_t rc = runnel_plugin_call(a->plugin, "get_metadata", NULL, 0, &call);
    json_decref(empty);
    free(call.failure);
    if (runnel_plugin_error(a->plugin)) {
        a->meta_error = call_failure(a, rc, "get_metadata");
        return;
    }
    size_t len = 0;
    const uint8_t *out = runnel_plugin_output(a->plugin, &len);
    a->meta_text = malloc(len + 1);
    if (!a->meta_text)
        return;
    memcpy(a->meta_text, out, len);
    a->meta_text[len] = '\0';
    json_error_t err;
    char why[300];
    if (!rn_actor_json_fits(a, out, len, "get_metadata", why, sizeof why)) {
        a->meta_error = strdup(why);
        return;
    }
    json_t *doc = json_loadb(a->meta_text, len, 0, &err);
    if (!doc) {
        char *text = rn_actor_quote(out, len, 300);
        a->meta_error = rn_actor_format("get_metadata returned something that is not a JSON object (%s): %s", err.text,
                                        text ? text : "");
        free(text);
        return;
    }
    runnel_report r = {0};
    a->meta = runnel_actor_metadata_parse(doc, &r);
    json_decref(doc);
    if (!a->meta)
        a->meta_error = strdup(r.message ? r.message : "bad metadata");
    runnel_report_clear(&r);
}

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* The node config (with schema defaults) checked against the schema, and the context's `config`. */
static runnel_status make_config(runnel_actor *a, const runnel_actor_options *o, runnel_report *r)
{
    const json_t *schema = a->meta ? a->meta->config_schema : NULL;
    if (o->config && !json_is_object(o->config))
        return rn_actor_fail(r, RUNNEL_BADARG, "the actor's config must be a JSON object");
    if (o->resolved_env && !json_is_object(o->resolved_env))
        return rn_actor_fail(r, RUNNEL_BADARG, "the actor's resolved_env must be a JSON object");
    json_t *config = (schema && !o->no_config_defaults) ? runnel_json_schema_defaults(schema, o->config)
                                                        : (o->config ? json_deep_copy(o->config) : json_object());
    if (!config)
        return rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
    if (schema && !o->skip_config_check) {
        runnel_report sub = {0};
        if (runnel_json_schema_check(schema, config, "config", &sub) != RUNNEL_OK) {
            runnel_status st =
                rn_actor_fail(r, RUNNEL_BADARG, "%s: the node's config does not match its config_schema: %s",
                              a->meta->component, sub.message ? sub.message : "mismatch");
            runnel_report_clear(&sub);
            json_decref(config);
            return st;
        }
    }
    const char *component = a->meta ? a->meta->component : "actor";
    json_t *cc = json_object();
    json_t *env = o->resolved_env ? json_deep_copy(o->resolved_env) : json_object();
    if (!cc || !env) {
        json_decref(env);
        env = NULL;
    }
    if (!cc || !env || json_object_set_new(cc, "node_id", json_string(o->node_id ? o->node_id : component)) != 0 ||
        json_object_set_new(cc, "component", json_string(component)) != 0 ||
        json_object_set_new(cc, "resolved_env", env) != 0 || json_object_set(cc, "config", config) != 0 ||
        json_object_set_new(cc, "namespace", string_or_null(o->namespace_)) != 0) {
        json_decref(cc);
        json_decref(config);
        return rn_actor_fail(r, RUNNEL_NOMEM, "out of memory (or a node_id that is not UTF-8)");
    }
    a->context_config = cc;
    a->config = config;
    json_decref(config); /* cc holds it */
    if (!(a->context_config_text = json_dumps(cc, JSON_COMPACT)))
        return rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
    return RUNNEL_OK;
}

/* ---------------------------------------------------------------- limits */

/* One limit: an explicit option wins (RUNNEL_ACTOR_UNLIMITED: none), then the plugin's own (*has, from
   its manifest), then the default; at most max. Sets *has and returns the value. */
static uint64_t choose_limit(uint64_t option, bool *has, uint64_t own, uint64_t dflt, uint64_t max)
{
    if (option == RUNNEL_ACTOR_UNLIMITED) {
        *has = false;
        return 0;
    }
    uint64_t v = option ? option : *has ? own : dflt;
    *has = true;
    return v < max ? v : max;
}

/* The limits every plugin of the actor runs under, from the options and the plugin's own limits (what
   its manifest says: timeout_ms, memory.max_pages; a timeout of 0 is the plugin layer's "none given"). */
static runnel_plugin_limits actor_limits(runnel_plugin_limits own, const runnel_actor_options *o)
{
    runnel_plugin_limits l = own;
    bool has_timeout = own.timeout_ms != 0;
    l.timeout_ms = choose_limit(o->timeout_ms, &has_timeout, own.timeout_ms, RUNNEL_ACTOR_DEFAULT_TIMEOUT_MS,
                                UINT64_MAX - 1);
    l.max_pages = (uint32_t)choose_limit(o->max_memory_pages, &l.has_max_pages, own.max_pages,
                                         RUNNEL_ACTOR_DEFAULT_MAX_PAGES, 65536);
    return l;
}

/* The state limit of the options: 0 for none. */
static uint64_t state_limit(uint64_t option)
{
    return option == RUNNEL_ACTOR_UNLIMITED ? 0 : option ? option : RUNNEL_ACTOR_DEFAULT_MAX_STATE_BYTES;
}

/* A new plugin from the compiled one: a fresh instance, as Reflow gives every call, under the actor's
   limits (set before anything runs, so from its first instruction). With options (the actor's first
   plugin), the limits are worked out first, from the options and what the plugin brings. */
static runnel_status fresh_plugin(runnel_actor *a, const runnel_actor_options *o, runnel_report *r)
{
    runnel_plugin *p = runnel_plugin_new_from_compiled(a->compiled, r);
    if (!p)
        return r && r->status != RUNNEL_OK ? r->status : RUNNEL_NOMEM;
    if (o)
        a->limits = actor_limits(runnel_plugin_get_limits(p), o);
    runnel_plugin_set_limits(p, &a->limits);
    if (a->meta)
        runnel_plugin_set_name(p, a->meta->component);
    runnel_plugin_free(a->plugin);
    a->plugin = p;
    a->warm = false;
    return RUNNEL_OK;
}

/* The caller's options by the growth rule of option structs (rn_options_read). */
static bool read_options(runnel_actor_options *given, const runnel_actor_options *opts, runnel_report *r)
{
    if (rn_options_read(given, sizeof *given, opts, RN_OPTIONS_V1(runnel_actor_options, no_config_defaults)))
        return true;
    rn_actor_fail(r, RUNNEL_BADARG, "runnel_actor_options: a size this library cannot read (%zu)", opts->size);
    return false;
}

runnel_actor *runnel_actor_new(const void *wasm, size_t len, const runnel_actor_options *opts, runnel_report *r)
{
    runnel_actor_options given;
    const runnel_actor_options *o = &given;
    if (!read_options(&given, opts, r))
        return NULL;
    runnel_actor *a = calloc(1, sizeof *a);
    if (!a || (!wasm && len)) {
        free(a);
        rn_actor_fail(r, a ? RUNNEL_BADARG : RUNNEL_NOMEM, a ? "no plugin bytes" : "out of memory");
        return NULL;
    }
    a->abi = rn_actor_detect_abi(wasm, len);
    a->keep_warm = o->keep_warm;
    a->strict_ports = o->strict_ports;
    a->max_state_bytes = state_limit(o->max_state_bytes);
    a->entry_point = strdup(o->entry_point ? o->entry_point : "process");
    a->state = json_object();
    if (!a->entry_point || !a->state) {
        rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
        goto fail;
    }

    runnel_plugin_options po = RUNNEL_OPTIONS_INIT(runnel_plugin_options);
    po.wasi = true;
    po.wasi_inherit_stdio = o->inherit_stdio;
    po.fuel = o->fuel == RUNNEL_ACTOR_UNLIMITED ? 0 : o->fuel;
    po.stack_bytes = o->stack_bytes;
    po.max_call_depth = o->max_call_depth;
    po.compiled = o->compiled;
    po.compile = o->compile;
    po.functions = rn_actor_host_functions(a->abi, &po.nfunctions);
    a->compiled = runnel_compiled_plugin_new(wasm, len, &po, r);
    if (!a->compiled || fresh_plugin(a, o, r) != RUNNEL_OK)
        goto fail;

    if (!runnel_plugin_function_exists(a->plugin, a->entry_point)) {
        rn_actor_fail(r, RUNNEL_UNLINKABLE, "the plugin exports no function \"%s\" (the actor's entry point)",
                      a->entry_point);
        goto fail;
    }
    read_metadata(a);
    if (make_config(a, o, r) != RUNNEL_OK)
        goto fail;
    return a;
fail:
    runnel_actor_free(a);
    return NULL;
}

runnel_actor *runnel_actor_spawn(const runnel_actor *proto, const runnel_actor_options *opts, runnel_report *r)
{
    runnel_actor_options given;
    const runnel_actor_options *o = &given;
    if (!read_options(&given, opts, r))
        return NULL;
    runnel_actor *a = calloc(1, sizeof *a);
    if (!a) {
        rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
        return NULL;
    }
    a->abi = proto->abi;
    a->keep_warm = o->keep_warm;
    a->strict_ports = o->strict_ports;
    a->max_state_bytes = state_limit(o->max_state_bytes);
    a->entry_point = strdup(o->entry_point ? o->entry_point : proto->entry_point);
    a->state = json_object();
    a->compiled = runnel_compiled_plugin_retain(proto->compiled);
    bool ok = a->entry_point && a->state;
    if (ok && proto->meta) {
        a->meta = runnel_actor_metadata_parse(proto->meta->json, r);
        ok = a->meta != NULL;
    }
    if (ok && proto->meta_error)
        ok = (a->meta_error = strdup(proto->meta_error)) != NULL;
    if (ok && proto->meta_text)
        ok = (a->meta_text = strdup(proto->meta_text)) != NULL;
    if (!ok) {
        rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
        goto fail;
    }
    if (fresh_plugin(a, o, r) != RUNNEL_OK)
        goto fail;
    if (!runnel_plugin_function_exists(a->plugin, a->entry_point)) {
        rn_actor_fail(r, RUNNEL_UNLINKABLE, "the plugin exports no function \"%s\" (the actor's entry point)",
                      a->entry_point);
        goto fail;
    }
    if (make_config(a, o, r) != RUNNEL_OK)
        goto fail;
    return a;
fail:
    runnel_actor_free(a);
    return NULL;
}

runnel_actor *runnel_actor_load(const char *path, const runnel_actor_options *opts, runnel_report *r)
{
    uint8_t *buf;
    size_t len;
    int err = rn_read_file(path, &buf, &len); /* the library's one reader (fileio.h), with its limit */
    if (err) {
        char why[160];
        rn_actor_fail(r, err == ENOMEM ? RUNNEL_NOMEM : RUNNEL_BADARG, "%s: cannot %s: %s", path,
                      err == ENOENT || err == EACCES ? "open" : "read", rn_io_strerror(err, why, sizeof why));
        return NULL;
    }
    runnel_actor *a = runnel_actor_new(buf, len, opts, r);
    free(buf);
    return a;
}

void runnel_actor_free(runnel_actor *a)
{
    if (!a)
        return;
    runnel_plugin_free(a->plugin);
    runnel_compiled_plugin_free(a->compiled);
    runnel_actor_metadata_free(a->meta);
    free(a->meta_error);
    free(a->meta_text);
    json_decref(a->state);
    json_decref(a->context_config);
    free(a->context_config_text);
    free(a->entry_point);
    free(a);
}

const runnel_actor_metadata *runnel_actor_get_metadata(const runnel_actor *a)
{
    return a->meta;
}
const char *runnel_actor_metadata_error(const runnel_actor *a)
{
    return a->meta ? NULL : a->meta_error;
}
const char *runnel_actor_metadata_text(const runnel_actor *a)
{
    return a->meta_text;
}
bool runnel_actor_is_legacy(const runnel_actor *a)
{
    return a->abi == RN_ABI_LEGACY;
}
const json_t *runnel_actor_config(const runnel_actor *a)
{
    return a->config;
}
const json_t *runnel_actor_state(const runnel_actor *a)
{
    return a->state;
}

runnel_status runnel_actor_set_state(runnel_actor *a, const json_t *state, runnel_report *r)
{
    if (a->in_call)
        return rn_actor_fail(r, RUNNEL_BADARG, "the actor's state cannot be replaced while it processes a message");
    if (state && !json_is_object(state))
        return rn_actor_fail(r, RUNNEL_BADARG, "an actor's state must be a JSON object");
    json_t *copy = state ? json_deep_copy(state) : json_object();
    if (!copy)
        return rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
    json_decref(a->state);
    a->state = copy;
    a->state_bytes = runnel_actor_json_bytes(copy) - RUNNEL_ACTOR_STATE_VALUE_BYTES;
    return RUNNEL_OK;
}

/* State sizes. The limit is on what the state makes the host hold, so it counts jansson's bookkeeping
   roughly as well as the bytes: a value, an object member and an array slot each cost about what
   their jansson structures and allocations take. Counting only the JSON text would let a million empty
   keys, or an array of a million zeros (2 bytes of text, 40 of host memory each), pass as small. */
uint64_t runnel_actor_json_bytes(const json_t *v)
{
    uint64_t n = RUNNEL_ACTOR_STATE_VALUE_BYTES;
    if (json_is_string(v))
        return n + json_string_length(v);
    if (json_is_array(v))
        for (size_t i = 0; i < json_array_size(v); i++)
            n += RUNNEL_ACTOR_STATE_ELEMENT_BYTES + runnel_actor_json_bytes(json_array_get(v, i));
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)v, k, m) n += rn_actor_member_bytes(strlen(k), m);
    return n;
}

uint64_t rn_actor_member_bytes(size_t klen, const json_t *value)
{
    return RUNNEL_ACTOR_STATE_MEMBER_BYTES + klen + runnel_actor_json_bytes(value);
}

uint64_t runnel_actor_state_bytes(const runnel_actor *a) { return a ? a->state_bytes : 0; }

/* jansson takes about 20 times the text for an array of small numbers ("0," is 2 bytes of text and a
   40-byte integer with its slot), so an actor's output of 256 MiB, within its memory limit, could make
   the host parse it into gigabytes. Every JSON text a guest hands the host (results, __send_output,
   __set_state, metadata) is therefore costed from its text first, by a scan that counts what the
   parse would make: every string (a key too), number, literal and container as a value and an array
   element, every `:` as a member, plus string bytes. That overestimates (a key is counted twice),
   never underestimates, and a text whose cost exceeds the actor's memory limit (at least
   RN_ACTOR_MIN_PARSE_CAP) is refused unparsed: the host spends on a guest's JSON no more than the
   guest may spend on its own memory. */
uint64_t rn_actor_json_text_cost(const uint8_t *t, size_t n)
{
    uint64_t cost = 0;
    bool in_string = false, escaped = false, in_scalar = false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = t[i];
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            cost++;
            continue;
        }
        bool scalar = !strchr("\"{}[]:, \t\r\n", c) && c != 0;
        if (c == '"' || c == '{' || c == '[' || (scalar && !in_scalar)) /* a value, maybe an array's element */
            cost += RUNNEL_ACTOR_STATE_VALUE_BYTES + RUNNEL_ACTOR_STATE_ELEMENT_BYTES;
        else if (c == ':')
            cost += RUNNEL_ACTOR_STATE_MEMBER_BYTES;
        in_string = c == '"';
        in_scalar = scalar;
    }
    return cost;
}

bool rn_actor_json_fits(const runnel_actor *a, const uint8_t *text, size_t len, const char *what, char *why,
                        size_t whysize)
{
    if (!a->limits.has_max_pages)
        return true;
    uint64_t cap = (uint64_t)a->limits.max_pages * RUNNEL_PAGE_SIZE, cost = rn_actor_json_text_cost(text, len);
    if (cap < RN_ACTOR_MIN_PARSE_CAP)
        cap = RN_ACTOR_MIN_PARSE_CAP;
    if (cost <= cap)
        return true;
    snprintf(why, whysize, "%s: its JSON (%zu bytes) would take about %llu bytes of host memory to read, more "
             "than the actor's memory limit allows (%llu bytes)", what, len, (unsigned long long)cost,
             (unsigned long long)cap);
    return false;
}

/* ---------------------------------------------------------------- process */

/* The ActorContext for these inputs: {"payload": {port: tagged message}, "config": ..., "state": ...}.
   A legacy plugin reads a plain object: {port: data}. */
static char *context_text(const runnel_actor *a, const runnel_port_msg *in, size_t n, runnel_report *r)
{
    json_t *payload = json_object();
    for (size_t i = 0; payload && i < n; i++) {
        json_t *m = a->abi == RN_ABI_LEGACY ? runnel_msg_data_json(&in[i].msg) : runnel_msg_to_json(&in[i].msg);
        if (!m || json_object_set_new(payload, in[i].port, m) != 0) {
            json_decref(payload);
            rn_actor_fail(r, RUNNEL_BADARG,
                          "input on port \"%s\" cannot be written as JSON (a String that is not UTF-8?)", in[i].port);
            return NULL;
        }
    }
    if (!payload) {
        rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
        return NULL;
    }
    if (a->abi == RN_ABI_LEGACY) {
        char *text = json_dumps(payload, JSON_COMPACT);
        json_decref(payload);
        if (!text)
            rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
        return text;
    }
    /* {"payload":P,"config":C,"state":S} by concatenation: C never changes, so its text is made once
       (a jansson tree dumped whole at every call cost about a microsecond more: bench/graph) */
    char *pt = json_dumps(payload, JSON_COMPACT), *st = json_dumps(a->state, JSON_COMPACT);
    json_decref(payload);
    const char *ct = a->context_config_text;
    char *text = NULL;
    if (pt && st && ct) {
        size_t n = strlen(pt) + strlen(ct) + strlen(st) + 32;
        if ((text = malloc(n)) != NULL)
            snprintf(text, n, "{\"payload\":%s,\"config\":%s,\"state\":%s}", pt, ct, st);
    }
    free(pt);
    free(st);
    if (!text)
        rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
    return text;
}

/* What kind of failure the plugin's error is (see runnel_actor_process in actor.h). */
static runnel_status failure_status(int32_t rc, const char *err)
{
    if (rc == 134 || strcmp(err, "timeout") == 0 || strcmp(err, "oom") == 0 ||
        strcmp(err, "plugin ran out of fuel") == 0)
        return RUNNEL_TRAP;
    if (strncmp(err, "Exited with i32 exit status ", 28) == 0)
        return RUNNEL_EXIT;
    return RUNNEL_BADARG;
}

/* Reports and emits a failure; drops the instance so that the next call starts clean. */
static runnel_status fail_process(runnel_actor *a, runnel_status st, const char *text, runnel_actor_emit_fn emit,
                                  void *user, runnel_report *r)
{
    rn_actor_emit_error(emit, user, text);
    a->warm = false; /* the next call gets a fresh instance */
    return rn_actor_fail(r, st, "%s", text);
}

runnel_status runnel_actor_process(runnel_actor *a, const runnel_port_msg *inputs, size_t ninputs,
                                   runnel_actor_emit_fn emit, void *user, runnel_report *r)
{
    if (!a || (ninputs && !inputs))
        return rn_actor_fail(r, RUNNEL_BADARG, "runnel_actor_process: no actor or no inputs");
    /* An emit callback that calls back into the same actor would free the plugin that is running. */
    if (a->in_call)
        return rn_actor_fail(r, RUNNEL_BADARG,
                             "runnel_actor_process: the actor is already processing a message "
                             "(called again from its own output callback?)");
    for (size_t i = 0; i < ninputs; i++) {
        if (!inputs[i].port)
            return rn_actor_fail(r, RUNNEL_BADARG, "an input without a port name");
        if (a->meta && !runnel_actor_metadata_inport(a->meta, inputs[i].port)) {
            char *list = port_list(a->meta->inports, a->meta->ninports);
            runnel_status st = rn_actor_fail(r, RUNNEL_BADARG, "%s has no in-port \"%s\" (its in-ports: %s)",
                                             a->meta->component, inputs[i].port, list && *list ? list : "none");
            free(list);
            return st;
        }
    }
    char *input = context_text(a, inputs, ninputs, r);
    if (!input)
        return r ? r->status : RUNNEL_BADARG;

    rn_actor_call call = {.actor = a, .emit = emit, .user = user, .state = json_deep_copy(a->state),
                          .state_bytes = a->state_bytes};
    if (!call.state) {
        free(input);
        return rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
    }
    /* get_metadata ran in the first plugin: `process` always starts from a fresh one, and so does every
       call unless the actor is kept warm */
    if ((!a->warm || !a->keep_warm) && fresh_plugin(a, NULL, r) != RUNNEL_OK) {
        free(input);
        json_decref(call.state);
        rn_actor_emit_error(emit, user, r && r->message ? r->message : "cannot make a plugin instance");
        return r ? r->status : RUNNEL_NOMEM;
    }
    a->in_call = true;
    int32_t rc = runnel_plugin_call(a->plugin, a->entry_point, input, strlen(input), &call);
    free(input);
    a->warm = true;

    runnel_status st = RUNNEL_OK;
    const char *err = runnel_plugin_error(a->plugin);
    if (err) {
        /* A host function's own message is the clearest account of what went wrong. */
        char *text = call.failure ? with_backtrace(a, rn_actor_format("%s failed: %s", a->entry_point, call.failure))
                                  : call_failure(a, rc, a->entry_point);
        st = fail_process(a, call.failure ? RUNNEL_BADARG : failure_status(rc, err), text ? text : "process failed",
                          emit, user, r);
        free(text);
        goto done;
    }
    size_t len = 0;
    const uint8_t *out = runnel_plugin_output(a->plugin, &len);
    rn_result res;
    runnel_report sub = {0};
    if (rn_actor_read_result(a, out, len, &res, &sub) != RUNNEL_OK) {
        st = fail_process(a, sub.status, sub.message ? sub.message : "invalid result", emit, user, r);
        runnel_report_clear(&sub);
        goto done;
    }
    uint64_t bytes = res.state ? runnel_actor_json_bytes(res.state) - RUNNEL_ACTOR_STATE_VALUE_BYTES : call.state_bytes;
    if (res.state && a->max_state_bytes && bytes > a->max_state_bytes && bytes > a->state_bytes) {
        char *text = rn_actor_format("%s returned a state of %llu bytes, over the actor's state limit of %llu bytes",
                                     a->entry_point, (unsigned long long)bytes,
                                     (unsigned long long)a->max_state_bytes);
        st = fail_process(a, RUNNEL_BADARG, text ? text : "the result's state exceeds its limit", emit, user, r);
        free(text);
        rn_result_clear(&res);
        goto done;
    }
    /* Commit, then deliver: the state is the actor's before any receiver sees the outputs. */
    json_decref(a->state);
    a->state_bytes = bytes;
    if (res.state) {
        a->state = res.state;
        res.state = NULL;
    } else {
        a->state = call.state;
        call.state = NULL;
    }
    for (size_t i = 0; emit && i < res.count; i++)
        emit(user, res.ports[i], &res.msgs[i], RUNNEL_EMIT_RESULT);
    rn_result_clear(&res);
    if (r)
        runnel_report_clear(r);
done:
    a->in_call = false;
    json_decref(call.state);
    free(call.failure);
    return st;
}

/* ---------------------------------------------------------------- collecting outputs */

void runnel_actor_collect(void *user, const char *port, const runnel_msg *msg, runnel_emit_kind kind)
{
    runnel_actor_outputs *o = user;
    if (o->count == o->cap) {
        size_t ncap = o->cap ? o->cap * 2 : 8;
        runnel_actor_output *n = realloc(o->items, ncap * sizeof *n);
        if (!n) {
            o->nomem = true;
            return;
        }
        o->items = n;
        o->cap = ncap;
    }
    runnel_actor_output *it = &o->items[o->count];
    it->port = strdup(port);
    if (!it->port || runnel_msg_copy(&it->msg, msg) != RUNNEL_OK) {
        free(it->port);
        o->nomem = true;
        return;
    }
    it->kind = kind;
    o->count++;
}

void runnel_actor_outputs_clear(runnel_actor_outputs *o)
{
    for (size_t i = 0; i < o->count; i++) {
        free(o->items[i].port);
        runnel_msg_clear(&o->items[i].msg);
    }
    free(o->items);
    memset(o, 0, sizeof *o);
}
