/* instance.c: instances, their loaded relationships, and the identity map
 * (chained hash table keyed by table and primary key); see instance.h. */
#include "orm/instance.h"

#include <string.h>

static void grow_for(orm_identity_map *map, size_t more);
static uint64_t key_hash(const orm_table *t, const orm_value *pk);

/* One 64-bit word into h: multiply, then fold the high half down (a
 * bucket is chosen by the low bits). */
static uint64_t mix_word(uint64_t h, uint64_t x)
{
    h = (h ^ x) * 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 32);
}

static uint64_t mix_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t orm_values_hash(const orm_value *v, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h = mix_word(h, (uint64_t)v[i].kind);
        switch (v[i].kind) {
        case ORM_V_INT: h = mix_word(h, (uint64_t)v[i].u.i); break;
        case ORM_V_FLOAT: {
            double f = v[i].u.f == 0 ? 0.0 : v[i].u.f; /* -0.0 equals 0.0 */
            uint64_t bits;
            memcpy(&bits, &f, sizeof bits);
            h = mix_word(h, bits);
            break;
        }
        case ORM_V_TEXT: h = mix_word(h, mix_bytes(h, v[i].u.s.p, v[i].u.s.n)); break;
        case ORM_V_NULL: break;
        }
    }
    return h;
}

void orm_identity_map_put(orm_identity_map *map, orm_instance *inst)
{
    const orm_table *t = inst->mapper->table;
    orm_value pk[8];
    orm_value *key = t->npk <= 8 ? pk : RM_NEW_ARRAY(map->a, orm_value, t->npk);
    for (size_t i = 0; i < t->npk; i++) key[i] = inst->row[t->pk[i]->index];
    orm_identity_map_reserve(map, 1);
    inst->hash = key_hash(t, key);
    size_t b = inst->hash & (map->nbuckets - 1);
    inst->chain = map->buckets[b];
    map->buckets[b] = inst;
    map->count++;
}

void orm_identity_map_init(orm_identity_map *map, rm_arena *a, bool track)
{
    memset(map, 0, sizeof *map);
    map->a = a;
    map->track = track;
}

static uint64_t key_hash(const orm_table *t, const orm_value *pk)
{
    uint64_t h = t->npk == 1 && pk->kind == ORM_V_INT /* orm_values_hash's steps, inline */
                     ? mix_word(mix_word(1469598103934665603ULL, ORM_V_INT), (uint64_t)pk->u.i)
                     : orm_values_hash(pk, t->npk);
    return mix_word(h, (uint64_t)(uintptr_t)t);
}

static bool same_key(const orm_instance *inst, const orm_table *t, const orm_value *pk)
{
    if (inst->mapper->table != t) return false;
    for (size_t i = 0; i < t->npk; i++)
        if (!orm_value_eq(&inst->row[t->pk[i]->index], &pk[i])) return false;
    return true;
}

bool orm_instance_keyed(const orm_instance *inst, const orm_table *t, const orm_value *row)
{
    if (inst->mapper->table != t) return false;
    for (size_t i = 0; i < t->npk; i++)
        if (!orm_value_eq(&inst->row[t->pk[i]->index], &row[t->pk[i]->index])) return false;
    return true;
}

/* The instance of t with key pk, whose key_hash is h, or NULL. */
static orm_instance *find(const orm_identity_map *map, const orm_table *t, const orm_value *pk, uint64_t h)
{
    if (!map->nbuckets) return NULL;
    for (orm_instance *i = map->buckets[h & (map->nbuckets - 1)]; i; i = i->chain)
        if (i->hash == h && same_key(i, t, pk)) return i;
    return NULL;
}

orm_instance *orm_identity_map_get(const orm_identity_map *map, const orm_table *t,
                                   const orm_value *pk)
{
    return map->nbuckets ? find(map, t, pk, key_hash(t, pk)) : NULL;
}

/* Room for `more` instances past count: buckets for them all at once,
 * four times as many each time: a rehash reads every instance it moves
 * (its hash and chain), which a map grown row by row (a lazy load per
 * parent) would otherwise do twice as often, and leaves a third of the
 * old buckets behind in the arena instead of as many as the new. */
static void grow_for(orm_identity_map *map, size_t more)
{
    size_t n = map->nbuckets ? map->nbuckets * 4 : 64;
    while ((map->count + more) * 4 > n * 3) n *= 2;
    orm_instance **b = RM_NEW_ARRAY(map->a, orm_instance *, n);
    for (size_t k = 0; k < map->nbuckets; k++)
        for (orm_instance *i = map->buckets[k], *next; i; i = next) {
            next = i->chain;
            i->chain = b[i->hash & (n - 1)];
            b[i->hash & (n - 1)] = i;
        }
    map->buckets = b;
    map->nbuckets = n;
}

/* Whether `more` instances past count would load the buckets past 3/4. */
static inline bool needs_room(const orm_identity_map *map, size_t more)
{
    return (map->count + more) * 4 > map->nbuckets * 3;
}

void orm_identity_map_reserve(orm_identity_map *map, size_t more)
{
    if (needs_room(map, more)) grow_for(map, more);
}

/* The instance of t whose key is in row, or NULL; *h: that key's hash. */
static inline orm_instance *find_row(const orm_identity_map *map, const orm_table *t, const orm_value *row, uint64_t *h)
{
    orm_value pk[8];
    const orm_value *key;
    if (t->npk == 1) {
        key = &row[t->pk[0]->index]; /* a single key column: no copy */
    } else {
        orm_value *k = t->npk <= 8 ? pk : RM_NEW_ARRAY(map->a, orm_value, t->npk);
        for (size_t i = 0; i < t->npk; i++) k[i] = row[t->pk[i]->index];
        key = k;
    }
    *h = key_hash(t, key);
    return find(map, t, key, *h);
}

/* Enter inst (mapper m, persistent; its other fields zero) with key hash h. */
static orm_instance *enter(orm_identity_map *map, orm_instance *inst, const orm_mapper *m, uint64_t h)
{
    if (needs_room(map, 1)) grow_for(map, 1);
    inst->mapper = m;
    inst->state = ORM_PERSISTENT;
    inst->hash = h;
    size_t b = inst->hash & (map->nbuckets - 1);
    inst->chain = map->buckets[b];
    map->buckets[b] = inst;
    map->count++;
    return inst;
}

/* The bytes of one of the map's instances. */
static size_t instance_size(const orm_identity_map *map)
{
    return map->track ? sizeof(orm_instance) : ORM_INSTANCE_LEAN;
}

orm_instance *orm_identity_map_add(orm_identity_map *map, const orm_mapper *m, orm_value *row,
                                   bool *is_new)
{
    uint64_t h;
    orm_instance *found = find_row(map, m->table, row, &h);
    if (is_new) *is_new = found == NULL;
    if (found) return found;
    orm_instance *inst = rm_arena_zalloc(map->a, instance_size(map));
    inst->row = row;
    if (map->track) { /* row stays as loaded: the committed state; the instance's row a copy */
        size_t size = m->table->ncolumns * sizeof *row;
        inst->committed = row;
        inst->row = memcpy(rm_arena_alloc(map->a, size), row, size);
    }
    return enter(map, inst, m, h);
}

orm_instance *orm_identity_map_load(orm_identity_map *map, const orm_mapper *m, const orm_value *row,
                                    bool *is_new)
{
    uint64_t h;
    orm_instance *found = find_row(map, m->table, row, &h);
    *is_new = found == NULL;
    if (found) return found;
    /* one block: the row as loaded with its texts, then the instance (last:
     * a lean one's missing fields are past the end, where a sanitizer
     * looks), a tracking one's followed by its row */
    size_t isize = instance_size(map), rsize = m->table->ncolumns * sizeof *row;
    void *at;
    orm_value *kept = orm_values_keep(map->a, row, m->table->ncolumns, isize + (map->track ? rsize : 0), &at);
    orm_instance *inst = at;
    if (map->track) memset(inst, 0, sizeof *inst); /* constant sizes: stores, not a call */
    else memset(inst, 0, ORM_INSTANCE_LEAN);
    inst->row = kept;
    if (map->track) {
        inst->committed = kept;
        inst->row = memcpy((char *)inst + isize, kept, rsize);
    }
    return enter(map, inst, m, h);
}

orm_related *orm_instance_related(const orm_instance *inst, const orm_relationship *rel)
{
    for (size_t i = 0; i < inst->nrelated; i++)
        if (inst->related[i].rel == rel) return &inst->related[i];
    return NULL;
}

orm_related *orm_instance_load_slot(orm_instance *inst, const orm_relationship *rel, rm_arena *a)
{
    orm_related *r = orm_instance_related(inst, rel);
    if (r) return r;
    if (inst->nrelated == inst->caprelated) {
        uint32_t ncap = inst->caprelated ? inst->caprelated * 2 : 4;
        inst->related = rm_arena_realloc(a, inst->related, inst->caprelated * sizeof *inst->related,
                                         ncap * sizeof *inst->related);
        inst->caprelated = ncap;
    }
    r = &inst->related[inst->nrelated++];
    memset(r, 0, sizeof *r);
    r->rel = rel;
    return r;
}

#define RELATED_SET_FROM 16 /* items before a deduplicating add builds the set */

static size_t ptr_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

/* Insert item into the set (room is there). */
static void set_put(orm_related *r, orm_instance *item)
{
    size_t mask = r->setcap - 1, i = ptr_hash(item) & mask;
    while (r->set[i] && r->set[i] != item) i = (i + 1) & mask;
    r->set[i] = item;
}

static bool set_has(const orm_related *r, const orm_instance *item)
{
    size_t mask = r->setcap - 1, i = ptr_hash(item) & mask;
    for (; r->set[i]; i = (i + 1) & mask)
        if (r->set[i] == item) return true;
    return false;
}

/* (Re)build the set over the items, with room for at least `want` of them. */
static void set_build(orm_related *r, rm_arena *a, size_t want)
{
    size_t cap = 64;
    while (cap < want * 2 + 2) cap *= 2;
    r->set = RM_NEW_ARRAY(a, orm_instance *, cap);
    r->setcap = cap;
    for (size_t i = 0; i < r->n; i++) set_put(r, r->items[i]);
}

void orm_related_add(orm_related *r, orm_instance *item, rm_arena *a, bool dedupe)
{
    if (dedupe) {
        if (!r->set && r->n >= RELATED_SET_FROM) set_build(r, a, r->n + 1);
        if (r->set) {
            if (set_has(r, item)) return;
        } else {
            for (size_t i = 0; i < r->n; i++)
                if (r->items[i] == item) return;
        }
    }
    if (r->n == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 4;
        r->items = rm_arena_realloc(a, r->items, r->cap * sizeof *r->items, ncap * sizeof *r->items);
        r->cap = ncap;
    }
    r->items[r->n++] = item;
    if (r->set) {
        if ((r->n + 1) * 2 > r->setcap) set_build(r, a, r->n * 2);
        else set_put(r, item);
    }
}

void orm_related_remove(orm_related *r, const orm_instance *item)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i] == item) {
            memmove(&r->items[i], &r->items[i + 1], (r->n - i - 1) * sizeof *r->items);
            r->n--;
            r->set = NULL; /* rebuilt by the next deduplicating add that needs it */
            r->setcap = 0;
            return;
        }
}

void orm_related_clear(orm_related *r)
{
    r->n = 0;
    r->set = NULL;
    r->setcap = 0;
}
