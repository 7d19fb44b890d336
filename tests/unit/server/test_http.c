/* test_http.c: server/http.c (with server/static.c and lib/problem.c)
 * over real sockets. Each test starts an rm_server on an ephemeral port
 * with a small echo handler and talks to it with libcurl, or with raw
 * sockets where curl cannot express the request (duplicate
 * Content-Length, Content-Length with Transfer-Encoding, Expect:
 * 100-continue without a body). Covers the limits (414 431 405 400 413
 * 415), the strict media type, JSON checks in our own words, problem+json
 * on every error, X-Request-Id, static files (and OPTIONS on them) and
 * their path checks, the graceful drain on stop, and the defences against
 * slow clients: head and body deadlines, the per-address connection limit,
 * idle connections closed at once on stop. The framing errors that
 * libmicrohttpd answers itself are checked to close the connection. */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "lib/problem.h"
#include "server/http.h"
#include "server/media_type.h"
#include "server/static.h"
#include "tests/suites.h"
#include "tests/support/sock.h"
#include "tests/support/suite.h"

#define MAX_BODY 1024
#define MAX_HEADER_BYTES RM_MAX_HEADER_BYTES /* 8192 */

/* ------------------------------------------------------------ fixture */

typedef struct test_app {
    atomic_int slow_entered;   /* set when /slow is inside the handler */
    atomic_int calls;
} test_app;

static test_app app;
static rm_server *srv;
static int port;
static char base_dir[64];      /* temp dir: www/ is the static root */
static char www_dir[96];

static void msleep(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Echo handler: {"method","path","query":[[k,v]...],"json","body_len",
 * "content_type","id"}. /slow sleeps first; /silent never answers. */
static void echo_handler(void *ud, const rm_request *req, rm_response *resp)
{
    test_app *t = ud;
    atomic_fetch_add(&t->calls, 1);
    if (strcmp(req->path, "/silent") == 0) return;
    if (strcmp(req->path, "/slow") == 0) {
        atomic_store(&t->slow_entered, 1);
        msleep(600);
    }
    json_t *q = json_array();
    for (size_t i = 0; i < req->nquery; i++)
        json_array_append_new(q, json_pack("[ss]", req->query[i].key, req->query[i].value));
    const char *ct = rm_request_header(req, "content-type");
    json_t *o = json_pack("{ss ss so sO? sI ss* ss}", "method", req->method, "path", req->path,
                          "query", q, "json", req->json, "body_len", (json_int_t)req->body_len,
                          "content_type", ct, "id", req->id);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    char *body = rm_arena_strdup(req->arena, text);
    free(text);
    if (strcmp(req->path, "/badheader") == 0)
        rm_response_header(resp, req->arena, "X-Bad", "a\r\nInjected: yes");
    rm_response_header(resp, req->arena, "X-Echo", "1");
    rm_response_body(resp, 200, NULL, body, strlen(body));
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void make_static_dir(void)
{
    strcpy(base_dir, "/tmp/rm_http_test_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(base_dir));
    snprintf(www_dir, sizeof www_dir, "%s/www", base_dir);
    ck_assert_int_eq(mkdir(www_dir, 0700), 0);
    write_file(www_dir, "index.html", "<h1>explorer</h1>");
    write_file(www_dir, "app.js", "console.log(1);");
    write_file(www_dir, ".hidden", "hidden");
    write_file(base_dir, "secret.txt", "TOP SECRET");
    char link[160];
    snprintf(link, sizeof link, "%s/evil.txt", www_dir);
    ck_assert_int_eq(symlink("../secret.txt", link), 0);
}

static void remove_static_dir(void)
{
    static const char *files[] = {"www/index.html", "www/app.js", "www/.hidden",
                                  "www/evil.txt", "secret.txt", "www"};
    char path[160];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", base_dir, files[i]);
        remove(path);
    }
    rmdir(base_dir);
}

static void start_server(void)
{
    memset(&app, 0, sizeof app);
    make_static_dir();
    rm_server_config cfg = {
        .bind = "127.0.0.1",
        .port = 0,
        .threads = 4,
        .max_body = MAX_BODY,
        .max_uri = 8192,
        .max_header_bytes = MAX_HEADER_BYTES,
        .static_dir = www_dir,
        .log_requests = 0,
    };
    char err[256];
    int rc = rm_server_start(&cfg, echo_handler, &app, &srv, err, sizeof err);
    ck_assert_msg(rc == 0, "start: %s", err);
    port = rm_server_port(srv);
    ck_assert_int_gt(port, 0);
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ------------------------------------------------------------ curl */

typedef struct http_res {
    long status;
    char *body;
    size_t len;
    char ctype[128], request_id[64], allow[128], connection[32], xbad[64], xecho[8];
    char timing[64];
    int saw_100;
} http_res;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    http_res *r = ud;
    size_t add = sz * n;
    r->body = realloc(r->body, r->len + add + 1);
    memcpy(r->body + r->len, p, add);
    r->len += add;
    r->body[r->len] = '\0';
    return add;
}

static void grab(const char *line, size_t n, const char *name, char *dst, size_t cap)
{
    size_t k = strlen(name);
    if (n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':') return;
    const char *v = line + k + 1;
    size_t vl = n - k - 1;
    while (vl && (*v == ' ')) { v++; vl--; }
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n')) vl--;
    if (vl >= cap) vl = cap - 1;
    memcpy(dst, v, vl);
    dst[vl] = '\0';
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    http_res *r = ud;
    size_t len = sz * n;
    if (len >= 12 && strncmp(p, "HTTP/1.1 100", 12) == 0) r->saw_100 = 1;
    grab(p, len, "Content-Type", r->ctype, sizeof r->ctype);
    grab(p, len, "X-Request-Id", r->request_id, sizeof r->request_id);
    grab(p, len, "Allow", r->allow, sizeof r->allow);
    grab(p, len, "Connection", r->connection, sizeof r->connection);
    grab(p, len, "X-Bad", r->xbad, sizeof r->xbad);
    grab(p, len, "X-Echo", r->xecho, sizeof r->xecho);
    grab(p, len, "Server-Timing", r->timing, sizeof r->timing);
    return len;
}

typedef struct upload {
    size_t left;   /* bytes still to send */
} upload;

static size_t on_read(char *buf, size_t sz, size_t n, void *ud)
{
    upload *u = ud;
    size_t k = sz * n < u->left ? sz * n : u->left;
    memset(buf, ' ', k); /* whitespace: valid JSON padding */
    u->left -= k;
    return k;
}

static CURL *new_handle(const char *method, const char *path, http_res *res)
{
    char url[16384];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, res);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, res);
    if (strcmp(method, "HEAD") == 0) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET") != 0) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    return c;
}

/* One request; body may be NULL. extra: more request headers or NULL. */
static http_res http(const char *method, const char *path, const char *ctype, const char *body,
                     struct curl_slist *extra)
{
    http_res res = {0};
    CURL *c = new_handle(method, path, &res);
    struct curl_slist *h = extra;
    char cth[160];
    if (ctype) {
        snprintf(cth, sizeof cth, "Content-Type: %s", ctype);
        h = curl_slist_append(h, cth);
    }
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    CURLcode rc = curl_easy_perform(c);
    ck_assert_msg(rc == CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res.status);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    if (!res.body) res.body = calloc(1, 1);
    return res;
}

static http_res get(const char *path) { return http("GET", path, NULL, NULL, NULL); }

static http_res post_json(const char *path, const char *body)
{
    return http("POST", path, "application/json", body, NULL);
}

static void assert_request_id(const char *id)
{
    ck_assert_uint_eq(strlen(id), 16);
    ck_assert_uint_eq(strspn(id, "0123456789abcdef"), 16);
}

/* status matches, problem+json, body shape, request id agrees. */
static json_t *assert_problem(const http_res *r, long status)
{
    ck_assert_int_eq(r->status, status);
    ck_assert_msg(strncmp(r->ctype, "application/problem+json", 24) == 0, "ctype '%s'", r->ctype);
    assert_request_id(r->request_id);
    json_error_t e;
    json_t *j = json_loads(r->body, 0, &e);
    ck_assert_msg(j != NULL, "problem body: %s", r->body);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "status")), status);
    ck_assert(json_is_string(json_object_get(j, "title")));
    ck_assert(json_is_string(json_object_get(j, "type")));
    ck_assert(json_is_string(json_object_get(j, "detail")));
    ck_assert(json_is_array(json_object_get(j, "errors")));
    ck_assert_str_eq(json_string_value(json_object_get(j, "request_id")), r->request_id);
    return j;
}

static void check_problem(http_res *r, long status)
{
    json_decref(assert_problem(r, status));
    free(r->body);
}

static json_t *echo_json(http_res *r)
{
    ck_assert_msg(r->status == 200, "status %ld: %s", r->status, r->body);
    json_t *j = json_loads(r->body, 0, NULL);
    ck_assert_ptr_nonnull(j);
    free(r->body);
    r->body = NULL;
    return j;
}

/* ------------------------------------------------------------ raw sockets */

static int connect_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* Send req as is; read until the server closes (or 5 s pass). */
static char *raw(const char *req)
{
    int fd = connect_port();
    ck_assert_int_ge(fd, 0);
    size_t len = strlen(req), off = 0;
    while (off < len) {
        ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (w <= 0) break;
        off += (size_t)w;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        ssize_t r = recv(fd, buf + n, cap - n - 1, 0);
        if (r <= 0) break;
        n += (size_t)r;
        if (n + 1 >= cap) break;
    }
    buf[n] = '\0';
    close(fd);
    return buf;
}

/* Case-insensitive strstr (strcasestr is a GNU extension). */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0) return hay;
    return NULL;
}

static void assert_raw_problem(char *resp, int status)
{
    char line[32];
    snprintf(line, sizeof line, "HTTP/1.1 %d ", status);
    ck_assert_msg(strncmp(resp, line, strlen(line)) == 0, "got: %.200s", resp);
    ck_assert_ptr_nonnull(find_ci(resp, "\r\nContent-Type: application/problem+json"));
    ck_assert_ptr_nonnull(find_ci(resp, "\r\nX-Request-Id: "));
    free(resp);
}

/* ------------------------------------------------------------ tests */

START_TEST(echo_get_with_query)
{
    http_res r = get("/api/a%20b?x=1&x=2&y=a+b&flag&z=%C3%A9");
    ck_assert_str_eq(r.xecho, "1");
    assert_request_id(r.request_id);
    ck_assert_str_eq(r.ctype, "application/json");
    json_t *j = echo_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(j, "method")), "GET");
    ck_assert_str_eq(json_string_value(json_object_get(j, "path")), "/api/a b");
    ck_assert_str_eq(json_string_value(json_object_get(j, "id")), r.request_id);
    json_t *q = json_object_get(j, "query");
    ck_assert_uint_eq(json_array_size(q), 5);
    const char *want[5][2] = {{"x", "1"}, {"x", "2"}, {"y", "a b"}, {"flag", ""}, {"z", "\xc3\xa9"}};
    for (size_t i = 0; i < 5; i++) {
        ck_assert_str_eq(json_string_value(json_array_get(json_array_get(q, i), 0)), want[i][0]);
        ck_assert_str_eq(json_string_value(json_array_get(json_array_get(q, i), 1)), want[i][1]);
    }
    ck_assert(json_is_null(json_object_get(j, "json")));
    json_decref(j);
}
END_TEST

START_TEST(request_ids_differ_and_head_has_no_body)
{
    http_res a = get("/x"), b = get("/x");
    ck_assert_str_ne(a.request_id, b.request_id);
    free(a.body);
    free(b.body);
    http_res h = http("HEAD", "/x", NULL, NULL, NULL);
    ck_assert_int_eq(h.status, 200);
    ck_assert_uint_eq(h.len, 0);
    assert_request_id(h.request_id);
    free(h.body);
}
END_TEST

START_TEST(post_json_object_and_array)
{
    http_res r = post_json("/api/users", "{\"name\":\"ed\",\"n\":[1,2]}");
    json_t *j = echo_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(j, "method")), "POST");
    json_t *body = json_object_get(j, "json");
    ck_assert_str_eq(json_string_value(json_object_get(body, "name")), "ed");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "body_len")), 23);
    json_decref(j);
    r = http("PUT", "/api/users", "Application/JSON ; charset=UTF-8", "[{\"a\":1}]", NULL);
    j = echo_json(&r);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "json")), 1);
    json_decref(j);
    /* empty body: no media-type check, no json */
    r = http("DELETE", "/api/users/1", "text/plain", NULL, NULL);
    j = echo_json(&r);
    ck_assert(json_is_null(json_object_get(j, "json")));
    json_decref(j);
}
END_TEST

START_TEST(uri_too_long_414)
{
    char path[9100];
    path[0] = '/';
    memset(path + 1, 'a', sizeof path - 2);
    path[sizeof path - 1] = '\0';
    http_res r = get(path);
    check_problem(&r, 414);
    memcpy(path, "/x?q=", 5); /* the query counts too */
    r = get(path);
    check_problem(&r, 414);
    ck_assert_int_eq(atomic_load(&app.calls), 0);
}
END_TEST

START_TEST(headers_too_large_431)
{
    struct curl_slist *h = NULL;
    char line[1100];
    for (int i = 0; i < 40; i++) {
        int n = snprintf(line, sizeof line, "X-Pad-%d: ", i);
        memset(line + n, 'v', 1000);
        line[n + 1000] = '\0';
        h = curl_slist_append(h, line);
    }
    http_res r = http("GET", "/x", NULL, NULL, h);
    check_problem(&r, 431);
}
END_TEST

/* "GET /x" with Host, Connection: close, then n lines "a: b", then last
 * (more header lines, each with its CRLF, or ""); malloc'd. */
static char *head_of_tiny_lines(size_t n, const char *last)
{
    size_t cap = n * 6 + strlen(last) + 256;
    char *req = malloc(cap);
    size_t off = (size_t)snprintf(req, cap, "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n");
    for (size_t i = 0; i < n; i++) off += (size_t)snprintf(req + off, cap - off, "a: b\r\n");
    snprintf(req + off, cap - off, "%s\r\n", last);
    return req;
}

/* libmicrohttpd keeps every header line in the connection's memory with a
 * 64-byte record: the smallest lines our 431 counts fully ("a: b", 6
 * bytes) cost 70 bytes each. A head of them one line past the limit, and
 * one as large as the connection memory still holds (its size less the
 * 8 KiB left for the answer, at 70 bytes a line), both get our
 * problem+json 431, not libmicrohttpd's HTML. */
START_TEST(many_tiny_headers_431_is_ours)
{
    /* Host (9) and Connection (19) count too */
    size_t over = (MAX_HEADER_BYTES - 28) / 6 + 1;
    size_t largest = (rm_server_connection_memory(8192, MAX_HEADER_BYTES) - 8192) / 70;
    ck_assert_uint_gt(largest, over);
    size_t counts[] = {over, largest};
    for (size_t i = 0; i < 2; i++) {
        char *req = head_of_tiny_lines(counts[i], "");
        assert_raw_problem(raw(req), 431);
        free(req);
    }
    /* one line fewer is within the limit: answered */
    char *req = head_of_tiny_lines(over - 1, "");
    char *resp = raw(req);
    ck_assert_msg(strncmp(resp, "HTTP/1.1 200 ", 13) == 0, "%.200s", resp);
    free(resp);
    free(req);
}
END_TEST

/* A target of 8 KiB of one-byte query arguments ("a&a&..."): libmicrohttpd
 * would take 64 bytes of connection memory per argument (256 KiB, more
 * than the connection has) and drop the connection unanswered; restmap
 * cuts the query it does not read before libmicrohttpd splits it
 * (on_request_line), so the request is answered. */
START_TEST(many_query_arguments_are_answered)
{
    size_t n = 4000;
    char *req = malloc(n * 2 + 128);
    size_t off = (size_t)sprintf(req, "GET /x?");
    for (size_t i = 0; i < n; i++) off += (size_t)sprintf(req + off, "a&");
    sprintf(req + off, " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    char *resp = raw(req);
    ck_assert_msg(strncmp(resp, "HTTP/1.1 200 ", 13) == 0, "%.200s", resp);
    ck_assert_ptr_nonnull(strstr(resp, "X-Request-Id: "));
    free(resp);
    free(req);
}
END_TEST

/* A head just within the limit, most of it one large header (a 6 KiB
 * bearer token), is answered normally. */
START_TEST(large_authorization_within_the_limit_answered)
{
    size_t token = 6144;
    /* Host (9), Connection (19), Authorization (13 + 7 + token + 4), X-Pad (5 + pad + 4) */
    size_t pad = MAX_HEADER_BYTES - 28 - (24 + token) - 9;
    char *last = malloc(token + pad + 64);
    int n = sprintf(last, "Authorization: Bearer ");
    memset(last + n, 't', token);
    n += (int)token;
    n += sprintf(last + n, "\r\nX-Pad: ");
    memset(last + n, 'p', pad);
    strcpy(last + n + pad, "\r\n");
    char *req = head_of_tiny_lines(0, last);
    char *resp = raw(req);
    ck_assert_msg(strncmp(resp, "HTTP/1.1 200 ", 13) == 0, "%.200s", resp);
    free(resp);
    free(req);
    /* one byte more is over */
    strcpy(last + n + pad, "p\r\n");
    req = head_of_tiny_lines(0, last);
    assert_raw_problem(raw(req), 431);
    free(req);
    free(last);
}
END_TEST

START_TEST(unknown_method_405)
{
    http_res r = http("BREW", "/api/users", NULL, NULL, NULL);
    ck_assert_str_eq(r.allow, "GET, HEAD, POST, PUT, PATCH, DELETE, QUERY, OPTIONS");
    check_problem(&r, 405);
    r = http("TRACE", "/", NULL, NULL, NULL);
    ck_assert_str_eq(r.allow, "GET, HEAD, POST, PUT, PATCH, DELETE, QUERY, OPTIONS");
    check_problem(&r, 405);
    r = http("OPTIONS", "/api/users", NULL, NULL, NULL); /* known: the handler's */
    json_t *j = echo_json(&r);
    json_decref(j);
}
END_TEST

/* QUERY (SPEC §10 E) is a method the server knows: its body is read and
 * checked like a POST's (Content-Length or chunked, 415, 413) and handed
 * to the application with the method as sent. */
START_TEST(query_method_carries_a_body)
{
    http_res r = http("QUERY", "/api/users", "application/json", "{\"limit\":1}", NULL);
    json_t *j = echo_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(j, "method")), "QUERY");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "json"), "limit")), 1);
    json_decref(j);
    char *chunked = raw("QUERY /api/users HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nb\r\n{\"limit\":2}\r\n0\r\n\r\n");
    ck_assert_msg(!strncmp(chunked, "HTTP/1.1 200 ", 13) && strstr(chunked, "\"json\":{\"limit\":2}"), "%.400s",
                  chunked);
    free(chunked);
    int calls = atomic_load(&app.calls);
    r = http("QUERY", "/api/users", "text/plain", "{}", NULL);
    check_problem(&r, 415);
    char *over = raw("QUERY /api/users HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                     "Content-Length: 99999999\r\nConnection: close\r\n\r\n");
    ck_assert_msg(!strncmp(over, "HTTP/1.1 413 ", 13), "%.200s", over);
    free(over);
    ck_assert_int_eq(atomic_load(&app.calls), calls);
}
END_TEST

START_TEST(duplicate_content_length_400)
{
    assert_raw_problem(raw("POST /api/x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                           "Content-Length: 2\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"),
                       400);
    assert_raw_problem(raw("POST /api/x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                           "Content-Length: 2\r\ncontent-length: 5\r\nConnection: close\r\n\r\n{}"),
                       400);
    ck_assert_int_eq(atomic_load(&app.calls), 0);
}
END_TEST

START_TEST(content_length_with_transfer_encoding_400)
{
    assert_raw_problem(raw("POST /api/x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                           "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n"
                           "Connection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
                       400);
    assert_raw_problem(raw("POST /api/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                           "Content-Type: application/json\r\nContent-Length: 2\r\n"
                           "Connection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
                       400);
    ck_assert_int_eq(atomic_load(&app.calls), 0);
}
END_TEST

START_TEST(other_framing_errors)
{
    assert_raw_problem(raw("GET /api/x HTTP/1.1\r\nConnection: close\r\n\r\n"), 400);
    assert_raw_problem(raw("GET /api/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n"
                           "Connection: close\r\n\r\n"),
                       400);
    assert_raw_problem(raw("POST /api/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n"
                           "Connection: close\r\n\r\n"),
                       501);
    assert_raw_problem(raw("POST /api/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                           "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n"),
                       400);
    ck_assert_int_eq(atomic_load(&app.calls), 0);
    /* HTTP/1.0 needs no Host */
    char *ok = raw("GET /api/x HTTP/1.0\r\n\r\n");
    ck_assert_msg(strncmp(ok, "HTTP/1.1 200 ", 13) == 0, "%.100s", ok);
    free(ok);
}
END_TEST

START_TEST(checks_run_in_contract_order)
{
    /* a long target and an unknown method: 414 comes first */
    size_t n = 9000;
    char *req = malloc(n + 128);
    int off = snprintf(req, n + 128, "BREW /");
    memset(req + off, 'a', n);
    snprintf(req + off + n, 128, " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assert_raw_problem(raw(req), 414);
    free(req);
    /* unknown method and duplicate Content-Length: 405 first */
    assert_raw_problem(raw("BREW /x HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n"
                           "Content-Length: 0\r\nConnection: close\r\n\r\n"),
                       405);
    /* duplicate Content-Length over the limit: 400 before 413 */
    assert_raw_problem(raw("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 99999\r\n"
                           "Content-Length: 99999\r\nConnection: close\r\n\r\n"),
                       400);
}
END_TEST

START_TEST(content_length_over_limit_413)
{
    /* headers only: the answer must come without the body being sent */
    assert_raw_problem(raw("POST /api/x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                           "Content-Length: 1000000000\r\nConnection: close\r\n\r\n"),
                       413);
    /* and with curl, a body just over the limit */
    char body[MAX_BODY + 2];
    memset(body, ' ', sizeof body - 1);
    body[0] = '[';
    body[sizeof body - 2] = ']';
    body[sizeof body - 1] = '\0';
    http_res r = post_json("/api/x", body);
    check_problem(&r, 413);
    ck_assert_int_eq(atomic_load(&app.calls), 0);
}
END_TEST

START_TEST(expect_100_continue_gets_413_first)
{
    char *resp = raw("POST /api/x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                     "Expect: 100-continue\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n");
    ck_assert_ptr_null(strstr(resp, "100 Continue"));
    assert_raw_problem(resp, 413);
    /* within the limit, the client is told to go on */
    http_res r = {0};
    CURL *c = new_handle("POST", "/api/x", &r);
    struct curl_slist *h = curl_slist_append(NULL, "Expect: 100-continue");
    h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{\"a\":1}");
    ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    ck_assert_int_eq(r.saw_100, 1);
    json_decref(echo_json(&r));
}
END_TEST

static http_res post_chunked(size_t total)
{
    http_res r = {0};
    upload u = {total};
    CURL *c = new_handle("POST", "/api/x", &r);
    struct curl_slist *h = curl_slist_append(NULL, "Transfer-Encoding: chunked");
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
    CURLcode rc = curl_easy_perform(c);
    ck_assert_msg(rc == CURLE_OK, "%s", curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    if (!r.body) r.body = calloc(1, 1);
    return r;
}

START_TEST(chunked_over_limit_413)
{
    http_res r = post_chunked(MAX_BODY * 64);
    check_problem(&r, 413);
    ck_assert_int_eq(atomic_load(&app.calls), 0);
    /* exactly at the limit is fine (all blanks: parses as nothing -> 400) */
    r = post_chunked(MAX_BODY);
    json_decref(assert_problem(&r, 400));
    free(r.body);
}
END_TEST

START_TEST(wrong_media_type_415)
{
    http_res r = http("POST", "/api/x", "text/plain", "{}", NULL);
    ck_assert_str_eq(r.timing, "db;desc=\"0 queries\";dur=0");
    check_problem(&r, 415);
    r = http("POST", "/api/x", "application/jsonx", "{}", NULL);
    check_problem(&r, 415);
    r = http("PATCH", "/api/x", "application/x-www-form-urlencoded", "a=1", NULL);
    check_problem(&r, 415);
    ck_assert_int_eq(atomic_load(&app.calls), 0);
}
END_TEST

START_TEST(malformed_json_400_with_pointer)
{
    http_res r = post_json("/api/x", "{\"a\": }");
    json_t *p = assert_problem(&r, 400);
    json_t *e0 = json_array_get(json_object_get(p, "errors"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(e0, "pointer")), "");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(e0, "message")), "line 1"));
    json_decref(p);
    free(r.body);
    static const char *bad[] = {"{\"a\":1,\"a\":2}", "{\"s\":\"x\\u0000y\"}", "42",
                                "\"text\"", "[1,", "{\"a\":1} extra", "\xff\xfe"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = post_json("/api/x", bad[i]);
        check_problem(&r, 400);
    }
    ck_assert_int_eq(atomic_load(&app.calls), 0);
}
END_TEST

START_TEST(encoded_nul_in_target_400)
{
    http_res r = get("/api/x%00y");
    check_problem(&r, 400);
    r = get("/api/x?filter=%00");
    check_problem(&r, 400);
    ck_assert_int_eq(atomic_load(&app.calls), 0);
}
END_TEST

START_TEST(handler_without_answer_is_500)
{
    http_res r = get("/silent");
    ck_assert_str_eq(r.timing, ""); /* the handler ran: the server cannot tell */
    check_problem(&r, 500);
}
END_TEST

START_TEST(unsafe_response_header_dropped)
{
    http_res r = get("/badheader");
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.xbad, "");
    ck_assert_str_eq(r.xecho, "1");
    free(r.body);
}
END_TEST

START_TEST(static_files)
{
    http_res r = get("/");
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "<h1>explorer</h1>");
    ck_assert_str_eq(r.ctype, "text/html; charset=utf-8");
    assert_request_id(r.request_id);
    free(r.body);
    r = get("/static/app.js");
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "console.log(1);");
    ck_assert_str_eq(r.ctype, "text/javascript; charset=utf-8");
    free(r.body);
    r = http("HEAD", "/static/index.html", NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(r.len, 0);
    free(r.body);
    ck_assert_int_eq(atomic_load(&app.calls), 0);
}
END_TEST

START_TEST(static_path_attacks)
{
    static const struct {
        const char *path;
        long status;
    } cases[] = {
        {"/static/../secret.txt", 400},   {"/static/%2e%2e/secret.txt", 400},
        {"/static/a/../../secret.txt", 400}, {"/static/..", 400},
        {"/static/evil.txt", 404},        {"/static/.hidden", 404},
        {"/static/missing.js", 404},      {"/static/", 404},
        {"/static//etc/passwd", 400},     {"/static/a%0ab", 400},
        {"/static/x%5c..%5csecret.txt", 400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_res r = get(cases[i].path);
        ck_assert_msg(r.status == cases[i].status, "%s: %ld", cases[i].path, r.status);
        ck_assert_ptr_null(strstr(r.body, "SECRET"));
        check_problem(&r, cases[i].status);
    }
    http_res r = http("POST", "/static/app.js", "application/json", "{}", NULL);
    ck_assert_str_eq(r.allow, "GET, HEAD, OPTIONS");
    check_problem(&r, 405);
    ck_assert_int_eq(atomic_load(&app.calls), 0);
}
END_TEST

START_TEST(static_open_unit)
{
    char root[PATH_MAX];
    ck_assert_ptr_nonnull(realpath(www_dir, root));
    rm_static_file f;
    ck_assert_int_eq(rm_static_open(root, "app.js", &f), 0);
    ck_assert_uint_eq(f.size, 15);
    close(f.fd);
    ck_assert_int_eq(rm_static_open(root, "", &f), 404);
    ck_assert_int_eq(rm_static_open(root, "/etc/passwd", &f), 400);
    ck_assert_int_eq(rm_static_open(root, "../secret.txt", &f), 400);
    ck_assert_int_eq(rm_static_open(root, "evil.txt", &f), 404);
    ck_assert_int_eq(rm_static_open(root, "a\\b", &f), 400);
    ck_assert_str_eq(rm_static_content_type("x.SVG"), "image/svg+xml");
    ck_assert_str_eq(rm_static_content_type("x.png"), "image/png");
    ck_assert_str_eq(rm_static_content_type("x.ico"), "image/x-icon");
    ck_assert_str_eq(rm_static_content_type("x.css"), "text/css; charset=utf-8");
    ck_assert_str_eq(rm_static_content_type("x.json"), "application/json");
    ck_assert_str_eq(rm_static_content_type("x.txt"), "text/plain; charset=utf-8");
    ck_assert_str_eq(rm_static_content_type("a.dir/x"), "application/octet-stream");
}
END_TEST

START_TEST(problem_body_shape)
{
    rm_arena *a = rm_arena_new();
    rm_response resp = {0};
    rm_problem_error errs[] = {{"/name", "too \"long\""}, {"/a/0", "bad\n"}};
    rm_problem(&resp, a, 422, NULL, errs, 2, "abc");
    ck_assert_int_eq(resp.status, 422);
    ck_assert_str_eq(resp.content_type, "application/problem+json");
    json_t *j = json_loadb(resp.body, resp.body_len, 0, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(json_string_value(json_object_get(j, "title")), "Unprocessable Content");
    ck_assert_str_eq(json_string_value(json_object_get(j, "detail")), "Unprocessable Content");
    ck_assert_str_eq(json_string_value(json_object_get(j, "request_id")), "abc");
    json_t *e1 = json_array_get(json_object_get(j, "errors"), 1);
    ck_assert_str_eq(json_string_value(json_object_get(e1, "message")), "bad\n");
    json_decref(j);
    rm_problem(&resp, a, 599, "d", NULL, 0, NULL);
    j = json_loadb(resp.body, resp.body_len, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(j, "title")), "Error");
    ck_assert_ptr_null(json_object_get(j, "request_id"));
    ck_assert_uint_eq(json_array_size(json_object_get(j, "errors")), 0);
    json_decref(j);
    rm_arena_destroy(a);
}
END_TEST

START_TEST(keep_alive_many_requests)
{
    http_res r = {0};
    CURL *c = new_handle("GET", "/k", &r);
    char last[64] = "";
    for (int i = 0; i < 20; i++) {
        ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
        ck_assert_str_ne(r.request_id, last);
        strcpy(last, r.request_id);
        free(r.body);
        r.body = NULL;
        r.len = 0;
    }
    long conns = -1;
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &conns);
    ck_assert_int_eq(conns, 0); /* the last request reused the connection */
    curl_easy_cleanup(c);
}
END_TEST

static void *slow_client(void *arg)
{
    http_res *r = arg;
    *r = get("/slow");
    return NULL;
}

static void *stopper(void *arg)
{
    rm_server_stop(arg, 5000);
    return NULL;
}

START_TEST(drain_finishes_request_in_flight)
{
    http_res r = {0};
    pthread_t client, stop;
    pthread_create(&client, NULL, slow_client, &r);
    for (int i = 0; i < 500 && !atomic_load(&app.slow_entered); i++) msleep(5);
    ck_assert(atomic_load(&app.slow_entered));
    rm_server *s = srv;
    srv = NULL;
    pthread_create(&stop, NULL, stopper, s);
    msleep(100);
    int fd = connect_port(); /* no longer accepting */
    ck_assert_int_lt(fd, 0);
    pthread_join(client, NULL);
    pthread_join(stop, NULL);
    ck_assert_str_eq(r.connection, "close");
    json_t *j = echo_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(j, "path")), "/slow");
    json_decref(j);
}
END_TEST

START_TEST(static_options_204)
{
    static const char *paths[] = {"/", "/static/app.js", "/static/missing.js"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        http_res r = http("OPTIONS", paths[i], NULL, NULL, NULL);
        ck_assert_msg(r.status == 204, "%s: %ld %s", paths[i], r.status, r.body);
        ck_assert_str_eq(r.allow, "GET, HEAD, OPTIONS");
        ck_assert_uint_eq(r.len, 0);
        assert_request_id(r.request_id);
        free(r.body);
    }
    ck_assert_int_eq(atomic_load(&app.calls), 0);
}
END_TEST

START_TEST(media_type_unit)
{
    static const struct {
        const char *value;
        rm_media_check want;
    } cases[] = {
        {"application/json", RM_MEDIA_JSON},
        {"APPLICATION/Json", RM_MEDIA_JSON},
        {" application/json ; charset=UTF-8 ", RM_MEDIA_JSON},
        {"application/json;charset=\"utf-8\"", RM_MEDIA_JSON},
        {"application/json;", RM_MEDIA_JSON},
        {"application/json;; charset=utf-8 ;", RM_MEDIA_JSON},
        {"application/json; v=1; note=\"a \\\"b\\\" c\"", RM_MEDIA_JSON},
        {NULL, RM_MEDIA_NOT_JSON},
        {"text/plain", RM_MEDIA_NOT_JSON},
        {"application/jsonx", RM_MEDIA_NOT_JSON},
        {"application/merge-patch+json", RM_MEDIA_NOT_JSON},
        {"text/plain; charset=utf-16", RM_MEDIA_NOT_JSON},
        {"application/json; charset=utf-16", RM_MEDIA_CHARSET},
        {"application/json; Charset=UTF-16LE", RM_MEDIA_CHARSET},
        {"application/json; charset=\"utf-16\"", RM_MEDIA_CHARSET},
        {"application/json; charset=utf8", RM_MEDIA_CHARSET},
        {"application/json; charset=utf-8-but-longer-than-anything", RM_MEDIA_CHARSET},
        {"application/json; charset=utf-8; charset=utf-8", RM_MEDIA_CHARSET},
        {"application/json; charset=utf-8; charset=utf-16", RM_MEDIA_CHARSET},
        {"", RM_MEDIA_MALFORMED},
        {"application", RM_MEDIA_MALFORMED},
        {"application/", RM_MEDIA_MALFORMED},
        {"/json", RM_MEDIA_MALFORMED},
        {"application /json", RM_MEDIA_MALFORMED},
        {"application/ json", RM_MEDIA_MALFORMED},
        {"application/json garbage", RM_MEDIA_MALFORMED},
        {"application/json, text/plain", RM_MEDIA_MALFORMED},
        {"application/json; charset", RM_MEDIA_MALFORMED},
        {"application/json; charset=", RM_MEDIA_MALFORMED},
        {"application/json; =utf-8", RM_MEDIA_MALFORMED},
        {"application/json; charset = utf-8", RM_MEDIA_MALFORMED},
        {"application/json; charset=\"utf-8", RM_MEDIA_MALFORMED},
        {"application/json; charset=\"utf-8\"x", RM_MEDIA_MALFORMED},
        {"application/json; charset=utf-8 x", RM_MEDIA_MALFORMED},
        {"application/json; charset=\"a\x01\"", RM_MEDIA_MALFORMED},
        {"application/json; charset=\"a\\", RM_MEDIA_MALFORMED},
        {"application/json\x7f", RM_MEDIA_MALFORMED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(rm_media_type_check(cases[i].value) == cases[i].want, "'%s': %d, want %d",
                      cases[i].value ? cases[i].value : "(null)",
                      rm_media_type_check(cases[i].value), cases[i].want);
}
END_TEST

START_TEST(media_type_strict_415)
{
    static const struct {
        const char *ctype, *detail;
    } bad[] = {
        {"application/json; charset=utf-16", "UTF-8"},
        {"Application/JSON; CHARSET=\"ISO-8859-1\"", "UTF-8"},
        {"application/json garbage", "malformed"},
        {"application/json; charset", "malformed"},
        {"text/plain", "application/json"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        http_res r = http("POST", "/api/x", bad[i].ctype, "{}", NULL);
        json_t *p = assert_problem(&r, 415);
        const char *detail = json_string_value(json_object_get(p, "detail"));
        ck_assert_msg(strstr(detail, bad[i].detail), "%s: detail '%s'", bad[i].ctype, detail);
        json_decref(p);
        free(r.body);
    }
    assert_raw_problem(raw("POST /api/x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                           "Content-Type: application/json\r\nContent-Length: 2\r\n"
                           "Connection: close\r\n\r\n{}"),
                       415);
    ck_assert_int_eq(atomic_load(&app.calls), 0);
    http_res r = http("POST", "/api/x", "application/json; charset=\"UTF-8\"; v=1", "{}", NULL);
    json_decref(echo_json(&r));
}
END_TEST

START_TEST(json_errors_in_our_words)
{
    static const struct {
        const char *body, *want;
    } cases[] = {
        {"{\"s\":\"x\\u0000y\"}", "a string contains a NUL character"},
        {"{\"\\u0000\":1}", "a member name contains a NUL character"},
        {"{\"a\": }", "unexpected character where a value should be"},
        {"{\"a\":1,\"a\":2}", "appears twice"},
        {"[1,", "ends too early"},
        {"{\"a\":1} extra", "unexpected text after the JSON value"},
        {"[\"\xff\"]", "not valid UTF-8"},
        {"{\"a\" 1}", "expected ':'"},
        {"[1 2]", "expected ',' or ']'"},
        {"[\"\\ud800\"]", "surrogate"},
        {"[1e999]", "too large"},
        {"[tru]", "invalid value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_res r = post_json("/api/x", cases[i].body);
        json_t *p = assert_problem(&r, 400);
        json_t *e0 = json_array_get(json_object_get(p, "errors"), 0);
        const char *msg = json_string_value(json_object_get(e0, "message"));
        ck_assert_msg(msg && strstr(msg, cases[i].want) && strstr(msg, "(line 1, column "),
                      "%s: '%s'", cases[i].body, msg);
        ck_assert_msg(!strstr(msg, "JSON_") && !strstr(msg, " near "), "%s: '%s'",
                      cases[i].body, msg);
        json_decref(p);
        free(r.body);
    }
    ck_assert_int_eq(atomic_load(&app.calls), 0);
}
END_TEST

/* libmicrohttpd answers these itself, before any callback of ours can (see
 * docs/decisions.md): the status must be right and the connection closed
 * cleanly, and the server must go on answering. */
START_TEST(framing_errors_of_libmicrohttpd_close_cleanly)
{
    static const struct {
        const char *request;
        int status;
    } cases[] = {
        {"POST /api/x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Content-Length: abc\r\n\r\n{}", 400},
        {"POST /api/x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Content-Length: -2\r\n\r\n{}", 400},
        {"POST /api/x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Content-Length: 99999999999999999999999\r\n\r\n{}", 413},
        {"POST /api/x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400},
        {"POST /api/x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n", 400},
        {"POST /api/x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\n{}\r\n0\r\n\r\n", 413},
        {"GET /x HTTP/1.1\r\nHost: t\r\nno colon here\r\n\r\n", 400},
        {"GET /x HTTP/2.0\r\nHost: t\r\n\r\n", 505},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int fd = sock_connect_from(port, 1);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(sock_send(fd, cases[i].request, (int)strlen(cases[i].request)), 0);
        char got[2048];
        ck_assert_msg(sock_wait_closed(fd, 3000, got, sizeof got), "case %zu: not closed", i);
        close(fd);
        char line[32];
        snprintf(line, sizeof line, "HTTP/1.1 %d ", cases[i].status);
        ck_assert_msg(strncmp(got, line, strlen(line)) == 0, "case %zu: %.120s", i, got);
        ck_assert_msg(find_ci(got, "\r\nConnection: close\r\n"), "case %zu: %.300s", i, got);
    }
    ck_assert_int_eq(atomic_load(&app.calls), 0);
    http_res r = get("/still-answering");
    json_decref(echo_json(&r));
}
END_TEST

/* ------------------------------------------------------------ slow clients */

/* Another server with these limits (the fixture's keeps running); its port
 * in *p. */
static rm_server *start_limited(int head_ms, int body_ms, unsigned per_ip, int *p)
{
    rm_server_config cfg = {.bind = "127.0.0.1", .threads = 2, .max_body = MAX_BODY,
                            .head_timeout_ms = head_ms, .body_timeout_ms = body_ms,
                            .max_conns_per_ip = per_ip};
    rm_server *s = NULL;
    char err[256];
    ck_assert_msg(rm_server_start(&cfg, echo_handler, &app, &s, err, sizeof err) == 0, "%s", err);
    *p = rm_server_port(s);
    return s;
}

/* Send text one byte every step_ms until the peer closes the connection:
 * milliseconds from start (ts_now_ms) to the close, or -1 when all of
 * text went out without the connection being closed. */
static long long dribble(int fd, const char *text, int step_ms, long long start)
{
    for (size_t i = 0; text[i]; i++) {
        if (sock_send(fd, text + i, 1) != 0 || sock_wait_closed(fd, step_ms, NULL, 0))
            return ts_now_ms() - start;
    }
    return -1;
}

/* A request's head and body may each take a bounded time, however steadily
 * the client sends; an idle keep-alive connection is closed at the head
 * deadline too. Fast requests are not affected. */
START_TEST(deadlines_cut_dribbling_clients)
{
    enum { HEAD_MS = 600, BODY_MS = 900 };
    int p;
    rm_server *s = start_limited(HEAD_MS, BODY_MS, 0, &p);
    static const char head[] = "GET /x HTTP/1.1\r\nHost: t\r\nX-Pad: "
                               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    long long start = ts_now_ms(); /* the deadlines start later, on the server */
    int fd = sock_connect_from(p, 1);
    ck_assert_int_ge(fd, 0);
    long long t = dribble(fd, head, 50, start);
    close(fd);
    ck_assert_msg(t >= HEAD_MS - 5 && t < HEAD_MS + 1000, "head dribbler closed after %lld ms", t);

    fd = sock_connect_from(p, 1);
    static const char post[] = "POST /x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                               "Content-Length: 500\r\n\r\n";
    start = ts_now_ms();
    ck_assert_int_eq(sock_send(fd, post, sizeof post - 1), 0);
    char body[501];
    memset(body, ' ', 500);
    body[0] = '[';
    body[500] = '\0';
    t = dribble(fd, body, 50, start);
    close(fd);
    ck_assert_msg(t >= BODY_MS - 5 && t < BODY_MS + 1000, "body dribbler closed after %lld ms", t);

    /* keep-alive: answered, then closed when no next request comes */
    fd = sock_connect_from(p, 1);
    static const char get_ka[] = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n";
    start = ts_now_ms();
    ck_assert_int_eq(sock_send(fd, get_ka, sizeof get_ka - 1), 0);
    char got[512];
    ck_assert(sock_wait_closed(fd, HEAD_MS + 1000, got, sizeof got));
    t = ts_now_ms() - start;
    close(fd);
    ck_assert_msg(strncmp(got, "HTTP/1.1 200 ", 13) == 0, "%.100s", got);
    ck_assert_msg(t >= HEAD_MS - 5, "idle keep-alive closed after %lld ms", t);

    long long ms;
    ck_assert_int_eq(sock_request(p, 1, "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                                  2000, &ms),
                     200);
    rm_server_stop(s, 1000);
}
END_TEST

/* One address may hold max_conns_per_ip connections; the next one is
 * closed unanswered, while other addresses are served, and a slot freed
 * is usable again. */
START_TEST(per_ip_connection_limit)
{
    int p;
    rm_server *s = start_limited(5000, 5000, 3, &p);
    static const char ka[] = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n";
    static const char once[] = "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    int held[3];
    for (int i = 0; i < 3; i++) { /* answered, so surely counted; then kept open */
        char got[64];
        held[i] = sock_open_answered(p, 2, ka, 300, got, sizeof got);
        ck_assert_msg(held[i] >= 0 && strncmp(got, "HTTP/1.1 200 ", 13) == 0, "%d: %s", i, got);
    }
    ck_assert_msg(sock_closed_unanswered(p, 2, once, 2000),
                  "the 4th connection from one address was not closed unanswered");
    long long ms;
    ck_assert_int_eq(sock_request(p, 3, once, 2000, &ms), 200);
    close(held[0]);
    int status = 0;
    for (int i = 0; i < 40 && status != 200; i++) { /* the server notices the close */
        status = sock_request(p, 2, once, 2000, &ms);
        if (status != 200) msleep(50);
    }
    ck_assert_int_eq(status, 200);
    close(held[1]);
    close(held[2]);
    rm_server_stop(s, 1000);
}
END_TEST

/* On stop, connections waiting for a request or in the middle of a head go
 * at once and a half-sent body gets one second: the stop takes about a
 * second, not the drain timeout. */
START_TEST(stop_closes_idle_connections_at_once)
{
    int p;
    rm_server *s = start_limited(0, 0, 0, &p);
    int up = sock_connect_from(p, 1);
    static const char part[] = "POST /x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                               "Content-Length: 100\r\n\r\n[1,";
    ck_assert_int_eq(sock_send(up, part, sizeof part - 1), 0);
    static const char ka[] = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n";
    char got[64];
    int idle = sock_open_answered(p, 1, ka, 300, got, sizeof got);
    ck_assert_msg(idle >= 0 && strncmp(got, "HTTP/1.1 200 ", 13) == 0, "%s", got);
    int half = sock_connect_from(p, 1);
    ck_assert_int_eq(sock_send(half, "GET /x HTTP/1.1\r\nHo", 19), 0);
    msleep(100);
    long long start = ts_now_ms();
    rm_server_stop(s, 8000);
    long long took = ts_now_ms() - start;
    ck_assert_msg(took < 2500, "stop took %lld ms with idle connections", took);
    int fds[] = {up, idle, half};
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(sock_wait_closed(fds[i], 1000, NULL, 0), "connection %d still open", i);
        close(fds[i]);
    }
}
END_TEST

static void stop_if_running(void)
{
    if (srv) rm_server_stop(srv, 2000);
    srv = NULL;
    remove_static_dir();
    curl_global_cleanup();
}

START_TEST(bad_bind_fails_cleanly)
{
    rm_server *s = NULL;
    char err[256];
    rm_server_config cfg = {.bind = "203.0.113.1", .port = 0};
    ck_assert_int_eq(rm_server_start(&cfg, echo_handler, &app, &s, err, sizeof err), -1);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(err, "203.0.113.1"));
    cfg.bind = "not an address";
    ck_assert_int_eq(rm_server_start(&cfg, echo_handler, &app, &s, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "not an address"));
    /* the port in use */
    cfg.bind = "127.0.0.1";
    cfg.port = port;
    ck_assert_int_eq(rm_server_start(&cfg, echo_handler, &app, &s, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "in use"));
}
END_TEST

START_TEST(missing_static_dir_answers_404)
{
    rm_server *s = NULL;
    char err[256];
    rm_server_config cfg = {.bind = "127.0.0.1", .static_dir = "/nonexistent/restmap"};
    ck_assert_int_eq(rm_server_start(&cfg, echo_handler, &app, &s, err, sizeof err), 0);
    int saved = port;
    port = rm_server_port(s);
    http_res r = get("/");
    check_problem(&r, 404);
    r = get("/static/app.js");
    check_problem(&r, 404);
    ck_assert_int_eq(atomic_load(&app.calls), 0);
    r = get("/api");
    json_decref(echo_json(&r));
    port = saved;
    rm_server_stop(s, 1000);
    rm_server_stop(NULL, 0); /* no-op */
}
END_TEST

START_TEST(ipv6_loopback)
{
    rm_server *s = NULL;
    char err[256];
    rm_server_config cfg = {.bind = "::1", .port = 0, .threads = 1, .log_requests = 1};
    if (rm_server_start(&cfg, echo_handler, &app, &s, err, sizeof err) != 0) {
        ck_assert_ptr_nonnull(strstr(err, "::1")); /* no IPv6 here: a clear message */
        return;
    }
    char url[64];
    snprintf(url, sizeof url, "http://[::1]:%d/v6", rm_server_port(s));
    http_res r = {0};
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    json_t *j = echo_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(j, "path")), "/v6");
    json_decref(j);
    rm_server_stop(s, 1000);
}
END_TEST

TS_SUITE(http_server_suite, "http_server", start_server, stop_if_running, 1, echo_get_with_query,
         request_ids_differ_and_head_has_no_body, post_json_object_and_array, uri_too_long_414,
         headers_too_large_431, many_tiny_headers_431_is_ours, many_query_arguments_are_answered,
         large_authorization_within_the_limit_answered, unknown_method_405,
         query_method_carries_a_body, duplicate_content_length_400, content_length_with_transfer_encoding_400, other_framing_errors,
         checks_run_in_contract_order, content_length_over_limit_413, expect_100_continue_gets_413_first,
         chunked_over_limit_413, wrong_media_type_415, malformed_json_400_with_pointer,
         encoded_nul_in_target_400, handler_without_answer_is_500, unsafe_response_header_dropped,
         static_files, static_path_attacks, static_open_unit, problem_body_shape, keep_alive_many_requests,
         drain_finishes_request_in_flight, bad_bind_fails_cleanly, missing_static_dir_answers_404,
         ipv6_loopback, static_options_204, media_type_unit, media_type_strict_415, json_errors_in_our_words,
         framing_errors_of_libmicrohttpd_close_cleanly, deadlines_cut_dribbling_clients,
         per_ip_connection_limit, stop_closes_idle_connections_at_once)
