/* decimal.h: exact decimal text for numeric columns.
 *
 * A decimal is a sign, integer digits and fraction digits pointing into
 * some text ([-+]digits[.digits]). The functions parse, compare and write
 * decimals, and give the decimal text of a double: its exact expansion or
 * the shortest text that reads back as it. Nothing here has a fixed-size
 * buffer a value could outgrow: every text goes into a string builder. */
#ifndef ORM_DECIMAL_H
#define ORM_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/sb.h"

typedef struct orm_decimal {
    bool neg;
    const char *ip, *fp; /* integer and fraction digits ('0'-'9' only) */
    size_t in, fn;       /* their counts; in + fn > 0 */
} orm_decimal;

/* s[0..n) is [-+]digits[.digits] with at least one digit: *d points into s. */
bool orm_decimal_parse(const char *s, size_t n, orm_decimal *d);
/* -1, 0 or 1 by value: "-0.0" equals "0", "1.50" equals "1.5". */
int orm_decimal_cmp(orm_decimal x, orm_decimal y);
/* Append d rounded or padded to scale fraction digits (scale < 0: the
 * fraction as it is), without quotes. Rounding is half away from zero on
 * the exact digits, as SQL numeric rounding is; the integer part loses
 * its leading zeros (one "0" stays); a zero result has no minus sign. */
void orm_decimal_write(rm_sb *sb, orm_decimal d, int scale);

/* Append the exact decimal expansion of the finite double x (0.1 is
 * "0.1000000000000000055511151231257827021181583404541015625"; up to 309
 * integer and 1074 fraction digits). */
void orm_decimal_exact(rm_sb *sb, double x);
/* Append the shortest decimal that reads back as the finite double x,
 * without an exponent (1e300 is "1" and 300 zeros, 1e-7 "0.0000001"). */
void orm_decimal_shortest(rm_sb *sb, double x);
/* Fewest significant digits worth trying for the shortest text of x that
 * reads back (1 for subnormals, else 15: any shorter text is x rounded to
 * 15 digits with its trailing zeros dropped). */
int orm_shortest_from(double x);
/* Compare the decimal text s[0..n) (or the integer i when s is NULL) with
 * the finite double x exactly: no rounding of either to the other's form.
 * 0 also when s is not a decimal. */
int orm_decimal_cmp_double(const char *s, size_t n, long long i, double x);

#endif
