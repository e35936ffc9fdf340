/*
 * curl_loader.c - open libcurl on first use (see curl_loader.h for why).
 *
 * The table is written once, under pthread_once, and only read afterwards: process-wide, like the
 * library it describes, and immutable after its initialisation. curl_global_init runs there too,
 * before any other thread can use libcurl, as libcurl requires.
 */
#define _GNU_SOURCE /* RTLD_* in older glibc headers */
#include <curl/curl.h>

#include "curl_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static rn_curl_fns fns;
static const char *failure = "libcurl was not loaded";
static bool loaded;

static void *sym(void *lib, const char *name, bool *ok)
{
    void *p = dlsym(lib, name);
    if (!p)
        *ok = false;
    return p;
}

static void load(void)
{
    /* libcurl.so.4 is the ABI libcurl4 (and libcurl4-openssl-dev) provide; the gnutls flavour has the
       same interface under another name */
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        lib = dlopen("libcurl-gnutls.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        failure = "libcurl could not be loaded (install libcurl4)";
        return;
    }
    bool ok = true;
    rn_curl_fns f;
    *(void **)&f.easy_init = sym(lib, "curl_easy_init", &ok);
    *(void **)&f.easy_setopt = sym(lib, "curl_easy_setopt", &ok);
    *(void **)&f.easy_perform = sym(lib, "curl_easy_perform", &ok);
    *(void **)&f.easy_getinfo = sym(lib, "curl_easy_getinfo", &ok);
    *(void **)&f.easy_cleanup = sym(lib, "curl_easy_cleanup", &ok);
    *(void **)&f.easy_strerror = sym(lib, "curl_easy_strerror", &ok);
    *(void **)&f.slist_append = sym(lib, "curl_slist_append", &ok);
    *(void **)&f.slist_free_all = sym(lib, "curl_slist_free_all", &ok);
    *(void **)&f.free = sym(lib, "curl_free", &ok);
    *(void **)&f.url = sym(lib, "curl_url", &ok);
    *(void **)&f.url_cleanup = sym(lib, "curl_url_cleanup", &ok);
    *(void **)&f.url_set = sym(lib, "curl_url_set", &ok);
    *(void **)&f.url_get = sym(lib, "curl_url_get", &ok);
    *(void **)&f.url_strerror = sym(lib, "curl_url_strerror", &ok);
    CURLcode (*global_init)(long) = NULL;
    *(void **)&global_init = sym(lib, "curl_global_init", &ok);
    if (!ok) {
        failure = "libcurl is too old (7.80 or newer is needed)";
        return; /* the library stays open: dlclose of libcurl is not worth its risks */
    }
    if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        failure = "libcurl could not be initialised";
        return;
    }
    fns = f;
    loaded = true;
}

const rn_curl_fns *rn_curl_load(const char **why)
{
    pthread_once(&once, load);
    if (!loaded && why)
        *why = failure;
    return loaded ? &fns : NULL;
}

const rn_curl_fns *rn_curl(void) { return &fns; }
