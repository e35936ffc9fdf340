/*
 * serve_impl.h - the parts of `runnel serve` (include/runnel/serve.h) and how they meet.
 *
 *   protocol.c   the protocol as a function: one client message in, its replies out (rn_serve_handle).
 *                No socket: the fuzz target (tests/fuzz/fuzz_serve.c) and the unit tests
 *                (tests/serve/test_protocol.c) drive it directly. Also the graph sub-protocol.
 *   live.c       networks: start, stop, status; the on_edge/on_output/on_error callbacks of
 *                runnel_network, which run on worker threads under the network's lock and only queue
 *                events (rn_serve_poll takes them, on the server's thread).
 *   catalog.c    the component sub-protocol's list: built-ins and each DIR/NAME.wasm's get_metadata.
 *   server.c     libwebsockets: the socket, the noflo sub-protocol, per-connection bounded queues.
 *   view.c       the live view, the page HTTP serves at "/" (a protocol client in the browser).
 *
 * Threads: everything here runs on the server's thread except the network callbacks, which touch only
 * the event queue (ev_mu). A network is never called with ev_mu held, so the lock order is the
 * network's lock, then ev_mu, and never the other way.
 */
#ifndef RN_SERVE_IMPL_H
#define RN_SERVE_IMPL_H

#include "runnel/serve.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Serialized messages to send (each a malloc'ed NUL-terminated JSON text). */
typedef struct rn_serve_out {
    char **items;
    size_t n, cap;
    bool authorized; /* set by rn_serve_handle: the message carried the right secret (or none is needed) */
} rn_serve_out;
void rn_serve_out_clear(rn_serve_out *o);
/* Appends json_dumps(msg) and releases msg (NULL msg: nothing). false when out of memory. */
bool rn_serve_out_push(rn_serve_out *o, json_t *msg);

/* {"protocol": p, "command": c, "payload": payload}; steals payload. NULL when out of memory. */
json_t *rn_serve_msg(const char *protocol, const char *command, json_t *payload);
/* A JSON string of s, or of s escaped (runnel_text_escape) when s is not valid UTF-8. */
json_t *rn_serve_str(const char *s);

typedef struct rn_serve_config {
    const char *secret;                 /* NULL: no secret */
    const char *const *component_dirs;
    size_t ncomponent_dirs;
    unsigned workers;
    FILE *log;                          /* NULL: stderr */
    void (*notify)(void *user);         /* events are waiting: call rn_serve_poll (any thread) */
    void *notify_user;
} rn_serve_config;

typedef struct rn_run rn_run;

/* One graph the clients edit (the protocol's graph id). */
typedef struct rn_serve_graph {
    char *id;
    char *name;
    bool main;
    runnel_graph *graph;
    rn_run *run; /* the network started from it, or NULL */
} rn_serve_graph;

typedef struct rn_serve {
    rn_serve_config cfg;
    char *secret;
    runnel_components *components;
    rn_serve_graph *graphs;
    size_t ngraphs, capgraphs;
    char *main_graph;     /* the id of the main graph, or NULL */
    json_t *catalog;      /* the component list (array of component payloads), built once */

    pthread_mutex_t ev_mu; /* guards what follows */
    rn_serve_out events;  /* network events waiting for rn_serve_poll */
    rn_run *stopping;     /* stopped runs still draining (the server's thread only) */
    size_t event_bytes;
    unsigned long long dropped;
    bool tracing;
    json_t *trace;        /* the trace buffer: an array of flowtrace events */
} rn_serve;

/* At most this much of queued network events (bytes of JSON) before new ones are dropped. */
#define RN_SERVE_MAX_EVENT_BYTES (8u << 20)
#define RN_SERVE_MAX_TRACE_EVENTS 1000u
/* At most this many graphs a client may create. */
#define RN_SERVE_MAX_GRAPHS 256u

rn_serve *rn_serve_new(const rn_serve_config *c, runnel_report *r);
void rn_serve_free(rn_serve *s);
/* Loads a graph file as the main graph (its id: properties.name, else the file's base name). */
runnel_status rn_serve_load_main(rn_serve *s, const char *path, runnel_report *r);
/* One client message (any bytes), its replies appended to out. Never fails: a message that cannot be
   handled gets an error reply. */
void rn_serve_handle(rn_serve *s, const char *text, size_t len, rn_serve_out *out);
/* Takes the events queued by running networks (for every client). */
void rn_serve_poll(rn_serve *s, rn_serve_out *out);

/* protocol.c helpers for the other parts */
rn_serve_graph *rn_serve_graph_find(rn_serve *s, const char *id);

/* live.c */
/* Starts the graph's network (replacing a finished one). On success "started" goes to out first. */
void rn_live_start(rn_serve *s, rn_serve_graph *g, rn_serve_out *out);
/* Stops the graph's network, if any, without waiting for it to drain; it is freed by rn_live_reap. */
void rn_live_stop(rn_serve *s, rn_serve_graph *g);
/* Frees the stopped runs that have ended, waiting up to wait_ms for the others; true when none is left. */
bool rn_live_reap(rn_serve *s, unsigned wait_ms);
/* started / running of the graph's network. */
void rn_live_status(rn_serve *s, rn_serve_graph *g, bool *started, bool *running, double *uptime);
/* Sends a packet to a graph inport of a running network. */
runnel_status rn_live_send(rn_serve *s, rn_serve_graph *g, const char *port, const json_t *payload, runnel_report *r);
/* The payload of runnel/stats for the graph: {graph, started, running, uptime, nodes: [{id, component, in,
   out, errors, queued, busy}]} (at most RN_LIVE_MAX_STATS_NODES nodes). NULL when out of memory. */
json_t *rn_live_stats(rn_serve *s, rn_serve_graph *g);
#define RN_LIVE_MAX_STATS_NODES 1024u
/* Queues an event message for every client (steals msg). */
void rn_live_queue(rn_serve *s, json_t *msg);

/* view.c: the live view's page (HTML with its script), served at "/". */
extern const char rn_view_page[];
extern const size_t rn_view_page_len;

/* catalog.c: the component list, built on first use (NULL when out of memory). */
const json_t *rn_catalog_list(rn_serve *s);

#endif
