/*
 * metadata.c - an actor's PluginMetadata: parsed, checked, and asked about ports.
 *
 * Reflow's host never reads metadata; runnel does (docs/abi-reflow.md, "PluginMetadata"): to list ports
 * (`runnel inspect`), to refuse an output on an undeclared port, to refuse an input on one, and to
 * check node config against config_schema. So the document is checked once, when the actor is made,
 * and a bad one is reported with what is wrong rather than half-used.
 *
 * What the SDKs write: the Rust SDK's PluginMetadata has all of component, description, inports,
 * outports, config_schema (Option, so null); port_def! gives name, description, port_type, required.
 * The Go SDK writes the same names. We are lenient where nothing is lost (a missing description is
 * "", a missing port_type is "Any", missing port lists are empty) and strict where a wrong value would
 * mislead (a port without a name, a port_type that names no message type, duplicate port names).
 */
#include "actor_impl.h"

#include <stdlib.h>
#include <string.h>

typedef struct rn_metadata {
    runnel_actor_metadata pub;
    runnel_port_def *in, *out;
    json_t *doc; /* owns every string the public struct points to */
} rn_metadata;

static runnel_status read_ports(const json_t *doc, const char *key, runnel_port_def **ports, size_t *n,
                                runnel_report *r)
{
    *ports = NULL;
    *n = 0;
    const json_t *list = json_object_get(doc, key);
    if (!list || json_is_null(list))
        return RUNNEL_OK;
    if (!json_is_array(list))
        return rn_actor_fail(r, RUNNEL_BADARG, "metadata: \"%s\" must be an array of ports", key);
    size_t count = json_array_size(list);
    if (count == 0)
        return RUNNEL_OK;
    runnel_port_def *p = calloc(count, sizeof *p);
    if (!p)
        return rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
    for (size_t i = 0; i < count; i++) {
        const json_t *e = json_array_get(list, i);
        if (!json_is_object(e)) {
            free(p);
            return rn_actor_fail(r, RUNNEL_BADARG, "metadata: %s[%zu] must be an object", key, i);
        }
        const json_t *name = json_object_get(e, "name"), *desc = json_object_get(e, "description"),
                     *type = json_object_get(e, "port_type"), *req = json_object_get(e, "required");
        if (!json_is_string(name) || json_string_length(name) == 0) {
            free(p);
            return rn_actor_fail(r, RUNNEL_BADARG, "metadata: %s[%zu] has no \"name\"", key, i);
        }
        p[i].name = json_string_value(name);
        p[i].description = json_is_string(desc) ? json_string_value(desc) : "";
        p[i].port_type = json_is_string(type) ? json_string_value(type) : "Any";
        p[i].required = json_is_true(req);
        if ((type && !json_is_null(type) && !json_is_string(type)) ||
            !runnel_msg_type_from_name(p[i].port_type, NULL)) {
            rn_actor_fail(r, RUNNEL_BADARG,
                          "metadata: port \"%s\" (%s) has port_type %s, which is not a message type "
                          "(Flow, Event, Boolean, Integer, Float, String, Object, Array, Stream, "
                          "Optional, Any, Error)",
                          p[i].name, key, json_is_string(type) ? json_string_value(type) : "of the wrong kind");
            free(p);
            return RUNNEL_BADARG;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(p[j].name, p[i].name) == 0) {
                rn_actor_fail(r, RUNNEL_BADARG, "metadata: port \"%s\" is declared twice in %s", p[i].name, key);
                free(p);
                return RUNNEL_BADARG;
            }
    }
    *ports = p;
    *n = count;
    return RUNNEL_OK;
}

runnel_actor_metadata *runnel_actor_metadata_parse(const json_t *doc_in, runnel_report *r)
{
    if (!json_is_object(doc_in)) {
        rn_actor_fail(r, RUNNEL_BADARG, "metadata must be a JSON object");
        return NULL;
    }
    rn_metadata *m = calloc(1, sizeof *m);
    json_t *doc = json_deep_copy(doc_in);
    if (!m || !doc) {
        free(m);
        json_decref(doc);
        rn_actor_fail(r, RUNNEL_NOMEM, "out of memory");
        return NULL;
    }
    m->doc = doc;
    m->pub.json = doc;
    const json_t *comp = json_object_get(doc, "component"), *desc = json_object_get(doc, "description"),
                 *schema = json_object_get(doc, "config_schema");
    if (!json_is_string(comp) || json_string_length(comp) == 0) {
        rn_actor_fail(r, RUNNEL_BADARG, "metadata: \"component\" must be a non-empty string");
        goto fail;
    }
    m->pub.component = json_string_value(comp);
    m->pub.description = json_is_string(desc) ? json_string_value(desc) : "";
    if (read_ports(doc, "inports", &m->in, &m->pub.ninports, r) != RUNNEL_OK ||
        read_ports(doc, "outports", &m->out, &m->pub.noutports, r) != RUNNEL_OK)
        goto fail;
    m->pub.inports = m->in;
    m->pub.outports = m->out;
    if (schema && !json_is_null(schema)) {
        if (!json_is_object(schema) && !json_is_boolean(schema)) {
            rn_actor_fail(r, RUNNEL_BADARG, "metadata: \"config_schema\" must be a JSON Schema (an object)");
            goto fail;
        }
        m->pub.config_schema = schema;
    }
    return &m->pub;
fail:
    runnel_actor_metadata_free(&m->pub);
    return NULL;
}

void runnel_actor_metadata_free(runnel_actor_metadata *pub)
{
    if (!pub)
        return;
    /* pub is the first member of rn_metadata, which is what runnel_actor_metadata_parse returned. */
    rn_metadata *m = (rn_metadata *)pub;
    free(m->in);
    free(m->out);
    json_decref(m->doc);
    free(m);
}

static const runnel_port_def *find_port(const runnel_port_def *p, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(p[i].name, name) == 0)
            return &p[i];
    return NULL;
}

const runnel_port_def *runnel_actor_metadata_inport(const runnel_actor_metadata *m, const char *name)
{
    return m ? find_port(m->inports, m->ninports, name) : NULL;
}

const runnel_port_def *runnel_actor_metadata_outport(const runnel_actor_metadata *m, const char *name)
{
    return m ? find_port(m->outports, m->noutports, name) : NULL;
}
