/*
 * wasi_path.c - path resolution beneath a directory descriptor, and the path_* functions.
 *
 * Every path_* call names a directory descriptor and a relative path; the path must not reach
 * anything outside that directory (WASI's capability model: a descriptor grants its directory and
 * what lies beneath, nothing else). The host kernel cannot be asked to enforce that portably, so
 * runnel resolves paths itself, one component at a time, and hands the kernel only single names
 * relative to a directory it has already checked:
 *
 *   - an absolute path is refused (ENOTCAPABLE); so is an empty one (ENOENT) or one with a NUL;
 *   - each directory component is opened with openat(cur, name, O_DIRECTORY | O_NOFOLLOW), so the
 *     kernel never follows a link on runnel's behalf, and never sees a `..` or a `/`;
 *   - a symbolic link met on the way (or at the end, when the call asks to follow) is read with
 *     readlinkat and its target spliced into the rest of the path; an absolute target is refused,
 *     a relative one is resolved like any other path from the link's directory, at most
 *     RN_WASI_MAX_SYMLINKS times per call (ELOOP);
 *   - `..` is never passed down as a name to create or open through: the resolver keeps a count of
 *     how deep below the starting directory it is, refuses a `..` at depth 0 (ENOTCAPABLE), and on a
 *     `..` opens the parent and checks that it is the very directory (device and inode) it came down
 *     from, so a directory moved by someone else while we stand in it cannot lead outside either.
 * What is left is a directory descriptor inside the sandbox and one final name (never containing a
 * `/`, never `..`), on which the operation runs with the *at() call that does not follow links
 * (AT_SYMLINK_NOFOLLOW, O_NOFOLLOW, unlinkat, renameat, ...).
 *
 * Links the guest creates are checked too, as a courtesy to host programs that may later walk the
 * directory: path_symlink refuses absolute targets and targets whose `..`s climb above the
 * starting directory. The sandbox does not depend on this; the resolver above is what holds.
 *
 * Paths are at most RN_WASI_PATH_MAX bytes, components at most NAME_MAX.
 */
#define _GNU_SOURCE /* O_PATH: directories on the way are opened only to be walked through */
#include "wasi_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h> /* renameat */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef O_PATH
#define WALK_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#else
#define WALK_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#endif

/* Expanded paths (a link target spliced into the rest) may grow past one path, but not without end. */
#define WORK_MAX (4 * RN_WASI_PATH_MAX)

typedef struct rn_wpath {
    int dirfd;               /* the directory holding the final component */
    bool owned;              /* dirfd was opened by the resolver and is closed by rn_wpath_done */
    bool slash;              /* the path ended in '/': the final component must be a directory */
    uint32_t depth;          /* how far below the starting directory dirfd is */
    char name[NAME_MAX + 1]; /* the final component: a plain name, or "." for dirfd itself */
} rn_wpath;

typedef struct dir_id {
    dev_t dev;
    ino_t ino;
} dir_id;

static void rn_wpath_done(rn_wpath *p)
{
    if (p->owned)
        close(p->dirfd);
    p->owned = false;
}

/* Splices a link target into the path: the new work string is target + the rest after the link. */
static uint16_t splice_link(char **work, size_t *pos, const char *target, ssize_t tlen, unsigned *links)
{
    if (++*links > RN_WASI_MAX_SYMLINKS)
        return RN_WE_LOOP;
    if (tlen == 0)
        return RN_WE_NOENT;
    if (target[0] == '/')
        return RN_WE_NOTCAPABLE;
    const char *rest = *work + *pos; /* "" or "/more/components" */
    size_t rlen = strlen(rest);
    if ((size_t)tlen + rlen > WORK_MAX)
        return RN_WE_NAMETOOLONG;
    char *n = malloc((size_t)tlen + rlen + 1);
    if (!n)
        return RN_WE_NOMEM;
    memcpy(n, target, (size_t)tlen);
    memcpy(n + tlen, rest, rlen + 1);
    free(*work);
    *work = n;
    *pos = 0;
    return 0;
}

static uint16_t push_id(dir_id **ids, size_t *n, size_t *cap, int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return rn_wasi_errno(errno);
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        dir_id *t = realloc(*ids, nc * sizeof *t);
        if (!t)
            return RN_WE_NOMEM;
        *ids = t;
        *cap = nc;
    }
    (*ids)[(*n)++] = (dir_id){st.st_dev, st.st_ino};
    return 0;
}

/* Resolves (path, len) beneath the directory `base`: on success *out holds the directory of the final
   component and its name. follow: a symbolic link as final component is followed (a trailing slash
   always follows). The caller runs rn_wpath_done(out) in every case. */
static uint16_t resolve(const rn_wfd *base, const char *path, size_t len, bool follow, rn_wpath *out)
{
    memset(out, 0, sizeof *out);
    out->dirfd = base->host;
    if (len == 0)
        return RN_WE_NOENT;
    if (len > RN_WASI_PATH_MAX)
        return RN_WE_NAMETOOLONG;
    if (memchr(path, 0, len))
        return RN_WE_INVAL;
    if (path[0] == '/')
        return RN_WE_NOTCAPABLE;
    char *work = malloc(len + 1);
    if (!work)
        return RN_WE_NOMEM;
    memcpy(work, path, len);
    work[len] = 0;

    dir_id *ids = NULL;
    size_t nids = 0, capids = 0, pos = 0;
    unsigned links = 0;
    char target[RN_WASI_PATH_MAX + 1];
    uint16_t err = push_id(&ids, &nids, &capids, base->host);
    while (!err) {
        while (work[pos] == '/')
            pos++;
        if (!work[pos]) { /* nothing left (only after a splice of a target like "d/"): the directory */
            strcpy(out->name, ".");
            break;
        }
        size_t start = pos;
        while (work[pos] && work[pos] != '/')
            pos++;
        size_t clen = pos - start, after = pos;
        while (work[after] == '/')
            after++;
        bool has_slash = work[pos] == '/', last = !work[after];
        if (clen > NAME_MAX) {
            err = RN_WE_NAMETOOLONG;
            break;
        }
        char comp[NAME_MAX + 1];
        memcpy(comp, work + start, clen);
        comp[clen] = 0;

        if (strcmp(comp, ".") == 0) {
            if (last) {
                strcpy(out->name, ".");
                out->slash = has_slash;
                break;
            }
            continue;
        }
        if (strcmp(comp, "..") == 0) {
            if (out->depth == 0) {
                err = RN_WE_NOTCAPABLE;
                break;
            }
            int up = openat(out->dirfd, "..", WALK_FLAGS);
            struct stat st;
            if (up < 0 || fstat(up, &st) < 0) {
                err = rn_wasi_errno(errno);
                if (up >= 0)
                    close(up);
                break;
            }
            if (st.st_dev != ids[nids - 2].dev || st.st_ino != ids[nids - 2].ino) {
                close(up); /* the directory was moved: its parent is no longer ours */
                err = RN_WE_NOTCAPABLE;
                break;
            }
            rn_wpath_done(out);
            out->dirfd = up;
            out->owned = true;
            out->depth--;
            nids--;
            if (last) {
                strcpy(out->name, ".");
                out->slash = has_slash;
                break;
            }
            continue;
        }
        if (last && !has_slash && !follow) {
            memcpy(out->name, comp, clen + 1);
            break;
        }
        if (last) { /* follow a final link, if it is one */
            ssize_t n = readlinkat(out->dirfd, comp, target, sizeof target);
            if (n >= 0) {
                err = n == (ssize_t)sizeof target ? RN_WE_NAMETOOLONG : splice_link(&work, &pos, target, n, &links);
                continue;
            }
            if (errno != EINVAL && errno != ENOENT) {
                err = rn_wasi_errno(errno);
                break;
            }
            memcpy(out->name, comp, clen + 1);
            out->slash = has_slash;
            break;
        }
        int next = openat(out->dirfd, comp, WALK_FLAGS);
        if (next >= 0) {
            err = push_id(&ids, &nids, &capids, next);
            rn_wpath_done(out);
            out->dirfd = next;
            out->owned = true;
            out->depth++;
            continue;
        }
        int e = errno;
        if (e == ELOOP || e == ENOTDIR || e == EMLINK) { /* a link (O_NOFOLLOW refused it) or a file */
            ssize_t n = readlinkat(out->dirfd, comp, target, sizeof target);
            if (n >= 0)
                err = n == (ssize_t)sizeof target ? RN_WE_NAMETOOLONG : splice_link(&work, &pos, target, n, &links);
            else
                err = RN_WE_NOTDIR;
            continue;
        }
        err = rn_wasi_errno(e);
    }
    free(work);
    free(ids);
    return err;
}

/* The directory argument of a path_* call and the guest's path: EBADF, ENOTDIR, ENOTCAPABLE, EFAULT. */
static uint16_t dir_arg(rn_wcall *c, uint32_t fd, uint64_t rights, uint32_t path, uint32_t len, rn_wfd **d)
{
    uint16_t err = rn_wfd_check(c->w, fd, rights, d);
    if (*d && (*d)->kind != RN_FD_DIR)
        return RN_WE_NOTDIR;
    if (err)
        return err;
    return rn_w_ok(c, path, len) ? 0 : RN_WE_FAULT;
}

static uint16_t resolve_arg(rn_wcall *c, const rn_wfd *d, uint32_t path, uint32_t len, bool follow, rn_wpath *p)
{
    return resolve(d, (const char *)c->mem + path, len, follow, p);
}

/* A path that ended in '/' names a directory: ENOTDIR if the final component is something else. */
static uint16_t slash_means_dir(const rn_wpath *p)
{
    struct stat st;
    if (!p->slash || fstatat(p->dirfd, p->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return 0; /* not there: the operation itself says so */
    return S_ISDIR(st.st_mode) ? 0 : RN_WE_NOTDIR;
}

/* ---------------------------------------------------------------- path_open */

/* path_open(fd, dirflags, path, path_len, oflags u16, rights_base u64, rights_inheriting u64,
   fdflags u16, retptr fd*) */
uint16_t rn_wasi_path_open(rn_wcall *c)
{
    uint32_t fd = c->a[0].i32, dirflags = c->a[1].i32, path = c->a[2].i32, plen = c->a[3].i32;
    uint32_t oflags = c->a[4].i32, fdflags = c->a[7].i32, ret = c->a[8].i32;
    uint64_t base = c->a[5].i64, inh = c->a[6].i64;
    uint32_t nfd;
    /* Taken first: growing the table moves it, which would leave `d` below pointing nowhere. */
    uint16_t err = rn_wfd_alloc(c->w, &nfd);
    if (err)
        return err;
    uint64_t need = RN_WR_PATH_OPEN | (oflags & RN_WOF_CREAT ? RN_WR_PATH_CREATE_FILE : 0) |
                    (oflags & RN_WOF_TRUNC ? RN_WR_PATH_FILESTAT_SET_SIZE : 0);
    rn_wfd *d;
    if ((err = dir_arg(c, fd, need, path, plen, &d)) != 0)
        return err;
    if (!rn_w_ok(c, ret, 4))
        return RN_WE_FAULT;
    if ((oflags & ~0xFu) || (fdflags & ~0x1Fu) || ((oflags & RN_WOF_CREAT) && (oflags & RN_WOF_DIRECTORY)))
        return RN_WE_INVAL;
    /* Fewer rights than asked are given silently (the spec allows it, and toolchains ask for more than
       they use), except writing: a guest that wants to write where it may not learns so at open. */
    if ((base & RN_WR_FD_WRITE) && !(d->inheriting & RN_WR_FD_WRITE))
        return RN_WE_NOTCAPABLE;
    if (d->read_only && (oflags & (RN_WOF_CREAT | RN_WOF_TRUNC)))
        return RN_WE_NOTCAPABLE;
    base &= d->inheriting;
    inh &= d->inheriting;

    bool wr = !d->read_only && (base & (RN_WR_FD_WRITE | RN_WR_FD_ALLOCATE | RN_WR_FD_FILESTAT_SET_SIZE));
    bool rd = (base & (RN_WR_FD_READ | RN_WR_FD_READDIR)) || !wr;
    /* O_NONBLOCK while opening, so that a FIFO in the directory cannot hang the host in open(). */
    int hf = O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | (wr ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY);
    if (oflags & RN_WOF_DIRECTORY)
        hf = (hf & ~O_ACCMODE) | O_RDONLY | O_DIRECTORY;
    if (oflags & RN_WOF_CREAT)
        hf |= O_CREAT;
    if (oflags & RN_WOF_EXCL)
        hf |= O_EXCL;
    if (oflags & RN_WOF_TRUNC)
        hf |= O_TRUNC;
    if (fdflags & RN_WFDF_APPEND)
        hf |= O_APPEND;
    if (fdflags & RN_WFDF_DSYNC)
        hf |= O_DSYNC;
    if (fdflags & (RN_WFDF_SYNC | RN_WFDF_RSYNC))
        hf |= O_SYNC;
    /* POSIX: with O_CREAT | O_EXCL a final symbolic link is not followed (the open fails on it). */
    bool follow = (dirflags & RN_WLOOKUP_SYMLINK_FOLLOW) && !((oflags & RN_WOF_CREAT) && (oflags & RN_WOF_EXCL));

    rn_wpath p;
    err = resolve_arg(c, d, path, plen, follow, &p);
    int h = -1;
    if (!err) {
        if (p.slash)
            hf |= O_DIRECTORY;
        if ((h = openat(p.dirfd, p.name, hf, 0666)) < 0)
            err = rn_wasi_errno(errno);
    }
    rn_wpath_done(&p);
    struct stat st;
    if (!err && fstat(h, &st) < 0)
        err = rn_wasi_errno(errno);
    if (!err && !(fdflags & RN_WFDF_NONBLOCK)) {
        int fl = fcntl(h, F_GETFL);
        if (fl < 0 || fcntl(h, F_SETFL, fl & ~O_NONBLOCK) < 0)
            err = rn_wasi_errno(errno);
    }
    if (err) {
        if (h >= 0)
            close(h);
        return err;
    }
    bool isdir = S_ISDIR(st.st_mode);
    c->w->fds[nfd] = (rn_wfd){.kind = isdir ? RN_FD_DIR : RN_FD_FILE, .filetype = rn_wasi_filetype(st.st_mode),
                              .read_only = d->read_only, .host = h, .rights = base,
                              .inheriting = isdir ? inh : 0};
    rn_st32(c->mem + ret, nfd);
    return 0;
}

/* ---------------------------------------------------------------- status and times */

/* path_filestat_get(fd, lookupflags, path, path_len, retptr filestat*) */
uint16_t rn_wasi_path_filestat_get(rn_wcall *c)
{
    rn_wfd *d;
    uint32_t path = c->a[2].i32, plen = c->a[3].i32, ret = c->a[4].i32;
    uint16_t err = dir_arg(c, c->a[0].i32, RN_WR_PATH_FILESTAT_GET, path, plen, &d);
    if (err)
        return err;
    if (!rn_w_ok(c, ret, 64))
        return RN_WE_FAULT;
    rn_wpath p;
    struct stat st;
    err = resolve_arg(c, d, path, plen, c->a[1].i32 & RN_WLOOKUP_SYMLINK_FOLLOW, &p);
    if (!err && fstatat(p.dirfd, p.name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        err = rn_wasi_errno(errno);
    if (!err && p.slash && !S_ISDIR(st.st_mode))
        err = RN_WE_NOTDIR;
    rn_wpath_done(&p);
    if (!err)
        rn_w_filestat(c->mem + ret, &st);
    return err;
}

/* path_filestat_set_times(fd, lookupflags, path, path_len, atim u64, mtim u64, fst_flags u16) */
uint16_t rn_wasi_path_filestat_set_times(rn_wcall *c)
{
    rn_wfd *d;
    uint32_t path = c->a[2].i32, plen = c->a[3].i32;
    uint16_t err = dir_arg(c, c->a[0].i32, RN_WR_PATH_FILESTAT_SET_TIMES, path, plen, &d);
    if (err)
        return err;
    struct timespec ts[2];
    if ((err = rn_w_times(c->a[4].i64, c->a[5].i64, c->a[6].i32, ts)) != 0)
        return err;
    rn_wpath p;
    err = resolve_arg(c, d, path, plen, c->a[1].i32 & RN_WLOOKUP_SYMLINK_FOLLOW, &p);
    if (!err)
        err = slash_means_dir(&p);
    if (!err && utimensat(p.dirfd, p.name, ts, AT_SYMLINK_NOFOLLOW) < 0)
        err = rn_wasi_errno(errno);
    rn_wpath_done(&p);
    return err;
}

/* ---------------------------------------------------------------- directories and files */

/* path_create_directory / path_remove_directory / path_unlink_file: (fd, path, path_len) */
static uint16_t one_path(rn_wcall *c, uint64_t right, int (*op)(const rn_wpath *p))
{
    rn_wfd *d;
    uint32_t path = c->a[1].i32, plen = c->a[2].i32;
    uint16_t err = dir_arg(c, c->a[0].i32, right, path, plen, &d);
    if (err)
        return err;
    rn_wpath p;
    err = resolve_arg(c, d, path, plen, false, &p);
    if (!err)
        err = (uint16_t)op(&p);
    rn_wpath_done(&p);
    return err;
}

static int op_mkdir(const rn_wpath *p)
{
    return mkdirat(p->dirfd, p->name, 0777) < 0 ? rn_wasi_errno(errno) : 0;
}

static int op_rmdir(const rn_wpath *p)
{
    return unlinkat(p->dirfd, p->name, AT_REMOVEDIR) < 0 ? rn_wasi_errno(errno) : 0;
}

static int op_unlink(const rn_wpath *p)
{
    struct stat st;
    if (p->slash && fstatat(p->dirfd, p->name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return S_ISDIR(st.st_mode) ? RN_WE_ISDIR : RN_WE_NOTDIR;
    return unlinkat(p->dirfd, p->name, 0) < 0 ? rn_wasi_errno(errno) : 0;
}

uint16_t rn_wasi_path_create_directory(rn_wcall *c)
{
    return one_path(c, RN_WR_PATH_CREATE_DIRECTORY, op_mkdir);
}

uint16_t rn_wasi_path_remove_directory(rn_wcall *c)
{
    return one_path(c, RN_WR_PATH_REMOVE_DIRECTORY, op_rmdir);
}

uint16_t rn_wasi_path_unlink_file(rn_wcall *c)
{
    return one_path(c, RN_WR_PATH_UNLINK_FILE, op_unlink);
}

/* path_readlink(fd, path, path_len, buf, buf_len, retptr size*): the target, cut to buf_len. */
uint16_t rn_wasi_path_readlink(rn_wcall *c)
{
    rn_wfd *d;
    uint32_t path = c->a[1].i32, plen = c->a[2].i32, buf = c->a[3].i32, blen = c->a[4].i32, ret = c->a[5].i32;
    uint16_t err = dir_arg(c, c->a[0].i32, RN_WR_PATH_READLINK, path, plen, &d);
    if (err)
        return err;
    if (!rn_w_ok(c, buf, blen) || !rn_w_ok(c, ret, 4))
        return RN_WE_FAULT;
    rn_wpath p;
    char target[RN_WASI_PATH_MAX];
    ssize_t n = -1;
    err = resolve_arg(c, d, path, plen, false, &p);
    if (!err && (n = readlinkat(p.dirfd, p.name, target, sizeof target)) < 0)
        err = rn_wasi_errno(errno);
    rn_wpath_done(&p);
    if (err)
        return err;
    uint32_t k = (size_t)n < blen ? (uint32_t)n : blen;
    memcpy(c->mem + buf, target, k);
    rn_st32(c->mem + ret, k);
    return 0;
}

/* ---------------------------------------------------------------- two paths */

/* path_rename(fd, old_path, old_len, new_fd, new_path, new_len) */
uint16_t rn_wasi_path_rename(rn_wcall *c)
{
    rn_wfd *od, *nd;
    uint32_t op = c->a[1].i32, ol = c->a[2].i32, np = c->a[4].i32, nl = c->a[5].i32;
    uint16_t err = dir_arg(c, c->a[0].i32, RN_WR_PATH_RENAME_SOURCE, op, ol, &od);
    if (!err)
        err = dir_arg(c, c->a[3].i32, RN_WR_PATH_RENAME_TARGET, np, nl, &nd);
    if (err)
        return err;
    rn_wpath a, b;
    memset(&b, 0, sizeof b);
    err = resolve_arg(c, od, op, ol, false, &a);
    if (!err)
        err = resolve_arg(c, nd, np, nl, false, &b);
    if (!err && (a.slash || b.slash)) { /* "x/": x must be a directory */
        a.slash = true;
        err = slash_means_dir(&a);
    }
    if (!err && renameat(a.dirfd, a.name, b.dirfd, b.name) < 0)
        err = rn_wasi_errno(errno);
    rn_wpath_done(&a);
    rn_wpath_done(&b);
    return err;
}

/* path_link(old_fd, old_flags, old_path, old_len, new_fd, new_path, new_len) */
uint16_t rn_wasi_path_link(rn_wcall *c)
{
    rn_wfd *od, *nd;
    uint32_t op = c->a[2].i32, ol = c->a[3].i32, np = c->a[5].i32, nl = c->a[6].i32;
    uint16_t err = dir_arg(c, c->a[0].i32, RN_WR_PATH_LINK_SOURCE, op, ol, &od);
    if (!err)
        err = dir_arg(c, c->a[4].i32, RN_WR_PATH_LINK_TARGET, np, nl, &nd);
    if (err)
        return err;
    rn_wpath a, b;
    memset(&b, 0, sizeof b);
    /* Following is done by the resolver, so linkat itself never follows (flags 0). */
    err = resolve_arg(c, od, op, ol, c->a[1].i32 & RN_WLOOKUP_SYMLINK_FOLLOW, &a);
    if (!err)
        err = resolve_arg(c, nd, np, nl, false, &b);
    if (!err)
        err = slash_means_dir(&a);
    if (!err && b.slash)
        err = RN_WE_NOENT;
    if (!err && linkat(a.dirfd, a.name, b.dirfd, b.name, 0) < 0)
        err = rn_wasi_errno(errno);
    rn_wpath_done(&a);
    rn_wpath_done(&b);
    return err;
}

/* Would a link at `depth` below the starting directory with this target point above it? */
static bool target_escapes(const char *t, size_t len, uint32_t depth)
{
    if (len == 0 || t[0] == '/')
        return true;
    int64_t d = depth;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && t[j] != '/')
            j++;
        size_t n = j - i;
        if (n == 2 && t[i] == '.' && t[i + 1] == '.') {
            if (--d < 0)
                return true;
        } else if (n > 0 && !(n == 1 && t[i] == '.')) {
            d++;
        }
        i = j + 1;
    }
    return false;
}

/* path_symlink(old_path, old_len, fd, new_path, new_len): a link at new_path with target old_path. */
uint16_t rn_wasi_path_symlink(rn_wcall *c)
{
    rn_wfd *d;
    uint32_t tp = c->a[0].i32, tl = c->a[1].i32, np = c->a[3].i32, nl = c->a[4].i32;
    uint16_t err = dir_arg(c, c->a[2].i32, RN_WR_PATH_SYMLINK, np, nl, &d);
    if (err)
        return err;
    if (!rn_w_ok(c, tp, tl))
        return RN_WE_FAULT;
    if (tl > RN_WASI_PATH_MAX)
        return RN_WE_NAMETOOLONG;
    const char *t = (const char *)c->mem + tp;
    if (memchr(t, 0, tl))
        return RN_WE_INVAL;
    rn_wpath p;
    err = resolve_arg(c, d, np, nl, false, &p);
    if (!err && target_escapes(t, tl, p.depth))
        err = RN_WE_NOTCAPABLE;
    struct stat st;
    if (!err && p.slash) /* "x/" cannot name a new link */
        err = fstatat(p.dirfd, p.name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? RN_WE_EXIST : RN_WE_NOENT;
    if (!err) {
        char *target = malloc((size_t)tl + 1);
        if (!target) {
            err = RN_WE_NOMEM;
        } else {
            memcpy(target, t, tl);
            target[tl] = 0;
            if (symlinkat(target, p.dirfd, p.name) < 0)
                err = rn_wasi_errno(errno);
            free(target);
        }
    }
    rn_wpath_done(&p);
    return err;
}
