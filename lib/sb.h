/* sb.h: string builder with a sticky error (after SQLite's StrAccum).
 *
 * Appends never fail visibly: on overflow past `limit` the builder sets
 * `err` and ignores further appends, so a printer checks once at the end.
 * Memory comes from the arena when one is given (freed with it), else from
 * malloc (release with rm_sb_free). The text is always NUL-terminated. */
#ifndef RM_SB_H
#define RM_SB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "lib/arena.h"

typedef struct rm_sb {
    char *buf;        /* NUL-terminated text (never NULL after init) */
    size_t len, cap;
    size_t limit;     /* maximum length; 0 = unlimited */
    rm_arena *arena;  /* NULL: malloc-backed */
    int err;          /* sticky: 1 once an append overflowed `limit` */
} rm_sb;

void rm_sb_init(rm_sb *sb, rm_arena *arena);
void rm_sb_free(rm_sb *sb); /* malloc-backed only; arena builders need nothing */
void rm_sb_reset(rm_sb *sb); /* empty, keep the buffer */

/* Room for n more bytes (and the NUL after them) in the buffer and within
 * the limit, with no error: the appends below then write in place (the
 * JSON writers call them for every token); otherwise they take the
 * out-of-line path, which grows the buffer or sets the error. */
static inline bool rm_sb_has_room(const rm_sb *sb, size_t n)
{
    return n < sb->cap - sb->len && !sb->err && (!sb->limit || sb->len + n <= sb->limit);
}
void rm_sb_appendn_grow(rm_sb *sb, const char *s, size_t n); /* the out-of-line path */

static inline void rm_sb_appendn(rm_sb *sb, const char *s, size_t n)
{
    if (!rm_sb_has_room(sb, n)) {
        rm_sb_appendn_grow(sb, s, n);
        return;
    }
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}
static inline void rm_sb_append(rm_sb *sb, const char *s) { rm_sb_appendn(sb, s, strlen(s)); }
static inline void rm_sb_appendc(rm_sb *sb, char c)
{
    if (!rm_sb_has_room(sb, 1)) {
        rm_sb_appendn_grow(sb, &c, 1);
        return;
    }
    sb->buf[sb->len++] = c;
    sb->buf[sb->len] = '\0';
}
/* Append again the n bytes the builder holds at offset at (a part of its
 * own text: the buffer may move while growing). */
void rm_sb_append_own(rm_sb *sb, size_t at, size_t n);
/* Decimal integer, without printf (SQL printers and JSON writers call it often). */
void rm_sb_append_int(rm_sb *sb, long long v);
void rm_sb_appendf(rm_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rm_sb_vappendf(rm_sb *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* JSON literals, byte for byte as jansson's json_dumps(JSON_COMPACT)
 * writes them (tests/unit/lib/test_sb.c compares the two), so an answer
 * written here reads the same as a document jansson prints.
 * A string literal (quotes and escapes included): \" \\ \b \f \n \r \t,
 * other control bytes \u00XX (upper-case hex), everything else as is ('/',
 * DEL, UTF-8). Bytes that are not valid UTF-8 become U+FFFD, so the output
 * always is (jansson refuses such strings). */
void rm_sb_append_json_string(rm_sb *sb, const char *s, size_t n);
/* The same without the quotes, to build one literal from pieces. */
void rm_sb_append_json_chars(rm_sb *sb, const char *s, size_t n);
/* Escape in place what the builder holds from offset at on, as
 * rm_sb_append_json_chars would have written it (text appended raw, then
 * made part of a literal). */
void rm_sb_json_escape_from(rm_sb *sb, size_t at);
/* A real as jansson writes json_real(d) ("%.17g", ".0" added when neither
 * '.' nor 'e' appears, no '+' or leading zeros in the exponent). d must be
 * finite: JSON has no literal for the others (jansson's json_real refuses
 * them). */
void rm_sb_append_json_real(rm_sb *sb, double d);

/* Append "/" + token as a JSON pointer step (RFC 6901: ~ → ~0, / → ~1). */
void rm_sb_append_pointer_token(rm_sb *sb, const char *token);
/* pointer + "/" + token as a new arena string (the error pointers of
 * bodies and filters). */
const char *rm_pointer_child(rm_arena *a, const char *pointer, const char *token);

/* Detach the text: malloc-backed builders hand over ownership (free()). */
char *rm_sb_steal(rm_sb *sb);

#endif
