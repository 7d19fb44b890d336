/* rt.h: the end-to-end harness of the HTTP suites. Starts the real restmap
 * binary (RESTMAP_BIN, default build/restmap) in a fresh temporary
 * directory with its own database on the backend of the run (an SQLite
 * file, or a PostgreSQL database: rt_db.h, backend.h), talks to it with
 * libcurl (or a raw socket for framing libcurl cannot express),
 * fingerprints the database to prove that a rejected request wrote
 * nothing, and stops the
 * process with SIGTERM, asserting that it exits 0. Suites write their
 * requests as case tables (rt_case) or one-line checks (rt_expect,
 * rt_assert_wants) that say in a failure which request it was.
 *
 * Nothing here relies on check's fork mode: every allocation is freed and
 * every child process is reaped, so CK_FORK=no and ASan leak checks work. */
#ifndef RM_TEST_RT_H
#define RM_TEST_RT_H

#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tests/support/rt_db.h"
#include "tests/support/suite.h"

/* How to start a server; rt_server_start() fills the common case. */
typedef struct rt_start {
    const char *schema;        /* --schema (made absolute); NULL: not passed */
    const char *seed;          /* --seed (made absolute) or NULL */
    const char *const *args;   /* more arguments, NULL-terminated, or NULL */
    const char *const *env;    /* extra "NAME=value" entries, or NULL; inherited
                                  RESTMAP_* variables are always removed */
    bool no_port;              /* do not pass --port 0 */
    bool no_db;                /* do not pass --db and --create-all */
    const char *dir;           /* run in this existing directory (kept on stop, with
                                  its database: a start in it again finds the same
                                  one; rt_rmtree(dir) removes both); NULL: a new
                                  temporary directory (removed on stop, database too) */
    const rt_server *db_of;    /* another server whose database this one shares (a
                                  second replica; rt_db_share), or NULL: the
                                  database of its own directory */
} rt_start;

typedef struct rt_server {
    pid_t pid;
    int port;
    char dir[256];             /* working directory of the process */
    char db_path[300];         /* <dir>/test.db (the SQLite file) */
    char db_name[64];          /* the PostgreSQL database, "" on SQLite */
    char db_url[400];          /* what --db gets */
    char log_path[300];        /* <dir>/stderr.log: everything the process wrote to stderr */
    char base[64];             /* "http://127.0.0.1:PORT" */
    bool owns_dir;
    long log_from;             /* log offset where this run's output starts */
} rt_server;

typedef struct rt_header_kv {
    char *name, *value;
} rt_header_kv;

typedef struct rt_response {
    long status;               /* 0 when the transfer failed */
    char *body;                /* NUL-terminated (never NULL) */
    size_t body_len;
    json_t *json;              /* parsed when the body is JSON, else NULL */
    rt_header_kv *headers;     /* of the final response (1xx dropped) */
    size_t nheaders;
    char what[256];            /* "METHOD path", for assertion messages (a case's
                                  request adds its headers and the start of its body) */
} rt_response;

/* Start with schema, optional seed and extra arguments (NULL-terminated or
 * NULL); fails the test with the captured stderr (and the backend and --db)
 * if the process does not print its "listening on" line within 20 s. */
void rt_server_start(rt_server *s, const char *schema, const char *seed,
                     const char *const *extra_args);
void rt_server_start_ex(rt_server *s, const rt_start *o);
/* Like rt_server_start_ex, but a failed start returns -1 (the stderr text
 * in *err, malloc'd; the exit status in *exit_status, -1 if killed by a
 * signal) instead of failing the test. */
int rt_server_try_start(rt_server *s, const rt_start *o, char **err, int *exit_status);
/* SIGTERM, wait (15 s) and assert exit status 0; removes the directory
 * when the harness created it (also when the process already ended). */
void rt_server_stop(rt_server *s);
/* SIGTERM and wait, returning the exit status (-1: killed by a signal or
 * timed out) without asserting; the directory is kept. */
int rt_server_terminate(rt_server *s);
/* Wait up to timeout_ms for the process to exit by itself (SIGKILL after
 * that); returns the exit status or -1. The directory is kept. */
int rt_server_wait(rt_server *s, int timeout_ms);
/* Everything the process wrote to stderr so far (malloc'd). */
char *rt_server_log(const rt_server *s);
/* Wait up to timeout_ms until the stderr log contains needle. */
bool rt_server_log_wait(const rt_server *s, const char *needle, int timeout_ms);

/* Run the binary to completion with args (NULL-terminated; argv[0] is
 * added) and extra env, in dir (NULL: a fresh temporary directory).
 * Returns the exit status (-1: signal or timeout) and stderr in *err. */
int rt_run(const char *const *args, const char *const *env, const char *dir, char **err);

/* One HTTP request. body may be NULL; content_type NULL with a body means
 * application/json, "" means no Content-Type header at all.
 * extra_headers: NULL-terminated "Name: value" lines, or NULL. */
/* Two PATCHes of path at once (released together by a barrier): bodies[i]
 * through s[i] (the same server twice, or two replicas), with `header`
 * (may be NULL) on both; answers[i] to free. */
void rt_patch_race(const rt_server *const s[2], const char *path, const char *const bodies[2], const char *header,
                   rt_response *answers[2]);
rt_response *rt_request(const rt_server *s, const char *method, const char *path,
                        const char *body, const char *content_type,
                        const char *const *extra_headers);
rt_response *rt_get(const rt_server *s, const char *path);
/* The value of the sample `name` in the server's /metrics (fails the test
 * when it is missing). */
long long rt_metric(const rt_server *s, const char *name);
rt_response *rt_send_json(const rt_server *s, const char *method, const char *path,
                          const char *body);
void rt_response_free(rt_response *r);
/* printf into one of 8 rotating static buffers of 1 KiB, for a path or a
 * query used at once (only the test's own thread may call it). */
const char *rt_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* printf into a malloc'd string, then every ' becomes " (so JSON bodies
 * read naturally in C; no value may contain an apostrophe). */
char *rt_jsonf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *rt_vjsonf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Send a JSON body written with ' for " (see rt_jsonf). */
rt_response *rt_sendf(const rt_server *s, const char *method, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* First header of that name (any case), or NULL. */
const char *rt_header(const rt_response *r, const char *name);

/* Raw sockets: connect to the server, send bytes, read one response
 * (headers and Content-Length or chunked body; interim 1xx answers are
 * kept in the text). rt_raw does all three; results are malloc'd. */
int rt_connect(const rt_server *s);
void rt_send_all(int fd, const void *buf, size_t n);
char *rt_read_response(int fd, int timeout_ms);
char *rt_raw(const rt_server *s, const char *request_bytes, size_t n);
/* Status code of a raw response text ("HTTP/1.1 413 ..." → 413), the
 * first non-1xx one; 0 when there is none. */
int rt_raw_status(const char *raw);
/* The body of a raw response (points into raw). */
const char *rt_raw_body(const char *raw);

/* A port that was free a moment ago. */
int rt_free_port(void);
/* A new temporary directory (path into buf) / remove one recursively, and
 * the PostgreSQL database of a server that ran in it (rt_db_forget). */
void rt_mkdtemp(char *buf, size_t len);
void rt_rmtree(const char *dir);

/* ---- assertions ---------------------------------------------------------- */

/* Assert the status, showing the request and body when it differs. */
#define RT_ASSERT_STATUS(r, code)                                                          \
    ck_assert_msg((r)->status == (code), "%s: expected %d, got %ld: %.600s", (r)->what,  \
                  (int)(code), (r)->status, (r)->body)

/* Assert a problem+json answer with that status: Content-Type, type, title,
 * status, detail and an errors array; when pointer is not NULL, one of
 * errors[].pointer equals it. */
void rt_assert_problem(const rt_response *r, int status, const char *pointer);
/* The member of r->json at a dotted path like "meta.total" or "data.0.name"
 * (NULL when absent); rt_json_path does the same under any node. */
json_t *rt_json_at(const rt_response *r, const char *path);
json_t *rt_json_path(json_t *node, const char *path);
/* Shorthands that fail the test when the member is missing or mistyped
 * (rt_json_int_in: under node, NULL for the body). */
long long rt_json_int(const rt_response *r, const char *path);
long long rt_json_int_in(const rt_response *r, json_t *node, const char *path);
const char *rt_json_str(const rt_response *r, const char *path);

/* The K of the answer's Server-Timing (db;desc="K queries";dur=MS), or -1. */
int rt_queries(const rt_response *r);

/* Assert the status (for status >= 400 the whole problem answer, as
 * rt_assert_problem with pointer), then free r: one line for a request whose
 * answer needs no other check, e.g. rt_expect(rt_sendf(...), 409, NULL). */
void rt_expect(rt_response *r, int status, const char *pointer);

/* Assert expectations on an answer, written "at = value; at = value":
 *   at = value   the member of the JSON body at `at` (a dotted path as for
 *                rt_json_at) equals value, read as JSON in which ' stands
 *                for " unless value has a " of its own ("name = 'jack'",
 *                "meta.total = 2", "parent = null");
 *   at # n       the member is an array of n elements;
 *   at           the member is there (any value);
 *   !at          the member is absent from its object (which must be one);
 *   @Name = text the answer's header Name is text, as written;
 *   !@Name       the answer has no header Name;
 *   @json        the body is a JSON object or array;
 *   @body = text the body is text, as written;
 *   @empty       the body is empty;
 *   @queries = K / @queries <= K   the request ran exactly K / 1 to K
 *                statements (rt_queries);
 *   @unchanged   (in a case's expect) the request wrote nothing: the
 *                database file is as it was before it (rt_db_fingerprint).
 * One "[]" in at projects an array: "data[].id = [1,2]" compares the id of
 * each element of data, "[].id" those of a body that is an array.
 * A failure names the request, the expectation and the body.
 * rt_assert_wants_in reads the paths under node (NULL: the body). */
void rt_assert_wants(const rt_response *r, const char *wants);
void rt_assert_wants_in(const rt_response *r, json_t *node, const char *wants);

/* ---- case tables ---------------------------------------------------------- */

/* One request of a case table and what its answer must be.
 * request: "METHOD PATH BODY", like an HTTP request in one string: the body
 *   (sent as application/json, ' standing for " unless it has a " of its
 *   own) is all after the second space; or header lines after the path,
 *   each after a \n, and the body after a blank line:
 *   "PATCH /api/users/1\nIf-Match: \"v1\"\n\n{'name': 'x'}" (a Content-Type
 *   line replaces application/json; an empty one sends none). A request
 *   that starts with / is a GET. A query value in PATH that starts with {
 *   or [ is JSON written as is and sent percent-encoded:
 *   "/api/users?filter={\"id\": 1}&limit=2".
 * expect: "STATUS REST", STATUS 200 when omitted (NULL: 200 and nothing
 *   more). For a status >= 400 the answer is a problem (rt_assert_problem)
 *   and REST starts with the pointer one of its errors must name, if any;
 *   otherwise, and after a ";" that follows the pointer, REST holds
 *   rt_assert_wants expectations (a 2xx answer with any, but for @empty,
 *   must be JSON unless it is a 204 or 304): "404", "400 /query/limit",
 *   "data[].id = [1,2]", "201 type = 'engineer'; @Location = /api/x/9". */
typedef struct rt_case {
    const char *request, *expect;
} rt_case;

/* Send c, assert what it expects and return the answer for more checks
 * (the caller frees it); rt_checked does the same for one case written
 * out, rt_check frees the answer too: rt_check(s, "DELETE /api/x/9", "404"). */
rt_response *rt_case_send(const rt_server *s, const rt_case *c);
rt_response *rt_checked(const rt_server *s, const char *request, const char *expect);
void rt_check(const rt_server *s, const char *request, const char *expect);
/* Send a request written as in rt_case (printf-style: "POST /api/users
 * {'name': '%s'}"), assert 201 and return the "id" of the answer. */
long long rt_create(const rt_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* rt_check, and the database file is as it was before the request: for a
 * request the server must refuse whole. */
void rt_check_refused(const rt_server *s, const char *request, const char *expect);
/* Each case of a table in turn. RT_CASES takes the cases themselves:
 *   RT_CASES(s,
 *       {"/api/users/1", "name = 'ed'"},
 *       {"DELETE /api/users/9", "404"},
 *   );
 * RT_CASES_AT replaces the first %s of a request by arg (a path known at
 * run time); in RT_CASES a %s stands for the Location of the last answer of
 * the table that had one (the object a case before created).
 * RT_REFUSED checks each case as rt_check_refused. */
void rt_cases(const rt_server *s, const rt_case *cases, size_t n);
/* The length of the request target at p in a case's request (the path and
 * query, JSON query values with their spaces included). */
size_t rt_target_length(const char *p);
void rt_cases_at(const rt_server *s, const char *arg, const rt_case *cases, size_t n);
/* rt_cases_at, and check (when not NULL) called on each answer as well: a
 * suite's own rule that every answer of a table must keep. */
void rt_cases_check(const rt_server *s, const char *arg, const rt_case *cases, size_t n,
                    void (*check)(const rt_response *r));
void rt_refused(const rt_server *s, const rt_case *cases, size_t n);
#define RT_CASES(s, ...) RT_CASES_AT((s), NULL, __VA_ARGS__)
#define RT_CASES_AT(s, arg, ...) RT_CASES_CHECK((s), (arg), NULL, __VA_ARGS__)
#define RT_CASES_CHECK(s, arg, check, ...)                                                    \
    do {                                                                                      \
        static const rt_case rt_cases_[] = {__VA_ARGS__};                                     \
        rt_cases_check((s), (arg), rt_cases_, sizeof rt_cases_ / sizeof rt_cases_[0], (check)); \
    } while (0)
#define RT_REFUSED(s, ...)                                                        \
    do {                                                                          \
        static const rt_case rt_cases_[] = {__VA_ARGS__};                         \
        rt_refused((s), rt_cases_, sizeof rt_cases_ / sizeof rt_cases_[0]);       \
    } while (0)

/* ---- suites ---------------------------------------------------------------- */

/* Define name_start and name_stop, the unchecked fixture that starts the
 * rt_server name (rt_server_start with schema, seed and args) for the
 * tests of a TCase and stops it after them. Written without a semicolon. */
#define RT_FIXTURE(name, schema, seed, args)                                       \
    static void name##_start(void) { rt_server_start(&name, schema, seed, args); } \
    static void name##_stop(void) { rt_server_stop(&name); }

/* Define Suite *fn(void) of one TCase (as TS_TCASE, suite.h): one server
 * for all of its tests when start is not NULL. */
#define RT_SUITE(fn, name, tcase, start, stop, timeout, ...)               \
    Suite *fn(void)                                                        \
    {                                                                      \
        Suite *s_ = suite_create(name);                                    \
        TS_TCASE(s_, (tcase), (start), (stop), (timeout), __VA_ARGS__);    \
        return s_;                                                         \
    }

#endif
