/*
 * test_protocol.c - the protocol handler of `runnel serve` (src/serve/protocol.c, live.c, catalog.c)
 * without a socket: each test hands rn_serve_handle messages and checks its replies, as a client would
 * see them.
 *
 * What is checked: the security points (a wrong or missing secret is refused and changes nothing, a
 * message over the size limit, bytes that are not JSON, JSON of the wrong shape, unknown protocols and
 * commands: each gets an `error` reply of the right sub-protocol, and the runtime keeps working after
 * it; a secret never appears in a reply); the graph commands' replies (the shapes fbp-test expects);
 * a network started and run to its end with its `started`, `data` and `output` events taken with
 * rn_serve_poll; the component list. Run by ctest (label serve), also under ASan/UBSan and TSan.
 */
#include "serve_impl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static rn_serve *make(const char *secret)
{
    rn_serve_config c = {.secret = secret, .workers = 2};
    runnel_report r = {0};
    rn_serve *s = rn_serve_new(&c, &r);
    assert_non_null(s);
    runnel_report_clear(&r);
    return s;
}

/* Sends text, returns the replies as one JSON array (parsed). */
static json_t *send_text(rn_serve *s, const char *text, size_t len)
{
    rn_serve_out out = {0};
    rn_serve_handle(s, text, len, &out);
    json_t *a = json_array();
    for (size_t i = 0; i < out.n; i++) {
        json_error_t e;
        json_t *m = json_loads(out.items[i], 0, &e);
        assert_non_null(m);
        assert_null(strstr(out.items[i], "s3cr3t")); /* a secret is never sent back */
        json_array_append_new(a, m);
    }
    rn_serve_out_clear(&out);
    return a;
}

static json_t *send(rn_serve *s, const char *text)
{
    return send_text(s, text, strlen(text));
}

static void expect_one(json_t *replies, const char *protocol, const char *command)
{
    assert_int_equal(json_array_size(replies), 1);
    json_t *m = json_array_get(replies, 0);
    assert_string_equal(json_string_value(json_object_get(m, "protocol")), protocol);
    assert_string_equal(json_string_value(json_object_get(m, "command")), command);
    assert_true(json_is_object(json_object_get(m, "payload")));
}

static const char *error_text(json_t *replies)
{
    json_t *m = json_array_get(replies, json_array_size(replies) - 1);
    assert_string_equal(json_string_value(json_object_get(m, "command")), "error");
    return json_string_value(json_object_get(json_object_get(m, "payload"), "message"));
}

static const char getruntime[] = "{\"protocol\":\"runtime\",\"command\":\"getruntime\",\"payload\":{}}";

static void test_secret(void **state)
{
    (void)state;
    rn_serve *s = make("s3cr3t");
    json_t *r = send(s, getruntime);
    expect_one(r, "runtime", "error");
    assert_non_null(strstr(error_text(r), "secret"));
    json_decref(r);
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"clear\",\"payload\":{\"id\":\"g\"},\"secret\":\"s3cr3\"}");
    expect_one(r, "graph", "error");
    json_decref(r);
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"clear\",\"payload\":{\"id\":\"g\"},\"secret\":\"s3cr3tX\"}");
    expect_one(r, "graph", "error");
    json_decref(r);
    assert_null(rn_serve_graph_find(s, "g")); /* refused messages change nothing */
    r = send(s, "{\"protocol\":\"runtime\",\"command\":\"getruntime\",\"payload\":{},\"secret\":\"s3cr3t\"}");
    expect_one(r, "runtime", "runtime");
    json_decref(r);
    /* the legacy place, payload.secret */
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"clear\",\"payload\":{\"id\":\"g\",\"secret\":\"s3cr3t\"}}");
    expect_one(r, "graph", "clear");
    assert_null(json_object_get(json_object_get(json_array_get(r, 0), "payload"), "secret"));
    json_decref(r);
    rn_serve_free(s);
}

static void test_malformed(void **state)
{
    (void)state;
    rn_serve *s = make(NULL);
    const char *bad[] = {"", "{", "not json", "[1,2]", "{\"protocol\":1}", "{\"protocol\":\"graph\"}",
                         "{\"protocol\":\"graph\",\"command\":\"clear\",\"payload\":[]}",
                         "{\"protocol\":\"a\",\"protocol\":\"b\",\"command\":\"x\",\"payload\":{}}",
                         "{\"protocol\":\"nope\",\"command\":\"x\",\"payload\":{}}",
                         "{\"protocol\":\"graph\",\"command\":\"frobnicate\",\"payload\":{}}",
                         "{\"protocol\":\"network\",\"command\":\"frobnicate\",\"payload\":{}}",
                         "{\"protocol\":\"graph\",\"command\":\"addnode\",\"payload\":{\"graph\":\"none\",\"id\":\"x\"}}",
                         "\"\\ud800\"", "{\"protocol\":\"runtime\",\"command\":\"getruntime\",\"payload\":{}}x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *r = send(s, bad[i]);
        assert_int_equal(json_array_size(r), 1);
        error_text(r);
        json_decref(r);
    }
    /* bytes that are not UTF-8, and a NUL inside */
    json_t *r = send_text(s, "{\"protocol\":\"\xff\",\"command\":\"x\",\"payload\":{}}", 40);
    error_text(r);
    json_decref(r);
    r = send_text(s, getruntime, sizeof getruntime); /* with its NUL */
    error_text(r);
    json_decref(r);
    /* the runtime still answers */
    r = send(s, getruntime);
    expect_one(r, "runtime", "runtime");
    json_decref(r);
    rn_serve_free(s);
}

static void test_oversized(void **state)
{
    (void)state;
    rn_serve *s = make(NULL);
    size_t n = RUNNEL_SERVE_MAX_MESSAGE + 16;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, ' ', n);
    memcpy(big, getruntime, strlen(getruntime));
    big[n] = '\0';
    json_t *r = send_text(s, big, n);
    expect_one(r, "runtime", "error");
    assert_non_null(strstr(error_text(r), "too large"));
    json_decref(r);
    r = send_text(s, NULL, n); /* what server.c passes once it has discarded the text */
    expect_one(r, "runtime", "error");
    json_decref(r);
    free(big);
    r = send(s, getruntime);
    expect_one(r, "runtime", "runtime");
    json_decref(r);
    rn_serve_free(s);
}

static json_t *payload0(json_t *r)
{
    return json_object_get(json_array_get(r, 0), "payload");
}

static void test_graph_commands(void **state)
{
    (void)state;
    rn_serve *s = make(NULL);
    json_t *r = send(s, "{\"protocol\":\"graph\",\"command\":\"clear\",\"payload\":{\"id\":\"foo\",\"main\":true,\"name\":\"Foo\",\"baseDir\":\"/x\"},\"requestId\":\"r1\"}");
    expect_one(r, "graph", "clear");
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "responseTo")), "r1");
    assert_null(json_object_get(payload0(r), "baseDir"));
    json_decref(r);
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"addnode\",\"payload\":{\"id\":\"A\",\"component\":\"core/Repeat\",\"graph\":\"foo\"}}");
    expect_one(r, "graph", "addnode");
    json_decref(r);
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"addnode\",\"payload\":{\"id\":\"A\",\"component\":\"core/Repeat\",\"graph\":\"foo\"}}");
    assert_non_null(strstr(error_text(r), "twice"));
    json_decref(r);
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"addnode\",\"payload\":{\"id\":\"B\",\"component\":\"core/Drop\",\"graph\":\"foo\",\"metadata\":{\"x\":1}}}");
    json_decref(r);
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"addedge\",\"payload\":{\"src\":{\"node\":\"A\",\"port\":\"out\"},\"tgt\":{\"node\":\"B\",\"port\":\"in\"},\"graph\":\"foo\"}}");
    expect_one(r, "graph", "addedge");
    json_decref(r);
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"changenode\",\"payload\":{\"id\":\"B\",\"metadata\":{\"x\":null,\"y\":2},\"graph\":\"foo\"}}");
    expect_one(r, "graph", "changenode");
    json_t *m = json_object_get(payload0(r), "metadata");
    assert_null(json_object_get(m, "x"));
    assert_int_equal(json_integer_value(json_object_get(m, "y")), 2);
    json_decref(r);
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"addinitial\",\"payload\":{\"src\":{\"data\":5},\"tgt\":{\"node\":\"A\",\"port\":\"in\"},\"graph\":\"foo\"}}");
    expect_one(r, "graph", "addinitial");
    json_decref(r);
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"renamenode\",\"payload\":{\"from\":\"A\",\"to\":\"C\",\"graph\":\"foo\"}}");
    expect_one(r, "graph", "renamenode");
    json_decref(r);
    /* removing C takes its edge and its IIP with it, announced before the node */
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"removenode\",\"payload\":{\"id\":\"C\",\"graph\":\"foo\"}}");
    assert_int_equal(json_array_size(r), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "command")), "removeedge");
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 1), "command")), "removeinitial");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(json_array_get(r, 1), "payload"), "src"), "data")), 5);
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 2), "command")), "removenode");
    json_decref(r);
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"addinport\",\"payload\":{\"public\":\"in\",\"node\":\"B\",\"port\":\"in\",\"graph\":\"foo\"}}");
    expect_one(r, "graph", "addinport");
    json_decref(r);
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"renameinport\",\"payload\":{\"from\":\"in\",\"to\":\"input\",\"graph\":\"foo\"}}");
    expect_one(r, "graph", "renameinport");
    json_decref(r);
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"removeinport\",\"payload\":{\"public\":\"input\",\"graph\":\"foo\"}}");
    expect_one(r, "graph", "removeinport");
    json_decref(r);
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"removeinport\",\"payload\":{\"public\":\"input\",\"graph\":\"foo\"}}");
    error_text(r);
    json_decref(r);
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"addnode\",\"payload\":{\"id\":\"Z\",\"component\":\"core/Repeat\"}}");
    assert_string_equal(error_text(r), "No graph specified");
    json_decref(r);
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"addnode\",\"payload\":{\"id\":\"Z\",\"component\":\"core/Repeat\",\"graph\":\"bar\"}}");
    assert_string_equal(error_text(r), "Requested graph not found");
    json_decref(r);
    rn_serve_free(s);
}

/* Polls until `count` messages with this command have arrived (or about 10 s pass); returns all taken. */
static json_t *poll_until(rn_serve *s, const char *command, size_t count)
{
    json_t *all = json_array();
    size_t seen = 0;
    for (int i = 0; i < 1000; i++) {
        rn_serve_out out = {0};
        rn_serve_poll(s, &out);
        for (size_t k = 0; k < out.n; k++) {
            json_t *m = json_loads(out.items[k], 0, NULL);
            assert_non_null(m);
            seen += strcmp(json_string_value(json_object_get(m, "command")), command) == 0;
            json_array_append_new(all, m);
        }
        rn_serve_out_clear(&out);
        if (seen >= count)
            return all;
        usleep(10000);
    }
    fail_msg("no %s event", command);
    return all;
}

static void test_network_run(void **state)
{
    (void)state;
    rn_serve *s = make(NULL);
    const char *setup[] = {
        "{\"protocol\":\"graph\",\"command\":\"clear\",\"payload\":{\"id\":\"bar\"}}",
        "{\"protocol\":\"graph\",\"command\":\"addnode\",\"payload\":{\"id\":\"Hello\",\"component\":\"core/Repeat\",\"graph\":\"bar\"}}",
        "{\"protocol\":\"graph\",\"command\":\"addnode\",\"payload\":{\"id\":\"Out\",\"component\":\"core/Drop\",\"graph\":\"bar\"}}",
        "{\"protocol\":\"graph\",\"command\":\"addnode\",\"payload\":{\"id\":\"Show\",\"component\":\"core/Output\",\"graph\":\"bar\"}}",
        "{\"protocol\":\"graph\",\"command\":\"addedge\",\"payload\":{\"src\":{\"node\":\"Hello\",\"port\":\"out\"},\"tgt\":{\"node\":\"Show\",\"port\":\"in\"},\"graph\":\"bar\"}}",
        "{\"protocol\":\"graph\",\"command\":\"addedge\",\"payload\":{\"src\":{\"node\":\"Show\",\"port\":\"out\"},\"tgt\":{\"node\":\"Out\",\"port\":\"in\"},\"graph\":\"bar\"}}",
        "{\"protocol\":\"graph\",\"command\":\"addinitial\",\"payload\":{\"src\":{\"data\":\"Hello, world!\"},\"tgt\":{\"node\":\"Hello\",\"port\":\"in\"},\"graph\":\"bar\"}}",
    };
    for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++) {
        json_t *r = send(s, setup[i]);
        assert_int_equal(json_array_size(r), 1);
        assert_string_not_equal(json_string_value(json_object_get(json_array_get(r, 0), "command")), "error");
        json_decref(r);
    }
    /* a graph's source is its NoFlo JSON (the live view draws it) */
    json_t *src = send(s, "{\"protocol\":\"component\",\"command\":\"getsource\",\"payload\":{\"name\":\"bar\"}}");
    expect_one(src, "component", "source");
    json_t *sp = json_object_get(json_array_get(src, 0), "payload");
    assert_string_equal(json_string_value(json_object_get(sp, "name")), "bar");
    assert_string_equal(json_string_value(json_object_get(sp, "language")), "json");
    json_t *code = json_loads(json_string_value(json_object_get(sp, "code")), 0, NULL);
    assert_non_null(code);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(code, "processes"), "Show"),
                                                          "component")),
                        "core/Output");
    assert_int_equal(json_array_size(json_object_get(code, "connections")), 3);
    json_decref(code);
    json_decref(src);
    src = send(s, "{\"protocol\":\"component\",\"command\":\"getsource\",\"payload\":{\"name\":\"core/Repeat\"}}");
    assert_non_null(strstr(error_text(src), "only graphs have a source here"));
    json_decref(src);
    /* stdout is core/Output's: keep the test's output clean */
    fflush(stdout);
    int saved = dup(1);
    FILE *devnull = freopen("/dev/null", "w", stdout);
    (void)devnull;
    json_t *r = send(s, "{\"protocol\":\"network\",\"command\":\"start\",\"payload\":{\"graph\":\"bar\"}}");
    expect_one(r, "network", "started");
    json_decref(r);
    /* everything until the end of the network closes the three edges that carried data */
    json_t *ev = poll_until(s, "disconnect", 3);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    /* connect, data (the IIP); connect, data (Hello -> Show); ...; output */
    assert_true(json_array_size(ev) >= 8);
    json_t *connect = json_array_get(ev, 0), *first = json_array_get(ev, 1);
    assert_string_equal(json_string_value(json_object_get(connect, "command")), "connect");
    assert_string_equal(json_string_value(json_object_get(json_object_get(connect, "payload"), "id")), "DATA -> IN Hello()");
    assert_null(json_object_get(json_object_get(connect, "payload"), "data"));
    assert_string_equal(json_string_value(json_object_get(first, "command")), "data");
    json_t *p = json_object_get(first, "payload");
    assert_string_equal(json_string_value(json_object_get(p, "id")), "DATA -> IN Hello()");
    assert_string_equal(json_string_value(json_object_get(p, "data")), "Hello, world!");
    assert_null(json_object_get(p, "src"));
    json_t *second = json_array_get(ev, 3);
    assert_string_equal(json_string_value(json_object_get(second, "command")), "data");
    assert_string_equal(json_string_value(json_object_get(json_object_get(second, "payload"), "id")),
                        "Hello() OUT -> IN Show()");
    json_t *last = json_array_get(ev, json_array_size(ev) - 1);
    assert_string_equal(json_string_value(json_object_get(last, "command")), "disconnect");
    bool output = false;
    size_t k;
    json_t *m;
    json_array_foreach(ev, k, m) output |= strcmp(json_string_value(json_object_get(m, "command")), "output") == 0;
    assert_true(output);
    json_decref(ev);
    /* it ends by itself (no inports), then is stopped */
    bool started = false, running = true;
    double up;
    for (int i = 0; i < 500 && running; i++) {
        rn_live_status(s, rn_serve_graph_find(s, "bar"), &started, &running, &up);
        if (running)
            usleep(10000);
    }
    assert_true(started);
    assert_false(running);
    r = send(s, "{\"protocol\":\"network\",\"command\":\"stop\",\"payload\":{\"graph\":\"bar\"}}");
    expect_one(r, "network", "stopped");
    json_decref(r);
    r = send(s, "{\"protocol\":\"network\",\"command\":\"getstatus\",\"payload\":{\"graph\":\"bar\"}}");
    expect_one(r, "network", "status");
    assert_true(json_is_false(json_object_get(payload0(r), "started")));
    json_decref(r);
    /* an invalid graph: a network error, nothing started */
    r = send(s, "{\"protocol\":\"graph\",\"command\":\"addnode\",\"payload\":{\"id\":\"X\",\"component\":\"NoSuch\",\"graph\":\"bar\"}}");
    json_decref(r);
    r = send(s, "{\"protocol\":\"network\",\"command\":\"start\",\"payload\":{\"graph\":\"bar\"}}");
    expect_one(r, "network", "error");
    assert_non_null(strstr(error_text(r), "NoSuch"));
    json_decref(r);
    /* a second start while running replaces the run; freeing the runtime stops it */
    rn_serve_free(s);
}

static void test_components(void **state)
{
    (void)state;
    rn_serve *s = make(NULL);
    json_t *r = send(s, "{\"protocol\":\"component\",\"command\":\"list\",\"payload\":{}}");
    size_t n = json_array_size(r);
    assert_true(n >= 4);
    bool repeat = false, drop = false, output = false;
    for (size_t i = 0; i + 1 < n; i++) {
        json_t *p = payload0(r) ? json_object_get(json_array_get(r, i), "payload") : NULL;
        const char *name = json_string_value(json_object_get(p, "name"));
        repeat |= strcmp(name, "core/Repeat") == 0;
        drop |= strcmp(name, "core/Drop") == 0;
        output |= strcmp(name, "core/Output") == 0;
        assert_true(json_is_array(json_object_get(p, "inPorts")));
    }
    assert_true(repeat && drop && output);
    json_t *last = json_array_get(r, n - 1);
    assert_string_equal(json_string_value(json_object_get(last, "command")), "componentsready");
    assert_int_equal(json_integer_value(json_object_get(last, "payload")), (json_int_t)(n - 1));
    json_decref(r);
    rn_serve_free(s);
}

/* A node whose call fails: network/error for the log and network/processerror naming the node (what
   the live view marks). picky.wasm (tests/graph) traps on multiples of 3. */
static void test_process_error(void **state)
{
    (void)state;
    const char *dirs[] = {RUNNEL_SERVE_TEST_ACTORS};
    char path[4096];
    snprintf(path, sizeof path, "%s/picky.wasm", dirs[0]);
    if (access(path, R_OK) != 0)
        skip(); /* no clang for wasm32-wasi: the test actors were not built */
    rn_serve_config c = {.component_dirs = dirs, .ncomponent_dirs = 1, .workers = 1};
    runnel_report rep = {0};
    rn_serve *s = rn_serve_new(&c, &rep);
    assert_non_null(s);
    const char *setup[] = {
        "{\"protocol\":\"graph\",\"command\":\"clear\",\"payload\":{\"id\":\"err\"}}",
        "{\"protocol\":\"graph\",\"command\":\"addnode\",\"payload\":{\"id\":\"P\",\"component\":\"picky\",\"graph\":\"err\"}}",
        "{\"protocol\":\"graph\",\"command\":\"addinitial\",\"payload\":{\"src\":{\"data\":3},\"tgt\":{\"node\":\"P\",\"port\":\"value\"},\"graph\":\"err\"}}",
    };
    for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++) {
        json_t *r = send(s, setup[i]);
        assert_string_not_equal(json_string_value(json_object_get(json_array_get(r, 0), "command")), "error");
        json_decref(r);
    }
    json_t *r = send(s, "{\"protocol\":\"network\",\"command\":\"start\",\"payload\":{\"graph\":\"err\"}}");
    expect_one(r, "network", "started");
    json_decref(r);
    json_t *ev = poll_until(s, "processerror", 1);
    bool found = false;
    size_t k;
    json_t *m;
    json_array_foreach(ev, k, m)
    {
        if (strcmp(json_string_value(json_object_get(m, "command")), "processerror") != 0)
            continue;
        json_t *p = json_object_get(m, "payload");
        assert_string_equal(json_string_value(json_object_get(p, "id")), "P");
        assert_string_equal(json_string_value(json_object_get(p, "graph")), "err");
        assert_non_null(strstr(json_string_value(json_object_get(p, "error")), "process trapped: unreachable"));
        assert_int_equal(json_object_size(p), 3); /* the schema allows no other field */
        found = true;
    }
    assert_true(found);
    json_decref(ev);
    rn_serve_free(s);
}

/* runnel/stats, the extension that gives queue depths and busy nodes (docs/serve.md). graphs/slow.fbp's
   one node spins until its 400 ms timeout on every packet (tests/actor's misbehave.wasm), so of four
   packets sent at once, one is in a call (busy) while the others wait in its queue. */
static void test_stats(void **state)
{
    (void)state;
    const char *dirs[] = {RUNNEL_SERVE_TEST_PLUGINS};
    char path[4096];
    snprintf(path, sizeof path, "%s/misbehave.wasm", dirs[0]);
    if (access(path, R_OK) != 0)
        skip(); /* no clang for wasm32-wasi: the test actors were not built */
    rn_serve_config c = {.component_dirs = dirs, .ncomponent_dirs = 1, .workers = 2, .log = stderr};
    runnel_report rep = {0};
    rn_serve *s = rn_serve_new(&c, &rep);
    assert_non_null(s);
    assert_int_equal(rn_serve_load_main(s, RUNNEL_SERVE_TEST_GRAPHS "/slow.fbp", &rep), RUNNEL_OK);
    const char getstats[] = "{\"protocol\":\"runnel\",\"command\":\"getstats\",\"payload\":{\"graph\":\"slow\"}}";
    /* not started: no nodes to report */
    json_t *r = send(s, getstats);
    expect_one(r, "runnel", "stats");
    json_t *p = json_object_get(json_array_get(r, 0), "payload");
    assert_string_equal(json_string_value(json_object_get(p, "graph")), "slow");
    assert_true(json_is_false(json_object_get(p, "started")));
    assert_int_equal(json_array_size(json_object_get(p, "nodes")), 0);
    json_decref(r);
    /* an unknown command of the extension, a missing graph: runtime/error */
    r = send(s, "{\"protocol\":\"runnel\",\"command\":\"nosuch\",\"payload\":{}}");
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "protocol")), "runtime");
    assert_non_null(strstr(error_text(r), "unknown command runnel/nosuch"));
    json_decref(r);
    r = send(s, "{\"protocol\":\"runnel\",\"command\":\"getstats\",\"payload\":{\"graph\":\"nosuch\"}}");
    assert_non_null(strstr(error_text(r), "graph not found"));
    json_decref(r);

    r = send(s, "{\"protocol\":\"network\",\"command\":\"start\",\"payload\":{\"graph\":\"slow\"}}");
    expect_one(r, "network", "started");
    json_decref(r);
    for (int i = 1; i <= 4; i++) {
        char packet[200];
        snprintf(packet, sizeof packet,
                 "{\"protocol\":\"runtime\",\"command\":\"packet\",\"payload\":{\"graph\":\"slow\",\"port\":\"in\","
                 "\"event\":\"data\",\"payload\":%d}}",
                 i);
        r = send(s, packet);
        expect_one(r, "runtime", "packetsent");
        json_decref(r);
    }
    /* real time: the first call runs for 400 ms; look until the node is seen busy with packets waiting */
    bool seen = false;
    for (int i = 0; i < 2000 && !seen; i++) {
        r = send(s, getstats);
        expect_one(r, "runnel", "stats");
        p = json_object_get(json_array_get(r, 0), "payload");
        assert_true(json_is_true(json_object_get(p, "started")));
        assert_int_equal(json_object_size(p), 5); /* graph, started, running, uptime, nodes */
        json_t *nodes = json_object_get(p, "nodes");
        assert_int_equal(json_array_size(nodes), 1);
        json_t *n = json_array_get(nodes, 0);
        assert_string_equal(json_string_value(json_object_get(n, "id")), "Slow");
        assert_string_equal(json_string_value(json_object_get(n, "component")), "misbehave");
        json_int_t queued = json_integer_value(json_object_get(n, "queued"));
        json_int_t done = json_integer_value(json_object_get(n, "in"));
        assert_true(queued >= 0 && queued <= 4 && done <= 4);
        seen = json_is_true(json_object_get(n, "busy")) && queued >= 1;
        json_decref(r);
        if (!seen)
            usleep(10000);
    }
    assert_true(seen);
    rn_serve_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret),         cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_oversized),      cmocka_unit_test(test_graph_commands),
        cmocka_unit_test(test_network_run),    cmocka_unit_test(test_components),
        cmocka_unit_test(test_process_error),  cmocka_unit_test(test_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
