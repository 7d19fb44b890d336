/* test_crash.c: durability and atomicity across a crash (SPEC §3: "all of
 * it is written or none of it"). Clients stream POSTs, each creating a user
 * with two nested addresses (one client one object per request, the other
 * two objects per bulk request), to a server on the backend of the run (an
 * SQLite file, or a PostgreSQL database whose sessions die with the
 * process); the test kills the server with SIGKILL at a random moment,
 * restarts it on the same database and checks that every POST answered 201
 * is in the database (its users and both addresses of each), that no user
 * exists without exactly two addresses (no partial object graph), that no
 * address lost its user, and that the storage checks out (rt_db_integrity:
 * SQLite's integrity_check, PostgreSQL's amcheck). Five rounds on one
 * database, then a clean stop and a last integrity check. */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/suites.h"
#include "tests/support/backend.h"
#include "tests/support/rt.h"

#define BLOG "schemas/blog.json"
#define ROUNDS 5
#define MAX_IDS 20000

typedef struct client {
    const rt_server *s;
    int round, index;
    bool bulk;                 /* two users per request */
    long long *ids;            /* users answered 201 */
    size_t nids;
    long unexpected;           /* a status other than 201 or 0, or 0 */
    char unexpected_body[300];
    int requests;
} client;

static void *stream(void *ud)
{
    client *c = ud;
    char body[512];
    for (int i = 0; c->nids + 2 < MAX_IDS; i++) {
        if (c->bulk)
            snprintf(body, sizeof body,
                     "[{\"name\": \"r%dc%dn%da\", \"addresses\": [{\"email_address\": \"r%dc%dn%da1@x.org\"},"
                     " {\"email_address\": \"r%dc%dn%da2@x.org\"}]},"
                     " {\"name\": \"r%dc%dn%db\", \"addresses\": [{\"email_address\": \"r%dc%dn%db1@x.org\"},"
                     " {\"email_address\": \"r%dc%dn%db2@x.org\"}]}]",
                     c->round, c->index, i, c->round, c->index, i, c->round, c->index, i, c->round, c->index, i,
                     c->round, c->index, i, c->round, c->index, i);
        else
            snprintf(body, sizeof body,
                     "{\"name\": \"r%dc%dn%d\", \"addresses\": [{\"email_address\": \"r%dc%dn%d-1@x.org\"},"
                     " {\"email_address\": \"r%dc%dn%d-2@x.org\"}]}",
                     c->round, c->index, i, c->round, c->index, i, c->round, c->index, i);
        rt_response *r = rt_send_json(c->s, "POST", "/api/users", body);
        c->requests++;
        long st = r->status;
        if (st == 201) {
            json_t *data = json_object_get(r->json, "data");
            size_t n = c->nids;
            if (c->bulk) {
                for (size_t k = 0; k < json_array_size(data); k++)
                    c->ids[n++] = (long long)json_integer_value(json_object_get(json_array_get(data, k), "id"));
            } else {
                c->ids[n++] = (long long)json_integer_value(json_object_get(r->json, "id"));
            }
            __atomic_store_n(&c->nids, n, __ATOMIC_RELEASE); /* the killer watches it */
        } else if (st != 0 && !c->unexpected) {
            c->unexpected = st;
            snprintf(c->unexpected_body, sizeof c->unexpected_body, "%s", r->body);
        }
        rt_response_free(r);
        if (st == 0) break; /* the server is gone */
    }
    return NULL;
}

static char *scalar(const rt_server *s, const char *q)
{
    char *v = rt_db_scalar(s, q);
    return v ? v : strdup("(no row)");
}

/* Every acknowledged user is there with exactly its two addresses. */
static void check_acknowledged(const rt_server *s, const client *c, unsigned seed)
{
    if (!c->nids) return;
    size_t cap = 128 + c->nids * 24;
    char *q = malloc(cap);
    ck_assert(q != NULL);
    size_t len = (size_t)snprintf(q, cap,
                                  "SELECT count(*) FROM users u WHERE (SELECT count(*) FROM addresses a "
                                  "WHERE a.user_id = u.id) = 2 AND u.id IN (");
    for (size_t i = 0; i < c->nids; i++) len += (size_t)snprintf(q + len, cap - len, "%s%lld", i ? "," : "", c->ids[i]);
    snprintf(q + len, cap - len, ")");
    char *got = scalar(s, q);
    free(q);
    char want[32];
    snprintf(want, sizeof want, "%zu", c->nids);
    ck_assert_msg(strcmp(got, want) == 0,
                  "round %d client %d (seed %u): %zu users were answered 201, %s of them are in the database "
                  "with their 2 addresses", c->round, c->index, seed, c->nids, got);
    free(got);
}

static void check_consistent(const rt_server *s, int round, unsigned seed)
{
    char *v = scalar(s, "SELECT count(*) FROM users u WHERE (SELECT count(*) FROM addresses a WHERE a.user_id = u.id) <> 2");
    ck_assert_msg(strcmp(v, "0") == 0, "round %d (seed %u): %s users without exactly 2 addresses", round, seed, v);
    free(v);
    v = scalar(s, "SELECT count(*) FROM addresses WHERE user_id IS NULL OR user_id NOT IN (SELECT id FROM users)");
    ck_assert_msg(strcmp(v, "0") == 0, "round %d (seed %u): %s addresses without their user", round, seed, v);
    free(v);
    v = rt_db_integrity(s);
    ck_assert_msg(v == NULL, "round %d (seed %u): the integrity check (%s) found: %s", round, seed,
                  rt_backend_name(), v);
    free(v);
}

START_TEST(sigkill_during_nested_posts)
{
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    srand(seed);
    char dir[256];
    rt_mkdtemp(dir, sizeof dir);
    rt_start o = {.schema = BLOG, .dir = dir};
    rt_server s;
    rt_server_start_ex(&s, &o);
    rt_check(&s, "/healthz", "200"); /* libcurl initialised before the threads */

    long long total = 0;
    for (int round = 1; round <= ROUNDS; round++) {
        client c[2];
        pthread_t t[2];
        for (int i = 0; i < 2; i++) {
            c[i] = (client){.s = &s, .round = round, .index = i, .bulk = i == 1};
            c[i].ids = calloc(MAX_IDS, sizeof *c[i].ids);
            ck_assert(c[i].ids != NULL);
            ck_assert_int_eq(pthread_create(&t[i], NULL, stream, &c[i]), 0);
        }
        /* once both have had an answer, let them stream 0..300 ms more, then
         * pull the plug */
        for (int waited = 0; waited < 10000; waited++) {
            if (__atomic_load_n(&c[0].nids, __ATOMIC_ACQUIRE) && __atomic_load_n(&c[1].nids, __ATOMIC_ACQUIRE)) break;
            struct timespec ms = {0, 1000000L};
            nanosleep(&ms, NULL);
        }
        struct timespec ts = {0, (rand() % 300) * 1000000L};
        nanosleep(&ts, NULL);
        ck_assert_int_eq(kill(s.pid, SIGKILL), 0);
        for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
        ck_assert_msg(rt_server_wait(&s, 5000) == -1, "the server did not die of SIGKILL");

        rt_server_start_ex(&s, &o); /* same directory, same database file */
        for (int i = 0; i < 2; i++) {
            ck_assert_msg(!c[i].unexpected, "round %d client %d (seed %u): a POST answered %ld: %s", round, i, seed,
                          c[i].unexpected, c[i].unexpected_body);
            ck_assert_msg(c[i].nids > 0, "round %d client %d (seed %u): no POST was answered before the kill", round,
                          i, seed);
            check_acknowledged(&s, &c[i], seed);
            total += (long long)c[i].nids;
            free(c[i].ids);
        }
        check_consistent(&s, round, seed);
        /* the restarted server works */
        rt_check(&s,
                 "POST /api/users {\"name\": \"after\", \"addresses\": [{\"email_address\": \"a1@x.org\"},"
                 " {\"email_address\": \"a2@x.org\"}]}",
                 "201");
        total++;
    }
    char *n = scalar(&s, "SELECT count(*) FROM users");
    ck_assert_msg(atoll(n) >= total, "%s users in the database, %lld acknowledged", n, total);
    free(n);
    rt_server_stop(&s);
    /* after a clean stop, straight on the file */
    check_consistent(&s, ROUNDS + 1, seed);
    rt_rmtree(dir);
}
END_TEST

RT_SUITE(http_crash_suite, "http_crash", "sigkill", NULL, NULL, 60, sigkill_during_nested_posts)
