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
 *   - failures go to stderr with one prefix, "runnel: ", and map onto three exit codes.
 *
 * Exit codes (documented in `runnel --help`): 0 success; 1 the module or the run failed (malformed,
 * invalid, unlinkable, trap, out of fuel, timeout, unreadable file); 2 the command line was wrong. A
 * guest that exits through WASI proc_exit gives its own code instead.
 */
#ifndef RN_CLI_H
#define RN_CLI_H

#include "runnel/engine.h"

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

/* Reads a whole file ("-" = stdin) into a malloc'ed buffer. Prints the reason and returns false on
   failure. A zero-length file gives a non-NULL buffer and *len 0. */
bool rn_cli_read_file(const char *path, uint8_t **data, size_t *len);

/* Reads, decodes, validates and compiles a module. On failure prints "PATH: STATUS: MESSAGE (at
   offset 0xN)" on stderr, fills r and returns NULL. */
runnel_module *rn_cli_load_module(const char *path, runnel_report *r);

/* Command-line options of the forms `--name VALUE` and `--name=VALUE`. If argv[*i] is the option
   `name`, stores its value in *value (advancing *i past a separate value) and returns 1; returns 0 if
   argv[*i] is another argument; returns -1 (after printing why) if the value is missing. */
int rn_cli_option(int argc, char **argv, int *i, const char *name, const char **value);
/* -h or --help */
bool rn_cli_is_help(const char *arg);

/* Unsigned integers in decimal or 0x hex, at most `max`. No sign, no spaces, nothing after. */
bool rn_cli_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* A value of type t from text (see the top of this file). v128 and references other than "null"
   are not accepted. */
bool rn_cli_parse_val(const char *s, runnel_valtype t, runnel_val *out);

/* The text of a value, as `wasmtime --invoke` prints it. buf should hold at least 48 bytes. */
void rn_cli_format_val(char *buf, size_t size, runnel_val v);

/* "i32", "i64", ...: the type's name in the text format. */
const char *rn_cli_type_name(runnel_valtype t);

#endif
