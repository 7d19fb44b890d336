/* cache_key.h: a statement's structural cache key (SQLAlchemy 1.4's
 * _generate_cache_key): every node and field that decides its SQL text,
 * without the bound values, plus where each value is (its "bind sources",
 * in walk order), so a statement of a shape compiled before takes its
 * values from these and skips the compiler (compile_cache.h).
 *
 * The key is a sequence of words in which each node contributes its kind,
 * its own fields and then its children (a NULL child, a list's length, a
 * string's length are words too), so two statements have the same key
 * only when they print the same text. Tables, columns and classes are in
 * it by address: they are a schema's, which outlives the engine and does
 * not change. A statement naming a column that is not its table's own
 * (a per-request related count), or a node the compiler refuses, is
 * uncacheable: it is compiled every time.
 *
 * Bind sources are the values' addresses in the tree (a SELECT, UPDATE,
 * DELETE) or one array of values (`values_array`): an INSERT's values, row
 * by row, and the values of a statement keyed by its spec
 * (orm_cache_key_spec): a statement a caller describes in a few words
 * (mapper, columns, row count, shape of the WHERE) before, and instead of,
 * building its tree. The compiled cache keeps a shape of an array-sourced
 * key with its parameter and result columns (compile_cache.h), so a hit
 * needs no tree to read them from. */
#ifndef ORM_CACHE_KEY_H
#define ORM_CACHE_KEY_H

#include <stdbool.h>
#include <stdint.h>

#include "orm/stmt.h"

/* One bound value as the walk met it: the value in the statement (its
 * address identifies it) and the column it is compared with (or NULL). */
typedef struct orm_bind_source {
    const orm_value *value;
    const orm_column *column;
} orm_bind_source;

/* Room for most statements' keys, kept by the caller for as long as it
 * uses the key (compile: on its stack): a key that outgrows it moves to
 * the arena. */
#define ORM_CACHE_KEY_WORDS 256
#define ORM_CACHE_KEY_SOURCES 32
typedef struct orm_cache_key_room {
    uint64_t words[ORM_CACHE_KEY_WORDS];
    orm_bind_source src[ORM_CACHE_KEY_SOURCES];
} orm_cache_key_room;

typedef struct orm_cache_key {
    orm_cache_key_room *room;        /* set by the caller, or NULL: all in the arena */
    uint64_t *words;
    size_t n, cap;
    uint64_t hash;
    orm_bind_source *src;            /* the bind sources (nsrc), unless values_array */
    size_t nsrc, srccap;
    const orm_value *vals;           /* with values_array: bind source i is vals[i] */
    bool values_array;
    bool uncacheable;
    rm_arena *a;
} orm_cache_key;

/* Bind source i's value. */
static inline const orm_value *orm_cache_key_value(const orm_cache_key *k, size_t i)
{
    return k->values_array ? &k->vals[i] : k->src[i].value;
}

/* Is c a column of its table's own (a schema's, as keys name them)? */
bool orm_cache_key_own_column(const orm_column *c);

/* The key of one statement (in k->room as far as it fits, else in arena a). */
void orm_cache_key_select(orm_cache_key *k, rm_arena *a, const orm_select *s);
void orm_cache_key_insert(orm_cache_key *k, rm_arena *a, const orm_insert *s);
void orm_cache_key_update(orm_cache_key *k, rm_arena *a, const orm_update *s);
void orm_cache_key_delete(orm_cache_key *k, rm_arena *a, const orm_delete *s);

/* The key of a statement by its spec: words[0..n) (kept by the caller for
 * as long as it uses the key; the first holds a kind of the caller's,
 * ORM_SPEC_*, in its low 16 bits, which no tree's key starts with)
 * decide, with the dialect, its whole text, its result columns and every
 * value it binds but vals[0..nvals): the values a use binds, in the order
 * the walk of the statement's tree meets them (its first bind sources; the
 * others are constants of the spec). The compiler checks that order on
 * the one compile of each spec (orm_compile_select_as). */
enum { ORM_SPEC_LOAD_BY_KEY = 0x2000, ORM_SPEC_UPDATE_ROW };
void orm_cache_key_spec(orm_cache_key *k, const uint64_t *words, size_t n, const orm_value *vals, size_t nvals);

#endif
