/*
 * fuzz_graph.c - the graph readers and writers under libFuzzer: arbitrary bytes as a graph file.
 *
 * A graph file is input a user may have been sent, so every reader must fail cleanly on anything. What
 * this target checks beyond "no crash, no sanitizer report, no leak":
 *   - a graph that reads is written in each of the three formats, and what is written reads back;
 *   - writing is a fixed point: write(read(write(g))) == write(g), per format, so a conversion never
 *     drifts when repeated;
 *   - validation (with the built-ins only) runs on it and reports rather than fails: every error it
 *     finds has a message.
 * Seeds: the graph files of the tests and examples (seed.sh), and Reflow's graphs in the shared folder.
 */
#include "runnel/graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);                               \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

static void round_trip(const runnel_graph *g, runnel_graph_format fmt)
{
    runnel_report r = {0};
    char *text = runnel_graph_write(g, fmt, &r);
    if (!text) {
        CHECK(r.status != RUNNEL_OK && r.message);
        runnel_report_clear(&r);
        return;
    }
    runnel_graph *again = runnel_graph_parse(text, strlen(text), fmt, "written", &r);
    if (!again) {
        fprintf(stderr, "written %s does not read back: %s\n%s\n", runnel_graph_format_name(fmt),
                r.message ? r.message : "?", text);
        abort();
    }
    char *text2 = runnel_graph_write(again, fmt, &r);
    CHECK(text2 != NULL);
    if (strcmp(text, text2) != 0) {
        fprintf(stderr, "writing %s is not a fixed point:\n%s\n---\n%s\n", runnel_graph_format_name(fmt), text, text2);
        abort();
    }
    free(text2);
    runnel_graph_free(again);
    free(text);
    runnel_report_clear(&r);
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
