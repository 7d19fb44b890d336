/* test_arena.c: the contract of lib/arena.h: alignment of every
 * allocation, growth across block boundaries without overlap, large
 * one-off allocations beside small ones, zeroing, realloc (grow copies,
 * shrink keeps), the string helpers, zero sizes, reset callbacks (newest
 * first, once each) and the byte count. Also passes under -DRM_ARENA_DEBUG
 * (one malloc per allocation), where ASan sees any overrun. */
#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/arena.h"
#include "tests/suites.h"
#include "tests/support/suite.h"

static rm_arena *A;

static void setup(void) { A = rm_arena_new(); }
static void teardown(void) { rm_arena_destroy(A); }

static bool aligned(const void *p) { return (uintptr_t)p % _Alignof(max_align_t) == 0; }

START_TEST(every_allocation_is_aligned)
{
    for (size_t n = 0; n < 300; n++) {
        void *p = rm_arena_alloc(A, n % 37 + (n % 3 ? 1 : 0));
        ck_assert_msg(aligned(p), "allocation %zu at %p", n, p);
        ck_assert(aligned(rm_arena_zalloc(A, n % 5 + 1)));
    }
    ck_assert(aligned(rm_arena_alloc(A, 20000))); /* a large one-off too */
    ck_assert(aligned(rm_arena_strdup(A, "x")));
    long double *ld = RM_NEW_ARRAY(A, long double, 3);
    ld[2] = 1.5L; /* UBSan checks the alignment of the access */
    ck_assert(ld[2] == 1.5L);
}
END_TEST

/* Fill blocks of many sizes, crossing many block boundaries, then check
 * every byte: no two allocations overlap. */
START_TEST(growth_across_blocks_keeps_every_allocation)
{
    enum { N = 2000 };
    static unsigned char *ptrs[N];
    static size_t sizes[N];
    size_t total = 0;
    for (size_t i = 0; i < N; i++) {
        sizes[i] = (i * 7919) % 300 + 1;
        ptrs[i] = rm_arena_alloc(A, sizes[i]);
        memset(ptrs[i], (int)(i & 0xff), sizes[i]);
        total += sizes[i];
    }
    ck_assert_uint_gt(total, 4 * 8192); /* several blocks */
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < sizes[i]; k++)
            ck_assert_msg(ptrs[i][k] == (i & 0xff), "allocation %zu byte %zu overwritten", i, k);
}
END_TEST

START_TEST(large_allocations_beside_small_ones)
{
    char *small1 = rm_arena_strdup(A, "before");
    size_t big_n = 3 * 1024 * 1024;
    unsigned char *big = rm_arena_alloc(A, big_n);
    memset(big, 0x5a, big_n);
    char *small2 = rm_arena_strdup(A, "after");
    unsigned char *mid = rm_arena_alloc(A, 5000); /* above half a block: a one-off */
    memset(mid, 0xa5, 5000);
    char *small3 = rm_arena_strdup(A, "last");
    ck_assert_str_eq(small1, "before");
    ck_assert_str_eq(small2, "after");
    ck_assert_str_eq(small3, "last");
    ck_assert(big[0] == 0x5a && big[big_n / 2] == 0x5a && big[big_n - 1] == 0x5a);
    ck_assert(mid[0] == 0xa5 && mid[4999] == 0xa5);
    /* the first allocation of a fresh arena may be the large one */
    rm_arena *b = rm_arena_new();
    unsigned char *first = rm_arena_alloc(b, 100000);
    memset(first, 1, 100000);
    char *s = rm_arena_strdup(b, "next");
    ck_assert_str_eq(s, "next");
    ck_assert_int_eq(first[99999], 1);
    rm_arena_destroy(b);
}
END_TEST

START_TEST(zalloc_zeroes_reused_memory)
{
    unsigned char *p = rm_arena_alloc(A, 4000);
    memset(p, 0xff, 4000);
    rm_arena_reset(A); /* the first block is kept for reuse */
    unsigned char *z = rm_arena_zalloc(A, 4000);
    for (size_t i = 0; i < 4000; i++) ck_assert_msg(z[i] == 0, "byte %zu", i);
    struct pair { long a; void *b; } *s = RM_NEW(A, struct pair);
    ck_assert(s->a == 0 && s->b == NULL);
    int *arr = RM_NEW_ARRAY(A, int, 1000);
    for (size_t i = 0; i < 1000; i++) ck_assert_int_eq(arr[i], 0);
}
END_TEST

START_TEST(realloc_grows_by_copy_and_shrinks_in_place)
{
    char *p = rm_arena_alloc(A, 8);
    memcpy(p, "abcdefg", 8);
    ck_assert_ptr_eq(rm_arena_realloc(A, p, 8, 8), p);  /* same size: same memory */
    ck_assert_ptr_eq(rm_arena_realloc(A, p, 8, 3), p);  /* smaller: same memory */
    char *q = rm_arena_realloc(A, p, 8, 64);
    ck_assert_str_eq(q, "abcdefg");
    q[63] = 'z';
    /* growth past a block boundary copies everything */
    char *r = rm_arena_realloc(A, q, 64, 3 * 8192);
    ck_assert_str_eq(r, "abcdefg");
    ck_assert_int_eq(r[63], 'z');
    memset(r + 64, 'y', 3 * 8192 - 64);
    /* from nothing it is a plain allocation */
    int *n = rm_arena_realloc(A, NULL, 0, 4 * sizeof(int));
    n[3] = 7;
    ck_assert_int_eq(n[3], 7);
    /* a doubling array, as the loaders grow theirs */
    size_t cap = 0;
    long *v = NULL;
    for (long i = 0; i < 5000; i++) {
        if ((size_t)i == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            v = rm_arena_realloc(A, v, cap * sizeof *v, ncap * sizeof *v);
            cap = ncap;
        }
        v[i] = i * 3;
    }
    for (long i = 0; i < 5000; i++) ck_assert_int_eq(v[i], i * 3);
}
END_TEST

START_TEST(string_helpers)
{
    ck_assert_str_eq(rm_arena_strdup(A, ""), "");
    ck_assert_str_eq(rm_arena_strdup(A, "hello"), "hello");
    char *n = rm_arena_strndup(A, "abcdef", 3);
    ck_assert_str_eq(n, "abc");
    ck_assert_str_eq(rm_arena_strndup(A, "abc", 0), "");
    /* strndup copies exactly n bytes, even past a NUL */
    char *z = rm_arena_strndup(A, "a\0b", 3);
    ck_assert(z[0] == 'a' && z[1] == '\0' && z[2] == 'b' && z[3] == '\0');
    ck_assert_str_eq(rm_arena_sprintf(A, "%s-%d-%05.1f", "x", -3, 2.5), "x--3-002.5");
    ck_assert_str_eq(rm_arena_sprintf(A, "%s", ""), "");
    /* longer than a block */
    char *big = rm_arena_sprintf(A, "%20000d|", 1);
    ck_assert_uint_eq(strlen(big), 20001);
    ck_assert_str_eq(big + 19999, "1|");
    ck_assert_int_eq(big[0], ' ');
}
END_TEST

START_TEST(zero_sized_allocations)
{
    void *p = rm_arena_alloc(A, 0);
    void *q = rm_arena_zalloc(A, 0);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(q);
    char *s = rm_arena_strdup(A, "still works");
    ck_assert_str_eq(s, "still works");
    ck_assert_uint_eq(rm_arena_used(A), strlen("still works") + 1);
    int *none = RM_NEW_ARRAY(A, int, 0);
    ck_assert_ptr_nonnull(none);
}
END_TEST

static char order[16];
static size_t norder;
static void note(void *ud) { order[norder++] = *(const char *)ud; }

START_TEST(reset_callbacks_run_newest_first_once)
{
    norder = 0;
    rm_arena_on_reset(A, note, "a");
    rm_arena_on_reset(A, note, "b");
    rm_arena_on_reset(A, note, "c");
    ck_assert_uint_eq(norder, 0);
    rm_arena_reset(A);
    ck_assert_uint_eq(norder, 3);
    ck_assert(memcmp(order, "cba", 3) == 0);
    rm_arena_reset(A); /* already run: not again */
    ck_assert_uint_eq(norder, 3);
    /* registered after a reset: run at destroy */
    rm_arena *b = rm_arena_new();
    rm_arena_on_reset(b, note, "d");
    (void)rm_arena_alloc(b, 100000);
    rm_arena_destroy(b);
    ck_assert_uint_eq(norder, 4);
    ck_assert_int_eq(order[3], 'd');
}
END_TEST

START_TEST(used_counts_bytes_since_reset)
{
    ck_assert_uint_eq(rm_arena_used(A), 0);
    (void)rm_arena_alloc(A, 10);
    (void)rm_arena_alloc(A, 20);
    ck_assert_uint_eq(rm_arena_used(A), 30);
    (void)rm_arena_alloc(A, 50000);
    ck_assert_uint_eq(rm_arena_used(A), 50030);
    rm_arena_reset(A);
    ck_assert_uint_eq(rm_arena_used(A), 0);
    /* memory is usable again after a reset, many times over */
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 100; i++) memset(rm_arena_alloc(A, 1000), round, 1000);
        ck_assert_uint_eq(rm_arena_used(A), 100000);
        rm_arena_reset(A);
    }
    rm_arena_reset(NULL);   /* NULL is a no-op */
    rm_arena_destroy(NULL);
}
END_TEST

TS_SUITE(arena_suite, "lib/arena", setup, teardown, 1, every_allocation_is_aligned,
         growth_across_blocks_keeps_every_allocation, large_allocations_beside_small_ones,
         zalloc_zeroes_reused_memory, realloc_grows_by_copy_and_shrinks_in_place, string_helpers,
         zero_sized_allocations, reset_callbacks_run_newest_first_once, used_counts_bytes_since_reset)
