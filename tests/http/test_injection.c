/* test_injection.c: SQL injection (OWASP API8:2023, security
 * misconfiguration / injection) in every input position, on both backends,
 * over tests/http/schemas/injection.json (authors open to anyone, notes
 * behind a row filter on the "sub" claim, labels keyed by text; some seeded
 * names, keys and owners are payloads themselves).
 *
 * Payloads (quotes, comments, statement breaks, a backslash at the end,
 * Unicode quotes, LIKE wildcards, placeholders, quoted identifiers, very
 * long strings) go into filter values, like patterns, the equality
 * shorthand, claims of a token, column names in filters, fields and sort,
 * include paths, resource and relationship names and object keys in the
 * path, JSON body keys and values, and batch operation paths.
 *
 * For each request: the answer is never a 500 (a 4xx is problem+json), a
 * 2xx gives exactly the rows the value names (computed from the seed, read
 * back at start), and the SQL the server ran (--echo, `restmap: SQL <sql>
 * -- [<params>] (cached|prepared)`) holds no payload in its SQL text; a
 * value that reaches the database is in the parameter list. At the end the
 * tables hold their seed rows, unchanged. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_jwt.h"
#include "tests/support/rt_strs.h"

#define SECRET "rt-injection-secret-0123456789abcdef-xyz"
#define S rt_strf
#define J rt_json_text
#define ENC rt_urlenc

static rt_server inj;
static char *ALICE;
static char *seeded;  /* the database's fingerprint after the seed */
static long log_seen; /* the log up to here was checked */

/* ------------------------------------------------------------ payloads */

#define NPAY 22
static const char *PAY[NPAY];
static char LONG_VALUE[3001], HUGE_VALUE[20001];

static void payloads_init(void)
{
    static const char *const fixed[] = {
        "' OR '1'='1",
        "1; DROP TABLE authors--",
        "\") OR (\"1\"=\"1",
        "x' --",
        "name\\",
        "\\",
        "\xe2\x80\x99 OR \xe2\x80\x98" "1\xe2\x80\x99=\xe2\x80\x98" "1", /* U+2019, U+2018 */
        "\xca\xbc; DROP TABLE notes; --",                                /* U+02BC */
        "%",
        "_",
        "50%_off",
        "%' OR 1=1 --",
        "' UNION SELECT name, sql FROM sqlite_master --",
        "'; SELECT pg_sleep(0); --",
        "$1 ?1 ? :x @x",
        "\"authors\".\"name\"",
        "*/ OR 1=1 /*",
        "O'Brien",
        "a/b,c",
        "~0~1 ..",
    };
    size_t n = sizeof fixed / sizeof fixed[0];
    for (size_t i = 0; i < n; i++) PAY[i] = fixed[i];
    const char unit[] = "' OR 1=1 -- ";
    for (size_t i = 0; i + 1 < sizeof LONG_VALUE; i++) LONG_VALUE[i] = unit[i % (sizeof unit - 1)];
    for (size_t i = 0; i + 1 < sizeof HUGE_VALUE; i++) HUGE_VALUE[i] = unit[i % (sizeof unit - 1)];
    PAY[n] = LONG_VALUE, PAY[n + 1] = HUGE_VALUE;
    ck_assert_int_eq(n + 2, NPAY);
}

/* A payload distinctive enough that SQL text holding it was built from it. */
static bool distinctive(const char *p) { return strlen(p) >= 4; }
/* Short enough for a URL (the huge one is for bodies; in a URL it is 414). */
static bool fits_url(const char *p) { return strlen(p) < 4000; }
/* Text operands of like, ilike, startswith, endswith and contains take at
 * most 400 characters (400 beyond). */
#define MAX_PATTERN 400
static size_t u8chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* ------------------------------------------------------------ the seed, read back */

#define MAXROWS 16
typedef struct author {
    long long id;
    char *name, *bio, *handle;
    char *labels[4];
    int nlabels;
} author;
static author AUTH[MAXROWS];
static int nauth;
static char *LABEL[MAXROWS];
static int nlabel;
typedef struct note {
    long long id;
    char *owner;
} note;
static note NOTE[MAXROWS];
static int nnote;

static char *dup_member(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static void read_seed(void)
{
    rt_response *r = rt_checked(&inj, "/api/authors?include=labels&limit=100", NULL);
    size_t i, j;
    json_t *o, *l;
    json_array_foreach(rt_json_at(r, "data"), i, o) {
        ck_assert_int_lt(nauth, MAXROWS);
        author *a = &AUTH[nauth++];
        a->id = json_integer_value(json_object_get(o, "id"));
        a->name = dup_member(o, "name"), a->bio = dup_member(o, "bio"), a->handle = dup_member(o, "handle");
        json_array_foreach(json_object_get(o, "labels"), j, l) a->labels[a->nlabels++] = dup_member(l, "code");
    }
    rt_response_free(r);
    r = rt_checked(&inj, "/api/labels?limit=100", NULL);
    json_array_foreach(rt_json_at(r, "data"), i, o) LABEL[nlabel++] = dup_member(o, "code");
    rt_response_free(r);
    /* the notes, as the admin of the database sees them */
    char *owners = rt_db_list(&inj, "SELECT owner FROM notes ORDER BY id");
    char *ids = rt_db_list(&inj, "SELECT id FROM notes ORDER BY id");
    char *sp = NULL, *sq = NULL;
    for (char *id = strtok_r(ids, ",", &sp); id; id = strtok_r(NULL, ",", &sp)) NOTE[nnote++].id = atoll(id);
    /* owners hold no comma (the seed's), so the list splits cleanly */
    int k = 0;
    for (char *w = strtok_r(owners, ",", &sq); w; w = strtok_r(NULL, ",", &sq)) NOTE[k++].owner = strdup(w);
    ck_assert_int_eq(k, nnote);
    free(owners), free(ids);
    ck_assert_int_ge(nauth, 5);
    ck_assert_int_ge(nnote, 3);
}

static void inj_start(void)
{
    payloads_init();
    ALICE = rt_hs256(SECRET, "{'role': 'member', 'sub': 'alice'}");
    static const char *const args[] = {"--jwt-secret", SECRET, "--echo", NULL};
    rt_server_start_ex(&inj, &(rt_start){.schema = "tests/http/schemas/injection.json",
                                         .seed = "tests/http/schemas/injection.seed.json", .args = args});
    read_seed();
    seeded = rt_db_fingerprint(&inj);
    char *log = rt_server_log(&inj);
    log_seen = (long)strlen(log);
    free(log);
}

static void inj_stop(void)
{
    rt_server_stop(&inj);
    free(ALICE), free(seeded);
    for (int i = 0; i < nauth; i++) {
        free(AUTH[i].name), free(AUTH[i].bio), free(AUTH[i].handle);
        for (int j = 0; j < AUTH[i].nlabels; j++) free(AUTH[i].labels[j]);
    }
    for (int i = 0; i < nlabel; i++) free(LABEL[i]);
    for (int i = 0; i < nnote; i++) free(NOTE[i].owner);
    rt_strs_free();
}

/* ------------------------------------------------------------ sending and checking */

/* The SQL the server ran since the last check: no statement's SQL text
 * holds payload; with in_params, some statement's parameters do (the first
 * 200 bytes: the echo cuts longer values). */
static void check_sql(const char *what, const char *payload, bool in_params)
{
    char *log = rt_server_log(&inj);
    size_t plen = strlen(payload), want = plen > 200 ? 200 : plen;
    bool found = false;
    int statements = 0;
    for (const char *line = log + log_seen; *line;) {
        const char *eol = strchr(line, '\n');
        if (!eol) eol = line + strlen(line);
        if (!strncmp(line, "restmap: SQL ", 13)) {
            statements++;
            const char *sql = line + 13, *cut = strstr(sql, " -- [");
            const char *sql_end = cut && cut < eol ? cut : eol;
            char *text = strndup(sql, (size_t)(sql_end - sql));
            ck_assert_msg(!distinctive(payload) || !strstr(text, payload),
                          "%s: the payload %.80s is in the SQL text: %.400s", what, payload, text);
            free(text);
            if (cut && cut < eol && in_params) {
                char *params = strndup(cut, (size_t)(eol - cut));
                char *needle = strndup(payload, want);
                found |= strstr(params, needle) != NULL;
                free(params), free(needle);
            }
        }
        line = *eol ? eol + 1 : eol;
    }
    ck_assert_msg(!in_params || found, "%s: %d statements, none with the value %.80s among its parameters", what,
                  statements, payload);
    log_seen = (long)strlen(log);
    free(log);
}

/* Send (token NULL: anonymous; target already encoded; body NULL: none) and
 * check what every answer must be: not a 500, a 4xx as problem+json. */
static rt_response *probe(const char *token, const char *method, const char *target, const char *body)
{
    const char *auth[] = {token ? S("Authorization: Bearer %s", token) : NULL, NULL};
    rt_response *r = rt_request(&inj, method, target, body, NULL, token ? auth : NULL);
    ck_assert_msg(r->status >= 200 && r->status < 500, "%s %.300s %.300s: %ld: %.300s", method, target,
                  body ? body : "", r->status, r->body);
    if (r->status >= 400) rt_assert_problem(r, (int)r->status, NULL);
    return r;
}

/* probe, then the answer's status (0: any) and SQL check. */
static rt_response *expect(const char *token, const char *method, const char *target, const char *body, long status,
                           const char *payload, bool in_params)
{
    rt_response *r = probe(token, method, target, body);
    ck_assert_msg(!status || r->status == status, "%s %.300s %.300s: expected %ld, got %ld: %.300s", method, target,
                  body ? body : "", status, r->status, r->body);
    check_sql(r->what, payload, in_params);
    return r;
}

static void expect_free(const char *token, const char *method, const char *target, const char *body, long status,
                        const char *payload, bool in_params)
{
    rt_response_free(expect(token, method, target, body, status, payload, in_params));
}

/* The error pointer of a member name (RFC 6901: ~ → ~0, / → ~1). */
static const char *pointer_of(const char *prefix, const char *name)
{
    size_t n = strlen(prefix);
    char *out = malloc(n + 2 * strlen(name) + 2), *o = out + n;
    ck_assert_ptr_nonnull(out);
    memcpy(out, prefix, n);
    *o++ = '/';
    for (const char *p = name; *p; p++) {
        if (*p == '~') *o++ = '~', *o++ = '0';
        else if (*p == '/') *o++ = '~', *o++ = '1';
        else *o++ = *p;
    }
    *o = '\0';
    return rt_keep(out);
}

/* One of errors[].pointer is want. */
static void assert_pointer(const rt_response *r, const char *want)
{
    json_t *errs = rt_json_at(r, "errors"), *e;
    size_t i;
    json_array_foreach(errs, i, e) {
        const char *ptr = json_string_value(json_object_get(e, "pointer"));
        if (ptr && !strcmp(ptr, want)) return;
    }
    ck_abort_msg("%s: no error at %.200s: %.400s", r->what, want, r->body);
}

/* The ids of a list answer equal want (a JSON array). */
static void assert_ids(const rt_response *r, const char *key, json_t *want)
{
    json_t *got = json_array(), *o;
    size_t i;
    json_array_foreach(rt_json_at(r, "data"), i, o) json_array_append(got, json_object_get(o, key));
    char *g = json_dumps(got, JSON_COMPACT), *w = json_dumps(want, JSON_COMPACT);
    ck_assert_msg(json_equal(got, want), "%.300s: %s, not %s", r->what, g, w);
    free(g), free(w);
    json_decref(got), json_decref(want);
}

/* ------------------------------------------------------------ the model's answers */

typedef enum { EQ, NE, STARTS, ENDS, CONTAINS, LIKE, ILIKE } match_op;

static size_t u8len(const char *s)
{
    unsigned char c = (unsigned char)*s;
    return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

static char fold(char c, bool ci) { return ci && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* SQL LIKE as SPEC §8 has it: % any run, _ one character, \ escapes the
 * next; ci folds ASCII letters. */
static bool like(const char *p, const char *s, bool ci)
{
    while (*p) {
        if (*p == '%') {
            for (p++;; s += u8len(s)) {
                if (like(p, s, ci)) return true;
                if (!*s) return false;
            }
        }
        if (!*s) return false;
        if (*p == '_') {
            p++, s += u8len(s);
            continue;
        }
        if (*p == '\\') p++;
        size_t n = u8len(p);
        if (n == 1 ? fold(*p, ci) != fold(*s, ci) : strncmp(p, s, n) != 0) return false;
        p += n, s += n;
    }
    return !*s;
}

/* A pattern whose last \ escapes nothing. */
static bool unfinished_escape(const char *p)
{
    for (; *p; p++)
        if (*p == '\\' && !*++p) return true;
    return false;
}

static bool matches(const char *v, match_op op, const char *arg)
{
    if (!v) return false;
    size_t n = strlen(v), m = strlen(arg);
    switch (op) {
    case EQ: return !strcmp(v, arg);
    case NE: return strcmp(v, arg) != 0;
    case STARTS: return !strncmp(v, arg, m);
    case ENDS: return n >= m && !strcmp(v + n - m, arg);
    case CONTAINS: return strstr(v, arg) != NULL;
    case LIKE: return like(arg, v, false);
    case ILIKE: return like(arg, v, true);
    }
    return false;
}

/* The ids of the authors whose name (bio when on_bio) matches. */
static json_t *authors_where(bool on_bio, match_op op, const char *arg)
{
    json_t *ids = json_array();
    for (int i = 0; i < nauth; i++)
        if (matches(on_bio ? AUTH[i].bio : AUTH[i].name, op, arg)) json_array_append_new(ids, json_integer(AUTH[i].id));
    return ids;
}

static bool is_label(const char *code)
{
    for (int i = 0; i < nlabel; i++)
        if (!strcmp(LABEL[i], code)) return true;
    return false;
}

/* ------------------------------------------------------------ values */

START_TEST(filter_values)
{
    static const char *const ops[] = {[NE] = "ne", [STARTS] = "startswith", [ENDS] = "endswith", [CONTAINS] = "contains"};
    for (int i = 0; i < NPAY; i++) {
        const char *p = PAY[i];
        if (!fits_url(p)) continue;
        const char *f = J(json_pack("{ss}", "name", p));
        rt_response *r = expect(NULL, "GET", S("/api/authors?fields=id&filter=%s", ENC(f)), NULL, 200, p, true);
        assert_ids(r, "id", authors_where(false, EQ, p));
        rt_response_free(r);
        r = expect(NULL, "GET", S("/api/authors?fields=id&filter=%s", ENC(J(json_pack("{ss}", "bio", p)))), NULL, 200, p, true);
        assert_ids(r, "id", authors_where(true, EQ, p));
        rt_response_free(r);
        for (match_op op = NE; op <= CONTAINS; op++) {
            f = J(json_pack("{s{ss}}", "name", ops[op], p));
            bool too_long = op != NE && u8chars(p) > MAX_PATTERN;
            r = expect(NULL, "GET", S("/api/authors?fields=id&filter=%s", ENC(f)), NULL, too_long ? 400 : 200, p, op == NE);
            if (too_long) assert_pointer(r, S("/filter/name/%s", ops[op]));
            else assert_ids(r, "id", authors_where(false, op, p));
            rt_response_free(r);
        }
        f = J(json_pack("{s{s[ss]}}", "name", "in", p, "ed"));
        r = expect(NULL, "GET", S("/api/authors?fields=id&filter=%s", ENC(f)), NULL, 200, p, true);
        json_t *want = authors_where(false, EQ, p), *ed = authors_where(false, EQ, "ed");
        if (strcmp(p, "ed")) json_array_extend(want, ed);
        json_decref(ed);
        /* in key order */
        json_t *sorted = json_array();
        for (int a = 0; a < nauth; a++) {
            size_t k;
            json_t *id;
            json_array_foreach(want, k, id) if (json_integer_value(id) == AUTH[a].id) json_array_append(sorted, id);
        }
        json_decref(want);
        assert_ids(r, "id", sorted);
        rt_response_free(r);
        /* through relationships: a secondary and a row-filtered to-many */
        f = J(json_pack("{s{s{ss}}}", "labels", "any", "code", p));
        r = expect(NULL, "GET", S("/api/authors?fields=id&filter=%s", ENC(f)), NULL, 200, p, true);
        json_t *with_label = json_array();
        for (int a = 0; a < nauth; a++)
            for (int l = 0; l < AUTH[a].nlabels; l++)
                if (!strcmp(AUTH[a].labels[l], p)) json_array_append_new(with_label, json_integer(AUTH[a].id));
        assert_ids(r, "id", with_label);
        rt_response_free(r);
        f = J(json_pack("{ss}", "notes.title", p));
        r = expect(ALICE, "GET", S("/api/authors?fields=id&filter=%s", ENC(f)), NULL, 200, p, true);
        assert_ids(r, "id", json_array()); /* no note has a payload for a title */
        rt_response_free(r);
        /* a value of the wrong type for an integer column */
        r = expect(NULL, "GET", S("/api/authors?filter=%s", ENC(J(json_pack("{ss}", "id", p)))), NULL, 400, p, false);
        assert_pointer(r, "/filter/id");
        rt_response_free(r);
    }
    rt_strs_free();
}
END_TEST

START_TEST(like_patterns)
{
    for (int i = 0; i < NPAY; i++) {
        const char *p = PAY[i];
        if (!fits_url(p)) continue;
        for (int ci = 0; ci < 2; ci++) {
            const char *f = J(json_pack("{s{ss}}", "name", ci ? "ilike" : "like", p));
            const char *target = S("/api/authors?fields=id&filter=%s", ENC(f));
            if (unfinished_escape(p) || u8chars(p) > MAX_PATTERN) {
                rt_response *r = expect(NULL, "GET", target, NULL, 400, p, false);
                assert_pointer(r, ci ? "/filter/name/ilike" : "/filter/name/like");
                rt_response_free(r);
                continue;
            }
            rt_response *r = expect(NULL, "GET", target, NULL, 200, p, true);
            assert_ids(r, "id", authors_where(false, ci ? ILIKE : LIKE, p));
            rt_response_free(r);
        }
    }
    rt_strs_free();
}
END_TEST

START_TEST(equality_shorthand)
{
    for (int i = 0; i < NPAY; i++) {
        const char *p = PAY[i];
        if (!fits_url(p)) continue;
        rt_response *r = expect(NULL, "GET", S("/api/authors?fields=id&name=%s", ENC(p)), NULL, 200, p, true);
        assert_ids(r, "id", authors_where(false, EQ, p));
        rt_response_free(r);
        if (strlen(p) < 1000) {
            r = expect(NULL, "GET", S("/api/authors?fields=id&bio=%s&name=%s", ENC(p), ENC(p)), NULL, 200, p, true);
            assert_ids(r, "id", json_array()); /* no author has a payload for both */
            rt_response_free(r);
        }
        r = expect(NULL, "GET", S("/api/authors?id=%s", ENC(p)), NULL, 400, p, false);
        assert_pointer(r, "/query/id");
        rt_response_free(r);
        r = expect(NULL, "GET", S("/api/labels?code=%s", ENC(p)), NULL, 200, p, true);
        json_t *want = json_array();
        if (is_label(p)) json_array_append_new(want, json_string(p));
        assert_ids(r, "code", want);
        rt_response_free(r);
    }
    /* the longest value: the request target is too long, a clean 414 */
    expect_free(NULL, "GET", S("/api/authors?name=%s", ENC(HUGE_VALUE)), NULL, 414, HUGE_VALUE, false);
    rt_strs_free();
}
END_TEST

/* An HS256 token of claims (stolen): rt_hs256 reads ' as ", so each ' of
 * the JSON text (inside its strings only) is written \u0027. */
static char *token_of(json_t *claims)
{
    char *text = json_dumps(claims, JSON_COMPACT);
    json_decref(claims);
    size_t n = 0;
    for (const char *c = text; *c; c++) n += *c == '\'' ? 6 : 1;
    char *out = malloc(n + 1), *o = out;
    ck_assert_ptr_nonnull(out);
    for (const char *c = text; *c; c++) {
        if (*c == '\'') memcpy(o, "\\u0027", 6), o += 6;
        else *o++ = *c;
    }
    *o = '\0';
    char *token = rt_hs256(SECRET, "%s", out);
    free(text), free(out);
    return token;
}

/* A token of claims holding a payload: its sub is one bound value (the
 * notes of exactly that owner), its role one name among the schema's. */
START_TEST(claim_values)
{
    for (int i = 0; i < NPAY; i++) {
        const char *p = PAY[i];
        if (strlen(p) > 4000) continue; /* a header, not a body */
        char *token = token_of(json_pack("{ssss}", "role", "member", "sub", p));
        json_t *mine = json_array();
        for (int n = 0; n < nnote; n++)
            if (!strcmp(NOTE[n].owner, p)) json_array_append_new(mine, json_integer(NOTE[n].id));
        size_t nmine = json_array_size(mine);
        rt_response *r = expect(token, "GET", "/api/notes?fields=id&count=exact", NULL, 200, p, true);
        ck_assert_int_eq(rt_json_int(r, "meta.total"), (long long)nmine);
        assert_ids(r, "id", mine);
        rt_response_free(r);
        for (int n = 0; n < nnote; n++)
            expect_free(token, "GET", S("/api/notes/%lld", NOTE[n].id), NULL, strcmp(NOTE[n].owner, p) ? 404 : 200, p, true);
        expect_free(token, "GET", S("/api/authors?fields=id&filter=%s", ENC("{\"notes\":{\"any\":{}}}")), NULL, 200, p, true);
        /* a create for someone else, and an update of someone else's row: refused, nothing written */
        char *before = rt_db_fingerprint(&inj);
        expect_free(token, "POST", "/api/notes", "{\"title\": \"t\", \"owner\": \"alice\"}", 403, p, false);
        expect_free(token, "PATCH", "/api/notes/1", "{\"title\": \"t\"}", strcmp(NOTE[0].owner, p) ? 404 : 200, p, true);
        char *after = rt_db_fingerprint(&inj);
        ck_assert_msg(!strcmp(before, after), "a token with sub %.80s wrote something", p);
        free(before), free(after), free(token);
        /* the payload as the role: a role no resource names */
        token = token_of(json_pack("{ssss}", "role", p, "sub", "alice"));
        expect_free(token, "GET", "/api/notes", NULL, 403, p, false);
        expect_free(token, "GET", "/api/authors", NULL, 403, p, false);
        free(token);
    }
    /* claims of other JSON types: no note matches, nothing breaks */
    static const char *const odd[] = {"{'role': 'member', 'sub': 1}", "{'role': 'member', 'sub': ['alice']}",
                                      "{'role': 'member', 'sub': {'alice': 1}}", "{'role': 'member', 'sub': null}",
                                      "{'role': ['member'], 'sub': 'alice'}", "{'role': 1, 'sub': 'alice'}"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        char *token = rt_hs256(SECRET, "%s", odd[i]);
        rt_response *r = probe(token, "GET", "/api/notes?fields=id", NULL);
        if (r->status == 200) assert_ids(r, "id", json_array());
        rt_response_free(r);
        free(token);
    }
    rt_strs_free();
}
END_TEST

/* ------------------------------------------------------------ identifiers */

START_TEST(column_names)
{
    for (int i = 0; i < NPAY; i++) {
        const char *p = PAY[i];
        if (!fits_url(p)) continue;
        rt_response *r = expect(NULL, "GET", S("/api/authors?filter=%s", ENC(J(json_pack("{si}", p, 1)))), NULL, 400, p, false);
        assert_pointer(r, pointer_of("/filter", p));
        rt_response_free(r);
        r = expect(NULL, "GET", S("/api/authors?filter=%s", ENC(J(json_pack("{s{s{si}}}", "labels", "any", p, 1)))), NULL,
                   400, p, false);
        assert_pointer(r, pointer_of("/filter/labels/any", p));
        rt_response_free(r);
        r = expect(NULL, "GET", S("/api/authors?filter=%s", ENC(J(json_pack("{s{si}}", "name", p, 1)))), NULL, 400, p, false);
        rt_response_free(r);
        /* the payload between a prefix and a suffix */
        static const char *const params[][2] = {{"fields=", ""}, {"fields=id,", ""}, {"sort=", ""},
                                                {"sort=-", ""},  {"sort=notes.", ""}, {"sort=", ".name"}};
        for (size_t k = 0; k < sizeof params / sizeof params[0]; k++) {
            const char *q = S("%s%s%s", params[k][0], ENC(p), params[k][1]);
            r = expect(ALICE, "GET", S("/api/authors?%s", q), NULL, 400, p, false);
            assert_pointer(r, k < 2 ? "/query/fields" : "/query/sort");
            rt_response_free(r);
        }
        r = expect(ALICE, "GET", S("/api/notes?sort=author.%s", ENC(p)), NULL, 400, p, false);
        assert_pointer(r, "/query/sort");
        rt_response_free(r);
        expect_free(NULL, "GET", S("/api/authors?fields[%s]=name", ENC(p)), NULL, 400, p, false);
        expect_free(NULL, "GET", S("/api/authors?fields[labels]=%s", ENC(p)), NULL, 400, p, false);
        /* a query parameter named by the payload: no such column for the shorthand */
        expect_free(NULL, "GET", S("/api/authors?%s=1", ENC(p)), NULL, 400, p, false);
    }
    rt_strs_free();
}
END_TEST

START_TEST(include_paths)
{
    for (int i = 0; i < NPAY; i++) {
        const char *p = PAY[i];
        if (!fits_url(p)) continue;
        static const char *const forms[][2] = {{"", ""}, {"labels.", ""}, {"", ".labels"}, {"labels,", ""}};
        for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
            const char *path = S("%s%s%s", forms[k][0], p, forms[k][1]);
            rt_response *r = expect(ALICE, "GET", S("/api/authors?include=%s", ENC(path)), NULL, 400, p, false);
            assert_pointer(r, "/query/include");
            rt_response_free(r);
        }
        expect_free(ALICE, "GET", S("/api/notes/1?include=author.%s", ENC(p)), NULL, 400, p, false);
    }
    rt_strs_free();
}
END_TEST

START_TEST(path_segments)
{
    for (int i = 0; i < NPAY; i++) {
        const char *p = PAY[i];
        if (!fits_url(p)) continue;
        const char *e = ENC(p);
        char *before = rt_db_fingerprint(&inj);
        /* resource names */
        expect_free(ALICE, "GET", S("/api/%s", e), NULL, 404, p, false);
        expect_free(ALICE, "GET", S("/api/%s/1", e), NULL, 404, p, false);
        expect_free(ALICE, "POST", S("/api/%s", e), "{\"name\": \"x\"}", 404, p, false);
        expect_free(ALICE, "DELETE", S("/api/%s/1", e), NULL, 404, p, false);
        /* relationship names */
        expect_free(ALICE, "GET", S("/api/authors/1/%s", e), NULL, 404, p, false);
        expect_free(ALICE, "POST", S("/api/authors/1/%s", e), "{\"code\": \"plain\"}", 404, p, false);
        expect_free(ALICE, "DELETE", S("/api/authors/1/%s/plain", e), NULL, 404, p, false);
        /* object keys: an integer key that does not parse, a text key that is one */
        expect_free(ALICE, "GET", S("/api/authors/%s", e), NULL, 404, p, false);
        expect_free(ALICE, "PATCH", S("/api/authors/%s", e), "{\"bio\": \"x\"}", 404, p, false);
        expect_free(ALICE, "DELETE", S("/api/authors/%s", e), NULL, 404, p, false);
        expect_free(ALICE, "GET", S("/api/authors/%s/labels", e), NULL, 404, p, false);
        expect_free(ALICE, "DELETE", S("/api/authors/1/labels/%s", e), NULL, 404, p, false);
        bool label = is_label(p);
        rt_response *r = expect(ALICE, "GET", S("/api/labels/%s", e), NULL, label ? 200 : 404, p, true);
        if (label) ck_assert_str_eq(rt_json_str(r, "code"), p);
        rt_response_free(r);
        if (!label) {
            expect_free(ALICE, "PATCH", S("/api/labels/%s", e), "{\"text\": \"x\"}", 404, p, true);
            expect_free(ALICE, "PUT", S("/api/labels/%s", e), "{\"text\": \"x\"}", 404, p, true);
            expect_free(ALICE, "DELETE", S("/api/labels/%s", e), NULL, 404, p, true);
        }
        expect_free(ALICE, "GET", S("/api/notes/%s", e), NULL, 404, p, false);
        char *after = rt_db_fingerprint(&inj);
        ck_assert_msg(!strcmp(before, after), "requests with %.80s in the path wrote something", p);
        free(before), free(after);
    }
    /* the longest value in the path: a clean 414 */
    expect_free(ALICE, "GET", S("/api/labels/%s", ENC(HUGE_VALUE)), NULL, 414, HUGE_VALUE, false);
    rt_strs_free();
}
END_TEST

/* ------------------------------------------------------------ bodies */

START_TEST(body_keys)
{
    for (int i = 0; i < NPAY; i++) {
        const char *p = PAY[i];
        char *before = rt_db_fingerprint(&inj);
        rt_response *r = expect(ALICE, "POST", "/api/authors", J(json_pack("{sssi}", "name", "n", p, 1)), 400, p, false);
        assert_pointer(r, pointer_of("", p));
        rt_response_free(r);
        r = expect(ALICE, "PATCH", "/api/authors/1", J(json_pack("{si}", p, 1)), 400, p, false);
        assert_pointer(r, pointer_of("", p));
        rt_response_free(r);
        r = expect(ALICE, "PUT", "/api/labels/plain", J(json_pack("{sssi}", "text", "x", p, 1)), 400, p, false);
        assert_pointer(r, pointer_of("", p));
        rt_response_free(r);
        r = expect(ALICE, "POST", "/api/authors", J(json_pack("{ss s[{si}]}", "name", "n", "labels", p, 1)), 400, p, false);
        assert_pointer(r, pointer_of("/labels/0", p));
        rt_response_free(r);
        r = expect(ALICE, "POST", "/api/notes", J(json_pack("{ssss s{si}}", "title", "t", "owner", "alice", "author", p, 1)),
                   400, p, false);
        assert_pointer(r, pointer_of("/author", p));
        rt_response_free(r);
        char *after = rt_db_fingerprint(&inj);
        ck_assert_msg(!strcmp(before, after), "a body with the key %.80s wrote something", p);
        free(before), free(after);
    }
    rt_strs_free();
}
END_TEST

/* Values are stored as given and read back byte for byte; what was made is
 * removed again. */
START_TEST(body_values)
{
    for (int i = 0; i < NPAY; i++) {
        const char *p = PAY[i];
        rt_response *r = expect(ALICE, "POST", "/api/authors", J(json_pack("{ssss}", "name", p, "bio", p)), 201, p, true);
        long long id = rt_json_int(r, "id");
        rt_response_free(r);
        r = expect(ALICE, "GET", S("/api/authors/%lld", id), NULL, 200, p, false);
        ck_assert_msg(!strcmp(rt_json_str(r, "name"), p) && !strcmp(rt_json_str(r, "bio"), p), "%.80s was not kept as given",
                      p);
        rt_response_free(r);
        /* a value too long for its column, and a nested link by a key that is a payload */
        char *before = rt_db_fingerprint(&inj);
        if (strlen(p) > 40) {
            r = expect(ALICE, "PATCH", S("/api/authors/%lld", id), J(json_pack("{ss}", "handle", p)), 422, p, false);
            assert_pointer(r, "/handle");
            rt_response_free(r);
        }
        if (!is_label(p)) {
            r = expect(ALICE, "PATCH", S("/api/authors/%lld", id), J(json_pack("{s[{ss}]}", "labels", "code", p)), 422, p,
                       strlen(p) < 4000);
            assert_pointer(r, "/labels/0");
            rt_response_free(r);
        }
        r = expect(ALICE, "POST", "/api/notes", J(json_pack("{ssss}", "title", p, "owner", p)), 403, p, false);
        rt_response_free(r);
        char *after = rt_db_fingerprint(&inj);
        ck_assert_msg(!strcmp(before, after), "a refused write of %.80s wrote something", p);
        free(before), free(after);
        expect_free(ALICE, "DELETE", S("/api/authors/%lld", id), NULL, 204, p, false);
        /* a label made with the payload for a key, reached by its URL, then removed */
        if (!is_label(p) && strlen(p) < 2000) {
            r = expect(ALICE, "POST", "/api/labels", J(json_pack("{ssss}", "code", p, "text", p)), 201, p, true);
            const char *loc = rt_header(r, "Location");
            ck_assert_ptr_nonnull(loc);
            ck_assert_str_eq(loc, S("/api/labels/%s", ENC(p)));
            rt_response_free(r);
            r = expect(ALICE, "GET", S("/api/labels/%s", ENC(p)), NULL, 200, p, true);
            ck_assert_str_eq(rt_json_str(r, "code"), p);
            rt_response_free(r);
            expect_free(ALICE, "DELETE", S("/api/labels/%s", ENC(p)), NULL, 204, p, true);
        }
    }
    /* a unique value taken: 409, and nothing of it in the SQL text */
    expect_free(ALICE, "POST", "/api/authors", "{\"name\": \"' OR '1'='1\", \"handle\": \"ed\"}", 409, "' OR '1'='1", true);
    /* values of the wrong JSON type where text is expected (NoSQL-style operators) */
    expect_free(ALICE, "POST", "/api/authors", "{\"name\": {\"$ne\": 1}}", 400, "$ne", false);
    expect_free(ALICE, "POST", "/api/authors", "{\"name\": [\"' OR '1'='1\"]}", 400, "' OR '1'='1", false);
    rt_strs_free();
}
END_TEST

/* ------------------------------------------------------------ batches */

static json_t *batch1(const char *method, const char *path, json_t *body)
{
    json_t *op = json_pack("{ssss}", "method", method, "path", path);
    if (body) json_object_set_new(op, "body", body);
    return json_pack("{s[o]}", "operations", op);
}

START_TEST(batch_operation_paths)
{
    for (int i = 0; i < NPAY; i++) {
        const char *p = PAY[i];
        if (!fits_url(p)) continue;
        const char *e = ENC(p);
        char *before = rt_db_fingerprint(&inj);
        rt_response *r = expect(ALICE, "POST", "/api/_batch", J(batch1("GET", S("/api/%s", e), NULL)), 404, p, false);
        assert_pointer(r, "/operations/0");
        rt_response_free(r);
        expect_free(ALICE, "POST", "/api/_batch", J(batch1("GET", S("/api/authors/%s", e), NULL)), 404, p, false);
        expect_free(ALICE, "POST", "/api/_batch", J(batch1("GET", S("/api/authors/1/%s", e), NULL)), 404, p, false);
        if (is_label(p)) {
            r = expect(ALICE, "POST", "/api/_batch", J(batch1("GET", S("/api/labels/%s", e), NULL)), 200, p, true);
            ck_assert_str_eq(json_string_value(rt_json_at(r, "results.0.body.code")), p);
            rt_response_free(r);
        } else {
            expect_free(ALICE, "POST", "/api/_batch", J(batch1("DELETE", S("/api/labels/%s", e), NULL)), 404, p, true);
        }
        expect_free(ALICE, "POST", "/api/_batch", J(batch1("PATCH", S("/api/%s/1", e), json_pack("{ss}", "name", p))), 404, p,
                    false);
        expect_free(ALICE, "POST", "/api/_batch", J(batch1("GET", p, NULL)), 0, p, false);
        expect_free(ALICE, "POST", "/api/_batch", J(batch1(p, "/api/authors", NULL)), 400, p, false);
        r = expect(ALICE, "POST", "/api/_batch", J(batch1("GET", S("/api/authors?fields=id&name=%s", e), NULL)), 200, p, true);
        json_t *ids = authors_where(false, EQ, p), *got = rt_json_at(r, "results.0.body.data"), *o;
        json_t *gids = json_array();
        size_t k;
        json_array_foreach(got, k, o) json_array_append(gids, json_object_get(o, "id"));
        ck_assert_msg(json_equal(ids, gids), "batch GET ?name=%.80s: wrong rows", p);
        json_decref(ids), json_decref(gids);
        rt_response_free(r);
        r = expect(ALICE, "POST", "/api/_batch", J(batch1("GET", S("/api/authors?sort=%s", e), NULL)), 400, p, false);
        assert_pointer(r, "/operations/0/query/sort");
        rt_response_free(r);
        char *after = rt_db_fingerprint(&inj);
        ck_assert_msg(!strcmp(before, after), "batches with %.80s in a path wrote something", p);
        free(before), free(after);
    }
    rt_strs_free();
}
END_TEST

/* ------------------------------------------------------------ afterwards */

/* The echo cannot be made to show SQL that did not run: a value with a
 * line break in it stays on its statement's line. */
START_TEST(echo_lines_are_not_forged)
{
    const char *forged = "x\nrestmap: SQL DROP TABLE authors -- [] (prepared)\n";
    rt_response *r = probe(NULL, "GET", S("/api/authors?name=%s", ENC(forged)), NULL);
    ck_assert_int_eq(r->status, 200);
    rt_response_free(r);
    char *log = rt_server_log(&inj);
    const char *line = strstr(log, "\nrestmap: SQL DROP TABLE");
    ck_assert_msg(!line, "a value forged an --echo line: %.50s", line ? line + 1 : "");
    log_seen = (long)strlen(log);
    free(log);
    rt_strs_free();
}
END_TEST

/* Every table still holds its seed rows, unchanged, and no SQL text of the
 * whole run held a payload. */
START_TEST(seed_rows_survive)
{
    char *now = rt_db_fingerprint(&inj);
    ck_assert_msg(!strcmp(now, seeded), "the tables differ from the seed after the injection tests");
    free(now);
    rt_assert_sql(&inj, "6", "SELECT COUNT(*) FROM authors");
    rt_assert_sql(&inj, "3", "SELECT COUNT(*) FROM notes");
    rt_assert_sql(&inj, "4", "SELECT COUNT(*) FROM labels");
    rt_assert_sql(&inj, "3", "SELECT COUNT(*) FROM author_labels");
    log_seen = 0;
    for (int i = 0; i < NPAY; i++) check_sql("the whole run", PAY[i], false);
    printf("injection: %d payloads\n", NPAY);
}
END_TEST

Suite *http_injection_suite(void)
{
    Suite *s = suite_create("http_injection");
    TS_TCASE(s, "payloads", inj_start, inj_stop, 300, filter_values, like_patterns, equality_shorthand, claim_values,
             column_names, include_paths, path_segments, body_keys, body_values, batch_operation_paths,
             echo_lines_are_not_forged, seed_rows_survive);
    return s;
}
