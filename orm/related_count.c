/* related_count.c: related counts as per-request computed columns, and
 * their values on loaded instances; see related_count.h. The SQL is
 * computed_sql.c's (a COUNT aggregate over one relationship), never built
 * here. */
#include "orm/related_count.h"

#include <string.h>

#include "orm/computed.h"
#include "orm/filter.h"

/* One recorded value: inst's count for column c. */
struct orm_count_value {
    const orm_column *c;
    int64_t n;
    struct orm_count_value *next;
};

const orm_column *orm_count_column(rm_arena *a, const orm_relationship *r, const orm_template *filter)
{
    orm_computed *k = RM_NEW(a, orm_computed);
    k->kind = ORM_COMPUTED_COUNT;
    k->path[0] = r;
    k->npath = 1;
    if (filter) k->filter = *filter;
    orm_column *c = RM_NEW(a, orm_column);
    const char *name = rm_arena_sprintf(a, "_count.%s", r->name);
    *c = (orm_column){.name = name, .sql_name = name, .table = r->parent->table, .index = -1,
                      .type = ORM_T_BIGINT, .read_only = true, .computed = k};
    return c;
}

bool orm_column_is_count(const orm_column *c) { return c->index < 0 && c->computed; }

const orm_relationship *orm_count_relationship(const orm_column *c) { return c->computed->path[0]; }

int orm_count_filter(rm_arena *a, const orm_relationship *r, const json_t *filter, const struct orm_scope *scope,
                     const char *pointer, orm_template *out, orm_error *err)
{
    orm_alias_seq seq = orm_alias_seq_start(1, scope);
    memset(out, 0, sizeof *out);
    int rc = orm_filter_parse(a, r->target, filter, 0, &seq, pointer, &out->expr, err);
    out->naliases = seq.next - 1;
    return rc;
}

size_t orm_count_columns(rm_arena *a, orm_select *sel, const orm_column *const *counts, size_t n, int alias)
{
    size_t at = sel->ncolumns;
    if (!n) return at;
    sel->columns = rm_arena_realloc(a, sel->columns, at * sizeof *sel->columns, (at + n) * sizeof *sel->columns);
    if (sel->labels) { /* the labels array has one slot per column */
        const char **labels = RM_NEW_ARRAY(a, const char *, at + n);
        memcpy(labels, sel->labels, at * sizeof *labels);
        sel->labels = labels;
    }
    for (size_t i = 0; i < n; i++) sel->columns[sel->ncolumns++] = orm_expr_column(a, alias, counts[i]);
    return at;
}

void orm_count_record(rm_arena *a, orm_instance *inst, const orm_column *const *counts, size_t n,
                      const orm_value *vals)
{
    for (size_t i = 0; i < n; i++) {
        int64_t had;
        /* count(*) is an integer on every driver, never NULL */
        if (vals[i].kind != ORM_V_INT || orm_count_value(inst, counts[i], &had)) continue;
        struct orm_count_value *v = RM_NEW(a, struct orm_count_value);
        *v = (struct orm_count_value){counts[i], vals[i].u.i, inst->counts};
        inst->counts = v;
    }
}

bool orm_count_value(const orm_instance *inst, const orm_column *c, int64_t *out)
{
    for (const struct orm_count_value *v = inst->counts; v; v = v->next)
        if (v->c == c) {
            *out = v->n;
            return true;
        }
    return false;
}
