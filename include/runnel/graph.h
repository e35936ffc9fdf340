/*
 * runnel/graph.h - graphs of actors: flow-based programs, checked, then run in parallel.
 *
 * A graph (a "network") is a set of nodes (processes), each an instance of a component, and edges from
 * an out-port of one node to an in-port of another. An edge without a source is an IIP (an initial
 * information packet: a constant delivered when the network starts). A graph may expose in- and
 * out-ports of its nodes as its own (graph-level inports and outports). docs/graphs.md is the user's
 * guide; this header has three parts:
 *
 *   runnel_graph        the graph as data: nodes, edges, IIPs, exported ports, groups, properties. Read
 *                       from and written to the three formats people use (Reflow's graph JSON, NoFlo's
 *                       fbp-graph JSON and the .fbp language), and built or edited in C.
 *   runnel_components   where components come from: the built-ins (core/Repeat, core/Drop, core/Output,
 *                       core/Kick, ...), component directories searched for NAME.wasm (Reflow actor
 *                       plugins), other graph files (subgraphs) and native C components an embedder
 *                       registers.
 *   runnel_network      a graph made runnable: every component resolved and every node checked (ports,
 *                       types, IIPs, config) before anything runs, then run on a pool of worker threads
 *                       with a bounded queue per edge (back-pressure), optionally with every node's state
 *                       and every pending message kept in an SQLite database.
 *
 * Ownership: strings and JSON given to these functions are copied (a json_t argument is never stolen);
 * what they return as const belongs to the object it came from and lives as long as it, unless said
 * otherwise. Errors are values: a status and a report, or a list of diagnostics for a graph.
 */
#ifndef RUNNEL_GRAPH_H
#define RUNNEL_GRAPH_H

#include "runnel/actor_json.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ================================================================ the graph as data */

typedef enum runnel_graph_format {
    RUNNEL_GRAPH_AUTO = 0, /* reading: .fbp text or JSON (Reflow or NoFlo, told apart by shape) */
    RUNNEL_GRAPH_REFLOW,   /* Reflow's GraphExport JSON: processes, connections {from, to}, ... */
    RUNNEL_GRAPH_NOFLO,    /* NoFlo / fbp-graph JSON: processes, connections {src, tgt}, ... */
    RUNNEL_GRAPH_FBP,      /* the .fbp language */
} runnel_graph_format;

/* "reflow", "noflo", "fbp"; and back (false for another name). */
RUNNEL_API const char *runnel_graph_format_name(runnel_graph_format f);
RUNNEL_API bool runnel_graph_format_from_name(const char *name, runnel_graph_format *out);

/* One end of an edge, or what an exported port stands for. */
typedef struct runnel_graph_endpoint {
    const char *node;
    const char *port;
    int index; /* a slot of an array port (OUT[1]), or -1 for none */
} runnel_graph_endpoint;

typedef struct runnel_graph_node {
    const char *id;
    const char *component;
    const json_t *metadata; /* an object, never NULL: the node's configuration (and, in NoFlo, x, y, label) */
    unsigned line;          /* where the node is defined in its file (1-based), 0 when unknown */
} runnel_graph_node;

typedef struct runnel_graph_edge {
    runnel_graph_endpoint src; /* src.node is NULL for an IIP */
    runnel_graph_endpoint tgt;
    const json_t *data;        /* an IIP's value as plain JSON (typed by shape, or a tagged message); else NULL */
    const json_t *metadata;    /* an object, or NULL */
    const char *src_type;      /* Reflow's portType.type of each end ("any", "integer", ...), or NULL */
    const char *tgt_type;
    unsigned line;
} runnel_graph_edge;

typedef struct runnel_graph_export {
    const char *name; /* the graph's own port name */
    runnel_graph_endpoint inner;
    const json_t *metadata; /* an object, or NULL */
    const char *port_type;  /* Reflow's portType.type, or NULL */
    unsigned line;
} runnel_graph_export;

typedef struct runnel_graph_group {
    const char *name;
    const char *const *nodes;
    size_t nnodes;
    const json_t *metadata; /* an object, or NULL */
} runnel_graph_group;

typedef struct runnel_graph runnel_graph;

/* An empty graph (name may be NULL). NULL when out of memory. */
RUNNEL_API runnel_graph *runnel_graph_new(const char *name);
RUNNEL_API void runnel_graph_free(runnel_graph *g);
/* A deep copy; NULL when out of memory. */
RUNNEL_API runnel_graph *runnel_graph_copy(const runnel_graph *g);

/* Reads a graph. AUTO tells .fbp from JSON by the first character that is not space or a comment ('{'
   is JSON), and Reflow's JSON from NoFlo's by the shape of its connections and ports. `file` names the
   source in messages (NULL: "graph"). Fails with RUNNEL_BADARG and a message "FILE:LINE:COL: what"
   (JSON and .fbp syntax) or "FILE: what" (a wrong shape). */
RUNNEL_API runnel_graph *runnel_graph_parse(const char *text, size_t len, runnel_graph_format fmt, const char *file,
                                            runnel_report *r);
/* The same from a file: .fbp by its extension or its content. Remembers the path (runnel_graph_path). */
RUNNEL_API runnel_graph *runnel_graph_load(const char *path, runnel_report *r);
/* The graph as text in a format (malloc'ed, NUL-terminated), or NULL with the reason (RUNNEL_BADARG when
   the format cannot hold something: .fbp has no groups or edge metadata, for instance, which are
   dropped with no error; but an IIP whose value has no .fbp spelling is an error). JSON is indented. */
RUNNEL_API char *runnel_graph_write(const runnel_graph *g, runnel_graph_format fmt, runnel_report *r);

/* What the graph holds. Arrays are valid until the graph changes. */
RUNNEL_API const char *runnel_graph_name(const runnel_graph *g);          /* properties.name, or NULL */
RUNNEL_API const char *runnel_graph_path(const runnel_graph *g);          /* the file it was loaded from, or NULL */
RUNNEL_API runnel_graph_format runnel_graph_source_format(const runnel_graph *g); /* the format it was read in */
RUNNEL_API const json_t *runnel_graph_properties(const runnel_graph *g);  /* an object, never NULL */
RUNNEL_API bool runnel_graph_case_sensitive(const runnel_graph *g);
RUNNEL_API const runnel_graph_node *runnel_graph_nodes(const runnel_graph *g, size_t *n);
RUNNEL_API const runnel_graph_edge *runnel_graph_edges(const runnel_graph *g, size_t *n);
RUNNEL_API const runnel_graph_export *runnel_graph_inports(const runnel_graph *g, size_t *n);
RUNNEL_API const runnel_graph_export *runnel_graph_outports(const runnel_graph *g, size_t *n);
RUNNEL_API const runnel_graph_group *runnel_graph_groups(const runnel_graph *g, size_t *n);
/* The node with this id, or NULL. */
RUNNEL_API const runnel_graph_node *runnel_graph_node_find(const runnel_graph *g, const char *id);

/* Building and editing. Everything is copied. RUNNEL_BADARG (with the reason) for a duplicate node id,
   exported port name, a missing name or port, an edge with neither source nor data, or a string that is
   not UTF-8; nodes named by edges need not exist yet (validation reports them). */
RUNNEL_API runnel_status runnel_graph_set_path(runnel_graph *g, const char *path);
RUNNEL_API runnel_status runnel_graph_set_properties(runnel_graph *g, const json_t *properties, runnel_report *r);
RUNNEL_API void runnel_graph_set_case_sensitive(runnel_graph *g, bool on);
RUNNEL_API runnel_status runnel_graph_add_node(runnel_graph *g, const runnel_graph_node *node, runnel_report *r);
RUNNEL_API runnel_status runnel_graph_add_edge(runnel_graph *g, const runnel_graph_edge *edge, runnel_report *r);
RUNNEL_API runnel_status runnel_graph_add_inport(runnel_graph *g, const runnel_graph_export *port, runnel_report *r);
RUNNEL_API runnel_status runnel_graph_add_outport(runnel_graph *g, const runnel_graph_export *port, runnel_report *r);
RUNNEL_API runnel_status runnel_graph_add_group(runnel_graph *g, const runnel_graph_group *group, runnel_report *r);
/* Removes a node with every edge and exported port that names it (false if there is none). */
RUNNEL_API bool runnel_graph_remove_node(runnel_graph *g, const char *id);

/* Live editing (what an IDE does through the FBP Network Protocol's graph sub-protocol). Ports are
   compared as the graph's case sensitivity says; an endpoint's index -1 matches any index. */
/* Renames a node and every edge, exported port and group that names it. RUNNEL_BADARG when there is no
   node `from`, when `to` is taken or not a valid name. */
RUNNEL_API runnel_status runnel_graph_rename_node(runnel_graph *g, const char *from, const char *to, runnel_report *r);
/* Replaces a node's metadata (an object, copied). RUNNEL_BADARG for no such node or not an object. */
RUNNEL_API runnel_status runnel_graph_set_node_metadata(runnel_graph *g, const char *id, const json_t *metadata,
                                                        runnel_report *r);
/* Removes the first connection (not an IIP) from src to tgt; false if there is none. */
RUNNEL_API bool runnel_graph_remove_edge(runnel_graph *g, const runnel_graph_endpoint *src,
                                         const runnel_graph_endpoint *tgt);
/* Replaces the metadata (an object, or NULL for none) of the first connection from src to tgt.
   RUNNEL_BADARG when there is no such connection or the metadata is not an object. */
RUNNEL_API runnel_status runnel_graph_set_edge_metadata(runnel_graph *g, const runnel_graph_endpoint *src,
                                                        const runnel_graph_endpoint *tgt, const json_t *metadata,
                                                        runnel_report *r);
/* Removes the first IIP to tgt; false if there is none. With data non-NULL, *data receives the IIP's
   value (the caller's reference). */
RUNNEL_API bool runnel_graph_remove_initial(runnel_graph *g, const runnel_graph_endpoint *tgt, json_t **data);
/* Removes an exported port by name; false if there is none. */
RUNNEL_API bool runnel_graph_remove_inport(runnel_graph *g, const char *name);
RUNNEL_API bool runnel_graph_remove_outport(runnel_graph *g, const char *name);
/* Renames an exported port. RUNNEL_BADARG when there is none named `from`, or `to` is taken or empty. */
RUNNEL_API runnel_status runnel_graph_rename_inport(runnel_graph *g, const char *from, const char *to,
                                                    runnel_report *r);
RUNNEL_API runnel_status runnel_graph_rename_outport(runnel_graph *g, const char *from, const char *to,
                                                     runnel_report *r);

/* ================================================================ diagnostics */

typedef enum runnel_diag_level { RUNNEL_DIAG_ERROR = 0, RUNNEL_DIAG_WARNING, RUNNEL_DIAG_INFO } runnel_diag_level;

/* One finding about a graph: where (file, line when the format has lines, node, port) and what. */
typedef struct runnel_diag {
    runnel_diag_level level;
    char *file;    /* NULL when unknown */
    unsigned line; /* 0 when unknown */
    char *node;    /* NULL when the finding is about the graph as a whole */
    char *port;
    char *message;
} runnel_diag;

typedef struct runnel_diags {
    runnel_diag *items;
    size_t count, cap;
    size_t errors; /* how many errors were found (also those past RUNNEL_DIAGS_MAX, which are not kept) */
} runnel_diags;
/* At most this many findings are kept (then one line says that more were counted). */
#define RUNNEL_DIAGS_MAX 1000

RUNNEL_API void runnel_diags_clear(runnel_diags *d);

/* Guest- and file-controlled text is escaped for a terminal by runnel_text_escape (engine.h). */
/* "FILE:LINE: error: node X, port Y: MESSAGE" per line, guest-controlled text escaped. */
RUNNEL_API void runnel_diags_print(const runnel_diags *d, FILE *out);

/* ================================================================ components */

/* While a native component processes a message: how it sends outputs. */
typedef struct runnel_component_ctx runnel_component_ctx;
/* Sends msg (copied) on an out-port of the node. RUNNEL_BADARG for a port the component does not
   declare, RUNNEL_NOMEM when out of memory. */
RUNNEL_API runnel_status runnel_component_emit(runnel_component_ctx *ctx, const char *port, const runnel_msg *msg);
/* The id of the node being run. */
RUNNEL_API const char *runnel_component_node_id(const runnel_component_ctx *ctx);

/* A component written in C. Ports are checked like a plugin's metadata; a component with `any_ports`
   accepts every port name (core/Output, core/Drop). */
typedef struct runnel_component_def {
    const char *name;        /* "core/Repeat": how graphs name it */
    const char *description;
    const runnel_port_def *inports;
    size_t ninports;
    const runnel_port_def *outports;
    size_t noutports;
    bool any_ports;
    /* Optional: per node, before anything runs. config is the node's metadata (an object). Set *node to
       what process and destroy receive. Fail with a message in r: the graph does not validate. */
    runnel_status (*create)(void *user, const char *node_id, const json_t *config, void **node, runnel_report *r);
    /* One message. state is the node's state object (kept across messages and, with a state file, across
       runs); change it in place. A failure (message in r) becomes an Error like a plugin's. */
    runnel_status (*process)(void *node, const char *port, const runnel_msg *msg, json_t *state,
                             runnel_component_ctx *ctx, runnel_report *r);
    void (*destroy)(void *node); /* optional */
    void *user;                  /* passed to create */
    void (*free_user)(void *user); /* optional: called once when the registry is freed */
} runnel_component_def;

typedef struct runnel_components runnel_components;

/* A registry with the built-in components. NULL when out of memory. */
RUNNEL_API runnel_components *runnel_components_new(void);
RUNNEL_API void runnel_components_free(runnel_components *c);
/* Registers a native component (the definition and its strings are copied; user is the caller's until
   free_user). RUNNEL_BADARG when the name is taken. */
RUNNEL_API runnel_status runnel_components_register(runnel_components *c, const runnel_component_def *def,
                                                    runnel_report *r);
/* A directory where a component NAME is looked up as NAME.wasm (then NAME.json and NAME.fbp, subgraphs),
   in the order added, before the directory of the graph file. */
RUNNEL_API runnel_status runnel_components_add_dir(runnel_components *c, const char *dir);
/* The names of the built-in and registered native components (for listings), and their definitions. */
RUNNEL_API size_t runnel_components_native_count(const runnel_components *c);
RUNNEL_API const runnel_component_def *runnel_components_native_at(const runnel_components *c, size_t i);

/* ================================================================ networks */

/* Outputs of the graph's outports (graph-level), in the order they happen per port. msg is borrowed. */
typedef void (*runnel_network_output_fn)(void *user, const char *port, const runnel_msg *msg);
/* A failed call that no connected `error` port took: the node id and the error text (guest text, not
   escaped). */
typedef void (*runnel_network_error_fn)(void *user, const char *node, const char *text);
/* A message delivered on an edge (what --trace writes, and what an IDE shows as the edge's data
   events). src_node is NULL for a graph inport or an IIP (src_port then names the inport, or is NULL
   for an IIP); tgt_node is NULL for a graph outport (tgt_port names it). Called with the network's lock
   held, in delivery order: copy what you need and return; do not call back into the network. */
typedef void (*runnel_network_edge_fn)(void *user, const char *src_node, const char *src_port,
                                       const char *tgt_node, const char *tgt_port, const runnel_msg *msg);

typedef struct runnel_network_options {
    size_t size;             /* sizeof(runnel_network_options): RUNNEL_OPTIONS_INIT (runnel/engine.h) */
    unsigned workers;        /* worker threads; 0 = the number of cores */
    unsigned queue;          /* capacity of every edge, messages; 0 = RUNNEL_NETWORK_DEFAULT_QUEUE */
    const char *state_path;  /* an SQLite database that keeps state and pending messages; NULL = memory */
    const char *trace_path;  /* one JSON line per delivered message; NULL = none */
    bool watch;              /* reload a .wasm component when its file changes */
    bool cold;               /* a fresh plugin instance for every message (Reflow's way); default: warm */
    bool inherit_stdio;      /* plugins may write to this process's stdout/stderr */
    /* Defaults of the per-node limits (node metadata memory_limit_mb, timeout_ms and fuel win); 0 = the
       actor layer's defaults, RUNNEL_ACTOR_UNLIMITED = none. */
    uint64_t timeout_ms, max_memory_pages, fuel;
    uint64_t max_state_bytes; /* every node's state limit (runnel_actor_options); 0 = the actor default */
    uint32_t stack_bytes, max_call_depth; /* every node's engine sizes (runnel_actor_options); 0 = defaults */
    runnel_network_output_fn on_output;
    runnel_network_error_fn on_error; /* NULL: the error is written to stderr */
    runnel_network_edge_fn on_edge;   /* optional: every delivery */
    void *user;
    FILE *log;               /* where reloads and other notices go; NULL = stderr */
    /* The compiling tier: every .wasm component is compiled to native code (runnel_actor_options'
       compiled and compile; docs/compiling.md), when the network is made and when --watch reloads one.
       compile (NULL = the defaults) is copied, its strings too; its progress callback may be called from
       the thread that reloads components, so it must stay callable until runnel_network_free. */
    bool compiled;
    const runnel_compile_options *compile;
} runnel_network_options;

#define RUNNEL_NETWORK_DEFAULT_QUEUE 64u
/* Most outputs one call may make (sent and returned): more fail the call. */
#define RUNNEL_NETWORK_MAX_OUTPUTS_PER_CALL 100000u

typedef struct runnel_network runnel_network;

/* Resolves every component, flattens subgraphs and checks the whole graph: unknown components, ports
   (against plugins' get_metadata), types of connected ports, IIP values, node config against the
   config_schema, required in-ports left unconnected. Every finding goes to diags (cycles as info). NULL
   when any is an error (or, with a reason in diags, when a state file cannot be opened). The graph is
   copied; c must outlive the network. */
RUNNEL_API runnel_network *runnel_network_new(const runnel_graph *g, runnel_components *c,
                                              const runnel_network_options *o, runnel_diags *diags);
/* runnel_network_new without keeping the network: RUNNEL_OK when the graph validates. */
RUNNEL_API runnel_status runnel_graph_check(const runnel_graph *g, runnel_components *c, runnel_diags *diags);

/* Starts the workers and delivers the IIPs (with a state file that already holds a run: resumes it
   instead, with its queued messages, and IIPs are not delivered again). */
RUNNEL_API runnel_status runnel_network_start(runnel_network *n, runnel_report *r);
/* Sends a message to a graph-level inport. Blocks while the inport's edges are full (back-pressure)
   and returns RUNNEL_SUSPENDED without sending if the network is being stopped. Thread-safe. With a state
   file the message is stored before this returns (batched: see runnel_network_flush). */
RUNNEL_API runnel_status runnel_network_send(runnel_network *n, const char *inport, const runnel_msg *msg,
                                             runnel_report *r);
/* No more sends will come: the network may end once quiescent. */
RUNNEL_API void runnel_network_close_input(runnel_network *n);
/* Stops the sources (sends fail), lets what is queued drain; safe from any thread (not from a signal
   handler). */
RUNNEL_API void runnel_network_stop(runnel_network *n);
/* Waits until the network has ended (quiescent after close_input, or drained after stop). Returns
   RUNNEL_OK, or RUNNEL_TRAP when some calls failed (see stats), or another status when the network
   itself failed (its state file could not be written, for instance; the reason in r). */
RUNNEL_API runnel_status runnel_network_wait(runnel_network *n, runnel_report *r);
RUNNEL_API void runnel_network_free(runnel_network *n);

/* Per-node counters, a snapshot. */
typedef struct runnel_node_stats {
    const char *id;      /* owned by the network */
    const char *component;
    uint64_t in;         /* messages processed */
    uint64_t out;        /* messages emitted */
    uint64_t errors;     /* failed calls */
    uint64_t queued;     /* messages waiting in its in-edges */
    bool busy;           /* a call is running */
} runnel_node_stats;
/* Fills up to max entries (one per node, in graph order after flattening) and returns the node count. */
RUNNEL_API size_t runnel_network_stats(runnel_network *n, runnel_node_stats *out, size_t max);
/* Failed calls so far, over all nodes. */
RUNNEL_API uint64_t runnel_network_failures(runnel_network *n);
/* Messages accepted by runnel_network_send so far; with a state file, over every run of that file (so a
   resumed run's caller knows how many of its inputs were already taken: `runnel run` skips that many
   lines of its standard input). */
RUNNEL_API uint64_t runnel_network_accepted(runnel_network *n);
/* The state of a node (a copy; NULL when there is no such node, or while it is in a call: read it
   between calls, or after runnel_network_wait). */
RUNNEL_API json_t *runnel_network_node_state(runnel_network *n, const char *node);

#ifdef __cplusplus
}
#endif
#endif
