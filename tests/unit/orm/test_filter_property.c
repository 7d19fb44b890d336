/* test_filter_property.c: property test of the JSON filter language and of
 * sorting / keyset paging (SPEC §4, §5, §8) against an independent model.
 *
 * For each seed of a fixed list: a schema (Person, Pet, Tag; one-to-many,
 * many-to-one and many-to-many relationships) is loaded, its tables are
 * created in an in-memory SQLite database and a generated data set is
 * inserted (many NULLs, frequent equal values, text drawn from an alphabet
 * with upper/lower case letters, '%', '_', '\' and 'é'/'É'). A copy of
 * every row stays in memory. (The world and the generators of filters and
 * sort cases are tests/support/filter_gen.c, which test_cross_backend.c
 * shares.) Then:
 *
 *  - thousands of random filters (every column operator, null literals,
 *    several operators in one value, and/or/not nested deeply,
 *    any/none/every/has/is_null, dotted paths, $col operands) are run through
 *    orm_filter_parse → orm_query_all / orm_query_count, and the set of ids
 *    is compared with an evaluator written here over the in-memory rows that
 *    follows SPEC §8 literally: SQL three-valued logic (ne, nin and not do
 *    not match NULL; a column comparison {"$col": PATH} is UNKNOWN when
 *    either side is NULL, PATH read from the row holding the compared
 *    column through its many-to-one hops, a missing related row being
 *    NULL), in [] matches nothing and nin [] everything, like is
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

#include "orm/filter.h"
#include "orm/query.h"
#include "orm/session.h"
#include "tests/suites.h"
#include "tests/support/filter_gen.h"
#include "tests/support/suite.h"

#define FILTERS_PER_SEED 800
#define SORTS_PER_SEED 80
#define MAX_REPORTS 3 /* detailed reports (with shrinking) per seed and kind */

static const uint64_t SEEDS[] = {
    0x9e3779b97f4a7c15ull, 0x0123456789abcdefull, 0xdeadbeefcafef00dull,
    0x5eed5eed5eed5eedull, 0x0badc0ffee0ddf00ull, 0x7777777777777777ull,
};
#define NSEEDS ((int)(sizeof SEEDS / sizeof SEEDS[0]))

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
static orm_value operand_value(const fg_col *c, const json_t *j)
{
    switch (c->k) {
    case FG_INT: return orm_int(json_integer_value(j));
    case FG_FLOAT: return orm_float(json_number_value(j));
    case FG_BOOL: return orm_int(json_is_true(j));
    case FG_TEXT:
    case FG_DATE: return orm_text(json_string_value(j), json_string_length(j));
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

/* The relationship of e that path names up to dot. */
static int head_rel(const fg_world *W, int e, const char *path, const char *dot)
{
    char head[64];
    size_t hl = (size_t)(dot - path);
    if (hl >= sizeof head) ck_abort_msg("evaluator: path %s", path);
    memcpy(head, path, hl);
    head[hl] = '\0';
    int r = fg_find_rel(W, e, head);
    if (r < 0) ck_abort_msg("evaluator: unknown relationship %s", head);
    return r;
}

/* The value {"$col": PATH} names from row `row` of entity e (SPEC §10 F):
 * PATH's many-to-one hops followed in the model, NULL when one has no
 * related row. */
static orm_value col_value(const fg_world *W, int e, size_t row, const char *path)
{
    const char *dot;
    while ((dot = strchr(path, '.'))) {
        int r = head_rel(W, e, path, dot);
        if (W->rels[r].many) ck_abort_msg("evaluator: %s is no many-to-one relationship", path);
        if (!fg_nrelated(W, r, row)) return orm_null();
        row = fg_related(W, r, row, 0);
        e = W->rels[r].to;
        path = dot + 1;
    }
    int c = fg_find_col(&W->ents[e], path);
    if (c < 0) ck_abort_msg("evaluator: unknown column %s", path);
    return *fg_cell(W, e, row, &W->ents[e].cols[c]);
}

/* Where a column's value is read: the row holding it ($col paths start there). */
typedef struct ev_row {
    const fg_world *W;
    int e;
    size_t row;
} ev_row;

static tv ev_op_at(const ev_row *at, const fg_col *c, const orm_value *v, const char *op, const json_t *arg);

static tv ev_op(const fg_col *c, const orm_value *v, const char *op, const json_t *arg)
{
    return ev_op_at(NULL, c, v, op, arg);
}

static tv ev_op_at(const ev_row *at, const fg_col *c, const orm_value *v, const char *op, const json_t *arg)
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
    orm_value x;
    if (fg_is_col_operand(arg)) { /* another column: NULL there is UNKNOWN too */
        if (!at) ck_abort_msg("evaluator: $col without a row");
        x = col_value(at->W, at->e, at->row, json_string_value(json_object_get(arg, "$col")));
        if (x.kind == ORM_V_NULL) return TV_U;
    } else {
        x = operand_value(c, arg);
    }
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

static tv ev_filter(const fg_world *W, int e, size_t row, const json_t *f);

static tv ev_rel(const fg_world *W, int r, size_t row, const json_t *v)
{
    const fg_rel *R = &W->rels[r];
    size_t n = fg_nrelated(W, r, row);
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
                tv x = ev_filter(W, R->to, fg_related(W, r, row, k), arg);
                hit = every ? x == TV_F : x == TV_T;
            }
            t = tv_of(!strcmp(op, "any") || !strcmp(op, "has") ? hit : !hit);
        }
        acc = tv_and(acc, t);
    }
    return acc;
}

static tv ev_path(const fg_world *W, int e, size_t row, const char *path, const json_t *v)
{
    const fg_ent *E = &W->ents[e];
    const char *dot = strchr(path, '.');
    if (!dot) {
        int c = fg_find_col(E, path);
        if (c >= 0) {
            const orm_value *x = fg_cell(W, e, row, &E->cols[c]);
            ev_row at = {W, e, row};
            if (!json_is_object(v) || fg_is_col_operand(v)) return ev_op_at(&at, &E->cols[c], x, "eq", v);
            tv acc = TV_T;
            const char *op;
            json_t *arg;
            json_object_foreach((json_t *)v, op, arg) acc = tv_and(acc, ev_op_at(&at, &E->cols[c], x, op, arg));
            return acc;
        }
        int r = fg_find_rel(W, e, path);
        if (r < 0) ck_abort_msg("evaluator: unknown path %s", path);
        return ev_rel(W, r, row, v);
    }
    int r = head_rel(W, e, path, dot);
    for (size_t k = 0; k < fg_nrelated(W, r, row); k++)
        if (ev_path(W, W->rels[r].to, fg_related(W, r, row, k), dot + 1, v) == TV_T) return TV_T;
    return TV_F;
}

static tv ev_filter(const fg_world *W, int e, size_t row, const json_t *f)
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

/* ---- running a filter both ways ---------------------------------------------------------------- */

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
                                        "not", "any", "none", "every", "has", "dotted", "literal", "null-rel", "$col"};
#define NKEYS ((int)(sizeof KEY_NAMES / sizeof KEY_NAMES[0]))

static void count_key(const char *k)
{
    for (int i = 0; i < NKEYS; i++)
        if (!strcmp(KEY_NAMES[i], k)) ST.keys[i]++;
}

static void tally(const fg_world *W, int e, const json_t *j, bool filter_level)
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
            count_key(json_is_null(v) && fg_find_rel(W, e, k) >= 0 ? "null-rel" : "literal");
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
static int check_filter(const fg_world *W, int e, const json_t *f, int report)
{
    const fg_ent *E = &W->ents[e];
    rm_arena *a = rm_arena_new();
    orm_error err;
    orm_error_init(&err, a);
    orm_query q;
    orm_query_init(&q, E->m, NULL);
    int status = AGREE;
    if (orm_filter_parse(a, E->m, f, 0, &q.aliases, "/filter", &q.where, &err)) {
        if (report > 0)
            fprintf(stderr, "  rejected: %s: %s\n", err.nfields ? err.fields[0].pointer : "",
                    err.nfields ? err.fields[0].message : err.detail);
        status = REJECTED;
        goto out;
    }
    fg_qrun r = {.want_count = true};
    if (fg_run_query(W, a, &q, &r, &err)) {
        if (report > 0) {
            fprintf(stderr, "  query failed: %s (%s)\n", err.detail, err.internal);
            fg_print_sql(W, a, &q);
        }
        status = FAILED;
        goto out;
    }
    unsigned char *seen = RM_NEW_ARRAY(a, unsigned char, E->nrows);
    bool dup = false;
    for (size_t i = 0; i < r.res.nrows; i++) {
        int64_t id = fg_result_id(W, e, &r.res, i);
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
        int d = fg_json_depth(f), nn = fg_count_filter(W, e, f);
        ST.depth[d <= 16 ? d : 16]++;
        if (nn > ST.maxnodes) ST.maxnodes = nn;
        tally(W, e, f, true);
    }
    bool count_bad = r.count != (int64_t)r.res.nrows;
    if (nbad || dup || count_bad) status = DISAGREE;
    if (status == DISAGREE && report > 0) {
        fprintf(stderr, "  %s: %zu rows from SQL, %zu expected; count(*) %" PRId64 "%s\n", E->entity,
                r.res.nrows, expected, r.count, dup ? "; DUPLICATE rows" : "");
        fg_print_sql(W, a, &q);
        for (size_t k = 0; k < nbad && k < 6; k++) {
            size_t i = bad[k];
            fprintf(stderr, "  id %zu: SQL %s, evaluator %s\n", i + 1, seen[i] ? "matched" : "did not match",
                    want[i] == TV_T ? "TRUE" : want[i] == TV_F ? "FALSE" : "UNKNOWN");
            fg_print_row(W, e, i);
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
static json_t *shrink(const fg_world *W, int e, const json_t *f)
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

static const fg_world *SORT_W;
static int SORT_E;
static fg_skey SORT_K[4];
static int SORT_NK;

static const orm_value *sort_value(const fg_world *W, int e, size_t row, const fg_skey *k)
{
    static const orm_value null_value = {.kind = ORM_V_NULL};
    if (k->rel < 0) return fg_cell(W, e, row, &W->ents[e].cols[k->col]);
    if (!fg_nrelated(W, k->rel, row)) return &null_value; /* LEFT JOIN: no related row */
    int t = W->rels[k->rel].to;
    return fg_cell(W, t, fg_related(W, k->rel, row, 0), &W->ents[t].cols[k->col]);
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

/* One sort case: a random spec (and sometimes a filter); the full order, a
 * LIMIT/OFFSET slice and a keyset walk. Returns the number of failures. */
static int check_sort(const fg_world *W, fg_prng *g, uint64_t seed, int no, bool report)
{
    fg_sort_case sc;
    fg_gen_sort(W, g, &sc);
    int e = sc.e, nk = sc.nk, failures = 0;
    const fg_ent *E = &W->ents[e];
    rm_arena *a = rm_arena_new();
    const char *spec = sc.spec;
    const fg_skey *keys = sc.keys;
    json_t *filter = sc.filter;
    char *ftext = filter ? fg_dump(filter) : NULL;

    orm_error err;
    orm_error_init(&err, a);
    orm_query q;
    orm_query_init(&q, E->m, NULL);
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
    memcpy(SORT_K, keys, sizeof SORT_K);
    qsort(rows, n, sizeof *rows, cmp_rows);
    int64_t *want = RM_NEW_ARRAY(a, int64_t, n + 1);
    for (size_t i = 0; i < n; i++) want[i] = (int64_t)rows[i] + 1;

    /* 1. the full order */
    fg_qrun r = {0};
    if (fg_run_query(W, a, &q, &r, &err)) {
        fprintf(stderr, "filter_property: seed %#" PRIx64 " sort #%d (%s): query failed: %s (%s)\n", seed, no, spec,
                err.detail, err.internal);
        failures++;
        goto out;
    }
    int64_t *got = RM_NEW_ARRAY(a, int64_t, r.res.nrows + 1);
    for (size_t i = 0; i < r.res.nrows; i++) got[i] = fg_result_id(W, e, &r.res, i);
    long d = fg_first_difference(want, n, got, r.res.nrows);
    if (d >= 0) {
        failures++;
        if (report) {
            fprintf(stderr, "filter_property: seed %#" PRIx64 " sort #%d: %s sort=%s filter=%s: order differs at %ld\n",
                    seed, no, E->entity, spec, ftext ? ftext : "-", d);
            fg_print_sql(W, a, &q);
            fg_print_seq("expected", want, n);
            fg_print_seq("got", got, r.res.nrows);
            for (long i = d; i < d + 2 && (size_t)i < n; i++) fg_print_row(W, e, (size_t)want[i] - 1);
            for (long i = d; i < d + 2 && (size_t)i < r.res.nrows; i++)
                if (got[i] >= 1 && (size_t)got[i] <= E->nrows) fg_print_row(W, e, (size_t)got[i] - 1);
        }
    }

    /* 2. a LIMIT/OFFSET slice */
    {
        int64_t off = fg_range(g, 0, (int)n + 2), lim = fg_chance(g, 20) ? -1 : fg_range(g, 0, (int)n + 1);
        fg_qrun s = {0};
        q.limit = lim;
        q.offset = off;
        int rc = fg_run_query(W, a, &q, &s, &err);
        q.limit = -1;
        q.offset = 0;
        size_t from = (size_t)off < n ? (size_t)off : n, cnt = n - from;
        if (lim >= 0 && (size_t)lim < cnt) cnt = (size_t)lim;
        int64_t *sg = RM_NEW_ARRAY(a, int64_t, s.res.nrows + 1);
        for (size_t i = 0; !rc && i < s.res.nrows; i++) sg[i] = fg_result_id(W, e, &s.res, i);
        if (rc || fg_first_difference(want + from, cnt, sg, s.res.nrows) >= 0) {
            failures++;
            if (report) {
                fprintf(stderr, "filter_property: seed %#" PRIx64 " sort #%d: %s sort=%s filter=%s limit %" PRId64
                        " offset %" PRId64 ": wrong slice%s%s\n", seed, no, E->entity, spec, ftext ? ftext : "-",
                        lim, off, rc ? ": " : "", rc ? err.detail : "");
                fg_print_seq("expected", want + from, cnt);
                fg_print_seq("got", sg, s.res.nrows);
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
            int page = fg_range(g, 1, 12);
            fg_qrun p = {0};
            q.limit = page;
            q.after = NULL;
            if (last) orm_query_after(&q, a, last);
            if (fg_run_query(W, a, &q, &p, &err)) {
                broken = true;
                break;
            }
            npages++;
            for (size_t i = 0; i < p.res.nrows; i++) {
                if (nw > n) {
                    overflow = true;
                    break;
                }
                walk[nw++] = fg_result_id(W, e, &p.res, i);
            }
            if (overflow || p.res.nrows < (size_t)page) break;
            /* a row is the table's columns, then the sort keys through joins */
            const orm_value *lr = orm_result_row(&p.res, p.res.nrows - 1);
            last = RM_NEW_ARRAY(a, orm_value, nkeys);
            orm_query_sort_values(&q, a, lr, lr + E->width, last);
        }
        q.limit = -1;
        q.after = NULL;
        long kd = fg_first_difference(want, n, walk, nw);
        if (broken || overflow || kd >= 0) {
            failures++;
            if (report) {
                fprintf(stderr, "filter_property: seed %#" PRIx64 " sort #%d: %s sort=%s filter=%s: keyset walk "
                        "(%zu pages) %s at %ld%s%s\n", seed, no, E->entity, spec, ftext ? ftext : "-", npages,
                        overflow ? "runs past the end" : "differs", kd, broken ? ": " : "", broken ? err.detail : "");
                fg_print_seq("expected", want, n);
                fg_print_seq("walk", walk, nw);
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
    fg_world W;
    uint64_t seed = seed_at(_i);
    fg_world_init(&W, seed, "sqlite://:memory:");
    int n = FILTERS_PER_SEED * scale(), failures = 0, reports = 0, first = -1;
    int by_status[4] = {0};
    for (int i = 0; i < n; i++) {
        fg_prng g;
        fg_seed(&g, seed ^ fg_splitmix((uint64_t)i + 1));
        int e;
        json_t *f = fg_gen_filter_case(&W, &g, &e);
        int st = check_filter(&W, e, f, -1);
        by_status[st]++;
        if (st != AGREE) {
            failures++;
            if (first < 0) first = i;
            if (reports < MAX_REPORTS) {
                reports++;
                char *text = fg_dump(f);
                fprintf(stderr, "filter_property: seed %#" PRIx64 " filter #%d on %s: %s\n  filter: %s\n", seed, i,
                        W.ents[e].entity, st == DISAGREE ? "SQL and the SPEC model disagree"
                                          : st == REJECTED ? "a valid filter was rejected" : "the query failed",
                        text);
                free(text);
                check_filter(&W, e, f, 1);
                if (st == DISAGREE) {
                    json_t *m = shrink(&W, e, f);
                    char *mt = fg_dump(m);
                    fprintf(stderr, "  shrunk: %s\n", mt);
                    free(mt);
                    check_filter(&W, e, m, 1);
                    json_decref(m);
                }
            }
        }
        json_decref(f);
    }
    fg_world_free(&W);
    if (_i == NSEEDS - 1) print_stats();
    ck_assert_msg(failures == 0,
                  "seed %#" PRIx64 ": %d of %d filters failed (%d disagree, %d rejected, %d errors); first #%d",
                  seed, failures, n, by_status[DISAGREE], by_status[REJECTED], by_status[FAILED], first);
}
END_TEST

START_TEST(sorting_and_keyset_paging)
{
    fg_world W;
    uint64_t seed = seed_at(_i);
    fg_world_init(&W, seed, "sqlite://:memory:");
    int n = SORTS_PER_SEED * scale(), failures = 0, reports = 0;
    for (int i = 0; i < n; i++) {
        fg_prng g;
        fg_seed(&g, ~seed ^ fg_splitmix((uint64_t)i + 1));
        int f = check_sort(&W, &g, seed, i, reports < MAX_REPORTS);
        reports += f > 0;
        failures += f;
    }
    fg_world_free(&W);
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
    fg_col c = {"x", FG_INT, 0, 0, 0, 0};
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
