/*
 * wasi_opts.c - `runnel run`'s WASI options: --dir, --dir-ro, --env, and the context they grant.
 *
 * The spellings follow wasmtime's, so that a command line written for `wasmtime run` works here:
 * `--dir HOST` grants HOST under the same name, `--dir HOST::GUEST` under GUEST (`--dir .` is the
 * usual "the current directory"); `--env K=V` sets a variable and `--env K` passes the host's value of
 * K, if it has one. --dir-ro is runnel's own: the same, read-only. Nothing else of the host's
 * environment reaches the guest.
 */
#include "wasi_opts.h"

#include "cli.h"

#include <stdlib.h>
#include <string.h>

void rn_cli_wasi_help(FILE *out)
{
    fputs("  --dir HOST[::GUEST]  grant the host directory HOST to a WASI program, seen as GUEST\n"
          "                       (default: HOST as written); may be repeated\n"
          "  --dir-ro HOST[::GUEST]  the same, read-only\n"
          "  --env K=V            set the environment variable K for the program (--env K: the\n"
          "                       value K has here); may be repeated\n",
          out);
}

int rn_cli_wasi_option(rn_cli_wasi_opts *w, int argc, char **argv, int *i)
{
    const char *v;
    int got;
    bool ro = false;
    if ((got = rn_cli_option(argc, argv, i, "dir", &v)) == 0 && (got = rn_cli_option(argc, argv, i, "dir-ro", &v)) != 0)
        ro = true;
    if (got < 0)
        return -1;
    if (got > 0) {
        if (!*v || strncmp(v, "::", 2) == 0 || (strstr(v, "::") && !strstr(v, "::")[2])) {
            rn_cli_error("run: --dir%s wants HOST or HOST::GUEST, not '%s'", ro ? "-ro" : "", v);
            return -1;
        }
        if (!w->dirs && !(w->dirs = calloc((size_t)argc, sizeof *w->dirs)))
            return -1;
        w->dirs[w->ndirs++] = (rn_cli_wasi_dir){v, ro};
        return 1;
    }
    if ((got = rn_cli_option(argc, argv, i, "env", &v)) == 0)
        return 0;
    if (got < 0)
        return -1;
    if (!*v || *v == '=') {
        rn_cli_error("run: --env wants K=V or K, not '%s'", v);
        return -1;
    }
    if (!w->env && !(w->env = calloc((size_t)argc, sizeof *w->env)))
        return -1;
    w->env[w->nenv++] = v;
    return 1;
}

static int fail(const char *what)
{
    rn_cli_error("%s", what);
    return RN_CLI_FAIL;
}

int rn_cli_wasi_setup(rn_cli_wasi_opts *w, const char *file, int nargs, char **args)
{
    if (!(w->ctx = runnel_wasi_new()))
        return fail("out of memory");
    const char **argv = malloc(sizeof *argv * ((size_t)nargs + 1));
    if (!argv)
        return fail("out of memory");
    argv[0] = file;
    for (int i = 0; i < nargs; i++)
        argv[i + 1] = args[i];
    runnel_status st = runnel_wasi_set_args(w->ctx, (size_t)nargs + 1, argv);
    free(argv);
    if (st != RUNNEL_OK)
        return fail("run: the arguments are too large for a WASI program");
    for (int i = 0; i < w->nenv; i++) {
        const char *eq = strchr(w->env[i], '=');
        char *key = eq ? strndup(w->env[i], (size_t)(eq - w->env[i])) : strdup(w->env[i]);
        const char *value = eq ? eq + 1 : getenv(key);
        st = key && value ? runnel_wasi_set_env(w->ctx, key, value) : key ? RUNNEL_OK : RUNNEL_NOMEM;
        free(key);
        if (st != RUNNEL_OK) {
            rn_cli_error("run: cannot set --env %s", w->env[i]);
            return RN_CLI_FAIL;
        }
    }
    for (int i = 0; i < w->ndirs; i++) {
        const char *spec = w->dirs[i].spec, *sep = strstr(spec, "::");
        char *host = sep ? strndup(spec, (size_t)(sep - spec)) : strdup(spec);
        runnel_report r = {0};
        st = host ? runnel_wasi_preopen(w->ctx, host, sep ? sep + 2 : spec, w->dirs[i].read_only, &r) : RUNNEL_NOMEM;
        free(host);
        if (st != RUNNEL_OK) {
            rn_cli_error("run: --dir%s %s: %s", w->dirs[i].read_only ? "-ro" : "", spec,
                         r.message ? r.message : "out of memory");
            runnel_report_clear(&r);
            return RN_CLI_FAIL;
        }
    }
    runnel_wasi_set_stdin(w->ctx, RUNNEL_WASI_STDIO_INHERIT);
    runnel_wasi_set_stdout(w->ctx, RUNNEL_WASI_STDIO_INHERIT);
    runnel_wasi_set_stderr(w->ctx, RUNNEL_WASI_STDIO_INHERIT);
    return -1;
}

void rn_cli_wasi_free(rn_cli_wasi_opts *w)
{
    runnel_wasi_free(w->ctx);
    free(w->dirs);
    free(w->env);
    *w = (rn_cli_wasi_opts){0};
}
