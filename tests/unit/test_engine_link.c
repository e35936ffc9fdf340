/*
 * test_engine_link.c - linking (spec 4.5.3/4.5.4: resolving imports, 4.5.2: import matching) and the
 * rejection of bad modules (spec 5: malformed binaries, spec 3: invalid ones), through the public API.
 *
 * Linking is how Reflow actors and Extism plugins get their host functions and share memory, so both
 * directions are checked: what links must work across the instance boundary (a call, a store into the
 * other instance's memory, a global set seen by the other side, a table entry called through), and
 * what does not link must say which import (module.field) failed. Bad modules must be refused with the
 * right status, a message and the byte offset of the fault, which tools show to the module's author.
 *
 * The modules are written in WAT (in the comment above each array) and were turned into bytes at
 * development time with `wat2wasm` (wabt 1.0.32; the invalid ones with --no-check, which skips
 * wabt's own validation); the test needs no tool at run time. Offsets in the assertions are those
 * `wasm-objdump -d` prints for the instruction at fault.
 */
#include "engine_test_util.h" /* load, instantiate, expect_i32, ok_i32 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- modules that link */

/* wat2wasm link_a.wat:
 * (module
 *   (func (export "triple") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
 *   (memory (export "mem") 1 2)
 *   (global (export "counter") (mut i32) (i32.const 100))
 *   (global (export "seven") i64 (i64.const 7))
 *   (table (export "tab") 2 funcref)
 *   (elem (i32.const 1) $seven)
 *   (func $seven (result i32) (i32.const 7))
 *   (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))
 */
static const uint8_t link_a_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x00, 0x01, 0x7f, 0x03, 0x04, 0x03, 0x00, 0x01, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02,
    0x05, 0x04, 0x01, 0x01, 0x01, 0x02, 0x06, 0x0c, 0x02, 0x7f, 0x01, 0x41, 0xe4, 0x00, 0x0b, 0x7e,
    0x00, 0x42, 0x07, 0x0b, 0x07, 0x2f, 0x06, 0x06, 0x74, 0x72, 0x69, 0x70, 0x6c, 0x65, 0x00, 0x00,
    0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x07, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x65, 0x72, 0x03, 0x00,
    0x05, 0x73, 0x65, 0x76, 0x65, 0x6e, 0x03, 0x01, 0x03, 0x74, 0x61, 0x62, 0x01, 0x00, 0x04, 0x6c,
    0x6f, 0x61, 0x64, 0x00, 0x02, 0x09, 0x07, 0x01, 0x00, 0x41, 0x01, 0x0b, 0x01, 0x01, 0x0a, 0x16,
    0x03, 0x07, 0x00, 0x20, 0x00, 0x41, 0x03, 0x6c, 0x0b, 0x04, 0x00, 0x41, 0x07, 0x0b, 0x07, 0x00,
    0x20, 0x00, 0x28, 0x02, 0x00, 0x0b,
};

/* wat2wasm link_b.wat:
 * (module
 *   (import "a" "triple" (func $triple (param i32) (result i32)))
 *   (import "a" "mem" (memory 1))
 *   (import "a" "counter" (global $counter (mut i32)))
 *   (import "a" "seven" (global $seven i64))
 *   (import "a" "tab" (table 2 funcref))
 *   (type $v_i (func (result i32)))
 *   ;; run(x): stores triple(x) at address 8 of a's memory, bumps a's counter, and returns
 *   ;; the stored value + a's table entry 1 (a function giving 7) + a's constant global (7)
 *   (func (export "run") (param i32) (result i32)
 *     (i32.store (i32.const 8) (call $triple (local.get 0)))
 *     (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
 *     (i32.add
 *       (i32.add (i32.load (i32.const 8)) (call_indirect (type $v_i) (i32.const 1)))
 *       (i32.wrap_i64 (global.get $seven)))))
 */
static const uint8_t link_b_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x00, 0x01, 0x7f, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x02, 0x37, 0x05, 0x01, 0x61, 0x06, 0x74, 0x72, 0x69, 0x70, 0x6c, 0x65,
    0x00, 0x01, 0x01, 0x61, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x01, 0x01, 0x61, 0x07, 0x63, 0x6f,
    0x75, 0x6e, 0x74, 0x65, 0x72, 0x03, 0x7f, 0x01, 0x01, 0x61, 0x05, 0x73, 0x65, 0x76, 0x65, 0x6e,
    0x03, 0x7e, 0x00, 0x01, 0x61, 0x03, 0x74, 0x61, 0x62, 0x01, 0x70, 0x00, 0x02, 0x03, 0x02, 0x01,
    0x01, 0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x01, 0x0a, 0x23, 0x01, 0x21, 0x00, 0x41,
    0x08, 0x20, 0x00, 0x10, 0x00, 0x36, 0x02, 0x00, 0x23, 0x00, 0x41, 0x01, 0x6a, 0x24, 0x00, 0x41,
    0x08, 0x28, 0x02, 0x00, 0x41, 0x01, 0x11, 0x00, 0x00, 0x6a, 0x23, 0x01, 0xa7, 0x6a, 0x0b,
};

/* ---------------------------------------------------------------- modules that do not link against link_a */

/* wat2wasm link_missing.wat:
 * (module (import "a" "nothere" (func)))
 */
static const uint8_t link_missing_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x02, 0x0d,
    0x01, 0x01, 0x61, 0x07, 0x6e, 0x6f, 0x74, 0x68, 0x65, 0x72, 0x65, 0x00, 0x00,
};

/* wat2wasm link_missing_module.wat:
 * (module (import "nomodule" "triple" (func (param i32) (result i32))))
 */
static const uint8_t link_missing_module_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x02, 0x13, 0x01, 0x08, 0x6e, 0x6f, 0x6d, 0x6f, 0x64, 0x75, 0x6c, 0x65, 0x06, 0x74, 0x72, 0x69,
    0x70, 0x6c, 0x65, 0x00, 0x00,
};

/* wat2wasm link_bad_func.wat:
 * (module (import "a" "triple" (func (param i64) (result i32))))
 */
static const uint8_t link_bad_func_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7e, 0x01, 0x7f,
    0x02, 0x0c, 0x01, 0x01, 0x61, 0x06, 0x74, 0x72, 0x69, 0x70, 0x6c, 0x65, 0x00, 0x00,
};

/* wat2wasm link_bad_global_mut.wat:
 * (module (import "a" "counter" (global i32)))
 */
static const uint8_t link_bad_global_mut_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x0e, 0x01, 0x01, 0x61, 0x07, 0x63, 0x6f,
    0x75, 0x6e, 0x74, 0x65, 0x72, 0x03, 0x7f, 0x00,
};

/* wat2wasm link_bad_global_type.wat:
 * (module (import "a" "seven" (global i32)))
 */
static const uint8_t link_bad_global_type_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x0c, 0x01, 0x01, 0x61, 0x05, 0x73, 0x65,
    0x76, 0x65, 0x6e, 0x03, 0x7f, 0x00,
};

/* wat2wasm link_bad_mem_min.wat:
 * (module (import "a" "mem" (memory 2)))
 */
static const uint8_t link_bad_mem_min_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x0a, 0x01, 0x01, 0x61, 0x03, 0x6d, 0x65,
    0x6d, 0x02, 0x00, 0x02,
};

/* wat2wasm link_bad_mem_max.wat:
 * (module (import "a" "mem" (memory 1 1)))
 */
static const uint8_t link_bad_mem_max_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x0b, 0x01, 0x01, 0x61, 0x03, 0x6d, 0x65,
    0x6d, 0x02, 0x01, 0x01, 0x01,
};

/* wat2wasm link_bad_kind.wat:
 * (module (import "a" "mem" (func)))
 */
static const uint8_t link_bad_kind_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x02, 0x09,
    0x01, 0x01, 0x61, 0x03, 0x6d, 0x65, 0x6d, 0x00, 0x00,
};

/* wat2wasm link_bad_table.wat:
 * (module (import "a" "tab" (table 3 funcref)))
 */
static const uint8_t link_bad_table_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x0b, 0x01, 0x01, 0x61, 0x03, 0x74, 0x61,
    0x62, 0x01, 0x70, 0x00, 0x03,
};

/* ---------------------------------------------------------------- invalid modules */

/* wat2wasm --no-check invalid_type.wat:
 * (module
 *   ;; returns an i64 where an i32 is declared: "type mismatch"
 *   (func (result i32) (i64.const 1)))
 */
static const uint8_t invalid_type_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03,
    0x02, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x01, 0x0b,
};

/* wat2wasm --no-check invalid_local.wat:
 * (module
 *   (func (export "f") (param i32) (result i32) (local.get 0))
 *   ;; reads local 3 of a function with one local: "unknown local"
 *   (func (result i32) (local.get 3)))
 */
static const uint8_t invalid_local_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x00, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00, 0x01, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,
    0x0a, 0x0b, 0x02, 0x04, 0x00, 0x20, 0x00, 0x0b, 0x04, 0x00, 0x20, 0x03, 0x0b,
};

/* wat2wasm --no-check invalid_call.wat:
 * (module
 *   ;; calls function 5 of a module with one function: "unknown function"
 *   (func (call 5)))
 */
static const uint8_t invalid_call_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02,
    0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x05, 0x0b,
};

/* ---------------------------------------------------------------- linking instances */

/* b imports a function, a memory, a mutable global, an immutable global and a table from a, all
   satisfied by a's instance registered as "a"; what b does through them is seen from a's side. */
static void test_link_instances(void **state)
{
    (void)state;
    runnel_module *ma = load(link_a_wasm, sizeof link_a_wasm), *mb = load(link_b_wasm, sizeof link_b_wasm);
    runnel_store *s = new_store(NULL);
    runnel_instance *a = instantiate(s, ma, NULL);
    runnel_linker *l = runnel_linker_new();
    assert_non_null(l);
    assert_int_equal(runnel_linker_define_instance(l, "a", a), RUNNEL_OK);
    runnel_instance *b = instantiate(s, mb, l);

    /* run(5) = triple(5) + table[1]() + a.seven = 15 + 7 + 7 */
    assert_int_equal(ok_i32(b, "run", 1, 5, 0), 29);
    assert_int_equal(ok_i32(a, "load", 1, 8, 0), 15); /* b stored into a's memory */
    assert_int_equal(runnel_global_get(runnel_instance_global(a, "counter")).of.i32, 101);
    assert_int_equal(ok_i32(b, "run", 1, 10, 0), 44);
    assert_int_equal(runnel_global_get(runnel_instance_global(a, "counter")).of.i32, 102);
    assert_int_equal(ok_i32(a, "load", 1, 8, 0), 30);

    /* and a's side seen from b: the embedder sets a's counter, b increments what it finds */
    assert_int_equal(runnel_global_set(runnel_instance_global(a, "counter"), RUNNEL_I32(-1)), RUNNEL_OK);
    ok_i32(b, "run", 1, 1, 0);
    assert_int_equal(runnel_global_get(runnel_instance_global(a, "counter")).of.i32, 0);
    /* an immutable global cannot be set */
    assert_int_equal(runnel_global_set(runnel_instance_global(a, "seven"), RUNNEL_I64(8)), RUNNEL_BADARG);
    assert_int_equal(runnel_global_get(runnel_instance_global(a, "seven")).of.i64, 7);
    assert_int_equal(runnel_table_size(runnel_instance_table(a, "tab")), 2);

    /* the same module linked twice shares a's objects */
    runnel_instance *b2 = instantiate(s, mb, l);
    ok_i32(b2, "run", 1, 100, 0);
    assert_int_equal(ok_i32(a, "load", 1, 8, 0), 300);
    assert_int_equal(runnel_global_get(runnel_instance_global(a, "counter")).of.i32, 1);

    runnel_store_free(s);
    runnel_linker_free(l);
    runnel_module_free(ma);
    runnel_module_free(mb);
}

static runnel_status host_triple(runnel_caller *c, const runnel_slot *args, runnel_slot *results, void *user)
{
    (void)c;
    (void)user;
    results[0].i32 = args[0].i32 * 3;
    return RUNNEL_OK;
}

/* wat2wasm host_later.wat:
 * (module
 *   (import "env" "triple" (func $t (param i32) (result i32)))
 *   (func (export "run") (param i32) (result i32) (call $t (local.get 0))))
 */
static const uint8_t host_later_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x02, 0x0e, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x74, 0x72, 0x69, 0x70, 0x6c, 0x65, 0x00, 0x00,
    0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x01, 0x0a, 0x08, 0x01,
    0x06, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b,
};

/* A host function made from a linker keeps working when the linker grows afterwards (its entries
   move) and when it is freed: the function owns a copy of its type. */
static void test_linker_changes_after_instantiation(void **state)
{
    (void)state;
    runnel_module *m = load(host_later_wasm, sizeof host_later_wasm);
    runnel_store *s = runnel_store_new(NULL);
    runnel_linker *l = runnel_linker_new();
    assert_int_equal(runnel_linker_define_func(l, "env", "triple", "i", "i", host_triple, NULL, NULL), RUNNEL_OK);
    runnel_instance *i = instantiate(s, m, l);
    for (int k = 0; k < 200; k++) { /* enough definitions to move the linker's table several times */
        char name[32];
        snprintf(name, sizeof name, "f%d", k);
        assert_int_equal(runnel_linker_define_func(l, "env", name, "IIII", "FF", host_triple, NULL, NULL), RUNNEL_OK);
    }
    assert_int_equal(ok_i32(i, "run", 1, 14, 0), 42);
    runnel_linker_free(l);
    assert_int_equal(ok_i32(i, "run", 1, -5, 0), -15);
    runnel_store_free(s);
    runnel_module_free(m);
}

/* The same imports satisfied one by one by objects the embedder made (runnel_memory_new & co.): b's
   effects land in them. The table is empty, so b's call_indirect traps, after the rest was done. */
static void test_link_standalone_objects(void **state)
{
    (void)state;
    runnel_module *mb = load(link_b_wasm, sizeof link_b_wasm);
    runnel_store *s = new_store(NULL);
    runnel_memory *mem = runnel_memory_new(s, 1, 2, true);
    runnel_global *counter = runnel_global_new(s, RUNNEL_I32(5), true);
    runnel_global *seven = runnel_global_new(s, RUNNEL_I64(7), false);
    runnel_table *tab = runnel_table_new(s, RUNNEL_TYPE_FUNCREF, 2, 0, false);
    assert_non_null(mem);
    assert_non_null(counter);
    assert_non_null(seven);
    assert_non_null(tab);
    assert_int_equal(runnel_memory_size(mem), RUNNEL_PAGE_SIZE);
    assert_int_equal(runnel_table_size(tab), 2);
    assert_null(runnel_memory_new(s, 3, 2, true)); /* max below min */

    runnel_linker *l = runnel_linker_new();
    assert_non_null(l);
    assert_int_equal(runnel_linker_define_func(l, "a", "triple", "i", "i", host_triple, NULL, NULL), RUNNEL_OK);
    assert_int_equal(runnel_linker_define_memory(l, "a", "mem", mem), RUNNEL_OK);
    assert_int_equal(runnel_linker_define_global(l, "a", "counter", counter), RUNNEL_OK);
    assert_int_equal(runnel_linker_define_global(l, "a", "seven", seven), RUNNEL_OK);
    assert_int_equal(runnel_linker_define_table(l, "a", "tab", tab), RUNNEL_OK);
    assert_int_equal(runnel_linker_define_memory(l, "a", "x", NULL), RUNNEL_BADARG);

    runnel_instance *b = instantiate(s, mb, l);
    expect_i32(b, "run", 1, 4, 0, RUNNEL_TRAP, RUNNEL_TRAP_NULL_FUNC);
    int32_t stored;
    memcpy(&stored, runnel_memory_data(mem) + 8, sizeof stored);
    assert_int_equal(stored, 12);
    assert_int_equal(runnel_global_get(counter).of.i32, 6);

    /* the embedder's growth of the shared memory is seen by the instance's memory.size... */
    assert_int_equal(runnel_memory_grow(mem, 1), 1);
    assert_ptr_equal(runnel_instance_memory(b, NULL), mem);
    assert_int_equal(runnel_memory_grow(mem, 1), -1); /* ...up to its declared max */

    runnel_store_free(s);
    runnel_linker_free(l);
    runnel_module_free(mb);
}

/* ---------------------------------------------------------------- link errors */

static void expect_unlinkable(runnel_store *s, const uint8_t *bytes, size_t len, const runnel_linker *l,
                              const char *what)
{
    runnel_module *m = load(bytes, len);
    runnel_report r = {0};
    runnel_instance *i = runnel_instantiate(s, m, l, &r);
    if (i || r.status != RUNNEL_UNLINKABLE || !r.message || !strstr(r.message, what))
        print_error("%s: %s: %s\n", what, runnel_status_name(r.status), r.message ? r.message : "(none)");
    assert_null(i);
    assert_int_equal(r.status, RUNNEL_UNLINKABLE);
    assert_non_null(r.message);
    assert_non_null(strstr(r.message, what));
    runnel_report_clear(&r);
    runnel_module_free(m);
}

/* A missing import or one of the wrong type fails instantiation as RUNNEL_UNLINKABLE, naming the
   import as module.field; the store and the linker are unharmed. */
static void test_link_errors(void **state)
{
    (void)state;
    runnel_module *ma = load(link_a_wasm, sizeof link_a_wasm);
    runnel_store *s = new_store(NULL);
    runnel_instance *a = instantiate(s, ma, NULL);
    runnel_linker *l = runnel_linker_new();
    assert_non_null(l);
    assert_int_equal(runnel_linker_define_instance(l, "a", a), RUNNEL_OK);

#define UNLINKABLE(name, what) expect_unlinkable(s, name, sizeof name, l, what)
    UNLINKABLE(link_missing_wasm, "a.nothere");
    UNLINKABLE(link_missing_module_wasm, "nomodule.triple");
    UNLINKABLE(link_bad_func_wasm, "a.triple");        /* (i64) -> i32 against (i32) -> i32 */
    UNLINKABLE(link_bad_global_mut_wasm, "a.counter"); /* immutable import of a mutable global */
    UNLINKABLE(link_bad_global_type_wasm, "a.seven");  /* i32 import of an i64 global */
    UNLINKABLE(link_bad_mem_min_wasm, "a.mem");        /* needs 2 pages, a's has 1 */
    UNLINKABLE(link_bad_mem_max_wasm, "a.mem");        /* needs max 1, a's may grow to 2 */
    UNLINKABLE(link_bad_kind_wasm, "a.mem");           /* a function import of a memory */
    UNLINKABLE(link_bad_table_wasm, "a.tab");          /* needs 3 elements, a's has 2 */
#undef UNLINKABLE
    /* no linker at all */
    expect_unlinkable(s, link_b_wasm, sizeof link_b_wasm, NULL, "a.triple");

    /* a still works, and the good module still links */
    runnel_module *mb = load(link_b_wasm, sizeof link_b_wasm);
    runnel_instance *b = instantiate(s, mb, l);
    assert_int_equal(ok_i32(b, "run", 1, 1, 0), 17);
    assert_int_equal(runnel_linker_define_instance(l, "a", NULL), RUNNEL_BADARG);

    runnel_store_free(s);
    runnel_linker_free(l);
    runnel_module_free(ma);
    runnel_module_free(mb);
}

/* A module's imports and exports can be listed before instantiating it. */
static void test_module_introspection(void **state)
{
    (void)state;
    runnel_module *mb = load(link_b_wasm, sizeof link_b_wasm);
    static const struct {
        const char *name;
        runnel_externkind kind;
        const char *type;
    } want[] = {
        {"triple", RUNNEL_EXTERN_FUNC, "i:i"}, {"mem", RUNNEL_EXTERN_MEMORY, NULL},
        {"counter", RUNNEL_EXTERN_GLOBAL, NULL}, {"seven", RUNNEL_EXTERN_GLOBAL, NULL},
        {"tab", RUNNEL_EXTERN_TABLE, NULL},
    };
    assert_int_equal(runnel_module_import_count(mb), 5);
    for (size_t k = 0; k < 5; k++) {
        runnel_import_desc d = runnel_module_import(mb, k);
        assert_string_equal(d.module, "a");
        assert_string_equal(d.name, want[k].name);
        assert_int_equal(d.kind, want[k].kind);
        if (want[k].type)
            assert_string_equal(d.type, want[k].type);
        else
            assert_null(d.type);
    }
    assert_int_equal(runnel_module_export_count(mb), 1);
    runnel_export_desc e = runnel_module_export(mb, 0);
    assert_string_equal(e.name, "run");
    assert_int_equal(e.kind, RUNNEL_EXTERN_FUNC);
    assert_int_equal(e.index, 1); /* after the one imported function */
    assert_string_equal(e.type, "i:i");
    runnel_module_free(mb);
}

/* ---------------------------------------------------------------- bad modules */

static void expect_rejected(const uint8_t *bytes, size_t len, runnel_status status, size_t min_off, size_t max_off,
                            const char *message)
{
    runnel_report r = {0};
    runnel_module *m = runnel_module_new(bytes, len, &r);
    if (m || r.status != status || r.offset < min_off || r.offset > max_off)
        print_error("expected %s at %zu..%zu, got %s at %zu: %s\n", runnel_status_name(status), min_off, max_off,
                    runnel_status_name(r.status), r.offset, r.message ? r.message : "(none)");
    assert_null(m);
    assert_int_equal(r.status, status);
    assert_non_null(r.message);
    assert_true(strlen(r.message) > 0);
    if (message)
        assert_non_null(strstr(r.message, message));
    assert_in_range(r.offset, min_off, max_off);
    runnel_report_clear(&r);
    /* without a report the answer is the same */
    assert_null(runnel_module_new(bytes, len, NULL));
}

#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

/* Binaries that do not decode (spec 5): RUNNEL_MALFORMED, with the spec test suite's message and the
   offset of the first bad byte. */
static void test_malformed(void **state)
{
    (void)state;
    expect_rejected((const uint8_t *)"", 0, RUNNEL_MALFORMED, 0, 0, NULL);
    expect_rejected(BYTES(0x00, 0x61, 0x73), RUNNEL_MALFORMED, 0, 3, NULL);
    expect_rejected(BYTES(0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00), RUNNEL_MALFORMED, 0, 0,
                    "magic header not detected");
    expect_rejected(BYTES(0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00), RUNNEL_MALFORMED, 4, 4,
                    "unknown binary version");
    /* a type section claiming 5 bytes with 2 present */
    expect_rejected(BYTES(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60), RUNNEL_MALFORMED,
                    9, 12, NULL);
    /* section id 14 does not exist */
    expect_rejected(BYTES(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x0e, 0x00), RUNNEL_MALFORMED, 8, 8,
                    "malformed section id");
    /* a function section, then a type section: out of order */
    expect_rejected(BYTES(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0x01, 0x01, 0x00),
                    RUNNEL_MALFORMED, 11, 11, NULL);
    /* every prefix of a good module that cuts a section is malformed, and none is read past its end
       (a prefix ending between sections may be a smaller valid module, or lack the code section its
       function section announces) */
    bool boundary[sizeof link_b_wasm + 1] = {false};
    for (size_t p = 8; p < sizeof link_b_wasm;) {
        boundary[p] = true;
        size_t size = 0, shift = 0;
        p++; /* the section id */
        while (link_b_wasm[p] & 0x80) {
            size |= (size_t)(link_b_wasm[p++] & 0x7F) << shift;
            shift += 7;
        }
        size |= (size_t)link_b_wasm[p++] << shift;
        p += size;
        assert_true(p <= sizeof link_b_wasm);
    }
    for (size_t n = 0; n < sizeof link_b_wasm; n++) {
        runnel_report r = {0};
        runnel_module *m = runnel_module_new(link_b_wasm, n, &r);
        if (boundary[n] && m) {
            runnel_module_free(m);
            continue;
        }
        if (m)
            print_error("prefix of %zu bytes accepted\n", n);
        assert_null(m);
        assert_int_equal(r.status, RUNNEL_MALFORMED);
        assert_true(r.offset <= n);
        runnel_report_clear(&r);
    }
    runnel_module *empty = load(link_b_wasm, 8);
    assert_int_equal(runnel_module_import_count(empty), 0);
    runnel_module_free(empty);
    runnel_report r = {0};
    assert_null(runnel_module_new(NULL, 5, &r));
    assert_int_not_equal(r.status, RUNNEL_OK);
    runnel_report_clear(&r);
}

/* Modules that decode but do not validate (spec 3): RUNNEL_INVALID, with the offset of the
   instruction at fault as wasm-objdump shows it. */
static void test_invalid(void **state)
{
    (void)state;
    /* i64.const at 0x18, the function's end at 0x1a: the mismatch is found at one of them */
    expect_rejected(invalid_type_wasm, sizeof invalid_type_wasm, RUNNEL_INVALID, 0x18, 0x1a, "type mismatch");
    expect_rejected(invalid_local_wasm, sizeof invalid_local_wasm, RUNNEL_INVALID, 0x2a, 0x2a, "unknown local");
    expect_rejected(invalid_call_wasm, sizeof invalid_call_wasm, RUNNEL_INVALID, 0x17, 0x17, "unknown function");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_instances),
        cmocka_unit_test(test_link_standalone_objects),
        cmocka_unit_test(test_linker_changes_after_instantiation),
        cmocka_unit_test(test_link_errors),
        cmocka_unit_test(test_module_introspection),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
