/* test_static_cors.c: static files and CORS (issue 16 item 4,
 * docs/decisions.md "Static files and CORS"), on both backends.
 *
 * Static files (--static DIR): a strong ETag and If-None-Match → 304,
 * Cache-Control no-cache, Vary: Accept-Encoding always, gzip when the
 * client accepts it (the body inflates, with zlib here, to the file), a
 * changed file seen at once, and every static answer counted in /metrics.
 * CORS (--cors-origin): off by default; one origin (cors) or any
 * (RESTMAP_CORS_ORIGIN=*, star); the headers on every answer to an allowed
 * Origin (the handler's, the server's own errors, static files) and
 * preflights answered 204. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

#define BLOG "schemas/blog.json"
#define ORIGIN "https://app.example"

static rt_server cors, plain, star;
static char static_dir[256];

/* Write text to static_dir/name. */
static void write_file(const char *name, const char *text, size_t len)
{
    char path[320];
    snprintf(path, sizeof path, "%s/%s", static_dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    fclose(f);
}

/* app.js: text that compresses (some 20 KB). */
static char *app_js(void)
{
    size_t cap = 32 << 10, n = 0;
    char *s = malloc(cap);
    for (int i = 0; n + 64 < cap && i < 400; i++) n += (size_t)snprintf(s + n, cap - n, "console.log('line %d');\n", i);
    return s;
}

/* static_dir with index.html, app.js and logo.png. */
static void make_static_dir(void)
{
    rt_mkdtemp(static_dir, sizeof static_dir);
    static const char index_html[] = "<!doctype html><title>restmap</title><script src=static/app.js></script>\n";
    write_file("index.html", index_html, sizeof index_html - 1);
    char *js = app_js();
    write_file("app.js", js, strlen(js));
    free(js);
    static const char png[] = "\x89PNG\r\n\x1a\n not really an image, but typed as one";
    write_file("logo.png", png, sizeof png - 1);
}

/* plain: static files, no CORS (the default). */
static void plain_start(void)
{
    make_static_dir();
    const char *const args[] = {"--static", static_dir, NULL};
    rt_server_start(&plain, BLOG, NULL, args);
}

static void plain_stop(void)
{
    rt_server_stop(&plain);
    rt_rmtree(static_dir);
}

/* cors: static files and one origin; star: any origin, from the environment. */
static void cors_start(void)
{
    make_static_dir();
    const char *const args[] = {"--static", static_dir, "--cors-origin", ORIGIN, NULL};
    rt_server_start(&cors, BLOG, NULL, args);
    const char *const env[] = {"RESTMAP_CORS_ORIGIN=*", NULL};
    rt_server_start_ex(&star, &(rt_start){.schema = BLOG, .env = env});
}

static void cors_stop(void)
{
    rt_server_stop(&cors);
    rt_server_stop(&star);
    rt_rmtree(static_dir);
}

/* Whether r has a header name: value (of several with that name). */
static bool has_header(const rt_response *r, const char *name, const char *value)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (!strcasecmp(r->headers[i].name, name) && !strcmp(r->headers[i].value, value)) return true;
    return false;
}

/* The request (as in rt_case) answered status with no body; the caller
 * frees the answer. */
static rt_response *sent(const rt_server *s, const char *request, long status)
{
    return rt_case_send(s, &(rt_case){request, rt_fmt("%ld @empty", status)});
}

/* GET path (with an extra header line, or NULL), asserting status. */
static rt_response *get(const rt_server *s, const char *path, const char *header, long status)
{
    const char *const extra[] = {header, NULL};
    rt_response *r = rt_request(s, "GET", path, NULL, NULL, header ? extra : NULL);
    ck_assert_msg(r->status == status, "%s (%s): expected %ld, got %ld", path, header ? header : "", status,
                  r->status);
    return r;
}

/* The file static_dir/name. */
static char *file_text(const char *name, size_t *len)
{
    char path[320];
    snprintf(path, sizeof path, "%s/%s", static_dir, name);
    FILE *f = fopen(path, "rb");
    ck_assert(f != NULL);
    char *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

/* A static answer's caching headers, and that no other site may frame
 * the explorer (a <meta> CSP cannot say frame-ancestors: a header must). */
static void assert_static_headers(const rt_response *r)
{
    ck_assert_msg(has_header(r, "Content-Security-Policy", "frame-ancestors 'none'"),
                  "%s: no Content-Security-Policy: frame-ancestors 'none'", r->what);
    ck_assert_msg(has_header(r, "X-Frame-Options", "DENY"), "%s: no X-Frame-Options: DENY", r->what);
    const char *etag = rt_header(r, "ETag");
    ck_assert_msg(etag && etag[0] == '"', "%s: ETag %s: expected a strong tag", r->what, etag ? etag : "(none)");
    ck_assert_msg(has_header(r, "Cache-Control", "no-cache"), "%s: no Cache-Control: no-cache", r->what);
    ck_assert_msg(has_header(r, "Vary", "Accept-Encoding"), "%s: no Vary: Accept-Encoding", r->what);
}

START_TEST(static_etag_and_304)
{
    rt_response *r = get(&plain, "/", NULL, 200);
    assert_static_headers(r);
    ck_assert_ptr_null(rt_header(r, "Content-Encoding"));
    char tag[128];
    snprintf(tag, sizeof tag, "%s", rt_header(r, "ETag"));
    rt_response_free(r);
    static const char *const before[] = {"", "W/", "\"x\", "};
    for (size_t i = 0; i < 3; i++) {
        r = get(&plain, "/", rt_fmt("If-None-Match: %s%s", before[i], tag), 304);
        ck_assert_uint_eq(r->body_len, 0);
        assert_static_headers(r);
        ck_assert_str_eq(rt_header(r, "ETag"), tag);
        rt_response_free(r);
    }
    rt_response_free(get(&plain, "/", "If-None-Match: \"other\"", 200));
    /* a new deploy: the old tag no longer holds, the new file comes */
    static const char v2[] = "<!doctype html><title>restmap, deployed again</title>\n";
    write_file("index.html", v2, sizeof v2 - 1);
    r = get(&plain, "/", rt_fmt("If-None-Match: %s", tag), 200);
    ck_assert_str_eq(r->body, v2);
    ck_assert_str_ne(rt_header(r, "ETag"), tag);
    rt_response_free(r);
}
END_TEST

/* inflate gz[0..n) (the gzip coding) into a malloc'd buffer. */
static char *gunzip(const char *gz, size_t n, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
    size_t cap = 1 << 20;
    char *out = malloc(cap);
    z.next_in = (Bytef *)(uintptr_t)gz;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = z.total_out;
    inflateEnd(&z);
    return out;
}

START_TEST(static_gzip)
{
    size_t len;
    char *js = file_text("app.js", &len);
    rt_response *plain_js = get(&plain, "/static/app.js", NULL, 200);
    ck_assert_ptr_null(rt_header(plain_js, "Content-Encoding"));
    ck_assert_uint_eq(plain_js->body_len, len);
    ck_assert(!memcmp(plain_js->body, js, len));
    for (int round = 0; round < 2; round++) { /* made once, then from the cache */
        rt_response *r = get(&plain, "/static/app.js", "Accept-Encoding: br, gzip;q=0.8", 200);
        assert_static_headers(r);
        ck_assert_str_eq(rt_header(r, "Content-Encoding"), "gzip");
        ck_assert_msg(r->body_len < len / 2, "gzip of %zu bytes is %zu", len, r->body_len);
        size_t n;
        char *back = gunzip(r->body, r->body_len, &n);
        ck_assert_uint_eq(n, len);
        ck_assert(!memcmp(back, js, len));
        free(back);
        /* another representation, another strong tag; each gives 304 */
        ck_assert_str_ne(rt_header(r, "ETag"), rt_header(plain_js, "ETag"));
        const char *tag = rt_header(r, "ETag");
        rt_response *again = rt_request(&plain, "GET", "/static/app.js", NULL, NULL,
                                        (const char *const[]){"Accept-Encoding: gzip", rt_fmt("If-None-Match: %s", tag), NULL});
        ck_assert_int_eq(again->status, 304);
        rt_response_free(again);
        rt_response_free(r);
    }
    /* refused, or not asked: the file as it is */
    static const char *const identity[] = {"Accept-Encoding: gzip;q=0", "Accept-Encoding: identity",
                                           "Accept-Encoding: *;q=0", "Accept-Encoding: gzip;q=0, *"};
    for (size_t i = 0; i < 4; i++) {
        rt_response *r = get(&plain, "/static/app.js", identity[i], 200);
        ck_assert_msg(!rt_header(r, "Content-Encoding"), "%s: coded", identity[i]);
        ck_assert_uint_eq(r->body_len, len);
        assert_static_headers(r);
        rt_response_free(r);
    }
    rt_response *r = get(&plain, "/static/app.js", "Accept-Encoding: *", 200);
    ck_assert_str_eq(rt_header(r, "Content-Encoding"), "gzip");
    rt_response_free(r);
    /* an image is sent as it is */
    r = get(&plain, "/static/logo.png", "Accept-Encoding: gzip", 200);
    ck_assert_ptr_null(rt_header(r, "Content-Encoding"));
    ck_assert_str_eq(rt_header(r, "Content-Type"), "image/png");
    assert_static_headers(r);
    rt_response_free(r);
    rt_response_free(plain_js);
    free(js);
}
END_TEST

static const char *const STATIC_OK = "restmap_http_requests_total{route=\"/static/{path}\",method=\"GET\",status=\"200\"}";
static const char *const STATIC_304 = "restmap_http_requests_total{route=\"/static/{path}\",method=\"GET\",status=\"304\"}";
static const char *const STATIC_404 = "restmap_http_requests_total{route=\"/static/{path}\",method=\"GET\",status=\"404\"}";
static const char *const INDEX_OK = "restmap_http_requests_total{route=\"/\",method=\"GET\",status=\"200\"}";

START_TEST(static_requests_are_counted)
{
    rt_response *r = get(&plain, "/static/logo.png", NULL, 200);
    char tag[128];
    snprintf(tag, sizeof tag, "%s", rt_header(r, "ETag"));
    rt_response_free(r);
    rt_response_free(get(&plain, "/static/logo.png", rt_fmt("If-None-Match: %s", tag), 304));
    rt_response_free(get(&plain, "/static/nosuch.js", NULL, 404));
    rt_response_free(get(&plain, "/", NULL, 200));
    long long ok = rt_metric(&plain, STATIC_OK), nm = rt_metric(&plain, STATIC_304),
              missing = rt_metric(&plain, STATIC_404), index = rt_metric(&plain, INDEX_OK);
    for (int i = 0; i < 3; i++) rt_response_free(get(&plain, "/static/logo.png", NULL, 200));
    rt_response_free(get(&plain, "/static/logo.png", rt_fmt("If-None-Match: %s", tag), 304));
    rt_response_free(get(&plain, "/static/nosuch.js", NULL, 404));
    rt_response_free(get(&plain, "/", NULL, 200));
    ck_assert_int_eq(rt_metric(&plain, STATIC_OK), ok + 3);
    ck_assert_int_eq(rt_metric(&plain, STATIC_304), nm + 1);
    ck_assert_int_eq(rt_metric(&plain, STATIC_404), missing + 1);
    ck_assert_int_eq(rt_metric(&plain, INDEX_OK), index + 1);
}
END_TEST

/* The answers the server gives before any route (a refused head, an
 * unknown method) are counted too, as route "server"; an unknown method is
 * labelled OTHER, so a client cannot make up labels. */
START_TEST(server_answers_are_counted)
{
    static const char *const BREW = "restmap_http_requests_total{route=\"server\",method=\"OTHER\",status=\"405\"}",
                             *const LONG = "restmap_http_requests_total{route=\"server\",method=\"GET\",status=\"414\"}",
                             *const BIG = "restmap_http_requests_total{route=\"server\",method=\"GET\",status=\"431\"}";
    char *uri = malloc(9100), *head = malloc(9100);
    memcpy(uri, "/api/users?x=", 13);
    memset(uri + 13, 'a', 9000);
    uri[9013] = '\0';
    int n = snprintf(head, 9100, "/static/app.js\nX-Big: ");
    memset(head + n, 'b', 9000);
    head[n + 9000] = '\0';
    const rt_case refused[] = {{"BREW /api/users", "405"}, {"BREW /static/app.js", "405"}, {uri, "414"}, {head, "431"}};
    long long brew = 0, long_uri = 0, big = 0;
    for (int round = 0; round < 2; round++) { /* the first makes the series, the second counts */
        if (round) brew = rt_metric(&plain, BREW), long_uri = rt_metric(&plain, LONG), big = rt_metric(&plain, BIG);
        for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
            rt_response_free(rt_case_send(&plain, &refused[i]));
    }
    free(uri);
    free(head);
    ck_assert_int_eq(rt_metric(&plain, BREW), brew + 2);
    ck_assert_int_eq(rt_metric(&plain, LONG), long_uri + 1);
    ck_assert_int_eq(rt_metric(&plain, BIG), big + 1);
}
END_TEST

/* Every answer to the allowed origin carries the CORS headers: the
 * handler's (2xx, 4xx), the server's own errors, static files. */
START_TEST(cors_headers_on_every_answer)
{
#define O "\nOrigin: " ORIGIN
    static const rt_case requests[] = {
        {"/api/users" O, NULL},
        {"/api/users/999" O, "404"},
        {"/api/users?limit=x" O, "400 /query/limit"},
        {"POST /api/users" O "\n\n{'name': 5}", "400 /name"},
        {"BREW /api/users" O, "405"},                /* the server's own error */
        {"/static/.hidden" O, "404"},
        {"/static/app.js" O, NULL},
        {"/" O, NULL},
    };
#undef O
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
        const char *req = requests[i].request;
        rt_response *r = rt_case_send(&cors, &requests[i]);
        const char *acao = rt_header(r, "Access-Control-Allow-Origin");
        ck_assert_msg(acao && !strcmp(acao, ORIGIN), "%s (%ld): Access-Control-Allow-Origin %s", req, r->status,
                      acao ? acao : "(none)");
        ck_assert_msg(has_header(r, "Vary", "Origin"), "%s: no Vary: Origin", req);
        const char *expose = rt_header(r, "Access-Control-Expose-Headers");
        ck_assert_msg(expose && strstr(expose, "ETag") && strstr(expose, "Location") && strstr(expose, "X-Request-Id") &&
                          strstr(expose, "Server-Timing"),
                      "%s: Access-Control-Expose-Headers %s", req, expose ? expose : "(none)");
        rt_response_free(r);
    }
    /* another origin, or none: no grant, but the answer still varies by Origin */
    static const char *const others[] = {"/api/users\nOrigin: https://evil.example", "/api/users",
                                         "/static/app.js\nOrigin: http://app.example"};
    for (size_t i = 0; i < 3; i++) {
        rt_response *r = rt_case_send(&cors, &(rt_case){others[i], NULL}); /* 200 */
        ck_assert_msg(!rt_header(r, "Access-Control-Allow-Origin"), "%s: granted", others[i]);
        ck_assert_msg(has_header(r, "Vary", "Origin"), "%s: no Vary: Origin", others[i]);
        rt_response_free(r);
    }
}
END_TEST

START_TEST(cors_preflight)
{
    rt_response *r = sent(&cors, "OPTIONS /api/users/1\nOrigin: " ORIGIN "\nAccess-Control-Request-Method: PATCH\n"
                                 "Access-Control-Request-Headers: authorization, if-match, content-type", 204);
    ck_assert_str_eq(rt_header(r, "Access-Control-Allow-Origin"), ORIGIN);
    ck_assert_ptr_nonnull(strstr(rt_header(r, "Access-Control-Allow-Methods"), "PATCH"));
    const char *h = rt_header(r, "Access-Control-Allow-Headers");
    ck_assert_msg(h && strstr(h, "Authorization") && strstr(h, "If-Match") && strstr(h, "If-None-Match") &&
                      strstr(h, "Content-Type") && strstr(h, "Prefer"),
                  "Access-Control-Allow-Headers %s", h ? h : "(none)");
    ck_assert_str_eq(rt_header(r, "Access-Control-Max-Age"), "600");
    ck_assert(has_header(r, "Vary", "Origin"));
    rt_response_free(r);
    /* preflights are counted, as route "preflight" */
    static const char *const PREFLIGHT =
        "restmap_http_requests_total{route=\"preflight\",method=\"OPTIONS\",status=\"204\"}";
    long long preflights = rt_metric(&cors, PREFLIGHT); /* the one above */
    rt_response_free(sent(&cors, "OPTIONS /api/users\nOrigin: " ORIGIN "\nAccess-Control-Request-Method: POST", 204));
    ck_assert_int_eq(rt_metric(&cors, PREFLIGHT), preflights + 1);
    /* the same for a path no route serves, and a static file */
    rt_response_free(sent(&cors, "OPTIONS /static/app.js\nOrigin: " ORIGIN "\nAccess-Control-Request-Method: GET", 204));
    /* not a preflight the origin may make: OPTIONS as without CORS */
    r = sent(&cors, "OPTIONS /api/users/1\nOrigin: https://evil.example\nAccess-Control-Request-Method: PATCH", 204);
    ck_assert_ptr_null(rt_header(r, "Access-Control-Allow-Origin"));
    ck_assert_ptr_null(rt_header(r, "Access-Control-Allow-Methods"));
    ck_assert_ptr_nonnull(rt_header(r, "Allow"));
    rt_response_free(r);
    /* a plain OPTIONS from the origin: its Allow, and the grant */
    r = sent(&cors, "OPTIONS /api/users/1\nOrigin: " ORIGIN, 204);
    ck_assert_ptr_nonnull(rt_header(r, "Allow"));
    ck_assert_str_eq(rt_header(r, "Access-Control-Allow-Origin"), ORIGIN);
    ck_assert_ptr_null(rt_header(r, "Access-Control-Allow-Methods"));
    rt_response_free(r);
}
END_TEST

/* Without --cors-origin: no CORS header anywhere, OPTIONS as before. */
START_TEST(cors_off_by_default)
{
    static const rt_case requests[] = {
        {"/api/users\nOrigin: " ORIGIN, NULL},
        {"/api/users/999\nOrigin: " ORIGIN, "404"},
        {"/static/app.js\nOrigin: " ORIGIN, NULL},
        {"OPTIONS /api/users/1\nOrigin: " ORIGIN "\nAccess-Control-Request-Method: PATCH", "204 @empty"},
    };
    for (size_t i = 0; i < 4; i++) {
        rt_response *r = rt_case_send(&plain, &requests[i]);
        for (size_t k = 0; k < r->nheaders; k++)
            ck_assert_msg(strncasecmp(r->headers[k].name, "Access-Control-", 15) != 0, "%s: %s", requests[i].request,
                          r->headers[k].name);
        ck_assert_msg(!has_header(r, "Vary", "Origin"), "%s: Vary: Origin", requests[i].request);
        if (i == 3) ck_assert_ptr_nonnull(rt_header(r, "Allow"));
        rt_response_free(r);
    }
}
END_TEST

/* RESTMAP_CORS_ORIGIN=*: any origin, "*" granted, nothing varies by Origin. */
START_TEST(cors_any_origin)
{
    rt_response *r = rt_case_send(&star, &(rt_case){"/api/users/999\nOrigin: https://anyone.example", "404"});
    ck_assert_str_eq(rt_header(r, "Access-Control-Allow-Origin"), "*");
    ck_assert(!has_header(r, "Vary", "Origin"));
    ck_assert_ptr_null(rt_header(r, "Access-Control-Allow-Credentials"));
    rt_response_free(r);
    r = sent(&star, "OPTIONS /api/users\nOrigin: https://anyone.example\nAccess-Control-Request-Method: POST", 204);
    ck_assert_str_eq(rt_header(r, "Access-Control-Allow-Origin"), "*");
    ck_assert_ptr_nonnull(rt_header(r, "Access-Control-Allow-Methods"));
    rt_response_free(r);
}
END_TEST

/* A list of origins: each is granted (its own Origin echoed), any other
 * is not. */
START_TEST(cors_origin_list)
{
    rt_server s;
    const char *const args[] = {"--cors-origin", "https://one.example, http://two.example:8080", NULL};
    rt_server_start(&s, BLOG, NULL, args);
    static const char *const granted[] = {"https://one.example", "http://two.example:8080"};
    for (size_t i = 0; i < 2; i++) {
        rt_response *r = rt_case_send(&s, &(rt_case){rt_fmt("/api/users\nOrigin: %s", granted[i]), NULL});
        ck_assert_str_eq(rt_header(r, "Access-Control-Allow-Origin"), granted[i]);
        ck_assert(has_header(r, "Vary", "Origin"));
        rt_response_free(r);
    }
    static const char *const refused[] = {"https://two.example:8080", "https://one.example.evil", "http://two.example"};
    for (size_t i = 0; i < 3; i++) {
        rt_response *r = rt_case_send(&s, &(rt_case){rt_fmt("/api/users\nOrigin: %s", refused[i]), NULL});
        ck_assert_msg(!rt_header(r, "Access-Control-Allow-Origin"), "%s granted", refused[i]);
        rt_response_free(r);
    }
    rt_server_stop(&s);
}
END_TEST

/* A --cors-origin that is not an origin (or a list of them) stops the
 * start with a message. */
START_TEST(cors_origin_checked)
{
    static const char *const bad[] = {"https://app.example/", "app.example", "https://app.example/path", "ftp://x",
                                      "https://", "https://a.example, ftp://b.example", ",", "https://a.example, *"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rt_server s;
        char *err = NULL;
        int status;
        const char *const args[] = {"--cors-origin", bad[i], NULL};
        int rc = rt_server_try_start(&s, &(rt_start){.schema = BLOG, .args = args}, &err, &status);
        ck_assert_msg(rc != 0, "--cors-origin %s accepted", bad[i]);
        ck_assert_msg(err && strstr(err, "--cors-origin"), "--cors-origin %s: %s", bad[i], err ? err : "(none)");
        free(err);
    }
}
END_TEST

Suite *http_static_cors_suite(void)
{
    Suite *s = suite_create("http_static_cors");
    TS_TCASE(s, "static", plain_start, plain_stop, 60, static_etag_and_304, static_gzip, static_requests_are_counted,
             server_answers_are_counted, cors_off_by_default);
    TS_TCASE(s, "cors", cors_start, cors_stop, 60, cors_headers_on_every_answer, cors_preflight, cors_any_origin,
             cors_origin_list, cors_origin_checked);
    return s;
}
