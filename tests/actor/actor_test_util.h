/*
 * actor_test_util.h - what the actor tests that run plugins share: loading, calling, and checking the
 * outputs of one `process` call.
 *
 * A call's outputs are collected (runnel_actor_collect) and then checked as text, message by message, in
 * order, with their kind: "S progress={...}" for one sent through __send_output, "R value={...}" for one
 * returned, "E error={...}" for a failure. Checking the whole sequence as one string makes every test
 * say exactly what the actor must emit, order included, and shows the difference when it does not.
 * Header-only (static functions) so each test program stays one file.
 */
#ifndef ACTOR_TEST_UTIL_H
#define ACTOR_TEST_UTIL_H

#include "runnel/actor_json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* A file under the shared directory (RUNNEL_SHARED wins over the compiled-in default). */
static inline const char *shared_path(const char *rel)
{
    static char buf[4096];
    const char *dir = getenv("RUNNEL_SHARED");
#ifdef RUNNEL_SHARED_DIR
    if (!dir || !*dir)
        dir = RUNNEL_SHARED_DIR;
#endif
    if (!dir)
        dir = "../shared";
    snprintf(buf, sizeof buf, "%s/%s", dir, rel);
    return buf;
}

/* fail_msg for the checks below, after freeing what they hold (up to two strings and a report): the
   message is formatted first, then everything is freed, then the test leaves. FAIL_FREEING reports the
   line it is written on (inside EXPECT_* that is the test's line), as fail_msg does. */
__attribute__((format(printf, 6, 7))) static inline void fail_freeing_at(const char *file, int line, char *s1,
                                                                         char *s2, runnel_report *r,
                                                                         const char *fmt, ...)
{
    char msg[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    free(s1);
    free(s2);
    if (r)
        runnel_report_clear(r);
    print_error("ERROR: %s\n", msg);
    _fail(file, line);
}
#define FAIL_FREEING(s1, s2, r, ...) fail_freeing_at(__FILE__, __LINE__, (s1), (s2), (r), __VA_ARGS__)

static inline runnel_actor *load_actor(const char *path, const runnel_actor_options *o)
{
    runnel_report r = {0};
    runnel_actor *a = runnel_actor_load(path, o, &r);
    if (!a)
        FAIL_FREEING(NULL, NULL, &r, "%s: %s", path, r.message);
    return a;
}

/* The actor a test works on, kept in cmocka's state: a failed assertion leaves the test by a longjmp,
   past the test's own cleanup, but cmocka still runs the teardown (release_actor), so nothing leaks and
   the sanitizer's report after a failure shows only the failure. hold_actor frees the actor held before,
   so a test can go on with another. Register a test with cmocka_unit_test_teardown(test, release_actor). */
static inline runnel_actor *hold_actor(void **state, runnel_actor *a)
{
    runnel_actor_free(*state);
    *state = a;
    return a;
}

static inline int release_actor(void **state)
{
    hold_actor(state, NULL);
    return 0;
}

/* The outputs of one call as text: one line per output, "K port=message". */
static inline char *outputs_text(const runnel_actor_outputs *o)
{
    size_t cap = 64, len = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    s[0] = '\0';
    for (size_t i = 0; i < o->count; i++) {
        char *m = runnel_msg_to_text(&o->items[i].msg);
        assert_non_null(m);
        const char k = o->items[i].kind == RUNNEL_EMIT_SENT ? 'S' : o->items[i].kind == RUNNEL_EMIT_RESULT ? 'R' : 'E';
        size_t need = strlen(m) + strlen(o->items[i].port) + 8;
        while (cap - len < need) {
            cap *= 2;
            s = realloc(s, cap);
            assert_non_null(s);
        }
        len += (size_t)snprintf(s + len, cap - len, "%s%c %s=%s", i ? "\n" : "", k, o->items[i].port, m);
        free(m);
    }
    return s;
}

/* One call with a message per port (NULL-terminated list of "port", "json value" pairs). Returns the
   status; *text receives the outputs (caller frees). */
static inline runnel_status call_actor(runnel_actor *a, char **text, runnel_report *r, ...)
{
    runnel_port_msg in[16];
    size_t n = 0;
    va_list ap;
    va_start(ap, r);
    for (const char *port; (port = va_arg(ap, const char *)) != NULL;) {
        const char *value = va_arg(ap, const char *);
        assert_true(n < 16);
        runnel_report pr = {0};
        in[n].port = port;
        if (runnel_msg_parse(&in[n].msg, value, strlen(value), &pr) != RUNNEL_OK)
            fail_msg("test message %s: %s", value, pr.message);
        n++;
    }
    va_end(ap);
    runnel_actor_outputs out = {0};
    runnel_status st = runnel_actor_process(a, in, n, runnel_actor_collect, &out, r);
    assert_false(out.nomem);
    *text = outputs_text(&out);
    runnel_actor_outputs_clear(&out);
    for (size_t i = 0; i < n; i++)
        runnel_msg_clear(&in[i].msg);
    return st;
}

/* A call that must succeed and emit exactly `want`. */
#define EXPECT_OUTPUTS(actor, want, ...)                                                                               \
    do {                                                                                                               \
        char *got_;                                                                                                    \
        runnel_report r_ = {0};                                                                                        \
        runnel_status st_ = call_actor((actor), &got_, &r_, __VA_ARGS__, (const char *)NULL);                          \
        if (st_ != RUNNEL_OK)                                                                                          \
            FAIL_FREEING(got_, NULL, &r_, "process failed (%s): %s\noutputs:\n%s", runnel_status_name(st_),            \
                         r_.message, got_);                                                                            \
        if (strcmp(got_, (want)) != 0)                                                                                 \
            FAIL_FREEING(got_, NULL, &r_, "outputs differ\n--- want:\n%s\n--- got:\n%s", (want), got_);                 \
        free(got_);                                                                                                    \
        runnel_report_clear(&r_);                                                                                      \
    } while (0)

/* The text of the Error message an actor emits for a failure reported as `message`. */
static inline char *error_line(const char *message)
{
    runnel_msg m;
    assert_int_equal(runnel_msg_error(&m, message), RUNNEL_OK);
    char *t = runnel_msg_to_text(&m);
    runnel_msg_clear(&m);
    assert_non_null(t);
    char *line = malloc(strlen(t) + 16);
    assert_non_null(line);
    sprintf(line, "E error=%s", t);
    free(t);
    return line;
}

/* A call that must fail with status st and a report containing `want`, emitting the outputs in `sent`
   ("" for none) and then exactly one Error on the error port, whose text is the report's. */
#define EXPECT_FAILURE(actor, st, sent, want, ...)                                                                     \
    do {                                                                                                               \
        char *got_;                                                                                                    \
        runnel_report r_ = {0};                                                                                        \
        runnel_status st_ = call_actor((actor), &got_, &r_, __VA_ARGS__, (const char *)NULL);                          \
        if (st_ != (st))                                                                                               \
            FAIL_FREEING(got_, NULL, &r_, "expected %s, got %s: %s\noutputs:\n%s", runnel_status_name(st),            \
                         runnel_status_name(st_), r_.message ? r_.message : "", got_);                                 \
        if (!r_.message || !strstr(r_.message, (want)))                                                                \
            FAIL_FREEING(got_, NULL, &r_, "report \"%s\" does not contain \"%s\"", r_.message ? r_.message : "",       \
                         (want));                                                                                      \
        size_t sl_ = strlen(sent);                                                                                     \
        if (strncmp(got_, (sent), sl_) != 0)                                                                           \
            FAIL_FREEING(got_, NULL, &r_, "sent outputs differ\n--- want:\n%s\n--- got:\n%s", (sent), got_);           \
        char *line_ = error_line(r_.message);                                                                          \
        if (strcmp(got_ + sl_ + (sl_ ? 1 : 0), line_) != 0)                                                            \
            FAIL_FREEING(got_, line_, &r_, "expected one Error with the report's text, got:\n%s", got_);                \
        free(line_);                                                                                                   \
        free(got_);                                                                                                    \
        runnel_report_clear(&r_);                                                                                      \
    } while (0)

/* The actor's state as compact JSON with sorted keys. */
static inline void expect_state(const runnel_actor *a, const char *want)
{
    char *s = json_dumps(runnel_actor_state(a), JSON_COMPACT | JSON_SORT_KEYS);
    assert_non_null(s);
    if (strcmp(s, want) != 0)
        FAIL_FREEING(s, NULL, NULL, "state: want %s, got %s", want, s);
    free(s);
}

#endif
