/*
 * components.c - where a node's component comes from: the registry of native components (the built-ins
 * and what an embedder registers) and the component directories.
 *
 * A graph names components by string. NoFlo's graphs use "collection/Name" (core/Repeat), Reflow's a
 * bare name (ApiFetcherActor) that its host maps to an actor; runnel looks a name up, in this order
 * (docs/graphs.md, "Components"): a native component of that exact name; a path ending in .wasm
 * (relative to the graph file); NAME.wasm in each --components directory and then beside the graph; a
 * graph file (NAME.json, NAME.fbp, or a path ending in one of those) used as a subgraph. The lookup
 * itself is in network.c; this file keeps the registry.
 *
 * The built-ins are what the FBP Network Protocol's test suite and most example graphs expect a
 * runtime to have (fbp-test, docs/serve.md: Repeat, Drop and Output in the collection "core"), plus Kick,
 * which turns a trigger into a configured packet. They are written against the same public
 * runnel_component_def an embedder uses, so the native path is exercised by every graph that uses them.
 */
#include "graph_impl.h"
#include "sched.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct rn_native {
    runnel_component_def def; /* strings and port arrays owned */
} rn_native;

struct runnel_components {
    rn_native *natives;
    size_t nnatives, cap;
    char **dirs;
    size_t ndirs;
};

/* ---------------------------------------------------------------- the built-ins */

static runnel_status repeat_process(void *node, const char *port, const runnel_msg *msg, json_t *state,
                                    runnel_component_ctx *ctx, runnel_report *r)
{
    (void)node, (void)port, (void)state, (void)r;
    return runnel_component_emit(ctx, "out", msg);
}

static runnel_status drop_process(void *node, const char *port, const runnel_msg *msg, json_t *state,
                                  runnel_component_ctx *ctx, runnel_report *r)
{
    (void)node, (void)port, (void)msg, (void)state, (void)ctx, (void)r;
    return RUNNEL_OK;
}

static runnel_status output_process(void *node, const char *port, const runnel_msg *msg, json_t *state,
                                    runnel_component_ctx *ctx, runnel_report *r)
{
    (void)node, (void)port, (void)state, (void)r;
    rn_ctx_print(ctx, msg);
    return runnel_component_emit(ctx, "out", msg);
}

/* Kick: a message on `data` is kept (in the state, so it survives restarts); each message on `in`
   sends the kept packet on `out`, or a Flow when none was given. */
static runnel_status kick_process(void *node, const char *port, const runnel_msg *msg, json_t *state,
                                  runnel_component_ctx *ctx, runnel_report *r)
{
    (void)node;
    if (strcasecmp(port, "data") == 0) {
        json_t *tagged = runnel_msg_to_json(msg);
        if (!tagged || json_object_set_new(state, "data", tagged) != 0)
            return rn_graph_fail(r, RUNNEL_BADARG, "Kick: the data packet cannot be kept (not UTF-8?)");
        return RUNNEL_OK;
    }
    const json_t *kept = json_object_get(state, "data");
    runnel_msg out = runnel_msg_flow();
    if (kept && runnel_msg_from_json(&out, kept, r) != RUNNEL_OK)
        return r ? r->status : RUNNEL_BADARG;
    runnel_status st = runnel_component_emit(ctx, "out", &out);
    runnel_msg_clear(&out);
    return st;
}

static const runnel_port_def in_any[] = {{"in", "Packets to handle", "Any", false}};
static const runnel_port_def out_any[] = {{"out", "Packets sent on", "Any", false}};
static const runnel_port_def kick_in[] = {{"in", "Each packet here sends the kept packet", "Any", false},
                                          {"data", "The packet to send (default: a Flow)", "Any", false}};

static const runnel_component_def builtins[] = {
    {.name = "core/Repeat", .description = "Sends every packet on unchanged", .inports = in_any, .ninports = 1,
     .outports = out_any, .noutports = 1, .process = repeat_process},
    {.name = "core/Drop", .description = "Drops every packet", .inports = in_any, .ninports = 1,
     .process = drop_process},
    {.name = "core/Output", .description = "Prints every packet to standard output and sends it on",
     .inports = in_any, .ninports = 1, .outports = out_any, .noutports = 1, .process = output_process},
    {.name = "core/Kick", .description = "Sends the packet given on data (default: a Flow) for each packet on in",
     .inports = kick_in, .ninports = 2, .outports = out_any, .noutports = 1, .process = kick_process},
};

/* ---------------------------------------------------------------- the registry */

static void free_ports(const runnel_port_def *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++) {
        free((char *)p[i].name);
        free((char *)p[i].description);
        free((char *)p[i].port_type);
    }
    free((void *)p);
}

static void free_native(rn_native *x)
{
    if (x->def.free_user)
        x->def.free_user(x->def.user);
    free((char *)x->def.name);
    free((char *)x->def.description);
    free_ports(x->def.inports, x->def.ninports);
    free_ports(x->def.outports, x->def.noutports);
}

static runnel_port_def *copy_ports(const runnel_port_def *p, size_t n, bool *ok)
{
    if (!n)
        return NULL;
    runnel_port_def *c = calloc(n, sizeof *c);
    if (!c) {
        *ok = false;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        c[i].name = p[i].name ? strdup(p[i].name) : NULL;
        c[i].description = strdup(p[i].description ? p[i].description : "");
        c[i].port_type = strdup(p[i].port_type ? p[i].port_type : "Any");
        c[i].required = p[i].required;
        if (!c[i].name || !c[i].description || !c[i].port_type)
            *ok = false;
    }
    return c;
}

runnel_status runnel_components_register(runnel_components *c, const runnel_component_def *def, runnel_report *r)
{
    if (!def->name || !*def->name || !def->process)
        return rn_graph_fail(r, RUNNEL_BADARG, "a native component needs a name and a process function");
    for (size_t i = 0; i < def->ninports + def->noutports; i++) {
        const runnel_port_def *p = i < def->ninports ? &def->inports[i] : &def->outports[i - def->ninports];
        if (!p->name || !*p->name)
            return rn_graph_fail(r, RUNNEL_BADARG, "component %s: a port without a name", def->name);
        if (p->port_type && !runnel_msg_type_from_name(p->port_type, NULL))
            return rn_graph_fail(r, RUNNEL_BADARG, "component %s: port %s has type %s, which is not a message type",
                                 def->name, p->name, p->port_type);
    }
    if (rn_components_find_native(c, def->name))
        return rn_graph_fail(r, RUNNEL_BADARG, "a component named %s is already registered", def->name);
    if (c->nnatives == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 8;
        rn_native *n = realloc(c->natives, ncap * sizeof *n);
        if (!n)
            return rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
        c->natives = n;
        c->cap = ncap;
    }
    rn_native x = {.def = *def};
    bool ok = true;
    x.def.name = strdup(def->name);
    x.def.description = strdup(def->description ? def->description : "");
    x.def.inports = copy_ports(def->inports, def->ninports, &ok);
    x.def.outports = copy_ports(def->outports, def->noutports, &ok);
    if (!ok || !x.def.name || !x.def.description) {
        x.def.free_user = NULL; /* the caller keeps user when registration fails */
        free_native(&x);
        return rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
    }
    c->natives[c->nnatives++] = x;
    return RUNNEL_OK;
}

runnel_components *runnel_components_new(void)
{
    runnel_components *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (runnel_components_register(c, &builtins[i], NULL) != RUNNEL_OK) {
            runnel_components_free(c);
            return NULL;
        }
    return c;
}

void runnel_components_free(runnel_components *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nnatives; i++)
        free_native(&c->natives[i]);
    free(c->natives);
    for (size_t i = 0; i < c->ndirs; i++)
        free(c->dirs[i]);
    free(c->dirs);
    free(c);
}

runnel_status runnel_components_add_dir(runnel_components *c, const char *dir)
{
    char **n = realloc(c->dirs, (c->ndirs + 1) * sizeof *n);
    if (!n)
        return RUNNEL_NOMEM;
    c->dirs = n;
    if (!(c->dirs[c->ndirs] = strdup(dir)))
        return RUNNEL_NOMEM;
    c->ndirs++;
    return RUNNEL_OK;
}

size_t runnel_components_native_count(const runnel_components *c) { return c->nnatives; }

const runnel_component_def *runnel_components_native_at(const runnel_components *c, size_t i)
{
    return i < c->nnatives ? &c->natives[i].def : NULL;
}

const runnel_component_def *rn_components_find_native(const runnel_components *c, const char *name)
{
    for (size_t i = 0; i < c->nnatives; i++)
        if (strcmp(c->natives[i].def.name, name) == 0)
            return &c->natives[i].def;
    return NULL;
}

size_t rn_components_dir_count(const runnel_components *c) { return c->ndirs; }
const char *rn_components_dir_at(const runnel_components *c, size_t i) { return c->dirs[i]; }
