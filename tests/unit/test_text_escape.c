/*
 * test_text_escape.c - runnel_text_escape (engine.h): what a terminal would obey is escaped, the rest
 * (printable ASCII, backslash, any well-formed UTF-8 text) is kept byte for byte.
 */
#include "runnel/engine.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void escapes_to(const char *in, size_t len, const char *want)
{
    char *got = runnel_text_escape_n(in, len);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/* a string literal, its NULs included */
#define ESCAPES_TO(lit, want) escapes_to(lit, sizeof lit - 1, want)

static void test_terminal_sequences(void **state)
{
    (void)state;
    /* a window title (OSC ... BEL) and a screen clear (CSI 2 J) */
    ESCAPES_TO("a\x1b]0;pwned\x07z", "a\\x1b]0;pwned\\x07z");
    ESCAPES_TO("\x1b[2J", "\\x1b[2J");
    /* the C1 CSI (U+009B) and OSC (U+009D) as UTF-8, and the first and last C1 */
    ESCAPES_TO("\xc2\x9b" "2J", "\\u009b2J");
    ESCAPES_TO("\xc2\x80\xc2\x9d\xc2\x9f", "\\u0080\\u009d\\u009f");
    /* C0 with tab and newline (a newline would let a guest forge a line of our own output), DEL, NUL */
    ESCAPES_TO("a\tb\nc\rd\x7f", "a\\x09b\\x0ac\\x0dd\\x7f");
    ESCAPES_TO("x\0y", "x\\x00y");
}

static void test_text_kept(void **state)
{
    (void)state;
    const char *text = "plain ASCII ~ with \\ backslash, caf\xc3\xa9, \xc2\xa0nbsp, \xe2\x82\xac, \xf0\x9f\x98\x80";
    escapes_to(text, strlen(text), text);
    ESCAPES_TO("", "");
    char *e = runnel_text_escape(NULL);
    assert_string_equal(e, "");
    free(e);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    /* a lone continuation byte, a truncated sequence (at the end and before ASCII), an overlong '/',
       an encoded surrogate, a code point above U+10FFFF, bytes that never occur in UTF-8 */
    ESCAPES_TO("\x80", "\\x80");
    ESCAPES_TO("\xe2\x82", "\\xe2\\x82");
    ESCAPES_TO("\xe2\x82z", "\\xe2\\x82z");
    ESCAPES_TO("\xc0\xaf", "\\xc0\\xaf");
    ESCAPES_TO("\xed\xa0\x80", "\\xed\\xa0\\x80");
    ESCAPES_TO("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
    ESCAPES_TO("\xfe\xff", "\\xfe\\xff");
    /* a sequence cut by len is not read past len */
    escapes_to("\xe2\x82\xac", 2, "\\xe2\\x82");
}

static void test_idempotent_and_every_byte(void **state)
{
    (void)state;
    /* every byte value alone: no control character or invalid byte comes out raw */
    for (int b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        char *e = runnel_text_escape_n(&c, 1);
        assert_non_null(e);
        for (const unsigned char *p = (const unsigned char *)e; *p; p++)
            assert_true(*p >= 0x20 && *p < 0x7f);
        /* escaping escaped text changes nothing */
        char *twice = runnel_text_escape(e);
        assert_string_equal(twice, e);
        free(twice);
        free(e);
    }
}

static void test_lines(void **state)
{
    (void)state;
    char *e = runnel_text_escape_lines("f failed: \x1b[2J\n  at \x1b]0;t\x07 (offset 0x1)\r");
    assert_string_equal(e, "f failed: \\x1b[2J\n  at \\x1b]0;t\\x07 (offset 0x1)\\x0d");
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terminal_sequences),
        cmocka_unit_test(test_text_kept),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_idempotent_and_every_byte),
        cmocka_unit_test(test_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
