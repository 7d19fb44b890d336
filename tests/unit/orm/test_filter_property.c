/* test_filter_property.c: property test of the JSON filter language and of
 * sorting / keyset paging (SPEC §4, §5, §8) against an independent model.
 *
 * For each seed of a fixed list: a schema (Person, Pet, Tag; one-to-many,
 * many-to-one and many-to-many relationships) is loaded, its tables are
 * created in an in-memory SQLite database and a generated data set is
 * inserted (many NULLs, frequent equal values, text drawn from an alphabet
 * with upper/lower case letters, '%', '_', '\' and 'é'/'É'). A copy of
 * every row stays in memory. Then:
 *
 *  - thousands of random filters (every column operator, null literals,
 *    several operators in one value, and/or/not nested deeply,
 *    any/none/every/has/is_null, dotted paths) are run through
 *    orm_filter_parse → orm_query_all / orm_query_count, and the set of ids
 *    is compared with an evaluator written here over the in-memory rows that
 *    follows SPEC §8 literally: SQL three-valued logic (ne, nin and not do
 *    not match NULL), in [] matches nothing and nin [] everything, like is
 *    case-sensitive with % _ and a \ escape, ilike folds ASCII letters only
 *    (SQLite's lower()), startswith/endswith/contains are literal and
 *    case-sensitive, any = some related row makes the inner filter TRUE,
 *    none = not any, every = no related row makes it FALSE (UNKNOWN rows do
 *    not break every), has = any on a to-one, is_null = no related row;
 *
 *  - random sort specs (with '-', through owner.* for pets) are compared with
 *    a qsort here (NULL smallest: first ascending, last descending; ties by
 *    id ascending), as are LIMIT/OFFSET slices and a keyset walk in pages of
 *    random sizes (orm_query_sort_values + orm_query_after) that must give
 *    the whole order with no duplicate and no gap.
 *
 * A failure prints the seed, the case number, the filter JSON, the SQL and
 * its parameters, the ids on which the two sides disagree with those rows
 * (and their related ids), and a shrunk filter that still disagrees.
 * Deterministic: xorshift64* seeded from a fixed list; each filter and sort
 * case has its own stream (seed, case number), so one case reproduces alone.
 *
 * Environment, for exploring beyond the default run: FILTER_PROPERTY_SCALE=N
 * runs N times as many cases per seed; FILTER_PROPERTY_SEED=S uses the
 * seeds S, S+1, ... instead of the list; FILTER_PROPERTY_STATS=1 prints
 * coverage figures (per process: use CK_FORK=no to add up every seed). */
#include <check.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm/compile.h"
#include "orm/ddl.h"
#include "orm/engine.h"
#include "orm/filter.h"
#include "orm/query.h"
#include "orm/schema.h"
#include "orm/session.h"
#include "tests/suites.h"
#include "tests/support/suite.h"

#define FILTERS_PER_SEED 800
#define SORTS_PER_SEED 80
#define MAX_REPORTS 3 /* detailed reports (with shrinking) per seed and kind */

static const uint64_t SEEDS[] = {
    0x9e3779b97f4a7c15ull, 0x0123456789abcdefull, 0xdeadbeefcafef00dull,
    0x5eed5eed5eed5eedull, 0x0badc0ffee0ddf00ull, 0x7777777777777777ull,
};
#define NSEEDS ((int)(sizeof SEEDS / sizeof SEEDS[0]))

static const char SCHEMA[] =
    "{\"entities\": {"
    " \"Person\": {\"table\": \"persons\", \"columns\": {"
    "   \"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "   \"name\": {\"type\": \"string\"},"
    "   \"age\": {\"type\": \"integer\", \"nullable\": true},"
    "   \"score\": {\"type\": \"float\", \"nullable\": true},"
    "   \"active\": {\"type\": \"boolean\", \"nullable\": true},"
    "   \"born\": {\"type\": \"date\", \"nullable\": true}},"
    "  \"relationships\": {"
    "   \"pets\": {\"target\": \"Pet\", \"back_populates\": \"owner\"},"
    "   \"tags\": {\"target\": \"Tag\", \"secondary\": \"person_tags\", \"back_populates\": \"people\"}}},"
    " \"Pet\": {\"table\": \"pets\", \"columns\": {"
    "   \"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "   \"owner_id\": {\"type\": \"integer\", \"foreign_key\": \"persons.id\", \"nullable\": true},"
    "   \"species\": {\"type\": \"string\", \"nullable\": true},"
    "   \"weight\": {\"type\": \"float\", \"nullable\": true}},"
    "  \"relationships\": {\"owner\": {\"target\": \"Person\", \"back_populates\": \"pets\"}}},"
    " \"Tag\": {\"table\": \"tags\", \"columns\": {"
    "   \"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "   \"label\": {\"type\": \"string\"}},"
    "  \"relationships\": {"
    "   \"people\": {\"target\": \"Person\", \"secondary\": \"person_tags\", \"back_populates\": \"tags\"}}}},"
    "\"tables\": {\"person_tags\": {\"columns\": {"
    "  \"person_id\": {\"type\": \"integer\", \"foreign_key\": \"persons.id\", \"primary_key\": true},"
    "  \"tag_id\": {\"type\": \"integer\", \"foreign_key\": \"tags.id\", \"primary_key\": true}}}}}";

/* ---- deterministic random numbers ---------------------------------------------------------- */

typedef struct prng {
    uint64_t s;
} prng;

static uint64_t splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static void prng_seed(prng *g, uint64_t seed)
{
    g->s = splitmix(seed);
    if (!g->s) g->s = 1;
}

static uint64_t rnd(prng *g) /* xorshift64* */
{
    uint64_t x = g->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    g->s = x;
    return x * 0x2545f4914f6cdd1dull;
}

static int rint_in(prng *g, int lo, int hi) /* inclusive */
{
    return lo + (int)(rnd(g) % (uint64_t)(hi - lo + 1));
}

static bool chance(prng *g, int pct) { return (int)(rnd(g) % 100) < pct; }

/* ---- the model: entities, columns, relationships, rows ------------------------------------- */

typedef enum kind { K_INT, K_FLOAT, K_BOOL, K_TEXT, K_DATE } kind;

typedef struct mcol {
    const char *name;
    kind k;
    int null_pct;   /* share of NULLs in the data */
    int idx;        /* index in the table's columns (row layout) */
    int lo, hi;     /* K_INT operand range */
} mcol;

enum { E_PERSON, E_PET, E_TAG, NENT };
enum { R_PETS, R_TAGS, R_OWNER, R_PEOPLE, NREL };

typedef struct ment {
    const char *entity;
    const orm_mapper *m;
    size_t width;   /* table->ncolumns */
    mcol cols[6];
    int ncols;
    int id;         /* index into cols of "id" (always 0) */
    size_t nrows;
    orm_value *rows; /* row r: rows[r * width .. ]; ids are r + 1 */
} ment;

typedef struct mrel {
    const char *name;
    int from, to;
    bool many;
    size_t *start;  /* related rows of from-row r: idx[start[r] .. start[r + 1]) */
    size_t *idx;
} mrel;

typedef struct world {
    uint64_t seed;
    rm_arena *a;
    orm_schema *schema;
    orm_engine *engine;
    ment ents[NENT];
    mrel rels[NREL];
    const char *pool[14];   /* text values shared by every text column */
    int npool;
    size_t (*links)[2];     /* person_tags rows (person row, tag row) */
    size_t nlinks;
    int reports;            /* detailed reports printed so far */
} world;

static const char *const TOKENS[] = {"a", "b", "A", "B", "x", "%", "_", "\\", "\xc3\xa9" /* é */,
                                     "\xc3\x89" /* É */};
#define NTOKENS ((int)(sizeof TOKENS / sizeof TOKENS[0]))

static const char *const DATES[] = {"2019-12-31", "2020-01-01", "2020-01-10", "2020-02-29",
                                    "2020-10-01", "2021-01-01"};
static const char *const OTHER_DATES[] = {"1999-01-01", "2020-01-05", "2020-06-15", "2030-12-31"};
static const double FLOATS[] = {-1.5, 0.0, 0.5, 1.0, 2.25, 3.0};
static const double OTHER_FLOATS[] = {-2.0, 0.25, 1.5, 10.0};

static const mcol PERSON_COLS[] = {{"id", K_INT, 0, 0, 0, 0},     {"name", K_TEXT, 15, 0, 0, 0},
                                   {"age", K_INT, 20, 0, -1, 10}, {"score", K_FLOAT, 25, 0, 0, 0},
                                   {"active", K_BOOL, 30, 0, 0, 0}, {"born", K_DATE, 25, 0, 0, 0}};
static const mcol PET_COLS[] = {{"id", K_INT, 0, 0, 0, 0},
                                {"owner_id", K_INT, 15, 0, 0, 0},
                                {"species", K_TEXT, 20, 0, 0, 0},
                                {"weight", K_FLOAT, 25, 0, 0, 0}};
static const mcol TAG_COLS[] = {{"id", K_INT, 0, 0, 0, 0}, {"label", K_TEXT, 10, 0, 0, 0}};

static char *random_text(prng *g, rm_arena *a, int maxtok)
{
    char buf[64];
    size_t n = 0;
    int k = rint_in(g, 0, maxtok);
    for (int i = 0; i < k; i++) {
        const char *t = TOKENS[rint_in(g, 0, NTOKENS - 1)];
        size_t tl = strlen(t);
        memcpy(buf + n, t, tl);
        n += tl;
    }
    return rm_arena_strndup(a, buf, n);
}

static orm_value random_cell(world *W, prng *g, const mcol *c)
{
    if (chance(g, c->null_pct)) return orm_null();
    switch (c->k) {
    case K_INT: return orm_int(rint_in(g, 0, 9));
    case K_FLOAT: return orm_float(FLOATS[rint_in(g, 0, 5)]);
    case K_BOOL: return orm_int(rint_in(g, 0, 1));
    case K_TEXT: {
        const char *s = W->pool[rint_in(g, 0, W->npool - 1)];
        return orm_text(s, strlen(s));
    }
    case K_DATE: {
        const char *s = DATES[rint_in(g, 0, 5)];
        return orm_text(s, strlen(s));
    }
    }
    return orm_null();
}

static orm_value *cell(const world *W, int e, size_t row, const mcol *c)
{
    const ment *E = &W->ents[e];
    return &E->rows[row * E->width + (size_t)c->idx];
}

static int find_col(const ment *E, const char *name)
{
    for (int i = 0; i < E->ncols; i++)
        if (!strcmp(E->cols[i].name, name)) return i;
    return -1;
}

static int find_rel(const world *W, int e, const char *name)
{
    for (int r = 0; r < NREL; r++)
        if (W->rels[r].from == e && !strcmp(W->rels[r].name, name)) return r;
    return -1;
}

static size_t nrelated(const world *W, int r, size_t row)
{
    return W->rels[r].start[row + 1] - W->rels[r].start[row];
}

static size_t related(const world *W, int r, size_t row, size_t k)
{
    return W->rels[r].idx[W->rels[r].start[row] + k];
}

/* Relationship r's adjacency from (from-row, to-row) pairs. */
static void build_rel(world *W, int r, size_t (*pairs)[2], size_t n)
{
    mrel *R = &W->rels[r];
    size_t nfrom = W->ents[R->from].nrows;
    R->start = RM_NEW_ARRAY(W->a, size_t, nfrom + 1);
    R->idx = RM_NEW_ARRAY(W->a, size_t, n ? n : 1);
    for (size_t i = 0; i < n; i++) R->start[pairs[i][0] + 1]++;
    for (size_t i = 0; i < nfrom; i++) R->start[i + 1] += R->start[i];
    size_t *fill = RM_NEW_ARRAY(W->a, size_t, nfrom);
    for (size_t i = 0; i < n; i++) R->idx[R->start[pairs[i][0]] + fill[pairs[i][0]]++] = pairs[i][1];
}

static int insert_unit(orm_session *s, void *ud)
{
    world *W = ud;
    static const int order[] = {E_PERSON, E_TAG, E_PET};
    for (int k = 0; k < 3; k++) {
        const ment *E = &W->ents[order[k]];
        bool *given = RM_NEW_ARRAY(s->arena, bool, E->width);
        for (size_t i = 0; i < E->width; i++) given[i] = true;
        for (size_t r = 0; r < E->nrows; r++) {
            orm_value *out;
            int rc = orm_insert_row(s, E->m, &E->rows[r * E->width], given, &out);
            if (rc) return rc;
        }
    }
    /* the association table has no mapper: a bare one naming its table will do */
    orm_mapper link;
    memset(&link, 0, sizeof link);
    link.name = "person_tags";
    link.table = orm_schema_table(W->schema, "person_tags");
    orm_column *pc = orm_table_column(link.table, "person_id"), *tc = orm_table_column(link.table, "tag_id");
    orm_value v[2];
    bool given[2] = {true, true};
    for (size_t i = 0; i < W->nlinks; i++) {
        v[pc->index] = orm_int((int64_t)W->links[i][0] + 1);
        v[tc->index] = orm_int((int64_t)W->links[i][1] + 1);
        orm_value *out;
        int rc = orm_insert_row(s, &link, v, given, &out);
        if (rc) return rc;
    }
    return 0;
}

static void world_init(world *W, uint64_t seed)
{
    memset(W, 0, sizeof *W);
    W->seed = seed;
    W->a = rm_arena_new();
    prng g;
    prng_seed(&g, seed);
    orm_error err;
    orm_error_init(&err, W->a);
    ck_assert_msg(orm_schema_load_string(SCHEMA, "filter_property.json", &W->schema, &err) == 0, "schema: %s",
                  err.detail);
    orm_engine_options opt = {.pool_size = 1};
    ck_assert_msg(orm_engine_open("sqlite://:memory:", &opt, &W->engine, &err) == 0, "%s", err.detail);
    ck_assert_msg(orm_create_all(W->engine, W->schema, &err) == 0, "%s", err.detail);

    static const char *const names[NENT] = {"Person", "Pet", "Tag"};
    static const mcol *const cols[NENT] = {PERSON_COLS, PET_COLS, TAG_COLS};
    static const int ncols[NENT] = {6, 4, 2};
    size_t nrows[NENT] = {(size_t)rint_in(&g, 40, 70), (size_t)rint_in(&g, 80, 130), (size_t)rint_in(&g, 6, 12)};

    /* text pool: a few fixed values so case folding and é/É meet, the rest random */
    static const char *const fixed[] = {"a", "A", "\xc3\xa9", "\xc3\x89", ""};
    for (int i = 0; i < 5; i++) W->pool[W->npool++] = fixed[i];
    while (W->npool < 14) W->pool[W->npool++] = random_text(&g, W->a, 4);

    for (int e = 0; e < NENT; e++) {
        ment *E = &W->ents[e];
        E->entity = names[e];
        E->m = orm_schema_mapper(W->schema, names[e]);
        ck_assert_ptr_nonnull(E->m);
        E->width = E->m->table->ncolumns;
        E->ncols = ncols[e];
        E->nrows = nrows[e];
        for (int c = 0; c < E->ncols; c++) {
            E->cols[c] = cols[e][c];
            const orm_column *oc = orm_table_column(E->m->table, E->cols[c].name);
            ck_assert_ptr_nonnull(oc);
            E->cols[c].idx = oc->index;
        }
        E->id = find_col(E, "id");
        E->cols[E->id].lo = 0;
        E->cols[E->id].hi = (int)E->nrows + 1;
    }
    W->ents[E_PET].cols[find_col(&W->ents[E_PET], "owner_id")].lo = 0;
    W->ents[E_PET].cols[find_col(&W->ents[E_PET], "owner_id")].hi = (int)nrows[E_PERSON] + 1;

    for (int e = 0; e < NENT; e++) {
        ment *E = &W->ents[e];
        E->rows = RM_NEW_ARRAY(W->a, orm_value, E->nrows * E->width);
        for (size_t r = 0; r < E->nrows; r++)
            for (int c = 0; c < E->ncols; c++) {
                const mcol *mc = &E->cols[c];
                orm_value *v = cell(W, e, r, mc);
                if (c == E->id) *v = orm_int((int64_t)r + 1);
                else if (e == E_PET && !strcmp(mc->name, "owner_id"))
                    *v = chance(&g, mc->null_pct) ? orm_null() : orm_int(rint_in(&g, 1, (int)nrows[E_PERSON]));
                else *v = random_cell(W, &g, mc);
            }
    }
    /* person_tags: 0..3 distinct tags per person */
    W->links = rm_arena_alloc(W->a, sizeof *W->links * nrows[E_PERSON] * 4);
    for (size_t p = 0; p < nrows[E_PERSON]; p++) {
        int k = rint_in(&g, 0, 3);
        for (int i = 0; i < k; i++) {
            size_t t = (size_t)rint_in(&g, 0, (int)nrows[E_TAG] - 1);
            bool dup = false;
            for (size_t j = 0; j < W->nlinks; j++) dup |= W->links[j][0] == p && W->links[j][1] == t;
            if (!dup) {
                W->links[W->nlinks][0] = p;
                W->links[W->nlinks++][1] = t;
            }
        }
    }

    /* relationships */
    static const mrel specs[NREL] = {{"pets", E_PERSON, E_PET, true, NULL, NULL},
                                     {"tags", E_PERSON, E_TAG, true, NULL, NULL},
                                     {"owner", E_PET, E_PERSON, false, NULL, NULL},
                                     {"people", E_TAG, E_PERSON, true, NULL, NULL}};
    for (int r = 0; r < NREL; r++) W->rels[r] = specs[r];
    const ment *P = &W->ents[E_PET];
    const mcol *owner_id = &P->cols[find_col(P, "owner_id")];
    size_t(*pairs)[2] = rm_arena_alloc(W->a, sizeof *pairs * (P->nrows + W->nlinks + 1));
    size_t n = 0;
    for (size_t r = 0; r < P->nrows; r++) {
        const orm_value *v = cell(W, E_PET, r, owner_id);
        if (v->kind == ORM_V_NULL) continue;
        pairs[n][0] = (size_t)v->u.i - 1;
        pairs[n++][1] = r;
    }
    build_rel(W, R_PETS, pairs, n);
    for (size_t i = 0; i < n; i++) {
        size_t t = pairs[i][0];
        pairs[i][0] = pairs[i][1];
        pairs[i][1] = t;
    }
    build_rel(W, R_OWNER, pairs, n);
    build_rel(W, R_TAGS, W->links, W->nlinks);
    for (size_t i = 0; i < W->nlinks; i++) {
        pairs[i][0] = W->links[i][1];
        pairs[i][1] = W->links[i][0];
    }
    build_rel(W, R_PEOPLE, pairs, W->nlinks);

    rm_arena *ua = rm_arena_new();
    orm_session s;
    orm_error_init(&err, ua);
    orm_session_init(&s, W->engine, W->schema, ua, &err);
    int rc = orm_session_run(&s, true, insert_unit, W);
    ck_assert_msg(rc == 0, "insert: %s (%s)", err.detail, err.internal);
    rm_arena_destroy(ua);
}

static void world_free(world *W)
{
    orm_engine_close(W->engine);
    orm_schema_free(W->schema);
    rm_arena_destroy(W->a);
}

/* ---- the independent evaluator (SPEC §5, §8) ------------------------------------------------ */

typedef enum tv { TV_F, TV_T, TV_U } tv; /* SQL's FALSE, TRUE, UNKNOWN */

static tv tv_and(tv a, tv b)
{
    if (a == TV_F || b == TV_F) return TV_F;
    return a == TV_U || b == TV_U ? TV_U : TV_T;
}

static tv tv_or(tv a, tv b)
{
    if (a == TV_T || b == TV_T) return TV_T;
    return a == TV_U || b == TV_U ? TV_U : TV_F;
}

static tv tv_not(tv a) { return a == TV_U ? TV_U : a == TV_T ? TV_F : TV_T; }

static tv tv_of(bool b) { return b ? TV_T : TV_F; }

/* JSON operand → value of the column's kind (the generator only makes valid ones) */
static orm_value operand_value(const mcol *c, const json_t *j)
{
    switch (c->k) {
    case K_INT: return orm_int(json_integer_value(j));
    case K_FLOAT: return orm_float(json_number_value(j));
    case K_BOOL: return orm_int(json_is_true(j));
    case K_TEXT:
    case K_DATE: return orm_text(json_string_value(j), json_string_length(j));
    }
    return orm_null();
}

/* Non-NULL values of one kind: numbers numerically, text bytewise (BINARY). */
static int vcmp(const orm_value *a, const orm_value *b)
{
    if (a->kind == ORM_V_TEXT) {
        size_t n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
        int c = n ? memcmp(a->u.s.p, b->u.s.p, n) : 0;
        if (c) return c < 0 ? -1 : 1;
        return (a->u.s.n > b->u.s.n) - (a->u.s.n < b->u.s.n);
    }
    if (a->kind == ORM_V_INT && b->kind == ORM_V_INT) return (a->u.i > b->u.i) - (a->u.i < b->u.i);
    double x = a->kind == ORM_V_INT ? (double)a->u.i : a->u.f, y = b->kind == ORM_V_INT ? (double)b->u.i : b->u.f;
    return (x > y) - (x < y);
}

/* UTF-8 → code points; ASCII letters folded to lower case when fold. */
static size_t decode(const char *s, size_t n, uint32_t *out, size_t cap, bool fold)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < cap;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        int len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
        for (int j = 1; j < len && i + (size_t)j < n; j++) cp = cp << 6 | ((unsigned char)s[i + (size_t)j] & 0x3f);
        if (fold && cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
        out[k++] = cp;
        i += (size_t)len;
    }
    return k;
}

/* SQL LIKE with ESCAPE '\': % any sequence, _ one character, \x the
 * character x; a pattern ending in a lone \ matches nothing. */
static bool like_cp(const uint32_t *s, size_t ns, const uint32_t *p, size_t np)
{
    size_t i = 0, j = 0;
    while (j < np) {
        uint32_t c = p[j];
        if (c == '%') {
            j++;
            for (size_t k = i; k <= ns; k++)
                if (like_cp(s + k, ns - k, p + j, np - j)) return true;
            return false;
        }
        if (c == '_') {
            if (i >= ns) return false;
            i++, j++;
            continue;
        }
        if (c == '\\') {
            if (++j >= np) return false;
            c = p[j];
        }
        if (i >= ns || s[i] != c) return false;
        i++, j++;
    }
    return i == ns;
}

static bool like_match(const orm_value *v, const char *pat, size_t plen, bool fold)
{
    uint32_t s[128], p[128];
    size_t ns = decode(v->u.s.p, v->u.s.n, s, 128, fold), np = decode(pat, plen, p, 128, fold);
    return like_cp(s, ns, p, np);
}

static bool bytes_contain(const char *h, size_t hn, const char *n, size_t nn)
{
    if (nn > hn) return false;
    for (size_t i = 0; i + nn <= hn; i++)
        if (!memcmp(h + i, n, nn)) return true;
    return false;
}

static tv ev_op(const mcol *c, const orm_value *v, const char *op, const json_t *arg)
{
    bool isnull = v->kind == ORM_V_NULL;
    if (!strcmp(op, "is_null")) return tv_of(isnull == json_is_true(arg));
    if (json_is_null(arg)) { /* eq/ne null: IS [NOT] NULL */
        if (!strcmp(op, "eq")) return tv_of(isnull);
        if (!strcmp(op, "ne")) return tv_of(!isnull);
        ck_abort_msg("evaluator: %s null", op);
    }
    if (!strcmp(op, "in") || !strcmp(op, "nin")) {
        bool in = op[0] == 'i';
        size_t n = json_array_size(arg);
        if (n == 0) return tv_of(!in); /* in [] nothing, nin [] everything */
        if (isnull) return TV_U;
        bool found = false;
        for (size_t i = 0; i < n; i++) {
            orm_value x = operand_value(c, json_array_get(arg, i));
            found |= vcmp(v, &x) == 0;
        }
        return tv_of(in ? found : !found);
    }
    if (isnull) return TV_U;
    if (!strcmp(op, "between")) {
        orm_value lo = operand_value(c, json_array_get(arg, 0)), hi = operand_value(c, json_array_get(arg, 1));
        return tv_of(vcmp(v, &lo) >= 0 && vcmp(v, &hi) <= 0);
    }
    if (!strcmp(op, "like") || !strcmp(op, "ilike"))
        return tv_of(like_match(v, json_string_value(arg), json_string_length(arg), op[0] == 'i'));
    if (!strcmp(op, "startswith") || !strcmp(op, "endswith") || !strcmp(op, "contains")) {
        const char *t = json_string_value(arg);
        size_t tn = json_string_length(arg), n = v->u.s.n;
        if (op[0] == 's') return tv_of(tn <= n && !memcmp(v->u.s.p, t, tn));
        if (op[0] == 'e') return tv_of(tn <= n && !memcmp(v->u.s.p + n - tn, t, tn));
        return tv_of(bytes_contain(v->u.s.p, n, t, tn));
    }
    orm_value x = operand_value(c, arg);
    int k = vcmp(v, &x);
    if (!strcmp(op, "eq")) return tv_of(k == 0);
    if (!strcmp(op, "ne")) return tv_of(k != 0);
    if (!strcmp(op, "lt")) return tv_of(k < 0);
    if (!strcmp(op, "le")) return tv_of(k <= 0);
    if (!strcmp(op, "gt")) return tv_of(k > 0);
    if (!strcmp(op, "ge")) return tv_of(k >= 0);
    ck_abort_msg("evaluator: unknown operator %s", op);
    return TV_U;
}

static tv ev_filter(const world *W, int e, size_t row, const json_t *f);

static tv ev_rel(const world *W, int r, size_t row, const json_t *v)
{
    const mrel *R = &W->rels[r];
    size_t n = nrelated(W, r, row);
    if (json_is_null(v)) return tv_of(n == 0);
    tv acc = TV_T;
    const char *op;
    json_t *arg;
    json_object_foreach((json_t *)v, op, arg) {
        tv t;
        if (!strcmp(op, "is_null")) {
            t = tv_of((n == 0) == json_is_true(arg));
        } else {
            bool every = !strcmp(op, "every");
            bool hit = false; /* any/has/none: a row making arg TRUE; every: a row making it FALSE */
            for (size_t k = 0; k < n && !hit; k++) {
                tv x = ev_filter(W, R->to, related(W, r, row, k), arg);
                hit = every ? x == TV_F : x == TV_T;
            }
            t = tv_of(!strcmp(op, "any") || !strcmp(op, "has") ? hit : !hit);
        }
        acc = tv_and(acc, t);
    }
    return acc;
}

static tv ev_path(const world *W, int e, size_t row, const char *path, const json_t *v)
{
    const ment *E = &W->ents[e];
    const char *dot = strchr(path, '.');
    if (!dot) {
        int c = find_col(E, path);
        if (c >= 0) {
            const orm_value *x = cell(W, e, row, &E->cols[c]);
            if (!json_is_object(v)) return ev_op(&E->cols[c], x, "eq", v);
            tv acc = TV_T;
            const char *op;
            json_t *arg;
            json_object_foreach((json_t *)v, op, arg) acc = tv_and(acc, ev_op(&E->cols[c], x, op, arg));
            return acc;
        }
        int r = find_rel(W, e, path);
        if (r < 0) ck_abort_msg("evaluator: unknown path %s", path);
        return ev_rel(W, r, row, v);
    }
    char head[64];
    size_t hl = (size_t)(dot - path);
    if (hl >= sizeof head) ck_abort_msg("evaluator: path %s", path);
    memcpy(head, path, hl);
    head[hl] = '\0';
    int r = find_rel(W, e, head);
    if (r < 0) ck_abort_msg("evaluator: unknown relationship %s", head);
    for (size_t k = 0; k < nrelated(W, r, row); k++)
        if (ev_path(W, W->rels[r].to, related(W, r, row, k), dot + 1, v) == TV_T) return TV_T;
    return TV_F;
}

static tv ev_filter(const world *W, int e, size_t row, const json_t *f)
{
    tv acc = TV_T;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)f, key, v) {
        tv t;
        if (!strcmp(key, "and") || !strcmp(key, "or")) {
            bool is_or = key[0] == 'o';
            size_t i;
            json_t *it;
            t = is_or ? TV_F : TV_T;
            json_array_foreach(v, i, it) {
                tv x = ev_filter(W, e, row, it);
                t = is_or ? tv_or(t, x) : tv_and(t, x);
            }
        } else if (!strcmp(key, "not")) {
            t = tv_not(ev_filter(W, e, row, v));
        } else {
            t = ev_path(W, e, row, key, v);
        }
        acc = tv_and(acc, t);
    }
    return acc;
}

/* ---- limits as SPEC §8 counts them ------------------------------------------------------------ */

static int json_depth(const json_t *j)
{
    int d = 0;
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) {
            int x = json_depth(v);
            if (x > d) d = x;
        }
        return d + 1;
    }
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v) {
            /* each hop of a dotted key stands for {"rel": {"any": ...}}: two levels */
            int x = json_depth(v);
            for (const char *p = strchr(k, '.'); p; p = strchr(p + 1, '.')) x += 2;
            if (x > d) d = x;
        }
        return d + 1;
    }
    return 0;
}

static int count_filter(const world *W, int e, const json_t *f);

static int count_path(const world *W, int e, const char *path, const json_t *v)
{
    const char *dot = strchr(path, '.');
    if (dot) {
        char head[64];
        size_t hl = (size_t)(dot - path);
        memcpy(head, path, hl);
        head[hl] = '\0';
        return 1 + count_path(W, W->rels[find_rel(W, e, head)].to, dot + 1, v);
    }
    int r = find_rel(W, e, path);
    if (r < 0) return json_is_object(v) ? (int)json_object_size(v) : 1;
    if (!json_is_object(v)) return 1;
    int n = 0;
    const char *op;
    json_t *arg;
    json_object_foreach((json_t *)v, op, arg) n += 1 + (json_is_object(arg) ? count_filter(W, W->rels[r].to, arg) : 0);
    return n;
}

static int count_filter(const world *W, int e, const json_t *f)
{
    int n = 0;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)f, key, v) {
        if (!strcmp(key, "and") || !strcmp(key, "or")) {
            size_t i;
            json_t *it;
            n++;
            json_array_foreach(v, i, it) n += count_filter(W, e, it);
        } else if (!strcmp(key, "not")) {
            n += 1 + count_filter(W, e, v);
        } else {
            n += count_path(W, e, key, v);
        }
    }
    return n;
}

/* ---- the filter generator ----------------------------------------------------------------------- */

typedef struct gen {
    prng *g;
    const world *W;
    int max_depth;    /* deepest nesting allowed (SPEC: 16) */
    int max_nodes;    /* a soft budget; the SPEC limit is checked afterwards */
    int nodes;
    int compound;     /* percent of keys that are and/or/not/relationships */
} gen;

static const char *pick_text(gen *G) { return G->W->pool[rint_in(G->g, 0, G->W->npool - 1)]; }

static json_t *gen_scalar(gen *G, const mcol *c)
{
    prng *g = G->g;
    switch (c->k) {
    case K_INT: return json_integer(rint_in(g, c->lo, c->hi));
    case K_FLOAT: {
        int r = rint_in(g, 0, 9);
        if (r < 6) return json_real(FLOATS[rint_in(g, 0, 5)]);
        if (r < 8) return json_real(OTHER_FLOATS[rint_in(g, 0, 3)]);
        return json_integer(rint_in(g, -1, 3)); /* an integer operand on a float column */
    }
    case K_BOOL: return json_boolean(chance(g, 50));
    case K_TEXT: {
        if (chance(g, 70)) return json_string(pick_text(G));
        rm_arena *a = rm_arena_new();
        json_t *j = json_string(random_text(g, a, 4));
        rm_arena_destroy(a);
        return j;
    }
    case K_DATE: return json_string(chance(g, 75) ? DATES[rint_in(g, 0, 5)] : OTHER_DATES[rint_in(g, 0, 3)]);
    }
    return json_null();
}

/* Split text into its UTF-8 characters: starts[i] is where character i begins. */
static size_t split_chars(const char *s, size_t n, size_t *starts, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80) starts[k++] = i;
    starts[k] = n;
    return k;
}

static void flip_case(prng *g, char *s, size_t n, int pct)
{
    for (size_t i = 0; i < n; i++)
        if (((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')) && chance(g, pct)) s[i] ^= 0x20;
}

/* Text to build a pattern or literal from: usually a value the column can hold. */
static const char *base_text(gen *G, const mcol *c, rm_arena *a)
{
    if (c->k == K_DATE) return chance(G->g, 80) ? DATES[rint_in(G->g, 0, 5)] : OTHER_DATES[rint_in(G->g, 0, 3)];
    return chance(G->g, 75) ? pick_text(G) : random_text(G->g, a, 5);
}

/* A like/ilike pattern: a value with some characters turned into _ or %,
 * specials escaped (or left as wildcards), never ending in a lone '\'. */
static json_t *gen_pattern(gen *G, const mcol *c, bool ilike)
{
    prng *g = G->g;
    rm_arena *a = rm_arena_new();
    const char *base = base_text(G, c, a);
    size_t starts[64], n = split_chars(base, strlen(base), starts, 64);
    char out[256];
    size_t k = 0;
    if (chance(g, 30)) out[k++] = '%';
    for (size_t i = 0; i < n; i++) {
        const char *ch = base + starts[i];
        size_t cl = starts[i + 1] - starts[i];
        int r = rint_in(g, 0, 99);
        if (r < 10) out[k++] = '_';
        else if (r < 17) out[k++] = '%';
        else if (r < 21) continue;
        else {
            bool special = cl == 1 && (*ch == '%' || *ch == '_' || *ch == '\\');
            if ((special && chance(g, 70)) || (!special && chance(g, 6))) out[k++] = '\\';
            memcpy(out + k, ch, cl);
            k += cl;
        }
    }
    if (chance(g, 8)) out[k++] = chance(g, 50) ? '%' : '_';
    if (chance(g, 30)) out[k++] = '%';
    /* a lone trailing escape has no meaning in the SPEC: make it a literal backslash */
    bool esc = false;
    for (size_t i = 0; i < k; i++) esc = !esc && out[i] == '\\';
    if (esc) out[k++] = '\\';
    if (ilike) flip_case(g, out, k, 40);
    else if (chance(g, 10)) flip_case(g, out, k, 30);
    json_t *j = json_stringn(out, k);
    rm_arena_destroy(a);
    return j;
}

/* Literal text for startswith / endswith / contains: a piece of a value. */
static json_t *gen_literal(gen *G, const mcol *c, const char *op)
{
    prng *g = G->g;
    rm_arena *a = rm_arena_new();
    const char *base = base_text(G, c, a);
    size_t starts[64], n = split_chars(base, strlen(base), starts, 64);
    size_t from = 0, to = n;
    if (op[0] == 's') to = (size_t)rint_in(g, 0, (int)n);
    else if (op[0] == 'e') from = (size_t)rint_in(g, 0, (int)n);
    else {
        from = (size_t)rint_in(g, 0, (int)n);
        to = from + (size_t)rint_in(g, 0, (int)(n - from));
    }
    char out[256];
    size_t k = starts[to] - starts[from];
    memcpy(out, base + starts[from], k);
    if (chance(g, 12)) flip_case(g, out, k, 50);
    json_t *j = json_stringn(out, k);
    rm_arena_destroy(a);
    return j;
}

static const char *const ALL_OPS[] = {"eq", "ne", "lt", "le", "gt", "ge", "in", "nin", "is_null", "between",
                                      "like", "ilike", "startswith", "endswith", "contains"};

/* Value on a column at filter depth d: a literal or {op: operand, ...}. */
static json_t *gen_column_value(gen *G, const mcol *c, int d)
{
    prng *g = G->g;
    bool textual = c->k == K_TEXT || c->k == K_DATE;
    if (d + 1 > G->max_depth || chance(g, 12)) {
        G->nodes++;
        return chance(g, 20) ? json_null() : gen_scalar(G, c);
    }
    json_t *o = json_object();
    int nops = chance(g, 70) ? 1 : chance(g, 75) ? 2 : 3;
    for (int i = 0; i < nops; i++) {
        const char *op = ALL_OPS[rint_in(g, 0, textual ? 14 : 9)];
        bool list = !strcmp(op, "in") || !strcmp(op, "nin") || !strcmp(op, "between");
        if (list && d + 2 > G->max_depth) op = "eq";
        json_t *arg;
        if (!strcmp(op, "is_null")) arg = json_boolean(chance(g, 50));
        else if ((!strcmp(op, "eq") || !strcmp(op, "ne")) && chance(g, 10)) arg = json_null();
        else if (!strcmp(op, "in") || !strcmp(op, "nin")) {
            arg = json_array();
            int n = chance(g, 12) ? 0 : rint_in(g, 1, 4);
            for (int k = 0; k < n; k++) json_array_append_new(arg, gen_scalar(G, c));
        } else if (!strcmp(op, "between")) {
            arg = json_array();
            json_array_append_new(arg, gen_scalar(G, c));
            json_array_append_new(arg, gen_scalar(G, c));
        } else if (!strcmp(op, "like") || !strcmp(op, "ilike")) arg = gen_pattern(G, c, op[0] == 'i');
        else if (!strcmp(op, "startswith") || !strcmp(op, "endswith") || !strcmp(op, "contains"))
            arg = gen_literal(G, c, op);
        else arg = gen_scalar(G, c);
        json_object_set_new(o, op, arg);
    }
    G->nodes += (int)json_object_size(o);
    return o;
}

static json_t *gen_filter(gen *G, int e, int d, int rn);

/* {"any": f, ...} / {"has": f} / {"is_null": b} / null on relationship r at depth d */
static json_t *gen_rel_value(gen *G, int r, int d, int rn)
{
    prng *g = G->g;
    const mrel *R = &G->W->rels[r];
    if (!R->many && chance(g, 10)) {
        G->nodes++;
        return json_null();
    }
    json_t *o = json_object();
    int nops = chance(g, 75) ? 1 : 2;
    for (int i = 0; i < nops; i++) {
        G->nodes++;
        if (!R->many && chance(g, 35)) {
            json_object_set_new(o, "is_null", json_boolean(chance(g, 50)));
            continue;
        }
        static const char *const many_ops[] = {"any", "none", "every"};
        const char *op = R->many ? many_ops[rint_in(g, 0, 2)] : "has";
        json_object_set_new(o, op, d + 2 <= G->max_depth ? gen_filter(G, R->to, d + 2, rn + 1) : json_object());
    }
    return o;
}

static void add_key(gen *G, json_t *f, int e, int d, int rn)
{
    prng *g = G->g;
    const world *W = G->W;
    bool room = G->nodes < G->max_nodes;
    int r = rint_in(g, 0, 99) * 100 / (G->compound ? G->compound : 1);
    int rels[NREL], nr = 0;
    for (int k = 0; k < NREL; k++)
        if (W->rels[k].from == e) rels[nr++] = k;
    if (room && d + 2 <= G->max_depth && r < 30) { /* and / or */
        json_t *arr = json_array();
        int n = rint_in(g, 1, 3);
        G->nodes++;
        for (int k = 0; k < n; k++) json_array_append_new(arr, gen_filter(G, e, d + 2, rn));
        json_object_set_new(f, chance(g, 50) ? "and" : "or", arr);
    } else if (room && d + 1 <= G->max_depth && r < 50) {
        G->nodes++;
        json_object_set_new(f, "not", gen_filter(G, e, d + 1, rn));
    } else if (room && rn < 3 && nr && d + 1 <= G->max_depth && r < 80) {
        int k = rels[rint_in(g, 0, nr - 1)];
        json_object_set_new(f, W->rels[k].name, gen_rel_value(G, k, d, rn));
    } else if (room && rn < 3 && nr && r < 100) { /* dotted path */
        char path[128];
        size_t pl = 0;
        int cur = e, hops = rint_in(g, 1, 3 - rn < 2 ? 3 - rn : 2);
        for (int h = 0; h < hops; h++) {
            int cand[NREL], nc = 0;
            for (int k = 0; k < NREL; k++)
                if (W->rels[k].from == cur) cand[nc++] = k;
            int k = cand[rint_in(g, 0, nc - 1)];
            pl += (size_t)snprintf(path + pl, sizeof path - pl, "%s.", W->rels[k].name);
            cur = W->rels[k].to;
            G->nodes++;
        }
        int cand[NREL], nc = 0;
        for (int k = 0; k < NREL; k++)
            if (W->rels[k].from == cur) cand[nc++] = k;
        json_t *v;
        if (nc && rn + hops < 3 && d + 1 <= G->max_depth && chance(g, 20)) { /* ends at a relationship */
            int k = cand[rint_in(g, 0, nc - 1)];
            snprintf(path + pl, sizeof path - pl, "%s", W->rels[k].name);
            v = gen_rel_value(G, k, d, rn + hops);
        } else {
            const mcol *c = &W->ents[cur].cols[rint_in(g, 0, W->ents[cur].ncols - 1)];
            snprintf(path + pl, sizeof path - pl, "%s", c->name);
            v = gen_column_value(G, c, d);
        }
        json_object_set_new(f, path, v);
    } else {
        const mcol *c = &W->ents[e].cols[rint_in(g, 0, W->ents[e].ncols - 1)];
        json_object_set_new(f, c->name, gen_column_value(G, c, d));
    }
}

/* A filter object at depth d (the top one is 1), rn relationships deep. */
static json_t *gen_filter(gen *G, int e, int d, int rn)
{
    json_t *f = json_object();
    int r = rint_in(G->g, 0, 99), n = r < 4 ? 0 : r < 62 ? 1 : r < 92 ? 2 : 3;
    for (int k = 0; k < n; k++) add_key(G, f, e, d, rn);
    return f;
}

/* A filter within SPEC §5's limits (depth 16, 256 nodes). */
static json_t *gen_top(const world *W, prng *g, int e, int max_depth, int max_nodes)
{
    for (;;) {
        gen G = {.g = g, .W = W, .max_depth = max_depth, .max_nodes = max_nodes,
                 .compound = rint_in(g, 25, 75)};
        json_t *f = gen_filter(&G, e, 1, 0);
        if (json_depth(f) <= ORM_FILTER_MAX_DEPTH && count_filter(W, e, f) <= ORM_FILTER_MAX_NODES) return f;
        json_decref(f);
    }
}

/* ---- running a filter both ways ---------------------------------------------------------------- */

typedef struct qrun {
    orm_query *q;
    orm_result res;
    int64_t count;
    bool want_count;
} qrun;

static int query_unit(orm_session *s, void *ud)
{
    qrun *r = ud;
    int rc = orm_query_all(s, r->q, &r->res);
    if (!rc && r->want_count) rc = orm_query_count(s, r->q, &r->count);
    return rc;
}

static int run_query(const world *W, rm_arena *a, orm_query *q, qrun *r, orm_error *err)
{
    orm_session s;
    orm_session_init(&s, W->engine, W->schema, a, err);
    r->q = q;
    return orm_session_run(&s, false, query_unit, r);
}

static int64_t result_id(const world *W, int e, const orm_result *res, size_t i)
{
    const orm_value *v = &orm_result_row(res, i)[W->ents[e].cols[W->ents[e].id].idx];
    return v->kind == ORM_V_INT ? v->u.i : -1;
}

static void print_sql(const world *W, rm_arena *a, const orm_query *q)
{
    orm_select sel = {.from = q->mapper->table, .alias = 0, .where = q->where, .joins = q->joins,
                      .njoins = q->njoins};
    sel.order = orm_query_effective_order(q, a, &sel.norder);
    orm_compiled c;
    orm_error err;
    orm_error_init(&err, a);
    if (orm_compile_select(orm_engine_dialect(W->engine), &sel, a, &c, &err)) {
        fprintf(stderr, "  (does not compile: %s)\n", err.detail);
        return;
    }
    fprintf(stderr, "  SQL: %s\n", c.sql);
    if (c.nparams) {
        fprintf(stderr, "  params:");
        for (size_t i = 0; i < c.nparams; i++) fprintf(stderr, " %s", orm_value_repr(a, &c.params[i]));
        fprintf(stderr, "\n");
    }
}

static void print_row(const world *W, int e, size_t row)
{
    const ment *E = &W->ents[e];
    rm_arena *a = rm_arena_new();
    fprintf(stderr, "    %s", E->entity);
    for (int c = 0; c < E->ncols; c++)
        fprintf(stderr, " %s=%s", E->cols[c].name, orm_value_repr(a, cell(W, e, row, &E->cols[c])));
    for (int r = 0; r < NREL; r++) {
        if (W->rels[r].from != e) continue;
        fprintf(stderr, " %s=[", W->rels[r].name);
        for (size_t k = 0; k < nrelated(W, r, row); k++)
            fprintf(stderr, "%s%zu", k ? "," : "", related(W, r, row, k) + 1);
        fprintf(stderr, "]");
    }
    fprintf(stderr, "\n");
    rm_arena_destroy(a);
}

static char *dump(const json_t *j) { return json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY); }

enum { AGREE = 0, DISAGREE = 1, REJECTED = 2, FAILED = 3 };

/* Coverage figures, printed with FILTER_PROPERTY_STATS=1: a property test
 * whose filters all match nothing (or everything) proves little. */
typedef struct stats {
    long filters, none, all, some;     /* by how many rows the model matches */
    long rows[3];                      /* model outcomes per row: F, T, U */
    long depth[17], maxnodes;
    long keys[32];                     /* operator / key usage, by KEY_NAMES */
} stats;

static stats ST;

static const char *const KEY_NAMES[] = {"eq", "ne", "lt", "le", "gt", "ge", "in", "nin", "is_null", "between",
                                        "like", "ilike", "startswith", "endswith", "contains", "and", "or",
                                        "not", "any", "none", "every", "has", "dotted", "literal", "null-rel"};
#define NKEYS ((int)(sizeof KEY_NAMES / sizeof KEY_NAMES[0]))

static void count_key(const char *k)
{
    for (int i = 0; i < NKEYS; i++)
        if (!strcmp(KEY_NAMES[i], k)) ST.keys[i]++;
}

static void tally(const world *W, int e, const json_t *j, bool filter_level)
{
    const char *k;
    json_t *v;
    if (json_is_array(j)) {
        size_t i;
        json_array_foreach(j, i, v) tally(W, e, v, filter_level);
        return;
    }
    if (!json_is_object(j)) return;
    json_object_foreach((json_t *)j, k, v) {
        if (strchr(k, '.')) count_key("dotted");
        else count_key(k);
        if (filter_level && !json_is_object(v) && !json_is_array(v) && strcmp(k, "not"))
            count_key(json_is_null(v) && find_rel(W, e, k) >= 0 ? "null-rel" : "literal");
        tally(W, e, v, !filter_level || !strcmp(k, "and") || !strcmp(k, "or") || !strcmp(k, "not"));
    }
}

static void print_stats(void)
{
    if (!getenv("FILTER_PROPERTY_STATS")) return;
    fprintf(stderr, "filter_property: %ld filters: %ld match no row, %ld every row, %ld some rows\n", ST.filters,
            ST.none, ST.all, ST.some);
    fprintf(stderr, "  per-row outcomes: %ld FALSE, %ld TRUE, %ld UNKNOWN\n  depth:", ST.rows[TV_F], ST.rows[TV_T],
            ST.rows[TV_U]);
    for (int d = 1; d <= 16; d++) fprintf(stderr, " %d:%ld", d, ST.depth[d]);
    fprintf(stderr, "\n  most nodes: %ld\n  keys:", ST.maxnodes);
    for (int i = 0; i < NKEYS; i++) fprintf(stderr, " %s:%ld", KEY_NAMES[i], ST.keys[i]);
    fprintf(stderr, "\n");
}

/* Run filter f on entity e through the ORM and through the evaluator.
 * report: 1 prints the details of a disagreement, 0 is silent (shrinking),
 * -1 is silent and adds the case to the coverage figures. */
static int check_filter(const world *W, int e, const json_t *f, int report)
{
    const ment *E = &W->ents[e];
    rm_arena *a = rm_arena_new();
    orm_error err;
    orm_error_init(&err, a);
    orm_query q;
    orm_query_init(&q, E->m);
    int status = AGREE;
    if (orm_filter_parse(a, E->m, f, 0, &q.aliases, "/filter", &q.where, &err)) {
        if (report > 0)
            fprintf(stderr, "  rejected: %s: %s\n", err.nfields ? err.fields[0].pointer : "",
                    err.nfields ? err.fields[0].message : err.detail);
        status = REJECTED;
        goto out;
    }
    qrun r = {.want_count = true};
    if (run_query(W, a, &q, &r, &err)) {
        if (report > 0) {
            fprintf(stderr, "  query failed: %s (%s)\n", err.detail, err.internal);
            print_sql(W, a, &q);
        }
        status = FAILED;
        goto out;
    }
    unsigned char *seen = RM_NEW_ARRAY(a, unsigned char, E->nrows);
    bool dup = false;
    for (size_t i = 0; i < r.res.nrows; i++) {
        int64_t id = result_id(W, e, &r.res, i);
        if (id < 1 || (size_t)id > E->nrows) ck_abort_msg("unexpected id %" PRId64, id);
        dup |= seen[id - 1]++ != 0;
    }
    size_t expected = 0, nbad = 0;
    size_t *bad = RM_NEW_ARRAY(a, size_t, E->nrows);
    tv *want = RM_NEW_ARRAY(a, tv, E->nrows);
    for (size_t i = 0; i < E->nrows; i++) {
        want[i] = ev_filter(W, e, i, f);
        expected += want[i] == TV_T;
        if ((want[i] == TV_T) != (seen[i] != 0)) bad[nbad++] = i;
    }
    if (report < 0) { /* the main loop's run: gather coverage */
        ST.filters++;
        if (!expected) ST.none++;
        else if (expected == E->nrows) ST.all++;
        else ST.some++;
        for (size_t i = 0; i < E->nrows; i++) ST.rows[want[i]]++;
        int d = json_depth(f), nn = count_filter(W, e, f);
        ST.depth[d <= 16 ? d : 16]++;
        if (nn > ST.maxnodes) ST.maxnodes = nn;
        tally(W, e, f, true);
    }
    bool count_bad = r.count != (int64_t)r.res.nrows;
    if (nbad || dup || count_bad) status = DISAGREE;
    if (status == DISAGREE && report > 0) {
        fprintf(stderr, "  %s: %zu rows from SQL, %zu expected; count(*) %" PRId64 "%s\n", E->entity,
                r.res.nrows, expected, r.count, dup ? "; DUPLICATE rows" : "");
        print_sql(W, a, &q);
        for (size_t k = 0; k < nbad && k < 6; k++) {
            size_t i = bad[k];
            fprintf(stderr, "  id %zu: SQL %s, evaluator %s\n", i + 1, seen[i] ? "matched" : "did not match",
                    want[i] == TV_T ? "TRUE" : want[i] == TV_F ? "FALSE" : "UNKNOWN");
            print_row(W, e, i);
        }
        if (nbad > 6) fprintf(stderr, "  ... %zu ids disagree\n", nbad);
    }
out:
    rm_arena_destroy(a);
    return status;
}

/* ---- shrinking a failing filter ------------------------------------------------------------------ */

/* Apply mutation number *site somewhere in j (depth-first): delete an object
 * key, delete an array item, or replace a lone and/or/not by one of its
 * operands. Returns true once applied; *site counts down the sites passed. */
static bool mutate(json_t *j, int *site)
{
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) {
            if ((*site)-- == 0) {
                json_object_del(j, k);
                return true;
            }
        }
        if (json_object_size(j) == 1) {
            json_t *only = json_object_iter_value(json_object_iter(j));
            const char *key = json_object_iter_key(json_object_iter(j));
            json_t *subs[8];
            size_t ns = 0;
            if (!strcmp(key, "not") && json_is_object(only)) subs[ns++] = only;
            if ((!strcmp(key, "and") || !strcmp(key, "or")) && json_is_array(only))
                for (size_t i = 0; i < json_array_size(only) && ns < 8; i++) subs[ns++] = json_array_get(only, i);
            for (size_t i = 0; i < ns; i++) {
                if ((*site)-- == 0) {
                    json_t *keep = json_deep_copy(subs[i]);
                    json_object_clear(j);
                    if (json_is_object(keep)) json_object_update(j, keep);
                    json_decref(keep);
                    return true;
                }
            }
        }
        json_object_foreach(j, k, v) {
            if (mutate(v, site)) return true;
        }
        return false;
    }
    if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++) {
            if ((*site)-- == 0) {
                json_array_remove(j, i);
                return true;
            }
        }
        for (size_t i = 0; i < json_array_size(j); i++)
            if (mutate(json_array_get(j, i), site)) return true;
    }
    return false;
}

/* A smaller filter that still disagrees (new reference). */
static json_t *shrink(const world *W, int e, const json_t *f)
{
    json_t *cur = json_deep_copy(f);
    int budget = 3000;
    bool progress = true;
    while (progress && budget > 0) {
        progress = false;
        for (int k = 0; budget > 0; k++) {
            json_t *cand = json_deep_copy(cur);
            int site = k;
            if (!mutate(cand, &site)) {
                json_decref(cand);
                break;
            }
            budget--;
            if (check_filter(W, e, cand, 0) == DISAGREE) {
                json_decref(cur);
                cur = cand;
                progress = true;
                break;
            }
            json_decref(cand);
        }
    }
    return cur;
}

/* ---- sorting --------------------------------------------------------------------------------------- */

typedef struct skey {
    int rel;   /* -1: a column of the entity; else a many-to-one relationship */
    int col;   /* column of the entity or of the relationship's target */
    bool desc;
} skey;

static const world *SORT_W;
static int SORT_E;
static skey SORT_K[4];
static int SORT_NK;

static const orm_value *sort_value(const world *W, int e, size_t row, const skey *k)
{
    static const orm_value null_value = {.kind = ORM_V_NULL};
    if (k->rel < 0) return cell(W, e, row, &W->ents[e].cols[k->col]);
    if (!nrelated(W, k->rel, row)) return &null_value; /* LEFT JOIN: no related row */
    int t = W->rels[k->rel].to;
    return cell(W, t, related(W, k->rel, row, 0), &W->ents[t].cols[k->col]);
}

/* NULL smallest, the key's direction, then id ascending */
static int cmp_rows(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    for (int i = 0; i < SORT_NK; i++) {
        const orm_value *va = sort_value(SORT_W, SORT_E, a, &SORT_K[i]),
                        *vb = sort_value(SORT_W, SORT_E, b, &SORT_K[i]);
        bool na = va->kind == ORM_V_NULL, nb = vb->kind == ORM_V_NULL;
        int c = na || nb ? (int)nb - (int)na : vcmp(va, vb);
        if (c) return SORT_K[i].desc ? -c : c;
    }
    return (a > b) - (a < b);
}

static void print_seq(const char *label, const int64_t *ids, size_t n)
{
    fprintf(stderr, "  %s (%zu):", label, n);
    for (size_t i = 0; i < n && i < 40; i++) fprintf(stderr, " %" PRId64, ids[i]);
    fprintf(stderr, "%s\n", n > 40 ? " ..." : "");
}

/* The first index where the sequences differ, or -1. */
static long first_difference(const int64_t *x, size_t nx, const int64_t *y, size_t ny)
{
    for (size_t i = 0; i < nx && i < ny; i++)
        if (x[i] != y[i]) return (long)i;
    return nx == ny ? -1 : (long)(nx < ny ? nx : ny);
}

/* One sort case: a random spec (and sometimes a filter); the full order, a
 * LIMIT/OFFSET slice and a keyset walk. Returns the number of failures. */
static int check_sort(const world *W, prng *g, uint64_t seed, int no, bool report)
{
    int e = rint_in(g, 0, 99) < 45 ? E_PERSON : rint_in(g, 0, 99) < 85 ? E_PET : E_TAG;
    const ment *E = &W->ents[e];
    rm_arena *a = rm_arena_new();
    char spec[256];
    size_t sl = 0;
    skey keys[4];
    int nk = rint_in(g, 1, 3), failures = 0;
    for (int i = 0; i < nk; i++) {
        skey *k = &keys[i];
        k->desc = chance(g, 50);
        k->rel = -1;
        if (e == E_PET && chance(g, 45)) k->rel = R_OWNER;
        const ment *T = &W->ents[k->rel < 0 ? e : W->rels[k->rel].to];
        k->col = rint_in(g, 0, T->ncols - 1);
        sl += (size_t)snprintf(spec + sl, sizeof spec - sl, "%s%s%s%s", i ? "," : "", k->desc ? "-" : "",
                               k->rel < 0 ? "" : "owner.", T->cols[k->col].name);
    }
    json_t *filter = chance(g, 30) ? gen_top(W, g, e, 6, 8) : NULL;
    char *ftext = filter ? dump(filter) : NULL;

    orm_error err;
    orm_error_init(&err, a);
    orm_query q;
    orm_query_init(&q, E->m);
    if (filter && orm_filter_parse(a, E->m, filter, 0, &q.aliases, "/filter", &q.where, &err)) {
        fprintf(stderr, "filter_property: seed %#" PRIx64 " sort #%d: filter %s rejected: %s\n", seed, no, ftext,
                err.nfields ? err.fields[0].message : err.detail);
        failures++;
        goto out;
    }
    if (orm_query_order_by(&q, a, spec, &q.aliases, "/query/sort", &err)) {
        fprintf(stderr, "filter_property: seed %#" PRIx64 " sort #%d: sort %s rejected: %s\n", seed, no, spec,
                err.nfields ? err.fields[0].message : err.detail);
        failures++;
        goto out;
    }

    /* expected order */
    size_t n = 0, *rows = RM_NEW_ARRAY(a, size_t, E->nrows);
    for (size_t i = 0; i < E->nrows; i++)
        if (!filter || ev_filter(W, e, i, filter) == TV_T) rows[n++] = i;
    SORT_W = W;
    SORT_E = e;
    SORT_NK = nk;
    memcpy(SORT_K, keys, sizeof keys);
    qsort(rows, n, sizeof *rows, cmp_rows);
    int64_t *want = RM_NEW_ARRAY(a, int64_t, n + 1);
    for (size_t i = 0; i < n; i++) want[i] = (int64_t)rows[i] + 1;

    /* 1. the full order */
    qrun r = {0};
    if (run_query(W, a, &q, &r, &err)) {
        fprintf(stderr, "filter_property: seed %#" PRIx64 " sort #%d (%s): query failed: %s (%s)\n", seed, no, spec,
                err.detail, err.internal);
        failures++;
        goto out;
    }
    int64_t *got = RM_NEW_ARRAY(a, int64_t, r.res.nrows + 1);
    for (size_t i = 0; i < r.res.nrows; i++) got[i] = result_id(W, e, &r.res, i);
    long d = first_difference(want, n, got, r.res.nrows);
    if (d >= 0) {
        failures++;
        if (report) {
            fprintf(stderr, "filter_property: seed %#" PRIx64 " sort #%d: %s sort=%s filter=%s: order differs at %ld\n",
                    seed, no, E->entity, spec, ftext ? ftext : "-", d);
            print_sql(W, a, &q);
            print_seq("expected", want, n);
            print_seq("got", got, r.res.nrows);
            for (long i = d; i < d + 2 && (size_t)i < n; i++) print_row(W, e, (size_t)want[i] - 1);
            for (long i = d; i < d + 2 && (size_t)i < r.res.nrows; i++)
                if (got[i] >= 1 && (size_t)got[i] <= E->nrows) print_row(W, e, (size_t)got[i] - 1);
        }
    }

    /* 2. a LIMIT/OFFSET slice */
    {
        int64_t off = rint_in(g, 0, (int)n + 2), lim = chance(g, 20) ? -1 : rint_in(g, 0, (int)n + 1);
        qrun s = {0};
        q.limit = lim;
        q.offset = off;
        int rc = run_query(W, a, &q, &s, &err);
        q.limit = -1;
        q.offset = 0;
        size_t from = (size_t)off < n ? (size_t)off : n, cnt = n - from;
        if (lim >= 0 && (size_t)lim < cnt) cnt = (size_t)lim;
        int64_t *sg = RM_NEW_ARRAY(a, int64_t, s.res.nrows + 1);
        for (size_t i = 0; !rc && i < s.res.nrows; i++) sg[i] = result_id(W, e, &s.res, i);
        if (rc || first_difference(want + from, cnt, sg, s.res.nrows) >= 0) {
            failures++;
            if (report) {
                fprintf(stderr, "filter_property: seed %#" PRIx64 " sort #%d: %s sort=%s filter=%s limit %" PRId64
                        " offset %" PRId64 ": wrong slice%s%s\n", seed, no, E->entity, spec, ftext ? ftext : "-",
                        lim, off, rc ? ": " : "", rc ? err.detail : "");
                print_seq("expected", want + from, cnt);
                print_seq("got", sg, s.res.nrows);
            }
        }
    }

    /* 3. keyset paging: pages of random size, each after the last row of the previous */
    {
        size_t nkeys;
        orm_query_effective_order(&q, a, &nkeys);
        int64_t *walk = RM_NEW_ARRAY(a, int64_t, n + 2);
        size_t nw = 0, npages = 0;
        orm_value *last = NULL;
        bool broken = false, overflow = false;
        while (!broken) {
            int page = rint_in(g, 1, 12);
            qrun p = {0};
            q.limit = page;
            q.after = NULL;
            if (last) orm_query_after(&q, a, last);
            if (run_query(W, a, &q, &p, &err)) {
                broken = true;
                break;
            }
            npages++;
            for (size_t i = 0; i < p.res.nrows; i++) {
                if (nw > n) {
                    overflow = true;
                    break;
                }
                walk[nw++] = result_id(W, e, &p.res, i);
            }
            if (overflow || p.res.nrows < (size_t)page) break;
            /* a row is the table's columns, then the sort keys through joins */
            const orm_value *lr = orm_result_row(&p.res, p.res.nrows - 1);
            last = RM_NEW_ARRAY(a, orm_value, nkeys);
            orm_query_sort_values(&q, a, lr, lr + E->width, last);
        }
        q.limit = -1;
        q.after = NULL;
        long kd = first_difference(want, n, walk, nw);
        if (broken || overflow || kd >= 0) {
            failures++;
            if (report) {
                fprintf(stderr, "filter_property: seed %#" PRIx64 " sort #%d: %s sort=%s filter=%s: keyset walk "
                        "(%zu pages) %s at %ld%s%s\n", seed, no, E->entity, spec, ftext ? ftext : "-", npages,
                        overflow ? "runs past the end" : "differs", kd, broken ? ": " : "", broken ? err.detail : "");
                print_seq("expected", want, n);
                print_seq("walk", walk, nw);
            }
        }
    }
out:
    free(ftext);
    json_decref(filter);
    rm_arena_destroy(a);
    return failures;
}

/* ---- the tests ------------------------------------------------------------------------------------- */

static int scale(void)
{
    const char *s = getenv("FILTER_PROPERTY_SCALE");
    int n = s ? atoi(s) : 1;
    return n > 0 ? n : 1;
}

static uint64_t seed_at(int i)
{
    const char *s = getenv("FILTER_PROPERTY_SEED");
    return s ? strtoull(s, NULL, 0) + (uint64_t)i : SEEDS[i];
}

START_TEST(filters_agree_with_the_model)
{
    world W;
    uint64_t seed = seed_at(_i);
    world_init(&W, seed);
    int n = FILTERS_PER_SEED * scale(), failures = 0, reports = 0, first = -1;
    int by_status[4] = {0};
    for (int i = 0; i < n; i++) {
        prng g;
        prng_seed(&g, seed ^ splitmix((uint64_t)i + 1));
        int e = rint_in(&g, 0, 99) < 50 ? E_PERSON : rint_in(&g, 0, 99) < 75 ? E_PET : E_TAG;
        bool deep = chance(&g, 25);
        json_t *f = gen_top(&W, &g, e, deep ? 16 : rint_in(&g, 3, 10), deep ? 120 : 30);
        int st = check_filter(&W, e, f, -1);
        by_status[st]++;
        if (st != AGREE) {
            failures++;
            if (first < 0) first = i;
            if (reports < MAX_REPORTS) {
                reports++;
                char *text = dump(f);
                fprintf(stderr, "filter_property: seed %#" PRIx64 " filter #%d on %s: %s\n  filter: %s\n", seed, i,
                        W.ents[e].entity, st == DISAGREE ? "SQL and the SPEC model disagree"
                                          : st == REJECTED ? "a valid filter was rejected" : "the query failed",
                        text);
                free(text);
                check_filter(&W, e, f, 1);
                if (st == DISAGREE) {
                    json_t *m = shrink(&W, e, f);
                    char *mt = dump(m);
                    fprintf(stderr, "  shrunk: %s\n", mt);
                    free(mt);
                    check_filter(&W, e, m, 1);
                    json_decref(m);
                }
            }
        }
        json_decref(f);
    }
    world_free(&W);
    if (_i == NSEEDS - 1) print_stats();
    ck_assert_msg(failures == 0,
                  "seed %#" PRIx64 ": %d of %d filters failed (%d disagree, %d rejected, %d errors); first #%d",
                  seed, failures, n, by_status[DISAGREE], by_status[REJECTED], by_status[FAILED], first);
}
END_TEST

START_TEST(sorting_and_keyset_paging)
{
    world W;
    uint64_t seed = seed_at(_i);
    world_init(&W, seed);
    int n = SORTS_PER_SEED * scale(), failures = 0, reports = 0;
    for (int i = 0; i < n; i++) {
        prng g;
        prng_seed(&g, ~seed ^ splitmix((uint64_t)i + 1));
        int f = check_sort(&W, &g, seed, i, reports < MAX_REPORTS);
        reports += f > 0;
        failures += f;
    }
    world_free(&W);
    ck_assert_msg(failures == 0, "seed %#" PRIx64 ": %d sort/paging checks failed of %d cases", seed, failures, n);
}
END_TEST

/* The evaluator itself, on hand-checked cases (a wrong model would make the
 * property test meaningless). */
START_TEST(model_sanity)
{
    orm_value v = orm_text("a%b\\", 4);
    ck_assert(like_match(&v, "a\\%b\\\\", 6, false));
    ck_assert(like_match(&v, "a_b%", 4, false));
    ck_assert(!like_match(&v, "A%", 2, false));
    ck_assert(like_match(&v, "A%", 2, true));
    ck_assert(!like_match(&v, "a\\_b%", 5, false));
    orm_value e = orm_text("\xc3\xa9", 2);
    ck_assert(like_match(&e, "_", 1, false));              /* one character, two bytes */
    ck_assert(!like_match(&e, "\xc3\x89", 2, true));       /* é/É are not folded */
    ck_assert(!like_match(&e, "\\", 1, false));            /* lone escape */
    ck_assert_int_eq(tv_not(TV_U), TV_U);
    ck_assert_int_eq(tv_and(TV_U, TV_F), TV_F);
    ck_assert_int_eq(tv_or(TV_U, TV_T), TV_T);
    mcol c = {"x", K_INT, 0, 0, 0, 0};
    orm_value null = orm_null();
    json_t *empty = json_array(), *one = json_pack("[i]", 1), *nul = json_null();
    ck_assert_int_eq(ev_op(&c, &null, "nin", empty), TV_T);
    ck_assert_int_eq(ev_op(&c, &null, "in", empty), TV_F);
    ck_assert_int_eq(ev_op(&c, &null, "nin", one), TV_U);
    ck_assert_int_eq(ev_op(&c, &null, "ne", nul), TV_F);
    ck_assert_int_eq(ev_op(&c, &null, "eq", nul), TV_T);
    json_decref(empty);
    json_decref(one);
    json_decref(nul);
}
END_TEST

Suite *filter_property_suite(void)
{
    Suite *s = suite_create("orm/filter_property");
    /* ASan and valgrind builds are many times slower */
    TCase *tc = TS_TCASE(s, "filter_property", NULL, NULL, 120, model_sanity);
    tcase_add_loop_test(tc, filters_agree_with_the_model, 0, NSEEDS);
    tcase_add_loop_test(tc, sorting_and_keyset_paging, 0, NSEEDS);
    return s;
}
