/* fmt.c: printf's bytes for a few number formats, without printf (see
 * fmt.h). */
#include "lib/fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

size_t rm_fmt_u64(char *out, unsigned long long v)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                "8081828384858687888990919293949596979899";
    char buf[RM_FMT_INT_MAX], *end = buf + sizeof buf, *p = end;
    for (; v >= 100; v /= 100) { /* two digits a step, backwards */
        p -= 2;
        memcpy(p, pairs + 2 * (v % 100), 2);
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, pairs + 2 * v, 2);
    } else {
        *--p = (char)('0' + v);
    }
    size_t n = (size_t)(end - p);
    memcpy(out, p, n);
    return n;
}

size_t rm_fmt_i64(char *out, long long v)
{
    if (v >= 0) return rm_fmt_u64(out, (unsigned long long)v);
    out[0] = '-';
    return 1 + rm_fmt_u64(out + 1, 0ULL - (unsigned long long)v);
}

size_t rm_fmt_hex16(char *out, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--, v >>= 4) out[i] = hex[v & 15];
    return RM_FMT_HEX16;
}

/* v * 1000 rounded to an integer the way printf rounds (0 <= v < 2^42 / 1000,
 * so the product's own rounding error is under 2^-11): the rounded product
 * decides, except within 1e-3 of a half, where fma() gives the sign of the
 * exact v * 1000 - (r + 0.5). */
static unsigned long long thousandths(double v)
{
    double m = v * 1000.0;
    double r = floor(m);
    double d = m - r;
    if (fabs(d - 0.5) > 1e-3) return (unsigned long long)r + (d > 0.5);
    double e = fma(v, 1000.0, -(r + 0.5)); /* exact sign: one rounding of the exact value */
    if (e > 0) return (unsigned long long)r + 1;
    if (e < 0) return (unsigned long long)r;
    return (unsigned long long)r + ((unsigned long long)r & 1); /* a tie: to even */
}

size_t rm_fmt_fixed3(char *out, double v)
{
    if (!(fabs(v) < 4e9)) /* past 2^42 / 1000, inf, NaN */
        return (size_t)snprintf(out, RM_FMT_FIXED3_MAX, "%.3f", v);
    size_t n = 0;
    if (signbit(v)) {
        out[n++] = '-';
        v = -v;
    }
    unsigned long long t = thousandths(v);
    n += rm_fmt_u64(out + n, t / 1000);
    unsigned f = (unsigned)(t % 1000);
    out[n++] = '.';
    out[n++] = (char)('0' + f / 100);
    out[n++] = (char)('0' + f / 10 % 10);
    out[n++] = (char)('0' + f % 10);
    return n;
}
