/* key_load.c: plain loads by primary key from a kept statement; see
 * key_load.h. */
#include "orm/key_load.h"

#include <string.h>

#include "orm/compile_cache.h"
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

bool orm_key_load_plain(const orm_session *s, const orm_query *q, size_t ninc, orm_key_load *kl)
{
    const orm_mapper *m = q->mapper;
    kl->key = NULL;
    if (ninc || q->limit != 1 || q->offset || q->norder || q->njoins || q->after || q->reverse || q->fields ||
        q->ncounts || q->aliases.next != 1 || orm_table_has_computed(m->table))
        return false;
    const orm_value *key = pk_param(q->where, m->table);
    orm_alias_seq seq = q->aliases;
    /* the scope's criteria and the class's identity: per request, or none */
    if (!key || orm_scope_where(s->arena, m, 0, &seq)) return false;
    kl->key = key;
    kl->variant = (unsigned)q->defer | (unsigned)key->kind << 1; /* a dialect may type a placeholder */
    return true;
}

bool orm_key_load_find(orm_session *s, const orm_mapper *m, const orm_key_load *kl, orm_compiled *out)
{
    orm_compile_cache *cc = orm_engine_dialect(s->engine)->cache;
    const orm_compiled_memo *memo = cc ? orm_compile_cache_memo(cc, m, kl->variant) : NULL;
    if (!memo) return false;
    *out = memo->c;
    out->params = RM_NEW_ARRAY(s->arena, orm_value, memo->c.nparams);
    memcpy(out->params, memo->c.params, memo->c.nparams * sizeof *out->params);
    out->params[memo->arg] = *kl->key;
    return true;
}

void orm_key_load_keep(orm_session *s, const orm_mapper *m, const orm_key_load *kl, const orm_compiled *c)
{
    orm_compile_cache *cc = orm_engine_dialect(s->engine)->cache;
    const orm_column *pk = m->table->pk[0];
    size_t arg = SIZE_MAX;
    for (size_t i = 0; c->param_columns && i < c->nparams; i++) {
        if (c->param_columns[i] != pk) continue;
        if (arg != SIZE_MAX) return; /* which one is the key would be a guess */
        arg = i;
    }
    /* the rows are the table's columns alone (what add_top expects of a memo) */
    if (!cc || arg == SIZE_MAX || c->nresult != m->table->ncolumns || !orm_value_eq(&c->params[arg], kl->key))
        return;
    orm_compile_cache_memo_put(cc, m, kl->variant, c, arg);
}
