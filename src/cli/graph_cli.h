/*
 * graph_cli.h - what `runnel run GRAPH` (graph_run.c) and `runnel graph` (cmd_graph.c) share: where
 * components come from, loading a graph with its errors printed, and escaping names for the terminal.
 */
#ifndef RN_GRAPH_CLI_H
#define RN_GRAPH_CLI_H

#include "runnel/graph.h"

#include <stdbool.h>
#include <stdio.h>

/* --components DIR options, in the order given. */
typedef struct rn_cli_graph_sources {
    const char **dirs;
    int ndirs;
} rn_cli_graph_sources;

/* Takes argv[*i] if it is --components DIR (rn_cli_option's convention: 1, 0 or -1). */
int rn_cli_graph_sources_option(rn_cli_graph_sources *s, int argc, char **argv, int *i);
void rn_cli_graph_sources_free(rn_cli_graph_sources *s);
/* A registry with the built-ins and the directories (NULL after printing why). */
runnel_components *rn_cli_graph_components(const rn_cli_graph_sources *s);
/* Loads a graph file; prints the reason and returns NULL when it cannot be read. */
runnel_graph *rn_cli_load_graph(const char *path);
/* runnel_text_escape, never NULL (an empty string when out of memory); free the result. */
char *rn_cli_escape(const char *s);
/* Does this file name say "graph" (.json, .fbp)? */
bool rn_cli_is_graph_file(const char *path);
/* `runnel run GRAPH ...` (argv[0] is "run"), and its part of `runnel help run`. */
int rn_cli_run_graph(int argc, char **argv);
void rn_cli_help_run_graph(FILE *out);
/* Is the command line of `runnel run` one for a graph? Its file (the first argument that is neither an
   option nor an option's value) ends in .json or .fbp. */
bool rn_cli_run_names_graph(int argc, char **argv);

#endif
