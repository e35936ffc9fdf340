/*
 * fileio.c - the one reader and the one writer of users' files (see fileio.h for what they promise).
 *
 * The reader grows its buffer by doubling but never past the limit plus one byte: reading that one
 * byte more is how a stream without a size (a pipe, /dev/zero) is found to be too large, and it bounds
 * what the attempt costs. A regular file whose size is already over the limit is refused before any
 * byte is read.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int rn_max_input(size_t *max)
{
    const char *v = getenv("RUNNEL_MAX_INPUT");
    if (!v || !*v) {
        *max = RN_DEFAULT_MAX_INPUT;
        return 0;
    }
    size_t n = 0;
    for (const char *c = v; *c; c++) {
        if (*c < '0' || *c > '9' || n > (SIZE_MAX - 1 - 9) / 10) /* the limit plus one must fit */
            return RN_IO_BAD_LIMIT;
        n = n * 10 + (size_t)(*c - '0');
    }
    if (n == 0)
        return RN_IO_BAD_LIMIT;
    *max = n;
    return 0;
}

/* read() that retries when interrupted; the count, or -1 with errno. */
static ssize_t read_some(int fd, uint8_t *p, size_t n)
{
    ssize_t got;
    do
        got = read(fd, p, n);
    while (got < 0 && errno == EINTR);
    return got;
}

int rn_read_fd(int fd, uint8_t **out, size_t *len)
{
    size_t max;
    int err = rn_max_input(&max);
    if (err)
        return err;
    struct stat st;
    size_t cap = (size_t)1 << 16;
    if (fstat(fd, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return EISDIR;
        if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
            return RN_IO_TOO_LARGE;
        if (S_ISREG(st.st_mode) && st.st_size > 0)
            cap = (size_t)st.st_size + 1; /* the whole file, and one byte to see its end in one read */
    }
    size_t n = 0;
    uint8_t *buf = malloc(cap < max + 1 ? cap : max + 1);
    cap = cap < max + 1 ? cap : max + 1;
    if (!buf)
        return ENOMEM;
    for (;;) {
        if (n == cap) {
            if (cap == max + 1) {
                free(buf);
                return RN_IO_TOO_LARGE;
            }
            size_t ncap = cap <= (max + 1) / 2 ? cap * 2 : max + 1;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                return ENOMEM;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t got = read_some(fd, buf + n, cap - n);
        if (got < 0) {
            err = errno;
            free(buf);
            return err;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    *out = buf;
    *len = n;
    return 0;
}

int rn_read_file(const char *path, uint8_t **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        struct stat st;
        if (err == ENOENT && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
            return RN_IO_DANGLING;
        return err;
    }
    int err = rn_read_fd(fd, out, len);
    close(fd);
    return err;
}

/* The file a write to path replaces: path itself, or for a symbolic link the file it points to
   (malloc'ed, in *target). */
static int write_target(const char *path, char **target)
{
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode)) {
        *target = strdup(path);
        return *target ? 0 : ENOMEM;
    }
    *target = realpath(path, NULL);
    if (*target)
        return 0;
    return errno == ENOENT ? RN_IO_DANGLING : errno;
}

/* fsync of the directory holding path, so that a rename into it is on disk too. */
static int sync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return ENOMEM;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;
    free(dir);
    if (fd < 0)
        return errno;
    if (fsync(fd) != 0 && errno != EINVAL) /* some file systems cannot sync a directory: nothing to do */
        err = errno;
    close(fd);
    return err;
}

static int write_all(int fd, const void *data, size_t len)
{
    for (size_t done = 0; done < len;) {
        ssize_t w = write(fd, (const char *)data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        done += (size_t)w;
    }
    return 0;
}

/* A new file's permissions when there was none: what open(0666) would give under the umask. */
static mode_t default_mode(void)
{
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

/* A device or a FIFO (/dev/null, /dev/stdout, a named pipe) is written into, as a shell redirection
   would: renaming a regular file over it would replace the device node itself. */
static int write_into(const char *target, const void *data, size_t len)
{
    int fd = open(target, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = write_all(fd, data, len);
    if (close(fd) != 0 && !err)
        err = errno;
    return err;
}

int rn_write_file_atomic(const char *path, const void *data, size_t len)
{
    char *target, *tmp = NULL;
    int err = write_target(path, &target);
    if (err)
        return err;
    struct stat old;
    bool existed = stat(target, &old) == 0;
    if (existed && S_ISDIR(old.st_mode))
        err = EISDIR;
    else if (existed && !S_ISREG(old.st_mode)) {
        err = write_into(target, data, len);
        free(target);
        return err;
    }
    size_t n = strlen(target) + 8;
    if (!err && !(tmp = malloc(n)))
        err = ENOMEM;
    int fd = -1;
    if (!err) {
        snprintf(tmp, n, "%s.XXXXXX", target);
        if ((fd = mkstemp(tmp)) < 0)
            err = errno;
    }
    if (!err && fchmod(fd, existed ? old.st_mode & 07777 : default_mode()) != 0)
        err = errno;
    if (!err && existed && (old.st_uid != geteuid() || old.st_gid != getegid()))
        (void)!fchown(fd, old.st_uid, old.st_gid); /* only root may; otherwise the writer owns it */
    if (!err)
        err = write_all(fd, data, len);
    if (!err && fsync(fd) != 0)
        err = errno;
    if (fd >= 0 && close(fd) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, target) != 0)
        err = errno;
    if (err && fd >= 0)
        unlink(tmp);
    if (!err)
        err = sync_dir_of(target);
    free(tmp);
    free(target);
    return err;
}

const char *rn_io_strerror(int err, char *buf, size_t size)
{
    size_t max;
    switch (err) {
    case RN_IO_TOO_LARGE:
        if (rn_max_input(&max) != 0)
            max = RN_DEFAULT_MAX_INPUT;
        snprintf(buf, size, "larger than the input limit of %zu bytes (set RUNNEL_MAX_INPUT to change it)", max);
        return buf;
    case RN_IO_BAD_LIMIT:
        snprintf(buf, size, "RUNNEL_MAX_INPUT must be a positive number of bytes, not '%s'",
                 getenv("RUNNEL_MAX_INPUT") ? getenv("RUNNEL_MAX_INPUT") : "");
        return buf;
    case RN_IO_DANGLING:
        snprintf(buf, size, "a symbolic link to a file that does not exist");
        return buf;
    default:
        snprintf(buf, size, "%s", strerror(err));
        return buf;
    }
}
