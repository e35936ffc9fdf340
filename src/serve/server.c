/*
 * server.c - the socket side of `runnel serve`: libwebsockets, the WebSocket sub-protocol "noflo" that
 * FBP clients ask for (fbp-protocol 0.9.8, spec/protocol.js.md, "Transport"), and a status page on HTTP.
 *
 * Why it is shaped this way:
 *   - libwebsockets is single-threaded: every callback and every write happens on the thread that runs
 *     lws_service. Messages are handled there (rn_serve_handle), and the networks' worker threads never
 *     touch a socket: they queue events and wake the service loop with lws_cancel_service, which
 *     delivers LWS_CALLBACK_EVENT_WAIT_CANCELLED here, where rn_serve_poll takes the events.
 *   - Each connection has a queue of whole messages, written one per WRITEABLE callback (lws may
 *     only write once per callback), and bounded (RN_CONN_MAX_QUEUED bytes): a client that stops
 *     reading loses events (counted), never the server's memory.
 *   - A message may arrive in fragments; they are gathered up to RUNNEL_SERVE_MAX_MESSAGE bytes. A
 *     longer one is discarded as it comes and answered with an error when it ends, and the connection
 *     stays open.
 *   - HTTP on the same port serves exactly one thing, the live view's page at "/" (view.c), a constant:
 *     no file system path is ever opened, so there is nothing to traverse; everything else is a 404.
 *   - Binding: loopback unless told otherwise; a host that is not loopback is refused without a
 *     secret (runnel_serve_start), and protocol.c checks the secret of every message. The networks'
 *     events go only to connections that have sent a message with the right secret (all of them
 *     when there is no secret).
 */
#include "serve_impl.h"
#include "util.h"

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define RN_CONN_MAX_QUEUED (16u << 20)

typedef struct conn {
    struct lws *wsi;
    struct conn *next;
    char **q;              /* messages to write, oldest first: q[head..n) */
    size_t head, n, cap;
    size_t queued_bytes;
    unsigned long long dropped;
    char *rx;              /* the message being received */
    size_t rx_len, rx_cap;
    bool rx_oversized;
    size_t rx_total;
    bool ws;               /* a WebSocket connection (not HTTP) */
    bool authorized;       /* it has sent a message with the right secret: it gets the networks' events */
} conn;

struct runnel_server {
    struct lws_context *ctx;
    rn_serve *rt;
    conn *conns;
    unsigned port;
    char *host;
    volatile sig_atomic_t stopping;
    FILE *log;
};

static void conn_push(conn *c, char *text)
{
    size_t len = strlen(text);
    if (c->queued_bytes + len > RN_CONN_MAX_QUEUED) {
        c->dropped++;
        free(text);
        return;
    }
    if (c->head > 0 && c->head == c->n) { /* all written: start again at the front */
        c->head = c->n = 0;
    }
    if (c->n == c->cap) {
        if (c->head > 0) {
            memmove(c->q, c->q + c->head, (c->n - c->head) * sizeof *c->q);
            c->n -= c->head;
            c->head = 0;
        } else {
            size_t ncap = c->cap ? c->cap * 2 : 16;
            char **nq = realloc(c->q, ncap * sizeof *nq);
            if (!nq) {
                c->dropped++;
                free(text);
                return;
            }
            c->q = nq;
            c->cap = ncap;
        }
    }
    c->q[c->n++] = text;
    c->queued_bytes += len;
}

static void conn_free(runnel_server *s, conn *c)
{
    for (size_t i = c->head; i < c->n; i++)
        free(c->q[i]);
    free(c->q);
    free(c->rx);
    c->q = NULL;
    c->rx = NULL;
    c->head = c->n = c->cap = 0;
    for (conn **p = &s->conns; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
}

/* Events from the networks: a copy for every WebSocket client. */
static void broadcast_events(runnel_server *s)
{
    rn_serve_out ev = {0};
    rn_serve_poll(s->rt, &ev);
    for (conn *c = s->conns; c; c = c->next) {
        if (!c->authorized) /* with a secret, only clients that showed it see the data */
            continue;
        for (size_t i = 0; i < ev.n; i++) {
            char *t = strdup(ev.items[i]);
            if (t)
                conn_push(c, t);
            else
                c->dropped++;
        }
        if (ev.n)
            lws_callback_on_writable(c->wsi);
    }
    rn_serve_out_clear(&ev);
}

static void handle_message(runnel_server *s, conn *c)
{
    rn_serve_out out = {0};
    if (c->rx_oversized)
        rn_serve_handle(s->rt, NULL, c->rx_total, &out); /* over the limit: only the error reply */
    else
        rn_serve_handle(s->rt, c->rx ? c->rx : "", c->rx_len, &out);
    if (out.authorized)
        c->authorized = true;
    for (size_t i = 0; i < out.n; i++) {
        conn_push(c, out.items[i]);
        out.items[i] = NULL;
    }
    rn_serve_out_clear(&out);
    c->rx_len = 0;
    c->rx_total = 0;
    c->rx_oversized = false;
    lws_callback_on_writable(c->wsi);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    runnel_server *s = lws_context_user(lws_get_context(wsi));
    conn *c = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        memset(c, 0, sizeof *c);
        c->wsi = wsi;
        c->ws = true;
        c->authorized = s->rt && !s->rt->secret; /* without a secret, every client sees the events */
        c->next = s->conns;
        s->conns = c;
        fprintf(s->log, "runnel serve: a client connected\n");
        fflush(s->log);
        break;
    case LWS_CALLBACK_CLOSED:
        if (c && c->ws)
            conn_free(s, c);
        break;
    case LWS_CALLBACK_RECEIVE: {
        if (!c || !c->ws)
            break;
        c->rx_total += len;
        if (!c->rx_oversized && c->rx_len + len > RUNNEL_SERVE_MAX_MESSAGE) {
            c->rx_oversized = true;
            free(c->rx);
            c->rx = NULL;
            c->rx_len = c->rx_cap = 0;
        }
        if (!c->rx_oversized && len) {
            if (c->rx_len + len + 1 > c->rx_cap) {
                size_t ncap = (c->rx_len + len + 1) * 2;
                if (ncap > RUNNEL_SERVE_MAX_MESSAGE + 1)
                    ncap = RUNNEL_SERVE_MAX_MESSAGE + 1;
                char *nb = realloc(c->rx, ncap);
                if (!nb)
                    return -1;
                c->rx = nb;
                c->rx_cap = ncap;
            }
            memcpy(c->rx + c->rx_len, in, len);
            c->rx_len += len;
            c->rx[c->rx_len] = '\0';
        }
        if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0)
            handle_message(s, c);
        break;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        if (!c || !c->ws || c->head == c->n)
            break;
        char *text = c->q[c->head];
        size_t tlen = strlen(text);
        unsigned char *buf = malloc(LWS_PRE + tlen);
        if (!buf)
            return -1;
        memcpy(buf + LWS_PRE, text, tlen);
        int w = lws_write(wsi, buf + LWS_PRE, tlen, LWS_WRITE_TEXT);
        free(buf);
        c->q[c->head++] = NULL;
        c->queued_bytes -= tlen;
        free(text);
        if (w < (int)tlen)
            return -1;
        if (c->head < c->n)
            lws_callback_on_writable(wsi);
        break;
    }
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (s && s->rt)
            broadcast_events(s);
        break;
    case LWS_CALLBACK_HTTP: {
        const char *uri = in;
        if (!uri || strcmp(uri, "/") != 0) {
            if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL))
                return -1;
            return lws_http_transaction_completed(wsi) ? -1 : 0;
        }
        unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
        if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, "text/html", rn_view_page_len, &p, end) ||
            lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
                                        (const unsigned char *)"nosniff", 7, &p, end) ||
            lws_finalize_write_http_header(wsi, start, &p, end))
            return 1;
        lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_HTTP_WRITEABLE: {
        unsigned char *buf = malloc(LWS_PRE + rn_view_page_len);
        if (!buf)
            return -1;
        memcpy(buf + LWS_PRE, rn_view_page, rn_view_page_len);
        int w = lws_write(wsi, buf + LWS_PRE, rn_view_page_len, LWS_WRITE_HTTP_FINAL);
        free(buf);
        if (w < 0)
            return -1;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"noflo", callback, sizeof(conn), 64 * 1024, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void wake(void *user)
{
    runnel_server *s = user;
    if (s->ctx)
        lws_cancel_service(s->ctx);
}

/* 127.0.0.0/8, ::1 and "localhost". */
static bool is_loopback(const char *host)
{
    if (strcmp(host, "localhost") == 0)
        return true;
    unsigned char a[16];
    if (inet_pton(AF_INET, host, a) == 1)
        return a[0] == 127;
    if (inet_pton(AF_INET6, host, a) == 1) {
        static const unsigned char one[16] = {[15] = 1};
        return memcmp(a, one, 16) == 0;
    }
    return false;
}

static runnel_server *fail_start(runnel_server *s, runnel_report *r, runnel_status st, const char *msg)
{
    runnel_report_clear(r);
    r->status = st;
    r->message = strdup(msg);
    runnel_serve_free(s);
    return NULL;
}

runnel_server *runnel_serve_start(const runnel_serve_options *opts, runnel_report *r)
{
    runnel_serve_options given;
    const runnel_serve_options *o = &given;
    if (!rn_options_read(&given, sizeof given, opts, RN_OPTIONS_V1(runnel_serve_options, log)))
        return fail_start(NULL, r, RUNNEL_BADARG, "runnel_serve_options: a size this library cannot read");
    const char *host = o->host && *o->host ? o->host : "127.0.0.1";
    if (!is_loopback(host) && (!o->secret || !*o->secret))
        return fail_start(NULL, r, RUNNEL_BADARG,
                          "a host that is not a loopback address needs --secret: every client must prove it knows it");
    if (o->port > 65535)
        return fail_start(NULL, r, RUNNEL_BADARG, "the port must be 1 to 65535");
    runnel_server *s = calloc(1, sizeof *s);
    if (!s)
        return fail_start(NULL, r, RUNNEL_NOMEM, "out of memory");
    s->log = o->log ? o->log : stderr;
    s->port = o->port ? o->port : 3569;
    s->host = strdup(strcmp(host, "localhost") == 0 ? "127.0.0.1" : host);
    rn_serve_config cfg = {
        .secret = o->secret && *o->secret ? o->secret : NULL,
        .component_dirs = o->component_dirs,
        .ncomponent_dirs = o->ncomponent_dirs,
        .workers = o->workers,
        .log = s->log,
        .notify = wake,
        .notify_user = s,
    };
    if (!s->host)
        return fail_start(s, r, RUNNEL_NOMEM, "out of memory");
    s->rt = rn_serve_new(&cfg, r);
    if (!s->rt) {
        runnel_serve_free(s);
        return NULL;
    }
    if (o->graph_path && rn_serve_load_main(s->rt, o->graph_path, r) != RUNNEL_OK) {
        runnel_serve_free(s);
        return NULL;
    }
    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = (int)s->port;
    info.iface = s->host;
    info.protocols = protocols;
    info.user = s;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6 * (strchr(s->host, ':') == NULL);
    s->ctx = lws_create_context(&info);
    if (!s->ctx) {
        char msg[256];
        snprintf(msg, sizeof msg, "cannot listen on %.100s port %u (in use, or not an address of this machine)",
                 s->host, s->port);
        return fail_start(s, r, RUNNEL_BADARG, msg);
    }
    return s;
}

unsigned runnel_serve_port(const runnel_server *s)
{
    return s->port;
}

runnel_status runnel_serve_run(runnel_server *s, runnel_report *r)
{
    (void)r;
    while (!s->stopping)
        if (lws_service(s->ctx, 0) < 0)
            break;
    return RUNNEL_OK;
}

void runnel_serve_stop(runnel_server *s)
{
    s->stopping = 1;
    if (s->ctx)
        lws_cancel_service(s->ctx);
}

void runnel_serve_free(runnel_server *s)
{
    if (!s)
        return;
    /* the networks first (their threads may still wake the context), then the sockets */
    rn_serve_free(s->rt);
    s->rt = NULL;
    if (s->ctx)
        lws_context_destroy(s->ctx);
    free(s->host);
    free(s);
}
