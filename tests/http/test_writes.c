/* test_writes.c: the write half of the HTTP API against the real binary
 * (SPEC §3 "Writes", §8 "Requests" and "Responses"): nested writes on
 * POST/PUT/PATCH (create, link by {pk}, update by key + fields, collection
 * replacement with unlink or delete-orphan, many-to-many rows touched only
 * for members that changed), one unit of work per request (all or
 * nothing, parents first, generated keys propagated, self-referential rows
 * and table cycles), UPDATE of changed columns only (checked in the --echo
 * log), DELETE cascades (the seed tutorial's jack, with and without
 * "all, delete-orphan"; a NOT NULL foreign key → 409), collection
 * sub-resources, POST /api/_batch, ETag / If-Match / If-None-Match, the
 * version column and concurrent PATCHes of one versioned row.
 *
 * Servers, one per TCase: "blog" (schemas/blog.json seeded, --echo; each
 * test makes its own rows except the jack test, which deletes jack and
 * wendy), "nocascade" (tests/http/schemas/nocascade.json: users →
 * addresses without cascade, posts with a NOT NULL user_id), "cycle"
 * (tests/http/schemas/cycle.json: users.favorite_address_id ↔
 * addresses.user_id), "tree" (tests/http/schemas/tree.json: an
 * adjacency list with cascade "all") and "tree_orphan"
 * (tests/http/schemas/tree_orphan.json: the same with "all, delete-orphan",
 * as in SQLAlchemy's adjacency_list example). */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/backend.h"
#include "tests/support/rt.h"
#include "tests/support/util.h"

#define BLOG "schemas/blog.json"
#define BLOG_SEED "schemas/blog.seed.json"
#define NOCASCADE "tests/http/schemas/nocascade.json"
#define NOCASCADE_SEED "tests/http/schemas/nocascade.seed.json"
#define CYCLE "tests/http/schemas/cycle.json"
#define TREE "tests/http/schemas/tree.json"
#define TREE_ORPHAN "tests/http/schemas/tree_orphan.json"
/* the mark of the echoed SQL's numbered parameters: ?1 or $1 */
#define P rt_backend_param()

static rt_server blog, noc, cyc, tree, otree;

static const char *const echo_args[] = {"--echo", NULL};

/* Unchecked fixtures run in the runner itself: in fork mode a failed
 * assertion there ends the whole run without a summary. So the teardown
 * only reports a server that did not exit 0 (a crash: its stderr, with any
 * sanitizer report, is printed), and each TCase's last test, server_alive,
 * fails when the server is gone. */
static void stop_reporting(rt_server *s)
{
    int status = rt_server_terminate(s);
    if (status != 0) {
        char *log = rt_server_log(s);
        size_t n = strlen(log);
        fprintf(stderr, "test_writes: restmap exited with status %d after SIGTERM; stderr ends:\n%s\n", status,
                n > 4000 ? log + n - 4000 : log);
        free(log);
    }
    if (s->owns_dir) rt_rmtree(s->dir);
    s->owns_dir = false;
}

static void blog_start(void) { rt_server_start(&blog, BLOG, BLOG_SEED, echo_args); }
static void blog_stop(void) { stop_reporting(&blog); }
static void noc_start(void) { rt_server_start(&noc, NOCASCADE, NOCASCADE_SEED, echo_args); }
static void noc_stop(void) { stop_reporting(&noc); }
static void cyc_start(void) { rt_server_start(&cyc, CYCLE, NULL, echo_args); }
static void cyc_stop(void) { stop_reporting(&cyc); }
static void tree_start(void) { rt_server_start(&tree, TREE, NULL, echo_args); }
static void tree_stop(void) { stop_reporting(&tree); }
static void otree_start(void) { rt_server_start(&otree, TREE_ORPHAN, NULL, echo_args); }
static void otree_stop(void) { stop_reporting(&otree); }

static void assert_alive(const rt_server *s)
{
    rt_response *r = rt_get(s, "/healthz");
    ck_assert_msg(r->status == 200, "the server of this TCase is gone (crashed?): %s", r->body);
    rt_response_free(r);
}

START_TEST(blog_alive) { assert_alive(&blog); }
END_TEST
START_TEST(noc_alive) { assert_alive(&noc); }
END_TEST
START_TEST(cyc_alive) { assert_alive(&cyc); }
END_TEST
START_TEST(tree_alive) { assert_alive(&tree); }
END_TEST

/* ------------------------------------------------------------ helpers */

static long long id_where(const rt_server *s, const char *table, const char *col, const char *value)
{
    char q[512];
    snprintf(q, sizeof q, "SELECT id FROM %s WHERE %s = '%s'", table, col, value);
    return rt_db_int(s, q);
}

/* Create the user name with an address for each email of the
 * NULL-terminated list after ids; the ids of the addresses in ids, in that
 * order. Returns the user's id. */
static long long __attribute__((sentinel)) user_with(const rt_server *s, const char *name, long long *ids, ...)
{
    char body[512];
    const char *email;
    va_list ap;
    size_t k = (size_t)snprintf(body, sizeof body, "{'name': '%s', 'addresses': [", name), n = 0;
    va_start(ap, ids);
    while ((email = va_arg(ap, const char *)))
        k += (size_t)snprintf(body + k, sizeof body - k, "%s{'email_address': '%s'}", n++ ? ", " : "", email);
    va_end(ap);
    snprintf(body + k, sizeof body - k, "]}");
    long long uid = rt_create(s, "POST /api/users %s", body);
    va_start(ap, ids);
    for (n = 0; (email = va_arg(ap, const char *)); n++) ids[n] = id_where(s, "addresses", "email_address", email);
    va_end(ap);
    return uid;
}

/* Where the server log is now; log_since() gives what came after. */
static size_t log_mark(const rt_server *s)
{
    char *log = rt_server_log(s);
    size_t n = strlen(log);
    free(log);
    return n;
}

static char *log_since(const rt_server *s, size_t mark)
{
    char *log = rt_server_log(s);
    size_t n = strlen(log);
    char *out = strdup(mark <= n ? log + mark : "");
    free(log);
    return out;
}

/* Lines of text containing a and (when not NULL) b and c. */
static int count_lines(const char *text, const char *a, const char *b, const char *c)
{
    int n = 0;
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char *line = strndup(p, len);
        if (strstr(line, a) && (!b || strstr(line, b)) && (!c || strstr(line, c))) n++;
        free(line);
        p += len;
        if (*p == '\n') p++;
    }
    return n;
}

/* The first line containing a (malloc'd, "" when none). */
static char *find_line(const char *text, const char *a)
{
    const char *hit = strstr(text, a);
    if (!hit) return strdup("");
    const char *start = hit;
    while (start > text && start[-1] != '\n') start--;
    const char *eol = strchr(hit, '\n');
    return strndup(start, eol ? (size_t)(eol - start) : strlen(start));
}

/* Server-Timing: db;desc="K queries" agrees with the statements the --echo
 * log shows for the request (BEGIN/COMMIT/ROLLBACK not counted). */
static void assert_timing_matches_log(const rt_response *r, const char *log)
{
    const char *h = rt_header(r, "Server-Timing");
    int k = -1;
    ck_assert_msg(h && sscanf(h, "db;desc=\"%d queries\"", &k) == 1, "%s: Server-Timing %s", r->what,
                  h ? h : "(none)");
    int n = count_lines(log, "restmap: SQL ", NULL, NULL) - count_lines(log, "restmap: SQL BEGIN", NULL, NULL) -
            count_lines(log, "restmap: SQL COMMIT", NULL, NULL) - count_lines(log, "restmap: SQL ROLLBACK", NULL, NULL);
    ck_assert_msg(k == n, "%s: Server-Timing says %d queries, the log shows %d:\n%s", r->what, k, n, log);
}

/* ------------------------------------------------------------ the seed tutorial's delete */

#define JACKS_ADDRESSES "SELECT count(*) FROM addresses WHERE email_address IN ('jack@google.com', 'j25@yahoo.com')"

/* "Deleting Jack will delete both Jack and his remaining Address": blog.json
 * has "all, delete-orphan" on User.addresses. First `del jack.addresses[1]`
 * as a PATCH that leaves one address: the other is deleted. */
START_TEST(seed_delete_with_delete_orphan)
{
    rt_assert_sql(&blog, "2", JACKS_ADDRESSES);
    rt_check(&blog, "PATCH /api/users/5 {'addresses': [{'id': 1}]}", "addresses[].id = [1]");
    rt_assert_sql(&blog, "1", JACKS_ADDRESSES);
    rt_assert_sql(&blog, NULL, "SELECT id FROM addresses WHERE id = 2");

    rt_check(&blog, "DELETE /api/users/5", "204 @empty");
    rt_assert_sql(&blog, "0", "SELECT count(*) FROM users WHERE name = 'jack'");
    rt_assert_sql(&blog, "0", JACKS_ADDRESSES);
    rt_check(&blog, "GET /api/users/5", "404");

    /* posts has no delete cascade: wendy's post stays, without an author,
     * with its keywords */
    rt_check(&blog, "DELETE /api/users/2", "204");
    rt_assert_sql(&blog, "NULL", "SELECT user_id FROM posts WHERE id = 1");
    rt_assert_sql(&blog, "2", "SELECT count(*) FROM post_keywords WHERE post_id = 1");
    /* deleting the post deletes its association rows, not the keywords */
    rt_check(&blog, "DELETE /api/posts/1", "204");
    rt_assert_sql(&blog, "0", "SELECT count(*) FROM post_keywords WHERE post_id = 1");
    rt_assert_sql(&blog, "2", "SELECT count(*) FROM keywords WHERE id IN (1, 2)");
}
END_TEST

/* The first half of the tutorial: without a delete cascade, deleting jack
 * sets his addresses' user_id to NULL and keeps them. */
START_TEST(seed_delete_without_cascade)
{
    rt_assert_sql(&noc, "2", "SELECT count(*) FROM addresses WHERE user_id = 5");
    size_t mark = log_mark(&noc);
    rt_check(&noc, "DELETE /api/users/5", "204");
    rt_assert_sql(&noc, "0", "SELECT count(*) FROM users WHERE name = 'jack'");
    rt_assert_sql(&noc, "2", JACKS_ADDRESSES);
    rt_assert_sql(&noc, "2", "SELECT count(*) FROM addresses WHERE id IN (1, 2) AND user_id IS NULL");
    char *log = log_since(&noc, mark);
    ck_assert_msg(count_lines(log, "DELETE FROM \"addresses\"", NULL, NULL) == 0,
                  "addresses were deleted without a delete cascade:\n%s", log);
    free(log);
}
END_TEST

/* ------------------------------------------------------------ nested creates */

/* A user with addresses and posts with new and existing keywords, in one
 * POST: every table checked afterwards. */
START_TEST(nested_create_everything)
{
    long long kw_before = rt_db_int(&blog, "SELECT count(*) FROM keywords");
    size_t mark = log_mark(&blog);
    /* created children embedded; no write_only password in the answer */
    rt_response *r = rt_checked(&blog,
                                "POST /api/users {'name': 'nc', 'fullname': 'Nested Create', 'password': 'pw',"
                                " 'addresses': [{'email_address': 'nc1@x.org'}, {'email_address': 'nc2@x.org'}],"
                                " 'posts': [{'headline': 'nc post 1', 'keywords': [{'id': 2}, {'keyword': 'nc-new'}]},"
                                "           {'headline': 'nc post 2', 'body': 'b', 'keywords': [{'id': 1}]}]}",
                                "201 version = 1; addresses # 2; "
                                "addresses[].email_address = ['nc1@x.org', 'nc2@x.org']; !password");
    long long uid = rt_json_int(r, "id");
    ck_assert_str_eq(rt_header(r, "Location"), rt_fmt("/api/users/%lld", uid));
    rt_assert_wants(r, rt_fmt("addresses[].user_id = [%lld, %lld]", uid, uid)); /* the generated key propagated */
    char *log = log_since(&blog, mark);
    assert_timing_matches_log(r, log);
    free(log);
    /* its ETag is the one GET of its Location answers (the addresses embedded) */
    rt_check(&blog, rt_fmt("/api/users/%lld", uid), rt_fmt("@ETag = %s", rt_header(r, "ETag")));
    rt_response_free(r);

    rt_assert_sql(&blog, "nc|Nested Create|pw|1",
                  "SELECT name || '|' || fullname || '|' || password || '|' || version FROM users WHERE id = %lld", uid);
    rt_assert_sql_list(&blog, "nc1@x.org,nc2@x.org",
                       "SELECT email_address FROM addresses WHERE user_id = %lld ORDER BY id", uid);
    rt_assert_sql(&blog, "2", "SELECT count(*) FROM posts WHERE user_id = %lld", uid);
    long long p1 = id_where(&blog, "posts", "headline", "nc post 1");
    long long p2 = id_where(&blog, "posts", "headline", "nc post 2");
    rt_assert_sql(&blog, rt_fmt("%lld", uid), "SELECT user_id FROM posts WHERE id = %lld", p1);
    rt_assert_sql(&blog, "b", "SELECT body FROM posts WHERE id = %lld", p2);
    long long knew = id_where(&blog, "keywords", "keyword", "nc-new");
    rt_assert_sql(&blog, rt_fmt("%lld", kw_before + 1), "SELECT count(*) FROM keywords");
    rt_assert_sql(&blog, "1", "SELECT count(*) FROM keywords WHERE keyword = 'firstpost'");
    rt_assert_sql_list(&blog, rt_fmt("2,%lld", knew),
                       "SELECT keyword_id FROM post_keywords WHERE post_id = %lld ORDER BY keyword_id", p1);
    rt_assert_sql_list(&blog, "1", "SELECT keyword_id FROM post_keywords WHERE post_id = %lld", p2);

    /* existing keywords were linked, not inserted; the password stays out of the log */
    log = log_since(&blog, mark);
    ck_assert_msg(count_lines(log, "INSERT INTO \"keywords\"", NULL, NULL) == 1, "keyword inserts:\n%s", log);
    ck_assert_msg(ts_inserted_rows(log, "post_keywords") == 3, "association inserts:\n%s", log);
    ck_assert_msg(strstr(log, "'pw'") == NULL, "the write_only password was logged:\n%s", log);
    free(log);

    /* reading it back through the API */
    rt_check(&blog, rt_fmt("/api/posts/%lld?include=keywords,author", p1), rt_fmt("author.id = %lld; keywords # 2", uid));
}
END_TEST

/* A read runs without BEGIN/COMMIT when it is one statement (an object, a
 * page without selectin includes, an aggregate); its several
 * statements (a page and its selectin level, a page and its count, the
 * operations of a batch of reads) run in one transaction; a write always
 * begins one. */
START_TEST(transactions_of_reads_and_writes)
{
    static const struct {
        const char *req, *want;
        int begins;
    } cases[] = {
        {"GET /api/users/1?include=", "200 @queries = 1", 0},
        {"GET /api/users?limit=2&include=", "200 @queries = 1", 0},
        {"GET /api/users/1", "200 @queries = 2", 1}, /* addresses: selectin */
        {"GET /api/users?limit=2", "200 @queries = 2", 1},
        {"GET /api/users?limit=2&include=&count=exact", "200 @queries = 2", 1},
        {"GET /api/users/_aggregate?count=*", "200 @queries = 1", 0},
        {"GET /api/users/1/addresses/_aggregate?count=*", "200 @queries = 1", 0},
        {"POST /api/_batch {'operations': [{'method': 'GET', 'path': '/api/users/1?include='},"
         " {'method': 'GET', 'path': '/api/users/3?include='}]}", "200 @queries = 2", 1},
        {"PATCH /api/users/3?include= {'fullname': 'Mary C'}", "200", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t mark = log_mark(&blog);
        rt_response *r = rt_checked(&blog, cases[i].req, cases[i].want);
        char *log = log_since(&blog, mark);
        assert_timing_matches_log(r, log);
        ck_assert_msg(count_lines(log, "restmap: SQL BEGIN", NULL, NULL) == cases[i].begins &&
                          count_lines(log, "restmap: SQL COMMIT", NULL, NULL) == cases[i].begins,
                      "%s: wanted %d BEGIN/COMMIT:\n%s", cases[i].req, cases[i].begins, log);
        free(log);
        rt_response_free(r);
    }
}
END_TEST

/* A new address has to belong to a user (delete-orphan), as a top-level
 * object; nested under a user it gets its parent. */
START_TEST(pending_orphan_is_422)
{
    rt_check_refused(&blog, "POST /api/addresses {'email_address': 'orphan@x.org'}", "422 /user_id");
}
END_TEST

/* A bulk POST with nested objects: each item's children get its key. */
START_TEST(nested_bulk_create)
{
    rt_response *r = rt_checked(&blog,
                                "POST /api/users [{'name': 'bulk1', 'addresses': [{'email_address': 'b1a@x.org'}]},"
                                " {'name': 'bulk2', 'addresses': [{'email_address': 'b2a@x.org'},"
                                " {'email_address': 'b2b@x.org'}]}]",
                                "201 !@Location"); /* a bulk POST has none */
    long long u1 = rt_json_int(r, "data.0.id"), u2 = rt_json_int(r, "data.1.id");
    rt_response_free(r);
    rt_assert_sql(&blog, "1", "SELECT count(*) FROM addresses WHERE user_id = %lld", u1);
    rt_assert_sql(&blog, "2", "SELECT count(*) FROM addresses WHERE user_id = %lld", u2);
    rt_assert_sql(&blog, rt_fmt("%lld", u2), "SELECT user_id FROM addresses WHERE email_address = 'b2b@x.org'");
}
END_TEST

/* ------------------------------------------------------------ collection replacement */

/* PATCH with a relationship key replaces the collection: a {pk} member is
 * kept (no statement), a key + fields member is updated (only the changed
 * column), a new member inserted, the member that left deleted
 * (delete-orphan). The user's own row is not touched. */
START_TEST(patch_collection_delete_orphan)
{
    long long ids[3];
    long long uid = user_with(&blog, "po", ids, "po-a@x.org", "po-b@x.org", "po-c@x.org", NULL);
    long long a = ids[0], b = ids[1], c = ids[2];
    size_t mark = log_mark(&blog);
    rt_check(&blog,
             rt_fmt("PATCH /api/users/%lld {'addresses': [{'id': %lld}, {'id': %lld, 'email_address': 'po-b2@x.org'},"
                    " {'email_address': 'po-d@x.org'}]}", uid, a, b),
             "addresses # 3; version = 1");
    long long d = id_where(&blog, "addresses", "email_address", "po-d@x.org");
    rt_assert_sql(&blog, NULL, "SELECT id FROM addresses WHERE id = %lld", c);
    rt_assert_sql(&blog, "po-b2@x.org", "SELECT email_address FROM addresses WHERE id = %lld", b);
    rt_assert_sql_list(&blog, rt_fmt("%lld,%lld,%lld", a, b, d),
                       "SELECT id FROM addresses WHERE user_id = %lld ORDER BY id", uid);
    rt_assert_sql(&blog, "1", "SELECT version FROM users WHERE id = %lld", uid);

    char *log = log_since(&blog, mark);
    ck_assert_msg(count_lines(log, "DELETE FROM \"addresses\"", rt_fmt("[%lld]", c), NULL) == 1 &&
                      count_lines(log, "DELETE FROM", NULL, NULL) == 1,
                  "expected one DELETE of address %lld:\n%s", c, log);
    ck_assert_msg(count_lines(log, "UPDATE \"addresses\"", NULL, NULL) == 1, "address UPDATEs:\n%s", log);
    char *up = find_line(log, "UPDATE \"addresses\"");
    ck_assert_msg(strstr(up, rt_fmt("SET \"email_address\" = %s1 WHERE", P)) != NULL,
                  "the UPDATE must set only the changed column: %s", up);
    free(up);
    ck_assert_msg(count_lines(log, "UPDATE \"users\"", NULL, NULL) == 0, "the user was updated:\n%s", log);
    ck_assert_msg(count_lines(log, "INSERT INTO \"addresses\"", NULL, NULL) == 1, "inserts:\n%s", log);
    free(log);

    /* PUT with an empty collection: every member goes (delete-orphan); the
     * user's columns are what they were, so no UPDATE of users either */
    mark = log_mark(&blog);
    rt_check(&blog, rt_fmt("PUT /api/users/%lld {'name': 'po', 'addresses': []}", uid), "addresses # 0");
    rt_assert_sql(&blog, "0", "SELECT count(*) FROM addresses WHERE id IN (%lld, %lld, %lld)", a, b, d);
    log = log_since(&blog, mark);
    ck_assert_msg(count_lines(log, "UPDATE \"users\"", NULL, NULL) == 0, "the user was updated:\n%s", log);
    free(log);

    /* a PUT without the relationship key leaves the collection alone */
    rt_create(&blog, "POST /api/users/%lld/addresses {'email_address': 'po-e@x.org'}", uid);
    rt_check(&blog, rt_fmt("PUT /api/users/%lld {'name': 'po', 'fullname': 'P O'}", uid), "200");
    rt_assert_sql(&blog, "1", "SELECT count(*) FROM addresses WHERE user_id = %lld", uid);
}
END_TEST

/* A {pk} member taken from another user's delete-orphan collection moves
 * (its foreign key changes); it is not deleted. */
START_TEST(patch_collection_moves_member)
{
    long long a1, a2;
    long long u1 = user_with(&blog, "mv1", &a1, "mv1@x.org", NULL);
    long long u2 = user_with(&blog, "mv2", &a2, "mv2@x.org", NULL);
    rt_check(&blog, rt_fmt("PATCH /api/users/%lld {'addresses': [{'id': %lld}, {'id': %lld}]}", u2, a1, a2),
             "addresses # 2");
    rt_assert_sql(&blog, rt_fmt("%lld", u2), "SELECT user_id FROM addresses WHERE id = %lld", a1);
    rt_assert_sql(&blog, "0", "SELECT count(*) FROM addresses WHERE user_id = %lld", u1);
}
END_TEST

/* Without delete-orphan, members that leave are unlinked (FK NULL). */
START_TEST(patch_collection_unlinks)
{
    long long ids[3], uid = user_with(&noc, "ul", ids, "ul-x@x.org", "ul-y@x.org", "ul-z@x.org", NULL);
    size_t mark = log_mark(&noc);
    /* ids[0] stays, ids[1] and ids[2] leave */
    rt_check(&noc, rt_fmt("PATCH /api/users/%lld {'addresses': [{'id': %lld}]}", uid, ids[0]), "addresses # 1");
    for (size_t i = 0; i < 3; i++)
        rt_assert_sql(&noc, i ? "NULL" : rt_fmt("%lld", uid), "SELECT user_id FROM addresses WHERE id = %lld", ids[i]);
    char *log = log_since(&noc, mark);
    ck_assert_msg(count_lines(log, "DELETE FROM", NULL, NULL) == 0, "rows were deleted:\n%s", log);
    ck_assert_msg(count_lines(log, "UPDATE \"addresses\"", NULL, NULL) == 2, "expected 2 unlinking UPDATEs:\n%s",
                  log);
    free(log);

    rt_check(&noc, rt_fmt("PUT /api/users/%lld {'name': 'ul', 'addresses': []}", uid), "200");
    rt_assert_sql(&noc, "3", "SELECT count(*) FROM addresses WHERE id IN (%lld, %lld, %lld) AND user_id IS NULL", ids[0],
                  ids[1], ids[2]);
}
END_TEST

/* Replacing a relationship that is empty now: a user without addresses
 * gets one, an address without a user gets one (to-one slot empty). */
START_TEST(patch_into_empty_relationships)
{
    long long u = rt_create(&noc, "POST /api/users {'name': 'em'}");
    rt_check(&noc, rt_fmt("PATCH /api/users/%lld {'addresses': [{'email_address': 'em1@x.org'}]}", u), "addresses # 1");
    rt_assert_sql(&noc, rt_fmt("%lld", u), "SELECT user_id FROM addresses WHERE email_address = 'em1@x.org'");
    long long a = rt_create(&noc, "POST /api/addresses {'email_address': 'em2@x.org'}");
    rt_check(&noc, rt_fmt("PATCH /api/addresses/%lld {'user': {'id': %lld}}", a, u), "200");
    rt_assert_sql(&noc, rt_fmt("%lld", u), "SELECT user_id FROM addresses WHERE id = %lld", a);
    long long p = rt_create(&noc, "POST /api/posts {'headline': 'em', 'user_id': %lld}", u);
    rt_check(&noc, rt_fmt("PATCH /api/posts/%lld {'author': {'name': 'em-new'}}", p), "200");
    rt_assert_sql(&noc, "em-new", "SELECT u.name FROM posts p JOIN users u ON u.id = p.user_id WHERE p.id = %lld", p);
}
END_TEST

/* ------------------------------------------------------------ many-to-many */

/* Replacing a post's keywords inserts and deletes association rows only
 * for the members that changed. */
START_TEST(many_to_many_replace_touches_only_changes)
{
    long long p = rt_create(&blog, "POST /api/posts {'headline': 'mm', 'keywords': [{'keyword': 'mm-1'},"
                                   " {'keyword': 'mm-2'}, {'keyword': 'mm-3'}]}");
    long long k1 = id_where(&blog, "keywords", "keyword", "mm-1");
    long long k2 = id_where(&blog, "keywords", "keyword", "mm-2");
    long long k3 = id_where(&blog, "keywords", "keyword", "mm-3");
    rt_assert_sql(&blog, "3", "SELECT count(*) FROM post_keywords WHERE post_id = %lld", p);

    size_t mark = log_mark(&blog);
    rt_check(&blog,
             rt_fmt("PATCH /api/posts/%lld {'keywords': [{'id': %lld}, {'id': %lld}, {'keyword': 'mm-4'}, {'id': 2}]}", p, k2,
                    k3),
             "keywords # 4");
    long long k4 = id_where(&blog, "keywords", "keyword", "mm-4");
    char *log = log_since(&blog, mark);
    ck_assert_msg(count_lines(log, "DELETE FROM \"post_keywords\"", NULL, NULL) == 1 &&
                      count_lines(log, "DELETE FROM \"post_keywords\"", rt_fmt("[%lld, %lld]", p, k1), NULL) == 1,
                  "expected exactly one association DELETE, for keyword %lld:\n%s", k1, log);
    /* one statement: the two rows, in the order the request gave them */
    ck_assert_msg(ts_inserted_rows(log, "post_keywords") == 2 &&
                      count_lines(log, "INSERT INTO \"post_keywords\"", rt_fmt("[%lld, %lld, %lld, 2]", p, k4, p), NULL) == 1,
                  "expected association INSERTs for keywords %lld and 2 only:\n%s", k4, log);
    ck_assert_msg(count_lines(log, "DELETE FROM \"keywords\"", NULL, NULL) == 0, "a keyword was deleted:\n%s", log);
    free(log);
    rt_assert_sql_list(&blog, rt_fmt("2,%lld,%lld,%lld", k2, k3, k4),
                       "SELECT keyword_id FROM post_keywords WHERE post_id = %lld ORDER BY keyword_id", p);
    rt_assert_sql(&blog, "1", "SELECT count(*) FROM keywords WHERE id = %lld", k1); /* unlinked, not deleted */

    /* the same members in another order: no association statement at all */
    mark = log_mark(&blog);
    rt_check(&blog,
             rt_fmt("PUT /api/posts/%lld {'headline': 'mm', 'keywords': [{'id': %lld}, {'id': 2}, {'id': %lld}, {'id': %lld}]}",
                    p, k4, k3, k2),
             "200");
    log = log_since(&blog, mark);
    ck_assert_msg(count_lines(log, "\"post_keywords\"", "INSERT", NULL) == 0 &&
                      count_lines(log, "\"post_keywords\"", "DELETE", NULL) == 0 &&
                      count_lines(log, "UPDATE \"posts\"", NULL, NULL) == 0,
                  "an unchanged PUT wrote:\n%s", log);
    free(log);
}
END_TEST

/* ------------------------------------------------------------ changed columns only */

START_TEST(update_only_changed_columns)
{
    long long uid = rt_create(&blog, "POST /api/users {'name': 'uc', 'fullname': 'UC'}");
    const char *path = rt_fmt("/api/users/%lld", uid);
    char upath[64];
    snprintf(upath, sizeof upath, "%s", path);

    size_t mark = log_mark(&blog);
    rt_check(&blog, rt_fmt("PATCH %s {'name': 'uc', 'fullname': 'UC 2'}", upath), "version = 2");
    char *log = log_since(&blog, mark);
    ck_assert_msg(count_lines(log, "UPDATE \"users\"", NULL, NULL) == 1, "user UPDATEs:\n%s", log);
    char *up = find_line(log, "UPDATE \"users\"");
    ck_assert_msg(strstr(up, rt_fmt("SET \"fullname\" = %s1, \"version\" = \"version\" + %s2 WHERE", P, P)) != NULL,
                  "only fullname (and the version) may be SET: %s", up);
    ck_assert_msg(strstr(up, "\"name\" =") == NULL, "the unchanged name was written: %s", up);
    /* the version is checked in the UPDATE's WHERE */
    ck_assert_msg(strstr(up, rt_fmt("AND \"version\" = %s", P)) != NULL, "no version check in the WHERE: %s", up);
    free(up);
    free(log);

    /* nothing changed: no UPDATE, the version stays */
    static const char *const same[] = {"{'fullname': 'UC 2'}", "{'name': 'uc'}", "{}"};
    for (size_t i = 0; i < 3; i++) {
        mark = log_mark(&blog);
        rt_response *r = rt_checked(&blog, rt_fmt("PATCH %s?include= %s", upath, same[i]), "version = 2; @ETag = \"v2\"");
        log = log_since(&blog, mark);
        ck_assert_msg(count_lines(log, "UPDATE", NULL, NULL) == 0, "PATCH %s issued an UPDATE:\n%s", same[i], log);
        assert_timing_matches_log(r, log);
        rt_response_free(r);
        free(log);
    }
    mark = log_mark(&blog);
    rt_check(&blog, rt_fmt("PUT %s {'name': 'uc', 'fullname': 'UC 2'}", upath), "version = 2");
    log = log_since(&blog, mark);
    ck_assert_msg(count_lines(log, "UPDATE", NULL, NULL) == 0, "an unchanged PUT issued an UPDATE:\n%s", log);
    free(log);
    rt_assert_sql(&blog, "2", "SELECT version FROM users WHERE id = %lld", uid);

    /* PUT sets an omitted column to NULL: that is a change */
    mark = log_mark(&blog);
    rt_check(&blog, rt_fmt("PUT %s {'name': 'uc'}", upath), "fullname = null; version = 3");
    log = log_since(&blog, mark);
    up = find_line(log, "UPDATE \"users\"");
    ck_assert_msg(strstr(up, rt_fmt("SET \"fullname\" = %s1, \"version\"", P)) != NULL, "PUT UPDATE: %s", up);
    free(up);
    free(log);
}
END_TEST

/* ------------------------------------------------------------ failing nested writes */

START_TEST(failing_nested_writes_change_nothing)
{
    long long a, uid = user_with(&blog, "fx", &a, "fx-a@x.org", NULL);
    RT_REFUSED(&blog,
        /* a bad value deep in the body: 422 before any SQL */
        {"POST /api/users {'name': 'fx2', 'addresses': [{'email_address': 'a@x.org'}, {'email_address': 'b@x.org'},"
         " {'email_address': null}]}",
         "422 /addresses/2/email_address"},
        /* a wrong type deep in the body: 400 */
        {"POST /api/users {'name': 'fx2', 'posts': [{'headline': 'h', 'keywords': [{'keyword': 5}]}]}",
         "400 /posts/0/keywords/0/keyword"},
        /* a nested {pk} that does not exist: 422 at that object, after the
         * unit had started (rolled back) */
        {"POST /api/users {'name': 'fx2', 'addresses': [{'email_address': 'fx2@x.org'}],"
         " 'posts': [{'headline': 'fx2 post', 'keywords': [{'keyword': 'fx2-new'}, {'id': 99999}]}]}",
         "422 /posts/0/keywords/1"},
        /* a unique violation met by the flush after several INSERTs: 409, all rolled back */
        {"POST /api/users {'name': 'fx2', 'addresses': [{'email_address': 'fx2@x.org'}],"
         " 'posts': [{'headline': 'fx2 post', 'keywords': [{'keyword': 'fx2-new'}, {'keyword': 'firstpost'}]}]}",
         "409"},
        /* a bulk POST whose second item is bad: pointer into that item */
        {"POST /api/users [{'name': 'fx3'}, {'name': 'fx4', 'addresses': [{'email_address': null}]}]",
         "422 /1/addresses/0/email_address"},
    );
    /* a PATCH whose replacement names a missing row: the column change and
     * the collection change are both rolled back */
    rt_check_refused(&blog,
                     rt_fmt("PATCH /api/users/%lld {'fullname': 'changed', 'addresses': "
                            "[{'email_address': 'fx-new@x.org'}, {'id': 99999}]}", uid),
                     "422 /addresses/1");
    /* a nested update (key + fields) of a row that does not exist */
    rt_check_refused(&blog,
                     rt_fmt("PATCH /api/users/%lld {'addresses': [{'id': %lld}, "
                            "{'id': 99999, 'email_address': 'ghost@x.org'}]}", uid, a),
                     "422 /addresses/1");
}
END_TEST

/* ------------------------------------------------------------ collection sub-resources */

START_TEST(collection_sub_resources)
{
    long long a, b;
    long long u = user_with(&blog, "sr", &a, "sr-a@x.org", NULL);
    long long u2 = user_with(&blog, "sr2", &b, "sr2-b@x.org", NULL);

    /* a new member */
    rt_response *r = rt_checked(&blog, rt_fmt("POST /api/users/%lld/addresses {'email_address': 'sr-new@x.org'}", u),
                                rt_fmt("201 user_id = %lld; email_address = 'sr-new@x.org'", u));
    long long n = rt_json_int(r, "id");
    ck_assert_str_eq(rt_header(r, "Location"), rt_fmt("/api/addresses/%lld", n));
    rt_response_free(r);
    rt_assert_sql(&blog, rt_fmt("%lld", u), "SELECT user_id FROM addresses WHERE id = %lld", n);

    /* a linked member (taken from another user) */
    rt_check(&blog, rt_fmt("POST /api/users/%lld/addresses {'id': %lld}", u, b),
             rt_fmt("201 @Location = /api/addresses/%lld; user_id = %lld", b, u));
    rt_assert_sql(&blog, rt_fmt("%lld", u), "SELECT user_id FROM addresses WHERE id = %lld", b);
    rt_assert_sql(&blog, "0", "SELECT count(*) FROM addresses WHERE user_id = %lld", u2);
    rt_assert_sql(&blog, "3", "SELECT count(*) FROM addresses WHERE user_id = %lld", u);

    /* removing a member of a delete-orphan collection deletes it */
    rt_check(&blog, rt_fmt("DELETE /api/users/%lld/addresses/%lld", u, a), "204");
    rt_assert_sql(&blog, NULL, "SELECT id FROM addresses WHERE id = %lld", a);

    /* not a member: 404, nothing changes */
    rt_check_refused(&blog, rt_fmt("DELETE /api/users/%lld/addresses/%lld", u2, n), "404");
    rt_check_refused(&blog, rt_fmt("DELETE /api/users/%lld/addresses/99999", u), "404");

    /* many-to-many: new and linked members, removal deletes only the association row */
    long long p = rt_create(&blog, "POST /api/posts {'headline': 'srp'}");
    r = rt_checked(&blog, rt_fmt("POST /api/posts/%lld/keywords {'keyword': 'sr-kw'}", p), "201");
    long long k = rt_json_int(r, "id");
    ck_assert_str_eq(rt_header(r, "Location"), rt_fmt("/api/keywords/%lld", k));
    rt_response_free(r);
    rt_check(&blog, rt_fmt("POST /api/posts/%lld/keywords {'id': 1}", p), "201 @Location = /api/keywords/1");
    rt_assert_sql_list(&blog, rt_fmt("1,%lld", k),
                       "SELECT keyword_id FROM post_keywords WHERE post_id = %lld ORDER BY keyword_id", p);
    rt_check(&blog, rt_fmt("DELETE /api/posts/%lld/keywords/%lld", p, k), "204");
    rt_assert_sql_list(&blog, "1", "SELECT keyword_id FROM post_keywords WHERE post_id = %lld", p);
    rt_assert_sql(&blog, "sr-kw", "SELECT keyword FROM keywords WHERE id = %lld", k);
}
END_TEST

/* POST /api/{res}/{id}/{rel} with a {pk} naming no row: 422 with a pointer
 * (SPEC §8: a nested {pk} naming a missing row), nothing written. */
START_TEST(collection_link_missing_is_422)
{
    long long u = rt_create(&blog, "POST /api/users {'name': 'srm'}");
    rt_response *r = rt_checked(&blog, rt_fmt("POST /api/users/%lld/addresses {'id': 99999}", u), "422; @unchanged");
    ck_assert_msg(json_array_size(json_object_get(r->json, "errors")) >= 1, "no pointer: %s", r->body);
    rt_response_free(r);
    /* the parent in the URL is what is missing */
    rt_check(&blog, "POST /api/posts/99999/keywords {'id': 1}", "404; @unchanged");
}
END_TEST

/* Without delete-orphan, DELETE of a member unlinks it. */
START_TEST(collection_remove_unlinks)
{
    long long u = rt_create(&noc, "POST /api/users {'name': 'cr'}");
    long long a = rt_create(&noc, "POST /api/users/%lld/addresses {'email_address': 'cr@x.org'}", u);
    rt_check(&noc, rt_fmt("DELETE /api/users/%lld/addresses/%lld", u, a), "204");
    rt_assert_sql(&noc, "NULL", "SELECT user_id FROM addresses WHERE id = %lld", a);
}
END_TEST

/* ------------------------------------------------------------ NOT NULL foreign key */

START_TEST(delete_with_not_null_children_is_409)
{
    long long u = rt_create(&noc,
                            "POST /api/users {'name': 'nn', 'addresses': [{'email_address': 'nn@x.org'}],"
                            " 'posts': [{'headline': 'nn 1'}, {'headline': 'nn 2'}]}");
    rt_assert_sql(&noc, "2", "SELECT count(*) FROM posts WHERE user_id = %lld", u);
    /* the addresses' user_id (set NULL before the posts failed) is back too */
    rt_check_refused(&noc, rt_fmt("DELETE /api/users/%lld", u), "409");
    rt_check(&noc, rt_fmt("GET /api/users/%lld", u), "200");
    /* unlinking a NOT NULL child through the collection is refused as well */
    rt_check_refused(&noc, rt_fmt("PATCH /api/users/%lld {'fullname': 'x', 'posts': []}", u), "409");

    /* once the posts are gone, the DELETE goes through and unlinks the address */
    static const char *const posts[] = {"nn 1", "nn 2"};
    for (size_t i = 0; i < 2; i++)
        rt_check(&noc, rt_fmt("DELETE /api/posts/%lld", id_where(&noc, "posts", "headline", posts[i])), "204");
    rt_check(&noc, rt_fmt("DELETE /api/users/%lld", u), "204");
    rt_assert_sql(&noc, "NULL", "SELECT user_id FROM addresses WHERE email_address = 'nn@x.org'");
}
END_TEST

/* ------------------------------------------------------------ cycles and trees */

/* users.favorite_address_id → addresses and addresses.user_id → users: a
 * user, its favorite address (inserted before it) and its addresses
 * (inserted after it) in one POST. */
START_TEST(cycle_between_tables_in_one_post)
{
    rt_response *r = rt_checked(&cyc,
                                "POST /api/users {'name': 'cu', 'favorite_address': {'email_address': 'fav@x.org'},"
                                " 'addresses': [{'email_address': 'cu1@x.org'}, {'email_address': 'cu2@x.org'}]}",
                                "201 addresses # 2");
    long long u = rt_json_int(r, "id");
    long long f = rt_json_int(r, "favorite_address_id");
    ck_assert_int_eq(rt_json_int(r, "favorite_address.id"), f);
    rt_response_free(r);
    rt_assert_sql(&cyc, "fav@x.org", "SELECT email_address FROM addresses WHERE id = %lld", f);
    rt_assert_sql(&cyc, rt_fmt("%lld", f), "SELECT favorite_address_id FROM users WHERE id = %lld", u);
    rt_assert_sql_list(&cyc, "cu1@x.org,cu2@x.org",
                       "SELECT email_address FROM addresses WHERE user_id = %lld ORDER BY id", u);

    /* the other way in: an address, its new user, that user's new favorite */
    long long a = rt_create(&cyc,
                            "POST /api/addresses {'email_address': 'cv1@x.org', 'user': {'name': 'cv', 'favorite_address':"
                            " {'email_address': 'cvf@x.org'}}}");
    long long v = id_where(&cyc, "users", "name", "cv");
    long long vf = id_where(&cyc, "addresses", "email_address", "cvf@x.org");
    rt_assert_sql(&cyc, rt_fmt("%lld", v), "SELECT user_id FROM addresses WHERE id = %lld", a);
    rt_assert_sql(&cyc, rt_fmt("%lld", vf), "SELECT favorite_address_id FROM users WHERE id = %lld", v);
    rt_assert_foreign_keys(&cyc);
}
END_TEST

/* Two rows referring to each other (the user's favorite address is one of
 * its addresses): deleting the user with its addresses (cascade "all")
 * has to break the cycle (a post-update setting favorite_address_id NULL,
 * as SQLAlchemy's post_update does) and delete all three rows. */
START_TEST(cycle_between_rows_delete)
{
    long long ids[2], u = user_with(&cyc, "cd", ids, "cd1@x.org", "cd2@x.org", NULL), a1 = ids[0];
    rt_check(&cyc, rt_fmt("PATCH /api/users/%lld {'favorite_address': {'id': %lld}}", u, a1),
             rt_fmt("favorite_address_id = %lld", a1));
    rt_assert_sql(&cyc, rt_fmt("%lld", u), "SELECT user_id FROM addresses WHERE id = %lld", a1);

    rt_check(&cyc, rt_fmt("DELETE /api/users/%lld", u), "204");
    rt_assert_sql(&cyc, "0", "SELECT count(*) FROM users WHERE id = %lld", u);
    rt_assert_sql(&cyc, "0", "SELECT count(*) FROM addresses WHERE email_address IN ('cd1@x.org', 'cd2@x.org')");
}
END_TEST

/* A self-referential tree, children nested three levels below the root,
 * inserted row by row (each parent before its children); also a chain of
 * new parents through the many-to-one side; the delete cascade. */
START_TEST(self_referential_tree_in_one_post)
{
    rt_response *r = rt_checked(
        &tree,
        "POST /api/nodes {'name': 'root', 'children': ["
        "  {'name': 'a', 'children': [{'name': 'a1', 'children': [{'name': 'a1x'}, {'name': 'a1y'}]}]},"
        "  {'name': 'b', 'children': [{'name': 'b1', 'children': [{'name': 'b1x'}]}, {'name': 'b2'}]}]}",
        "201 children.0.name = 'a'; children.0.children.0.name = 'a1'; children.0.children.0.children.1.name = 'a1y'");
    long long root = rt_json_int(r, "id");
    rt_response_free(r);
    static const char *const parent_of[][2] = {{"a", "root"}, {"b", "root"}, {"a1", "a"}, {"a1x", "a1"},
                                               {"a1y", "a1"}, {"b1", "b"},   {"b1x", "b1"}, {"b2", "b"}};
    for (size_t i = 0; i < sizeof parent_of / sizeof parent_of[0]; i++) {
        rt_assert_sql(&tree, parent_of[i][1],
                      "SELECT p.name FROM nodes c JOIN nodes p ON p.id = c.parent_id WHERE c.name = '%s'", parent_of[i][0]);
        /* each parent got its key before its children were inserted */
        rt_assert_sql(&tree, "1",
                      "SELECT count(*) FROM nodes c JOIN nodes p ON p.id = c.parent_id "
                      "WHERE c.name = '%s' AND p.id < c.id", parent_of[i][0]);
    }
    rt_assert_sql(&tree, "NULL", "SELECT parent_id FROM nodes WHERE id = %lld", root);
    rt_assert_sql(&tree, "9", "SELECT count(*) FROM nodes");

    /* the many-to-one side: a leaf with its new parent and grandparent */
    rt_check(&tree, "POST /api/nodes {'name': 'leaf', 'parent': {'name': 'mid', 'parent': {'name': 'top'}}}", "201");
    rt_assert_sql(&tree, "top", "SELECT g.name FROM nodes l JOIN nodes m ON m.id = l.parent_id JOIN nodes g ON g.id = "
                  "m.parent_id WHERE l.name = 'leaf'");

    /* deleting the root cascades through every level */
    rt_check(&tree, rt_fmt("DELETE /api/nodes/%lld", root), "204");
    rt_assert_sql(&tree, "3", "SELECT count(*) FROM nodes");
}
END_TEST

/* SQLAlchemy's adjacency_list example: "all, delete-orphan" on a
 * self-referential children collection (tests/http/schemas/tree_orphan.json,
 * what schemas/tree.json was). A root node has no parent by nature; it is
 * not a pending orphan, and SQLAlchemy inserts it. A child nested under a
 * parent has its parent. Removing a child from its parent's collection
 * deletes it and its subtree. */
START_TEST(delete_orphan_tree_accepts_roots)
{
    long long root = rt_create(&otree, "POST /api/nodes {'name': 'r', 'children': [{'name': 'c1', 'children':"
                                       " [{'name': 'g1', 'children': [{'name': 'x'}]}]}, {'name': 'c2'}]}");
    rt_assert_sql(&otree, "5", "SELECT count(*) FROM nodes");
    long long c2 = rt_db_int(&otree, "SELECT id FROM nodes WHERE name = 'c2'");
    rt_check(&otree, rt_fmt("PATCH /api/nodes/%lld {'children': [{'id': %lld}]}", root, c2), "200");
    rt_assert_sql(&otree, "0", "SELECT count(*) FROM nodes WHERE name IN ('c1', 'g1', 'x')");
    rt_assert_sql(&otree, rt_fmt("%lld", root), "SELECT parent_id FROM nodes WHERE id = %lld", c2);
}
END_TEST

/* ------------------------------------------------------------ batch */

START_TEST(batch_success)
{
    long long gone = rt_create(&blog, "POST /api/users {'name': 'bt-del', 'addresses': [{'email_address': 'bt-del@x.org'}]}");
    rt_response *r = rt_checked(
        &blog,
        rt_fmt("POST /api/_batch {'operations': ["
               " {'method': 'POST', 'path': '/api/users', 'body': {'id': 5000, 'name': 'bt', 'addresses': [{'email_address': 'bt@x.org'}]}},"
               " {'method': 'PATCH', 'path': '/api/users/5000', 'body': {'fullname': 'B T'}},"
               " {'method': 'GET', 'path': '/api/users/5000'},"
               " {'method': 'POST', 'path': '/api/users/5000/addresses', 'body': {'email_address': 'bt2@x.org'}},"
               " {'method': 'DELETE', 'path': '/api/users/%lld'}]}", gone),
        /* the GET sees the earlier operations; a 204 result has body null, a 200 no location */
        "results[].status = [201, 200, 200, 201, 204]; results.0.location = '/api/users/5000'; "
        "results.0.body.addresses.0.user_id = 5000; results.1.body.fullname = 'B T'; results.1.body.version = 2; "
        "results.2.body.fullname = 'B T'; results.4.body = null; !results.1.location");
    const char *loc = rt_json_str(r, "results.3.location");
    ck_assert_msg(strncmp(loc, "/api/addresses/", 15) == 0, "location %s", loc);
    rt_response_free(r);
    rt_assert_sql(&blog, "B T|2", "SELECT fullname || '|' || version FROM users WHERE id = 5000");
    rt_assert_sql(&blog, "2", "SELECT count(*) FROM addresses WHERE user_id = 5000");
    rt_assert_sql(&blog, "0", "SELECT count(*) FROM users WHERE id = %lld", gone);
    rt_assert_sql(&blog, "0", "SELECT count(*) FROM addresses WHERE email_address = 'bt-del@x.org'");
}
END_TEST

/* The first failure's problem with /operations/N/body/... pointers, and
 * nothing written (earlier successful operations rolled back). */
START_TEST(batch_failure_validation)
{
    RT_REFUSED(&blog,
        {"POST /api/_batch {'operations': ["
         " {'method': 'POST', 'path': '/api/users', 'body': {'name': 'bf1', 'addresses': [{'email_address': 'bf1@x.org'}]}},"
         " {'method': 'POST', 'path': '/api/users', 'body': {'name': 'bf2', 'addresses': [{'email_address': 'x@x.org'},"
         " {'email_address': null}]}},"
         " {'method': 'POST', 'path': '/api/users', 'body': {'name': null}}]}",
         "422 /operations/1/body/addresses/1/email_address"},
        /* a missing nested {pk} */
        {"POST /api/_batch {'operations': ["
         " {'method': 'POST', 'path': '/api/users', 'body': {'name': 'bf3'}},"
         " {'method': 'PATCH', 'path': '/api/users/1', 'body': {'fullname': 'zzz'}},"
         " {'method': 'POST', 'path': '/api/users', 'body': {'name': 'bf4', 'addresses': [{'id': 99999}]}}]}",
         "422 /operations/2/body/addresses/0"},
    );
    /* a stale version */
    long long u = rt_create(&blog, "POST /api/users {'name': 'bf-v'}");
    rt_check_refused(&blog,
                     rt_fmt("POST /api/_batch {'operations': ["
                            " {'method': 'PATCH', 'path': '/api/users/%lld', 'body': {'fullname': 'first'}},"
                            " {'method': 'PATCH', 'path': '/api/users/%lld', 'body': {'fullname': 'second', 'version': 1}}]}",
                            u, u),
                     "409");
}
END_TEST

/* Failures the database or the identity lookup report inside a batch keep
 * their status, as the same request alone would answer (409 for a unique
 * violation, 404 for a missing object); nothing is written. */
START_TEST(batch_unique_violation_is_409)
{
    rt_check_refused(&blog,
                     "POST /api/_batch {'operations': [{'method': 'POST', 'path': '/api/users', 'body': {'name': 'bk1'}},"
                     " {'method': 'POST', 'path': '/api/keywords', 'body': {'keyword': 'firstpost'}}]}",
                     "409");
}
END_TEST

START_TEST(batch_missing_object_is_404)
{
    RT_REFUSED(&blog,
        {"POST /api/_batch {'operations': [{'method': 'POST', 'path': '/api/users', 'body': {'name': 'bk2'}},"
         " {'method': 'DELETE', 'path': '/api/users/99999'}]}",
         "404"},
        {"POST /api/_batch {'operations': [{'method': 'PATCH', 'path': '/api/users/99999', 'body': {'fullname': 'x'}}]}",
         "404"},
        {"POST /api/_batch {'operations': [{'method': 'GET', 'path': '/api/users/99999'}]}", "404"},
    );
}
END_TEST

/* ------------------------------------------------------------ ETags */

/* A versioned row shown alone (include= embeds nothing) is tagged with
 * its version (tests/http/test_etag_embeds.c: what embeds more). */
START_TEST(etags_versioned)
{
    rt_response *r = rt_checked(&blog, "POST /api/users?include= {'name': 'et'}", "201 @ETag = \"v1\"");
    long long u = rt_json_int(r, "id");
    rt_response_free(r);
    char path[64];
    snprintf(path, sizeof path, "/api/users/%lld?include=", u);
    RT_CASES_AT(&blog, path,
        {"GET %s", "@ETag = \"v1\""},
        {"GET %s\nIf-None-Match: \"v1\"", "304 @empty; @ETag = \"v1\""},
        {"GET %s\nIf-None-Match: W/\"v1\"", "304 @empty; @ETag = \"v1\""},
        {"GET %s\nIf-None-Match: \"v0\", \"v1\"", "304 @empty; @ETag = \"v1\""},
        {"GET %s\nIf-None-Match: *", "304 @empty; @ETag = \"v1\""},
        {"GET %s\nIf-None-Match: \"v2\"", "200"},
        /* a stale If-Match writes nothing; W/"v1" is no match (strong comparison) */
        {"PATCH %s\nIf-Match: \"v2\"\n\n{'fullname': 'E T'}", "412 @unchanged"},
        {"PATCH %s\nIf-Match: W/\"v1\"\n\n{'fullname': 'E T'}", "412 @unchanged"},
        {"PUT %s\nIf-Match: \"v7\"\n\n{'name': 'et', 'fullname': 'E T'}", "412 @unchanged"},
        {"PATCH %s\nIf-Match: \"v1\"\n\n{'fullname': 'E T'}", "@ETag = \"v2\""},
        {"PUT %s\nIf-Match: \"v0\", \"v2\"\n\n{'name': 'et', 'fullname': 'E T 2'}", "@ETag = \"v3\""},
        {"DELETE %s\nIf-Match: \"v2\"", "412 @unchanged"},
        {"DELETE %s\nIf-Match: \"v3\"", "204"},
    );
    rt_assert_sql(&blog, "0", "SELECT count(*) FROM users WHERE id = %lld", u);
}
END_TEST

/* Without a version column the ETag is a hash of the representation. */
START_TEST(etags_hashed)
{
    long long a, u = user_with(&blog, "eh", &a, "eh@x.org", NULL);
    char path[64], e1[128], e2[128];
    snprintf(path, sizeof path, "/api/addresses/%lld", a);
    rt_response *r = rt_checked(&blog, path, NULL);
    const char *h = rt_header(r, "ETag");
    ck_assert_msg(h && h[0] == '"' && h[strlen(h) - 1] == '"' && strncmp(h, "\"v", 2) != 0,
                  "ETag %s: expected a quoted hash", h ? h : "(none)");
    snprintf(e1, sizeof e1, "%s", h);
    rt_response_free(r);
    rt_check(&blog, path, rt_fmt("@ETag = %s", e1)); /* stable */
    rt_check(&blog, rt_fmt("GET %s\nIf-None-Match: %s", path, e1), "304");

    r = rt_checked(&blog, rt_fmt("PATCH %s\nIf-Match: %s\n\n{'email_address': 'eh2@x.org'}", path, e1), "200");
    snprintf(e2, sizeof e2, "%s", rt_header(r, "ETag"));
    ck_assert_msg(strcmp(e1, e2) != 0, "the ETag did not change with the object");
    rt_response_free(r);
    rt_check(&blog, path, rt_fmt("@ETag = %s", e2)); /* the PATCH answer's ETag is GET's */

    /* e1 is stale now */
    rt_check_refused(&blog, rt_fmt("PATCH %s\nIf-Match: %s\n\n{'email_address': 'eh3@x.org'}", path, e1), "412");
    rt_check_refused(&blog, rt_fmt("DELETE %s\nIf-Match: %s", path, e1), "412");
    rt_check(&blog, rt_fmt("GET %s\nIf-None-Match: %s", path, e1), "200");
    rt_check(&blog, rt_fmt("PUT %s\nIf-Match: %s\n\n{'email_address': 'eh4@x.org', 'user_id': %lld}", path, e2, u),
             "200");
}
END_TEST

/* ------------------------------------------------------------ versions */

START_TEST(version_increments_and_stale_body_version)
{
    rt_check(&blog, "POST /api/users {'name': 'vv', 'version': 5}", "400 /version"); /* the server's column */

    long long u = rt_create(&blog, "POST /api/users {'name': 'vv'}");
    char path[64];
    snprintf(path, sizeof path, "/api/users/%lld", u);
    rt_assert_sql(&blog, "1", "SELECT version FROM users WHERE id = %lld", u);
    RT_CASES_AT(&blog, path,
        {"PATCH %s {'fullname': 'a'}", "version = 2"},
        /* a stale version (or one from the future) writes nothing */
        {"PATCH %s {'fullname': 'b', 'version': 1}", "409 @unchanged"},
        {"PUT %s {'name': 'vv', 'fullname': 'b', 'version': 1}", "409 @unchanged"},
        {"PATCH %s {'fullname': 'b', 'version': 3}", "409 @unchanged"},
        {"PATCH %s {'fullname': 'b', 'version': 'two'}", "400 /version; @unchanged"},
        {"PATCH %s {'fullname': 'b', 'version': 2}", "version = 3"},
        {"PUT %s?include= {'name': 'vv', 'fullname': 'c', 'version': 3}", "version = 4; @ETag = \"v4\""},
    );
    rt_assert_sql(&blog, "c|4", "SELECT fullname || '|' || version FROM users WHERE id = %lld", u);

    /* a nested update of a versioned row is checked the same way */
    long long a, w = user_with(&blog, "vw", &a, "vw@x.org", NULL);
    snprintf(path, sizeof path, "/api/addresses/%lld", a);
    rt_check_refused(&blog, rt_fmt("PATCH %s {'user': {'id': %lld, 'fullname': 'x', 'version': 7}}", path, w), "409");
    rt_check(&blog, rt_fmt("PATCH %s {'user': {'id': %lld, 'fullname': 'x', 'version': 1}}", path, w), "200");
    rt_assert_sql(&blog, "x|2", "SELECT fullname || '|' || version FROM users WHERE id = %lld", w);
}
END_TEST

/* Two clients PATCH one versioned row at once, each with the version it
 * read: exactly one wins (200), the other is stale (409); the row holds
 * the winner's change at version 2. Repeated; then the same with If-Match
 * (one 200, one 412). */
static void race_round(int round, bool if_match)
{
    long long u = rt_create(&blog, "POST /api/users {'name': 'race%d'}", round);
    char path[64];
    snprintf(path, sizeof path, "/api/users/%lld?include=" /* tagged "v1" */, u);
    char bodies[2][128];
    for (int i = 0; i < 2; i++)
        snprintf(bodies[i], sizeof bodies[i], if_match ? "{\"fullname\": \"client %d\"}"
                                                       : "{\"fullname\": \"client %d\", \"version\": 1}", i);
    const rt_server *const servers[2] = {&blog, &blog};
    const char *const texts[2] = {bodies[0], bodies[1]};
    rt_response *rs[2];
    rt_patch_race(servers, path, texts, if_match ? "If-Match: \"v1\"" : NULL, rs);
    /* the loser of an If-Match race: 412 when it reads the winner's new
     * version (SQLite's writers are serialised, so it always does), 409
     * when both read version 1 and its versioned UPDATE then matches no
     * row (PostgreSQL's writers overlap): either way it writes nothing */
    int winner = rs[0]->status == 200 ? 0 : 1;
    long lost = rs[1 - winner]->status;
    bool sqlite = rt_backend() == RT_SQLITE;
    ck_assert_msg(rs[winner]->status == 200 &&
                      (if_match ? lost == 412 || (!sqlite && lost == 409) : lost == 409),
                  "round %d: statuses %ld and %ld, expected one 200 and one %s: %s | %s", round, rs[0]->status,
                  rs[1]->status, if_match ? (sqlite ? "412" : "412 or 409") : "409", rs[0]->body, rs[1]->body);
    for (int i = 0; i < 2; i++) rt_response_free(rs[i]);
    rt_assert_sql(&blog, rt_fmt("client %d|2", winner), "SELECT fullname || '|' || version FROM users WHERE id = %lld", u);
}

START_TEST(concurrent_versioned_patches)
{
    rt_response *r = rt_get(&blog, "/healthz"); /* libcurl initialised before the threads */
    rt_response_free(r);
    for (int i = 0; i < 8; i++) race_round(i, false);
    for (int i = 8; i < 12; i++) race_round(i, true);
}
END_TEST

Suite *http_writes_suite(void)
{
    Suite *s = suite_create("http_writes");
    TS_TCASE(s, "blog", blog_start, blog_stop, 60, seed_delete_with_delete_orphan, nested_create_everything,
             pending_orphan_is_422, nested_bulk_create, patch_collection_delete_orphan, patch_collection_moves_member,
             many_to_many_replace_touches_only_changes, update_only_changed_columns,
             failing_nested_writes_change_nothing, collection_sub_resources, collection_link_missing_is_422,
             batch_success, batch_failure_validation, batch_unique_violation_is_409, batch_missing_object_is_404,
             etags_versioned, etags_hashed, version_increments_and_stale_body_version, concurrent_versioned_patches,
             transactions_of_reads_and_writes, blog_alive);
    /* patch_into_empty_relationships runs last: it crashes the server under UBSan */
    TS_TCASE(s, "nocascade", noc_start, noc_stop, 60, seed_delete_without_cascade, patch_collection_unlinks,
             collection_remove_unlinks, delete_with_not_null_children_is_409, patch_into_empty_relationships,
             noc_alive);
    TS_TCASE(s, "cycle", cyc_start, cyc_stop, 60, cycle_between_tables_in_one_post, cycle_between_rows_delete,
             cyc_alive);
    TS_TCASE(s, "tree", tree_start, tree_stop, 60, self_referential_tree_in_one_post, tree_alive);
    TS_TCASE(s, "tree_orphan", otree_start, otree_stop, 60, delete_orphan_tree_accepts_roots);
    return s;
}
