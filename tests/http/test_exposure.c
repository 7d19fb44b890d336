/* test_exposure.c: OWASP API3:2023 (broken object-property-level
 * authorization) on both backends, over tests/http/schemas/exposure.json:
 * accounts with a write_only password and pin (the pin with a default), a
 * hidden api_key, a read_only balance, a version column and an owner
 * column under a row filter; sessions with a write_only token and a hidden
 * hash; teams with a hidden code; devices whose hidden serial and
 * write_only code are unique. Every stored secret starts with "HID-"
 * (hidden) or "WO-" (write_only), so a leak anywhere is a substring.
 *
 *   mass assignment: a body naming a read_only column, the version (on a
 *        create; on an update it names the base version, and a stale one is
 *        409), a hidden column or another row's key is refused (400/409)
 *        and writes nothing, in objects, nested writes, sub-resources and
 *        batches; the owner column cannot be given to another user (403).
 *   exposure: hidden and write_only values (and hidden names) never appear
 *        in objects, lists, include, sub-resources, batch results, 201 and
 *        200 bodies of writes, error answers (unique violations, validation,
 *        filters, sort, fields), GET /api or /openapi.json, nor in the
 *        server's log at the default level; a hidden column is answered as
 *        one that does not exist; with --echo their values are logged as
 *        '***'. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_jwt.h"
#include "tests/support/rt_strs.h"

#define SECRET "rt-exposure-secret-0123456789abcdef-xyz"
#define SCHEMA "tests/http/schemas/exposure.json"
#define SEED "tests/http/schemas/exposure.seed.json"

static rt_server ex;
enum { ANON, ALICE, BOB, ADMIN, NWHO };
static char *TOKEN[NWHO];

static void tokens_make(void)
{
    TOKEN[ALICE] = rt_hs256(SECRET, "{'role': 'member', 'sub': 'alice'}");
    TOKEN[BOB] = rt_hs256(SECRET, "{'role': 'member', 'sub': 'bob'}");
    TOKEN[ADMIN] = rt_hs256(SECRET, "{'role': 'admin', 'sub': 'root'}");
}

static void tokens_free(void)
{
    for (int i = 0; i < NWHO; i++) free(TOKEN[i]), TOKEN[i] = NULL;
}

/* The default log level: no --echo. */
static void ex_start(void)
{
    tokens_make();
    rt_server_start_secured(&ex, SCHEMA, SEED, SECRET);
}

static void ex_stop(void)
{
    rt_server_stop(&ex);
    tokens_free();
    rt_strs_free();
}

/* ------------------------------------------------------------ what must never show */

static const char *const MARKERS[] = {"HID-", "WO-"};
static const char *const HIDDEN_NAMES[] = {"internal_code", "api_key", "secret_hash", "serial"};
static const char *const SECRET_KEYS[] = {"internal_code", "api_key", "secret_hash", "serial",
                                          "password",      "pin",     "token",       "code"};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void assert_no_marker(const char *what, const char *text)
{
    for (size_t i = 0; i < N(MARKERS); i++) {
        const char *hit = strstr(text, MARKERS[i]);
        ck_assert_msg(!hit, "%s shows a hidden or write_only value: ...%.80s", what, hit ? hit : "");
    }
}

/* No object under v has a member named by a hidden or write_only column. */
static void assert_no_secret_key(const rt_response *r, json_t *v)
{
    const char *k;
    json_t *m;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach(v, k, m) {
            for (size_t s = 0; s < N(SECRET_KEYS); s++)
                ck_assert_msg(strcmp(k, SECRET_KEYS[s]) != 0, "%s: an object shows %s: %.300s", r->what, k, r->body);
            assert_no_secret_key(r, m);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, m) assert_no_secret_key(r, m);
    }
}

/* The rule every answer keeps: no secret value in its body or headers; a
 * 2xx data answer (doc: GET /api or the OpenAPI document, which name
 * write_only inputs) has no member for a secret column and no hidden name. */
static void assert_clean(const rt_response *r, bool doc)
{
    assert_no_marker(r->what, r->body);
    for (size_t i = 0; i < r->nheaders; i++) {
        assert_no_marker(r->what, r->headers[i].name);
        assert_no_marker(r->what, r->headers[i].value);
    }
    if (r->status >= 300) return;
    for (size_t i = 0; i < N(HIDDEN_NAMES); i++)
        ck_assert_msg(!strstr(r->body, rt_strf("\"%s\"", HIDDEN_NAMES[i])), "%s names the hidden %s: %.300s", r->what,
                      HIDDEN_NAMES[i], r->body);
    if (!doc) assert_no_secret_key(r, r->json);
}

/* Each answer of a table: checked (rt_check's expectations) and clean. */
static void clean(const rt_response *r) { assert_clean(r, false); }
#define CASES(...) RT_AS_CASES_CHECK(&ex, TOKEN, clean, __VA_ARGS__)

/* ------------------------------------------------------------ mass assignment */

START_TEST(read_only_version_hidden_and_keys_are_not_assigned)
{
    CASES(
        /* read_only */
        {ALICE, "POST /api/accounts {'owner': 'alice', 'name': 'n', 'balance': 1000000}", "400 /balance; @unchanged"},
        {ALICE, "PATCH /api/accounts/1 {'balance': 1000000}", "400 /balance; @unchanged"},
        {ALICE, "PUT /api/accounts/1 {'owner': 'alice', 'name': 'Alice', 'balance': 1000000}", "400 /balance; @unchanged"},
        {ADMIN, "PATCH /api/accounts/1 {'balance': 0}", "400 /balance; @unchanged"}, /* exempt from filters, not from this */
        /* version: on a create it is the server's; on an update it names the base */
        {ALICE, "POST /api/accounts {'owner': 'alice', 'name': 'n', 'version': 7}", "400 /version; @unchanged"},
        {ALICE, "PATCH /api/accounts/1 {'version': 99}", "409; @unchanged"},
        {ALICE, "PATCH /api/accounts/1 {'version': 99, 'name': 'x'}", "409; @unchanged"},
        {ALICE, "PUT /api/accounts/1 {'version': 99, 'owner': 'alice', 'name': 'Alice'}", "409; @unchanged"},
        /* hidden: as a field that does not exist */
        {ALICE, "POST /api/accounts {'owner': 'alice', 'name': 'n', 'api_key': 'mine'}", "400 /api_key; @unchanged"},
        {ALICE, "PATCH /api/accounts/1 {'api_key': 'mine'}", "400 /api_key; @unchanged"},
        {ALICE, "PUT /api/accounts/1 {'owner': 'alice', 'name': 'Alice', 'api_key': 'mine'}", "400 /api_key; @unchanged"},
        {ADMIN, "PATCH /api/teams/1 {'internal_code': 'mine'}", "400 /internal_code; @unchanged"},
        {ALICE, "POST /api/devices {'label': 'x', 'serial': 'mine'}", "400 /serial; @unchanged"},
        /* another row's key */
        {ALICE, "PATCH /api/accounts/1 {'id': 2}", "400 /id; @unchanged"},
        {ALICE, "PUT /api/accounts/1 {'id': 2, 'owner': 'alice', 'name': 'Alice'}", "400 /id; @unchanged"},
        {ALICE, "PATCH /api/sessions/1 {'id': 2, 'label': 'x'}", "400 /id; @unchanged"},
        {ALICE, "POST /api/accounts {'id': 2, 'owner': 'alice', 'name': 'n'}", "409; @unchanged"},
        /* the same through nested writes, sub-resources and batches */
        {ALICE, "PATCH /api/teams/1 {'accounts': [{'id': 1, 'balance': 7}]}", "400 /accounts/0/balance; @unchanged"},
        {ALICE, "PATCH /api/teams/1 {'accounts': [{'id': 1, 'api_key': 'mine'}]}", "400 /accounts/0/api_key; @unchanged"},
        {ALICE, "PATCH /api/teams/1 {'accounts': [{'id': 1, 'version': 99, 'name': 'x'}]}", "409; @unchanged"},
        {ALICE, "POST /api/accounts {'owner': 'alice', 'name': 'n', 'sessions': [{'owner': 'alice', 'label': 'l', "
                "'secret_hash': 'mine'}]}",
         "400 /sessions/0/secret_hash; @unchanged"},
        {ALICE, "POST /api/accounts/1/sessions {'owner': 'alice', 'label': 'l', 'secret_hash': 'mine'}",
         "400 /secret_hash; @unchanged"},
        {ALICE, "POST /api/accounts/1/sessions {'owner': 'alice', 'label': 'l', 'id': 2}", "422; @unchanged"}, /* bob's */
        {ALICE, "POST /api/_batch {'operations': [{'method': 'PATCH', 'path': '/api/accounts/1', 'body': {'balance': 1}}]}",
         "400 /operations/0/body/balance; @unchanged"},
        {ALICE, "POST /api/_batch {'operations': [{'method': 'PATCH', 'path': '/api/accounts/1', 'body': {'api_key': 'x'}}]}",
         "400 /operations/0/body/api_key; @unchanged"},
    );
    /* a version in the body names the base: the current one passes, and the
     * server, not the body, sets the next */
    rt_response *r = rt_checked(&ex, rt_as(TOKEN[ALICE], "/api/accounts/1"), NULL);
    long long v = rt_json_int(r, "version");
    rt_response_free(r);
    rt_check(&ex, rt_as(TOKEN[ALICE], rt_fmt("PATCH /api/accounts/1 {'version': %lld, 'name': 'Alice 2'}", v)),
             rt_fmt("version = %lld; name = 'Alice 2'", v + 1));
    rt_check(&ex, rt_as(TOKEN[ALICE], rt_fmt("PATCH /api/accounts/1 {'version': %lld, 'name': 'Alice'}", v + 1)),
             rt_fmt("version = %lld", v + 2));
    rt_assert_sql(&ex, "100", "SELECT balance FROM accounts WHERE id = 1");
    rt_assert_sql(&ex, "HID-api-key", "SELECT api_key FROM accounts WHERE id = 1");
}
END_TEST

/* The owner column of a row-filtered resource cannot name someone else:
 * 403 before anything is written, however the body reaches it. */
START_TEST(the_owner_cannot_be_another_user)
{
    CASES(
        {ALICE, "POST /api/accounts {'owner': 'bob', 'name': 'n'}", "403; @unchanged"},
        {ALICE, "PATCH /api/accounts/1 {'owner': 'bob'}", "403; @unchanged"},
        {ALICE, "PUT /api/accounts/1 {'owner': 'bob', 'name': 'Alice'}", "403; @unchanged"},
        {ALICE, "PATCH /api/sessions/1 {'owner': 'bob'}", "403; @unchanged"},
        {ALICE, "PATCH /api/teams/1 {'accounts': [{'id': 1, 'owner': 'bob'}]}", "403; @unchanged"},
        {ALICE, "POST /api/accounts/1/sessions {'owner': 'bob', 'label': 'l'}", "403; @unchanged"},
        {ALICE, "PATCH /api/accounts/1 {'sessions': [{'id': 1}, {'owner': 'bob', 'label': 'l'}]}", "403; @unchanged"},
        {ALICE, "POST /api/accounts {'owner': 'alice', 'name': 'n', 'sessions': [{'owner': 'bob', 'label': 'l'}]}",
         "403; @unchanged"},
        {ALICE, "POST /api/_batch {'operations': [{'method': 'PATCH', 'path': '/api/accounts/1', 'body': {'owner': 'bob'}}]}",
         "403 /operations/0; @unchanged"},
        {ALICE, "POST /api/accounts [{'owner': 'alice', 'name': 'a'}, {'owner': 'bob', 'name': 'b'}]", "403; @unchanged"},
        {BOB, "PATCH /api/accounts/1 {'owner': 'bob'}", "404; @unchanged"}, /* alice's: not found for bob */
    );
    rt_assert_sql(&ex, "alice", "SELECT owner FROM accounts WHERE id = 1");
}
END_TEST

/* ------------------------------------------------------------ exposure */

START_TEST(reads_show_no_secret)
{
    CASES(
        {ALICE, "/api/accounts", "data[].id = [1]; data.0.name = 'Alice'; data.0.balance = 100"},
        {ADMIN, "/api/accounts?count=exact", "data[].id = [1, 2]; meta.total = 2"},
        {ALICE, "/api/accounts/1", "name = 'Alice'; sessions[].id = [1]; team.name = 'red'"},
        {ALICE, "/api/accounts/1?include=team,sessions", "sessions.0.label = 'laptop'"},
        {ALICE, "/api/accounts/1?fields=name,balance", "name = 'Alice'"},
        {ALICE, "/api/accounts?limit=1&sort=-name", "data # 1"},
        {ALICE, "/api/teams/1", "accounts[].id = [1]"},
        {ADMIN, "/api/teams/1?include=accounts.sessions", "accounts[].id = [1, 2]; accounts.1.sessions[].id = [2]"},
        {ALICE, "/api/teams?include=accounts.sessions,accounts.team", "data.0.accounts.0.team.name = 'red'"},
        {ALICE, "/api/accounts/1/sessions", "data[].label = ['laptop']"},
        {ALICE, "/api/accounts/1/team", "name = 'red'"},
        {ALICE, "/api/sessions?include=account", "data.0.account.name = 'Alice'"},
        {ALICE, "/api/sessions/1?include=account.team", "account.team.name = 'red'"},
        {ALICE, "/api/devices", "data[].label = ['d1']"},
        {ALICE, "/api/devices/1", "label = 'd1'"},
        {ALICE, "POST /api/_batch {'operations': [{'method': 'GET', 'path': '/api/accounts/1'}, {'method': 'GET', "
                "'path': '/api/teams?include=accounts'}, {'method': 'GET', 'path': '/api/devices/1'}]}",
         "results # 3; results.0.body.name = 'Alice'"},
        {ALICE, "/api/accounts/1\nIf-None-Match: \"x\"\n", "200"},
    );
}
END_TEST

START_TEST(writes_answer_no_secret)
{
    rt_response *r = rt_checked(&ex, rt_as(TOKEN[ALICE], "POST /api/accounts {'owner': 'alice', 'name': 'Carol', "
                                                         "'password': 'WO-carol-pw', 'pin': 'WO-c-pin', 'team_id': 1, "
                                                         "'sessions': [{'owner': 'alice', 'label': 'tab', 'token': 'WO-tok-3'}]}"),
                                "201; name = 'Carol'; sessions[].label = ['tab']");
    assert_clean(r, false);
    long long id = rt_json_int(r, "id");
    rt_response_free(r);
    /* the values are stored (write_only is input only, not ignored) */
    rt_assert_sql(&ex, "WO-carol-pw", "SELECT password FROM accounts WHERE id = %lld", id);
    rt_assert_sql(&ex, "WO-tok-3", "SELECT token FROM sessions WHERE account_id = %lld", id);
    rt_assert_sql(&ex, "HID-api-key", "SELECT api_key FROM accounts WHERE id = %lld", id);
    const char *u = rt_strf("/api/accounts/%lld", id);
    const rt_as_case cases[] = {
        {ALICE, rt_strf("PATCH %s {'password': 'WO-carol-pw2'}", u), "name = 'Carol'"},
        {ALICE, rt_strf("PUT %s {'owner': 'alice', 'name': 'Carol', 'password': 'WO-carol-pw3', 'pin': 'WO-c-pi2', 'team_id': 1}", u),
         "name = 'Carol'"},
        {ALICE, rt_strf("POST %s/sessions {'owner': 'alice', 'label': 'tv', 'token': 'WO-tok-4'}", u), "201; label = 'tv'"},
        {ALICE, rt_strf("PATCH %s {'sessions': [{'owner': 'alice', 'label': 'car', 'token': 'WO-tok-5'}]}", u),
         "sessions[].label = ['car']"},
        {ALICE, rt_strf("POST /api/_batch {'operations': [{'method': 'PATCH', 'path': '%s', 'body': {'pin': 'WO-c-pi3'}}, "
                        "{'method': 'POST', 'path': '/api/sessions', 'body': {'owner': 'alice', 'label': 'b', 'token': "
                        "'WO-tok-6', 'account_id': %lld}}]}",
                        u, id),
         "results[].status = [200, 201]"},
        {ALICE, "PATCH /api/teams/1 {'name': 'red'}", "accounts[].name = ['Alice', 'Carol']"},
    };
    rt_check_as(&ex, TOKEN, cases, N(cases), clean);
    rt_assert_sql(&ex, "WO-carol-pw3", "SELECT password FROM accounts WHERE id = %lld", id);
    rt_assert_sql(&ex, "WO-c-pi3", "SELECT pin FROM accounts WHERE id = %lld", id);
    rt_check(&ex, rt_as(TOKEN[ALICE], rt_strf("DELETE %s", u)), "204");
    rt_strs_free();
}
END_TEST

/* Errors about secret columns name no value: unique violations,
 * validation, and filters, sorts and fields through them. */
START_TEST(errors_show_no_secret)
{
    CASES(
        /* unique violations: a write_only value taken, a hidden default taken */
        {ALICE, "POST /api/accounts {'owner': 'alice', 'name': 'n', 'password': 'WO-bob-pw'}", "409; @unchanged"},
        {ALICE, "PATCH /api/accounts/1 {'password': 'WO-bob-pw'}", "409; @unchanged"},
        {ALICE, "POST /api/devices {'label': 'x'}", "409; @unchanged"},
        {ALICE, "POST /api/devices {'label': 'x', 'code': 'WO-dev-code'}", "409; @unchanged"},
        {ALICE, "PATCH /api/teams/1 {'accounts': [{'id': 1}, {'owner': 'alice', 'name': 'n', 'password': 'WO-bob-pw'}]}",
         "409; @unchanged"},
        /* validation of write_only values */
        {ALICE, "POST /api/accounts {'owner': 'alice', 'name': 'n', 'pin': 'WO-far-too-long'}", "422 /pin; @unchanged"},
        {ALICE, "PATCH /api/accounts/1 {'pin': 'WO-far-too-long'}", "422 /pin; @unchanged"},
        {ALICE, "PATCH /api/accounts/1 {'pin': 12345678}", "400 /pin; @unchanged"},
        {ALICE, "PATCH /api/accounts/1 {'password': {'WO-x': 1}}", "400 /password; @unchanged"},
        {ALICE, "POST /api/_batch {'operations': [{'method': 'PATCH', 'path': '/api/accounts/1', 'body': {'pin': "
                "'WO-far-too-long'}}]}",
         "422 /operations/0/body/pin; @unchanged"},
        /* no filter, sort, fields or shorthand through a secret column (no oracle) */
        {ALICE, "/api/accounts?filter={\"password\": \"guess\"}", "400 /filter/password"},
        {ALICE, "/api/accounts?filter={\"password\": {\"like\": \"W%\"}}", "400 /filter/password"},
        {ALICE, "/api/accounts?filter={\"pin\": {\"is_null\": false}}", "400 /filter/pin"},
        {ALICE, "/api/teams?filter={\"accounts.password\": \"guess\"}", "400 /filter/accounts.password"},
        {ALICE, "/api/teams?filter={\"accounts\": {\"any\": {\"pin\": \"guess\"}}}", "400 /filter/accounts/any/pin"},
        {ALICE, "/api/accounts?password=guess", "400 /query/password"},
        {ALICE, "/api/accounts?sort=password", "400 /query/sort"},
        {ALICE, "/api/accounts?sort=-pin", "400 /query/sort"},
        {ALICE, "/api/teams/1/accounts?sort=password", "400 /query/sort"},
        {ALICE, "/api/accounts/1/sessions?filter={\"token\": \"guess\"}", "400 /filter/token"},
        {ALICE, "/api/sessions?sort=account.password", "400 /query/sort"},
        {ALICE, "/api/accounts?fields=name,password", "400 /query/fields"},
        {ALICE, "/api/teams?fields[accounts]=pin", "400 /query/fields[accounts]"},
        {ALICE, "/api/devices?filter={\"code\": {\"startswith\": \"WO\"}}", "400 /filter/code"},
    );
}
END_TEST

/* text with each "COL" replaced by name (kept). */
static const char *with_column(const char *text, const char *name)
{
    const char *out = text, *p;
    while ((p = strstr(out, "COL"))) out = rt_strf("%.*s%s%s", (int)(p - out), out, name, p + 3);
    return out;
}

/* A hidden column is answered exactly as a column that does not exist:
 * the same status, pointer and text, its name aside. */
START_TEST(hidden_is_answered_as_absent)
{
    /* COL stands for the column */
    static const char *const forms[] = {
        "/api/accounts?filter={\"COL\": \"x\"}", "/api/accounts?sort=COL",  "/api/accounts?fields=COL",
        "/api/accounts?COL=x",                       "/api/teams?filter={\"accounts.COL\": \"x\"}",
        "/api/sessions?sort=account.COL",            "PATCH /api/accounts/1 {'COL': 'x'}",
        "POST /api/accounts {'owner': 'alice', 'name': 'n', 'COL': 'x'}",
    };
    for (size_t i = 0; i < N(forms); i++) {
        rt_response *hidden = rt_checked(&ex, rt_as(TOKEN[ALICE], with_column(forms[i], "api_key")), "400; @unchanged");
        rt_response *absent = rt_checked(&ex, rt_as(TOKEN[ALICE], with_column(forms[i], "no_such")), "400; @unchanged");
        assert_clean(hidden, false);
        json_t *h = json_deep_copy(hidden->json), *a = json_deep_copy(absent->json);
        json_object_del(h, "request_id"), json_object_del(a, "request_id");
        char *ht = json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS), *at = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
        /* the same text with the names swapped */
        const char *want = at, *p;
        while ((p = strstr(want, "no_such"))) want = rt_strf("%.*sapi_key%s", (int)(p - want), want, p + 7);
        ck_assert_msg(!strcmp(ht, want), "%s: a hidden column is told from an absent one:\n%s\n%s", hidden->what, ht, at);
        free(ht), free(at);
        json_decref(h), json_decref(a);
        rt_response_free(hidden), rt_response_free(absent);
    }
    rt_strs_free();
}
END_TEST

/* GET /api and the OpenAPI document: no hidden column, no secret value,
 * no default or example of one; write_only inputs marked as such. */
START_TEST(documents_show_no_secret)
{
    for (int who = ANON; who < NWHO; who++) {
        rt_response *r = rt_checked(&ex, rt_as(TOKEN[who], "/api"), NULL);
        assert_clean(r, true);
        if (who != ANON) {
            json_t *res, *col;
            size_t i, j;
            bool seen = false;
            json_array_foreach(rt_json_at(r, "resources"), i, res) {
                if (strcmp(json_string_value(json_object_get(res, "name")), "accounts")) continue;
                json_array_foreach(json_object_get(res, "columns"), j, col) {
                    if (strcmp(json_string_value(json_object_get(col, "name")), "password")) continue;
                    ck_assert(json_is_true(json_object_get(col, "write_only")));
                    seen = true;
                }
            }
            ck_assert_msg(seen, "GET /api does not list the write_only password as an input");
        }
        rt_response_free(r);
        r = rt_checked(&ex, rt_as(TOKEN[who], "/openapi.json"), NULL);
        assert_clean(r, true);
        if (who != ANON) {
            ck_assert(json_is_true(rt_json_at(r, "components.schemas.AccountCreate.properties.password.writeOnly")));
            ck_assert(!rt_json_at(r, "components.schemas.Account.properties.password")); /* never answered */
            ck_assert(json_is_true(rt_json_at(r, "components.schemas.Account.properties.balance.readOnly")));
        }
        rt_response_free(r);
    }
}
END_TEST

/* Everything above ran without --echo: the log at the default level holds
 * none of the secrets it handled (it does hold the access lines). */
START_TEST(default_log_shows_no_secret)
{
    CASES(
        {ALICE, "POST /api/accounts {'owner': 'alice', 'name': 'n', 'password': 'WO-bob-pw'}", "409; @unchanged"},
        {ALICE, "PATCH /api/accounts/1 {'pin': 'WO-far-too-long'}", "422 /pin"},
    );
    /* the access log is buffered: its line comes within about a second */
    ck_assert(rt_server_log_wait(&ex, "PATCH /api/accounts/1 422", 3000));
    char *log = rt_server_log(&ex);
    assert_no_marker("the server's log", log);
    ck_assert_ptr_null(strstr(log, "restmap: SQL"));
    free(log);
}
END_TEST

/* With --echo, the SQL log shows write_only and hidden values as '***' (the
 * seed's, the defaults', and every write's), and no secret otherwise. */
START_TEST(echo_masks_secrets)
{
    rt_server s;
    static const char *const args[] = {"--jwt-secret", SECRET, "--echo", NULL};
    rt_server_start_ex(&s, &(rt_start){.schema = SCHEMA, .seed = SEED, .args = args});
    static const rt_case reqs[] = {
        {"POST /api/accounts {'owner': 'alice', 'name': 'Dan', 'password': 'WO-dan-pw', 'pin': 'WO-d-pin', "
         "'sessions': [{'owner': 'alice', 'label': 'x', 'token': 'WO-tok-7'}]}", "201; id = 3"},
        {"PATCH /api/accounts/3 {'password': 'WO-dan-pw2', 'pin': null}", "200"},
        {"PUT /api/accounts/3 {'owner': 'alice', 'name': 'Dan', 'password': 'WO-dan-pw3'}", "200"},
        {"POST /api/accounts/3/sessions {'owner': 'alice', 'label': 'y', 'token': 'WO-tok-8'}", "201"},
        {"POST /api/_batch {'operations': [{'method': 'PATCH', 'path': '/api/accounts/3', 'body': {'password': "
         "'WO-dan-pw4'}}]}", "200"},
        {"POST /api/accounts {'owner': 'alice', 'name': 'n', 'password': 'WO-bob-pw'}", "409"},
        {"/api/teams?include=accounts.sessions", "200"},
        {"DELETE /api/accounts/3", "204"},
    };
    for (size_t i = 0; i < N(reqs); i++) rt_check(&s, rt_as(TOKEN[ALICE], reqs[i].request), reqs[i].expect);
    char *log = rt_server_log(&s);
    int masked = 0, statements = 0;
    for (const char *line = log; line && *line;) {
        const char *eol = strchr(line, '\n');
        size_t n = eol ? (size_t)(eol - line) : strlen(line);
        char *l = strndup(line, n);
        /* CREATE TABLE bodies (--create-all) carry the schema's defaults: the schema's, not data */
        bool ddl = strncmp(l, "restmap: SQL ", 13) != 0;
        if (!ddl && !strstr(l, "CREATE TABLE")) {
            statements++;
            assert_no_marker("an --echo line", l);
            for (const char *p = strstr(l, "'***'"); p; p = strstr(p + 1, "'***'")) masked++;
        }
        free(l);
        line = eol ? eol + 1 : NULL;
    }
    free(log);
    ck_assert_int_gt(statements, 0);
    /* the seed's (accounts 2 x 3, sessions 2 x 2, teams 1, devices 2) and the requests' secrets */
    ck_assert_int_ge(masked, 20);
    rt_server_stop(&s);
}
END_TEST

Suite *http_exposure_suite(void)
{
    Suite *s = suite_create("http_exposure");
    TS_TCASE(s, "exposure", ex_start, ex_stop, 120, read_only_version_hidden_and_keys_are_not_assigned,
             the_owner_cannot_be_another_user, reads_show_no_secret, writes_answer_no_secret, errors_show_no_secret,
             hidden_is_answered_as_absent, documents_show_no_secret, default_log_shows_no_secret);
    TS_TCASE(s, "echo", tokens_make, tokens_free, 60, echo_masks_secrets);
    return s;
}
