/* join.h: a relationship's join condition, built in one place (SQLAlchemy's
 * relationship primaryjoin/secondaryjoin). Everything that follows a
 * relationship in SQL asks here: filter EXISTS (any/has/none/every, dotted
 * paths), joined and selectin loading, sort joins, sub-resource lists
 * (with-parent) and the flush's foreign-key nulling.
 *
 * A join has three parts:
 *   link          the parent's key columns (or their values) = the near side
 *                 (the target's columns, or the secondary's on a many-to-many)
 *   secondary_on  many-to-many only: the secondary's columns = the target's key
 *   target_where  what the target rows must satisfy besides the pairs: the
 *                 relationship's own join "where", and the rows of the target
 *                 the request's scope sees (orm_scope_where: the class's
 *                 polymorphic identity, the row criteria)
 * The join "where" is compiled once when the schema loads (orm_join_compile)
 * into an expression template over alias 0, its own subqueries at aliases
 * 1..n; each use copies it with the aliases renumbered. */
#ifndef ORM_JOIN_H
#define ORM_JOIN_H

#include <limits.h>

#include "orm/mapper.h"
#include "orm/stmt.h"
#include "orm/template.h"

/* No parent side: the caller matches the near columns itself (selectin). */
#define ORM_JOIN_NO_PARENT INT_MIN

/* Where the two ends of a join stand. */
typedef struct orm_join_ends {
    int parent;                  /* parent's alias, or ORM_JOIN_NO_PARENT */
    const orm_value *parent_row; /* if not NULL: the parent's row, whose key values
                                    are compared instead of its columns */
    int target;                  /* target's alias (-1: unaliased DML) */
    int secondary;               /* many-to-many: the secondary's alias */
    bool without_identity;       /* leave out the target class's identity: the caller's
                                    query on r->target adds it (orm_query_select) */
} orm_join_ends;

typedef struct orm_rel_join {
    orm_expr *link;          /* NULL with ORM_JOIN_NO_PARENT; FALSE for a NULL parent key */
    orm_expr *secondary_on;  /* many-to-many, else NULL */
    orm_expr *target_where;  /* may be NULL */
} orm_rel_join;

/* Build r's join between the given ends; target_where's subqueries take
 * their aliases from seq. */
void orm_relationship_join(rm_arena *a, const orm_relationship *r, const orm_join_ends *ends,
                           orm_alias_seq *seq, orm_rel_join *out);

/* The columns the parent's key is matched against: the target's remote
 * columns, or the secondary's sec_local on a many-to-many. */
orm_column *const *orm_relationship_near(const orm_relationship *r);

/* r's join as a correlated subquery for EXISTS from the parent at
 * parent_alias: FROM target [JOIN secondary] WHERE link AND target_where.
 * *target_alias gets the target's alias (from aliases). */
orm_select *orm_relationship_subquery(rm_arena *a, const orm_relationship *r, int parent_alias,
                                      orm_alias_seq *aliases, int *target_alias);

/* Install r's join "where" template: `where`, parsed over the target at
 * alias 0 using aliases 1..seq_next-1 (may be NULL), and what writing
 * through r sets (where_cols, where_settable; in a's memory). Called once
 * per relationship by the schema loader. */
void orm_join_compile(rm_arena *a, orm_relationship *r, orm_expr *where, int seq_next);

#endif
