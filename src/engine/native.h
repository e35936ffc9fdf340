/*
 * native.h - the compiling tier's internal interface (docs/compiling.md).
 *
 * translate.c writes a module as C (rn_translate), native_build.c builds that C with the system
 * compiler and keeps the cache, native.c loads artifacts and runs compiled code under the store's
 * limits (native_abi.h is the contract between the two sides).
 */
#ifndef RN_NATIVE_H
#define RN_NATIVE_H

#include "code.h"
#include "native_abi.h"
#include "runtime.h"

/* The C text of a module: n translation units, the first also holding the descriptor. */
typedef struct rn_ctext {
    char **units;
    size_t *lens;
    uint32_t n;
} rn_ctext;

/* translate.c: m must still hold its function bodies (before rn_module_keep_data), and be validated.
   stamp is embedded as the artifact's rnx_stamp. unit_bytes: start a new unit after this many bytes of
   wasm code (0: one unit). */
runnel_status rn_translate(const rn_module *m, const char *stamp, size_t unit_bytes, bool guarded, rn_ctext *out,
                           runnel_report *r);
void rn_ctext_free(rn_ctext *t);

/* native_preamble.c (made by the build): native_abi.h, insn.h and numeric.h with their #includes of
   runnel's own headers resolved, as one string. */
extern const char rn_native_preamble[];
/* ...and the SHA-256 of those headers and of the translator's sources, for cache keys */
extern const char rn_native_translator_id[];

/* call.c: runnel_module_new with hook run after validation, while the module still holds its function
   bodies (before rn_module_keep_data). */
typedef runnel_status (*rn_module_hook)(runnel_module *m, void *user, runnel_report *r);
runnel_module *rn_module_new_hooked(const uint8_t *bytes, size_t len, rn_module_hook hook, void *user,
                                    runnel_report *r);

/* native.c: a loaded artifact, shared by a module's instances. */
typedef struct rn_native_module {
    void *dl; /* dlopen's handle */
    const rnx_module_desc *desc;
    char *path; /* the file loaded, absolute (malloc'ed); NULL once removed (no_cache) */
    bool guarded;                /* compiled for guard pages (RNX_GUARDED) */
    uintptr_t code_lo, code_hi; /* its executable code, for the fault handler */
} rn_native_module;
void rn_native_module_free(rn_native_module *nm);

/* native.c: set up instance inst of a compiled module: its context, and its functions' entries. */
runnel_status rn_native_instance(runnel_instance *inst, runnel_report *r);
/* native.c: the embedder's call of a compiled function (runnel_call and runnel_resume forward here). */
runnel_status rn_native_call(runnel_func *f, const runnel_val *args, runnel_val *results, size_t nresults,
                             runnel_report *r);
runnel_status rn_native_resume(runnel_store *s, runnel_val *results, size_t nresults, runnel_report *r);
void rn_native_abandon(runnel_store *s);
bool rn_native_suspended(const runnel_store *s); /* the store's suspended call is a compiled one */
/* exec.c: an interpreted call that compiled code made ran out of fuel or was interrupted: suspend the
   whole call where it stands (this stack is the compiled call's own) and return when it is resumed,
   with the poll's unit charged. false when that cannot be done (not under a suspendable compiled call,
   or host functions' frames in between): the interpreter then traps as for any nested call. */
bool rn_native_park(runnel_store *s, runnel_trap_kind tk);
/* native.c, from guard.c's signal handler: if the fault at addr (program counter pc) is compiled code's
   access to the inaccessible part of its memory, trap (no return); else return. */
void rn_native_fault(const void *addr, uintptr_t pc);
/* native.c: the store's native state, freed with the store */
void rn_native_store_free(runnel_store *s);

#endif
