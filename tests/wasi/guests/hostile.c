/* hostile.c - hands WASI functions pointers and lengths no honest program would: past the end of
   memory, wrapping around 2^32, huge counts. Each must answer EFAULT (21), EINVAL (28) or
   ENAMETOOLONG (37), and the host must not crash. Prints "LABEL ERRNO". */
#include <stdio.h>
#include <stdint.h>
#include <wasi/api.h>

/* the raw import: wasi-libc's wrapper would strlen() the path inside the guest first */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open"))) int32_t
raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t len, int32_t oflags, int64_t base, int64_t inh,
              int32_t fdflags, int32_t ret);

#define BAD ((void *)0xfffffff0u)

int main(void)
{
    __wasi_size_t n;
    __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
    __wasi_ciovec_t wrap = {(const uint8_t *)0xffffff00u, 0x200};
    __wasi_ciovec_t huge[1] = {{(const uint8_t *)0x1000u, 0xffffffffu}};
    printf("args_sizes %d\n", __wasi_args_sizes_get(BAD, &n));
    printf("args_get %d\n", __wasi_args_get(BAD, BAD));
    printf("environ_get %d\n", __wasi_environ_get(BAD, BAD));
    printf("write_bad_iovs %d\n", __wasi_fd_write(1, BAD, 1, &n));
    printf("write_bad_ret %d\n", __wasi_fd_write(1, &iov, 1, BAD));
    printf("write_wrap %d\n", __wasi_fd_write(1, &wrap, 1, &n));
    printf("write_huge %d\n", __wasi_fd_write(1, huge, 1, &n));
    printf("write_many_iovs %d\n", __wasi_fd_write(1, &iov, 0x20000000u, &n));
    printf("read_bad %d\n", __wasi_fd_read(0, BAD, 1, &n));
    printf("fdstat_bad %d\n", __wasi_fd_fdstat_get(1, BAD));
    printf("prestat_bad %d\n", __wasi_fd_prestat_get(3, BAD));
    printf("clock_bad %d\n", __wasi_clock_time_get(0, 0, BAD));
    printf("random_wrap %d\n", __wasi_random_get((uint8_t *)0xfffffff0u, 0x20));
    printf("poll_bad %d\n", __wasi_poll_oneoff(BAD, BAD, 1, &n));
    printf("poll_huge %d\n", __wasi_poll_oneoff((void *)0x1000u, (void *)0x1000u, 0x10000000u, &n));
    printf("open_bad_path %d\n", raw_path_open(3, 0, (int32_t)0xfffffff0u, 0x100, 0, 0, 0, 0, 0x100));
    printf("open_bad_ret %d\n", raw_path_open(3, 0, 0x100, 1, 0, 0, 0, 0, (int32_t)0xfffffffeu));
    printf("open_path_too_long %d\n", raw_path_open(3, 0, 0x100, 0x2000, 0, 0, 0, 0, 0x100));
    printf("readdir_bad %d\n", __wasi_fd_readdir(3, BAD, 100, 0, &n));
    return 0;
}
