/*
 * wasi_fd.c - the guest's descriptor table and the fd_* functions.
 *
 * A guest descriptor is an index into runnel_wasi.fds, never a host descriptor: the guest can only
 * name what the table holds, so a forged number is EBADF and no host file is reachable by guessing.
 * Entries are of three kinds:
 *   - streams (stdin, stdout, stderr): virtual; their mode (null, inherit, capture, bytes) is read
 *     from the context at each call, and nothing the guest does to them (close, set flags, renumber)
 *     reaches the host's own descriptors 0, 1 and 2;
 *   - files and directories: a host descriptor owned by the entry, opened by path_open or a preopen.
 *
 * Each entry carries the preview-1 rights (witx `rights`): base rights limit what may be done with the
 * descriptor, inheriting rights what descriptors opened through it may get. Every function checks its
 * right first (ENOTCAPABLE), which is how a read-only preopen refuses writes: neither it nor anything
 * opened beneath it ever holds a right of RN_WR_MODIFY, and its files are opened read-only on the host
 * as well, so even a missed check could not write.
 *
 * Layouts written here (offsets from the witx definitions, sizes/alignments in parentheses):
 *   fdstat (24/8):   fs_filetype u8 @0, fs_flags u16 @2, fs_rights_base u64 @8, fs_rights_inheriting u64 @16
 *   filestat (64/8): dev u64 @0, ino u64 @8, filetype u8 @16, nlink u64 @24, size u64 @32,
 *                    atim u64 @40, mtim u64 @48, ctim u64 @56 (timestamps in ns)
 *   prestat (8/4):   tag u8 @0 (0 = dir), pr_name_len u32 @4
 *   dirent (24/8):   d_next u64 @0, d_ino u64 @8, d_namlen u32 @16, d_type u8 @20, then the name
 *   iovec, ciovec (8/4): buf u32 @0, buf_len u32 @4
 */
#include "wasi_impl.h"

#include "module.h" /* rn_fail */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- the table */

rn_wfd *rn_wfd_get(runnel_wasi *w, uint32_t fd)
{
    return fd < w->nfds && w->fds[fd].kind != RN_FD_FREE ? &w->fds[fd] : NULL;
}

uint16_t rn_wfd_check(runnel_wasi *w, uint32_t fd, uint64_t rights, rn_wfd **out)
{
    rn_wfd *f = rn_wfd_get(w, fd);
    *out = f;
    if (!f)
        return RN_WE_BADF;
    return (f->rights & rights) == rights ? 0 : RN_WE_NOTCAPABLE;
}

uint16_t rn_wfd_alloc(runnel_wasi *w, uint32_t *fd)
{
    for (uint32_t i = 0; i < w->nfds; i++) {
        if (w->fds[i].kind == RN_FD_FREE) {
            *fd = i;
            return 0;
        }
    }
    if (w->nfds >= RN_WASI_MAX_FDS)
        return RN_WE_MFILE;
    uint32_t n = w->nfds ? w->nfds * 2 : 8;
    if (n > RN_WASI_MAX_FDS)
        n = RN_WASI_MAX_FDS;
    rn_wfd *t = realloc(w->fds, n * sizeof *t);
    if (!t)
        return RN_WE_NOMEM;
    for (uint32_t i = w->nfds; i < n; i++)
        t[i] = (rn_wfd){.kind = RN_FD_FREE, .host = -1};
    w->fds = t;
    *fd = w->nfds;
    w->nfds = n;
    return 0;
}

void rn_wfd_release(rn_wfd *f)
{
    if (f->dir)
        closedir(f->dir);
    if (f->host >= 0)
        close(f->host);
    free(f->preopen);
    *f = (rn_wfd){.kind = RN_FD_FREE, .host = -1};
}

#define STREAM_IN_RIGHTS (RN_WR_FD_READ | RN_WR_POLL_FD_READWRITE | RN_WR_FD_FDSTAT_SET_FLAGS | RN_WR_FD_FILESTAT_GET)
#define STREAM_OUT_RIGHTS                                                                                    \
    (RN_WR_FD_WRITE | RN_WR_POLL_FD_READWRITE | RN_WR_FD_FDSTAT_SET_FLAGS | RN_WR_FD_FILESTAT_GET |            \
     RN_WR_FD_DATASYNC | RN_WR_FD_SYNC)

bool rn_wfd_init_stdio(runnel_wasi *w)
{
    for (uint8_t s = 0; s < 3; s++) {
        uint32_t fd;
        if (rn_wfd_alloc(w, &fd) != 0)
            return false;
        w->fds[fd] = (rn_wfd){.kind = RN_FD_STREAM, .stream = s, .host = -1,
                              .rights = s == RN_STREAM_IN ? STREAM_IN_RIGHTS : STREAM_OUT_RIGHTS};
    }
    return true;
}

/* The rights of a preopened directory: everything a directory and the files beneath it can use. A
   read-only one loses every right that modifies something. */
#define DIR_BASE_RIGHTS                                                                                      \
    (RN_WR_FD_FDSTAT_SET_FLAGS | RN_WR_FD_SYNC | RN_WR_FD_ADVISE | RN_WR_PATH_CREATE_DIRECTORY |               \
     RN_WR_PATH_CREATE_FILE | RN_WR_PATH_LINK_SOURCE | RN_WR_PATH_LINK_TARGET | RN_WR_PATH_OPEN |            \
     RN_WR_FD_READDIR | RN_WR_PATH_READLINK | RN_WR_PATH_RENAME_SOURCE | RN_WR_PATH_RENAME_TARGET |          \
     RN_WR_PATH_FILESTAT_GET | RN_WR_PATH_FILESTAT_SET_SIZE | RN_WR_PATH_FILESTAT_SET_TIMES |                \
     RN_WR_FD_FILESTAT_GET | RN_WR_FD_FILESTAT_SET_TIMES | RN_WR_PATH_SYMLINK | RN_WR_PATH_REMOVE_DIRECTORY | \
     RN_WR_PATH_UNLINK_FILE | RN_WR_POLL_FD_READWRITE)
#define DIR_INHERITING_RIGHTS (RN_WR_ALL & ~(RN_WR_SOCK_SHUTDOWN | RN_WR_SOCK_ACCEPT))

runnel_status runnel_wasi_preopen(runnel_wasi *w, const char *host_path, const char *guest_path, bool read_only,
                                  runnel_report *r)
{
    if (!w || !host_path || !guest_path || !*guest_path)
        return rn_fail(r, RUNNEL_BADARG, 0, "runnel_wasi_preopen: missing host or guest path");
    if (strlen(guest_path) >= RN_WASI_PATH_MAX)
        return rn_fail(r, RUNNEL_BADARG, 0, "preopen: guest path too long");
    int h = open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (h < 0)
        return rn_fail(r, RUNNEL_BADARG, 0, "preopen: cannot open directory %s: %s", host_path, strerror(errno));
    char *name = strdup(guest_path);
    uint32_t fd = 0;
    uint16_t err = name ? rn_wfd_alloc(w, &fd) : RN_WE_NOMEM;
    if (err) {
        close(h);
        free(name);
        return err == RN_WE_NOMEM ? rn_fail(r, RUNNEL_NOMEM, 0, "out of memory")
                                  : rn_fail(r, RUNNEL_BADARG, 0, "preopen: too many open descriptors");
    }
    uint64_t mask = read_only ? ~RN_WR_MODIFY : ~0ull;
    w->fds[fd] = (rn_wfd){.kind = RN_FD_DIR, .filetype = RN_WFT_DIRECTORY, .read_only = read_only, .host = h,
                          .rights = DIR_BASE_RIGHTS & mask, .inheriting = DIR_INHERITING_RIGHTS & mask,
                          .preopen = name};
    return RUNNEL_OK;
}

/* ---------------------------------------------------------------- streams */

static rn_wbuf *capture_of(runnel_wasi *w, const rn_wfd *f)
{
    return f->stream == RN_STREAM_ERR ? &w->out[1] : &w->out[0];
}

/* Append to a capture buffer, keeping to the output limit: returns the bytes taken. */
static size_t capture(runnel_wasi *w, rn_wbuf *b, const uint8_t *p, size_t n)
{
    size_t room = b->len < w->out_limit ? w->out_limit - b->len : 0;
    if (n > room)
        n = room;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap = cap > SIZE_MAX / 2 ? b->len + n : cap * 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d)
            return 0;
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return n;
}

static uint16_t stream_write(rn_wcall *c, rn_wfd *f, uint32_t iovs, uint32_t n, uint32_t *done)
{
    runnel_wasi *w = c->w;
    uint8_t mode = w->mode[f->stream];
    if (mode == RUNNEL_WASI_STDIO_INHERIT) {
        struct iovec v[RN_WASI_IOV_MAX];
        int nv;
        uint16_t err = rn_w_iovecs(c, iovs, n, v, &nv);
        if (err)
            return err;
        ssize_t k = nv ? writev(f->stream, v, nv) : 0; /* the host's own 1 or 2 */
        if (k < 0)
            return rn_wasi_errno(errno);
        *done = (uint32_t)k;
        return 0;
    }
    /* Null and capture take every iovec, not just RN_WASI_IOV_MAX: check them all before keeping any. */
    if (!rn_w_ok(c, iovs, (uint64_t)n * 8))
        return RN_WE_FAULT;
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = c->mem + iovs + (uint64_t)i * 8;
        if (!rn_w_ok(c, rn_ld32(e), rn_ld32(e + 4)))
            return RN_WE_FAULT;
        total += rn_ld32(e + 4);
    }
    if (mode != RUNNEL_WASI_STDIO_CAPTURE) {
        *done = total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
        return 0;
    }
    rn_wbuf *b = capture_of(w, f);
    uint64_t put = 0;
    for (uint32_t i = 0; i < n && put < UINT32_MAX; i++) {
        const uint8_t *e = c->mem + iovs + (uint64_t)i * 8;
        uint32_t len = rn_ld32(e + 4);
        if (len > UINT32_MAX - put)
            len = (uint32_t)(UINT32_MAX - put);
        size_t k = capture(w, b, c->mem + rn_ld32(e), len);
        put += k;
        if (k < len)
            break;
    }
    if (put == 0 && total > 0)
        return RN_WE_NOSPC;
    *done = (uint32_t)put;
    return 0;
}

static uint16_t stream_read(rn_wcall *c, rn_wfd *f, uint32_t iovs, uint32_t n, uint32_t *done)
{
    runnel_wasi *w = c->w;
    struct iovec v[RN_WASI_IOV_MAX];
    int nv;
    uint16_t err = rn_w_iovecs(c, iovs, n, v, &nv);
    if (err)
        return err;
    if (f->stream != RN_STREAM_IN)
        return RN_WE_BADF; /* a stream renumbered onto another: only stdin reads */
    if (w->in_data) {
        size_t got = 0;
        for (int i = 0; i < nv && w->in_pos < w->in_len; i++) {
            size_t k = w->in_len - w->in_pos;
            if (k > v[i].iov_len)
                k = v[i].iov_len;
            memcpy(v[i].iov_base, w->in_data + w->in_pos, k);
            w->in_pos += k;
            got += k;
        }
        *done = (uint32_t)got;
        return 0;
    }
    if (w->mode[RN_STREAM_IN] != RUNNEL_WASI_STDIO_INHERIT) {
        *done = 0; /* end of file */
        return 0;
    }
    if (f->flags & RN_WFDF_NONBLOCK) { /* the guest's non-blocking flag, without touching the host's */
        struct pollfd p = {.fd = 0, .events = POLLIN};
        int k = poll(&p, 1, 0);
        if (k < 0)
            return rn_wasi_errno(errno);
        if (k == 0)
            return RN_WE_AGAIN;
    }
    ssize_t k = nv ? readv(0, v, nv) : 0;
    if (k < 0)
        return rn_wasi_errno(errno);
    *done = (uint32_t)k;
    return 0;
}

/* ---------------------------------------------------------------- read and write */

uint16_t rn_wasi_fd_write(rn_wcall *c)
{
    rn_wfd *f;
    uint32_t fd = c->a[0].i32, iovs = c->a[1].i32, n = c->a[2].i32, ret = c->a[3].i32;
    uint16_t err = rn_wfd_check(c->w, fd, RN_WR_FD_WRITE, &f);
    if (err)
        return err;
    if (!rn_w_ok(c, ret, 4))
        return RN_WE_FAULT;
    uint32_t done = 0;
    if (f->kind == RN_FD_STREAM) {
        err = stream_write(c, f, iovs, n, &done);
    } else {
        struct iovec v[RN_WASI_IOV_MAX];
        int nv;
        err = rn_w_iovecs(c, iovs, n, v, &nv);
        ssize_t k = 0;
        if (!err && nv && (k = writev(f->host, v, nv)) < 0)
            err = rn_wasi_errno(errno);
        done = k > 0 ? (uint32_t)k : 0;
    }
    if (!err)
        rn_st32(c->mem + ret, done);
    return err;
}

uint16_t rn_wasi_fd_read(rn_wcall *c)
{
    rn_wfd *f;
    uint32_t fd = c->a[0].i32, iovs = c->a[1].i32, n = c->a[2].i32, ret = c->a[3].i32;
    uint16_t err = rn_wfd_check(c->w, fd, RN_WR_FD_READ, &f);
    if (err)
        return err;
    if (!rn_w_ok(c, ret, 4))
        return RN_WE_FAULT;
    uint32_t done = 0;
    if (f->kind == RN_FD_STREAM) {
        err = stream_read(c, f, iovs, n, &done);
    } else {
        struct iovec v[RN_WASI_IOV_MAX];
        int nv;
        err = rn_w_iovecs(c, iovs, n, v, &nv);
        ssize_t k = 0;
        if (!err && nv && (k = readv(f->host, v, nv)) < 0)
            err = rn_wasi_errno(errno);
        done = k > 0 ? (uint32_t)k : 0;
    }
    if (!err)
        rn_st32(c->mem + ret, done);
    return err;
}

/* fd_pread / fd_pwrite: (fd, iovs, iovs_len, offset u64, retptr) */
static uint16_t positioned(rn_wcall *c, bool write)
{
    rn_wfd *f;
    uint32_t fd = c->a[0].i32, iovs = c->a[1].i32, n = c->a[2].i32, ret = c->a[4].i32;
    uint64_t off = c->a[3].i64;
    uint16_t err = rn_wfd_check(c->w, fd, (write ? RN_WR_FD_WRITE : RN_WR_FD_READ) | RN_WR_FD_SEEK, &f);
    if (f && f->kind == RN_FD_STREAM)
        return RN_WE_SPIPE;
    if (err)
        return err;
    if (off > INT64_MAX)
        return RN_WE_INVAL;
    if (!rn_w_ok(c, ret, 4))
        return RN_WE_FAULT;
    struct iovec v[RN_WASI_IOV_MAX];
    int nv;
    if ((err = rn_w_iovecs(c, iovs, n, v, &nv)) != 0)
        return err;
    ssize_t k = 0;
    if (nv)
        k = write ? pwritev(f->host, v, nv, (off_t)off) : preadv(f->host, v, nv, (off_t)off);
    if (k < 0)
        return rn_wasi_errno(errno);
    rn_st32(c->mem + ret, (uint32_t)k);
    return 0;
}

uint16_t rn_wasi_fd_pread(rn_wcall *c)
{
    return positioned(c, false);
}

uint16_t rn_wasi_fd_pwrite(rn_wcall *c)
{
    return positioned(c, true);
}

/* fd_seek(fd, offset s64, whence u8, retptr u64*) */
uint16_t rn_wasi_fd_seek(rn_wcall *c)
{
    uint32_t whence = c->a[2].i32, ret = c->a[3].i32;
    int64_t off = (int64_t)c->a[1].i64;
    rn_wfd *f = rn_wfd_get(c->w, c->a[0].i32);
    if (!f)
        return RN_WE_BADF;
    if (f->kind == RN_FD_STREAM)
        return RN_WE_SPIPE;
    /* A seek that only asks where the offset is needs just FD_TELL (witx: fd_seek). */
    bool tell_only = whence == RN_WHENCE_CUR && off == 0;
    if (!(f->rights & RN_WR_FD_SEEK) && !(tell_only && (f->rights & RN_WR_FD_TELL)))
        return RN_WE_NOTCAPABLE;
    int how = whence == RN_WHENCE_SET ? SEEK_SET : whence == RN_WHENCE_CUR ? SEEK_CUR : whence == RN_WHENCE_END ? SEEK_END : -1;
    if (how < 0)
        return RN_WE_INVAL;
    if (!rn_w_ok(c, ret, 8))
        return RN_WE_FAULT;
    off_t pos = lseek(f->host, (off_t)off, how);
    if (pos < 0)
        return rn_wasi_errno(errno);
    rn_st64(c->mem + ret, (uint64_t)pos);
    return 0;
}

uint16_t rn_wasi_fd_tell(rn_wcall *c)
{
    rn_wfd *f = rn_wfd_get(c->w, c->a[0].i32);
    if (f && f->kind == RN_FD_STREAM)
        return RN_WE_SPIPE;
    uint16_t err = rn_wfd_check(c->w, c->a[0].i32, RN_WR_FD_TELL, &f);
    if (err)
        return err;
    if (!rn_w_ok(c, c->a[1].i32, 8))
        return RN_WE_FAULT;
    off_t pos = lseek(f->host, 0, SEEK_CUR);
    if (pos < 0)
        return rn_wasi_errno(errno);
    rn_st64(c->mem + c->a[1].i32, (uint64_t)pos);
    return 0;
}

/* ---------------------------------------------------------------- descriptor management */

uint16_t rn_wasi_fd_close(rn_wcall *c)
{
    rn_wfd *f = rn_wfd_get(c->w, c->a[0].i32);
    if (!f)
        return RN_WE_BADF;
    rn_wfd_release(f);
    return 0;
}

/* Atomically replace `to` by `fd` (witx: fd_renumber). Both must be open. */
uint16_t rn_wasi_fd_renumber(rn_wcall *c)
{
    uint32_t from = c->a[0].i32, to = c->a[1].i32;
    rn_wfd *f = rn_wfd_get(c->w, from), *t = rn_wfd_get(c->w, to);
    if (!f || !t)
        return RN_WE_BADF;
    if (f == t)
        return 0;
    rn_wfd_release(t);
    *t = *f;
    *f = (rn_wfd){.kind = RN_FD_FREE, .host = -1};
    return 0;
}

static uint16_t host_fdflags(int h, uint16_t *flags)
{
    int fl = fcntl(h, F_GETFL);
    if (fl < 0)
        return rn_wasi_errno(errno);
    uint16_t r = 0;
    if (fl & O_APPEND)
        r |= RN_WFDF_APPEND;
    if (fl & O_NONBLOCK)
        r |= RN_WFDF_NONBLOCK;
    if ((fl & O_SYNC) == O_SYNC)
        r |= RN_WFDF_SYNC;
    else if (fl & O_DSYNC)
        r |= RN_WFDF_DSYNC;
    *flags = r;
    return 0;
}

uint16_t rn_wasi_fd_fdstat_get(rn_wcall *c)
{
    rn_wfd *f = rn_wfd_get(c->w, c->a[0].i32);
    uint32_t p = c->a[1].i32;
    if (!f)
        return RN_WE_BADF;
    if (!rn_w_ok(c, p, 24))
        return RN_WE_FAULT;
    uint8_t type = f->filetype;
    uint16_t flags = f->flags;
    if (f->kind == RN_FD_STREAM) {
        /* An inherited stream shows the host's kind (so isatty() tells the truth); the others are no
           device at all. */
        struct stat st;
        type = RN_WFT_UNKNOWN;
        bool bytes = f->stream == RN_STREAM_IN && c->w->in_data;
        if (c->w->mode[f->stream] == RUNNEL_WASI_STDIO_INHERIT && !bytes && fstat(f->stream, &st) == 0)
            type = rn_wasi_filetype(st.st_mode);
    } else {
        uint16_t err = host_fdflags(f->host, &flags);
        if (err)
            return err;
    }
    uint8_t *o = c->mem + p;
    memset(o, 0, 24);
    o[0] = type;
    rn_st16(o + 2, flags);
    rn_st64(o + 8, f->rights);
    rn_st64(o + 16, f->inheriting);
    return 0;
}

uint16_t rn_wasi_fd_fdstat_set_flags(rn_wcall *c)
{
    rn_wfd *f;
    uint16_t err = rn_wfd_check(c->w, c->a[0].i32, RN_WR_FD_FDSTAT_SET_FLAGS, &f);
    uint32_t flags = c->a[1].i32;
    if (err)
        return err;
    if (flags & ~(uint32_t)(RN_WFDF_APPEND | RN_WFDF_DSYNC | RN_WFDF_NONBLOCK | RN_WFDF_RSYNC | RN_WFDF_SYNC))
        return RN_WE_INVAL;
    if (f->kind == RN_FD_STREAM) { /* kept for the guest; the host's descriptors stay as they are */
        f->flags = (uint16_t)(flags & (RN_WFDF_APPEND | RN_WFDF_NONBLOCK));
        return 0;
    }
    /* Linux cannot change the sync modes of an open file (fcntl F_SETFL ignores them). */
    if (flags & (RN_WFDF_DSYNC | RN_WFDF_RSYNC | RN_WFDF_SYNC))
        return RN_WE_NOTSUP;
    int fl = fcntl(f->host, F_GETFL);
    if (fl < 0)
        return rn_wasi_errno(errno);
    fl &= ~(O_APPEND | O_NONBLOCK);
    if (flags & RN_WFDF_APPEND)
        fl |= O_APPEND;
    if (flags & RN_WFDF_NONBLOCK)
        fl |= O_NONBLOCK;
    return fcntl(f->host, F_SETFL, fl) < 0 ? rn_wasi_errno(errno) : 0;
}

/* Rights can only be dropped (witx: fd_fdstat_set_rights). */
uint16_t rn_wasi_fd_fdstat_set_rights(rn_wcall *c)
{
    rn_wfd *f = rn_wfd_get(c->w, c->a[0].i32);
    uint64_t base = c->a[1].i64, inh = c->a[2].i64;
    if (!f)
        return RN_WE_BADF;
    if ((base & ~f->rights) || (inh & ~f->inheriting))
        return RN_WE_NOTCAPABLE;
    f->rights = base;
    f->inheriting = inh;
    return 0;
}

/* ---------------------------------------------------------------- file status */

void rn_w_filestat(uint8_t *p, const struct stat *st)
{
    memset(p, 0, 64);
    rn_st64(p + 0, (uint64_t)st->st_dev);
    rn_st64(p + 8, (uint64_t)st->st_ino);
    p[16] = rn_wasi_filetype(st->st_mode);
    rn_st64(p + 24, (uint64_t)st->st_nlink);
    rn_st64(p + 32, st->st_size > 0 ? (uint64_t)st->st_size : 0);
    rn_st64(p + 40, rn_wasi_ns(st->st_atim));
    rn_st64(p + 48, rn_wasi_ns(st->st_mtim));
    rn_st64(p + 56, rn_wasi_ns(st->st_ctim));
}

uint16_t rn_wasi_fd_filestat_get(rn_wcall *c)
{
    rn_wfd *f;
    uint32_t p = c->a[1].i32;
    uint16_t err = rn_wfd_check(c->w, c->a[0].i32, RN_WR_FD_FILESTAT_GET, &f);
    if (err)
        return err;
    if (!rn_w_ok(c, p, 64))
        return RN_WE_FAULT;
    if (f->kind == RN_FD_STREAM) { /* a stream is nothing on the host's disk: only its type is told */
        memset(c->mem + p, 0, 64);
        c->mem[p + 16] = RN_WFT_CHARACTER_DEVICE;
        return 0;
    }
    struct stat st;
    if (fstat(f->host, &st) < 0)
        return rn_wasi_errno(errno);
    rn_w_filestat(c->mem + p, &st);
    return 0;
}

uint16_t rn_wasi_fd_filestat_set_size(rn_wcall *c)
{
    rn_wfd *f;
    uint16_t err = rn_wfd_check(c->w, c->a[0].i32, RN_WR_FD_FILESTAT_SET_SIZE, &f);
    if (err)
        return err;
    if (f->kind != RN_FD_FILE)
        return f->kind == RN_FD_DIR ? RN_WE_ISDIR : RN_WE_INVAL;
    if (c->a[1].i64 > INT64_MAX)
        return RN_WE_FBIG;
    return ftruncate(f->host, (off_t)c->a[1].i64) < 0 ? rn_wasi_errno(errno) : 0;
}

uint16_t rn_w_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2])
{
    if (fst & ~(uint32_t)(RN_WFST_ATIM | RN_WFST_ATIM_NOW | RN_WFST_MTIM | RN_WFST_MTIM_NOW))
        return RN_WE_INVAL;
    if ((fst & RN_WFST_ATIM && fst & RN_WFST_ATIM_NOW) || (fst & RN_WFST_MTIM && fst & RN_WFST_MTIM_NOW))
        return RN_WE_INVAL;
    uint64_t t[2] = {atim, mtim};
    uint32_t set[2] = {RN_WFST_ATIM, RN_WFST_MTIM}, now[2] = {RN_WFST_ATIM_NOW, RN_WFST_MTIM_NOW};
    for (int i = 0; i < 2; i++) {
        ts[i].tv_sec = 0;
        if (fst & set[i]) {
            ts[i].tv_sec = (time_t)(t[i] / 1000000000u);
            ts[i].tv_nsec = (long)(t[i] % 1000000000u);
        } else {
            ts[i].tv_nsec = fst & now[i] ? UTIME_NOW : UTIME_OMIT;
        }
    }
    return 0;
}

uint16_t rn_wasi_fd_filestat_set_times(rn_wcall *c)
{
    rn_wfd *f;
    uint16_t err = rn_wfd_check(c->w, c->a[0].i32, RN_WR_FD_FILESTAT_SET_TIMES, &f);
    if (err)
        return err;
    if (f->kind == RN_FD_STREAM)
        return RN_WE_BADF;
    struct timespec ts[2];
    if ((err = rn_w_times(c->a[1].i64, c->a[2].i64, c->a[3].i32, ts)) != 0)
        return err;
    return futimens(f->host, ts) < 0 ? rn_wasi_errno(errno) : 0;
}

/* ---------------------------------------------------------------- advice, allocation, sync */

uint16_t rn_wasi_fd_advise(rn_wcall *c)
{
    rn_wfd *f;
    uint16_t err = rn_wfd_check(c->w, c->a[0].i32, RN_WR_FD_ADVISE, &f);
    uint64_t off = c->a[1].i64, len = c->a[2].i64;
    uint32_t advice = c->a[3].i32;
    static const int host_advice[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                      POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    if (err)
        return err;
    if (advice > 5 || off > INT64_MAX || len > INT64_MAX)
        return RN_WE_INVAL;
    if (f->kind == RN_FD_STREAM)
        return RN_WE_SPIPE;
    if (f->kind == RN_FD_DIR)
        return RN_WE_BADF;
    int e = posix_fadvise(f->host, (off_t)off, (off_t)len, host_advice[advice]);
    return e ? rn_wasi_errno(e) : 0;
}

uint16_t rn_wasi_fd_allocate(rn_wcall *c)
{
    rn_wfd *f;
    uint16_t err = rn_wfd_check(c->w, c->a[0].i32, RN_WR_FD_ALLOCATE, &f);
    uint64_t off = c->a[1].i64, len = c->a[2].i64;
    if (err)
        return err;
    if (f->kind != RN_FD_FILE)
        return f->kind == RN_FD_DIR ? RN_WE_BADF : RN_WE_SPIPE;
    if (off > INT64_MAX || len > INT64_MAX || off + len > INT64_MAX)
        return RN_WE_FBIG;
    if (len == 0)
        return RN_WE_INVAL;
    int e = posix_fallocate(f->host, (off_t)off, (off_t)len);
    return e ? rn_wasi_errno(e) : 0;
}

static uint16_t sync_fd(rn_wcall *c, uint64_t right, bool data_only)
{
    rn_wfd *f;
    uint16_t err = rn_wfd_check(c->w, c->a[0].i32, right, &f);
    if (err)
        return err;
    if (f->kind == RN_FD_STREAM)
        return 0; /* nothing of a stream is kept on the host's disk */
    return (data_only ? fdatasync(f->host) : fsync(f->host)) < 0 ? rn_wasi_errno(errno) : 0;
}

uint16_t rn_wasi_fd_datasync(rn_wcall *c)
{
    return sync_fd(c, RN_WR_FD_DATASYNC, true);
}

uint16_t rn_wasi_fd_sync(rn_wcall *c)
{
    return sync_fd(c, RN_WR_FD_SYNC, false);
}

/* ---------------------------------------------------------------- preopens */

uint16_t rn_wasi_fd_prestat_get(rn_wcall *c)
{
    rn_wfd *f = rn_wfd_get(c->w, c->a[0].i32);
    uint32_t p = c->a[1].i32;
    if (!f || !f->preopen) /* wasi-libc scans descriptors from 3 and stops at the first EBADF */
        return RN_WE_BADF;
    if (!rn_w_ok(c, p, 8))
        return RN_WE_FAULT;
    memset(c->mem + p, 0, 8);
    c->mem[p] = 0; /* preopentype dir */
    rn_st32(c->mem + p + 4, (uint32_t)strlen(f->preopen));
    return 0;
}

uint16_t rn_wasi_fd_prestat_dir_name(rn_wcall *c)
{
    rn_wfd *f = rn_wfd_get(c->w, c->a[0].i32);
    uint32_t p = c->a[1].i32, len = c->a[2].i32;
    if (!f || !f->preopen)
        return RN_WE_BADF;
    size_t n = strlen(f->preopen);
    if (len < n)
        return RN_WE_NAMETOOLONG;
    if (!rn_w_ok(c, p, n))
        return RN_WE_FAULT;
    memcpy(c->mem + p, f->preopen, n);
    return 0;
}

/* ---------------------------------------------------------------- directories */

/* fd_readdir(fd, buf, buf_len, cookie u64, retptr): as many dirents as fit, the last one cut off
   if it does not fit (the guest then asks again with its cookie or a larger buffer). Cookies are entry
   indexes in the host's directory order: a cookie other than the one the stream stands at rewinds
   and skips; the one entry that did not fit is put back with seekdir so that the usual "ask again
   from the cut entry" costs no rescan. */
uint16_t rn_wasi_fd_readdir(rn_wcall *c)
{
    rn_wfd *f;
    uint32_t buf = c->a[1].i32, len = c->a[2].i32, ret = c->a[4].i32;
    uint64_t cookie = c->a[3].i64;
    uint16_t err = rn_wfd_check(c->w, c->a[0].i32, RN_WR_FD_READDIR, &f);
    if (err)
        return err;
    if (f->kind != RN_FD_DIR)
        return RN_WE_NOTDIR;
    if (!rn_w_ok(c, buf, len) || !rn_w_ok(c, ret, 4))
        return RN_WE_FAULT;
    if (!f->dir) {
        int h = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (h < 0)
            return rn_wasi_errno(errno);
        if (!(f->dir = fdopendir(h))) {
            err = rn_wasi_errno(errno);
            close(h);
            return err;
        }
        f->dir_pos = 0;
    }
    DIR *d = f->dir;
    if (cookie != f->dir_pos) {
        rewinddir(d);
        f->dir_pos = 0;
        while (f->dir_pos < cookie && readdir(d))
            f->dir_pos++;
    }
    uint32_t out = 0;
    while (out < len) {
        long at = telldir(d);
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            if (errno)
                return rn_wasi_errno(errno);
            break;
        }
        size_t nl = strlen(e->d_name);
        uint8_t head[24] = {0};
        uint8_t type = RN_WFT_UNKNOWN;
        switch (e->d_type) {
        case DT_REG: type = RN_WFT_REGULAR_FILE; break;
        case DT_DIR: type = RN_WFT_DIRECTORY; break;
        case DT_LNK: type = RN_WFT_SYMBOLIC_LINK; break;
        case DT_CHR: type = RN_WFT_CHARACTER_DEVICE; break;
        case DT_BLK: type = RN_WFT_BLOCK_DEVICE; break;
        case DT_SOCK: type = RN_WFT_SOCKET_STREAM; break;
        case DT_UNKNOWN: {
            struct stat st;
            if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                type = rn_wasi_filetype(st.st_mode);
            break;
        }
        }
        rn_st64(head, f->dir_pos + 1);
        rn_st64(head + 8, (uint64_t)e->d_ino);
        rn_st32(head + 16, (uint32_t)nl);
        head[20] = type;
        uint32_t room = len - out;
        uint32_t k = room < 24 ? room : 24;
        memcpy(c->mem + buf + out, head, k);
        out += k;
        room -= k;
        size_t kn = nl < room ? nl : room;
        memcpy(c->mem + buf + out, e->d_name, kn);
        out += (uint32_t)kn;
        f->dir_pos++;
        if (k < 24 || kn < nl) { /* cut off: put it back for the next call */
            seekdir(d, at);
            f->dir_pos--;
            break;
        }
    }
    rn_st32(c->mem + ret, out);
    return 0;
}
