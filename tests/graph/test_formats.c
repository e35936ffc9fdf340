/*
 * test_formats.c - Reflow's and NoFlo's graph JSON (src/graph/graph_json.c), through the public API.
 *
 * What is checked, and how it would catch a wrong reader or writer:
 *   - every shared Reflow graph ($RUNNEL_SHARED/reflow-graphs) loads, two of them node by node, edge by
 *     edge and line by line, and writing one back as Reflow gives the same JSON document as the file;
 *   - the NoFlo example below (fbp-graph's documented shape) is read exactly (an IIP of 21 stays an integer);
 *   - lines of nodes, edges and exported ports in small documents written to be awkward to scan;
 *   - the format is told by shape; an explicit format is obeyed;
 *   - round trips: Reflow -> Reflow and NoFlo -> NoFlo give the same graph and the same document,
 *     Reflow -> NoFlo -> Reflow loses only the port types, NoFlo -> Reflow -> NoFlo loses nothing;
 *   - the NoFlo output has the structure of npm fbp 1.8.0's schema/graph.json, the Reflow output the
 *     fields Reflow's serde types require;
 *   - malformed JSON (FILE:LINE:COL) and wrong shapes (FILE:LINE: what), one test each;
 *   - every truncation and many one-byte corruptions of three documents fail cleanly or load (ASan in CI).
 *
 * Exits 77 (a skip for ctest) when RUNNEL_SHARED is not set and nothing else failed.
 */
#include "runnel/graph.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static bool shared_missing;

/* ---------------------------------------------------------------- documents

   JSON in this file is written with ' for " (JSON itself has no use for '), so that it can be read;
   dq() and unquote() turn it into the real text. */

/* A Reflow graph in the shape the writer writes, with everything the format holds. */
static char rich_reflow[] =
    "{\n"
    "  'caseSensitive': true,\n"
    "  'properties': {'name': 'rich', 'version': '1.0.0'},\n"
    "  'processes': {\n"
    "    'gen': {'id': 'gen', 'component': 'Generator', 'metadata': {'interval': 1000, 'ratio': 0.5}},\n"
    "    'sum': {'id': 'sum', 'component': 'Summer', 'metadata': {}}\n"
    "  },\n"
    "  'connections': [\n"
    "    {'from': {'portName': 'Out', 'portId': 'Out', 'nodeId': 'gen', 'index': 1, 'expose': false,\n"
    "              'portType': {'type': 'array', 'value': {'type': 'integer'}}},\n"
    "     'to': {'portName': 'In', 'portId': 'In', 'nodeId': 'sum', 'expose': false,\n"
    "            'portType': {'type': 'object', 'value': 'Point'}},\n"
    "     'metadata': {'route': 3}},\n"
    "    {'from': {'portName': '', 'portId': '', 'nodeId': '', 'expose': false, 'portType': {'type': 'any'}},\n"
    "     'to': {'portName': 'Seed', 'portId': 'Seed', 'nodeId': 'gen', 'index': 0, 'expose': false,\n"
    "            'portType': {'type': 'integer'}},\n"
    "     'data': 9007199254740993, 'metadata': {}},\n"
    "    {'from': {'portName': '', 'portId': '', 'nodeId': '', 'expose': false, 'portType': {'type': 'any'}},\n"
    "     'to': {'portName': 'Config', 'portId': 'Config', 'nodeId': 'sum', 'expose': false,\n"
    "            'portType': {'type': 'option', 'value': {'type': 'array', 'value': {'type': 'string'}}}},\n"
    "     'data': {'mode': 'fast', 'list': [1, 2.5, 'x', null, true]}}\n"
    "  ],\n"
    "  'inports': {'start': {'portName': 'Trigger', 'portId': 'Trigger', 'nodeId': 'gen', 'expose': true,\n"
    "                          'portType': {'type': 'flow'}, 'metadata': {'x': 1}}},\n"
    "  'outports': {'total': {'portName': 'Out', 'portId': 'Out', 'nodeId': 'sum', 'expose': true,\n"
    "                          'portType': {'type': 'any'}}},\n"
    "  'groups': [{'id': 'main', 'nodes': ['gen', 'sum'], 'metadata': {'description': 'all'}}],\n"
    "  'graph_dependencies': [{'graph_name': 'other', 'required': true}],\n"
    "  'provided_interfaces': {}\n"
    "}\n";

/* A NoFlo graph in the shape the writer writes (no null IIP, so that Reflow can hold it too). */
static char rich_noflo[] =
    "{\n"
    "  'caseSensitive': false,\n"
    "  'properties': {'name': 'Rich', 'environment': {'type': 'noflo-nodejs'}},\n"
    "  'inports': {'in': {'process': 'double', 'port': 'input', 'metadata': {'x': 1, 'y': 2}}},\n"
    "  'outports': {'out': {'process': 'print', 'port': 'out'}},\n"
    "  'groups': [{'name': 'main', 'nodes': ['double', 'print'], 'metadata': {'description': 'd'}},\n"
    "             {'name': 'empty', 'nodes': []}],\n"
    "  'processes': {\n"
    "    'double': {'component': 'MyActor', 'metadata': {'x': 10, 'y': 20, 'label': 'Doubler'}},\n"
    "    'print': {'component': 'core/Output', 'metadata': {}}\n"
    "  },\n"
    "  'connections': [\n"
    "    {'data': 21, 'tgt': {'process': 'double', 'port': 'input'}},\n"
    "    {'data': 'text', 'tgt': {'process': 'double', 'port': 'reset', 'index': 2}, 'metadata': {'secure': true}},\n"
    "    {'src': {'process': 'double', 'port': 'output', 'index': 0},\n"
    "     'tgt': {'process': 'print', 'port': 'in', 'index': 3}, 'metadata': {'route': 1}},\n"
    "    {'src': {'process': 'double', 'port': 'error'}, 'tgt': {'process': 'print', 'port': 'in'}}\n"
    "  ]\n"
    "}\n";

/* A NoFlo (fbp-graph) graph in the shape the format's documentation prints. */
static char noflo_example[] =
    "{ 'caseSensitive': false,\n"
    "  'properties': { 'name': 'Doubling' },\n"
    "  'inports':  { 'in':  { 'process': 'double', 'port': 'input' } },\n"
    "  'outports': { 'out': { 'process': 'double', 'port': 'output' } },\n"
    "  'groups': [ { 'name': 'main', 'nodes': ['double'] } ],\n"
    "  'processes': { 'double': { 'component': 'MyActor', 'metadata': { 'x': 10, 'y': 20 } } },\n"
    "  'connections': [ { 'data': 21, 'tgt': { 'process': 'double', 'port': 'input' } },\n"
    "                   { 'src': { 'process': 'double', 'port': 'output' }, 'tgt': { 'process': 'print', "
    "'port': 'in', 'index': 0 } } ] }\n";

/* ---------------------------------------------------------------- helpers */

static void unquote(char *s)
{
    for (; *s; s++)
        if (*s == '\'')
            *s = '"';
}

/* A document of this file as real JSON (malloc'ed). */
static char *dq(const char *text)
{
    char *s = strdup(text);
    assert_non_null(s);
    unquote(s);
    return s;
}

static runnel_graph *parse_ok(const char *doc, runnel_graph_format fmt)
{
    runnel_report r = {0};
    char *text = dq(doc);
    runnel_graph *g = runnel_graph_parse(text, strlen(text), fmt, "t.json", &r);
    free(text);
    if (!g)
        print_error("parse failed: %s\n", r.message ? r.message : "?");
    assert_non_null(g);
    runnel_report_clear(&r);
    return g;
}

/* The message of a parse that must fail (malloc'ed). */
static char *parse_error(const char *doc, runnel_graph_format fmt)
{
    runnel_report r = {0};
    char *text = dq(doc);
    runnel_graph *g = runnel_graph_parse(text, strlen(text), fmt, "t.json", &r);
    free(text);
    assert_null(g);
    assert_int_equal(r.status, RUNNEL_BADARG);
    assert_non_null(r.message);
    char *m = r.message;
    r.message = NULL;
    runnel_report_clear(&r);
    return m;
}

/* The message must begin with prefix and contain every further string given (NULL-terminated); these
   may be written with ' for " too. */
static void assert_message(const char *m, const char *prefix, ...)
{
    char *want = dq(prefix);
    if (strncmp(m, want, strlen(want)) != 0)
        print_error("message \"%s\" does not begin with \"%s\"\n", m, want);
    assert_true(strncmp(m, want, strlen(want)) == 0);
    free(want);
    va_list ap;
    va_start(ap, prefix);
    for (const char *s; (s = va_arg(ap, const char *)) != NULL;) {
        want = dq(s);
        if (!strstr(m, want))
            print_error("message \"%s\" does not contain \"%s\"\n", m, want);
        assert_non_null(strstr(m, want));
        free(want);
    }
    va_end(ap);
}

static void expect_shape_error(const char *text, runnel_graph_format fmt, const char *prefix, const char *what)
{
    char *m = parse_error(text, fmt);
    assert_message(m, prefix, what, NULL);
    free(m);
}

static char *write_ok(const runnel_graph *g, runnel_graph_format fmt)
{
    runnel_report r = {0};
    char *text = runnel_graph_write(g, fmt, &r);
    if (!text)
        print_error("write failed: %s\n", r.message ? r.message : "?");
    assert_non_null(text);
    size_t n = strlen(text);
    assert_true(n > 2 && text[n - 1] == '\n' && text[n - 2] == '}');
    assert_non_null(strstr(text, "\n  \"caseSensitive\": ")); /* indented by two */
    runnel_report_clear(&r);
    return text;
}

static json_t *json_of(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);
    if (!j)
        print_error("not JSON (%d:%d %s):\n%s\n", e.line, e.column, e.text, text);
    assert_non_null(j);
    return j;
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}
static bool same_json(const json_t *a, const json_t *b)
{
    return a == b || (a && b && json_equal(a, b));
}

static void assert_same_end(const runnel_graph_endpoint *a, const runnel_graph_endpoint *b)
{
    assert_true(same_str(a->node, b->node));
    assert_true(same_str(a->port, b->port));
    assert_int_equal(a->index, b->index);
}

static void assert_same_exports(const runnel_graph_export *a, size_t na, const runnel_graph_export *b, size_t nb,
                                bool port_types)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(a[i].name, b[i].name);
        assert_same_end(&a[i].inner, &b[i].inner);
        assert_true(same_json(a[i].metadata, b[i].metadata));
        assert_true(!port_types || same_str(a[i].port_type, b[i].port_type));
    }
}

/* Everything but lines and the source format; port types only when asked. */
static void assert_same_graph(const runnel_graph *a, const runnel_graph *b, bool port_types)
{
    size_t na, nb;
    assert_int_equal(runnel_graph_case_sensitive(a), runnel_graph_case_sensitive(b));
    assert_true(json_equal(runnel_graph_properties(a), runnel_graph_properties(b)));
    const runnel_graph_node *an = runnel_graph_nodes(a, &na), *bn = runnel_graph_nodes(b, &nb);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(an[i].id, bn[i].id);
        assert_string_equal(an[i].component, bn[i].component);
        assert_true(json_equal(an[i].metadata, bn[i].metadata));
    }
    const runnel_graph_edge *ae = runnel_graph_edges(a, &na), *be = runnel_graph_edges(b, &nb);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_same_end(&ae[i].src, &be[i].src);
        assert_same_end(&ae[i].tgt, &be[i].tgt);
        assert_true(same_json(ae[i].data, be[i].data));
        assert_true(same_json(ae[i].metadata, be[i].metadata));
        assert_true(!port_types ||
                    (same_str(ae[i].src_type, be[i].src_type) && same_str(ae[i].tgt_type, be[i].tgt_type)));
    }
    const runnel_graph_export *ax = runnel_graph_inports(a, &na), *bx = runnel_graph_inports(b, &nb);
    assert_same_exports(ax, na, bx, nb, port_types);
    ax = runnel_graph_outports(a, &na);
    bx = runnel_graph_outports(b, &nb);
    assert_same_exports(ax, na, bx, nb, port_types);
    const runnel_graph_group *ag = runnel_graph_groups(a, &na), *bg = runnel_graph_groups(b, &nb);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(ag[i].name, bg[i].name);
        assert_int_equal(ag[i].nnodes, bg[i].nnodes);
        for (size_t k = 0; k < ag[i].nnodes; k++)
            assert_string_equal(ag[i].nodes[k], bg[i].nodes[k]);
        assert_true(same_json(ag[i].metadata, bg[i].metadata));
    }
}

static void assert_node(const runnel_graph *g, size_t i, const char *id, const char *component, unsigned line)
{
    size_t n;
    const runnel_graph_node *nodes = runnel_graph_nodes(g, &n);
    assert_true(i < n);
    assert_string_equal(nodes[i].id, id);
    assert_string_equal(nodes[i].component, component);
    assert_int_equal(nodes[i].line, line);
}

static void assert_edge(const runnel_graph *g, size_t i, const char *src, const char *src_port, const char *tgt,
                        const char *tgt_port, unsigned line)
{
    size_t n;
    const runnel_graph_edge *e = runnel_graph_edges(g, &n);
    assert_true(i < n);
    assert_true(same_str(e[i].src.node, src));
    assert_true(same_str(e[i].src.port, src_port));
    assert_string_equal(e[i].tgt.node, tgt);
    assert_string_equal(e[i].tgt.port, tgt_port);
    assert_int_equal(e[i].line, line);
}

static void assert_export(const runnel_graph_export *x, const char *name, const char *node, const char *port,
                          unsigned line)
{
    assert_string_equal(x->name, name);
    assert_string_equal(x->inner.node, node);
    assert_string_equal(x->inner.port, port);
    assert_int_equal(x->line, line);
}

/* ---------------------------------------------------------------- the shared Reflow graphs */

static char *shared_graph_path(const char *name)
{
    const char *shared = getenv("RUNNEL_SHARED");
    size_t n = strlen(shared) + strlen(name) + 32;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/reflow-graphs/%s", shared, name);
    return p;
}

static runnel_graph *load_shared(const char *name)
{
    char *path = shared_graph_path(name);
    runnel_report r = {0};
    runnel_graph *g = runnel_graph_load(path, &r);
    if (!g)
        print_error("%s\n", r.message ? r.message : "?");
    assert_non_null(g);
    assert_int_equal(runnel_graph_source_format(g), RUNNEL_GRAPH_REFLOW);
    runnel_report_clear(&r);
    free(path);
    return g;
}

/* Written back as Reflow, the graph is the file's JSON document, workspace keys and all. */
static void assert_writes_back_as_file(const runnel_graph *g, const char *name)
{
    char *path = shared_graph_path(name);
    json_error_t e;
    json_t *file = json_load_file(path, 0, &e);
    assert_non_null(file);
    char *text = write_ok(g, RUNNEL_GRAPH_REFLOW);
    json_t *written = json_of(text);
    if (!json_equal(file, written))
        print_error("%s written back differs:\n%s\n", name, text);
    assert_true(json_equal(file, written));
    json_decref(file);
    json_decref(written);
    free(text);
    free(path);
}

static void test_shared_reflow_graphs(void **state)
{
    (void)state;
    if (!getenv("RUNNEL_SHARED")) {
        shared_missing = true;
        print_message("RUNNEL_SHARED is not set: the shared Reflow graphs are not checked\n");
        skip();
    }
    char *dirpath = shared_graph_path("");
    DIR *dir = opendir(dirpath);
    assert_non_null(dir);
    size_t loaded = 0;
    for (struct dirent *d; (d = readdir(dir)) != NULL;) {
        size_t n = strlen(d->d_name);
        if (n < 11 || strcmp(d->d_name + n - 11, ".graph.json") != 0)
            continue;
        runnel_graph *g = load_shared(d->d_name);
        size_t nn;
        runnel_graph_nodes(g, &nn);
        assert_true(nn > 0);
        assert_non_null(runnel_graph_name(g));
        assert_writes_back_as_file(g, d->d_name);
        runnel_graph_free(g);
        loaded++;
    }
    closedir(dir);
    free(dirpath);
    assert_true(loaded >= 6);
}

static void test_shared_collector_exactly(void **state)
{
    (void)state;
    if (!getenv("RUNNEL_SHARED"))
        skip();
    runnel_graph *g = load_shared("data__ingestion__collector.graph.json");
    size_t n;
    assert_string_equal(runnel_graph_name(g), "collector");
    assert_false(runnel_graph_case_sensitive(g));
    runnel_graph_nodes(g, &n);
    assert_int_equal(n, 2);
    assert_node(g, 0, "api_fetcher", "ApiFetcherActor", 10);
    assert_node(g, 1, "data_validator", "DataValidatorActor", 15);
    const runnel_graph_edge *e = runnel_graph_edges(g, &n);
    assert_int_equal(n, 1);
    assert_edge(g, 0, "api_fetcher", "Output", "data_validator", "Input", 22);
    assert_string_equal(e[0].src_type, "any");
    assert_string_equal(e[0].tgt_type, "any");
    assert_null(e[0].data);
    assert_int_equal(e[0].src.index, -1);
    assert_int_equal(e[0].tgt.index, -1);
    assert_true(json_is_object(e[0].metadata) && json_object_size(e[0].metadata) == 0);
    const runnel_graph_export *x = runnel_graph_inports(g, &n);
    assert_int_equal(n, 1);
    assert_export(&x[0], "api_config", "api_fetcher", "Config", 41);
    assert_string_equal(x[0].port_type, "any");
    x = runnel_graph_outports(g, &n);
    assert_int_equal(n, 1);
    assert_export(&x[0], "raw_data", "data_validator", "Output", 50);
    runnel_graph_groups(g, &n);
    assert_int_equal(n, 0);
    /* the workspace keys, kept for writing back */
    const json_t *extra = json_object_get(runnel_graph_properties(g), "reflow_extra");
    assert_true(json_is_object(extra));
    assert_int_equal(json_object_size(extra), 4);
    assert_int_equal(json_array_size(json_object_get(extra, "external_connections")), 1);
    assert_non_null(json_object_get(json_object_get(extra, "provided_interfaces"), "raw_data_output"));
    assert_string_equal(json_string_value(json_object_get(runnel_graph_properties(g), "namespace")), "data/ingestion");
    runnel_graph_free(g);
}

static void test_shared_monitor_exactly(void **state)
{
    (void)state;
    if (!getenv("RUNNEL_SHARED"))
        skip();
    runnel_graph *g = load_shared("monitoring__system_monitor.graph.json");
    size_t n;
    runnel_graph_nodes(g, &n);
    assert_int_equal(n, 3);
    assert_node(g, 0, "metrics_collector", "MetricsCollectorActor", 10);
    assert_node(g, 1, "anomaly_detector", "AnomalyDetectorActor", 15);
    assert_node(g, 2, "alert_manager", "AlertManagerActor", 20);
    runnel_graph_edges(g, &n);
    assert_int_equal(n, 2);
    assert_edge(g, 0, "metrics_collector", "Output", "anomaly_detector", "Input", 27);
    assert_edge(g, 1, "anomaly_detector", "Alerts", "alert_manager", "Input", 44);
    const runnel_graph_export *x = runnel_graph_inports(g, &n);
    assert_int_equal(n, 1);
    assert_export(&x[0], "external_metrics", "metrics_collector", "ExternalInput", 63);
    x = runnel_graph_outports(g, &n);
    assert_int_equal(n, 1);
    assert_export(&x[0], "dashboard_data", "metrics_collector", "Dashboard", 72);
    runnel_graph_free(g);

    g = load_shared("simple__processor.graph.json");
    const runnel_graph_node *nodes = runnel_graph_nodes(g, &n);
    assert_int_equal(n, 1);
    assert_string_equal(json_string_value(json_object_get(nodes[0].metadata, "prefix")), "PROCESSED: ");
    runnel_graph_free(g);
}

/* ---------------------------------------------------------------- reading */

static void test_noflo_example_exactly(void **state)
{
    (void)state;
    runnel_graph *g = parse_ok(noflo_example, RUNNEL_GRAPH_AUTO);
    size_t n;
    assert_int_equal(runnel_graph_source_format(g), RUNNEL_GRAPH_NOFLO);
    assert_false(runnel_graph_case_sensitive(g));
    assert_string_equal(runnel_graph_name(g), "Doubling");
    assert_int_equal(json_object_size(runnel_graph_properties(g)), 1);
    const runnel_graph_node *nodes = runnel_graph_nodes(g, &n);
    assert_int_equal(n, 1);
    assert_node(g, 0, "double", "MyActor", 6);
    assert_int_equal(json_object_size(nodes[0].metadata), 2);
    assert_int_equal(json_integer_value(json_object_get(nodes[0].metadata, "x")), 10);
    assert_int_equal(json_integer_value(json_object_get(nodes[0].metadata, "y")), 20);
    const runnel_graph_edge *e = runnel_graph_edges(g, &n);
    assert_int_equal(n, 2);
    assert_edge(g, 0, NULL, NULL, "double", "input", 7);
    assert_true(json_is_integer(e[0].data));
    assert_int_equal(json_integer_value(e[0].data), 21);
    assert_int_equal(e[0].tgt.index, -1);
    assert_null(e[0].metadata);
    assert_edge(g, 1, "double", "output", "print", "in", 8);
    assert_null(e[1].data);
    assert_int_equal(e[1].src.index, -1);
    assert_int_equal(e[1].tgt.index, 0);
    assert_null(e[1].src_type);
    assert_null(e[1].tgt_type);
    const runnel_graph_export *x = runnel_graph_inports(g, &n);
    assert_int_equal(n, 1);
    assert_export(&x[0], "in", "double", "input", 3);
    assert_null(x[0].metadata);
    assert_null(x[0].port_type);
    x = runnel_graph_outports(g, &n);
    assert_int_equal(n, 1);
    assert_export(&x[0], "out", "double", "output", 4);
    const runnel_graph_group *gr = runnel_graph_groups(g, &n);
    assert_int_equal(n, 1);
    assert_string_equal(gr[0].name, "main");
    assert_int_equal(gr[0].nnodes, 1);
    assert_string_equal(gr[0].nodes[0], "double");
    assert_null(gr[0].metadata);
    runnel_graph_free(g);
}

/* Lines of keys and elements, among strings with brackets, quotes and escapes that a naive scanner
   would miscount. */
static void test_lines_reflow(void **state)
{
    (void)state;
    static const char doc[] = "{\n"                                                               /* 1 */
                              "  'properties': {'note': 'a \\'quoted\\' {[ brace\\n', 'n': [1,\n" /* 2 */
                              "    2]},\n"                                                        /* 3 */
                              "  'processes': {\n"                                                /* 4 */
                              "    'a': {'id': 'a', 'component': 'A', 'metadata': {'s': '}'}},\n" /* 5 */
                              "\n"                                                                /* 6 */
                              "    'b':\n"                                                        /* 7 */
                              "    {'id': 'b', 'component': 'B'}\n"                               /* 8 */
                              "  },\n"                                                            /* 9 */
                              "  'connections': [\n"                                              /* 10 */
                              "    {'from': {'nodeId': 'a', 'portId': 'out'}, 'to': {'nodeId': 'b', "
                              "'portName': 'In port', 'portId': 'in'}},\n"       /* 11 */
                              "    {'from': {'nodeId': 'a', 'portName': 'x'},\n" /* 12 */
                              "     'to': {'nodeId': 'b', 'portId': '', 'portName': 'y'}}, {'data': "
                              "'s\\']{', 'to': {'nodeId': 'b', 'portId': 'z'}},\n"                           /* 13 */
                              "\n"                                                                           /* 14 */
                              "    {'data': ['[', {']': 1}],\n"                                              /* 15 */
                              "     'to': {'nodeId': 'a', 'portId': 'w', 'index': 4}}\n"                     /* 16 */
                              "  ],\n"                                                                       /* 17 */
                              "  'inports': {'i': {'nodeId': 'a', 'portName': 'in', 'portId': 'public'}},\n" /* 18 */
                              "  'outports': {\n"                                                            /* 19 */
                              "    'o': {'nodeId': 'b', 'portId': 'out'}\n"                                  /* 20 */
                              "  }\n"                                                                        /* 21 */
                              "}";
    runnel_graph *g = parse_ok(doc, RUNNEL_GRAPH_AUTO);
    size_t n;
    assert_int_equal(runnel_graph_source_format(g), RUNNEL_GRAPH_REFLOW);
    assert_node(g, 0, "a", "A", 5);
    assert_node(g, 1, "b", "B", 7);
    const runnel_graph_edge *e = runnel_graph_edges(g, &n);
    assert_int_equal(n, 4);
    assert_edge(g, 0, "a", "out", "b", "in", 11); /* a connection's port is its portId, as Reflow looks it up */
    assert_edge(g, 1, "a", "x", "b", "y", 12);    /* portName when portId is absent or empty */
    assert_edge(g, 2, NULL, NULL, "b", "z", 13);
    assert_string_equal(json_string_value(e[2].data), "s\"]{");
    assert_edge(g, 3, NULL, NULL, "a", "w", 15);
    assert_int_equal(e[3].tgt.index, 4);
    /* an exported port's inner port is its portName (Reflow keeps the public name in portId) */
    const runnel_graph_export *x = runnel_graph_inports(g, &n);
    assert_export(&x[0], "i", "a", "in", 18);
    x = runnel_graph_outports(g, &n);
    assert_export(&x[0], "o", "b", "out", 20);
    runnel_graph_free(g);
}

static void test_lines_noflo(void **state)
{
    (void)state;
    static const char doc[] = "{'processes': {'p': {'component': 'P'}, 'q':\n"                                 /* 1 */
                              "  {'component': 'Q'}},\n"                                                       /* 2 */
                              " 'connections': [{'data': '\\n\\\\', 'tgt': {'process': 'p', 'port': 'in'}},\n" /* 3 */
                              "\n"                                                                             /* 4 */
                              "  {'src': {'process': 'p', 'port': 'out'},\n"                                   /* 5 */
                              "   'tgt': {'process': 'q', 'port': 'in'}}],\n"                                  /* 6 */
                              " 'outports': {'o': {'process': 'q', 'port': 'out'}}}";                          /* 7 */
    runnel_graph *g = parse_ok(doc, RUNNEL_GRAPH_AUTO);
    assert_int_equal(runnel_graph_source_format(g), RUNNEL_GRAPH_NOFLO);
    assert_node(g, 0, "p", "P", 1);
    assert_node(g, 1, "q", "Q", 1);
    assert_edge(g, 0, NULL, NULL, "p", "in", 3);
    assert_edge(g, 1, "p", "out", "q", "in", 5);
    size_t n;
    const runnel_graph_export *x = runnel_graph_outports(g, &n);
    assert_export(&x[0], "o", "q", "out", 7);
    runnel_graph_free(g);
}

static void expect_format(const char *doc, runnel_graph_format want)
{
    runnel_graph *g = parse_ok(doc, RUNNEL_GRAPH_AUTO);
    assert_int_equal(runnel_graph_source_format(g), want);
    runnel_graph_free(g);
}

static void test_auto_detection(void **state)
{
    (void)state;
    expect_format("{}", RUNNEL_GRAPH_NOFLO);
    expect_format("{'processes': {}, 'connections': []}", RUNNEL_GRAPH_NOFLO);
    expect_format("{'connections': [{'from': {'nodeId': 'a', 'portId': 'o'}, 'to': {'nodeId': 'b', "
                  "'portId': 'i'}}]}",
                  RUNNEL_GRAPH_REFLOW);
    expect_format("{'connections': [{'data': 1, 'to': {'nodeId': 'b', 'portId': 'i'}}]}", RUNNEL_GRAPH_REFLOW);
    expect_format("{'processes': {'a': {'id': 'a', 'component': 'A'}}}", RUNNEL_GRAPH_REFLOW);
    expect_format("{'processes': {'a': {'component': 'A'}}}", RUNNEL_GRAPH_NOFLO);
    expect_format("{'inports': {'x': {'nodeId': 'a', 'portName': 'i'}}}", RUNNEL_GRAPH_REFLOW);
    expect_format("{'outports': {'x': {'process': 'a', 'port': 'o'}}}", RUNNEL_GRAPH_NOFLO);
    expect_format("{'connections': [{'src': {'process': 'a', 'port': 'o'}, 'tgt': {'process': 'b', "
                  "'port': 'i'}}]}",
                  RUNNEL_GRAPH_NOFLO);
    expect_format("\xef\xbb\xbf{'processes': {'a': {'id': 'a', 'component': 'A'}}}", RUNNEL_GRAPH_REFLOW);
    /* an explicit format is obeyed: a NoFlo document is not a Reflow one */
    runnel_graph *g = parse_ok("{}", RUNNEL_GRAPH_REFLOW);
    assert_int_equal(runnel_graph_source_format(g), RUNNEL_GRAPH_REFLOW);
    runnel_graph_free(g);
    expect_shape_error(noflo_example, RUNNEL_GRAPH_REFLOW, "t.json:7: ", "connections[0] has no \"to\"");
    expect_shape_error(rich_reflow, RUNNEL_GRAPH_NOFLO, "t.json:9: ", "connections[0] has no \"tgt\"");
}

/* ---------------------------------------------------------------- round trips */

/* The document text must be the one given (as JSON, whatever the spacing). */
static void assert_same_document(const char *a, const char *b)
{
    json_t *ja = json_of(a), *jb = json_of(b);
    if (!json_equal(ja, jb))
        print_error("documents differ:\n%s\n---\n%s\n", a, b);
    assert_true(json_equal(ja, jb));
    json_decref(ja);
    json_decref(jb);
}

/* Top-level keys in this order in the text. */
static void assert_key_order(const char *text, const char *const *keys, size_t n)
{
    const char *prev = text;
    for (size_t i = 0; i < n; i++) {
        char quoted[64];
        snprintf(quoted, sizeof quoted, "\n  \"%s\": ", keys[i]);
        const char *at = strstr(text, quoted);
        if (!at || at < prev)
            print_error("key %s is missing or out of order in:\n%s\n", keys[i], text);
        assert_true(at && at >= prev);
        prev = at;
    }
}

static void test_roundtrip_reflow(void **state)
{
    (void)state;
    runnel_graph *g = parse_ok(rich_reflow, RUNNEL_GRAPH_AUTO);
    size_t n;
    const runnel_graph_edge *e = runnel_graph_edges(g, &n);
    assert_int_equal(n, 3);
    assert_string_equal(e[0].src_type, "array<integer>");
    assert_string_equal(e[0].tgt_type, "object<Point>");
    assert_int_equal(e[0].src.index, 1);
    assert_true(json_is_integer(e[1].data));
    assert_true(json_integer_value(e[1].data) == 9007199254740993LL); /* exact: no real on the way */
    assert_string_equal(e[2].tgt_type, "option<array<string>>");
    assert_null(e[2].metadata);
    char *text = write_ok(g, RUNNEL_GRAPH_REFLOW);
    assert_same_document(text, rich_reflow);
    static const char *const order[] = {"caseSensitive", "properties", "processes", "connections",
                                        "inports",       "outports",   "groups",    "graph_dependencies"};
    assert_key_order(text, order, sizeof order / sizeof order[0]);
    runnel_graph *again = parse_ok(text, RUNNEL_GRAPH_AUTO);
    assert_int_equal(runnel_graph_source_format(again), RUNNEL_GRAPH_REFLOW);
    assert_same_graph(g, again, true);
    free(text);
    runnel_graph_free(again);
    runnel_graph_free(g);
}

static void test_roundtrip_noflo(void **state)
{
    (void)state;
    runnel_graph *g = parse_ok(rich_noflo, RUNNEL_GRAPH_AUTO);
    char *text = write_ok(g, RUNNEL_GRAPH_NOFLO);
    assert_same_document(text, rich_noflo);
    static const char *const order[] = {"caseSensitive", "properties", "inports",    "outports",
                                        "groups",        "processes",  "connections"};
    assert_key_order(text, order, sizeof order / sizeof order[0]);
    runnel_graph *again = parse_ok(text, RUNNEL_GRAPH_AUTO);
    assert_int_equal(runnel_graph_source_format(again), RUNNEL_GRAPH_NOFLO);
    assert_same_graph(g, again, true);
    free(text);
    runnel_graph_free(again);
    runnel_graph_free(g);

    /* a null IIP is NoFlo's to hold, not Reflow's */
    g = parse_ok("{'connections': [{'data': null, 'tgt': {'process': 'a', 'port': 'in'}}]}", RUNNEL_GRAPH_AUTO);
    size_t n;
    const runnel_graph_edge *e = runnel_graph_edges(g, &n);
    assert_int_equal(n, 1);
    assert_true(json_is_null(e[0].data));
    text = write_ok(g, RUNNEL_GRAPH_NOFLO);
    assert_non_null(strstr(text, "\"data\": null"));
    free(text);
    runnel_report r = {0};
    assert_null(runnel_graph_write(g, RUNNEL_GRAPH_REFLOW, &r));
    assert_int_equal(r.status, RUNNEL_BADARG);
    assert_message(r.message, "connections[0]: ", "null", NULL);
    runnel_report_clear(&r);
    runnel_graph_free(g);
}

/* Every edge end and exported port of g has this port type. */
static void assert_all_port_types(const runnel_graph *g, const char *type)
{
    size_t n;
    const runnel_graph_edge *e = runnel_graph_edges(g, &n);
    for (size_t i = 0; i < n; i++) {
        assert_true(same_str(e[i].tgt_type, type));
        assert_true(e[i].data || same_str(e[i].src_type, type));
    }
    const runnel_graph_export *x = runnel_graph_inports(g, &n);
    for (size_t i = 0; i < n; i++)
        assert_true(same_str(x[i].port_type, type));
    x = runnel_graph_outports(g, &n);
    for (size_t i = 0; i < n; i++)
        assert_true(same_str(x[i].port_type, type));
}

static runnel_graph *convert(const runnel_graph *g, runnel_graph_format to)
{
    char *text = write_ok(g, to);
    runnel_graph *out = parse_ok(text, RUNNEL_GRAPH_AUTO);
    assert_int_equal(runnel_graph_source_format(out), to);
    free(text);
    return out;
}

static void test_roundtrip_across(void **state)
{
    (void)state;
    /* Reflow -> NoFlo -> Reflow: only the port types are lost (NoFlo has none; Reflow's default is any) */
    runnel_graph *r1 = parse_ok(rich_reflow, RUNNEL_GRAPH_REFLOW);
    runnel_graph *n1 = convert(r1, RUNNEL_GRAPH_NOFLO);
    assert_all_port_types(n1, NULL);
    runnel_graph *r2 = convert(n1, RUNNEL_GRAPH_REFLOW);
    assert_same_graph(r1, r2, false);
    assert_all_port_types(r2, "any");
    char *text = write_ok(r2, RUNNEL_GRAPH_REFLOW);
    assert_non_null(strstr(text, "\"graph_dependencies\": [")); /* the workspace keys came through NoFlo */
    free(text);
    runnel_graph_free(r1);
    runnel_graph_free(n1);
    runnel_graph_free(r2);

    /* NoFlo -> Reflow -> NoFlo: nothing is lost */
    n1 = parse_ok(rich_noflo, RUNNEL_GRAPH_NOFLO);
    r1 = convert(n1, RUNNEL_GRAPH_REFLOW);
    assert_same_graph(n1, r1, false);
    runnel_graph *n2 = convert(r1, RUNNEL_GRAPH_NOFLO);
    assert_same_graph(n1, n2, true);
    text = write_ok(n2, RUNNEL_GRAPH_NOFLO);
    assert_same_document(text, rich_noflo);
    free(text);
    runnel_graph_free(n1);
    runnel_graph_free(r1);
    runnel_graph_free(n2);
}

/* A graph built in C (no port types, no metadata) comes back from both formats. */
static void test_roundtrip_built_in_c(void **state)
{
    (void)state;
    runnel_graph *g = runnel_graph_new("built");
    assert_non_null(g);
    runnel_report r = {0};
    runnel_graph_set_case_sensitive(g, true);
    runnel_graph_node a = {.id = "a", .component = "core/Repeat"}, b = {.id = "b", .component = "core/Output"};
    assert_int_equal(runnel_graph_add_node(g, &b, &r), RUNNEL_OK); /* not in alphabetical order */
    assert_int_equal(runnel_graph_add_node(g, &a, &r), RUNNEL_OK);
    json_t *v = json_real(0.1);
    runnel_graph_edge iip = {.tgt = {"a", "in", -1}, .data = v, .src = {.index = -1}};
    runnel_graph_edge edge = {.src = {"a", "out", -1}, .tgt = {"b", "in", 5}};
    assert_int_equal(runnel_graph_add_edge(g, &iip, &r), RUNNEL_OK);
    assert_int_equal(runnel_graph_add_edge(g, &edge, &r), RUNNEL_OK);
    runnel_graph_export out = {.name = "OUT", .inner = {"b", "out", -1}};
    assert_int_equal(runnel_graph_add_outport(g, &out, &r), RUNNEL_OK);
    json_decref(v);
    runnel_graph *n = convert(g, RUNNEL_GRAPH_NOFLO);
    assert_same_graph(g, n, true);
    runnel_graph *rf = convert(g, RUNNEL_GRAPH_REFLOW);
    assert_same_graph(g, rf, false);
    assert_all_port_types(rf, "any"); /* written as Reflow's default */
    const runnel_graph_node *nodes = runnel_graph_nodes(rf, &(size_t){0});
    assert_string_equal(nodes[0].id, "b"); /* in the order they were added */
    assert_true(nodes[0].line > 0 && nodes[1].line > nodes[0].line);
    runnel_graph_free(n);
    runnel_graph_free(rf);
    runnel_graph_free(g);
}

/* ---------------------------------------------------------------- the shapes of the output */

static bool keys_within(const json_t *obj, const char *const *allowed, size_t n)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        bool found = false;
        for (size_t i = 0; i < n; i++)
            found = found || strcmp(key, allowed[i]) == 0;
        if (!found) {
            print_error("unexpected key %s\n", key);
            return false;
        }
    }
    return true;
}
#define KEYS_WITHIN(obj, ...)                                                                                          \
    keys_within(obj, (const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *))

static void assert_optional_object(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    assert_true(!v || json_is_object(v));
}

static void assert_noflo_end(const json_t *end)
{
    assert_true(json_is_object(end));
    assert_true(KEYS_WITHIN(end, "process", "port", "index"));
    assert_true(json_is_string(json_object_get(end, "process")));
    assert_true(json_is_string(json_object_get(end, "port")));
    const json_t *index = json_object_get(end, "index");
    assert_true(!index || json_is_integer(index));
}

static void assert_noflo_exports(const json_t *ports)
{
    const char *key;
    json_t *p;
    assert_true(json_is_object(ports));
    json_object_foreach((json_t *)ports, key, p) {
        assert_true(KEYS_WITHIN(p, "process", "port", "metadata"));
        assert_true(json_is_string(json_object_get(p, "process")) && json_is_string(json_object_get(p, "port")));
        assert_optional_object(p, "metadata");
    }
}

/* npm fbp 1.8.0 schema/graph.json: additionalProperties false at the top, in groups, connections and their
   ends; the types of every field. */
static void assert_noflo_schema(const json_t *doc)
{
    assert_true(
        KEYS_WITHIN(doc, "caseSensitive", "properties", "inports", "outports", "groups", "processes", "connections"));
    assert_true(json_is_boolean(json_object_get(doc, "caseSensitive")));
    assert_true(json_is_object(json_object_get(doc, "properties")));
    assert_noflo_exports(json_object_get(doc, "inports"));
    assert_noflo_exports(json_object_get(doc, "outports"));
    const json_t *a = json_object_get(doc, "groups"), *v;
    size_t i;
    assert_true(json_is_array(a));
    json_array_foreach(a, i, v) {
        assert_true(KEYS_WITHIN(v, "name", "nodes", "metadata"));
        assert_true(json_is_string(json_object_get(v, "name")) && json_is_array(json_object_get(v, "nodes")));
        assert_optional_object(v, "metadata");
    }
    const char *key;
    json_t *p;
    assert_true(json_is_object(json_object_get(doc, "processes")));
    json_object_foreach(json_object_get(doc, "processes"), key, p) {
        assert_true(KEYS_WITHIN(p, "component", "metadata"));
        assert_true(json_is_string(json_object_get(p, "component")));
        assert_optional_object(p, "metadata");
    }
    a = json_object_get(doc, "connections");
    assert_true(json_is_array(a));
    json_array_foreach(a, i, v) {
        assert_true(KEYS_WITHIN(v, "src", "tgt", "data", "metadata"));
        assert_true(!json_object_get(v, "src") != !json_object_get(v, "data")); /* one or the other */
        if (json_object_get(v, "src"))
            assert_noflo_end(json_object_get(v, "src"));
        assert_noflo_end(json_object_get(v, "tgt"));
        assert_optional_object(v, "metadata");
    }
}

/* The fields Reflow's serde types require (types.rs: GraphEdge has no defaults but for the Options). */
static void assert_reflow_edge(const json_t *e, bool expose)
{
    assert_true(json_is_string(json_object_get(e, "portName")));
    assert_true(json_is_string(json_object_get(e, "portId")));
    assert_true(json_is_string(json_object_get(e, "nodeId")));
    assert_true(json_is_boolean(json_object_get(e, "expose")) && json_is_true(json_object_get(e, "expose")) == expose);
    assert_true(json_is_string(json_object_get(json_object_get(e, "portType"), "type")));
}

static void assert_reflow_shape(const json_t *doc)
{
    assert_true(json_is_boolean(json_object_get(doc, "caseSensitive")));
    assert_true(json_is_object(json_object_get(doc, "properties")));
    assert_null(json_object_get(json_object_get(doc, "properties"), "reflow_extra"));
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(doc, "processes"), key, v) {
        assert_string_equal(json_string_value(json_object_get(v, "id")), key);
        assert_true(json_is_string(json_object_get(v, "component")));
    }
    size_t i;
    json_array_foreach(json_object_get(doc, "connections"), i, v) {
        const json_t *from = json_object_get(v, "from");
        assert_reflow_edge(from, false);
        assert_reflow_edge(json_object_get(v, "to"), false);
        if (json_object_get(v, "data")) /* an IIP: the empty edge as Reflow writes it */
            assert_string_equal(json_string_value(json_object_get(from, "nodeId")), "");
    }
    json_object_foreach(json_object_get(doc, "inports"), key, v)
        assert_reflow_edge(v, true);
    json_object_foreach(json_object_get(doc, "outports"), key, v)
        assert_reflow_edge(v, true);
    json_array_foreach(json_object_get(doc, "groups"), i, v) {
        assert_true(json_is_string(json_object_get(v, "id")));
        assert_true(json_is_array(json_object_get(v, "nodes")));
    }
}

static void test_output_shapes(void **state)
{
    (void)state;
    const char *docs[] = {rich_reflow, rich_noflo, noflo_example};
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        runnel_graph *g = parse_ok(docs[i], RUNNEL_GRAPH_AUTO);
        char *text = write_ok(g, RUNNEL_GRAPH_NOFLO);
        json_t *doc = json_of(text);
        assert_noflo_schema(doc);
        json_decref(doc);
        free(text);
        text = write_ok(g, RUNNEL_GRAPH_REFLOW);
        doc = json_of(text);
        assert_reflow_shape(doc);
        json_decref(doc);
        free(text);
        runnel_graph_free(g);
    }
}

/* ---------------------------------------------------------------- errors */

static void test_malformed_json(void **state)
{
    (void)state;
    char *m = parse_error("{\n  'processes': {\n    'a': {'component': 'A',}\n  }\n}", RUNNEL_GRAPH_AUTO);
    unsigned line = 0, col = 0;
    int used = 0;
    assert_int_equal(sscanf(m, "t.json:%u:%u: %n", &line, &col, &used), 2);
    assert_int_equal(line, 3);
    assert_true(col > 0);
    assert_true(used > 0 && m[used] != '\0');
    free(m);
    m = parse_error("{'processes': {}", RUNNEL_GRAPH_NOFLO); /* cut short */
    assert_message(m, "t.json:1:", NULL);
    free(m);
    m = parse_error("", RUNNEL_GRAPH_NOFLO); /* (AUTO would take these two for .fbp) */
    assert_message(m, "t.json:", NULL);
    free(m);
    m = parse_error("[1, 2]", RUNNEL_GRAPH_REFLOW);
    assert_message(m, "t.json:1: ", "a graph is a JSON object", NULL);
    free(m);
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    char *m = parse_error("{\n  'processes': {\n    'a': {'component': 'A'},\n    'a': {'component': 'B'}\n"
                          "  }\n}",
                          RUNNEL_GRAPH_AUTO);
    assert_message(m, "t.json:4:", "duplicate", NULL);
    free(m);
    m = parse_error("{'caseSensitive': true, 'caseSensitive': false}", RUNNEL_GRAPH_NOFLO);
    assert_message(m, "t.json:1:", "duplicate", NULL);
    free(m);
}

static void test_processes_not_an_object(void **state)
{
    (void)state;
    expect_shape_error("{\n  'processes': ['a']\n}", RUNNEL_GRAPH_AUTO,
                       "t.json:2: ", "\"processes\" must be an object");
    expect_shape_error("{'processes': {\n 'a': 5}}", RUNNEL_GRAPH_NOFLO,
                       "t.json:2: ", "process \"a\" must be an object");
    expect_shape_error("{'processes': {'a': {'metadata': {}}}}", RUNNEL_GRAPH_NOFLO,
                       "t.json:1: ", "process \"a\": \"component\"");
    expect_shape_error("{'processes': {'a': {'component': 'A', 'metadata': [1]}}}", RUNNEL_GRAPH_NOFLO,
                       "t.json:1: ", "process \"a\": \"metadata\" must be an object");
}

static void test_connection_without_tgt(void **state)
{
    (void)state;
    expect_shape_error("{'connections': [\n  {'data': 1, 'tgt': {'process': 'a', 'port': 'i'}},\n"
                       "  {'src': {'process': 'a', 'port': 'o'}}\n]}",
                       RUNNEL_GRAPH_NOFLO, "t.json:3: ", "connections[1] has no 'tgt'");
    expect_shape_error("{'connections': [{'src': {'process': 'a', 'port': 'o'}, 'data': 2, 'tgt': "
                       "{'process': 'b', 'port': 'i'}}]}",
                       RUNNEL_GRAPH_NOFLO, "t.json:1: ", "connections[0] has both 'src' and 'data'");
    expect_shape_error("{'connections': [{'tgt': {'process': 'b', 'port': 'i'}}]}", RUNNEL_GRAPH_NOFLO,
                       "t.json:1: ", "connections[0] has neither");
    expect_shape_error("{'connections': [{'src': {'process': 'a', 'port': 'o'}, 'tgt': {'process': "
                       "'b', 'port': 'i', 'index': -1}}]}",
                       RUNNEL_GRAPH_NOFLO, "t.json:1: ", "connections[0].tgt: 'index' must be a non-negative integer");
    expect_shape_error("{'connections': [{'src': {'process': 'a'}, 'tgt': {'process': 'b', 'port': "
                       "'i'}}]}",
                       RUNNEL_GRAPH_NOFLO, "t.json:1: ", "connections[0]: the port of a connection");
    expect_shape_error("{'connections': {}}", RUNNEL_GRAPH_NOFLO, "t.json:1: ", "\"connections\" must be an array");
}

static void test_iip_with_a_source(void **state)
{
    (void)state;
    expect_shape_error("{'processes': {'a': {'id': 'a', 'component': 'A'}},\n 'connections': [\n"
                       "  {'from': {'nodeId': 'a', 'portId': 'o'}, 'to': {'nodeId': 'a', 'portId': "
                       "'i'}, 'data': 3}]}",
                       RUNNEL_GRAPH_AUTO,
                       "t.json:3: ", "connections[0] has 'data' (an IIP) but its 'from' names node 'a'");
    expect_shape_error("{'connections': [{'from': {'nodeId': ''}, 'to': {'nodeId': 'a', 'portId': "
                       "'i'}, 'data': null}]}",
                       RUNNEL_GRAPH_REFLOW,
                       "t.json:1: ", "connections[0]: 'from' names no node and there is no 'data'");
    expect_shape_error("{'connections': [{'from': {'nodeId': 'a', 'portId': 'o'}, 'to': {'nodeId': "
                       "'b', 'portId': 'i', 'portType': {'type': 'array', 'value': 3}}}]}",
                       RUNNEL_GRAPH_REFLOW, "t.json:1: ", "connections[0].to: 'portType' is not a Reflow port type");
}

static void test_process_id_mismatch(void **state)
{
    (void)state;
    expect_shape_error("{'processes': {\n  'a': {'id': 'a', 'component': 'A'},\n  'b': {'id': 'c', "
                       "'component': 'B'}}}",
                       RUNNEL_GRAPH_AUTO, "t.json:3: ", "process 'b': its 'id' ('c') differs from its key");
    expect_shape_error("{'processes': {'b': {'id': 7, 'component': 'B'}}}", RUNNEL_GRAPH_REFLOW,
                       "t.json:1: ", "process 'b': its 'id' (a number) differs");
}

static void test_other_shapes(void **state)
{
    (void)state;
    expect_shape_error("{\n'caseSensitive': 'yes'}", RUNNEL_GRAPH_AUTO, "t.json:2: ", "\"caseSensitive\" must be");
    expect_shape_error("{'properties': []}", RUNNEL_GRAPH_AUTO, "t.json:1: ", "\"properties\" must be an object");
    expect_shape_error("{'inports': {'x': {'process': 'a'}}}", RUNNEL_GRAPH_NOFLO, "t.json:1: ", "inport \"x\"");
    expect_shape_error("{'outports': {\n'x': {'nodeId': 1}}}", RUNNEL_GRAPH_REFLOW,
                       "t.json:2: ", "outport \"x\": \"nodeId\" must be a string");
    expect_shape_error("{'groups': [{'name': 'g', 'nodes': [1]}]}", RUNNEL_GRAPH_NOFLO,
                       "t.json:1: ", "groups[0]: \"nodes\" must hold node ids");
    expect_shape_error("{'groups': {}}", RUNNEL_GRAPH_NOFLO, "t.json:1: ", "\"groups\" must be an array");
}

/* ---------------------------------------------------------------- robustness */

/* One parse of exactly len bytes in a buffer of that size (ASan sees any read past it). AUTO only when the
   text begins with '{': runnel_graph_parse would take anything else for .fbp, which is not tested here. */
static void parse_cleanly(const char *doc, size_t len, runnel_graph_format fmt)
{
    char *buf = malloc(len ? len : 1);
    assert_non_null(buf);
    if (fmt == RUNNEL_GRAPH_AUTO && (len == 0 || doc[0] != '{'))
        fmt = RUNNEL_GRAPH_NOFLO;
    memcpy(buf, doc, len);
    runnel_report r = {0};
    runnel_graph *g = runnel_graph_parse(buf, len, fmt, "t.json", &r);
    if (g) {
        char *text = runnel_graph_write(g, RUNNEL_GRAPH_REFLOW, &r);
        free(text);
        runnel_report_clear(&r);
        text = runnel_graph_write(g, RUNNEL_GRAPH_NOFLO, &r);
        assert_non_null(text);
        free(text);
        runnel_graph_free(g);
    } else {
        assert_int_equal(r.status, RUNNEL_BADARG);
        assert_non_null(r.message);
        assert_true(strncmp(r.message, "t.json:", 7) == 0);
    }
    runnel_report_clear(&r);
    free(buf);
}

static void test_truncations_and_corruptions(void **state)
{
    (void)state;
    const char *docs[] = {rich_reflow, rich_noflo, noflo_example};
    static const runnel_graph_format formats[] = {RUNNEL_GRAPH_AUTO, RUNNEL_GRAPH_REFLOW, RUNNEL_GRAPH_NOFLO};
    static const char replacements[] = {'"', '{', '}', '[', ']', ',', ':', '\\', '\n', '0', 'x', '\0', (char)0xff};
    for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
        size_t len = strlen(docs[d]);
        for (size_t k = 0; k <= len; k++)
            parse_cleanly(docs[d], k, RUNNEL_GRAPH_AUTO);
        char *copy = strdup(docs[d]);
        assert_non_null(copy);
        for (size_t k = 0; k < len; k++) {
            char was = copy[k];
            for (size_t j = 0; j < sizeof replacements; j++) {
                copy[k] = replacements[j];
                parse_cleanly(copy, len, formats[j % 3]);
            }
            copy[k] = was;
        }
        free(copy);
    }
}

int main(void)
{
    unquote(rich_reflow);
    unquote(rich_noflo);
    unquote(noflo_example);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_reflow_graphs),
        cmocka_unit_test(test_shared_collector_exactly),
        cmocka_unit_test(test_shared_monitor_exactly),
        cmocka_unit_test(test_noflo_example_exactly),
        cmocka_unit_test(test_lines_reflow),
        cmocka_unit_test(test_lines_noflo),
        cmocka_unit_test(test_auto_detection),
        cmocka_unit_test(test_roundtrip_reflow),
        cmocka_unit_test(test_roundtrip_noflo),
        cmocka_unit_test(test_roundtrip_across),
        cmocka_unit_test(test_roundtrip_built_in_c),
        cmocka_unit_test(test_output_shapes),
        cmocka_unit_test(test_malformed_json),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_processes_not_an_object),
        cmocka_unit_test(test_connection_without_tgt),
        cmocka_unit_test(test_iip_with_a_source),
        cmocka_unit_test(test_process_id_mismatch),
        cmocka_unit_test(test_other_shapes),
        cmocka_unit_test(test_truncations_and_corruptions),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (failed == 0 && shared_missing) {
        fprintf(stderr, "test_formats: RUNNEL_SHARED is not set, so the shared Reflow graphs were skipped\n");
        return 77;
    }
    return failed;
}
