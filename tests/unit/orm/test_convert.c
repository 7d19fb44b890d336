/* test_convert.c: JSON and URL text → column values (type errors are
 * INVALID, rule violations VALIDATION), and values → JSON output; numeric
 * output for every value SQLite can hold in a numeric column (INTEGER with
 * any scale, REAL of any magnitude, decimal TEXT), checked value by value
 * against an independent big-number reference over random magnitudes and
 * scales; exact min/max checks. */
#include <check.h>

#include "tests/suites.h"
#include "tests/support/suite.h"
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm/convert.h"
#include "tests/support/fixtures.h"

static rm_arena *A;

static void setup(void) { A = rm_arena_new(); }
static void teardown(void) { rm_arena_destroy(A); }

static orm_column column(orm_type t)
{
    orm_column c;
    memset(&c, 0, sizeof c);
    c.name = "x";
    c.type = t;
    c.nullable = true;
    return c;
}

static int from_json(const orm_column *c, const char *text, orm_value *v)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
    ck_assert_ptr_nonnull(j);
    const char *msg = NULL;
    int rc = orm_value_from_json(c, j, A, v, &msg);
    if (rc) ck_assert_ptr_nonnull(msg);
    json_decref(j);
    return rc;
}

static const char *to_json(const orm_column *c, orm_value v)
{
    rm_sb sb;
    rm_sb_init(&sb, A);
    orm_value_write_json(&sb, c, &v);
    return sb.buf;
}

START_TEST(integers)
{
    orm_column c = column(ORM_T_INTEGER);
    orm_value v;
    ck_assert_int_eq(from_json(&c, "42", &v), 0);
    ck_assert_int_eq(v.u.i, 42);
    ck_assert_int_eq(from_json(&c, "\"42\"", &v), ORM_E_INVALID);
    ck_assert_int_eq(from_json(&c, "4.5", &v), ORM_E_INVALID);
    ck_assert_int_eq(from_json(&c, "true", &v), ORM_E_INVALID);
    ck_assert_int_eq(from_json(&c, "3000000000", &v), ORM_E_VALIDATION); /* past 32 bits */
    c.type = ORM_T_BIGINT;
    ck_assert_int_eq(from_json(&c, "3000000000", &v), 0);
    ck_assert_int_eq(from_json(&c, "null", &v), 0);
    ck_assert_int_eq(v.kind, ORM_V_NULL);
    c.has_min = c.has_max = true;
    c.min = 1;
    c.max = 10;
    ck_assert_int_eq(from_json(&c, "0", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&c, "11", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&c, "10", &v), 0);
    ck_assert_str_eq(to_json(&c, orm_int(-7)), "-7");
}
END_TEST

START_TEST(strings_length_and_choices)
{
    orm_column c = column(ORM_T_STRING);
    c.length = 3;
    orm_value v;
    ck_assert_int_eq(from_json(&c, "\"abc\"", &v), 0);
    ck_assert_int_eq(from_json(&c, "\"h\\u00e9\\u00e9\"", &v), 0); /* 3 characters, 5 bytes */
    ck_assert_int_eq(from_json(&c, "\"abcd\"", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&c, "5", &v), ORM_E_INVALID);
    orm_value choices[] = {orm_text("a", 1), orm_text("b", 1)};
    c.choices = choices;
    c.nchoices = 2;
    ck_assert_int_eq(from_json(&c, "\"b\"", &v), 0);
    ck_assert_int_eq(from_json(&c, "\"c\"", &v), ORM_E_VALIDATION);
    ck_assert_str_eq(to_json(&c, orm_text("q\"\n", 3)), "\"q\\\"\\n\"");
}
END_TEST

START_TEST(booleans_and_floats)
{
    orm_column b = column(ORM_T_BOOLEAN), f = column(ORM_T_FLOAT);
    orm_value v;
    ck_assert_int_eq(from_json(&b, "true", &v), 0);
    ck_assert_int_eq(v.u.i, 1);
    ck_assert_int_eq(from_json(&b, "1", &v), ORM_E_INVALID);
    ck_assert_str_eq(to_json(&b, orm_int(0)), "false");
    ck_assert_int_eq(from_json(&f, "2", &v), 0);
    ck_assert_double_eq(v.u.f, 2.0);
    ck_assert_int_eq(from_json(&f, "\"2\"", &v), ORM_E_INVALID);
    ck_assert_str_eq(to_json(&f, orm_float(2.0)), "2.0");
    ck_assert_str_eq(to_json(&f, orm_float(0.5)), "0.5");
}
END_TEST

START_TEST(numeric_keeps_exactness)
{
    orm_column c = column(ORM_T_NUMERIC);
    c.precision = 6;
    c.scale = 2;
    orm_value v;
    ck_assert_int_eq(from_json(&c, "\"1234.50\"", &v), 0);
    ck_assert_str_eq(v.u.s.p, "1234.50");
    ck_assert_int_eq(from_json(&c, "12", &v), 0);
    ck_assert_int_eq(from_json(&c, "\"1.234\"", &v), ORM_E_VALIDATION);   /* scale */
    ck_assert_int_eq(from_json(&c, "\"123456.5\"", &v), ORM_E_VALIDATION); /* precision */
    ck_assert_int_eq(from_json(&c, "\"12a\"", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&c, "true", &v), ORM_E_INVALID);
    /* SQLite hands numerics back as numbers: output is a string at the scale */
    ck_assert_str_eq(to_json(&c, orm_float(12.5)), "\"12.50\"");
    ck_assert_str_eq(to_json(&c, orm_int(3)), "\"3.00\"");
    ck_assert_str_eq(to_json(&c, orm_text("7.25", 4)), "\"7.25\"");
}
END_TEST

/* Output of the numeric column c for v, without the quotes (NULL for null). */
static const char *numeric_out(const orm_column *c, orm_value v)
{
    const char *j = to_json(c, v);
    if (!strcmp(j, "null")) return NULL;
    size_t n = strlen(j);
    ck_assert_msg(n >= 2 && j[0] == '"' && j[n - 1] == '"', "not a JSON string: %s", j);
    return rm_arena_strndup(A, j + 1, n - 2);
}

static orm_column numeric_column(int precision, int scale)
{
    orm_column c = column(ORM_T_NUMERIC);
    c.precision = precision;
    c.scale = scale;
    return c;
}

START_TEST(numeric_edge_values)
{
    orm_column c2 = numeric_column(10, 2), c0 = numeric_column(10, 0), free = numeric_column(0, 0);
    /* a REAL far past the precision (written by another program) */
    ck_assert_str_eq(numeric_out(&c2, orm_float(1e300)),
                     "1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371"
                     "375080447864043704443832883878176942523235360430575644792184786706982848387200926575803"
                     "737830233794788090059368953234970799945081119038967640880074652742780142494579258788820"
                     "056842838115669472196386865459400540160.00");
    const char *m = numeric_out(&c2, orm_float(-1e308));
    ck_assert_uint_eq(strlen(m), 1 + 309 + 3);
    ck_assert(!strncmp(m, "-1000000000000000010979063629440455417404923", 44));
    ck_assert_str_eq(numeric_out(&c2, orm_float(5e-324)), "0.00");
    ck_assert_str_eq(numeric_out(&c2, orm_float(-5e-324)), "0.00"); /* rounds to zero: no sign */
    ck_assert_str_eq(numeric_out(&c2, orm_float(-0.0)), "0.00");
    ck_assert_str_eq(numeric_out(&free, orm_float(-0.0)), "0");
    /* ties of the exact binary value round half away from zero */
    ck_assert_str_eq(numeric_out(&c2, orm_float(0.125)), "0.13");
    ck_assert_str_eq(numeric_out(&c2, orm_float(-0.125)), "-0.13");
    ck_assert_str_eq(numeric_out(&c0, orm_float(2.5)), "3");
    ck_assert_str_eq(numeric_out(&c0, orm_float(0.5)), "1");
    ck_assert_str_eq(numeric_out(&c2, orm_float(9.995)), "9.99"); /* the double is 9.99499999... */
    ck_assert_str_eq(numeric_out(&c2, orm_float(99.999)), "100.00");
    ck_assert_str_eq(numeric_out(&c2, orm_float(-999.996)), "-1000.00");
    /* not finite: SQLite keeps infinities (and stores NaN as NULL) */
    ck_assert_ptr_null(numeric_out(&c2, orm_float(INFINITY)));
    ck_assert_ptr_null(numeric_out(&c2, orm_float(-INFINITY)));
    ck_assert_ptr_null(numeric_out(&free, orm_float(NAN)));
    /* INTEGER at any scale, exactly */
    ck_assert_str_eq(numeric_out(&c2, orm_int(123)), "123.00");
    ck_assert_str_eq(numeric_out(&c0, orm_int(-5)), "-5");
    orm_column c3 = numeric_column(1000, 3);
    ck_assert_str_eq(numeric_out(&c3, orm_int(INT64_MIN)), "-9223372036854775808.000");
    orm_column wide = numeric_column(1000, 1000);
    m = numeric_out(&wide, orm_int(7));
    ck_assert_uint_eq(strlen(m), 1002);
    ck_assert(m[0] == '7' && m[1] == '.' && strspn(m + 2, "0") == 1000);
    m = numeric_out(&wide, orm_float(-5e-324)); /* 2^-1074: 1074 exact fraction digits, 1000 kept */
    ck_assert_uint_eq(strlen(m), 1003);
    ck_assert(!strncmp(m, "-0.", 3) && strspn(m + 3, "0") == 323 && !strncmp(m + 326, "4940656458412465441765", 22));
    /* no precision: the shortest text that reads back, never an exponent */
    ck_assert_str_eq(numeric_out(&free, orm_float(1e-7)), "0.0000001");
    ck_assert_str_eq(numeric_out(&free, orm_float(12.5)), "12.5");
    ck_assert_str_eq(numeric_out(&free, orm_float(0.1 + 0.2)), "0.30000000000000004");
    m = numeric_out(&free, orm_float(1e300));
    ck_assert(m[0] == '1' && strlen(m) == 301 && strspn(m + 1, "0") == 300);
    ck_assert_str_eq(numeric_out(&free, orm_int(INT64_MAX)), "9223372036854775807");
    /* TEXT: decimals at the scale, anything else passed through */
    ck_assert_str_eq(numeric_out(&c2, orm_text("+007.5", 6)), "7.50");
    ck_assert_str_eq(numeric_out(&c2, orm_text(".5", 2)), "0.50");
    ck_assert_str_eq(numeric_out(&c2, orm_text("-0.001", 6)), "0.00");
    ck_assert_str_eq(numeric_out(&c2, orm_text("1.005", 5)), "1.01");
    ck_assert_str_eq(numeric_out(&free, orm_text("1.50", 4)), "1.50");
    ck_assert_str_eq(numeric_out(&c2, orm_text("abc", 3)), "abc");
    ck_assert_str_eq(numeric_out(&c2, orm_text("", 0)), "");
    /* URL text of a REAL: a decimal any key parser reads */
    ck_assert_str_eq(orm_value_to_text(A, &(orm_value){.kind = ORM_V_FLOAT, .u.f = 1e-7}), "0.0000001");
    ck_assert_uint_eq(strlen(orm_value_to_text(A, &(orm_value){.kind = ORM_V_FLOAT, .u.f = -1e308})), 310);
}
END_TEST

START_TEST(numeric_input_scale_and_exact_bounds)
{
    orm_column c = numeric_column(10, 0);
    orm_value v;
    ck_assert_int_eq(from_json(&c, "\"15\"", &v), 0);
    ck_assert_int_eq(from_json(&c, "\"1.5\"", &v), ORM_E_VALIDATION); /* numeric(10) has scale 0 */
    orm_column d = numeric_column(60, 30);
    d.has_max = d.has_min = true;
    d.max = 10;
    d.min = -0.1; /* the double just above -0.1: -0.1000000000000000055511151231257827... */
    ck_assert_int_eq(from_json(&d, "\"10.000000000000000000000000000000\"", &v), 0);
    ck_assert_int_eq(from_json(&d, "\"10.000000000000000000000000000001\"", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&d, "\"-0.100000000000000005551115123125\"", &v), 0);
    ck_assert_int_eq(from_json(&d, "\"-0.100000000000000005551115123126\"", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&d, "\"-00000000000000000000000000000000000000000000000000000000000.1\"", &v), 0);
    /* a 64-bit integer is not rounded to the nearest double first */
    orm_column b = column(ORM_T_BIGINT);
    b.has_max = true;
    b.max = 9007199254740992.0; /* 2^53 */
    ck_assert_int_eq(from_json(&b, "9007199254740992", &v), 0);
    ck_assert_int_eq(from_json(&b, "9007199254740993", &v), ORM_E_VALIDATION);
}
END_TEST

/* ---- numeric output: property test against a big-number reference ------------------------ */

/* Unsigned big integers in base 1e9 limbs, least significant first. */
typedef struct big {
    uint32_t l[160];
    size_t n;
} big;

static void big_mul(big *b, uint32_t f)
{
    uint64_t carry = 0;
    for (size_t i = 0; i < b->n; i++) {
        uint64_t x = (uint64_t)b->l[i] * f + carry;
        b->l[i] = (uint32_t)(x % 1000000000u);
        carry = x / 1000000000u;
    }
    while (carry) {
        ck_assert_uint_lt(b->n, sizeof b->l / sizeof b->l[0]);
        b->l[b->n++] = (uint32_t)(carry % 1000000000u);
        carry /= 1000000000u;
    }
}

static void big_add1(big *b)
{
    for (size_t i = 0;; i++) {
        if (i == b->n) b->l[b->n++] = 0;
        if (++b->l[i] < 1000000000u) return;
        b->l[i] = 0;
    }
}

/* digits[0..n) as a big number */
static void big_from_digits(big *b, const char *d, size_t n)
{
    b->n = 0;
    for (size_t end = n; end > 0;) {
        size_t start = end >= 9 ? end - 9 : 0;
        uint32_t v = 0;
        for (size_t k = start; k < end; k++) v = v * 10 + (uint32_t)(d[k] - '0');
        b->l[b->n++] = v;
        end = start;
    }
    if (!b->n) b->l[b->n++] = 0;
}

/* Decimal digits of b, at least `width` of them (zero-padded on the left). */
static char *big_digits(const big *b, size_t width)
{
    char *s = rm_arena_alloc(A, b->n * 9 + width + 2), *p = s;
    size_t top = b->n;
    while (top > 1 && !b->l[top - 1]) top--;
    int len = snprintf(NULL, 0, "%u", b->l[top - 1]) + (int)(top - 1) * 9;
    for (int pad = (int)width - len; pad > 0; pad--) *p++ = '0';
    p += sprintf(p, "%u", b->l[top - 1]);
    for (size_t i = top - 1; i-- > 0;) p += sprintf(p, "%09u", b->l[i]);
    return s;
}

/* The exact decimal expansion of the finite double x: *ip integer digits,
 * *fp fraction digits (x = M * 2^e: M * 2^e, or M * 5^-e / 10^-e). */
static void exact_expansion(double x, char **ip, char **fp)
{
    int e;
    double m = frexp(fabs(x), &e);
    uint64_t M = (uint64_t)ldexp(m, 53);
    e -= 53;
    big b;
    b.n = 0;
    for (uint64_t t = M; t; t /= 1000000000u) b.l[b.n++] = (uint32_t)(t % 1000000000u);
    if (!b.n) b.l[b.n++] = 0;
    if (e >= 0) {
        for (int k = e; k > 0; k -= 29) big_mul(&b, 1u << (k < 29 ? k : 29));
        *ip = big_digits(&b, 1);
        *fp = "";
        return;
    }
    for (int k = -e; k > 0; k -= 13) { /* 5^13 < 2^32 */
        uint32_t f = 1;
        for (int j = 0; j < (k < 13 ? k : 13); j++) f *= 5;
        big_mul(&b, f);
    }
    size_t nf = (size_t)-e;
    char *all = big_digits(&b, nf + 1);
    size_t n = strlen(all);
    *ip = rm_arena_strndup(A, all, n - nf);
    *fp = all + n - nf;
}

/* The expected text of sign, integer digits ip and fraction digits fp at
 * scale: the digits times 10^scale as a big number, plus one when the
 * first dropped digit is 5 or more (half away from zero). */
static const char *expected_at_scale(bool neg, const char *ip, const char *fp, int scale)
{
    size_t ni = strlen(ip), nf = strlen(fp), s = (size_t)scale;
    char *d = rm_arena_alloc(A, ni + s + 1);
    memcpy(d, ip, ni);
    for (size_t k = 0; k < s; k++) d[ni + k] = k < nf ? fp[k] : '0';
    big b;
    big_from_digits(&b, d, ni + s);
    if (s < nf && fp[s] >= '5') big_add1(&b);
    char *digits = big_digits(&b, s + 1);
    size_t n = strlen(digits);
    bool zero = strspn(digits, "0") == n;
    return rm_arena_sprintf(A, "%s%.*s%s%s", neg && !zero ? "-" : "", (int)(n - s), digits, s ? "." : "",
                            digits + n - s);
}

typedef struct prng {
    uint64_t s;
} prng;

static uint64_t rnd(prng *g) /* xorshift64* */
{
    g->s ^= g->s >> 12;
    g->s ^= g->s << 25;
    g->s ^= g->s >> 27;
    return g->s * 2685821657736338717ULL;
}

static int rnd_int(prng *g, int lo, int hi) { return lo + (int)(rnd(g) % (uint64_t)(hi - lo + 1)); }

static int random_scale(prng *g)
{
    int r = rnd_int(g, 0, 99);
    return r < 90 ? rnd_int(g, 0, 30) : r < 97 ? rnd_int(g, 31, 330) : 1000;
}

/* A random double of any magnitude: random significant digits (1 to 17)
 * times 10^(-340..308), or a dyadic fraction (exact ties at some scale). */
static double random_double(prng *g)
{
    for (;;) {
        double x;
        if (rnd_int(g, 0, 3) == 0) {
            x = ldexp((double)(rnd(g) >> rnd_int(g, 11, 63)), -rnd_int(g, 0, 60));
        } else {
            char buf[64];
            int nd = rnd_int(g, 1, 17), p = 0;
            for (int i = 0; i < nd; i++) buf[p++] = (char)('0' + (i == 0 ? rnd_int(g, 1, 9) : rnd_int(g, 0, 9)));
            snprintf(buf + p, sizeof buf - (size_t)p, "e%d", rnd_int(g, -340, 308));
            x = strtod(buf, NULL);
        }
        if (isfinite(x)) return rnd(g) & 1 ? -x : x;
    }
}

static bool is_plain_decimal(const char *s)
{
    if (*s == '-') s++;
    size_t ni = strspn(s, "0123456789");
    if (!ni) return false;
    if (!s[ni]) return true;
    return s[ni] == '.' && strspn(s + ni + 1, "0123456789") > 0 && !s[ni + 1 + strspn(s + ni + 1, "0123456789")];
}

#define CASES 3000

START_TEST(numeric_output_property)
{
    prng g = {0x9E3779B97F4A7C15ULL ^ (uint64_t)_i};
    for (int i = 0; i < CASES; i++) {
        int scale = random_scale(&g);
        orm_column c = numeric_column(1000, scale);
        /* INTEGER: 1 to 19 digits, both signs */
        uint64_t mag = rnd(&g);
        int nd = rnd_int(&g, 1, 19);
        uint64_t lim = 1;
        for (int k = 0; k < nd && lim <= UINT64_MAX / 10; k++) lim *= 10;
        mag %= lim;
        if (mag > (uint64_t)INT64_MAX) mag = (uint64_t)INT64_MAX;
        int64_t iv = rnd(&g) & 1 ? -(int64_t)mag : (int64_t)mag;
        char digits[24];
        snprintf(digits, sizeof digits, "%llu", (unsigned long long)mag);
        const char *got = numeric_out(&c, orm_int(iv));
        ck_assert_msg(!strcmp(got, expected_at_scale(iv < 0, digits, "", scale)),
                      "case %d: integer %lld at scale %d: got %s", i, (long long)iv, scale, got);

        /* REAL of any magnitude, at a scale */
        double x = random_double(&g);
        char *ip, *fp;
        exact_expansion(x, &ip, &fp);
        const char *want = expected_at_scale(signbit(x), ip, fp, scale);
        got = numeric_out(&c, orm_float(x));
        ck_assert_msg(!strcmp(got, want), "case %d: %.17g at scale %d: got %s, want %s", i, x, scale, got, want);
        /* independent of the reference: scale digits after the point, and
         * within half a unit of the last place (plus long double error) */
        ck_assert(is_plain_decimal(got));
        const char *dot = strchr(got, '.');
        ck_assert_uint_eq(dot ? strlen(dot + 1) : 0, (size_t)scale);
        long double back = strtold(got, NULL);
        ck_assert_msg(fabsl(back - (long double)x) <= 0.5L * powl(10.0L, -scale) + fabsl((long double)x) * LDBL_EPSILON,
                      "case %d: %s is not %.17g at scale %d", i, got, x, scale);

        /* REAL without a precision: the shortest text that reads back */
        orm_column free = numeric_column(0, 0);
        got = numeric_out(&free, orm_float(x));
        ck_assert_msg(is_plain_decimal(got) && strtod(got, NULL) == x, "case %d: %.17g written %s", i, x, got);
        char sd[400]; /* the digits without sign, point, leading and trailing zeros */
        size_t sig = 0;
        for (const char *q = got; *q && sig < sizeof sd; q++)
            if (isdigit((unsigned char)*q) && (sig || *q != '0')) sd[sig++] = *q;
        while (sig > 1 && sd[sig - 1] == '0') sig--;
        ck_assert_msg(!strchr(got, '.') || got[strlen(got) - 1] != '0', "case %d: trailing zero: %s", i, got);
        ck_assert_msg(sig <= 17, "case %d: %s has %zu significant digits", i, got, sig);
        if (sig > 1) { /* one digit fewer does not read back */
            char shorter[40];
            snprintf(shorter, sizeof shorter, "%.*e", (int)sig - 2, x);
            ck_assert_msg(strtod(shorter, NULL) != x, "case %d: %s is shorter than %s", i, shorter, got);
        }

        /* decimal TEXT: 0 to 60 integer digits (leading zeros too), 0 to 40 fraction digits */
        char text[120];
        int p = 0, ni = rnd_int(&g, 0, 60), nf = rnd_int(&g, 0, 40);
        if (ni + nf == 0) ni = 1;
        bool neg = rnd(&g) & 1;
        if (neg) text[p++] = '-';
        else if (rnd_int(&g, 0, 3) == 0) text[p++] = '+';
        int ip0 = p;
        for (int k = 0; k < ni; k++) text[p++] = (char)('0' + rnd_int(&g, 0, 9));
        int fp0 = p + 1;
        if (nf) text[p++] = '.';
        for (int k = 0; k < nf; k++) text[p++] = (char)('0' + rnd_int(&g, 0, 9));
        text[p] = '\0';
        char *tip = rm_arena_strndup(A, text + ip0, (size_t)ni), *tfp = nf ? text + fp0 : "";
        if (!*tip) tip = "0";
        want = expected_at_scale(neg, tip, tfp, scale);
        got = numeric_out(&c, orm_text(text, (size_t)p));
        ck_assert_msg(!strcmp(got, want), "case %d: text %s at scale %d: got %s, want %s", i, text, scale, got, want);
    }
}
END_TEST

START_TEST(dates_uuids_json)
{
    orm_column d = column(ORM_T_DATE), dt = column(ORM_T_DATETIME), u = column(ORM_T_UUID),
               j = column(ORM_T_JSON);
    orm_value v;
    ck_assert_int_eq(from_json(&d, "\"2024-02-29\"", &v), 0);
    ck_assert_int_eq(from_json(&d, "\"2023-02-29\"", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&d, "\"2024-13-01\"", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&d, "\"yesterday\"", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&dt, "\"2024-01-02T03:04:05Z\"", &v), 0);
    ck_assert_int_eq(from_json(&dt, "\"2024-01-02T03:04:05.123+02:00\"", &v), 0);
    ck_assert_int_eq(from_json(&dt, "\"2024-01-02 03:04\"", &v), 0);
    ck_assert_int_eq(from_json(&dt, "\"2024-01-02T25:00\"", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&u, "\"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11\"", &v), 0);
    ck_assert_str_eq(v.u.s.p, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    ck_assert_int_eq(from_json(&u, "\"not-a-uuid\"", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&j, "{\"a\": [1, 2]}", &v), 0);
    ck_assert_str_eq(v.u.s.p, "{\"a\":[1,2]}");
    ck_assert_str_eq(to_json(&j, v), "{\"a\":[1,2]}");
}
END_TEST

/* Date-times are stored in one form on both backends: UTC, 'T', seconds,
 * the fraction in microseconds without trailing zeros, 'Z' (the PostgreSQL
 * run checks random ones against TIMESTAMPTZ: test_driver_pg.c). */
START_TEST(datetimes_are_stored_in_utc)
{
    static const struct {
        const char *in, *out; /* out NULL: refused */
    } cases[] = {
        {"2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"},
        {"2024-01-02T03:04:05", "2024-01-02T03:04:05Z"},           /* no zone: UTC */
        {"2024-01-02 03:04", "2024-01-02T03:04:00Z"},              /* a space, no seconds */
        {"2024-01-02T03:04:05.500Z", "2024-01-02T03:04:05.5Z"},    /* trailing zeros go */
        {"2024-01-02T03:04:05.000Z", "2024-01-02T03:04:05Z"},
        {"2024-01-02T03:04:05.123+02:00", "2024-01-02T01:04:05.123Z"},
        {"2024-01-01T00:30:00+01:00", "2023-12-31T23:30:00Z"},      /* across the year */
        {"2024-02-28T23:30:00-01:00", "2024-02-29T00:30:00Z"},      /* into a leap day */
        {"2024-06-30T23:59:60Z", "2024-07-01T00:00:00Z"},          /* a leap second rolls over */
        {"2024-01-02T03:04:05.1234564Z", "2024-01-02T03:04:05.123456Z"}, /* microseconds, rounded */
        {"2024-01-02T03:04:05.9999996Z", "2024-01-02T03:04:06Z"},
        {"2024-12-31T23:59:59.9999999Z", "2025-01-01T00:00:00Z"},
        {"0001-01-01T00:30:00+00:30", "0001-01-01T00:00:00Z"},
        {"0001-01-01T00:30:00+01:00", NULL},                         /* before year 1 in UTC */
        {"9999-12-31T23:30:00-01:00", NULL},                         /* after 9999 */
        {"2024-01-02T03:04:05+15:59", "2024-01-01T11:05:05Z"},
        {"2024-01-02T03:04:05-16:00", NULL},                         /* PostgreSQL's limit */
        {"2024-01-02T03:04:05.Z", NULL},
        {"2024-01-02T03:04:05.1234567890Z", NULL},                 /* 10 digits */
        {"2024-01-02T03:04:05Z ", NULL},
    };
    orm_column dt = column(ORM_T_DATETIME);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        orm_value v;
        int rc = from_json(&dt, rm_arena_sprintf(A, "\"%s\"", cases[i].in), &v);
        if (!cases[i].out) {
            ck_assert_msg(rc == ORM_E_VALIDATION, "%s was accepted", cases[i].in);
            continue;
        }
        ck_assert_msg(rc == 0, "%s was refused", cases[i].in);
        ck_assert_msg(!strcmp(v.u.s.p, cases[i].out), "%s: got %s, want %s", cases[i].in, v.u.s.p, cases[i].out);
    }
}
END_TEST

START_TEST(text_from_urls)
{
    orm_column i = column(ORM_T_INTEGER), b = column(ORM_T_BOOLEAN), d = column(ORM_T_DATE);
    orm_value v;
    const char *msg;
    ck_assert_int_eq(orm_value_from_text(&i, "17", A, &v, &msg), 0);
    ck_assert_int_eq(v.u.i, 17);
    ck_assert_int_eq(orm_value_from_text(&i, "abc", A, &v, &msg), ORM_E_INVALID);
    ck_assert_int_eq(orm_value_from_text(&i, "", A, &v, &msg), ORM_E_INVALID);
    ck_assert_int_eq(orm_value_from_text(&i, "1x", A, &v, &msg), ORM_E_INVALID);
    ck_assert_int_eq(orm_value_from_text(&b, "true", A, &v, &msg), 0);
    ck_assert_int_eq(v.u.i, 1);
    ck_assert_int_eq(orm_value_from_text(&b, "yes", A, &v, &msg), ORM_E_INVALID);
    ck_assert_int_eq(orm_value_from_text(&d, "2024-01-01", A, &v, &msg), 0);
    ck_assert_int_eq(orm_value_from_text(&d, "2024-1-1", A, &v, &msg), ORM_E_INVALID);
}
END_TEST

TS_SUITE(convert_suite, "orm/convert", setup, teardown, 2, integers, strings_length_and_choices,
         booleans_and_floats, numeric_keeps_exactness, dates_uuids_json, datetimes_are_stored_in_utc, text_from_urls, numeric_edge_values,
         numeric_input_scale_and_exact_bounds, numeric_output_property)
