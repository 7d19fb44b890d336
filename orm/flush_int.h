/* flush_int.h: what the files of the flush share (flush.c writes a unit
 * of work; flush_levels.c holds one row's UPDATE/DELETE pieces and a
 * joined-table span's writes level by level; flush_scope.c checks the
 * request scope on what was written; bulk.c writes sets of rows with the
 * same pieces). Not a public header: callers see uow.h and bulk.h. */
#ifndef ORM_FLUSH_INT_H
#define ORM_FLUSH_INT_H

#include "orm/compile.h"
#include "orm/uow.h"

static inline const orm_dialect *flush_dialect(orm_uow *u) { return orm_engine_dialect(u->s->engine); }

/* Run c, a statement of the unit's flush or bulk writes. A write run here
 * (not a SELECT) may change rows whose instances the unit holds without
 * changing them (a detach UPDATE, a DELETE's ON DELETE actions, a bulk
 * write): it marks the unit `untracked`, and its later UPDATEs read their
 * rows back (RETURNING; flush.c, update_as_sent). The statements that
 * store what they wrote in the instances they write (the flush's INSERTs,
 * its UPDATE of one instance) run through flush_run_own. */
static inline int flush_run(orm_uow *u, const orm_compiled *c, orm_result *r)
{
    if (!c->is_query) u->untracked = true;
    return orm_session_execute(u->s, c, r);
}

static inline int flush_run_own(orm_uow *u, const orm_compiled *c, orm_result *r)
{
    return orm_session_execute(u->s, c, r);
}

/* ---- flush_levels.c ---- */

/* An UPDATE of a row of t that sets cols[0..n) (values vals) also sets
 * t's "onupdate": "now" columns it does not set already to the unit's
 * instant (its text in u->a): appended to cols and vals, which have room
 * for every column of t besides the n; the new count. */
size_t orm_flush_onupdate(orm_uow *u, const orm_table *t, const orm_column **cols, orm_value *vals, size_t n);
/* The same for up's UPDATE (its arrays have that room). */
void orm_flush_add_onupdate(orm_uow *u, orm_update *up, const orm_table *t);
/* keys, a condition on the unaliased key columns of an UPDATE or DELETE
 * of m's rows, and the rows the session's scope sees (a span's criteria
 * through EXISTS over the span). */
orm_expr *orm_flush_scoped_where(orm_uow *u, const orm_mapper *m, orm_expr *keys);
/* The same for "primary key = pk", made in a. */
orm_expr *orm_flush_scoped_pk_where(orm_uow *u, rm_arena *a, const orm_mapper *m, const orm_value *pk);
/* The row inst is about to store breaks none of its table's checks, else
 * ORM_E_VALIDATION with one field error under inst's pointer. */
int orm_flush_check_row(orm_uow *u, const orm_instance *inst);
/* up, an UPDATE of inst's row (room for one more column), increments
 * the version vc and requires the committed one (pieces made in a). */
void orm_flush_add_version(rm_arena *a, const orm_instance *inst, orm_update *up, const orm_column *vc);
/* Run up, an UPDATE of inst's row (its pieces and statement made in a);
 * with vc, increment the version and require the committed one. No row
 * (returned, or changed without RETURNING): stale (versioned) or not found. */
int orm_flush_run_update(orm_uow *u, rm_arena *a, const orm_instance *inst, orm_update *up, const orm_column *vc,
                         orm_result *r);
/* Run c, inst's compiled UPDATE (vc: its version column, or NULL); no row
 * (returned, or changed without RETURNING): stale (versioned) or not found. */
int orm_flush_exec_update(orm_uow *u, const orm_instance *inst, const orm_compiled *c, const orm_column *vc,
                          orm_result *r);
/* A span's UPDATE of inst: each level whose columns changed (the root's
 * with the scope and the version). */
int orm_flush_update_levels(orm_uow *u, orm_instance *inst);
/* A span's DELETE of inst below the root, most derived first; *root is
 * then the root table's condition (the caller adds the version). */
int orm_flush_delete_levels(orm_uow *u, const orm_instance *inst, const orm_value *pk, orm_expr **root);

/* ---- flush_scope.c ---- */

/* Every row the flush wrote meets the scope's criteria and names through
 * its foreign keys only rows the scope sees: ORM_E_FORBIDDEN for a row
 * outside, ORM_E_CONFLICT for a reference outside. Clears the instances'
 * `wrote` marks. */
int orm_flush_check_written(orm_uow *u);
/* The same checks for the rows objs[0..n) just written (persistent, their
 * committed state the new one; `before` the old one when a scope is set,
 * `seq` their order): sorts objs. */
int orm_flush_check_rows(orm_uow *u, orm_instance **objs, size_t n);

/* ---- flush.c ---- */

/* Does a delete of a row of class cls detach (set NULL) the rows of the
 * one-to-many r, and no other relationship of cls does it already (of two
 * that cover each other, the first declared does the work)? */
bool orm_flush_detaches(const orm_mapper *cls, const orm_relationship *r);
/* The UPDATE that detaches r's rows (the table, their foreign key set
 * NULL, "onupdate" columns); the caller adds the WHERE. */
void orm_flush_detach_set(orm_uow *u, const orm_relationship *r, orm_update *up);
/* ORM_E_TOO_LARGE: a delete past ORM_MAX_DELETE_ROWS rows. */
int orm_flush_too_many_deletes(orm_uow *u);
/* The conflict of detaching r's rows (declared on m) whose key is NOT
 * NULL: ORM_E_CONFLICT with its message. */
int orm_flush_detach_conflict(orm_uow *u, const orm_mapper *m, const orm_relationship *r);

#endif
