/*
 * test_plugin_http.c - http_request, http_status_code and http_headers, and modules by URL, against a
 * server this test runs on 127.0.0.1 (nothing leaves the machine).
 *
 * The server is a few dozen lines: one thread accepting, one thread per connection, HTTP/1.1 with
 * "Connection: close" and fixed routes (below). The plugins are Extism's http.wasm and
 * http_headers.wasm (the Go SDK's copy too) and wat/http_probe.wat, which returns the status code so
 * that it can be checked. What is checked: allowed and refused hosts (globs, redirects out of the
 * allowed hosts), the status code, headers (only when enabled), the response size cap and the timeout.
 */
#define _GNU_SOURCE /* strcasestr */
#include "plugin_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---------------------------------------------------------------- the server */

#define MAX_CONN 64

static struct server {
    int fd;
    int port;
    pthread_t accepter;
    pthread_t conns[MAX_CONN];
    int nconns;
    pthread_mutex_t mu;
    volatile int stop;
} srv = {.fd = -1, .mu = PTHREAD_MUTEX_INITIALIZER};

static void send_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0)
            return;
        p += k;
        n -= (size_t)k;
    }
}

static void respond(int fd, int status, const char *extra_headers, const void *body, size_t len)
{
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\nContent-Type: text/plain\r\n%s\r\n",
                     status, len, extra_headers ? extra_headers : "");
    send_all(fd, head, (size_t)n);
    if (len)
        send_all(fd, body, len);
}

static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char req[16384];
    size_t n = 0;
    char *end = NULL;
    while (n < sizeof req - 1 && !(end = strstr(req, "\r\n\r\n"))) {
        ssize_t k = recv(fd, req + n, sizeof req - 1 - n, 0);
        if (k <= 0)
            break;
        n += (size_t)k;
        req[n] = 0;
    }
    if (!end) {
        close(fd);
        return NULL;
    }
    char method[16] = "", path[1024] = "";
    sscanf(req, "%15s %1023s", method, path);
    size_t clen = 0;
    const char *cl = strcasestr(req, "\r\nContent-Length:");
    if (cl)
        clen = (size_t)strtoul(cl + 17, NULL, 10);
    const char *xa = strcasestr(req, "\r\nX-A:");
    char xav[64] = "-";
    if (xa)
        sscanf(xa + 6, " %63[^\r]", xav);
    char *body = end + 4;
    size_t have = n - (size_t)(body - req);
    while (have < clen && n < sizeof req - 1) {
        ssize_t k = recv(fd, req + n, sizeof req - 1 - n, 0);
        if (k <= 0)
            break;
        n += (size_t)k;
        have += (size_t)k;
    }
    char buf[2048], hdr[256];
    if (strcmp(path, "/hello") == 0) {
        respond(fd, 200, "X-Test: yes\r\n", "hello from the test server", 26);
    } else if (strcmp(path, "/status/404") == 0) {
        respond(fd, 404, NULL, "not here", 8);
    } else if (strncmp(path, "/big/", 5) == 0) {
        size_t len = (size_t)strtoul(path + 5, NULL, 10);
        char *b = malloc(len + 1);
        memset(b, 'x', len);
        respond(fd, 200, NULL, b, len);
        free(b);
    } else if (strcmp(path, "/slow") == 0) {
        for (int i = 0; i < 60 && !srv.stop; i++)
            usleep(50000);
        respond(fd, 200, NULL, "slow", 4);
    } else if (strcmp(path, "/redirect-in") == 0) {
        respond(fd, 302, "Location: /hello\r\n", "", 0);
    } else if (strcmp(path, "/redirect-out") == 0) {
        snprintf(hdr, sizeof hdr, "Location: http://localhost:%d/hello\r\n", srv.port);
        respond(fd, 302, hdr, "", 0);
    } else if (strcmp(path, "/echo") == 0) {
        int k = snprintf(buf, sizeof buf, "%s %.*s %s", method, (int)(have < clen ? have : clen), body, xav);
        respond(fd, 200, NULL, buf, (size_t)k);
    } else if (strcmp(path, "/echo.wasm") == 0) {
        size_t len;
        uint8_t *w = read_all(plugin_path("echo.wasm"), &len);
        respond(fd, 200, NULL, w, len);
        free(w);
    } else {
        respond(fd, 404, NULL, "no such route", 13);
    }
    close(fd);
    return NULL;
}

static void *accept_loop(void *arg)
{
    (void)arg;
    while (!srv.stop) {
        int c = accept(srv.fd, NULL, NULL);
        if (c < 0)
            break;
        pthread_mutex_lock(&srv.mu);
        if (srv.nconns < MAX_CONN && pthread_create(&srv.conns[srv.nconns], NULL, serve, (void *)(intptr_t)c) == 0)
            srv.nconns++;
        else
            close(c);
        pthread_mutex_unlock(&srv.mu);
    }
    return NULL;
}

static int server_start(void **state)
{
    (void)state;
    srv.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
    socklen_t al = sizeof a;
    if (srv.fd < 0 || bind(srv.fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(srv.fd, 16) != 0 ||
        getsockname(srv.fd, (struct sockaddr *)&a, &al) != 0)
        return -1;
    srv.port = ntohs(a.sin_port);
    return pthread_create(&srv.accepter, NULL, accept_loop, NULL) == 0 ? 0 : -1;
}

static int server_stop(void **state)
{
    (void)state;
    srv.stop = 1;
    shutdown(srv.fd, SHUT_RDWR);
    close(srv.fd);
    pthread_join(srv.accepter, NULL);
    for (int i = 0; i < srv.nconns; i++)
        pthread_join(srv.conns[i], NULL);
    return 0;
}

/* ---------------------------------------------------------------- helpers */

/* {"url": "http://127.0.0.1:PORT<path>"<more>} */
static const char *req(const char *path, const char *more)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "{\"url\": \"http://127.0.0.1:%d%s\"%s}", srv.port, path, more ? more : "");
    return buf[k];
}

static runnel_plugin *with_hosts(const char *file, const char *hosts, const char *extra, const runnel_plugin_options *o)
{
    return plugin_from_manifest(o, "{\"wasm\": [{\"path\": \"%s\"}]%s%s%s%s}", file, hosts ? ", \"allowed_hosts\": " : "",
                                hosts ? hosts : "", extra ? ", " : "", extra ? extra : "");
}

/* ---------------------------------------------------------------- tests */

static void http__allowed_and_refused_hosts(void **state)
{
    (void)state;
    const char *http = plugin_path("http.wasm");
    char want[256];
    /* no allowed_hosts: no HTTP at all */
    runnel_plugin *p = with_hosts(http, NULL, NULL, NULL);
    snprintf(want, sizeof want, "HTTP request to http://127.0.0.1:%d/hello is not allowed", srv.port);
    call_fails(p, "http_request", req("/hello", NULL), 0, true, want);
    runnel_plugin_free(p);
    /* an empty list: the same */
    p = with_hosts(http, "[]", NULL, NULL);
    call_fails(p, "http_request", req("/hello", NULL), 0, true, want);
    runnel_plugin_free(p);
    /* another host only */
    p = with_hosts(http, "[\"localhost\", \"*.example.com\"]", NULL, NULL);
    call_fails(p, "http_request", req("/hello", NULL), 0, true, want);
    runnel_plugin_free(p);
    /* exact and glob */
    const char *lists[] = {"[\"127.0.0.1\"]", "[\"127.0.0.*\"]", "[\"nope\", \"1?7.0.0.[0-9]\"]"};
    for (int i = 0; i < 3; i++) {
        p = with_hosts(http, lists[i], NULL, NULL);
        call_expect(p, "http_request", req("/hello", NULL), "hello from the test server");
        runnel_plugin_free(p);
    }
    /* redirects: followed within the allowed hosts, refused out of them */
    p = with_hosts(http, "[\"127.0.0.1\"]", NULL, NULL);
    call_expect(p, "http_request", req("/redirect-in", NULL), "hello from the test server");
    snprintf(want, sizeof want, "HTTP request to http://localhost:%d/hello is not allowed", srv.port);
    call_fails(p, "http_request", req("/redirect-out", NULL), 0, true, want);
    /* not http(s) */
    call_fails(p, "http_request", "{\"url\": \"file:///etc/passwd\"}", 0, true, "Invalid URL");
    runnel_plugin_free(p);
    /* the request is Extism's HttpRequest, closed like every Extism type (http.wasm rewrites its input,
       http_probe passes it as it is) */
    p = with_hosts(wat("http_probe"), "[\"127.0.0.1\"]", NULL, NULL);
    call_fails(p, "probe", "{\"url\": \"http://127.0.0.1:1/\", \"bad\": 1}", -1, false, "unknown field `bad`");
    call_fails(p, "probe", "{\"method\": \"GET\"}", -1, false, "missing field `url`");
    call_fails(p, "probe", "not json", -1, false, "invalid HTTP request");
    runnel_plugin_free(p);
}

static void http__status_method_body(void **state)
{
    (void)state;
    runnel_plugin *p = with_hosts(wat("http_probe"), "[\"127.0.0.1\"]", NULL, NULL);
    const char *r = req("/hello", NULL);
    assert_int_equal(runnel_plugin_call(p, "probe", r, strlen(r), NULL), 200);
    r = req("/status/404", NULL);
    assert_int_equal(runnel_plugin_call(p, "probe", r, strlen(r), NULL), 404);
    assert_null(runnel_plugin_error(p)); /* a status is not an error */
    size_t n;
    const uint8_t *out = runnel_plugin_output(p, &n);
    assert_int_equal(n, 8);
    assert_memory_equal(out, "not here", 8);
    r = req("/echo", ", \"method\": \"post\", \"headers\": {\"X-A\": \"b\"}");
    assert_int_equal(runnel_plugin_call(p, "post", r, strlen(r), NULL), 200);
    out = runnel_plugin_output(p, &n);
    assert_int_equal(n, strlen("POST posted body b"));
    assert_memory_equal(out, "POST posted body b", n);
    r = req("/echo", ", \"method\": \"PUT\"");
    assert_int_equal(runnel_plugin_call(p, "probe", r, strlen(r), NULL), 200);
    out = runnel_plugin_output(p, &n);
    assert_memory_equal(out, "PUT  -", n);
    runnel_plugin_free(p);
}

static void http__size_cap_and_timeout(void **state)
{
    (void)state;
    runnel_plugin *p = with_hosts(wat("http_probe"), "[\"127.0.0.1\"]", "\"memory\": {\"max_http_response_bytes\": 1000}",
                                  NULL);
    const char *r = req("/big/1000", NULL);
    assert_int_equal(runnel_plugin_call(p, "probe", r, strlen(r), NULL), 200);
    size_t n;
    runnel_plugin_output(p, &n);
    assert_int_equal(n, 1000);
    call_fails(p, "probe", req("/big/1001", NULL), -1, false,
               "HTTP response exceeds the configured maximum number of bytes: 1000");
    runnel_plugin_free(p);
    /* the default cap is 50 MiB */
    p = with_hosts(wat("http_probe"), "[\"127.0.0.1\"]", NULL, NULL);
    r = req("/big/300000", NULL);
    assert_int_equal(runnel_plugin_call(p, "probe", r, strlen(r), NULL), 200);
    runnel_plugin_output(p, &n);
    assert_int_equal(n, 300000);
    runnel_plugin_free(p);
    /* the call's timeout bounds the request */
    p = with_hosts(wat("http_probe"), "[\"127.0.0.1\"]", "\"timeout_ms\": 300", NULL);
    double t0 = now_ms();
    call_fails(p, "probe", req("/slow", NULL), 0, true, "timeout");
    double took = now_ms() - t0;
    assert_true(took < 1500);
    runnel_plugin_free(p);
    /* Extism's http.wasm too */
    p = with_hosts(plugin_path("http.wasm"), "[\"127.0.0.1\"]", "\"timeout_ms\": 300", NULL);
    call_fails(p, "http_request", req("/slow", NULL), 0, true, "timeout");
    runnel_plugin_free(p);
}

static void headers_test(const char *file)
{
    runnel_plugin_options on = {.http_response_headers = true};
    runnel_plugin *p = with_hosts(file, "[\"127.0.0.1\"]", NULL, &on);
    assert_int_equal(runnel_plugin_call(p, "http_get", req("/hello", NULL), strlen(req("/hello", NULL)), NULL), 0);
    size_t n;
    const char *out = (const char *)runnel_plugin_output(p, &n);
    char *s = strndup(out, n);
    if (!strstr(s, "\"x-test\":\"yes\"") || !strstr(s, "\"content-type\":\"text/plain\""))
        fail_msg("headers: %s", s);
    free(s);
    runnel_plugin_free(p);
    /* not enabled: the plugin sees no headers */
    p = with_hosts(file, "[\"127.0.0.1\"]", NULL, NULL);
    call_expect(p, "http_get", req("/hello", NULL), "{}");
    /* enabled later on the plugin */
    runnel_plugin_allow_http_response_headers(p, true);
    assert_int_equal(runnel_plugin_call(p, "http_get", req("/hello", NULL), strlen(req("/hello", NULL)), NULL), 0);
    out = (const char *)runnel_plugin_output(p, &n);
    s = strndup(out, n);
    assert_non_null(strstr(s, "\"x-test\":\"yes\""));
    free(s);
    runnel_plugin_free(p);
}

static void http_headers__enabled_and_disabled(void **state)
{
    (void)state;
    headers_test(plugin_path("http_headers.wasm"));
}

static void go_http_headers__enabled_and_disabled(void **state)
{
    (void)state;
    headers_test(plugin_path("go-sdk/http_headers.wasm"));
}

static void url_source__fetch(void **state)
{
    (void)state;
    char json[512];
    snprintf(json, sizeof json, "{\"wasm\": [{\"url\": \"http://127.0.0.1:%d/echo.wasm\"}]}", srv.port);
    runnel_plugin_options net = {.allow_network_sources = true};
    runnel_report r = {0};
    runnel_plugin *p = runnel_plugin_new(json, strlen(json), &net, &r);
    if (!p)
        fail_msg("%s", r.message);
    call_expect(p, "echo", "Hello, world!", "Hello, world!");
    runnel_plugin_free(p);
    /* refused unless the embedder allows network sources */
    char *e = load_error(NULL, json);
    assert_non_null(e);
    assert_non_null(strstr(e, "is not allowed by this host"));
    free(e);
    /* a missing module, and a wrong hash */
    snprintf(json, sizeof json, "{\"wasm\": [{\"url\": \"http://127.0.0.1:%d/missing.wasm\"}]}", srv.port);
    e = load_error(&net, json);
    assert_non_null(e);
    assert_non_null(strstr(e, "cannot fetch wasm from"));
    free(e);
    snprintf(json, sizeof json, "{\"wasm\": [{\"url\": \"http://127.0.0.1:%d/echo.wasm\", \"hash\": \"00\"}]}", srv.port);
    e = load_error(&net, json);
    assert_non_null(e);
    assert_non_null(strstr(e, "Hash mismatch"));
    free(e);
}

/* A server that takes the connection and never answers (a listening socket nobody accepts on: the
   kernel completes the handshake, so the client connects and then waits): fetching a module from it
   ends at the fetch timeout with a message naming both timeouts, instead of hanging for ever. */
static void url_source__silent_server_times_out(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
    socklen_t al = sizeof a;
    assert_true(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 4) == 0 &&
                getsockname(fd, (struct sockaddr *)&a, &al) == 0);
    char json[512];
    snprintf(json, sizeof json, "{\"wasm\": [{\"url\": \"http://127.0.0.1:%d/echo.wasm\"}]}", ntohs(a.sin_port));
    runnel_plugin_options net = {.allow_network_sources = true, .fetch_timeout_ms = 300};
    char *e = load_error(&net, json);
    assert_non_null(e);
    if (!strstr(e, "no complete answer within the fetch timeouts (connect 10000 ms, total 300 ms)"))
        fail_msg("unexpected error: %s", e);
    free(e);
    /* the connect timeout is the caller's too */
    net.fetch_connect_timeout_ms = 200;
    e = load_error(&net, json);
    assert_non_null(e);
    if (!strstr(e, "(connect 200 ms, total 300 ms)"))
        fail_msg("unexpected error: %s", e);
    free(e);
    close(fd);
}

int main(int argc, char **argv)
{
    FILE *f = fopen(wat("http_probe"), "rb");
    if (!f) {
        printf("no %s (wat2wasm missing?)\n", wat("http_probe"));
        return 1;
    }
    fclose(f);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(http__allowed_and_refused_hosts),
        cmocka_unit_test(http__status_method_body),
        cmocka_unit_test(http__size_cap_and_timeout),
        cmocka_unit_test(http_headers__enabled_and_disabled),
        cmocka_unit_test(go_http_headers__enabled_and_disabled),
        cmocka_unit_test(url_source__fetch),
        cmocka_unit_test(url_source__silent_server_times_out),
    };
    char filter[256];
    if (argc > 1) {
        snprintf(filter, sizeof filter, "%s__*", argv[1]);
        cmocka_set_test_filter(filter);
    }
    return cmocka_run_group_tests(tests, server_start, server_stop);
}
