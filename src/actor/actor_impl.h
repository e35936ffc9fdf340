/*
 * actor_impl.h - what the files of the actor layer share (not public).
 *
 * The layer is split by concern: message.c (runnel_msg and its JSON forms), metadata.c (get_metadata's
 * document), schema.c (the JSON Schema subset for config), actor.c (the plugin, state and `process`),
 * hostfn.c (the three Reflow host functions) and result.c (reading an ActorResult). This header holds
 * the actor's private structure, shared by the last three, and the report helper all of them use.
 */
#ifndef RN_ACTOR_IMPL_H
#define RN_ACTOR_IMPL_H

#include "runnel/actor_json.h"
#include "runnel/plugin.h"
#include "util.h"

#include <stdarg.h>

/* Like the engine's rn_fail but without its 512-byte cap: a plugin's error text or its malformed output
   can be long, and the user needs all of it (up to RN_ACTOR_MAX_MESSAGE bytes). */
#define RN_ACTOR_MAX_MESSAGE 65536
runnel_status rn_actor_fail(runnel_report *r, runnel_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A malloc'ed printf; NULL when out of memory. */
char *rn_actor_vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
char *rn_actor_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Which ABI the plugin's host functions follow (docs/abi-reflow.md, "Host functions" and "Older ABI"). */
typedef enum rn_actor_abi {
    RN_ABI_CURRENT = 0, /* __send_output (I) -> (), __get_state (I) -> I, __set_state (II) -> () */
    RN_ABI_LEGACY,      /* every one returns a handle: (I) -> I, (I) -> I, (II) -> I */
} rn_actor_abi;

/* One `process` call in flight: what the host functions need, reached through the plugin's host
   context. */
typedef struct rn_actor_call {
    runnel_actor *actor;
    json_t *state; /* the working copy: __set_state writes here, committed on success */
    uint64_t state_bytes; /* its size (runnel_actor_state_bytes) */
    runnel_actor_emit_fn emit;
    void *user;
    char *failure; /* set by a host function that made the call fail (malloc'ed) */
} rn_actor_call;

struct runnel_actor {
    runnel_compiled_plugin *compiled;
    runnel_plugin *plugin;
    rn_actor_abi abi;
    runnel_actor_metadata *meta; /* NULL: none */
    char *meta_error;            /* why there is none */
    char *meta_text;             /* what get_metadata returned */
    json_t *state;               /* always an object */
    json_t *context_config;      /* the actor context's `config` object: node_id, component, ... */
    char *context_config_text;   /* its compact JSON, made once: it never changes */
    json_t *config;              /* borrowed from context_config: its "config" member */
    char *entry_point;
    bool keep_warm;
    bool strict_ports;                    /* __send_output to an undeclared port is an error, not delivered */
    uint64_t max_state_bytes;             /* 0: no limit */
    uint64_t state_bytes;                 /* the committed state's size (runnel_actor_state_bytes) */
    runnel_plugin_limits limits;          /* set on every plugin of the actor; also for messages */
    bool warm;                            /* the plugin has a live instance that a later call may reuse */
    bool in_call;                         /* inside runnel_actor_process (its emit callback may not re-enter) */
};

/* What one member key: value adds to a state's size (runnel_actor_state_bytes). */
uint64_t rn_actor_member_bytes(size_t klen, const json_t *value);
/* Reading a guest's JSON: an upper estimate, from the text alone, of the host memory parsing it takes
   (counted as runnel_actor_json_bytes counts), and the check that it is within what the actor's memory
   limit allows (true; else false with the reason in why, which names `what`). */
uint64_t rn_actor_json_text_cost(const uint8_t *text, size_t len);
bool rn_actor_json_fits(const runnel_actor *a, const uint8_t *text, size_t len, const char *what, char *why,
                        size_t whysize);
#define RN_ACTOR_MIN_PARSE_CAP (16u << 20) /* the cap when the memory limit is smaller than this */

/* The host functions for one ABI, to give the plugin layer. *n receives the count. */
const runnel_plugin_function *rn_actor_host_functions(rn_actor_abi abi, size_t *n);

/* A valid ActorResult, converted: its outputs in the order the plugin wrote them, and its state. */
typedef struct rn_result {
    size_t count;
    char **ports; /* malloc'ed names */
    runnel_msg *msgs;
    json_t *state; /* a new state object, or NULL when the result leaves the state as it is */
} rn_result;

/* Reads the output of `process` (with the base64 and Flow tolerances of docs/abi-reflow.md, "ActorResult"; for a legacy
   plugin a plain object of outputs typed by shape), checks every output port against the metadata and
   converts every message. On failure returns RUNNEL_BADARG with the reason in r, including the plugin's
   text, and res is empty. */
runnel_status rn_actor_read_result(const runnel_actor *a, const uint8_t *out, size_t len, rn_result *res,
                                   runnel_report *r);
void rn_result_clear(rn_result *res);

/* The plugin's text for a message: at most max bytes, escaped by runnel_text_escape_n (malloc'ed). */
char *rn_actor_quote(const uint8_t *text, size_t len, size_t max);

/* Scans a wasm binary's imports for the Reflow host functions and tells which ABI they follow.
   Anything that is not a wasm binary (a manifest) is taken to follow the current ABI. */
rn_actor_abi rn_actor_detect_abi(const uint8_t *wasm, size_t len);

/* Is port an out-port the actor may send to (declared, or the error port, or any when there is no
   metadata)? */
bool rn_actor_outport_ok(const runnel_actor *a, const char *port);
/* "a, b, c" of the declared out-ports, for messages (malloc'ed; NULL when out of memory). */
char *rn_actor_outport_list(const runnel_actor *a);

/* Emits an Error message with this text on the error port. */
void rn_actor_emit_error(runnel_actor_emit_fn emit, void *user, const char *text);

#endif
