/* suite.c: see suite.h. */
#include "tests/support/suite.h"

Suite *ts_suite(const char *name, void (*setup)(void), void (*teardown)(void), int loops,
                const TTest *const *tests, size_t n)
{
    Suite *s = suite_create(name);
    TCase *tc = tcase_create(name);
    if (setup || teardown) tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    for (size_t i = 0; i < n; i++) tcase_add_loop_test(tc, tests[i], 0, loops);
    suite_add_tcase(s, tc);
    return s;
}

TCase *ts_tcase(Suite *s, const char *name, void (*start)(void), void (*stop)(void), double timeout)
{
    TCase *tc = tcase_create(name);
    if (start || stop) tcase_add_unchecked_fixture(tc, start, stop);
    if (timeout > 0) tcase_set_timeout(tc, timeout);
    suite_add_tcase(s, tc);
    return tc;
}

TCase *ts_tcase_add(TCase *tc, const TTest *const *tests)
{
    for (; *tests; tests++) tcase_add_test(tc, *tests);
    return tc;
}
