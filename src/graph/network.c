/*
 * network.c - a graph made runnable: components resolved, subgraphs inlined, everything checked.
 *
 * Why validation comes first and reports everything (issue 11, docs/graphs.md "Validation"): Reflow
 * starts a network and lets a misnamed port fail at the first message, possibly minutes later and in
 * another actor's logs. runnel builds the whole network before any message moves: each component is
 * resolved (a native one, a .wasm compiled once and instantiated per node, or a subgraph file inlined),
 * each plugin's metadata is read (get_metadata, once per file), and every edge, IIP, exported port and
 * node configuration is checked against it. Every finding is collected with its file, line, node and
 * port, so one `runnel graph check` shows every mistake. Cycles are legal in flow-based programs
 * (feedback loops) and are reported as information only.
 *
 * Node metadata is the node's configuration (docs/graphs.md, "Components"), with a few keys that belong to
 * the runtime, not the component: memory_limit_mb, timeout_ms, fuel (limits, as Reflow's docs name
 * them), keep_warm, and NoFlo's editor keys (x, y, label, width, height, icon). They are taken out
 * before the rest is given to the actor as its config, so a config_schema that forbids other keys
 * still accepts a node placed in an editor.
 */
#include "sched.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Subgraphs may nest, but not forever: a graph that includes itself is refused by the path stack, a
   chain this deep is surely a mistake too. */
#define MAX_SUBGRAPH_DEPTH 16
/* Inlining multiplies: a subgraph used twice at each of 16 levels would be 65536 copies of its nodes.
   Past this many nodes the network is refused rather than built. */
#define MAX_NETWORK_NODES 100000

struct rn_wasm {
    char *path; /* as resolved (absolute when the graph's directory was) */
    runnel_actor *proto;
    struct stat seen; /* for --watch */
    bool changing;
};

/* ---------------------------------------------------------------- small helpers */

static char *join_path(const char *dir, const char *name)
{
    if (name[0] == '/' || !dir || !*dir)
        return strdup(name);
    return rn_format("%s/%s", dir, name);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The directory of a graph file (malloc'ed; "." for a bare name, NULL path = no directory). */
static char *dir_of(const char *path)
{
    if (!path)
        return NULL;
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *d = strdup(dirname(copy));
    free(copy);
    return d;
}

bool rn_type_accepts(const char *port_type, runnel_msg_type t)
{
    runnel_msg_type pt;
    if (!port_type || strcmp(port_type, "Any") == 0 || !runnel_msg_type_from_name(port_type, &pt))
        return true;
    /* a Flow port is a trigger: any message triggers it; Optional takes any value ("some"); Float takes
       Integer (widening). Anything else must match exactly. */
    return pt == t || pt == RUNNEL_MSG_FLOW || pt == RUNNEL_MSG_OPTIONAL ||
           (pt == RUNNEL_MSG_FLOAT && t == RUNNEL_MSG_INTEGER);
}

/* ---------------------------------------------------------------- the builder */

/* An exported port of an inlined subgraph: what it stands for in the flat network. */
typedef struct rn_portmap {
    const char *name; /* borrowed from the subgraph */
    rn_node *node;
    char *port;
} rn_portmap;

typedef struct rn_exports {
    rn_portmap *in, *out;
    size_t nin, nout;
} rn_exports;

/* One node of the graph being flattened: a node of the network, or an inlined subgraph. */
typedef struct rn_local {
    const runnel_graph_node *gn;
    rn_node *node;    /* NULL for a subgraph */
    rn_exports *sub;  /* the subgraph's ports */
    bool unknown;     /* its component could not be resolved: its ports are not checked */
} rn_local;

typedef struct builder {
    runnel_network *net;
    runnel_diags *diags;
    char *stack[MAX_SUBGRAPH_DEPTH + 1]; /* the graph files being inlined (real paths, malloc'ed) */
    size_t depth;
    runnel_graph **subgraphs; /* loaded subgraphs, kept until the build ends (names point into them) */
    char **subgraph_keys;     /* their real paths: a file used many times is read once */
    size_t nsubgraphs, nsubgraph_keys;
    rn_exports **exports;
    size_t nexports;
    struct edge_origin *orig; /* per network edge: where it came from */
    size_t norig;
    unsigned too_many; /* the node limit was hit (reported once) */
    size_t inlined;    /* subgraphs inlined so far */
} builder;

/* Appends p to a growing array of pointers whose capacity follows from its count (8, then doubled at
   each power of two): no capacity field, and no quadratic copying on large graphs. */
static bool push_ptr(void ***items, size_t *n, void *p)
{
    if (*n == 0 || (*n >= 8 && (*n & (*n - 1)) == 0)) {
        void **a = realloc(*items, (*n ? *n * 2 : 8) * sizeof *a);
        if (!a)
            return false;
        *items = a;
    }
    (*items)[(*n)++] = p;
    return true;
}

/* The keys of node metadata that are the runtime's (see the top of this file). */
static const char *const runtime_keys[] = {"memory_limit_mb", "timeout_ms", "fuel", "keep_warm",
                                           "x", "y", "label", "width", "height", "icon"};

static bool is_runtime_key(const char *k)
{
    for (size_t i = 0; i < sizeof runtime_keys / sizeof runtime_keys[0]; i++)
        if (strcmp(k, runtime_keys[i]) == 0)
            return true;
    return false;
}

/* .fbp metadata values are text (Double(MyActor:factor=3) gives "3"); a value that reads as a JSON
   number or boolean is taken as one, so that a config_schema asking for a number accepts it. */
static json_t *typed_fbp_value(json_t *v)
{
    if (!json_is_string(v))
        return json_incref(v);
    const char *s = json_string_value(v);
    if (!strcmp(s, "true") || !strcmp(s, "false") || (s[0] && strchr("-0123456789", s[0]))) {
        json_t *parsed = json_loads(s, JSON_DECODE_ANY, NULL);
        if (parsed && (json_is_number(parsed) || json_is_boolean(parsed)))
            return parsed;
        json_decref(parsed);
    }
    return json_incref(v);
}

/* A limit key of node metadata: a non-negative integer, or absent. */
static bool limit_key(builder *b, rn_node *node, const json_t *meta, const char *key, uint64_t max, uint64_t *out)
{
    const json_t *v = json_object_get(meta, key);
    if (!v)
        return true;
    json_int_t i = json_is_integer(v) ? json_integer_value(v) : -1;
    if (json_is_string(v)) {
        char *end;
        errno = 0;
        long long parsed = strtoll(json_string_value(v), &end, 10);
        i = (*end || errno || end == json_string_value(v)) ? -1 : parsed;
    }
    if (i < 0 || (uint64_t)i > max) {
        rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, node->file, node->line, node->id, NULL,
                    "metadata %s must be a non-negative integer (at most %llu)", key, (unsigned long long)max);
        return false;
    }
    *out = i == 0 ? RUNNEL_ACTOR_UNLIMITED : (uint64_t)i;
    return true;
}

/* The actor options of a node from the network's options and the node's metadata. */
static bool node_options(builder *b, rn_node *node, const json_t *meta, bool fbp)
{
    const runnel_network_options *o = &b->net->opts;
    runnel_actor_options *ao = &node->actor_opts;
    *ao = (runnel_actor_options){.node_id = node->id, .timeout_ms = o->timeout_ms,
                                 .max_memory_pages = o->max_memory_pages, .fuel = o->fuel,
                                 .max_state_bytes = o->max_state_bytes,
                                 .keep_warm = !o->cold, .inherit_stdio = o->inherit_stdio};
    uint64_t mb = 0;
    bool ok = limit_key(b, node, meta, "timeout_ms", UINT64_MAX - 1, &ao->timeout_ms) &&
              limit_key(b, node, meta, "fuel", UINT64_MAX - 1, &ao->fuel) &&
              limit_key(b, node, meta, "memory_limit_mb", 4096, &mb);
    if (mb)
        ao->max_memory_pages = mb == RUNNEL_ACTOR_UNLIMITED ? RUNNEL_ACTOR_UNLIMITED : mb * 16;
    const json_t *warm = json_object_get(meta, "keep_warm");
    if (warm && !json_is_boolean(warm)) {
        rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, node->file, node->line, node->id, NULL,
                    "metadata keep_warm must be true or false");
        ok = false;
    } else if (warm)
        ao->keep_warm = json_is_true(warm);
    node->node_config = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)meta, k, v)
    {
        if (!is_runtime_key(k) && node->node_config)
            json_object_set_new(node->node_config, k, fbp ? typed_fbp_value(v) : json_incref(v));
    }
    ao->config = node->node_config;
    return ok && node->node_config;
}

/* The compiled .wasm of that path, compiled on first use. NULL (with a diagnostic) when it fails. */
static rn_wasm *wasm_for(builder *b, const char *path, rn_node *node)
{
    runnel_network *n = b->net;
    char *real = realpath(path, NULL);
    const char *key = real ? real : path;
    for (size_t i = 0; i < n->nwasms; i++)
        if (strcmp(n->wasms[i]->path, key) == 0) {
            free(real);
            return n->wasms[i]->proto ? n->wasms[i] : NULL;
        }
    rn_wasm *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(key)) || !push_ptr((void ***)&n->wasms, &n->nwasms, w)) {
        free(real);
        if (w)
            free(w->path);
        free(w);
        return NULL;
    }
    free(real);
    stat(w->path, &w->seen);
    runnel_report r = {0};
    /* the engine's sizes belong to the compiled plugin, which every node of this .wasm shares */
    runnel_actor_options po = {.size = sizeof(runnel_actor_options), .skip_config_check = true, .keep_warm = true,
                               .stack_bytes = b->net->opts.stack_bytes, .max_call_depth = b->net->opts.max_call_depth,
                               .compiled = b->net->opts.compiled, .compile = b->net->opts.compile};
    w->proto = runnel_actor_load(w->path, &po, &r);
    if (!w->proto)
        rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, node->file, node->line, node->id, NULL,
                    "component %s: %s", node->component, r.message ? r.message : "cannot load the plugin");
    runnel_report_clear(&r);
    return w->proto ? w : NULL;
}

static rn_node *new_node(builder *b, const runnel_graph_node *gn, const char *prefix, const char *file)
{
    if (b->net->nnodes >= MAX_NETWORK_NODES) {
        if (b->net->nnodes == MAX_NETWORK_NODES && !b->too_many++)
            rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, file, gn->line, gn->id, NULL,
                        "more than %d nodes once subgraphs are inlined: refused", MAX_NETWORK_NODES);
        return NULL;
    }
    rn_node *node = calloc(1, sizeof *node);
    if (!node)
        return NULL;
    node->index = b->net->nnodes;
    node->id = rn_format("%s%s", prefix, gn->id);
    node->component = strdup(gn->component);
    node->file = file ? strdup(file) : NULL;
    node->line = gn->line;
    node->state = json_object();
    if (!node->id || !node->component || !node->state || (file && !node->file) ||
        !push_ptr((void ***)&b->net->nodes, &b->net->nnodes, node)) {
        free(node->id);
        free(node->component);
        free(node->file);
        json_decref(node->state);
        free(node);
        return NULL;
    }
    return node;
}

/* Makes the node's component: a native one (create), or an actor spawned from the compiled .wasm
   (config checked against its schema). */
static void make_component(builder *b, rn_node *node, const runnel_graph_node *gn, bool fbp)
{
    if (!node_options(b, node, gn->metadata, fbp))
        return;
    runnel_report r = {0};
    if (node->native) {
        if (node->native->create &&
            node->native->create(node->native->user, node->id, node->node_config, &node->native_data, &r) !=
                RUNNEL_OK)
            rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, node->file, node->line, node->id, NULL, "%s: %s",
                        node->component, r.message ? r.message : "the component refused the node");
    } else if (node->wasm) {
        node->actor = runnel_actor_spawn(node->wasm->proto, &node->actor_opts, &r);
        if (!node->actor)
            rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, node->file, node->line, node->id, NULL, "%s",
                        r.message ? r.message : "cannot make the actor");
    }
    runnel_report_clear(&r);
}

static bool flatten(builder *b, const runnel_graph *g, const char *prefix, rn_exports *exports);

/* A subgraph: loaded, checked against recursion, inlined under "PREFIX/ID/". */
static rn_exports *inline_subgraph(builder *b, const runnel_graph_node *gn, const char *prefix, const char *path,
                                   const char *file)
{
    if (b->too_many)
        return NULL;
    if (++b->inlined > MAX_NETWORK_NODES) { /* the work of inlining is bounded like its result */
        b->too_many = 1;
        rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, file, gn->line, gn->id, NULL,
                    "more than %d subgraphs to inline: refused", MAX_NETWORK_NODES);
        return NULL;
    }
    char *real = realpath(path, NULL);
    for (size_t i = 0; real && i < b->depth; i++)
        if (b->stack[i] && strcmp(b->stack[i], real) == 0) {
            free(real);
            rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, file, gn->line, gn->id, NULL,
                        "subgraph %s includes itself (through %s)", gn->component, path);
            return NULL;
        }
    if (b->depth >= MAX_SUBGRAPH_DEPTH) {
        rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, file, gn->line, gn->id, NULL,
                    "subgraphs nested more than %d deep", MAX_SUBGRAPH_DEPTH);
        free(real);
        return NULL;
    }
    runnel_graph *sub = NULL;
    for (size_t i = 0; real && i < b->nsubgraph_keys; i++)
        if (strcmp(b->subgraph_keys[i], real) == 0)
            sub = b->subgraphs[i];
    if (!sub) {
        runnel_report r = {0};
        sub = runnel_graph_load(path, &r);
        char *key = real ? strdup(real) : NULL;
        if (!sub || !key || !push_ptr((void ***)&b->subgraphs, &b->nsubgraphs, sub) ||
            !push_ptr((void ***)&b->subgraph_keys, &b->nsubgraph_keys, key)) {
            rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, file, gn->line, gn->id, NULL, "subgraph %s: %s", gn->component,
                        r.message ? r.message : "cannot load it (out of memory?)");
            runnel_report_clear(&r);
            if (b->nsubgraphs > b->nsubgraph_keys)
                b->nsubgraphs--; /* pushed without its key: the two lists stay in step */
            runnel_graph_free(sub);
            free(key);
            free(real);
            return NULL;
        }
    }
    rn_exports *ex = calloc(1, sizeof *ex);
    char *inner = rn_format("%s%s/", prefix, gn->id);
    if (!ex || !inner || !push_ptr((void ***)&b->exports, &b->nexports, ex)) {
        free(inner);
        free(ex);
        free(real);
        return NULL;
    }
    b->stack[b->depth++] = real;
    flatten(b, sub, inner, ex);
    free(b->stack[--b->depth]);
    free(inner);
    return ex;
}

/* Where a component name leads: native, .wasm or subgraph (path set), or nothing. */
typedef enum { FOUND_NONE, FOUND_NATIVE, FOUND_WASM, FOUND_GRAPH } found_kind;

static found_kind find_component(builder *b, const char *name, const char *graph_dir, char **path,
                                 const runnel_component_def **native)
{
    *path = NULL;
    if ((*native = rn_components_find_native(b->net->components, name)))
        return FOUND_NATIVE;
    static const char *const graph_ext[] = {".json", ".fbp"};
    if (ends_with(name, ".wasm") || ends_with(name, ".json") || ends_with(name, ".fbp")) {
        *path = join_path(graph_dir, name);
        if (!*path || !is_file(*path)) {
            free(*path);
            *path = NULL;
            return FOUND_NONE;
        }
        return ends_with(name, ".wasm") ? FOUND_WASM : FOUND_GRAPH;
    }
    size_t ndirs = rn_components_dir_count(b->net->components);
    for (size_t i = 0; i <= ndirs; i++) {
        const char *dir = i < ndirs ? rn_components_dir_at(b->net->components, i) : graph_dir;
        if (i == ndirs && !dir)
            break;
        char *p = rn_format("%s/%s.wasm", dir, name);
        if (p && is_file(p)) {
            *path = p;
            return FOUND_WASM;
        }
        free(p);
        for (size_t k = 0; k < 2; k++) {
            p = rn_format("%s/%s%s", dir, name, graph_ext[k]);
            if (p && is_file(p)) {
                *path = p;
                return FOUND_GRAPH;
            }
            free(p);
        }
    }
    return FOUND_NONE;
}

static void unknown_component(builder *b, const runnel_graph_node *gn, const char *file, const char *graph_dir)
{
    size_t ndirs = rn_components_dir_count(b->net->components);
    size_t size = 64;
    for (size_t i = 0; i < ndirs; i++)
        size += strlen(rn_components_dir_at(b->net->components, i)) + 2;
    size += graph_dir ? strlen(graph_dir) : 0;
    char *where = malloc(size);
    if (where) {
        where[0] = '\0';
        for (size_t i = 0; i < ndirs; i++) {
            strcat(where, i ? ", " : "");
            strcat(where, rn_components_dir_at(b->net->components, i));
        }
        if (graph_dir) {
            strcat(where, ndirs ? ", " : "");
            strcat(where, graph_dir);
        }
    }
    if (ends_with(gn->component, ".wasm") || ends_with(gn->component, ".json") || ends_with(gn->component, ".fbp"))
        rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, file, gn->line, gn->id, NULL,
                    "unknown component %s: no such file (relative to %s)", gn->component,
                    graph_dir ? graph_dir : ".");
    else
        rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, file, gn->line, gn->id, NULL,
                    "unknown component %s: not a built-in, and no %s.wasm, .json or .fbp in %s", gn->component,
                    gn->component, where && *where ? where : "any component directory");
    free(where);
}

/* The flat-network endpoint of (node, port) of graph g: through a subgraph's exports when the node is
   one. NULL node with a diagnostic when it leads nowhere; unknown-component nodes resolve to
   themselves with *unchecked set. */
typedef struct flat_end {
    rn_node *node;
    char *port; /* malloc'ed */
    bool unchecked;
} flat_end;

static bool resolve_end(builder *b, rn_local *locals, size_t nlocals, const runnel_graph *g,
                        const runnel_graph_endpoint *ep, bool input, const char *file, unsigned line, flat_end *out)
{
    *out = (flat_end){0};
    rn_local *l = NULL;
    for (size_t i = 0; i < nlocals; i++)
        if (strcmp(locals[i].gn->id, ep->node) == 0)
            l = &locals[i];
    if (!l) {
        rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, file, line, ep->node, ep->port,
                    "a connection names node %s, which the graph does not define", ep->node);
        return false;
    }
    if (l->node) {
        out->node = l->node;
        out->port = strdup(ep->port);
        out->unchecked = l->unknown;
        return out->port != NULL;
    }
    if (!l->sub)
        return false; /* a subgraph that failed to load: already reported */
    rn_portmap *map = input ? l->sub->in : l->sub->out;
    size_t n = input ? l->sub->nin : l->sub->nout;
    for (size_t i = 0; i < n; i++)
        if (rn_graph_port_eq(runnel_graph_case_sensitive(g), map[i].name, ep->port)) {
            out->node = map[i].node;
            out->port = strdup(map[i].port);
            return out->port != NULL;
        }
    rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, file, line, ep->node, ep->port,
                "subgraph %s exports no %s named %s", l->gn->component, input ? "inport" : "outport", ep->port);
    return false;
}

/* A connection of the flat network, before it becomes an rn_edge. */
static rn_edge *add_edge(builder *b, rn_node *src, const char *src_port, rn_node *tgt, const char *tgt_port,
                         int tgt_index)
{
    rn_edge *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->index = b->net->nedges;
    e->src = src;
    e->tgt = tgt;
    e->tgt_index = tgt_index;
    e->src_port = src_port ? strdup(src_port) : NULL;
    e->tgt_port = tgt_port ? strdup(tgt_port) : NULL;
    if ((src_port && !e->src_port) || (tgt_port && !e->tgt_port) ||
        !push_ptr((void ***)&b->net->edges, &b->net->nedges, e)) {
        free(e->src_port);
        free(e->tgt_port);
        free(e);
        return NULL;
    }
    return e;
}

/* Where an edge of the network came from, for the checks that follow flattening (check_edges). */
typedef struct edge_origin {
    const char *file;
    unsigned line;
    bool src_unchecked, tgt_unchecked; /* an end at a node whose component is unknown */
    const json_t *data;                /* an IIP's value */
} edge_origin;

static bool add_origin(builder *b, edge_origin o)
{
    edge_origin *no = realloc(b->orig, (b->norig + 1) * sizeof *no);
    if (!no)
        return false;
    b->orig = no;
    b->orig[b->norig++] = o;
    return true;
}

static bool flatten_edges(builder *b, const runnel_graph *g, rn_local *locals, size_t nlocals, const char *file)
{
    size_t ne;
    const runnel_graph_edge *edges = runnel_graph_edges(g, &ne);
    for (size_t i = 0; i < ne; i++) {
        const runnel_graph_edge *ge = &edges[i];
        flat_end src = {0}, tgt = {0};
        bool ok = resolve_end(b, locals, nlocals, g, &ge->tgt, true, file, ge->line, &tgt);
        if (ge->src.node)
            ok = resolve_end(b, locals, nlocals, g, &ge->src, false, file, ge->line, &src) && ok;
        if (ok) {
            rn_edge *e = add_edge(b, src.node, src.port, tgt.node, tgt.port, ge->tgt.index);
            if (!e || !add_origin(b, (edge_origin){file, ge->line, src.unchecked, tgt.unchecked, ge->data})) {
                free(src.port);
                free(tgt.port);
                return false;
            }
            e->is_iip = ge->data != NULL;
        }
        free(src.port);
        free(tgt.port);
    }
    return true;
}

static bool flatten(builder *b, const runnel_graph *g, const char *prefix, rn_exports *exports)
{
    size_t nn;
    const runnel_graph_node *gnodes = runnel_graph_nodes(g, &nn);
    const char *file = runnel_graph_path(g);
    char *graph_dir = dir_of(file);
    bool fbp = runnel_graph_source_format(g) == RUNNEL_GRAPH_FBP;
    rn_local *locals = calloc(nn + 1, sizeof *locals);
    if (!locals) {
        free(graph_dir);
        return false;
    }
    for (size_t i = 0; i < nn; i++) {
        const runnel_graph_node *gn = &gnodes[i];
        locals[i].gn = gn;
        if (b->too_many)
            continue; /* over the node limit: reported once, the rest is not built */
        char *path;
        const runnel_component_def *native;
        found_kind k = find_component(b, gn->component, graph_dir, &path, &native);
        if (k == FOUND_GRAPH) {
            locals[i].sub = inline_subgraph(b, gn, prefix, path, file);
            free(path);
            continue;
        }
        rn_node *node = new_node(b, gn, prefix, file);
        locals[i].node = node;
        if (!node) {
            if (!b->too_many)
                rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, file, gn->line, gn->id, NULL, "out of memory");
            free(path);
            continue;
        }
        if (k == FOUND_NATIVE)
            node->native = native;
        else if (k == FOUND_WASM)
            node->wasm = wasm_for(b, path, node);
        free(path);
        if (k == FOUND_NONE)
            unknown_component(b, gn, file, graph_dir);
        locals[i].unknown = k == FOUND_NONE || (k == FOUND_WASM && !node->wasm);
        if (!locals[i].unknown)
            make_component(b, node, gn, fbp);
    }
    if (!b->too_many)
        flatten_edges(b, g, locals, nn, file);
    /* exported ports: as a subgraph's, mapped for the parent; at the top, the network's own edges */
    for (int dir = 0; dir < 2 && !b->too_many; dir++) {
        size_t nx;
        const runnel_graph_export *xs = dir == 0 ? runnel_graph_inports(g, &nx) : runnel_graph_outports(g, &nx);
        for (size_t i = 0; i < nx; i++) {
            flat_end end;
            if (!resolve_end(b, locals, nn, g, &xs[i].inner, dir == 0, file, xs[i].line, &end))
                continue;
            if (exports) {
                rn_portmap **map = dir == 0 ? &exports->in : &exports->out;
                size_t *count = dir == 0 ? &exports->nin : &exports->nout;
                rn_portmap *m = realloc(*map, (*count + 1) * sizeof *m);
                if (m) {
                    m[*count] = (rn_portmap){xs[i].name, end.node, end.port};
                    *map = m;
                    (*count)++;
                    continue;
                }
            } else {
                rn_edge *e = dir == 0 ? add_edge(b, NULL, NULL, end.node, end.port, xs[i].inner.index)
                                      : add_edge(b, end.node, end.port, NULL, NULL, -1);
                if (e && add_origin(b, (edge_origin){file, xs[i].line, dir == 1 && end.unchecked,
                                                     dir == 0 && end.unchecked, NULL})) {
                    if (dir == 0)
                        e->inport = strdup(xs[i].name);
                    else
                        e->outport = strdup(xs[i].name);
                }
            }
            free(end.port);
        }
    }
    free(locals);
    free(graph_dir);
    return true;
}

/* ---------------------------------------------------------------- checks */

static const runnel_actor_metadata *node_metadata(const rn_node *node)
{
    if (node->actor)
        return runnel_actor_get_metadata(node->actor);
    return node->wasm ? runnel_actor_get_metadata(node->wasm->proto) : NULL;
}

/* "a, b, c" of ports (malloc'ed). */
static char *port_names(const runnel_port_def *p, size_t n)
{
    size_t size = 8;
    for (size_t i = 0; i < n; i++)
        size += strlen(p[i].name) + 2;
    char *s = malloc(size);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(s, i ? ", " : "");
        strcat(s, p[i].name);
    }
    if (!n)
        strcpy(s, "none");
    return s;
}

/* The declared port of a node matching `port` (by the graph's case rule): its canonical name and type.
   Returns false when the component declares its ports and this is not one; true with the name as
   given and type "Any" when the component's ports are unknown (a plugin without metadata) or free. */
static bool find_port(const rn_node *node, const char *port, bool input, bool cs, const char **canon,
                      const char **type, char **list)
{
    *canon = port;
    *type = "Any";
    *list = NULL;
    if (!input && strcmp(port, RUNNEL_ACTOR_ERROR_PORT) == 0) {
        *type = "Error";
        return true;
    }
    const runnel_port_def *ports = NULL;
    size_t n = 0;
    if (node->native) {
        if (node->native->any_ports)
            return true;
        ports = input ? node->native->inports : node->native->outports;
        n = input ? node->native->ninports : node->native->noutports;
    } else {
        const runnel_actor_metadata *m = node_metadata(node);
        if (!m)
            return true;
        ports = input ? m->inports : m->outports;
        n = input ? m->ninports : m->noutports;
    }
    for (size_t i = 0; i < n; i++)
        if (rn_graph_port_eq(cs, ports[i].name, port)) {
            *canon = ports[i].name;
            *type = ports[i].port_type;
            return true;
        }
    *list = port_names(ports, n);
    return false;
}

/* An IIP's value as the message its port expects. A string may hold JSON (.fbp writes every IIP as a
   string: '21' is meant as 21), except for a String port, which takes the text as it is. Plain JSON is
   then typed by the port: {"type": PORT_TYPE, "data": value} when the port has one, else by shape. */
static bool iip_message(const json_t *data, const char *port_type, runnel_msg *out, runnel_report *r)
{
    json_t *value = NULL;
    bool string_port = port_type && strcmp(port_type, "String") == 0;
    if (json_is_string(data) && !string_port)
        value = json_loads(json_string_value(data), JSON_DECODE_ANY, NULL);
    if (!value)
        value = json_incref((json_t *)data);
    bool tagged = false;
    runnel_msg probe;
    runnel_report sub = {0};
    if (json_is_object(value) && json_object_get(value, "type") &&
        runnel_msg_from_value(&probe, value, &sub) == RUNNEL_OK) {
        tagged = probe.type != RUNNEL_MSG_OBJECT || !json_equal(probe.as.json, value);
        runnel_msg_clear(&probe);
    }
    runnel_report_clear(&sub);
    runnel_status st;
    if (!tagged && port_type && strcmp(port_type, "Any") != 0) {
        json_t *t = json_pack("{s:s, s:O}", "type", port_type, "data", value);
        st = t ? runnel_msg_from_json(out, t, r) : RUNNEL_NOMEM;
        json_decref(t);
    } else {
        st = runnel_msg_from_value(out, value, r);
    }
    json_decref(value);
    if (st == RUNNEL_OK && port_type && !rn_type_accepts(port_type, out->type)) {
        rn_graph_fail(r, RUNNEL_BADARG, "a %s where the port takes %s", runnel_msg_type_name(out->type), port_type);
        runnel_msg_clear(out);
        return false;
    }
    return st == RUNNEL_OK;
}

static char *end_label(const rn_node *node, const char *port, const char *graph_port, bool in)
{
    if (!node)
        return rn_format("%s %s", in ? "INPORT" : "OUTPORT", graph_port ? graph_port : "?");
    return rn_format("%s.%s", node->id, port);
}

static void check_edge(builder *b, rn_edge *e, const edge_origin *o, bool cs)
{
    const char *src_type = "Any", *tgt_type = "Any";
    bool ok = true;
    for (int end = 0; end < 2; end++) {
        rn_node *node = end == 0 ? e->src : e->tgt;
        char **port = end == 0 ? &e->src_port : &e->tgt_port;
        bool unchecked = end == 0 ? o->src_unchecked : o->tgt_unchecked;
        if (!node || unchecked)
            continue;
        const char *canon, *type;
        char *list;
        if (!find_port(node, *port, end == 1, cs, &canon, &type, &list)) {
            rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, o->file, o->line, node->id, *port,
                        "%s has no %s named %s (its %s: %s)", node->component, end == 1 ? "in-port" : "out-port",
                        *port, end == 1 ? "in-ports" : "out-ports", list ? list : "?");
            free(list);
            ok = false;
            continue;
        }
        if (canon != *port) {
            char *c = strdup(canon);
            if (c) {
                free(*port);
                *port = c;
            }
        }
        *(end == 0 ? &src_type : &tgt_type) = type;
    }
    if (ok && e->src && e->tgt && strcmp(src_type, "Any") != 0) {
        runnel_msg_type t;
        if (runnel_msg_type_from_name(src_type, &t) && !rn_type_accepts(tgt_type, t))
            rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, o->file, o->line, e->tgt->id, e->tgt_port,
                        "type mismatch: %s.%s sends %s, but %s.%s takes %s", e->src->id, e->src_port, src_type,
                        e->tgt->id, e->tgt_port, tgt_type);
    }
    if (ok && e->is_iip) {
        runnel_report r = {0};
        if (!iip_message(o->data, o->tgt_unchecked ? NULL : tgt_type, &e->iip, &r)) {
            char *text = json_dumps(o->data, JSON_COMPACT | JSON_ENCODE_ANY);
            rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, o->file, o->line, e->tgt->id, e->tgt_port,
                        "the IIP %s does not fit the port (%s): %s", text ? text : "?", tgt_type,
                        r.message ? r.message : "bad value");
            free(text);
        }
        runnel_report_clear(&r);
    }
    char *a = e->is_iip ? strdup("IIP") : end_label(e->src, e->src_port, e->inport, true);
    char *z = end_label(e->tgt, e->tgt_port, e->outport, false);
    e->label = a && z ? rn_format("%s -> %s", a, z) : NULL;
    free(a);
    free(z);
}

/* Required in-ports with nothing that feeds them. The edges are grouped by target node first (counts,
   then offsets), so a large graph costs its size, not nodes times edges. */
static void check_required(builder *b)
{
    runnel_network *n = b->net;
    size_t *start = calloc(n->nnodes + 2, sizeof *start);
    rn_edge **by_target = calloc(n->nedges + 1, sizeof *by_target);
    if (!start || !by_target) {
        free(start);
        free(by_target);
        rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, NULL, 0, NULL, NULL, "out of memory");
        return;
    }
    for (size_t k = 0; k < n->nedges; k++)
        if (n->edges[k]->tgt)
            start[n->edges[k]->tgt->index + 2]++;
    for (size_t i = 2; i < n->nnodes + 2; i++)
        start[i] += start[i - 1];
    for (size_t k = 0; k < n->nedges; k++)
        if (n->edges[k]->tgt)
            by_target[start[n->edges[k]->tgt->index + 1]++] = n->edges[k];
    /* now node i's in-edges are by_target[start[i] .. start[i + 1]) */
    for (size_t i = 0; i < n->nnodes; i++) {
        rn_node *node = n->nodes[i];
        const runnel_port_def *ports = node->native ? node->native->inports : NULL;
        size_t np = node->native ? node->native->ninports : 0;
        const runnel_actor_metadata *m = node_metadata(node);
        if (m) {
            ports = m->inports;
            np = m->ninports;
        }
        for (size_t p = 0; p < np; p++) {
            if (!ports[p].required)
                continue;
            bool fed = false;
            for (size_t k = start[i]; k < start[i + 1] && !fed; k++)
                fed = strcmp(by_target[k]->tgt_port, ports[p].name) == 0;
            if (!fed)
                rn_diag_add(b->diags, RUNNEL_DIAG_ERROR, node->file, node->line, node->id, ports[p].name,
                            "required in-port %s has no connection, no IIP and is not exported", ports[p].name);
        }
    }
    free(start);
    free(by_target);
}

/* Cycles are allowed; each node on one is reported once, as information. */
static bool on_cycle_from(const runnel_network *n, const rn_node *start, const rn_node *at, char *seen)
{
    for (size_t k = 0; k < n->nedges; k++) {
        const rn_edge *e = n->edges[k];
        if (e->src != at || !e->tgt)
            continue;
        if (e->tgt == start)
            return true;
        if (!seen[e->tgt->index]) {
            seen[e->tgt->index] = 1;
            if (on_cycle_from(n, start, e->tgt, seen))
                return true;
        }
    }
    return false;
}

static void report_cycles(builder *b)
{
    runnel_network *n = b->net;
    char *seen = malloc(n->nnodes + 1);
    if (!seen)
        return;
    for (size_t i = 0; i < n->nnodes && n->nnodes <= 4096; i++) {
        memset(seen, 0, n->nnodes + 1);
        if (on_cycle_from(n, n->nodes[i], n->nodes[i], seen))
            rn_diag_add(b->diags, RUNNEL_DIAG_INFO, n->nodes[i]->file, n->nodes[i]->line, n->nodes[i]->id, NULL,
                        "is on a cycle (allowed: messages may loop)");
    }
    free(seen);
}

/* FNV-1a over the flat network's shape: a state file belongs to one shape. */
static uint64_t fnv(uint64_t h, const char *s)
{
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return (h ^ 0xff) * 0x100000001b3ull;
}

static uint64_t fingerprint(const runnel_network *n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n->nnodes; i++)
        h = fnv(fnv(h, n->nodes[i]->id), n->nodes[i]->component);
    for (size_t i = 0; i < n->nedges; i++)
        h = fnv(h, n->edges[i]->label ? n->edges[i]->label : "?");
    return h;
}

/* ---------------------------------------------------------------- making and freeing */

static void free_builder(builder *b)
{
    for (size_t i = 0; i < b->nexports; i++) {
        for (size_t k = 0; k < b->exports[i]->nin; k++)
            free(b->exports[i]->in[k].port);
        for (size_t k = 0; k < b->exports[i]->nout; k++)
            free(b->exports[i]->out[k].port);
        free(b->exports[i]->in);
        free(b->exports[i]->out);
        free(b->exports[i]);
    }
    free(b->exports);
    for (size_t i = 0; i < b->nsubgraphs; i++)
        runnel_graph_free(b->subgraphs[i]);
    free(b->subgraphs);
    for (size_t i = 0; i < b->nsubgraph_keys; i++)
        free(b->subgraph_keys[i]);
    free(b->subgraph_keys);
    free(b->orig);
    for (size_t i = 0; i < b->depth; i++)
        free(b->stack[i]);
}

void rn_node_free_component(rn_node *node)
{
    if (node->native && node->native->destroy && node->native_data)
        node->native->destroy(node->native_data);
    node->native_data = NULL;
    runnel_actor_free(node->actor);
    runnel_actor_free(node->pending_actor);
    node->actor = node->pending_actor = NULL;
}

/* The network keeps its own copy of the compile options (components are compiled again on a hot
   reload, long after runnel_network_new returned). */
static bool copy_compile_options(runnel_network *n)
{
    if (!n->opts.compile)
        return true;
    if (!rn_options_read(&n->compile, sizeof n->compile, n->opts.compile,
                         RN_OPTIONS_V1(runnel_compile_options, progress_user)))
        return false;
    n->opts.compile = &n->compile;
    const char **field[3] = {&n->compile.cc, &n->compile.cflags, &n->compile.cache_dir};
    for (size_t i = 0; i < 3; i++) {
        if (*field[i] && !(n->compile_text[i] = strdup(*field[i])))
            return false;
        *field[i] = n->compile_text[i];
    }
    return true;
}

static void free_compile_options(runnel_network *n)
{
    for (size_t i = 0; i < 3; i++)
        free(n->compile_text[i]);
}

static void free_parts(runnel_network *n)
{
    free_compile_options(n);
    for (size_t i = 0; i < n->nnodes; i++) {
        rn_node *node = n->nodes[i];
        rn_node_free_component(node);
        free(node->id);
        free(node->component);
        free(node->file);
        free(node->outs);
        json_decref(node->node_config);
        json_decref(node->state);
        free(node);
    }
    free(n->nodes);
    for (size_t i = 0; i < n->nedges; i++) {
        rn_edge *e = n->edges[i];
        free(e->src_port);
        free(e->tgt_port);
        free(e->label);
        free(e->outport);
        free(e->inport);
        runnel_msg_clear(&e->iip);
        free(e);
    }
    free(n->edges);
    free(n->inport_edges);
    for (size_t i = 0; i < n->nwasms; i++) {
        runnel_actor_free(n->wasms[i]->proto);
        free(n->wasms[i]->path);
        free(n->wasms[i]);
    }
    free(n->wasms);
    runnel_graph_free(n->graph);
    if (n->trace)
        fclose(n->trace);
    rn_store_close(n->store);
    free(n->fail_reason);
    free(n->threads);
    pthread_mutex_destroy(&n->mu);
    pthread_mutex_destroy(&n->print_mu);
    pthread_cond_destroy(&n->work_cv);
    pthread_cond_destroy(&n->space_cv);
    pthread_cond_destroy(&n->done_cv);
    pthread_cond_destroy(&n->watch_cv);
    free(n);
}

/* Each node's out-edges, and whether its error port is taken. */
static bool link_edges(runnel_network *n)
{
    for (size_t i = 0; i < n->nedges; i++) {
        rn_edge *e = n->edges[i];
        if (e->inport && !push_ptr((void ***)&n->inport_edges, &n->ninport_edges, e))
            return false;
        if (!e->src)
            continue;
        rn_node *s = e->src;
        if (!push_ptr((void ***)&s->outs, &s->nouts, e))
            return false;
        if (strcmp(e->src_port, RUNNEL_ACTOR_ERROR_PORT) == 0)
            s->error_connected = true;
    }
    return true;
}

/* Findings in the order of the files and lines they are about (a stable insertion sort: the checks
   find them grouped by kind, a reader fixes them from the top). Only the ones added from `from` on. */
static void sort_diags(runnel_diags *d, size_t from)
{
    for (size_t i = from + 1; i < d->count; i++) {
        runnel_diag x = d->items[i];
        size_t j = i;
        while (j > from) {
            const runnel_diag *y = &d->items[j - 1];
            int by_file = strcmp(y->file ? y->file : "", x.file ? x.file : "");
            if (by_file < 0 || (by_file == 0 && y->line <= x.line))
                break;
            d->items[j] = d->items[j - 1];
            j--;
        }
        d->items[j] = x;
    }
}

runnel_network *runnel_network_new(const runnel_graph *g, runnel_components *c, const runnel_network_options *o,
                                   runnel_diags *diags)
{
    runnel_diags local = {0};
    if (!diags)
        diags = &local;
    runnel_network *n = calloc(1, sizeof *n);
    if (!n) {
        rn_diag_add(diags, RUNNEL_DIAG_ERROR, NULL, 0, NULL, NULL, "out of memory");
        runnel_diags_clear(&local);
        return NULL;
    }
    if (!rn_options_read(&n->opts, sizeof n->opts, o, RN_OPTIONS_V1(runnel_network_options, log))) {
        rn_diag_add(diags, RUNNEL_DIAG_ERROR, NULL, 0, NULL, NULL,
                    "runnel_network_options: a size this library cannot read (%zu)", o->size);
        free(n);
        runnel_diags_clear(&local);
        return NULL;
    }
    if (!copy_compile_options(n)) {
        rn_diag_add(diags, RUNNEL_DIAG_ERROR, NULL, 0, NULL, NULL,
                    "runnel_network_options: compile: a size this library cannot read, or out of memory");
        free_compile_options(n);
        free(n);
        runnel_diags_clear(&local);
        return NULL;
    }
    n->components = c;
    n->queue_cap = n->opts.queue ? n->opts.queue : RUNNEL_NETWORK_DEFAULT_QUEUE;
    n->log = n->opts.log ? n->opts.log : stderr;
    pthread_mutex_init(&n->mu, NULL);
    pthread_mutex_init(&n->print_mu, NULL);
    pthread_cond_init(&n->work_cv, NULL);
    pthread_cond_init(&n->space_cv, NULL);
    pthread_cond_init(&n->done_cv, NULL);
    pthread_cond_init(&n->watch_cv, NULL);
    n->graph = runnel_graph_copy(g);
    builder b = {.net = n, .diags = diags};
    size_t errors_before = diags->errors, errors_before_count = diags->count;
    if (!n->graph)
        rn_diag_add(diags, RUNNEL_DIAG_ERROR, NULL, 0, NULL, NULL, "out of memory");
    else if (runnel_graph_path(n->graph))
        b.stack[b.depth++] = realpath(runnel_graph_path(n->graph), NULL);
    if (n->graph && flatten(&b, n->graph, "", NULL)) {
        bool cs = runnel_graph_case_sensitive(n->graph);
        for (size_t i = 0; i < n->nedges && i < b.norig; i++)
            check_edge(&b, n->edges[i], &b.orig[i], cs);
        check_required(&b);
        report_cycles(&b);
        if (!link_edges(n))
            rn_diag_add(diags, RUNNEL_DIAG_ERROR, NULL, 0, NULL, NULL, "out of memory");
    }
    if (n->nedges != b.norig)
        rn_diag_add(diags, RUNNEL_DIAG_ERROR, NULL, 0, NULL, NULL, "out of memory");
    free_builder(&b);
    sort_diags(diags, errors_before_count);
    n->fingerprint = fingerprint(n);
    if (diags->errors == errors_before && n->opts.trace_path && !(n->trace = fopen(n->opts.trace_path, "w")))
        rn_diag_add(diags, RUNNEL_DIAG_ERROR, n->opts.trace_path, 0, NULL, NULL, "cannot open the trace file: %s",
                    strerror(errno));
    if (diags->errors == errors_before && n->opts.state_path) {
        runnel_report r = {0};
        if (!(n->store = rn_store_open(n->opts.state_path, n->fingerprint, &r)))
            rn_diag_add(diags, RUNNEL_DIAG_ERROR, n->opts.state_path, 0, NULL, NULL, "%s",
                        r.message ? r.message : "cannot open the state file");
        runnel_report_clear(&r);
    }
    if (diags->errors != errors_before) {
        free_parts(n);
        n = NULL;
    }
    runnel_diags_clear(&local);
    return n;
}

runnel_status runnel_graph_check(const runnel_graph *g, runnel_components *c, runnel_diags *diags)
{
    runnel_diags local = {0};
    runnel_network *n = runnel_network_new(g, c, NULL, diags ? diags : &local);
    runnel_diags_clear(&local);
    if (!n)
        return RUNNEL_BADARG;
    rn_sched_free_run(n);
    free_parts(n);
    return RUNNEL_OK;
}

void runnel_network_free(runnel_network *n)
{
    if (!n)
        return;
    rn_sched_free_run(n);
    free_parts(n);
}

/* ---------------------------------------------------------------- hot reload */

/* Does the new plugin still have every port the graph uses on these nodes? NULL when it does, else
   why not (malloc'ed). */
static char *ports_missing(runnel_network *n, const rn_wasm *w, const runnel_actor *fresh)
{
    const runnel_actor_metadata *m = runnel_actor_get_metadata(fresh);
    if (!m)
        return NULL; /* no metadata: nothing to check against (as when the graph was built) */
    for (size_t i = 0; i < n->nedges; i++) {
        const rn_edge *e = n->edges[i];
        if (e->tgt && e->tgt->wasm == w && !runnel_actor_metadata_inport(m, e->tgt_port))
            return rn_format("it has no in-port %s (used by node %s)", e->tgt_port, e->tgt->id);
        if (e->src && e->src->wasm == w && strcmp(e->src_port, RUNNEL_ACTOR_ERROR_PORT) != 0 &&
            !runnel_actor_metadata_outport(m, e->src_port))
            return rn_format("it has no out-port %s (used by node %s)", e->src_port, e->src->id);
    }
    return NULL;
}

static void reload(runnel_network *n, rn_wasm *w)
{
    runnel_report r = {0};
    runnel_actor_options po = {.size = sizeof(runnel_actor_options), .skip_config_check = true, .keep_warm = true,
                               .stack_bytes = n->opts.stack_bytes, .max_call_depth = n->opts.max_call_depth,
                               .compiled = n->opts.compiled, .compile = n->opts.compile};
    runnel_actor *proto = runnel_actor_load(w->path, &po, &r);
    char *why = proto ? ports_missing(n, w, proto) : NULL;
    size_t count = 0;
    runnel_actor **fresh = calloc(n->nnodes + 1, sizeof *fresh);
    for (size_t i = 0; proto && !why && fresh && i < n->nnodes; i++) {
        rn_node *node = n->nodes[i];
        if (node->wasm != w)
            continue;
        if (!(fresh[i] = runnel_actor_spawn(proto, &node->actor_opts, &r)))
            why = rn_format("node %s: %s", node->id, r.message ? r.message : "cannot make the actor");
        count++;
    }
    char *path = rn_graph_escape(w->path);
    if (!proto || why || !fresh) {
        char *text = rn_graph_escape(why ? why : r.message ? r.message : "out of memory");
        fprintf(n->log, "runnel: reload of %s refused, the old version keeps running: %s\n", path ? path : "?",
                text ? text : "?");
        free(text);
        for (size_t i = 0; fresh && i < n->nnodes; i++)
            runnel_actor_free(fresh[i]);
        runnel_actor_free(proto);
    } else {
        pthread_mutex_lock(&n->mu);
        for (size_t i = 0; i < n->nnodes; i++)
            if (fresh[i]) {
                runnel_actor_free(n->nodes[i]->pending_actor);
                n->nodes[i]->pending_actor = fresh[i];
            }
        pthread_mutex_unlock(&n->mu);
        runnel_actor_free(w->proto);
        w->proto = proto;
        fprintf(n->log, "runnel: reloaded %s (%zu node%s)\n", path ? path : "?", count, count == 1 ? "" : "s");
    }
    fflush(n->log);
    free(path);
    free(why);
    free(fresh);
    runnel_report_clear(&r);
}

static bool same_file_state(const struct stat *a, const struct stat *b)
{
    return a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_size == b->st_size && a->st_ino == b->st_ino;
}

/* Called by the watcher thread every few hundred milliseconds: a file that changed and then stayed the
   same for one more poll (so that a copy in progress is not read half-written) is reloaded. */
void rn_network_poll_reloads(runnel_network *n)
{
    for (size_t i = 0; i < n->nwasms; i++) {
        rn_wasm *w = n->wasms[i];
        struct stat st;
        if (stat(w->path, &st) != 0)
            continue; /* removed (perhaps being replaced): wait for it */
        if (same_file_state(&st, &w->seen)) {
            if (w->changing) {
                w->changing = false;
                reload(n, w);
            }
            continue;
        }
        w->seen = st;
        w->changing = true;
    }
}
