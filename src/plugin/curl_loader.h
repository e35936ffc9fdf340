/*
 * curl_loader.h - libcurl, loaded when first needed (internal to the plugin layer).
 *
 * Why: libcurl brings some thirty shared libraries (TLS, LDAP, SSH, ...) whose relocation and start-up
 * code cost a program that links it about 5 ms and 5 MB before main(), whether or not it ever makes a
 * request. Most runs of runnel make none (the engine, WASI, actors without HTTP), so libcurl is opened
 * with dlopen on the first HTTP request or URL source, and a process that never needs HTTP never
 * loads it. The library is still Debian's (libcurl4, from libcurl4-openssl-dev); only the time of
 * loading changes.
 *
 * http.c keeps calling curl_easy_init() & co. by name: the macros below turn each call into a call
 * through the table, which rn_curl_load() has filled before any of them can run.
 */
#ifndef RN_CURL_LOADER_H
#define RN_CURL_LOADER_H

#include <curl/curl.h>
#include <stdbool.h>

typedef struct rn_curl_fns {
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    void (*free)(void *);
    CURLU *(*url)(void);
    void (*url_cleanup)(CURLU *);
    CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
    CURLUcode (*url_get)(const CURLU *, CURLUPart, char **, unsigned int);
    const char *(*url_strerror)(CURLUcode);
} rn_curl_fns;

/* Load libcurl once per process (thread-safe). NULL when it cannot be loaded; *why (may be NULL) then
   says why, in a static string. */
const rn_curl_fns *rn_curl_load(const char **why);
/* The table; only after rn_curl_load succeeded. */
const rn_curl_fns *rn_curl(void);

/* curl.h makes these two type-checking macros under GCC: ours replace them */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_easy_init (rn_curl()->easy_init)
#define curl_easy_setopt (rn_curl()->easy_setopt)
#define curl_easy_perform (rn_curl()->easy_perform)
#define curl_easy_getinfo (rn_curl()->easy_getinfo)
#define curl_easy_cleanup (rn_curl()->easy_cleanup)
#define curl_easy_strerror (rn_curl()->easy_strerror)
#define curl_slist_append (rn_curl()->slist_append)
#define curl_slist_free_all (rn_curl()->slist_free_all)
#define curl_free (rn_curl()->free)
#define curl_url (rn_curl()->url)
#define curl_url_cleanup (rn_curl()->url_cleanup)
#define curl_url_set (rn_curl()->url_set)
#define curl_url_get (rn_curl()->url_get)
#define curl_url_strerror (rn_curl()->url_strerror)

#endif
