/*
 * main.c - the `runnel` command: dispatch to a subcommand.
 *
 * Each subcommand is a pair of functions in its own file, rn_cli_cmd_NAME (the command) and
 * rn_cli_help_NAME (its help text), so that one X-macro line below both declares and lists it:
 * adding a subcommand is one line here and one new file, and nothing else in the CLI changes.
 * `runnel help NAME` and `runnel NAME --help` print the same text because both call the same
 * function.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* X(NAME, SUMMARY): one line per subcommand, in the order `runnel --help` lists them. */
#define RN_CLI_COMMANDS(X)                                                                                           \
    X(validate, "check that modules decode, validate and compile")                                                   \
    X(disasm, "list how a module compiles: each instruction and the interpreter ops made from it")              \
    X(run, "run a graph (.json, .fbp), or call a module's function (--invoke) or its _start")                       \
    X(compile, "compile a module to native code with the system C compiler (cached, or -o FILE)")                    \
    X(inspect, "show an actor plugin's metadata: component, ports, config schema")                                   \
    X(send, "send messages to an actor plugin: one process call, its outputs, its new state")                        \
    X(call, "call a function of an Extism plugin (the flags of `extism call`)")                                      \
    X(graph, "check a graph or convert it between Reflow JSON, NoFlo JSON and .fbp")                                \
    X(serve, "an FBP Network Protocol runtime on a WebSocket, for Flowhub, noflo-ui and fbp-test")

#define RN_CLI_DECLARE(name, summary)                                                                                \
    int rn_cli_cmd_##name(int argc, char **argv);                                                                    \
    void rn_cli_help_##name(FILE *out);
RN_CLI_COMMANDS(RN_CLI_DECLARE)

typedef struct rn_cli_command {
    const char *name;
    const char *summary;
    rn_cli_main_fn main;
    rn_cli_help_fn help;
} rn_cli_command;

#define RN_CLI_ENTRY(name, summary) {#name, summary, rn_cli_cmd_##name, rn_cli_help_##name},
static const rn_cli_command commands[] = {RN_CLI_COMMANDS(RN_CLI_ENTRY)};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const rn_cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out, "runnel %s - a WebAssembly actor runtime\n\n"
                 "usage: runnel COMMAND [OPTIONS] [ARGS...]\n"
                 "       runnel help COMMAND     (or: runnel COMMAND --help)\n"
                 "       runnel --version\n\n"
                 "commands:\n",
            RUNNEL_VERSION);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nexit status: 0 success; 1 the module or the run failed (malformed, invalid, unlinkable,\n"
                 "trap, out of fuel, timeout, unreadable file); 2 wrong command line. A module that calls\n"
                 "WASI proc_exit exits with its own code.\n\n"
                 "environment: RUNNEL_COMPILE=1 compiles modules to native code with the system C compiler\n"
                 "(--compiled on run, call, send and graph runs; 0 or unset: interpreted); RUNNEL_CC the C\n"
                 "compiler (default cc), RUNNEL_CC_SECONDS and RUNNEL_CC_MEMORY_MB its limits (CPU seconds,\n"
                 "default 600; address space in MiB, default 4096); XDG_CACHE_HOME the place of the compile\n"
                 "cache (runnel compile); RUNNEL_GUARD_PAGES=0 makes compiled code compare each memory\n"
                 "access with the memory's size instead of relying on guard pages and a SIGSEGV handler\n"
                 "(docs/compiling.md).\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return RN_CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (rn_cli_is_help(cmd)) {
        usage(stdout);
        return RN_CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 || strcmp(cmd, "version") == 0) {
        printf("runnel %s\n", RUNNEL_VERSION);
        return RN_CLI_OK;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return RN_CLI_OK;
        }
        const rn_cli_command *c = find_command(argv[2]);
        if (!c) {
            rn_cli_error("no command '%s' (see runnel --help)", argv[2]);
            return RN_CLI_USAGE;
        }
        c->help(stdout);
        return RN_CLI_OK;
    }
    const rn_cli_command *c = find_command(cmd);
    if (!c) {
        rn_cli_error("no command '%s' (see runnel --help)", cmd);
        return RN_CLI_USAGE;
    }
    /* The command is the application: it may take SIGSEGV for compiled code's guard pages (engine.h).
       Where that is not possible, compiled code compares instead; nothing else changes. */
    const char *guard = getenv("RUNNEL_GUARD_PAGES");
    if (!guard || strcmp(guard, "0") != 0)
        runnel_guard_pages_enable(NULL);
    return c->main(argc - 1, argv + 1);
}
