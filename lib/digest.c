/* digest.c: lib/digest.h over libcrypto (EVP_Digest, EVP_MAC, CRYPTO_memcmp)
 * and libxxhash (XXH3_128bits).
 * These calls fail only when libcrypto cannot allocate or has no SHA-256
 * at all; the process cannot go on without them, so that aborts, as an
 * arena allocation failure does. */
#include "lib/digest.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

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

/* The key: libcrypto's HMAC context initialised with it, duplicated for
 * each MAC (the copy keeps the hashed pads). */
struct rm_hmac_key {
    EVP_MAC_CTX *ready;
};

rm_hmac_key *rm_hmac_key_new(const void *key, size_t keylen)
{
    static const unsigned char none[1];
    rm_hmac_key *k = malloc(sizeof *k);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
                           OSSL_PARAM_construct_end()};
    if (!k || !mac || !(k->ready = EVP_MAC_CTX_new(mac)) ||
        !EVP_MAC_init(k->ready, keylen ? key : none, keylen, params))
        crypto_failed("HMAC-SHA256 key");
    EVP_MAC_free(mac); /* the context holds its own reference */
    return k;
}

void rm_hmac_key_free(rm_hmac_key *k)
{
    if (!k) return;
    EVP_MAC_CTX_free(k->ready);
    free(k);
}

void rm_hmac_sign(const rm_hmac_key *k, const void *data, size_t n, unsigned char out[RM_SHA256_LEN])
{
    static const unsigned char none[1];
    size_t len = 0;
    EVP_MAC_CTX *c = EVP_MAC_CTX_dup(k->ready);
    if (!c || !EVP_MAC_update(c, n ? data : none, n) || !EVP_MAC_final(c, out, &len, RM_SHA256_LEN) ||
        len != RM_SHA256_LEN)
        crypto_failed("HMAC-SHA256");
    EVP_MAC_CTX_free(c);
}

void rm_fingerprint(const void *data, size_t n, unsigned char out[RM_FINGERPRINT_LEN])
{
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(data, n));
    memcpy(out, c.digest, RM_FINGERPRINT_LEN);
}

bool rm_digest_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}
