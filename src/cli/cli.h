/*
 * cli.h - what the `runnel` subcommands share.
 *
 * The command is a thin layer over the public API (include/runnel/engine.h): every subcommand lives in
 * its own file (cmd_NAME.c) and is listed once in main.c's command table. What more than one
 * subcommand needs is here, so that all of them read files, parse options and values, print values
 * and report failures the same way:
 *
 *   - values on the command line are parsed by their WebAssembly type (integers in decimal or 0x hex,
 *     either signed or as the unsigned bit pattern; floats as C's strtod/strtof read them, plus
 *     `nan`, `nan:0xPAYLOAD` and `inf`), and printed back the way `wasmtime --invoke` prints them
 *     (integers signed decimal, floats as the shortest text that reads back to the same bits);
 *   - failures go to stderr with one prefix, "runnel: ", and map onto three exit codes;
 *   - `run` and `send` take their options before or after their positional arguments, as wasmtime
 *     does, through one parser (rn_cli_parse_args), so that the two cannot drift apart.
 *
 * Exit codes (documented in `runnel --help`): 0 success; 1 the module or the run failed (malformed,
 * invalid, unlinkable, trap, out of fuel, timeout, unreadable file); 2 the command line was wrong. A
 * guest that exits through WASI proc_exit gives its own code instead.
 */
#ifndef RN_CLI_H
#define RN_CLI_H

#include "runnel/actor_json.h"
#include "runnel/engine.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { RN_CLI_OK = 0, RN_CLI_FAIL = 1, RN_CLI_USAGE = 2 };

/* Every subcommand: argv[0] is the subcommand's name, the rest its arguments. Returns an exit code. */
typedef int (*rn_cli_main_fn)(int argc, char **argv);
/* Prints the subcommand's full help (usage, options, examples). */
typedef void (*rn_cli_help_fn)(FILE *out);

/* "runnel: error: ..." on stderr. */
void rn_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file ("-" = stdin) into a malloc'ed buffer, through the library's one reader (fileio.h:
   at most RUNNEL_MAX_INPUT bytes, 256 MiB by default). Prints the reason and returns false on failure.
   A zero-length file gives a non-NULL buffer and *len 0. */
bool rn_cli_read_file(const char *path, uint8_t **data, size_t *len);

/* Writes data to path atomically (rn_write_file_atomic, fileio.h: a temporary file in the same
   directory, fsync'ed, renamed over the old one, whose permission bits it keeps, the directory fsync'ed;
   a symbolic link's target is replaced, the link kept); NULL or "-" writes to stdout. Prints why and
   returns false on failure, leaving the old file as it was. */
bool rn_cli_write_file(const char *path, const void *data, size_t len);

/* Reads, decodes, validates and compiles a module. On failure prints "PATH: STATUS: MESSAGE (at
   offset 0xN)" on stderr, fills r and returns NULL. */
runnel_module *rn_cli_load_module(const char *path, runnel_report *r);
/* Prints why the module in bytes (read from path) did not load, as rn_cli_load_module does. */
void rn_cli_module_error(const char *path, const uint8_t *bytes, size_t len, const runnel_report *r);

/* The compiling tier on the command line (docs/compiling.md). Every command that runs wasm (run, call,
   send, run GRAPH) takes --compiled, and RUNNEL_COMPILE=1 in the environment does the same for all of
   them; `runnel run` also takes --native FILE (an artifact of runnel compile -o, loaded explicitly). */
typedef struct rn_cli_progress {
    char *what;        /* "FILE" or "the components of GRAPH", escaped for the terminal (malloc'ed) */
    uint64_t start_ns; /* when compiling began: the line shows only once it takes a while */
    bool tty;          /* stderr is a terminal (and not --quiet): else nothing is ever shown */
    bool shown;        /* a progress line is on the screen */
} rn_cli_progress;
typedef struct rn_cli_tier {
    bool compiled;          /* --compiled, or RUNNEL_COMPILE=1 */
    const char *native;     /* --native FILE (run only) */
    runnel_compile_options opts; /* made by rn_cli_tier_begin: defaults and the progress line */
    rn_cli_progress progress;
} rn_cli_tier;
/* RUNNEL_COMPILE: unset, empty or "0" false, "1" true. Anything else: prints why and returns false
   (the command then exits 2). */
bool rn_cli_compile_env(bool *on);
/* Before a command compiles: RUNNEL_COMPILE read into t->compiled (unless --compiled set it already)
   and t->opts set up with the progress line about `what` (a file name; quiet: never show it) and the
   limits on each compiler process from RUNNEL_CC_SECONDS and RUNNEL_CC_MEMORY_MB (unset: the library's
   defaults); false after printing why when a value is wrong. */
#define RN_CLI_CC_SECONDS_MAX 1000000u     /* about 11 days of CPU time */
#define RN_CLI_CC_MEMORY_MB_MAX (1u << 24) /* 16 TiB of address space */
bool rn_cli_tier_begin(rn_cli_tier *t, const char *what, bool quiet);
/* After it: a progress line left on the screen (a failed compile) is erased; t->progress freed. */
void rn_cli_tier_end(rn_cli_tier *t);
/* The progress callback rn_cli_tier_begin installs (user: an rn_cli_progress). On a terminal, once
   compiling has taken RN_CLI_PROGRESS_AFTER_MS, one line "runnel: compiling FILE: D of T units done" is
   redrawn in place (\r) after each unit and erased when the module is done; off a terminal, nothing:
   output stays the same whatever the machine's speed. */
#define RN_CLI_PROGRESS_AFTER_MS 1000u
void rn_cli_progress_fn(void *user, uint32_t done, uint32_t total);
/* rn_cli_load_module on the tier t asks for: --native (runnel_module_load_artifact), --compiled
   (runnel_module_compile, with the progress line), else the interpreter's. */
runnel_module *rn_cli_load_module_tier(const char *path, rn_cli_tier *t, runnel_report *r);

/* Reads an actor plugin and makes the actor (runnel_actor_new). On failure prints "PATH: MESSAGE"
   (or why the file cannot be read) and returns NULL. */
runnel_actor *rn_cli_load_actor(const char *path, const runnel_actor_options *opts);

/* Command-line options of the forms `--name VALUE` and `--name=VALUE`. If argv[*i] is the option
   `name`, stores its value in *value (advancing *i past a separate value) and returns 1; returns 0 if
   argv[*i] is another argument; returns -1 (after printing why) if the value is missing. */
int rn_cli_option(int argc, char **argv, int *i, const char *name, const char **value);
/* -h or --help */
bool rn_cli_is_help(const char *arg);
/* rn_cli_option for a chain of alternatives sharing *got (0 before the first): does nothing and
   returns false once *got is non-zero (an earlier option of the chain matched, or lacked its value);
   else sets *got as rn_cli_option returns and is true if argv[*i] is the option `name` with a value.
   A command's options become a list of `if (rn_cli_next_option(...)) { use the value }`, and *got
   says at the end whether any matched (1), none did (0) or one lacked its value (-1). */
bool rn_cli_next_option(int argc, char **argv, int *i, const char *name, const char **value, int *got);

/* The positional arguments of a command parsed by rn_cli_parse_args. */
typedef struct rn_cli_args {
    const char *file; /* the first one (the module or plugin) */
    char **rest;      /* the ones after it, malloc'ed (free it, also after a failed parse) */
    int nrest;
} rn_cli_args;

/* A command line as rn_cli_parse_args reads it. */
typedef struct rn_cli_syntax {
    const char *command; /* "run": the prefix of its messages */
    const char *file;    /* "module": what the first positional argument is, for "no module given" */
    rn_cli_help_fn help;
    /* Takes argv[*i] if it is one of the command's options, with rn_cli_option's convention: 1 taken
       (advancing *i past a separate value), 0 not an option of the command, -1 after printing why its
       value is missing or wrong. */
    int (*option)(void *opts, int argc, char **argv, int *i);
} rn_cli_syntax;

/* Parses a command line whose options may stand before or after the positional arguments, as
   wasmtime's do: only -h and arguments starting with "--" are options (a negative number is an
   argument), "--" ends them, and -h/--help prints the help. Returns -1 to go on, else the exit code:
   RN_CLI_OK after the help, RN_CLI_USAGE for a wrong command line (after saying why), RN_CLI_FAIL
   when out of memory. */
int rn_cli_parse_args(const rn_cli_syntax *syntax, int argc, char **argv, void *opts, rn_cli_args *args);

/* The limits every command that runs code takes, read by one parser so that they mean the same
   everywhere (run, call, send, run GRAPH):
     --fuel N, --timeout MS, --max-memory PAGES   budgets: 0 = no limit; not given = the command's
                                                   default (none for run and call, the actor layer's
                                                   for send and graphs)
     --stack BYTES, --max-depth N                 sizes of the engine's value stack and call stack
                                                   (runnel_config): 0 is refused; not given = 1 MiB and
                                                   10,000 frames */
typedef struct rn_cli_limits {
    bool has_fuel, has_timeout, has_memory;
    uint64_t fuel, timeout_ms, max_pages; /* when has_*: 0 = no limit */
    uint32_t stack_bytes, max_depth;      /* 0: not given (the engine's defaults) */
} rn_cli_limits;
#define RN_CLI_MAX_DEPTH 1000000u /* the call-stack frames are allocated up front: ~48 MiB at this */
/* Takes argv[*i] if it is one of the options above (rn_cli_syntax's option convention). memory_name is
   the name of the memory option ("max-memory"; `call` keeps Extism's "memory-max"). */
int rn_cli_limit_option(rn_cli_limits *l, const char *command, const char *memory_name, int argc, char **argv,
                        int *i);
/* Their lines for a command's --help. */
void rn_cli_limits_help(FILE *out, const char *memory_name);

/* Unsigned integers in decimal or 0x hex, at most `max`. No sign, no spaces, nothing after. */
bool rn_cli_parse_u64(const char *s, uint64_t max, uint64_t *out);
/* The value v of option --name of `command` as an integer in min..max (rn_cli_parse_u64); false after
   saying "COMMAND: --NAME wants an integer in MIN..MAX, not 'V'" (min 0: "0 = no limit"). */
bool rn_cli_option_in(const char *command, const char *name, const char *v, uint64_t min, uint64_t max,
                      uint64_t *out);

/* A value of type t from text (see the top of this file). v128 and references other than "null"
   are not accepted. */
bool rn_cli_parse_val(const char *s, runnel_valtype t, runnel_val *out);

/* The text of a value, as `wasmtime --invoke` prints it. buf should hold at least 48 bytes. */
void rn_cli_format_val(char *buf, size_t size, runnel_val v);

/* "i32", "i64", ...: the type's name in the text format. */
const char *rn_cli_type_name(runnel_valtype t);

#endif
