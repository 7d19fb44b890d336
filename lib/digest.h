/* digest.h: SHA-256, HMAC-SHA256 and a constant-time comparison, for
 * tamper-evident cursors and ETags. A thin wrapper over OpenSSL's
 * libcrypto, the library libjwt links on Debian: one crypto library in the
 * binary, and no hand-written primitives. */
#ifndef RM_DIGEST_H
#define RM_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#define RM_SHA256_LEN 32

/* out = SHA-256(data[0..n)). */
void rm_sha256(const void *data, size_t n, unsigned char out[RM_SHA256_LEN]);
/* out = HMAC-SHA256(key, data[0..n)) (RFC 2104). */
void rm_hmac_sha256(const void *key, size_t keylen, const void *data, size_t n,
                    unsigned char out[RM_SHA256_LEN]);
/* a[0..n) == b[0..n), in time that depends on n only (for MACs). */
bool rm_digest_equal(const void *a, const void *b, size_t n);

#endif
