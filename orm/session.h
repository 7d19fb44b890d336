/* session.h: the request-scoped session (SQLAlchemy's Session): what one
 * request's database work runs in. It owns the connection checked out of
 * the engine, the transaction, the identity map (one instance per row) and
 * the unit of work (orm_session_uow, uow.h); it executes statements with
 * --echo logging and counting, bounds what a request may read, and retries
 * a whole unit when the database stays busy.
 *
 * Collected rows are copied into the session arena, so results outlive the
 * cursor (rows passed one by one are the callee's to keep: orm_session_each).
 * A read-only unit (orm_session_run with write false) keeps no committed
 * state of the rows it loads (orm_identity_map_add): it must not flush.
 * A session is used by one thread (one request). */
#ifndef ORM_SESSION_H
#define ORM_SESSION_H

#include "orm/engine.h"
#include "orm/instance.h"

struct orm_schema;
struct orm_uow;

typedef struct orm_result {
    size_t nrows, ncols;
    orm_value *values;               /* row r, column c: values[r * ncols + c] */
    const orm_column **columns;      /* what each result column is (may hold NULLs) */
    int64_t changes;                 /* rows changed by DML */
    int64_t last_id;                 /* an INSERT's last rowid (driver's last_insert_id), else 0 */
} orm_result;

static inline orm_value *orm_result_row(const orm_result *r, size_t i)
{
    return r->values + i * r->ncols;
}

typedef struct orm_session {
    orm_engine *engine;
    const struct orm_schema *schema; /* the mappers rows are loaded as */
    rm_arena *arena;
    orm_error *err;
    orm_conn *conn;           /* checked out while a unit runs */
    bool write;               /* write transaction (BEGIN IMMEDIATE on SQLite) */
    bool in_tx;               /* the unit's transaction is open */
    bool ran;                 /* the unit (this attempt) has run a statement */
    bool alone;               /* its next statement runs without a transaction (orm_session_last) */
    unsigned statements;      /* executed, BEGIN/COMMIT/ROLLBACK not counted (all attempts) */
    double db_ms;             /* time spent in the database */
    int attempts;             /* how many times the unit ran */
    bool lock_waited;         /* the last attempt waited the whole busy timeout for the lock */
    size_t rows;              /* rows read from the database (all statements, this attempt) */
    size_t max_rows;          /* more is ORM_E_TOO_LARGE; 0 = no bound */
    size_t bytes;             /* bytes of text values read, this attempt */
    size_t max_bytes;         /* more is ORM_E_TOO_LARGE; 0 = no bound */
    orm_identity_map map;     /* the unit's instances: emptied as each unit (attempt) begins */
    struct orm_uow *uow;      /* the unit's changes, made on first use (orm_session_uow) */
    const struct orm_scope *scope; /* what the request may see (orm/scope.h); NULL: all */
} orm_session;

/* Prepare a session for the mappers of schema; nothing is checked out
 * until orm_session_run. */
void orm_session_init(orm_session *s, orm_engine *e, const struct orm_schema *schema, rm_arena *a,
                      orm_error *err);

/* The body of a unit: returns 0 to commit, an orm_code to roll back. */
typedef int (*orm_unit_fn)(orm_session *s, void *ud);

/* Run fn in one transaction. A write unit begins it first; a read-only one
 * (write false) when it runs its first statement, unless that statement
 * is declared its last (orm_session_last): then the statement runs alone,
 * without BEGIN/COMMIT, which gives it a consistent snapshot by itself on
 * both backends. On ORM_E_BUSY (from fn or COMMIT) the unit is
 * rolled back and run again whole, a bounded number of times; then
 * ORM_E_BUSY is returned. fn must therefore keep no state across attempts
 * except through ud it resets itself. A write unit first waits for the
 * engine's write lock, at most the busy timeout (then ORM_E_BUSY, not
 * retried). The statement timeout bounds the whole unit (ORM_E_TIMEOUT).
 * Returns 0 or an orm_code (err set). */
int orm_session_run(orm_session *s, bool write, orm_unit_fn fn, void *ud);

/* Inside a running unit: fn as a unit of its own in the same transaction
 * (an operation of a batch), begun now if it is not yet: the operations
 * read in one transaction. It starts with an empty identity map and a new
 * unit of work, as a unit run alone would. */
int orm_session_nested(orm_session *s, orm_unit_fn fn, void *ud);

/* last true: the unit's next statement is its last, so a read-only unit
 * that has run none yet runs it without a transaction (no effect in a
 * write unit, after a statement, or inside orm_session_nested). false:
 * withdraw that, before work of more than one statement (the loader does
 * so for a load with selectin levels). A statement uses the declaration up. */
void orm_session_last(orm_session *s, bool last);

/* Execute a compiled statement, collecting every row into out (may be NULL
 * for statements whose rows are not wanted). Past s->max_rows rows read in
 * the unit, ORM_E_TOO_LARGE. */
int orm_session_execute(orm_session *s, const orm_compiled *q, orm_result *out);
/* The same for a query expected to return about `expect` rows (its LIMIT,
 * one key's row, the parents of a selectin chunk; 0: unknown): the result
 * array starts with room for that many (at most ORM_EXPECT_ROWS_MAX), so
 * a known count is read without growing it. */
int orm_session_query(orm_session *s, const orm_compiled *q, size_t expect, orm_result *out);
#define ORM_EXPECT_ROWS_MAX 256

/* Called with each row of a query as it is read: q->nresult values whose
 * texts are the driver's, valid only during the call (the values array
 * too): the callee keeps what it needs (orm_values_keep: an instance's row
 * only when the row is a new instance). It must not run statements. */
typedef void (*orm_row_fn)(void *ud, orm_value *row);
/* Execute q, passing each row to fn as it is read (no result array): the
 * loader's way to read rows straight into instances. Row and byte bounds
 * as orm_session_execute; rows before an error have been passed. */
int orm_session_each(orm_session *s, const orm_compiled *q, orm_row_fn fn, void *ud);

#endif
