/*
 * cmd_run.c - `runnel run`: instantiate a module and call one of its functions.
 *
 * With --invoke NAME it behaves like `wasmtime --invoke`: the arguments after the file are parsed by
 * the types of NAME's parameters and each result is printed on a line of its own (cli.c has the
 * text forms). Without --invoke it calls `_start`, the entry point of a WASI command, whose argv is
 * FILE and the arguments after it. WASI's functions are in the linker either way (wasi_opts.c has
 * the options that grant directories and variables).
 *
 * Options may stand before or after the file, as wasmtime allows; `--` ends them, so that a later
 * argument that looks like an option (say a WASI program's own `--verbose`) is passed on as is. A
 * negative number is never an option: only `-h` and arguments starting with `--` are. `runnel send`
 * reads its command line the same way, so both go through rn_cli_parse_args (cli.c).
 *
 * Limits (fuel, timeout) are set on the store before instantiation, because the start function
 * (spec 4.5.4, "Instantiation", step 16) runs guest code too and must be held to the same budget.
 * When fuel runs out or the deadline passes the engine suspends the call (RUNNEL_SUSPENDED); the
 * command has no use for resuming it, so it abandons the call and reports "out of fuel" or
 * "timeout" with the backtrace.
 *
 * --compiled (or RUNNEL_COMPILE=1) makes the module with the compiling tier (runnel_module_compile: the
 * compile cache, else the system C compiler), --native FILE from an artifact of `runnel compile -o`
 * (runnel_module_load_artifact); everything after that is the same code for all three
 * (rn_cli_load_module_tier, cli.c).
 */
#include "cli.h"
#include "graph_cli.h"
#include "wasi_opts.h"

#include <stdlib.h>
#include <string.h>

void rn_cli_help_run(FILE *out)
{
    fprintf(out,
            "usage: runnel run [OPTIONS] FILE.wasm [ARGS...]\n"
            "       runnel run [OPTIONS] --invoke NAME FILE.wasm [ARGS...]\n\n"
            "Instantiates the module (binary format; \"-\" reads stdin) and calls its export NAME with\n"
            "ARGS, printing each result on its own line. Without --invoke it calls _start (a WASI\n"
            "command's entry point). Options may come before or after FILE; \"--\" ends them.\n\n"
            "options:\n"
            "  --invoke NAME        the exported function to call (default: _start)\n"
            "  --compiled           compile the module to native code with the system C compiler first\n"
            "                       (cached: see runnel compile; RUNNEL_COMPILE=1 does the same)\n"
            "  --native FILE        run the native code of FILE, an artifact runnel compile -o made\n"
            "                       from this very module (loading it runs it: only a file you trust)\n");
    rn_cli_limits_help(out, "max-memory");
    fprintf(out, "                       (out of fuel or time prints \"out of fuel\" or \"timeout\", exits 1)\n");
    rn_cli_wasi_help(out);
    fprintf(out,
            "  -h, --help           this text\n\n"
            "arguments: i32 and i64 in decimal or 0x hex, signed (-1) or as the unsigned bit pattern\n"
            "(0xffffffff); f32 and f64 as 1.5, -2e10, 0x1.8p1, inf, -inf, nan, nan:0x200000; v128 as\n"
            "0x and 32 hex digits, most significant first (lane 0 is the last 8 digits for i32x4);\n"
            "references only as null.\n"
            "results: integers signed decimal; floats the shortest text that reads back to the same\n"
            "bits; NaNs as nan or nan:0xPAYLOAD; v128 as its arguments are written.\n\n"
            "A trap prints \"trap: MESSAGE\" and the wasm backtrace on stderr.\n"
            "exit status: 0 success; 1 failure (invalid module, unknown import, trap, out of fuel,\n"
            "timeout); 2 wrong command line; a WASI proc_exit code otherwise.\n\n"
            "example: runnel run --invoke fib build/examples/fib.wasm 25\n\n");
    rn_cli_help_run_graph(out);
}

typedef struct run_opts {
    rn_cli_args pos; /* FILE, and the arguments after it */
    const char *invoke; /* NULL: _start */
    rn_cli_limits limits;
    rn_cli_wasi_opts wasi;
    rn_cli_tier tier; /* --compiled, --native */
} run_opts;

/* One option of `runnel run` (rn_cli_syntax's option). */
static int run_option(void *opts, int argc, char **argv, int *i)
{
    run_opts *o = opts;
    const char *v;
    int got = 0;
    if (strcmp(argv[*i], "--compiled") == 0) {
        o->tier.compiled = true;
        return 1;
    }
    if (rn_cli_next_option(argc, argv, i, "invoke", &v, &got))
        o->invoke = v;
    if (rn_cli_next_option(argc, argv, i, "native", &v, &got))
        o->tier.native = v;
    if (!got)
        got = rn_cli_limit_option(&o->limits, "run", "max-memory", argc, argv, i);
    return got ? got : rn_cli_wasi_option(&o->wasi, argc, argv, i);
}

static const rn_cli_syntax run_syntax = {"run", "module", rn_cli_help_run, run_option};

static const char *kind_name(runnel_externkind k)
{
    switch (k) {
    case RUNNEL_EXTERN_FUNC: return "func";
    case RUNNEL_EXTERN_TABLE: return "table";
    case RUNNEL_EXTERN_MEMORY: return "memory";
    case RUNNEL_EXTERN_GLOBAL: return "global";
    }
    return "extern";
}

/* What print(out, arg) prints, as a malloc'ed string (NULL if out of memory): lets a list of any
   length go into one rn_cli_error line. */
static char *text_of(void (*print)(FILE *, const void *), const void *arg)
{
    char *buf = NULL;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    print(f, arg);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* "fib, fib_iter": the module's exported functions, for messages. */
static void print_func_exports(FILE *out, const void *module)
{
    const runnel_module *m = module;
    size_t n = runnel_module_export_count(m), shown = 0;
    for (size_t i = 0; i < n; i++) {
        runnel_export_desc e = runnel_module_export(m, i);
        if (e.kind == RUNNEL_EXTERN_FUNC)
            fprintf(out, "%s%s", shown++ ? ", " : "", e.name);
    }
    if (!shown)
        fputs("none", out);
}

static bool exports_func(const runnel_module *m, const char *name)
{
    size_t n = runnel_module_export_count(m);
    for (size_t i = 0; i < n; i++) {
        runnel_export_desc e = runnel_module_export(m, i);
        if (e.kind == RUNNEL_EXTERN_FUNC && strcmp(e.name, name) == 0)
            return true;
    }
    return false;
}

/* The linker the module's imports are resolved through: WASI's functions. Every other import is
   reported as unknown, all of them at once. */
static int link_imports(const run_opts *o, const runnel_module *m, runnel_linker **linker)
{
    if (!(*linker = runnel_linker_new()) || runnel_wasi_define(o->wasi.ctx, *linker) != RUNNEL_OK) {
        rn_cli_error("out of memory");
        return RN_CLI_FAIL;
    }
    size_t n = runnel_module_import_count(m), unknown = 0;
    for (size_t i = 0; i < n; i++) {
        runnel_import_desc d = runnel_module_import(m, i);
        if (strcmp(d.module, RUNNEL_WASI_MODULE) == 0)
            continue;
        unknown++;
        if (d.type)
            rn_cli_error("%s: unknown import %s.%s (%s %s)", o->pos.file, d.module, d.name, kind_name(d.kind), d.type);
        else
            rn_cli_error("%s: unknown import %s.%s (%s)", o->pos.file, d.module, d.name, kind_name(d.kind));
    }
    return unknown ? RN_CLI_FAIL : -1;
}

/* Prints why instantiation or a call failed; returns the exit code. */
static int report_failure(const run_opts *o, const runnel_report *r)
{
    if (r->status == RUNNEL_EXIT)
        return r->exit_code >= 0 && r->exit_code <= 255 ? r->exit_code : RN_CLI_FAIL;
    if (r->trap == RUNNEL_TRAP_OUT_OF_FUEL || r->trap == RUNNEL_TRAP_INTERRUPTED) {
        if (r->trap == RUNNEL_TRAP_OUT_OF_FUEL)
            fprintf(stderr, "out of fuel (--fuel %llu)\n", (unsigned long long)o->limits.fuel);
        else
            fprintf(stderr, "timeout (--timeout %llu ms)\n", (unsigned long long)o->limits.timeout_ms);
        for (size_t i = 0; i < r->nframes; i++) {
            const runnel_frame *f = &r->frames[i];
            char *name = rn_cli_escape(f->func_name ? f->func_name : "?"); /* the guest's name section */
            fprintf(stderr, "  #%zu  %s (func %u) at offset 0x%x\n", i, name, f->func_index, f->offset);
            free(name);
        }
        return RN_CLI_FAIL;
    }
    if (r->status == RUNNEL_TRAP) {
        runnel_report_print(r, stderr); /* "trap: MESSAGE" and the backtrace */
        return RN_CLI_FAIL;
    }
    rn_cli_error("%s: %s: %s", o->pos.file, runnel_status_name(r->status), r->message ? r->message : "(no message)");
    return RN_CLI_FAIL;
}

/* "(i32, f64) -> (i64)", for messages. */
static void print_signature(FILE *out, const void *func)
{
    const runnel_func *f = func;
    fputc('(', out);
    for (size_t i = 0; i < runnel_func_param_count(f); i++)
        fprintf(out, "%s%s", i ? ", " : "", rn_cli_type_name(runnel_func_param_type(f, i)));
    fputs(") -> (", out);
    for (size_t i = 0; i < runnel_func_result_count(f); i++)
        fprintf(out, "%s%s", i ? ", " : "", rn_cli_type_name(runnel_func_result_type(f, i)));
    fputc(')', out);
}

/* Parses the arguments, calls f and prints its results. */
static int call_and_print(const run_opts *o, runnel_store *s, runnel_func *f, const char *name, runnel_report *r)
{
    size_t np = runnel_func_param_count(f), nr = runnel_func_result_count(f);
    if ((size_t)o->pos.nrest != np) {
        char *sig = text_of(print_signature, f);
        rn_cli_error("%s takes %zu argument%s, %d given; its type is %s", name, np, np == 1 ? "" : "s", o->pos.nrest,
                     sig ? sig : "?");
        free(sig);
        return RN_CLI_USAGE;
    }
    /* +1: a zero-length malloc may return NULL, which is not a failure */
    runnel_val *args = calloc(np + 1, sizeof *args), *results = calloc(nr + 1, sizeof *results);
    int rc = RN_CLI_OK;
    if (!args || !results) {
        rn_cli_error("out of memory");
        rc = RN_CLI_FAIL;
    }
    for (size_t i = 0; rc == RN_CLI_OK && i < np; i++) {
        runnel_valtype t = runnel_func_param_type(f, i);
        if (!rn_cli_parse_val(o->pos.rest[i], t, &args[i])) {
            rn_cli_error("argument %zu of %s: '%s' is not a valid %s", i + 1, name, o->pos.rest[i],
                         rn_cli_type_name(t));
            rc = RN_CLI_USAGE;
        }
    }
    if (rc == RN_CLI_OK) {
        runnel_status st = runnel_call(f, args, np, results, nr, r);
        if (st == RUNNEL_SUSPENDED)
            runnel_abandon(s);
        if (st != RUNNEL_OK)
            rc = report_failure(o, r);
        for (size_t i = 0; st == RUNNEL_OK && i < nr; i++) {
            char text[64];
            rn_cli_format_val(text, sizeof text, results[i]);
            puts(text);
        }
    }
    free(args);
    free(results);
    return rc;
}

static int run(run_opts *o)
{
    runnel_report r = {0};
    runnel_module *m = rn_cli_load_module_tier(o->pos.file, &o->tier, &r);
    rn_cli_tier_end(&o->tier);
    runnel_store *s = NULL;
    runnel_linker *linker = NULL;
    const char *name = o->invoke ? o->invoke : "_start";
    int rc = -1;
    if (!m)
        rc = RN_CLI_FAIL;

    /* Check the export before instantiating, so a typo costs no start function run. */
    if (rc < 0 && !exports_func(m, name)) {
        char *list = text_of(print_func_exports, m);
        if (o->invoke)
            rn_cli_error("%s exports no function %s; its functions: %s", o->pos.file, name, list ? list : "?");
        else
            rn_cli_error("%s exports no _start; choose a function with --invoke NAME; its functions: %s", o->pos.file,
                         list ? list : "?");
        free(list);
        rc = RN_CLI_FAIL;
    }
    if (rc < 0)
        rc = link_imports(o, m, &linker);
    const rn_cli_limits *l = &o->limits;
    runnel_config config = {.size = sizeof(runnel_config), .max_memory_pages = (uint32_t)l->max_pages, /* 0: none but the 4 GiB of wasm32 */
                            .stack_bytes = l->stack_bytes,
                            .max_call_depth = l->max_depth};
    if (rc < 0 && !(s = runnel_store_new(&config))) {
        rn_cli_error("out of memory");
        rc = RN_CLI_FAIL;
    }
    runnel_instance *inst = NULL;
    if (rc < 0) {
        if (l->fuel) /* 0, like not given: no limit */
            runnel_store_set_fuel(s, l->fuel);
        if (l->timeout_ms)
            runnel_store_set_timeout(s, l->timeout_ms);
        inst = runnel_instantiate(s, m, linker, &r);
        if (!inst) {
            if (runnel_store_suspended(s)) /* the start function ran out of fuel or time */
                runnel_abandon(s);
            rc = report_failure(o, &r);
        }
    }
    if (rc < 0) {
        runnel_func *f = runnel_instance_func(inst, name);
        if (!f) { /* exports_func said it is there: only a broken engine gets here */
            rn_cli_error("%s: export %s not found after instantiation", o->pos.file, name);
            rc = RN_CLI_FAIL;
        } else
            rc = call_and_print(o, s, f, name, &r);
    }
    if (linker)
        runnel_linker_free(linker);
    if (s)
        runnel_store_free(s);
    if (m)
        runnel_module_free(m);
    runnel_report_clear(&r);
    return rc;
}

int rn_cli_cmd_run(int argc, char **argv)
{
    if (rn_cli_run_names_graph(argc, argv))
        return rn_cli_run_graph(argc, argv);
    run_opts o = {0};
    int rc = rn_cli_parse_args(&run_syntax, argc, argv, &o, &o.pos);
    if (rc < 0 && !rn_cli_tier_begin(&o.tier, o.pos.file, false)) /* RUNNEL_COMPILE; the progress line */
        rc = RN_CLI_USAGE;
    /* A command's arguments are its WASI argv, not arguments of _start. */
    if (rc < 0 && (rc = rn_cli_wasi_setup(&o.wasi, o.pos.file, o.invoke ? 0 : o.pos.nrest, o.pos.rest)) < 0) {
        if (!o.invoke)
            o.pos.nrest = 0;
        rc = run(&o);
    }
    rn_cli_tier_end(&o.tier);
    rn_cli_wasi_free(&o.wasi);
    free(o.pos.rest);
    return rc;
}
