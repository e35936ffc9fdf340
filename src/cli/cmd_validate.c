/*
 * cmd_validate.c - `runnel validate FILE...`: decode, validate and compile, run nothing.
 *
 * runnel_module_new does all three steps (nothing executes before validation, docs/design.md "Validate"),
 * so "valid" here means exactly "runnel can instantiate this if its imports are met". Every file is
 * checked even after a failure, so one call reports on a whole directory of modules.
 */
#include "cli.h"

#include <string.h>

void rn_cli_help_validate(FILE *out)
{
    fprintf(out, "usage: runnel validate [-q] FILE.wasm...\n\n"
                 "Decodes, validates and compiles each module (binary format; \"-\" reads stdin) and runs\n"
                 "nothing. Prints \"FILE: valid\", or the error: its kind (malformed module, invalid\n"
                 "module), the message and the byte offset in the file.\n\n"
                 "options:\n"
                 "  -q, --quiet   print nothing for valid modules\n"
                 "  -h, --help    this text\n\n"
                 "exit status: 0 if every module is valid, 1 if any is not, 2 on a wrong command line.\n");
}

int rn_cli_cmd_validate(int argc, char **argv)
{
    bool quiet = false, only_files = false;
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_files && a[0] == '-' && a[1] != '\0') {
            if (rn_cli_is_help(a)) {
                rn_cli_help_validate(stdout);
                return RN_CLI_OK;
            }
            if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
                quiet = true;
            else if (strcmp(a, "--") == 0)
                only_files = true;
            else {
                rn_cli_error("validate: unknown option %s (see runnel help validate)", a);
                return RN_CLI_USAGE;
            }
            continue;
        }
        nfiles++;
    }
    if (nfiles == 0) {
        rn_cli_error("validate: no file given (see runnel help validate)");
        return RN_CLI_USAGE;
    }

    int rc = RN_CLI_OK;
    only_files = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_files && a[0] == '-' && a[1] != '\0') {
            only_files = strcmp(a, "--") == 0;
            continue;
        }
        runnel_report r = {0};
        runnel_module *m = rn_cli_load_module(a, &r);
        if (m) {
            if (!quiet)
                printf("%s: valid\n", a);
            runnel_module_free(m);
        } else
            rc = RN_CLI_FAIL;
        runnel_report_clear(&r);
    }
    return rc;
}
