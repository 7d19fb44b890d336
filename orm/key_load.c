/* key_load.c: the spec of a plain load by primary key; see key_load.h. */
#include "orm/key_load.h"

#include "orm/computed.h"
#include "orm/scope.h"

/* Whether where is orm_pk_where's condition on t's one key column (alias 0). */
static const orm_value *pk_param(const orm_expr *where, const orm_table *t)
{
    if (!where || t->npk != 1 || where->op != ORM_OP_EQ) return NULL;
    const orm_expr *l = where->left, *r = where->right;
    if (l->op != ORM_OP_COLUMN || l->u.col.alias != 0 || l->u.col.column != t->pk[0]) return NULL;
    return r->op == ORM_OP_PARAM ? &r->u.param.value : NULL;
}

bool orm_key_load_spec(const orm_session *s, const orm_query *q, size_t ninc, orm_key_load *kl)
{
    const orm_mapper *m = q->mapper;
    if (ninc || q->limit != 1 || q->offset || q->norder || q->njoins || q->after || q->reverse || q->fields ||
        q->ncounts || q->aliases.next != 1 || orm_table_has_computed(m->table))
        return false;
    const orm_value *key = pk_param(q->where, m->table);
    orm_alias_seq seq = q->aliases;
    /* the scope's criteria and the class's identity: per request, or none */
    if (!key || orm_scope_where(s->arena, m, 0, &seq)) return false;
    /* the statement is the mapper's, its deferral's; a dialect may type a
     * placeholder by the key's kind; it binds the key and LIMIT 1 */
    kl->words[0] = ORM_SPEC_LOAD_BY_KEY | (uint64_t)q->defer << 16 | (uint64_t)key->kind << 32;
    kl->words[1] = (uint64_t)(uintptr_t)m;
    kl->vals[0] = *key;
    kl->vals[1] = orm_int(q->limit);
    orm_cache_key_spec(&kl->key, kl->words, 2, kl->vals, 2);
    return true;
}
