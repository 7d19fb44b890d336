/* filter_gen.c: see filter_gen.h. Moved here from the filter property test
 * (tests/unit/orm/test_filter_property.c) unchanged, so that the same seeds
 * draw the same rows, filters and sort cases in every test that uses it. */
#include "tests/support/filter_gen.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm/compile.h"
#include "orm/ddl.h"
#include "orm/filter.h"
#include "orm/session.h"

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

uint64_t fg_splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

void fg_seed(fg_prng *g, uint64_t seed)
{
    g->s = fg_splitmix(seed);
    if (!g->s) g->s = 1;
}

uint64_t fg_rnd(fg_prng *g) /* xorshift64* */
{
    uint64_t x = g->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    g->s = x;
    return x * 0x2545f4914f6cdd1dull;
}

int fg_range(fg_prng *g, int lo, int hi) /* inclusive */
{
    return lo + (int)(fg_rnd(g) % (uint64_t)(hi - lo + 1));
}

bool fg_chance(fg_prng *g, int pct) { return (int)(fg_rnd(g) % 100) < pct; }

/* ---- the model ---------------------------------------------------------------------------------- */

static const char *const TOKENS[] = {"a", "b", "A", "B", "x", "%", "_", "\\", "\xc3\xa9" /* é */,
                                     "\xc3\x89" /* É */};
#define NTOKENS ((int)(sizeof TOKENS / sizeof TOKENS[0]))

static const char *const DATES[] = {"2019-12-31", "2020-01-01", "2020-01-10", "2020-02-29",
                                    "2020-10-01", "2021-01-01"};
static const char *const OTHER_DATES[] = {"1999-01-01", "2020-01-05", "2020-06-15", "2030-12-31"};
static const double FLOATS[] = {-1.5, 0.0, 0.5, 1.0, 2.25, 3.0};
static const double OTHER_FLOATS[] = {-2.0, 0.25, 1.5, 10.0};

static const fg_col PERSON_COLS[] = {{"id", FG_INT, 0, 0, 0, 0},       {"name", FG_TEXT, 15, 0, 0, 0},
                                     {"age", FG_INT, 20, 0, -1, 10},   {"score", FG_FLOAT, 25, 0, 0, 0},
                                     {"active", FG_BOOL, 30, 0, 0, 0}, {"born", FG_DATE, 25, 0, 0, 0}};
static const fg_col PET_COLS[] = {{"id", FG_INT, 0, 0, 0, 0},
                                  {"owner_id", FG_INT, 15, 0, 0, 0},
                                  {"species", FG_TEXT, 20, 0, 0, 0},
                                  {"weight", FG_FLOAT, 25, 0, 0, 0}};
static const fg_col TAG_COLS[] = {{"id", FG_INT, 0, 0, 0, 0}, {"label", FG_TEXT, 10, 0, 0, 0}};

static char *random_text(fg_prng *g, rm_arena *a, int maxtok)
{
    char buf[64];
    size_t n = 0;
    int k = fg_range(g, 0, maxtok);
    for (int i = 0; i < k; i++) {
        const char *t = TOKENS[fg_range(g, 0, NTOKENS - 1)];
        size_t tl = strlen(t);
        memcpy(buf + n, t, tl);
        n += tl;
    }
    return rm_arena_strndup(a, buf, n);
}

static orm_value random_cell(fg_world *W, fg_prng *g, const fg_col *c)
{
    if (fg_chance(g, c->null_pct)) return orm_null();
    switch (c->k) {
    case FG_INT: return orm_int(fg_range(g, 0, 9));
    case FG_FLOAT: return orm_float(FLOATS[fg_range(g, 0, 5)]);
    case FG_BOOL: return orm_int(fg_range(g, 0, 1));
    case FG_TEXT: {
        const char *s = W->pool[fg_range(g, 0, W->npool - 1)];
        return orm_text(s, strlen(s));
    }
    case FG_DATE: {
        const char *s = DATES[fg_range(g, 0, 5)];
        return orm_text(s, strlen(s));
    }
    }
    return orm_null();
}

orm_value *fg_cell(const fg_world *W, int e, size_t row, const fg_col *c)
{
    const fg_ent *E = &W->ents[e];
    return &E->rows[row * E->width + (size_t)c->idx];
}

int fg_find_col(const fg_ent *E, const char *name)
{
    for (int i = 0; i < E->ncols; i++)
        if (!strcmp(E->cols[i].name, name)) return i;
    return -1;
}

int fg_find_rel(const fg_world *W, int e, const char *name)
{
    for (int r = 0; r < FG_NREL; r++)
        if (W->rels[r].from == e && !strcmp(W->rels[r].name, name)) return r;
    return -1;
}

size_t fg_nrelated(const fg_world *W, int r, size_t row)
{
    return W->rels[r].start[row + 1] - W->rels[r].start[row];
}

size_t fg_related(const fg_world *W, int r, size_t row, size_t k)
{
    return W->rels[r].idx[W->rels[r].start[row] + k];
}

/* Relationship r's adjacency from (from-row, to-row) pairs. */
static void build_rel(fg_world *W, int r, size_t (*pairs)[2], size_t n)
{
    fg_rel *R = &W->rels[r];
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
    fg_world *W = ud;
    static const int order[] = {FG_PERSON, FG_TAG, FG_PET};
    for (int k = 0; k < 3; k++) {
        const fg_ent *E = &W->ents[order[k]];
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

void fg_world_init(fg_world *W, uint64_t seed, const char *url)
{
    memset(W, 0, sizeof *W);
    W->seed = seed;
    W->a = rm_arena_new();
    fg_prng g;
    fg_seed(&g, seed);
    orm_error err;
    orm_error_init(&err, W->a);
    ck_assert_msg(orm_schema_load_string(SCHEMA, "filter_property.json", &W->schema, &err) == 0, "schema: %s",
                  err.detail);
    orm_engine_options opt = {.pool_size = 1};
    ck_assert_msg(orm_engine_open(url, &opt, &W->engine, &err) == 0, "%s: %s", url, err.detail);
    ck_assert_msg(orm_create_all(W->engine, W->schema, &err) == 0, "%s", err.detail);

    static const char *const names[FG_NENT] = {"Person", "Pet", "Tag"};
    static const fg_col *const cols[FG_NENT] = {PERSON_COLS, PET_COLS, TAG_COLS};
    static const int ncols[FG_NENT] = {6, 4, 2};
    size_t nrows[FG_NENT] = {(size_t)fg_range(&g, 40, 70), (size_t)fg_range(&g, 80, 130),
                             (size_t)fg_range(&g, 6, 12)};

    /* text pool: a few fixed values so case folding and é/É meet, the rest random */
    static const char *const fixed[] = {"a", "A", "\xc3\xa9", "\xc3\x89", ""};
    for (int i = 0; i < 5; i++) W->pool[W->npool++] = fixed[i];
    while (W->npool < 14) W->pool[W->npool++] = random_text(&g, W->a, 4);

    for (int e = 0; e < FG_NENT; e++) {
        fg_ent *E = &W->ents[e];
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
        E->id = fg_find_col(E, "id");
        E->cols[E->id].lo = 0;
        E->cols[E->id].hi = (int)E->nrows + 1;
    }
    W->ents[FG_PET].cols[fg_find_col(&W->ents[FG_PET], "owner_id")].lo = 0;
    W->ents[FG_PET].cols[fg_find_col(&W->ents[FG_PET], "owner_id")].hi = (int)nrows[FG_PERSON] + 1;

    for (int e = 0; e < FG_NENT; e++) {
        fg_ent *E = &W->ents[e];
        E->rows = RM_NEW_ARRAY(W->a, orm_value, E->nrows * E->width);
        for (size_t r = 0; r < E->nrows; r++)
            for (int c = 0; c < E->ncols; c++) {
                const fg_col *mc = &E->cols[c];
                orm_value *v = fg_cell(W, e, r, mc);
                if (c == E->id) *v = orm_int((int64_t)r + 1);
                else if (e == FG_PET && !strcmp(mc->name, "owner_id"))
                    *v = fg_chance(&g, mc->null_pct) ? orm_null() : orm_int(fg_range(&g, 1, (int)nrows[FG_PERSON]));
                else *v = random_cell(W, &g, mc);
            }
    }
    /* person_tags: 0..3 distinct tags per person */
    W->links = rm_arena_alloc(W->a, sizeof *W->links * nrows[FG_PERSON] * 4);
    for (size_t p = 0; p < nrows[FG_PERSON]; p++) {
        int k = fg_range(&g, 0, 3);
        for (int i = 0; i < k; i++) {
            size_t t = (size_t)fg_range(&g, 0, (int)nrows[FG_TAG] - 1);
            bool dup = false;
            for (size_t j = 0; j < W->nlinks; j++) dup |= W->links[j][0] == p && W->links[j][1] == t;
            if (!dup) {
                W->links[W->nlinks][0] = p;
                W->links[W->nlinks++][1] = t;
            }
        }
    }

    /* relationships */
    static const fg_rel specs[FG_NREL] = {{"pets", FG_PERSON, FG_PET, true, NULL, NULL},
                                          {"tags", FG_PERSON, FG_TAG, true, NULL, NULL},
                                          {"owner", FG_PET, FG_PERSON, false, NULL, NULL},
                                          {"people", FG_TAG, FG_PERSON, true, NULL, NULL}};
    for (int r = 0; r < FG_NREL; r++) W->rels[r] = specs[r];
    const fg_ent *P = &W->ents[FG_PET];
    const fg_col *owner_id = &P->cols[fg_find_col(P, "owner_id")];
    size_t(*pairs)[2] = rm_arena_alloc(W->a, sizeof *pairs * (P->nrows + W->nlinks + 1));
    size_t n = 0;
    for (size_t r = 0; r < P->nrows; r++) {
        const orm_value *v = fg_cell(W, FG_PET, r, owner_id);
        if (v->kind == ORM_V_NULL) continue;
        pairs[n][0] = (size_t)v->u.i - 1;
        pairs[n++][1] = r;
    }
    build_rel(W, FG_PETS, pairs, n);
    for (size_t i = 0; i < n; i++) {
        size_t t = pairs[i][0];
        pairs[i][0] = pairs[i][1];
        pairs[i][1] = t;
    }
    build_rel(W, FG_OWNER, pairs, n);
    build_rel(W, FG_TAGS, W->links, W->nlinks);
    for (size_t i = 0; i < W->nlinks; i++) {
        pairs[i][0] = W->links[i][1];
        pairs[i][1] = W->links[i][0];
    }
    build_rel(W, FG_PEOPLE, pairs, W->nlinks);

    rm_arena *ua = rm_arena_new();
    orm_session s;
    orm_error_init(&err, ua);
    orm_session_init(&s, W->engine, W->schema, ua, &err);
    int rc = orm_session_run(&s, true, insert_unit, W);
    ck_assert_msg(rc == 0, "insert: %s (%s)", err.detail, err.internal);
    rm_arena_destroy(ua);
}

void fg_world_free(fg_world *W)
{
    orm_engine_close(W->engine);
    orm_schema_free(W->schema);
    rm_arena_destroy(W->a);
}

bool fg_is_col_operand(const json_t *j) { return json_is_object(j) && json_object_get(j, "$col"); }

/* ---- limits as SPEC §8 counts them ------------------------------------------------------------ */

int fg_json_depth(const json_t *j)
{
    int d = 0;
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) {
            int x = fg_json_depth(v);
            if (x > d) d = x;
        }
        return d + 1;
    }
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v) {
            /* each hop of a dotted key stands for {"rel": {"any": ...}}: two levels */
            int x = fg_json_depth(v);
            for (const char *p = strchr(k, '.'); p; p = strchr(p + 1, '.')) x += 2;
            if (x > d) d = x;
        }
        return d + 1;
    }
    return 0;
}

/* A column's value: each operator, and each {"$col": PATH} operand, is one
 * node (a bare {"$col": ...} is eq and its operand: two). */
static int count_column_value(const json_t *v)
{
    if (fg_is_col_operand(v)) return 2;
    if (!json_is_object(v)) return 1;
    int n = 0;
    const char *op;
    json_t *arg;
    json_object_foreach((json_t *)v, op, arg) n += 1 + fg_is_col_operand(arg);
    return n;
}

static int count_path(const fg_world *W, int e, const char *path, const json_t *v)
{
    const char *dot = strchr(path, '.');
    if (dot) {
        char head[64];
        size_t hl = (size_t)(dot - path);
        memcpy(head, path, hl);
        head[hl] = '\0';
        return 1 + count_path(W, W->rels[fg_find_rel(W, e, head)].to, dot + 1, v);
    }
    int r = fg_find_rel(W, e, path);
    if (r < 0) return count_column_value(v);
    if (!json_is_object(v)) return 1;
    int n = 0;
    const char *op;
    json_t *arg;
    json_object_foreach((json_t *)v, op, arg)
        n += 1 + (json_is_object(arg) ? fg_count_filter(W, W->rels[r].to, arg) : 0);
    return n;
}

int fg_count_filter(const fg_world *W, int e, const json_t *f)
{
    int n = 0;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)f, key, v) {
        if (!strcmp(key, "and") || !strcmp(key, "or")) {
            size_t i;
            json_t *it;
            n++;
            json_array_foreach(v, i, it) n += fg_count_filter(W, e, it);
        } else if (!strcmp(key, "not")) {
            n += 1 + fg_count_filter(W, e, v);
        } else {
            n += count_path(W, e, key, v);
        }
    }
    return n;
}

/* ---- the filter generator ----------------------------------------------------------------------- */

typedef struct gen {
    fg_prng *g;
    const fg_world *W;
    int max_depth;    /* deepest nesting allowed (SPEC: 16) */
    int max_nodes;    /* a soft budget; the SPEC limit is checked afterwards */
    int nodes;
    int compound;     /* percent of keys that are and/or/not/relationships */
} gen;

static const char *pick_text(gen *G) { return G->W->pool[fg_range(G->g, 0, G->W->npool - 1)]; }

static json_t *gen_scalar(gen *G, const fg_col *c)
{
    fg_prng *g = G->g;
    switch (c->k) {
    case FG_INT: return json_integer(fg_range(g, c->lo, c->hi));
    case FG_FLOAT: {
        int r = fg_range(g, 0, 9);
        if (r < 6) return json_real(FLOATS[fg_range(g, 0, 5)]);
        if (r < 8) return json_real(OTHER_FLOATS[fg_range(g, 0, 3)]);
        return json_integer(fg_range(g, -1, 3)); /* an integer operand on a float column */
    }
    case FG_BOOL: return json_boolean(fg_chance(g, 50));
    case FG_TEXT: {
        if (fg_chance(g, 70)) return json_string(pick_text(G));
        rm_arena *a = rm_arena_new();
        json_t *j = json_string(random_text(g, a, 4));
        rm_arena_destroy(a);
        return j;
    }
    case FG_DATE: return json_string(fg_chance(g, 75) ? DATES[fg_range(g, 0, 5)] : OTHER_DATES[fg_range(g, 0, 3)]);
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

static void flip_case(fg_prng *g, char *s, size_t n, int pct)
{
    for (size_t i = 0; i < n; i++)
        if (((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')) && fg_chance(g, pct)) s[i] ^= 0x20;
}

/* Text to build a pattern or literal from: usually a value the column can hold. */
static const char *base_text(gen *G, const fg_col *c, rm_arena *a)
{
    if (c->k == FG_DATE) return fg_chance(G->g, 80) ? DATES[fg_range(G->g, 0, 5)] : OTHER_DATES[fg_range(G->g, 0, 3)];
    return fg_chance(G->g, 75) ? pick_text(G) : random_text(G->g, a, 5);
}

/* A like/ilike pattern: a value with some characters turned into _ or %,
 * specials escaped (or left as wildcards), never ending in a lone '\'. */
static json_t *gen_pattern(gen *G, const fg_col *c, bool ilike)
{
    fg_prng *g = G->g;
    rm_arena *a = rm_arena_new();
    const char *base = base_text(G, c, a);
    size_t starts[64], n = split_chars(base, strlen(base), starts, 64);
    char out[256];
    size_t k = 0;
    if (fg_chance(g, 30)) out[k++] = '%';
    for (size_t i = 0; i < n; i++) {
        const char *ch = base + starts[i];
        size_t cl = starts[i + 1] - starts[i];
        int r = fg_range(g, 0, 99);
        if (r < 10) out[k++] = '_';
        else if (r < 17) out[k++] = '%';
        else if (r < 21) continue;
        else {
            bool special = cl == 1 && (*ch == '%' || *ch == '_' || *ch == '\\');
            if ((special && fg_chance(g, 70)) || (!special && fg_chance(g, 6))) out[k++] = '\\';
            memcpy(out + k, ch, cl);
            k += cl;
        }
    }
    if (fg_chance(g, 8)) out[k++] = fg_chance(g, 50) ? '%' : '_';
    if (fg_chance(g, 30)) out[k++] = '%';
    /* a lone trailing escape has no meaning in the SPEC: make it a literal backslash */
    bool esc = false;
    for (size_t i = 0; i < k; i++) esc = !esc && out[i] == '\\';
    if (esc) out[k++] = '\\';
    if (ilike) flip_case(g, out, k, 40);
    else if (fg_chance(g, 10)) flip_case(g, out, k, 30);
    json_t *j = json_stringn(out, k);
    rm_arena_destroy(a);
    return j;
}

/* Literal text for startswith / endswith / contains: a piece of a value. */
static json_t *gen_literal(gen *G, const fg_col *c, const char *op)
{
    fg_prng *g = G->g;
    rm_arena *a = rm_arena_new();
    const char *base = base_text(G, c, a);
    size_t starts[64], n = split_chars(base, strlen(base), starts, 64);
    size_t from = 0, to = n;
    if (op[0] == 's') to = (size_t)fg_range(g, 0, (int)n);
    else if (op[0] == 'e') from = (size_t)fg_range(g, 0, (int)n);
    else {
        from = (size_t)fg_range(g, 0, (int)n);
        to = from + (size_t)fg_range(g, 0, (int)(n - from));
    }
    char out[256];
    size_t k = starts[to] - starts[from];
    memcpy(out, base + starts[from], k);
    if (fg_chance(g, 12)) flip_case(g, out, k, 50);
    json_t *j = json_stringn(out, k);
    rm_arena_destroy(a);
    return j;
}

/* Kinds that compare with each other ($col): numbers, or the same kind. */
static bool fg_comparable(fg_kind x, fg_kind y)
{
    bool nx = x == FG_INT || x == FG_FLOAT, ny = y == FG_INT || y == FG_FLOAT;
    return nx || ny ? nx && ny : x == y;
}

/* The {"$col": PATH} paths from entity e (prefix: the hops so far) whose
 * column compares with kind k: columns of e, and of the targets of its
 * many-to-one relationships, up to hops more of them. */
static int col_paths(const fg_world *W, int e, fg_kind k, const char *prefix, int hops, char (*out)[64], int n,
                     int cap)
{
    const fg_ent *E = &W->ents[e];
    for (int i = 0; i < E->ncols && n < cap; i++)
        if (fg_comparable(k, E->cols[i].k)) snprintf(out[n++], 64, "%s%s", prefix, E->cols[i].name);
    for (int r = 0; hops > 0 && r < FG_NREL; r++) {
        if (W->rels[r].from != e || W->rels[r].many) continue;
        char p[64];
        snprintf(p, sizeof p, "%s%s.", prefix, W->rels[r].name);
        n = col_paths(W, W->rels[r].to, k, p, hops - 1, out, n, cap);
    }
    return n;
}

/* A column comparison's operand for column c of entity e (SPEC §10 F),
 * new reference; NULL when nothing compares with c. */
static json_t *gen_col_operand(gen *G, int e, const fg_col *c)
{
    char paths[48][64];
    int n = col_paths(G->W, e, c->k, "", 3, paths, 0, 48);
    if (!n) return NULL;
    G->nodes++;
    return json_pack("{s:s}", "$col", paths[fg_range(G->g, 0, n - 1)]);
}

static const char *const ALL_OPS[] = {"eq", "ne", "lt", "le", "gt", "ge", "in", "nin", "is_null", "between",
                                      "like", "ilike", "startswith", "endswith", "contains"};

/* Value on a column of entity e at filter depth d: a literal, a bare
 * {"$col": PATH} (eq) or {op: operand, ...}, an operand of a comparison
 * being {"$col": PATH} some of the time. */
static json_t *gen_column_value(gen *G, int e, const fg_col *c, int d)
{
    fg_prng *g = G->g;
    bool textual = c->k == FG_TEXT || c->k == FG_DATE;
    if (d + 1 <= G->max_depth && fg_chance(g, 3)) {
        json_t *col = gen_col_operand(G, e, c);
        if (col) {
            G->nodes++;
            return col;
        }
    }
    if (d + 1 > G->max_depth || fg_chance(g, 12)) {
        G->nodes++;
        return fg_chance(g, 20) ? json_null() : gen_scalar(G, c);
    }
    json_t *o = json_object();
    int nops = fg_chance(g, 70) ? 1 : fg_chance(g, 75) ? 2 : 3;
    for (int i = 0; i < nops; i++) {
        const char *op = ALL_OPS[fg_range(g, 0, textual ? 14 : 9)];
        bool list = !strcmp(op, "in") || !strcmp(op, "nin") || !strcmp(op, "between");
        if (list && d + 2 > G->max_depth) op = "eq";
        json_t *arg;
        if (!strcmp(op, "is_null")) arg = json_boolean(fg_chance(g, 50));
        else if ((!strcmp(op, "eq") || !strcmp(op, "ne")) && fg_chance(g, 10)) arg = json_null();
        else if (!strcmp(op, "in") || !strcmp(op, "nin")) {
            arg = json_array();
            int n = fg_chance(g, 12) ? 0 : fg_range(g, 1, 4);
            for (int k = 0; k < n; k++) json_array_append_new(arg, gen_scalar(G, c));
        } else if (!strcmp(op, "between")) {
            arg = json_array();
            json_array_append_new(arg, gen_scalar(G, c));
            json_array_append_new(arg, gen_scalar(G, c));
        } else if (!strcmp(op, "like") || !strcmp(op, "ilike")) arg = gen_pattern(G, c, op[0] == 'i');
        else if (!strcmp(op, "startswith") || !strcmp(op, "endswith") || !strcmp(op, "contains"))
            arg = gen_literal(G, c, op);
        else {
            arg = d + 2 <= G->max_depth && fg_chance(G->g, 20) ? gen_col_operand(G, e, c) : NULL;
            if (!arg) arg = gen_scalar(G, c);
        }
        json_object_set_new(o, op, arg);
    }
    G->nodes += (int)json_object_size(o);
    return o;
}

static json_t *gen_filter(gen *G, int e, int d, int rn);

/* {"any": f, ...} / {"has": f} / {"is_null": b} / null on relationship r at depth d */
static json_t *gen_rel_value(gen *G, int r, int d, int rn)
{
    fg_prng *g = G->g;
    const fg_rel *R = &G->W->rels[r];
    if (!R->many && fg_chance(g, 10)) {
        G->nodes++;
        return json_null();
    }
    json_t *o = json_object();
    int nops = fg_chance(g, 75) ? 1 : 2;
    for (int i = 0; i < nops; i++) {
        G->nodes++;
        if (!R->many && fg_chance(g, 35)) {
            json_object_set_new(o, "is_null", json_boolean(fg_chance(g, 50)));
            continue;
        }
        static const char *const many_ops[] = {"any", "none", "every"};
        const char *op = R->many ? many_ops[fg_range(g, 0, 2)] : "has";
        json_object_set_new(o, op, d + 2 <= G->max_depth ? gen_filter(G, R->to, d + 2, rn + 1) : json_object());
    }
    return o;
}

static void add_key(gen *G, json_t *f, int e, int d, int rn)
{
    fg_prng *g = G->g;
    const fg_world *W = G->W;
    bool room = G->nodes < G->max_nodes;
    int r = fg_range(g, 0, 99) * 100 / (G->compound ? G->compound : 1);
    int rels[FG_NREL], nr = 0;
    for (int k = 0; k < FG_NREL; k++)
        if (W->rels[k].from == e) rels[nr++] = k;
    if (room && d + 2 <= G->max_depth && r < 30) { /* and / or */
        json_t *arr = json_array();
        int n = fg_range(g, 1, 3);
        G->nodes++;
        for (int k = 0; k < n; k++) json_array_append_new(arr, gen_filter(G, e, d + 2, rn));
        json_object_set_new(f, fg_chance(g, 50) ? "and" : "or", arr);
    } else if (room && d + 1 <= G->max_depth && r < 50) {
        G->nodes++;
        json_object_set_new(f, "not", gen_filter(G, e, d + 1, rn));
    } else if (room && rn < 3 && nr && d + 1 <= G->max_depth && r < 80) {
        int k = rels[fg_range(g, 0, nr - 1)];
        json_object_set_new(f, W->rels[k].name, gen_rel_value(G, k, d, rn));
    } else if (room && rn < 3 && nr && r < 100) { /* dotted path */
        char path[128];
        size_t pl = 0;
        int cur = e, hops = fg_range(g, 1, 3 - rn < 2 ? 3 - rn : 2);
        for (int h = 0; h < hops; h++) {
            int cand[FG_NREL], nc = 0;
            for (int k = 0; k < FG_NREL; k++)
                if (W->rels[k].from == cur) cand[nc++] = k;
            int k = cand[fg_range(g, 0, nc - 1)];
            pl += (size_t)snprintf(path + pl, sizeof path - pl, "%s.", W->rels[k].name);
            cur = W->rels[k].to;
            G->nodes++;
        }
        int cand[FG_NREL], nc = 0;
        for (int k = 0; k < FG_NREL; k++)
            if (W->rels[k].from == cur) cand[nc++] = k;
        json_t *v;
        if (nc && rn + hops < 3 && d + 1 <= G->max_depth && fg_chance(g, 20)) { /* ends at a relationship */
            int k = cand[fg_range(g, 0, nc - 1)];
            snprintf(path + pl, sizeof path - pl, "%s", W->rels[k].name);
            v = gen_rel_value(G, k, d, rn + hops);
        } else {
            const fg_col *c = &W->ents[cur].cols[fg_range(g, 0, W->ents[cur].ncols - 1)];
            snprintf(path + pl, sizeof path - pl, "%s", c->name);
            v = gen_column_value(G, cur, c, d);
        }
        json_object_set_new(f, path, v);
    } else {
        const fg_col *c = &W->ents[e].cols[fg_range(g, 0, W->ents[e].ncols - 1)];
        json_object_set_new(f, c->name, gen_column_value(G, e, c, d));
    }
}

/* A filter object at depth d (the top one is 1), rn relationships deep. */
static json_t *gen_filter(gen *G, int e, int d, int rn)
{
    json_t *f = json_object();
    int r = fg_range(G->g, 0, 99), n = r < 4 ? 0 : r < 62 ? 1 : r < 92 ? 2 : 3;
    for (int k = 0; k < n; k++) add_key(G, f, e, d, rn);
    return f;
}

/* A filter within SPEC §5's limits (depth 16, 256 nodes). */
json_t *fg_gen_filter(const fg_world *W, fg_prng *g, int e, int max_depth, int max_nodes)
{
    for (;;) {
        gen G = {.g = g, .W = W, .max_depth = max_depth, .max_nodes = max_nodes,
                 .compound = fg_range(g, 25, 75)};
        json_t *f = gen_filter(&G, e, 1, 0);
        if (fg_json_depth(f) <= ORM_FILTER_MAX_DEPTH && fg_count_filter(W, e, f) <= ORM_FILTER_MAX_NODES) return f;
        json_decref(f);
    }
}

json_t *fg_gen_filter_case(const fg_world *W, fg_prng *g, int *e)
{
    *e = fg_range(g, 0, 99) < 50 ? FG_PERSON : fg_range(g, 0, 99) < 75 ? FG_PET : FG_TAG;
    bool deep = fg_chance(g, 25);
    return fg_gen_filter(W, g, *e, deep ? 16 : fg_range(g, 3, 10), deep ? 120 : 30);
}

/* ---- sort cases ---------------------------------------------------------------------------------- */

void fg_gen_sort(const fg_world *W, fg_prng *g, fg_sort_case *out)
{
    int e = fg_range(g, 0, 99) < 45 ? FG_PERSON : fg_range(g, 0, 99) < 85 ? FG_PET : FG_TAG;
    fg_gen_sort_for(W, g, e, out);
}

void fg_gen_sort_for(const fg_world *W, fg_prng *g, int e, fg_sort_case *out)
{
    size_t sl = 0;
    out->e = e;
    out->spec[0] = '\0';
    out->nk = fg_range(g, 1, 3);
    for (int i = 0; i < out->nk; i++) {
        fg_skey *k = &out->keys[i];
        k->desc = fg_chance(g, 50);
        k->rel = -1;
        if (e == FG_PET && fg_chance(g, 45)) k->rel = FG_OWNER;
        const fg_ent *T = &W->ents[k->rel < 0 ? e : W->rels[k->rel].to];
        k->col = fg_range(g, 0, T->ncols - 1);
        sl += (size_t)snprintf(out->spec + sl, sizeof out->spec - sl, "%s%s%s%s", i ? "," : "", k->desc ? "-" : "",
                               k->rel < 0 ? "" : "owner.", T->cols[k->col].name);
    }
    out->filter = fg_chance(g, 30) ? fg_gen_filter(W, g, e, 6, 8) : NULL;
}

/* ---- running queries and printing them ------------------------------------------------------------ */

static int query_unit(orm_session *s, void *ud)
{
    fg_qrun *r = ud;
    int rc = orm_query_all(s, r->q, &r->res);
    if (!rc && r->want_count) rc = orm_query_count(s, r->q, &r->count);
    return rc;
}

int fg_run_query(const fg_world *W, rm_arena *a, orm_query *q, fg_qrun *r, orm_error *err)
{
    orm_session s;
    orm_session_init(&s, W->engine, W->schema, a, err);
    r->q = q;
    return orm_session_run(&s, false, query_unit, r);
}

int64_t fg_result_id(const fg_world *W, int e, const orm_result *res, size_t i)
{
    const orm_value *v = &orm_result_row(res, i)[W->ents[e].cols[W->ents[e].id].idx];
    return v->kind == ORM_V_INT ? v->u.i : -1;
}

void fg_print_sql(const fg_world *W, rm_arena *a, const orm_query *q)
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

void fg_print_row(const fg_world *W, int e, size_t row)
{
    const fg_ent *E = &W->ents[e];
    rm_arena *a = rm_arena_new();
    fprintf(stderr, "    %s", E->entity);
    for (int c = 0; c < E->ncols; c++)
        fprintf(stderr, " %s=%s", E->cols[c].name, orm_value_repr(a, fg_cell(W, e, row, &E->cols[c])));
    for (int r = 0; r < FG_NREL; r++) {
        if (W->rels[r].from != e) continue;
        fprintf(stderr, " %s=[", W->rels[r].name);
        for (size_t k = 0; k < fg_nrelated(W, r, row); k++)
            fprintf(stderr, "%s%zu", k ? "," : "", fg_related(W, r, row, k) + 1);
        fprintf(stderr, "]");
    }
    fprintf(stderr, "\n");
    rm_arena_destroy(a);
}

char *fg_dump(const json_t *j) { return json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY); }

void fg_print_seq(const char *label, const int64_t *ids, size_t n)
{
    fprintf(stderr, "  %s (%zu):", label, n);
    for (size_t i = 0; i < n && i < 40; i++) fprintf(stderr, " %" PRId64, ids[i]);
    fprintf(stderr, "%s\n", n > 40 ? " ..." : "");
}

/* The first index where the sequences differ, or -1. */
long fg_first_difference(const int64_t *x, size_t nx, const int64_t *y, size_t ny)
{
    for (size_t i = 0; i < nx && i < ny; i++)
        if (x[i] != y[i]) return (long)i;
    return nx == ny ? -1 : (long)(nx < ny ? nx : ny);
}
