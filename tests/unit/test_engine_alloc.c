/*
 * test_engine_alloc.c - runnel_set_allocator: the engine's allocations go through the embedder's
 * allocator, each block is given back with the size it was made with, all are freed, and an
 * allocator that fails makes the engine fail cleanly with RUNNEL_NOMEM at every point of
 * runnel_module_new, runnel_store_new and runnel_instantiate (no crash, no leak).
 *
 * Its own program, as the allocator is process-wide and must be set before the engine allocates.
 */
#include "engine_test_util.h"

#include <stdlib.h>
#include <string.h>

/* (module (memory 1) (table 4 funcref) (global $g (mut i32) (i32.const 7))
     (func $grow (export "grow") (param i32) (result i32) local.get 0 memory.grow)
     (func (export "sum") (param i32) (result i32) (local i32)
       (loop $l local.get 1 local.get 0 i32.add local.set 1
                local.get 0 i32.const 1 i32.sub local.tee 0 br_if $l)
       local.get 1 global.get $g i32.add)
     (elem (i32.const 0) $grow))                                           wat2wasm 1.0.32 */
static const uint8_t module_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x03, 0x03,
    0x02, 0x00, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x04, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x06, 0x01, 0x7f,
    0x01, 0x41, 0x07, 0x0b, 0x07, 0x0e, 0x02, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x00, 0x03, 0x73, 0x75, 0x6d,
    0x00, 0x01, 0x09, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00, 0x0a, 0x25, 0x02, 0x06, 0x00, 0x20, 0x00,
    0x40, 0x00, 0x0b, 0x1c, 0x01, 0x01, 0x7f, 0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x6a, 0x21, 0x01, 0x20, 0x00,
    0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x23, 0x00, 0x6a, 0x0b,
};

/* The counting allocator keeps its own copy of each block's size in front of it, so it can check the
   osize the engine hands back, Lua style. */
typedef struct counting {
    size_t calls, live_blocks, live_bytes, peak_bytes;
    size_t fail_at; /* the allocation (1-based, counted from arming) that fails; 0 = none */
    size_t armed;   /* allocations since arming */
    bool wrong_size;
} counting;

static counting K;

#define OWN 16

static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    counting *k = ud;
    k->calls++;
    if (ptr) {
        size_t had;
        memcpy(&had, (char *)ptr - OWN, sizeof had);
        if (had != osize)
            k->wrong_size = true;
    }
    if (nsize == 0) {
        k->live_blocks--;
        k->live_bytes -= osize;
        free((char *)ptr - OWN);
        return NULL;
    }
    if (k->fail_at && ++k->armed == k->fail_at)
        return NULL;
    char *base = realloc(ptr ? (char *)ptr - OWN : NULL, nsize + OWN);
    if (!base)
        return NULL;
    memcpy(base, &nsize, sizeof nsize);
    if (!ptr)
        k->live_blocks++;
    k->live_bytes = k->live_bytes - osize + nsize;
    if (k->live_bytes > k->peak_bytes)
        k->peak_bytes = k->live_bytes;
    return base + OWN;
}

/* Everything an embedder does goes through the allocator, and all of it comes back. */
static void test_counts_and_frees_everything(void **state)
{
    (void)state;
    size_t before = K.calls;
    runnel_module *m = load(module_wasm, sizeof module_wasm);
    size_t after_module = K.calls;
    assert_true(after_module > before);
    runnel_store *s = new_store(NULL);
    runnel_instance *i = instantiate(s, m, NULL);
    assert_true(K.live_bytes >= RUNNEL_PAGE_SIZE); /* the linear memory is the engine's too */
    runnel_report r = {0};
    int32_t out = 0;
    assert_int_equal(call_i32(i, "grow", 1, 2, 0, &out, &r), RUNNEL_OK);
    assert_int_equal(out, 1);
    assert_true(K.live_bytes >= 3 * RUNNEL_PAGE_SIZE);
    assert_int_equal(call_i32(i, "sum", 1, 10, 0, &out, &r), RUNNEL_OK);
    assert_int_equal(out, 55 + 7);
    runnel_store_free(s);
    runnel_module_free(m);
    assert_int_equal(K.live_blocks, 0);
    assert_int_equal(K.live_bytes, 0);
    assert_false(K.wrong_size);
    runnel_report_clear(&r);
}

/* Fail the k-th allocation, for every k until the whole sequence succeeds: each step either works or
   fails with RUNNEL_NOMEM, and nothing is left allocated. */
static void test_failing_allocator(void **state)
{
    (void)state;
    bool done = false;
    size_t nomem_module = 0, nomem_later = 0;
    for (size_t k = 1; !done && k < 100000; k++) {
        K.fail_at = k;
        K.armed = 0;
        runnel_report r = {0};
        runnel_module *m = runnel_module_new(module_wasm, sizeof module_wasm, &r);
        runnel_store *s = NULL;
        runnel_instance *i = NULL;
        if (!m) {
            assert_int_equal(r.status, RUNNEL_NOMEM);
            nomem_module++;
        } else if (!(s = runnel_store_new(NULL))) {
            nomem_later++;
        } else if (!(i = runnel_instantiate(s, m, NULL, &r))) {
            assert_int_equal(r.status, RUNNEL_NOMEM);
            nomem_later++;
        } else {
            done = true;
        }
        runnel_store_free(s);
        runnel_module_free(m);
        runnel_report_clear(&r);
        assert_int_equal(K.live_blocks, 0);
        assert_int_equal(K.live_bytes, 0);
    }
    K.fail_at = 0;
    assert_true(done);
    assert_true(nomem_module > 0);
    assert_true(nomem_later > 0);
    assert_false(K.wrong_size);

    /* memory.grow whose allocation fails gives -1 and the instance goes on */
    runnel_module *m = load(module_wasm, sizeof module_wasm);
    runnel_store *s = new_store(NULL);
    runnel_instance *i = instantiate(s, m, NULL);
    K.fail_at = 1;
    K.armed = 0;
    runnel_report r = {0};
    int32_t out = 0;
    assert_int_equal(call_i32(i, "grow", 1, 1, 0, &out, &r), RUNNEL_OK);
    assert_int_equal(out, -1);
    K.fail_at = 0;
    assert_int_equal(call_i32(i, "grow", 1, 1, 0, &out, &r), RUNNEL_OK);
    assert_int_equal(out, 1);
    runnel_store_free(s);
    runnel_module_free(m);
    runnel_report_clear(&r);
    assert_int_equal(K.live_blocks, 0);
}

/* Once the engine has allocated, the allocator can no longer change. */
static void test_set_too_late(void **state)
{
    (void)state;
    runnel_allocator a = {counting_alloc, &K};
    assert_int_equal(runnel_set_allocator(&a), RUNNEL_BADARG);
    assert_int_equal(runnel_set_allocator(NULL), RUNNEL_BADARG);
}

int main(void)
{
    runnel_allocator bad = {NULL, NULL};
    if (runnel_set_allocator(&bad) != RUNNEL_BADARG)
        return 1;
    runnel_allocator a = {counting_alloc, &K};
    if (runnel_set_allocator(&a) != RUNNEL_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_frees_everything),
        cmocka_unit_test(test_failing_allocator),
        cmocka_unit_test(test_set_too_late),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
