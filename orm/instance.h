/* instance.h: mapped objects as one request sees them, and the identity
 * map that makes each (table, primary key) one object per request
 * (SQLAlchemy's InstanceState and IdentityMap).
 *
 * An instance holds its row (table column order, arena copies; for a
 * joined-table hierarchy the span's: every level's columns), its most
 * specific mapper (resolved from the discriminator), and the
 * relationships loaded so far. Everything lives in
 * the request arena; nothing is freed one by one. */
#ifndef ORM_INSTANCE_H
#define ORM_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "orm/mapper.h"

typedef struct orm_instance orm_instance;

/* Object states (SQLAlchemy's): transient (no session), pending (to be
 * inserted), persistent (has a row), deleted (row to be deleted). */
typedef enum orm_state { ORM_TRANSIENT = 0, ORM_PENDING, ORM_PERSISTENT, ORM_DELETED } orm_state;

/* A loaded relationship of one instance: a collection, or for a scalar
 * (uselist false) at most one item. Change it only through the functions
 * below: a large collection keeps a hash set of its items (built on the
 * first deduplicating add past a few items) so that adding n items stays
 * O(n), not O(n^2). */
typedef struct orm_related {
    const orm_relationship *rel;
    orm_instance **items;
    size_t n, cap;
    orm_instance **set;         /* open addressing over items, or NULL */
    size_t setcap;              /* a power of two, more than twice n */
} orm_related;

struct orm_instance {
    const orm_mapper *mapper;   /* most specific mapper */
    orm_value *row;             /* table->ncolumns values */
    orm_value *committed;       /* the row as loaded: an UPDATE lists only columns that differ
                                   (NULL: a read-only unit's, or pending) */
    orm_value *extra;           /* extra result columns of the statement that loaded it
                                   (sort keys through joins), or NULL */
    struct orm_count_value *counts; /* related counts its loading statements read
                                       (orm/related_count.h), or NULL */
    orm_related *related;       /* loaded relationships */
    orm_instance *chain;        /* identity-map bucket chain */
    uint64_t hash;
    uint32_t nrelated, caprelated; /* (a mapper's relationships: few) */
    unsigned mark;              /* loader bookkeeping: last generation that visited it */
    orm_state state;            /* loaded instances are persistent */
    /* The unit of work's fields, from `touched` on: an instance a read-only
     * unit loads (an identity map that tracks nothing) is allocated without
     * them (ORM_INSTANCE_LEAN bytes), for only a write unit's unit of work
     * and flush use them. */
    bool touched;               /* in its unit of work's list */
    bool wrote;                 /* flush: inserted or updated by the running flush */
    uint32_t link_head;         /* flush: newest link whose child it is (1-based; 0 none) */
    uint32_t seq;               /* flush: its number among the pending instances */
    uint32_t waits;             /* flush: links to pending parents not inserted yet */
    /* (32 bits: a unit holds at most ORM_MAX_UNIT_OBJECTS objects, orm/uow.h) */
    bool *given;                /* pending: columns set explicitly (the rest take defaults) */
    orm_value *before;          /* flush, with a scope: the committed row before its UPDATE
                                   (NULL: inserted, every value is new) */
};

/* The bytes of an instance without the unit of work's fields. */
#define ORM_INSTANCE_LEAN offsetof(orm_instance, touched)

typedef struct orm_identity_map {
    rm_arena *a;
    bool track;                 /* instances keep committed state (a unit that may write);
                                   false: a read-only unit's, see orm_identity_map_add */
    unsigned generation;        /* for orm_instance.mark */
    orm_instance **buckets;
    size_t nbuckets, count;
} orm_identity_map;

/* An empty map; track: whether its instances keep committed state. */
void orm_identity_map_init(orm_identity_map *map, rm_arena *a, bool track);
/* The instance of table m->table with the key found in row: the one already
 * in the map (*is_new false; its row is kept as loaded first), else a new
 * one (*is_new true), whose mapper is m (loading.c then resolves
 * polymorphic rows to their own mapper). is_new may be NULL. row's values
 * (a result row in the map's arena) must outlive the map; they are not
 * copied again: a tracking map keeps the array itself as the instance's
 * committed state and gives it a copy as its row, a read-only one (no flush
 * will compare them) takes row itself as the instance's row, unchanged for
 * as long as the map is used, and no committed state (NULL); its instances
 * are ORM_INSTANCE_LEAN bytes, without the unit of work's fields. */
orm_instance *orm_identity_map_add(orm_identity_map *map, const orm_mapper *m, orm_value *row,
                                   bool *is_new);
/* orm_identity_map_add for a row that is not the map's to keep (a row as
 * the driver passes it, orm_session_each): only a new instance's values
 * and texts are copied, into one block with the instance. */
orm_instance *orm_identity_map_load(orm_identity_map *map, const orm_mapper *m, const orm_value *row,
                                    bool *is_new);
/* Make room for `more` instances beyond those in the map (a statement
 * about to load that many): the buckets grow once, not step by step. */
void orm_identity_map_reserve(orm_identity_map *map, size_t more);
/* Whether inst is the instance of table t with the key found in row (as
 * orm_identity_map_add would find it). */
bool orm_instance_keyed(const orm_instance *inst, const orm_table *t, const orm_value *row);
/* Enter an instance whose key became known (a pending row just inserted). */
void orm_identity_map_put(orm_identity_map *map, orm_instance *inst);
/* The instance of table t with primary key pk, or NULL. */
orm_instance *orm_identity_map_get(const orm_identity_map *map, const orm_table *t,
                                   const orm_value *pk);

/* The instance's slot for rel, or NULL when rel has not been loaded. */
orm_related *orm_instance_related(const orm_instance *inst, const orm_relationship *rel);
/* The slot for rel, created empty (marks rel loaded). */
orm_related *orm_instance_load_slot(orm_instance *inst, const orm_relationship *rel, rm_arena *a);
/* Append item; with dedupe, unless it is already there (O(1) on average). */
void orm_related_add(orm_related *r, orm_instance *item, rm_arena *a, bool dedupe);
/* Remove item (its first occurrence) keeping the order; O(n). */
void orm_related_remove(orm_related *r, const orm_instance *item);
/* Remove every item. */
void orm_related_clear(orm_related *r);

/* Hash of n key values (for maps keyed by key tuples); values that
 * orm_value_eq finds equal hash equal (0.0 and -0.0 too). */
uint64_t orm_values_hash(const orm_value *v, size_t n);

#endif
