/*
 * sched.h - the runnable form of a graph, shared by network.c (which builds and checks it), sched.c
 * (which runs it) and store.c (which keeps it in SQLite). Not public.
 *
 * A network is a flat list of nodes and edges: subgraphs are inlined when the network is built (a node
 * of a subgraph gets the id "PARENT/CHILD"), so the scheduler knows one kind of node and one kind of
 * edge. Graph-level inports and IIPs are edges without a source node; graph-level outports are edges
 * without a target node (their messages go to the on_output callback).
 *
 * Locking: one mutex per network (rn_network.mu) guards every queue, every node's scheduling flags and
 * the counters. A node's component (its actor or native data) and its outbox belong to the one worker
 * that runs the node, outside the lock; the `running` flag says which. The state file has its own lock
 * inside store.c and is never taken while mu is held, so the two cannot deadlock.
 */
#ifndef RN_SCHED_H
#define RN_SCHED_H

#include "graph_impl.h"

#include <pthread.h>
#include <stdint.h>

typedef struct rn_node rn_node;
typedef struct rn_store rn_store;

typedef struct rn_edge {
    size_t index;
    rn_node *src; /* NULL: a graph inport or an IIP */
    char *src_port;
    rn_node *tgt; /* NULL: a graph outport */
    char *tgt_port;
    int tgt_index;     /* array-port slot, -1 */
    char *label;       /* "A.out -> B.in" for traces and messages */
    char *outport;     /* for tgt == NULL: the graph outport's name */
    char *inport;      /* for a graph inport's edge: its name */
    bool is_iip;
    runnel_msg iip;    /* the IIP, converted and checked */
    size_t queued;     /* messages of this edge waiting in tgt's inbox */
    uint64_t delivered;
} rn_edge;

typedef struct rn_packet {
    struct rn_packet *next;
    rn_edge *edge;
    int64_t seq; /* its row in the state file, 0 in memory */
    runnel_msg msg;
} rn_packet;

/* An output waiting to be delivered (a node's outbox). */
typedef struct rn_out {
    rn_edge *edge;
    int64_t seq;
    runnel_msg msg;
} rn_out;

typedef struct rn_wasm rn_wasm; /* one .wasm file: compiled once, many nodes (network.c) */

struct rn_node {
    size_t index;
    char *id;
    char *component; /* as the graph names it */
    char *file;      /* the graph file that defines the node, for messages */
    unsigned line;
    /* the component: a wasm actor or a native one */
    rn_wasm *wasm;
    runnel_actor *actor;
    runnel_actor_options actor_opts; /* kept for reloads (config points into node_config) */
    json_t *node_config;
    const runnel_component_def *native;
    void *native_data;
    json_t *state; /* native components' state */
    /* edges */
    rn_edge **outs;
    size_t nouts;
    bool error_connected; /* an edge leaves its `error` port */
    /* scheduling (under mu) */
    rn_packet *head, *tail;
    size_t nqueued;
    bool running, ready, blocked;
    rn_node *next_ready;
    rn_out *outbox; /* outputs of the last call not yet delivered (blocked on a full edge) */
    size_t noutbox, outbox_pos, outbox_cap;
    runnel_actor *pending_actor; /* a hot reload waiting for the node's next message */
    /* counters (under mu) */
    uint64_t in, out, errors;
};

struct runnel_network {
    runnel_network_options opts;
    runnel_compile_options compile; /* a copy of *opts.compile, which then points here */
    char *compile_text[3];          /* its strings, owned: cc, cflags, cache_dir */
    runnel_components *components;
    runnel_graph *graph;
    rn_node **nodes;
    size_t nnodes;
    rn_edge **edges;
    size_t nedges;
    rn_edge **inport_edges; /* the edges of the graph's inports (runnel_network_send looks here) */
    size_t ninport_edges;
    rn_wasm **wasms;
    size_t nwasms;
    uint64_t fingerprint;
    unsigned queue_cap;
    FILE *log;
    FILE *trace;
    rn_store *store;
    /* run time, under mu */
    pthread_mutex_t mu;
    pthread_cond_t work_cv, space_cv, done_cv, watch_cv;
    rn_node *ready_head, *ready_tail;
    size_t running;       /* calls in flight */
    size_t senders;       /* runnel_network_send calls under way */
    size_t queued;        /* messages in all inboxes */
    size_t blocked;       /* nodes whose outbox waits for room */
    uint64_t overflows;   /* times a stuck cycle was let past its queue limit */
    bool started, input_closed, stopping, finished, failed;
    uint64_t failures;
    uint64_t accepted;    /* messages accepted from runnel_network_send (counted across runs with a store) */
    char *fail_reason;
    pthread_t *threads;
    size_t nthreads;
    pthread_t watcher;
    bool watcher_started, watcher_stop;
    pthread_mutex_t print_mu; /* core/Output and outport lines */
};

/* What the built-ins need of a running call. */
struct runnel_component_ctx {
    runnel_network *net;
    rn_node *node;
    struct rn_call *call;
};
void rn_ctx_print(runnel_component_ctx *ctx, const runnel_msg *msg);

const runnel_component_def *rn_components_find_native(const runnel_components *c, const char *name);
size_t rn_components_dir_count(const runnel_components *c);
const char *rn_components_dir_at(const runnel_components *c, size_t i);

/* Does a port of type `port_type` accept a message of type t (Any takes all; Float takes Integer)? */
bool rn_type_accepts(const char *port_type, runnel_msg_type t);

/* network.c: hot reload of one .wasm (called by the watcher, sched.c). */
void rn_network_poll_reloads(runnel_network *n);
/* sched.c */
void rn_sched_free_run(runnel_network *n);
void rn_node_free_component(rn_node *node);

/* ---------------------------------------------------------------- the state file (store.c) */

/* Opens (creating if needed) the database. Refuses a file written for another graph (fingerprint). */
rn_store *rn_store_open(const char *path, uint64_t fingerprint, runnel_report *r);
void rn_store_close(rn_store *s);
/* Did an earlier run start with this file (so: resume, no IIPs)? */
bool rn_store_resuming(rn_store *s);
/* Loads node states and counters, then every pending packet in order; calls back per packet. */
runnel_status rn_store_load(rn_store *s, runnel_network *n,
                            void (*packet)(runnel_network *n, rn_edge *e, int64_t seq, runnel_msg *msg),
                            runnel_report *r);
/* One completed step, atomic in the file: the consumed packet (seq, 0 for none) leaves, the node's
   state and counters (in, out, errors, this step included) are written, each output to a node gets a row (its seq set in outs[i].seq). An
   output to a graph outport (edge->tgt NULL) is moved out of outs (left a Flow) and handed to the
   emitter once the step is committed, so that nothing reaches the user that a crash could take back. */
runnel_status rn_store_step(rn_store *s, int64_t consumed, const rn_node *node, const json_t *state,
                            const uint64_t counts[3], rn_out *outs, size_t nouts, runnel_report *r);
/* A message accepted from outside (runnel_network_send) or an IIP: its row, and the accepted count. */
runnel_status rn_store_accept(rn_store *s, rn_edge *e, const runnel_msg *msg, uint64_t accepted, int64_t *seq,
                              runnel_report *r);
uint64_t rn_store_accepted(rn_store *s);
/* Marks the IIPs delivered (with the same transaction as their rows). */
runnel_status rn_store_mark_started(rn_store *s, runnel_report *r);
/* Commits what is pending now (also called on a timer and at the end). */
runnel_status rn_store_flush(rn_store *s, runnel_report *r);
/* Where outport messages go once committed. */
void rn_store_set_emitter(rn_store *s, void (*emit)(runnel_network *n, rn_edge *e, const runnel_msg *msg),
                          runnel_network *n);

#endif
