/*
 * plugin.c - compiled plugins, plugins, and Extism's calling convention.
 *
 * A compiled plugin is what can be shared: the manifest, the compiled modules, the host functions and
 * the options. Everything a plugin changes lives in the plugin: its store and instances, Extism
 * memory, config (the host may update it), vars, the last output and error. That split is Extism's
 * (CompiledPlugin / Plugin) and lets an embedder compile once and run many plugins on many threads.
 *
 * Loading checks everything that can be checked without running code, so that a plugin which cannot
 * work fails at load with a message naming the cause: the manifest, each module (decode, validate),
 * and every import of every module against what will be there (extism:host/env, WASI if enabled, the
 * user's host functions, the other modules of the manifest), with signatures.
 *
 * A call follows Extism's runtime (runtime/src/plugin.rs, raw_call; docs/abi-extism.md, "Calling an export"):
 *   1. instantiate on the first call (nothing runs before it), then run the guest's initialiser once:
 *      Haskell (`hs_init`): `_initialize` then hs_init(0, 0); else `__wasm_call_ctors`, else
 *      `_initialize`. The instances then live on, so guest globals persist across calls. A call to
 *      `_start` (a WASI command's entry, which may tear down its runtime) makes the next call start
 *      over with a new store and fresh Extism memory.
 *   2. reset Extism memory, clear the error, copy the input in (empty input: handle 0, length 0);
 *   3. look the export up ("Function not found: NAME", rc -1);
 *   4. run it under the limits, then read output and error from Extism memory and decide the result
 *      with Extism's precedence: fuel; a set error (the guest's text wins over everything else); WASI
 *      exit (0 without an error is success); `oom`; `timeout` (rc 134, as a wasmtime interrupt); a
 *      failing host function (rc -1); a trap (rc 134).
 *
 * Limits. timeout_ms is a wall-clock deadline for the whole call; the engine polls it (and the
 * cancel flag, through runnel_store_interrupt) at function entries and loop back-edges, and the host
 * functions that wait (sleep, HTTP) poll it too. memory.max_pages caps memory growth the way Extism's
 * limiter does: at instantiation the main module's own memory must fit, then the budget is full again
 * and every later growth of any memory of the plugin, Extism memory included, is charged against it.
 * When the budget is exhausted the growing memory.grow returns -1 and the call is interrupted at once,
 * and the call fails with `oom` (Extism's limiter fails the growing instruction itself).
 * runnel_plugin_set_limits changes all of this for the live instance too: the deadline and fuel are
 * read at each call, and a changed max_pages replaces the budget the grow hooks charge at once.
 *
 * Reports. Extism gives a failed call one line of text (the error), and that text is part of the ABI:
 * hosts compare it. The engine knows more: the trap kind and a backtrace with function names and code
 * offsets, which is what a user needs to find the fault. So the plugin keeps the engine's report of the
 * guest code that failed (the export, an initialiser, or instantiation) as the call's report, with its
 * message replaced by the error text, and leaves the error text exactly as Extism words it.
 */
#include "plugin_impl.h"

#include "module.h" /* rn_fail */

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const uint8_t WASM_MAGIC[4] = {0, 'a', 's', 'm'};
/* About 95 years: any longer timeout is this one (and its deadline in nanoseconds still fits 64 bits). */
#define RN_MAX_TIMEOUT_MS 3000000000000u

uint64_t rn_now_ms_mono(void) { return rn_now_ns() / 1000000u; }

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

/* ---------------------------------------------------------------- types as text, for messages */

static const char *type_word(char c)
{
    runnel_valtype t;
    return runnel_valtype_of_letter(c, &t) ? runnel_valtype_name(t) : "?";
}

/* "I:I" -> "(i64) -> i64" */
static void sig_text(const char *sig, char *buf, size_t n)
{
    size_t o = 0;
    o += (size_t)snprintf(buf + o, n - o, "(");
    const char *p = sig ? sig : "";
    bool first = true;
    for (; *p && *p != ':' && o < n; p++, first = false)
        o += (size_t)snprintf(buf + o, n - o, "%s%s", first ? "" : ", ", type_word(*p));
    if (o < n)
        o += (size_t)snprintf(buf + o, n - o, ") -> ");
    if (*p == ':')
        p++;
    if (!*p && o < n)
        snprintf(buf + o, n - o, "()");
    for (first = true; *p && o < n; p++, first = false)
        o += (size_t)snprintf(buf + o, n - o, "%s%s", first ? "" : ", ", type_word(*p));
}

static const char *kind_word(runnel_externkind k)
{
    switch (k) {
    case RUNNEL_EXTERN_FUNC: return "function";
    case RUNNEL_EXTERN_TABLE: return "table";
    case RUNNEL_EXTERN_MEMORY: return "memory";
    case RUNNEL_EXTERN_GLOBAL: return "global";
    }
    return "extern";
}

/* ---------------------------------------------------------------- compiled plugins */

static void compiled_release(runnel_compiled_plugin *c)
{
    for (size_t i = 0; i < c->nmodules; i++) {
        free(c->modules[i].name);
        runnel_module_free(c->modules[i].module);
    }
    free(c->modules);
    for (size_t i = 0; i < c->nfuncs; i++) {
        if (c->funcs[i].free_user)
            c->funcs[i].free_user(c->funcs[i].user);
        free(c->funcs[i].ns);
        free(c->funcs[i].name);
        free(c->funcs[i].params);
        free(c->funcs[i].results);
        free(c->funcs[i].sig);
    }
    free(c->funcs);
    rn_manifest_release(&c->manifest);
    free(c->base_dir);
    free(c->log_file);
    free(c);
}

runnel_compiled_plugin *runnel_compiled_plugin_retain(runnel_compiled_plugin *c)
{
    if (c)
        atomic_fetch_add(&c->refs, 1);
    return c;
}

void runnel_compiled_plugin_free(runnel_compiled_plugin *c)
{
    if (c && atomic_fetch_sub(&c->refs, 1) == 1)
        compiled_release(c);
}

static bool valid_letters(const char *s)
{
    for (; s && *s; s++)
        if (!strchr("iIfFrx", *s))
            return false;
    return s != NULL;
}

static runnel_status copy_functions(runnel_compiled_plugin *c, const runnel_plugin_options *o, runnel_report *r)
{
    if (!o || !o->nfunctions)
        return RUNNEL_OK;
    if (!o->functions)
        return rn_fail(r, RUNNEL_BADARG, 0, "host functions: nfunctions is %zu but functions is NULL", o->nfunctions);
    if (!(c->funcs = calloc(o->nfunctions, sizeof *c->funcs)))
        return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    for (size_t i = 0; i < o->nfunctions; i++) {
        const runnel_plugin_function *f = &o->functions[i];
        const char *params = f->params ? f->params : "", *results = f->results ? f->results : "";
        if (!f->name || !f->fn || !valid_letters(params) || !valid_letters(results) || strlen(params) > 32 ||
            strlen(results) > 32)
            return rn_fail(r, RUNNEL_BADARG, 0,
                           "host function %zu (%s): needs a name, a function and type letters from \"iIfFrx\" (at "
                           "most 32 each)",
                           i, f->name ? f->name : "unnamed");
        rn_func_def *d = &c->funcs[c->nfuncs++];
        d->ns = strdup(f->namespace_ ? f->namespace_ : RUNNEL_PLUGIN_USER_NAMESPACE);
        d->name = strdup(f->name);
        d->params = strdup(params);
        d->results = strdup(results);
        d->sig = malloc(strlen(params) + strlen(results) + 2);
        d->fn = f->fn;
        d->user = f->user;
        if (!d->ns || !d->name || !d->params || !d->results || !d->sig)
            return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
        sprintf(d->sig, "%s:%s", params, results);
    }
    return RUNNEL_OK;
}

static runnel_status compile_module(runnel_compiled_plugin *c, const char *name, const uint8_t *bytes, size_t len,
                                    runnel_report *r)
{
    for (size_t i = 0; i < c->nmodules; i++)
        if (strcmp(c->modules[i].name, name) == 0)
            return rn_fail(r, RUNNEL_BADARG, 0, "Duplicate module name found in Extism manifest: %s", name);
    runnel_report mr = {0};
    /* the compiling tier when asked (docs/compiling.md): the same module, its functions native code */
    runnel_module *m = c->opts.compiled ? runnel_module_compile(bytes, len, c->opts.compile, &mr)
                                        : runnel_module_new(bytes, len, &mr);
    if (!m) {
        runnel_status st;
        if (mr.status == RUNNEL_MALFORMED || mr.status == RUNNEL_INVALID)
            st = rn_fail(r, mr.status, mr.offset, "module %s: %s: %s (at offset 0x%zx)", name,
                         runnel_status_name(mr.status), mr.message ? mr.message : "?", mr.offset);
        else /* the compiler or the cache (RUNNEL_TOOL), memory: no place in the bytes to name */
            st = rn_fail(r, mr.status, 0, "module %s: %s: %s", name, runnel_status_name(mr.status),
                         mr.message ? mr.message : "?");
        runnel_report_clear(&mr);
        return st;
    }
    rn_module_entry *e = &c->modules[c->nmodules++];
    e->module = m;
    if (!(e->name = strdup(name)))
        return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    return RUNNEL_OK;
}

static runnel_status compile_modules(runnel_compiled_plugin *c, runnel_report *r)
{
    rn_manifest *m = &c->manifest;
    if (!(c->modules = calloc(m->nwasm, sizeof *c->modules)))
        return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    /* Extism's naming: one module is always "main"; of several, each keeps its name (default "main"),
       and the last becomes "main" if no other is */
    bool have_main = false;
    for (size_t i = 0; i < m->nwasm; i++) {
        const char *name = m->nwasm == 1 ? "main" : (m->wasm[i].name ? m->wasm[i].name : "main");
        if (i + 1 == m->nwasm && !have_main)
            name = "main";
        runnel_status st = compile_module(c, name, m->wasm[i].bytes, m->wasm[i].len, r);
        if (st != RUNNEL_OK)
            return st;
        if (strcmp(name, "main") == 0) {
            have_main = true;
            c->main_index = c->nmodules - 1;
        }
        /* the bytes are compiled: keep no second copy */
        free(m->wasm[i].bytes);
        m->wasm[i].bytes = NULL;
    }
    return RUNNEL_OK;
}

static const rn_module_entry *module_named(const runnel_compiled_plugin *c, const char *name)
{
    for (size_t i = 0; i < c->nmodules; i++)
        if (strcmp(c->modules[i].name, name) == 0)
            return &c->modules[i];
    return NULL;
}

static const char *wasi_signature(const char *name, char *buf, size_t n)
{
    for (size_t i = 0; i < runnel_wasi_function_count(); i++) {
        const char *fname, *params, *results;
        runnel_wasi_function(i, &fname, &params, &results);
        if (strcmp(fname, name) == 0) {
            snprintf(buf, n, "%s:%s", params, results);
            return buf;
        }
    }
    return NULL;
}

/* Where an import will come from, with the same precedence as at instantiation (a later definition
   shadows an earlier one): the other modules, then user functions, then WASI, then extism:host/env. */
static runnel_status check_import(const runnel_compiled_plugin *c, const rn_module_entry *me, runnel_import_desc d,
                                  runnel_report *r)
{
    char want[160], have[160], wbuf[64];
    sig_text(d.type, want, sizeof want);
    const rn_module_entry *other = module_named(c, d.module);
    if (other && other != me) {
        for (size_t i = 0; i < runnel_module_export_count(other->module); i++) {
            runnel_export_desc e = runnel_module_export(other->module, i);
            if (strcmp(e.name, d.name) != 0)
                continue;
            if (e.kind != d.kind)
                return rn_fail(r, RUNNEL_UNLINKABLE, 0,
                               "module %s: incompatible import type for `%s::%s`: module %s exports a %s, not a %s",
                               me->name, d.module, d.name, other->name, kind_word(e.kind), kind_word(d.kind));
            if (d.kind == RUNNEL_EXTERN_FUNC && strcmp(e.type, d.type) != 0) {
                sig_text(e.type, have, sizeof have);
                return rn_fail(r, RUNNEL_UNLINKABLE, 0,
                               "module %s: incompatible import type for `%s::%s`: expected %s, found %s", me->name,
                               d.module, d.name, want, have);
            }
            return RUNNEL_OK;
        }
        return rn_fail(r, RUNNEL_UNLINKABLE, 0,
                       "module %s: unknown import: `%s::%s` has not been defined (module %s has no such export)",
                       me->name, d.module, d.name, other->name);
    }
    const char *sig = NULL;
    for (size_t i = c->nfuncs; i-- > 0 && !sig;)
        if (strcmp(c->funcs[i].ns, d.module) == 0 && strcmp(c->funcs[i].name, d.name) == 0)
            sig = c->funcs[i].sig;
    if (!sig && c->opts.wasi && strcmp(d.module, RUNNEL_WASI_MODULE) == 0)
        sig = wasi_signature(d.name, wbuf, sizeof wbuf);
    if (!sig && strcmp(d.module, RUNNEL_PLUGIN_ENV_NAMESPACE) == 0) {
        if (d.kind != RUNNEL_EXTERN_FUNC)
            return rn_fail(r, RUNNEL_UNLINKABLE, 0,
                           "module %s: linked modules cannot access non-function exports of extism kernel (%s %s)",
                           me->name, kind_word(d.kind), d.name);
        if (!(sig = rn_kernel_signature(d.name)))
            return rn_fail(r, RUNNEL_UNLINKABLE, 0,
                           "module %s: Invalid function import from extism:host/env: %s %s (this host does not "
                           "provide it; the plugin may need a newer host)",
                           me->name, d.name, want);
    }
    if (!sig) {
        if (d.kind == RUNNEL_EXTERN_FUNC)
            return rn_fail(r, RUNNEL_UNLINKABLE, 0,
                           "module %s: unknown import: `%s::%s` has not been defined (function %s)%s", me->name,
                           d.module, d.name, want,
                           strcmp(d.module, RUNNEL_WASI_MODULE) == 0 && !c->opts.wasi ? "; enable WASI" : "");
        return rn_fail(r, RUNNEL_UNLINKABLE, 0, "module %s: unknown import: `%s::%s` has not been defined (%s)",
                       me->name, d.module, d.name, kind_word(d.kind));
    }
    if (d.kind != RUNNEL_EXTERN_FUNC)
        return rn_fail(r, RUNNEL_UNLINKABLE, 0, "module %s: incompatible import type for `%s::%s`: the host provides "
                       "a function, the module wants a %s", me->name, d.module, d.name, kind_word(d.kind));
    if (strcmp(sig, d.type) != 0) {
        sig_text(sig, have, sizeof have);
        return rn_fail(r, RUNNEL_UNLINKABLE, 0,
                       "module %s: incompatible import type for `%s::%s`: the module wants %s, the host provides %s",
                       me->name, d.module, d.name, want, have);
    }
    return RUNNEL_OK;
}

static bool looks_like_wat(const uint8_t *d, size_t n)
{
    size_t i = 0;
    while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r'))
        i++;
    return (i + 1 < n && d[i] == '(' && (n - i > 7 && memcmp(d + i + 1, "module", 6) == 0)) ||
           (i + 1 < n && d[i] == ';' && d[i + 1] == ';') || (i + 1 < n && d[i] == '(' && d[i + 1] == ';');
}

runnel_compiled_plugin *runnel_compiled_plugin_new(const void *data, size_t len, const runnel_plugin_options *opts,
                                                   runnel_report *r)
{
    if (!data && len) {
        rn_fail(r, RUNNEL_BADARG, 0, "no plugin data");
        return NULL;
    }
    runnel_plugin_options given;
    if (!rn_options_read(&given, sizeof given, opts, RN_OPTIONS_V1(runnel_plugin_options, max_call_depth))) {
        rn_fail(r, RUNNEL_BADARG, 0, "runnel_plugin_options: a size this library cannot read (%zu)", opts->size);
        return NULL;
    }
    opts = &given;
    runnel_compiled_plugin *c = calloc(1, sizeof *c);
    if (!c) {
        rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
        return NULL;
    }
    atomic_init(&c->refs, 1);
    if (opts) {
        c->opts = *opts;
        c->opts.functions = NULL;
        c->opts.nfunctions = 0;
        c->opts.base_dir = c->opts.log_file = NULL;
    }
    runnel_status st = RUNNEL_OK;
    if (opts && ((opts->base_dir && !(c->base_dir = strdup(opts->base_dir))) ||
                 (opts->log_file && !(c->log_file = strdup(opts->log_file)))))
        st = rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    if (st == RUNNEL_OK)
        st = copy_functions(c, opts, r);
    const uint8_t *bytes = data ? data : (const uint8_t *)"";
    if (st == RUNNEL_OK) {
        if (len >= 4 && memcmp(bytes, WASM_MAGIC, 4) == 0) {
            /* raw wasm: one module, no manifest (so Extism's defaults) */
            memset(&c->manifest, 0, sizeof c->manifest);
            c->manifest.max_var_bytes = 1024 * 1024;
            if (!(c->modules = calloc(1, sizeof *c->modules)))
                st = rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
            else
                st = compile_module(c, "main", bytes, len, r);
        } else if (looks_like_wat(bytes, len)) {
            st = rn_fail(r, RUNNEL_MALFORMED, 0,
                         "this is the WebAssembly text format; runnel loads binary modules (compile it with wat2wasm)");
        } else if (len == 0) {
            st = rn_fail(r, RUNNEL_BADARG, 0, "empty plugin: neither a wasm module nor a manifest");
        } else {
            rn_fetch_limits fetch = {opts ? opts->fetch_connect_timeout_ms : 0, opts ? opts->fetch_timeout_ms : 0};
            st = rn_manifest_parse(&c->manifest, (const char *)bytes, len, c->base_dir,
                                   opts && opts->allow_network_sources, &fetch, r);
            if (st == RUNNEL_OK)
                st = compile_modules(c, r);
        }
    }
    if (st == RUNNEL_OK && !module_named(c, "main"))
        st = rn_fail(r, RUNNEL_BADARG, 0, "No main module provided");
    for (size_t i = 0; st == RUNNEL_OK && i < c->nmodules; i++) {
        const rn_module_entry *me = &c->modules[i];
        for (size_t k = 0; st == RUNNEL_OK && k < runnel_module_import_count(me->module); k++)
            st = check_import(c, me, runnel_module_import(me->module, k), r);
    }
    c->opts.compile = NULL; /* the caller's, used only while the modules were made */
    if (st != RUNNEL_OK) {
        compiled_release(c);
        return NULL;
    }
    /* the finalizers only now: a failed compile leaves each user to its caller */
    for (size_t i = 0; i < c->nfuncs; i++)
        c->funcs[i].free_user = opts->functions[i].free_user;
    return c;
}

/* ---------------------------------------------------------------- plugins */

static bool xmem_grow(void *user, uint64_t bytes) { return rn_plugin_charge(user, bytes); }

bool rn_plugin_charge(runnel_plugin *p, uint64_t bytes)
{
    if (!p->has_budget)
        return true;
    if (bytes > p->budget_left) {
        p->oom = true;
        return false;
    }
    p->budget_left -= bytes;
    return true;
}

static bool grow_hook(void *user, runnel_memory *mem, uint64_t old_pages, uint64_t new_pages)
{
    (void)mem;
    runnel_plugin *p = user;
    if (rn_plugin_charge(p, (new_pages - old_pages) * RUNNEL_PAGE_SIZE))
        return true;
    /* Extism's limiter makes the growing instruction fail the call: stop at the next poll */
    runnel_store_interrupt(p->is.store);
    return false;
}

/* Tables are host memory the guest grows too (a module may declare many, each up to the engine's
   max_table_elems), so their growth is charged to the same budget; Extism leaves tables uncounted, but
   Extism's plugins do not grow tables, so the budget's `oom` point for them is unchanged. */
static bool table_grow_hook(void *user, runnel_table *t, uint64_t old_elems, uint64_t new_elems)
{
    (void)t;
    runnel_plugin *p = user;
    if (rn_plugin_charge(p, (new_elems - old_elems) * RUNNEL_TABLE_ELEM_BYTES))
        return true;
    runnel_store_interrupt(p->is.store);
    return false;
}

bool rn_plugin_should_stop(runnel_plugin *p)
{
    if (p->deadline_ns && rn_now_ns() >= p->deadline_ns)
        return true;
    pthread_mutex_lock(&p->cancel->mu);
    bool c = p->cancel->cancelled;
    pthread_mutex_unlock(&p->cancel->mu);
    return c;
}

static void instance_set_release(runnel_plugin *p)
{
    rn_instance_set *is = &p->is;
    /* a canceller on another thread must not reach the store once it is gone */
    pthread_mutex_lock(&p->cancel->mu);
    p->cancel->store = NULL;
    pthread_mutex_unlock(&p->cancel->mu);
    if (is->store)
        runnel_store_free(is->store);
    for (size_t i = 0; is->linkers && i < p->c->nmodules; i++)
        if (is->linkers[i])
            runnel_linker_free(is->linkers[i]);
    free(is->linkers);
    if (is->wasi)
        runnel_wasi_free(is->wasi);
    free(is->inst);
    memset(is, 0, sizeof *is);
}

static runnel_status setup_wasi(runnel_plugin *p, runnel_report *r)
{
    const runnel_compiled_plugin *c = p->c;
    runnel_wasi *w = p->is.wasi = runnel_wasi_new();
    if (!w)
        return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    if (c->opts.wasi_inherit_stdio) {
        runnel_wasi_set_stdout(w, RUNNEL_WASI_STDIO_INHERIT);
        runnel_wasi_set_stderr(w, RUNNEL_WASI_STDIO_INHERIT);
    }
    for (size_t i = 0; i < c->manifest.nallowed_paths; i++) {
        const char *host = c->manifest.allowed_paths[i].key, *guest = c->manifest.allowed_paths[i].value;
        bool ro = strncmp(host, "ro:", 3) == 0;
        if (ro)
            host += 3;
        char *full = NULL;
        if (c->base_dir && host[0] != '/') {
            size_t n = strlen(c->base_dir) + strlen(host) + 2;
            if (!(full = malloc(n)))
                return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
            snprintf(full, n, "%s/%s", c->base_dir, host);
        }
        runnel_report wr = {0};
        runnel_status st = runnel_wasi_preopen(w, full ? full : host, guest, ro, &wr);
        free(full);
        if (st != RUNNEL_OK) {
            rn_fail(r, st, 0, "allowed_paths: cannot grant %s as %s: %s", host, guest, wr.message ? wr.message : "?");
            runnel_report_clear(&wr);
            return st;
        }
    }
    return RUNNEL_OK;
}

/* The linker for module i: the host's functions, then (shadowing them, as in Extism) the modules of
   the manifest instantiated so far, under their names. */
static runnel_status make_linker(runnel_plugin *p, size_t i)
{
    rn_instance_set *is = &p->is;
    runnel_linker *l = is->linkers[i] = runnel_linker_new();
    if (!l)
        return RUNNEL_NOMEM;
    runnel_status st = rn_kernel_define(p, l);
    if (st == RUNNEL_OK && is->wasi)
        st = runnel_wasi_define(is->wasi, l);
    if (st == RUNNEL_OK)
        st = rn_user_funcs_define(p, l);
    for (size_t k = 0; st == RUNNEL_OK && k < p->c->nmodules; k++)
        if (k != i && is->inst[k])
            st = runnel_linker_define_instance(l, p->c->modules[k].name, is->inst[k]);
    return st;
}

/* A new store, linker (and WASI context) and fresh Extism memory: what instantiation needs. */
static runnel_status instance_set_make(runnel_plugin *p, runnel_report *r)
{
    instance_set_release(p);
    rn_xmem_release(&p->xmem);
    rn_xmem_init(&p->xmem, xmem_grow, p);
    rn_instance_set *is = &p->is;
    runnel_config cfg = {.size = sizeof(runnel_config), .stack_bytes = p->c->opts.stack_bytes, .max_call_depth = p->c->opts.max_call_depth};
    if (!(is->store = runnel_store_new(&cfg)) || !(is->linkers = calloc(p->c->nmodules, sizeof *is->linkers)) ||
        !(is->inst = calloc(p->c->nmodules, sizeof *is->inst)))
        return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    runnel_store_set_grow_hook(is->store, grow_hook, p);
    runnel_store_set_table_grow_hook(is->store, table_grow_hook, p);
    p->has_budget = p->limits.has_max_pages;
    p->budget_left = (uint64_t)p->limits.max_pages * RUNNEL_PAGE_SIZE;
    return p->c->opts.wasi ? setup_wasi(p, r) : RUNNEL_OK;
}

static void random_id(uint8_t id[16])
{
    if (getentropy(id, 16) != 0) {
        /* no entropy source: still unique within the process, which is what an id is used for */
        uint64_t t = rn_now_ns() ^ (uint64_t)(uintptr_t)id;
        for (int i = 0; i < 16; i++, t = t * 6364136223846793005u + 1442695040888963407u)
            id[i] = (uint8_t)(t >> 56);
    }
    id[6] = (uint8_t)((id[6] & 0x0F) | 0x40); /* UUID version 4 (RFC 4122 4.4) */
    id[8] = (uint8_t)((id[8] & 0x3F) | 0x80); /* variant 10 */
}

static runnel_cancel_handle *cancel_handle_new(void);

runnel_plugin *runnel_plugin_new_from_compiled(runnel_compiled_plugin *c, runnel_report *r)
{
    if (!c) {
        rn_fail(r, RUNNEL_BADARG, 0, "no compiled plugin");
        return NULL;
    }
    runnel_plugin *p = calloc(1, sizeof *p);
    runnel_cancel_handle *h = p ? cancel_handle_new() : NULL;
    if (!h) {
        free(p);
        rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
        return NULL;
    }
    atomic_fetch_add(&c->refs, 1);
    p->c = c;
    p->cancel = h;
    random_id(p->id);
    rn_xmem_init(&p->xmem, xmem_grow, p);
    const rn_manifest *m = &c->manifest;
    p->limits = (runnel_plugin_limits){
        .timeout_ms = m->timeout_ms,
        .has_max_pages = m->has_max_pages,
        .max_pages = m->max_pages,
        .max_var_bytes = m->max_var_bytes,
        .max_http_response_bytes = m->has_http_max ? m->max_http_response_bytes : 50u * 1024 * 1024,
        .fuel = c->opts.fuel,
    };
    p->http_headers_enabled = c->opts.http_response_headers;
    p->log_level = c->opts.has_log_level ? c->opts.log_level : rn_log_level_from_env();
    p->log_fn = c->opts.log_fn;
    p->log_user = c->opts.log_user;
    runnel_status st = RUNNEL_OK;
    if (c->log_file && !(p->log_file = fopen(c->log_file, "a")))
        st = rn_fail(r, RUNNEL_BADARG, 0, "cannot open log file %s: %s", c->log_file, strerror(errno));
    if (st == RUNNEL_OK && m->nconfig && !(p->config = calloc(m->nconfig, sizeof *p->config)))
        st = rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    for (size_t i = 0; st == RUNNEL_OK && i < m->nconfig; i++) {
        p->config[i].key = strdup(m->config[i].key);
        p->config[i].value = strdup(m->config[i].value);
        p->nconfig++;
        if (!p->config[i].key || !p->config[i].value)
            st = rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    }
    if (st == RUNNEL_OK && c->nfuncs && !(p->bindings = calloc(c->nfuncs, sizeof *p->bindings)))
        st = rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    for (size_t i = 0; st == RUNNEL_OK && i < c->nfuncs; i++)
        p->bindings[i] = (rn_host_binding){.p = p, .def = &c->funcs[i]};
    if (st == RUNNEL_OK)
        st = instance_set_make(p, r); /* grants (allowed_paths) fail here, not at the first call */
    if (st != RUNNEL_OK) {
        runnel_plugin_free(p);
        return NULL;
    }
    return p;
}

runnel_plugin *runnel_plugin_new(const void *data, size_t len, const runnel_plugin_options *opts, runnel_report *r)
{
    runnel_compiled_plugin *c = runnel_compiled_plugin_new(data, len, opts, r);
    if (!c)
        return NULL;
    runnel_plugin *p = runnel_plugin_new_from_compiled(c, r);
    runnel_compiled_plugin_free(c);
    return p;
}

void runnel_plugin_free(runnel_plugin *p)
{
    if (!p)
        return;
    instance_set_release(p);
    rn_xmem_release(&p->xmem);
    for (size_t i = 0; i < p->nconfig; i++) {
        free(p->config[i].key);
        free(p->config[i].value);
    }
    free(p->config);
    for (size_t i = 0; i < p->nvars; i++) {
        free(p->vars[i].key);
        free(p->vars[i].value);
    }
    free(p->vars);
    free(p->bindings);
    free(p->error);
    runnel_report_clear(&p->last_report);
    free(p->host_fail_msg);
    free(p->http_headers_json);
    free(p->name);
    if (p->log_file)
        fclose(p->log_file);
    pthread_mutex_lock(&p->cancel->mu); /* a retained handle outlives the plugin: nothing runs any more */
    p->cancel->running = false;
    p->cancel->store = NULL;
    pthread_mutex_unlock(&p->cancel->mu);
    runnel_cancel_handle_release(p->cancel);
    runnel_compiled_plugin_free(p->c);
    free(p);
}

void runnel_plugin_set_name(runnel_plugin *p, const char *name)
{
    if (!p)
        return;
    char *n = xstrdup(name);
    free(p->name);
    p->name = n;
}

const char *runnel_plugin_name(const runnel_plugin *p) { return p && p->name ? p->name : "main"; }
const uint8_t *runnel_plugin_id(const runnel_plugin *p) { return p ? p->id : NULL; }

/* ---------------------------------------------------------------- running guest code */

/* Calls f with the time that is left; a suspended call (timeout, cancel, fuel) is dropped. */
static runnel_status engine_call(runnel_plugin *p, runnel_func *f, const runnel_val *args, size_t nargs,
                                 runnel_val *results, size_t nresults, runnel_report *rep)
{
    if (rn_plugin_should_stop(p)) {
        p->timed_out = true;
        return rn_fail(rep, RUNNEL_SUSPENDED, 0, "timeout");
    }
    uint64_t ms = 0;
    if (p->deadline_ns) {
        uint64_t now = rn_now_ns();
        ms = now >= p->deadline_ns ? 1 : (p->deadline_ns - now + 999999) / 1000000;
    }
    runnel_store_set_timeout(p->is.store, ms);
    runnel_status st = runnel_call(f, args, nargs, results, nresults, rep);
    if (st == RUNNEL_SUSPENDED)
        runnel_abandon(p->is.store);
    return st;
}

/* Makes rep, the engine's report of guest code that failed, the call's report (moved: rep is left empty). */
static void keep_report(runnel_plugin *p, runnel_report *rep)
{
    runnel_report_clear(&p->last_report);
    p->last_report = *rep;
    memset(rep, 0, sizeof *rep);
}

/* Makes the call's report agree with its outcome: all zero on success; on failure the error text as its
   message, and a status that is never RUNNEL_OK: that of the guest code that failed if any, else the
   call's st, else RUNNEL_TRAP after a memory limit, else RUNNEL_BADARG (the guest set an error and
   returned normally, or the host refused the call). */
static void settle_report(runnel_plugin *p, runnel_status st, const char *err)
{
    runnel_report *lr = &p->last_report;
    if (!err) {
        runnel_report_clear(lr);
        return;
    }
    free(lr->message);
    lr->message = strdup(err);
    if (lr->status == RUNNEL_OK)
        lr->status = st != RUNNEL_OK ? st : p->oom ? RUNNEL_TRAP : RUNNEL_BADARG;
}

/* A guest failure's text, with Extism's precedence for the special ones. Sets *rc. */
static char *failure_text(runnel_plugin *p, runnel_status st, const runnel_report *rep, int32_t *rc)
{
    char buf[600];
    if (st == RUNNEL_SUSPENDED && rep->trap == RUNNEL_TRAP_OUT_OF_FUEL && !p->oom) {
        *rc = -1;
        return strdup("plugin ran out of fuel");
    }
    if (st == RUNNEL_EXIT) {
        *rc = (int32_t)rep->exit_code;
        snprintf(buf, sizeof buf, "Exited with i32 exit status %d", rep->exit_code);
        return rep->exit_code == 0 ? NULL : strdup(buf);
    }
    if (p->oom) {
        *rc = -1;
        return strdup("oom");
    }
    if (p->timed_out || (st == RUNNEL_SUSPENDED && rep->trap == RUNNEL_TRAP_INTERRUPTED)) {
        *rc = 134; /* a wasmtime interrupt is a trap */
        return strdup("timeout");
    }
    if (p->host_failed) {
        *rc = -1;
        return strdup(p->host_fail_msg ? p->host_fail_msg : "host function failed");
    }
    *rc = st == RUNNEL_TRAP ? 134 : -1;
    return strdup(rep->message ? rep->message : runnel_status_name(st));
}

/* Runs an initialiser; on failure fills *err and *rc and returns false. */
static bool run_init(runnel_plugin *p, runnel_func *f, const char *what, bool haskell_args, char **err, int32_t *rc)
{
    runnel_report rep = {0};
    /* hs_init(argc, argv) is called as hs_init(0, 0); results, if any, are ignored */
    runnel_val args[2] = {RUNNEL_I32(0), RUNNEL_I32(0)}, res[4];
    size_t nr = runnel_func_result_count(f);
    runnel_status st = engine_call(p, f, haskell_args ? args : NULL, haskell_args ? 2 : 0, res, nr > 4 ? 4 : nr, &rep);
    if (st == RUNNEL_OK && p->oom)
        st = RUNNEL_TRAP;
    if (st == RUNNEL_OK || (st == RUNNEL_EXIT && rep.exit_code == 0)) {
        runnel_report_clear(&rep);
        return true;
    }
    char *t = failure_text(p, st, &rep, rc);
    keep_report(p, &rep); /* where the initialiser failed */
    if (t && strcmp(t, "timeout") && strcmp(t, "oom") && strcmp(t, "plugin ran out of fuel")) {
        size_t n = strlen(t) + strlen(what) + 3;
        char *m = malloc(n);
        if (m)
            snprintf(m, n, "%s: %s", what, t);
        free(t);
        t = m;
    }
    *err = t ? t : strdup(what);
    *rc = -1; /* Extism fails instantiation, initialisers included, with -1 */
    return false;
}

static bool func_type_is(runnel_func *f, size_t np, size_t nr)
{
    return f && runnel_func_param_count(f) == np && runnel_func_result_count(f) == nr;
}

/* The main module's initialiser, detected as Extism's detect_guest_runtime does. */
static bool init_main(runnel_plugin *p, runnel_instance *main, char **err, int32_t *rc)
{
    runnel_func *hs = runnel_instance_func(main, "hs_init");
    if (hs) {
        runnel_func *ri = runnel_instance_func(main, "_initialize");
        if (func_type_is(ri, 0, 0) && !run_init(p, ri, "failed to initialize Haskell reactor runtime", false, err, rc))
            return false;
        if (!run_init(p, hs, "failed to initialize Haskell using hs_init", true, err, rc))
            return false;
        rn_plugin_log(p, RUNNEL_LOG_DEBUG, "initialized Haskell language runtime", 36);
        return true;
    }
    runnel_func *f = runnel_instance_func(main, "__wasm_call_ctors");
    if (!f)
        f = runnel_instance_func(main, "_initialize");
    if (!f || !func_type_is(f, 0, 0))
        return true;
    return run_init(p, f, "failed to initialize wasi runtime", false, err, rc);
}

/* Instantiates module i after the modules it imports from (the manifest's linking by name). */
static bool instantiate_one(runnel_plugin *p, size_t i, unsigned depth, char **err, int32_t *rc)
{
    const runnel_compiled_plugin *c = p->c;
    rn_instance_set *is = &p->is;
    if (is->inst[i])
        return true;
    if (depth > c->nmodules) {
        *err = strdup("the manifest's modules import from each other in a cycle");
        *rc = -1;
        return false;
    }
    const rn_module_entry *me = &c->modules[i];
    bool own_memory = true;
    for (size_t k = 0; k < runnel_module_import_count(me->module); k++) {
        runnel_import_desc d = runnel_module_import(me->module, k);
        if (d.kind == RUNNEL_EXTERN_MEMORY)
            own_memory = false;
        const rn_module_entry *dep = module_named(c, d.module);
        if (dep && dep != me && !instantiate_one(p, (size_t)(dep - c->modules), depth + 1, err, rc))
            return false;
    }
    runnel_report rep = {0};
    uint64_t ms = 0;
    if (p->deadline_ns) {
        uint64_t now = rn_now_ns();
        ms = now >= p->deadline_ns ? 1 : (p->deadline_ns - now + 999999) / 1000000;
    }
    runnel_store_set_timeout(is->store, ms); /* a start function runs under the same deadline */
    if (make_linker(p, i) != RUNNEL_OK) {
        *err = strdup("cannot define the host functions (out of memory)");
        *rc = -1;
        return false;
    }
    runnel_instance *inst = runnel_instantiate(is->store, me->module, is->linkers[i], &rep);
    if (!inst) {
        char buf[700];
        snprintf(buf, sizeof buf, "cannot instantiate module %s: %s", me->name, rep.message ? rep.message : "?");
        *err = strdup(p->oom ? "oom" : buf);
        *rc = -1;
        keep_report(p, &rep); /* a start function's trap has a backtrace */
        return false;
    }
    is->inst[i] = inst;
    bool is_main = i == c->main_index;
    if (is_main) {
        /* Extism's limiter at instantiation: the main module's own memory must fit the budget; then the
           budget is full again for what the plugin grows from here on. The modules' declared tables had
           to fit it on their own (the table hook, while instantiating): Extism does not count tables, so
           they are not added to the memory's check, whose `oom` point stays Extism's */
        p->budget_left = (uint64_t)p->limits.max_pages * RUNNEL_PAGE_SIZE;
        runnel_memory *mem = runnel_instance_memory(inst, NULL);
        if (mem && own_memory && !rn_plugin_charge(p, runnel_memory_size(mem))) {
            *err = strdup("oom");
            *rc = -1;
            return false;
        }
        p->budget_left = (uint64_t)p->limits.max_pages * RUNNEL_PAGE_SIZE;
        return init_main(p, inst, err, rc);
    }
    /* a linked reactor module is initialised as wasmtime's Linker::module does: `_initialize` */
    runnel_func *f = runnel_instance_func(inst, "_initialize");
    if (func_type_is(f, 0, 0)) {
        char what[200];
        snprintf(what, sizeof what, "failed to initialize module %s", me->name);
        return run_init(p, f, what, false, err, rc);
    }
    return true;
}

static bool ensure_instances(runnel_plugin *p, char **err, int32_t *rc)
{
    if (p->needs_reset) {
        runnel_report rep = {0};
        if (instance_set_make(p, &rep) != RUNNEL_OK) {
            *err = strdup(rep.message ? rep.message : "cannot make a new instance");
            *rc = -1;
            keep_report(p, &rep);
            return false;
        }
        p->needs_reset = false;
    }
    pthread_mutex_lock(&p->cancel->mu);
    p->cancel->store = p->is.store;
    pthread_mutex_unlock(&p->cancel->mu);
    /* fuel is a budget per call, initialisers included (as Extism sets it before instantiating) */
    if (p->limits.fuel)
        runnel_store_set_fuel(p->is.store, p->limits.fuel);
    else
        runnel_store_unlimited_fuel(p->is.store);
    if (p->is.ready)
        return true;
    for (size_t i = 0; i < p->c->nmodules; i++)
        if (!instantiate_one(p, i, 0, err, rc)) {
            p->needs_reset = true; /* half made: start over next time */
            return false;
        }
    p->is.ready = true;
    return true;
}

static void finish_output(runnel_plugin *p)
{
    rn_xmem *x = &p->xmem;
    const uint8_t *o = x->output_length ? rn_xmem_range(x, x->output_offset, x->output_length) : NULL;
    p->out = o ? o : (const uint8_t *)"";
    p->out_len = o ? (size_t)x->output_length : 0;
}

static int32_t fail_call(runnel_plugin *p, int32_t rc, const char *msg)
{
    free(p->error);
    p->error = msg ? strdup(msg) : NULL;
    p->rc = rc;
    return rc;
}

int32_t runnel_plugin_call(runnel_plugin *p, const char *func, const void *input, size_t len, void *host_context)
{
    if (!p)
        return -1;
    if (p->in_call)
        return fail_call(p, -1, "cannot make reentrant calls into plugin");
    runnel_report_clear(&p->last_report); /* not before: a refused re-entrant call leaves the running one's */
    if (!func) {
        fail_call(p, -1, "no function name");
        settle_report(p, RUNNEL_BADARG, p->error);
        return -1;
    }
    free(p->error);
    p->error = NULL;
    p->out = (const uint8_t *)"";
    p->out_len = 0;
    p->in_call = true;
    p->host_context = host_context;
    p->oom = p->host_failed = p->timed_out = false;
    free(p->host_fail_msg);
    p->host_fail_msg = NULL;
    /* a timeout of centuries is cut to one (RN_MAX_TIMEOUT_MS), so that deadlines in ns cannot wrap round */
    uint64_t timeout_ms = p->limits.timeout_ms < RN_MAX_TIMEOUT_MS ? p->limits.timeout_ms : RN_MAX_TIMEOUT_MS;
    p->deadline_ns = timeout_ms ? rn_now_ns() + timeout_ms * 1000000u : 0;
    pthread_mutex_lock(&p->cancel->mu);
    p->cancel->running = true;
    p->cancel->cancelled = false;
    p->cancel->generation++;
    p->cancel->store = p->is.store;
    pthread_mutex_unlock(&p->cancel->mu);

    char *err = NULL;
    int32_t rc = 0;
    runnel_report rep = {0};
    runnel_status st = RUNNEL_OK;
    if (!ensure_instances(p, &err, &rc))
        goto done;

    /* 2. fresh Extism memory, no error, the input */
    rn_xmem_reset(&p->xmem);
    rn_xmem_error_set(&p->xmem, 0);
    if (len) {
        uint64_t h = input ? rn_xmem_new(&p->xmem, input, len) : 0;
        if (!h) {
            err = strdup(p->oom ? "oom" : "the input does not fit in Extism memory");
            rc = -1;
            goto done;
        }
        rn_xmem_input_set(&p->xmem, h, len);
    }

    /* 3. the export */
    runnel_func *f = runnel_instance_func(p->is.inst[p->c->main_index], func);
    if (!f) {
        size_t n = strlen(func) + 32;
        if ((err = malloc(n)))
            snprintf(err, n, "Function not found: %s", func);
        rc = -1;
        goto done;
    }
    size_t nres = runnel_func_result_count(f), npar = runnel_func_param_count(f);
    if (nres > 1 || npar > 0) {
        char buf[300];
        if (nres > 1)
            snprintf(buf, sizeof buf, "Function %.200s has %zu results, expected 0 or 1", func, nres);
        else
            snprintf(buf, sizeof buf, "Function %.200s has %zu parameters, expected 0", func, npar);
        err = strdup(buf);
        rc = -1;
        goto done;
    }

    /* 4. run */
    runnel_val result[1] = {RUNNEL_I32(0)};
    st = engine_call(p, f, NULL, 0, result, nres, &rep);
    if (strcmp(func, "_start") == 0)
        p->needs_reset = true;
    uint64_t eh = p->xmem.error;
    uint64_t elen = eh ? rn_xmem_length(&p->xmem, eh) : 0;
    bool fuel_out = st == RUNNEL_SUSPENDED && rep.trap == RUNNEL_TRAP_OUT_OF_FUEL && !p->oom;
    if (st == RUNNEL_OK && p->oom) /* Extism fails the growing instruction; the guest got -1 and went on */
        st = RUNNEL_TRAP;
    if (st == RUNNEL_OK)
        rc = nres == 0 ? 0 : (result[0].type == RUNNEL_TYPE_I32 ? result[0].of.i32 : -1);
    if (!fuel_out && elen) {
        /* the guest's error text wins; a failed run keeps rc -1 */
        const uint8_t *e = rn_xmem_range(&p->xmem, eh, elen);
        if ((err = malloc((size_t)elen + 1))) {
            memcpy(err, e, (size_t)elen);
            err[elen] = 0;
        }
        if (st != RUNNEL_OK)
            rc = -1;
    } else if (st != RUNNEL_OK)
        err = failure_text(p, st, &rep, &rc);

done:
    finish_output(p);
    if (rep.status != RUNNEL_OK)
        keep_report(p, &rep); /* the export's failure: trap kind and backtrace */
    runnel_report_clear(&rep);
    settle_report(p, st, err);
    pthread_mutex_lock(&p->cancel->mu);
    p->cancel->running = false;
    p->cancel->store = NULL;
    pthread_mutex_unlock(&p->cancel->mu);
    p->host_context = NULL;
    p->deadline_ns = 0;
    p->in_call = false;
    free(p->error); /* a refused re-entrant call may have left its message */
    p->error = err;
    p->rc = rc;
    if (err)
        rn_plugin_log(p, RUNNEL_LOG_DEBUG, err, strlen(err));
    return rc;
}

const uint8_t *runnel_plugin_output(const runnel_plugin *p, size_t *len)
{
    if (len)
        *len = p && p->out ? p->out_len : 0;
    return p && p->out ? p->out : (const uint8_t *)"";
}

const char *runnel_plugin_error(const runnel_plugin *p) { return p ? p->error : NULL; }

const runnel_report *runnel_plugin_last_report(const runnel_plugin *p) { return p ? &p->last_report : NULL; }

bool runnel_plugin_function_exists(const runnel_plugin *p, const char *func)
{
    if (!p || !func)
        return false;
    const runnel_module *m = p->c->modules[p->c->main_index].module;
    for (size_t i = 0; i < runnel_module_export_count(m); i++) {
        runnel_export_desc e = runnel_module_export(m, i);
        if (e.kind == RUNNEL_EXTERN_FUNC && strcmp(e.name, func) == 0)
            return e.type && (strcmp(e.type, ":") == 0 || strcmp(e.type, ":i") == 0);
    }
    return false;
}

bool runnel_plugin_reset(runnel_plugin *p)
{
    if (!p || p->in_call)
        return false;
    rn_xmem_reset(&p->xmem);
    p->out = (const uint8_t *)"";
    p->out_len = 0;
    return true;
}

/* ---------------------------------------------------------------- cancel */

/* The handle is its own reference-counted object rather than part of the plugin, so that a canceller
   on another thread that retained it can never touch freed memory: once the plugin is gone, the handle
   says no call is running (running is false and the store NULL, set under the mutex before the store
   is freed) and runnel_plugin_cancel returns false. */
runnel_cancel_handle *runnel_plugin_cancel_handle(runnel_plugin *p) { return p ? p->cancel : NULL; }

runnel_cancel_handle *runnel_cancel_handle_retain(runnel_cancel_handle *h)
{
    if (h)
        atomic_fetch_add(&h->refs, 1);
    return h;
}

void runnel_cancel_handle_release(runnel_cancel_handle *h)
{
    if (!h || atomic_fetch_sub(&h->refs, 1) != 1)
        return;
    pthread_mutex_destroy(&h->mu);
    free(h);
}

static runnel_cancel_handle *cancel_handle_new(void)
{
    runnel_cancel_handle *h = calloc(1, sizeof *h);
    if (h) {
        pthread_mutex_init(&h->mu, NULL);
        atomic_init(&h->refs, 1);
    }
    return h;
}

/* The engine clears a store's interrupt flag when a call starts, so an interrupt that lands between the
   plugin's own check of the cancel flag and the start of an engine call would be lost. The canceller
   therefore repeats the interrupt a few times, 1 ms apart, for as long as the same call is running:
   the window is a few instructions wide, so the second interrupt already closes it, and a call that
   ends stops the repeats. */
bool runnel_plugin_cancel(runnel_cancel_handle *h)
{
    if (!h)
        return false;
    pthread_mutex_lock(&h->mu);
    bool running = h->running;
    uint64_t gen = h->generation;
    if (running) {
        h->cancelled = true;
        if (h->store)
            runnel_store_interrupt(h->store);
    }
    pthread_mutex_unlock(&h->mu);
    for (int i = 0; running && i < 4; i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
        pthread_mutex_lock(&h->mu);
        bool same = h->running && h->generation == gen;
        if (same && h->store)
            runnel_store_interrupt(h->store);
        pthread_mutex_unlock(&h->mu);
        if (!same)
            break;
    }
    return running;
}

/* ---------------------------------------------------------------- config */

static rn_kv *config_find(const runnel_plugin *p, const char *key)
{
    for (size_t i = 0; i < p->nconfig; i++)
        if (strcmp(p->config[i].key, key) == 0)
            return &p->config[i];
    return NULL;
}

runnel_status runnel_plugin_config_set(runnel_plugin *p, const char *key, const char *value)
{
    if (!p || !key)
        return RUNNEL_BADARG;
    rn_kv *kv = config_find(p, key);
    if (!value) {
        if (kv) {
            free(kv->key);
            free(kv->value);
            *kv = p->config[--p->nconfig];
        }
        return RUNNEL_OK;
    }
    char *v = strdup(value);
    if (!v)
        return RUNNEL_NOMEM;
    if (kv) {
        free(kv->value);
        kv->value = v;
        return RUNNEL_OK;
    }
    rn_kv *n = realloc(p->config, (p->nconfig + 1) * sizeof *n);
    char *k = strdup(key);
    if (!n || !k) {
        free(v);
        free(k);
        if (n)
            p->config = n;
        return RUNNEL_NOMEM;
    }
    p->config = n;
    p->config[p->nconfig++] = (rn_kv){k, v};
    return RUNNEL_OK;
}

const char *runnel_plugin_config_get(const runnel_plugin *p, const char *key)
{
    const rn_kv *kv = p && key ? config_find(p, key) : NULL;
    return kv ? kv->value : NULL;
}

runnel_status runnel_plugin_config_update(runnel_plugin *p, const char *json, size_t len, runnel_report *r)
{
    if (!p || (!json && len))
        return rn_fail(r, RUNNEL_BADARG, 0, "no plugin or no JSON");
    json_error_t jerr;
    json_t *obj = json_loadb(json ? json : "", len, 0, &jerr);
    if (!obj || !json_is_object(obj)) {
        runnel_status st = rn_fail(r, RUNNEL_BADARG, 0, "config: %s", obj ? "not a JSON object" : jerr.text);
        json_decref(obj);
        return st;
    }
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        if (!json_is_string(v) && !json_is_null(v)) {
            runnel_status st = rn_fail(r, RUNNEL_BADARG, 0, "config: the value of `%s` must be a string or null", key);
            json_decref(obj); /* key belongs to obj */
            return st;
        }
    }
    runnel_status st = RUNNEL_OK;
    json_object_foreach(obj, key, v) {
        if (st == RUNNEL_OK)
            st = runnel_plugin_config_set(p, key, json_is_null(v) ? NULL : json_string_value(v));
    }
    json_decref(obj);
    return st == RUNNEL_OK ? RUNNEL_OK : rn_fail(r, st, 0, "out of memory");
}

/* ---------------------------------------------------------------- vars */

const rn_var *rn_plugin_find_var(const runnel_plugin *p, const uint8_t *key, size_t klen)
{
    for (size_t i = 0; i < p->nvars; i++)
        if (p->vars[i].klen == klen && (klen == 0 || memcmp(p->vars[i].key, key, klen) == 0))
            return &p->vars[i];
    return NULL;
}

/* Extism's accounting (pdk.rs var_set): 48 bytes per entry (a Rust String and Vec) plus keys and
   values, counting the existing entry of the same key too. why != NULL: enforce the limit. */
runnel_status rn_plugin_set_var(runnel_plugin *p, const uint8_t *key, size_t klen, const uint8_t *v, size_t vlen,
                                const char **why)
{
    rn_var *old = (rn_var *)rn_plugin_find_var(p, key, klen);
    if (!v) {
        if (old) {
            free(old->key);
            free(old->value);
            *old = p->vars[--p->nvars];
        }
        return RUNNEL_OK;
    }
    if (why) {
        uint64_t size = 48 + (uint64_t)klen + vlen;
        for (size_t i = 0; i < p->nvars; i++)
            size += 48 + (uint64_t)p->vars[i].klen + p->vars[i].vlen;
        if (size > p->limits.max_var_bytes) {
            *why = "Variable store is full";
            return RUNNEL_BADARG;
        }
    }
    uint8_t *nv = malloc(vlen ? vlen : 1);
    if (!nv)
        return RUNNEL_NOMEM;
    if (vlen)
        memcpy(nv, v, vlen);
    if (old) {
        free(old->value);
        old->value = nv;
        old->vlen = vlen;
        return RUNNEL_OK;
    }
    uint8_t *nk = malloc(klen ? klen : 1);
    rn_var *arr = realloc(p->vars, (p->nvars + 1) * sizeof *arr);
    if (!nk || !arr) {
        free(nv);
        free(nk);
        if (arr)
            p->vars = arr;
        return RUNNEL_NOMEM;
    }
    if (klen)
        memcpy(nk, key, klen);
    p->vars = arr;
    p->vars[p->nvars++] = (rn_var){nk, klen, nv, vlen};
    return RUNNEL_OK;
}

const uint8_t *runnel_plugin_var_get(const runnel_plugin *p, const void *key, size_t klen, size_t *len)
{
    const rn_var *v = p && (key || !klen) ? rn_plugin_find_var(p, key, klen) : NULL;
    if (len)
        *len = v ? v->vlen : 0;
    return v ? v->value : NULL;
}

runnel_status runnel_plugin_var_set(runnel_plugin *p, const void *key, size_t klen, const void *value, size_t len)
{
    if (!p || (!key && klen) || (!value && len))
        return RUNNEL_BADARG;
    return rn_plugin_set_var(p, key, klen, value, len, NULL);
}

/* ---------------------------------------------------------------- limits */

runnel_plugin_limits runnel_plugin_get_limits(const runnel_plugin *p)
{
    runnel_plugin_limits l = {0};
    return p ? p->limits : l;
}

void runnel_plugin_set_limits(runnel_plugin *p, const runnel_plugin_limits *l)
{
    if (!p || !l || p->in_call)
        return;
    if (l->has_max_pages != p->limits.has_max_pages || l->max_pages != p->limits.max_pages) {
        /* a new memory budget, whole, from the next call */
        p->has_budget = l->has_max_pages;
        p->budget_left = (uint64_t)l->max_pages * RUNNEL_PAGE_SIZE;
    }
    p->limits = *l;
}

void runnel_plugin_allow_http_response_headers(runnel_plugin *p, bool allow)
{
    if (p)
        p->http_headers_enabled = allow;
}
