/* arena.c: bump allocator in chained blocks; see arena.h for the contract. */
#include "lib/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 8192
#define ARENA_ALIGN 16

typedef struct block {
    struct block *next;
    size_t size, used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
} block;

typedef struct cleanup {
    struct cleanup *next;
    void (*fn)(void *);
    void *ud;
} cleanup;

struct rm_arena {
    block *head;      /* current block; older ones follow */
    cleanup *cleanups;
    size_t used;      /* bytes handed out since reset */
#ifdef RM_ARENA_DEBUG
    void **ptrs;      /* every allocation, freed at reset */
    size_t nptrs, capptrs;
#endif
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("restmap: out of memory\n", stderr);
        abort();
    }
    return p;
}

rm_arena *rm_arena_new(void)
{
    rm_arena *a = xmalloc(sizeof *a);
    memset(a, 0, sizeof *a);
    return a;
}

static void run_cleanups(rm_arena *a)
{
    while (a->cleanups) {
        cleanup *c = a->cleanups;
        a->cleanups = c->next;
        c->fn(c->ud); /* the cleanup record itself is arena memory */
    }
}

void rm_arena_reset(rm_arena *a)
{
    if (!a) return;
    run_cleanups(a);
#ifdef RM_ARENA_DEBUG
    for (size_t i = 0; i < a->nptrs; i++) free(a->ptrs[i]);
    a->nptrs = 0;
#endif
    /* keep the oldest block (the last in the chain), free the rest */
    block *keep = NULL;
    for (block *b = a->head; b;) {
        block *next = b->next;
        if (!next) keep = b; else free(b);
        b = next;
    }
    if (keep) { keep->used = 0; keep->next = NULL; }
    a->head = keep;
    a->used = 0;
}

void rm_arena_destroy(rm_arena *a)
{
    if (!a) return;
    rm_arena_reset(a);
    free(a->head);
#ifdef RM_ARENA_DEBUG
    free(a->ptrs);
#endif
    free(a);
}

void *rm_arena_alloc(rm_arena *a, size_t n)
{
    a->used += n;
#ifdef RM_ARENA_DEBUG
    if (a->nptrs == a->capptrs) {
        a->capptrs = a->capptrs ? a->capptrs * 2 : 64;
        void **np = realloc(a->ptrs, a->capptrs * sizeof *np);
        if (!np) { fputs("restmap: out of memory\n", stderr); abort(); }
        a->ptrs = np;
    }
    void *p = xmalloc(n);
    a->ptrs[a->nptrs++] = p;
    return p;
#else
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n) abort(); /* overflow */
    block *b = a->head;
    if (!b || b->size - b->used < need) {
        size_t size = need > ARENA_BLOCK ? need : ARENA_BLOCK;
        block *nb = xmalloc(sizeof *nb + size);
        nb->size = size;
        nb->used = 0;
        if (b && need > ARENA_BLOCK / 2) {
            /* large one-off: put it behind the current block so the rest of
             * the current block stays usable */
            nb->next = b->next;
            b->next = nb;
            nb->used = need;
            return nb->data;
        }
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    return p;
#endif
}

void *rm_arena_zalloc(rm_arena *a, size_t n)
{
    void *p = rm_arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

void *rm_arena_realloc(rm_arena *a, void *p, size_t old_n, size_t new_n)
{
    if (new_n <= old_n && p) return p;
    void *np = rm_arena_alloc(a, new_n);
    if (p && old_n) memcpy(np, p, old_n);
    return np;
}

char *rm_arena_strndup(rm_arena *a, const char *s, size_t n)
{
    char *p = rm_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *rm_arena_strdup(rm_arena *a, const char *s)
{
    return rm_arena_strndup(a, s, strlen(s));
}

char *rm_arena_vsprintf(rm_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) n = 0;
    char *p = rm_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *rm_arena_sprintf(rm_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = rm_arena_vsprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

void rm_arena_on_reset(rm_arena *a, void (*fn)(void *ud), void *ud)
{
    cleanup *c = rm_arena_alloc(a, sizeof *c);
    c->fn = fn;
    c->ud = ud;
    c->next = a->cleanups;
    a->cleanups = c;
}

size_t rm_arena_used(const rm_arena *a) { return a->used; }
