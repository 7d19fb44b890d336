/* test_cross_backend.c: SQLite and PostgreSQL give the same answers to the
 * same random filters, sorts and pages over the same rows (issue 11).
 *
 * For each seed of a fixed list the world of tests/support/filter_gen.h
 * (the filter property test's schema, rows and generators) is built twice:
 * in an in-memory SQLite database and in a fresh PostgreSQL database on
 * the RT_PG_URL server. One seed draws the same rows for both, inserted
 * through the ORM on both. Every case then runs through the ORM on each
 * engine, and the two answers must be equal row for row: the ids in order
 * and every column's value in its storage form (the same kind; integers
 * and floats by value, never by the text a server prints; text byte for
 * byte), the sort keys through joins, counts, keyset cursors and loaded
 * object graphs:
 *
 *  - filters (fg_gen_filter_case, as the property test draws them):
 *    orm_query_all and orm_query_count;
 *  - sort cases (fg_gen_sort: keys with '-', through owner.*, NULLs, a
 *    filter sometimes): the full order, a LIMIT/OFFSET slice, a keyset
 *    walk in pages of random sizes in which each backend follows its own
 *    cursors (orm_query_sort_values + orm_query_after), and a page loaded
 *    with orm_load_page under a random include tree (joined and selectin
 *    nodes), after a cursor half of the time.
 *
 * Known differences between the backends, which this test does not hide:
 *
 *  - Text order and LIKE are bytewise and case-sensitive on both only
 *    because the PostgreSQL database is created in the C collation
 *    (CREATE DATABASE ... TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'),
 *    so that it orders text as SQLite's BINARY does; in a database with
 *    another collation PostgreSQL sorts text by that locale's rules.
 *  - ilike folds ASCII letters only on SQLite (its lower()), while
 *    PostgreSQL's ILIKE folds by the database's LC_CTYPE: ASCII only under
 *    'C', as here, but 'é' ILIKE 'É' is true under C.UTF-8 or any UTF-8
 *    locale. The generator does make patterns with é/É; they agree here
 *    because of LC_CTYPE 'C', not in general.
 *  - Floats come back from PostgreSQL as text, which its driver parses;
 *    both drivers give doubles, compared by value.
 *
 * The two bugs it found are fixed and every case is compared: pattern
 * operators on date columns (PostgreSQL matches the stored text form:
 * dialect pattern_text) and an OFFSET without a LIMIT (LIMIT ALL). The
 * PostgreSQL tables are ANALYZEd after loading, as autovacuum
 * would soon do; without statistics a few of the deepest filters run for
 * seconds there (the same answers).
 *
 * A difference prints the seed, the case, the filter JSON, the sort, the
 * SQL in each dialect and both answers. Needs RT_PG_URL (the PostgreSQL
 * run: scripts/with-postgres.sh): without it the suite fails, it does not
 * skip. Each test makes its seed's database anew; the test case drops them
 * all when it ends, also after a failure. */
#include <check.h>
#include <inttypes.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/sb.h"
#include "orm/loading.h"
#include "tests/suites.h"
#include "tests/support/backend.h"
#include "tests/support/filter_gen.h"
#include "tests/support/suite.h"

#define FILTERS_PER_SEED 250
#define SORTS_PER_SEED 40
#define MAX_REPORTS 3 /* detailed reports per seed and kind */

static const uint64_t SEEDS[] = {0x243f6a8885a308d3ull, 0x13198a2e03707344ull, 0xa4093822299f31d0ull,
                                 0x082efa98ec4e6c89ull};
#define NSEEDS ((int)(sizeof SEEDS / sizeof SEEDS[0]))

/* ---- the PostgreSQL databases: one per seed ----------------------------------------------------- */

static char DBNAME[NSEEDS][64];

static const char *server_url(void)
{
    const char *url = getenv("RT_PG_URL");
    ck_assert_msg(url && *url, "RT_PG_URL is not set: the cross-backend suite runs in the PostgreSQL run "
                               "(make test-postgresql, scripts/with-postgres.sh)");
    return url;
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* "database ... does not exist, skipping" */
}

/* Run "before NAME after" on the server URL's own database. */
static void on_server(const char *before, const char *name, const char *after)
{
    PGconn *c = PQconnectdb(server_url());
    if (PQstatus(c) != CONNECTION_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", PQerrorMessage(c));
        PQfinish(c);
        ck_abort_msg("postgresql: connecting to %s: %s", server_url(), why);
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    char *ident = PQescapeIdentifier(c, name, strlen(name));
    ck_assert_ptr_nonnull(ident);
    rm_sb sql;
    rm_sb_init(&sql, NULL);
    rm_sb_appendf(&sql, "%s%s%s", before, ident, after);
    PQfreemem(ident);
    PGresult *r = PQexec(c, sql.buf);
    char why[512] = "";
    if (PQresultStatus(r) != PGRES_COMMAND_OK) snprintf(why, sizeof why, "%s", PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
    ck_assert_msg(!why[0], "postgresql: %s: %s", sql.buf, why);
    rm_sb_free(&sql);
}

/* The names (this process's id: the tests run in children of it). */
static void start(void)
{
    server_url();
    for (int i = 0; i < NSEEDS; i++) snprintf(DBNAME[i], sizeof DBNAME[i], "rt_xb_%ld_%d", (long)getpid(), i);
}

/* After the last test, whatever happened to them. */
static void stop(void)
{
    for (int i = 0; i < NSEEDS; i++)
        if (DBNAME[i][0]) on_server("DROP DATABASE IF EXISTS ", DBNAME[i], " WITH (FORCE)");
}

static int run_analyze(orm_session *s, void *ud)
{
    (void)ud;
    return orm_engine_driver(s->engine)->exec(s->conn, "ANALYZE", s->err);
}

/* Statistics for the planner, as autovacuum would gather them in time:
 * without them PostgreSQL plans the deepest relationship filters for
 * tables far larger than these and runs some for seconds (the answers
 * are the same either way). */
static void analyze(fg_world *P)
{
    rm_arena *a = rm_arena_new();
    orm_error err;
    orm_error_init(&err, a);
    orm_session s;
    orm_session_init(&s, P->engine, P->schema, a, &err);
    int rc = orm_session_run(&s, true, run_analyze, NULL);
    ck_assert_msg(rc == 0, "ANALYZE: %s (%s)", err.detail, err.internal);
    rm_arena_destroy(a);
}

/* The world of seed number i on each backend: the same rows in both, the
 * PostgreSQL ones in a new database. Made in the C collation and character
 * type: text compares and sorts by bytes as in SQLite (BINARY), and ILIKE
 * folds ASCII letters only, as SQLite's lower() does (see the top of the
 * file); template0 is the template that may take another locale. */
static void open_worlds(fg_world *S, fg_world *P, int i)
{
    ck_assert_msg(DBNAME[i][0], "no database name for seed %d", i);
    on_server("DROP DATABASE IF EXISTS ", DBNAME[i], " WITH (FORCE)");
    on_server("CREATE DATABASE ", DBNAME[i], " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'");
    char url[1024];
    ck_assert(rt_pg_database_url(DBNAME[i], url, sizeof url));
    fg_world_init(S, SEEDS[i], "sqlite://:memory:");
    fg_world_init(P, SEEDS[i], url);
    analyze(P);
}

/* ---- answers as text: every value in its storage form ------------------------------------------ */

/* A value, its kind visible: 3 (integer), 3.0 (float), 'x' (text), NULL. */
static void put_value(rm_sb *b, const orm_value *v)
{
    switch (v->kind) {
    case ORM_V_NULL: rm_sb_append(b, "NULL"); return;
    case ORM_V_INT: rm_sb_appendf(b, "%" PRId64, v->u.i); return;
    case ORM_V_FLOAT: {
        char num[48];
        snprintf(num, sizeof num, "%.17g", v->u.f == 0 ? 0.0 : v->u.f); /* -0.0 == 0.0 */
        rm_sb_append(b, num);
        if (!strpbrk(num, ".eni")) rm_sb_append(b, ".0");
        return;
    }
    case ORM_V_TEXT:
        rm_sb_appendc(b, '\'');
        for (size_t i = 0; i < v->u.s.n; i++) {
            unsigned char c = (unsigned char)v->u.s.p[i];
            if (c == '\'' || c == '\\') rm_sb_appendf(b, "\\%c", c);
            else if (c < 0x20 || c == 0x7f) rm_sb_appendf(b, "\\x%02x", c);
            else rm_sb_appendc(b, (char)c);
        }
        rm_sb_appendc(b, '\'');
        return;
    }
}

/* A row of table t: each column as name=value, then the result's extra
 * columns (sort keys through joins) as +name=value. */
static void put_row(rm_sb *b, const orm_table *t, const orm_value *row, const orm_result *res)
{
    for (size_t c = 0; c < t->ncolumns; c++) {
        rm_sb_appendf(b, "%s%s=", c ? " " : "", t->columns[c].name);
        put_value(b, &row[c]);
    }
    for (size_t c = t->ncolumns; res && c < res->ncols; c++) {
        rm_sb_appendf(b, " +%s=", res->columns && res->columns[c] ? res->columns[c]->name : "?");
        put_value(b, &row[c]);
    }
}

/* What one backend answered: rows one per line (the ids also apart), or
 * the error. */
typedef struct answer {
    int rc;
    rm_sb text;
    int64_t *ids;
    size_t nids;
} answer;

static void answer_error(answer *x, int rc, const orm_error *err)
{
    x->rc = rc;
    rm_sb_appendf(&x->text, "error %d: %s (%s)\n", rc, err->detail, err->internal);
}

static void answer_rows(answer *x, const fg_world *W, int e, rm_arena *a, const fg_qrun *r)
{
    const orm_table *t = W->ents[e].m->table;
    x->ids = RM_NEW_ARRAY(a, int64_t, r->res.nrows + 1);
    x->nids = r->res.nrows;
    if (r->want_count) rm_sb_appendf(&x->text, "count %" PRId64 "\n", r->count);
    for (size_t i = 0; i < r->res.nrows; i++) {
        x->ids[i] = fg_result_id(W, e, &r->res, i);
        put_row(&x->text, t, orm_result_row(&r->res, i), &r->res);
        rm_sb_appendc(&x->text, '\n');
    }
}

/* Run q on W into x (rows, or the error), and count when asked; *run
 * (may be NULL) keeps the result for cursors. Returns the unit's code. */
static int ask(const fg_world *W, int e, rm_arena *a, orm_query *q, bool count, answer *x, fg_qrun *run)
{
    fg_qrun local, *r = run ? run : &local;
    *r = (fg_qrun){.want_count = count};
    rm_sb_init(&x->text, a);
    x->rc = 0;
    x->ids = NULL;
    x->nids = 0;
    orm_error err;
    orm_error_init(&err, a);
    int rc = fg_run_query(W, a, q, r, &err);
    if (rc) answer_error(x, rc, &err);
    else answer_rows(x, W, e, a, r);
    return rc;
}

static bool same(const answer *x, const answer *y)
{
    return !x->rc && !y->rc && x->text.len == y->text.len && !memcmp(x->text.buf, y->text.buf, x->text.len);
}

/* The line of text starting at line number k (0-based), its length in *n. */
static const char *line_at(const rm_sb *text, size_t k, size_t *n)
{
    const char *p = text->buf, *end = text->buf + text->len;
    for (; k && p < end; k--) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    *n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    return p;
}

/* Both answers: their ids, then the first lines on which they differ. */
static void print_answers(const answer *s, const answer *p)
{
    const answer *both[2] = {s, p};
    static const char *const names[2] = {"sqlite", "postgresql"};
    for (int k = 0; k < 2; k++) {
        if (both[k]->rc) {
            size_t n;
            const char *l = line_at(&both[k]->text, 0, &n);
            fprintf(stderr, "  %s: %.*s\n", names[k], (int)n, l);
        } else {
            char label[64];
            snprintf(label, sizeof label, "%s ids", names[k]);
            fg_print_seq(label, both[k]->ids, both[k]->nids);
        }
    }
    int shown = 0;
    for (size_t k = 0; shown < 3; k++) {
        size_t ns, np;
        const char *ls = line_at(&s->text, k, &ns), *lp = line_at(&p->text, k, &np);
        if (!ns && !np) break;
        if (ns == np && !memcmp(ls, lp, ns)) continue;
        fprintf(stderr, "  line %zu:\n    sqlite:     %.*s\n    postgresql: %.*s\n", k + 1, (int)ns, ls, (int)np, lp);
        shown++;
    }
}

/* ---- one case on both backends ------------------------------------------------------------------- */

typedef struct xcase {
    uint64_t seed;
    const char *kind;     /* "filter" or "sort" */
    int no, e;
    const char *spec;     /* sort, or NULL */
    const json_t *filter; /* or NULL */
    bool report;
    int failures;
} xcase;

/* A query on entity e of W with the case's filter and sort; false (and a
 * failure noted) when either is rejected. */
static bool build(xcase *c, const fg_world *W, rm_arena *a, orm_query *q)
{
    const orm_mapper *m = W->ents[c->e].m;
    orm_error err;
    orm_error_init(&err, a);
    orm_query_init(q, m, NULL);
    if ((c->filter && orm_filter_parse(a, m, c->filter, 0, &q->aliases, "/filter", &q->where, &err)) ||
        (c->spec && orm_query_order_by(q, a, c->spec, &q->aliases, "/query/sort", &err))) {
        char *ft = c->filter ? fg_dump(c->filter) : NULL;
        fprintf(stderr, "cross_backend: seed %#" PRIx64 " %s #%d on %s: filter %s sort %s rejected: %s\n", c->seed,
                c->kind, c->no, W->ents[c->e].entity, ft ? ft : "-", c->spec ? c->spec : "-",
                err.nfields ? err.fields[0].message : err.detail);
        free(ft);
        c->failures++;
        return false;
    }
    return true;
}

/* Note a difference between the answers (what: the step of the case). */
static void differ(xcase *c, const fg_world *S, const fg_world *P, rm_arena *a, const orm_query *qs,
                   const orm_query *qp, const char *what, const answer *s, const answer *p)
{
    c->failures++;
    if (!c->report) return;
    c->report = false; /* one report per case */
    char *ft = c->filter ? fg_dump(c->filter) : NULL;
    fprintf(stderr, "cross_backend: seed %#" PRIx64 " %s #%d on %s: %s: SQLite and PostgreSQL disagree\n"
                    "  filter: %s\n  sort: %s\n", c->seed, c->kind, c->no, S->ents[c->e].entity, what,
            ft ? ft : "-", c->spec ? c->spec : "-");
    free(ft);
    fprintf(stderr, "  on sqlite:\n");
    fg_print_sql(S, a, qs);
    fprintf(stderr, "  on postgresql:\n");
    fg_print_sql(P, a, qp);
    print_answers(s, p);
}

/* ---- filters ------------------------------------------------------------------------------------- */

static void check_filter(xcase *c, const fg_world *S, const fg_world *P)
{
    rm_arena *a = rm_arena_new();
    orm_query qs, qp;
    if (build(c, S, a, &qs) && build(c, P, a, &qp)) {
        answer s, p;
        ask(S, c->e, a, &qs, true, &s, NULL);
        ask(P, c->e, a, &qp, true, &p, NULL);
        if (!same(&s, &p)) differ(c, S, P, a, &qs, &qp, "rows", &s, &p);
    }
    rm_arena_destroy(a);
}

START_TEST(filters_agree)
{
    fg_world S, P;
    open_worlds(&S, &P, _i);
    /* first the whole tables: the same rows went into both */
    xcase c = {.seed = SEEDS[_i], .kind = "whole table"};
    for (int e = 0; e < FG_NENT; e++) {
        c.e = c.no = e;
        c.report = true;
        check_filter(&c, &S, &P);
    }
    ck_assert_msg(c.failures == 0, "seed %#" PRIx64 ": the tables differ after the same inserts", c.seed);
    c.kind = "filter";
    int reports = 0;
    for (int i = 0; i < FILTERS_PER_SEED; i++) {
        fg_prng g;
        fg_seed(&g, c.seed ^ fg_splitmix((uint64_t)i + 1));
        json_t *f = fg_gen_filter_case(&S, &g, &c.e);
        int before = c.failures;
        c.no = i;
        c.filter = f;
        c.report = reports < MAX_REPORTS;
        check_filter(&c, &S, &P);
        reports += c.failures > before;
        json_decref(f);
    }
    fg_world_free(&S);
    fg_world_free(&P);
    ck_assert_msg(c.failures == 0, "seed %#" PRIx64 ": %d of %d filters answered differently", c.seed,
                  c.failures, FILTERS_PER_SEED);
}
END_TEST

/* ---- sort cases ---------------------------------------------------------------------------------- */

/* The cursor after row i of an answer: its effective-order values as text
 * (to compare) and as values (for orm_query_after). */
static orm_value *cursor_of(const orm_query *q, rm_arena *a, const fg_qrun *r, size_t i, rm_sb *text)
{
    size_t nkeys;
    orm_query_effective_order(q, a, &nkeys);
    const orm_value *row = orm_result_row(&r->res, i);
    orm_value *out = RM_NEW_ARRAY(a, orm_value, nkeys);
    orm_query_sort_values(q, a, row, row + q->mapper->table->ncolumns, out);
    for (size_t k = 0; k < nkeys; k++) {
        if (k) rm_sb_appendc(text, ',');
        put_value(text, &out[k]);
    }
    return out;
}

/* The keyset walk: pages of random sizes on both, each backend after the
 * last row of its own previous page; the pages and the cursors must agree. */
static void walk(xcase *c, const fg_world *S, const fg_world *P, rm_arena *a, orm_query *qs, orm_query *qp,
                 fg_prng *g, size_t total)
{
    orm_value *after_s = NULL, *after_p = NULL;
    for (size_t pages = 0; pages <= total + 1; pages++) {
        int size = fg_range(g, 1, 12);
        qs->limit = qp->limit = size;
        qs->after = qp->after = NULL;
        if (after_s) orm_query_after(qs, a, after_s);
        if (after_p) orm_query_after(qp, a, after_p);
        answer s, p;
        fg_qrun rs, rp;
        ask(S, c->e, a, qs, false, &s, &rs);
        ask(P, c->e, a, qp, false, &p, &rp);
        if (!same(&s, &p)) {
            char what[64];
            snprintf(what, sizeof what, "keyset page %zu (size %d)", pages + 1, size);
            differ(c, S, P, a, qs, qp, what, &s, &p);
            break;
        }
        if (rs.res.nrows < (size_t)size) break;
        rm_sb cs, cp;
        rm_sb_init(&cs, a);
        rm_sb_init(&cp, a);
        after_s = cursor_of(qs, a, &rs, rs.res.nrows - 1, &cs);
        after_p = cursor_of(qp, a, &rp, rp.res.nrows - 1, &cp);
        if (strcmp(cs.buf, cp.buf)) {
            answer xs = {.text = cs}, xp = {.text = cp};
            char what[64];
            snprintf(what, sizeof what, "the cursor after keyset page %zu", pages + 1);
            differ(c, S, P, a, qs, qp, what, &xs, &xp);
            break;
        }
    }
    qs->limit = qp->limit = -1;
    qs->after = qp->after = NULL;
}

/* ---- loading with include trees ---- */

/* A random include tree on entity e's relationships (depth <= 2), joined
 * or selectin per node; NULL when none was drawn. */
static orm_include *gen_include(const fg_world *W, fg_prng *g, rm_arena *a, int e, int depth, size_t *n)
{
    orm_include *inc = RM_NEW_ARRAY(a, orm_include, FG_NREL);
    *n = 0;
    for (int r = 0; r < FG_NREL; r++) {
        if (W->rels[r].from != e || !fg_chance(g, depth ? 35 : 60)) continue;
        orm_include *node = &inc[(*n)++];
        node->rel = orm_mapper_relationship(W->ents[e].m, W->rels[r].name);
        ck_assert_ptr_nonnull(node->rel);
        node->strategy = fg_chance(g, 50) ? ORM_LAZY_JOINED : ORM_LAZY_SELECTIN;
        if (depth < 1) node->children = gen_include(W, g, a, W->rels[r].to, depth + 1, &node->nchildren);
    }
    return inc;
}

/* The same tree over mapper m of another schema (relationships by name). */
static orm_include *same_include(const orm_mapper *m, rm_arena *a, const orm_include *inc, size_t n)
{
    orm_include *out = RM_NEW_ARRAY(a, orm_include, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        out[i] = inc[i];
        out[i].rel = orm_mapper_relationship(m, inc[i].rel->name);
        ck_assert_ptr_nonnull(out[i].rel);
        out[i].children = same_include(out[i].rel->target, a, inc[i].children, inc[i].nchildren);
    }
    return out;
}

static void put_include_spec(rm_sb *b, const orm_include *inc, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rm_sb_appendf(b, "%s%s%s", i ? "," : "", inc[i].rel->name, inc[i].strategy == ORM_LAZY_JOINED ? "[j]" : "[s]");
        if (inc[i].nchildren) {
            rm_sb_appendc(b, '(');
            put_include_spec(b, inc[i].children, inc[i].nchildren);
            rm_sb_appendc(b, ')');
        }
    }
}

/* An instance with every column on a line, indented by depth, then for
 * each relationship of the tree a line "rel: n" (or "rel: not loaded")
 * and its items one level further in: the first line on which two graphs
 * differ shows where they do. */
static void put_graph(rm_sb *b, const orm_instance *inst, const orm_include *inc, size_t n, int depth)
{
    rm_sb_appendf(b, "%*s%s ", 4 * depth, "", inst->mapper->name);
    put_row(b, inst->mapper->table, inst->row, NULL);
    rm_sb_appendc(b, '\n');
    for (size_t i = 0; i < n; i++) {
        const orm_related *slot = orm_instance_related(inst, inc[i].rel);
        rm_sb_appendf(b, "%*s%s: ", 4 * depth + 2, "", inc[i].rel->name);
        if (slot) rm_sb_appendf(b, "%zu\n", slot->n);
        else rm_sb_append(b, "not loaded\n");
        for (size_t k = 0; slot && k < slot->n; k++)
            put_graph(b, slot->items[k], inc[i].children, inc[i].nchildren, depth + 1);
    }
}

typedef struct page_load {
    const orm_query *q;
    size_t keep;
    const orm_include *inc;
    size_t ninc;
    orm_loaded out;
} page_load;

static int load_unit(orm_session *s, void *ud)
{
    page_load *l = ud;
    return orm_load_page(s, l->q, l->keep, l->inc, l->ninc, &l->out);
}

/* orm_load_page on W into x: the object graph of each row, then whether
 * there is more. */
static void ask_load(const fg_world *W, int e, rm_arena *a, page_load *l, answer *x)
{
    rm_sb_init(&x->text, a);
    x->rc = 0;
    orm_error err;
    orm_error_init(&err, a);
    orm_session s;
    orm_session_init(&s, W->engine, W->schema, a, &err);
    int rc = orm_session_run(&s, false, load_unit, l);
    if (rc) {
        answer_error(x, rc, &err);
        return;
    }
    x->ids = RM_NEW_ARRAY(a, int64_t, l->out.n + 1);
    x->nids = l->out.n;
    for (size_t i = 0; i < l->out.n; i++) {
        const orm_value *id = &l->out.items[i]->row[W->ents[e].cols[W->ents[e].id].idx];
        x->ids[i] = id->kind == ORM_V_INT ? id->u.i : -1;
        put_graph(&x->text, l->out.items[i], l->inc, l->ninc, 0);
    }
    rm_sb_appendf(&x->text, "more: %s\n", l->out.more ? "yes" : "no");
}

/* A page of keep rows (after the cursor of row `from` of the full answers
 * when from >= 0) loaded with a random include tree on both. */
static void load_page(xcase *c, const fg_world *S, const fg_world *P, rm_arena *a, orm_query *qs, orm_query *qp,
                      fg_prng *g, const fg_qrun *fs, const fg_qrun *fp)
{
    size_t ninc;
    const orm_include *inc = gen_include(S, g, a, c->e, 0, &ninc);
    const orm_include *incp = same_include(P->ents[c->e].m, a, inc, ninc);
    size_t keep = (size_t)fg_range(g, 1, 15);
    long from = fs->res.nrows && fg_chance(g, 50) ? fg_range(g, 0, (int)fs->res.nrows - 1) : -1;
    qs->limit = qp->limit = (int64_t)keep + 1; /* as routes/list.c: one more tells whether there is more */
    if (from >= 0) {
        rm_sb ts, tp;
        rm_sb_init(&ts, a);
        rm_sb_init(&tp, a);
        orm_query_after(qs, a, cursor_of(qs, a, fs, (size_t)from, &ts));
        orm_query_after(qp, a, cursor_of(qp, a, fp, (size_t)from, &tp));
    }
    page_load ls = {.q = qs, .keep = keep, .inc = inc, .ninc = ninc},
              lp = {.q = qp, .keep = keep, .inc = incp, .ninc = ninc};
    answer s, p;
    ask_load(S, c->e, a, &ls, &s);
    ask_load(P, c->e, a, &lp, &p);
    if (!same(&s, &p)) {
        rm_sb what;
        rm_sb_init(&what, a);
        if (from >= 0) rm_sb_appendf(&what, "orm_load_page keep %zu after row %ld, include ", keep, from + 1);
        else rm_sb_appendf(&what, "orm_load_page keep %zu from the start, include ", keep);
        put_include_spec(&what, inc, ninc);
        differ(c, S, P, a, qs, qp, what.buf, &s, &p);
    }
    qs->limit = qp->limit = -1;
    qs->after = qp->after = NULL;
}

static void check_sort(xcase *c, const fg_world *S, const fg_world *P, fg_prng *g)
{
    fg_sort_case sc;
    fg_gen_sort(S, g, &sc);
    c->e = sc.e;
    c->spec = sc.spec;
    c->filter = sc.filter;
    rm_arena *a = rm_arena_new();
    orm_query qs, qp;
    if (!build(c, S, a, &qs) || !build(c, P, a, &qp)) goto out;

    /* 1. the whole order */
    answer s, p;
    fg_qrun fs, fp;
    int rs = ask(S, c->e, a, &qs, false, &s, &fs), rp = ask(P, c->e, a, &qp, false, &p, &fp);
    if (!same(&s, &p)) {
        differ(c, S, P, a, &qs, &qp, "the whole order", &s, &p);
        if (rs || rp || fs.res.nrows != fp.res.nrows) goto out; /* nothing to page through alike */
    }
    size_t n = fs.res.nrows;

    /* 2. a LIMIT/OFFSET slice */
    qs.offset = qp.offset = fg_range(g, 0, (int)n + 2);
    qs.limit = qp.limit = fg_chance(g, 20) ? -1 : fg_range(g, 0, (int)n + 1);
    char what[96];
    snprintf(what, sizeof what, "limit %" PRId64 " offset %" PRId64, qs.limit, qs.offset);
    ask(S, c->e, a, &qs, false, &s, NULL);
    ask(P, c->e, a, &qp, false, &p, NULL);
    if (!same(&s, &p)) differ(c, S, P, a, &qs, &qp, what, &s, &p);
    qs.offset = qp.offset = 0;
    qs.limit = qp.limit = -1;

    /* 3. keyset paging, 4. a page loaded with includes */
    walk(c, S, P, a, &qs, &qp, g, n);
    load_page(c, S, P, a, &qs, &qp, g, &fs, &fp);
out:
    json_decref(sc.filter);
    c->filter = NULL;
    c->spec = NULL;
    rm_arena_destroy(a);
}

START_TEST(sorts_and_pages_agree)
{
    fg_world S, P;
    open_worlds(&S, &P, _i);
    xcase c = {.seed = SEEDS[_i], .kind = "sort"};
    int reports = 0;
    for (int i = 0; i < SORTS_PER_SEED; i++) {
        fg_prng g;
        fg_seed(&g, ~c.seed ^ fg_splitmix((uint64_t)i + 1));
        int before = c.failures;
        c.no = i;
        c.report = reports < MAX_REPORTS;
        check_sort(&c, &S, &P, &g);
        reports += c.failures > before;
    }
    fg_world_free(&S);
    fg_world_free(&P);
    ck_assert_msg(c.failures == 0, "seed %#" PRIx64 ": %d differences in %d sort cases", c.seed, c.failures,
                  SORTS_PER_SEED);
}
END_TEST

Suite *cross_backend_suite(void)
{
    Suite *s = suite_create("orm/cross_backend");
    /* ASan builds are many times slower */
    TCase *tc = ts_tcase(s, "cross_backend", start, stop, 240);
    tcase_add_loop_test(tc, filters_agree, 0, NSEEDS);
    tcase_add_loop_test(tc, sorts_and_pages_agree, 0, NSEEDS);
    return s;
}
