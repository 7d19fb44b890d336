/* bench_requests.h: the benchmark requests of issue 15 (bench/run.sh's
 * cases), written once for the two guards that replay them: the statement
 * counts of tests/http/test_bench_requests.c and the instruction budget of
 * tests/perf/instr_budget.sh (its client, tests/perf/instr_client.c).
 * The data: schemas/blog.json, BENCH_USERS users of two addresses each,
 * loaded by one bulk POST of bench_users_body(0, BENCH_USERS).
 * No check here, so programs without it can link this file. */
#ifndef RM_TEST_BENCH_REQUESTS_H
#define RM_TEST_BENCH_REQUESTS_H

#define BENCH_SCHEMA "schemas/blog.json"
#define BENCH_USERS 1000
#define BENCH_COLLECTION "/api/users"

/* GET by id, no relationships */
#define BENCH_GET_ID "/api/users/500?include="
/* a page of 20 with the addresses (selectin, the schema's default include) */
#define BENCH_PAGE_INCLUDE "/api/users?limit=20&offset=400"
/* a page filtered through the addresses: the filter's JSON (sent
 * percent-encoded) between the two parts of the target */
#define BENCH_FILTERED_HEAD "/api/users?filter="
#define BENCH_FILTER "{\"addresses\":{\"any\":{\"email_address\":{\"like\":\"u1%\"}}}}"
#define BENCH_FILTERED_TAIL "&limit=20&include="
/* PATCH of one column (bench_patch_body) */
#define BENCH_PATCH "/api/users/500"

/* A JSON array of n users user<first>..user<first+n-1>, each with two
 * addresses u<i>a@example.com and u<i>b@example.com (malloc'd). */
char *bench_users_body(int first, int n);
/* One user n<i> with two nested addresses: the POST of a single object
 * (malloc'd). */
char *bench_user_body(int i);
/* {"fullname": "F<i>"}: the PATCH's body (malloc'd). */
char *bench_patch_body(int i);

#endif
