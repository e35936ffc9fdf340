/*
 * fuzz_actor.c - what the actor layer decodes from a user or a guest (src/actor/message.c, result.c,
 * metadata.c) under libFuzzer.
 *
 * The first byte of an input picks the decoder, the rest is its text:
 *   0  a message as `runnel send PORT=VALUE` and graph IIPs give it (runnel_msg_parse): an accepted
 *      message must write as tagged JSON that reads back equal, copy equal, and its plain data must
 *      read as a message too (what a legacy plugin receives);
 *   1  an ActorResult as `process` returns it, for an actor whose metadata declares out-ports "out"
 *      and "count" (rn_actor_read_result): an accepted result holds only declared (or error) ports,
 *      one message each, and a state that is an object or absent;
 *   2  the same result for an actor without metadata, and 3 for a legacy-ABI actor (plain outputs);
 *   4  get_metadata's document (runnel_actor_metadata_parse): accepted metadata names a component and
 *      finds each of its declared ports by name.
 * Every refusal must come with a message. The actor the result readers need is the library's own
 * struct (actor_impl.h) with only the fields they read set: no plugin is run, so the fuzzer spends its
 * time in the decoders.
 * Seeds: tests/fuzz/actor-seeds/ (messages, results and metadata of tests/actor).
 */
#include "fuzz_common.h" /* CHECK */
#include "actor_impl.h"

#include <string.h>

#define META_DOC                                                                                                       \
    "{\"component\":\"Fuzz\",\"inports\":[{\"name\":\"in\",\"port_type\":\"Any\"}],"                                    \
    "\"outports\":[{\"name\":\"out\"},{\"name\":\"count\",\"port_type\":\"Integer\"}]}"

static void check_failed(runnel_status st, runnel_report *r)
{
    CHECK(st != RUNNEL_OK && r->message != NULL);
    runnel_report_clear(r);
}

static void fuzz_message(const char *text, size_t len)
{
    runnel_msg m;
    runnel_report r = {0};
    runnel_status st = runnel_msg_parse(&m, text, len, &r);
    if (st != RUNNEL_OK) {
        check_failed(st, &r);
        return;
    }
    runnel_msg copy;
    CHECK(runnel_msg_copy(&copy, &m) == RUNNEL_OK && runnel_msg_equal(&copy, &m));
    runnel_msg_clear(&copy);
    char *written = runnel_msg_to_text(&m);
    if (written) { /* NULL only for a String that is not UTF-8, which JSON cannot carry */
        runnel_msg back;
        if (runnel_msg_parse(&back, written, strlen(written), &r) != RUNNEL_OK) {
            fprintf(stderr, "written message does not read back: %s\n%s\n", r.message, written);
            abort();
        }
        if (!runnel_msg_equal(&back, &m)) {
            fprintf(stderr, "written message reads back different: %s\n", written);
            abort();
        }
        runnel_msg_clear(&back);
        free(written);
    }
    json_t *plain = runnel_msg_data_json(&m);
    if (plain) {
        runnel_msg p;
        st = runnel_msg_from_plain(&p, plain, &r);
        if (st == RUNNEL_OK)
            runnel_msg_clear(&p);
        else
            check_failed(st, &r);
        json_decref(plain);
    }
    runnel_msg_clear(&m);
}

static void fuzz_result(const uint8_t *out, size_t len, rn_actor_abi abi, bool with_meta)
{
    runnel_actor a;
    memset(&a, 0, sizeof a);
    a.abi = abi;
    runnel_report r = {0};
    if (with_meta) {
        json_t *doc = json_loads(META_DOC, 0, NULL);
        CHECK(doc != NULL);
        a.meta = runnel_actor_metadata_parse(doc, &r);
        json_decref(doc);
        CHECK(a.meta != NULL);
    }
    rn_result res;
    runnel_status st = rn_actor_read_result(&a, out, len, &res, &r);
    if (st != RUNNEL_OK) {
        check_failed(st, &r);
        CHECK(res.count == 0 && res.ports == NULL && res.state == NULL);
    } else {
        for (size_t i = 0; i < res.count; i++) {
            CHECK(res.ports[i] != NULL && rn_actor_outport_ok(&a, res.ports[i]));
            for (size_t j = 0; j < i; j++)
                CHECK(strcmp(res.ports[i], res.ports[j]) != 0); /* one message per port */
        }
        CHECK(res.state == NULL || (abi == RN_ABI_CURRENT && json_is_object(res.state)));
        rn_result_clear(&res);
    }
    runnel_actor_metadata_free(a.meta);
}

static void check_ports(const runnel_port_def *p, size_t n,
                        const runnel_port_def *(*find)(const runnel_actor_metadata *, const char *),
                        const runnel_actor_metadata *m)
{
    for (size_t i = 0; i < n; i++) {
        CHECK(p[i].name != NULL);
        CHECK(find(m, p[i].name) != NULL);
    }
}

static void fuzz_metadata(const char *text, size_t len)
{
    json_t *doc = json_loadb(text, len, 0, NULL);
    if (!doc)
        return;
    runnel_report r = {0};
    runnel_actor_metadata *m = runnel_actor_metadata_parse(doc, &r);
    json_decref(doc);
    if (!m) {
        CHECK(r.message != NULL);
        runnel_report_clear(&r);
        return;
    }
    CHECK(m->component != NULL);
    check_ports(m->inports, m->ninports, runnel_actor_metadata_inport, m);
    check_ports(m->outports, m->noutports, runnel_actor_metadata_outport, m);
    runnel_actor_metadata_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t *rest = data + 1;
    size_t n = size - 1;
    switch (data[0] % 5) {
    case 0: fuzz_message((const char *)rest, n); break;
    case 1: fuzz_result(rest, n, RN_ABI_CURRENT, true); break;
    case 2: fuzz_result(rest, n, data[0] % 2 ? RN_ABI_LEGACY : RN_ABI_CURRENT, false); break;
    case 3: fuzz_result(rest, n, RN_ABI_LEGACY, true); break;
    default: fuzz_metadata((const char *)rest, n); break;
    }
    return 0;
}
