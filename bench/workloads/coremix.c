/* coremix.c - a CoreMark-like mix of small kernels, written here for runnel's bench (not CoreMark's
   code): N rounds, each running four kernels over small static data and folding what they compute
   into CRCs, the way embedded-style code spends its time:
   - list:    a singly linked list of records in a static arena: search it, reverse it, merge-sort it
              by key and back by sequence number (pointer chasing, a comparator called indirectly);
   - matrix:  int16 matrices: add a scalar, scale into int32, multiply-add matrix by matrix, extract
              bit fields from the products (narrow loads, sign extension, multiply-accumulate);
   - scan:    a state machine that classifies the comma-separated numeric literals of a byte string
              (a switch on the state for each byte: unpredictable, table-like branches);
   - crc:     CRC-16/CCITT and CRC-32, bit by bit, over each kernel's result.
   The data changes every round (the round number feeds the scalar, the search keys and which bytes
   of the string are altered), so no round can be computed once and reused. */
#include "bench.h"

#ifndef N
#define N 2000
#endif

#define LIST_LEN 160 /* records in the list arena */
#define MAT 20       /* MAT x MAT matrices */
#define TEXT_LEN 384 /* bytes of the literal string */

/* ------------------------------------------------------------------ CRC, bit by bit */

/* CRC-16/CCITT-FALSE (poly 0x1021, MSB first) of one byte: bitwise rather than table-driven, so the
   kernel is shifts and branches, not a memory lookup. */
static uint16_t crc16_byte(uint16_t crc, uint8_t b)
{
    crc ^= (uint16_t)(b << 8);
    for (int i = 0; i < 8; i++)
        crc = (uint16_t)(crc & 0x8000 ? crc << 1 ^ 0x1021 : crc << 1);
    return crc;
}

static uint16_t crc16_u32(uint16_t crc, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        crc = crc16_byte(crc, (uint8_t)(v >> 8 * i));
    return crc;
}

/* CRC-32 (IEEE 802.3, reflected poly 0xEDB88320) of a 32-bit value, low byte first. */
static uint32_t crc32_u32(uint32_t crc, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        crc ^= (uint8_t)(v >> 8 * i);
        for (int k = 0; k < 8; k++)
            crc = crc >> 1 ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return crc;
}

/* ------------------------------------------------------------------ list */

struct rec {
    struct rec *next;
    int16_t key;  /* what the list is searched and sorted by; rewritten each round */
    uint16_t seq; /* position at creation: sorting by it restores the original order */
};

static struct rec arena[LIST_LEN];

typedef int (*rec_cmp)(const struct rec *, const struct rec *);

static int by_key(const struct rec *a, const struct rec *b) { return a->key - b->key; }
static int by_seq(const struct rec *a, const struct rec *b) { return (int)a->seq - (int)b->seq; }

/* Bottom-up merge sort of a linked list: stable, O(n log n), no recursion and no extra memory, which is
   how list code without malloc sorts. The comparator is called through a pointer on purpose. */
static struct rec *list_sort(struct rec *head, rec_cmp cmp)
{
    for (int width = 1;; width *= 2) {
        struct rec *p = head, *tail = 0;
        int merges = 0;
        head = 0;
        while (p) {
            merges++;
            struct rec *q = p;
            int plen = 0, qlen = width;
            while (plen < width && q) {
                plen++;
                q = q->next;
            }
            while (plen > 0 || (qlen > 0 && q)) {
                struct rec *e; /* the next record out: p's on ties, which keeps the sort stable */
                if (plen > 0 && (qlen == 0 || !q || cmp(p, q) <= 0)) {
                    e = p;
                    p = p->next;
                    plen--;
                } else {
                    e = q;
                    q = q->next;
                    qlen--;
                }
                if (tail)
                    tail->next = e;
                else
                    head = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        if (merges <= 1)
            return head;
    }
}

static struct rec *list_reverse(struct rec *head)
{
    struct rec *prev = 0;
    while (head) {
        struct rec *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

/* Position of the first record whose key matches in its low 8 bits, or -1: a linear search that walks
   far for misses. */
static int list_find(const struct rec *p, int16_t key)
{
    for (int pos = 0; p; p = p->next, pos++)
        if (((p->key ^ key) & 0xff) == 0)
            return pos;
    return -1;
}

static struct rec *list_head;

static uint16_t list_round(uint32_t round, uint16_t crc)
{
    /* search for a few keys that depend on the round: some hit early, some late, some never */
    for (uint32_t k = 0; k < 6; k++) {
        int pos = list_find(list_head, (int16_t)(round * 37 + k * 91));
        crc = crc16_u32(crc, (uint32_t)pos);
    }
    list_head = list_reverse(list_head);
    /* new keys, from the old ones and the round, so each round sorts different data */
    for (struct rec *p = list_head; p; p = p->next)
        p->key = (int16_t)((p->key * 5 + (int)round + p->seq) & 0x3fff);
    list_head = list_sort(list_head, by_key);
    /* fold the sorted order in: the first and last keys and the sequence numbers of a few records */
    int i = 0;
    for (const struct rec *p = list_head; p; p = p->next, i++)
        if ((i & 15) == 0)
            crc = crc16_u32(crc, (uint32_t)p->seq << 16 | (uint16_t)p->key);
    list_head = list_sort(list_head, by_seq);
    crc = crc16_u32(crc, (uint32_t)list_head->key);
    return crc;
}

/* ------------------------------------------------------------------ matrix */

static int16_t ma[MAT][MAT], mb[MAT][MAT];
static int32_t mc[MAT][MAT];

/* The sum of a bit field (bits 2..5) of every product, plus a count of the large ones: work that reads
   every element and keeps a few branches in the loop. */
static uint32_t mat_fold(void)
{
    uint32_t sum = 0;
    int32_t big = 0;
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++) {
            int32_t v = mc[i][j];
            sum += ((uint32_t)v >> 2) & 0xf;
            if (v > 40000 || v < -40000)
                big++;
        }
    return sum + (uint32_t)big * 0x10000u;
}

static uint16_t matrix_round(uint32_t round, uint16_t crc)
{
    int16_t s = (int16_t)((round & 0x3f) + 1);
    /* A += s, so the products change every round; undone at the end to keep A in range */
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++)
            ma[i][j] = (int16_t)(ma[i][j] + s);
    /* C = A * s: int16 by int16 into int32 */
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++)
            mc[i][j] = (int32_t)ma[i][j] * s;
    crc = crc16_u32(crc, mat_fold());
    /* C = A x B, multiply-add into int32 */
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++) {
            int32_t acc = 0;
            for (int k = 0; k < MAT; k++)
                acc += (int32_t)ma[i][k] * mb[k][j];
            mc[i][j] = acc;
        }
    crc = crc16_u32(crc, mat_fold());
    /* C = A x B again, but of bit fields of the elements (bits 2..5 of A, bits 0..4 of B) */
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++) {
            int32_t acc = 0;
            for (int k = 0; k < MAT; k++)
                acc += (((uint16_t)ma[i][k] >> 2) & 0xf) * (mb[k][j] & 0x1f);
            mc[i][j] = acc;
        }
    crc = crc16_u32(crc, mat_fold());
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++)
            ma[i][j] = (int16_t)(ma[i][j] - s);
    return crc;
}

/* ------------------------------------------------------------------ scan: a numeric-literal state machine */

/* The states of a recogniser for one comma-separated literal: an optional sign, then a decimal integer,
   a decimal with a fraction and an optional exponent, or a 0x hex integer. Anything else makes the
   token BAD until the next comma. */
enum state { S_START, S_SIGN, S_ZERO, S_INT, S_DOT, S_FRAC, S_E, S_ESIGN, S_EXP, S_HEX0, S_HEX, S_BAD, S_COUNT };

static uint8_t text[TEXT_LEN + 16]; /* + room for the last token; only TEXT_LEN bytes are scanned */

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static int is_hex(uint8_t c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static enum state step(enum state s, uint8_t c)
{
    switch (s) {
    case S_START:
        if (c == '+' || c == '-')
            return S_SIGN;
        if (c == '0')
            return S_ZERO;
        return is_digit(c) ? S_INT : c == '.' ? S_DOT : S_BAD;
    case S_SIGN:
        if (c == '0')
            return S_ZERO;
        return is_digit(c) ? S_INT : c == '.' ? S_DOT : S_BAD;
    case S_ZERO:
        if (c == 'x' || c == 'X')
            return S_HEX0;
        /* after a leading 0 that is not 0x, the decimal rules apply */
        /* fall through */
    case S_INT:
        if (is_digit(c))
            return S_INT;
        if (c == '.')
            return S_DOT;
        return c == 'e' || c == 'E' ? S_E : S_BAD;
    case S_DOT:
        return is_digit(c) ? S_FRAC : S_BAD;
    case S_FRAC:
        if (is_digit(c))
            return S_FRAC;
        return c == 'e' || c == 'E' ? S_E : S_BAD;
    case S_E:
        if (c == '+' || c == '-')
            return S_ESIGN;
        /* fall through */
    case S_ESIGN:
    case S_EXP:
        return is_digit(c) ? S_EXP : S_BAD;
    case S_HEX0:
    case S_HEX:
        return is_hex(c) ? S_HEX : S_BAD;
    default:
        return S_BAD;
    }
}

/* Scan the whole string; count the tokens by the state they end in and the state changes on the way. */
static uint16_t scan(uint16_t crc)
{
    uint32_t ends[S_COUNT] = {0}, changes = 0;
    enum state s = S_START;
    for (int i = 0; i < TEXT_LEN; i++) {
        uint8_t c = text[i];
        if (c == ',') {
            ends[s]++;
            s = S_START;
            continue;
        }
        enum state t = step(s, c);
        changes += t != s;
        s = t;
    }
    ends[s]++;
    for (int k = 0; k < S_COUNT; k++)
        crc = crc16_u32(crc, ends[k]);
    return crc16_u32(crc, changes);
}

static uint16_t scan_round(uint32_t round, uint16_t crc)
{
    crc = scan(crc);
    /* alter every 23rd byte starting at a round-dependent offset, scan again, then put them back */
    static const uint8_t swap_in[8] = {'7', '.', 'e', '-', 'x', 'z', ',', '0'};
    int start = (int)(round % 23);
    uint8_t saved[TEXT_LEN / 23 + 1];
    int n = 0;
    for (int i = start; i < TEXT_LEN; i += 23) {
        saved[n++] = text[i];
        text[i] = swap_in[(round + (uint32_t)i) & 7];
    }
    crc = scan(crc);
    n = 0;
    for (int i = start; i < TEXT_LEN; i += 23)
        text[i] = saved[n++];
    return crc;
}

/* ------------------------------------------------------------------ setup and the rounds */

/* Writes the decimal digits of v at p; returns the count. */
static int put_uint(uint8_t *p, uint32_t v)
{
    uint8_t tmp[10];
    int n = 0;
    do
        tmp[n++] = (uint8_t)('0' + v % 10);
    while ((v /= 10) != 0);
    for (int i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return n;
}

/* The literal string: integers, decimals, exponents, hex and some malformed tokens, comma-separated.
   Tokens are written straight into text (which has room for the last one to run past TEXT_LEN, cut off
   there): copying them from a scratch buffer would make clang call memcpy, which a -nostdlib wasm
   module does not have. */
static void make_text(uint32_t *seed)
{
    static const char *const odd[] = {"0x1F", "-.5", "1e", "3.", "0x", "+-2", "12a", "0xbeef", "6.02e+23", "-0"};
    int i = 0;
    while (i < TEXT_LEN) {
        uint32_t r = bench_rand(seed);
        switch (r % 5) {
        case 0:
        case 1: /* an integer, sometimes signed */
            if (r & 0x100)
                text[i++] = '-';
            i += put_uint(text + i, (r >> 12) % 100000);
            break;
        case 2: /* a decimal, sometimes with an exponent */
            i += put_uint(text + i, (r >> 12) % 1000);
            text[i++] = '.';
            i += put_uint(text + i, (r >> 22) % 100);
            if (r & 0x200) {
                text[i++] = 'e';
                i += put_uint(text + i, (r >> 8) % 40);
            }
            break;
        default: /* one of the odd ones */
            for (const char *s = odd[(r >> 9) % 10]; *s; s++)
                text[i++] = (uint8_t)*s;
        }
        text[i++] = ',';
    }
}

int32_t run(void)
{
    uint32_t seed = 0x2545F491u;
    for (int i = 0; i < LIST_LEN; i++) {
        arena[i].next = i + 1 < LIST_LEN ? &arena[i + 1] : 0;
        arena[i].key = (int16_t)(bench_rand(&seed) & 0x3fff);
        arena[i].seq = (uint16_t)i;
    }
    list_head = &arena[0];
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++) {
            uint32_t r = bench_rand(&seed);
            ma[i][j] = (int16_t)((int32_t)(r % 2001) - 1000); /* -1000..1000: products and sums fit in int32 */
            mb[i][j] = (int16_t)((int32_t)((r >> 16) % 2001) - 1000);
        }
    make_text(&seed);

    uint32_t crc32 = 0xFFFFFFFFu;
    for (uint32_t round = 0; round < N; round++) {
        /* each kernel's CRC-16 starts from the previous one's, and the round's result goes into the
           CRC-32, so a wrong value anywhere changes the checksum */
        uint16_t crc = (uint16_t)round;
        crc = list_round(round, crc);
        crc = matrix_round(round, crc);
        crc = scan_round(round, crc);
        crc32 = crc32_u32(crc32, crc);
    }
    return (int32_t)~crc32;
}
