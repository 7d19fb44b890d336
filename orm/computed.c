/* computed.c: the loading phase of computed attributes (SPEC §9): each
 * "computed" declaration parsed once every relationship is resolved, its
 * type inferred, its expression compiled into a template over the row
 * (alias 0) and an aggregate's filter into a template over the last
 * target; and the deferred columns' last check (a discriminator cannot be
 * deferred). Errors name the entity and the key. See computed.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm/computed.h"
#include "orm/convert.h"
#include "orm/filter.h"
#include "orm/schema_load_int.h"

typedef struct pctx {
    orm_loader *L;
    const orm_origin *o;
    const orm_mapper *m;
    orm_column *c;             /* the computed column */
    const char *path;          /* "columns.NAME.computed" */
} pctx;

static const char *const expr_ops[] = {"add", "sub", "mul", "div", "concat", NULL};
static const char *const agg_ops[] = {"count", "sum", "min", "max", NULL};

static bool numeric(orm_type t)
{
    return t == ORM_T_INTEGER || t == ORM_T_BIGINT || t == ORM_T_FLOAT || t == ORM_T_NUMERIC;
}

static bool stringy(orm_type t) { return t == ORM_T_STRING || t == ORM_T_TEXT; }

/* ---- expressions over the row's own columns ------------------------------------ */

/* What an operand's type may be besides a column's: a JSON real literal
 * gives float unless an exact numeric takes part. scale: the decimal
 * places of an exact operand (a numeric column's scale, 0 for integers,
 * a literal's own places), -1 when unknown (a numeric without precision,
 * a float). */
typedef struct etype {
    orm_type t;
    bool real_literal;
    int scale;
} etype;

/* The places after the point of a JSON number as written shortest. */
static int literal_scale(json_t *j)
{
    if (json_is_integer(j)) return 0;
    char buf[64];
    for (int p = 1; p <= 17; p++) { /* the fewest places that read back the same */
        snprintf(buf, sizeof buf, "%.*f", p, json_real_value(j));
        if (strtod(buf, NULL) == json_real_value(j)) return p;
    }
    return -1;
}

/* The scale of an exact result, as SQL's numeric arithmetic gives it (and
 * PostgreSQL prints it): a sum or difference the most places of its
 * operands, a product their total; -1 when an operand's is unknown. */
static int result_scale(bool mul, const etype *ts, size_t n)
{
    int scale = 0;
    for (size_t i = 0; i < n; i++) {
        if (ts[i].scale < 0) return -1;
        scale = mul ? scale + ts[i].scale : scale > ts[i].scale ? scale : ts[i].scale;
    }
    return scale;
}

static int operand(pctx *P, json_t *j, const char *path, etype *out, orm_expr **e);

/* A literal as a parameter typed t (a column of its own carries the type). */
static int literal(pctx *P, json_t *j, const char *path, orm_type t, orm_expr **e)
{
    orm_column *lc = RM_NEW(P->L->s->arena, orm_column);
    *lc = (orm_column){.name = P->c->name, .table = P->c->table, .type = t, .nullable = true};
    orm_value v;
    if (orm_loader_convert_literal(P->L, P->o, path, lc, j, &v)) return ORM_E_SCHEMA;
    *e = orm_expr_param(P->L->s->arena, v, lc);
    return 0;
}

/* {"op": [operands]}: checked, typed and built left to right. */
static int operation(pctx *P, json_t *j, const char *path, etype *out, orm_expr **e)
{
    rm_arena *a = P->L->s->arena;
    const char *op = NULL;
    json_t *args = NULL;
    if (json_object_size(j) == 1) json_object_foreach(j, op, args) break;
    if (!op || !orm_loader_in_list(op, expr_ops))
        return orm_loader_fail(P->L, P->o, path,
                               "an operand is a literal, {\"$col\": \"column\"} or one of {\"%s\": [...]}",
                               orm_loader_list_text(P->L, expr_ops));
    const char *p = orm_loader_subpath(P->L, path, op);
    bool div = !strcmp(op, "div"), concat = !strcmp(op, "concat");
    size_t n = json_is_array(args) ? json_array_size(args) : 0;
    if (n < 2 || (div && n != 2))
        return orm_loader_fail(P->L, P->o, p, div ? "must be an array of two operands"
                                                  : "must be an array of at least two operands");
    etype *ts = RM_NEW_ARRAY(P->L->tmp, etype, n);
    json_t *arg;
    size_t i;
    /* first the types (a literal is typed by the whole operation) */
    json_array_foreach(args, i, arg) {
        const char *ip = rm_arena_sprintf(P->L->tmp, "%s[%zu]", p, i);
        if (json_is_string(arg) || json_is_number(arg)) {
            ts[i] = (etype){json_is_string(arg) ? ORM_T_STRING : json_is_integer(arg) ? ORM_T_INTEGER : ORM_T_FLOAT,
                            json_is_real(arg), json_is_number(arg) ? literal_scale(arg) : -1};
        } else if (operand(P, arg, ip, &ts[i], NULL)) {
            return ORM_E_SCHEMA;
        }
        if (concat ? !stringy(ts[i].t) : !numeric(ts[i].t))
            return orm_loader_fail(P->L, P->o, ip, "%s takes %s operands (this one is %s)", op,
                                   concat ? "string" : "numeric", orm_type_name(ts[i].t));
    }
    orm_type t = ORM_T_INTEGER;
    if (concat) t = ORM_T_STRING;
    else if (div) t = ORM_T_FLOAT;
    else {
        bool fl = false, num = false, big = false, real = false;
        for (i = 0; i < n; i++) {
            fl |= ts[i].t == ORM_T_FLOAT && !ts[i].real_literal;
            num |= ts[i].t == ORM_T_NUMERIC;
            big |= ts[i].t == ORM_T_BIGINT;
            real |= ts[i].real_literal;
        }
        t = fl ? ORM_T_FLOAT : num ? ORM_T_NUMERIC : real ? ORM_T_FLOAT : big ? ORM_T_BIGINT : ORM_T_INTEGER;
    }
    *out = (etype){t, false, t == ORM_T_NUMERIC ? result_scale(!strcmp(op, "mul"), ts, n)
                           : t == ORM_T_INTEGER || t == ORM_T_BIGINT ? 0 : -1};
    if (!e) return 0;
    static const orm_expr_op ops[] = {ORM_OP_ADD, ORM_OP_SUB, ORM_OP_MUL, ORM_OP_DIV, ORM_OP_CONCAT};
    orm_expr_op code = ORM_OP_ADD;
    for (size_t k = 0; expr_ops[k]; k++)
        if (!strcmp(op, expr_ops[k])) code = ops[k];
    orm_expr *acc = NULL;
    json_array_foreach(args, i, arg) {
        const char *ip = rm_arena_sprintf(P->L->tmp, "%s[%zu]", p, i);
        orm_expr *x;
        etype ignored;
        /* a literal takes the operation's type; div's are floats anyway */
        int rc = json_is_string(arg) || json_is_number(arg)
                     ? literal(P, arg, ip, div ? ts[i].t : t, &x)
                     : operand(P, arg, ip, &ignored, &x);
        if (rc) return rc;
        if (div) x = orm_expr_unary(a, ORM_OP_AS_FLOAT, x);
        if (div && i == 1) { /* a / NULLIF(b, 0): null, not an error, when b is 0 */
            orm_expr *nz = orm_expr_unary(a, ORM_OP_CALL, x);
            nz->u.func = "NULLIF";
            json_t *zero = json_integer(0);
            int zrc = literal(P, zero, ip, ORM_T_INTEGER, &nz->right);
            json_decref(zero);
            if (zrc) return zrc;
            x = nz;
        }
        acc = acc ? orm_expr_binary(a, code, acc, x) : x;
    }
    *e = acc;
    return 0;
}

/* {"$col": "column"} or an operation; e NULL: type only. */
static int operand(pctx *P, json_t *j, const char *path, etype *out, orm_expr **e)
{
    json_t *col = json_is_object(j) ? json_object_get(j, "$col") : NULL;
    if (!col) {
        if (!json_is_object(j))
            return orm_loader_fail(P->L, P->o, path,
                                   "an operand is a string or number literal, {\"$col\": \"column\"} or an "
                                   "expression");
        return operation(P, j, path, out, e);
    }
    const char *cp = orm_loader_subpath(P->L, path, "$col");
    if (json_object_size(j) != 1 || !json_is_string(col))
        return orm_loader_fail(P->L, P->o, cp, "must be {\"$col\": \"column\"} alone");
    const char *name = json_string_value(col);
    const orm_column *c = orm_mapper_column(P->m, name, ORM_COL_READ);
    if (!c) return orm_loader_fail(P->L, P->o, cp, "unknown column \"%s\" of %s", name, P->m->name);
    if (c->computed_json)
        return orm_loader_fail(P->L, P->o, cp, "\"%s\" is a computed attribute: name stored columns", name);
    *out = (etype){c->type, false,
                   c->type == ORM_T_NUMERIC ? (c->precision ? c->scale : -1)
                   : c->type == ORM_T_INTEGER || c->type == ORM_T_BIGINT ? 0 : -1};
    if (e) *e = orm_expr_column(P->L->s->arena, 0, c);
    return 0;
}

/* ---- aggregates over a relationship path ------------------------------------------ */

/* Does e (a filter template) name a computed aggregate? */
static bool names_aggregate(const orm_expr *e)
{
    if (!e) return false;
    if (e->op == ORM_OP_COLUMN)
        return e->u.col.column->computed_json && !(e->u.col.column->computed &&
                                                   e->u.col.column->computed->kind == ORM_COMPUTED_EXPR);
    if ((e->op == ORM_OP_EXISTS || e->op == ORM_OP_SUBQUERY) && e->u.sub &&
        (names_aggregate(e->u.sub->where) || (e->u.sub->ncolumns && names_aggregate(e->u.sub->columns[0]))))
        return true; /* a dotted path's EXISTS, a $col path's scalar subquery */
    if (e->op == ORM_OP_LIST)
        for (size_t i = 0; i < e->u.list.n; i++)
            if (names_aggregate(e->u.list.items[i])) return true;
    return e->op != ORM_OP_PARAM && (names_aggregate(e->left) || names_aggregate(e->right));
}

static int aggregate(pctx *P, json_t *spec, const char *op, json_t *arg, orm_computed *k)
{
    orm_loader *L = P->L;
    const char *p = orm_loader_subpath(L, P->path, op);
    static const orm_computed_kind kinds[] = {ORM_COMPUTED_COUNT, ORM_COMPUTED_SUM, ORM_COMPUTED_MIN,
                                              ORM_COMPUTED_MAX};
    for (size_t i = 0; agg_ops[i]; i++)
        if (!strcmp(op, agg_ops[i])) k->kind = kinds[i];
    bool count = k->kind == ORM_COMPUTED_COUNT;
    if (!json_is_string(arg) || !*json_string_value(arg))
        return orm_loader_fail(L, P->o, p, count ? "must be a relationship path (\"rel\" or \"rel.rel\")"
                                                 : "must be \"rel.column\" (a path of relationships, then a column)");
    char *path = rm_arena_strdup(L->tmp, json_string_value(arg)), *save = NULL;
    const orm_mapper *m = P->m;
    for (char *seg = strtok_r(path, ".", &save); seg; seg = strtok_r(NULL, ".", &save)) {
        bool last = !save || !*save;
        if (last && !count) { /* the column */
            const orm_column *c = orm_mapper_column(m, seg, ORM_COL_READ);
            if (!c) {
                if (orm_mapper_relationship(m, seg))
                    return orm_loader_fail(L, P->o, p, "%s takes a column after the relationships (\"%s\" is a "
                                           "relationship)", op, seg);
                return orm_loader_fail(L, P->o, p, "unknown column \"%s\" of %s", seg, m->name);
            }
            if (c->computed_json && !(c->computed && c->computed->kind == ORM_COMPUTED_EXPR))
                return orm_loader_fail(L, P->o, p, "\"%s\" is a computed aggregate: an aggregate takes a stored "
                                       "column or a computed expression", seg);
            bool ok = k->kind == ORM_COMPUTED_SUM ? numeric(c->type)
                                                  : numeric(c->type) || stringy(c->type) ||
                                                        c->type == ORM_T_DATE || c->type == ORM_T_DATETIME;
            if (!ok)
                return orm_loader_fail(L, P->o, p, "%s of a %s column (%s takes %s)", op, orm_type_name(c->type), op,
                                       k->kind == ORM_COMPUTED_SUM ? "numeric columns"
                                                                   : "numeric, string, date and datetime columns");
            k->column = c;
            break;
        }
        const orm_relationship *r = orm_mapper_relationship(m, seg);
        if (!r) {
            if (orm_mapper_column(m, seg, ORM_COL_READ))
                return orm_loader_fail(L, P->o, p, "count takes a relationship path, not a column (\"%s\")", seg);
            return orm_loader_fail(L, P->o, p, "unknown relationship \"%s\" of %s", seg, m->name);
        }
        if (k->npath == ORM_COMPUTED_MAX_HOPS)
            return orm_loader_fail(L, P->o, p, "a path goes through at most %d relationships",
                                   ORM_COMPUTED_MAX_HOPS);
        k->path[k->npath++] = r;
        m = r->target;
    }
    if (!k->npath)
        return orm_loader_fail(L, P->o, p, "%s needs a relationship before the column", op);
    if (!count && !k->column) return orm_loader_fail(L, P->o, p, "%s needs a column after the relationships", op);
    P->c->type = count ? ORM_T_INTEGER : k->column->type;
    P->c->precision = count ? 0 : k->column->precision;
    P->c->scale = count ? 0 : k->column->scale;
    return 0;
}

/* An aggregate's filter over its last target, once every computed
 * attribute has its type (the filter's literals are converted to them). */
static int aggregate_filter(pctx *P, json_t *spec, orm_computed *k)
{
    orm_loader *L = P->L;
    json_t *filter = json_object_get(spec, "filter");
    if (!filter) return 0;
    const char *fp = orm_loader_subpath(L, P->path, "filter");
    orm_error ferr;
    orm_error_init(&ferr, L->tmp);
    if (!json_is_object(filter)) return orm_loader_fail(L, P->o, fp, "must be a filter object (SPEC §5)");
    if (orm_filter_parse_criterion(L->s->arena, k->path[k->npath - 1]->target, filter, "", &k->filter, &ferr))
        return orm_loader_fail(L, P->o, rm_arena_sprintf(L->tmp, "%s%s", fp, ferr.nfields ? ferr.fields[0].pointer : ""),
                               "%s", ferr.nfields ? ferr.fields[0].message : ferr.detail);
    if (names_aggregate(k->filter.expr))
        return orm_loader_fail(L, P->o, fp, "a computed aggregate's filter cannot name another aggregate");
    return 0;
}

/* One computed column of m in one pass: 0 expressions (typed and
 * compiled), 1 aggregates' paths and types (they may aggregate an
 * expression), 2 aggregates' filters (they may compare any computed
 * attribute's type). */
static int build_one(orm_loader *L, const orm_origin *o, const orm_mapper *m, orm_column *c, int pass)
{
    json_t *spec = json_loads(c->computed_json, 0, NULL);
    pctx P = {L, o, m, c, rm_arena_sprintf(L->tmp, "columns.%s.computed", c->name)};
    const char *op = NULL;
    json_t *arg = NULL;
    json_object_foreach(spec, op, arg) {
        if (orm_loader_in_list(op, agg_ops)) break;
    }
    bool agg = op && orm_loader_in_list(op, agg_ops);
    int rc = 0;
    if (agg != (pass > 0)) goto done;
    if (pass == 2) {
        rc = aggregate_filter(&P, spec, (orm_computed *)c->computed);
        goto done;
    }
    orm_computed *k = RM_NEW(L->s->arena, orm_computed);
    if (agg) {
        static const char *const agg_keys[] = {"count", "sum", "min", "max", "filter", NULL};
        if ((rc = orm_loader_check_keys(L, o, P.path, spec, agg_keys))) goto done;
        json_t *v;
        const char *key;
        json_object_foreach(spec, key, v) {
            if (orm_loader_in_list(key, agg_ops) && strcmp(key, op)) {
                rc = orm_loader_fail(L, o, orm_loader_subpath(L, P.path, key), "one aggregate per attribute (\"%s\" "
                                     "is given too)", op);
                goto done;
            }
        }
        rc = aggregate(&P, spec, op, arg, k);
    } else {
        etype t;
        if (json_object_get(spec, "filter"))
            rc = orm_loader_fail(L, o, orm_loader_subpath(L, P.path, "filter"),
                                 "a filter goes with an aggregate (%s)", orm_loader_list_text(L, agg_ops));
        else if (!(rc = operation(&P, spec, P.path, &t, NULL))) {
            c->type = t.t;
            if (t.t == ORM_T_NUMERIC && t.scale >= 0) { /* written at its scale on both backends */
                c->precision = 1000; /* no bound on digits: only output reads it */
                c->scale = t.scale;
            }
            k->kind = ORM_COMPUTED_EXPR;
            rc = operation(&P, spec, P.path, &t, &k->expr.expr);
        }
    }
    if (!rc) c->computed = k;
done:
    json_decref(spec);
    return rc;
}

static bool is_discriminator(const orm_loadctx *C, const orm_column *c)
{
    for (size_t i = 0; i < C->ndecls; i++)
        if (C->decls[i].entity && C->decls[i].m->polymorphic_on == c) return true;
    return false;
}

/* A table-level unique constraint or index cannot name a computed
 * attribute: it is not stored. */
static int check_indexes(orm_loader *L, const orm_decl *d)
{
    const orm_table *t = d->store ? d->store : d->m->table;
    for (size_t i = 0; i < t->nindexes; i++)
        for (size_t k = 0; k < t->indexes[i].ncolumns; k++)
            if (t->indexes[i].columns[k]->computed_json)
                return orm_loader_fail(L, &d->origin, t->indexes[i].constraint ? "unique" : "indexes",
                                       "\"%s\" is a computed attribute (not stored): it cannot be in a unique "
                                       "constraint or an index", t->indexes[i].columns[k]->name);
    return 0;
}

/* The column of m's table that declared column `own` of d->store is: the
 * span's copy in a joined-table hierarchy (its expression then names the
 * span's columns, printed at their levels), else `own` itself. */
static orm_column *mapped(const orm_mapper *m, orm_column *own)
{
    orm_column *c = m->table->levels ? orm_table_stored(m->table, own) : NULL;
    return c ? c : own;
}

int orm_loader_build_computed(orm_loadctx *C)
{
    for (size_t i = 0; i < C->ndecls; i++)
        if (C->decls[i].entity && (!C->decls[i].m->inherits || C->decls[i].joined) &&
            check_indexes(&C->L, &C->decls[i]))
            return ORM_E_SCHEMA;
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < C->ndecls; i++) {
            orm_decl *d = &C->decls[i];
            if (!d->entity) continue;
            orm_table *t = d->store ? d->store : d->m->table;
            for (size_t k = d->col_first; k < d->col_end && k < t->ncolumns; k++) {
                orm_column *own = &t->columns[k], *c = mapped(d->m, own);
                if (pass == 0 && c->deferred && (is_discriminator(C, c) || is_discriminator(C, own)))
                    return orm_loader_fail(&C->L, &d->origin, rm_arena_sprintf(C->L.tmp, "columns.%s.deferred", c->name),
                                           "the discriminator (polymorphic_on) cannot be deferred");
                if (c->computed_json && build_one(&C->L, &d->origin, d->m, c, pass)) return ORM_E_SCHEMA;
                own->computed = c->computed; /* the stored table's DDL and DML skip it too */
            }
        }
    return 0;
}
