/*
 * runnel/serve.h - `runnel serve`: the FBP Network Protocol over WebSocket, for IDEs (Flowhub, noflo-ui)
 * and the protocol's conformance suite (npm fbp-protocol's fbp-test).
 *
 * A server speaks the protocol's runtime, component, graph, network and trace sub-protocols (spec:
 * fbp-protocol 0.9.8, spec/protocol.js.md; docs/serve.md is the user's guide) on one WebSocket port with
 * the sub-protocol "noflo". Graphs are edited live with the graph layer (runnel/graph.h) and run as
 * runnel_networks; every delivery of a running network becomes a `network/data` event for the clients.
 *
 * Security: a server binds to loopback unless told otherwise, and a host that is not loopback needs a
 * secret, which every message must then carry (the protocol's `secret`). Messages are capped at
 * RUNNEL_SERVE_MAX_MESSAGE bytes; malformed ones get an `error` reply and change nothing.
 */
#ifndef RUNNEL_SERVE_H
#define RUNNEL_SERVE_H

#include "runnel/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The largest message a client may send, bytes (larger ones are refused with an error reply). */
#define RUNNEL_SERVE_MAX_MESSAGE (1u << 20)

typedef struct runnel_serve_options {
    size_t size;                 /* sizeof(runnel_serve_options): RUNNEL_OPTIONS_INIT (runnel/engine.h) */
    const char *host;            /* NULL: "127.0.0.1" */
    unsigned port;               /* 0: 3569 (the port Flowhub's runtimes use by convention) */
    const char *secret;          /* NULL: none (then the host must be a loopback address) */
    const char *const *component_dirs; /* searched for NAME.wasm, in order */
    size_t ncomponent_dirs;
    const char *graph_path;      /* loaded as the main graph; NULL: none */
    unsigned workers;            /* worker threads of each network; 0 = the number of cores */
    FILE *log;                   /* notices (listening, connections); NULL = stderr */
} runnel_serve_options;

typedef struct runnel_server runnel_server;

/* Checks the options (a non-loopback host without a secret is refused: RUNNEL_BADARG), loads the main
   graph, binds the port. NULL with the reason in r. */
RUNNEL_API runnel_server *runnel_serve_start(const runnel_serve_options *o, runnel_report *r);
/* The port the server listens on. */
RUNNEL_API unsigned runnel_serve_port(const runnel_server *s);
/* Serves until runnel_serve_stop is called (from another thread or a signal handler). */
RUNNEL_API runnel_status runnel_serve_run(runnel_server *s, runnel_report *r);
/* Makes runnel_serve_run return soon. Async-signal-safe. */
RUNNEL_API void runnel_serve_stop(runnel_server *s);
/* Stops every network and closes the connections. */
RUNNEL_API void runnel_serve_free(runnel_server *s);

#ifdef __cplusplus
}
#endif
#endif
