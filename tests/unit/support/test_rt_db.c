/* test_rt_db.c: the HTTP harness's database side (tests/support/rt_db.h)
 * on the backend of the run, without restmap: a database per server
 * directory (the same one again in the same directory, dropped with the
 * directory), the portable SQL forms the HTTP suites use answering as
 * they expect, fingerprints that see every change and no order of
 * insertion, and the foreign key and integrity checks. Runs on both
 * backends (EVERY_BACKEND in suites.def). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/backend.h"
#include "tests/support/rt.h"
#include "tests/support/suite.h"

/* A server record for a new directory and its database, as rt_server_start
 * makes one, with the table t; no process. */
static void new_db(rt_server *s)
{
    memset(s, 0, sizeof *s);
    rt_mkdtemp(s->dir, sizeof s->dir);
    rt_db_attach(s);
    if (rt_backend() == RT_SQLITE) { /* restmap makes the file; here the test does */
        FILE *f = fopen(s->db_path, "w");
        ck_assert_ptr_nonnull(f);
        fclose(f);
    }
    rt_db_exec(s, "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(20), n INTEGER, "
                  "parent_id INTEGER REFERENCES t (id))");
}

static void five_rows(const rt_server *s)
{
    rt_db_exec(s, "WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < 5) "
                  "INSERT INTO t (id, name, n, parent_id) SELECT x, 'n' || x, x * 10, NULL FROM k");
    rt_db_exec(s, "UPDATE t SET parent_id = id - 1 WHERE id > 2");
}

/* How many databases of that name the server has (SQLite: none has a name). */
static long long databases_named(const rt_server *probe, const char *name)
{
    if (rt_backend() == RT_SQLITE) return 0;
    return rt_db_int(probe, rt_fmt("SELECT count(*) FROM pg_database WHERE datname = '%s'", name));
}

START_TEST(a_database_per_directory)
{
    rt_server a, b, again;
    new_db(&a);
    new_db(&b);
    char url[sizeof a.db_url];
    if (rt_backend() == RT_SQLITE) {
        snprintf(url, sizeof url, "sqlite:///%s/test.db", a.dir);
        ck_assert_str_eq(a.db_url, url);
        ck_assert_str_eq(a.db_name, "");
    } else {
        ck_assert_msg(!strncmp(a.db_name, "rt_", 3) && strcmp(a.db_name, b.db_name) != 0, "%s, %s", a.db_name,
                      b.db_name);
        ck_assert_msg(rt_pg_database_url(a.db_name, url, sizeof url), "URL too long");
        ck_assert_str_eq(a.db_url, url);
        ck_assert_ptr_nonnull(strstr(a.db_url, rt_fmt("/%s", a.db_name)));
        ck_assert_int_eq(databases_named(&b, a.db_name), 1);
    }
    /* the same directory again: the same database, with its table and rows */
    five_rows(&a);
    memset(&again, 0, sizeof again);
    snprintf(again.dir, sizeof again.dir, "%s", a.dir);
    rt_db_attach(&again);
    ck_assert_str_eq(again.db_url, a.db_url);
    rt_assert_sql(&again, "5", "SELECT count(*) FROM t");
    rt_assert_sql(&b, "0", "SELECT count(*) FROM t");
    /* removing the directory drops it */
    char name[sizeof a.db_name];
    snprintf(name, sizeof name, "%s", a.db_name);
    rt_rmtree(a.dir);
    ck_assert_int_eq(databases_named(&b, name), 0);
    rt_rmtree(b.dir);
}
END_TEST

START_TEST(portable_sql_answers_alike)
{
    rt_server s;
    new_db(&s);
    five_rows(&s);
    rt_assert_sql(&s, "5", "SELECT count(*) FROM t");
    rt_assert_sql(&s, NULL, "SELECT id FROM t WHERE id = 99"); /* no row */
    rt_assert_sql(&s, "NULL", "SELECT parent_id FROM t WHERE id = 1");
    ck_assert_int_eq(rt_db_int(&s, "SELECT max(n) FROM t"), 50);
    /* rows instead of group_concat, in the order asked */
    rt_assert_sql_list(&s, "n5,n4,n3,n2,n1", "SELECT name FROM t ORDER BY id DESC");
    rt_assert_sql_list(&s, "", "SELECT name FROM t WHERE id > 5");
    char *first = rt_db_scalar(&s, "SELECT name FROM t ORDER BY id");
    ck_assert_str_eq(first, "n1");
    free(first);
    /* || with numbers, CAST to text for a NULL's stand-in */
    rt_assert_sql(&s, "n3|30", "SELECT name || '|' || n FROM t WHERE id = 3");
    rt_assert_sql_list(&s, "1:null,2:null,3:2,4:3,5:4",
                       "SELECT id || ':' || coalesce(CAST(parent_id AS TEXT), 'null') FROM t ORDER BY id");
    /* a comparison counted, not selected (booleans differ: 1 or t) */
    rt_assert_sql(&s, "3", "SELECT count(*) FROM t c JOIN t p ON p.id = c.parent_id WHERE p.id < c.id");
    /* a long value as one literal */
    char *sql = malloc(200100);
    ck_assert_ptr_nonnull(sql);
    int k = sprintf(sql, "UPDATE t SET name = NULL, n = length('");
    memset(sql + k, 'a', 200000);
    strcpy(sql + k + 200000, "') WHERE id = 5");
    rt_db_exec(&s, sql);
    free(sql);
    rt_assert_sql(&s, "200000", "SELECT n FROM t WHERE id = 5");
    rt_assert_sql(&s, "1", "SELECT count(*) FROM t WHERE name LIKE 'n%%' AND name LIKE '%%1'");
    rt_rmtree(s.dir);
}
END_TEST

START_TEST(fingerprints_see_every_change)
{
    rt_server s, other;
    new_db(&s);
    new_db(&other);
    five_rows(&s);
    char *before = rt_db_fingerprint(&s);
    ck_assert_ptr_nonnull(strstr(before, "table t"));
    static const char *const changes[][2] = {
        {"UPDATE t SET name = 'N' WHERE id = 2", "UPDATE t SET name = 'n2' WHERE id = 2"},
        {"UPDATE t SET name = NULL WHERE id = 2", "UPDATE t SET name = 'n2' WHERE id = 2"},
        {"UPDATE t SET n = 21 WHERE id = 2", "UPDATE t SET n = 20 WHERE id = 2"},
        {"INSERT INTO t (id, name) VALUES (6, NULL)", "DELETE FROM t WHERE id = 6"},
        {"CREATE TABLE u (x INTEGER)", "DROP TABLE u"},
    };
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        rt_db_exec(&s, changes[i][0]);
        char *changed = rt_db_fingerprint(&s);
        ck_assert_msg(strcmp(before, changed) != 0, "%s left the fingerprint as it was", changes[i][0]);
        free(changed);
        rt_db_exec(&s, changes[i][1]);
        char *back = rt_db_fingerprint(&s);
        ck_assert_msg(strcmp(before, back) == 0, "%s then %s: the fingerprint differs", changes[i][0], changes[i][1]);
        free(back);
    }
    /* the same rows written in another order: the same fingerprint */
    rt_db_exec(&other, "INSERT INTO t (id, name, n) VALUES (5, 'n5', 50), (3, 'n3', 30), (1, 'n1', 10), "
                       "(4, 'n4', 40), (2, 'n2', 20)");
    rt_db_exec(&other, "UPDATE t SET parent_id = id - 1 WHERE id > 2");
    char *same = rt_db_fingerprint(&other);
    ck_assert_msg(strcmp(before, same) == 0, "fingerprints of the same rows differ:\n%s\n%s", before, same);
    free(same);
    free(before);
    rt_rmtree(s.dir);
    rt_rmtree(other.dir);
}
END_TEST

START_TEST(foreign_keys_and_integrity)
{
    rt_server s;
    new_db(&s);
    five_rows(&s);
    rt_assert_foreign_keys(&s);
    char *v = rt_db_integrity(&s);
    ck_assert_msg(v == NULL, "integrity: %s", v);
    /* a row whose parent is not there, written as another program could:
     * SQLite checks no foreign key unless asked, PostgreSQL's replica role
     * skips its checks */
    rt_db_exec(&s, rt_backend() == RT_POSTGRESQL
                       ? "SET session_replication_role = replica; INSERT INTO t (id, parent_id) VALUES (7, 99)"
                       : "INSERT INTO t (id, parent_id) VALUES (7, 99)");
    v = rt_db_fk_violations(&s);
    ck_assert_msg(v != NULL && strstr(v, "t") != NULL, "the missing parent was not found");
    free(v);
    rt_db_exec(&s, "UPDATE t SET parent_id = NULL WHERE id = 7"); /* MATCH SIMPLE: NULL refers to nothing */
    rt_assert_foreign_keys(&s);
    rt_rmtree(s.dir);
}
END_TEST

TS_SUITE(rt_db_suite, "support/rt_db", NULL, NULL, 1, a_database_per_directory, portable_sql_answers_alike,
         fingerprints_see_every_change, foreign_keys_and_integrity)
