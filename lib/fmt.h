/* fmt.h: numbers as text without printf, for what every request writes
 * (request ids, Server-Timing, the access log, metrics). Each writer fills
 * out[] and returns the number of bytes written, without a NUL; the bytes
 * are exactly printf's for the format named. */
#ifndef RM_FMT_H
#define RM_FMT_H

#include <stddef.h>
#include <stdint.h>

#define RM_FMT_INT_MAX 20     /* longest "%llu" / "%lld" */
#define RM_FMT_HEX16 16       /* "%016llx" */
#define RM_FMT_FIXED3_MAX 316 /* longest "%.3f" of a double (-DBL_MAX) */

/* "%llu" */
size_t rm_fmt_u64(char *out, unsigned long long v);
/* "%lld" */
size_t rm_fmt_i64(char *out, long long v);
/* "%016llx": 16 lowercase hex digits */
size_t rm_fmt_hex16(char *out, uint64_t v);
/* "%.3f", rounded as glibc rounds: to nearest of the exact binary value,
 * ties to even. Values of 4e9 or more in size, infinities and NaN take
 * snprintf itself. */
size_t rm_fmt_fixed3(char *out, double v);

#endif
