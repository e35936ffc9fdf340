/*
 * test_simd.c - v128 values through the parts of the engine that move them: frame slots (a v128 takes
 * two), calls and returns of mixed widths, block results and branches past values of other widths,
 * local aliases and the local.set peephole, select, globals, host functions (two runnel_slot words),
 * call_indirect, and the trap offsets of vector loads and stores. The spec suite's simd_* scripts
 * check each instruction's semantics; this checks the plumbing around them, which they touch less.
 *
 * The module is written in WAT (below) and was turned into bytes with `wat2wasm --debug-names`
 * (wabt 1.0.32); trap offsets were read from `wasm-objdump -d`.
 */
#include "engine_test_util.h" /* load, instantiate, func */

#include <stdlib.h>
#include <string.h>

/*
 * (module
 *   (type $swap_t (func (param i32 v128 i64) (result i64 v128 i32)))
 *   (type $vv (func (param v128) (result v128)))
 *   (import "env" "vhost" (func $vhost (param i32 v128) (result v128 i32)))
 *   (memory 1)
 *   (table 2 funcref)
 *   (elem (i32.const 0) $double $swap)
 *   (global $g (export "g") (mut v128) (v128.const i32x4 1 2 3 4))
 *   (global $k v128 (v128.const i64x2 -1 0x0123456789abcdef))
 *   ;; params and results of mixed widths, in a new order
 *   (func $swap (export "swap") (type $swap_t)
 *     (local.get 2) (local.get 1) (local.get 0))
 *   (func $double (type $vv) (i32x4.add (local.get 0) (local.get 0)))
 *   ;; wasm calls with mixed arguments: aliases of locals as arguments, an i32 below them
 *   (func (export "call_swap") (param v128) (result i64 v128 i32 i32)
 *     (local $x i32)
 *     (local.set $x (i32.const 100))
 *     (call $swap (local.get $x) (local.get 0) (i64.const 6))
 *     (local.get $x))
 *   (func (export "call_below") (param v128) (result i32 i64 v128 i32)
 *     (i32.const 100)
 *     (call $swap (i32.const 5) (local.get 0) (i64.const 6)))
 *   ;; branches carrying v128 values past values of other widths: sel 0 and 2 go to $b (then 0 on to
 *   ;; $out by br_if), 1 to $out
 *   (func (export "branches") (param $sel i32) (param $v v128) (result i64 i32 v128)
 *     (i64.const 99)
 *     (block $out (result i32 v128)
 *       (block $b (result i32 v128)
 *         (f32.const 1) (i32.const 1) (local.get $v)
 *         (br_table $b $out $b (local.get $sel)))
 *       (local.set $v)
 *       (i32.add (i32.const 10))
 *       (i32x4.add (local.get $v) (local.get $v))
 *       (br_if $out (i32.eqz (local.get $sel)))
 *       (drop)
 *       (drop)
 *       (i32.const 4)
 *       (local.get $v)))
 *   ;; a loop with a v128 parameter and an i32 counter
 *   (func (export "loop") (param $n i32) (result v128)
 *     (v128.const i32x4 1 1 1 1)
 *     (loop $l (param v128) (result v128)
 *       (call $double)
 *       (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
 *       (br_if $l)))
 *   ;; local.tee of a v128 result, an alias of a local kept across a set of that local
 *   (func (export "alias") (param $a v128) (result v128 v128)
 *     (local $t v128)
 *     (local.get $a)
 *     (local.set $a (i32x4.mul (local.get $a) (local.get $a)))
 *     (local.tee $t (i32x4.sub (local.get $a) (local.get $a)))
 *     (drop)
 *     (i32x4.add (local.get $t) (local.get $a)))
 *   ;; select, typed and untyped
 *   (func (export "select") (param $c i32) (param $a v128) (param $b v128) (result v128 v128)
 *     (select (local.get $a) (local.get $b) (local.get $c))
 *     (select (result v128) (local.get $b) (local.get $a) (local.get $c)))
 *   ;; globals: get, set, immutable one
 *   (func (export "globals") (param v128) (result v128 v128)
 *     (global.get $g)
 *     (global.set $g (local.get 0))
 *     (global.get $k))
 *   ;; a host function with a v128 parameter and result, and an indirect call
 *   (func (export "host") (param v128) (result v128 i32)
 *     (call $vhost (i32.const 3) (local.get 0)))
 *   (func (export "indirect") (param v128 i32) (result v128)
 *     (call_indirect (type $vv) (local.get 0) (local.get 1)))
 *   ;; out-of-bounds vector load and store: the trap names the instruction
 *   (func (export "load_oob") (param i32) (result v128) (v128.load offset=8 (local.get 0)))
 *   (func (export "store_lane_oob") (param i32)
 *     (v128.store32_lane offset=4 3 (local.get 0) (v128.const i32x4 1 2 3 4)))
 *   ;; if/else with a v128 result and an if with v128 params
 *   (func (export "if") (param $c i32) (param $v v128) (result v128)
 *     (local.get $v)
 *     (if (param v128) (result v128) (local.get $c)
 *       (then (i8x16.neg))
 *       (else (v128.not)))))
 */
static const uint8_t simd_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x5c, 0x0e, 0x60,
    0x03, 0x7f, 0x7b, 0x7e, 0x03, 0x7e, 0x7b, 0x7f, 0x60, 0x01, 0x7b, 0x01,
    0x7b, 0x60, 0x02, 0x7f, 0x7b, 0x02, 0x7b, 0x7f, 0x60, 0x01, 0x7b, 0x04,
    0x7e, 0x7b, 0x7f, 0x7f, 0x60, 0x01, 0x7b, 0x04, 0x7f, 0x7e, 0x7b, 0x7f,
    0x60, 0x02, 0x7f, 0x7b, 0x03, 0x7e, 0x7f, 0x7b, 0x60, 0x00, 0x02, 0x7f,
    0x7b, 0x60, 0x01, 0x7f, 0x01, 0x7b, 0x60, 0x01, 0x7b, 0x02, 0x7b, 0x7b,
    0x60, 0x03, 0x7f, 0x7b, 0x7b, 0x02, 0x7b, 0x7b, 0x60, 0x01, 0x7b, 0x02,
    0x7b, 0x7f, 0x60, 0x02, 0x7b, 0x7f, 0x01, 0x7b, 0x60, 0x01, 0x7f, 0x00,
    0x60, 0x02, 0x7f, 0x7b, 0x01, 0x7b, 0x02, 0x0d, 0x01, 0x03, 0x65, 0x6e,
    0x76, 0x05, 0x76, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x02, 0x03, 0x0f, 0x0e,
    0x00, 0x01, 0x03, 0x04, 0x05, 0x07, 0x08, 0x09, 0x08, 0x0a, 0x0b, 0x07,
    0x0c, 0x0d, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02, 0x05, 0x03, 0x01, 0x00,
    0x01, 0x06, 0x2b, 0x02, 0x7b, 0x01, 0xfd, 0x0c, 0x01, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
    0x0b, 0x7b, 0x00, 0xfd, 0x0c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, 0x0b, 0x07, 0x85,
    0x01, 0x0e, 0x01, 0x67, 0x03, 0x00, 0x04, 0x73, 0x77, 0x61, 0x70, 0x00,
    0x01, 0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x73, 0x77, 0x61, 0x70, 0x00,
    0x03, 0x0a, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x62, 0x65, 0x6c, 0x6f, 0x77,
    0x00, 0x04, 0x08, 0x62, 0x72, 0x61, 0x6e, 0x63, 0x68, 0x65, 0x73, 0x00,
    0x05, 0x04, 0x6c, 0x6f, 0x6f, 0x70, 0x00, 0x06, 0x05, 0x61, 0x6c, 0x69,
    0x61, 0x73, 0x00, 0x07, 0x06, 0x73, 0x65, 0x6c, 0x65, 0x63, 0x74, 0x00,
    0x08, 0x07, 0x67, 0x6c, 0x6f, 0x62, 0x61, 0x6c, 0x73, 0x00, 0x09, 0x04,
    0x68, 0x6f, 0x73, 0x74, 0x00, 0x0a, 0x08, 0x69, 0x6e, 0x64, 0x69, 0x72,
    0x65, 0x63, 0x74, 0x00, 0x0b, 0x08, 0x6c, 0x6f, 0x61, 0x64, 0x5f, 0x6f,
    0x6f, 0x62, 0x00, 0x0c, 0x0e, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x5f, 0x6c,
    0x61, 0x6e, 0x65, 0x5f, 0x6f, 0x6f, 0x62, 0x00, 0x0d, 0x02, 0x69, 0x66,
    0x00, 0x0e, 0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x02, 0x01,
    0x0a, 0x92, 0x02, 0x0e, 0x08, 0x00, 0x20, 0x02, 0x20, 0x01, 0x20, 0x00,
    0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0xae, 0x01, 0x0b, 0x13,
    0x01, 0x01, 0x7f, 0x41, 0xe4, 0x00, 0x21, 0x01, 0x20, 0x01, 0x20, 0x00,
    0x42, 0x06, 0x10, 0x01, 0x20, 0x01, 0x0b, 0x0d, 0x00, 0x41, 0xe4, 0x00,
    0x41, 0x05, 0x20, 0x00, 0x42, 0x06, 0x10, 0x01, 0x0b, 0x32, 0x00, 0x42,
    0xe3, 0x00, 0x02, 0x06, 0x02, 0x06, 0x43, 0x00, 0x00, 0x80, 0x3f, 0x41,
    0x01, 0x20, 0x01, 0x20, 0x00, 0x0e, 0x02, 0x00, 0x01, 0x00, 0x0b, 0x21,
    0x01, 0x41, 0x0a, 0x6a, 0x20, 0x01, 0x20, 0x01, 0xfd, 0xae, 0x01, 0x20,
    0x00, 0x45, 0x0d, 0x00, 0x1a, 0x1a, 0x41, 0x04, 0x20, 0x01, 0x0b, 0x0b,
    0x22, 0x00, 0xfd, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x01, 0x10, 0x02,
    0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x0b, 0x20,
    0x01, 0x01, 0x7b, 0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0xb5, 0x01,
    0x21, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0xb1, 0x01, 0x22, 0x01, 0x1a,
    0x20, 0x01, 0x20, 0x00, 0xfd, 0xae, 0x01, 0x0b, 0x12, 0x00, 0x20, 0x01,
    0x20, 0x02, 0x20, 0x00, 0x1b, 0x20, 0x02, 0x20, 0x01, 0x20, 0x00, 0x1c,
    0x01, 0x7b, 0x0b, 0x0a, 0x00, 0x23, 0x00, 0x20, 0x00, 0x24, 0x00, 0x23,
    0x01, 0x0b, 0x08, 0x00, 0x41, 0x03, 0x20, 0x00, 0x10, 0x00, 0x0b, 0x09,
    0x00, 0x20, 0x00, 0x20, 0x01, 0x11, 0x01, 0x00, 0x0b, 0x08, 0x00, 0x20,
    0x00, 0xfd, 0x00, 0x04, 0x08, 0x0b, 0x1b, 0x00, 0x20, 0x00, 0xfd, 0x0c,
    0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x00, 0x00, 0xfd, 0x5a, 0x02, 0x04, 0x03, 0x0b, 0x0e, 0x00,
    0x20, 0x01, 0x20, 0x00, 0x04, 0x01, 0xfd, 0x61, 0x05, 0xfd, 0x4d, 0x0b,
    0x0b, 0x00, 0x79, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x16, 0x03, 0x00,
    0x05, 0x76, 0x68, 0x6f, 0x73, 0x74, 0x01, 0x04, 0x73, 0x77, 0x61, 0x70,
    0x02, 0x06, 0x64, 0x6f, 0x75, 0x62, 0x6c, 0x65, 0x02, 0x42, 0x0f, 0x00,
    0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x01, 0x01, 0x01, 0x78, 0x04, 0x00,
    0x05, 0x02, 0x00, 0x03, 0x73, 0x65, 0x6c, 0x01, 0x01, 0x76, 0x06, 0x01,
    0x00, 0x01, 0x6e, 0x07, 0x02, 0x00, 0x01, 0x61, 0x01, 0x01, 0x74, 0x08,
    0x03, 0x00, 0x01, 0x63, 0x01, 0x01, 0x61, 0x02, 0x01, 0x62, 0x09, 0x00,
    0x0a, 0x00, 0x0b, 0x00, 0x0c, 0x00, 0x0d, 0x00, 0x0e, 0x02, 0x00, 0x01,
    0x63, 0x01, 0x01, 0x76, 0x04, 0x0d, 0x02, 0x00, 0x06, 0x73, 0x77, 0x61,
    0x70, 0x5f, 0x74, 0x01, 0x02, 0x76, 0x76, 0x07, 0x07, 0x02, 0x00, 0x01,
    0x67, 0x01, 0x01, 0x6b
};

/* offsets of the vector load and store in load_oob and store_lane_oob (wasm-objdump -d) */
#define LOAD_OOB_AT 0x235
#define STORE_LANE_OOB_AT 0x250

static runnel_val v4(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    return RUNNEL_V128((uint64_t)a | (uint64_t)b << 32, (uint64_t)c | (uint64_t)d << 32);
}

static void assert_v(runnel_val got, runnel_val want)
{
    assert_int_equal(got.type, RUNNEL_TYPE_V128);
    if (got.of.v128.lo != want.of.v128.lo || got.of.v128.hi != want.of.v128.hi)
        fail_msg("v128 0x%016llx_%016llx, expected 0x%016llx_%016llx", (unsigned long long)got.of.v128.hi,
                 (unsigned long long)got.of.v128.lo, (unsigned long long)want.of.v128.hi,
                 (unsigned long long)want.of.v128.lo);
}

/* vhost (param i32 v128) (result v128 i32): the vector's halves swapped, and the i32 plus one. The
   arguments are three slots (i32, low, high), the results three (low, high, i32). */
static runnel_status vhost(runnel_caller *c, const runnel_slot *args, runnel_slot *results, void *user)
{
    (void)c;
    (void)user;
    results[0].i64 = args[2].i64;
    results[1].i64 = args[1].i64;
    results[2].i32 = args[0].i32 + 1;
    return RUNNEL_OK;
}

typedef struct fixture {
    runnel_module *m;
    runnel_store *s;
    runnel_linker *l;
    runnel_instance *i;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->m = load(simd_wasm, sizeof simd_wasm);
    f->s = new_store(NULL);
    f->l = runnel_linker_new();
    assert_int_equal(runnel_linker_define_func(f->l, "env", "vhost", "iV", "Vi", vhost, NULL, NULL), RUNNEL_OK);
    f->i = instantiate(f->s, f->m, f->l);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    runnel_linker_free(f->l);
    runnel_store_free(f->s);
    runnel_module_free(f->m);
    free(f);
    return 0;
}

/* Call export name and expect success with nres results. */
static void call_ok(fixture *f, const char *name, const runnel_val *args, size_t nargs, runnel_val *res, size_t nres)
{
    runnel_report r = {0};
    runnel_status st = runnel_call(func(f->i, name), args, nargs, res, nres, &r);
    if (st != RUNNEL_OK)
        fail_msg("%s: %s", name, r.message);
    runnel_report_clear(&r);
}

static void test_params_results(void **state)
{
    fixture *f = *state;
    runnel_val res[4];
    runnel_val args[3] = {RUNNEL_I32(5), v4(1, 2, 3, 4), RUNNEL_I64(6)};
    call_ok(f, "swap", args, 3, res, 3);
    assert_int_equal(res[0].type, RUNNEL_TYPE_I64);
    assert_int_equal(res[0].of.i64, 6);
    assert_v(res[1], v4(1, 2, 3, 4));
    assert_int_equal(res[2].type, RUNNEL_TYPE_I32);
    assert_int_equal(res[2].of.i32, 5);

    runnel_val v = v4(0xdeadbeef, 7, 0x80000000u, 9);
    call_ok(f, "call_swap", &v, 1, res, 4);
    assert_int_equal(res[0].of.i64, 6);
    assert_v(res[1], v);
    assert_int_equal(res[2].of.i32, 100);
    assert_int_equal(res[3].of.i32, 100);

    call_ok(f, "call_below", &v, 1, res, 4);
    assert_int_equal(res[0].of.i32, 100);
    assert_int_equal(res[1].of.i64, 6);
    assert_v(res[2], v);
    assert_int_equal(res[3].of.i32, 5);

    /* a v128 parameter takes a v128 argument */
    runnel_report r = {0};
    runnel_val wrong = RUNNEL_I64(1);
    assert_int_equal(runnel_call(func(f->i, "loop"), &wrong, 1, res, 1, &r), RUNNEL_BADARG);
    runnel_report_clear(&r);
    assert_int_equal(runnel_call(func(f->i, "alias"), &wrong, 1, res, 2, &r), RUNNEL_BADARG);
    runnel_report_clear(&r);
    assert_int_equal(runnel_func_param_type(func(f->i, "alias"), 0), RUNNEL_TYPE_V128);
    assert_int_equal(runnel_func_result_count(func(f->i, "alias")), 2);
}

static void test_branches(void **state)
{
    fixture *f = *state;
    static const struct {
        int32_t sel, i;
        uint32_t k; /* the vector's lanes: k * (1, 2, 3, 4) */
    } cases[] = {{0, 11, 2}, {1, 1, 1}, {2, 4, 1}, {7, 4, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        runnel_val args[2] = {RUNNEL_I32(cases[c].sel), v4(1, 2, 3, 4)}, res[3];
        call_ok(f, "branches", args, 2, res, 3);
        assert_int_equal(res[0].of.i64, 99);
        assert_int_equal(res[1].of.i32, cases[c].i);
        uint32_t k = cases[c].k;
        assert_v(res[2], v4(k, 2 * k, 3 * k, 4 * k));
    }

    runnel_val n = RUNNEL_I32(3), res[2];
    call_ok(f, "loop", &n, 1, res, 1);
    assert_v(res[0], v4(8, 8, 8, 8));

    for (int32_t c = 0; c < 2; c++) {
        runnel_val args[2] = {RUNNEL_I32(c), v4(1, 2, 3, 4)};
        call_ok(f, "if", args, 2, res, 1);
        if (c)
            assert_v(res[0], v4(0xff, 0xfe, 0xfd, 0xfc)); /* i8x16.neg: byte 1 -> 0xff */
        else
            assert_v(res[0], v4(~1u, ~2u, ~3u, ~4u));
    }
}

static void test_locals_select(void **state)
{
    fixture *f = *state;
    runnel_val res[2];
    runnel_val a = v4(1, 2, 3, 4), b = v4(5, 6, 7, 8);
    call_ok(f, "alias", &a, 1, res, 2);
    assert_v(res[0], a); /* read before the local was set */
    assert_v(res[1], v4(1, 4, 9, 16));

    runnel_val args[3] = {RUNNEL_I32(1), a, b};
    call_ok(f, "select", args, 3, res, 2);
    assert_v(res[0], a);
    assert_v(res[1], b);
    args[0] = RUNNEL_I32(0);
    call_ok(f, "select", args, 3, res, 2);
    assert_v(res[0], b);
    assert_v(res[1], a);
}

static void test_globals(void **state)
{
    fixture *f = *state;
    runnel_val res[2], v = v4(5, 6, 7, 8);
    call_ok(f, "globals", &v, 1, res, 2);
    assert_v(res[0], v4(1, 2, 3, 4));
    assert_v(res[1], RUNNEL_V128(UINT64_MAX, 0x0123456789abcdefull));
    runnel_global *g = runnel_instance_global(f->i, "g");
    assert_non_null(g);
    assert_v(runnel_global_get(g), v);
    assert_int_equal(runnel_global_set(g, v4(9, 10, 11, 12)), RUNNEL_OK);
    call_ok(f, "globals", &v, 1, res, 2);
    assert_v(res[0], v4(9, 10, 11, 12));
    assert_int_equal(runnel_global_set(g, RUNNEL_I32(1)), RUNNEL_BADARG);

    /* a standalone v128 global, imported by nothing: its value round-trips */
    runnel_global *h = runnel_global_new(f->s, v4(1, 2, 3, 0xffffffffu), false);
    assert_non_null(h);
    assert_v(runnel_global_get(h), v4(1, 2, 3, 0xffffffffu));
}

static void test_host_indirect(void **state)
{
    fixture *f = *state;
    runnel_val res[2], v = v4(1, 2, 3, 4);
    call_ok(f, "host", &v, 1, res, 2);
    assert_v(res[0], v4(3, 4, 1, 2));
    assert_int_equal(res[1].of.i32, 4);

    runnel_val args[2] = {v, RUNNEL_I32(0)};
    call_ok(f, "indirect", args, 2, res, 1);
    assert_v(res[0], v4(2, 4, 6, 8));
    runnel_report r = {0};
    args[1] = RUNNEL_I32(1); /* $swap: another type */
    assert_int_equal(runnel_call(func(f->i, "indirect"), args, 2, res, 1, &r), RUNNEL_TRAP);
    assert_int_equal(r.trap, RUNNEL_TRAP_SIG_MISMATCH);
    runnel_report_clear(&r);
}

static void test_traps(void **state)
{
    fixture *f = *state;
    runnel_val res[1], a = RUNNEL_I32(65512);
    call_ok(f, "load_oob", &a, 1, res, 1); /* [65520, 65536): the last 16 bytes */
    assert_v(res[0], v4(0, 0, 0, 0));
    runnel_report r = {0};
    a = RUNNEL_I32(65513);
    assert_int_equal(runnel_call(func(f->i, "load_oob"), &a, 1, res, 1, &r), RUNNEL_TRAP);
    assert_int_equal(r.trap, RUNNEL_TRAP_MEMORY_OOB);
    assert_true(r.nframes >= 1);
    assert_int_equal(r.frames[0].offset, LOAD_OOB_AT);
    runnel_report_clear(&r);
    a = RUNNEL_I32(-1); /* the effective address is 33 bits: no wrap-around */
    assert_int_equal(runnel_call(func(f->i, "load_oob"), &a, 1, res, 1, &r), RUNNEL_TRAP);
    runnel_report_clear(&r);

    a = RUNNEL_I32(65528); /* lane 3 (4 bytes) at 65532 */
    call_ok(f, "store_lane_oob", &a, 1, NULL, 0);
    uint8_t *mem = runnel_memory_data(runnel_instance_memory(f->i, NULL));
    assert_int_equal(mem[65532], 4);
    a = RUNNEL_I32(65529);
    assert_int_equal(runnel_call(func(f->i, "store_lane_oob"), &a, 1, NULL, 0, &r), RUNNEL_TRAP);
    assert_int_equal(r.trap, RUNNEL_TRAP_MEMORY_OOB);
    assert_int_equal(r.frames[0].offset, STORE_LANE_OOB_AT);
    runnel_report_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_params_results, setup, teardown),
        cmocka_unit_test_setup_teardown(test_branches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locals_select, setup, teardown),
        cmocka_unit_test_setup_teardown(test_globals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_indirect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traps, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
