/* utf8.h: UTF-8 validation (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF). Used wherever text from the network is accepted
 * (request targets) and wherever text is written into an answer (JSON
 * strings), so no answer ever carries invalid UTF-8. */
#ifndef RM_UTF8_H
#define RM_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1-4) of the valid UTF-8 sequence at s[0..n), or 0 when the bytes
 * there do not start one (n == 0 included). */
size_t rm_utf8_seq_len(const char *s, size_t n);
/* Is s[0..n) valid UTF-8? */
bool rm_utf8_valid(const char *s, size_t n);
/* Characters (code points) in valid UTF-8 text s[0..n); invalid bytes
 * count one each. */
size_t rm_utf8_count(const char *s, size_t n);

#endif
