/* query.c: statements for mapped rows, built as data and run in a session;
 * see query.h. */
#include "orm/query.h"

#include <string.h>

#include "orm/compile.h"
#include "orm/computed.h"
#include "orm/related_count.h"
#include "orm/scope.h"

void orm_query_init(orm_query *q, const orm_mapper *m, const orm_scope *scope)
{
    memset(q, 0, sizeof *q);
    q->mapper = m;
    q->limit = -1;
    q->aliases = orm_alias_seq_start(1, scope);
}

orm_expr *orm_pk_where(rm_arena *a, const orm_mapper *m, int alias, const orm_value *pk)
{
    orm_expr *w = NULL;
    for (size_t i = 0; i < m->table->npk; i++)
        w = orm_expr_and(a, w, orm_expr_col_eq(a, alias, m->table->pk[i], pk[i]));
    return w;
}

/* expect: the rows it is expected to return (orm_session_query; 0: unknown). */
static int run_select(orm_session *s, const orm_select *sel, size_t expect, orm_result *out)
{
    orm_compiled c;
    int rc = orm_compile_select(orm_engine_dialect(s->engine), sel, s->arena, &c, s->err);
    return rc ? rc : orm_session_query(s, &c, expect, out);
}

/* ---- ordering ------------------------------------------------------------- */

/* A LEFT JOIN already made for r from parent_alias, or a new one: the
 * column pairs and what r's target rows must satisfy (a target outside it
 * sorts as a NULL; r is many-to-one). Returns the target's alias. */
static int join_for(orm_query *q, rm_arena *a, const orm_relationship *r, int parent_alias,
                    orm_alias_seq *aliases)
{
    for (size_t i = 0; i < q->njoins; i++) {
        const orm_expr *on = q->joins[i].on; /* first pair: target.remote = parent.local */
        while (on->op == ORM_OP_AND) on = on->left;
        if (q->joins[i].via == r && on->right->u.col.alias == parent_alias) return q->joins[i].alias;
    }
    int t = aliases->next++;
    orm_join_ends ends = {.parent = parent_alias, .target = t};
    orm_rel_join j;
    orm_relationship_join(a, r, &ends, aliases, &j);
    q->joins = rm_arena_realloc(a, q->joins, q->njoins * sizeof *q->joins,
                                (q->njoins + 1) * sizeof *q->joins);
    q->joins[q->njoins++] =
        (orm_join){ORM_JOIN_LEFT, r->target->table, t, orm_expr_and(a, j.link, j.target_where), r, r->target};
    return t;
}

/* "_count.REL": the count of the to-many REL of the query's rows, q->counts'
 * (with its filter) when it has one. */
static int count_key(orm_query *q, rm_arena *a, const char *rel, orm_alias_seq *aliases, const char *pointer,
                     orm_error *err, const orm_column **out)
{
    const orm_relationship *r = orm_scope_relationship(aliases->scope, q->mapper, rel);
    if (!r || !r->uselist) {
        orm_error_field(err, ORM_E_INVALID, pointer,
                        r ? "\"%s\" is not a to-many relationship: _count sorts by the size of a collection"
                          : "unknown relationship \"%s\" after _count.", rel);
        return ORM_E_INVALID;
    }
    for (size_t i = 0; i < q->ncounts; i++)
        if (orm_count_relationship(q->counts[i]) == r) {
            *out = q->counts[i];
            return 0;
        }
    *out = orm_count_column(a, r, NULL);
    return 0;
}

/* One sort key: [-]rel.rel.column or [-]_count.rel → an order item. */
static int sort_key(orm_query *q, rm_arena *a, char *key, orm_alias_seq *aliases,
                    const char *pointer, orm_error *err, orm_order_item *out)
{
    bool desc = *key == '-';
    if (*key == '-' || *key == '+') key++;
    if (!strncmp(key, "_count.", 7)) {
        const orm_column *c;
        int rc = count_key(q, a, key + 7, aliases, pointer, err, &c);
        if (!rc) *out = (orm_order_item){orm_expr_column(a, 0, c), desc};
        return rc;
    }
    const orm_mapper *m = q->mapper;
    int alias = 0, hops = 0;
    char *dot;
    while ((dot = strchr(key, '.'))) {
        if (++hops > ORM_SORT_MAX_HOPS) {
            orm_error_field(err, ORM_E_INVALID, pointer, "sort paths go through at most %d relationships",
                            ORM_SORT_MAX_HOPS);
            return ORM_E_INVALID;
        }
        *dot = '\0';
        const orm_relationship *r = orm_scope_relationship(aliases->scope, m, key);
        if (!r || r->direction != ORM_MANY_TO_ONE) {
            orm_error_field(err, ORM_E_INVALID, pointer,
                            r ? "\"%s\" is a collection: sort paths go through many-to-one relationships"
                              : "unknown relationship \"%s\"", key);
            return ORM_E_INVALID;
        }
        alias = join_for(q, a, r, alias, aliases);
        m = r->target;
        key = dot + 1;
    }
    const orm_column *c = orm_mapper_column(m, key, ORM_COL_READ);
    const orm_proxy *x = c ? NULL : orm_mapper_proxy(m, key);
    if (x && orm_scope_visible(aliases->scope, x->through->target)) {
        orm_error_field(err, ORM_E_INVALID, pointer,
                        "\"%s\" is an association proxy (a list of %s.%s values), not a sort key: "
                        "sort by a column", key, x->through->name, x->attribute->name);
        return ORM_E_INVALID;
    }
    if (!c) {
        orm_error_field(err, ORM_E_INVALID, pointer, "unknown column \"%s\"", key);
        return ORM_E_INVALID;
    }
    *out = (orm_order_item){orm_expr_column(a, alias, c), desc};
    return 0;
}

int orm_query_order_by(orm_query *q, rm_arena *a, const char *spec, orm_alias_seq *aliases,
                       const char *pointer, orm_error *err)
{
    size_t n = 1;
    for (const char *p = spec; *p; p++) n += *p == ',';
    q->order = RM_NEW_ARRAY(a, orm_order_item, n);
    q->norder = 0;
    char *copy = rm_arena_strdup(a, spec), *save = NULL;
    for (char *key = strtok_r(copy, ",", &save); key; key = strtok_r(NULL, ",", &save)) {
        int rc = sort_key(q, a, key, aliases, pointer, err, &q->order[q->norder]);
        if (rc) return rc;
        q->norder++;
    }
    if (!q->norder) {
        orm_error_field(err, ORM_E_INVALID, pointer, "must name at least one column");
        return ORM_E_INVALID;
    }
    return 0;
}

/* A column of the query's own table (a related count is a column of no table). */
static bool is_base_column(const orm_expr *e, const orm_column *c)
{
    return e->op == ORM_OP_COLUMN && e->u.col.alias == 0 && e->u.col.column->index >= 0 &&
           (!c || e->u.col.column == c);
}

orm_order_item *orm_query_effective_order(const orm_query *q, rm_arena *a, size_t *n)
{
    const orm_table *t = q->mapper->table;
    orm_order_item *items = RM_NEW_ARRAY(a, orm_order_item, q->norder + t->npk);
    size_t k = 0;
    for (size_t i = 0; i < q->norder; i++) items[k++] = q->order[i];
    for (size_t p = 0; p < t->npk; p++) {
        bool used = false;
        for (size_t i = 0; i < q->norder; i++) used |= is_base_column(q->order[i].expr, t->pk[p]);
        if (!used) items[k++] = (orm_order_item){orm_expr_column(a, 0, t->pk[p]), false};
    }
    if (q->reverse)
        for (size_t i = 0; i < k; i++) items[i].desc = !items[i].desc;
    *n = k;
    return items;
}

void orm_query_sort_values(const orm_query *q, rm_arena *a, const orm_value *row,
                           const orm_value *extra, orm_value *out)
{
    size_t n, x = 0;
    orm_order_item *items = orm_query_effective_order(q, a, &n);
    for (size_t k = 0; k < n; k++) {
        const orm_expr *e = items[k].expr;
        out[k] = is_base_column(e, NULL) ? row[e->u.col.column->index] : extra[x++];
    }
}

orm_order_item *orm_relationship_order(rm_arena *a, const orm_relationship *r, int alias, size_t *n)
{
    const orm_table *t = r->target->table;
    const char *spec = r->order_by;
    size_t cap = t->npk + 1;
    for (const char *p = spec ? spec : ""; *p; p++) cap += *p == ',';
    orm_order_item *items = RM_NEW_ARRAY(a, orm_order_item, cap);
    size_t k = 0;
    if (spec) { /* checked against the target's columns when the schema loaded */
        char *copy = rm_arena_strdup(a, spec), *save = NULL;
        for (char *key = strtok_r(copy, ",", &save); key; key = strtok_r(NULL, ",", &save)) {
            bool desc = *key == '-';
            const orm_column *c = orm_mapper_column(r->target, key + desc, ORM_COL_READ);
            if (c) items[k++] = (orm_order_item){orm_expr_column(a, alias, c), desc};
        }
    }
    size_t named = k;
    for (size_t p = 0; p < t->npk; p++) {
        bool used = false;
        for (size_t i = 0; i < named; i++) used |= items[i].expr->u.col.column == t->pk[p];
        if (!used) items[k++] = (orm_order_item){orm_expr_column(a, alias, t->pk[p]), false};
    }
    *n = k;
    return items;
}

/* "key comes after v" in the key's direction, NULL being the smallest. */
static orm_expr *beyond(rm_arena *a, const orm_order_item *it, orm_value v)
{
    orm_expr *col = it->expr;
    if (v.kind == ORM_V_NULL) /* after NULL ascending: any value; descending: nothing */
        return it->desc ? orm_expr_const(a, false) : orm_expr_unary(a, ORM_OP_IS_NOT_NULL, col);
    orm_expr *cmp = orm_expr_binary(a, it->desc ? ORM_OP_LT : ORM_OP_GT, col,
                                    orm_expr_param(a, v, col->u.col.column));
    return it->desc ? orm_expr_or(a, cmp, orm_expr_unary(a, ORM_OP_IS_NULL, col)) : cmp;
}

void orm_query_after(orm_query *q, rm_arena *a, const orm_value *values)
{
    size_t n;
    orm_order_item *items = orm_query_effective_order(q, a, &n);
    /* (k1 beyond v1) OR (k1 = v1 AND k2 beyond v2) OR ... */
    orm_expr *any = NULL;
    for (size_t i = 0; i < n; i++) {
        orm_expr *term = beyond(a, &items[i], values[i]);
        for (size_t j = 0; j < i; j++)
            term = orm_expr_and(a, orm_expr_col_eq(a, items[j].expr->u.col.alias,
                                                    items[j].expr->u.col.column, values[j]), term);
        any = orm_expr_or(a, any, term);
    }
    q->after = any;
}

void orm_row_columns(rm_arena *a, orm_select *sel, const orm_table *t, int alias, bool defer,
                     const bool *fields, bool labels)
{
    size_t n0 = sel->ncolumns;
    sel->columns = rm_arena_realloc(a, sel->columns, n0 * sizeof *sel->columns,
                                    (n0 + t->ncolumns) * sizeof *sel->columns);
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_column *c = &t->columns[i];
        orm_expr *e = orm_expr_column(a, alias, c);
        /* a foreign key is read anyway: relationships are loaded through it */
        bool unloaded = c->deferred && defer && !(fields && fields[i]) && !c->fk;
        if (unloaded) e->op = ORM_OP_NULL; /* keeps u.col: the column it stands for */
        if (labels && (unloaded || c->computed)) {
            if (!sel->labels) sel->labels = RM_NEW_ARRAY(a, const char *, n0 + t->ncolumns);
            sel->labels[sel->ncolumns] = c->name;
        }
        sel->columns[sel->ncolumns++] = e;
    }
}

void orm_query_select(const orm_query *q, rm_arena *a, orm_alias_seq *seq, orm_select *out)
{
    const orm_table *t = q->mapper->table;
    orm_select sel = {.from = t, .alias = 0, .joins = q->joins, .njoins = q->njoins, .cls = q->mapper};
    sel.where = orm_expr_and(a, orm_expr_and(a, q->where, q->after), orm_scope_where(a, q->mapper, 0, seq));
    sel.order = orm_query_effective_order(q, a, &sel.norder);
    /* the table's columns (a deferred sort key too: a cursor records it),
     * then sort keys from joined tables */
    bool *sorted = NULL; /* q->fields and the deferred sort keys */
    for (size_t i = 0; q->defer && i < sel.norder; i++) {
        const orm_expr *e = sel.order[i].expr;
        if (!is_base_column(e, NULL) || !e->u.col.column->deferred) continue;
        if (!sorted) {
            sorted = RM_NEW_ARRAY(a, bool, t->ncolumns);
            if (q->fields) memcpy(sorted, q->fields, t->ncolumns * sizeof *sorted);
        }
        sorted[e->u.col.column->index] = true;
    }
    orm_row_columns(a, &sel, t, 0, q->defer, sorted ? sorted : q->fields, true);
    sel.columns = rm_arena_realloc(a, sel.columns, sel.ncolumns * sizeof *sel.columns,
                                   (t->ncolumns + sel.norder) * sizeof *sel.columns);
    if (sel.labels) { /* the sort keys' columns have none */
        const char **labels = RM_NEW_ARRAY(a, const char *, t->ncolumns + sel.norder);
        memcpy(labels, sel.labels, sel.ncolumns * sizeof *labels);
        sel.labels = labels;
    }
    for (size_t i = 0; i < sel.norder; i++)
        if (!is_base_column(sel.order[i].expr, NULL)) sel.columns[sel.ncolumns++] = sel.order[i].expr;
    orm_count_columns(a, &sel, q->counts, q->ncounts, 0);
    if (q->limit >= 0) sel.limit = orm_expr_param(a, orm_int(q->limit), NULL);
    if (q->offset > 0) sel.offset = orm_expr_param(a, orm_int(q->offset), NULL);
    orm_computed_expand(a, &sel, seq);
    *out = sel;
}

int orm_query_all(orm_session *s, const orm_query *q, orm_result *out)
{
    orm_select sel;
    orm_alias_seq seq = q->aliases;
    orm_query_select(q, s->arena, &seq, &sel);
    return run_select(s, &sel, q->limit > 0 ? (size_t)q->limit : 0, out);
}

int orm_query_count(orm_session *s, const orm_query *q, int64_t *out)
{
    orm_select sel = {.from = q->mapper->table, .alias = 0, .flags = ORM_SELECT_COUNT, .cls = q->mapper};
    orm_alias_seq seq = q->aliases;
    sel.where = orm_expr_and(s->arena, q->where, orm_scope_where(s->arena, q->mapper, 0, &seq));
    orm_computed_expand(s->arena, &sel, &seq);
    orm_result r;
    int rc = run_select(s, &sel, 1, &r);
    if (rc) return rc;
    *out = r.nrows && r.values[0].kind == ORM_V_INT ? r.values[0].u.i : 0;
    return 0;
}

orm_expr *orm_with_parent(rm_arena *a, const orm_relationship *r, const orm_value *parent_row, int alias,
                          orm_alias_seq *aliases)
{
    bool m2m = r->direction == ORM_MANY_TO_MANY;
    orm_join_ends ends = {.parent_row = parent_row, .target = alias, .secondary = m2m ? aliases->next++ : alias,
                          .without_identity = true};
    orm_rel_join j;
    orm_relationship_join(a, r, &ends, aliases, &j);
    if (j.link->op == ORM_OP_FALSE) return j.link; /* a NULL parent key: no row is related */
    orm_expr *w = j.link;
    if (m2m) { /* EXISTS (SELECT 1 FROM secondary WHERE link AND secondary_on) */
        orm_select *sub = RM_NEW(a, orm_select);
        *sub = (orm_select){.from = r->secondary, .alias = ends.secondary, .flags = ORM_SELECT_ONE,
                            .where = orm_expr_and(a, w, j.secondary_on)};
        w = orm_expr_exists(a, sub);
    }
    return orm_expr_and(a, w, j.target_where);
}

int orm_get(orm_session *s, const orm_mapper *m, const orm_value *pk, orm_value **row)
{
    orm_select sel = {.from = m->table, .alias = 0, .cls = m};
    orm_alias_seq seq = orm_alias_seq_start(1, s->scope);
    sel.where = orm_expr_and(s->arena, orm_pk_where(s->arena, m, 0, pk), orm_scope_where(s->arena, m, 0, &seq));
    orm_computed_expand(s->arena, &sel, &seq); /* a row filter may name a computed attribute */
    orm_result r;
    int rc = run_select(s, &sel, 1, &r); /* one key's row */
    if (rc) return rc;
    if (!r.nrows) return orm_error_set(s->err, ORM_E_NOT_FOUND, "no %s with that key", m->name);
    *row = r.values;
    return 0;
}

/* Run DML with RETURNING and hand back its one row, or NOT_FOUND. */
static int run_returning(orm_session *s, const orm_mapper *m, const orm_compiled *c, orm_value **row)
{
    orm_result r;
    int rc = orm_session_execute(s, c, &r);
    if (rc) return rc;
    if (!r.nrows) return orm_error_set(s->err, ORM_E_NOT_FOUND, "no %s with that key", m->name);
    *row = r.values;
    return 0;
}

size_t orm_insert_columns(const orm_mapper *m, const orm_value *values, const bool *given,
                          const orm_column **cols, orm_value *vals)
{
    const orm_table *t = m->table;
    size_t n = 0;
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_column *c = &t->columns[i];
        orm_value v;
        if (given[i]) v = values[i];
        else if (c->version) v = orm_int(1);
        else if (m->has_identity && c == m->polymorphic_on) v = m->polymorphic_identity;
        else if (c->has_default) v = c->default_value;
        else continue;
        cols[n] = c;
        vals[n++] = v;
    }
    return n;
}

/* Joined-table inheritance (a span, metadata.h): one INSERT per table of
 * m's class, root first, each level's key taking the key the root's
 * INSERT returned; what each returns fills the one span row. */
static int insert_levels(orm_session *s, const orm_mapper *m, const orm_value *values, const bool *given,
                         orm_value **row)
{
    const orm_table *t = m->table;
    const orm_column **cols = RM_NEW_ARRAY(s->arena, const orm_column *, t->ncolumns);
    orm_value *vals = RM_NEW_ARRAY(s->arena, orm_value, t->ncolumns);
    size_t n = orm_insert_columns(m, values, given, cols, vals);
    orm_value *out = RM_NEW_ARRAY(s->arena, orm_value, t->ncolumns);
    for (size_t i = 0; i < t->ncolumns; i++) out[i] = orm_null();
    for (size_t k = 0; k < t->nlevels; k++) {
        const orm_table *lt = t->levels[k];
        if (!orm_mapper_isa(m, t->level_owner[k])) continue;
        orm_insert ins = {.table = lt, .returning = true};
        ins.columns = RM_NEW_ARRAY(s->arena, const orm_column *, lt->ncolumns);
        ins.values = RM_NEW_ARRAY(s->arena, orm_value, lt->ncolumns);
        for (size_t i = 0; k && i < lt->npk; i++) {
            ins.columns[ins.ncolumns] = lt->pk[i];
            ins.values[ins.ncolumns++] = out[t->pk[i]->index];
        }
        for (size_t i = 0; i < n; i++)
            if (cols[i]->storage->table == lt) {
                ins.columns[ins.ncolumns] = cols[i]->storage;
                ins.values[ins.ncolumns++] = vals[i];
            }
        orm_compiled cc;
        orm_value *got = NULL;
        int rc = orm_compile_insert(orm_engine_dialect(s->engine), &ins, s->arena, &cc, s->err);
        if (rc || (rc = run_returning(s, m, &cc, &got))) return rc;
        for (size_t i = 0; i < t->ncolumns; i++)
            if (t->columns[i].storage->table == lt) out[i] = got[t->columns[i].storage->index];
    }
    *row = out;
    return 0;
}

int orm_insert_row(orm_session *s, const orm_mapper *m, const orm_value *values, const bool *given,
               orm_value **row)
{
    const orm_table *t = m->table;
    if (t->levels) return insert_levels(s, m, values, given, row);
    orm_insert ins = {.table = t, .returning = true};
    ins.columns = RM_NEW_ARRAY(s->arena, const orm_column *, t->ncolumns);
    ins.values = RM_NEW_ARRAY(s->arena, orm_value, t->ncolumns);
    ins.ncolumns = orm_insert_columns(m, values, given, ins.columns, ins.values);
    orm_compiled cc;
    int rc = orm_compile_insert(orm_engine_dialect(s->engine), &ins, s->arena, &cc, s->err);
    return rc ? rc : run_returning(s, m, &cc, row);
}

