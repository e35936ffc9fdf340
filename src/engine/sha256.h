/*
 * sha256.h - SHA-256 (FIPS 180-4), the one implementation (internal; linked into every layer like util.c).
 *
 * Used where runnel must know that bytes are the bytes it expects: Extism manifests pin modules by
 * their SHA-256 (src/plugin/manifest.c), and the compile cache names artifacts by a hash of the
 * module and of what built it (native_load.c).
 */
#ifndef RN_SHA256_H
#define RN_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


typedef struct rn_sha256_ctx {
    uint32_t state[8];
    uint64_t total;    /* bytes hashed so far */
    uint8_t block[64]; /* the partial block not yet compressed */
    size_t fill;       /* bytes in block */
    bool portable;     /* the portable code even where the SHA extensions are (for tests; init clears it) */
} rn_sha256_ctx;

void rn_sha256_init(rn_sha256_ctx *h);
void rn_sha256_update(rn_sha256_ctx *h, const void *data, size_t len);
/* Writes the digest; h must be initialised again before it is reused. */
void rn_sha256_final(rn_sha256_ctx *h, uint8_t out[32]);
/* One shot: the digest of data as 64 lowercase hex digits and a NUL. */
void rn_sha256_hex(const void *data, size_t len, char hex[65]);
/* One shot: the digest of data. */
void rn_sha256(const void *data, size_t len, uint8_t out[32]);

#endif
