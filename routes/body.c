/* body.c: a JSON object from a request body → the column values of one
 * row, validated column by column (type → 400; nullable, length, choices,
 * min/max, format → 422), every problem reported with a JSON pointer into
 * the body. Also parses primary keys from URL segments. */
#include <string.h>

#include "orm/convert.h"
#include "orm/defaults.h"
#include "routes/routes_int.h"


/* The server fills these columns itself: clients may not write them. */
static bool server_managed(const orm_mapper *m, const orm_column *c)
{
    return orm_mapper_column_server_managed(m, c);
}

static const char *ptr(rm_ctx *ctx, const char *prefix, const char *key)
{
    return rm_pointer_child(ctx->a, prefix, key);
}

bool rm_body_requires(const orm_mapper *m, const orm_column *c, rm_write_mode mode)
{
    if (mode == RM_WRITE_UPDATE || server_managed(m, c) || !orm_mapper_column_allows(m, c, ORM_COL_INPUT))
        return false;
    if (c->primary_key && (mode == RM_WRITE_REPLACE || c->autoincrement)) return false;
    return !orm_column_defaulted(c) && !c->nullable;
}

/* A column absent from the body: what create/replace do with it. */
static void absent_column(rm_ctx *ctx, const orm_mapper *m, const orm_column *c,
                          rm_write_mode mode, const char *prefix, const bool *implied,
                          rm_row_input *out)
{
    if (mode == RM_WRITE_UPDATE || server_managed(m, c) || !orm_mapper_column_allows(m, c, ORM_COL_INPUT)) return;
    if (implied && implied[c->index]) return; /* a relationship in the body fills it */
    if (!rm_body_requires(m, c, mode)) {
        if (c->primary_key && (mode == RM_WRITE_REPLACE || c->autoincrement)) return;
        /* a PUT: the literal default, else NULL; a generated or database-made
         * value (SPEC §9) stays as stored */
        orm_value lit;
        bool has_lit = orm_column_literal_default(c, &lit);
        if (mode == RM_WRITE_REPLACE && (has_lit || !orm_column_defaulted(c))) {
            out->values[c->index] = has_lit ? lit : orm_null();
            out->given[c->index] = true;
        }
        return;
    }
    orm_error_field(&ctx->err, ORM_E_VALIDATION, ptr(ctx, prefix, c->name), "is required");
}

static void present_column(rm_ctx *ctx, const orm_mapper *m, const orm_column *c, json_t *v,
                           rm_write_mode mode, const char *prefix, const orm_value *key,
                           rm_row_input *out)
{
    /* the field's pointer is made only for a problem: most values have none */
    const char *msg = NULL;
    if (c->version && mode != RM_WRITE_CREATE) {
        /* the version the client's change is based on (SQLAlchemy's version_id_col) */
        if (orm_value_parse_json(c, v, ctx->a, &out->version, &msg) || out->version.kind != ORM_V_INT) {
            orm_error_field(&ctx->err, ORM_E_INVALID, ptr(ctx, prefix, c->name), "%s", msg ? msg : "must be an integer");
            return;
        }
        out->has_version = true;
        return;
    }
    if (server_managed(m, c)) {
        orm_error_field(&ctx->err, ORM_E_INVALID, ptr(ctx, prefix, c->name), "is read-only");
        return;
    }
    orm_value val;
    int rc = orm_value_from_json(c, v, ctx->a, &val, &msg);
    if (rc) {
        orm_error_field(&ctx->err, rc, ptr(ctx, prefix, c->name), "%s", msg);
        return;
    }
    if (val.kind == ORM_V_NULL && !c->nullable && !(c->primary_key && c->autoincrement)) {
        orm_error_field(&ctx->err, ORM_E_VALIDATION, ptr(ctx, prefix, c->name), "must not be null");
        return;
    }
    if (c->primary_key && key) {
        size_t k = 0;
        while (m->table->pk[k] != c) k++;
        if (!orm_value_eq(&val, &key[k])) {
            orm_error_field(&ctx->err, ORM_E_INVALID, ptr(ctx, prefix, c->name), "does not match the key in the URL");
            return;
        }
        return; /* the key is not rewritten */
    }
    if (val.kind == ORM_V_NULL && c->primary_key) return; /* null autoincrement key: generated */
    if (c->primary_key && val.kind == ORM_V_TEXT && val.u.s.n == 0) {
        /* "/api/tags/" could not name the row: refuse it rather than give a dead Location */
        orm_error_field(&ctx->err, ORM_E_VALIDATION, ptr(ctx, prefix, c->name), "must not be empty: a key names its row in a URL");
        return;
    }
    out->values[c->index] = val;
    out->given[c->index] = true;
}

int rm_decode_row(rm_ctx *ctx, const orm_mapper *m, const json_t *obj, rm_write_mode mode,
                  const char *prefix, const orm_value *key, const bool *implied, rm_row_input *out)
{
    const orm_table *t = m->table;
    size_t before = orm_error_count(&ctx->err);
    out->values = RM_NEW_ARRAY(ctx->a, orm_value, t->ncolumns);
    out->given = RM_NEW_ARRAY(ctx->a, bool, t->ncolumns);
    if (!json_is_object(obj)) {
        orm_error_field(&ctx->err, ORM_E_INVALID, prefix, "must be a JSON object");
        return ORM_E_INVALID;
    }
    const char *name;
    json_t *v;
    bool *present = RM_NEW_ARRAY(ctx->a, bool, t->ncolumns); /* the columns the body names */
    json_object_foreach((json_t *)obj, name, v) {
        const orm_column *c = orm_mapper_column(m, name, ORM_COL_INPUT);
        if (c) {
            present[c->index] = true;
            present_column(ctx, m, c, v, mode, prefix, key, out);
            continue;
        }
        if (rm_relationship(ctx, m, name) || rm_proxy(ctx, m, name)) continue; /* write_plan.c reads those */
        const orm_column *named = orm_table_column(t, name); /* one a client may not write */
        if (named) present[named->index] = true;
        orm_error_field(&ctx->err, ORM_E_INVALID, ptr(ctx, prefix, name), "unknown field");
    }
    for (size_t i = 0; i < t->ncolumns; i++)
        if (!present[i]) absent_column(ctx, m, &t->columns[i], mode, prefix, implied, out);
    return orm_error_count(&ctx->err) > before ? ctx->err.code : 0;
}

int rm_parse_key(rm_arena *a, const orm_mapper *m, const char *text, orm_value *out)
{
    const orm_table *t = m->table;
    const char *p = text;
    for (size_t i = 0; i < t->npk; i++) {
        const char *end = i + 1 < t->npk ? strchr(p, ',') : p + strlen(p);
        if (!end) return -1;
        const char *part = rm_percent_decode(a, p, (size_t)(end - p), 0, NULL);
        const char *msg;
        if (!*part || orm_value_from_text(t->pk[i], part, a, &out[i], &msg)) return -1;
        p = *end ? end + 1 : end;
    }
    return 0;
}
