/* session.c: transactions, execution and retry; see session.h. */
#include "orm/session.h"

#include <string.h>
#include <time.h>

#define MAX_ATTEMPTS 5

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void orm_session_init(orm_session *s, orm_engine *e, const struct orm_schema *schema, rm_arena *a,
                      orm_error *err)
{
    memset(s, 0, sizeof *s);
    s->engine = e;
    s->schema = schema;
    s->arena = a;
    s->err = err;
    orm_identity_map_init(&s->map, a, true);
}

/* A unit starts with no objects: nothing loaded by an earlier attempt (or
 * batch operation) is taken for the database's current state. */
static void begin_unit(orm_session *s)
{
    orm_identity_map_init(&s->map, s->arena, s->write); /* a read-only unit tracks no changes */
    s->uow = NULL;
}

static void echo(orm_session *s, const orm_compiled *q, bool cached)
{
    FILE *f = orm_engine_echo(s->engine);
    if (!f) return;
    rm_sb sb;
    rm_sb_init(&sb, s->arena);
    rm_sb_appendf(&sb, "restmap: SQL %s", q->sql);
    if (q->nparams) {
        rm_sb_append(&sb, " -- [");
        for (size_t i = 0; i < q->nparams; i++) {
            if (i) rm_sb_append(&sb, ", ");
            const orm_column *c = q->param_columns ? q->param_columns[i] : NULL;
            /* write-only and hidden values (passwords) stay out of logs */
            bool secret = c && (c->write_only || c->hidden) && q->params[i].kind != ORM_V_NULL;
            rm_sb_append(&sb, secret ? "'***'" : orm_value_repr(s->arena, &q->params[i]));
        }
        rm_sb_appendc(&sb, ']');
    }
    rm_sb_append(&sb, cached ? " (cached)\n" : " (prepared)\n");
    fputs(sb.buf, f);
    fflush(f);
}

/* Run (and echo) a transaction verb; begin: it opens the transaction,
 * through the driver's begin where it has one (which may send it with
 * the next statement: echoed here all the same). */
static int exec_verb(orm_session *s, const char *sql, bool begin)
{
    const orm_driver *d = orm_engine_driver(s->engine);
    FILE *f = orm_engine_echo(s->engine);
    if (f) fprintf(f, "restmap: SQL %s\n", sql);
    double t0 = now_ms();
    int rc = begin && d->begin ? d->begin(s->conn, sql, s->err) : d->exec(s->conn, sql, s->err);
    s->db_ms += now_ms() - t0;
    return rc;
}

/* Open the unit's transaction. */
static int begin_tx(orm_session *s)
{
    const orm_dialect *dl = orm_engine_dialect(s->engine);
    int rc = exec_verb(s, s->write ? dl->begin_write : dl->begin_read, true);
    s->in_tx = rc == 0;
    return rc;
}

int orm_session_nested(orm_session *s, orm_unit_fn fn, void *ud)
{
    int rc = s->in_tx ? 0 : begin_tx(s);
    if (rc) return rc;
    begin_unit(s);
    return fn(s, ud);
}

void orm_session_last(orm_session *s, bool last)
{
    s->alone = last && !s->write && !s->in_tx && !s->ran;
}

int orm_session_execute(orm_session *s, const orm_compiled *q, orm_result *out)
{
    return orm_session_query(s, q, 0, out);
}

/* The current row's ncols values, read into dst, counting the text bytes
 * a query reads. copy: their texts copied (NUL-terminated) into one
 * allocation of the arena; else they stay in the driver's memory, valid
 * until the next row. */
static void read_row(orm_session *s, const orm_driver *d, orm_cursor *cur, const orm_compiled *q,
                     size_t ncols, orm_value *dst, bool copy)
{
    size_t text = 0, ntext = 0;
    d->row(cur, dst, ncols);
    for (size_t c = 0; c < ncols; c++) {
        if (dst[c].kind != ORM_V_TEXT) continue;
        text += dst[c].u.s.n;
        ntext++;
    }
    if (q->is_query) s->bytes += text;
    if (copy && ntext) orm_values_move_texts(dst, ncols, rm_arena_alloc(s->arena, text + ntext));
}

/* Run q and read its rows: with fn, each row is passed to fn as it is
 * read (its texts the driver's); else they are collected into out (may be
 * NULL), an array with room for `expect` rows first. */
static int run_rows(orm_session *s, const orm_compiled *q, size_t expect, orm_result *out, orm_row_fn fn,
                    void *ud)
{
    const orm_driver *d = orm_engine_driver(s->engine);
    orm_cursor *cur;
    orm_conn_stats before, after;
    bool alone = s->alone;
    s->alone = false;
    if (!s->in_tx && !alone) {
        int rc = begin_tx(s);
        if (rc) return rc;
    }
    s->ran = true;
    double t0 = now_ms();
    s->statements++;
    d->stats(s->conn, &before);
    int rc = d->query(s->conn, q, &cur, s->err);
    d->stats(s->conn, &after);
    bool cached = after.cache_hits > before.cache_hits;
    orm_engine_count_statement(s->engine, cached);
    echo(s, q, cached);
    if (rc) goto done;
    size_t ncols = q->returns_rows && (out || fn) ? q->nresult : 0, nrows = 0, cap = 0;
    orm_value *vals = NULL;
    if (fn && ncols) {
        cap = 1; /* scratch for one row */
        vals = rm_arena_alloc(s->arena, ncols * sizeof *vals);
    } else if (ncols && expect) {
        cap = expect < ORM_EXPECT_ROWS_MAX ? expect : ORM_EXPECT_ROWS_MAX;
        vals = rm_arena_alloc(s->arena, cap * ncols * sizeof *vals);
    }
    while ((rc = d->next(cur, s->err)) == 1) {
        if (!ncols) continue;
        if (q->is_query && ++s->rows > s->max_rows && s->max_rows) {
            rc = orm_error_set(s->err, ORM_E_TOO_LARGE,
                               "the request would read more than %zu rows: ask for fewer (a smaller "
                               "limit, fewer includes or operations)", s->max_rows);
            break;
        }
        if (!fn && nrows == cap) {
            size_t ncap = cap ? cap * 2 : q->is_query ? 16 : 1; /* DML RETURNING: one row */
            vals = rm_arena_realloc(s->arena, vals, cap * ncols * sizeof *vals,
                                    ncap * ncols * sizeof *vals);
            cap = ncap;
        }
        orm_value *row = fn ? vals : vals + nrows * ncols;
        read_row(s, d, cur, q, ncols, row, fn == NULL);
        nrows++;
        if (s->max_bytes && s->bytes > s->max_bytes) {
            rc = orm_error_set(s->err, ORM_E_TOO_LARGE,
                               "the request would read more than %zu bytes of values: ask for fewer "
                               "rows or fields", s->max_bytes);
            break;
        }
        if (fn) fn(ud, row);
    }
    if (out) {
        out->nrows = fn ? 0 : nrows;
        out->ncols = ncols;
        out->values = fn ? NULL : vals;
        out->columns = q->result_columns;
        out->changes = rc == 0 ? d->changes(cur) : 0;
        out->last_id = rc == 0 && d->last_insert_id ? d->last_insert_id(cur) : 0;
    }
    d->close(cur);
done:
    s->db_ms += now_ms() - t0;
    return rc < 0 ? rc : 0;
}

int orm_session_query(orm_session *s, const orm_compiled *q, size_t expect, orm_result *out)
{
    return run_rows(s, q, expect, out, NULL, NULL);
}

int orm_session_each(orm_session *s, const orm_compiled *q, orm_row_fn fn, void *ud)
{
    return run_rows(s, q, 0, NULL, fn, ud);
}

static void backoff(int attempt)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now); /* jitter from the clock: rand() is not thread-safe */
    struct timespec ts = {0, (long)(attempt * 5 + now.tv_nsec % 5) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One attempt: take the write lock (writes), check out, begin (a read-only
 * unit: at its first statement, orm_session_execute), run, commit or roll
 * back, check in. The unit's statements share one deadline: the
 * statement timeout bounds the whole unit, not each statement. */
static int attempt(orm_session *s, orm_unit_fn fn, void *ud)
{
    const orm_driver *d = orm_engine_driver(s->engine);
    int rc;
    if (s->write && (rc = orm_engine_write_lock(s->engine, s->err))) {
        s->lock_waited = true; /* the wait was the whole budget: no retry */
        return rc;
    }
    rc = orm_engine_checkout(s->engine, &s->conn, s->err);
    if (rc) {
        if (s->write) orm_engine_write_unlock(s->engine);
        s->lock_waited = rc == ORM_E_BUSY; /* the pool's whole wait: no retry */
        return rc;
    }
    s->rows = s->bytes = 0;
    s->ran = s->alone = false;
    rc = s->write ? begin_tx(s) : 0; /* a read-only unit's: at its first statement */
    if (rc == 0) {
        d->unit_deadline(s->conn, true);
        begin_unit(s);
        rc = fn(s, ud);
        d->unit_deadline(s->conn, false);
        if (s->in_tx && rc == 0) rc = exec_verb(s, "COMMIT", false);
        if (s->in_tx && rc != 0) {
            orm_error keep = *s->err; /* ROLLBACK must not hide the first error */
            exec_verb(s, "ROLLBACK", false);
            *s->err = keep;
        }
        s->in_tx = false;
    }
    if (s->write) orm_engine_write_unlock(s->engine);
    orm_engine_checkin(s->engine, s->conn, rc == ORM_E_UNAVAILABLE);
    s->conn = NULL;
    return rc;
}

int orm_session_run(orm_session *s, bool write, orm_unit_fn fn, void *ud)
{
    s->write = write;
    s->lock_waited = false;
    int rc;
    bool reconnected = false;
    for (s->attempts = 1;; s->attempts++) {
        rc = attempt(s, fn, ud);
        /* a connection from before a server restart: the pool has started
         * over (orm_engine_checkin), so once more on a new connection */
        if (rc == ORM_E_UNAVAILABLE && !reconnected) {
            reconnected = true;
            orm_error_init(s->err, s->err->arena);
            continue;
        }
        if (rc != ORM_E_BUSY || s->lock_waited || s->attempts >= MAX_ATTEMPTS) break;
        orm_error_init(s->err, s->err->arena);
        backoff(s->attempts);
    }
    if (rc == ORM_E_BUSY && !s->lock_waited)
        orm_error_set(s->err, ORM_E_BUSY, "the database stayed busy; try again");
    return rc;
}
