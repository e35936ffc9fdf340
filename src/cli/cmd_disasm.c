/*
 * cmd_disasm.c - `runnel disasm FILE.wasm [--func NAME] [--unfused]`: how runnel compiles a module.
 *
 * Prints runnel_module_disasm's listing (src/engine/disasm.c): every WebAssembly instruction of each
 * function, and under it the interpreter ops it became. For contributors first (is a pattern fused?
 * which slots does an op read? where does a branch land?) and for anyone curious why one function
 * runs faster than another.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

void rn_cli_help_disasm(FILE *out)
{
    fprintf(out, "usage: runnel disasm [--func NAME] [--unfused] FILE.wasm\n\n"
                 "Lists how runnel compiles each function of the module (\"-\" reads stdin): every\n"
                 "WebAssembly instruction with its byte offset, indented by block depth, and under it the\n"
                 "interpreter ops made from it, as\n"
                 "      PC: op_name  sD <- sA, sB, 42, @PC, +OFFSET\n"
                 "(frame slots sN, the parameters first; immediates; branch targets @PC; memory offsets +N).\n"
                 "An instruction with no ops of its own moved nothing at run time (local.get names its\n"
                 "local's slot) or was fused into the op above it. The format may change between versions.\n\n"
                 "options:\n"
                 "  --func NAME   only this function: its name (name section), an export's name or its index\n"
                 "  --unfused     the code compiled without fusion (the reference fused code is tested against)\n"
                 "  -h, --help    this text\n\n"
                 "exit status: 0 listed, 1 the module does not load or no such function, 2 a wrong command line.\n");
}

typedef struct disasm_opts {
    const char *func;
    unsigned flags;
} disasm_opts;

static int disasm_option(void *opts, int argc, char **argv, int *i)
{
    disasm_opts *o = opts;
    if (strcmp(argv[*i], "--unfused") == 0) {
        o->flags |= RUNNEL_DISASM_UNFUSED;
        return 1;
    }
    return rn_cli_option(argc, argv, i, "func", &o->func);
}

static const rn_cli_syntax disasm_syntax = {"disasm", "file", rn_cli_help_disasm, disasm_option};

int rn_cli_cmd_disasm(int argc, char **argv)
{
    disasm_opts o = {0};
    rn_cli_args pos;
    int rc = rn_cli_parse_args(&disasm_syntax, argc, argv, &o, &pos);
    free(pos.rest);
    if (rc >= 0)
        return rc;
    if (pos.nrest) {
        rn_cli_error("disasm: one file at a time (see runnel help disasm)");
        return RN_CLI_USAGE;
    }
    const char *file = pos.file, *func = o.func;
    unsigned flags = o.flags;
    uint8_t *bytes;
    size_t len;
    if (!rn_cli_read_file(file, &bytes, &len))
        return RN_CLI_FAIL;
    runnel_report r = {0};
    runnel_status st = runnel_module_disasm(bytes, len, func, flags, stdout, &r);
    if (st != RUNNEL_OK)
        rn_cli_module_error(file, bytes, len, &r);
    free(bytes);
    runnel_report_clear(&r);
    return st == RUNNEL_OK ? RN_CLI_OK : RN_CLI_FAIL;
}
