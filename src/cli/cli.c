/*
 * cli.c - the helpers every `runnel` subcommand shares (see cli.h).
 *
 * Values cross the command line as text both ways, so the two directions are written to be exact
 * inverses where WebAssembly allows it:
 *   - integers are accepted signed or as their unsigned bit pattern (spec 2.3.1 "Integers": a
 *     WebAssembly integer has no sign of its own; `-1` and `0xffffffff` are the same i32), and printed
 *     signed, as `wasmtime --invoke` does;
 *   - floats are printed as the shortest `%g` text that reads back to the very same bits, so a result
 *     can be pasted back as an argument; NaNs keep their sign and payload (spec 4.3.3 "Floating-Point
 *     Operations": the canonical NaN prints as `nan`, any other as `nan:0xPAYLOAD`, the text format's
 *     own spelling, spec 6.3.2);
 *   - f32 arguments are read with strtof, never strtod then a cast, which would round twice.
 * Range errors are rejected rather than wrapped or saturated: a typo should not silently become
 * another number.
 *
 * The rest is what would otherwise be written once per subcommand and drift: reading files and
 * modules, loading actor plugins, and the parser of the command lines whose options may stand before
 * or after the positional arguments (run, send), so that "--", -h and the messages for an unknown
 * option or a missing file are the same in both.
 */
#include "cli.h"
#include "fileio.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The message is escaped as a whole (runnel_text_escape_lines): its arguments are often texts a guest
   or a file chose (an error_set text, a trap message, a name from a graph), and escaping here covers
   every command at once. Newlines stay, for a message followed by its backtrace. */
void rn_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = rn_vformat(fmt, ap);
    va_end(ap);
    char *safe = text ? runnel_text_escape_lines(text) : NULL;
    fprintf(stderr, "runnel: error: %s\n", safe ? safe : "(out of memory)");
    free(safe);
    free(text);
}

bool rn_cli_read_file(const char *path, uint8_t **data, size_t *len)
{
    int err = strcmp(path, "-") == 0 ? rn_read_fd(STDIN_FILENO, data, len) : rn_read_file(path, data, len);
    if (err) {
        char why[160];
        rn_io_strerror(err, why, sizeof why);
        if (strcmp(path, "-") == 0)
            rn_cli_error("cannot read stdin: %s", why);
        else
            rn_cli_error("cannot %s %s: %s", err == ENOENT || err == EACCES ? "open" : "read", path, why);
    }
    return err == 0;
}

bool rn_cli_write_file(const char *path, const void *data, size_t len)
{
    if (!path || strcmp(path, "-") == 0) {
        bool ok = fwrite(data, 1, len, stdout) == len && fflush(stdout) == 0;
        if (!ok)
            rn_cli_error("cannot write to stdout: %s", strerror(errno));
        return ok;
    }
    int err = rn_write_file_atomic(path, data, len);
    if (err) {
        char why[160];
        rn_cli_error("cannot write %s: %s", path, rn_io_strerror(err, why, sizeof why));
    }
    return err == 0;
}

/* True if the bytes look like the text format, to add a hint to "malformed". */
static bool looks_like_text(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')
            continue;
        return p[i] == '(' || p[i] == ';';
    }
    return false;
}

runnel_module *rn_cli_load_module(const char *path, runnel_report *r)
{
    uint8_t *bytes;
    size_t len;
    if (!rn_cli_read_file(path, &bytes, &len)) {
        r->status = RUNNEL_BADARG;
        return NULL;
    }
    runnel_module *m = runnel_module_new(bytes, len, r);
    if (!m)
        rn_cli_module_error(path, bytes, len, r);
    free(bytes);
    return m;
}

void rn_cli_module_error(const char *path, const uint8_t *bytes, size_t len, const runnel_report *r)
{
    /* the message may quote the module (an import's name): escaped */
    char *safe = runnel_text_escape_lines(r->message ? r->message : "(no message)");
    const char *msg = safe ? safe : "(out of memory)";
    if (r->status == RUNNEL_MALFORMED || r->status == RUNNEL_INVALID)
        fprintf(stderr, "%s: %s: %s (at offset 0x%zx)\n", path, runnel_status_name(r->status), msg, r->offset);
    else
        fprintf(stderr, "%s: %s: %s\n", path, runnel_status_name(r->status), msg);
    free(safe);
    if (r->status == RUNNEL_MALFORMED && looks_like_text(bytes, len))
        fprintf(stderr, "%s: this looks like the text format; convert it first (wat2wasm %s)\n", path, path);
}

bool rn_cli_compile_env(bool *on)
{
    const char *v = getenv("RUNNEL_COMPILE");
    if (!v || !*v || strcmp(v, "0") == 0) {
        *on = false;
        return true;
    }
    if (strcmp(v, "1") == 0) {
        *on = true;
        return true;
    }
    rn_cli_error("RUNNEL_COMPILE must be 1 (compile to native code) or 0 (interpret), not '%s'", v);
    return false;
}

/* A limit on the C compiler from the environment (name: RUNNEL_CC_SECONDS or RUNNEL_CC_MEMORY_MB):
   unset or empty leaves *out as it is (0: the library's default); else an integer in 1..max. */
static bool cc_limit_env(const char *name, uint64_t max, uint32_t *out)
{
    const char *v = getenv(name);
    uint64_t n;
    if (!v || !*v)
        return true;
    if (!rn_cli_parse_u64(v, max, &n) || n == 0) {
        rn_cli_error("%s must be an integer in 1..%" PRIu64 ", not '%s'", name, max, v);
        return false;
    }
    *out = (uint32_t)n;
    return true;
}

bool rn_cli_tier_begin(rn_cli_tier *t, const char *what, bool quiet)
{
    bool env;
    uint32_t cc_seconds = 0, cc_memory_mb = 0;
    if (!rn_cli_compile_env(&env) || !cc_limit_env("RUNNEL_CC_SECONDS", RN_CLI_CC_SECONDS_MAX, &cc_seconds) ||
        !cc_limit_env("RUNNEL_CC_MEMORY_MB", RN_CLI_CC_MEMORY_MB_MAX, &cc_memory_mb))
        return false;
    t->compiled = t->compiled || env;
    t->progress = (rn_cli_progress){.what = runnel_text_escape(what), .start_ns = rn_now_ns(),
                                    .tty = !quiet && isatty(STDERR_FILENO)};
    /* no callback when nothing is shown: a one-unit module is then built by one compiler process */
    t->opts = (runnel_compile_options){.size = sizeof(runnel_compile_options),
                                       .progress = t->progress.tty ? rn_cli_progress_fn : NULL,
                                       .progress_user = &t->progress,
                                       .cc_seconds = cc_seconds,
                                       .cc_memory_mb = cc_memory_mb};
    return true;
}

void rn_cli_tier_end(rn_cli_tier *t)
{
    if (t->progress.shown)
        fputs("\r\x1b[K", stderr);
    t->progress.shown = false;
    free(t->progress.what);
    t->progress.what = NULL;
}

void rn_cli_progress_fn(void *user, uint32_t done, uint32_t total)
{
    rn_cli_progress *p = user;
    if (!p->tty)
        return;
    if (done >= total) { /* the module is done: its line goes */
        if (p->shown)
            fputs("\r\x1b[K", stderr);
        p->shown = false;
        return;
    }
    if (!p->shown && rn_now_ns() - p->start_ns < (uint64_t)RN_CLI_PROGRESS_AFTER_MS * 1000000u)
        return;
    fprintf(stderr, "\rrunnel: compiling %s: %u of %u units done\x1b[K", p->what ? p->what : "a module", done,
            total);
    fflush(stderr);
    p->shown = true;
}

runnel_module *rn_cli_load_module_tier(const char *path, rn_cli_tier *t, runnel_report *r)
{
    if (!t->native && !t->compiled)
        return rn_cli_load_module(path, r);
    uint8_t *bytes;
    size_t len;
    if (!rn_cli_read_file(path, &bytes, &len)) {
        r->status = RUNNEL_BADARG;
        return NULL;
    }
    runnel_module *m = t->native ? runnel_module_load_artifact(bytes, len, t->native, r)
                                 : runnel_module_compile(bytes, len, &t->opts, r);
    if (!m && t->native && r->status != RUNNEL_MALFORMED && r->status != RUNNEL_INVALID)
        rn_cli_error("%s: --native: %s", path, r->message ? r->message : runnel_status_name(r->status));
    else if (!m)
        rn_cli_module_error(path, bytes, len, r);
    free(bytes);
    return m;
}

runnel_actor *rn_cli_load_actor(const char *path, const runnel_actor_options *opts)
{
    uint8_t *bytes;
    size_t len;
    if (!rn_cli_read_file(path, &bytes, &len))
        return NULL;
    runnel_report r = {0};
    runnel_actor *a = runnel_actor_new(bytes, len, opts, &r);
    free(bytes);
    if (!a)
        rn_cli_error("%s: %s", path, r.message ? r.message : "cannot load the plugin");
    runnel_report_clear(&r);
    return a;
}

int rn_cli_option(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    if (a[0] != '-' || a[1] != '-')
        return 0;
    size_t n = strlen(name);
    if (strncmp(a + 2, name, n) != 0)
        return 0;
    if (a[2 + n] == '=') {
        *value = a + 3 + n;
        return 1;
    }
    if (a[2 + n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        rn_cli_error("option --%s needs a value", name);
        return -1;
    }
    *i += 1;
    *value = argv[*i];
    return 1;
}

bool rn_cli_is_help(const char *arg) { return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0; }

bool rn_cli_next_option(int argc, char **argv, int *i, const char *name, const char **value, int *got)
{
    if (*got != 0)
        return false;
    *got = rn_cli_option(argc, argv, i, name, value);
    return *got > 0;
}

int rn_cli_parse_args(const rn_cli_syntax *syntax, int argc, char **argv, void *opts, rn_cli_args *args)
{
    *args = (rn_cli_args){0};
    args->rest = malloc(sizeof *args->rest * (size_t)argc);
    if (!args->rest) {
        rn_cli_error("out of memory");
        return RN_CLI_FAIL;
    }
    bool only_positional = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_positional || !((a[0] == '-' && a[1] == '-') || strcmp(a, "-h") == 0)) {
            if (!args->file)
                args->file = a;
            else
                args->rest[args->nrest++] = argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_positional = true;
            continue;
        }
        if (rn_cli_is_help(a)) {
            syntax->help(stdout);
            return RN_CLI_OK;
        }
        int got = syntax->option(opts, argc, argv, &i);
        if (got == 0)
            rn_cli_error("%s: unknown option %s (see runnel help %s)", syntax->command, a, syntax->command);
        if (got <= 0)
            return RN_CLI_USAGE;
    }
    if (!args->file) {
        rn_cli_error("%s: no %s given (see runnel help %s)", syntax->command, syntax->file, syntax->command);
        return RN_CLI_USAGE;
    }
    return -1;
}

bool rn_cli_option_in(const char *command, const char *name, const char *v, uint64_t min, uint64_t max,
                      uint64_t *out)
{
    if (rn_cli_parse_u64(v, max, out) && *out >= min)
        return true;
    rn_cli_error("%s: --%s wants an integer in %llu..%llu%s, not '%s'", command, name, (unsigned long long)min,
                 (unsigned long long)max, min == 0 ? " (0 = no limit)" : "", v);
    return false;
}

/* One numeric option of rn_cli_limit_option: 1, or -1 after saying why. */
static int limit_value(const char *command, const char *name, const char *v, uint64_t min, uint64_t max,
                       uint64_t *out)
{
    return rn_cli_option_in(command, name, v, min, max, out) ? 1 : -1;
}

int rn_cli_limit_option(rn_cli_limits *l, const char *command, const char *memory_name, int argc, char **argv,
                        int *i)
{
    const char *v;
    int got = 0;
    uint64_t n;
    if (rn_cli_next_option(argc, argv, i, "fuel", &v, &got))
        l->has_fuel = (got = limit_value(command, "fuel", v, 0, UINT64_MAX - 1, &l->fuel)) > 0;
    if (rn_cli_next_option(argc, argv, i, "timeout", &v, &got))
        l->has_timeout = (got = limit_value(command, "timeout", v, 0, UINT32_MAX, &l->timeout_ms)) > 0;
    if (rn_cli_next_option(argc, argv, i, memory_name, &v, &got))
        l->has_memory = (got = limit_value(command, memory_name, v, 0, 65536, &l->max_pages)) > 0;
    if (rn_cli_next_option(argc, argv, i, "stack", &v, &got) &&
        (got = limit_value(command, "stack", v, 1, UINT32_MAX, &n)) > 0)
        l->stack_bytes = (uint32_t)n;
    if (rn_cli_next_option(argc, argv, i, "max-depth", &v, &got) &&
        (got = limit_value(command, "max-depth", v, 1, RN_CLI_MAX_DEPTH, &n)) > 0)
        l->max_depth = (uint32_t)n;
    return got;
}

void rn_cli_limits_help(FILE *out, const char *memory_name)
{
    fprintf(out,
            "  --fuel N             stop a call after N units of fuel (one per function entry and loop\n"
            "                       back-edge; 0 = no limit)\n"
            "  --timeout MS         stop a call after MS milliseconds (0 = no limit)\n"
            "  --%-10s PAGES   cap memory at PAGES pages of 64 KiB, at most 65536 (0 = no limit)\n"
            "  --stack BYTES        size of the value stack (default 1 MiB)\n"
            "  --max-depth N        nested calls before \"call stack exhausted\", 1..%u (default 10000)\n",
            memory_name, RN_CLI_MAX_DEPTH);
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 99;
}

/* Decimal, or hex after 0x; at least one digit; overflow of 64 bits is an error. */
static bool parse_magnitude(const char *s, uint64_t *out)
{
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == '\0')
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        int d = digit_value(*s);
        if (d >= (int)base)
            return false;
        if (v > (UINT64_MAX - (uint64_t)d) / base)
            return false;
        v = v * base + (uint64_t)d;
    }
    *out = v;
    return true;
}

bool rn_cli_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v;
    if (!parse_magnitude(s, &v) || v > max)
        return false;
    *out = v;
    return true;
}

/* An integer of `bits` bits: -2^(bits-1) .. 2^bits - 1, returned as its bit pattern. */
static bool parse_int(const char *s, unsigned bits, uint64_t *out)
{
    bool neg = false;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    uint64_t m;
    if (!parse_magnitude(s, &m))
        return false;
    uint64_t umax = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    if (neg) {
        if (m > UINT64_C(1) << (bits - 1))
            return false;
        *out = (0 - m) & umax;
    } else {
        if (m > umax)
            return false;
        *out = m;
    }
    return true;
}

/* NaN and infinity spelled as in the text format (spec 6.3.2), with the bits built directly so that
   the sign and payload are exactly what was written. Returns false if s is not one of them. */
static bool parse_special_float(const char *s, bool is64, uint64_t *bits, bool *ok)
{
    bool neg = false;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    uint64_t sign = neg ? (is64 ? UINT64_C(1) << 63 : UINT64_C(1) << 31) : 0;
    uint64_t exp = is64 ? UINT64_C(0x7ff0000000000000) : UINT64_C(0x7f800000);
    uint64_t frac_mask = is64 ? (UINT64_C(1) << 52) - 1 : (UINT64_C(1) << 23) - 1;
    if (strcmp(s, "inf") == 0 || strcmp(s, "infinity") == 0) {
        *bits = sign | exp;
        *ok = true;
        return true;
    }
    if (strcmp(s, "nan") == 0) {
        *bits = sign | exp | (frac_mask + 1) >> 1; /* the canonical NaN: only the top fraction bit */
        *ok = true;
        return true;
    }
    if (strncmp(s, "nan:", 4) == 0) {
        uint64_t payload;
        /* a payload must be hex and fit the fraction; 0 would be infinity, not a NaN */
        *ok = (s[4] == '0' && (s[5] == 'x' || s[5] == 'X')) && parse_magnitude(s + 4, &payload) && payload != 0 &&
              payload <= frac_mask;
        if (*ok)
            *bits = sign | exp | payload;
        return true;
    }
    return false;
}

/* The number at the start of text as the bits of an f32 or f64: f32 is read with strtof, never strtod
   then a cast, which would round twice. *end is set after the number, *too_large if it overflowed
   the type (an underflow to zero or a subnormal is a value, not an error). */
static uint64_t read_float(const char *text, bool is64, char **end, bool *too_large)
{
    errno = 0;
    if (is64) {
        double d = strtod(text, end);
        *too_large = errno == ERANGE && isinf(d);
        uint64_t b;
        memcpy(&b, &d, sizeof b);
        return b;
    }
    float f = strtof(text, end);
    *too_large = errno == ERANGE && isinf(f);
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static bool parse_float(const char *s, bool is64, uint64_t *bits)
{
    bool ok;
    if (parse_special_float(s, is64, bits, &ok))
        return ok;
    /* strtod skips leading space and reads "nan(...)"; neither is ours to accept */
    if (*s == '\0' || strchr(" \t\n\r\f\v", *s) || strpbrk(s, "nN"))
        return false;
    char *end;
    bool too_large;
    uint64_t b = read_float(s, is64, &end, &too_large);
    if (*end != '\0' || too_large)
        return false;
    *bits = b;
    return true;
}

/* A v128 as one 128-bit hexadecimal number, 0x and exactly 32 digits, most significant first (the way
   it is printed): lanes differ by shape, the bits do not. */
static bool parse_v128(const char *s, runnel_val *out)
{
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || strlen(s + 2) != 32)
        return false;
    uint64_t half[2] = {0, 0};
    for (int i = 0; i < 32; i++) {
        int d = digit_value(s[2 + i]);
        if (d > 15)
            return false;
        half[i / 16] = half[i / 16] << 4 | (unsigned)d;
    }
    *out = RUNNEL_V128(half[1], half[0]);
    return true;
}

bool rn_cli_parse_val(const char *s, runnel_valtype t, runnel_val *out)
{
    uint64_t bits;
    switch (t) {
    case RUNNEL_TYPE_I32:
        if (!parse_int(s, 32, &bits))
            return false;
        *out = RUNNEL_I32((int32_t)(uint32_t)bits);
        return true;
    case RUNNEL_TYPE_I64:
        if (!parse_int(s, 64, &bits))
            return false;
        *out = RUNNEL_I64((int64_t)bits);
        return true;
    case RUNNEL_TYPE_F32:
        if (!parse_float(s, false, &bits))
            return false;
        out->type = RUNNEL_TYPE_F32;
        out->of.f32_bits = (uint32_t)bits;
        return true;
    case RUNNEL_TYPE_F64:
        if (!parse_float(s, true, &bits))
            return false;
        out->type = RUNNEL_TYPE_F64;
        out->of.f64_bits = bits;
        return true;
    case RUNNEL_TYPE_FUNCREF:
    case RUNNEL_TYPE_EXTERNREF:
        if (strcmp(s, "null") != 0)
            return false;
        out->type = t;
        out->of.externref = NULL;
        if (t == RUNNEL_TYPE_FUNCREF)
            out->of.funcref = NULL;
        return true;
    case RUNNEL_TYPE_V128:
        return parse_v128(s, out);
    }
    return false;
}

/* NaN and infinity as the text format writes them; false for finite numbers. */
static bool format_special_float(char *buf, size_t size, uint64_t bits, bool is64)
{
    unsigned fbits = is64 ? 52 : 23;
    uint64_t frac = bits & ((UINT64_C(1) << fbits) - 1);
    uint64_t exp = (bits >> fbits) & (is64 ? 0x7ff : 0xff);
    const char *sign = bits >> (is64 ? 63 : 31) ? "-" : "";
    if (exp != (is64 ? 0x7ffu : 0xffu))
        return false;
    if (frac == 0)
        snprintf(buf, size, "%sinf", sign);
    else if (frac == UINT64_C(1) << (fbits - 1))
        snprintf(buf, size, "%snan", sign);
    else
        snprintf(buf, size, "%snan:0x%" PRIx64, sign, frac);
    return true;
}

/* A float as the shortest %g text that reads back to the same bits (9 significant digits always do
   for binary32, 17 for binary64), or NaN and infinity as the text format writes them. */
static void format_float(char *buf, size_t size, uint64_t bits, bool is64)
{
    if (format_special_float(buf, size, bits, is64))
        return;
    double value; /* an f32 widens to double exactly */
    if (is64) {
        memcpy(&value, &bits, sizeof value);
    } else {
        uint32_t b = (uint32_t)bits;
        float f;
        memcpy(&f, &b, sizeof f);
        value = f;
    }
    for (int prec = 1; prec <= (is64 ? 17 : 9); prec++) {
        snprintf(buf, size, "%.*g", prec, value);
        char *end;
        bool too_large;
        if (read_float(buf, is64, &end, &too_large) == bits)
            return;
    }
}

void rn_cli_format_val(char *buf, size_t size, runnel_val v)
{
    switch (v.type) {
    case RUNNEL_TYPE_I32:
        snprintf(buf, size, "%" PRId32, v.of.i32);
        return;
    case RUNNEL_TYPE_I64:
        snprintf(buf, size, "%" PRId64, v.of.i64);
        return;
    case RUNNEL_TYPE_F32:
        format_float(buf, size, v.of.f32_bits, false);
        return;
    case RUNNEL_TYPE_F64:
        format_float(buf, size, v.of.f64_bits, true);
        return;
    case RUNNEL_TYPE_FUNCREF:
        snprintf(buf, size, "%s", v.of.funcref ? "funcref" : "null");
        return;
    case RUNNEL_TYPE_EXTERNREF:
        if (v.of.externref)
            snprintf(buf, size, "externref:%p", v.of.externref);
        else
            snprintf(buf, size, "null");
        return;
    case RUNNEL_TYPE_V128:
        snprintf(buf, size, "0x%016" PRIx64 "%016" PRIx64, v.of.v128.hi, v.of.v128.lo);
        return;
    }
    snprintf(buf, size, "<%s>", rn_cli_type_name(v.type));
}

const char *rn_cli_type_name(runnel_valtype t)
{
    return runnel_valtype_letter(t) != '?' ? runnel_valtype_name(t) : "unknown";
}
