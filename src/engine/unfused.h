/*
 * unfused.h - compiling without the compiler's fusions (internal, for tests only).
 *
 * The compiler merges common instruction sequences into fused ops (compile.c, fuse.c). A module
 * compiled with fusion off runs plain ops only, at most one per wasm instruction: the reference that
 * fused code must match exactly, with the same results, traps, trap offsets, memory and fuel. tests/fuzz/fuzz_diff.c runs both
 * on arbitrary modules and tests/unit/test_fusion.c on its patterns. Not part of the public API
 * (include/runnel/): an embedder has no reason to give up the speed.
 */
#ifndef RN_UNFUSED_H
#define RN_UNFUSED_H

#include "code.h"

/* runnel_module_new, but every function is compiled without fusion. */
runnel_module *rn_module_new_unfused(const uint8_t *bytes, size_t len, runnel_report *r);

/* rn_compile_func (code.h), with fusion on or off (call.c builds both kinds of module through it). */
runnel_status rn_compile_func_fusing(rn_module *m, uint32_t fi, bool fuse, runnel_report *r);

#endif
