/* strmap.c: open-addressing string map (FNV-1a hash); see strmap.h. */
#include "lib/strmap.h"

#include <stdlib.h>
#include <string.h>

static unsigned long hash_bytes(const char *s, size_t n)
{
    unsigned long h = 1469598103934665603UL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211UL;
    }
    return h;
}

void rm_strmap_init(rm_strmap *m) { memset(m, 0, sizeof *m); }

void rm_strmap_free(rm_strmap *m)
{
    for (size_t i = 0; i < m->cap; i++) free(m->slots[i].key);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static rm_strmap_entry *find(const rm_strmap *m, const char *key, size_t n, unsigned long h)
{
    if (!m->cap) return NULL;
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        rm_strmap_entry *e = &m->slots[i];
        if (!e->key) return e;
        if (e->hash == h && e->keylen == n && memcmp(e->key, key, n) == 0) return e;
    }
}

void *rm_strmap_getn(const rm_strmap *m, const char *key, size_t keylen)
{
    rm_strmap_entry *e = find(m, key, keylen, hash_bytes(key, keylen));
    return e && e->key ? e->value : NULL;
}

void *rm_strmap_get(const rm_strmap *m, const char *key)
{
    return rm_strmap_getn(m, key, strlen(key));
}

static void rehash(rm_strmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 16;
    rm_strmap old = *m;
    m->slots = calloc(ncap, sizeof *m->slots);
    if (!m->slots) abort();
    m->cap = ncap;
    for (size_t i = 0; i < old.cap; i++) {
        rm_strmap_entry *o = &old.slots[i];
        if (!o->key) continue;
        *find(m, o->key, o->keylen, o->hash) = *o;
    }
    free(old.slots);
}

void *rm_strmap_put(rm_strmap *m, const char *key, void *value)
{
    if ((m->count + 1) * 4 > m->cap * 3) rehash(m);
    size_t n = strlen(key);
    unsigned long h = hash_bytes(key, n);
    rm_strmap_entry *e = find(m, key, n, h);
    if (e->key) {
        void *prev = e->value;
        e->value = value;
        return prev;
    }
    e->key = malloc(n + 1);
    if (!e->key) abort();
    memcpy(e->key, key, n + 1);
    e->keylen = n;
    e->hash = h;
    e->value = value;
    m->count++;
    return NULL;
}

void rm_strmap_each(const rm_strmap *m, void (*fn)(const char *, void *, void *), void *ud)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key) fn(m->slots[i].key, m->slots[i].value, ud);
}
