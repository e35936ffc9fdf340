/*
 * live.c - running networks for the protocol's network sub-protocol (start, stop, getstatus) and the
 * events a running network sends to the clients: `network/data` per delivery on an edge, `network/output`
 * for what reaches a core/Output node, `network/error` for a failed call that no `error` port took, and
 * `runtime/packet` for what leaves a graph outport (fbp-protocol 0.9.8, spec/protocol.js.md, "Network
 * protocol" and "Runtime protocol").
 *
 * Why it is shaped this way: runnel_network calls on_edge, on_output and on_error on its worker threads
 * with its lock held, and libwebsockets wants every write from its own service thread. So the callbacks
 * only build the event's JSON text and append it to one queue (rn_serve.events, under ev_mu), then call
 * cfg.notify (lws_cancel_service, which is thread-safe) to wake the service thread, which takes the
 * queue with rn_serve_poll. The queue is bounded (RN_SERVE_MAX_EVENT_BYTES): a client that does not
 * read cannot make the runtime grow without limit; dropped events are counted and reported.
 *
 * The first packet on an edge also sends `connect` for it, and the end of the network a `disconnect`
 * for every edge that carried data (a stopped network's events are not sent).
 *
 * A started network whose graph has no exported inports is told that no input will come
 * (runnel_network_close_input), so it ends once quiescent, as NoFlo's networks do: a waiter thread
 * blocks in runnel_network_wait and marks the run finished (`started` stays true, `running` becomes
 * false, which is what fbp-test expects of getstatus). `stop` stops it without waiting for it to
 * drain (rn_live_stop) and it is freed once it has ended (rn_live_reap).
 */
#include "serve_impl.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct rn_run {
    rn_serve *s;
    char *graph;               /* the protocol's graph id */
    runnel_network *net;
    pthread_t waiter;
    bool waiter_started;
    bool done;                 /* under s->ev_mu: runnel_network_wait returned */
    bool stopped;              /* under s->ev_mu: stopped by a client; its events are not sent */
    rn_run *next;              /* in s->stopping, while it drains */
    bool closed_input;
    uint64_t started_at; /* rn_now_ns() */
    char **output_nodes;       /* ids of the nodes whose component is core/Output (read-only while running) */
    size_t noutput_nodes;
    json_t *active;            /* {label: event payload} of the edges that carried data: `connect` was
                                  sent, `disconnect` is sent when the network ends. Touched only by
                                  on_edge (under the network's lock) and by the waiter once it ended. */
};

/* At most this many edges get connect/disconnect events (the rest only data). */
#define RN_RUN_MAX_ACTIVE 4096u

static double seconds_since(uint64_t t_ns) { return (double)(rn_now_ns() - t_ns) / 1e9; }

void rn_live_queue(rn_serve *s, json_t *msg)
{
    if (!msg)
        return;
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text)
        return;
    size_t len = strlen(text);
    bool queued = false;
    pthread_mutex_lock(&s->ev_mu);
    if (s->event_bytes + len <= RN_SERVE_MAX_EVENT_BYTES) {
        rn_serve_out *o = &s->events;
        if (o->n == o->cap) {
            size_t ncap = o->cap ? o->cap * 2 : 64;
            char **n = realloc(o->items, ncap * sizeof *n);
            if (n) {
                o->items = n;
                o->cap = ncap;
            }
        }
        if (o->n < o->cap) {
            o->items[o->n++] = text;
            s->event_bytes += len;
            queued = true;
        }
    }
    if (!queued)
        s->dropped++;
    pthread_mutex_unlock(&s->ev_mu);
    if (!queued)
        free(text);
    if (s->cfg.notify)
        s->cfg.notify(s->cfg.notify_user);
}

/* "Hello() OUT -> IN World()", "DATA -> IN Hello()": the edge as an .fbp line, the id NoFlo gives it. */
static char *edge_label(const char *src_node, const char *src_port, const char *tgt_node, const char *tgt_port)
{
    char src[300], tgt[300];
    char up_s[128], up_t[128];
    size_t i;
    for (i = 0; src_port && src_port[i] && i + 1 < sizeof up_s; i++)
        up_s[i] = (char)((src_port[i] >= 'a' && src_port[i] <= 'z') ? src_port[i] - 32 : src_port[i]);
    up_s[i] = '\0';
    for (i = 0; tgt_port && tgt_port[i] && i + 1 < sizeof up_t; i++)
        up_t[i] = (char)((tgt_port[i] >= 'a' && tgt_port[i] <= 'z') ? tgt_port[i] - 32 : tgt_port[i]);
    up_t[i] = '\0';
    if (src_node)
        snprintf(src, sizeof src, "%.120s() %s", src_node, up_s);
    else
        snprintf(src, sizeof src, "%s", src_port ? up_s : "DATA");
    snprintf(tgt, sizeof tgt, "%s %.120s()", up_t, tgt_node ? tgt_node : "");
    size_t n = strlen(src) + strlen(tgt) + 5;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s -> %s", src, tgt);
    return out;
}

static json_t *port_obj(const char *node, const char *port)
{
    return json_pack("{s:o, s:o}", "node", rn_serve_str(node), "port", rn_serve_str(port));
}

/* The message as plain JSON (what the protocol carries), never NULL unless out of memory. */
static json_t *plain(const runnel_msg *msg)
{
    json_t *d = runnel_msg_data_json(msg);
    if (d)
        return d;
    if (msg->type == RUNNEL_MSG_STRING || msg->type == RUNNEL_MSG_ERROR) /* not UTF-8: escaped */
        return rn_serve_str(msg->as.str.ptr);
    return json_null();
}

static bool is_output_node(const rn_run *run, const char *id)
{
    for (size_t i = 0; id && i < run->noutput_nodes; i++)
        if (strcmp(run->output_nodes[i], id) == 0)
            return true;
    return false;
}

/* An event of a run, unless a client stopped it. */
static void run_queue(rn_run *run, json_t *msg)
{
    pthread_mutex_lock(&run->s->ev_mu);
    bool stopped = run->stopped;
    pthread_mutex_unlock(&run->s->ev_mu);
    if (stopped)
        json_decref(msg);
    else
        rn_live_queue(run->s, msg);
}

static void on_edge(void *user, const char *src_node, const char *src_port, const char *tgt_node,
                    const char *tgt_port, const runnel_msg *msg)
{
    rn_run *run = user;
    rn_serve *s = run->s;
    if (!tgt_node) /* to a graph outport: on_output sends it as runtime/packet */
        return;
    char *label = edge_label(src_node, src_port, tgt_node, tgt_port);
    json_t *p = json_pack("{s:o, s:s, s:o, s:o}", "id", rn_serve_str(label), "graph", run->graph, "tgt",
                          port_obj(tgt_node, tgt_port), "data", plain(msg));
    free(label);
    if (p && src_node)
        json_object_set_new(p, "src", port_obj(src_node, src_port));
    /* the first packet on an edge opens it (the spec's connect; NoFlo's IDE shows the edge as active) */
    const char *id = p ? json_string_value(json_object_get(p, "id")) : NULL;
    if (id && run->active && !json_object_get(run->active, id) && json_object_size(run->active) < RN_RUN_MAX_ACTIVE) {
        json_t *ev = json_deep_copy(p);
        json_object_del(ev, "data");
        if (ev && json_object_set(run->active, id, ev) == 0)
            run_queue(run, rn_serve_msg("network", "connect", json_deep_copy(ev)));
        json_decref(ev);
    }
    if (p) {
        pthread_mutex_lock(&s->ev_mu);
        if (s->tracing && json_array_size(s->trace) < RN_SERVE_MAX_TRACE_EVENTS)
            json_array_append_new(s->trace, json_pack("{s:s, s:s, s:O}", "protocol", "network", "command", "data",
                                                      "payload", p) /* a flowtrace event */);
        pthread_mutex_unlock(&s->ev_mu);
    }
    run_queue(run, rn_serve_msg("network", "data", p));
    if (is_output_node(run, tgt_node)) {
        json_t *text;
        if (msg->type == RUNNEL_MSG_STRING)
            text = rn_serve_str(msg->as.str.ptr);
        else {
            json_t *d = plain(msg);
            char *t = d ? json_dumps(d, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
            json_decref(d);
            text = rn_serve_str(t ? t : "");
            free(t);
        }
        run_queue(run, rn_serve_msg("network", "output", json_pack("{s:o, s:s}", "message", text, "type", "message")));
    }
}

static void on_output(void *user, const char *port, const runnel_msg *msg)
{
    rn_run *run = user;
    run_queue(run, rn_serve_msg("runtime", "packet",
                                       json_pack("{s:o, s:s, s:o, s:s}", "port", rn_serve_str(port), "event", "data",
                                                 "payload", plain(msg), "graph", run->graph)));
}

static void on_error(void *user, const char *node, const char *text)
{
    rn_run *run = user;
    size_t n = strlen(node) + strlen(text) + 16;
    char *m = malloc(n);
    if (m)
        snprintf(m, n, "node %s: %s", node, text);
    run_queue(run, rn_serve_msg("network", "error",
                                       json_pack("{s:o, s:s}", "message", rn_serve_str(m ? m : text), "graph", run->graph)));
    /* and per node, so that a view can mark the node (the protocol's processerror) */
    run_queue(run, rn_serve_msg("network", "processerror",
                                json_pack("{s:o, s:o, s:s}", "id", rn_serve_str(node), "error", rn_serve_str(text),
                                          "graph", run->graph)));
    free(m);
}

static void *waiter(void *arg)
{
    rn_run *run = arg;
    runnel_report r = {0};
    runnel_network_wait(run->net, &r);
    runnel_report_clear(&r);
    /* no more deliveries: every edge that carried data is closed */
    const char *id;
    json_t *ev;
    json_object_foreach(run->active, id, ev) run_queue(run, rn_serve_msg("network", "disconnect", json_incref(ev)));
    pthread_mutex_lock(&run->s->ev_mu);
    run->done = true;
    pthread_mutex_unlock(&run->s->ev_mu);
    if (run->s->cfg.notify)
        run->s->cfg.notify(run->s->cfg.notify_user);
    return NULL;
}

/* Frees a run whose network has ended (or never started its waiter). */
static void run_free(rn_run *run)
{
    if (!run)
        return;
    if (run->net) {
        runnel_network_stop(run->net);
        if (!run->closed_input)
            runnel_network_close_input(run->net);
        if (run->waiter_started)
            pthread_join(run->waiter, NULL);
        runnel_network_free(run->net);
    }
    for (size_t i = 0; i < run->noutput_nodes; i++)
        free(run->output_nodes[i]);
    free(run->output_nodes);
    json_decref(run->active);
    free(run->graph);
    free(run);
}

/* Stopping does not wait: runnel_network_stop lets what is queued drain, and a network with a cycle
   may never drain, which must not freeze the server's thread (every client with it). The run goes to
   s->stopping, its events are no longer sent, and rn_live_reap frees it once its waiter has seen the
   end. */
void rn_live_stop(rn_serve *s, rn_serve_graph *g)
{
    rn_run *run = g->run;
    g->run = NULL;
    if (!run)
        return;
    if (!run->waiter_started) {
        run_free(run);
        return;
    }
    runnel_network_stop(run->net);
    if (!run->closed_input) {
        runnel_network_close_input(run->net);
        run->closed_input = true;
    }
    pthread_mutex_lock(&s->ev_mu);
    run->stopped = true;
    pthread_mutex_unlock(&s->ev_mu);
    run->next = s->stopping;
    s->stopping = run;
    rn_live_reap(s, 0);
}

bool rn_live_reap(rn_serve *s, unsigned wait_ms)
{
    for (unsigned waited = 0;; waited += 10) {
        for (rn_run **p = &s->stopping; *p;) {
            rn_run *run = *p;
            pthread_mutex_lock(&s->ev_mu);
            bool done = run->done;
            pthread_mutex_unlock(&s->ev_mu);
            if (done) {
                *p = run->next;
                run_free(run);
            } else
                p = &run->next;
        }
        if (!s->stopping || waited >= wait_ms)
            return s->stopping == NULL;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Every diagnostic as one text: "node X, port Y: message; ...". */
static char *diags_text(const runnel_diags *d)
{
    size_t cap = 256, len = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (size_t i = 0; i < d->count; i++) {
        const runnel_diag *x = &d->items[i];
        if (x->level != RUNNEL_DIAG_ERROR)
            continue;
        char item[1200];
        int n = snprintf(item, sizeof item, "%s%s%s%s%s%s%.1000s", len ? "; " : "", x->node ? "node " : "",
                         x->node ? x->node : "", x->port ? ", port " : "", x->port ? x->port : "",
                         x->node ? ": " : "", x->message ? x->message : "");
        if (n < 0)
            continue;
        size_t k = (size_t)n < sizeof item ? (size_t)n : sizeof item - 1;
        if (len + k + 1 > cap) {
            if (len > 64 * 1024)
                break;
            size_t ncap = (len + k + 1) * 2;
            char *nb = realloc(out, ncap);
            if (!nb)
                break;
            out = nb;
            cap = ncap;
        }
        memcpy(out + len, item, k + 1);
        len += k;
    }
    return out;
}

void rn_live_start(rn_serve *s, rn_serve_graph *g, rn_serve_out *out)
{
    rn_live_stop(s, g);
    rn_run *run = calloc(1, sizeof *run);
    if (!run || !(run->graph = strdup(g->id))) {
        free(run);
        rn_serve_out_push(out, rn_serve_msg("network", "error", json_pack("{s:s, s:s}", "message", "out of memory",
                                                                          "graph", g->id)));
        return;
    }
    run->s = s;
    run->active = json_object();
    size_t nn;
    const runnel_graph_node *nodes = runnel_graph_nodes(g->graph, &nn);
    run->output_nodes = calloc(nn ? nn : 1, sizeof *run->output_nodes);
    for (size_t i = 0; run->output_nodes && i < nn; i++)
        if (strcmp(nodes[i].component, "core/Output") == 0 && (run->output_nodes[run->noutput_nodes] = strdup(nodes[i].id)))
            run->noutput_nodes++;
    runnel_network_options o = {.size = sizeof(runnel_network_options),
        .workers = s->cfg.workers,
        .on_edge = on_edge,
        .on_output = on_output,
        .on_error = on_error,
        .user = run,
        .log = s->cfg.log,
    };
    runnel_diags d = {0};
    run->net = runnel_network_new(g->graph, s->components, &o, &d);
    if (!run->net) {
        char *why = diags_text(&d);
        runnel_diags_clear(&d);
        rn_serve_out_push(out, rn_serve_msg("network", "error",
                                            json_pack("{s:o, s:s}", "message",
                                                      rn_serve_str(why && *why ? why : "the graph does not validate"),
                                                      "graph", g->id)));
        free(why);
        run_free(run);
        return;
    }
    runnel_diags_clear(&d);
    /* "started" goes first, before any event the network can queue */
    char when[40];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *started = rn_serve_msg("network", "started",
                                   json_pack("{s:s, s:s, s:b, s:b}", "graph", g->id, "time", when, "started", 1,
                                             "running", 1));
    run->started_at = rn_now_ns();
    rn_serve_out_push(out, started);
    runnel_report r = {0};
    if (runnel_network_start(run->net, &r) != RUNNEL_OK) {
        rn_serve_out_push(out, rn_serve_msg("network", "error",
                                            json_pack("{s:o, s:s}", "message",
                                                      rn_serve_str(r.message ? r.message : "the network did not start"),
                                                      "graph", g->id)));
        runnel_report_clear(&r);
        run_free(run);
        return;
    }
    size_t ni;
    runnel_graph_inports(g->graph, &ni);
    if (ni == 0) {
        runnel_network_close_input(run->net);
        run->closed_input = true;
    }
    run->waiter_started = pthread_create(&run->waiter, NULL, waiter, run) == 0;
    g->run = run;
}

void rn_live_status(rn_serve *s, rn_serve_graph *g, bool *started, bool *running, double *uptime)
{
    *started = g->run != NULL;
    *running = false;
    *uptime = 0;
    if (!g->run)
        return;
    pthread_mutex_lock(&s->ev_mu);
    *running = !g->run->done;
    pthread_mutex_unlock(&s->ev_mu);
    *uptime = seconds_since(g->run->started_at);
    if (*running && g->run->closed_input) {
        /* no input will come: it runs while some node is busy or has messages waiting (the waiter
           thread may not have seen the end yet) */
        runnel_node_stats st[64];
        size_t n = runnel_network_stats(g->run->net, st, 64);
        bool work = n > 64; /* too many nodes to look at: trust the waiter */
        for (size_t i = 0; !work && i < n; i++)
            work = st[i].busy || st[i].queued > 0;
        *running = work;
    }
}

runnel_status rn_live_send(rn_serve *s, rn_serve_graph *g, const char *port, const json_t *payload, runnel_report *r)
{
    bool running;
    pthread_mutex_lock(&s->ev_mu);
    running = g->run && !g->run->done && !g->run->closed_input;
    pthread_mutex_unlock(&s->ev_mu);
    if (!running) {
        runnel_report_clear(r);
        r->status = RUNNEL_BADARG;
        r->message = strdup("the graph's network is not running");
        return RUNNEL_BADARG;
    }
    runnel_msg m;
    if (runnel_msg_from_value(&m, payload, r) != RUNNEL_OK)
        return r->status;
    runnel_status st = runnel_network_send(g->run->net, port, &m, r);
    runnel_msg_clear(&m);
    return st;
}

/* runnel/stats (an extension: docs/serve.md, "Extension: runnel/stats"): every node's counters, queue
   depth and whether a call is running, from runnel_network_stats. A graph that was never started has no
   nodes to report; a finished run keeps its last counters. */
json_t *rn_live_stats(rn_serve *s, rn_serve_graph *g)
{
    bool started, running;
    double uptime;
    rn_live_status(s, g, &started, &running, &uptime);
    json_t *nodes = json_array();
    if (g->run && nodes) {
        size_t n = runnel_network_stats(g->run->net, NULL, 0);
        if (n > RN_LIVE_MAX_STATS_NODES)
            n = RN_LIVE_MAX_STATS_NODES;
        runnel_node_stats *st = n ? calloc(n, sizeof *st) : NULL;
        if (st) {
            size_t got = runnel_network_stats(g->run->net, st, n);
            n = got < n ? got : n;
        }
        for (size_t i = 0; st && i < n; i++)
            json_array_append_new(nodes, json_pack("{s:o, s:o, s:I, s:I, s:I, s:I, s:b}", "id", rn_serve_str(st[i].id),
                                                   "component", rn_serve_str(st[i].component),
                                                   "in", (json_int_t)st[i].in, "out", (json_int_t)st[i].out,
                                                   "errors", (json_int_t)st[i].errors,
                                                   "queued", (json_int_t)st[i].queued, "busy", st[i].busy));
        free(st);
    }
    return json_pack("{s:s, s:b, s:b, s:f, s:o}", "graph", g->id, "started", started, "running", running, "uptime",
                     uptime, "nodes", nodes ? nodes : json_array());
}
