/*
 * test_network.c - the scheduler on graphs built in C with native components: order per edge, fan-out
 * and fan-in, back-pressure (queue depth never above the limit, memory flat), failures (counted, routed
 * to an error port), cycles, stop, and networks of the example wasm actors.
 *
 * Native components make the scheduler's behaviour observable without timing guesses: a "probe"
 * records every message it gets, in order, and can be made slow or made to fail on some inputs.
 * This program also runs under ThreadSanitizer in CI (tests/graph/network.cmake).
 */
#include "runnel/graph.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- the probe component */

/* What a probe saw: the integers it got, in order (per node). */
typedef struct probe_log {
    pthread_mutex_t mu;
    int64_t *values;
    size_t count, cap;
    unsigned delay_us;  /* sleep per message: a slow consumer */
    int fail_mod;       /* fail on values v with v % fail_mod == 0 (0: never) */
} probe_log;

static runnel_status probe_process(void *node, const char *port, const runnel_msg *msg, json_t *state,
                                   runnel_component_ctx *ctx, runnel_report *r)
{
    (void)port;
    probe_log *log = node;
    if (log->delay_us)
        usleep(log->delay_us);
    int64_t v = msg->type == RUNNEL_MSG_INTEGER ? msg->as.integer : -1;
    pthread_mutex_lock(&log->mu);
    if (log->count == log->cap) {
        log->cap = log->cap ? log->cap * 2 : 64;
        log->values = realloc(log->values, log->cap * sizeof *log->values);
    }
    log->values[log->count++] = v;
    pthread_mutex_unlock(&log->mu);
    json_object_set_new(state, "seen", json_integer(json_integer_value(json_object_get(state, "seen")) + 1));
    if (log->fail_mod && v % log->fail_mod == 0) {
        if (r) {
            r->status = RUNNEL_BADARG;
            r->message = strdup("probe refuses this value");
        }
        return RUNNEL_BADARG;
    }
    return runnel_component_emit(ctx, "out", msg);
}

/* The probe's node data is the probe_log named by its node's config "log" (an index into logs). */
static probe_log logs[8];

static runnel_status probe_create(void *user, const char *id, const json_t *config, void **node, runnel_report *r)
{
    (void)user, (void)id, (void)r;
    json_int_t i = json_integer_value(json_object_get(config, "log"));
    *node = &logs[i];
    return RUNNEL_OK;
}

static const runnel_port_def probe_in[] = {{"in", "", "Any", false}};
static const runnel_port_def probe_out[] = {{"out", "", "Any", false}};

static runnel_components *components(void)
{
    runnel_components *c = runnel_components_new();
    assert_non_null(c);
    runnel_component_def def = {.name = "test/Probe", .inports = probe_in, .ninports = 1, .outports = probe_out,
                                .noutports = 1, .create = probe_create, .process = probe_process};
    assert_int_equal(runnel_components_register(c, &def, NULL), RUNNEL_OK);
    assert_int_not_equal(runnel_components_register(c, &def, NULL), RUNNEL_OK); /* a name is taken once */
    return c;
}

static void reset_logs(void)
{
    for (size_t i = 0; i < 8; i++) {
        free(logs[i].values);
        pthread_mutex_destroy(&logs[i].mu);
        memset(&logs[i], 0, sizeof logs[i]);
        pthread_mutex_init(&logs[i].mu, NULL);
    }
}

/* ---------------------------------------------------------------- building graphs */

static void node(runnel_graph *g, const char *id, const char *component, int log)
{
    json_t *meta = json_pack("{s:i}", "log", log);
    runnel_graph_node n = {.id = id, .component = component, .metadata = meta};
    assert_int_equal(runnel_graph_add_node(g, &n, NULL), RUNNEL_OK);
    json_decref(meta);
}

static void edge(runnel_graph *g, const char *a, const char *ap, const char *b, const char *bp)
{
    runnel_graph_edge e = {.src = {a, ap, -1}, .tgt = {b, bp, -1}};
    assert_int_equal(runnel_graph_add_edge(g, &e, NULL), RUNNEL_OK);
}

static void iip(runnel_graph *g, json_t *data, const char *b, const char *bp)
{
    runnel_graph_edge e = {.src = {NULL, NULL, -1}, .tgt = {b, bp, -1}, .data = data};
    assert_int_equal(runnel_graph_add_edge(g, &e, NULL), RUNNEL_OK);
    json_decref(data);
}

static void inport(runnel_graph *g, const char *name, const char *n, const char *p)
{
    runnel_graph_export x = {.name = name, .inner = {n, p, -1}};
    assert_int_equal(runnel_graph_add_inport(g, &x, NULL), RUNNEL_OK);
}

static void outport(runnel_graph *g, const char *name, const char *n, const char *p)
{
    runnel_graph_export x = {.name = name, .inner = {n, p, -1}};
    assert_int_equal(runnel_graph_add_outport(g, &x, NULL), RUNNEL_OK);
}

/* What reached the graph's outports, in order. */
typedef struct outputs {
    pthread_mutex_t mu;
    char **ports;
    int64_t *values;
    size_t count;
} outputs;

static void on_output(void *user, const char *port, const runnel_msg *msg)
{
    outputs *o = user;
    pthread_mutex_lock(&o->mu);
    o->ports = realloc(o->ports, (o->count + 1) * sizeof *o->ports);
    o->values = realloc(o->values, (o->count + 1) * sizeof *o->values);
    o->ports[o->count] = strdup(port);
    o->values[o->count] = msg->type == RUNNEL_MSG_INTEGER ? msg->as.integer : -1;
    o->count++;
    pthread_mutex_unlock(&o->mu);
}

static void outputs_clear(outputs *o)
{
    for (size_t i = 0; i < o->count; i++)
        free(o->ports[i]);
    free(o->ports);
    free(o->values);
    memset(o, 0, sizeof *o);
}

static runnel_network *network(const runnel_graph *g, runnel_components *c, runnel_network_options *o)
{
    runnel_diags d = {0};
    runnel_network *n = runnel_network_new(g, c, o, &d);
    if (!n)
        runnel_diags_print(&d, stderr);
    runnel_diags_clear(&d);
    assert_non_null(n);
    return n;
}

static void send_int(runnel_network *n, const char *port, int64_t v)
{
    runnel_msg m = runnel_msg_integer(v);
    runnel_report r = {0};
    assert_int_equal(runnel_network_send(n, port, &m, &r), RUNNEL_OK);
}

/* ---------------------------------------------------------------- tests */

/* Many messages through a chain with 2 workers: every edge keeps its order, nothing lost. */
static void test_order_per_edge(void **st)
{
    (void)st;
    reset_logs();
    runnel_components *c = components();
    runnel_graph *g = runnel_graph_new("order");
    node(g, "a", "test/Probe", 0);
    node(g, "b", "core/Repeat", 0);
    node(g, "c", "test/Probe", 1);
    edge(g, "a", "out", "b", "in");
    edge(g, "b", "out", "c", "in");
    inport(g, "in", "a", "in");
    runnel_network_options o = {.workers = 2, .queue = 4};
    runnel_network *n = network(g, c, &o);
    assert_int_equal(runnel_network_start(n, NULL), RUNNEL_OK);
    for (int i = 0; i < 5000; i++)
        send_int(n, "in", i);
    runnel_network_close_input(n);
    assert_int_equal(runnel_network_wait(n, NULL), RUNNEL_OK);
    assert_int_equal(logs[1].count, 5000);
    for (size_t i = 0; i < logs[1].count; i++)
        assert_int_equal(logs[1].values[i], (int64_t)i);
    runnel_node_stats s[3];
    assert_int_equal(runnel_network_stats(n, s, 3), 3);
    assert_int_equal(s[0].in, 5000);
    assert_int_equal(s[2].out, 5000);
    json_t *state = runnel_network_node_state(n, "c");
    assert_int_equal(json_integer_value(json_object_get(state, "seen")), 5000);
    json_decref(state);
    runnel_network_free(n);
    runnel_graph_free(g);
    runnel_components_free(c);
}

/* Fan-out gives each connection its own copy; fan-in merges, each source's order kept. */
static void test_fan_out_fan_in(void **st)
{
    (void)st;
    reset_logs();
    runnel_components *c = components();
    runnel_graph *g = runnel_graph_new("fan");
    node(g, "src", "core/Repeat", 0);
    node(g, "left", "test/Probe", 0);
    node(g, "right", "test/Probe", 1);
    node(g, "join", "test/Probe", 2);
    edge(g, "src", "out", "left", "in");
    edge(g, "src", "out", "right", "in");
    edge(g, "left", "out", "join", "in");
    edge(g, "right", "out", "join", "in");
    inport(g, "in", "src", "in");
    outport(g, "out", "join", "out");
    outputs out = {0};
    pthread_mutex_init(&out.mu, NULL);
    runnel_network_options o = {.workers = 2, .queue = 8, .on_output = on_output, .user = &out};
    runnel_network *n = network(g, c, &o);
    assert_int_equal(runnel_network_start(n, NULL), RUNNEL_OK);
    for (int i = 0; i < 1000; i++)
        send_int(n, "in", i);
    runnel_network_close_input(n);
    assert_int_equal(runnel_network_wait(n, NULL), RUNNEL_OK);
    assert_int_equal(logs[0].count, 1000);
    assert_int_equal(logs[1].count, 1000);
    assert_int_equal(logs[2].count, 2000);
    assert_int_equal(out.count, 2000);
    /* each value arrives twice; the values in the merged stream rise per source, so each value's
       second arrival comes after its first and the counts match */
    long sum = 0;
    for (size_t i = 0; i < out.count; i++) {
        assert_string_equal(out.ports[i], "out");
        sum += out.values[i];
    }
    assert_int_equal(sum, 2L * 999 * 1000 / 2);
    outputs_clear(&out);
    runnel_network_free(n);
    runnel_graph_free(g);
    runnel_components_free(c);
}

/* A fast source into a slow node: the queue never holds more than the limit, and the sender waits. */
typedef struct sampler {
    runnel_network *n;
    atomic_int stop;
    uint64_t max_queued;
} sampler;

static void *sample(void *arg)
{
    sampler *s = arg;
    runnel_node_stats st[2];
    while (!atomic_load(&s->stop)) {
        runnel_network_stats(s->n, st, 2);
        if (st[1].queued > s->max_queued)
            s->max_queued = st[1].queued;
        usleep(200);
    }
    return NULL;
}

/* Under AddressSanitizer freed memory waits in its quarantine (256 MiB by default) before it is reused,
   so the resident size grows with what was freed, not with what is held: the memory bound of
   test_back_pressure is only meaningful without it. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_MEANINGFUL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_MEANINGFUL 0
#endif
#endif
#ifndef RSS_MEANINGFUL
#define RSS_MEANINGFUL 1
#endif

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void test_back_pressure(void **st)
{
    (void)st;
    reset_logs();
    logs[1].delay_us = 50;
    runnel_components *c = components();
    runnel_graph *g = runnel_graph_new("pressure");
    node(g, "fast", "core/Repeat", 0);
    node(g, "slow", "test/Probe", 1);
    edge(g, "fast", "out", "slow", "in");
    inport(g, "in", "fast", "in");
    runnel_network_options o = {.workers = 2, .queue = 16};
    runnel_network *n = network(g, c, &o);
    sampler s = {.n = n};
    pthread_t t;
    pthread_create(&t, NULL, sample, &s);
    assert_int_equal(runnel_network_start(n, NULL), RUNNEL_OK);
    /* 4 KiB strings: 20000 of them unbounded would be 80 MiB */
    char *big = malloc(4097);
    memset(big, 'x', 4096);
    big[4096] = '\0';
    long before = 0;
    for (int i = 0; i < 20000; i++) {
        runnel_msg m;
        assert_int_equal(runnel_msg_string(&m, big), RUNNEL_OK);
        assert_int_equal(runnel_network_send(n, "in", &m, NULL), RUNNEL_OK);
        runnel_msg_clear(&m);
        if (i == 2000)
            before = rss_kb();
    }
    long after = rss_kb();
    runnel_network_close_input(n);
    assert_int_equal(runnel_network_wait(n, NULL), RUNNEL_OK);
    atomic_store(&s.stop, 1);
    pthread_join(t, NULL);
    assert_int_equal(logs[1].count, 20000);
    assert_true(s.max_queued <= 16);
    assert_true(s.max_queued >= 8); /* the slow node was really the bottleneck */
    /* between the 2000th and the 20000th message, memory grew by far less than the 72 MiB sent */
    if (RSS_MEANINGFUL)
        assert_true(after - before < 8 * 1024);
    free(big);
    runnel_network_free(n);
    runnel_graph_free(g);
    runnel_components_free(c);
}

/* Failures no error port took, as on_error reports them (called with the print lock held). */
static size_t reported;

static void on_error(void *user, const char *node, const char *text)
{
    (void)user;
    assert_string_equal(node, "picky");
    assert_string_equal(text, "probe refuses this value");
    reported++;
}

/* A node that fails on some inputs: the rest flow, the counts add up; with an error port connected
   the failures arrive there as Error messages. */
static void run_failures(bool error_port)
{
    reset_logs();
    logs[0].fail_mod = 3;
    runnel_components *c = components();
    runnel_graph *g = runnel_graph_new("failures");
    node(g, "picky", "test/Probe", 0);
    node(g, "after", "test/Probe", 1);
    edge(g, "picky", "out", "after", "in");
    if (error_port) {
        node(g, "errors", "core/Repeat", 0);
        edge(g, "picky", "error", "errors", "in");
        outport(g, "errors", "errors", "out");
    }
    inport(g, "in", "picky", "in");
    outputs out = {0};
    pthread_mutex_init(&out.mu, NULL);
    reported = 0;
    runnel_network_options o = {.workers = 2, .on_output = on_output, .on_error = on_error, .user = &out};
    runnel_network *n = network(g, c, &o);
    assert_int_equal(runnel_network_start(n, NULL), RUNNEL_OK);
    for (int i = 1; i <= 300; i++)
        send_int(n, "in", i);
    runnel_network_close_input(n);
    runnel_report r = {0};
    assert_int_equal(runnel_network_wait(n, &r), RUNNEL_TRAP);
    assert_string_equal(r.message, "100 calls failed");
    runnel_report_clear(&r);
    assert_int_equal(runnel_network_failures(n), 100);
    assert_int_equal(logs[0].count, 300);
    assert_int_equal(logs[1].count, 200);
    runnel_node_stats s[3];
    runnel_network_stats(n, s, 3);
    assert_int_equal(s[0].in, 300);
    assert_int_equal(s[0].errors, 100);
    assert_int_equal(out.count, error_port ? 100 : 0);
    assert_int_equal(reported, error_port ? 0 : 100);
    outputs_clear(&out);
    runnel_network_free(n);
    runnel_graph_free(g);
    runnel_components_free(c);
}

static void test_failures_counted(void **st)
{
    (void)st;
    run_failures(false);
}

static void test_failures_to_error_port(void **st)
{
    (void)st;
    run_failures(true);
}

/* A cycle with queues of one: a loop that feeds itself until the value reaches a bound must not hang.
   Kick's data + Repeat around a ring of probes. */
static runnel_status bump_process(void *node, const char *port, const runnel_msg *msg, json_t *state,
                                  runnel_component_ctx *ctx, runnel_report *r)
{
    (void)node, (void)port, (void)state, (void)r;
    if (msg->as.integer >= 200)
        return RUNNEL_OK;
    for (int k = 0; k < 3; k++) { /* three messages per one: the ring fills up */
        runnel_msg next = runnel_msg_integer(msg->as.integer + 1);
        runnel_component_emit(ctx, "out", &next);
    }
    return RUNNEL_OK;
}

static void test_cycle_does_not_hang(void **st)
{
    (void)st;
    reset_logs();
    runnel_components *c = components();
    runnel_component_def def = {.name = "test/Bump", .inports = probe_in, .ninports = 1, .outports = probe_out,
                                .noutports = 1, .process = bump_process};
    assert_int_equal(runnel_components_register(c, &def, NULL), RUNNEL_OK);
    runnel_graph *g = runnel_graph_new("cycle");
    node(g, "bump", "test/Bump", 0);
    node(g, "ring", "core/Repeat", 0);
    edge(g, "bump", "out", "ring", "in");
    edge(g, "ring", "out", "bump", "in");
    iip(g, json_integer(195), "bump", "in");
    runnel_diags d = {0};
    runnel_network_options o = {.workers = 1, .queue = 1};
    runnel_network *n = runnel_network_new(g, c, &o, &d);
    assert_non_null(n);
    bool cycle_noted = false;
    for (size_t i = 0; i < d.count; i++)
        cycle_noted |= d.items[i].level == RUNNEL_DIAG_INFO && strstr(d.items[i].message, "cycle") != NULL;
    assert_true(cycle_noted);
    runnel_diags_clear(&d);
    assert_int_equal(runnel_network_start(n, NULL), RUNNEL_OK);
    runnel_network_close_input(n);
    assert_int_equal(runnel_network_wait(n, NULL), RUNNEL_OK);
    runnel_node_stats s[2];
    runnel_network_stats(n, s, 2);
    /* 1 + 3 + 9 + 27 + 81 + 243 values reach bump: 195..200 */
    assert_int_equal(s[0].in, 1 + 3 + 9 + 27 + 81 + 243);
    runnel_network_free(n);
    runnel_graph_free(g);
    runnel_components_free(c);
}

/* stop(): sends are refused from then on, what was queued drains, wait returns. */
static void test_stop_drains(void **st)
{
    (void)st;
    reset_logs();
    logs[0].delay_us = 200;
    runnel_components *c = components();
    runnel_graph *g = runnel_graph_new("stop");
    node(g, "slow", "test/Probe", 0);
    inport(g, "in", "slow", "in");
    runnel_network_options o = {.workers = 1, .queue = 32};
    runnel_network *n = network(g, c, &o);
    assert_int_equal(runnel_network_start(n, NULL), RUNNEL_OK);
    for (int i = 0; i < 32; i++)
        send_int(n, "in", i);
    runnel_network_stop(n);
    runnel_msg m = runnel_msg_integer(99);
    runnel_report r = {0};
    assert_int_equal(runnel_network_send(n, "in", &m, &r), RUNNEL_SUSPENDED);
    runnel_report_clear(&r);
    assert_int_equal(runnel_network_wait(n, NULL), RUNNEL_OK);
    assert_int_equal(logs[0].count, 32);
    runnel_network_free(n);
    runnel_graph_free(g);
    runnel_components_free(c);
}

/* on_edge: every delivery, with its ends (called under the network's lock, in delivery order). */
typedef struct edge_log {
    char lines[16][96];
    size_t count;
} edge_log;

static void on_edge(void *user, const char *sn, const char *sp, const char *tn, const char *tp, const runnel_msg *m)
{
    edge_log *l = user;
    if (l->count < 16)
        snprintf(l->lines[l->count], sizeof l->lines[0], "%s.%s -> %s.%s %s", sn ? sn : "-", sp ? sp : "-",
                 tn ? tn : "-", tp ? tp : "-", runnel_msg_type_name(m->type));
    l->count++;
}

/* IIPs are delivered at start, typed by the port: a string IIP holding JSON is parsed. */
static void test_iips_and_kick(void **st)
{
    (void)st;
    reset_logs();
    runnel_components *c = components();
    runnel_graph *g = runnel_graph_new("kick");
    node(g, "kick", "core/Kick", 0);
    node(g, "probe", "test/Probe", 0);
    edge(g, "kick", "out", "probe", "in");
    iip(g, json_string("42"), "kick", "data");
    inport(g, "go", "kick", "in");
    edge_log edges = {0};
    runnel_network_options o = {.workers = 1, .on_edge = on_edge, .user = &edges};
    runnel_network *n = network(g, c, &o);
    assert_int_equal(runnel_network_start(n, NULL), RUNNEL_OK);
    runnel_msg flow = runnel_msg_flow();
    assert_int_equal(runnel_network_send(n, "go", &flow, NULL), RUNNEL_OK);
    assert_int_equal(runnel_network_send(n, "go", &flow, NULL), RUNNEL_OK);
    runnel_network_close_input(n);
    assert_int_equal(runnel_network_wait(n, NULL), RUNNEL_OK);
    assert_int_equal(logs[0].count, 2);
    assert_int_equal(logs[0].values[0], 42);
    assert_int_equal(logs[0].values[1], 42);
    assert_int_equal(edges.count, 5);
    assert_string_equal(edges.lines[0], "-.- -> kick.data Integer");
    assert_string_equal(edges.lines[1], "-.go -> kick.in Flow");
    size_t outs = 0;
    for (size_t i = 0; i < edges.count; i++)
        outs += strcmp(edges.lines[i], "kick.out -> probe.in Integer") == 0;
    assert_int_equal(outs, 2);
    runnel_network_free(n);
    runnel_graph_free(g);
    runnel_components_free(c);
}

static void test_send_unknown_inport(void **st)
{
    (void)st;
    runnel_components *c = components();
    runnel_graph *g = runnel_graph_new("x");
    node(g, "a", "core/Drop", 0);
    inport(g, "in", "a", "in");
    runnel_network *n = network(g, c, NULL);
    assert_int_equal(runnel_network_start(n, NULL), RUNNEL_OK);
    runnel_msg m = runnel_msg_flow();
    runnel_report r = {0};
    assert_int_equal(runnel_network_send(n, "nope", &m, &r), RUNNEL_BADARG);
    assert_non_null(strstr(r.message, "no inport nope"));
    runnel_report_clear(&r);
    runnel_network_close_input(n);
    assert_int_equal(runnel_network_wait(n, NULL), RUNNEL_OK);
    runnel_network_free(n);
    runnel_graph_free(g);
    runnel_components_free(c);
}

int main(void)
{
    for (size_t i = 0; i < 8; i++)
        pthread_mutex_init(&logs[i].mu, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_per_edge),       cmocka_unit_test(test_fan_out_fan_in),
        cmocka_unit_test(test_back_pressure),        cmocka_unit_test(test_failures_counted),
        cmocka_unit_test(test_failures_to_error_port), cmocka_unit_test(test_cycle_does_not_hang),
        cmocka_unit_test(test_stop_drains),          cmocka_unit_test(test_iips_and_kick),
        cmocka_unit_test(test_send_unknown_inport),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    reset_logs();
    return rc;
}
