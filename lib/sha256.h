/* sha256.h: SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104), for
 * tamper-evident cursors and ETags. Small and dependency-free. */
#ifndef RM_SHA256_H
#define RM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define RM_SHA256_LEN 32

typedef struct rm_sha256_ctx {
    uint32_t h[8];
    uint64_t len;        /* bytes hashed so far */
    unsigned char buf[64];
    size_t nbuf;
} rm_sha256_ctx;

void rm_sha256_init(rm_sha256_ctx *c);
void rm_sha256_update(rm_sha256_ctx *c, const void *data, size_t n);
void rm_sha256_final(rm_sha256_ctx *c, unsigned char out[RM_SHA256_LEN]);
/* One call: out = SHA-256(data). */
void rm_sha256(const void *data, size_t n, unsigned char out[RM_SHA256_LEN]);
/* out = HMAC-SHA256(key, data). */
void rm_hmac_sha256(const void *key, size_t keylen, const void *data, size_t n,
                    unsigned char out[RM_SHA256_LEN]);

#endif
