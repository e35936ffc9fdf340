/*
 * test_engine_limits.c - the engine's limits, through the public API only (include/runnel/engine.h):
 * fuel, timeouts, interrupts from another thread, call-stack exhaustion, and memory growth limits.
 *
 * These are the guarantees an embedder relies on to run untrusted code: a guest that loops forever,
 * recurses forever or grows memory without end must be stopped, with a precise report, and must leave
 * the store usable. Each test therefore checks both the stop (status, trap kind, message) and what
 * comes after it (resume gives the right result, abandon then a new call works).
 *
 * The modules are written in WAT (in the comment above each array) and were turned into bytes at
 * development time with `wat2wasm` (wabt 1.0.32); the test needs no tool at run time. To change one,
 * edit the WAT, run wat2wasm with the flags shown, and paste the bytes (e.g. `xxd -i`).
 *
 * Timing assertions (timeout, interrupt) allow 50 ms of slack: the engine polls at every function
 * entry and loop back-edge and looks at the clock once every fuel chunk (exec.c), so a deadline is
 * noticed within microseconds; the slack is for a loaded machine's scheduler, not for the engine.
 */
#include "engine_test_util.h" /* load, instantiate, func, call_i32, ok_i32 */

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- modules */

/* wat2wasm --debug-names limits.wat:
 * (module
 *   ;; The infinite loop: one loop back-edge (one poll) per iteration.
 *   (func (export "spin") (loop $l (br $l)))
 *   ;; countdown(n): counts the exported global $left down from n to 0, one back-edge per step,
 *   ;; and returns n + (n-1) + ... + 1, so a result is right only if every step ran exactly once.
 *   (global $left (export "left") (mut i32) (i32.const 0))
 *   (func (export "countdown") (param $n i32) (result i32) (local $sum i32)
 *     (global.set $left (local.get $n))
 *     (loop $l
 *       (local.set $sum (i32.add (local.get $sum) (global.get $left)))
 *       (global.set $left (i32.sub (global.get $left) (i32.const 1)))
 *       (br_if $l (global.get $left)))
 *     (local.get $sum))
 *   ;; Recursion without end.
 *   (func $forever (export "forever") (call $forever))
 *   ;; depth(n) = n == 0 ? 0 : 1 + depth(n - 1): recursion n calls deep.
 *   (func $depth (export "depth") (param $n i32) (result i32)
 *     (if (result i32) (i32.eqz (local.get $n))
 *       (then (i32.const 0))
 *       (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get $n) (i32.const 1)))))))
 *   (func (export "answer") (result i32) (i32.const 42))
 *   (memory (export "mem") 1)
 *   (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
 *   (func (export "size") (result i32) (memory.size))
 *   (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
 *   (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))
 */
static const uint8_t limits_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x12, 0x04, 0x60, 0x00, 0x00, 0x60, 0x01,
    0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x03, 0x0a, 0x09, 0x00,
    0x01, 0x00, 0x01, 0x02, 0x01, 0x02, 0x03, 0x01, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x06, 0x01,
    0x7f, 0x01, 0x41, 0x00, 0x0b, 0x07, 0x59, 0x0b, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x00, 0x04,
    0x6c, 0x65, 0x66, 0x74, 0x03, 0x00, 0x09, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x64, 0x6f, 0x77, 0x6e,
    0x00, 0x01, 0x07, 0x66, 0x6f, 0x72, 0x65, 0x76, 0x65, 0x72, 0x00, 0x02, 0x05, 0x64, 0x65, 0x70,
    0x74, 0x68, 0x00, 0x03, 0x06, 0x61, 0x6e, 0x73, 0x77, 0x65, 0x72, 0x00, 0x04, 0x03, 0x6d, 0x65,
    0x6d, 0x02, 0x00, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x05, 0x04, 0x73, 0x69, 0x7a, 0x65, 0x00,
    0x06, 0x05, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x07, 0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x08,
    0x0a, 0x67, 0x09, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x1f, 0x01, 0x01, 0x7f, 0x20,
    0x00, 0x24, 0x00, 0x03, 0x40, 0x20, 0x01, 0x23, 0x00, 0x6a, 0x21, 0x01, 0x23, 0x00, 0x41, 0x01,
    0x6b, 0x24, 0x00, 0x23, 0x00, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b, 0x04, 0x00, 0x10, 0x02, 0x0b,
    0x15, 0x00, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x41, 0x01, 0x20, 0x00, 0x41, 0x01,
    0x6b, 0x10, 0x03, 0x6a, 0x0b, 0x0b, 0x04, 0x00, 0x41, 0x2a, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x40,
    0x00, 0x0b, 0x04, 0x00, 0x3f, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x00,
    0x0b, 0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b, 0x00, 0x41, 0x04, 0x6e, 0x61, 0x6d, 0x65,
    0x01, 0x11, 0x02, 0x02, 0x07, 0x66, 0x6f, 0x72, 0x65, 0x76, 0x65, 0x72, 0x03, 0x05, 0x64, 0x65,
    0x70, 0x74, 0x68, 0x02, 0x1e, 0x09, 0x00, 0x00, 0x01, 0x02, 0x00, 0x01, 0x6e, 0x01, 0x03, 0x73,
    0x75, 0x6d, 0x02, 0x00, 0x03, 0x01, 0x00, 0x01, 0x6e, 0x04, 0x00, 0x05, 0x00, 0x06, 0x00, 0x07,
    0x00, 0x08, 0x00, 0x07, 0x07, 0x01, 0x00, 0x04, 0x6c, 0x65, 0x66, 0x74,
};

/* wat2wasm grow_max.wat:
 * (module
 *   ;; A memory whose own declared maximum (2 pages) is below the store's limit.
 *   (memory (export "mem") 1 2)
 *   (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
 *   (func (export "size") (result i32) (memory.size)))
 */
static const uint8_t grow_max_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x00, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00, 0x01, 0x05, 0x04, 0x01, 0x01, 0x01, 0x02, 0x07,
    0x15, 0x03, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x00, 0x04,
    0x73, 0x69, 0x7a, 0x65, 0x00, 0x01, 0x0a, 0x0d, 0x02, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b,
    0x04, 0x00, 0x3f, 0x00, 0x0b,
};

/* wat2wasm big_mem.wat:
 * (module (memory 5))
 */
static const uint8_t big_mem_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x05,
};

/* ---------------------------------------------------------------- helpers */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int32_t global_i32(runnel_instance *i, const char *name)
{
    runnel_global *g = runnel_instance_global(i, name);
    assert_non_null(g);
    runnel_val v = runnel_global_get(g);
    assert_int_equal(v.type, RUNNEL_TYPE_I32);
    return v.of.i32;
}

/* countdown(n) returns n + (n-1) + ... + 1 */
static int32_t triangle(int32_t n) { return (int32_t)((int64_t)n * (n + 1) / 2); }

typedef struct modules {
    runnel_module *limits, *grow_max;
} modules;

static int group_setup(void **state)
{
    static modules ms; /* the group's fixture; read-only once loaded */
    ms.limits = load(limits_wasm, sizeof limits_wasm);
    ms.grow_max = load(grow_max_wasm, sizeof grow_max_wasm);
    *state = &ms;
    return 0;
}

static int group_teardown(void **state)
{
    modules *ms = *state;
    runnel_module_free(ms->limits);
    runnel_module_free(ms->grow_max);
    return 0;
}

#define MODS ((modules *)*state)

/* ---------------------------------------------------------------- fuel */

/* `loop br 0 end` with 1000 units of fuel is suspended, not run forever; while suspended the store
   refuses new calls; refuelling and resuming goes on (and is suspended again, the loop being
   endless); abandoning frees the store for new calls. */
static void test_fuel_stops_infinite_loop(void **state)
{
    runnel_store *s = new_store(NULL);
    runnel_instance *i = instantiate(s, MODS->limits, NULL);
    assert_int_equal(runnel_store_fuel(s), UINT64_MAX); /* unlimited unless set */

    runnel_store_set_fuel(s, 1000);
    assert_int_equal(runnel_store_fuel(s), 1000);
    runnel_store_set_timeout(s, 5000); /* a backstop: were fuel not counted, this would stop the loop */
    runnel_report r = {0};
    assert_int_equal(call_i32(i, "spin", 0, 0, 0, NULL, &r), RUNNEL_SUSPENDED);
    assert_int_equal(r.status, RUNNEL_SUSPENDED);
    assert_int_equal(r.trap, RUNNEL_TRAP_OUT_OF_FUEL);
    assert_non_null(r.message);
    assert_true(runnel_store_suspended(s));
    assert_int_equal(runnel_store_fuel(s), 0);

    /* one suspended call per store: a new call is refused and the suspended one survives */
    int32_t v = 0;
    assert_int_equal(call_i32(i, "answer", 0, 0, 0, &v, &r), RUNNEL_BADARG);
    assert_true(runnel_store_suspended(s));

    runnel_store_add_fuel(s, 500);
    assert_int_equal(runnel_store_fuel(s), 500);
    runnel_report_clear(&r);
    assert_int_equal(runnel_resume(s, NULL, 0, &r), RUNNEL_SUSPENDED);
    assert_int_equal(r.trap, RUNNEL_TRAP_OUT_OF_FUEL);
    assert_int_equal(runnel_store_fuel(s), 0);

    runnel_abandon(s);
    assert_false(runnel_store_suspended(s));
    runnel_report_clear(&r);
    assert_int_equal(runnel_resume(s, NULL, 0, &r), RUNNEL_BADARG); /* nothing left to resume */

    runnel_store_add_fuel(s, 100);
    assert_int_equal(ok_i32(i, "answer", 0, 0, 0), 42);
    assert_int_equal(ok_i32(i, "countdown", 1, 10, 0), triangle(10));

    runnel_store_unlimited_fuel(s);
    assert_int_equal(runnel_store_fuel(s), UINT64_MAX);
    assert_int_equal(ok_i32(i, "countdown", 1, 5000, 0), triangle(5000));
    runnel_report_clear(&r);
    runnel_store_free(s);
}

/* A loop of N steps run on 1000 units of fuel at a time: each suspension comes after about 1000
   back-edges (the exported counter shows how far it got), and resuming after each refuel finishes
   with the right result, so no step was lost or repeated across suspensions. */
static void test_fuel_resume_completes(void **state)
{
    enum { N = 10000, CHUNK = 1000 };
    runnel_store *s = new_store(NULL);
    runnel_instance *i = instantiate(s, MODS->limits, NULL);

    runnel_store_set_fuel(s, CHUNK);
    uint64_t given = CHUNK;
    runnel_report r = {0};
    int32_t v = 0;
    runnel_status st = call_i32(i, "countdown", 1, N, 0, &v, &r);
    int suspensions = 0;
    int32_t left = N;
    runnel_val res[1] = {{0}};
    while (st == RUNNEL_SUSPENDED) {
        suspensions++;
        assert_int_equal(r.trap, RUNNEL_TRAP_OUT_OF_FUEL);
        assert_int_equal(runnel_store_fuel(s), 0);
        /* each unit of fuel paid for one back-edge, i.e. one step of the loop */
        int32_t now = global_i32(i, "left");
        int32_t steps = left - now;
        if (suspensions == 1)
            steps -= 1; /* the first step is reached without a back-edge */
        assert_in_range(steps, CHUNK - 2, CHUNK + 2);
        left = now;
        assert_true(suspensions <= N / CHUNK + 1);
        runnel_store_add_fuel(s, CHUNK);
        given += CHUNK;
        runnel_report_clear(&r);
        st = runnel_resume(s, res, 1, &r);
        v = res[0].of.i32;
    }
    assert_int_equal(st, RUNNEL_OK);
    assert_int_equal(v, triangle(N));
    assert_int_equal(res[0].type, RUNNEL_TYPE_I32);
    assert_int_equal(global_i32(i, "left"), 0);
    /* N steps need N-1 back-edges: 9999 units at 1000 a grant is 10 grants, 9 suspensions */
    assert_in_range(suspensions, N / CHUNK - 1, N / CHUNK);
    uint64_t used = given - runnel_store_fuel(s);
    assert_in_range(used, N - 1 - (uint64_t)suspensions - 1, N);
    assert_false(runnel_store_suspended(s));
    runnel_report_clear(&r);
    runnel_store_free(s);
}

/* Fuel is charged for what ran, also when a call finishes without running out: one unit per loop
   back-edge and one per function entry. (The embedder's own entry into the called function is not
   charged today; the ranges below allow either.) */
static void test_fuel_accounting(void **state)
{
    runnel_store *s = new_store(NULL);
    runnel_instance *i = instantiate(s, MODS->limits, NULL);

    runnel_store_set_fuel(s, 100);
    assert_int_equal(ok_i32(i, "countdown", 1, 50, 0), triangle(50));
    assert_in_range(100 - runnel_store_fuel(s), 49, 50); /* 49 back-edges */

    runnel_store_set_fuel(s, 100);
    assert_int_equal(ok_i32(i, "depth", 1, 10, 0), 10);
    assert_in_range(100 - runnel_store_fuel(s), 10, 11); /* 10 recursive entries */

    /* set_fuel replaces, add_fuel adds */
    runnel_store_set_fuel(s, 7);
    runnel_store_add_fuel(s, 5);
    assert_int_equal(runnel_store_fuel(s), 12);
    runnel_store_set_fuel(s, 3);
    assert_int_equal(runnel_store_fuel(s), 3);

    /* a call that would need more than there is suspends; more fuel finishes it */
    runnel_store_set_fuel(s, 20);
    runnel_report r = {0};
    int32_t v = 0;
    assert_int_equal(call_i32(i, "countdown", 1, 1000, 0, &v, &r), RUNNEL_SUSPENDED);
    assert_int_equal(r.trap, RUNNEL_TRAP_OUT_OF_FUEL);
    assert_in_range(1000 - global_i32(i, "left"), 20, 22);
    runnel_store_add_fuel(s, 2000);
    runnel_val res[1];
    runnel_report_clear(&r);
    assert_int_equal(runnel_resume(s, res, 1, &r), RUNNEL_OK);
    assert_int_equal(res[0].of.i32, triangle(1000));
    assert_in_range(2020 - runnel_store_fuel(s), 997, 1000);

    /* a suspended call cannot be resumed into too few result slots, and survives the attempt */
    runnel_store_set_fuel(s, 10);
    assert_int_equal(call_i32(i, "countdown", 1, 1000, 0, &v, &r), RUNNEL_SUSPENDED);
    runnel_store_unlimited_fuel(s);
    runnel_report_clear(&r);
    assert_int_equal(runnel_resume(s, NULL, 0, &r), RUNNEL_BADARG);
    assert_true(runnel_store_suspended(s));
    runnel_report_clear(&r);
    assert_int_equal(runnel_resume(s, res, 1, &r), RUNNEL_OK);
    assert_int_equal(res[0].of.i32, triangle(1000));
    runnel_report_clear(&r);
    runnel_store_free(s);
}

typedef struct store_fixture {
    runnel_module *m;
    runnel_store *s;
} store_fixture;

/* A store in a fixture: freed by the teardown even when a failing assertion jumps out of the test,
   so a failure is reported as itself and not also as a leak by the sanitizer build. */
static int store_setup(void **state)
{
    static store_fixture fx;
    fx.m = load(limits_wasm, sizeof limits_wasm);
    fx.s = new_store(NULL);
    *state = &fx;
    return 0;
}

static int store_teardown(void **state)
{
    store_fixture *fx = *state;
    runnel_store_free(fx->s);
    runnel_module_free(fx->m);
    return 0;
}

/* Suspending must not change the bill: a call run in slices of fuel costs exactly what it costs in
   one go (engine.h: every loop back-edge costs one unit). This caught an engine bug: the back-edge
   whose poll found the fuel exhausted suspended the call and was then taken on resume without being
   charged, one free unit per suspension (countdown(10000) in slices of 1000 was charged 9990, not
   9999). exec.c now keeps that poll pending across the suspension. */
static void test_fuel_exact_across_suspension(void **state)
{
    enum { N = 10000, CHUNK = 1000 };
    store_fixture *fx = *state;
    runnel_store *s = fx->s;
    runnel_instance *i = instantiate(s, fx->m, NULL);

    const uint64_t plenty = 1000000;
    runnel_store_set_fuel(s, plenty);
    assert_int_equal(ok_i32(i, "countdown", 1, N, 0), triangle(N));
    uint64_t whole = plenty - runnel_store_fuel(s);
    assert_in_range(whole, N - 1, N); /* N-1 back-edges, perhaps the entry */

    runnel_store_set_fuel(s, CHUNK);
    uint64_t given = CHUNK;
    runnel_report r = {0};
    runnel_val res[1] = {{0}};
    runnel_status st = call_i32(i, "countdown", 1, N, 0, NULL, &r);
    while (st == RUNNEL_SUSPENDED) {
        runnel_store_add_fuel(s, CHUNK);
        given += CHUNK;
        runnel_report_clear(&r);
        st = runnel_resume(s, res, 1, &r);
    }
    assert_int_equal(st, RUNNEL_OK);
    assert_int_equal(res[0].of.i32, triangle(N));
    uint64_t sliced = given - runnel_store_fuel(s);
    runnel_report_clear(&r);
    if (sliced != whole)
        print_error("countdown(%d) costs %llu in one go but %llu in slices of %d\n", N, (unsigned long long)whole,
                    (unsigned long long)sliced, CHUNK);
    assert_int_equal(sliced, whole);

    /* the smallest case: one unit short suspends at the last back-edge; one more unit must be the
       last one, leaving nothing */
    runnel_store_set_fuel(s, whole - 1);
    runnel_report_clear(&r);
    assert_int_equal(call_i32(i, "countdown", 1, N, 0, NULL, &r), RUNNEL_SUSPENDED);
    runnel_store_add_fuel(s, 1);
    runnel_report_clear(&r);
    assert_int_equal(runnel_resume(s, res, 1, &r), RUNNEL_OK);
    assert_int_equal(res[0].of.i32, triangle(N));
    assert_int_equal(runnel_store_fuel(s), 0);
    runnel_report_clear(&r);
}

/* ---------------------------------------------------------------- timeouts and interrupts */

/* A thread that calls runnel_store_interrupt after delay_ms unless stopped first: the interrupt
   under test, or a watchdog that turns a hang into a failed time check. */
typedef struct timer {
    runnel_store *store;
    unsigned delay_ms;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stopped;
    pthread_t thread;
} timer;

static void *timer_main(void *arg)
{
    timer *t = arg;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += t->delay_ms / 1000;
    until.tv_nsec += (long)(t->delay_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&t->lock);
    int rc = 0;
    while (!t->stopped && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&t->cond, &t->lock, &until);
    bool fire = !t->stopped;
    pthread_mutex_unlock(&t->lock);
    if (fire)
        runnel_store_interrupt(t->store);
    return NULL;
}

static void timer_start(timer *t, runnel_store *s, unsigned delay_ms)
{
    pthread_condattr_t attr;
    t->store = s;
    t->delay_ms = delay_ms;
    t->stopped = false;
    assert_int_equal(pthread_mutex_init(&t->lock, NULL), 0);
    assert_int_equal(pthread_condattr_init(&attr), 0);
    assert_int_equal(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC), 0);
    assert_int_equal(pthread_cond_init(&t->cond, &attr), 0);
    pthread_condattr_destroy(&attr);
    assert_int_equal(pthread_create(&t->thread, NULL, timer_main, t), 0);
}

/* Stop the timer if it has not fired yet, and wait for its thread. */
static void timer_stop(timer *t)
{
    pthread_mutex_lock(&t->lock);
    t->stopped = true;
    pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->lock);
    assert_int_equal(pthread_join(t->thread, NULL), 0);
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->lock);
}

/* Run "spin" (or resume it) and return how long that took, in ms; a watchdog interrupts it after
   2 s so that a deadline that never fires fails the time check instead of hanging the test. */
static double timed_spin(runnel_instance *i, runnel_store *s, bool resume, runnel_report *r, runnel_status *st)
{
    timer watchdog;
    timer_start(&watchdog, s, 2000);
    runnel_report_clear(r);
    double t0 = now_ms();
    *st = resume ? runnel_resume(s, NULL, 0, r) : runnel_call(func(i, "spin"), NULL, 0, NULL, 0, r);
    double elapsed = now_ms() - t0;
    timer_stop(&watchdog);
    return elapsed;
}

/* The same endless loop stopped by a 100 ms deadline, within 50 ms of it; a resume gets a new
   deadline; calls that finish in time are not affected. */
static void test_timeout_stops_infinite_loop(void **state)
{
    runnel_store *s = new_store(NULL);
    runnel_instance *i = instantiate(s, MODS->limits, NULL);
    runnel_store_set_timeout(s, 100);
    assert_int_equal(ok_i32(i, "countdown", 1, 1000, 0), triangle(1000));

    runnel_report r = {0};
    runnel_status st;
    double elapsed = timed_spin(i, s, false, &r, &st);
    assert_int_equal(st, RUNNEL_SUSPENDED);
    assert_int_equal(r.trap, RUNNEL_TRAP_INTERRUPTED);
    assert_non_null(r.message);
    assert_true(runnel_store_suspended(s));
    if (elapsed < 99 || elapsed >= 150)
        print_error("timeout of 100 ms stopped the call after %.1f ms\n", elapsed);
    assert_true(elapsed >= 99 && elapsed < 150);

    elapsed = timed_spin(i, s, true, &r, &st);
    assert_int_equal(st, RUNNEL_SUSPENDED);
    assert_int_equal(r.trap, RUNNEL_TRAP_INTERRUPTED);
    if (elapsed < 99 || elapsed >= 150)
        print_error("resumed call stopped after %.1f ms\n", elapsed);
    assert_true(elapsed >= 99 && elapsed < 150);

    runnel_abandon(s);
    assert_int_equal(ok_i32(i, "answer", 0, 0, 0), 42);
    runnel_store_set_timeout(s, 0); /* no deadline: a long call runs to its end */
    assert_int_equal(ok_i32(i, "countdown", 1, 200000, 0), triangle(200000));
    runnel_report_clear(&r);
    runnel_store_free(s);
}

/* runnel_store_interrupt from a second thread stops the endless loop of the first. A 3 s deadline
   is the backstop: if the interrupt were lost the call would end at 3 s and the time check fail. */
static void test_interrupt_from_thread(void **state)
{
    runnel_store *s = new_store(NULL);
    runnel_instance *i = instantiate(s, MODS->limits, NULL);
    runnel_store_set_timeout(s, 3000);

    timer t;
    runnel_report r = {0};
    double t0 = now_ms();
    timer_start(&t, s, 50);
    runnel_status st = call_i32(i, "spin", 0, 0, 0, NULL, &r);
    double elapsed = now_ms() - t0;
    timer_stop(&t);
    assert_int_equal(st, RUNNEL_SUSPENDED);
    assert_int_equal(r.trap, RUNNEL_TRAP_INTERRUPTED);
    if (elapsed < 49 || elapsed >= 100)
        print_error("interrupt after 50 ms stopped the call after %.1f ms\n", elapsed);
    assert_true(elapsed >= 49 && elapsed < 100);

    /* the interrupt stopped that call only: after abandoning it, a new call runs to its end */
    runnel_abandon(s);
    runnel_report_clear(&r);
    assert_int_equal(ok_i32(i, "countdown", 1, 100000, 0), triangle(100000));

    /* a countdown interrupted in the middle resumes from where it stopped: while it is suspended
       the embedder shortens the rest (the loop reads the exported global) and the result is the
       sum of the steps done before (N down to L+1) and after (10 down to 1) */
    runnel_store_set_timeout(s, 0);
    int32_t v = 0;
    const uint32_t n = 0x7FFFFFFF;
    timer_start(&t, s, 20);
    st = call_i32(i, "countdown", 1, (int32_t)n, 0, &v, &r);
    timer_stop(&t);
    assert_int_equal(st, RUNNEL_SUSPENDED);
    assert_int_equal(r.trap, RUNNEL_TRAP_INTERRUPTED);
    uint32_t left = (uint32_t)global_i32(i, "left");
    assert_true(left > 0 && left < n); /* stopped part way */
    runnel_global *g = runnel_instance_global(i, "left");
    assert_int_equal(runnel_global_set(g, RUNNEL_I32(10)), RUNNEL_OK);
    runnel_val res[1];
    runnel_report_clear(&r);
    assert_int_equal(runnel_resume(s, res, 1, &r), RUNNEL_OK);
    assert_int_equal(global_i32(i, "left"), 0);
    /* the sum wraps modulo 2^32, as i32.add does */
    uint64_t done = (uint64_t)n * (n + 1) / 2 - (uint64_t)left * (left + 1) / 2;
    assert_int_equal((uint32_t)res[0].of.i32, (uint32_t)(done + 55));
    runnel_report_clear(&r);
    runnel_store_free(s);
}

/* ---------------------------------------------------------------- call stack */

static void expect_stack_exhausted(runnel_instance *i, const char *name, int nargs, int32_t arg)
{
    runnel_report r = {0};
    assert_int_equal(call_i32(i, name, nargs, arg, 0, NULL, &r), RUNNEL_TRAP);
    assert_int_equal(r.status, RUNNEL_TRAP);
    assert_int_equal(r.trap, RUNNEL_TRAP_STACK_EXHAUSTED);
    assert_non_null(r.message);
    assert_string_equal(r.message, "call stack exhausted");
    /* the backtrace is bounded, and shows the recursing function */
    assert_true(r.nframes > 0);
    assert_true(r.nframes <= 1000);
    assert_non_null(r.frames[0].func_name);
    assert_string_equal(r.frames[0].func_name, name);
    runnel_report_clear(&r);
}

/* max_call_depth bounds the recursion: 50 calls deep is fine under a limit of 100, 200 is not, and
   the store is usable after the trap. */
static void test_stack_exhausted_by_depth(void **state)
{
    runnel_config cfg = {.max_call_depth = 100};
    runnel_store *s = new_store(&cfg);
    runnel_instance *i = instantiate(s, MODS->limits, NULL);
    assert_int_equal(ok_i32(i, "depth", 1, 50, 0), 50);
    expect_stack_exhausted(i, "depth", 1, 200);
    assert_false(runnel_store_suspended(s));
    assert_int_equal(ok_i32(i, "answer", 0, 0, 0), 42);
    expect_stack_exhausted(i, "forever", 0, 0);
    assert_int_equal(ok_i32(i, "depth", 1, 50, 0), 50);
    runnel_store_free(s);
}

/* stack_bytes bounds it too, with the default depth limit: 4 KiB of value stack holds 10 frames of
   depth() but not 1000, which the default configuration runs fine. */
static void test_stack_exhausted_by_bytes(void **state)
{
    runnel_store *big = new_store(NULL);
    assert_int_equal(ok_i32(instantiate(big, MODS->limits, NULL), "depth", 1, 1000, 0), 1000);
    runnel_store_free(big);

    runnel_config cfg = {.stack_bytes = 4096};
    runnel_store *s = new_store(&cfg);
    runnel_instance *i = instantiate(s, MODS->limits, NULL);
    assert_int_equal(ok_i32(i, "depth", 1, 10, 0), 10);
    expect_stack_exhausted(i, "depth", 1, 1000);
    assert_int_equal(ok_i32(i, "answer", 0, 0, 0), 42);
    expect_stack_exhausted(i, "forever", 0, 0);
    assert_int_equal(ok_i32(i, "depth", 1, 10, 0), 10);
    runnel_store_free(s);
}

/* With the defaults, endless recursion is a trap too (wasm calls do not use the C stack). */
static void test_stack_exhausted_by_default(void **state)
{
    runnel_store *s = new_store(NULL);
    runnel_instance *i = instantiate(s, MODS->limits, NULL);
    expect_stack_exhausted(i, "forever", 0, 0);
    assert_int_equal(ok_i32(i, "depth", 1, 5000, 0), 5000);
    runnel_store_free(s);
}

/* ---------------------------------------------------------------- memory */

/* max_memory_pages = 4: (memory 1) grows by 2 (gives the old size, 1), then not by 2 more (gives
   -1, size unchanged at 3), then by 1 to exactly the limit, whose last byte is usable. */
static void test_memory_grow_limit(void **state)
{
    runnel_config cfg = {.max_memory_pages = 4};
    runnel_store *s = new_store(&cfg);
    runnel_instance *i = instantiate(s, MODS->limits, NULL);
    runnel_memory *mem = runnel_instance_memory(i, "mem");
    assert_non_null(mem);
    assert_ptr_equal(runnel_instance_memory(i, NULL), mem);

    assert_int_equal(ok_i32(i, "size", 0, 0, 0), 1);
    assert_int_equal(ok_i32(i, "grow", 1, 2, 0), 1);
    assert_int_equal(ok_i32(i, "size", 0, 0, 0), 3);
    assert_int_equal(ok_i32(i, "grow", 1, 2, 0), -1);
    assert_int_equal(ok_i32(i, "size", 0, 0, 0), 3);
    assert_int_equal(runnel_memory_size(mem), 3 * RUNNEL_PAGE_SIZE);
    assert_int_equal(ok_i32(i, "grow", 1, 0, 0), 3);
    assert_int_equal(ok_i32(i, "grow", 1, 1, 0), 3);
    assert_int_equal(ok_i32(i, "size", 0, 0, 0), 4);
    assert_int_equal(ok_i32(i, "grow", 1, 1, 0), -1);
    assert_int_equal(runnel_memory_grow(mem, 1), -1); /* the embedder's grow obeys the same limit */
    assert_int_equal(runnel_memory_size(mem), 4 * RUNNEL_PAGE_SIZE);

    /* the new pages are zeroed and usable up to the last byte; one past traps */
    int32_t last = 4 * (int32_t)RUNNEL_PAGE_SIZE - 4;
    assert_int_equal(ok_i32(i, "load", 1, last, 0), 0);
    ok_i32(i, "store", 2, last, 0x5a5a5a5a);
    assert_int_equal(ok_i32(i, "load", 1, last, 0), 0x5a5a5a5a);
    assert_int_equal(runnel_memory_data(mem)[last], 0x5a);
    runnel_report r = {0};
    assert_int_equal(call_i32(i, "load", 1, last + 1, 0, NULL, &r), RUNNEL_TRAP);
    assert_int_equal(r.trap, RUNNEL_TRAP_MEMORY_OOB);
    runnel_report_clear(&r);

    /* a memory declared with a smaller maximum than the store's keeps its own */
    runnel_instance *j = instantiate(s, MODS->grow_max, NULL);
    assert_int_equal(ok_i32(j, "grow", 1, 1, 0), 1);
    assert_int_equal(ok_i32(j, "grow", 1, 1, 0), -1);
    assert_int_equal(ok_i32(j, "size", 0, 0, 0), 2);
    runnel_store_free(s);

    /* a memory whose minimum is already past the store's limit cannot be instantiated */
    runnel_module *big = load(big_mem_wasm, sizeof big_mem_wasm);
    runnel_store *t = new_store(&cfg);
    runnel_report_clear(&r);
    assert_null(runnel_instantiate(t, big, NULL, &r));
    assert_int_not_equal(r.status, RUNNEL_OK);
    assert_non_null(r.message);
    runnel_report_clear(&r);
    runnel_store_free(t);
    runnel_module_free(big);
}

typedef struct hook_log {
    int calls;
    runnel_memory *mem;
    uint64_t old_pages, new_pages;
    uint64_t cap;   /* refuse when new_pages > cap (per memory) */
    uint64_t total; /* the pages of all memories, for a cap over all of them */
    uint64_t total_cap;
} hook_log;

static bool refuse_past_cap(void *user, runnel_memory *mem, uint64_t old_pages, uint64_t new_pages)
{
    hook_log *log = user;
    log->calls++;
    log->mem = mem;
    log->old_pages = old_pages;
    log->new_pages = new_pages;
    return new_pages <= log->cap;
}

static bool cap_total(void *user, runnel_memory *mem, uint64_t old_pages, uint64_t new_pages)
{
    hook_log *log = user;
    (void)mem;
    log->calls++;
    if (log->total - old_pages + new_pages > log->total_cap)
        return false;
    log->total = log->total - old_pages + new_pages;
    return true;
}

/* The grow hook sees every growth (which memory, from and to how many pages) and can refuse it:
   memory.grow then gives -1 and the memory keeps its size. */
static void test_grow_hook(void **state)
{
    runnel_store *s = new_store(NULL);
    hook_log log = {.cap = 2};
    runnel_store_set_grow_hook(s, refuse_past_cap, &log);
    runnel_instance *i = instantiate(s, MODS->limits, NULL);
    runnel_memory *mem = runnel_instance_memory(i, "mem");

    assert_int_equal(ok_i32(i, "grow", 1, 1, 0), 1);
    assert_int_equal(log.calls, 1);
    assert_ptr_equal(log.mem, mem);
    assert_int_equal(log.old_pages, 1);
    assert_int_equal(log.new_pages, 2);

    assert_int_equal(ok_i32(i, "grow", 1, 3, 0), -1);
    assert_int_equal(log.calls, 2);
    assert_int_equal(log.old_pages, 2);
    assert_int_equal(log.new_pages, 5);
    assert_int_equal(ok_i32(i, "size", 0, 0, 0), 2);
    assert_int_equal(runnel_memory_size(mem), 2 * RUNNEL_PAGE_SIZE);
    assert_int_equal(runnel_memory_grow(mem, 1), -1);
    assert_int_equal(log.calls, 3);
    assert_int_equal(ok_i32(i, "size", 0, 0, 0), 2);

    /* no hook, no refusal */
    runnel_store_set_grow_hook(s, NULL, NULL);
    assert_int_equal(ok_i32(i, "grow", 1, 3, 0), 2);
    assert_int_equal(log.calls, 3);
    runnel_store_free(s);

    /* a cap on the total of two memories: the second instance's growth is refused */
    s = new_store(NULL);
    hook_log total = {.total = 2, .total_cap = 3};
    runnel_store_set_grow_hook(s, cap_total, &total);
    runnel_instance *a = instantiate(s, MODS->limits, NULL);
    runnel_instance *b = instantiate(s, MODS->limits, NULL);
    assert_int_equal(ok_i32(a, "grow", 1, 1, 0), 1);
    assert_int_equal(ok_i32(b, "grow", 1, 1, 0), -1);
    assert_int_equal(ok_i32(b, "size", 0, 0, 0), 1);
    assert_int_equal(total.calls, 2);
    assert_int_equal(total.total, 3);
    runnel_store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuel_stops_infinite_loop),
        cmocka_unit_test(test_fuel_resume_completes),
        cmocka_unit_test(test_fuel_accounting),
        cmocka_unit_test_setup_teardown(test_fuel_exact_across_suspension, store_setup, store_teardown),
        cmocka_unit_test(test_timeout_stops_infinite_loop),
        cmocka_unit_test(test_interrupt_from_thread),
        cmocka_unit_test(test_stack_exhausted_by_depth),
        cmocka_unit_test(test_stack_exhausted_by_bytes),
        cmocka_unit_test(test_stack_exhausted_by_default),
        cmocka_unit_test(test_memory_grow_limit),
        cmocka_unit_test(test_grow_hook),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
