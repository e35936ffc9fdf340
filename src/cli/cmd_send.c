/*
 * cmd_send.c - `runnel send`: one `process` call of an actor plugin, from the command line.
 *
 * The quickest way to try an actor: give it a message per in-port, see every output as the actor emits
 * it (what it sends through __send_output during the call first, then what it returns), then its new
 * state. With --state FILE the state is read before and written after the call, so a sequence of
 * `runnel send` commands behaves like a sequence of messages to one actor in a graph:
 *
 *   runnel send counter.wasm increment --state s.json      ->  out count {"type":"Integer","data":1}
 *   runnel send counter.wasm increment --state s.json      ->  out count {"type":"Integer","data":2}
 *
 * Values (runnel_msg_from_value): a tagged message {"type":"Integer","data":5}, or plain JSON typed by its
 * shape (5 is an Integer, 2.5 a Float, "x" a String, [..] an Array, {..} an Object, null an Optional);
 * for convenience a word that is not JSON at all is a String (operation=increment), and a port without
 * "=VALUE" gets a Flow.
 *
 * Output, one line each, so that scripts can read it: "sent PORT MESSAGE", "out PORT MESSAGE",
 * "error error MESSAGE" and last "state STATE"; or with --json one JSON object per line.
 */
#include "cli.h"
#include "fileio.h"
#include "runnel/actor_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void rn_cli_help_send(FILE *out)
{
    fprintf(out,
            "usage: runnel send [OPTIONS] PLUGIN.wasm PORT[=VALUE]...\n\n"
            "Makes one process call of a Reflow actor plugin with a message on each PORT, and prints every\n"
            "output as the actor emits it, then its new state:\n"
            "  sent PORT MESSAGE     sent through __send_output during the call\n"
            "  out PORT MESSAGE      returned by process\n"
            "  error error MESSAGE   the call failed (also reported on stderr)\n"
            "  state STATE           the actor's state after the call\n\n"
            "VALUE is a tagged message ({\"type\":\"Integer\",\"data\":5}) or plain JSON typed by its shape\n"
            "(5 Integer, 2.5 Float, \"x\" String, true Boolean, [..] Array, {..} Object, null Optional). A word\n"
            "that is not JSON is a String (operation=increment); PORT alone sends a Flow.\n\n"
            "options:\n"
            "  --config JSON        the node's configuration (a JSON object), checked against the plugin's\n"
            "                       config_schema; its defaults fill in what is missing\n"
            "  --state FILE         read the state from FILE (if it exists) and write the new state back,\n"
            "                       atomically, keeping its mode (through a symlink: to its target); a\n"
            "                       FILE that cannot be read or is not a JSON object is refused untouched\n"
            "  --env NAME=VALUE     a resolved environment variable of the node (repeatable)\n"
            "  --node-id ID         the node id in the actor context (default: the component name)\n"
            "  --state-max BYTES    the state the actor may keep, counted as runnel_actor_state_bytes\n"
            "                       does (0 = no limit; default 64 MiB)\n"
            "  --strict-ports       refuse __send_output to ports the metadata does not declare\n"
            "  --wasi-stdio         let the plugin write to this process's stdout and stderr\n"
            "  --json               print one JSON object per line instead\n"
            "  --compiled           compile the plugin to native code with the system C compiler first\n"
            "                       (cached: see runnel compile; RUNNEL_COMPILE=1 does the same)\n");
    rn_cli_limits_help(out, "max-memory");
    fprintf(out,
            "                       (not given: a timeout of %u ms and %u pages, no fuel limit)\n"
            "  -h, --help           this text\n\n"
            "exit status: 0 the call succeeded; 1 it failed (trap, timeout, memory limit, an error from\n"
            "the plugin, an invalid result) or the plugin could not be loaded; 2 wrong command line.\n\n"
            "example: runnel send build/examples/actors/my_actor.wasm input=21\n",
            RUNNEL_ACTOR_DEFAULT_TIMEOUT_MS, RUNNEL_ACTOR_DEFAULT_MAX_PAGES);
}

typedef struct send_opts {
    rn_cli_args pos; /* the plugin, and the PORT[=VALUE] inputs after it */
    const char *config, *state_file, *node_id;
    json_t *env;
    rn_cli_limits limits;
    uint64_t max_state_bytes; /* runnel_actor_options' */
    bool strict_ports, wasi_stdio, json_out;
    rn_cli_tier tier; /* --compiled */
} send_opts;

/* A budget of the command line as the actor API takes it: not given 0 (the actor layer's default),
   0 ("no limit") RUNNEL_ACTOR_UNLIMITED. */
static uint64_t actor_limit(bool given, uint64_t n)
{
    return !given ? 0 : n == 0 ? RUNNEL_ACTOR_UNLIMITED : n;
}

/* One option of `runnel send` (rn_cli_syntax's option). */
static int send_option(void *opts, int argc, char **argv, int *i)
{
    send_opts *o = opts;
    const char *a = argv[*i], *v;
    int got = 1;
    if (strcmp(a, "--json") == 0)
        o->json_out = true;
    else if (strcmp(a, "--strict-ports") == 0)
        o->strict_ports = true;
    else if (strcmp(a, "--wasi-stdio") == 0)
        o->wasi_stdio = true;
    else if (strcmp(a, "--compiled") == 0)
        o->tier.compiled = true;
    else
        got = 0; /* not a flag: the options with a value are tried next */
    if (rn_cli_next_option(argc, argv, i, "config", &v, &got))
        o->config = v;
    if (rn_cli_next_option(argc, argv, i, "state", &v, &got))
        o->state_file = v;
    if (rn_cli_next_option(argc, argv, i, "node-id", &v, &got))
        o->node_id = v;
    if (rn_cli_next_option(argc, argv, i, "state-max", &v, &got)) {
        uint64_t n;
        if (!rn_cli_parse_u64(v, UINT64_MAX - 1, &n)) {
            rn_cli_error("send: --state-max wants a number of bytes (0 = no limit), not '%s'", v);
            return -1;
        }
        o->max_state_bytes = actor_limit(true, n);
    }
    if (rn_cli_next_option(argc, argv, i, "env", &v, &got)) {
        const char *eq = strchr(v, '=');
        if (!eq || eq == v) {
            rn_cli_error("send: --env wants NAME=VALUE, not '%s'", v);
            return -1;
        }
        json_t *val = json_string(eq + 1);
        if (!val || json_object_setn_new(o->env, v, (size_t)(eq - v), val) != 0) {
            rn_cli_error("send: --env %s: not valid UTF-8", v);
            return -1;
        }
    }
    if (!got)
        got = rn_cli_limit_option(&o->limits, "send", "max-memory", argc, argv, i);
    return got;
}

static const rn_cli_syntax send_syntax = {"send", "plugin", rn_cli_help_send, send_option};

/* Could text be meant as JSON? Its first character says: anything else is taken as a plain word. */
static bool looks_like_json(const char *s)
{
    if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0 || strcmp(s, "null") == 0)
        return true;
    return strchr("{[\"-0123456789", s[0]) != NULL && s[0] != '\0';
}

/* PORT[=VALUE] into in; false (after printing why) on a bad value. */
static bool parse_input(const char *arg, runnel_port_msg *in, char **port)
{
    const char *eq = strchr(arg, '=');
    size_t plen = eq ? (size_t)(eq - arg) : strlen(arg);
    if (plen == 0) {
        rn_cli_error("send: '%s' names no port (PORT=VALUE)", arg);
        return false;
    }
    *port = strndup(arg, plen);
    if (!*port) {
        rn_cli_error("out of memory");
        return false;
    }
    in->port = *port;
    if (!eq) {
        in->msg = runnel_msg_flow();
        return true;
    }
    const char *value = eq + 1;
    if (!looks_like_json(value)) {
        if (runnel_msg_string(&in->msg, value) != RUNNEL_OK) {
            rn_cli_error("out of memory");
            return false;
        }
        return true;
    }
    runnel_report r = {0};
    if (runnel_msg_parse(&in->msg, value, strlen(value), &r) != RUNNEL_OK) {
        rn_cli_error("send: %s: %s", *port, r.message ? r.message : "bad value");
        runnel_report_clear(&r);
        return false;
    }
    return true;
}

typedef struct printer {
    bool json;
} printer;

static void print_output(void *user, const char *port, const runnel_msg *msg, runnel_emit_kind kind)
{
    const printer *p = user;
    const char *k = kind == RUNNEL_EMIT_SENT ? "sent" : kind == RUNNEL_EMIT_RESULT ? "out" : "error";
    json_t *m = runnel_msg_to_json(msg);
    char *text = m ? json_dumps(m, JSON_COMPACT) : NULL;
    if (p->json) {
        json_t *line = json_pack("{s:s, s:s, s:O?}", "kind", k, "port", port, "message", m);
        char *l = line ? json_dumps(line, JSON_COMPACT) : NULL;
        printf("%s\n", l ? l : "{\"kind\":\"error\",\"port\":\"error\",\"message\":null}");
        free(l);
        json_decref(line);
    } else {
        /* lines of text, not JSON lines: the port and the message (JSON, which keeps DEL and C1 raw) are
           the actor's, escaped for the terminal; --json output is data and stays as it is */
        char *safe_port = runnel_text_escape(port), *safe_text = text ? runnel_text_escape(text) : NULL;
        printf("%s %s %s\n", k, safe_port ? safe_port : "?",
               safe_text ? safe_text : "(a message JSON cannot carry: not UTF-8)");
        free(safe_port);
        free(safe_text);
    }
    /* each line is out as it is emitted, also when stdout is a pipe */
    fflush(stdout);
    free(text);
    json_decref(m);
}

/* The state before the call: {} when the file does not exist yet (a first run). A file that exists
   but cannot be read, or does not hold a JSON object, is refused and left as it is: treating it as "no
   state" would overwrite it with a fresh one after the call. */
static json_t *read_state(const char *path)
{
    uint8_t *text;
    size_t len;
    int err = rn_read_file(path, &text, &len);
    if (err == ENOENT)
        return json_object(); /* no file yet: a first run */
    if (err) {
        char why[160];
        rn_cli_error("send: --state %s: cannot read it (%s); it is left untouched", path,
                     rn_io_strerror(err, why, sizeof why));
        return NULL;
    }
    json_error_t jerr;
    json_t *s = json_loadb((const char *)text, len, JSON_ALLOW_NUL, &jerr);
    free(text);
    if (!s)
        rn_cli_error("send: --state %s: not JSON (%s at line %d); it is left untouched", path, jerr.text, jerr.line);
    else if (!json_is_object(s)) {
        rn_cli_error("send: --state %s: the state must be a JSON object; the file is left untouched", path);
        json_decref(s);
        s = NULL;
    }
    return s;
}

/* The new state, replacing the file atomically (rn_cli_write_file): an interrupted write loses nothing,
   the file keeps its permissions, and a symbolic link keeps pointing to the (new) state. */
static bool write_state(const char *path, const json_t *state)
{
    char *text = json_dumps(state, JSON_COMPACT);
    if (!text) {
        rn_cli_error("send: --state %s: the state cannot be written as JSON", path);
        return false;
    }
    size_t n = strlen(text);
    text[n] = '\n'; /* the NUL becomes a final newline: a text file */
    bool ok = rn_cli_write_file(path, text, n + 1);
    free(text);
    return ok;
}

static int run(send_opts *o)
{
    runnel_actor_options ao = {.size = sizeof(runnel_actor_options),
        .node_id = o->node_id,
        .resolved_env = o->env,
        .timeout_ms = actor_limit(o->limits.has_timeout, o->limits.timeout_ms),
        .max_memory_pages = actor_limit(o->limits.has_memory, o->limits.max_pages),
        .fuel = actor_limit(o->limits.has_fuel, o->limits.fuel),
        .max_state_bytes = o->max_state_bytes,
        .stack_bytes = o->limits.stack_bytes,
        .max_call_depth = o->limits.max_depth,
        .strict_ports = o->strict_ports,
        .inherit_stdio = o->wasi_stdio,
        .compiled = o->tier.compiled,
        .compile = &o->tier.opts,
    };
    json_t *config = NULL, *state = NULL;
    runnel_port_msg *in = calloc((size_t)o->pos.nrest + 1, sizeof *in);
    char **ports = calloc((size_t)o->pos.nrest + 1, sizeof *ports);
    runnel_actor *a = NULL;
    int rc = RN_CLI_USAGE;
    if (!in || !ports) {
        rn_cli_error("out of memory");
        rc = RN_CLI_FAIL;
        goto done;
    }
    if (o->config) {
        json_error_t err;
        config = json_loads(o->config, 0, &err);
        if (!config || !json_is_object(config)) {
            rn_cli_error("send: --config must be a JSON object%s%s", config ? "" : ": ", config ? "" : err.text);
            goto done;
        }
        ao.config = config;
    }
    for (int i = 0; i < o->pos.nrest; i++)
        if (!parse_input(o->pos.rest[i], &in[i], &ports[i]))
            goto done;
    rc = RN_CLI_FAIL;
    if (o->state_file && !(state = read_state(o->state_file)))
        goto done;

    a = rn_cli_load_actor(o->pos.file, &ao);
    rn_cli_tier_end(&o->tier);
    if (!a)
        goto done;
    runnel_report r = {0};
    if (state && runnel_actor_set_state(a, state, &r) != RUNNEL_OK) {
        rn_cli_error("send: %s", r.message);
        runnel_report_clear(&r);
        goto done;
    }
    printer p = {o->json_out};
    runnel_status st = runnel_actor_process(a, in, (size_t)o->pos.nrest, print_output, &p, &r);
    if (st == RUNNEL_BADARG && r.message && strstr(r.message, "has no in-port")) {
        rn_cli_error("send: %s", r.message); /* refused before the call: a command-line mistake */
        runnel_report_clear(&r);
        rc = RN_CLI_USAGE;
        goto done;
    }
    if (st != RUNNEL_OK)
        rn_cli_error("%s", r.message ? r.message : runnel_status_name(st));
    runnel_report_clear(&r);
    char *s = json_dumps(runnel_actor_state(a), JSON_COMPACT);
    if (o->json_out)
        printf("{\"state\":%s}\n", s ? s : "null");
    else {
        char *safe = s ? runnel_text_escape(s) : NULL;
        printf("state %s\n", safe ? safe : "?");
        free(safe);
    }
    free(s);
    if (o->state_file && !write_state(o->state_file, runnel_actor_state(a)))
        goto done;
    rc = st == RUNNEL_OK ? RN_CLI_OK : RN_CLI_FAIL;
done:
    for (int i = 0; in && i < o->pos.nrest; i++)
        runnel_msg_clear(&in[i].msg);
    for (int i = 0; ports && i < o->pos.nrest; i++)
        free(ports[i]);
    free(in);
    free(ports);
    json_decref(config);
    json_decref(state);
    runnel_actor_free(a);
    return rc;
}

int rn_cli_cmd_send(int argc, char **argv)
{
    send_opts o = {.env = json_object()};
    int rc;
    if (!o.env) {
        rn_cli_error("out of memory");
        rc = RN_CLI_FAIL;
    } else
        rc = rn_cli_parse_args(&send_syntax, argc, argv, &o, &o.pos);
    if (rc < 0 && !rn_cli_tier_begin(&o.tier, o.pos.file, false))
        rc = RN_CLI_USAGE;
    if (rc < 0)
        rc = run(&o);
    rn_cli_tier_end(&o.tier);
    free(o.pos.rest);
    json_decref(o.env);
    return rc;
}
