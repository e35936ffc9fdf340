/*
 * runnel/actor.h - Reflow actors: messages, metadata, state and the `process` call.
 *
 * A Reflow actor plugin is an Extism plugin (runnel/plugin.h) with two exports and three host functions
 * (docs/abi-reflow.md has the whole ABI):
 *
 *   get_metadata   () -> JSON PluginMetadata: component, description, in/out-ports, config_schema
 *   process        JSON ActorContext {payload, config, state} -> JSON ActorResult {outputs, state}
 *   __send_output  (extism:host/user) emit {port: plain JSON} at once, during the call
 *   __get_state / __set_state   read and write one key of the actor's state, held by the host
 *
 * This header has three parts:
 *
 *   runnel_msg      one Reflow message (Flow, Event, Boolean, Integer, Float, String, Object, Array,
 *                   Stream, Optional, Any, Error) as a C value, with its tagged JSON form
 *                   {"type": T, "data": D} and the untyped ("plain") form that __send_output uses.
 *                   The one message type of runnel: the actor layer, graphs and the CLI all use it.
 *   runnel_actor_metadata   what get_metadata says, parsed and checked.
 *   runnel_actor    a plugin plus what the host holds for it: state (a JSON object that outlives wasm
 *                   instances), configuration (the node's config and resolved environment), metadata
 *                   and limits. runnel_actor_process() makes one `process` call and delivers every
 *                   output through a callback, in order.
 *
 * JSON values are jansson's json_t (jansson keeps integers as exact 64-bit values, never through a
 * double, which Reflow's Integer requires). This header needs no jansson: the functions that take or
 * return a json_t are in runnel/actor_json.h, which includes <jansson.h>; here a JSON value is only an
 * opaque struct json_t in a message or an option, and text forms (runnel_msg_to_text, _parse) do the
 * rest. Functions taking a json_t never steal the caller's reference unless they say so; functions
 * returning one return a new reference.
 *
 * Errors are values. A failing `process` (trap, timeout, memory limit, an error set by the plugin, a
 * malformed result, an output on an undeclared port) never takes the host down: it is delivered as an
 * Error message on the actor's `error` out-port, returned as a status with a report, and the actor
 * stays usable for the next message (with the state it had before the failing call).
 */
#ifndef RUNNEL_ACTOR_H
#define RUNNEL_ACTOR_H

#include "runnel/engine.h"

/* jansson's JSON value, opaque here: runnel/actor_json.h has the functions that take or give one. */
struct json_t;

#ifdef __cplusplus
extern "C" {
#endif

/* ================================================================ messages */

/* The twelve message types of Reflow, in the order of its Message enum. */
typedef enum runnel_msg_type {
    RUNNEL_MSG_FLOW = 0, /* a control signal without data */
    RUNNEL_MSG_EVENT,    /* any JSON */
    RUNNEL_MSG_BOOLEAN,
    RUNNEL_MSG_INTEGER,  /* signed 64-bit, exact */
    RUNNEL_MSG_FLOAT,    /* IEEE double */
    RUNNEL_MSG_STRING,   /* UTF-8 */
    RUNNEL_MSG_OBJECT,   /* a JSON object */
    RUNNEL_MSG_ARRAY,    /* a JSON array */
    RUNNEL_MSG_STREAM,   /* bytes; on the wire an array of numbers 0..255 */
    RUNNEL_MSG_OPTIONAL, /* nothing, or any JSON */
    RUNNEL_MSG_ANY,      /* any JSON */
    RUNNEL_MSG_ERROR,    /* a UTF-8 message */
} runnel_msg_type;
#define RUNNEL_MSG_TYPE_COUNT 12

/* One message. A value type: copy it with runnel_msg_copy, release it with runnel_msg_clear. Which member
   of `as` is valid depends on `type`:
     Boolean  as.boolean             Integer  as.integer           Float  as.number
     String, Error   as.str   (ptr is NUL-terminated at ptr[len]; the text may itself contain NULs)
     Stream          as.bytes (ptr may be NULL when len is 0)
     Event, Object, Array, Any   as.json (one reference owned by the message; never NULL: a JSON null
                                 is json_null(); Object holds an object, Array an array)
     Optional        as.json, NULL for "nothing" (a JSON null reads as nothing, as serde's Option does)
     Flow            nothing
   A zeroed runnel_msg is a valid Flow message. */
typedef struct runnel_msg {
    runnel_msg_type type;
    union {
        bool boolean;
        int64_t integer;
        double number;
        struct {
            char *ptr;
            size_t len;
        } str;
        struct {
            uint8_t *ptr;
            size_t len;
        } bytes;
        struct json_t *json;
    } as;
} runnel_msg;

/* "Flow", "Integer", ...: the names used on the wire. */
RUNNEL_API const char *runnel_msg_type_name(runnel_msg_type t);
/* The type with that exact name; false if there is none. */
RUNNEL_API bool runnel_msg_type_from_name(const char *name, runnel_msg_type *out);

/* Constructors. Those that allocate return RUNNEL_NOMEM (leaving *out a Flow) when memory runs out. */
RUNNEL_API runnel_msg runnel_msg_flow(void);
RUNNEL_API runnel_msg runnel_msg_boolean(bool v);
RUNNEL_API runnel_msg runnel_msg_integer(int64_t v);
RUNNEL_API runnel_msg runnel_msg_float(double v);
/* String or Error from len bytes (copied). Does not check UTF-8; runnel_msg_to_json does. */
RUNNEL_API runnel_status runnel_msg_text(runnel_msg *out, runnel_msg_type t, const char *s, size_t len);
RUNNEL_API runnel_status runnel_msg_string(runnel_msg *out, const char *s); /* NUL-terminated */
RUNNEL_API runnel_status runnel_msg_error(runnel_msg *out, const char *s);  /* NUL-terminated */
RUNNEL_API runnel_status runnel_msg_stream(runnel_msg *out, const void *bytes, size_t len);

/* Releases what m holds and makes it a Flow. */
RUNNEL_API void runnel_msg_clear(runnel_msg *m);
/* A deep copy (JSON values are copied too, so the two never share mutable data). */
RUNNEL_API runnel_status runnel_msg_copy(runnel_msg *dst, const runnel_msg *src);
/* Same type and same data (JSON compared by value; floats by value, NaN equal to NaN). */
RUNNEL_API bool runnel_msg_equal(const runnel_msg *a, const runnel_msg *b);


/* Text forms. runnel_msg_to_text gives the compact tagged JSON (malloc'ed; NULL as runnel_msg_to_json).
   runnel_msg_parse reads JSON text with runnel_msg_from_value (tagged or plain). */
RUNNEL_API char *runnel_msg_to_text(const runnel_msg *m);
RUNNEL_API runnel_status runnel_msg_parse(runnel_msg *out, const char *text, size_t len, runnel_report *r);

/* ================================================================ metadata */

typedef struct runnel_port_def {
    const char *name;
    const char *description; /* "" when absent */
    const char *port_type;   /* as written: a message type name or "Any"; "Any" when absent */
    bool required;
} runnel_port_def;

/* What get_metadata returned, checked: a component name, ports with names, port types that name a
   message type, a config_schema that is an object. Strings are owned by the metadata. */
typedef struct runnel_actor_metadata {
    const char *component;
    const char *description;
    const runnel_port_def *inports;
    size_t ninports;
    const runnel_port_def *outports;
    size_t noutports;
    const struct json_t *config_schema; /* NULL when the plugin has none */
    const struct json_t *json;          /* the whole document as the plugin returned it */
} runnel_actor_metadata;

RUNNEL_API void runnel_actor_metadata_free(runnel_actor_metadata *m);
/* The port of that name, or NULL. */
RUNNEL_API const runnel_port_def *runnel_actor_metadata_inport(const runnel_actor_metadata *m, const char *name);
RUNNEL_API const runnel_port_def *runnel_actor_metadata_outport(const runnel_actor_metadata *m, const char *name);


/* ================================================================ actors */

/* The out-port every actor has for its failures, declared or not (Reflow's ScriptActor emits
   {"error": Error(message)}). */
#define RUNNEL_ACTOR_ERROR_PORT "error"

/* Default limits; an actor runs under them unless its options say otherwise. */
#define RUNNEL_ACTOR_DEFAULT_TIMEOUT_MS 10000u /* per `process` call */
#define RUNNEL_ACTOR_DEFAULT_MAX_PAGES  4096u  /* memory growth, 64 KiB pages: 256 MiB */
/* The state an actor may keep (runnel_actor_state_bytes counts it): 64 MiB. The state lives in the host
   between messages, is copied into every call's context and written at every commit of a durable graph,
   so more than a few MiB is already slow; this bounds what a runaway or hostile actor can make the host
   hold (a million __set_state calls with new keys took 887 MB before) while leaving room for real use. */
#define RUNNEL_ACTOR_DEFAULT_MAX_STATE_BYTES (64u << 20)
/* Give this as timeout_ms, max_memory_pages or fuel for "no limit" (Reflow's own behaviour). */
#define RUNNEL_ACTOR_UNLIMITED UINT64_MAX

typedef struct runnel_actor_options {
    size_t size;                /* sizeof(runnel_actor_options): RUNNEL_OPTIONS_INIT (runnel/engine.h) */
    /* What the actor context's `config` holds (docs/abi-reflow.md, "ActorContext"). All copied; NULL = the default. */
    const char *node_id;        /* default: the component name (or "actor" without metadata) */
    const char *namespace_;     /* default: JSON null */
    const struct json_t *config;       /* the node's configuration, an object; default {} */
    const struct json_t *resolved_env; /* the environment the node declared and the host resolved; default {} */
    const char *entry_point;    /* default "process" */

    /* Limits. 0 = the plugin's own (when it is given as a manifest with timeout_ms or memory.max_pages;
       a timeout_ms of 0 there counts as none given), else the default above; RUNNEL_ACTOR_UNLIMITED =
       none. Every plugin instance of the actor runs under them from its first instruction. */
    uint64_t timeout_ms;
    uint64_t max_memory_pages;
    uint64_t fuel; /* engine fuel per call; 0 = unlimited (no default budget) */
    uint64_t max_state_bytes; /* the state's size (runnel_actor_state_bytes); 0 = the default above,
                                 RUNNEL_ACTOR_UNLIMITED = none. Past it, __set_state fails and so does
                                 the call ("... exceed its limit of N bytes"), as does a result whose
                                 `state` is larger; the state stays as it was. */
    uint32_t stack_bytes;    /* the engine's value stack (runnel_config); 0 = 1 MiB */
    uint32_t max_call_depth; /* nested wasm calls before "call stack exhausted"; 0 = 10,000. These two
                                belong to the compiled plugin: runnel_actor_spawn keeps the proto's */

    bool keep_warm;          /* keep the wasm instance between calls (faster; guest globals persist).
                                Default: a fresh instance per call, as Reflow does. After a failed call
                                the instance is always replaced. */
    bool inherit_stdio;      /* the plugin's stdout/stderr go to the host's (Reflow: to stderr);
                                default: dropped */
    bool strict_ports;       /* refuse __send_output to a port the metadata does not declare (an Error
                                message instead). Off by default: Reflow delivers such messages, and its
                                own Go plugins send status messages on undeclared ports. A result's
                                outputs must always use declared ports. */
    bool skip_config_check;  /* do not check config against config_schema (for inspection) */
    bool no_config_defaults; /* do not fill in config_schema defaults the config lacks */
    /* The compiling tier: runnel_plugin_options' compiled and compile, passed to the actor's plugin
       (docs/compiling.md). Like stack_bytes they belong to the compiled plugin: runnel_actor_spawn keeps
       the proto's and ignores these. compile is used only during runnel_actor_new, never kept. */
    bool compiled;
    const runnel_compile_options *compile;
} runnel_actor_options;

/* An actor is used by one thread at a time (as an actor processes one message at a time); different
   actors may run on different threads. */
typedef struct runnel_actor runnel_actor;

/* Makes an actor from a wasm module (or an Extism JSON manifest): compiles it with WASI and the three
   host functions, reads its metadata and checks the config against the metadata's config_schema.
   A plugin whose get_metadata is missing or fails is still an actor (see runnel_actor_metadata_error);
   a config that does not match the schema is not (NULL, RUNNEL_BADARG, the mismatch in r). */
RUNNEL_API runnel_actor *runnel_actor_new(const void *wasm, size_t len, const runnel_actor_options *opts,
                                          runnel_report *r);
/* The same from a file. */
RUNNEL_API runnel_actor *runnel_actor_load(const char *path, const runnel_actor_options *opts, runnel_report *r);
/* Another actor of proto's plugin, with its own options (config, node id, limits), state ({}) and
   instances: it shares proto's compiled code and metadata, so nothing is compiled and get_metadata is
   not called again. How a graph makes many nodes of one .wasm. proto is only read (several threads may
   spawn from one proto at once). The config is checked against the schema as in runnel_actor_new. */
RUNNEL_API runnel_actor *runnel_actor_spawn(const runnel_actor *proto, const runnel_actor_options *opts,
                                            runnel_report *r);
RUNNEL_API void runnel_actor_free(runnel_actor *a);

/* The checked metadata, or NULL when the plugin has none; then runnel_actor_metadata_error says why
   ("no get_metadata export", the trap (with its backtrace, as in runnel_actor_process) or error of
   get_metadata, or what is wrong with its JSON). */
RUNNEL_API const runnel_actor_metadata *runnel_actor_get_metadata(const runnel_actor *a);
RUNNEL_API const char *runnel_actor_metadata_error(const runnel_actor *a);
/* The text get_metadata returned (NULL if the call failed), for `runnel inspect --json`. */
RUNNEL_API const char *runnel_actor_metadata_text(const runnel_actor *a);
/* True for a plugin of the older Reflow ABI (no get_metadata; host functions that return a handle):
   it is called with the payload as a plain object and its result is read as plain outputs. */
RUNNEL_API bool runnel_actor_is_legacy(const runnel_actor *a);

/* The state's size as max_state_bytes counts it: roughly the host memory it takes, i.e. key and string
   bytes plus RUNNEL_ACTOR_STATE_MEMBER_BYTES per object member, RUNNEL_ACTOR_STATE_VALUE_BYTES per JSON
   value and RUNNEL_ACTOR_STATE_ELEMENT_BYTES per array element (so that a million empty keys are not free). */
RUNNEL_API uint64_t runnel_actor_state_bytes(const runnel_actor *a);
#define RUNNEL_ACTOR_STATE_MEMBER_BYTES 96u
#define RUNNEL_ACTOR_STATE_VALUE_BYTES 48u
#define RUNNEL_ACTOR_STATE_ELEMENT_BYTES 16u

/* How an output came out of a `process` call. */
typedef enum runnel_emit_kind {
    RUNNEL_EMIT_SENT = 0, /* through __send_output, during the call */
    RUNNEL_EMIT_RESULT,   /* in the result's `outputs`, after the call */
    RUNNEL_EMIT_ERROR,    /* the call failed: an Error message on RUNNEL_ACTOR_ERROR_PORT */
} runnel_emit_kind;

/* Receives each output, in order. msg is borrowed (copy it to keep it). The callback runs during the call
   (for outputs sent with __send_output) and must not call runnel_actor_process on the same actor. */
typedef void (*runnel_actor_emit_fn)(void *user, const char *port, const runnel_msg *msg, runnel_emit_kind kind);

/* One input: a message for an in-port. */
typedef struct runnel_port_msg {
    const char *port;
    runnel_msg msg;
} runnel_port_msg;

/* One `process` call with these inputs as the payload (Reflow sends one port per call; several make one
   payload). Outputs go to emit (may be NULL) in order: what the plugin sends through __send_output, as it
   sends it; then the returned outputs, in the order the plugin wrote them. A returned `state` object
   replaces the state; otherwise what __set_state wrote stays.
   Returns RUNNEL_OK when the call succeeded and its result was valid. Otherwise the failure is emitted
   as an Error message on RUNNEL_ACTOR_ERROR_PORT (kind RUNNEL_EMIT_ERROR), described in r with the same
   text, and the status says what kind. When the plugin trapped (or a host function failed it), the text
   is the message and then the backtrace, innermost first, one line a frame:
   "process trapped: unreachable\n  at crash (offset 0x3504)\n  at process (offset 0x20f2)" (a function
   without a name is "function INDEX"; offsets are bytes in the module). The status: RUNNEL_TRAP (trap,
   timeout, memory limit, fuel), RUNNEL_EXIT (proc_exit with a non-zero code), RUNNEL_BADARG (the plugin
   reported an error, or returned something that is not a valid result: its outputs are not delivered
   and its state is not kept). An input on a port that the metadata
   does not declare is refused before any call (RUNNEL_BADARG, nothing emitted). */
RUNNEL_API runnel_status runnel_actor_process(runnel_actor *a, const runnel_port_msg *inputs, size_t ninputs,
                                              runnel_actor_emit_fn emit, void *user, runnel_report *r);

/* A collector for outputs: pass runnel_actor_collect as emit and a zeroed runnel_actor_outputs as user. */
typedef struct runnel_actor_output {
    char *port;
    runnel_msg msg;
    runnel_emit_kind kind;
} runnel_actor_output;
typedef struct runnel_actor_outputs {
    runnel_actor_output *items;
    size_t count, cap;
    bool nomem; /* set when a copy could not be made (that output is missing) */
} runnel_actor_outputs;
RUNNEL_API void runnel_actor_collect(void *outputs, const char *port, const runnel_msg *msg, runnel_emit_kind kind);
RUNNEL_API void runnel_actor_outputs_clear(runnel_actor_outputs *o);

#ifdef __cplusplus
}
#endif
#endif
