/* relationship.c: the resolution phases of schema loading, run by
 * schema_load.c once every table, column and mapper exists
 * (schema_columns.c and schema_mappers.c build them): foreign keys are
 * bound to the columns they reference, tables are put in dependency order
 * (referenced first, as metadata.create_all() does), and each relationship
 * gets its direction and join columns the way SQLAlchemy infers them from
 * foreign keys (or from "secondary", "join" and "remote_side"), then its
 * back_populates partner. Errors name the file, the entity or table and
 * the key, like every schema error (schema_loader.c). */
#include <string.h>

#include "orm/schema_load_int.h"

/* ---- foreign keys ------------------------------------------------------------------ */

static const char *const *table_names(orm_loader *L)
{
    const char **names = RM_NEW_ARRAY(L->tmp, const char *, L->ntables + 1);
    for (size_t i = 0; i < L->ntables; i++) names[i] = L->tables[i].table->name;
    return names;
}

/* Bind c's foreign key: the table and column exist, the column is a key
 * (primary or unique) and its type fits c's. */
static int resolve_fk(orm_loader *L, orm_tdecl *td, orm_column *c)
{
    orm_foreign_key *fk = c->fk;
    const orm_origin *o = &td->info[c->index].origin;
    const char *path = rm_arena_sprintf(L->tmp, "columns.%s.foreign_key", c->name);
    fk->table = rm_strmap_get(&L->s->tables_by_name, fk->table_name);
    if (!fk->table)
        return orm_loader_fail(L, o, path, "unknown table \"%s\"%s", fk->table_name,
                               orm_loader_suggest(L, fk->table_name, table_names(L)));
    fk->column = orm_table_column(fk->table, fk->column_name);
    if (!fk->column)
        return orm_loader_fail(L, o, path, "table %s has no column \"%s\"", fk->table_name, fk->column_name);
    if (fk->column->primary_key && !fk->column->unique && fk->table->npk > 1)
        return orm_loader_fail(L, o, path,
                               "%s.%s is one column of a composite primary key: a foreign key to it names all "
                               "of them (\"foreign_keys\" on the table)", fk->table_name, fk->column_name);
    if (!fk->column->primary_key && !fk->column->unique)
        return orm_loader_fail(L, o, path, "%s.%s is neither a primary key nor unique", fk->table_name,
                               fk->column_name);
    if (!orm_types_compatible(c->type, fk->column->type))
        return orm_loader_fail(L, o, path, "type %s does not match %s.%s (%s)", orm_type_name(c->type),
                               fk->table_name, fk->column_name, orm_type_name(fk->column->type));
    return 0;
}

int orm_loader_resolve_foreign_keys(orm_loader *L)
{
    for (size_t i = 0; i < L->ntables; i++) {
        orm_tdecl *td = &L->tables[i];
        for (size_t k = 0; k < td->table->ncolumns; k++)
            if (td->table->columns[k].fk && resolve_fk(L, td, &td->table->columns[k])) return ORM_E_SCHEMA;
    }
    return 0;
}

/* ---- dependency order ---------------------------------------------------------------- */

static size_t table_index(const orm_loader *L, const orm_table *t)
{
    size_t i = 0;
    while (i < L->ntables && L->tables[i].table != t) i++;
    return i;
}

/* Every table that table i references (itself aside) is placed already. */
static bool ready(const orm_loader *L, size_t i, const bool *placed)
{
    const orm_table *t = L->tables[i].table;
    for (size_t k = 0; k < t->ncolumns; k++) {
        const orm_foreign_key *fk = t->columns[k].fk;
        if (fk && fk->table != t && !placed[table_index(L, fk->table)]) return false;
    }
    for (size_t k = 0; k < t->nfkeys; k++)
        if (t->fkeys[k].table != t && !placed[table_index(L, t->fkeys[k].table)]) return false;
    return true;
}

/* Referenced tables first; among the ready ones, declaration order; a
 * cycle is broken by taking the first unplaced table in declaration order. */
int orm_loader_sort_tables(orm_loader *L)
{
    orm_schema *s = L->s;
    bool *placed = RM_NEW_ARRAY(L->tmp, bool, L->ntables);
    s->tables = RM_NEW_ARRAY(s->arena, orm_table *, L->ntables);
    s->ntables = 0;
    while (s->ntables < L->ntables) {
        size_t pick = L->ntables, first = L->ntables;
        for (size_t i = 0; i < L->ntables && pick == L->ntables; i++) {
            if (placed[i]) continue;
            if (first == L->ntables) first = i;
            if (ready(L, i, placed)) pick = i;
        }
        if (pick == L->ntables) pick = first;
        placed[pick] = true;
        s->tables[s->ntables++] = L->tables[pick].table;
    }
    return 0;
}

/* ---- join paths ------------------------------------------------------------------- */

/* Foreign-key columns of `from` referencing `to`, with the columns they
 * reference. */
typedef struct fkpath {
    orm_column **fk;     /* in `from` */
    orm_column **ref;    /* in `to` */
    size_t n;
    int paths;           /* 0 none, 1 one path, 2 several (ambiguous) */
    bool composite;      /* the path is a table-level "foreign_keys" entry */
} fkpath;

/* Does the table-level foreign key fk (of `from` or, when `from` is a
 * span, of one of its levels) refer to `to` (a joined-table hierarchy's
 * level counts as its span, as orm_loader_bind_spans points per-column
 * ones at it)? Then cols / refs: its columns as `from`'s and `to`'s. A
 * level's key referring to its parent level is no path (it is the span's
 * own join). The DDL keeps fk as it is: the database tables. */
static bool span_fkey(orm_loader *L, const orm_table *from, const orm_table *to, const orm_fkey *fk,
                      orm_column ***cols, orm_column ***refs)
{
    const orm_table *target = fk->table->span ? fk->table->span : fk->table;
    if (target != to) return false;
    if (!from->levels && !to->levels) {
        *cols = fk->columns;
        *refs = fk->ref_columns;
        return true;
    }
    bool level_key = from == to;
    for (size_t i = 0; i < fk->n && level_key; i++) level_key = fk->columns[i]->primary_key;
    if (level_key) return false;
    *cols = RM_NEW_ARRAY(L->s->arena, orm_column *, fk->n);
    *refs = RM_NEW_ARRAY(L->s->arena, orm_column *, fk->n);
    for (size_t i = 0; i < fk->n; i++) {
        (*cols)[i] = orm_table_stored(from, fk->columns[i]);
        (*refs)[i] = orm_table_stored(to, fk->ref_columns[i]);
        if (!(*cols)[i] || !(*refs)[i]) return false;
    }
    return true;
}

/* One path when there is a single FK column, or one table-level composite
 * foreign key ("foreign_keys"), or several FK columns that reference
 * distinct columns making up `to`'s whole primary key; anything else (two
 * FKs to users.id, a column FK and a composite one, say) is several paths. */
static fkpath find_paths(orm_loader *L, const orm_table *from, const orm_table *to)
{
    fkpath p = {0};
    p.fk = RM_NEW_ARRAY(L->s->arena, orm_column *, from->ncolumns);
    p.ref = RM_NEW_ARRAY(L->s->arena, orm_column *, from->ncolumns);
    for (size_t i = 0; i < from->ncolumns; i++) {
        orm_column *c = &from->columns[i];
        if (c->fk && c->fk->table == to) {
            p.fk[p.n] = c;
            p.ref[p.n++] = c->fk->column;
        }
    }
    /* a composite foreign key is one path; a span's are its levels' */
    size_t nowners = from->levels ? from->nlevels : 1;
    for (size_t l = 0; l < nowners; l++) {
        const orm_table *owner = from->levels ? from->levels[l] : from;
        for (size_t k = 0; k < owner->nfkeys; k++) {
            const orm_fkey *fk = &owner->fkeys[k];
            orm_column **cols, **refs;
            if (!span_fkey(L, from, to, fk, &cols, &refs)) continue;
            if (p.n || p.paths) {
                p.paths = 2;
                return p;
            }
            p.fk = cols;
            p.ref = refs;
            p.paths = 1;
            p.composite = true;
            p.n = fk->n;
        }
    }
    if (p.composite) return p;
    if (p.n <= 1) {
        p.paths = (int)p.n;
        return p;
    }
    p.paths = 1;
    if (p.n != to->npk) p.paths = 2;
    for (size_t i = 0; i < p.n && p.paths == 1; i++) {
        if (!p.ref[i]->primary_key) p.paths = 2;
        for (size_t k = 0; k < i; k++)
            if (p.ref[k] == p.ref[i]) p.paths = 2;
    }
    return p;
}

/* The same columns in any order. */
static bool same_set(orm_column *const *a, orm_column *const *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < n && b[k] != a[i]) k++;
        if (k == n) return false;
    }
    return true;
}

/* Column names → columns of t (schema arena); unknown names are errors at path. */
static int columns_of(orm_loader *L, const orm_origin *o, const char *path, const orm_table *t,
                      const char **names, size_t n, orm_column ***out)
{
    *out = RM_NEW_ARRAY(L->s->arena, orm_column *, n);
    for (size_t i = 0; i < n; i++) {
        (*out)[i] = orm_table_column(t, names[i]);
        if (!(*out)[i]) return orm_loader_fail(L, o, path, "table %s has no column \"%s\"", t->name, names[i]);
    }
    return 0;
}

static void set_pairs(orm_relationship *r, orm_direction d, orm_column **local, orm_column **remote, size_t n)
{
    r->direction = d;
    r->local = local;
    r->remote = remote;
    r->npairs = n;
}

static const char *rpath(orm_loader *L, const orm_relspec *rs, const char *key)
{
    return key ? rm_arena_sprintf(L->tmp, "relationships.%s.%s", rs->rel->name, key)
               : rm_arena_sprintf(L->tmp, "relationships.%s", rs->rel->name);
}

static int ambiguous(orm_loader *L, const orm_relspec *rs, const char *key, const orm_table *a,
                     const orm_table *b)
{
    return orm_loader_fail(L, &rs->origin, rpath(L, rs, key),
                           "ambiguous join path between %s and %s: give \"join\"", a->name, b->name);
}

static int no_path(orm_loader *L, const orm_relspec *rs, const orm_table *a, const orm_table *b)
{
    return orm_loader_fail(L, &rs->origin, rpath(L, rs, NULL),
                           "no foreign key path between %s and %s: give \"join\"", a->name, b->name);
}

/* Secondary columns named in a many-to-many "join" side: each must be a
 * foreign key to table `to`; *ref gets the columns they reference. */
static int secondary_side(orm_loader *L, const orm_relspec *rs, const char *key, const orm_table *sec,
                          const orm_table *to, const char **names, size_t n, orm_column ***cols,
                          orm_column ***ref)
{
    const char *path = rpath(L, rs, key);
    if (columns_of(L, &rs->origin, path, sec, names, n, cols)) return ORM_E_SCHEMA;
    *ref = RM_NEW_ARRAY(L->s->arena, orm_column *, n);
    for (size_t i = 0; i < n; i++) {
        orm_column *c = (*cols)[i];
        if (!c->fk || c->fk->table != to)
            return orm_loader_fail(L, &rs->origin, path, "%s.%s is not a foreign key to %s", sec->name,
                                   c->name, to->name);
        (*ref)[i] = c->fk->column;
    }
    return 0;
}

/* Many-to-many through "secondary". Without "join" the association
 * table's foreign keys give both sides; a self-referential one needs
 * "join", whose "local"/"remote" then name the secondary's columns that
 * refer to the parent and to the target. */
static int resolve_secondary(orm_loader *L, orm_relspec *rs, const orm_table *P, const orm_table *T)
{
    orm_relationship *r = rs->rel;
    const char *path = rpath(L, rs, "secondary");
    orm_table *S = rm_strmap_get(&L->s->tables_by_name, rs->secondary_name);
    orm_column **local, **remote, **sec_local, **sec_remote;
    size_t nl, nr;
    if (!S) return orm_loader_fail(L, &rs->origin, path, "unknown table \"%s\"%s", rs->secondary_name,
                                   orm_loader_suggest(L, rs->secondary_name, table_names(L)));
    if (S == P || S == T)
        return orm_loader_fail(L, &rs->origin, path, "must be an association table, not the %s table itself",
                               S == P ? "parent" : "target");
    if (rs->has_join) {
        if (secondary_side(L, rs, "join.local", S, P, rs->join_local, rs->njoin_local, &sec_local, &local) ||
            secondary_side(L, rs, "join.remote", S, T, rs->join_remote, rs->njoin_remote, &sec_remote, &remote))
            return ORM_E_SCHEMA;
        nl = rs->njoin_local;
        nr = rs->njoin_remote;
    } else {
        if (P == T)
            return orm_loader_fail(L, &rs->origin, path,
                                   "ambiguous join path between %s and %s through %s: give \"join\"", P->name,
                                   T->name, S->name);
        fkpath a = find_paths(L, S, P), b = find_paths(L, S, T);
        if (!a.paths || !b.paths)
            return orm_loader_fail(L, &rs->origin, path, "table %s has no foreign key to %s", S->name,
                                   (!a.paths ? P : T)->name);
        if (a.paths > 1 || b.paths > 1)
            return orm_loader_fail(L, &rs->origin, path,
                                   "ambiguous join path between %s and %s through %s: give \"join\"", P->name,
                                   T->name, S->name);
        local = a.ref, sec_local = a.fk, nl = a.n;
        remote = b.ref, sec_remote = b.fk, nr = b.n;
    }
    if (nl != nr)
        return orm_loader_fail(L, &rs->origin, path,
                               "keys of different sizes on the two sides of %s are not supported", S->name);
    r->secondary = S;
    r->sec_local = sec_local;
    r->sec_remote = sec_remote;
    set_pairs(r, ORM_MANY_TO_MANY, local, remote, nl);
    return 0;
}

/* Custom "join": local columns of the parent, remote columns of the target;
 * many-to-one when the remote columns are the target's whole primary key. */
static int resolve_join(orm_loader *L, orm_relspec *rs, const orm_table *P, const orm_table *T)
{
    orm_column **local, **remote;
    size_t n = rs->njoin_local;
    if (n != rs->njoin_remote)
        return orm_loader_fail(L, &rs->origin, rpath(L, rs, "join"),
                               "\"local\" and \"remote\" must name as many columns (%zu and %zu)", n,
                               rs->njoin_remote);
    if (columns_of(L, &rs->origin, rpath(L, rs, "join.local"), P, rs->join_local, n, &local) ||
        columns_of(L, &rs->origin, rpath(L, rs, "join.remote"), T, rs->join_remote, n, &remote))
        return ORM_E_SCHEMA;
    for (size_t i = 0; i < n; i++)
        if (!orm_types_compatible(local[i]->type, remote[i]->type))
            return orm_loader_fail(L, &rs->origin, rpath(L, rs, "join"),
                                   "%s.%s (%s) and %s.%s (%s) have different types", P->name, local[i]->name,
                                   orm_type_name(local[i]->type), T->name, remote[i]->name,
                                   orm_type_name(remote[i]->type));
    bool to_key = n == T->npk && same_set(T->pk, remote, n);
    set_pairs(rs->rel, to_key ? ORM_MANY_TO_ONE : ORM_ONE_TO_MANY, local, remote, n);
    return 0;
}

/* Self-referential (adjacency list): one-to-many unless remote_side names
 * the referenced key column(s), which makes it many-to-one. */
static int resolve_self(orm_loader *L, orm_relspec *rs, const orm_table *P)
{
    fkpath p = find_paths(L, P, P);
    orm_column **side;
    if (!p.paths) return no_path(L, rs, P, P);
    if (p.paths > 1) return ambiguous(L, rs, NULL, P, P);
    if (!rs->nremote_side) {
        set_pairs(rs->rel, ORM_ONE_TO_MANY, p.ref, p.fk, p.n);
        return 0;
    }
    const char *path = rpath(L, rs, "remote_side");
    if (columns_of(L, &rs->origin, path, P, rs->remote_side, rs->nremote_side, &side)) return ORM_E_SCHEMA;
    if (rs->nremote_side == p.n && same_set(side, p.ref, p.n)) {
        set_pairs(rs->rel, ORM_MANY_TO_ONE, p.fk, p.ref, p.n);
        return 0;
    }
    if (rs->nremote_side == p.n && same_set(side, p.fk, p.n)) {
        set_pairs(rs->rel, ORM_ONE_TO_MANY, p.ref, p.fk, p.n);
        return 0;
    }
    return orm_loader_fail(L, &rs->origin, path,
                           "must name the referenced column(s) (many-to-one, e.g. \"%s\") or the foreign key "
                           "column(s) (one-to-many, e.g. \"%s\")",
                           p.ref[0]->name, p.fk[0]->name);
}

/* Two different tables: the direction of the single foreign-key path. */
static int resolve_fks(orm_loader *L, orm_relspec *rs, const orm_table *P, const orm_table *T)
{
    fkpath fwd = find_paths(L, P, T), back = find_paths(L, T, P);
    if ((fwd.paths && back.paths) || fwd.paths > 1 || back.paths > 1) return ambiguous(L, rs, NULL, P, T);
    if (fwd.paths) set_pairs(rs->rel, ORM_MANY_TO_ONE, fwd.fk, fwd.ref, fwd.n);
    else if (back.paths) set_pairs(rs->rel, ORM_ONE_TO_MANY, back.ref, back.fk, back.n);
    else return no_path(L, rs, P, T);
    return 0;
}

/* The ON DELETE action of the foreign key that makes column c refer to
 * ref: its own "foreign_key", or the table-level one that pairs them. */
static orm_on_delete on_delete_of(const orm_column *c, const orm_column *ref)
{
    if (c->fk) return c->fk->on_delete;
    /* a span's columns: the foreign key is their stored columns' */
    const orm_column *sc = c->storage ? c->storage : c, *sref = ref->storage ? ref->storage : ref;
    for (size_t k = 0; k < sc->table->nfkeys; k++) {
        const orm_fkey *fk = &sc->table->fkeys[k];
        for (size_t i = 0; i < fk->n; i++)
            if (fk->columns[i] == sc && fk->ref_columns[i] == sref) return fk->on_delete;
    }
    return ORM_FK_NO_ACTION;
}

/* passive_deletes: on a one-to-many (or one-to-one) whose foreign key's ON
 * DELETE does the work the flush then leaves to it. */
static int check_passive_deletes(orm_loader *L, orm_relspec *rs)
{
    orm_relationship *r = rs->rel;
    const char *path = rpath(L, rs, "passive_deletes");
    if (!r->passive_deletes) return 0;
    if (r->direction != ORM_ONE_TO_MANY)
        return orm_loader_fail(L, &rs->origin, path, "only for a one-to-many or one-to-one relationship, not %s",
                               orm_direction_name(r->direction));
    for (size_t k = 0; k < r->npairs; k++) {
        const orm_column *fk = r->remote[k];
        orm_on_delete act = on_delete_of(fk, r->local[k]);
        if (act != ORM_FK_CASCADE && act != ORM_FK_SET_NULL)
            return orm_loader_fail(L, &rs->origin, path,
                                   "%s.%s has no \"on_delete\": \"cascade\" or \"set null\" to leave the rows to",
                                   fk->table->name, fk->name);
        if (act == ORM_FK_SET_NULL && (r->cascade & ORM_CASCADE_DELETE))
            return orm_loader_fail(L, &rs->origin, path,
                                   "%s.%s is \"set null\" on delete, but the relationship cascades the delete",
                                   fk->table->name, fk->name);
    }
    return 0;
}

/* A writable many-to-many may not go through an entity's table: the
 * entity's own relationships write those rows too (an association
 * object), and two writers of one row disagree. */
static int check_secondary(orm_loader *L, orm_relspec *rs)
{
    orm_relationship *r = rs->rel;
    if (r->direction != ORM_MANY_TO_MANY || r->viewonly) return 0;
    const orm_mapper *owner = NULL;
    for (size_t i = 0; i < L->s->nmappers && !owner; i++)
        if (L->s->mappers[i]->table == r->secondary) owner = L->s->mappers[i];
    if (!owner) return 0;
    const orm_relationship *other = NULL;
    for (size_t i = 0; i < L->nrels && !other; i++)
        if (L->rels[i].rel->target->table == r->secondary && !L->rels[i].rel->viewonly) other = L->rels[i].rel;
    if (other)
        return orm_loader_fail(L, &rs->origin, rpath(L, rs, "secondary"),
                               "%s is the table of entity %s, whose rows %s.%s writes too: make %s.%s "
                               "\"viewonly\": true",
                               r->secondary->name, owner->name, other->parent->name, other->name, r->parent->name,
                               r->name);
    return orm_loader_fail(L, &rs->origin, rpath(L, rs, "secondary"),
                           "%s is the table of entity %s: make %s.%s \"viewonly\": true", r->secondary->name,
                           owner->name, r->parent->name, r->name);
}

/* uselist, cascade, lazy and order_by once the direction is known. */
static int check_options(orm_loader *L, orm_relspec *rs)
{
    orm_relationship *r = rs->rel;
    r->uselist = r->direction != ORM_MANY_TO_ONE;
    if (rs->has_uselist) {
        if (rs->uselist && r->direction == ORM_MANY_TO_ONE)
            return orm_loader_fail(L, &rs->origin, rpath(L, rs, "uselist"),
                                   "a many-to-one relationship refers to one object");
        r->uselist = rs->uselist;
    }
    if ((r->cascade & ORM_CASCADE_DELETE_ORPHAN) && r->direction != ORM_ONE_TO_MANY)
        return orm_loader_fail(L, &rs->origin, rpath(L, rs, "cascade"),
                               "delete-orphan on a %s relationship (only one-to-many can own its children)",
                               orm_direction_name(r->direction));
    if (r->lazy == ORM_LAZY_DYNAMIC && !r->uselist)
        return orm_loader_fail(L, &rs->origin, rpath(L, rs, "lazy"),
                               "\"dynamic\" needs a collection (this relationship refers to one object)");
    if (r->order_by &&
        orm_loader_check_order(L, &rs->origin, rpath(L, rs, "order_by"), r->order_by, r->target->table, false,
                               &r->order_by))
        return ORM_E_SCHEMA;
    return check_passive_deletes(L, rs);
}

/* Target, direction and join columns of one relationship. */
static int resolve_one(orm_loader *L, orm_relspec *rs)
{
    orm_relationship *r = rs->rel;
    const orm_table *P = r->parent->table, *T;
    int rc;
    r->target = rm_strmap_get(&L->s->mappers_by_name, rs->target_name);
    if (!r->target)
        return orm_loader_fail(L, &rs->origin, rpath(L, rs, "target"), "unknown entity \"%s\"%s",
                               rs->target_name,
                               orm_loader_suggest(L, rs->target_name, orm_loader_entity_names(L)));
    T = r->target->table;
    if (rs->nremote_side && (P != T || rs->secondary_name || rs->has_join))
        return orm_loader_fail(L, &rs->origin, rpath(L, rs, "remote_side"),
                               "only for a self-referential relationship without \"secondary\" or \"join\"");
    if (rs->secondary_name) rc = resolve_secondary(L, rs, P, T);
    else if (rs->has_join) rc = resolve_join(L, rs, P, T);
    else if (P == T) rc = resolve_self(L, rs, P);
    else rc = resolve_fks(L, rs, P, T);
    return rc ? rc : check_options(L, rs);
}

/* ---- back_populates --------------------------------------------------------------------- */

static bool mirrors(orm_direction a, orm_direction b)
{
    return (a == ORM_MANY_TO_MANY && b == ORM_MANY_TO_MANY) ||
           (a == ORM_MANY_TO_ONE && b == ORM_ONE_TO_MANY) || (a == ORM_ONE_TO_MANY && b == ORM_MANY_TO_ONE);
}

/* The two sides join over the same columns, seen from each end. */
static bool same_join(const orm_relationship *r, const orm_relationship *rev)
{
    if (r->npairs != rev->npairs) return false;
    if (r->direction == ORM_MANY_TO_MANY)
        return r->secondary == rev->secondary && same_set(r->sec_local, rev->sec_remote, r->npairs) &&
               same_set(r->sec_remote, rev->sec_local, r->npairs);
    return same_set(r->local, rev->remote, r->npairs) && same_set(r->remote, rev->local, r->npairs);
}

static const char *const *relationship_names(orm_loader *L, const orm_mapper *m)
{
    size_t n = 0;
    for (const orm_mapper *p = m; p; p = p->inherits) n += p->nrelationships;
    const char **names = RM_NEW_ARRAY(L->tmp, const char *, n + 1);
    n = 0;
    for (const orm_mapper *p = m; p; p = p->inherits)
        for (size_t i = 0; i < p->nrelationships; i++) names[n++] = p->relationships[i].name;
    return names;
}

/* Pair r with the target's relationship its back_populates names. */
static int pair(orm_loader *L, orm_relspec *rs)
{
    orm_relationship *r = rs->rel, *rev;
    const char *path = rpath(L, rs, "back_populates");
    if (!r->back_populates) return 0;
    rev = orm_mapper_relationship(r->target, r->back_populates);
    if (!rev)
        return orm_loader_fail(L, &rs->origin, path, "entity %s has no relationship \"%s\"%s", r->target->name,
                               r->back_populates,
                               orm_loader_suggest(L, r->back_populates, relationship_names(L, r->target)));
    if (!orm_loader_isa(r->parent, rev->target))
        return orm_loader_fail(L, &rs->origin, path, "%s.%s refers to entity %s, not %s", rev->parent->name,
                               rev->name, rev->target->name, r->parent->name);
    if (rev->back_populates && strcmp(rev->back_populates, r->name) != 0)
        return orm_loader_fail(L, &rs->origin, path, "%s.%s has back_populates \"%s\", not \"%s\"",
                               rev->parent->name, rev->name, rev->back_populates, r->name);
    if (r->viewonly != rev->viewonly)
        return orm_loader_fail(L, &rs->origin, path, "%s.%s is viewonly and %s.%s is not: both or neither",
                               (r->viewonly ? r : rev)->parent->name, (r->viewonly ? r : rev)->name,
                               (r->viewonly ? rev : r)->parent->name, (r->viewonly ? rev : r)->name);
    if (!mirrors(r->direction, rev->direction))
        return orm_loader_fail(L, &rs->origin, path, "directions do not mirror: %s.%s is %s and %s.%s is %s",
                               r->parent->name, r->name, orm_direction_name(r->direction), rev->parent->name,
                               rev->name, orm_direction_name(rev->direction));
    if (!same_join(r, rev))
        return orm_loader_fail(L, &rs->origin, path, "%s.%s and %s.%s do not join over the same columns",
                               r->parent->name, r->name, rev->parent->name, rev->name);
    if (rev->reverse && rev->reverse != r)
        return orm_loader_fail(L, &rs->origin, path, "%s.%s is already paired with %s.%s", rev->parent->name,
                               rev->name, rev->reverse->parent->name, rev->reverse->name);
    r->reverse = rev;
    rev->reverse = r;
    return 0;
}

int orm_loader_resolve_relationships(orm_loader *L)
{
    for (size_t i = 0; i < L->nrels; i++)
        if (resolve_one(L, &L->rels[i])) return ORM_E_SCHEMA;
    for (size_t i = 0; i < L->nrels; i++)
        if (check_secondary(L, &L->rels[i]) || pair(L, &L->rels[i])) return ORM_E_SCHEMA;
    return 0;
}
