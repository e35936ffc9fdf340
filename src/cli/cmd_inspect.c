/*
 * cmd_inspect.c - `runnel inspect`: what an actor plugin says about itself.
 *
 * A Reflow actor's interface is its metadata (get_metadata: component, description, ports with message
 * types, config_schema; docs/abi-reflow.md, "PluginMetadata"). Reflow's own host never reads it, so a plugin author
 * has had no way to see it short of writing a host; this command shows it as a table, or, with --json,
 * as the exact text the plugin returned (for scripts and for diffing two builds).
 *
 * The plugin is loaded as an actor would be (WASI on, the Reflow host functions), so what inspect shows
 * is what a graph would see, including the reasons a plugin has no metadata: no get_metadata export (the
 * older Reflow ABI, which still runs: exit 0), or a get_metadata that traps or returns something that is
 * not metadata (exit 1, with the trap or the fault).
 */
#include "cli.h"
#include "runnel/actor_json.h"

#include <stdlib.h>
#include <string.h>

void rn_cli_help_inspect(FILE *out)
{
    fprintf(out, "usage: runnel inspect [OPTIONS] PLUGIN.wasm\n\n"
                 "Shows a Reflow actor plugin's metadata, as its get_metadata export returns it: the component,\n"
                 "its description, its in-ports and out-ports with their message types, and its config schema.\n\n"
                 "options:\n"
                 "  --json               print the metadata JSON exactly as the plugin returned it\n"
                 "  -h, --help           this text\n\n"
                 "exit status: 0 the metadata was read (or the plugin is of the older Reflow ABI, which has\n"
                 "none but runs); 1 the plugin cannot be loaded, or its get_metadata fails or returns something\n"
                 "that is not metadata (the reason is printed); 2 wrong command line.\n\n"
                 "example: runnel inspect build/examples/actors/counter.wasm\n");
}

/* Rows of text cells printed as aligned columns: what both tables (ports, config) are. */
#define MAX_COLS 4
typedef struct table {
    char **cells; /* rows * MAX_COLS, malloc'ed strings or NULL */
    size_t rows, cap;
} table;

static void table_add(table *t, const char *c0, const char *c1, const char *c2, const char *c3)
{
    if (t->rows == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 8;
        char **n = realloc(t->cells, ncap * MAX_COLS * sizeof *n);
        if (!n)
            return;
        t->cells = n;
        t->cap = ncap;
    }
    const char *c[MAX_COLS] = {c0, c1, c2, c3};
    /* every cell is the plugin's text (names, types, descriptions): escaped for the terminal */
    for (int i = 0; i < MAX_COLS; i++)
        t->cells[t->rows * MAX_COLS + (size_t)i] = c[i] ? runnel_text_escape(c[i]) : NULL;
    t->rows++;
}

/* Columns that are empty in every row take no space; the last column is not padded. */
static void table_print(table *t)
{
    size_t w[MAX_COLS] = {0};
    int last = 0;
    for (size_t r = 0; r < t->rows; r++)
        for (int i = 0; i < MAX_COLS; i++) {
            const char *c = t->cells[r * MAX_COLS + (size_t)i];
            size_t l = c ? strlen(c) : 0;
            if (l > w[i])
                w[i] = l;
            if (l && i > last)
                last = i;
        }
    for (size_t r = 0; r < t->rows; r++) {
        printf(" ");
        for (int i = 0; i <= last; i++) {
            const char *c = t->cells[r * MAX_COLS + (size_t)i];
            if (!w[i])
                continue;
            if (i == last)
                printf(" %s", c ? c : "");
            else
                printf(" %-*s ", (int)w[i], c ? c : "");
        }
        putchar('\n');
    }
    for (size_t k = 0; k < t->rows * MAX_COLS; k++)
        free(t->cells[k]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

static void print_ports(const char *title, const runnel_port_def *p, size_t n)
{
    printf("\n%s:\n", title);
    if (n == 0) {
        printf("  (none)\n");
        return;
    }
    table t = {0};
    for (size_t i = 0; i < n; i++)
        table_add(&t, p[i].name, p[i].port_type, p[i].required ? "required" : NULL, p[i].description);
    table_print(&t);
}

/* A JSON value on one line (for defaults and enums), malloc'ed. */
static char *inline_json(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Does the table show all of the schema? (type, properties with type/default/enum/description,
   required, additionalProperties false) Otherwise the schema is printed in full as well. */
static bool schema_is_flat(const json_t *schema)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)schema, key, v)
    {
        if (strcmp(key, "type") == 0 || strcmp(key, "required") == 0 || strcmp(key, "$schema") == 0 ||
            (strcmp(key, "additionalProperties") == 0 && json_is_boolean(v)))
            continue;
        if (strcmp(key, "properties") != 0 || !json_is_object(v))
            return false;
        const char *pk;
        const json_t *ps;
        json_object_foreach((json_t *)v, pk, ps)
        {
            const char *k;
            const json_t *x;
            if (!json_is_object(ps))
                return false;
            json_object_foreach((json_t *)ps, k, x)
            {
                if (strcmp(k, "default") && strcmp(k, "description") && strcmp(k, "enum") &&
                    (strcmp(k, "type") || !json_is_string(x)))
                    return false;
            }
        }
    }
    return true;
}

static void print_schema(const json_t *schema)
{
    printf("\nconfig schema:\n");
    if (!schema) {
        printf("  (none)\n");
        return;
    }
    const json_t *props = json_object_get(schema, "properties");
    const json_t *req = json_object_get(schema, "required");
    if (json_is_object(props) && json_object_size(props) > 0) {
        table t = {0};
        const char *key;
        const json_t *p;
        json_object_foreach((json_t *)props, key, p)
        {
            const json_t *type = json_object_get(p, "type"), *def = json_object_get(p, "default"),
                         *desc = json_object_get(p, "description"), *en = json_object_get(p, "enum");
            bool required = false;
            size_t i;
            const json_t *k;
            if (json_is_array(req))
                json_array_foreach(req, i, k) required |= json_is_string(k) && strcmp(json_string_value(k), key) == 0;
            char *d = def ? inline_json(def) : NULL, *e = en ? inline_json(en) : NULL;
            char flags[512];
            snprintf(flags, sizeof flags, "%s%s%s%s%s%s", required ? "required" : "", required && (d || e) ? ", " : "",
                     d ? "default " : "", d ? d : "",
                     d && e ? ", one of "
                     : e    ? "one of "
                            : "",
                     e ? e : "");
            table_add(&t, key, json_is_string(type) ? json_string_value(type) : "any", flags,
                      json_is_string(desc) ? json_string_value(desc) : NULL);
            free(d);
            free(e);
        }
        table_print(&t);
        if (json_is_false(json_object_get(schema, "additionalProperties")))
            printf("  (no other properties allowed)\n");
    } else if (schema_is_flat(schema)) {
        printf("  (no properties)\n");
    }
    if (!schema_is_flat(schema)) {
        char *text = json_dumps(schema, JSON_INDENT(2));
        if (text) {
            printf("  as JSON Schema:\n");
            for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                char *safe = runnel_text_escape(line); /* JSON text may still hold DEL and C1 raw */
                printf("    %s\n", safe ? safe : "?");
                free(safe);
            }
            free(text);
        }
    }
}

int rn_cli_cmd_inspect(int argc, char **argv)
{
    const char *file = NULL;
    bool json_out = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (rn_cli_is_help(a)) {
            rn_cli_help_inspect(stdout);
            return RN_CLI_OK;
        } else if (strcmp(a, "--json") == 0) {
            json_out = true;
        } else if (a[0] == '-' && a[1] == '-') {
            rn_cli_error("inspect: unknown option %s (see runnel help inspect)", a);
            return RN_CLI_USAGE;
        } else if (!file) {
            file = a;
        } else {
            rn_cli_error("inspect: one plugin at a time (got %s and %s)", file, a);
            return RN_CLI_USAGE;
        }
    }
    if (!file) {
        rn_cli_error("inspect: no plugin given (see runnel help inspect)");
        return RN_CLI_USAGE;
    }

    runnel_actor_options o = {.size = sizeof(runnel_actor_options), .skip_config_check = true, .no_config_defaults = true};
    runnel_actor *a = rn_cli_load_actor(file, &o);
    if (!a)
        return RN_CLI_FAIL;
    int rc = RN_CLI_OK;
    const runnel_actor_metadata *m = runnel_actor_get_metadata(a);
    if (!m) {
        const char *why = runnel_actor_metadata_error(a);
        if (runnel_actor_is_legacy(a)) {
            char *safe_file = runnel_text_escape(file), *safe_why = runnel_text_escape(why);
            printf("%s: no metadata: %s\n", safe_file ? safe_file : "?", safe_why ? safe_why : "?");
            free(safe_file);
            free(safe_why);
        } else {
            rn_cli_error("%s: no metadata: %s", file, why ? why : "unknown reason");
            rc = RN_CLI_FAIL;
        }
    } else if (json_out) {
        printf("%s\n", runnel_actor_metadata_text(a));
    } else {
        char *component = runnel_text_escape(m->component), *description = runnel_text_escape(m->description);
        printf("component:    %s\n", component ? component : "?");
        printf("description:  %s\n", description ? description : "?");
        free(component);
        free(description);
        print_ports("in-ports", m->inports, m->ninports);
        print_ports("out-ports", m->outports, m->noutports);
        print_schema(m->config_schema);
    }
    runnel_actor_free(a);
    return rc;
}
