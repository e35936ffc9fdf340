/*
 * module.h - the decoded form of a WebAssembly module (internal).
 *
 * decode.c turns bytes into an rn_module (spec 5, "Binary Format") and validate_module.c checks
 * everything outside function bodies (spec 3.4, "Modules"). Function bodies stay as byte ranges:
 * compile.c validates and compiles each of them in one pass (spec 3.3), which is also where the
 * register code for the interpreter is made. After that the module is immutable and shared.
 *
 * Index spaces (functions, tables, memories, globals) cover imports first, then definitions, as in
 * the spec; the arrays below that say "all" are indexed by that space.
 */
#ifndef RN_MODULE_H
#define RN_MODULE_H

#include "runnel/engine.h"
#include "alloc.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value types use their binary encodings (RUNNEL_VALTYPES in runnel/engine.h), and RN_VT_INDEX_* numbers
   them 1..7 in the list's order (function type keys pack a type in 3 bits). */
enum {
#define RN_VALTYPE_ENUM_(name, code, letter, text, member) RN_##name = code,
    RUNNEL_VALTYPES(RN_VALTYPE_ENUM_)
#undef RN_VALTYPE_ENUM_
};
enum {
    RN_VT_INDEX_NONE_ = 0,
#define RN_VALTYPE_INDEX_(name, code, letter, text, member) RN_VT_INDEX_##name,
    RUNNEL_VALTYPES(RN_VALTYPE_INDEX_)
#undef RN_VALTYPE_INDEX_
};

enum { RN_KIND_FUNC = 0, RN_KIND_TABLE = 1, RN_KIND_MEMORY = 2, RN_KIND_GLOBAL = 3 };

/* Caps that keep hostile input from costing unbounded host memory or time. */
#define RN_MAX_LOCALS 50000u         /* per function, excluding params; "too many locals" */
#define RN_MAX_FUNC_VALUES 1000u     /* params or results per function type */
#define RN_MAX_PAGES 65536u          /* 4 GiB of 64 KiB pages (spec limit for memory32) */
#define RN_MAX_TABLE_ELEMS 10000000u /* implementation limit on table minimum sizes */

typedef struct rn_functype {
    uint32_t nparams, nresults;
    uint8_t *params;  /* nparams value types */
    uint8_t *results; /* nresults value types */
    uint64_t key;     /* see rn_functype_key: equal keys <=> equal types when bit 63 is clear */
    char *sig;        /* "params:results" letters, as in runnel_linker_define_func, for messages */
    uint32_t pslots, rslots; /* frame slots the params and the results take (a v128 takes two) */
} rn_functype;

typedef struct rn_limits {
    uint32_t min, max;
    bool has_max;
} rn_limits;

typedef struct rn_tabletype {
    uint8_t elem; /* RN_FUNCREF or RN_EXTERNREF */
    rn_limits lim;
} rn_tabletype;

typedef struct rn_globaltype {
    uint8_t type;
    bool mut;
} rn_globaltype;

/* A constant expression (spec 3.3.10). WebAssembly 2.0 allows exactly one instruction before `end`. */
enum {
    RN_CONST_I32 = 0x41,
    RN_CONST_I64 = 0x42,
    RN_CONST_F32 = 0x43,
    RN_CONST_F64 = 0x44,
    RN_CONST_GLOBAL = 0x23, /* global.get index */
    RN_CONST_REF_NULL = 0xD0, /* type in reftype */
    RN_CONST_REF_FUNC = 0xD2, /* function index */
    RN_CONST_V128 = 0xFD,     /* v128.const: bits (low half) and bits_hi */
};
typedef struct rn_constexpr {
    uint8_t op;      /* one of RN_CONST_* */
    uint8_t reftype; /* for REF_NULL */
    uint32_t index;  /* for GLOBAL and REF_FUNC */
    uint64_t bits;   /* for the *.const ops: the value's bits (f32 in the low 32) */
    uint64_t bits_hi; /* for v128.const: the high 64 bits */
    uint32_t offset; /* byte offset of the expression, for messages */
} rn_constexpr;

typedef struct rn_import {
    char *module, *name; /* NUL-terminated, valid UTF-8 */
    uint8_t kind;        /* RN_KIND_* */
    union {
        uint32_t type_index; /* func */
        rn_tabletype table;
        rn_limits mem;
        rn_globaltype global;
    } u;
} rn_import;

typedef struct rn_export {
    char *name;
    uint8_t kind;
    uint32_t index;
} rn_export;

typedef struct rn_global {
    rn_globaltype type;
    rn_constexpr init;
} rn_global;

enum { RN_SEG_ACTIVE = 0, RN_SEG_PASSIVE = 1, RN_SEG_DECLARATIVE = 2 };

typedef struct rn_elem {
    uint8_t mode;        /* RN_SEG_* */
    uint8_t type;        /* RN_FUNCREF or RN_EXTERNREF */
    uint32_t table;      /* active only */
    rn_constexpr offset; /* active only; i32 */
    uint32_t count;
    rn_constexpr *items; /* count items: REF_FUNC, REF_NULL or GLOBAL (the func-index forms become REF_FUNC) */
} rn_elem;

typedef struct rn_data {
    uint8_t mode; /* RN_SEG_ACTIVE or RN_SEG_PASSIVE */
    uint32_t memory;
    rn_constexpr offset;
    const uint8_t *bytes; /* into the binary, then into rn_module.bytes (rn_module_keep_data) */
    uint32_t len;
} rn_data;

struct rn_code; /* compiled code, compile.h */

typedef struct rn_func {
    uint32_t type_index;
    uint32_t nlocals;     /* declared locals, excluding params */
    uint8_t *local_types; /* nlocals value types */
    const uint8_t *body;  /* the instructions after the locals, ending with the final `end` (into the binary; NULL
                             once compiled, see rn_module_keep_data) */
    uint32_t body_len;
    uint32_t body_offset; /* byte offset of `body` in the module */
    struct rn_code *code; /* filled by compile.c */
} rn_func;

typedef struct rn_module {
    uint8_t *bytes; /* the data segments' bytes, the only part of the binary kept (rn_module_keep_data) */
    size_t len;     /* the binary's length */

    rn_functype *types;
    uint32_t ntypes;

    rn_import *imports;
    uint32_t nimports;
    uint32_t nfunc_imports, ntable_imports, nmem_imports, nglobal_imports;

    uint32_t nfuncs;        /* all: imported + defined */
    uint32_t *func_types;   /* all: type index of each function */
    rn_func *funcs;         /* defined only: funcs[i] is function nfunc_imports + i */
    uint32_t nfuncs_defined;

    uint32_t ntables;       /* all */
    rn_tabletype *tables;
    uint32_t nmems;         /* all */
    rn_limits *mems;
    uint32_t nglobals;      /* all */
    rn_globaltype *global_types;
    rn_global *globals;     /* defined only: globals[i] is global nglobal_imports + i */

    rn_export *exports;
    uint32_t nexports;

    bool has_start;
    uint32_t start;

    rn_elem *elems;
    uint32_t nelems;
    rn_data *datas;
    uint32_t ndatas;
    bool has_datacount;
    uint32_t datacount;

    /* C.refs of spec 3.4.10: functions that ref.func may name in code (they occur in an element
       segment, an export or a global initialiser outside function bodies). All functions. */
    bool *func_declared;

    /* From the `name` custom section (NULL where absent); all functions. */
    char **func_names;
    char *name;
} rn_module;

/* decode.c: fill m from bytes (m is zeroed first). Errors: RUNNEL_MALFORMED with the byte offset. On
   failure m holds nothing to free beyond what rn_module_release frees. Function bodies and data
   segments point into bytes, which must outlive m until rn_module_keep_data: the binary is not
   copied, because all but its data segments is dead once the functions are compiled (a module's
   custom sections, debug information included, can be most of its size). */
runnel_status rn_decode(rn_module *m, const uint8_t *bytes, size_t len, runnel_report *r);
/* Copy the data segments into m (m->bytes) and forget the function bodies, so that m no longer needs
   the binary. Call once every function is compiled. Errors: RUNNEL_NOMEM. */
runnel_status rn_module_keep_data(rn_module *m, runnel_report *r);
/* validate_module.c: everything but function bodies. Errors: RUNNEL_INVALID. Also computes
   func_declared. */
runnel_status rn_validate_module(rn_module *m, runnel_report *r);
/* The text name of a value type ("i32", "funcref", ...), "?" for a byte that is none. */
const char *rn_valtype_name(uint8_t t);
/* Free everything m holds (not m itself), including compiled code. Safe on a partly filled module. */
void rn_module_release(rn_module *m);

/* A key that identifies a function type: types with at most 17 values in all get an exact encoding
   (bit 63 clear); larger ones get a hash with bit 63 set, and equal keys must then be confirmed with
   rn_functype_equal. */
uint64_t rn_functype_key(const rn_functype *t);
/* Set t's key and slot counts from its value types (for every type made, decoded or host). */
void rn_functype_finish(rn_functype *t);
bool rn_functype_equal(const rn_functype *a, const rn_functype *b);


/* decode.c: names (of imports, exports, the module and functions) are NUL-terminated for C callers
   but may contain U+0000 themselves, so each also carries its true byte length, stored in front of
   the string by the decoder. Such a name is freed only with rn_name_free (rn_module_release does). */
uint32_t rn_name_len(const char *name);
void rn_name_free(char *name);

/* module_info.c: the import and export descriptions of the public API (runnel_module_import and
   runnel_module_export wrap these). Strings point into m; i out of range gives an all-zero desc. */
runnel_import_desc rn_module_import_desc(const rn_module *m, size_t i);
runnel_export_desc rn_module_export_desc(const rn_module *m, size_t i);

#endif
