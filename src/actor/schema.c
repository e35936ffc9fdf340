/*
 * schema.c - the part of JSON Schema that actor config schemas use.
 *
 * A Reflow plugin may declare `config_schema` (docs/abi-reflow.md, "PluginMetadata"); the seed's Counter
 * declares {"type":"object","properties":{"initial_value":{"type":"integer","default":0}}}. runnel
 * checks a node's config against it when the actor is made, so that a typo in a graph is an error
 * with a place ("config.factor: expected a number, got a string") rather than a plugin silently
 * falling back to its default.
 *
 * Keywords follow JSON Schema 2020-12, "Validation" (json-schema.org/draft/2020-12/json-schema-validation):
 * type (6.1.1; "integer" matches any number with a zero fractional part), enum, const, the numeric
 * bounds (6.2), string lengths in code points (6.3), array items and lengths (6.4, and "items" as in
 * the Core spec 10.3.1.2), object properties, required and additionalProperties (Core 10.3.2), and the
 * combinators allOf/anyOf/oneOf/not (Core 10.2.1). Others (pattern, format, $ref, ...) are ignored:
 * an unsupported keyword never rejects a config, it only checks less.
 *
 * The work is bounded (actor.h, RUNNEL_SCHEMA_MAX_*). A schema comes from a plugin and a config from a
 * graph file, and the check runs on the host outside every guest limit (fuel, timeout): an anyOf of
 * 20,001 alternatives against a 60,000-element array took 152 s of CPU before these bounds. Depth
 * bounds the host's stack, the number of alternatives per combinator bounds the fan-out, and a step
 * budget shared by the whole walk bounds the product of the two (alternatives times the size of the
 * value). Hitting a bound stops the walk for good (walk.stopped): it must not read as "this alternative
 * does not match", which "not" would turn into a pass and anyOf would answer by trying the next one.
 */
#include "actor_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH RUNNEL_SCHEMA_MAX_DEPTH

/* The state of one runnel_json_schema_check: the steps spent, and once a bound is hit, its message. */
typedef struct walk {
    const char *what; /* the root's name in messages ("config") */
    size_t steps;
    bool stopped;
    char why[640];
} walk;

typedef struct path {
    const struct path *up;
    const char *key; /* a property name, or NULL for an index */
    size_t index;
} path;

/* "config.a[3].b" into buf. */
static void path_text(const path *p, char *buf, size_t size)
{
    const path *chain[MAX_DEPTH + 2];
    size_t n = 0;
    for (const path *q = p; q && n < sizeof chain / sizeof chain[0]; q = q->up)
        chain[n++] = q;
    size_t used = 0;
    buf[0] = '\0';
    while (n-- > 0 && used < size) {
        const path *q = chain[n];
        int w;
        if (!q->up)
            w = snprintf(buf + used, size - used, "%s", q->key);
        else if (q->key)
            w = snprintf(buf + used, size - used, ".%s", q->key);
        else
            w = snprintf(buf + used, size - used, "[%zu]", q->index);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static runnel_status mismatch(runnel_report *r, const path *p, const char *fmt, const char *a, const char *b)
{
    if (!r)
        return RUNNEL_BADARG;
    char where[512];
    path_text(p, where, sizeof where);
    char what[512];
    snprintf(what, sizeof what, fmt, a ? a : "", b ? b : "");
    return rn_actor_fail(r, RUNNEL_BADARG, "%s: %s", where, what);
}

static const char *kind_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "?";
}

static bool is_integral(const json_t *v)
{
    if (json_is_integer(v))
        return true;
    if (!json_is_real(v))
        return false;
    double d = json_real_value(v);
    return isfinite(d) && d == trunc(d);
}

static bool type_matches(const char *t, const json_t *v)
{
    if (strcmp(t, "object") == 0)
        return json_is_object(v);
    if (strcmp(t, "array") == 0)
        return json_is_array(v);
    if (strcmp(t, "string") == 0)
        return json_is_string(v);
    if (strcmp(t, "number") == 0)
        return json_is_number(v);
    if (strcmp(t, "integer") == 0)
        return is_integral(v);
    if (strcmp(t, "boolean") == 0)
        return json_is_boolean(v);
    if (strcmp(t, "null") == 0)
        return json_is_null(v);
    return true; /* an unknown type name restricts nothing */
}

static const char *article(const char *t)
{
    return (t[0] == 'a' || t[0] == 'i' || t[0] == 'o') ? "an" : "a";
}

/* Numbers compared exactly when both are integers (no rounding of big values through a double). */
static int num_cmp(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return (x > y) - (x < y);
    }
    double x = json_number_value(a), y = json_number_value(b);
    return (x > y) - (x < y);
}

/* Equality in JSON Schema's sense: 1 and 1.0 are equal. */
static bool schema_equal(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return num_cmp(a, b) == 0;
    return json_equal(a, b) != 0;
}

static size_t utf8_length(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

/* Stops the walk with a bound's message (the first one wins). */
static runnel_status stop(walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static runnel_status stop(walk *w, const char *fmt, ...)
{
    if (!w->stopped) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->why, sizeof w->why, fmt, ap);
        va_end(ap);
        w->stopped = true;
    }
    return RUNNEL_BADARG;
}

/* Spends n steps; false (and the walk stopped) past the budget. */
static bool spend(walk *w, size_t n)
{
    if (w->stopped)
        return false;
    if (n > RUNNEL_SCHEMA_MAX_STEPS - w->steps) {
        stop(w, "%s schema check exceeded %d steps", w->what, RUNNEL_SCHEMA_MAX_STEPS);
        return false;
    }
    w->steps += n;
    return true;
}

/* The nodes of a JSON value, counting no further than limit: what comparing it may cost. The recursion
   is as deep as the value, which the JSON parser bounds (jansson's own json_equal recurses the same). */
static size_t nodes_upto(const json_t *v, size_t limit)
{
    size_t n = 1, i;
    const json_t *e;
    const char *k;
    if (json_is_array(v))
        json_array_foreach(v, i, e)
        {
            if (n >= limit)
                break;
            n += nodes_upto(e, limit - n);
        }
    else if (json_is_object(v))
        json_object_foreach((json_t *)v, k, e)
        {
            if (n >= limit)
                break;
            n += nodes_upto(e, limit - n);
        }
    return n;
}

/* Spends the cost of comparing the value against the constant c. */
static bool spend_compare(walk *w, const json_t *c)
{
    size_t left = RUNNEL_SCHEMA_MAX_STEPS - w->steps;
    return spend(w, json_is_array(c) || json_is_object(c) ? nodes_upto(c, left + 1) : 1);
}

static runnel_status check(const json_t *schema, const json_t *v, const path *p, int depth, walk *w,
                           runnel_report *r);

static runnel_status check_type(const json_t *type, const json_t *v, const path *p, runnel_report *r)
{
    if (json_is_string(type)) {
        const char *t = json_string_value(type);
        if (type_matches(t, v))
            return RUNNEL_OK;
        char want[64];
        snprintf(want, sizeof want, "%s %s", article(t), t);
        return mismatch(r, p, "expected %s, got %s", want, kind_name(v));
    }
    if (json_is_array(type)) {
        size_t i;
        const json_t *t;
        json_array_foreach(type, i, t)
        {
            if (!json_is_string(t) || type_matches(json_string_value(t), v))
                return RUNNEL_OK;
        }
        if (json_array_size(type) == 0)
            return RUNNEL_OK;
        return mismatch(r, p, "%s is none of the allowed types%s", kind_name(v), "");
    }
    return RUNNEL_OK;
}

static runnel_status check_numbers(const json_t *s, const json_t *v, const path *p, runnel_report *r)
{
    if (!json_is_number(v))
        return RUNNEL_OK;
    static const struct {
        const char *key;
        int bad; /* the value is bad when num_cmp(v, bound) == bad, or also 0 if exclusive */
        bool exclusive;
        const char *text;
    } bounds[] = {
        {"minimum", -1, false, "must be at least %s"},
        {"maximum", 1, false, "must be at most %s"},
        {"exclusiveMinimum", -1, true, "must be greater than %s"},
        {"exclusiveMaximum", 1, true, "must be less than %s"},
    };
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
        const json_t *b = json_object_get(s, bounds[i].key);
        if (!json_is_number(b))
            continue;
        int c = num_cmp(v, b);
        if (c == bounds[i].bad || (bounds[i].exclusive && c == 0)) {
            char *text = json_dumps(b, JSON_ENCODE_ANY);
            runnel_status st = mismatch(r, p, bounds[i].text, text ? text : "the bound", NULL);
            free(text);
            return st;
        }
    }
    return RUNNEL_OK;
}

static runnel_status check_lengths(const json_t *s, const json_t *v, const path *p, walk *w, runnel_report *r)
{
    const char *minkey, *maxkey, *unit;
    size_t len;
    if (json_is_string(v)) {
        minkey = "minLength", maxkey = "maxLength", unit = "characters";
        if (!json_object_get(s, minkey) && !json_object_get(s, maxkey))
            return RUNNEL_OK;
        len = json_string_length(v);
        if (!spend(w, 1 + len / 64)) /* a step per 64 bytes counted */
            return RUNNEL_BADARG;
        len = utf8_length(json_string_value(v), len);
    } else if (json_is_array(v)) {
        minkey = "minItems", maxkey = "maxItems", unit = "items";
        len = json_array_size(v);
    } else if (json_is_object(v)) {
        minkey = "minProperties", maxkey = "maxProperties", unit = "properties";
        len = json_object_size(v);
    } else {
        return RUNNEL_OK;
    }
    const json_t *mn = json_object_get(s, minkey), *mx = json_object_get(s, maxkey);
    char num[32];
    if (json_is_integer(mn) && json_integer_value(mn) > 0 && len < (unsigned long long)json_integer_value(mn)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(mn));
        return mismatch(r, p, "must have at least %s %s", num, unit);
    }
    if (json_is_integer(mx) && json_integer_value(mx) >= 0 && len > (unsigned long long)json_integer_value(mx)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(mx));
        return mismatch(r, p, "must have at most %s %s", num, unit);
    }
    return RUNNEL_OK;
}

static runnel_status check_object(const json_t *s, const json_t *v, const path *p, int depth, walk *w,
                                  runnel_report *r)
{
    if (!json_is_object(v))
        return RUNNEL_OK;
    const json_t *req = json_object_get(s, "required"), *props = json_object_get(s, "properties"),
                 *extra = json_object_get(s, "additionalProperties");
    size_t i;
    const json_t *k;
    /* a step per required name and per property of the value looked up */
    if (!spend(w, (json_is_array(req) ? json_array_size(req) : 0) + (props || extra ? json_object_size(v) : 0)))
        return RUNNEL_BADARG;
    if (json_is_array(req))
        json_array_foreach(req, i, k)
        {
            if (json_is_string(k) && !json_object_get(v, json_string_value(k)))
                return mismatch(r, p, "the required property \"%s\" is missing", json_string_value(k), NULL);
        }
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)v, key, val)
    {
        path sub = {.up = p, .key = key};
        const json_t *ps = json_is_object(props) ? json_object_get(props, key) : NULL;
        if (ps) {
            runnel_status st = check(ps, val, &sub, depth + 1, w, r);
            if (st != RUNNEL_OK)
                return st;
        } else if (json_is_false(extra)) {
            return mismatch(r, p, "unknown property \"%s\"%s", key, "");
        } else if (json_is_object(extra)) {
            runnel_status st = check(extra, val, &sub, depth + 1, w, r);
            if (st != RUNNEL_OK)
                return st;
        }
    }
    return RUNNEL_OK;
}

static runnel_status check_items(const json_t *s, const json_t *v, const path *p, int depth, walk *w,
                                 runnel_report *r)
{
    const json_t *items = json_object_get(s, "items");
    if (!json_is_array(v) || !items)
        return RUNNEL_OK;
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e)
    {
        path sub = {.up = p, .index = i};
        const json_t *is = json_is_array(items) ? json_array_get(items, i) : items; /* older tuple form */
        if (!is)
            continue;
        runnel_status st = check(is, e, &sub, depth + 1, w, r);
        if (st != RUNNEL_OK)
            return st;
    }
    return RUNNEL_OK;
}

/* The alternatives of an allOf/anyOf/oneOf, or NULL (none, or more than the bound: then w is stopped). */
static const json_t *alternatives(const json_t *s, const char *key, const path *p, walk *w)
{
    const json_t *a = json_object_get(s, key);
    if (!json_is_array(a) || json_array_size(a) == 0)
        return NULL;
    if (json_array_size(a) > RUNNEL_SCHEMA_MAX_ALTERNATIVES) {
        char where[512];
        path_text(p, where, sizeof where);
        stop(w, "%s schema check: %s at %s has %zu alternatives, more than %d", w->what, key, where,
             json_array_size(a), RUNNEL_SCHEMA_MAX_ALTERNATIVES);
    }
    return a;
}

static runnel_status check_combinators(const json_t *s, const json_t *v, const path *p, int depth, walk *w,
                                       runnel_report *r)
{
    size_t i;
    const json_t *sub;
    const json_t *all = alternatives(s, "allOf", p, w), *any = alternatives(s, "anyOf", p, w),
                 *one = alternatives(s, "oneOf", p, w), *not = json_object_get(s, "not");
    if (w->stopped)
        return RUNNEL_BADARG;
    if (all)
        json_array_foreach(all, i, sub)
        {
            runnel_status st = check(sub, v, p, depth + 1, w, r);
            if (st != RUNNEL_OK)
                return st;
        }
    if (any) {
        bool ok = false;
        json_array_foreach(any, i, sub)
        {
            if (check(sub, v, p, depth + 1, w, NULL) == RUNNEL_OK) {
                ok = true;
                break;
            }
            if (w->stopped)
                return RUNNEL_BADARG;
        }
        if (!ok)
            return mismatch(r, p, "matches none of the alternatives (anyOf)%s%s", NULL, NULL);
    }
    if (one) {
        size_t matches = 0;
        json_array_foreach(one, i, sub)
        {
            if (check(sub, v, p, depth + 1, w, NULL) == RUNNEL_OK)
                matches++;
            if (w->stopped)
                return RUNNEL_BADARG;
        }
        if (matches != 1)
            return mismatch(r, p, "must match exactly one alternative (oneOf), matches %s%s",
                            matches == 0 ? "none" : "several", NULL);
    }
    if (not &&(json_is_object(not ) || json_is_boolean(not ))) {
        runnel_status st = check(not, v, p, depth + 1, w, NULL);
        if (w->stopped)
            return RUNNEL_BADARG;
        if (st == RUNNEL_OK)
            return mismatch(r, p, "matches a schema it must not match (not)%s%s", NULL, NULL);
    }
    return RUNNEL_OK;
}

/* enum and const: each compared value costs its size in steps. The allowed values are printed only
   when someone reads the message (r), not for every alternative an anyOf tries. */
static runnel_status check_constants(const json_t *schema, const json_t *v, const path *p, walk *w, runnel_report *r)
{
    const json_t *en = json_object_get(schema, "enum"), *cn = json_object_get(schema, "const");
    runnel_status st;
    if (json_is_array(en)) {
        bool found = false;
        size_t i;
        const json_t *e;
        json_array_foreach(en, i, e)
        {
            if (!spend_compare(w, e))
                return RUNNEL_BADARG;
            if (schema_equal(e, v)) {
                found = true;
                break;
            }
        }
        if (!found) {
            char *allowed = r ? json_dumps(en, JSON_COMPACT) : NULL;
            st = mismatch(r, p, "must be one of %s%s", allowed ? allowed : "the listed values", NULL);
            free(allowed);
            return st;
        }
    }
    if (cn && !spend_compare(w, cn))
        return RUNNEL_BADARG;
    if (cn && !schema_equal(cn, v)) {
        char *want = r ? json_dumps(cn, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        st = mismatch(r, p, "must be %s%s", want ? want : "the constant", NULL);
        free(want);
        return st;
    }
    return RUNNEL_OK;
}

static runnel_status check(const json_t *schema, const json_t *v, const path *p, int depth, walk *w,
                           runnel_report *r)
{
    if (depth > MAX_DEPTH) {
        char where[512];
        path_text(p, where, sizeof where);
        return stop(w, "%s schema check exceeded %d levels of nesting at %s", w->what, MAX_DEPTH, where);
    }
    if (!spend(w, 1))
        return RUNNEL_BADARG;
    if (json_is_false(schema))
        return mismatch(r, p, "no value is allowed here%s%s", NULL, NULL);
    if (!json_is_object(schema)) /* true, or not a schema at all: nothing to check */
        return RUNNEL_OK;
    const json_t *type = json_object_get(schema, "type");
    if (json_is_array(type) && !spend(w, json_array_size(type)))
        return RUNNEL_BADARG;
    runnel_status st;
    if ((st = check_type(type, v, p, r)) != RUNNEL_OK ||
        (st = check_constants(schema, v, p, w, r)) != RUNNEL_OK || (st = check_numbers(schema, v, p, r)) != RUNNEL_OK ||
        (st = check_lengths(schema, v, p, w, r)) != RUNNEL_OK ||
        (st = check_object(schema, v, p, depth, w, r)) != RUNNEL_OK ||
        (st = check_items(schema, v, p, depth, w, r)) != RUNNEL_OK)
        return st;
    return check_combinators(schema, v, p, depth, w, r);
}

runnel_status runnel_json_schema_check(const json_t *schema, const json_t *value, const char *what, runnel_report *r)
{
    if (!value)
        return rn_actor_fail(r, RUNNEL_BADARG, "%s: no value", what ? what : "value");
    walk w = {.what = what ? what : "value"};
    path root = {.key = w.what};
    runnel_status st = check(schema, value, &root, 0, &w, r);
    return w.stopped ? rn_actor_fail(r, RUNNEL_BADARG, "%s", w.why) : st;
}

json_t *runnel_json_schema_defaults(const json_t *schema, const json_t *value)
{
    json_t *out = value ? json_deep_copy(value) : json_object();
    if (!out || !json_is_object(out))
        return out;
    const json_t *props = json_is_object(schema) ? json_object_get(schema, "properties") : NULL;
    const char *key;
    const json_t *ps;
    if (json_is_object(props))
        json_object_foreach((json_t *)props, key, ps)
        {
            const json_t *def = json_is_object(ps) ? json_object_get(ps, "default") : NULL;
            if (def && !json_object_get(out, key) && json_object_set_new(out, key, json_deep_copy(def)) != 0) {
                json_decref(out);
                return NULL;
            }
        }
    return out;
}
