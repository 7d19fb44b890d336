/* engine.h: a database URL, its driver and dialect, and a pool of
 * connections (SQLAlchemy's create_engine() + QueuePool).
 *
 * URLs: sqlite:///relative/path.db, sqlite:////absolute/path.db,
 * sqlite://:memory: (one shared connection), postgresql://... (a later
 * driver). For SQLite the pool holds one connection per worker thread and
 * write units are serialized by an engine-wide lock (single writer), so
 * writers queue in-process instead of spinning on SQLITE_BUSY.
 * The engine is shared by all threads; its functions are thread-safe. */
#ifndef ORM_ENGINE_H
#define ORM_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "orm/driver.h"

typedef struct orm_engine_options {
    int pool_size;              /* connections kept open (SQLite: worker threads) */
    int max_overflow;           /* extra connections opened under load, closed after use */
    int pool_timeout_ms;        /* wait for a free connection this long, then BUSY */
    int busy_timeout_ms;        /* SQLite lock wait per statement */
    int statement_timeout_ms;   /* 0 = none */
    FILE *echo;                 /* log every statement with its parameters here, or NULL */
} orm_engine_options;

typedef struct orm_engine orm_engine;

typedef struct orm_engine_stats {
    uint64_t cache_hits, cache_misses;  /* prepared-statement cache, all connections */
    uint64_t statements;                /* statements executed (transaction verbs excluded) */
    int pool_open, pool_in_use, pool_idle;
    int pool_waiting;                   /* requests waiting for a free connection */
    long long writer_held_ms;           /* how long the current writer has held the
                                           write lock (0: no writer) */
} orm_engine_stats;

/* Parse url, pick the driver, open one connection to check the database
 * answers. Returns 0, ORM_E_CONFIG (bad URL) or ORM_E_UNAVAILABLE. */
int orm_engine_open(const char *url, const orm_engine_options *opt, orm_engine **out,
                    orm_error *err);
/* Close every connection (none may be checked out). NULL is a no-op. */
void orm_engine_close(orm_engine *e);

const orm_dialect *orm_engine_dialect(const orm_engine *e);
const orm_driver *orm_engine_driver(const orm_engine *e);
FILE *orm_engine_echo(const orm_engine *e);

/* Borrow a connection (waits up to pool_timeout_ms: ORM_E_BUSY after). */
int orm_engine_checkout(orm_engine *e, orm_conn **out, orm_error *err);
/* Return it; broken = true closes it instead (after an I/O error). */
void orm_engine_checkin(orm_engine *e, orm_conn *c, bool broken);
/* Serialize write units when the driver has a single writer (no-op
 * otherwise). Waits at most the busy timeout: ORM_E_BUSY after it, and
 * ORM_E_INTERNAL when the calling thread already holds the lock (a unit
 * started inside another would wait for itself forever). */
int orm_engine_write_lock(orm_engine *e, orm_error *err);
void orm_engine_write_unlock(orm_engine *e);
/* Check that the database answers (a trivial query on a pooled connection).
 * Returns 0 or ORM_E_UNAVAILABLE / ORM_E_BUSY. */
int orm_engine_ping(orm_engine *e, orm_error *err);
/* The statement timeout the engine was opened with (0 = none). */
int orm_engine_statement_timeout_ms(const orm_engine *e);
/* Count one executed statement and whether its prepared statement came
 * from the connection's cache (for stats). */
void orm_engine_count_statement(orm_engine *e, bool cache_hit);
void orm_engine_stats_get(orm_engine *e, orm_engine_stats *out);

#endif
