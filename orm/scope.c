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
    /* the class's identity, and a view-only projection's "where" */
    orm_expr *w = orm_expr_and(a, orm_mapper_identity_where(a, m, alias),
                               orm_template_use(a, &m->view_where, alias, seq));
    for (const orm_mapper *k = m; k; k = k->inherits) {
        const orm_template *t = criterion(seq->scope, k);
        if (t) w = orm_expr_and(a, w, orm_template_use(a, t, alias, seq));
    }
    /* a subclass's rows reached through m meet the subclass's criterion:
     * NOT (the row is of that class) OR criterion */
    for (size_t i = 0; seq->scope && i < m->ndescendants; i++) {
        const orm_mapper *d = m->descendants[i];
        const orm_template *t = criterion(seq->scope, d);
        if (!t) continue;
        orm_expr *of_d = orm_mapper_identity_where(a, d, alias);
        orm_expr *crit = orm_template_use(a, t, alias, seq);
        w = orm_expr_and(a, w, of_d ? orm_expr_or(a, orm_expr_unary(a, ORM_OP_NOT, of_d), crit) : crit);
    }
    return w;
}

bool orm_scope_restricts(const orm_scope *sc, const orm_mapper *m)
{
    for (const orm_mapper *k = m; k; k = k->inherits)
        if (criterion(sc, k)) return true;
    return false;
}
