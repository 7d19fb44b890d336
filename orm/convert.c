/* convert.c: per-type conversion and validation of column values; see
 * convert.h for the contract and the canonical forms. */
#include "orm/convert.h"

#include "orm/decimal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- format checks ------------------------------------------------------ */

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

static int num2(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

/* "YYYY-MM-DD" with a real day of that month. */
static int valid_date(const char *s, size_t n)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n != 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return 0;
    int y = atoi(s), m = num2(s + 5), d = num2(s + 8);
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return 0;
    if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) return 0;
    return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard
 * Hinnant's days_from_civil / civil_from_days). */
static long long days_from_civil(long long y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long long z, long long *y, int *m, int *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static long long floor_div(long long a, long long b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* ISO 8601: date, 'T' or ' ', HH:MM[:SS[.frac]], optional Z or ±HH:MM (none
 * means UTC; an offset within ±15:59). Written to out (at least 28 bytes) in the one form both
 * backends store and answer: UTC, 'T', seconds, the fraction rounded to
 * microseconds without trailing zeros, 'Z' ("2024-01-02T03:04:05.5Z"), as
 * PostgreSQL's TIMESTAMPTZ keeps it. Returns its length, or 0 when s is not
 * such a date-time or its UTC year falls outside 1..9999. */
static size_t canonical_datetime(const char *s, size_t n, char *out)
{
    if (n < 16 || !valid_date(s, 10) || (s[10] != 'T' && s[10] != ' ')) return 0;
    const char *p = s + 11, *end = s + n;
    if (!digits(p, 2) || p[2] != ':' || !digits(p + 3, 2)) return 0;
    int hour = num2(p), minute = num2(p + 3), second = 0;
    long long nanos = 0;
    if (hour > 23 || minute > 59) return 0;
    p += 5;
    if (p < end && *p == ':') {
        if (end - p < 3 || !digits(p + 1, 2) || (second = num2(p + 1)) > 60) return 0;
        p += 3;
        if (p < end && *p == '.') {
            const char *f = ++p;
            while (p < end && isdigit((unsigned char)*p)) p++;
            if (p == f || p - f > 9) return 0;
            for (int i = 0; i < 9; i++) nanos = nanos * 10 + (f + i < p ? f[i] - '0' : 0);
        }
    }
    int offset = 0; /* minutes east of UTC */
    if (p < end && *p == 'Z') {
        if (++p != end) return 0;
    } else if (p < end) {
        if ((*p != '+' && *p != '-') || end - p != 6 || !digits(p + 1, 2) || p[3] != ':' || !digits(p + 4, 2) ||
            num2(p + 1) > 15 || num2(p + 4) > 59) /* PostgreSQL's range; real zones are within ±14:00 */
            return 0;
        offset = (*p == '-' ? -1 : 1) * (num2(p + 1) * 60 + num2(p + 4));
    }
    long long day = days_from_civil(atoi(s), num2(s + 5), num2(s + 8));
    long long us = ((day * 86400 + hour * 3600 + minute * 60 + second - offset * 60LL) * 1000000) +
                   (nanos + 500) / 1000;
    long long y;
    int m, d;
    day = floor_div(us, 86400000000LL);
    us -= day * 86400000000LL;
    civil_from_days(day, &y, &m, &d);
    if (y < 1 || y > 9999) return 0;
    long long secs = us / 1000000;
    int frac = (int)(us % 1000000);
    int len = snprintf(out, 28, "%04lld-%02d-%02dT%02lld:%02lld:%02lld", y, m, d, secs / 3600, secs / 60 % 60, secs % 60);
    if (frac) {
        len += snprintf(out + len, 28 - (size_t)len, ".%06d", frac);
        while (out[len - 1] == '0') len--;
    }
    out[len++] = 'Z';
    out[len] = 0;
    return (size_t)len;
}

/* 8-4-4-4-12 hex digits; canonical lower case written to out (37 bytes). */
static int canonical_uuid(const char *s, size_t n, char *out)
{
    if (n != 36) return 0;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return 0;
            out[i] = '-';
        } else {
            if (!isxdigit((unsigned char)s[i])) return 0;
            out[i] = (char)tolower((unsigned char)s[i]);
        }
    }
    out[36] = '\0';
    return 1;
}

/* [-+]digits[.digits], within precision/scale when the column has them
 * (a precision without a scale is scale 0). */
static int valid_decimal(const orm_column *c, const char *s, size_t n, const char **msg)
{
    orm_decimal d;
    if (!orm_decimal_parse(s, n, &d)) {
        *msg = "must be a decimal number such as \"12.50\"";
        return 0;
    }
    if (c->precision && (int)d.fn > c->scale) {
        *msg = "has more decimal places than the column's scale";
        return 0;
    }
    if (c->precision) {
        /* leading zeros of the integer part do not count */
        while (d.in > 1 && d.ip[0] == '0') d.ip++, d.in--;
        if ((int)d.in > c->precision - c->scale) {
            *msg = "has more digits than the column's precision";
            return 0;
        }
    }
    return 1;
}

/* Number of UTF-8 code points (input is valid UTF-8: jansson checks it). */
static size_t utf8_len(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) k++;
    return k;
}

/* v against a column's min or max, exactly: a REAL as a double, an INTEGER
 * or a decimal TEXT against the bound's exact expansion (a long decimal or
 * a 64-bit integer is not rounded to the nearest double first). */
static int cmp_bound(const orm_value *v, double bound)
{
    if (v->kind == ORM_V_INT && isfinite(bound)) return orm_decimal_cmp_double(NULL, 0, (long long)v->u.i, bound);
    if (v->kind == ORM_V_TEXT && isfinite(bound)) return orm_decimal_cmp_double(v->u.s.p, v->u.s.n, 0, bound);
    double x = v->kind == ORM_V_FLOAT ? v->u.f : v->kind == ORM_V_INT ? (double)v->u.i : 0;
    return (x > bound) - (x < bound);
}

int orm_column_check(const orm_column *c, const orm_value *v, rm_arena *a, const char **msg)
{
    if (v->kind == ORM_V_NULL) return 0;
    if (c->length && v->kind == ORM_V_TEXT && utf8_len(v->u.s.p, v->u.s.n) > (size_t)c->length) {
        *msg = rm_arena_sprintf(a, "is longer than %d characters", c->length);
        return ORM_E_VALIDATION;
    }
    if (c->nchoices) {
        size_t i;
        for (i = 0; i < c->nchoices; i++)
            if (orm_value_eq(&c->choices[i], v)) break;
        if (i == c->nchoices) {
            rm_sb sb;
            rm_sb_init(&sb, a);
            rm_sb_append(&sb, "must be one of ");
            for (i = 0; i < c->nchoices; i++) {
                if (i) rm_sb_append(&sb, ", ");
                orm_value_write_json(&sb, c, &c->choices[i]);
            }
            *msg = sb.buf;
            return ORM_E_VALIDATION;
        }
    }
    if (c->has_min || c->has_max) {
        if (c->has_min && cmp_bound(v, c->min) < 0) {
            *msg = rm_arena_sprintf(a, "must be at least %g", c->min);
            return ORM_E_VALIDATION;
        }
        if (c->has_max && cmp_bound(v, c->max) > 0) {
            *msg = rm_arena_sprintf(a, "must be at most %g", c->max);
            return ORM_E_VALIDATION;
        }
    }
    return 0;
}

/* ---- input ---------------------------------------------------------------- */

/* Checks shared by JSON and text input once the raw value is known. */
static int finish_text(const orm_column *c, const char *s, size_t n, rm_arena *a,
                       orm_value *out, const char **msg)
{
    char uuid[37], datetime[28];
    switch (c->type) {
    case ORM_T_NUMERIC:
        if (!valid_decimal(c, s, n, msg)) return ORM_E_VALIDATION;
        break;
    case ORM_T_DATE:
        if (!valid_date(s, n)) {
            *msg = "must be a date (YYYY-MM-DD)";
            return ORM_E_VALIDATION;
        }
        break;
    case ORM_T_DATETIME:
        if (!(n = canonical_datetime(s, n, datetime))) {
            *msg = "must be an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM]) in the years 1 to 9999";
            return ORM_E_VALIDATION;
        }
        s = datetime;
        break;
    case ORM_T_UUID:
        if (!canonical_uuid(s, n, uuid)) {
            *msg = "must be a UUID (8-4-4-4-12 hexadecimal digits)";
            return ORM_E_VALIDATION;
        }
        s = uuid;
        break;
    default: break;
    }
    *out = orm_text(rm_arena_strndup(a, s, n), n);
    return 0;
}

static int check_int_range(const orm_column *c, long long x, const char **msg)
{
    if (c->type == ORM_T_INTEGER && (x < INT32_MIN || x > INT32_MAX)) {
        *msg = "is out of range for an integer (32-bit)";
        return ORM_E_VALIDATION;
    }
    return 0;
}

int orm_value_from_json(const orm_column *c, const json_t *j, rm_arena *a, orm_value *out,
                        const char **msg)
{
    int rc = orm_value_parse_json(c, j, a, out, msg);
    return rc ? rc : orm_column_check(c, out, a, msg);
}

int orm_value_parse_json(const orm_column *c, const json_t *j, rm_arena *a, orm_value *out,
                         const char **msg)
{
    int rc;
    if (json_is_null(j)) {
        *out = orm_null();
        return 0;
    }
    switch (c->type) {
    case ORM_T_INTEGER:
    case ORM_T_BIGINT:
        if (!json_is_integer(j)) {
            *msg = "must be an integer";
            return ORM_E_INVALID;
        }
        if ((rc = check_int_range(c, json_integer_value(j), msg))) return rc;
        *out = orm_int(json_integer_value(j));
        return 0;
    case ORM_T_FLOAT:
        if (!json_is_number(j)) {
            *msg = "must be a number";
            return ORM_E_INVALID;
        }
        *out = orm_float(json_number_value(j));
        return 0;
    case ORM_T_BOOLEAN:
        if (!json_is_boolean(j)) {
            *msg = "must be true or false";
            return ORM_E_INVALID;
        }
        *out = orm_int(json_is_true(j));
        return 0;
    case ORM_T_NUMERIC:
        if (json_is_integer(j)) {
            char buf[32];
            int n = snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
            return finish_text(c, buf, (size_t)n, a, out, msg);
        }
        if (!json_is_string(j)) {
            *msg = "must be a decimal string such as \"12.50\" (or an integer)";
            return ORM_E_INVALID;
        }
        return finish_text(c, json_string_value(j), json_string_length(j), a, out, msg);
    case ORM_T_JSON: {
        char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text) {
            *msg = "cannot be encoded";
            return ORM_E_INVALID;
        }
        *out = orm_text(rm_arena_strdup(a, text), strlen(text));
        free(text);
        return 0;
    }
    case ORM_T_STRING:
    case ORM_T_TEXT:
    case ORM_T_DATE:
    case ORM_T_DATETIME:
    case ORM_T_UUID:
        if (!json_is_string(j)) {
            *msg = "must be a string";
            return ORM_E_INVALID;
        }
        return finish_text(c, json_string_value(j), json_string_length(j), a, out, msg);
    case ORM_T__COUNT: break;
    }
    *msg = "has an unsupported type";
    return ORM_E_INVALID;
}

/* Text in JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?;
 * integer_only: without fraction or exponent. A URL names one value one way
 * only: no sign "+", no spaces, no leading zeros, no hex, no "inf". */
static bool json_number_text(const char *s, bool integer_only)
{
    if (*s == '-') s++;
    if (*s == '0') s++;
    else if (*s >= '1' && *s <= '9') while (*s >= '0' && *s <= '9') s++;
    else return false;
    if (integer_only) return !*s;
    if (*s == '.') {
        if (*++s < '0' || *s > '9') return false;
        while (*s >= '0' && *s <= '9') s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-') s++;
        if (*s < '0' || *s > '9') return false;
        while (*s >= '0' && *s <= '9') s++;
    }
    return !*s;
}

int orm_value_from_text(const orm_column *c, const char *text, rm_arena *a, orm_value *out,
                        const char **msg)
{
    char *end;
    int rc;
    switch (c->type) {
    case ORM_T_INTEGER:
    case ORM_T_BIGINT: {
        errno = 0;
        long long x = strtoll(text, &end, 10);
        if (!json_number_text(text, true) || *end || errno) {
            *msg = "must be an integer";
            return ORM_E_INVALID;
        }
        if ((rc = check_int_range(c, x, msg))) return ORM_E_INVALID;
        *out = orm_int(x);
        return 0;
    }
    case ORM_T_FLOAT: {
        errno = 0;
        double x = strtod(text, &end);
        if (!json_number_text(text, false) || *end || errno || !isfinite(x)) {
            *msg = "must be a number";
            return ORM_E_INVALID;
        }
        *out = orm_float(x);
        return 0;
    }
    case ORM_T_BOOLEAN:
        if (!strcmp(text, "true") || !strcmp(text, "1")) *out = orm_int(1);
        else if (!strcmp(text, "false") || !strcmp(text, "0")) *out = orm_int(0);
        else {
            *msg = "must be true or false";
            return ORM_E_INVALID;
        }
        return 0;
    case ORM_T_JSON: {
        json_error_t jerr;
        json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
        if (!j) {
            *msg = "must be JSON";
            return ORM_E_INVALID;
        }
        rc = orm_value_parse_json(c, j, a, out, msg);
        json_decref(j);
        return rc ? ORM_E_INVALID : 0;
    }
    default:
        /* text kinds: the format checks of JSON input, but a bad value in a
         * URL is malformed input rather than a failed validation */
        return finish_text(c, text, strlen(text), a, out, msg) ? ORM_E_INVALID : 0;
    }
}

/* ---- output --------------------------------------------------------------- */

/* The shortest %g text that reads back as f (8.99, not 8.9900000000000002),
 * for JSON numbers. 17 significant digits always read back, and "%.17g"
 * of any double fits in 32 bytes ("-1.2345678901234567e-308"). Returns the
 * length, or -1 when the text did not fit (cannot happen with size >= 32). */
static int format_double(char *buf, size_t size, double f)
{
    int n = -1;
    for (int prec = orm_shortest_from(f); prec <= 17; prec++) {
        n = snprintf(buf, size, "%.*g", prec, f);
        if (n < 0 || (size_t)n >= size) return -1;
        if (strtod(buf, NULL) == f) break;
    }
    return n;
}

/* A numeric column's value as a JSON string. With a precision the column
 * has a fixed scale (0 when not given), and every value is written at it:
 * an INTEGER padded ("123" at scale 2 is "123.00"), a REAL as the correctly
 * rounded decimal of the double (its exact expansion rounded half away from
 * zero: 1e300 is 301 digits and ".00"), a decimal TEXT padded or rounded
 * the same way. Without a precision an INTEGER is its digits, a REAL the
 * shortest decimal that reads back as the same double, a decimal TEXT as
 * stored. A REAL that is not finite (SQLite keeps +-Inf; it stores NaN as
 * NULL) is null, as in float columns; TEXT that is not a decimal (written
 * by another program) is passed through as a string. -0 is written "0". */
static void write_numeric(rm_sb *sb, const orm_column *c, const orm_value *v)
{
    int scale = c->precision ? c->scale : -1;
    rm_sb t; /* the value's decimal text */
    rm_sb_init(&t, NULL);
    switch (v->kind) {
    case ORM_V_NULL: rm_sb_append(sb, "null"); return;
    case ORM_V_INT: rm_sb_append_int(&t, (long long)v->u.i); break;
    case ORM_V_FLOAT:
        if (!isfinite(v->u.f)) {
            rm_sb_append(sb, "null");
            return;
        }
        if (scale < 0) orm_decimal_shortest(&t, v->u.f);
        else orm_decimal_exact(&t, v->u.f);
        break;
    case ORM_V_TEXT: rm_sb_appendn(&t, v->u.s.p, v->u.s.n); break;
    }
    orm_decimal d;
    if (t.err) {
        sb->err = 1;
    } else if (orm_decimal_parse(t.buf, t.len, &d)) {
        rm_sb_appendc(sb, '"');
        orm_decimal_write(sb, d, scale);
        rm_sb_appendc(sb, '"');
    } else {
        rm_sb_append_json_string(sb, t.buf, t.len);
    }
    rm_sb_free(&t);
}

void orm_value_write_json(rm_sb *sb, const orm_column *c, const orm_value *v)
{
    char buf[32];
    int n;
    if (c->type == ORM_T_NUMERIC) {
        write_numeric(sb, c, v);
        return;
    }
    switch (v->kind) {
    case ORM_V_NULL: rm_sb_append(sb, "null"); return;
    case ORM_V_INT:
        if (c->type == ORM_T_BOOLEAN) rm_sb_append(sb, v->u.i ? "true" : "false");
        else if (c->type == ORM_T_FLOAT) {
            rm_sb_append_int(sb, (long long)v->u.i);
            rm_sb_append(sb, ".0");
        } else if (orm_type_storage(c->type) == ORM_V_TEXT) {
            rm_sb_appendc(sb, '"');
            rm_sb_append_int(sb, (long long)v->u.i);
            rm_sb_appendc(sb, '"');
        } else rm_sb_append_int(sb, (long long)v->u.i);
        return;
    case ORM_V_FLOAT:
        if (!isfinite(v->u.f)) { rm_sb_append(sb, "null"); return; }
        if ((n = format_double(buf, sizeof buf, v->u.f)) < 0) {
            sb->err = 1;
            return;
        }
        /* keep it a JSON real: 3 → 3.0 */
        rm_sb_appendn(sb, buf, (size_t)n);
        if (!strpbrk(buf, ".eE")) rm_sb_append(sb, ".0");
        return;
    case ORM_V_TEXT:
        if (c->type == ORM_T_JSON) {
            json_error_t jerr;
            json_t *j = json_loadb(v->u.s.p, v->u.s.n, JSON_DECODE_ANY, &jerr);
            if (j) {
                json_decref(j);
                rm_sb_appendn(sb, v->u.s.p, v->u.s.n);
                return;
            }
        }
        rm_sb_append_json_string(sb, v->u.s.p, v->u.s.n);
        return;
    }
}

const char *orm_value_to_text(rm_arena *a, const orm_value *v)
{
    switch (v->kind) {
    case ORM_V_NULL: return "null";
    case ORM_V_INT: return rm_arena_sprintf(a, "%lld", (long long)v->u.i);
    case ORM_V_FLOAT: {
        /* a decimal without exponent: it reads back as a float key and is a
         * valid numeric key too */
        rm_sb t;
        rm_sb_init(&t, a);
        if (isfinite(v->u.f)) orm_decimal_shortest(&t, v->u.f);
        else rm_sb_append(&t, isnan(v->u.f) ? "nan" : v->u.f < 0 ? "-inf" : "inf");
        return t.buf;
    }
    case ORM_V_TEXT: return rm_arena_strndup(a, v->u.s.p, v->u.s.n);
    }
    return "";
}
