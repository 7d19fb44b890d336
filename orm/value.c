/* value.c: copying, ordering and printing orm_value; see value.h. */
#include "orm/value.h"

#include <stdio.h>
#include <string.h>

orm_value orm_value_copy(rm_arena *a, orm_value v)
{
    if (v.kind == ORM_V_TEXT) v.u.s.p = rm_arena_strndup(a, v.u.s.p ? v.u.s.p : "", v.u.s.n);
    return v;
}

orm_value *orm_values_keep(rm_arena *a, const orm_value *v, size_t n, size_t extra, void **extra_at)
{
    size_t text = 0;
    for (size_t c = 0; c < n; c++)
        if (v[c].kind == ORM_V_TEXT) text += v[c].u.s.n + 1;
    size_t at = (n * sizeof *v + text + 7) & ~(size_t)7;
    char *mem = rm_arena_alloc(a, at + extra);
    orm_value *kept = memcpy(mem, v, n * sizeof *v);
    orm_values_move_texts(kept, n, (char *)(kept + n));
    if (extra_at) *extra_at = mem + at;
    return kept;
}

static int rank(const orm_value *v)
{
    switch (v->kind) {
    case ORM_V_NULL: return 0;
    case ORM_V_INT:
    case ORM_V_FLOAT: return 1;
    case ORM_V_TEXT: return 2;
    }
    return 3;
}

int orm_value_cmp(const orm_value *a, const orm_value *b)
{
    int ra = rank(a), rb = rank(b);
    if (ra != rb) return ra < rb ? -1 : 1;
    switch (a->kind) {
    case ORM_V_NULL: return 0;
    case ORM_V_INT:
        if (b->kind == ORM_V_INT) return (a->u.i > b->u.i) - (a->u.i < b->u.i);
        return ((double)a->u.i > b->u.f) - ((double)a->u.i < b->u.f);
    case ORM_V_FLOAT: {
        double y = b->kind == ORM_V_INT ? (double)b->u.i : b->u.f;
        return (a->u.f > y) - (a->u.f < y);
    }
    case ORM_V_TEXT: {
        size_t n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
        int c = n ? memcmp(a->u.s.p, b->u.s.p, n) : 0;
        if (c) return c < 0 ? -1 : 1;
        return (a->u.s.n > b->u.s.n) - (a->u.s.n < b->u.s.n);
    }
    }
    return 0;
}

bool orm_value_eq(const orm_value *a, const orm_value *b)
{
    if (a->kind == ORM_V_INT && b->kind == ORM_V_INT) return a->u.i == b->u.i; /* keys, mostly */
    return a->kind == b->kind && orm_value_cmp(a, b) == 0;
}

const char *orm_value_repr(rm_arena *a, const orm_value *v)
{
    switch (v->kind) {
    case ORM_V_NULL: return "NULL";
    case ORM_V_INT: return rm_arena_sprintf(a, "%lld", (long long)v->u.i);
    case ORM_V_FLOAT: return rm_arena_sprintf(a, "%.17g", v->u.f);
    case ORM_V_TEXT: {
        /* control characters as \xNN: one value stays on one line of a log
         * (a newline in a value cannot forge a line) */
        size_t n = v->u.s.n > 200 ? 200 : v->u.s.n;
        char *out = rm_arena_alloc(a, 4 * n + 8), *o = out;
        *o++ = '\'';
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)v->u.s.p[i];
            if (ch < 0x20 || ch == 0x7f) o += sprintf(o, "\\x%02x", ch);
            else *o++ = (char)ch;
        }
        *o++ = '\'';
        if (n < v->u.s.n) o += sprintf(o, "...");
        *o = 0;
        return out;
    }
    }
    return "?";
}
