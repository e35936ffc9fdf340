/*
 * fuzz_graph.c - the graph readers and writers under libFuzzer: arbitrary bytes as a graph file.
 *
 * A graph file is input a user may have been sent, so every reader must fail cleanly on anything. What
 * this target checks beyond "no crash, no sanitizer report, no leak":
 *   - a graph that reads is written in each of the three formats, and what is written reads back;
 *   - a conversion settles: the first write may normalise (.fbp folds port names to lower case in a
 *     graph that is not case-sensitive, as the reference parser does), but from then on writing what
 *     was read gives the same text, per format: write(read(t)) == t for t = write(read(write(g)));
 *   - validation (with the built-ins only) runs on it and reports rather than fails: every error it
 *     finds has a message.
 * Seeds: the graph files of the tests and examples (seed.sh), and Reflow's graphs in the shared folder.
 */
#include "fuzz_common.h" /* CHECK */
#include "runnel/graph.h"

#include <string.h>

/* write(read(text)) in fmt; the text read must read back (NULL only when writing fails cleanly). */
static char *rewrite(const char *text, runnel_graph_format fmt)
{
    runnel_report r = {0};
    runnel_graph *g = runnel_graph_parse(text, strlen(text), fmt, "written", &r);
    if (!g) {
        fprintf(stderr, "written %s does not read back: %s\n%s\n", runnel_graph_format_name(fmt),
                r.message ? r.message : "?", text);
        abort();
    }
    char *out = runnel_graph_write(g, fmt, &r);
    CHECK(out != NULL); /* what was written once can be written again */
    runnel_graph_free(g);
    runnel_report_clear(&r);
    return out;
}

static void round_trip(const runnel_graph *g, runnel_graph_format fmt)
{
    runnel_report r = {0};
    char *text = runnel_graph_write(g, fmt, &r);
    if (!text) {
        CHECK(r.status != RUNNEL_OK && r.message);
        runnel_report_clear(&r);
        return;
    }
    char *settled = rewrite(text, fmt);
    char *again = rewrite(settled, fmt);
    if (strcmp(settled, again) != 0) {
        fprintf(stderr, "converting to %s does not settle:\n%s\n---\n%s\n", runnel_graph_format_name(fmt), settled,
                again);
        abort();
    }
    free(again);
    free(settled);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    runnel_report r = {0};
    runnel_graph *g = runnel_graph_parse((const char *)data, size, RUNNEL_GRAPH_AUTO, "input", &r);
    if (!g) {
        CHECK(r.status != RUNNEL_OK && r.message);
        runnel_report_clear(&r);
        return 0;
    }
    round_trip(g, RUNNEL_GRAPH_NOFLO);
    round_trip(g, RUNNEL_GRAPH_REFLOW);
    round_trip(g, RUNNEL_GRAPH_FBP);
    runnel_components *c = runnel_components_new();
    CHECK(c != NULL);
    runnel_diags d = {0};
    runnel_status st = runnel_graph_check(g, c, &d);
    CHECK((st == RUNNEL_OK) == (d.errors == 0));
    for (size_t i = 0; i < d.count; i++)
        CHECK(d.items[i].message != NULL);
    runnel_diags_clear(&d);
    runnel_components_free(c);
    runnel_graph_free(g);
    return 0;
}
