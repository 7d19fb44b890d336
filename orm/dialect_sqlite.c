/* dialect_sqlite.c: the SQLite dialect. Numbered placeholders (?1),
 * SQLAlchemy-style type names (their affinities do the right thing), an
 * INTEGER PRIMARY KEY rowid alias for autoincrement keys, case-insensitive
 * LIKE through lower() (the driver turns on case_sensitive_like so plain
 * LIKE is case-sensitive, as on PostgreSQL), and BEGIN IMMEDIATE for writes
 * (a deferred read-then-write transaction fails with SQLITE_BUSY_SNAPSHOT
 * whatever the busy timeout). */
#include <stdio.h>

#include "orm/dialect.h"

static void sqlite_placeholder(rm_sb *sb, size_t n)
{
    rm_sb_appendc(sb, '?');
    rm_sb_append_int(sb, (long long)n);
}

static void sqlite_column_type(rm_sb *sb, const orm_column *c)
{
    switch (c->type) {
    case ORM_T_INTEGER: rm_sb_append(sb, "INTEGER"); return;
    case ORM_T_BIGINT: rm_sb_append(sb, "BIGINT"); return;
    case ORM_T_FLOAT: rm_sb_append(sb, "FLOAT"); return;
    case ORM_T_NUMERIC:
        if (c->precision) rm_sb_appendf(sb, "NUMERIC(%d, %d)", c->precision, c->scale);
        else rm_sb_append(sb, "NUMERIC");
        return;
    case ORM_T_STRING:
        if (c->length) rm_sb_appendf(sb, "VARCHAR(%d)", c->length);
        else rm_sb_append(sb, "VARCHAR");
        return;
    case ORM_T_TEXT: rm_sb_append(sb, "TEXT"); return;
    case ORM_T_BOOLEAN: rm_sb_append(sb, "BOOLEAN"); return;
    case ORM_T_DATE: rm_sb_append(sb, "DATE"); return;
    case ORM_T_DATETIME: rm_sb_append(sb, "DATETIME"); return;
    case ORM_T_JSON: rm_sb_append(sb, "TEXT"); return; /* TEXT affinity keeps the JSON text exact */
    case ORM_T_UUID: rm_sb_append(sb, "CHAR(36)"); return;
    case ORM_T__COUNT: break;
    }
    rm_sb_append(sb, "BLOB");
}

static void sqlite_literal(rm_sb *sb, const orm_column *c, const orm_value *v)
{
    switch (v->kind) {
    case ORM_V_NULL: rm_sb_append(sb, "NULL"); return;
    case ORM_V_INT: rm_sb_appendf(sb, "%lld", (long long)v->u.i); return;
    case ORM_V_FLOAT: rm_sb_appendf(sb, "%.17g", v->u.f); return;
    case ORM_V_TEXT: orm_quote_string(sb, v->u.s.p, v->u.s.n); return;
    }
}

static void sqlite_autoincrement_key(rm_sb *sb, const orm_column *c)
{
    /* only exactly "INTEGER PRIMARY KEY" aliases the rowid */
    rm_sb_append(sb, "INTEGER PRIMARY KEY AUTOINCREMENT");
}

const orm_dialect orm_dialect_sqlite = {
    .name = "sqlite",
    .placeholder = sqlite_placeholder,
    .column_type = sqlite_column_type,
    .literal = sqlite_literal,
    .autoincrement_key = sqlite_autoincrement_key,
    .boolean_is_integer = true,
    .native_ilike = false,
    .explicit_nulls_order = false, /* NULL is already smallest in SQLite */
    .begin_read = "BEGIN",
    .begin_write = "BEGIN IMMEDIATE",
    .max_params = 32766,           /* SQLITE_MAX_VARIABLE_NUMBER since 3.32 */
};
