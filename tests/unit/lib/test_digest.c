/* test_digest.c: lib/digest.h against published vectors: SHA-256 (FIPS
 * 180-4 examples, NIST's million 'a's) and HMAC-SHA256 (RFC 4231 test
 * cases 1-4, 6 and 7, through a key made ready once; case 5 truncates,
 * which no caller does), XXH3-128 (xxHash's own values), and the
 * constant-time comparison. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/digest.h"
#include "tests/suites.h"
#include "tests/support/suite.h"

static const char *hex(const unsigned char *d)
{
    static char out[2 * RM_SHA256_LEN + 1];
    for (int i = 0; i < RM_SHA256_LEN; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
    return out;
}

START_TEST(sha256_vectors)
{
    unsigned char d[RM_SHA256_LEN];
    rm_sha256("", 0, d);
    ck_assert_str_eq(hex(d), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    rm_sha256("abc", 3, d);
    ck_assert_str_eq(hex(d), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    rm_sha256(two, strlen(two), d);
    ck_assert_str_eq(hex(d), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *million = malloc(1000000);
    ck_assert_ptr_nonnull(million);
    memset(million, 'a', 1000000);
    rm_sha256(million, 1000000, d);
    free(million);
    ck_assert_str_eq(hex(d), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/* HMAC-SHA256 through a key made ready once, as the cursors use it. */
static void hmac_once(const void *key, size_t keylen, const void *data, size_t n,
                           unsigned char out[RM_SHA256_LEN])
{
    rm_hmac_key *k = rm_hmac_key_new(key, keylen);
    rm_hmac_sign(k, data, n, out);
    unsigned char again[RM_SHA256_LEN]; /* signing leaves the key as it was */
    rm_hmac_sign(k, data, n, again);
    ck_assert(memcmp(out, again, RM_SHA256_LEN) == 0);
    rm_hmac_key_free(k);
}

START_TEST(hmac_rfc4231_vectors)
{
    unsigned char d[RM_SHA256_LEN], k20[20], kaa[131], data50[50];
    /* 1: a 20-byte key of 0x0b */
    memset(k20, 0x0b, sizeof k20);
    hmac_once(k20, 20, "Hi There", 8, d);
    ck_assert_str_eq(hex(d), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    /* 2: a key shorter than the output */
    hmac_once("Jefe", 4, "what do ya want for nothing?", 28, d);
    ck_assert_str_eq(hex(d), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* 3: key 20 x 0xaa, data 50 x 0xdd */
    memset(k20, 0xaa, sizeof k20);
    memset(data50, 0xdd, sizeof data50);
    hmac_once(k20, 20, data50, 50, d);
    ck_assert_str_eq(hex(d), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    /* 4: key 0x01..0x19, data 50 x 0xcd */
    unsigned char k25[25];
    for (int i = 0; i < 25; i++) k25[i] = (unsigned char)(i + 1);
    memset(data50, 0xcd, sizeof data50);
    hmac_once(k25, 25, data50, 50, d);
    ck_assert_str_eq(hex(d), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    /* 6 and 7: a 131-byte key, longer than the block, is hashed first */
    memset(kaa, 0xaa, sizeof kaa);
    const char *t6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    hmac_once(kaa, 131, t6, strlen(t6), d);
    ck_assert_str_eq(hex(d), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    const char *t7 = "This is a test using a larger than block-size key and a larger than block-size "
                     "data. The key needs to be hashed before being used by the HMAC algorithm.";
    hmac_once(kaa, 131, t7, strlen(t7), d);
    ck_assert_str_eq(hex(d), "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}
END_TEST

/* XXH3-128 in canonical bytes: the values xxhsum -H2 prints (the ETags'
 * fingerprint must not depend on the machine's byte order). */
START_TEST(fingerprint_vectors)
{
    unsigned char d[RM_SHA256_LEN] = {0};
    rm_fingerprint("", 0, d);
    ck_assert_str_eq(hex(d), "99aa06d3014798d86001c324468d497f"
                             "00000000000000000000000000000000");
    rm_fingerprint("abc", 3, d);
    ck_assert_str_eq(hex(d), "06b05ab6733a618578af5f94892f3950"
                             "00000000000000000000000000000000");
}
END_TEST

START_TEST(equal_compares_every_byte)
{
    unsigned char a[32], b[32];
    memset(a, 7, sizeof a);
    memcpy(b, a, sizeof b);
    ck_assert(rm_digest_equal(a, b, sizeof a));
    ck_assert(rm_digest_equal(a, b, 0));
    for (size_t i = 0; i < sizeof a; i++) { /* a difference anywhere, first byte to last */
        b[i] ^= 0x80;
        ck_assert_msg(!rm_digest_equal(a, b, sizeof a), "difference at byte %zu unseen", i);
        b[i] ^= 0x80;
    }
}
END_TEST

TS_SUITE(digest_suite, "lib/digest", NULL, NULL, 1, sha256_vectors, hmac_rfc4231_vectors,
         fingerprint_vectors, equal_compares_every_byte)
