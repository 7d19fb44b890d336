/* sb.c: growable string with a sticky error; see sb.h. */
#include "lib/sb.h"

#include "lib/fmt.h"
#include "lib/utf8.h"

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

void rm_sb_appendn(rm_sb *sb, const char *s, size_t n)
{
    if (grow(sb, n)) return;
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void rm_sb_append(rm_sb *sb, const char *s) { rm_sb_appendn(sb, s, strlen(s)); }

void rm_sb_appendc(rm_sb *sb, char c)
{
    if (sb->len + 1 < sb->cap && !sb->err && (!sb->limit || sb->len < sb->limit)) { /* room already */
        sb->buf[sb->len++] = c;
        sb->buf[sb->len] = '\0';
        return;
    }
    rm_sb_appendn(sb, &c, 1);
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

void rm_sb_append_json_chars(rm_sb *sb, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0; /* start of the pending run of plain bytes */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) { /* a valid sequence passes whole; an invalid byte becomes U+FFFD */
            size_t k = rm_utf8_seq_len(s + i, n - i);
            if (k) {
                i += k - 1;
                continue;
            }
            rm_sb_appendn(sb, s + run, i - run);
            run = i + 1;
            rm_sb_appendn(sb, "\xEF\xBF\xBD", 3);
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        rm_sb_appendn(sb, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': rm_sb_append(sb, "\\\""); break;
        case '\\': rm_sb_append(sb, "\\\\"); break;
        case '\n': rm_sb_append(sb, "\\n"); break;
        case '\r': rm_sb_append(sb, "\\r"); break;
        case '\t': rm_sb_append(sb, "\\t"); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            rm_sb_appendn(sb, u, 6);
        }
        }
    }
    rm_sb_appendn(sb, s + run, n - run);
}

void rm_sb_append_json_string(rm_sb *sb, const char *s, size_t n)
{
    rm_sb_appendc(sb, '"');
    rm_sb_append_json_chars(sb, s, n);
    rm_sb_appendc(sb, '"');
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
