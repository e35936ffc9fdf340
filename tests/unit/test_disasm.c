/*
 * test_disasm.c - runnel_module_disasm (src/engine/disasm.c), the listing behind `runnel disasm`.
 *
 * Two claims: the listing is complete (every instruction of every module of the spec suite is named
 * with its immediates, every op the compiler makes of it is named with its operands, fused or not: a
 * "?" anywhere means the instruction list, the op table or an op's length disagrees with the compiler),
 * and it is right on a module whose compiled code is known (tests/cli/disasm.wat, embedded below, built
 * with `wat2wasm --debug-names`): fib's `i32.lt_s` + `if` fuse into one compare-and-branch op with
 * an immediate, which the unfused listing shows as three plain ops.
 */
#include "engine_test_util.h"
#include "fileio.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t disasm_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f,
    0x7f, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00, 0x01, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x0d, 0x02, 0x03, 0x66, 0x69,
    0x62, 0x00, 0x00, 0x03, 0x73, 0x75, 0x6d, 0x00, 0x01, 0x0a, 0x60, 0x02, 0x1c, 0x00, 0x20, 0x00, 0x41, 0x02, 0x48,
    0x04, 0x7f, 0x20, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x00, 0x20, 0x00, 0x41, 0x02, 0x6b, 0x10, 0x00,
    0x6a, 0x0b, 0x0b, 0x41, 0x01, 0x01, 0x7f, 0x02, 0x40, 0x03, 0x40, 0x20, 0x01, 0x45, 0x0d, 0x01, 0x20, 0x02, 0x20,
    0x00, 0x28, 0x02, 0x04, 0x6a, 0x21, 0x02, 0x20, 0x00, 0x41, 0x04, 0x6a, 0x21, 0x00, 0x20, 0x01, 0x41, 0x01, 0x6b,
    0x21, 0x01, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x02, 0xfd, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
    0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xfd, 0x1b, 0x02, 0x6a, 0x0b, 0x00, 0x14, 0x04, 0x6e, 0x61, 0x6d, 0x65,
    0x01, 0x06, 0x01, 0x00, 0x03, 0x66, 0x69, 0x62, 0x02, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00};

/* The listing of bytes (fused unless flags say otherwise) as a malloc'ed string, or NULL with *st. */
static char *listing(const uint8_t *bytes, size_t len, const char *func, unsigned flags, runnel_status *st)
{
    char *text = NULL;
    size_t n = 0;
    FILE *out = open_memstream(&text, &n);
    assert_non_null(out);
    runnel_report r = {0};
    *st = runnel_module_disasm(bytes, len, func, flags, out, &r);
    fclose(out);
    runnel_report_clear(&r);
    if (*st != RUNNEL_OK) {
        free(text);
        return NULL;
    }
    return text;
}

static void test_fib(void **state)
{
    (void)state;
    runnel_status st;
    char *fused = listing(disasm_wasm, sizeof disasm_wasm, "fib", 0, &st);
    assert_int_equal(st, RUNNEL_OK);
    assert_non_null(strstr(fused, "func 0 <fib> (export \"fib\") (type 0): (i32) -> (i32)"));
    /* the comparison and the if: one op, the constant an immediate, the jump to the else arm */
    assert_non_null(strstr(fused, "  000038   i32.lt_s\n          0: br_i32_ge_s_imm        s0, 2, @9\n"
                                  "  000039   if (result i32)\n"));
    assert_non_null(strstr(fused, "          9: i32_sub_imm            s1 <- s0, 1\n  000043     call 0 <fib>\n"
                                  "         13: call_local             func 0, s1\n"));
    assert_null(strstr(fused, "func 1")); /* --func: only fib */
    char *plain = listing(disasm_wasm, sizeof disasm_wasm, "0", RUNNEL_DISASM_UNFUSED, &st);
    assert_int_equal(st, RUNNEL_OK);
    assert_non_null(strstr(plain, "  000036   i32.const 2\n          0: const32                s2 <- 2\n"
                                  "  000038   i32.lt_s\n          3: i32_lt_s               s1 <- s0, s2\n"
                                  "  000039   if (result i32)\n          7: br_unless              s1, @15\n"));
    free(fused);
    free(plain);
    /* the whole module: the loop's back-edge polls, SIMD by name with its immediates */
    char *all = listing(disasm_wasm, sizeof disasm_wasm, NULL, 0, &st);
    assert_int_equal(st, RUNNEL_OK);
    assert_non_null(strstr(all, "func 1 (export \"sum\")"));
    assert_non_null(strstr(all, "i32.load offset=4 align=4\n          3: i32_load               s4 <- s0, +4\n"));
    assert_non_null(strstr(all, "br 0\n         19: br_poll                @0\n"));
    assert_non_null(strstr(all, "v128.const i8x16 1 0 0 0 2 0 0 0 3 0 0 0 4 0 0 0\n"));
    assert_non_null(strstr(all, "i32x4.extract_lane 2\n         29: simd                   i32x4_extract_lane"));
    free(all);
    /* no such function; a module that does not load */
    assert_null(listing(disasm_wasm, sizeof disasm_wasm, "nosuch", 0, &st));
    assert_int_equal(st, RUNNEL_BADARG);
    assert_null(listing(disasm_wasm, 20, NULL, 0, &st));
    assert_int_equal(st, RUNNEL_MALFORMED);
}

/* Every valid module of the spec suite, fused and unfused: listed with no "?" (an instruction or op
   the disassembler could not name or measure). */
static void test_spec_suite(void **state)
{
    (void)state;
    const char *shared = getenv("RUNNEL_SHARED");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/wasm-testsuite/json", shared ? shared : RUNNEL_SHARED_DIR);
    DIR *d = opendir(dir);
    if (!d)
        skip();
    unsigned listed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t nl = strlen(e->d_name);
        if (nl < 5 || strcmp(e->d_name + nl - 5, ".wasm") != 0)
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len = 0;
        uint8_t *bytes = NULL;
        assert_int_equal(rn_read_file(path, &bytes, &len), 0); /* the library's one reader (fileio.h) */
        runnel_report r = {0};
        runnel_module *m = runnel_module_new(bytes, len, &r);
        runnel_report_clear(&r);
        if (m) {
            runnel_module_free(m);
            for (unsigned flags = 0; flags <= RUNNEL_DISASM_UNFUSED; flags++) {
                runnel_status st;
                char *text = listing(bytes, len, NULL, flags, &st);
                assert_int_equal(st, RUNNEL_OK);
                if (strstr(text, " ?\n") || strstr(text, ": ? "))
                    fail_msg("%s: something unnamed in its listing:\n%s", path, text);
                free(text);
            }
            listed++;
        }
        free(bytes);
    }
    closedir(d);
    assert_true(listed > 1500); /* the suite's valid modules, all of them */
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_fib), cmocka_unit_test(test_spec_suite)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
