/* test_include_property.c: differential property test of criteria inside
 * include (SPEC §10 C) against an in-memory evaluation of the embedded
 * arrays, on the backend of the run.
 *
 * Over the Person / Pet / Tag world of tests/support/filter_gen.c (pets
 * one-to-many, tags and people many-to-many, owner many-to-one), each case
 * draws a page of Person or Tag rows (all of them, or a LIMIT/OFFSET page)
 * and an include tree of to-many paths up to three deep (pets, tags,
 * people, tags.people, people.pets, people.tags.people, ...), each node
 * selectin or joined, and on each node at random: a JSON filter on its
 * target (filter_gen's generator), a sort spec (keys with '-', through
 * owner.* on pets), a per-parent limit (0 to 4) and offset. The tree is
 * loaded through orm_load_page, and for every parent at every level the
 * embedded ids must equal the model's: the parent's related rows (the
 * world's adjacency) that the filter selects, sorted by the keys in C
 * (NULL smallest, '-' descending, ties by id), then sliced by
 * offset/limit; no parent may be dropped, and the statements must number
 * 1 + the nodes loaded by a statement of their own (selectin ones and
 * every node with criteria, joined or not).
 *
 * Which rows a filter selects comes from the same filter run as a flat
 * list query on the target (orm_query_all): the filter language has its
 * own property test against a model (test_filter_property.c); what this
 * one checks independently is everything §10 C adds on top of it: the
 * per-parent partition, the window, sort replacing the relationship's
 * order, many-to-many parents, nesting, and parents never dropped.
 *
 * A failure prints the seed, the case, the tree with its criteria, the
 * parent and both sequences. Deterministic: each case has its own stream
 * (seed, case number). INCLUDE_PROPERTY_SCALE=N runs N times as many
 * cases. */
#include <check.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm/filter.h"
#include "orm/loading.h"
#include "orm/session.h"
#include "tests/suites.h"
#include "tests/support/backend.h"
#include "tests/support/filter_gen.h"
#include "tests/support/pgtmp.h"
#include "tests/support/suite.h"

#define CASES_PER_SEED 400
#define MAX_NODES 5
#define MAX_REPORTS 3

static const uint64_t SEEDS[] = {0x51ce5eedull, 0x1c1c1c1c2d2d2d2dull, 0xfeedfacecafebeefull};
#define NSEEDS ((int)(sizeof SEEDS / sizeof SEEDS[0]))

/* One node of a drawn include tree, its criteria and what the model needs. */
typedef struct inode {
    int rel;                 /* FG_PETS, FG_TAGS or FG_PEOPLE */
    bool joined;             /* the strategy asked for */
    json_t *filter;          /* or NULL */
    fg_sort_case sort;       /* sort.nk 0: none */
    int64_t limit;           /* < 0: none */
    int64_t offset;
    bool *match;             /* with a filter: per target row, whether it selects it */
    struct inode *kids[2];
    int nkids;
    orm_include *inc;        /* the loader's node */
} inode;

typedef struct icase {
    const fg_world *W;
    rm_arena *a;
    int root;                /* FG_PERSON or FG_TAG */
    inode nodes[MAX_NODES];
    int nnodes;
    inode *top[2];
    int ntop;
    int64_t page_limit;      /* < 0: every row */
    int64_t page_offset;
    orm_include *inc;        /* the tree's first level */
} icase;

/* ---- drawing a case ------------------------------------------------------------------------------ */

/* The to-many relationships of entity e. */
static int to_many(int e, int *out)
{
    if (e == FG_PERSON) {
        out[0] = FG_PETS;
        out[1] = FG_TAGS;
        return 2;
    }
    if (e == FG_TAG) {
        out[0] = FG_PEOPLE;
        return 1;
    }
    return 0;
}

static inode *draw_node(icase *c, fg_prng *g, int rel, int depth)
{
    if (c->nnodes == MAX_NODES) return NULL;
    inode *n = &c->nodes[c->nnodes++];
    memset(n, 0, sizeof *n);
    const fg_world *W = c->W;
    int target = W->rels[rel].to;
    n->rel = rel;
    n->joined = fg_chance(g, 30);
    n->filter = fg_chance(g, 50) ? fg_gen_filter(W, g, target, 4, 6) : NULL;
    if (fg_chance(g, 60)) {
        fg_gen_sort_for(W, g, target, &n->sort);
        if (n->sort.filter) json_decref(n->sort.filter);
        n->sort.filter = NULL;
    }
    n->limit = fg_chance(g, 55) ? fg_range(g, 0, 4) : -1;
    n->offset = fg_chance(g, 30) ? fg_range(g, 1, 3) : 0;
    int rels[2], nr = to_many(target, rels);
    if (depth < 3 && nr && fg_chance(g, 45)) {
        inode *k = draw_node(c, g, rels[fg_range(g, 0, nr - 1)], depth + 1);
        if (k) n->kids[n->nkids++] = k;
    }
    return n;
}

static void draw_case(icase *c, fg_prng *g)
{
    c->root = fg_chance(g, 60) ? FG_PERSON : FG_TAG;
    int rels[2], nr = to_many(c->root, rels);
    int first = fg_range(g, 0, nr - 1);
    c->top[c->ntop++] = draw_node(c, g, rels[first], 1);
    if (nr > 1 && fg_chance(g, 40)) {
        inode *n = draw_node(c, g, rels[1 - first], 1);
        if (n) c->top[c->ntop++] = n;
    }
    c->page_limit = fg_chance(g, 40) ? fg_range(g, 1, 15) : -1;
    c->page_offset = c->page_limit >= 0 && fg_chance(g, 50) ? fg_range(g, 0, 10) : 0;
}

static bool has_criteria(const inode *n) { return n->filter || n->sort.nk || n->limit >= 0 || n->offset > 0; }

static void print_node(const icase *c, const inode *n, const char *prefix)
{
    const char *name = c->W->rels[n->rel].name;
    char path[128];
    snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", name);
    char *f = n->filter ? fg_dump(n->filter) : NULL;
    fprintf(stderr, "  %s (%s): filter %s, sort %s, limit %" PRId64 ", offset %" PRId64 "\n", path,
            n->joined ? "joined" : "selectin", f ? f : "-", n->sort.nk ? n->sort.spec : "-", n->limit, n->offset);
    free(f);
    for (int k = 0; k < n->nkids; k++) print_node(c, n->kids[k], path);
}

static void print_case(const icase *c, uint64_t seed, int no)
{
    fprintf(stderr, "include_property: seed %#" PRIx64 " case #%d: %s rows, page limit %" PRId64 " offset %" PRId64 "\n",
            seed, no, c->W->ents[c->root].entity, c->page_limit, c->page_offset);
    for (int i = 0; i < c->ntop; i++) print_node(c, c->top[i], "");
}

/* ---- the loader's tree ---------------------------------------------------------------------------- */

/* Which target rows n's filter selects: the filter as a flat list query. */
static void fill_match(icase *c, inode *n)
{
    const fg_world *W = c->W;
    const fg_ent *T = &W->ents[W->rels[n->rel].to];
    n->match = RM_NEW_ARRAY(c->a, bool, T->nrows);
    orm_error err;
    orm_error_init(&err, c->a);
    orm_query q;
    orm_query_init(&q, T->m, NULL);
    ck_assert_msg(orm_filter_parse(c->a, T->m, n->filter, 0, &q.aliases, "/f", &q.where, &err) == 0, "%s", err.detail);
    fg_qrun run = {0};
    ck_assert_msg(fg_run_query(W, c->a, &q, &run, &err) == 0, "%s", err.detail);
    for (size_t i = 0; i < run.res.nrows; i++) n->match[fg_result_id(W, (int)(T - W->ents), &run.res, i) - 1] = true;
}

static void build_node(icase *c, inode *n, orm_include *out, orm_error *err)
{
    const fg_world *W = c->W;
    const fg_rel *R = &W->rels[n->rel];
    const orm_mapper *target = W->ents[R->to].m;
    memset(out, 0, sizeof *out);
    out->rel = orm_mapper_relationship(W->ents[R->from].m, R->name);
    ck_assert_ptr_nonnull(out->rel);
    out->strategy = n->joined ? ORM_LAZY_JOINED : ORM_LAZY_SELECTIN;
    if (n->filter) {
        orm_alias_seq seq = orm_alias_seq_start(1, NULL);
        orm_expr *e = NULL;
        ck_assert_msg(orm_filter_parse(c->a, target, n->filter, 0, &seq, "/f", &e, err) == 0, "%s", err->detail);
        out->where = (orm_template){e, seq.next - 1};
        fill_match(c, n);
    }
    if (n->sort.nk) out->sort = rm_arena_strdup(c->a, n->sort.spec);
    out->limited = n->limit >= 0;
    out->limit = n->limit;
    out->offset = n->offset;
    if (has_criteria(n)) orm_include_criteria(c->a, out);
    out->children = RM_NEW_ARRAY(c->a, orm_include, n->nkids ? (size_t)n->nkids : 1);
    out->nchildren = (size_t)n->nkids;
    for (int k = 0; k < n->nkids; k++) build_node(c, n->kids[k], &out->children[k], err);
    n->inc = out;
}

/* ---- the model --------------------------------------------------------------------------------------- */

static int vcmp(const orm_value *a, const orm_value *b)
{
    bool na = a->kind == ORM_V_NULL, nb = b->kind == ORM_V_NULL;
    if (na || nb) return (int)nb - (int)na; /* NULL is the smallest */
    if (a->kind == ORM_V_TEXT) {
        size_t n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
        int k = n ? memcmp(a->u.s.p, b->u.s.p, n) : 0;
        return k ? (k < 0 ? -1 : 1) : (a->u.s.n > b->u.s.n) - (a->u.s.n < b->u.s.n);
    }
    double x = a->kind == ORM_V_INT ? (double)a->u.i : a->u.f, y = b->kind == ORM_V_INT ? (double)b->u.i : b->u.f;
    return (x > y) - (x < y);
}

/* The value of sort key k for row `row` of entity e (through owner: its
 * owner's, NULL without one). */
static orm_value key_value(const fg_world *W, int e, size_t row, const fg_skey *k)
{
    if (k->rel < 0) return *fg_cell(W, e, row, &W->ents[e].cols[k->col]);
    if (!fg_nrelated(W, k->rel, row)) return orm_null();
    int to = W->rels[k->rel].to;
    return *fg_cell(W, to, fg_related(W, k->rel, row, 0), &W->ents[to].cols[k->col]);
}

static int cmp_rows(const fg_world *W, int e, const fg_sort_case *sc, size_t x, size_t y)
{
    for (int i = 0; i < sc->nk; i++) {
        orm_value vx = key_value(W, e, x, &sc->keys[i]), vy = key_value(W, e, y, &sc->keys[i]);
        int k = vcmp(&vx, &vy);
        if (k) return sc->keys[i].desc ? -k : k;
    }
    return (x > y) - (x < y); /* ids are rows + 1: ties by the key */
}

/* The ids n embeds for row `row` of its parent entity, into out; returns how many. */
static size_t expected(const icase *c, const inode *n, size_t row, int64_t *out)
{
    const fg_world *W = c->W;
    int e = W->rels[n->rel].to;
    size_t cand[512], m = 0, total = fg_nrelated(W, n->rel, row);
    for (size_t k = 0; k < total && m < 512; k++) {
        size_t r = fg_related(W, n->rel, row, k);
        if (!n->filter || n->match[r]) cand[m++] = r;
    }
    for (size_t i = 1; i < m; i++) /* insertion sort: few rows per parent */
        for (size_t j = i; j > 0 && cmp_rows(W, e, &n->sort, cand[j - 1], cand[j]) > 0; j--) {
            size_t t = cand[j];
            cand[j] = cand[j - 1];
            cand[j - 1] = t;
        }
    size_t from = (size_t)n->offset < m ? (size_t)n->offset : m, to = m;
    if (n->limit >= 0 && from + (size_t)n->limit < to) to = from + (size_t)n->limit;
    for (size_t i = from; i < to; i++) out[i - from] = (int64_t)cand[i] + 1;
    return to - from;
}

/* Statements n's subtree takes for the distinct parent rows[0..n) of its
 * parent entity: one for a node loaded by a statement of its own (selectin,
 * or any node with criteria) when it has a parent; its children's parents
 * are the distinct rows it embeds. */
static unsigned model_statements(const icase *c, const inode *n, const size_t *rows, size_t nrows)
{
    const fg_world *W = c->W;
    unsigned k = nrows && (!n->joined || has_criteria(n));
    size_t ntarget = W->ents[W->rels[n->rel].to].nrows, nnext = 0;
    bool *seen = RM_NEW_ARRAY(c->a, bool, ntarget);
    size_t *next = RM_NEW_ARRAY(c->a, size_t, ntarget ? ntarget : 1);
    int64_t ids[512];
    for (size_t i = 0; i < nrows; i++) {
        size_t m = expected(c, n, rows[i], ids);
        for (size_t j = 0; j < m; j++)
            if (!seen[ids[j] - 1]) {
                seen[ids[j] - 1] = true;
                next[nnext++] = (size_t)ids[j] - 1;
            }
    }
    for (int i = 0; i < n->nkids; i++) k += model_statements(c, n->kids[i], next, nnext);
    return k;
}

/* Does a relationship stand in two nodes without criteria? The second may
 * then find its parents' collections loaded by the first (the identity
 * map's), and take no statement. */
static bool reloads(const icase *c)
{
    for (int i = 0; i < c->nnodes; i++)
        for (int j = i + 1; j < c->nnodes; j++)
            if (c->nodes[i].rel == c->nodes[j].rel && !has_criteria(&c->nodes[i]) && !has_criteria(&c->nodes[j]))
                return true;
    return false;
}

static int64_t id_of(const fg_world *W, const orm_instance *inst)
{
    const orm_value *v = &inst->row[inst->mapper->table->pk[0]->index]; /* "id" */
    return v->kind == ORM_V_INT ? v->u.i : -1;
}

/* Compare the node's embedded rows of one parent, then below them. */
static bool check_node(const icase *c, const inode *n, const orm_instance *parent, uint64_t seed, int no, bool report)
{
    const fg_world *W = c->W;
    int64_t want[512], got[512];
    size_t nw = expected(c, n, (size_t)id_of(W, parent) - 1, want), ng = 0;
    const orm_related *slot = orm_include_loaded(parent, n->inc);
    for (size_t i = 0; slot && i < slot->n && ng < 512; i++) got[ng++] = id_of(W, slot->items[i]);
    if (!slot || fg_first_difference(want, nw, got, ng) >= 0) {
        if (report) {
            print_case(c, seed, no);
            fprintf(stderr, "  %s of %s %" PRId64 "%s\n", W->rels[n->rel].name, W->ents[W->rels[n->rel].from].entity,
                    id_of(W, parent), slot ? "" : ": not loaded");
            fg_print_seq("expected", want, nw);
            fg_print_seq("got", got, ng);
        }
        return false;
    }
    for (size_t i = 0; i < slot->n; i++)
        for (int k = 0; k < n->nkids; k++)
            if (!check_node(c, n->kids[k], slot->items[i], seed, no, report)) return false;
    return true;
}

/* ---- running a case ------------------------------------------------------------------------------- */

typedef struct load_unit {
    icase *c;
    orm_loaded out;
} load_unit;

static int load(orm_session *s, void *ud)
{
    load_unit *u = ud;
    icase *c = u->c;
    orm_query q;
    orm_query_init(&q, c->W->ents[c->root].m, NULL);
    if (c->page_limit < 0) return orm_load_query(s, &q, c->inc, (size_t)c->ntop, &u->out);
    q.limit = c->page_limit + 1;
    q.offset = c->page_offset;
    return orm_load_page(s, &q, (size_t)c->page_limit, c->inc, (size_t)c->ntop, &u->out);
}

static bool run_case(const fg_world *W, uint64_t seed, int no, bool report)
{
    rm_arena *a = rm_arena_new();
    fg_prng g;
    fg_seed(&g, seed ^ fg_splitmix((uint64_t)no + 1));
    icase c = {.W = W, .a = a};
    draw_case(&c, &g);
    orm_error err;
    orm_error_init(&err, a);
    c.inc = RM_NEW_ARRAY(a, orm_include, (size_t)c.ntop);
    for (int i = 0; i < c.ntop; i++) build_node(&c, c.top[i], &c.inc[i], &err);
    orm_session s;
    orm_session_init(&s, W->engine, W->schema, a, &err);
    load_unit u = {.c = &c};
    int rc = orm_session_run(&s, false, load, &u);
    bool ok = rc == 0;
    if (!ok && report) {
        print_case(&c, seed, no);
        fprintf(stderr, "  load failed: %s (%s)\n", err.detail, err.internal);
    }
    /* the parents: the page of the root's rows by id, none dropped */
    size_t nrows = W->ents[c.root].nrows, from = 0, to = nrows;
    if (ok && c.page_limit >= 0) {
        from = (size_t)c.page_offset < nrows ? (size_t)c.page_offset : nrows;
        to = from + (size_t)c.page_limit < nrows ? from + (size_t)c.page_limit : nrows;
    }
    if (ok && u.out.n != to - from) {
        ok = false;
        if (report) {
            print_case(&c, seed, no);
            fprintf(stderr, "  %zu parents, expected %zu\n", u.out.n, to - from);
        }
    }
    for (size_t i = 0; ok && i < u.out.n; i++) {
        ok = id_of(W, u.out.items[i]) == (int64_t)(from + i + 1);
        for (int k = 0; ok && k < c.ntop; k++) ok = check_node(&c, c.top[k], u.out.items[i], seed, no, report);
    }
    /* 1 + R: the page, then one per node loaded by a statement of its own */
    unsigned want = 1;
    size_t *page = RM_NEW_ARRAY(a, size_t, to - from + 1);
    for (size_t i = from; i < to; i++) page[i - from] = i;
    for (int k = 0; ok && k < c.ntop; k++) want += model_statements(&c, c.top[k], page, to - from);
    if (ok && (reloads(&c) ? s.statements > want : s.statements != want)) {
        ok = false;
        if (report) {
            print_case(&c, seed, no);
            fprintf(stderr, "  %u statements, expected %s%u\n", s.statements, reloads(&c) ? "at most " : "", want);
        }
    }
    for (int i = 0; i < c.nnodes; i++)
        if (c.nodes[i].filter) json_decref(c.nodes[i].filter);
    rm_arena_destroy(a);
    return ok;
}

START_TEST(embedded_arrays_match_the_model)
{
    uint64_t seed = SEEDS[_i];
    char url[512] = "sqlite://:memory:";
    bool pg = rt_backend() == RT_POSTGRESQL;
    if (pg) pgtmp_fresh_db(url, sizeof url);
    fg_world W;
    fg_world_init(&W, seed, url);
    const char *scale = getenv("INCLUDE_PROPERTY_SCALE");
    int n = CASES_PER_SEED * (scale && atoi(scale) > 0 ? atoi(scale) : 1), failures = 0;
    for (int i = 0; i < n; i++)
        if (!run_case(&W, seed, i, failures < MAX_REPORTS)) failures++;
    fg_world_free(&W);
    if (pg) pgtmp_drop_db(url);
    ck_assert_msg(failures == 0, "seed %#" PRIx64 ": %d of %d include cases differ from the model", seed, failures, n);
}
END_TEST

Suite *include_property_suite(void)
{
    Suite *s = suite_create("orm/include_property");
    TCase *tc = tcase_create("include_property");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, embedded_arrays_match_the_model, 0, NSEEDS);
    suite_add_tcase(s, tc);
    return s;
}
