/* test_bench_requests.c: the statements of issue 15's benchmark requests
 * (tests/support/bench_requests.h: schemas/blog.json, 1000 users of two
 * addresses loaded by one bulk POST) on the backend of the run, read from
 * Server-Timing, exactly, and the same when the request is repeated: GET by
 * id 1, a page with its addresses 2 whatever its size, the filtered page 1,
 * a POST with two nested addresses 2, a PATCH of one column 3 (the row, the
 * UPDATE, the addresses of the answer). A bulk POST writes each table in
 * multi-row INSERTs of at most 256 rows, cut into powers of two (orm/flush.c
 * insert_chunk): its statements follow the rows per table, not one per row.
 * The instructions these requests take are tests/perf/instr_budget.sh's. */
#include <check.h>
#include <stdlib.h>

#include "tests/suites.h"
#include "tests/support/bench_requests.h"
#include "tests/support/rt.h"

static rt_server bench;

/* A bulk POST of n users (user<first>...), each with two addresses: 201, n
 * objects in data, the statements it ran. */
static int bulk_post(int first, int n)
{
    char *body = bench_users_body(first, n);
    rt_response *r = rt_send_json(&bench, "POST", BENCH_COLLECTION, body);
    free(body);
    RT_ASSERT_STATUS(r, 201);
    json_t *data = rt_json_at(r, "data");
    ck_assert_msg(json_is_array(data) && json_array_size(data) == (size_t)n, "%s: %d objects wanted: %.300s",
                  r->what, n, r->body);
    ck_assert_int_eq(json_array_size(json_object_get(json_array_get(data, (size_t)n - 1), "addresses")), 2);
    int queries = rt_queries(r);
    rt_response_free(r);
    return queries;
}

/* The server of every test, with the benchmark's data: 1000 users and 2000
 * addresses in 7 + 10 INSERTs (1000 = 3 x 256 + 128 + 64 + 32 + 8; 2000 =
 * 7 x 256 + 128 + 64 + 16). */
static void bench_start(void)
{
    rt_server_start(&bench, BENCH_SCHEMA, NULL, NULL);
    ck_assert_int_eq(bulk_post(0, BENCH_USERS), 17);
}

static void bench_stop(void)
{
    rt_server_stop(&bench);
}

/* Each request three times: the count must not grow with the statement
 * cache, the identity map or the rows written in between. */
#define THRICE(request, expect)                    \
    for (int k_ = 0; k_ < 3; k_++) rt_check(&bench, (request), (expect))

START_TEST(get_by_id_is_one_statement)
{
    THRICE(BENCH_GET_ID, "id = 500; name = 'user499'; !addresses; @queries = 1");
    THRICE("/api/users/1?include=", "id = 1; @queries = 1");
    THRICE("/api/users/1000?include=", "id = 1000; @queries = 1");
    /* the default include: one more for the addresses */
    THRICE("/api/users/500", "addresses # 2; @queries = 2");
    THRICE("/api/users/100000?include=", "404; @queries = 1");
}
END_TEST

START_TEST(page_with_include_is_two_statements_at_any_size)
{
    THRICE(BENCH_PAGE_INCLUDE, "data # 20; data.0.id = 401; data.19.addresses # 2; @queries = 2");
    static const char *const sizes[] = {"1", "2", "20", "33", "500", "999", "1000"};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        THRICE(rt_fmt("/api/users?limit=%s", sizes[i]),
               rt_fmt("data # %s; data.0.addresses # 2; @queries = 2", sizes[i]));
    /* the last page of the load (other tests add users after it), and past
     * the end: no keys, no second statement */
    THRICE("/api/users?filter={\"id\": {\"le\": 1000}}&limit=20&offset=990", "data # 10; @queries = 2");
    THRICE("/api/users?limit=20&offset=5000", "data # 0; @queries = 1");
}
END_TEST

START_TEST(filtered_page_is_one_statement)
{
    /* u1%: users 1, 10-19 and 100-199 (ids 2, 11-20, 101-200) */
    THRICE(BENCH_FILTERED_HEAD BENCH_FILTER BENCH_FILTERED_TAIL,
           "data # 20; data.0.id = 2; data.1.id = 11; !data.0.addresses; @queries = 1");
    THRICE(BENCH_FILTERED_HEAD BENCH_FILTER "&limit=200&include=", "data # 111; @queries = 1");
    THRICE(BENCH_FILTERED_HEAD BENCH_FILTER "&count=exact&include=", "meta.total = 111; @queries = 2");
}
END_TEST

/* Three writes, the i-th with body(i), each answered as expect. */
static void write_thrice(const char *method, const char *target, char *(*body)(int), const char *expect)
{
    for (int i = 0; i < 3; i++) {
        char *text = body(i);
        rt_check(&bench, rt_fmt("%s %s %s", method, target, text), expect);
        free(text);
    }
}

START_TEST(post_with_nested_addresses_is_two_statements)
{
    write_thrice("POST", BENCH_COLLECTION, bench_user_body, "201; fullname = 'N'; addresses # 2; @queries = 2");
    rt_check(&bench, "/api/users?filter={\"name\": \"n2\"}",
             "data # 1; data.0.addresses[].email_address = ['n2a@x', 'n2b@x']");
}
END_TEST

/* A new user's addresses are known empty without a statement; they are
 * loaded where a row may be in them: an address written by the same
 * request (here: a new address with a new user). */
START_TEST(new_rows_have_empty_collections_without_a_statement)
{
    rt_check(&bench, "POST /api/users {\"name\": \"e1\", \"fullname\": \"E\", \"password\": \"x\"}",
             "201; addresses # 0; @queries = 1");
    rt_check(&bench, "POST /api/addresses?include=user.addresses {\"email_address\": \"e2@x\", "
                     "\"user\": {\"name\": \"e2\", \"password\": \"x\"}}",
             "201; user.name = 'e2'; user.addresses[].email_address = ['e2@x']");
}
END_TEST

START_TEST(patch_of_one_column_is_three_statements)
{
    write_thrice("PATCH", BENCH_PATCH, bench_patch_body, "addresses # 2; @queries = 3");
    rt_check(&bench, BENCH_GET_ID, "fullname = 'F2'; version = 4");
}
END_TEST

/* Users and addresses each in chunks of at most 256 rows, cut into powers
 * of two: for n users, chunks(n) + chunks(2n) statements, the same each time. */
START_TEST(bulk_post_statements_follow_the_rows_per_table)
{
    static const struct {
        int users, statements;
    } cases[] = {
        {1, 2},    /* 1 + 1 (2 addresses) */
        {3, 4},    /* 2 + 1; 4 + 2 */
        {10, 4},   /* 8 + 2; 16 + 4 */
        {100, 6},  /* 64 + 32 + 4; 128 + 64 + 8 */
        {128, 2},  /* 128; 256 */
        {256, 3},  /* 256; 256 x 2 */
        {257, 5},  /* 256 + 1; 256 x 2 + 2 */
        {1000, 17} /* the load's */
    };
    int first = 200000; /* names and addresses no other test reads (u2...) */
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int k = 0; k < 2; k++) {
            int got = bulk_post(first, cases[i].users);
            first += cases[i].users;
            ck_assert_msg(got == cases[i].statements, "a bulk POST of %d users ran %d statements, not %d",
                          cases[i].users, got, cases[i].statements);
        }
}
END_TEST

Suite *http_bench_requests_suite(void)
{
    Suite *s = suite_create("http/bench_requests");
    TS_TCASE(s, "blog", bench_start, bench_stop, 120, get_by_id_is_one_statement,
             page_with_include_is_two_statements_at_any_size, filtered_page_is_one_statement,
             post_with_nested_addresses_is_two_statements, new_rows_have_empty_collections_without_a_statement,
             patch_of_one_column_is_three_statements,
             bulk_post_statements_follow_the_rows_per_table);
    return s;
}
