/* test_sqlite_file.c: what restmap does with SQLite itself, against the
 * real binary; registered SQLITE_ONLY in suites.def, so the PostgreSQL run
 * leaves it out (and says so):
 *  - sqlite:// URLs: a file that cannot be opened and a scheme restmap
 *    does not know exit with one line naming the URL; RESTMAP_DB naming a
 *    file is the file used (made on --create-all, seeded);
 *  - SQLite's single writer lock held by another process: the unit is
 *    retried a bounded number of times, then 503, nothing written, and the
 *    same write succeeds once the lock is gone;
 *  - values only another program can put in an SQLite file: REALs far
 *    past a numeric column's precision (1e300 in a numeric(10,2): every
 *    digit of the double, no stack bytes; -1e308 at scale 300; infinities
 *    as null; the smallest subnormal) in an item and in a list, and text
 *    with invalid UTF-8, answered with U+FFFD in its place.
 * PostgreSQL refuses all three kinds of value (precision, infinity in
 * numeric(p,s), invalid UTF-8 in text) and has no file lock. */
#include <check.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/utf8.h"
#include "tests/suites.h"
#include "tests/support/rt.h"

#define BLOG "schemas/blog.json"
#define BLOG_SEED "schemas/blog.seed.json"
#define LIMITS "tests/http/schemas/limits_orm.json"

static rt_server lim, blog;

RT_FIXTURE(lim, LIMITS, NULL, NULL)
RT_FIXTURE(blog, BLOG, BLOG_SEED, NULL)

/* ------------------------------------------------------------ URLs */

START_TEST(unopenable_file_and_unknown_scheme)
{
    char *abs_blog = realpath(BLOG, NULL);
    static const struct { const char *db, *needle; } cases[] = {
        {"sqlite:////nonexistent-restmap-dir/sub/x.db", "/nonexistent-restmap-dir/sub/x.db"},
        {"mysql://localhost/x", "mysql://localhost/x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *const args[] = {"--schema", abs_blog, "--db", cases[i].db, "--port", "0", NULL};
        char *err;
        int status = rt_run(args, NULL, NULL, &err);
        ck_assert_msg(status > 0, "%s: exit status %d: %s", cases[i].db, status, err);
        size_t n = strlen(err); /* exactly one non-empty line */
        ck_assert_msg(n > 1 && err[n - 1] == '\n' && memchr(err, '\n', n - 1) == NULL,
                      "%s: expected one line on stderr, got: \"%s\"", cases[i].db, err);
        ck_assert_msg(strstr(err, cases[i].needle) != NULL, "%s not named: %s", cases[i].needle, err);
        free(err);
    }
    free(abs_blog);
}
END_TEST

START_TEST(env_db_names_the_file)
{
    char dir[256], schema[PATH_MAX + 32], seed[PATH_MAX + 32], db[400], dbfile[300];
    rt_mkdtemp(dir, sizeof dir);
    char *abs_schema = realpath(BLOG, NULL), *abs_seed = realpath(BLOG_SEED, NULL);
    snprintf(schema, sizeof schema, "RESTMAP_SCHEMA=%s", abs_schema);
    snprintf(seed, sizeof seed, "RESTMAP_SEED=%s", abs_seed);
    snprintf(dbfile, sizeof dbfile, "%s/from-env.db", dir);
    snprintf(db, sizeof db, "RESTMAP_DB=sqlite:///%s", dbfile);
    free(abs_schema);
    free(abs_seed);
    const char *const env[] = {schema, seed, db, "RESTMAP_CREATE_ALL=yes", "RESTMAP_ECHO=on", NULL};
    rt_server s;
    rt_start o = {.env = env, .no_db = true, .dir = dir};
    rt_server_start_ex(&s, &o);
    ck_assert_msg(access(dbfile, F_OK) == 0, "RESTMAP_DB was not used");
    rt_check(&s, "/api/users?count=exact&limit=0", "meta.total = 5");
    ck_assert_msg(rt_server_log_wait(&s, "SELECT count(*)", 2000), "RESTMAP_ECHO had no effect");
    rt_server_stop(&s);
    rt_rmtree(dir);
}
END_TEST

/* ------------------------------------------------------------ the write lock */

/* A blog server with a short statement timeout, and another connection
 * holding SQLite's write lock on its file (ROLLBACK and close it). */
static sqlite3 *start_locked_out(rt_server *s)
{
    static const char *const args[] = {"--statement-timeout-ms", "100", NULL};
    rt_server_start(s, BLOG, BLOG_SEED, args);
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(s->db_path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    return db;
}

/* Another process holds SQLite's write lock: the unit is retried whole a
 * bounded number of times, then answers 503; nothing is written; once the
 * lock is gone the same write succeeds. */
START_TEST(busy_database_answers_503_then_recovers)
{
    rt_server s;
    sqlite3 *db = start_locked_out(&s);
    rt_check(&s, "POST /api/keywords {\"keyword\": \"locked out\"}", "503");
    ck_assert_int_eq(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    rt_assert_sql(&s, "0", "SELECT count(*) FROM keywords WHERE keyword = 'locked out'");
    rt_check(&s, "POST /api/keywords {\"keyword\": \"locked out\"}", "201");
    ck_assert(rt_server_log_wait(&s, "the database stayed busy", 1000)); /* logged with its request id */
    rt_server_stop(&s);
}
END_TEST

/* A batch whose operations only read (GET, POST .../_query) takes no write
 * lock: it answers while another process holds SQLite's; one write among
 * them makes it wait like any write. */
START_TEST(a_batch_of_reads_takes_no_write_lock)
{
    rt_server s;
    sqlite3 *db = start_locked_out(&s);
    rt_check(&s, "POST /api/_batch {'operations': [{'method': 'GET', 'path': '/api/users?limit=1'}, "
                 "{'method': 'POST', 'path': '/api/users/_query', 'body': {'limit': 1}}]}",
             "200; results[].status = [200, 200]");
    rt_check(&s, "POST /api/_batch {'operations': [{'method': 'POST', 'path': '/api/users/_query', 'body': {}}, "
                 "{'method': 'POST', 'path': '/api/keywords', 'body': {'keyword': 'locked out'}}]}",
             "503");
    ck_assert_int_eq(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    rt_server_stop(&s);
}
END_TEST

/* ------------------------------------------------------------ values written by another program */

/* "digits" followed by n zeros (malloc'd). */
static char *with_zeros(const char *digits, size_t n)
{
    size_t k = strlen(digits);
    char *s = malloc(k + n + 1);
    ck_assert_ptr_nonnull(s);
    memcpy(s, digits, k);
    memset(s + k, '0', n);
    s[k + n] = '\0';
    return s;
}

/* Assert that member path of r is the string want (or null for NULL). */
static void assert_str_at(const rt_response *r, const char *path, const char *want)
{
    json_t *v = rt_json_at(r, path);
    if (!want) {
        ck_assert_msg(json_is_null(v), "%s: %s is not null: %.300s", r->what, path, r->body);
        return;
    }
    ck_assert_msg(json_is_string(v), "%s: %s is not a string: %.300s", r->what, path, r->body);
    ck_assert_msg(!strcmp(json_string_value(v), want), "%s: %s is\n  %s\nnot\n  %s", r->what, path,
                  json_string_value(v), want);
}

/* The exact values of the doubles 1e300 and -1e308 (Python's Decimal(1e300)). */
static const char EXACT_1E300[] =
    "1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864"
    "0437044438328838781769425232353604305756447921847867069828483872009265758037378302337947880900593689"
    "53234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160";
static const char EXACT_M1E308[] =
    "-100000000000000001097906362944045541740492309677311846336810682903157585404911491537163328978494688"
    "8990612496697211725156115902837431400883283070091981460460312716645029330271856974896995885590433383"
    "8446616500117842689762621294517762809119578670745812278397017178441510529180289320787327297488571543"
    "0223118336";

/* (The same row written through the API keeps its scale on both
 * backends: test_limits_orm.c, numeric_keeps_its_scale.) */
START_TEST(numeric_real_past_the_precision)
{
    long long id = rt_create(&lim, "POST /api/prices {\"amount\": \"12.50\", \"wide\": \"1.5\", \"free\": \"2.25\"}");

    /* another program writes REALs far past numeric(10,2) and numeric(1000,300) */
    rt_db_exec(&lim, rt_fmt("UPDATE prices SET amount = 1e300, wide = -1e308, free = 1e-7 WHERE id = %lld", id));
    rt_assert_sql(&lim, "realrealreal", "SELECT typeof(amount) || typeof(wide) || typeof(free) FROM prices WHERE id = %lld",
                  id);
    char *amount = with_zeros(rt_fmt("%s.", EXACT_1E300), 2), *wide = with_zeros(rt_fmt("%s.", EXACT_M1E308), 300);
    rt_response *r = rt_get(&lim, rt_fmt("/api/prices/%lld", id));
    RT_ASSERT_STATUS(r, 200);
    assert_str_at(r, "amount", amount);
    assert_str_at(r, "wide", wide);
    assert_str_at(r, "free", "0.0000001");
    rt_response_free(r);
    r = rt_get(&lim, rt_fmt("/api/prices?id=%lld", id));
    RT_ASSERT_STATUS(r, 200);
    assert_str_at(r, "data.0.amount", amount);
    assert_str_at(r, "data.0.wide", wide);
    rt_response_free(r);

    /* infinities (SQLite keeps them) are null; the smallest subnormal is
     * 0.00 at scale 2 and its shortest decimal without a scale */
    rt_db_exec(&lim, rt_fmt("UPDATE prices SET amount = 9e999, wide = -9e999, free = 5e-324 WHERE id = %lld", id));
    r = rt_get(&lim, rt_fmt("/api/prices/%lld", id));
    RT_ASSERT_STATUS(r, 200);
    assert_str_at(r, "amount", NULL);
    assert_str_at(r, "wide", NULL);
    char *tiny = with_zeros("0.", 323);
    char *tiny5 = malloc(strlen(tiny) + 2);
    sprintf(tiny5, "%s5", tiny);
    assert_str_at(r, "free", tiny5);
    rt_response_free(r);
    rt_db_exec(&lim, rt_fmt("UPDATE prices SET amount = -5e-324, wide = 123 WHERE id = %lld", id));
    r = rt_get(&lim, rt_fmt("/api/prices/%lld", id));
    assert_str_at(r, "amount", "0.00");
    char *w123 = with_zeros("123.", 300);
    assert_str_at(r, "wide", w123);
    rt_response_free(r);
    free(w123);
    free(tiny);
    free(tiny5);
    free(amount);
    free(wide);
}
END_TEST

/* The answer to request, 200 and valid UTF-8 (the caller frees it). */
static rt_response *valid_utf8_answer(const rt_server *s, const char *request)
{
    rt_response *r = rt_checked(s, request, "200");
    ck_assert_msg(rm_utf8_valid(r->body, r->body_len), "%s: the answer is not valid UTF-8: %.300s", r->what, r->body);
    return r;
}

/* A value another program stored with invalid UTF-8 is answered with
 * U+FFFD in its place. */
START_TEST(answers_never_carry_invalid_utf8)
{
    rt_db_exec(&blog, "INSERT INTO users (id, name, fullname) VALUES (777, 'bad' || CAST(X'FF' AS TEXT), "
                      "CAST(X'C328' AS TEXT))");
    rt_response *r = valid_utf8_answer(&blog, "/api/users/777");
    ck_assert_str_eq(rt_json_str(r, "name"), "bad\xEF\xBF\xBD");
    rt_response_free(r);
    rt_response_free(valid_utf8_answer(&blog, "/api/users?name=bad%EF%BF%BD"));
    rt_db_exec(&blog, "DELETE FROM users WHERE id = 777");
}
END_TEST

Suite *http_sqlite_suite(void)
{
    Suite *s = suite_create("http_sqlite");
    TS_TCASE(s, "urls", NULL, NULL, 60, unopenable_file_and_unknown_scheme, env_db_names_the_file);
    TS_TCASE(s, "lock", NULL, NULL, 60, busy_database_answers_503_then_recovers, a_batch_of_reads_takes_no_write_lock);
    TS_TCASE(s, "limits", lim_start, lim_stop, 60, numeric_real_past_the_precision);
    TS_TCASE(s, "blog", blog_start, blog_stop, 60, answers_never_carry_invalid_utf8);
    return s;
}
