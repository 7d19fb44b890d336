/* scope.h: what one request may see, applied by the ORM on every path
 * (SQLAlchemy's with_loader_criteria, and mappers hidden whole).
 *
 * The application builds a scope per request and sets it on the session
 * (orm_session.scope); every statement builder reaches it through the
 * orm_alias_seq it is given (orm_query_init, orm_filter_parse, the
 * relationship join, the flush). A mapper the scope hides is unknown to
 * filters and sort paths, as if it had no relationship leading to it; a
 * mapper's criterion (and its ancestors') is AND-ed into every statement
 * that reads, counts, updates or deletes its rows, on the mapper itself or
 * through a relationship (lists, objects, counts, keyset pages, joined and
 * selectin loads, sub-resources, EXISTS filters, sort joins, the flush's
 * UPDATEs and DELETEs), and the rows a flush inserts or updates must meet
 * it afterwards (orm_uow_flush checks, ORM_E_FORBIDDEN). */
#ifndef ORM_SCOPE_H
#define ORM_SCOPE_H

#include <jansson.h>

#include "orm/mapper.h"
#include "orm/template.h"

typedef struct orm_scope {
    /* May m be named (read, followed, filtered through)? NULL: all may. */
    bool (*visible)(const struct orm_scope *sc, const orm_mapper *m);
    /* The criterion m's own rows must meet, a template over m's table
     * (orm_filter_parse_criterion), or NULL: every row. */
    const orm_template *(*criterion)(const struct orm_scope *sc, const orm_mapper *m);
    /* The request's claim `name` (borrowed), or NULL when it has none. */
    const json_t *(*claim)(const struct orm_scope *sc, const char *name);
    const void *ud; /* the application's */
} orm_scope;

/* Whether the scope lets m be named (true without a scope). */
bool orm_scope_visible(const orm_scope *sc, const orm_mapper *m);
/* m's relationship called name as the scope sees it: NULL when m has none
 * or its target is hidden (then it is as unknown as an undeclared one:
 * filters, sort paths, include, sub-resources, nested writes ask here). */
const orm_relationship *orm_scope_relationship(const orm_scope *sc, const orm_mapper *m, const char *name);

/* The rows of m a statement may see, over alias: m's polymorphic identity
 * AND the scope's criteria of m and of every mapper it inherits from, AND
 * for each descendant with a criterion, rows of that class meet it (its
 * rows are reached through m too; subquery aliases from seq, claims bound
 * from seq->scope). NULL: all. */
orm_expr *orm_scope_where(rm_arena *a, const orm_mapper *m, int alias, orm_alias_seq *seq);

/* Whether m's rows are restricted by a criterion in this scope (the flush
 * then checks the rows it writes). */
bool orm_scope_restricts(const orm_scope *sc, const orm_mapper *m);

#endif
