/* guest.h - helpers the guest programs share (compiled into each; they run inside the sandbox). */
#ifndef GUEST_H
#define GUEST_H

#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

/* The descriptor of the preopened directory whose guest path is `guest`, or -1: preopens are the
   descriptors from 3 on for which fd_prestat_get succeeds. */
static inline __wasi_fd_t guest_preopen(const char *guest)
{
    for (__wasi_fd_t fd = 3; fd < 64; fd++) {
        __wasi_prestat_t ps;
        char name[256];
        if (__wasi_fd_prestat_get(fd, &ps) != 0)
            break;
        if (ps.u.dir.pr_name_len < sizeof name &&
            __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, ps.u.dir.pr_name_len) == 0) {
            name[ps.u.dir.pr_name_len] = 0;
            if (strcmp(name, guest) == 0)
                return fd;
        }
    }
    return (__wasi_fd_t)-1;
}

/* base "/" name, in one of four rotating buffers (so a call may use a few at once). */
static inline const char *guest_path(const char *base, const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", base, name);
    return buf[k];
}

#endif
