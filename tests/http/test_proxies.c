/* test_proxies.c: association proxies (SPEC §9, SQLAlchemy's
 * association_proxy) over HTTP on both backends.
 *
 * blog (schemas/proxies.json, the tutorial's blog): BlogPost.keyword_names
 * lists its keywords' "keyword" through the many-to-many keywords (ordered
 * by keyword, unique on Keyword); User.emails lists its addresses'
 * email_address through the one-to-many addresses (delete-orphan).
 * rules (tests/http/schemas/proxies_rules.json): a proxy over a
 * non-unique attribute and one over a viewonly relationship (read-only), a
 * many-to-many whose new target needs another column, a one-to-many
 * without delete-orphan (a member that leaves keeps its row, foreign key
 * NULL).
 * access (tests/http/schemas/proxies_access.json): a writer may read
 * keywords but not create them, and sees no secret keyword (row filter). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_db.h"
#include "tests/support/rt_jwt.h"

#define SECRET "rt-proxies-secret-0123456789abcdef-xyz"

static rt_server blog, rules, acc;
static char *WRITER, *ADMIN;

RT_FIXTURE(blog, "schemas/proxies.json", "schemas/proxies.seed.json", NULL)
RT_FIXTURE(rules, "tests/http/schemas/proxies_rules.json", "tests/http/schemas/proxies_rules.seed.json", NULL)

static void acc_start(void)
{
    WRITER = rt_hs256(SECRET, "{'role': 'writer'}");
    ADMIN = rt_hs256(SECRET, "{'role': 'admin'}");
    static const char *const args[] = {"--jwt-secret", SECRET, NULL};
    rt_server_start_ex(&acc, &(rt_start){.schema = "tests/http/schemas/proxies_access.json",
                                         .seed = "tests/http/schemas/proxies_access.seed.json", .args = args});
}

static void acc_stop(void)
{
    rt_server_stop(&acc);
    free(WRITER), free(ADMIN);
}

/* The answer to request is a 400 at pointer whose first error says `says`. */
static void refused_saying(rt_server *s, const char *request, const char *expect, const char *says)
{
    rt_response *r = rt_checked(s, request, expect);
    const char *msg = rt_json_str(r, "errors.0.message");
    ck_assert_msg(msg && strstr(msg, says), "%s: message %s, wanted one with %s", request, msg ? msg : "(none)", says);
    rt_response_free(r);
}

/* ---- reading --------------------------------------------------------------- */

START_TEST(proxies_are_in_every_representation)
{
    RT_CASES(&blog,
        /* in the relationship's order_by (keyword), not the order of linking */
        {"/api/posts", "data[].keyword_names = [['firstpost', 'wendy'], ['firstpost'], []]"},
        {"/api/posts/1", "keyword_names = ['firstpost', 'wendy']; !keywords; _links.keywords = '/api/posts/1/keywords'"},
        /* one-to-many, in order_by email_address */
        {"/api/users/2", "emails = ['j25@yahoo.com', 'jack@google.com']; !addresses"},
        /* embedded objects have theirs */
        {"/api/users/2?include=posts", "posts[].keyword_names = [['firstpost'], []]; emails # 2"},
        {"/api/posts/2?include=author", "author.emails = ['j25@yahoo.com', 'jack@google.com']; author.name = 'jack'"},
        /* the relationship included too: both, one load */
        {"/api/posts/1?include=keywords", "keywords[].keyword = ['firstpost', 'wendy']; keyword_names # 2"},
        /* a sub-resource's rows */
        {"/api/users/2/posts", "data[].keyword_names = [['firstpost'], []]"},
    );
}
END_TEST

START_TEST(fields_leave_proxies_out)
{
    RT_CASES(&blog,
        {"/api/posts?fields=headline", "!data.0.keyword_names; data.0.headline"},
        {"/api/posts?fields=keyword_names", "data.0.keyword_names # 2; !data.0.headline; data.0.id = 1"},
        {"/api/posts/1?fields=headline", "!keyword_names"},
        {"/api/users/2?include=posts&fields[posts]=headline", "!posts.0.keyword_names; posts.0.headline"},
        {"/api/users/2?include=posts&fields[posts]=keyword_names", "posts.0.keyword_names = ['firstpost']; "
                                                                   "!posts.0.headline"},
        {"/api/posts?fields=nope", "400 /query/fields"},
    );
}
END_TEST

/* Like a selectin relationship: one more statement per page and level,
 * whatever the number of rows; none when fields leaves the proxy out. */
START_TEST(one_more_statement_per_level)
{
    RT_CASES(&blog,
        {"/api/posts", "@queries = 2"},
        {"/api/posts?fields=headline", "@queries = 1"},
        {"/api/posts/1", "@queries = 2"},
        {"/api/users", "@queries = 2"},
        /* users, their addresses (emails), posts, the posts' keywords */
        {"/api/users?include=posts", "@queries = 4"},
        /* the relationship included: the proxy needs no statement of its own */
        {"/api/posts?include=keywords", "@queries = 2"},
    );
    for (int i = 0; i < 30; i++)
        rt_check(&blog, rt_fmt("POST /api/posts {'headline': 'p%d', 'keyword_names': ['k%d', 'wendy']}", i, i % 4),
                 "201");
    rt_check(&blog, "/api/posts?limit=100", "data # 33; @queries = 2");
}
END_TEST

/* ---- writing: many-to-many ------------------------------------------------ */

START_TEST(many_to_many_links_creates_and_unlinks)
{
    rt_check(&blog, "PATCH /api/posts/2 {'keyword_names': ['wendy', 'firstpost', 'new']}",
             "keyword_names # 3; !keywords");
    /* existing keywords linked, the missing one created with only its keyword */
    rt_assert_sql_list(&blog, "firstpost,new,wendy", "SELECT keyword FROM keywords ORDER BY keyword");
    rt_assert_sql_list(&blog, "firstpost,new,wendy",
                       "SELECT k.keyword FROM post_keywords pk JOIN keywords k ON k.id = pk.keyword_id "
                       "WHERE pk.post_id = 2 ORDER BY k.keyword");
    rt_check(&blog, "/api/posts/2", "keyword_names = ['firstpost', 'new', 'wendy']");
    /* values that leave the list are unlinked: association rows deleted, keywords kept */
    rt_check(&blog, "PATCH /api/posts/2 {'keyword_names': ['new']}", "keyword_names = ['new']");
    rt_assert_sql_list(&blog, "new", "SELECT k.keyword FROM post_keywords pk JOIN keywords k ON k.id = pk.keyword_id "
                                     "WHERE pk.post_id = 2");
    rt_assert_sql(&blog, "3", "SELECT count(*) FROM keywords");
    rt_assert_sql(&blog, "2", "SELECT count(*) FROM post_keywords WHERE post_id = 1"); /* untouched */
    rt_check(&blog, "PUT /api/posts/2 {'headline': 'x', 'keyword_names': []}", "keyword_names = []");
    rt_assert_sql(&blog, "0", "SELECT count(*) FROM post_keywords WHERE post_id = 2");
    /* nested: a post created under its author, with keywords */
    rt_check(&blog, "PATCH /api/users/3 {'posts': [{'headline': 'm', 'keyword_names': ['mary', 'wendy']}]}",
             "posts.0.keyword_names # 2");
    rt_assert_sql_list(&blog, "mary,wendy", "SELECT k.keyword FROM post_keywords pk JOIN keywords k ON "
                                            "k.id = pk.keyword_id JOIN posts p ON p.id = pk.post_id "
                                            "WHERE p.user_id = 3 ORDER BY k.keyword");
}
END_TEST

/* Two objects of one body naming the same new value: one keyword, linked twice. */
START_TEST(a_new_value_is_created_once_per_unit)
{
    rt_check(&blog, "POST /api/posts [{'headline': 'a', 'keyword_names': ['fresh']}, "
                    "{'headline': 'b', 'keyword_names': ['fresh', 'wendy']}]",
             "201 data[].keyword_names = [['fresh'], ['fresh', 'wendy']]");
    rt_assert_sql(&blog, "1", "SELECT count(*) FROM keywords WHERE keyword = 'fresh'");
    rt_assert_sql(&blog, "2", "SELECT count(*) FROM post_keywords pk JOIN keywords k ON k.id = pk.keyword_id "
                              "WHERE k.keyword = 'fresh'");
}
END_TEST

/* The ETag covers the proxy: If-Match holds for the representation GET
 * gave (the check loads the proxy too) and fails once the list changed. */
START_TEST(if_match_sees_proxies)
{
    rt_response *r = rt_checked(&blog, "/api/posts/3", "keyword_names = []");
    char *etag = strdup(rt_header(r, "ETag"));
    rt_response_free(r);
    rt_check(&blog, rt_fmt("PATCH /api/posts/3\nIf-Match: %s\n\n{'keyword_names': ['tagged']}", etag),
             "keyword_names = ['tagged']");
    rt_check(&blog, rt_fmt("PATCH /api/posts/3\nIf-Match: %s\n\n{'keyword_names': []}", etag), "412; @unchanged");
    free(etag);
}
END_TEST

/* ---- writing: one-to-many -------------------------------------------------- */

/* Every address as "id:email:user" (user NULL when detached), by id. */
#define ADDRESSES "SELECT id || ':' || email_address || ':' || coalesce(user_id, 0) FROM addresses ORDER BY id"

START_TEST(one_to_many_keeps_creates_and_orphans)
{
    rt_assert_sql_list(&blog, "1:wendy@example.com:1,2:jack@google.com:2,3:j25@yahoo.com:2", ADDRESSES);
    rt_check(&blog, "PATCH /api/users/2 {'emails': ['j25@yahoo.com', 'new@example.com']}", "emails # 2");
    /* the member whose value stays is the same row (3); the new value is a
     * new child; the one that left is deleted (delete-orphan) */
    rt_assert_sql_list(&blog, "1:wendy@example.com:1,3:j25@yahoo.com:2,4:new@example.com:2", ADDRESSES);
    rt_check(&blog, "/api/users/2", "emails = ['j25@yahoo.com', 'new@example.com']");
    rt_check(&blog, "POST /api/users {'name': 'nu', 'emails': ['b@x.org', 'a@x.org']}", "201 emails # 2; id = 4");
    rt_assert_sql_list(&blog, "1:wendy@example.com:1,3:j25@yahoo.com:2,4:new@example.com:2,5:b@x.org:4,6:a@x.org:4",
                       ADDRESSES);
}
END_TEST

START_TEST(one_to_many_without_orphans_detaches)
{
    rt_check(&rules, "PATCH /api/articles/1 {'note_texts': ['a', 'c']}", "note_texts # 2");
    /* note 2 ("a") kept; note 1 ("b") left: its foreign key NULL, the row kept; "c" new */
    rt_assert_sql_list(&rules, "1:b:0,2:a:1,3:c:1",
                       "SELECT id || ':' || text || ':' || coalesce(article_id, 0) FROM notes ORDER BY id");
    rt_check(&rules, "/api/articles/1", "note_texts = ['a', 'c']");
}
END_TEST

/* ---- refusals --------------------------------------------------------------- */

START_TEST(bad_lists_are_refused_whole)
{
    RT_CASES(&blog,
        {"PATCH /api/posts/1 {'keyword_names': 'wendy'}", "400 /keyword_names; @unchanged"},
        {"PATCH /api/posts/1 {'keyword_names': ['ok', 7]}", "400 /keyword_names/1; @unchanged"},
        {"PATCH /api/posts/1 {'keyword_names': ['ok', null]}", "422 /keyword_names/1; @unchanged"},
        {"PATCH /api/posts/1 {'keyword_names': ['a', 'b', 'a']}", "422 /keyword_names/2; @unchanged"},
        /* longer than the column's 50 characters: the new keyword would fail validation */
        {"PATCH /api/posts/1 {'keyword_names': ['xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']}",
         "422 /keyword_names/0; @unchanged"},
        {"PATCH /api/posts/1 {'keyword_names': ['a'], 'keywords': []}", "400 /keyword_names; @unchanged"},
        {"POST /api/posts {'headline': 'h', 'keyword_names': [{'keyword': 'a'}]}", "400 /keyword_names/0; @unchanged"},
        {"PATCH /api/users/2 {'emails': ['a@x.org', 'a@x.org']}", "422 /emails/1; @unchanged"},
        {"PATCH /api/users/1 {'posts': [{'headline': 'h', 'keyword_names': [null]}]}",
         "422 /posts/0/keyword_names/0; @unchanged"},
    );
}
END_TEST

START_TEST(read_only_proxies)
{
    RT_CASES(&rules,
        {"/api/articles/1", "tag_labels = ['red', 'blue']; seen_labels = ['red', 'blue']; cat_names = ['news']"},
        /* label is not unique: a value cannot name its tag */
        {"PATCH /api/articles/1 {'tag_labels': ['red']}", "400 /tag_labels; @unchanged"},
        /* through a viewonly relationship */
        {"PATCH /api/articles/1 {'seen_labels': []}", "400 /seen_labels; @unchanged"},
        {"POST /api/articles {'title': 't', 'seen_labels': ['red']}", "400 /seen_labels; @unchanged"},
    );
    rt_check(&rules, "/api",
             "resources.0.proxies = ["
             "{'name': 'tag_labels', 'through': 'tags', 'attribute': 'label', 'type': 'string', 'read_only': true}, "
             "{'name': 'seen_labels', 'through': 'tags_seen', 'attribute': 'label', 'type': 'string', 'read_only': true}, "
             "{'name': 'cat_names', 'through': 'categories', 'attribute': 'name', 'type': 'string', 'read_only': false}, "
             "{'name': 'note_texts', 'through': 'notes', 'attribute': 'text', 'type': 'string', 'read_only': false}]");
    rt_check(&rules, "/openapi.json",
             "components.schemas.Article.properties.tag_labels.readOnly = true; "
             "components.schemas.Article.properties.tag_labels.type = 'array'; "
             "components.schemas.Article.properties.tag_labels.items.type = 'string'; "
             "!components.schemas.Article.properties.cat_names.readOnly");
}
END_TEST

/* A new category needs a code the proxy cannot give: 422 at the value,
 * only when the value is new. */
START_TEST(a_new_target_failing_validation)
{
    RT_CASES(&rules,
        {"PATCH /api/articles/2 {'cat_names': ['news', 'sports']}", "422 /cat_names/1; @unchanged"},
        {"PATCH /api/articles/2 {'cat_names': ['news']}", "cat_names = ['news']"},
    );
    rt_assert_sql(&rules, "1", "SELECT count(*) FROM article_categories WHERE article_id = 2");
}
END_TEST

START_TEST(proxies_are_not_query_paths)
{
    refused_saying(&blog, "/api/posts?filter={\"keyword_names\": \"wendy\"}", "400 /filter/keyword_names",
                   "keywords.keyword");
    refused_saying(&blog, "/api/posts?filter={\"keyword_names.x\": \"wendy\"}", "400 /filter/keyword_names.x",
                   "keywords.keyword");
    refused_saying(&blog, "/api/posts?sort=keyword_names", "400 /query/sort", "association proxy");
    refused_saying(&blog, "/api/posts?keyword_names=wendy", "400 /query/keyword_names", "keywords.keyword");
    refused_saying(&blog, "/api/posts?include=keyword_names", "400 /query/include", "\"keywords\"");
    rt_check(&blog, "/api/posts?filter={\"keywords.keyword\": \"wendy\"}&fields=id", "data[].id = [1]");
}
END_TEST

START_TEST(blog_in_the_index_and_openapi)
{
    rt_check(&blog, "/api", "resources.0.proxies = [{'name': 'emails', 'through': 'addresses', "
                            "'attribute': 'email_address', 'type': 'string', 'read_only': false}]; "
                            "!resources.1.proxies");
    rt_check(&blog, "/openapi.json", "components.schemas.BlogPost.properties.keyword_names.items.maxLength = 50; "
                                     "!components.schemas.BlogPost.properties.keyword_names.readOnly");
}
END_TEST

/* ---- access ------------------------------------------------------------------ */

START_TEST(creating_a_target_needs_create)
{
    rt_check(&acc, rt_as(WRITER, "/api/posts/1"), "keyword_names = ['open']"); /* the secret one is out of scope */
    rt_check(&acc, rt_as(ADMIN, "/api/posts/1"), "keyword_names = ['hush', 'open']");
    /* linking an existing keyword needs only that the writer sees it */
    rt_check(&acc, rt_as(WRITER, "POST /api/posts {'headline': 'w', 'keyword_names': ['open']}"),
             "201 keyword_names = ['open']");
    /* a new value would create a keyword: the writer may not */
    rt_check(&acc, rt_as(WRITER, "POST /api/posts {'headline': 'w', 'keyword_names': ['open', 'brand-new']}"),
             "403; @unchanged");
    /* a keyword the writer cannot see is no keyword to link: it would be created */
    rt_check(&acc, rt_as(WRITER, "POST /api/posts {'headline': 'w', 'keyword_names': ['hush']}"), "403; @unchanged");
    rt_check(&acc, rt_as(ADMIN, "POST /api/posts {'headline': 'a', 'keyword_names': ['brand-new', 'hush']}"),
             "201 keyword_names = ['brand-new', 'hush']");
    rt_assert_sql(&acc, "3", "SELECT count(*) FROM keywords");
}
END_TEST

Suite *http_proxies_suite(void)
{
    Suite *s = suite_create("http_proxies");
    TS_TCASE(s, "read", blog_start, blog_stop, 60, proxies_are_in_every_representation, fields_leave_proxies_out,
             proxies_are_not_query_paths, blog_in_the_index_and_openapi, one_more_statement_per_level);
    TS_TCASE(s, "write", blog_start, blog_stop, 60, many_to_many_links_creates_and_unlinks,
             a_new_value_is_created_once_per_unit, if_match_sees_proxies, one_to_many_keeps_creates_and_orphans,
             bad_lists_are_refused_whole);
    TS_TCASE(s, "rules", rules_start, rules_stop, 60, read_only_proxies, one_to_many_without_orphans_detaches,
             a_new_target_failing_validation);
    TS_TCASE(s, "access", acc_start, acc_stop, 60, creating_a_target_needs_create);
    return s;
}
