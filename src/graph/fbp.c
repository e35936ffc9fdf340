/* fbp.c - the .fbp language (placeholder until the parser lands). */
#include "graph_impl.h"

runnel_graph *rn_graph_read_fbp(const char *text, size_t len, const char *file, runnel_report *r)
{
    (void)text;
    (void)len;
    rn_graph_fail(r, RUNNEL_BADARG, "%s: .fbp is not read yet", file);
    return NULL;
}

char *rn_graph_write_fbp(const runnel_graph *g, runnel_report *r)
{
    (void)g;
    rn_graph_fail(r, RUNNEL_BADARG, ".fbp is not written yet");
    return NULL;
}
