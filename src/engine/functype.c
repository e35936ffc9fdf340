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

static unsigned code3(uint8_t t)
{
    switch (t) {
    case RN_I32: return 1;
    case RN_I64: return 2;
    case RN_F32: return 3;
    case RN_F64: return 4;
    case RN_V128: return 5;
    case RN_FUNCREF: return 6;
    case RN_EXTERNREF: return 7;
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
