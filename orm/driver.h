/* driver.h: the database driver interface (DB-API in SQLAlchemy's terms).
 * engine.c and session.c talk to databases only through this table of
 * functions; driver_sqlite.c and driver_pg.c are the only files that call
 * sqlite3_* or PQ*.
 *
 * A connection is used by one thread at a time and has at most one open
 * cursor. Drivers keep a prepared-statement cache keyed by SQL text (the
 * SQLite driver finds recent ones by orm_compiled.shape_id first). */
#ifndef ORM_DRIVER_H
#define ORM_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "orm/compile.h"
#include "orm/dialect.h"
#include "orm/error.h"

typedef struct orm_conn orm_conn;     /* driver-defined */
typedef struct orm_cursor orm_cursor; /* driver-defined */

typedef struct orm_conn_options {
    int busy_timeout_ms;        /* wait for locks this long per statement */
    int statement_timeout_ms;   /* interrupt statements running longer (0 = none) */
} orm_conn_options;

typedef struct orm_conn_stats {
    uint64_t cache_hits, cache_misses;
} orm_conn_stats;

typedef struct orm_driver {
    const char *name;
    const orm_dialect *dialect;
    bool single_writer;   /* one writer at a time: the engine serializes write units */
    /* Open a connection to target (driver-specific: a file path, a libpq URI). */
    int (*connect)(const char *target, const orm_conn_options *opt, orm_conn **out, orm_error *err);
    void (*disconnect)(orm_conn *c);
    /* One statement without parameters or rows (BEGIN, COMMIT, DDL). */
    int (*exec)(orm_conn *c, const char *sql, orm_error *err);
    /* Open a transaction with sql (the dialect's begin_read/begin_write):
     * as exec, except that the driver may send it only with whatever goes
     * to the server next (a statement, COMMIT, ROLLBACK), with the same
     * outcome as sent alone; its errors then come from that call. NULL:
     * exec is used. */
    int (*begin)(orm_conn *c, const char *sql, orm_error *err);
    /* Prepare (through the cache) and bind q; the cursor is valid until close. */
    int (*query)(orm_conn *c, const orm_compiled *q, orm_cursor **out, orm_error *err);
    /* Step: 1 = a row is current, 0 = finished, < 0 = error code. */
    int (*next)(orm_cursor *cur, orm_error *err);
    /* Columns 0..n-1 of the current row into dst. Text points into driver
     * memory that is valid only until the next call to next() or close(). */
    void (*row)(orm_cursor *cur, orm_value *dst, size_t n);
    /* Rows changed by the finished INSERT/UPDATE/DELETE. */
    int64_t (*changes)(orm_cursor *cur);
    /* The rowid of the last row the finished INSERT wrote (dialects with
     * rowid_keys); NULL where the driver has none (RETURNING is used). */
    int64_t (*last_insert_id)(orm_cursor *cur);
    /* Whether table's key column gives new rows keys above every key the
     * table ever held, never at random (SQLite's AUTOINCREMENT; without
     * it a table holding the largest rowid gets random ones). NULL where
     * last_insert_id is. Reads the connection's schema, once per table
     * (table: a name that outlives the connection): no statement. */
    bool (*keys_increase)(orm_conn *c, const char *table, const char *column);
    void (*close)(orm_cursor *cur);
    void (*stats)(orm_conn *c, orm_conn_stats *out);
    /* start = true: the statements from now on share one deadline, the
     * statement timeout from now (a unit of work); false: back to one
     * timeout per statement (COMMIT and ROLLBACK always get their own). */
    void (*unit_deadline)(orm_conn *c, bool start);
    /* Whether c, idle, may be used (the pool asks on checkout): 0, or
     * ORM_E_UNAVAILABLE when it is lost (the server closed it, a statement
     * was left running on it). ping = false: only what is known without a
     * round trip; true: a round trip to the server too. NULL: a connection
     * is never lost (SQLite). */
    int (*check)(orm_conn *c, bool ping, orm_error *err);
} orm_driver;

extern const orm_driver orm_driver_sqlite;
extern const orm_driver orm_driver_pg;

#endif
