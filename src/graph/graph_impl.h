/*
 * graph_impl.h - what the files of the graph layer share (not public).
 *
 * The layer is split by concern: graph.c (the graph as data), graph_json.c (Reflow's and NoFlo's JSON),
 * fbp.c (the .fbp language), diag.c (diagnostics), components.c (the registry and the built-ins),
 * network.c (resolving and validating a graph into nodes and edges), sched.c (running it), store.c
 * (the SQLite state file).
 */
#ifndef RN_GRAPH_IMPL_H
#define RN_GRAPH_IMPL_H

#include "runnel/graph.h"
#include "util.h"

#include <stdarg.h>

struct runnel_graph {
    char *path;
    runnel_graph_format format; /* what it was read from (AUTO when built in C) */
    json_t *properties;
    bool case_sensitive;
    runnel_graph_node *nodes;
    size_t nnodes, capnodes;
    runnel_graph_edge *edges;
    size_t nedges, capedges;
    runnel_graph_export *inports;
    size_t ninports, capinports;
    runnel_graph_export *outports;
    size_t noutports, capoutports;
    runnel_graph_group *groups;
    size_t ngroups, capgroups;
};

/* The graph layer's report helper: like the actor layer's (no 512-byte cap). */
runnel_status rn_graph_fail(runnel_report *r, runnel_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends a finding (strings copied; node, port, file may be NULL). */
void rn_diag_add(runnel_diags *d, runnel_diag_level level, const char *file, unsigned line, const char *node,
                 const char *port, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* The readers and writers of the formats (graph_json.c, fbp.c). */
runnel_graph *rn_graph_read_json(const char *text, size_t len, runnel_graph_format fmt, const char *file,
                                 runnel_report *r);
char *rn_graph_write_json(const runnel_graph *g, runnel_graph_format fmt, runnel_report *r);
runnel_graph *rn_graph_read_fbp(const char *text, size_t len, const char *file, runnel_report *r);
char *rn_graph_write_fbp(const runnel_graph *g, runnel_report *r);

/* Port names compare exactly, or without case when the graph is not case-sensitive. */
bool rn_graph_port_eq(bool case_sensitive, const char *a, const char *b);

/* runnel_text_escape (engine.h). */
#define rn_graph_escape runnel_text_escape

#endif
