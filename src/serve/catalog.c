/*
 * catalog.c - the component sub-protocol's list (fbp-protocol 0.9.8, spec/protocol.js.md, "Component
 * protocol": one `component` message per component, then `componentsready`).
 *
 * The components a graph can name are the built-in and registered native ones
 * (runnel_components_native_count/at: core/Repeat, core/Drop, core/Output, ...) and each NAME.wasm in
 * the --components directories, whose ports come from its get_metadata (runnel_actor_load +
 * runnel_actor_get_metadata), the same metadata validation checks graphs against. The list is built
 * once, on the first request, and kept: compiling every plugin for each request would make a listing
 * cost seconds. Port types are given in the protocol's vocabulary (all, bang, int, number, string,
 * boolean, object, array), and every component has the out-port `error`, as every node has in runnel.
 */
#include "serve_impl.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static const char *protocol_type(const char *t)
{
    static const char *const map[][2] = {{"Flow", "bang"},      {"Event", "object"}, {"Boolean", "boolean"},
                                         {"Integer", "int"},    {"Float", "number"}, {"String", "string"},
                                         {"Object", "object"},  {"Array", "array"},  {"Stream", "buffer"},
                                         {"Error", "object"}};
    for (size_t i = 0; t && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], t) == 0)
            return map[i][1];
    return "all";
}

static json_t *ports(const runnel_port_def *p, size_t n, bool add_error)
{
    json_t *a = json_array();
    bool has_error = false;
    for (size_t i = 0; a && i < n; i++) {
        json_t *o = json_pack("{s:o, s:s, s:b, s:b}", "id", rn_serve_str(p[i].name), "type",
                              protocol_type(p[i].port_type), "required", p[i].required, "addressable", 0);
        if (o && p[i].description && *p[i].description)
            json_object_set_new(o, "description", rn_serve_str(p[i].description));
        json_array_append_new(a, o);
        has_error |= strcmp(p[i].name, RUNNEL_ACTOR_ERROR_PORT) == 0;
    }
    if (a && add_error && !has_error)
        json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:b, s:s}", "id", RUNNEL_ACTOR_ERROR_PORT, "type", "object",
                                           "required", 0, "addressable", 0, "description",
                                           "failed calls, as Error messages"));
    return a;
}

static json_t *component(const char *name, const char *description, const runnel_port_def *in, size_t nin,
                         const runnel_port_def *out, size_t nout)
{
    json_t *c = json_pack("{s:o, s:b, s:o, s:o}", "name", rn_serve_str(name), "subgraph", 0, "inPorts",
                          ports(in, nin, false), "outPorts", ports(out, nout, true));
    if (c && description && *description)
        json_object_set_new(c, "description", rn_serve_str(description));
    return c;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The plugins of one directory, in name order (so that a listing is the same every time). */
static void add_dir(json_t *list, const char *dir, FILE *log)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 10000) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".wasm") != 0)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nn = realloc(names, ncap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
            cap = ncap;
        }
        if ((names[n] = strdup(e->d_name)))
            n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        size_t plen = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(plen);
        if (path) {
            snprintf(path, plen, "%s/%s", dir, names[i]);
            runnel_actor_options o = {.size = sizeof(runnel_actor_options), .skip_config_check = true};
            runnel_report r = {0};
            runnel_actor *a = runnel_actor_load(path, &o, &r);
            names[i][strlen(names[i]) - 5] = '\0';
            const runnel_actor_metadata *m = a ? runnel_actor_get_metadata(a) : NULL;
            if (m)
                json_array_append_new(list, component(names[i], m->description, m->inports, m->ninports,
                                                      m->outports, m->noutports));
            else {
                char *esc = runnel_text_escape(path), *why = runnel_text_escape(r.message ? r.message : "");
                fprintf(log ? log : stderr, "runnel serve: %s: no metadata, not listed%s%s\n", esc ? esc : "?",
                        why && *why ? ": " : "", why ? why : "");
                free(esc);
                free(why);
            }
            runnel_actor_free(a);
            runnel_report_clear(&r);
            free(path);
        }
        free(names[i]);
    }
    free(names);
}

const json_t *rn_catalog_list(rn_serve *s)
{
    if (s->catalog)
        return s->catalog;
    json_t *list = json_array();
    if (!list)
        return NULL;
    size_t n = runnel_components_native_count(s->components);
    for (size_t i = 0; i < n; i++) {
        const runnel_component_def *d = runnel_components_native_at(s->components, i);
        json_array_append_new(list, component(d->name, d->description, d->inports, d->ninports, d->outports,
                                              d->noutports));
    }
    for (size_t i = 0; i < s->cfg.ncomponent_dirs; i++)
        add_dir(list, s->cfg.component_dirs[i], s->cfg.log);
    s->catalog = list;
    return list;
}
