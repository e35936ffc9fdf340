/*
 * graph.c - the graph as data: nodes, edges and IIPs, exported ports, groups and properties.
 *
 * One in-memory form for the three formats (docs/graphs.md, "Formats"): the readers build it with the
 * same calls an embedder uses, and the writers read it back, so that a conversion is a read and a
 * write and nothing is special to one pair of formats. Everything is copied in (strings, JSON), so a
 * graph owns all it points to, and the public structs (runnel_graph_node, ...) are stored as they are:
 * the arrays the accessors return are the graph's own.
 *
 * Names are checked for what the formats need of them: non-empty and valid UTF-8 (JSON cannot carry
 * anything else). Node ids and exported port names are unique; whether edges point at nodes that
 * exist is a question for validation (network.c), which reports every problem at once with its line.
 */
#include "graph_impl.h"
#include "fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

runnel_status rn_graph_fail(runnel_report *r, runnel_status st, const char *fmt, ...)
{
    if (!r)
        return st;
    va_list ap;
    va_start(ap, fmt);
    char *msg = rn_vformat(fmt, ap);
    va_end(ap);
    runnel_report_clear(r);
    r->status = st;
    r->message = msg;
    return st;
}

const char *runnel_graph_format_name(runnel_graph_format f)
{
    switch (f) {
    case RUNNEL_GRAPH_REFLOW: return "reflow";
    case RUNNEL_GRAPH_NOFLO: return "noflo";
    case RUNNEL_GRAPH_FBP: return "fbp";
    case RUNNEL_GRAPH_AUTO: break;
    }
    return "auto";
}

bool runnel_graph_format_from_name(const char *name, runnel_graph_format *out)
{
    static const runnel_graph_format all[] = {RUNNEL_GRAPH_REFLOW, RUNNEL_GRAPH_NOFLO, RUNNEL_GRAPH_FBP};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcasecmp(name, runnel_graph_format_name(all[i])) == 0) {
            *out = all[i];
            return true;
        }
    if (strcasecmp(name, "json") == 0) { /* the community's format is what "JSON" means to most users */
        *out = RUNNEL_GRAPH_NOFLO;
        return true;
    }
    return false;
}

bool rn_graph_port_eq(bool case_sensitive, const char *a, const char *b)
{
    return case_sensitive ? strcmp(a, b) == 0 : strcasecmp(a, b) == 0;
}

/* ---------------------------------------------------------------- UTF-8 and escaping */

/* Length of the valid UTF-8 sequence at s (1..4), or 0. */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) {
        n = 2;
        min = 0x80;
        c &= 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3;
        min = 0x800;
        c &= 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4;
        min = 0x10000;
        c &= 0x07;
    } else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    return n;
}

static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_seq(p);
        if (!n)
            return false;
        p += n;
    }
    return true;
}

/* ---------------------------------------------------------------- making and freeing */

runnel_graph *runnel_graph_new(const char *name)
{
    runnel_graph *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->properties = json_object();
    if (!g->properties || (name && json_object_set_new(g->properties, "name", json_string(name)) != 0)) {
        runnel_graph_free(g);
        return NULL;
    }
    return g;
}

static void free_endpoint(runnel_graph_endpoint *e)
{
    free((char *)e->node);
    free((char *)e->port);
}

static void free_export(runnel_graph_export *x)
{
    free((char *)x->name);
    free_endpoint(&x->inner);
    json_decref((json_t *)x->metadata);
    free((char *)x->port_type);
}

static void free_edge(runnel_graph_edge *e)
{
    free_endpoint(&e->src);
    free_endpoint(&e->tgt);
    json_decref((json_t *)e->data);
    json_decref((json_t *)e->metadata);
    free((char *)e->src_type);
    free((char *)e->tgt_type);
}

static void free_node(runnel_graph_node *n)
{
    free((char *)n->id);
    free((char *)n->component);
    json_decref((json_t *)n->metadata);
}

static void free_group(runnel_graph_group *gr)
{
    free((char *)gr->name);
    for (size_t i = 0; i < gr->nnodes; i++)
        free((char *)gr->nodes[i]);
    free((void *)gr->nodes);
    json_decref((json_t *)gr->metadata);
}

void runnel_graph_free(runnel_graph *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nnodes; i++)
        free_node(&g->nodes[i]);
    for (size_t i = 0; i < g->nedges; i++)
        free_edge(&g->edges[i]);
    for (size_t i = 0; i < g->ninports; i++)
        free_export(&g->inports[i]);
    for (size_t i = 0; i < g->noutports; i++)
        free_export(&g->outports[i]);
    for (size_t i = 0; i < g->ngroups; i++)
        free_group(&g->groups[i]);
    free(g->nodes);
    free(g->edges);
    free(g->inports);
    free(g->outports);
    free(g->groups);
    json_decref(g->properties);
    free(g->path);
    free(g);
}

runnel_graph *runnel_graph_copy(const runnel_graph *src)
{
    runnel_graph *g = runnel_graph_new(NULL);
    if (!g)
        return NULL;
    runnel_report r = {0};
    bool ok = runnel_graph_set_properties(g, src->properties, &r) == RUNNEL_OK &&
              (!src->path || runnel_graph_set_path(g, src->path) == RUNNEL_OK);
    g->case_sensitive = src->case_sensitive;
    g->format = src->format;
    for (size_t i = 0; ok && i < src->nnodes; i++)
        ok = runnel_graph_add_node(g, &src->nodes[i], &r) == RUNNEL_OK;
    for (size_t i = 0; ok && i < src->nedges; i++)
        ok = runnel_graph_add_edge(g, &src->edges[i], &r) == RUNNEL_OK;
    for (size_t i = 0; ok && i < src->ninports; i++)
        ok = runnel_graph_add_inport(g, &src->inports[i], &r) == RUNNEL_OK;
    for (size_t i = 0; ok && i < src->noutports; i++)
        ok = runnel_graph_add_outport(g, &src->outports[i], &r) == RUNNEL_OK;
    for (size_t i = 0; ok && i < src->ngroups; i++)
        ok = runnel_graph_add_group(g, &src->groups[i], &r) == RUNNEL_OK;
    runnel_report_clear(&r);
    if (!ok) {
        runnel_graph_free(g);
        return NULL;
    }
    return g;
}

/* ---------------------------------------------------------------- reading and writing */

/* First character that is not white space or part of a '#' comment line. */
static char first_significant(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len) {
        char c = text[i];
        if (c == '#') {
            while (i < len && text[i] != '\n')
                i++;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            i++;
        } else if ((unsigned char)c == 0xef && i + 2 < len && (unsigned char)text[i + 1] == 0xbb &&
                   (unsigned char)text[i + 2] == 0xbf) {
            i += 3; /* a UTF-8 byte order mark */
        } else
            return c;
    }
    return '\0';
}

runnel_graph *runnel_graph_parse(const char *text, size_t len, runnel_graph_format fmt, const char *file,
                                 runnel_report *r)
{
    if (!text && len) {
        rn_graph_fail(r, RUNNEL_BADARG, "no graph text");
        return NULL;
    }
    if (!file)
        file = "graph";
    if (fmt == RUNNEL_GRAPH_AUTO)
        fmt = first_significant(text ? text : "", len) == '{' ? RUNNEL_GRAPH_AUTO : RUNNEL_GRAPH_FBP;
    if (fmt == RUNNEL_GRAPH_FBP)
        return rn_graph_read_fbp(text ? text : "", len, file, r);
    return rn_graph_read_json(text ? text : "", len, fmt, file, r);
}

runnel_graph *runnel_graph_load(const char *path, runnel_report *r)
{
    /* the library's one reader (fileio.h): a graph file is held to the input limit like any other */
    uint8_t *bytes;
    size_t len;
    int err = rn_read_file(path, &bytes, &len);
    if (err) {
        char why[160];
        if (err == ENOENT || err == EACCES)
            rn_graph_fail(r, RUNNEL_BADARG, "%s: cannot open it (%s)", path, rn_io_strerror(err, why, sizeof why));
        else
            rn_graph_fail(r, err == ENOMEM ? RUNNEL_NOMEM : RUNNEL_BADARG, "%s: cannot read it (%s)", path,
                          rn_io_strerror(err, why, sizeof why));
        return NULL;
    }
    char *buf = (char *)bytes;
    size_t plen = strlen(path);
    runnel_graph_format fmt = plen >= 4 && strcasecmp(path + plen - 4, ".fbp") == 0 ? RUNNEL_GRAPH_FBP
                                                                                     : RUNNEL_GRAPH_AUTO;
    runnel_graph *g = runnel_graph_parse(buf, len, fmt, path, r);
    free(buf);
    if (g && runnel_graph_set_path(g, path) != RUNNEL_OK) {
        runnel_graph_free(g);
        rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
        return NULL;
    }
    return g;
}

char *runnel_graph_write(const runnel_graph *g, runnel_graph_format fmt, runnel_report *r)
{
    if (fmt == RUNNEL_GRAPH_FBP)
        return rn_graph_write_fbp(g, r);
    if (fmt == RUNNEL_GRAPH_AUTO)
        fmt = g->format == RUNNEL_GRAPH_AUTO ? RUNNEL_GRAPH_NOFLO : g->format;
    if (fmt == RUNNEL_GRAPH_FBP)
        return rn_graph_write_fbp(g, r);
    return rn_graph_write_json(g, fmt, r);
}

/* ---------------------------------------------------------------- accessors */

const char *runnel_graph_name(const runnel_graph *g)
{
    return json_string_value(json_object_get(g->properties, "name"));
}
const char *runnel_graph_path(const runnel_graph *g) { return g->path; }
runnel_graph_format runnel_graph_source_format(const runnel_graph *g) { return g->format; }
const json_t *runnel_graph_properties(const runnel_graph *g) { return g->properties; }
bool runnel_graph_case_sensitive(const runnel_graph *g) { return g->case_sensitive; }

const runnel_graph_node *runnel_graph_nodes(const runnel_graph *g, size_t *n)
{
    *n = g->nnodes;
    return g->nodes;
}
const runnel_graph_edge *runnel_graph_edges(const runnel_graph *g, size_t *n)
{
    *n = g->nedges;
    return g->edges;
}
const runnel_graph_export *runnel_graph_inports(const runnel_graph *g, size_t *n)
{
    *n = g->ninports;
    return g->inports;
}
const runnel_graph_export *runnel_graph_outports(const runnel_graph *g, size_t *n)
{
    *n = g->noutports;
    return g->outports;
}
const runnel_graph_group *runnel_graph_groups(const runnel_graph *g, size_t *n)
{
    *n = g->ngroups;
    return g->groups;
}

const runnel_graph_node *runnel_graph_node_find(const runnel_graph *g, const char *id)
{
    for (size_t i = 0; id && i < g->nnodes; i++)
        if (strcmp(g->nodes[i].id, id) == 0)
            return &g->nodes[i];
    return NULL;
}

/* ---------------------------------------------------------------- building */

/* Room for one more element in a growing array. */
static bool grow(void **items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *n = realloc(*items, ncap * size);
    if (!n)
        return false;
    *items = n;
    *cap = ncap;
    return true;
}

/* A copy of a name that must be present and valid UTF-8; NULL with the reason in r. */
static char *copy_name(const char *s, const char *what, runnel_report *r)
{
    if (!s || !*s) {
        rn_graph_fail(r, RUNNEL_BADARG, "%s is missing or empty", what);
        return NULL;
    }
    if (!valid_utf8(s)) {
        rn_graph_fail(r, RUNNEL_BADARG, "%s is not valid UTF-8", what);
        return NULL;
    }
    char *c = strdup(s);
    if (!c)
        rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
    return c;
}

/* An optional string (NULL stays NULL). *ok false when out of memory or not UTF-8. */
static char *copy_opt(const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *c = valid_utf8(s) ? strdup(s) : NULL;
    if (!c)
        *ok = false;
    return c;
}

static json_t *copy_json(const json_t *v)
{
    return v ? json_deep_copy(v) : NULL;
}

runnel_status runnel_graph_set_path(runnel_graph *g, const char *path)
{
    char *p = path ? strdup(path) : NULL;
    if (path && !p)
        return RUNNEL_NOMEM;
    free(g->path);
    g->path = p;
    return RUNNEL_OK;
}

runnel_status runnel_graph_set_properties(runnel_graph *g, const json_t *properties, runnel_report *r)
{
    if (properties && !json_is_object(properties))
        return rn_graph_fail(r, RUNNEL_BADARG, "the graph's properties must be an object");
    json_t *p = properties ? json_deep_copy(properties) : json_object();
    if (!p)
        return rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
    json_decref(g->properties);
    g->properties = p;
    return RUNNEL_OK;
}

void runnel_graph_set_case_sensitive(runnel_graph *g, bool on) { g->case_sensitive = on; }

runnel_status runnel_graph_add_node(runnel_graph *g, const runnel_graph_node *node, runnel_report *r)
{
    if (node->metadata && !json_is_object(node->metadata))
        return rn_graph_fail(r, RUNNEL_BADARG, "node %s: its metadata must be an object", node->id ? node->id : "?");
    if (node->id && runnel_graph_node_find(g, node->id))
        return rn_graph_fail(r, RUNNEL_BADARG, "node \"%s\" is defined twice", node->id);
    if (!grow((void **)&g->nodes, &g->capnodes, g->nnodes, sizeof *g->nodes))
        return rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
    runnel_graph_node n = {.line = node->line};
    n.id = copy_name(node->id, "a node's id", r);
    n.component = n.id ? copy_name(node->component, "a node's component", r) : NULL;
    n.metadata = node->metadata ? json_deep_copy(node->metadata) : json_object();
    if (!n.id || !n.component || !n.metadata) {
        if (n.id && n.component)
            rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
        else if (n.id && r && r->message) { /* name the node in the component's message */
            char *m = rn_format("node %s: %s", n.id, r->message);
            if (m) {
                free(r->message);
                r->message = m;
            }
        }
        free_node(&n);
        return r ? r->status : RUNNEL_BADARG;
    }
    g->nodes[g->nnodes++] = n;
    return RUNNEL_OK;
}

static runnel_status copy_endpoint(runnel_graph_endpoint *dst, const runnel_graph_endpoint *src, const char *what,
                                   runnel_report *r)
{
    *dst = (runnel_graph_endpoint){.index = src->index < 0 ? -1 : src->index};
    char buf[64];
    snprintf(buf, sizeof buf, "the node of %s", what);
    dst->node = copy_name(src->node, buf, r);
    if (!dst->node)
        return r ? r->status : RUNNEL_BADARG;
    snprintf(buf, sizeof buf, "the port of %s", what);
    dst->port = copy_name(src->port, buf, r);
    if (!dst->port) {
        free((char *)dst->node);
        dst->node = NULL;
        return r ? r->status : RUNNEL_BADARG;
    }
    return RUNNEL_OK;
}

runnel_status runnel_graph_add_edge(runnel_graph *g, const runnel_graph_edge *edge, runnel_report *r)
{
    if (!edge->src.node && !edge->data)
        return rn_graph_fail(r, RUNNEL_BADARG, "a connection has neither a source nor data");
    if (edge->src.node && edge->data)
        return rn_graph_fail(r, RUNNEL_BADARG, "a connection has both a source and data");
    if (edge->metadata && !json_is_object(edge->metadata))
        return rn_graph_fail(r, RUNNEL_BADARG, "a connection's metadata must be an object");
    if (!grow((void **)&g->edges, &g->capedges, g->nedges, sizeof *g->edges))
        return rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
    runnel_graph_edge e = {.line = edge->line, .src = {.index = -1}};
    runnel_status st = RUNNEL_OK;
    if (edge->src.node)
        st = copy_endpoint(&e.src, &edge->src, "a connection's source", r);
    if (st == RUNNEL_OK)
        st = copy_endpoint(&e.tgt, &edge->tgt, edge->src.node ? "a connection's target" : "an IIP's target", r);
    if (st != RUNNEL_OK) {
        free_edge(&e);
        return st;
    }
    bool ok = true;
    e.data = copy_json(edge->data);
    e.metadata = copy_json(edge->metadata);
    e.src_type = copy_opt(edge->src_type, &ok);
    e.tgt_type = copy_opt(edge->tgt_type, &ok);
    if (!ok || (edge->data && !e.data) || (edge->metadata && !e.metadata)) {
        free_edge(&e);
        return rn_graph_fail(r, RUNNEL_NOMEM, "out of memory (or a port type that is not UTF-8)");
    }
    g->edges[g->nedges++] = e;
    return RUNNEL_OK;
}

static runnel_status add_export(runnel_graph_export **items, size_t *n, size_t *cap, const runnel_graph_export *x,
                                const char *what, runnel_report *r)
{
    if (x->metadata && !json_is_object(x->metadata))
        return rn_graph_fail(r, RUNNEL_BADARG, "%s %s: its metadata must be an object", what, x->name ? x->name : "?");
    for (size_t i = 0; x->name && i < *n; i++)
        if (strcmp((*items)[i].name, x->name) == 0)
            return rn_graph_fail(r, RUNNEL_BADARG, "%s \"%s\" is defined twice", what, x->name);
    if (!grow((void **)items, cap, *n, sizeof **items))
        return rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
    runnel_graph_export e = {.line = x->line};
    char buf[64];
    snprintf(buf, sizeof buf, "an %s's name", what);
    e.name = copy_name(x->name, buf, r);
    if (!e.name)
        return r ? r->status : RUNNEL_BADARG;
    snprintf(buf, sizeof buf, "%s %.40s", what, x->name);
    if (copy_endpoint(&e.inner, &x->inner, buf, r) != RUNNEL_OK) {
        free_export(&e);
        return r ? r->status : RUNNEL_BADARG;
    }
    bool ok = true;
    e.metadata = copy_json(x->metadata);
    e.port_type = copy_opt(x->port_type, &ok);
    if (!ok || (x->metadata && !e.metadata)) {
        free_export(&e);
        return rn_graph_fail(r, RUNNEL_NOMEM, "out of memory (or a port type that is not UTF-8)");
    }
    (*items)[(*n)++] = e;
    return RUNNEL_OK;
}

runnel_status runnel_graph_add_inport(runnel_graph *g, const runnel_graph_export *port, runnel_report *r)
{
    return add_export(&g->inports, &g->ninports, &g->capinports, port, "inport", r);
}

runnel_status runnel_graph_add_outport(runnel_graph *g, const runnel_graph_export *port, runnel_report *r)
{
    return add_export(&g->outports, &g->noutports, &g->capoutports, port, "outport", r);
}

runnel_status runnel_graph_add_group(runnel_graph *g, const runnel_graph_group *group, runnel_report *r)
{
    if (group->metadata && !json_is_object(group->metadata))
        return rn_graph_fail(r, RUNNEL_BADARG, "group %s: its metadata must be an object",
                             group->name ? group->name : "?");
    if (!grow((void **)&g->groups, &g->capgroups, g->ngroups, sizeof *g->groups))
        return rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
    runnel_graph_group gr = {0};
    gr.name = copy_name(group->name, "a group's name", r);
    if (!gr.name)
        return r ? r->status : RUNNEL_BADARG;
    const char **nodes = calloc(group->nnodes + 1, sizeof *nodes);
    gr.nodes = nodes;
    bool ok = nodes != NULL;
    for (size_t i = 0; ok && i < group->nnodes; i++) {
        nodes[i] = copy_name(group->nodes[i], "a group's node", r);
        ok = nodes[i] != NULL;
        if (ok)
            gr.nnodes++;
    }
    gr.metadata = copy_json(group->metadata);
    if (!ok || (group->metadata && !gr.metadata)) {
        free_group(&gr);
        return nodes && r && r->message ? r->status : rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
    }
    g->groups[g->ngroups++] = gr;
    return RUNNEL_OK;
}

bool runnel_graph_remove_node(runnel_graph *g, const char *id)
{
    const runnel_graph_node *node = runnel_graph_node_find(g, id);
    if (!node)
        return false;
    size_t at = (size_t)(node - g->nodes);
    free_node(&g->nodes[at]);
    memmove(&g->nodes[at], &g->nodes[at + 1], (g->nnodes - at - 1) * sizeof *g->nodes);
    g->nnodes--;
    size_t k = 0;
    for (size_t i = 0; i < g->nedges; i++) {
        runnel_graph_edge *e = &g->edges[i];
        if ((e->src.node && strcmp(e->src.node, id) == 0) || strcmp(e->tgt.node, id) == 0)
            free_edge(e);
        else
            g->edges[k++] = *e;
    }
    g->nedges = k;
    runnel_graph_export *lists[2] = {g->inports, g->outports};
    size_t *counts[2] = {&g->ninports, &g->noutports};
    for (int l = 0; l < 2; l++) {
        k = 0;
        for (size_t i = 0; i < *counts[l]; i++) {
            if (strcmp(lists[l][i].inner.node, id) == 0)
                free_export(&lists[l][i]);
            else
                lists[l][k++] = lists[l][i];
        }
        *counts[l] = k;
    }
    for (size_t i = 0; i < g->ngroups; i++) {
        runnel_graph_group *gr = &g->groups[i];
        const char **nodes = (const char **)gr->nodes;
        k = 0;
        for (size_t j = 0; j < gr->nnodes; j++) {
            if (strcmp(nodes[j], id) == 0)
                free((char *)nodes[j]);
            else
                nodes[k++] = nodes[j];
        }
        gr->nnodes = k;
    }
    return true;
}

/* ---------------------------------------------------------------- live editing (the FBP protocol's graph commands) */

static bool endpoint_matches(const runnel_graph *g, const runnel_graph_endpoint *have, const runnel_graph_endpoint *want)
{
    return have->node && want->node && want->port && strcmp(have->node, want->node) == 0 &&
           rn_graph_port_eq(g->case_sensitive, have->port, want->port) &&
           (want->index < 0 || have->index == want->index);
}

/* Replaces *slot with a copy of s when *slot equals old. false when out of memory. */
static bool rename_ref(const char **slot, const char *old, const char *s)
{
    if (!*slot || strcmp(*slot, old) != 0)
        return true;
    char *c = strdup(s);
    if (!c)
        return false;
    free((char *)*slot);
    *slot = c;
    return true;
}

/* Every edge, exported port and group member named `old` named `to` instead. false when out of memory
   (then some are renamed and some are not). */
static bool rename_refs(runnel_graph *g, const char *old, const char *to)
{
    bool ok = true;
    for (size_t i = 0; i < g->nedges; i++) {
        if (!rename_ref(&g->edges[i].src.node, old, to))
            ok = false;
        if (!rename_ref(&g->edges[i].tgt.node, old, to))
            ok = false;
    }
    for (size_t i = 0; i < g->ninports; i++)
        if (!rename_ref(&g->inports[i].inner.node, old, to))
            ok = false;
    for (size_t i = 0; i < g->noutports; i++)
        if (!rename_ref(&g->outports[i].inner.node, old, to))
            ok = false;
    for (size_t i = 0; i < g->ngroups; i++)
        for (size_t j = 0; j < g->groups[i].nnodes; j++)
            if (!rename_ref((const char **)&g->groups[i].nodes[j], old, to))
                ok = false;
    return ok;
}

runnel_status runnel_graph_rename_node(runnel_graph *g, const char *from, const char *to, runnel_report *r)
{
    runnel_graph_node *node = (runnel_graph_node *)runnel_graph_node_find(g, from);
    if (!node)
        return rn_graph_fail(r, RUNNEL_BADARG, "no node \"%s\"", from ? from : "");
    char *name = copy_name(to, "a node's new id", r);
    if (!name)
        return r ? r->status : RUNNEL_BADARG;
    if (strcmp(from, to) == 0) {
        free(name);
        return RUNNEL_OK;
    }
    if (runnel_graph_node_find(g, to)) {
        free(name);
        return rn_graph_fail(r, RUNNEL_BADARG, "node \"%s\" exists already", to);
    }
    /* Every reference first (they still compare equal to the old id), the node itself last. */
    char *old = strdup(from);
    if (!old || !rename_refs(g, old, to)) {
        /* some references may carry the new id already (no node has it): name them back */
        if (old)
            rename_refs(g, to, old);
        free(old);
        free(name);
        return rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
    }
    free(old);
    free((char *)node->id);
    node->id = name;
    return RUNNEL_OK;
}

runnel_status runnel_graph_set_node_metadata(runnel_graph *g, const char *id, const json_t *metadata,
                                             runnel_report *r)
{
    runnel_graph_node *node = (runnel_graph_node *)runnel_graph_node_find(g, id);
    if (!node)
        return rn_graph_fail(r, RUNNEL_BADARG, "no node \"%s\"", id ? id : "");
    if (!json_is_object(metadata))
        return rn_graph_fail(r, RUNNEL_BADARG, "node %s: its metadata must be an object", id);
    json_t *m = json_deep_copy(metadata);
    if (!m)
        return rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
    json_decref((json_t *)node->metadata);
    node->metadata = m;
    return RUNNEL_OK;
}

static runnel_graph_edge *find_edge(runnel_graph *g, const runnel_graph_endpoint *src, const runnel_graph_endpoint *tgt)
{
    for (size_t i = 0; src && tgt && i < g->nedges; i++)
        if (g->edges[i].src.node && endpoint_matches(g, &g->edges[i].src, src) &&
            endpoint_matches(g, &g->edges[i].tgt, tgt))
            return &g->edges[i];
    return NULL;
}

static void drop_edge(runnel_graph *g, runnel_graph_edge *e)
{
    size_t at = (size_t)(e - g->edges);
    free_edge(e);
    memmove(&g->edges[at], &g->edges[at + 1], (g->nedges - at - 1) * sizeof *g->edges);
    g->nedges--;
}

bool runnel_graph_remove_edge(runnel_graph *g, const runnel_graph_endpoint *src, const runnel_graph_endpoint *tgt)
{
    runnel_graph_edge *e = find_edge(g, src, tgt);
    if (!e)
        return false;
    drop_edge(g, e);
    return true;
}

runnel_status runnel_graph_set_edge_metadata(runnel_graph *g, const runnel_graph_endpoint *src,
                                             const runnel_graph_endpoint *tgt, const json_t *metadata,
                                             runnel_report *r)
{
    runnel_graph_edge *e = find_edge(g, src, tgt);
    if (!e)
        return rn_graph_fail(r, RUNNEL_BADARG, "no such connection");
    if (metadata && !json_is_object(metadata))
        return rn_graph_fail(r, RUNNEL_BADARG, "a connection's metadata must be an object");
    json_t *m = copy_json(metadata);
    if (metadata && !m)
        return rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
    json_decref((json_t *)e->metadata);
    e->metadata = m;
    return RUNNEL_OK;
}

bool runnel_graph_remove_initial(runnel_graph *g, const runnel_graph_endpoint *tgt, json_t **data)
{
    for (size_t i = 0; tgt && i < g->nedges; i++) {
        runnel_graph_edge *e = &g->edges[i];
        if (!e->src.node && endpoint_matches(g, &e->tgt, tgt)) {
            if (data)
                *data = json_incref((json_t *)e->data);
            drop_edge(g, e);
            return true;
        }
    }
    return false;
}

static runnel_graph_export *find_export(runnel_graph_export *items, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(items[i].name, name) == 0)
            return &items[i];
    return NULL;
}

static bool remove_export(runnel_graph_export *items, size_t *n, const char *name)
{
    runnel_graph_export *x = find_export(items, *n, name);
    if (!x)
        return false;
    size_t at = (size_t)(x - items);
    free_export(x);
    memmove(&items[at], &items[at + 1], (*n - at - 1) * sizeof *items);
    (*n)--;
    return true;
}

bool runnel_graph_remove_inport(runnel_graph *g, const char *name)
{
    return remove_export(g->inports, &g->ninports, name);
}

bool runnel_graph_remove_outport(runnel_graph *g, const char *name)
{
    return remove_export(g->outports, &g->noutports, name);
}

static runnel_status rename_export(runnel_graph_export *items, size_t n, const char *from, const char *to,
                                   const char *what, runnel_report *r)
{
    runnel_graph_export *x = find_export(items, n, from);
    if (!x)
        return rn_graph_fail(r, RUNNEL_BADARG, "no %s \"%s\"", what, from ? from : "");
    char *name = copy_name(to, "an exported port's new name", r);
    if (!name)
        return r ? r->status : RUNNEL_BADARG;
    runnel_graph_export *other = find_export(items, n, to);
    if (other && other != x) {
        free(name);
        return rn_graph_fail(r, RUNNEL_BADARG, "%s \"%s\" exists already", what, to);
    }
    free((char *)x->name);
    x->name = name;
    return RUNNEL_OK;
}

runnel_status runnel_graph_rename_inport(runnel_graph *g, const char *from, const char *to, runnel_report *r)
{
    return rename_export(g->inports, g->ninports, from, to, "inport", r);
}

runnel_status runnel_graph_rename_outport(runnel_graph *g, const char *from, const char *to, runnel_report *r)
{
    return rename_export(g->outports, g->noutports, from, to, "outport", r);
}
