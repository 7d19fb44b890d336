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

void orm_quote_ident(rm_sb *sb, const char *ident)
{
    rm_sb_appendc(sb, '"');
    for (const char *p = ident; *p; p++) {
        if (*p == '"') rm_sb_appendc(sb, '"');
        rm_sb_appendc(sb, *p);
    }
    rm_sb_appendc(sb, '"');
}

void orm_quote_string(rm_sb *sb, const char *s, size_t n)
{
    rm_sb_appendc(sb, '\'');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'') rm_sb_appendc(sb, '\'');
        rm_sb_appendc(sb, s[i]);
    }
    rm_sb_appendc(sb, '\'');
}
