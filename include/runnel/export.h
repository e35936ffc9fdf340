/*
 * runnel/export.h - RUNNEL_API, the mark on every function of runnel's public API.
 *
 * Why: the libraries are compiled with -fvisibility=hidden, so a shared library exports only what is
 * marked here and nothing of its internals (the rn_ helpers, which one layer shares with another, stay
 * private to each library and may change at any time). An embedder sees the same declarations; the
 * mark changes nothing for code that calls the functions.
 */
#ifndef RUNNEL_EXPORT_H
#define RUNNEL_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define RUNNEL_API __attribute__((visibility("default")))
#else
#define RUNNEL_API
#endif

#endif
