/* mapper.c: names of relationship directions and loader strategies,
 * relationship look-up on a mapper, the one rule of column use
 * (orm_mapper_column_allows) and a class's identity condition; see
 * mapper.h. Building mappers is schema_mappers.c's job, resolving
 * relationships relationship.c's. */
#include "orm/mapper.h"
#include "orm/schema.h"
#include "lib/names.h"

#include <string.h>

const char *orm_direction_name(orm_direction d)
{
    switch (d) {
    case ORM_MANY_TO_ONE: return "many_to_one";
    case ORM_ONE_TO_MANY: return "one_to_many";
    case ORM_MANY_TO_MANY: return "many_to_many";
    }
    return "?";
}

RM_ENUM_NAMES(orm_lazy_name, orm_lazy, ORM_LAZY_KINDS)

/* Own relationships first, then those inherited from the parent mappers
 * (single-table inheritance): a child has its parent's relationships too. */
orm_relationship *orm_mapper_relationship(const orm_mapper *m, const char *name)
{
    for (; m; m = m->inherits)
        for (size_t i = 0; i < m->nrelationships; i++)
            if (strcmp(m->relationships[i].name, name) == 0) return &m->relationships[i];
    return NULL;
}

bool orm_mapper_isa(const orm_mapper *m, const orm_mapper *ancestor)
{
    for (; m; m = m->inherits)
        if (m == ancestor) return true;
    return false;
}

const orm_mapper *orm_schema_polymorphic(const orm_schema *s, const orm_mapper *m,
                                         const orm_value *row)
{
    if (!orm_mapper_resolves_rows(m)) return m;
    if (m->viewonly) m = m->table->mapper; /* a projection's row is of its owner's class */
    const orm_column *on = m->polymorphic_on;
    if (!on) return m;
    const orm_value *v = &row[on->index];
    for (size_t i = 0; i < s->nmappers; i++) {
        const orm_mapper *c = s->mappers[i];
        if (c->table == m->table && c->has_identity && orm_value_eq(&c->polymorphic_identity, v))
            return c;
    }
    return m;
}

orm_expr *orm_mapper_identity_where(rm_arena *a, const orm_mapper *m, int alias)
{
    if (!m->inherits || !m->has_identity || !m->polymorphic_on) return NULL;
    if (m->nidentities <= 1) return orm_expr_col_eq(a, alias, m->polymorphic_on, m->polymorphic_identity);
    orm_expr **items = RM_NEW_ARRAY(a, orm_expr *, m->nidentities);
    for (size_t i = 0; i < m->nidentities; i++) items[i] = orm_expr_param(a, m->identities[i], m->polymorphic_on);
    return orm_expr_binary(a, ORM_OP_IN, orm_expr_column(a, alias, m->polymorphic_on),
                           orm_expr_list(a, items, m->nidentities));
}

bool orm_mapper_column_allows(const orm_mapper *m, const orm_column *c, orm_column_use use)
{
    if (c->hidden || (m->visible && !m->visible[c->index])) return false;
    return use != ORM_COL_READ || !c->write_only;
}

bool orm_mapper_column_server_managed(const orm_mapper *m, const orm_column *c)
{
    return c->read_only || c->version || (m->polymorphic_on == c && m->has_identity);
}

const orm_column *orm_mapper_column(const orm_mapper *m, const char *name, orm_column_use use)
{
    const orm_table *t = m->table;
    if (!t->levels) {
        const orm_column *c = orm_table_column(t, name);
        return c && orm_mapper_column_allows(m, c, use) ? c : NULL;
    }
    /* a span may hold one name twice, in two branches' tables: m's own */
    for (size_t i = 0; i < t->ncolumns; i++)
        if (strcmp(t->columns[i].name, name) == 0 && orm_mapper_column_allows(m, &t->columns[i], use))
            return &t->columns[i];
    return NULL;
}
