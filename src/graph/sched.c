/*
 * sched.c - running a network: worker threads, bounded edges, back-pressure, the end of a run.
 *
 * The model (docs/graphs.md, "Execution"): a node handles one message at a time; messages on one edge
 * arrive in order; nodes run in parallel on a pool of workers; every edge holds at most `queue`
 * messages. How that is kept:
 *
 *   - Each node has one inbox, a FIFO of packets from all its in-edges (fan-in merges in arrival
 *     order, and the order of each edge is kept because a FIFO never reorders). Each edge counts its
 *     packets in the inbox; that count is what the limit bounds.
 *   - A node is "ready" when its inbox is not empty and it is neither running nor blocked; ready nodes
 *     wait in one list that the workers take from. The `running` flag makes one message at a time a
 *     fact, not a hope.
 *   - Back-pressure without blocking a worker: the outputs of a call go to the node's outbox, which is
 *     delivered after the call. When an edge is full, delivery stops there and the node is "blocked":
 *     it takes no new message until its outbox is delivered, which is retried each time a message
 *     leaves one of its out-edges. A blocked worker would be worse: with one worker, a node waiting
 *     for room downstream would hold the only thread that could make room. Memory stays bounded: each
 *     edge's limit, plus one call's outputs per node (at most RUNNEL_NETWORK_MAX_OUTPUTS_PER_CALL).
 *   - Sources outside (runnel_network_send, the CLI's stdin reader) do block, on their own thread,
 *     until their edge has room: that is how a fast producer is slowed to the pace of the graph.
 *   - A cycle whose edges are all full would wait forever (every node on it blocked on the next). When
 *     nothing runs, nothing is ready and some node is blocked, the first blocked node is let past its
 *     limit once; such overflows are counted. It is the one case where an edge holds more.
 *   - The network ends when it is quiescent: input closed, nothing running, queued, blocked or being
 *     sent. A stop closes the input and lets what is queued drain.
 *
 * One mutex guards all of that (sched.h): a call takes microseconds to milliseconds, so the lock is
 * held for a small fraction of the time, and one lock keeps the invariants easy to see and to check
 * with ThreadSanitizer. The calls themselves run outside it.
 */
#include "sched.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- queues (under mu) */

static void make_ready(runnel_network *n, rn_node *node)
{
    if (node->running || node->ready || node->blocked || !node->head)
        return;
    node->ready = true;
    node->next_ready = NULL;
    if (n->ready_tail)
        n->ready_tail->next_ready = node;
    else
        n->ready_head = node;
    n->ready_tail = node;
    pthread_cond_signal(&n->work_cv);
}

static rn_node *take_ready(runnel_network *n)
{
    rn_node *node = n->ready_head;
    if (node) {
        n->ready_head = node->next_ready;
        if (!n->ready_head)
            n->ready_tail = NULL;
        node->ready = false;
    }
    return node;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One line of --trace for a delivered message. */
static void trace(runnel_network *n, const rn_edge *e, const runnel_msg *msg)
{
    json_t *data = runnel_msg_data_json(msg);
    char *text = data ? json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_t *line = json_pack("{s:f, s:s?, s:s?, s:s, s:I}", "time", now_seconds(), "edge", e->label, "port",
                             e->tgt ? e->tgt_port : e->outport, "type", runnel_msg_type_name(msg->type), "size",
                             (json_int_t)(text ? strlen(text) : 0));
    char *out = line ? json_dumps(line, JSON_COMPACT) : NULL;
    if (out)
        fprintf(n->trace, "%s\n", out);
    free(out);
    free(text);
    json_decref(line);
    json_decref(data);
}

/* A delivery, for --trace and the on_edge callback (under mu). */
static void observe(runnel_network *n, const rn_edge *e, const runnel_msg *msg)
{
    if (n->trace)
        trace(n, e, msg);
    if (n->opts.on_edge)
        n->opts.on_edge(n->opts.user, e->src ? e->src->id : NULL, e->src ? e->src_port : e->inport,
                        e->tgt ? e->tgt->id : NULL, e->tgt ? e->tgt_port : e->outport, msg);
}

/* Puts a packet into its target's inbox. The edge's count is the caller's (it may have reserved it). */
static void push_packet(runnel_network *n, rn_packet *p)
{
    rn_node *t = p->edge->tgt;
    p->next = NULL;
    if (t->tail)
        t->tail->next = p;
    else
        t->head = p;
    t->tail = p;
    t->nqueued++;
    n->queued++;
    p->edge->delivered++;
    observe(n, p->edge, &p->msg);
    make_ready(n, t);
}

static rn_packet *new_packet(rn_edge *e, int64_t seq, runnel_msg *msg)
{
    rn_packet *p = malloc(sizeof *p);
    if (!p)
        return NULL;
    *p = (rn_packet){.edge = e, .seq = seq, .msg = *msg};
    *msg = runnel_msg_flow();
    return p;
}

/* A message reaching a graph outport: traced and handed to on_output (under mu). */
static void emit_outport_locked(runnel_network *n, rn_edge *e, const runnel_msg *msg)
{
    e->delivered++;
    observe(n, e, msg);
    if (n->opts.on_output) {
        pthread_mutex_lock(&n->print_mu);
        n->opts.on_output(n->opts.user, e->outport, msg);
        pthread_mutex_unlock(&n->print_mu);
    }
}

/* The same from the state file, once the step that made the message is committed. */
static void emit_outport(runnel_network *n, rn_edge *e, const runnel_msg *msg)
{
    pthread_mutex_lock(&n->mu);
    emit_outport_locked(n, e, msg);
    pthread_mutex_unlock(&n->mu);
}

/* Delivers a node's outbox as far as the edges have room (all of it when force). True when all of it
   went. Outport messages in memory mode are emitted here, in order with the rest. */
static bool deliver_outbox(runnel_network *n, rn_node *node, bool force)
{
    while (node->outbox_pos < node->noutbox) {
        rn_out *o = &node->outbox[node->outbox_pos];
        rn_edge *e = o->edge;
        if (!e->tgt) {
            if (!n->store) /* with a state file the store emits it once committed */
                emit_outport_locked(n, e, &o->msg);
            runnel_msg_clear(&o->msg);
            node->outbox_pos++;
            continue;
        }
        if (e->queued >= n->queue_cap && !force) {
            if (!node->blocked) {
                node->blocked = true;
                n->blocked++;
            }
            return false;
        }
        rn_packet *p = new_packet(e, o->seq, &o->msg);
        if (!p) {
            n->failed = true; /* out of memory: the message cannot be kept; the run reports a failure */
            node->outbox_pos++;
            continue;
        }
        e->queued++;
        push_packet(n, p);
        node->outbox_pos++;
    }
    node->noutbox = node->outbox_pos = 0;
    if (node->blocked) {
        node->blocked = false;
        n->blocked--;
    }
    return true;
}

/* The end of a run, or a stuck cycle to break; called under mu whenever something finishes. Stuck:
   nothing runs, nothing is ready, and nodes wait for room that only they could make. The first such
   node's outbox is then delivered whole, past the limits, which unblocks it (one call's outputs at
   most per break), until something can run. */
static void check_progress(runnel_network *n)
{
    for (size_t i = 0; i < n->nnodes && !n->running && !n->ready_head && n->blocked; i++)
        if (n->nodes[i]->blocked) {
            if (n->overflows++ == 0) { /* said once a run: it is the one place where a limit gives */
                char *id = rn_graph_escape(n->nodes[i]->id);
                fprintf(n->log, "runnel: a cycle of full queues: node %s's outputs go past the queue limit so that "
                                "the run can go on (docs/graphs.md, \"Cycles\")\n",
                        id ? id : "?");
                fflush(n->log);
                free(id);
            }
            deliver_outbox(n, n->nodes[i], true);
            make_ready(n, n->nodes[i]);
        }
    if (n->running || n->ready_head)
        return;
    if (n->input_closed && !n->senders && !n->queued && !n->finished) {
        n->finished = true;
        pthread_cond_broadcast(&n->work_cv);
        pthread_cond_broadcast(&n->done_cv);
    }
}

/* ---------------------------------------------------------------- one call */

typedef struct rn_call {
    runnel_network *n;
    rn_node *node;
    size_t outputs;
    uint64_t out, errors;
    bool errored, overflow;
} call;

static bool outbox_push(rn_node *node, rn_edge *e, const runnel_msg *msg)
{
    if (node->noutbox == node->outbox_cap) {
        size_t ncap = node->outbox_cap ? node->outbox_cap * 2 : 8;
        rn_out *o = realloc(node->outbox, ncap * sizeof *o);
        if (!o)
            return false;
        node->outbox = o;
        node->outbox_cap = ncap;
    }
    rn_out *o = &node->outbox[node->noutbox];
    *o = (rn_out){.edge = e};
    if (runnel_msg_copy(&o->msg, msg) != RUNNEL_OK)
        return false;
    node->noutbox++;
    return true;
}

/* An output of the running call: a copy for each edge that leaves this port (none: dropped). */
static void route(call *c, const char *port, const runnel_msg *msg)
{
    if (++c->outputs > RUNNEL_NETWORK_MAX_OUTPUTS_PER_CALL) {
        c->overflow = true;
        return;
    }
    c->out++;
    for (size_t i = 0; i < c->node->nouts; i++)
        if (strcmp(c->node->outs[i]->src_port, port) == 0 && !outbox_push(c->node, c->node->outs[i], msg))
            c->overflow = true;
}

/* "runnel: node ID: TEXT" on stderr, each line of the text (a trap's backtrace) escaped on its own. */
static void print_failure(const char *id, const char *text)
{
    char *eid = rn_graph_escape(id);
    fprintf(stderr, "runnel: node %s: ", eid ? eid : "?");
    free(eid);
    for (const char *line = text; line;) {
        const char *nl = strchr(line, '\n');
        char *part = nl ? strndup(line, (size_t)(nl - line)) : strdup(line);
        char *e = part ? rn_graph_escape(part) : NULL;
        fprintf(stderr, "%s\n", e ? e : "?");
        free(e);
        free(part);
        line = nl ? nl + 1 : NULL;
    }
}

/* A failed call: an Error on the node's error port when one is connected, else reported. */
static void node_failed(call *c, const char *text)
{
    c->errors++;
    c->errored = true;
    if (c->node->error_connected) {
        runnel_msg m;
        if (runnel_msg_error(&m, text) == RUNNEL_OK) {
            route(c, RUNNEL_ACTOR_ERROR_PORT, &m);
            runnel_msg_clear(&m);
        }
        return;
    }
    runnel_network *n = c->n;
    pthread_mutex_lock(&n->print_mu);
    if (n->opts.on_error)
        n->opts.on_error(n->opts.user, c->node->id, text);
    else
        print_failure(c->node->id, text);
    pthread_mutex_unlock(&n->print_mu);
}

static void actor_emit(void *user, const char *port, const runnel_msg *msg, runnel_emit_kind kind)
{
    call *c = user;
    if (kind == RUNNEL_EMIT_ERROR && msg->type == RUNNEL_MSG_ERROR)
        node_failed(c, msg->as.str.ptr);
    else
        route(c, port, msg);
}

runnel_status runnel_component_emit(runnel_component_ctx *ctx, const char *port, const runnel_msg *msg)
{
    const runnel_component_def *d = ctx->node->native;
    bool declared = d->any_ports || strcmp(port, RUNNEL_ACTOR_ERROR_PORT) == 0;
    for (size_t i = 0; !declared && i < d->noutports; i++)
        declared = strcmp(d->outports[i].name, port) == 0;
    if (!declared)
        return RUNNEL_BADARG;
    route(ctx->call, port, msg);
    return ctx->call->overflow ? RUNNEL_NOMEM : RUNNEL_OK;
}

const char *runnel_component_node_id(const runnel_component_ctx *ctx) { return ctx->node->id; }

/* core/Output: a String as its text, anything else as compact JSON, one line each. On a terminal the
   text is escaped (a guest's string could otherwise move the cursor or rewrite the screen). */
void rn_ctx_print(runnel_component_ctx *ctx, const runnel_msg *msg)
{
    json_t *data = msg->type == RUNNEL_MSG_STRING ? NULL : runnel_msg_data_json(msg);
    char *text = data ? json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    bool tty = isatty(STDOUT_FILENO);
    char *shown = tty ? rn_graph_escape(msg->type == RUNNEL_MSG_STRING ? msg->as.str.ptr : text) : NULL;
    pthread_mutex_lock(&ctx->net->print_mu);
    if (shown)
        fputs(shown, stdout);
    else if (msg->type == RUNNEL_MSG_STRING)
        fwrite(msg->as.str.ptr, 1, msg->as.str.len, stdout);
    else
        fputs(text ? text : "null", stdout);
    fputc('\n', stdout);
    fflush(stdout);
    pthread_mutex_unlock(&ctx->net->print_mu);
    free(shown);
    free(text);
    json_decref(data);
}

static void run_call(runnel_network *n, rn_node *node, rn_packet *p, call *c)
{
    *c = (call){.n = n, .node = node};
    runnel_report r = {0};
    runnel_status st;
    if (node->actor) {
        runnel_port_msg in = {.port = p->edge->tgt_port, .msg = p->msg};
        st = runnel_actor_process(node->actor, &in, 1, actor_emit, c, &r);
    } else {
        runnel_component_ctx ctx = {.net = n, .node = node, .call = c};
        st = node->native->process(node->native_data, p->edge->tgt_port, &p->msg, node->state, &ctx, &r);
    }
    if (st != RUNNEL_OK && !c->errored)
        node_failed(c, r.message ? r.message : runnel_status_name(st));
    if (c->overflow) {
        char *text = rn_format("more than %u outputs in one call (or out of memory): the rest were dropped",
                                     RUNNEL_NETWORK_MAX_OUTPUTS_PER_CALL);
        node_failed(c, text ? text : "too many outputs");
        free(text);
    }
    runnel_report_clear(&r);
}

/* A hot reload waiting for this node: the new actor takes the old one's state. */
static void swap_actor(rn_node *node)
{
    runnel_actor *fresh = node->pending_actor;
    node->pending_actor = NULL;
    if (runnel_actor_set_state(fresh, runnel_actor_state(node->actor), NULL) != RUNNEL_OK) {
        runnel_actor_free(fresh);
        return;
    }
    runnel_actor_free(node->actor);
    node->actor = fresh;
}

/* With a state file: the step, atomic in the file. A failure to write stops the network (the state
   would otherwise no longer match what ran). */
static void store_step(runnel_network *n, rn_node *node, rn_packet *p, const call *c)
{
    runnel_report r = {0};
    const json_t *state = node->actor ? runnel_actor_state(node->actor) : node->state;
    /* the counters are written by this worker only (the node is running), read under mu by others */
    const uint64_t counts[3] = {node->in + 1, node->out + c->out, node->errors + c->errors};
    if (rn_store_step(n->store, p->seq, node, state, counts, node->outbox, node->noutbox, &r) != RUNNEL_OK) {
        pthread_mutex_lock(&n->mu);
        if (!n->fail_reason)
            n->fail_reason = strdup(r.message ? r.message : "the state file cannot be written");
        n->failed = true;
        n->stopping = n->input_closed = true;
        pthread_cond_broadcast(&n->space_cv);
        pthread_mutex_unlock(&n->mu);
    }
    runnel_report_clear(&r);
}

static void *worker(void *arg)
{
    runnel_network *n = arg;
    pthread_mutex_lock(&n->mu);
    for (;;) {
        if (!n->ready_head && n->store && !n->finished) {
            pthread_mutex_unlock(&n->mu); /* idle: what is pending in the state file is committed now */
            runnel_report r = {0};
            rn_store_flush(n->store, &r);
            runnel_report_clear(&r);
            pthread_mutex_lock(&n->mu);
        }
        while (!n->ready_head && !n->finished)
            pthread_cond_wait(&n->work_cv, &n->mu);
        if (n->finished)
            break;
        rn_node *node = take_ready(n);
        rn_packet *p = node->head;
        node->head = p->next;
        if (!node->head)
            node->tail = NULL;
        node->nqueued--;
        n->queued--;
        p->edge->queued--;
        node->running = true;
        n->running++;
        if (p->edge->src && p->edge->src->blocked && deliver_outbox(n, p->edge->src, false))
            make_ready(n, p->edge->src);
        /* a sender waiting for room is woken when its edge is half empty, not at every message: one
           wake-up per half queue instead of one per message (measured: +17-29 % on bench/graph) */
        if (!p->edge->src && p->edge->queued <= n->queue_cap / 2)
            pthread_cond_broadcast(&n->space_cv);
        if (node->pending_actor)
            swap_actor(node);
        pthread_mutex_unlock(&n->mu);

        call c;
        run_call(n, node, p, &c);
        if (n->store)
            store_step(n, node, p, &c);
        runnel_msg_clear(&p->msg);
        free(p);

        pthread_mutex_lock(&n->mu);
        node->in++;
        node->out += c.out;
        node->errors += c.errors;
        n->failures += c.errors;
        node->running = false;
        n->running--;
        deliver_outbox(n, node, false);
        make_ready(n, node);
        check_progress(n);
    }
    pthread_mutex_unlock(&n->mu);
    return NULL;
}

/* Polls watched .wasm files until the run ends. */
static void *watcher(void *arg)
{
    runnel_network *n = arg;
    pthread_mutex_lock(&n->mu);
    while (!n->watcher_stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 200 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&n->watch_cv, &n->mu, &until);
        if (n->watcher_stop)
            break;
        pthread_mutex_unlock(&n->mu);
        rn_network_poll_reloads(n);
        pthread_mutex_lock(&n->mu);
    }
    pthread_mutex_unlock(&n->mu);
    return NULL;
}

/* ---------------------------------------------------------------- starting, sending, ending */

/* A packet restored from the state file or an IIP, before the workers start (mu taken all the same:
   the state file's lock is always taken before mu, never after). */
static void restore_packet(runnel_network *n, rn_edge *e, int64_t seq, runnel_msg *msg)
{
    pthread_mutex_lock(&n->mu);
    rn_packet *p = new_packet(e, seq, msg);
    if (p) {
        e->queued++;
        push_packet(n, p);
    } else
        n->failed = true;
    pthread_mutex_unlock(&n->mu);
}

static runnel_status deliver_iips(runnel_network *n, runnel_report *r)
{
    for (size_t i = 0; i < n->nedges; i++) {
        rn_edge *e = n->edges[i];
        if (!e->is_iip)
            continue;
        runnel_msg m;
        if (runnel_msg_copy(&m, &e->iip) != RUNNEL_OK)
            return rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
        int64_t seq = 0;
        if (n->store && rn_store_accept(n->store, e, &m, n->accepted, &seq, r) != RUNNEL_OK) {
            runnel_msg_clear(&m);
            return r ? r->status : RUNNEL_BADARG;
        }
        restore_packet(n, e, seq, &m);
    }
    return n->store ? rn_store_mark_started(n->store, r) : RUNNEL_OK;
}

static unsigned default_workers(void)
{
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c < 1 ? 1 : c > 256 ? 256 : (unsigned)c;
}

runnel_status runnel_network_start(runnel_network *n, runnel_report *r)
{
    if (n->started)
        return rn_graph_fail(r, RUNNEL_BADARG, "the network has already been started");
    n->started = true;
    runnel_status st = RUNNEL_OK;
    if (n->store) {
        rn_store_set_emitter(n->store, emit_outport, n);
        n->accepted = rn_store_accepted(n->store);
        st = rn_store_resuming(n->store) ? rn_store_load(n->store, n, restore_packet, r) : deliver_iips(n, r);
        if (st == RUNNEL_OK)
            st = rn_store_flush(n->store, r);
    } else {
        st = deliver_iips(n, r);
    }
    if (st != RUNNEL_OK)
        return st;
    unsigned workers = n->opts.workers ? n->opts.workers : default_workers();
    n->threads = calloc(workers, sizeof *n->threads);
    if (!n->threads)
        return rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
    for (unsigned i = 0; i < workers; i++) {
        if (pthread_create(&n->threads[i], NULL, worker, n) != 0)
            break;
        n->nthreads++;
    }
    if (!n->nthreads)
        return rn_graph_fail(r, RUNNEL_NOMEM, "cannot start worker threads");
    if (n->opts.watch && n->nwasms)
        n->watcher_started = pthread_create(&n->watcher, NULL, watcher, n) == 0;
    pthread_mutex_lock(&n->mu);
    check_progress(n);
    pthread_mutex_unlock(&n->mu);
    return RUNNEL_OK;
}

static rn_edge *inport_edge(runnel_network *n, const char *name)
{
    bool cs = runnel_graph_case_sensitive(n->graph);
    for (size_t i = 0; i < n->ninport_edges; i++)
        if (rn_graph_port_eq(cs, n->inport_edges[i]->inport, name))
            return n->inport_edges[i];
    return NULL;
}

runnel_status runnel_network_send(runnel_network *n, const char *inport, const runnel_msg *msg, runnel_report *r)
{
    rn_edge *e = inport_edge(n, inport);
    if (!e)
        return rn_graph_fail(r, RUNNEL_BADARG, "the graph has no inport %s", inport);
    runnel_msg copy;
    if (runnel_msg_copy(&copy, msg) != RUNNEL_OK)
        return rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
    pthread_mutex_lock(&n->mu);
    n->senders++;
    while (!n->stopping && e->queued >= n->queue_cap)
        pthread_cond_wait(&n->space_cv, &n->mu);
    runnel_status st = RUNNEL_OK;
    if (n->stopping || n->input_closed) {
        st = rn_graph_fail(r, RUNNEL_SUSPENDED, "the network is stopping: the message was not accepted");
    } else {
        e->queued++; /* reserved: the packet follows */
        uint64_t accepted = ++n->accepted;
        int64_t seq = 0;
        if (n->store) {
            pthread_mutex_unlock(&n->mu);
            st = rn_store_accept(n->store, e, &copy, accepted, &seq, r);
            pthread_mutex_lock(&n->mu);
        }
        rn_packet *p = st == RUNNEL_OK ? new_packet(e, seq, &copy) : NULL;
        if (p)
            push_packet(n, p);
        else {
            e->queued--;
            n->accepted--;
            if (st == RUNNEL_OK)
                st = rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
        }
    }
    n->senders--;
    check_progress(n);
    pthread_mutex_unlock(&n->mu);
    runnel_msg_clear(&copy);
    return st;
}

void runnel_network_close_input(runnel_network *n)
{
    pthread_mutex_lock(&n->mu);
    n->input_closed = true;
    check_progress(n);
    pthread_mutex_unlock(&n->mu);
}

void runnel_network_stop(runnel_network *n)
{
    pthread_mutex_lock(&n->mu);
    n->stopping = n->input_closed = true;
    pthread_cond_broadcast(&n->space_cv);
    check_progress(n);
    pthread_mutex_unlock(&n->mu);
}

/* Stops the threads (the run must have finished, or never started). */
static void join_threads(runnel_network *n)
{
    pthread_mutex_lock(&n->mu);
    n->finished = true;
    n->watcher_stop = true;
    pthread_cond_broadcast(&n->work_cv);
    pthread_cond_broadcast(&n->watch_cv);
    pthread_mutex_unlock(&n->mu);
    for (size_t i = 0; i < n->nthreads; i++)
        pthread_join(n->threads[i], NULL);
    n->nthreads = 0;
    if (n->watcher_started)
        pthread_join(n->watcher, NULL);
    n->watcher_started = false;
}

runnel_status runnel_network_wait(runnel_network *n, runnel_report *r)
{
    pthread_mutex_lock(&n->mu);
    while (n->started && !n->finished)
        pthread_cond_wait(&n->done_cv, &n->mu);
    pthread_mutex_unlock(&n->mu);
    join_threads(n);
    runnel_status st = RUNNEL_OK;
    if (n->store && rn_store_flush(n->store, r) != RUNNEL_OK)
        st = r ? r->status : RUNNEL_BADARG;
    if (n->trace)
        fflush(n->trace);
    if (st == RUNNEL_OK && n->failed)
        st = rn_graph_fail(r, RUNNEL_BADARG, "%s", n->fail_reason ? n->fail_reason : "the network failed");
    if (st == RUNNEL_OK && n->failures)
        st = rn_graph_fail(r, RUNNEL_TRAP, "%llu call%s failed", (unsigned long long)n->failures,
                           n->failures == 1 ? "" : "s");
    return st;
}

void rn_sched_free_run(runnel_network *n)
{
    join_threads(n);
    for (size_t i = 0; i < n->nnodes; i++) {
        rn_node *node = n->nodes[i];
        while (node->head) {
            rn_packet *p = node->head;
            node->head = p->next;
            runnel_msg_clear(&p->msg);
            free(p);
        }
        node->tail = NULL;
        for (size_t k = node->outbox_pos; k < node->noutbox; k++)
            runnel_msg_clear(&node->outbox[k].msg);
        free(node->outbox);
        node->outbox = NULL;
        node->noutbox = node->outbox_pos = node->outbox_cap = 0;
    }
}

/* ---------------------------------------------------------------- looking at it */

size_t runnel_network_stats(runnel_network *n, runnel_node_stats *out, size_t max)
{
    pthread_mutex_lock(&n->mu);
    for (size_t i = 0; i < n->nnodes && i < max; i++) {
        const rn_node *node = n->nodes[i];
        out[i] = (runnel_node_stats){node->id, node->component, node->in, node->out, node->errors, node->nqueued,
                                     node->running};
    }
    pthread_mutex_unlock(&n->mu);
    return n->nnodes;
}

uint64_t runnel_network_failures(runnel_network *n)
{
    pthread_mutex_lock(&n->mu);
    uint64_t f = n->failures;
    pthread_mutex_unlock(&n->mu);
    return f;
}

uint64_t runnel_network_accepted(runnel_network *n)
{
    pthread_mutex_lock(&n->mu);
    uint64_t a = n->accepted;
    pthread_mutex_unlock(&n->mu);
    return a;
}

json_t *runnel_network_node_state(runnel_network *n, const char *id)
{
    json_t *copy = NULL;
    pthread_mutex_lock(&n->mu);
    for (size_t i = 0; i < n->nnodes; i++) {
        rn_node *node = n->nodes[i];
        if (strcmp(node->id, id) != 0)
            continue;
        if (node->running) /* its state belongs to the worker now: read it between calls */
            break;
        copy = json_deep_copy(node->actor ? runnel_actor_state(node->actor) : node->state);
        break;
    }
    pthread_mutex_unlock(&n->mu);
    return copy;
}
