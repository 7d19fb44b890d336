/* driver_sqlite.c: the SQLite driver, the only file that calls sqlite3_*.
 *
 * Each connection: WAL journal, synchronous=NORMAL, foreign_keys=ON,
 * case_sensitive_like=ON (LIKE is case-sensitive as on PostgreSQL; ILIKE
 * is compiled to lower() LIKE lower()), a busy timeout, a progress handler
 * enforcing the statement timeout, and a prepared-statement cache keyed by
 * SQL text (bounded; emptied whole when full), recent statements found
 * first by their compiled shape's id (orm_compiled.shape_id). Error codes map to orm_code:
 * constraint violations → CONFLICT, BUSY/LOCKED → BUSY, I/O → UNAVAILABLE.
 * Two aggregate functions make numeric sums exact (SQLite keeps numeric
 * values as REAL or INTEGER): rm_scaled_sum(x, s) and rm_scaled_avg(x, s)
 * (dialect.h, orm/aggregate.h). */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/strmap.h"
#include "orm/decimal.h"
#include "orm/driver.h"

#define STMT_CACHE_MAX 512
#define RECENT_SLOTS 64    /* statements found by their compiled shape's id (a power of two) */
#define PROGRESS_EVERY 4   /* virtual-machine instructions between deadline checks */

struct orm_cursor {
    struct orm_conn *conn;
    sqlite3_stmt *stmt;
    int64_t changes;
    bool cached;       /* stmt belongs to the cache (reset, not finalized) */
};

struct orm_conn {
    sqlite3 *db;
    rm_strmap cache;   /* SQL text → sqlite3_stmt* */
    struct recent {    /* in front of the map: statements by orm_compiled.shape_id */
        uint64_t id;
        sqlite3_stmt *st;
    } recent[RECENT_SLOTS];
    orm_conn_stats stats;
    int statement_timeout_ms;
    struct timespec deadline;      /* of the running statement */
    bool armed;                    /* deadline applies (not to BEGIN/COMMIT/ROLLBACK) */
    struct timespec unit_end;      /* of the running unit; tv_sec 0 = none */
    bool timed_out;
    struct orm_cursor cursor; /* the one cursor */
    struct key_kind *kinds;   /* keys_increase's answers, by the caller's table name */
    size_t nkinds;
};

/* Whether a table's keys increase (sqlite_keys_increase), asked once per
 * connection: keyed by the address of the schema's name (it outlives the
 * engine), as the statement cache is by text. */
struct key_kind {
    const char *table;
    bool increase;
};

/* The table and columns of "UNIQUE constraint failed: t.a, t.b" into err. */
static void unique_columns(const char *msg, orm_error *err)
{
    const char *p = strstr(msg, "constraint failed: ");
    if (!p) return;
    p += strlen("constraint failed: ");
    const char *dot = strchr(p, '.');
    if (!dot) return;
    char cols[160];
    size_t n = 0;
    for (const char *item = p; *item;) {
        size_t len = strcspn(item, ",");
        const char *d = memchr(item, '.', len);
        size_t k = d ? len - (size_t)(d + 1 - item) : 0;
        if (d && n + k + 1 < sizeof cols) { /* "t.a": the name after its table */
            if (n) cols[n++] = ',';
            memcpy(cols + n, d + 1, k);
            n += k;
        }
        item += len;
        item += strspn(item, ", ");
    }
    orm_error_conflict(err, p, (size_t)(dot - p), cols, n);
}

static int map_error(sqlite3 *db, int rc, orm_error *err, const char *sql)
{
    int ext = db ? sqlite3_extended_errcode(db) : rc;
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    orm_error_internal(err, "sqlite: %s (%d)%s%.300s", msg, ext, sql ? " in: " : "", sql ? sql : "");
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        switch (ext) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
            unique_columns(msg, err);
            return orm_error_set(err, ORM_E_CONFLICT, "a row with the same unique value already exists");
        case SQLITE_CONSTRAINT_FOREIGNKEY:
            return orm_error_set(err, ORM_E_CONFLICT, "the change would break a foreign-key reference");
        case SQLITE_CONSTRAINT_NOTNULL:
            return orm_error_set(err, ORM_E_CONFLICT, "a required column would be NULL");
        case SQLITE_CONSTRAINT_CHECK: /* a row restmap's own checks let through (another writer's rule) */
            return orm_error_set(err, ORM_E_VALIDATION, "the change breaks a check constraint");
        default:
            return orm_error_set(err, ORM_E_CONFLICT, "the change violates a constraint");
        }
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return orm_error_set(err, ORM_E_BUSY, "the database is busy");
    case SQLITE_INTERRUPT: return orm_error_set(err, ORM_E_TIMEOUT, "the statement took too long");
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_READONLY: return orm_error_set(err, ORM_E_UNAVAILABLE, "the database is unavailable");
    default: return orm_error_set(err, ORM_E_INTERNAL, "database error");
    }
}

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* The coarse clock (a few ms of resolution) costs a few nanoseconds: the
 * progress handler can ask it every few instructions. */
static bool past_deadline(struct orm_conn *c)
{
    if (c->statement_timeout_ms <= 0 || !c->armed) return false;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    return before(&c->deadline, &now);
}

/* Progress handler: interrupt when the statement deadline has passed. */
static int progress(void *ud)
{
    struct orm_conn *c = ud;
    if (!past_deadline(c)) return 0;
    c->timed_out = true;
    return 1;
}

/* The timeout from now; a statement of a unit ends with the unit at the
 * latest (unit = false: the timeout alone). */
static void arm_deadline(struct orm_conn *c, bool unit)
{
    c->armed = true;
    if (c->statement_timeout_ms <= 0) return;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &c->deadline);
    c->deadline.tv_sec += c->statement_timeout_ms / 1000;
    c->deadline.tv_nsec += (long)(c->statement_timeout_ms % 1000) * 1000000L;
    if (c->deadline.tv_nsec >= 1000000000L) {
        c->deadline.tv_sec++;
        c->deadline.tv_nsec -= 1000000000L;
    }
    if (unit && c->unit_end.tv_sec && before(&c->unit_end, &c->deadline)) c->deadline = c->unit_end;
}

static void sqlite_unit_deadline(orm_conn *c, bool start)
{
    c->unit_end = (struct timespec){0, 0};
    if (!start || c->statement_timeout_ms <= 0) return;
    arm_deadline(c, false);
    c->unit_end = c->deadline;
}

static void finalize_one(const char *key, void *value, void *ud) { sqlite3_finalize(value); }

static void cache_clear(struct orm_conn *c)
{
    memset(c->recent, 0, sizeof c->recent);
    rm_strmap_each(&c->cache, finalize_one, NULL);
    rm_strmap_free(&c->cache);
    rm_strmap_init(&c->cache);
}

/* ---- exact sums of numeric values ------------------------------------------
 *
 * rm_scaled_sum(x, s): the sum of the non-NULL x, each taken as the decimal
 * a list shows for it at scale s (convert.c: a REAL's exact expansion
 * rounded half away from zero, an INTEGER padded, a decimal TEXT rounded),
 * as an integer in units of 10^-s, summed in 128 bits: never in floating
 * point. rm_scaled_avg(x, s): that sum's mean in units of 10^-(s+4),
 * rounded half away from zero. Both are NULL over no value; a result
 * beyond 64 bits is returned as a REAL (its approximation), which
 * orm/aggregate.c reports as too large. */
__extension__ typedef __int128 scaled_int;
#define SCALED_LIMIT ((scaled_int)1 << 120) /* past it, a sum is only "too large" */

/* The running state, copied in and out of SQLite's aggregate context
 * (which is only 8-byte aligned: no 128-bit member lives there). */
typedef struct scaled_acc {
    scaled_int sum;
    int64_t n;
    bool over; /* a value or the sum outgrew 120 bits */
} scaled_acc;

typedef struct scaled_store {
    unsigned char bytes[sizeof(scaled_acc)];
} scaled_store;

/* The context's state into *acc (zero at the first call); the context, or NULL. */
static scaled_store *load_acc(sqlite3_context *cx, int grow, scaled_acc *acc)
{
    scaled_store *st = sqlite3_aggregate_context(cx, grow ? (int)sizeof *st : 0);
    if (st) memcpy(acc, st->bytes, sizeof *acc);
    else memset(acc, 0, sizeof *acc);
    return st;
}

/* The decimal d at scale s as an integer in units of 10^-s into *out; false
 * when it does not fit. */
static bool scaled_of(orm_decimal d, int s, scaled_int *out)
{
    rm_sb t;
    rm_sb_init(&t, NULL);
    orm_decimal_write(&t, d, s);
    scaled_int v = 0;
    bool ok = !t.err;
    for (size_t i = 0; ok && i < t.len; i++) {
        char ch = t.buf[i];
        if (ch < '0' || ch > '9') continue;
        if (v > SCALED_LIMIT / 10) ok = false;
        v = v * 10 + (ch - '0');
    }
    rm_sb_free(&t);
    *out = d.neg ? -v : v;
    return ok;
}

static bool scaled_value(sqlite3_value *x, int s, scaled_int *out)
{
    rm_sb t;
    rm_sb_init(&t, NULL);
    switch (sqlite3_value_type(x)) {
    case SQLITE_INTEGER: rm_sb_append_int(&t, (long long)sqlite3_value_int64(x)); break;
    case SQLITE_FLOAT: {
        double f = sqlite3_value_double(x);
        if (f != f || f - f != 0) { /* NaN or infinite */
            rm_sb_free(&t);
            return false;
        }
        orm_decimal_exact(&t, f);
        break;
    }
    default: rm_sb_appendn(&t, (const char *)sqlite3_value_text(x), (size_t)sqlite3_value_bytes(x)); break;
    }
    orm_decimal d;
    bool ok = !t.err && orm_decimal_parse(t.buf, t.len, &d) && scaled_of(d, s, out);
    rm_sb_free(&t);
    return ok;
}

static void scaled_step(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    scaled_acc acc;
    scaled_store *st = load_acc(cx, 1, &acc);
    if (!st) {
        sqlite3_result_error_nomem(cx);
        return;
    }
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
    scaled_int v;
    acc.n++;
    if (!scaled_value(argv[0], sqlite3_value_int(argv[1]), &v)) acc.over = true;
    else acc.sum += v;
    if (acc.sum > SCALED_LIMIT || acc.sum < -SCALED_LIMIT) acc.over = true;
    memcpy(st->bytes, &acc, sizeof acc);
}

static void scaled_result(sqlite3_context *cx, const scaled_acc *acc, scaled_int v)
{
    if (!acc->over && v <= INT64_MAX && v >= INT64_MIN) sqlite3_result_int64(cx, (sqlite3_int64)v);
    else sqlite3_result_double(cx, acc->over ? (acc->sum < 0 ? -1e300 : 1e300) : (double)v);
}

static void scaled_sum_final(sqlite3_context *cx)
{
    scaled_acc acc;
    load_acc(cx, 0, &acc);
    if (!acc.n) sqlite3_result_null(cx);
    else scaled_result(cx, &acc, acc.sum);
}

static void scaled_avg_final(sqlite3_context *cx)
{
    scaled_acc acc;
    load_acc(cx, 0, &acc);
    if (!acc.n) {
        sqlite3_result_null(cx);
        return;
    }
    /* |sum| <= 2^120 and 2 * 10^4 < 2^15: the product fits in 127 bits...
     * only below 2^112: past it the mean is "too large" too */
    scaled_int m = acc.sum < 0 ? -acc.sum : acc.sum, n = acc.n;
    if (m >= (scaled_int)1 << 112) acc.over = true;
    scaled_int q = acc.over ? 0 : (m * 10000 * 2 / n + 1) / 2; /* half away from zero on the magnitude */
    scaled_result(cx, &acc, acc.sum < 0 ? -q : q);
}

static void sqlite_disconnect(orm_conn *c)
{
    if (!c) return;
    cache_clear(c);
    free(c->kinds);
    sqlite3_close_v2(c->db);
    free(c);
}

static int prepare(struct orm_conn *c, const orm_compiled *q, sqlite3_stmt **st, bool *cached,
                   orm_error *err);

/* One statement without rows: BEGIN/COMMIT/ROLLBACK come from the statement
 * cache (parsed once per connection); several at once (the set-up pragmas)
 * go through sqlite3_exec. */
static int sqlite_exec(orm_conn *c, const char *sql, orm_error *err)
{
    /* transaction verbs and set-up: the busy timeout bounds their lock
     * waits; interrupting a ROLLBACK or COMMIT helps no one */
    c->armed = false;
    if (strchr(sql, ';')) {
        int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
        return rc == SQLITE_OK ? 0 : map_error(c->db, rc, err, sql);
    }
    orm_compiled q;
    orm_compiled_text(&q, sql);
    sqlite3_stmt *st;
    bool cached;
    int rc = prepare(c, &q, &st, &cached, err);
    if (rc) return rc;
    int step = sqlite3_step(st);
    rc = step == SQLITE_DONE || step == SQLITE_ROW ? 0 : map_error(c->db, step, err, sql);
    sqlite3_reset(st);
    return rc;
}

static int sqlite_connect(const char *target, const orm_conn_options *opt, orm_conn **out,
                          orm_error *err)
{
    struct orm_conn *c = calloc(1, sizeof *c);
    if (!c) return orm_error_set(err, ORM_E_INTERNAL, "out of memory");
    rm_strmap_init(&c->cache);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(target, &c->db, flags, NULL);
    if (rc != SQLITE_OK) {
        orm_error_set(err, ORM_E_UNAVAILABLE, "cannot open SQLite database %s: %s", target,
                      c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        sqlite_disconnect(c);
        return ORM_E_UNAVAILABLE;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, opt->busy_timeout_ms);
    c->statement_timeout_ms = opt->statement_timeout_ms;
    /* every few instructions: a scan whose rows each cost one long LIKE runs
     * only a handful of instructions per row, and must stop between rows */
    if (c->statement_timeout_ms > 0) sqlite3_progress_handler(c->db, PROGRESS_EVERY, progress, c);
    int fl = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
    sqlite3_create_function_v2(c->db, "rm_scaled_sum", 2, fl, NULL, NULL, scaled_step, scaled_sum_final, NULL);
    sqlite3_create_function_v2(c->db, "rm_scaled_avg", 2, fl, NULL, NULL, scaled_step, scaled_avg_final, NULL);
    static const char *const pragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA case_sensitive_like=ON;";
    if ((rc = sqlite_exec(c, pragmas, err)) != 0) {
        orm_error_set(err, rc, "cannot set up SQLite database %s: %s", target, err->internal);
        sqlite_disconnect(c);
        return rc;
    }
    *out = c;
    return 0;
}

static int bind_value(sqlite3_stmt *st, int i, const orm_value *v)
{
    switch (v->kind) {
    case ORM_V_NULL: return sqlite3_bind_null(st, i);
    case ORM_V_INT: return sqlite3_bind_int64(st, i, v->u.i);
    case ORM_V_FLOAT: return sqlite3_bind_double(st, i, v->u.f);
    case ORM_V_TEXT: return sqlite3_bind_text(st, i, v->u.s.p ? v->u.s.p : "", (int)v->u.s.n, SQLITE_STATIC);
    }
    return SQLITE_MISUSE;
}

static int prepare(struct orm_conn *c, const orm_compiled *q, sqlite3_stmt **st, bool *cached,
                   orm_error *err)
{
    /* a text from the compiled cache: found by its entry's id (never
     * another text's) without hashing the text; ids are handed out in
     * sequence, so recent entries take distinct slots */
    struct recent *r = q->shape_id ? &c->recent[q->shape_id & (RECENT_SLOTS - 1)] : NULL;
    if (r && r->id == q->shape_id) {
        *st = r->st;
        c->stats.cache_hits++;
        *cached = true;
        return 0;
    }
    *st = rm_strmap_getn(&c->cache, q->sql, q->sql_len);
    if (*st) {
        if (r) *r = (struct recent){q->shape_id, *st};
        c->stats.cache_hits++;
        *cached = true;
        return 0;
    }
    c->stats.cache_misses++;
    int rc = sqlite3_prepare_v3(c->db, q->sql, (int)q->sql_len, SQLITE_PREPARE_PERSISTENT, st, NULL);
    if (rc != SQLITE_OK) return map_error(c->db, rc, err, q->sql);
    if (c->cache.count >= STMT_CACHE_MAX) cache_clear(c);
    /* the map copies the key; q->sql is NUL-terminated at sql_len */
    rm_strmap_put(&c->cache, q->sql, *st);
    if (r) *r = (struct recent){q->shape_id, *st};
    *cached = true;
    return 0;
}

static int sqlite_query(orm_conn *c, const orm_compiled *q, orm_cursor **out, orm_error *err)
{
    sqlite3_stmt *st;
    bool cached = false;
    int rc = prepare(c, q, &st, &cached, err);
    if (rc) return rc;
    for (size_t i = 0; i < q->nparams; i++) {
        int brc = bind_value(st, (int)i + 1, &q->params[i]);
        if (brc != SQLITE_OK) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return map_error(c->db, brc, err, q->sql);
        }
    }
    c->cursor = (struct orm_cursor){.conn = c, .stmt = st, .cached = cached};
    c->timed_out = false;
    arm_deadline(c, true);
    *out = &c->cursor;
    return 0;
}

static int sqlite_next(orm_cursor *cur, orm_error *err)
{
    /* the progress handler runs between virtual-machine steps; one step
     * (a LIKE over a long value) can outlast it: check between rows too */
    if (past_deadline(cur->conn)) {
        orm_error_internal(err, "sqlite: deadline passed between rows in: %.300s", sqlite3_sql(cur->stmt));
        return orm_error_set(err, ORM_E_TIMEOUT, "the statement took too long");
    }
    int rc = sqlite3_step(cur->stmt);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) {
        cur->changes = sqlite3_changes64(cur->conn->db);
        return 0;
    }
    int ext = sqlite3_extended_errcode(cur->conn->db);
    int mapped = map_error(cur->conn->db, ext, err, sqlite3_sql(cur->stmt));
    return mapped ? mapped : ORM_E_INTERNAL;
}

/* Each column through its sqlite3_value: one checked call per column,
 * then the value_* readers, which skip the statement checks each
 * column_* call repeats (the values are read before the next step, on the
 * one thread using the connection, as column_* calls would be). */
static void sqlite_row(orm_cursor *cur, orm_value *dst, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_value *v = sqlite3_column_value(cur->stmt, (int)i);
        switch (sqlite3_value_type(v)) {
        case SQLITE_INTEGER: dst[i] = orm_int(sqlite3_value_int64(v)); break;
        case SQLITE_FLOAT: dst[i] = orm_float(sqlite3_value_double(v)); break;
        case SQLITE_NULL: dst[i] = orm_null(); break;
        default: {
            const char *p = (const char *)sqlite3_value_text(v);
            dst[i] = orm_text(p ? p : "", (size_t)sqlite3_value_bytes(v));
        }
        }
    }
}

static int64_t sqlite_changes(orm_cursor *cur) { return cur->changes; }

static int64_t sqlite_last_insert_id(orm_cursor *cur) { return sqlite3_last_insert_rowid(cur->conn->db); }

static bool sqlite_keys_increase(orm_conn *c, const char *table, const char *column)
{
    for (size_t i = 0; i < c->nkinds; i++)
        if (c->kinds[i].table == table) return c->kinds[i].increase;
    int autoinc = 0;
    bool inc = sqlite3_table_column_metadata(c->db, NULL, table, column, NULL, NULL, NULL, NULL, &autoinc) == SQLITE_OK &&
               autoinc;
    struct key_kind *k = realloc(c->kinds, (c->nkinds + 1) * sizeof *k);
    if (!k) return inc; /* asked again next time */
    c->kinds = k;
    c->kinds[c->nkinds++] = (struct key_kind){table, inc};
    return inc;
}

static void sqlite_close(orm_cursor *cur)
{
    if (!cur || !cur->stmt) return;
    sqlite3_reset(cur->stmt);
    sqlite3_clear_bindings(cur->stmt);
    if (!cur->cached) sqlite3_finalize(cur->stmt);
    cur->stmt = NULL;
}

static void sqlite_stats(orm_conn *c, orm_conn_stats *out) { *out = c->stats; }

const orm_driver orm_driver_sqlite = {
    .name = "sqlite",
    .dialect = &orm_dialect_sqlite,
    .single_writer = true,
    .connect = sqlite_connect,
    .disconnect = sqlite_disconnect,
    .exec = sqlite_exec,
    .query = sqlite_query,
    .next = sqlite_next,
    .row = sqlite_row,
    .changes = sqlite_changes,
    .last_insert_id = sqlite_last_insert_id,
    .keys_increase = sqlite_keys_increase,
    .close = sqlite_close,
    .stats = sqlite_stats,
    .unit_deadline = sqlite_unit_deadline,
};
