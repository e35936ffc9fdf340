/*
 * fuzz_cli_values.c - the command line's value parsers (src/cli/cli.c) under libFuzzer.
 *
 * The first byte of an input picks what the rest (up to its first NUL, as an argv string ends) is:
 *   0-6  a typed call argument, `runnel run f.wasm func 1 2.5 ...` (rn_cli_parse_val) as i32, i64, f32,
 *        f64, v128, funcref, externref: an accepted value has the type asked for, and the text
 *        rn_cli_format_val prints for it (what `--invoke` shows, which users paste back) reads back to
 *        the same bits, NaN payloads and signs included;
 *   7    an option's count or limit (rn_cli_parse_u64, `--fuel`, `--memory-max`, `--timeout`, ...), with
 *        a maximum taken from the input: an accepted number is at most the maximum and its decimal
 *        text reads back to it;
 *   8    a whole command line, one argument per line (rn_cli_parse_args with options taking values,
 *        as `run` and `send` use it, and the limits every running command shares, rn_cli_limit_option:
 *        --fuel, --timeout, --max-memory, --stack, --max-depth): it ends with a verdict, going on means
 *        a first positional argument was found, and every limit taken is within its documented range.
 * Seeds: tests/fuzz/cli-seeds/ (the values of tests/cli/test_cli_values.c and command lines of the CLI
 * tests).
 */
#include "fuzz_common.h" /* CHECK */
#include "cli.h"

#include <string.h>

static const runnel_valtype TYPES[] = {RUNNEL_TYPE_I32,  RUNNEL_TYPE_I64,     RUNNEL_TYPE_F32,      RUNNEL_TYPE_F64,
                                       RUNNEL_TYPE_V128, RUNNEL_TYPE_FUNCREF, RUNNEL_TYPE_EXTERNREF};

static bool same_bits(runnel_val a, runnel_val b)
{
    if (a.type != b.type)
        return false;
    switch (a.type) {
    case RUNNEL_TYPE_I32: return a.of.i32 == b.of.i32;
    case RUNNEL_TYPE_I64: return a.of.i64 == b.of.i64;
    case RUNNEL_TYPE_F32: return a.of.f32_bits == b.of.f32_bits;
    case RUNNEL_TYPE_F64: return a.of.f64_bits == b.of.f64_bits;
    case RUNNEL_TYPE_V128: return memcmp(&a.of, &b.of, 16) == 0;
    default: return true; /* null references */
    }
}

static void fuzz_value(const char *s, runnel_valtype t)
{
    runnel_val v;
    memset(&v, 0, sizeof v);
    if (!rn_cli_parse_val(s, t, &v))
        return;
    CHECK(v.type == t);
    char text[48]; /* the size cli.h asks callers for: a value's text must fit it whole */
    rn_cli_format_val(text, sizeof text, v);
    CHECK(strlen(text) < sizeof text - 1);
    runnel_val back;
    memset(&back, 0, sizeof back);
    if (!rn_cli_parse_val(text, t, &back) || !same_bits(v, back)) {
        fprintf(stderr, "'%s' as %s prints as '%s', which does not read back the same\n", s, rn_cli_type_name(t),
                text);
        abort();
    }
}

static void fuzz_u64(const char *s, uint64_t max)
{
    uint64_t v;
    if (!rn_cli_parse_u64(s, max, &v))
        return;
    CHECK(v <= max);
    char text[32];
    snprintf(text, sizeof text, "%llu", (unsigned long long)v);
    uint64_t back;
    CHECK(rn_cli_parse_u64(text, max, &back) && back == v);
}

typedef struct fuzz_opts {
    int seen; /* options taken */
    rn_cli_limits limits;
} fuzz_opts;

/* The options of a command that takes values, flags and the shared limits, as run's and send's do. */
static int fuzz_option(void *opts, int argc, char **argv, int *i)
{
    fuzz_opts *o = opts;
    int got = strcmp(argv[*i], "--json") == 0;
    const char *v;
    if (rn_cli_next_option(argc, argv, i, "config", &v, &got))
        CHECK(v != NULL);
    if (!got)
        got = rn_cli_limit_option(&o->limits, "fuzz", "max-memory", argc, argv, i);
    if (got > 0)
        o->seen++;
    return got;
}

static void check_limits(const rn_cli_limits *l)
{
    CHECK(!l->has_fuel || l->fuel <= UINT64_MAX - 1);
    CHECK(!l->has_timeout || l->timeout_ms <= UINT32_MAX);
    CHECK(!l->has_memory || l->max_pages <= 65536);
    CHECK(l->max_depth <= RN_CLI_MAX_DEPTH);
}

static void no_help(FILE *out) { (void)out; }

static void fuzz_command_line(char *text)
{
    enum { MAX_ARGS = 64 };
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    argv[argc++] = "fuzz";
    for (char *p = text; p && argc < MAX_ARGS;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        argv[argc++] = p;
        p = nl ? nl + 1 : NULL;
    }
    argv[argc] = NULL;
    static const rn_cli_syntax syntax = {"fuzz", "module", no_help, fuzz_option};
    fuzz_opts o = {0};
    rn_cli_args args = {0};
    int rc = rn_cli_parse_args(&syntax, argc, argv, &o, &args);
    check_limits(&o.limits);
    CHECK(rc == -1 || rc == RN_CLI_OK || rc == RN_CLI_USAGE || rc == RN_CLI_FAIL);
    if (rc == -1) {
        CHECK(args.file != NULL && args.nrest >= 0 && 1 + args.nrest + o.seen <= argc - 1);
        for (int i = 0; i < args.nrest; i++)
            CHECK(args.rest[i] != NULL);
    }
    free(args.rest);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *s = malloc(size); /* the rest, NUL-terminated: an argv string */
    CHECK(s != NULL);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    unsigned kind = data[0] % 9;
    if (kind < 7)
        fuzz_value(s, TYPES[kind]);
    else if (kind == 7) {
        static const uint64_t MAXES[] = {UINT64_MAX, UINT64_MAX - 1, INT64_MAX, UINT32_MAX, 65536, 0};
        fuzz_u64(s, MAXES[(data[0] / 9) % 6]);
    } else
        fuzz_command_line(s);
    free(s);
    return 0;
}
