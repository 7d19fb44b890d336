/* compile_cache.h: an engine's compiled cache (SQLAlchemy 1.4's
 * compiled_cache): structural cache key (cache_key.h) → the SQL text and,
 * for each placeholder, where its value comes from: the key's bind source
 * of that number, or a value the compiler made (LIMIT -1, a scale). A
 * statement of a known shape takes its values from its own bind sources
 * and is not compiled again.
 *
 * Thread-safe (one short mutex around a look-up or an insertion), bounded
 * by entries and by bytes, least recently used evicted first. What a
 * look-up returns is copied into the caller's arena: an entry evicted
 * meanwhile by another thread is never read after. */
#ifndef ORM_COMPILE_CACHE_H
#define ORM_COMPILE_CACHE_H

#include <stdint.h>

#include "orm/cache_key.h"
#include "orm/compile.h"

#define ORM_COMPILE_CACHE_ENTRIES 500      /* SQLAlchemy's default query_cache_size */
#define ORM_COMPILE_CACHE_BYTES (4u << 20) /* texts, keys and sources of all entries */

typedef struct orm_compile_cache orm_compile_cache;

/* A compiled shape. src[i] >= 0: placeholder i + 1 takes bind source
 * src[i]; < 0: the value consts[-1 - src[i]] (never text). */
typedef struct orm_compiled_shape {
    const char *sql;
    size_t sql_len;
    const int32_t *src;
    size_t nparams;
    const orm_value *consts;
    size_t nconsts;
    uint64_t id;          /* the entry's: no other entry of any cache ever has it (0: none) */
} orm_compiled_shape;

typedef struct orm_compile_cache_stats {
    uint64_t hits, misses, evictions;
    size_t entries, bytes;
} orm_compile_cache_stats;

/* max_entries, max_bytes: 0 for the defaults above. Never NULL. */
orm_compile_cache *orm_compile_cache_new(size_t max_entries, size_t max_bytes);
void orm_compile_cache_free(orm_compile_cache *cc);
/* The shape stored for key k, copied into arena a: true; false on a miss
 * (counted). */
bool orm_compile_cache_get(orm_compile_cache *cc, const orm_cache_key *k, rm_arena *a, orm_compiled_shape *out);
/* Remember shape for k (copied; a shape too large for the cache is not
 * kept). */
void orm_compile_cache_put(orm_compile_cache *cc, const orm_cache_key *k, const orm_compiled_shape *shape);
void orm_compile_cache_stats_get(orm_compile_cache *cc, orm_compile_cache_stats *out);

/* Statements a caller keeps under its own key (an address and a variant)
 * for the cache's life: for a statement that cannot differ between
 * requests but in one parameter (orm/key_load.h). Read without a lock,
 * never evicted; at most ORM_COMPILE_MEMO_SLOTS (more are not kept). */
#define ORM_COMPILE_MEMO_SLOTS 256

typedef struct orm_compiled_memo {
    const void *owner;
    unsigned variant;
    size_t arg;           /* the parameter each use binds; the others are c's constants */
    orm_compiled c;       /* its text, parameters and result columns: the memo's own */
} orm_compiled_memo;

/* The memo kept under (owner, variant), or NULL. */
const orm_compiled_memo *orm_compile_cache_memo(orm_compile_cache *cc, const void *owner, unsigned variant);
/* Keep a copy of c (its result columns and parameter columns are the
 * schema's: the pointers are kept) under (owner, variant), unless one is
 * kept there already, the slots are full, or a parameter but arg is text. */
void orm_compile_cache_memo_put(orm_compile_cache *cc, const void *owner, unsigned variant, const orm_compiled *c,
                                size_t arg);

#endif
