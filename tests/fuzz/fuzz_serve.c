/*
 * fuzz_serve.c - the FBP Network Protocol handler of `runnel serve` (src/serve/protocol.c) under
 * libFuzzer: arbitrary bytes as what a client sends.
 *
 * An input is a session: its lines are messages, handled in order by one runtime (with a secret, so
 * both the refusals and, for lines that carry it, the graph commands are reached; the seeds in
 * serve-seeds/ carry it). What is checked beyond "no crash, no sanitizer report, no leak": every reply
 * is a JSON object with a string protocol and command and a payload (an object, or componentsready's
 * count) and no `secret` key; and when no line of the input holds the secret, no reply does. network/start is skipped: a graph the fuzzer writes may
 * loop forever (an IIP into a cycle), which is a network's business, not the protocol's; the network
 * side is covered by tests/serve.
 */
#define _GNU_SOURCE /* memmem */
#include "fuzz_common.h" /* CHECK */
#include "serve_impl.h"

#include <string.h>

#define SECRET "fuzz-secret-9"

static void check_reply(const char *text, bool refused_only)
{
    if (refused_only) /* no line carried the secret: it cannot be in a reply */
        CHECK(strstr(text, SECRET) == NULL);
    json_t *m = json_loads(text, 0, NULL);
    CHECK(json_is_object(m));
    CHECK(json_object_get(m, "secret") == NULL && json_object_get(json_object_get(m, "payload"), "secret") == NULL);
    const char *command = json_string_value(json_object_get(m, "command"));
    CHECK(json_is_string(json_object_get(m, "protocol")) && command);
    json_t *p = json_object_get(m, "payload");
    CHECK(json_is_object(p) || (strcmp(command, "componentsready") == 0 && json_is_integer(p)));
    json_decref(m);
}

static bool is_start(const char *line, size_t len)
{
    json_t *m = json_loadb(line, len, 0, NULL);
    bool start = m && json_is_string(json_object_get(m, "protocol")) && json_is_string(json_object_get(m, "command")) &&
                 strcmp(json_string_value(json_object_get(m, "protocol")), "network") == 0 &&
                 strcmp(json_string_value(json_object_get(m, "command")), "start") == 0;
    json_decref(m);
    return start;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rn_serve_config c = {.secret = SECRET, .workers = 1};
    runnel_report r = {0};
    rn_serve *s = rn_serve_new(&c, &r);
    CHECK(s != NULL);
    const char *text = (const char *)data;
    bool secret_given = size >= strlen(SECRET) && memmem(text, size, SECRET, strlen(SECRET)) != NULL;
    size_t at = 0;
    for (int k = 0; at <= size && k < 64; k++) {
        const char *nl = memchr(text + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - (text + at)) : size - at;
        if (!is_start(text + at, len)) {
            rn_serve_out out = {0};
            rn_serve_handle(s, text + at, len, &out);
            CHECK(out.n >= 1 || len > 0); /* an empty line is malformed: it gets an error */
            for (size_t i = 0; i < out.n; i++)
                check_reply(out.items[i], !secret_given);
            rn_serve_out_clear(&out);
        }
        if (!nl)
            break;
        at += len + 1;
    }
    rn_serve_free(s);
    return 0;
}
