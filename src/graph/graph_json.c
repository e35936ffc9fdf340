/*
 * graph_json.c - Reflow's graph JSON and NoFlo's (fbp-graph) graph JSON, read into the model of graph.c
 * and written back from it.
 *
 * Why it is shaped as it is:
 *
 * - One reader for both formats. The two differ in the spelling of the same things (docs/graphs.md,
 *   "Formats"): Reflow's GraphExport (crates/reflow_graph/src/types.rs) spells
 *   an edge end {nodeId, portId, portName, index, expose, portType} and a connection {from, to, data,
 *   metadata}; NoFlo's (npm fbp 1.8.0, schema/graph.json; fbp-graph 0.7.0) spells it {process, port,
 *   index} and {src, tgt, data, metadata}. So the walk over processes, connections, exported ports and
 *   groups is shared, and only the reading of one end, one connection and one group differs. The model
 *   is filled with the public builder calls (runnel_graph_add_node, ...), so it is checked exactly as a
 *   graph built in C is, and the writers read it back through the same struct fields.
 *
 * - Which field names a port. Reflow's own Graph::load (crates/reflow_graph/src/lib.rs) looks up
 *   connection ends by portId (its add_connection fills portId and leaves portName empty), but exported
 *   ports by portName (its add_inport puts the graph's public name in portId and the inner port in
 *   portName). The reader does the same: portId first for connections, portName first for exports,
 *   each falling back on the other when it is empty. The real files (shared/reflow-graphs) have both
 *   equal, and the writer writes both equal.
 *
 * - IIPs. Reflow writes an IIP as a connection whose `from` is GraphEdge::default() (empty strings,
 *   expose false, portType any) and whose `data` is set; serde reads "data": null as no data, so null
 *   is no data here too, and the writer refuses a null IIP in Reflow's format. NoFlo's reader
 *   (fbp-graph) takes any `data` that is present, null included.
 *
 * - Port types. The model keeps one string per end; Reflow's PortType is {"type": T} plus a `value`
 *   for object (a name), array and option (a nested port type). So a type is kept as T, or T<V> for
 *   those three (array<integer>, object<Point>, option<array<string>>), which turns back into the same
 *   JSON: a Reflow -> Reflow round trip keeps every type. A missing type is written as {"type":"any"},
 *   Reflow's default. NoFlo has no port types.
 *
 * - Reflow's workspace keys (graph_dependencies, external_connections, provided_interfaces,
 *   required_interfaces, and any other unknown top-level key) have no slot in the model. They are kept
 *   in the graph's properties under the one reserved key "reflow_extra" (an object), and the Reflow
 *   writer lifts them back to the top level. Properties are the model's only free-form graph-level JSON,
 *   are copied by runnel_graph_copy and written by both formats, so the keys survive Reflow -> Reflow
 *   and also Reflow -> NoFlo -> Reflow (NoFlo's schema allows any property).
 *
 * - Lines. jansson does not say where a value is, so a small scanner walks the text (valid, since
 *   jansson parsed it, but never trusted past len) and records the line of each key of processes,
 *   inports and outports and of each element of connections and groups. jansson keeps an object's keys
 *   in document order (2.8 and later), so the i-th key met is the i-th key the scanner saw.
 *
 * - Numbers stay exact: no JSON_DECODE_INT_AS_REAL (21 stays an integer, as Reflow types it), and a
 *   key given twice in one object is an error (JSON_REJECT_DUPLICATES), not a silent last-one-wins.
 */
#include "graph_impl.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if JANSSON_VERSION_HEX < 0x020a00
#error "graph_json.c needs jansson 2.10 (object keys in document order, json_dumpb)"
#endif

/* Where the unknown top-level keys of a Reflow file are kept (see the comment above). */
#define REFLOW_EXTRA "reflow_extra"
/* Nesting of Reflow port types (option<array<...>>) that is accepted. */
#define MAX_PORT_TYPE_DEPTH 16

/* ================================================================ where things are: the line scanner */

/* The top-level keys of both formats (Reflow's GraphExport has the same seven). */
typedef enum section {
    SEC_PROCESSES, SEC_CONNECTIONS, SEC_INPORTS, SEC_OUTPORTS, SEC_GROUPS, SEC_PROPERTIES, SEC_CASE, SEC_COUNT
} section;

static const char *const section_key[SEC_COUNT] = {"processes", "connections", "inports", "outports",
                                                   "groups", "properties", "caseSensitive"};

typedef struct line_list {
    unsigned *at;
    size_t n, cap;
    bool lost; /* out of memory once: nothing more is recorded, so that at[i] stays the i-th member's */
} line_list;

typedef struct json_lines {
    unsigned key_line[SEC_COUNT]; /* the line of each top-level key; 0 when absent */
    line_list members[SEC_COUNT]; /* the line of each member of the section's object or array */
} json_lines;

static bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }

/* The index of the closing quote of the string whose opening quote is at s[i] (len if it has none). */
static size_t string_end(const char *s, size_t len, size_t i)
{
    for (i++; i < len && s[i] != '"'; i++)
        if (s[i] == '\\')
            i++;
    return i < len ? i : len;
}

/* The section a top-level key names, as written between its quotes (one spelt with escapes names none). */
static int section_of_span(const char *key, size_t n)
{
    for (int s = 0; s < SEC_COUNT; s++)
        if (strlen(section_key[s]) == n && memcmp(key, section_key[s], n) == 0)
            return s;
    return -1;
}

static int section_of(const char *key) { return section_of_span(key, strlen(key)); }

static void record(line_list *l, unsigned line)
{
    if (l->lost)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        unsigned *at = realloc(l->at, cap * sizeof *at);
        l->lost = !at;
        if (!at)
            return; /* later members get the line of their section's key */
        l->at = at;
        l->cap = cap;
    }
    l->at[l->n++] = line;
}

/* One pass over the text, which jansson has parsed (so it is one object): depth 1 is the top-level
   object, where keys name sections; depth 2 is inside a section's object or array, where a member
   begins at the first token after its '{' or '[' or after a ','. */
static void scan_lines(const char *s, size_t len, json_lines *l)
{
    unsigned line = 1;
    int depth = 0, sec = -1;
    bool key_next = false, member_next = false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        line += ch == '\n';
        if (is_space(ch))
            continue;
        if (member_next && sec >= 0 && ch != '}' && ch != ']')
            record(&l->members[sec], line);
        member_next = false;
        if (ch == '"') {
            size_t end = string_end(s, len, i);
            if (depth == 1 && key_next) {
                sec = section_of_span(s + i + 1, end - i - 1);
                if (sec >= 0)
                    l->key_line[sec] = line;
            }
            key_next = false;
            i = end;
        } else if (ch == '{' || ch == '[' || ch == ',') {
            depth += ch != ',';
            key_next = depth == 1;
            member_next = depth == 2;
        } else if (ch == '}' || ch == ']') {
            depth--;
        }
    }
}

static void free_lines(json_lines *l)
{
    for (int s = 0; s < SEC_COUNT; s++)
        free(l->members[s].at);
}

static unsigned member_line(const json_lines *l, section s, size_t i)
{
    return i < l->members[s].n ? l->members[s].at[i] : l->key_line[s];
}

/* ================================================================ reading: errors */

typedef struct reader {
    const char *file;
    runnel_graph_format fmt;
    json_lines lines;
    runnel_graph *g;
    runnel_report *r;
} reader;

/* "FILE:LINE: what" (or "FILE: what" when the line is unknown) in the report; always false. `what` is
   malloc'ed (rn_format) and freed here. */
#define FAIL_AT(rd, st, line, ...) fail_with(rd, st, line, rn_format(__VA_ARGS__))
static bool fail_with(reader *rd, runnel_status st, unsigned line, char *what)
{
    if (line)
        rn_graph_fail(rd->r, st, "%s:%u: %s", rd->file, line, what ? what : "out of memory");
    else
        rn_graph_fail(rd->r, st, "%s: %s", rd->file, what ? what : "out of memory");
    free(what);
    return false;
}

/* A builder call's outcome: its message (in local) placed at the line and named after `what`. */
static bool added(reader *rd, runnel_status st, runnel_report *local, unsigned line, const char *what)
{
    if (st != RUNNEL_OK)
        FAIL_AT(rd, st, line, "%s: %s", what, local->message ? local->message : "out of memory");
    runnel_report_clear(local);
    return st == RUNNEL_OK;
}

static const char *kind_of(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: break;
    }
    return "null";
}

/* A string value usable as a name: NULL for anything else, and for a string holding a NUL (JSON can
   carry one, "\u0000"; a C name cannot, and cutting it short would make it another name). Data values
   (IIPs, metadata) may hold NULs: they stay JSON. */
static const char *name_string(const json_t *v)
{
    const char *s = json_string_value(v);
    return s && strlen(s) == json_string_length(v) ? s : NULL;
}

/* obj[key] when it is a string (*out) or absent or null (*out NULL); false for any other value. */
static bool opt_string(const json_t *obj, const char *key, const char **out)
{
    const json_t *v = json_object_get(obj, key);
    *out = name_string(v);
    return !v || json_is_null(v) || *out;
}

/* obj[key] when it is an object (*out) or absent or null (*out NULL); false for any other value. */
static bool opt_object(const json_t *obj, const char *key, const json_t **out)
{
    const json_t *v = json_object_get(obj, key);
    *out = json_is_object(v) ? v : NULL;
    return !v || json_is_null(v) || json_is_object(v);
}

/* ================================================================ port types */

/* Reflow's {"type": T[, "value": V]} as T or T<V> (see the design comment); NULL if it is not one. */
static char *port_type_text(const json_t *pt, int depth)
{
    const char *t = name_string(json_object_get(pt, "type"));
    if (!json_is_object(pt) || !t || !*t || strpbrk(t, "<>") || depth > MAX_PORT_TYPE_DEPTH)
        return NULL;
    const json_t *v = json_object_get(pt, "value");
    if (!v || json_is_null(v))
        return strdup(t);
    char *inner = NULL;
    if (!strcmp(t, "object") && name_string(v))
        inner = strdup(name_string(v));
    else if ((!strcmp(t, "array") || !strcmp(t, "option")) && json_is_object(v))
        inner = port_type_text(v, depth + 1);
    char *text = inner ? rn_format("%s<%s>", t, inner) : NULL;
    free(inner);
    return text;
}

/* The JSON of a port type kept as text: the inverse of port_type_text (NULL text: "any"). */
static json_t *port_type_json(const char *text, int depth)
{
    if (!text)
        text = "any";
    const char *open = strchr(text, '<');
    size_t len = strlen(text);
    if (!open || text[len - 1] != '>' || open == text || depth > MAX_PORT_TYPE_DEPTH)
        return json_pack("{s:s}", "type", text);
    char *type = strndup(text, (size_t)(open - text));
    char *inner = strndup(open + 1, len - (size_t)(open - text) - 2);
    json_t *value = !type || !inner           ? NULL
                    : !strcmp(type, "object") ? json_string(inner)
                                              : port_type_json(inner, depth + 1);
    json_t *pt = value ? json_pack("{s:s, s:o}", "type", type, "value", value) : NULL;
    free(type);
    free(inner);
    return pt;
}

/* The portType of an edge end or exported port: *out malloc'ed text, or NULL when there is none. */
static bool read_port_type(reader *rd, unsigned line, const char *where, const json_t *end, char **out)
{
    const json_t *pt = json_object_get(end, "portType");
    *out = NULL;
    if (!pt || json_is_null(pt))
        return true;
    *out = port_type_text(pt, 0);
    if (*out)
        return true;
    return FAIL_AT(rd, RUNNEL_BADARG, line,
                   "%s: \"portType\" is not a Reflow port type ({\"type\": T}, with a \"value\" for object, array "
                   "and option)",
                   where);
}

/* ================================================================ reading: the parts */

/* An optional array index: absent or null is -1. */
static bool read_index(reader *rd, unsigned line, const char *where, const json_t *end, int *out)
{
    const json_t *v = json_object_get(end, "index");
    *out = -1;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT_MAX)
        return FAIL_AT(rd, RUNNEL_BADARG, line, "%s: \"index\" must be a non-negative integer", where);
    *out = (int)json_integer_value(v);
    return true;
}

/* A Reflow GraphEdge: nodeId, the port (portName first for exports, portId first for connections: see
   the design comment), index and portType (*type, malloc'ed or NULL). */
static bool reflow_end(reader *rd, unsigned line, const char *where, const json_t *end, bool port_by_name,
                       runnel_graph_endpoint *out, char **type)
{
    *type = NULL;
    if (!json_is_object(end))
        return FAIL_AT(rd, RUNNEL_BADARG, line, "%s must be an object, not %s", where, kind_of(end));
    const char *id, *name;
    if (!opt_string(end, "nodeId", &out->node))
        return FAIL_AT(rd, RUNNEL_BADARG, line, "%s: \"nodeId\" must be a string", where);
    if (!opt_string(end, "portId", &id) || !opt_string(end, "portName", &name))
        return FAIL_AT(rd, RUNNEL_BADARG, line, "%s: \"portId\" and \"portName\" must be strings", where);
    const char *first = port_by_name ? name : id, *second = port_by_name ? id : name;
    out->port = first && *first ? first : second;
    return read_index(rd, line, where, end, &out->index) && read_port_type(rd, line, where, end, type);
}

/* A NoFlo end: {process, port, index?}. */
static bool noflo_end(reader *rd, unsigned line, const char *where, const json_t *end, runnel_graph_endpoint *out)
{
    if (!json_is_object(end))
        return FAIL_AT(rd, RUNNEL_BADARG, line, "%s must be an object, not %s", where, kind_of(end));
    if (!opt_string(end, "process", &out->node) || !opt_string(end, "port", &out->port))
        return FAIL_AT(rd, RUNNEL_BADARG, line, "%s: \"process\" and \"port\" must be strings", where);
    return read_index(rd, line, where, end, &out->index);
}

static bool read_process(reader *rd, const char *id, const json_t *p, unsigned line)
{
    if (!json_is_object(p))
        return FAIL_AT(rd, RUNNEL_BADARG, line, "process \"%s\" must be an object, not %s", id, kind_of(p));
    const json_t *inner_id = json_object_get(p, "id");
    if (rd->fmt == RUNNEL_GRAPH_REFLOW && inner_id &&
        !(json_is_string(inner_id) && strcmp(json_string_value(inner_id), id) == 0))
        return FAIL_AT(rd, RUNNEL_BADARG, line, "process \"%s\": its \"id\" (%s%s%s) differs from its key", id,
                       json_is_string(inner_id) ? "\"" : "",
                       json_is_string(inner_id) ? json_string_value(inner_id) : kind_of(inner_id),
                       json_is_string(inner_id) ? "\"" : "");
    const char *component;
    const json_t *metadata;
    if (!opt_string(p, "component", &component) || !component || !*component)
        return FAIL_AT(rd, RUNNEL_BADARG, line, "process \"%s\": \"component\" must be a non-empty string", id);
    if (!opt_object(p, "metadata", &metadata))
        return FAIL_AT(rd, RUNNEL_BADARG, line, "process \"%s\": \"metadata\" must be an object", id);
    runnel_graph_node n = {.id = id, .component = component, .metadata = metadata, .line = line};
    runnel_report local = {0};
    char what[64];
    snprintf(what, sizeof what, "process \"%.40s\"", id);
    return added(rd, runnel_graph_add_node(rd->g, &n, &local), &local, line, what);
}

static bool read_processes(reader *rd, const json_t *root)
{
    const json_t *procs = json_object_get(root, "processes");
    if (!procs || json_is_null(procs))
        return true;
    if (!json_is_object(procs))
        return FAIL_AT(rd, RUNNEL_BADARG, rd->lines.key_line[SEC_PROCESSES],
                       "\"processes\" must be an object (id: process), not %s", kind_of(procs));
    size_t i = 0;
    const char *id;
    const json_t *p;
    json_object_foreach((json_t *)procs, id, p)
        if (!read_process(rd, id, p, member_line(&rd->lines, SEC_PROCESSES, i++)))
            return false;
    return true;
}

/* A Reflow connection: {from, to, data?, metadata?}; data (not null) with an empty or absent `from` is
   an IIP. types[] receive the two ends' port types (malloc'ed). */
static bool reflow_connection(reader *rd, const json_t *c, const char *where, unsigned line, runnel_graph_edge *e,
                              char *types[2])
{
    const json_t *from = json_object_get(c, "from"), *to = json_object_get(c, "to"), *data = json_object_get(c, "data");
    char end[64];
    if (!to)
        return FAIL_AT(rd, RUNNEL_BADARG, line, "%s has no \"to\"", where);
    if (json_is_null(from))
        from = NULL;
    if (from && !json_is_object(from))
        return FAIL_AT(rd, RUNNEL_BADARG, line, "%s: \"from\" must be an object, not %s", where, kind_of(from));
    const char *from_node = name_string(json_object_get(from, "nodeId"));
    bool names_node = from_node && *from_node;
    e->data = json_is_null(data) ? NULL : data;
    if (e->data && names_node)
        return FAIL_AT(rd, RUNNEL_BADARG, line,
                       "%s has \"data\" (an IIP) but its \"from\" names node \"%s\": an IIP has no source", where,
                       from_node);
    if (!e->data && !names_node)
        return FAIL_AT(rd, RUNNEL_BADARG, line, "%s: \"from\" names no node and there is no \"data\"", where);
    snprintf(end, sizeof end, "%s.to", where);
    if (!reflow_end(rd, line, end, to, false, &e->tgt, &types[1]))
        return false;
    e->tgt_type = types[1];
    if (e->data)
        return true;
    snprintf(end, sizeof end, "%s.from", where);
    if (!reflow_end(rd, line, end, from, false, &e->src, &types[0]))
        return false;
    e->src_type = types[0];
    return true;
}

/* A NoFlo connection: {src, tgt, metadata?} or {data, tgt, metadata?} (data may be null). */
static bool noflo_connection(reader *rd, const json_t *c, const char *where, unsigned line, runnel_graph_edge *e)
{
    const json_t *src = json_object_get(c, "src"), *tgt = json_object_get(c, "tgt");
    char end[64];
    e->data = json_object_get(c, "data");
    if (!tgt)
        return FAIL_AT(rd, RUNNEL_BADARG, line, "%s has no \"tgt\"", where);
    if (e->data && src)
        return FAIL_AT(rd, RUNNEL_BADARG, line, "%s has both \"src\" and \"data\": an IIP has no source", where);
    if (!e->data && !src)
        return FAIL_AT(rd, RUNNEL_BADARG, line, "%s has neither \"src\" nor \"data\"", where);
    snprintf(end, sizeof end, "%s.tgt", where);
    if (!noflo_end(rd, line, end, tgt, &e->tgt))
        return false;
    snprintf(end, sizeof end, "%s.src", where);
    return e->data || noflo_end(rd, line, end, src, &e->src);
}

static bool read_connection(reader *rd, const json_t *c, size_t i)
{
    unsigned line = member_line(&rd->lines, SEC_CONNECTIONS, i);
    char where[48];
    snprintf(where, sizeof where, "connections[%zu]", i);
    if (!json_is_object(c))
        return FAIL_AT(rd, RUNNEL_BADARG, line, "%s must be an object, not %s", where, kind_of(c));
    runnel_graph_edge e = {.src = {.index = -1}, .tgt = {.index = -1}, .line = line};
    char *types[2] = {NULL, NULL};
    bool ok = rd->fmt == RUNNEL_GRAPH_REFLOW ? reflow_connection(rd, c, where, line, &e, types)
                                             : noflo_connection(rd, c, where, line, &e);
    if (ok && !opt_object(c, "metadata", &e.metadata))
        ok = FAIL_AT(rd, RUNNEL_BADARG, line, "%s: \"metadata\" must be an object", where);
    if (ok) {
        runnel_report local = {0};
        ok = added(rd, runnel_graph_add_edge(rd->g, &e, &local), &local, line, where);
    }
    free(types[0]);
    free(types[1]);
    return ok;
}

static bool read_connections(reader *rd, const json_t *root)
{
    const json_t *conns = json_object_get(root, "connections");
    if (!conns || json_is_null(conns))
        return true;
    if (!json_is_array(conns))
        return FAIL_AT(rd, RUNNEL_BADARG, rd->lines.key_line[SEC_CONNECTIONS],
                       "\"connections\" must be an array, not %s", kind_of(conns));
    for (size_t i = 0; i < json_array_size(conns); i++)
        if (!read_connection(rd, json_array_get(conns, i), i))
            return false;
    return true;
}

static bool read_export(reader *rd, bool inport, const char *name, const json_t *x, unsigned line)
{
    char where[64];
    snprintf(where, sizeof where, "%s \"%.40s\"", inport ? "inport" : "outport", name);
    runnel_graph_export e = {.name = name, .inner = {.index = -1}, .line = line};
    char *type = NULL;
    bool ok = rd->fmt == RUNNEL_GRAPH_REFLOW ? reflow_end(rd, line, where, x, true, &e.inner, &type)
                                             : noflo_end(rd, line, where, x, &e.inner);
    if (ok && !opt_object(x, "metadata", &e.metadata))
        ok = FAIL_AT(rd, RUNNEL_BADARG, line, "%s: \"metadata\" must be an object", where);
    if (ok) {
        runnel_report local = {0};
        e.port_type = type;
        runnel_status st =
            inport ? runnel_graph_add_inport(rd->g, &e, &local) : runnel_graph_add_outport(rd->g, &e, &local);
        ok = added(rd, st, &local, line, where);
    }
    free(type);
    return ok;
}

static bool read_exports(reader *rd, const json_t *root, bool inport)
{
    section s = inport ? SEC_INPORTS : SEC_OUTPORTS;
    const json_t *ports = json_object_get(root, section_key[s]);
    if (!ports || json_is_null(ports))
        return true;
    if (!json_is_object(ports))
        return FAIL_AT(rd, RUNNEL_BADARG, rd->lines.key_line[s], "\"%s\" must be an object (name: port), not %s",
                       section_key[s], kind_of(ports));
    size_t i = 0;
    const char *name;
    const json_t *x;
    json_object_foreach((json_t *)ports, name, x)
        if (!read_export(rd, inport, name, x, member_line(&rd->lines, s, i++)))
            return false;
    return true;
}

/* A group: {name, nodes, metadata?} in NoFlo, {id, nodes, metadata?} in Reflow (GraphGroup); either
   key is taken in either format, the format's own first. */
static bool read_group(reader *rd, const json_t *gr, size_t i)
{
    unsigned line = member_line(&rd->lines, SEC_GROUPS, i);
    const json_t *nodes = json_object_get(gr, "nodes");
    const char *name, *other;
    bool reflow = rd->fmt == RUNNEL_GRAPH_REFLOW;
    runnel_graph_group g = {0};
    if (!json_is_object(gr))
        return FAIL_AT(rd, RUNNEL_BADARG, line, "groups[%zu] must be an object, not %s", i, kind_of(gr));
    if (!opt_string(gr, reflow ? "id" : "name", &name) || !opt_string(gr, reflow ? "name" : "id", &other))
        return FAIL_AT(rd, RUNNEL_BADARG, line, "groups[%zu]: \"name\" and \"id\" must be strings", i);
    if (nodes && !json_is_array(nodes))
        return FAIL_AT(rd, RUNNEL_BADARG, line, "groups[%zu]: \"nodes\" must be an array", i);
    if (!opt_object(gr, "metadata", &g.metadata))
        return FAIL_AT(rd, RUNNEL_BADARG, line, "groups[%zu]: \"metadata\" must be an object", i);
    g.name = name ? name : other;
    g.nnodes = json_array_size(nodes);
    const char **list = calloc(g.nnodes + 1, sizeof *list);
    if (!list)
        return FAIL_AT(rd, RUNNEL_NOMEM, line, "out of memory");
    for (size_t k = 0; k < g.nnodes; k++)
        list[k] = name_string(json_array_get(nodes, k));
    g.nodes = list;
    bool ok = true;
    for (size_t k = 0; ok && k < g.nnodes; k++)
        if (!list[k])
            ok = FAIL_AT(rd, RUNNEL_BADARG, line, "groups[%zu]: \"nodes\" must hold node ids (strings)", i);
    if (ok) {
        runnel_report local = {0};
        char what[48];
        snprintf(what, sizeof what, "groups[%zu]", i);
        ok = added(rd, runnel_graph_add_group(rd->g, &g, &local), &local, line, what);
    }
    free(list);
    return ok;
}

static bool read_groups(reader *rd, const json_t *root)
{
    const json_t *groups = json_object_get(root, "groups");
    if (!groups || json_is_null(groups))
        return true;
    if (!json_is_array(groups))
        return FAIL_AT(rd, RUNNEL_BADARG, rd->lines.key_line[SEC_GROUPS], "\"groups\" must be an array, not %s",
                       kind_of(groups));
    for (size_t i = 0; i < json_array_size(groups); i++)
        if (!read_group(rd, json_array_get(groups, i), i))
            return false;
    return true;
}

static bool is_reflow_key(const char *key) { return section_of(key) >= 0; }

/* Reflow's unknown top-level keys, into props[REFLOW_EXTRA] (merged into an object already there). */
static bool stash_unknown_keys(const json_t *root, json_t *props)
{
    json_t *extra = json_object();
    const char *key;
    json_t *v;
    bool ok = extra != NULL;
    json_object_foreach((json_t *)root, key, v)
        if (ok && !is_reflow_key(key))
            ok = json_object_set(extra, key, v) == 0;
    json_t *kept = json_object_get(props, REFLOW_EXTRA);
    if (ok && json_object_size(extra) > 0)
        ok = json_is_object(kept) ? json_object_update(kept, extra) == 0
                                  : json_object_set(props, REFLOW_EXTRA, extra) == 0;
    json_decref(extra);
    return ok;
}

/* caseSensitive and properties (with Reflow's unknown keys kept in them). */
static bool read_header(reader *rd, const json_t *root)
{
    const json_t *cs = json_object_get(root, "caseSensitive"), *props = json_object_get(root, "properties");
    if (cs && !json_is_boolean(cs))
        return FAIL_AT(rd, RUNNEL_BADARG, rd->lines.key_line[SEC_CASE],
                       "\"caseSensitive\" must be true or false, not %s", kind_of(cs));
    if (props && !json_is_object(props))
        return FAIL_AT(rd, RUNNEL_BADARG, rd->lines.key_line[SEC_PROPERTIES],
                       "\"properties\" must be an object, not %s", kind_of(props));
    runnel_graph_set_case_sensitive(rd->g, json_is_true(cs));
    json_t *copy = props ? json_deep_copy(props) : json_object();
    if (!copy || (rd->fmt == RUNNEL_GRAPH_REFLOW && !stash_unknown_keys(root, copy))) {
        json_decref(copy);
        return FAIL_AT(rd, RUNNEL_NOMEM, 0, "out of memory");
    }
    runnel_report local = {0};
    bool ok = added(rd, runnel_graph_set_properties(rd->g, copy, &local), &local, rd->lines.key_line[SEC_PROPERTIES],
                    "properties");
    json_decref(copy);
    return ok;
}

/* ================================================================ reading: the format and the whole */

/* Reflow's or NoFlo's, by shape: the first connection, exported port or process that says. */
static runnel_graph_format detect_format(const json_t *root)
{
    const json_t *conns = json_object_get(root, "connections");
    for (size_t i = 0; i < json_array_size(conns); i++) {
        const json_t *c = json_array_get(conns, i);
        if (json_object_get(c, "from") || json_object_get(c, "to"))
            return RUNNEL_GRAPH_REFLOW;
        if (json_object_get(c, "src") || json_object_get(c, "tgt"))
            return RUNNEL_GRAPH_NOFLO;
    }
    static const char *const keyed[] = {"inports", "outports", "processes"};
    for (size_t k = 0; k < sizeof keyed / sizeof keyed[0]; k++) {
        json_t *ports = json_object_get(root, keyed[k]);
        const char *key;
        const json_t *v;
        json_object_foreach(ports, key, v) {
            if (json_object_get(v, "nodeId") || json_object_get(v, "portId") || json_object_get(v, "portName") ||
                json_object_get(v, "id"))
                return RUNNEL_GRAPH_REFLOW;
            if (json_object_get(v, "process") || json_object_get(v, "port"))
                return RUNNEL_GRAPH_NOFLO;
        }
    }
    return RUNNEL_GRAPH_NOFLO; /* nothing says: an empty graph, which both formats read the same */
}

static json_t *parse_text(const char *text, size_t len, const char *file, runnel_report *r)
{
    json_error_t err;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
    if (!root) {
        if (err.line > 0)
            rn_graph_fail(r, RUNNEL_BADARG, "%s:%d:%d: %s", file, err.line, err.column > 0 ? err.column : 1, err.text);
        else
            rn_graph_fail(r, RUNNEL_BADARG, "%s: %s", file, err.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        rn_graph_fail(r, RUNNEL_BADARG, "%s:1: a graph is a JSON object, not %s", file, kind_of(root));
        json_decref(root);
        return NULL;
    }
    return root;
}

runnel_graph *rn_graph_read_json(const char *text, size_t len, runnel_graph_format fmt, const char *file,
                                 runnel_report *r)
{
    if (!file)
        file = "graph";
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) { /* a UTF-8 byte order mark, which jansson refuses */
        text += 3;
        len -= 3;
    }
    if (fmt != RUNNEL_GRAPH_AUTO && fmt != RUNNEL_GRAPH_REFLOW && fmt != RUNNEL_GRAPH_NOFLO) {
        rn_graph_fail(r, RUNNEL_BADARG, "%s: not a JSON graph format", file);
        return NULL;
    }
    json_t *root = parse_text(text, len, file, r);
    if (!root)
        return NULL;
    reader rd = {.file = file, .fmt = fmt == RUNNEL_GRAPH_AUTO ? detect_format(root) : fmt, .r = r};
    scan_lines(text, len, &rd.lines);
    rd.g = runnel_graph_new(NULL);
    bool ok = rd.g ? true : FAIL_AT(&rd, RUNNEL_NOMEM, 0, "out of memory");
    if (ok)
        rd.g->format = rd.fmt;
    ok = ok && read_header(&rd, root) && read_processes(&rd, root) && read_connections(&rd, root) &&
         read_exports(&rd, root, true) && read_exports(&rd, root, false) && read_groups(&rd, root);
    free_lines(&rd.lines);
    json_decref(root);
    if (!ok) {
        runnel_graph_free(rd.g);
        return NULL;
    }
    return rd.g;
}

/* ================================================================ writing */

/* obj[key] = v (stolen), remembering a failure (out of memory) in *ok. */
static void put(json_t *obj, const char *key, json_t *v, bool *ok)
{
    if (json_object_set_new(obj, key, v) != 0)
        *ok = false;
}

/* What a writer built, or NULL (and it freed) when a part of it failed. */
static json_t *built(json_t *v, bool ok)
{
    if (ok)
        return v;
    json_decref(v);
    return NULL;
}

/* A Reflow GraphEdge for an end or an exported port; port NULL writes the empty edge of an IIP's from. */
static json_t *reflow_edge_json(const runnel_graph_endpoint *e, const char *type, bool expose)
{
    const char *port = e ? e->port : "", *node = e ? e->node : "";
    json_t *o = json_pack("{s:s, s:s, s:s}", "portName", port, "portId", port, "nodeId", node);
    bool ok = o != NULL;
    if (e && e->index >= 0)
        put(o, "index", json_integer(e->index), &ok);
    put(o, "expose", json_boolean(expose), &ok);
    put(o, "portType", port_type_json(type, 0), &ok);
    return built(o, ok);
}

static json_t *noflo_end_json(const runnel_graph_endpoint *e)
{
    json_t *o = json_pack("{s:s, s:s}", "process", e->node, "port", e->port);
    bool ok = o != NULL;
    if (e->index >= 0)
        put(o, "index", json_integer(e->index), &ok);
    return built(o, ok);
}

static json_t *edge_json(const runnel_graph_edge *e, runnel_graph_format fmt)
{
    json_t *o = json_object();
    bool ok = o != NULL, reflow = fmt == RUNNEL_GRAPH_REFLOW;
    if (reflow) {
        put(o, "from", reflow_edge_json(e->src.node ? &e->src : NULL, e->src_type, false), &ok);
        put(o, "to", reflow_edge_json(&e->tgt, e->tgt_type, false), &ok);
        if (e->data)
            put(o, "data", json_deep_copy(e->data), &ok);
    } else {
        if (e->data)
            put(o, "data", json_deep_copy(e->data), &ok);
        else
            put(o, "src", noflo_end_json(&e->src), &ok);
        put(o, "tgt", noflo_end_json(&e->tgt), &ok);
    }
    if (e->metadata)
        put(o, "metadata", json_deep_copy(e->metadata), &ok);
    return built(o, ok);
}

static json_t *export_json(const runnel_graph_export *x, runnel_graph_format fmt)
{
    json_t *o = fmt == RUNNEL_GRAPH_REFLOW ? reflow_edge_json(&x->inner, x->port_type, true) : json_object();
    bool ok = o != NULL;
    if (fmt == RUNNEL_GRAPH_NOFLO) {
        put(o, "process", json_string(x->inner.node), &ok);
        put(o, "port", json_string(x->inner.port), &ok);
    }
    if (x->metadata)
        put(o, "metadata", json_deep_copy(x->metadata), &ok);
    return built(o, ok);
}

static json_t *exports_json(const runnel_graph_export *xs, size_t n, runnel_graph_format fmt)
{
    json_t *o = json_object();
    bool ok = o != NULL;
    for (size_t i = 0; ok && i < n; i++)
        put(o, xs[i].name, export_json(&xs[i], fmt), &ok);
    return built(o, ok);
}

static json_t *group_json(const runnel_graph_group *gr, runnel_graph_format fmt)
{
    json_t *o = json_object(), *nodes = json_array();
    bool ok = o && nodes;
    for (size_t i = 0; ok && i < gr->nnodes; i++)
        ok = json_array_append_new(nodes, json_string(gr->nodes[i])) == 0;
    put(o, fmt == RUNNEL_GRAPH_REFLOW ? "id" : "name", json_string(gr->name), &ok);
    put(o, "nodes", nodes, &ok);
    if (gr->metadata)
        put(o, "metadata", json_deep_copy(gr->metadata), &ok);
    return built(o, ok);
}

static json_t *processes_json(const runnel_graph *g, runnel_graph_format fmt)
{
    json_t *o = json_object();
    bool ok = o != NULL;
    for (size_t i = 0; ok && i < g->nnodes; i++) {
        const runnel_graph_node *n = &g->nodes[i];
        json_t *meta = n->metadata ? json_deep_copy(n->metadata) : json_object();
        put(o, n->id,
            fmt == RUNNEL_GRAPH_REFLOW
                ? json_pack("{s:s, s:s, s:o}", "id", n->id, "component", n->component, "metadata", meta)
                : json_pack("{s:s, s:o}", "component", n->component, "metadata", meta),
            &ok);
    }
    return built(o, ok);
}

/* The connections; NULL with the reason in r when one cannot be written in the format. */
static json_t *connections_json(const runnel_graph *g, runnel_graph_format fmt, runnel_report *r)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t i = 0; ok && i < g->nedges; i++) {
        const runnel_graph_edge *e = &g->edges[i];
        if (fmt == RUNNEL_GRAPH_REFLOW && e->data && json_is_null(e->data)) {
            rn_graph_fail(r, RUNNEL_BADARG, "connections[%zu]: an IIP of null cannot be written in Reflow's format "
                          "(Reflow reads \"data\": null as no data)", i);
            json_decref(a);
            return NULL;
        }
        ok = json_array_append_new(a, edge_json(e, fmt)) == 0;
    }
    if (!ok) {
        json_decref(a);
        rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
        return NULL;
    }
    return a;
}

static json_t *groups_json(const runnel_graph *g, runnel_graph_format fmt)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t i = 0; ok && i < g->ngroups; i++)
        ok = json_array_append_new(a, group_json(&g->groups[i], fmt)) == 0;
    return built(a, ok);
}

/* The properties as a format writes them: Reflow's without REFLOW_EXTRA (its keys go to the top level). */
static json_t *properties_json(const runnel_graph *g, runnel_graph_format fmt)
{
    json_t *p = json_deep_copy(g->properties);
    if (p && fmt == RUNNEL_GRAPH_REFLOW && json_is_object(json_object_get(p, REFLOW_EXTRA)))
        json_object_del(p, REFLOW_EXTRA);
    return p;
}

/* Reflow's unknown top-level keys, back where they came from (never over a key of the format). */
static void put_unknown_keys(json_t *root, const runnel_graph *g, bool *ok)
{
    const json_t *extra = json_object_get(g->properties, REFLOW_EXTRA);
    const char *key;
    json_t *v;
    if (json_is_object(extra))
        json_object_foreach((json_t *)extra, key, v)
            if (!is_reflow_key(key))
                put(root, key, json_deep_copy(v), ok);
}

/* The document, its keys in the order the formats' own examples use (Reflow's files, fbp-graph's docs). */
static json_t *graph_json(const runnel_graph *g, runnel_graph_format fmt, runnel_report *r)
{
    json_t *conns = connections_json(g, fmt, r);
    if (!conns)
        return NULL;
    json_t *root = json_object();
    bool ok = root != NULL;
    put(root, "caseSensitive", json_boolean(g->case_sensitive), &ok);
    put(root, "properties", properties_json(g, fmt), &ok);
    if (fmt == RUNNEL_GRAPH_REFLOW) {
        put(root, "processes", processes_json(g, fmt), &ok);
        put(root, "connections", conns, &ok);
    }
    put(root, "inports", exports_json(g->inports, g->ninports, fmt), &ok);
    put(root, "outports", exports_json(g->outports, g->noutports, fmt), &ok);
    put(root, "groups", groups_json(g, fmt), &ok);
    if (fmt == RUNNEL_GRAPH_NOFLO) {
        put(root, "processes", processes_json(g, fmt), &ok);
        put(root, "connections", conns, &ok);
    } else {
        put_unknown_keys(root, g, &ok);
    }
    if (!ok) {
        json_decref(root);
        rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
        return NULL;
    }
    return root;
}

char *rn_graph_write_json(const runnel_graph *g, runnel_graph_format fmt, runnel_report *r)
{
    if (fmt != RUNNEL_GRAPH_REFLOW && fmt != RUNNEL_GRAPH_NOFLO) {
        rn_graph_fail(r, RUNNEL_BADARG, "%s is not a JSON graph format", runnel_graph_format_name(fmt));
        return NULL;
    }
    json_t *root = graph_json(g, fmt, r);
    if (!root)
        return NULL;
    size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER;
    size_t n = json_dumpb(root, NULL, 0, flags);
    char *text = n ? malloc(n + 2) : NULL;
    if (text && json_dumpb(root, text, n, flags) == n) {
        text[n] = '\n';
        text[n + 1] = '\0';
    } else {
        free(text);
        text = NULL;
        rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
    }
    json_decref(root);
    return text;
}
