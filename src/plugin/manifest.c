/*
 * manifest.c - Extism's manifest: which modules a plugin is made of, and its limits and grants.
 *
 * The format is Extism's (extism-manifest, serialised with serde), so a manifest written for Extism
 * loads here unchanged (docs/abi-extism.md, "Manifest"; docs/plugins.md). Like serde with
 * deny_unknown_fields, every object is closed: a misspelt field ("max_page") is an error naming it, not
 * a silently ignored limit. `null` stands for "absent" wherever Extism's field is an Option. Duplicate
 * keys are refused too (serde would take the last; a manifest with two `timeout_ms` is a mistake worth
 * reporting).
 *
 * Wasm sources are loaded here, while parsing, so that the compiled plugin holds only bytes: a path
 * (relative to the embedder's base directory), inline base64 `data`, or a `url` fetched with libcurl
 * (only when the embedder allows network sources). A `hash` is checked against the SHA-256 of the
 * bytes, as lowercase hex text, with Extism's message on mismatch. Extism's other form of `data`, an
 * object {ptr, len} naming host memory, is refused: reading host memory at an address from a JSON text
 * is not something a sandbox should do.
 *
 * rn_manifest_check parses and validates the same way but loads nothing: a `path` is not opened and a
 * `url` not fetched (inline `data` is still decoded and its hash checked, which touches nothing
 * outside the text). It exists so that the parser can be fuzzed (tests/fuzz/fuzz_manifest.c) without
 * the fuzzer's inputs naming files to read or hosts to contact; both entry points share every line
 * of the parsing, so what the check accepts is what a load parses.
 */
#include "plugin_impl.h"
#include "sha256.h"

#include "fileio.h"
#include "module.h" /* rn_fail */

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>


static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* Every key of obj must be one of `allowed` (NULL-terminated). */
static runnel_status closed(json_t *obj, const char *where, const char *const *allowed, runnel_report *r)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        bool ok = false;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok) {
            char list[256] = "";
            for (size_t i = 0; allowed[i]; i++) {
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s`%s`", i ? ", " : "", allowed[i]);
            }
            return rn_fail(r, RUNNEL_BADARG, 0, "manifest: unknown field `%s` in %s, expected one of %s", key, where,
                           list);
        }
    }
    (void)v;
    return RUNNEL_OK;
}

/* An optional unsigned integer: absent or null leaves *has false. */
static runnel_status get_uint(json_t *obj, const char *key, uint64_t max, bool *has, uint64_t *out, runnel_report *r)
{
    json_t *v = json_object_get(obj, key);
    *has = false;
    if (!v || json_is_null(v))
        return RUNNEL_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
        return rn_fail(r, RUNNEL_BADARG, 0, "manifest: `%s` must be an integer in 0..%llu", key,
                       (unsigned long long)max);
    *has = true;
    *out = (uint64_t)json_integer_value(v);
    return RUNNEL_OK;
}

/* An object of string values into a kv array. */
static runnel_status get_string_map(json_t *obj, const char *what, rn_kv **out, size_t *n, runnel_report *r)
{
    *out = NULL;
    *n = 0;
    if (!json_is_object(obj))
        return rn_fail(r, RUNNEL_BADARG, 0, "manifest: `%s` must be an object of strings", what);
    size_t count = json_object_size(obj);
    rn_kv *kv = calloc(count + 1, sizeof *kv);
    if (!kv)
        return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    const char *key;
    json_t *v;
    size_t i = 0;
    json_object_foreach(obj, key, v) {
        if (!json_is_string(v)) {
            for (size_t j = 0; j < i; j++) {
                free(kv[j].key);
                free(kv[j].value);
            }
            free(kv);
            return rn_fail(r, RUNNEL_BADARG, 0, "manifest: `%s`.`%s` must be a string", what, key);
        }
        kv[i].key = strdup(key);
        kv[i].value = dupn(json_string_value(v), json_string_length(v));
        i++;
        if (!kv[i - 1].key || !kv[i - 1].value) {
            *out = kv;
            *n = i;
            return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
        }
    }
    *out = kv;
    *n = i;
    return RUNNEL_OK;
}

static void free_kv(rn_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

/* A wasm file, through the library's one reader (fileio.h), so that a path such as /dev/zero is held
   to the same input limit as a URL. */
static runnel_status read_file(const char *path, const char *base_dir, uint8_t **out, size_t *len, runnel_report *r)
{
    char *full = NULL;
    if (base_dir && path[0] != '/') {
        size_t n = strlen(base_dir) + strlen(path) + 2;
        if (!(full = malloc(n)))
            return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
        snprintf(full, n, "%s/%s", base_dir, path);
    }
    int err = rn_read_file(full ? full : path, out, len);
    free(full);
    if (err == ENOMEM)
        return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory reading \"%s\"", path);
    if (err) {
        char why[160];
        return rn_fail(r, RUNNEL_BADARG, 0, "Unable to load Wasm file \"%s\": %s", path,
                       rn_io_strerror(err, why, sizeof why));
    }
    return RUNNEL_OK;
}

/* Where the wasm sources come from, and whether they are loaded at all (rn_manifest_check: not). */
typedef struct load_opts {
    const char *base_dir;
    bool allow_network;
    const rn_fetch_limits *fetch; /* timeouts of a `url` fetch; NULL: the defaults */
    bool load; /* false: `path` and `url` are checked for shape only, nothing is read or fetched */
} load_opts;

static const char *const WASM_FIELDS[] = {"path", "data", "url", "headers", "method", "name", "hash", NULL};

static runnel_status load_source(json_t *w, size_t index, const load_opts *lo, rn_wasm_src *src, runnel_report *r)
{
    char where[48];
    snprintf(where, sizeof where, "wasm[%zu]", index);
    if (!json_is_object(w))
        return rn_fail(r, RUNNEL_BADARG, 0, "manifest: %s must be an object with `path`, `data` or `url`", where);
    runnel_status st = closed(w, where, WASM_FIELDS, r);
    if (st != RUNNEL_OK)
        return st;
    json_t *path = json_object_get(w, "path"), *data = json_object_get(w, "data"), *url = json_object_get(w, "url");
    json_t *name = json_object_get(w, "name"), *hash = json_object_get(w, "hash");
    int kinds = !!path + !!data + !!url;
    if (kinds != 1)
        return rn_fail(r, RUNNEL_BADARG, 0, "manifest: %s needs exactly one of `path`, `data` or `url`", where);
    if (!url && (json_object_get(w, "headers") || json_object_get(w, "method")))
        return rn_fail(r, RUNNEL_BADARG, 0, "manifest: %s: `headers` and `method` go with `url` only", where);
    if (name && !json_is_null(name)) {
        if (!json_is_string(name))
            return rn_fail(r, RUNNEL_BADARG, 0, "manifest: %s.name must be a string", where);
        if (!(src->name = dupn(json_string_value(name), json_string_length(name))))
            return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    }
    if (hash && !json_is_null(hash) && !json_is_string(hash))
        return rn_fail(r, RUNNEL_BADARG, 0, "manifest: %s.hash must be a string", where);

    if (path) {
        if (!json_is_string(path))
            return rn_fail(r, RUNNEL_BADARG, 0, "manifest: %s.path must be a string", where);
        if (lo->load)
            st = read_file(json_string_value(path), lo->base_dir, &src->bytes, &src->len, r);
    } else if (data) {
        if (json_is_object(data))
            return rn_fail(r, RUNNEL_BADARG, 0,
                           "manifest: %s.data as {ptr, len} (host memory) is not supported; give base64 text", where);
        if (!json_is_string(data))
            return rn_fail(r, RUNNEL_BADARG, 0, "manifest: %s.data must be base64 text", where);
        if (!rn_base64_decode(json_string_value(data), json_string_length(data), RN_BASE64_STRICT, &src->bytes, &src->len))
            return rn_fail(r, RUNNEL_BADARG, 0, "manifest: %s.data is not valid base64", where);
    } else {
        if (!json_is_string(url))
            return rn_fail(r, RUNNEL_BADARG, 0, "manifest: %s.url must be a string", where);
        json_t *method = json_object_get(w, "method"), *headers = json_object_get(w, "headers");
        if (method && !json_is_null(method) && !json_is_string(method))
            return rn_fail(r, RUNNEL_BADARG, 0, "manifest: %s.method must be a string", where);
        rn_kv *hv = NULL;
        size_t nh = 0;
        if (headers && !json_is_null(headers) && (st = get_string_map(headers, "headers", &hv, &nh, r)) != RUNNEL_OK) {
            free_kv(hv, nh);
            return st;
        }
        if (!lo->load)
            st = RUNNEL_OK;
        else if (!lo->allow_network)
            st = rn_fail(r, RUNNEL_BADARG, 0, "manifest: %s: wasm from a URL (%s) is not allowed by this host", where,
                         json_string_value(url));
        else
            st = rn_fetch_url(json_string_value(url), method && json_is_string(method) ? json_string_value(method) : NULL,
                              hv, nh, lo->fetch, &src->bytes, &src->len, r);
        free_kv(hv, nh);
    }
    if (st != RUNNEL_OK)
        return st;
    if (hash && json_is_string(hash) && (lo->load || data)) {
        uint8_t d[32];
        char hex[65];
        rn_sha256(src->bytes, src->len, d);
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", d[i]);
        if (strcmp(hex, json_string_value(hash)) != 0)
            return rn_fail(r, RUNNEL_BADARG, 0, "Hash mismatch, found %s but expected %s", hex, json_string_value(hash));
    }
    return RUNNEL_OK;
}

static const char *const TOP_FIELDS[] = {"wasm",          "memory",        "config", "allowed_hosts",
                                         "allowed_paths", "timeout_ms",    NULL};
static const char *const MEMORY_FIELDS[] = {"max_pages", "max_http_response_bytes", "max_var_bytes", NULL};

static runnel_status parse_memory(rn_manifest *m, json_t *mem, runnel_report *r)
{
    if (!mem || json_is_null(mem))
        return RUNNEL_OK;
    if (!json_is_object(mem))
        return rn_fail(r, RUNNEL_BADARG, 0, "manifest: `memory` must be an object");
    runnel_status st = closed(mem, "memory", MEMORY_FIELDS, r);
    bool has;
    uint64_t v;
    if (st == RUNNEL_OK && (st = get_uint(mem, "max_pages", 65536, &has, &v, r)) == RUNNEL_OK && has) {
        m->has_max_pages = true;
        m->max_pages = (uint32_t)v;
    }
    if (st == RUNNEL_OK && (st = get_uint(mem, "max_http_response_bytes", INT64_MAX, &has, &v, r)) == RUNNEL_OK && has) {
        m->has_http_max = true;
        m->max_http_response_bytes = v;
    }
    if (st == RUNNEL_OK && (st = get_uint(mem, "max_var_bytes", INT64_MAX, &has, &v, r)) == RUNNEL_OK && has)
        m->max_var_bytes = v;
    return st;
}

static runnel_status parse(rn_manifest *m, json_t *root, const load_opts *lo, runnel_report *r)
{
    if (!json_is_object(root))
        return rn_fail(r, RUNNEL_BADARG, 0, "manifest: the manifest must be a JSON object");
    runnel_status st = closed(root, "the manifest", TOP_FIELDS, r);
    if (st != RUNNEL_OK)
        return st;
    if ((st = parse_memory(m, json_object_get(root, "memory"), r)) != RUNNEL_OK)
        return st;

    json_t *config = json_object_get(root, "config");
    if (config && !json_is_null(config) && (st = get_string_map(config, "config", &m->config, &m->nconfig, r)))
        return st;

    json_t *hosts = json_object_get(root, "allowed_hosts");
    if (hosts && !json_is_null(hosts)) {
        if (!json_is_array(hosts))
            return rn_fail(r, RUNNEL_BADARG, 0, "manifest: `allowed_hosts` must be an array of strings");
        m->has_allowed_hosts = true;
        m->allowed_hosts = calloc(json_array_size(hosts) + 1, sizeof *m->allowed_hosts);
        if (!m->allowed_hosts)
            return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
        size_t i;
        json_t *h;
        json_array_foreach(hosts, i, h) {
            if (!json_is_string(h))
                return rn_fail(r, RUNNEL_BADARG, 0, "manifest: `allowed_hosts`[%zu] must be a string", i);
            if (!(m->allowed_hosts[m->nallowed_hosts++] = strdup(json_string_value(h))))
                return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
        }
    }

    json_t *paths = json_object_get(root, "allowed_paths");
    if (paths && !json_is_null(paths) &&
        (st = get_string_map(paths, "allowed_paths", &m->allowed_paths, &m->nallowed_paths, r)))
        return st;

    bool has;
    uint64_t v;
    if ((st = get_uint(root, "timeout_ms", UINT32_MAX * 1000ull, &has, &v, r)) != RUNNEL_OK)
        return st;
    m->timeout_ms = has ? v : 0;

    json_t *wasm = json_object_get(root, "wasm");
    if (!wasm || json_is_null(wasm) || (json_is_array(wasm) && json_array_size(wasm) == 0))
        return rn_fail(r, RUNNEL_BADARG, 0, "No wasm files specified in Extism manifest");
    if (!json_is_array(wasm))
        return rn_fail(r, RUNNEL_BADARG, 0, "manifest: `wasm` must be an array");
    size_t n = json_array_size(wasm);
    if (!(m->wasm = calloc(n, sizeof *m->wasm)))
        return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    for (size_t i = 0; i < n; i++) {
        m->nwasm = i + 1;
        if ((st = load_source(json_array_get(wasm, i), i, lo, &m->wasm[i], r)) != RUNNEL_OK)
            return st;
    }
    return RUNNEL_OK;
}

static runnel_status parse_text(rn_manifest *m, const char *text, size_t len, const load_opts *lo, runnel_report *r)
{
    memset(m, 0, sizeof *m);
    m->max_var_bytes = 1024 * 1024;
    json_error_t jerr;
    /* No \u0000 in any string: every one (paths, names, hashes, URLs, hosts, config values) is used as a
       C string from here on, so a NUL would silently cut it short: a config value or an allowed host
       other than the manifest says (found by tests/fuzz/fuzz_manifest.c). */
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root && strstr(jerr.text, "\\u0000"))
        return rn_fail(r, RUNNEL_BADARG, 0,
                       "manifest: a string holds \\u0000 (line %d, column %d), which no manifest field can carry",
                       jerr.line, jerr.column);
    if (!root)
        return rn_fail(r, RUNNEL_BADARG, 0, "manifest: not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                       jerr.column);
    runnel_status st = parse(m, root, lo, r);
    json_decref(root);
    if (st != RUNNEL_OK)
        rn_manifest_release(m);
    return st;
}

runnel_status rn_manifest_parse(rn_manifest *m, const char *text, size_t len, const char *base_dir, bool allow_network,
                                const rn_fetch_limits *fetch, runnel_report *r)
{
    load_opts lo = {.base_dir = base_dir, .allow_network = allow_network, .fetch = fetch, .load = true};
    return parse_text(m, text, len, &lo, r);
}

runnel_status rn_manifest_check(rn_manifest *m, const char *text, size_t len, runnel_report *r)
{
    load_opts lo = {.load = false};
    return parse_text(m, text, len, &lo, r);
}

void rn_manifest_release(rn_manifest *m)
{
    for (size_t i = 0; i < m->nwasm; i++) {
        free(m->wasm[i].name);
        free(m->wasm[i].bytes);
    }
    free(m->wasm);
    free_kv(m->config, m->nconfig);
    for (size_t i = 0; i < m->nallowed_hosts; i++)
        free(m->allowed_hosts[i]);
    free(m->allowed_hosts);
    free_kv(m->allowed_paths, m->nallowed_paths);
    memset(m, 0, sizeof *m);
}
