/* test_filter.c: JSON filters → SQL text + bound parameters on the blog
 * schema, one case per operator and combinator, and the JSON pointer of
 * every kind of rejected filter (SPEC §5, §8); column comparisons
 * ({"$col": PATH}, SPEC §10 F) on the blog schema and, for paths of
 * several hops and hidden columns, the ORM tests' kinds schema. */
#include <check.h>
#include <string.h>

#include "orm/compile.h"
#include "orm/filter.h"
#include "orm/schema.h"
#include "orm/template.h"
#include "tests/suites.h"
#include "tests/support/suite.h"

static orm_schema *S, *K; /* blog.json, kinds.json */
static rm_arena *A;

static void setup(void)
{
    orm_error err;
    orm_error_init(&err, NULL);
    static const char *const app_keys[] = {"resource", NULL}; /* routes/' key in blog.json */
    orm_schema_options opt = {.path = "schemas/blog.json", .entity_keys = app_keys};
    ck_assert_msg(orm_schema_load_opts(&opt, &S, &err) == 0, "%s", err.detail);
    orm_schema_options kopt = {.path = "tests/unit/orm/data/kinds.json"};
    ck_assert_msg(orm_schema_load_opts(&kopt, &K, &err) == 0, "%s", err.detail);
    A = rm_arena_new();
}

static void teardown(void)
{
    rm_arena_destroy(A);
    orm_schema_free(S);
    orm_schema_free(K);
}

/* WHERE text of `filter` on the mapper of table res (in blog.json each
 * resource is named after its table); params into *c. NULL on error. */
static const char *where_in(orm_schema *schema, const char *res, const char *filter, orm_compiled *c,
                            orm_error *err);

static const char *where(const char *res, const char *filter, orm_compiled *c, orm_error *err)
{
    return where_in(S, res, filter, c, err);
}

static const char *where_in(orm_schema *schema, const char *res, const char *filter, orm_compiled *c,
                            orm_error *err)
{
    json_error_t jerr;
    json_t *j = json_loads(filter, 0, &jerr);
    ck_assert_msg(j != NULL, "bad test JSON %s", filter);
    orm_error_init(err, A);
    const orm_mapper *m = orm_schema_table(schema, res)->mapper;
    orm_alias_seq seq = {.next = 1};
    orm_expr *e = NULL;
    int rc = orm_filter_parse(A, m, j, 0, &seq, "/filter", &e, err);
    json_decref(j);
    if (rc) return NULL;
    orm_select s = {.from = m->table, .flags = ORM_SELECT_ONE, .where = e ? e : orm_expr_const(A, true)};
    ck_assert_int_eq(orm_compile_select(&orm_dialect_sqlite, &s, A, c, err), 0);
    const char *prefix = rm_arena_sprintf(A, "SELECT 1 FROM \"%s\" AS t0 WHERE ", m->table->name);
    ck_assert(strncmp(c->sql, prefix, strlen(prefix)) == 0);
    return c->sql + strlen(prefix);
}

#define ASSERT_WHERE(res, filter, sql) ASSERT_WHERE_IN(S, res, filter, sql)
#define ASSERT_WHERE_IN(schema, res, filter, sql)                              \
    do {                                                                       \
        orm_compiled c_;                                                       \
        orm_error e_;                                                          \
        const char *w_ = where_in(schema, res, filter, &c_, &e_);              \
        ck_assert_msg(w_ != NULL, "%s: %s", filter, e_.nfields ? e_.fields[0].message : "?"); \
        ck_assert_str_eq(w_, sql);                                             \
    } while (0)

/* the error pointer and (part of) its message */
#define ASSERT_REJECTED(res, filter, ptr, msgpart) ASSERT_REJECTED_IN(S, res, filter, ptr, msgpart)
#define ASSERT_REJECTED_IN(schema, res, filter, ptr, msgpart)                  \
    do {                                                                       \
        orm_compiled c_;                                                       \
        orm_error e_;                                                          \
        ck_assert_msg(where_in(schema, res, filter, &c_, &e_) == NULL, "accepted: %s", filter); \
        ck_assert_int_eq(e_.code, ORM_E_INVALID);                              \
        ck_assert_uint_eq(e_.nfields, 1);                                      \
        ck_assert_str_eq(e_.fields[0].pointer, ptr);                           \
        ck_assert_msg(strstr(e_.fields[0].message, msgpart), "message: %s", e_.fields[0].message); \
    } while (0)

START_TEST(comparisons_and_nulls)
{
    ASSERT_WHERE("users", "{\"name\": \"ed\"}", "t0.\"name\" = ?1");
    ASSERT_WHERE("users", "{\"name\": null}", "t0.\"name\" IS NULL");
    ASSERT_WHERE("users", "{\"name\": {\"eq\": null}}", "t0.\"name\" IS NULL");
    ASSERT_WHERE("users", "{\"name\": {\"ne\": null}}", "t0.\"name\" IS NOT NULL");
    ASSERT_WHERE("users", "{\"name\": {\"ne\": \"ed\"}}", "t0.\"name\" <> ?1");
    ASSERT_WHERE("users", "{\"id\": {\"lt\": 3}}", "t0.\"id\" < ?1");
    ASSERT_WHERE("users", "{\"id\": {\"le\": 3}}", "t0.\"id\" <= ?1");
    ASSERT_WHERE("users", "{\"id\": {\"gt\": 3}}", "t0.\"id\" > ?1");
    ASSERT_WHERE("users", "{\"id\": {\"ge\": 3}}", "t0.\"id\" >= ?1");
    ASSERT_WHERE("users", "{\"id\": {\"gt\": 1, \"lt\": 5}}", "t0.\"id\" > ?1 AND t0.\"id\" < ?2");
    ASSERT_WHERE("users", "{\"id\": {\"between\": [2, 4]}}", "t0.\"id\" BETWEEN ?1 AND ?2");
    ASSERT_WHERE("users", "{\"fullname\": {\"is_null\": true}}", "t0.\"fullname\" IS NULL");
    ASSERT_WHERE("users", "{\"fullname\": {\"is_null\": false}}", "t0.\"fullname\" IS NOT NULL");
}
END_TEST

START_TEST(lists)
{
    orm_compiled c;
    orm_error e;
    ck_assert_str_eq(where("users", "{\"name\": {\"in\": [\"ed\", \"wendy\", \"jack\"]}}", &c, &e),
                     "t0.\"name\" IN (?1, ?2, ?3)");
    ck_assert_uint_eq(c.nparams, 3);
    ck_assert_str_eq(c.params[2].u.s.p, "jack");
    ASSERT_WHERE("users", "{\"id\": {\"nin\": [1, 2]}}", "t0.\"id\" NOT IN (?1, ?2)");
    ASSERT_WHERE("users", "{\"id\": {\"in\": []}}", "1 = 0");
    ASSERT_WHERE("users", "{\"id\": {\"nin\": []}}", "1 = 1");
}
END_TEST

START_TEST(patterns_escape_wildcards)
{
    orm_compiled c;
    orm_error e;
    ck_assert_str_eq(where("users", "{\"name\": {\"like\": \"e%\"}}", &c, &e), "t0.\"name\" LIKE ?1 ESCAPE '\\'");
    ck_assert_str_eq(c.params[0].u.s.p, "e%");
    ck_assert_str_eq(where("users", "{\"name\": {\"ilike\": \"E%\"}}", &c, &e),
                     "lower(t0.\"name\") LIKE lower(?1) ESCAPE '\\'");
    ck_assert_str_eq(where("users", "{\"name\": {\"startswith\": \"a%b_c\\\\\"}}", &c, &e),
                     "t0.\"name\" LIKE ?1 ESCAPE '\\'");
    ck_assert_str_eq(c.params[0].u.s.p, "a\\%b\\_c\\\\%");
    where("users", "{\"name\": {\"endswith\": \"x\"}}", &c, &e);
    ck_assert_str_eq(c.params[0].u.s.p, "%x");
    where("users", "{\"name\": {\"contains\": \"50%\"}}", &c, &e);
    ck_assert_str_eq(c.params[0].u.s.p, "%50\\%%");
}
END_TEST

START_TEST(combinators)
{
    ASSERT_WHERE("users", "{\"or\": [{\"name\": \"ed\"}, {\"name\": \"wendy\"}]}",
                 "t0.\"name\" = ?1 OR t0.\"name\" = ?2");
    ASSERT_WHERE("users", "{\"name\": \"ed\", \"fullname\": \"Ed Jones\"}",
                 "t0.\"name\" = ?1 AND t0.\"fullname\" = ?2");
    ASSERT_WHERE("users", "{\"and\": [{\"or\": [{\"id\": 1}, {\"id\": 2}]}, {\"not\": {\"name\": \"x\"}}]}",
                 "(t0.\"id\" = ?1 OR t0.\"id\" = ?2) AND NOT (t0.\"name\" = ?3)");
    ASSERT_WHERE("users", "{\"not\": {\"or\": [{\"id\": 1}, {\"id\": 2}]}}",
                 "NOT (t0.\"id\" = ?1 OR t0.\"id\" = ?2)");
    ASSERT_WHERE("users", "{}", "1 = 1"); /* empty filter: no condition */
}
END_TEST

START_TEST(relationships_become_exists)
{
    ASSERT_WHERE("users", "{\"addresses\": {\"any\": {\"email_address\": {\"like\": \"%google%\"}}}}",
                 "EXISTS (SELECT 1 FROM \"addresses\" AS t1 WHERE t1.\"user_id\" = t0.\"id\" AND "
                 "t1.\"email_address\" LIKE ?1 ESCAPE '\\')");
    ASSERT_WHERE("addresses", "{\"not\": {\"user\": {\"has\": {\"name\": \"jack\"}}}}",
                 "NOT (EXISTS (SELECT 1 FROM \"users\" AS t1 WHERE t1.\"id\" = t0.\"user_id\" AND "
                 "t1.\"name\" = ?1))");
    ASSERT_WHERE("posts", "{\"keywords\": {\"any\": {\"keyword\": \"firstpost\"}}}",
                 "EXISTS (SELECT 1 FROM \"post_keywords\" AS t2 JOIN \"keywords\" AS t1 ON t1.\"id\" = "
                 "t2.\"keyword_id\" WHERE t2.\"post_id\" = t0.\"id\" AND t1.\"keyword\" = ?1)");
    ASSERT_WHERE("users", "{\"addresses\": {\"none\": {\"email_address\": \"x\"}}}",
                 "NOT (EXISTS (SELECT 1 FROM \"addresses\" AS t1 WHERE t1.\"user_id\" = t0.\"id\" AND "
                 "t1.\"email_address\" = ?1))");
    ASSERT_WHERE("users", "{\"addresses\": {\"every\": {\"email_address\": \"x\"}}}",
                 "NOT (EXISTS (SELECT 1 FROM \"addresses\" AS t1 WHERE t1.\"user_id\" = t0.\"id\" AND "
                 "NOT (t1.\"email_address\" = ?1)))");
    ASSERT_WHERE("users", "{\"addresses\": {\"any\": {}}}",
                 "EXISTS (SELECT 1 FROM \"addresses\" AS t1 WHERE t1.\"user_id\" = t0.\"id\")");
    ASSERT_WHERE("addresses", "{\"user\": {\"is_null\": true}}",
                 "NOT (EXISTS (SELECT 1 FROM \"users\" AS t1 WHERE t1.\"id\" = t0.\"user_id\"))");
    ASSERT_WHERE("addresses", "{\"user.name\": \"jack\"}",
                 "EXISTS (SELECT 1 FROM \"users\" AS t1 WHERE t1.\"id\" = t0.\"user_id\" AND t1.\"name\" = ?1)");
    /* the same relationship twice: two subqueries with their own aliases */
    ASSERT_WHERE("users",
                 "{\"and\": [{\"addresses\": {\"any\": {\"email_address\": \"a\"}}}, "
                 "{\"addresses\": {\"any\": {\"email_address\": \"b\"}}}]}",
                 "EXISTS (SELECT 1 FROM \"addresses\" AS t1 WHERE t1.\"user_id\" = t0.\"id\" AND "
                 "t1.\"email_address\" = ?1) AND EXISTS (SELECT 1 FROM \"addresses\" AS t2 WHERE "
                 "t2.\"user_id\" = t0.\"id\" AND t2.\"email_address\" = ?2)");
    /* two levels of dotted path */
    ASSERT_WHERE("addresses", "{\"user.posts.headline\": \"h\"}",
                 "EXISTS (SELECT 1 FROM \"users\" AS t1 WHERE t1.\"id\" = t0.\"user_id\" AND EXISTS "
                 "(SELECT 1 FROM \"posts\" AS t2 WHERE t2.\"user_id\" = t1.\"id\" AND t2.\"headline\" = ?1))");
}
END_TEST

START_TEST(same_shape_same_text)
{
    orm_compiled a, b;
    orm_error e;
    const char *x = where("users", "{\"name\": {\"in\": [\"a\", \"b\"]}, \"id\": {\"gt\": 1}}", &a, &e);
    const char *y = where("users", "{\"name\": {\"in\": [\"c\", \"d\"]}, \"id\": {\"gt\": 99}}", &b, &e);
    ck_assert_str_eq(x, y);
    ck_assert_str_ne(a.params[0].u.s.p, b.params[0].u.s.p);
}
END_TEST

START_TEST(rejections_point_at_the_node)
{
    ASSERT_REJECTED("users", "{\"nosuch\": 1}", "/filter/nosuch", "unknown column");
    ASSERT_REJECTED("users", "{\"password\": \"x\"}", "/filter/password", "unknown column"); /* write_only */
    ASSERT_REJECTED("users", "{\"id\": \"abc\"}", "/filter/id", "integer");
    ASSERT_REJECTED("users", "{\"id\": {\"in\": 5}}", "/filter/id/in", "array");
    ASSERT_REJECTED("users", "{\"id\": {\"in\": [1, null]}}", "/filter/id/in/1", "null");
    ASSERT_REJECTED("users", "{\"id\": {\"in\": [1, \"x\"]}}", "/filter/id/in/1", "integer");
    ASSERT_REJECTED("users", "{\"id\": {\"between\": [1, 2, 3]}}", "/filter/id/between", "[low, high]");
    ASSERT_REJECTED("users", "{\"id\": {\"between\": [1, null]}}", "/filter/id/between", "null");
    ASSERT_REJECTED("users", "{\"id\": {\"is_null\": 1}}", "/filter/id/is_null", "true or false");
    ASSERT_REJECTED("users", "{\"id\": {\"lt\": null}}", "/filter/id/lt", "null");
    ASSERT_REJECTED("users", "{\"id\": {\"like\": \"1%\"}}", "/filter/id/like", "text columns");
    ASSERT_REJECTED("users", "{\"name\": {\"like\": 5}}", "/filter/name/like", "string");
    ASSERT_REJECTED("users", "{\"name\": {\"like\": \"a\\\\\"}}", "/filter/name/like", "unfinished escape");
    ASSERT_WHERE("users", "{\"name\": {\"like\": \"a\\\\\\\\\"}}", "t0.\"name\" LIKE ?1 ESCAPE '\\'"); /* an escaped \\ */
    ASSERT_REJECTED("users", "{\"name\": {\"bogus\": 5}}", "/filter/name/bogus", "unknown operator");
    ASSERT_REJECTED("users", "{\"name\": {\"any\": {}}}", "/filter/name/any", "relationships");
    ASSERT_REJECTED("users", "{\"name\": [1]}", "/filter/name", "in");
    ASSERT_REJECTED("users", "{\"addresses\": {\"eq\": 1}}", "/filter/addresses/eq", "unknown relationship operator");
    ASSERT_REJECTED("users", "{\"addresses\": {\"has\": {}}}", "/filter/addresses/has", "to-one");
    ASSERT_REJECTED("users", "{\"addresses\": {\"is_null\": true}}", "/filter/addresses/is_null", "to-one");
    ASSERT_REJECTED("addresses", "{\"user\": {\"any\": {}}}", "/filter/user/any", "to-many");
    ASSERT_REJECTED("users", "{\"addresses\": 5}", "/filter/addresses", "relationship takes");
    ASSERT_REJECTED("users", "{\"or\": []}", "/filter/or", "at least one");
    ASSERT_REJECTED("users", "{\"and\": {}}", "/filter/and", "array");
    ASSERT_REJECTED("users", "{\"or\": [{\"name\": \"ed\"}, {\"addresses\": {\"any\": {\"email_address\": {\"like\": 5}}}}]}",
                    "/filter/or/1/addresses/any/email_address/like", "string");
    ASSERT_REJECTED("users", "{\"name.x\": 1}", "/filter/name.x", "is a column");
    ASSERT_REJECTED("users", "{\"a~b/c\": 1}", "/filter/a~0b~1c", "unknown");
    ASSERT_REJECTED("users", "[1]", "/filter", "JSON object");
}
END_TEST


/* {"$col": PATH} (SPEC §10 F): the row's own column, or a scalar subquery
 * per many-to-one hop, correlated with the row that holds the compared
 * column (inside any/has and after a dotted path: the related row). */
START_TEST(column_comparisons)
{
    ASSERT_WHERE("users", "{\"name\": {\"lt\": {\"$col\": \"fullname\"}}}", "t0.\"name\" < t0.\"fullname\"");
    ASSERT_WHERE("users", "{\"name\": {\"$col\": \"fullname\"}}", "t0.\"name\" = t0.\"fullname\""); /* bare: eq */
    ASSERT_WHERE("users", "{\"name\": {\"ne\": {\"$col\": \"fullname\"}, \"ge\": \"a\"}}",
                 "t0.\"name\" <> t0.\"fullname\" AND t0.\"name\" >= ?1");
    ASSERT_WHERE("addresses", "{\"email_address\": {\"gt\": {\"$col\": \"user.name\"}}}",
                 "t0.\"email_address\" > (SELECT t1.\"name\" FROM \"users\" AS t1 WHERE t1.\"id\" = t0.\"user_id\")");
    /* inside any: from the address, not the user the filter started at */
    ASSERT_WHERE("users", "{\"addresses\": {\"any\": {\"email_address\": {\"le\": {\"$col\": \"user.fullname\"}}}}}",
                 "EXISTS (SELECT 1 FROM \"addresses\" AS t1 WHERE t1.\"user_id\" = t0.\"id\" AND "
                 "t1.\"email_address\" <= (SELECT t2.\"fullname\" FROM \"users\" AS t2 WHERE t2.\"id\" = t1.\"user_id\"))");
    /* after a dotted path: the same related row */
    ASSERT_WHERE("users", "{\"addresses.email_address\": {\"ne\": {\"$col\": \"user.name\"}}}",
                 "EXISTS (SELECT 1 FROM \"addresses\" AS t1 WHERE t1.\"user_id\" = t0.\"id\" AND "
                 "t1.\"email_address\" <> (SELECT t2.\"name\" FROM \"users\" AS t2 WHERE t2.\"id\" = t1.\"user_id\"))");
    ASSERT_WHERE("posts", "{\"not\": {\"headline\": {\"$col\": \"author.name\"}}}",
                 "NOT (t0.\"headline\" = (SELECT t1.\"name\" FROM \"users\" AS t1 WHERE t1.\"id\" = t0.\"user_id\"))");
    /* two and three hops: one scalar subquery per hop */
    ASSERT_WHERE_IN(K, "books", "{\"title\": {\"ne\": {\"$col\": \"author.publisher.name\"}}}",
                    "t0.\"title\" <> (SELECT (SELECT t2.\"name\" FROM \"publishers\" AS t2 WHERE t2.\"id\" = "
                    "t1.\"publisher_id\") FROM \"authors\" AS t1 WHERE t1.\"id\" = t0.\"author_id\")");
    ASSERT_WHERE_IN(K, "cats", "{\"id\": {\"lt\": {\"$col\": \"mother.mother.mother.id\"}}}",
                    "t0.\"id\" < (SELECT (SELECT (SELECT t3.\"id\" FROM \"cats\" AS t3 WHERE t3.\"id\" = t2.\"mother_id\") "
                    "FROM \"cats\" AS t2 WHERE t2.\"id\" = t1.\"mother_id\") FROM \"cats\" AS t1 WHERE t1.\"id\" = "
                    "t0.\"mother_id\")");
    /* numbers with numbers, whatever their kinds */
    ASSERT_WHERE_IN(K, "books", "{\"rating\": {\"ge\": {\"$col\": \"author.publisher.id\"}}}",
                    "t0.\"rating\" >= (SELECT (SELECT t2.\"id\" FROM \"publishers\" AS t2 WHERE t2.\"id\" = "
                    "t1.\"publisher_id\") FROM \"authors\" AS t1 WHERE t1.\"id\" = t0.\"author_id\")");
}
END_TEST

/* Every error of a $col operand (SPEC §10 F): at the "$col" member, or at
 * the operator it may not follow. */
START_TEST(column_comparison_errors)
{
    static const struct {
        bool kinds; /* kinds.json, else blog.json */
        const char *res, *filter, *pointer, *says;
    } cases[] = {
        {false, "users", "{\"name\": {\"lt\": {\"$col\": \"nosuch\"}}}",
         "/filter/name/lt/$col", "unknown column \"nosuch\""},
        {false, "users", "{\"name\": {\"$col\": \"password\"}}",
         "/filter/name/$col", "unknown column"}, /* write_only */
        {true, "authors", "{\"name\": {\"$col\": \"notes\"}}", "/filter/name/$col", "unknown column"}, /* hidden */
        {true, "books", "{\"title\": {\"eq\": {\"$col\": \"author.password\"}}}",
         "/filter/title/eq/$col", "unknown column"},
        {false, "users", "{\"name\": {\"$col\": \"addresses.email_address\"}}",
         "/filter/name/$col", "\"addresses\" is a collection"},
        {false, "posts", "{\"headline\": {\"$col\": \"keywords.keyword\"}}", "/filter/headline/$col", "collection"},
        {false, "addresses", "{\"email_address\": {\"$col\": \"user\"}}",
         "/filter/email_address/$col", "is a relationship"},
        {false, "addresses", "{\"email_address\": {\"$col\": \"user.nosuch\"}}",
         "/filter/email_address/$col", "unknown column \"nosuch\""},
        {false, "addresses", "{\"email_address\": {\"$col\": \"nosuch.name\"}}",
         "/filter/email_address/$col", "unknown relationship \"nosuch\""},
        {false, "users", "{\"name\": {\"$col\": \"fullname.x\"}}", "/filter/name/$col", "is a column"},
        {true, "cats", "{\"id\": {\"lt\": {\"$col\": \"mother.mother.mother.mother.id\"}}}",
         "/filter/id/lt/$col", "at most 3 relationships"},
        {false, "users", "{\"id\": {\"gt\": {\"$col\": \"name\"}}}", "/filter/id/gt/$col", "cannot be compared"},
        {false, "addresses", "{\"user_id\": {\"$col\": \"user.name\"}}", "/filter/user_id/$col", "cannot be compared"},
        {false, "users", "{\"name\": {\"lt\": {\"$col\": \"fullname\", \"x\": 1}}}",
         "/filter/name/lt/$col", "nothing beside"},
        {false, "users", "{\"name\": {\"$col\": \"fullname\", \"lt\": \"a\"}}", "/filter/name/$col", "nothing beside"},
        {false, "users", "{\"name\": {\"lt\": {\"$col\": 5}}}", "/filter/name/lt/$col", "name of a column"},
        {false, "users", "{\"name\": {\"like\": {\"$col\": \"fullname\"}}}",
         "/filter/name/like", "eq ne lt le gt ge only"},
        {false, "users", "{\"name\": {\"in\": [\"a\", {\"$col\": \"fullname\"}]}}", "/filter/name/in", "not of in"},
        {false, "users", "{\"name\": {\"nin\": [{\"$col\": \"fullname\"}]}}", "/filter/name/nin", "not of nin"},
        {false, "users", "{\"name\": {\"between\": [{\"$col\": \"fullname\"}, \"z\"]}}",
         "/filter/name/between", "not of between"},
        {false, "users", "{\"name\": {\"startswith\": {\"$col\": \"fullname\"}}}",
         "/filter/name/startswith", "not of startswith"},
        {false, "users", "{\"name\": {\"is_null\": {\"$col\": \"fullname\"}}}",
         "/filter/name/is_null", "not of is_null"},
        {false, "users", "{\"addresses\": {\"any\": {\"email_address\": {\"$col\": \"addresses\"}}}}",
         "/filter/addresses/any/email_address/$col", "unknown column"}, /* paths start at the address */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ASSERT_REJECTED_IN(cases[i].kinds ? K : S, cases[i].res, cases[i].filter, cases[i].pointer, cases[i].says);
    /* the predicate a grammar without $col (having) refuses it with */
    json_t *op = json_pack("{s:s}", "$col", "a"), *other = json_pack("{s:s}", "$claim", "a"), *lit = json_string("a");
    ck_assert(orm_filter_is_col_operand(op));
    ck_assert(!orm_filter_is_col_operand(other));
    ck_assert(!orm_filter_is_col_operand(lit));
    json_decref(op);
    json_decref(other);
    json_decref(lit);
}
END_TEST

/* One $col is one node; the limit counts it where it stands. */
/* head, then "or" over n copies of item: {HEAD "or": [ITEM, ...]} */
static const char *or_of(const char *head, int n, const char *item)
{
    rm_sb sb;
    rm_sb_init(&sb, A);
    rm_sb_appendf(&sb, "{%s\"or\": [", head);
    for (int i = 0; i < n; i++) rm_sb_appendf(&sb, "%s%s", i ? "," : "", item);
    rm_sb_append(&sb, "]}");
    return sb.buf;
}

START_TEST(column_comparison_counts_one_node)
{
    const char *bare = "{\"name\": {\"$col\": \"fullname\"}}", *lt = "{\"name\": {\"lt\": {\"$col\": \"fullname\"}}}";
    orm_compiled c;
    orm_error e;
    ck_assert_ptr_nonnull(where("users", or_of("", 127, bare), &c, &e)); /* or + 127 × (eq + $col) = 255 */
    ck_assert_ptr_nonnull(where("users", or_of("\"id\": 1, ", 127, bare), &c, &e)); /* 256 */
    /* 257: the last $col is one too many */
    ck_assert_ptr_null(where("users", or_of("\"id\": 1, \"name\": \"x\", ", 127, lt), &c, &e));
    ck_assert_str_eq(e.fields[0].pointer, "/filter/or/126/name/lt/$col");
}
END_TEST

/* A row criterion (a row_filter) with a $col path: a template whose
 * subquery aliases are renumbered on each use. */
START_TEST(column_comparison_in_a_template)
{
    json_error_t jerr;
    json_t *j = json_loads("{\"email_address\": {\"ne\": {\"$col\": \"user.name\"}}}", 0, &jerr);
    orm_error err;
    orm_error_init(&err, A);
    orm_template t;
    const orm_mapper *m = orm_schema_table(S, "addresses")->mapper;
    ck_assert_int_eq(orm_filter_parse_criterion(A, m, j, "/row_filter", &t, &err), 0);
    json_decref(j);
    ck_assert_int_eq(t.naliases, 1);
    /* used twice in one statement whose own aliases end at 3 */
    orm_alias_seq seq = orm_alias_seq_start(4, NULL);
    orm_select s = {.from = m->table, .flags = ORM_SELECT_ONE};
    orm_compiled c;
    orm_expr *first = orm_template_use(A, &t, 0, &seq);
    s.where = orm_expr_and(A, first, orm_template_use(A, &t, 0, &seq));
    ck_assert_int_eq(seq.next, 6);
    ck_assert_int_eq(orm_compile_select(&orm_dialect_sqlite, &s, A, &c, &err), 0);
    ck_assert_str_eq(c.sql, "SELECT 1 FROM \"addresses\" AS t0 WHERE t0.\"email_address\" <> (SELECT t4.\"name\" FROM "
                            "\"users\" AS t4 WHERE t4.\"id\" = t0.\"user_id\") AND t0.\"email_address\" <> (SELECT "
                            "t5.\"name\" FROM \"users\" AS t5 WHERE t5.\"id\" = t0.\"user_id\")");
}
END_TEST

START_TEST(limits)
{
    /* depth: 16 nested levels pass, 17 do not */
    char deep[512] = "", tail[256] = "";
    for (int i = 0; i < 15; i++) strcat(deep, "{\"not\": ");
    strcat(deep, "{\"id\": 1}");
    for (int i = 0; i < 15; i++) strcat(tail, "}");
    strcat(deep, tail);
    orm_compiled c;
    orm_error e;
    ck_assert_ptr_nonnull(where("users", deep, &c, &e));
    char deeper[600] = "{\"not\": ";
    strcat(deeper, deep);
    strcat(deeper, "}");
    ck_assert_ptr_null(where("users", deeper, &c, &e));
    ck_assert_str_eq(e.fields[0].pointer, "/filter/not/not/not/not/not/not/not/not/not/not/not/not/not/not/not/not");
    /* 256 nodes pass, 257 do not */
    rm_sb sb;
    rm_sb_init(&sb, A);
    rm_sb_append(&sb, "{\"or\": [");
    for (int i = 0; i < 255; i++) rm_sb_appendf(&sb, "%s{\"id\": %d}", i ? "," : "", i);
    rm_sb_append(&sb, "]}");
    ck_assert_ptr_nonnull(where("users", sb.buf, &c, &e));
    rm_sb_reset(&sb);
    rm_sb_append(&sb, "{\"or\": [");
    for (int i = 0; i < 256; i++) rm_sb_appendf(&sb, "%s{\"id\": %d}", i ? "," : "", i);
    rm_sb_append(&sb, "]}");
    ck_assert_ptr_null(where("users", sb.buf, &c, &e));
    ck_assert_str_eq(e.fields[0].pointer, "/filter/or/255/id");
    /* 1000 in-list items pass, 1001 do not */
    rm_sb_reset(&sb);
    rm_sb_append(&sb, "{\"id\": {\"in\": [");
    for (int i = 0; i < 1000; i++) rm_sb_appendf(&sb, "%s%d", i ? "," : "", i);
    rm_sb_append(&sb, "]}}");
    ck_assert_ptr_nonnull(where("users", sb.buf, &c, &e));
    ck_assert_uint_eq(c.nparams, 1000);
    rm_sb_reset(&sb);
    rm_sb_append(&sb, "{\"id\": {\"in\": [");
    for (int i = 0; i < 1001; i++) rm_sb_appendf(&sb, "%s%d", i ? "," : "", i);
    rm_sb_append(&sb, "]}}");
    ck_assert_ptr_null(where("users", sb.buf, &c, &e));
    ck_assert_str_eq(e.fields[0].pointer, "/filter/id/in");
}
END_TEST

TS_SUITE(filter_suite, "orm/filter", setup, teardown, 1, comparisons_and_nulls, lists,
         patterns_escape_wildcards, combinators, relationships_become_exists, same_shape_same_text,
         rejections_point_at_the_node, limits, column_comparisons, column_comparison_errors,
         column_comparison_counts_one_node, column_comparison_in_a_template)
