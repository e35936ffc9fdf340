/* files.c - files and directories in a preopened directory (argv[1], e.g. "/sandbox"), through
   wasi-libc: write, read, append, seek, pread/pwrite, truncate, stat, mkdir, readdir, rename,
   unlink, rmdir, symlink/readlink, hard links, utimens, and a directory of 300 entries (more than one
   fd_readdir buffer). Every step prints "ok STEP" or "FAIL STEP: why"; the exit status is the number
   of failures. The host test then checks what the guest left on disk. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

static const char *root;
static int failures;

static const char *at(const char *name)
{
    return guest_path(root, name);
}

static void check(const char *step, int ok, const char *why)
{
    if (ok) {
        printf("ok %s\n", step);
    } else {
        printf("FAIL %s: %s (errno %d %s)\n", step, why, errno, strerror(errno));
        failures++;
    }
}

static int slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = 0;
    fclose(f);
    return (int)n;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    root = argc > 1 ? argv[1] : ".";
    char buf[256];
    struct stat st;

    FILE *f = fopen(at("data.txt"), "w");
    check("create", f && fputs("hello file\n", f) >= 0 && fclose(f) == 0, "fopen/fputs/fclose");
    check("read", slurp(at("data.txt"), buf, sizeof buf) == 11 && strcmp(buf, "hello file\n") == 0, buf);

    f = fopen(at("data.txt"), "a");
    check("append", f && fputs("more\n", f) >= 0 && fclose(f) == 0, "append");
    check("stat_size", stat(at("data.txt"), &st) == 0 && st.st_size == 16 && S_ISREG(st.st_mode), "size != 16");

    int fd = open(at("data.txt"), O_RDONLY);
    check("seek_read", fd >= 0 && lseek(fd, 6, SEEK_SET) == 6 && read(fd, buf, 4) == 4 && memcmp(buf, "file", 4) == 0 &&
                           lseek(fd, 0, SEEK_CUR) == 10 && lseek(fd, -5, SEEK_END) == 11,
          "lseek/read");
    close(fd);

    fd = open(at("data.txt"), O_RDWR);
    check("pwrite_pread", fd >= 0 && pwrite(fd, "HELLO", 5, 0) == 5 && pread(fd, buf, 5, 0) == 5 &&
                              memcmp(buf, "HELLO", 5) == 0 && lseek(fd, 0, SEEK_CUR) == 0,
          "pwrite/pread");
    check("ftruncate", fd >= 0 && ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5, "ftruncate");
    close(fd);

    check("mkdir", mkdir(at("sub"), 0755) == 0 && stat(at("sub"), &st) == 0 && S_ISDIR(st.st_mode), "mkdir");
    check("mkdir_exists", mkdir(at("sub"), 0755) == -1 && errno == EEXIST, "expected EEXIST");
    const char *names[] = {"sub/c.txt", "sub/a.txt", "sub/b.txt"};
    int made = 1;
    for (int i = 0; i < 3; i++) {
        f = fopen(at(names[i]), "w");
        made &= f && fputs(names[i], f) >= 0 && fclose(f) == 0;
    }
    check("create_three", made, "fopen in sub");

    DIR *d = opendir(at("sub"));
    char *seen[8];
    int n = 0, dots = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            dots++;
            continue;
        }
        if (n < 8)
            seen[n++] = strdup(e->d_name);
    }
    if (d)
        closedir(d);
    qsort(seen, (size_t)n, sizeof *seen, cmp);
    printf("list sub:");
    for (int i = 0; i < n; i++)
        printf(" %s", seen[i]);
    printf("\n");
    check("readdir", n == 3 && dots == 2 && strcmp(seen[0], "a.txt") == 0 && strcmp(seen[2], "c.txt") == 0,
          "entries");
    for (int i = 0; i < n; i++)
        free(seen[i]);

    check("rename", rename(at("sub/a.txt"), at("renamed.txt")) == 0, "rename");
    check("rename_gone", stat(at("sub/a.txt"), &st) == -1 && errno == ENOENT, "old name still there");
    check("renamed_content", slurp(at("renamed.txt"), buf, sizeof buf) == 9 && strcmp(buf, "sub/a.txt") == 0, buf);
    check("unlink", unlink(at("sub/b.txt")) == 0 && stat(at("sub/b.txt"), &st) == -1 && errno == ENOENT, "unlink");
    check("rmdir_notempty", rmdir(at("sub")) == -1 && errno == ENOTEMPTY, "expected ENOTEMPTY");
    check("rmdir", unlink(at("sub/c.txt")) == 0 && rmdir(at("sub")) == 0 && stat(at("sub"), &st) == -1, "rmdir");
    check("unlink_dir", mkdir(at("d2"), 0755) == 0 && unlink(at("d2")) == -1 && (errno == EISDIR || errno == EPERM) &&
                            rmdir(at("d2")) == 0,
          "unlink of a directory");

    check("symlink", symlink("data.txt", at("link")) == 0, "symlink");
    ssize_t k = readlink(at("link"), buf, sizeof buf);
    check("readlink", k == 8 && memcmp(buf, "data.txt", 8) == 0, "readlink");
    check("through_link", slurp(at("link"), buf, sizeof buf) == 5 && strcmp(buf, "HELLO") == 0, "read via link");
    check("lstat_link", lstat(at("link"), &st) == 0 && S_ISLNK(st.st_mode), "lstat");
    check("hardlink", link(at("data.txt"), at("hard.txt")) == 0 && stat(at("data.txt"), &st) == 0 && st.st_nlink == 2,
          "link");

    struct timespec ts[2] = {{1000000000, 0}, {1234567890, 500}};
    check("utimens", utimensat(AT_FDCWD, at("data.txt"), ts, 0) == 0 && stat(at("data.txt"), &st) == 0 &&
                         st.st_mtim.tv_sec == 1234567890 && st.st_atim.tv_sec == 1000000000,
          "utimensat");

    static char big[100000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 26);
    f = fopen(at("big.bin"), "w");
    check("big_write", f && fwrite(big, 1, sizeof big, f) == sizeof big && fclose(f) == 0, "fwrite");
    static char back[100001];
    f = fopen(at("big.bin"), "r");
    size_t got = f ? fread(back, 1, sizeof back, f) : 0;
    if (f)
        fclose(f);
    check("big_read", got == sizeof big && memcmp(big, back, sizeof big) == 0, "fread");

    /* 300 entries with long names: several fd_readdir calls, with entries cut at buffer ends */
    check("mkdir_many", mkdir(at("many"), 0755) == 0, "mkdir");
    int created = 0;
    for (int i = 0; i < 300; i++) {
        char name[96];
        snprintf(name, sizeof name, "many/entry-with-a-rather-long-name-%03d", i);
        fd = open(at(name), O_CREAT | O_WRONLY | O_EXCL, 0644);
        created += fd >= 0;
        close(fd);
    }
    int counted = 0, mask_ok = 1;
    static char hit[300];
    d = opendir(at("many"));
    while (d && (e = readdir(d)) != NULL) {
        int idx;
        if (sscanf(e->d_name, "entry-with-a-rather-long-name-%d", &idx) == 1 && idx >= 0 && idx < 300) {
            mask_ok &= !hit[idx];
            hit[idx] = 1;
            counted++;
        }
    }
    if (d)
        closedir(d);
    check("readdir_many", created == 300 && counted == 300 && mask_ok, "300 entries, each once");
    printf("many: created %d counted %d\n", created, counted);

    /* O_EXCL on an existing file, O_DIRECTORY on a file, a missing file */
    check("excl", open(at("data.txt"), O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 && errno == EEXIST, "EEXIST");
    check("notdir", open(at("data.txt/x"), O_RDONLY) == -1 && errno == ENOTDIR, "ENOTDIR");
    check("noent", open(at("missing.txt"), O_RDONLY) == -1 && errno == ENOENT, "ENOENT");
    check("dir_dotdot_inside", stat(at("many/../data.txt"), &st) == 0 && st.st_size == 5, "many/../data.txt");

    printf("failures=%d\n", failures);
    return failures;
}
