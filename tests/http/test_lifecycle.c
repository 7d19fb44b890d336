/* test_lifecycle.c: the restmap process from start to stop (SPEC §1):
 * start-up errors (bad schema files, bad options, bad seeds) exit
 * non-zero with one message naming the culprit; environment variables
 * configure every option and the command line wins (database URLs and
 * RESTMAP_DB naming an SQLite file: test_sqlite_file.c); --seed
 * fills only empty tables; --echo logs statements with their parameters
 * but never a write_only value; SIGTERM and SIGINT finish the requests in
 * flight and exit 0; the buffered access log loses no line and cuts none,
 * also on SIGTERM right after a burst. Each test starts its own processes. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

#define BLOG "schemas/blog.json"
#define BLOG_SEED "schemas/blog.seed.json"

/* ------------------------------------------------------------ helpers */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    fputs(text, f);
    fclose(f);
}

/* Exactly one non-empty line. */
static void assert_one_line(const char *text, const char *what)
{
    size_t n = strlen(text);
    ck_assert_msg(n > 1 && text[n - 1] == '\n' && memchr(text, '\n', n - 1) == NULL,
                  "%s: expected one line on stderr, got: \"%s\"", what, text);
}

/* meta.total of GET path?count=exact (path has no query). */
static long long total(const rt_server *s, const char *path)
{
    char p[128];
    snprintf(p, sizeof p, "%s?count=exact&limit=0", path);
    rt_response *r = rt_get(s, p);
    RT_ASSERT_STATUS(r, 200);
    long long t = rt_json_int(r, "meta.total");
    rt_response_free(r);
    return t;
}

/* ------------------------------------------------------------ start-up errors */

START_TEST(test_bad_schema_exits_with_one_message)
{
    static const struct { const char *text, *needles[3]; } cases[] = {
        {"{\"entities\":{\"User\":{\"columns\":{\"id\":{\"type\":\"integer\",\"primary_key\":true},"
         "\"x\":{\"type\":\"nosuch\"}}}}}",
         {"User", "x", "nosuch"}},
        {"{\"entities\":{\"User\":{\"columns\":{\"id\":{\"type\":\"integer\",\"primary_key\":true}},"
         "\"relationships\":{\"friends\":{\"target\":\"Nobody\"}}}}}",
         {"User", "friends", "Nobody"}},
        {"{\"entities\":{\"Doc\":{\"columns\":{\"id\":{\"type\":\"integer\",\"primary_key\":true},"
         "\"v1\":{\"type\":\"integer\",\"version\":true},\"v2\":{\"type\":\"integer\",\"version\":true}}}}}",
         {"Doc", "version", NULL}},
        {"{\"entities\":{\"Item\":{\"columns\":{\"id\":{\"type\":\"integer\",\"primary_key\":true,"
         "\"colour\":\"red\"}}}}}",
         {"Item", "colour", NULL}},
        {"{\"entities\":{\"Item\":{\"columns\":{\"id\":{\"type\":\"integer\",\"primary_key\":true},"
         "\"owner_id\":{\"type\":\"integer\",\"foreign_key\":\"owners.id\"}}}}}",
         {"Item", "owner_id", "owners"}},
        {"{\"entities\": {\"A\": ", {"line", NULL, NULL}},
    };
    char dir[256];
    rt_mkdtemp(dir, sizeof dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char schema[320], db[340];
        snprintf(schema, sizeof schema, "%s/bad%zu.json", dir, i);
        snprintf(db, sizeof db, "sqlite:///%s/bad.db", dir);
        write_file(schema, cases[i].text);
        const char *const args[] = {"--schema", schema, "--db", db, "--create-all", "--port", "0", NULL};
        char *err;
        int status = rt_run(args, NULL, dir, &err);
        ck_assert_msg(status > 0, "case %zu: exit status %d: %s", i, status, err);
        assert_one_line(err, schema);
        ck_assert_msg(strstr(err, schema) != NULL, "case %zu: the file is not named: %s", i, err);
        for (size_t k = 0; k < 3 && cases[i].needles[k]; k++)
            ck_assert_msg(strstr(err, cases[i].needles[k]) != NULL, "case %zu: \"%s\" not in: %s", i,
                          cases[i].needles[k], err);
        ck_assert_msg(!strstr(err, "listening"), "case %zu started anyway", i);
        free(err);
    }
    rt_rmtree(dir);
}
END_TEST

START_TEST(test_bad_options_exit_2)
{
    static const struct { const char *args[6], *env, *needle; } cases[] = {
        {{"--schema", BLOG, "--bogus", NULL}, NULL, "--bogus"},
        {{"--schema", BLOG, "--port", "abc", NULL}, NULL, "--port"},
        {{"--schema", BLOG, "--port", "70000", NULL}, NULL, "--port"},
        {{"--schema", BLOG, "--threads", "0", NULL}, NULL, "--threads"},
        {{"--schema", BLOG, "--max-body", NULL}, NULL, "--max-body"},
        {{"--port", "0", NULL}, NULL, "--schema"},
        {{"--schema", BLOG, "stray", NULL}, NULL, "stray"},
        {{"--schema", BLOG, NULL}, "RESTMAP_PORT=eighty", "RESTMAP_PORT"},
        {{"--schema", BLOG, NULL}, "RESTMAP_ECHO=perhaps", "RESTMAP_ECHO"},
    };
    char *abs_blog = realpath(BLOG, NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *args[8];
        size_t n = 0;
        for (; cases[i].args[n]; n++) args[n] = strcmp(cases[i].args[n], BLOG) ? cases[i].args[n] : abs_blog;
        args[n] = NULL;
        const char *const env[] = {cases[i].env, NULL};
        char *err;
        int status = rt_run(args, env, NULL, &err);
        ck_assert_msg(status == 2, "case %zu: exit status %d, expected 2: %s", i, status, err);
        assert_one_line(err, cases[i].needle);
        ck_assert_msg(strstr(err, cases[i].needle) != NULL, "case %zu: \"%s\" not named in: %s", i,
                      cases[i].needle, err);
        free(err);
    }
    const char *const help[] = {"--help", NULL};
    char *out;
    ck_assert_int_eq(rt_run(help, NULL, NULL, &out), 0);
    ck_assert_msg(strstr(out, "--schema") && strstr(out, "RESTMAP_PORT"), "usage: %s", out);
    free(out);
    free(abs_blog);
}
END_TEST

/* ------------------------------------------------------------ environment */

START_TEST(test_env_port_and_command_line_wins)
{
    int p1 = rt_free_port(), p2 = rt_free_port();
    char e1[64], a2[16];
    snprintf(e1, sizeof e1, "RESTMAP_PORT=%d", p1);
    snprintf(a2, sizeof a2, "%d", p2);
    const char *const env[] = {e1, NULL};

    rt_server s;
    rt_start o = {.schema = BLOG, .env = env, .no_port = true};
    rt_server_start_ex(&s, &o);
    ck_assert_int_eq(s.port, p1);
    rt_check(&s, "/healthz", "200");
    rt_server_stop(&s);

    if (p2 == p1) return; /* the kernel handed out the same port twice: nothing to compare */
    const char *const args[] = {"--port", a2, NULL};
    rt_start o2 = {.schema = BLOG, .env = env, .args = args, .no_port = true};
    rt_server_start_ex(&s, &o2);
    ck_assert_int_eq(s.port, p2);
    rt_server_stop(&s);
}
END_TEST

START_TEST(test_env_max_body_and_command_line_wins)
{
    static const char body[] =
        "{\"name\":\"maxbody\",\"fullname\":\"a body of more than sixty-four bytes in all\"}";
    const char *const env[] = {"RESTMAP_MAX_BODY=64", NULL};
    rt_server s;
    rt_start o = {.schema = BLOG, .env = env};
    rt_server_start_ex(&s, &o);
    RT_CASES_AT(&s, body, {"POST /api/users %s", "413"});
    rt_server_stop(&s);

    const char *const args[] = {"--max-body", "100000", NULL};
    rt_start o2 = {.schema = BLOG, .env = env, .args = args};
    rt_server_start_ex(&s, &o2);
    RT_CASES_AT(&s, body, {"POST /api/users %s", "201"});
    rt_server_stop(&s);
}
END_TEST

/* ------------------------------------------------------------ seed */

START_TEST(test_seed_only_into_empty_tables)
{
    char dir[256];
    rt_mkdtemp(dir, sizeof dir);
    rt_server s;
    rt_start o = {.schema = BLOG, .seed = BLOG_SEED, .dir = dir};
    rt_server_start_ex(&s, &o);
    ck_assert_int_eq(total(&s, "/api/users"), 5);
    ck_assert_int_eq(total(&s, "/api/keywords"), 2);
    ck_assert_msg(rt_server_log_wait(&s, "seeded", 1000), "no seed message");
    rt_check(&s, "POST /api/users {\"name\":\"extra\"}", "201");
    char *log = rt_server_log(&s);
    ck_assert_msg(!strstr(log, "SELECT"), "statements logged without --echo");
    free(log);
    char *before = rt_db_fingerprint(&s);
    rt_server_stop(&s);

    /* the same database again: nothing is seeded twice */
    rt_server_start_ex(&s, &o);
    char *after = rt_db_fingerprint(&s);
    ck_assert_msg(strcmp(before, after) == 0, "a restart with --seed changed the database");
    free(before);
    free(after);
    ck_assert_int_eq(total(&s, "/api/users"), 6);
    /* empty one table: the next start seeds that table only */
    RT_CASES(&s, {"DELETE /api/keywords/1", "204"}, {"DELETE /api/keywords/2", "204"});
    ck_assert_int_eq(total(&s, "/api/keywords"), 0);
    rt_server_stop(&s);

    rt_server_start_ex(&s, &o);
    ck_assert_int_eq(total(&s, "/api/keywords"), 2);
    ck_assert_int_eq(total(&s, "/api/users"), 6);
    ck_assert_int_eq(total(&s, "/api/addresses"), 2);
    rt_server_stop(&s);
    rt_rmtree(dir);
}
END_TEST

START_TEST(test_bad_seed_exits_non_zero)
{
    char dir[256], seed[300];
    rt_mkdtemp(dir, sizeof dir);
    snprintf(seed, sizeof seed, "%s/seed.json", dir);
    write_file(seed, "{\"users\": [{\"name\": \"ok\"}, {\"fullname\": \"no name\"}]}");
    rt_server s;
    rt_start o = {.schema = BLOG, .seed = seed, .dir = dir};
    char *err;
    int status;
    ck_assert_int_eq(rt_server_try_start(&s, &o, &err, &status), -1);
    ck_assert_msg(status > 0, "exit status %d", status);
    ck_assert_msg(strstr(err, seed) && strstr(err, "name"), "seed error: %s", err);
    free(err);
    rt_rmtree(dir);
}
END_TEST

/* ------------------------------------------------------------ --echo */

START_TEST(test_echo_logs_statements_not_secrets)
{
    static const char *const args[] = {"--echo", NULL};
    rt_server s;
    rt_server_start(&s, BLOG, BLOG_SEED, args);
    long long id = rt_create(&s, "POST /api/users {\"name\":\"echoer\",\"password\":\"topsecret-pw-123\"}");
    RT_CASES_AT(&s, rt_fmt("/api/users/%lld", id),
        {"PATCH %s {\"password\":\"second-secret-456\",\"fullname\":\"E\"}", "200"},
        {"/api/users/4", "200"},
    );
    ck_assert_msg(rt_server_log_wait(&s, "GET /api/users/4", 2000), "no access log line");

    char *log = rt_server_log(&s);
    ck_assert_msg(strstr(log, "INSERT INTO \"users\""), "INSERT not echoed:\n%.2000s", log);
    ck_assert_msg(strstr(log, "'echoer'"), "parameters not echoed:\n%.2000s", log);
    ck_assert_msg(strstr(log, "UPDATE \"users\""), "UPDATE not echoed");
    ck_assert_msg(strstr(log, "SELECT") && strstr(log, "[4]"), "SELECT with its key not echoed");
    ck_assert_msg(strstr(log, "'***'"), "write_only values are not masked as '***'");
    static const char *const secrets[] = {"topsecret-pw-123", "second-secret-456", "f8s7ccs",
                                          "foobar", "xxg527", "gjffdd"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        ck_assert_msg(strstr(log, secrets[i]) == NULL, "password %s logged", secrets[i]);
    free(log);
    rt_server_stop(&s);
}
END_TEST

/* ------------------------------------------------------------ signals */

/* Can a new connection to port be made? */
static bool can_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

START_TEST(test_sigterm_finishes_request_in_flight)
{
    rt_server s;
    rt_server_start(&s, BLOG, BLOG_SEED, NULL);
    static const char head[] = "POST /api/users HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Content-Type: application/json\r\nContent-Length: 19\r\n\r\n"
                               "{\"name\":";
    static const char rest[] = "\"inflight\"}";
    ck_assert_uint_eq(strlen("{\"name\":") + strlen(rest), 19);
    int fd = rt_connect(&s);
    rt_send_all(fd, head, sizeof head - 1);
    sleep_ms(300); /* the server has read the request line and headers */
    ck_assert_int_eq(kill(s.pid, SIGTERM), 0);
    sleep_ms(300); /* ...and has seen the signal */
    int st;
    ck_assert_msg(waitpid(s.pid, &st, WNOHANG) == 0, "exited with a request in flight");
    ck_assert_msg(!can_connect(s.port), "still accepting connections after SIGTERM");
    rt_send_all(fd, rest, sizeof rest - 1);
    char *raw = rt_read_response(fd, 5000);
    close(fd);
    ck_assert_msg(rt_raw_status(raw) == 201, "the request in flight got: %.400s", raw);
    ck_assert_msg(strstr(raw, "inflight") != NULL, "%.400s", raw);
    free(raw);
    int status = rt_server_wait(&s, 10000);
    ck_assert_msg(status == 0, "exit status %d after SIGTERM", status);
    char *n = rt_db_scalar(&s, "SELECT count(*) FROM users WHERE name = 'inflight'");
    ck_assert_str_eq(n, "1");
    free(n);
    rt_server_stop(&s);
}
END_TEST

/* The access log is buffered (server/log.c): a quiet server still writes a
 * request's line within about a second; after a burst from several
 * connections at once and a SIGTERM right after it, every request has
 * exactly one line, whole, and none is lost. */
#define BURST_THREADS 4
#define BURST_REQUESTS 150

typedef struct burst {
    const rt_server *s;
    char ids[BURST_REQUESTS][17];
} burst;

/* The X-Request-Id of a raw answer into id[17] ("" when absent). */
static void request_id_of(const char *raw, char id[17])
{
    const char *h = strstr(raw, "X-Request-Id: ");
    id[0] = '\0';
    if (h && strlen(h + 14) >= 16) {
        memcpy(id, h + 14, 16);
        id[16] = '\0';
    }
}

static void *burst_run(void *arg)
{
    burst *b = arg;
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    for (int i = 0; i < BURST_REQUESTS; i++) {
        int fd = rt_connect(b->s);
        rt_send_all(fd, req, sizeof req - 1);
        char *raw = rt_read_response(fd, 5000);
        close(fd);
        request_id_of(raw, b->ids[i]);
        free(raw);
    }
    return NULL;
}

/* The one line of log naming id: "<time> restmap[INFO] GET /healthz 200
 * <ms>ms <id>" and nothing else. */
static void assert_whole_line(const char *log, const char *id)
{
    const char *at = strstr(log, id);
    ck_assert_msg(at, "request %s has no access line", id);
    ck_assert_msg(!strstr(at + 1, id), "request %s has two access lines", id);
    const char *bol = at;
    while (bol > log && bol[-1] != '\n') bol--;
    char line[256];
    size_t n = (size_t)(strchr(at, '\n') ? strchr(at, '\n') - bol : -1);
    ck_assert_msg(n < sizeof line, "request %s: no end of line", id);
    memcpy(line, bol, n);
    line[n] = '\0';
    char ts[32], ms[32], got_id[32], rest[8];
    int k = sscanf(line, "%31s restmap[INFO] GET /healthz 200 %31s %31s%7s", ts, ms, got_id, rest);
    ck_assert_msg(k == 3 && strlen(ts) == 24 && ts[23] == 'Z' && !strcmp(got_id, id) &&
                      !strcmp(ms + strlen(ms) - 2, "ms"),
                  "not a whole access line: '%s'", line);
}

START_TEST(test_access_log_buffered_whole_and_complete)
{
    rt_server s;
    rt_server_start(&s, BLOG, NULL, NULL);
    rt_response *r = rt_request(&s, "GET", "/healthz", NULL, NULL, NULL);
    char first[64];
    snprintf(first, sizeof first, "%s", rt_header(r, "X-Request-Id"));
    rt_response_free(r);
    ck_assert_msg(rt_server_log_wait(&s, first, 3000), "a quiet server did not write the access line");

    static burst bursts[BURST_THREADS];
    pthread_t th[BURST_THREADS];
    for (int t = 0; t < BURST_THREADS; t++) {
        bursts[t].s = &s;
        ck_assert_int_eq(pthread_create(&th[t], NULL, burst_run, &bursts[t]), 0);
    }
    for (int t = 0; t < BURST_THREADS; t++) pthread_join(th[t], NULL);
    ck_assert_int_eq(rt_server_terminate(&s), 0); /* right away: lines still buffered */
    char *log = rt_server_log(&s);
    assert_whole_line(log, first);
    for (int t = 0; t < BURST_THREADS; t++)
        for (int i = 0; i < BURST_REQUESTS; i++) {
            ck_assert_msg(strlen(bursts[t].ids[i]) == 16, "request %d/%d got no answer", t, i);
            assert_whole_line(log, bursts[t].ids[i]);
        }
    ck_assert_msg(strstr(log, "restmap[INFO] stopped\n") != NULL, "no clean stop");
    free(log);
    rt_server_stop(&s);
}
END_TEST

START_TEST(test_sigint_exits_0)
{
    rt_server s;
    rt_server_start(&s, BLOG, NULL, NULL);
    rt_check(&s, "/healthz", "200");
    ck_assert_int_eq(kill(s.pid, SIGINT), 0);
    int status = rt_server_wait(&s, 10000);
    ck_assert_msg(status == 0, "exit status %d after SIGINT", status);
    rt_server_stop(&s);
}
END_TEST

Suite *http_lifecycle_suite(void)
{
    Suite *s = suite_create("http_lifecycle");
    TS_TCASE(s, "startup", NULL, NULL, 120, test_bad_schema_exits_with_one_message, test_bad_options_exit_2,
             test_bad_seed_exits_non_zero);
    TS_TCASE(s, "config", NULL, NULL, 120, test_env_port_and_command_line_wins,
             test_env_max_body_and_command_line_wins, test_seed_only_into_empty_tables,
             test_echo_logs_statements_not_secrets);
    TS_TCASE(s, "signals", NULL, NULL, 60, test_sigterm_finishes_request_in_flight, test_sigint_exits_0,
             test_access_log_buffered_whole_and_complete);
    return s;
}
