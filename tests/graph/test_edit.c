/*
 * test_edit.c - the graph layer's live-editing calls (runnel_graph_rename_node, _set_node_metadata,
 * _remove_edge, _set_edge_metadata, _remove_initial, _remove_/_rename_inport/outport), which the FBP
 * Network Protocol server (src/serve/protocol.c) uses for the graph sub-protocol's commands.
 *
 * Each test builds a small graph in C, edits it, and checks every array the accessors return, so that a
 * reference left behind (an edge still naming the old node id, an export kept after removal) shows.
 */
#include "runnel/graph.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* Repeat1(core/Repeat) OUT -> IN Drop1(core/Drop); 'x' -> IN Repeat1; INPORT=Repeat1.IN:IN; OUTPORT=Repeat1.OUT:OUT;
   a group naming Repeat1. */
static runnel_graph *sample(void)
{
    runnel_graph *g = runnel_graph_new("sample");
    assert_non_null(g);
    runnel_report r = {0};
    runnel_graph_node a = {.id = "Repeat1", .component = "core/Repeat"};
    runnel_graph_node b = {.id = "Drop1", .component = "core/Drop"};
    assert_int_equal(runnel_graph_add_node(g, &a, &r), RUNNEL_OK);
    assert_int_equal(runnel_graph_add_node(g, &b, &r), RUNNEL_OK);
    json_t *meta = json_pack("{s:i}", "route", 5);
    runnel_graph_edge e = {.src = {"Repeat1", "out", -1}, .tgt = {"Drop1", "in", -1}, .metadata = meta};
    assert_int_equal(runnel_graph_add_edge(g, &e, &r), RUNNEL_OK);
    json_decref(meta);
    json_t *data = json_string("x");
    runnel_graph_edge iip = {.src = {NULL, NULL, -1}, .tgt = {"Repeat1", "in", -1}, .data = data};
    assert_int_equal(runnel_graph_add_edge(g, &iip, &r), RUNNEL_OK);
    json_decref(data);
    runnel_graph_export in = {.name = "IN", .inner = {"Repeat1", "in", -1}};
    runnel_graph_export out = {.name = "OUT", .inner = {"Repeat1", "out", -1}};
    assert_int_equal(runnel_graph_add_inport(g, &in, &r), RUNNEL_OK);
    assert_int_equal(runnel_graph_add_outport(g, &out, &r), RUNNEL_OK);
    const char *members[] = {"Repeat1", "Drop1"};
    runnel_graph_group gr = {.name = "grp", .nodes = members, .nnodes = 2};
    assert_int_equal(runnel_graph_add_group(g, &gr, &r), RUNNEL_OK);
    runnel_report_clear(&r);
    return g;
}

static void test_rename_node(void **state)
{
    (void)state;
    runnel_graph *g = sample();
    runnel_report r = {0};
    assert_int_equal(runnel_graph_rename_node(g, "Repeat1", "Renamed", &r), RUNNEL_OK);
    assert_null(runnel_graph_node_find(g, "Repeat1"));
    assert_string_equal(runnel_graph_node_find(g, "Renamed")->component, "core/Repeat");
    size_t n;
    const runnel_graph_edge *e = runnel_graph_edges(g, &n);
    assert_int_equal(n, 2);
    assert_string_equal(e[0].src.node, "Renamed");
    assert_string_equal(e[0].tgt.node, "Drop1");
    assert_string_equal(e[1].tgt.node, "Renamed");
    assert_string_equal(runnel_graph_inports(g, &n)[0].inner.node, "Renamed");
    assert_string_equal(runnel_graph_outports(g, &n)[0].inner.node, "Renamed");
    assert_string_equal(runnel_graph_groups(g, &n)[0].nodes[0], "Renamed");
    /* errors: no such node, a taken id, an empty id; nothing changes */
    assert_int_equal(runnel_graph_rename_node(g, "Nope", "X", &r), RUNNEL_BADARG);
    assert_non_null(strstr(r.message, "no node"));
    assert_int_equal(runnel_graph_rename_node(g, "Renamed", "Drop1", &r), RUNNEL_BADARG);
    assert_non_null(strstr(r.message, "exists already"));
    assert_int_equal(runnel_graph_rename_node(g, "Renamed", "", &r), RUNNEL_BADARG);
    assert_int_equal(runnel_graph_rename_node(g, "Renamed", "Renamed", &r), RUNNEL_OK);
    assert_non_null(runnel_graph_node_find(g, "Renamed"));
    runnel_report_clear(&r);
    runnel_graph_free(g);
}

static void test_node_metadata(void **state)
{
    (void)state;
    runnel_graph *g = sample();
    runnel_report r = {0};
    json_t *m = json_pack("{s:i, s:s}", "sort", 1, "tag", "awesome");
    assert_int_equal(runnel_graph_set_node_metadata(g, "Drop1", m, &r), RUNNEL_OK);
    json_object_set_new(m, "sort", json_integer(2)); /* a copy was kept */
    const json_t *got = runnel_graph_node_find(g, "Drop1")->metadata;
    assert_int_equal(json_integer_value(json_object_get(got, "sort")), 1);
    assert_string_equal(json_string_value(json_object_get(got, "tag")), "awesome");
    assert_int_equal(runnel_graph_set_node_metadata(g, "Nope", m, &r), RUNNEL_BADARG);
    json_t *arr = json_array();
    assert_int_equal(runnel_graph_set_node_metadata(g, "Drop1", arr, &r), RUNNEL_BADARG);
    json_decref(arr);
    json_decref(m);
    runnel_report_clear(&r);
    runnel_graph_free(g);
}

static void test_edges_and_iips(void **state)
{
    (void)state;
    runnel_graph *g = sample();
    runnel_report r = {0};
    runnel_graph_endpoint src = {"Repeat1", "OUT", -1}, tgt = {"Drop1", "in", -1}; /* ports: not case-sensitive */
    json_t *m = json_pack("{s:i}", "route", 7);
    assert_int_equal(runnel_graph_set_edge_metadata(g, &src, &tgt, m, &r), RUNNEL_OK);
    size_t n;
    assert_int_equal(json_integer_value(json_object_get(runnel_graph_edges(g, &n)[0].metadata, "route")), 7);
    runnel_graph_endpoint wrong = {"Drop1", "out", -1};
    assert_int_equal(runnel_graph_set_edge_metadata(g, &wrong, &tgt, m, &r), RUNNEL_BADARG);
    json_decref(m);
    /* an IIP is not a connection: remove_edge leaves it */
    assert_false(runnel_graph_remove_edge(g, &wrong, &tgt));
    assert_true(runnel_graph_remove_edge(g, &src, &tgt));
    assert_false(runnel_graph_remove_edge(g, &src, &tgt));
    const runnel_graph_edge *e = runnel_graph_edges(g, &n);
    assert_int_equal(n, 1);
    assert_null(e[0].src.node);
    runnel_graph_endpoint iip_tgt = {"Repeat1", "in", -1};
    json_t *data = NULL;
    assert_false(runnel_graph_remove_initial(g, &tgt, &data));
    assert_null(data);
    assert_true(runnel_graph_remove_initial(g, &iip_tgt, &data));
    assert_string_equal(json_string_value(data), "x");
    json_decref(data);
    runnel_graph_edges(g, &n);
    assert_int_equal(n, 0);
    assert_false(runnel_graph_remove_initial(g, &iip_tgt, NULL));
    runnel_report_clear(&r);
    runnel_graph_free(g);
}

static void test_exports(void **state)
{
    (void)state;
    runnel_graph *g = sample();
    runnel_report r = {0};
    size_t n;
    assert_int_equal(runnel_graph_rename_inport(g, "IN", "input", &r), RUNNEL_OK);
    assert_string_equal(runnel_graph_inports(g, &n)[0].name, "input");
    assert_int_equal(runnel_graph_rename_inport(g, "IN", "x", &r), RUNNEL_BADARG);
    assert_int_equal(runnel_graph_rename_outport(g, "OUT", "", &r), RUNNEL_BADARG);
    runnel_graph_export out2 = {.name = "OUT2", .inner = {"Drop1", "in", -1}};
    assert_int_equal(runnel_graph_add_outport(g, &out2, &r), RUNNEL_OK);
    assert_int_equal(runnel_graph_rename_outport(g, "OUT", "OUT2", &r), RUNNEL_BADARG);
    assert_int_equal(runnel_graph_rename_outport(g, "OUT", "result", &r), RUNNEL_OK);
    assert_false(runnel_graph_remove_inport(g, "IN"));
    assert_true(runnel_graph_remove_inport(g, "input"));
    runnel_graph_inports(g, &n);
    assert_int_equal(n, 0);
    assert_true(runnel_graph_remove_outport(g, "result"));
    const runnel_graph_export *o = runnel_graph_outports(g, &n);
    assert_int_equal(n, 1);
    assert_string_equal(o[0].name, "OUT2");
    assert_false(runnel_graph_remove_outport(g, "result"));
    runnel_report_clear(&r);
    runnel_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rename_node),
        cmocka_unit_test(test_node_metadata),
        cmocka_unit_test(test_edges_and_iips),
        cmocka_unit_test(test_exports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
