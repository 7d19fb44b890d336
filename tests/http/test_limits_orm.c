/* test_limits_orm.c: the ORM's answers to values and amounts of work a
 * client or another program can put in front of it (issue 9, items 2 and
 * 6), against the real binary:
 *  - numeric values at their scale, 300 places too (REAL values far past
 *    the precision, written straight into an SQLite file, are in
 *    test_sqlite_file.c);
 *  - deleting a user with 20,000 addresses: the addresses deleted (cascade
 *    "all, delete-orphan"), the posts kept with user_id NULL;
 *  - a delete whose cascade passes the bound (100,000 rows) is 413 naming
 *    the limit, with nothing written; one row fewer and it goes through;
 *  - a unit of more than 500,000 objects is 413 with nothing written.
 * No timed assertions: the linear flush is measured, not asserted.
 *
 * Servers, one per TCase: "limits" (tests/http/schemas/limits_orm.json:
 * prices with numeric(10,2), numeric(1000,300) and an unconstrained
 * numeric; tags with only optional columns) and "blog" (schemas/blog.json,
 * no seed). Both take --max-body 64 MiB. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sb.h"
#include "tests/suites.h"
#include "tests/support/rt.h"

#define LIMITS "tests/http/schemas/limits_orm.json"
#define BLOG "schemas/blog.json"

static rt_server lim, blog;
static const char *const big_body[] = {"--max-body", "67108864", NULL};

RT_FIXTURE(lim, LIMITS, NULL, big_body)
RT_FIXTURE(blog, BLOG, NULL, big_body)

/* ------------------------------------------------------------ helpers */

/* The request (as in rt_case) is refused with a 413 problem whose detail
 * names the limit, and the database is as it was. */
static void refused_413(const rt_server *s, const char *request, const char *limit)
{
    char *before = rt_db_fingerprint(s);
    rt_response *r = rt_checked(s, request, "413");
    const char *detail = json_string_value(json_object_get(r->json, "detail"));
    ck_assert_msg(strstr(detail, limit), "%s: the detail does not say \"%s\": %s", r->what, limit, detail);
    rt_response_free(r);
    char *after = rt_db_fingerprint(s);
    ck_assert_msg(!strcmp(before, after), "a refused request changed the database");
    free(before);
    free(after);
}

/* ------------------------------------------------------------ numeric output */

/* Exact decimals at their scale, written and read through the API: 12.50
 * in a numeric(10,2), 1.5 with its 300 places in a numeric(1000,300), 2.25
 * in a numeric without a scale. (REAL values past the precision, written
 * straight into the file, are SQLite's own: test_sqlite_file.c.) */
START_TEST(numeric_keeps_its_scale)
{
    rt_response *r = rt_checked(&lim, "POST /api/prices {\"amount\": \"12.50\", \"wide\": \"1.5\", \"free\": \"2.25\"}",
                                rt_fmt("201 amount = '12.50'; wide = '1.5%0*d'; free = '2.25'", 299, 0));
    rt_check(&lim, rt_fmt("/api/prices/%lld", rt_json_int(r, "id")),
             rt_fmt("amount = '12.50'; wide = '1.5%0*d'; free = '2.25'", 299, 0));
    rt_response_free(r);
}
END_TEST

/* ------------------------------------------------------------ deletes */

static long long new_user(const rt_server *s, const char *name, size_t naddresses)
{
    rm_sb b;
    rm_sb_init(&b, NULL);
    rm_sb_appendf(&b, "{\"name\": \"%s\", \"addresses\": [", name);
    for (size_t i = 0; i < naddresses; i++) rm_sb_appendf(&b, "%s{\"email_address\": \"%s%zu@x.org\"}", i ? "," : "", name, i);
    rm_sb_append(&b, "]}");
    rt_response *r = rt_send_json(s, "POST", "/api/users", b.buf);
    rm_sb_free(&b);
    RT_ASSERT_STATUS(r, 201);
    long long id = rt_json_int(r, "id");
    ck_assert_uint_eq(json_array_size(rt_json_at(r, "addresses")), naddresses);
    rt_response_free(r);
    return id;
}

START_TEST(delete_user_with_20000_addresses)
{
    long long u = new_user(&blog, "many", 20000), other = new_user(&blog, "other", 3);
    for (int i = 0; i < 3; i++)
        rt_check(&blog, rt_fmt("POST /api/posts {\"headline\": \"p%d\", \"user_id\": %lld, \"keywords\": [{\"keyword\": \"k%d\"}]}",
                               i, u, i), "201");
    rt_assert_sql(&blog, "20000", "SELECT count(*) FROM addresses WHERE user_id = %lld", u);
    rt_check(&blog, rt_fmt("DELETE /api/users/%lld", u), "204");
    rt_assert_sql(&blog, "0", "SELECT count(*) FROM users WHERE id = %lld", u);
    rt_assert_sql(&blog, "0", "SELECT count(*) FROM addresses WHERE email_address LIKE 'many%%'");
    /* the posts stay, detached (no cascade on User.posts), with their keywords */
    rt_assert_sql(&blog, "3", "SELECT count(*) FROM posts WHERE user_id IS NULL AND headline LIKE 'p_'");
    rt_assert_sql(&blog, "3", "SELECT count(*) FROM post_keywords");
    /* the other user is untouched */
    rt_assert_sql(&blog, "3", "SELECT count(*) FROM addresses WHERE user_id = %lld", other);
    rt_assert_foreign_keys(&blog);
}
END_TEST

/* A user and n addresses written straight into the file (fast at any n). */
static void sql_user(const rt_server *s, long long id, long long n)
{
    rt_db_exec(s, rt_fmt("INSERT INTO users (id, name, version) VALUES (%lld, 'bulk%lld', 1)", id, id));
    rt_db_exec(s, rt_fmt("WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < %lld) "
                    "INSERT INTO addresses (email_address, user_id) SELECT 'b' || x || '@x.org', %lld FROM k",
                    n, id));
}

/* The bound counts the user and its addresses: 1 + 99,999 rows may go,
 * 1 + 100,000 may not (found after loading no more than the bound). */
START_TEST(delete_cascade_past_the_bound_is_413)
{
    sql_user(&blog, 700000, 100000);
    refused_413(&blog, "DELETE /api/users/700000", "more than 100000 rows");

    /* one address fewer, and the user goes */
    RT_CASES_AT(&blog, rt_fmt("%lld", rt_db_int(&blog, "SELECT max(id) FROM addresses WHERE user_id = 700000")),
        {"DELETE /api/addresses/%s", "204"},
        {"DELETE /api/users/700000", "204"},
    );
    rt_assert_sql(&blog, "0", "SELECT count(*) FROM addresses WHERE user_id = 700000");
    rt_assert_sql(&blog, "0", "SELECT count(*) FROM users WHERE id = 700000");
}
END_TEST

/* ------------------------------------------------------------ units */

START_TEST(unit_past_the_bound_is_413)
{
    rt_check(&lim, "POST /api/tags [{\"label\": \"a\"}, {}]", "201");
    /* 500,001 new objects (3 bytes each): one past the bound */
    rm_sb b;
    rm_sb_init(&b, NULL);
    rm_sb_append(&b, "POST /api/tags [");
    for (int i = 0; i <= 500000; i++) rm_sb_append(&b, i ? ",{}" : "{}");
    rm_sb_appendc(&b, ']');
    refused_413(&lim, b.buf, "more than 500000 objects");
    rm_sb_free(&b);
    rt_check(&lim, "/api/tags?count=exact", "meta.total = 2");
}
END_TEST

Suite *http_limits_orm_suite(void)
{
    Suite *s = suite_create("http_limits_orm");
    TS_TCASE(s, "limits", lim_start, lim_stop, 300, numeric_keeps_its_scale, unit_past_the_bound_is_413);
    TS_TCASE(s, "blog", blog_start, blog_stop, 300, delete_user_with_20000_addresses,
             delete_cascade_past_the_bound_is_413);
    return s;
}
