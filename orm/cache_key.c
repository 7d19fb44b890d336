/* cache_key.c: statements → structural cache keys; see cache_key.h. The
 * walk reads every field compile.c's printers read (and a few they
 * ignore: a more specific key only costs a cache entry). */
#include "orm/cache_key.h"

#include <string.h>

/* Statement kinds and markers: words no node kind (orm_expr_op) uses. */
enum { K_SELECT = 0x1000, K_INSERT, K_UPDATE, K_DELETE, K_NIL, K_ALL_COLUMNS, K_NO_LABELS };


static __attribute__((noinline)) void grow(orm_cache_key *k)
{
    size_t ncap = k->cap * 2;
    k->words = rm_arena_realloc(k->a, k->words, k->cap * sizeof *k->words, ncap * sizeof *k->words);
    k->cap = ncap;
}

static inline void push(orm_cache_key *k, uint64_t w)
{
    if (k->n == k->cap) grow(k);
    k->words[k->n++] = w;
}

static void push_ptr(orm_cache_key *k, const void *p) { push(k, (uint64_t)(uintptr_t)p); }

/* A string by content (labels and function names may be a request's). */
static void push_str(orm_cache_key *k, const char *s)
{
    if (!s) {
        push(k, K_NIL);
        return;
    }
    size_t n = strlen(s);
    push(k, n);
    for (size_t i = 0; i < n; i += 8) {
        uint64_t w = 0;
        memcpy(&w, s + i, n - i < 8 ? n - i : 8);
        push(k, w);
    }
}

bool orm_cache_key_own_column(const orm_column *c)
{
    return c && c->table && c->index >= 0 && (size_t)c->index < c->table->ncolumns && &c->table->columns[c->index] == c;
}

/* A column by address, when it is its table's own (a schema's); anything
 * else (a per-request column) makes the statement uncacheable. */
static void push_column(orm_cache_key *k, const orm_column *c)
{
    if (!orm_cache_key_own_column(c)) k->uncacheable = true;
    push_ptr(k, c);
}

static void source(orm_cache_key *k, const orm_value *v, const orm_column *c)
{
    if (k->nsrc == k->srccap) {
        size_t ncap = k->srccap * 2;
        k->src = rm_arena_realloc(k->a, k->src, k->srccap * sizeof *k->src, ncap * sizeof *k->src);
        k->srccap = ncap;
    }
    k->src[k->nsrc++] = (orm_bind_source){v, c};
}

static void walk_select(orm_cache_key *k, const orm_select *s);

static void walk_expr(orm_cache_key *k, const orm_expr *e)
{
    if (!e) {
        push(k, K_NIL);
        return;
    }
    push(k, (uint64_t)e->op | (uint64_t)e->flags << 32);
    switch (e->op) {
    case ORM_OP_COLUMN: /* leaves: the compiler prints no operand of theirs */
        push(k, (uint64_t)(int64_t)e->u.col.alias);
        push_column(k, e->u.col.column);
        return;
    case ORM_OP_PARAM: source(k, &e->u.param.value, e->u.param.column); return;
    case ORM_OP_LIST:
        push(k, e->u.list.n);
        for (size_t i = 0; i < e->u.list.n; i++) walk_expr(k, e->u.list.items[i]);
        break;
    case ORM_OP_EXISTS:
    case ORM_OP_SUBQUERY: walk_select(k, e->u.sub); break;
    case ORM_OP_LABEL:
        push(k, (uint64_t)(int64_t)e->u.label.alias);
        push_str(k, e->u.label.name);
        break;
    case ORM_OP_CALL: push_str(k, e->u.func); break;
    case ORM_OP_SCALED_SUM:
    case ORM_OP_SCALED_AVG:
    case ORM_OP_POSITION: push(k, (uint64_t)(int64_t)e->u.scale); break;
    case ORM_OP_ROW_NUMBER:
        push(k, e->u.window.npartition);
        for (size_t i = 0; i < e->u.window.npartition; i++) walk_expr(k, e->u.window.partition[i]);
        push(k, e->u.window.norder);
        for (size_t i = 0; i < e->u.window.norder; i++) {
            push(k, e->u.window.order[i].desc);
            walk_expr(k, e->u.window.order[i].expr);
        }
        break;
    case ORM_OP_CLAIM:
    case ORM_OP__COUNT: k->uncacheable = true; break;
    default: break; /* operators: their operands below; COMPUTED prints its left alone */
    }
    walk_expr(k, e->left);
    walk_expr(k, e->right);
}

static void walk_select(orm_cache_key *k, const orm_select *s)
{
    if (!s) {
        push(k, K_NIL);
        return;
    }
    push(k, K_SELECT);
    push_ptr(k, s->from);
    push_ptr(k, s->cls);
    push(k, (uint64_t)(int64_t)s->alias);
    push(k, s->flags);
    walk_select(k, s->from_select);
    if (!s->columns) {
        push(k, K_ALL_COLUMNS);
    } else {
        push(k, s->ncolumns);
        for (size_t i = 0; i < s->ncolumns; i++) walk_expr(k, s->columns[i]);
    }
    if (!s->labels) {
        push(k, K_NO_LABELS);
    } else {
        push(k, s->columns ? s->ncolumns : 0);
        for (size_t i = 0; s->columns && i < s->ncolumns; i++) push_str(k, s->labels[i]);
    }
    push(k, s->njoins);
    for (size_t i = 0; i < s->njoins; i++) {
        const orm_join *j = &s->joins[i];
        push(k, j->kind);
        push_ptr(k, j->table);
        push_ptr(k, j->cls);
        push(k, (uint64_t)(int64_t)j->alias);
        walk_expr(k, j->on);
    }
    walk_expr(k, s->where);
    push(k, s->ngroup);
    for (size_t i = 0; i < s->ngroup; i++) walk_expr(k, s->group_by[i]);
    walk_expr(k, s->having);
    push(k, s->norder);
    for (size_t i = 0; i < s->norder; i++) {
        push(k, s->order[i].desc);
        walk_expr(k, s->order[i].expr);
    }
    walk_expr(k, s->limit);
    walk_expr(k, s->offset);
}

static void start(orm_cache_key *k, rm_arena *a, uint64_t kind)
{
    orm_cache_key_room *room = k->room;
    memset(k, 0, sizeof *k);
    k->room = room;
    k->a = a;
    k->cap = ORM_CACHE_KEY_WORDS;
    k->words = room ? room->words : rm_arena_alloc(a, ORM_CACHE_KEY_WORDS * sizeof *k->words);
    k->srccap = ORM_CACHE_KEY_SOURCES;
    k->src = room ? room->src : rm_arena_alloc(a, ORM_CACHE_KEY_SOURCES * sizeof *k->src);
    push(k, kind);
}

/* The hash of the words: a multiplication per word (which carries each
 * difference upwards), then the high half folded onto the low one, which
 * the table's buckets use. */
static void finish(orm_cache_key *k)
{
    uint64_t h = 0x9e3779b97f4a7c15u ^ k->n;
    for (size_t i = 0; i < k->n; i++) h = (h ^ k->words[i]) * 0xbf58476d1ce4e5b9u;
    k->hash = h ^ (h >> 32);
}

void orm_cache_key_spec(orm_cache_key *k, const uint64_t *words, size_t n, const orm_value *vals, size_t nvals)
{
    k->room = NULL; /* never grown, nor sources pushed */
    k->a = NULL;
    k->src = NULL;
    k->srccap = 0;
    k->words = (uint64_t *)words;
    k->n = k->cap = n;
    k->vals = vals;
    k->nsrc = nvals;
    k->values_array = true;
    k->uncacheable = false;
    finish(k);
}

void orm_cache_key_select(orm_cache_key *k, rm_arena *a, const orm_select *s)
{
    start(k, a, K_SELECT);
    walk_select(k, s);
    finish(k);
}

void orm_cache_key_insert(orm_cache_key *k, rm_arena *a, const orm_insert *s)
{
    start(k, a, K_INSERT);
    push_ptr(k, s->table);
    push(k, s->ncolumns);
    for (size_t i = 0; i < s->ncolumns; i++) push_column(k, s->columns[i]);
    push(k, s->nrows);
    push(k, s->returning);
    k->values_array = true; /* the values, row by row: no source to list one by one */
    k->vals = s->values;
    k->nsrc = s->ncolumns * (s->nrows ? s->nrows : 1);
    finish(k);
}

void orm_cache_key_update(orm_cache_key *k, rm_arena *a, const orm_update *s)
{
    start(k, a, K_UPDATE);
    push_ptr(k, s->table);
    push(k, s->ncolumns);
    for (size_t i = 0; i < s->ncolumns; i++) {
        push_column(k, s->columns[i]);
        walk_expr(k, s->values[i]);
    }
    walk_expr(k, s->where);
    push(k, s->returning);
    finish(k);
}

void orm_cache_key_delete(orm_cache_key *k, rm_arena *a, const orm_delete *s)
{
    start(k, a, K_DELETE);
    push_ptr(k, s->table);
    walk_expr(k, s->where);
    finish(k);
}
