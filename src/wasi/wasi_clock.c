/*
 * wasi_clock.c - clock_res_get, clock_time_get and random_get.
 *
 * The four preview-1 clocks (witx `clockid`: realtime 0, monotonic 1, process_cputime_id 2,
 * thread_cputime_id 3) map onto the POSIX clocks of the same names; any other id is EINVAL, as the
 * spec asks of unsupported clocks. Time is a u64 of nanoseconds. Both families are capabilities the
 * embedder may withdraw (runnel_wasi_allow_clocks / _random): a withdrawn one answers ENOTCAPABLE, so
 * a deterministic host can refuse the guest every source of nondeterminism.
 *
 * random_get fills the guest's buffer from getrandom(2), the kernel's CSPRNG, as the spec requires
 * ("cryptographically secure"); a large request is served in the kernel's chunks.
 */
#include "wasi_impl.h"

#include <errno.h>
#include <sys/random.h>
#include <time.h>

int rn_wasi_host_clock(uint32_t id, int *host)
{
    switch (id) {
    case RN_WCLOCK_REALTIME: *host = CLOCK_REALTIME; return 0;
    case RN_WCLOCK_MONOTONIC: *host = CLOCK_MONOTONIC; return 0;
    case RN_WCLOCK_PROCESS_CPUTIME: *host = CLOCK_PROCESS_CPUTIME_ID; return 0;
    case RN_WCLOCK_THREAD_CPUTIME: *host = CLOCK_THREAD_CPUTIME_ID; return 0;
    }
    return RN_WE_INVAL;
}

uint64_t rn_wasi_ns(struct timespec t)
{
    return t.tv_sec < 0 ? 0 : (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

uint64_t rn_wasi_now(int host_clock)
{
    struct timespec t;
    return clock_gettime((clockid_t)host_clock, &t) == 0 ? rn_wasi_ns(t) : 0;
}

/* clock_res_get(id, retptr u64*) */
uint16_t rn_wasi_clock_res_get(rn_wcall *c)
{
    int h;
    struct timespec t;
    if (!c->w->clocks)
        return RN_WE_NOTCAPABLE;
    if (rn_wasi_host_clock(c->a[0].i32, &h))
        return RN_WE_INVAL;
    if (!rn_w_ok(c, c->a[1].i32, 8))
        return RN_WE_FAULT;
    if (clock_getres((clockid_t)h, &t) < 0)
        return rn_wasi_errno(errno);
    uint64_t r = rn_wasi_ns(t);
    rn_st64(c->mem + c->a[1].i32, r ? r : 1); /* the spec wants a non-zero resolution */
    return 0;
}

/* clock_time_get(id, precision u64, retptr u64*): the precision is a hint we need not use. */
uint16_t rn_wasi_clock_time_get(rn_wcall *c)
{
    int h;
    struct timespec t;
    if (!c->w->clocks)
        return RN_WE_NOTCAPABLE;
    if (rn_wasi_host_clock(c->a[0].i32, &h))
        return RN_WE_INVAL;
    if (!rn_w_ok(c, c->a[2].i32, 8))
        return RN_WE_FAULT;
    if (clock_gettime((clockid_t)h, &t) < 0)
        return rn_wasi_errno(errno);
    rn_st64(c->mem + c->a[2].i32, rn_wasi_ns(t));
    return 0;
}

/* random_get(buf, buf_len) */
uint16_t rn_wasi_random_get(rn_wcall *c)
{
    uint32_t p = c->a[0].i32, len = c->a[1].i32;
    if (!c->w->random)
        return RN_WE_NOTCAPABLE;
    if (!rn_w_ok(c, p, len))
        return RN_WE_FAULT;
    uint32_t done = 0;
    while (done < len) {
        ssize_t k = getrandom(c->mem + p + done, len - done, 0);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return rn_wasi_errno(errno);
        }
        done += (uint32_t)k;
    }
    return 0;
}
