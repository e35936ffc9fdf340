/*
 * runnel/extism.h - libextism's C API, implemented by runnel.
 *
 * A C or C++ program written against Extism's runtime/extism.h compiles against this header and links
 * against runnel (-lrunnel-plugin, or -lrunnel) unchanged: the same types, constants, macros and
 * functions, with the same meaning (docs/abi-extism.md, "The C API: extism.h"). It installs as
 * <runnel/extism.h>; the build option RUNNEL_INSTALL_EXTISM_COMPAT also installs it as <extism.h>, with
 * a libextism name for the library, so that such a program builds with no change at all
 * (docs/embedding.md). Underneath is runnel's own plugin layer (runnel/plugin.h), which a new program
 * may prefer: it reports errors as values with reasons, takes options at creation, and has no
 * process-wide state.
 *
 * Where runnel differs, it is in what libextism leaves to its engine: fuel units are runnel's (one per
 * function entry and loop back-edge, not per instruction), and log lines have runnel's format
 * ("LEVEL NAME: MESSAGE"). Logging configured with extism_log_file / extism_log_custom is process-wide,
 * as in libextism; without it, the RUNNEL_LOG environment variable decides (off when unset).
 */
#ifndef RUNNEL_EXTISM_H
#define RUNNEL_EXTISM_H

#include <stdbool.h>
#include <stdint.h>

#include "runnel/export.h"

#define EXTISM_FUNCTION(N)                                                                                           \
    extern void N(ExtismCurrentPlugin *, const ExtismVal *, ExtismSize, ExtismVal *, ExtismSize, void *)
#define EXTISM_GO_FUNCTION(N) extern void N(void *, ExtismVal *, ExtismSize, ExtismVal *, ExtismSize, uintptr_t)

/* extism_plugin_call's code for a call that succeeded */
#define EXTISM_SUCCESS 0

/* Extism memory handles travel as i64 */
#define EXTISM_PTR ExtismValType_I64

/* WebAssembly value types, in libextism's order */
typedef enum {
    ExtismValType_I32,
    ExtismValType_I64,
    ExtismValType_F32,
    ExtismValType_F64,
    ExtismValType_V128,
    ExtismValType_FuncRef,
    ExtismValType_ExternRef,
} ExtismValType;

typedef struct ExtismCancelHandle ExtismCancelHandle;
typedef struct ExtismCompiledPlugin ExtismCompiledPlugin;
/* The plugin as a host function sees it; valid only during the host function's call. */
typedef struct ExtismCurrentPlugin ExtismCurrentPlugin;
typedef struct ExtismFunction ExtismFunction;
typedef struct ExtismPlugin ExtismPlugin;

typedef uint64_t ExtismMemoryHandle;
typedef uint64_t ExtismSize;

typedef union {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
} ExtismValUnion;

/* A host function's argument or result: its type and value. */
typedef struct {
    ExtismValType t;
    ExtismValUnion v;
} ExtismVal;

/* A host function: reads inputs[0..n_inputs), writes outputs[0..n_outputs). */
typedef void (*ExtismFunctionType)(ExtismCurrentPlugin *plugin, const ExtismVal *inputs, ExtismSize n_inputs,
                                   ExtismVal *outputs, ExtismSize n_outputs, void *data);

/* Receives one buffered log line (see extism_log_custom). */
typedef void (*ExtismLogDrainFunctionType)(const char *data, ExtismSize size);

#ifdef __cplusplus
extern "C" {
#endif

/* 16 bytes, a UUID v4 identifying the plugin. */
RUNNEL_API const uint8_t *extism_plugin_id(ExtismPlugin *plugin);

/* The host_context given to extism_plugin_call_with_host_context (NULL for extism_plugin_call). */
RUNNEL_API void *extism_current_plugin_host_context(ExtismCurrentPlugin *plugin);
/* The base of Extism memory: handle h is at extism_current_plugin_memory(p) + h. Valid until the next
   allocation. Only from host functions. */
RUNNEL_API uint8_t *extism_current_plugin_memory(ExtismCurrentPlugin *plugin);
/* A new block of n bytes, or 0. */
RUNNEL_API ExtismMemoryHandle extism_current_plugin_memory_alloc(ExtismCurrentPlugin *plugin, ExtismSize n);
/* The length of the block at n, or 0 if n is not a live block. */
RUNNEL_API ExtismSize extism_current_plugin_memory_length(ExtismCurrentPlugin *plugin, ExtismMemoryHandle n);
RUNNEL_API void extism_current_plugin_memory_free(ExtismCurrentPlugin *plugin, ExtismMemoryHandle ptr);

/* A host function named `name` (namespace extism:host/user unless set). user_data is passed to func;
   free_user_data (may be NULL) releases it when neither the function nor a plugin uses it any more.
   NULL if the name is NULL or a type is not supported (V128). */
RUNNEL_API ExtismFunction *extism_function_new(const char *name, const ExtismValType *inputs, ExtismSize n_inputs,
                                               const ExtismValType *outputs, ExtismSize n_outputs,
                                               ExtismFunctionType func, void *user_data,
                                               void (*free_user_data)(void *_));
RUNNEL_API void extism_function_free(ExtismFunction *f);
RUNNEL_API void extism_function_set_namespace(ExtismFunction *ptr, const char *namespace_);

/* Compiles a plugin (wasm bytes or a JSON manifest) once, for many extism_plugin_new_from_compiled.
   A function can be given to one plugin (or compiled plugin) only, as in libextism. On failure NULL
   and *errmsg (free with extism_plugin_new_error_free). */
RUNNEL_API ExtismCompiledPlugin *extism_compiled_plugin_new(const uint8_t *wasm, ExtismSize wasm_size,
                                                            const ExtismFunction **functions, ExtismSize n_functions,
                                                            bool with_wasi, char **errmsg);
RUNNEL_API ExtismCompiledPlugin *extism_compiled_plugin_new_with_fuel_limit(const uint8_t *wasm, ExtismSize wasm_size,
                                                                            const ExtismFunction **functions,
                                                                            ExtismSize n_functions, bool with_wasi,
                                                                            uint64_t fuel_limit, char **errmsg);
RUNNEL_API void extism_compiled_plugin_free(ExtismCompiledPlugin *plugin);

/* A plugin from wasm bytes or a JSON manifest, with host functions and WASI on or off. On failure NULL
   and *errmsg (free with extism_plugin_new_error_free). */
RUNNEL_API ExtismPlugin *extism_plugin_new(const uint8_t *wasm, ExtismSize wasm_size, const ExtismFunction **functions,
                                           ExtismSize n_functions, bool with_wasi, char **errmsg);
RUNNEL_API ExtismPlugin *extism_plugin_new_from_compiled(const ExtismCompiledPlugin *compiled, char **errmsg);
/* As extism_plugin_new, with a fuel budget per call. */
RUNNEL_API ExtismPlugin *extism_plugin_new_with_fuel_limit(const uint8_t *wasm, ExtismSize wasm_size,
                                                           const ExtismFunction **functions, ExtismSize n_functions,
                                                           bool with_wasi, uint64_t fuel_limit, char **errmsg);
/* Lets the plugin's http_headers import return the last response's headers. */
RUNNEL_API void extism_plugin_allow_http_response_headers(ExtismPlugin *plugin);
RUNNEL_API void extism_plugin_new_error_free(char *err);
RUNNEL_API void extism_plugin_free(ExtismPlugin *plugin);

/* Valid while the plugin lives; as in libextism, using it after extism_plugin_free is undefined (runnel's
   own API has runnel_cancel_handle_retain for that). extism_plugin_cancel may be called from any thread. */
RUNNEL_API const ExtismCancelHandle *extism_plugin_cancel_handle(const ExtismPlugin *plugin);
/* Stops the plugin's running call, if any (it fails with "timeout"). Returns true whenever handle is not
   NULL, as libextism does: the request was made, whether or not a call was running. */
RUNNEL_API bool extism_plugin_cancel(const ExtismCancelHandle *handle);

/* Merges a JSON object into the config: strings are set, null removes a key. */
RUNNEL_API bool extism_plugin_config(ExtismPlugin *plugin, const uint8_t *json, ExtismSize json_size);
/* Does the plugin export a function of this name (and of a callable type)? */
RUNNEL_API bool extism_plugin_function_exists(ExtismPlugin *plugin, const char *func_name);

/* Calls func_name with the input; returns 0 on success, else the code (see runnel/plugin.h). A call
   failed if the code is not 0 or extism_plugin_error is not NULL. */
RUNNEL_API int32_t extism_plugin_call(ExtismPlugin *plugin, const char *func_name, const uint8_t *data,
                                      ExtismSize data_len);
RUNNEL_API int32_t extism_plugin_call_with_host_context(ExtismPlugin *plugin, const char *func_name,
                                                        const uint8_t *data, ExtismSize data_len, void *host_context);

/* The last call's error, or NULL (owned by the plugin). extism_error is the older name. */
RUNNEL_API const char *extism_error(ExtismPlugin *plugin);
RUNNEL_API const char *extism_plugin_error(ExtismPlugin *plugin);
/* The last call's output (owned by the plugin, valid until the next call). */
RUNNEL_API ExtismSize extism_plugin_output_length(ExtismPlugin *plugin);
RUNNEL_API const uint8_t *extism_plugin_output_data(ExtismPlugin *plugin);

/* Process-wide logging of plugin log lines: to a file ("stdout" and "stderr" are the streams) at a
   level ("trace" .. "error", or a filter such as "extism=debug"). */
RUNNEL_API bool extism_log_file(const char *filename, const char *log_level);
/* Buffers log lines (at most 65536, the oldest dropped) until extism_log_drain. */
RUNNEL_API bool extism_log_custom(const char *log_level);
/* Hands each buffered line to handler, oldest first, and empties the buffer. */
RUNNEL_API void extism_log_drain(ExtismLogDrainFunctionType handler);

/* Empties Extism memory (every handle becomes invalid). */
RUNNEL_API bool extism_plugin_reset(ExtismPlugin *plugin);
RUNNEL_API const char *extism_version(void);

#ifdef __cplusplus
}
#endif
#endif
