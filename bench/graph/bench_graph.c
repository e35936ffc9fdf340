/*
 * bench_graph.c - messages per second and latency through 3-stage graph pipelines, for bench/graph/run.sh.
 *
 * Two pipelines, each three nodes chained out -> in, the graph's inport on the first node and its outport
 * on the last:
 *   wasm x3     three nodes of the examples' my_actor.wasm (the doubler: input -> output, Integer)
 *   repeat x3   three nodes of the built-in core/Repeat (in -> out)
 * Each runs with 1 and 2 workers, in memory and with a state file (state_path in a temporary directory,
 * removed before every run), with the default queue (64); the wasm pipeline also with queue 1024.
 *
 * One run: a fresh network; the main thread sends N Integer messages as fast as runnel_network_send
 * takes them (it blocks when the first edge is full: back-pressure), then closes the input and waits.
 * Message i carries i, its sequence number (the doubler makes it 8*i at the outport: no overflow for
 * any N below 2^60). Its send time (just before runnel_network_send) is kept in an array, its arrival
 * time is taken in the on_output callback; latency is the difference, so under this saturating load it
 * includes the time spent waiting in the queues (about queue depth / rate: Little's law). Throughput is
 * N / (last arrival - first send). Each configuration runs R times (default 3); the table shows the
 * best throughput and the latency percentiles of that same run. Every run checks that all N messages
 * arrived, in order, with the right values, and that no call failed; a run that does not is an error.
 *
 * A second table, "one in flight", sends the next message only when the previous one has arrived:
 * the latency of one message through an idle pipeline (what a request/response user sees), no
 * queueing.
 *
 * Building the network (compiling the .wasm) is outside the timings; instantiating each node's plugin
 * happens on its first message and is inside them (once per node per run).
 *
 * usage: bench_graph [options]
 *   -n N           messages per run in memory (default 20000)
 *   -s N           messages per run with a state file (default: the same as -n)
 *   -r R           runs per configuration, best throughput kept (default 3)
 *   -l N           messages of the one-in-flight table (default 2000; 0: leave the table out)
 *   -a DIR         where my_actor.wasm is (default: $RUNNEL_ACTOR_EXAMPLES_DIR, else the build's examples)
 *   -t DIR         where the temporary state files go (default: $TMPDIR, else /tmp)
 *   -o P,W,S,Q     only this configuration: P wasm|repeat, W workers, S yes|no, Q queue (for perf);
 *                  the one-in-flight table is then left out
 *   -v             each run on stderr
 * Prints the table on stdout. Exit status 1 when a run fails or is wrong (nothing is asserted about
 * the figures themselves).
 */
#include "runnel/graph.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef RUNNEL_ACTOR_EXAMPLES_DIR
#define RUNNEL_ACTOR_EXAMPLES_DIR ""
#endif

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_graph: %s: %s\n", what, why ? why : "?");
    exit(1);
}

/* ---------------------------------------------------------------- the graphs */

typedef enum pipeline { WASM, REPEAT } pipeline;
static const char *const pipeline_names[] = {"wasm x3", "repeat x3"};

static void add_node(runnel_graph *g, const char *id, const char *component)
{
    runnel_report r = {0};
    runnel_graph_node n = {.id = id, .component = component};
    if (runnel_graph_add_node(g, &n, &r) != RUNNEL_OK)
        die("add_node", r.message);
}

static void add_edge(runnel_graph *g, const char *a, const char *ap, const char *b, const char *bp)
{
    runnel_report r = {0};
    runnel_graph_edge e = {.src = {a, ap, -1}, .tgt = {b, bp, -1}};
    if (runnel_graph_add_edge(g, &e, &r) != RUNNEL_OK)
        die("add_edge", r.message);
}

/* a -> b -> c, the graph's inport "in" on a, its outport "out" on c. */
static runnel_graph *make_graph(pipeline p)
{
    const char *comp = p == WASM ? "my_actor" : "core/Repeat";
    const char *in = p == WASM ? "input" : "in", *out = p == WASM ? "output" : "out";
    runnel_graph *g = runnel_graph_new(pipeline_names[p]);
    if (!g)
        die("runnel_graph_new", "out of memory");
    add_node(g, "a", comp);
    add_node(g, "b", comp);
    add_node(g, "c", comp);
    add_edge(g, "a", out, "b", in);
    add_edge(g, "b", out, "c", in);
    runnel_report r = {0};
    runnel_graph_export x = {.name = "in", .inner = {"a", in, -1}};
    if (runnel_graph_add_inport(g, &x, &r) != RUNNEL_OK)
        die("add_inport", r.message);
    x = (runnel_graph_export){.name = "out", .inner = {"c", out, -1}};
    if (runnel_graph_add_outport(g, &x, &r) != RUNNEL_OK)
        die("add_outport", r.message);
    return g;
}

/* ---------------------------------------------------------------- one run */

typedef struct run {
    pipeline pipe;
    size_t n;
    double *sent, *arrived; /* per sequence number */
    /* written by the on_output callback (the network calls it under its own locks, one at a time) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t count;
    double last;
    char *wrong; /* the first wrong output, or NULL */
    unsigned long errors;
} run;

static void on_output(void *user, const char *port, const runnel_msg *msg)
{
    double t = now();
    run *x = user;
    pthread_mutex_lock(&x->mu);
    int64_t v = msg->type == RUNNEL_MSG_INTEGER ? msg->as.integer : -1;
    int64_t seq = x->pipe == WASM ? v / 8 : v;
    bool ok = strcmp(port, "out") == 0 && v >= 0 && (x->pipe != WASM || v % 8 == 0) && seq == (int64_t)x->count &&
              x->count < x->n;
    if (ok) {
        x->arrived[x->count++] = t;
        x->last = t;
    } else if (!x->wrong) {
        char buf[160];
        snprintf(buf, sizeof buf, "output %zu on port %s: %s %lld (expected %lld)", x->count, port,
                 runnel_msg_type_name(msg->type), (long long)v,
                 (long long)(x->pipe == WASM ? 8 * (int64_t)x->count : (int64_t)x->count));
        x->wrong = strdup(buf);
    }
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&x->mu);
}

static void on_error(void *user, const char *node, const char *text)
{
    run *x = user;
    pthread_mutex_lock(&x->mu);
    if (x->errors++ == 0)
        fprintf(stderr, "bench_graph: node %s failed: %s\n", node, text);
    pthread_mutex_unlock(&x->mu);
}

typedef struct config {
    pipeline pipe;
    unsigned workers, queue;
    bool state;
} config;

typedef struct result {
    double rate, p50, p99; /* messages/s; ms */
} result;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile (nearest rank) of n sorted values. */
static double quantile(const double *v, size_t n, double q)
{
    size_t k = (size_t)(q * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

static void remove_state(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char buf[4200];
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        snprintf(buf, sizeof buf, "%s%s", path, suffixes[i]);
        if (unlink(buf) != 0 && errno != ENOENT)
            die(buf, strerror(errno));
    }
}

/* One run of c with n messages; lockstep: one message in flight at a time. */
static result one_run(const config *c, runnel_graph *g, runnel_components *comps, const char *state_path, size_t n,
                      bool lockstep)
{
    run x = {.pipe = c->pipe, .n = n};
    pthread_mutex_init(&x.mu, NULL);
    pthread_cond_init(&x.cv, NULL);
    x.sent = malloc(n * sizeof *x.sent);
    x.arrived = malloc(n * sizeof *x.arrived);
    if (!x.sent || !x.arrived)
        die("malloc", "out of memory");
    if (c->state)
        remove_state(state_path);

    runnel_network_options o = {.size = sizeof(runnel_network_options), .workers = c->workers,
                                .queue = c->queue,
                                .state_path = c->state ? state_path : NULL,
                                .on_output = on_output,
                                .on_error = on_error,
                                .user = &x};
    runnel_diags d = {0};
    runnel_network *net = runnel_network_new(g, comps, &o, &d);
    if (!net) {
        runnel_diags_print(&d, stderr);
        die("runnel_network_new", pipeline_names[c->pipe]);
    }
    runnel_diags_clear(&d);
    runnel_report r = {0};
    if (runnel_network_start(net, &r) != RUNNEL_OK)
        die("runnel_network_start", r.message);

    double t0 = now();
    for (size_t i = 0; i < n; i++) {
        runnel_msg m = runnel_msg_integer((int64_t)i);
        x.sent[i] = now();
        if (runnel_network_send(net, "in", &m, &r) != RUNNEL_OK)
            die("runnel_network_send", r.message);
        if (lockstep) {
            pthread_mutex_lock(&x.mu);
            while (x.count <= i && !x.wrong && !x.errors)
                pthread_cond_wait(&x.cv, &x.mu);
            pthread_mutex_unlock(&x.mu);
            if (x.wrong || x.errors)
                break;
        }
    }
    runnel_network_close_input(net);
    runnel_status st = runnel_network_wait(net, &r);
    if (st != RUNNEL_OK && !x.errors)
        die("runnel_network_wait", r.message);
    runnel_network_free(net);
    runnel_report_clear(&r);
    if (x.wrong)
        die(pipeline_names[c->pipe], x.wrong);
    if (x.errors)
        die(pipeline_names[c->pipe], "some calls failed");
    if (x.count != n) {
        char buf[96];
        snprintf(buf, sizeof buf, "%zu of %zu messages arrived", x.count, n);
        die(pipeline_names[c->pipe], buf);
    }

    result res = {.rate = (double)n / (x.last - t0)};
    for (size_t i = 0; i < n; i++)
        x.arrived[i] -= x.sent[i];
    qsort(x.arrived, n, sizeof *x.arrived, cmp_double);
    res.p50 = quantile(x.arrived, n, 0.50) * 1e3;
    res.p99 = quantile(x.arrived, n, 0.99) * 1e3;
    free(x.sent);
    free(x.arrived);
    pthread_cond_destroy(&x.cv);
    pthread_mutex_destroy(&x.mu);
    return res;
}

/* ---------------------------------------------------------------- main */

static void usage(void)
{
    fprintf(stderr, "usage: bench_graph [-n N] [-s N] [-r RUNS] [-l N] [-a ACTOR_DIR] [-t TMPDIR] "
                    "[-o wasm|repeat,WORKERS,yes|no,QUEUE] [-v]\n");
    exit(2);
}

static size_t count_arg(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '-' || *end || end == s)
        usage();
    return (size_t)v;
}

static bool parse_only(const char *s, config *c)
{
    char p[16], st[8];
    if (sscanf(s, "%15[a-z],%u,%7[a-z],%u", p, &c->workers, st, &c->queue) != 4 || !c->workers)
        return false;
    if (strcmp(p, "wasm") == 0)
        c->pipe = WASM;
    else if (strcmp(p, "repeat") == 0)
        c->pipe = REPEAT;
    else
        return false;
    if (strcmp(st, "yes") != 0 && strcmp(st, "no") != 0)
        return false;
    c->state = st[0] == 'y';
    return true;
}

int main(int argc, char **argv)
{
    size_t n_mem = 20000, n_state = 0, runs = 3, n_lock = 2000;
    const char *actors = getenv("RUNNEL_ACTOR_EXAMPLES_DIR");
    const char *tmp = getenv("TMPDIR");
    bool verbose = false, only = false;
    config one = {0};
    int opt;
    while ((opt = getopt(argc, argv, "n:s:r:l:a:t:o:v")) != -1) {
        switch (opt) {
        case 'n': n_mem = count_arg(optarg); break;
        case 's': n_state = count_arg(optarg); break;
        case 'r': runs = count_arg(optarg); break;
        case 'l': n_lock = count_arg(optarg); break;
        case 'a': actors = optarg; break;
        case 't': tmp = optarg; break;
        case 'o':
            if (!parse_only(optarg, &one))
                usage();
            only = true;
            break;
        case 'v': verbose = true; break;
        default: usage();
        }
    }
    if (optind != argc || !n_mem || !runs)
        usage();
    if (!n_state)
        n_state = n_mem;
    if (!actors || !*actors)
        actors = RUNNEL_ACTOR_EXAMPLES_DIR;
    if (!tmp || !*tmp)
        tmp = "/tmp";

    char wasm_path[4096];
    snprintf(wasm_path, sizeof wasm_path, "%s/my_actor.wasm", actors);
    bool have_wasm = *actors && access(wasm_path, R_OK) == 0;
    if (!have_wasm)
        fprintf(stderr, "bench_graph: no my_actor.wasm in \"%s\" (give -a DIR): the wasm rows are left out\n",
                actors);

    char dir[4096];
    snprintf(dir, sizeof dir, "%s/bench_graph.XXXXXX", tmp);
    if (!mkdtemp(dir))
        die(dir, strerror(errno));
    char state_path[4200];
    snprintf(state_path, sizeof state_path, "%s/state.db", dir);

    runnel_components *comps = runnel_components_new();
    if (!comps || (have_wasm && runnel_components_add_dir(comps, actors) != RUNNEL_OK))
        die("runnel_components", "out of memory");
    runnel_graph *graphs[2] = {make_graph(WASM), make_graph(REPEAT)};

    static const config table[] = {
        {WASM, 1, 64, false},   {WASM, 2, 64, false},   {WASM, 1, 64, true},   {WASM, 2, 64, true},
        {WASM, 1, 1024, false}, {WASM, 2, 1024, false}, {REPEAT, 1, 64, false}, {REPEAT, 2, 64, false},
        {REPEAT, 1, 64, true},  {REPEAT, 2, 64, true},
    };
    const config *configs = only ? &one : table;
    size_t nconfigs = only ? 1 : sizeof table / sizeof *table;

    printf("messages per run: %zu in memory, %zu with a state file; best of %zu runs (latency: that run's)\n", n_mem,
           n_state, runs);
    printf("%-10s %7s %5s %5s %9s %8s %8s\n", "pipeline", "workers", "queue", "state", "msgs/s", "p50 ms", "p99 ms");
    fflush(stdout);
    for (size_t i = 0; i < nconfigs; i++) {
        const config *c = &configs[i];
        if (c->pipe == WASM && !have_wasm)
            continue;
        size_t n = c->state ? n_state : n_mem;
        result best = {0};
        for (size_t k = 0; k < runs; k++) {
            result res = one_run(c, graphs[c->pipe], comps, state_path, n, false);
            if (verbose)
                fprintf(stderr, "  %s workers %u queue %u state %s run %zu: %.0f msgs/s, p50 %.3f ms, p99 %.3f ms\n",
                        pipeline_names[c->pipe], c->workers, c->queue, c->state ? "yes" : "no", k + 1, res.rate,
                        res.p50, res.p99);
            if (res.rate > best.rate)
                best = res;
        }
        printf("%-10s %7u %5u %5s %9.0f %8.3f %8.3f\n", pipeline_names[c->pipe], c->workers, c->queue,
               c->state ? "yes" : "no", best.rate, best.p50, best.p99);
        fflush(stdout);
    }

    if (!only && n_lock) {
        static const config lock[] = {
            {WASM, 1, 64, false}, {WASM, 2, 64, false}, {WASM, 1, 64, true},
            {REPEAT, 1, 64, false}, {REPEAT, 2, 64, false}, {REPEAT, 1, 64, true},
        };
        printf("\none in flight: %zu messages, each sent when the previous one has arrived\n", n_lock);
        printf("%-10s %7s %5s %5s %9s %8s %8s\n", "pipeline", "workers", "queue", "state", "msgs/s", "p50 ms",
               "p99 ms");
        for (size_t i = 0; i < sizeof lock / sizeof *lock; i++) {
            const config *c = &lock[i];
            if (c->pipe == WASM && !have_wasm)
                continue;
            result res = one_run(c, graphs[c->pipe], comps, state_path, n_lock, true);
            printf("%-10s %7u %5u %5s %9.0f %8.3f %8.3f\n", pipeline_names[c->pipe], c->workers, c->queue,
                   c->state ? "yes" : "no", res.rate, res.p50, res.p99);
            fflush(stdout);
        }
    }

    remove_state(state_path);
    rmdir(dir);
    runnel_graph_free(graphs[0]);
    runnel_graph_free(graphs[1]);
    runnel_components_free(comps);
    return 0;
}
