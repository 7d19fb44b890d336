/* driver_pg.c: the PostgreSQL driver, the only file that calls PQ*.
 *
 * Each connection: UTF8, ISO dates in UTC, the statement timeout as
 * statement_timeout, and a cache of server-side prepared statements keyed
 * by SQL text (PQprepare once, PQexecPrepared after; parameters always
 * sent apart from the text, in text format, their types inferred by the
 * server from where they stand). Results come back as text and are turned
 * into the ORM's storage forms (convert.h) by their column type: integers
 * and floats as numbers, booleans 0/1, timestamps as ISO 8601 with 'T' and
 * 'Z', numeric, date, uuid and json as their text.
 *
 * Errors map by SQLSTATE, never by message text: integrity violations
 * (class 23) → CONFLICT, serialization failure and deadlock → BUSY (the
 * session retries the unit), query canceled by statement_timeout →
 * TIMEOUT, connection exceptions and a broken connection → UNAVAILABLE
 * (the engine then replaces the connection), data exceptions (22) →
 * VALIDATION. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/sb.h"
#include "lib/strmap.h"
#include "orm/driver.h"

#define STMT_CACHE_MAX 512

/* Type OIDs of pg_type (stable across PostgreSQL versions). */
enum {
    OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_FLOAT4 = 700,
    OID_FLOAT8 = 701, OID_TIMESTAMPTZ = 1184, OID_TIMESTAMP = 1114
};

struct orm_cursor {
    struct orm_conn *conn;
    PGresult *res;
    int row, nrows;
    int64_t changes;
    rm_sb text;                /* a reformatted value, valid until the next row */
};

struct orm_conn {
    PGconn *pg;
    rm_strmap cache;           /* SQL text → statement name (malloc'd) */
    unsigned next_name;
    orm_conn_stats stats;
    int statement_timeout_ms;
    struct timespec unit_end;  /* of the running unit; tv_sec 0 = none */
    struct orm_cursor cursor;  /* the one cursor */
};

static int set_error(orm_error *err, int code, const char *detail)
{
    return orm_error_set(err, code, "%s", detail);
}

/* The orm code of a failed result (res may be NULL: the connection broke). */
static int map_error(struct orm_conn *c, const PGresult *res, orm_error *err, const char *sql)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg);
    orm_error_internal(err, "postgresql: %s [%s]%s%.300s", msg ? msg : "", state ? state : "-",
                       sql ? " in: " : "", sql ? sql : "");
    if (!state || PQstatus(c->pg) == CONNECTION_BAD || !strncmp(state, "08", 2) || !strncmp(state, "57P", 3) ||
        !strncmp(state, "53", 2))
        return set_error(err, ORM_E_UNAVAILABLE, "the database is unavailable");
    if (!strcmp(state, "23505")) return set_error(err, ORM_E_CONFLICT, "a row with the same unique value already exists");
    if (!strcmp(state, "23503"))
        return set_error(err, ORM_E_CONFLICT, "the change would break a foreign-key reference");
    if (!strcmp(state, "23502")) return set_error(err, ORM_E_CONFLICT, "a required column would be NULL");
    if (!strncmp(state, "23", 2)) return set_error(err, ORM_E_CONFLICT, "the change violates a constraint");
    if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03"))
        return set_error(err, ORM_E_BUSY, "the database is busy");
    if (!strcmp(state, "57014")) return set_error(err, ORM_E_TIMEOUT, "the statement took too long");
    if (!strncmp(state, "22", 2)) return set_error(err, ORM_E_VALIDATION, "a value does not fit its column");
    return set_error(err, ORM_E_INTERNAL, "database error");
}

static bool ok(const PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

static void free_name(const char *key, void *value, void *ud) { free(value); }

static void cache_clear(struct orm_conn *c)
{
    rm_strmap_each(&c->cache, free_name, NULL);
    rm_strmap_free(&c->cache);
    rm_strmap_init(&c->cache);
}

static void pg_disconnect(orm_conn *c)
{
    if (!c) return;
    PQclear(c->cursor.res);
    rm_sb_free(&c->cursor.text);
    cache_clear(c);
    PQfinish(c->pg);
    free(c);
}

static int pg_exec(orm_conn *c, const char *sql, orm_error *err)
{
    PGresult *res = PQexec(c->pg, sql);
    int rc = ok(res) ? 0 : map_error(c, res, err, sql);
    PQclear(res);
    return rc;
}

static int pg_connect(const char *target, const orm_conn_options *opt, orm_conn **out, orm_error *err)
{
    struct orm_conn *c = calloc(1, sizeof *c);
    if (!c) return orm_error_set(err, ORM_E_INTERNAL, "out of memory");
    rm_strmap_init(&c->cache);
    rm_sb_init(&c->cursor.text, NULL);
    c->statement_timeout_ms = opt->statement_timeout_ms;
    c->pg = PQconnectdb(target);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        orm_error_internal(err, "postgresql: %s", c->pg ? PQerrorMessage(c->pg) : "out of memory");
        orm_error_set(err, ORM_E_UNAVAILABLE, "cannot connect to the PostgreSQL database");
        pg_disconnect(c);
        return ORM_E_UNAVAILABLE;
    }
    char setup[256];
    snprintf(setup, sizeof setup,
             "SET client_encoding = 'UTF8'; SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; "
             "SET IntervalStyle = 'iso_8601'; SET client_min_messages = 'warning'; "
             "SET statement_timeout = %d",
             opt->statement_timeout_ms > 0 ? opt->statement_timeout_ms : 0);
    int rc = pg_exec(c, setup, err);
    if (rc) {
        pg_disconnect(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* The name of q's prepared statement on this connection, preparing it on
 * first use. */
static int prepare(struct orm_conn *c, const orm_compiled *q, const char **name, orm_error *err)
{
    *name = rm_strmap_getn(&c->cache, q->sql, q->sql_len);
    if (*name) {
        c->stats.cache_hits++;
        return 0;
    }
    c->stats.cache_misses++;
    if (c->cache.count >= STMT_CACHE_MAX) {
        int rc = pg_exec(c, "DEALLOCATE ALL", err);
        if (rc) return rc;
        cache_clear(c);
    }
    char buf[32];
    snprintf(buf, sizeof buf, "rm%u", c->next_name++);
    PGresult *res = PQprepare(c->pg, buf, q->sql, 0, NULL);
    int rc = ok(res) ? 0 : map_error(c, res, err, q->sql);
    PQclear(res);
    if (rc) return rc;
    char *copy = strdup(buf);
    if (!copy) return orm_error_set(err, ORM_E_INTERNAL, "out of memory");
    rm_strmap_put(&c->cache, q->sql, copy);
    *name = copy;
    return 0;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* A unit's statements share its deadline: one that would start after it
 * does not start (each one is bounded by statement_timeout on the server). */
static bool unit_over(const struct orm_conn *c)
{
    if (!c->unit_end.tv_sec) return false;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    return before(&c->unit_end, &now);
}

static void pg_unit_deadline(orm_conn *c, bool start)
{
    c->unit_end = (struct timespec){0, 0};
    if (!start || c->statement_timeout_ms <= 0) return;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &c->unit_end);
    c->unit_end.tv_sec += c->statement_timeout_ms / 1000;
    c->unit_end.tv_nsec += (long)(c->statement_timeout_ms % 1000) * 1000000L;
    if (c->unit_end.tv_nsec >= 1000000000L) {
        c->unit_end.tv_sec++;
        c->unit_end.tv_nsec -= 1000000000L;
    }
}

/* Parameters as text, one buffer for the statement (values[i] point into it). */
static int param_texts(const orm_compiled *q, rm_sb *buf, const char **values, size_t *offsets)
{
    rm_sb_reset(buf);
    for (size_t i = 0; i < q->nparams; i++) {
        const orm_value *v = &q->params[i];
        offsets[i] = buf->len;
        switch (v->kind) {
        case ORM_V_NULL: offsets[i] = SIZE_MAX; continue;
        case ORM_V_INT: rm_sb_append_int(buf, (long long)v->u.i); break;
        case ORM_V_FLOAT: rm_sb_appendf(buf, "%.17g", v->u.f); break;
        case ORM_V_TEXT:
            if (v->u.s.n && memchr(v->u.s.p, '\0', v->u.s.n)) return -1; /* PostgreSQL text has no NUL */
            rm_sb_appendn(buf, v->u.s.p ? v->u.s.p : "", v->u.s.n);
            break;
        }
        rm_sb_appendc(buf, '\0');
    }
    if (buf->err) return -1;
    for (size_t i = 0; i < q->nparams; i++) values[i] = offsets[i] == SIZE_MAX ? NULL : buf->buf + offsets[i];
    return 0;
}

static int pg_query(orm_conn *c, const orm_compiled *q, orm_cursor **out, orm_error *err)
{
    struct orm_cursor *cur = &c->cursor;
    PQclear(cur->res);
    cur->res = NULL;
    if (unit_over(c)) {
        orm_error_internal(err, "postgresql: the unit's deadline passed before: %.300s", q->sql);
        return orm_error_set(err, ORM_E_TIMEOUT, "the statement took too long");
    }
    const char *name;
    int rc = prepare(c, q, &name, err);
    if (rc) return rc;
    size_t n = q->nparams;
    const char **values = calloc(n ? n : 1, sizeof *values);
    size_t *offsets = calloc(n ? n : 1, sizeof *offsets);
    if (!values || !offsets) {
        free(values);
        free(offsets);
        return orm_error_set(err, ORM_E_INTERNAL, "out of memory");
    }
    if (param_texts(q, &cur->text, values, offsets)) {
        free(values);
        free(offsets);
        return orm_error_set(err, ORM_E_VALIDATION, "a text value contains a NUL character");
    }
    PGresult *res = PQexecPrepared(c->pg, name, (int)n, values, NULL, NULL, 0);
    free(values);
    free(offsets);
    if (!ok(res)) {
        rc = map_error(c, res, err, q->sql);
        PQclear(res);
        return rc;
    }
    const char *tuples = PQcmdTuples(res);
    *cur = (struct orm_cursor){.conn = c, .res = res, .row = -1, .nrows = PQntuples(res),
                               .changes = tuples && *tuples ? strtoll(tuples, NULL, 10) : 0,
                               .text = cur->text};
    *out = cur;
    return 0;
}

static int pg_next(orm_cursor *cur, orm_error *err)
{
    (void)err;
    return ++cur->row < cur->nrows ? 1 : 0;
}

/* "2024-05-01 12:00:00.5+00" → "2024-05-01T12:00:00.5Z" (the session is in
 * UTC, so the offset is always +00). */
static orm_value iso_timestamp(struct orm_cursor *cur, const char *p, size_t n)
{
    rm_sb_reset(&cur->text);
    rm_sb_appendn(&cur->text, p, n);
    char *s = cur->text.buf;
    if (n > 10 && s[10] == ' ') s[10] = 'T';
    if (n > 3 && !strcmp(s + n - 3, "+00")) {
        cur->text.len = n - 3;
        s[n - 3] = '\0';
        rm_sb_appendc(&cur->text, 'Z');
    }
    return orm_text(cur->text.buf, cur->text.len);
}

static orm_value pg_column(orm_cursor *cur, size_t i)
{
    int col = (int)i;
    if (PQgetisnull(cur->res, cur->row, col)) return orm_null();
    const char *p = PQgetvalue(cur->res, cur->row, col);
    size_t n = (size_t)PQgetlength(cur->res, cur->row, col);
    switch (PQftype(cur->res, col)) {
    case OID_INT2:
    case OID_INT4:
    case OID_INT8: return orm_int(strtoll(p, NULL, 10));
    case OID_FLOAT4:
    case OID_FLOAT8: return orm_float(strtod(p, NULL));
    case OID_BOOL: return orm_int(p[0] == 't');
    case OID_TIMESTAMPTZ: return iso_timestamp(cur, p, n);
    default: return orm_text(p, n);
    }
}

static int64_t pg_changes(orm_cursor *cur) { return cur->changes; }

static void pg_close(orm_cursor *cur)
{
    if (!cur) return;
    PQclear(cur->res);
    cur->res = NULL;
}

static void pg_stats(orm_conn *c, orm_conn_stats *out) { *out = c->stats; }

const orm_driver orm_driver_pg = {
    .name = "postgresql",
    .dialect = &orm_dialect_pg,
    .single_writer = false,
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .exec = pg_exec,
    .query = pg_query,
    .next = pg_next,
    .column = pg_column,
    .changes = pg_changes,
    .close = pg_close,
    .stats = pg_stats,
    .unit_deadline = pg_unit_deadline,
};
