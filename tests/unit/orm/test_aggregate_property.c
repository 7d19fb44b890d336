/* test_aggregate_property.c: differential property test of grouped
 * aggregates (orm/aggregate.h, SPEC §10 A) on the backend of the run
 * (in-memory SQLite, or a fresh PostgreSQL database).
 *
 * A world: regions (name, zone; NULLs) and sales (a nullable many-to-one
 * to a region, an integer qty, a numeric(10,2) price, a text kind, a date
 * day; many NULLs and equal values), drawn from a seed and inserted as SQL
 * text. For random cases: 0-2 group keys (columns and region.* paths),
 * 1-4 aggregates (count * / PATH, count_distinct, sum, avg, min, max of
 * integer, numeric, text and date columns), a filter, a having over counts,
 * sums and means (numbers and decimal strings), a sort over outputs, and
 * limit/offset. The answer's JSON is compared with an evaluator written
 * here over the in-memory rows: LEFT JOIN keys (a NULL foreign key is the
 * null group), exact decimal sums as scaled integers, means rounded half
 * away from zero at scale + 4, means of integers as the double sum/count,
 * three-valued having, ties by the keys ascending with NULL smallest.
 * A failure prints the seed, the case, the statement's outputs and both
 * answers. Deterministic: xorshift64* per (seed, case). */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm/aggregate.h"
#include "orm/filter.h"
#include "tests/suites.h"
#include "tests/support/backend.h"
#include "tests/support/filter_gen.h"
#include "tests/support/ormdb.h"
#include "tests/support/pgtmp.h"
#include "tests/support/suite.h"

#define CASES_PER_SEED 300
#define NREGIONS 5
#define NSALES 70

static const char SCHEMA[] =
    "{\"entities\": {"
    " \"Region\": {\"table\": \"regions\", \"columns\": {"
    "   \"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "   \"name\": {\"type\": \"string\"}, \"zone\": {\"type\": \"string\"}}},"
    " \"Sale\": {\"table\": \"sales\", \"columns\": {"
    "   \"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "   \"region_id\": {\"type\": \"integer\", \"foreign_key\": \"regions.id\"},"
    "   \"qty\": {\"type\": \"integer\"},"
    "   \"price\": {\"type\": \"numeric\", \"precision\": 10, \"scale\": 2},"
    "   \"kind\": {\"type\": \"string\"},"
    "   \"day\": {\"type\": \"date\"}},"
    "  \"relationships\": {\"region\": {\"target\": \"Region\"}}}}}";

static const uint64_t SEEDS[] = {0x1234abcdull, 0xfeedfacecafebeefull, 0x0ddba11ull, 0x5ca1ab1eull};

/* ---- the world --------------------------------------------------------------------- */

typedef struct cell {
    bool null;
    long long i;       /* integers; numeric in cents */
    const char *s;     /* text and dates */
} cell;

enum { C_REGION_ID, C_QTY, C_PRICE, C_KIND, C_DAY, C_NAME, C_ZONE, NC };
static const char *const PATHS[NC] = {"region_id", "qty", "price", "kind", "day", "region.name", "region.zone"};
enum { T_INT, T_NUM, T_TEXT };
static const int TYPE[NC] = {T_INT, T_INT, T_NUM, T_TEXT, T_TEXT, T_TEXT, T_TEXT};

typedef struct world {
    cell region[NREGIONS][2]; /* name, zone */
    cell sale[NSALES][5];     /* region_id, qty, price, kind, day */
} world;

static const char *const KINDS[] = {"x", "y", "Z", "xy"};
static const char *const DAYS[] = {"2024-01-01", "2024-02-29", "2023-12-31"};

static cell draw(fg_prng *g, int null_pct)
{
    cell c = {.null = fg_chance(g, null_pct)};
    return c;
}

static void make_world(world *w, fg_prng *g)
{
    static const char *const NAMES[] = {"north", "south", "east"}, *const ZONES[] = {"a", "b"};
    for (int r = 0; r < NREGIONS; r++) {
        w->region[r][0] = draw(g, 20);
        w->region[r][0].s = NAMES[fg_range(g, 0, 2)];
        w->region[r][1] = draw(g, 25);
        w->region[r][1].s = ZONES[fg_range(g, 0, 1)];
    }
    for (int i = 0; i < NSALES; i++) {
        cell *c = w->sale[i];
        c[0] = draw(g, 15);
        c[0].i = fg_range(g, 1, NREGIONS);
        c[1] = draw(g, 20);
        c[1].i = fg_range(g, -5, 20);
        c[2] = draw(g, 20); /* cents: small and large, negative too, sums far past a double's 2 digits */
        c[2].i = fg_chance(g, 50) ? fg_range(g, -500, 500) : (long long)fg_range(g, -99999, 99999) * 9999 % 99999999;
        c[3] = draw(g, 20);
        c[3].s = KINDS[fg_range(g, 0, 3)];
        c[4] = draw(g, 25);
        c[4].s = DAYS[fg_range(g, 0, 2)];
    }
}

/* v in units of 10^-scale (scale >= 1) as decimal text. */
static void cents_text(char *out, size_t len, long long v, int scale)
{
    unsigned long long m = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%0*llu", scale + 1, m);
    snprintf(out, len, "%s%.*s.%s", v < 0 ? "-" : "", n - scale, digits, digits + n - scale);
}

static void insert_world(tdb *db, const world *w)
{
    char sql[256];
    for (int r = 0; r < NREGIONS; r++) {
        const cell *c = w->region[r];
        snprintf(sql, sizeof sql, "INSERT INTO regions (id, name, zone) VALUES (%d, %s%s%s, %s%s%s)", r + 1,
                 c[0].null ? "" : "'", c[0].null ? "NULL" : c[0].s, c[0].null ? "" : "'", c[1].null ? "" : "'",
                 c[1].null ? "NULL" : c[1].s, c[1].null ? "" : "'");
        tdb_sql(db, sql);
    }
    for (int i = 0; i < NSALES; i++) {
        const cell *c = w->sale[i];
        char rid[16] = "NULL", qty[16] = "NULL", price[32] = "NULL", kind[16] = "NULL", day[24] = "NULL";
        if (!c[0].null) snprintf(rid, sizeof rid, "%lld", c[0].i);
        if (!c[1].null) snprintf(qty, sizeof qty, "%lld", c[1].i);
        if (!c[2].null) cents_text(price, sizeof price, c[2].i, 2);
        if (!c[3].null) snprintf(kind, sizeof kind, "'%s'", c[3].s);
        if (!c[4].null) snprintf(day, sizeof day, "'%s'", c[4].s);
        snprintf(sql, sizeof sql, "INSERT INTO sales (id, region_id, qty, price, kind, day) VALUES (%d, %s, %s, %s, %s, %s)",
                 i + 1, rid, qty, price, kind, day);
        tdb_sql(db, sql);
    }
}

/* Column c of sale i, through its region for region.* (NULL without one). */
static cell value_of(const world *w, int i, int c)
{
    const cell *s = w->sale[i];
    if (c < C_NAME) return s[c];
    if (s[0].null) return (cell){.null = true};
    return w->region[s[0].i - 1][c - C_NAME];
}

/* ---- cases ------------------------------------------------------------------------ */

enum { F_COUNT_STAR, F_COUNT, F_COUNT_DISTINCT, F_SUM, F_AVG, F_MIN, F_MAX };
static const char *const FN[] = {"count", "count", "count_distinct", "sum", "avg", "min", "max"};

typedef struct out_def {
    bool key;
    int fn, col;
    char name[40];
} out_def;

typedef struct agg_case {
    out_def out[8];
    int nkeys, n;
    int filter_qty;            /* filter {"qty": {"ge": k}} when >= -100 */
    bool filter_on;
    json_t *having;            /* or NULL */
    char sort[128];            /* "" = none */
    int64_t limit, offset;
} agg_case;

static bool has_name(const agg_case *k, const char *name)
{
    for (int i = 0; i < k->n; i++)
        if (!strcmp(k->out[i].name, name)) return true;
    return false;
}

static void gen_case(fg_prng *g, agg_case *k)
{
    memset(k, 0, sizeof *k);
    int nkeys = fg_range(g, 0, 2);
    for (int t = 0; t < nkeys; t++) {
        int c = fg_range(g, 0, NC - 1);
        if (has_name(k, PATHS[c])) continue;
        k->out[k->n] = (out_def){.key = true, .col = c};
        snprintf(k->out[k->n].name, sizeof k->out[k->n].name, "%s", PATHS[c]);
        k->n++, k->nkeys++;
    }
    int naggs = fg_range(g, nkeys ? 0 : 1, 4);
    for (int t = 0; t < naggs; t++) {
        out_def o = {.fn = fg_range(g, 0, 6), .col = fg_range(g, 0, NC - 1)};
        if ((o.fn == F_SUM || o.fn == F_AVG) && TYPE[o.col] == T_TEXT) o.col = fg_chance(g, 50) ? C_QTY : C_PRICE;
        if (o.fn == F_COUNT_STAR) snprintf(o.name, sizeof o.name, "count");
        else snprintf(o.name, sizeof o.name, "%s_%s", FN[o.fn], PATHS[o.col]);
        if (has_name(k, o.name)) continue;
        k->out[k->n++] = o;
    }
    if (!k->n) {
        k->out[k->n++] = (out_def){.fn = F_COUNT_STAR, .name = "count"};
    }
    k->filter_on = fg_chance(g, 30);
    k->filter_qty = fg_range(g, -3, 12);
    if (fg_chance(g, 40)) { /* having over a numeric output */
        int i = fg_range(g, 0, k->n - 1);
        const out_def *o = &k->out[i];
        bool numeric_out = !o->key && (o->fn <= F_AVG) && (o->fn != F_AVG || TYPE[o->col] == T_NUM || fg_chance(g, 50));
        if (numeric_out || (o->key && TYPE[o->col] == T_INT)) {
            static const char *const OPS[] = {"gt", "ge", "lt", "le", "eq", "ne"};
            const char *op = OPS[fg_range(g, 0, 5)];
            json_t *v;
            if (fg_chance(g, 50)) v = json_integer(fg_range(g, -3, 8));
            else {
                char text[32];
                cents_text(text, sizeof text, fg_range(g, -2000, 5000), fg_range(g, 0, 3) + 1);
                v = fg_chance(g, 50) ? json_string(text) : json_real(strtod(text, NULL));
            }
            k->having = json_pack("{s:{s:o}}", o->name, op, v);
        }
    }
    if (fg_chance(g, 60)) {
        int m = fg_range(g, 1, 2);
        size_t len = 0;
        for (int t = 0; t < m; t++) {
            const char *name = k->out[fg_range(g, 0, k->n - 1)].name;
            len += (size_t)snprintf(k->sort + len, sizeof k->sort - len, "%s%s%s", t ? "," : "",
                                    fg_chance(g, 50) ? "-" : "", name);
        }
    }
    k->limit = fg_chance(g, 70) ? fg_range(g, 0, 8) : -1;
    k->offset = fg_chance(g, 40) ? fg_range(g, 0, 4) : 0;
}

/* ---- the evaluator ------------------------------------------------------------------- */

typedef struct val {
    bool null;
    int kind;                 /* 0 integer, 1 double, 2 text, 3 scaled integer */
    long long i;
    double d;
    const char *s;
    int scale;
} val;

typedef struct grp {
    val v[8];
} grp;

static int vcmp(const val *a, const val *b) /* NULL smallest */
{
    if (a->null || b->null) return (int)!a->null - (int)!b->null;
    if (a->kind == 2) return strcmp(a->s, b->s) < 0 ? -1 : strcmp(a->s, b->s) > 0;
    if (a->kind == 1) return (a->d > b->d) - (a->d < b->d);
    return (a->i > b->i) - (a->i < b->i);
}

static val cell_val(cell c, int col)
{
    if (c.null) return (val){.null = true};
    if (TYPE[col] == T_TEXT) return (val){.kind = 2, .s = c.s};
    if (TYPE[col] == T_NUM) return (val){.kind = 3, .i = c.i, .scale = 2};
    return (val){.kind = 0, .i = c.i};
}

static val aggregate(const world *w, const int *rows, int n, const out_def *o)
{
    long long count = 0, sum = 0;
    val best = {.null = true};
    const char *seen[NSALES];
    long long seeni[NSALES];
    int nseen = 0;
    for (int r = 0; r < n; r++) {
        if (o->fn == F_COUNT_STAR) {
            count++;
            continue;
        }
        cell c = value_of(w, rows[r], o->col);
        if (c.null) continue;
        count++;
        sum += c.i;
        val v = cell_val(c, o->col);
        if (best.null || (o->fn == F_MIN ? vcmp(&v, &best) < 0 : vcmp(&v, &best) > 0)) best = v;
        bool dup = false;
        for (int k = 0; k < nseen; k++)
            dup |= TYPE[o->col] == T_TEXT ? !strcmp(seen[k], c.s) : seeni[k] == c.i;
        if (!dup) seen[nseen] = c.s, seeni[nseen++] = c.i;
    }
    switch (o->fn) {
    case F_COUNT_STAR:
    case F_COUNT: return (val){.kind = 0, .i = count};
    case F_COUNT_DISTINCT: return (val){.kind = 0, .i = nseen};
    case F_SUM:
        if (!count) return (val){.null = true};
        return TYPE[o->col] == T_NUM ? (val){.kind = 3, .i = sum, .scale = 2} : (val){.kind = 0, .i = sum};
    case F_AVG:
        if (!count) return (val){.null = true};
        if (TYPE[o->col] == T_INT) return (val){.kind = 1, .d = (double)sum / (double)count};
        {
            long long m = llabs(sum) * 10000, q = (2 * m / count + 1) / 2; /* half away from zero */
            return (val){.kind = 3, .i = sum < 0 ? -q : q, .scale = 6};
        }
    default: return best;
    }
}

static void write_double(char *out, size_t len, double d);

/* The decimal text as n / 10^f. */
static void decimal_parts(const char *t, long long *n, int *f)
{
    bool neg = *t == '-';
    long long v = 0;
    *f = -1;
    for (t += neg; *t; t++) {
        if (*t == '.') {
            *f = 0;
            continue;
        }
        v = v * 10 + (*t - '0');
        if (*f >= 0) ++*f;
    }
    if (*f < 0) *f = 0;
    *n = neg ? -v : v;
}

/* Does v compare to the JSON operand as op says (SQL: NULL never)? Exact
 * for integers and scaled values: v->i * 10^f against n * 10^scale. */
static bool having_holds(const val *v, const char *op, const json_t *arg)
{
    if (v->null) return false;
    char text[48];
    if (json_is_string(arg)) snprintf(text, sizeof text, "%s", json_string_value(arg));
    else if (json_is_integer(arg)) snprintf(text, sizeof text, "%lld", (long long)json_integer_value(arg));
    else write_double(text, sizeof text, json_real_value(arg));
    int c;
    if (v->kind == 1) {
        double y = strtod(text, NULL);
        c = (v->d > y) - (v->d < y);
    } else {
        long long n, lhs = v->i, rhs;
        int f;
        decimal_parts(text, &n, &f);
        rhs = n;
        for (int k = 0; k < f; k++) lhs *= 10;
        for (int k = 0; k < v->scale; k++) rhs *= 10;
        c = (lhs > rhs) - (lhs < rhs);
    }
    if (!strcmp(op, "gt")) return c > 0;
    if (!strcmp(op, "ge")) return c >= 0;
    if (!strcmp(op, "lt")) return c < 0;
    if (!strcmp(op, "le")) return c <= 0;
    if (!strcmp(op, "eq")) return c == 0;
    return c != 0;
}

static void write_double(char *out, size_t len, double d)
{
    for (int p = 15; p <= 17; p++) { /* 15 digits first: "10", never "1e+01" */
        snprintf(out, len, "%.*g", p, d);
        if (strtod(out, NULL) == d) break;
    }
    if (!strpbrk(out, ".eE")) strcat(out, ".0");
}

static void write_val(rm_sb *sb, const val *v)
{
    char buf[64];
    if (v->null) rm_sb_append(sb, "null");
    else if (v->kind == 0) rm_sb_appendf(sb, "%lld", v->i);
    else if (v->kind == 1) write_double(buf, sizeof buf, v->d), rm_sb_append(sb, buf);
    else if (v->kind == 2) rm_sb_append_json_string(sb, v->s, strlen(v->s));
    else cents_text(buf, sizeof buf, v->i, v->scale), rm_sb_appendf(sb, "\"%s\"", buf);
}

static const agg_case *sort_case;
static int sort_idx[8], sort_desc[8], nsort;

static int grp_cmp(const void *x, const void *y)
{
    const grp *a = x, *b = y;
    for (int k = 0; k < nsort; k++) {
        int c = vcmp(&a->v[sort_idx[k]], &b->v[sort_idx[k]]);
        if (c) return sort_desc[k] ? -c : c;
    }
    for (int k = 0; k < sort_case->nkeys; k++) {
        int c = vcmp(&a->v[k], &b->v[k]);
        if (c) return c;
    }
    return 0;
}

/* The answer's data array as the evaluator sees it. */
static char *evaluate(const world *w, const agg_case *k, rm_arena *a)
{
    int rows[NSALES], n = 0;
    for (int i = 0; i < NSALES; i++)
        if (!k->filter_on || (!w->sale[i][1].null && w->sale[i][1].i >= k->filter_qty)) rows[n++] = i;
    grp *groups = RM_NEW_ARRAY(a, grp, NSALES + 1);
    int *member = RM_NEW_ARRAY(a, int, NSALES);
    int ng = 0;
    for (int r = 0; r < n; r++) {
        grp key = {{{0}}};
        for (int c = 0; c < k->nkeys; c++) key.v[c] = cell_val(value_of(w, rows[r], k->out[c].col), k->out[c].col);
        int gi = 0;
        while (gi < ng) {
            bool same = true;
            for (int c = 0; c < k->nkeys; c++) same &= vcmp(&key.v[c], &groups[gi].v[c]) == 0;
            if (same) break;
            gi++;
        }
        if (gi == ng) groups[ng++] = key;
        member[r] = gi;
    }
    if (!k->nkeys) ng = 1; /* one row over the whole set, even an empty one */
    int kept = 0;
    for (int gi = 0; gi < ng; gi++) {
        int mine[NSALES], m = 0;
        for (int r = 0; r < n; r++)
            if (!k->nkeys || member[r] == gi) mine[m++] = rows[r];
        grp G = groups[gi];
        for (int o = k->nkeys; o < k->n; o++) G.v[o] = aggregate(w, mine, m, &k->out[o]);
        if (k->having) {
            const char *name;
            json_t *cond;
            json_object_foreach(k->having, name, cond) {
                int o = 0;
                while (strcmp(k->out[o].name, name)) o++;
                const char *op;
                json_t *arg;
                json_object_foreach(cond, op, arg) {
                    if (!having_holds(&G.v[o], op, arg)) goto drop;
                }
            }
        }
        groups[kept++] = G;
    drop:;
    }
    nsort = 0;
    char spec[128];
    snprintf(spec, sizeof spec, "%s", k->sort);
    for (char *save = NULL, *t = strtok_r(spec, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        bool desc = *t == '-';
        int o = 0;
        while (strcmp(k->out[o].name, t + desc)) o++;
        bool dup = false;
        for (int q = 0; q < nsort; q++) dup |= sort_idx[q] == o;
        if (dup) continue;
        sort_idx[nsort] = o, sort_desc[nsort++] = desc;
    }
    sort_case = k;
    qsort(groups, (size_t)kept, sizeof *groups, grp_cmp);
    rm_sb sb;
    rm_sb_init(&sb, a);
    rm_sb_appendc(&sb, '[');
    int from = (int)k->offset, to = k->limit < 0 ? kept : (int)(k->offset + k->limit);
    if (to > kept) to = kept;
    for (int gi = from; gi < to; gi++) {
        rm_sb_append(&sb, gi > from ? ",{" : "{");
        for (int o = 0; o < k->n; o++) {
            rm_sb_appendf(&sb, "%s\"%s\":", o ? "," : "", k->out[o].name);
            write_val(&sb, &groups[gi].v[o]);
        }
        rm_sb_appendc(&sb, '}');
    }
    rm_sb_appendf(&sb, "]%s", to < kept ? "+" : "");
    return sb.buf;
}

/* ---- the statement ------------------------------------------------------------------- */

typedef struct run_ud {
    orm_aggregate *g;
    orm_agg_rows rows;
} run_ud;

static int run_unit(orm_session *s, void *ud)
{
    run_ud *u = ud;
    return orm_aggregate_run(s, u->g, &u->rows);
}

static char *actual(tdb *db, const agg_case *k)
{
    rm_arena *a = db->arena;
    orm_aggregate g;
    orm_aggregate_init(&g, tdb_mapper(db, "Sale"), NULL);
    for (int i = 0; i < k->n; i++) {
        const out_def *o = &k->out[i];
        int rc = orm_aggregate_add(&g, a, o->key ? ORM_AGG_KEY : (orm_agg_fn)(o->fn == F_COUNT_STAR ? ORM_AGG_COUNT : o->fn),
                                   o->key ? PATHS[o->col] : o->fn == F_COUNT_STAR ? "*" : PATHS[o->col], "/query", &db->err);
        ck_assert_msg(!rc, "adding %s: %s", o->name, db->err.nfields ? db->err.fields[0].message : db->err.detail);
    }
    if (k->filter_on) {
        orm_expr *e;
        json_t *f = json_pack("{s:{s:i}}", "qty", "ge", k->filter_qty);
        ck_assert_int_eq(orm_filter_parse(a, g.q.mapper, f, 0, &g.q.aliases, "/filter", &e, &db->err), 0);
        json_decref(f);
        g.q.where = e;
    }
    if (k->having) ck_assert_int_eq(orm_aggregate_having(&g, a, k->having, "/having", &db->err), 0);
    if (*k->sort) ck_assert_int_eq(orm_aggregate_order(&g, a, k->sort, "/query/sort", &db->err), 0);
    g.limit = k->limit;
    g.offset = k->offset;
    run_ud u = {&g, {0}};
    int rc = tdb_unit(db, false, run_unit, &u, NULL);
    ck_assert_msg(!rc, "run: %s (%s)", db->err.detail, db->err.internal);
    rm_sb sb;
    rm_sb_init(&sb, a);
    rm_sb_appendc(&sb, '[');
    for (size_t r = 0; r < u.rows.n; r++) {
        rm_sb_append(&sb, r ? ",{" : "{");
        for (size_t o = 0; o < g.n; o++) {
            rm_sb_appendf(&sb, "%s\"%s\":", o ? "," : "", g.out[o].name);
            orm_aggregate_write_value(&sb, &g.out[o], &u.rows.values[r * g.n + o]);
        }
        rm_sb_appendc(&sb, '}');
    }
    rm_sb_appendf(&sb, "]%s", u.rows.more ? "+" : "");
    return sb.buf;
}

static void print_case(uint64_t seed, int i, const agg_case *k)
{
    fprintf(stderr, "seed %#" PRIx64 " case %d:", seed, i);
    for (int o = 0; o < k->n; o++) fprintf(stderr, " %s%s", k->out[o].key ? "key " : "", k->out[o].name);
    char *h = k->having ? fg_dump(k->having) : NULL;
    fprintf(stderr, "; filter %s qty>=%d; having %s; sort '%s'; limit %" PRId64 " offset %" PRId64 "\n",
            k->filter_on ? "on" : "off", k->filter_qty, h ? h : "-", k->sort, k->limit, k->offset);
    free(h);
}

START_TEST(aggregates_agree_with_the_evaluator)
{
    uint64_t seed = SEEDS[_i];
    char url[512] = "";
    if (rt_backend() == RT_POSTGRESQL) pgtmp_fresh_db(url, sizeof url);
    tdb db;
    tdb_open(&db, SCHEMA, *url ? url : NULL, NULL);
    fg_prng g;
    fg_seed(&g, seed);
    world w;
    make_world(&w, &g);
    insert_world(&db, &w);
    int failures = 0;
    for (int i = 0; i < CASES_PER_SEED && failures < 3; i++) {
        fg_prng cg;
        fg_seed(&cg, fg_splitmix(seed ^ (uint64_t)i * 0x9e3779b97f4a7c15ull));
        agg_case k;
        gen_case(&cg, &k);
        rm_arena_reset(db.arena);
        orm_error_init(&db.err, db.arena);
        char *want = evaluate(&w, &k, db.arena), *got = actual(&db, &k);
        if (strcmp(want, got)) {
            print_case(seed, i, &k);
            fprintf(stderr, "  evaluator: %s\n  restmap:   %s\n", want, got);
            failures++;
        }
        json_decref(k.having);
    }
    tdb_close(&db);
    if (*url) pgtmp_drop_db(url);
    ck_assert_msg(!failures, "%d aggregate cases disagree (printed above)", failures);
}
END_TEST

TS_SUITE(aggregate_property_suite, "aggregate_property", NULL, NULL, (int)(sizeof SEEDS / sizeof SEEDS[0]),
         aggregates_agree_with_the_evaluator)
