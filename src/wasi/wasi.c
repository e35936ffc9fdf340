/*
 * wasi.c - the WASI context, its configuration, and the binding of the 46 functions to the engine.
 *
 * One table (RN_WASI_FUNCS in wasi_impl.h) lists every function of wasi_snapshot_preview1 with its
 * core WebAssembly signature, as the witx "lowering" of the preview-1 ABI gives it: pointers, sizes
 * and u8/u16/u32 values are i32, u64 values (timestamps, rights, file sizes and offsets) are i64, and
 * every function but proc_exit returns its errno as an i32. runnel_wasi_define() puts all of them in
 * a linker, so a module built by any toolchain finds every import it may name, granted or not: a
 * missing import would fail at link time, where the spec wants an errno at run time.
 *
 * All host calls go through one entry, host_entry(), whose user data names the context and the
 * function: it takes the caller's memory 0 once and hands the function a plain view of it (rn_wcall),
 * so the functions never see the engine and tests can drive them with a buffer (rn_wasi_invoke).
 * proc_exit is the only function that does not return an errno: it ends the run through
 * runnel_caller_exit(), which the embedder sees as RUNNEL_EXIT with the code, never as a trap.
 */
#include "wasi_impl.h"

#include "module.h" /* rn_fail */

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- the function table */

static const rn_wfunc funcs[RN_WASI_NFUNCS] = {
#define RN_WASI_ENTRY(name, p, r) {#name, p, r, rn_wasi_##name},
    RN_WASI_FUNCS(RN_WASI_ENTRY)
#undef RN_WASI_ENTRY
};

size_t runnel_wasi_function_count(void)
{
    return RN_WASI_NFUNCS;
}

void runnel_wasi_function(size_t i, const char **name, const char **params, const char **results)
{
    const rn_wfunc *f = i < RN_WASI_NFUNCS ? &funcs[i] : NULL;
    if (name)
        *name = f ? f->name : NULL;
    if (params)
        *params = f ? f->params : NULL;
    if (results)
        *results = f ? f->results : NULL;
}

static void call_init(rn_wcall *c, runnel_wasi *w, uint8_t *mem, size_t memsize, const runnel_slot *args)
{
    memset(c, 0, sizeof *c);
    c->w = w;
    c->a = args;
    c->mem = mem ? mem : c->nomem;
    c->memsize = mem ? memsize : 0;
}

static runnel_status host_entry(runnel_caller *caller, const runnel_slot *args, runnel_slot *results, void *user)
{
    const rn_wbind *b = user;
    runnel_memory *m = runnel_caller_memory(caller);
    rn_wcall c;
    call_init(&c, b->w, m ? runnel_memory_data(m) : NULL, m ? runnel_memory_size(m) : 0, args);
    c.caller = caller;
    uint16_t err = b->f->fn(&c);
    if (c.exited)
        return runnel_caller_exit(caller, c.exit_code);
    results[0].i32 = err;
    return RUNNEL_OK;
}

int rn_wasi_invoke(runnel_wasi *w, const char *name, uint8_t *mem, size_t memsize, const runnel_slot *args,
                   bool *exited, int *code)
{
    for (size_t i = 0; i < RN_WASI_NFUNCS; i++) {
        if (strcmp(funcs[i].name, name) != 0)
            continue;
        rn_wcall c;
        call_init(&c, w, mem, memsize, args);
        uint16_t err = funcs[i].fn(&c);
        if (exited)
            *exited = c.exited;
        if (code)
            *code = c.exit_code;
        return err;
    }
    return -1;
}

runnel_status runnel_wasi_define(runnel_wasi *w, runnel_linker *l)
{
    if (!w || !l)
        return RUNNEL_BADARG;
    for (size_t i = 0; i < RN_WASI_NFUNCS; i++) {
        runnel_status st = runnel_linker_define_func(l, RUNNEL_WASI_MODULE, funcs[i].name, funcs[i].params,
                                                     funcs[i].results, host_entry, &w->bind[i], NULL);
        if (st != RUNNEL_OK)
            return st;
    }
    return RUNNEL_OK;
}

runnel_status runnel_wasi_run(runnel_wasi *w, runnel_store *s, const runnel_module *m, int *exit_code,
                              runnel_report *r)
{
    runnel_report local = {0};
    runnel_report *rr = r ? r : &local;
    if (exit_code)
        *exit_code = 0;
    if (!w || !s || !m)
        return rn_fail(r, RUNNEL_BADARG, 0, "runnel_wasi_run: NULL context, store or module");
    runnel_linker *l = runnel_linker_new();
    if (!l)
        return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    runnel_status st = runnel_wasi_define(w, l);
    runnel_instance *inst = NULL;
    if (st != RUNNEL_OK) {
        rn_fail(rr, st, 0, "cannot define the WASI functions");
    } else if (!(inst = runnel_instantiate(s, m, l, rr))) {
        st = rr->status; /* RUNNEL_EXIT if the start function called proc_exit */
    } else {
        runnel_func *f = runnel_instance_func(inst, "_start");
        if (!f)
            st = rn_fail(rr, RUNNEL_BADARG, 0, "the module exports no _start function: it is not a WASI command");
        else if (runnel_func_param_count(f) || runnel_func_result_count(f))
            st = rn_fail(rr, RUNNEL_BADARG, 0, "_start must take and return nothing");
        else
            st = runnel_call(f, NULL, 0, NULL, 0, rr);
    }
    if (st == RUNNEL_EXIT) {
        if (exit_code)
            *exit_code = rr->exit_code;
        runnel_report_clear(rr);
        st = RUNNEL_OK;
    }
    runnel_linker_free(l);
    runnel_report_clear(&local);
    return st;
}

/* ---------------------------------------------------------------- the context */

runnel_wasi *runnel_wasi_new(void)
{
    runnel_wasi *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->clocks = w->random = true;
    w->out_limit = RN_WASI_DEFAULT_OUTPUT_LIMIT;
    for (size_t i = 0; i < RN_WASI_NFUNCS; i++)
        w->bind[i] = (rn_wbind){w, &funcs[i]};
    if (!rn_wfd_init_stdio(w)) {
        free(w);
        return NULL;
    }
    return w;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void runnel_wasi_free(runnel_wasi *w)
{
    if (!w)
        return;
    for (uint32_t i = 0; i < w->nfds; i++)
        rn_wfd_release(&w->fds[i]);
    free(w->fds);
    free_strings(w->args, w->nargs);
    free_strings(w->env, w->nenv);
    free(w->in_data);
    free(w->out[0].data);
    free(w->out[1].data);
    free(w);
}

/* The guest sees sizes as u32: the strings with their NULs, and the pointer array, must fit. */
static bool fits_guest(char **v, size_t n, size_t extra)
{
    uint64_t total = extra;
    for (size_t i = 0; i < n; i++)
        total += strlen(v[i]) + 1;
    return n <= UINT32_MAX / 4 && total <= UINT32_MAX;
}

runnel_status runnel_wasi_set_args(runnel_wasi *w, size_t argc, const char *const *argv)
{
    if (!w || (argc && !argv))
        return RUNNEL_BADARG;
    char **v = calloc(argc + 1, sizeof *v);
    if (!v)
        return RUNNEL_NOMEM;
    for (size_t i = 0; i < argc; i++) {
        if (!argv[i] || !(v[i] = strdup(argv[i]))) {
            free_strings(v, i);
            return argv[i] ? RUNNEL_NOMEM : RUNNEL_BADARG;
        }
    }
    if (!fits_guest(v, argc, 0)) {
        free_strings(v, argc);
        return RUNNEL_BADARG;
    }
    free_strings(w->args, w->nargs);
    w->args = v;
    w->nargs = argc;
    return RUNNEL_OK;
}

runnel_status runnel_wasi_set_env(runnel_wasi *w, const char *key, const char *value)
{
    if (!w || !key || !*key || strchr(key, '=') || !value)
        return RUNNEL_BADARG;
    size_t kl = strlen(key), vl = strlen(value);
    char *kv = malloc(kl + vl + 2);
    if (!kv)
        return RUNNEL_NOMEM;
    memcpy(kv, key, kl);
    kv[kl] = '=';
    memcpy(kv + kl + 1, value, vl + 1);
    for (size_t i = 0; i < w->nenv; i++) {
        if (strncmp(w->env[i], key, kl) == 0 && w->env[i][kl] == '=') {
            free(w->env[i]);
            w->env[i] = kv;
            return RUNNEL_OK;
        }
    }
    char **v = realloc(w->env, (w->nenv + 1) * sizeof *v);
    if (!v) {
        free(kv);
        return RUNNEL_NOMEM;
    }
    w->env = v;
    w->env[w->nenv++] = kv;
    if (!fits_guest(w->env, w->nenv, 0)) {
        free(w->env[--w->nenv]);
        return RUNNEL_BADARG;
    }
    return RUNNEL_OK;
}

runnel_status runnel_wasi_set_stdin(runnel_wasi *w, runnel_wasi_stdio mode)
{
    if (!w || (mode != RUNNEL_WASI_STDIO_NULL && mode != RUNNEL_WASI_STDIO_INHERIT))
        return RUNNEL_BADARG;
    free(w->in_data);
    w->in_data = NULL;
    w->in_len = w->in_pos = 0;
    w->mode[RN_STREAM_IN] = (uint8_t)mode;
    return RUNNEL_OK;
}

runnel_status runnel_wasi_set_stdin_bytes(runnel_wasi *w, const void *data, size_t len)
{
    if (!w || (len && !data))
        return RUNNEL_BADARG;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return RUNNEL_NOMEM;
    if (len)
        memcpy(copy, data, len);
    free(w->in_data);
    w->in_data = copy;
    w->in_len = len;
    w->in_pos = 0;
    w->mode[RN_STREAM_IN] = RUNNEL_WASI_STDIO_NULL; /* reads come from in_data while it is set */
    return RUNNEL_OK;
}

static runnel_status set_out(runnel_wasi *w, int stream, runnel_wasi_stdio mode)
{
    if (!w || (unsigned)mode > RUNNEL_WASI_STDIO_CAPTURE)
        return RUNNEL_BADARG;
    w->mode[stream] = (uint8_t)mode;
    return RUNNEL_OK;
}

runnel_status runnel_wasi_set_stdout(runnel_wasi *w, runnel_wasi_stdio mode)
{
    return set_out(w, RN_STREAM_OUT, mode);
}

runnel_status runnel_wasi_set_stderr(runnel_wasi *w, runnel_wasi_stdio mode)
{
    return set_out(w, RN_STREAM_ERR, mode);
}

static const uint8_t *captured(const runnel_wasi *w, int which, size_t *len)
{
    static const uint8_t empty[1] = {0}; /* read-only: not mutable global state */
    const rn_wbuf *b = w ? &w->out[which] : NULL;
    if (len)
        *len = b ? b->len : 0;
    return b && b->data ? b->data : empty;
}

const uint8_t *runnel_wasi_stdout(const runnel_wasi *w, size_t *len)
{
    return captured(w, 0, len);
}

const uint8_t *runnel_wasi_stderr(const runnel_wasi *w, size_t *len)
{
    return captured(w, 1, len);
}

void runnel_wasi_clear_output(runnel_wasi *w)
{
    if (w)
        w->out[0].len = w->out[1].len = 0;
}

void runnel_wasi_set_output_limit(runnel_wasi *w, size_t bytes)
{
    if (w)
        w->out_limit = bytes;
}

void runnel_wasi_allow_clocks(runnel_wasi *w, bool allow)
{
    if (w)
        w->clocks = allow;
}

void runnel_wasi_allow_random(runnel_wasi *w, bool allow)
{
    if (w)
        w->random = allow;
}

/* ---------------------------------------------------------------- guest memory helpers */

uint16_t rn_w_put32(rn_wcall *c, uint32_t ptr, uint32_t v)
{
    if (!rn_w_ok(c, ptr, 4))
        return RN_WE_FAULT;
    rn_st32(c->mem + ptr, v);
    return 0;
}

uint16_t rn_w_put64(rn_wcall *c, uint32_t ptr, uint64_t v)
{
    if (!rn_w_ok(c, ptr, 8))
        return RN_WE_FAULT;
    rn_st64(c->mem + ptr, v);
    return 0;
}

uint16_t rn_w_iovecs(rn_wcall *c, uint32_t iovs, uint32_t n, struct iovec *out, int *nout)
{
    *nout = 0;
    if (!rn_w_ok(c, iovs, (uint64_t)n * 8))
        return RN_WE_FAULT;
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = c->mem + iovs + (uint64_t)i * 8;
        uint32_t buf = rn_ld32(e), len = rn_ld32(e + 4);
        if (!rn_w_ok(c, buf, len))
            return RN_WE_FAULT;
        /* Past the caps the buffers are still checked (a bad one is EFAULT wherever it is) but not used. */
        if (*nout == (int)RN_WASI_IOV_MAX || total >= INT32_MAX || len == 0)
            continue;
        if (len > INT32_MAX - total)
            len = (uint32_t)(INT32_MAX - total);
        out[*nout].iov_base = c->mem + buf;
        out[*nout].iov_len = len;
        (*nout)++;
        total += len;
    }
    return 0;
}

/* ---------------------------------------------------------------- args and environ */

/* args_sizes_get / environ_sizes_get (argc: u32 @ p0, buffer size: u32 @ p1) */
static uint16_t sizes_get(rn_wcall *c, char **v, size_t n)
{
    uint32_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += (uint32_t)strlen(v[i]) + 1; /* fits: checked when the strings were set */
    uint32_t pc = c->a[0].i32, pb = c->a[1].i32;
    if (!rn_w_ok(c, pc, 4) || !rn_w_ok(c, pb, 4))
        return RN_WE_FAULT;
    rn_st32(c->mem + pc, (uint32_t)n);
    rn_st32(c->mem + pb, total);
    return 0;
}

/* args_get / environ_get: n pointers (u32 each) at p0 into the NUL-terminated strings copied to p1. */
static uint16_t strings_get(rn_wcall *c, char **v, size_t n)
{
    uint32_t pv = c->a[0].i32, pb = c->a[1].i32;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += strlen(v[i]) + 1;
    if (!rn_w_ok(c, pv, (uint64_t)n * 4) || !rn_w_ok(c, pb, total))
        return RN_WE_FAULT;
    uint32_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        rn_st32(c->mem + pv + i * 4, pb + off);
        memcpy(c->mem + pb + off, v[i], len);
        off += (uint32_t)len;
    }
    return 0;
}

uint16_t rn_wasi_args_sizes_get(rn_wcall *c)
{
    return sizes_get(c, c->w->args, c->w->nargs);
}

uint16_t rn_wasi_args_get(rn_wcall *c)
{
    return strings_get(c, c->w->args, c->w->nargs);
}

uint16_t rn_wasi_environ_sizes_get(rn_wcall *c)
{
    return sizes_get(c, c->w->env, c->w->nenv);
}

uint16_t rn_wasi_environ_get(rn_wcall *c)
{
    return strings_get(c, c->w->env, c->w->nenv);
}

/* ---------------------------------------------------------------- proc_* and sched_yield */

uint16_t rn_wasi_proc_exit(rn_wcall *c)
{
    c->exited = true;
    c->exit_code = (int)c->a[0].i32; /* an exitcode is a u32; 0xffffffff arrives as -1 */
    return 0;
}

/* Deprecated in the spec and never granted: signals would reach the host process. */
uint16_t rn_wasi_proc_raise(rn_wcall *c)
{
    (void)c;
    return RN_WE_NOSYS;
}

uint16_t rn_wasi_sched_yield(rn_wcall *c)
{
    (void)c;
    sched_yield();
    return 0;
}

/* ---------------------------------------------------------------- host facts to WASI */

uint8_t rn_wasi_filetype(unsigned mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return RN_WFT_REGULAR_FILE;
    case S_IFDIR: return RN_WFT_DIRECTORY;
    case S_IFCHR: return RN_WFT_CHARACTER_DEVICE;
    case S_IFBLK: return RN_WFT_BLOCK_DEVICE;
    case S_IFLNK: return RN_WFT_SYMBOLIC_LINK;
    case S_IFSOCK: return RN_WFT_SOCKET_STREAM;
    }
    return RN_WFT_UNKNOWN; /* FIFOs have no filetype of their own in preview 1 */
}

uint16_t rn_wasi_errno(int e)
{
    switch (e) {
    case 0: return RN_WE_SUCCESS;
    case E2BIG: return RN_WE_2BIG;
    case EACCES: return RN_WE_ACCES;
    case EADDRINUSE: return RN_WE_ADDRINUSE;
    case EADDRNOTAVAIL: return RN_WE_ADDRNOTAVAIL;
    case EAFNOSUPPORT: return RN_WE_AFNOSUPPORT;
    case EAGAIN: return RN_WE_AGAIN;
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK: return RN_WE_AGAIN;
#endif
    case EALREADY: return RN_WE_ALREADY;
    case EBADF: return RN_WE_BADF;
    case EBADMSG: return RN_WE_BADMSG;
    case EBUSY: return RN_WE_BUSY;
    case ECANCELED: return RN_WE_CANCELED;
    case ECHILD: return RN_WE_CHILD;
    case ECONNABORTED: return RN_WE_CONNABORTED;
    case ECONNREFUSED: return RN_WE_CONNREFUSED;
    case ECONNRESET: return RN_WE_CONNRESET;
    case EDEADLK: return RN_WE_DEADLK;
    case EDESTADDRREQ: return RN_WE_DESTADDRREQ;
    case EDOM: return RN_WE_DOM;
    case EDQUOT: return RN_WE_DQUOT;
    case EEXIST: return RN_WE_EXIST;
    case EFAULT: return RN_WE_FAULT;
    case EFBIG: return RN_WE_FBIG;
    case EHOSTUNREACH: return RN_WE_HOSTUNREACH;
    case EIDRM: return RN_WE_IDRM;
    case EILSEQ: return RN_WE_ILSEQ;
    case EINPROGRESS: return RN_WE_INPROGRESS;
    case EINTR: return RN_WE_INTR;
    case EINVAL: return RN_WE_INVAL;
    case EIO: return RN_WE_IO;
    case EISCONN: return RN_WE_ISCONN;
    case EISDIR: return RN_WE_ISDIR;
    case ELOOP: return RN_WE_LOOP;
    case EMFILE: return RN_WE_MFILE;
    case EMLINK: return RN_WE_MLINK;
    case EMSGSIZE: return RN_WE_MSGSIZE;
    case EMULTIHOP: return RN_WE_MULTIHOP;
    case ENAMETOOLONG: return RN_WE_NAMETOOLONG;
    case ENETDOWN: return RN_WE_NETDOWN;
    case ENETRESET: return RN_WE_NETRESET;
    case ENETUNREACH: return RN_WE_NETUNREACH;
    case ENFILE: return RN_WE_NFILE;
    case ENOBUFS: return RN_WE_NOBUFS;
    case ENODEV: return RN_WE_NODEV;
    case ENOENT: return RN_WE_NOENT;
    case ENOEXEC: return RN_WE_NOEXEC;
    case ENOLCK: return RN_WE_NOLCK;
    case ENOLINK: return RN_WE_NOLINK;
    case ENOMEM: return RN_WE_NOMEM;
    case ENOMSG: return RN_WE_NOMSG;
    case ENOPROTOOPT: return RN_WE_NOPROTOOPT;
    case ENOSPC: return RN_WE_NOSPC;
    case ENOSYS: return RN_WE_NOSYS;
    case ENOTCONN: return RN_WE_NOTCONN;
    case ENOTDIR: return RN_WE_NOTDIR;
    case ENOTEMPTY: return RN_WE_NOTEMPTY;
    case ENOTRECOVERABLE: return RN_WE_NOTRECOVERABLE;
    case ENOTSOCK: return RN_WE_NOTSOCK;
    case ENOTSUP: return RN_WE_NOTSUP;
#if EOPNOTSUPP != ENOTSUP
    case EOPNOTSUPP: return RN_WE_NOTSUP;
#endif
    case ENOTTY: return RN_WE_NOTTY;
    case ENXIO: return RN_WE_NXIO;
    case EOVERFLOW: return RN_WE_OVERFLOW;
    case EOWNERDEAD: return RN_WE_OWNERDEAD;
    case EPERM: return RN_WE_PERM;
    case EPIPE: return RN_WE_PIPE;
    case EPROTO: return RN_WE_PROTO;
    case EPROTONOSUPPORT: return RN_WE_PROTONOSUPPORT;
    case EPROTOTYPE: return RN_WE_PROTOTYPE;
    case ERANGE: return RN_WE_RANGE;
    case EROFS: return RN_WE_ROFS;
    case ESPIPE: return RN_WE_SPIPE;
    case ESRCH: return RN_WE_SRCH;
    case ESTALE: return RN_WE_STALE;
    case ETIMEDOUT: return RN_WE_TIMEDOUT;
    case ETXTBSY: return RN_WE_TXTBSY;
    case EXDEV: return RN_WE_XDEV;
    }
    return RN_WE_IO; /* a host error with no WASI name */
}
