/* aggregate.c: grouped aggregates, one statement; see aggregate.h. Paths
 * resolve as sort paths do (orm_query_order_by), a collection's rows as
 * the rows of a parent named by key (orm_relationship_join), having over
 * outputs (exact bounds for scaled outputs, the filter grammar for a
 * column's own values: orm_filter_parse). */
#include "orm/aggregate.h"

#include <stdlib.h>
#include <string.h>

#include "orm/compile.h"
#include "orm/computed.h"
#include "orm/convert.h"
#include "orm/decimal.h"
#include "orm/filter.h"
#include "orm/join.h"
#include "orm/scope.h"

const char *const orm_agg_fn_names[ORM_AGG__COUNT] = {"group_by", "count", "count_distinct", "sum",
                                                      "avg",      "min",   "max"};

__extension__ typedef __int128 wide;

/* A 400 at ptr: msg with its one "%s" replaced by name. */
static int fail(orm_error *err, const char *ptr, const char *msg, const char *name)
{
    const char *at = strstr(msg, "%s");
    orm_error_field(err, ORM_E_INVALID, ptr, "%.*s%s%s", (int)(at - msg), msg, name, at + 2);
    return ORM_E_INVALID;
}

void orm_aggregate_init(orm_aggregate *g, const orm_mapper *m, const orm_scope *scope)
{
    memset(g, 0, sizeof *g);
    orm_query_init(&g->q, m, scope);
    g->limit = -1;
}

void orm_aggregate_of_parent(orm_aggregate *g, const orm_mapper *parent, const orm_relationship *rel,
                             const orm_value *pk, const orm_scope *scope)
{
    orm_aggregate_init(g, rel->target, scope);
    g->parent = parent;
    g->rel = rel;
    g->parent_key = pk;
}

/* ---- outputs --------------------------------------------------------------- */

static bool is_number(orm_type t)
{
    return t == ORM_T_INTEGER || t == ORM_T_BIGINT || t == ORM_T_FLOAT || t == ORM_T_NUMERIC;
}

/* path → o->column, alias, owner, expr (a COLUMN): as a sort key. */
static int resolve(orm_aggregate *g, rm_arena *a, const char *path, const char *pointer, orm_error *err,
                   orm_agg_output *o)
{
    if (!*path || *path == '-' || *path == '+' || strchr(path, ','))
        return fail(err, pointer, "unknown column \"%s\"", path);
    int rc = orm_query_order_by(&g->q, a, path, &g->q.aliases, pointer, err);
    if (rc) return rc;
    orm_expr *e = g->q.order[0].expr;
    g->q.order = NULL;
    g->q.norder = 0;
    o->column = e->u.col.column;
    o->alias = e->u.col.alias;
    o->expr = e;
    const orm_mapper *m = g->q.mapper;
    for (const char *p = path, *dot; (dot = strchr(p, '.')); p = dot + 1) {
        char *hop = rm_arena_strndup(a, p, (size_t)(dot - p));
        m = orm_scope_relationship(g->q.aliases.scope, m, hop)->target; /* resolved above */
    }
    o->owner = m;
    return 0;
}

static orm_expr *call(rm_arena *a, const char *fn, orm_expr *arg, unsigned flags)
{
    orm_expr *e = RM_NEW(a, orm_expr);
    e->op = ORM_OP_CALL;
    e->flags = flags;
    e->left = arg;
    e->u.func = fn;
    return e;
}

static orm_expr *scaled(rm_arena *a, orm_expr_op op, orm_expr *arg, int scale)
{
    orm_expr *e = RM_NEW(a, orm_expr);
    e->op = op;
    e->left = arg;
    e->u.scale = scale;
    return e;
}

/* Why column c cannot take fn, or NULL. */
static const char *refusal(orm_agg_fn fn, const orm_column *c)
{
    orm_type t = c->type;
    switch (fn) {
    case ORM_AGG_KEY:
    case ORM_AGG_COUNT_DISTINCT: return t == ORM_T_JSON ? "\"%s\" is a json column" : NULL;
    case ORM_AGG_SUM:
    case ORM_AGG_AVG:
        if (!is_number(t)) return "\"%s\" is not a numeric column (integer, bigint, float or numeric)";
        if (t == ORM_T_NUMERIC && !c->precision)
            return "\"%s\" is a numeric column without a precision and scale: its sum has no fixed scale";
        if (t == ORM_T_NUMERIC && c->scale > 14) return "\"%s\" has a scale above 14";
        return NULL;
    case ORM_AGG_MIN:
    case ORM_AGG_MAX:
        return t == ORM_T_JSON || t == ORM_T_BOOLEAN ? "\"%s\" is a boolean or json column" : NULL;
    default: return NULL;
    }
}

int orm_aggregate_add(orm_aggregate *g, rm_arena *a, orm_agg_fn fn, const char *path, const char *pointer,
                      orm_error *err)
{
    if (fn == ORM_AGG_KEY && g->nkeys == ORM_AGG_MAX_KEYS)
        return fail(err, pointer, "at most %s group keys", "8");
    if (fn != ORM_AGG_KEY && g->n - g->nkeys == ORM_AGG_MAX_OUTPUTS)
        return fail(err, pointer, "at most %s aggregate outputs", "32");
    if (path && !strcmp(path, "*")) {
        if (fn != ORM_AGG_COUNT) return fail(err, pointer, "\"%s\" is taken by count only", "*");
        path = NULL;
    }
    if (!path && fn != ORM_AGG_COUNT) return fail(err, pointer, "unknown column \"%s\"", "");
    orm_agg_output o = {.fn = fn, .pointer = pointer, .scale = -1};
    int rc = path ? resolve(g, a, path, pointer, err, &o) : 0;
    if (rc) return rc;
    o.name = fn == ORM_AGG_KEY ? path : !path ? "count" : rm_arena_sprintf(a, "%s_%s", orm_agg_fn_names[fn], path);
    for (size_t i = 0; i < g->n; i++) {
        if (strcmp(g->out[i].name, o.name)) continue;
        return fail(err, pointer,
                    g->out[i].fn == ORM_AGG_KEY && fn != ORM_AGG_KEY ? "\"%s\" is the name of a group key"
                                                                     : "\"%s\" is asked for twice",
                    o.name);
    }
    const char *why = o.column ? refusal(fn, o.column) : NULL;
    if (why) return fail(err, pointer, why, path);
    orm_type t = o.column ? o.column->type : ORM_T_INTEGER;
    bool integral = t == ORM_T_INTEGER || t == ORM_T_BIGINT;
    switch (fn) {
    case ORM_AGG_KEY: break;
    case ORM_AGG_COUNT: o.expr = call(a, "count", o.expr, 0); break;
    case ORM_AGG_COUNT_DISTINCT: o.expr = call(a, "count", o.expr, ORM_EXPR_DISTINCT); break;
    case ORM_AGG_SUM:
        if (t == ORM_T_FLOAT) {
            o.expr = call(a, "sum", o.expr, 0);
        } else {
            o.scale = integral ? 0 : o.column->scale;
            o.expr = scaled(a, ORM_OP_SCALED_SUM, o.expr, o.scale);
        }
        break;
    case ORM_AGG_AVG:
        if (t == ORM_T_NUMERIC) {
            o.scale = o.column->scale + 4;
            o.expr = scaled(a, ORM_OP_SCALED_AVG, o.expr, o.column->scale);
        } else { /* the double sum / count: one rounding on both backends (PostgreSQL's
                  * avg of integers is a numeric, rounded again as a double) */
            o.expr = orm_expr_binary(a, ORM_OP_DIV, orm_expr_unary(a, ORM_OP_AS_FLOAT, call(a, "sum", o.expr, 0)),
                                     call(a, "count", o.expr, 0));
        }
        break;
    case ORM_AGG_MIN: o.expr = call(a, "min", o.expr, 0); break;
    case ORM_AGG_MAX: o.expr = call(a, "max", o.expr, 0); break;
    case ORM_AGG__COUNT: break;
    }
    g->out = rm_arena_realloc(a, g->out, g->n * sizeof *g->out, (g->n + 1) * sizeof *g->out);
    g->out[g->n++] = o;
    if (fn == ORM_AGG_KEY) g->nkeys++;
    return 0;
}

/* How an output compares in having. */
typedef enum cmp_kind {
    CMP_SCALED, /* an integer in units of 10^-scale: counts, integer columns, exact sums and means */
    CMP_FLOAT,  /* a double: means of integers and floats, sums of floats, float columns */
    CMP_COLUMN  /* the column's own values (the filter grammar) */
} cmp_kind;

static cmp_kind kind_of(const orm_agg_output *o, int *scale)
{
    *scale = o->scale > 0 ? o->scale : 0;
    if (o->fn == ORM_AGG_COUNT || o->fn == ORM_AGG_COUNT_DISTINCT || o->scale >= 0) return CMP_SCALED;
    if (o->fn == ORM_AGG_AVG || o->fn == ORM_AGG_SUM) return CMP_FLOAT;
    orm_type t = o->column->type;
    if (t == ORM_T_INTEGER || t == ORM_T_BIGINT) return CMP_SCALED;
    /* SQLite's min/max of a numeric column is a REAL with no affinity to
     * convert a decimal operand by: compared as doubles on both backends */
    return t == ORM_T_FLOAT || (t == ORM_T_NUMERIC && o->fn != ORM_AGG_KEY) ? CMP_FLOAT : CMP_COLUMN;
}

/* ---- having ----------------------------------------------------------------- */

typedef struct hctx {
    orm_aggregate *g;
    rm_arena *a;
    orm_error *err;
    int nodes;
} hctx;

static int count_node(hctx *h, const char *ptr)
{
    if (++h->nodes > ORM_FILTER_MAX_NODES) return fail(h->err, ptr, "the filter has more than %s operators", "256");
    return 0;
}

static int check_depth(hctx *h, const json_t *j, const char *ptr, int depth)
{
    if (!json_is_object(j) && !json_is_array(j)) return 0;
    if (depth > ORM_FILTER_MAX_DEPTH) return fail(h->err, ptr, "the filter is nested more than %s deep", "16");
    const char *k;
    json_t *v;
    size_t i;
    int rc = 0;
    if (json_is_object(j)) {
        json_object_foreach((json_t *)j, k, v) {
            if (!rc) rc = check_depth(h, v, rm_pointer_child(h->a, ptr, k), depth + 1);
        }
    } else {
        json_array_foreach(j, i, v) {
            if (!rc) rc = check_depth(h, v, rm_arena_sprintf(h->a, "%s/%zu", ptr, i), depth + 1);
        }
    }
    return rc;
}

/* The operand j as decimal text (a number, or a string holding one). */
static const char *decimal_text(hctx *h, const json_t *j)
{
    if (json_is_integer(j)) return rm_arena_sprintf(h->a, "%lld", (long long)json_integer_value(j));
    if (json_is_real(j)) {
        rm_sb sb;
        rm_sb_init(&sb, h->a);
        orm_decimal_shortest(&sb, json_real_value(j));
        return sb.buf;
    }
    orm_decimal d;
    if (json_is_string(j) && orm_decimal_parse(json_string_value(j), json_string_length(j), &d))
        return json_string_value(j);
    return NULL;
}

/* The decimal text times 10^scale: floor into *lo and ceiling into *hi;
 * returns 0, or 1 / -1 when it lies above / below the 64-bit range. */
static int scaled_bounds(const char *text, int scale, long long *lo, long long *hi)
{
    orm_decimal d;
    orm_decimal_parse(text, strlen(text), &d);
    wide v = 0;
    bool frac = false;
    for (size_t i = 0; i < d.in + (size_t)scale; i++) {
        char ch = i < d.in ? d.ip[i] : i - d.in < d.fn ? d.fp[i - d.in] : '0';
        v = v * 10 + (ch - '0');
        if (v > (wide)1 << 64) return d.neg ? -1 : 1;
    }
    for (size_t i = (size_t)scale; i < d.fn; i++) frac |= d.fp[i] != '0';
    wide f = d.neg ? -v - frac : v, c = d.neg ? -v : v + frac;
    if (f > INT64_MAX) return 1;
    if (c < INT64_MIN) return -1;
    *lo = f < INT64_MIN ? INT64_MIN : (long long)f;
    *hi = c > INT64_MAX ? INT64_MAX : (long long)c;
    return 0;
}

enum { H_EQ, H_NE, H_LT, H_LE, H_GT, H_GE, H_IN, H_NIN, H_BETWEEN, H_IS_NULL, H_PATTERN, H__COUNT };
static const char *const op_names[] = {"eq", "ne", "lt", "le", "gt", "ge", "in", "nin", "between", "is_null"};
static const char *const pattern_ops[] = {"like", "ilike", "startswith", "endswith", "contains", NULL};

static int find_op(const char *name)
{
    for (int i = 0; i < H_PATTERN; i++)
        if (!strcmp(op_names[i], name)) return i;
    for (int i = 0; pattern_ops[i]; i++)
        if (!strcmp(pattern_ops[i], name)) return H_PATTERN;
    return -1;
}

/* x op value for a scaled or float output (value not null, not a list). */
static int compare_number(hctx *h, const orm_agg_output *o, int op, const json_t *v, const char *ptr,
                          orm_expr **out)
{
    int scale;
    cmp_kind k = kind_of(o, &scale);
    orm_expr *x = o->expr;
    const char *text = decimal_text(h, v);
    if (!text) return fail(h->err, ptr, "expected a number (or a string holding one) for \"%s\"", o->name);
    static const orm_expr_op sql[] = {[H_EQ] = ORM_OP_EQ, [H_NE] = ORM_OP_NE, [H_LT] = ORM_OP_LT,
                                      [H_LE] = ORM_OP_LE, [H_GT] = ORM_OP_GT, [H_GE] = ORM_OP_GE};
    if (k == CMP_FLOAT) {
        *out = orm_expr_binary(h->a, sql[op], x, orm_expr_param(h->a, orm_float(strtod(text, NULL)), NULL));
        return 0;
    }
    long long lo = 0, hi = 0;
    int range = scaled_bounds(text, scale, &lo, &hi);
    /* never / always, as SQL says it of a non-NULL x (NULL stays unknown) */
    orm_expr *never = orm_expr_binary(h->a, ORM_OP_NE, x, x), *always = orm_expr_binary(h->a, ORM_OP_EQ, x, x);
    if (range) {
        bool above = range > 0;
        *out = op == H_NE ? always : op == H_EQ ? never : (op == H_GT || op == H_GE) == above ? never : always;
        return 0;
    }
    long long bound = op == H_GT || op == H_LE ? lo : hi; /* x > w: x > floor(w); x >= w: x >= ceil(w) */
    if ((op == H_EQ || op == H_NE) && lo != hi) {
        *out = op == H_EQ ? never : always;
        return 0;
    }
    *out = orm_expr_binary(h->a, sql[op], x, orm_expr_param(h->a, orm_int(bound), NULL));
    return 0;
}

static int read_number_op(hctx *h, const orm_agg_output *o, int op, const json_t *arg, const char *ptr,
                          orm_expr **out)
{
    rm_arena *a = h->a;
    int rc;
    switch (op) {
    case H_EQ: case H_NE: case H_LT: case H_LE: case H_GT: case H_GE:
        if (json_is_null(arg)) {
            if (op != H_EQ && op != H_NE) return fail(h->err, ptr, "%s does not take null", op_names[op]);
            *out = orm_expr_unary(a, op == H_EQ ? ORM_OP_IS_NULL : ORM_OP_IS_NOT_NULL, o->expr);
            return 0;
        }
        return compare_number(h, o, op, arg, ptr, out);
    case H_IN:
    case H_NIN: {
        if (!json_is_array(arg)) return fail(h->err, ptr, "expected an array%s", "");
        if (json_array_size(arg) > ORM_FILTER_MAX_IN) return fail(h->err, ptr, "more than %s items in one list", "1000");
        orm_expr *any = NULL;
        for (size_t i = 0; i < json_array_size(arg); i++) {
            const json_t *it = json_array_get(arg, i);
            const char *p = rm_arena_sprintf(a, "%s/%zu", ptr, i);
            if (json_is_null(it)) return fail(h->err, p, "null is not allowed in a list; use is_null%s", "");
            orm_expr *e;
            if ((rc = compare_number(h, o, H_EQ, it, p, &e))) return rc;
            any = orm_expr_or(a, any, e);
        }
        if (!any) *out = orm_expr_const(a, op == H_NIN);
        else *out = op == H_IN ? any : orm_expr_and(a, orm_expr_unary(a, ORM_OP_IS_NOT_NULL, o->expr),
                                                    orm_expr_unary(a, ORM_OP_NOT, any));
        return 0;
    }
    case H_BETWEEN: {
        if (!json_is_array(arg) || json_array_size(arg) != 2)
            return fail(h->err, ptr, "between takes [low, high]%s", "");
        orm_expr *lo, *hi;
        if (json_is_null(json_array_get(arg, 0)) || json_is_null(json_array_get(arg, 1)))
            return fail(h->err, ptr, "between does not take null%s", "");
        if ((rc = compare_number(h, o, H_GE, json_array_get(arg, 0), rm_arena_sprintf(a, "%s/0", ptr), &lo)) ||
            (rc = compare_number(h, o, H_LE, json_array_get(arg, 1), rm_arena_sprintf(a, "%s/1", ptr), &hi)))
            return rc;
        *out = orm_expr_and(a, lo, hi);
        return 0;
    }
    case H_IS_NULL:
        if (!json_is_boolean(arg)) return fail(h->err, ptr, "is_null takes true or false%s", "");
        *out = orm_expr_unary(a, json_is_true(arg) ? ORM_OP_IS_NULL : ORM_OP_IS_NOT_NULL, o->expr);
        return 0;
    default: return fail(h->err, ptr, "pattern operators apply to text outputs, not \"%s\"", o->name);
    }
}

/* Every reference to o's column in e (built by the filter over the
 * column) becomes o's expression: min/max compared as the column is. */
static void substitute(orm_expr *e, const orm_agg_output *o)
{
    if (!e) return;
    if (e->op == ORM_OP_COLUMN && e->u.col.alias == o->alias && e->u.col.column == o->column) {
        *e = *o->expr;
        return;
    }
    if (e->op == ORM_OP_LIST)
        for (size_t i = 0; i < e->u.list.n; i++) substitute(e->u.list.items[i], o);
    if (e->op != ORM_OP_PARAM) {
        substitute(e->left, o);
        substitute(e->right, o);
    }
}

/* The value v of output o at ptr (the filter grammar of a column). */
static int read_output(hctx *h, const orm_agg_output *o, const json_t *v, const char *ptr, orm_expr **out)
{
    int rc, scale;
    const char *name;
    json_t *arg;
    if (o->fn == ORM_AGG_KEY && o->column && o->column->computed) /* PostgreSQL: not the grouped expression */
        return fail(h->err, ptr, "\"%s\" is a computed attribute: filter the rows by it instead", o->name);
    if (o->fn != ORM_AGG_KEY && o->column && o->column->type == ORM_T_UUID) /* min(text) against a uuid */
        return fail(h->err, ptr, "\"%s\" (a least or greatest uuid) is not compared in having", o->name);
    if (json_is_object(v)) {
        if (!json_object_size(v)) return fail(h->err, ptr, "an empty operator object%s", "");
        json_object_foreach((json_t *)v, name, arg) {
            const char *p = rm_pointer_child(h->a, ptr, name);
            if (!strcmp(name, "$col")) return fail(h->err, ptr, "{\"$col\": ...} is not taken in having%s", "");
            if (json_is_object(arg) && json_object_get(arg, "$col"))
                return fail(h->err, p, "{\"$col\": ...} is not taken in having%s", "");
            bool text = o->column && (o->column->type == ORM_T_STRING || o->column->type == ORM_T_TEXT);
            if (find_op(name) == H_PATTERN && o->fn != ORM_AGG_KEY && !text) /* min(date) LIKE: no text form */
                return fail(h->err, p, "pattern operators apply to text outputs, not \"%s\"", o->name);
            if (find_op(name) < 0) {
                if (!strcmp(name, "any") || !strcmp(name, "has") || !strcmp(name, "none") || !strcmp(name, "every"))
                    return fail(h->err, p, "\"%s\" applies to relationships: having takes column operators", name);
                return fail(h->err, p, "unknown operator \"%s\"", name);
            }
        }
    } else if (json_is_array(v)) {
        return fail(h->err, ptr, "a list needs an operator: {\"in\": [...]}%s", "");
    }
    if (kind_of(o, &scale) == CMP_COLUMN) {
        /* {column: v} over the column's own mapper, the pointer renamed back */
        json_t *f = json_object();
        json_object_set(f, o->column->name, (json_t *)v);
        const char *parent = rm_arena_strndup(h->a, ptr, (size_t)(strrchr(ptr, '/') - ptr));
        size_t before = h->err->nfields;
        rc = orm_filter_parse(h->a, o->owner, f, o->alias, &h->g->q.aliases, parent, out, h->err);
        json_decref(f);
        if (rc && h->err->nfields > before) {
            orm_field_error *fe = &h->err->fields[h->err->nfields - 1];
            const char *as = rm_pointer_child(h->a, parent, o->column->name);
            size_t n = strlen(as);
            if (!strncmp(fe->pointer, as, n)) fe->pointer = rm_arena_sprintf(h->a, "%s%s", ptr, fe->pointer + n);
        }
        if (!rc && o->fn != ORM_AGG_KEY) substitute(*out, o);
        return rc;
    }
    if (!json_is_object(v)) {
        if ((rc = count_node(h, ptr))) return rc;
        return read_number_op(h, o, H_EQ, v, ptr, out);
    }
    orm_expr *all = NULL;
    json_object_foreach((json_t *)v, name, arg) {
        const char *p = rm_pointer_child(h->a, ptr, name);
        orm_expr *e;
        if ((rc = count_node(h, p)) || (rc = read_number_op(h, o, find_op(name), arg, p, &e))) return rc;
        all = orm_expr_and(h->a, all, e);
    }
    *out = all;
    return 0;
}

static int read_having(hctx *h, const json_t *j, const char *ptr, orm_expr **out)
{
    *out = NULL;
    if (!json_is_object(j)) return fail(h->err, ptr, "a filter is a JSON object%s", "");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)j, key, v) {
        const char *p = rm_pointer_child(h->a, ptr, key);
        orm_expr *e = NULL;
        int rc;
        if (!strcmp(key, "and") || !strcmp(key, "or")) {
            if ((rc = count_node(h, p))) return rc;
            if (!json_is_array(v) || !json_array_size(v))
                return fail(h->err, p, "\"%s\" takes a non-empty array of filters", key);
            for (size_t i = 0; i < json_array_size(v); i++) {
                orm_expr *x;
                if ((rc = read_having(h, json_array_get(v, i), rm_arena_sprintf(h->a, "%s/%zu", p, i), &x))) return rc;
                if (!x) x = orm_expr_const(h->a, true);
                e = key[0] == 'o' ? orm_expr_or(h->a, e, x) : orm_expr_and(h->a, e, x);
            }
        } else if (!strcmp(key, "not")) {
            if ((rc = count_node(h, p)) || (rc = read_having(h, v, p, &e))) return rc;
            e = orm_expr_unary(h->a, ORM_OP_NOT, e ? e : orm_expr_const(h->a, true));
        } else {
            const orm_agg_output *o = NULL;
            for (size_t i = 0; i < h->g->n && !o; i++)
                if (!strcmp(h->g->out[i].name, key)) o = &h->g->out[i];
            if (!o) return fail(h->err, p, "\"%s\" is not an output of this request", key);
            if ((rc = read_output(h, o, v, p, &e))) return rc;
        }
        *out = orm_expr_and(h->a, *out, e);
    }
    return 0;
}

int orm_aggregate_having(orm_aggregate *g, rm_arena *a, const json_t *having, const char *pointer,
                         orm_error *err)
{
    hctx h = {g, a, err, 0};
    int rc = check_depth(&h, having, pointer, 1);
    if (!rc) rc = read_having(&h, having, pointer, &g->having);
    return rc;
}

/* ---- order ------------------------------------------------------------------- */

int orm_aggregate_order(orm_aggregate *g, rm_arena *a, const char *spec, const char *pointer, orm_error *err)
{
    size_t cap = g->nkeys + 1;
    for (const char *p = spec; *p; p++) cap += *p == ',';
    g->order = RM_NEW_ARRAY(a, orm_order_item, cap);
    g->norder = 0;
    bool *used = RM_NEW_ARRAY(a, bool, g->n + 1);
    char *copy = rm_arena_strdup(a, spec), *save = NULL;
    for (char *key = strtok_r(copy, ",", &save); key; key = strtok_r(NULL, ",", &save)) {
        bool desc = *key == '-';
        if (*key == '-' || *key == '+') key++;
        size_t i = 0;
        while (i < g->n && strcmp(g->out[i].name, key)) i++;
        if (i == g->n) return fail(err, pointer, "\"%s\" is not an output of this request", key);
        if (used[i]) continue;
        used[i] = true;
        g->order[g->norder++] = (orm_order_item){g->out[i].expr, desc};
    }
    if (!g->norder) return fail(err, pointer, "must name at least one output%s", "");
    for (size_t i = 0; i < g->nkeys; i++)
        if (!used[i]) g->order[g->norder++] = (orm_order_item){g->out[i].expr, false};
    return 0;
}

/* ---- the statement ----------------------------------------------------------- */

/* The target rows of g->rel of the parent with g->parent_key:
 * EXISTS (the parent [and the secondary] linked to alias 0, with that key,
 * as the scope sees it) AND what the relationship asks of its targets. */
static orm_expr *parent_rows(rm_arena *a, const orm_aggregate *g, orm_alias_seq *seq)
{
    const orm_relationship *r = g->rel;
    const orm_mapper *pm = g->parent;
    bool m2m = r->direction == ORM_MANY_TO_MANY;
    int p = seq->next++, sec = m2m ? seq->next++ : p;
    orm_join_ends ends = {.parent = p, .target = 0, .secondary = sec, .without_identity = true};
    orm_rel_join j;
    orm_relationship_join(a, r, &ends, seq, &j);
    orm_select *sub = RM_NEW(a, orm_select);
    sub->flags = ORM_SELECT_ONE;
    orm_expr *own = orm_expr_and(a, orm_pk_where(a, pm, p, g->parent_key), orm_scope_where(a, pm, p, seq));
    if (m2m) { /* secondary AS ts JOIN parent AS tp ON link WHERE ts = target */
        sub->from = r->secondary;
        sub->alias = sec;
        sub->joins = RM_NEW(a, orm_join);
        sub->njoins = 1;
        sub->joins[0] = (orm_join){ORM_JOIN_INNER, pm->table, p, j.link, r, pm};
        sub->where = orm_expr_and(a, j.secondary_on, own);
    } else {
        sub->from = pm->table;
        sub->alias = p;
        sub->cls = pm;
        sub->where = orm_expr_and(a, j.link, own);
    }
    return orm_expr_and(a, orm_expr_exists(a, sub), j.target_where);
}

/* The grouped SELECT over alias 0; a collection's is wrapped so that a
 * missing parent gives no row and a parent with no group one row of NULLs
 * (its last column, a count(*) of each group, tells them apart):
 * SELECT g.* FROM (grouped) AS g RIGHT OUTER JOIN parent ON 1 = 1 WHERE
 * parent key and scope. */
static void build(rm_arena *a, const orm_aggregate *g, orm_alias_seq *seq, orm_select *out)
{
    const orm_mapper *m = g->q.mapper;
    orm_select sel = {.from = m->table, .alias = 0, .joins = g->q.joins, .njoins = g->q.njoins, .cls = m};
    sel.where = orm_expr_and(a, g->q.where, orm_scope_where(a, m, 0, seq));
    if (g->rel) sel.where = orm_expr_and(a, sel.where, parent_rows(a, g, seq));
    size_t ncols = g->n + (g->rel ? 1 : 0);
    sel.columns = RM_NEW_ARRAY(a, orm_expr *, ncols);
    for (size_t i = 0; i < g->n; i++) sel.columns[i] = g->out[i].expr;
    if (g->rel) sel.columns[g->n] = call(a, "count", NULL, 0);
    sel.ncolumns = ncols;
    orm_computed_expand(a, &sel, seq);
    for (size_t i = 0; i < g->n; i++) /* having and order refer to the outputs' nodes: expanded in place */
        if (sel.columns[i] != g->out[i].expr) {
            *g->out[i].expr = *sel.columns[i];
            sel.columns[i] = g->out[i].expr;
        }
    /* keys by their position: PostgreSQL matches a key whose expression has
     * parameters (a computed attribute's) only so */
    orm_expr **position = RM_NEW_ARRAY(a, orm_expr *, g->nkeys + 1);
    for (size_t i = 0; i < g->nkeys; i++) {
        position[i] = RM_NEW(a, orm_expr);
        position[i]->op = ORM_OP_POSITION;
        position[i]->u.scale = (int)i + 1;
    }
    sel.group_by = position;
    sel.ngroup = g->nkeys;
    sel.having = g->having;
    const orm_order_item *order = g->order;
    size_t norder = g->order ? g->norder : g->nkeys;
    sel.order = RM_NEW_ARRAY(a, orm_order_item, norder + 1);
    for (size_t k = 0; k < norder; k++) {
        orm_order_item it = order ? order[k] : (orm_order_item){g->out[k].expr, false};
        for (size_t i = 0; i < g->nkeys; i++)
            if (it.expr == g->out[i].expr) it.expr = position[i];
        sel.order[sel.norder++] = it;
    }
    if (g->limit >= 0) sel.limit = orm_expr_param(a, orm_int(g->limit + 1), NULL); /* one more: is there a next? */
    if (g->offset > 0) sel.offset = orm_expr_param(a, orm_int(g->offset), NULL);
    if (!g->rel) {
        *out = sel;
        return;
    }
    orm_select *inner = RM_NEW(a, orm_select);
    *inner = sel;
    inner->labels = RM_NEW_ARRAY(a, const char *, ncols);
    int ga = seq->next++, pa = seq->next++;
    orm_select w = {.from = m->table, .from_select = inner, .alias = ga};
    w.columns = RM_NEW_ARRAY(a, orm_expr *, ncols);
    for (size_t i = 0; i < ncols; i++) {
        inner->labels[i] = rm_arena_sprintf(a, "c%zu", i);
        w.columns[w.ncolumns++] = orm_expr_label(a, ga, inner->labels[i]);
    }
    w.order = RM_NEW_ARRAY(a, orm_order_item, sel.norder + 1);
    for (size_t k = 0; k < sel.norder; k++) /* the same order over the labels */
        for (size_t i = 0; i < g->n; i++)
            if (sel.order[k].expr == g->out[i].expr || (i < g->nkeys && sel.order[k].expr == position[i])) {
                w.order[w.norder++] = (orm_order_item){w.columns[i], sel.order[k].desc};
                break;
            }
    w.joins = RM_NEW(a, orm_join);
    w.njoins = 1;
    w.joins[0] = (orm_join){ORM_JOIN_RIGHT, g->parent->table, pa, orm_expr_const(a, true), NULL, g->parent};
    w.where = orm_expr_and(a, orm_pk_where(a, g->parent, pa, g->parent_key), orm_scope_where(a, g->parent, pa, seq));
    *out = w;
}

/* A scaled result as read (an integer; PostgreSQL's numeric as text; the
 * SQLite functions' REAL past 64 bits) into *v: false when it does not fit. */
static bool scaled_value(const orm_value *in, long long *v)
{
    if (in->kind == ORM_V_INT) {
        *v = (long long)in->u.i;
        return true;
    }
    if (in->kind != ORM_V_TEXT) return false;
    orm_decimal d;
    if (!orm_decimal_parse(in->u.s.p, in->u.s.n, &d)) return false;
    for (size_t i = 0; i < d.fn; i++)
        if (d.fp[i] != '0') return false;
    wide w = 0;
    for (size_t i = 0; i < d.in; i++) {
        w = w * 10 + (d.ip[i] - '0');
        if (w > (wide)INT64_MAX + 1) return false;
    }
    if (d.neg) w = -w;
    if (w > INT64_MAX || w < INT64_MIN) return false;
    *v = (long long)w;
    return true;
}

/* Integer v in units of 10^-scale as decimal text. */
static orm_value scaled_text(rm_arena *a, long long v, int scale)
{
    rm_sb sb;
    rm_sb_init(&sb, a);
    unsigned long long m = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%0*llu", scale + 1, m);
    if (v < 0) rm_sb_appendc(&sb, '-');
    rm_sb_appendn(&sb, digits, (size_t)(n - scale));
    if (scale) {
        rm_sb_appendc(&sb, '.');
        rm_sb_appendn(&sb, digits + n - scale, (size_t)scale);
    }
    return orm_text(sb.buf, sb.len);
}

int orm_aggregate_run(orm_session *s, const orm_aggregate *g, orm_agg_rows *out)
{
    rm_arena *a = s->arena;
    memset(out, 0, sizeof *out);
    orm_alias_seq seq = g->q.aliases;
    orm_select sel;
    build(a, g, &seq, &sel);
    orm_compiled c;
    orm_result res;
    int rc = orm_compile_select(orm_engine_dialect(s->engine), &sel, a, &c, s->err);
    if (!rc) rc = orm_session_execute(s, &c, &res);
    if (rc) return rc;
    if (g->rel && !res.nrows) return orm_error_set(s->err, ORM_E_NOT_FOUND, "no %s with that key", g->parent->name);
    out->values = RM_NEW_ARRAY(a, orm_value, res.nrows * g->n + 1);
    for (size_t r = 0; r < res.nrows; r++) {
        const orm_value *row = orm_result_row(&res, r);
        if (g->rel && row[g->n].kind == ORM_V_NULL) continue; /* the parent, with no group */
        if (g->limit >= 0 && out->n == (size_t)g->limit) {
            out->more = true;
            break;
        }
        orm_value *dst = out->values + out->n * g->n;
        for (size_t k = 0; k < g->n; k++) {
            const orm_agg_output *o = &g->out[k];
            long long v;
            dst[k] = row[k];
            if (row[k].kind == ORM_V_TEXT) dst[k] = orm_text(rm_arena_strndup(a, row[k].u.s.p, row[k].u.s.n), row[k].u.s.n);
            if (o->scale < 0 || row[k].kind == ORM_V_NULL) continue;
            if (!scaled_value(&row[k], &v)) {
                orm_error_field(s->err, ORM_E_VALIDATION, o->pointer,
                                "%s is beyond 64 bits in a group: it cannot be answered exactly", o->name);
                return ORM_E_VALIDATION;
            }
            dst[k] = o->column->type == ORM_T_NUMERIC ? scaled_text(a, v, o->scale) : orm_int(v);
        }
        out->n++;
    }
    return 0;
}

void orm_aggregate_write_value(rm_sb *sb, const orm_agg_output *o, const orm_value *v)
{
    static const orm_column as_float = {.name = "avg", .type = ORM_T_FLOAT, .nullable = true};
    static const orm_column as_integer = {.name = "count", .type = ORM_T_INTEGER, .nullable = true};
    if (v->kind == ORM_V_NULL) {
        rm_sb_append(sb, "null");
    } else if (o->scale >= 0 && v->kind == ORM_V_TEXT) {
        rm_sb_append_json_string(sb, v->u.s.p, v->u.s.n);
    } else if (o->fn == ORM_AGG_COUNT || o->fn == ORM_AGG_COUNT_DISTINCT || o->scale >= 0) {
        orm_value_write_json(sb, &as_integer, v);
    } else if (o->fn == ORM_AGG_AVG || o->fn == ORM_AGG_SUM) {
        orm_value_write_json(sb, &as_float, v);
    } else {
        orm_value_write_json(sb, o->column, v);
    }
}
