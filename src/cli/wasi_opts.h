/*
 * wasi_opts.h - the WASI side of `runnel run`: its options and the context they make.
 *
 * `runnel run FILE.wasm [--dir HOST[::GUEST]] [--dir-ro HOST[::GUEST]] [--env K=V] [-- ARGS...]` runs a
 * WASI command the way `wasmtime run` does: the guest's argv is FILE then ARGS, stdin, stdout and
 * stderr are the command's own, and only the directories and variables named on the command line are
 * granted. cmd_run.c owns the command line; these functions are the part of it that is WASI's.
 */
#ifndef RN_CLI_WASI_OPTS_H
#define RN_CLI_WASI_OPTS_H

#include "runnel/wasi.h"

#include <stdio.h>

typedef struct rn_cli_wasi_dir {
    const char *spec; /* HOST or HOST::GUEST, as given */
    bool read_only;
} rn_cli_wasi_dir;

typedef struct rn_cli_wasi_opts {
    rn_cli_wasi_dir *dirs; /* argc entries at most, malloc'ed on first use */
    const char **env;      /* K=V (or K: the host's value of K) */
    int ndirs, nenv;
    runnel_wasi *ctx;      /* made by rn_cli_wasi_setup */
} rn_cli_wasi_opts;

/* If argv[*i] is --dir, --dir-ro or --env (with its value), records it and returns 1 (advancing *i
   past a separate value); 0 if it is another argument; -1 after printing why the value is wrong. */
int rn_cli_wasi_option(rn_cli_wasi_opts *w, int argc, char **argv, int *i);
/* Makes w->ctx: argv = file then args, the recorded variables and directories, the process's own
   stdio. Returns -1 on success, else an exit code (after printing why). */
int rn_cli_wasi_setup(rn_cli_wasi_opts *w, const char *file, int nargs, char **args);
void rn_cli_wasi_free(rn_cli_wasi_opts *w);
/* The options' lines for `runnel help run`. */
void rn_cli_wasi_help(FILE *out);

#endif
