/* digest.h: SHA-256, HMAC-SHA256 and a constant-time comparison, for
 * tamper-evident cursors, and a fast non-cryptographic fingerprint, for
 * ETags. Thin wrappers over OpenSSL's libcrypto (the library libjwt links
 * on Debian: one crypto library in the binary) and libxxhash: no
 * hand-written primitives. */
#ifndef RM_DIGEST_H
#define RM_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#define RM_SHA256_LEN 32
#define RM_FINGERPRINT_LEN 16

/* out = XXH3-128(data[0..n)) in its canonical (big-endian) bytes: the same
 * on every machine. About ten times faster than SHA-256 (with SHA-NI) on
 * 8 KiB, but not collision-resistant: for telling representations apart
 * (ETags), never where an adversary's collision would matter (MACs). */
void rm_fingerprint(const void *data, size_t n, unsigned char out[RM_FINGERPRINT_LEN]);

/* out = SHA-256(data[0..n)). */
void rm_sha256(const void *data, size_t n, unsigned char out[RM_SHA256_LEN]);
/* An HMAC-SHA256 key (RFC 2104) made ready once, its padded key hashed
 * already: a MAC then costs the message's own blocks, not a setup of
 * libcrypto's per call. Signing only reads it, from any thread. */
typedef struct rm_hmac_key rm_hmac_key;
rm_hmac_key *rm_hmac_key_new(const void *key, size_t keylen);
void rm_hmac_key_free(rm_hmac_key *k); /* NULL is a no-op */
/* out = HMAC-SHA256(key, data[0..n)). */
void rm_hmac_sign(const rm_hmac_key *k, const void *data, size_t n, unsigned char out[RM_SHA256_LEN]);
/* a[0..n) == b[0..n), in time that depends on n only (for MACs). */
bool rm_digest_equal(const void *a, const void *b, size_t n);

#endif
