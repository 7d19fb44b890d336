/* hf_util.c: buffers, random numbers, clocks, files and text helpers of the
 * HTTP fuzzer (see hf_util.h). */
#include "tests/fuzz/hf_util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ memory */

void hf_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("http_fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

void *hf_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) hf_die("out of memory (%zu bytes)", n);
    return p;
}

void *hf_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) hf_die("out of memory");
    return p;
}

void *hf_xrealloc(void *p, size_t n)
{
    void *np = realloc(p, n ? n : 1);
    if (!np) hf_die("out of memory (%zu bytes)", n);
    return np;
}

char *hf_xstrndup(const char *s, size_t n)
{
    char *p = hf_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *hf_xstrdup(const char *s) { return hf_xstrndup(s, strlen(s)); }

char *hf_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return hf_xstrdup("");
    char *p = hf_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* ------------------------------------------------------------ buffers */

static void buf_reserve(hf_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    b->p = hf_xrealloc(b->p, cap);
    b->cap = cap;
}

void hf_buf_add(hf_buf *b, const void *data, size_t n)
{
    buf_reserve(b, n);
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void hf_buf_str(hf_buf *b, const char *s) { hf_buf_add(b, s, strlen(s)); }

void hf_buf_addc(hf_buf *b, char c) { hf_buf_add(b, &c, 1); }

void hf_buf_fmt(hf_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0) return;
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void hf_buf_insert(hf_buf *b, size_t at, const void *data, size_t n)
{
    if (at > b->len) at = b->len;
    buf_reserve(b, n);
    memmove(b->p + at + n, b->p + at, b->len - at);
    memcpy(b->p + at, data, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void hf_buf_erase(hf_buf *b, size_t at, size_t n)
{
    if (at >= b->len) return;
    if (n > b->len - at) n = b->len - at;
    memmove(b->p + at, b->p + at + n, b->len - at - n);
    b->len -= n;
    b->p[b->len] = '\0';
}

void hf_buf_reset(hf_buf *b)
{
    b->len = 0;
    if (b->p) b->p[0] = '\0';
}

void hf_buf_free(hf_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

char *hf_buf_take(hf_buf *b)
{
    if (!b->p) hf_buf_add(b, "", 0);
    char *p = b->p;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

/* ------------------------------------------------------------ random */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void hf_rng_seed(hf_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t hf_rng_next(hf_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

size_t hf_rng_below(hf_rng *r, size_t n) { return n ? (size_t)(hf_rng_next(r) % n) : 0; }

bool hf_rng_chance(hf_rng *r, unsigned percent) { return hf_rng_below(r, 100) < percent; }

size_t hf_rng_size(hf_rng *r, size_t max)
{
    if (max <= 1) return 1;
    unsigned bits = 0;
    while (bits < 63 && ((size_t)1 << bits) < max) bits++;
    size_t top = (size_t)1 << hf_rng_below(r, bits + 1);
    size_t v = 1 + hf_rng_below(r, top);
    return v > max ? max : v;
}

/* ------------------------------------------------------------ clocks, files */

char *hf_read_file(const char *path, size_t *len)
{
    if (access(path, R_OK) != 0) return NULL;
    return ts_read_file_from(path, 0, len);
}

long hf_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

int hf_write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(data, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

/* ------------------------------------------------------------ text */

uint64_t hf_hash(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

char *hf_memmem(const char *hay, size_t n, const char *needle, size_t nlen)
{
    if (!nlen) return (char *)hay;
    const char *end = hay + n;
    for (const char *p = hay; (size_t)(end - p) >= nlen; p++) {
        p = memchr(p, needle[0], (size_t)(end - p) - nlen + 1);
        if (!p) return NULL;
        if (!memcmp(p, needle, nlen)) return (char *)p;
    }
    return NULL;
}

bool hf_utf8_valid(const char *s, size_t n, size_t *bad_at)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len;
        unsigned cp, min;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; min = 0x80; }
        else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; min = 0x800; }
        else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; min = 0x10000; }
        else goto bad;
        if (i + len > n) goto bad;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80) goto bad;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) goto bad;
        i += len;
    }
    return true;
bad:
    if (bad_at) *bad_at = i;
    return false;
}

void hf_percent_encode(hf_buf *b, const char *s, size_t n, const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~' || (c && keep && strchr(keep, c));
        if (plain) {
            hf_buf_addc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            hf_buf_add(b, e, 3);
        }
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
    return -1;
}

char *hf_percent_decode(const char *s)
{
    hf_buf b = {0};
    for (; *s; s++) {
        int hi, lo;
        if (*s == '%' && (hi = hexval(s[1])) >= 0 && (lo = hexval(s[2])) >= 0) {
            hf_buf_addc(&b, (char)(hi * 16 + lo));
            s += 2;
        } else {
            hf_buf_addc(&b, *s);
        }
    }
    return hf_buf_take(&b);
}

void hf_buf_printable(hf_buf *b, const char *s, size_t n, size_t max)
{
    size_t shown = n < max ? n : max;
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r') hf_buf_str(b, "\\r");
        else if (c == '\n') hf_buf_str(b, "\\n\n");
        else if (c == '\\') hf_buf_str(b, "\\\\");
        else if (c < 0x20 || c >= 0x7f) hf_buf_fmt(b, "\\x%02x", c);
        else hf_buf_addc(b, (char)c);
    }
    if (shown < n) hf_buf_fmt(b, "...[%zu more bytes]", n - shown);
}

/* ------------------------------------------------------------ pools */

void hf_pool_init(hf_pool *p, size_t cap)
{
    p->items = hf_xcalloc(cap, sizeof *p->items);
    p->n = 0;
    p->cap = cap;
}

bool hf_pool_has(const hf_pool *p, const char *s)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->items[i], s)) return true;
    return false;
}

void hf_pool_add(hf_pool *p, hf_rng *r, const char *s)
{
    if (!p->cap || hf_pool_has(p, s)) return;
    if (p->n < p->cap) {
        p->items[p->n++] = hf_xstrdup(s);
        return;
    }
    size_t i = hf_rng_below(r, p->cap);
    free(p->items[i]);
    p->items[i] = hf_xstrdup(s);
}

const char *hf_pool_pick(const hf_pool *p, hf_rng *r)
{
    return p->n ? p->items[hf_rng_below(r, p->n)] : NULL;
}

void hf_pool_clear(hf_pool *p)
{
    for (size_t i = 0; i < p->n; i++) free(p->items[i]);
    p->n = 0;
}

void hf_pool_free(hf_pool *p)
{
    hf_pool_clear(p);
    free(p->items);
    p->items = NULL;
    p->cap = 0;
}
