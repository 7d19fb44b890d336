/* proxy.c: association proxies (SPEC §9, SQLAlchemy's association_proxy):
 * the loader phase that reads each entity's "proxies" once relationships
 * are resolved, and the look-up by name. A proxy names a to-many
 * relationship (`through`) and a column of its target (`attribute`); what
 * it reads and writes is routes/' business (routes/proxy.c). */
#include <string.h>

#include "orm/schema_load_int.h"

static const char *const proxy_keys[] = {"through", "attribute", NULL};

const orm_proxy *orm_mapper_proxy(const orm_mapper *m, const char *name)
{
    for (; m; m = m->inherits)
        for (size_t i = 0; i < m->nproxies; i++)
            if (!strcmp(m->proxies[i].name, name)) return &m->proxies[i];
    return NULL;
}

/* Whether c alone identifies a row of its table: a unique column, a
 * one-column primary key, or a one-column unique constraint or index. */
static bool identifies_row(const orm_column *c, const orm_table *t)
{
    if (c->unique || (c->primary_key && t->npk == 1)) return true;
    for (size_t i = 0; i < t->nindexes; i++)
        if (t->indexes[i].unique && t->indexes[i].ncolumns == 1 && t->indexes[i].columns[0] == c) return true;
    return false;
}

/* The names of m's relationships (its own and inherited), NULL-terminated,
 * for suggestions. */
static const char *const *relationship_names(orm_loader *L, const orm_mapper *m)
{
    size_t n = 0, k = 0;
    for (const orm_mapper *p = m; p; p = p->inherits) n += p->nrelationships;
    const char **names = RM_NEW_ARRAY(L->tmp, const char *, n + 1);
    for (const orm_mapper *p = m; p; p = p->inherits)
        for (size_t i = 0; i < p->nrelationships; i++) names[k++] = p->relationships[i].name;
    return names;
}

static int parse_proxy(orm_loader *L, orm_decl *d, const char *name, json_t *obj)
{
    orm_mapper *m = d->m;
    const orm_origin *o = &d->origin;
    const char *p = rm_arena_sprintf(L->tmp, "proxies.%s", name), *through, *attr;
    if (!orm_loader_is_ident(name))
        return orm_loader_fail(L, o, p, "not a valid name (letters, digits and _, not starting with a digit)");
    if (orm_table_column(m->table, name))
        return orm_loader_fail(L, o, p, "table %s already has a column of that name", m->table->name);
    if (orm_mapper_relationship(m, name))
        return orm_loader_fail(L, o, p, "entity %s already has a relationship of that name",
                               orm_mapper_relationship(m, name)->parent->name);
    if (m->inherits && orm_mapper_proxy(m->inherits, name))
        return orm_loader_fail(L, o, p, "entity %s already has a proxy of that name",
                               orm_mapper_proxy(m->inherits, name)->parent->name);
    if (!json_is_object(obj)) return orm_loader_fail(L, o, p, "must be an object");
    if (orm_loader_check_keys(L, o, p, obj, proxy_keys) ||
        orm_loader_get_string(L, o, p, obj, "through", &through) ||
        orm_loader_get_string(L, o, p, obj, "attribute", &attr))
        return ORM_E_SCHEMA;
    if (!through) return orm_loader_fail(L, o, orm_loader_subpath(L, p, "through"), "missing (a to-many relationship)");
    if (!attr) return orm_loader_fail(L, o, orm_loader_subpath(L, p, "attribute"), "missing (a column of its target)");
    const orm_relationship *r = orm_mapper_relationship(m, through);
    if (!r)
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "through"), "unknown relationship \"%s\"%s", through,
                               orm_loader_suggest(L, through, relationship_names(L, m)));
    if (!r->uselist)
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "through"),
                               "\"%s\" is %s, not a collection: a proxy goes through a to-many relationship",
                               through, orm_direction_name(r->direction));
    const orm_mapper *t = r->target;
    const orm_column *c = orm_table_column(t->table, attr);
    if (!c || !orm_mapper_column_allows(t, c, ORM_COL_LISTED)) {
        if (c && (c->hidden || c->write_only))
            return orm_loader_fail(L, o, orm_loader_subpath(L, p, "attribute"),
                                   "column \"%s\" of %s is %s: a proxy shows its values", attr, t->name,
                                   c->hidden ? "hidden" : "write_only");
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "attribute"), "%s has no column \"%s\"", t->name, attr);
    }
    if (!orm_mapper_column_allows(t, c, ORM_COL_READ))
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "attribute"),
                               "column \"%s\" of %s is write_only: a proxy shows its values", attr, t->name);
    orm_proxy *x = &m->proxies[m->nproxies++];
    x->name = rm_arena_strdup(L->s->arena, name);
    x->parent = m;
    x->through = r;
    x->attribute = c;
    x->read_only = r->viewonly || (r->direction == ORM_MANY_TO_MANY && !identifies_row(c, t->table));
    return 0;
}

static void start_proxies(orm_loader *L, orm_decl *d, size_t n)
{
    d->m->proxies = RM_NEW_ARRAY(L->s->arena, orm_proxy, n);
}

int orm_loader_build_proxies(orm_loadctx *C)
{
    return orm_loader_each_member(C, "proxies", start_proxies, parse_proxy);
}
