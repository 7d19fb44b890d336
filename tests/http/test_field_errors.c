/* test_field_errors.c: a body's field errors all answered at once (issue 16):
 * a wrong type (400) in one field hides no validation error (422) of
 * another, at the top, in nested objects, in a bulk array, on PATCH and in
 * a batch; an answer that mixes both kinds is 400 and each entry carries
 * its own "status"; an answer of one kind is as it always was (no
 * "status" in its entries); the list is bounded (100 entries, then
 * "error_count"). A unique violation's 409 points at the field that wrote
 * the value when the body has one such field. Every refused request writes
 * nothing. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

static rt_server blog, val;

RT_FIXTURE(blog, "schemas/blog.json", "schemas/blog.seed.json", NULL)
RT_FIXTURE(val, "tests/http/schemas/validate.json", NULL, NULL)

START_TEST(type_error_hides_no_validation_error)
{
    RT_REFUSED(&val,
        /* qty a string (400), name too long and kind not a choice (422) */
        {"POST /api/items {'name': 'toolong', 'kind': 'z', 'qty': 'x'}",
         "400 /name; errors[].pointer = ['/name', '/kind', '/qty']; errors[].status = [422, 422, 400]; "
         "detail = 'the request has invalid fields'; !error_count"},
        /* a missing required column (422) beside a wrong type (400) */
        {"POST /api/items {'qty': 'x', 'born': 'not a date'}",
         "400 /qty; errors[].pointer = ['/qty', '/born', '/name']; errors[].status = [400, 422, 422]"},
    );
}
END_TEST

START_TEST(one_kind_answers_as_before)
{
    RT_REFUSED(&val,
        {"POST /api/items {'name': 'toolong', 'kind': 'z'}",
         "422 /name; errors[].pointer = ['/name', '/kind']; !errors.0.status; !errors.1.status"},
        {"POST /api/items {'name': 'ok', 'qty': 'x'}", "400 /qty; errors # 1; !errors.0.status; detail = 'must be an integer'"},
    );
}
END_TEST

START_TEST(nested_and_patch)
{
    RT_REFUSED(&blog,
        {"POST /api/users {'name': 5, 'fullname': null, 'addresses': [{'email_address': null}, {'email_address': 3}]}",
         "400 /name; errors[].pointer = ['/name', '/addresses/0/email_address', '/addresses/1/email_address']; "
         "errors[].status = [400, 422, 400]"},
        {"PATCH /api/users/1 {'name': null, 'fullname': 7}",
         "400 /fullname; errors[].pointer = ['/name', '/fullname']; errors[].status = [422, 400]"},
        {"PUT /api/users/1 {'fullname': 7}",
         "400 /fullname; errors[].pointer = ['/fullname', '/name']; errors[].status = [400, 422]"},
    );
}
END_TEST

START_TEST(bulk_array_and_batch)
{
    RT_REFUSED(&blog,
        {"POST /api/users [{'name': 'ok'}, {'name': null}, {'name': 3}]",
         "400 /2/name; errors[].pointer = ['/1/name', '/2/name']; errors[].status = [422, 400]"},
        {"POST /api/_batch {'operations': [{'method': 'POST', 'path': '/api/users', 'body': {'name': null, 'fullname': 1}}]}",
         "400 /operations/0/body/name; errors[].pointer = ['/operations/0/body/name', '/operations/0/body/fullname']; "
         "errors[].status = [422, 400]"},
    );
}
END_TEST

/* 150 objects, each with a 422 and a 400: the first 100 entries, in body
 * order, and the count of all 300. */
START_TEST(the_list_is_bounded)
{
    size_t cap = 150 * 40 + 64;
    char *req = malloc(cap);
    size_t n = (size_t)snprintf(req, cap, "POST /api/users [");
    for (int i = 0; i < 150; i++)
        n += (size_t)snprintf(req + n, cap - n, "%s{'name': null, 'fullname': 1}", i ? ", " : "");
    snprintf(req + n, cap - n, "]");
    rt_check_refused(&blog, req,
                     "400 /0/name; errors # 100; error_count = 300; errors.99.pointer = '/49/fullname'; "
                     "errors.98.status = 422");
    free(req);
}
END_TEST

/* A unique violation (409) points at the field that wrote the taken value
 * when one object of the body wrote that column; with several candidates
 * it points nowhere rather than guess. */
START_TEST(unique_conflict_points_at_its_field)
{
    RT_REFUSED(&blog,
        {"POST /api/keywords {'keyword': 'firstpost'}",
         "409 /keyword; errors # 1; errors.0.message = 'another Keyword has this keyword'; !errors.0.status"},
        {"PATCH /api/keywords/2 {'keyword': 'wendy'}", "409 /keyword; errors # 1"},
        {"PUT /api/keywords/2 {'keyword': 'wendy'}", "409 /keyword; errors # 1"},
        {"POST /api/posts/1/keywords {'keyword': 'wendy'}", "409 /keyword; errors # 1"},
        {"POST /api/posts {'headline': 'h', 'author': {'id': 1}, 'keywords': [{'keyword': 'firstpost'}]}",
         "409 /keywords/0/keyword; errors # 1"},
        /* two objects wrote the column: which one collided is not known */
        {"POST /api/keywords [{'keyword': 'fresh'}, {'keyword': 'fresh'}]", "409; errors # 0"},
    );
}
END_TEST

Suite *http_field_errors_suite(void)
{
    Suite *s = suite_create("http_field_errors");
    TS_TCASE(s, "validate", val_start, val_stop, 60, type_error_hides_no_validation_error, one_kind_answers_as_before);
    TS_TCASE(s, "blog", blog_start, blog_stop, 60, nested_and_patch, bulk_array_and_batch, the_list_is_bounded,
             unique_conflict_points_at_its_field);
    return s;
}
