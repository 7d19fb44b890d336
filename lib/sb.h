/* sb.h: string builder with a sticky error (after SQLite's StrAccum).
 *
 * Appends never fail visibly: on overflow past `limit` the builder sets
 * `err` and ignores further appends, so a printer checks once at the end.
 * Memory comes from the arena when one is given (freed with it), else from
 * malloc (release with rm_sb_free). The text is always NUL-terminated. */
#ifndef RM_SB_H
#define RM_SB_H

#include <stdarg.h>
#include <stddef.h>

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

void rm_sb_append(rm_sb *sb, const char *s);
void rm_sb_appendn(rm_sb *sb, const char *s, size_t n);
void rm_sb_appendc(rm_sb *sb, char c);
/* Decimal integer, without printf (SQL printers and JSON writers call it often). */
void rm_sb_append_int(rm_sb *sb, long long v);
void rm_sb_appendf(rm_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rm_sb_vappendf(rm_sb *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Append s as a JSON string literal (quotes and escapes included). Bytes
 * that are not valid UTF-8 become U+FFFD, so the output always is. */
void rm_sb_append_json_string(rm_sb *sb, const char *s, size_t n);
/* The same without the quotes, to build one literal from pieces. */
void rm_sb_append_json_chars(rm_sb *sb, const char *s, size_t n);

/* Append "/" + token as a JSON pointer step (RFC 6901: ~ → ~0, / → ~1). */
void rm_sb_append_pointer_token(rm_sb *sb, const char *token);
/* pointer + "/" + token as a new arena string (the error pointers of
 * bodies and filters). */
const char *rm_pointer_child(rm_arena *a, const char *pointer, const char *token);

/* Detach the text: malloc-backed builders hand over ownership (free()). */
char *rm_sb_steal(rm_sb *sb);

#endif
