/* template.h: expressions compiled once and used many times — a
 * relationship's join "where", a resource's row filter — and the state
 * every builder of one statement shares.
 *
 * A template is an expression over alias 0 whose own subqueries use
 * aliases 1..naliases. Each use copies it with the aliases renumbered
 * (0 → the alias it is applied to, k → k + the aliases the statement
 * handed out so far) and its CLAIM nodes bound to the request's claims, so
 * nothing is parsed per request. */
#ifndef ORM_TEMPLATE_H
#define ORM_TEMPLATE_H

#include "orm/expr.h"

typedef struct orm_template {
    orm_expr *expr;   /* NULL: no condition */
    int naliases;
} orm_template;

struct orm_relationship;
struct orm_scope;

/* What the builders of one statement share: the table aliases handed out
 * to subqueries so far (start `next` above the aliases the outer statement
 * uses, so no two collide), and the request's scope (orm/scope.h), which
 * every builder that names a mapper's rows applies. */
typedef struct orm_alias_seq {
    int next;
    const struct orm_scope *scope; /* NULL: every row of every mapper */
    /* set by orm_relationship_join when it met a relationship whose
     * template is not compiled yet (only while the schema loads) */
    const struct orm_relationship *uncompiled;
} orm_alias_seq;

/* A new sequence for a statement whose own tables use aliases below next. */
static inline orm_alias_seq orm_alias_seq_start(int next, const struct orm_scope *scope)
{
    return (orm_alias_seq){.next = next, .scope = scope};
}

/* A copy of t for a use at alias0, taking its subqueries' aliases from seq;
 * its claims bound from seq's scope (as parameters typed by the column they
 * are compared with). NULL for an empty template; FALSE when a claim it
 * names is missing or does not convert to its column's type (a row filter
 * then matches no row). */
orm_expr *orm_template_use(rm_arena *a, const orm_template *t, int alias0, orm_alias_seq *seq);

#endif
