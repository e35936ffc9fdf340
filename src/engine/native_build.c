/*
 * native_build.c - the compile cache directory and the C compiler runs of native_build.h.
 *
 * Children are run by one loop, run_all: it starts up to `jobs` of them, polls their output pipes
 * (each child's stdout and, for compiles, stderr too), and reaps each by its pid. A child is done when
 * its pipe reaches end of file and waitpid says it ended, or when waitpid says it ended while the pipe
 * is still open: a grandchild (a compiler cache's server, say) may hold the pipe long after, and
 * waiting for its end of file would hang the build. Hence the poll has a timeout.
 *
 * Limits: the module, and so the C, may come from anyone, and a C compiler can be made to take minutes
 * or gigabytes on a pathological function. Each compiler gets a CPU time and an address space limit,
 * set before it starts (so that the processes it starts in turn, cc1, as, ld, inherit them) by
 * /bin/sh's ulimit, then `exec "$0" "$@"`: the compiler's words and arguments reach it as arguments,
 * never parsed by the shell. (prlimit on the running child would race with it: under load a compiler
 * can start cc1 before the parent gets to run.) A limit the process already has that is lower stays.
 * A compiler still running after twice its CPU time in wall time (one that waits on something uses no
 * CPU) is killed.
 */
#define _GNU_SOURCE /* pipe2, mkostemp: POSIX.1-2024, declared by glibc for _GNU_SOURCE */
#include "native_build.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "util.h"

extern char **environ;

/* ---------------------------------------------------------------- the cache directory */

/* mkdir -p, each directory it makes private to the user (0700): 0 or an errno. */
static int make_dirs(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 0; /* the usual case: nothing to make */
    char *p = strdup(path);
    if (!p)
        return ENOMEM;
    int err = 0;
    for (char *s = p + 1; !err; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0700) != 0) {
            err = errno;
            if (err == EEXIST) /* already there: fine if it is a directory (or a link to one) */
                err = stat(p, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
        }
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return err;
}

char *rn_native_cache_dir(const char *override, runnel_report *r)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME"), *base, *sub;
    if (override && *override)
        base = override, sub = "";
    else if (xdg && xdg[0] == '/') /* the XDG spec: a relative path is invalid and must be ignored */
        base = xdg, sub = "/runnel";
    else if (home && *home)
        base = home, sub = "/.cache/runnel";
    else {
        rn_fail(r, RUNNEL_TOOL, 0, "cannot find a place for the compile cache: neither XDG_CACHE_HOME nor HOME "
                                   "is set; give a cache directory");
        return NULL;
    }
    size_t len = strlen(base);
    while (len > 0 && base[len - 1] == '/') /* "dir/" and "dir" are one place ("/" is 0 bytes + "/native") */
        len--;
    char *path = rn_format("%.*s%s/native", (int)len, base, sub);
    if (!path) {
        rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
        return NULL;
    }
    int err = make_dirs(path);
    if (err) {
        char buf[128];
        rn_fail(r, RUNNEL_TOOL, 0, "cannot create the compile cache %s: %s", path, rn_io_strerror(err, buf, sizeof buf));
        free(path);
        return NULL;
    }
    return path;
}

/* ---------------------------------------------------------------- running children */

enum { OUT_MAX = 4096 }; /* a child's output kept: enough for the first errors, bounded for a report */

/* A command line split on spaces and tabs (no shell): v points into text, a copy with NULs put in. */
typedef struct cmdline {
    char *text;
    char **v;
    size_t n;
} cmdline;

static bool split_words(const char *s, cmdline *c)
{
    size_t len = strlen(s);
    c->n = 0;
    c->text = strdup(s);
    c->v = malloc((len / 2 + 1) * sizeof *c->v); /* at most one word every two bytes */
    if (!c->text || !c->v)
        return false;
    for (char *p = c->text; *p;) {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (*p)
            c->v[c->n++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    return true;
}

static void cmdline_free(cmdline *c)
{
    free(c->text);
    free(c->v);
}

/* One child: its pid (0 for a free slot), the read end of its output pipe (-1 once closed), and the
   first OUT_MAX bytes it wrote. spawn_err / wait_err: an errno from starting it or waiting for it. */
typedef struct child {
    pid_t pid;
    int fd;
    int status;
    int spawn_err, wait_err;
    bool cut;
    bool timed_out; /* killed: it outlived the wall-clock limit */
    uint64_t started_ns;
    size_t len;
    char out[OUT_MAX];
} child;

/* A descriptor above 0..2, so that placing the pipe on the child's stdout cannot clobber it. */
static int above_stdio(int fd)
{
    if (fd < 0 || fd > 2)
        return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return moved;
}

/* Starts argv with stdin from /dev/null and stdout (and stderr when merge, else /dev/null) into a
   pipe. The pipes are O_CLOEXEC: a child another thread starts at the same time must not hold our
   write end, or our end of file would wait for its exit. The child gets an empty signal mask and
   default signal actions, so a host that ignores SIGCHLD or SIGPIPE does not break the compiler. */
static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int spawn(char *const *argv, bool merge, child *c)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return errno;
    p[0] = above_stdio(p[0]);
    p[1] = above_stdio(p[1]);
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    int err = p[0] < 0 || p[1] < 0 ? EMFILE : 0;
    if (!err && (err = posix_spawn_file_actions_init(&fa)) == 0) {
        if ((err = posix_spawnattr_init(&at)) == 0) {
            if (!(err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) &&
                !(err = posix_spawn_file_actions_adddup2(&fa, p[1], 1)) &&
                !(err = merge ? posix_spawn_file_actions_adddup2(&fa, p[1], 2)
                              : posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0)) &&
                !(err = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) &&
                !(err = posix_spawnattr_setsigmask(&at, &none)) && !(err = posix_spawnattr_setsigdefault(&at, &all)))
                err = posix_spawnp(&c->pid, argv[0], &fa, &at, argv, environ);
            if (!err)
                c->started_ns = now_ns();
            posix_spawnattr_destroy(&at);
        }
        posix_spawn_file_actions_destroy(&fa);
    }
    if (p[1] >= 0)
        close(p[1]);
    if (!err && fcntl(p[0], F_SETFL, O_NONBLOCK) != 0)
        err = errno; /* cannot happen on a pipe; the child is reaped by the caller then */
    if (err && !c->pid && p[0] >= 0)
        close(p[0]);
    else
        c->fd = p[0];
    return err;
}

/* Reads what c's pipe holds now, keeping the first OUT_MAX bytes; closes it at end of file. */
static void drain(child *c)
{
    char buf[4096];
    while (c->fd >= 0) {
        ssize_t got = read(c->fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (got <= 0) {
            close(c->fd);
            c->fd = -1;
            return;
        }
        size_t keep = OUT_MAX - c->len < (size_t)got ? OUT_MAX - c->len : (size_t)got;
        memcpy(c->out + c->len, buf, keep);
        c->len += keep;
        c->cut |= keep < (size_t)got;
    }
}

/* true when c has ended (or cannot be waited for); block: wait for it. */
static bool reaped(child *c, bool block)
{
    pid_t got;
    do
        got = waitpid(c->pid, &c->status, block ? 0 : WNOHANG);
    while (got < 0 && errno == EINTR);
    if (got == 0)
        return false;
    if (got < 0)
        c->wait_err = errno;
    return true;
}

/* Runs the n commands argvs, at most jobs at once (see the top of the file). After the first failure
   no more are started, but every one started is waited for. progress (if any) is told (done, total)
   after each success. *last: the child that failed, or the last to finish. *started: how many were
   started, argvs[0 .. *started). true when every command succeeded. */
static bool run_all(char **const *argvs, size_t n, size_t jobs, bool merge, const rn_cc_limits *lim,
                    runnel_progress_fn progress, void *user, uint32_t total, child *last, size_t *started)
{
    child *kids = calloc(jobs, sizeof *kids);
    struct pollfd *pfd = calloc(jobs, sizeof *pfd);
    size_t next = 0, running = 0;
    uint32_t done = 0;
    bool failed = false;
    if (!kids || !pfd) {
        memset(last, 0, sizeof *last);
        last->spawn_err = ENOMEM, failed = true;
    }
    while (running > 0 || (!failed && next < n)) {
        for (size_t k = 0; k < jobs && !failed && next < n; k++) {
            if (kids[k].pid)
                continue;
            kids[k] = (child){.fd = -1};
            kids[k].spawn_err = spawn(argvs[next++], merge, &kids[k]);
            if (kids[k].pid)
                running++;
            if (kids[k].spawn_err && !kids[k].pid) /* not started at all */
                *last = kids[k], failed = true;
        }
        nfds_t np = 0;
        for (size_t k = 0; k < jobs; k++)
            if (kids[k].pid && kids[k].fd >= 0)
                pfd[np++] = (struct pollfd){.fd = kids[k].fd, .events = POLLIN};
        if (running > 0 && np > 0)
            poll(pfd, np, 100); /* EINTR or a timeout: the loop below looks at every child anyway */
        for (size_t k = 0; k < jobs; k++) {
            child *c = &kids[k];
            if (!c->pid)
                continue;
            drain(c);
            if (!c->timed_out && now_ns() - c->started_ns > 2u * lim->seconds * 1000000000ull) {
                kill(c->pid, SIGKILL);
                c->timed_out = true;
            }
            if (!reaped(c, c->fd < 0)) /* at end of file the child is exiting: wait for it */
                continue;
            drain(c); /* what it wrote before it ended */
            if (c->fd >= 0)
                close(c->fd);
            c->fd = -1, c->pid = 0, running--;
            if (failed)
                continue;
            if (c->spawn_err || c->wait_err || !WIFEXITED(c->status) || WEXITSTATUS(c->status) != 0)
                failed = true;
            else if (progress)
                progress(user, ++done, total);
            *last = *c;
        }
    }
    *started = next;
    free(kids);
    free(pfd);
    return !failed;
}

/* The name of the signal a compiler died of (strsignal need not be thread-safe). */
static const char *signal_name(int sig)
{
    static const struct { int sig; const char *name; } names[] = {
        {SIGHUP, "SIGHUP"}, {SIGINT, "SIGINT"}, {SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"}, {SIGABRT, "SIGABRT"},
        {SIGBUS, "SIGBUS"}, {SIGFPE, "SIGFPE"}, {SIGKILL, "SIGKILL"}, {SIGSEGV, "SIGSEGV"}, {SIGPIPE, "SIGPIPE"},
        {SIGTERM, "SIGTERM"}, {SIGXCPU, "SIGXCPU, the CPU time limit"}, {SIGXFSZ, "SIGXFSZ, the file size limit"}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (names[i].sig == sig)
            return names[i].name;
    return "unnamed";
}

/* The report for a child that failed. Its output may name the module's functions (the author's text),
   so it is escaped; newlines are kept, as a compiler's messages are lines. The message is not cut at
   rn_fail's 512 bytes: the compiler's first errors are the point of it. */
static runnel_status child_fail(runnel_report *r, const char *cc, const char *what, const rn_cc_limits *lim,
                                const child *c)
{
    if (!r)
        return RUNNEL_TOOL;
    char err[128], how[96];
    char *name = runnel_text_escape(cc);
    size_t len = c->len;
    while (len > 0 && (c->out[len - 1] == '\n' || c->out[len - 1] == '\r' || c->out[len - 1] == ' '))
        len--;
    char *raw = rn_format("%.*s", (int)len, c->out), *out = raw ? runnel_text_escape_lines(raw) : NULL;
    char *msg = NULL;
    int exec_err = 0; /* the wrapper's exec of the compiler failed: sh's 127 (not found) or 126 */
    if (!c->spawn_err && !c->wait_err && !c->timed_out && WIFEXITED(c->status) &&
        (WEXITSTATUS(c->status) == 127 || WEXITSTATUS(c->status) == 126) && memmem(c->out, c->len, "exec: ", 6))
        exec_err = WEXITSTATUS(c->status) == 127 ? ENOENT : EACCES;
    if (name && (c->spawn_err || exec_err)) {
        int e = c->spawn_err ? c->spawn_err : exec_err;
        msg = rn_format("cannot run the C compiler \"%s\": %s%s", name, rn_io_strerror(e, err, sizeof err),
                        e == ENOENT ? "; set RUNNEL_CC or install one (apt-get install gcc)" : "");
    } else if (name && c->spawn_err)
        msg = rn_format("cannot run the C compiler \"%s\": %s%s", name, rn_io_strerror(c->spawn_err, err, sizeof err),
                        c->spawn_err == ENOENT ? "; set RUNNEL_CC or install one (apt-get install gcc)" : "");
    else if (name && c->wait_err)
        msg = rn_format("cannot wait for the C compiler \"%s\": %s%s", name, rn_io_strerror(c->wait_err, err, sizeof err),
                        c->wait_err == ECHILD ? " (is SIGCHLD ignored?)" : "");
    else if (name && out) {
        if (c->timed_out)
            snprintf(how, sizeof how, "was stopped after %u s of wall-clock time", 2 * lim->seconds);
        else if (WIFSIGNALED(c->status))
            snprintf(how, sizeof how, "was killed by signal %d, %s", WTERMSIG(c->status), signal_name(WTERMSIG(c->status)));
        else
            snprintf(how, sizeof how, "exited with %d", WIFEXITED(c->status) ? WEXITSTATUS(c->status) : -1);
        char limits[160] = "";
        if (c->timed_out || WIFSIGNALED(c->status) || memmem(c->out, c->len, "emory", 5))
            snprintf(limits, sizeof limits,
                     "\nits limits: %u s of CPU time and %llu MiB of address space per compiler process "
                     "(runnel_compile_options.cc_seconds, cc_memory_mb)",
                     lim->seconds, (unsigned long long)(lim->memory_bytes >> 20));
        msg = rn_format("%s (%s %s): %s%s%s", what, name, how, len ? out : "(no messages)", c->cut ? " ..." : "",
                        limits);
    }
    runnel_report_clear(r);
    r->status = msg ? RUNNEL_TOOL : RUNNEL_NOMEM;
    r->message = msg ? msg : rn_format("out of memory");
    free(name);
    free(raw);
    free(out);
    return r->status;
}

/* ---------------------------------------------------------------- the compiler's identity */

char *rn_cc_identity(const char *cc)
{
    if (!cc)
        return NULL;
    cc += strspn(cc, " \t");
    size_t n = strcspn(cc, " \t");
    char word[PATH_MAX], path[PATH_MAX], real[PATH_MAX];
    if (n == 0 || n >= sizeof word)
        return NULL;
    memcpy(word, cc, n);
    word[n] = 0;
    bool found = false;
    if (strchr(word, '/')) {
        found = snprintf(path, sizeof path, "%s", word) < (int)sizeof path && access(path, X_OK) == 0;
    } else {
        const char *p = getenv("PATH");
        for (p = p ? p : "/usr/bin:/bin"; !found && *p;) {
            size_t k = strcspn(p, ":");
            found = snprintf(path, sizeof path, "%.*s/%s", (int)k, k ? p : ".", word) < (int)sizeof path &&
                    access(path, X_OK) == 0;
            p += k + (p[k] == ':');
        }
    }
    struct stat st;
    if (!found || !realpath(path, real) || stat(real, &st) != 0 || !S_ISREG(st.st_mode))
        return NULL;
    return rn_format("%s|%s|%lld|%lld.%09ld", cc, real, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                     st.st_mtim.tv_nsec);
}

/* ---------------------------------------------------------------- building */

/* FILE.c -> FILE.o (any other name gets ".o" added). */
static char *object_name(const char *c_file)
{
    size_t len = strlen(c_file);
    if (len > 2 && strcmp(c_file + len - 2, ".c") == 0)
        len -= 2;
    return rn_format("%.*s.o", (int)len, c_file);
}

/* The shell's part of a command (see the top of the file): /bin/sh -c SCRIPT, the script setting the
   limits (soft CPU time first: SIGXCPU there, SIGKILL a second later at the hard one) and exec'ing its
   arguments. Each ulimit may fail where a lower limit is there already; that one stays. */
typedef struct wrapper {
    char script[192];
    char *v[3];
} wrapper;

static void make_wrapper(wrapper *w, const rn_cc_limits *lim)
{
    snprintf(w->script, sizeof w->script,
             "{ ulimit -S -t %u && ulimit -H -t %u; ulimit -v %llu; } 2>/dev/null; exec \"$0\" \"$@\"", lim->seconds,
             lim->seconds + 1, (unsigned long long)(lim->memory_bytes >> 10));
    w->v[0] = "/bin/sh";
    w->v[1] = "-c";
    w->v[2] = w->script;
}

/* The wrapper's words, cc words, cflags words, then the middle words, then tail[0..ntail), NULL-terminated. */
static char **make_argv(const wrapper *w, const cmdline *cc, const cmdline *flags, char *const *mid, size_t nmid,
                        char *const *tail, size_t ntail)
{
    size_t nw = sizeof w->v / sizeof *w->v;
    char **v = malloc((nw + cc->n + flags->n + nmid + ntail + 1) * sizeof *v);
    if (v) {
        memcpy(v, w->v, nw * sizeof *v);
        memcpy(v + nw, cc->v, cc->n * sizeof *v);
        memcpy(v + nw + cc->n, flags->v, flags->n * sizeof *v);
        memcpy(v + nw + cc->n + flags->n, mid, nmid * sizeof *v);
        memcpy(v + nw + cc->n + flags->n + nmid, tail, ntail * sizeof *v);
        v[nw + cc->n + flags->n + nmid + ntail] = NULL;
    }
    return v;
}

/* Puts the linked file tmp in path's place durably: its data on disk before the rename, the rename on
   disk after it. The directory's fsync is best effort: the artifact is complete either way, and a
   rename lost in a crash only means a rebuild. */
static int publish(const char *tmp, const char *path)
{
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = fsync(fd) != 0 ? errno : 0;
    close(fd);
    if (err || rename(tmp, path) != 0)
        return err ? err : errno;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    free(dir);
    return 0;
}

/* The link: cc cflags -shared -o TMP objects, TMP then published over so_path. */
static runnel_status link_objects(const cmdline *ccw, const cmdline *flw, const char *cc, char *const *objs, size_t n,
                                  const char *so_path, const rn_cc_limits *lim, child *c, runnel_report *r)
{
    char buf[128];
    char *tmp = rn_format("%s.tmpXXXXXX", so_path);
    int fd = tmp ? mkostemp(tmp, O_CLOEXEC) : -1;
    if (fd < 0) {
        runnel_status st = tmp ? rn_fail(r, RUNNEL_TOOL, 0, "cannot create a temporary file next to %s: %s", so_path,
                                         rn_io_strerror(errno, buf, sizeof buf))
                               : rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
        free(tmp);
        return st;
    }
    close(fd);
    /* the compile flags too: a single C file is compiled and linked in this one step */
    char *mid[] = {"-fPIC", "-ffp-contract=off", "-fno-math-errno", "-fvisibility=hidden", "-w", "-shared", "-o", tmp};
    wrapper w;
    make_wrapper(&w, lim);
    char **argv = make_argv(&w, ccw, flw, mid, sizeof mid / sizeof *mid, objs, n);
    size_t started;
    runnel_status st = RUNNEL_OK;
    int err;
    if (!argv)
        st = rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    else if (!run_all(&argv, 1, 1, true, lim, NULL, NULL, 0, c, &started))
        st = child_fail(r, cc, "the C compiler failed to link", lim, c);
    else if ((err = publish(tmp, so_path)) != 0)
        st = rn_fail(r, RUNNEL_TOOL, 0, "cannot write %s: %s", so_path, rn_io_strerror(err, buf, sizeof buf));
    if (st != RUNNEL_OK)
        unlink(tmp);
    free(argv);
    free(tmp);
    return st;
}

runnel_status rn_cc_build(const char *cc, const char *cflags, char *const *c_files, size_t n, const char *so_path,
                          uint32_t jobs, const rn_cc_limits *lim, runnel_progress_fn progress, void *progress_user,
                          runnel_report *r)
{
    if (!cc || !c_files || !so_path || n == 0 || n >= UINT32_MAX)
        return rn_fail(r, RUNNEL_BADARG, 0, "nothing to build: no C compiler, no C files or no output path");
    const rn_cc_limits defaults = {RN_CC_SECONDS, (uint64_t)RN_CC_MEMORY_MB << 20};
    if (!lim)
        lim = &defaults;
    cmdline ccw = {0}, flw = {0};
    char **objs = calloc(n, sizeof *objs), ***argvs = calloc(n, sizeof *argvs);
    child *c = malloc(sizeof *c);
    size_t started = 0;
    runnel_status st = RUNNEL_NOMEM;
    bool ok = objs && argvs && c && split_words(cc, &ccw) && split_words(cflags ? cflags : "-O2", &flw);
    char *fixed[] = {"-fPIC", "-ffp-contract=off", "-fno-math-errno", "-fvisibility=hidden", "-w", "-c"};
    size_t nfixed = sizeof fixed / sizeof *fixed;
    wrapper w;
    make_wrapper(&w, lim);
    for (size_t i = 0; ok && i < n; i++) {
        ok = (objs[i] = object_name(c_files[i])) != NULL;
        char *tail[3] = {c_files[i], "-o", objs[i]};
        ok = ok && (argvs[i] = make_argv(&w, &ccw, &flw, fixed, nfixed, tail, 3)) != NULL;
    }
    if (!ok)
        rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    else if (ccw.n == 0)
        st = rn_fail(r, RUNNEL_BADARG, 0, "the C compiler command is empty");
    else {
        if (jobs == 0) {
            long cpus = sysconf(_SC_NPROCESSORS_ONLN);
            jobs = cpus > 0 && cpus < 4096 ? (uint32_t)cpus : 1;
        }
        size_t width = jobs < n ? jobs : n;
        if (n == 1 && !progress) /* one compiler process, not two: most modules are one unit */
            st = link_objects(&ccw, &flw, cc, c_files, 1, so_path, lim, c, r);
        else if (!run_all(argvs, n, width, true, lim, progress, progress_user, (uint32_t)n + 1, c, &started))
            st = child_fail(r, cc, "the C compiler failed", lim, c);
        else
            st = link_objects(&ccw, &flw, cc, objs, n, so_path, lim, c, r);
        if (st == RUNNEL_OK && progress)
            progress(progress_user, (uint32_t)n + 1, (uint32_t)n + 1);
    }
    for (size_t i = 0; objs && i < n; i++) {
        if (i < started && objs[i])
            unlink(objs[i]); /* after the link they are of no use; after a failure, half of a build */
        free(objs[i]);
        if (argvs)
            free(argvs[i]);
    }
    free(objs);
    free(argvs);
    free(c);
    cmdline_free(&ccw);
    cmdline_free(&flw);
    return st;
}
