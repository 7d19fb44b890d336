/* media_type.c: a strict RFC 9110 media-type parser that answers one
 * question, whether the body is UTF-8 JSON (see media_type.h). */
#include "server/media_type.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

static bool is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static size_t token_len(const char *p)
{
    size_t n = 0;
    while (is_tchar((unsigned char)p[n])) n++;
    return n;
}

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

static bool token_is(const char *p, size_t n, const char *want)
{
    return strlen(want) == n && strncasecmp(p, want, n) == 0;
}

/* A quoted-string at *p (which is '"'): its unescaped text goes to buf
 * (cut at cap - 1 bytes; *long_out set when cut). Returns false when it
 * is malformed (a control byte, a bad quoted-pair, no closing quote). */
static bool quoted_string(const char **p, char *buf, size_t cap, bool *long_out)
{
    const unsigned char *s = (const unsigned char *)*p + 1;
    size_t n = 0;
    *long_out = false;
    for (;; s++) {
        unsigned c = *s;
        if (c == '"') break;
        if (c == '\\') {
            c = *++s;
            if (c != '\t' && (c < 0x20 || c == 0x7f)) return false;
        } else if (c != '\t' && (c < 0x20 || c == 0x7f)) {
            return false; /* includes the terminating NUL */
        }
        if (n + 1 < cap) buf[n++] = (char)c;
        else *long_out = true;
    }
    buf[n] = '\0';
    *p = (const char *)s + 1;
    return true;
}

rm_media_check rm_media_type_check(const char *value)
{
    if (!value) return RM_MEDIA_NOT_JSON;
    const char *p = skip_ows(value);
    size_t tn = token_len(p);
    if (!tn || p[tn] != '/') return RM_MEDIA_MALFORMED;
    const char *sub = p + tn + 1;
    size_t sn = token_len(sub);
    if (!sn) return RM_MEDIA_MALFORMED;
    bool json = token_is(p, tn, "application") && token_is(sub, sn, "json");
    int charsets = 0;
    bool utf8 = true;
    p = sub + sn;
    for (;;) {
        p = skip_ows(p);
        if (!*p) break;
        if (*p != ';') return RM_MEDIA_MALFORMED;
        p = skip_ows(p + 1);
        if (!*p || *p == ';') continue; /* an empty parameter is allowed */
        size_t nn = token_len(p);
        if (!nn || p[nn] != '=') return RM_MEDIA_MALFORMED;
        bool is_charset = token_is(p, nn, "charset");
        p += nn + 1;
        char val[16];
        bool too_long = false;
        if (*p == '"') {
            if (!quoted_string(&p, val, sizeof val, &too_long)) return RM_MEDIA_MALFORMED;
        } else {
            size_t vn = token_len(p);
            if (!vn) return RM_MEDIA_MALFORMED;
            too_long = vn >= sizeof val;
            if (!too_long) {
                memcpy(val, p, vn);
                val[vn] = '\0';
            }
            p += vn;
        }
        if (is_charset) {
            charsets++;
            if (too_long || strcasecmp(val, "utf-8") != 0) utf8 = false;
        }
    }
    if (!json) return RM_MEDIA_NOT_JSON;
    return utf8 && charsets <= 1 ? RM_MEDIA_JSON : RM_MEDIA_CHARSET;
}
