/*
 * schema.c - the part of JSON Schema that actor config schemas use.
 *
 * A Reflow plugin may declare `config_schema` (abi/reflow.md, "PluginMetadata"); the seed's Counter
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
 * an unsupported keyword never rejects a config, it only checks less. Recursion depth is bounded so
 * that a hostile schema cannot exhaust the host's stack.
 */
#include "actor_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

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

static runnel_status check(const json_t *schema, const json_t *v, const path *p, int depth, runnel_report *r);

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

static runnel_status check_lengths(const json_t *s, const json_t *v, const path *p, runnel_report *r)
{
    const char *minkey, *maxkey, *unit;
    size_t len;
    if (json_is_string(v)) {
        minkey = "minLength", maxkey = "maxLength", unit = "characters";
        len = utf8_length(json_string_value(v), json_string_length(v));
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

static runnel_status check_object(const json_t *s, const json_t *v, const path *p, int depth, runnel_report *r)
{
    if (!json_is_object(v))
        return RUNNEL_OK;
    const json_t *req = json_object_get(s, "required"), *props = json_object_get(s, "properties"),
                 *extra = json_object_get(s, "additionalProperties");
    size_t i;
    const json_t *k;
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
            runnel_status st = check(ps, val, &sub, depth + 1, r);
            if (st != RUNNEL_OK)
                return st;
        } else if (json_is_false(extra)) {
            return mismatch(r, p, "unknown property \"%s\"%s", key, "");
        } else if (json_is_object(extra)) {
            runnel_status st = check(extra, val, &sub, depth + 1, r);
            if (st != RUNNEL_OK)
                return st;
        }
    }
    return RUNNEL_OK;
}

static runnel_status check_items(const json_t *s, const json_t *v, const path *p, int depth, runnel_report *r)
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
        runnel_status st = check(is, e, &sub, depth + 1, r);
        if (st != RUNNEL_OK)
            return st;
    }
    return RUNNEL_OK;
}

static runnel_status check_combinators(const json_t *s, const json_t *v, const path *p, int depth, runnel_report *r)
{
    size_t i;
    const json_t *sub;
    const json_t *all = json_object_get(s, "allOf"), *any = json_object_get(s, "anyOf"),
                 *one = json_object_get(s, "oneOf"), *not = json_object_get(s, "not");
    if (json_is_array(all))
        json_array_foreach(all, i, sub)
        {
            runnel_status st = check(sub, v, p, depth + 1, r);
            if (st != RUNNEL_OK)
                return st;
        }
    if (json_is_array(any) && json_array_size(any) > 0) {
        bool ok = false;
        json_array_foreach(any, i, sub)
        {
            if (check(sub, v, p, depth + 1, NULL) == RUNNEL_OK) {
                ok = true;
                break;
            }
        }
        if (!ok)
            return mismatch(r, p, "matches none of the alternatives (anyOf)%s%s", NULL, NULL);
    }
    if (json_is_array(one) && json_array_size(one) > 0) {
        size_t matches = 0;
        json_array_foreach(one, i, sub)
        {
            if (check(sub, v, p, depth + 1, NULL) == RUNNEL_OK)
                matches++;
        }
        if (matches != 1)
            return mismatch(r, p, "must match exactly one alternative (oneOf), matches %s%s",
                            matches == 0 ? "none" : "several", NULL);
    }
    if (not &&(json_is_object(not ) || json_is_boolean(not )) && check(not, v, p, depth + 1, NULL) == RUNNEL_OK)
        return mismatch(r, p, "matches a schema it must not match (not)%s%s", NULL, NULL);
    return RUNNEL_OK;
}

static runnel_status check(const json_t *schema, const json_t *v, const path *p, int depth, runnel_report *r)
{
    if (depth > MAX_DEPTH)
        return mismatch(r, p, "the schema is nested too deeply%s%s", NULL, NULL);
    if (json_is_false(schema))
        return mismatch(r, p, "no value is allowed here%s%s", NULL, NULL);
    if (!json_is_object(schema)) /* true, or not a schema at all: nothing to check */
        return RUNNEL_OK;
    runnel_status st = check_type(json_object_get(schema, "type"), v, p, r);
    if (st != RUNNEL_OK)
        return st;
    const json_t *en = json_object_get(schema, "enum"), *cn = json_object_get(schema, "const");
    if (json_is_array(en)) {
        bool found = false;
        size_t i;
        const json_t *e;
        json_array_foreach(en, i, e)
        {
            if (schema_equal(e, v)) {
                found = true;
                break;
            }
        }
        if (!found) {
            char *allowed = json_dumps(en, JSON_COMPACT);
            st = mismatch(r, p, "must be one of %s%s", allowed ? allowed : "the listed values", NULL);
            free(allowed);
            return st;
        }
    }
    if (cn && !schema_equal(cn, v)) {
        char *want = json_dumps(cn, JSON_COMPACT | JSON_ENCODE_ANY);
        st = mismatch(r, p, "must be %s%s", want ? want : "the constant", NULL);
        free(want);
        return st;
    }
    if ((st = check_numbers(schema, v, p, r)) != RUNNEL_OK || (st = check_lengths(schema, v, p, r)) != RUNNEL_OK ||
        (st = check_object(schema, v, p, depth, r)) != RUNNEL_OK ||
        (st = check_items(schema, v, p, depth, r)) != RUNNEL_OK)
        return st;
    return check_combinators(schema, v, p, depth, r);
}

runnel_status runnel_json_schema_check(const json_t *schema, const json_t *value, const char *what, runnel_report *r)
{
    if (!value)
        return rn_actor_fail(r, RUNNEL_BADARG, "%s: no value", what ? what : "value");
    path root = {.key = what ? what : "value"};
    return check(schema, value, &root, 0, r);
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
