/* clock.c - clocks and sleeping: realtime is after 2020, monotonic advances, nanosleep (wasi-libc
   sleeps through poll_oneoff) sleeps at least as long as asked, and raw poll_oneoff reports only the
   subscriptions that are ready. Prints "LABEL VALUE" lines. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wasi/api.h>

static uint64_t now(__wasi_clockid_t id)
{
    __wasi_timestamp_t t = 0;
    if (__wasi_clock_time_get(id, 1, &t) != 0)
        return 0;
    return t;
}

int main(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    printf("realtime_after_2020 %d\n", ts.tv_sec > 1577836800);
    __wasi_timestamp_t res = 0;
    printf("res_monotonic %d %d\n", __wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &res), res > 0);
    printf("res_bad %d\n", __wasi_clock_res_get(99, &res));
    printf("time_bad %d\n", __wasi_clock_time_get(99, 1, &res));
    printf("cputime %d\n", now(__WASI_CLOCKID_PROCESS_CPUTIME_ID) > 0);

    uint64_t t0 = now(__WASI_CLOCKID_MONOTONIC);
    struct timespec half = {0, 50 * 1000 * 1000};
    nanosleep(&half, NULL);
    uint64_t slept = now(__WASI_CLOCKID_MONOTONIC) - t0;
    printf("nanosleep_50ms %d\n", slept >= 50000000u && slept < 2000000000u);

    /* two relative clocks: 20 ms and 10 s; only the first fires */
    __wasi_subscription_t sub[3];
    __wasi_event_t ev[3];
    __wasi_size_t n = 0;
    memset(sub, 0, sizeof sub);
    sub[0].userdata = 11;
    sub[0].u.tag = __WASI_EVENTTYPE_CLOCK;
    sub[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    sub[0].u.u.clock.timeout = 20 * 1000 * 1000;
    sub[1] = sub[0];
    sub[1].userdata = 22;
    sub[1].u.u.clock.timeout = 10ull * 1000 * 1000 * 1000;
    t0 = now(__WASI_CLOCKID_MONOTONIC);
    int e = __wasi_poll_oneoff(sub, ev, 2, &n);
    uint64_t waited = now(__WASI_CLOCKID_MONOTONIC) - t0;
    printf("poll_two %d n=%lu first=%llu type=%d err=%d waited_ok=%d\n", e, n, (unsigned long long)ev[0].userdata,
           ev[0].type, ev[0].error, waited >= 20000000u && waited < 5000000000u);

    /* an absolute deadline in the past fires at once */
    sub[0].userdata = 33;
    sub[0].u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
    sub[0].u.u.clock.timeout = 1;
    t0 = now(__WASI_CLOCKID_MONOTONIC);
    e = __wasi_poll_oneoff(sub, ev, 2, &n);
    printf("poll_abs_past %d n=%lu ud=%llu fast=%d\n", e, n, (unsigned long long)ev[0].userdata,
           now(__WASI_CLOCKID_MONOTONIC) - t0 < 1000000000u);

    /* a bad clock id and a closed descriptor: events with the error set, at once */
    memset(sub, 0, sizeof sub);
    sub[0].userdata = 1;
    sub[0].u.tag = __WASI_EVENTTYPE_CLOCK;
    sub[0].u.u.clock.id = 77;
    sub[1].userdata = 2;
    sub[1].u.tag = __WASI_EVENTTYPE_FD_READ;
    sub[1].u.u.fd_read.file_descriptor = 500;
    sub[2].userdata = 3;
    sub[2].u.tag = __WASI_EVENTTYPE_FD_WRITE;
    sub[2].u.u.fd_write.file_descriptor = 1;
    e = __wasi_poll_oneoff(sub, ev, 3, &n);
    printf("poll_errors %d n=%lu e1=%d e2=%d e3=%d t3=%d\n", e, n, ev[0].error, ev[1].error, ev[2].error, ev[2].type);
    printf("poll_zero %d\n", __wasi_poll_oneoff(sub, ev, 0, &n));

    /* stdin as an fd_read subscription next to a long clock: stdin (bytes) is ready at once */
    memset(sub, 0, sizeof sub);
    sub[0].userdata = 5;
    sub[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    sub[0].u.u.fd_read.file_descriptor = 0;
    sub[1].userdata = 6;
    sub[1].u.tag = __WASI_EVENTTYPE_CLOCK;
    sub[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    sub[1].u.u.clock.timeout = 10ull * 1000 * 1000 * 1000;
    e = __wasi_poll_oneoff(sub, ev, 2, &n);
    printf("poll_stdin %d n=%lu ud=%llu nbytes=%llu\n", e, n, (unsigned long long)ev[0].userdata,
           (unsigned long long)ev[0].fd_readwrite.nbytes);
    return 0;
}
