/*
 * test_native_loops.c - unrolled loops in compiled code (src/engine/translate.c, unroll_loop) against
 * the interpreter. The translator copies a small loop of straight code that ends in its only back edge
 * and runs the copies while the fuel budget holds, spending each unit with a plain decrement; so fuel
 * must still be exact at every back edge: a call that runs out must stop at the same iteration in both
 * tiers, whichever copy it is in, and a trap in a copy (an out-of-bounds load, with compares or with
 * guard pages) must leave the same fuel, memory and globals as the interpreter's.
 *
 * First the translation is checked to unroll the loops below (and not the one that calls), so that
 * what follows runs the copies; then each loop runs under every small fuel budget, suspended and
 * resumed a few units at a time (so that it stops in every copy and in the loop itself), and off the
 * end of memory.
 *
 *   test_native_loops [--guard-pages]   (ctest: test_native_loops, test_native_loops_guarded)
 */
#include "native_util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* g holds the loops' progress, so a suspended call shows where it stopped. */
static const char *loops_wat =
    "(module\n"
    "  (memory (export \"mem\") 1)\n"
    "  (global $g (export \"g\") (mut i32) (i32.const 0))\n"
    /* counts i up to n: n - 1 back edges (n >= 1) */
    "  (func (export \"count\") (param $n i32) (result i32) (local $i i32)\n"
    "    (loop $l\n"
    "      (global.set $g (local.tee $i (i32.add (local.get $i) (i32.const 1))))\n"
    "      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
    "    (local.get $i))\n"
    /* from word i on, the index of the first word not below pivot; off the end of memory: a trap */
    "  (func (export \"scan\") (param $i i32) (param $pivot i32) (result i32)\n"
    "    (loop $l\n"
    "      (global.set $g (local.get $i))\n"
    "      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "      (br_if $l (i32.lt_s (i32.load (i32.shl (local.get $i) (i32.const 2))) (local.get $pivot))))\n"
    "    (local.get $i))\n"
    /* stores i at word i + 1 for i < n, leaving early (with -1) when i equals word 0: an exit from the
       middle of the body, carrying a value */
    "  (func (export \"fill\") (param $n i32) (result i32) (local $i i32)\n"
    "    (block $out (result i32)\n"
    "      (loop $l\n"
    "        (drop (br_if $out (i32.const -1) (i32.eq (local.get $i) (i32.load (i32.const 0)))))\n"
    "        (i32.store offset=4 (i32.shl (local.get $i) (i32.const 2)) (local.get $i))\n"
    "        (global.set $g (local.tee $i (i32.add (local.get $i) (i32.const 1))))\n"
    "        (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
    "      (local.get $i)))\n"
    /* n + (n-1) + ... + 1, the sum carried as the loop's parameter (n >= 1) */
    "  (func (export \"sum\") (param $n i32) (result i32)\n"
    "    (i32.const 0)\n"
    "    (loop $l (param i32) (result i32)\n"
    "      (i32.add (local.get $n))\n"
    "      (global.set $g (local.get $n))\n"
    "      (local.set $n (i32.sub (local.get $n) (i32.const 1)))\n"
    "      (br_if $l (local.get $n))))\n"
    /* more results than parameters: at the back edge an i64 sits where the parameter starts the next
       round, so each copy must begin again from the loop's own types (n >= 1) */
    "  (func (export \"wide\") (param $n i32) (result i32) (local $t i32)\n"
    "    (i32.const 0)\n"
    "    (loop $l (param i32) (result i64 i32)\n"
    "      (local.set $t)\n"
    "      (i64.extend_i32_u (local.get $n))\n"
    "      (i32.add (local.get $t) (local.get $n))\n"
    "      (global.set $g (local.get $n))\n"
    "      (local.set $n (i32.sub (local.get $n) (i32.const 1)))\n"
    "      (br_if $l (local.get $n)))\n"
    "    (local.set $t)\n"
    "    (i32.add (i32.wrap_i64) (local.get $t)))\n"
    /* a loop that calls is not unrolled */
    "  (func $id (param i32) (result i32) (local.get 0))\n"
    "  (func (export \"calls\") (param $n i32) (result i32) (local $i i32)\n"
    "    (loop $l\n"
    "      (global.set $g (local.tee $i (call $id (i32.add (local.get $i) (i32.const 1)))))\n"
    "      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
    "    (local.get $i))\n"
    ")\n";

/* The C translation of a module (runnel_module_translate; malloc'ed), and in *rounds how many loops in
   it have copies in front (unroll_loop's test of the budget). */
static char *translation(const char *wat, size_t *rounds)
{
    size_t n, tlen = 0;
    uint8_t *b = wasm_of(wat, &n);
    char *text = NULL;
    FILE *f = open_memstream(&text, &tlen);
    assert_non_null(f);
    runnel_report r = {0};
    assert_int_equal(runnel_module_translate(b, n, f, &r), RUNNEL_OK);
    fclose(f);
    free(b);
    *rounds = 0;
    for (const char *p = text; (p = strstr(p, "if (S->budget >= ")) != NULL; p++)
        ++*rounds;
    return text;
}

/* The loops that are unrolled, and the one that is not. */
static void test_translation_unrolls(void **state)
{
    (void)state;
    SKIP_UNLESS_TOOLS();
    size_t rounds;
    char *text = translation(loops_wat, &rounds);
    /* count, scan, fill, sum and wide: one round of copies each, run while the budget holds */
    assert_int_equal(rounds, 5);
    const char *calls = strstr(text, "rnx_f6(rnx_inst *c, uint32_t l0)\n{"); /* "calls", function 6 */
    assert_non_null(calls);
    assert_null(strstr(calls, "if (S->budget >= "));
    free(text);
}

typedef struct loop_call {
    const char *name;
    runnel_val args[2];
    size_t nargs;
} loop_call;

static const loop_call calls[] = {
    {"count", {RUNNEL_I32(1)}, 1},       {"count", {RUNNEL_I32(2)}, 1},       {"count", {RUNNEL_I32(3)}, 1},
    {"count", {RUNNEL_I32(40)}, 1},      {"count", {RUNNEL_I32(3001)}, 1},
    {"scan", {RUNNEL_I32(0), RUNNEL_I32(1)}, 2}, {"scan", {RUNNEL_I32(5), RUNNEL_I32(0)}, 2},
    {"fill", {RUNNEL_I32(37)}, 1},       {"fill", {RUNNEL_I32(2)}, 1},
    {"sum", {RUNNEL_I32(1)}, 1},         {"sum", {RUNNEL_I32(2)}, 1},         {"sum", {RUNNEL_I32(45)}, 1},
    {"wide", {RUNNEL_I32(1)}, 1},        {"wide", {RUNNEL_I32(2)}, 1},        {"wide", {RUNNEL_I32(45)}, 1},
    {"calls", {RUNNEL_I32(30)}, 1},
};

/* Words 1.. of memory: 0 up to word `zeros`, then 7 (scan with pivot 1 stops there); word 0: `stop`
   (fill leaves when i reaches it). */
static void set_memory(runnel_instance *i, uint32_t zeros, uint32_t stop)
{
    uint8_t *m = runnel_memory_data(runnel_instance_memory(i, "mem"));
    memset(m, 0, 65536);
    for (uint32_t w = zeros; w < 64; w++)
        m[4 * w] = 7;
    memcpy(m, &stop, 4);
}

/* One call under `fuel`, resumed with `step` more each time it runs out, in tier t; what it did in
   `trail`: g after every suspension, then the result (or the trap), fuel left and memory. */
typedef struct trail {
    int32_t stops[4096];
    size_t nstops;
    outcome end;
    uint64_t fuel_left;
    uint8_t mem[65536]; /* the one page of the modules here */
} trail;

static void run_with_fuel(const pair *p, int t, const loop_call *lc, uint64_t fuel, uint64_t step, trail *tr)
{
    runnel_store *s = runnel_store_new(NULL);
    runnel_instance *i = inst_of(s, p->m[t], NULL);
    set_memory(i, 30, 20);
    runnel_global *g = runnel_instance_global(i, "g");
    runnel_store_set_fuel(s, fuel);
    memset(tr, 0, sizeof *tr);
    runnel_report r = {0};
    runnel_val res[1];
    runnel_status st = runnel_call(fn(i, lc->name), lc->args, lc->nargs, res, 1, &r);
    while (st == RUNNEL_SUSPENDED && tr->nstops < sizeof tr->stops / sizeof tr->stops[0]) {
        assert_int_equal(r.trap, RUNNEL_TRAP_OUT_OF_FUEL);
        tr->stops[tr->nstops++] = runnel_global_get(g).of.i32;
        runnel_report_clear(&r);
        runnel_store_add_fuel(s, step);
        st = runnel_resume(s, res, 1, &r);
    }
    assert_int_not_equal(st, RUNNEL_SUSPENDED);
    tr->end.st = st;
    tr->end.trap = r.trap;
    tr->end.res[0] = res[0];
    tr->fuel_left = runnel_store_fuel(s);
    memcpy(tr->mem, runnel_memory_data(runnel_instance_memory(i, "mem")), sizeof tr->mem);
    tr->stops[tr->nstops++] = runnel_global_get(g).of.i32;
    runnel_report_clear(&r);
    runnel_store_free(s);
}

static void assert_same_trail(const trail *a, const trail *b)
{
    assert_int_equal(a->end.st, b->end.st);
    assert_int_equal(a->end.trap, b->end.trap);
    if (a->end.st == RUNNEL_OK)
        assert_int_equal(a->end.res[0].of.i32, b->end.res[0].of.i32);
    assert_int_equal(a->nstops, b->nstops);
    for (size_t k = 0; k < a->nstops; k++)
        assert_int_equal(a->stops[k], b->stops[k]);
    assert_int_equal(a->fuel_left, b->fuel_left);
    assert_memory_equal(a->mem, b->mem, sizeof a->mem);
}

/* Every budget from 1 to 12 and around the chunk of 1024, resumed 1, 2 or 3 units at a time: each
   loop stops at the same iteration in both tiers, in whichever copy, and ends alike. */
static void test_fuel_in_unrolled_loops(void **state)
{
    (void)state;
    SKIP_UNLESS_TOOLS();
    pair p = pair_of(loops_wat);
    static const uint64_t budgets[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1023, 1024, 1025, 1026, 100000};
    static trail tr[2];
    size_t stops = 0;
    for (size_t c = 0; c < sizeof calls / sizeof calls[0]; c++)
        for (size_t b = 0; b < sizeof budgets / sizeof budgets[0]; b++)
            for (uint64_t step = 1; step <= 3; step++) {
                for (int t = 0; t < 2; t++)
                    run_with_fuel(&p, t, &calls[c], budgets[b], step, &tr[t]);
                assert_same_trail(&tr[0], &tr[1]);
                assert_int_equal(tr[1].end.st, RUNNEL_OK);
                stops += tr[1].nstops - 1;
            }
    print_message("%zu suspensions, all at the same iteration in both tiers\n", stops);
    assert_true(stops > 1000);
    pair_free(&p);
}

/* scan run off the end of memory from each of the last words, with budgets that put the trap in each
   copy and in the loop itself: the same trap, fuel, memory and last index. */
static void test_trap_in_unrolled_loop(void **state)
{
    (void)state;
    SKIP_UNLESS_TOOLS();
    pair p = pair_of(loops_wat);
    static trail tr[2];
    for (int32_t from = 16370; from < 16384; from++)
        for (uint64_t fuel = 1; fuel <= 20; fuel++) {
            loop_call lc = {"scan", {RUNNEL_I32(from), RUNNEL_I32(1)}, 2};
            for (int t = 0; t < 2; t++)
                run_with_fuel(&p, t, &lc, fuel, 1 + (uint64_t)from % 3, &tr[t]);
            assert_same_trail(&tr[0], &tr[1]);
            assert_int_equal(tr[1].end.st, RUNNEL_TRAP);
            assert_int_equal(tr[1].end.trap, RUNNEL_TRAP_MEMORY_OOB);
            assert_int_equal(tr[1].stops[tr[1].nstops - 1], 16383); /* the last word read in bounds */
        }
    pair_free(&p);
}

/* ---------------------------------------------------------------- random loops */

/* A module of RANDOM_LOOPS functions (i32, i32) -> i32, each one loop of straight code that the
   translator unrolls: a counter k up to n (the back edge), and between, random work on locals a, b, c:
   arithmetic, loads and stores at addresses masked to 0x100fc (past the end of the one page when bit 16
   is set: a trap), global updates, and exits from the middle to the enclosing block with a value.
   splitmix64 from a fixed seed: the same module every run. */
enum { RANDOM_LOOPS = 40 };

static uint64_t mix_state;
static uint64_t mix(void)
{
    uint64_t z = (mix_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* an i32 expression over the locals (depth-limited) */
static void random_expr(FILE *out, int depth)
{
    static const char *locals[] = {"$a", "$b", "$c", "$k", "$n"};
    static const char *ops[] = {"i32.add", "i32.sub", "i32.mul", "i32.xor", "i32.and", "i32.or", "i32.shl",
                                "i32.shr_u", "i32.rotl", "i32.lt_s", "i32.eq"};
    uint64_t r = mix();
    if (depth > 1 || r % 4 == 0) {
        if (r % 3 == 0)
            fprintf(out, "(i32.const %d)", (int)(int32_t)(mix() % 97) - 20);
        else
            fprintf(out, "(local.get %s)", locals[(r >> 8) % 5]);
        return;
    }
    if (r % 7 == 1) { /* a load: the address masked to 0x100fc, so past the end when bit 16 is set */
        fprintf(out, "(i32.load offset=%u (i32.and ", (unsigned)(mix() % 3) * 8);
        random_expr(out, depth + 1);
        fprintf(out, " (i32.const 0x100fc)))");
        return;
    }
    fprintf(out, "(%s ", ops[(r >> 8) % (sizeof ops / sizeof ops[0])]);
    random_expr(out, depth + 1);
    fputc(' ', out);
    random_expr(out, depth + 1);
    fputc(')', out);
}

static char *random_loops_wat(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    mix_state = 0x5EED;
    fprintf(out, "(module (memory (export \"mem\") 1) (global $g (export \"g\") (mut i32) (i32.const 0))\n");
    for (int f = 0; f < RANDOM_LOOPS; f++) {
        fprintf(out, "(func (export \"f%d\") (param $n i32) (param $a i32) (result i32) (local $b i32) (local $c i32) "
                     "(local $k i32)\n (block $out (result i32)\n  (loop $l\n",
                f);
        int steps = 2 + (int)(mix() % 3);
        for (int k = 0; k < steps; k++) {
            uint64_t r = mix();
            static const char *sets[] = {"$a", "$b", "$c"};
            if (r % 6 == 0) { /* an exit from the middle, carrying a value */
                fprintf(out,
                        "   (drop (br_if $out (local.get $b)\n"
                        "     (i32.eq (i32.and (local.get $a) (i32.const 63)) (i32.const %d))))\n",
                        (int)(mix() % 64));
            } else if (r % 6 == 1) { /* a store, maybe past the end */
                fprintf(out, "   (i32.store offset=%u (i32.and (local.get $c) (i32.const 0x100fc)) ",
                        (unsigned)(mix() % 2) * 8);
                random_expr(out, 1);
                fprintf(out, ")\n");
            } else if (r % 6 == 2) {
                fprintf(out, "   (global.set $g ");
                random_expr(out, 1);
                fprintf(out, ")\n");
            } else {
                fprintf(out, "   (local.set %s ", sets[(r >> 8) % 3]);
                random_expr(out, 0);
                fprintf(out, ")\n");
            }
        }
        fprintf(out, "   (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $n))))\n"
                     "  (i32.add (local.get $a) (i32.add (local.get $b) (local.get $c)))))\n");
    }
    fprintf(out, ")\n");
    fclose(out);
    return text;
}

/* Each random loop, with a few counts and seeds, under budgets that stop it in every copy: the same
   stops, results or traps, fuel, memory and global in both tiers. */
static void test_random_unrolled_loops(void **state)
{
    (void)state;
    SKIP_UNLESS_TOOLS();
    char *wat = random_loops_wat();
    pair p = pair_of(wat);
    size_t rounds;
    free(translation(wat, &rounds));
    /* most loops are unrolled (the rest are over the translator's size limit, and run as before) */
    print_message("%zu of %d random loops unrolled\n", rounds, RANDOM_LOOPS);
    assert_true(rounds >= RANDOM_LOOPS * 3 / 4);
    static trail tr[2];
    static const int32_t counts[] = {1, 2, 3, 9, 200};
    static const uint64_t budgets[] = {1, 2, 3, 5, 8, 1024, 1000000};
    size_t traps = 0, runs = 0;
    for (int fi = 0; fi < RANDOM_LOOPS; fi++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", fi);
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
            for (size_t bi = 0; bi < sizeof budgets / sizeof budgets[0]; bi++) {
                loop_call lc = {name, {RUNNEL_I32(counts[c]), RUNNEL_I32((int32_t)(c * 7919 + (size_t)fi))}, 2};
                for (int t = 0; t < 2; t++)
                    run_with_fuel(&p, t, &lc, budgets[bi], 1 + (uint64_t)(fi + (int)c) % 3, &tr[t]);
                assert_same_trail(&tr[0], &tr[1]);
                traps += tr[1].end.st == RUNNEL_TRAP;
                runs++;
            }
    }
    print_message("%zu runs of %d random loops: %zu traps, the same in both tiers\n", runs, RANDOM_LOOPS, traps);
    assert_true(traps > 0 && traps < runs); /* some run off the end of memory, most do not */
    pair_free(&p);
    free(wat);
}

int main(int argc, char **argv)
{
    native_test_setup("test_native_loops");
    bool guard = native_test_guard_option(&argc, &argv, "test_native_loops");
    struct CMUnitTest tests[] = {
        cmocka_unit_test(test_translation_unrolls),
        cmocka_unit_test(test_fuel_in_unrolled_loops),
        cmocka_unit_test(test_trap_in_unrolled_loop),
        cmocka_unit_test(test_random_unrolled_loops),
    };
    size_t n = sizeof tests / sizeof tests[0];
    if (guard)
        guard_wrap(tests, n);
    return _cmocka_run_group_tests(guard ? "test_native_loops_guarded" : "test_native_loops", tests, n, NULL, NULL);
}
