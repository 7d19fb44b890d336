/* compile_cache.c: the compiled cache; see compile_cache.h. A chained hash
 * table on the key's hash and a doubly linked list in order of use (most
 * recent first); each entry is one allocation holding its key, sources,
 * constants and text. */
#include "orm/compile_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    struct entry *chain;        /* next in the bucket */
    struct entry *newer, *older;
    uint64_t hash, id;
    size_t nwords, nparams, nconsts, sql_len, bytes;
    uint64_t *words;
    int32_t *src;
    orm_value *consts;
    char *sql;                  /* NUL-terminated */
} entry;

struct orm_compile_cache {
    pthread_mutex_t mu;
    entry **buckets;
    size_t nbuckets;            /* a power of two */
    entry *newest, *oldest;
    size_t max_entries, max_bytes;
    orm_compile_cache_stats stats;
    _Atomic(orm_compiled_memo *) memo[ORM_COMPILE_MEMO_SLOTS]; /* open addressing; set once */
};

orm_compile_cache *orm_compile_cache_new(size_t max_entries, size_t max_bytes)
{
    orm_compile_cache *cc = calloc(1, sizeof *cc);
    if (!cc) abort();
    cc->max_entries = max_entries ? max_entries : ORM_COMPILE_CACHE_ENTRIES;
    cc->max_bytes = max_bytes ? max_bytes : ORM_COMPILE_CACHE_BYTES;
    cc->nbuckets = 16;
    while (cc->nbuckets < 2 * cc->max_entries) cc->nbuckets *= 2;
    cc->buckets = calloc(cc->nbuckets, sizeof *cc->buckets);
    if (!cc->buckets) abort();
    pthread_mutex_init(&cc->mu, NULL);
    return cc;
}

void orm_compile_cache_free(orm_compile_cache *cc)
{
    if (!cc) return;
    for (size_t i = 0; i < ORM_COMPILE_MEMO_SLOTS; i++) free(atomic_load(&cc->memo[i]));
    for (entry *e = cc->newest, *next; e; e = next) {
        next = e->older;
        free(e);
    }
    pthread_mutex_destroy(&cc->mu);
    free(cc->buckets);
    free(cc);
}

static entry **bucket(orm_compile_cache *cc, uint64_t hash) { return &cc->buckets[hash & (cc->nbuckets - 1)]; }

static void unlink_use(orm_compile_cache *cc, entry *e)
{
    if (e->newer) e->newer->older = e->older;
    else cc->newest = e->older;
    if (e->older) e->older->newer = e->newer;
    else cc->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void link_newest(orm_compile_cache *cc, entry *e)
{
    e->older = cc->newest;
    e->newer = NULL;
    if (cc->newest) cc->newest->newer = e;
    cc->newest = e;
    if (!cc->oldest) cc->oldest = e;
}

/* The entry of k, or NULL. Called with mu held. */
static entry *find(orm_compile_cache *cc, const orm_cache_key *k)
{
    for (entry *e = *bucket(cc, k->hash); e; e = e->chain)
        if (e->hash == k->hash && e->nwords == k->n && !memcmp(e->words, k->words, k->n * sizeof *k->words))
            return e;
    return NULL;
}

static void evict_oldest(orm_compile_cache *cc)
{
    entry *e = cc->oldest;
    entry **p = bucket(cc, e->hash);
    while (*p != e) p = &(*p)->chain;
    *p = e->chain;
    unlink_use(cc, e);
    cc->stats.entries--;
    cc->stats.bytes -= e->bytes;
    cc->stats.evictions++;
    free(e);
}

bool orm_compile_cache_get(orm_compile_cache *cc, const orm_cache_key *k, rm_arena *a, orm_compiled_shape *out)
{
    pthread_mutex_lock(&cc->mu);
    entry *e = find(cc, k);
    if (!e) {
        cc->stats.misses++;
        pthread_mutex_unlock(&cc->mu);
        return false;
    }
    cc->stats.hits++;
    if (cc->newest != e) {
        unlink_use(cc, e);
        link_newest(cc, e);
    }
    int32_t *src = rm_arena_alloc(a, (e->nparams ? e->nparams : 1) * sizeof *src);
    memcpy(src, e->src, e->nparams * sizeof *src);
    orm_value *consts = NULL;
    if (e->nconsts) {
        consts = rm_arena_alloc(a, e->nconsts * sizeof *consts);
        memcpy(consts, e->consts, e->nconsts * sizeof *consts);
    }
    *out = (orm_compiled_shape){.sql = rm_arena_strndup(a, e->sql, e->sql_len), .sql_len = e->sql_len,
                                .src = src, .nparams = e->nparams, .consts = consts, .nconsts = e->nconsts, .id = e->id};
    pthread_mutex_unlock(&cc->mu);
    return true;
}

/* A new id of a text (an entry's, a memo's): never 0, never given twice. */
static uint64_t next_id(void)
{
    static _Atomic uint64_t last_id;
    return atomic_fetch_add(&last_id, 1) + 1;
}

/* Bytes an entry's parts take, each rounded to a multiple of 8. */
static size_t round8(size_t n) { return (n + 7) & ~(size_t)7; }

void orm_compile_cache_put(orm_compile_cache *cc, const orm_cache_key *k, const orm_compiled_shape *shape)
{
    size_t words = round8(k->n * sizeof *k->words), src = round8(shape->nparams * sizeof *shape->src),
           consts = shape->nconsts * sizeof *shape->consts, sql = round8(shape->sql_len + 1);
    size_t bytes = round8(sizeof(entry)) + words + src + consts + sql;
    if (bytes > cc->max_bytes / 8) return; /* one statement would crowd out the rest */
    entry *e = malloc(bytes);
    if (!e) return;
    char *p = (char *)e + round8(sizeof(entry));
    *e = (entry){.hash = k->hash, .id = next_id(), .nwords = k->n, .nparams = shape->nparams, .nconsts = shape->nconsts,
                 .sql_len = shape->sql_len, .bytes = bytes};
    e->words = (uint64_t *)p;
    memcpy(e->words, k->words, k->n * sizeof *k->words);
    e->consts = (orm_value *)(p += words);
    if (consts) memcpy(e->consts, shape->consts, consts);
    e->src = (int32_t *)(p += consts);
    if (shape->nparams) memcpy(e->src, shape->src, shape->nparams * sizeof *shape->src);
    e->sql = p + src;
    memcpy(e->sql, shape->sql, shape->sql_len);
    e->sql[shape->sql_len] = '\0';

    pthread_mutex_lock(&cc->mu);
    if (find(cc, k)) { /* another thread stored it first */
        pthread_mutex_unlock(&cc->mu);
        free(e);
        return;
    }
    while (cc->oldest && (cc->stats.entries >= cc->max_entries || cc->stats.bytes + bytes > cc->max_bytes))
        evict_oldest(cc);
    entry **b = bucket(cc, k->hash);
    e->chain = *b;
    *b = e;
    link_newest(cc, e);
    cc->stats.entries++;
    cc->stats.bytes += bytes;
    pthread_mutex_unlock(&cc->mu);
}

void orm_compile_cache_stats_get(orm_compile_cache *cc, orm_compile_cache_stats *out)
{
    pthread_mutex_lock(&cc->mu);
    *out = cc->stats;
    pthread_mutex_unlock(&cc->mu);
}

/* ---- memos ------------------------------------------------------------------ */

static size_t memo_slot(const void *owner, unsigned variant)
{
    uint64_t x = ((uint64_t)(uintptr_t)owner >> 3) ^ ((uint64_t)variant << 56);
    return (size_t)((x * 0x9e3779b97f4a7c15u) >> 32) & (ORM_COMPILE_MEMO_SLOTS - 1);
}

const orm_compiled_memo *orm_compile_cache_memo(orm_compile_cache *cc, const void *owner, unsigned variant)
{
    for (size_t n = 0, i = memo_slot(owner, variant); n < ORM_COMPILE_MEMO_SLOTS;
         n++, i = (i + 1) & (ORM_COMPILE_MEMO_SLOTS - 1)) {
        const orm_compiled_memo *m = atomic_load_explicit(&cc->memo[i], memory_order_acquire);
        if (!m) return NULL;
        if (m->owner == owner && m->variant == variant) return m;
    }
    return NULL;
}

void orm_compile_cache_memo_put(orm_compile_cache *cc, const void *owner, unsigned variant, const orm_compiled *c,
                                size_t arg)
{
    if (arg >= c->nparams) return;
    for (size_t i = 0; i < c->nparams; i++)
        if (i != arg && c->params[i].kind == ORM_V_TEXT) return; /* would point into a request's arena */
    size_t params = c->nparams * sizeof *c->params, pcols = c->param_columns ? c->nparams * sizeof(void *) : 0,
           rcols = c->nresult * sizeof(void *), head = round8(sizeof(orm_compiled_memo));
    orm_compiled_memo *m = malloc(head + round8(params) + round8(pcols) + rcols + c->sql_len + 1);
    if (!m) return;
    char *p = (char *)m + head;
    *m = (orm_compiled_memo){.owner = owner, .variant = variant, .arg = arg, .c = *c};
    m->c.params = memcpy(p, c->params, params);
    p += round8(params);
    m->c.param_columns = pcols ? memcpy(p, c->param_columns, pcols) : NULL;
    p += round8(pcols);
    m->c.result_columns = rcols ? memcpy(p, c->result_columns, rcols) : NULL;
    p += rcols;
    m->c.sql = memcpy(p, c->sql, c->sql_len + 1);
    if (!m->c.shape_id) m->c.shape_id = next_id(); /* freshly compiled: the driver finds it by this id */
    for (size_t n = 0, i = memo_slot(owner, variant); n < ORM_COMPILE_MEMO_SLOTS;
         n++, i = (i + 1) & (ORM_COMPILE_MEMO_SLOTS - 1)) {
        orm_compiled_memo *empty = NULL;
        if (atomic_compare_exchange_strong_explicit(&cc->memo[i], &empty, m, memory_order_release,
                                                    memory_order_acquire))
            return;
        if (empty->owner == owner && empty->variant == variant) break; /* another thread's, the same */
    }
    free(m);
}
