/* compile_cache.h: an engine's compiled cache (SQLAlchemy 1.4's
 * compiled_cache): structural cache key (cache_key.h) → the SQL text and,
 * for each placeholder, where its value comes from: the key's bind source
 * of that number, or a value the compiler made (LIMIT -1, a scale). A
 * statement of a known shape takes its values from its own bind sources
 * and is not compiled again.
 *
 * Every statement the ORM runs goes through it (one rule, one place):
 * statements with a tree by their structural key, the few that a caller
 * can describe without one (a load by key, a flush's UPDATE of a row) by
 * their spec (cache_key.h), whose hit builds no tree at all.
 *
 * Thread-safe (one short spin lock around a look-up or a linking), bounded
 * by entries and by bytes, least recently used evicted first. What a
 * look-up returns is the entry's own, pinned until the caller's arena is
 * reset (rm_arena_on_reset): an entry evicted meanwhile by another thread
 * is freed when its last reader's arena lets it go, never copied. */
#ifndef ORM_COMPILE_CACHE_H
#define ORM_COMPILE_CACHE_H

#include <stdint.h>

#include "orm/cache_key.h"
#include "orm/compile.h"

#define ORM_COMPILE_CACHE_ENTRIES 500      /* SQLAlchemy's default query_cache_size */
#define ORM_COMPILE_CACHE_BYTES (4u << 20) /* texts, keys and sources of all entries */

typedef struct orm_compile_cache orm_compile_cache;

/* A compiled shape. src[i] >= 0: placeholder i + 1 takes bind source
 * src[i]; < 0: the value consts[-1 - src[i]] (a text one's bytes are the
 * entry's). The shape of an array-sourced key (cache_key.h) also keeps
 * what the compiler says of the statement: its parameters' and result
 * columns (schema columns only). */
typedef struct orm_compiled_shape {
    const char *sql;
    size_t sql_len;
    const int32_t *src;
    size_t nparams;
    const orm_value *consts;
    size_t nconsts;
    const orm_column **param_columns; /* nparams, or NULL: the key's sources say */
    const orm_column **result_columns;
    size_t nresult;
    bool returns_rows, is_query;
    bool identity;        /* placeholder i takes bind source i, no constant (set by the cache) */
    uint64_t id;          /* the entry's: no other entry of any cache ever has it (0: none) */
    orm_compiled head;    /* the statement but its parameters (set by the cache) */
} orm_compiled_shape;

typedef struct orm_compile_cache_stats {
    uint64_t hits, misses, evictions;
    size_t entries, bytes;
} orm_compile_cache_stats;

/* max_entries, max_bytes: 0 for the defaults above. Never NULL. */
orm_compile_cache *orm_compile_cache_new(size_t max_entries, size_t max_bytes);
void orm_compile_cache_free(orm_compile_cache *cc);
/* The shape stored for key k, pinned until arena a is reset; NULL on a
 * miss (counted). */
const orm_compiled_shape *orm_compile_cache_get(orm_compile_cache *cc, const orm_cache_key *k, rm_arena *a);
/* Remember shape for k (copied; a shape too large for the cache is not
 * kept). */
void orm_compile_cache_put(orm_compile_cache *cc, const orm_cache_key *k, const orm_compiled_shape *shape);
void orm_compile_cache_stats_get(orm_compile_cache *cc, orm_compile_cache_stats *out);

#endif
