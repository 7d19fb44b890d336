/* scope.c: a request's scope applied to a mapper; see scope.h. */
#include "orm/scope.h"

bool orm_scope_visible(const orm_scope *sc, const orm_mapper *m)
{
    return !sc || !sc->visible || sc->visible(sc, m);
}

const orm_relationship *orm_scope_relationship(const orm_scope *sc, const orm_mapper *m, const char *name)
{
    const orm_relationship *r = orm_mapper_relationship(m, name);
    return r && orm_scope_visible(sc, r->target) ? r : NULL;
}

static const orm_template *criterion(const orm_scope *sc, const orm_mapper *m)
{
    return sc && sc->criterion ? sc->criterion(sc, m) : NULL;
}

orm_expr *orm_scope_where(rm_arena *a, const orm_mapper *m, int alias, orm_alias_seq *seq)
{
    orm_expr *w = orm_mapper_identity_where(a, m, alias);
    for (const orm_mapper *k = m; k; k = k->inherits) {
        const orm_template *t = criterion(seq->scope, k);
        if (t) w = orm_expr_and(a, w, orm_template_use(a, t, alias, seq));
    }
    return w;
}

bool orm_scope_restricts(const orm_scope *sc, const orm_mapper *m)
{
    for (const orm_mapper *k = m; k; k = k->inherits)
        if (criterion(sc, k)) return true;
    return false;
}
