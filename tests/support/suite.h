/* suite.h: one check suite of one test case from a list of tests, so a
 * test file ends with one line instead of a block of tcase_add_test calls:
 *
 *   TS_SUITE(arena_suite, "lib/arena", setup, teardown, 1, test_a, test_b)
 *
 * defines `Suite *arena_suite(void)`. setup/teardown may be NULL (a checked
 * fixture otherwise); each test runs `loops` times with _i = 0 .. loops-1;
 * every test gets 60 s (a bound for liveness under ASan, not a speed test). */
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

#endif
