/* test_limits_orm.c: the ORM's answers to values and amounts of work a
 * client or another program can put in front of it (issue 9, items 2 and
 * 6), against the real binary:
 *  - numeric output for REAL values far past the column's precision,
 *    written straight into the SQLite file (1e300 in a numeric(10,2): every
 *    digit of the double, no stack bytes), -1e308 at scale 300, infinities
 *    (null) and the smallest subnormal, in an item and in a list;
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

/* ------------------------------------------------------------ numeric output */

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

START_TEST(numeric_real_past_the_precision)
{
    rt_response *r = rt_send_json(&lim, "POST", "/api/prices", "{\"amount\": \"12.50\", \"wide\": \"1.5\", \"free\": \"2.25\"}");
    RT_ASSERT_STATUS(r, 201);
    long long id = rt_json_int(r, "id");
    char *wide15 = with_zeros("1.5", 299);
    assert_str_at(r, "amount", "12.50");
    assert_str_at(r, "wide", wide15);
    assert_str_at(r, "free", "2.25");
    rt_response_free(r);

    /* another program writes REALs far past numeric(10,2) and numeric(1000,300) */
    rt_db_exec(&lim, rt_fmt("UPDATE prices SET amount = 1e300, wide = -1e308, free = 1e-7 WHERE id = %lld", id));
    char *t = rt_db_scalar(&lim, rt_fmt("SELECT typeof(amount) || typeof(wide) || typeof(free) FROM prices WHERE id = %lld", id));
    ck_assert_str_eq(t, "realrealreal");
    free(t);
    char *amount = with_zeros(rt_fmt("%s.", EXACT_1E300), 2), *wide = with_zeros(rt_fmt("%s.", EXACT_M1E308), 300);
    r = rt_get(&lim, rt_fmt("/api/prices/%lld", id));
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
    free(wide15);
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
    char *fk = rt_db_scalar(&blog, "PRAGMA foreign_key_check");
    ck_assert_msg(fk == NULL, "foreign key violations: %s", fk);
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
    TS_TCASE(s, "limits", lim_start, lim_stop, 300, numeric_real_past_the_precision, unit_past_the_bound_is_413);
    TS_TCASE(s, "blog", blog_start, blog_stop, 300, delete_user_with_20000_addresses,
             delete_cascade_past_the_bound_is_413);
    return s;
}
