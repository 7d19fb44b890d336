/* test_fmt.c: lib/fmt.h writes exactly what snprintf writes: "%llu",
 * "%lld" and "%016llx" over edge values and a pseudo-random sweep; "%.3f"
 * over exact ties (0.0625 is 62.5 thousandths: to even), values a hair off
 * a half, negative values, large values, infinities and NaN, and a sweep of
 * timings as Server-Timing and the access log compute them. */
#include <check.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/fmt.h"
#include "tests/suites.h"
#include "tests/support/suite.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void same_fixed3(double v)
{
    char got[RM_FMT_FIXED3_MAX + 1], want[RM_FMT_FIXED3_MAX + 1];
    size_t n = rm_fmt_fixed3(got, v);
    got[n] = '\0';
    snprintf(want, sizeof want, "%.3f", v);
    ck_assert_msg(strcmp(got, want) == 0, "%.17g: '%s', snprintf '%s'", v, got, want);
}

static void same_ints(uint64_t u)
{
    char got[64], want[64];
    size_t n = rm_fmt_u64(got, u);
    got[n] = '\0';
    snprintf(want, sizeof want, "%llu", (unsigned long long)u);
    ck_assert_str_eq(got, want);
    n = rm_fmt_i64(got, (long long)u);
    got[n] = '\0';
    snprintf(want, sizeof want, "%lld", (long long)u);
    ck_assert_str_eq(got, want);
    ck_assert_uint_eq(rm_fmt_hex16(got, u), 16);
    got[16] = '\0';
    snprintf(want, sizeof want, "%016llx", (unsigned long long)u);
    ck_assert_str_eq(got, want);
}

START_TEST(integers_as_snprintf)
{
    static const uint64_t edges[] = {0, 1, 9, 10, 99, 100, 4294967295u, 4294967296u,
                                     (uint64_t)LLONG_MAX, (uint64_t)LLONG_MIN, UINT64_MAX,
                                     UINT64_MAX - 1};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) same_ints(edges[i]);
    for (int i = 0; i < 100000; i++) {
        uint64_t r = next();
        same_ints(r);
        same_ints(r >> (r & 63)); /* every length */
    }
}
END_TEST

START_TEST(fixed3_as_snprintf)
{
    static const double cases[] = {0.0, -0.0, 0.0625, 0.1875, 1.0625, 0.0005, 0.0015, 0.0025,
                                   2.5e-4, 1e-9, 0.9995, 0.99949999999999994, 9.9995,
                                   123.4565, -0.0004, -0.0625, -1.5, 0.1, 0.3, 999.9999,
                                   3999999999.9995, 4e9, 1e15, 1e300, -1e300, DBL_MAX,
                                   -DBL_MAX, DBL_MIN, INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) same_fixed3(cases[i]);
    for (long k = 0; k < 200000; k++) {
        uint64_t r = next();
        same_fixed3((double)(r % 2000001) / 2000.0);           /* halves of thousandths */
        same_fixed3(ldexp((double)(r >> 11), -(int)(r % 64))); /* every scale */
        /* as the server computes them: seconds and nanoseconds to ms */
        double ms = (double)(r % 5) * 1e3 + (double)((r >> 8) % 1000000000) / 1e6;
        same_fixed3(ms);
        same_fixed3(nextafter(ms, 0));
        same_fixed3(nextafter(ms, 1e9));
    }
}
END_TEST

TS_SUITE(fmt_suite, "lib/fmt", NULL, NULL, 1, integers_as_snprintf, fixed3_as_snprintf)
