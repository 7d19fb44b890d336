/* test_resource.c: the REST resources of routes/resource.c, built from a
 * schema loaded with their keys (rm_resource_keys): names (given, the
 * table's, an inheriting entity's own default), methods, page sizes,
 * permissions and row_filter with their defaults, the look-ups by name and
 * by mapper, and the errors, as data (resource_errors.json: the same
 * messages the ORM's loader gives for its own keys).
 *
 * Run from the repository root (schemas/blog.json and the cases are read
 * by relative path). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "routes/routes_int.h"
#include "tests/suites.h"
#include "tests/support/schema_cases.h"
#include "tests/support/suite.h"

#define ERROR_CASES "tests/unit/routes/resource_errors.json"

/* Load opt's schema with the resource keys and build its resources (rs
 * zeroed first); 0 or the first error. The caller frees both. */
static int build(orm_schema_options opt, orm_schema **s, rm_resources *rs, orm_error *err)
{
    *rs = (rm_resources){0};
    opt.entity_keys = rm_resource_keys;
    int rc = orm_schema_load_opts(&opt, s, err);
    return rc ? rc : rm_resources_build(rs, *s, err);
}

static void release(orm_schema *s, rm_resources *rs)
{
    rm_resources_free(rs);
    orm_schema_free(s);
}

/* Case files' loader: the schema text through the resource builder. */
static int load_text(const char *text, orm_error *err)
{
    orm_schema *s = NULL;
    rm_resources rs;
    int rc = build((orm_schema_options){.text = text, .source = "test.json"}, &s, &rs, err);
    release(s, &rs);
    return rc;
}

START_TEST(resource_errors)
{
    sc_check(ERROR_CASES, _i, load_text);
}
END_TEST

/* The resource named name, which must exist and be entity's. */
static const rm_resource *named(const orm_schema *s, const rm_resources *rs, const char *name, const char *entity)
{
    const rm_resource *r = rm_resource_named(rs, name);
    ck_assert_msg(r != NULL, "no resource %s", name);
    ck_assert_ptr_eq(r->mapper, orm_schema_mapper(s, entity));
    ck_assert_ptr_eq(rm_resource_of(r->mapper), r);
    ck_assert_str_eq(r->name, name);
    return r;
}

START_TEST(blog_resources)
{
    orm_schema *s = NULL;
    rm_resources rs;
    orm_error err;
    orm_error_init(&err, NULL);
    ck_assert_msg(build((orm_schema_options){.path = "schemas/blog.json"}, &s, &rs, &err) == 0, "%s", err.detail);
    ck_assert_uint_eq(rs.n, s->nmappers);
    named(s, &rs, "posts", "BlogPost");
    named(s, &rs, "addresses", "Address");
    ck_assert_ptr_null(rm_resource_named(&rs, "post_keywords")); /* a plain table */
    const rm_resource *u = named(s, &rs, "users", "User");
    ck_assert_ptr_eq(&rs.items[0], u); /* declaration order */
    ck_assert_int_eq(u->page_size, 20);
    ck_assert_int_eq(u->max_page_size, 1000);
    ck_assert_uint_eq(u->methods, RM_ALLOW_ALL);
    ck_assert(!u->has_permissions && !u->ngrants && !u->row_criterion.expr);
    release(s, &rs);
}
END_TEST

START_TEST(options_and_default_names)
{
    static const char schema[] =
        "{\"entities\": {"
        " \"Category\": {\"methods\": [\"GET\", \"POST\"], \"page_size\": 5, \"max_page_size\": 50,"
        "  \"permissions\": {\"anonymous\": [\"read\"], \"admin\": [\"*\"]}, \"row_filter\": {\"name\": {\"ne\": \"x\"}},"
        "  \"row_filter_exempt\": [\"admin\"],"
        "  \"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true}, \"name\": {\"type\": \"string\"}}},"
        " \"Box\": {\"resource\": \"crates\", \"methods\": [], \"page_size\": 1000,"
        "  \"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true}}},"
        " \"Employee\": {\"polymorphic_on\": \"type\", \"polymorphic_identity\": \"employee\","
        "  \"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true}, \"type\": {\"type\": \"string\"}}},"
        " \"Manager\": {\"inherits\": \"Employee\", \"polymorphic_identity\": \"manager\"},"
        " \"Engineer\": {\"inherits\": \"Employee\", \"polymorphic_identity\": \"engineer\","
        "  \"max_page_size\": 20}}}";
    orm_schema *s = NULL;
    rm_resources rs;
    orm_error err;
    orm_error_init(&err, NULL);
    ck_assert_msg(build((orm_schema_options){.text = schema, .source = "test.json"}, &s, &rs, &err) == 0, "%s",
                  err.detail);
    const rm_resource *c = named(s, &rs, "categories", "Category");
    ck_assert_uint_eq(c->methods, RM_ALLOW_READ | RM_ALLOW_CREATE);
    ck_assert_int_eq(c->page_size, 5);
    ck_assert_int_eq(c->max_page_size, 50);
    ck_assert(c->has_permissions);
    ck_assert_uint_eq(c->ngrants, 2);
    ck_assert_str_eq(c->grants[0].role, "anonymous");
    ck_assert_uint_eq(c->grants[0].perms, RM_PERM_READ);
    ck_assert_str_eq(c->grants[1].role, "admin");
    ck_assert_uint_eq(c->grants[1].perms, RM_PERM_ALL);
    ck_assert_ptr_nonnull(c->row_criterion.expr); /* compiled at open */
    ck_assert_uint_eq(c->nexempt, 1);
    ck_assert_str_eq(c->exempt[0], "admin");
    const rm_resource *b = named(s, &rs, "crates", "Box");
    ck_assert_uint_eq(b->methods, 0);
    ck_assert_int_eq(b->page_size, 1000);
    ck_assert_ptr_null(rm_resource_named(&rs, "boxes"));
    named(s, &rs, "employees", "Employee");
    named(s, &rs, "managers", "Manager"); /* its own default name, not its table's */
    const rm_resource *e = named(s, &rs, "engineers", "Engineer");
    ck_assert_int_eq(e->page_size, 20);
    ck_assert_int_eq(e->max_page_size, 20);
    release(s, &rs);
}
END_TEST

/* Without the resource keys the ORM refuses them as any unknown key. */
START_TEST(keys_only_with_the_option)
{
    orm_schema *s = NULL;
    orm_error err;
    orm_error_init(&err, NULL);
    ck_assert_int_eq(orm_schema_load("schemas/blog.json", &s, &err), ORM_E_SCHEMA);
    ck_assert_str_eq(err.detail, "schemas/blog.json: entity User: resource: unknown key \"resource\"");
}
END_TEST

Suite *resource_suite(void)
{
    const TTest *const tests[] = {blog_resources, options_and_default_names, keys_only_with_the_option};
    Suite *s = ts_suite("routes/resource", NULL, NULL, 1, tests, sizeof tests / sizeof *tests);
    TCase *errors = tcase_create("errors");
    tcase_add_loop_test(errors, resource_errors, 0, sc_count(ERROR_CASES));
    suite_add_tcase(s, errors);
    return s;
}
