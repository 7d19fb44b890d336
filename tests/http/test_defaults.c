/* test_defaults.c: dynamic defaults (SPEC §9) on both backends
 * (tests/http/schemas/defaults.json): generated values ($uuid4, $now) and
 * server defaults ("uuid", "now", literals) in the 201 answer, its
 * Location and the stored row; a body value wins; "onupdate": "now" moves
 * on a PATCH or PUT that changes the row and stays on one that changes
 * nothing; nested and bulk creates get their own uuids and the unit's one
 * instant; the DDL DEFAULTs fill a row inserted behind restmap's back in
 * restmap's canonical form; GET /api and /openapi.json show them. */
#include <check.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/suites.h"
#include "tests/support/backend.h"
#include "tests/support/rt.h"

static rt_server defs;

RT_FIXTURE(defs, "tests/http/schemas/defaults.json", NULL, NULL)

/* the worked example of the README */
static rt_server docs;

RT_FIXTURE(docs, "schemas/documents.json", "schemas/documents.seed.json", NULL)

static bool matches(const char *s, const char *pattern)
{
    regex_t re;
    ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
    bool ok = s && regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

#define UUID4 "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
/* restmap's canonical date-time: UTC, 'T', a fraction without trailing zeros, 'Z' */
#define CANONICAL "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,5}[1-9])?Z$"

static void assert_uuid4(const char *what, const char *s)
{
    ck_assert_msg(matches(s, UUID4), "%s: %s is not a version-4 uuid", what, s ? s : "(none)");
}

/* The seconds since the epoch of a canonical date-time. */
static time_t epoch_of(const char *s)
{
    struct tm tm = {0};
    ck_assert_msg(matches(s, CANONICAL), "%s is not a canonical date-time", s ? s : "(none)");
    ck_assert_int_eq(sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                            &tm.tm_min, &tm.tm_sec), 6);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

/* s is a canonical date-time between from and to (whole seconds, a second of slack). */
static void assert_now(const char *what, const char *s, time_t from, time_t to)
{
    time_t t = epoch_of(s);
    ck_assert_msg(t >= from - 1 && t <= to + 1, "%s: %s is not the time of the request", what, s);
}

static void assert_today(const char *what, const char *s, time_t from, time_t to)
{
    char a[16], b[16];
    struct tm tm;
    strftime(a, sizeof a, "%Y-%m-%d", gmtime_r(&from, &tm));
    strftime(b, sizeof b, "%Y-%m-%d", gmtime_r(&to, &tm));
    ck_assert_msg(s && (strcmp(s, a) == 0 || strcmp(s, b) == 0), "%s: %s is not today (UTC)", what,
                  s ? s : "(none)");
}

START_TEST(post_fills_every_default)
{
    time_t from = time(NULL);
    rt_response *r = rt_send_json(&defs, "POST", "/api/documents", "{\"title\": \"first\"}");
    time_t to = time(NULL);
    RT_ASSERT_STATUS(r, 201);
    const char *uid = rt_json_str(r, "uid");
    assert_uuid4("uid", uid);
    assert_uuid4("token (server default)", rt_json_str(r, "token"));
    assert_uuid4("code ($uuid4 on a string)", rt_json_str(r, "code"));
    ck_assert_str_ne(uid, rt_json_str(r, "code"));
    ck_assert_str_eq(rt_header(r, "Location"), rt_fmt("/api/documents/%s", uid));
    assert_now("created_at", rt_json_str(r, "created_at"), from, to);
    assert_now("updated_at", rt_json_str(r, "updated_at"), from, to);
    assert_today("stamped_on", rt_json_str(r, "stamped_on"), from, to);
    assert_today("born_on", rt_json_str(r, "born_on"), from, to);
    rt_assert_wants(r, "status = 'draft'; note = 'now'; priority = 7; tag = 'plain'");
    /* the stored row is what the answer showed */
    rt_assert_sql(&defs, "1", "SELECT count(*) FROM documents WHERE uid = '%s' AND token = '%s' AND code = '%s'"
                              " AND status = 'draft' AND note = 'now' AND priority = 7", uid,
                  rt_json_str(r, "token"), rt_json_str(r, "code"));
    rt_check(&defs, rt_fmt("/api/documents/%s", uid),
             rt_fmt("created_at = '%s'; updated_at = '%s'; token = '%s'", rt_json_str(r, "created_at"),
                    rt_json_str(r, "updated_at"), rt_json_str(r, "token")));
    rt_response_free(r);
}
END_TEST

START_TEST(body_value_wins)
{
    RT_CASES(&defs,
        {"POST /api/documents {'uid': '0B6F2F4E-9C1A-4D3E-8F5B-2A7C9E1D4F60', 'title': 't', 'status': 'final',"
         " 'stamped_on': '2020-02-29', 'born_on': '2021-01-01', 'code': 'mine', 'note': 'n', 'priority': 1, 'tag': 't'}",
         "201 uid = '0b6f2f4e-9c1a-4d3e-8f5b-2a7c9e1d4f60'; status = 'final'; stamped_on = '2020-02-29';"
         " born_on = '2021-01-01'; code = 'mine'; note = 'n'; priority = 1; tag = 't';"
         " @Location = /api/documents/0b6f2f4e-9c1a-4d3e-8f5b-2a7c9e1d4f60"},
        /* read-only columns stay the server's */
        {"POST /api/documents {'title': 't', 'updated_at': '2020-01-01T00:00:00Z'}", "400 /updated_at; @unchanged"},
        {"POST /api/documents {'title': 't', 'token': '0b6f2f4e-9c1a-4d3e-8f5b-2a7c9e1d4f61'}", "400 /token; @unchanged"},
    );
    rt_assert_sql(&defs, "final|2020-02-29|mine|1",
                  "SELECT status || '|' || CAST(stamped_on AS TEXT) || '|' || code || '|' || priority FROM documents"
                  " WHERE uid = '0b6f2f4e-9c1a-4d3e-8f5b-2a7c9e1d4f60'");
}
END_TEST

START_TEST(onupdate_moves_on_change_only)
{
    rt_response *r = rt_send_json(&defs, "POST", "/api/documents", "{\"title\": \"a\", \"priority\": 3}");
    RT_ASSERT_STATUS(r, 201);
    char *loc = strdup(rt_header(r, "Location")), *created = strdup(rt_json_str(r, "updated_at"));
    char *stamped = strdup(rt_json_str(r, "stamped_on")), *code = strdup(rt_json_str(r, "code"));
    rt_response_free(r);
    /* a PATCH that changes nothing: no UPDATE, updated_at stays */
    rt_check(&defs, rt_fmt("PATCH %s {'title': 'a'}", loc), rt_fmt("updated_at = '%s'; @unchanged", created));
    /* a change: updated_at is the time of the PATCH, in the answer and stored */
    time_t from = time(NULL);
    r = rt_send_json(&defs, "PATCH", loc, "{\"title\": \"b\"}");
    time_t to = time(NULL);
    RT_ASSERT_STATUS(r, 200);
    const char *updated = rt_json_str(r, "updated_at");
    assert_now("updated_at after PATCH", updated, from, to);
    ck_assert_str_ne(updated, created);
    rt_check(&defs, loc, rt_fmt("updated_at = '%s'; title = 'b'", updated));
    rt_response_free(r);
    /* a PUT: literal defaults come back, generated values stay, updated_at moves again */
    r = rt_send_json(&defs, "PUT", loc, "{\"title\": \"c\"}");
    RT_ASSERT_STATUS(r, 200);
    rt_assert_wants(r, rt_fmt("title = 'c'; priority = 7; tag = 'plain'; status = 'draft'; stamped_on = '%s';"
                              " code = '%s'", stamped, code));
    assert_now("updated_at after PUT", rt_json_str(r, "updated_at"), from, time(NULL));
    rt_response_free(r);
    free(loc);
    free(created);
    free(stamped);
    free(code);
}
END_TEST

/* Deleting a parent detaches its children in one UPDATE: it sets their
 * onupdate column too. */
START_TEST(detaching_sets_onupdate)
{
    rt_response *r = rt_send_json(&defs, "POST", "/api/documents", "{\"title\": \"L\", \"labels\": [{\"name\": \"x\"}]}");
    RT_ASSERT_STATUS(r, 201);
    char *loc = strdup(rt_header(r, "Location"));
    rt_response_free(r);
    long long id = rt_db_int(&defs, "SELECT id FROM labels WHERE name = 'x'");
    rt_db_exec(&defs, "UPDATE labels SET changed_at = '2000-01-01T00:00:00Z'");
    rt_check(&defs, rt_fmt("/api/labels/%lld", id), "changed_at = '2000-01-01T00:00:00Z'");
    time_t from = time(NULL);
    rt_check(&defs, rt_fmt("DELETE %s", loc), "204");
    time_t to = time(NULL);
    r = rt_get(&defs, rt_fmt("/api/labels/%lld", id));
    RT_ASSERT_STATUS(r, 200);
    rt_assert_wants(r, "document_uid = null");
    assert_now("changed_at after the detaching UPDATE", rt_json_str(r, "changed_at"), from, to);
    rt_response_free(r);
    free(loc);
}
END_TEST

START_TEST(nested_and_bulk_creates)
{
    rt_response *r = rt_send_json(&defs, "POST", "/api/documents",
                                  "{\"title\": \"n\", \"revisions\": [{\"number\": 1}, {\"number\": 2}, {\"number\": 3}]}");
    RT_ASSERT_STATUS(r, 201);
    json_t *revs = rt_json_at(r, "revisions");
    ck_assert_int_eq(json_array_size(revs), 3);
    const char *instant = json_string_value(json_object_get(json_array_get(revs, 0), "recorded_at"));
    for (size_t i = 0; i < 3; i++) {
        json_t *rev = json_array_get(revs, i);
        const char *uid = json_string_value(json_object_get(rev, "uid"));
        assert_uuid4("revision uid", uid);
        for (size_t k = 0; k < i; k++)
            ck_assert_str_ne(uid, json_string_value(json_object_get(json_array_get(revs, k), "uid")));
        ck_assert_str_eq(json_string_value(json_object_get(rev, "document_uid")), rt_json_str(r, "uid"));
        /* one instant per unit of work: every $now of the request */
        ck_assert_str_eq(json_string_value(json_object_get(rev, "recorded_at")), instant);
        ck_assert_str_eq(json_string_value(json_object_get(rev, "touched_at")), instant);
    }
    ck_assert_int_eq(strncmp(instant, rt_json_str(r, "stamped_on"), 10), 0);
    rt_assert_sql(&defs, "3", "SELECT count(DISTINCT uid) FROM revisions WHERE document_uid = '%s'", rt_json_str(r, "uid"));
    /* a change to a child moves its onupdate column */
    const char *child = json_string_value(json_object_get(json_array_get(revs, 0), "uid"));
    rt_response *p = rt_send_json(&defs, "PATCH", rt_fmt("/api/revisions/%s", child), "{\"number\": 9}");
    RT_ASSERT_STATUS(p, 200);
    ck_assert_str_eq(rt_json_str(p, "recorded_at"), instant);
    ck_assert_msg(strcmp(rt_json_str(p, "touched_at"), instant) != 0, "touched_at did not move");
    rt_response_free(p);
    rt_response_free(r);

    /* a bulk POST of many rows: every one its own uuid, in a few INSERTs */
    enum { N = 300 };
    size_t cap = N * 24 + 16, n = 0;
    char *body = malloc(cap);
    n += (size_t)snprintf(body + n, cap - n, "[");
    for (int i = 0; i < N; i++) n += (size_t)snprintf(body + n, cap - n, "%s{\"title\": \"bulk\"}", i ? "," : "");
    snprintf(body + n, cap - n, "]");
    r = rt_send_json(&defs, "POST", "/api/documents", body);
    free(body);
    RT_ASSERT_STATUS(r, 201);
    ck_assert_int_eq(json_array_size(rt_json_at(r, "data")), N);
    for (size_t i = 0; i < N; i++)
        assert_uuid4("bulk uid", json_string_value(json_object_get(json_array_get(rt_json_at(r, "data"), i), "uid")));
    ck_assert_msg(rt_queries(r) <= 10, "%d statements for %d rows", rt_queries(r), N);
    rt_response_free(r);
    rt_assert_sql(&defs, "300", "SELECT count(DISTINCT uid) FROM documents WHERE title = 'bulk'");
    rt_assert_sql(&defs, "300", "SELECT count(DISTINCT token) FROM documents WHERE title = 'bulk'");
    rt_assert_sql(&defs, "300", "SELECT count(DISTINCT code) FROM documents WHERE title = 'bulk'");
}
END_TEST

START_TEST(ddl_defaults_fill_other_clients_rows)
{
    time_t from = time(NULL);
    rt_db_exec(&defs, "INSERT INTO documents (uid, title, code) VALUES ('5b0f0c3e-1d2a-4b6c-9e8f-7a6b5c4d3e2f', 'direct', 'c')");
    time_t to = time(NULL);
    rt_response *r = rt_get(&defs, "/api/documents/5b0f0c3e-1d2a-4b6c-9e8f-7a6b5c4d3e2f");
    RT_ASSERT_STATUS(r, 200);
    rt_assert_wants(r, "status = 'draft'; note = 'now'; priority = 7; stamped_on = null");
    assert_uuid4("token made by the database", rt_json_str(r, "token"));
    assert_now("created_at made by the database", rt_json_str(r, "created_at"), from, to);
    assert_now("updated_at made by the database", rt_json_str(r, "updated_at"), from, to);
    assert_today("born_on made by the database", rt_json_str(r, "born_on"), from, to);
    if (rt_backend() == RT_SQLITE) { /* the stored text itself is canonical */
        char *stored = rt_db_scalar(&defs, "SELECT created_at FROM documents WHERE title = 'direct'");
        ck_assert_msg(matches(stored, CANONICAL), "stored %s", stored);
        free(stored);
    }
    rt_response_free(r);
    /* many rows at once: distinct database-made uuids */
    rt_db_exec(&defs, "INSERT INTO documents (uid, title, code) VALUES ('5b0f0c3e-1d2a-4b6c-9e8f-7a6b5c4d3e30', 'many', 'c'),"
                      " ('5b0f0c3e-1d2a-4b6c-9e8f-7a6b5c4d3e31', 'many', 'c'), ('5b0f0c3e-1d2a-4b6c-9e8f-7a6b5c4d3e32', 'many', 'c')");
    rt_assert_sql(&defs, "3", "SELECT count(DISTINCT token) FROM documents WHERE title = 'many'");
    rt_check(&defs, "/api/documents?title=many", "data # 3");
}
END_TEST

START_TEST(index_and_openapi_show_defaults)
{
    RT_CASES(&defs,
        {"/api", "resources.0.columns.0.default = {'$uuid4': true}; !resources.0.columns.0.server_default;"
                 " resources.0.columns.1.name = 'title'; !resources.0.columns.1.default;"
                 " resources.0.columns.2.server_default = 'draft'; resources.0.columns.3.server_default = 'uuid';"
                 " resources.0.columns.5.server_default = 'now'; resources.0.columns.5.onupdate = 'now';"
                 " !resources.0.columns.4.onupdate; resources.0.columns.6.default = {'$now': true};"
                 " resources.0.columns.10.server_default = 7; resources.0.columns.11.default = 'plain'"},
        {"/openapi.json", "components.schemas.DocumentCreate.required = ['title'];"
                          " components.schemas.Document.properties.status.default = 'draft';"
                          " components.schemas.Document.properties.priority.default = 7;"
                          " components.schemas.Document.properties.tag.default = 'plain';"
                          " !components.schemas.Document.properties.created_at.default;"
                          " !components.schemas.Document.properties.uid.default;"
                          " components.schemas.RevisionCreate.required = ['number'];"
                          " components.schemas.RevisionCreate.allOf.0.anyOf.0.required = ['document_uid']"},
    );
}
END_TEST

START_TEST(documents_example_serves)
{
    RT_CASES(&docs,
        {"/api/documents?sort=title", "data[].title = ['Meeting minutes', 'Release notes'];"
                                      " data[].status = ['draft', 'published']; data.1.stamped_on = '2026-11-20';"
                                      " data.1.uid = '0b6f2f4e-9c1a-4d3e-8f5b-2a7c9e1d4f60'; data.0.revisions # 1;"
                                      " data.1.revisions[].number = [1, 2]"},
        {"/api/revisions", "data # 3"},
    );
    rt_response *r = rt_get(&docs, "/api/documents?sort=title");
    RT_ASSERT_STATUS(r, 200);
    assert_uuid4("seeded uid", rt_json_str(r, "data.0.uid"));
    assert_uuid4("seeded token", rt_json_str(r, "data.1.token"));
    assert_uuid4("seeded revision", rt_json_str(r, "data.0.revisions.0.uid"));
    epoch_of(rt_json_str(r, "data.0.updated_at"));
    epoch_of(rt_json_str(r, "data.1.revisions.1.recorded_at"));
    rt_response_free(r);
}
END_TEST

Suite *http_defaults_suite(void)
{
    Suite *s = suite_create("http_defaults");
    TS_TCASE(s, "defaults", defs_start, defs_stop, 120, post_fills_every_default, body_value_wins,
             onupdate_moves_on_change_only, detaching_sets_onupdate, nested_and_bulk_creates, ddl_defaults_fill_other_clients_rows,
             index_and_openapi_show_defaults);
    TS_TCASE(s, "example", docs_start, docs_stop, 60, documents_example_serves);
    return s;
}
