/* filter.c: JSON filter → expression tree (SPEC §5, §8), validated against
 * the mappers as it is read; see filter.h for the contract.
 *
 * One recursive reader: a filter object is an AND of its keys; a key is a
 * combinator (and/or/not), a column (value: literal or {op: operand}), a
 * relationship (value: {any|has|none|every|is_null: ...}) or a dotted path
 * through relationships; a comparison's operand may be a column reference
 * {"$col": PATH} (col_operand: the one reader of it, with a check's
 * restrictions in row mode). Every node read counts toward the node limit,
 * every nested object/array toward the depth limit, and every error names
 * the JSON pointer of the node that caused it. */
#include "orm/filter.h"

#include <stdarg.h>
#include <string.h>

#include "lib/sb.h"
#include "lib/utf8.h"
#include "orm/convert.h"
#include "orm/scope.h"
#include "orm/stmt.h"

typedef struct fctx {
    rm_arena *a;
    orm_error *err;
    orm_alias_seq *aliases;
    int nodes;
    bool claims; /* {"$claim": name} operands allowed (a row filter at schema load) */
    /* a CHECK constraint's condition (schema load): paths are this table's
     * own columns, operands may be {"$col": COLUMN}; NULL elsewhere */
    const orm_table *row;
    const orm_column *first; /* row mode: the first column the condition names */
} fctx;

/* ---- pointers and errors -------------------------------------------------- */

/* pointer + "/" + token, with ~ and / escaped as JSON pointers require */
static const char *child(fctx *f, const char *ptr, const char *token)
{
    return rm_pointer_child(f->a, ptr, token);
}

static const char *child_index(fctx *f, const char *ptr, size_t i)
{
    return rm_arena_sprintf(f->a, "%s/%zu", ptr, i);
}

static int fail(fctx *f, const char *ptr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(fctx *f, const char *ptr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = rm_arena_vsprintf(f->a, fmt, ap);
    va_end(ap);
    orm_error_field(f->err, ORM_E_INVALID, ptr, "%s", msg);
    return ORM_E_INVALID;
}

static int count_node(fctx *f, const char *ptr)
{
    if (++f->nodes > ORM_FILTER_MAX_NODES)
        return fail(f, ptr, "the filter has more than 256 operators");
    return 0;
}

/* ---- readers ------------------------------------------------------------------ */

static int read_filter(fctx *f, const orm_mapper *m, const json_t *j, int alias, const char *ptr,
                       orm_expr **out);

/* A relationship operator's subquery: EXISTS (the join AND inner). */
static int exists_for(fctx *f, const orm_relationship *r, const json_t *inner, int alias,
                      const char *ptr, bool negate_inner, orm_expr **out)
{
    int t;
    orm_select *sub = orm_relationship_subquery(f->a, r, alias, f->aliases, &t);
    orm_expr *cond = NULL;
    if (inner) {
        int rc = read_filter(f, r->target, inner, t, ptr, &cond);
        if (rc) return rc;
        if (negate_inner) cond = orm_expr_unary(f->a, ORM_OP_NOT, cond ? cond : orm_expr_const(f->a, true));
    }
    sub->where = orm_expr_and(f->a, sub->where, cond);
    *out = orm_expr_exists(f->a, sub);
    return 0;
}

/* {"any": f} | {"has": f} | {"none": f} | {"every": f} | {"is_null": bool}; several AND-ed. */
static int read_relationship(fctx *f, const orm_relationship *r, const json_t *v, int alias,
                             const char *ptr, orm_expr **out)
{
    bool to_many = r->uselist;
    if (json_is_null(v) && !to_many) { /* {"user": null}: no related row */
        int rc = count_node(f, ptr);
        if (rc) return rc;
        orm_expr *e;
        if ((rc = exists_for(f, r, NULL, alias, ptr, false, &e))) return rc;
        *out = orm_expr_unary(f->a, ORM_OP_NOT, e);
        return 0;
    }
    if (!json_is_object(v) || json_object_size(v) == 0)
        return fail(f, ptr, "a relationship takes %s", to_many ? "{\"any\": ...}, {\"none\": ...} or {\"every\": ...}"
                                                                : "{\"has\": ...} or {\"is_null\": true|false}");
    const char *op;
    json_t *arg;
    orm_expr *all = NULL;
    json_object_foreach((json_t *)v, op, arg) {
        const char *p = child(f, ptr, op);
        int rc = count_node(f, p);
        if (rc) return rc;
        orm_expr *e = NULL;
        if (!strcmp(op, "is_null")) {
            if (to_many) return fail(f, p, "is_null applies to to-one relationships; use none");
            if (!json_is_boolean(arg)) return fail(f, p, "is_null takes true or false");
            if ((rc = exists_for(f, r, NULL, alias, p, false, &e))) return rc;
            if (json_is_true(arg)) e = orm_expr_unary(f->a, ORM_OP_NOT, e);
        } else if (!strcmp(op, "any") || !strcmp(op, "none") || !strcmp(op, "every") ||
                   !strcmp(op, "has")) {
            bool has = !strcmp(op, "has");
            if (has && to_many)
                return fail(f, p, "has applies to to-one relationships; use any");
            if (!has && !to_many)
                return fail(f, p, "%s applies to to-many relationships; use has", op);
            if (!json_is_object(arg)) return fail(f, p, "%s takes a filter object", op);
            bool every = !strcmp(op, "every");
            if ((rc = exists_for(f, r, arg, alias, p, every, &e))) return rc;
            if (every || !strcmp(op, "none")) e = orm_expr_unary(f->a, ORM_OP_NOT, e);
        } else {
            return fail(f, p, "unknown relationship operator \"%s\"", op);
        }
        all = orm_expr_and(f->a, all, e);
    }
    *out = all;
    return 0;
}

/* ---- column operators ------------------------------------------------------- */

#define COLUMN_OPS(X)                                           \
    X(eq) X(ne) X(lt) X(le) X(gt) X(ge) X(in) X(nin) X(like)    \
    X(ilike) X(startswith) X(endswith) X(contains) X(is_null)   \
    X(between)

typedef enum {
#define X(n) OP_##n,
    COLUMN_OPS(X)
#undef X
    OP__COUNT
} column_op;

static const char *const column_op_names[] = {
#define X(n) #n,
    COLUMN_OPS(X)
#undef X
};

static int find_op(const char *name)
{
    for (int i = 0; i < OP__COUNT; i++)
        if (!strcmp(column_op_names[i], name)) return i;
    return -1;
}

static bool textual(const orm_column *c)
{
    return c->type == ORM_T_STRING || c->type == ORM_T_TEXT || c->type == ORM_T_UUID ||
           c->type == ORM_T_DATE || c->type == ORM_T_DATETIME;
}

/* Types whose values compare with each other: numbers with numbers, string
 * with text, any other type with itself; never json. */
static bool comparable(orm_type x, orm_type y)
{
    static const int family[ORM_T__COUNT] = {
        [ORM_T_INTEGER] = 1, [ORM_T_BIGINT] = 1, [ORM_T_FLOAT] = 1, [ORM_T_NUMERIC] = 1,
        [ORM_T_STRING] = 2, [ORM_T_TEXT] = 2, [ORM_T_BOOLEAN] = 3, [ORM_T_DATE] = 4,
        [ORM_T_DATETIME] = 5, [ORM_T_UUID] = 6, [ORM_T_JSON] = 0};
    return family[x] && family[x] == family[y];
}

/* A column of the row a check is about (row mode), or NULL after
 * reporting at ptr: no paths, no computed attributes (neither the database
 * nor restmap has one when the row is written). */
static const orm_column *row_column(fctx *f, const char *name, const char *ptr)
{
    if (strchr(name, '.')) {
        fail(f, ptr, "\"%s\": a check names columns of the row itself, not paths through relationships", name);
        return NULL;
    }
    const orm_column *o = orm_table_column(f->row, name);
    if (!o) {
        fail(f, ptr, "table %s has no column \"%s\" (a check names the row's own columns, not relationships)",
             f->row->name, name);
        return NULL;
    }
    if (o->computed_json) {
        fail(f, ptr, "\"%s\" is a computed attribute: a check names stored columns", name);
        return NULL;
    }
    return o;
}

/* PATH's column read through its many-to-one hops from the row at alias:
 * the column itself, or a scalar subquery per hop, each the relationship's
 * correlated subquery (join.c, with the target's scope), so a NULL key, or
 * a related row the request may not see, reads as NULL. */
static orm_expr *col_through(fctx *f, const orm_relationship *const *hops, int n, const orm_column *o, int alias)
{
    if (!n) return orm_expr_column(f->a, alias, o);
    int t;
    orm_select *sub = orm_relationship_subquery(f->a, hops[0], alias, f->aliases, &t);
    sub->flags = 0;
    sub->columns = RM_NEW_ARRAY(f->a, orm_expr *, 1);
    sub->columns[0] = col_through(f, hops + 1, n - 1, o, t);
    sub->ncolumns = 1;
    orm_expr *e = orm_expr_unary(f->a, ORM_OP_SUBQUERY, NULL);
    e->u.sub = sub;
    return e;
}

/* The value {"$col": PATH} names, PATH starting at the row of m at alias
 * (row mode: table f->row, no paths): *col gets the column read; NULL
 * after reporting at ptr (the "$col" member). */
static orm_expr *col_ref(fctx *f, const orm_mapper *m, const char *path, int alias, const char *ptr,
                         const orm_column **col)
{
    if (f->row) {
        *col = row_column(f, path, ptr);
        return *col ? orm_expr_column(f->a, alias, *col) : NULL;
    }
    const orm_relationship *hops[ORM_FILTER_COL_MAX_HOPS];
    int n = 0;
    const char *rest = path, *dot;
    while ((dot = strchr(rest, '.'))) {
        char *head = rm_arena_strndup(f->a, rest, (size_t)(dot - rest));
        const orm_relationship *r = orm_scope_relationship(f->aliases->scope, m, head);
        if (!r) {
            if (orm_mapper_column(m, head, ORM_COL_READ))
                fail(f, ptr, "\"%s\" is a column: only relationships take a dotted path", head);
            else fail(f, ptr, "unknown relationship \"%s\"", head);
            return NULL;
        }
        if (r->direction != ORM_MANY_TO_ONE) {
            fail(f, ptr, "\"%s\" is a collection: a $col path goes through many-to-one relationships only", head);
            return NULL;
        }
        if (n == ORM_FILTER_COL_MAX_HOPS) {
            fail(f, ptr, "a $col path goes through at most %d relationships", ORM_FILTER_COL_MAX_HOPS);
            return NULL;
        }
        hops[n++] = r;
        m = r->target;
        rest = dot + 1;
    }
    *col = orm_mapper_column(m, rest, ORM_COL_READ);
    if (!*col) {
        if (orm_scope_relationship(f->aliases->scope, m, rest))
            fail(f, ptr, "\"%s\" is a relationship: $col names a column", rest);
        else fail(f, ptr, "unknown column \"%s\"", rest);
        return NULL;
    }
    return col_through(f, hops, n, *col, alias);
}

/* {"$col": PATH} compared with column c of the row of m at alias: the
 * other side (one node). The one reader of the operand, for filters and
 * checks alike. */
static int col_operand(fctx *f, const orm_mapper *m, const orm_column *c, const json_t *j, int alias,
                       const char *ptr, orm_expr **out)
{
    const json_t *name = json_object_get(j, "$col");
    const char *p = child(f, ptr, "$col");
    int rc = count_node(f, p);
    if (rc) return rc;
    if (json_object_size(j) != 1) return fail(f, p, "{\"$col\": PATH} takes nothing beside \"$col\"");
    if (!json_is_string(name)) return fail(f, p, "takes the name of a column (or a path to one)");
    const orm_column *o;
    orm_expr *e = col_ref(f, m, json_string_value(name), alias, p, &o);
    if (!e) return ORM_E_INVALID;
    if (!comparable(c->type, o->type))
        return fail(f, p, "\"%s\" (%s) and \"%s\" (%s) cannot be compared", c->name, orm_type_name(c->type),
                    json_string_value(name), orm_type_name(o->type));
    *out = e;
    return 0;
}

bool orm_filter_is_col_operand(const json_t *j)
{
    return json_is_object(j) && json_object_get(j, "$col") != NULL;
}

/* Does an operator's argument hold a $col operand (itself or an item)? */
static bool holds_col_operand(const json_t *arg)
{
    if (!json_is_array(arg)) return orm_filter_is_col_operand(arg);
    for (size_t i = 0; i < json_array_size(arg); i++)
        if (orm_filter_is_col_operand(json_array_get(arg, i))) return true;
    return false;
}

/* One operand value of column c (no null: the caller handles null). */
static int operand(fctx *f, const orm_column *c, const json_t *j, const char *ptr, orm_expr **out)
{
    orm_value v;
    const char *msg = NULL;
    const json_t *claim = json_is_object(j) ? json_object_get(j, "$claim") : NULL;
    if (claim && f->row) return fail(f, ptr, "a check is about the row alone: {\"$claim\": ...} is not taken");
    if (f->row && c->type == ORM_T_JSON) /* the databases compare json text differently */
        return fail(f, ptr, "a check compares no json column with a value (\"%s\"): is_null only", c->name);
    if (claim && f->claims) {
        if (json_object_size(j) != 1 || !json_is_string(claim) || !json_string_length(claim))
            return fail(f, ptr, "{\"$claim\": NAME} takes the name of a claim, and nothing else");
        orm_expr *e = RM_NEW(f->a, orm_expr);
        e->op = ORM_OP_CLAIM;
        e->u.claim.name = rm_arena_strdup(f->a, json_string_value(claim));
        e->u.claim.column = c;
        *out = e;
        return 0;
    }
    if (json_is_object(j) || json_is_array(j))
        return fail(f, ptr, "expected a value for column \"%s\"", c->name);
    if (orm_value_parse_json(c, j, f->a, &v, &msg)) return fail(f, ptr, "%s", msg);
    *out = orm_expr_param(f->a, v, c);
    return 0;
}

/* LIKE operand: a pattern as given (like/ilike), or literal text escaped and
 * wrapped in % (startswith/endswith/contains). Always ESCAPE '\'. */
static int like_operand(fctx *f, column_op op, const json_t *j, const char *ptr, orm_expr **out)
{
    if (!json_is_string(j)) return fail(f, ptr, "%s takes a string", column_op_names[op]);
    const char *s = json_string_value(j);
    size_t n = json_string_length(j);
    if (rm_utf8_count(s, n) > ORM_FILTER_MAX_PATTERN)
        return fail(f, ptr, "%s takes at most %d characters", column_op_names[op], ORM_FILTER_MAX_PATTERN);
    rm_sb sb;
    rm_sb_init(&sb, f->a);
    if (op == OP_like || op == OP_ilike) {
        size_t trailing = 0;
        while (trailing < n && s[n - 1 - trailing] == '\\') trailing++;
        if (trailing % 2) /* PostgreSQL refuses it; SQLite matches nothing: refuse on both */
            return fail(f, ptr, "the pattern ends with an unfinished escape (\\)");
        rm_sb_appendn(&sb, s, n);
    } else {
        if (op != OP_startswith) rm_sb_appendc(&sb, '%');
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '%' || s[i] == '_' || s[i] == '\\') rm_sb_appendc(&sb, '\\');
            rm_sb_appendc(&sb, s[i]);
        }
        if (op != OP_endswith) rm_sb_appendc(&sb, '%');
    }
    *out = orm_expr_param(f->a, orm_text(sb.buf, sb.len), NULL);
    return 0;
}

static int list_operand(fctx *f, const orm_column *c, const json_t *j, const char *ptr,
                        orm_expr **out, size_t *n)
{
    if (!json_is_array(j)) return fail(f, ptr, "expected an array");
    *n = json_array_size(j);
    if (*n > ORM_FILTER_MAX_IN) return fail(f, ptr, "more than 1000 items in one list");
    orm_expr **items = RM_NEW_ARRAY(f->a, orm_expr *, *n ? *n : 1);
    for (size_t i = 0; i < *n; i++) {
        const json_t *it = json_array_get(j, i);
        const char *p = child_index(f, ptr, i);
        if (json_is_null(it)) return fail(f, p, "null is not allowed in a list; use is_null");
        int rc = operand(f, c, it, p, &items[i]);
        if (rc) return rc;
    }
    *out = orm_expr_list(f->a, items, *n);
    return 0;
}

/* Operator op on column c of the row of m at alias (m: NULL in row mode). */
static int column_operator(fctx *f, const orm_mapper *m, const orm_column *c, int alias, column_op op,
                           const json_t *arg, const char *ptr, orm_expr **out)
{
    rm_arena *a = f->a;
    orm_expr *col = orm_expr_column(a, alias, c), *rhs = NULL;
    size_t n;
    int rc;
    static const orm_expr_op cmp[] = {[OP_eq] = ORM_OP_EQ, [OP_ne] = ORM_OP_NE, [OP_lt] = ORM_OP_LT,
                                      [OP_le] = ORM_OP_LE, [OP_gt] = ORM_OP_GT, [OP_ge] = ORM_OP_GE};
    bool comparison = op == OP_eq || op == OP_ne || op == OP_lt || op == OP_le || op == OP_gt || op == OP_ge;
    if (!comparison && holds_col_operand(arg))
        return fail(f, ptr, "{\"$col\": PATH} is an operand of eq ne lt le gt ge only, not of %s",
                    column_op_names[op]);
    switch (op) {
    case OP_eq: case OP_ne: case OP_lt: case OP_le: case OP_gt: case OP_ge:
        if (json_is_null(arg)) {
            if (op != OP_eq && op != OP_ne) return fail(f, ptr, "%s does not take null", column_op_names[op]);
            *out = orm_expr_unary(a, op == OP_eq ? ORM_OP_IS_NULL : ORM_OP_IS_NOT_NULL, col);
            return 0;
        }
        if (orm_filter_is_col_operand(arg)) rc = col_operand(f, m, c, arg, alias, ptr, &rhs);
        else rc = operand(f, c, arg, ptr, &rhs);
        if (rc) return rc;
        *out = orm_expr_binary(a, cmp[op], col, rhs);
        return 0;
    case OP_in:
    case OP_nin:
        if ((rc = list_operand(f, c, arg, ptr, &rhs, &n))) return rc;
        if (n == 0) *out = orm_expr_const(a, op == OP_nin); /* in [] matches nothing, nin [] everything */
        else *out = orm_expr_binary(a, op == OP_in ? ORM_OP_IN : ORM_OP_NOT_IN, col, rhs);
        return 0;
    case OP_like: case OP_ilike: case OP_startswith: case OP_endswith: case OP_contains:
        if (!textual(c))
            return fail(f, ptr, "pattern operators apply to text columns, not \"%s\"", c->name);
        if ((rc = like_operand(f, op, arg, ptr, &rhs))) return rc;
        *out = orm_expr_binary(a, op == OP_ilike ? ORM_OP_ILIKE : ORM_OP_LIKE, col, rhs);
        (*out)->flags |= ORM_EXPR_ESCAPE;
        return 0;
    case OP_is_null:
        if (!json_is_boolean(arg)) return fail(f, ptr, "is_null takes true or false");
        *out = orm_expr_unary(a, json_is_true(arg) ? ORM_OP_IS_NULL : ORM_OP_IS_NOT_NULL, col);
        return 0;
    case OP_between:
        if (!json_is_array(arg) || json_array_size(arg) != 2)
            return fail(f, ptr, "between takes [low, high]");
        if (json_is_null(json_array_get(arg, 0)) || json_is_null(json_array_get(arg, 1)))
            return fail(f, ptr, "between does not take null");
        if ((rc = list_operand(f, c, arg, ptr, &rhs, &n))) return rc;
        *out = orm_expr_binary(a, ORM_OP_BETWEEN, col, rhs);
        return 0;
    case OP__COUNT: break;
    }
    return fail(f, ptr, "unknown operator");
}

/* Value on a column: a literal (equality; null = IS NULL) or {op: operand, ...}. */
static int read_column(fctx *f, const orm_mapper *m, const orm_column *c, const json_t *v, int alias,
                       const char *ptr, orm_expr **out)
{
    int rc;
    if (!json_is_object(v) || orm_filter_is_col_operand(v)) { /* a bare {"$col": ...} means eq */
        if ((rc = count_node(f, ptr))) return rc;
        if (json_is_array(v)) return fail(f, ptr, "a list needs an operator: {\"in\": [...]}");
        return column_operator(f, m, c, alias, OP_eq, v, ptr, out);
    }
    if (json_object_size(v) == 0) return fail(f, ptr, "an empty operator object");
    const char *name;
    json_t *arg;
    orm_expr *all = NULL;
    json_object_foreach((json_t *)v, name, arg) {
        const char *p = child(f, ptr, name);
        if ((rc = count_node(f, p))) return rc;
        int op = find_op(name);
        if (op < 0) {
            if (!strcmp(name, "any") || !strcmp(name, "has") || !strcmp(name, "none") || !strcmp(name, "every"))
                return fail(f, p, "\"%s\" applies to relationships, not columns", name);
            return fail(f, p, "unknown operator \"%s\"", name);
        }
        orm_expr *e;
        if ((rc = column_operator(f, m, c, alias, (column_op)op, arg, p, &e))) return rc;
        all = orm_expr_and(f->a, all, e);
    }
    *out = all;
    return 0;
}

/* "rel.rest": V → {"rel": {"any"|"has": {"rest": V}}}; a plain name is a
 * column or a relationship. */
static int read_path(fctx *f, const orm_mapper *m, const char *path, const json_t *v, int alias,
                     const char *ptr, orm_expr **out)
{
    const char *dot = strchr(path, '.');
    if (f->row) { /* a check: the row's own columns only */
        const orm_column *c = row_column(f, path, ptr);
        if (!c) return ORM_E_INVALID;
        if (!f->first) f->first = c;
        return read_column(f, NULL, c, v, alias, ptr, out);
    }
    if (!dot) {
        const orm_column *c = orm_mapper_column(m, path, ORM_COL_READ);
        if (c) return read_column(f, m, c, v, alias, ptr, out);
        const orm_relationship *r = orm_scope_relationship(f->aliases->scope, m, path);
        if (r) return read_relationship(f, r, v, alias, ptr, out);
        const orm_proxy *x = orm_mapper_proxy(m, path);
        if (x && orm_scope_visible(f->aliases->scope, x->through->target))
            return fail(f, ptr, "\"%s\" is an association proxy, not a filter: filter through its relationship, "
                        "as in {\"%s.%s\": ...}", path, x->through->name, x->attribute->name);
        return fail(f, ptr, "unknown column or relationship \"%s\"", path);
    }
    char *head = rm_arena_strndup(f->a, path, (size_t)(dot - path));
    const orm_relationship *r = orm_scope_relationship(f->aliases->scope, m, head);
    if (!r) {
        if (orm_table_column(m->table, head))
            return fail(f, ptr, "\"%s\" is a column: only relationships take a dotted path", head);
        const orm_proxy *x = orm_mapper_proxy(m, head);
        if (x && orm_scope_visible(f->aliases->scope, x->through->target))
            return fail(f, ptr, "\"%s\" is an association proxy, not a filter path: use its relationship, "
                        "as in \"%s.%s\"", head, x->through->name, x->attribute->name);
        return fail(f, ptr, "unknown relationship \"%s\"", head);
    }
    int rc = count_node(f, ptr);
    if (rc) return rc;
    int t;
    orm_select *sub = orm_relationship_subquery(f->a, r, alias, f->aliases, &t);
    orm_expr *cond;
    if ((rc = read_path(f, r->target, dot + 1, v, t, ptr, &cond))) return rc;
    sub->where = orm_expr_and(f->a, sub->where, cond);
    *out = orm_expr_exists(f->a, sub);
    return 0;
}

static int read_list(fctx *f, const orm_mapper *m, const char *key, const json_t *v, int alias,
                     const char *ptr, orm_expr **out)
{
    if (!json_is_array(v)) return fail(f, ptr, "\"%s\" takes an array of filters", key);
    if (json_array_size(v) == 0) return fail(f, ptr, "\"%s\" needs at least one filter", key);
    bool is_or = !strcmp(key, "or");
    orm_expr *acc = NULL;
    for (size_t i = 0; i < json_array_size(v); i++) {
        orm_expr *e;
        int rc = read_filter(f, m, json_array_get(v, i), alias, child_index(f, ptr, i), &e);
        if (rc) return rc;
        if (!e) e = orm_expr_const(f->a, true); /* {} inside and/or: always true */
        acc = is_or ? orm_expr_or(f->a, acc, e) : orm_expr_and(f->a, acc, e);
    }
    *out = acc;
    return 0;
}

static int read_filter(fctx *f, const orm_mapper *m, const json_t *j, int alias, const char *ptr,
                       orm_expr **out)
{
    *out = NULL;
    if (!json_is_object(j)) return fail(f, ptr, "a filter is a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)j, key, v) {
        const char *p = child(f, ptr, key);
        orm_expr *e = NULL;
        int rc;
        if (!strcmp(key, "and") || !strcmp(key, "or")) {
            if ((rc = count_node(f, p)) || (rc = read_list(f, m, key, v, alias, p, &e))) return rc;
        } else if (!strcmp(key, "not")) {
            if ((rc = count_node(f, p)) || (rc = read_filter(f, m, v, alias, p, &e))) return rc;
            e = orm_expr_unary(f->a, ORM_OP_NOT, e ? e : orm_expr_const(f->a, true));
        } else {
            if ((rc = read_path(f, m, key, v, alias, p, &e))) return rc;
        }
        *out = orm_expr_and(f->a, *out, e);
    }
    return 0;
}

/* Depth of nested objects/arrays: the first node past the limit is the error. */
static int check_depth(fctx *f, const json_t *j, const char *ptr, int depth)
{
    if (!json_is_object(j) && !json_is_array(j)) return 0;
    if (depth > ORM_FILTER_MAX_DEPTH) return fail(f, ptr, "the filter is nested deeper than 16 levels");
    int rc = 0;
    if (json_is_array(j)) {
        for (size_t i = 0; !rc && i < json_array_size(j); i++)
            rc = check_depth(f, json_array_get(j, i), child_index(f, ptr, i), depth + 1);
        return rc;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)j, key, v) {
        /* "a.b": V is {"a": {"any": {"b": V}}}: each hop counts as the two
         * levels it stands for (SQLite's parser refuses deep EXISTS nests) */
        int hops = 0;
        for (const char *p = strchr(key, '.'); p; p = strchr(p + 1, '.')) hops++;
        const char *p = child(f, ptr, key);
        if (depth + 2 * hops > ORM_FILTER_MAX_DEPTH)
            return fail(f, p, "the filter is nested deeper than 16 levels (each step of a dotted path counts two)");
        if ((rc = check_depth(f, v, p, depth + 1 + 2 * hops))) return rc;
    }
    return 0;
}

int orm_filter_parse(rm_arena *a, const orm_mapper *m, const json_t *filter, int alias,
                     orm_alias_seq *aliases, const char *pointer, orm_expr **out, orm_error *err)
{
    fctx f = {.a = a, .err = err, .aliases = aliases};
    int rc = check_depth(&f, filter, pointer, 1);
    return rc ? rc : read_filter(&f, m, filter, alias, pointer, out);
}

int orm_filter_parse_criterion(rm_arena *a, const orm_mapper *m, const json_t *filter, const char *pointer,
                               orm_template *out, orm_error *err)
{
    orm_alias_seq seq = orm_alias_seq_start(1, NULL);
    fctx f = {.a = a, .err = err, .aliases = &seq, .claims = true};
    int rc = check_depth(&f, filter, pointer, 1);
    if (!rc) rc = read_filter(&f, m, filter, 0, pointer, &out->expr);
    out->naliases = seq.next - 1;
    return rc;
}

int orm_filter_parse_check(rm_arena *a, const orm_table *t, const json_t *filter, const char *pointer,
                           orm_expr **out, const orm_column **first, orm_error *err)
{
    orm_alias_seq seq = orm_alias_seq_start(1, NULL);
    fctx f = {.a = a, .err = err, .aliases = &seq, .row = t};
    int rc = check_depth(&f, filter, pointer, 1);
    if (!rc) rc = read_filter(&f, NULL, filter, 0, pointer, out);
    if (!rc && !*out) rc = fail(&f, pointer, "an empty check: name at least one column");
    *first = f.first;
    return rc;
}
