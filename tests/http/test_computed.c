/* test_computed.c: deferred columns and computed attributes (SPEC §9) on
 * both backends (tests/http/schemas/computed.json, computed_scope.json):
 * computed values against the rows (0 / null for none), filter, sort,
 * shorthand and cursors on them, a page of rows with aggregates in ONE
 * statement, 400 on writing one, values in write answers; a deferred
 * column absent unless fields names it (lists, objects, embedded rows,
 * write answers), filterable and sortable, its stored value kept by a
 * PATCH of another column and written by one that names it; the target's
 * row_filter inside a computed count; GET /api and /openapi.json. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_jwt.h"

static rt_server cs;

RT_FIXTURE(cs, "tests/http/schemas/computed.json", "tests/http/schemas/computed.seed.json", NULL)

START_TEST(aggregates_and_expressions_match_the_rows)
{
    /* the rows the values are computed from */
    rt_assert_sql(&cs, "2", "SELECT count(*) FROM addresses WHERE author_id = 1");
    rt_assert_sql(&cs, "3", "SELECT sum(qty) FROM cart_lines WHERE cart_id = 1");
    RT_CASES(&cs,
        {"/api/authors?fields=fullname,address_count,work_address_count,book_count",
         "data[].fullname = ['Ursula Le Guin', 'Stanislaw Lem', 'New Writer'];"
         "data[].address_count = [2, 1, 0]; data[].work_address_count = [1, 0, 0];"
         "data[].book_count = [2, 1, 0]"},
        /* sum/max of no rows are null; of a computed expression (price * qty) too */
        {"/api/carts?fields=total_qty,top_price,total",
         "data[].total_qty = [3, null, 0]; data[].top_price = ['10.25', null, '1.00'];"
         "data.0.total = '17.25'; data.1.total = null"},
        /* div is a float on both backends, null when dividing by zero */
        {"/api/cart_lines?fields=average", "data[].average = [1.75, 10.25, null]"},
        {"/api/cart_lines/2?fields=amount,qty", "amount = '10.25'; qty = 1"},
        /* numeric arithmetic at SQL's scale on both backends: a product the
         * places of its factors, a sum of it the same */
        {"/api/cart_lines?fields=amount", "data[].amount = ['7.00', '10.25', '0.00']"},
        {"/api/carts?fields=total", "data[].total = ['17.25', null, '0.00']"},
    );
}
END_TEST

START_TEST(filter_sort_shorthand_and_cursor_take_computed)
{
    RT_CASES(&cs,
        {"/api/authors?filter={\"address_count\": {\"ge\": 1}}&fields=id", "data[].id = [1, 2]"},
        {"/api/authors?filter={\"fullname\": {\"like\": \"%Lem\"}}&fields=id", "data[].id = [2]"},
        {"/api/authors?sort=-book_count&fields=id", "data[].id = [1, 2, 3]"},
        {"/api/authors?sort=fullname&fields=id", "data[].id = [3, 2, 1]"},
        {"/api/authors?book_count=0&fields=id", "data[].id = [3]"},
        {"/api/carts?sort=-total_qty,id&fields=id", "data[].id = [1, 3, 2]"},
        /* through a relationship: filter paths reach the target's computed columns */
        {"/api/books?filter={\"author.address_count\": 2}&fields=id", "data[].id = [1, 2]"},
    );
    /* keyset pages over a computed sort key */
    rt_response *r = rt_checked(&cs, "/api/authors?sort=book_count&limit=1&fields=id", "data[].id = [3]");
    const char *next = rt_json_str(r, "links.next");
    rt_response *r2 = rt_checked(&cs, next, "data[].id = [2]");
    rt_check(&cs, rt_json_str(r2, "links.next"), "data[].id = [1]; !links.next");
    rt_response_free(r2);
    rt_response_free(r);
}
END_TEST

START_TEST(a_page_with_aggregates_is_one_statement)
{
    RT_CASES(&cs,
        {"/api/authors?limit=3", "data # 3; data.0.address_count = 2; @queries = 1"},
        {"/api/carts", "data # 3; @queries = 1"},
        {"/api/authors?count=exact&filter={\"book_count\": {\"gt\": 0}}", "meta.total = 2; @queries = 2"},
        /* embedded through a join and through selectin: one statement per level still */
        {"/api/books?include=author&limit=2", "data.0.author.book_count = 2; @queries = 2"},
        {"/api/carts?include=lines&fields[lines]=amount", "data.0.lines # 2; @queries = 2"},
    );
}
END_TEST

START_TEST(writing_a_computed_attribute_is_400)
{
    rt_check_refused(&cs, "POST /api/authors {'first_name': 'a', 'last_name': 'b', 'fullname': 'x'}",
                     "400 /fullname");
    rt_check_refused(&cs, "PATCH /api/authors/1 {'address_count': 5}", "400 /address_count");
    rt_check_refused(&cs, "PATCH /api/carts/1 {'label': 'x'}", "400 /label");
}
END_TEST

START_TEST(write_answers_carry_computed_values)
{
    RT_CASES(&cs,
        {"POST /api/authors {'first_name': 'Ann', 'last_name': 'Leckie', 'bio': 'b',"
         " 'addresses': [{'kind': 'work'}, {'kind': 'home'}]}",
         "201 fullname = 'Ann Leckie'; address_count = 2; work_address_count = 1; !bio"},
        {"PATCH /api/authors/3 {'last_name': 'Author'}", "fullname = 'New Author'; address_count = 0; !bio"},
    );
    rt_assert_sql(&cs, "1", "SELECT count(*) FROM authors WHERE first_name = 'Ann' AND bio = 'b'");
}
END_TEST

START_TEST(deferred_only_when_fields_names_it)
{
    RT_CASES(&cs,
        {"/api/authors", "!data.0.bio; data.0.first_name = 'Ursula'"},
        {"/api/authors/1", "!bio; fullname = 'Ursula Le Guin'"},
        {"/api/authors/1?fields=bio", "bio = 'Wrote Earthsea.'; !first_name"},
        {"/api/authors?fields=id,bio", "data[].bio = ['Wrote Earthsea.', 'Wrote Solaris.', null]"},
        {"/api/books/1?include=author", "!author.bio; author.fullname = 'Ursula Le Guin'; !excerpt"},
        {"/api/books?include=author&fields[author]=bio&limit=1", "data.0.author.bio = 'Wrote Earthsea.'"},
        {"/api/books/1?fields=excerpt", "excerpt = 'Only in silence the word.'"},
        {"/api/authors/1?include=books", "books # 2; !books.0.excerpt"},
        {"/api/authors/1?include=books&fields[books]=excerpt", "books.0.excerpt = 'Only in silence the word.'"},
        /* a deferred foreign key is not shown but still links its rows */
        {"/api/cart_lines?include=cart&limit=2", "!data.0.cart_id; data[].cart.id = [1, 1]"},
        {"/api/carts/1?include=lines", "lines # 2; !lines.0.cart_id"},
        /* a deferred computed attribute too */
        {"/api/carts/1", "!label"},
        {"/api/carts/1?fields=label", "label = \"ed's cart\""},
        /* filterable and sortable without being loaded */
        {"/api/authors?filter={\"bio\": {\"like\": \"%Solaris%\"}}", "data[].id = [2]; !data.0.bio"},
        {"/api/authors?sort=-bio&fields=id", "data[].id = [2, 1, 3]"},
    );
    /* a cursor over a deferred sort key records its value without showing it */
    rt_response *r = rt_checked(&cs, "/api/authors?sort=-bio&limit=1", "data[].id = [2]; !data.0.bio");
    rt_check(&cs, rt_json_str(r, "links.next"), "data[].id = [1]; !data.0.bio");
    rt_response_free(r);
}
END_TEST

START_TEST(a_patch_keeps_or_writes_the_deferred_column)
{
    RT_CASES(&cs,
        {"PATCH /api/authors/1 {'first_name': 'U.'}", "first_name = 'U.'; !bio"},
        {"PATCH /api/authors/2 {'bio': null}", "!bio"},
        {"PATCH /api/books/1 {'title': 'Earthsea'}", "!excerpt"},
    );
    rt_assert_sql(&cs, "Only in silence the word.", "SELECT excerpt FROM books WHERE id = 1");
    rt_assert_sql(&cs, "Wrote Earthsea.", "SELECT bio FROM authors WHERE id = 1");
    rt_assert_sql(&cs, "1", "SELECT count(*) FROM authors WHERE id = 2 AND bio IS NULL");
    rt_check(&cs, "PATCH /api/authors/1?fields=bio {'bio': 'New.'}", "bio = 'New.'");
    rt_assert_sql(&cs, "New.", "SELECT bio FROM authors WHERE id = 1");
    /* read without it, then set to null in the same batch: still written */
    rt_check(&cs, "POST /api/_batch {'operations': [{'method': 'GET', 'path': '/api/authors/1'},"
                  " {'method': 'PATCH', 'path': '/api/authors/1', 'body': {'bio': null}}]}",
             "results[].status = [200, 200]; !results.0.body.bio");
    rt_assert_sql(&cs, "1", "SELECT count(*) FROM authors WHERE id = 1 AND bio IS NULL");
}
END_TEST

START_TEST(api_and_openapi_describe_them)
{
    rt_response *r = rt_checked(&cs, "/api", "@json");
    json_t *res = rt_json_at(r, "resources");
    int seen = 0;
    for (size_t i = 0; i < json_array_size(res); i++) {
        json_t *cols = json_object_get(json_array_get(res, i), "columns");
        for (size_t k = 0; k < json_array_size(cols); k++) {
            json_t *c = json_array_get(cols, k);
            const char *name = json_string_value(json_object_get(c, "name"));
            if (!strcmp(name, "bio")) {
                seen++;
                ck_assert(json_is_true(json_object_get(c, "deferred")));
                ck_assert_ptr_null(json_object_get(c, "computed"));
            } else if (!strcmp(name, "address_count")) {
                seen++;
                ck_assert_str_eq(json_string_value(json_object_get(c, "type")), "integer");
                ck_assert(json_is_true(json_object_get(c, "read_only")));
                ck_assert_str_eq(json_string_value(json_object_get(json_object_get(c, "computed"), "count")),
                                 "addresses");
            } else if (!strcmp(name, "top_price")) {
                seen++;
                ck_assert_str_eq(json_string_value(json_object_get(c, "type")), "numeric");
            } else if (!strcmp(name, "average")) {
                seen++;
                ck_assert_str_eq(json_string_value(json_object_get(c, "type")), "float");
            } else if (!strcmp(name, "first_name")) {
                ck_assert_ptr_null(json_object_get(c, "deferred"));
            }
        }
    }
    ck_assert_int_eq(seen, 4);
    rt_response_free(r);
    RT_CASES(&cs,
        {"/openapi.json",
         "components.schemas.Author.properties.fullname.readOnly = true;"
         "components.schemas.Author.properties.address_count.type = ['integer', 'null'];"
         "components.schemas.AuthorCreate.required = ['first_name', 'last_name'];"
         "components.schemas.CartLine.properties.amount.readOnly = true"},
    );
}
END_TEST

/* ---- the target's row_filter inside a computed count ------------------------ */

#define SECRET "rt-computed-secret-0123456789abcdef-xyz"

static rt_server sc;
static char *ALICE, *BOB, *ADMIN;

static void sc_start(void)
{
    ALICE = rt_hs256(SECRET, "{'role': 'member', 'sub': 'alice'}");
    BOB = rt_hs256(SECRET, "{'role': 'member', 'sub': 'bob'}");
    ADMIN = rt_hs256(SECRET, "{'role': 'admin', 'sub': 'root'}");
    static const char *const args[] = {"--jwt-secret", SECRET, NULL};
    rt_server_start_ex(&sc, &(rt_start){.schema = "tests/http/schemas/computed_scope.json",
                                        .seed = "tests/http/schemas/computed_scope.seed.json", .args = args});
}

static void sc_stop(void)
{
    rt_server_stop(&sc);
    free(ALICE), free(BOB), free(ADMIN);
}

START_TEST(row_filter_applies_inside_a_computed_count)
{
    const char *list = "/api/people?fields=note_count,long_note_count,tag_count";
    rt_check(&sc, rt_as(ADMIN, list), "data[].note_count = [3, 0]; data[].long_note_count = [2, 0]; data[].tag_count = [3, 0]");
    rt_check(&sc, rt_as(ALICE, list), "data[].note_count = [2, 0]; data[].long_note_count = [1, 0]; data[].tag_count = [2, 0]");
    rt_check(&sc, rt_as(BOB, list), "data[].note_count = [1, 0]; data[].long_note_count = [1, 0]; data[].tag_count = [1, 0]");
    /* a role that may not read notes counts none (no existence oracle) */
    rt_check(&sc, rt_as(NULL, list), "data[].note_count = [0, 0]; data[].tag_count = [0, 0]");
    /* a filter on it counts what the role sees */
    rt_check(&sc, rt_as(BOB, "/api/people?filter={\"note_count\": 1}&fields=id"), "data[].id = [1]");
    rt_check(&sc, rt_as(ALICE, "/api/people?filter={\"note_count\": 1}&fields=id"), "data # 0");
    rt_check(&sc, rt_as(ALICE, "/api/people/1?fields=note_count"), "note_count = 2; @queries = 1");
    /* while the table holds all three */
    rt_assert_sql(&sc, "3", "SELECT count(*) FROM notes WHERE person_id = 1");
}
END_TEST

Suite *http_computed_suite(void)
{
    Suite *s = suite_create("http_computed");
    TS_TCASE(s, "computed_scope", sc_start, sc_stop, 60, row_filter_applies_inside_a_computed_count);
    /* reads first: the writes change the rows the reads expect */
    TS_TCASE(s, "computed", cs_start, cs_stop, 60,
             aggregates_and_expressions_match_the_rows, filter_sort_shorthand_and_cursor_take_computed,
             a_page_with_aggregates_is_one_statement, deferred_only_when_fields_names_it,
             api_and_openapi_describe_them, writing_a_computed_attribute_is_400,
             write_answers_carry_computed_values, a_patch_keeps_or_writes_the_deferred_column);
    return s;
}
