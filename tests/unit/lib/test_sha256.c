/* test_sha256.c: SHA-256 and HMAC-SHA256 against published test vectors. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "lib/sha256.h"
#include "tests/suites.h"
#include "tests/support/suite.h"

static const char *hex(const unsigned char *d)
{
    static char out[65];
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
    return out;
}

START_TEST(sha256_vectors)
{
    unsigned char d[32];
    rm_sha256("", 0, d);
    ck_assert_str_eq(hex(d), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    rm_sha256("abc", 3, d);
    ck_assert_str_eq(hex(d), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    rm_sha256(two, strlen(two), d);
    ck_assert_str_eq(hex(d), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* a million 'a's, fed in uneven pieces */
    rm_sha256_ctx c;
    rm_sha256_init(&c);
    char buf[997];
    memset(buf, 'a', sizeof buf);
    size_t left = 1000000;
    while (left) {
        size_t n = left < sizeof buf ? left : sizeof buf;
        rm_sha256_update(&c, buf, n);
        left -= n;
    }
    rm_sha256_final(&c, d);
    ck_assert_str_eq(hex(d), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

START_TEST(hmac_vectors)
{
    /* RFC 4231 test cases 1 and 2 */
    unsigned char d[32], key[20];
    memset(key, 0x0b, sizeof key);
    rm_hmac_sha256(key, 20, "Hi There", 8, d);
    ck_assert_str_eq(hex(d), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    rm_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
    ck_assert_str_eq(hex(d), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
END_TEST

TS_SUITE(sha256_suite, "lib/sha256", NULL, NULL, 1, sha256_vectors, hmac_vectors)
