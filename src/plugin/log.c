/*
 * log.c - plugin logging: levels, the RUNNEL_LOG variable, and where lines go.
 *
 * Plugins log through log_trace .. log_error and ask get_log_level so that they can skip building
 * messages nobody reads (docs/abi-extism.md, "Logging"). The level is per plugin, chosen by the embedder or,
 * when it leaves the choice open (RUNNEL_LOG_FROM_ENV, the zero value of the options), by the
 * environment variable RUNNEL_LOG, read when the plugin is made. RUNNEL_LOG takes what Reflow's
 * RUST_LOG takes for the simple cases: a level ("debug"), or a comma-separated filter in which the
 * entries for `runnel` or `extism`, or a bare level, decide ("info,runnel=trace"). No variable means
 * off: a library should not write to stderr unless asked to.
 *
 * Lines go to the embedder's callback if it gave one, else to the log file it named, else to stderr,
 * one line each: "LEVEL NAME: MESSAGE", control characters escaped. Nothing here is global: each plugin
 * has its own sink.
 */
#include "plugin_impl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    runnel_log_level level;
} LEVELS[] = {
    {"trace", RUNNEL_LOG_TRACE}, {"debug", RUNNEL_LOG_DEBUG}, {"info", RUNNEL_LOG_INFO},
    {"warn", RUNNEL_LOG_WARN},   {"warning", RUNNEL_LOG_WARN}, {"error", RUNNEL_LOG_ERROR},
    {"off", RUNNEL_LOG_OFF},     {"none", RUNNEL_LOG_OFF},
};

static bool word_level(const char *s, size_t n, runnel_log_level *out)
{
    for (size_t i = 0; i < sizeof LEVELS / sizeof LEVELS[0]; i++)
        if (strlen(LEVELS[i].name) == n && strncasecmp(LEVELS[i].name, s, n) == 0) {
            *out = LEVELS[i].level;
            return true;
        }
    return false;
}

bool runnel_log_level_parse(const char *s, runnel_log_level *out)
{
    if (!s || !out)
        return false;
    bool have_bare = false, have_named = false;
    runnel_log_level bare = RUNNEL_LOG_OFF, named = RUNNEL_LOG_OFF;
    const char *p = s;
    while (*p) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && isspace((unsigned char)end[-1]))
            end--;
        if (end == start)
            continue;
        const char *eq = memchr(start, '=', (size_t)(end - start));
        runnel_log_level l;
        if (!eq) {
            if (!have_bare && word_level(start, (size_t)(end - start), &l)) {
                bare = l;
                have_bare = true;
            }
        } else {
            size_t tn = (size_t)(eq - start);
            bool ours = (tn == 6 && strncasecmp(start, "runnel", 6) == 0) ||
                        (tn == 6 && strncasecmp(start, "extism", 6) == 0);
            if (ours && !have_named && word_level(eq + 1, (size_t)(end - eq - 1), &l)) {
                named = l;
                have_named = true;
            }
        }
    }
    if (have_named)
        *out = named;
    else if (have_bare)
        *out = bare;
    else
        return false;
    return true;
}

const char *runnel_log_level_name(runnel_log_level l)
{
    switch (l) {
    case RUNNEL_LOG_TRACE: return "trace";
    case RUNNEL_LOG_DEBUG: return "debug";
    case RUNNEL_LOG_INFO: return "info";
    case RUNNEL_LOG_WARN: return "warn";
    case RUNNEL_LOG_ERROR: return "error";
    case RUNNEL_LOG_OFF: return "off";
    case RUNNEL_LOG_FROM_ENV: return "from-env";
    }
    return "?";
}

runnel_log_level rn_log_level_from_env(void)
{
    runnel_log_level l;
    const char *v = getenv("RUNNEL_LOG");
    if (v && runnel_log_level_parse(v, &l))
        return l;
    return RUNNEL_LOG_OFF;
}

void rn_plugin_log(runnel_plugin *p, runnel_log_level level, const char *msg, size_t len)
{
    if (p->log_level == RUNNEL_LOG_OFF || level < p->log_level)
        return;
    const char *name = p->name ? p->name : "main";
    if (p->log_fn) {
        p->log_fn(p->log_user, level, name, msg, len);
        return;
    }
    FILE *f = p->log_file ? p->log_file : stderr;
    static const char *const UPPER[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR"};
    const char *lv = level >= RUNNEL_LOG_TRACE && level <= RUNNEL_LOG_ERROR ? UPPER[level] : "LOG";
    /* The message and the name are the guest's and the manifest's: escaped (runnel_text_escape), for a
       terminal or for a log file someone will cat; a newline in a message cannot forge another line. */
    char *safe_msg = runnel_text_escape_n(msg, len), *safe_name = runnel_text_escape(name);
    /* one write per line, so lines of plugins on several threads do not interleave mid-line */
    flockfile(f);
    fprintf(f, "%s %s: %s\n", lv, safe_name ? safe_name : "?", safe_msg ? safe_msg : "(out of memory)");
    fflush(f);
    funlockfile(f);
    free(safe_msg);
    free(safe_name);
}

void runnel_plugin_set_log_level(runnel_plugin *p, runnel_log_level level)
{
    if (p)
        p->log_level = level == RUNNEL_LOG_FROM_ENV ? rn_log_level_from_env() : level;
}
