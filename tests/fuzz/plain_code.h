/*
 * plain_code.h - is compiled code made of plain ops only? (header-only, for tests)
 *
 * A module compiled without fusion (src/engine/unfused.h) must hold one plain op per wasm instruction:
 * the numeric, load and store ops of insn.h and the control ops named below. runnel_fuzz_diff checks
 * that on every input and tests/unit/test_fusion.c on its own module, so that a fusion that escapes the
 * compiler's switch (cc.nofuse) cannot make the comparison of fused with unfused code vacuous.
 *
 * The control ops are an allow-list, not the fused ones left out: a fused op added to code.h one day is
 * not plain until someone says so here.
 */
#ifndef RN_PLAIN_CODE_H
#define RN_PLAIN_CODE_H

#include "code.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The number of words of the plain op at pc, or 0 if it is not a plain op or does not fit (the length
   from the engine's op table, rn_op_words in code.h). */
static inline uint32_t plain_op_words(const rn_code *c, uint32_t pc)
{
    static const bool plain_insn[OP__COUNT] = {
#define PLAIN(name, ...) [OP_##name] = true,
        RN_UNOPS(PLAIN) RN_UNOPS_TRAP(PLAIN) RN_BINOPS(PLAIN) RN_BINOPS_TRAP(PLAIN) RN_LOADS(PLAIN) RN_STORES(PLAIN)
#undef PLAIN
    };
    static const uint16_t plain_ctrl[] = {
        OP_unreachable, OP_halt,        OP_copy,          OP_const32,     OP_const64,   OP_br,
        OP_br_poll,     OP_br_if,       OP_br_if_poll,    OP_br_unless,   OP_br_table,  OP_select,
        OP_call,        OP_call_local,  OP_call_indirect, OP_ret,         OP_ret1,      OP_global_get,
        OP_global_set,  OP_ref_func,    OP_ref_is_null,   OP_table_get,   OP_table_set, OP_table_size,
        OP_table_grow,  OP_table_fill,  OP_table_copy,    OP_table_init,  OP_elem_drop, OP_memory_size,
        OP_memory_grow, OP_memory_fill, OP_memory_copy,   OP_memory_init, OP_data_drop, OP_simd,
    };
    uint32_t op = c->words[pc];
    if (op >= OP__COUNT)
        return 0;
    bool plain = plain_insn[op];
    for (size_t i = 0; !plain && i < sizeof plain_ctrl / sizeof *plain_ctrl; i++)
        plain = op == plain_ctrl[i];
    return plain ? rn_op_words(c, pc) : 0;
}

/* Is c plain ops only, one after the other to its end? If not, *bad is the word where that stops. */
static inline bool code_is_plain(const rn_code *c, uint32_t *bad)
{
    for (uint32_t pc = 0; pc < c->nwords;) {
        uint32_t n = plain_op_words(c, pc);
        if (!n) {
            *bad = pc;
            return false;
        }
        pc += n;
    }
    return true;
}

#endif
