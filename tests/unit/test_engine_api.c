/*
 * test_engine_api.c - the engine's public API (include/runnel/engine.h) as an embedder uses it: trap
 * reports and backtraces, host functions, runnel_call's argument checking, and one module shared by
 * several stores and threads. (Limits are in test_engine_limits.c, linking and module errors in
 * test_engine_link.c.)
 *
 * A trap report is what a plugin author sees when their code fails, so its parts are checked exactly:
 * the kind, the spec's message, and each frame's function index, name (from the name section, else
 * the export name) and byte offset, which is the offset of the failing instruction as
 * `wasm-objdump -d` prints it (the offsets below were read from that listing).
 *
 * The modules are written in WAT (in the comment above each array) and were turned into bytes at
 * development time with `wat2wasm` (wabt 1.0.32); the test needs no tool at run time. To change one,
 * edit the WAT, run wat2wasm with the flags shown, paste the bytes (e.g. `xxd -i`), and re-read the
 * offsets with `wasm-objdump -d`.
 */
#include "engine_test_util.h" /* load, instantiate, func, call_i32, ok_i32 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- modules */

/* wat2wasm --debug-names trap.wat:
 * (module
 *   (type $v_i (func (result i32)))
 *   (func $inner (param $a i32) (param $b i32) (result i32)
 *     (i32.div_s (local.get $a) (local.get $b)))
 *   (func $outer (export "divide") (param i32 i32) (result i32)
 *     (call $inner (local.get 0) (local.get 1)))
 *   (func $unreachable (export "unreachable") (result i32) unreachable)
 *   (memory 1)
 *   (func $oob (export "oob") (result i32) (i32.load (i32.const 65533)))
 *   (func $overflow (export "overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
 *   (func $conversion (export "conversion") (result i32) (i32.trunc_f32_s (f32.const nan)))
 *   (table 3 funcref)
 *   (elem (i32.const 0) $unreachable $id)
 *   (func $id (param i32) (result i32) (local.get 0))
 *   (func $null_elem (export "null_elem") (result i32) (call_indirect (type $v_i) (i32.const 2)))
 *   (func $sig_mismatch (export "sig_mismatch") (result i32) (call_indirect (type $v_i) (i32.const 1)))
 *   (func $table_oob (export "table_oob") (result i32) (call_indirect (type $v_i) (i32.const 3)))
 *   (func $through_table (export "through_table") (result i32) (call_indirect (type $v_i) (i32.const 0))))
 */
static const uint8_t trap_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x10, 0x03, 0x60, 0x00, 0x01, 0x7f, 0x60,
    0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x03, 0x0c, 0x0b, 0x01, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x03, 0x05, 0x03,
    0x01, 0x00, 0x01, 0x07, 0x6d, 0x09, 0x06, 0x64, 0x69, 0x76, 0x69, 0x64, 0x65, 0x00, 0x01, 0x0b,
    0x75, 0x6e, 0x72, 0x65, 0x61, 0x63, 0x68, 0x61, 0x62, 0x6c, 0x65, 0x00, 0x02, 0x03, 0x6f, 0x6f,
    0x62, 0x00, 0x03, 0x08, 0x6f, 0x76, 0x65, 0x72, 0x66, 0x6c, 0x6f, 0x77, 0x00, 0x04, 0x0a, 0x63,
    0x6f, 0x6e, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x00, 0x05, 0x09, 0x6e, 0x75, 0x6c, 0x6c,
    0x5f, 0x65, 0x6c, 0x65, 0x6d, 0x00, 0x07, 0x0c, 0x73, 0x69, 0x67, 0x5f, 0x6d, 0x69, 0x73, 0x6d,
    0x61, 0x74, 0x63, 0x68, 0x00, 0x08, 0x09, 0x74, 0x61, 0x62, 0x6c, 0x65, 0x5f, 0x6f, 0x6f, 0x62,
    0x00, 0x09, 0x0d, 0x74, 0x68, 0x72, 0x6f, 0x75, 0x67, 0x68, 0x5f, 0x74, 0x61, 0x62, 0x6c, 0x65,
    0x00, 0x0a, 0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x02, 0x06, 0x0a, 0x5a, 0x0b, 0x07,
    0x00, 0x20, 0x00, 0x20, 0x01, 0x6d, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x20, 0x01, 0x10, 0x00, 0x0b,
    0x03, 0x00, 0x00, 0x0b, 0x09, 0x00, 0x41, 0xfd, 0xff, 0x03, 0x28, 0x02, 0x00, 0x0b, 0x0b, 0x00,
    0x41, 0x80, 0x80, 0x80, 0x80, 0x78, 0x41, 0x7f, 0x6d, 0x0b, 0x08, 0x00, 0x43, 0x00, 0x00, 0xc0,
    0x7f, 0xa8, 0x0b, 0x04, 0x00, 0x20, 0x00, 0x0b, 0x07, 0x00, 0x41, 0x02, 0x11, 0x00, 0x00, 0x0b,
    0x07, 0x00, 0x41, 0x01, 0x11, 0x00, 0x00, 0x0b, 0x07, 0x00, 0x41, 0x03, 0x11, 0x00, 0x00, 0x0b,
    0x07, 0x00, 0x41, 0x00, 0x11, 0x00, 0x00, 0x0b, 0x00, 0x9c, 0x01, 0x04, 0x6e, 0x61, 0x6d, 0x65,
    0x01, 0x6e, 0x0b, 0x00, 0x05, 0x69, 0x6e, 0x6e, 0x65, 0x72, 0x01, 0x05, 0x6f, 0x75, 0x74, 0x65,
    0x72, 0x02, 0x0b, 0x75, 0x6e, 0x72, 0x65, 0x61, 0x63, 0x68, 0x61, 0x62, 0x6c, 0x65, 0x03, 0x03,
    0x6f, 0x6f, 0x62, 0x04, 0x08, 0x6f, 0x76, 0x65, 0x72, 0x66, 0x6c, 0x6f, 0x77, 0x05, 0x0a, 0x63,
    0x6f, 0x6e, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x06, 0x02, 0x69, 0x64, 0x07, 0x09, 0x6e,
    0x75, 0x6c, 0x6c, 0x5f, 0x65, 0x6c, 0x65, 0x6d, 0x08, 0x0c, 0x73, 0x69, 0x67, 0x5f, 0x6d, 0x69,
    0x73, 0x6d, 0x61, 0x74, 0x63, 0x68, 0x09, 0x09, 0x74, 0x61, 0x62, 0x6c, 0x65, 0x5f, 0x6f, 0x6f,
    0x62, 0x0a, 0x0d, 0x74, 0x68, 0x72, 0x6f, 0x75, 0x67, 0x68, 0x5f, 0x74, 0x61, 0x62, 0x6c, 0x65,
    0x02, 0x1d, 0x0b, 0x00, 0x02, 0x00, 0x01, 0x61, 0x01, 0x01, 0x62, 0x01, 0x00, 0x02, 0x00, 0x03,
    0x00, 0x04, 0x00, 0x05, 0x00, 0x06, 0x00, 0x07, 0x00, 0x08, 0x00, 0x09, 0x00, 0x0a, 0x00, 0x04,
    0x06, 0x01, 0x00, 0x03, 0x76, 0x5f, 0x69,
};

/* wat2wasm nonames.wat:
 * (module
 *   ;; no name section: the exported function is known by its export name, the other by none
 *   (func $hidden unreachable)
 *   (func (export "boom") (call $hidden)))
 */
static const uint8_t nonames_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x03,
    0x02, 0x00, 0x00, 0x07, 0x08, 0x01, 0x04, 0x62, 0x6f, 0x6f, 0x6d, 0x00, 0x01, 0x0a, 0x0a, 0x02,
    0x03, 0x00, 0x00, 0x0b, 0x04, 0x00, 0x10, 0x00, 0x0b,
};

/* wat2wasm start_trap.wat:
 * (module (func $start unreachable) (start $start))
 */
static const uint8_t start_trap_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02,
    0x01, 0x00, 0x08, 0x01, 0x00, 0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b,
};

/* wat2wasm data_oob.wat:
 * (module (memory 1) (data (i32.const 65534) "abc"))
 */
static const uint8_t data_oob_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x0b, 0x0b, 0x01,
    0x00, 0x41, 0xfe, 0xff, 0x03, 0x0b, 0x03, 0x61, 0x62, 0x63,
};

/* wat2wasm --debug-names host.wat:
 * (module
 *   (import "env" "add" (func $add (param i32 i32) (result i32)))
 *   (import "env" "sum_bytes" (func $sum_bytes (param i32 i32) (result i32)))
 *   (import "env" "fail" (func $fail (param i32)))
 *   (import "env" "exit" (func $exit (param i32)))
 *   (import "env" "mix" (func $mix (param i64 f64) (result f64)))
 *   (import "env" "reenter" (func $reenter (param i32) (result i32)))
 *   (memory (export "memory") 1)
 *   (data (i32.const 16) "hello, host")
 *   ;; set after each host call returns, to show whether the code after it ran
 *   (global $after (export "after") (mut i32) (i32.const 0))
 *   (func $call_add (export "call_add") (param i32 i32) (result i32)
 *     (call $add (local.get 0) (local.get 1)))
 *   (func $checksum (export "checksum") (result i32)
 *     (call $sum_bytes (i32.const 16) (i32.const 11)))
 *   (func $call_fail (export "call_fail")
 *     (call $fail (i32.const 42))
 *     (global.set $after (i32.const 1)))
 *   (func $call_exit (export "call_exit")
 *     (call $exit (i32.const 7))
 *     (global.set $after (i32.const 2)))
 *   (func $call_mix (export "call_mix") (param i64 f64) (result f64)
 *     (call $mix (local.get 0) (local.get 1)))
 *   (func $double (export "double") (param i32) (result i32)
 *     (i32.mul (local.get 0) (i32.const 2)))
 *   (func $call_reenter (export "call_reenter") (param i32) (result i32)
 *     (i32.add (i32.const 1) (call $reenter (local.get 0))))
 *   (func $spin (export "spin") (loop $l (br $l)))
 *   ;; the host function itself, exported again: the embedder can call it directly
 *   (export "add" (func $add)))
 */
static const uint8_t host_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x1d, 0x06, 0x60, 0x02, 0x7f, 0x7f, 0x01,
    0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x02, 0x7e, 0x7c, 0x01, 0x7c, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x00, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x02, 0x49, 0x06, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x61,
    0x64, 0x64, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x09, 0x73, 0x75, 0x6d, 0x5f, 0x62, 0x79, 0x74,
    0x65, 0x73, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x66, 0x61, 0x69, 0x6c, 0x00, 0x01, 0x03,
    0x65, 0x6e, 0x76, 0x04, 0x65, 0x78, 0x69, 0x74, 0x00, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d,
    0x69, 0x78, 0x00, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x07, 0x72, 0x65, 0x65, 0x6e, 0x74, 0x65, 0x72,
    0x00, 0x03, 0x03, 0x09, 0x08, 0x00, 0x04, 0x05, 0x05, 0x02, 0x03, 0x03, 0x05, 0x05, 0x03, 0x01,
    0x00, 0x01, 0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x07, 0x70, 0x0b, 0x06, 0x6d, 0x65,
    0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x05, 0x61, 0x66, 0x74, 0x65, 0x72, 0x03, 0x00, 0x08, 0x63,
    0x61, 0x6c, 0x6c, 0x5f, 0x61, 0x64, 0x64, 0x00, 0x06, 0x08, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x73,
    0x75, 0x6d, 0x00, 0x07, 0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x66, 0x61, 0x69, 0x6c, 0x00, 0x08,
    0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x65, 0x78, 0x69, 0x74, 0x00, 0x09, 0x08, 0x63, 0x61, 0x6c,
    0x6c, 0x5f, 0x6d, 0x69, 0x78, 0x00, 0x0a, 0x06, 0x64, 0x6f, 0x75, 0x62, 0x6c, 0x65, 0x00, 0x0b,
    0x0c, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x72, 0x65, 0x65, 0x6e, 0x74, 0x65, 0x72, 0x00, 0x0c, 0x04,
    0x73, 0x70, 0x69, 0x6e, 0x00, 0x0d, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x0a, 0x4c, 0x08, 0x08,
    0x00, 0x20, 0x00, 0x20, 0x01, 0x10, 0x00, 0x0b, 0x08, 0x00, 0x41, 0x10, 0x41, 0x0b, 0x10, 0x01,
    0x0b, 0x0a, 0x00, 0x41, 0x2a, 0x10, 0x02, 0x41, 0x01, 0x24, 0x00, 0x0b, 0x0a, 0x00, 0x41, 0x07,
    0x10, 0x03, 0x41, 0x02, 0x24, 0x00, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x20, 0x01, 0x10, 0x04, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x41, 0x02, 0x6c, 0x0b, 0x09, 0x00, 0x41, 0x01, 0x20, 0x00, 0x10, 0x05,
    0x6a, 0x0b, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x0b, 0x11, 0x01, 0x00, 0x41, 0x10,
    0x0b, 0x0b, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x68, 0x6f, 0x73, 0x74, 0x00, 0xab, 0x01,
    0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x7b, 0x0e, 0x00, 0x03, 0x61, 0x64, 0x64, 0x01, 0x09, 0x73,
    0x75, 0x6d, 0x5f, 0x62, 0x79, 0x74, 0x65, 0x73, 0x02, 0x04, 0x66, 0x61, 0x69, 0x6c, 0x03, 0x04,
    0x65, 0x78, 0x69, 0x74, 0x04, 0x03, 0x6d, 0x69, 0x78, 0x05, 0x07, 0x72, 0x65, 0x65, 0x6e, 0x74,
    0x65, 0x72, 0x06, 0x08, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x61, 0x64, 0x64, 0x07, 0x08, 0x63, 0x68,
    0x65, 0x63, 0x6b, 0x73, 0x75, 0x6d, 0x08, 0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x66, 0x61, 0x69,
    0x6c, 0x09, 0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x65, 0x78, 0x69, 0x74, 0x0a, 0x08, 0x63, 0x61,
    0x6c, 0x6c, 0x5f, 0x6d, 0x69, 0x78, 0x0b, 0x06, 0x64, 0x6f, 0x75, 0x62, 0x6c, 0x65, 0x0c, 0x0c,
    0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x72, 0x65, 0x65, 0x6e, 0x74, 0x65, 0x72, 0x0d, 0x04, 0x73, 0x70,
    0x69, 0x6e, 0x02, 0x1d, 0x0e, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04, 0x00, 0x05,
    0x00, 0x06, 0x00, 0x07, 0x00, 0x08, 0x00, 0x09, 0x00, 0x0a, 0x00, 0x0b, 0x00, 0x0c, 0x00, 0x0d,
    0x00, 0x07, 0x08, 0x01, 0x00, 0x05, 0x61, 0x66, 0x74, 0x65, 0x72,
};

/* ---------------------------------------------------------------- helpers */

static void expect_frame(const runnel_report *r, size_t k, uint32_t index, const char *name, uint32_t offset)
{
    assert_true(k < r->nframes);
    const runnel_frame *f = &r->frames[k];
    assert_int_equal(f->func_index, index);
    if (name) {
        assert_non_null(f->func_name);
        assert_string_equal(f->func_name, name);
    } else {
        assert_null(f->func_name);
    }
    assert_int_equal(f->offset, offset);
}

/* ---------------------------------------------------------------- traps */

/* $outer calls $inner, which divides by zero: the report has the kind, the spec's message, and two
   frames, innermost first, named from the name section, at the div_s (0xb5) and the call (0xbd). */
static void test_trap_backtrace(void **state)
{
    (void)state;
    runnel_module *m = load(trap_wasm, sizeof trap_wasm);
    runnel_store *s = new_store(NULL);
    runnel_instance *i = instantiate(s, m, NULL);

    assert_int_equal(ok_i32(i, "divide", 2, 7, 2), 3);
    runnel_report r = {0};
    assert_int_equal(call_i32(i, "divide", 2, 1, 0, NULL, &r), RUNNEL_TRAP);
    assert_int_equal(r.status, RUNNEL_TRAP);
    assert_int_equal(r.trap, RUNNEL_TRAP_DIV_ZERO);
    assert_string_equal(r.message, "integer divide by zero");
    assert_int_equal(r.nframes, 2);
    expect_frame(&r, 0, 0, "inner", 0xb5);
    expect_frame(&r, 1, 1, "outer", 0xbd);

    /* the printed form names both frames, innermost first */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    runnel_report_print(&r, f);
    fclose(f);
    assert_non_null(text);
    assert_non_null(strstr(text, "integer divide by zero"));
    char *inner = strstr(text, "inner"), *outer = strstr(text, "outer");
    assert_non_null(inner);
    assert_non_null(outer);
    assert_true(inner < outer);
    free(text);

    /* a report is reused by the next call: success leaves no stale trap behind */
    runnel_val args[2] = {RUNNEL_I32(9), RUNNEL_I32(3)}, res[1];
    assert_int_equal(runnel_call(func(i, "divide"), args, 2, res, 1, &r), RUNNEL_OK);
    assert_int_equal(res[0].of.i32, 3);
    runnel_report_clear(&r);
    assert_null(r.message);
    assert_null(r.frames);
    assert_int_equal(r.nframes, 0);
    runnel_store_free(s);
    runnel_module_free(m);
}

/* wat2wasm --debug-names fused.wat: instructions the compiler fuses into one op, so that a trap in the
 * second half must still report the second instruction's offset.
 * (module
 *   (memory 1)
 *   (data (i32.const 0) "\08\00\00\00\2a\00\00\00\00\00\01\00")
 *   ;; a pointer chased: i32.load then i32.load of its result (one fused op)
 *   (func $chase (export "chase") (param i32) (result i32)
 *     local.get 0
 *     i32.load
 *     i32.load offset=4)
 *   ;; a pointer bumped and used: i32.add_imm then i32.load (one fused op)
 *   (func $bump (export "bump") (param i32) (result i32)
 *     local.get 0
 *     i32.const 4
 *     i32.add
 *     local.tee 0
 *     i32.load)
 *   ;; an address summed then stored to: i32.add then i32.store (one fused op)
 *   (func $sum (export "sum") (param i32 i32)
 *     local.get 0
 *     local.get 1
 *     i32.add
 *     local.get 1
 *     i32.store))
 */
static const uint8_t fused_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0b, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x02, 0x7f, 0x7f, 0x00, 0x03, 0x04, 0x03, 0x00, 0x00, 0x01, 0x05, 0x03, 0x01, 0x00, 0x01,
    0x07, 0x16, 0x03, 0x05, 0x63, 0x68, 0x61, 0x73, 0x65, 0x00, 0x00, 0x04, 0x62, 0x75, 0x6d, 0x70,
    0x00, 0x01, 0x03, 0x73, 0x75, 0x6d, 0x00, 0x02, 0x0a, 0x26, 0x03, 0x0a, 0x00, 0x20, 0x00, 0x28,
    0x02, 0x00, 0x28, 0x02, 0x04, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x41, 0x04, 0x6a, 0x22, 0x00, 0x28,
    0x02, 0x00, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x20, 0x01, 0x36, 0x02, 0x00, 0x0b,
    0x0b, 0x12, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x0c, 0x08, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x23, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x13, 0x03, 0x00, 0x05,
    0x63, 0x68, 0x61, 0x73, 0x65, 0x01, 0x04, 0x62, 0x75, 0x6d, 0x70, 0x02, 0x03, 0x73, 0x75, 0x6d,
    0x02, 0x07, 0x03, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00,
};

/* A trap in a fused op names the wasm instruction that failed, not its partner. */
static void test_trap_offsets_in_fused_ops(void **state)
{
    (void)state;
    runnel_module *m = load(fused_wasm, sizeof fused_wasm);
    runnel_store *s = new_store(NULL);
    runnel_instance *i = instantiate(s, m, NULL);
    runnel_report r = {0};

    assert_int_equal(ok_i32(i, "chase", 1, 4, 0), 0);         /* load(load(4) + 4) = load(46) */
    assert_int_equal(call_i32(i, "chase", 1, 8, 0, NULL, &r), RUNNEL_TRAP); /* load(8) = 65536: the 2nd traps */
    assert_int_equal(r.trap, RUNNEL_TRAP_MEMORY_OOB);
    expect_frame(&r, 0, 0, "chase", 0x42);
    assert_int_equal(call_i32(i, "chase", 1, 65534, 0, NULL, &r), RUNNEL_TRAP); /* the 1st traps */
    expect_frame(&r, 0, 0, "chase", 0x3f);

    assert_int_equal(ok_i32(i, "bump", 1, 0, 0), 42);
    assert_int_equal(call_i32(i, "bump", 1, 65532, 0, NULL, &r), RUNNEL_TRAP);
    expect_frame(&r, 0, 1, "bump", 0x4f);

    assert_int_equal(call_i32(i, "sum", 2, 100, 20, NULL, &r), RUNNEL_OK);
    assert_int_equal(ok_i32(i, "bump", 1, 116, 0), 20); /* sum stored 20 at 120 */
    assert_int_equal(call_i32(i, "sum", 2, 65530, 5, NULL, &r), RUNNEL_TRAP);
    expect_frame(&r, 0, 2, "sum", 0x5c);

    runnel_report_clear(&r);
    runnel_store_free(s);
    runnel_module_free(m);
}

/* Every trap kind a module can cause, with its message and the offset of the failing instruction. */
static void test_trap_kinds(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        runnel_trap_kind kind;
        const char *message;
        uint32_t index, offset;
    } cases[] = {
        {"unreachable", RUNNEL_TRAP_UNREACHABLE, "unreachable", 2, 0xc2},
        {"oob", RUNNEL_TRAP_MEMORY_OOB, "out of bounds memory access", 3, 0xca},
        {"overflow", RUNNEL_TRAP_INT_OVERFLOW, "integer overflow", 4, 0xd8},
        {"conversion", RUNNEL_TRAP_INVALID_CONVERSION, "invalid conversion to integer", 5, 0xe1},
        {"null_elem", RUNNEL_TRAP_NULL_FUNC, "uninitialized element", 7, 0xec},
        {"sig_mismatch", RUNNEL_TRAP_SIG_MISMATCH, "indirect call type mismatch", 8, 0xf4},
        {"table_oob", RUNNEL_TRAP_TABLE_OOB, "undefined element", 9, 0xfc}, /* call_indirect's words */
    };
    runnel_module *m = load(trap_wasm, sizeof trap_wasm);
    runnel_store *s = new_store(NULL);
    runnel_instance *i = instantiate(s, m, NULL);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        runnel_report r = {0};
        runnel_status st = call_i32(i, cases[k].name, 0, 0, 0, NULL, &r);
        if (st != RUNNEL_TRAP || r.trap != cases[k].kind)
            print_error("%s: %s, trap %d\n", cases[k].name, runnel_status_name(st), (int)r.trap);
        assert_int_equal(st, RUNNEL_TRAP);
        assert_int_equal(r.trap, cases[k].kind);
        assert_non_null(r.message);
        assert_string_equal(r.message, cases[k].message);
        if (cases[k].kind != RUNNEL_TRAP_TABLE_OOB) /* its kind's message is the table instructions' */
            assert_string_equal(runnel_trap_message(cases[k].kind), cases[k].message);
        assert_int_equal(r.nframes, 1);
        expect_frame(&r, 0, cases[k].index, cases[k].name, cases[k].offset);
        runnel_report_clear(&r);
    }

    /* through a table: the callee's frame, then the call_indirect's */
    runnel_report r = {0};
    assert_int_equal(call_i32(i, "through_table", 0, 0, 0, NULL, &r), RUNNEL_TRAP);
    assert_int_equal(r.trap, RUNNEL_TRAP_UNREACHABLE);
    assert_int_equal(r.nframes, 2);
    expect_frame(&r, 0, 2, "unreachable", 0xc2);
    expect_frame(&r, 1, 10, "through_table", 0x104);
    runnel_report_clear(&r);
    runnel_store_free(s);
    runnel_module_free(m);
}

/* Without a name section a frame is named by its function's export name, or not at all. */
static void test_trap_names_without_name_section(void **state)
{
    (void)state;
    runnel_module *m = load(nonames_wasm, sizeof nonames_wasm);
    runnel_store *s = new_store(NULL);
    runnel_instance *i = instantiate(s, m, NULL);
    runnel_report r = {0};
    assert_int_equal(call_i32(i, "boom", 0, 0, 0, NULL, &r), RUNNEL_TRAP);
    assert_int_equal(r.trap, RUNNEL_TRAP_UNREACHABLE);
    assert_int_equal(r.nframes, 2);
    assert_int_equal(r.frames[0].func_index, 0);
    assert_null(r.frames[0].func_name);
    assert_int_equal(r.frames[1].func_index, 1);
    assert_string_equal(r.frames[1].func_name, "boom");
    assert_true(r.frames[0].offset > 0 && r.frames[0].offset < r.frames[1].offset);
    assert_true(r.frames[1].offset < sizeof nonames_wasm);
    runnel_report_clear(&r);
    runnel_store_free(s);
    runnel_module_free(m);
}

/* Traps during instantiation (start function, data segment out of bounds) fail it with the trap. */
static void test_trap_during_instantiation(void **state)
{
    (void)state;
    runnel_module *start = load(start_trap_wasm, sizeof start_trap_wasm);
    runnel_module *data = load(data_oob_wasm, sizeof data_oob_wasm);
    runnel_store *s = new_store(NULL);
    runnel_report r = {0};
    assert_null(runnel_instantiate(s, start, NULL, &r));
    assert_int_equal(r.status, RUNNEL_TRAP);
    assert_int_equal(r.trap, RUNNEL_TRAP_UNREACHABLE);
    assert_string_equal(r.message, "unreachable");
    assert_false(runnel_store_suspended(s));
    runnel_report_clear(&r);
    assert_null(runnel_instantiate(s, data, NULL, &r));
    assert_int_equal(r.status, RUNNEL_TRAP);
    assert_int_equal(r.trap, RUNNEL_TRAP_MEMORY_OOB);
    runnel_report_clear(&r);

    /* a start function that runs out of fuel cannot leave a half-made instance suspended */
    runnel_store_set_fuel(s, 0);
    runnel_report_clear(&r);
    runnel_instance *i = runnel_instantiate(s, start, NULL, &r);
    assert_null(i);
    assert_int_not_equal(r.status, RUNNEL_OK);
    assert_false(runnel_store_suspended(s));
    runnel_report_clear(&r);
    runnel_store_free(s);
    runnel_module_free(start);
    runnel_module_free(data);
}

/* ---------------------------------------------------------------- host functions */

typedef struct host_ctx {
    runnel_store *store;
    runnel_instance *inst; /* the instance expected as the caller */
    int add_calls;
    runnel_instance *add_caller;
    bool saw_memory, saw_right_caller;
    char text[32];
    const char *reenter_export;
    runnel_status nested_status;
    runnel_trap_kind nested_trap;
    int64_t mix_i64;
    double mix_f64;
} host_ctx;

static runnel_status host_add(runnel_caller *c, const runnel_slot *args, runnel_slot *results, void *user)
{
    host_ctx *ctx = user;
    ctx->add_calls++;
    ctx->add_caller = runnel_caller_instance(c);
    results[0].i32 = args[0].i32 + args[1].i32;
    return RUNNEL_OK;
}

/* A replacement for "add", to show that a later definition wins. */
static runnel_status host_mul(runnel_caller *c, const runnel_slot *args, runnel_slot *results, void *user)
{
    (void)c;
    (void)user;
    results[0].i32 = args[0].i32 * args[1].i32;
    return RUNNEL_OK;
}

/* sum_bytes(ptr, len): reads the caller's memory, remembers the text, writes the sum at address 0. */
static runnel_status host_sum_bytes(runnel_caller *c, const runnel_slot *args, runnel_slot *results, void *user)
{
    host_ctx *ctx = user;
    ctx->saw_right_caller = runnel_caller_instance(c) == ctx->inst && runnel_caller_store(c) == ctx->store &&
                            runnel_instance_user(runnel_caller_instance(c)) == ctx;
    runnel_memory *mem = runnel_caller_memory(c);
    ctx->saw_memory = mem != NULL && mem == runnel_instance_memory(ctx->inst, "memory");
    uint32_t p = args[0].i32, n = args[1].i32;
    if (!mem || (uint64_t)p + n > runnel_memory_size(mem) || n >= sizeof ctx->text)
        return runnel_caller_trap(c, "bad range %u+%u", p, n);
    const uint8_t *d = runnel_memory_data(mem);
    uint32_t sum = 0;
    for (uint32_t k = 0; k < n; k++)
        sum += d[p + k];
    memcpy(ctx->text, d + p, n);
    ctx->text[n] = '\0';
    memcpy(runnel_memory_data(mem), &sum, sizeof sum); /* wasm memory is little-endian, as is the host */
    results[0].i32 = sum;
    return RUNNEL_OK;
}

static runnel_status host_fail(runnel_caller *c, const runnel_slot *args, runnel_slot *results, void *user)
{
    (void)results;
    (void)user;
    return runnel_caller_trap(c, "host says no: %u", args[0].i32);
}

static runnel_status host_exit(runnel_caller *c, const runnel_slot *args, runnel_slot *results, void *user)
{
    (void)results;
    (void)user;
    return runnel_caller_exit(c, (int)args[0].i32);
}

/* mix(I, F) -> F: i64 and f64 arguments arrive whole. */
static runnel_status host_mix(runnel_caller *c, const runnel_slot *args, runnel_slot *results, void *user)
{
    (void)c;
    host_ctx *ctx = user;
    ctx->mix_i64 = (int64_t)args[0].i64;
    ctx->mix_f64 = args[1].f64;
    results[0].f64 = (double)(int64_t)args[0].i64 + args[1].f64 * 2;
    return RUNNEL_OK;
}

/* reenter(x): calls the caller instance's export ctx->reenter_export with x (if it takes one). */
static runnel_status host_reenter(runnel_caller *c, const runnel_slot *args, runnel_slot *results, void *user)
{
    host_ctx *ctx = user;
    runnel_func *f = runnel_instance_func(runnel_caller_instance(c), ctx->reenter_export);
    if (!f)
        return runnel_caller_trap(c, "no export %s", ctx->reenter_export);
    runnel_val in[1] = {RUNNEL_I32(args[0].i32)}, out[1] = {RUNNEL_I32(0)};
    runnel_report r = {0};
    runnel_status st =
        runnel_call(f, in, runnel_func_param_count(f), out, runnel_func_result_count(f), &r);
    ctx->nested_status = st;
    ctx->nested_trap = r.trap;
    if (st != RUNNEL_OK) {
        st = runnel_caller_trap(c, "nested call: %s", r.message ? r.message : "?");
        runnel_report_clear(&r);
        return st;
    }
    results[0].i32 = (uint32_t)out[0].of.i32;
    return RUNNEL_OK;
}

static runnel_linker *host_linker(host_ctx *ctx)
{
    runnel_linker *l = runnel_linker_new();
    assert_non_null(l);
    assert_int_equal(runnel_linker_define_func(l, "env", "add", "ii", "i", host_add, ctx, NULL), RUNNEL_OK);
    assert_int_equal(runnel_linker_define_func(l, "env", "sum_bytes", "ii", "i", host_sum_bytes, ctx, NULL), RUNNEL_OK);
    assert_int_equal(runnel_linker_define_func(l, "env", "fail", "i", "", host_fail, ctx, NULL), RUNNEL_OK);
    assert_int_equal(runnel_linker_define_func(l, "env", "exit", "i", "", host_exit, ctx, NULL), RUNNEL_OK);
    assert_int_equal(runnel_linker_define_func(l, "env", "mix", "IF", "F", host_mix, ctx, NULL), RUNNEL_OK);
    assert_int_equal(runnel_linker_define_func(l, "env", "reenter", "i", "i", host_reenter, ctx, NULL), RUNNEL_OK);
    return l;
}

typedef struct host_fixture {
    runnel_module *m;
    runnel_linker *l;
    runnel_store *s;
    runnel_instance *i;
    host_ctx ctx;
} host_fixture;

static int host_setup(void **state)
{
    host_fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->m = load(host_wasm, sizeof host_wasm);
    fx->l = host_linker(&fx->ctx);
    fx->s = new_store(NULL);
    fx->i = instantiate(fx->s, fx->m, fx->l);
    runnel_instance_set_user(fx->i, &fx->ctx);
    fx->ctx.store = fx->s;
    fx->ctx.inst = fx->i;
    fx->ctx.reenter_export = "double";
    *state = fx;
    return 0;
}

static int host_teardown(void **state)
{
    host_fixture *fx = *state;
    runnel_store_free(fx->s);
    runnel_linker_free(fx->l); /* after the store: its host functions point into the linker */
    runnel_module_free(fx->m);
    free(fx);
    return 0;
}

/* Host functions called from wasm get their arguments, give results, see the caller's instance,
   store and memory, and can write that memory. */
static void test_host_calls(void **state)
{
    host_fixture *fx = *state;
    assert_int_equal(ok_i32(fx->i, "call_add", 2, 40, 2), 42);
    assert_int_equal(fx->ctx.add_calls, 1);
    assert_ptr_equal(fx->ctx.add_caller, fx->i);
    assert_int_equal(ok_i32(fx->i, "call_add", 2, -5, 3), -2);
    assert_int_equal(fx->ctx.add_calls, 2);

    const char *hello = "hello, host";
    uint32_t want = 0;
    for (const char *p = hello; *p; p++)
        want += (uint8_t)*p;
    assert_int_equal(ok_i32(fx->i, "checksum", 0, 0, 0), (int32_t)want);
    assert_true(fx->ctx.saw_memory);
    assert_true(fx->ctx.saw_right_caller);
    assert_string_equal(fx->ctx.text, hello);
    uint32_t stored;
    memcpy(&stored, runnel_memory_data(runnel_instance_memory(fx->i, "memory")), sizeof stored);
    assert_int_equal(stored, want);

    /* i64 and f64 arguments and an f64 result */
    runnel_val args[2] = {RUNNEL_I64(-5000000000LL), RUNNEL_F64(0.25)}, res[1];
    runnel_report r = {0};
    assert_int_equal(runnel_call(func(fx->i, "call_mix"), args, 2, res, 1, &r), RUNNEL_OK);
    assert_int_equal(fx->ctx.mix_i64, -5000000000LL);
    assert_true(fx->ctx.mix_f64 == 0.25);
    assert_int_equal(res[0].type, RUNNEL_TYPE_F64);
    assert_true(res[0].of.f64 == -5000000000.0 + 0.5);

    /* the host function itself, called by the embedder: there is no calling instance or memory */
    runnel_func *add = func(fx->i, "add");
    assert_int_equal(runnel_func_param_count(add), 2);
    assert_int_equal(runnel_func_result_count(add), 1);
    runnel_val two[2] = {RUNNEL_I32(20), RUNNEL_I32(22)};
    assert_int_equal(runnel_call(add, two, 2, res, 1, &r), RUNNEL_OK);
    assert_int_equal(res[0].of.i32, 42);
    assert_null(fx->ctx.add_caller);
    runnel_report_clear(&r);
}

/* A host function's trap ends the call with RUNNEL_TRAP, kind HOST and its message; the wasm after
   the host call does not run; the backtrace starts at the wasm function that called the host; the
   store is usable afterwards. */
static void test_host_trap(void **state)
{
    host_fixture *fx = *state;
    runnel_report r = {0};
    assert_int_equal(call_i32(fx->i, "call_fail", 0, 0, 0, NULL, &r), RUNNEL_TRAP);
    assert_int_equal(r.status, RUNNEL_TRAP);
    assert_int_equal(r.trap, RUNNEL_TRAP_HOST);
    assert_string_equal(r.message, "host says no: 42");
    assert_true(r.nframes >= 1);
    assert_string_equal(r.frames[0].func_name, "call_fail");
    assert_int_equal(r.frames[0].offset, 0x115); /* the call instruction */
    assert_int_equal(runnel_global_get(runnel_instance_global(fx->i, "after")).of.i32, 0);
    runnel_report_clear(&r);
    assert_false(runnel_store_suspended(fx->s));
    assert_int_equal(ok_i32(fx->i, "call_add", 2, 1, 2), 3);
}

/* runnel_caller_exit ends the run with RUNNEL_EXIT and the code; nothing after it runs. */
static void test_host_exit(void **state)
{
    host_fixture *fx = *state;
    runnel_report r = {0};
    assert_int_equal(call_i32(fx->i, "call_exit", 0, 0, 0, NULL, &r), RUNNEL_EXIT);
    assert_int_equal(r.status, RUNNEL_EXIT);
    assert_int_equal(r.exit_code, 7);
    assert_int_equal(runnel_global_get(runnel_instance_global(fx->i, "after")).of.i32, 0);
    runnel_report_clear(&r);
    assert_false(runnel_store_suspended(fx->s));
    assert_int_equal(ok_i32(fx->i, "call_add", 2, 2, 2), 4);
}

/* A host function may call back into wasm on the same store; such a nested call cannot be
   suspended (its C caller is on the stack), so running out of fuel there is a trap, which the
   host turns into its own. */
static void test_host_reentry(void **state)
{
    host_fixture *fx = *state;
    fx->ctx.reenter_export = "double";
    assert_int_equal(ok_i32(fx->i, "call_reenter", 1, 20, 0), 41);
    assert_int_equal(fx->ctx.nested_status, RUNNEL_OK);

    fx->ctx.reenter_export = "spin";
    runnel_store_set_fuel(fx->s, 1000);
    runnel_store_set_timeout(fx->s, 5000); /* a backstop: were fuel not counted, this would stop "spin" */
    runnel_report r = {0};
    assert_int_equal(call_i32(fx->i, "call_reenter", 1, 0, 0, NULL, &r), RUNNEL_TRAP);
    assert_int_equal(fx->ctx.nested_status, RUNNEL_TRAP);
    assert_int_equal(fx->ctx.nested_trap, RUNNEL_TRAP_OUT_OF_FUEL);
    assert_int_equal(r.trap, RUNNEL_TRAP_HOST);
    assert_non_null(strstr(r.message, "nested call"));
    assert_false(runnel_store_suspended(fx->s));
    runnel_report_clear(&r);

    runnel_store_unlimited_fuel(fx->s);
    fx->ctx.reenter_export = "double";
    assert_int_equal(ok_i32(fx->i, "call_reenter", 1, 5, 0), 11);
}

/* A later definition of the same name replaces the earlier one; bad signatures are refused. */
static void test_host_definitions(void **state)
{
    host_fixture *fx = *state;
    runnel_linker *l = host_linker(&fx->ctx);
    assert_int_equal(runnel_linker_define_func(l, "env", "add", "ii", "i", host_mul, NULL, NULL), RUNNEL_OK);
    runnel_instance *i = instantiate(fx->s, fx->m, l);
    assert_int_equal(ok_i32(i, "call_add", 2, 6, 7), 42);
    assert_int_equal(ok_i32(fx->i, "call_add", 2, 6, 7), 13); /* the first instance keeps its add */

    assert_int_equal(runnel_linker_define_func(l, "env", "bad", "iq", "", host_add, NULL, NULL), RUNNEL_BADARG);
    assert_int_equal(runnel_linker_define_func(l, "env", "bad", "i", "i", NULL, NULL, NULL), RUNNEL_BADARG);

    /* a definition with the wrong signature does not satisfy the import */
    runnel_linker *wrong = host_linker(&fx->ctx);
    assert_int_equal(runnel_linker_define_func(wrong, "env", "add", "ii", "I", host_add, NULL, NULL), RUNNEL_OK);
    runnel_report r = {0};
    assert_null(runnel_instantiate(fx->s, fx->m, wrong, &r));
    assert_int_equal(r.status, RUNNEL_UNLINKABLE);
    assert_non_null(strstr(r.message, "env.add"));
    runnel_report_clear(&r);

    /* the store still refers to host functions of l: free the linkers with the fixture's store */
    runnel_store_free(fx->s);
    runnel_linker_free(l);
    runnel_linker_free(wrong);
    fx->s = new_store(NULL);
    fx->i = instantiate(fx->s, fx->m, fx->l);
    fx->ctx.store = fx->s;
    fx->ctx.inst = fx->i;
    runnel_instance_set_user(fx->i, &fx->ctx);
    assert_int_equal(ok_i32(fx->i, "call_add", 2, 6, 7), 13);
}

/* ---------------------------------------------------------------- calls */

/* runnel_call checks what the embedder passes against the function's type, before running it. */
static void test_call_badarg(void **state)
{
    (void)state;
    runnel_module *m = load(trap_wasm, sizeof trap_wasm);
    runnel_store *s = new_store(NULL);
    runnel_instance *i = instantiate(s, m, NULL);
    runnel_func *divide = func(i, "divide");
    assert_int_equal(runnel_func_param_count(divide), 2);
    assert_int_equal(runnel_func_result_count(divide), 1);
    assert_int_equal(runnel_func_param_type(divide, 0), RUNNEL_TYPE_I32);
    assert_int_equal(runnel_func_param_type(divide, 1), RUNNEL_TYPE_I32);
    assert_int_equal(runnel_func_result_type(divide, 0), RUNNEL_TYPE_I32);
    assert_null(runnel_instance_func(i, "no such export"));
    assert_null(runnel_instance_func(i, "unreachabl"));
    assert_non_null(runnel_instance_func_n(i, "unreachable!", 11));

    runnel_val args[3] = {RUNNEL_I32(6), RUNNEL_I32(3), RUNNEL_I32(1)}, res[2] = {{0}};
    runnel_report r = {0};
    assert_int_equal(runnel_call(divide, args, 1, res, 1, &r), RUNNEL_BADARG); /* too few */
    assert_int_equal(r.status, RUNNEL_BADARG);
    assert_non_null(r.message);
    runnel_report_clear(&r);
    assert_int_equal(runnel_call(divide, args, 3, res, 1, &r), RUNNEL_BADARG); /* too many */
    runnel_report_clear(&r);
    assert_int_equal(runnel_call(divide, args, 2, res, 0, &r), RUNNEL_BADARG); /* no room for the result */
    runnel_report_clear(&r);
    assert_int_equal(runnel_call(divide, NULL, 2, res, 1, &r), RUNNEL_BADARG);
    runnel_report_clear(&r);
    assert_int_equal(runnel_call(divide, args, 2, NULL, 1, &r), RUNNEL_BADARG);
    runnel_report_clear(&r);
    runnel_val wrong[2] = {RUNNEL_I32(6), RUNNEL_I64(3)};
    assert_int_equal(runnel_call(divide, wrong, 2, res, 1, &r), RUNNEL_BADARG); /* i64 for i32 */
    runnel_report_clear(&r);
    wrong[1] = RUNNEL_F32(3);
    assert_int_equal(runnel_call(divide, wrong, 2, res, 1, NULL), RUNNEL_BADARG); /* no report is fine */
    assert_int_equal(runnel_call(NULL, args, 2, res, 1, &r), RUNNEL_BADARG);
    runnel_report_clear(&r);

    /* none of that ran anything: a correct call still works; extra result slots are allowed */
    res[1] = RUNNEL_I32(77);
    assert_int_equal(runnel_call(divide, args, 2, res, 2, &r), RUNNEL_OK);
    assert_int_equal(res[0].type, RUNNEL_TYPE_I32);
    assert_int_equal(res[0].of.i32, 2);
    assert_int_equal(res[1].of.i32, 77);
    assert_int_equal(r.status, RUNNEL_OK);
    runnel_report_clear(&r);
    runnel_store_free(s);
    runnel_module_free(m);
}

/* ---------------------------------------------------------------- sharing */

/* One module, two stores: each instance has its own memory and globals, and the module outlives
   the caller's reference for as long as instances use it. */
static void test_module_shared_by_two_stores(void **state)
{
    host_fixture *fx = *state;
    runnel_module *m = load(host_wasm, sizeof host_wasm);
    runnel_store *s1 = new_store(NULL), *s2 = new_store(NULL);
    runnel_instance *i1 = instantiate(s1, m, fx->l), *i2 = instantiate(s2, m, fx->l);
    runnel_module_free(m); /* the instances keep it alive */
    assert_ptr_equal(runnel_instance_module(i1), runnel_instance_module(i2));

    runnel_global *g1 = runnel_instance_global(i1, "after"), *g2 = runnel_instance_global(i2, "after");
    assert_non_null(g1);
    assert_ptr_not_equal(g1, g2);
    assert_int_equal(runnel_global_set(g1, RUNNEL_I32(11)), RUNNEL_OK);
    assert_int_equal(runnel_global_get(g1).of.i32, 11);
    assert_int_equal(runnel_global_get(g2).of.i32, 0);
    assert_int_equal(runnel_global_set(g1, RUNNEL_I64(11)), RUNNEL_BADARG); /* wrong type */

    uint8_t *d1 = runnel_memory_data(runnel_instance_memory(i1, NULL));
    uint8_t *d2 = runnel_memory_data(runnel_instance_memory(i2, NULL));
    assert_ptr_not_equal(d1, d2);
    d1[16] = 'J';
    assert_int_equal(d2[16], 'h');

    /* a trap in one store leaves the other alone */
    runnel_report r = {0};
    assert_int_equal(call_i32(i1, "call_fail", 0, 0, 0, NULL, &r), RUNNEL_TRAP);
    runnel_report_clear(&r);
    runnel_store_free(s1);
    assert_int_equal(ok_i32(i2, "double", 1, 21, 0), 42);
    assert_int_equal(d2[16], 'h');
    runnel_store_free(s2); /* the last instance goes, and with it the module */
}

typedef struct worker {
    const runnel_module *m;
    int id;
    int32_t result;
    bool ok;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    runnel_store *s = runnel_store_new(NULL);
    runnel_instance *i = s ? runnel_instantiate(s, w->m, NULL, NULL) : NULL;
    runnel_func *divide = i ? runnel_instance_func(i, "divide") : NULL;
    w->ok = divide != NULL;
    int32_t total = 0;
    for (int k = 1; w->ok && k <= 2000; k++) {
        runnel_val args[2] = {RUNNEL_I32(k * (w->id + 1)), RUNNEL_I32(w->id + 1)}, res[1];
        w->ok = runnel_call(divide, args, 2, res, 1, NULL) == RUNNEL_OK;
        total += res[0].of.i32;
    }
    runnel_report r = {0};
    /* traps on both threads at once each get their own report */
    runnel_val zero[2] = {RUNNEL_I32(1), RUNNEL_I32(0)}, res[1];
    if (w->ok)
        w->ok = runnel_call(divide, zero, 2, res, 1, &r) == RUNNEL_TRAP && r.trap == RUNNEL_TRAP_DIV_ZERO &&
                r.nframes == 2 && strcmp(r.frames[0].func_name, "inner") == 0;
    runnel_report_clear(&r);
    w->result = total;
    runnel_store_free(s);
    return NULL;
}

/* A module is immutable once made: stores on four threads use it at the same time. */
static void test_module_shared_by_threads(void **state)
{
    (void)state;
    runnel_module *m = load(trap_wasm, sizeof trap_wasm);
    enum { N = 4 };
    worker w[N];
    pthread_t th[N];
    for (int k = 0; k < N; k++) {
        w[k] = (worker){m, k, 0, false};
        assert_int_equal(pthread_create(&th[k], NULL, work, &w[k]), 0);
    }
    for (int k = 0; k < N; k++) {
        assert_int_equal(pthread_join(th[k], NULL), 0);
        assert_true(w[k].ok);
        assert_int_equal(w[k].result, 2000 * 2001 / 2);
    }
    runnel_module_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trap_backtrace),
        cmocka_unit_test(test_trap_offsets_in_fused_ops),
        cmocka_unit_test(test_trap_kinds),
        cmocka_unit_test(test_trap_names_without_name_section),
        cmocka_unit_test(test_trap_during_instantiation),
        cmocka_unit_test_setup_teardown(test_host_calls, host_setup, host_teardown),
        cmocka_unit_test_setup_teardown(test_host_trap, host_setup, host_teardown),
        cmocka_unit_test_setup_teardown(test_host_exit, host_setup, host_teardown),
        cmocka_unit_test_setup_teardown(test_host_reentry, host_setup, host_teardown),
        cmocka_unit_test_setup_teardown(test_host_definitions, host_setup, host_teardown),
        cmocka_unit_test(test_call_badarg),
        cmocka_unit_test_setup_teardown(test_module_shared_by_two_stores, host_setup, host_teardown),
        cmocka_unit_test(test_module_shared_by_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
