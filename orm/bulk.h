/* bulk.h: UPDATE and DELETE of the rows a query chooses, set-wise (SPEC
 * §10 D): the outcome (rows, versions, cascades, errors) of updating or
 * deleting each chosen row through the unit of work, in statements whose
 * number depends on the schema, not on the rows (a self-referential
 * cascade takes one round per level; a key list longer than the dialect's
 * parameter limit is cut into chunks, as selectin loading is).
 *
 * Both run inside the caller's unit (orm_session_run or a batch's nested
 * unit) and leave everything they wrote for its COMMIT or ROLLBACK; an
 * error leaves the unit to be rolled back. No HTTP: the caller bounds the
 * rows (orm_bulk_total) and answers. */
#ifndef ORM_BULK_H
#define ORM_BULK_H

#include "orm/query.h"
#include "orm/session.h"

/* Rows written in one table. */
typedef struct orm_bulk_count {
    const orm_table *table;
    int64_t updated, deleted;
} orm_bulk_count;

typedef struct orm_bulk_result {
    int64_t matched;            /* rows of the query's mapper it chose */
    orm_bulk_count *tables;     /* tables written, in the order first written */
    size_t ntables;
} orm_bulk_result;

/* Set cols[i] (columns of q->mapper's table, neither key nor version) to
 * vals[i] on every row q chooses (q->where over alias 0, the session's
 * scope applying), as a PATCH of each row would: a row already holding
 * the values is not written; each written row's version is incremented
 * and its "onupdate" columns set; the table's CHECKs hold for every new
 * row (ORM_E_VALIDATION at "/<column>"); the scope's criteria hold for
 * the new rows (ORM_E_FORBIDDEN) and the rows their foreign keys name
 * (ORM_E_CONFLICT); unique and foreign-key violations are ORM_E_CONFLICT. */
int orm_bulk_update(orm_session *s, const orm_query *q, const orm_column *const *cols, const orm_value *vals,
                    size_t n, orm_bulk_result *out);

/* Delete every row q chooses with the cascades of a DELETE of each: rows
 * of one-to-many `delete` cascades (as the scope sees them) deleted, round
 * by round; other one-to-many rows detached (foreign key NULL, an
 * ORM_E_CONFLICT when NOT NULL); association rows of many-to-many
 * deleted; passive_deletes and viewonly relationships left alone. More
 * than ORM_MAX_DELETE_ROWS rows is ORM_E_TOO_LARGE. */
int orm_bulk_delete(orm_session *s, const orm_query *q, orm_bulk_result *out);

/* Rows written, every table and kind together. */
int64_t orm_bulk_total(const orm_bulk_result *r);

/* A dry run inside the running unit: orm_bulk_savepoint before the
 * writes, orm_bulk_undo after them (every change since is undone, the
 * unit goes on). */
int orm_bulk_savepoint(orm_session *s);
int orm_bulk_undo(orm_session *s);

#endif
