/* test_strmap.c: the contract of lib/strmap.h: an empty map answers
 * nothing, put inserts or replaces (returning the previous value), keys are
 * copied, look-ups by length match whole keys only, the empty key, keys
 * that land in the same slot (probe chains), growth to many thousands of
 * keys with the load factor kept, and each() visiting every entry once. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strmap.h"
#include "tests/suites.h"
#include "tests/support/suite.h"

static rm_strmap M;

static void setup(void) { rm_strmap_init(&M); }
static void teardown(void) { rm_strmap_free(&M); }

static void count_each(const char *key, void *value, void *ud) { (*(size_t *)ud)++; }

START_TEST(empty_map_answers_nothing)
{
    ck_assert_uint_eq(M.count, 0);
    ck_assert_ptr_null(rm_strmap_get(&M, "x"));
    ck_assert_ptr_null(rm_strmap_get(&M, ""));
    ck_assert_ptr_null(rm_strmap_getn(&M, "xyz", 2));
    size_t n = 0;
    rm_strmap_each(&M, count_each, &n);
    ck_assert_uint_eq(n, 0);
    rm_strmap_free(&M); /* freeing an empty map, and freeing twice, is fine */
}
END_TEST

START_TEST(put_inserts_or_replaces)
{
    int a = 1, b = 2, c = 3;
    ck_assert_ptr_null(rm_strmap_put(&M, "k", &a));
    ck_assert_ptr_eq(rm_strmap_get(&M, "k"), &a);
    ck_assert_ptr_eq(rm_strmap_put(&M, "k", &b), &a); /* the previous value comes back */
    ck_assert_ptr_eq(rm_strmap_get(&M, "k"), &b);
    ck_assert_uint_eq(M.count, 1);                     /* replacing adds no entry */
    ck_assert_ptr_null(rm_strmap_put(&M, "K", &c));   /* keys are case-sensitive */
    ck_assert_ptr_eq(rm_strmap_get(&M, "K"), &c);
    ck_assert_ptr_eq(rm_strmap_get(&M, "k"), &b);
    ck_assert_uint_eq(M.count, 2);
    /* a NULL value is stored (the entry exists) and reads back as NULL */
    ck_assert_ptr_null(rm_strmap_put(&M, "nothing", NULL));
    ck_assert_uint_eq(M.count, 3);
    ck_assert_ptr_null(rm_strmap_get(&M, "nothing"));
    ck_assert_ptr_null(rm_strmap_put(&M, "nothing", &a));
    ck_assert_ptr_eq(rm_strmap_get(&M, "nothing"), &a);
    ck_assert_uint_eq(M.count, 3);
}
END_TEST

START_TEST(keys_are_copied)
{
    int v = 1;
    char key[8] = "abc";
    rm_strmap_put(&M, key, &v);
    strcpy(key, "xyz"); /* the caller's buffer changes; the map keeps its own copy */
    ck_assert_ptr_eq(rm_strmap_get(&M, "abc"), &v);
    ck_assert_ptr_null(rm_strmap_get(&M, "xyz"));
}
END_TEST

START_TEST(lookups_by_length_match_whole_keys)
{
    int v = 1, w = 2;
    rm_strmap_put(&M, "abc", &v);
    rm_strmap_put(&M, "", &w);
    ck_assert_ptr_eq(rm_strmap_getn(&M, "abcdef", 3), &v); /* a prefix of a longer text */
    ck_assert_ptr_null(rm_strmap_getn(&M, "abcdef", 2));
    ck_assert_ptr_null(rm_strmap_getn(&M, "abcdef", 4));
    ck_assert_ptr_null(rm_strmap_get(&M, "ab"));
    ck_assert_ptr_null(rm_strmap_get(&M, "abcd"));
    /* the empty key is a key like any other */
    ck_assert_ptr_eq(rm_strmap_get(&M, ""), &w);
    ck_assert_ptr_eq(rm_strmap_getn(&M, "zzz", 0), &w);
    ck_assert_uint_eq(M.count, 2);
}
END_TEST

/* FNV-1a as strmap.c documents it: used only to pick keys that share a
 * slot of a fresh (16-slot) map, so the probe chains are exercised. */
static unsigned long fnv1a(const char *s)
{
    unsigned long h = 1469598103934665603UL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211UL;
    }
    return h;
}

START_TEST(keys_in_one_slot_chain)
{
    char keys[8][16];
    size_t n = 0;
    unsigned long slot = fnv1a("seed") & 15;
    for (int i = 0; n < 8; i++) {
        char k[16];
        snprintf(k, sizeof k, "c%d", i);
        if ((fnv1a(k) & 15) == slot) strcpy(keys[n++], k);
    }
    for (size_t i = 0; i < n; i++) rm_strmap_put(&M, keys[i], keys[i]);
    ck_assert_uint_eq(M.cap, 16); /* still the first table: 8 keys chained from one slot */
    for (size_t i = 0; i < n; i++) ck_assert_ptr_eq(rm_strmap_get(&M, keys[i]), keys[i]);
    ck_assert_ptr_eq(rm_strmap_put(&M, keys[5], keys[0]), keys[5]); /* replace mid-chain */
    ck_assert_ptr_eq(rm_strmap_get(&M, keys[5]), keys[0]);
    ck_assert_uint_eq(M.count, 8);
    ck_assert_ptr_null(rm_strmap_get(&M, "seed")); /* same slot, not there: the chain ends */
    /* keys that share prefixes or differ only in length */
    static const char *const prefixes[] = {"a", "aa", "aaa", "aaaa", "ab", "ba"};
    for (size_t i = 0; i < 6; i++) rm_strmap_put(&M, prefixes[i], (void *)prefixes[i]);
    for (size_t i = 0; i < 6; i++) ck_assert_ptr_eq(rm_strmap_get(&M, prefixes[i]), prefixes[i]);
}
END_TEST

START_TEST(grows_and_keeps_everything)
{
    enum { N = 20000 };
    static char keys[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "key%d", i);
        ck_assert_ptr_null(rm_strmap_put(&M, keys[i], keys[i]));
        ck_assert_uint_le(M.count * 4, M.cap * 3); /* load factor at most 3/4 */
    }
    ck_assert_uint_eq(M.count, N);
    ck_assert_uint_eq(M.cap & (M.cap - 1), 0);    /* a power of two */
    for (int i = 0; i < N; i++) ck_assert_ptr_eq(rm_strmap_get(&M, keys[i]), keys[i]);
    ck_assert_ptr_null(rm_strmap_get(&M, "key20000"));
    ck_assert_ptr_null(rm_strmap_get(&M, "key"));
    /* long keys and UTF-8 */
    char long_key[2001];
    memset(long_key, 'L', 2000);
    long_key[2000] = '\0';
    rm_strmap_put(&M, long_key, long_key);
    rm_strmap_put(&M, "caf\xC3\xA9", "e-acute");
    long_key[1999] = 'M';
    ck_assert_ptr_null(rm_strmap_get(&M, long_key));
    long_key[1999] = 'L';
    ck_assert_ptr_eq(rm_strmap_get(&M, long_key), long_key);
    ck_assert_str_eq(rm_strmap_get(&M, "caf\xC3\xA9"), "e-acute");
}
END_TEST

typedef struct seen {
    unsigned char hit[300];
    size_t n;
    int bad;
} seen;

static void mark(const char *key, void *value, void *ud)
{
    seen *s = ud;
    int i = atoi(key + 1);
    if (key[0] != 'e' || i < 0 || i >= 300 || value != (void *)&s->hit[i]) s->bad++;
    else s->hit[i]++;
    s->n++;
}

START_TEST(each_visits_every_entry_once)
{
    seen s = {{0}, 0, 0};
    for (int i = 0; i < 300; i++) {
        char k[16];
        snprintf(k, sizeof k, "e%d", i);
        rm_strmap_put(&M, k, &s.hit[i]);
    }
    rm_strmap_put(&M, "e7", &s.hit[7]); /* a replacement is still one entry */
    rm_strmap_each(&M, mark, &s);
    ck_assert_int_eq(s.bad, 0);
    ck_assert_uint_eq(s.n, 300);
    for (int i = 0; i < 300; i++) ck_assert_msg(s.hit[i] == 1, "e%d visited %d times", i, s.hit[i]);
}
END_TEST

TS_SUITE(strmap_suite, "lib/strmap", setup, teardown, 1, empty_map_answers_nothing,
         put_inserts_or_replaces, keys_are_copied, lookups_by_length_match_whole_keys,
         keys_in_one_slot_chain, grows_and_keeps_everything, each_visits_every_entry_once)
