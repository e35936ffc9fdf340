/*
 * functype.c - identity of function types across modules.
 *
 * call_indirect and import matching compare function types structurally (spec 4.4.8, 4.5.2). The
 * interpreter wants that to be one integer compare, so each type gets a 64-bit key: 3 bits a value
 * type, the counts in front, which is exact (and so needs no further check) for up to 17 values;
 * longer types get a hash with bit 63 set and are then compared in full.
 */
#include "module.h"

#include <string.h>

/* ---------------------------------------------------------------- the value-type table, as functions */

const char *runnel_valtype_name(runnel_valtype t)
{
    switch (t) {
#define RN_NAME_(name, code, letter, text, member)                                                                     \
    case RUNNEL_TYPE_##name: return text;
        RUNNEL_VALTYPES(RN_NAME_)
#undef RN_NAME_
    }
    return "?";
}

const char *rn_valtype_name(uint8_t t) { return runnel_valtype_name((runnel_valtype)t); }

char runnel_valtype_letter(runnel_valtype t)
{
    switch (t) {
#define RN_LETTER_(name, code, letter, text, member)                                                                   \
    case RUNNEL_TYPE_##name: return letter;
        RUNNEL_VALTYPES(RN_LETTER_)
#undef RN_LETTER_
    }
    return '?';
}

bool runnel_valtype_of_letter(char c, runnel_valtype *t)
{
    switch (c) {
#define RN_OF_LETTER_(name, code, letter, text, member)                                                                \
    case letter: *t = RUNNEL_TYPE_##name; return true;
        RUNNEL_VALTYPES(RN_OF_LETTER_)
#undef RN_OF_LETTER_
    }
    return false;
}

/* A type's place in RUNNEL_VALTYPES, 1..7: 3 bits of a function type key. */
static unsigned code3(uint8_t t)
{
    switch (t) {
#define RN_CODE3_(name, code, letter, text, member)                                                                    \
    case RN_##name: return RN_VT_INDEX_##name;
        RUNNEL_VALTYPES(RN_CODE3_)
#undef RN_CODE3_
    }
    return 0;
}

uint64_t rn_functype_key(const rn_functype *t)
{
    uint32_t n = t->nparams + t->nresults;
    if (n <= 17) {
        uint64_t k = (uint64_t)t->nparams << 58 | (uint64_t)(n & 31) << 53; /* bits 53..62 */
        unsigned shift = 0;
        for (uint32_t i = 0; i < t->nparams; i++, shift += 3)
            k |= (uint64_t)code3(t->params[i]) << shift;
        for (uint32_t i = 0; i < t->nresults; i++, shift += 3)
            k |= (uint64_t)code3(t->results[i]) << shift;
        return k & ~(1ull << 63);
    }
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    h = (h ^ t->nparams) * 1099511628211ull;
    for (uint32_t i = 0; i < t->nparams; i++)
        h = (h ^ t->params[i]) * 1099511628211ull;
    h = (h ^ 0xFF) * 1099511628211ull;
    for (uint32_t i = 0; i < t->nresults; i++)
        h = (h ^ t->results[i]) * 1099511628211ull;
    return h | 1ull << 63;
}

void rn_functype_finish(rn_functype *t)
{
    t->key = rn_functype_key(t);
    t->pslots = t->rslots = 0;
    for (uint32_t i = 0; i < t->nparams; i++)
        t->pslots += t->params[i] == RN_V128 ? 2 : 1;
    for (uint32_t i = 0; i < t->nresults; i++)
        t->rslots += t->results[i] == RN_V128 ? 2 : 1;
}

bool rn_functype_equal(const rn_functype *a, const rn_functype *b)
{
    if (a->key != b->key)
        return false;
    if (!(a->key >> 63))
        return true;
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           memcmp(a->params, b->params, a->nparams) == 0 && memcmp(a->results, b->results, a->nresults) == 0;
}
