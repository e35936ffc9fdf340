/*
 * message.c - Reflow messages: the C value (runnel_msg) and its two JSON forms.
 *
 * Why one C type with a union rather than "a json_t with a type tag": most messages in a flow are
 * scalars (Flow, Integer, Boolean, Float, String), and a graph moves them from queue to queue; holding
 * them unboxed costs no allocation for Flow/Boolean/Integer/Float, and the union makes the type's data
 * explicit to the C reader. Only the JSON-valued types (Event, Object, Array, Optional, Any) hold a
 * json_t.
 *
 * The wire form is Reflow's: serde's adjacently tagged enum, {"type": "Integer", "data": 42}
 * (docs/abi-reflow.md, "Messages"). Three details matter for compatibility:
 *   - Integer is i64 in Reflow. jansson reads integers as exact 64-bit values (json_int_t is long long),
 *     so 9223372036854775807 survives a round trip; nothing here converts an integer through a double.
 *     An integral float (42.0) is accepted for Integer, since some JSON writers print every number as
 *     a float; a fractional or out-of-range one is an error, never silently rounded.
 *   - Flow is a unit variant: the Rust SDK writes {"type":"Flow"} without data. We accept that and write
 *     "data": null, which serde also reads as the unit and which Reflow's host (that drops an entry
 *     without "data") keeps.
 *   - Optional(None) is null on the wire and Optional(Some(null)) is also null; they cannot be told
 *     apart, so both read as "nothing" (as.json == NULL).
 * The plain form is what __send_output carries: an untagged JSON value typed by its shape.
 */
#include "actor_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[RUNNEL_MSG_TYPE_COUNT] = {
    "Flow", "Event", "Boolean", "Integer", "Float", "String", "Object", "Array", "Stream", "Optional", "Any", "Error",
};

const char *runnel_msg_type_name(runnel_msg_type t)
{
    if ((unsigned)t < RUNNEL_MSG_TYPE_COUNT)
        return type_names[t];
    return "?";
}

bool runnel_msg_type_from_name(const char *name, runnel_msg_type *out)
{
    if (!name)
        return false;
    for (unsigned i = 0; i < RUNNEL_MSG_TYPE_COUNT; i++)
        if (strcmp(name, type_names[i]) == 0) {
            if (out)
                *out = (runnel_msg_type)i;
            return true;
        }
    return false;
}

/* ---------------------------------------------------------------- constructors */

runnel_msg runnel_msg_flow(void)
{
    return (runnel_msg){.type = RUNNEL_MSG_FLOW};
}
runnel_msg runnel_msg_boolean(bool v)
{
    return (runnel_msg){.type = RUNNEL_MSG_BOOLEAN, .as.boolean = v};
}
runnel_msg runnel_msg_integer(int64_t v)
{
    return (runnel_msg){.type = RUNNEL_MSG_INTEGER, .as.integer = v};
}
runnel_msg runnel_msg_float(double v)
{
    return (runnel_msg){.type = RUNNEL_MSG_FLOAT, .as.number = v};
}

runnel_status runnel_msg_text(runnel_msg *out, runnel_msg_type t, const char *s, size_t len)
{
    *out = runnel_msg_flow();
    if ((t != RUNNEL_MSG_STRING && t != RUNNEL_MSG_ERROR) || (!s && len) || len == SIZE_MAX)
        return RUNNEL_BADARG;
    char *p = malloc(len + 1);
    if (!p)
        return RUNNEL_NOMEM;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    out->type = t;
    out->as.str.ptr = p;
    out->as.str.len = len;
    return RUNNEL_OK;
}

runnel_status runnel_msg_string(runnel_msg *out, const char *s)
{
    return runnel_msg_text(out, RUNNEL_MSG_STRING, s, s ? strlen(s) : 0);
}

runnel_status runnel_msg_error(runnel_msg *out, const char *s)
{
    return runnel_msg_text(out, RUNNEL_MSG_ERROR, s, s ? strlen(s) : 0);
}

runnel_status runnel_msg_stream(runnel_msg *out, const void *bytes, size_t len)
{
    *out = runnel_msg_flow();
    if (!bytes && len)
        return RUNNEL_BADARG;
    uint8_t *p = NULL;
    if (len) {
        p = malloc(len);
        if (!p)
            return RUNNEL_NOMEM;
        memcpy(p, bytes, len);
    }
    out->type = RUNNEL_MSG_STREAM;
    out->as.bytes.ptr = p;
    out->as.bytes.len = len;
    return RUNNEL_OK;
}

static bool json_fits(runnel_msg_type t, const json_t *v)
{
    switch (t) {
    case RUNNEL_MSG_OBJECT: return v && json_is_object(v);
    case RUNNEL_MSG_ARRAY: return v && json_is_array(v);
    case RUNNEL_MSG_OPTIONAL: return true;
    case RUNNEL_MSG_EVENT:
    case RUNNEL_MSG_ANY: return v != NULL;
    default: return false;
    }
}

runnel_status runnel_msg_json(runnel_msg *out, runnel_msg_type t, json_t *value)
{
    *out = runnel_msg_flow();
    if (!json_fits(t, value))
        return RUNNEL_BADARG;
    out->type = t;
    /* Optional(Some(null)) and Optional(None) are one thing on the wire; keep one representation. */
    out->as.json = (t == RUNNEL_MSG_OPTIONAL && json_is_null(value)) ? NULL : json_incref(value);
    return RUNNEL_OK;
}

void runnel_msg_clear(runnel_msg *m)
{
    if (!m)
        return;
    switch (m->type) {
    case RUNNEL_MSG_STRING:
    case RUNNEL_MSG_ERROR: free(m->as.str.ptr); break;
    case RUNNEL_MSG_STREAM: free(m->as.bytes.ptr); break;
    case RUNNEL_MSG_EVENT:
    case RUNNEL_MSG_OBJECT:
    case RUNNEL_MSG_ARRAY:
    case RUNNEL_MSG_OPTIONAL:
    case RUNNEL_MSG_ANY: json_decref(m->as.json); break;
    default: break;
    }
    *m = runnel_msg_flow();
}

runnel_status runnel_msg_copy(runnel_msg *dst, const runnel_msg *src)
{
    switch (src->type) {
    case RUNNEL_MSG_STRING:
    case RUNNEL_MSG_ERROR: return runnel_msg_text(dst, src->type, src->as.str.ptr, src->as.str.len);
    case RUNNEL_MSG_STREAM: return runnel_msg_stream(dst, src->as.bytes.ptr, src->as.bytes.len);
    case RUNNEL_MSG_EVENT:
    case RUNNEL_MSG_OBJECT:
    case RUNNEL_MSG_ARRAY:
    case RUNNEL_MSG_OPTIONAL:
    case RUNNEL_MSG_ANY: {
        *dst = runnel_msg_flow();
        if (!src->as.json) {
            dst->type = src->type;
            return RUNNEL_OK;
        }
        json_t *c = json_deep_copy(src->as.json);
        if (!c)
            return RUNNEL_NOMEM;
        dst->type = src->type;
        dst->as.json = c;
        return RUNNEL_OK;
    }
    default: *dst = *src; return RUNNEL_OK;
    }
}

bool runnel_msg_equal(const runnel_msg *a, const runnel_msg *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case RUNNEL_MSG_FLOW: return true;
    case RUNNEL_MSG_BOOLEAN: return a->as.boolean == b->as.boolean;
    case RUNNEL_MSG_INTEGER: return a->as.integer == b->as.integer;
    case RUNNEL_MSG_FLOAT: return a->as.number == b->as.number || (isnan(a->as.number) && isnan(b->as.number));
    case RUNNEL_MSG_STRING:
    case RUNNEL_MSG_ERROR:
        return a->as.str.len == b->as.str.len &&
               (a->as.str.len == 0 || memcmp(a->as.str.ptr, b->as.str.ptr, a->as.str.len) == 0);
    case RUNNEL_MSG_STREAM:
        return a->as.bytes.len == b->as.bytes.len &&
               (a->as.bytes.len == 0 || memcmp(a->as.bytes.ptr, b->as.bytes.ptr, a->as.bytes.len) == 0);
    default:
        if (!a->as.json || !b->as.json)
            return a->as.json == b->as.json;
        return json_equal(a->as.json, b->as.json) != 0;
    }
}

/* ---------------------------------------------------------------- to JSON */

json_t *runnel_msg_data_json(const runnel_msg *m)
{
    switch (m->type) {
    case RUNNEL_MSG_FLOW: return json_null();
    case RUNNEL_MSG_BOOLEAN: return json_boolean(m->as.boolean);
    case RUNNEL_MSG_INTEGER: return json_integer((json_int_t)m->as.integer);
    case RUNNEL_MSG_FLOAT:
        /* JSON has no NaN or infinity; serde_json writes them as null. */
        return isfinite(m->as.number) ? json_real(m->as.number) : json_null();
    case RUNNEL_MSG_STRING:
    case RUNNEL_MSG_ERROR: return json_stringn(m->as.str.ptr ? m->as.str.ptr : "", m->as.str.len);
    case RUNNEL_MSG_STREAM: {
        json_t *a = json_array();
        for (size_t i = 0; a && i < m->as.bytes.len; i++)
            if (json_array_append_new(a, json_integer(m->as.bytes.ptr[i])) != 0) {
                json_decref(a);
                a = NULL;
            }
        return a;
    }
    case RUNNEL_MSG_EVENT:
    case RUNNEL_MSG_OBJECT:
    case RUNNEL_MSG_ARRAY:
    case RUNNEL_MSG_OPTIONAL:
    case RUNNEL_MSG_ANY: return m->as.json ? json_incref(m->as.json) : json_null();
    }
    return NULL;
}

json_t *runnel_msg_to_json(const runnel_msg *m)
{
    if ((unsigned)m->type >= RUNNEL_MSG_TYPE_COUNT)
        return NULL;
    json_t *data = runnel_msg_data_json(m);
    if (!data)
        return NULL;
    json_t *o = json_object();
    if (!o || json_object_set_new(o, "type", json_string(type_names[m->type])) != 0 ||
        json_object_set_new(o, "data", data) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *runnel_msg_to_text(const runnel_msg *m)
{
    json_t *j = runnel_msg_to_json(m);
    if (!j)
        return NULL;
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    return s;
}

/* ---------------------------------------------------------------- from JSON */

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "?";
}

/* A float with an integral value inside the signed 64-bit range, exactly. 2^63 itself is out of range;
   -2^63 is in. The comparison constants are exact powers of two, so no rounding is involved. */
static bool real_to_i64(double d, int64_t *out)
{
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != trunc(d))
        return false;
    *out = (int64_t)d;
    return true;
}

static runnel_status data_fail(runnel_report *r, runnel_msg_type t, const char *want, const json_t *got)
{
    return rn_actor_fail(r, RUNNEL_BADARG, "%s message: data must be %s, not %s", type_names[t], want,
                         got ? json_kind(got) : "missing");
}

/* Reads the data of a message of type t (data NULL: the "data" key is absent). */
static runnel_status from_data(runnel_msg *out, runnel_msg_type t, const json_t *data, runnel_report *r)
{
    *out = runnel_msg_flow();
    switch (t) {
    case RUNNEL_MSG_FLOW:
        /* A unit variant: no data, or null. Anything else would be silently lost, so it is refused. */
        if (data && !json_is_null(data))
            return data_fail(r, t, "null or absent", data);
        return RUNNEL_OK;
    case RUNNEL_MSG_BOOLEAN:
        if (!data || !json_is_boolean(data))
            return data_fail(r, t, "true or false", data);
        *out = runnel_msg_boolean(json_is_true(data));
        return RUNNEL_OK;
    case RUNNEL_MSG_INTEGER: {
        int64_t v;
        if (data && json_is_integer(data)) {
            *out = runnel_msg_integer((int64_t)json_integer_value(data));
            return RUNNEL_OK;
        }
        if (data && json_is_real(data)) {
            if (!real_to_i64(json_real_value(data), &v))
                return rn_actor_fail(r, RUNNEL_BADARG,
                                     "Integer message: data %.17g is not an integer in the signed "
                                     "64-bit range",
                                     json_real_value(data));
            *out = runnel_msg_integer(v);
            return RUNNEL_OK;
        }
        return data_fail(r, t, "an integer", data);
    }
    case RUNNEL_MSG_FLOAT:
        if (data && json_is_number(data)) {
            *out = runnel_msg_float(json_number_value(data));
            return RUNNEL_OK;
        }
        if (data && json_is_null(data)) { /* how serde_json writes NaN and infinities */
            *out = runnel_msg_float(NAN);
            return RUNNEL_OK;
        }
        return data_fail(r, t, "a number", data);
    case RUNNEL_MSG_STRING:
    case RUNNEL_MSG_ERROR:
        if (!data || !json_is_string(data))
            return data_fail(r, t, "a string", data);
        if (runnel_msg_text(out, t, json_string_value(data), json_string_length(data)) != RUNNEL_OK)
            return rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
        return RUNNEL_OK;
    case RUNNEL_MSG_STREAM: {
        if (!data || !json_is_array(data))
            return data_fail(r, t, "an array of byte values (0..255)", data);
        size_t n = json_array_size(data);
        uint8_t *p = n ? malloc(n) : NULL;
        if (n && !p)
            return rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            const json_t *b = json_array_get(data, i);
            json_int_t v = json_is_integer(b) ? json_integer_value(b) : -1;
            if (v < 0 || v > 255) {
                free(p);
                return rn_actor_fail(r, RUNNEL_BADARG, "Stream message: data[%zu] must be a byte value 0..255", i);
            }
            p[i] = (uint8_t)v;
        }
        out->type = RUNNEL_MSG_STREAM;
        out->as.bytes.ptr = p;
        out->as.bytes.len = n;
        return RUNNEL_OK;
    }
    case RUNNEL_MSG_OBJECT:
        if (!data || !json_is_object(data))
            return data_fail(r, t, "an object", data);
        break;
    case RUNNEL_MSG_ARRAY:
        if (!data || !json_is_array(data))
            return data_fail(r, t, "an array", data);
        break;
    case RUNNEL_MSG_OPTIONAL:
        /* serde reads an absent Option field as None. */
        break;
    case RUNNEL_MSG_EVENT:
    case RUNNEL_MSG_ANY:
        if (!data)
            return data_fail(r, t, "a JSON value", data);
        break;
    }
    /* A deep copy: the message must not share mutable JSON with the document it came from. */
    json_t *copy = data ? json_deep_copy(data) : NULL;
    if (data && !copy)
        return rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
    runnel_status st = runnel_msg_json(out, t, copy);
    json_decref(copy);
    return st == RUNNEL_OK ? st : rn_actor_fail(r, st, "%s message: bad data", type_names[t]);
}

runnel_status runnel_msg_from_json(runnel_msg *out, const json_t *tagged, runnel_report *r)
{
    *out = runnel_msg_flow();
    if (!tagged || !json_is_object(tagged))
        return rn_actor_fail(r, RUNNEL_BADARG, "a message must be an object {\"type\": T, \"data\": D}, not %s",
                             tagged ? json_kind(tagged) : "nothing");
    const json_t *type = json_object_get(tagged, "type");
    if (!type)
        return rn_actor_fail(r, RUNNEL_BADARG, "a message needs a \"type\"");
    if (!json_is_string(type))
        return rn_actor_fail(r, RUNNEL_BADARG, "a message's \"type\" must be a string, not %s", json_kind(type));
    runnel_msg_type t;
    if (!runnel_msg_type_from_name(json_string_value(type), &t))
        return rn_actor_fail(r, RUNNEL_BADARG,
                             "unknown message type \"%s\" (known: Flow, Event, Boolean, Integer, Float, String, "
                             "Object, Array, Stream, Optional, Any, Error)",
                             json_string_value(type));
    return from_data(out, t, json_object_get(tagged, "data"), r);
}

runnel_status runnel_msg_from_plain(runnel_msg *out, const json_t *value, runnel_report *r)
{
    *out = runnel_msg_flow();
    if (!value)
        return rn_actor_fail(r, RUNNEL_BADARG, "no value");
    runnel_msg_type t;
    switch (json_typeof(value)) {
    case JSON_NULL: t = RUNNEL_MSG_OPTIONAL; break;
    case JSON_TRUE:
    case JSON_FALSE: t = RUNNEL_MSG_BOOLEAN; break;
    case JSON_INTEGER: t = RUNNEL_MSG_INTEGER; break;
    case JSON_REAL: t = RUNNEL_MSG_FLOAT; break;
    case JSON_STRING: t = RUNNEL_MSG_STRING; break;
    case JSON_ARRAY: t = RUNNEL_MSG_ARRAY; break;
    case JSON_OBJECT: t = RUNNEL_MSG_OBJECT; break;
    default: return rn_actor_fail(r, RUNNEL_BADARG, "not a JSON value");
    }
    return from_data(out, t, value, r);
}

/* {"type": <known name>} or {"type": <known name>, "data": D} and nothing else. */
static bool looks_tagged(const json_t *v)
{
    if (!json_is_object(v))
        return false;
    const json_t *type = json_object_get(v, "type");
    if (!json_is_string(type) || !runnel_msg_type_from_name(json_string_value(type), NULL))
        return false;
    size_t n = json_object_size(v);
    return n == 1 || (n == 2 && json_object_get(v, "data"));
}

runnel_status runnel_msg_from_value(runnel_msg *out, const json_t *value, runnel_report *r)
{
    if (value && looks_tagged(value))
        return runnel_msg_from_json(out, value, r);
    return runnel_msg_from_plain(out, value, r);
}

runnel_status runnel_msg_parse(runnel_msg *out, const char *text, size_t len, runnel_report *r)
{
    *out = runnel_msg_flow();
    json_error_t err;
    json_t *v = json_loadb(text ? text : "", text ? len : 0, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!v)
        return rn_actor_fail(r, RUNNEL_BADARG, "not JSON: %s (at line %d, column %d)", err.text, err.line, err.column);
    runnel_status st = runnel_msg_from_value(out, v, r);
    json_decref(v);
    return st;
}

/* ---------------------------------------------------------------- reports */

char *rn_actor_vformat(const char *fmt, va_list ap)
{
    return rn_vformat_max(RN_ACTOR_MAX_MESSAGE, fmt, ap);
}

char *rn_actor_format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = rn_actor_vformat(fmt, ap);
    va_end(ap);
    return s;
}

runnel_status rn_actor_fail(runnel_report *r, runnel_status st, const char *fmt, ...)
{
    if (!r)
        return st;
    runnel_report_clear(r);
    r->status = st;
    va_list ap;
    va_start(ap, fmt);
    r->message = rn_actor_vformat(fmt, ap);
    va_end(ap);
    return st;
}
