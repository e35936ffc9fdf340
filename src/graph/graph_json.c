/* graph_json.c - Reflow's and NoFlo's graph JSON (placeholder until the reader lands). */
#include "graph_impl.h"

runnel_graph *rn_graph_read_json(const char *text, size_t len, runnel_graph_format fmt, const char *file,
                                 runnel_report *r)
{
    (void)text;
    (void)len;
    (void)fmt;
    rn_graph_fail(r, RUNNEL_BADARG, "%s: JSON graphs are not read yet", file);
    return NULL;
}

char *rn_graph_write_json(const runnel_graph *g, runnel_graph_format fmt, runnel_report *r)
{
    (void)g;
    (void)fmt;
    rn_graph_fail(r, RUNNEL_BADARG, "JSON graphs are not written yet");
    return NULL;
}
