/* test_access_matrix.c: OWASP API1:2023 (broken object-level authorization)
 * as a matrix generated from data, on both backends. Two users of one role
 * ("member": alice and bob) try each other's rows of every resource with a
 * row filter (tests/http/schemas/tenants_matrix.json: projects, tasks,
 * docs) by every method through every access path: the object URL, lists
 * (filter, shorthand, sort, count, offset, cursors), include from every
 * relationship that reaches them (joined, selectin and select, one and two
 * hops, to-one and to-many, a many-to-many), sub-resource URLs (GET, POST
 * to link or create, DELETE of a member), relationship filters
 * (any/has/none/every/is_null and dotted paths), sort through to-one paths
 * (one and two hops, with cursors), /api/_batch operations, nested
 * writes (link, update, replace a collection), foreign-key columns, and
 * the delete of a parent whose children are partly theirs.
 * The admin (exempt from the row filters) sends the same reads as a
 * control: what a member does not see is there.
 *
 * The world is a small model in C (the rows, who owns them, which are
 * linked through which relationship); the seed file is written from it and
 * every expectation is computed from it (visible = no row filter, or the
 * viewer's own row, or the admin). Rows outside the filter are 404, absent
 * from lists, null as a to-one and 422 with a pointer as a nested link;
 * never 403 (a create or update whose new state falls outside is 403).
 * Every refused write is checked to have written nothing (@unchanged), and
 * the harmless control writes too. matrix_is_complete counts the cases per
 * resource × access path × method, prints the matrix and asserts that no
 * cell the issue names is empty. */
#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_jwt.h"
#include "tests/support/rt_strs.h"

#define SECRET "rt-matrix-secret-0123456789abcdef-xyz"

/* ------------------------------------------------------------ the model */

enum { ALICE, BOB, ADMIN, NWHO };
static const char *const SUB[NWHO] = {"alice", "bob", "root"};
static char *TOKEN[NWHO];

enum { TEAMS, PINS, PROJECTS, TASKS, DOCS, NRES };
#define FIRST_FILTERED PROJECTS
#define NROWS 4

typedef struct mx_res {
    const char *name, *pk, *owner, *text; /* owner: the row filter's column (NULL: none) */
    int nrows;
} mx_res;

static const mx_res RES[NRES] = {
    {"teams", "id", NULL, "name", 3},
    {"pins", "id", NULL, "label", 4},
    {"projects", "id", "owner", "name", NROWS},
    {"tasks", "id", "assignee", "title", NROWS},
    {"docs", "slug", "author", "title", NROWS},
};

/* Rows 0..3 of each filtered resource: 0 alice's and 1 bob's (both in team
 * 1), 2 alice's (team 2), 3 bob's (team 3). Pin i points at row i of each. */
static const int ROW_TEAM[NROWS] = {1, 1, 2, 3};
/* the project (row) of each task: each user's first project holds the
 * other's first task and a task of their own */
static const int TASK_PROJECT[NROWS] = {1, 0, 0, 1};

static bool in_team(int h, int t) { return ROW_TEAM[t] == h + 1; }
static bool same_row(int h, int t) { return h == t; }
static bool project_task(int h, int t) { return TASK_PROJECT[t] == h; }
static bool task_project(int h, int t) { return TASK_PROJECT[h] == t; }
/* project_docs: projects 0 and 1 each hold docs 0 and 1 */
static bool project_doc(int h, int t) { return h < 2 && t < 2; }
static bool doc_project(int h, int t) { return project_doc(t, h); }

typedef struct mx_rel {
    int holder, target;
    const char *name;
    bool to_many, writable;
    const char *lazy;
    const char *fk; /* the foreign-key column (on the holder for a to-one), NULL: a secondary */
    bool (*linked)(int h, int t);
} mx_rel;

static const mx_rel RELS[] = {
    {TEAMS, PROJECTS, "projects", true, true, "joined", "team_id", in_team},
    {TEAMS, PROJECTS, "projects_sel", true, false, "selectin", "team_id", in_team},
    {TEAMS, TASKS, "tasks", true, true, "selectin", "team_id", in_team},
    {TEAMS, TASKS, "tasks_join", true, false, "joined", "team_id", in_team},
    {TEAMS, DOCS, "docs", true, true, "select", "team_id", in_team},
    {TEAMS, DOCS, "docs_sel", true, false, "selectin", "team_id", in_team},
    {PINS, PROJECTS, "project", false, true, "joined", "project_id", same_row},
    {PINS, PROJECTS, "project_sel", false, false, "selectin", "project_id", same_row},
    {PINS, TASKS, "task", false, true, "selectin", "task_id", same_row},
    {PINS, TASKS, "task_join", false, false, "joined", "task_id", same_row},
    {PINS, DOCS, "doc", false, true, "select", "doc_slug", same_row},
    {PINS, DOCS, "doc_join", false, false, "joined", "doc_slug", same_row},
    {PROJECTS, TASKS, "tasks", true, true, "selectin", "project_id", project_task},
    {PROJECTS, DOCS, "docs", true, true, "joined", NULL, project_doc},
    {DOCS, PROJECTS, "projects", true, true, "select", NULL, doc_project},
    {TASKS, PROJECTS, "project", false, true, "select", "project_id", task_project},
};
#define NRELS (sizeof RELS / sizeof RELS[0])

static int owner_of(int res, int row) { return RES[res].owner ? row % 2 : -1; }
static bool visible(int who, int res, int row)
{
    return !RES[res].owner || who == ADMIN || owner_of(res, row) == who;
}
/* The viewer's row in team 1 and the other user's (the admin looks at bob's as alice does). */
static int mine(int who) { return who == BOB ? 1 : 0; }
static int theirs(int who) { return who == BOB ? 0 : 1; }
static const char *my_sub(int who) { return SUB[who == BOB ? BOB : ALICE]; }
static const char *their_sub(int who) { return SUB[who == BOB ? ALICE : BOB]; }
static bool eager(const mx_rel *r) { return strcmp(r->lazy, "select") != 0; }
/* A doc's key is the client's: a nested object with one links or updates
 * (SPEC §3), so docs are created at their collection URL only. */
static bool nested_creatable(int res) { return res != DOCS; }

/* Kept strings (rt_strs.h), by short names: a case is written in one line. */
#define S rt_strf
#define J rt_json_text

/* ------------------------------------------------------------ rows as JSON */

static json_t *key_json(int res, int row)
{
    if (res == DOCS) return json_string(S("d%d", row + 1));
    return json_integer(row + 1);
}
static const char *key_text(int res, int row) { return res == DOCS ? S("d%d", row + 1) : S("%d", row + 1); }
static const char *url(int res, int row) { return S("/api/%s/%s", RES[res].name, key_text(res, row)); }
static const char *missing_url(int res) { return S("/api/%s/%s", RES[res].name, res == DOCS ? "d99" : "99"); }

static const char *text_of(int res, int row)
{
    if (res == TEAMS) return S("team-%d", row + 1);
    if (res == PINS) return S("pin-%d", row + 1);
    return S("%c-%s-%d", row < 2 ? 'm' : 'a', RES[res].name, row + 1);
}

/* {pk: key} */
static json_t *ref(int res, int row)
{
    json_t *o = json_object();
    json_object_set_new(o, RES[res].pk, key_json(res, row));
    return o;
}

/* Every column of a row, as seeded (with its key when with_key). */
static json_t *row_obj(int res, int row, bool with_key)
{
    json_t *o = with_key ? ref(res, row) : json_object();
    json_object_set_new(o, RES[res].text, json_string(text_of(res, row)));
    if (RES[res].owner) json_object_set_new(o, RES[res].owner, json_string(SUB[owner_of(res, row)]));
    if (res == PINS) {
        json_object_set_new(o, "project_id", key_json(PROJECTS, row));
        json_object_set_new(o, "task_id", key_json(TASKS, row));
        json_object_set_new(o, "doc_slug", key_json(DOCS, row));
    } else if (res != TEAMS) {
        json_object_set_new(o, "team_id", json_integer(ROW_TEAM[row]));
    }
    if (res == TASKS) json_object_set_new(o, "project_id", key_json(PROJECTS, TASK_PROJECT[row]));
    return o;
}

/* A new row owned by who (n tells two apart). */
static json_t *new_obj(int res, int who, int n)
{
    json_t *o = json_object();
    if (res == DOCS) json_object_set_new(o, "slug", json_string(S("d-new-%d", n)));
    json_object_set_new(o, RES[res].text, json_string(S("new-%d", n)));
    if (RES[res].owner) json_object_set_new(o, RES[res].owner, json_string(SUB[who]));
    if (res != TEAMS && res != PINS) json_object_set_new(o, "team_id", json_integer(1));
    return o;
}

static json_t *with(json_t *o, const char *k, json_t *v)
{
    json_object_set_new(o, k, v);
    return o;
}
static json_t *without(json_t *o, const char *k)
{
    if (k) json_object_del(o, k);
    return o;
}

/* Keys of rows[0..n) as a JSON array. */
static json_t *keys_of(int res, const int *rows, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, key_json(res, rows[i]));
    return a;
}

/* The seed file, written from the model. */
static void write_seed(const char *path)
{
    json_t *doc = json_object();
    const int order[] = {TEAMS, DOCS, PROJECTS, TASKS, PINS};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        int res = order[k];
        json_t *rows = json_array();
        for (int i = 0; i < RES[res].nrows; i++) {
            json_t *o = row_obj(res, i, true);
            if (res == PROJECTS) {
                json_t *docs = json_array();
                for (int d = 0; d < NROWS; d++)
                    if (project_doc(i, d)) json_array_append_new(docs, ref(DOCS, d));
                json_object_set_new(o, "docs", docs);
            }
            json_array_append_new(rows, o);
        }
        json_object_set_new(doc, RES[res].name, rows);
    }
    ck_assert_int_eq(json_dump_file(doc, path, JSON_INDENT(1)), 0);
    json_decref(doc);
}

/* ------------------------------------------------------------ the server */

static rt_server mx;
static char *seeded; /* the database's fingerprint after the seed */

static void mx_start(void)
{
    TOKEN[ALICE] = rt_hs256(SECRET, "{'role': 'member', 'sub': 'alice'}");
    TOKEN[BOB] = rt_hs256(SECRET, "{'role': 'member', 'sub': 'bob'}");
    TOKEN[ADMIN] = rt_hs256(SECRET, "{'role': 'admin', 'sub': 'root'}");
    char dir[256], seed[300];
    rt_mkdtemp(dir, sizeof dir);
    snprintf(seed, sizeof seed, "%s/tenants_matrix.seed.json", dir);
    write_seed(seed);
    static const char *const args[] = {"--jwt-secret", SECRET, NULL};
    rt_server_start_ex(&mx, &(rt_start){.schema = "tests/http/schemas/tenants_matrix.json", .seed = seed, .args = args});
    rt_rmtree(dir);
    seeded = rt_db_fingerprint(&mx);
}

static void mx_stop(void)
{
    rt_server_stop(&mx);
    for (int i = 0; i < NWHO; i++) free(TOKEN[i]);
    free(seeded);
    rt_strs_free();
}

/* ------------------------------------------------------------ the matrix */

enum { P_OBJECT, P_LIST, P_INCLUDE, P_SUBRESOURCE, P_FILTER, P_SORT, P_BATCH, P_NESTED, P_FK, NPATHS };
static const char *const PATH_NAME[NPATHS] = {"object URL", "list", "include", "sub-resource", "relationship filter",
                                              "sort through to-one", "batch", "nested write", "foreign-key column"};
enum { M_GET, M_POST, M_PUT, M_PATCH, M_DELETE, NMETHODS };
static const char *const METHOD_NAME[NMETHODS] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
/* The cells the issue names: a bit per method for each access path. */
#define B(m) (1u << (m))
static const unsigned REQUIRED[NPATHS] = {
    [P_OBJECT] = B(M_GET) | B(M_POST) | B(M_PUT) | B(M_PATCH) | B(M_DELETE),
    [P_LIST] = B(M_GET),
    [P_INCLUDE] = B(M_GET),
    [P_SUBRESOURCE] = B(M_GET) | B(M_POST) | B(M_DELETE),
    [P_FILTER] = B(M_GET),
    [P_SORT] = B(M_GET),
    [P_BATCH] = B(M_GET) | B(M_POST) | B(M_PUT) | B(M_PATCH) | B(M_DELETE),
    [P_NESTED] = B(M_POST) | B(M_PUT) | B(M_PATCH),
    [P_FK] = B(M_POST) | B(M_PUT) | B(M_PATCH),
};

static int cells[NRES][NPATHS][NMETHODS];
static bool dry; /* count the cases, send nothing */

static int method_of(const char *request)
{
    if (*request == '/') return M_GET;
    for (int m = 0; m < NMETHODS; m++) {
        size_t n = strlen(METHOD_NAME[m]);
        if (!strncmp(request, METHOD_NAME[m], n) && request[n] == ' ') return m;
    }
    ck_abort_msg("no method in %s", request);
    return -1;
}

/* Send a case as who (counted in its cell) and return the answer, or NULL
 * when only counting. */
static rt_response *send_as(int who, int res, int path, int method, const char *request, const char *expect)
{
    cells[res][path][method]++;
    if (dry) return NULL;
    return rt_checked(&mx, rt_as(TOKEN[who], request), expect);
}

static void check_as(int who, int res, int path, const char *request, const char *expect)
{
    rt_response *r = send_as(who, res, path, method_of(request), request, expect);
    if (r) rt_response_free(r);
}

/* Follow links.next from first to the end: the keys met are want. */
static void walk_as(int who, int res, int path, const char *first, int key_res, json_t *want)
{
    cells[res][path][M_GET]++;
    if (dry) {
        json_decref(want);
        return;
    }
    json_t *got = json_array();
    char *next = strdup(first);
    for (int page = 0; next; page++) {
        ck_assert_msg(page <= NROWS + 1, "%s: more pages than rows", first);
        rt_response *r = rt_checked(&mx, rt_as(TOKEN[who], next), NULL);
        free(next);
        json_t *data = rt_json_at(r, "data");
        ck_assert_msg(json_is_array(data), "%s: no data", r->what);
        size_t i;
        json_t *o;
        json_array_foreach(data, i, o) json_array_append(got, json_object_get(o, RES[key_res].pk));
        json_t *n = rt_json_at(r, "links.next");
        next = n ? strdup(json_string_value(n)) : NULL;
        rt_response_free(r);
    }
    char *g = json_dumps(got, JSON_COMPACT), *w = json_dumps(want, JSON_COMPACT);
    ck_assert_msg(json_equal(got, want), "as %s, walking %s met %s, not %s", SUB[who], first, g, w);
    free(g), free(w);
    json_decref(got), json_decref(want);
}

/* ------------------------------------------------------------ expectations from the model */

/* The target rows linked to holder row h through rel that who sees, in key order. */
static int members(int who, const mx_rel *rel, int h, int *out)
{
    int n = 0;
    for (int t = 0; t < RES[rel->target].nrows; t++)
        if (rel->linked(h, t) && visible(who, rel->target, t)) out[n++] = t;
    return n;
}

/* The rows of res who sees, in key order. */
static int rows_seen(int who, int res, int *out)
{
    int n = 0;
    for (int i = 0; i < RES[res].nrows; i++)
        if (visible(who, res, i)) out[n++] = i;
    return n;
}

static int row_of_key(int res, json_t *key)
{
    for (int i = 0; i < RES[res].nrows; i++) {
        json_t *k = key_json(res, i);
        bool eq = json_equal(k, key);
        json_decref(k);
        if (eq) return i;
    }
    return -1;
}

/* node (holder row h of res) embeds exactly what who may see along chain. */
static void check_tree(const rt_response *r, json_t *node, int res, int h, const mx_rel *const *chain, size_t n,
                       int who)
{
    const mx_rel *rel = chain[0];
    json_t *v = json_object_get(node, rel->name);
    char *txt = json_dumps(node, JSON_COMPACT);
    ck_assert_msg(v, "%s (as %s): %s %d has no %s: %.400s", r->what, SUB[who], RES[res].name, h + 1, rel->name, txt);
    int want[NROWS];
    int k = members(who, rel, h, want);
    if (rel->to_many) {
        ck_assert_msg(json_is_array(v) && json_array_size(v) == (size_t)k, "%s (as %s): %s should hold %d rows: %.400s",
                      r->what, SUB[who], rel->name, k, txt);
    } else {
        ck_assert_msg(k ? json_is_object(v) : json_is_null(v), "%s (as %s): %s should be %s: %.400s", r->what,
                      SUB[who], rel->name, k ? "an object" : "null", txt);
    }
    for (int i = 0; i < k; i++) {
        json_t *o = rel->to_many ? json_array_get(v, (size_t)i) : v;
        json_t *key = key_json(rel->target, want[i]);
        ck_assert_msg(json_equal(json_object_get(o, RES[rel->target].pk), key), "%s (as %s): %s[%d] is not %s: %.400s",
                      r->what, SUB[who], rel->name, i, key_text(rel->target, want[i]), txt);
        json_decref(key);
        if (n > 1) check_tree(r, o, rel->target, want[i], chain + 1, n - 1, who);
    }
    free(txt);
}

/* ------------------------------------------------------------ object URL */

static void object_cases(int who, int res)
{
    const mx_res *R = &RES[res];
    int m = mine(who), t = theirs(who);
    const char *pk = R->pk, *own = url(res, m), *other = url(res, t);
    check_as(who, res, P_OBJECT, own, S("%s = %s", pk, J(key_json(res, m))));
    check_as(who, res, P_OBJECT, other, visible(who, res, t) ? S("%s = %s", pk, J(key_json(res, t))) : "404");
    check_as(who, res, P_OBJECT, S("%s?fields=%s", other, pk), visible(who, res, t) ? "200" : "404");
    check_as(who, res, P_OBJECT, missing_url(res), "404"); /* the same answer as theirs */
    if (who == ADMIN) return;
    const char *o = R->owner;
    check_as(who, res, P_OBJECT, S("PATCH %s %s", other, J(json_pack("{ss}", R->text, "mine"))), "404; @unchanged");
    check_as(who, res, P_OBJECT, S("PATCH %s %s", other, J(json_pack("{ss}", o, SUB[who]))), "404; @unchanged");
    check_as(who, res, P_OBJECT, S("PUT %s %s", other, J(row_obj(res, t, false))), "404; @unchanged");
    check_as(who, res, P_OBJECT, S("PUT %s %s", other, J(with(row_obj(res, t, false), o, json_string(SUB[who])))),
             "404; @unchanged");
    check_as(who, res, P_OBJECT, S("DELETE %s", other), "404; @unchanged");
    check_as(who, res, P_OBJECT, S("DELETE %s", missing_url(res)), "404; @unchanged");
    check_as(who, res, P_OBJECT, S("PATCH %s\nIf-Match: *\n\n%s", other, J(json_pack("{ss}", R->text, "x"))),
             "404; @unchanged");
    /* creates owned by the other user, alone or with one of one's own */
    int them = who == BOB ? ALICE : BOB;
    check_as(who, res, P_OBJECT, S("POST /api/%s %s", R->name, J(new_obj(res, them, 1))), "403; @unchanged");
    check_as(who, res, P_OBJECT,
             S("POST /api/%s %s", R->name, J(json_pack("[oo]", new_obj(res, who, 1), new_obj(res, them, 2)))),
             "403; @unchanged");
    /* one's own row given away: its new state is outside */
    check_as(who, res, P_OBJECT, S("PATCH %s %s", own, J(json_pack("{ss}", o, SUB[them]))), "403; @unchanged");
    check_as(who, res, P_OBJECT, S("PUT %s %s", own, J(with(row_obj(res, m, false), o, json_string(SUB[them])))),
             "403; @unchanged");
    /* controls: the same writes on one's own row, changing nothing, succeed */
    check_as(who, res, P_OBJECT, S("PATCH %s %s", own, J(json_pack("{ss}", R->text, text_of(res, m)))),
             S("%s = %s; @unchanged", R->text, J(json_string(text_of(res, m)))));
    check_as(who, res, P_OBJECT, S("PUT %s %s", own, J(row_obj(res, m, false))), "200; @unchanged");
}

START_TEST(object_urls)
{
    for (int res = FIRST_FILTERED; res < NRES; res++)
        for (int who = 0; who < NWHO; who++) object_cases(who, res);
    rt_strs_free();
}
END_TEST

/* ------------------------------------------------------------ lists */

typedef enum { Q_ALL, Q_ROW, Q_OWNER, Q_NOT_OWNER, Q_PREFIX_M } q_kind;

/* The rows who sees that match, ordered by: 0 the key, 1 the text, -1 the text descending. */
static json_t *expect_rows(int who, int res, q_kind q, int arg, int order)
{
    int rows[NROWS], n = 0;
    for (int i = 0; i < RES[res].nrows; i++) {
        bool match = q == Q_ALL || (q == Q_ROW && i == arg) || (q == Q_OWNER && owner_of(res, i) == arg) ||
                     (q == Q_NOT_OWNER && owner_of(res, i) != arg) || (q == Q_PREFIX_M && i < 2);
        if (match && visible(who, res, i)) rows[n++] = i;
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0; j--) {
            int c = order ? strcmp(text_of(res, rows[j - 1]), text_of(res, rows[j])) * order : 0;
            if (c <= 0) break;
            int x = rows[j];
            rows[j] = rows[j - 1], rows[j - 1] = x;
        }
    return keys_of(res, rows, n);
}

static void list_cases(int who, int res)
{
    const mx_res *R = &RES[res];
    const char *base = S("/api/%s", R->name), *pk = R->pk;
    int t = theirs(who), them = who == BOB ? ALICE : BOB, me = who == BOB ? BOB : ALICE;
#define ROWS(q, arg, order) S("data[].%s = %s", pk, J(expect_rows(who, res, (q), (arg), (order))))
    int all[NROWS];
    int n = rows_seen(who, res, all);
    check_as(who, res, P_LIST, S("%s?fields=%s", base, pk), ROWS(Q_ALL, 0, 0));
    check_as(who, res, P_LIST, S("%s?count=exact&fields=%s", base, pk), S("meta.total = %d; %s", n, ROWS(Q_ALL, 0, 0)));
    check_as(who, res, P_LIST, S("%s?limit=0&count=exact", base), S("data # 0; meta.total = %d", n));
    check_as(who, res, P_LIST, S("%s?offset=1&fields=%s", base, pk), S("data # %d", n - 1));
    check_as(who, res, P_LIST, S("%s?filter=%s", base, J(json_pack("{so}", pk, key_json(res, t)))), ROWS(Q_ROW, t, 0));
    json_t *every_key = json_array();
    for (int i = 0; i < NROWS; i++) json_array_append_new(every_key, key_json(res, i));
    check_as(who, res, P_LIST, S("%s?filter=%s", base, J(json_pack("{s{so}}", pk, "in", every_key))), ROWS(Q_ALL, 0, 0));
    check_as(who, res, P_LIST, S("%s?%s=%s", base, pk, key_text(res, t)), ROWS(Q_ROW, t, 0)); /* shorthand */
    check_as(who, res, P_LIST, S("%s?%s=%s", base, R->owner, SUB[them]), ROWS(Q_OWNER, them, 0));
    check_as(who, res, P_LIST, S("%s?count=exact&filter=%s", base, J(json_pack("{ss}", R->owner, SUB[them]))),
             S("meta.total = %d", who == ADMIN ? 2 : 0));
    check_as(who, res, P_LIST,
             S("%s?filter=%s", base, J(json_pack("{s[{ss}{so}]}", "or", R->owner, SUB[them], pk, key_json(res, t)))),
             ROWS(Q_OWNER, them, 0));
    check_as(who, res, P_LIST, S("%s?filter=%s", base, J(json_pack("{s{ss}}", "not", R->owner, SUB[me]))),
             ROWS(Q_NOT_OWNER, me, 0));
    check_as(who, res, P_LIST, S("%s?filter=%s", base, J(json_pack("{s{ss}}", R->text, "like", "%"))), ROWS(Q_ALL, 0, 0));
    check_as(who, res, P_LIST, S("%s?filter=%s", base, J(json_pack("{s{ss}}", R->text, "startswith", "m-"))),
             ROWS(Q_PREFIX_M, 0, 0));
    check_as(who, res, P_LIST, S("%s?filter=%s", base, J(json_pack("{ss}", R->text, text_of(res, t)))), ROWS(Q_ROW, t, 0));
    check_as(who, res, P_LIST, S("%s?sort=-%s&fields=%s", base, R->text, pk), ROWS(Q_ALL, 0, -1));
    check_as(who, res, P_LIST, S("%s?sort=%s&count=exact&fields=%s", base, R->text, pk),
             S("meta.total = %d; %s", n, ROWS(Q_ALL, 0, 1)));
    walk_as(who, res, P_LIST, S("%s?limit=1&fields=%s", base, pk), res, expect_rows(who, res, Q_ALL, 0, 0));
    walk_as(who, res, P_LIST, S("%s?limit=1&sort=-%s&fields=%s", base, R->text, pk), res,
            expect_rows(who, res, Q_ALL, 0, -1));
    walk_as(who, res, P_LIST, S("%s?limit=1&sort=%s&filter=%s", base, R->text, J(json_pack("{s{ss}}", R->text, "like", "%-%"))),
            res, expect_rows(who, res, Q_ALL, 0, 1));
#undef ROWS
}

START_TEST(lists)
{
    for (int res = FIRST_FILTERED; res < NRES; res++)
        for (int who = 0; who < NWHO; who++) list_cases(who, res);
    rt_strs_free();
}
END_TEST

/* ------------------------------------------------------------ include */

/* GET path as who, then check_tree on the object (or each object of data). */
static void include_as(int who, int res, const char *path, int holder_res, int h, const mx_rel *const *chain, size_t n)
{
    rt_response *r = send_as(who, res, P_INCLUDE, M_GET, path, NULL);
    if (!r) return;
    if (h >= 0) {
        check_tree(r, r->json, holder_res, h, chain, n, who);
    } else {
        json_t *data = rt_json_at(r, "data");
        int want[NROWS];
        int k = rows_seen(who, holder_res, want);
        ck_assert_msg(json_is_array(data) && json_array_size(data) == (size_t)k, "%s: %d rows wanted", r->what, k);
        size_t i;
        json_t *o;
        json_array_foreach(data, i, o) {
            int row = row_of_key(holder_res, json_object_get(o, RES[holder_res].pk));
            ck_assert_int_eq(row, want[i]);
            check_tree(r, o, holder_res, row, chain, n, who);
        }
    }
    rt_response_free(r);
}

static void include_cases(int who, int res)
{
    for (size_t i = 0; i < NRELS; i++) {
        const mx_rel *rel = &RELS[i];
        if (rel->target != res) continue;
        const char *H = RES[rel->holder].name;
        const mx_rel *chain[] = {rel};
        include_as(who, res, S("/api/%s?include=%s", H, rel->name), rel->holder, -1, chain, 1);
        for (int h = 0; h < RES[rel->holder].nrows; h++) {
            if (!visible(who, rel->holder, h)) continue;
            include_as(who, res, S("%s?include=%s", url(rel->holder, h), rel->name), rel->holder, h, chain, 1);
            include_as(who, res, S("%s?include=%s&fields=%s", url(rel->holder, h), rel->name, RES[rel->holder].pk),
                       rel->holder, h, chain, 1);
        }
        /* without include: the eager relationships are embedded, the others linked */
        int h0 = mine(who); /* a holder row every viewer sees: its own */
        if (eager(rel)) {
            include_as(who, res, url(rel->holder, h0), rel->holder, h0, chain, 1);
        } else {
            check_as(who, res, P_INCLUDE, url(rel->holder, h0),
                     S("!%s; _links.%s = '/api/%s/%s/%s'", rel->name, rel->name, H, key_text(rel->holder, h0), rel->name));
        }
        /* two hops ending here */
        for (size_t j = 0; j < NRELS; j++) {
            const mx_rel *first = &RELS[j];
            if (first->target != rel->holder) continue;
            const mx_rel *two[] = {first, rel};
            include_as(who, res, S("/api/%s?include=%s.%s", RES[first->holder].name, first->name, rel->name),
                       first->holder, -1, two, 2);
        }
    }
}

START_TEST(includes)
{
    for (int res = FIRST_FILTERED; res < NRES; res++)
        for (int who = 0; who < NWHO; who++) include_cases(who, res);
    rt_strs_free();
}
END_TEST

/* ------------------------------------------------------------ sub-resources */

/* The first holder row who sees that is (want) or is not (!want) linked to target row t. */
static int holder_with(int who, const mx_rel *rel, int t, bool want)
{
    for (int h = 0; h < RES[rel->holder].nrows; h++)
        if (visible(who, rel->holder, h) && rel->linked(h, t) == want) return h;
    return -1;
}

static void sub_resource_cases(int who, int res)
{
    int t = theirs(who), them = who == BOB ? ALICE : BOB;
    const char *pk = RES[res].pk;
    for (size_t i = 0; i < NRELS; i++) {
        const mx_rel *rel = &RELS[i];
        if (rel->target != res) continue;
        int want[NROWS];
        for (int h = 0; h < RES[rel->holder].nrows; h++) {
            const char *sub = S("%s/%s", url(rel->holder, h), rel->name);
            if (!visible(who, rel->holder, h)) {
                check_as(who, res, P_SUBRESOURCE, sub, "404"); /* the holder is someone else's */
                if (rel->to_many && rel->writable) {
                    check_as(who, res, P_SUBRESOURCE, S("POST %s %s", sub, J(new_obj(res, who, 1))), "404; @unchanged");
                    check_as(who, res, P_SUBRESOURCE, S("DELETE %s/%s", sub, key_text(res, mine(who))),
                             "404; @unchanged");
                }
                continue;
            }
            int k = members(who, rel, h, want);
            if (rel->to_many)
                check_as(who, res, P_SUBRESOURCE, S("%s?fields=%s", sub, pk),
                         S("data[].%s = %s", pk, J(keys_of(res, want, k))));
            else
                check_as(who, res, P_SUBRESOURCE, sub, k ? S("%s = %s", pk, J(key_json(res, want[0]))) : "@body = null");
        }
        if (!rel->to_many) continue;
        int hv = holder_with(who, rel, t, true), hn = holder_with(who, rel, t, false);
        ck_assert_int_ge(hv, 0);
        const char *sub = S("%s/%s", url(rel->holder, hv), rel->name);
        int k = members(who, rel, hv, want);
        check_as(who, res, P_SUBRESOURCE, S("%s?count=exact&limit=0", sub), S("meta.total = %d", k));
        check_as(who, res, P_SUBRESOURCE, S("%s?filter=%s", sub, J(json_pack("{so}", pk, key_json(res, t)))),
                 S("data # %d", visible(who, res, t)));
        check_as(who, res, P_SUBRESOURCE, S("%s?%s=%s", sub, RES[res].owner, their_sub(who)),
                 S("data # %d", visible(who, res, t)));
        walk_as(who, res, P_SUBRESOURCE, S("%s?limit=1", sub), res, keys_of(res, want, k));
        if (who == ADMIN || !rel->writable) continue;
        /* link theirs where it is not, and where it already is: not found, nothing written */
        if (hn >= 0)
            check_as(who, res, P_SUBRESOURCE, S("POST %s/%s %s", url(rel->holder, hn), rel->name, J(ref(res, t))),
                     "422; @unchanged");
        check_as(who, res, P_SUBRESOURCE, S("POST %s %s", sub, J(ref(res, t))), "422; @unchanged");
        check_as(who, res, P_SUBRESOURCE, S("POST %s %s", sub, J(with(ref(res, t), RES[res].text, json_string("x")))),
                 "422; @unchanged");
        if (nested_creatable(res))
            check_as(who, res, P_SUBRESOURCE, S("POST %s %s", sub, J(new_obj(res, them, 1))), "403; @unchanged");
        check_as(who, res, P_SUBRESOURCE, S("DELETE %s/%s", sub, key_text(res, t)), "404; @unchanged");
        check_as(who, res, P_SUBRESOURCE, S("DELETE %s/%s", sub, res == DOCS ? "d99" : "99"), "404; @unchanged");
    }
}

START_TEST(sub_resources)
{
    for (int res = FIRST_FILTERED; res < NRES; res++)
        for (int who = 0; who < NWHO; who++) sub_resource_cases(who, res);
    rt_strs_free();
}
END_TEST

/* ------------------------------------------------------------ relationship filters */

typedef enum {
    F_ANY_ROW, F_ANY, F_NONE, F_EVERY_MINE, F_NONE_THEIRS, F_DOT_OWNER, F_DOT_ROW, F_DOT_TEXT, F_NOT_ANY_THEIRS,
    F_HAS_ROW, F_HAS, F_IS_NULL, F_IS_NOT_NULL, F_NULL, F_NOT_HAS_THEIRS, NSHAPES
} f_shape;

/* The filter of a shape through rel, as who would write it. */
static json_t *shape_filter(int who, const mx_rel *rel, f_shape f)
{
    int res = rel->target, t = theirs(who);
    const mx_res *T = &RES[res];
    const char *r = rel->name, *theirs_sub = their_sub(who);
    switch (f) {
    case F_ANY_ROW: return json_pack("{s{s{so}}}", r, "any", T->pk, key_json(res, t));
    case F_ANY: return json_pack("{s{s{}}}", r, "any");
    case F_NONE: return json_pack("{s{s{}}}", r, "none");
    case F_EVERY_MINE: return json_pack("{s{s{ss}}}", r, "every", T->owner, my_sub(who));
    case F_NONE_THEIRS: return json_pack("{s{s{ss}}}", r, "none", T->owner, theirs_sub);
    case F_DOT_OWNER: return json_pack("{ss}", S("%s.%s", r, T->owner), theirs_sub);
    case F_DOT_ROW: return json_pack("{so}", S("%s.%s", r, T->pk), key_json(res, t));
    case F_DOT_TEXT: return json_pack("{ss}", S("%s.%s", r, T->text), text_of(res, t));
    case F_NOT_ANY_THEIRS: return json_pack("{s{s{s{ss}}}}", "not", r, rel->to_many ? "any" : "has", T->owner, theirs_sub);
    case F_HAS_ROW: return json_pack("{s{s{so}}}", r, "has", T->pk, key_json(res, t));
    case F_HAS: return json_pack("{s{s{}}}", r, "has");
    case F_IS_NULL: return json_pack("{s{sb}}", r, "is_null", 1);
    case F_IS_NOT_NULL: return json_pack("{s{sb}}", r, "is_null", 0);
    case F_NULL: return json_pack("{sn}", r);
    case F_NOT_HAS_THEIRS: return json_pack("{s{s{s{ss}}}}", "not", r, "has", T->owner, theirs_sub);
    default: return NULL;
    }
}

static bool shape_fits(const mx_rel *rel, f_shape f)
{
    if (f <= F_NOT_ANY_THEIRS) return rel->to_many ? true : f >= F_DOT_OWNER && f <= F_DOT_TEXT;
    return !rel->to_many && f != F_NOT_ANY_THEIRS;
}

/* Whether holder row h matches shape f for who, from the rows of rel it sees. */
static bool shape_matches(int who, const mx_rel *rel, int h, f_shape f)
{
    int m[NROWS];
    int k = members(who, rel, h, m), t = theirs(who), res = rel->target;
    int mine_owner = who == BOB ? BOB : ALICE, their_owner = 1 - mine_owner;
    bool has_t = false, all_mine = true, some_theirs = false;
    for (int i = 0; i < k; i++) {
        has_t |= m[i] == t;
        all_mine &= owner_of(res, m[i]) == mine_owner;
        some_theirs |= owner_of(res, m[i]) == their_owner;
    }
    switch (f) {
    case F_ANY_ROW: case F_DOT_ROW: case F_DOT_TEXT: case F_HAS_ROW: return has_t;
    case F_ANY: case F_HAS: case F_IS_NOT_NULL: return k > 0;
    case F_NONE: case F_IS_NULL: case F_NULL: return k == 0;
    case F_EVERY_MINE: return all_mine;
    case F_NONE_THEIRS: case F_NOT_ANY_THEIRS: case F_NOT_HAS_THEIRS: return !some_theirs;
    case F_DOT_OWNER: return some_theirs;
    default: return false;
    }
}

static void filter_cases(int who, int res)
{
    for (size_t i = 0; i < NRELS; i++) {
        const mx_rel *rel = &RELS[i];
        if (rel->target != res) continue;
        const mx_res *H = &RES[rel->holder];
        for (f_shape f = 0; f < NSHAPES; f++) {
            if (!shape_fits(rel, f)) continue;
            int rows[NROWS], n = 0;
            for (int h = 0; h < H->nrows; h++)
                if (visible(who, rel->holder, h) && shape_matches(who, rel, h, f)) rows[n++] = h;
            const char *filter = J(shape_filter(who, rel, f));
            check_as(who, res, P_FILTER, S("/api/%s?fields=%s&filter=%s", H->name, H->pk, filter),
                     S("data[].%s = %s", H->pk, J(keys_of(rel->holder, rows, n))));
            if (f == F_DOT_OWNER || f == F_ANY)
                check_as(who, res, P_FILTER, S("/api/%s?count=exact&limit=0&filter=%s", H->name, filter),
                         S("meta.total = %d", n));
        }
    }
}

START_TEST(relationship_filters)
{
    for (int res = FIRST_FILTERED; res < NRES; res++)
        for (int who = 0; who < NWHO; who++) filter_cases(who, res);
    rt_strs_free();
}
END_TEST

/* ------------------------------------------------------------ sort through to-one paths */

/* The text that sorting holder row h by chain sees (NULL when a hop is
 * null or outside its row filter). */
static const char *sort_value(int who, const mx_rel *const *chain, size_t n, int h)
{
    int row = h;
    for (size_t i = 0; i < n; i++) {
        int m[NROWS];
        if (!members(who, chain[i], row, m)) return NULL;
        row = m[0];
    }
    return text_of(chain[n - 1]->target, row);
}

/* The holder rows who sees, by the text at the end of chain (NULL first
 * ascending, last descending), ties by key. */
static json_t *sorted_holders(int who, const mx_rel *const *chain, size_t n, int dir)
{
    int holder = chain[0]->holder, rows[NROWS], k = rows_seen(who, holder, rows);
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0; j--) {
            const char *a = sort_value(who, chain, n, rows[j - 1]), *b = sort_value(who, chain, n, rows[j]);
            int c = !a ? (b ? -1 : 0) : !b ? 1 : strcmp(a, b);
            if (c * dir <= 0) break;
            int x = rows[j];
            rows[j] = rows[j - 1], rows[j - 1] = x;
        }
    return keys_of(holder, rows, k);
}

static void sort_chain(int who, int res, const mx_rel *const *chain, size_t n)
{
    const mx_res *H = &RES[chain[0]->holder];
    const char *path = n == 1 ? chain[0]->name : S("%s.%s", chain[0]->name, chain[1]->name);
    const char *by = S("%s.%s", path, RES[res].text);
    for (int dir = 1; dir >= -1; dir -= 2) {
        const char *sort = S("%s%s", dir < 0 ? "-" : "", by);
        check_as(who, res, P_SORT, S("/api/%s?sort=%s&fields=%s", H->name, sort, H->pk),
                 S("data[].%s = %s", H->pk, J(sorted_holders(who, chain, n, dir))));
        walk_as(who, res, P_SORT, S("/api/%s?sort=%s&limit=1&fields=%s", H->name, sort, H->pk), chain[0]->holder,
                sorted_holders(who, chain, n, dir));
    }
}

static void sort_cases(int who, int res)
{
    for (size_t i = 0; i < NRELS; i++) {
        const mx_rel *rel = &RELS[i];
        if (rel->target != res || rel->to_many) continue;
        sort_chain(who, res, (const mx_rel *const[]){rel}, 1);
        for (size_t j = 0; j < NRELS; j++)
            if (RELS[j].target == rel->holder && !RELS[j].to_many)
                sort_chain(who, res, (const mx_rel *const[]){&RELS[j], rel}, 2);
    }
}

START_TEST(sorts)
{
    for (int res = FIRST_FILTERED; res < NRES; res++)
        for (int who = 0; who < NWHO; who++) sort_cases(who, res);
    rt_strs_free();
}
END_TEST

/* ------------------------------------------------------------ batches */

static json_t *op(const char *method, const char *path, json_t *body)
{
    json_t *o = json_pack("{ssss}", "method", method, "path", path);
    if (body) json_object_set_new(o, "body", body);
    return o;
}

static void batch_as(int who, int res, int method, json_t *ops, const char *expect)
{
    rt_response *r = send_as(who, res, P_BATCH, method, S("POST /api/_batch %s", J(json_pack("{so}", "operations", ops))),
                             expect);
    if (r) rt_response_free(r);
}

static void batch_cases(int who, int res)
{
    const mx_res *R = &RES[res];
    int m = mine(who), t = theirs(who), them = who == BOB ? ALICE : BOB, all[NROWS];
    int n = rows_seen(who, res, all);
    const char *other = url(res, t);
    batch_as(who, res, M_GET, json_pack("[o]", op("GET", S("/api/%s?fields=%s", R->name, R->pk), NULL)),
             S("results.0.status = 200; results.0.body.data[].%s = %s", R->pk, J(keys_of(res, all, n))));
    batch_as(who, res, M_GET, json_pack("[o]", op("GET", other, NULL)),
             visible(who, res, t) ? "results.0.status = 200" : "404 /operations/0");
    if (who == ADMIN) return;
    batch_as(who, res, M_PATCH, json_pack("[o]", op("PATCH", other, json_pack("{ss}", R->text, "mine"))),
             "404 /operations/0; @unchanged");
    batch_as(who, res, M_PUT, json_pack("[o]", op("PUT", other, with(row_obj(res, t, false), R->owner, json_string(SUB[who])))),
             "404 /operations/0; @unchanged");
    batch_as(who, res, M_DELETE, json_pack("[o]", op("DELETE", other, NULL)), "404 /operations/0; @unchanged");
    batch_as(who, res, M_POST, json_pack("[o]", op("POST", S("/api/%s", R->name), new_obj(res, them, 1))),
             "403 /operations/0; @unchanged");
    /* a first operation that succeeds is rolled back with the batch */
    batch_as(who, res, M_DELETE,
             json_pack("[oo]", op("PATCH", url(res, m), json_pack("{ss}", R->text, "changed")), op("DELETE", other, NULL)),
             "404 /operations/1; @unchanged");
    batch_as(who, res, M_PATCH,
             json_pack("[oo]", op("POST", S("/api/%s", R->name), new_obj(res, who, 1)),
                       op("PATCH", other, json_pack("{ss}", R->text, "mine"))),
             "404 /operations/1; @unchanged");
    batch_as(who, res, M_GET,
             json_pack("[oo]", op("PATCH", url(res, m), json_pack("{ss}", R->text, "changed")), op("GET", other, NULL)),
             "404 /operations/1; @unchanged");
    /* sub-resources and nested writes inside a batch */
    for (size_t i = 0; i < NRELS; i++) {
        const mx_rel *rel = &RELS[i];
        if (rel->target != res || !rel->to_many || !rel->writable) continue;
        int hv = holder_with(who, rel, t, true), hn = holder_with(who, rel, t, false), w[NROWS];
        int k = members(who, rel, hv, w);
        const char *sub = S("%s/%s", url(rel->holder, hv), rel->name);
        batch_as(who, res, M_GET, json_pack("[o]", op("GET", sub, NULL)),
                 S("results.0.body.data[].%s = %s", R->pk, J(keys_of(res, w, k))));
        batch_as(who, res, M_DELETE, json_pack("[o]", op("DELETE", S("%s/%s", sub, key_text(res, t)), NULL)),
                 "404 /operations/0; @unchanged");
        if (hn >= 0)
            batch_as(who, res, M_POST, json_pack("[o]", op("POST", S("%s/%s", url(rel->holder, hn), rel->name), ref(res, t))),
                     "422 /operations/0/body; @unchanged");
        json_t *coll = keys_of(res, NULL, 0);
        for (int j = 0; j < k; j++) json_array_append_new(coll, ref(res, w[j]));
        json_array_append_new(coll, ref(res, t));
        batch_as(who, res, M_PATCH, json_pack("[o]", op("PATCH", url(rel->holder, hv), json_pack("{so}", rel->name, coll))),
                 S("422 /operations/0/body/%s/%d; @unchanged", rel->name, k));
    }
}

START_TEST(batches)
{
    for (int res = FIRST_FILTERED; res < NRES; res++)
        for (int who = 0; who < NWHO; who++) batch_cases(who, res);
    rt_strs_free();
}
END_TEST

/* ------------------------------------------------------------ nested writes */

/* [{pk} of each row who sees in holder h's rel] (+ extra, stolen, when not NULL) */
static json_t *collection(int who, const mx_rel *rel, int h, json_t *extra)
{
    int w[NROWS];
    int k = members(who, rel, h, w);
    json_t *a = json_array();
    for (int i = 0; i < k; i++) json_array_append_new(a, ref(rel->target, w[i]));
    if (extra) json_array_append_new(a, extra);
    return a;
}

/* "METHOD url BODY": base (stolen; NULL: {}) with rel set to v (stolen). */
static const char *body_with(const char *method, const char *u, json_t *base, const char *rel, json_t *v)
{
    return S("%s %s %s", method, u, J(with(base ? base : json_object(), rel, v)));
}

/* {pk} of target row t with column col set to text (a nested update). */
static json_t *ref_set(int res, int t, const char *col, const char *text)
{
    return with(ref(res, t), col, json_string(text));
}

static void nested_to_many(int who, const mx_rel *rel)
{
    int res = rel->target, t = theirs(who), them = who == BOB ? ALICE : BOB, w[NROWS];
    const mx_res *T = &RES[res];
    const char *r = rel->name, *coll = S("/api/%s", RES[rel->holder].name);
    int hv = holder_with(who, rel, t, true), hn = holder_with(who, rel, t, false);
    int kv = members(who, rel, hv, w);
    const char *uv = url(rel->holder, hv), *at_kv = S("422 /%s/%d; @unchanged", r, kv);
    /* link theirs: into a new holder, into one without it, into one with it */
    check_as(who, res, P_NESTED, body_with("POST", coll, new_obj(rel->holder, who, 1), r, json_pack("[o]", ref(res, t))),
             S("422 /%s/0; @unchanged", r));
    if (hn >= 0) {
        int wn[NROWS], kn = members(who, rel, hn, wn);
        const char *un = url(rel->holder, hn), *at_kn = S("422 /%s/%d; @unchanged", r, kn);
        check_as(who, res, P_NESTED, body_with("PATCH", un, NULL, r, collection(who, rel, hn, ref(res, t))), at_kn);
        check_as(who, res, P_NESTED,
                 body_with("PUT", un, row_obj(rel->holder, hn, false), r, collection(who, rel, hn, ref(res, t))), at_kn);
    }
    check_as(who, res, P_NESTED, body_with("PUT", uv, row_obj(rel->holder, hv, false), r, collection(who, rel, hv, ref(res, t))),
             at_kv);
    /* update theirs through the holder, or claim it */
    check_as(who, res, P_NESTED,
             body_with("PATCH", uv, NULL, r, collection(who, rel, hv, ref_set(res, t, T->text, "mine"))), at_kv);
    check_as(who, res, P_NESTED,
             body_with("PATCH", uv, NULL, r, collection(who, rel, hv, ref_set(res, t, T->owner, SUB[who]))), at_kv);
    /* create one for them, or give one of one's own away */
    if (nested_creatable(res))
        check_as(who, res, P_NESTED,
                 body_with("POST", coll, new_obj(rel->holder, who, 1), r, json_pack("[o]", new_obj(res, them, 2))),
                 "403; @unchanged");
    if (kv)
        check_as(who, res, P_NESTED, body_with("PATCH", uv, NULL, r, json_pack("[o]", ref_set(res, w[0], T->owner, SUB[them]))),
                 "403; @unchanged");
    /* replace a collection holding theirs with what one sees of it: theirs stays, nothing changes */
    check_as(who, res, P_NESTED, body_with("PATCH", uv, NULL, r, collection(who, rel, hv, NULL)),
             S("%s[].%s = %s; @unchanged", r, T->pk, J(keys_of(res, w, kv))));
    check_as(who, res, P_NESTED, body_with("PUT", uv, row_obj(rel->holder, hv, false), r, collection(who, rel, hv, NULL)),
             "200; @unchanged");
    /* a holder of theirs */
    for (int h = 0; h < RES[rel->holder].nrows; h++)
        if (!visible(who, rel->holder, h))
            check_as(who, res, P_NESTED, body_with("PATCH", url(rel->holder, h), NULL, r, json_array()), "404; @unchanged");
}

static void nested_to_one(int who, const mx_rel *rel)
{
    int res = rel->target, t = theirs(who), m = mine(who), them = who == BOB ? ALICE : BOB;
    const mx_res *T = &RES[res];
    const char *r = rel->name, *coll = S("/api/%s", RES[rel->holder].name), *at_r = S("422 /%s; @unchanged", r);
    /* a holder pointing at one's own row, and one pointing at theirs */
    int hm = holder_with(who, rel, m, true), ht = holder_with(who, rel, t, true);
    check_as(who, res, P_NESTED, body_with("POST", coll, without(new_obj(rel->holder, who, 1), rel->fk), r, ref(res, t)),
             at_r);
    if (nested_creatable(res))
        check_as(who, res, P_NESTED,
                 body_with("POST", coll, without(new_obj(rel->holder, who, 1), rel->fk), r, new_obj(res, them, 2)),
                 "403; @unchanged");
    if (hm < 0) return;
    const char *um = url(rel->holder, hm);
    check_as(who, res, P_NESTED, body_with("PATCH", um, NULL, r, ref(res, t)), at_r);
    check_as(who, res, P_NESTED, body_with("PUT", um, without(row_obj(rel->holder, hm, false), rel->fk), r, ref(res, t)),
             at_r);
    check_as(who, res, P_NESTED, body_with("PATCH", um, NULL, r, ref_set(res, t, T->text, "mine")), at_r);
    if (ht >= 0)
        check_as(who, res, P_NESTED, body_with("PATCH", url(rel->holder, ht), NULL, r, ref_set(res, t, T->text, "mine")),
                 at_r);
    check_as(who, res, P_NESTED, body_with("PATCH", um, NULL, r, ref_set(res, m, T->owner, SUB[them])), "403; @unchanged");
    /* control: the same through one's own row */
    check_as(who, res, P_NESTED, body_with("PATCH", um, NULL, r, ref_set(res, m, T->text, text_of(res, m))),
             S("%s.%s = %s; @unchanged", r, T->pk, J(key_json(res, m))));
}

START_TEST(nested_writes)
{
    for (int res = FIRST_FILTERED; res < NRES; res++)
        for (int who = ALICE; who <= BOB; who++)
            for (size_t i = 0; i < NRELS; i++) {
                if (RELS[i].target != res || !RELS[i].writable) continue;
                if (RELS[i].to_many) nested_to_many(who, &RELS[i]);
                else nested_to_one(who, &RELS[i]);
            }
    rt_strs_free();
}
END_TEST

/* Replacing a collection with fewer rows detaches only what one sees:
 * theirs stay in it (the admin sees them), and putting back what one saw
 * restores the database as it was. */
START_TEST(replacing_collections_spares_theirs)
{
    for (size_t i = 0; i < NRELS; i++) {
        const mx_rel *rel = &RELS[i];
        if (!rel->to_many || !rel->writable) continue;
        for (int who = ALICE; who <= BOB; who++) {
            int res = rel->target, hv = holder_with(who, rel, theirs(who), true), w[NROWS];
            const char *uv = url(rel->holder, hv), *pk = RES[res].pk;
            int k = members(ADMIN, rel, hv, w), left[NROWS], nleft = 0;
            for (int j = 0; j < k; j++)
                if (!visible(who, res, w[j])) left[nleft++] = w[j];
            check_as(who, res, P_NESTED, S("PATCH %s %s", uv, J(json_pack("{s[]}", rel->name))), S("%s # 0", rel->name));
            check_as(ADMIN, res, P_NESTED, S("%s?include=%s", uv, rel->name),
                     S("%s[].%s = %s", rel->name, pk, J(keys_of(res, left, nleft))));
            check_as(who, res, P_NESTED, S("PATCH %s %s", uv, J(json_pack("{so}", rel->name, collection(who, rel, hv, NULL)))),
                     "200");
            char *now = rt_db_fingerprint(&mx);
            ck_assert_msg(!strcmp(now, seeded), "after %s put back %s of %s, the database differs from the seed",
                          SUB[who], rel->name, uv);
            free(now);
        }
    }
    rt_strs_free();
}
END_TEST

/* Deleting a parent sets its children's foreign keys to NULL (no delete
 * cascade on teams): a team holding rows of the other user cannot be
 * deleted (409, nothing written, theirs untouched), even one that looks
 * empty; one holding only one's own rows can, and putting it back as it
 * was restores the seed. */
START_TEST(deleting_a_parent_spares_theirs)
{
    for (int who = ALICE; who <= BOB; who++) {
        int own_team = who == ALICE ? 1 : 2, their_team = who == ALICE ? 2 : 1; /* rows of team 2 and 3 */
        rt_check(&mx, rt_as(TOKEN[who], "DELETE /api/teams/1"), "409; @unchanged");
        rt_check(&mx, rt_as(TOKEN[who], S("DELETE %s", url(TEAMS, their_team))), "409; @unchanged");
        rt_check(&mx, rt_as(TOKEN[who], S("%s?include=projects,tasks,docs", url(TEAMS, their_team))),
                 "projects # 0; tasks # 0; docs # 0");
        rt_check(&mx, rt_as(TOKEN[who], S("DELETE %s", url(TEAMS, own_team))), "204");
        json_t *team = row_obj(TEAMS, own_team, true);
        for (size_t i = 0; i < NRELS; i++)
            if (RELS[i].holder == TEAMS && RELS[i].writable)
                json_object_set_new(team, RELS[i].name, collection(who, &RELS[i], own_team, NULL));
        rt_check(&mx, rt_as(TOKEN[who], S("POST /api/teams %s", J(team))), "201");
        char *now = rt_db_fingerprint(&mx);
        ck_assert_msg(!strcmp(now, seeded), "%s put back team %d, and the database differs from the seed", SUB[who],
                      own_team + 1);
        free(now);
    }
    rt_strs_free();
}
END_TEST

/* ------------------------------------------------------------ foreign-key columns */

/* Writing a foreign-key column links as a nested {pk} does: a row outside
 * the target's row filter must answer as a key that does not exist (no
 * existence oracle, SPEC §6), both refused with nothing written. */
static void fk_pair(int who, int res, const char *method, const char *path, json_t *body_missing, json_t *body_theirs)
{
    const char *missing = J(body_missing), *their = J(body_theirs);
    int m = method_of(S("%s /", method));
    cells[res][P_FK][m] += 2;
    if (dry) return;
    const char *auth[] = {S("Authorization: Bearer %s", TOKEN[who]), NULL};
    char *before = rt_db_fingerprint(&mx);
    rt_response *a = rt_request(&mx, method, path, missing, NULL, auth);
    ck_assert_msg(a->status >= 400, "%s %s %s as %s: %ld, a key that does not exist accepted", method, path, missing,
                  SUB[who], a->status);
    rt_response *b = rt_request(&mx, method, path, their, NULL, auth);
    char *after = rt_db_fingerprint(&mx);
    ck_assert_msg(b->status == a->status,
                  "%s %s as %s: %s answers %ld but %s answers %ld: a row outside the row filter is told from one "
                  "that does not exist: %.300s",
                  method, path, SUB[who], their, b->status, missing, a->status, b->body);
    ck_assert_msg(!strcmp(before, after), "%s %s %s as %s wrote something", method, path, their, SUB[who]);
    free(before), free(after);
    rt_response_free(a), rt_response_free(b);
}

static void fk_cases(int who, const mx_rel *rel)
{
    int res = rel->target, t = theirs(who), hm = holder_with(who, rel, mine(who), true);
    const char *H = RES[rel->holder].name, *um = url(rel->holder, hm);
    json_t *none = res == DOCS ? json_string("d99") : json_integer(99);
    fk_pair(who, res, "PATCH", um, json_pack("{sO}", rel->fk, none), json_pack("{so}", rel->fk, key_json(res, t)));
    fk_pair(who, res, "PUT", um, with(row_obj(rel->holder, hm, false), rel->fk, json_deep_copy(none)),
            with(row_obj(rel->holder, hm, false), rel->fk, key_json(res, t)));
    fk_pair(who, res, "POST", S("/api/%s", H), with(new_obj(rel->holder, who, 1), rel->fk, json_deep_copy(none)),
            with(new_obj(rel->holder, who, 1), rel->fk, key_json(res, t)));
    json_decref(none);
}

START_TEST(foreign_key_columns)
{
    for (size_t i = 0; i < NRELS; i++)
        if (!RELS[i].to_many && RELS[i].writable)
            for (int who = ALICE; who <= BOB; who++) fk_cases(who, &RELS[i]);
    rt_strs_free();
}
END_TEST

/* ------------------------------------------------------------ the matrix itself */

/* Every generator once more, counting instead of sending: the size of the
 * matrix per resource × access path × method, printed; no cell the issue
 * names may be empty. */
START_TEST(matrix_is_complete)
{
    dry = true;
    memset(cells, 0, sizeof cells);
    for (int res = FIRST_FILTERED; res < NRES; res++)
        for (int who = 0; who < NWHO; who++) {
            object_cases(who, res), list_cases(who, res), include_cases(who, res), sub_resource_cases(who, res);
            filter_cases(who, res), sort_cases(who, res), batch_cases(who, res);
        }
    for (int res = FIRST_FILTERED; res < NRES; res++)
        for (int who = ALICE; who <= BOB; who++)
            for (size_t i = 0; i < NRELS; i++) {
                if (RELS[i].target != res || !RELS[i].writable) continue;
                if (RELS[i].to_many) nested_to_many(who, &RELS[i]);
                else nested_to_one(who, &RELS[i]), fk_cases(who, &RELS[i]);
            }
    int total = 0;
    printf("access matrix (OWASP API1), cases per resource x access path x method:\n");
    for (int res = FIRST_FILTERED; res < NRES; res++) {
        printf("  %-10s %-22s %6s %6s %6s %6s %6s\n", RES[res].name, "", "GET", "POST", "PUT", "PATCH", "DELETE");
        for (int p = 0; p < NPATHS; p++) {
            printf("  %-10s %-22s", "", PATH_NAME[p]);
            for (int m = 0; m < NMETHODS; m++) {
                int c = cells[res][p][m];
                total += c;
                printf(" %6d", c);
                ck_assert_msg(c > 0 || !(REQUIRED[p] & B(m)), "no %s case for %s through %s", METHOD_NAME[m],
                              RES[res].name, PATH_NAME[p]);
            }
            printf("\n");
        }
    }
    printf("access matrix: %d cases (%d resources with a row filter, %d access paths, %d methods, 3 users)\n", total,
           NRES - FIRST_FILTERED, NPATHS, NMETHODS);
    fflush(stdout);
    ck_assert_int_gt(total, 0);
    dry = false;
    rt_strs_free();
}
END_TEST

Suite *http_access_matrix_suite(void)
{
    Suite *s = suite_create("http_access_matrix");
    TS_TCASE(s, "matrix", mx_start, mx_stop, 300, object_urls, lists, includes, sub_resources, relationship_filters,
             sorts, batches, nested_writes, replacing_collections_spares_theirs, deleting_a_parent_spares_theirs,
             matrix_is_complete,
             foreign_key_columns);
    return s;
}
