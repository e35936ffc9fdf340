/*
 * fuzz_manifest.c - Extism manifests (src/plugin/manifest.c) under libFuzzer: arbitrary bytes as the
 * JSON a user hands `runnel call -m` or an embedder hands runnel_plugin_new.
 *
 * The parser runs through rn_manifest_check, which parses and validates exactly as a load does but
 * opens no `path` and fetches no `url`, so an input cannot make the fuzzer read files or reach the
 * network. What is checked beyond "no crash, no sanitizer report, no leak":
 *   - a refusal has a status and a message; an accepted manifest has at least one wasm source, each
 *     with bytes exactly when it was inline `data`;
 *   - the limits read are within the ranges the parser promises (max_pages <= 65536, timeout in u32
 *     seconds), and a manifest that parses parses again to the same values (no hidden state);
 *   - every config value and allowed host is the manifest's string exactly: the plugin layer uses them
 *     as C strings, so one cut short at a NUL (\u0000) would grant or configure something else than
 *     the manifest says without a word.
 * Seeds: tests/fuzz/manifest-seeds/, the manifests of tests/plugin (paths made relative).
 */
#include "fuzz_common.h" /* CHECK */
#include "plugin_impl.h"

#include <jansson.h>
#include <string.h>

static void check_same(const rn_manifest *a, const rn_manifest *b)
{
    CHECK(a->nwasm == b->nwasm && a->nconfig == b->nconfig && a->nallowed_hosts == b->nallowed_hosts &&
          a->nallowed_paths == b->nallowed_paths);
    CHECK(a->has_max_pages == b->has_max_pages && a->max_pages == b->max_pages && a->timeout_ms == b->timeout_ms &&
          a->max_var_bytes == b->max_var_bytes && a->has_http_max == b->has_http_max &&
          a->max_http_response_bytes == b->max_http_response_bytes);
    for (size_t i = 0; i < a->nwasm; i++) {
        CHECK(a->wasm[i].len == b->wasm[i].len);
        CHECK(a->wasm[i].len == 0 || memcmp(a->wasm[i].bytes, b->wasm[i].bytes, a->wasm[i].len) == 0);
        CHECK((a->wasm[i].name == NULL) == (b->wasm[i].name == NULL));
    }
    for (size_t i = 0; i < a->nconfig; i++)
        CHECK(strcmp(a->config[i].key, b->config[i].key) == 0 && strcmp(a->config[i].value, b->config[i].value) == 0);
}

static bool same_text(const char *c, const json_t *s)
{
    return json_is_string(s) && strlen(c) == json_string_length(s) && memcmp(c, json_string_value(s), strlen(c)) == 0;
}

/* What the parser kept against the JSON it read. */
static void check_texts(const rn_manifest *m, const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size, JSON_ALLOW_NUL, NULL);
    CHECK(doc != NULL);
    const json_t *config = json_object_get(doc, "config"), *hosts = json_object_get(doc, "allowed_hosts");
    for (size_t i = 0; i < m->nconfig; i++)
        CHECK(same_text(m->config[i].value, json_object_get(config, m->config[i].key)));
    for (size_t i = 0; i < m->nallowed_hosts; i++)
        CHECK(same_text(m->allowed_hosts[i], json_array_get(hosts, i)));
    json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rn_manifest m;
    runnel_report r = {0};
    runnel_status st = rn_manifest_check(&m, (const char *)data, size, &r);
    if (st != RUNNEL_OK) {
        CHECK(r.status != RUNNEL_OK && r.message != NULL);
        CHECK(m.wasm == NULL && m.nwasm == 0); /* released on failure */
        runnel_report_clear(&r);
        return 0;
    }
    CHECK(m.nwasm >= 1);
    CHECK(!m.has_max_pages || m.max_pages <= 65536);
    CHECK(m.timeout_ms <= UINT32_MAX * 1000ull);
    CHECK(m.has_allowed_hosts || m.nallowed_hosts == 0);
    for (size_t i = 0; i < m.nallowed_hosts; i++)
        CHECK(m.allowed_hosts[i] != NULL);
    for (size_t i = 0; i < m.nallowed_paths; i++)
        CHECK(m.allowed_paths[i].key && m.allowed_paths[i].value);
    check_texts(&m, data, size);
    rn_manifest again;
    CHECK(rn_manifest_check(&again, (const char *)data, size, &r) == RUNNEL_OK);
    check_same(&m, &again);
    rn_manifest_release(&again);
    rn_manifest_release(&m);
    return 0;
}
