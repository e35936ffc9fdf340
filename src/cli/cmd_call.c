/*
 * cmd_call.c - `runnel call FILE FUNCTION`: call an Extism plugin, as `extism call` does.
 *
 * The flags are extism's CLI's (extism/cli call.go; docs/abi-extism.md, "The extism call
 * command"), so that a command line written for `extism call` works with `runnel call`. Like extism's
 * CLI, the command builds a manifest from the flags (the file, the linked modules, grants and limits)
 * and hands it to the plugin layer, so the flags mean exactly what the manifest fields mean; with
 * -m/--manifest the file is a manifest and the flags are merged into it.
 *
 * Output: the plugin's output and a newline on stdout (with --loop N > 1, a blank line after each
 * call, as extism's CLI prints). A failing call prints its error on stderr and exits 1; so does a call
 * that returns non-zero without an error ("returned non-zero exit code: N"). Plugin logs go to stderr
 * at the level given by --log-level, else RUNNEL_LOG, else error (extism's CLI default).
 *
 * Differences, both deliberate: `--allow-path ro:HOST:GUEST` grants HOST read-only (extism's CLI splits
 * that at every colon and so cannot express the manifest's `ro:` prefix); --fuel N is added, the
 * manifest-less way to set the fuel limit that libextism's API has.
 */
#include "cli.h"

#include "runnel/plugin.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void rn_cli_help_call(FILE *out)
{
    fprintf(out,
            "usage: runnel call [OPTIONS] FILE FUNCTION\n\n"
            "Calls FUNCTION of the Extism plugin FILE (a .wasm file, an http(s) URL, or with -m a JSON\n"
            "manifest) and prints its output and a newline. The flags are those of `extism call`.\n\n"
            "options:\n"
            "  -i, --input TEXT            the input (default: empty)\n"
            "  --stdin                     read the input from stdin\n"
            "  --loop N                    call N times on the same plugin (default 1)\n"
            "  --wasi                      enable WASI (the plugin's stdout/stderr are passed through)\n"
            "  --allow-path HOST[:GUEST]   grant a host directory (ro:HOST[:GUEST] read-only)\n"
            "  --allow-host GLOB           allow HTTP requests to matching hosts (none: no HTTP)\n"
            "  --enable-http-response-headers  let the plugin read HTTP response headers\n"
            "  --var-max BYTES             size of the plugin's var store (0 disables vars)\n"
            "  --http-response-max BYTES   largest HTTP response the plugin may read\n"
            "  --config KEY=VALUE          a config value (repeatable; without = it is an error)\n"
            "  --set-config JSON           config values as a JSON object (--config wins)\n"
            "  -m, --manifest              FILE is a JSON manifest\n"
            "  --link NAME=PATH            link another module under NAME (repeatable)\n"
            "  --log-level LEVEL           trace, debug, info, warn, error or off (default: RUNNEL_LOG,\n"
            "                              else error)\n"
            "  --fetch-timeout MS          a wasm `url` of the manifest must arrive within MS\n"
            "                              milliseconds (default 60000)\n"
            "  --fetch-connect-timeout MS  ... and its server connect within MS (default 10000)\n"
            "  --compiled                  compile the plugin's modules to native code with the system C\n"
            "                              compiler first (cached: see runnel compile; RUNNEL_COMPILE=1\n"
            "                              does the same)\n");
    rn_cli_limits_help(out, "memory-max");
    fprintf(out,
            "                              (0 removes a manifest's own timeout_ms or max_pages)\n"
            "  -h, --help                  this text\n\n"
            "exit status: 0 success; 1 the plugin failed to load or the call failed (the error is\n"
            "printed); 2 wrong command line.\n\n"
            "example: runnel call code.wasm count_vowels --input \"this is a test\"\n");
}

typedef struct call_opts {
    const char *file, *func, *input, *set_config, *log_level;
    bool stdin_input, wasi, manifest, http_headers;
    uint64_t loop, fetch_connect_ms, fetch_ms; /* fetch: 0 = the defaults */
    rn_cli_limits limits;
    int64_t var_max, http_max; /* -1: not given */
    const char **paths, **hosts, **config, **links;
    size_t npaths, nhosts, nconfig, nlinks;
    rn_cli_tier tier; /* --compiled */
} call_opts;

static bool push(const char ***list, size_t *n, const char *v)
{
    const char **l = realloc(*list, (*n + 1) * sizeof *l);
    if (!l)
        return false;
    l[(*n)++] = v;
    *list = l;
    return true;
}

static int parse_int_opt(const char *name, const char *v, uint64_t max, uint64_t *out)
{
    if (!rn_cli_parse_u64(v, max, out)) {
        rn_cli_error("call: --%s wants a non-negative integer, not '%s'", name, v);
        return RN_CLI_USAGE;
    }
    return -1;
}

static int parse_args(int argc, char **argv, call_opts *o)
{
    o->loop = 1;
    o->var_max = o->http_max = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int got, rc;
        uint64_t n;
        if (rn_cli_is_help(a)) {
            rn_cli_help_call(stdout);
            return RN_CLI_OK;
        }
        if (a[0] != '-' || a[1] == 0) {
            if (!o->file)
                o->file = a;
            else if (!o->func)
                o->func = a;
            else {
                rn_cli_error("call: unexpected argument '%s' (see runnel help call)", a);
                return RN_CLI_USAGE;
            }
            continue;
        }
        if (strcmp(a, "-i") == 0 || strcmp(a, "-m") == 0) {
            if (a[1] == 'm') {
                o->manifest = true;
                continue;
            }
            if (i + 1 >= argc) {
                rn_cli_error("option -i needs a value");
                return RN_CLI_USAGE;
            }
            o->input = argv[++i];
            continue;
        }
#define FLAG(name, field)                                                                                            \
    if (strcmp(a, "--" name) == 0) {                                                                                 \
        o->field = true;                                                                                             \
        continue;                                                                                                    \
    }
        FLAG("stdin", stdin_input)
        FLAG("wasi", wasi)
        FLAG("manifest", manifest)
        FLAG("enable-http-response-headers", http_headers)
        FLAG("compiled", tier.compiled)
#undef FLAG
        if ((got = rn_cli_limit_option(&o->limits, "call", "memory-max", argc, argv, &i)) != 0) {
            if (got < 0)
                return RN_CLI_USAGE;
            continue;
        }
#define OPT(name)                                                                                                    \
    if ((got = rn_cli_option(argc, argv, &i, name, &v)) < 0)                                                         \
        return RN_CLI_USAGE;                                                                                         \
    if (got)
        OPT("input") { o->input = v; continue; }
        OPT("set-config") { o->set_config = v; continue; }
        OPT("log-level") { o->log_level = v; continue; }
        OPT("allow-path") { if (!push(&o->paths, &o->npaths, v)) return RN_CLI_FAIL; continue; }
        OPT("allow-host") { if (!push(&o->hosts, &o->nhosts, v)) return RN_CLI_FAIL; continue; }
        OPT("config") {
            if (!strchr(v, '=') || v[0] == '=') {
                rn_cli_error("call: --config wants KEY=VALUE, not '%s'", v);
                return RN_CLI_USAGE;
            }
            if (!push(&o->config, &o->nconfig, v))
                return RN_CLI_FAIL;
            continue;
        }
        OPT("link") { if (!push(&o->links, &o->nlinks, v)) return RN_CLI_FAIL; continue; }
        OPT("loop") { if ((rc = parse_int_opt("loop", v, UINT32_MAX, &o->loop)) >= 0) return rc; continue; }
        OPT("fetch-timeout") {
            if ((rc = parse_int_opt("fetch-timeout", v, UINT32_MAX, &o->fetch_ms)) >= 0 || o->fetch_ms == 0)
                return rc >= 0 ? rc : (rn_cli_error("call: --fetch-timeout must be 1 or more"), RN_CLI_USAGE);
            continue;
        }
        OPT("fetch-connect-timeout") {
            if ((rc = parse_int_opt("fetch-connect-timeout", v, UINT32_MAX, &o->fetch_connect_ms)) >= 0 ||
                o->fetch_connect_ms == 0)
                return rc >= 0 ? rc : (rn_cli_error("call: --fetch-connect-timeout must be 1 or more"), RN_CLI_USAGE);
            continue;
        }
        OPT("var-max") {
            if ((rc = parse_int_opt("var-max", v, INT64_MAX, &n)) >= 0)
                return rc;
            o->var_max = (int64_t)n;
            continue;
        }
        OPT("http-response-max") {
            if ((rc = parse_int_opt("http-response-max", v, INT64_MAX, &n)) >= 0)
                return rc;
            o->http_max = (int64_t)n;
            continue;
        }
#undef OPT
        rn_cli_error("call: unknown option %s (see runnel help call)", a);
        return RN_CLI_USAGE;
    }
    if (!o->file) {
        rn_cli_error("call: an input file is required (see runnel help call)");
        return RN_CLI_USAGE;
    }
    if (!o->func) {
        rn_cli_error("call: a function name is required (see runnel help call)");
        return RN_CLI_USAGE;
    }
    if (o->input && o->stdin_input) {
        rn_cli_error("call: --input and --stdin cannot be used together");
        return RN_CLI_USAGE;
    }
    return -1;
}

static bool is_url(const char *s) { return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0; }

static json_t *source(const char *name, const char *path)
{
    json_t *w = json_object();
    if (w) {
        json_object_set_new(w, is_url(path) ? "url" : "path", json_string(path));
        if (name)
            json_object_set_new(w, "name", json_string(name));
    }
    return w;
}

static json_t *ensure_obj(json_t *parent, const char *key)
{
    json_t *o = json_object_get(parent, key);
    if (!json_is_object(o)) {
        o = json_object();
        json_object_set_new(parent, key, o);
    }
    return o;
}

/* obj[key (klen bytes)] = value, both whole (no length cap) and valid UTF-8 (JSON's strings are), else
   an error naming the flag: nothing the user typed is cut short or dropped silently. */
static bool set_string(json_t *obj, const char *key, size_t klen, const char *value, const char *flag)
{
    json_t *v = json_string(value);
    if (!v || json_object_setn_new(obj, key, klen, v) != 0) {
        rn_cli_error("%s: %.*s=%s is not valid UTF-8 (a manifest holds only UTF-8 text)", flag, (int)klen, key,
                     value);
        return false;
    }
    return true;
}

/* The manifest the flags describe (or the given one, with the flags merged in). */
static json_t *build_manifest(const call_opts *o)
{
    json_t *m;
    if (o->manifest) {
        json_error_t err;
        uint8_t *text;
        size_t len;
        if (!rn_cli_read_file(o->file, &text, &len)) /* held to the input limit like every file */
            return NULL;
        m = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &err);
        free(text);
        if (!m) {
            rn_cli_error("%s: %s (line %d)", o->file, err.text, err.line);
            return NULL;
        }
        if (!json_is_object(m)) {
            rn_cli_error("%s: a manifest is a JSON object", o->file);
            json_decref(m);
            return NULL;
        }
    } else
        m = json_object();
    json_t *wasm = json_array();
    for (size_t i = 0; i < o->nlinks; i++) {
        const char *eq = strchr(o->links[i], '=');
        const char *path = eq ? eq + 1 : o->links[i];
        char *name;
        if (eq)
            name = strndup(o->links[i], (size_t)(eq - o->links[i]));
        else { /* the file's name without extension, as extism's CLI does */
            const char *base = strrchr(path, '/');
            name = strdup(base ? base + 1 : path);
            char *dot = name ? strrchr(name, '.') : NULL;
            if (dot)
                *dot = 0;
        }
        json_t *w = name ? source(name, path) : NULL;
        free(name);
        if (!w || !json_string_value(json_object_get(w, "name")) ||
            !json_string_value(json_object_get(w, json_object_get(w, "url") ? "url" : "path"))) {
            rn_cli_error("--link: %s is not valid UTF-8 (a manifest holds only UTF-8 text)", o->links[i]);
            json_decref(w);
            json_decref(wasm);
            json_decref(m);
            return NULL;
        }
        json_array_append_new(wasm, w);
    }
    if (o->manifest)
        json_array_extend(wasm, json_object_get(m, "wasm"));
    else
        json_array_append_new(wasm, source(NULL, o->file));
    json_object_set_new(m, "wasm", wasm);

    if (o->nhosts) {
        json_t *hosts = json_object_get(m, "allowed_hosts");
        if (!json_is_array(hosts)) {
            hosts = json_array();
            json_object_set_new(m, "allowed_hosts", hosts);
        }
        for (size_t i = 0; i < o->nhosts; i++)
            json_array_append_new(hosts, json_string(o->hosts[i]));
    }
    if (o->npaths) {
        json_t *paths = ensure_obj(m, "allowed_paths");
        for (size_t i = 0; i < o->npaths; i++) {
            const char *a = o->paths[i];
            bool ro = strncmp(a, "ro:", 3) == 0;
            const char *spec = ro ? a + 3 : a, *colon = strchr(spec, ':');
            /* the key: the host path with its "ro:" (a's own prefix, so a's first bytes) */
            size_t klen = (size_t)((colon ? colon : spec + strlen(spec)) - a);
            if (!set_string(paths, a, klen, colon ? colon + 1 : spec, "--allow-path")) {
                json_decref(m);
                return NULL;
            }
        }
    }
    if (o->set_config || o->nconfig) {
        json_t *config = ensure_obj(m, "config");
        if (o->set_config) {
            json_error_t err;
            json_t *c = json_loads(o->set_config, 0, &err);
            if (!json_is_object(c)) {
                rn_cli_error("invalid value for --set-config flag: %s", c ? "not a JSON object" : err.text);
                json_decref(c);
                json_decref(m);
                return NULL;
            }
            json_object_update(config, c);
            json_decref(c);
        }
        for (size_t i = 0; i < o->nconfig; i++) {
            const char *eq = strchr(o->config[i], '=');
            size_t klen = eq ? (size_t)(eq - o->config[i]) : strlen(o->config[i]);
            if (!set_string(config, o->config[i], klen, eq ? eq + 1 : "", "--config")) {
                json_decref(m);
                return NULL;
            }
        }
    }
    /* 0 means no limit, as on every command: it removes a manifest's own limit too */
    const rn_cli_limits *l = &o->limits;
    if (l->has_memory && l->max_pages > 0)
        json_object_set_new(ensure_obj(m, "memory"), "max_pages", json_integer((json_int_t)l->max_pages));
    else if (l->has_memory && json_is_object(json_object_get(m, "memory")))
        json_object_del(json_object_get(m, "memory"), "max_pages");
    if (o->http_max >= 0)
        json_object_set_new(ensure_obj(m, "memory"), "max_http_response_bytes", json_integer(o->http_max));
    if (o->var_max >= 0)
        json_object_set_new(ensure_obj(m, "memory"), "max_var_bytes", json_integer(o->var_max));
    if (l->has_timeout && l->timeout_ms > 0)
        json_object_set_new(m, "timeout_ms", json_integer((json_int_t)l->timeout_ms));
    else if (l->has_timeout)
        json_object_del(m, "timeout_ms");
    return m;
}

static int run(call_opts *o)
{
    runnel_log_level level = RUNNEL_LOG_ERROR;
    if (o->log_level) {
        if (!runnel_log_level_parse(o->log_level, &level)) {
            rn_cli_error("call: --log-level wants trace, debug, info, warn, error or off, not '%s'", o->log_level);
            return RN_CLI_USAGE;
        }
    } else if (getenv("RUNNEL_LOG") && !runnel_log_level_parse(getenv("RUNNEL_LOG"), &level))
        level = RUNNEL_LOG_ERROR;

    uint8_t *input = NULL;
    size_t input_len = 0;
    if (o->stdin_input && !rn_cli_read_file("-", &input, &input_len))
        return RN_CLI_FAIL;
    json_t *m = build_manifest(o);
    if (!m) {
        free(input);
        return RN_CLI_FAIL;
    }
    char *text = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    runnel_plugin_options opts = {.size = sizeof(runnel_plugin_options),
        .wasi = o->wasi,
        .wasi_inherit_stdio = o->wasi,
        .fuel = o->limits.fuel, /* 0: no limit */
        .stack_bytes = o->limits.stack_bytes,
        .max_call_depth = o->limits.max_depth,
        .fetch_connect_timeout_ms = o->fetch_connect_ms,
        .fetch_timeout_ms = o->fetch_ms,
        .http_response_headers = o->http_headers,
        .has_log_level = true,
        .log_level = level,
        .allow_network_sources = true,
        .compiled = o->tier.compiled,
        .compile = &o->tier.opts,
    };
    runnel_report r = {0};
    runnel_plugin *p = text ? runnel_plugin_new(text, strlen(text), &opts, &r) : NULL;
    rn_cli_tier_end(&o->tier);
    free(text);
    int rc = RN_CLI_OK;
    if (!p) {
        rn_cli_error("%s", r.message ? r.message : "out of memory");
        rc = RN_CLI_FAIL;
    }
    const char *in = o->stdin_input ? (const char *)input : (o->input ? o->input : "");
    size_t in_len = o->stdin_input ? input_len : strlen(in);
    for (uint64_t i = 0; rc == RN_CLI_OK && i < o->loop; i++) {
        int32_t code = runnel_plugin_call(p, o->func, in, in_len, NULL);
        const char *err = runnel_plugin_error(p);
        if (err) {
            /* the plugin's error_set text is the guest's: escaped whole, its newlines too */
            char *safe = runnel_text_escape(err);
            rn_cli_error("%s", safe ? safe : "(out of memory)");
            free(safe);
            /* where a trap happened, as the engine saw it (Extism's own CLI prints only the text) */
            const runnel_report *rep = runnel_plugin_last_report(p);
            for (size_t f = 0; rep && f < rep->nframes; f++) {
                const runnel_frame *fr = &rep->frames[f];
                char *name = fr->func_name ? runnel_text_escape(fr->func_name) : NULL;
                if (name)
                    fprintf(stderr, "  at %s (offset 0x%x)\n", name, fr->offset);
                else
                    fprintf(stderr, "  at function %u (offset 0x%x)\n", fr->func_index, fr->offset);
                free(name);
            }
            rc = RN_CLI_FAIL;
        } else if (code != 0) {
            rn_cli_error("returned non-zero exit code: %d", code);
            rc = RN_CLI_FAIL;
        } else {
            size_t n;
            const uint8_t *out = runnel_plugin_output(p, &n);
            fwrite(out, 1, n, stdout);
            fputc('\n', stdout);
            if (o->loop > 1)
                fputc('\n', stdout);
            fflush(stdout);
        }
    }
    runnel_plugin_free(p);
    runnel_report_clear(&r);
    free(input);
    return rc;
}

int rn_cli_cmd_call(int argc, char **argv)
{
    call_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc < 0 && !rn_cli_tier_begin(&o.tier, o.file, false))
        rc = RN_CLI_USAGE;
    if (rc < 0)
        rc = run(&o);
    rn_cli_tier_end(&o.tier);
    free(o.paths);
    free(o.hosts);
    free(o.config);
    free(o.links);
    return rc;
}
