/*
 * extism_api.c - libextism's C API (include/runnel/extism.h) over runnel's plugin layer.
 *
 * Programs written for libextism link against runnel unchanged, so this file maps each libextism call
 * onto runnel_plugin_* and keeps libextism's contracts where the two differ:
 *   - a host function (ExtismFunction) is taken by the one plugin or compiled plugin it is given to
 *     ("Function cannot be registered with multiple different Plugins"), while the program still frees
 *     its ExtismFunction; the user data is released (free_user_data) when both are done with it, so
 *     functions are reference counted;
 *   - an ExtismCompiledPlugin may be freed while plugins made from it live on (both are counted);
 *   - errors from creation come back as a malloc'ed string for extism_plugin_new_error_free, errors of
 *     calls as a string owned by the plugin;
 *   - ExtismCurrentPlugin is runnel's runnel_current_plugin, ExtismCancelHandle runnel's cancel handle:
 *     the pointers are passed through, never dereferenced as something else.
 *
 * Logging is the one piece of process-wide state in runnel, because libextism's API is process-wide
 * (extism_log_file / extism_log_custom configure a global logger): it lives in `logger` below, behind
 * a mutex. Plugins made here take their level from it (or from RUNNEL_LOG when it was never
 * configured) and send their lines to it.
 */
#include "plugin_impl.h"

#include "runnel/extism.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- the process-wide logger */

#define LOG_BUFFER_LINES 65536

typedef struct log_line {
    char *text;
    size_t len;
} log_line;

static struct {
    pthread_mutex_t mu;
    bool configured;
    runnel_log_level level;
    FILE *file;
    bool own_file;
    bool custom;
    log_line *lines; /* a ring of LOG_BUFFER_LINES */
    size_t head, count;
} logger = {.mu = PTHREAD_MUTEX_INITIALIZER, .level = RUNNEL_LOG_OFF};

static const char *const LEVEL_UPPER[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR"};

static void compat_log(void *user, runnel_log_level level, const char *name, const char *msg, size_t len)
{
    (void)user;
    const char *lv = level >= RUNNEL_LOG_TRACE && level <= RUNNEL_LOG_ERROR ? LEVEL_UPPER[level] : "LOG";
    pthread_mutex_lock(&logger.mu);
    if (logger.custom) {
        size_t n = strlen(lv) + strlen(name) + len + 5;
        char *t = malloc(n);
        if (t) {
            int k = snprintf(t, n, "%s %s: ", lv, name);
            memcpy(t + k, msg, len);
            t[k + len] = '\n';
            t[k + len + 1] = 0;
            if (!logger.lines)
                logger.lines = calloc(LOG_BUFFER_LINES, sizeof *logger.lines);
            if (logger.lines) {
                if (logger.count == LOG_BUFFER_LINES) { /* full: the oldest line goes */
                    free(logger.lines[logger.head].text);
                    logger.head = (logger.head + 1) % LOG_BUFFER_LINES;
                    logger.count--;
                }
                logger.lines[(logger.head + logger.count) % LOG_BUFFER_LINES] = (log_line){t, (size_t)k + len + 1};
                logger.count++;
            } else
                free(t);
        }
    } else {
        FILE *f = logger.file ? logger.file : stderr;
        char *safe_msg = runnel_text_escape_n(msg, len), *safe_name = runnel_text_escape(name); /* as log.c */
        fprintf(f, "%s %s: %s\n", lv, safe_name ? safe_name : "?", safe_msg ? safe_msg : "(out of memory)");
        fflush(f);
        free(safe_msg);
        free(safe_name);
    }
    pthread_mutex_unlock(&logger.mu);
}

static bool parse_level(const char *s, runnel_log_level *out)
{
    if (!s) {
        *out = RUNNEL_LOG_ERROR;
        return true;
    }
    return runnel_log_level_parse(s, out);
}

bool extism_log_file(const char *filename, const char *log_level)
{
    runnel_log_level level;
    if (!filename || !parse_level(log_level, &level))
        return false;
    FILE *f = NULL;
    bool own = false;
    if (strcmp(filename, "stdout") == 0)
        f = stdout;
    else if (strcmp(filename, "stderr") == 0)
        f = stderr;
    else if ((f = fopen(filename, "a")) != NULL)
        own = true;
    else
        return false;
    pthread_mutex_lock(&logger.mu);
    if (logger.own_file && logger.file)
        fclose(logger.file);
    logger.file = f;
    logger.own_file = own;
    logger.custom = false;
    logger.level = level;
    logger.configured = true;
    pthread_mutex_unlock(&logger.mu);
    return true;
}

bool extism_log_custom(const char *log_level)
{
    runnel_log_level level;
    if (!parse_level(log_level, &level))
        return false;
    pthread_mutex_lock(&logger.mu);
    logger.custom = true;
    logger.level = level;
    logger.configured = true;
    pthread_mutex_unlock(&logger.mu);
    return true;
}

void extism_log_drain(ExtismLogDrainFunctionType handler)
{
    pthread_mutex_lock(&logger.mu);
    size_t n = logger.count, head = logger.head;
    log_line *taken = n ? malloc(n * sizeof *taken) : NULL;
    if (taken) {
        for (size_t i = 0; i < n; i++)
            taken[i] = logger.lines[(head + i) % LOG_BUFFER_LINES];
        logger.count = 0;
        logger.head = 0;
    } else
        n = 0;
    pthread_mutex_unlock(&logger.mu);
    /* the handler runs without the lock, so it may log or drain itself */
    for (size_t i = 0; i < n; i++) {
        if (handler)
            handler(taken[i].text, taken[i].len);
        free(taken[i].text);
    }
    free(taken);
}

static void log_options(runnel_plugin_options *o)
{
    pthread_mutex_lock(&logger.mu);
    o->has_log_level = logger.configured;
    o->log_level = logger.level;
    pthread_mutex_unlock(&logger.mu);
    if (!o->has_log_level) { /* never configured: RUNNEL_LOG, to stderr */
        o->has_log_level = true;
        o->log_level = rn_log_level_from_env();
    }
    o->log_fn = compat_log;
}

/* ---------------------------------------------------------------- functions */

struct ExtismFunction {
    atomic_int refs; /* the program's and the compiled plugins' */
    atomic_bool taken;
    char *name, *ns;
    char params[33], results[33];
    ExtismValType in_types[32], out_types[32];
    ExtismFunctionType fn;
    void *user;
    void (*free_user)(void *);
};

static void function_release(ExtismFunction *f)
{
    if (!f || atomic_fetch_sub(&f->refs, 1) != 1)
        return;
    if (f->free_user)
        f->free_user(f->user);
    free(f->name);
    free(f->ns);
    free(f);
}

static bool letters(const ExtismValType *t, ExtismSize n, char *out, ExtismValType *types)
{
    if (n > 32 || (n && !t))
        return false;
    for (ExtismSize i = 0; i < n; i++) {
        switch (t[i]) {
        case ExtismValType_I32: out[i] = 'i'; break;
        case ExtismValType_I64: out[i] = 'I'; break;
        case ExtismValType_F32: out[i] = 'f'; break;
        case ExtismValType_F64: out[i] = 'F'; break;
        default: return false; /* V128 and references do not fit ExtismValUnion */
        }
        types[i] = t[i];
    }
    out[n] = 0;
    return true;
}

ExtismFunction *extism_function_new(const char *name, const ExtismValType *inputs, ExtismSize n_inputs,
                                    const ExtismValType *outputs, ExtismSize n_outputs, ExtismFunctionType func,
                                    void *user_data, void (*free_user_data)(void *_))
{
    if (!name || !func)
        return NULL;
    ExtismFunction *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    if (!letters(inputs, n_inputs, f->params, f->in_types) || !letters(outputs, n_outputs, f->results, f->out_types) ||
        !(f->name = strdup(name))) {
        free(f->name);
        free(f);
        return NULL;
    }
    atomic_init(&f->refs, 1);
    atomic_init(&f->taken, false);
    f->fn = func;
    f->user = user_data;
    f->free_user = free_user_data;
    return f;
}

void extism_function_free(ExtismFunction *f) { function_release(f); }

void extism_function_set_namespace(ExtismFunction *f, const char *namespace_)
{
    if (!f || !namespace_ || atomic_load(&f->taken))
        return; /* as libextism: a registered function keeps its namespace */
    char *ns = strdup(namespace_);
    if (ns) {
        free(f->ns);
        f->ns = ns;
    }
}

static runnel_status trampoline(runnel_current_plugin *cur, const runnel_val *args, size_t nargs, runnel_val *results,
                                size_t nresults, void *user)
{
    ExtismFunction *f = user;
    ExtismVal in[32], out[32];
    for (size_t i = 0; i < nargs; i++) {
        in[i].t = f->in_types[i];
        switch (f->in_types[i]) {
        case ExtismValType_I32: in[i].v.i32 = args[i].of.i32; break;
        case ExtismValType_F32: in[i].v.f32 = args[i].of.f32; break;
        case ExtismValType_F64: in[i].v.f64 = args[i].of.f64; break;
        default: in[i].v.i64 = args[i].of.i64; break;
        }
    }
    for (size_t i = 0; i < nresults; i++) {
        out[i].t = f->out_types[i];
        out[i].v.i64 = 0;
    }
    f->fn((ExtismCurrentPlugin *)cur, in, nargs, out, nresults, f->user);
    for (size_t i = 0; i < nresults; i++) {
        switch (f->out_types[i]) {
        case ExtismValType_I32: results[i] = RUNNEL_I32(out[i].v.i32); break;
        case ExtismValType_F32: results[i] = RUNNEL_F32(out[i].v.f32); break;
        case ExtismValType_F64: results[i] = RUNNEL_F64(out[i].v.f64); break;
        default: results[i] = RUNNEL_I64(out[i].v.i64); break;
        }
    }
    return RUNNEL_OK;
}

void *extism_current_plugin_host_context(ExtismCurrentPlugin *plugin)
{
    return runnel_current_host_context((runnel_current_plugin *)plugin);
}

uint8_t *extism_current_plugin_memory(ExtismCurrentPlugin *plugin)
{
    return runnel_current_memory((runnel_current_plugin *)plugin, NULL);
}

ExtismMemoryHandle extism_current_plugin_memory_alloc(ExtismCurrentPlugin *plugin, ExtismSize n)
{
    return runnel_current_alloc((runnel_current_plugin *)plugin, n);
}

ExtismSize extism_current_plugin_memory_length(ExtismCurrentPlugin *plugin, ExtismMemoryHandle n)
{
    return runnel_current_length((runnel_current_plugin *)plugin, n);
}

void extism_current_plugin_memory_free(ExtismCurrentPlugin *plugin, ExtismMemoryHandle ptr)
{
    runnel_current_free((runnel_current_plugin *)plugin, ptr);
}

/* ---------------------------------------------------------------- plugins */

struct ExtismCompiledPlugin {
    atomic_int refs;
    runnel_compiled_plugin *c;
    ExtismFunction **funcs;
    size_t nfuncs;
};

struct ExtismPlugin {
    runnel_plugin *p;
    ExtismCompiledPlugin *cp;
};

static void set_errmsg(char **errmsg, const char *msg)
{
    if (errmsg)
        *errmsg = strdup(msg ? msg : "unknown error");
}

static void compiled_release(ExtismCompiledPlugin *cp)
{
    if (!cp || atomic_fetch_sub(&cp->refs, 1) != 1)
        return;
    runnel_compiled_plugin_free(cp->c);
    for (size_t i = 0; i < cp->nfuncs; i++)
        function_release(cp->funcs[i]);
    free(cp->funcs);
    free(cp);
}

static ExtismCompiledPlugin *compile(const uint8_t *wasm, ExtismSize size, const ExtismFunction **functions,
                                     ExtismSize n, bool wasi, uint64_t fuel, char **errmsg)
{
    if (errmsg)
        *errmsg = NULL;
    if ((!wasm && size) || (n && !functions)) {
        set_errmsg(errmsg, "no plugin data or no functions");
        return NULL;
    }
    ExtismCompiledPlugin *cp = calloc(1, sizeof *cp);
    runnel_plugin_function *defs = calloc(n + 1, sizeof *defs);
    if (!cp || !defs || (n && !(cp->funcs = calloc(n, sizeof *cp->funcs)))) {
        free(cp);
        free(defs);
        set_errmsg(errmsg, "out of memory");
        return NULL;
    }
    atomic_init(&cp->refs, 1);
    for (ExtismSize i = 0; i < n; i++) {
        ExtismFunction *f = (ExtismFunction *)functions[i];
        bool expected = false;
        if (!f || !atomic_compare_exchange_strong(&f->taken, &expected, true)) {
            set_errmsg(errmsg, f ? "Function cannot be registered with multiple different Plugins"
                                 : "Cannot pass null pointer");
            compiled_release(cp);
            free(defs);
            return NULL;
        }
        atomic_fetch_add(&f->refs, 1);
        cp->funcs[cp->nfuncs++] = f;
        defs[i] = (runnel_plugin_function){f->ns, f->name, f->params, f->results, trampoline, f, NULL};
    }
    runnel_plugin_options o = {.size = sizeof(runnel_plugin_options),
        .wasi = wasi,
        .fuel = fuel,
        .functions = defs,
        .nfunctions = n,
        /* libextism fetches {"url": ...} modules, and lets WASI output through when asked to */
        .allow_network_sources = true,
        .wasi_inherit_stdio = getenv("EXTISM_ENABLE_WASI_OUTPUT") != NULL,
    };
    log_options(&o);
    runnel_report r = {0};
    cp->c = runnel_compiled_plugin_new(wasm, size, &o, &r);
    free(defs);
    if (!cp->c) {
        set_errmsg(errmsg, r.message);
        runnel_report_clear(&r);
        compiled_release(cp);
        return NULL;
    }
    return cp;
}

ExtismCompiledPlugin *extism_compiled_plugin_new(const uint8_t *wasm, ExtismSize wasm_size,
                                                 const ExtismFunction **functions, ExtismSize n_functions,
                                                 bool with_wasi, char **errmsg)
{
    return compile(wasm, wasm_size, functions, n_functions, with_wasi, 0, errmsg);
}

ExtismCompiledPlugin *extism_compiled_plugin_new_with_fuel_limit(const uint8_t *wasm, ExtismSize wasm_size,
                                                                 const ExtismFunction **functions,
                                                                 ExtismSize n_functions, bool with_wasi,
                                                                 uint64_t fuel_limit, char **errmsg)
{
    return compile(wasm, wasm_size, functions, n_functions, with_wasi, fuel_limit ? fuel_limit : 1, errmsg);
}

void extism_compiled_plugin_free(ExtismCompiledPlugin *plugin) { compiled_release(plugin); }

ExtismPlugin *extism_plugin_new_from_compiled(const ExtismCompiledPlugin *compiled, char **errmsg)
{
    if (errmsg)
        *errmsg = NULL;
    ExtismCompiledPlugin *cp = (ExtismCompiledPlugin *)compiled;
    if (!cp) {
        set_errmsg(errmsg, "no compiled plugin");
        return NULL;
    }
    ExtismPlugin *p = calloc(1, sizeof *p);
    if (!p) {
        set_errmsg(errmsg, "out of memory");
        return NULL;
    }
    runnel_report r = {0};
    if (!(p->p = runnel_plugin_new_from_compiled(cp->c, &r))) {
        set_errmsg(errmsg, r.message);
        runnel_report_clear(&r);
        free(p);
        return NULL;
    }
    atomic_fetch_add(&cp->refs, 1);
    p->cp = cp;
    return p;
}

static ExtismPlugin *plugin_new(const uint8_t *wasm, ExtismSize size, const ExtismFunction **functions, ExtismSize n,
                                bool wasi, uint64_t fuel, char **errmsg)
{
    ExtismCompiledPlugin *cp = compile(wasm, size, functions, n, wasi, fuel, errmsg);
    if (!cp)
        return NULL;
    ExtismPlugin *p = extism_plugin_new_from_compiled(cp, errmsg);
    compiled_release(cp);
    return p;
}

ExtismPlugin *extism_plugin_new(const uint8_t *wasm, ExtismSize wasm_size, const ExtismFunction **functions,
                                ExtismSize n_functions, bool with_wasi, char **errmsg)
{
    return plugin_new(wasm, wasm_size, functions, n_functions, with_wasi, 0, errmsg);
}

ExtismPlugin *extism_plugin_new_with_fuel_limit(const uint8_t *wasm, ExtismSize wasm_size,
                                                const ExtismFunction **functions, ExtismSize n_functions,
                                                bool with_wasi, uint64_t fuel_limit, char **errmsg)
{
    /* runnel's fuel 0 means unlimited; a limit of 0 is the smallest budget there is */
    return plugin_new(wasm, wasm_size, functions, n_functions, with_wasi, fuel_limit ? fuel_limit : 1, errmsg);
}

void extism_plugin_new_error_free(char *err) { free(err); }

void extism_plugin_free(ExtismPlugin *plugin)
{
    if (!plugin)
        return;
    runnel_plugin_free(plugin->p);
    compiled_release(plugin->cp);
    free(plugin);
}

void extism_plugin_allow_http_response_headers(ExtismPlugin *plugin)
{
    if (plugin)
        runnel_plugin_allow_http_response_headers(plugin->p, true);
}

const uint8_t *extism_plugin_id(ExtismPlugin *plugin) { return plugin ? runnel_plugin_id(plugin->p) : NULL; }

const ExtismCancelHandle *extism_plugin_cancel_handle(const ExtismPlugin *plugin)
{
    return plugin ? (const ExtismCancelHandle *)runnel_plugin_cancel_handle(plugin->p) : NULL;
}

bool extism_plugin_cancel(const ExtismCancelHandle *handle)
{
    if (!handle)
        return false;
    runnel_plugin_cancel((runnel_cancel_handle *)handle);
    return true; /* as libextism: the request was made, whether or not a call was running */
}

bool extism_plugin_config(ExtismPlugin *plugin, const uint8_t *json, ExtismSize json_size)
{
    if (!plugin)
        return false;
    runnel_report r = {0};
    runnel_status st = runnel_plugin_config_update(plugin->p, (const char *)json, json_size, &r);
    runnel_report_clear(&r);
    return st == RUNNEL_OK;
}

bool extism_plugin_function_exists(ExtismPlugin *plugin, const char *func_name)
{
    return plugin && runnel_plugin_function_exists(plugin->p, func_name);
}

int32_t extism_plugin_call(ExtismPlugin *plugin, const char *func_name, const uint8_t *data, ExtismSize data_len)
{
    return extism_plugin_call_with_host_context(plugin, func_name, data, data_len, NULL);
}

int32_t extism_plugin_call_with_host_context(ExtismPlugin *plugin, const char *func_name, const uint8_t *data,
                                             ExtismSize data_len, void *host_context)
{
    if (!plugin)
        return -1;
    return runnel_plugin_call(plugin->p, func_name, data, data ? data_len : 0, host_context);
}

const char *extism_error(ExtismPlugin *plugin) { return extism_plugin_error(plugin); }
const char *extism_plugin_error(ExtismPlugin *plugin) { return plugin ? runnel_plugin_error(plugin->p) : NULL; }

ExtismSize extism_plugin_output_length(ExtismPlugin *plugin)
{
    size_t n = 0;
    if (plugin)
        runnel_plugin_output(plugin->p, &n);
    return n;
}

const uint8_t *extism_plugin_output_data(ExtismPlugin *plugin)
{
    return plugin ? runnel_plugin_output(plugin->p, NULL) : NULL;
}

bool extism_plugin_reset(ExtismPlugin *plugin) { return plugin && runnel_plugin_reset(plugin->p); }

const char *extism_version(void) { return RUNNEL_VERSION; }
