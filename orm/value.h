/* value.h: a column value as the ORM carries it between JSON, SQL
 * parameters and result rows.
 *
 * Four storage kinds, as SQLite has them: NULL, 64-bit integer, double,
 * text. Booleans are integers 0/1; numeric, date, datetime, json and uuid
 * are text in their canonical form. Text is (pointer, length) and is not
 * owned by the value: it points into the request arena, the schema arena,
 * or a driver buffer that is valid only while its row is current. */
#ifndef ORM_VALUE_H
#define ORM_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/arena.h"

typedef enum orm_vkind { ORM_V_NULL = 0, ORM_V_INT, ORM_V_FLOAT, ORM_V_TEXT } orm_vkind;

typedef struct orm_value {
    orm_vkind kind;
    union {
        int64_t i;
        double f;
        struct { const char *p; size_t n; } s;
    } u;
} orm_value;

static inline orm_value orm_null(void) { orm_value v = {.kind = ORM_V_NULL}; return v; }
static inline orm_value orm_int(int64_t i) { orm_value v = {.kind = ORM_V_INT, .u.i = i}; return v; }
static inline orm_value orm_float(double f) { orm_value v = {.kind = ORM_V_FLOAT, .u.f = f}; return v; }
static inline orm_value orm_text(const char *p, size_t n)
{
    orm_value v = {.kind = ORM_V_TEXT, .u.s = {p, n}};
    return v;
}

/* Copy text into the arena so the value outlives a driver row. */
orm_value orm_value_copy(rm_arena *a, orm_value v);
/* Copy the texts of v[0..n) to buf, each NUL-terminated, and point v's
 * values at the copies; returns the end of what was written (buf needs
 * the texts' lengths plus one byte each). */
static inline char *orm_values_move_texts(orm_value *v, size_t n, char *buf)
{
    for (size_t c = 0; c < n; c++) {
        if (v[c].kind != ORM_V_TEXT) continue;
        size_t len = v[c].u.s.n;
        if (len) memcpy(buf, v[c].u.s.p, len);
        buf[len] = 0;
        v[c].u.s.p = buf;
        buf += len + 1;
    }
    return buf;
}
/* v[0..n) kept in one arena block with their texts (NUL-terminated), then
 * `extra` bytes the caller uses (8-aligned, uninitialised; at *extra_at,
 * unless extra_at is NULL). */
orm_value *orm_values_keep(rm_arena *a, const orm_value *v, size_t n, size_t extra, void **extra_at);
/* Total order used by tests and in-memory evaluation: NULL < numbers < text;
 * integers and floats compare numerically, text bytewise. */
int orm_value_cmp(const orm_value *a, const orm_value *b);
bool orm_value_eq(const orm_value *a, const orm_value *b);
/* Render for logs (--echo): 'text' quoted (control characters as \xNN, the
 * first 200 bytes), NULL, numbers. Arena string. */
const char *orm_value_repr(rm_arena *a, const orm_value *v);

#endif
