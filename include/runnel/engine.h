/*
 * runnel/engine.h - the WebAssembly engine: the whole public API in one header.
 *
 * The model follows the WebAssembly spec's own (section 4.2, "Runtime Structure"):
 *
 *   runnel_module    decoded, validated and compiled code. Immutable once made, so one module may be
 *                    instantiated many times, in many stores, on many threads.
 *   runnel_store     owns every runtime object (instances, memories, tables, globals, host functions)
 *                    and the execution stacks. A store is used by one thread at a time; only
 *                    runnel_store_interrupt() may be called from another thread. Freeing the store frees
 *                    all it owns.
 *   runnel_linker    a name table (module, field) -> extern used to resolve imports.
 *   runnel_report    what went wrong: a status, a message, a byte offset, a trap kind and a backtrace.
 *
 * A minimal embedding:
 *
 *   runnel_report r = {0};
 *   runnel_module *m = runnel_module_new(bytes, len, &r);
 *   runnel_store *s = runnel_store_new(NULL);
 *   runnel_instance *i = runnel_instantiate(s, m, NULL, &r);
 *   runnel_func *f = runnel_instance_func(i, "add");
 *   runnel_val args[2] = { RUNNEL_I32(1), RUNNEL_I32(2) }, res[1];
 *   if (runnel_call(f, args, 2, res, 1, &r) != RUNNEL_OK) fprintf(stderr, "%s\n", r.message);
 *   runnel_store_free(s); runnel_module_free(m); runnel_report_clear(&r);
 *
 * Every function that can fail returns a runnel_status (or NULL) and, when given a report, fills it.
 */
#ifndef RUNNEL_ENGINE_H
#define RUNNEL_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "runnel/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RUNNEL_VERSION "0.1.0"

/* ---------------------------------------------------------------- status and reports */

typedef enum runnel_status {
    RUNNEL_OK = 0,
    RUNNEL_MALFORMED,  /* the bytes are not a WebAssembly binary (spec: decoding failed) */
    RUNNEL_INVALID,    /* the module does not validate */
    RUNNEL_UNLINKABLE, /* an import is missing or does not match */
    RUNNEL_TRAP,       /* execution trapped (also during instantiation) */
    RUNNEL_SUSPENDED,  /* out of fuel or interrupted: runnel_resume() goes on, runnel_abandon() gives up */
    RUNNEL_EXIT,       /* a host function ended the run with an exit code (WASI proc_exit) */
    RUNNEL_NOMEM,      /* the host is out of memory */
    RUNNEL_BADARG,     /* the embedder passed something wrong (type mismatch, wrong arity, ...) */
    RUNNEL_TOOL,       /* a tool or file outside runnel failed: the C compiler, the compile cache */
} runnel_status;

typedef enum runnel_trap_kind {
    RUNNEL_TRAP_NONE = 0,
    RUNNEL_TRAP_UNREACHABLE,         /* "unreachable" */
    RUNNEL_TRAP_MEMORY_OOB,          /* "out of bounds memory access" */
    RUNNEL_TRAP_TABLE_OOB,           /* "out of bounds table access" / "undefined element" */
    RUNNEL_TRAP_NULL_FUNC,           /* "uninitialized element" (call_indirect through null) */
    RUNNEL_TRAP_SIG_MISMATCH,        /* "indirect call type mismatch" */
    RUNNEL_TRAP_DIV_ZERO,            /* "integer divide by zero" */
    RUNNEL_TRAP_INT_OVERFLOW,        /* "integer overflow" */
    RUNNEL_TRAP_INVALID_CONVERSION,  /* "invalid conversion to integer" */
    RUNNEL_TRAP_STACK_EXHAUSTED,     /* "call stack exhausted" */
    RUNNEL_TRAP_HOST,                /* a host function trapped */
    RUNNEL_TRAP_OUT_OF_FUEL,         /* fuel ran out and the call was abandoned */
    RUNNEL_TRAP_INTERRUPTED,         /* interrupted (timeout) and the call was abandoned */
} runnel_trap_kind;

typedef struct runnel_frame {
    uint32_t func_index;   /* in the module's function index space */
    const char *func_name; /* from the name section or the export name; NULL if none (owned by the module) */
    uint32_t offset;       /* byte offset in the module of the instruction being executed */
} runnel_frame;

typedef struct runnel_report {
    runnel_status status;
    runnel_trap_kind trap;   /* for RUNNEL_TRAP and RUNNEL_SUSPENDED (OUT_OF_FUEL or INTERRUPTED) */
    int exit_code;           /* for RUNNEL_EXIT */
    size_t offset;           /* byte offset in the module, for MALFORMED and INVALID */
    char *message;           /* malloc'ed, NUL-terminated; NULL on success */
    runnel_frame *frames;    /* backtrace, innermost first, for traps */
    size_t nframes;
} runnel_report;

/* Free what a report holds and reset it to all zeros; a zeroed report needs no clearing. */
RUNNEL_API void runnel_report_clear(runnel_report *r);
/* Prints the message and the backtrace, one frame a line, to out (NULL: stderr); guest text escaped. */
RUNNEL_API void runnel_report_print(const runnel_report *r, FILE *out);
RUNNEL_API const char *runnel_status_name(runnel_status s);
RUNNEL_API const char *runnel_trap_message(runnel_trap_kind k);

/* Text that a guest or a file controls (function names, log lines, error texts, outputs, graph names),
   made safe to print as text on a terminal: C0 controls (tab and newline too) and DEL become \xNN, the
   C1 controls U+0080..U+009F become \u0080..\u009f, and each byte that is not part of well-formed
   UTF-8 becomes \xNN; everything else is kept, so escaping twice is escaping once. malloc'ed; NULL
   when out of memory. The _n form takes len bytes, NULs included (escaped as \x00); the _lines form
   keeps newlines, for a text of several lines made by runnel (a message and its backtrace) in which
   each guest-controlled part was escaped with the others already. */
RUNNEL_API char *runnel_text_escape(const char *s);
RUNNEL_API char *runnel_text_escape_n(const void *text, size_t len);
RUNNEL_API char *runnel_text_escape_lines(const char *s);

/* ---------------------------------------------------------------- values */

/* The value types, defined once: every enum, letter table, name table and value conversion of runnel
   (this header's runnel_valtype, the engine's internal types, signature strings, runnel_val <-> slot)
   is generated from this list. X(NAME, binary code, signature letter, text name, the runnel_val member
   that holds its bits). The letters are those of signature strings (runnel_linker_define_func). */
#define RUNNEL_VALTYPES(X)                                                                                             \
    X(I32, 0x7F, 'i', "i32", f32_bits)                                                                                 \
    X(I64, 0x7E, 'I', "i64", f64_bits)                                                                                 \
    X(F32, 0x7D, 'f', "f32", f32_bits)                                                                                 \
    X(F64, 0x7C, 'F', "f64", f64_bits)                                                                                 \
    X(V128, 0x7B, 'V', "v128", v128.lo)                                                                                \
    X(FUNCREF, 0x70, 'r', "funcref", funcref)                                                                          \
    X(EXTERNREF, 0x6F, 'x', "externref", externref)

typedef enum runnel_valtype {
#define RUNNEL_VALTYPE_ENUM_(name, code, letter, text, member) RUNNEL_TYPE_##name = code,
    RUNNEL_VALTYPES(RUNNEL_VALTYPE_ENUM_)
#undef RUNNEL_VALTYPE_ENUM_
} runnel_valtype;

/* The text name ("i32", ..., "externref"; "?" for anything else) and signature letter ('?') of a type,
   and the type of a signature letter (false when it is none). */
RUNNEL_API const char *runnel_valtype_name(runnel_valtype t);
RUNNEL_API char runnel_valtype_letter(runnel_valtype t);
RUNNEL_API bool runnel_valtype_of_letter(char letter, runnel_valtype *t);

typedef struct runnel_func runnel_func;

/* A typed value. Floats are kept as their bits (f32_bits, f64_bits) so NaN payloads survive. An
   externref is an opaque pointer-sized value chosen by the host; NULL is the null reference. A v128
   is its 16 bytes as two little-endian 64-bit halves: lo holds bytes 0..7 (lane 0 of any shape). */
typedef struct runnel_val {
    runnel_valtype type;
    union {
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        runnel_func *funcref;
        void *externref;
        struct {
            uint64_t lo, hi;
        } v128;
    } of;
} runnel_val;

#define RUNNEL_I32(v) ((runnel_val){.type = RUNNEL_TYPE_I32, .of.i32 = (int32_t)(v)})
#define RUNNEL_I64(v) ((runnel_val){.type = RUNNEL_TYPE_I64, .of.i64 = (int64_t)(v)})
#define RUNNEL_F32(v) ((runnel_val){.type = RUNNEL_TYPE_F32, .of.f32 = (float)(v)})
#define RUNNEL_F64(v) ((runnel_val){.type = RUNNEL_TYPE_F64, .of.f64 = (double)(v)})
#define RUNNEL_V128(l, h) ((runnel_val){.type = RUNNEL_TYPE_V128, .of.v128 = {(uint64_t)(l), (uint64_t)(h)}})

/* A raw value slot, as host functions see their arguments and results: the type is the one declared
   for the function. i32 values are in .i32 (upper bytes unspecified), refs in .ref. A v128 takes two
   consecutive slots, its low 64 bits (bytes 0..7) then its high 64 bits, so with v128 values the
   slot index of a value is not its position in the signature. */
typedef union runnel_slot {
    uint32_t i32;
    uint64_t i64;
    float f32;
    double f64;
    void *ref;
} runnel_slot;

/* Why two value representations: runnel_val carries its type, for the embedder's calls (runnel_call
   checks each argument against the function's signature); runnel_slot is the untyped 8-byte cell of
   the interpreter's frame, handed to host functions as it is, so a guest-to-host call copies and
   converts nothing (the declared signature gives the types). Extism's ExtismVal (runnel/extism.h)
   exists only for libextism compatibility. These convert between the two: one slot a value, two for
   a v128; each returns the number of slots it read or wrote (0 for an unknown type). */
RUNNEL_API size_t runnel_slots_to_val(const runnel_slot *slots, runnel_valtype t, runnel_val *out);
RUNNEL_API size_t runnel_val_to_slots(runnel_val v, runnel_slot *slots);

/* ---------------------------------------------------------------- modules */

typedef struct runnel_module runnel_module;

typedef enum runnel_externkind {
    RUNNEL_EXTERN_FUNC = 0,
    RUNNEL_EXTERN_TABLE = 1,
    RUNNEL_EXTERN_MEMORY = 2,
    RUNNEL_EXTERN_GLOBAL = 3,
} runnel_externkind;

/* Decode, validate and compile. The module keeps what it needs (its data segments, not the whole
   binary); the caller may free the bytes afterwards.
   Returns NULL with r->status MALFORMED or INVALID (or NOMEM) on failure. */
RUNNEL_API runnel_module *runnel_module_new(const uint8_t *bytes, size_t len, runnel_report *r);
/* Drops the caller's reference; the module lives on while instances use it. */
RUNNEL_API void runnel_module_free(runnel_module *m);

/* A listing for people of how runnel compiles a module (`runnel disasm`): for each function (all, or
   the one `func` names: its name in the name section, an export's name or its index), each WebAssembly
   instruction with its byte offset, and under it the interpreter's ops compiled from it: fused ops by
   name, frame slots as sN, immediates, branch targets. The format is for reading and may change between
   versions. RUNNEL_DISASM_UNFUSED lists the code compiled without fusion (what fused code is tested
   against). Errors: those of runnel_module_new; RUNNEL_BADARG when func names no function. */
#define RUNNEL_DISASM_UNFUSED 1u
RUNNEL_API runnel_status runnel_module_disasm(const uint8_t *bytes, size_t len, const char *func, unsigned flags,
                                              FILE *out, runnel_report *r);

/* The compiling tier (docs/compiling.md): a module's functions translated to C, built by the system C
   compiler into a shared object and loaded, so they run as native code. Everything else is as for
   runnel_module_new: the same validation, instances, limits, fuel (counted alike), interrupts, traps
   (with a function-level backtrace: frames carry function indices and names, and for offset the start
   of the function's body, not the instruction's), suspension and resume. A compiled function called by
   interpreted code (another instance's) is interpreted; compiled code calls host and interpreted
   functions as usual.
   The compiler is needed only where a module is compiled: artifacts are content-addressed in a cache
   (the module's SHA-256, runnel's version, the compiler's identity and flags) so a module is compiled
   once, and a cached artifact is checked against its key before it is loaded.
   Bounds: compiled code checks each memory access with a compare, unless the process has enabled guard
   pages (runnel_guard_pages_enable), the faster way: then each memory is a reservation of 8 GiB of
   address space of which only its current size is accessible, so no access of compiled code can reach
   past it without touching an inaccessible page, and the fault becomes a trap. */
typedef void (*runnel_progress_fn)(void *user, uint32_t done, uint32_t total);
typedef enum runnel_bounds {
    RUNNEL_BOUNDS_AUTO = 0, /* guard pages if runnel_guard_pages_enabled(), else compares */
    RUNNEL_BOUNDS_CHECKED,  /* an explicit compare before each access */
    RUNNEL_BOUNDS_GUARDED,  /* none: guard pages (runnel_guard_pages_enable first, else RUNNEL_BADARG) */
} runnel_bounds;
typedef struct runnel_compile_options {
    size_t size;              /* sizeof(runnel_compile_options): RUNNEL_OPTIONS_INIT */
    const char *cc;           /* the C compiler; NULL: $RUNNEL_CC, else "cc" */
    const char *cflags;       /* NULL: "-O2" */
    const char *cache_dir;    /* NULL: $XDG_CACHE_HOME/runnel, else $HOME/.cache/runnel */
    bool no_cache;            /* neither read nor write the cache */
    uint32_t jobs;            /* compiler processes at once; 0: the number of CPUs */
    runnel_progress_fn progress; /* called as translation units are built (done of total) */
    void *progress_user;
    runnel_bounds bounds;     /* how memory accesses are bounded (part of the cache key) */
    /* Limits on each compiler process, since the C comes from the module: CPU seconds (0: 600; twice
       that in wall-clock time and it is killed) and address space in MiB (0: 4096). Beyond them the
       compile fails with RUNNEL_TOOL, saying which. */
    uint32_t cc_seconds;
    uint32_t cc_memory_mb;
} runnel_compile_options;

/* Guard pages for compiled code, for the whole process (idempotent, thread-safe). This installs a
   handler for SIGSEGV and SIGBUS: a fault that is an access of compiled code to the inaccessible part of
   its memory becomes a RUNNEL_TRAP_MEMORY_OOB trap; any other fault goes to the handler installed before
   (or, if that was the default, kills the process as it would have). Memories made after this call are
   reservations of 8 GiB of address space (not of memory; without the allocator hook); a reservation that
   fails (a limit on address space) leaves a plain memory, which only code compiled with compares can
   use. The library never calls this itself; the runnel command does unless RUNNEL_GUARD_PAGES=0.
   Errors: RUNNEL_TOOL where the system does not allow it (not 64-bit Linux on x86-64 or arm64, a
   handler that keeps SIGSEGV to itself, as some sanitizers do, or a limit on address space); compiled
   code then keeps its compares (RUNNEL_BOUNDS_AUTO). */
RUNNEL_API runnel_status runnel_guard_pages_enable(runnel_report *r);
RUNNEL_API bool runnel_guard_pages_enabled(void);

/* A compiled module, from the cache or built now (then cached). NULL options = defaults.
   Errors: those of runnel_module_new; RUNNEL_TOOL when the compiler cannot be run or fails (its
   messages in r->message), or the cache cannot be written. */
RUNNEL_API runnel_module *runnel_module_compile(const uint8_t *bytes, size_t len, const runnel_compile_options *o,
                                                runnel_report *r);
/* Ahead of time: build the module's native artifact at path (written atomically). */
RUNNEL_API runnel_status runnel_module_compile_to(const uint8_t *bytes, size_t len, const char *path,
                                                  const runnel_compile_options *o, runnel_report *r);
/* A compiled module whose native code comes from an artifact made by runnel_module_compile_to (or found
   anywhere outside the cache). Loading native code is running it: call this only on a file you trust.
   The artifact must have been built from these very bytes by this version of runnel (RUNNEL_BADARG
   otherwise, before anything of it is loaded). */
RUNNEL_API runnel_module *runnel_module_load_artifact(const uint8_t *bytes, size_t len, const char *path,
                                                      runnel_report *r);
/* The C translation itself, one self-contained file (for reading and debugging). */
RUNNEL_API runnel_status runnel_module_translate(const uint8_t *bytes, size_t len, FILE *out, runnel_report *r);
/* true for modules made by the three functions above */
RUNNEL_API bool runnel_module_is_compiled(const runnel_module *m);
/* The file a compiled module's native code was loaded from (the cache entry, or the artifact given),
   absolute; NULL for an interpreted module or one compiled with no_cache (its file is gone). Owned by
   the module. */
RUNNEL_API const char *runnel_module_artifact(const runnel_module *m);

/* Introspection: imports and exports, in module order. Strings are owned by the module.
   `type` is a signature string for functions (see runnel_linker_define_func), else NULL. */
typedef struct runnel_import_desc {
    const char *module, *name;
    runnel_externkind kind;
    const char *type;
} runnel_import_desc;
typedef struct runnel_export_desc {
    const char *name;
    runnel_externkind kind;
    uint32_t index;
    const char *type;
} runnel_export_desc;
RUNNEL_API size_t runnel_module_import_count(const runnel_module *m);
RUNNEL_API runnel_import_desc runnel_module_import(const runnel_module *m, size_t i);
RUNNEL_API size_t runnel_module_export_count(const runnel_module *m);
RUNNEL_API runnel_export_desc runnel_module_export(const runnel_module *m, size_t i);

/* ---------------------------------------------------------------- allocation */

/* The engine's allocator, Lua style: alloc(ud, ptr, osize, nsize) allocates nsize bytes when ptr is
   NULL (osize is then 0), frees ptr when nsize is 0 (and returns NULL), else resizes ptr from osize to
   nsize bytes; it returns NULL when it cannot, and the engine then fails with RUNNEL_NOMEM (for
   runnel_module_new, runnel_store_new, runnel_instantiate and memory.grow alike). Blocks must be
   aligned for any type, as malloc's are.
   What goes through it: every allocation of the engine's own objects (modules and their compiled
   code, stores, instances, linear memories, tables, globals, linkers, host function definitions,
   value stacks). What does not: what the caller frees with free() (the message and frames of a
   runnel_report, runnel_text_escape's strings), the layers above the engine (WASI, plugins, actors,
   graphs: they use the C library), and jansson's allocations (json_set_alloc_funcs is process-wide
   and would also take the embedder's own JSON, so it is left to the embedder).
   Process-wide; set it before any other runnel call: once the engine has allocated anything it can no
   longer change (RUNNEL_BADARG). NULL means the C library's malloc; an alloc of NULL is BADARG. */
typedef void *(*runnel_alloc_fn)(void *ud, void *ptr, size_t osize, size_t nsize);
typedef struct runnel_allocator {
    runnel_alloc_fn alloc;
    void *ud;
} runnel_allocator;
RUNNEL_API runnel_status runnel_set_allocator(const runnel_allocator *a);

/* ---------------------------------------------------------------- stores and limits */

/* Option structs can grow without breaking the ABI. Each (runnel_config, runnel_plugin_options,
   runnel_actor_options, runnel_network_options, runnel_serve_options) begins with `size`, the size of
   the struct as the caller was compiled: set it with RUNNEL_OPTIONS_INIT(type), or .size = sizeof(type)
   in a designated initializer. Fields are only ever added at the end, past the old sizeof (tail padding
   is never reused, so a size covers whole fields); the library reads the caller's
   first `size` bytes and takes every later field as 0, its default. A size of 0 is read as the struct of
   this version (0.1), so a zero-initialised struct stays valid but never sees a field added later. A
   size the library cannot read (smaller than 0.1's but not 0, or larger than its own: a header newer
   than the library) is refused (RUNNEL_BADARG, or NULL where the function returns a pointer). */
#define RUNNEL_OPTIONS_INIT(type) ((type){.size = sizeof(type)})

typedef struct runnel_config {
    size_t size;                /* sizeof(runnel_config): RUNNEL_OPTIONS_INIT */
    uint32_t max_memory_pages;  /* per memory, 64 KiB pages; 0 = 65536 (4 GiB) */
    uint32_t max_table_elems;   /* per table; 0 = 10,000,000 */
    uint32_t stack_bytes;       /* value stack; 0 = 1 MiB */
    uint32_t max_call_depth;    /* 0 = 10,000 */
} runnel_config;

typedef struct runnel_store runnel_store;
typedef struct runnel_instance runnel_instance;
typedef struct runnel_memory runnel_memory;
typedef struct runnel_table runnel_table;
typedef struct runnel_global runnel_global;

/* NULL config = defaults. Returns NULL only when out of memory or for a config.size it cannot read. */
RUNNEL_API runnel_store *runnel_store_new(const runnel_config *config);
RUNNEL_API void runnel_store_free(runnel_store *s);

/* Fuel: every function entry (but that of the embedder's own call) and every loop back-edge costs one
   unit, in both tiers alike. Unlimited unless set.
   When it runs out the call is suspended (RUNNEL_SUSPENDED, trap kind OUT_OF_FUEL). */
RUNNEL_API void runnel_store_set_fuel(runnel_store *s, uint64_t fuel);
RUNNEL_API void runnel_store_add_fuel(runnel_store *s, uint64_t fuel);
RUNNEL_API uint64_t runnel_store_fuel(const runnel_store *s);   /* remaining; UINT64_MAX when unlimited */
RUNNEL_API void runnel_store_unlimited_fuel(runnel_store *s);
/* Ask the running call to stop at its next function entry or loop back-edge (suspends it, trap kind
   INTERRUPTED). Safe to call from any thread, or from a signal handler. */
RUNNEL_API void runnel_store_interrupt(runnel_store *s);
/* A deadline for calls made from now on: a call running longer than ms milliseconds is suspended as
   INTERRUPTED. 0 removes the deadline. */
RUNNEL_API void runnel_store_set_timeout(runnel_store *s, uint64_t ms);

/* Called before any memory of the store grows; returning false refuses the growth (memory.grow gives -1).
   Lets an embedder cap the total of several memories. */
typedef bool (*runnel_grow_hook)(void *user, runnel_memory *mem, uint64_t old_pages, uint64_t new_pages);
RUNNEL_API void runnel_store_set_grow_hook(runnel_store *s, runnel_grow_hook hook, void *user);
/* The same for tables (table.grow, runnel_table_grow, and a new table's first elements, old_elems 0, when
   an instance or runnel_table_new makes it; refused, the instantiation fails): each element takes
   RUNNEL_TABLE_ELEM_BYTES of host memory, so an embedder can charge tables to the same budget as
   memories (a module may declare many tables, each allowed max_table_elems). */
#define RUNNEL_TABLE_ELEM_BYTES 8u
typedef bool (*runnel_table_grow_hook)(void *user, runnel_table *t, uint64_t old_elems, uint64_t new_elems);
RUNNEL_API void runnel_store_set_table_grow_hook(runnel_store *s, runnel_table_grow_hook hook, void *user);

/* ---------------------------------------------------------------- host functions and linking */

typedef struct runnel_caller runnel_caller;

/* Every host function has this signature. args holds the parameters, results receives the results,
   in the types of the function's signature. Return RUNNEL_OK to continue, or the status set by
   runnel_caller_trap() / runnel_caller_exit(). */
typedef runnel_status (*runnel_host_fn)(runnel_caller *caller, const runnel_slot *args, runnel_slot *results,
                                        void *user);

/* The instance whose code called the host function (NULL when called from the embedder). */
RUNNEL_API runnel_instance *runnel_caller_instance(runnel_caller *c);
/* The calling instance's memory 0 (NULL if it has none). */
RUNNEL_API runnel_memory *runnel_caller_memory(runnel_caller *c);
RUNNEL_API runnel_store *runnel_caller_store(runnel_caller *c);
/* Trap with a message (printf-style); return its result from the host function. */
RUNNEL_API runnel_status runnel_caller_trap(runnel_caller *c, const char *fmt, ...);
/* End the whole run with an exit code (WASI proc_exit); return its result from the host function. */
RUNNEL_API runnel_status runnel_caller_exit(runnel_caller *c, int code);
/* For host functions that wait (sleep, poll, I/O): has the running call been asked to stop
   (runnel_store_interrupt, or its timeout passed)? If so the host function should return soon; the
   call is then suspended (INTERRUPTED) at once, before any more guest code runs a loop or a call. */
RUNNEL_API bool runnel_caller_interrupted(runnel_caller *c);
/* Nanoseconds left before the running call's timeout; UINT64_MAX when it has none. */
RUNNEL_API uint64_t runnel_caller_time_left_ns(runnel_caller *c);

typedef struct runnel_linker runnel_linker;
RUNNEL_API runnel_linker *runnel_linker_new(void);
RUNNEL_API void runnel_linker_free(runnel_linker *l);
/* A host function. Signatures are strings of type letters, params and results separate:
   i = i32, I = i64, f = f32, F = f64, V = v128 (two slots), r = funcref, x = externref; e.g. ("ii", "I").
   Later definitions of the same (module, name) replace earlier ones.
   user is handed to fn on every call. free_user (NULL: none) is the finalizer of user: it is called
   once, with user, when the linker is freed (for a replaced definition too, since instances made
   before the replacement may still call it), and never when this call fails (then user stays the
   caller's). As the linker's host functions are called through instances, free a store before the
   linkers its instances were made with. */
typedef void (*runnel_free_fn)(void *user);
RUNNEL_API runnel_status runnel_linker_define_func(runnel_linker *l, const char *module, const char *name,
                                                   const char *params, const char *results, runnel_host_fn fn,
                                                   void *user, runnel_free_fn free_user);
/* Every export of an instance, under a module name (the spec's "register"). */
RUNNEL_API runnel_status runnel_linker_define_instance(runnel_linker *l, const char *module, runnel_instance *inst);
RUNNEL_API runnel_status runnel_linker_define_memory(runnel_linker *l, const char *module, const char *name,
                                                     runnel_memory *m);
RUNNEL_API runnel_status runnel_linker_define_table(runnel_linker *l, const char *module, const char *name,
                                                    runnel_table *t);
RUNNEL_API runnel_status runnel_linker_define_global(runnel_linker *l, const char *module, const char *name,
                                                     runnel_global *g);

/* ---------------------------------------------------------------- instances */

/* Resolve imports through the linker (NULL = none), allocate, initialise segments and run the start
   function. Returns NULL with r->status UNLINKABLE, TRAP or NOMEM on failure. Owned by the store. */
RUNNEL_API runnel_instance *runnel_instantiate(runnel_store *s, const runnel_module *m, const runnel_linker *l,
                                               runnel_report *r);
RUNNEL_API const runnel_module *runnel_instance_module(const runnel_instance *i);
RUNNEL_API runnel_func *runnel_instance_func(runnel_instance *i, const char *export_name);
/* The same for a name given with its length, which may contain NUL bytes (names are any UTF-8). */
RUNNEL_API runnel_func *runnel_instance_func_n(runnel_instance *i, const char *export_name, size_t len);
RUNNEL_API runnel_memory *runnel_instance_memory(runnel_instance *i,
                                                 const char *export_name); /* NULL name = memory 0 */
RUNNEL_API runnel_table *runnel_instance_table(runnel_instance *i, const char *export_name);
RUNNEL_API runnel_global *runnel_instance_global(runnel_instance *i, const char *export_name);
/* Per-instance user data for host functions. */
RUNNEL_API void runnel_instance_set_user(runnel_instance *i, void *user);
RUNNEL_API void *runnel_instance_user(const runnel_instance *i);

/* ---------------------------------------------------------------- calls */

RUNNEL_API size_t runnel_func_param_count(const runnel_func *f);
RUNNEL_API size_t runnel_func_result_count(const runnel_func *f);
RUNNEL_API runnel_valtype runnel_func_param_type(const runnel_func *f, size_t i);
RUNNEL_API runnel_valtype runnel_func_result_type(const runnel_func *f, size_t i);

/* Call f. On RUNNEL_OK the results are written. On RUNNEL_SUSPENDED the call is kept in the store:
   runnel_resume() continues it (after runnel_store_add_fuel, say), runnel_abandon() drops it. A store
   holds one suspended call at a time; runnel_call on a store with a suspended call is RUNNEL_BADARG. */
RUNNEL_API runnel_status runnel_call(runnel_func *f, const runnel_val *args, size_t nargs, runnel_val *results,
                                     size_t nresults, runnel_report *r);
RUNNEL_API runnel_status runnel_resume(runnel_store *s, runnel_val *results, size_t nresults, runnel_report *r);
RUNNEL_API void runnel_abandon(runnel_store *s);
RUNNEL_API bool runnel_store_suspended(const runnel_store *s);

/* ---------------------------------------------------------------- memories, tables, globals */

#define RUNNEL_PAGE_SIZE 65536u

/* Standalone objects owned by the store (e.g. the spec tests' "spectest" module). */
RUNNEL_API runnel_memory *runnel_memory_new(runnel_store *s, uint32_t min_pages, uint32_t max_pages, bool has_max);
RUNNEL_API runnel_table *runnel_table_new(runnel_store *s, runnel_valtype elem, uint32_t min, uint32_t max,
                                          bool has_max);
RUNNEL_API runnel_global *runnel_global_new(runnel_store *s, runnel_val value, bool mutable_);

RUNNEL_API uint8_t *runnel_memory_data(runnel_memory *m);
RUNNEL_API size_t runnel_memory_size(const runnel_memory *m); /* bytes */
/* Grow by delta pages; returns the old size in pages or -1 (limits, grow hook, no memory). */
RUNNEL_API int64_t runnel_memory_grow(runnel_memory *m, uint32_t delta);

RUNNEL_API runnel_val runnel_global_get(const runnel_global *g);
RUNNEL_API runnel_status runnel_global_set(runnel_global *g, runnel_val v);
RUNNEL_API uint32_t runnel_table_size(const runnel_table *t);

#ifdef __cplusplus
}
#endif
#endif
