/*
 * wasi_poll.c - poll_oneoff: wait for clocks and descriptors.
 *
 * Language runtimes sleep with it (Rust's thread::sleep, Go's scheduler, wasi-libc's nanosleep and
 * poll) using clock subscriptions, and wait for input with fd_read subscriptions on stdin. The spec
 * (witx poll_oneoff) asks: report every subscription that is ready, waiting only while none is.
 *
 * Layouts (witx offsets; sizes/alignments in parentheses):
 *   subscription (48/8): userdata u64 @0, tag u8 @8 (eventtype), then the union member at @16:
 *       clock:               id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40
 *       fd_read / fd_write:  file_descriptor u32 @16
 *   event (32/8): userdata u64 @0, error u16 @8, type u8 @10, fd_readwrite.nbytes u64 @16,
 *       fd_readwrite.flags u16 @24 (eventrwflags: hangup)
 *
 * Subscriptions are read from guest memory twice, once to decide how long to wait and once, after
 * waiting, to write the events, rather than copied: their number is bounded only by the guest's
 * memory, and the host keeps nothing per subscription. Per call the host keeps one pollfd per guest
 * descriptor (the table is at most RN_WASI_MAX_FDS long) and the start time of each clock.
 *
 * What is ready at once: virtual streams (stdin from bytes or null, captured or discarded output),
 * regular files (as in POSIX), and errors (a closed descriptor, a missing right, an unknown clock,
 * withdrawn clocks), which the spec reports as events with the error set. What needs the host: an
 * inherited stdin/stdout/stderr and non-regular files, polled with ppoll(2). Clock timeouts are
 * measured from the call's start; any clock's timeout also ends once that much time has passed on the
 * monotonic clock, so a CPU-time clock the guest cannot advance while sleeping still wakes it.
 */
#define _GNU_SOURCE /* ppoll */
#include "wasi_impl.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct poll_state {
    runnel_wasi *w;
    struct pollfd *pfd;   /* indexed by guest descriptor; fd -1 = not polled */
    uint64_t start[4];    /* each clock at the start of the call, read when first needed */
    bool have_start[4];
    uint64_t mono_start;
    bool polled;          /* pfd[].revents are the result of a poll */
} poll_state;

typedef struct rn_wevent {
    uint16_t error;
    uint8_t type;
    uint16_t flags;
    uint64_t nbytes;
} rn_wevent;

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* A clock subscription: 1 if it has fired, else 0 with *remaining the nanoseconds still to wait. */
static int clock_sub(poll_state *ps, const uint8_t *s, rn_wevent *e, uint64_t *remaining)
{
    uint32_t id = rn_ld32(s + 16);
    uint64_t timeout = rn_ld64(s + 24);
    uint16_t flags = rn_ld16(s + 40);
    int hc;
    if (!ps->w->clocks) {
        e->error = RN_WE_NOTCAPABLE;
        return 1;
    }
    if (rn_wasi_host_clock(id, &hc)) {
        e->error = RN_WE_INVAL;
        return 1;
    }
    if (!ps->have_start[id]) {
        ps->start[id] = rn_wasi_now(hc);
        ps->have_start[id] = true;
    }
    uint64_t deadline = flags & RN_WSUB_ABSTIME ? timeout : sat_add(ps->start[id], timeout);
    uint64_t now = rn_wasi_now(hc);
    if (now >= deadline)
        return 1;
    /* the same span on the monotonic clock, from the call's start */
    uint64_t span = deadline > ps->start[id] ? deadline - ps->start[id] : 0;
    uint64_t mono_elapsed = rn_wasi_now(CLOCK_MONOTONIC) - ps->mono_start;
    if (mono_elapsed >= span)
        return 1;
    uint64_t left = deadline - now;
    *remaining = left < span - mono_elapsed ? left : span - mono_elapsed;
    return 0;
}

/* A descriptor subscription: 1 if ready (or in error), else 0 after registering it for ppoll. */
static int fd_sub(poll_state *ps, const uint8_t *s, rn_wevent *e)
{
    runnel_wasi *w = ps->w;
    bool rd = e->type == RN_WEV_FD_READ;
    uint32_t fd = rn_ld32(s + 16);
    rn_wfd *f = rn_wfd_get(w, fd);
    if (!f) {
        e->error = RN_WE_BADF;
        return 1;
    }
    if (!(f->rights & (rd ? RN_WR_FD_READ : RN_WR_FD_WRITE))) {
        e->error = RN_WE_NOTCAPABLE;
        return 1;
    }
    int host = f->host;
    if (f->kind == RN_FD_STREAM) {
        if (rd && w->in_data) {
            e->nbytes = w->in_len - w->in_pos;
            e->flags = e->nbytes ? 0 : RN_WEV_HANGUP;
            return 1;
        }
        if (w->mode[f->stream] != RUNNEL_WASI_STDIO_INHERIT) {
            e->flags = rd ? RN_WEV_HANGUP : 0; /* null stdin is at its end; output always takes bytes */
            return 1;
        }
        host = f->stream; /* the host's own 0, 1 or 2 */
    } else if (f->kind == RN_FD_DIR) {
        e->error = RN_WE_BADF;
        return 1;
    } else if (f->filetype == RN_WFT_REGULAR_FILE) { /* always ready; nbytes: what is left to read */
        struct stat st;
        off_t pos = lseek(f->host, 0, SEEK_CUR);
        if (rd && pos >= 0 && fstat(f->host, &st) == 0 && st.st_size > pos)
            e->nbytes = (uint64_t)(st.st_size - pos);
        return 1;
    }
    struct pollfd *p = &ps->pfd[fd];
    p->fd = host;
    p->events |= rd ? POLLIN : POLLOUT;
    if (!ps->polled)
        return 0;
    short r = p->revents;
    if (r & POLLNVAL) {
        e->error = RN_WE_BADF;
        return 1;
    }
    if (!(r & (POLLHUP | POLLERR | (rd ? POLLIN : POLLOUT))))
        return 0;
    if (r & POLLHUP)
        e->flags = RN_WEV_HANGUP;
    int avail;
    if (rd && ioctl(host, FIONREAD, &avail) == 0 && avail > 0)
        e->nbytes = (uint64_t)avail;
    return 1;
}

static int examine(poll_state *ps, const uint8_t *s, rn_wevent *e, uint64_t *remaining)
{
    memset(e, 0, sizeof *e);
    e->type = s[8];
    switch (e->type) {
    case RN_WEV_CLOCK: return clock_sub(ps, s, e, remaining);
    case RN_WEV_FD_READ:
    case RN_WEV_FD_WRITE: return fd_sub(ps, s, e);
    }
    e->error = RN_WE_INVAL; /* an unknown event type */
    return 1;
}

static struct timespec ts_of(uint64_t ns)
{
    return (struct timespec){.tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u)};
}

/* poll_oneoff(in subscription*, out event*, nsubscriptions, retptr size*) */
uint16_t rn_wasi_poll_oneoff(rn_wcall *c)
{
    uint32_t in = c->a[0].i32, out = c->a[1].i32, n = c->a[2].i32, ret = c->a[3].i32;
    if (n == 0)
        return RN_WE_INVAL;
    if (!rn_w_ok(c, in, (uint64_t)n * 48) || !rn_w_ok(c, out, (uint64_t)n * 32) || !rn_w_ok(c, ret, 4))
        return RN_WE_FAULT;
    poll_state ps = {.w = c->w, .mono_start = rn_wasi_now(CLOCK_MONOTONIC)};
    uint32_t nfds = c->w->nfds;
    if (!(ps.pfd = malloc((nfds ? nfds : 1) * sizeof *ps.pfd)))
        return RN_WE_NOMEM;
    for (uint32_t i = 0; i < nfds; i++)
        ps.pfd[i] = (struct pollfd){.fd = -1};

    uint16_t err = 0;
    for (;;) {
        bool ready = false, pollable = false;
        uint64_t wait = UINT64_MAX;
        rn_wevent e;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t rem = UINT64_MAX;
            if (examine(&ps, c->mem + in + (uint64_t)i * 48, &e, &rem))
                ready = true;
            else if (e.type == RN_WEV_CLOCK && rem < wait)
                wait = rem;
            else if (e.type != RN_WEV_CLOCK)
                pollable = true;
        }
        if (pollable) {
            struct timespec t = ts_of(ready ? 0 : wait);
            int k = ppoll(ps.pfd, nfds, ready || wait != UINT64_MAX ? &t : NULL, NULL);
            if (k < 0 && errno != EINTR) {
                err = rn_wasi_errno(errno);
                break;
            }
            ps.polled = k >= 0;
        } else if (!ready) {
            /* Only clocks: sleep for the shortest, but in slices of at most 5 ms when the embedder may
               stop the call (an interrupt or a timeout), so that a sleeping guest stops promptly. */
            uint64_t slice = c->caller ? 5000000u : 86400000000000ull;
            struct timespec t = ts_of(wait < slice ? wait : slice);
            clock_nanosleep(CLOCK_MONOTONIC, 0, &t, NULL);
            if (c->caller && runnel_caller_interrupted(c->caller)) {
                err = RN_WE_INTR; /* the engine suspends the call as soon as this returns */
                break;
            }
        }
        uint32_t count = 0;
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *s = c->mem + in + (uint64_t)i * 48;
            uint64_t rem;
            if (!examine(&ps, s, &e, &rem))
                continue;
            uint8_t *o = c->mem + out + (uint64_t)count * 32;
            uint64_t userdata = rn_ld64(s); /* read before writing: the arrays may overlap */
            memset(o, 0, 32);
            rn_st64(o, userdata);
            rn_st16(o + 8, e.error);
            o[10] = e.type;
            if (e.type != RN_WEV_CLOCK) {
                rn_st64(o + 16, e.nbytes);
                rn_st16(o + 24, e.flags);
            }
            count++;
        }
        if (count) {
            rn_st32(c->mem + ret, count);
            break;
        }
        /* Woken early (a signal) or a descriptor not yet ready: wait again. */
        for (uint32_t i = 0; i < nfds; i++)
            ps.pfd[i].revents = 0;
        ps.polled = false;
    }
    free(ps.pfd);
    return err;
}
