/*
 * fbp.c - the .fbp language: read into a runnel_graph, and written back from any graph.
 *
 * The language is the one npm `fbp` 1.8.0 parses (docs/graphs.md, "Formats"). Its grammar, grammar/fbp.peg
 * in that package, is the specification this file follows rule by rule. That grammar is a PEG: ordered
 * choice, greedy repetition, and a failed alternative starts again from where it began. So the reader
 * is a hand-written recursive-descent parser that keeps the PEG's shape: one function per rule (line,
 * connection, source, destination, node, port, component, iip, ...), each taking a position and
 * returning where it stopped or NOPE, so that trying the next alternative is calling the next function
 * from the same position. Rules build nothing: they fill small structs of spans into the text, and only
 * a part that matched is committed (nodes defined, ports named, IIPs decoded). The text is read through
 * its length only (it need not end in NUL), and nothing recurses on the input but jansson for a JSON
 * IIP, which bounds its depth: a chain `A -> B -> C` is a loop, not the grammar's right recursion.
 *
 * As the reference does: a connection's parts are flattened into one list of targets, sources and
 * IIPs, then paired (a source or IIP with the target right after it), which is how `(A) OUT -> ...`
 * skips the default in-port of a chain's first node; a node takes its component from the last
 * definition that names one and its metadata from the last that has some; metadata `k=v,...` is split
 * the reference's way (an item without '=' is `routes`, x and y are numbers, parseFloat's); anonymous
 * nodes `(Comp)` are _Comp_1, _Comp_2, ...; `# @key value` annotations are graph properties (`@runtime`
 * is environment.type); IIP text is a JSON string, a JSON IIP its value; and a node that a connection
 * or exported port names but nothing gives a component is an error.
 *
 * Case: the reference lower-cases port names and exported names unless its caseSensitive option is set,
 * and `fbp FILE` does not set it. So .fbp is read case-insensitively (ports lower-cased, the graph's
 * caseSensitive false) unless the file says `# @caseSensitive true`, which the writer emits for a
 * case-sensitive graph so that nothing is lost both ways. Lower-casing is done at the end, so the
 * annotation may be anywhere.
 *
 * Where we differ from the reference on purpose (errors and leniencies only, never another graph):
 *  - it silently drops a source followed by another source instead of a target (`A OUT -> B OUT ->
 *    IN C` loses A -> B; `'x' -> 'y' -> IN C` loses 'x'): we reject it;
 *  - a JSON IIP is read by jansson: numbers beyond a double or integers beyond 64 bits and lone UTF-16
 *    surrogates are errors (the reference makes null or keeps them), and integers stay exact to 2^63
 *    where the reference rounds them to doubles; text in IIPs must be UTF-8; port indexes fit an int;
 *  - a UTF-8 byte order mark, and spaces after the last line, are accepted (the reference fails);
 *  - `# @caseSensitive true|false` sets the graph's case sensitivity instead of being a property.
 *
 * Errors are "FILE:LINE:COL: expected X, found Y" at the furthest point any rule reached, as PEG parsers
 * report them; LINE counts \n, \r\n, \r, U+2028 and U+2029, COL counts UTF-8 characters.
 *
 * The writer emits annotations, INPORT=/OUTPORT= lines, one definition per node (metadata that
 * `key=value` reads back the same), then the connections and IIPs in order; see write_iip for values.
 */
#include "graph_impl.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NOPE         SIZE_MAX /* what a rule returns when it does not match */
#define MAX_EXPECTED 6

/* ================================================================ what rules produce */

typedef struct span {
    size_t at, len;
} span;

typedef struct port_ref {
    bool given, has_index;
    span name;
    long long index; /* stops growing above INT_MAX, checked when committed */
} port_ref;

typedef struct node_ref {
    span name; /* len 0: anonymous, "(Component)" */
    bool has_component, has_meta;
    span component, meta;
    size_t at;
} node_ref;

/* One part of a connection: the grammar's bridge, outport, inport or iip. */
typedef enum el_kind { EL_BRIDGE, EL_OUTPORT, EL_INPORT, EL_QUOTED, EL_JSON } el_kind;

typedef struct element {
    el_kind kind;
    port_ref in, out;
    node_ref node;
    span quoted;  /* EL_QUOTED: between the quotes, \' not yet undone */
    json_t *json; /* EL_JSON */
    size_t at;
} element;

/* The flat list of connection parts that the reference pairs at the end. */
typedef enum item_kind { IT_TGT, IT_SRC, IT_DATA } item_kind;

typedef struct item {
    item_kind kind;
    char *node, *port;
    int index;
    json_t *data;
    size_t at;
} item;

typedef struct parser {
    const char *s, *file;
    size_t len;
    runnel_report *r;
    size_t *lines, nlines; /* where each line starts */
    size_t fail_at;        /* the furthest failure (NOPE: none yet) and what was expected there */
    const char *expected[MAX_EXPECTED];
    size_t nexpected;
    char json_error[192];
    bool fatal; /* r holds an error that ends the parse */
    bool case_sensitive;
    const char *defaults[2]; /* DEFAULT_INPORT, DEFAULT_OUTPORT */
    size_t default_len[2];
    item *items;
    size_t nitems, capitems;
    json_t *nodes;      /* id -> {component?, metadata?, at}, in order of definition */
    json_t *exports[2]; /* inports, outports: name -> {process, port, at} */
    json_t *anonymous;  /* name -> how many anonymous nodes have it */
    json_t *properties;
} parser;

/* ================================================================ characters and positions */

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
static bool is_name_start(char c) { return is_alpha(c) || c == '_'; }                /* [a-zA-Z_] */
static bool is_word(char c) { return is_alnum(c) || c == '_'; }                      /* [a-zA-Z0-9_] */
static bool in_node_name(char c) { return is_word(c) || c == '-'; }                  /* [a-zA-Z0-9_\-] */
static bool in_port_name(char c) { return is_word(c) || c == '.'; }                  /* [a-zA-Z.0-9_] */
static bool in_component(char c) { return is_word(c) || c == '/' || c == '-'; }      /* [a-zA-Z/\-0-9_] */
static bool in_meta_word(char c) { return is_word(c) || c == '/'; }                  /* a key or a value */
static bool in_meta(char c) { return in_meta_word(c) || c == '=' || c == ','; }      /* [a-zA-Z/=_,0-9] */
static bool in_anno_key(char c) { return is_word(c) || c == '-'; }                   /* [a-zA-Z0-9\-_] */
static bool in_anno_value(char c) { return in_anno_key(c) || c == ' ' || c == '.'; } /* [a-zA-Z0-9\-_ \.] */

static bool all_in(const char *s, bool (*in)(char))
{
    for (; *s; s++)
        if (!in(*s))
            return false;
    return true;
}

static char *copy(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

static void lower(char *s)
{
    for (; s && *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

static size_t run(const parser *p, size_t i, bool (*in)(char))
{
    while (i < p->len && in(p->s[i]))
        i++;
    return i;
}

static bool is_space(char c) { return c == ' '; }
static size_t spaces(const parser *p, size_t i) { return run(p, i, is_space); }
static bool char_at(const parser *p, size_t i, char c) { return i < p->len && p->s[i] == c; }

static bool starts_with(const parser *p, size_t i, const char *lit)
{
    size_t n = strlen(lit);
    return i <= p->len && p->len - i >= n && memcmp(p->s + i, lit, n) == 0;
}

/* The grammar's newline: \n, \r, U+2028 or U+2029; its length in bytes, 0 for none. */
static size_t newline_len(const parser *p, size_t i)
{
    if (char_at(p, i, '\n') || char_at(p, i, '\r'))
        return 1;
    return starts_with(p, i, "\xe2\x80\xa8") || starts_with(p, i, "\xe2\x80\xa9") ? 3 : 0;
}

static size_t end_of_line(const parser *p, size_t i)
{
    while (i < p->len && !newline_len(p, i))
        i++;
    return i;
}

static bool index_lines(parser *p)
{
    size_t cap = 0;
    for (size_t i = 0;; i += starts_with(p, i, "\r\n") ? 2 : newline_len(p, i)) {
        if (p->nlines == cap) {
            size_t *n = realloc(p->lines, (cap = cap ? 2 * cap : 64) * sizeof *n);
            if (!n)
                return false;
            p->lines = n;
        }
        p->lines[p->nlines++] = i;
        if ((i = end_of_line(p, i)) >= p->len)
            return true;
    }
}

/* The line of a position, and its column when col is not NULL. */
static unsigned line_at(const parser *p, size_t at, unsigned *col)
{
    size_t lo = 0, hi = p->nlines; /* the last line that starts at or before `at` */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        *(p->lines[mid] <= at ? &lo : &hi) = mid;
    }
    if (col)
        *col = 1;
    for (size_t i = p->lines[lo]; col && i < at && i < p->len; i++)
        *col += ((unsigned char)p->s[i] & 0xc0) != 0x80;
    return (unsigned)(lo + 1);
}

/* ================================================================ errors */

/* An error that ends the parse, at a position. Returns NOPE. */
static size_t fail_at(parser *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static size_t fail_at(parser *p, size_t at, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned col, line = line_at(p, at, &col);
    rn_graph_fail(p->r, RUNNEL_BADARG, "%s:%u:%u: %s", p->file, line, col, msg);
    p->fatal = true;
    return NOPE;
}

static size_t out_of_memory(parser *p)
{
    rn_graph_fail(p->r, RUNNEL_NOMEM, "%s: out of memory", p->file);
    p->fatal = true;
    return NOPE;
}

/* Notes what a rule expected at a position, keeping those of the furthest position. Returns NOPE. */
static size_t expect(parser *p, size_t at, const char *what)
{
    if (p->fail_at == NOPE || at > p->fail_at) {
        p->fail_at = at;
        p->nexpected = 0;
    }
    if (at < p->fail_at || p->nexpected == MAX_EXPECTED)
        return NOPE;
    for (size_t i = 0; i < p->nexpected; i++)
        if (strcmp(p->expected[i], what) == 0)
            return NOPE;
    p->expected[p->nexpected++] = what;
    return NOPE;
}

static void report_expected(parser *p, size_t stuck)
{
    if (p->fail_at == NOPE || p->fail_at < stuck) /* no rule said what it wanted there (not expected) */
        expect(p, stuck, "a connection, a node, INPORT=, OUTPORT= or a comment");
    char list[1024] = "", found[32];
    for (size_t i = 0, used = 0; i < p->nexpected && used < sizeof list; i++, used = strlen(list))
        snprintf(list + used, sizeof list - used, "%s%s", i == 0 ? "" : i + 1 == p->nexpected ? " or " : ", ",
                 p->expected[i]);
    size_t at = p->fail_at;
    unsigned char c = at < p->len ? (unsigned char)p->s[at] : 0;
    if (at >= p->len || newline_len(p, at))
        snprintf(found, sizeof found, "the end of the %s", at >= p->len ? "text" : "line");
    else if (c == ' ' || c == '\t')
        snprintf(found, sizeof found, "a %s", c == ' ' ? "space" : "tab");
    else
        snprintf(found, sizeof found, c > 0x20 && c < 0x7f ? "'%c'" : "byte 0x%02x", c);
    fail_at(p, at, "expected %s, found %s", list, found);
}

/* ================================================================ numbers the reference's way */

/* A JavaScript number as JSON.stringify writes it: integral ones as integers, NaN and infinities as null. */
static json_t *js_number(double v)
{
    if (!isfinite(v))
        return json_null();
    return v == trunc(v) && fabs(v) < 9223372036854775808.0 ? json_integer((json_int_t)v) : json_real(v);
}

/* parseFloat of a metadata value (letters, digits, '/', '_'): its leading decimal literal, Infinity
   or NaN (null). */
static json_t *js_parse_float(const char *s, size_t n)
{
    if (n >= 8 && memcmp(s, "Infinity", 8) == 0)
        return json_null();
    size_t d = 0;
    while (d < n && is_digit(s[d]))
        d++;
    if (d + 1 < n && d > 0 && (s[d] == 'e' || s[d] == 'E') && is_digit(s[d + 1]))
        for (d += 2; d < n && is_digit(s[d]); d++)
            ;
    char *text = d ? copy(s, d) : NULL;
    json_t *v = d == 0 ? json_null() : text ? js_number(strtod(text, NULL)) : NULL;
    free(text);
    return v;
}

/* jansson's reals that the reference would print as integers become integers (in place). */
static json_t *integral_reals(json_t *v)
{
    if (json_is_real(v)) {
        json_t *n = js_number(json_real_value(v));
        json_decref(v);
        return n;
    }
    for (size_t i = 0; json_is_array(v) && i < json_array_size(v); i++)
        json_array_set_new(v, i, integral_reals(json_incref(json_array_get(v, i))));
    const char *key;
    json_t *e;
    if (json_is_object(v))
        json_object_foreach(v, key, e) json_object_set_new(v, key, integral_reals(json_incref(e)));
    return v;
}

/* ================================================================ the grammar's rules */

/* portName = [a-zA-Z_][a-zA-Z.0-9_]* */
static size_t port_name(parser *p, size_t i, span *out)
{
    if (i >= p->len || !is_name_start(p->s[i]))
        return expect(p, i, "a port name");
    size_t end = run(p, i + 1, in_port_name);
    *out = (span){i, end - i};
    return end;
}

/* port = portName ("[" [0-9]+ "]")? */
static size_t port(parser *p, size_t i, port_ref *out)
{
    *out = (port_ref){0};
    size_t end = port_name(p, i, &out->name), d;
    if (end == NOPE)
        return NOPE;
    out->given = true;
    if (!char_at(p, end, '['))
        return end;
    if ((d = run(p, end + 1, is_digit)) == end + 1 || !char_at(p, d, ']'))
        return expect(p, d, d == end + 1 ? "a port index" : "']'"), end;
    out->has_index = true;
    for (size_t k = end + 1; k < d; k++)
        if (out->index <= INT_MAX)
            out->index = out->index * 10 + (p->s[k] - '0');
    return d + 1;
}

/* port__ = port " "+ */
static size_t port_then_spaces(parser *p, size_t i, port_ref *out)
{
    size_t end = port(p, i, out);
    size_t sp = end == NOPE ? NOPE : spaces(p, end);
    if (sp == end || sp == NOPE)
        *out = (port_ref){0};
    return sp == end ? NOPE : sp;
}

/* __port = " "+ port */
static size_t spaces_then_port(parser *p, size_t i, port_ref *out)
{
    size_t sp = spaces(p, i);
    size_t end = sp == i ? NOPE : port(p, sp, out);
    if (end == NOPE)
        *out = (port_ref){0};
    return end;
}

/* component = "(" [a-zA-Z/\-0-9_]* (":" [a-zA-Z/=_,0-9]+)? ")" */
static size_t component(parser *p, size_t i, node_ref *n)
{
    if (!char_at(p, i, '('))
        return NOPE;
    size_t c = run(p, i + 1, in_component), j = c;
    n->component = (span){i + 1, c - i - 1};
    if (char_at(p, c, ':')) {
        if ((j = run(p, c + 1, in_meta)) == c + 1)
            return expect(p, j, "metadata (key=value,...)");
        n->meta = (span){c + 1, j - c - 1};
    }
    if (!char_at(p, j, ')'))
        return expect(p, j, j > c ? "')'" : "a component name, ':' or ')'");
    n->has_component = true;
    n->has_meta = j > c;
    return j + 1;
}

/* node = nodeName component? / component, where nodeName = [a-zA-Z_][a-zA-Z0-9_\-]* */
static size_t node(parser *p, size_t i, node_ref *n)
{
    *n = (node_ref){.at = i};
    if (char_at(p, i, '('))
        return component(p, i, n);
    if (i >= p->len || !is_name_start(p->s[i]))
        return expect(p, i, "a node");
    size_t end = run(p, i + 1, in_node_name), c;
    n->name = (span){i, end - i};
    node_ref with = *n;
    if ((c = component(p, end, &with)) == NOPE)
        return end;
    *n = with;
    return c;
}

/* nodeWithComponent = nodeNameAndComponent / nodeComponent */
static size_t node_with_component(parser *p, size_t i, node_ref *n)
{
    size_t end = node(p, i, n);
    return end != NOPE && n->has_component ? end : NOPE;
}

static bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* "'" iipchar* "'", where iipchar is \' for a quote or any character but ' */
static size_t quoted_iip(parser *p, size_t i, element *el)
{
    size_t j = i + 1;
    while (j < p->len && p->s[j] != '\'')
        j += p->s[j] == '\\' && char_at(p, j + 1, '\'') ? 2 : 1;
    if (j >= p->len)
        return fail_at(p, i, "this IIP has no closing quote (')");
    el->kind = EL_QUOTED;
    el->quoted = (span){i + 1, j - i - 1};
    return j + 1;
}

/* iip = quoted / JSON_text, where JSON_text = ws value ws */
static size_t iip(parser *p, size_t i, element *el)
{
    if (char_at(p, i, '\''))
        return quoted_iip(p, i, el);
    size_t j = run(p, i, is_json_space);
    bool number = j < p->len && (is_digit(p->s[j]) || (p->s[j] == '-' && j + 1 < p->len && is_digit(p->s[j + 1])));
    if (!number && (j >= p->len || !p->s[j] || !strchr("{[\"tfn", p->s[j])))
        return expect(p, i, "an IIP ('text' or JSON)");
    json_error_t err;
    json_t *v = json_loadb(p->s + j, p->len - j, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &err);
    size_t used = err.position > 0 ? (size_t)err.position : 0;
    size_t at = j + (used ? used - 1 : 0);
    if (!v && (p->fail_at == NOPE || at >= p->fail_at)) { /* expected[] may point at json_error */
        char *why = rn_graph_escape(err.text);
        snprintf(p->json_error, sizeof p->json_error, "valid JSON (%s)", why ? why : "out of memory");
        free(why);
    }
    if (!v)
        return expect(p, at, p->json_error);
    el->kind = EL_JSON;
    el->json = integral_reals(v);
    return el->json ? run(p, j + used, is_json_space) : out_of_memory(p);
}

/* source = bridge / outport / iip, where bridge = port__ node __port / port__? nodeWithComponent __port?
   and outport = node __port?. Each alternative starts again at i, a failed optional part is empty. */
static size_t source(parser *p, size_t i, element *el)
{
    size_t end, out;
    *el = (element){.kind = EL_BRIDGE, .at = i};
    if ((end = port_then_spaces(p, i, &el->in)) != NOPE && (end = node(p, end, &el->node)) != NOPE &&
        (end = spaces_then_port(p, end, &el->out)) != NOPE)
        return end;
    *el = (element){.kind = EL_BRIDGE, .at = i};
    if ((end = port_then_spaces(p, i, &el->in)) == NOPE)
        end = i;
    if ((end = node_with_component(p, end, &el->node)) == NOPE) {
        *el = (element){.kind = EL_OUTPORT, .at = i};
        if ((end = node(p, i, &el->node)) == NOPE)
            return iip(p, i, el);
    }
    return (out = spaces_then_port(p, end, &el->out)) != NOPE ? out : end;
}

/* destination = inport / bridge, where inport = port__? node (bridge can only match where inport does) */
static size_t destination(parser *p, size_t i, element *el)
{
    *el = (element){.kind = EL_INPORT, .at = i};
    size_t end = port_then_spaces(p, i, &el->in);
    return node(p, end == NOPE ? i : end, &el->node);
}

/* ================================================================ committing what matched */

/* One item of `k=v,k2=v2`: the reference splits it on '=' and keeps the first two parts. */
static bool meta_item(json_t *obj, const char *s, size_t n)
{
    const char *eq = memchr(s, '=', n), *key = eq ? s : "routes", *val = eq ? eq + 1 : s;
    size_t key_len = eq ? (size_t)(eq - s) : 6, val_len = eq ? n - key_len - 1 : n;
    const char *eq2 = memchr(val, '=', val_len);
    if (eq2)
        val_len = (size_t)(eq2 - val);
    bool xy = key_len == 1 && (key[0] == 'x' || key[0] == 'y');
    json_t *v = xy ? js_parse_float(val, val_len) : json_stringn(val, val_len);
    return v && json_object_setn_new(obj, key, key_len, v) == 0;
}

static json_t *parse_meta(const parser *p, span meta)
{
    json_t *obj = json_object();
    const char *s = p->s + meta.at, *comma;
    for (size_t i = 0; obj; i = (size_t)(comma - s) + 1) {
        comma = memchr(s + i, ',', meta.len - i);
        size_t end = comma ? (size_t)(comma - s) : meta.len;
        if (!meta_item(obj, s + i, end - i)) {
            json_decref(obj);
            return NULL;
        }
        if (!comma)
            break;
    }
    return obj;
}

/* The reference's addNode: the first definition places the node, later ones may change its component
   (unless empty) or its metadata. */
static bool define_node(parser *p, const char *id, const node_ref *n)
{
    json_t *nd = json_object_get(p->nodes, id);
    if (!nd && json_object_set_new(p->nodes, id, nd = json_pack("{sI}", "at", (json_int_t)n->at)) != 0)
        return false;
    if (n->component.len &&
        json_object_set_new(nd, "component", json_stringn(p->s + n->component.at, n->component.len)) != 0)
        return false;
    return !n->has_meta || json_object_set_new(nd, "metadata", parse_meta(p, n->meta)) == 0;
}

/* "_" + the component with its first run of characters other than letters and digits made "_" (the
   reference's replace(/[^a-zA-Z0-9]+/, "_"), without g) + "_" + a count per such name. */
static char *anonymous_id(parser *p, span comp)
{
    const char *s = p->s + comp.at;
    size_t a = 0, b, n;
    while (a < comp.len && is_alnum(s[a]))
        a++;
    for (b = a; b < comp.len && !is_alnum(s[b]); b++)
        ;
    char *base = malloc(comp.len + 2), *id = NULL;
    if (!base)
        return NULL;
    memcpy(base, s, a);
    n = a;
    if (a < comp.len)
        base[n++] = '_';
    memcpy(base + n, s + b, comp.len - b);
    base[n + comp.len - b] = '\0';
    json_int_t count = json_integer_value(json_object_get(p->anonymous, base)) + 1;
    if (json_object_set_new(p->anonymous, base, json_integer(count)) == 0)
        id = rn_format("_%s_%" JSON_INTEGER_FORMAT, base, count);
    free(base);
    return id;
}

/* The id of a node that matched (malloc'ed), defining the node when it names a component. */
static char *commit_node(parser *p, const node_ref *n)
{
    char *id = n->name.len ? copy(p->s + n->name.at, n->name.len) : anonymous_id(p, n->component);
    if (id && n->has_component && !define_node(p, id, n)) {
        free(id);
        id = NULL;
    }
    if (!id)
        out_of_memory(p);
    return id;
}

static bool grow_items(parser *p)
{
    size_t cap = p->capitems ? 2 * p->capitems : 64;
    item *n = p->nitems < p->capitems ? p->items : realloc(p->items, cap * sizeof *n);
    if (n && n != p->items) {
        p->items = n;
        p->capitems = cap;
    }
    return n != NULL;
}

/* Appends a target or source (node, port: the given one or the default) or an IIP (data, taken). */
static bool push_item(parser *p, item_kind kind, const char *node, const port_ref *pr, json_t *data, size_t at)
{
    item it = {.kind = kind, .index = -1, .data = data, .at = at};
    if (kind != IT_DATA) {
        if (pr->has_index && pr->index > INT_MAX)
            return fail_at(p, pr->name.at, "this port index is too large"), false;
        int d = kind == IT_SRC;
        it.node = strdup(node);
        it.port = pr->given ? copy(p->s + pr->name.at, pr->name.len) : copy(p->defaults[d], p->default_len[d]);
        it.index = pr->has_index ? (int)pr->index : -1;
    }
    if ((kind != IT_DATA && (!it.node || !it.port)) || !grow_items(p)) {
        free(it.node);
        free(it.port);
        json_decref(data);
        return out_of_memory(p), false;
    }
    p->items[p->nitems++] = it;
    return true;
}

/* A quoted IIP's text with \' made ' again, as a JSON string (which must be UTF-8). */
static json_t *quoted_value(parser *p, span q)
{
    char *buf = malloc(q.len + 1);
    if (!buf)
        return out_of_memory(p), NULL;
    size_t n = 0;
    for (size_t i = q.at; i < q.at + q.len; i++)
        buf[n++] = p->s[i] == '\\' && i + 1 < q.at + q.len && p->s[i + 1] == '\'' ? p->s[++i] : p->s[i];
    json_t *v = json_stringn(buf, n);
    free(buf);
    if (!v)
        fail_at(p, q.at, "this IIP is not valid UTF-8");
    return v;
}

static bool commit_element(parser *p, element *el)
{
    if (el->kind == EL_QUOTED || el->kind == EL_JSON) {
        json_t *v = el->kind == EL_JSON ? el->json : quoted_value(p, el->quoted);
        el->json = NULL;
        return v && push_item(p, IT_DATA, NULL, NULL, v, el->at);
    }
    char *id = commit_node(p, &el->node);
    bool ok = id && (el->kind == EL_OUTPORT || push_item(p, IT_TGT, id, &el->in, NULL, el->node.at)) &&
              (el->kind == EL_INPORT || push_item(p, IT_SRC, id, &el->out, NULL, el->node.at));
    free(id);
    return ok;
}

/* ================================================================ statements */

/* connection = source _ "->" _ connection / destination, as a loop. Once an arrow has matched, a
   failure fails the whole parse (nothing else can start with "->"), so parts are committed as they
   come. */
static size_t connection(parser *p, size_t i)
{
    for (element el;;) {
        size_t end = source(p, i, &el), next = end == NOPE ? NOPE : spaces(p, end);
        if (next != NOPE && starts_with(p, next, "->")) {
            if (!commit_element(p, &el))
                return NOPE;
            i = spaces(p, next + 2);
            continue;
        }
        if (next != NOPE)
            expect(p, next, "'->'");
        json_decref(el.json);
        if (p->fatal || (end = destination(p, i, &el)) == NOPE)
            return NOPE;
        return commit_element(p, &el) ? end : NOPE;
    }
}

/* After "INPORT=" or "OUTPORT=": node "." portName ":" portName. A name exported again keeps its place
   and takes the new port, as in the reference's object. */
static size_t export_line(parser *p, size_t i, int which)
{
    node_ref n;
    span port, pub;
    size_t j = node(p, i, &n);
    if (j == NOPE)
        return NOPE;
    if (!char_at(p, j, '.'))
        return expect(p, j, "'.' and the node's port");
    if ((j = port_name(p, j + 1, &port)) == NOPE)
        return NOPE;
    if (!char_at(p, j, ':'))
        return expect(p, j, "':' and the graph's name for the port");
    if ((j = port_name(p, j + 1, &pub)) == NOPE)
        return NOPE;
    char *id = commit_node(p, &n);
    json_t *x = id ? json_pack("{sssosI}", "process", id, "port", json_stringn(p->s + port.at, port.len), "at",
                               (json_int_t)i)
                   : NULL;
    free(id);
    if (!x || json_object_setn_new(p->exports[which], p->s + pub.at, pub.len, x) != 0)
        return out_of_memory(p);
    return j;
}

static bool annotate(parser *p, const char *key, const char *value)
{
    if (strcmp(key, "caseSensitive") == 0 && (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)) {
        p->case_sensitive = value[0] == 't';
        return true;
    }
    if (strcmp(key, "runtime") == 0)
        return json_object_set_new(p->properties, "environment", json_pack("{ss}", "type", value)) == 0;
    return json_object_set_new(p->properties, key, json_string(value)) == 0;
}

/* annotation newline, where annotation = "#" __ "@" [a-zA-Z0-9\-_]+ __ [a-zA-Z0-9\-_ \.]+ */
static size_t annotation(parser *p, size_t i)
{
    size_t k0 = spaces(p, i + 1) + 1;
    if (!char_at(p, i, '#') || k0 == i + 2 || !char_at(p, k0 - 1, '@'))
        return NOPE;
    size_t k = run(p, k0, in_anno_key), v0 = spaces(p, k), v = run(p, v0, in_anno_value);
    if (k == k0 || v0 == k || v == v0 || !newline_len(p, v))
        return NOPE;
    char *key = copy(p->s + k0, k - k0), *value = copy(p->s + v0, v - v0);
    bool ok = key && value && annotate(p, key, value);
    free(key);
    free(value);
    return ok ? v + newline_len(p, v) : out_of_memory(p);
}

/* LineTerminator = _ ","? comment? newline?, where comment = _ "#" anychar* */
static size_t line_end(const parser *p, size_t j)
{
    if (j == NOPE)
        return NOPE;
    j = spaces(p, j);
    if (char_at(p, j, ','))
        j++;
    if (char_at(p, spaces(p, j), '#'))
        j = end_of_line(p, j);
    return j + newline_len(p, j);
}

/* line: INPORT=, OUTPORT=, DEFAULT_INPORT=, DEFAULT_OUTPORT=, an annotation, a comment, an empty line
   or a connection, in the grammar's order. A keyword whose line fails fails the parse: no other
   alternative matches a line that starts with it. */
static size_t line(parser *p, size_t i)
{
    size_t q = spaces(p, i), j;
    if (starts_with(p, q, "INPORT=") || starts_with(p, q, "OUTPORT="))
        return line_end(p, export_line(p, q + (p->s[q] == 'I' ? 7 : 8), p->s[q] == 'O'));
    if (starts_with(p, q, "DEFAULT_INPORT=") || starts_with(p, q, "DEFAULT_OUTPORT=")) {
        int w = p->s[q + 8] == 'O';
        span name;
        if ((j = port_name(p, q + 15 + (size_t)w, &name)) != NOPE) {
            p->defaults[w] = p->s + name.at;
            p->default_len[w] = name.len;
        }
        return line_end(p, j);
    }
    if ((j = annotation(p, i)) != NOPE || p->fatal)
        return j;
    if (char_at(p, q, '#'))
        q = end_of_line(p, q);
    else if (!newline_len(p, q))
        return line_end(p, connection(p, q));
    return q + newline_len(p, q);
}

/* ================================================================ the graph */

static size_t at_of(const json_t *v) { return (size_t)json_integer_value(json_object_get(v, "at")); }

static bool add_nodes(parser *p, runnel_graph *g)
{
    const char *id;
    json_t *v;
    json_object_foreach(p->nodes, id, v) {
        runnel_graph_node n = {id, json_string_value(json_object_get(v, "component")),
                               json_object_get(v, "metadata"), line_at(p, at_of(v), NULL)};
        if (!n.component)
            return fail_at(p, at_of(v), "node \"%s\" has no component: write %s(Component)", id, id), false;
        if (runnel_graph_add_node(g, &n, p->r) != RUNNEL_OK)
            return false;
    }
    return true;
}

/* Exported ports, names and ports lower-cased unless case-sensitive: names that become equal merge, as
   in the reference, whose object had the lower-cased name as key. */
static bool add_exports(parser *p, runnel_graph *g, int which)
{
    json_t *folded = json_object(), *v;
    const char *name;
    bool ok = folded != NULL;
    json_object_foreach(p->exports[which], name, v) {
        char *n = strdup(name), *port = strdup(json_string_value(json_object_get(v, "port")));
        lower(p->case_sensitive ? NULL : n);
        lower(p->case_sensitive ? NULL : port);
        json_t *x = json_pack("{sOsssO}", "process", json_object_get(v, "process"), "port", port ? port : "", "at",
                              json_object_get(v, "at"));
        ok = ok && n && port && json_object_set_new(folded, n, x) == 0;
        free(n);
        free(port);
    }
    if (!ok)
        out_of_memory(p);
    json_object_foreach(folded, name, v) {
        runnel_graph_export x = {.name = name,
                                 .inner = {json_string_value(json_object_get(v, "process")),
                                           json_string_value(json_object_get(v, "port")), -1},
                                 .line = line_at(p, at_of(v), NULL)};
        if (ok && !json_object_get(p->nodes, x.inner.node)) {
            fail_at(p, at_of(v), "%s \"%s\" names node \"%s\", which is never defined", which ? "outport" : "inport",
                    name, x.inner.node);
            ok = false;
        }
        ok = ok && (which ? runnel_graph_add_outport : runnel_graph_add_inport)(g, &x, p->r) == RUNNEL_OK;
    }
    json_decref(folded);
    return ok;
}

/* The reference's processEdges: a source or IIP and the target right after it make an edge; a target
   with none before it (a chain's first node, a lone node) makes none. A source with no target after
   it, which the reference drops, is an error here. */
static bool add_edges(parser *p, runnel_graph *g)
{
    for (size_t i = 0; i < p->nitems; i++) {
        item *s = &p->items[i], *t = s + 1;
        if (s->kind == IT_TGT)
            continue;
        if (i + 1 == p->nitems || t->kind != IT_TGT)
            return fail_at(p, s->at,
                           "this %s goes nowhere: after its '->' comes another source (an IIP, or a node with an "
                           "out-port but no in-port before it)", s->kind == IT_DATA ? "IIP" : "out-port"), false;
        const item *undefined = json_object_get(p->nodes, t->node) ? NULL : t; /* the target first, as the reference */
        if (!undefined && s->kind == IT_SRC && !json_object_get(p->nodes, s->node))
            undefined = s;
        if (undefined)
            return fail_at(p, undefined->at, "node \"%s\" is never defined: write %s(Component) once",
                           undefined->node, undefined->node), false;
        lower(p->case_sensitive ? NULL : s->port);
        lower(p->case_sensitive ? NULL : t->port);
        runnel_graph_edge e = {.src = {s->node, s->port, s->index}, .tgt = {t->node, t->port, t->index},
                               .data = s->data, .line = line_at(p, s->at, NULL)};
        if (runnel_graph_add_edge(g, &e, p->r) != RUNNEL_OK)
            return false;
        i++;
    }
    return true;
}

static runnel_graph *finish(parser *p)
{
    runnel_graph *g = runnel_graph_new(NULL);
    if (!g)
        return out_of_memory(p), NULL;
    g->format = RUNNEL_GRAPH_FBP;
    runnel_graph_set_case_sensitive(g, p->case_sensitive);
    if (runnel_graph_set_properties(g, p->properties, p->r) != RUNNEL_OK || !add_nodes(p, g) ||
        !add_exports(p, g, 0) || !add_exports(p, g, 1) || !add_edges(p, g)) {
        runnel_graph_free(g);
        return NULL;
    }
    return g;
}

static void parser_free(parser *p)
{
    for (size_t i = 0; i < p->nitems; i++) {
        free(p->items[i].node);
        free(p->items[i].port);
        json_decref(p->items[i].data);
    }
    free(p->items);
    free(p->lines);
    json_t *objects[] = {p->nodes, p->exports[0], p->exports[1], p->anonymous, p->properties};
    for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++)
        json_decref(objects[i]);
}

runnel_graph *rn_graph_read_fbp(const char *text, size_t len, const char *file, runnel_report *r)
{
    parser p = {.s = text, .len = len, .file = file, .r = r, .fail_at = NOPE, .defaults = {"IN", "OUT"},
                .default_len = {2, 3}, .nodes = json_object(), .exports = {json_object(), json_object()},
                .anonymous = json_object(), .properties = json_object()};
    runnel_graph *g = NULL;
    if (!p.nodes || !p.exports[0] || !p.exports[1] || !p.anonymous || !p.properties || !index_lines(&p)) {
        parser_free(&p);
        rn_graph_fail(r, RUNNEL_NOMEM, "%s: out of memory", file);
        return NULL;
    }
    size_t i = starts_with(&p, 0, "\xef\xbb\xbf") ? 3 : 0; /* a UTF-8 byte order mark */
    for (size_t next; i < len && (next = line(&p, i)) != NOPE;)
        i = next;
    if (!p.fatal && spaces(&p, i) < len)
        report_expected(&p, i);
    else if (!p.fatal)
        g = finish(&p);
    parser_free(&p);
    return g;
}

/* ================================================================ writing */

static bool is_node_id(const char *s) { return is_name_start(s[0]) && all_in(s + 1, in_node_name); }
static bool is_port_name(const char *s) { return is_name_start(s[0]) && all_in(s + 1, in_port_name); }
static bool anno_value_ok(const char *v) { return v && v[0] && v[0] != ' ' && all_in(v, in_anno_value); }

/* String properties as `# @key value` where the grammar can hold them, environment.type as
   `# @runtime`. A property "runtime" or "caseSensitive" would read back as something else: dropped. */
static void write_properties(FILE *f, const runnel_graph *g)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)g->properties, key, v) {
        const char *type = json_string_value(json_object_get(v, "type"));
        if (strcmp(key, "environment") == 0 && json_is_object(v) && anno_value_ok(type))
            fprintf(f, "# @runtime %s\n", type);
        else if (strcmp(key, "runtime") != 0 && strcmp(key, "caseSensitive") != 0 && key[0] &&
                 all_in(key, in_anno_key) && anno_value_ok(json_string_value(v)))
            fprintf(f, "# @%s %s\n", key, json_string_value(v));
    }
    if (g->case_sensitive)
        fprintf(f, "# @caseSensitive true\n");
}

/* Whether a metadata entry reads back the same from `key=value`: x and y are parseFloat's numbers (an
   integer [0-9]+ can say, or null from an empty value), others strings of key characters. */
static bool meta_entry_ok(const char *key, const json_t *v)
{
    if (!all_in(key, in_meta_word))
        return false;
    if (strcmp(key, "x") == 0 || strcmp(key, "y") == 0)
        return json_is_null(v) ||
               (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) < (1LL << 53));
    return json_is_string(v) && all_in(json_string_value(v), in_meta_word);
}

static void write_node(FILE *f, const runnel_graph_node *n)
{
    const char *key, *sep = ":";
    const json_t *v;
    fprintf(f, "%s(%s", n->id, n->component);
    json_object_foreach((json_t *)n->metadata, key, v) {
        if (!meta_entry_ok(key, v))
            continue;
        fprintf(f, "%s%s=%s", sep, key, json_is_string(v) ? json_string_value(v) : "");
        if (json_is_integer(v))
            fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        sep = ",";
    }
    fprintf(f, ")\n");
}

/* A string as 'text' (\' for a quote) unless it ends in a backslash, which would escape the closing
   quote, or holds control characters: then as a JSON string. Objects, arrays and numbers as JSON text,
   which reads back as the same value. true, false and null would read as node names: they are written
   as strings, 'true', for a runtime that parses string IIPs as JSON. */
static void write_iip(FILE *f, const json_t *data)
{
    const char *s = json_is_null(data) ? "null" : json_is_boolean(data) ? (json_is_true(data) ? "true" : "false")
                                                                         : json_string_value(data);
    size_t n = s ? strlen(s) : 0;
    bool quoted = s && (!json_is_string(data) || json_string_length(data) == n) && (n == 0 || s[n - 1] != '\\');
    for (size_t i = 0; quoted && i < n; i++)
        quoted = (unsigned char)s[i] >= 0x20 && s[i] != 0x7f;
    if (!quoted) {
        json_dumpf(data, f, JSON_ENCODE_ANY | JSON_COMPACT);
        return;
    }
    fputc('\'', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'')
            fputc('\\', f);
        fputc(s[i], f);
    }
    fputc('\'', f);
}

static void write_edge(FILE *f, const runnel_graph_edge *e)
{
    if (e->src.node)
        fprintf(f, "%s %s", e->src.node, e->src.port);
    else
        write_iip(f, e->data);
    if (e->src.node && e->src.index >= 0)
        fprintf(f, "[%d]", e->src.index);
    fprintf(f, " -> %s", e->tgt.port);
    if (e->tgt.index >= 0)
        fprintf(f, "[%d]", e->tgt.index);
    fprintf(f, " %s\n", e->tgt.node);
}

static runnel_status unwritable(runnel_report *r, const char *what, const char *name, const char *why)
{
    char *safe = rn_graph_escape(name);
    rn_graph_fail(r, RUNNEL_BADARG, "cannot write .fbp: %s \"%s\" %s", what, safe ? safe : "?", why);
    free(safe);
    return RUNNEL_BADARG;
}

static const char port_rule[] = "is not a .fbp port name (letters, digits, _ and ., not first a digit or .)";

static runnel_status check_endpoint(const runnel_graph *g, const runnel_graph_endpoint *e, runnel_report *r)
{
    if (!runnel_graph_node_find(g, e->node))
        return unwritable(r, "node", e->node, "is connected but not in the graph (.fbp needs its component)");
    return is_port_name(e->port) ? RUNNEL_OK : unwritable(r, "port", e->port, port_rule);
}

static runnel_status check_writable(const runnel_graph *g, runnel_report *r)
{
    for (size_t i = 0; i < g->nnodes; i++) {
        if (!is_node_id(g->nodes[i].id))
            return unwritable(r, "node", g->nodes[i].id,
                              "is not a .fbp node name (letters, digits, _ and -, not first a digit or -)");
        if (!all_in(g->nodes[i].component, in_component))
            return unwritable(r, "component", g->nodes[i].component,
                              "is not a .fbp component name (letters, digits, _, - and /)");
    }
    for (size_t i = 0; i < g->nedges; i++)
        if ((g->edges[i].src.node && check_endpoint(g, &g->edges[i].src, r) != RUNNEL_OK) ||
            check_endpoint(g, &g->edges[i].tgt, r) != RUNNEL_OK)
            return RUNNEL_BADARG;
    for (size_t i = 0; i < g->ninports + g->noutports; i++) {
        const runnel_graph_export *x = i < g->ninports ? &g->inports[i] : &g->outports[i - g->ninports];
        if (!is_port_name(x->name))
            return unwritable(r, "exported port", x->name, port_rule);
        if (x->inner.index >= 0)
            return unwritable(r, "exported port", x->name, "stands for one index of a port: INPORT= has none");
        if (check_endpoint(g, &x->inner, r) != RUNNEL_OK)
            return RUNNEL_BADARG;
    }
    return RUNNEL_OK;
}

char *rn_graph_write_fbp(const runnel_graph *g, runnel_report *r)
{
    if (check_writable(g, r) != RUNNEL_OK)
        return NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (f) {
        write_properties(f, g);
        for (size_t i = 0; i < g->ninports + g->noutports; i++) {
            const runnel_graph_export *x = i < g->ninports ? &g->inports[i] : &g->outports[i - g->ninports];
            fprintf(f, "%s=%s.%s:%s\n", i < g->ninports ? "INPORT" : "OUTPORT", x->inner.node, x->inner.port, x->name);
        }
        for (size_t i = 0; i < g->nnodes; i++)
            write_node(f, &g->nodes[i]);
        for (size_t i = 0; i < g->nedges; i++)
            write_edge(f, &g->edges[i]);
    }
    if (!f || ferror(f) | fclose(f)) {
        free(text);
        rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
        return NULL;
    }
    return text;
}
