/*
 * graph_run.c - `runnel run GRAPH`: a flow-based program run from the command line.
 *
 * The graph's own inports and outports are the command's input and output (docs/graphs.md, "Running a
 * graph"), one JSON object a line, so that graphs compose with pipes and other tools:
 *
 *   stdin   {"port": "in", "message": {"type": "Integer", "data": 5}}   or plain JSON: "message": 5
 *   stdout  {"port": "out", "message": {"type": "Integer", "data": 10}}
 *
 * stdin is read only when the graph has inports; IIPs are delivered at start. The run ends when the
 * network is quiescent (stdin at its end, nothing queued or running) or on SIGINT/SIGTERM, which stop
 * reading, let the queues drain and end cleanly; a second signal ends the process at once (a loop that
 * feeds itself never drains). Signals are taken by one thread with sigwait (they are
 * blocked in every other thread), so no work happens in a signal handler.
 *
 * With --state FILE, a run that was killed is resumed by running the same command again: the state
 * file knows how many stdin messages the graph had already accepted, and that many are skipped, so
 * feeding the same input again neither loses nor repeats one.
 *
 * Progress: on a terminal, a table on stderr redrawn a few times a second (per node: messages in, out,
 * errors, queue depth, rate); --quiet, or stderr not a terminal, turns it off.
 */
#include "cli.h"
#include "graph_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* A message line longer than this is refused (it would be one message of that size). */
#define MAX_LINE (16u << 20)

/* ---------------------------------------------------------------- shared with cmd_graph.c */

int rn_cli_graph_sources_option(rn_cli_graph_sources *s, int argc, char **argv, int *i)
{
    const char *v;
    int got = rn_cli_option(argc, argv, i, "components", &v);
    if (got <= 0)
        return got;
    const char **d = realloc(s->dirs, (size_t)(s->ndirs + 1) * sizeof *d);
    if (!d) {
        rn_cli_error("out of memory");
        return -1;
    }
    d[s->ndirs++] = v;
    s->dirs = d;
    return 1;
}

void rn_cli_graph_sources_free(rn_cli_graph_sources *s)
{
    free(s->dirs);
    s->dirs = NULL;
    s->ndirs = 0;
}

runnel_components *rn_cli_graph_components(const rn_cli_graph_sources *s)
{
    runnel_components *c = runnel_components_new();
    for (int i = 0; c && i < s->ndirs; i++)
        if (runnel_components_add_dir(c, s->dirs[i]) != RUNNEL_OK) {
            runnel_components_free(c);
            c = NULL;
        }
    if (!c)
        rn_cli_error("out of memory");
    return c;
}

char *rn_cli_escape(const char *s)
{
    char *e = runnel_text_escape(s);
    return e ? e : calloc(1, 1);
}

runnel_graph *rn_cli_load_graph(const char *path)
{
    runnel_report r = {0};
    runnel_graph *g = runnel_graph_load(path, &r);
    if (!g) {
        char *msg = rn_cli_escape(r.message ? r.message : "cannot read the graph");
        fprintf(stderr, "%s\n", msg);
        free(msg);
    }
    runnel_report_clear(&r);
    return g;
}

bool rn_cli_is_graph_file(const char *path)
{
    size_t n = strlen(path);
    return (n >= 5 && strcasecmp(path + n - 5, ".json") == 0) || (n >= 4 && strcasecmp(path + n - 4, ".fbp") == 0);
}

/* ---------------------------------------------------------------- options */

bool rn_cli_run_names_graph(int argc, char **argv)
{
    /* the options of both forms of `runnel run` that take a separate value */
    static const char *const with_value[] = {"invoke", "fuel",   "timeout", "max-memory", "stack",
                                             "dir",    "dir-ro", "env",     "components", "workers",
                                             "queue",  "state",  "trace",   "input",      "max-depth",
                                             "state-max", "native"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            return i + 1 < argc && rn_cli_is_graph_file(argv[i + 1]);
        if (a[0] == '-' && a[1] == '-') {
            for (size_t k = 0; !strchr(a, '=') && k < sizeof with_value / sizeof with_value[0]; k++)
                if (strcmp(a + 2, with_value[k]) == 0)
                    i++;
            continue;
        }
        if (strcmp(a, "-h") == 0)
            continue;
        return rn_cli_is_graph_file(a);
    }
    return false;
}

void rn_cli_help_run_graph(FILE *out)
{
    fprintf(out,
            "usage: runnel run [OPTIONS] GRAPH.json|GRAPH.fbp\n\n"
            "Runs a flow-based program (Reflow's graph JSON, NoFlo's JSON or .fbp). The graph is checked\n"
            "first (runnel graph check); then its IIPs are delivered, its inports read JSON lines from\n"
            "stdin, {\"port\": \"NAME\", \"message\": M} with M tagged ({\"type\":\"Integer\",\"data\":5}) or\n"
            "plain JSON typed by its shape, and what reaches its outports is written to stdout, one line\n"
            "each: {\"port\": \"NAME\", \"message\": {\"type\": T, \"data\": D}}. The run ends when nothing is\n"
            "left to do, or on SIGINT/SIGTERM (input stops, queues drain; a second signal ends it at once).\n\n"
            "options:\n"
            "  --components DIR     look for a component NAME as DIR/NAME.wasm (or a .json/.fbp\n"
            "                       subgraph) before the graph's own directory (repeatable)\n"
            "  --workers N          worker threads (default: the number of cores)\n"
            "  --queue N            messages each connection holds before its sender waits (default %u)\n"
            "  --state FILE         keep every node's state and every pending message in FILE (SQLite);\n"
            "                       the same command with the same FILE resumes a run that was killed; a\n"
            "                       FILE that is not a runnel state database is refused untouched\n"
            "  --watch              reload a .wasm component when its file changes (state is kept)\n"
            "  --trace FILE         one JSON line per delivered message (time, edge, port, type, size)\n"
            "  --input FILE         read the inports' messages from FILE instead of stdin\n"
            "  --quiet              no progress display (it is shown only when stderr is a terminal)\n"
            "  --cold               a fresh plugin instance for every message (Reflow's way)\n"
            "  --compiled           compile every .wasm component to native code with the system C\n"
            "                       compiler first (cached: see runnel compile; RUNNEL_COMPILE=1 does\n"
            "                       the same)\n"
            "  --wasi-stdio         let plugins write to this process's stdout and stderr\n"
            "  --state-max BYTES    the state each node may keep, counted as runnel_actor_state_bytes\n"
            "                       does (0 = no limit; default %u, 64 MiB)\n",
            RUNNEL_NETWORK_DEFAULT_QUEUE, RUNNEL_ACTOR_DEFAULT_MAX_STATE_BYTES);
    rn_cli_limits_help(out, "max-memory");
    fprintf(out,
            "                       (every node's defaults: node metadata timeout_ms, memory_limit_mb and\n"
            "                       fuel win; not given: the actor defaults, a timeout of %u ms and %u pages)\n\n"
            "exit status: 0 the network ran to its end; 1 it ran but some calls failed (the count is\n"
            "printed on stderr) or input lines were refused; 2 the graph or the command line is wrong.\n\n"
            "example: echo '{\"port\":\"in\",\"message\":21}' | runnel run examples/graphs/pipeline.fbp\n",
            RUNNEL_ACTOR_DEFAULT_TIMEOUT_MS, RUNNEL_ACTOR_DEFAULT_MAX_PAGES);
}

typedef struct graph_opts {
    rn_cli_graph_sources sources;
    const char *file;
    const char *input; /* the inports' messages: a file instead of stdin */
    runnel_network_options net;
    rn_cli_limits limits; /* as given; copied into net */
    rn_cli_tier tier;     /* --compiled; into net */
    bool quiet;
} graph_opts;

static bool parse_count(const char *name, const char *v, uint64_t max, uint64_t *out)
{
    if (!rn_cli_parse_u64(v, max, out)) {
        rn_cli_error("run: --%s wants a non-negative integer, not '%s'", name, v);
        return false;
    }
    return true;
}

/* A budget of the command line as the network's options take it: not given 0 (the actor layer's
   default), 0 ("no limit") RUNNEL_ACTOR_UNLIMITED. */
static uint64_t net_limit(bool given, uint64_t n)
{
    return !given ? 0 : n == 0 ? RUNNEL_ACTOR_UNLIMITED : n;
}

static int graph_option(graph_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v;
    uint64_t n;
    if (strcmp(a, "--watch") == 0)
        o->net.watch = true;
    else if (strcmp(a, "--quiet") == 0)
        o->quiet = true;
    else if (strcmp(a, "--cold") == 0)
        o->net.cold = true;
    else if (strcmp(a, "--compiled") == 0)
        o->tier.compiled = true;
    else if (strcmp(a, "--wasi-stdio") == 0)
        o->net.inherit_stdio = true;
    else {
        int got = rn_cli_graph_sources_option(&o->sources, argc, argv, i);
        if (got)
            return got;
        if (rn_cli_next_option(argc, argv, i, "workers", &v, &got)) {
            if (!parse_count("workers", v, 256, &n) || n == 0)
                return n == 0 ? (rn_cli_error("run: --workers must be 1 or more"), -1) : -1;
            o->net.workers = (unsigned)n;
        }
        if (rn_cli_next_option(argc, argv, i, "queue", &v, &got)) {
            if (!parse_count("queue", v, 1u << 20, &n) || n == 0)
                return n == 0 ? (rn_cli_error("run: --queue must be 1 or more"), -1) : -1;
            o->net.queue = (unsigned)n;
        }
        if (rn_cli_next_option(argc, argv, i, "state", &v, &got))
            o->net.state_path = v;
        if (rn_cli_next_option(argc, argv, i, "trace", &v, &got))
            o->net.trace_path = v;
        if (rn_cli_next_option(argc, argv, i, "input", &v, &got))
            o->input = v;
        if (rn_cli_next_option(argc, argv, i, "state-max", &v, &got)) {
            if (!parse_count("state-max", v, UINT64_MAX - 1, &n))
                return -1;
            o->net.max_state_bytes = net_limit(true, n);
        }
        if (!got && (got = rn_cli_limit_option(&o->limits, "run", "max-memory", argc, argv, i)) > 0) {
            o->net.timeout_ms = net_limit(o->limits.has_timeout, o->limits.timeout_ms);
            o->net.max_memory_pages = net_limit(o->limits.has_memory, o->limits.max_pages);
            o->net.fuel = net_limit(o->limits.has_fuel, o->limits.fuel);
            o->net.stack_bytes = o->limits.stack_bytes;
            o->net.max_call_depth = o->limits.max_depth;
        }
        return got;
    }
    return 1;
}

static int graph_syntax_option(void *opts, int argc, char **argv, int *i) { return graph_option(opts, argc, argv, i); }

static const rn_cli_syntax graph_syntax = {"run", "graph", rn_cli_help_run_graph, graph_syntax_option};

/* The command line through the one parser of every command; a graph has no arguments after it. */
static int parse_command_line(graph_opts *o, int argc, char **argv)
{
    rn_cli_args pos;
    int rc = rn_cli_parse_args(&graph_syntax, argc, argv, o, &pos);
    if (rc < 0 && pos.nrest) {
        rn_cli_error("run: a graph takes its input from stdin, not arguments ('%s')", pos.rest[0]);
        rc = RN_CLI_USAGE;
    }
    o->file = pos.file;
    free(pos.rest);
    return rc;
}

/* ---------------------------------------------------------------- output */

static void print_output(void *user, const char *port, const runnel_msg *msg)
{
    (void)user;
    json_t *m = runnel_msg_to_json(msg);
    json_t *line = m ? json_pack("{s:s, s:o}", "port", port, "message", m) : NULL;
    char *text = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text)
        printf("%s\n", text);
    else
        rn_cli_error("an output on %s cannot be written as JSON (a String that is not UTF-8?)", port);
    fflush(stdout);
    free(text);
    json_decref(line);
}

/* ---------------------------------------------------------------- signals and progress */

typedef struct run_state {
    runnel_network *net;
    atomic_bool stop;  /* stop reading input (a signal, or the network is stopping) */
    atomic_bool signalled;
    atomic_bool ended; /* the run is over: helper threads leave */
    bool progress;
    pthread_mutex_t mu; /* progress drawing against the final table */
    size_t drawn;       /* lines of the last table */
} run_state;

static void *signal_thread(void *arg)
{
    run_state *s = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    struct timespec tick = {0, 100 * 1000000L};
    while (!atomic_load(&s->ended)) {
        int sig = sigtimedwait(&set, NULL, &tick);
        if ((sig == SIGINT || sig == SIGTERM) && atomic_load(&s->signalled)) {
            /* a second signal: the queues are not draining (a loop feeding itself never does); end now.
               With a state file that is as safe as a crash, which the file is made to survive. */
            static const char note[] = "runnel: second signal: stopping at once, without draining the queues\n";
            if (write(STDERR_FILENO, note, sizeof note - 1) < 0) {
            }
            _exit(130);
        }
        if (sig == SIGINT || sig == SIGTERM) {
            atomic_store(&s->signalled, true);
            atomic_store(&s->stop, true);
            runnel_network_stop(s->net);
        }
    }
    return NULL;
}

static double monotonic(void) { return (double)rn_now_ns() / 1e9; }

/* The table of per-node counters on stderr, drawn over the previous one. */
static void draw_progress(run_state *s, uint64_t *last_in, double *last_time)
{
    size_t max = 256;
    runnel_node_stats st[256];
    size_t n = runnel_network_stats(s->net, st, max);
    if (n > max)
        n = max;
    double now = monotonic(), dt = now - *last_time;
    pthread_mutex_lock(&s->mu);
    if (s->drawn)
        fprintf(stderr, "\x1b[%zuA\x1b[J", s->drawn);
    fprintf(stderr, "%-24s %-20s %10s %10s %7s %6s %9s\n", "node", "component", "in", "out", "errors", "queue",
            "msg/s");
    for (size_t i = 0; i < n; i++) {
        char *id = rn_cli_escape(st[i].id), *comp = rn_cli_escape(st[i].component);
        double rate = dt > 0 ? (double)(st[i].in - last_in[i]) / dt : 0;
        fprintf(stderr, "%-24.24s %-20.20s %10llu %10llu %7llu %6llu %9.0f%s\n", id, comp,
                (unsigned long long)st[i].in, (unsigned long long)st[i].out, (unsigned long long)st[i].errors,
                (unsigned long long)st[i].queued, rate, st[i].busy ? " *" : "");
        last_in[i] = st[i].in;
        free(id);
        free(comp);
    }
    s->drawn = n + 1;
    fflush(stderr);
    pthread_mutex_unlock(&s->mu);
    *last_time = now;
}

static void *progress_thread(void *arg)
{
    run_state *s = arg;
    uint64_t last_in[256] = {0};
    double last_time = monotonic();
    while (!atomic_load(&s->ended)) {
        struct timespec pause = {0, 250 * 1000000L};
        nanosleep(&pause, NULL);
        if (!atomic_load(&s->ended))
            draw_progress(s, last_in, &last_time);
    }
    return NULL;
}

/* ---------------------------------------------------------------- input */

/* One input line: {"port": NAME, "message": M}. Prints why and returns false when it is not one. */
static bool parse_line(const char *line, size_t len, unsigned long lineno, char **port, runnel_msg *msg)
{
    json_error_t err;
    json_t *doc = json_loadb(line, len, JSON_ALLOW_NUL, &err);
    const json_t *p = json_object_get(doc, "port"), *m = json_object_get(doc, "message");
    bool ok = false;
    if (!doc)
        rn_cli_error("stdin line %lu: not JSON (%s)", lineno, err.text);
    else if (!json_is_string(p) || !m)
        rn_cli_error("stdin line %lu: expected {\"port\": NAME, \"message\": M}", lineno);
    else {
        runnel_report r = {0};
        ok = runnel_msg_from_value(msg, m, &r) == RUNNEL_OK;
        if (!ok) {
            char *why = rn_cli_escape(r.message ? r.message : "bad message");
            rn_cli_error("stdin line %lu: %s", lineno, why);
            free(why);
        }
        runnel_report_clear(&r);
        if (ok && !(*port = strdup(json_string_value(p)))) {
            runnel_msg_clear(msg);
            ok = false;
        }
    }
    json_decref(doc);
    return ok;
}

typedef struct reader {
    int fd;
    char *buf;
    size_t len, cap;
    bool eof, too_long;
} reader;

/* The next line of stdin (without its newline) in r->buf[0..*len), waiting with poll so that a signal
   is noticed within 100 ms. False at the end of input or on stop. */
static bool next_line(reader *rd, run_state *s, size_t *len, size_t *consumed)
{
    for (;;) {
        char *nl = rd->len ? memchr(rd->buf, '\n', rd->len) : NULL;
        if (nl || (rd->eof && rd->len)) {
            *len = nl ? (size_t)(nl - rd->buf) : rd->len;
            *consumed = nl ? *len + 1 : *len;
            return true;
        }
        if (rd->eof || atomic_load(&s->stop))
            return false;
        if (rd->len == MAX_LINE) { /* a line longer than the limit: drop what we have of it */
            rd->too_long = true;
            rd->len = 0;
        }
        if (rd->len == rd->cap) {
            size_t ncap = rd->cap ? rd->cap * 2 : 65536;
            char *nb = realloc(rd->buf, ncap > MAX_LINE ? MAX_LINE : ncap);
            if (!nb)
                return false;
            rd->buf = nb;
            rd->cap = ncap > MAX_LINE ? MAX_LINE : ncap;
        }
        struct pollfd pfd = {.fd = rd->fd, .events = POLLIN};
        int pr = poll(&pfd, 1, 100);
        if (pr < 0 && errno != EINTR)
            return false;
        if (pr <= 0)
            continue;
        ssize_t got = read(rd->fd, rd->buf + rd->len, rd->cap - rd->len);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            rd->eof = true;
        else
            rd->len += (size_t)got;
    }
}

/* Feeds stdin's messages to the graph's inports until the end of input or a stop. Returns how many
   lines were refused. */
static unsigned long feed_stdin(run_state *s, int fd)
{
    reader rd = {.fd = fd};
    uint64_t skip = runnel_network_accepted(s->net); /* accepted by an earlier run of this state file */
    unsigned long lineno = 0, refused = 0;
    size_t len, consumed;
    while (next_line(&rd, s, &len, &consumed)) {
        lineno++;
        bool blank = strspn(rd.buf, " \t\r") >= len;
        char *port = NULL;
        runnel_msg msg;
        if (rd.too_long) {
            rn_cli_error("stdin line %lu: longer than %u MiB", lineno, MAX_LINE >> 20);
            rd.too_long = false;
            refused++;
        } else if (!blank && parse_line(rd.buf, len, lineno, &port, &msg)) {
            if (skip) {
                skip--;
            } else {
                runnel_report r = {0};
                runnel_status st = runnel_network_send(s->net, port, &msg, &r);
                if (st == RUNNEL_SUSPENDED) /* the network is stopping: read no more */
                    atomic_store(&s->stop, true);
                else if (st != RUNNEL_OK) {
                    char *why = rn_cli_escape(r.message);
                    rn_cli_error("stdin line %lu: %s", lineno, why);
                    free(why);
                    refused++;
                }
                runnel_report_clear(&r);
            }
            runnel_msg_clear(&msg);
            free(port);
        } else if (!blank) {
            refused++;
        }
        memmove(rd.buf, rd.buf + consumed, rd.len - consumed);
        rd.len -= consumed;
    }
    free(rd.buf);
    return refused;
}

/* ---------------------------------------------------------------- the run */

static int run_network(runnel_network *net, const graph_opts *o, bool has_inports, int input_fd)
{
    run_state s = {.net = net, .progress = !o->quiet && isatty(STDERR_FILENO)};
    pthread_mutex_init(&s.mu, NULL);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old); /* every thread from here on inherits the mask */
    runnel_report r = {0};
    int rc = RN_CLI_OK;
    pthread_t sig_thread, prog_thread;
    bool sig_started = pthread_create(&sig_thread, NULL, signal_thread, &s) == 0;
    bool prog_started = s.progress && pthread_create(&prog_thread, NULL, progress_thread, &s) == 0;
    unsigned long refused = 0;
    if (runnel_network_start(net, &r) != RUNNEL_OK) {
        char *why = rn_cli_escape(r.message);
        rn_cli_error("run: %s", why);
        free(why);
        rc = RN_CLI_FAIL;
    } else if (has_inports) {
        refused = feed_stdin(&s, input_fd);
    }
    runnel_network_close_input(net);
    runnel_report_clear(&r);
    runnel_status st = runnel_network_wait(net, &r);
    atomic_store(&s.ended, true);
    if (sig_started)
        pthread_join(sig_thread, NULL);
    if (prog_started) {
        pthread_join(prog_thread, NULL);
        uint64_t last_in[256] = {0};
        double t = monotonic();
        draw_progress(&s, last_in, &t); /* the final counts stay on the screen */
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (st == RUNNEL_TRAP) {
        fprintf(stderr, "runnel: %llu call%s failed\n", (unsigned long long)runnel_network_failures(net),
                runnel_network_failures(net) == 1 ? "" : "s");
        rc = RN_CLI_FAIL;
    } else if (st != RUNNEL_OK) {
        char *why = rn_cli_escape(r.message);
        rn_cli_error("run: %s", why);
        free(why);
        rc = RN_CLI_FAIL;
    }
    if (refused) {
        fprintf(stderr, "runnel: %lu input line%s refused\n", refused, refused == 1 ? "" : "s");
        rc = RN_CLI_FAIL;
    }
    if (atomic_load(&s.signalled))
        fprintf(stderr, "runnel: stopped by a signal; the queues were drained\n");
    runnel_report_clear(&r);
    pthread_mutex_destroy(&s.mu);
    return rc;
}

int rn_cli_run_graph(int argc, char **argv)
{
    graph_opts o = {.net = {.size = sizeof(runnel_network_options), .on_output = print_output}};
    int rc = parse_command_line(&o, argc, argv);
    if (rc >= 0) {
        rn_cli_graph_sources_free(&o.sources);
        return rc;
    }
    char *what = rn_format("the components of %s", o.file);
    bool tier_ok = what && rn_cli_tier_begin(&o.tier, what, o.quiet);
    free(what);
    if (!tier_ok) {
        rn_cli_tier_end(&o.tier);
        rn_cli_graph_sources_free(&o.sources);
        return RN_CLI_USAGE;
    }
    o.net.compiled = o.tier.compiled;
    o.net.compile = &o.tier.opts;
    rc = RN_CLI_USAGE;
    runnel_graph *g = rn_cli_load_graph(o.file);
    runnel_components *c = g ? rn_cli_graph_components(&o.sources) : NULL;
    runnel_network *net = NULL;
    if (c) {
        runnel_diags d = {0};
        net = runnel_network_new(g, c, &o.net, &d);
        if (o.tier.progress.shown) /* a compile failed with its progress line on the screen */
            fputs("\r\x1b[K", stderr);
        o.tier.progress.shown = false;
        /* the cycles' notes are for `runnel graph check`; a run shows errors and warnings */
        for (size_t i = 0; i < d.count; i++)
            if (d.items[i].level != RUNNEL_DIAG_INFO)
                runnel_diags_print(&(runnel_diags){.items = &d.items[i], .count = 1}, stderr);
        if (!net)
            fprintf(stderr, "runnel: %zu error%s: the graph does not run\n", d.errors, d.errors == 1 ? "" : "s");
        runnel_diags_clear(&d);
    }
    int fd = STDIN_FILENO;
    if (net && o.input && (fd = open(o.input, O_RDONLY)) < 0) {
        rn_cli_error("run: cannot open %s: %s", o.input, strerror(errno));
        runnel_network_free(net);
        net = NULL;
    }
    if (net) {
        size_t ninports;
        runnel_graph_inports(g, &ninports);
        rc = run_network(net, &o, ninports > 0, fd);
        runnel_network_free(net);
    }
    if (fd != STDIN_FILENO && fd >= 0)
        close(fd);
    runnel_components_free(c);
    runnel_graph_free(g);
    rn_cli_graph_sources_free(&o.sources);
    rn_cli_tier_end(&o.tier); /* after the network: a reload (--watch) compiles with it */
    return rc;
}
