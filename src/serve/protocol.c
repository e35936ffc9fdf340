/*
 * protocol.c - the FBP Network Protocol as a function: one client message in, its replies out.
 *
 * Spec: npm fbp-protocol 0.9.8, spec/protocol.js.md, with its JSON schemas (schema/json/, one file per sub-protocol) for
 * every message a runtime sends. A message is {"protocol", "command", "payload"} (plus "secret" and
 * "requestId"); this file answers the runtime, graph and component sub-protocols and hands network
 * and trace commands to live.c. It is shaped by three needs:
 *
 *   - Testable without a socket. rn_serve_handle takes bytes and appends serialized replies to a list,
 *     so the libFuzzer target and the unit tests call it directly, and server.c is only transport.
 *   - Every reply validates against the schemas, which forbid extra properties: replies are built
 *     field by field from what was checked, never by echoing a client's payload (that would also echo a
 *     secret, which the spec says a runtime never sends back).
 *   - Nothing a client sends can break the runtime: bytes that are not JSON, a message too large, a
 *     wrong secret, an unknown protocol or command, a missing field of the wrong type each get an
 *     `error` reply of the message's sub-protocol (`runtime` when there is none) and change nothing.
 *
 * Graph edits go through the graph layer (runnel/graph.h); the graph sub-protocol's replies are what
 * the spec calls the change notifications (an addnode answers addnode, a removenode answers with a
 * removeedge/removeinitial per connection it took away and then removenode). A running network is a
 * copy of its graph: edits apply at the next start, as in NoFlo.
 */
#include "serve_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- messages */

void rn_serve_out_clear(rn_serve_out *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->items[i]);
    free(o->items);
    *o = (rn_serve_out){0};
}

bool rn_serve_out_push(rn_serve_out *o, json_t *msg)
{
    if (!msg)
        return true;
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text)
        return false;
    if (o->n == o->cap) {
        size_t ncap = o->cap ? o->cap * 2 : 8;
        char **n = realloc(o->items, ncap * sizeof *n);
        if (!n) {
            free(text);
            return false;
        }
        o->items = n;
        o->cap = ncap;
    }
    o->items[o->n++] = text;
    return true;
}

json_t *rn_serve_msg(const char *protocol, const char *command, json_t *payload)
{
    if (!payload)
        return NULL;
    return json_pack("{s:s, s:s, s:o}", "protocol", protocol, "command", command, "payload", payload);
}

json_t *rn_serve_str(const char *s)
{
    if (!s)
        s = "";
    json_t *j = json_string(s);
    if (j)
        return j;
    char *e = runnel_text_escape(s);
    j = e ? json_string(e) : NULL;
    free(e);
    return j;
}

/* An `error` reply of a sub-protocol (graph, network, component, runtime, trace). */
static json_t *error_msg(const char *protocol, const char *graph, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static json_t *error_msg(const char *protocol, const char *graph, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_t *p = json_object();
    if (p) {
        json_object_set_new(p, "message", rn_serve_str(buf));
        if (graph && strcmp(protocol, "network") == 0)
            json_object_set_new(p, "graph", rn_serve_str(graph));
    }
    return rn_serve_msg(protocol, "error", p);
}

/* ---------------------------------------------------------------- the handler's context */

typedef struct req {
    rn_serve *s;
    const char *protocol, *command;
    json_t *payload;      /* an object */
    const char *request_id;
    rn_serve_out *out;
} req;

static void reply(req *q, json_t *msg)
{
    if (msg && q->request_id)
        json_object_set_new(msg, "responseTo", json_string(q->request_id));
    rn_serve_out_push(q->out, msg);
}

static void fail(req *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(req *q, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    const char *proto = q->protocol;
    static const char *const known[] = {"graph", "network", "component", "runtime", "trace"};
    bool ok = false;
    for (size_t i = 0; proto && i < sizeof known / sizeof known[0]; i++)
        ok |= strcmp(proto, known[i]) == 0;
    const char *graph = q->payload ? json_string_value(json_object_get(q->payload, "graph")) : NULL;
    reply(q, error_msg(ok ? proto : "runtime", graph, "%s", buf));
}

/* A string field of the payload, or NULL (also when it is not a string). */
static const char *str_field(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ---------------------------------------------------------------- graphs */

rn_serve_graph *rn_serve_graph_find(rn_serve *s, const char *id)
{
    for (size_t i = 0; id && i < s->ngraphs; i++)
        if (strcmp(s->graphs[i].id, id) == 0)
            return &s->graphs[i];
    return NULL;
}

/* The graph the command names: NULL (with the spec's error texts, which fbp-test checks) when the
   payload has none or an unknown one. */
static rn_serve_graph *target_graph(req *q)
{
    json_t *g = json_object_get(q->payload, "graph");
    if (!g) {
        fail(q, "No graph specified");
        return NULL;
    }
    rn_serve_graph *sg = rn_serve_graph_find(q->s, json_string_value(g));
    if (!sg)
        fail(q, "Requested graph not found");
    return sg;
}

static void graph_entry_free(rn_serve *s, rn_serve_graph *g)
{
    rn_live_stop(s, g);
    runnel_graph_free(g->graph);
    free(g->id);
    free(g->name);
}

/* Adds (or replaces) the graph `id`, taking g. NULL when out of room or memory (g is freed). */
static rn_serve_graph *graph_put(rn_serve *s, const char *id, const char *name, bool main, runnel_graph *g)
{
    rn_serve_graph *sg = rn_serve_graph_find(s, id);
    if (!sg) {
        if (s->ngraphs >= RN_SERVE_MAX_GRAPHS) {
            runnel_graph_free(g);
            return NULL;
        }
        if (s->ngraphs == s->capgraphs) {
            size_t ncap = s->capgraphs ? s->capgraphs * 2 : 4;
            rn_serve_graph *n = realloc(s->graphs, ncap * sizeof *n);
            if (!n) {
                runnel_graph_free(g);
                return NULL;
            }
            s->graphs = n;
            s->capgraphs = ncap;
        }
        sg = &s->graphs[s->ngraphs];
        *sg = (rn_serve_graph){0};
        sg->id = strdup(id);
        if (!sg->id) {
            runnel_graph_free(g);
            return NULL;
        }
        s->ngraphs++;
    } else {
        rn_live_stop(s, sg);
        runnel_graph_free(sg->graph);
        free(sg->name);
    }
    sg->graph = g;
    sg->name = name ? strdup(name) : NULL;
    sg->main = main;
    if (main) {
        char *m = strdup(id);
        if (m) {
            free(s->main_graph);
            s->main_graph = m;
        }
    }
    return sg;
}

/* A port object of the protocol ({node, port[, index]}) read into an endpoint (borrowing its strings). */
static bool read_port(const json_t *o, runnel_graph_endpoint *e)
{
    *e = (runnel_graph_endpoint){.index = -1};
    if (!json_is_object(o))
        return false;
    e->node = str_field(o, "node");
    e->port = str_field(o, "port");
    json_t *ix = json_object_get(o, "index");
    if (json_is_integer(ix) && json_integer_value(ix) >= 0 && json_integer_value(ix) <= 0x7fffffff)
        e->index = (int)json_integer_value(ix);
    else if (json_is_string(ix)) {
        char *end;
        long v = strtol(json_string_value(ix), &end, 10);
        if (*json_string_value(ix) && !*end && v >= 0 && v <= 0x7fffffff)
            e->index = (int)v;
    }
    return e->node && e->port;
}

/* An edge's two ends from the payload's src and tgt; false (after the error reply) when one is missing. */
static bool read_ends(req *q, runnel_graph_edge *e, const char *command)
{
    if (read_port(json_object_get(q->payload, "src"), &e->src) &&
        read_port(json_object_get(q->payload, "tgt"), &e->tgt))
        return true;
    fail(q, "%s needs src and tgt, each with a node and a port", command);
    return false;
}

static json_t *port_json(const runnel_graph_endpoint *e)
{
    json_t *o = json_pack("{s:o, s:o}", "node", rn_serve_str(e->node), "port", rn_serve_str(e->port));
    if (o && e->index >= 0)
        json_object_set_new(o, "index", json_integer(e->index));
    return o;
}

/* An object of the payload, NULL when absent, or false when present but not an object. */
static bool opt_object(req *q, const char *key, const json_t **out)
{
    json_t *v = json_object_get(q->payload, key);
    *out = v;
    if (v && !json_is_object(v)) {
        fail(q, "%s must be an object", key);
        return false;
    }
    return true;
}

static json_t *graph_payload(rn_serve_graph *g)
{
    return json_pack("{s:s}", "graph", g->id);
}

static void g_clear(req *q)
{
    const char *id = str_field(q->payload, "id");
    if (!id || !*id) {
        fail(q, "clear needs a graph id");
        return;
    }
    const char *name = str_field(q->payload, "name");
    json_t *mainv = json_object_get(q->payload, "main");
    const char *library = str_field(q->payload, "library");
    runnel_graph *g = runnel_graph_new(name ? name : id);
    if (!g || !graph_put(q->s, id, name, json_is_true(mainv), g)) {
        fail(q, "cannot create graph %s: too many graphs, or out of memory", id);
        return;
    }
    json_t *p = json_pack("{s:s}", "id", id);
    if (p && name)
        json_object_set_new(p, "name", json_string(name));
    if (p && library)
        json_object_set_new(p, "library", json_string(library));
    if (p && json_is_boolean(mainv))
        json_object_set(p, "main", mainv);
    reply(q, rn_serve_msg("graph", "clear", p));
}

static void g_addnode(req *q, rn_serve_graph *g)
{
    const char *id = str_field(q->payload, "id"), *component = str_field(q->payload, "component");
    const json_t *meta;
    if (!opt_object(q, "metadata", &meta))
        return;
    if (!id || !component) {
        fail(q, "addnode needs an id and a component");
        return;
    }
    runnel_report r = {0};
    runnel_graph_node n = {.id = id, .component = component, .metadata = meta};
    if (runnel_graph_add_node(g->graph, &n, &r) != RUNNEL_OK) {
        fail(q, "%s", r.message ? r.message : "cannot add the node");
        runnel_report_clear(&r);
        return;
    }
    json_t *p = json_pack("{s:s, s:s, s:O, s:s}", "id", id, "component", component, "metadata",
                          runnel_graph_node_find(g->graph, id)->metadata, "graph", g->id);
    reply(q, rn_serve_msg("graph", "addnode", p));
}

static json_t *edge_payload(rn_serve_graph *g, const runnel_graph_edge *e, bool with_meta)
{
    json_t *p = graph_payload(g);
    if (!p)
        return NULL;
    if (e->src.node)
        json_object_set_new(p, "src", port_json(&e->src));
    else
        json_object_set_new(p, "src", json_pack("{s:O}", "data", e->data));
    json_object_set_new(p, "tgt", port_json(&e->tgt));
    if (with_meta)
        json_object_set_new(p, "metadata", e->metadata ? json_deep_copy(e->metadata) : json_object());
    return p;
}

static void g_removenode(req *q, rn_serve_graph *g)
{
    const char *id = str_field(q->payload, "id");
    if (!id || !runnel_graph_node_find(g->graph, id)) {
        fail(q, "no node %s in graph %s", id ? id : "(none given)", g->id);
        return;
    }
    /* the connections and IIPs that go with it, announced first (what NoFlo's graph journal expects) */
    size_t n;
    const runnel_graph_edge *edges = runnel_graph_edges(g->graph, &n);
    for (size_t i = 0; i < n; i++) {
        const runnel_graph_edge *e = &edges[i];
        bool src = e->src.node && strcmp(e->src.node, id) == 0, tgt = strcmp(e->tgt.node, id) == 0;
        if (!src && !tgt)
            continue;
        json_t *p = edge_payload(g, e, false);
        reply(q, rn_serve_msg("graph", e->src.node ? "removeedge" : "removeinitial", p));
    }
    runnel_graph_remove_node(g->graph, id);
    reply(q, rn_serve_msg("graph", "removenode", json_pack("{s:s, s:s}", "id", id, "graph", g->id)));
}

static void g_renamenode(req *q, rn_serve_graph *g)
{
    const char *from = str_field(q->payload, "from"), *to = str_field(q->payload, "to");
    runnel_report r = {0};
    if (!from || !to || runnel_graph_rename_node(g->graph, from, to, &r) != RUNNEL_OK) {
        fail(q, "cannot rename the node: %s", r.message ? r.message : "renamenode needs from and to");
        runnel_report_clear(&r);
        return;
    }
    reply(q, rn_serve_msg("graph", "renamenode", json_pack("{s:s, s:s, s:s}", "from", from, "to", to, "graph", g->id)));
}

/* Merges b into a copy of a: keys with null values are removed (the spec's changenode/changeedge). */
static json_t *merge_metadata(const json_t *a, const json_t *b)
{
    json_t *m = a ? json_deep_copy(a) : json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)b, k, v) {
        if (json_is_null(v))
            json_object_del(m, k);
        else
            json_object_set(m, k, v);
    }
    return m;
}

static void g_changenode(req *q, rn_serve_graph *g)
{
    const char *id = str_field(q->payload, "id");
    const json_t *meta;
    if (!opt_object(q, "metadata", &meta))
        return;
    const runnel_graph_node *node = runnel_graph_node_find(g->graph, id);
    if (!node || !meta) {
        fail(q, "changenode needs the id of a node and metadata");
        return;
    }
    json_t *m = merge_metadata(node->metadata, meta);
    runnel_report r = {0};
    if (!m || runnel_graph_set_node_metadata(g->graph, id, m, &r) != RUNNEL_OK) {
        json_decref(m);
        fail(q, "cannot change node %s: %s", id, r.message ? r.message : "out of memory");
        runnel_report_clear(&r);
        return;
    }
    reply(q, rn_serve_msg("graph", "changenode", json_pack("{s:s, s:o, s:s}", "id", id, "metadata", m, "graph", g->id)));
}

static void g_addedge(req *q, rn_serve_graph *g)
{
    runnel_graph_edge e = {0};
    const json_t *meta;
    if (!opt_object(q, "metadata", &meta))
        return;
    if (!read_ends(q, &e, "addedge"))
        return;
    e.metadata = meta;
    runnel_report r = {0};
    if (runnel_graph_add_edge(g->graph, &e, &r) != RUNNEL_OK) {
        fail(q, "%s", r.message ? r.message : "cannot add the edge");
        runnel_report_clear(&r);
        return;
    }
    json_t *p = edge_payload(g, &e, false);
    if (p && meta)
        json_object_set(p, "metadata", (json_t *)meta);
    reply(q, rn_serve_msg("graph", "addedge", p));
}

static void g_removeedge(req *q, rn_serve_graph *g)
{
    runnel_graph_edge e = {0};
    if (!read_ends(q, &e, "removeedge"))
        return;
    json_t *p = edge_payload(g, &e, false); /* before the strings it borrows go */
    if (!runnel_graph_remove_edge(g->graph, &e.src, &e.tgt)) {
        json_decref(p);
        fail(q, "no such edge in graph %s", g->id);
        return;
    }
    reply(q, rn_serve_msg("graph", "removeedge", p));
}

static void g_changeedge(req *q, rn_serve_graph *g)
{
    runnel_graph_edge e = {0};
    const json_t *meta;
    if (!opt_object(q, "metadata", &meta))
        return;
    if (!read_ends(q, &e, "changeedge"))
        return;
    size_t n;
    const runnel_graph_edge *edges = runnel_graph_edges(g->graph, &n);
    const json_t *old = NULL;
    for (size_t i = 0; i < n; i++)
        if (edges[i].src.node && strcmp(edges[i].src.node, e.src.node) == 0 &&
            strcmp(edges[i].tgt.node, e.tgt.node) == 0 && strcmp(edges[i].src.port, e.src.port) == 0 &&
            strcmp(edges[i].tgt.port, e.tgt.port) == 0) {
            old = edges[i].metadata;
            break;
        }
    json_t *m = merge_metadata(old, meta ? meta : json_object_get(q->payload, "metadata"));
    runnel_report r = {0};
    if (!m || runnel_graph_set_edge_metadata(g->graph, &e.src, &e.tgt, m, &r) != RUNNEL_OK) {
        json_decref(m);
        fail(q, "cannot change the edge: %s", r.message ? r.message : "out of memory");
        runnel_report_clear(&r);
        return;
    }
    json_t *p = edge_payload(g, &e, false);
    if (p)
        json_object_set_new(p, "metadata", m);
    else
        json_decref(m);
    reply(q, rn_serve_msg("graph", "changeedge", p));
}

static void g_addinitial(req *q, rn_serve_graph *g)
{
    runnel_graph_edge e = {0};
    const json_t *meta;
    if (!opt_object(q, "metadata", &meta))
        return;
    json_t *src = json_object_get(q->payload, "src");
    e.data = json_is_object(src) ? json_object_get(src, "data") : NULL;
    if (!e.data || !read_port(json_object_get(q->payload, "tgt"), &e.tgt)) {
        fail(q, "addinitial needs src.data and a tgt with a node and a port");
        return;
    }
    e.src.index = -1;
    e.metadata = meta;
    runnel_report r = {0};
    if (runnel_graph_add_edge(g->graph, &e, &r) != RUNNEL_OK) {
        fail(q, "%s", r.message ? r.message : "cannot add the IIP");
        runnel_report_clear(&r);
        return;
    }
    reply(q, rn_serve_msg("graph", "addinitial", edge_payload(g, &e, true)));
}

static void g_removeinitial(req *q, rn_serve_graph *g)
{
    runnel_graph_edge e = {0};
    if (!read_port(json_object_get(q->payload, "tgt"), &e.tgt)) {
        fail(q, "removeinitial needs a tgt with a node and a port");
        return;
    }
    json_t *data = NULL;
    json_t *p = json_pack("{s:o, s:s}", "tgt", port_json(&e.tgt), "graph", g->id);
    if (!runnel_graph_remove_initial(g->graph, &e.tgt, &data)) {
        json_decref(p);
        fail(q, "no IIP to %s.%s in graph %s", e.tgt.node, e.tgt.port, g->id);
        return;
    }
    if (p && data)
        json_object_set_new(p, "src", json_pack("{s:O}", "data", data));
    json_decref(data);
    reply(q, rn_serve_msg("graph", "removeinitial", p));
}

static void g_addport(req *q, rn_serve_graph *g, bool in)
{
    const char *pub = str_field(q->payload, "public");
    const json_t *meta;
    if (!opt_object(q, "metadata", &meta))
        return;
    runnel_graph_export x = {.name = pub, .metadata = meta};
    x.inner = (runnel_graph_endpoint){str_field(q->payload, "node"), str_field(q->payload, "port"), -1};
    if (!pub || !x.inner.node || !x.inner.port) {
        fail(q, "%s needs public, node and port", q->command);
        return;
    }
    runnel_report r = {0};
    runnel_status st = in ? runnel_graph_add_inport(g->graph, &x, &r) : runnel_graph_add_outport(g->graph, &x, &r);
    if (st != RUNNEL_OK) {
        fail(q, "%s", r.message ? r.message : "cannot add the port");
        runnel_report_clear(&r);
        return;
    }
    json_t *p = json_pack("{s:s, s:s, s:s, s:s}", "public", pub, "node", x.inner.node, "port", x.inner.port,
                          "graph", g->id);
    if (p && meta)
        json_object_set(p, "metadata", (json_t *)meta);
    reply(q, rn_serve_msg("graph", q->command, p));
}

static void g_removeport(req *q, rn_serve_graph *g, bool in)
{
    const char *pub = str_field(q->payload, "public");
    bool ok = pub && (in ? runnel_graph_remove_inport(g->graph, pub) : runnel_graph_remove_outport(g->graph, pub));
    if (!ok) {
        fail(q, "no %s %s in graph %s", in ? "inport" : "outport", pub ? pub : "(none given)", g->id);
        return;
    }
    reply(q, rn_serve_msg("graph", q->command, json_pack("{s:s, s:s}", "public", pub, "graph", g->id)));
}

static void g_renameport(req *q, rn_serve_graph *g, bool in)
{
    const char *from = str_field(q->payload, "from"), *to = str_field(q->payload, "to");
    runnel_report r = {0};
    runnel_status st = !from || !to ? RUNNEL_BADARG
                       : in         ? runnel_graph_rename_inport(g->graph, from, to, &r)
                                    : runnel_graph_rename_outport(g->graph, from, to, &r);
    if (st != RUNNEL_OK) {
        fail(q, "cannot rename the port: %s", r.message ? r.message : "needs from and to");
        runnel_report_clear(&r);
        return;
    }
    reply(q, rn_serve_msg("graph", q->command, json_pack("{s:s, s:s, s:s}", "from", from, "to", to, "graph", g->id)));
}

static void graph_protocol(req *q)
{
    if (strcmp(q->command, "clear") == 0) {
        g_clear(q);
        return;
    }
    static const char *const cmds[] = {"addnode", "removenode", "renamenode", "changenode", "addedge",
                                       "removeedge", "changeedge", "addinitial", "removeinitial", "addinport",
                                       "removeinport", "renameinport", "addoutport", "removeoutport",
                                       "renameoutport", "addgroup", "removegroup", "renamegroup", "changegroup"};
    size_t k = 0;
    while (k < sizeof cmds / sizeof cmds[0] && strcmp(cmds[k], q->command) != 0)
        k++;
    if (k == sizeof cmds / sizeof cmds[0]) {
        fail(q, "unknown command graph/%s", q->command);
        return;
    }
    rn_serve_graph *g = target_graph(q);
    if (!g)
        return;
    switch (k) {
    case 0: g_addnode(q, g); break;
    case 1: g_removenode(q, g); break;
    case 2: g_renamenode(q, g); break;
    case 3: g_changenode(q, g); break;
    case 4: g_addedge(q, g); break;
    case 5: g_removeedge(q, g); break;
    case 6: g_changeedge(q, g); break;
    case 7: g_addinitial(q, g); break;
    case 8: g_removeinitial(q, g); break;
    case 9: g_addport(q, g, true); break;
    case 10: g_removeport(q, g, true); break;
    case 11: g_renameport(q, g, true); break;
    case 12: g_addport(q, g, false); break;
    case 13: g_removeport(q, g, false); break;
    case 14: g_renameport(q, g, false); break;
    default: fail(q, "groups are not supported by this runtime (graph/%s)", q->command); break;
    }
}

/* ---------------------------------------------------------------- runtime */

static const char *const capabilities[] = {"protocol:runtime", "protocol:graph", "protocol:component",
                                           "protocol:network", "network:status", "network:data",
                                           "network:control", "protocol:trace"};

static json_t *port_defs(const runnel_graph_export *x, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_pack("{s:o, s:s, s:b, s:b}", "id", rn_serve_str(x[i].name), "type", "all",
                                           "required", 0, "addressable", 0));
    return a;
}

static void runtime_ports(req *q, rn_serve_graph *g)
{
    size_t ni, no;
    const runnel_graph_export *in = runnel_graph_inports(g->graph, &ni), *out = runnel_graph_outports(g->graph, &no);
    reply(q, rn_serve_msg("runtime", "ports",
                          json_pack("{s:s, s:o, s:o}", "graph", g->id, "inPorts", port_defs(in, ni), "outPorts",
                                    port_defs(out, no))));
}

static void runtime_protocol(req *q)
{
    if (strcmp(q->command, "getruntime") == 0) {
        json_t *caps = json_array();
        for (size_t i = 0; caps && i < sizeof capabilities / sizeof capabilities[0]; i++)
            json_array_append_new(caps, json_string(capabilities[i]));
        json_t *p = json_pack("{s:s, s:s, s:s, s:o, s:O}", "type", "runnel", "version", "0.7", "label",
                              "runnel " RUNNEL_VERSION ", a WebAssembly actor runtime", "capabilities", caps,
                              "allCapabilities", caps);
        if (p && q->s->main_graph)
            json_object_set_new(p, "graph", json_string(q->s->main_graph));
        reply(q, rn_serve_msg("runtime", "runtime", p));
        /* the spec: a runtime running a graph follows up with its ports */
        rn_serve_graph *g = rn_serve_graph_find(q->s, q->s->main_graph);
        if (g)
            runtime_ports(q, g);
        return;
    }
    if (strcmp(q->command, "packet") == 0) {
        rn_serve_graph *g = target_graph(q);
        if (!g)
            return;
        const char *port = str_field(q->payload, "port"), *event = str_field(q->payload, "event");
        if (!port || !event) {
            fail(q, "packet needs a port and an event");
            return;
        }
        if (strcmp(event, "data") == 0) {
            json_t *data = json_object_get(q->payload, "payload");
            json_t *null = json_null();
            runnel_report r = {0};
            runnel_status st = rn_live_send(q->s, g, port, data ? data : null, &r);
            json_decref(null);
            if (st != RUNNEL_OK) {
                fail(q, "cannot send to %s: %s", port, r.message ? r.message : "the network is not running");
                runnel_report_clear(&r);
                return;
            }
        }
        reply(q, rn_serve_msg("runtime", "packetsent",
                              json_pack("{s:s, s:s, s:s}", "port", port, "event", event, "graph", g->id)));
        return;
    }
    fail(q, "unknown command runtime/%s", q->command);
}

/* ---------------------------------------------------------------- component */

static void component_protocol(req *q)
{
    if (strcmp(q->command, "list") == 0) {
        const json_t *list = rn_catalog_list(q->s);
        size_t i;
        json_t *c;
        json_array_foreach(list, i, c) reply(q, rn_serve_msg("component", "component", json_deep_copy(c)));
        /* componentsready's payload is the count (the spec; noflo-runtime-base does the same) */
        json_t *m = json_pack("{s:s, s:s, s:I}", "protocol", "component", "command", "componentsready", "payload",
                              (json_int_t)json_array_size(list));
        reply(q, m);
        return;
    }
    if (strcmp(q->command, "getsource") == 0) {
        /* a graph's source is its NoFlo JSON (as noflo-ui asks for a subgraph's); the live view draws
           the main graph from it */
        const char *name = json_string_value(json_object_get(q->payload, "name"));
        rn_serve_graph *g = name ? rn_serve_graph_find(q->s, name) : NULL;
        if (g) {
            runnel_report r = {0};
            char *code = runnel_graph_write(g->graph, RUNNEL_GRAPH_NOFLO, &r);
            if (!code)
                fail(q, "component/getsource: %s", r.message ? r.message : "the graph cannot be written");
            else
                reply(q, rn_serve_msg("component", "source",
                                      json_pack("{s:s, s:s, s:o}", "name", g->id, "language", "json", "code",
                                                rn_serve_str(code))));
            free(code);
            runnel_report_clear(&r);
            return;
        }
    }
    if (strcmp(q->command, "getsource") == 0 || strcmp(q->command, "source") == 0) {
        fail(q, "component/%s: only graphs have a source here (components are WebAssembly modules)", q->command);
        return;
    }
    fail(q, "unknown command component/%s", q->command);
}

/* ---------------------------------------------------------------- network and trace */

static void network_protocol(req *q)
{
    static const char *const cmds[] = {"start", "stop", "getstatus", "debug", "edges", "persist"};
    size_t k = 0;
    while (k < sizeof cmds / sizeof cmds[0] && strcmp(cmds[k], q->command) != 0)
        k++;
    if (k == sizeof cmds / sizeof cmds[0]) {
        fail(q, "unknown command network/%s", q->command);
        return;
    }
    rn_serve_graph *g = target_graph(q);
    if (!g)
        return;
    bool started, running;
    double uptime;
    switch (k) {
    case 0:
        rn_live_start(q->s, g, q->out);
        break;
    case 1: {
        rn_live_status(q->s, g, &started, &running, &uptime);
        rn_live_stop(q->s, g);
        char when[40];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        reply(q, rn_serve_msg("network", "stopped",
                              json_pack("{s:s, s:s, s:f, s:b, s:b}", "graph", g->id, "time", when, "uptime", uptime,
                                        "running", 0, "started", 0)));
        break;
    }
    case 2:
        rn_live_status(q->s, g, &started, &running, &uptime);
        reply(q, rn_serve_msg("network", "status",
                              json_pack("{s:s, s:b, s:b}", "graph", g->id, "running", running, "started", started)));
        break;
    case 3: /* debug mode: every edge's data is always sent; the spec defines no reply */
        break;
    case 4: {
        json_t *edges = json_object_get(q->payload, "edges");
        reply(q, rn_serve_msg("network", "edges",
                              json_pack("{s:s, s:o}", "graph", g->id, "edges",
                                        json_is_array(edges) ? json_incref(edges) : json_array())));
        break;
    }
    default:
        fail(q, "network/persist is not supported: runnel serve keeps graphs in memory");
        break;
    }
}

static void trace_protocol(req *q)
{
    static const char *const cmds[] = {"start", "stop", "clear", "dump"};
    size_t k = 0;
    while (k < sizeof cmds / sizeof cmds[0] && strcmp(cmds[k], q->command) != 0)
        k++;
    if (k == sizeof cmds / sizeof cmds[0]) {
        fail(q, "unknown command trace/%s", q->command);
        return;
    }
    rn_serve_graph *g = target_graph(q);
    if (!g)
        return;
    rn_serve *s = q->s;
    json_t *dump = NULL;
    pthread_mutex_lock(&s->ev_mu);
    if (k == 0)
        s->tracing = true;
    else if (k == 1)
        s->tracing = false;
    else if (k == 2)
        json_array_clear(s->trace);
    else
        dump = json_deep_copy(s->trace);
    pthread_mutex_unlock(&s->ev_mu);
    if (k < 3) {
        reply(q, rn_serve_msg("trace", q->command, graph_payload(g)));
        return;
    }
    /* a Flowtrace (flowbased/flowtrace): a header and the recorded events */
    json_t *ft = json_pack("{s:{s:{s:s}, s:{}}, s:o}", "header", "metadata", "runtime", "runnel", "graphs", "events",
                           dump ? dump : json_array());
    char *text = ft ? json_dumps(ft, JSON_COMPACT) : NULL;
    json_decref(ft);
    if (!text) {
        fail(q, "out of memory");
        return;
    }
    reply(q, rn_serve_msg("trace", "dump",
                          json_pack("{s:s, s:s, s:s}", "graph", g->id, "type", "flowtrace.json", "flowtrace", text)));
    free(text);
}

/* ---------------------------------------------------------------- the runnel extension */

/* runnel/getstats {graph} -> runnel/stats: what the standard messages cannot carry (each node's queue
   depth and whether it is busy; fbp-protocol's schemas forbid extra fields in network/status and the
   others). Only a client that asks gets it, so the standard clients see only standard messages; errors
   are runtime/error, as for any unknown protocol. docs/serve.md, "Extension: runnel/stats". */
static void runnel_protocol(req *q)
{
    if (strcmp(q->command, "getstats") != 0) {
        fail(q, "unknown command runnel/%s", q->command);
        return;
    }
    rn_serve_graph *g = target_graph(q);
    if (!g)
        return;
    json_t *stats = rn_live_stats(q->s, g);
    if (!stats) {
        fail(q, "out of memory");
        return;
    }
    reply(q, rn_serve_msg("runnel", "stats", stats));
}

/* ---------------------------------------------------------------- the entry point */

/* Compares without leaking where the first difference is through timing. */
static bool secret_equal(const char *given, const char *secret)
{
    size_t lg = strlen(given), ls = strlen(secret);
    unsigned char d = lg != ls;
    for (size_t i = 0; i < ls; i++) /* as long as the secret, whatever is given */
        d |= (unsigned char)((i < lg ? given[i] : 0) ^ secret[i]);
    return d == 0;
}

void rn_serve_handle(rn_serve *s, const char *text, size_t len, rn_serve_out *out)
{
    req q = {.s = s, .out = out};
    if (len > RUNNEL_SERVE_MAX_MESSAGE) {
        fail(&q, "message too large (%zu bytes; the limit is %u)", len, RUNNEL_SERVE_MAX_MESSAGE);
        return;
    }
    json_error_t err;
    json_t *msg = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &err);
    if (!msg) {
        fail(&q, "malformed message: not JSON (line %d, column %d: %s)", err.line, err.column, err.text);
        return;
    }
    q.protocol = str_field(msg, "protocol");
    q.command = str_field(msg, "command");
    q.payload = json_object_get(msg, "payload");
    q.request_id = str_field(msg, "requestId");
    json_t *empty = NULL;
    if (!q.payload && json_is_object(msg))
        q.payload = empty = json_object();
    if (!json_is_object(msg) || !q.protocol || !q.command || !json_is_object(q.payload)) {
        q.payload = NULL;
        fail(&q, "malformed message: wants an object with protocol, command (strings) and payload (an object)");
        goto done;
    }
    if (s->secret) {
        const char *given = str_field(msg, "secret");
        if (!given)
            given = str_field(q.payload, "secret");
        if (!given || !secret_equal(given, s->secret)) {
            fail(&q, "access denied: wrong or missing secret");
            goto done;
        }
    }
    out->authorized = true;
    if (strcmp(q.protocol, "runtime") == 0)
        runtime_protocol(&q);
    else if (strcmp(q.protocol, "graph") == 0)
        graph_protocol(&q);
    else if (strcmp(q.protocol, "component") == 0)
        component_protocol(&q);
    else if (strcmp(q.protocol, "network") == 0)
        network_protocol(&q);
    else if (strcmp(q.protocol, "trace") == 0)
        trace_protocol(&q);
    else if (strcmp(q.protocol, "runnel") == 0)
        runnel_protocol(&q);
    else
        fail(&q, "unknown protocol %s", q.protocol);
done:
    json_decref(empty);
    json_decref(msg);
}

/* ---------------------------------------------------------------- the state */

rn_serve *rn_serve_new(const rn_serve_config *c, runnel_report *r)
{
    rn_serve *s = calloc(1, sizeof *s);
    if (!s) {
        runnel_report_clear(r);
        r->status = RUNNEL_NOMEM;
        return NULL;
    }
    s->cfg = *c;
    s->cfg.component_dirs = NULL;
    s->trace = json_array();
    s->components = runnel_components_new();
    s->secret = c->secret ? strdup(c->secret) : NULL;
    pthread_mutex_init(&s->ev_mu, NULL);
    bool ok = s->trace && s->components && (!c->secret || s->secret);
    for (size_t i = 0; ok && i < c->ncomponent_dirs; i++)
        ok = runnel_components_add_dir(s->components, c->component_dirs[i]) == RUNNEL_OK;
    if (ok && c->ncomponent_dirs) {
        char **dirs = calloc(c->ncomponent_dirs, sizeof *dirs);
        ok = dirs != NULL;
        for (size_t i = 0; ok && i < c->ncomponent_dirs; i++)
            ok = (dirs[i] = strdup(c->component_dirs[i])) != NULL;
        s->cfg.component_dirs = (const char *const *)dirs;
        if (!ok)
            s->cfg.ncomponent_dirs = dirs ? c->ncomponent_dirs : 0;
    }
    if (!ok) {
        rn_serve_free(s);
        runnel_report_clear(r);
        r->status = RUNNEL_NOMEM;
        r->message = strdup("out of memory");
        return NULL;
    }
    return s;
}

void rn_serve_free(rn_serve *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ngraphs; i++)
        graph_entry_free(s, &s->graphs[i]);
    free(s->graphs);
    if (!rn_live_reap(s, 5000)) {
        /* a stopped network that never drains (a cycle that keeps sending): its threads still use the
           components and the event queue, so they are left as they are (the process is ending) */
        FILE *log = s->cfg.log ? s->cfg.log : stderr;
        fprintf(log, "runnel serve: a stopped network did not drain in 5 s; abandoned\n");
        return;
    }
    free(s->main_graph);
    free(s->secret);
    json_decref(s->catalog);
    json_decref(s->trace);
    rn_serve_out_clear(&s->events);
    runnel_components_free(s->components);
    for (size_t i = 0; s->cfg.component_dirs && i < s->cfg.ncomponent_dirs; i++)
        free((char *)s->cfg.component_dirs[i]);
    free((void *)s->cfg.component_dirs);
    pthread_mutex_destroy(&s->ev_mu);
    free(s);
}

runnel_status rn_serve_load_main(rn_serve *s, const char *path, runnel_report *r)
{
    runnel_graph *g = runnel_graph_load(path, r);
    if (!g)
        return r->status;
    const char *name = runnel_graph_name(g);
    char *id = NULL;
    if (name && *name)
        id = strdup(name);
    else {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        id = strdup(*base ? base : "main");
        char *dot = id ? strrchr(id, '.') : NULL;
        if (dot && dot != id)
            *dot = '\0';
    }
    if (!id || !graph_put(s, id, name, true, g)) {
        free(id);
        runnel_report_clear(r);
        r->status = RUNNEL_NOMEM;
        r->message = strdup("out of memory");
        return RUNNEL_NOMEM;
    }
    free(id);
    return RUNNEL_OK;
}

void rn_serve_poll(rn_serve *s, rn_serve_out *out)
{
    if (s->stopping)
        rn_live_reap(s, 0);
    pthread_mutex_lock(&s->ev_mu);
    rn_serve_out ev = s->events;
    s->events = (rn_serve_out){0};
    s->event_bytes = 0;
    unsigned long long dropped = s->dropped;
    s->dropped = 0;
    pthread_mutex_unlock(&s->ev_mu);
    if (dropped) {
        char buf[128];
        snprintf(buf, sizeof buf, "%llu network events were dropped: the clients did not keep up", dropped);
        rn_serve_out_push(out, rn_serve_msg("network", "output", json_pack("{s:s}", "message", buf)));
    }
    for (size_t i = 0; i < ev.n; i++) {
        if (out->n == out->cap) {
            size_t ncap = out->cap ? out->cap * 2 : 8;
            char **n = realloc(out->items, ncap * sizeof *n);
            if (!n) {
                free(ev.items[i]);
                continue;
            }
            out->items = n;
            out->cap = ncap;
        }
        out->items[out->n++] = ev.items[i];
    }
    free(ev.items);
}
