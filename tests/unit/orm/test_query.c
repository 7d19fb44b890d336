/* test_query.c: orm/query.h on the shared kinds schema and rows: sort
 * specs parsed into order items and LEFT JOINs (joins reused, hops bounded,
 * collections, unknown, hidden, write-only and a sibling class's columns
 * refused), the effective order (primary key appended, reversed), keyset
 * paging that walks every row exactly once in both directions whatever the
 * NULLs and joins, with_parent over every relationship kind, orm_get,
 * count, limit/offset and insert. */
#include <check.h>
#include <string.h>

#include "orm/query.h"
#include "tests/suites.h"
#include "tests/support/ormdb.h"
#include "tests/support/suite.h"

static tdb DB;

static void setup(void) { tdb_open_files(&DB, TDB_KINDS_SCHEMA, TDB_KINDS_SEED, NULL, NULL); }
static void teardown(void) { tdb_close(&DB); }

static const orm_mapper *M(const char *entity) { return tdb_mapper(&DB, entity); }

/* A query of entity sorted by spec (NULL: default order); 0 or the error. */
static int sorted(orm_query *q, const char *entity, const char *spec)
{
    orm_query_init(q, M(entity), NULL);
    orm_error_init(&DB.err, DB.arena);
    return spec ? orm_query_order_by(q, DB.arena, spec, &q->aliases, "/sort", &DB.err) : 0;
}

static void assert_item(const orm_order_item *it, int alias, const char *column, bool desc)
{
    ck_assert_int_eq(it->expr->op, ORM_OP_COLUMN);
    ck_assert_int_eq(it->expr->u.col.alias, alias);
    ck_assert_str_eq(it->expr->u.col.column->name, column);
    ck_assert_int_eq(it->desc, desc);
}

START_TEST(sort_specs_become_order_items_and_joins)
{
    orm_query q;
    ck_assert_int_eq(sorted(&q, "Book", "title,-rating,+id"), 0);
    ck_assert_uint_eq(q.norder, 3);
    assert_item(&q.order[0], 0, "title", false);
    assert_item(&q.order[1], 0, "rating", true);
    assert_item(&q.order[2], 0, "id", false);
    ck_assert_uint_eq(q.njoins, 0);
    /* through many-to-one relationships: LEFT JOINs, one per path, reused */
    ck_assert_int_eq(sorted(&q, "Book", "author.name,-author.id,author.publisher.name"), 0);
    ck_assert_uint_eq(q.njoins, 2);
    ck_assert_int_eq(q.joins[0].kind, ORM_JOIN_LEFT);
    ck_assert_str_eq(q.joins[0].table->name, "authors");
    ck_assert_str_eq(q.joins[1].table->name, "publishers");
    assert_item(&q.order[0], q.joins[0].alias, "name", false);
    assert_item(&q.order[1], q.joins[0].alias, "id", true);
    assert_item(&q.order[2], q.joins[1].alias, "name", false);
    ck_assert_int_ne(q.joins[0].alias, 0);
    ck_assert_int_ne(q.joins[0].alias, q.joins[1].alias);
    ck_assert_int_gt(q.aliases.next, q.joins[1].alias); /* later subqueries get fresh aliases */
    /* three hops is the most */
    ck_assert_int_eq(sorted(&q, "Cat", "mother.mother.mother.name"), 0);
    ck_assert_uint_eq(q.njoins, 3);
}
END_TEST

START_TEST(bad_sort_specs_are_field_errors)
{
    static const struct { const char *entity, *spec, *message; } cases[] = {
        {"Book", "nope", "unknown column \"nope\""},
        {"Book", "nope.name", "unknown relationship \"nope\""},
        {"Author", "books.title", "is a collection"},
        {"Author", "password", "unknown column \"password\""},      /* write-only */
        {"Author", "notes", "unknown column \"notes\""},            /* hidden */
        {"Manager", "level", "unknown column \"level\""},           /* an Engineer's column */
        {"Book", "author.password", "unknown column \"password\""},
        {"Cat", "mother.mother.mother.mother.name", "at most 3"},
        {"Book", "", "at least one column"},
        {"Book", ",", "at least one column"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        orm_query q;
        int rc = sorted(&q, cases[i].entity, cases[i].spec);
        ck_assert_msg(rc == ORM_E_INVALID, "%s ?sort=%s: %d", cases[i].entity, cases[i].spec, rc);
        ck_assert_uint_eq(DB.err.nfields, 1);
        ck_assert_str_eq(DB.err.fields[0].pointer, "/sort");
        ck_assert_msg(strstr(DB.err.fields[0].message, cases[i].message) != NULL, "%s: %s", cases[i].spec,
                      DB.err.fields[0].message);
    }
}
END_TEST

/* The effective order as "name name- ..." (desc marked with a trailing -). */
static const char *order_text(const orm_query *q)
{
    size_t n;
    orm_order_item *items = orm_query_effective_order(q, DB.arena, &n);
    rm_sb sb;
    rm_sb_init(&sb, DB.arena);
    for (size_t i = 0; i < n; i++)
        rm_sb_appendf(&sb, "%s%s%s", i ? " " : "", items[i].expr->u.col.column->name, items[i].desc ? "-" : "");
    return sb.buf;
}

START_TEST(effective_order_appends_the_key)
{
    static const struct { const char *spec; bool reverse; const char *order; } cases[] = {
        {NULL, false, "id"},          {"title", false, "title id"},     {"-id", false, "id-"},
        {"-rating,id", false, "rating- id"}, {"title", true, "title- id-"}, {"-id", true, "id"},
        {"author.id", false, "id id"}, /* the author's key is not the book's */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        orm_query q;
        ck_assert_int_eq(sorted(&q, "Book", cases[i].spec), 0);
        q.reverse = cases[i].reverse;
        ck_assert_str_eq(order_text(&q), cases[i].order);
    }
    size_t n;
    orm_order_item *o = orm_relationship_order(DB.arena, tdb_rel(&DB, "Author", "books"), 5, &n);
    ck_assert_uint_eq(n, 2);
    assert_item(&o[0], 5, "title", false);
    assert_item(&o[1], 5, "id", false);
    o = orm_relationship_order(DB.arena, tdb_rel(&DB, "Company", "employees"), 2, &n);
    ck_assert_uint_eq(n, 1);
    assert_item(&o[0], 2, "id", false);
}
END_TEST

/* ---- running queries ---------------------------------------------------------- */

typedef struct ids {
    const orm_query *q;
    int64_t v[64];
    size_t n;
    orm_value *last_keys;     /* effective-order values of the last row */
} ids;

/* Append the ids of q's rows (first column) and keep the last row's keys. */
static int collect_ids(orm_session *s, void *ud)
{
    ids *r = ud;
    orm_result res;
    int rc = orm_query_all(s, r->q, &res);
    if (rc) return rc;
    size_t n;
    orm_query_effective_order(r->q, s->arena, &n);
    for (size_t i = 0; i < res.nrows; i++) {
        const orm_value *row = orm_result_row(&res, i);
        ck_assert_uint_lt(r->n, 64);
        r->v[r->n++] = row[0].u.i;
        r->last_keys = RM_NEW_ARRAY(s->arena, orm_value, n);
        orm_query_sort_values(r->q, s->arena, row, row + r->q->mapper->table->ncolumns, r->last_keys);
    }
    return 0;
}

static const char *ids_text(const ids *r)
{
    rm_sb sb;
    rm_sb_init(&sb, DB.arena);
    for (size_t i = 0; i < r->n; i++) rm_sb_appendf(&sb, "%s%lld", i ? "," : "", (long long)r->v[i]);
    return sb.buf;
}

/* The ids q returns, as "1,2,3". */
static const char *run_ids(const orm_query *q)
{
    ids r = {.q = q};
    ck_assert_msg(tdb_unit(&DB, false, collect_ids, &r, NULL) == 0, "%s", DB.err.detail);
    return ids_text(&r);
}

/* Walk q page by page (size 2) with keyset cursors; the ids met, in order. */
static const char *walk(orm_query *q)
{
    ids r = {.q = q};
    q->limit = 2;
    for (int pages = 0; pages < 20; pages++) {
        size_t before = r.n;
        ck_assert_msg(tdb_unit(&DB, false, collect_ids, &r, NULL) == 0, "%s", DB.err.detail);
        if (r.n == before) break;
        orm_query_after(q, DB.arena, r.last_keys);
    }
    return ids_text(&r);
}

/* Keyset pages, forwards and backwards, meet every row once in the order
 * of one unpaged query: NULLs (rating, a book without author) first
 * ascending and last descending, ties broken by the key. */
START_TEST(keyset_pages_walk_every_row_once)
{
    static const struct { const char *spec, *forward; } cases[] = {
        {NULL, "1,2,3,4,5"},
        {"rating", "2,3,5,4,1"},
        {"-rating", "1,4,3,5,2"},
        {"author.name", "4,1,2,5,3"},
        {"-author.name,title", "3,2,5,1,4"},
        {"author.publisher.name,-title", "4,1,5,2,3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        orm_query q;
        ck_assert_int_eq(sorted(&q, "Book", cases[i].spec), 0);
        ck_assert_str_eq(run_ids(&q), cases[i].forward);
        ck_assert_msg(strcmp(walk(&q), cases[i].forward) == 0, "sort %s forwards", cases[i].spec);
        /* backwards: the reversed order, from the end */
        ck_assert_int_eq(sorted(&q, "Book", cases[i].spec), 0);
        q.reverse = true;
        char want[32];
        size_t n = strlen(cases[i].forward);
        for (size_t k = 0; k < n; k++) want[k] = cases[i].forward[n - 1 - k];
        want[n] = '\0';
        ck_assert_msg(strcmp(walk(&q), want) == 0, "sort %s backwards", cases[i].spec);
    }
}
END_TEST

START_TEST(limit_offset_and_count)
{
    orm_query q;
    ck_assert_int_eq(sorted(&q, "Book", NULL), 0);
    q.limit = 2;
    q.offset = 1;
    ck_assert_str_eq(run_ids(&q), "2,3");
    q.limit = -1;
    q.offset = 3;
    ck_assert_str_eq(run_ids(&q), "4,5");
    q.limit = 0;
    q.offset = 0;
    ck_assert_str_eq(run_ids(&q), "");
    ck_assert_int_eq(sorted(&q, "Engineer", NULL), 0);
    ck_assert_str_eq(run_ids(&q), "3,5,6"); /* a child class sees its own rows only */
}
END_TEST

typedef struct counted {
    const orm_query *q;
    int64_t n;
} counted;

static int run_count(orm_session *s, void *ud)
{
    counted *c = ud;
    return orm_query_count(s, c->q, &c->n);
}

static int64_t count_of(const orm_query *q)
{
    counted c = {q, -1};
    ck_assert_int_eq(tdb_unit(&DB, false, run_count, &c, NULL), 0);
    return c.n;
}

START_TEST(count_ignores_order_and_paging)
{
    orm_query q;
    ck_assert_int_eq(sorted(&q, "Book", "-title"), 0);
    q.where = orm_expr_binary(DB.arena, ORM_OP_GT, orm_expr_column(DB.arena, 0, tdb_column(&DB, "Book", "rating")),
                              orm_expr_param(DB.arena, orm_int(2), NULL));
    q.limit = 1;
    q.offset = 1;
    ck_assert_int_eq(count_of(&q), 4);
    ck_assert_int_eq(sorted(&q, "Engineer", NULL), 0);
    ck_assert_int_eq(count_of(&q), 3);
    ck_assert_int_eq(sorted(&q, "Employee", NULL), 0);
    ck_assert_int_eq(count_of(&q), 7);
}
END_TEST

typedef struct get_ud {
    const orm_mapper *m;
    int64_t id;
    orm_value *row;
} get_ud;

static int run_get(orm_session *s, void *ud)
{
    get_ud *g = ud;
    orm_value pk = orm_int(g->id);
    return orm_get(s, g->m, &pk, &g->row);
}

/* orm_get of entity's row id: the row, or NULL (err set) when there is none. */
static orm_value *get_row(const char *entity, int64_t id)
{
    get_ud g = {M(entity), id, NULL};
    int rc = tdb_unit(&DB, false, run_get, &g, NULL);
    ck_assert(rc == 0 || rc == ORM_E_NOT_FOUND);
    return rc ? NULL : g.row;
}

START_TEST(get_by_primary_key)
{
    orm_value *row = get_row("Author", 1);
    ck_assert_ptr_nonnull(row);
    orm_value ann = tdb_text("Ann");
    ck_assert(orm_value_eq(&row[tdb_column(&DB, "Author", "name")->index], &ann));
    ck_assert_ptr_null(get_row("Author", 99));
    ck_assert_int_eq(DB.err.code, ORM_E_NOT_FOUND);
    ck_assert_str_eq(DB.err.detail, "no Author with that key");
    ck_assert_ptr_null(get_row("Engineer", 1));  /* row 1 is a plain employee */
    ck_assert_ptr_nonnull(get_row("Engineer", 3));
    ck_assert_ptr_nonnull(get_row("Employee", 3)); /* the base class sees every row */
    ck_assert_ptr_null(get_row("Manager", 3));
}
END_TEST

/* with_parent: the target rows related to one parent row. */
START_TEST(with_parent_follows_every_relationship_kind)
{
    static const struct { const char *entity; int64_t id; const char *rel, *want; } cases[] = {
        {"Author", 1, "books", "1,2,5"},       {"Author", 3, "books", ""},
        {"Book", 3, "author", "2"},            {"Book", 4, "author", ""},      /* NULL key */
        {"Author", 2, "publisher", "2"},       {"Publisher", 1, "authors", "1,4"},
        {"Book", 1, "tags", "1,2"},            {"Tag", 2, "books", "1,2,5"},   {"Tag", 4, "books", ""},
        {"Cat", 1, "kids", "2,3,7"},           {"Cat", 5, "mother", "4"},      {"Cat", 6, "mother", ""},
        {"Company", 1, "employees", "1,2,3"},  {"Company", 2, "engineers", "5,6"},
        {"Company", 2, "senior_engineers", "6"}, {"Company", 1, "senior_engineers", "3"},
        {"Company", 3, "engineers", ""},       {"Employee", 7, "company", ""},
        {"Engineer", 6, "company", "2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        orm_value *parent = get_row(cases[i].entity, cases[i].id);
        ck_assert_ptr_nonnull(parent);
        const orm_relationship *r = tdb_rel(&DB, cases[i].entity, cases[i].rel);
        orm_query q;
        orm_query_init(&q, r->target, NULL);
        q.where = orm_with_parent(DB.arena, r, parent, 0, &q.aliases);
        ck_assert_msg(strcmp(run_ids(&q), cases[i].want) == 0, "%s %lld .%s: got %s", cases[i].entity,
                      (long long)cases[i].id, cases[i].rel, run_ids(&q));
    }
    /* a NULL parent key is the constant FALSE, not a comparison with NULL */
    orm_alias_seq seq = {.next = 1};
    orm_value *orphan = get_row("Book", 4);
    orm_expr *w = orm_with_parent(DB.arena, tdb_rel(&DB, "Book", "author"), orphan, 0, &seq);
    ck_assert_int_eq(w->op, ORM_OP_FALSE);
}
END_TEST

typedef struct insert_ud {
    const orm_mapper *m;
    const char *column, *value;
    orm_value *row;
} insert_ud;

static int run_insert(orm_session *s, void *ud)
{
    insert_ud *u = ud;
    const orm_table *t = u->m->table;
    orm_value *vals = RM_NEW_ARRAY(s->arena, orm_value, t->ncolumns);
    bool *given = RM_NEW_ARRAY(s->arena, bool, t->ncolumns);
    const orm_column *c = orm_table_column(t, u->column);
    vals[c->index] = tdb_text(u->value);
    given[c->index] = true;
    return orm_insert_row(s, u->m, vals, given, &u->row);
}

static orm_value *insert(const char *entity, const char *column, const char *value)
{
    insert_ud u = {M(entity), column, value, NULL};
    ck_assert_msg(tdb_unit(&DB, true, run_insert, &u, NULL) == 0, "%s", DB.err.detail);
    return u.row;
}

START_TEST(insert_applies_defaults_version_and_identity)
{
    orm_value *book = insert("Book", "title", "New");
    ck_assert_int_eq(book[tdb_column(&DB, "Book", "id")->index].u.i, 6);       /* generated */
    ck_assert_int_eq(book[tdb_column(&DB, "Book", "version")->index].u.i, 1);  /* starts at 1 */
    ck_assert_int_eq(book[tdb_column(&DB, "Book", "rating")->index].kind, ORM_V_NULL);
    orm_value *eng = insert("Engineer", "name", "Neu");
    orm_value want = tdb_text("engineer");
    ck_assert(orm_value_eq(&eng[tdb_column(&DB, "Employee", "type")->index], &want));
    ck_assert_ptr_nonnull(get_row("Engineer", eng[0].u.i));
    ck_assert_int_eq(tdb_count(&DB, "employees", "type = 'engineer'"), 4);
}
END_TEST

TS_SUITE(query_suite, "orm/query", setup, teardown, 1, sort_specs_become_order_items_and_joins,
         bad_sort_specs_are_field_errors, effective_order_appends_the_key, keyset_pages_walk_every_row_once,
         limit_offset_and_count, count_ignores_order_and_paging, get_by_primary_key,
         with_parent_follows_every_relationship_kind, insert_applies_defaults_version_and_identity)
