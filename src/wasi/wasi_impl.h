/*
 * wasi_impl.h - what the files of the WASI layer share (internal).
 *
 * The layer is split by function family, as toywasm does: wasi.c (the context, the function table,
 * args/environ, proc_*, errno mapping), wasi_fd.c (the descriptor table and fd_*), wasi_path.c (path
 * resolution under a directory and path_*), wasi_poll.c (poll_oneoff), wasi_clock.c (clocks, random)
 * and wasi_sock.c (sock_*, never granted).
 *
 * Every function has one C shape, rn_wimpl: it gets the call's arguments as raw slots and a view of
 * the caller's memory 0, and returns a WASI errno. The glue that turns an engine host call into that
 * shape is in wasi.c; tests call the same functions through rn_wasi_invoke() with a plain buffer as
 * "guest memory", which lets them throw hostile pointers at every function without an engine.
 *
 * The constants below are the ABI of wasi_snapshot_preview1 (WebAssembly/WASI, phases/snapshot/witx,
 * typenames.witx); the struct layouts are documented where they are read or written, with the
 * witx-computed offsets (docs/wasi.md has them in one table).
 */
#ifndef RN_WASI_IMPL_H
#define RN_WASI_IMPL_H

#include "runnel/wasi.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

/* ---------------------------------------------------------------- errno (witx `errno`, u16) */
enum {
    RN_WE_SUCCESS = 0, RN_WE_2BIG = 1, RN_WE_ACCES = 2, RN_WE_ADDRINUSE = 3, RN_WE_ADDRNOTAVAIL = 4,
    RN_WE_AFNOSUPPORT = 5, RN_WE_AGAIN = 6, RN_WE_ALREADY = 7, RN_WE_BADF = 8, RN_WE_BADMSG = 9,
    RN_WE_BUSY = 10, RN_WE_CANCELED = 11, RN_WE_CHILD = 12, RN_WE_CONNABORTED = 13, RN_WE_CONNREFUSED = 14,
    RN_WE_CONNRESET = 15, RN_WE_DEADLK = 16, RN_WE_DESTADDRREQ = 17, RN_WE_DOM = 18, RN_WE_DQUOT = 19,
    RN_WE_EXIST = 20, RN_WE_FAULT = 21, RN_WE_FBIG = 22, RN_WE_HOSTUNREACH = 23, RN_WE_IDRM = 24,
    RN_WE_ILSEQ = 25, RN_WE_INPROGRESS = 26, RN_WE_INTR = 27, RN_WE_INVAL = 28, RN_WE_IO = 29,
    RN_WE_ISCONN = 30, RN_WE_ISDIR = 31, RN_WE_LOOP = 32, RN_WE_MFILE = 33, RN_WE_MLINK = 34,
    RN_WE_MSGSIZE = 35, RN_WE_MULTIHOP = 36, RN_WE_NAMETOOLONG = 37, RN_WE_NETDOWN = 38,
    RN_WE_NETRESET = 39, RN_WE_NETUNREACH = 40, RN_WE_NFILE = 41, RN_WE_NOBUFS = 42, RN_WE_NODEV = 43,
    RN_WE_NOENT = 44, RN_WE_NOEXEC = 45, RN_WE_NOLCK = 46, RN_WE_NOLINK = 47, RN_WE_NOMEM = 48,
    RN_WE_NOMSG = 49, RN_WE_NOPROTOOPT = 50, RN_WE_NOSPC = 51, RN_WE_NOSYS = 52, RN_WE_NOTCONN = 53,
    RN_WE_NOTDIR = 54, RN_WE_NOTEMPTY = 55, RN_WE_NOTRECOVERABLE = 56, RN_WE_NOTSOCK = 57,
    RN_WE_NOTSUP = 58, RN_WE_NOTTY = 59, RN_WE_NXIO = 60, RN_WE_OVERFLOW = 61, RN_WE_OWNERDEAD = 62,
    RN_WE_PERM = 63, RN_WE_PIPE = 64, RN_WE_PROTO = 65, RN_WE_PROTONOSUPPORT = 66, RN_WE_PROTOTYPE = 67,
    RN_WE_RANGE = 68, RN_WE_ROFS = 69, RN_WE_SPIPE = 70, RN_WE_SRCH = 71, RN_WE_STALE = 72,
    RN_WE_TIMEDOUT = 73, RN_WE_TXTBSY = 74, RN_WE_XDEV = 75, RN_WE_NOTCAPABLE = 76,
};

/* ---------------------------------------------------------------- rights (witx `rights`, u64 flags) */
#define RN_WR_FD_DATASYNC (1ull << 0)
#define RN_WR_FD_READ (1ull << 1)
#define RN_WR_FD_SEEK (1ull << 2)
#define RN_WR_FD_FDSTAT_SET_FLAGS (1ull << 3)
#define RN_WR_FD_SYNC (1ull << 4)
#define RN_WR_FD_TELL (1ull << 5)
#define RN_WR_FD_WRITE (1ull << 6)
#define RN_WR_FD_ADVISE (1ull << 7)
#define RN_WR_FD_ALLOCATE (1ull << 8)
#define RN_WR_PATH_CREATE_DIRECTORY (1ull << 9)
#define RN_WR_PATH_CREATE_FILE (1ull << 10)
#define RN_WR_PATH_LINK_SOURCE (1ull << 11)
#define RN_WR_PATH_LINK_TARGET (1ull << 12)
#define RN_WR_PATH_OPEN (1ull << 13)
#define RN_WR_FD_READDIR (1ull << 14)
#define RN_WR_PATH_READLINK (1ull << 15)
#define RN_WR_PATH_RENAME_SOURCE (1ull << 16)
#define RN_WR_PATH_RENAME_TARGET (1ull << 17)
#define RN_WR_PATH_FILESTAT_GET (1ull << 18)
#define RN_WR_PATH_FILESTAT_SET_SIZE (1ull << 19)
#define RN_WR_PATH_FILESTAT_SET_TIMES (1ull << 20)
#define RN_WR_FD_FILESTAT_GET (1ull << 21)
#define RN_WR_FD_FILESTAT_SET_SIZE (1ull << 22)
#define RN_WR_FD_FILESTAT_SET_TIMES (1ull << 23)
#define RN_WR_PATH_SYMLINK (1ull << 24)
#define RN_WR_PATH_REMOVE_DIRECTORY (1ull << 25)
#define RN_WR_PATH_UNLINK_FILE (1ull << 26)
#define RN_WR_POLL_FD_READWRITE (1ull << 27)
#define RN_WR_SOCK_SHUTDOWN (1ull << 28)
#define RN_WR_SOCK_ACCEPT (1ull << 29)
#define RN_WR_ALL ((1ull << 30) - 1)
/* Every right that changes a file or a directory. A read-only preopen and everything opened under it
   never hold any of them. PATH_LINK_SOURCE is among them because a hard link made from a read-only
   tree into a writable one would let the guest write the read-only file through the new name. */
#define RN_WR_MODIFY                                                                                         \
    (RN_WR_FD_WRITE | RN_WR_FD_ALLOCATE | RN_WR_FD_FILESTAT_SET_SIZE | RN_WR_FD_FILESTAT_SET_TIMES |       \
     RN_WR_PATH_CREATE_DIRECTORY | RN_WR_PATH_CREATE_FILE | RN_WR_PATH_LINK_SOURCE | RN_WR_PATH_LINK_TARGET | \
     RN_WR_PATH_RENAME_SOURCE | RN_WR_PATH_RENAME_TARGET | RN_WR_PATH_FILESTAT_SET_SIZE |                   \
     RN_WR_PATH_FILESTAT_SET_TIMES | RN_WR_PATH_SYMLINK | RN_WR_PATH_REMOVE_DIRECTORY | RN_WR_PATH_UNLINK_FILE)

/* ---------------------------------------------------------------- other witx enums and flags */
enum { /* filetype, u8 */
    RN_WFT_UNKNOWN = 0, RN_WFT_BLOCK_DEVICE = 1, RN_WFT_CHARACTER_DEVICE = 2, RN_WFT_DIRECTORY = 3,
    RN_WFT_REGULAR_FILE = 4, RN_WFT_SOCKET_DGRAM = 5, RN_WFT_SOCKET_STREAM = 6, RN_WFT_SYMBOLIC_LINK = 7,
};
enum { /* fdflags, u16 */
    RN_WFDF_APPEND = 1, RN_WFDF_DSYNC = 2, RN_WFDF_NONBLOCK = 4, RN_WFDF_RSYNC = 8, RN_WFDF_SYNC = 16,
};
enum { RN_WOF_CREAT = 1, RN_WOF_DIRECTORY = 2, RN_WOF_EXCL = 4, RN_WOF_TRUNC = 8 }; /* oflags, u16 */
enum { RN_WLOOKUP_SYMLINK_FOLLOW = 1 };                                             /* lookupflags, u32 */
enum { RN_WFST_ATIM = 1, RN_WFST_ATIM_NOW = 2, RN_WFST_MTIM = 4, RN_WFST_MTIM_NOW = 8 }; /* fstflags, u16 */
enum { RN_WHENCE_SET = 0, RN_WHENCE_CUR = 1, RN_WHENCE_END = 2 };                  /* whence, u8 */
enum { RN_WCLOCK_REALTIME = 0, RN_WCLOCK_MONOTONIC = 1, RN_WCLOCK_PROCESS_CPUTIME = 2, RN_WCLOCK_THREAD_CPUTIME = 3 };
enum { RN_WEV_CLOCK = 0, RN_WEV_FD_READ = 1, RN_WEV_FD_WRITE = 2 }; /* eventtype, u8 */
enum { RN_WEV_HANGUP = 1 };                                         /* eventrwflags, u16 */
enum { RN_WSUB_ABSTIME = 1 };                                       /* subclockflags, u16 */

/* ---------------------------------------------------------------- limits of this implementation */
#define RN_WASI_MAX_FDS 1024u          /* guest descriptors open at once; more is EMFILE */
#define RN_WASI_PATH_MAX 4096u         /* bytes in a guest path; more is ENAMETOOLONG */
#define RN_WASI_MAX_SYMLINKS 32u       /* symbolic links expanded while resolving one path; more is ELOOP */
#define RN_WASI_IOV_MAX 256u           /* iovecs passed to the host per call; the rest is a short read/write */
#define RN_WASI_DEFAULT_OUTPUT_LIMIT (64u << 20)

/* ---------------------------------------------------------------- the context */
enum { RN_FD_FREE = 0, RN_FD_STREAM, RN_FD_FILE, RN_FD_DIR };
enum { RN_STREAM_IN = 0, RN_STREAM_OUT = 1, RN_STREAM_ERR = 2 };

typedef struct rn_wfd {
    uint8_t kind;        /* RN_FD_* */
    uint8_t stream;      /* RN_FD_STREAM: which of the three */
    uint8_t filetype;    /* RN_WFT_* */
    bool read_only;      /* under a read-only preopen: no RN_WR_MODIFY right, host fd opened read-only */
    uint16_t flags;      /* RN_FD_STREAM: the fdflags the guest set (the host's are never touched) */
    int host;            /* RN_FD_FILE, RN_FD_DIR: the host descriptor (owned); else -1 */
    uint64_t rights, inheriting;
    char *preopen;       /* the guest path of a preopened directory (NUL-terminated), else NULL */
    void *dir;           /* DIR* for fd_readdir, opened on first use */
    uint64_t dir_pos;    /* the index of the entry the DIR stream returns next (fd_readdir's cookie) */
} rn_wfd;

typedef struct rn_wbuf {
    uint8_t *data;
    size_t len, cap;
} rn_wbuf;

typedef struct rn_wcall rn_wcall;
typedef uint16_t (*rn_wimpl)(rn_wcall *c);

typedef struct rn_wfunc {
    const char *name, *params, *results;
    rn_wimpl fn;
} rn_wfunc;

#define RN_WASI_NFUNCS 46

/* A host function's user data: the context and which function (so one C entry serves all 46). */
typedef struct rn_wbind {
    runnel_wasi *w;
    const rn_wfunc *f;
} rn_wbind;

struct runnel_wasi {
    char **args, **env; /* NUL-terminated strings; env entries are "KEY=VALUE" */
    size_t nargs, nenv;
    uint8_t mode[3];    /* runnel_wasi_stdio of stdin, stdout, stderr */
    uint8_t *in_data;   /* stdin bytes (runnel_wasi_set_stdin_bytes), else NULL */
    size_t in_len, in_pos;
    rn_wbuf out[2];     /* captured stdout, stderr */
    size_t out_limit;
    bool clocks, random;
    rn_wfd *fds;        /* the guest's descriptor table, indexed by guest fd */
    uint32_t nfds;      /* entries in fds (some may be RN_FD_FREE) */
    rn_wbind bind[RN_WASI_NFUNCS];
};

/* One call: the arguments and the caller's memory. mem is never NULL (a module without memory gets a
   zero-sized view of `nomem`), so that pointer arithmetic on it is always defined. */
struct rn_wcall {
    runnel_wasi *w;
    runnel_caller *caller; /* NULL when called directly (tests) */
    uint8_t *mem;
    size_t memsize;
    const runnel_slot *a;
    bool exited; /* proc_exit was called */
    int exit_code;
    uint8_t nomem[8];
};

/* ---------------------------------------------------------------- guest memory */
/* Is [ptr, ptr+len) inside the memory? 64-bit arithmetic: ptr and len are at most 2^32 each. */
static inline bool rn_w_ok(const rn_wcall *c, uint32_t ptr, uint64_t len)
{
    return (uint64_t)ptr + len <= c->memsize;
}
/* WebAssembly memory is little-endian (spec 4.2.8); these work on any host. */
static inline uint16_t rn_ld16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t rn_ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t rn_ld64(const uint8_t *p) { return rn_ld32(p) | (uint64_t)rn_ld32(p + 4) << 32; }
static inline void rn_st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void rn_st32(uint8_t *p, uint32_t v)
{
    rn_st16(p, (uint16_t)v);
    rn_st16(p + 2, (uint16_t)(v >> 16));
}
static inline void rn_st64(uint8_t *p, uint64_t v)
{
    rn_st32(p, (uint32_t)v);
    rn_st32(p + 4, (uint32_t)(v >> 32));
}
/* Store a result through a guest pointer: EFAULT when it is out of bounds. */
uint16_t rn_w_put32(rn_wcall *c, uint32_t ptr, uint32_t v);
uint16_t rn_w_put64(rn_wcall *c, uint32_t ptr, uint64_t v);
/* The guest's iovec (or ciovec) array at iovs, n entries of {buf u32 @0, buf_len u32 @4} (8 bytes), as
   host iovecs pointing into guest memory: at most RN_WASI_IOV_MAX of them and at most INT32_MAX bytes
   in all (the rest is left for the next call, as a short read or write). EFAULT if the array or any
   buffer is out of bounds. */
uint16_t rn_w_iovecs(rn_wcall *c, uint32_t iovs, uint32_t n, struct iovec *out, int *nout);

/* ---------------------------------------------------------------- shared helpers */
uint16_t rn_wasi_errno(int host_errno); /* wasi.c: host errno -> WASI errno */
uint8_t rn_wasi_filetype(unsigned st_mode);

/* wasi_fd.c: the descriptor table */
rn_wfd *rn_wfd_get(runnel_wasi *w, uint32_t fd); /* NULL if fd is not open */
/* The open descriptor fd with all of `rights`: EBADF if not open, ENOTCAPABLE if a right is missing. */
uint16_t rn_wfd_check(runnel_wasi *w, uint32_t fd, uint64_t rights, rn_wfd **out);
/* A free guest descriptor number (the lowest), growing the table: EMFILE at RN_WASI_MAX_FDS, ENOMEM. */
uint16_t rn_wfd_alloc(runnel_wasi *w, uint32_t *fd);
void rn_wfd_release(rn_wfd *f); /* close what it holds and mark it free */
bool rn_wfd_init_stdio(runnel_wasi *w);
/* The filestat record (64 bytes) for a host stat, at guest address ptr (range already checked). */
struct stat;
void rn_w_filestat(uint8_t *p, const struct stat *st);
/* wasi_path.c / wasi_fd.c: times for futimens/utimensat from (atim, mtim, fst_flags): EINVAL on bad flags */
uint16_t rn_w_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]);

/* wasi_clock.c */
int rn_wasi_host_clock(uint32_t id, int *host); /* WASI clock id -> clockid_t; 0 or EINVAL */
uint64_t rn_wasi_now(int host_clock);           /* nanoseconds, 0 on failure */
uint64_t rn_wasi_ns(struct timespec t);         /* a host time as a WASI timestamp (0 before 1970) */

/* wasi.c: call a WASI function by name with raw arguments against a buffer posing as guest memory (for
   tests). Returns the errno; *exited and *code tell whether proc_exit ran. -1 if there is no such name. */
int rn_wasi_invoke(runnel_wasi *w, const char *name, uint8_t *mem, size_t memsize, const runnel_slot *args,
                   bool *exited, int *code);

/* ---------------------------------------------------------------- the functions (46) */
#define RN_WASI_FUNCS(X)                                                                                      \
    X(args_get, "ii", "i") X(args_sizes_get, "ii", "i") X(environ_get, "ii", "i")                            \
    X(environ_sizes_get, "ii", "i") X(clock_res_get, "ii", "i") X(clock_time_get, "iIi", "i")                \
    X(fd_advise, "iIIi", "i") X(fd_allocate, "iII", "i") X(fd_close, "i", "i") X(fd_datasync, "i", "i")      \
    X(fd_fdstat_get, "ii", "i") X(fd_fdstat_set_flags, "ii", "i") X(fd_fdstat_set_rights, "iII", "i")        \
    X(fd_filestat_get, "ii", "i") X(fd_filestat_set_size, "iI", "i") X(fd_filestat_set_times, "iIIi", "i")   \
    X(fd_pread, "iiiIi", "i") X(fd_prestat_get, "ii", "i") X(fd_prestat_dir_name, "iii", "i")               \
    X(fd_pwrite, "iiiIi", "i") X(fd_read, "iiii", "i") X(fd_readdir, "iiiIi", "i") X(fd_renumber, "ii", "i") \
    X(fd_seek, "iIii", "i") X(fd_sync, "i", "i") X(fd_tell, "ii", "i") X(fd_write, "iiii", "i")              \
    X(path_create_directory, "iii", "i") X(path_filestat_get, "iiiii", "i")                                 \
    X(path_filestat_set_times, "iiiiIIi", "i") X(path_link, "iiiiiii", "i") X(path_open, "iiiiiIIii", "i")   \
    X(path_readlink, "iiiiii", "i") X(path_remove_directory, "iii", "i") X(path_rename, "iiiiii", "i")      \
    X(path_symlink, "iiiii", "i") X(path_unlink_file, "iii", "i") X(poll_oneoff, "iiii", "i")               \
    X(proc_exit, "i", "") X(proc_raise, "i", "i") X(sched_yield, "", "i") X(random_get, "ii", "i")          \
    X(sock_accept, "iii", "i") X(sock_recv, "iiiiii", "i") X(sock_send, "iiiii", "i")                       \
    X(sock_shutdown, "ii", "i")

#define RN_WASI_DECLARE(name, p, r) uint16_t rn_wasi_##name(rn_wcall *c);
RN_WASI_FUNCS(RN_WASI_DECLARE)
#undef RN_WASI_DECLARE

#endif
