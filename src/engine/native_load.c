/*
 * native_load.c - compiled modules: keys, the cache, building and loading artifacts (engine.h,
 * "The compiling tier"; docs/compiling.md).
 *
 * An artifact is a shared object made from the module's C translation. Loading one runs native code,
 * so nothing is loaded unless it is known to be what runnel would build for these bytes:
 *
 * - Its stamp, a string compiled into it and read from the file before dlopen:
 *   "runnel-native abi=A version=V module=SHA256 key=K". The module's hash and runnel's version and ABI
 *   must match for any artifact; for the cache, the key too.
 * - The key is the SHA-256 of the module's hash, runnel's version and ABI, the translator's identity (a
 *   hash of its sources, made by the build), the compiler's identity (its
 *   resolved path, size and modification time: a compiler upgrade makes a new key without running
 *   anything) and the flags. The cache file is <cache>/native/<key>.so, so a module is compiled once
 *   per compiler and flags; an entry whose stamp does not match is rebuilt, never loaded.
 * - Artifacts from anywhere else (runnel_module_load_artifact, `runnel run --native FILE`) need the
 *   caller's explicit choice; the stamp check still applies, without the key.
 */
#define _GNU_SOURCE /* memmem */
#include "fileio.h"
#include "native.h"
#include "native_build.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAMP_HEAD "runnel-native abi="
#define RN_UNIT_MIN_BYTES (64u << 10) /* wasm code per translation unit, at least */

typedef struct compile_opts {
    runnel_compile_options o;
    const char *cc, *cflags;
    bool guarded; /* o.bounds resolved */
    rn_cc_limits limits;
} compile_opts;

static runnel_status read_options(compile_opts *co, const runnel_compile_options *o, runnel_report *r)
{
    if (!rn_options_read(&co->o, sizeof co->o, o, RN_OPTIONS_V1(runnel_compile_options, progress_user)))
        return rn_fail(r, RUNNEL_BADARG, 0, "runnel_compile_options: a size this library cannot read");
    const char *env = getenv("RUNNEL_CC");
    co->cc = co->o.cc ? co->o.cc : env && *env ? env : "cc";
    co->cflags = co->o.cflags ? co->o.cflags : "-O2";
    co->limits.seconds = co->o.cc_seconds ? co->o.cc_seconds : RN_CC_SECONDS;
    co->limits.memory_bytes = (uint64_t)(co->o.cc_memory_mb ? co->o.cc_memory_mb : RN_CC_MEMORY_MB) << 20;
    switch (co->o.bounds) {
    case RUNNEL_BOUNDS_AUTO: co->guarded = runnel_guard_pages_enabled(); break;
    case RUNNEL_BOUNDS_CHECKED: co->guarded = false; break;
    case RUNNEL_BOUNDS_GUARDED:
        if (!runnel_guard_pages_enabled())
            return rn_fail(r, RUNNEL_BADARG, 0, "RUNNEL_BOUNDS_GUARDED: guard pages are not enabled "
                                                "(runnel_guard_pages_enable)");
        co->guarded = true;
        break;
    default: return rn_fail(r, RUNNEL_BADARG, 0, "runnel_compile_options: unknown bounds %d", (int)co->o.bounds);
    }
    return RUNNEL_OK;
}

void rn_native_module_free(rn_native_module *nm)
{
    if (!nm)
        return;
    if (nm->dl)
        dlclose(nm->dl);
    free(nm->path);
    rn_free(nm);
}

/* ---------------------------------------------------------------- keys and stamps */

/* The stamp for these bytes (key: NULL for an artifact made by runnel_module_compile_to with no cache
   key known to the loader; the stamp then still names one). */
static char *make_stamp(const char *module_hex, const char *key_hex)
{
    return rn_format(STAMP_HEAD "%d version=%s module=%s key=%s", RNX_ABI_VERSION, RUNNEL_VERSION, module_hex,
                     key_hex);
}

static char *make_key(const char *module_hex, const compile_opts *co, runnel_report *r)
{
    char *id = rn_cc_identity(co->cc);
    if (!id) {
        rn_fail(r, RUNNEL_TOOL, 0,
                "cannot find the C compiler \"%s\" on PATH; set RUNNEL_CC or install one (apt-get install gcc)",
                co->cc);
        return NULL;
    }
    char *text = rn_format("abi=%d\nversion=%s\ntranslator=%s\nmodule=%s\ncompiler=%s\ncflags=%s\nbounds=%s\n",
                           RNX_ABI_VERSION, RUNNEL_VERSION, rn_native_translator_id, module_hex, id, co->cflags,
                           co->guarded ? "guarded" : "checked");
    free(id);
    char *hex = text ? malloc(65) : NULL;
    if (hex)
        rn_sha256_hex(text, strlen(text), hex);
    free(text);
    if (!hex)
        rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    return hex;
}

/* Is the stamp in data `want` (whole), or, with `prefix`, does it begin with it? */
static bool has_stamp(const uint8_t *data, size_t len, const char *want, bool prefix)
{
    size_t wl = strlen(want);
    for (const uint8_t *p = data, *end = data + len; p < end;) {
        const uint8_t *at = memmem(p, (size_t)(end - p), STAMP_HEAD, sizeof STAMP_HEAD - 1);
        if (!at)
            return false;
        if ((size_t)(end - at) > wl && memcmp(at, want, wl) == 0 && (prefix || at[wl] == 0))
            return true;
        p = at + 1;
    }
    return false;
}

/* The executable segments of the loaded object whose base is `base` (dl_iterate_phdr's callback). */
typedef struct code_range {
    uintptr_t base, lo, hi;
} code_range;

static int find_code(struct dl_phdr_info *info, size_t size, void *user)
{
    (void)size;
    code_range *cr = user;
    if (info->dlpi_addr != cr->base)
        return 0;
    for (size_t k = 0; k < info->dlpi_phnum; k++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[k];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        cr->lo = cr->lo && cr->lo < lo ? cr->lo : lo;
        cr->hi = cr->hi > hi ? cr->hi : hi;
    }
    return 1;
}

/* Load the artifact at path into m if its stamp is `want` (or begins with it). The stamp is read
   from an open descriptor, and dlopen is given the file's real path (absolute: never a search of the
   library path) once it is checked to be that same file (device and inode); the loaded object's own
   stamp is compared again. (Not /proc/self/fd/N: the loader would take a reused N for the object it
   loaded by that name before.) */
static runnel_status load_checked(runnel_module *m, const char *path, const char *want, bool prefix,
                                  runnel_report *r)
{
    char buf[128];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    uint8_t *data = NULL;
    size_t len = 0;
    struct stat st;
    int err = fd < 0 ? errno : fstat(fd, &st) != 0 ? errno : !S_ISREG(st.st_mode) ? EINVAL : rn_read_fd(fd, &data, &len);
    if (err) {
        if (fd >= 0)
            close(fd);
        return rn_fail(r, err == ENOENT ? RUNNEL_BADARG : RUNNEL_TOOL, 0, "%s: cannot read: %s", path,
                       err == EINVAL ? "not a regular file" : rn_io_strerror(err, buf, sizeof buf));
    }
    bool ok = has_stamp(data, len, want, prefix);
    free(data);
    if (!ok) {
        close(fd);
        return rn_fail(r, RUNNEL_BADARG, 0, "%s: not an artifact of this module for runnel %s (ABI %d)", path,
                       RUNNEL_VERSION, RNX_ABI_VERSION);
    }
    char *real = realpath(path, NULL);
    struct stat now;
    bool same = real && stat(real, &now) == 0 && now.st_dev == st.st_dev && now.st_ino == st.st_ino;
    close(fd);
    if (!same) {
        free(real);
        return rn_fail(r, RUNNEL_TOOL, 0, "%s: changed while it was being loaded", path);
    }
    void *dl = dlopen(real, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        free(real);
        const char *e = dlerror();
        return rn_fail(r, RUNNEL_TOOL, 0, "cannot load %s: %s", path, e ? e : "dlopen failed");
    }
    const rnx_module_desc *d = dlsym(dl, "rnx_module");
    if (!d || d->abi != RNX_ABI_VERSION || d->nfuncs != m->mod.nfuncs_defined || !has_stamp((const uint8_t *)d->stamp,
                                                                                             strlen(d->stamp) + 1, want, prefix)) {
        dlclose(dl);
        free(real);
        return rn_fail(r, RUNNEL_BADARG, 0, "%s: not an artifact of this module", path);
    }
    rn_native_module *nm = rn_calloc(1, sizeof *nm);
    if (!nm) {
        dlclose(dl);
        free(real);
        return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    }
    nm->dl = dl;
    nm->desc = d;
    nm->path = real;
    nm->guarded = d->flags & RNX_GUARDED;
    struct link_map *lm = NULL;
    if (dlinfo(dl, RTLD_DI_LINKMAP, &lm) == 0 && lm) {
        code_range cr = {.base = (uintptr_t)lm->l_addr};
        dl_iterate_phdr(find_code, &cr);
        nm->code_lo = cr.lo;
        nm->code_hi = cr.hi;
    }
    m->native = nm;
    return RUNNEL_OK;
}

/* ---------------------------------------------------------------- building */

static bool write_text(const char *path, const char *s, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(s, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

/* Translate m and build it into so_path (atomically). */
static runnel_status build(runnel_module *m, const char *stamp, const char *so_path, const compile_opts *co,
                           runnel_report *r)
{
    uint32_t jobs = co->o.jobs ? co->o.jobs : (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
    size_t code = 0;
    for (uint32_t i = 0; i < m->mod.nfuncs_defined; i++)
        code += m->mod.funcs[i].body_len;
    size_t unit = code / (2 * (jobs ? jobs : 1));
    rn_ctext text;
    runnel_status st = rn_translate(&m->mod, stamp, unit < RN_UNIT_MIN_BYTES ? RN_UNIT_MIN_BYTES : unit, co->guarded,
                                    &text, r);
    if (st != RUNNEL_OK)
        return st;
    /* the C files go to a directory of their own next to the artifact */
    char *dir = rn_format("%s.cXXXXXX", so_path);
    char **files = calloc(text.n, sizeof *files);
    if (!dir || !files || !mkdtemp(dir)) {
        st = rn_fail(r, dir && files ? RUNNEL_TOOL : RUNNEL_NOMEM, 0, "cannot make a build directory for %s: %s",
                     so_path, strerror(errno));
        free(dir);
        free(files);
        rn_ctext_free(&text);
        return st;
    }
    for (uint32_t i = 0; st == RUNNEL_OK && i < text.n; i++) {
        files[i] = rn_format("%s/u%" PRIu32 ".c", dir, i);
        if (!files[i] || !write_text(files[i], text.units[i], text.lens[i]))
            st = rn_fail(r, RUNNEL_TOOL, 0, "cannot write %s: %s", files[i] ? files[i] : dir, strerror(errno));
    }
    if (st == RUNNEL_OK)
        st = rn_cc_build(co->cc, co->cflags, files, text.n, so_path, co->o.jobs, &co->limits, co->o.progress,
                         co->o.progress_user, r);
    for (uint32_t i = 0; i < text.n; i++) {
        if (files[i])
            unlink(files[i]);
        free(files[i]);
    }
    rmdir(dir);
    free(dir);
    free(files);
    rn_ctext_free(&text);
    return st;
}

/* ---------------------------------------------------------------- the API */

typedef struct job {
    compile_opts co;
    const uint8_t *bytes;
    size_t len;
    const char *path; /* compile_to and load_artifact */
    enum { COMPILE, COMPILE_TO, LOAD, TRANSLATE } what;
    FILE *out;
} job;

static runnel_status compile_cached(runnel_module *m, job *j, const char *module_hex, runnel_report *r)
{
    char *key = make_key(module_hex, &j->co, r);
    if (!key)
        return r ? r->status : RUNNEL_TOOL;
    char *stamp = make_stamp(module_hex, key);
    runnel_status st = RUNNEL_OK;
    char *dir = NULL, *path = NULL;
    if (j->co.o.no_cache) {
        const char *tmp = getenv("TMPDIR");
        dir = rn_format("%s/runnel-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!dir || !mkdtemp(dir))
            st = rn_fail(r, RUNNEL_TOOL, 0, "cannot make a temporary directory: %s", strerror(errno));
        else
            path = rn_format("%s/%s.so", dir, key);
    } else {
        dir = rn_native_cache_dir(j->co.o.cache_dir, r);
        st = dir ? RUNNEL_OK : RUNNEL_TOOL;
        if (dir)
            path = rn_format("%s/%s.so", dir, key);
    }
    if (st == RUNNEL_OK && (!stamp || !path))
        st = rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    /* a cache entry is loaded only if its stamp is this key's; any other is rebuilt over */
    bool cached = st == RUNNEL_OK && !j->co.o.no_cache && access(path, F_OK) == 0 &&
                  load_checked(m, path, stamp, false, NULL) == RUNNEL_OK;
    if (st == RUNNEL_OK && !cached) {
        st = build(m, stamp, path, &j->co, r);
        if (st == RUNNEL_OK)
            st = load_checked(m, path, stamp, false, r);
    }
    if (j->co.o.no_cache && path) {
        unlink(path); /* loaded: the mapping stays */
        rmdir(dir);
        if (m->native) {
            free(m->native->path);
            m->native->path = NULL;
        }
    }
    free(key);
    free(stamp);
    free(dir);
    free(path);
    return st;
}

static runnel_status hook(runnel_module *m, void *user, runnel_report *r)
{
    job *j = user;
    char module_hex[65];
    rn_sha256_hex(j->bytes, j->len, module_hex);
    switch (j->what) {
    case COMPILE: return compile_cached(m, j, module_hex, r);
    case COMPILE_TO: {
        char *key = make_key(module_hex, &j->co, r);
        char *stamp = key ? make_stamp(module_hex, key) : NULL;
        runnel_status st = !key ? (r ? r->status : RUNNEL_TOOL)
                           : stamp ? build(m, stamp, j->path, &j->co, r)
                                   : rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
        free(key);
        free(stamp);
        return st;
    }
    case LOAD: {
        char *want = make_stamp(module_hex, "");
        runnel_status st = want ? load_checked(m, j->path, want, true, r) : rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
        free(want);
        return st;
    }
    case TRANSLATE: {
        char *stamp = make_stamp(module_hex, "none");
        rn_ctext text;
        runnel_status st = stamp ? rn_translate(&m->mod, stamp, 0, j->co.guarded, &text, r)
                                 : rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
        free(stamp);
        if (st != RUNNEL_OK)
            return st;
        for (uint32_t i = 0; i < text.n; i++)
            if (fwrite(text.units[i], 1, text.lens[i], j->out) != text.lens[i])
                st = rn_fail(r, RUNNEL_TOOL, 0, "cannot write the translation: %s", strerror(errno));
        rn_ctext_free(&text);
        return st;
    }
    }
    return RUNNEL_BADARG;
}

static runnel_module *with_job(job *j, runnel_report *r)
{
    return rn_module_new_hooked(j->bytes, j->len, hook, j, r);
}

runnel_module *runnel_module_compile(const uint8_t *bytes, size_t len, const runnel_compile_options *o,
                                     runnel_report *r)
{
    job j = {.bytes = bytes, .len = len, .what = COMPILE};
    return read_options(&j.co, o, r) == RUNNEL_OK ? with_job(&j, r) : NULL;
}

runnel_status runnel_module_compile_to(const uint8_t *bytes, size_t len, const char *path,
                                       const runnel_compile_options *o, runnel_report *r)
{
    job j = {.bytes = bytes, .len = len, .path = path, .what = COMPILE_TO};
    if (!path)
        return rn_fail(r, RUNNEL_BADARG, 0, "no path");
    runnel_status st = read_options(&j.co, o, r);
    if (st != RUNNEL_OK)
        return st;
    runnel_module *m = with_job(&j, r);
    runnel_module_free(m);
    return m ? RUNNEL_OK : r ? r->status : RUNNEL_BADARG;
}

runnel_module *runnel_module_load_artifact(const uint8_t *bytes, size_t len, const char *path, runnel_report *r)
{
    job j = {.bytes = bytes, .len = len, .path = path, .what = LOAD};
    if (!path) {
        rn_fail(r, RUNNEL_BADARG, 0, "no path");
        return NULL;
    }
    read_options(&j.co, NULL, NULL);
    return with_job(&j, r);
}

runnel_status runnel_module_translate(const uint8_t *bytes, size_t len, FILE *out, runnel_report *r)
{
    job j = {.bytes = bytes, .len = len, .what = TRANSLATE, .out = out};
    if (!out)
        return rn_fail(r, RUNNEL_BADARG, 0, "no output");
    read_options(&j.co, NULL, NULL);
    runnel_module *m = with_job(&j, r);
    runnel_module_free(m);
    return m ? RUNNEL_OK : r ? r->status : RUNNEL_BADARG;
}

bool runnel_module_is_compiled(const runnel_module *m) { return m && m->native; }
const char *runnel_module_artifact(const runnel_module *m) { return m && m->native ? m->native->path : NULL; }
