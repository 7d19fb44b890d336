/* test_etag_embeds.c: an object's ETag changes whenever its representation
 * does (SPEC §3, docs/decisions.md "ETag"), on both backends: for each kind
 * of embedding (to-many by default, to-one, many-to-many, two levels,
 * self-referential; versioned and unversioned roots and embedded rows) a
 * change of an embedded row only gives a new tag, the old one no longer
 * answers 304 nor holds for If-Match on the same URI, and the new one does
 * both; `fields` tags each representation of a row apart.
 *
 * blog (schemas/blog.json): User is versioned and embeds its (unversioned)
 * addresses by default; BlogPost and Keyword are unversioned.
 * tree (tests/http/schemas/tree.json): Node embeds its children. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

static rt_server blog, tree;

static void servers_start(void)
{
    rt_server_start(&blog, "schemas/blog.json", NULL, NULL);
    rt_server_start(&tree, "tests/http/schemas/tree.json", NULL, NULL);
}

static void servers_stop(void)
{
    rt_server_stop(&blog);
    rt_server_stop(&tree);
}

/* GET path's ETag and body, copied (the caller frees both). */
static char *tag_of(const rt_server *s, const char *path, char **body)
{
    rt_response *r = rt_checked(s, path, NULL);
    const char *t = rt_header(r, "ETag");
    ck_assert_msg(t != NULL, "%s: no ETag", r->what);
    char *tag = strdup(t);
    if (body) *body = strdup(r->body);
    rt_response_free(r);
    return tag;
}

/* path's tag follows `change` (a request that writes rows path embeds,
 * not the row it names; it answers change_expect): before it the tag
 * answers 304; after it GET answers a new tag and body, If-None-Match with
 * the old tag answers 200 with that body, with the new one 304; a PATCH of
 * path with If-Match of the old tag is 412 and writes nothing, with the new
 * one it is 200 and, changing nothing, keeps the tag. Returns the new tag
 * (the caller frees it). */
static char *tag_follows(const rt_server *s, const char *path, const char *change, const char *change_expect)
{
    char *b0, *t0 = tag_of(s, path, &b0);
    rt_check(s, rt_fmt("%s\nIf-None-Match: %s", path, t0), rt_fmt("304 @empty; @ETag = %s", t0));
    rt_check(s, rt_fmt("PATCH %s\nIf-Match: %s\n\n{}", path, t0), rt_fmt("@ETag = %s", t0)); /* nothing changed */
    rt_check(s, change, change_expect);
    char *b1, *t1 = tag_of(s, path, &b1);
    ck_assert_msg(strcmp(t0, t1) != 0, "%s: ETag %s unchanged after %s", path, t0, change);
    ck_assert_msg(strcmp(b0, b1) != 0, "%s: the change %s changed no byte of %s", path, change, b0);
    rt_response *r = rt_checked(s, rt_fmt("%s\nIf-None-Match: %s", path, t0), rt_fmt("200 @ETag = %s", t1));
    ck_assert_str_eq(r->body, b1);
    rt_response_free(r);
    rt_check(s, rt_fmt("%s\nIf-None-Match: W/%s", path, t1), rt_fmt("304 @empty; @ETag = %s", t1));
    rt_check(s, rt_fmt("PATCH %s\nIf-Match: %s\n\n{}", path, t0), "412 @unchanged");
    rt_check(s, rt_fmt("PATCH %s\nIf-Match: %s\n\n{}", path, t1), rt_fmt("@ETag = %s", t1));
    rt_check(s, rt_fmt("%s\nIf-None-Match: %s", path, t1), "304 @empty");
    free(b0);
    free(b1);
    free(t0);
    return t1;
}

/* A user with addresses named a1, a2 (the keys in a[0], a[1]). */
static long long user_with_two(const char *name, long long a[2])
{
    rt_response *r = rt_checked(&blog, rt_fmt("POST /api/users {'name': '%s', 'addresses': [{'email_address': "
                                              "'%s.1@x.org'}, {'email_address': '%s.2@x.org'}]}", name, name, name),
                                "201");
    long long u = rt_json_int(r, "id");
    a[0] = rt_json_int(r, "addresses.0.id");
    a[1] = rt_json_int(r, "addresses.1.id");
    rt_response_free(r);
    return u;
}

/* To-many, embedded by default, under a versioned root: the user's
 * version stays while its addresses change (it was "v1" throughout). */
START_TEST(to_many_default_versioned_root)
{
    long long a[2], u = user_with_two("tm", a);
    const char *path = rt_fmt("/api/users/%lld", u);
    char p[64];
    snprintf(p, sizeof p, "%s", path);
    free(tag_follows(&blog, p, rt_fmt("PATCH /api/addresses/%lld {'email_address': 'tm.changed@x.org'}", a[1]),
                     NULL));
    rt_assert_sql(&blog, "1", "SELECT version FROM users WHERE id = %lld", u);
    /* a member added and one removed change it too (through another route) */
    free(tag_follows(&blog, p, rt_fmt("POST /api/addresses {'email_address': 'tm.3@x.org', 'user_id': %lld}", u),
                     "201"));
    free(tag_follows(&blog, p, rt_fmt("DELETE /api/addresses/%lld", a[0]), "204"));
    /* the member routes compare If-Match with the parent as GET answers it */
    char *t = tag_of(&blog, p, NULL);
    rt_check(&blog, rt_fmt("PATCH /api/addresses/%lld {'email_address': 'tm.again@x.org'}", a[1]), NULL);
    rt_check(&blog, rt_fmt("POST %s/addresses\nIf-Match: %s\n\n{'email_address': 'tm.4@x.org'}", p, t),
             "412 @unchanged");
    free(t);
    t = tag_of(&blog, p, NULL);
    rt_check(&blog, rt_fmt("POST %s/addresses\nIf-Match: %s\n\n{'email_address': 'tm.4@x.org'}", p, t), "201");
    free(t);
    rt_assert_sql(&blog, "1", "SELECT version FROM users WHERE id = %lld", u);
}
END_TEST

/* The same through ?include= (a view GET does not embed by default), and a
 * change of the root: the root row changes its version, the tag follows. */
START_TEST(to_many_included_and_root_change)
{
    long long a[2], u = user_with_two("ti", a);
    char p[96];
    snprintf(p, sizeof p, "/api/users/%lld?include=addresses", u);
    free(tag_follows(&blog, p, rt_fmt("PATCH /api/addresses/%lld {'email_address': 'ti.changed@x.org'}", a[0]),
                     NULL));
    char *t0 = tag_of(&blog, p, NULL);
    rt_check(&blog, rt_fmt("PATCH /api/users/%lld?include= {'fullname': 'T I'}", u), "@ETag = \"v2\"");
    rt_check(&blog, rt_fmt("PATCH %s\nIf-Match: %s\n\n{}", p, t0), "412 @unchanged");
    rt_check(&blog, rt_fmt("%s\nIf-None-Match: %s", p, t0), "200 fullname = 'T I'");
    free(t0);
}
END_TEST

/* To-one: an unversioned address embedding its versioned user. */
START_TEST(to_one_unversioned_root)
{
    long long a[2], u = user_with_two("to", a);
    char p[96];
    snprintf(p, sizeof p, "/api/addresses/%lld?include=user", a[0]);
    free(tag_follows(&blog, p, rt_fmt("PATCH /api/users/%lld {'fullname': 'To One'}", u), NULL));
}
END_TEST

/* Many-to-many: an unversioned post embedding its keywords. */
START_TEST(many_to_many)
{
    long long k = rt_create(&blog, "POST /api/keywords {'keyword': 'm2m-a'}");
    long long post = rt_create(&blog, "POST /api/posts {'headline': 'm2m', 'keywords': [{'id': %lld}]}", k);
    char p[96];
    snprintf(p, sizeof p, "/api/posts/%lld?include=keywords", post);
    free(tag_follows(&blog, p, rt_fmt("PATCH /api/keywords/%lld {'keyword': 'm2m-b'}", k), NULL));
    /* a link added from the other side */
    long long k2 = rt_create(&blog, "POST /api/keywords {'keyword': 'm2m-c'}");
    free(tag_follows(&blog, p, rt_fmt("POST /api/keywords/%lld/posts {'id': %lld}", k2, post), "201"));
}
END_TEST

/* Two levels: a post's author's addresses (the root and the author
 * unchanged), and a versioned root two levels above the change. */
START_TEST(nested_two_levels)
{
    long long a[2], u = user_with_two("nl", a);
    long long post = rt_create(&blog, "POST /api/posts {'headline': 'nested', 'author': {'id': %lld}}", u);
    char p[96];
    snprintf(p, sizeof p, "/api/posts/%lld?include=author.addresses", post);
    free(tag_follows(&blog, p, rt_fmt("PATCH /api/addresses/%lld {'email_address': 'nl.changed@x.org'}", a[1]),
                     NULL));
    /* an address embedding its user embedding the user's other address */
    snprintf(p, sizeof p, "/api/addresses/%lld?include=user.addresses", a[0]);
    free(tag_follows(&blog, p, rt_fmt("PATCH /api/addresses/%lld {'email_address': 'nl.sibling@x.org'}", a[1]),
                     NULL));
    rt_assert_sql(&blog, "1", "SELECT version FROM users WHERE id = %lld", u);
}
END_TEST

/* Self-referential: a node's children (by default) and grandchildren. */
START_TEST(self_referential)
{
    rt_response *r = rt_checked(&tree, "POST /api/nodes {'name': 'root', 'children': [{'name': 'c1', "
                                       "'children': [{'name': 'g1'}]}, {'name': 'c2'}]}", "201");
    long long root = rt_json_int(r, "id"), c1 = rt_json_int(r, "children.0.id");
    rt_response_free(r);
    long long g1 = rt_db_int(&tree, rt_fmt("SELECT id FROM nodes WHERE name = 'g1'"));
    char p[96];
    snprintf(p, sizeof p, "/api/nodes/%lld", root);
    free(tag_follows(&tree, p, rt_fmt("PATCH /api/nodes/%lld {'name': 'c1 renamed'}", c1), NULL));
    snprintf(p, sizeof p, "/api/nodes/%lld?include=children.children", root);
    free(tag_follows(&tree, p, rt_fmt("PATCH /api/nodes/%lld {'name': 'g1 renamed'}", g1), NULL));
    /* a node embedding its parent */
    snprintf(p, sizeof p, "/api/nodes/%lld?include=parent", g1);
    free(tag_follows(&tree, p, rt_fmt("PATCH /api/nodes/%lld {'name': 'c1 again'}", c1), NULL));
}
END_TEST

/* fields: each representation of a row has its own tag, a versioned row
 * shown alone keeps "v<version>", and If-Match compares with the view of
 * the request's own URI. */
START_TEST(fields_tag_each_representation)
{
    long long a[2], u = user_with_two("fd", a);
    static const char *const views[] = {"", "?include=", "?fields=name", "?include=&fields=name",
                                        "?fields=name,fullname", "?fields[addresses]=email_address"};
    enum { NV = sizeof views / sizeof views[0] };
    char *tags[NV];
    for (size_t i = 0; i < NV; i++) {
        tags[i] = tag_of(&blog, rt_fmt("/api/users/%lld%s", u, views[i]), NULL);
        for (size_t k = 0; k < i; k++)
            ck_assert_msg(strcmp(tags[i], tags[k]) != 0, "%s and %s share the ETag %s", views[i], views[k], tags[i]);
    }
    ck_assert_str_eq(tags[1], "\"v1\"");
    /* each tag holds for its own URI only */
    rt_check(&blog, rt_fmt("PATCH /api/users/%lld?fields=name\nIf-Match: %s\n\n{}", u, tags[0]), "412 @unchanged");
    rt_check(&blog, rt_fmt("PATCH /api/users/%lld?fields=name\nIf-Match: %s\n\n{}", u, tags[2]),
             rt_fmt("@ETag = %s", tags[2]));
    /* a change outside the fieldset changes a versioned row's tags all the
     * same (the version is part of each) */
    rt_check(&blog, rt_fmt("PATCH /api/users/%lld {'fullname': 'F D'}", u), NULL);
    rt_check(&blog, rt_fmt("/api/users/%lld?fields=name\nIf-None-Match: %s", u, tags[2]), "200 !fullname");
    rt_check(&blog, rt_fmt("PATCH /api/users/%lld?fields=name\nIf-Match: %s\n\n{}", u, tags[2]), "412 @unchanged");
    for (size_t i = 0; i < NV; i++) free(tags[i]);
    /* an unversioned row: fields tags it apart too, and follows its embedded rows */
    char *whole = tag_of(&blog, rt_fmt("/api/addresses/%lld", a[0]), NULL);
    char *part = tag_of(&blog, rt_fmt("/api/addresses/%lld?fields=email_address", a[0]), NULL);
    ck_assert_str_ne(whole, part);
    free(whole);
    free(part);
    char p[128];
    snprintf(p, sizeof p, "/api/addresses/%lld?include=user&fields[user]=fullname", a[0]);
    free(tag_follows(&blog, p, rt_fmt("PATCH /api/users/%lld {'fullname': 'F D 2'}", u), NULL));
}
END_TEST

/* A write's answer carries the tag GET of its URI answers, unless it
 * embeds what the body wrote beyond that view (then none). */
START_TEST(write_answers_carry_the_get_tag)
{
    long long a[2], u = user_with_two("wa", a);
    char p[64];
    snprintf(p, sizeof p, "/api/users/%lld", u);
    rt_response *r = rt_checked(&blog, rt_fmt("PATCH %s {'fullname': 'W A'}", p), NULL);
    rt_check(&blog, p, rt_fmt("@ETag = %s", rt_header(r, "ETag")));
    rt_response_free(r);
    long long k = rt_create(&blog, "POST /api/keywords {'keyword': 'wa-k'}");
    long long post = rt_create(&blog, "POST /api/posts {'headline': 'wa'}");
    rt_check(&blog, rt_fmt("PATCH /api/posts/%lld {'keywords': [{'id': %lld}]}", post, k), "keywords # 1; !@ETag");
    rt_check(&blog, rt_fmt("POST /api/posts {'headline': 'wa2', 'keywords': [{'id': %lld}]}", k), "201 !@ETag");
    r = rt_checked(&blog, rt_fmt("PATCH /api/posts/%lld?include=keywords {'headline': 'wa 2'}", post), NULL);
    rt_check(&blog, rt_fmt("/api/posts/%lld?include=keywords", post), rt_fmt("@ETag = %s", rt_header(r, "ETag")));
    rt_response_free(r);
}
END_TEST

RT_SUITE(http_etag_embeds_suite, "http_etag_embeds", "blog and tree", servers_start, servers_stop, 180,
         to_many_default_versioned_root, to_many_included_and_root_change, to_one_unversioned_root, many_to_many,
         nested_two_levels, fields_tag_each_representation, write_answers_carry_the_get_tag, self_referential)
