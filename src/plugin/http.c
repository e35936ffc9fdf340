/*
 * http.c - HTTP for plugins (the http_request built-in) and for manifest modules given by URL.
 *
 * A plugin asks for a request by handing the host a JSON HttpRequest ({"url", "method"?, "headers"?},
 * no other fields, as Extism's serde type) and an optional body. The host is the sandbox's gate:
 *   - only hosts matching one of the manifest's allowed_hosts globs are reached; no allowed_hosts means
 *     no HTTP at all ("HTTP request to URL is not allowed", Extism's text);
 *   - redirects are followed by hand, at most 10, each new URL checked against allowed_hosts again, so a
 *     permitted server cannot bounce the plugin to a forbidden one (libcurl's own following would not
 *     check); only http and https are spoken;
 *   - the response body is capped at max_http_response_bytes (default 50 MiB, as Extism): the transfer
 *     stops at the first byte over and the call fails with Extism's message;
 *   - the call's deadline bounds the request (and a cancel aborts it, through libcurl's progress
 *     callback): the call then fails with `timeout`, as Extism's does.
 * Non-2xx statuses are not errors: the plugin gets the body and reads the status with
 * http_status_code. Headers are recorded (lower-case names, the last value of a repeated header, as
 * Extism's map keeps) only when the embedder enabled http_headers.
 *
 * allowed_hosts globs follow the Rust `glob` crate's Pattern, which Extism uses: `*` any run of
 * characters (dots included), `?` one character, `[abc]`, `[a-z]` and `[!...]` classes; a pattern that
 * does not parse (an unclosed `[`) matches only itself, literally.
 */
#include "plugin_impl.h"

#include "fileio.h"
#include "module.h" /* rn_fail */

#include <ctype.h>
#include <stdarg.h>
#include "curl_loader.h" /* libcurl, opened on the first request */
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_HTTP_MAX (50u * 1024 * 1024)
#define MAX_REDIRECTS 10

/* ---------------------------------------------------------------- globs */

/* Matches a class at p ("[...]"); *end receives the character after it. -1: malformed. */
static int match_class(const char *p, char c, const char **end)
{
    const char *q = p + 1;
    bool neg = false, hit = false;
    if (*q == '!') {
        neg = true;
        q++;
    }
    bool first = true;
    while (*q && (first || *q != ']')) {
        char lo = *q, hi = lo;
        if (q[1] == '-' && q[2] && q[2] != ']') {
            hi = q[2];
            q += 3;
        } else
            q++;
        if (c >= lo && c <= hi)
            hit = true;
        first = false;
    }
    if (*q != ']')
        return -1;
    *end = q + 1;
    return hit != neg;
}

static bool well_formed(const char *p)
{
    for (; *p; p++) {
        if (*p != '[')
            continue;
        const char *end;
        if (match_class(p, 'a', &end) < 0)
            return false;
        p = end - 1;
    }
    return true;
}

/* Iterative matching with one backtrack point for the last `*`: linear in practice, never exponential. */
static bool glob(const char *p, const char *s)
{
    const char *star_p = NULL, *star_s = NULL;
    while (*s) {
        const char *end;
        int m;
        if (*p == '*') {
            while (*p == '*')
                p++;
            star_p = p;
            star_s = s;
            continue;
        }
        if (*p == '?') {
            p++;
            s++;
            continue;
        }
        if (*p == '[' && (m = match_class(p, *s, &end)) >= 0) {
            if (m) {
                p = end;
                s++;
                continue;
            }
        } else if (*p && *p == *s) {
            p++;
            s++;
            continue;
        }
        if (!star_p)
            return false;
        p = star_p;
        s = ++star_s;
    }
    while (*p == '*')
        p++;
    return *p == 0;
}

bool rn_glob_match(const char *pattern, const char *s)
{
    if (!well_formed(pattern))
        return strcmp(pattern, s) == 0;
    return glob(pattern, s);
}

/* ---------------------------------------------------------------- transfers */

typedef struct body_buf {
    uint8_t *data;
    size_t len, cap, max;
    bool over;
} body_buf;

static size_t on_body(char *ptr, size_t size, size_t n, void *user)
{
    body_buf *b = user;
    size_t got = size * n;
    if (got > b->max - b->len) {
        b->over = true;
        return 0; /* stops the transfer */
    }
    if (b->len + got > b->cap) {
        size_t cap = b->cap ? b->cap : 16384;
        while (cap < b->len + got)
            cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d)
            return 0;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, got);
    b->len += got;
    return got;
}

typedef struct xfer {
    runnel_plugin *p;
    json_t *headers; /* of the current response */
} xfer;

static size_t on_header(char *buf, size_t size, size_t n, void *user)
{
    xfer *x = user;
    size_t len = size * n;
    if (!x->headers)
        return len;
    if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
        json_object_clear(x->headers); /* a new response (after a 100 Continue, say) */
        return len;
    }
    const char *colon = memchr(buf, ':', len);
    if (!colon)
        return len;
    size_t nl = (size_t)(colon - buf);
    char name[256];
    if (nl == 0 || nl >= sizeof name)
        return len;
    for (size_t i = 0; i < nl; i++)
        name[i] = (char)tolower((unsigned char)buf[i]);
    name[nl] = 0;
    const char *v = colon + 1, *e = buf + len;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t'))
        e--;
    json_object_set_new(x->headers, name, json_stringn(v, (size_t)(e - v)));
    return len;
}

static int on_progress(void *user, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    xfer *x = user;
    return x->p && rn_plugin_should_stop(x->p) ? 1 : 0;
}

/* A malloc'ed message (NULL when out of memory, which the caller reports as a failure anyway). */
#define msg rn_format

static bool host_allowed(const runnel_plugin *p, const char *url)
{
    const rn_manifest *m = &p->c->manifest;
    if (!m->has_allowed_hosts)
        return false;
    CURLU *u = curl_url();
    char *host = NULL;
    bool ok = false;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        for (size_t i = 0; i < m->nallowed_hosts && !ok; i++)
            ok = rn_glob_match(m->allowed_hosts[i], host);
    }
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

static bool url_valid(const char *url, char **err)
{
    CURLU *u = curl_url();
    char *scheme = NULL;
    CURLUcode rc = u ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;
    bool ok = rc == CURLUE_OK && curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
    if (!ok)
        *err = msg("Invalid URL: %s", rc == CURLUE_OK ? "only http and https are supported" : curl_url_strerror(rc));
    curl_free(scheme);
    curl_url_cleanup(u);
    return ok;
}

/* ---------------------------------------------------------------- what goes on the wire

   libcurl writes the method into the request line and each header as given, so a CR or LF in either
   would let a plugin add headers or whole requests of its own choosing, sent to an allowed host;
   a NUL would cut a header short. The request is therefore refused unless the method and every
   header name are tokens and every header value holds only visible characters, spaces and tabs
   (RFC 9110 5.1, 5.5 and 9.1), and the URL holds no control character. */

bool rn_http_is_token(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && (c == 0 || !strchr("!#$%&'*+-.^_`|~", c))) /* strchr would find the NUL */
            return false;
    }
    return true;
}

bool rn_http_is_field_value(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return false;
    }
    return true;
}

static bool has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            return true;
    return false;
}

/* The URL, method and headers of a request are safe to hand to libcurl (see above); the method,
   upper-cased, in method[size]. */
static bool fields_valid(json_t *jurl, json_t *jmethod, json_t *jheaders, char *method, size_t size, char **err)
{
    if (has_control(json_string_value(jurl), json_string_length(jurl))) {
        *err = msg("invalid HTTP request: the URL contains a control character");
        return false;
    }
    if (jmethod && json_is_string(jmethod)) {
        size_t n = json_string_length(jmethod);
        if (!rn_http_is_token(json_string_value(jmethod), n) || n >= size) {
            *err = msg("invalid HTTP request: the method is not an HTTP token of at most %zu characters", size - 1);
            return false;
        }
        for (size_t i = 0; i <= n; i++)
            method[i] = (char)toupper((unsigned char)json_string_value(jmethod)[i]);
    }
    const char *key;
    json_t *v;
    json_object_foreach(jheaders, key, v) {
        if (!rn_http_is_token(key, strlen(key))) {
            *err = msg("invalid HTTP request: a header name is not an HTTP token");
            return false;
        }
        if (!rn_http_is_field_value(json_string_value(v), json_string_length(v))) {
            *err = msg("invalid HTTP request: the value of header `%s` contains a control character", key);
            return false;
        }
    }
    return true;
}

bool rn_http_request(runnel_plugin *p, const uint8_t *req_json, size_t req_len, const uint8_t *body, size_t body_len,
                     uint8_t **out, size_t *outlen, char **err)
{
    *out = NULL;
    *outlen = 0;
    *err = NULL;
    const char *why;
    if (!rn_curl_load(&why)) {
        *err = msg("HTTP is unavailable: %s", why);
        return false;
    }
    json_error_t jerr;
    json_t *req = json_loadb((const char *)req_json, req_len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *jurl = req ? json_object_get(req, "url") : NULL, *jmethod = req ? json_object_get(req, "method") : NULL;
    json_t *jheaders = req ? json_object_get(req, "headers") : NULL;
    if (!req || !json_is_object(req)) {
        *err = msg("invalid HTTP request: %s", req ? "not a JSON object" : jerr.text);
        json_decref(req);
        return false;
    }
    const char *key;
    json_t *v;
    json_object_foreach(req, key, v) {
        if (strcmp(key, "url") && strcmp(key, "method") && strcmp(key, "headers")) {
            *err = msg("invalid HTTP request: unknown field `%s`, expected one of `url`, `headers`, `method`", key);
            json_decref(req);
            return false;
        }
    }
    bool bad = !json_is_string(jurl) || (jmethod && !json_is_null(jmethod) && !json_is_string(jmethod)) ||
               (jheaders && !json_is_null(jheaders) && !json_is_object(jheaders));
    json_object_foreach(jheaders, key, v) bad = bad || !json_is_string(v);
    if (bad) {
        *err = msg("invalid HTTP request: %s",
                   json_is_string(jurl) ? "`method` and `headers` values must be strings" : "missing field `url`");
        json_decref(req);
        return false;
    }
    char method[32] = "GET";
    if (!fields_valid(jurl, jmethod, jheaders, method, sizeof method, err)) {
        json_decref(req);
        return false;
    }
    char *url = strdup(json_string_value(jurl));
    struct curl_slist *hdrs = NULL;
    bool ok = url != NULL;
    json_object_foreach(jheaders, key, v) {
        char *line = malloc(strlen(key) + json_string_length(v) + 3);
        if (!line) {
            ok = false;
            break;
        }
        sprintf(line, "%s: %s", key, json_string_value(v));
        struct curl_slist *n = curl_slist_append(hdrs, line);
        free(line);
        if (!n) {
            ok = false;
            break;
        }
        hdrs = n;
    }
    json_decref(req);
    if (!ok) {
        *err = msg("out of memory");
        curl_slist_free_all(hdrs);
        free(url);
        return false;
    }

    uint64_t max = p->limits.max_http_response_bytes;
    body_buf b = {.max = max > SIZE_MAX ? SIZE_MAX : (size_t)max};
    xfer x = {.p = p, .headers = p->http_headers_enabled ? json_object() : NULL};
    CURL *h = NULL;
    long status = 0;
    int hops = 0;
    for (;;) {
        if (!url_valid(url, err)) {
            ok = false;
            break;
        }
        if (!host_allowed(p, url)) {
            *err = msg("HTTP request to %s is not allowed", url);
            ok = false;
            break;
        }
        if (!(h = curl_easy_init())) {
            *err = msg("out of memory");
            ok = false;
            break;
        }
        b.len = 0;
        b.over = false;
        if (x.headers)
            json_object_clear(x.headers);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
        if (strcmp(method, "GET") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        if (strcmp(method, "HEAD") == 0)
            curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        if (body) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)body);
        }
        if (p->deadline_ns) {
            uint64_t now = rn_now_ns();
            long ms = now >= p->deadline_ns ? 1 : (long)((p->deadline_ns - now + 999999) / 1000000);
            curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
        }
        CURLcode rc = curl_easy_perform(h);
        if (rc != CURLE_OK) {
            ok = false;
            if (b.over)
                *err = msg("HTTP response exceeds the configured maximum number of bytes: %llu",
                           (unsigned long long)max);
            else if (rc == CURLE_ABORTED_BY_CALLBACK || (rc == CURLE_OPERATION_TIMEDOUT && p->deadline_ns &&
                                                         rn_now_ns() + 1000000 >= p->deadline_ns))
                *err = msg("timeout");
            else
                *err = msg("HTTP request to %s failed: %s", url, curl_easy_strerror(rc));
            break;
        }
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        char *next = NULL;
        curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &next);
        if (status >= 300 && status < 400 && next && hops < MAX_REDIRECTS) {
            char *n = strdup(next);
            curl_easy_cleanup(h);
            h = NULL;
            free(url);
            url = n;
            hops++;
            if (status == 303) { /* see other: the next request is a GET without the body */
                snprintf(method, sizeof method, "GET");
                body = NULL;
            }
            if (!url) {
                *err = msg("out of memory");
                ok = false;
                break;
            }
            continue;
        }
        break;
    }
    if (h)
        curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    free(url);
    if (ok) {
        p->http_status = (int)status;
        if (x.headers) {
            free(p->http_headers_json);
            p->http_headers_json = json_dumps(x.headers, JSON_COMPACT | JSON_SORT_KEYS);
        }
        *out = b.data;
        *outlen = b.len;
    } else
        free(b.data);
    json_decref(x.headers);
    return ok;
}

/* ---------------------------------------------------------------- modules by URL */

runnel_status rn_fetch_url(const char *url, const char *method, const rn_kv *headers, size_t nheaders,
                           const rn_fetch_limits *fetch, uint8_t **out, size_t *outlen, runnel_report *r)
{
    *out = NULL;
    *outlen = 0;
    size_t max;
    char limit_text[160];
    int lerr = rn_max_input(&max);
    if (lerr)
        return rn_fail(r, RUNNEL_BADARG, 0, "cannot fetch %s: %s", url, rn_io_strerror(lerr, limit_text, sizeof limit_text));
    /* Both bounds always apply: the connect timeout for a host that does not answer at all, the total
       one for a server that accepts and then never sends (or trickles) its answer. */
    uint64_t connect_ms = fetch && fetch->connect_ms ? fetch->connect_ms : RN_FETCH_CONNECT_TIMEOUT_MS;
    uint64_t total_ms = fetch && fetch->total_ms ? fetch->total_ms : RN_FETCH_TIMEOUT_MS;
    const char *why;
    if (!rn_curl_load(&why))
        return rn_fail(r, RUNNEL_BADARG, 0, "cannot fetch %s: %s", url, why);
    if (method && !rn_http_is_token(method, strlen(method)))
        return rn_fail(r, RUNNEL_BADARG, 0, "cannot fetch %s: the method is not an HTTP token", url);
    for (size_t i = 0; i < nheaders; i++)
        if (!rn_http_is_token(headers[i].key, strlen(headers[i].key)) ||
            !rn_http_is_field_value(headers[i].value, strlen(headers[i].value)))
            return rn_fail(r, RUNNEL_BADARG, 0, "cannot fetch %s: a header name is not a token or a value has a "
                           "control character", url);
    CURL *h = curl_easy_init();
    if (!h)
        return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    struct curl_slist *hdrs = NULL;
    for (size_t i = 0; i < nheaders; i++) {
        size_t n = strlen(headers[i].key) + strlen(headers[i].value) + 3;
        char *line = malloc(n);
        struct curl_slist *l = NULL;
        if (line) {
            snprintf(line, n, "%s: %s", headers[i].key, headers[i].value);
            l = curl_slist_append(hdrs, line);
            free(line);
        }
        if (!l) {
            curl_slist_free_all(hdrs);
            curl_easy_cleanup(h);
            return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
        }
        hdrs = l;
    }
    body_buf b = {.max = max};
    char m[32] = "GET";
    if (method) {
        snprintf(m, sizeof m, "%s", method);
        for (char *c = m; *c; c++)
            *c = (char)toupper((unsigned char)*c);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(connect_ms < LONG_MAX ? connect_ms : LONG_MAX));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(total_ms < LONG_MAX ? total_ms : LONG_MAX));
    if (strcmp(m, "GET") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hdrs);
    runnel_status st = RUNNEL_OK;
    if (rc != CURLE_OK) {
        if (rc == CURLE_OPERATION_TIMEDOUT)
            st = rn_fail(r, RUNNEL_BADARG, 0,
                         "cannot fetch wasm from %s: no complete answer within the fetch timeouts (connect %llu ms, "
                         "total %llu ms)",
                         url, (unsigned long long)connect_ms, (unsigned long long)total_ms);
        else
            st = rn_fail(r, RUNNEL_BADARG, 0, "cannot fetch wasm from %s: %s", url,
                         b.over ? rn_io_strerror(RN_IO_TOO_LARGE, limit_text, sizeof limit_text)
                                : curl_easy_strerror(rc));
        free(b.data);
    } else {
        *out = b.data ? b.data : malloc(1);
        *outlen = b.len;
        if (!*out)
            st = rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    }
    curl_easy_cleanup(h);
    return st;
}
