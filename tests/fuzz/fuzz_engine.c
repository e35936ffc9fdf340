/*
 * fuzz_engine.c - libFuzzer target `runnel_fuzz`: arbitrary bytes through the whole engine.
 *
 * The engine's promise (docs/design.md "Decode", "Execute") is that no input, however hostile, makes it
 * read or write outside its own memory, hit undefined behaviour, leak, or run without bound. So the
 * target does what an embedder does with an untrusted module, under ASan/UBSan and tight limits:
 *
 *   1. runnel_module_new (decode, validate, compile) on the bytes; a module that is accepted is also
 *      translated to C (runnel_module_translate: the compiling tier's translator, which reads every
 *      validated body; building it with a C compiler would be far too slow for fuzzing);
 *   2. if that succeeds, satisfy every import with something of the right type: a host function that
 *      returns zeros, or a fresh memory/table/global made exactly to the import's declared type;
 *   3. instantiate (which runs segment initialisation and the start function) with fuel;
 *   4. call every exported function whose parameters are all numbers or vectors, with zeros, each with
 *      a fresh fuel budget, abandoning calls that run out.
 *
 * Satisfying the imports and the limits are shared with runnel_fuzz_diff (fuzz_common.c).
 *
 * Besides crashes, the target checks a few invariants of the API and aborts when one fails (abort is
 * fine here: this is a test, not the library): a failed call or instantiation says why, a status is
 * one the function may return, and the import list agrees with the binary.
 */
#include "fuzz_common.h"

#include "module.h"
#include "runnel/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A call may end only these ways; a suspended one is abandoned so the store can take the next. */
static void check_call(runnel_store *s, runnel_status st, runnel_report *r)
{
    CHECK(st == RUNNEL_OK || st == RUNNEL_TRAP || st == RUNNEL_SUSPENDED || st == RUNNEL_NOMEM);
    if (st != RUNNEL_OK)
        fuzz_check_report(r, st);
    if (st == RUNNEL_SUSPENDED) {
        CHECK(runnel_store_suspended(s));
        runnel_abandon(s);
    }
    CHECK(!runnel_store_suspended(s));
    runnel_report_clear(r);
}

static void call_exports(runnel_store *s, runnel_instance *inst, const runnel_module *m)
{
    size_t n = runnel_module_export_count(m), calls = 0;
    for (size_t i = 0; i < n && calls < FUZZ_MAX_CALLS; i++) {
        runnel_export_desc e = runnel_module_export(m, i);
        CHECK(e.name != NULL);
        if (e.kind != RUNNEL_EXTERN_FUNC)
            continue;
        runnel_func *f = runnel_instance_func_n(inst, e.name, rn_name_len(e.name));
        CHECK(f != NULL);
        size_t np = runnel_func_param_count(f), nr = runnel_func_result_count(f);
        bool numeric = true;
        for (size_t k = 0; k < np; k++)
            numeric = numeric && fuzz_is_number(runnel_func_param_type(f, k));
        if (!numeric)
            continue;
        runnel_val *args = calloc(np + 1, sizeof *args), *results = calloc(nr + 1, sizeof *results);
        if (args && results) {
            for (size_t k = 0; k < np; k++)
                args[k].type = runnel_func_param_type(f, k); /* zero bits: 0, 0.0, the zero vector */
            runnel_report r = {0};
            runnel_store_set_fuel(s, FUZZ_FUEL);
            runnel_status st = runnel_call(f, args, np, results, nr, &r);
            check_call(s, st, &r);
            for (size_t k = 0; st == RUNNEL_OK && k < nr; k++)
                CHECK(results[k].type == runnel_func_result_type(f, k));
            calls++;
        }
        free(args);
        free(results);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    runnel_report r = {0};
    runnel_module *m = runnel_module_new(data, size, &r);
    if (!m) {
        CHECK(r.status == RUNNEL_MALFORMED || r.status == RUNNEL_INVALID || r.status == RUNNEL_NOMEM);
        fuzz_check_report(&r, r.status);
        CHECK(r.status == RUNNEL_NOMEM || r.offset <= size);
        runnel_report_clear(&r);
        return 0;
    }
    /* The compiling tier's translation of every module the engine accepts succeeds. */
    FILE *sink = fopen("/dev/null", "w");
    if (sink) {
        runnel_report tr = {0};
        runnel_status ts = runnel_module_translate(data, size, sink, &tr);
        CHECK(ts == RUNNEL_OK || ts == RUNNEL_NOMEM);
        runnel_report_clear(&tr);
        fclose(sink);
    }
    /* Introspection must give sound strings for every entry. */
    for (size_t i = 0, n = runnel_module_export_count(m); i < n; i++) {
        runnel_export_desc e = runnel_module_export(m, i);
        CHECK(e.name && rn_name_len(e.name) <= size && strlen(e.name) <= rn_name_len(e.name));
        CHECK(e.kind != RUNNEL_EXTERN_FUNC || (e.type && strchr(e.type, ':')));
    }

    runnel_store *s = runnel_store_new(&fuzz_config);
    runnel_linker *l = runnel_linker_new();
    if (s && l && fuzz_satisfy_imports(l, s, m, data, size)) {
        runnel_store_set_fuel(s, FUZZ_FUEL);
        runnel_instance *inst = runnel_instantiate(s, m, l, &r);
        if (inst) {
            CHECK(runnel_instance_module(inst) == m);
            call_exports(s, inst, m);
        } else {
            /* a start function out of fuel may leave a suspended call behind */
            if (runnel_store_suspended(s))
                runnel_abandon(s);
            CHECK(r.status == RUNNEL_UNLINKABLE || r.status == RUNNEL_TRAP || r.status == RUNNEL_SUSPENDED ||
                  r.status == RUNNEL_NOMEM);
            fuzz_check_report(&r, r.status);
        }
    }
    runnel_report_clear(&r);
    if (l)
        runnel_linker_free(l);
    if (s)
        runnel_store_free(s);
    runnel_module_free(m);
    return 0;
}
