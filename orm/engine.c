/* engine.c: URL → driver, and the connection pool; see engine.h.
 *
 * The pool keeps idle connections on a stack (the most recently returned
 * first: its server process is warm) with the time each was returned.
 * Checkout asks the driver whether an idle connection is still usable:
 * always without a round trip (a server restart closed its socket), and
 * with one when it sat idle longer than ping_idle_ms; a lost one is closed
 * and the next tried, then a new one opened. A connection checked in
 * broken closes the idle ones too (the pool starts over). A new
 * connection has its own settings and an empty statement cache, so
 * nothing needs re-creating. */
#include "orm/engine.h"
#include "orm/compile_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct orm_engine {
    const orm_driver *driver;
    orm_dialect dialect;         /* the driver's, with this engine's compiled cache */
    char *target;                /* driver connect string */
    orm_conn_options copt;
    orm_engine_options opt;
    pthread_mutex_t mu;
    pthread_cond_t freed;
    struct idle_conn {
        orm_conn *c;
        long long since;         /* CLOCK_MONOTONIC ms when it was returned */
    } *idle;                     /* idle connections (stack) */
    int nidle, nopen, capacity;  /* capacity = pool_size + max_overflow */
    int waiting;                 /* checkouts waiting for a connection */
    uint64_t opened, lost;       /* connections opened (the first included), found lost */
    pthread_mutex_t write_mu;
    atomic_llong writer_since;   /* CLOCK_MONOTONIC ms when write_mu was taken; 0 = free */
    atomic_uint_fast64_t statements, cache_hits;
};

static long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_url(const char *url, const orm_driver **drv, char **target, bool *memory,
                     orm_error *err)
{
    static const char sqlite_prefix[] = "sqlite://";
    *memory = false;
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
        *drv = &orm_driver_pg;
        *target = strdup(url); /* libpq takes the URI as it is */
        return *target ? 0 : orm_error_set(err, ORM_E_INTERNAL, "out of memory");
    }
    if (strncmp(url, sqlite_prefix, sizeof sqlite_prefix - 1) == 0) {
        const char *rest = url + sizeof sqlite_prefix - 1;
        *drv = &orm_driver_sqlite;
        if (strcmp(rest, ":memory:") == 0 || strcmp(rest, "/:memory:") == 0) {
            *memory = true;
            *target = strdup(":memory:");
        } else if (rest[0] == '/' && rest[1] != '\0') {
            *target = strdup(rest + 1); /* sqlite:///rel → rel; sqlite:////abs → /abs */
        } else {
            return orm_error_set(err, ORM_E_CONFIG,
                                 "--db %s: expected sqlite:///relative.db, sqlite:////absolute.db "
                                 "or sqlite://:memory:", url);
        }
        return *target ? 0 : orm_error_set(err, ORM_E_INTERNAL, "out of memory");
    }
    return orm_error_set(err, ORM_E_CONFIG,
                         "--db %s: unknown database URL scheme (use sqlite:// or postgresql://)", url);
}


int orm_engine_open(const char *url, const orm_engine_options *opt, orm_engine **out,
                    orm_error *err)
{
    const orm_driver *drv = NULL;
    char *target = NULL;
    bool memory;
    int rc = parse_url(url, &drv, &target, &memory, err);
    if (rc) return rc;
    orm_engine *e = calloc(1, sizeof *e);
    if (!e) abort();
    e->driver = drv;
    e->dialect = *drv->dialect;
    e->dialect.cache = orm_compile_cache_new(0, 0);
    e->target = target;
    e->opt = *opt;
    e->copt.busy_timeout_ms = opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : 5000;
    e->copt.statement_timeout_ms = opt->statement_timeout_ms;
    e->capacity = opt->pool_size + (opt->max_overflow > 0 ? opt->max_overflow : 0);
    if (e->capacity < 1) e->capacity = 1;
    if (memory) e->capacity = 1; /* every :memory: connection is its own database */
    if (e->opt.pool_size > e->capacity) e->opt.pool_size = e->capacity;
    if (e->opt.pool_size < 1) e->opt.pool_size = 1;
    if (e->opt.pool_timeout_ms <= 0) e->opt.pool_timeout_ms = 30000;
    if (e->opt.ping_idle_ms == 0) e->opt.ping_idle_ms = ORM_PING_IDLE_MS;
    e->idle = calloc((size_t)e->capacity, sizeof *e->idle);
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->freed, NULL);
    pthread_mutex_init(&e->write_mu, NULL);
    atomic_init(&e->writer_since, 0);
    atomic_init(&e->statements, 0);
    atomic_init(&e->cache_hits, 0);
    /* one connection now: a bad path or an unreachable server fails at start-up */
    orm_conn *c;
    if ((rc = drv->connect(target, &e->copt, &c, err)) != 0) {
        /* at start-up the operator reads the reason (a request would not) */
        if (err->internal[0]) {
            char detail[sizeof err->detail];
            memcpy(detail, err->detail, sizeof detail);
            orm_error_set(err, rc, "%.200s (%.300s)", detail, err->internal);
        }
        orm_engine_close(e);
        return rc;
    }
    e->idle[e->nidle++] = (struct idle_conn){c, monotonic_ms()};
    e->nopen = 1;
    e->opened = 1;
    *out = e;
    return 0;
}

void orm_engine_close(orm_engine *e)
{
    if (!e) return;
    for (int i = 0; i < e->nidle; i++) e->driver->disconnect(e->idle[i].c);
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->freed);
    pthread_mutex_destroy(&e->write_mu);
    orm_compile_cache_free(e->dialect.cache);
    free(e->idle);
    free(e->target);
    free(e);
}

const orm_dialect *orm_engine_dialect(const orm_engine *e) { return &e->dialect; }
const orm_driver *orm_engine_driver(const orm_engine *e) { return e->driver; }
FILE *orm_engine_echo(const orm_engine *e) { return e->opt.echo; }

/* An idle connection the driver still finds usable (one idle longer than
 * ping_idle_ms answers a round trip), or NULL when none is left. Lost
 * ones are closed. Called with e->mu held; returns with it held. */
static orm_conn *take_idle(orm_engine *e)
{
    while (e->nidle > 0) {
        struct idle_conn ic = e->idle[--e->nidle];
        if (!e->driver->check) return ic.c;
        bool ping = e->opt.ping_idle_ms > 0 && monotonic_ms() - ic.since >= e->opt.ping_idle_ms;
        pthread_mutex_unlock(&e->mu);
        orm_error ignored;
        orm_error_init(&ignored, NULL);
        int rc = e->driver->check(ic.c, ping, &ignored);
        if (rc) e->driver->disconnect(ic.c);
        pthread_mutex_lock(&e->mu);
        if (!rc) return ic.c;
        e->nopen--;
        e->lost++;
    }
    return NULL;
}

int orm_engine_checkout(orm_engine *e, orm_conn **out, orm_error *err)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += e->opt.pool_timeout_ms / 1000;
    until.tv_nsec += (long)(e->opt.pool_timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&e->mu);
    for (;;) {
        orm_conn *c = take_idle(e);
        if (c) {
            pthread_mutex_unlock(&e->mu);
            *out = c;
            return 0;
        }
        if (e->nopen < e->capacity) {
            e->nopen++;
            pthread_mutex_unlock(&e->mu);
            int rc = e->driver->connect(e->target, &e->copt, &c, err);
            pthread_mutex_lock(&e->mu);
            if (rc) {
                e->nopen--;
                pthread_cond_signal(&e->freed);
                pthread_mutex_unlock(&e->mu);
                return rc;
            }
            e->opened++;
            pthread_mutex_unlock(&e->mu);
            *out = c;
            return 0;
        }
        e->waiting++;
        int w = pthread_cond_timedwait(&e->freed, &e->mu, &until);
        e->waiting--;
        if (w == ETIMEDOUT) {
            pthread_mutex_unlock(&e->mu);
            return orm_error_set(err, ORM_E_BUSY, "no database connection became free in time");
        }
    }
}

void orm_engine_checkin(orm_engine *e, orm_conn *c, bool broken)
{
    pthread_mutex_lock(&e->mu);
    if (broken) {
        /* a broken connection most likely means the server went away (a
         * restart): the idle ones are as stale, so the pool starts over
         * (SQLAlchemy invalidates its pool the same way) */
        struct idle_conn *stale = e->idle;
        int nstale = e->nidle;
        e->idle = calloc((size_t)e->capacity, sizeof *e->idle);
        if (!e->idle) abort();
        e->nidle = 0;
        e->nopen -= 1 + nstale;
        e->lost += 1 + (uint64_t)nstale;
        pthread_mutex_unlock(&e->mu);
        e->driver->disconnect(c);
        for (int i = 0; i < nstale; i++) e->driver->disconnect(stale[i].c);
        free(stale);
        pthread_mutex_lock(&e->mu);
    } else if (e->nidle >= e->opt.pool_size) {
        /* overflow connections are closed */
        e->nopen--;
        pthread_mutex_unlock(&e->mu);
        e->driver->disconnect(c);
        pthread_mutex_lock(&e->mu);
    } else {
        e->idle[e->nidle++] = (struct idle_conn){c, monotonic_ms()};
    }
    pthread_cond_signal(&e->freed);
    pthread_mutex_unlock(&e->mu);
}

/* The engine whose write lock this thread holds, if any. */
static _Thread_local const orm_engine *held_here;

int orm_engine_write_lock(orm_engine *e, orm_error *err)
{
    if (!e->driver->single_writer) return 0;
    /* the same thread asking again would wait for itself forever */
    if (held_here == e)
        return orm_error_set(err, ORM_E_INTERNAL, "a unit of work was started inside another");
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long wait = e->copt.busy_timeout_ms;
    until.tv_sec += wait / 1000;
    until.tv_nsec += (wait % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int rc = pthread_mutex_timedlock(&e->write_mu, &until);
    if (rc == ETIMEDOUT)
        return orm_error_set(err, ORM_E_BUSY, "another write held the database for %ld ms", wait);
    if (rc) return orm_error_set(err, ORM_E_INTERNAL, "the write lock failed (%d)", rc);
    held_here = e;
    long long now = monotonic_ms();
    atomic_store(&e->writer_since, now ? now : 1);
    return 0;
}

void orm_engine_write_unlock(orm_engine *e)
{
    if (!e->driver->single_writer) return;
    atomic_store(&e->writer_since, 0);
    held_here = NULL;
    pthread_mutex_unlock(&e->write_mu);
}

void orm_engine_count_statement(orm_engine *e, bool cache_hit)
{
    atomic_fetch_add(&e->statements, 1);
    if (cache_hit) atomic_fetch_add(&e->cache_hits, 1);
}

void orm_engine_stats_get(orm_engine *e, orm_engine_stats *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&e->mu);
    out->pool_open = e->nopen;
    out->pool_in_use = e->nopen - e->nidle;
    out->pool_idle = e->nidle;
    out->pool_waiting = e->waiting;
    out->pool_capacity = e->capacity;
    out->connections_opened = e->opened;
    out->connections_lost = e->lost;
    pthread_mutex_unlock(&e->mu);
    out->statements = atomic_load(&e->statements);
    out->cache_hits = atomic_load(&e->cache_hits);
    out->cache_misses = out->statements - out->cache_hits;
    long long since = atomic_load(&e->writer_since);
    out->writer_held_ms = since ? monotonic_ms() - since : 0;
}

/* Twice at most: a connection from before a server restart fails, the
 * pool starts over, and a new connection answers. */
int orm_engine_ping(orm_engine *e, orm_error *err)
{
    int rc = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        orm_conn *c;
        if ((rc = orm_engine_checkout(e, &c, err))) break;
        rc = e->driver->exec(c, "SELECT 1", err);
        orm_engine_checkin(e, c, rc == ORM_E_UNAVAILABLE);
        if (rc != ORM_E_UNAVAILABLE) break;
    }
    return rc ? orm_error_set(err, ORM_E_UNAVAILABLE, "the database does not answer") : 0;
}

int orm_engine_statement_timeout_ms(const orm_engine *e) { return e->copt.statement_timeout_ms; }
