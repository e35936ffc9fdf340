/*
 * cmd_compile.c - `runnel compile FILE.wasm [-o FILE]`: the compiling tier from the command line
 * (runnel/engine.h, "The compiling tier"; docs/compiling.md).
 *
 * Without -o the module is compiled into the compile cache ($XDG_CACHE_HOME/runnel/native, else
 * ~/.cache/runnel/native), where `run --compiled`, `call --compiled`, `send --compiled` and graph runs
 * find it, and the artifact's path is printed; a module already in the cache is not compiled again.
 * With -o the artifact is written there (runnel_module_compile_to), for `runnel run --native FILE`.
 * --emit-c writes the C translation instead (runnel_module_translate), to -o or stdout.
 * The path printed is the cache entry the engine loaded (runnel_module_artifact).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

void rn_cli_help_compile(FILE *out)
{
    fprintf(out,
            "usage: runnel compile [OPTIONS] FILE.wasm [-o FILE]\n\n"
            "Compiles the module (binary format; \"-\" reads stdin) to native code: its functions are\n"
            "translated to C and built by the system C compiler into a shared object (docs/compiling.md).\n"
            "Without -o the artifact goes into the compile cache, $XDG_CACHE_HOME/runnel/native (else\n"
            "~/.cache/runnel/native), and its path is printed; a module already there is not compiled\n"
            "again. run, call, send and graph runs use the cache with --compiled (or RUNNEL_COMPILE=1).\n"
            "With -o FILE the artifact is written to FILE, for runnel run --native FILE.\n\n"
            "options:\n"
            "  -o, --output FILE    write the artifact (or with --emit-c the C) to FILE\n"
            "  --cc CMD             the C compiler, split at spaces (default: $RUNNEL_CC, else cc)\n"
            "  --cflags FLAGS       its flags (default: -O2); the cache keeps one artifact per compiler\n"
            "                       and flags\n"
            "  --jobs N             compiler processes at once (default: the number of CPUs)\n"
            "  --cc-seconds N       CPU seconds each compiler process may use (default:\n"
            "                       $RUNNEL_CC_SECONDS, else 600); one still running after twice that\n"
            "                       in wall-clock time is killed\n"
            "  --cc-memory-mb N     address space of each compiler process, in MiB (default:\n"
            "                       $RUNNEL_CC_MEMORY_MB, else 4096)\n"
            "  --no-cache           neither read nor write the cache; without -o the module is compiled\n"
            "                       and thrown away (a check that it builds) and nothing is printed\n"
            "  --emit-c             write the C translation (one self-contained file) to -o or stdout\n"
            "                       instead; nothing is compiled\n"
            "  -h, --help           this text\n\n"
            "While a module compiles for more than a second, a line on stderr counts the units done\n"
            "(\"runnel: compiling FILE: 3 of 9 units done\"), redrawn in place and erased at the end; only\n"
            "when stderr is a terminal. Every command that compiles (run, call, send, graph runs with\n"
            "--compiled) shows it the same way, and takes the compiler's limits from RUNNEL_CC_SECONDS\n"
            "and RUNNEL_CC_MEMORY_MB: the C comes from the module, so a hostile module must not make\n"
            "the compiler run away with the machine.\n\n"
            "exit status: 0 compiled; 1 the module is not valid, or the C compiler cannot be run or\n"
            "failed (its messages are printed); 2 wrong command line.\n\n"
            "examples: runnel compile build/examples/fib.wasm\n"
            "          runnel compile fib.wasm -o fib.so && runnel run --native ./fib.so --invoke fib fib.wasm 25\n");
}

typedef struct compile_opts {
    const char *file, *output;
    const char *cc, *cflags;
    uint32_t jobs, cc_seconds, cc_memory_mb; /* 0: not given */
    bool has_jobs, no_cache, emit_c;
} compile_opts;

/* --NAME N for an integer in 1..max (at most UINT32_MAX); false after printing why */
static bool positive_option(const char *name, const char *v, uint64_t max, uint32_t *out)
{
    uint64_t n;
    if (!rn_cli_option_in("compile", name, v, 1, max, &n))
        return false;
    *out = (uint32_t)n;
    return true;
}

static int parse_args(int argc, char **argv, compile_opts *o)
{
    bool only_positional = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (only_positional || a[0] != '-' || strcmp(a, "-") == 0) {
            if (o->file) {
                rn_cli_error("compile: one module at a time ('%s' and '%s')", o->file, a);
                return RN_CLI_USAGE;
            }
            o->file = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_positional = true;
            continue;
        }
        if (rn_cli_is_help(a)) {
            rn_cli_help_compile(stdout);
            return RN_CLI_OK;
        }
        if (strcmp(a, "-o") == 0) {
            if (i + 1 >= argc) {
                rn_cli_error("option -o needs a value");
                return RN_CLI_USAGE;
            }
            o->output = argv[++i];
            continue;
        }
        if (strcmp(a, "--no-cache") == 0) {
            o->no_cache = true;
            continue;
        }
        if (strcmp(a, "--emit-c") == 0) {
            o->emit_c = true;
            continue;
        }
        int got = 0;
        if (rn_cli_next_option(argc, argv, &i, "output", &v, &got))
            o->output = v;
        if (rn_cli_next_option(argc, argv, &i, "cc", &v, &got))
            o->cc = v;
        if (rn_cli_next_option(argc, argv, &i, "cflags", &v, &got))
            o->cflags = v;
        if (rn_cli_next_option(argc, argv, &i, "jobs", &v, &got)) {
            if (!positive_option("jobs", v, 4096, &o->jobs))
                return RN_CLI_USAGE;
            o->has_jobs = true;
        }
        if (rn_cli_next_option(argc, argv, &i, "cc-seconds", &v, &got) &&
            !positive_option("cc-seconds", v, RN_CLI_CC_SECONDS_MAX, &o->cc_seconds))
            return RN_CLI_USAGE;
        if (rn_cli_next_option(argc, argv, &i, "cc-memory-mb", &v, &got) &&
            !positive_option("cc-memory-mb", v, RN_CLI_CC_MEMORY_MB_MAX, &o->cc_memory_mb))
            return RN_CLI_USAGE;
        if (got < 0)
            return RN_CLI_USAGE;
        if (got == 0) {
            rn_cli_error("compile: unknown option %s (see runnel help compile)", a);
            return RN_CLI_USAGE;
        }
    }
    if (!o->file) {
        rn_cli_error("compile: no module given (see runnel help compile)");
        return RN_CLI_USAGE;
    }
    if (o->emit_c && (o->cc || o->cflags || o->has_jobs || o->no_cache || o->cc_seconds || o->cc_memory_mb)) {
        rn_cli_error("compile: --emit-c only translates: --cc, --cflags, --jobs, --cc-seconds, --cc-memory-mb and "
                     "--no-cache do not apply");
        return RN_CLI_USAGE;
    }
    if (o->cc && !o->cc[strspn(o->cc, " \t")]) {
        rn_cli_error("compile: --cc names no compiler");
        return RN_CLI_USAGE;
    }
    return -1;
}

/* ---------------------------------------------------------------- the command */

static int emit_c(const compile_opts *o, const uint8_t *bytes, size_t len)
{
    char *text = NULL;
    size_t n = 0;
    FILE *mem = open_memstream(&text, &n);
    if (!mem) {
        rn_cli_error("out of memory");
        return RN_CLI_FAIL;
    }
    runnel_report r = {0};
    runnel_status st = runnel_module_translate(bytes, len, mem, &r);
    int rc = RN_CLI_OK;
    if (fclose(mem) != 0 && st == RUNNEL_OK) {
        rn_cli_error("out of memory");
        rc = RN_CLI_FAIL;
    } else if (st != RUNNEL_OK) {
        rn_cli_module_error(o->file, bytes, len, &r);
        rc = RN_CLI_FAIL;
    } else if (!rn_cli_write_file(o->output, text, n)) { /* stdout without -o; a file atomically */
        rc = RN_CLI_FAIL;
    }
    free(text);
    runnel_report_clear(&r);
    return rc;
}

static int compile(const compile_opts *o, rn_cli_tier *t, const uint8_t *bytes, size_t len)
{
    t->opts.cc = o->cc;
    t->opts.cflags = o->cflags;
    t->opts.jobs = o->jobs;
    t->opts.no_cache = o->no_cache;
    if (o->cc_seconds) /* else what rn_cli_tier_begin took from the environment */
        t->opts.cc_seconds = o->cc_seconds;
    if (o->cc_memory_mb)
        t->opts.cc_memory_mb = o->cc_memory_mb;
    runnel_report r = {0};
    char *path = NULL;
    bool ok;
    if (o->output) {
        ok = runnel_module_compile_to(bytes, len, o->output, &t->opts, &r) == RUNNEL_OK;
    } else {
        runnel_module *m = runnel_module_compile(bytes, len, &t->opts, &r);
        ok = m != NULL;
        if (m && runnel_module_artifact(m))
            path = strdup(runnel_module_artifact(m));
        runnel_module_free(m);
    }
    rn_cli_tier_end(t); /* the progress line goes before anything else is printed */
    int rc = ok ? RN_CLI_OK : RN_CLI_FAIL;
    if (!ok)
        rn_cli_module_error(o->file, bytes, len, &r);
    else if (path)
        printf("%s\n", path);
    else if (!o->output && !o->no_cache) {
        rn_cli_error("%s: compiled into the cache, but the artifact's path cannot be told (out of memory?)", o->file);
        rc = RN_CLI_FAIL;
    }
    free(path);
    runnel_report_clear(&r);
    return rc;
}

int rn_cli_cmd_compile(int argc, char **argv)
{
    compile_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    rn_cli_tier t = {.compiled = true};
    if (!rn_cli_tier_begin(&t, o.file, false)) /* a wrong RUNNEL_COMPILE is wrong here too */
        return RN_CLI_USAGE;
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (!rn_cli_read_file(o.file, &bytes, &len))
        rc = RN_CLI_FAIL;
    else
        rc = o.emit_c ? emit_c(&o, bytes, len) : compile(&o, &t, bytes, len);
    rn_cli_tier_end(&t);
    free(bytes);
    return rc;
}
