/* schema_mappers.c: the mapper phases of schema loading. Each entity
 * becomes a mapper (registered while the files are collected, keeping its
 * declaration for the caller's own keys), linked to the one it inherits
 * from; once the tables exist a hierarchy with tables of its own gets its
 * span (joined-table inheritance, metadata.h) and each mapper its default
 * order, its polymorphic discriminator and identity, and the columns it
 * shows; then its
 * relationships are read as declared (target, secondary, join, cascade,
 * lazy, ...). Direction and join columns come after, in relationship.c.
 * Errors go through schema_loader.c. */
#include <string.h>

#include "orm/schema_load_int.h"

/* ---- entities and inheritance ------------------------------------------------------ */

int orm_loader_add_mapper(orm_loadctx *C, orm_decl *d)
{
    orm_loader *L = &C->L;
    orm_schema *s = L->s;
    orm_mapper *prev = rm_strmap_get(&s->mappers_by_name, d->name);
    if (prev)
        return orm_loader_fail(L, &d->origin, NULL, "entity declared twice (also in %s)", prev->source);
    orm_mapper *m = RM_NEW(s->arena, orm_mapper);
    m->name = rm_arena_strdup(s->arena, d->name);
    m->source = rm_arena_strdup(s->arena, d->origin.source);
    m->decl = d->json;
    s->mappers = rm_arena_realloc(s->arena, s->mappers, s->nmappers * sizeof *s->mappers,
                                  (s->nmappers + 1) * sizeof *s->mappers);
    s->mappers[s->nmappers++] = m;
    rm_strmap_put(&s->mappers_by_name, m->name, m);
    d->m = m;
    return 0;
}

/* Link each "inherits" to its parent mapper; refuse unknown parents and
 * cycles; compute depths (bases 0). */
int orm_loader_link_inheritance(orm_loadctx *C)
{
    orm_loader *L = &C->L;
    for (size_t i = 0; i < C->ndecls; i++) {
        orm_decl *d = &C->decls[i];
        const char *parent;
        if (!d->entity) continue;
        if (orm_loader_get_string(L, &d->origin, NULL, d->json, "inherits", &parent)) return ORM_E_SCHEMA;
        if (!parent) continue;
        d->m->inherits = rm_strmap_get(&L->s->mappers_by_name, parent);
        if (!d->m->inherits)
            return orm_loader_fail(L, &d->origin, "inherits", "unknown entity \"%s\"%s", parent,
                                   orm_loader_suggest(L, parent, orm_loader_entity_names(L)));
    }
    for (size_t i = 0; i < C->ndecls; i++) {
        orm_decl *d = &C->decls[i];
        if (!d->entity) continue;
        int depth = 0;
        for (orm_mapper *p = d->m->inherits; p; p = p->inherits)
            if (++depth > (int)L->s->nmappers || p == d->m)
                return orm_loader_fail(L, &d->origin, "inherits", "inheritance cycle through \"%s\"",
                                       d->m->inherits->name);
        d->depth = depth;
        if (depth > C->maxdepth) C->maxdepth = depth;
    }
    return 0;
}

/* ---- mapper options ---------------------------------------------------------------- */

/* "default_order": the rows' order when a query gives none, checked as ?sort
 * would be (no hidden or write_only column). */
static int parse_default_order(orm_loadctx *C, orm_decl *d)
{
    orm_loader *L = &C->L;
    const char *order;
    if (orm_loader_get_string(L, &d->origin, NULL, d->json, "default_order", &order)) return ORM_E_SCHEMA;
    if (order &&
        orm_loader_check_order(L, &d->origin, "default_order", order, d->m->table, true, &d->m->default_order))
        return ORM_E_SCHEMA;
    return 0;
}

/* "polymorphic_on": a column of the base's table, declared on the base. */
static int parse_polymorphic_on(orm_loadctx *C, orm_decl *d)
{
    orm_loader *L = &C->L;
    const char *col;
    if (orm_loader_get_string(L, &d->origin, NULL, d->json, "polymorphic_on", &col)) return ORM_E_SCHEMA;
    if (!col) return 0;
    if (d->m->inherits)
        return orm_loader_fail(L, &d->origin, "polymorphic_on", "belongs on the base entity (%s)",
                               orm_loader_root(d->m)->name);
    d->m->polymorphic_on = orm_table_column(d->m->table, col);
    if (!d->m->polymorphic_on)
        return orm_loader_fail(L, &d->origin, "polymorphic_on", "table %s has no column \"%s\"",
                               d->m->table->name, col);
    return 0;
}

/* "polymorphic_identity" converted to the discriminator's type, unique in
 * the hierarchy; an inheriting entity must have one. */
static int parse_identity(orm_loadctx *C, orm_decl *d)
{
    orm_loader *L = &C->L;
    orm_mapper *m = d->m, *root = orm_loader_root(m);
    json_t *v = json_object_get(d->json, "polymorphic_identity");
    m->polymorphic_on = root->polymorphic_on;
    if (!v && !m->inherits) return 0;
    if (!root->polymorphic_on)
        return orm_loader_fail(L, &d->origin, v ? "polymorphic_identity" : "inherits",
                               "the base entity %s has no \"polymorphic_on\" column", root->name);
    if (!v) return orm_loader_fail(L, &d->origin, "polymorphic_identity",
                                   "missing (an inheriting entity needs one)");
    if (json_is_null(v)) return orm_loader_fail(L, &d->origin, "polymorphic_identity", "cannot be null");
    if (orm_loader_convert_literal(L, &d->origin, "polymorphic_identity", m->polymorphic_on, v,
                                   &m->polymorphic_identity))
        return ORM_E_SCHEMA;
    m->has_identity = true;
    for (size_t i = 0; i < L->s->nmappers; i++) {
        orm_mapper *o = L->s->mappers[i];
        if (o != m && o->has_identity && orm_loader_root(o) == root &&
            orm_value_eq(&o->polymorphic_identity, &m->polymorphic_identity))
            return orm_loader_fail(L, &d->origin, "polymorphic_identity", "entity %s has the same identity",
                                   o->name);
    }
    return 0;
}

/* Does class o declare column c (a column of its hierarchy's table or
 * span)? A class declares the columns it added to its table (a joined
 * class: its table's own columns, the key aside). */
static bool declares(const orm_decl *o, const orm_column *c)
{
    const orm_column *st = c->storage ? c->storage : c;
    if (st->table != o->store || !o->m->inherits) return false;
    return !(o->joined && st->primary_key) && (size_t)st->index >= o->col_first && (size_t)st->index < o->col_end;
}

/* Columns each mapper of an inheritance hierarchy shows: the base's and
 * those its own line of ancestors added (a Manager does not show an
 * Engineer's columns). Mappers outside hierarchies keep visible = NULL. */
static void mark_visible_columns(orm_loadctx *C)
{
    for (size_t i = 0; i < C->ndecls; i++) {
        orm_decl *d = &C->decls[i];
        if (!d->entity || (!d->m->inherits && !d->m->polymorphic_on)) continue;
        size_t n = d->m->table->ncolumns;
        bool *vis = RM_NEW_ARRAY(C->L.s->arena, bool, n);
        for (size_t k = 0; k < n; k++) vis[k] = true;
        for (size_t j = 0; j < C->ndecls; j++) {
            orm_decl *o = &C->decls[j];
            if (!o->entity || o->m->table != d->m->table || orm_loader_isa(d->m, o->m)) continue;
            for (size_t k = 0; k < n; k++)
                if (declares(o, &d->m->table->columns[k])) vis[k] = false;
        }
        d->m->visible = vis;
    }
}

/* ---- joined-table inheritance --------------------------------------------------------- */

static orm_decl *decl_of(orm_loadctx *C, const orm_mapper *m)
{
    for (size_t i = 0; i < C->ndecls; i++)
        if (C->decls[i].entity && C->decls[i].m == m) return &C->decls[i];
    return NULL;
}

/* A joined table's primary key repeats its parent table's: the same
 * column names in the same order, compatible types, each a foreign_key
 * to the parent's key column. */
static int check_joined_key(orm_loadctx *C, orm_decl *d)
{
    orm_loader *L = &C->L;
    const orm_table *t = d->store, *p = decl_of(C, d->m->inherits)->store;
    if (t->npk != p->npk)
        return orm_loader_fail(L, &d->origin, "columns",
                               "the primary key of %s must repeat its parent table %s's (%zu column%s)",
                               t->name, p->name, p->npk, p->npk == 1 ? "" : "s");
    for (size_t i = 0; i < t->npk; i++) {
        const orm_column *c = t->pk[i], *pc = p->pk[i];
        const char *path = rm_arena_sprintf(L->tmp, "columns.%s", c->name);
        if (strcmp(c->name, pc->name) != 0 || !orm_types_compatible(c->type, pc->type))
            return orm_loader_fail(L, &d->origin, path,
                                   "the primary key of %s must repeat its parent table %s's: key column %zu "
                                   "is %s.%s (%s)", t->name, p->name, i + 1, p->name, pc->name,
                                   orm_type_name(pc->type));
        if (!c->fk || strcmp(c->fk->table_name, p->name) != 0 || strcmp(c->fk->column_name, pc->name) != 0)
            return orm_loader_fail(L, &d->origin, path,
                                   "needs \"foreign_key\": \"%s.%s\" (a joined table's key refers to its "
                                   "parent's)", p->name, pc->name);
    }
    return 0;
}

/* The class that declares column c of the hierarchy being spanned
 * (declares), or NULL for the root's own. */
static const orm_mapper *declarer(orm_loadctx *C, const orm_column *c)
{
    for (size_t i = 0; i < C->ndecls; i++)
        if (C->decls[i].entity && declares(&C->decls[i], c)) return C->decls[i].m;
    return NULL;
}

/* Add level lt's columns (its key too when it is the root) to span v. A
 * class may not declare a column an ancestor of it declares; classes of
 * other branches may (Engineer.status and Manager.status in their own
 * tables: orm_mapper_column finds each class its own). */
static int add_level(orm_loadctx *C, orm_table *v, orm_decl *d, orm_table *lt)
{
    v->levels[v->nlevels] = lt;
    v->level_owner[v->nlevels++] = d->m;
    lt->span = v;
    for (size_t i = 0; i < lt->ncolumns; i++) {
        const orm_column *src = &lt->columns[i];
        if (v->nlevels > 1 && src->primary_key) continue;
        const orm_mapper *mine = declarer(C, src);
        for (size_t k = 0; k < v->ncolumns; k++) {
            const orm_column *had = &v->columns[k];
            const orm_mapper *theirs = declarer(C, had);
            if (strcmp(had->name, src->name) != 0) continue;
            if (!theirs || !mine || orm_loader_isa(mine, theirs) || orm_loader_isa(theirs, mine))
                return orm_loader_fail(&C->L, mine ? &decl_of(C, mine)->origin : &d->origin,
                                       rm_arena_sprintf(C->L.tmp, "columns.%s", src->name),
                                       "%s already declares a column of that name (table %s)",
                                       theirs ? theirs->name : v->levels[0]->mapper->name,
                                       had->storage->table->name);
        }
        orm_column *c = &v->columns[v->ncolumns];
        *c = *src;
        c->table = v;
        c->index = (int)v->ncolumns++;
        c->storage = src;
    }
    return 0;
}

/* The span of root's hierarchy when some class below it has a table of
 * its own: the levels root first (by depth, then declaration order), and
 * every class of the hierarchy mapped to it. */
static int build_span(orm_loadctx *C, orm_decl *root)
{
    orm_schema *s = C->L.s;
    size_t nlev = 1, ncol = root->store->ncolumns;
    for (size_t i = 0; i < C->ndecls; i++) {
        orm_decl *d = &C->decls[i];
        if (!d->entity || !d->joined || orm_loader_root(d->m) != root->m) continue;
        nlev++;
        ncol += d->store->ncolumns;
    }
    if (nlev == 1) return 0;
    for (size_t i = 0; i < C->ndecls; i++) {
        orm_decl *d = &C->decls[i];
        if (d->entity && d->joined && orm_loader_root(d->m) == root->m &&
            orm_loader_tdecl(&C->L, d->store)->version_index >= 0)
            return orm_loader_fail(&C->L, &d->origin, "columns",
                                   "the version column of a joined hierarchy belongs in its root table (%s)",
                                   root->store->name);
    }
    orm_table *v = RM_NEW(s->arena, orm_table);
    v->name = root->store->name;
    v->source = root->store->source;
    v->mapper = root->m;
    v->columns = RM_NEW_ARRAY(s->arena, orm_column, ncol);
    v->levels = RM_NEW_ARRAY(s->arena, orm_table *, nlev);
    v->level_owner = RM_NEW_ARRAY(s->arena, const orm_mapper *, nlev);
    if (add_level(C, v, root, root->store)) return ORM_E_SCHEMA;
    for (int depth = 1; depth <= C->maxdepth; depth++)
        for (size_t i = 0; i < C->ndecls; i++) {
            orm_decl *d = &C->decls[i];
            if (!d->entity || !d->joined || d->depth != depth || orm_loader_root(d->m) != root->m) continue;
            if (check_joined_key(C, d) || add_level(C, v, d, d->store)) return ORM_E_SCHEMA;
        }
    v->npk = root->store->npk;
    v->pk = RM_NEW_ARRAY(s->arena, orm_column *, v->npk);
    for (size_t i = 0; i < v->npk; i++) v->pk[i] = &v->columns[root->store->pk[i]->index];
    for (size_t i = 0; i < C->ndecls; i++)
        if (C->decls[i].entity && orm_loader_root(C->decls[i].m) == root->m) C->decls[i].m->table = v;
    return 0;
}

/* The column of m's table stored as `stored` (itself outside spans). */
static orm_column *mapped_column(const orm_mapper *m, orm_column *stored)
{
    return stored && m->table->levels ? orm_table_stored(m->table, stored) : stored;
}

int orm_loader_bind_spans(orm_loader *L)
{
    orm_schema *s = L->s;
    for (size_t i = 0; i < s->ntables; i++) {
        orm_table *t = s->tables[i];
        for (size_t k = 0; k < t->ncolumns; k++) {
            orm_column *c = &t->columns[k];
            if (!c->fk || !c->fk->table->span) continue;
            orm_table *v = c->fk->table->span;
            if (t->span == v && c->primary_key) continue; /* a level's key: its parent's table */
            orm_column *to = orm_table_column(v, c->fk->column->name);
            if (!to) continue; /* a level's own unique column: the table itself */
            c->fk->stored = c->fk->column;
            c->fk->table = v;
            c->fk->column = to;
        }
    }
    return 0;
}

/* Each class's identities, its own and its descendants', and its
 * descendants, in declaration order (a query on a class reaches its
 * subclasses' rows too). */
static void collect_identities(orm_loadctx *C)
{
    orm_schema *s = C->L.s;
    for (size_t k = 0; k < s->nmappers; k++) {
        orm_mapper *a = s->mappers[k];
        if (!a->has_identity) continue;
        size_t n = 0;
        for (size_t i = 0; i < s->nmappers; i++) n += s->mappers[i]->has_identity && orm_loader_isa(s->mappers[i], a);
        orm_value *ids = RM_NEW_ARRAY(s->arena, orm_value, n);
        a->nidentities = 0;
        for (size_t i = 0; i < s->nmappers; i++)
            if (s->mappers[i]->has_identity && orm_loader_isa(s->mappers[i], a))
                ids[a->nidentities++] = s->mappers[i]->polymorphic_identity;
        a->identities = ids;
    }
    for (size_t k = 0; k < s->nmappers; k++) {
        orm_mapper *a = s->mappers[k];
        size_t n = 0;
        for (size_t i = 0; i < s->nmappers; i++) n += s->mappers[i] != a && orm_loader_isa(s->mappers[i], a);
        if (!n) continue;
        orm_mapper **below = RM_NEW_ARRAY(s->arena, orm_mapper *, n);
        for (size_t i = 0; i < s->nmappers; i++)
            if (s->mappers[i] != a && orm_loader_isa(s->mappers[i], a)) below[a->ndescendants++] = s->mappers[i];
        a->descendants = below;
    }
}

int orm_loader_build_mappers(orm_loadctx *C)
{
    for (size_t i = 0; i < C->ndecls; i++)
        if (C->decls[i].entity && C->decls[i].store && !C->decls[i].m->inherits && build_span(C, &C->decls[i]))
            return ORM_E_SCHEMA;
    for (size_t i = 0; i < C->ndecls; i++) {
        orm_decl *d = &C->decls[i];
        if (!d->entity) continue;
        if (parse_default_order(C, d) || parse_polymorphic_on(C, d)) return ORM_E_SCHEMA;
        orm_tdecl *td = orm_loader_tdecl(&C->L, d->m->table->levels ? d->m->table->levels[0]
                                                : d->store                ? d->store
                                                                          : d->m->table /* a projection */);
        d->m->version_col = mapped_column(d->m, td->version_index >= 0 ? &td->table->columns[td->version_index] : NULL);
    }
    for (size_t i = 0; i < C->ndecls; i++)
        if (C->decls[i].entity && parse_identity(C, &C->decls[i])) return ORM_E_SCHEMA;
    collect_identities(C);
    mark_visible_columns(C);
    return 0;
}

/* ---- relationship options ---------------------------------------------------------- */

static const char *const relationship_keys[] = {
    "target", "back_populates", "secondary", "uselist", "remote_side", "join", "order_by",
    "cascade", "lazy", "viewonly", "passive_deletes", NULL};
static const char *const join_keys[] = {"local", "remote", "where", NULL};
static const char *const lazy_names[] = {
#define X(n, s) s,
    ORM_LAZY_KINDS(X)
#undef X
    NULL};

/* "save-update, merge, delete, delete-orphan, all" → ORM_CASCADE_* bits. */
static int parse_cascade(orm_loader *L, const orm_origin *o, const char *path, const char *text,
                         unsigned *out)
{
    static const char *const words[] = {"save-update", "merge", "delete", "delete-orphan", "all", NULL};
    static const unsigned bits[] = {ORM_CASCADE_SAVE_UPDATE, ORM_CASCADE_MERGE, ORM_CASCADE_DELETE,
                                    ORM_CASCADE_DELETE_ORPHAN, ORM_CASCADE_ALL};
    const char *p = text;
    *out = 0;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ' ') p++;
        if (p == start) break;
        char *word = rm_arena_strndup(L->tmp, start, (size_t)(p - start));
        size_t k;
        for (k = 0; words[k] && strcmp(words[k], word) != 0; k++) {}
        if (!words[k])
            return orm_loader_fail(L, o, path, "unknown cascade \"%s\"%s (one of %s)", word,
                                   orm_loader_suggest(L, word, words), orm_loader_list_text(L, words));
        *out |= bits[k];
    }
    return 0;
}

static int parse_lazy(orm_loader *L, const orm_origin *o, const char *p, json_t *obj, orm_lazy *out)
{
    const char *text;
    *out = ORM_LAZY_SELECT;
    if (orm_loader_get_string(L, o, p, obj, "lazy", &text)) return ORM_E_SCHEMA;
    if (!text) return 0;
    for (int k = 0; lazy_names[k]; k++)
        if (strcmp(lazy_names[k], text) == 0) {
            *out = (orm_lazy)k;
            return 0;
        }
    return orm_loader_fail(L, o, orm_loader_subpath(L, p, "lazy"),
                           "unknown loader \"%s\"%s (one of %s)", text,
                           orm_loader_suggest(L, text, lazy_names), orm_loader_list_text(L, lazy_names));
}

/* "join": {"local": [...], "remote": [...], "where": {filter}}. */
static int parse_join(orm_loader *L, const orm_origin *o, const char *p, json_t *obj, orm_relspec *rs)
{
    json_t *j = json_object_get(obj, "join"), *v;
    const char *jp = orm_loader_subpath(L, p, "join");
    if (!j) return 0;
    if (!json_is_object(j))
        return orm_loader_fail(L, o, jp, "must be an object with \"local\" and \"remote\"");
    if (orm_loader_check_keys(L, o, jp, j, join_keys)) return ORM_E_SCHEMA;
    rs->has_join = true;
    rs->rel->custom_join = true;
    for (int i = 0; i < 2; i++) {
        const char *key = i ? "remote" : "local";
        if (!(v = json_object_get(j, key)))
            return orm_loader_fail(L, o, orm_loader_subpath(L, jp, key), "missing");
        if (orm_loader_get_name_list(L, o, orm_loader_subpath(L, jp, key), v,
                                     i ? &rs->join_remote : &rs->join_local,
                                     i ? &rs->njoin_remote : &rs->njoin_local))
            return ORM_E_SCHEMA;
    }
    if (orm_loader_get_object(L, o, jp, j, "where", &rs->rel->join_where)) return ORM_E_SCHEMA;
    return 0;
}

static orm_relspec *add_relspec(orm_loader *L)
{
    if (L->nrels == L->caprels) {
        size_t ncap = L->caprels ? L->caprels * 2 : 16;
        L->rels = rm_arena_realloc(L->tmp, L->rels, L->caprels * sizeof *L->rels, ncap * sizeof *L->rels);
        L->caprels = ncap;
    }
    orm_relspec *rs = &L->rels[L->nrels++];
    memset(rs, 0, sizeof *rs);
    return rs;
}

/* One relationship's options; direction and columns come in relationship.c. */
static int parse_relationship(orm_loader *L, orm_decl *d, const char *name, json_t *obj)
{
    const char *p = rm_arena_sprintf(L->tmp, "relationships.%s", name), *s;
    orm_mapper *m = d->m;
    json_t *v;
    if (!orm_loader_is_ident(name))
        return orm_loader_fail(L, &d->origin, p,
                               "not a valid name (letters, digits and _, not starting with a digit)");
    if (orm_table_column(m->table, name))
        return orm_loader_fail(L, &d->origin, p,
                               "table %s already has a column of that name", m->table->name);
    if (!json_is_object(obj)) return orm_loader_fail(L, &d->origin, p, "must be an object");
    if (orm_loader_check_keys(L, &d->origin, p, obj, relationship_keys)) return ORM_E_SCHEMA;
    orm_relationship *r = &m->relationships[m->nrelationships++];
    orm_relspec *rs = add_relspec(L);
    rs->rel = r;
    rs->origin = d->origin;
    r->name = rm_arena_strdup(L->s->arena, name);
    r->parent = m;
    r->cascade = ORM_CASCADE_SAVE_UPDATE | ORM_CASCADE_MERGE;
    if (orm_loader_get_string(L, &d->origin, p, obj, "target", &rs->target_name)) return ORM_E_SCHEMA;
    if (!rs->target_name)
        return orm_loader_fail(L, &d->origin, orm_loader_subpath(L, p, "target"),
                               "missing (the target entity)");
    if (orm_loader_get_string(L, &d->origin, p, obj, "back_populates", &s)) return ORM_E_SCHEMA;
    r->back_populates = s ? rm_arena_strdup(L->s->arena, s) : NULL;
    if (orm_loader_get_string(L, &d->origin, p, obj, "secondary", &rs->secondary_name) ||
        orm_loader_get_bool(L, &d->origin, p, obj, "uselist", &rs->uselist) ||
        parse_join(L, &d->origin, p, obj, rs) || parse_lazy(L, &d->origin, p, obj, &r->lazy) ||
        orm_loader_get_string(L, &d->origin, p, obj, "order_by", &s) ||
        orm_loader_get_bool(L, &d->origin, p, obj, "viewonly", &r->viewonly) ||
        orm_loader_get_bool(L, &d->origin, p, obj, "passive_deletes", &r->passive_deletes))
        return ORM_E_SCHEMA;
    rs->has_uselist = json_object_get(obj, "uselist") != NULL;
    rs->has_cascade = json_object_get(obj, "cascade") != NULL;
    if (r->viewonly && rs->has_cascade)
        return orm_loader_fail(L, &d->origin, orm_loader_subpath(L, p, "cascade"),
                               "a viewonly relationship writes nothing, so it cascades nothing");
    r->order_by = s; /* checked against the target's columns once it is known */
    if ((v = json_object_get(obj, "remote_side")) &&
        orm_loader_get_name_list(L, &d->origin, orm_loader_subpath(L, p, "remote_side"), v, &rs->remote_side,
                                 &rs->nremote_side))
        return ORM_E_SCHEMA;
    if ((v = json_object_get(obj, "cascade"))) {
        if (!json_is_string(v))
            return orm_loader_fail(L, &d->origin, orm_loader_subpath(L, p, "cascade"),
                                   "must be a string such as \"all, delete-orphan\"");
        if (parse_cascade(L, &d->origin, orm_loader_subpath(L, p, "cascade"), json_string_value(v),
                          &r->cascade))
            return ORM_E_SCHEMA;
    }
    if (r->viewonly) r->cascade = 0;
    return 0;
}

int orm_loader_each_member(orm_loadctx *C, const char *key, orm_members_fn start, orm_member_fn each)
{
    orm_loader *L = &C->L;
    for (size_t i = 0; i < C->ndecls; i++) {
        orm_decl *d = &C->decls[i];
        json_t *obj, *v;
        const char *name;
        if (!d->entity) continue;
        if (orm_loader_get_object(L, &d->origin, NULL, d->json, key, &obj)) return ORM_E_SCHEMA;
        if (!obj) continue;
        start(L, d, json_object_size(obj));
        json_object_foreach(obj, name, v) {
            if (each(L, d, name, v)) return ORM_E_SCHEMA;
        }
    }
    return 0;
}

static void start_relationships(orm_loader *L, orm_decl *d, size_t n)
{
    d->m->relationships = RM_NEW_ARRAY(L->s->arena, orm_relationship, n);
}

int orm_loader_build_relationships(orm_loadctx *C)
{
    orm_loader *L = &C->L;
    if (orm_loader_each_member(C, "relationships", start_relationships, parse_relationship)) return ORM_E_SCHEMA;
    /* a child's relationship may not hide one it inherits */
    for (size_t i = 0; i < L->nrels; i++) {
        orm_relationship *r = L->rels[i].rel;
        if (r->parent->inherits && orm_mapper_relationship(r->parent->inherits, r->name))
            return orm_loader_fail(L, &L->rels[i].origin, rm_arena_sprintf(L->tmp, "relationships.%s", r->name),
                                   "entity %s already has a relationship of that name",
                                   orm_mapper_relationship(r->parent->inherits, r->name)->parent->name);
    }
    return 0;
}
