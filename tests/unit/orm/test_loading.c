/* test_loading.c: orm/loading.h on the shared kinds schema and rows. Each
 * include tree is loaded four ways (every node selectin, every node joined,
 * and the two mixes of joined and selectin levels) and must give the same
 * object graph, written out as text and compared with the expected one:
 * one-to-many with its order_by, many-to-one (NULL keys included),
 * many-to-many both ways, a self-referential tree three levels deep, and
 * single-table inheritance targets with a custom join "where". The
 * statement count is 1 + the selectin nodes, whatever the number of parents;
 * every parent gets its (maybe empty) collection; an object reached twice is
 * one instance; a page keeps whole parents; orm_load_related loads on
 * instances already there; sort keys through joins land in `extra`. */
#include <check.h>
#include <string.h>

#include "orm/compile_cache.h"
#include "orm/loading.h"
#include "tests/suites.h"
#include "tests/support/ormdb.h"
#include "tests/support/suite.h"

static tdb DB;

static void setup(void) { tdb_open_files(&DB, TDB_KINDS_SCHEMA, TDB_KINDS_SEED, NULL, NULL); }
static void teardown(void) { tdb_close(&DB); }

/* inst as "Mapper#id{rel:[...],...}" following the include tree; a
 * relationship that was not loaded shows as "rel:?". */
static void write_graph(rm_sb *sb, const orm_instance *inst, const orm_include *inc, size_t n)
{
    rm_sb_appendf(sb, "%s#%lld", inst->mapper->name, (long long)inst->row[inst->mapper->table->pk[0]->index].u.i);
    if (!n) return;
    rm_sb_appendc(sb, '{');
    for (size_t i = 0; i < n; i++) {
        const orm_related *slot = orm_instance_related(inst, inc[i].rel);
        rm_sb_appendf(sb, "%s%s:", i ? "," : "", inc[i].rel->name);
        if (!slot) {
            rm_sb_appendc(sb, '?');
            continue;
        }
        rm_sb_appendc(sb, '[');
        for (size_t k = 0; k < slot->n; k++) {
            if (k) rm_sb_appendc(sb, ',');
            write_graph(sb, slot->items[k], inc[i].children, inc[i].nchildren);
        }
        rm_sb_appendc(sb, ']');
    }
    rm_sb_appendc(sb, '}');
}

/* One load: the query, its include tree, and what it produced. */
typedef struct load load;
struct load {
    orm_query q;
    size_t keep;               /* orm_load_page's keep; 0: orm_load_query */
    orm_include *inc;
    size_t ninc;
    orm_identity_map map;      /* the session's, after the load */
    orm_loaded out;
    bool last;                 /* declare the load the unit's last work (orm_session_last) */
};

static int run_load(orm_session *s, void *ud)
{
    load *l = ud;
    if (l->last) orm_session_last(s, true);
    int rc = l->keep ? orm_load_page(s, &l->q, l->keep, l->inc, l->ninc, &l->out)
                     : orm_load_query(s, &l->q, l->inc, l->ninc, &l->out);
    l->map = s->map;
    return rc;
}

/* The graph of every top-level row, one per line. */
static const char *graph_text(const load *l)
{
    rm_sb sb;
    rm_sb_init(&sb, DB.arena);
    for (size_t i = 0; i < l->out.n; i++) {
        write_graph(&sb, l->out.items[i], l->inc, l->ninc);
        rm_sb_appendc(&sb, '\n');
    }
    return sb.buf;
}

/* Load entity's rows (where id <= max_id when max_id > 0) with the tree
 * spec in mode; *statements (may be NULL) gets the statements it ran,
 * *selectin the selectin nodes. */
static const char *load_graph(load *l, const char *entity, int64_t max_id, const char *spec, int mode,
                              unsigned *statements, int *selectin)
{
    const orm_mapper *m = tdb_mapper(&DB, entity);
    memset(l, 0, sizeof *l);
    orm_query_init(&l->q, m, NULL);
    if (max_id > 0)
        l->q.where = orm_expr_binary(DB.arena, ORM_OP_LE, orm_expr_column(DB.arena, 0, m->table->pk[0]),
                                     orm_expr_param(DB.arena, orm_int(max_id), NULL));
    int nsel;
    l->inc = tdb_include(&DB, m, spec, mode, &l->ninc, &nsel);
    orm_session s;
    int rc = tdb_unit(&DB, false, run_load, l, &s);
    ck_assert_msg(rc == 0, "%s", DB.err.detail);
    if (statements) *statements = s.statements;
    if (selectin) *selectin = nsel;
    return graph_text(l);
}

/* exact: the tree reaches no object at two levels, so every selectin node
 * runs its statement (otherwise one whose parents are all loaded runs none). */
static const struct graph_case {
    const char *entity, *spec, *graph;
    bool exact;
} GRAPHS[] = {
    {"Author", "books(tags)",
     "Author#1{books:[Book#2{tags:[Tag#2]},Book#5{tags:[Tag#2]},Book#1{tags:[Tag#2,Tag#1]}]}\n"
     "Author#2{books:[Book#3{tags:[Tag#3,Tag#1]}]}\n"
     "Author#3{books:[]}\n"
     "Author#4{books:[]}\n", true},
    {"Book", "author(publisher),tags(books)",
     "Book#1{author:[Author#1{publisher:[Publisher#1]}],tags:[Tag#2{books:[Book#1,Book#2,Book#5]},"
     "Tag#1{books:[Book#1,Book#3]}]}\n"
     "Book#2{author:[Author#1{publisher:[Publisher#1]}],tags:[Tag#2{books:[Book#1,Book#2,Book#5]}]}\n"
     "Book#3{author:[Author#2{publisher:[Publisher#2]}],tags:[Tag#3{books:[Book#3]},Tag#1{books:[Book#1,Book#3]}]}\n"
     "Book#4{author:[],tags:[]}\n"
     "Book#5{author:[Author#1{publisher:[Publisher#1]}],tags:[Tag#2{books:[Book#1,Book#2,Book#5]}]}\n", true},
    {"Publisher", "authors(books(author))",
     "Publisher#1{authors:[Author#1{books:[Book#2{author:[Author#1]},Book#5{author:[Author#1]},"
     "Book#1{author:[Author#1]}]},Author#4{books:[]}]}\n"
     "Publisher#2{authors:[Author#2{books:[Book#3{author:[Author#2]}]}]}\n", true},
    {"Cat", "kids(kids(kids)),mother",
     "Cat#1{kids:[Cat#3{kids:[]},Cat#2{kids:[Cat#4{kids:[Cat#5]}]},Cat#7{kids:[]}],mother:[]}\n"
     "Cat#2{kids:[Cat#4{kids:[Cat#5{kids:[]}]}],mother:[Cat#1]}\n"
     "Cat#3{kids:[],mother:[Cat#1]}\n"
     "Cat#4{kids:[Cat#5{kids:[]}],mother:[Cat#2]}\n"
     "Cat#5{kids:[],mother:[Cat#4]}\n"
     "Cat#6{kids:[],mother:[]}\n"
     "Cat#7{kids:[],mother:[Cat#1]}\n", false},
    {"Cat", "mother(mother(mother))",
     "Cat#1{mother:[]}\n"
     "Cat#2{mother:[Cat#1{mother:[]}]}\n"
     "Cat#3{mother:[Cat#1{mother:[]}]}\n"
     "Cat#4{mother:[Cat#2{mother:[Cat#1{mother:[]}]}]}\n"
     "Cat#5{mother:[Cat#4{mother:[Cat#2{mother:[Cat#1]}]}]}\n"
     "Cat#6{mother:[]}\n"
     "Cat#7{mother:[Cat#1{mother:[]}]}\n", false},
    {"Company", "employees(company)",
     "Company#1{employees:[Employee#1{company:[Company#1]},Manager#2{company:[Company#1]},"
     "Engineer#3{company:[Company#1]}]}\n"
     "Company#2{employees:[Employee#4{company:[Company#2]},Engineer#5{company:[Company#2]},"
     "Engineer#6{company:[Company#2]}]}\n"
     "Company#3{employees:[]}\n", true},
    /* an engineer reached through two joined relationships still loads
     * the first one's children (it used to be collected by one only) */
    {"Company", "employees(company),engineers",
     "Company#1{employees:[Employee#1{company:[Company#1]},Manager#2{company:[Company#1]},"
     "Engineer#3{company:[Company#1]}],engineers:[Engineer#3]}\n"
     "Company#2{employees:[Employee#4{company:[Company#2]},Engineer#5{company:[Company#2]},"
     "Engineer#6{company:[Company#2]}],engineers:[Engineer#5,Engineer#6]}\n"
     "Company#3{employees:[],engineers:[]}\n", true},
    {"Company", "engineers,senior_engineers",
     "Company#1{engineers:[Engineer#3],senior_engineers:[Engineer#3]}\n"
     "Company#2{engineers:[Engineer#5,Engineer#6],senior_engineers:[Engineer#6]}\n"
     "Company#3{engineers:[],senior_engineers:[]}\n", true},
};

/* Every tree, every mode: the same graph, and 1 + (selectin nodes) statements
 * (at most that many when the tree meets an object twice). */
START_TEST(joined_and_selectin_give_the_same_graphs)
{
    const struct graph_case *g = &GRAPHS[_i];
    for (int mode = 0; mode < TDB_NMODES; mode++) {
        load l;
        unsigned statements;
        int selectin;
        const char *got = load_graph(&l, g->entity, 0, g->spec, mode, &statements, &selectin);
        ck_assert_msg(strcmp(got, g->graph) == 0, "%s %s, mode %d:\n%s\nwanted:\n%s", g->entity, g->spec, mode,
                      got, g->graph);
        unsigned budget = 1u + (unsigned)selectin;
        ck_assert_msg(g->exact ? statements == budget : statements <= budget,
                      "%s %s, mode %d: %u statements for %d selectin nodes", g->entity, g->spec, mode, statements,
                      selectin);
    }
}
END_TEST

START_TEST(statement_count_does_not_grow_with_parents)
{
    for (int mode = 0; mode < TDB_NMODES; mode++) {
        load one, all;
        unsigned n_one, n_all;
        int selectin;
        load_graph(&one, "Book", 1, "author(publisher),tags(books)", mode, &n_one, &selectin);
        load_graph(&all, "Book", 0, "author(publisher),tags(books)", mode, &n_all, NULL);
        ck_assert_uint_eq(one.out.n, 1);
        ck_assert_uint_eq(all.out.n, 5);
        ck_assert_uint_eq(n_one, 1u + (unsigned)selectin);
        ck_assert_uint_eq(n_all, n_one);
    }
}
END_TEST

START_TEST(an_object_reached_twice_is_one_instance)
{
    for (int mode = 0; mode < TDB_NMODES; mode++) {
        load l;
        load_graph(&l, "Author", 1, "books(author,tags(books))", mode, NULL, NULL);
        ck_assert_uint_eq(l.out.n, 1);
        orm_instance *ann = l.out.items[0];
        const orm_related *books = orm_instance_related(ann, tdb_rel(&DB, "Author", "books"));
        ck_assert_uint_eq(books->n, 3);
        for (size_t i = 0; i < books->n; i++) {
            const orm_related *back = orm_instance_related(books->items[i], tdb_rel(&DB, "Book", "author"));
            ck_assert_uint_eq(back->n, 1);
            ck_assert_ptr_eq(back->items[0], ann);
        }
        /* book 1 is reached as Ann's book and as a member of its tags' books */
        orm_value pk = orm_int(1);
        orm_instance *b1 = orm_identity_map_get(&l.map, tdb_mapper(&DB, "Book")->table, &pk);
        ck_assert_ptr_eq(b1, books->items[2]);
        const orm_related *tags = orm_instance_related(b1, tdb_rel(&DB, "Book", "tags"));
        for (size_t t = 0; t < tags->n; t++) {
            const orm_related *tb = orm_instance_related(tags->items[t], tdb_rel(&DB, "Tag", "books"));
            ck_assert_ptr_eq(tb->items[0], b1); /* both tags list book 1 first */
        }
    }
}
END_TEST

START_TEST(a_page_keeps_whole_parents)
{
    for (int mode = 0; mode < TDB_NMODES; mode++) {
        load l = {.keep = 2};
        orm_query_init(&l.q, tdb_mapper(&DB, "Author"), NULL);
        l.q.limit = 3;  /* keep + 1, as a page asks */
        l.inc = tdb_include(&DB, l.q.mapper, "books(tags)", mode, &l.ninc, NULL);
        ck_assert_int_eq(tdb_unit(&DB, false, run_load, &l, NULL), 0);
        ck_assert(l.out.more);
        /* LIMIT counts authors, not joined book rows: Ann keeps her three books */
        ck_assert_str_eq(graph_text(&l), "Author#1{books:[Book#2{tags:[Tag#2]},Book#5{tags:[Tag#2]},"
                                         "Book#1{tags:[Tag#2,Tag#1]}]}\n"
                                         "Author#2{books:[Book#3{tags:[Tag#3,Tag#1]}]}\n");
        l.q.limit = 4;
        l.keep = 4;
        ck_assert_int_eq(tdb_unit(&DB, false, run_load, &l, NULL), 0);
        ck_assert(!l.out.more);
        ck_assert_uint_eq(l.out.n, 4);
    }
}
END_TEST

/* In one unit: the authors alone, then the tree on them. */
typedef struct related {
    load l;
    orm_include *inc;
    size_t ninc;
    unsigned statements;      /* those orm_load_related ran */
} related;

static int run_related(orm_session *s, void *ud)
{
    related *r = ud;
    int rc = orm_load_query(s, &r->l.q, NULL, 0, &r->l.out);
    unsigned before = s->statements;
    if (rc || (rc = orm_load_related(s, r->l.out.items, r->l.out.n, r->inc, r->ninc))) return rc;
    r->statements = s->statements - before;
    return 0;
}

START_TEST(load_related_on_instances_already_loaded)
{
    for (int mode = 0; mode < TDB_NMODES; mode++) {
        related r = {.ninc = 0};
        orm_query_init(&r.l.q, tdb_mapper(&DB, "Author"), NULL);
        r.inc = tdb_include(&DB, r.l.q.mapper, "books(tags)", mode, &r.ninc, NULL);
        ck_assert_int_eq(tdb_unit(&DB, false, run_related, &r, NULL), 0);
        ck_assert_uint_eq(r.l.out.n, 4);
        /* no parents' statement to join into: books is loaded by selectin
         * whatever its strategy, and tags rides along when it is joined */
        ck_assert_uint_eq(r.statements, 1u + (r.inc[0].children[0].strategy == ORM_LAZY_SELECTIN));
        r.l.inc = r.inc;
        r.l.ninc = r.ninc;
        ck_assert_str_eq(graph_text(&r.l), GRAPHS[0].graph);
    }
}
END_TEST

START_TEST(sort_keys_through_joins_land_in_extra)
{
    load l = {.keep = 0};
    orm_query_init(&l.q, tdb_mapper(&DB, "Book"), NULL);
    ck_assert_int_eq(orm_query_order_by(&l.q, DB.arena, "author.publisher.name,-author.name,id", &l.q.aliases,
                                        "/sort", &DB.err), 0);
    l.inc = tdb_include(&DB, l.q.mapper, "tags", TDB_ALL_JOINED, &l.ninc, NULL);
    ck_assert_int_eq(tdb_unit(&DB, false, run_load, &l, NULL), 0);
    static const struct { int64_t id; const char *publisher, *author; } want[] = {
        {4, NULL, NULL}, {1, "Penguin", "Ann"}, {2, "Penguin", "Ann"}, {5, "Penguin", "Ann"}, {3, "Tor", "Bob"},
    };
    ck_assert_uint_eq(l.out.n, 5);
    for (size_t i = 0; i < 5; i++) {
        const orm_instance *b = l.out.items[i];
        ck_assert_int_eq(b->row[0].u.i, want[i].id);
        ck_assert_ptr_nonnull(b->extra);
        orm_value p = want[i].publisher ? tdb_text(want[i].publisher) : orm_null();
        orm_value a = want[i].author ? tdb_text(want[i].author) : orm_null();
        ck_assert(orm_value_eq(&b->extra[0], &p));
        ck_assert(orm_value_eq(&b->extra[1], &a));
    }
}
END_TEST

/* A read-only unit's instances hold the rows as loaded, with no committed
 * copy for change tracking (nothing will be flushed); a unit that may write
 * keeps one, apart from the row it changes. */
START_TEST(only_a_writing_unit_keeps_committed_state)
{
    for (int write = 0; write < 2; write++) {
        load l = {.keep = 0};
        orm_query_init(&l.q, tdb_mapper(&DB, "Author"), NULL);
        l.inc = tdb_include(&DB, l.q.mapper, "books", TDB_ALL_SELECTIN, &l.ninc, NULL);
        ck_assert_int_eq(tdb_unit(&DB, write, run_load, &l, NULL), 0);
        ck_assert_uint_eq(l.out.n, 4);
        const orm_related *books = orm_instance_related(l.out.items[0], tdb_rel(&DB, "Author", "books"));
        ck_assert_uint_eq(books->n, 3);
        const orm_instance *insts[] = {l.out.items[0], books->items[0]};
        for (size_t i = 0; i < 2; i++) {
            const orm_instance *inst = insts[i];
            if (!write) {
                ck_assert_ptr_null(inst->committed);
                continue;
            }
            ck_assert_ptr_nonnull(inst->committed);
            ck_assert_ptr_ne(inst->committed, inst->row);
            for (size_t c = 0; c < inst->mapper->table->ncolumns; c++)
                ck_assert(orm_value_eq(&inst->committed[c], &inst->row[c]));
        }
    }
}
END_TEST

/* A read-only unit whose load is its last work: a load of one statement
 * (every node joined) runs it without a transaction; one with selectin
 * statements still reads them all in one (BEGIN before the first). */
START_TEST(a_load_of_one_statement_runs_alone)
{
    for (int mode = 0; mode < TDB_NMODES; mode++) {
        load l = {.last = true};
        orm_query_init(&l.q, tdb_mapper(&DB, "Author"), NULL);
        int selectin;
        l.inc = tdb_include(&DB, l.q.mapper, "books(tags)", mode, &l.ninc, &selectin);
        tdb_echo_reset(&DB);
        orm_session s;
        ck_assert_int_eq(tdb_unit(&DB, false, run_load, &l, &s), 0);
        ck_assert_str_eq(graph_text(&l), GRAPHS[0].graph);
        ck_assert_uint_eq(s.statements, 1u + (unsigned)selectin);
        const char *echo = tdb_echo(&DB), *begin = strstr(echo, "SQL BEGIN"), *select = strstr(echo, "SQL SELECT");
        ck_assert_msg(selectin ? begin && begin < select : !begin, "mode %d:\n%s", mode, echo);
        ck_assert_int_eq(tdb_echo_count(&DB, "SQL COMMIT"), selectin ? 1 : 0);
    }
}
END_TEST

/* A plain load of entity's row id by key (as GET of one object:
 * orm_pk_where, LIMIT limit), deferral defer: its graph; *st gets the
 * compiled cache's counts after it. */
static const char *by_key_of(const char *entity, int64_t id, int64_t limit, bool defer, orm_compile_cache_stats *st)
{
    load l = {.last = true};
    orm_query_init(&l.q, tdb_mapper(&DB, entity), NULL);
    orm_value pk = orm_int(id);
    l.q.where = orm_pk_where(DB.arena, l.q.mapper, 0, &pk);
    l.q.limit = limit;
    l.q.defer = defer;
    ck_assert_int_eq(tdb_unit(&DB, false, run_load, &l, NULL), 0);
    orm_compile_cache_stats_get(orm_engine_dialect(DB.engine)->cache, st);
    return graph_text(&l);
}

static const char *by_key(int64_t id, int64_t limit, bool defer, orm_compile_cache_stats *st)
{
    return by_key_of("Author", id, limit, defer, st);
}

/* The statement of a plain load by key is compiled once (orm/key_load.h):
 * later loads of other keys find it in the compiled cache by their spec
 * and only bind it, and find their own rows; a deferral is a statement of
 * its own; a load that is more than a key's (LIMIT 2) is keyed by its
 * tree. */
START_TEST(a_load_by_key_is_compiled_once)
{
    orm_compile_cache_stats st[6];
    ck_assert_str_eq(by_key(1, 1, true, &st[0]), "Author#1\n");
    ck_assert_str_eq(by_key(2, 1, true, &st[1]), "Author#2\n");
    ck_assert_str_eq(by_key(99, 1, true, &st[2]), "");
    for (int i = 1; i <= 2; i++) {
        ck_assert_uint_eq(st[i].misses, st[0].misses);
        ck_assert_uint_eq(st[i].hits, st[0].hits + (uint64_t)i);
    }
    ck_assert_str_eq(by_key(3, 1, false, &st[3]), "Author#3\n");
    ck_assert_uint_eq(st[3].misses, st[2].misses + 1);
    ck_assert_str_eq(by_key(4, 2, true, &st[4]), "Author#4\n");
    ck_assert_uint_eq(st[4].misses, st[3].misses + 1);
    ck_assert_str_eq(by_key(4, 1, false, &st[5]), "Author#4\n");
    ck_assert_uint_eq(st[5].misses, st[4].misses);
    ck_assert_uint_eq(st[5].hits, st[4].hits + 1);
}
END_TEST

/* Loads by key of different mappers: each mapper's statement is an entry
 * of its own in the compiled cache, compiled once, with its own table's
 * text; a later load of each binds its entry (a hit, no entry added). */
START_TEST(loads_by_key_of_each_mapper_have_their_own_entry)
{
    static const struct {
        const char *entity, *sql;
        int64_t id[2];
    } cases[] = {
        {"Author", "SQL SELECT t0.\"id\", t0.\"name\", t0.\"publisher_id\", t0.\"password\", t0.\"notes\" "
                   "FROM \"authors\" AS t0 WHERE t0.\"id\" = ?1 ORDER BY t0.\"id\" LIMIT ?2 -- [2, 1]",
         {1, 2}},
        {"Book", "SQL SELECT t0.\"id\", t0.\"title\", t0.\"author_id\", t0.\"rating\", t0.\"version\" "
                 "FROM \"books\" AS t0 WHERE t0.\"id\" = ?1 ORDER BY t0.\"id\" LIMIT ?2 -- [5, 1]",
         {3, 5}},
        {"Tag", "SQL SELECT t0.\"id\", t0.\"name\" FROM \"tags\" AS t0 WHERE t0.\"id\" = ?1 ORDER BY t0.\"id\" "
                "LIMIT ?2 -- [4, 1]",
         {2, 4}},
    };
    orm_compile_cache_stats st, before;
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            orm_compile_cache_stats_get(orm_engine_dialect(DB.engine)->cache, &before);
            tdb_echo_reset(&DB);
            const char *got = by_key_of(cases[i].entity, cases[i].id[round], 1, true, &st);
            ck_assert_str_eq(got, rm_arena_sprintf(DB.arena, "%s#%lld\n", cases[i].entity,
                                                   (long long)cases[i].id[round]));
            ck_assert_uint_eq(st.misses, before.misses + (round ? 0 : 1));
            ck_assert_uint_eq(st.hits, before.hits + (round ? 1 : 0));
            ck_assert_uint_eq(st.entries, before.entries + (round ? 0 : 1));
            if (round) ck_assert_msg(strstr(tdb_echo(&DB), cases[i].sql), "%s", tdb_echo(&DB));
        }
}
END_TEST

/* EXPLAIN QUERY PLAN of the selectin statement that loads rel for every
 * row of entity (its text from the echo stream; its parameters unbound:
 * the plan does not depend on them): the plan's lines, one a line. */
typedef struct plan_unit {
    const char *sql;
    rm_sb plan;
} plan_unit;

static int run_explain(orm_session *s, void *ud)
{
    plan_unit *u = ud;
    orm_compiled q;
    orm_compiled_text(&q, rm_arena_sprintf(DB.arena, "EXPLAIN QUERY PLAN %s", u->sql));
    q.returns_rows = true;
    q.nresult = 4; /* id, parent, notused, detail */
    orm_result r;
    int rc = orm_session_execute(s, &q, &r);
    for (size_t i = 0; !rc && i < r.nrows; i++) {
        const orm_value *detail = &orm_result_row(&r, i)[3];
        rm_sb_appendf(&u->plan, "%.*s\n", (int)detail->u.s.n, detail->u.s.p);
    }
    return rc;
}

static const char *selectin_plan(const char *entity, const char *rel, const char *target_table)
{
    load l;
    tdb_echo_reset(&DB);
    load_graph(&l, entity, 0, rel, TDB_ALL_SELECTIN, NULL, NULL);
    const char *from = rm_arena_sprintf(DB.arena, "FROM \"%s\"", target_table);
    const char *line = strstr(tdb_echo(&DB), from);
    ck_assert_msg(line, "no statement %s in:\n%s", from, tdb_echo(&DB));
    while (line > tdb_echo(&DB) && line[-1] != '\n') line--;
    line += strlen("restmap: SQL ");
    plan_unit u = {.sql = rm_arena_strndup(DB.arena, line, strcspn(line, "\n"))};
    *strstr(u.sql, " -- [") = '\0'; /* the parameters the echo lists */
    rm_sb_init(&u.plan, DB.arena);
    ck_assert_int_eq(tdb_unit(&DB, false, run_explain, &u, NULL), 0);
    return u.plan.buf;
}

/* The selectin statement's rows come by the index on the foreign key, in
 * the order it keeps them: grouped by parent, each parent's in rowid order.
 * A relationship ordered by the target's key needs no sort; one ordered
 * by another column sorts only within each parent. (The suite's database
 * is SQLite's.) */
START_TEST(selectin_reads_the_foreign_key_index_in_order)
{
    const char *plan = selectin_plan("Publisher", "authors", "authors");
    ck_assert_msg(strstr(plan, "USING INDEX ix_authors_publisher_id") && !strstr(plan, "TEMP B-TREE"), "%s", plan);
    plan = selectin_plan("Author", "books", "books"); /* order_by title */
    ck_assert_msg(strstr(plan, "USING INDEX ix_books_author_id") &&
                  strstr(plan, "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY"), "%s", plan);
}
END_TEST

static Suite *graphs_tcase(Suite *s)
{
    TCase *tc = tcase_create("graphs");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, joined_and_selectin_give_the_same_graphs, 0, (int)(sizeof GRAPHS / sizeof GRAPHS[0]));
    suite_add_tcase(s, tc);
    return s;
}

Suite *loading_suite(void)
{
    const TTest *const tests[] = {statement_count_does_not_grow_with_parents, an_object_reached_twice_is_one_instance,
                                  a_page_keeps_whole_parents, load_related_on_instances_already_loaded,
                                  sort_keys_through_joins_land_in_extra,
                                  selectin_reads_the_foreign_key_index_in_order,
                                  only_a_writing_unit_keeps_committed_state, a_load_of_one_statement_runs_alone,
                                  a_load_by_key_is_compiled_once, loads_by_key_of_each_mapper_have_their_own_entry};
    return graphs_tcase(ts_suite("orm/loading", setup, teardown, 1, tests, sizeof tests / sizeof *tests));
}
