/*
 * cmd_serve.c - `runnel serve [GRAPH]`: the FBP Network Protocol server (include/runnel/serve.h,
 * docs/serve.md), for Flowhub, noflo-ui and fbp-protocol's fbp-test.
 *
 * The command only reads its options and runs the server until SIGINT or SIGTERM, whose handler calls
 * runnel_serve_stop (async-signal-safe); the rest is the library's, so an embedder gets the same server.
 * It prints one line on stdout when it listens and flushes it: fbp-test (and scripts) wait for the
 * runtime's first output before they connect.
 */
#include "cli.h"
#include "graph_cli.h"

#include "runnel/serve.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

void rn_cli_help_serve(FILE *out)
{
    fprintf(out,
            "usage: runnel serve [GRAPH] [--host ADDR] [--port N] [--secret S] [--components DIR]...\n\n"
            "Runs an FBP Network Protocol runtime (fbp-protocol 0.9.8) on a WebSocket (sub-protocol\n"
            "\"noflo\"): Flowhub, noflo-ui and fbp-test connect to ws://HOST:PORT, list components, edit\n"
            "graphs live, start and stop networks and watch the data on every edge.\n"
            "GRAPH, if given, is loaded as the main graph (Reflow JSON, NoFlo JSON or .fbp).\n\n"
            "options:\n"
            "  --host ADDR          the address to listen on (default 127.0.0.1); one that is not a\n"
            "                       loopback address needs --secret\n"
            "  --port N             the port (default 3569)\n"
            "  --secret S           every message must carry this secret (the protocol's \"secret\")\n"
            "  --components DIR     components DIR/NAME.wasm (listed with their get_metadata ports) and\n"
            "                       DIR/NAME.json|.fbp subgraphs (repeatable)\n"
            "  --workers N          worker threads of a network (default: the number of cores)\n"
            "  -h, --help           this text\n\n"
            "Stop it with Ctrl-C (SIGINT) or SIGTERM. See docs/serve.md.\n\n"
            "example: runnel serve --components build/examples/actors examples/graphs/pipeline.fbp\n");
}

static runnel_server *volatile the_server;

static void on_signal(int sig)
{
    (void)sig;
    runnel_server *s = the_server;
    if (s)
        runnel_serve_stop(s);
}

int rn_cli_cmd_serve(int argc, char **argv)
{
    runnel_serve_options o = RUNNEL_OPTIONS_INIT(runnel_serve_options);
    const char **dirs = calloc((size_t)argc, sizeof *dirs);
    if (!dirs) {
        rn_cli_error("out of memory");
        return RN_CLI_FAIL;
    }
    int rc = RN_CLI_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int got = 0;
        if (rn_cli_is_help(argv[i])) {
            rn_cli_help_serve(stdout);
            rc = RN_CLI_OK;
            goto done;
        }
        if (rn_cli_next_option(argc, argv, &i, "host", &v, &got))
            o.host = v;
        if (rn_cli_next_option(argc, argv, &i, "secret", &v, &got))
            o.secret = v;
        if (rn_cli_next_option(argc, argv, &i, "components", &v, &got))
            dirs[o.ncomponent_dirs++] = v;
        if (rn_cli_next_option(argc, argv, &i, "port", &v, &got)) {
            uint64_t p;
            if (!rn_cli_parse_u64(v, 65535, &p) || p == 0) {
                rn_cli_error("--port wants a number from 1 to 65535");
                goto done;
            }
            o.port = (unsigned)p;
        }
        if (rn_cli_next_option(argc, argv, &i, "workers", &v, &got)) {
            uint64_t w;
            if (!rn_cli_parse_u64(v, 1024, &w) || w == 0) {
                rn_cli_error("--workers must be 1 to 1024");
                goto done;
            }
            o.workers = (unsigned)w;
        }
        if (got < 0)
            goto done;
        if (got)
            continue;
        if (argv[i][0] == '-' && argv[i][1]) {
            char *e = rn_cli_escape(argv[i]);
            rn_cli_error("serve: unknown option %s (see runnel help serve)", e ? e : "?");
            free(e);
            goto done;
        }
        if (o.graph_path) {
            rn_cli_error("serve: one graph at a time");
            goto done;
        }
        o.graph_path = argv[i];
    }
    o.component_dirs = dirs;
    runnel_report r = {0};
    runnel_server *s = runnel_serve_start(&o, &r);
    if (!s) {
        char *e = rn_cli_escape(r.message ? r.message : "cannot start the server");
        rn_cli_error("serve: %s", e ? e : "cannot start the server");
        free(e);
        rc = r.status == RUNNEL_BADARG ? RN_CLI_USAGE : RN_CLI_FAIL;
        runnel_report_clear(&r);
        goto done;
    }
    the_server = s;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    char *host = rn_cli_escape(o.host ? o.host : "127.0.0.1");
    printf("runnel serve: listening on ws://%s:%u (WebSocket protocol noflo)\n", host ? host : "?",
           runnel_serve_port(s));
    fflush(stdout);
    free(host);
    rc = runnel_serve_run(s, &r) == RUNNEL_OK ? RN_CLI_OK : RN_CLI_FAIL;
    runnel_report_clear(&r);
    the_server = NULL;
    runnel_serve_free(s);
done:
    free(dirs);
    return rc;
}
