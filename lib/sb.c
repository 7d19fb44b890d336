/* sb.c: growable string with a sticky error; see sb.h. */
#include "lib/sb.h"

#include "lib/fmt.h"
#include "lib/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char empty_text[1];

void rm_sb_init(rm_sb *sb, rm_arena *arena)
{
    memset(sb, 0, sizeof *sb);
    sb->arena = arena;
    sb->buf = empty_text;
}

void rm_sb_free(rm_sb *sb)
{
    if (!sb->arena && sb->buf != empty_text) free(sb->buf);
    sb->buf = empty_text;
    sb->len = sb->cap = 0;
}

void rm_sb_reset(rm_sb *sb)
{
    sb->len = 0;
    sb->err = 0;
    if (sb->buf != empty_text) sb->buf[0] = '\0';
}

static int grow(rm_sb *sb, size_t extra)
{
    if (sb->err) return -1;
    size_t need = sb->len + extra + 1;
    if (need < extra || (sb->limit && sb->len + extra > sb->limit)) {
        sb->err = 1;
        return -1;
    }
    if (need <= sb->cap) return 0;
    size_t cap = sb->cap ? sb->cap * 2 : 256;
    while (cap < need) cap *= 2;
    char *nb;
    if (sb->arena) {
        nb = rm_arena_alloc(sb->arena, cap);
        memcpy(nb, sb->buf, sb->len + 1);
    } else {
        nb = realloc(sb->buf == empty_text ? NULL : sb->buf, cap);
        if (!nb) abort();
        if (sb->buf == empty_text) nb[0] = '\0';
    }
    sb->buf = nb;
    sb->cap = cap;
    return 0;
}

void rm_sb_appendn_grow(rm_sb *sb, const char *s, size_t n)
{
    if (grow(sb, n)) return;
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void rm_sb_append_own(rm_sb *sb, size_t at, size_t n)
{
    if (grow(sb, n)) return; /* both backings keep the text when they move it */
    memcpy(sb->buf + sb->len, sb->buf + at, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void rm_sb_append_int(rm_sb *sb, long long v)
{
    char buf[RM_FMT_INT_MAX];
    rm_sb_appendn(sb, buf, rm_fmt_i64(buf, v));
}

void rm_sb_vappendf(rm_sb *sb, const char *fmt, va_list ap)
{
    /* one pass when it fits in what is left; a second only to grow */
    va_list ap2;
    va_copy(ap2, ap);
    size_t room = sb->cap > sb->len ? sb->cap - sb->len : 0;
    int n = sb->err ? -1 : vsnprintf(room ? sb->buf + sb->len : NULL, room, fmt, ap2);
    va_end(ap2);
    if (n < 0) return;
    if ((size_t)n < room) {
        if (sb->limit && sb->len + (size_t)n > sb->limit) {
            sb->buf[sb->len] = '\0';
            sb->err = 1;
            return;
        }
        sb->len += (size_t)n;
        return;
    }
    if (grow(sb, (size_t)n)) {
        if (room) sb->buf[sb->len] = '\0'; /* the first pass wrote past len */
        return;
    }
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void rm_sb_appendf(rm_sb *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rm_sb_vappendf(sb, fmt, ap);
    va_end(ap);
}

/* ---- JSON literals, as jansson writes them -------------------------------- */

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* plain[c]: is byte c written as is inside a JSON string literal, and
 * ASCII? (not a control byte, '"', '\\' or a byte of a UTF-8 sequence) */
#define X16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const unsigned char plain[256] = {
    X16(0), X16(0),                                             /* 0x00-0x1f */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,             /* 0x20-0x2f: '"' */
    X16(1), X16(1),                                             /* 0x30-0x4f */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,             /* 0x50-0x5f: '\\' */
    X16(1), X16(1),                                             /* 0x60-0x7f */
    X16(0), X16(0), X16(0), X16(0), X16(0), X16(0), X16(0), X16(0), /* 0x80-0xff */
};
#undef X16

/* Flags (0x80) on the bytes of the eight-byte word w that are special —
 * a control byte, '"', '\\' or a byte >= 0x80 — with the byte tests of
 * "Bit Twiddling Hacks" (hasless, haszero). A byte is flagged when it is
 * special or, through a borrow, when a lower one is: on a little-endian
 * machine the lowest flag is the first special byte. */
static uint64_t special_bytes(uint64_t w)
{
    uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
    return (((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) | ((b - ONES) & ~b) | w) & HIGHS;
}

/* Length of the prefix of s[0..n) made of plain bytes (see plain[]): a
 * word at a time, the last one overlapping the one before. */
static size_t plain_prefix(const char *s, size_t n)
{
    size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n >= 8) {
        uint64_t w, t;
        for (; n - i >= 8; i += 8) {
            memcpy(&w, s + i, 8);
            if ((t = special_bytes(w))) return i + (size_t)(__builtin_ctzll(t) >> 3);
        }
        if (i == n) return n;
        memcpy(&w, s + n - 8, 8); /* its bytes before i are plain: the first flag is at i or past it */
        return (t = special_bytes(w)) ? n - 8 + (size_t)(__builtin_ctzll(t) >> 3) : n;
    }
#endif
    while (i < n && plain[(unsigned char)s[i]]) i++;
    return i;
}

/* jansson's escape of a byte that needs one (dump.c, dump_string). */
static void append_escape(rm_sb *sb, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    char e[6] = {'\\', 0, '0', '0', hex[c >> 4], hex[c & 15]};
    switch (c) {
    case '"': e[1] = '"'; break;
    case '\\': e[1] = '\\'; break;
    case '\b': e[1] = 'b'; break;
    case '\f': e[1] = 'f'; break;
    case '\n': e[1] = 'n'; break;
    case '\r': e[1] = 'r'; break;
    case '\t': e[1] = 't'; break;
    default: e[1] = 'u'; rm_sb_appendn(sb, e, 6); return;
    }
    rm_sb_appendn(sb, e, 2);
}

void rm_sb_append_json_chars(rm_sb *sb, const char *s, size_t n)
{
    size_t run = 0; /* start of the pending run of bytes written as they are */
    for (size_t i = plain_prefix(s, n); i < n; i += plain_prefix(s + i, n - i)) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) { /* a valid sequence joins the run; an invalid byte becomes U+FFFD */
            size_t k = rm_utf8_seq_len(s + i, n - i);
            if (k) {
                i += k;
                continue;
            }
            rm_sb_appendn(sb, s + run, i - run);
            rm_sb_appendn(sb, "\xEF\xBF\xBD", 3);
        } else {
            rm_sb_appendn(sb, s + run, i - run);
            append_escape(sb, c);
        }
        run = ++i;
    }
    rm_sb_appendn(sb, s + run, n - run);
}

void rm_sb_append_json_string(rm_sb *sb, const char *s, size_t n)
{
    if (plain_prefix(s, n) == n && rm_sb_has_room(sb, n + 2)) { /* the common case: one copy */
        char *p = sb->buf + sb->len;
        p[0] = '"';
        memcpy(p + 1, s, n);
        p[n + 1] = '"';
        sb->len += n + 2;
        sb->buf[sb->len] = '\0';
        return;
    }
    rm_sb_appendc(sb, '"');
    rm_sb_append_json_chars(sb, s, n);
    rm_sb_appendc(sb, '"');
}

void rm_sb_json_escape_from(rm_sb *sb, size_t at)
{
    size_t n = sb->len - at;
    if (sb->err || plain_prefix(sb->buf + at, n) == n) return;
    char *raw = malloc(n);
    if (!raw) abort();
    memcpy(raw, sb->buf + at, n);
    sb->len = at;
    sb->buf[at] = '\0';
    rm_sb_append_json_chars(sb, raw, n);
    free(raw);
}

void rm_sb_append_json_real(rm_sb *sb, double d)
{
    char buf[40]; /* "%.17g" of a double: at most 24 bytes ("-1.2345678901234567e-308") */
    int n = snprintf(buf, sizeof buf, "%.17g", d);
    if (n < 0 || (size_t)n + 3 > sizeof buf) { /* cannot happen; refuse rather than cut */
        sb->err = 1;
        return;
    }
    size_t len = (size_t)n;
    if (!strchr(buf, '.') && !strchr(buf, 'e')) { /* still a real when read back: 3 → 3.0 */
        memcpy(buf + len, ".0", 3);
        len += 2;
    }
    char *start = strchr(buf, 'e');
    if (start) { /* 1e+300 → 1e300, 1e-05 → 1e-5 (jansson's jsonp_dtostr, step by step) */
        start++;
        char *end = start + 1;
        if (*start == '-') start++;
        while (*end == '0') end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - buf));
            len -= (size_t)(end - start);
        }
    }
    rm_sb_appendn(sb, buf, len);
}

void rm_sb_append_pointer_token(rm_sb *sb, const char *token)
{
    rm_sb_appendc(sb, '/');
    for (const char *p = token; *p; p++) {
        if (*p == '~') rm_sb_append(sb, "~0");
        else if (*p == '/') rm_sb_append(sb, "~1");
        else rm_sb_appendc(sb, *p);
    }
}

const char *rm_pointer_child(rm_arena *a, const char *pointer, const char *token)
{
    rm_sb sb;
    rm_sb_init(&sb, a);
    rm_sb_append(&sb, pointer);
    rm_sb_append_pointer_token(&sb, token);
    return sb.buf;
}

char *rm_sb_steal(rm_sb *sb)
{
    char *p = sb->buf;
    if (p == empty_text) p = sb->arena ? rm_arena_strdup(sb->arena, "") : strdup("");
    sb->buf = empty_text;
    sb->len = sb->cap = 0;
    return p;
}
