/* suite.h: building check suites from lists of tests, so a test file ends
 * with a line or two instead of a block of tcase_add_test calls.
 *
 *   TS_SUITE(arena_suite, "lib/arena", setup, teardown, 1, test_a, test_b)
 *
 * defines `Suite *arena_suite(void)` of one TCase: setup/teardown may be
 * NULL (a checked fixture otherwise, run around every test); each test
 * runs `loops` times with _i = 0 .. loops-1; every test gets 60 s (a bound
 * for liveness under ASan, not a speed test).
 *
 *   TCase *tc = TS_TCASE(s, "errors", start, stop, 120, test_a, test_b);
 *
 * adds a TCase to suite s with an unchecked fixture (start/stop run once
 * for the TCase; both may be NULL), a timeout in seconds (0: check's
 * default) and the tests in order; more may be added to the TCase it
 * returns. */
#ifndef RM_TEST_SUITE_H
#define RM_TEST_SUITE_H

#include <check.h>
#include <stddef.h>

Suite *ts_suite(const char *name, void (*setup)(void), void (*teardown)(void), int loops,
                const TTest *const *tests, size_t n);

#define TS_SUITE(fn, name, setup, teardown, loops, ...)                                  \
    Suite *fn(void)                                                                      \
    {                                                                                    \
        const TTest *const tests_[] = {__VA_ARGS__};                                     \
        return ts_suite(name, setup, teardown, loops, tests_, sizeof tests_ / sizeof *tests_); \
    }

TCase *ts_tcase(Suite *s, const char *name, void (*start)(void), void (*stop)(void), double timeout);
/* Add the tests up to a NULL; returns tc. */
TCase *ts_tcase_add(TCase *tc, const TTest *const *tests);
#define TS_TCASE(s, name, start, stop, timeout, ...) \
    ts_tcase_add(ts_tcase((s), (name), (start), (stop), (timeout)), (const TTest *const[]){__VA_ARGS__, NULL})

#endif
