/* digest.c: lib/digest.h over libcrypto (EVP_Digest, HMAC, CRYPTO_memcmp).
 * These calls fail only when libcrypto cannot allocate or has no SHA-256
 * at all; the process cannot go on without them, so that aborts, as an
 * arena allocation failure does. */
#include "lib/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

static void crypto_failed(const char *what)
{
    fprintf(stderr, "restmap: libcrypto: %s failed\n", what);
    abort();
}

void rm_sha256(const void *data, size_t n, unsigned char out[RM_SHA256_LEN])
{
    unsigned int len = 0;
    if (!EVP_Digest(data, n, out, &len, EVP_sha256(), NULL) || len != RM_SHA256_LEN)
        crypto_failed("SHA-256");
}

void rm_hmac_sha256(const void *key, size_t keylen, const void *data, size_t n,
                    unsigned char out[RM_SHA256_LEN])
{
    unsigned int len = 0;
    static const unsigned char none[1];
    if (keylen > INT_MAX ||
        !HMAC(EVP_sha256(), keylen ? key : none, (int)keylen, data ? data : none, n, out, &len) ||
        len != RM_SHA256_LEN)
        crypto_failed("HMAC-SHA256");
}

bool rm_digest_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}
