/* json.c - a JSON encode/decode loop, written here for runnel's bench: N times, serialise an array of
   records (integers, a fixed-point decimal, strings that need escaping, booleans, null, a nested array
   and a nested object) into JSON text in a static buffer, parse the text back into a tree with a
   recursive-descent parser, rebuild the records from the tree, check that they equal the originals,
   then change the records for the next pass. This is the byte-at-a-time, branchy, call-heavy work of
   an actor that speaks JSON: formatting numbers, escaping and unescaping strings, skipping white space,
   looking up object members by name.
   No libc and no malloc (the wasm build has neither): the text, the tree and the decoded strings live
   in static arenas. run() returns a checksum of the decoded values, or a negative code if a pass
   failed to round-trip. */
#include "bench.h"

#ifndef N
#define N 800
#endif

#define RECORDS 64     /* records per document */
#define NAME_CAP 32    /* bytes of a name, NUL included */
#define TAG_CAP 8      /* bytes of a tag, NUL included */
#define MAX_TAGS 3     /* tags per record */
#define TEXT_CAP 24576 /* bytes of JSON text (a pretty document is about 13 KiB) */
#define NODE_CAP 2048  /* nodes of the parsed tree */
#define POOL_CAP 8192  /* bytes of decoded strings (member names and string values) */
#define MAX_DEPTH 16   /* nesting the parser accepts */

struct person {
    int32_t id;
    int32_t score; /* in hundredths: written as a decimal with two fraction digits, e.g. -12.05 */
    int32_t x, y;  /* "pos": {"x": .., "y": ..} */
    uint8_t active;
    uint8_t ntags;
    uint8_t has_note; /* "note": null is present */
    char name[NAME_CAP];
    char tags[MAX_TAGS][TAG_CAP];
};

static struct person people[RECORDS], decoded[RECORDS];

/* ------------------------------------------------------------------ encoding */

static char text[TEXT_CAP];
static int32_t text_len;
static int text_full; /* set when a write did not fit */

static void put_char(char c)
{
    if (text_len < TEXT_CAP)
        text[text_len++] = c;
    else
        text_full = 1;
}

static void put_str(const char *s)
{
    while (*s)
        put_char(*s++);
}

/* The decimal digits of v, with a '-' if negative; unsigned arithmetic so INT32_MIN is fine too. */
static void put_int(int32_t v)
{
    char digits[10];
    int n = 0;
    uint32_t u = (uint32_t)v;
    if (v < 0) {
        put_char('-');
        u = 0u - u;
    }
    do
        digits[n++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    while (n > 0)
        put_char(digits[--n]);
}

/* hundredths as a decimal: -1205 is "-12.05", 7 is "0.07" */
static void put_fixed2(int32_t v)
{
    uint32_t u = (uint32_t)v;
    if (v < 0) {
        put_char('-');
        u = 0u - u;
    }
    put_int((int32_t)(u / 100));
    put_char('.');
    put_char((char)('0' + u / 10 % 10));
    put_char((char)('0' + u % 10));
}

/* A JSON string: '"' and '\\' escaped, control characters as \n, \t or \u00XX; bytes >= 0x80 (UTF-8)
   are copied as they are, which JSON allows. */
static void put_string(const char *s)
{
    static const char hex[] = "0123456789abcdef";
    put_char('"');
    for (; *s; s++) {
        uint8_t c = (uint8_t)*s;
        if (c == '"' || c == '\\') {
            put_char('\\');
            put_char((char)c);
        } else if (c == '\n') {
            put_str("\\n");
        } else if (c == '\t') {
            put_str("\\t");
        } else if (c < 0x20) {
            put_str("\\u00");
            put_char(hex[c >> 4]);
            put_char(hex[c & 15]);
        } else {
            put_char((char)c);
        }
    }
    put_char('"');
}

/* Layout: compact, or "pretty" (a newline and two spaces per level), so the parser's white-space
   skipping gets exercised on alternate passes. */
static int pretty;

static void newline(int depth)
{
    if (!pretty)
        return;
    put_char('\n');
    for (int i = 0; i < depth; i++)
        put_str("  ");
}

static void member(const char *key, int depth, int first)
{
    if (!first)
        put_char(',');
    newline(depth);
    put_string(key);
    put_char(':');
    if (pretty)
        put_char(' ');
}

static void encode(void)
{
    text_len = 0;
    text_full = 0;
    put_char('{');
    member("version", 1, 1);
    put_int(3);
    member("people", 1, 0);
    put_char('[');
    for (int i = 0; i < RECORDS; i++) {
        const struct person *p = &people[i];
        if (i)
            put_char(',');
        newline(2);
        put_char('{');
        member("id", 3, 1);
        put_int(p->id);
        member("name", 3, 0);
        put_string(p->name);
        member("score", 3, 0);
        put_fixed2(p->score);
        member("active", 3, 0);
        put_str(p->active ? "true" : "false");
        member("tags", 3, 0);
        put_char('[');
        for (int t = 0; t < p->ntags; t++) {
            if (t)
                put_char(',');
            put_string(p->tags[t]);
        }
        put_char(']');
        member("pos", 3, 0);
        put_char('{');
        member("x", 4, 1);
        put_int(p->x);
        member("y", 4, 0);
        put_int(p->y);
        newline(3);
        put_char('}');
        if (p->has_note) {
            member("note", 3, 0);
            put_str("null");
        }
        newline(2);
        put_char('}');
    }
    newline(1);
    put_char(']');
    member("count", 1, 0);
    put_int(RECORDS);
    newline(0);
    put_char('}');
}

/* ------------------------------------------------------------------ parsing into a tree */

enum kind { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

/* One value of the tree. Arrays and objects hold their first element in `child`; elements are chained
   by `next`. An object member's name is in the string pool at key_off/key_len. A number is kept exact,
   as mant * 10^-scale, so "-12.05" is (-1205, 2). */
struct node {
    uint8_t kind;
    int32_t next, child;
    int32_t key_off, key_len;
    int32_t str_off, str_len;
    int64_t mant;
    int32_t scale;
};

static struct node nodes[NODE_CAP];
static int32_t node_count;
static char pool[POOL_CAP];
static int32_t pool_len;

static const char *pos, *end; /* the parser's cursor in the text */

static void skip_ws(void)
{
    while (pos < end && (*pos == ' ' || *pos == '\n' || *pos == '\r' || *pos == '\t'))
        pos++;
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int pool_put(char c)
{
    if (pool_len >= POOL_CAP)
        return -1;
    pool[pool_len++] = c;
    return 0;
}

/* A string at pos (on its opening quote), decoded into the pool: *off and *len say where. \uXXXX is
   encoded as UTF-8 (a lone surrogate is taken as is; the records never contain one). */
static int parse_string(int32_t *off, int32_t *len)
{
    if (pos >= end || *pos != '"')
        return -1;
    pos++;
    *off = pool_len;
    for (;;) {
        if (pos >= end)
            return -1;
        uint8_t c = (uint8_t)*pos++;
        if (c == '"')
            break;
        if (c < 0x20)
            return -1; /* control characters must be escaped */
        if (c != '\\') {
            if (pool_put((char)c))
                return -1;
            continue;
        }
        if (pos >= end)
            return -1;
        char e = *pos++, out;
        switch (e) {
        case '"': out = '"'; break;
        case '\\': out = '\\'; break;
        case '/': out = '/'; break;
        case 'b': out = '\b'; break;
        case 'f': out = '\f'; break;
        case 'n': out = '\n'; break;
        case 'r': out = '\r'; break;
        case 't': out = '\t'; break;
        case 'u': {
            if (end - pos < 4)
                return -1;
            uint32_t cp = 0;
            for (int i = 0; i < 4; i++) {
                int h = hex_val(pos[i]);
                if (h < 0)
                    return -1;
                cp = cp << 4 | (uint32_t)h;
            }
            pos += 4;
            int bad = 0;
            if (cp < 0x80) {
                bad |= pool_put((char)cp);
            } else if (cp < 0x800) {
                bad |= pool_put((char)(0xC0 | cp >> 6));
                bad |= pool_put((char)(0x80 | (cp & 0x3F)));
            } else {
                bad |= pool_put((char)(0xE0 | cp >> 12));
                bad |= pool_put((char)(0x80 | (cp >> 6 & 0x3F)));
                bad |= pool_put((char)(0x80 | (cp & 0x3F)));
            }
            if (bad)
                return -1;
            continue;
        }
        default: return -1;
        }
        if (pool_put(out))
            return -1;
    }
    *len = pool_len - *off;
    return 0;
}

/* A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? kept as mant * 10^-scale. Up to 18
   significant digits are kept, which is plenty for these records. */
static int parse_number(struct node *n)
{
    int neg = 0, digits = 0;
    int64_t mant = 0;
    int32_t scale = 0;
    if (*pos == '-') {
        neg = 1;
        pos++;
    }
    if (pos >= end || *pos < '0' || *pos > '9')
        return -1;
    if (*pos == '0') {
        pos++;
    } else {
        while (pos < end && *pos >= '0' && *pos <= '9') {
            if (++digits > 18)
                return -1;
            mant = mant * 10 + (*pos++ - '0');
        }
    }
    if (pos < end && *pos == '.') {
        pos++;
        if (pos >= end || *pos < '0' || *pos > '9')
            return -1;
        while (pos < end && *pos >= '0' && *pos <= '9') {
            if (++digits > 18)
                return -1;
            mant = mant * 10 + (*pos++ - '0');
            scale++;
        }
    }
    if (pos < end && (*pos == 'e' || *pos == 'E')) {
        pos++;
        int eneg = 0, exp = 0;
        if (pos < end && (*pos == '+' || *pos == '-'))
            eneg = *pos++ == '-';
        if (pos >= end || *pos < '0' || *pos > '9')
            return -1;
        while (pos < end && *pos >= '0' && *pos <= '9')
            if ((exp = exp * 10 + (*pos++ - '0')) > 300)
                return -1;
        scale += eneg ? exp : -exp;
    }
    n->kind = J_NUM;
    n->mant = neg ? -mant : mant;
    n->scale = scale;
    return 0;
}

static int match_word(const char *w)
{
    const char *p = pos;
    for (; *w; w++, p++)
        if (p >= end || *p != *w)
            return 0;
    pos = p;
    return 1;
}

static int32_t new_node(void)
{
    if (node_count >= NODE_CAP)
        return -1;
    struct node *n = &nodes[node_count];
    n->kind = J_NULL;
    n->next = n->child = -1;
    n->key_off = n->key_len = 0;
    return node_count++;
}

/* The value at pos: its node's index, or -1 if the text is malformed or an arena is full. */
static int32_t parse_value(int depth)
{
    if (depth > MAX_DEPTH)
        return -1;
    skip_ws();
    if (pos >= end)
        return -1;
    int32_t self = new_node();
    if (self < 0)
        return -1;
    char c = *pos;
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        nodes[self].kind = c == '{' ? J_OBJ : J_ARR;
        pos++;
        skip_ws();
        if (pos < end && *pos == close) {
            pos++;
            return self;
        }
        int32_t last = -1;
        for (;;) {
            int32_t key_off = 0, key_len = 0;
            if (c == '{') {
                skip_ws();
                if (parse_string(&key_off, &key_len))
                    return -1;
                skip_ws();
                if (pos >= end || *pos++ != ':')
                    return -1;
            }
            int32_t item = parse_value(depth + 1);
            if (item < 0)
                return -1;
            nodes[item].key_off = key_off;
            nodes[item].key_len = key_len;
            if (last < 0)
                nodes[self].child = item;
            else
                nodes[last].next = item;
            last = item;
            skip_ws();
            if (pos >= end)
                return -1;
            if (*pos == ',') {
                pos++;
                continue;
            }
            if (*pos++ != close)
                return -1;
            return self;
        }
    }
    if (c == '"') {
        nodes[self].kind = J_STR;
        return parse_string(&nodes[self].str_off, &nodes[self].str_len) ? -1 : self;
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return parse_number(&nodes[self]) ? -1 : self;
    if (match_word("true"))
        nodes[self].kind = J_TRUE;
    else if (match_word("false"))
        nodes[self].kind = J_FALSE;
    else if (!match_word("null"))
        return -1;
    return self;
}

static int32_t parse(void)
{
    node_count = 0;
    pool_len = 0;
    pos = text;
    end = text + text_len;
    int32_t root = parse_value(0);
    skip_ws();
    return root >= 0 && pos == end ? root : -1;
}

/* ------------------------------------------------------------------ from the tree back to records */

/* The member of object `obj` named `key`, or -1: a linear search, as small JSON readers do. */
static int32_t get(int32_t obj, const char *key)
{
    if (obj < 0 || nodes[obj].kind != J_OBJ)
        return -1;
    for (int32_t m = nodes[obj].child; m >= 0; m = nodes[m].next) {
        const char *k = pool + nodes[m].key_off;
        int32_t i = 0;
        while (i < nodes[m].key_len && key[i] && k[i] == key[i])
            i++;
        if (i == nodes[m].key_len && !key[i])
            return m;
    }
    return -1;
}

/* A number node as an integer scaled by 10^want (want = 0 for integers, 2 for the score). */
static int get_scaled(int32_t n, int32_t want, int32_t *out)
{
    if (n < 0 || nodes[n].kind != J_NUM)
        return -1;
    int64_t v = nodes[n].mant;
    int32_t s = nodes[n].scale;
    for (; s < want; s++)
        v *= 10;
    for (; s > want; s--) {
        if (v % 10)
            return -1; /* would lose digits */
        v /= 10;
    }
    if (v < INT32_MIN || v > INT32_MAX)
        return -1;
    *out = (int32_t)v;
    return 0;
}

/* A string node into a C string of at most cap bytes. A NUL inside the string is refused: the record
   could not hold it. (Checking each byte also keeps clang from turning the loop into a memcpy call,
   which a -nostdlib wasm module does not have; the other string loops here are shaped for the same
   reason: they stop at a NUL rather than copy or clear a fixed length.) */
static int get_cstr(int32_t n, char *out, int32_t cap)
{
    if (n < 0 || nodes[n].kind != J_STR || nodes[n].str_len >= cap)
        return -1;
    const char *s = pool + nodes[n].str_off;
    int32_t len = nodes[n].str_len;
    for (int32_t i = 0; i < len; i++)
        if ((out[i] = s[i]) == 0)
            return -1;
    out[len] = 0;
    return 0;
}

static int decode(int32_t root)
{
    int32_t ver = 0, count = 0;
    if (get_scaled(get(root, "version"), 0, &ver) || ver != 3)
        return -1;
    if (get_scaled(get(root, "count"), 0, &count) || count != RECORDS)
        return -1;
    int32_t arr = get(root, "people");
    if (arr < 0 || nodes[arr].kind != J_ARR)
        return -1;
    int i = 0;
    for (int32_t o = nodes[arr].child; o >= 0; o = nodes[o].next, i++) {
        if (i >= RECORDS)
            return -1;
        struct person *p = &decoded[i];
        int32_t active = get(o, "active"), tags = get(o, "tags"), xy = get(o, "pos"), note = get(o, "note");
        if (get_scaled(get(o, "id"), 0, &p->id) || get_scaled(get(o, "score"), 2, &p->score) ||
            get_cstr(get(o, "name"), p->name, NAME_CAP) || get_scaled(get(xy, "x"), 0, &p->x) ||
            get_scaled(get(xy, "y"), 0, &p->y))
            return -1;
        if (active < 0 || (nodes[active].kind != J_TRUE && nodes[active].kind != J_FALSE))
            return -1;
        p->active = nodes[active].kind == J_TRUE;
        p->has_note = note >= 0 && nodes[note].kind == J_NULL;
        if (tags < 0 || nodes[tags].kind != J_ARR)
            return -1;
        int t = 0;
        for (int32_t e = nodes[tags].child; e >= 0; e = nodes[e].next, t++)
            if (t >= MAX_TAGS || get_cstr(e, p->tags[t], TAG_CAP))
                return -1;
        p->ntags = (uint8_t)t;
    }
    return i == RECORDS ? 0 : -1;
}

/* ------------------------------------------------------------------ the records and the loop */

/* Compares two C strings, folding a's bytes into the checksum; 1 if they are equal. */
static int same_str(const char *a, const char *b, uint32_t *h)
{
    for (;; a++, b++) {
        *h = (*h ^ (uint8_t)*a) * 16777619u;
        if (*a != *b)
            return 0;
        if (!*a)
            return 1;
    }
}

/* Compares a decoded record with its original field by field (not byte by byte: padding between the
   fields and bytes after a string's NUL are not data) and folds the decoded values into the checksum. */
static int same(const struct person *a, const struct person *b, uint32_t *h)
{
    int diff = a->id != b->id || a->score != b->score || a->x != b->x || a->y != b->y ||
               a->active != b->active || a->ntags != b->ntags || a->has_note != b->has_note;
    *h = (*h ^ (uint32_t)a->id) * 16777619u;
    *h = (*h ^ (uint32_t)a->score) * 16777619u;
    *h = (*h ^ (uint32_t)(a->x + a->y * 3)) * 16777619u;
    diff |= !same_str(a->name, b->name, h);
    for (int t = 0; t < a->ntags && !diff; t++)
        diff |= !same_str(a->tags[t], b->tags[t], h);
    return !diff;
}

static const char *const syllables[] = {"ka", "ri", "to", "mu", "sen", "do", "la", "vi", "no", "qe", "\xc3\xa9", "zo"};
static const char *const specials[] = {" ", "\"", "\\", "\n", "\t", "\x01", "/", "'"};
static const char *const tag_words[] = {"ops", "dev", "qa", "night", "remote", "lead", "oncall"};

static void set_str(char *dst, int cap, const char *src)
{
    int i = 0;
    for (; src[i] && i < cap - 1; i++)
        dst[i] = src[i];
    dst[i] = 0;
}

/* A name of 2..5 syllables, some with a character that JSON must escape. */
static void make_name(char *dst, uint32_t *seed)
{
    int n = 0;
    uint32_t r = bench_rand(seed);
    int parts = 2 + (int)(r % 4);
    for (int s = 0; s < parts; s++) {
        uint32_t q = bench_rand(seed);
        const char *piece = q % 5 == 0 ? specials[(q >> 8) % 8] : syllables[(q >> 8) % 12];
        for (; *piece && n < NAME_CAP - 1; piece++)
            dst[n++] = *piece;
    }
    dst[n] = 0;
}

/* The next pass's data: every field changes a little, so no two passes encode the same text. */
static void mutate(uint32_t pass, uint32_t *seed)
{
    for (int i = 0; i < RECORDS; i++) {
        struct person *p = &people[i];
        uint32_t r = bench_rand(seed);
        p->id = (int32_t)(((uint32_t)p->id * 3u + r % 1000u) & 0x3fffffffu);
        p->score = (int32_t)(r >> 8 & 0x1ffff) - 65536; /* -655.36 .. 655.35 */
        p->x += (int32_t)(r >> 4 & 31) - 16;
        p->y = -p->y + (int32_t)(r & 7);
        p->active = (uint8_t)((pass + (uint32_t)i) % 3 == 0);
        p->has_note = (uint8_t)(r >> 30 == 0);
        if ((r >> 12 & 7) == 0)
            make_name(p->name, seed);
        int nt = (int)((pass + (uint32_t)i) % (MAX_TAGS + 1));
        for (int t = 0; t < nt; t++)
            set_str(p->tags[t], TAG_CAP, tag_words[(r >> (3 * t + 16)) % 7]);
        p->ntags = (uint8_t)nt;
    }
}

int32_t run(void)
{
    uint32_t seed = 0x9E3779B9u;
    for (int i = 0; i < RECORDS; i++) {
        people[i].id = i * 1000 + 1;
        people[i].x = i * 17 - 500;
        people[i].y = 3 - i * 29;
        make_name(people[i].name, &seed);
    }
    mutate(0, &seed);
    uint32_t h = 2166136261u;
    for (uint32_t pass = 0; pass < N; pass++) {
        pretty = (int)(pass & 1);
        encode();
        if (text_full)
            return -1;
        int32_t root = parse();
        if (root < 0)
            return -2;
        if (decode(root))
            return -3;
        for (int i = 0; i < RECORDS; i++)
            if (!same(&decoded[i], &people[i], &h))
                return -4;
        h = (h ^ (uint32_t)text_len) * 16777619u;
        h = (h ^ (uint32_t)node_count) * 16777619u;
        mutate(pass + 1, &seed);
    }
    return (int32_t)h;
}
