/*
 * runnel/actor_json.h - the actor API's functions on JSON values (jansson's json_t).
 *
 * Why a separate header: runnel/actor.h is usable without jansson (a JSON value there is an opaque
 * struct json_t); an embedder that works with jansson values includes this one, which brings
 * <jansson.h>. Ownership as in runnel/actor.h: a json_t argument is never stolen unless said, a
 * returned one is a new reference unless it says borrowed.
 */
#ifndef RUNNEL_ACTOR_JSON_H
#define RUNNEL_ACTOR_JSON_H

#include "runnel/actor.h"

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- messages */

/* Event, Object, Array, Optional or Any holding value (the message takes a new reference; the caller
   keeps its own). RUNNEL_BADARG when value does not fit the type (Object needs an object, Array an
   array; NULL is allowed only for Optional). */
RUNNEL_API runnel_status runnel_msg_json(runnel_msg *out, runnel_msg_type t, json_t *value);

/* The tagged form {"type": T, "data": D} (Flow: "data": null). NULL when out of memory or when a
   String/Error is not valid UTF-8 (JSON cannot carry it). A Float that is not finite has no JSON
   number: it is written as null, as serde_json does, and reads back as NaN. */
RUNNEL_API json_t *runnel_msg_to_json(const runnel_msg *m);
/* D alone: the message's data as plain JSON (Flow and nothing-Optional: null). */
RUNNEL_API json_t *runnel_msg_data_json(const runnel_msg *m);
/* Reads the tagged form. Accepts what Reflow's plugins write: "data" may be absent for Flow (the Rust
   SDK writes {"type":"Flow"}) and Optional; Integer data must be an integer in the signed 64-bit range
   (a float with an integral value in range is accepted); Float data any number (null reads as NaN).
   Other keys are ignored. Fails with RUNNEL_BADARG and a message naming what is wrong. */
RUNNEL_API runnel_status runnel_msg_from_json(runnel_msg *out, const json_t *tagged, runnel_report *r);
/* Types a plain JSON value by its shape, as __send_output's values are: null -> Optional (nothing),
   true/false -> Boolean, integer -> Integer, other number -> Float, string -> String, array -> Array,
   object -> Object. */
RUNNEL_API runnel_status runnel_msg_from_plain(runnel_msg *out, const json_t *value, runnel_report *r);
/* A value as a user writes it (command line, graph IIPs): an object of the exact shape
   {"type": <a message type name>[, "data": D]} is read as tagged, anything else as plain. */
RUNNEL_API runnel_status runnel_msg_from_value(runnel_msg *out, const json_t *value, runnel_report *r);

/* ---------------------------------------------------------------- metadata and config schemas */

/* Parses and checks a metadata document. NULL with the reason in r (RUNNEL_BADARG) when it is not one. */
RUNNEL_API runnel_actor_metadata *runnel_actor_metadata_parse(const json_t *doc, runnel_report *r);

/* Checks a value against a JSON Schema (the subset actors use: type, properties, required,
   additionalProperties, items, enum, const, minimum, maximum, exclusiveMinimum, exclusiveMaximum,
   minLength, maxLength, minItems, maxItems, anyOf, oneOf, allOf; other keywords are ignored).
   RUNNEL_OK when it matches, else RUNNEL_BADARG with a message naming the place, e.g.
   "config.factor: expected a number, got a string". `what` names the root in messages ("config").
   The work is bounded, because a plugin's schema and a graph's config can both be hostile: nesting
   deeper than RUNNEL_SCHEMA_MAX_DEPTH, an allOf/anyOf/oneOf of more than RUNNEL_SCHEMA_MAX_ALTERNATIVES
   schemas, or more than RUNNEL_SCHEMA_MAX_STEPS steps (a step: one value against one schema, one
   element of a list or constant compared) is refused with RUNNEL_BADARG, "config schema check exceeded
   1000000 steps", never a pass. */
#define RUNNEL_SCHEMA_MAX_DEPTH 64
#define RUNNEL_SCHEMA_MAX_ALTERNATIVES 1000
#define RUNNEL_SCHEMA_MAX_STEPS 1000000
RUNNEL_API runnel_status runnel_json_schema_check(const json_t *schema, const json_t *value, const char *what,
                                                  runnel_report *r);
/* A copy of the object `value` with each property the schema's "properties" give a "default" for and
   value lacks filled in (one level, as JSON Schema defaults are usually written). NULL when out of
   memory. value may be NULL (treated as {}). */
RUNNEL_API json_t *runnel_json_schema_defaults(const json_t *schema, const json_t *value);

/* ---------------------------------------------------------------- actors */

/* The node config the actor runs with (the options' config with the schema's defaults filled in). */
RUNNEL_API const json_t *runnel_actor_config(const runnel_actor *a);

/* The actor's state: always an object (borrowed; valid until the next call that changes it). */
RUNNEL_API const json_t *runnel_actor_state(const runnel_actor *a);
/* Replaces the state with a copy of state (an object; NULL = {}). The host may set a state larger than
   max_state_bytes; the actor can then only make it smaller. */
RUNNEL_API runnel_status runnel_actor_set_state(runnel_actor *a, const json_t *state, runnel_report *r);
RUNNEL_API uint64_t runnel_actor_json_bytes(const json_t *value); /* the same count for any JSON value */

#ifdef __cplusplus
}
#endif
#endif
