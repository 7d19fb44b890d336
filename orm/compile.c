/* compile.c: the SQL compiler. One printer per node kind, all writing into
 * one compile context {sql builder, parameters, dialect}; errors are sticky
 * in the builder and checked once at the end. With the engine's compiled
 * cache (dialect.h), a statement's cache key is looked up first and a
 * known shape only takes its values (compile_cache.h). See compile.h. */
#include "orm/compile.h"
#include "orm/compile_cache.h"
#include "orm/mapper.h"

#include <string.h>

#define MAX_SQL (1u << 20) /* 1 MiB of SQL text is a malformed tree */

typedef struct cctx {
    rm_sb sql;
    const orm_dialect *d;
    rm_arena *a;
    orm_value *params;
    const orm_column **pcols;
    const orm_value **psrc;   /* where each parameter's value is in the statement (NULL: made here) */
    size_t nparams, cap;
    int bad;               /* malformed tree */
    int depth;             /* subqueries entered */
    const struct span_scope *spans; /* the SELECTs being printed, innermost first */
    bool inline_values;    /* DDL (orm_compile_condition): values as literals, columns bare */
} cctx;

/* A SELECT being printed, linked to the one it is nested in: where a
 * column's alias comes from (a span's levels joined, or a derived table). */
typedef struct span_scope {
    const struct span_scope *up;
    const orm_select *s;
} span_scope;

static void ctx_init(cctx *c, const orm_dialect *d, rm_arena *a)
{
    memset(c, 0, sizeof *c);
    rm_sb_init(&c->sql, a);
    c->sql.limit = MAX_SQL;
    c->d = d;
    c->a = a;
}

/* Bind v, read from *src in the statement (NULL: a value the compiler
 * makes, such as LIMIT -1), compared with col. */
static void bind(cctx *c, const orm_value *src, orm_value v, const orm_column *col)
{
    if (c->inline_values) {
        if (col) orm_dialect_literal(c->d, &c->sql, col, &v);
        else if (v.kind == ORM_V_TEXT) orm_quote_string(&c->sql, v.u.s.p, v.u.s.n);
        else c->bad = 1; /* an untyped non-text value: no literal to write */
        return;
    }
    if (c->nparams == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 8;
        c->params = rm_arena_realloc(c->a, c->params, c->cap * sizeof *c->params,
                                     ncap * sizeof *c->params);
        c->pcols = rm_arena_realloc(c->a, c->pcols, c->cap * sizeof *c->pcols,
                                    ncap * sizeof *c->pcols);
        c->psrc = rm_arena_realloc(c->a, c->psrc, c->cap * sizeof *c->psrc, ncap * sizeof *c->psrc);
        c->cap = ncap;
    }
    c->psrc[c->nparams] = src;
    c->params[c->nparams] = v;
    c->pcols[c->nparams++] = col;
    c->d->placeholder(&c->sql, c->nparams);
}

static int finish(cctx *c, orm_compiled *out, orm_error *err)
{
    if (c->sql.err || c->bad)
        return orm_error_set(err, ORM_E_INTERNAL, "statement could not be compiled");
    out->sql = c->sql.buf;
    out->sql_len = c->sql.len;
    out->params = c->params;
    out->param_columns = c->pcols;
    out->nparams = c->nparams;
    return 0;
}

void orm_compiled_text(orm_compiled *out, const char *sql)
{
    memset(out, 0, sizeof *out);
    out->sql = sql;
    out->sql_len = strlen(sql);
}

/* ---- expressions ---------------------------------------------------------- */

static void print_select(cctx *c, const orm_select *s);
static void print_expr(cctx *c, const orm_expr *e);
static void print_row_number(cctx *c, const orm_expr *e);

static void print_where(cctx *c, const orm_expr *where)
{
    if (!where) return;
    rm_sb_append(&c->sql, " WHERE ");
    print_expr(c, where);
}

static void print_alias(cctx *c, int alias)
{
    rm_sb_appendc(&c->sql, 't');
    rm_sb_append_int(&c->sql, alias);
}

/* The span whose levels are joined at alias (FROM or JOIN of a span,
 * metadata.h), or NULL, with the class read there (*cls, or NULL): the
 * nearest SELECT that has the alias decides (a derived table's alias
 * names its result columns, not the levels). */
static const orm_table *span_at(const cctx *c, int alias, const orm_mapper **cls)
{
    *cls = NULL;
    for (const span_scope *sc = c->spans; sc; sc = sc->up) {
        const orm_select *s = sc->s;
        if (s->alias == alias) {
            *cls = s->cls;
            return s->from_select ? NULL : s->from->levels ? s->from : NULL;
        }
        for (size_t i = 0; i < s->njoins; i++)
            if (s->joins[i].alias == alias) {
                *cls = s->joins[i].cls;
                return s->joins[i].table->levels ? s->joins[i].table : NULL;
            }
    }
    return NULL;
}

/* How a span read as class cls (NULL: any) joins its level k: 'J' INNER
 * (a level of cls or of an ancestor: every row has it), 'L' LEFT OUTER (a
 * descendant's level), 0 not at all (another branch's: no row of cls has
 * it, its columns are NULL). */
static char level_join(const orm_table *span, size_t k, const orm_mapper *cls)
{
    if (!cls) return 'L';
    if (orm_mapper_isa(cls, span->level_owner[k])) return 'J';
    return orm_mapper_isa(span->level_owner[k], cls) ? 'L' : 0;
}

/* A span's level k at alias: t<alias> for the root, t<alias>_<k> below. */
static void print_level_alias(cctx *c, int alias, size_t k)
{
    print_alias(c, alias);
    if (k) {
        rm_sb_appendc(&c->sql, '_');
        rm_sb_append_int(&c->sql, (int)k);
    }
}

/* t<alias>."col"; an unaliased (DML) column is bare at the top, but
 * inside a subquery it is qualified by its table's name, or SQL would
 * resolve it against the subquery's own table first. A span's column is
 * qualified by the alias of the level it is stored in (NULL for a level
 * not joined). */
/* The level of span storing col (a span's column). */
static size_t level_of(const orm_table *span, const orm_column *col)
{
    size_t k = 0;
    while (k < span->nlevels && span->levels[k] != col->storage->table) k++;
    return k;
}

/* Is col at alias a span's column of a level not joined there (printed
 * as NULL)? */
static bool unjoined(const cctx *c, int alias, const orm_column *col)
{
    const orm_mapper *cls = NULL;
    const orm_table *span = alias >= 0 && col->storage ? span_at(c, alias, &cls) : NULL;
    return span && level_of(span, col) < span->nlevels && !level_join(span, level_of(span, col), cls);
}

static void print_column(cctx *c, int alias, const orm_column *col)
{
    if (c->inline_values) {
        orm_quote_ident(&c->sql, col->sql_name);
        return;
    }
    const orm_mapper *cls = NULL;
    const orm_table *span = alias >= 0 && col->storage ? span_at(c, alias, &cls) : NULL;
    if (span) {
        if (unjoined(c, alias, col)) {
            rm_sb_append(&c->sql, "NULL");
            return;
        }
        print_level_alias(c, alias, level_of(span, col));
        rm_sb_appendc(&c->sql, '.');
    } else if (alias >= 0) {
        print_alias(c, alias);
        rm_sb_appendc(&c->sql, '.');
    } else if (c->depth) {
        orm_quote_ident(&c->sql, col->table->name);
        rm_sb_appendc(&c->sql, '.');
    }
    orm_quote_ident(&c->sql, col->sql_name);
}

/* A span at alias, read as class cls (NULL: any): its root table, then
 * each further level joined on the key as level_join says (the rows of
 * cls and its descendants, each with its own levels' columns:
 * with_polymorphic("*")). */
static void print_span(cctx *c, const orm_table *span, int alias, const orm_mapper *cls)
{
    orm_quote_ident(&c->sql, span->levels[0]->name);
    rm_sb_append(&c->sql, " AS ");
    print_alias(c, alias);
    for (size_t k = 1; k < span->nlevels; k++) {
        const orm_table *lt = span->levels[k];
        char how = level_join(span, k, cls);
        if (!how) continue;
        rm_sb_append(&c->sql, how == 'J' ? " JOIN " : " LEFT OUTER JOIN ");
        orm_quote_ident(&c->sql, lt->name);
        rm_sb_append(&c->sql, " AS ");
        print_level_alias(c, alias, k);
        rm_sb_append(&c->sql, " ON ");
        for (size_t i = 0; i < lt->npk; i++) {
            if (i) rm_sb_append(&c->sql, " AND ");
            print_level_alias(c, alias, k);
            rm_sb_appendc(&c->sql, '.');
            orm_quote_ident(&c->sql, lt->pk[i]->sql_name);
            rm_sb_append(&c->sql, " = ");
            print_alias(c, alias);
            rm_sb_appendc(&c->sql, '.');
            orm_quote_ident(&c->sql, span->pk[i]->sql_name);
        }
    }
}

/* Operand of AND/OR/NOT: parenthesised when it is itself a combinator of
 * another kind, so precedence never depends on the reader. */
static void print_operand(cctx *c, const orm_expr *e, orm_expr_op parent)
{
    bool paren = (e->op == ORM_OP_AND || e->op == ORM_OP_OR) && e->op != parent;
    if (parent == ORM_OP_NOT) paren = e->op == ORM_OP_AND || e->op == ORM_OP_OR;
    if (paren) rm_sb_appendc(&c->sql, '(');
    print_expr(c, e);
    if (paren) rm_sb_appendc(&c->sql, ')');
}

static void print_like(cctx *c, const orm_expr *e)
{
    bool fold = e->op == ORM_OP_ILIKE && !c->d->native_ilike;
    if (fold) rm_sb_append(&c->sql, "lower(");
    const char *const *as_text = e->left->op == ORM_OP_COLUMN ? c->d->pattern_text[e->left->u.col.column->type] : NULL;
    if (as_text && as_text[0]) rm_sb_append(&c->sql, as_text[0]);
    print_expr(c, e->left);
    if (as_text && as_text[1]) rm_sb_append(&c->sql, as_text[1]);
    rm_sb_append(&c->sql, fold ? ") LIKE lower(" : e->op == ORM_OP_ILIKE ? " ILIKE " : " LIKE ");
    print_expr(c, e->right);
    if (fold) rm_sb_appendc(&c->sql, ')');
    if (e->flags & ORM_EXPR_ESCAPE) rm_sb_append(&c->sql, " ESCAPE '\\'");
}

/* The nodes of a computed attribute's expression (orm/computed.h):
 * (l op r), CAST(x AS <float>), fn(x[, y]) or count(*). */
static void print_computed(cctx *c, const orm_expr *e)
{
    if (e->op == ORM_OP_CALL) {
        rm_sb_append(&c->sql, e->u.func);
        rm_sb_appendc(&c->sql, '(');
        if (e->flags & ORM_EXPR_DISTINCT) rm_sb_append(&c->sql, "DISTINCT ");
        /* min/max of a uuid: of its text (PostgreSQL has no min(uuid); the
         * lower-case text orders as the uuid does) */
        const char *const *as_text = e->left && e->left->op == ORM_OP_COLUMN && e->left->u.col.column->type == ORM_T_UUID &&
                                             (!strcmp(e->u.func, "min") || !strcmp(e->u.func, "max"))
                                         ? c->d->pattern_text[ORM_T_UUID]
                                         : NULL;
        if (as_text && as_text[0]) {
            rm_sb_append(&c->sql, as_text[0]);
            print_expr(c, e->left);
            rm_sb_append(&c->sql, as_text[1]);
            rm_sb_appendc(&c->sql, ')');
            return;
        }
    } else {
        rm_sb_append(&c->sql, e->op == ORM_OP_AS_FLOAT ? "CAST(" : "(");
    }
    if (e->left) print_expr(c, e->left);
    else rm_sb_appendc(&c->sql, '*'); /* count(*) */
    if (e->op == ORM_OP_AS_FLOAT) {
        rm_sb_append(&c->sql, " AS ");
        rm_sb_append(&c->sql, c->d->types[ORM_T_FLOAT]);
    } else if (e->right) {
        rm_sb_append(&c->sql, e->op == ORM_OP_CALL ? ", " : " ");
        if (e->op != ORM_OP_CALL) {
            rm_sb_append(&c->sql, orm_expr_op_name(e->op));
            rm_sb_appendc(&c->sql, ' ');
        }
        print_expr(c, e->right);
    }
    rm_sb_appendc(&c->sql, ')');
}

/* 10^k for k <= 18. */
static long long pow10ll(int k)
{
    long long p = 1;
    while (k-- > 0) p *= 10;
    return p;
}

/* An exact scaled sum or mean (expr.h): the driver's functions, or on a
 * database whose numeric is exact, sum(x) * 10^s and the mean
 * sign(S) * div(|S| * 2*10^(s+4) + n, 2n) with S = sum(x), n = count(x). */
static void print_scaled(cctx *c, const orm_expr *e)
{
    const char *fn = e->op == ORM_OP_SCALED_SUM ? c->d->scaled_sum : c->d->scaled_avg;
    if (fn) {
        rm_sb_append(&c->sql, fn);
        rm_sb_appendc(&c->sql, '(');
        print_expr(c, e->left);
        rm_sb_append(&c->sql, ", ");
        bind(c, NULL, orm_int(e->u.scale), NULL);
        rm_sb_appendc(&c->sql, ')');
        return;
    }
    if (e->op == ORM_OP_SCALED_SUM) {
        rm_sb_append(&c->sql, "(sum(");
        print_expr(c, e->left);
        rm_sb_append(&c->sql, ") * ");
        bind(c, NULL, orm_int(pow10ll(e->u.scale)), NULL);
        rm_sb_appendc(&c->sql, ')');
        return;
    }
    rm_sb_append(&c->sql, "(sign(sum(");
    print_expr(c, e->left);
    rm_sb_append(&c->sql, ")) * div(abs(sum(");
    print_expr(c, e->left);
    rm_sb_append(&c->sql, ")) * ");
    bind(c, NULL, orm_int(2 * pow10ll(e->u.scale + 4)), NULL);
    rm_sb_append(&c->sql, " + count(");
    print_expr(c, e->left);
    rm_sb_append(&c->sql, "), 2 * count(");
    print_expr(c, e->left);
    rm_sb_append(&c->sql, ")))");
}

static void print_expr(cctx *c, const orm_expr *e)
{
    if (!e) {
        c->bad = 1;
        return;
    }
    switch (e->op) {
    case ORM_OP_COLUMN: print_column(c, e->u.col.alias, e->u.col.column); return;
    case ORM_OP_PARAM: bind(c, &e->u.param.value, e->u.param.value, e->u.param.column); return;
    case ORM_OP_LIST:
        rm_sb_appendc(&c->sql, '(');
        for (size_t i = 0; i < e->u.list.n; i++) {
            if (i) rm_sb_append(&c->sql, ", ");
            print_expr(c, e->u.list.items[i]);
        }
        rm_sb_appendc(&c->sql, ')');
        return;
    case ORM_OP_EQ: case ORM_OP_NE: case ORM_OP_LT:
    case ORM_OP_LE: case ORM_OP_GT: case ORM_OP_GE:
    case ORM_OP_IN: case ORM_OP_NOT_IN: case ORM_OP_PLUS:
        print_expr(c, e->left);
        rm_sb_appendc(&c->sql, ' ');
        rm_sb_append(&c->sql, orm_expr_op_name(e->op));
        rm_sb_appendc(&c->sql, ' ');
        print_expr(c, e->right);
        return;
    case ORM_OP_LIKE:
    case ORM_OP_ILIKE: print_like(c, e); return;
    case ORM_OP_IS_NULL:
    case ORM_OP_IS_NOT_NULL:
        print_expr(c, e->left);
        rm_sb_appendc(&c->sql, ' ');
        rm_sb_append(&c->sql, orm_expr_op_name(e->op));
        return;
    case ORM_OP_BETWEEN:
        if (!e->right || e->right->op != ORM_OP_LIST || e->right->u.list.n != 2) {
            c->bad = 1;
            return;
        }
        print_expr(c, e->left);
        rm_sb_append(&c->sql, " BETWEEN ");
        print_expr(c, e->right->u.list.items[0]);
        rm_sb_append(&c->sql, " AND ");
        print_expr(c, e->right->u.list.items[1]);
        return;
    case ORM_OP_AND:
    case ORM_OP_OR:
        print_operand(c, e->left, e->op);
        rm_sb_append(&c->sql, e->op == ORM_OP_AND ? " AND " : " OR ");
        print_operand(c, e->right, e->op);
        return;
    case ORM_OP_NOT:
        rm_sb_append(&c->sql, "NOT ");
        if (e->left && (e->left->op == ORM_OP_AND || e->left->op == ORM_OP_OR)) {
            print_operand(c, e->left, ORM_OP_NOT);
        } else {
            rm_sb_appendc(&c->sql, '(');
            print_expr(c, e->left);
            rm_sb_appendc(&c->sql, ')');
        }
        return;
    case ORM_OP_EXISTS:
    case ORM_OP_SUBQUERY: /* EXISTS (SELECT ...) or a scalar (SELECT ...) */
        if (e->op == ORM_OP_EXISTS) rm_sb_append(&c->sql, "EXISTS ");
        rm_sb_appendc(&c->sql, '(');
        c->depth++;
        print_select(c, e->u.sub);
        c->depth--;
        rm_sb_appendc(&c->sql, ')');
        return;
    case ORM_OP_LABEL:
        print_alias(c, e->u.label.alias);
        rm_sb_appendc(&c->sql, '.');
        orm_quote_ident(&c->sql, e->u.label.name);
        return;
    case ORM_OP_ADD: case ORM_OP_SUB: case ORM_OP_MUL:
    case ORM_OP_DIV: case ORM_OP_CONCAT:
    case ORM_OP_AS_FLOAT: case ORM_OP_CALL: print_computed(c, e); return;
    case ORM_OP_COMPUTED: print_expr(c, e->left); return;
    case ORM_OP_SCALED_SUM:
    case ORM_OP_SCALED_AVG: print_scaled(c, e); return;
    case ORM_OP_POSITION: rm_sb_append_int(&c->sql, e->u.scale); return;
    case ORM_OP_ROW_NUMBER: print_row_number(c, e); return;
    case ORM_OP_NULL: rm_sb_append(&c->sql, "NULL"); return;
    case ORM_OP_TRUE: rm_sb_append(&c->sql, "1 = 1"); return;
    case ORM_OP_FALSE: rm_sb_append(&c->sql, "1 = 0"); return;
    case ORM_OP_CLAIM: break; /* a template's, never bound: a bug, not SQL */
    case ORM_OP__COUNT: break;
    }
    c->bad = 1;
}

/* ---- SELECT ----------------------------------------------------------------- */

/* "ORDER BY items" of a select whose FROM table is at from_alias (or of a
 * window in it). */
static void print_order_items(cctx *c, const orm_order_item *items, size_t n, int from_alias)
{
    if (!n) return;
    rm_sb_append(&c->sql, "ORDER BY ");
    for (size_t i = 0; i < n; i++) {
        if (i) rm_sb_append(&c->sql, ", ");
        print_expr(c, items[i].expr);
        if (items[i].desc) rm_sb_append(&c->sql, " DESC");
        /* NULL is the smallest value on every backend; a NOT NULL column of
         * the FROM table has none, and ORDER BY it alone keeps an index
         * on it usable (a joined table's column may still be NULL) */
        const orm_expr *e = items[i].expr;
        bool never_null = e->op == ORM_OP_COLUMN && e->u.col.alias == from_alias && !e->u.col.column->nullable;
        if (c->d->explicit_nulls_order && !never_null)
            rm_sb_append(&c->sql, items[i].desc ? " NULLS LAST" : " NULLS FIRST");
    }
}

static void print_order(cctx *c, const orm_select *s)
{
    if (!s->norder) return;
    rm_sb_appendc(&c->sql, ' ');
    print_order_items(c, s->order, s->norder, s->alias);
}

/* ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...), inside the select
 * that c->spans names last (its FROM alias decides which keys are never
 * NULL). */
static void print_row_number(cctx *c, const orm_expr *e)
{
    rm_sb_append(&c->sql, "ROW_NUMBER() OVER (");
    for (size_t i = 0; i < e->u.window.npartition; i++) {
        rm_sb_append(&c->sql, i ? ", " : "PARTITION BY ");
        print_expr(c, e->u.window.partition[i]);
    }
    if (e->u.window.npartition && e->u.window.norder) rm_sb_appendc(&c->sql, ' ');
    print_order_items(c, e->u.window.order, e->u.window.norder, c->spans ? c->spans->s->alias : 0);
    rm_sb_appendc(&c->sql, ')');
}

static void print_select(cctx *c, const orm_select *s)
{
    if (!s || !s->from) {
        c->bad = 1;
        return;
    }
    span_scope scope = {c->spans, s};
    c->spans = &scope;
    rm_sb_append(&c->sql, "SELECT ");
    if (s->flags & ORM_SELECT_COUNT) {
        rm_sb_append(&c->sql, "count(*)");
    } else if (s->flags & ORM_SELECT_ONE) {
        rm_sb_appendc(&c->sql, '1');
    } else if (s->columns) {
        for (size_t i = 0; i < s->ncolumns; i++) {
            if (i) rm_sb_append(&c->sql, ", ");
            const orm_expr *e = s->columns[i];
            print_expr(c, e);
            const char *label = s->labels && s->labels[i] ? s->labels[i]
                                : e->op == ORM_OP_COLUMN && unjoined(c, e->u.col.alias, e->u.col.column)
                                    ? e->u.col.column->sql_name /* a derived table's columns keep their names */
                                    : NULL;
            if (label) {
                rm_sb_append(&c->sql, " AS ");
                orm_quote_ident(&c->sql, label);
            }
        }
    } else {
        for (size_t i = 0; i < s->from->ncolumns; i++) {
            if (i) rm_sb_append(&c->sql, ", ");
            if (s->from->columns[i].computed) rm_sb_append(&c->sql, "NULL"); /* not stored */
            else print_column(c, s->alias, &s->from->columns[i]);
            if (unjoined(c, s->alias, &s->from->columns[i])) {
                rm_sb_append(&c->sql, " AS ");
                orm_quote_ident(&c->sql, s->from->columns[i].sql_name);
            }
        }
    }
    rm_sb_append(&c->sql, " FROM ");
    if (s->from_select) {
        rm_sb_appendc(&c->sql, '(');
        print_select(c, s->from_select);
        rm_sb_appendc(&c->sql, ')');
    }
    if (s->from_select || !s->from->levels) {
        if (!s->from_select) orm_quote_ident(&c->sql, s->from->name);
        rm_sb_append(&c->sql, " AS ");
        print_alias(c, s->alias);
    } else {
        print_span(c, s->from, s->alias, s->cls);
    }
    for (size_t i = 0; i < s->njoins; i++) {
        const orm_join *j = &s->joins[i];
        rm_sb_append(&c->sql, j->kind == ORM_JOIN_LEFT    ? " LEFT OUTER JOIN "
                              : j->kind == ORM_JOIN_RIGHT ? " RIGHT OUTER JOIN "
                                                          : " JOIN ");
        if (j->table->levels) { /* its levels joined first, in parentheses: the ON may name any */
            rm_sb_appendc(&c->sql, '(');
            print_span(c, j->table, j->alias, j->cls);
            rm_sb_appendc(&c->sql, ')');
        } else {
            orm_quote_ident(&c->sql, j->table->name);
            rm_sb_append(&c->sql, " AS ");
            print_alias(c, j->alias);
        }
        rm_sb_append(&c->sql, " ON ");
        print_expr(c, j->on);
    }
    print_where(c, s->where);
    for (size_t i = 0; i < s->ngroup; i++) {
        rm_sb_append(&c->sql, i ? ", " : " GROUP BY ");
        print_expr(c, s->group_by[i]);
    }
    if (s->having) {
        rm_sb_append(&c->sql, " HAVING ");
        print_expr(c, s->having);
    }
    if (!(s->flags & (ORM_SELECT_COUNT | ORM_SELECT_ONE))) {
        print_order(c, s);
        if (s->limit || s->offset) {
            rm_sb_append(&c->sql, " LIMIT ");
            if (s->limit) print_expr(c, s->limit);
            else if (c->d->limit_all) rm_sb_append(&c->sql, c->d->limit_all);
            else bind(c, NULL, orm_int(-1), NULL); /* SQLite's "no limit" before an OFFSET */
            if (s->offset) {
                rm_sb_append(&c->sql, " OFFSET ");
                print_expr(c, s->offset);
            }
        }
    }
    c->spans = scope.up;
}

/* What a SELECT returns: its result columns (from the statement itself,
 * also when its text comes from the cache). */
static void describe_select(const orm_select *s, rm_arena *a, orm_compiled *out)
{
    out->returns_rows = true;
    out->is_query = true;
    if (s && s->from && !(s->flags & (ORM_SELECT_COUNT | ORM_SELECT_ONE))) {
        if (s->columns) {
            out->nresult = s->ncolumns;
            out->result_columns = RM_NEW_ARRAY(a, const orm_column *, s->ncolumns);
            for (size_t i = 0; i < s->ncolumns; i++) {
                orm_expr_op op = s->columns[i]->op; /* a computed or unloaded column keeps its type */
                if (op == ORM_OP_COLUMN || op == ORM_OP_COMPUTED || op == ORM_OP_NULL)
                    out->result_columns[i] = s->columns[i]->u.col.column;
            }
        } else {
            out->nresult = s->from->ncolumns;
            out->result_columns = RM_NEW_ARRAY(a, const orm_column *, s->from->ncolumns);
            for (size_t i = 0; i < s->from->ncolumns; i++)
                out->result_columns[i] = &s->from->columns[i];
        }
    } else {
        out->nresult = 1;
    }
}

/* ---- DML -------------------------------------------------------------------- */

static void print_returning(cctx *c, const orm_table *t)
{
    rm_sb_append(&c->sql, " RETURNING ");
    for (size_t i = 0; i < t->ncolumns; i++) {
        if (i) rm_sb_append(&c->sql, ", ");
        if (t->columns[i].computed) rm_sb_append(&c->sql, "NULL"); /* not stored: loaded by SELECTs */
        else orm_quote_ident(&c->sql, t->columns[i].sql_name);
    }
}

/* What a DML statement returns: with RETURNING, every column of t. */
static void describe_returning(const orm_table *t, bool returning, rm_arena *a, orm_compiled *out)
{
    if (!returning) return;
    out->result_columns = RM_NEW_ARRAY(a, const orm_column *, t->ncolumns);
    out->nresult = t->ncolumns;
    out->returns_rows = true;
    for (size_t i = 0; i < t->ncolumns; i++) out->result_columns[i] = &t->columns[i];
}

/* The start every DML statement shares: "VERB "table"". */
static void begin_dml(cctx *c, const char *verb, const orm_table *t)
{
    rm_sb_append(&c->sql, verb);
    orm_quote_ident(&c->sql, t->name);
}

static void print_insert(cctx *c, const orm_insert *s)
{
    begin_dml(c, "INSERT INTO ", s->table);
    if (!s->ncolumns) {
        rm_sb_append(&c->sql, " DEFAULT VALUES");
    } else {
        rm_sb_append(&c->sql, " (");
        for (size_t i = 0; i < s->ncolumns; i++) {
            if (i) rm_sb_append(&c->sql, ", ");
            orm_quote_ident(&c->sql, s->columns[i]->sql_name);
        }
        rm_sb_append(&c->sql, ") VALUES ");
        size_t nrows = s->nrows ? s->nrows : 1;
        for (size_t r = 0; r < nrows; r++) {
            rm_sb_append(&c->sql, r ? ", (" : "(");
            for (size_t i = 0; i < s->ncolumns; i++) {
                if (i) rm_sb_append(&c->sql, ", ");
                const orm_value *v = &s->values[r * s->ncolumns + i];
                bind(c, v, *v, s->columns[i]);
            }
            rm_sb_appendc(&c->sql, ')');
        }
    }
    if (!s->ncolumns && s->nrows > 1) c->bad = 1; /* DEFAULT VALUES is one row */
    if (s->returning) print_returning(c, s->table);
}

static void print_update(cctx *c, const orm_update *s)
{
    begin_dml(c, "UPDATE ", s->table);
    if (!s->ncolumns) c->bad = 1;
    rm_sb_append(&c->sql, " SET ");
    for (size_t i = 0; i < s->ncolumns; i++) {
        if (i) rm_sb_append(&c->sql, ", ");
        orm_quote_ident(&c->sql, s->columns[i]->sql_name);
        rm_sb_append(&c->sql, " = ");
        print_expr(c, s->values[i]);
    }
    print_where(c, s->where);
    if (s->returning) print_returning(c, s->table);
}

static void print_delete(cctx *c, const orm_delete *s)
{
    begin_dml(c, "DELETE FROM ", s->table);
    print_where(c, s->where);
}

/* ---- the four statements, through the cache ------------------------------------ */

/* One kind of statement: its cache key, its printer, what it returns. */
typedef struct stmt_kind {
    void (*key)(orm_cache_key *k, rm_arena *a, const void *s);
    void (*print)(cctx *c, const void *s);
    void (*describe)(const void *s, rm_arena *a, orm_compiled *out);
} stmt_kind;

/* The statement of a cached shape, each parameter from its bind source
 * in this statement's key (or a constant): false when the shape does not
 * fit the key (never for equal keys; then the statement is compiled
 * instead). The parameters are the key's own array where the shape takes
 * it as it is (an INSERT's values); an array-sourced key's columns are the
 * shape's (cache_key.h). */
static bool bind_shape(const orm_cache_key *k, const orm_compiled_shape *sh, rm_arena *a, orm_compiled *out)
{
    bool own = k->values_array; /* the shape holds its columns and description (only then) */
    *out = sh->head;
    if (own && sh->identity && sh->nparams == k->nsrc) {
        out->params = (orm_value *)k->vals; /* read, never written, by the drivers */
        return true;
    }
    if (!sh->nparams) return true;
    out->params = rm_arena_alloc(a, sh->nparams * sizeof *out->params); /* each set below */
    const orm_column **cols = k->values_array ? NULL : RM_NEW_ARRAY(a, const orm_column *, sh->nparams);
    for (size_t i = 0; i < sh->nparams; i++) {
        int32_t from = sh->src[i];
        if (from >= 0 && (size_t)from < k->nsrc) {
            out->params[i] = *orm_cache_key_value(k, (size_t)from);
            if (cols) cols[i] = k->src[from].column;
        } else if (from < 0 && (size_t)(-1 - (int64_t)from) < sh->nconsts) {
            out->params[i] = sh->consts[-1 - (int64_t)from];
        } else {
            return false;
        }
    }
    if (cols) out->param_columns = cols;
    return true;
}

/* The shape stored under key k bound to k's values in *out: true; false
 * on a miss (out then cleared). */
static bool find_shape(const orm_dialect *d, const orm_cache_key *k, rm_arena *a, orm_compiled *out)
{
    const orm_compiled_shape *sh = k->uncacheable ? NULL : orm_compile_cache_get(d->cache, k, a);
    if (sh && bind_shape(k, sh, a, out)) return true;
    memset(out, 0, sizeof *out);
    return false;
}

/* Is every one of cols[0..n) a schema column (or none)? */
static bool own_columns(const orm_column *const *cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cols[i] && !orm_cache_key_own_column(cols[i])) return false;
    return true;
}

/* Where v is among the bind sources of k (a statement's own walk), or -1. */
typedef struct source_index {
    const orm_cache_key *k;
    struct slot {
        const orm_value *v;
        int32_t i;
    } *t;
    size_t mask;
} source_index;

static size_t slot_of(const orm_value *v, size_t mask)
{
    return (size_t)(((uintptr_t)v >> 3) * 0x9e3779b97f4a7c15u) & mask;
}

/* false when a value is met twice by the walk (which occurrence a
 * placeholder takes would be ambiguous). */
static bool index_sources(source_index *x, const orm_cache_key *k, rm_arena *a)
{
    *x = (source_index){.k = k};
    if (k->values_array) return true; /* distinct addresses, found by subtraction */
    size_t cap = 16;
    while (cap < 2 * k->nsrc) cap *= 2;
    x->t = RM_NEW_ARRAY(a, struct slot, cap);
    x->mask = cap - 1;
    for (size_t i = 0; i < k->nsrc; i++) {
        size_t h = slot_of(k->src[i].value, x->mask);
        for (; x->t[h].v; h = (h + 1) & x->mask)
            if (x->t[h].v == k->src[i].value) return false;
        x->t[h] = (struct slot){k->src[i].value, (int32_t)i};
    }
    return true;
}

static int64_t source_of(const source_index *x, const orm_value *v)
{
    if (x->k->values_array) {
        uintptr_t at = (uintptr_t)v, base = (uintptr_t)x->k->vals;
        return at >= base && at < base + x->k->nsrc * sizeof *v && (at - base) % sizeof *v == 0
                   ? (int64_t)((at - base) / sizeof *v)
                   : -1;
    }
    size_t h = slot_of(v, x->mask);
    while (x->t[h].v && x->t[h].v != v) h = (h + 1) & x->mask;
    return x->t[h].v ? x->t[h].i : -1;
}

/* Store the shape c just compiled (described in out) under key `as`: each
 * parameter's value found by its address among the bind sources of tk, the
 * statement's own walk (tk == as: a statement keyed by its tree). A spec's
 * key (as != tk) binds tk's first as->nsrc sources, which must hold the
 * spec's values in order; tk's others and the values the compiler made are
 * constants. Not stored when the sources are ambiguous or missing, or a
 * spec's do not agree, or an array-sourced key names columns that are not
 * the schema's (its entry keeps them). */
static void remember(orm_compile_cache *cc, const orm_cache_key *as, const orm_cache_key *tk, const cctx *c,
                     const orm_compiled *out)
{
    if (tk->nsrc > INT32_MAX / 2 || c->nparams > INT32_MAX / 2 || tk->nsrc < as->nsrc) return;
    for (size_t i = 0; as != tk && i < as->nsrc; i++) {
        const orm_value *want = orm_cache_key_value(as, i), *got = orm_cache_key_value(tk, i);
        if (want->kind != got->kind || !orm_value_eq(want, got)) return;
    }
    source_index x;
    if (!index_sources(&x, tk, c->a)) return;
    int32_t *src = RM_NEW_ARRAY(c->a, int32_t, c->nparams + 1);
    orm_value *consts = RM_NEW_ARRAY(c->a, orm_value, c->nparams + 1);
    size_t nconsts = 0;
    for (size_t j = 0; j < c->nparams; j++) {
        int64_t i = c->psrc[j] ? source_of(&x, c->psrc[j]) : -1;
        if (c->psrc[j] && i < 0) return;
        if (i >= 0 && (size_t)i < as->nsrc) {
            src[j] = (int32_t)i;
        } else {
            consts[nconsts] = c->params[j];
            src[j] = -1 - (int32_t)nconsts++;
        }
    }
    orm_compiled_shape sh = {.sql = c->sql.buf, .sql_len = c->sql.len, .src = src, .nparams = c->nparams,
                             .consts = consts, .nconsts = nconsts};
    if (as->values_array) {
        if (!own_columns(c->pcols, c->nparams) || !own_columns(out->result_columns, out->nresult)) return;
        sh.param_columns = c->pcols;
        sh.result_columns = out->result_columns;
        sh.nresult = out->nresult;
        sh.returns_rows = out->returns_rows;
        sh.is_query = out->is_query;
    }
    orm_compile_cache_put(cc, as, &sh);
}

/* Compile s (of kind) and store its shape under `as` (tk: s's own key;
 * both uncacheable without a cache). */
static int compile_fresh(const orm_dialect *d, const stmt_kind *kind, const void *s, const orm_cache_key *as,
                         const orm_cache_key *tk, rm_arena *a, orm_compiled *out, orm_error *err)
{
    memset(out, 0, sizeof *out);
    cctx c;
    ctx_init(&c, d, a);
    kind->print(&c, s);
    kind->describe(s, a, out);
    int rc = finish(&c, out, err);
    if (!rc && d->cache && !as->uncacheable && !tk->uncacheable) remember(d->cache, as, tk, &c, out);
    return rc;
}

/* s through the cache by its own key. */
static int compile(const orm_dialect *d, const stmt_kind *kind, const void *s, rm_arena *a, orm_compiled *out,
                   orm_error *err)
{
    orm_cache_key_room room;
    orm_cache_key k = {.uncacheable = true, .room = &room};
    if (d->cache) {
        kind->key(&k, a, s);
        if (find_shape(d, &k, a, out)) {
            if (!k.values_array) kind->describe(s, a, out);
            return 0;
        }
    }
    return compile_fresh(d, kind, s, &k, &k, a, out, err);
}

/* s, the statement of spec, compiled and stored under spec's key. */
static int compile_as(const orm_dialect *d, const orm_cache_key *spec, const stmt_kind *kind, const void *s,
                      rm_arena *a, orm_compiled *out, orm_error *err)
{
    orm_cache_key_room room;
    orm_cache_key k = {.uncacheable = true, .room = &room};
    if (d->cache) kind->key(&k, a, s);
    return compile_fresh(d, kind, s, spec, &k, a, out, err);
}

bool orm_compile_find(const orm_dialect *d, const orm_cache_key *spec, rm_arena *a, orm_compiled *out)
{
    if (d->cache) return find_shape(d, spec, a, out);
    memset(out, 0, sizeof *out);
    return false;
}

/* The kinds, each function adapted to take its statement as const void *. */
#define STMT_KIND(name, T, describe_body)                                                                   \
    static void key_##name(orm_cache_key *k, rm_arena *a, const void *s) { orm_cache_key_##name(k, a, s); } \
    static void print_##name##_stmt(cctx *c, const void *s) { print_##name(c, s); }                         \
    static void describe_##name##_stmt(const void *v, rm_arena *a, orm_compiled *out)                       \
    {                                                                                                       \
        const T *s = v;                                                                                     \
        describe_body;                                                                                      \
    }                                                                                                       \
    static const stmt_kind kind_##name = {key_##name, print_##name##_stmt, describe_##name##_stmt};       \
    int orm_compile_##name(const orm_dialect *d, const T *s, rm_arena *a, orm_compiled *out, orm_error *err) \
    {                                                                                                       \
        return compile(d, &kind_##name, s, a, out, err);                                                    \
    }

STMT_KIND(select, orm_select, describe_select(s, a, out))
STMT_KIND(insert, orm_insert, describe_returning(s->table, s->returning, a, out))
STMT_KIND(update, orm_update, describe_returning(s->table, s->returning, a, out))
STMT_KIND(delete, orm_delete, (void)s; (void)a; (void)out)

int orm_compile_select_as(const orm_dialect *d, const orm_cache_key *spec, const orm_select *s, rm_arena *a,
                          orm_compiled *out, orm_error *err)
{
    return compile_as(d, spec, &kind_select, s, a, out, err);
}

int orm_compile_update_as(const orm_dialect *d, const orm_cache_key *spec, const orm_update *s, rm_arena *a,
                          orm_compiled *out, orm_error *err)
{
    return compile_as(d, spec, &kind_update, s, a, out, err);
}

int orm_compile_condition(const orm_dialect *d, const orm_expr *e, rm_arena *a, const char **out, orm_error *err)
{
    cctx c;
    ctx_init(&c, d, a);
    c.inline_values = true;
    print_expr(&c, e);
    orm_compiled done = {0};
    int rc = finish(&c, &done, err);
    *out = rc ? NULL : done.sql;
    return rc;
}
