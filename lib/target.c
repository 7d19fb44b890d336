/* target.c: request targets taken apart by one set of rules; see target.h. */
#include "lib/target.h"

#include <string.h>

#include "lib/utf8.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *rm_percent_decode(rm_arena *a, const char *s, size_t n, int plus_is_space, size_t *len)
{
    char *out = rm_arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            out[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[k++] = plus_is_space && s[i] == '+' ? ' ' : s[i];
        }
    }
    out[k] = '\0';
    if (len) *len = k;
    return out;
}

/* Decode one piece and check it; NULL with *why on a NUL or bad UTF-8. */
static const char *decode_checked(rm_arena *a, const char *s, size_t n, int plus_is_space,
                                  const char **why)
{
    size_t len;
    char *d = rm_percent_decode(a, s, n, plus_is_space, &len);
    if (memchr(d, '\0', len)) {
        *why = "contains a NUL byte";
        return NULL;
    }
    if (!rm_utf8_valid(d, len)) {
        *why = "is not valid UTF-8";
        return NULL;
    }
    return d;
}

int rm_target_parse(rm_arena *a, const char *target, size_t len, rm_request *req,
                    const char **why, const char **where)
{
    const char *end = target + len;
    const char *q = memchr(target, '?', len);
    const char *path_end = q ? q : end;
    *where = "path";
    req->raw_path = rm_arena_strndup(a, target, (size_t)(path_end - target));
    if (memchr(target, '\0', len)) {
        *why = "contains a NUL byte";
        return -1;
    }
    req->path = decode_checked(a, target, (size_t)(path_end - target), 0, why);
    if (!req->path) return -1;
    req->query = NULL;
    req->nquery = 0;
    if (!q) return 0;
    *where = "query";
    size_t cap = 1;
    for (const char *p = q + 1; p < end; p++) cap += *p == '&';
    req->query = RM_NEW_ARRAY(a, rm_kv, cap);
    for (const char *p = q + 1; p <= end;) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if (stop > p) { /* empty pieces ("a=1&&b=2") carry nothing */
            const char *eq = memchr(p, '=', (size_t)(stop - p));
            const char *kend = eq ? eq : stop;
            const char *k = decode_checked(a, p, (size_t)(kend - p), 1, why);
            const char *v = eq ? decode_checked(a, eq + 1, (size_t)(stop - eq - 1), 1, why) : "";
            if (!k || !v) return -1;
            req->query[req->nquery++] = (rm_kv){k, v};
        }
        if (!amp) break;
        p = amp + 1;
    }
    return 0;
}

void rm_percent_encode(rm_sb *sb, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t run = 0; /* start of the pending run of unreserved bytes, appended at once */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~')
            continue;
        char e[3] = {'%', hex[c >> 4], hex[c & 15]};
        rm_sb_appendn(sb, s + run, i - run);
        rm_sb_appendn(sb, e, 3);
        run = i + 1;
    }
    rm_sb_appendn(sb, s + run, n - run);
}
