/* engine.h: a database URL, its driver and dialect, and a pool of
 * connections (SQLAlchemy's create_engine() + QueuePool).
 *
 * URLs: sqlite:///relative/path.db, sqlite:////absolute/path.db,
 * sqlite://:memory: (one shared connection), and libpq URIs
 * postgresql://[user[:password]@][host][:port][/dbname][?param=value&...]
 * (postgres:// too; host may be a socket directory, ?host=/run/postgresql).
 * For SQLite the pool holds one connection per worker thread and write
 * units are serialized by an engine-wide lock (single writer), so writers
 * queue in-process instead of spinning on SQLITE_BUSY. PostgreSQL has no
 * such lock: its writers run at once and the server orders them.
 *
 * The pool: pool_size connections stay open, up to max_overflow more are
 * opened under load and closed on return; a checkout waits at most
 * pool_timeout_ms for one (then ORM_E_BUSY). A connection is checked on
 * checkout (driver check(): a lost one, e.g. after a server restart, is
 * closed and replaced by a new one with its own settings and an empty
 * statement cache), with a round trip when it sat idle ping_idle_ms or
 * longer. A connection checked in as broken is closed, and the idle ones
 * with it (a lost connection most likely means the server restarted).
 * The engine is shared by all threads; its functions are thread-safe.
 *
 * The dialect an engine gives (orm_engine_dialect) carries its compiled
 * cache (compile_cache.h): statements of a shape compiled before are not
 * compiled again. It knows tables, columns and classes by address, so the
 * schemas whose statements an engine ran are freed after the engine. */
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
    int busy_timeout_ms;        /* lock wait per statement (SQLite busy timeout,
                                   PostgreSQL lock_timeout) */
    int statement_timeout_ms;   /* 0 = none */
    int ping_idle_ms;           /* ping a connection idle this long on checkout
                                   (0: ORM_PING_IDLE_MS, < 0: never) */
    FILE *echo;                 /* log every statement with its parameters here, or NULL */
} orm_engine_options;

#define ORM_PING_IDLE_MS 30000

typedef struct orm_engine orm_engine;

typedef struct orm_engine_stats {
    uint64_t cache_hits, cache_misses;  /* prepared-statement cache, all connections */
    uint64_t statements;                /* statements executed (transaction verbs excluded) */
    int pool_open, pool_in_use;         /* connections open; checked out */
    int pool_idle, pool_waiting;        /* open and free; requests waiting for one */
    int pool_capacity;                  /* pool_size + max_overflow */
    uint64_t connections_opened;        /* since the engine opened (the first included) */
    uint64_t connections_lost;          /* found lost on checkout, or checked in broken */
    long long writer_held_ms;           /* how long the current writer has held the
                                           write lock (0: no writer) */
} orm_engine_stats;

/* Parse url, pick the driver, open one connection to check the database
 * answers. Returns 0, ORM_E_CONFIG (bad URL) or ORM_E_UNAVAILABLE. */
int orm_engine_open(const char *url, const orm_engine_options *opt, orm_engine **out,
                    orm_error *err);
/* Close every connection (none may be checked out). NULL is a no-op. */
void orm_engine_close(orm_engine *e);

/* The driver's dialect with the engine's compiled cache. */
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
