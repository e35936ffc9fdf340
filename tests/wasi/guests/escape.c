/* escape.c - tries to leave the preopened directory argv[1] in every way the ABI allows, and prints
   "LABEL ERRNO" for each attempt (0 = it worked). The host test expects ENOTCAPABLE (76) for every
   escape, ELOOP (32) for link loops, and checks that nothing outside the preopen changed. The raw
   __wasi_* calls bypass wasi-libc's own path handling, so the errnos are runnel's.
   The host prepares inside the preopen: inside.txt, sub/, link_etc -> /etc, link_up -> .., link_up2 ->
   sub/../.., link_abs -> (the preopen's absolute host path), loop -> loop; and next to it outside.txt. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

#include "guest.h"

/* not in wasi-libc's header any more, still in the preview-1 ABI */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise"))) int32_t raw_proc_raise(int32_t);

static __wasi_fd_t D;

static int open_raw(const char *path, int follow, __wasi_rights_t rights, __wasi_oflags_t oflags)
{
    __wasi_fd_t fd;
    int e = __wasi_path_open(D, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0, path, oflags, rights, rights, 0, &fd);
    if (e == 0)
        (void)__wasi_fd_close(fd);
    return e;
}

#define R (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK)
#define W (__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_READ)

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : "/sandbox";
    D = guest_preopen(root);
    printf("preopen %d\n", D != (__wasi_fd_t)-1);

    printf("inside %d\n", open_raw("inside.txt", 1, R, 0));
    printf("inside_via_sub %d\n", open_raw("sub/../inside.txt", 1, R, 0));
    printf("dotdot %d\n", open_raw("../outside.txt", 1, R, 0));
    printf("dotdot_deep %d\n", open_raw("sub/../../outside.txt", 1, R, 0));
    printf("dotdot_only %d\n", open_raw("..", 1, R, 0));
    printf("absolute %d\n", open_raw("/etc/passwd", 1, R, 0));
    printf("link_etc %d\n", open_raw("link_etc/passwd", 1, R, 0));
    printf("link_etc_final %d\n", open_raw("link_etc", 1, R, __WASI_OFLAGS_DIRECTORY));
    printf("link_etc_nofollow %d\n", open_raw("link_etc", 0, R, 0));
    printf("link_up %d\n", open_raw("link_up/outside.txt", 1, R, 0));
    printf("link_up2 %d\n", open_raw("link_up2/outside.txt", 1, R, 0));
    printf("link_abs %d\n", open_raw("link_abs/inside.txt", 1, R, 0));
    printf("loop %d\n", open_raw("loop", 1, R, 0));
    printf("loop_dir %d\n", open_raw("loop/x", 1, R, 0));
    printf("create_outside %d\n", open_raw("../created.txt", 1, W, __WASI_OFLAGS_CREAT));
    printf("create_via_link %d\n", open_raw("link_up/created.txt", 1, W, __WASI_OFLAGS_CREAT));

    __wasi_filestat_t st;
    printf("stat_link_etc %d\n", __wasi_path_filestat_get(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link_etc/passwd", &st));
    printf("stat_dotdot %d\n", __wasi_path_filestat_get(D, 0, "..", &st));
    printf("mkdir_outside %d\n", __wasi_path_create_directory(D, "../newdir"));
    printf("unlink_outside %d\n", __wasi_path_unlink_file(D, "../outside.txt"));
    printf("unlink_via_link %d\n", __wasi_path_unlink_file(D, "link_up/outside.txt"));
    printf("rmdir_root %d\n", __wasi_path_remove_directory(D, "sub/.."));
    printf("rename_out %d\n", __wasi_path_rename(D, "inside.txt", D, "../moved.txt"));
    printf("rename_in %d\n", __wasi_path_rename(D, "../outside.txt", D, "stolen.txt"));
    printf("link_out %d\n", __wasi_path_link(D, 0, "inside.txt", D, "../hard.txt"));
    printf("link_in %d\n", __wasi_path_link(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link_up/outside.txt", D, "hard.txt"));
    printf("symlink_abs %d\n", __wasi_path_symlink("/etc", D, "evil"));
    printf("symlink_up %d\n", __wasi_path_symlink("../../etc", D, "evil2"));
    printf("symlink_up_sub %d\n", __wasi_path_symlink("../../x", D, "sub/evil3"));
    printf("symlink_ok %d\n", __wasi_path_symlink("../inside.txt", D, "sub/good"));
    printf("through_good %d\n", open_raw("sub/good", 1, R, 0));
    printf("times_outside %d\n", __wasi_path_filestat_set_times(D, 0, "../outside.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    char buf[64];
    __wasi_size_t n;
    printf("readlink_outside %d\n", __wasi_path_readlink(D, "link_up/../x", (uint8_t *)buf, sizeof buf, &n));

    /* descriptors that were never granted */
    __wasi_fdstat_t fs;
    printf("bad_fd %d\n", __wasi_fd_fdstat_get(999, &fs));
    printf("bad_fd_open %d\n", __wasi_path_open(999, 0, "x", 0, R, R, 0, &(__wasi_fd_t){0}));
    printf("stdin_not_dir %d\n", __wasi_path_open(0, 0, "x", 0, R, R, 0, &(__wasi_fd_t){0}));
    printf("sock_accept %d\n", __wasi_sock_accept(D, 0, &(__wasi_fd_t){0}));
    printf("sock_bad %d\n", __wasi_sock_shutdown(999, __WASI_SDFLAGS_RD));
    printf("proc_raise %d\n", raw_proc_raise(9));

    /* the same through wasi-libc: absolute paths outside every preopen, and .. climbing out */
    errno = 0;
    printf("libc_etc %d\n", open("/etc/passwd", O_RDONLY) < 0 ? errno : 0);
    char p[300];
    snprintf(p, sizeof p, "%s/../outside.txt", root);
    errno = 0;
    printf("libc_dotdot %d\n", open(p, O_RDONLY) < 0 ? errno : 0);
    snprintf(p, sizeof p, "%s/link_etc/passwd", root);
    errno = 0;
    printf("libc_link_etc %d\n", open(p, O_RDONLY) < 0 ? errno : 0);
    return 0;
}
