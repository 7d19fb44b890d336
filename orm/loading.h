/* loading.h: rows → instances through the identity map, and the eager
 * loader strategies (SQLAlchemy's loading.py and strategies.py):
 *   joined   — LEFT OUTER JOINs in the statement that loads the parents;
 *              when a to-many is joined and the parents are paged, the
 *              parents' query becomes a derived table, so LIMIT counts
 *              parents, not joined rows;
 *   selectin — one more statement per relationship level,
 *              ... WHERE key IN (...), the key list chunked under the
 *              dialect's parameter limit and padded to a power of two so
 *              few distinct statements reach the statement cache.
 * A list of N parents with an include tree of R selectin nodes therefore
 * runs 1 + R statements whatever N (more only when a key list is chunked).
 * A node with criteria (filter, sort, per-parent limit and offset) is a
 * selectin node whatever its strategy; its per-parent top-N is one
 * statement too, through ROW_NUMBER() OVER (PARTITION BY the parent key)
 * (orm/window.h). */
#ifndef ORM_LOADING_H
#define ORM_LOADING_H

#include "orm/instance.h"
#include "orm/query.h"
#include "orm/schema.h"
#include "orm/template.h"

/* One node of an include tree: load rel with strategy (JOINED or
 * SELECTIN), then its children on the loaded targets. */
typedef struct orm_include {
    const orm_relationship *rel;
    orm_lazy strategy;
    struct orm_include *children;
    size_t nchildren;
    bool unshown;      /* loaded for the caller's own use (routes/: an association
                          proxy's values), not part of what it shows; the loader
                          treats it like any other node */
    const bool *fields;     /* its target's fieldset by column index, or NULL: a deferred
                               column is loaded only when named here (SPEC §9) */
    const orm_column *const *counts; /* related counts of its targets (orm/related_count.h):
                                        extra columns of the statement that loads them */
    size_t ncounts;
    /* Criteria (SPEC §10 C), on a to-many node only: which rows of the
     * collection it embeds, per parent. A node with any of them is loaded
     * by a selectin statement of its own (a joined one too), and keeps
     * what it loaded in a slot of its own (`slot`): the instance's slot for
     * rel keeps the whole collection, or stays unloaded. */
    orm_template where;     /* filter[PATH]: over the target at alias 0 (subqueries at
                               1..naliases, orm_filter_parse); empty: every row */
    const char *sort;       /* sort[PATH]: a sort spec of the target (orm_query_order_by),
                               replacing the relationship's order_by; NULL: that order_by */
    bool limited;           /* limit[PATH] given: at most `limit` rows per parent */
    int64_t limit;
    int64_t offset;         /* offset[PATH]: rows per parent skipped first (0: none) */
    const orm_relationship *slot; /* set by orm_include_criteria: the key of the instance
                               slot holding what the node loaded; NULL: rel */
} orm_include;

/* Mark node as having criteria (call once any of where, sort, limited,
 * offset is set): it gets a slot of its own (a copy of rel in a) and the
 * selectin strategy. */
void orm_include_criteria(rm_arena *a, orm_include *node);
/* What node loaded for inst (NULL: not loaded): the slot of node->slot,
 * else of node->rel. */
const orm_related *orm_include_loaded(const orm_instance *inst, const orm_include *node);

typedef struct orm_loaded {
    orm_instance **items;   /* the query's rows, in order, one per parent */
    size_t n;
    bool more;              /* rows past `keep` were found (and left out) */
} orm_loaded;

/* Run q (order, paging, keyset) and load the include tree on its rows.
 * Instances go through the session's identity map (so an object reached
 * twice is one instance). Each top-level instance's `extra` holds its sort
 * keys through joins; the related counts of q and of the include nodes are
 * recorded on the instances they were read for (orm_count_value). */
int orm_load_query(orm_session *s, const orm_query *q, const orm_include *inc, size_t ninc,
                   orm_loaded *out);
/* The same, keeping at most `keep` rows (their includes loaded) and setting
 * out->more when the query returned more: run it with limit keep + 1 to
 * learn whether a next page exists without loading its includes. */
int orm_load_page(orm_session *s, const orm_query *q, size_t keep, const orm_include *inc,
                  size_t ninc, orm_loaded *out);

/* Load the include tree on instances already loaded. */
int orm_load_related(orm_session *s, orm_instance **parents, size_t n, const orm_include *inc,
                     size_t ninc);

/* Read again the computed attributes of instances a flush just wrote (its
 * RETURNING cannot compute them: a count of rows inserted after the
 * parent, the request's scope): the persistent ones whose table has any,
 * grouped by mapper, one SELECT ... WHERE key IN (...) per mapper (per 250
 * rows), never one per instance; row and committed state both get the
 * values. insts: distinct instances (a unit of work's objs). */
int orm_load_computed(orm_session *s, orm_instance **insts, size_t n);

/* Rows per selectin statement at most (before the dialect's parameter limit). */
#define ORM_SELECTIN_CHUNK 1000

#endif
