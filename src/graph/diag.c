/*
 * diag.c - findings about a graph, collected so that a user sees every problem at once.
 *
 * Validation (network.c) does not stop at the first mistake: a graph file written by hand usually has
 * several, and fixing them one run at a time is slow. Each finding says where it is as precisely as the
 * format allows (file and line; node and port) and is printed the way compilers print, so that editors
 * can jump to it: "FILE:LINE: error: node N, port P: message". Names come from graph files and plugins'
 * metadata, which a user may not control, so they are escaped before they reach a terminal.
 */
#include "graph_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends one finding whose message is already made (taken over); false when out of memory. */
static bool append(runnel_diags *d, runnel_diag_level level, const char *file, unsigned line, const char *node,
                   const char *port, char *msg)
{
    if (d->count == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 16;
        runnel_diag *n = realloc(d->items, ncap * sizeof *n);
        if (!n) {
            free(msg);
            return false;
        }
        d->items = n;
        d->cap = ncap;
    }
    runnel_diag *x = &d->items[d->count++];
    *x = (runnel_diag){.level = level, .line = line};
    x->file = file ? strdup(file) : NULL;
    x->node = node ? strdup(node) : NULL;
    x->port = port ? strdup(port) : NULL;
    x->message = msg ? msg : strdup("(out of memory)");
    return true;
}

void rn_diag_add(runnel_diags *d, runnel_diag_level level, const char *file, unsigned line, const char *node,
                 const char *port, const char *fmt, ...)
{
    if (!d)
        return;
    if (level == RUNNEL_DIAG_ERROR)
        d->errors++; /* counted even when not kept: the count is what decides */
    if (d->count > RUNNEL_DIAGS_MAX)
        return;
    if (d->count == RUNNEL_DIAGS_MAX) { /* a graph made to flood the terminal gets one line about it */
        append(d, RUNNEL_DIAG_INFO, NULL, 0, NULL, NULL,
               rn_format("more than %d findings: the rest are counted, not listed", RUNNEL_DIAGS_MAX));
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = rn_vformat(fmt, ap);
    va_end(ap);
    append(d, level, file, line, node, port, msg);
}

void runnel_diags_clear(runnel_diags *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->count; i++) {
        free(d->items[i].file);
        free(d->items[i].node);
        free(d->items[i].port);
        free(d->items[i].message);
    }
    free(d->items);
    memset(d, 0, sizeof *d);
}

static const char *level_name(runnel_diag_level l)
{
    switch (l) {
    case RUNNEL_DIAG_ERROR: return "error";
    case RUNNEL_DIAG_WARNING: return "warning";
    case RUNNEL_DIAG_INFO: return "info";
    }
    return "?";
}

void runnel_diags_print(const runnel_diags *d, FILE *out)
{
    for (size_t i = 0; d && i < d->count; i++) {
        const runnel_diag *x = &d->items[i];
        char *file = x->file ? rn_graph_escape(x->file) : NULL;
        char *node = x->node ? rn_graph_escape(x->node) : NULL;
        char *port = x->port ? rn_graph_escape(x->port) : NULL;
        char *msg = rn_graph_escape(x->message);
        if (file && x->line)
            fprintf(out, "%s:%u: ", file, x->line);
        else if (file)
            fprintf(out, "%s: ", file);
        fprintf(out, "%s: ", level_name(x->level));
        if (node && port)
            fprintf(out, "node %s, port %s: ", node, port);
        else if (node)
            fprintf(out, "node %s: ", node);
        fprintf(out, "%s\n", msg ? msg : "(out of memory)");
        free(file);
        free(node);
        free(port);
        free(msg);
    }
}
