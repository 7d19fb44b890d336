/* test_pg_replicas.c: restmap on a PostgreSQL server that crashes, and
 * two restmap processes on one database (issue 11, item 5). PostgreSQL
 * only: the first test crashes the run's own cluster (pg_cluster.h), the
 * others need a database server that two processes share.
 *
 * restart_during_writes: two clients stream POSTs of a user with three
 * nested addresses and a third polls GET /healthz, while the server is
 * (1) restarted with `pg_ctl restart -m immediate` under the stream,
 * (2) restarted so again while the clients pause, so that the pool still
 * holds the dead connections when they go on, and (3) stopped with
 * `pg_ctl stop -m immediate`, kept down 1.5 s and started again. Every
 * answer is 201 (200 for /healthz) or a 503 problem+json, none takes
 * longer than the statement timeout and a margin, everything asked while
 * the server is down is 503, everything asked after pg_ctl returns
 * succeeds (the first request after each restart too: the pool replaces
 * its dead connections without failing one), and afterwards every
 * acknowledged user is in the database with exactly the three addresses
 * its answer named, no user has another number of addresses, no address
 * lost its user, no POST was applied twice and amcheck finds the indexes
 * sound. The database runs with synchronous_commit on (the cluster's
 * default for the tests is off: see the test).
 *
 * The replica tests start two processes on one database (rt_start.db_of):
 * versioned PATCHes of one row through both at once (exactly one wins per
 * round, the other 409, or 412 / 409 with If-Match, and the row holds the
 * winner's change at version 2); nested POSTs through both at once (every
 * one 201, none lost, no key twice); a keyset cursor one replica issued
 * continues on the other, and an ETag from one gives 304 on the other. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/rt.h"
#include "tests/support/util.h"

#define BLOG "schemas/blog.json"

/* ------------------------------------------------------------ restart */

#define STATEMENT_TIMEOUT_MS 2000
/* what a request may take past the statement timeout: the HTTP round trip
 * and the scheduling of a loaded machine (a bound for liveness: no request
 * hangs on a dead server) */
#define MARGIN_MS 3000
#define WRITERS 2
#define MAX_ACKS 20000
#define MAX_LOG 200000
#define DOWN_MS 1500
#define ADDRESSES 3

#define TEXT_OF(x) #x
#define TEXT(x) TEXT_OF(x)
static const char *const restart_args[] = {"--statement-timeout-ms", TEXT(STATEMENT_TIMEOUT_MS), NULL};

/* One request as a client saw it. */
typedef struct seen {
    long long t0, t1; /* ts_now_ms() when sent and answered */
    long status;
    bool problem;     /* a problem+json answer whose status member is the status */
} seen;

typedef struct ack {
    long long user, addr[ADDRESSES];
    int n; /* the request's number, which names the user and addresses */
} ack;

/* A client: a writer (POSTs) or the health poller (GET /healthz). */
typedef struct client {
    const rt_server *s;
    int index;
    bool poller;
    int *stop, *pause;
    int paused;                /* set by the client while pause holds it */
    seen *log;
    size_t nlog;               /* read by the main thread while running */
    ack *acks;
    size_t nacks;
    char odd_body[400];        /* the first answer that was neither 2xx nor 503 problem+json */
    long odd_status;
} client;

/* A problem+json answer whose status member is its status. */
static bool is_problem(const rt_response *r)
{
    const char *ct = rt_header(r, "Content-Type");
    json_t *st = json_object_get(r->json, "status");
    return ct && !strncmp(ct, "application/problem+json", 24) && json_is_integer(st) &&
           json_integer_value(st) == r->status && json_is_string(json_object_get(r->json, "detail"));
}

/* The user of a 201 and its address ids; false when the answer does not
 * have them all. */
static bool read_ack(const rt_response *r, ack *a)
{
    json_t *addrs = json_object_get(r->json, "addresses");
    a->user = json_integer_value(json_object_get(r->json, "id"));
    if (a->user <= 0 || json_array_size(addrs) != ADDRESSES) return false;
    for (size_t k = 0; k < ADDRESSES; k++) {
        json_t *addr = json_array_get(addrs, k);
        a->addr[k] = json_integer_value(json_object_get(addr, "id"));
        if (a->addr[k] <= 0 || json_integer_value(json_object_get(addr, "user_id")) != a->user) return false;
    }
    return true;
}

static void *client_run(void *ud)
{
    client *c = ud;
    char body[512];
    for (int n = 0; !__atomic_load_n(c->stop, __ATOMIC_ACQUIRE) && c->nlog < MAX_LOG && c->nacks < MAX_ACKS; n++) {
        while (__atomic_load_n(c->pause, __ATOMIC_ACQUIRE) && !__atomic_load_n(c->stop, __ATOMIC_ACQUIRE)) {
            __atomic_store_n(&c->paused, 1, __ATOMIC_RELEASE);
            ts_sleep_ms(2);
        }
        __atomic_store_n(&c->paused, 0, __ATOMIC_RELEASE);
        snprintf(body, sizeof body,
                 "{\"name\": \"w%dn%d\", \"addresses\": [{\"email_address\": \"w%dn%d-0@x.org\"},"
                 " {\"email_address\": \"w%dn%d-1@x.org\"}, {\"email_address\": \"w%dn%d-2@x.org\"}]}",
                 c->index, n, c->index, n, c->index, n, c->index, n);
        seen e = {.t0 = ts_now_ms()};
        rt_response *r = c->poller ? rt_get(c->s, "/healthz") : rt_send_json(c->s, "POST", "/api/users", body);
        e.t1 = ts_now_ms();
        e.status = r->status;
        e.problem = is_problem(r);
        bool good = c->poller ? r->status == 200 : r->status == 201;
        if (good && !c->poller) {
            ack a = {.n = n};
            if (read_ack(r, &a)) {
                c->acks[c->nacks] = a;
                __atomic_store_n(&c->nacks, c->nacks + 1, __ATOMIC_RELEASE);
            } else {
                good = false; /* a 201 without the object: counted as odd */
            }
        }
        if (!good && !(r->status == 503 && e.problem) && !c->odd_status) {
            c->odd_status = r->status ? r->status : -1;
            snprintf(c->odd_body, sizeof c->odd_body, "%s", r->body);
        }
        rt_response_free(r);
        c->log[c->nlog] = e;
        __atomic_store_n(&c->nlog, c->nlog + 1, __ATOMIC_RELEASE);
        if (c->poller || e.status != 201) ts_sleep_ms(c->poller ? 10 : 2);
    }
    return NULL;
}

/* Wait (at most 30 s) until every writer has `more` acknowledged POSTs
 * sent at or after since; false when one has not. */
static bool wait_acks(client *c, size_t n, long long since, size_t more)
{
    for (long long deadline = ts_now_ms() + 30000; ts_now_ms() < deadline; ts_sleep_ms(5)) {
        size_t ready = 0;
        for (size_t i = 0; i < n; i++) {
            if (c[i].poller) {
                ready++;
                continue;
            }
            size_t got = 0, nlog = __atomic_load_n(&c[i].nlog, __ATOMIC_ACQUIRE);
            for (size_t k = nlog; k-- > 0 && c[i].log[k].t0 >= since;)
                if (c[i].log[k].status == 201) got++;
            if (got >= more) ready++;
        }
        if (ready == n) return true;
    }
    return false;
}

/* What happened to the requests of c sent in [from, to) (to 0: no end)
 * and answered by end (0: any time): how many, how many with status
 * want, and the first other one. */
typedef struct tally {
    size_t n, want;
    long other;
    long long other_t0;
} tally;

static tally count_in(const client *c, long long from, long long to, long long end, long want)
{
    tally t = {0};
    for (size_t k = 0; k < c->nlog; k++) {
        const seen *e = &c->log[k];
        if (e->t0 < from || (to && e->t0 >= to) || (end && e->t1 > end)) continue;
        t.n++;
        if (e->status == want) t.want++;
        else if (!t.other) t.other = e->status ? e->status : -1, t.other_t0 = e->t0;
    }
    return t;
}

/* The 503 answers of one outage: how many, from the first sent to the
 * last answered. */
typedef struct outage {
    size_t n;
    long long first, last;
} outage;

static void note_503(outage *o, const seen *e)
{
    if (!o->n++ || e->t0 < o->first) o->first = e->t0;
    if (e->t1 > o->last) o->last = e->t1;
}

/* "SELECT count(*) FROM addresses WHERE (id, user_id, email_address) IN
 * (VALUES ...)" over every acknowledged address (malloc'd). A VALUES list,
 * not a list of row values: PostgreSQL reads the latter as one nested
 * expression and runs out of stack ("stack depth limit exceeded") once a
 * fast server has acknowledged some ten thousand rows. */
static char *acked_addresses_query(const client *w, size_t nw)
{
    size_t total = 0;
    for (size_t i = 0; i < nw; i++) total += w[i].nacks;
    size_t cap = 128 + total * ADDRESSES * 80;
    char *q = malloc(cap);
    ck_assert(q != NULL);
    size_t len = (size_t)snprintf(q, cap, "SELECT count(*) FROM addresses WHERE (id, user_id, email_address) IN (VALUES ");
    const char *sep = "";
    for (size_t i = 0; i < nw; i++)
        for (size_t k = 0; k < w[i].nacks; k++)
            for (int j = 0; j < ADDRESSES; j++) {
                const ack *a = &w[i].acks[k];
                len += (size_t)snprintf(q + len, cap - len, "%s(%lld, %lld, 'w%dn%d-%d@x.org')", sep, a->addr[j],
                                        a->user, w[i].index, a->n, j);
                sep = ", ";
            }
    snprintf(q + len, cap - len, ")");
    return q;
}

/* The same for the acknowledged users and their names. */
static char *acked_users_query(const client *w, size_t nw)
{
    size_t total = 0;
    for (size_t i = 0; i < nw; i++) total += w[i].nacks;
    size_t cap = 128 + total * 48;
    char *q = malloc(cap);
    ck_assert(q != NULL);
    size_t len = (size_t)snprintf(q, cap, "SELECT count(*) FROM users WHERE (id, name) IN (VALUES ");
    const char *sep = "";
    for (size_t i = 0; i < nw; i++)
        for (size_t k = 0; k < w[i].nacks; k++) {
            len += (size_t)snprintf(q + len, cap - len, "%s(%lld, 'w%dn%d')", sep, w[i].acks[k].user, w[i].index,
                                    w[i].acks[k].n);
            sep = ", ";
        }
    snprintf(q + len, cap - len, ")");
    return q;
}

START_TEST(restart_during_writes)
{
    char dir[256];
    rt_mkdtemp(dir, sizeof dir);
    rt_start o = {.schema = BLOG, .dir = dir, .args = restart_args};
    rt_server s;
    rt_server_start_ex(&s, &o);
    /* an acknowledged commit must survive the crash of the server: the
     * test cluster runs with synchronous_commit off (fast, and safe while
     * only restmap dies), under which the last commits before a crash of
     * PostgreSQL itself are lost after they were answered (10 to 30 of
     * ~200 per run, tried); on for this database, and restmap started
     * again so that every connection has it */
    rt_db_exec(&s, rt_fmt("ALTER DATABASE %s SET synchronous_commit = on", s.db_name));
    ck_assert_int_eq(rt_server_terminate(&s), 0);
    rt_server_start_ex(&s, &o);
    rt_assert_sql(&s, "on", "SELECT current_setting('synchronous_commit')");
    rt_check(&s, "/healthz", "200"); /* libcurl initialised before the threads */

    int stop = 0, pause = 0;
    client c[WRITERS + 1];
    pthread_t t[WRITERS + 1];
    for (int i = 0; i <= WRITERS; i++) {
        c[i] = (client){.s = &s, .index = i, .poller = i == WRITERS, .stop = &stop, .pause = &pause};
        c[i].log = calloc(MAX_LOG, sizeof *c[i].log);
        c[i].acks = calloc(MAX_ACKS, sizeof *c[i].acks);
        ck_assert(c[i].log && c[i].acks);
        ck_assert_int_eq(pthread_create(&t[i], NULL, client_run, &c[i]), 0);
    }
    size_t n = WRITERS + 1;
    /* 1. the stream runs; a crash and restart in one pg_ctl call under it */
    bool streaming = wait_acks(c, n, 0, 20);
    long long r0 = ts_now_ms();
    if (streaming) rt_pg_restart();
    long long r1 = ts_now_ms();
    bool after_restart = streaming && wait_acks(c, n, r1, 20);
    /* 2. the same while no request runs: the pool still holds the dead
     * connections when the clients go on, and the first request of each
     * must get past them (not one 503) */
    long long q0 = ts_now_ms(), q1 = q0;
    bool quiet = false;
    if (after_restart) {
        __atomic_store_n(&pause, 1, __ATOMIC_RELEASE);
        for (long long until = ts_now_ms() + 30000; !quiet && ts_now_ms() < until; ts_sleep_ms(2)) {
            quiet = true;
            for (size_t i = 0; i < n; i++) quiet = quiet && __atomic_load_n(&c[i].paused, __ATOMIC_ACQUIRE);
        }
        q0 = ts_now_ms();
        if (quiet) rt_pg_restart();
        q1 = ts_now_ms();
        __atomic_store_n(&pause, 0, __ATOMIC_RELEASE);
    }
    bool after_quiet = quiet && wait_acks(c, n, q1, 20);
    /* 3. down for a while under the stream, and up again */
    long long d0 = ts_now_ms(), d1 = d0, u0 = d0, u1 = d0;
    if (after_quiet) {
        rt_pg_down();
        d1 = ts_now_ms();
        ts_sleep_ms(DOWN_MS);
        u0 = ts_now_ms();
        rt_pg_up();
        u1 = ts_now_ms();
    }
    bool after_up = after_quiet && wait_acks(c, n, u1, 20);
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (size_t i = 0; i < n; i++) pthread_join(t[i], NULL);
    ck_assert_msg(streaming, "the writers did not get 20 answers 201 each before the restart");
    ck_assert_msg(after_restart, "the writers did not get 20 answers 201 each after the restart");
    ck_assert_msg(quiet, "the clients did not pause");
    ck_assert_msg(after_quiet, "the writers did not get 20 answers 201 each after the restart without traffic");
    ck_assert_msg(after_up, "the writers did not get 20 answers 201 each after the server came back up");

    size_t acked = 0, requests = 0;
    long long longest = 0;
    outage phase[3] = {{0}, {0}, {0}}; /* the restart, the quiet one, down and up */
    for (size_t i = 0; i < n; i++) {
        const char *who = c[i].poller ? "GET /healthz" : "POST /api/users";
        /* only 2xx and 503 problem+json, from first to last */
        ck_assert_msg(!c[i].odd_status, "%s answered %ld (not %s, not a 503 problem+json): %s", who, c[i].odd_status,
                      c[i].poller ? "200" : "201 with the user and its addresses", c[i].odd_body);
        for (size_t k = 0; k < c[i].nlog; k++) {
            const seen *e = &c[i].log[k];
            long long ms = e->t1 - e->t0;
            if (ms > longest) longest = ms;
            ck_assert_msg(ms <= STATEMENT_TIMEOUT_MS + MARGIN_MS,
                          "%s sent %lld ms after the restart began took %lld ms (status %ld): past the statement "
                          "timeout of %d ms", who, e->t0 - r0, ms, e->status, STATEMENT_TIMEOUT_MS);
            if (e->status == 503) note_503(&phase[e->t1 >= d0 ? 2 : e->t1 >= q0], e); /* by when answered */
        }
        requests += c[i].nlog;
        acked += c[i].nacks;
        /* while the server is down: 503, every request */
        tally down = count_in(&c[i], d1, 0, u0, 503);
        ck_assert_msg(down.n > 0, "%s: no request while the server was down (%lld ms)", who, u0 - d1);
        ck_assert_msg(down.want == down.n, "%s: %zu of %zu requests while the server was down answered 503, "
                      "one %ld", who, down.want, down.n, down.other);
        /* once pg_ctl says it is back: every request succeeds, the first one
         * too (the pool replaced its dead connections on its own) */
        long want = c[i].poller ? 200 : 201;
        static const char *const after[] = {"the restart", "the restart without traffic", "the server came up"};
        long long from[] = {r1, q1, u1}, to[] = {q0, d0, 0};
        for (int k = 0; k < 3; k++) {
            tally back = count_in(&c[i], from[k], to[k], to[k], want);
            ck_assert_msg(back.n > 0 && back.want == back.n,
                          "%s: after %s %zu of %zu requests answered %ld; one sent %lld ms after pg_ctl returned "
                          "answered %ld", who, after[k], back.want, back.n, want, back.other_t0 - from[k], back.other);
        }
        /* nothing was sent while the server restarted without traffic */
        ck_assert_uint_eq(count_in(&c[i], q0, q1, 0, 0).n, 0);
    }

    /* every acknowledged user and address is there, as answered */
    char *q = acked_users_query(c, WRITERS);
    long long found = rt_db_int(&s, q);
    free(q);
    ck_assert_msg(found == (long long)acked, "%zu users were answered 201, %lld of them are in the database", acked,
                  found);
    q = acked_addresses_query(c, WRITERS);
    found = rt_db_int(&s, q);
    free(q);
    ck_assert_msg(found == (long long)(acked * ADDRESSES),
                  "%zu addresses were answered 201, %lld of them are in the database with their user", acked * ADDRESSES,
                  found);
    /* no half-written object graph, nothing applied twice */
    rt_assert_sql(&s, "0", "SELECT count(*) FROM users u WHERE (SELECT count(*) FROM addresses a "
                           "WHERE a.user_id = u.id) <> %d", ADDRESSES);
    rt_assert_sql(&s, "0", "SELECT count(*) FROM addresses WHERE user_id IS NULL OR user_id NOT IN (SELECT id FROM users)");
    rt_assert_sql(&s, "0", "SELECT count(*) - count(DISTINCT name) FROM users");
    rt_assert_foreign_keys(&s);
    char *bad = rt_db_integrity(&s);
    ck_assert_msg(bad == NULL, "amcheck after the crashes: %s", bad);
    long long stored = rt_db_int(&s, "SELECT count(*) FROM users");
    ck_assert_msg(stored >= (long long)acked, "%lld users stored, %zu acknowledged", stored, acked);

    printf("restart_during_writes: %zu requests; %zu POSTs acknowledged, %lld users stored (%lld answered 503 "
           "but committed); pg_ctl restart -m immediate took %lld ms: %zu answers 503 over %lld ms; "
           "again without traffic: %lld ms, %zu answers 503; pg_ctl stop -m immediate %lld ms, down %lld ms, pg_ctl start %lld ms: %zu answers 503 over %lld ms; "
           "the longest request %lld ms\n",
           requests, acked, stored, stored - (long long)acked, r1 - r0, phase[0].n, phase[0].last - phase[0].first,
           q1 - q0, phase[1].n, d1 - d0, u0 - d1, u1 - u0, phase[2].n, phase[2].last - phase[2].first, longest);
    fflush(stdout);

    rt_check(&s, "POST /api/users {'name': 'after', 'addresses': [{'email_address': 'after@x.org'}]}", "201");
    /* the pool counted the connections the restarts took and opened new ones */
    ck_assert_int_gt(rt_metric(&s, "restmap_db_connections_lost_total"), 0);
    ck_assert_int_gt(rt_metric(&s, "restmap_db_connections_opened_total"), rt_metric(&s, "restmap_db_pool_connections"));
    rt_server_stop(&s);
    rt_rmtree(dir);
    for (size_t i = 0; i < n; i++) {
        free(c[i].log);
        free(c[i].acks);
    }
}
END_TEST

/* ------------------------------------------------------------ replicas */

/* r[0] with a database of its own, r[1] on the same database (its start
 * with --create-all finds the tables made). */
static void start_replicas(rt_server r[2])
{
    rt_server_start(&r[0], BLOG, NULL, NULL);
    rt_start o = {.schema = BLOG, .db_of = &r[0]};
    rt_server_start_ex(&r[1], &o);
    ck_assert_str_eq(r[0].db_url, r[1].db_url);
    rt_check(&r[0], "/healthz", "200"); /* libcurl initialised before the threads */
}

static void stop_replicas(rt_server r[2])
{
    rt_server_stop(&r[1]);
    rt_server_stop(&r[0]); /* its directory holds the database: dropped with it */
}

#define ROUNDS 24

START_TEST(versioned_patches_one_wins)
{
    rt_server r[2];
    start_replicas(r);
    int wins[2] = {0, 0}, stale412 = 0;
    for (int round = 0; round < ROUNDS; round++) {
        bool if_match = round % 2 == 1; /* the version in the body, or If-Match */
        long long u = rt_create(&r[round / 2 % 2], "POST /api/users {'name': 'race%d'}", round);
        char path[64];
        snprintf(path, sizeof path, "/api/users/%lld?include=", u); /* tagged "v1" */
        char bodies[2][128];
        for (int i = 0; i < 2; i++)
            snprintf(bodies[i], sizeof bodies[i], if_match ? "{\"fullname\": \"replica %d\"}"
                                                           : "{\"fullname\": \"replica %d\", \"version\": 1}", i);
        const rt_server *const servers[2] = {&r[0], &r[1]};
        const char *const texts[2] = {bodies[0], bodies[1]};
        rt_response *answers[2];
        rt_patch_race(servers, path, texts, if_match ? "If-Match: \"v1\"" : NULL, answers);
        /* exactly one 200; the loser 409 (its versioned UPDATE matched no
         * row), or with If-Match 412 when it read the winner's version */
        int w = answers[0]->status == 200 ? 0 : 1;
        long lost = answers[1 - w]->status;
        ck_assert_msg(answers[w]->status == 200 && (lost == 409 || (if_match && lost == 412)),
                      "round %d: replica 0 answered %ld, replica 1 %ld; expected one 200 and one %s: %s | %s", round,
                      answers[0]->status, answers[1]->status, if_match ? "412 or 409" : "409", answers[0]->body,
                      answers[1]->body);
        rt_assert_problem(answers[1 - w], (int)lost, NULL);
        rt_assert_wants(answers[w], rt_fmt("version = 2; fullname = 'replica %d'; @ETag = \"v2\"", w));
        wins[w]++;
        stale412 += lost == 412;
        for (int i = 0; i < 2; i++) rt_response_free(answers[i]);
        /* the row holds the winner's change, and both replicas read it */
        rt_assert_sql(&r[0], rt_fmt("replica %d|2", w), "SELECT fullname || '|' || version FROM users WHERE id = %lld", u);
        for (int i = 0; i < 2; i++)
            rt_check(&r[i], path, rt_fmt("fullname = 'replica %d'; version = 2; @ETag = \"v2\"", w));
    }
    printf("versioned_patches_one_wins: %d rounds, replica 0 won %d, replica 1 won %d; %d If-Match losers "
           "answered 412, the others 409\n", ROUNDS, wins[0], wins[1], stale412);
    fflush(stdout);
    stop_replicas(r);
}
END_TEST

#define POSTERS_USERS 50

typedef struct poster {
    const rt_server *s;
    int index;
    pthread_barrier_t *start;
    long long user[POSTERS_USERS], addr[POSTERS_USERS][2];
    long status[POSTERS_USERS];
    char odd[300];
} poster;

static void *post_users(void *ud)
{
    poster *p = ud;
    pthread_barrier_wait(p->start);
    for (int k = 0; k < POSTERS_USERS; k++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"name\": \"p%du%d\", \"addresses\": [{\"email_address\": \"p%du%d-0@x.org\"},"
                 " {\"email_address\": \"p%du%d-1@x.org\"}]}", p->index, k, p->index, k, p->index, k);
        rt_response *r = rt_send_json(p->s, "POST", "/api/users", body);
        p->status[k] = r->status;
        json_t *addrs = json_object_get(r->json, "addresses");
        p->user[k] = json_integer_value(json_object_get(r->json, "id"));
        for (size_t j = 0; j < 2; j++)
            p->addr[k][j] = json_integer_value(json_object_get(json_array_get(addrs, j), "id"));
        if (r->status != 201 && !p->odd[0]) snprintf(p->odd, sizeof p->odd, "%ld %s", r->status, r->body);
        rt_response_free(r);
    }
    return NULL;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* No two of the n keys are equal, and none is 0 (sorts them). */
static void assert_distinct(long long *keys, size_t n, const char *what)
{
    qsort(keys, n, sizeof *keys, cmp_ll);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(keys[i] > 0, "%s: an answer without its id", what);
        ck_assert_msg(i == 0 || keys[i] != keys[i - 1], "%s: id %lld answered twice", what, keys[i]);
    }
}

START_TEST(nested_posts_none_lost)
{
    rt_server r[2];
    start_replicas(r);
    pthread_barrier_t b;
    pthread_barrier_init(&b, NULL, 2);
    poster p[2];
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        memset(&p[i], 0, sizeof p[i]);
        p[i].s = &r[i];
        p[i].index = i;
        p[i].start = &b;
        ck_assert_int_eq(pthread_create(&t[i], NULL, post_users, &p[i]), 0);
    }
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    pthread_barrier_destroy(&b);
    long long users[2 * POSTERS_USERS], addrs[4 * POSTERS_USERS];
    size_t nu = 0, na = 0;
    for (int i = 0; i < 2; i++) {
        ck_assert_msg(!p[i].odd[0], "a POST through replica %d answered %s", i, p[i].odd);
        for (int k = 0; k < POSTERS_USERS; k++) {
            users[nu++] = p[i].user[k];
            addrs[na++] = p[i].addr[k][0];
            addrs[na++] = p[i].addr[k][1];
            /* each user holds the two addresses its answer named */
            rt_assert_sql_list(&r[1 - i], rt_fmt("%lld,%lld", p[i].addr[k][0], p[i].addr[k][1]),
                               "SELECT id FROM addresses WHERE user_id = %lld AND email_address LIKE 'p%du%d-%%' "
                               "ORDER BY email_address", p[i].user[k], i, k);
        }
    }
    assert_distinct(users, nu, "users");
    assert_distinct(addrs, na, "addresses");
    /* none lost, none made twice */
    rt_assert_sql(&r[0], rt_fmt("%d", 2 * POSTERS_USERS), "SELECT count(*) FROM users");
    rt_assert_sql(&r[0], rt_fmt("%d", 4 * POSTERS_USERS), "SELECT count(*) FROM addresses");
    rt_assert_sql(&r[0], "0", "SELECT count(*) - count(DISTINCT name) FROM users");
    /* and each replica lists all of them */
    for (int i = 0; i < 2; i++)
        rt_check(&r[i], "/api/users?count=exact&limit=1", rt_fmt("meta.total = %d", 2 * POSTERS_USERS));
    stop_replicas(r);
}
END_TEST

/* GET path on replica `from`, then follow links.next alternating between
 * the replicas; the pages, each as compact JSON, joined by "\n" (malloc'd). */
static char *walk(rt_server r[2], const char *path, int from, int *pages)
{
    char *link = strdup(path), *out = strdup("");
    ck_assert(link && out);
    *pages = 0;
    for (int on = from; link; on = 1 - on) {
        ck_assert_int_lt(*pages, 20);
        rt_response *a = rt_get(&r[on], link);
        RT_ASSERT_STATUS(a, 200);
        char *page = json_dumps(rt_json_at(a, "data"), JSON_COMPACT);
        char *grown = malloc(strlen(out) + strlen(page) + 2);
        ck_assert(page && grown);
        sprintf(grown, "%s%s\n", out, page);
        free(out);
        free(page);
        out = grown;
        (*pages)++;
        const char *next = json_string_value(rt_json_at(a, "links.next"));
        free(link);
        link = next ? strdup(next) : NULL;
        rt_response_free(a);
    }
    return out;
}

START_TEST(cursors_and_etags_across_replicas)
{
    rt_server r[2];
    start_replicas(r);
    for (int k = 0; k < 25; k++)
        rt_create(&r[k % 2], "POST /api/users {'name': 'c%02d', 'fullname': '%s', 'addresses': "
                             "[{'email_address': 'c%02d@x.org'}]}", k, k % 3 ? "F" : "G", k);
    /* a cursor issued by one replica continues on the other: the walk that
     * alternates replicas gives the pages the walk on one replica gives */
    static const char *const paths[] = {"/api/users?limit=4", "/api/users?limit=6&sort=-fullname,name",
                                        "/api/addresses?limit=5&sort=user.name"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        int n0, n1, n2;
        char *alone = walk((rt_server[2]){r[0], r[0]}, paths[i], 0, &n0);
        char *across = walk(r, paths[i], 0, &n1);
        char *across2 = walk(r, paths[i], 1, &n2);
        ck_assert_msg(n0 > 2 && n0 == n1 && n0 == n2, "%s: %d, %d and %d pages", paths[i], n0, n1, n2);
        ck_assert_msg(!strcmp(alone, across) && !strcmp(alone, across2),
                      "%s: the pages differ across replicas:\none replica:\n%s\nfrom replica 0:\n%s\nfrom replica 1:\n%s",
                      paths[i], alone, across, across2);
        free(alone);
        free(across);
        free(across2);
    }
    /* links.prev from one, followed on the other */
    rt_response *a = rt_get(&r[0], "/api/users?limit=4");
    rt_response *b = rt_get(&r[1], json_string_value(rt_json_at(a, "links.next")));
    RT_ASSERT_STATUS(b, 200);
    const char *prev = json_string_value(rt_json_at(b, "links.prev"));
    ck_assert_msg(prev != NULL, "no links.prev: %s", b->body);
    rt_response *c = rt_get(&r[0], prev);
    RT_ASSERT_STATUS(c, 200);
    char *first = json_dumps(rt_json_at(a, "data"), JSON_COMPACT), *back = json_dumps(rt_json_at(c, "data"), JSON_COMPACT);
    ck_assert_msg(!strcmp(first, back), "links.prev of replica 1 on replica 0: %s, the first page %s", back, first);
    free(first);
    free(back);
    rt_response_free(a);
    rt_response_free(b);
    rt_response_free(c);

    /* ETags: a versioned one (with its addresses) and a hashed one; each replica's tag
     * gives 304 on the other, and after a change through one, the old tag
     * is stale on the other */
    static const char *const objects[] = {"/api/users/1", "/api/addresses/1"};
    static const char *const changes[] = {"{\"fullname\": \"changed\"}", "{\"email_address\": \"changed@x.org\"}"};
    for (int i = 0; i < 2; i++) {
        rt_response *g = rt_get(&r[i], objects[i]);
        RT_ASSERT_STATUS(g, 200);
        char tag[128], inm[160], im[160];
        snprintf(tag, sizeof tag, "%s", rt_header(g, "ETag") ? rt_header(g, "ETag") : "");
        ck_assert_msg(tag[0], "%s: no ETag", g->what);
        rt_response_free(g);
        snprintf(inm, sizeof inm, "%s\nIf-None-Match: %s", objects[i], tag);
        snprintf(im, sizeof im, "PATCH %s\nIf-Match: %s\n\n%s", objects[i], tag, changes[i]);
        for (int k = 0; k < 2; k++) rt_check(&r[k], inm, "304 @empty");
        rt_check(&r[1 - i], im, "200");
        rt_response *after = rt_checked(&r[i], inm, "200");
        const char *now = rt_header(after, "ETag");
        ck_assert_msg(now && strcmp(now, tag), "%s: ETag %s after the change through the other replica", after->what,
                      now ? now : "(none)");
        rt_response_free(after);
        rt_check(&r[i], im, "412");
    }
    stop_replicas(r);
}
END_TEST

Suite *http_pg_replicas_suite(void)
{
    Suite *s = suite_create("http_pg_replicas");
    TS_TCASE(s, "restart", NULL, NULL, 180, restart_during_writes);
    TS_TCASE(s, "replicas", NULL, NULL, 120, versioned_patches_one_wins, nested_posts_none_lost,
             cursors_and_etags_across_replicas);
    return s;
}
