/* compile_cache.c: the compiled cache; see compile_cache.h. A chained hash
 * table on the key's hash and a doubly linked list in order of use (most
 * recent first); each entry is one allocation holding its key, sources,
 * constants, columns and text, with a count of references: the cache's
 * own while it is linked, and one per reader's arena (pin). */
#include "orm/compile_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    struct entry *chain;        /* next in the bucket */
    struct entry *newer, *older;
    _Atomic size_t refs;
    uint64_t hash;
    size_t nwords, bytes;
    uint64_t *words;
    orm_compiled_shape shape;   /* its arrays and text in this allocation */
} entry;

struct orm_compile_cache {
    pthread_mutex_t mu;         /* held for a look-up or a linking: a few dozen instructions
                                 * (a mutex, not a spin lock: with more server threads than
                                 * cores, a holder descheduled mid-look-up would make the
                                 * others spin out their time slices) */
    entry **buckets;
    size_t nbuckets;            /* a power of two */
    entry *newest, *oldest;
    size_t max_entries, max_bytes;
    orm_compile_cache_stats stats;
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

/* Drop one reference to e: the last frees it. */
static void unref(entry *e)
{
    if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1) free(e);
}

static void unpin(void *e) { unref(e); }

void orm_compile_cache_free(orm_compile_cache *cc)
{
    if (!cc) return;
    for (entry *e = cc->newest, *next; e; e = next) {
        next = e->older;
        unref(e);
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
static inline entry *find(orm_compile_cache *cc, const orm_cache_key *k)
{
    for (entry *e = *bucket(cc, k->hash); e; e = e->chain) {
        if (e->hash != k->hash || e->nwords != k->n) continue;
        size_t i = 0;
        while (i < k->n && e->words[i] == k->words[i]) i++;
        if (i == k->n) return e;
    }
    return NULL;
}

/* Unlink the least recently used entry, chained onto *gone (the caller
 * drops the cache's references once the lock is released). */
static void evict_oldest(orm_compile_cache *cc, entry **gone)
{
    entry *e = cc->oldest;
    entry **p = bucket(cc, e->hash);
    while (*p != e) p = &(*p)->chain;
    *p = e->chain;
    unlink_use(cc, e);
    cc->stats.entries--;
    cc->stats.bytes -= e->bytes;
    cc->stats.evictions++;
    e->chain = *gone;
    *gone = e;
}

const orm_compiled_shape *orm_compile_cache_get(orm_compile_cache *cc, const orm_cache_key *k, rm_arena *a)
{
    pthread_mutex_lock(&cc->mu);
    entry *e = find(cc, k);
    if (!e) {
        cc->stats.misses++;
        pthread_mutex_unlock(&cc->mu);
        return NULL;
    }
    cc->stats.hits++;
    if (cc->newest != e) {
        unlink_use(cc, e);
        link_newest(cc, e);
    }
    atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&cc->mu);
    rm_arena_on_reset(a, unpin, e);
    return &e->shape;
}

/* A new id of a text: never 0, never given twice. */
static uint64_t next_id(void)
{
    static _Atomic uint64_t last_id;
    return atomic_fetch_add(&last_id, 1) + 1;
}

/* Bytes an entry's parts take, each rounded to a multiple of 8. */
static size_t round8(size_t n) { return (n + 7) & ~(size_t)7; }

/* Does placeholder i take bind source i, for every i, and no constant? */
static bool is_identity(const orm_compiled_shape *sh)
{
    if (sh->nconsts) return false;
    for (size_t i = 0; i < sh->nparams; i++)
        if (sh->src[i] != (int32_t)i) return false;
    return true;
}

void orm_compile_cache_put(orm_compile_cache *cc, const orm_cache_key *k, const orm_compiled_shape *shape)
{
    size_t ptrs = sizeof(const orm_column *), texts = 0;
    for (size_t i = 0; i < shape->nconsts; i++)
        if (shape->consts[i].kind == ORM_V_TEXT) texts += round8(shape->consts[i].u.s.n);
    size_t words = round8(k->n * sizeof *k->words), consts = shape->nconsts * sizeof *shape->consts,
           src = round8(shape->nparams * sizeof *shape->src),
           pcols = shape->param_columns ? shape->nparams * ptrs : 0, rcols = shape->nresult * ptrs,
           sql = round8(shape->sql_len + 1);
    size_t bytes = round8(sizeof(entry)) + words + consts + texts + src + pcols + rcols + sql;
    if (bytes > cc->max_bytes / 8) return; /* one statement would crowd out the rest */
    entry *e = malloc(bytes);
    if (!e) return;
    char *p = (char *)e + round8(sizeof(entry));
    *e = (entry){.hash = k->hash, .nwords = k->n, .bytes = bytes, .shape = *shape};
    atomic_init(&e->refs, 1);
    orm_compiled_shape *sh = &e->shape;
    sh->id = next_id();
    sh->identity = is_identity(shape);
    e->words = memcpy(p, k->words, k->n * sizeof *k->words);
    orm_value *cv = (orm_value *)(p += words);
    if (consts) memcpy(cv, shape->consts, consts);
    p += consts;
    for (size_t i = 0; i < shape->nconsts; i++) /* a constant's text: the entry's */
        if (cv[i].kind == ORM_V_TEXT) {
            cv[i].u.s.p = memcpy(p, shape->consts[i].u.s.p ? shape->consts[i].u.s.p : "", cv[i].u.s.n);
            p += round8(cv[i].u.s.n);
        }
    sh->consts = cv;
    sh->src = (int32_t *)p;
    if (src) memcpy(p, shape->src, shape->nparams * sizeof *shape->src);
    p += src;
    sh->param_columns = pcols ? memcpy(p, shape->param_columns, pcols) : NULL;
    p += pcols;
    sh->result_columns = rcols ? memcpy(p, shape->result_columns, rcols) : NULL;
    p += rcols;
    char *text = memcpy(p, shape->sql, shape->sql_len);
    text[shape->sql_len] = '\0';
    sh->sql = text;
    sh->head = (orm_compiled){.sql = text, .sql_len = sh->sql_len, .nparams = sh->nparams, .shape_id = sh->id,
                              .param_columns = sh->param_columns, .result_columns = sh->result_columns,
                              .nresult = sh->nresult, .returns_rows = sh->returns_rows, .is_query = sh->is_query};

    pthread_mutex_lock(&cc->mu);
    if (find(cc, k)) { /* another thread stored it first */
        pthread_mutex_unlock(&cc->mu);
        free(e);
        return;
    }
    entry *gone = NULL;
    while (cc->oldest && (cc->stats.entries >= cc->max_entries || cc->stats.bytes + bytes > cc->max_bytes))
        evict_oldest(cc, &gone);
    entry **b = bucket(cc, k->hash);
    e->chain = *b;
    *b = e;
    link_newest(cc, e);
    cc->stats.entries++;
    cc->stats.bytes += bytes;
    pthread_mutex_unlock(&cc->mu);
    for (entry *next; gone; gone = next) {
        next = gone->chain;
        unref(gone);
    }
}

void orm_compile_cache_stats_get(orm_compile_cache *cc, orm_compile_cache_stats *out)
{
    pthread_mutex_lock(&cc->mu);
    *out = cc->stats;
    pthread_mutex_unlock(&cc->mu);
}
