/* decimal.c: parsing, comparing and writing exact decimal text; see
 * decimal.h. */
#include "orm/decimal.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool orm_decimal_parse(const char *s, size_t n, orm_decimal *d)
{
    size_t i = 0;
    memset(d, 0, sizeof *d);
    if (i < n && (s[i] == '-' || s[i] == '+')) d->neg = s[i++] == '-';
    d->ip = s + i;
    while (i < n && isdigit((unsigned char)s[i])) i++, d->in++;
    d->fp = s + i;
    if (i < n && s[i] == '.') {
        d->fp = s + ++i;
        while (i < n && isdigit((unsigned char)s[i])) i++, d->fn++;
    }
    return i == n && d->in + d->fn > 0;
}

int orm_decimal_cmp(orm_decimal x, orm_decimal y)
{
    orm_decimal *d[2] = {&x, &y};
    int sign[2];
    for (int k = 0; k < 2; k++) {
        while (d[k]->in && d[k]->ip[0] == '0') d[k]->ip++, d[k]->in--;
        while (d[k]->fn && d[k]->fp[d[k]->fn - 1] == '0') d[k]->fn--;
        sign[k] = !d[k]->in && !d[k]->fn ? 0 : d[k]->neg ? -1 : 1;
    }
    if (sign[0] != sign[1]) return sign[0] < sign[1] ? -1 : 1;
    int mag = 0;
    if (x.in != y.in) mag = x.in < y.in ? -1 : 1;
    else if (x.in) mag = memcmp(x.ip, y.ip, x.in);
    for (size_t i = 0; !mag && i < x.fn + y.fn; i++)
        mag = (i < x.fn ? x.fp[i] : '0') - (i < y.fn ? y.fp[i] : '0');
    mag = (mag > 0) - (mag < 0);
    return sign[0] < 0 ? -mag : mag;
}

static void append_zeros(rm_sb *sb, size_t n)
{
    while (n--) rm_sb_appendc(sb, '0');
}

void orm_decimal_write(rm_sb *sb, orm_decimal d, int scale)
{
    size_t keep = scale < 0 ? d.fn : (size_t)scale; /* fraction digits written */
    size_t have = keep < d.fn ? keep : d.fn;        /* of those, taken from d.fp */
    /* the digits kept, integer part first, after one spare "0" for a carry */
    rm_sb t;
    rm_sb_init(&t, NULL);
    rm_sb_appendc(&t, '0');
    rm_sb_appendn(&t, d.ip, d.in);
    rm_sb_appendn(&t, d.fp, have);
    append_zeros(&t, keep - have);
    if (keep < d.fn && d.fp[keep] >= '5') { /* round up: 9s become 0s, the carry stops at the spare 0 */
        size_t k = t.len;
        while (t.buf[--k] == '9') t.buf[k] = '0';
        t.buf[k]++;
    }
    const char *q = t.buf;
    size_t nint = d.in + 1; /* integer digits in t, the spare one included */
    while (nint > 1 && *q == '0') q++, nint--;
    bool zero = true;
    for (const char *c = q; *c && zero; c++) zero = *c == '0';
    if (d.neg && !zero) rm_sb_appendc(sb, '-');
    rm_sb_appendn(sb, q, nint);
    if (keep) {
        rm_sb_appendc(sb, '.');
        rm_sb_appendn(sb, q + nint, keep);
    }
    rm_sb_free(&t);
}

/* Fraction digits of the exact expansion of x: x = M * 2^e with M odd has
 * max(0, -e) of them (printf's %f prints exact digits at any precision, so
 * at this one it rounds nothing). */
static int exact_fraction_digits(double x)
{
    if (x == 0 || !isfinite(x)) return 0;
    int e;
    double m = frexp(fabs(x), &e); /* |x| = m * 2^e, 0.5 <= m < 1 (subnormals too) */
    int bits = 0;                  /* bits of m after the binary point: at most 53 */
    while (m != floor(m)) m *= 2, bits++;
    int low = e - bits;            /* the exponent of x's lowest set bit */
    return low < 0 ? -low : 0;
}

void orm_decimal_exact(rm_sb *sb, double x)
{
    rm_sb_appendf(sb, "%.*f", exact_fraction_digits(x), x);
}

int orm_shortest_from(double x)
{
    /* A normal double's shortest text, when it has at most 15 significant
     * digits, is x rounded to 15 digits: x is within 2^-53 of it, and the
     * 15-digit grid is more than twice as coarse. A subnormal has fewer
     * bits, so its shortest text may be as short as one digit. */
    return fabs(x) < DBL_MIN ? 1 : 15;
}

void orm_decimal_shortest(rm_sb *sb, double x)
{
    char buf[40]; /* "%.16e" of any double is at most 24 bytes */
    int n = -1;
    for (int prec = orm_shortest_from(x) - 1; prec <= 16; prec++) { /* 1 to 17 significant digits */
        n = snprintf(buf, sizeof buf, "%.*e", prec, x);
        if (n < 0 || (size_t)n >= sizeof buf) {
            sb->err = 1;
            return;
        }
        if (strtod(buf, NULL) == x) break;
    }
    /* buf is [-]d.ddd...e±XX: the significant digits, then the exponent */
    const char *p = buf;
    if (*p == '-') rm_sb_appendc(sb, *p++);
    char dig[24];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (isdigit((unsigned char)*p) && nd < sizeof dig) dig[nd++] = *p;
    long ex = *p == 'e' ? strtol(p + 1, NULL, 10) : 0;
    while (nd > 1 && dig[nd - 1] == '0') nd--;
    long nint = ex + 1; /* x = 0.dig * 10^nint: the first nint digits are the integer part */
    if (nint <= 0) {
        rm_sb_append(sb, "0.");
        append_zeros(sb, (size_t)-nint);
        rm_sb_appendn(sb, dig, nd);
    } else if ((size_t)nint >= nd) {
        rm_sb_appendn(sb, dig, nd);
        append_zeros(sb, (size_t)nint - nd);
    } else {
        rm_sb_appendn(sb, dig, (size_t)nint);
        rm_sb_appendc(sb, '.');
        rm_sb_appendn(sb, dig + nint, nd - (size_t)nint);
    }
}

int orm_decimal_cmp_double(const char *s, size_t n, long long i, double x)
{
    rm_sb t;
    rm_sb_init(&t, NULL);
    if (s) rm_sb_appendn(&t, s, n);
    else rm_sb_append_int(&t, i);
    size_t split = t.len;
    orm_decimal_exact(&t, x);
    orm_decimal a, b;
    int r = 0;
    if (!t.err && orm_decimal_parse(t.buf, split, &a) && orm_decimal_parse(t.buf + split, t.len - split, &b))
        r = orm_decimal_cmp(a, b);
    rm_sb_free(&t);
    return r;
}
