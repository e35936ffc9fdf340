/*
 * test_fbp.c - the .fbp language (src/graph/fbp.c): the reader, the writer, and a cross-check of both
 * against the reference parser, npm fbp 1.8.0.
 *
 * Without arguments: unit tests. Each reads text through runnel_graph_parse from a buffer of exactly
 * its length (no NUL after it, so AddressSanitizer sees any read past the end) and compares the graph
 * with the JSON the reference prints for the same text (its shape: processes, connections, inports,
 * outports, caseSensitive, properties), or an error with its exact "FILE:LINE:COL: message". Then the
 * writer: exact text, round trips, what it drops and what it refuses.
 *
 * With `--reference PATH/bin/fbp`: the cross-check. For every .fbp file of tests/graph/fbp, the reference's
 * JSON must equal ours (read case-insensitively, as `fbp FILE`; and case-sensitively, as
 * `fbp FILE --case-sensitive`, against ours with `# @caseSensitive true` put first), and the reference
 * must read the text our writer makes of our graph back to its JSON of the original. Every file of
 * fbp/bad must be rejected by both, those of fbp/only_reference (our deliberate errors) by us alone,
 * those of fbp/only_runnel (our leniencies) by the reference alone. When the reference cannot run (no
 * npm to install it, or no node), the program says why and exits 77: CTest reports it as skipped.
 */
#include "runnel/graph.h"

#include <dirent.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define CORPUS RUNNEL_GRAPH_TEST_DIR "/fbp"

/* ---------------------------------------------------------------- helpers */

/* Reads text from a buffer of exactly len bytes. NULL with *error set (malloc'ed) on failure. */
static runnel_graph *read_fbp(const char *text, size_t len, const char *file, char **error)
{
    char *exact = malloc(len ? len : 1);
    assert_non_null(exact);
    memcpy(exact, text, len);
    runnel_report r = {0};
    runnel_graph *g = runnel_graph_parse(exact, len, RUNNEL_GRAPH_FBP, file, &r);
    free(exact);
    if (error)
        *error = r.message ? strdup(r.message) : NULL;
    if (!g)
        assert_int_equal(r.status, RUNNEL_BADARG);
    runnel_report_clear(&r);
    return g;
}

static runnel_graph *parse(const char *text)
{
    char *error = NULL;
    runnel_graph *g = read_fbp(text, strlen(text), "t.fbp", &error);
    if (!g)
        fail_msg("%s\nfails: %s", text, error);
    free(error);
    return g;
}

static void parse_fails(const char *text, const char *message)
{
    char *error = NULL;
    runnel_graph *g = read_fbp(text, strlen(text), "t.fbp", &error);
    if (g)
        fail_msg("%s\nwas read, but should fail with: %s", text, message);
    if (!error || strcmp(error, message) != 0)
        fail_msg("%s\nfails with: %s\nnot with:   %s", text, error ? error : "(no message)", message);
    free(error);
}

static json_t *endpoint_json(const runnel_graph_endpoint *e)
{
    json_t *o = json_pack("{ssss}", "process", e->node, "port", e->port);
    if (e->index >= 0)
        json_object_set_new(o, "index", json_integer(e->index));
    return o;
}

/* The graph in the shape of the reference's JSON. */
static json_t *shape(const runnel_graph *g)
{
    size_t n;
    json_t *procs = json_object(), *conns = json_array(), *ports[2] = {json_object(), json_object()};
    const runnel_graph_node *nodes = runnel_graph_nodes(g, &n);
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_pack("{ss}", "component", nodes[i].component);
        if (json_object_size(nodes[i].metadata))
            json_object_set_new(p, "metadata", json_deep_copy(nodes[i].metadata));
        json_object_set_new(procs, nodes[i].id, p);
    }
    const runnel_graph_edge *edges = runnel_graph_edges(g, &n);
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_pack("{so}", "tgt", endpoint_json(&edges[i].tgt));
        if (edges[i].src.node)
            json_object_set_new(c, "src", endpoint_json(&edges[i].src));
        else
            json_object_set_new(c, "data", json_deep_copy(edges[i].data));
        json_array_append_new(conns, c);
    }
    for (int w = 0; w < 2; w++) {
        const runnel_graph_export *x = w ? runnel_graph_outports(g, &n) : runnel_graph_inports(g, &n);
        for (size_t i = 0; i < n; i++)
            json_object_set_new(ports[w], x[i].name,
                                json_pack("{ssss}", "process", x[i].inner.node, "port", x[i].inner.port));
    }
    json_t *out = json_pack("{sosososos[]sb}", "processes", procs, "connections", conns, "inports", ports[0],
                            "outports", ports[1], "groups", "caseSensitive", runnel_graph_case_sensitive(g));
    if (json_object_size(runnel_graph_properties(g)))
        json_object_set_new(out, "properties", json_deep_copy(runnel_graph_properties(g)));
    return out;
}

/* Whether two JSON values are equal, integers and reals told apart (json_equal does). */
static bool same_json(const json_t *expected, const json_t *actual, const char *what)
{
    if (json_equal(expected, actual))
        return true;
    char *a = json_dumps(expected, JSON_SORT_KEYS | JSON_COMPACT);
    char *b = json_dumps(actual, JSON_SORT_KEYS | JSON_COMPACT);
    print_error("%s:\nexpected %s\nactual   %s\n", what, a, b);
    free(a);
    free(b);
    return false;
}

/* The text read must give this graph, in the reference's JSON written with ' for " (\u0027 for a ')
   where "groups": [], "caseSensitive": false and empty connections, inports and outports may be left
   out. */
static void assert_reads_as(const char *text, const char *expected)
{
    char *json = strdup(expected);
    for (char *q = json; *q; q++)
        *q = *q == '\'' ? '"' : *q;
    json_error_t err;
    json_t *want = json_loads(json, 0, &err);
    free(json);
    if (!want)
        fail_msg("bad expected JSON %s: %s", expected, err.text);
    json_object_set_new(want, "groups", json_array());
    if (!json_object_get(want, "inports"))
        json_object_set_new(want, "inports", json_object());
    if (!json_object_get(want, "outports"))
        json_object_set_new(want, "outports", json_object());
    if (!json_object_get(want, "caseSensitive"))
        json_object_set_new(want, "caseSensitive", json_false());
    if (!json_object_get(want, "connections"))
        json_object_set_new(want, "connections", json_array());
    runnel_graph *g = parse(text);
    json_t *got = shape(g);
    bool ok = same_json(want, got, text);
    json_decref(want);
    json_decref(got);
    runnel_graph_free(g);
    assert_true(ok);
}

static char *write_fbp(const runnel_graph *g)
{
    runnel_report r = {0};
    char *text = runnel_graph_write(g, RUNNEL_GRAPH_FBP, &r);
    if (!text)
        fail_msg("cannot write: %s", r.message);
    runnel_report_clear(&r);
    return text;
}

/* parse(write(g)) has the same nodes, edges, IIPs, exports and properties (in the reference's shape). */
static void assert_round_trip(const runnel_graph *g)
{
    char *text = write_fbp(g);
    runnel_graph *back = parse(text);
    json_t *a = shape(g), *b = shape(back);
    bool ok = same_json(a, b, text);
    json_decref(a);
    json_decref(b);
    runnel_graph_free(back);
    free(text);
    assert_true(ok);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    *len = fread(buf, 1, cap, f);
    assert_true(*len < cap);
    fclose(f);
    return buf;
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The .fbp files of a directory, sorted, as a NULL-terminated list of paths. */
static char **fbp_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    char **paths = calloc(256, sizeof *paths);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 255;) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".fbp") == 0) {
            paths[n] = malloc(strlen(dir) + len + 2);
            sprintf(paths[n++], "%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    qsort(paths, n, sizeof *paths, compare_names);
    return paths;
}

static void free_list(char **list)
{
    for (char **p = list; *p; p++)
        free(*p);
    free(list);
}

static runnel_graph *load_file(const char *path, const char *prefix, char **error)
{
    size_t len;
    char *text = read_file(path, &len);
    size_t plen = strlen(prefix);
    char *all = malloc(plen + len + 1);
    memcpy(all, prefix, plen);
    memcpy(all + plen, text, len);
    runnel_graph *g = read_fbp(all, plen + len, path, error);
    free(all);
    free(text);
    return g;
}

/* ---------------------------------------------------------------- the reader */

static void test_empty_and_comments(void **state)
{
    (void)state;
    assert_reads_as("",
                    "{'processes': {}}");
    assert_reads_as("\n\n# only a comment\n\n",
                    "{'processes': {}}");
    runnel_graph *g = parse("");
    size_t n;
    runnel_graph_nodes(g, &n);
    assert_int_equal(n, 0);
    assert_int_equal(runnel_graph_source_format(g), RUNNEL_GRAPH_FBP);
    assert_false(runnel_graph_case_sensitive(g));
    runnel_graph_free(g);
}

static void test_nodes_and_iips(void **state)
{
    (void)state;
    assert_reads_as("'somefile' -> SOURCE Read(ReadFile)",
                    "{'processes': {'Read': {'component': 'ReadFile'}}, 'connections': [{'data': 'somefile', "
                    "'tgt': {'process': 'Read', 'port': 'source'}}]}");
    assert_reads_as("Display(Output)",
                    "{'processes': {'Display': {'component': 'Output'}}}");
    assert_reads_as("'Hello 09' -> IN_2 Foo-Node-42(my-cool/Component_15)",
                    "{'processes': {'Foo-Node-42': {'component': 'my-cool/Component_15'}}, "
                    "'connections': [{'data': 'Hello 09', 'tgt': {'process': 'Foo-Node-42', 'port': 'in_2'}}]}");
    /* a later definition changes the component (an empty one does not) and replaces the metadata */
    assert_reads_as("A(X:a=1)\nA(Y)\nA()\nA(:b=2)",
                    "{'processes': {'A': {'component': 'Y', 'metadata': {'b': '2'}}}}");
}

static void test_chains(void **state)
{
    (void)state;
    assert_reads_as("'f.txt' -> SOURCE Read(ReadFile) OUT -> IN Split(SplitStr) OUT[1] -> IN[0] Show(Output)",
                    "{'processes': {'Read': {'component': 'ReadFile'}, 'Split': {'component': 'SplitStr'}, "
                    "'Show': {'component': 'Output'}}, 'connections': [{'data': 'f.txt', 'tgt': {'process': 'Read', "
                    "'port': 'source'}}, {'src': {'process': 'Read', 'port': 'out'}, 'tgt': {'process': 'Split', "
                    "'port': 'in'}}, {'src': {'process': 'Split', 'port': 'out', 'index': 1}, "
                    " 'tgt': {'process': 'Show', 'port': 'in', 'index': 0}}]}");
    /* no spaces around arrows; a node with a port on both sides first in a chain (its in-port is no edge) */
    assert_reads_as("IN a(A) OUT->IN b(B)->c(C)",
                    "{'processes': {'a': {'component': 'A'}, 'b': {'component': 'B'}, 'c': {'component': 'C'}}, "
                    "'connections': [{'src': {'process': 'a', 'port': 'out'}, 'tgt': {'process': 'b', "
                    "'port': 'in'}}, {'src': {'process': 'b', 'port': 'out'}, 'tgt': {'process': 'c', "
                    "'port': 'in'}}]}");
    /* statements need no separator; a node name alone at the end names nothing */
    assert_reads_as("A(X) -> B(Y) C(Z) -> D(W) E",
                    "{'processes': {'A': {'component': 'X'}, 'B': {'component': 'Y'}, 'C': {'component': 'Z'}, "
                    "'D': {'component': 'W'}}, 'connections': [{'src': {'process': 'A', 'port': 'out'}, "
                    "'tgt': {'process': 'B', 'port': 'in'}}, {'src': {'process': 'C', 'port': 'out'}, "
                    "'tgt': {'process': 'D', 'port': 'in'}}]}");
    /* a port index is decimal, leading zeros and all */
    assert_reads_as("A(X) OUT[007] -> IN[10] B(Y)",
                    "{'processes': {'A': {'component': 'X'}, 'B': {'component': 'Y'}}, "
                    "'connections': [{'src': {'process': 'A', 'port': 'out', 'index': 7}, 'tgt': {'process': 'B', "
                    "'port': 'in', 'index': 10}}]}");
}

static void test_anonymous_nodes_and_default_ports(void **state)
{
    (void)state;
    assert_reads_as("(A) OUT -> IN (B) OUT -> IN (B)",
                    "{'processes': {'_A_1': {'component': 'A'}, '_B_1': {'component': 'B'}, "
                    "'_B_2': {'component': 'B'}}, 'connections': [{'src': {'process': '_A_1', 'port': 'out'}, "
                    "'tgt': {'process': '_B_1', 'port': 'in'}}, {'src': {'process': '_B_1', 'port': 'out'}, "
                    "'tgt': {'process': '_B_2', 'port': 'in'}}]}");
    /* only the first run of other characters than letters and digits becomes "_" */
    assert_reads_as("(core/Output) -> (a__b/c-d) -> (Comp_15)",
                    "{'processes': {'_core_Output_1': {'component': 'core/Output'}, "
                    "'_a_b/c-d_1': {'component': 'a__b/c-d'}, '_Comp_15_1': {'component': 'Comp_15'}}, "
                    "'connections': [{'src': {'process': '_core_Output_1', 'port': 'out'}, "
                    "'tgt': {'process': '_a_b/c-d_1', 'port': 'in'}}, {'src': {'process': '_a_b/c-d_1', "
                    "'port': 'out'}, 'tgt': {'process': '_Comp_15_1', 'port': 'in'}}]}");
    assert_reads_as("DEFAULT_INPORT=Data\nDEFAULT_OUTPORT=Result\nA(X) -> B(X)\n'v' -> B",
                    "{'processes': {'A': {'component': 'X'}, 'B': {'component': 'X'}}, "
                    "'connections': [{'src': {'process': 'A', 'port': 'result'}, 'tgt': {'process': 'B', "
                    "'port': 'data'}}, {'data': 'v', 'tgt': {'process': 'B', 'port': 'data'}}]}");
}

static void test_exports(void **state)
{
    (void)state;
    assert_reads_as("INPORT=Read.IN:FILENAME\nINPORT=Show.OPTIONS:OPTIONS\nOUTPORT=Show.OUT:OUT\n"
                    "Read(ReadFile) OUT -> IN Show(Output)",
                    "{'processes': {'Read': {'component': 'ReadFile'}, 'Show': {'component': 'Output'}}, "
                    "'connections': [{'src': {'process': 'Read', 'port': 'out'}, 'tgt': {'process': 'Show', "
                    "'port': 'in'}}], 'inports': {'filename': {'process': 'Read', 'port': 'in'}, "
                    "'options': {'process': 'Show', 'port': 'options'}}, 'outports': {'out': {'process': 'Show', "
                    "'port': 'out'}}}");
    /* a node defined in the line, an anonymous one, dotted port names, and a name exported twice (the
       second wins, names compared in lower case) */
    assert_reads_as("INPORT=R(Read).SRC.A:In.Put\nINPORT=(core/Kick).IN:kick\n  OUTPORT=R.OUT:X # c\nOUTPORT=R.ERR:x",
                    "{'processes': {'R': {'component': 'Read'}, '_core_Kick_1': {'component': 'core/Kick'}}, "
                    "'inports': {'in.put': {'process': 'R', 'port': 'src.a'}, 'kick': {'process': '_core_Kick_1', "
                    "'port': 'in'}}, 'outports': {'x': {'process': 'R', 'port': 'err'}}}");
    runnel_graph *g = parse("A(X)\n\nINPORT=A.IN:go\nOUTPORT=A.OUT:done");
    size_t n;
    const runnel_graph_export *in = runnel_graph_inports(g, &n);
    assert_int_equal(n, 1);
    assert_int_equal(in[0].line, 3);
    assert_int_equal(in[0].inner.index, -1);
    assert_int_equal(runnel_graph_outports(g, &n)[0].line, 4);
    runnel_graph_free(g);
}

static void test_metadata(void **state)
{
    (void)state;
    assert_reads_as("Read(ReadFile) OUT -> IN Display(Output:foo=bar,x=17,y=42)\n"
                    "Display OUT -> IN Drop(Drop:foo=baz,baz=/foo/bar)",
                    "{'processes': {'Read': {'component': 'ReadFile'}, 'Display': {'component': 'Output', "
                    "'metadata': {'foo': 'bar', 'x': 17, 'y': 42}}, 'Drop': {'component': 'Drop', "
                    "'metadata': {'foo': 'baz', 'baz': '/foo/bar'}}}, 'connections': [{'src': {'process': 'Read', "
                    "'port': 'out'}, 'tgt': {'process': 'Display', 'port': 'in'}}, {'src': {'process': 'Display', "
                    "'port': 'out'}, 'tgt': {'process': 'Drop', 'port': 'in'}}]}");
    /* an item without '=' is routes (the last wins), a=b=c keeps b, x and y are parseFloat's numbers or
       null, other values stay strings */
    assert_reads_as("A(X:routes,a=b=c,,z=1e3,=5,x=1e3,y=abc)\nB(X:x=007,y=12abc)\nC(X:x=Infinity,y=)",
                    "{'processes': {'A': {'component': 'X', 'metadata': {'routes': '', 'a': 'b', 'z': '1e3', "
                    "'': '5', 'x': 1000, 'y': null}}, 'B': {'component': 'X', 'metadata': {'x': 7, 'y': 12}}, "
                    "'C': {'component': 'X', 'metadata': {'x': null, 'y': null}}}}");
    runnel_graph *g = parse("A(X:x=17)");
    const json_t *x = json_object_get(runnel_graph_node_find(g, "A")->metadata, "x");
    assert_true(json_is_integer(x)); /* as the reference prints it: 17, not 17.0 */
    runnel_graph_free(g);
}

static void test_annotations(void **state)
{
    (void)state;
    assert_reads_as("# @runtime foo\n# @name ReadSomefile\n'somefile' -> SOURCE Read(ReadFile)",
                    "{'processes': {'Read': {'component': 'ReadFile'}}, 'connections': [{'data': 'somefile', "
                    "'tgt': {'process': 'Read', 'port': 'source'}}], 'properties': {'environment': {'type': 'foo'}, "
                    "'name': 'ReadSomefile'}}");
    /* the value runs to the end of the line, spaces and all; @runtime replaces environment */
    assert_reads_as("# @environment bar\n# @runtime foo\n# @description  A graph 1.0 \n",
                    "{'processes': {}, 'properties': {'environment': {'type': 'foo'}, 'description': 'A graph 1.0 '}}");
    /* not annotations, but comments: indented, other characters in the value, no newline after it */
    assert_reads_as("  # @name a\n# @name b!\n#@name c\n# @name d",
                    "{'processes': {}}");
    runnel_graph *g = parse("# @name Doubling\n");
    assert_string_equal(runnel_graph_name(g), "Doubling");
    runnel_graph_free(g);
}

static void test_case_sensitivity(void **state)
{
    (void)state;
    const char *text = "INPORT=Foo.inPut:Start\n'Hello' -> inPut Foo(Component), Foo outPut[1] -> Data Bar(Other)";
    assert_reads_as(text,
                    "{'processes': {'Foo': {'component': 'Component'}, 'Bar': {'component': 'Other'}}, "
                    "'connections': [{'data': 'Hello', 'tgt': {'process': 'Foo', 'port': 'input'}}, "
                    "{'src': {'process': 'Foo', 'port': 'output', 'index': 1}, 'tgt': {'process': 'Bar', "
                    "'port': 'data'}}], 'inports': {'start': {'process': 'Foo', 'port': 'input'}}}");
    char with[256];
    snprintf(with, sizeof with, "%s\n# @caseSensitive true\n", text);
    assert_reads_as(with,
                    "{'processes': {'Foo': {'component': 'Component'}, 'Bar': {'component': 'Other'}}, "
                    "'connections': [{'data': 'Hello', 'tgt': {'process': 'Foo', 'port': 'inPut'}}, "
                    "{'src': {'process': 'Foo', 'port': 'outPut', 'index': 1}, 'tgt': {'process': 'Bar', "
                    "'port': 'Data'}}], 'inports': {'Start': {'process': 'Foo', 'port': 'inPut'}}, "
                    "'caseSensitive': true}");
    /* default ports keep their case too */
    assert_reads_as("# @caseSensitive true\n(A) -> (B)",
                    "{'processes': {'_A_1': {'component': 'A'}, '_B_1': {'component': 'B'}}, 'caseSensitive': true, "
                    "'connections': [{'src': {'process': '_A_1', 'port': 'OUT'}, 'tgt': {'process': '_B_1', "
                    "'port': 'IN'}}]}");
}

static void test_comments_commas_and_lines(void **state)
{
    (void)state;
    const char *expected = "{'processes': {'Foo': {'component': 'Component'}, 'Bar': {'component': 'Other'}},"
                           " 'connections': [{'data': 'Hello', 'tgt': {'process': 'Foo', 'port': 'in'}},"
                           " {'data': 'World', 'tgt': {'process': 'Bar', 'port': 'in'}},"
                           " {'src': {'process': 'Foo', 'port': 'out'}, 'tgt': {'process': 'Bar', 'port': 'data'}}]}";
    assert_reads_as("'Hello' -> IN Foo(Component), 'World' -> IN Bar(Other), Foo OUT -> DATA Bar",
                    expected);
    assert_reads_as("# c\n'Hello' -> IN Foo(Component) ,# c\n   \n'World' -> IN Bar(Other) # c\r\nFoo OUT -> DATA Bar,",
                    expected);
    /* \r\n, \r, U+2028 and U+2029 end lines; a comment ends at any of them */
    assert_reads_as("'Hello' -> IN Foo(Component)\r'World' -> IN Bar(Other)# c\xe2\x80\xa8"
                    "Foo OUT -> DATA Bar\xe2\x80\xa9",
                    expected);
}

static void test_iip_text(void **state)
{
    (void)state;
    assert_reads_as("'it\\'s' -> A(X)\n'back\\slash \\\\ \\n' -> A\n'' -> A\n'# no comment -> no arrow' -> A\n"
                    "'two\nlines' -> A\n'h\xc3\xa9llo \xe6\x97\xa5' -> A",
                    "{'processes': {'A': {'component': 'X'}}, 'connections': [{'data': 'it\\u0027s', "
                    "'tgt': {'process': 'A', 'port': 'in'}}, {'data': 'back\\\\slash \\\\\\\\ \\\\n', "
                    "'tgt': {'process': 'A', 'port': 'in'}}, {'data': '', 'tgt': {'process': 'A', 'port': 'in'}}, "
                    "{'data': '# no comment -> no arrow', 'tgt': {'process': 'A', 'port': 'in'}}, "
                    "{'data': 'two\\nlines', 'tgt': {'process': 'A', 'port': 'in'}}, {'data': 'h\\u00e9llo \\u65e5', "
                    "'tgt': {'process': 'A', 'port': 'in'}}]}");
    /* a NUL inside an IIP is data */
    runnel_graph *g = read_fbp("'a\0b' -> IN A(X)", 16, "t.fbp", NULL);
    assert_non_null(g);
    size_t n;
    assert_int_equal(json_string_length(runnel_graph_edges(g, &n)[0].data), 3);
    runnel_graph_free(g);
}

static void test_iip_json(void **state)
{
    (void)state;
    assert_reads_as("{ \"string\": \"s\", \"number\": 123, \"array\": [1,2,3], \"object\": {}} -> IN Display(Output)",
                    "{'processes': {'Display': {'component': 'Output'}}, 'connections': [{'data': {'string': 's', "
                    "'number': 123, 'array': [1, 2, 3], 'object': {}}, 'tgt': {'process': 'Display', 'port': 'in'}}]}");
    /* numbers as the reference prints them: integral ones are integers */
    assert_reads_as("42 -> A(X)\n-7.25 -> A\n1.0 -> A\n1e3->A\n[1.5, -0, {\"a\": [true, null]}] -> A\n"
                    "\"a \\\"JSON\\\" string\\\\\" -> A\n\ttrue -> A",
                    "{'processes': {'A': {'component': 'X'}}, 'connections': [{'data': 42, 'tgt': {'process': 'A', "
                    "'port': 'in'}}, {'data': -7.25, 'tgt': {'process': 'A', 'port': 'in'}}, {'data': 1, "
                    "'tgt': {'process': 'A', 'port': 'in'}}, {'data': 1000, 'tgt': {'process': 'A', 'port': 'in'}}, "
                    "{'data': [1.5, 0, {'a': [true, null]}], 'tgt': {'process': 'A', 'port': 'in'}}, "
                    "{'data': 'a \\'JSON\\' string\\\\', 'tgt': {'process': 'A', 'port': 'in'}}, {'data': true, "
                    "'tgt': {'process': 'A', 'port': 'in'}}]}");
}

static void test_lines(void **state)
{
    (void)state;
    runnel_graph *g = parse("# line 1\n'x' -> IN A(X)\r\n\nA OUT -> IN B(Y) OUT -> IN C(Z)\n'multi\nline' -> IN C\n"
                            "B(W)\n"
                            "{\"a\":\n1} -> IN B");
    size_t n;
    const runnel_graph_node *nodes = runnel_graph_nodes(g, &n);
    assert_int_equal(n, 3);
    unsigned node_lines[] = {2, 4, 4}; /* the first definition */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(nodes[i].line, node_lines[i]);
    assert_string_equal(runnel_graph_node_find(g, "B")->component, "W");
    const runnel_graph_edge *edges = runnel_graph_edges(g, &n);
    assert_int_equal(n, 5);
    unsigned edge_lines[] = {2, 4, 4, 5, 8}; /* where the source or the IIP starts */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(edges[i].line, edge_lines[i]);
    runnel_graph_free(g);
}

static void test_not_nul_terminated(void **state)
{
    (void)state;
    char *error = NULL;
    /* the closing quote, the ')' and the rest of the name are past the length */
    assert_null(read_fbp("'abc' -> IN A(X)", 4, "t.fbp", &error));
    assert_string_equal(error, "t.fbp:1:1: this IIP has no closing quote (')");
    free(error);
    assert_null(read_fbp("A(X)", 3, "t.fbp", &error));
    assert_string_equal(error, "t.fbp:1:4: expected a component name, ':' or ')', found the end of the text");
    free(error);
    runnel_graph *g = read_fbp("A(X) -> B(Y)Z", 12, "t.fbp", &error);
    assert_non_null(g);
    assert_non_null(runnel_graph_node_find(g, "B"));
    runnel_graph_free(g);
    free(error);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *message;
    } cases[] = {
        {"'abc -> IN A(X)", "t.fbp:1:1: this IIP has no closing quote (')"},
        {"A(X)\n  'a\\' -> IN A", "t.fbp:2:3: this IIP has no closing quote (')"},
        {"->", "t.fbp:1:1: expected a port name, a node or an IIP ('text' or JSON), found '-'"},
        {"A(X) ->", "t.fbp:1:8: expected a port name, a node or an IIP ('text' or JSON), found the end of the text"},
        {"A(X) -> \n B(Y)", "t.fbp:1:9: expected a port name, a node or an IIP ('text' or JSON), found the end of the line"},
        {"'foo' --> Display(Output)", "t.fbp:1:7: expected '->', found '-'"},
        {"A(X) OUT -> IN B", "t.fbp:1:16: node \"B\" is never defined: write B(Component) once"},
        {"'x' -> IN B", "t.fbp:1:11: node \"B\" is never defined: write B(Component) once"},
        {"B OUT -> (X)", "t.fbp:1:1: node \"B\" is never defined: write B(Component) once"},
        {"A()", "t.fbp:1:1: node \"A\" has no component: write A(Component)"},
        {"A(X\n", "t.fbp:1:4: expected a component name, ':' or ')', found the end of the line"},
        {"A(X:) -> B(Y)", "t.fbp:1:5: expected metadata (key=value,...), found ')'"},
        {"A(X:a=b c) -> B(Y)", "t.fbp:1:8: expected ')', found a space"},
        {"A(X)\tOUT -> IN B(Y)", "t.fbp:1:5: expected '->', a port name, a node or an IIP ('text' or JSON), found a tab"},
        {"INPORT=A.IN\nA(X)", "t.fbp:1:12: expected ':' and the graph's name for the port, found the end of the line"},
        {"INPORT=A:X", "t.fbp:1:9: expected '.' and the node's port, found ':'"},
        {"INPORT=.IN:X", "t.fbp:1:8: expected a node, found '.'"},
        {"INPORT=A.IN[0]:X", "t.fbp:1:12: expected ':' and the graph's name for the port, found '['"},
        {"OUTPORT=A.OUT:", "t.fbp:1:15: expected a port name, found the end of the text"},
        {"INPORT=nothere.IN:x\nA(X)", "t.fbp:1:8: inport \"x\" names node \"nothere\", which is never defined"},
        {"A(X)\nOUTPORT=nothere.OUT:Y", "t.fbp:2:9: outport \"y\" names node \"nothere\", which is never defined"},
        {"EXPORT=A.IN:X", "t.fbp:1:7: expected '->', a port name, a node or an IIP ('text' or JSON), found '='"},
        {"DEFAULT_INPORT=3", "t.fbp:1:16: expected a port name, found '3'"},
        {"'x' -> IN A(X)\n'y' -> IN ", "t.fbp:2:11: expected a node, a port name or '->', found the end of the text"},
        {"{\"a\": } -> IN A(X)", "t.fbp:1:7: expected valid JSON (unexpected token near '}'), found '}'"},
        {"A(X) OUT[x] -> IN B(Y)", "t.fbp:1:10: expected a port index or valid JSON (invalid token near 'x'), found 'x'"},
        {"\n\n  A(B) -> )", "t.fbp:3:11: expected a port name, a node or an IIP ('text' or JSON), found ')'"},
        {"A(X)\n)", "t.fbp:2:1: expected a port name, a node or an IIP ('text' or JSON), found ')'"},
        {"# \xc3\xa9\xc3\xa9\n \xc3\xa9", "t.fbp:2:2: expected a port name, a node or an IIP ('text' or JSON), found byte 0xc3"},
        /* where we are stricter than the reference, on purpose */
        {"A(X) -> B(Y)\nA -> B -> C(Z)",
         "t.fbp:2:1: this out-port goes nowhere: after its '->' comes another source (an IIP, or a node with an out-port "
         "but no in-port before it)"},
        {"'x' -> 'y' -> IN A(X)",
         "t.fbp:1:1: this IIP goes nowhere: after its '->' comes another source (an IIP, or a node with an out-port but "
         "no in-port before it)"},
        {"A(X) OUT[2147483648] -> IN B(Y)", "t.fbp:1:6: this port index is too large"},
        {"'\xff' -> IN A(X)", "t.fbp:1:2: this IIP is not valid UTF-8"},
        {"1e400 -> IN A(X)", "t.fbp:1:5: expected valid JSON (real number overflow near '1e400'), found '0'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        parse_fails(cases[i].text, cases[i].message);
    runnel_graph *g = parse("A(X) OUT[2147483647] -> IN B(Y)");
    size_t n;
    assert_int_equal(runnel_graph_edges(g, &n)[0].src.index, 2147483647);
    runnel_graph_free(g);
}

/* Every prefix of a text that uses every rule, and many random edits of it, must read or fail with a
   FILE:LINE:COL message: no crash, no read past the end (AddressSanitizer), no leak. */
static void test_malformed_input_fails_cleanly(void **state)
{
    (void)state;
    size_t len;
    char *base = read_file(CORPUS "/bridges.fbp", &len);
    static const char extra[] = "INPORT=R(Read).A:b\nDEFAULT_INPORT=X\n# @name n\n'it\\'s' -> A(X:a=1,x=2) OUT[1] -> B\n"
                                "{\"a\": [1, -2.5e3, \"\\u00e9\"]} -> C(Y) ,\t[] -> (Z)\r\n";
    char *text = realloc(base, len + sizeof extra);
    memcpy(text + len, extra, sizeof extra - 1);
    len += sizeof extra - 1;
    static const char alphabet[] = "ab():=,.[]0'\\\" \n\t#@->{}INOUTPORT=_/-x\r";
    unsigned long seed = 42;
    size_t read_ok = 0, failed = 0;
    char *mutant = malloc(len + 8);
    for (size_t i = 0; i <= len + 20000; i++) {
        size_t mlen = i <= len ? i : len;
        memcpy(mutant, text, mlen);
        for (int e = 0; i > len && e < 3; e++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t pos = (seed >> 33) % (mlen + 1);
            char c = (seed >> 20) % 7 ? alphabet[(seed >> 40) % (sizeof alphabet - 1)] : (char)(seed >> 48);
            if ((seed >> 30) % 3 == 0 && mlen < len + 8) {
                memmove(mutant + pos + 1, mutant + pos, mlen - pos);
                mutant[pos] = c;
                mlen++;
            } else if ((seed >> 30) % 3 == 1 && pos < mlen) {
                memmove(mutant + pos, mutant + pos + 1, mlen - pos - 1);
                mlen--;
            } else if (pos < mlen)
                mutant[pos] = c;
        }
        char *error = NULL;
        runnel_graph *g = read_fbp(mutant, mlen, "m.fbp", &error);
        if (g) {
            read_ok++;
            runnel_report r = {0};
            char *w = runnel_graph_write(g, RUNNEL_GRAPH_FBP, &r);
            free(w);
            runnel_report_clear(&r);
        } else {
            failed++;
            assert_non_null(error);
            assert_true(strncmp(error, "m.fbp:", 6) == 0);
        }
        runnel_graph_free(g);
        free(error);
    }
    free(mutant);
    free(text);
    assert_true(read_ok > 100 && failed > 100);
}

/* ---------------------------------------------------------------- the writer */

static runnel_graph *sample_graph(void)
{
    runnel_graph *g = runnel_graph_new("Sample");
    runnel_report r = {0};
    json_t *props = json_pack("{sssss{ss}sisssss{}}", "name", "Sample", "description", "Two nodes 1.0", "environment",
                              "type", "runnel", "count", 3, "runtime", "dropped", "odd key!", "dropped", "obj");
    assert_int_equal(runnel_graph_set_properties(g, props, &r), RUNNEL_OK);
    json_decref(props);
    json_t *meta = json_pack("{sssisisssisssn}", "key", "value/with_slash", "x", 17, "y", -3, "label", "has space",
                             "factor", 3, "routes", "r1", "n", NULL);
    runnel_graph_node nodes[] = {{"Gen", "core/Repeat", meta, 0}, {"Out_2", "my-lib/Output", NULL, 0}};
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(runnel_graph_add_node(g, &nodes[i], &r), RUNNEL_OK);
    json_decref(meta);
    json_t *data[] = {json_string("it's a \\ test"), json_string("ends in \\"), json_string("tab\there"),
                      json_pack("{s[ifb]}", "a", 1, 2.5, 1), json_integer(-7), json_true(), json_null()};
    for (size_t i = 0; i < sizeof data / sizeof data[0]; i++) {
        runnel_graph_edge e = {.src = {.index = -1}, .tgt = {"Gen", "in", (int)i - 1}, .data = data[i]};
        assert_int_equal(runnel_graph_add_edge(g, &e, &r), RUNNEL_OK);
        json_decref(data[i]);
    }
    json_t *edge_meta = json_pack("{ss}", "route", "dropped");
    runnel_graph_edge e = {.src = {"Gen", "out", 2}, .tgt = {"Out_2", "in.a", -1}, .metadata = edge_meta};
    assert_int_equal(runnel_graph_add_edge(g, &e, &r), RUNNEL_OK);
    json_decref(edge_meta);
    runnel_graph_export in = {.name = "start", .inner = {"Gen", "in", -1}},
                        out = {.name = "result", .inner = {"Out_2", "out", -1}};
    assert_int_equal(runnel_graph_add_inport(g, &in, &r), RUNNEL_OK);
    assert_int_equal(runnel_graph_add_outport(g, &out, &r), RUNNEL_OK);
    const char *group_nodes[] = {"Gen"};
    runnel_graph_group group = {"main", group_nodes, 1, NULL};
    assert_int_equal(runnel_graph_add_group(g, &group, &r), RUNNEL_OK);
    return g;
}

static void test_write_text(void **state)
{
    (void)state;
    runnel_graph *g = sample_graph();
    char *text = write_fbp(g);
    assert_string_equal(text, "# @name Sample\n"
                              "# @description Two nodes 1.0\n"
                              "# @runtime runnel\n"
                              "INPORT=Gen.in:start\n"
                              "OUTPORT=Out_2.out:result\n"
                              "Gen(core/Repeat:key=value/with_slash,x=17,routes=r1)\n"
                              "Out_2(my-lib/Output)\n"
                              "'it\\'s a \\ test' -> in Gen\n"
                              "\"ends in \\\\\" -> in[0] Gen\n"
                              "\"tab\\there\" -> in[1] Gen\n"
                              "{\"a\":[1,2.5,true]} -> in[2] Gen\n"
                              "-7 -> in[3] Gen\n"
                              "'true' -> in[4] Gen\n"
                              "'null' -> in[5] Gen\n"
                              "Gen out[2] -> in.a Out_2\n");
    free(text);
    runnel_graph_free(g);
}

static void test_write_round_trip(void **state)
{
    (void)state;
    /* what .fbp can hold comes back: drop from the sample what it cannot (booleans and null become
       strings, metadata that key=value cannot say is dropped) */
    runnel_graph *g = parse("# @name Sample\n# @runtime runnel\nINPORT=Gen.in:start\nOUTPORT=Out_2.out:result\n"
                            "Gen(core/Repeat:key=value/with_slash,x=17,routes=r1,y=)\nOut_2(my-lib/Output)\n"
                            "'it\\'s a \\ test' -> in Gen\n\"ends in \\\\\" -> in[0] Gen\n\"tab\\there\" -> in[1] Gen\n"
                            "{\"a\":[1,2.5,true]} -> in[2] Gen\n-7 -> in[3] Gen\nGen out[2] -> in.a Out_2\n");
    assert_round_trip(g);
    runnel_graph_free(g);
    /* a case-sensitive graph keeps the case of its ports, through the annotation */
    g = parse("# @caseSensitive true\nINPORT=A.In:Start\nA(X) OUT -> inPut B(Y) Out -> IN A\n");
    assert_true(runnel_graph_case_sensitive(g));
    char *text = write_fbp(g);
    assert_non_null(strstr(text, "# @caseSensitive true\n"));
    free(text);
    assert_round_trip(g);
    runnel_graph_free(g);
    /* every file of the corpus */
    char **files = fbp_files(CORPUS);
    for (char **f = files; *f; f++) {
        char *error = NULL;
        runnel_graph *c = load_file(*f, "", &error);
        if (!c)
            fail_msg("%s", error);
        assert_round_trip(c);
        runnel_graph_free(c);
    }
    free_list(files);
}

static void test_write_refuses(void **state)
{
    (void)state;
    static const struct {
        const char *id, *component, *port, *export_name;
        int export_index;
        bool missing_node;
        const char *message;
    } cases[] = {
        {"a b", "X", "in", "e", -1, false,
         "cannot write .fbp: node \"a b\" is not a .fbp node name (letters, digits, _ and -, not first a digit or -)"},
        {"9a", "X", "in", "e", -1, false,
         "cannot write .fbp: node \"9a\" is not a .fbp node name (letters, digits, _ and -, not first a digit or -)"},
        {"a", "x.y", "in", "e", -1, false,
         "cannot write .fbp: component \"x.y\" is not a .fbp component name (letters, digits, _, - and /)"},
        {"a", "X", "in-1", "e", -1, false,
         "cannot write .fbp: port \"in-1\" is not a .fbp port name (letters, digits, _ and ., not first a digit or .)"},
        {"a", "X", "in", "e\n", -1, false,
         "cannot write .fbp: exported port \"e\\x0a\" is not a .fbp port name (letters, digits, _ and ., not first a "
         "digit or .)"},
        {"a", "X", "in", "e", 1, false,
         "cannot write .fbp: exported port \"e\" stands for one index of a port: INPORT= has none"},
        {"a", "X", "in", "e", -1, true,
         "cannot write .fbp: node \"ghost\" is connected but not in the graph (.fbp needs its component)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        runnel_graph *g = runnel_graph_new(NULL);
        runnel_report r = {0};
        runnel_graph_node n = {cases[i].id, cases[i].component, NULL, 0};
        assert_int_equal(runnel_graph_add_node(g, &n, &r), RUNNEL_OK);
        runnel_graph_edge e = {.src = {cases[i].missing_node ? "ghost" : cases[i].id, "out", -1},
                               .tgt = {cases[i].id, cases[i].port, -1}};
        assert_int_equal(runnel_graph_add_edge(g, &e, &r), RUNNEL_OK);
        runnel_graph_export x = {.name = cases[i].export_name, .inner = {cases[i].id, "in", cases[i].export_index}};
        assert_int_equal(runnel_graph_add_inport(g, &x, &r), RUNNEL_OK);
        char *text = runnel_graph_write(g, RUNNEL_GRAPH_FBP, &r);
        assert_null(text);
        assert_int_equal(r.status, RUNNEL_BADARG);
        assert_string_equal(r.message, cases[i].message);
        runnel_report_clear(&r);
        runnel_graph_free(g);
    }
}

/* ---------------------------------------------------------------- the cross-check */

static const char *reference; /* bin/fbp of npm fbp 1.8.0 */

static char *quote(const char *s)
{
    char *q = malloc(strlen(s) * 4 + 3), *o = q;
    *o++ = '\'';
    for (; *s; s++)
        o += *s == '\'' ? sprintf(o, "'\\''") : sprintf(o, "%c", *s);
    strcpy(o, "'");
    return q;
}

/* The reference's JSON for a file, or NULL when it rejects it. */
static json_t *run_reference(const char *path, bool case_sensitive)
{
    char *qr = quote(reference), *qp = quote(path), cmd[4096];
    snprintf(cmd, sizeof cmd, "node %s %s%s 2>/dev/null", qr, qp, case_sensitive ? " --case-sensitive" : "");
    free(qr);
    free(qp);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap);
    for (size_t n; (n = fread(out + len, 1, cap - len - 1, p)) > 0;)
        len += n;
    int status = pclose(p);
    json_t *v = NULL;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        json_error_t err;
        v = json_loadb(out, len, 0, &err);
        if (!v)
            fail_msg("%s: the reference printed what is not JSON (%s): %.*s", path, err.text, (int)len, out);
    }
    free(out);
    return v;
}

/* 1 if ours equals the reference's JSON (printing the difference if not). */
static int compare_with_reference(const char *path, const char *prefix, bool case_sensitive)
{
    json_t *want = run_reference(path, case_sensitive);
    char *error = NULL;
    runnel_graph *g = load_file(path, prefix, &error);
    int ok = 0;
    if (!want)
        print_error("%s: the reference rejects it\n", path);
    else if (!g)
        print_error("%s: ours rejects it: %s\n", path, error);
    else {
        json_t *got = shape(g);
        ok = same_json(want, got, path);
        json_decref(got);
    }
    json_decref(want);
    runnel_graph_free(g);
    free(error);
    return ok;
}

/* 1 if the reference reads what we write of the file as it reads the file. */
static int compare_written(const char *path)
{
    char *error = NULL;
    runnel_graph *g = load_file(path, "", &error);
    if (!g) {
        print_error("%s: %s\n", path, error);
        free(error);
        return 0;
    }
    char *text = write_fbp(g);
    const char *base = strrchr(path, '/') + 1;
    char out[1024];
    mkdir(RUNNEL_GRAPH_BUILD_DIR "/fbp-written", 0777);
    snprintf(out, sizeof out, RUNNEL_GRAPH_BUILD_DIR "/fbp-written/%s", base);
    FILE *f = fopen(out, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    json_t *want = run_reference(path, false), *got = run_reference(out, false);
    int ok = want && got && same_json(want, got, out);
    if (!got)
        print_error("%s: the reference rejects what we wrote:\n%s\n", out, text);
    json_decref(want);
    json_decref(got);
    free(text);
    runnel_graph_free(g);
    return ok;
}

static void test_reference_reads_as_we_do(void **state)
{
    (void)state;
    char **files = fbp_files(CORPUS);
    int n = 0, same = 0, same_cs = 0;
    for (char **f = files; *f; f++, n++) {
        same += compare_with_reference(*f, "", false);
        same_cs += compare_with_reference(*f, "# @caseSensitive true\n", true);
    }
    free_list(files);
    print_message("reader: %d files, %d equal to the reference, %d equal to it case-sensitively\n", n, same, same_cs);
    assert_true(n >= 25);
    assert_int_equal(same, n);
    assert_int_equal(same_cs, n);
}

static void test_reference_reads_what_we_write(void **state)
{
    (void)state;
    char **files = fbp_files(CORPUS);
    int n = 0, same = 0;
    for (char **f = files; *f; f++, n++)
        same += compare_written(*f);
    free_list(files);
    print_message("writer: %d files written, the reference reads %d of them as the originals\n", n, same);
    assert_int_equal(same, n);
}

/* Files both reject, or only one of us: accepted must be "ref", "ours" or "none". */
static void check_rejections(const char *dir, bool reference_accepts, bool we_accept)
{
    char **files = fbp_files(dir);
    int n = 0, as_expected = 0;
    for (char **f = files; *f; f++, n++) {
        json_t *ref = run_reference(*f, false);
        char *error = NULL;
        runnel_graph *g = load_file(*f, "", &error);
        bool ok = (ref != NULL) == reference_accepts && (g != NULL) == we_accept;
        if (!ok)
            print_error("%s: the reference %s it, we %s it (%s)\n", *f, ref ? "accepts" : "rejects",
                        g ? "accept" : "reject", error ? error : "");
        as_expected += ok;
        json_decref(ref);
        runnel_graph_free(g);
        free(error);
    }
    free_list(files);
    print_message("%s: %d files, %d as expected (reference %s, runnel %s)\n", strrchr(dir, '/') + 1, n, as_expected,
                  reference_accepts ? "accepts" : "rejects", we_accept ? "accepts" : "rejects");
    assert_true(n > 0);
    assert_int_equal(as_expected, n);
}

static void test_reference_rejects_what_we_reject(void **state)
{
    (void)state;
    check_rejections(CORPUS "/bad", false, false);
    check_rejections(CORPUS "/only_reference", true, false);
    check_rejections(CORPUS "/only_runnel", false, true);
}

/* Why the reference cannot run, or NULL when it can. */
static const char *reference_missing(void)
{
    if (access(reference, R_OK) == 0)
        return system("node --version >/dev/null 2>&1") == 0 ? NULL : "node is not on PATH";
    return system("command -v npm >/dev/null 2>&1") == 0
               ? "it is not installed: the fixture graph_fbp_reference_setup failed, see its output"
               : "npm is not on PATH, so graph_fbp_reference_setup could not install it";
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--reference") == 0) {
        reference = argv[2];
        const char *why = reference_missing();
        if (why) {
            printf("SKIPPED: the reference parser %s cannot run: %s\n", reference, why);
            return 77;
        }
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_reference_reads_as_we_do),
            cmocka_unit_test(test_reference_reads_what_we_write),
            cmocka_unit_test(test_reference_rejects_what_we_reject),
        };
        return cmocka_run_group_tests_name("fbp_crosscheck", tests, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_comments),
        cmocka_unit_test(test_nodes_and_iips),
        cmocka_unit_test(test_chains),
        cmocka_unit_test(test_anonymous_nodes_and_default_ports),
        cmocka_unit_test(test_exports),
        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_annotations),
        cmocka_unit_test(test_case_sensitivity),
        cmocka_unit_test(test_comments_commas_and_lines),
        cmocka_unit_test(test_iip_text),
        cmocka_unit_test(test_iip_json),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_not_nul_terminated),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_malformed_input_fails_cleanly),
        cmocka_unit_test(test_write_text),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_write_refuses),
    };
    return cmocka_run_group_tests_name("fbp", tests, NULL, NULL);
}
