/*
 * test_plugin_memory.c - Extism memory (xmem.c) and the small codecs of the plugin layer, directly.
 *
 * Handle values are observable (plugins and hosts see them), so these tests pin them to Extism's
 * kernel's: the first block's data at 77, 12-byte headers, re-use and splitting of freed blocks,
 * growth by whole pages. And they pin the sandbox: nothing outside the buffer is read or written,
 * whatever the address (the tests run under AddressSanitizer in the sanitizer build).
 */
#include "plugin_test.h"

#include "plugin_impl.h"
#include "sha256.h"

static int grow_calls;
static bool grow_allow = true;
static bool on_grow(void *user, uint64_t pages)
{
    (void)user, (void)pages;
    grow_calls++;
    return grow_allow;
}

static void memory__handles_match_the_kernel(void **state)
{
    (void)state;
    rn_xmem x;
    rn_xmem_init(&x, NULL, NULL);
    assert_int_equal(rn_xmem_alloc(&x, 0), 0);
    uint64_t a = rn_xmem_alloc(&x, 5), b = rn_xmem_alloc(&x, 100), c = rn_xmem_alloc(&x, 1);
    assert_int_equal(a, 77);
    assert_int_equal(b, 77 + 5 + 12);
    assert_int_equal(c, b + 100 + 12);
    assert_int_equal(rn_xmem_length(&x, a), 5);
    assert_int_equal(rn_xmem_length(&x, b), 100);
    /* not the start of a live block: 0 */
    assert_int_equal(rn_xmem_length(&x, a + 1), 0);
    assert_int_equal(rn_xmem_length(&x, 0), 0);
    assert_int_equal(rn_xmem_length(&x, 65), 0);
    assert_int_equal(rn_xmem_length(&x, UINT64_MAX), 0);
    rn_xmem_free(&x, b);
    assert_int_equal(rn_xmem_length(&x, b), 0);
    rn_xmem_free(&x, b);          /* twice: ignored */
    rn_xmem_free(&x, 12345);      /* not a block: ignored */
    rn_xmem_free(&x, UINT64_MAX); /* ignored */
    assert_int_equal(rn_xmem_length(&x, a), 5);
    /* reset: the next block is at 77 again and the old bytes are gone */
    rn_xmem_store_u8(&x, a, 0xAB);
    rn_xmem_reset(&x);
    assert_int_equal(rn_xmem_load_u8(&x, a), 0);
    assert_int_equal(rn_xmem_length(&x, a), 0);
    assert_int_equal(rn_xmem_alloc(&x, 3), 77);
    rn_xmem_release(&x);
}

static void memory__reuse_and_split(void **state)
{
    (void)state;
    rn_xmem x;
    rn_xmem_init(&x, NULL, NULL);
    /* the kernel's arithmetic: 65472 bytes for blocks, less the root's 64 counted again */
    uint64_t big = rn_xmem_alloc(&x, 60000);
    assert_int_equal(big, 77);
    rn_xmem_free(&x, big);
    /* fits after the freed block: bump */
    uint64_t small = rn_xmem_alloc(&x, 1000);
    assert_int_equal(small, 77 + 60000 + 12);
    /* does not fit: the freed block is split, its tail used */
    uint64_t tail = rn_xmem_alloc(&x, 10000);
    assert_int_equal(tail, 77 + (60000 - 10012) + 12);
    assert_int_equal(rn_xmem_length(&x, tail), 10000);
    assert_int_equal(rn_xmem_length(&x, 77), 0); /* the head is still free */
    /* again: 49988 bytes left in the head, split once more */
    uint64_t t2 = rn_xmem_alloc(&x, 49000);
    assert_int_equal(t2, 77 + (49988 - 49012) + 12);
    /* a free block without 128 bytes to spare is used whole, and length() reports what was asked */
    rn_xmem_free(&x, tail);
    uint64_t whole = rn_xmem_alloc(&x, 9900);
    assert_int_equal(whole, tail);
    assert_int_equal(rn_xmem_length(&x, whole), 9900);
    assert_int_equal(x.grown_pages, 0);
    rn_xmem_release(&x);
}

static void memory__growth_by_pages(void **state)
{
    (void)state;
    rn_xmem x;
    grow_calls = 0;
    grow_allow = true;
    rn_xmem_init(&x, on_grow, NULL);
    /* 100000 + 12 bytes against 65408 left: one page more */
    uint64_t h = rn_xmem_alloc(&x, 100000);
    assert_int_equal(h, 77);
    assert_int_equal(x.grown_pages, 1);
    assert_int_equal(grow_calls, 1);
    assert_int_equal(rn_xmem_size(&x), 65 + 65472 + 65536);
    /* the new page is usable to its end */
    rn_xmem_store_u8(&x, h + 99999, 7);
    assert_int_equal(rn_xmem_load_u8(&x, h + 99999), 7);
    /* refused growth: alloc gives 0 and nothing changes */
    grow_allow = false;
    assert_int_equal(rn_xmem_alloc(&x, 200000), 0);
    assert_int_equal(x.grown_pages, 1);
    /* too large for a wasm32 kernel */
    grow_allow = true;
    assert_int_equal(rn_xmem_alloc(&x, UINT64_MAX), 0);
    assert_int_equal(rn_xmem_alloc(&x, UINT64_MAX - 11), 0);
    assert_int_equal(rn_xmem_alloc(&x, 1ull << 32), 0);
    rn_xmem_release(&x);
}

static void memory__hostile_addresses(void **state)
{
    (void)state;
    rn_xmem x;
    rn_xmem_init(&x, NULL, NULL);
    uint64_t h = rn_xmem_alloc(&x, 16);
    uint64_t size = rn_xmem_size(&x);
    static const uint64_t bad[] = {0, 1, 63, UINT64_MAX, UINT64_MAX - 7, UINT64_MAX - 3, 1ull << 63, 1ull << 32};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(rn_xmem_load_u8(&x, bad[i]), 0);
        assert_int_equal(rn_xmem_load_u64(&x, bad[i]), 0);
        rn_xmem_store_u8(&x, bad[i], 1);
        rn_xmem_store_u64(&x, bad[i], UINT64_MAX);
        assert_int_equal(rn_xmem_input_load_u8(&x, bad[i]), 0);
        assert_int_equal(rn_xmem_input_load_u64(&x, bad[i]), 0);
        rn_xmem_output_set(&x, bad[i], bad[i]);
        rn_xmem_input_set(&x, bad[i], 5);
        rn_xmem_error_set(&x, bad[i] ? bad[i] : 1);
    }
    /* the edges: the last byte can be read, one past cannot; a u64 must fit whole */
    rn_xmem_store_u8(&x, size - 1, 9);
    assert_int_equal(rn_xmem_load_u8(&x, size - 1), 9);
    assert_int_equal(rn_xmem_load_u8(&x, size), 0);
    rn_xmem_store_u64(&x, size - 8, 0x0102030405060708ull);
    assert_int_equal(rn_xmem_load_u64(&x, size - 8), 0x0102030405060708ull);
    assert_int_equal(rn_xmem_load_u64(&x, size - 7), 0);
    assert_int_equal(rn_xmem_load_u8(&x, size - 8), 8); /* little endian */
    /* nothing set above took */
    assert_int_equal(x.output_offset, 0);
    assert_int_equal(x.error, 0);
    assert_int_equal(x.input_offset, 0);
    /* input: loads past the end give 0 */
    uint8_t *d = rn_xmem_range(&x, h, 16);
    memcpy(d, "0123456789abcdef", 16);
    rn_xmem_input_set(&x, h, 10);
    assert_int_equal(rn_xmem_input_load_u8(&x, 9), '9');
    assert_int_equal(rn_xmem_input_load_u8(&x, 10), 0);
    assert_int_equal(rn_xmem_input_load_u64(&x, 2), 0x3938373635343332ull);
    assert_int_equal(rn_xmem_input_load_u64(&x, 3), 0);
    /* freeing the input's block ends the input, as in the kernel */
    rn_xmem_free(&x, h);
    assert_int_equal(x.input_length, 0);
    assert_null(rn_xmem_range(&x, size - 1, 2));
    assert_null(rn_xmem_range(&x, UINT64_MAX, 2));
    rn_xmem_release(&x);
}

static void memory__sha256_and_base64(void **state)
{
    (void)state;
    uint8_t d[32];
    char hex[65];
    const struct {
        const char *in, *want;
    } v[] = {
        /* FIPS 180-2 appendix B and the empty string */
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (size_t i = 0; i < 3; i++) {
        rn_sha256(v[i].in, strlen(v[i].in), d);
        for (int k = 0; k < 32; k++)
            snprintf(hex + 2 * k, 3, "%02x", d[k]);
        assert_string_equal(hex, v[i].want);
    }
    /* a million 'a' (FIPS 180-2 B.3): many blocks */
    char *m = malloc(1000000);
    memset(m, 'a', 1000000);
    rn_sha256(m, 1000000, d);
    for (int k = 0; k < 32; k++)
        snprintf(hex + 2 * k, 3, "%02x", d[k]);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(m);

    uint8_t *out;
    size_t n;
    /* RFC 4648 section 10 */
    const char *pairs[][2] = {{"", ""}, {"Zg==", "f"}, {"Zm8=", "fo"}, {"Zm9v", "foo"}, {"Zm9vYg==", "foob"},
                              {"Zm9vYmE=", "fooba"}, {"Zm9vYmFy", "foobar"}};
    for (size_t i = 0; i < 7; i++) {
        assert_true(rn_base64_decode(pairs[i][0], strlen(pairs[i][0]), RN_BASE64_STRICT, &out, &n));
        assert_int_equal(n, strlen(pairs[i][1]));
        assert_memory_equal(out, pairs[i][1], n);
        free(out);
    }
    const char *bad[] = {"Zg=", "Z===", "Zm9v!", "Zh==", "Zm9=", "=Zm9", "Zg==Zg=="};
    for (size_t i = 0; i < 7; i++)
        assert_false(rn_base64_decode(bad[i], strlen(bad[i]), RN_BASE64_STRICT, &out, &n));
    /* lenient (Reflow's older SDKs): URL-safe letters and missing padding, which strict refuses */
    const char *loose[][2] = {{"Zm9vYg", "foob"}, {"_-8", "\xff\xef"}, {"Zm8=", "fo"}};
    for (size_t i = 0; i < 3; i++) {
        assert_true(rn_base64_decode(loose[i][0], strlen(loose[i][0]), RN_BASE64_LENIENT, &out, &n));
        assert_int_equal(n, strlen(loose[i][1]));
        assert_memory_equal(out, loose[i][1], n);
        free(out);
        if (i < 2)
            assert_false(rn_base64_decode(loose[i][0], strlen(loose[i][0]), RN_BASE64_STRICT, &out, &n));
    }
    assert_false(rn_base64_decode("Zm9v!", 5, RN_BASE64_LENIENT, &out, &n));
    assert_false(rn_base64_decode("Z", 1, RN_BASE64_LENIENT, &out, &n));
}

static void memory__globs_and_levels(void **state)
{
    (void)state;
    assert_true(rn_glob_match("*.example.com", "api.example.com"));
    assert_true(rn_glob_match("*.example.com", "a.b.example.com"));
    assert_false(rn_glob_match("*.example.com", "example.com"));
    assert_true(rn_glob_match("jsonplaceholder.*.com", "jsonplaceholder.typicode.com"));
    assert_false(rn_glob_match("google.*", "jsonplaceholder.typicode.com"));
    assert_true(rn_glob_match("127.0.0.?", "127.0.0.1"));
    assert_false(rn_glob_match("127.0.0.?", "127.0.0.10"));
    assert_true(rn_glob_match("host[0-9]", "host7"));
    assert_false(rn_glob_match("host[!0-9]", "host7"));
    assert_true(rn_glob_match("*", "anything"));
    assert_true(rn_glob_match("exact.org", "exact.org"));
    assert_false(rn_glob_match("exact.org", "exact.orgx"));
    assert_true(rn_glob_match("bad[glob", "bad[glob")); /* malformed: compared literally */
    assert_false(rn_glob_match("bad[glob", "badg"));
    assert_true(rn_glob_match("a*b*c*d", "aXXbYYcZZd"));
    assert_false(rn_glob_match("a*b*c*d*e", "abcdabcdabcdabcdabcdabcdabcdabcdabcd")); /* no blow-up */

    runnel_log_level l;
    assert_true(runnel_log_level_parse("debug", &l));
    assert_int_equal(l, RUNNEL_LOG_DEBUG);
    assert_true(runnel_log_level_parse("WARN", &l));
    assert_int_equal(l, RUNNEL_LOG_WARN);
    assert_true(runnel_log_level_parse("info,runnel=trace", &l));
    assert_int_equal(l, RUNNEL_LOG_TRACE);
    assert_true(runnel_log_level_parse("extism=error,cranelift=debug", &l));
    assert_int_equal(l, RUNNEL_LOG_ERROR);
    assert_true(runnel_log_level_parse("off", &l));
    assert_int_equal(l, RUNNEL_LOG_OFF);
    assert_false(runnel_log_level_parse("loud", &l));
    assert_false(runnel_log_level_parse("cranelift=debug", &l));
    assert_string_equal(runnel_log_level_name(RUNNEL_LOG_INFO), "info");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memory__handles_match_the_kernel), cmocka_unit_test(memory__reuse_and_split),
        cmocka_unit_test(memory__growth_by_pages),          cmocka_unit_test(memory__hostile_addresses),
        cmocka_unit_test(memory__sha256_and_base64),        cmocka_unit_test(memory__globs_and_levels),
    };
    RUN_FILTERED(tests, argc, argv);
}
