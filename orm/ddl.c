/* ddl.c: CREATE TABLE / CREATE INDEX text for a schema; see ddl.h.
 *
 * Tables come in the schema's dependency order, under the dialect's DDL
 * lock (replicas starting together). A foreign key to a table created
 * later (a cycle of references) is written inline where the dialect lets
 * CREATE TABLE name a missing table (SQLite), and otherwise added after
 * every table by the dialect's idempotent statement, under the name
 * fk_<table>_<column>. DDL names columns by their SQL names ("column",
 * else the key), and so do the names the ORM makes (here, and the uq_/ix_
 * defaults of schema_constraints.c). Names the ORM makes (ix_..., fk_...) stay
 * within PostgreSQL's 63 bytes: a longer one keeps its first 54 bytes and
 * gets "_" and 8 hex digits of a hash of the whole name, so two long names
 * never become one. */
#include "orm/ddl.h"

#include <stdint.h>
#include <string.h>

#include "orm/session.h"

static const char *on_delete_sql(orm_on_delete a)
{
    switch (a) {
    case ORM_FK_CASCADE: return "CASCADE";
    case ORM_FK_SET_NULL: return "SET NULL";
    case ORM_FK_RESTRICT: return "RESTRICT";
    case ORM_FK_SET_DEFAULT: return "SET DEFAULT";
    case ORM_FK_NO_ACTION: break;
    }
    return NULL;
}

#define MAX_NAME 63 /* bytes: PostgreSQL's NAMEDATALEN - 1 */

/* "<prefix>_<table>_<column>", shortened as the file comment says. */
static const char *made_name(rm_arena *a, const char *prefix, const orm_table *t, const orm_column *c)
{
    const char *name = rm_arena_sprintf(a, "%s_%s_%s", prefix, t->name, c->sql_name);
    size_t n = strlen(name);
    if (n <= MAX_NAME) return name;
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)name[i]) * 16777619u;
    return rm_arena_sprintf(a, "%.*s_%08x", MAX_NAME - 9, name, (unsigned)h);
}

static bool inline_autoincrement(const orm_table *t, const orm_column *c)
{
    return t->npk == 1 && c->primary_key && c->autoincrement &&
           (c->type == ORM_T_INTEGER || c->type == ORM_T_BIGINT);
}

/* " DEFAULT ..." of a "server_default" (SPEC §9): its literal, or the
 * dialect's expression for "now" and "uuid". */
static void server_default(rm_sb *sb, const orm_dialect *d, const orm_column *c)
{
    switch (c->server_default) {
    case ORM_SD_NONE: return;
    case ORM_SD_LITERAL:
        rm_sb_append(sb, " DEFAULT ");
        orm_dialect_literal(d, sb, c, &c->server_default_value);
        return;
    case ORM_SD_NOW:
        rm_sb_append(sb, " DEFAULT ");
        rm_sb_append(sb, d->default_now[c->type]);
        return;
    case ORM_SD_UUID:
        rm_sb_append(sb, " DEFAULT ");
        rm_sb_append(sb, d->default_uuid);
        return;
    }
}

static void column_def(rm_sb *sb, const orm_dialect *d, const orm_table *t, const orm_column *c)
{
    orm_quote_ident(sb, c->sql_name);
    rm_sb_appendc(sb, ' ');
    if (inline_autoincrement(t, c)) {
        d->autoincrement_key(sb, c);
        return;
    }
    orm_dialect_column_type(d, sb, c);
    if (!c->nullable) rm_sb_append(sb, " NOT NULL");
    if (c->unique && !c->primary_key) rm_sb_append(sb, " UNIQUE");
    if (c->has_default) {
        rm_sb_append(sb, " DEFAULT ");
        orm_dialect_literal(d, sb, c, &c->default_value);
    }
    server_default(sb, d, c);
}

/* CHECK constraints for choices, min/max and integer-stored booleans. */
static void column_checks(rm_sb *sb, const orm_dialect *d, const orm_column *c)
{
    if (c->nchoices) {
        rm_sb_append(sb, ",\n  CHECK (");
        orm_quote_ident(sb, c->sql_name);
        rm_sb_append(sb, " IN (");
        for (size_t i = 0; i < c->nchoices; i++) {
            if (i) rm_sb_append(sb, ", ");
            orm_dialect_literal(d, sb, c, &c->choices[i]);
        }
        rm_sb_append(sb, "))");
    }
    if (c->has_min || c->has_max) {
        rm_sb_append(sb, ",\n  CHECK (");
        if (c->has_min) {
            orm_quote_ident(sb, c->sql_name);
            rm_sb_appendf(sb, " >= %.17g", c->min);
        }
        if (c->has_min && c->has_max) rm_sb_append(sb, " AND ");
        if (c->has_max) {
            orm_quote_ident(sb, c->sql_name);
            rm_sb_appendf(sb, " <= %.17g", c->max);
        }
        rm_sb_appendc(sb, ')');
    }
    if (c->type == ORM_T_BOOLEAN && d->boolean_is_integer) {
        rm_sb_append(sb, ",\n  CHECK (");
        orm_quote_ident(sb, c->sql_name);
        rm_sb_append(sb, " IN (0, 1))");
    }
}

/* ("a", "b") for n column names */
static void name_list(rm_sb *sb, const char *const *names, size_t n)
{
    rm_sb_appendc(sb, '(');
    for (size_t i = 0; i < n; i++) {
        if (i) rm_sb_append(sb, ", ");
        orm_quote_ident(sb, names[i]);
    }
    rm_sb_appendc(sb, ')');
}

/* FOREIGN KEY ("a", ...) REFERENCES "t" ("k", ...) [ON DELETE ...] */
static void foreign_key_clause(rm_sb *sb, const char *const *cols, const char *table, const char *const *refs,
                               size_t n, orm_on_delete on_delete)
{
    rm_sb_append(sb, "FOREIGN KEY ");
    name_list(sb, cols, n);
    rm_sb_append(sb, " REFERENCES ");
    orm_quote_ident(sb, table);
    rm_sb_appendc(sb, ' ');
    name_list(sb, refs, n);
    const char *od = on_delete_sql(on_delete);
    if (od) rm_sb_appendf(sb, " ON DELETE %s", od);
}

/* A column's own foreign_key. */
static void foreign_key(rm_sb *sb, const orm_column *c)
{
    const orm_column *ref = c->fk->stored ? c->fk->stored : c->fk->column; /* a span's: its level's column */
    foreign_key_clause(sb, &c->sql_name, c->fk->table_name, &ref->sql_name, 1, c->fk->on_delete);
}

/* A table-level (composite) foreign key. */
static void table_foreign_key(rm_sb *sb, const orm_fkey *fk, rm_arena *a)
{
    const char **cols = RM_NEW_ARRAY(a, const char *, fk->n), **refs = RM_NEW_ARRAY(a, const char *, fk->n);
    for (size_t i = 0; i < fk->n; i++) {
        cols[i] = fk->columns[i]->sql_name;
        refs[i] = fk->ref_columns[i]->sql_name;
    }
    foreign_key_clause(sb, cols, fk->table->name, refs, fk->n, fk->on_delete);
}

/* Is the table `ref` created after table `at` (a cycle of foreign keys)?
 * Where the database checks references when a table is created, a key to
 * it is added once both exist (orm_dialect.add_foreign_key). */
static bool forward_table(const orm_dialect *d, const orm_schema *s, size_t at, const orm_table *ref)
{
    if (!d->add_foreign_key) return false;
    for (size_t i = at + 1; i < s->ntables; i++)
        if (s->tables[i] == ref) return true;
    return false;
}

static bool forward_reference(const orm_dialect *d, const orm_schema *s, size_t at, const orm_column *c)
{
    return c->fk && forward_table(d, s, at, c->fk->stored ? c->fk->stored->table : c->fk->table);
}

/* CONSTRAINT "name" CHECK (condition), values inlined as literals. */
static void check_constraint(rm_sb *sb, const orm_dialect *d, const orm_check *ck, rm_arena *a)
{
    const char *cond = NULL;
    orm_error err;
    orm_error_init(&err, NULL);
    /* the condition compiled on both dialects at load (schema_constraints.c) */
    if (orm_compile_condition(d, ck->expr, a, &cond, &err)) sb->err = 1;
    rm_sb_append(sb, ",\n  CONSTRAINT ");
    orm_quote_ident(sb, ck->name);
    rm_sb_append(sb, " CHECK (");
    rm_sb_append(sb, cond ? cond : "");
    rm_sb_appendc(sb, ')');
}

/* ("a", "b") */
static void column_list(rm_sb *sb, const orm_index *ix)
{
    rm_sb_appendc(sb, '(');
    for (size_t i = 0; i < ix->ncolumns; i++) {
        if (i) rm_sb_append(sb, ", ");
        orm_quote_ident(sb, ix->columns[i]->sql_name);
    }
    rm_sb_appendc(sb, ')');
}

static const char *create_table(const orm_dialect *d, const orm_schema *s, size_t at, rm_arena *a)
{
    const orm_table *t = s->tables[at];
    rm_sb sb;
    rm_sb_init(&sb, a);
    rm_sb_append(&sb, "CREATE TABLE IF NOT EXISTS ");
    orm_quote_ident(&sb, t->name);
    rm_sb_append(&sb, " (\n  ");
    bool inline_pk = false, first = true;
    for (size_t i = 0; i < t->ncolumns; i++) {
        if (t->columns[i].computed) continue; /* computed by every SELECT, never stored */
        if (!first) rm_sb_append(&sb, ",\n  ");
        first = false;
        column_def(&sb, d, t, &t->columns[i]);
        inline_pk |= inline_autoincrement(t, &t->columns[i]);
    }
    if (!inline_pk && t->npk) {
        rm_sb_append(&sb, ",\n  PRIMARY KEY (");
        for (size_t i = 0; i < t->npk; i++) {
            if (i) rm_sb_append(&sb, ", ");
            orm_quote_ident(&sb, t->pk[i]->sql_name);
        }
        rm_sb_appendc(&sb, ')');
    }
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_column *c = &t->columns[i];
        if (!c->fk || forward_reference(d, s, at, c)) continue;
        rm_sb_append(&sb, ",\n  ");
        foreign_key(&sb, c);
    }
    for (size_t i = 0; i < t->nfkeys; i++) {
        if (forward_table(d, s, at, t->fkeys[i].table)) continue;
        rm_sb_append(&sb, ",\n  ");
        table_foreign_key(&sb, &t->fkeys[i], a);
    }
    for (size_t i = 0; i < t->nindexes; i++) {
        const orm_index *ix = &t->indexes[i];
        if (!ix->constraint) continue;
        rm_sb_append(&sb, ",\n  CONSTRAINT ");
        orm_quote_ident(&sb, ix->name);
        rm_sb_append(&sb, " UNIQUE ");
        column_list(&sb, ix);
    }
    for (size_t i = 0; i < t->ncolumns; i++)
        if (!t->columns[i].computed) column_checks(&sb, d, &t->columns[i]);
    for (size_t i = 0; i < t->nchecks; i++) check_constraint(&sb, d, &t->checks[i], a);
    rm_sb_append(&sb, "\n)");
    return sb.buf;
}

/* CREATE [UNIQUE] INDEX for an entry of the table's "indexes". */
static const char *create_declared_index(const orm_table *t, const orm_index *ix, rm_arena *a)
{
    rm_sb sb;
    rm_sb_init(&sb, a);
    rm_sb_append(&sb, ix->unique ? "CREATE UNIQUE INDEX IF NOT EXISTS " : "CREATE INDEX IF NOT EXISTS ");
    orm_quote_ident(&sb, ix->name);
    rm_sb_append(&sb, " ON ");
    orm_quote_ident(&sb, t->name);
    rm_sb_appendc(&sb, ' ');
    column_list(&sb, ix);
    return sb.buf;
}

/* Indexes: columns marked "index", and foreign-key columns (relationship
 * loads and cascades look rows up by them) unless already the leading key
 * column or unique. Where NULL's place is spelled out in ORDER BY (NULLS
 * FIRST ascending, NULLS LAST descending), a nullable column's index keeps
 * its NULLs first too, so a sort on it can walk the index either way. */
static const char *create_index(const orm_dialect *d, const orm_table *t, const orm_column *c, rm_arena *a)
{
    bool leading_pk = t->npk && t->pk[0] == c;
    if (!(c->indexed || c->fk) || c->unique || leading_pk) return NULL;
    rm_sb sb;
    rm_sb_init(&sb, a);
    rm_sb_append(&sb, "CREATE INDEX IF NOT EXISTS ");
    orm_quote_ident(&sb, made_name(a, "ix", t, c));
    rm_sb_append(&sb, " ON ");
    orm_quote_ident(&sb, t->name);
    rm_sb_append(&sb, " (");
    orm_quote_ident(&sb, c->sql_name);
    if (d->explicit_nulls_order && c->nullable) rm_sb_append(&sb, " NULLS FIRST");
    rm_sb_appendc(&sb, ')');
    return sb.buf;
}

/* An index over a composite foreign key's columns, in order (a cascade or
 * a relationship load looks rows up by them), unless the primary key
 * starts with them. Named as a declared index over them would be, so
 * declaring one too makes one index. */
static const char *create_fkey_index(const orm_table *t, const orm_fkey *fk, rm_arena *a)
{
    bool leading_pk = t->npk >= fk->n;
    for (size_t i = 0; i < fk->n && leading_pk; i++) leading_pk = t->pk[i] == fk->columns[i];
    if (leading_pk) return NULL;
    rm_sb name;
    rm_sb_init(&name, a);
    rm_sb_appendf(&name, "ix_%s", t->name);
    for (size_t i = 0; i < fk->n; i++) rm_sb_appendf(&name, "_%s", fk->columns[i]->sql_name);
    orm_index ix = {.name = name.buf, .columns = fk->columns, .ncolumns = fk->n};
    return create_declared_index(t, &ix, a);
}

void orm_ddl_build(const orm_dialect *d, const orm_schema *s, rm_arena *a, orm_ddl *out)
{
    size_t cap = 1;
    for (size_t i = 0; i < s->ntables; i++)
        cap += 1 + 2 * s->tables[i]->ncolumns + s->tables[i]->nindexes + 2 * s->tables[i]->nfkeys;
    out->statements = RM_NEW_ARRAY(a, const char *, cap);
    out->n = 0;
    if (d->ddl_lock) out->statements[out->n++] = d->ddl_lock;
    for (size_t i = 0; i < s->ntables; i++) {
        const orm_table *t = s->tables[i];
        out->statements[out->n++] = create_table(d, s, i, a);
        for (size_t k = 0; k < t->ncolumns; k++) {
            const char *ix = create_index(d, t, &t->columns[k], a);
            if (ix) out->statements[out->n++] = ix;
        }
        for (size_t k = 0; k < t->nindexes; k++)
            if (!t->indexes[k].constraint) out->statements[out->n++] = create_declared_index(t, &t->indexes[k], a);
        for (size_t k = 0; k < t->nfkeys; k++) {
            const char *ix = create_fkey_index(t, &t->fkeys[k], a);
            if (ix) out->statements[out->n++] = ix;
        }
    }
    /* the keys of a cycle, once every table exists */
    for (size_t i = 0; i < s->ntables; i++) {
        const orm_table *t = s->tables[i];
        for (size_t k = 0; k < t->ncolumns; k++) {
            const orm_column *c = &t->columns[k];
            if (!forward_reference(d, s, i, c)) continue;
            rm_sb fk, sql;
            rm_sb_init(&fk, a);
            rm_sb_init(&sql, a);
            foreign_key(&fk, c);
            d->add_foreign_key(&sql, t, made_name(a, "fk", t, c), fk.buf);
            out->statements[out->n++] = sql.buf;
        }
        for (size_t k = 0; k < t->nfkeys; k++) {
            if (!forward_table(d, s, i, t->fkeys[k].table)) continue;
            rm_sb fk, sql;
            rm_sb_init(&fk, a);
            rm_sb_init(&sql, a);
            table_foreign_key(&fk, &t->fkeys[k], a);
            d->add_foreign_key(&sql, t, t->fkeys[k].name, fk.buf);
            out->statements[out->n++] = sql.buf;
        }
    }
}

static int run_ddl(orm_session *s, void *ud)
{
    const orm_ddl *ddl = ud;
    for (size_t i = 0; i < ddl->n; i++) {
        orm_compiled c;
        orm_compiled_text(&c, ddl->statements[i]);
        int rc = orm_session_execute(s, &c, NULL);
        if (rc) return rc;
    }
    return 0;
}

int orm_create_all(orm_engine *e, const orm_schema *schema, orm_error *err)
{
    rm_arena *a = rm_arena_new();
    orm_ddl ddl;
    orm_ddl_build(orm_engine_dialect(e), schema, a, &ddl);
    orm_session s;
    orm_session_init(&s, e, schema, a, err);
    int rc = orm_session_run(&s, true, run_ddl, &ddl);
    rm_arena_destroy(a);
    return rc;
}

/* ---- key generators after explicit keys ---------------------------------------- */

static int run_sync(orm_session *s, void *ud)
{
    const orm_dialect *d = orm_engine_dialect(s->engine);
    const orm_schema *schema = ud;
    for (size_t i = 0; i < schema->ntables; i++) {
        const orm_table *t = schema->tables[i];
        for (size_t k = 0; k < t->ncolumns; k++) {
            if (!inline_autoincrement(t, &t->columns[k])) continue;
            rm_sb sb;
            rm_sb_init(&sb, s->arena);
            d->sync_key(&sb, t, &t->columns[k]);
            orm_compiled c;
            orm_compiled_text(&c, sb.buf);
            c.returns_rows = true;
            c.nresult = 1;
            int rc = orm_session_execute(s, &c, NULL);
            if (rc) return rc;
        }
    }
    return 0;
}

int orm_sync_keys(orm_engine *e, const orm_schema *schema, orm_error *err)
{
    if (!orm_engine_dialect(e)->sync_key) return 0;
    rm_arena *a = rm_arena_new();
    orm_session s;
    orm_session_init(&s, e, schema, a, err);
    int rc = orm_session_run(&s, true, run_sync, (void *)schema);
    rm_arena_destroy(a);
    return rc;
}
