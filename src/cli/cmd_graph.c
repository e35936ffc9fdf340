/*
 * cmd_graph.c - `runnel graph check` and `runnel graph convert`: a graph file looked at, not run.
 *
 * check loads the graph in any of the three formats, resolves its components (compiling each .wasm
 * and asking it for its metadata, as a run would) and prints every finding, then a summary. It is the
 * same validation `runnel run` does before it starts, so a graph that checks clean starts clean.
 * convert writes a graph in another format; what the target cannot hold (groups and edge metadata in
 * .fbp, port types outside Reflow's JSON) is dropped, everything else survives the round trip.
 *
 * Exit status, as for `runnel run GRAPH`: 0 the graph is valid (or was converted), 2 it is not (or the
 * command line is wrong), 1 the output could not be written.
 */
#include "cli.h"
#include "graph_cli.h"

#include <stdlib.h>
#include <string.h>

void rn_cli_help_graph(FILE *out)
{
    fprintf(out,
            "usage: runnel graph check [--components DIR]... GRAPH\n"
            "       runnel graph convert GRAPH --to reflow|noflo|fbp [-o FILE]\n\n"
            "GRAPH is a flow-based program in Reflow's graph JSON, NoFlo's JSON or the .fbp language\n"
            "(told apart by the extension .fbp and by the JSON's shape).\n\n"
            "check   validates the graph as `runnel run` would before starting it: unknown components,\n"
            "        ports (against each plugin's get_metadata), port types, IIP values, node config\n"
            "        against the config_schema, required in-ports left unconnected. Every finding is\n"
            "        printed as FILE:LINE: error: node N, port P: what; cycles are reported as info.\n"
            "        Then a summary of the graph.\n"
            "convert writes the graph in another format (to stdout, or to FILE with -o).\n\n"
            "options:\n"
            "  --components DIR     look for a component NAME as DIR/NAME.wasm (also .json, .fbp\n"
            "                       subgraphs) before the graph's own directory (repeatable)\n"
            "  --to FORMAT          reflow, noflo (or json) or fbp\n"
            "  -o FILE              write to FILE instead of stdout\n"
            "  -h, --help           this text\n\n"
            "exit status: 0 valid (converted); 2 the graph does not validate, cannot be read, or the\n"
            "command line is wrong; 1 the output cannot be written.\n\n"
            "example: runnel graph check examples/graphs/pipeline.fbp\n");
}

static void summary(const runnel_graph *g, const char *path)
{
    size_t nn, ne, ni, no;
    const runnel_graph_node *nodes = runnel_graph_nodes(g, &nn);
    const runnel_graph_edge *edges = runnel_graph_edges(g, &ne);
    const runnel_graph_export *in = runnel_graph_inports(g, &ni), *out = runnel_graph_outports(g, &no);
    size_t iips = 0;
    for (size_t i = 0; i < ne; i++)
        iips += edges[i].data != NULL;
    char *file = rn_cli_escape(path);
    printf("%s: valid (%s)\n", file ? file : "?", runnel_graph_format_name(runnel_graph_source_format(g)));
    free(file);
    printf("  %zu node%s, %zu connection%s, %zu IIP%s\n", nn, nn == 1 ? "" : "s", ne - iips, ne - iips == 1 ? "" : "s",
           iips, iips == 1 ? "" : "s");
    for (size_t i = 0; i < nn; i++) {
        char *id = rn_cli_escape(nodes[i].id), *comp = rn_cli_escape(nodes[i].component);
        printf("  node %s (%s)\n", id ? id : "?", comp ? comp : "?");
        free(id);
        free(comp);
    }
    for (int d = 0; d < 2; d++) {
        size_t n = d ? no : ni;
        const runnel_graph_export *x = d ? out : in;
        for (size_t i = 0; i < n; i++) {
            char *name = rn_cli_escape(x[i].name), *node = rn_cli_escape(x[i].inner.node),
                 *port = rn_cli_escape(x[i].inner.port);
            printf("  %s %s = %s.%s\n", d ? "outport" : "inport", name ? name : "?", node ? node : "?",
                   port ? port : "?");
            free(name);
            free(node);
            free(port);
        }
    }
}

static int check(int argc, char **argv)
{
    rn_cli_graph_sources src = {0};
    const char *file = NULL;
    int rc = RN_CLI_USAGE;
    for (int i = 1; i < argc; i++) {
        int got = rn_cli_graph_sources_option(&src, argc, argv, &i);
        if (got < 0)
            goto done;
        if (got > 0)
            continue;
        if (rn_cli_is_help(argv[i])) {
            rn_cli_help_graph(stdout);
            rc = RN_CLI_OK;
            goto done;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            rn_cli_error("graph check: unknown option %s (see runnel help graph)", argv[i]);
            goto done;
        }
        if (file) {
            rn_cli_error("graph check: one graph at a time");
            goto done;
        }
        file = argv[i];
    }
    if (!file) {
        rn_cli_error("graph check: no graph given (see runnel help graph)");
        goto done;
    }
    runnel_graph *g = rn_cli_load_graph(file);
    runnel_components *c = g ? rn_cli_graph_components(&src) : NULL;
    if (g && c) {
        runnel_diags d = {0};
        runnel_status st = runnel_graph_check(g, c, &d);
        runnel_diags_print(&d, stderr);
        if (st == RUNNEL_OK)
            summary(g, file);
        else
            fprintf(stderr, "runnel: %zu error%s: the graph does not validate\n", d.errors, d.errors == 1 ? "" : "s");
        rc = st == RUNNEL_OK ? RN_CLI_OK : RN_CLI_USAGE;
        runnel_diags_clear(&d);
    }
    runnel_components_free(c);
    runnel_graph_free(g);
done:
    rn_cli_graph_sources_free(&src);
    return rc;
}

static int convert(int argc, char **argv)
{
    const char *file = NULL, *to = NULL, *out_path = NULL, *v;
    for (int i = 1; i < argc; i++) {
        int got = 0;
        if (rn_cli_is_help(argv[i])) {
            rn_cli_help_graph(stdout);
            return RN_CLI_OK;
        }
        if (rn_cli_next_option(argc, argv, &i, "to", &v, &got))
            to = v;
        if (!got && strcmp(argv[i], "-o") == 0) {
            if (i + 1 >= argc) {
                rn_cli_error("graph convert: -o needs a file");
                return RN_CLI_USAGE;
            }
            out_path = argv[++i];
            continue;
        }
        if (got < 0)
            return RN_CLI_USAGE;
        if (got)
            continue;
        if (argv[i][0] == '-' && argv[i][1]) {
            rn_cli_error("graph convert: unknown option %s (see runnel help graph)", argv[i]);
            return RN_CLI_USAGE;
        }
        if (file) {
            rn_cli_error("graph convert: one graph at a time");
            return RN_CLI_USAGE;
        }
        file = argv[i];
    }
    runnel_graph_format fmt;
    if (!file || !to) {
        rn_cli_error("graph convert: %s (see runnel help graph)", file ? "no --to FORMAT given" : "no graph given");
        return RN_CLI_USAGE;
    }
    if (!runnel_graph_format_from_name(to, &fmt)) {
        rn_cli_error("graph convert: --to wants reflow, noflo or fbp, not '%s'", to);
        return RN_CLI_USAGE;
    }
    runnel_graph *g = rn_cli_load_graph(file);
    if (!g)
        return RN_CLI_USAGE;
    runnel_report r = {0};
    char *text = runnel_graph_write(g, fmt, &r);
    runnel_graph_free(g);
    int rc = RN_CLI_OK;
    if (!text) {
        rn_cli_error("graph convert: %s", r.message ? r.message : "cannot write the graph");
        rc = RN_CLI_USAGE;
    } else if (!rn_cli_write_file(out_path, text, strlen(text))) {
        rc = RN_CLI_FAIL;
    }
    free(text);
    runnel_report_clear(&r);
    return rc;
}

int rn_cli_cmd_graph(int argc, char **argv)
{
    if (argc < 2) {
        rn_cli_help_graph(stderr);
        return RN_CLI_USAGE;
    }
    if (rn_cli_is_help(argv[1])) {
        rn_cli_help_graph(stdout);
        return RN_CLI_OK;
    }
    if (strcmp(argv[1], "check") == 0)
        return check(argc - 1, argv + 1);
    if (strcmp(argv[1], "convert") == 0)
        return convert(argc - 1, argv + 1);
    rn_cli_error("graph: no subcommand '%s' (check or convert; see runnel help graph)", argv[1]);
    return RN_CLI_USAGE;
}
