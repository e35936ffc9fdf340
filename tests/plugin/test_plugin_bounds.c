/*
 * test_plugin_bounds.c - what a hostile plugin can make the host spend is bounded, and what it can
 * make the host send is well-formed.
 *
 *   blocks: Extism memory's block table (xmem.c) counts against the memory limit, holds at most
 *           RN_X_MAX_BLOCKS blocks without one, stays O(log n) per operation (100000 allocs in one
 *           call), and still follows the kernel's allocation policy exactly (checked against a
 *           straightforward model of the kernel over a long random sequence);
 *   http:   a method, header name or header value that could change the request line or add headers
 *           is refused (http.c's validation, RFC 9110 tokens and field values);
 *   tables: table growth is charged to the memory limit like memory growth (a module may declare many
 *           tables, each allowed 10,000,000 elements by the engine);
 *   cancel: a retained cancel handle outlives its plugin, and cancelling through it while the plugin is
 *           freed on another thread touches no freed memory (run under ASan and TSan).
 */
#include "plugin_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "plugin_impl.h"

/* ---------------------------------------------------------------- blocks */

/* Host memory the block table and Extism memory take, against a limit of `pages` (plus the first
   page, which is not grown, and the table's uncharged entries). */
static void assert_within(const runnel_plugin *p, uint64_t pages)
{
    uint64_t held = rn_xmem_size(&p->xmem) + rn_xmem_table_bytes(&p->xmem);
    uint64_t allowed = (pages + 1) * 65536 + RN_X_FREE_BLOCKS * sizeof(rn_xblock);
    if (held > allowed)
        fail_msg("Extism memory and its block table hold %llu bytes, more than the %llu the limit allows",
                 (unsigned long long)held, (unsigned long long)allowed);
}

static void blocks__limited(void **state)
{
    (void)state;
    if (!have_wat("alloc_loop"))
        skip();
    /* 100 pages (6.25 MiB): the table of 1-byte blocks used to take 2.5 times what they hold */
    runnel_plugin *p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_pages\": 100}}",
                                            wat("alloc_loop"));
    call_fails(p, "alloc_forever", NULL, -1, false, "oom");
    assert_true(rn_xmem_block_count(&p->xmem) > RN_X_FREE_BLOCKS);
    assert_within(p, 100);
    runnel_plugin_free(p);
}

static void blocks__unlimited(void **state)
{
    (void)state;
    if (!have_wat("alloc_loop"))
        skip();
    /* no memory limit: the table stops at RN_X_MAX_BLOCKS with a clear error */
    runnel_plugin *p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}]}", wat("alloc_loop"));
    call_fails(p, "alloc_forever", NULL, -1, false, "blocks, the most a call may allocate");
    assert_int_equal(rn_xmem_block_count(&p->xmem), RN_X_MAX_BLOCKS);
    assert_int_equal(rn_xmem_table_bytes(&p->xmem), (size_t)RN_X_MAX_BLOCKS * sizeof(rn_xblock));
    /* the next call starts with an empty table and works */
    call_expect(p, "alloc_100k", NULL, "");
    assert_int_equal(rn_xmem_block_count(&p->xmem), 100000);
    runnel_plugin_free(p);
}

static void blocks__100k(void **state)
{
    (void)state;
    if (!have_wat("alloc_loop"))
        skip();
    runnel_plugin *p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_pages\": 200}}",
                                            wat("alloc_loop"));
    double t0 = now_ms();
    int32_t rc = runnel_plugin_call(p, "alloc_100k", NULL, 0, NULL);
    print_message("100000 allocs of 1 byte: %.1f ms (reported, not checked)\n", now_ms() - t0);
    assert_int_equal(rc, 0);
    assert_null(runnel_plugin_error(p));
    assert_int_equal(rn_xmem_block_count(&p->xmem), 100000);
    assert_within(p, 200);
    runnel_plugin_free(p);
}

/* A model of the kernel's allocator as plainly as it can be written: blocks in address order in an
   array, re-use by a scan. */
typedef struct {
    uint64_t addr, size, used;
    bool free_;
} model_block;

typedef struct {
    model_block *b;
    size_t n;
    uint64_t position, length, pages_left;
    unsigned reused, split, refused; /* how often each path was taken */
} model;

static uint64_t model_alloc(model *m, uint64_t n)
{
    uint64_t with_header = n + 12, left = m->length - m->position - 64;
    if (with_header >= left) {
        for (size_t i = 0; with_header <= m->position && i < m->n; i++) {
            model_block *b = &m->b[i];
            if (!b->free_ || b->size < n)
                continue;
            if (b->size - n < 128) {
                b->free_ = false;
                b->used = n;
                m->reused++;
                return b->addr;
            }
            b->size -= n + 12;
            memmove(&m->b[i + 2], &m->b[i + 1], (m->n - i - 1) * sizeof *m->b);
            m->b[i + 1] = (model_block){b->addr + b->size + 12, n, n, false};
            m->n++;
            m->split++;
            return m->b[i + 1].addr;
        }
        uint64_t pages = (with_header - left + 65535) / 65536;
        if (pages > m->pages_left) {
            m->refused++;
            return 0;
        }
        m->pages_left -= pages;
        m->length += pages * 65536;
    }
    uint64_t h = 65 + m->position + 12;
    m->position += with_header;
    m->b[m->n++] = (model_block){h, n, n, false};
    return h;
}

static model_block *model_find(model *m, uint64_t h)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->b[i].addr == h)
            return &m->b[i];
    return NULL;
}

/* Pages of growth the differential test allows; it keeps under RN_X_FREE_BLOCKS blocks, so every
   charge is one of pages. */
static uint64_t pages_allowed;
static bool grow_pages(void *user, uint64_t bytes)
{
    (void)user;
    assert_int_equal(bytes % 65536, 0);
    if (bytes / 65536 > pages_allowed)
        return false;
    pages_allowed -= bytes / 65536;
    return true;
}

static void blocks__same_handles_as_the_kernel(void **state)
{
    (void)state;
    enum { OPS = 40000 };
    rn_xmem x;
    pages_allowed = 4;
    rn_xmem_init(&x, grow_pages, NULL);
    model m = {.b = calloc(OPS, sizeof(model_block)), .length = 65536 - 64, .pages_left = 4};
    uint64_t *live = calloc(OPS, sizeof *live);
    assert_non_null(m.b);
    assert_non_null(live);
    size_t nlive = 0;
    uint64_t seed = 12345;
    for (int op = 0; op < OPS; op++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        uint32_t r = (uint32_t)(seed >> 33);
        if (nlive && r % 3 == 0) { /* free a live block */
            size_t k = (r / 3) % nlive;
            rn_xmem_free(&x, live[k]);
            model_find(&m, live[k])->free_ = true;
            live[k] = live[--nlive];
            continue;
        }
        uint64_t n = r % 8 == 0 ? 1 + r % 30000 : 1 + r % 300; /* mostly small, some large */
        uint64_t want = model_alloc(&m, n), got = rn_xmem_alloc(&x, n);
        if (got != want)
            fail_msg("op %d: alloc(%llu) gave %llu, the kernel gives %llu", op, (unsigned long long)n,
                     (unsigned long long)got, (unsigned long long)want);
        if (got) {
            assert_int_equal(rn_xmem_length(&x, got), n);
            live[nlive++] = got;
        }
    }
    /* every block agrees: live ones have their length, free ones 0 */
    for (size_t i = 0; i < m.n; i++)
        assert_int_equal(rn_xmem_length(&x, m.b[i].addr), m.b[i].free_ ? 0 : m.b[i].used);
    assert_int_equal(rn_xmem_block_count(&x), m.n);
    /* every path of the policy was taken, many times */
    print_message("%zu blocks; %u re-used whole, %u split, %u refused\n", m.n, m.reused, m.split, m.refused);
    assert_true(m.reused > 100 && m.split > 100 && m.refused > 100);
    assert_true(m.n <= RN_X_FREE_BLOCKS);
    rn_xmem_release(&x);
    free(m.b);
    free(live);
}

/* ---------------------------------------------------------------- tables */

static void tables__limited(void **state)
{
    (void)state;
    if (!have_wat("grow_tables"))
        skip();
    /* 100 pages: 6.25 MiB, about 800,000 elements over all tables; without the charge the four tables
       grew to the engine's 10,000,000 elements each (320 MB) and the call succeeded */
    runnel_plugin *p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_pages\": 100}}",
                                            wat("grow_tables"));
    call_fails(p, "grow_tables", NULL, -1, false, "oom");
    assert_true(p->budget_left < 100000 * RUNNEL_TABLE_ELEM_BYTES); /* what is left cannot take one more grow */
    runnel_plugin_free(p);
}

/* Tables declared large (4 x 10,000,000 elements: 320 MB) are charged when the module is instantiated:
   before, only table.grow was, and such a plugin ran under a 6.25 MiB limit. Without a limit it runs. */
static void tables__declared(void **state)
{
    (void)state;
    if (!have_wat("declared_tables"))
        skip();
    runnel_plugin *p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_pages\": 100}}",
                                            wat("declared_tables"));
    call_fails(p, "run", NULL, -1, false, "oom");
    runnel_plugin_free(p);
    p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_pages\": 6000}}",
                             wat("declared_tables"));
    assert_int_equal(runnel_plugin_call(p, "run", NULL, 0, NULL), 0); /* 375 MiB: room for 320 MB of tables */
    assert_null(runnel_plugin_error(p));
    runnel_plugin_free(p);
}

/* ---------------------------------------------------------------- http */

static bool token(const char *s) { return rn_http_is_token(s, strlen(s)); }
static bool value(const char *s) { return rn_http_is_field_value(s, strlen(s)); }

static void http__tokens_and_values(void **state)
{
    (void)state;
    assert_true(token("GET"));
    assert_true(token("PROPFIND"));
    assert_true(token("X-Custom_Header.1"));
    assert_true(token("!#$%&'*+-.^_`|~09azAZ"));
    assert_false(token(""));
    assert_false(token("GET / HTTP/1.1\r\nHost: evil\r\n\r\nGET"));
    assert_false(token("X-A\r\nX-B"));
    assert_false(token("X-A\nX-B"));
    assert_false(token("X A"));
    assert_false(token("X:A"));
    assert_false(token("X(A)"));
    assert_false(token("\xc3\xa9"));
    assert_false(rn_http_is_token("GE\0T", 4));
    assert_true(value(""));
    assert_true(value("text/plain; q=0.5"));
    assert_true(value("tab\tand space, caf\xc3\xa9")); /* obs-text is allowed */
    assert_false(value("a\r\nX-Injected: 1"));
    assert_false(value("a\rb"));
    assert_false(value("a\nb"));
    assert_false(value("a\x7f"));
    assert_false(value("a\x01"));
    assert_false(rn_http_is_field_value("a\0b", 3));
}

/* ---------------------------------------------------------------- cancel */

typedef struct {
    runnel_cancel_handle *h;
    atomic_bool stop;
    atomic_int calls, hits; /* cancels made, and those that found a call running */
} hammer;

static void *cancel_until_stopped(void *arg)
{
    hammer *c = arg;
    while (!atomic_load(&c->stop)) {
        if (runnel_plugin_cancel(c->h))
            atomic_fetch_add(&c->hits, 1);
        atomic_fetch_add(&c->calls, 1);
    }
    return NULL;
}

static void cancel__retained_handle_outlives_the_plugin(void **state)
{
    (void)state;
    runnel_plugin *p = plugin_file("loop.wasm", NULL);
    hammer c = {.h = runnel_cancel_handle_retain(runnel_plugin_cancel_handle(p))};
    assert_false(runnel_plugin_cancel(c.h)); /* between calls: nothing to stop, and nothing remembered */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, cancel_until_stopped, &c), 0);
    /* endless loops, each stopped by the other thread */
    call_fails(p, "loop_forever", NULL, 134, false, "timeout");
    call_fails(p, "loop_forever", NULL, 134, false, "timeout");
    /* freed while the other thread goes on cancelling through its handle */
    runnel_plugin_free(p);
    int after = atomic_load(&c.calls);
    while (atomic_load(&c.calls) < after + 1000)
        sched_yield();
    atomic_store(&c.stop, true);
    pthread_join(t, NULL);
    assert_true(atomic_load(&c.hits) >= 2);
    assert_false(runnel_plugin_cancel(c.h)); /* the plugin is gone: nothing runs */
    runnel_cancel_handle_release(c.h);
    assert_false(runnel_plugin_cancel(NULL));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blocks__limited), cmocka_unit_test(blocks__unlimited),
        cmocka_unit_test(blocks__100k),    cmocka_unit_test(blocks__same_handles_as_the_kernel),
        cmocka_unit_test(http__tokens_and_values),
        cmocka_unit_test(tables__limited),
        cmocka_unit_test(tables__declared),
        cmocka_unit_test(cancel__retained_handle_outlives_the_plugin),
    };
    RUN_FILTERED(tests, argc, argv);
}
