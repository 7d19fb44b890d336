/* driver_pg.c: the PostgreSQL driver, the only file that calls PQ* (libpq).
 *
 * A connection is a libpq URI (postgresql://..., postgres://...) set up
 * with one round trip: statement_timeout and lock_timeout from the options,
 * client_encoding UTF8, DateStyle ISO, TimeZone UTC,
 * standard_conforming_strings on, extra_float_digits 3 (floats read back
 * exactly). Notices (CREATE ... IF NOT EXISTS skipping) are dropped.
 *
 * Statements use the extended protocol: prepared once per connection
 * (PQsendPrepare, keyed by SQL text in a bounded cache emptied whole when
 * full, as the SQLite driver does), executed with PQsendQueryPrepared,
 * values always as separate text parameters whose types come from the
 * column each is compared with (int8, numeric, bool, timestamptz, jsonb,
 * uuid...; unknown otherwise, the server infers it). Rows come back as
 * text and are converted by result type: integers, floats, booleans (0/1)
 * to numbers; timestamptz to ISO 8601 with 'T' and 'Z' ("2024-01-02
 * 03:04:05.5+00" → "2024-01-02T03:04:05.5Z"); json/jsonb without the
 * blanks jsonb puts after ':' and ','; numeric, date, uuid, text as sent.
 * A statement the server lost or must plan afresh (a table changed under
 * it) empties the cache too; the server's statements go with DEALLOCATE
 * ALL before the next one is prepared outside a failed transaction (where
 * nothing but ROLLBACK runs).
 *
 * Deadlines: the server's statement_timeout bounds each statement; the
 * unit deadline (unit_deadline) is the client's: a statement waits for its
 * answer at most until min(now + timeout, the unit's end), then asks the
 * server to cancel it (57014, the same answer as the server's own
 * timeout). A statement of a unit whose time is already up is not sent.
 * No extra round trip per unit or statement.
 *
 * BEGIN costs no round trip of its own: pg_begin keeps it, and it goes
 * with the next thing sent. Before a statement, in one libpq pipeline:
 * BEGIN, the statement's Prepare when it is new on the connection, its
 * Execute, Sync; the results are read in order. An error in any of them
 * skips the rest (PGRES_PIPELINE_ABORTED) and leaves the transaction as
 * sending them one by one would: failed if BEGIN ran (ROLLBACK follows),
 * none if BEGIN itself failed. Before COMMIT, ROLLBACK or set-up (a unit
 * with no statement, DEALLOCATE ALL) it goes in the same simple-protocol
 * message: "BEGIN ...; COMMIT".
 *
 * Errors map by SQLSTATE, never by message text: class 23 → CONFLICT with
 * the details SQLite's mapping gives; 40001/40P01 (serialization failure,
 * deadlock) and 55P03 (lock timeout) → BUSY, so the session retries the
 * unit; 57014 → TIMEOUT; class 08, 57P0x, a lost connection, resources
 * (53) and I/O (58) → UNAVAILABLE, and the connection is marked broken
 * (check() then refuses it, the engine replaces it); class 22 and 54000 (a
 * value the database refuses or cannot index) → VALIDATION; the rest
 * INTERNAL. The server's message goes to the log-only text. */
#include <errno.h>
#include <libpq-fe.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/strmap.h"
#include "orm/decimal.h"
#include "orm/driver.h"

#define STMT_CACHE_MAX 512
#define CANCEL_GRACE_MS 2000  /* after a cancel request, wait this long for the answer */
#define PING_TIMEOUT_MS 5000  /* a liveness round trip */
#define CONNECT_TIMEOUT "5"   /* seconds, unless the URL says otherwise */
#define MAX_PARAMS 65535

/* Type OIDs (catalog/pg_type_d.h; fixed since PostgreSQL 9). */
enum {
    OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_OID = 26, OID_JSON = 114,
    OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_DATE = 1082, OID_TIMESTAMP = 1114,
    OID_TIMESTAMPTZ = 1184, OID_NUMERIC = 1700, OID_UUID = 2950, OID_JSONB = 3802
};

/* How a result column's text becomes a value. */
typedef enum { K_TEXT, K_INT, K_FLOAT, K_BOOL, K_TIMESTAMP, K_JSON } col_kind;

/* A result column: its kind, and its converted text (valid until next()). */
typedef struct col_info {
    col_kind kind;
    char *buf;
    size_t cap;
} col_info;

struct orm_cursor {
    struct orm_conn *conn;
    PGresult *res;
    int row, nrows;
    int64_t changes;
};

struct orm_conn {
    PGconn *pg;
    PGcancel *cancel;
    rm_strmap cache;           /* SQL text → statement number (a pointer, never 0) */
    unsigned long last_stmt;   /* statements are named "rm<number>" */
    orm_conn_stats stats;
    int statement_timeout_ms;
    long long unit_end;        /* monotonic ms; 0 = no unit running */
    bool broken;               /* lost, or left mid-statement: never used again */
    bool deallocate;           /* the server keeps statements the cache forgot */
    bool begin_pending;        /* begin is yet to be sent (pg_begin) */
    char begin[64];            /* the transaction's BEGIN statement */
    char last_state[6];        /* SQLSTATE of the last error ("" if it had none) */
    rm_sb params;              /* the parameters' text, each NUL-terminated */
    size_t *offsets;           /* each parameter's start in params; SIZE_MAX = NULL */
    const char **values;
    Oid *types;
    size_t nparams_cap;
    col_info *cols;            /* per result column */
    size_t ncols_cap;
    struct orm_cursor cursor;  /* the one cursor */
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- errors ---------------------------------------------------------------- */

static bool state_is(const char *state, const char *prefix)
{
    return state && strncmp(state, prefix, strlen(prefix)) == 0;
}

/* A unique violation's table and columns into err: the table from the
 * result, the columns from its detail "Key (a, b)=(...) already exists."
 * (names PostgreSQL had to quote keep their quotes: they match no column). */
static void unique_columns(const PGresult *r, orm_error *err)
{
    const char *table = r ? PQresultErrorField(r, PG_DIAG_TABLE_NAME) : NULL;
    const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
    const char *open = detail ? strstr(detail, "Key (") : NULL;
    const char *close = open ? strstr(open, ")=(") : NULL;
    if (!table || !close) return;
    char cols[160];
    size_t n = 0;
    for (const char *q = open + 5; q < close && n + 1 < sizeof cols; q++)
        if (*q != ' ') cols[n++] = *q;
    orm_error_conflict(err, table, strlen(table), cols, n);
}

/* The orm code (and client detail) for an error result r (NULL: a failure
 * libpq reported on the connection). A lost connection marks c broken. */
static int map_error(struct orm_conn *c, const PGresult *r, orm_error *err, const char *sql)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg);
    snprintf(c->last_state, sizeof c->last_state, "%s", state ? state : "");
    int mlen = (int)strcspn(msg, "\n");
    orm_error_internal(err, "postgresql: %.*s (%s)%s%.300s", mlen, msg, state ? state : "no SQLSTATE",
                       sql ? " in: " : "", sql ? sql : "");
    if (PQstatus(c->pg) == CONNECTION_BAD || state_is(state, "08") || state_is(state, "57P")) {
        c->broken = true;
        return orm_error_set(err, ORM_E_UNAVAILABLE, "the database is unavailable");
    }
    if (!state) return orm_error_set(err, ORM_E_INTERNAL, "database error");
    if (state_is(state, "23505")) {
        unique_columns(r, err);
        return orm_error_set(err, ORM_E_CONFLICT, "a row with the same unique value already exists");
    }
    if (state_is(state, "23503"))
        return orm_error_set(err, ORM_E_CONFLICT, "the change would break a foreign-key reference");
    if (state_is(state, "23502")) return orm_error_set(err, ORM_E_CONFLICT, "a required column would be NULL");
    if (state_is(state, "23514")) return orm_error_set(err, ORM_E_VALIDATION, "the change breaks a check constraint");
    if (state_is(state, "23")) return orm_error_set(err, ORM_E_CONFLICT, "the change violates a constraint");
    if (state_is(state, "40001") || state_is(state, "40P01") || state_is(state, "55P03"))
        return orm_error_set(err, ORM_E_BUSY, "the database is busy");
    if (state_is(state, "57014")) return orm_error_set(err, ORM_E_TIMEOUT, "the statement took too long");
    if (state_is(state, "53") || state_is(state, "58") || state_is(state, "25006") ||
        state_is(state, "XX001") || state_is(state, "XX002"))
        return orm_error_set(err, ORM_E_UNAVAILABLE, "the database is unavailable");
    if (state_is(state, "22")) return orm_error_set(err, ORM_E_VALIDATION, "a value does not fit its column");
    if (state_is(state, "54000"))
        return orm_error_set(err, ORM_E_VALIDATION, "a value is too large for the database");
    return orm_error_set(err, ORM_E_INTERNAL, "database error");
}

/* ---- waiting for answers ------------------------------------------------------ */

static int unavailable(orm_error *err)
{
    return orm_error_set(err, ORM_E_UNAVAILABLE, "the database is unavailable");
}

typedef enum { WAIT_READY, WAIT_TIMED_OUT, WAIT_FAILED } wait_outcome;

/* Wait until a result can be read without blocking. Past deadline (0:
 * none) ask the server to cancel the statement, and wait CANCEL_GRACE_MS
 * more for its answer (57014). When even that passes, or the socket
 * fails, c is broken (a statement may still be running on it). */
static wait_outcome wait_ready(struct orm_conn *c, long long deadline, bool *cancelled, long long *give_up)
{
    for (;;) {
        /* what is already read may hold the next result (a statement's
         * answer comes in one packet: its result, then the end): no recv()
         * that could only find nothing. A lost connection is reported by
         * the next PQgetResult. */
        if (!PQisBusy(c->pg) || !PQconsumeInput(c->pg) || !PQisBusy(c->pg)) return WAIT_READY;
        int wait = -1;
        if (deadline) {
            long long now = now_ms();
            if (!*cancelled && now >= deadline) {
                char msg[256];
                if (c->cancel) PQcancel(c->cancel, msg, sizeof msg);
                *cancelled = true;
                *give_up = now + CANCEL_GRACE_MS;
            }
            long long until = *cancelled ? *give_up : deadline;
            if (now >= until) {
                c->broken = true;
                return WAIT_TIMED_OUT;
            }
            wait = (int)(until - now);
        }
        struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
        if (poll(&p, 1, wait) < 0 && errno != EINTR) {
            c->broken = true;
            return WAIT_FAILED;
        }
    }
}

static bool is_error(const PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    return st == PGRES_FATAL_ERROR || st == PGRES_PIPELINE_ABORTED;
}

/* The outcome of what was just sent: 0, or the mapped error. *out (may be
 * NULL) gets a good result (the caller clears it). Every result is read:
 * the first error wins, else the last result. queued: the statements of
 * a pipeline before its Sync (0: no pipeline), whose results are read to
 * the Sync's (a pipeline out of step leaves c broken). *good (may be
 * NULL): how many results came before the first error. */
static int await_result(struct orm_conn *c, long long deadline, PGresult **out, orm_error *err,
                        const char *sql, int queued, int *good)
{
    bool cancelled = false, synced = false;
    long long give_up = 0;
    PGresult *keep = NULL, *r;
    int ok = 0;
    c->last_state[0] = '\0';
    for (;;) {
        wait_outcome w = wait_ready(c, deadline, &cancelled, &give_up);
        if (w != WAIT_READY) {
            PQclear(keep);
            orm_error_internal(err, "postgresql: %s in: %.300s",
                               w == WAIT_TIMED_OUT ? "no answer to the cancel request" : "waiting failed", sql);
            return w == WAIT_TIMED_OUT ? orm_error_set(err, ORM_E_TIMEOUT, "the statement took too long")
                                       : orm_error_set(err, ORM_E_UNAVAILABLE, "the database is unavailable");
        }
        if (!(r = PQgetResult(c->pg))) {
            /* in a pipeline, the end of one statement's results */
            if (queued-- > 0 && PQstatus(c->pg) != CONNECTION_BAD) continue;
            break;
        }
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            synced = true;
            break;
        }
        if (keep && is_error(keep)) {
            PQclear(r);
        } else {
            ok += !is_error(r);
            PQclear(keep);
            keep = r;
        }
    }
    if (good) *good = ok;
    if (PQpipelineStatus(c->pg) != PQ_PIPELINE_OFF && (!synced || !PQexitPipelineMode(c->pg)))
        c->broken = true;
    if (!keep || c->broken) {
        int rc = map_error(c, keep, err, sql);
        PQclear(keep);
        return c->broken ? unavailable(err) : rc;
    }
    ExecStatusType st = PQresultStatus(keep);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
        int rc = map_error(c, keep, err, sql);
        PQclear(keep);
        return rc;
    }
    if (out) *out = keep;
    else PQclear(keep);
    return 0;
}

static long long statement_deadline(const struct orm_conn *c)
{
    return c->statement_timeout_ms > 0 ? now_ms() + c->statement_timeout_ms : 0;
}

/* ---- connections ---------------------------------------------------------------- */

static int pg_exec(orm_conn *c, const char *sql, orm_error *err);

static void drop_notice(void *ud, const char *message) {}

static void pg_disconnect(orm_conn *c)
{
    if (!c) return;
    if (c->cancel) PQfreeCancel(c->cancel);
    PQfinish(c->pg);
    rm_strmap_free(&c->cache);
    rm_sb_free(&c->params);
    free(c->offsets);
    free(c->values);
    free(c->types);
    for (size_t i = 0; i < c->ncols_cap; i++) free(c->cols[i].buf);
    free(c->cols);
    free(c);
}

static int pg_connect(const char *target, const orm_conn_options *opt, orm_conn **out, orm_error *err)
{
    char *perr = NULL;
    PQconninfoOption *parsed = PQconninfoParse(target, &perr);
    if (!parsed) {
        int n = perr ? (int)strcspn(perr, "\n") : 0;
        orm_error_set(err, ORM_E_CONFIG, "--db: not a valid PostgreSQL URL: %.*s", n, perr ? perr : "");
        PQfreemem(perr);
        return ORM_E_CONFIG;
    }
    PQconninfoFree(parsed);
    /* keywords before dbname are defaults the URL may override */
    static const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
    const char *vals[] = {CONNECT_TIMEOUT, "restmap", target, NULL};
    struct orm_conn *c = calloc(1, sizeof *c);
    if (!c) return orm_error_set(err, ORM_E_INTERNAL, "out of memory");
    rm_strmap_init(&c->cache);
    rm_sb_init(&c->params, NULL);
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        const char *msg = c->pg ? PQerrorMessage(c->pg) : "out of memory";
        orm_error_internal(err, "postgresql: %.*s", (int)strcspn(msg, "\n"), msg);
        orm_error_set(err, ORM_E_UNAVAILABLE, "cannot connect to the PostgreSQL database");
        pg_disconnect(c);
        return ORM_E_UNAVAILABLE;
    }
    PQsetNoticeProcessor(c->pg, drop_notice, NULL);
    c->cancel = PQgetCancel(c->pg);
    c->statement_timeout_ms = opt->statement_timeout_ms > 0 ? opt->statement_timeout_ms : 0;
    char setup[512];
    snprintf(setup, sizeof setup,
             "SET statement_timeout = %d; SET lock_timeout = %d; SET client_encoding = 'UTF8'; "
             "SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; SET standard_conforming_strings = on; "
             "SET extra_float_digits = 3",
             c->statement_timeout_ms, opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : 0);
    int rc = pg_exec(c, setup, err);
    if (rc) {
        pg_disconnect(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* One statement (or several separated by ';') without parameters or rows,
 * through the simple protocol: transaction verbs and set-up. They get the
 * statement timeout of their own, never the unit's. */
static int pg_exec(orm_conn *c, const char *sql, orm_error *err)
{
    if (c->broken) return unavailable(err);
    char *both = NULL;
    if (c->begin_pending) { /* the kept BEGIN first, in the same message */
        c->begin_pending = false;
        size_t n = strlen(c->begin) + strlen(sql) + 3;
        if (!(both = malloc(n))) return orm_error_set(err, ORM_E_INTERNAL, "out of memory");
        snprintf(both, n, "%s; %s", c->begin, sql);
        sql = both;
    }
    int rc = PQsendQuery(c->pg, sql) ? await_result(c, statement_deadline(c), NULL, err, sql, 0, NULL)
                                     : map_error(c, NULL, err, sql);
    free(both);
    return rc;
}

/* Keep the BEGIN for the next thing sent (see the top of the file). */
static int pg_begin(orm_conn *c, const char *sql, orm_error *err)
{
    if (c->broken) return unavailable(err);
    size_t n = strlen(sql);
    if (c->begin_pending || n >= sizeof c->begin) return pg_exec(c, sql, err);
    memcpy(c->begin, sql, n + 1);
    c->begin_pending = true;
    return 0;
}

/* ---- statements ----------------------------------------------------------------- */

/* The parameter type for a value compared with (or stored in) column col;
 * 0 lets the server infer it from the context. */
static Oid param_type(const orm_column *col)
{
    if (!col) return 0;
    switch (col->type) {
    case ORM_T_INTEGER:
    case ORM_T_BIGINT: return OID_INT8;
    case ORM_T_FLOAT: return OID_FLOAT8;
    case ORM_T_NUMERIC: return OID_NUMERIC;
    case ORM_T_BOOLEAN: return OID_BOOL;
    case ORM_T_DATE: return OID_DATE;
    case ORM_T_DATETIME: return OID_TIMESTAMPTZ;
    case ORM_T_JSON: return OID_JSONB;
    case ORM_T_UUID: return OID_UUID;
    case ORM_T_STRING:
    case ORM_T_TEXT:
    case ORM_T__COUNT: break;
    }
    return 0; /* text: "unknown" takes the column's own type (varchar, text) */
}

/* Room for n parameters in the per-parameter arrays. */
static bool param_room(struct orm_conn *c, size_t n)
{
    if (n <= c->nparams_cap) return true;
    size_t cap = c->nparams_cap ? c->nparams_cap : 8;
    while (cap < n) cap *= 2;
    size_t *o = realloc(c->offsets, cap * sizeof *o);
    if (o) c->offsets = o;
    const char **v = realloc(c->values, cap * sizeof *v);
    if (v) c->values = v;
    Oid *t = realloc(c->types, cap * sizeof *t);
    if (t) c->types = t;
    if (!o || !v || !t) return false;
    c->nparams_cap = cap;
    return true;
}

/* Every parameter of q as text in c->values (NULL for SQL NULL) and its
 * type in c->types. */
static int bind_params(struct orm_conn *c, const orm_compiled *q, orm_error *err)
{
    if (q->nparams > MAX_PARAMS)
        return orm_error_set(err, ORM_E_INTERNAL, "a statement has more than %d parameters", MAX_PARAMS);
    if (!param_room(c, q->nparams)) return orm_error_set(err, ORM_E_INTERNAL, "out of memory");
    rm_sb *sb = &c->params;
    rm_sb_reset(sb);
    for (size_t i = 0; i < q->nparams; i++) {
        const orm_value *p = &q->params[i];
        c->types[i] = param_type(q->param_columns ? q->param_columns[i] : NULL);
        c->offsets[i] = sb->len;
        switch (p->kind) {
        case ORM_V_NULL: c->offsets[i] = SIZE_MAX; continue;
        case ORM_V_INT: rm_sb_append_int(sb, (long long)p->u.i); break;
        case ORM_V_FLOAT:
            if (isnan(p->u.f)) rm_sb_append(sb, "NaN");
            else if (isinf(p->u.f)) rm_sb_append(sb, p->u.f < 0 ? "-Infinity" : "Infinity");
            else orm_decimal_shortest(sb, p->u.f);
            break;
        case ORM_V_TEXT:
            /* a text parameter ends at its first NUL, and PostgreSQL text has none */
            if (p->u.s.n && memchr(p->u.s.p, '\0', p->u.s.n))
                return orm_error_set(err, ORM_E_VALIDATION, "a text value contains a NUL character");
            rm_sb_appendn(sb, p->u.s.p ? p->u.s.p : "", p->u.s.n);
            break;
        }
        rm_sb_appendc(sb, '\0');
    }
    if (sb->err) return orm_error_set(err, ORM_E_INTERNAL, "out of memory");
    for (size_t i = 0; i < q->nparams; i++)
        c->values[i] = c->offsets[i] == SIZE_MAX ? NULL : sb->buf + c->offsets[i];
    return 0;
}

static void cache_forget(struct orm_conn *c)
{
    rm_strmap_free(&c->cache);
    rm_strmap_init(&c->cache);
    c->deallocate = true;
}

/* The prepared statement for q's text (through the cache): its name in
 * name[24]; *hit when it was prepared before, else the name it is to be
 * prepared under (the server's forgotten statements deallocated first). */
static int statement_name(struct orm_conn *c, const orm_compiled *q, char *name, bool *hit, orm_error *err)
{
    uintptr_t n = (uintptr_t)rm_strmap_getn(&c->cache, q->sql, q->sql_len);
    *hit = n != 0;
    if (n) {
        c->stats.cache_hits++;
        snprintf(name, 24, "rm%lu", (unsigned long)n);
        return 0;
    }
    c->stats.cache_misses++;
    int rc;
    if (c->cache.count >= STMT_CACHE_MAX) cache_forget(c);
    if (c->deallocate && PQtransactionStatus(c->pg) != PQTRANS_INERROR) {
        if ((rc = pg_exec(c, "DEALLOCATE ALL", err))) return rc;
        c->deallocate = false;
    }
    n = ++c->last_stmt;
    snprintf(name, 24, "rm%lu", (unsigned long)n);
    return 0;
}

/* Remember q's text as prepared under name (statement_name's). */
static void cache_put(struct orm_conn *c, const orm_compiled *q, const char *name)
{
    /* the map copies the key; q->sql is NUL-terminated at sql_len */
    rm_strmap_put(&c->cache, q->sql, (void *)(uintptr_t)strtoul(name + 2, NULL, 10));
}

/* Send q's Prepare (unless hit) and Execute, after the kept BEGIN when
 * there is one, all in one pipeline; *r gets the Execute's result. c's
 * parameters must be bound. */
static int send_statement(struct orm_conn *c, const orm_compiled *q, const char *name, bool hit,
                          long long deadline, PGresult **r, orm_error *err)
{
    int rc, good = 0, queued = 0;
    bool pipeline = c->begin_pending;
    c->begin_pending = false;
    if (pipeline) {
        if (!PQenterPipelineMode(c->pg) || !PQsendQueryParams(c->pg, c->begin, 0, NULL, NULL, NULL, NULL, 0))
            goto unsent;
        queued++;
    } else if (!hit) { /* alone: Prepare waits for its answer, as Execute does */
        if (!PQsendPrepare(c->pg, name, q->sql, (int)q->nparams, c->types)) goto unsent;
        if ((rc = await_result(c, deadline, NULL, err, q->sql, 0, NULL))) return rc;
        cache_put(c, q, name);
        hit = true;
    }
    if (!hit && !PQsendPrepare(c->pg, name, q->sql, (int)q->nparams, c->types)) goto unsent;
    queued += !hit;
    if (!PQsendQueryPrepared(c->pg, name, (int)q->nparams, c->values, NULL, NULL, 0)) goto unsent;
    if (pipeline && !PQpipelineSync(c->pg)) goto unsent;
    rc = await_result(c, deadline, r, err, q->sql, pipeline ? queued + 1 : 0, &good);
    if (!hit && good >= 2) cache_put(c, q, name); /* BEGIN and Prepare were answered */
    return rc;
unsent:
    rc = map_error(c, NULL, err, q->sql);
    if (PQpipelineStatus(c->pg) == PQ_PIPELINE_OFF) return rc;
    c->broken = true; /* a pipeline half sent */
    return unavailable(err);
}

static col_kind kind_of(Oid type)
{
    switch (type) {
    case OID_INT2: case OID_INT4: case OID_INT8: case OID_OID: return K_INT;
    case OID_FLOAT4: case OID_FLOAT8: return K_FLOAT;
    case OID_BOOL: return K_BOOL;
    case OID_TIMESTAMP: case OID_TIMESTAMPTZ: return K_TIMESTAMP;
    case OID_JSON: case OID_JSONB: return K_JSON;
    default: return K_TEXT;
    }
}

/* Room for n result columns. */
static bool column_room(struct orm_conn *c, size_t n)
{
    if (n <= c->ncols_cap) return true;
    col_info *cols = realloc(c->cols, n * sizeof *cols);
    if (!cols) return false;
    memset(cols + c->ncols_cap, 0, (n - c->ncols_cap) * sizeof *cols);
    c->cols = cols;
    c->ncols_cap = n;
    return true;
}

static int pg_query(orm_conn *c, const orm_compiled *q, orm_cursor **out, orm_error *err)
{
    if (c->broken) return unavailable(err);
    long long deadline = statement_deadline(c);
    if (c->unit_end && (!deadline || c->unit_end < deadline)) deadline = c->unit_end;
    if (deadline && now_ms() >= deadline) {
        orm_error_internal(err, "postgresql: the unit's time was up before: %.300s", q->sql);
        return orm_error_set(err, ORM_E_TIMEOUT, "the statement took too long");
    }
    int rc = bind_params(c, q, err);
    if (rc) return rc;
    char name[24];
    bool hit;
    if ((rc = statement_name(c, q, name, &hit, err))) return rc;
    PGresult *r = NULL;
    if ((rc = send_statement(c, q, name, hit, deadline, &r, err))) {
        /* the server lost the statement (DISCARD ALL) or its plan no longer
         * fits the table (a column changed type): prepare afresh, and let
         * the session run the unit again */
        if (hit && (!strcmp(c->last_state, "26000") || !strcmp(c->last_state, "0A000"))) {
            cache_forget(c);
            return orm_error_set(err, ORM_E_BUSY, "the database is busy");
        }
        return rc;
    }
    size_t ncols = (size_t)PQnfields(r);
    if (!column_room(c, ncols)) {
        PQclear(r);
        return orm_error_set(err, ORM_E_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < ncols; i++) c->cols[i].kind = kind_of(PQftype(r, (int)i));
    const char *changed = PQcmdTuples(r);
    c->cursor = (struct orm_cursor){
        .conn = c, .res = r, .row = -1, .nrows = PQntuples(r), .changes = *changed ? atoll(changed) : 0};
    *out = &c->cursor;
    return 0;
}

static int pg_next(orm_cursor *cur, orm_error *err)
{
    if (cur->row + 1 >= cur->nrows) return 0;
    cur->row++;
    return 1;
}

/* "2024-01-02 03:04:05.5+00" → "2024-01-02T03:04:05.5Z"; another offset
 * keeps its sign ("+05" → "+05:00", "+05:30" as is); a timestamp without
 * zone only gets its 'T'; anything else (infinity, BC, 5-digit years) is
 * copied. out has room for n + 3 bytes. */
static size_t iso_timestamp(char *out, const char *v, size_t n)
{
    memcpy(out, v, n);
    if (n < 19 || v[10] != ' ' || v[13] != ':') return n;
    out[10] = 'T';
    size_t at = 19;
    while (at < n && v[at] != '+' && v[at] != '-') at++;
    if (n - at != 3) return n;
    if (v[at + 1] == '0' && v[at + 2] == '0') {
        out[at] = 'Z';
        return at + 1;
    }
    memcpy(out + n, ":00", 3);
    return n + 3;
}

/* JSON text without blanks outside strings (jsonb writes ", " and ": "). */
static size_t compact_json(char *out, const char *v, size_t n)
{
    size_t k = 0;
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < n; i++) {
        char ch = v[i];
        if (in_string) {
            if (escaped) escaped = false;
            else if (ch == '\\') escaped = true;
            else if (ch == '"') in_string = false;
        } else if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
            continue;
        } else if (ch == '"') {
            in_string = true;
        }
        out[k++] = ch;
    }
    return k;
}

static orm_value pg_column(orm_cursor *cur, size_t i)
{
    const PGresult *r = cur->res;
    int row = cur->row, col = (int)i;
    if (PQgetisnull(r, row, col)) return orm_null();
    const char *v = PQgetvalue(r, row, col);
    size_t n = (size_t)PQgetlength(r, row, col);
    col_info *ci = &cur->conn->cols[i];
    switch (ci->kind) {
    case K_INT: return orm_int(strtoll(v, NULL, 10));
    case K_FLOAT: return orm_float(strtod(v, NULL)); /* also NaN, Infinity, -Infinity */
    case K_BOOL: return orm_int(v[0] == 't');
    case K_TIMESTAMP:
    case K_JSON: {
        if (ci->cap < n + 4) {
            char *p = realloc(ci->buf, n + 4);
            if (!p) return orm_text(v, n); /* as the server wrote it */
            ci->buf = p;
            ci->cap = n + 4;
        }
        size_t len = ci->kind == K_TIMESTAMP ? iso_timestamp(ci->buf, v, n) : compact_json(ci->buf, v, n);
        ci->buf[len] = '\0';
        return orm_text(ci->buf, len);
    }
    case K_TEXT: break;
    }
    return orm_text(v, n);
}

static void pg_row(orm_cursor *cur, orm_value *dst, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = pg_column(cur, i);
}

static int64_t pg_changes(orm_cursor *cur) { return cur->changes; }

static void pg_close(orm_cursor *cur)
{
    if (!cur || !cur->res) return;
    PQclear(cur->res);
    cur->res = NULL;
}

static void pg_stats(orm_conn *c, orm_conn_stats *out) { *out = c->stats; }

static void pg_unit_deadline(orm_conn *c, bool start)
{
    c->unit_end = start && c->statement_timeout_ms > 0 ? now_ms() + c->statement_timeout_ms : 0;
}

/* Usable: not broken, idle outside a transaction, and (without a round
 * trip) the server has not closed the socket: a connection idle in the
 * pool is sent nothing, so anything readable is a notice or the end of
 * the connection (a restart, pg_terminate_backend). ping adds a round
 * trip. */
static int pg_check(orm_conn *c, bool ping, orm_error *err)
{
    /* a BEGIN still kept: a unit ended without COMMIT or ROLLBACK */
    if (PQstatus(c->pg) != CONNECTION_OK || PQtransactionStatus(c->pg) != PQTRANS_IDLE || c->begin_pending)
        c->broken = true;
    for (int i = 0; i < 4 && !c->broken; i++) {
        struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
        if (poll(&p, 1, 0) <= 0) break;
        if (!PQconsumeInput(c->pg) || PQstatus(c->pg) != CONNECTION_OK) c->broken = true;
    }
    if (!c->broken && ping) {
        orm_error ignored;
        orm_error_init(&ignored, NULL);
        if (!PQsendQuery(c->pg, "SELECT 1") ||
            await_result(c, now_ms() + PING_TIMEOUT_MS, NULL, &ignored, "SELECT 1", 0, NULL))
            c->broken = true;
    }
    if (!c->broken) return 0;
    const char *msg = PQerrorMessage(c->pg);
    orm_error_internal(err, "postgresql: the connection is lost: %.*s", (int)strcspn(msg, "\n"), msg);
    return orm_error_set(err, ORM_E_UNAVAILABLE, "the database is unavailable");
}

const orm_driver orm_driver_pg = {
    .name = "postgresql",
    .dialect = &orm_dialect_pg,
    .single_writer = false,
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .exec = pg_exec,
    .begin = pg_begin,
    .query = pg_query,
    .next = pg_next,
    .row = pg_row,
    .changes = pg_changes,
    .close = pg_close,
    .stats = pg_stats,
    .unit_deadline = pg_unit_deadline,
    .check = pg_check,
};
