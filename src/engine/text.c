/*
 * text.c - guest-controlled text made safe to print (runnel_text_escape, engine.h).
 *
 * Names in a module's name section, a plugin's log lines and error texts, an actor's outputs, the
 * names in a graph file: all of them are chosen by whoever wrote the guest or the file, and all of
 * them end up on someone's terminal. A terminal obeys control sequences (ESC ] 0 ; title BEL retitles
 * the window, ESC [ 2 J clears the screen, a C1 CSI byte does the same on terminals that honour C1),
 * so printed raw they let a guest rewrite what the user sees. Every place that prints such text as
 * text goes through this one routine; data output (a plugin's output bytes on stdout) does not.
 *
 * The escaping keeps every printable character, backslash included, and only adds printable ASCII:
 * escaping escaped text changes nothing, so a message escaped by a lower layer and again by the
 * printer reads the same. It lives in the engine, the lowest layer, so that every layer can use it.
 */
#include "runnel/engine.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The length of the well-formed UTF-8 sequence at s (at most n bytes; Unicode 3.9, table 3-7: no
   overlong forms, no surrogates, nothing above U+10FFFF), or 0 if the bytes there are not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    size_t len;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        lo = c == 0xe0 ? 0xa0 : lo;
        hi = c == 0xed ? 0x9f : hi;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        lo = c == 0xf0 ? 0x90 : lo;
        hi = c == 0xf4 ? 0x8f : hi;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if ((s[k] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* The one escaping routine; keep_newlines leaves '\n' as it is (for texts whose lines are ours). */
static char *escape(const void *text, size_t len, bool keep_newlines)
{
    /* the worst case is 4 output bytes per input byte ("\xNN"); a C1 control is 2 bytes in, 6 out */
    if (len > (SIZE_MAX - 1) / 4)
        return NULL;
    char *out = malloc(len * 4 + 1);
    if (!out)
        return NULL;
    const unsigned char *p = text ? text : (const unsigned char *)"";
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(p + i, len - i);
        if (n == 1 && p[i] == '\n' && keep_newlines) {
            out[o++] = '\n';
            i++;
        } else if (n == 0 || (n == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
            o += (size_t)snprintf(out + o, 5, "\\x%02x", p[i]); /* C0, DEL, a byte that is not UTF-8 */
            i++;
        } else if (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) {
            o += (size_t)snprintf(out + o, 7, "\\u%04x", p[i + 1]); /* C1: U+0080..U+009F */
            i += 2;
        } else {
            memcpy(out + o, p + i, n);
            o += n;
            i += n;
        }
    }
    out[o] = '\0';
    return out;
}

char *runnel_text_escape_n(const void *text, size_t len)
{
    return escape(text, len, false);
}

char *runnel_text_escape(const char *s)
{
    return escape(s, s ? strlen(s) : 0, false);
}

char *runnel_text_escape_lines(const char *s)
{
    return escape(s, s ? strlen(s) : 0, true);
}
