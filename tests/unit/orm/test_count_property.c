/* test_count_property.c: property test of related counts (SPEC §10 B,
 * orm/related_count.h) against an evaluation over the rows in memory.
 *
 * For each seed of a fixed list, the filter property test's world
 * (tests/support/filter_gen.h: Person 1-n Pet, Person n-m Tag) is loaded
 * into an in-memory SQLite database. Each case draws:
 *   - the top entity (Person or Tag) and one or two to-many relationships
 *     whose counts the page reads, each with a random count filter on the
 *     target (or none), and sometimes a count it only sorts by;
 *   - a sort by those counts ("-_count.pets,_count.tags"), ties by key;
 *   - sometimes a filter on the top rows;
 *   - an include node (Person.tags or Tag.people, joined or selectin) whose
 *     embedded rows read counts of their own (with filters too).
 * It runs the page through orm_load_page whole, as a LIMIT/OFFSET slice
 * (a joined to-many then pages through a derived table), and by keyset
 * pages (orm_query_sort_values + orm_query_after) walked forwards and
 * backwards (q->reverse), and compares with what the rows in memory say:
 * each count is the number of related rows (the relationship's adjacency
 * kept by the world) that the count's filter selects, and the order is a
 * qsort by the counts then the key.
 *
 * Which target rows a filter selects is read once per filter by running it
 * as a plain query on the target (orm_filter_parse → orm_query_all), the
 * path filter_property_suite checks against its SPEC model for every
 * operator; what is tested here is everything after: the count as a
 * correlated subquery (the filter's template renumbered inside it), its
 * values on the loaded instances at both levels, sorting and paging by it.
 * A failure prints the seed, the case, its parameters, the SQL of the rows
 * and the expected and actual sequences. Deterministic: each case has its
 * own stream (seed, case number). COUNT_PROPERTY_SCALE=N runs N times as
 * many cases. */
#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm/filter.h"
#include "orm/loading.h"
#include "orm/related_count.h"
#include "orm/session.h"
#include "tests/suites.h"
#include "tests/support/filter_gen.h"
#include "tests/support/suite.h"

#define CASES_PER_SEED 60

static const uint64_t SEEDS[] = {0x9e3779b97f4a7c15ull, 0x0badc0ffee0ddf00ull, 0x5eed5eed5eed5eedull,
                                 0x1234567890abcdefull};
#define NSEEDS ((int)(sizeof SEEDS / sizeof SEEDS[0]))

/* One count a case reads: of relationship rel (a to-many of the world),
 * the related rows its filter selects. */
typedef struct cspec {
    int rel;
    json_t *filter;         /* on the target, or NULL: every related row */
    bool *match;            /* per target row: selected by the filter */
    const orm_column *col;  /* its count column (shown ones) */
    bool shown;             /* read by the page; else only sorted by (unfiltered) */
} cspec;

typedef struct ccase {
    const fg_world *W;
    rm_arena *a;
    int e;                  /* the top entity */
    cspec top[2];
    int ntop;
    bool desc[2];           /* sort: top[i] in this direction, in order */
    char sort[96];
    json_t *where;          /* a filter on e, or NULL */
    bool *rows;             /* per row of e: selected by `where` */
    int node_rel;           /* the include node's relationship */
    bool joined;
    cspec emb[2];           /* counts of the embedded rows */
    int nemb;
    int64_t *want;          /* expected order of e's ids */
    size_t nwant;
} ccase;

static const fg_world *CMP_W;
static const ccase *CMP_C;

/* The count of spec c for row `row` of its relationship's source. */
static int64_t expected_count(const fg_world *W, const cspec *c, size_t row)
{
    int64_t n = 0;
    for (size_t k = 0; k < fg_nrelated(W, c->rel, row); k++) n += c->match[fg_related(W, c->rel, row, k)];
    return n;
}

static int cmp_rows(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    for (int i = 0; i < CMP_C->ntop; i++) {
        int64_t ca = expected_count(CMP_W, &CMP_C->top[i], a), cb = expected_count(CMP_W, &CMP_C->top[i], b);
        if (ca != cb) return (ca < cb) == CMP_C->desc[i] ? 1 : -1;
    }
    return (a > b) - (a < b);
}

/* The rows of entity e that filter f selects (every row for NULL), read by
 * a plain query on e. */
static bool *selected(const fg_world *W, rm_arena *a, int e, const json_t *f)
{
    const fg_ent *E = &W->ents[e];
    bool *sel = RM_NEW_ARRAY(a, bool, E->nrows);
    if (!f) {
        for (size_t i = 0; i < E->nrows; i++) sel[i] = true;
        return sel;
    }
    orm_error err;
    orm_error_init(&err, a);
    orm_query q;
    orm_query_init(&q, E->m, NULL);
    ck_assert_msg(orm_filter_parse(a, E->m, f, 0, &q.aliases, "/filter", &q.where, &err) == 0, "filter: %s",
                  err.nfields ? err.fields[0].message : err.detail);
    fg_qrun r = {0};
    ck_assert_msg(fg_run_query(W, a, &q, &r, &err) == 0, "query: %s (%s)", err.detail, err.internal);
    for (size_t i = 0; i < r.res.nrows; i++) sel[fg_result_id(W, e, &r.res, i) - 1] = true;
    return sel;
}

static const orm_relationship *rel_of(const fg_world *W, int r)
{
    return orm_mapper_relationship(W->ents[W->rels[r].from].m, W->rels[r].name);
}

/* A count of relationship r, with a random filter on its target when shown
 * (60% of the time). */
static void draw_spec(ccase *C, fg_prng *g, int r, bool shown, cspec *out)
{
    const fg_world *W = C->W;
    memset(out, 0, sizeof *out);
    out->rel = r;
    out->shown = shown;
    int t = W->rels[r].to;
    if (shown && fg_chance(g, 60)) out->filter = fg_gen_filter(W, g, t, fg_range(g, 2, 6), fg_range(g, 2, 14));
    out->match = selected(W, C->a, t, out->filter);
    if (!shown) return;
    orm_template tmpl, *tp = NULL;
    orm_error err;
    orm_error_init(&err, C->a);
    if (out->filter) {
        ck_assert_msg(orm_count_filter(C->a, rel_of(W, r), out->filter, NULL, "/count", &tmpl, &err) == 0,
                      "count filter: %s", err.nfields ? err.fields[0].message : err.detail);
        tp = &tmpl;
    }
    out->col = orm_count_column(C->a, rel_of(W, r), tp);
}

static void draw_case(ccase *C, fg_prng *g)
{
    const fg_world *W = C->W;
    C->e = fg_chance(g, 70) ? FG_PERSON : FG_TAG;
    if (C->e == FG_PERSON) {
        int first = fg_chance(g, 50) ? FG_PETS : FG_TAGS;
        draw_spec(C, g, first, true, &C->top[0]);
        C->ntop = 1;
        if (fg_chance(g, 50)) draw_spec(C, g, first == FG_PETS ? FG_TAGS : FG_PETS, fg_chance(g, 50), &C->top[C->ntop++]);
        C->node_rel = FG_TAGS;
        draw_spec(C, g, FG_PEOPLE, true, &C->emb[C->nemb++]);
    } else {
        draw_spec(C, g, FG_PEOPLE, true, &C->top[C->ntop++]);
        C->node_rel = FG_PEOPLE;
        draw_spec(C, g, FG_PETS, true, &C->emb[C->nemb++]);
        if (fg_chance(g, 50)) draw_spec(C, g, FG_TAGS, true, &C->emb[C->nemb++]);
    }
    size_t n = 0;
    for (int i = 0; i < C->ntop; i++) {
        C->desc[i] = fg_chance(g, 50);
        n += (size_t)snprintf(C->sort + n, sizeof C->sort - n, "%s%s_count.%s", i ? "," : "", C->desc[i] ? "-" : "",
                              W->rels[C->top[i].rel].name);
    }
    C->joined = fg_chance(g, 50);
    C->where = fg_chance(g, 25) ? fg_gen_filter(W, g, C->e, 4, 6) : NULL;
    C->rows = selected(W, C->a, C->e, C->where);
    const fg_ent *E = &W->ents[C->e];
    size_t *rows = RM_NEW_ARRAY(C->a, size_t, E->nrows + 1);
    for (size_t i = 0; i < E->nrows; i++)
        if (C->rows[i]) rows[C->nwant++] = i;
    CMP_W = W;
    CMP_C = C;
    qsort(rows, C->nwant, sizeof *rows, cmp_rows);
    C->want = RM_NEW_ARRAY(C->a, int64_t, C->nwant + 1);
    for (size_t i = 0; i < C->nwant; i++) C->want[i] = (int64_t)rows[i] + 1;
}

static void print_case(const ccase *C, uint64_t seed, int no, const char *what)
{
    const fg_world *W = C->W;
    fprintf(stderr, "count_property: seed %#" PRIx64 " case #%d: %s sort=%s (%s %s)%s\n", seed, no,
            W->ents[C->e].entity, C->sort, C->joined ? "joined" : "selectin", W->rels[C->node_rel].name, what);
    for (int i = 0; i < C->ntop; i++) {
        char *f = C->top[i].filter ? fg_dump(C->top[i].filter) : NULL;
        fprintf(stderr, "  count[%s]%s %s\n", W->rels[C->top[i].rel].name, C->top[i].shown ? "" : " (sort only)",
                f ? f : "*");
        free(f);
    }
    for (int i = 0; i < C->nemb; i++) {
        char *f = C->emb[i].filter ? fg_dump(C->emb[i].filter) : NULL;
        fprintf(stderr, "  count[%s.%s] %s\n", W->rels[C->node_rel].name, W->rels[C->emb[i].rel].name, f ? f : "*");
        free(f);
    }
    if (C->where) {
        char *f = fg_dump(C->where);
        fprintf(stderr, "  filter %s\n", f);
        free(f);
    }
}

/* ---- running pages --------------------------------------------------------------------------- */

typedef struct page_run {
    orm_query *q;
    size_t keep;
    orm_include *inc;
    orm_loaded out;
} page_run;

static int page_unit(orm_session *s, void *ud)
{
    page_run *p = ud;
    return orm_load_page(s, p->q, p->keep, p->inc, 1, &p->out);
}

/* The case's query (counts, sort, filter) and include node, in C's arena. */
static void build(const ccase *C, orm_query *q, orm_include *node)
{
    const fg_world *W = C->W;
    const fg_ent *E = &W->ents[C->e];
    orm_error err;
    orm_error_init(&err, C->a);
    orm_query_init(q, E->m, NULL);
    if (C->where)
        ck_assert_int_eq(orm_filter_parse(C->a, E->m, C->where, 0, &q->aliases, "/filter", &q->where, &err), 0);
    const orm_column **cols = RM_NEW_ARRAY(C->a, const orm_column *, 2);
    for (int i = 0; i < C->ntop; i++)
        if (C->top[i].shown) cols[q->ncounts++] = C->top[i].col;
    q->counts = cols;
    ck_assert_msg(orm_query_order_by(q, C->a, C->sort, &q->aliases, "/query/sort", &err) == 0, "sort %s: %s", C->sort,
                  err.nfields ? err.fields[0].message : err.detail);
    const orm_column **ecols = RM_NEW_ARRAY(C->a, const orm_column *, 2);
    for (int i = 0; i < C->nemb; i++) ecols[i] = C->emb[i].col;
    *node = (orm_include){.rel = rel_of(W, C->node_rel), .strategy = C->joined ? ORM_LAZY_JOINED : ORM_LAZY_SELECTIN,
                          .counts = ecols, .ncounts = (size_t)C->nemb};
}

/* Check the loaded rows items[0..n) against want[0..n): ids, counts, and
 * the embedded rows with their counts. Prints the first difference. */
static bool check_rows(const ccase *C, orm_instance **items, size_t n, const int64_t *want, size_t nwant,
                       const orm_include *node)
{
    const fg_world *W = C->W;
    const fg_ent *E = &W->ents[C->e];
    int64_t *got = RM_NEW_ARRAY(C->a, int64_t, n + 1);
    for (size_t i = 0; i < n; i++) got[i] = items[i]->row[E->cols[E->id].idx].u.i;
    long d = fg_first_difference(want, nwant, got, n);
    if (d >= 0) {
        fprintf(stderr, "  order differs at %ld\n", d);
        fg_print_seq("expected", want, nwant);
        fg_print_seq("got", got, n);
        return false;
    }
    const fg_ent *T = &W->ents[W->rels[C->node_rel].to];
    for (size_t i = 0; i < n; i++) {
        size_t row = (size_t)got[i] - 1;
        for (int k = 0; k < C->ntop; k++) {
            int64_t v = -1, x = expected_count(W, &C->top[k], row);
            if (!C->top[k].shown) continue;
            if (!orm_count_value(items[i], C->top[k].col, &v) || v != x) {
                fprintf(stderr, "  id %" PRId64 ": count[%s] %" PRId64 ", expected %" PRId64 "\n", got[i],
                        W->rels[C->top[k].rel].name, v, x);
                return false;
            }
        }
        const orm_related *slot = orm_instance_related(items[i], node->rel);
        size_t ne = slot ? slot->n : 0;
        if (ne != fg_nrelated(W, C->node_rel, row)) {
            fprintf(stderr, "  id %" PRId64 ": %zu %s embedded, expected %zu\n", got[i], ne,
                    W->rels[C->node_rel].name, fg_nrelated(W, C->node_rel, row));
            return false;
        }
        for (size_t j = 0; j < ne; j++) {
            const orm_instance *child = slot->items[j];
            size_t crow = (size_t)child->row[T->cols[T->id].idx].u.i - 1;
            for (int k = 0; k < C->nemb; k++) {
                int64_t v = -1, x = expected_count(W, &C->emb[k], crow);
                if (!orm_count_value(child, C->emb[k].col, &v) || v != x) {
                    fprintf(stderr, "  id %" PRId64 ": embedded %s %zu: count[%s] %" PRId64 ", expected %" PRId64 "\n",
                            got[i], T->entity, crow + 1, W->rels[C->emb[k].rel].name, v, x);
                    return false;
                }
            }
        }
    }
    return true;
}

/* Run the page (keep rows at most; q's paging as set) in a read unit of
 * its own. */
static bool run(const ccase *C, orm_query *q, size_t keep, orm_include *node, orm_loaded *out)
{
    orm_error err;
    orm_error_init(&err, C->a);
    orm_session s;
    orm_session_init(&s, C->W->engine, C->W->schema, C->a, &err);
    page_run p = {.q = q, .keep = keep, .inc = node};
    int rc = orm_session_run(&s, false, page_unit, &p);
    if (rc) {
        fprintf(stderr, "  the page failed: %s (%s)\n", err.detail, err.internal);
        return false;
    }
    *out = p.out;
    return true;
}

/* Keyset pages of random sizes, forwards (or backwards: q->reverse, the
 * rows nearest the cursor first), each after the previous page's last row;
 * the rows walked are checked against the whole order (reversed backwards). */
static bool walk(const ccase *C, fg_prng *g, bool backwards, orm_include *node)
{
    orm_query q;
    build(C, &q, node);
    q.reverse = backwards;
    size_t nkeys;
    orm_query_effective_order(&q, C->a, &nkeys);
    orm_instance **walked = RM_NEW_ARRAY(C->a, orm_instance *, C->nwant + 2);
    size_t nw = 0;
    for (int pages = 0; pages <= (int)C->nwant + 1; pages++) {
        int size = fg_range(g, 1, 9);
        q.limit = size + 1;
        orm_loaded out;
        if (!run(C, &q, (size_t)size, node, &out)) return false;
        for (size_t i = 0; i < out.n && nw <= C->nwant; i++) walked[nw++] = out.items[i];
        if (!out.more || nw > C->nwant) break;
        orm_value *last = RM_NEW_ARRAY(C->a, orm_value, nkeys);
        orm_query_sort_values(&q, C->a, out.items[out.n - 1]->row, out.items[out.n - 1]->extra, last);
        orm_query_after(&q, C->a, last);
    }
    int64_t *want = C->want;
    if (backwards) {
        want = RM_NEW_ARRAY(C->a, int64_t, C->nwant + 1);
        for (size_t i = 0; i < C->nwant; i++) want[i] = C->want[C->nwant - 1 - i];
    }
    return check_rows(C, walked, nw, want, C->nwant, node);
}

/* One case: the whole page, a slice, and keyset walks both ways. */
static int check_case(const fg_world *W, uint64_t seed, int no, bool report)
{
    fg_prng g;
    fg_seed(&g, seed ^ fg_splitmix((uint64_t)no + 1));
    ccase C = {.W = W, .a = rm_arena_new()};
    draw_case(&C, &g);
    int failures = 0;
    orm_include node;
    orm_query q;
    orm_loaded out;
    const char *what = NULL;

    build(&C, &q, &node);
    if (!run(&C, &q, SIZE_MAX, &node, &out) || !check_rows(&C, out.items, out.n, C.want, C.nwant, &node))
        what = "the whole page";

    if (!what) {
        int64_t off = fg_range(&g, 0, (int)C.nwant + 1), lim = fg_range(&g, 0, (int)C.nwant + 1);
        build(&C, &q, &node);
        q.limit = lim;
        q.offset = off;
        size_t from = (size_t)off < C.nwant ? (size_t)off : C.nwant, cnt = C.nwant - from;
        if ((size_t)lim < cnt) cnt = (size_t)lim;
        if (!run(&C, &q, SIZE_MAX, &node, &out) || !check_rows(&C, out.items, out.n, C.want + from, cnt, &node))
            what = "a LIMIT/OFFSET slice";
    }
    if (!what && !walk(&C, &g, false, &node)) what = "the keyset walk forwards";
    if (!what && !walk(&C, &g, true, &node)) what = "the keyset walk backwards";
    if (what) {
        failures++;
        if (report) {
            print_case(&C, seed, no, "");
            fprintf(stderr, "  failed: %s\n", what);
            fg_print_sql(W, C.a, &q);
        }
    }
    for (int i = 0; i < C.ntop; i++) json_decref(C.top[i].filter);
    for (int i = 0; i < C.nemb; i++) json_decref(C.emb[i].filter);
    json_decref(C.where);
    rm_arena_destroy(C.a);
    return failures;
}

static int scale(void)
{
    const char *s = getenv("COUNT_PROPERTY_SCALE");
    int n = s ? atoi(s) : 1;
    return n > 0 ? n : 1;
}

START_TEST(counts_and_count_order_agree_with_the_rows)
{
    fg_world W;
    uint64_t seed = SEEDS[_i];
    fg_world_init(&W, seed, "sqlite://:memory:");
    int n = CASES_PER_SEED * scale(), failures = 0;
    for (int i = 0; i < n; i++) failures += check_case(&W, seed, i, failures < 3);
    fg_world_free(&W);
    ck_assert_msg(failures == 0, "seed %#" PRIx64 ": %d of %d count cases failed", seed, failures, n);
}
END_TEST

/* The evaluation itself on a hand-made case: a wrong expected count or
 * order would make the property test meaningless. */
START_TEST(model_sanity)
{
    fg_world W;
    fg_world_init(&W, SEEDS[0], "sqlite://:memory:");
    ccase C = {.W = &W, .a = rm_arena_new(), .e = FG_PERSON, .ntop = 1, .desc = {true}};
    C.top[0] = (cspec){.rel = FG_PETS, .shown = true};
    C.top[0].match = selected(&W, C.a, FG_PET, NULL);
    /* with every pet selected, a person's count is its number of pets, from the rows themselves */
    const fg_ent *P = &W.ents[FG_PET];
    const fg_col *owner = &P->cols[fg_find_col(P, "owner_id")];
    for (size_t p = 0; p < W.ents[FG_PERSON].nrows; p++) {
        int64_t n = 0;
        for (size_t r = 0; r < P->nrows; r++) {
            const orm_value *v = fg_cell(&W, FG_PET, r, owner);
            n += v->kind == ORM_V_INT && v->u.i == (int64_t)p + 1;
        }
        ck_assert_int_eq(expected_count(&W, &C.top[0], p), n);
    }
    /* descending by count, ties by id ascending */
    CMP_W = &W;
    CMP_C = &C;
    size_t rows[3] = {2, 0, 1};
    qsort(rows, 3, sizeof *rows, cmp_rows);
    for (int i = 0; i < 2; i++) {
        int64_t a = expected_count(&W, &C.top[0], rows[i]), b = expected_count(&W, &C.top[0], rows[i + 1]);
        ck_assert(a > b || (a == b && rows[i] < rows[i + 1]));
    }
    rm_arena_destroy(C.a);
    fg_world_free(&W);
}
END_TEST

Suite *count_property_suite(void)
{
    Suite *s = suite_create("orm/count_property");
    TCase *tc = TS_TCASE(s, "count_property", NULL, NULL, 120, model_sanity);
    tcase_add_loop_test(tc, counts_and_count_order_agree_with_the_rows, 0, NSEEDS);
    return s;
}
