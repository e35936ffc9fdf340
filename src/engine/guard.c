/*
 * guard.c - guard pages: memory bounds for compiled code without a compare per access (engine.h,
 * runnel_guard_pages_enable; docs/compiling.md, "Bounds").
 *
 * Why: an explicit compare before each load and store costs compiled code 10-15 % on memory-bound work
 * (hash, json, coremix in bench/) and a register in every loop. A 32-bit WebAssembly address plus a
 * 32-bit offset is below 8 GiB (spec 4.4.7: the effective address is i32 + offset, both unsigned), so
 * when a memory is the start of an 8 GiB reservation of which only its current size is accessible,
 * every access compiled code makes lands either in the memory or on an inaccessible page. The fault
 * that follows is turned into the trap the compare would have given (native.c, rn_native_fault). This
 * is what V8, wasmtime and wasm2c do on 64-bit hosts.
 *
 * A library must not take the embedder's signals behind its back, so nothing here happens until the
 * embedder asks (runnel_guard_pages_enable; the runnel command does). The handler takes only faults
 * that are compiled code's accesses to the inaccessible part of its own memory; any other goes to the
 * handler that was there before, or, if that was the default, the process dies of it as it would
 * have. Memories made after enabling are reservations (PROT_NONE, MAP_NORESERVE: address space, not
 * memory); growing one makes more of it accessible in place, so its base never moves.
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE, REG_RIP */
#include "native.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
#define RN_GUARD_SUPPORTED 1
#else
#define RN_GUARD_SUPPORTED 0
#endif

static atomic_bool enabled;
static pthread_mutex_t enable_lock = PTHREAD_MUTEX_INITIALIZER;

bool runnel_guard_pages_enabled(void) { return atomic_load_explicit(&enabled, memory_order_acquire); }

/* ---------------------------------------------------------------- reservations */

/* An inaccessible reservation of RN_GUARD_RESERVE bytes of address space, or NULL. */
static uint8_t *reserve(void)
{
    void *p = mmap(NULL, RN_GUARD_RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

uint8_t *rn_guard_reserve(uint64_t size)
{
    if (!runnel_guard_pages_enabled() || size > RN_GUARD_RESERVE)
        return NULL;
    uint8_t *p = reserve();
    if (!p)
        return NULL;
    if (size && mprotect(p, size, PROT_READ | PROT_WRITE) != 0) {
        munmap(p, RN_GUARD_RESERVE);
        return NULL;
    }
    return p;
}

bool rn_guard_commit(uint8_t *base, uint64_t old, uint64_t size)
{
    /* fresh anonymous pages read as zeros, as memory.grow's new pages must (spec 4.5.3.9) */
    return size <= RN_GUARD_RESERVE && mprotect(base + old, size - old, PROT_READ | PROT_WRITE) == 0;
}

void rn_guard_release(uint8_t *base) { munmap(base, RN_GUARD_RESERVE); }

/* ---------------------------------------------------------------- the handler */

#if RN_GUARD_SUPPORTED
static struct sigaction before[2]; /* SIGSEGV's and SIGBUS's handlers before ours */

static uintptr_t pc_of(const ucontext_t *uc)
{
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#else
    return (uintptr_t)uc->uc_mcontext.pc;
#endif
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    int saved = errno;
    rn_native_fault(si->si_addr, pc_of(uc)); /* returns only when the fault is not compiled code's */
    errno = saved;
    const struct sigaction *b = &before[sig == SIGBUS];
    if (b->sa_flags & SA_SIGINFO)
        b->sa_sigaction(sig, si, uc);
    else if (b->sa_handler == SIG_IGN || b->sa_handler == SIG_DFL)
        sigaction(sig, b, NULL); /* the faulting instruction runs again, under the old disposition */
    else
        b->sa_handler(sig);
}

void rn_guard_unblock(void)
{
    /* the trap leaves the handler by longjmp: the signal must not stay blocked (SA_NODEFER keeps the
       kernel from blocking it, but a sanitizer's wrapper may) */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGSEGV);
    sigaddset(&set, SIGBUS);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static runnel_status install(runnel_report *r)
{
    /* the address space must be there to be reserved (ulimit -v) */
    uint8_t *p = reserve();
    if (!p)
        return rn_fail(r, RUNNEL_TOOL, 0, "guard pages: cannot reserve 8 GiB of address space: %s", strerror(errno));
    rn_guard_release(p);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &before[0]) != 0)
        return rn_fail(r, RUNNEL_TOOL, 0, "guard pages: cannot handle SIGSEGV: %s", strerror(errno));
    if (sigaction(SIGBUS, &sa, &before[1]) != 0) {
        sigaction(SIGSEGV, &before[0], NULL);
        return rn_fail(r, RUNNEL_TOOL, 0, "guard pages: cannot handle SIGBUS: %s", strerror(errno));
    }
    /* a sanitizer may accept the call and keep its own handler: then nothing would catch the faults */
    struct sigaction now[2];
    sigaction(SIGSEGV, NULL, &now[0]);
    sigaction(SIGBUS, NULL, &now[1]);
    if (now[0].sa_sigaction != on_fault || now[1].sa_sigaction != on_fault) {
        sigaction(SIGSEGV, &before[0], NULL);
        sigaction(SIGBUS, &before[1], NULL);
        return rn_fail(r, RUNNEL_TOOL, 0, "guard pages: another handler keeps SIGSEGV to itself");
    }
    return RUNNEL_OK;
}
#else
void rn_guard_unblock(void) {}

static runnel_status install(runnel_report *r)
{
    return rn_fail(r, RUNNEL_TOOL, 0, "guard pages: not supported on this system (64-bit Linux only)");
}
#endif

runnel_status runnel_guard_pages_enable(runnel_report *r)
{
    pthread_mutex_lock(&enable_lock);
    runnel_status st = runnel_guard_pages_enabled() ? RUNNEL_OK : install(r);
    if (st == RUNNEL_OK)
        atomic_store_explicit(&enabled, true, memory_order_release);
    pthread_mutex_unlock(&enable_lock);
    return st;
}
