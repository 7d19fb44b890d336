/* dialect.c: what every dialect shares: type and literal printing from
 * the dialect's data, and quoting; see dialect.h. */
#include "orm/dialect.h"

#include <string.h>

void orm_dialect_column_type(const orm_dialect *d, rm_sb *sb, const orm_column *c)
{
    if (c->type == ORM_T_NUMERIC && c->precision)
        rm_sb_appendf(sb, "%s(%d, %d)", d->types[ORM_T_NUMERIC], c->precision, c->scale);
    else if (c->type == ORM_T_STRING && c->length)
        rm_sb_appendf(sb, "VARCHAR(%d)", c->length);
    else
        rm_sb_append(sb, (unsigned)c->type < ORM_T__COUNT ? d->types[c->type] : "BLOB");
    if (d->text_collation && (c->type == ORM_T_STRING || c->type == ORM_T_TEXT)) rm_sb_append(sb, d->text_collation);
}

void orm_dialect_literal(const orm_dialect *d, rm_sb *sb, const orm_column *c, const orm_value *v)
{
    switch (v->kind) {
    case ORM_V_NULL: rm_sb_append(sb, "NULL"); return;
    case ORM_V_INT:
        if (c->type == ORM_T_BOOLEAN && !d->boolean_is_integer) rm_sb_append(sb, v->u.i ? "TRUE" : "FALSE");
        else rm_sb_appendf(sb, "%lld", (long long)v->u.i);
        return;
    case ORM_V_FLOAT: rm_sb_appendf(sb, "%.17g", v->u.f); return;
    case ORM_V_TEXT: orm_quote_string(sb, v->u.s.p, v->u.s.n); return;
    }
}

/* Append s[0, n) inside quote characters q, each q in it doubled: the
 * runs between them go in whole (compiling a statement quotes every name). */
static void quote(rm_sb *sb, char q, const char *s, size_t n)
{
    rm_sb_appendc(sb, q);
    for (const char *end = s + n; s < end;) {
        const char *at = memchr(s, q, (size_t)(end - s));
        size_t run = at ? (size_t)(at - s) + 1 : (size_t)(end - s); /* through the quote */
        rm_sb_appendn(sb, s, run);
        if (at) rm_sb_appendc(sb, q);
        s += run;
    }
    rm_sb_appendc(sb, q);
}

void orm_quote_ident(rm_sb *sb, const char *ident)
{
    quote(sb, '"', ident, strlen(ident));
}

void orm_quote_string(rm_sb *sb, const char *s, size_t n)
{
    quote(sb, '\'', s, n);
}
