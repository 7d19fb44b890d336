/* test_sql_snapshots.c: the SQL the ORM writes, per dialect, kept as files.
 *
 * A fixed list of named statements over the shared kinds schema: SELECTs
 * built through the public builders (filters from orm_filter_parse with
 * any/has/none/every over one-to-many, many-to-one, many-to-many,
 * self-referential and single-table-inheritance relationships and a custom
 * join "where", and column comparisons ($col) through many-to-one paths;
 * sorts through joins; keyset cursors both ways; paging;
 * with_parent) compiled with the dialect, and the statements the ORM runs
 * itself (orm_get, count, joined and selectin loading, insert, and the
 * flush's INSERT / versioned UPDATE / DELETE / foreign-key nulling, dynamic
 * defaults and onupdate), read
 * from the engine's echo stream. Each statement's text and bound
 * parameters are compared with DIR/NAME.sql (NAME.K.sql for the K-th
 * statement of an operation):
 *
 *     <SQL text>
 *     -- params: [<value>, ...]
 *
 * A missing file, a file that differs, and a file no statement produced
 * all fail. RM_UPDATE_SNAPSHOTS=1 writes the files instead (and removes
 * files no statement produced): review the diff, then commit it.
 *
 *     RM_UPDATE_SNAPSHOTS=1 ./build/run_tests sql_snapshots_suite
 *     RM_UPDATE_SNAPSHOTS=1 RT_BACKEND=postgresql sh scripts/with-postgres.sh \
 *         ./build/run_tests sql_snapshots_suite
 *
 * The dialects are data: a row of DIALECTS and its directory of files.
 * Each dialect is checked by the run of its backend (the SQLite run checks
 * sqlite/, the PostgreSQL run postgresql/). */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "orm/aggregate.h"
#include "orm/bulk.h"
#include "orm/compile.h"
#include "orm/lookup.h"
#include "orm/related_count.h"
#include "orm/uow.h"
#include "tests/suites.h"
#include "tests/support/backend.h"
#include "tests/support/ormdb.h"
#include "tests/support/pgtmp.h"
#include "tests/support/suite.h"
#include "tests/support/util.h"

static const struct dialect_row {
    const char *name;
    const orm_dialect *dialect;
    const char *dir;    /* the snapshot files, from the repository root */
    rt_backend_kind backend; /* the run that checks them (tests/support/backend.h) */
    const char *url;    /* an engine of this dialect, for the statements the ORM runs
                           (NULL: a fresh database on the run's PostgreSQL server) */
} DIALECTS[] = {
    {"sqlite", &orm_dialect_sqlite, "tests/snapshots/sqlite", RT_SQLITE, "sqlite://:memory:"},
    {"postgresql", &orm_dialect_pg, "tests/snapshots/postgresql", RT_POSTGRESQL, NULL},
};
#define NDIALECTS (sizeof DIALECTS / sizeof DIALECTS[0])

/* The dialects the run's backend checks (each dialect's files are checked
 * by the run of its backend: the suite runs on every backend). */
static int dialects_here(void)
{
    int n = 0;
    for (size_t i = 0; i < NDIALECTS; i++) n += DIALECTS[i].backend == rt_backend();
    return n;
}

/* The k-th of them. */
static const struct dialect_row *dialect_here(int k)
{
    for (size_t i = 0; i < NDIALECTS; i++)
        if (DIALECTS[i].backend == rt_backend() && k-- == 0) return &DIALECTS[i];
    ck_abort_msg("no dialect %d on %s", k, rt_backend_name());
    return NULL;
}

static tdb DB;

/* ---- what a case produced ------------------------------------------------------ */

typedef struct snap {
    const char *name;   /* file name without ".sql" */
    const char *text;   /* the file's expected content */
} snap;

static snap SNAPS[256];
static size_t NSNAPS;

static void add_snap(const char *name, const char *sql, size_t sql_len, const char *params)
{
    ck_assert_uint_lt(NSNAPS, sizeof SNAPS / sizeof SNAPS[0]);
    for (size_t i = 0; i < NSNAPS; i++) ck_assert_msg(strcmp(SNAPS[i].name, name) != 0, "two snapshots %s", name);
    SNAPS[NSNAPS++] = (snap){name, rm_arena_sprintf(DB.arena, "%.*s\n-- params: [%s]\n", (int)sql_len, sql, params)};
}

/* ---- statements built through the public builders ------------------------------ */

/* One SELECT of entity's rows (or, with rel, of the rows related to a parent
 * row of entity given as a JSON object of column values). */
typedef struct query_case {
    const char *name, *entity;
    const char *filter;     /* JSON filter, or NULL */
    const char *sort;       /* ?sort spec, or NULL */
    const char *rel;        /* with_parent through this relationship of entity, or NULL */
    const char *parent;     /* the parent row's columns, JSON object */
    const char *after;      /* keyset cursor: JSON array of effective-order values, or NULL */
    bool reverse;
    int64_t limit, offset;  /* 0: none */
    const char *fields;     /* a representation's read (deferred columns left out) naming these
                               columns ("a,b"; "" names none), or NULL: every column */
} query_case;

#define F(n, e, f) {.name = n, .entity = e, .filter = f}
static const query_case QUERIES[] = {
    F("filter_eq", "Author", "{\"name\": \"Ann\"}"),
    F("filter_operators", "Book",
      "{\"rating\": {\"ge\": 3, \"lt\": 5}, \"title\": {\"startswith\": \"A\"}, \"id\": {\"in\": [1, 2]}}"),
    F("filter_or_not_null", "Book", "{\"or\": [{\"rating\": null}, {\"not\": {\"title\": {\"ilike\": \"z%\"}}}]}"),
    F("filter_any_one_to_many", "Author", "{\"books\": {\"any\": {\"title\": {\"like\": \"A%\"}}}}"),
    F("filter_none_one_to_many", "Author", "{\"books\": {\"none\": {\"rating\": {\"lt\": 3}}}}"),
    F("filter_every_one_to_many", "Author", "{\"books\": {\"every\": {\"rating\": {\"ge\": 3}}}}"),
    F("filter_has_many_to_one", "Book", "{\"author\": {\"has\": {\"name\": \"Ann\"}}}"),
    F("filter_is_null_many_to_one", "Book", "{\"author\": {\"is_null\": true}}"),
    F("filter_dotted_path", "Book", "{\"author.publisher.name\": \"Tor\"}"),
    F("filter_any_many_to_many", "Book", "{\"tags\": {\"any\": {\"name\": \"red\"}}}"),
    F("filter_every_many_to_many_nested", "Tag", "{\"books\": {\"every\": {\"author\": {\"has\": {\"name\": \"Ann\"}}}}}"),
    F("filter_any_self_referential", "Cat", "{\"kids\": {\"any\": {\"kids\": {\"any\": {\"name\": \"Wee\"}}}}}"),
    F("filter_has_self_referential", "Cat", "{\"mother\": {\"has\": {\"name\": \"Ma\"}}}"),
    F("filter_any_inheritance", "Company", "{\"engineers\": {\"any\": {\"name\": \"temp\"}}}"),
    F("filter_any_join_where", "Company", "{\"senior_engineers\": {\"any\": {\"name\": {\"ne\": \"x\"}}}}"),
    F("filter_child_class", "Engineer", "{\"level\": {\"gt\": 1}}"),
    F("filter_has_from_child_class", "Engineer", "{\"company\": {\"has\": {\"name\": \"Acme\"}}}"),
    {.name = "sort_join", .entity = "Book", .sort = "author.name,-title"},
    {.name = "sort_join_two_hops", .entity = "Book", .filter = "{\"rating\": {\"gt\": 1}}",
     .sort = "author.publisher.name"},
    {.name = "sort_child_class_join", .entity = "Engineer", .sort = "-level,company.name"},
    {.name = "keyset_after", .entity = "Book", .sort = "-rating,title", .after = "[3, \"Mid\", 3]"},
    {.name = "keyset_before", .entity = "Book", .sort = "-rating,title", .after = "[3, \"Mid\", 3]", .reverse = true},
    {.name = "keyset_after_null_through_join", .entity = "Book", .sort = "author.name", .after = "[null, 4]",
     .limit = 2},
    {.name = "page_limit_offset", .entity = "Book", .sort = "title", .limit = 20, .offset = 40},
    {.name = "with_parent_one_to_many", .entity = "Author", .rel = "books", .parent = "{\"id\": 1}"},
    {.name = "with_parent_many_to_one", .entity = "Book", .rel = "author", .parent = "{\"author_id\": 2}"},
    {.name = "with_parent_many_to_one_null", .entity = "Book", .rel = "author", .parent = "{\"author_id\": null}"},
    {.name = "with_parent_many_to_many", .entity = "Book", .rel = "tags", .parent = "{\"id\": 1}"},
    {.name = "with_parent_self_referential", .entity = "Cat", .sort = "name", .rel = "kids", .parent = "{\"id\": 1}"},
    {.name = "with_parent_inheritance", .entity = "Company", .filter = "{\"level\": {\"ge\": 1}}",
     .rel = "engineers", .parent = "{\"id\": 2}"},
    {.name = "with_parent_join_where", .entity = "Company", .rel = "senior_engineers", .parent = "{\"id\": 2}"},
    /* columns named apart from their keys ("column"), and a view-only projection's "where" */
    {.name = "renamed_columns", .entity = "Member", .filter = "{\"name\": {\"ne\": \"x\"}, \"club_id\": 1}",
     .sort = "-name"},
    {.name = "sort_join_renamed_columns", .entity = "Member", .sort = "club.name"},
    {.name = "projection", .entity = "PublicMember", .filter = "{\"name\": {\"like\": \"a%\"}}", .sort = "name"},
    F("filter_any_projection", "Club", "{\"public_members\": {\"any\": {\"name\": \"ada\"}}}"),
    {.name = "with_parent_projection", .entity = "Club", .rel = "public_members", .parent = "{\"id\": 1}"},
    /* computed attributes in the SELECT list, WHERE and ORDER BY; deferred columns left out or asked for */
    {.name = "computed_page", .entity = "Shelf", .filter = "{\"caption\": {\"like\": \"A%\"}, \"slot_count\": {\"gt\": 0}}",
     .sort = "-max_width", .limit = 10, .fields = ""},
    {.name = "computed_keyset_after", .entity = "Shelf", .sort = "slot_count", .after = "[2, 7]", .fields = ""},
    {.name = "deferred_asked_for", .entity = "Shelf", .fields = "notes,width_ratio"},
    {.name = "computed_sort_through_join", .entity = "Slot", .sort = "shelf.slot_count,-area"},
    F("filter_has_composite_key", "City", "{\"region\": {\"has\": {\"name\": \"Normandy\"}}}"),
    F("filter_any_composite_key", "Region", "{\"cities\": {\"any\": {\"name\": \"Vigo\"}}}"),
    {.name = "with_parent_composite_one_to_many", .entity = "Region", .rel = "cities",
     .parent = "{\"country\": \"FR\", \"code\": 1}"},
    {.name = "with_parent_composite_many_to_one", .entity = "City", .rel = "region",
     .parent = "{\"r_country\": \"FR\", \"r_code\": 2}"},
    /* joined-table inheritance: a span's levels joined on the key */
    {.name = "joined_polymorphic_page", .entity = "Vehicle", .sort = "name", .limit = 20},
    F("joined_subclass_filter", "Car", "{\"name\": \"sedan\", \"doors\": {\"ge\": 2}}"),
    F("joined_any_subclass", "Garage", "{\"cars\": {\"any\": {\"doors\": 4}}}"),
    {.name = "joined_with_parent", .entity = "Garage", .rel = "cars", .parent = "{\"id\": 1}"},
    {.name = "joined_sort_through", .entity = "Wheel", .sort = "car.doors,-car.name"},
    /* computed attributes of a joined-table hierarchy's root and joined subclass, over the span */
    {.name = "joined_computed_page", .entity = "Robot", .sort = "name", .limit = 20},
    {.name = "joined_computed_subclass", .entity = "Drone", .filter = "{\"prop_count\": {\"gt\": 0}, \"lift\": {\"ge\": 2}}",
     .sort = "-lift,part_count", .limit = 20},
    /* column comparisons ({"$col": PATH}, SPEC §10 F): the row's own column, a scalar subquery per
     * many-to-one hop, from the related row inside any and after a dotted path, through a span */
    F("col_same_row", "Book", "{\"rating\": {\"gt\": {\"$col\": \"id\"}}}"),
    F("col_many_to_one", "Book", "{\"title\": {\"$col\": \"author.name\"}}"),
    F("col_two_hops", "Book", "{\"title\": {\"ne\": {\"$col\": \"author.publisher.name\"}}}"),
    F("col_inside_any", "Author", "{\"books\": {\"any\": {\"title\": {\"lt\": {\"$col\": \"author.name\"}}}}}"),
    F("col_after_dotted_path", "Publisher", "{\"authors.books.rating\": {\"le\": {\"$col\": \"author.publisher.id\"}}}"),
    F("col_through_span", "Wheel", "{\"size\": {\"ge\": {\"$col\": \"car.doors\"}}, \"id\": {\"lt\": {\"$col\": \"car.id\"}}}"),
    F("col_self_referential", "Cat", "{\"name\": {\"gt\": {\"$col\": \"mother.mother.name\"}}}"),
};
#undef F

/* A JSON scalar as a value (integers, strings, null). */
static orm_value json_value(const json_t *j)
{
    if (json_is_integer(j)) return orm_int(json_integer_value(j));
    if (json_is_string(j)) return orm_text(json_string_value(j), json_string_length(j));
    ck_assert_msg(json_is_null(j), "only integers, strings and null");
    return orm_null();
}

/* "v1, v2, ..." as --echo writes parameters. */
static const char *params_text(const orm_compiled *c)
{
    rm_sb sb;
    rm_sb_init(&sb, DB.arena);
    for (size_t i = 0; i < c->nparams; i++)
        rm_sb_appendf(&sb, "%s%s", i ? ", " : "", orm_value_repr(DB.arena, &c->params[i]));
    return sb.buf;
}

static void build_query(const query_case *qc, const orm_dialect *d)
{
    rm_arena *a = DB.arena;
    const orm_mapper *m = tdb_mapper(&DB, qc->entity);
    const orm_relationship *r = qc->rel ? tdb_rel(&DB, qc->entity, qc->rel) : NULL;
    orm_query q;
    orm_query_init(&q, r ? r->target : m, NULL);
    q.reverse = qc->reverse;
    if (qc->sort) ck_assert_int_eq(orm_query_order_by(&q, a, qc->sort, &q.aliases, "/sort", &DB.err), 0);
    if (r) {
        orm_value *row = RM_NEW_ARRAY(a, orm_value, m->table->ncolumns);
        json_t *parent = tdb_json(&DB, qc->parent), *v;
        const char *col;
        json_object_foreach(parent, col, v) row[orm_table_column(m->table, col)->index] = json_value(v);
        q.where = orm_with_parent(a, r, row, 0, &q.aliases);
    }
    if (qc->filter) {
        orm_expr *w;
        int rc = orm_filter_parse(a, q.mapper, tdb_json(&DB, qc->filter), 0, &q.aliases, "/filter", &w, &DB.err);
        ck_assert_msg(rc == 0, "%s: %s", qc->name, DB.err.nfields ? DB.err.fields[0].message : DB.err.detail);
        q.where = orm_expr_and(a, q.where, w);
    }
    if (qc->after) {
        json_t *vals = tdb_json(&DB, qc->after);
        orm_value *after = RM_NEW_ARRAY(a, orm_value, json_array_size(vals));
        for (size_t i = 0; i < json_array_size(vals); i++) after[i] = json_value(json_array_get(vals, i));
        orm_query_after(&q, a, after);
    }
    if (qc->limit) q.limit = qc->limit;
    q.offset = qc->offset;
    if (qc->fields) {
        bool *fields = RM_NEW_ARRAY(a, bool, q.mapper->table->ncolumns);
        char *copy = rm_arena_strdup(a, qc->fields), *save = NULL;
        for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save))
            fields[orm_table_column(q.mapper->table, f)->index] = true;
        q.defer = true;
        q.fields = fields;
    }
    orm_select sel;
    orm_alias_seq seq = q.aliases;
    orm_query_select(&q, a, &seq, &sel);
    orm_compiled c;
    ck_assert_msg(orm_compile_select(d, &sel, a, &c, &DB.err) == 0, "%s: %s", qc->name, DB.err.detail);
    add_snap(qc->name, c.sql, c.sql_len, params_text(&c));
}

/* ---- statements the ORM runs, read from --echo -------------------------------- */

typedef struct run_case {
    const char *name;
    int (*fn)(orm_session *s, const struct run_case *rc);
    const char *entity, *include;  /* loading: entity's rows with this include tree */
    int mode;                      /* TDB_* strategies */
    int64_t limit;                 /* > 0: a page of limit - 1 rows */
} run_case;

static int load_rows(orm_session *s, const run_case *rc)
{
    const orm_mapper *m = tdb_mapper(&DB, rc->entity);
    orm_query q;
    orm_query_init(&q, m, NULL);
    size_t ninc;
    orm_include *inc = tdb_include(&DB, m, rc->include, rc->mode, &ninc, NULL);
    orm_loaded out;
    if (rc->limit <= 0) return orm_load_query(s, &q, inc, ninc, &out);
    q.limit = rc->limit;
    return orm_load_page(s, &q, (size_t)rc->limit - 1, inc, ninc, &out);
}

static int get_engineer(orm_session *s, const run_case *rc)
{
    orm_value pk = orm_int(3), *row;
    return orm_get(s, tdb_mapper(&DB, "Engineer"), &pk, &row);
}

static int count_engineers(orm_session *s, const run_case *rc)
{
    orm_query q;
    orm_query_init(&q, tdb_mapper(&DB, "Engineer"), NULL);
    int rc2 = orm_filter_parse(s->arena, q.mapper, tdb_json(&DB, "{\"level\": {\"gt\": 1}}"), 0, &q.aliases,
                               "/filter", &q.where, s->err);
    int64_t n;
    return rc2 ? rc2 : orm_query_count(s, &q, &n);
}

static int insert_engineer(orm_session *s, const run_case *rc)
{
    const orm_mapper *m = tdb_mapper(&DB, "Engineer");
    orm_value *vals = RM_NEW_ARRAY(s->arena, orm_value, m->table->ncolumns), *row;
    bool *given = RM_NEW_ARRAY(s->arena, bool, m->table->ncolumns);
    const orm_column *name = tdb_column(&DB, "Engineer", "name"), *level = tdb_column(&DB, "Engineer", "level");
    vals[name->index] = tdb_text("Neu");
    vals[level->index] = orm_int(2);
    given[name->index] = given[level->index] = true;
    return orm_insert_row(s, m, vals, given, &row);
}

static int flush_new_graph(orm_session *s, const run_case *rc)
{
    orm_uow *u = orm_session_uow(s);
    orm_instance *author = orm_uow_new(u, tdb_mapper(&DB, "Author"));
    orm_uow_set(u, author, tdb_column(&DB, "Author", "name"), tdb_text("Eve"));
    orm_uow_set(u, author, tdb_column(&DB, "Author", "password"), tdb_text("secret")); /* --echo hides it */
    orm_instance *book = orm_uow_new(u, tdb_mapper(&DB, "Book"));
    orm_uow_set(u, book, tdb_column(&DB, "Book", "title"), tdb_text("Omega"));
    orm_uow_link(u, author, tdb_rel(&DB, "Author", "books"), book);
    orm_instance *tag;
    orm_value red = orm_int(1);
    int rc2 = orm_uow_get(u, tdb_mapper(&DB, "Tag"), &red, &tag);
    if (rc2) return rc2;
    orm_uow_link(u, book, tdb_rel(&DB, "Book", "tags"), tag);
    return orm_uow_flush(u);
}

/* New rows of one table naming the same columns share an INSERT (runs cut
 * into powers of two: 3 books are 2 + 1); a row naming other columns, or
 * giving its own key, goes alone; association rows of one relationship
 * share one too. The keys come back in the order the rows were made. */
static int flush_insert_batch(orm_session *s, const run_case *rc)
{
    orm_uow *u = orm_session_uow(s);
    orm_instance *author = orm_uow_new(u, tdb_mapper(&DB, "Author"));
    orm_uow_set(u, author, tdb_column(&DB, "Author", "name"), tdb_text("Eve"));
    orm_instance *red;
    orm_value one = orm_int(1);
    int code = orm_uow_get(u, tdb_mapper(&DB, "Tag"), &one, &red);
    if (code) return code;
    static const char *const titles[] = {"B1", "B2", "B3", "B4 rated", "B5 keyed"};
    orm_instance *books[5];
    for (size_t i = 0; i < 5; i++) {
        books[i] = orm_uow_new(u, tdb_mapper(&DB, "Book"));
        orm_uow_set(u, books[i], tdb_column(&DB, "Book", "title"), tdb_text(titles[i]));
        orm_uow_link(u, author, tdb_rel(&DB, "Author", "books"), books[i]);
        if (i < 3) orm_uow_link(u, books[i], tdb_rel(&DB, "Book", "tags"), red);
    }
    orm_uow_set(u, books[3], tdb_column(&DB, "Book", "rating"), orm_int(2));
    orm_uow_set(u, books[4], tdb_column(&DB, "Book", "id"), orm_int(50));
    if ((code = orm_uow_flush(u))) return code;
    const orm_column *id = tdb_column(&DB, "Book", "id"), *title = tdb_column(&DB, "Book", "title");
    for (size_t i = 0; i < 5; i++) {
        const orm_value *t = &books[i]->row[title->index];
        ck_assert_msg(t->kind == ORM_V_TEXT && t->u.s.n == strlen(titles[i]) && !memcmp(t->u.s.p, titles[i], t->u.s.n),
                      "book %zu came back with another row", i);
        if (i) ck_assert_int_lt(books[i - 1]->row[id->index].u.i, books[i]->row[id->index].u.i);
    }
    return 0;
}

/* Get entity's row id in a unit of work; then change or delete it. */
static int flush_one(orm_session *s, const char *entity, int64_t id, const char *column, const char *value)
{
    orm_uow *u = orm_session_uow(s);
    orm_instance *inst;
    orm_value pk = orm_int(id);
    int rc = orm_uow_get(u, tdb_mapper(&DB, entity), &pk, &inst);
    if (rc) return rc;
    if (column) orm_uow_set(u, inst, tdb_column(&DB, entity, column), tdb_text(value));
    else orm_uow_delete(u, inst);
    return orm_uow_flush(u);
}

static int flush_versioned_update(orm_session *s, const run_case *rc)
{
    return flush_one(s, "Book", 1, "title", "Zen 2");
}

static int flush_delete_cascade(orm_session *s, const run_case *rc) { return flush_one(s, "Author", 1, NULL, NULL); }
static int flush_delete_detach(orm_session *s, const run_case *rc) { return flush_one(s, "Company", 1, NULL, NULL); }
static int flush_delete_many_to_many(orm_session *s, const run_case *rc) { return flush_one(s, "Tag", 2, NULL, NULL); }
static int flush_update_renamed(orm_session *s, const run_case *rc)
{
    return flush_one(s, "Member", 2, "name", "bryan");
}

/* A subclass's row (single-table inheritance): its UPDATE keeps the
 * class's identity in the WHERE, also where the flush keeps the statement
 * for the next rows alike (SQLite: one compile for a run of rows). */
static int flush_update_subclass(orm_session *s, const run_case *rc) { return flush_one(s, "Engineer", 3, "name", "wally"); }

/* A new member of club 1: the INSERT names the SQL columns. */
static int flush_insert_renamed(orm_session *s, const run_case *rc)
{
    orm_uow *u = orm_session_uow(s);
    orm_instance *club;
    orm_value one = orm_int(1);
    int code = orm_uow_get(u, tdb_mapper(&DB, "Club"), &one, &club);
    if (code) return code;
    orm_instance *m = orm_uow_new(u, tdb_mapper(&DB, "Member"));
    orm_uow_set(u, m, tdb_column(&DB, "Member", "name"), tdb_text("dora"));
    orm_uow_link(u, club, tdb_rel(&DB, "Club", "members"), m);
    return orm_uow_flush(u);
}

/* Dynamic defaults (SPEC §9), the unit's clock fixed so the text is too:
 * new memos giving their uuid key (else a random $uuid4) share an INSERT
 * that sends the $now date and leaves the server defaults out, reading
 * them back; a memo naming its status goes alone. */
static orm_instance *new_memo(orm_uow *u, const char *uid, const char *status)
{
    orm_instance *m = orm_uow_new(u, tdb_mapper(&DB, "Memo"));
    orm_uow_set(u, m, tdb_column(&DB, "Memo", "uid"), tdb_text(uid));
    orm_uow_set(u, m, tdb_column(&DB, "Memo", "body"), tdb_text("hi"));
    if (status) orm_uow_set(u, m, tdb_column(&DB, "Memo", "status"), tdb_text(status));
    return m;
}

static void fix_clock(orm_uow *u)
{
    u->clock = (orm_clock){.taken = true, .datetime = "2026-11-22T10:15:00.5Z", .date = "2026-11-22"};
}

static int flush_insert_defaults(orm_session *s, const run_case *rc)
{
    orm_uow *u = orm_session_uow(s);
    fix_clock(u);
    new_memo(u, "0b6f2f4e-9c1a-4d3e-8f5b-2a7c9e1d4f60", NULL);
    new_memo(u, "0b6f2f4e-9c1a-4d3e-8f5b-2a7c9e1d4f61", NULL);
    new_memo(u, "0b6f2f4e-9c1a-4d3e-8f5b-2a7c9e1d4f62", "final");
    return orm_uow_flush(u);
}

/* An UPDATE that changes a column also sets the "onupdate" column; one
 * that changes nothing is no statement. */
static int flush_update_onupdate(orm_session *s, const run_case *rc)
{
    orm_uow *u = orm_session_uow(s);
    fix_clock(u);
    orm_instance *m = new_memo(u, "0b6f2f4e-9c1a-4d3e-8f5b-2a7c9e1d4f63", NULL);
    int code = orm_uow_flush(u);
    if (code) return code;
    orm_uow_set(u, m, tdb_column(&DB, "Memo", "body"), tdb_text("hi"));
    if ((code = orm_uow_flush(u))) return code;
    orm_uow_set(u, m, tdb_column(&DB, "Memo", "body"), tdb_text("changed"));
    return orm_uow_flush(u);
}
/* Joined-table inheritance: a SportsCar's INSERT per table of its class
 * (vehicles, then cars with the key vehicles returned). */
static int insert_sports_car(orm_session *s, const run_case *rc)
{
    const orm_mapper *m = tdb_mapper(&DB, "SportsCar");
    orm_value *vals = RM_NEW_ARRAY(s->arena, orm_value, m->table->ncolumns), *row;
    bool *given = RM_NEW_ARRAY(s->arena, bool, m->table->ncolumns);
    const orm_column *name = tdb_column(&DB, "SportsCar", "name"), *doors = tdb_column(&DB, "SportsCar", "doors"),
                     *speed = tdb_column(&DB, "SportsCar", "top_speed");
    vals[name->index] = tdb_text("zoom");
    vals[doors->index] = orm_int(2);
    vals[speed->index] = orm_int(250);
    given[name->index] = given[doors->index] = given[speed->index] = true;
    return orm_insert_row(s, m, vals, given, &row);
}

/* A car's column of its own level changed: the UPDATE of cars alone. */
static int flush_update_level(orm_session *s, const run_case *rc)
{
    orm_uow *u = orm_session_uow(s);
    orm_value pk = orm_int(2);
    orm_instance *car;
    int code = orm_uow_get(u, tdb_mapper(&DB, "Car"), &pk, &car);
    if (!code) {
        orm_uow_set(u, car, tdb_column(&DB, "Car", "doors"), orm_int(5));
        code = orm_uow_flush(u);
    }
    return code;
}

/* A sports car deleted through its base class: its wheels (Car's cascade),
 * then its rows in cars and vehicles, most derived first. */
static int flush_delete_levels(orm_session *s, const run_case *rc) { return flush_one(s, "Vehicle", 3, NULL, NULL); }

/* A bulk write (SPEC §10 D, orm/bulk.h) of the rows of entity the filter
 * chooses: column set to v, or (column NULL) a delete with its cascades. */
static int bulk_one(orm_session *s, const char *entity, const char *filter, const char *column, orm_value v)
{
    const orm_mapper *m = tdb_mapper(&DB, entity);
    orm_query q;
    orm_query_init(&q, m, NULL);
    int rc = orm_filter_parse(s->arena, m, tdb_json(&DB, filter), 0, &q.aliases, "/filter", &q.where, s->err);
    if (rc) return rc;
    orm_bulk_result out;
    if (!column) return orm_bulk_delete(s, &q, &out);
    const orm_column *c = tdb_column(&DB, entity, column);
    return orm_bulk_update(s, &q, &c, &v, 1, &out);
}

static int bulk_update_versioned(orm_session *s, const run_case *rc)
{
    return bulk_one(s, "Book", "{\"rating\": {\"ge\": 3}}", "title", tdb_text("Zen 2"));
}
static int bulk_update_level(orm_session *s, const run_case *rc)
{
    return bulk_one(s, "Car", "{\"id\": {\"in\": [2, 3]}}", "doors", orm_int(5));
}
static int bulk_delete_cascade(orm_session *s, const run_case *rc)
{
    return bulk_one(s, "Author", "{\"id\": {\"in\": [1, 2]}}", NULL, orm_null());
}
static int bulk_delete_detach(orm_session *s, const run_case *rc)
{
    return bulk_one(s, "Company", "{\"id\": 1}", NULL, orm_null());
}
static int bulk_delete_many_to_many(orm_session *s, const run_case *rc)
{
    return bulk_one(s, "Tag", "{\"id\": {\"ge\": 2}}", NULL, orm_null());
}
static int bulk_delete_levels(orm_session *s, const run_case *rc)
{
    return bulk_one(s, "Vehicle", "{\"id\": 3}", NULL, orm_null());
}

#define L(n, e, inc, m) {.name = n, .fn = load_rows, .entity = e, .include = inc, .mode = m}
/* An association proxy's values (SPEC §9): the node routes/ adds for
 * Book.tag_names = tags.name, loaded by the selectin loader. */
static int load_proxy(orm_session *s, const run_case *rc)
{
    const orm_mapper *m = tdb_mapper(&DB, "Book");
    orm_query q;
    orm_query_init(&q, m, NULL);
    orm_include node = {.rel = orm_mapper_relationship(m, "tags"), .strategy = ORM_LAZY_SELECTIN, .unshown = true};
    orm_loaded out;
    return orm_load_query(s, &q, &node, 1, &out);
}

/* Writing that proxy: the tags named by three values, in one statement. */
static int lookup_proxy_targets(orm_session *s, const run_case *rc)
{
    orm_value v[] = {tdb_text("fiction"), tdb_text("poetry"), tdb_text("unknown")};
    orm_loaded out;
    return orm_lookup_in(s, tdb_mapper(&DB, "Tag"), tdb_column(&DB, "Tag", "name"), v, 3, &out);
}

/* Grouped aggregates (SPEC §10 A): keys through two many-to-one hops, an
 * exact sum and a mean of an integer, having over a count, a sort over an
 * output, a page; and over a parent's one-to-many and many-to-many rows. */
static int aggregate_of(orm_session *s, const char *entity, const char *parent, const char *rel)
{
    rm_arena *a = s->arena;
    orm_aggregate g;
    orm_value key = orm_int(1);
    if (parent) orm_aggregate_of_parent(&g, tdb_mapper(&DB, parent), tdb_rel(&DB, parent, rel), &key, NULL);
    else orm_aggregate_init(&g, tdb_mapper(&DB, entity), NULL);
    int code = parent ? orm_aggregate_add(&g, a, ORM_AGG_KEY, "name", "/group_by", s->err)
                      : orm_aggregate_add(&g, a, ORM_AGG_KEY, "author.publisher.name", "/group_by", s->err);
    if (!code) code = orm_aggregate_add(&g, a, ORM_AGG_COUNT, "*", "/count", s->err);
    if (!code && !parent) code = orm_aggregate_add(&g, a, ORM_AGG_SUM, "rating", "/sum", s->err);
    if (!code && !parent) code = orm_aggregate_add(&g, a, ORM_AGG_AVG, "rating", "/avg", s->err);
    if (!code && !parent) code = orm_aggregate_add(&g, a, ORM_AGG_COUNT_DISTINCT, "title", "/count_distinct", s->err);
    if (!code && !parent) {
        json_t *h = tdb_json(&DB, "{\"count\": {\"gt\": 1.5}, \"sum_rating\": {\"ne\": null}}");
        code = orm_aggregate_having(&g, a, h, "/having", s->err);
    }
    if (!code && !parent) code = orm_aggregate_order(&g, a, "-sum_rating", "/sort", s->err);
    g.limit = 5;
    orm_agg_rows rows;
    return code ? code : orm_aggregate_run(s, &g, &rows);
}

static int aggregate_grouped(orm_session *s, const run_case *rc) { return aggregate_of(s, "Book", NULL, NULL); }
static int aggregate_one_to_many(orm_session *s, const run_case *rc) { return aggregate_of(s, NULL, "Publisher", "authors"); }
static int aggregate_many_to_many(orm_session *s, const run_case *rc) { return aggregate_of(s, NULL, "Book", "tags"); }
/* Related counts (SPEC §10 B): a keyset page of authors sorted by their
 * count of well-rated books, that count read beside, and each embedded
 * book's tags counted by the statement that loads it (joined: through the
 * paged parents' derived table). */
static int load_counts(orm_session *s, const run_case *rc)
{
    const orm_mapper *m = tdb_mapper(&DB, "Author");
    const orm_relationship *books = orm_mapper_relationship(m, "books");
    const orm_relationship *tags = orm_mapper_relationship(books->target, "tags");
    orm_template f;
    int code = orm_count_filter(s->arena, books, tdb_json(&DB, "{\"rating\": {\"ge\": 3}}"), NULL, "/count[books]",
                                &f, s->err);
    if (code) return code;
    const orm_column *top[] = {orm_count_column(s->arena, books, &f)};
    const orm_column *emb[] = {orm_count_column(s->arena, tags, NULL)};
    orm_query q;
    orm_query_init(&q, m, NULL);
    q.counts = top;
    q.ncounts = 1;
    if ((code = orm_query_order_by(&q, s->arena, "-_count.books", &q.aliases, "/sort", s->err))) return code;
    orm_value after[] = {orm_int(2), orm_int(5)};
    orm_query_after(&q, s->arena, after);
    q.limit = rc->limit;
    orm_include node = {.rel = books, .strategy = rc->mode == TDB_ALL_JOINED ? ORM_LAZY_JOINED : ORM_LAZY_SELECTIN,
                        .counts = emb, .ncounts = 1};
    orm_loaded out;
    return orm_load_page(s, &q, (size_t)rc->limit - 1, &node, 1, &out);
}

/* Criteria inside include (SPEC §10 C): a node of m's relationship rel
 * with a filter (JSON text or NULL), a sort spec (or NULL), and a
 * per-parent limit (< 0: none) and offset. */
static orm_include criteria_node(orm_session *s, const orm_mapper *m, const char *rel, const char *filter,
                                 const char *sort, int64_t limit, int64_t offset)
{
    orm_include node = {.rel = orm_mapper_relationship(m, rel), .strategy = ORM_LAZY_SELECTIN};
    if (filter) {
        json_t *j = json_loads(filter, 0, NULL);
        orm_alias_seq seq = orm_alias_seq_start(1, NULL);
        orm_expr *e = NULL;
        ck_assert_int_eq(orm_filter_parse(s->arena, node.rel->target, j, 0, &seq, "/f", &e, s->err), 0);
        json_decref(j);
        node.where = (orm_template){e, seq.next - 1};
    }
    node.sort = sort;
    node.limited = limit >= 0;
    node.limit = limit;
    node.offset = offset;
    orm_include_criteria(s->arena, &node);
    return node;
}

/* entity's rows with the one include node. */
static int load_with(orm_session *s, const char *entity, orm_include *node)
{
    orm_query q;
    orm_query_init(&q, tdb_mapper(&DB, entity), NULL);
    orm_loaded out;
    return orm_load_query(s, &q, node, 1, &out);
}

/* Authors with their two best rated books after the first (sorted through
 * a many-to-one), each book's tags joined to the windowed rows. */
static int load_include_window(orm_session *s, const run_case *rc)
{
    const orm_mapper *m = tdb_mapper(&DB, "Author");
    orm_include node = criteria_node(s, m, "books", "{\"rating\": {\"ge\": 1}}", "-rating,author.name", 2, 1);
    orm_include tags = {.rel = orm_mapper_relationship(node.rel->target, "tags"), .strategy = ORM_LAZY_JOINED};
    node.children = &tags;
    node.nchildren = 1;
    return load_with(s, "Author", &node);
}

/* Books with their first tag by name descending: the window partitioned by
 * the association table's column. */
static int load_include_window_m2m(orm_session *s, const run_case *rc)
{
    orm_include node = criteria_node(s, tdb_mapper(&DB, "Book"), "tags", NULL, "-name", 1, 0);
    return load_with(s, "Book", &node);
}

/* A filter and a sort without a window: the selectin statement with them. */
static int load_include_filtered(orm_session *s, const run_case *rc)
{
    orm_include node = criteria_node(s, tdb_mapper(&DB, "Author"), "books",
                                     "{\"tags\": {\"any\": {\"name\": \"poetry\"}}}", "title", -1, 0);
    return load_with(s, "Author", &node);
}

static const run_case RUNS[] = {
    {.name = "get_child_class", .fn = get_engineer},
    {.name = "count_child_class", .fn = count_engineers},
    L("load_selectin", "Author", "books(tags),publisher", TDB_ALL_SELECTIN),
    L("load_joined", "Author", "books(tags),publisher", TDB_ALL_JOINED),
    {.name = "load_joined_page", .fn = load_rows, .entity = "Author", .include = "books(tags)",
     .mode = TDB_ALL_JOINED, .limit = 3},
    L("load_mixed", "Book", "author(publisher),tags(books)", TDB_JOINED_FIRST),
    L("load_selectin_self_referential", "Cat", "kids(kids),mother", TDB_ALL_SELECTIN),
    L("load_joined_self_referential", "Cat", "kids(kids),mother", TDB_ALL_JOINED),
    L("load_selectin_inheritance", "Company", "employees,engineers,senior_engineers", TDB_ALL_SELECTIN),
    L("load_joined_inheritance", "Company", "employees,engineers,senior_engineers", TDB_ALL_JOINED),
    {.name = "insert_child_class", .fn = insert_engineer},
    {.name = "flush_insert_graph", .fn = flush_new_graph},
    {.name = "flush_insert_batch", .fn = flush_insert_batch},
    {.name = "flush_versioned_update", .fn = flush_versioned_update},
    {.name = "flush_delete_cascade", .fn = flush_delete_cascade},
    {.name = "flush_delete_detach", .fn = flush_delete_detach},
    {.name = "flush_delete_many_to_many", .fn = flush_delete_many_to_many},
    L("load_selectin_projection", "Club", "members,public_members", TDB_ALL_SELECTIN),
    L("load_joined_projection", "Club", "members,public_members", TDB_ALL_JOINED),
    {.name = "flush_insert_renamed", .fn = flush_insert_renamed},
    {.name = "flush_update_renamed", .fn = flush_update_renamed},
    {.name = "flush_update_subclass", .fn = flush_update_subclass},
    {.name = "flush_insert_defaults", .fn = flush_insert_defaults},
    {.name = "flush_update_onupdate", .fn = flush_update_onupdate},
    {.name = "proxy_load", .fn = load_proxy},
    {.name = "proxy_lookup_by_attribute", .fn = lookup_proxy_targets},
    /* computed attributes of the paged parents (a derived table) and of joined / selectin rows */
    {.name = "load_computed_joined_page", .fn = load_rows, .entity = "Shelf", .include = "slots",
     .mode = TDB_ALL_JOINED, .limit = 3},
    L("load_computed_selectin", "Shelf", "slots(tags)", TDB_ALL_SELECTIN),
    L("load_selectin_composite_key", "Region", "cities", TDB_ALL_SELECTIN),
    L("load_joined_composite_key", "City", "region", TDB_ALL_JOINED),
    L("joined_load_selectin", "Garage", "vehicles,cars(wheels)", TDB_ALL_SELECTIN),
    L("joined_load_joined", "Garage", "vehicles,cars(wheels)", TDB_ALL_JOINED),
    {.name = "joined_insert_chain", .fn = insert_sports_car},
    {.name = "joined_update_level", .fn = flush_update_level},
    {.name = "joined_delete_chain", .fn = flush_delete_levels},
    /* a page of cars with their wheels joined: the derived table labels the
     * second "doors" of the span (Truck's) */
    {.name = "joined_load_joined_page", .fn = load_rows, .entity = "Car", .include = "wheels",
     .mode = TDB_ALL_JOINED, .limit = 2},
    /* a polymorphic page with computed attributes at two levels and one selectin include: two statements */
    {.name = "joined_computed_selectin_page", .fn = load_rows, .entity = "Robot", .include = "parts",
     .mode = TDB_ALL_SELECTIN, .limit = 20},
    {.name = "count_joined_page", .fn = load_counts, .mode = TDB_ALL_JOINED, .limit = 3},
    {.name = "count_selectin_page", .fn = load_counts, .mode = TDB_ALL_SELECTIN, .limit = 3},
    /* bulk writes (SPEC §10 D): the chosen rows read once, then set-wise statements by key */
#define B(fn_) {.name = #fn_, .fn = fn_}
    B(bulk_update_versioned), B(bulk_update_level), B(bulk_delete_cascade), B(bulk_delete_detach),
    B(bulk_delete_many_to_many), B(bulk_delete_levels),
#undef B
    /* criteria inside include (SPEC §10 C): the per-parent window, over a
     * many-to-many too, and a filtered, sorted selectin */
    {.name = "include_criteria_window", .fn = load_include_window},
    {.name = "include_criteria_window_many_to_many", .fn = load_include_window_m2m},
    {.name = "include_criteria_filter_sort", .fn = load_include_filtered},
    {.name = "aggregate_grouped", .fn = aggregate_grouped},
    {.name = "aggregate_of_one_to_many", .fn = aggregate_one_to_many},
    {.name = "aggregate_of_many_to_many", .fn = aggregate_many_to_many},
};
#undef L

/* Run the case in a write unit that is always rolled back (the rows stay as
 * seeded for the next case). */
static int run_rolled_back(orm_session *s, void *ud)
{
    const run_case *rc = ud;
    int code = rc->fn(s, rc);
    return code ? code : orm_error_set(s->err, ORM_E_PRECONDITION, "rolled back on purpose");
}

/* The statements the case ran, from --echo ("restmap: SQL <sql> -- [<params>]
 * (cached|prepared)"; transaction verbs have no suffix and are skipped). */
static void capture(const run_case *rc)
{
    tdb_echo_reset(&DB);
    int code = tdb_unit(&DB, true, run_rolled_back, (void *)rc, NULL);
    ck_assert_msg(code == ORM_E_PRECONDITION, "%s: %s (%s)", rc->name, DB.err.detail, DB.err.internal);
    static const char prefix[] = "restmap: SQL ";
    int k = 0;
    for (const char *line = tdb_echo(&DB); *line;) {
        const char *end = strchr(line, '\n');
        ck_assert_ptr_nonnull(end);
        size_t len = (size_t)(end - line);
        const char *text = rm_arena_strndup(DB.arena, line, len);
        line = end + 1;
        ck_assert_msg(strncmp(text, prefix, sizeof prefix - 1) == 0, "echo line: %s", text);
        text += sizeof prefix - 1;
        const char *suffix = strrchr(text, '(');
        if (!suffix || (strcmp(suffix, "(cached)") && strcmp(suffix, "(prepared)"))) continue; /* a verb */
        size_t sql_len = (size_t)(suffix - 1 - text);
        const char *params = "";
        const char *p = strstr(text, " -- [");
        if (p && p < suffix) {
            params = rm_arena_strndup(DB.arena, p + 5, (size_t)(suffix - 2 - (p + 5)));
            sql_len = (size_t)(p - text);
        }
        add_snap(rm_arena_sprintf(DB.arena, "%s.%d", rc->name, ++k), text, sql_len, params);
    }
    ck_assert_msg(k > 0, "%s ran no statement", rc->name);
}

/* ---- files -------------------------------------------------------------------- */

static bool produced(const char *file)
{
    for (size_t i = 0; i < NSNAPS; i++) {
        size_t n = strlen(SNAPS[i].name);
        if (!strncmp(file, SNAPS[i].name, n) && !strcmp(file + n, ".sql")) return true;
    }
    return false;
}

/* Write every snapshot and remove files no statement produced. */
static void update_files(const char *dir)
{
    ck_assert_msg(mkdir(dir, 0777) == 0 || errno == EEXIST, "mkdir %s: %s", dir, strerror(errno));
    for (size_t i = 0; i < NSNAPS; i++) {
        const char *path = rm_arena_sprintf(DB.arena, "%s/%s.sql", dir, SNAPS[i].name);
        FILE *f = fopen(path, "w");
        ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
        fputs(SNAPS[i].text, f);
        ck_assert_int_eq(fclose(f), 0);
    }
    DIR *d = opendir(dir);
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n > 4 && !strcmp(e->d_name + n - 4, ".sql") && !produced(e->d_name))
            unlink(rm_arena_sprintf(DB.arena, "%s/%s", dir, e->d_name));
    }
    closedir(d);
}

/* Compare every snapshot with its file; every problem is listed in *report. */
static size_t compare_files(const char *dir, rm_sb *report)
{
    size_t bad = 0;
    for (size_t i = 0; i < NSNAPS; i++) {
        const char *path = rm_arena_sprintf(DB.arena, "%s/%s.sql", dir, SNAPS[i].name);
        struct stat st;
        if (stat(path, &st) != 0) {
            rm_sb_appendf(report, "missing %s:\n%s", path, SNAPS[i].text);
            bad++;
            continue;
        }
        char *want = ts_read_file_from(path, 0, NULL);
        if (strcmp(want, SNAPS[i].text) != 0) {
            rm_sb_appendf(report, "differs %s:\n  file: %s  now:  %s", path, want, SNAPS[i].text);
            bad++;
        }
        free(want);
    }
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "%s: %s", dir, strerror(errno));
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n > 4 && !strcmp(e->d_name + n - 4, ".sql") && !produced(e->d_name)) {
            rm_sb_appendf(report, "stale %s/%s: no statement produced it\n", dir, e->d_name);
            bad++;
        }
    }
    closedir(d);
    return bad;
}

START_TEST(compiled_sql_matches_the_snapshots)
{
    const struct dialect_row *row = dialect_here(_i);
    char url[512];
    if (row->url) snprintf(url, sizeof url, "%s", row->url);
    else pgtmp_fresh_db(url, sizeof url);
    tdb_open_files(&DB, TDB_KINDS_SCHEMA, TDB_KINDS_SEED, url, NULL);
    ck_assert_msg(orm_engine_driver(DB.engine)->dialect == row->dialect, "%s: the engine has another dialect",
                  row->name);
    NSNAPS = 0;
    for (size_t i = 0; i < sizeof QUERIES / sizeof QUERIES[0]; i++) build_query(&QUERIES[i], row->dialect);
    for (size_t i = 0; i < sizeof RUNS / sizeof RUNS[0]; i++) capture(&RUNS[i]);
    const char *update = getenv("RM_UPDATE_SNAPSHOTS");
    if (update && !strcmp(update, "1")) {
        update_files(row->dir);
        fprintf(stderr, "sql snapshots: wrote %zu files to %s\n", NSNAPS, row->dir);
    } else {
        rm_sb report;
        rm_sb_init(&report, DB.arena);
        size_t bad = compare_files(row->dir, &report);
        if (bad) fprintf(stderr, "%s", report.buf); /* whole, where check's message is cut short */
        ck_assert_msg(bad == 0, "%s: %zu of %zu SQL snapshots do not match (the list is above; "
                      "RM_UPDATE_SNAPSHOTS=1 rewrites them):\n%.2000s", row->name, bad, NSNAPS, report.buf);
    }
    tdb_close(&DB);
    if (!row->url) pgtmp_drop_db(url);
}
END_TEST

TS_SUITE(sql_snapshots_suite, "orm/sql_snapshots", NULL, NULL, dialects_here(),
         compiled_sql_matches_the_snapshots)
