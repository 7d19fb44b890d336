/* template.c: copying a template for one use; see template.h. */
#include "orm/template.h"

#include "orm/convert.h"
#include "orm/scope.h"
#include "orm/stmt.h"

typedef struct use_ctx {
    rm_arena *a;
    int alias0, shift;
    const orm_scope *scope;
    bool unbound; /* a claim was missing or did not convert */
} use_ctx;

static orm_expr *copy_expr(use_ctx *u, const orm_expr *e);

static int renumber(const use_ctx *u, int alias) { return alias == 0 ? u->alias0 : alias + u->shift; }

static orm_select *copy_select(use_ctx *u, const orm_select *s)
{
    rm_arena *a = u->a;
    orm_select *c = RM_NEW(a, orm_select);
    *c = *s;
    c->alias = renumber(u, s->alias);
    if (s->from_select) c->from_select = copy_select(u, s->from_select);
    if (s->ncolumns) {
        c->columns = RM_NEW_ARRAY(a, orm_expr *, s->ncolumns);
        for (size_t i = 0; i < s->ncolumns; i++) c->columns[i] = copy_expr(u, s->columns[i]);
    }
    if (s->njoins) {
        c->joins = RM_NEW_ARRAY(a, orm_join, s->njoins);
        for (size_t i = 0; i < s->njoins; i++) {
            c->joins[i] = s->joins[i];
            c->joins[i].alias = renumber(u, s->joins[i].alias);
            c->joins[i].on = copy_expr(u, s->joins[i].on);
        }
    }
    if (s->norder) {
        c->order = RM_NEW_ARRAY(a, orm_order_item, s->norder);
        for (size_t i = 0; i < s->norder; i++) c->order[i] = (orm_order_item){copy_expr(u, s->order[i].expr), s->order[i].desc};
    }
    c->where = copy_expr(u, s->where);
    c->limit = copy_expr(u, s->limit);
    c->offset = copy_expr(u, s->offset);
    return c;
}

/* The claim's value as a parameter of its column's type, or NULL (unbound). */
static orm_expr *bind_claim(use_ctx *u, const orm_expr *e)
{
    const json_t *v = u->scope && u->scope->claim ? u->scope->claim(u->scope, e->u.claim.name) : NULL;
    orm_value val;
    const char *msg = NULL;
    if (!v || json_is_null(v) || orm_value_from_json(e->u.claim.column, v, u->a, &val, &msg)) return NULL;
    return orm_expr_param(u->a, val, e->u.claim.column);
}

/* A copy of e with its aliases renumbered and its claims bound; values are
 * shared (immutable). */
static orm_expr *copy_expr(use_ctx *u, const orm_expr *e)
{
    if (!e) return NULL;
    if (e->op == ORM_OP_CLAIM) {
        orm_expr *p = bind_claim(u, e);
        if (!p) {
            u->unbound = true;
            return orm_expr_const(u->a, false);
        }
        return p;
    }
    orm_expr *c = RM_NEW(u->a, orm_expr);
    *c = *e;
    switch (e->op) {
    case ORM_OP_COLUMN: c->u.col.alias = renumber(u, e->u.col.alias); break;
    case ORM_OP_LABEL: c->u.label.alias = renumber(u, e->u.label.alias); break;
    case ORM_OP_EXISTS:
    case ORM_OP_SUBQUERY: c->u.sub = copy_select(u, e->u.sub); break; /* a $col path's subquery */
    case ORM_OP_LIST:
        c->u.list.items = RM_NEW_ARRAY(u->a, orm_expr *, e->u.list.n ? e->u.list.n : 1);
        for (size_t i = 0; i < e->u.list.n; i++) c->u.list.items[i] = copy_expr(u, e->u.list.items[i]);
        break;
    default: break;
    }
    c->left = copy_expr(u, e->left);
    c->right = copy_expr(u, e->right);
    return c;
}

orm_expr *orm_template_use(rm_arena *a, const orm_template *t, int alias0, orm_alias_seq *seq)
{
    if (!t->expr) return NULL;
    use_ctx u = {a, alias0, seq->next - 1, seq->scope, false};
    orm_expr *e = copy_expr(&u, t->expr);
    seq->next += t->naliases;
    return u.unbound ? orm_expr_const(a, false) : e;
}
