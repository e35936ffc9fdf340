/*
 * sha256.c - SHA-256 from FIPS 180-4 (sections 4.1.2, 4.2.2, 5.1.1, 5.3.3, 6.2); see sha256.h.
 *
 * Two block functions: the portable one (about 250 MB/s), and on x86-64 processors with the SHA
 * extensions (Intel's SHA-NI, every AMD Zen) one with those instructions, several times faster, chosen
 * at run time. The speed matters because a compiled module's cache key hashes the whole module each
 * time it is loaded (native_load.c), and Extism plugins are often megabytes.
 */
#include "sha256.h"

#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RN_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

/* ---------------------------------------------------------------- SHA-256 (FIPS 180-4, 6.2) */

/* 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define BSIG0(x) (ROTR(x, 2) ^ ROTR(x, 13) ^ ROTR(x, 22))
#define BSIG1(x) (ROTR(x, 6) ^ ROTR(x, 11) ^ ROTR(x, 25))
#define SSIG0(x) (ROTR(x, 7) ^ ROTR(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ROTR(x, 17) ^ ROTR(x, 19) ^ ((x) >> 10))
#define CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))

/* The message schedule is kept 16 words long: W[t] replaces W[t-16] in w[t & 15]. */
#define SCHED(t) (w[(t) & 15] += SSIG1(w[((t) - 2) & 15]) + w[((t) - 7) & 15] + SSIG0(w[((t) - 15) & 15]))
/* One round with the working variables renamed instead of moved: d and h are the two that change. */
#define ROUND(a, b, c, d, e, f, g, h, t, wt)                                                              \
    do {                                                                                               \
        uint32_t t1 = h + BSIG1(e) + CH(e, f, g) + K[t] + (wt);                                        \
        d += t1, h = t1 + BSIG0(a) + MAJ(a, b, c);                                                     \
    } while (0)
#define EIGHT(t, W)                                                                                    \
    do {                                                                                               \
        ROUND(a, b, c, d, e, f, g, h, (t) + 0, W((t) + 0));                                            \
        ROUND(h, a, b, c, d, e, f, g, (t) + 1, W((t) + 1));                                            \
        ROUND(g, h, a, b, c, d, e, f, (t) + 2, W((t) + 2));                                            \
        ROUND(f, g, h, a, b, c, d, e, (t) + 3, W((t) + 3));                                            \
        ROUND(e, f, g, h, a, b, c, d, (t) + 4, W((t) + 4));                                            \
        ROUND(d, e, f, g, h, a, b, c, (t) + 5, W((t) + 5));                                            \
        ROUND(c, d, e, f, g, h, a, b, (t) + 6, W((t) + 6));                                            \
        ROUND(b, c, d, e, f, g, h, a, (t) + 7, W((t) + 7));                                            \
    } while (0)
#define WLOAD(t) w[t]

static uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void compress(uint32_t s[8], const uint8_t *block)
{
    uint32_t w[16];
    for (int i = 0; i < 16; i++)
        w[i] = load_be32(block + 4 * i);
    uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
    for (int t = 0; t < 16; t += 8)
        EIGHT(t, WLOAD);
    for (int t = 16; t < 64; t += 8)
        EIGHT(t, SCHED);
    s[0] += a, s[1] += b, s[2] += c, s[3] += d, s[4] += e, s[5] += f, s[6] += g, s[7] += h;
}

#if RN_SHA_NI
/* The SHA extensions work on the state as (A, B, E, F) and (C, D, G, H) in two registers and four
   message words at a time: sha256msg1 and sha256msg2 make the schedule (6.2.2 step 1), sha256rnds2 does
   two rounds (step 3). */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_ni(uint32_t s[8], const uint8_t *p, size_t n)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)s), 0xB1);        /* B A D C */
    __m128i cdgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)(s + 4)), 0x1B); /* H G F E */
    __m128i abef = _mm_alignr_epi8(t, cdgh, 8);
    cdgh = _mm_blend_epi16(cdgh, t, 0xF0);
    for (; n > 0; n--, p += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh, m[4];
        for (int g = 0; g < 16; g++) {
            if (g < 4)
                m[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * g)), bswap);
            else
                m[g & 3] = _mm_sha256msg2_epu32(
                    _mm_add_epi32(_mm_sha256msg1_epu32(m[g & 3], m[(g + 1) & 3]),
                                  _mm_alignr_epi8(m[(g + 3) & 3], m[(g + 2) & 3], 4)),
                    m[(g + 3) & 3]);
            __m128i wk = _mm_add_epi32(m[g & 3], _mm_loadu_si128((const __m128i *)(const void *)(K + 4 * g)));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    t = _mm_shuffle_epi32(abef, 0x1B);
    cdgh = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)(void *)s, _mm_blend_epi16(t, cdgh, 0xF0));
    _mm_storeu_si128((__m128i *)(void *)(s + 4), _mm_alignr_epi8(cdgh, t, 8));
}

static bool have_sha_ni(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1))
        return false;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29)); /* CPUID.7.0:EBX.SHA */
}
#endif

/* n whole blocks (no state kept here: this file is linked into every shared library, util.h) */
static void blocks(const rn_sha256_ctx *h, uint32_t s[8], const uint8_t *p, size_t n)
{
#if RN_SHA_NI
    if (!h->portable && n > 0 && have_sha_ni()) {
        blocks_ni(s, p, n);
        return;
    }
#else
    (void)h;
#endif
    for (; n > 0; n--, p += 64)
        compress(s, p);
}

void rn_sha256_init(rn_sha256_ctx *h)
{
    /* 5.3.3: the first 32 bits of the fractional parts of the square roots of the first 8 primes */
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(h->state, iv, sizeof iv);
    h->total = 0;
    h->fill = 0;
    h->portable = false;
}

void rn_sha256_update(rn_sha256_ctx *h, const void *data, size_t len)
{
    const uint8_t *p = data;
    if (len == 0)
        return;
    h->total += len;
    if (h->fill) {
        size_t take = 64 - h->fill < len ? 64 - h->fill : len;
        memcpy(h->block + h->fill, p, take);
        h->fill += take, p += take, len -= take;
        if (h->fill < 64)
            return;
        blocks(h, h->state, h->block, 1);
        h->fill = 0;
    }
    blocks(h, h->state, p, len / 64);
    p += len / 64 * 64;
    len %= 64;
    if (len)
        memcpy(h->block, p, len);
    h->fill = len;
}

void rn_sha256_final(rn_sha256_ctx *h, uint8_t out[32])
{
    /* 5.1.1: a 1 bit, zeros up to 56 bytes mod 64, then the length in bits as 64 bits big-endian */
    uint64_t bits = h->total * 8;
    uint8_t pad[72] = {0x80};
    size_t zeros = (h->fill < 56 ? 56 : 120) - h->fill;
    for (int i = 0; i < 8; i++)
        pad[zeros + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
    rn_sha256_update(h, pad, zeros + 8);
    for (int i = 0; i < 32; i++)
        out[i] = (uint8_t)(h->state[i / 4] >> (24 - 8 * (i % 4)));
}

void rn_sha256_hex(const void *data, size_t len, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t d[32];
    rn_sha256(data, len, d);
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[64] = '\0';
}

void rn_sha256(const void *data, size_t len, uint8_t out[32])
{
    rn_sha256_ctx h;
    rn_sha256_init(&h);
    rn_sha256_update(&h, data, len);
    rn_sha256_final(&h, out);
}
