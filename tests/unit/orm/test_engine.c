/* test_engine.c: orm/engine.h: database URLs (accepted, refused, not
 * reachable), the pool (check-out and return, overflow connections closed
 * on return, broken ones closed, waiting for a free connection and giving
 * up with BUSY, one connection for :memory:), the single-writer lock (held
 * per thread, a second unit on the same thread refused, another thread
 * waits then gives up, the time it has been held), ping and statistics. */
#include <check.h>
#include <pthread.h>
#include <string.h>

#include "orm/engine.h"
#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/suite.h"
#include "tests/support/util.h"

static orm_error ERR;
static orm_engine *E;
static char DIR_[256];

static void setup(void)
{
    orm_error_init(&ERR, NULL);
    E = NULL;
    DIR_[0] = '\0';
}

static void teardown(void)
{
    orm_engine_close(E);
    if (DIR_[0]) ts_rmtree(DIR_);
}

/* Open E on a file database in a fresh directory with these pool options. */
static void open_file_engine(int pool_size, int max_overflow, int pool_timeout_ms, int busy_ms)
{
    rt_mkdtemp(DIR_, sizeof DIR_);
    char url[512];
    snprintf(url, sizeof url, "sqlite:///%s/engine.db", DIR_); /* DIR_ is absolute: four slashes */
    orm_engine_options o = {.pool_size = pool_size, .max_overflow = max_overflow,
                            .pool_timeout_ms = pool_timeout_ms, .busy_timeout_ms = busy_ms};
    ck_assert_msg(orm_engine_open(url, &o, &E, &ERR) == 0, "%s: %s", url, ERR.detail);
}

static orm_engine_stats stats(void)
{
    orm_engine_stats s;
    orm_engine_stats_get(E, &s);
    return s;
}

START_TEST(urls_accepted_and_refused)
{
    orm_engine_options o = {.pool_size = 1};
    static const char *const good[] = {"sqlite://:memory:", "sqlite:///:memory:"};
    for (size_t i = 0; i < 2; i++) {
        ck_assert_msg(orm_engine_open(good[i], &o, &E, &ERR) == 0, "%s: %s", good[i], ERR.detail);
        ck_assert_ptr_eq(orm_engine_driver(E), &orm_driver_sqlite);
        ck_assert_ptr_eq(orm_engine_driver(E)->dialect, &orm_dialect_sqlite);
        /* the engine's own copy of it, with its compiled cache */
        ck_assert_str_eq(orm_engine_dialect(E)->name, "sqlite");
        ck_assert_ptr_nonnull(orm_engine_dialect(E)->cache);
        ck_assert_ptr_null(orm_engine_echo(E));
        orm_engine_close(E);
        E = NULL;
    }
    static const struct { const char *url, *detail; } bad[] = {
        {"sqlite://", "expected sqlite:///"},   {"sqlite://relative.db", "expected sqlite:///"},
        {"sqlite:///", "expected sqlite:///"},  {"mysql://x/y", "unknown database URL scheme"},
        {"", "unknown database URL scheme"},
        /* what libpq cannot read */
        {"postgresql://u@h/db?nosuchoption=1", "not a valid PostgreSQL URL"},
        {"postgres://[::1/db", "not a valid PostgreSQL URL"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orm_error_init(&ERR, NULL);
        ck_assert_int_eq(orm_engine_open(bad[i].url, &o, &E, &ERR), ORM_E_CONFIG);
        ck_assert_msg(strstr(ERR.detail, bad[i].detail) != NULL, "%s: %s", bad[i].url, ERR.detail);
        E = NULL;
    }
    /* a well-formed URL whose file cannot be opened */
    ck_assert_int_eq(orm_engine_open("sqlite:////nonexistent-restmap-dir/x/y.db", &o, &E, &ERR),
                     ORM_E_UNAVAILABLE);
    E = NULL;
    /* PostgreSQL URLs go to libpq as they are: a server that is not there
     * is unavailable (port 1 on loopback refuses at once) */
    static const char *const pg[] = {"postgresql://127.0.0.1:1/db", "postgres://u@127.0.0.1:1/db"};
    for (size_t i = 0; i < 2; i++) {
        orm_error_init(&ERR, NULL);
        ck_assert_int_eq(orm_engine_open(pg[i], &o, &E, &ERR), ORM_E_UNAVAILABLE);
        ck_assert_msg(strstr(ERR.detail, "PostgreSQL") != NULL, "%s: %s", pg[i], ERR.detail);
        /* at start-up the reason is in the detail: the operator reads it */
        ck_assert_msg(strstr(ERR.detail, "127.0.0.1") != NULL, "%s: %s", pg[i], ERR.detail);
        E = NULL;
    }
    orm_engine_close(NULL);
}
END_TEST

START_TEST(options_are_kept)
{
    FILE *echo = tmpfile();
    orm_engine_options o = {.pool_size = 1, .statement_timeout_ms = 1234, .echo = echo};
    ck_assert_int_eq(orm_engine_open("sqlite://:memory:", &o, &E, &ERR), 0);
    ck_assert_ptr_eq(orm_engine_echo(E), echo);
    ck_assert_int_eq(orm_engine_statement_timeout_ms(E), 1234);
    ck_assert_int_eq(orm_engine_ping(E, &ERR), 0);
    orm_engine_close(E);
    E = NULL;
    fclose(echo);
}
END_TEST

START_TEST(pool_checks_out_and_returns)
{
    open_file_engine(2, 1, 50, 1000);
    ck_assert_int_eq(stats().pool_open, 1); /* one connection opened to check the database */
    orm_conn *c[4];
    for (int i = 0; i < 3; i++) ck_assert_int_eq(orm_engine_checkout(E, &c[i], &ERR), 0);
    ck_assert(c[0] != c[1] && c[1] != c[2] && c[0] != c[2]);
    ck_assert_int_eq(stats().pool_open, 3);
    ck_assert_int_eq(stats().pool_in_use, 3);
    /* pool_size + max_overflow reached: the next waits pool_timeout_ms, then BUSY */
    ck_assert_int_eq(orm_engine_checkout(E, &c[3], &ERR), ORM_E_BUSY);
    ck_assert_ptr_nonnull(strstr(ERR.detail, "no database connection"));
    for (int i = 0; i < 3; i++) orm_engine_checkin(E, c[i], false);
    /* the overflow connection is closed on return; pool_size stay open */
    ck_assert_int_eq(stats().pool_open, 2);
    ck_assert_int_eq(stats().pool_in_use, 0);
    /* an idle connection is handed out again (the most recently returned) */
    orm_conn *again;
    ck_assert_int_eq(orm_engine_checkout(E, &again, &ERR), 0);
    ck_assert(again == c[0] || again == c[1] || again == c[2]);
    ck_assert_int_eq(stats().pool_open, 2);
    /* a broken connection is closed, not pooled, and the idle one with it:
     * after a server restart every pooled connection is stale */
    orm_engine_checkin(E, again, true);
    ck_assert_int_eq(stats().pool_open, 0);
    ck_assert_int_eq(stats().pool_in_use, 0);
    ck_assert_int_eq(orm_engine_checkout(E, &again, &ERR), 0); /* a new one */
    ck_assert_int_eq(stats().pool_open, 1);
    orm_engine_checkin(E, again, false);
}
END_TEST

START_TEST(memory_database_has_one_connection)
{
    orm_engine_options o = {.pool_size = 4, .max_overflow = 4, .pool_timeout_ms = 30};
    ck_assert_int_eq(orm_engine_open("sqlite://:memory:", &o, &E, &ERR), 0);
    orm_conn *a, *b;
    ck_assert_int_eq(orm_engine_checkout(E, &a, &ERR), 0);
    /* a second connection would be a second, empty database: there is none */
    ck_assert_int_eq(orm_engine_checkout(E, &b, &ERR), ORM_E_BUSY);
    orm_engine_checkin(E, a, false);
    ck_assert_int_eq(orm_engine_checkout(E, &b, &ERR), 0);
    ck_assert_ptr_eq(a, b);
    orm_engine_checkin(E, b, false);
}
END_TEST

/* An engine call made on another thread. */
typedef struct other {
    int (*op)(struct other *o);
    int rc;
    orm_conn *got;
    orm_error err;
    pthread_t thread;
} other;

static void *other_main(void *ud)
{
    other *o = ud;
    orm_error_init(&o->err, NULL);
    o->rc = o->op(o);
    return NULL;
}

static void other_start(other *o, int (*op)(other *o))
{
    o->op = op;
    pthread_create(&o->thread, NULL, other_main, o);
}

static int other_join(other *o)
{
    pthread_join(o->thread, NULL);
    return o->rc;
}

static int op_checkout(other *o) { return orm_engine_checkout(E, &o->got, &o->err); }

static int op_lock(other *o)
{
    int rc = orm_engine_write_lock(E, &o->err);
    if (rc == 0) orm_engine_write_unlock(E);
    return rc;
}

START_TEST(waiting_checkout_gets_a_returned_connection)
{
    open_file_engine(1, 0, 10000, 1000);
    orm_conn *mine;
    ck_assert_int_eq(orm_engine_checkout(E, &mine, &ERR), 0);
    other o = {0};
    other_start(&o, op_checkout);
    for (int i = 0; i < 1000 && stats().pool_waiting == 0; i++) ts_sleep_ms(1);
    ck_assert_int_eq(stats().pool_waiting, 1); /* the other thread waits (/metrics shows it) */
    ck_assert_int_eq(stats().pool_idle, 0);
    orm_engine_checkin(E, mine, false);
    ck_assert_int_eq(other_join(&o), 0);
    ck_assert_ptr_eq(o.got, mine);
    orm_engine_checkin(E, o.got, false);
}
END_TEST

static int lock_from_another_thread(void)
{
    other o = {0};
    other_start(&o, op_lock);
    return other_join(&o);
}

START_TEST(single_writer_lock)
{
    open_file_engine(1, 0, 1000, 30);
    ck_assert_int_eq(stats().writer_held_ms, 0);
    ck_assert_int_eq(orm_engine_write_lock(E, &ERR), 0);
    /* the same thread again would wait for itself */
    ck_assert_int_eq(orm_engine_write_lock(E, &ERR), ORM_E_INTERNAL);
    ck_assert_ptr_nonnull(strstr(ERR.detail, "inside another"));
    /* another thread waits the busy timeout, then gives up */
    ck_assert_int_eq(lock_from_another_thread(), ORM_E_BUSY);
    ts_sleep_ms(20);
    ck_assert_int_ge(stats().writer_held_ms, 10);
    orm_engine_write_unlock(E);
    ck_assert_int_eq(stats().writer_held_ms, 0);
    ck_assert_int_eq(lock_from_another_thread(), 0);
    /* and this thread may take it again */
    ck_assert_int_eq(orm_engine_write_lock(E, &ERR), 0);
    orm_engine_write_unlock(E);
}
END_TEST

START_TEST(statements_are_counted)
{
    open_file_engine(1, 0, 1000, 1000);
    orm_engine_stats s0 = stats();
    orm_engine_count_statement(E, false);
    orm_engine_count_statement(E, true);
    orm_engine_count_statement(E, true);
    orm_engine_stats s1 = stats();
    ck_assert_uint_eq(s1.statements - s0.statements, 3);
    ck_assert_uint_eq(s1.cache_hits - s0.cache_hits, 2);
    ck_assert_uint_eq(s1.cache_misses - s0.cache_misses, 1);
    /* ping checks a pooled connection out and back in */
    ck_assert_int_eq(orm_engine_ping(E, &ERR), 0);
    ck_assert_int_eq(stats().pool_in_use, 0);
}
END_TEST

TS_SUITE(engine_suite, "orm/engine", setup, teardown, 1, urls_accepted_and_refused, options_are_kept,
         pool_checks_out_and_returns, memory_database_has_one_connection,
         waiting_checkout_gets_a_returned_connection, single_writer_lock, statements_are_counted)
