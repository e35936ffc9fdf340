/* readonly.c - every kind of write under a read-only preopen argv[1] (default "/ro"), through
   wasi-libc and raw; prints "LABEL ERRNO" (0 = it worked). Reading must work; every write must fail
   with ENOTCAPABLE (76) (EBADF from wasi-libc's write(), which translates it). With a writable preopen argv[2] (default "/rw") it also tries to move or
   hard-link read-only files into the writable tree. The host prepared: file.txt ("readonly
   content\n"), dir/x.txt, empty_dir/. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

#include "guest.h"

static const char *ro, *rw;

#define E(expr) ((expr) < 0 ? errno : 0)

int main(int argc, char **argv)
{
    ro = argc > 1 ? argv[1] : "/ro";
    rw = argc > 2 ? argv[2] : "/rw";
    char buf[64] = {0};

    FILE *f = fopen(guest_path(ro, "file.txt"), "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    printf("read %d %s", f ? 0 : errno, buf);

    errno = 0;
    f = fopen(guest_path(ro, "file.txt"), "w");
    printf("fopen_w_existing %d\n", f ? 0 : errno);
    errno = 0;
    f = fopen(guest_path(ro, "new.txt"), "w");
    printf("fopen_w_new %d\n", f ? 0 : errno);
    errno = 0;
    f = fopen(guest_path(ro, "file.txt"), "a");
    printf("fopen_a %d\n", f ? 0 : errno);

    int fd = open(guest_path(ro, "file.txt"), O_WRONLY);
    printf("open_wronly %d\n", fd < 0 ? errno : 0);
    /* wasi-libc reports a missing right on read/write as EBADF, as POSIX does for a descriptor not open
       for writing; the raw call shows runnel's ENOTCAPABLE */
    printf("write_wronly %d\n", fd < 0 ? -1 : E(write(fd, "x", 1)));
    __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
    __wasi_size_t nw;
    printf("raw_write_wronly %d\n", fd < 0 ? -1 : __wasi_fd_write((__wasi_fd_t)fd, &iov, 1, &nw));
    printf("ftruncate_wronly %d\n", fd < 0 ? -1 : E(ftruncate(fd, 0)));
    close(fd);
    fd = open(guest_path(ro, "file.txt"), O_RDWR | O_APPEND);
    printf("write_rdwr %d\n", fd < 0 ? errno : E(write(fd, "x", 1)));
    close(fd);
    fd = open(guest_path(ro, "file.txt"), O_RDONLY);
    printf("pwrite_rdonly %d\n", E(pwrite(fd, "x", 1, 0)));
    printf("fd_allocate %d\n", __wasi_fd_allocate((__wasi_fd_t)fd, 0, 100));
    printf("fd_set_size %d\n", __wasi_fd_filestat_set_size((__wasi_fd_t)fd, 0));
    printf("fd_set_times %d\n", __wasi_fd_filestat_set_times((__wasi_fd_t)fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    printf("fd_set_rights_up %d\n", __wasi_fd_fdstat_set_rights((__wasi_fd_t)fd, __WASI_RIGHTS_FD_WRITE, 0));
    close(fd);

    __wasi_fd_t D = guest_preopen(ro), nfd;
    printf("raw_open_write %d\n", __wasi_path_open(D, 0, "file.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &nfd));
    printf("raw_open_trunc %d\n", __wasi_path_open(D, 0, "file.txt", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_READ, 0, 0, &nfd));
    printf("raw_open_creat %d\n", __wasi_path_open(D, 0, "c.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ, 0, 0, &nfd));

    printf("mkdir %d\n", E(mkdir(guest_path(ro, "newdir"), 0755)));
    printf("rmdir %d\n", E(rmdir(guest_path(ro, "empty_dir"))));
    printf("unlink %d\n", E(unlink(guest_path(ro, "file.txt"))));
    printf("unlink_nested %d\n", E(unlink(guest_path(ro, "dir/x.txt"))));
    printf("rename %d\n", E(rename(guest_path(ro, "file.txt"), guest_path(ro, "moved.txt"))));
    printf("link %d\n", E(link(guest_path(ro, "file.txt"), guest_path(ro, "hard.txt"))));
    printf("symlink %d\n", E(symlink("file.txt", guest_path(ro, "sym"))));
    struct timespec ts[2] = {{5, 0}, {5, 0}};
    printf("utimens %d\n", E(utimensat(AT_FDCWD, guest_path(ro, "file.txt"), ts, 0)));
    printf("truncate %d\n", E(truncate(guest_path(ro, "file.txt"), 0)));
    printf("rename_to_rw %d\n", E(rename(guest_path(ro, "file.txt"), guest_path(rw, "moved.txt"))));
    printf("link_to_rw %d\n", E(link(guest_path(ro, "file.txt"), guest_path(rw, "hard.txt"))));
    printf("rename_from_rw %d\n", E(rename(guest_path(rw, "w.txt"), guest_path(ro, "w.txt"))));
    /* a directory opened under the read-only preopen is read-only too */
    __wasi_fd_t sub;
    int e = __wasi_path_open(D, 0, "dir", __WASI_OFLAGS_DIRECTORY, ~0ull & ~__WASI_RIGHTS_FD_WRITE, ~0ull & ~__WASI_RIGHTS_FD_WRITE, 0, &sub);
    printf("open_subdir %d\n", e);
    printf("subdir_unlink %d\n", e ? -1 : __wasi_path_unlink_file(sub, "x.txt"));
    printf("subdir_create %d\n", e ? -1 : __wasi_path_open(sub, 0, "y.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ, 0, 0, &nfd));
    /* the writable one works */
    f = fopen(guest_path(rw, "ok.txt"), "w");
    printf("rw_write %d\n", f && fputs("fine\n", f) >= 0 && fclose(f) == 0 ? 0 : errno);
    (void)n;
    return 0;
}
