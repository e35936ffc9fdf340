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

/* The number of words of the plain op at pc, or 0 if it is not a plain op or does not fit. */
static inline uint32_t plain_op_words(const rn_code *c, uint32_t pc)
{
    static const uint8_t insn_words[OP__COUNT] = {
#define WORDS3(name, ...) [OP_##name] = 3, /* dst a */
#define WORDS4(name, ...) [OP_##name] = 4, /* dst a b; dst addr off; addr value off */
        RN_UNOPS(WORDS3) RN_UNOPS_TRAP(WORDS3) RN_BINOPS(WORDS4) RN_BINOPS_TRAP(WORDS4) RN_LOADS(WORDS4)
            RN_STORES(WORDS4)
#undef WORDS3
#undef WORDS4
    };
    /* 0 words in RN_CTRL_OPS is a length of the op's own: br_table's 3 + its n + 1, simd's in its word 1 */
    static const uint8_t ctrl_words[OP__COUNT] = {
#define CTRL_WORDS(name, n) [OP_##name] = (n) ? (n) : 255,
        RN_CTRL_OPS(CTRL_WORDS)
#undef CTRL_WORDS
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
    uint32_t n = insn_words[op];
    for (size_t i = 0; !n && i < sizeof plain_ctrl / sizeof *plain_ctrl; i++)
        if (op == plain_ctrl[i])
            n = ctrl_words[op];
    if (!n)
        return 0;
    if (n == 255 && op == OP_simd) /* simd n sub ... */
        n = pc + 1 < c->nwords && c->words[pc + 1] >= 2 ? c->words[pc + 1] : 0;
    else if (n == 255) /* br_table idx n off[0..n] */
        n = pc + 2 < c->nwords && c->words[pc + 2] < c->nwords ? 3 + c->words[pc + 2] + 1 : 0;
    return n && n <= c->nwords - pc ? n : 0;
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
