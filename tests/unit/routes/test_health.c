/* test_health.c: the engine's write lock as a hostile request meets it
 * (issue 9): a thread that asks again for the lock it holds is refused at
 * once instead of waiting for itself, another thread waits at most the busy
 * timeout, and GET /healthz answers 503 while a writer holds the lock past
 * the statement timeout (every write waits behind it), 200 once it lets go.
 * The application runs in-process, called as the server calls it. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "routes/routes_int.h"
#include "tests/suites.h"
#include "tests/support/suite.h"

static rm_app *APP;
static char DIR_[64];

static void open_app(void)
{
    snprintf(DIR_, sizeof DIR_, "/tmp/rm_health_XXXXXX");
    ck_assert(mkdtemp(DIR_) != NULL);
    char url[128];
    snprintf(url, sizeof url, "sqlite:///%s/h.db", DIR_);
    rm_app_config cfg = {.schema_path = "schemas/blog.json", .db_url = url, .create_all = true,
                         .threads = 2, .pool_size = 2, .statement_timeout_ms = 150};
    char err[512];
    ck_assert_msg(rm_app_open(&cfg, &APP, err, sizeof err) == 0, "%s", err);
}

static void close_app(void)
{
    rm_app_close(APP);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", DIR_);
    ck_assert_int_eq(system(cmd), 0);
}

static int healthz(char *detail, size_t n)
{
    rm_arena *a = rm_arena_new();
    rm_request req = {.arena = a, .id = "t", .method = "GET", .path = "/healthz", .raw_path = "/healthz"};
    rm_response resp = {0};
    rm_app_handle(APP, &req, &resp);
    snprintf(detail, n, "%.*s", (int)resp.body_len, resp.body ? resp.body : "");
    rm_arena_destroy(a);
    return resp.status;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

typedef struct locker {
    int rc;
    double waited_s;
} locker;

static void *lock_from_another_thread(void *ud)
{
    locker *l = ud;
    orm_error err;
    orm_error_init(&err, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    l->rc = orm_engine_write_lock(APP->engine, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    l->waited_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (l->rc == 0) orm_engine_write_unlock(APP->engine);
    return NULL;
}

START_TEST(write_lock_waits_are_bounded)
{
    open_app();
    orm_error err;
    orm_error_init(&err, NULL);
    ck_assert_int_eq(orm_engine_write_lock(APP->engine, &err), 0);
    /* the same thread again: refused at once (it would wait for itself) */
    ck_assert_int_eq(orm_engine_write_lock(APP->engine, &err), ORM_E_INTERNAL);
    /* another thread: waits the busy timeout (the statement timeout here), then BUSY */
    locker l = {0};
    pthread_t th;
    pthread_create(&th, NULL, lock_from_another_thread, &l);
    pthread_join(th, NULL);
    ck_assert_int_eq(l.rc, ORM_E_BUSY);
    ck_assert_msg(l.waited_s < 5.0, "waited %.1f s for the write lock", l.waited_s);
    orm_engine_write_unlock(APP->engine);
    pthread_create(&th, NULL, lock_from_another_thread, &l);
    pthread_join(th, NULL);
    ck_assert_int_eq(l.rc, 0);
    close_app();
}
END_TEST

START_TEST(healthz_reports_a_stuck_writer)
{
    open_app();
    char detail[1024];
    ck_assert_int_eq(healthz(detail, sizeof detail), 200);
    orm_error err;
    orm_error_init(&err, NULL);
    ck_assert_int_eq(orm_engine_write_lock(APP->engine, &err), 0);
    sleep_ms(50);
    ck_assert_msg(healthz(detail, sizeof detail) == 200, "a writer within the timeout is not stuck: %s", detail);
    sleep_ms(250); /* past the 150 ms statement timeout */
    ck_assert_int_eq(healthz(detail, sizeof detail), 503);
    ck_assert_msg(strstr(detail, "writer") != NULL, "%s", detail);
    orm_engine_write_unlock(APP->engine);
    ck_assert_int_eq(healthz(detail, sizeof detail), 200);
    close_app();
}
END_TEST

TS_SUITE(health_suite, "routes/health", NULL, NULL, 1, write_lock_waits_are_bounded,
         healthz_reports_a_stuck_writer)
