/* test_stream.c: orm/stream.h: a query's objects in batches of `per`,
 * each row once and in the query's order (by the key, by a column with
 * ties, descending); a batch's instances are in the session's identity
 * map while it is current and gone after, the session's own map back
 * when the stream ends; the query's limit bounds the stream and its
 * offset is skipped once; includes are loaded on every batch; one
 * statement per batch; fn's error stops the stream; a batch changed and
 * not flushed is refused, one flushed is written. */
#include <check.h>
#include <string.h>

#include "orm/stream.h"
#include "orm/uow.h"
#include "tests/suites.h"
#include "tests/support/ormdb.h"
#include "tests/support/suite.h"

static const char *SCHEMA =
    "{\"entities\": {"
    "\"Shelf\": {\"table\": \"shelves\", \"columns\": {"
    "  \"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "  \"label\": {\"type\": \"string\"}},"
    " \"relationships\": {\"books\": {\"target\": \"Book\", \"back_populates\": \"shelf\"}}},"
    "\"Book\": {\"table\": \"books\", \"columns\": {"
    "  \"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "  \"title\": {\"type\": \"string\"},"
    "  \"shelf_id\": {\"type\": \"integer\", \"foreign_key\": \"shelves.id\"}},"
    " \"relationships\": {\"shelf\": {\"target\": \"Shelf\", \"back_populates\": \"books\"}}}}}";

static tdb DB;

/* Ten shelves labelled by id % 3 (ties); shelf k has k % 3 books. */
static void setup(void)
{
    tdb_open(&DB, SCHEMA, NULL, NULL);
    tdb_sql(&DB, "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 10) "
                 "INSERT INTO shelves (id, label) SELECT k, 'L' || (k % 3) FROM n");
    tdb_sql(&DB, "INSERT INTO books (title, shelf_id) SELECT 'b' || id, id FROM shelves WHERE id % 3 >= 1; "
                 "INSERT INTO books (title, shelf_id) SELECT 'c' || id, id FROM shelves WHERE id % 3 = 2");
}
static void teardown(void) { tdb_close(&DB); }

typedef struct run {
    orm_query q;
    size_t per;
    orm_include *inc;
    size_t ninc;
    int64_t ids[32];        /* every row met, in order */
    size_t n;
    size_t batches[16];     /* each batch's size */
    size_t nbatches;
    size_t tracked;         /* batch rows found in the session's identity map while current */
    size_t map_before, map_after; /* the session's map around the stream */
    size_t books;           /* books loaded on the batches' shelves */
    int stop_at;            /* fn fails at this batch (1-based; 0 never) */
    bool change;            /* fn changes each row's label ... */
    bool flush;             /* ... and flushes it */
    orm_session *s;
    int rc;
} run;

static int on_batch(orm_session *s, orm_instance **batch, size_t n, void *ud)
{
    run *r = ud;
    r->batches[r->nbatches++] = n;
    const orm_table *t = batch[0]->mapper->table;
    size_t books = 0;
    for (size_t i = 0; i < n; i++) {
        r->ids[r->n++] = batch[i]->row[0].u.i;
        if (orm_identity_map_get(&s->map, t, batch[i]->row) == batch[i]) r->tracked++;
        const orm_related *slot = r->ninc ? orm_instance_related(batch[i], r->inc[0].rel) : NULL;
        books += slot ? slot->n : 0;
        if (r->change) orm_uow_set(orm_session_uow(s), batch[i], orm_table_column(t, "label"), tdb_text("new"));
    }
    r->books += books;
    ck_assert_uint_eq(s->map.count, n + books); /* this batch's objects only */
    if (r->flush) {
        int rc = orm_uow_flush(orm_session_uow(s));
        if (rc) return rc;
    }
    return (int)r->nbatches == r->stop_at ? orm_error_set(s->err, ORM_E_CONFLICT, "stop") : 0;
}

static int run_stream(orm_session *s, void *ud)
{
    run *r = ud;
    /* the session's own map holds one object before the stream */
    orm_uow_get(orm_session_uow(s), r->q.mapper, &(orm_value){.kind = ORM_V_INT, .u.i = 1}, &(orm_instance *){0});
    r->map_before = s->map.count;
    r->rc = orm_stream_query(s, &r->q, r->per, r->inc, r->ninc, on_batch, r);
    r->map_after = s->map.count;
    return r->rc;
}

/* Stream the shelves with sort spec (NULL: by key), limit and offset. */
static void stream(run *r, const char *sort, size_t per, int64_t limit, int64_t offset)
{
    memset(r, 0, sizeof *r);
    orm_query_init(&r->q, tdb_mapper(&DB, "Shelf"), NULL);
    if (sort) ck_assert_int_eq(orm_query_order_by(&r->q, DB.arena, sort, &r->q.aliases, "/sort", &DB.err), 0);
    r->q.limit = limit;
    r->q.offset = offset;
    r->per = per;
}

static int go(run *r, bool write, orm_session *s)
{
    tdb_echo_reset(&DB);
    return tdb_unit(&DB, write, run_stream, r, s);
}

static void expect_ids(const run *r, const int64_t *want, size_t n)
{
    ck_assert_uint_eq(r->n, n);
    for (size_t i = 0; i < n; i++) ck_assert_int_eq(r->ids[i], want[i]);
}

START_TEST(batches_by_key_each_row_once)
{
    run r;
    stream(&r, NULL, 3, -1, 0);
    orm_session s;
    ck_assert_int_eq(go(&r, false, &s), 0);
    const int64_t want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    expect_ids(&r, want, 10);
    ck_assert_uint_eq(r.nbatches, 4);
    ck_assert_uint_eq(r.batches[0], 3);
    ck_assert_uint_eq(r.batches[3], 1);
    ck_assert_uint_eq(r.tracked, 10);
    ck_assert_uint_eq(r.map_before, 1); /* the session's own map, back after the stream */
    ck_assert_uint_eq(r.map_after, 1);
    ck_assert_uint_eq(s.statements, 1 + 4); /* the orm_uow_get, then one per batch */
}
END_TEST

START_TEST(a_full_last_batch_ends_with_an_empty_one)
{
    run r;
    stream(&r, NULL, 5, -1, 0);
    orm_session s;
    ck_assert_int_eq(go(&r, false, &s), 0);
    ck_assert_uint_eq(r.n, 10);
    ck_assert_uint_eq(r.nbatches, 2);
    ck_assert_uint_eq(s.statements, 1 + 3);
}
END_TEST

START_TEST(order_with_ties_and_descending)
{
    run r;
    stream(&r, "label,-id", 2, -1, 0); /* L0: 9 6 3, L1: 10 7 4 1, L2: 8 5 2 */
    ck_assert_int_eq(go(&r, false, NULL), 0);
    const int64_t want[] = {9, 6, 3, 10, 7, 4, 1, 8, 5, 2};
    expect_ids(&r, want, 10);
    stream(&r, "-label", 4, -1, 0); /* the key breaks ties ascending */
    ck_assert_int_eq(go(&r, false, NULL), 0);
    const int64_t down[] = {2, 5, 8, 1, 4, 7, 10, 3, 6, 9};
    expect_ids(&r, down, 10);
}
END_TEST

START_TEST(limit_bounds_the_stream_and_offset_is_skipped_once)
{
    run r;
    stream(&r, NULL, 2, 5, 2);
    ck_assert_int_eq(go(&r, false, NULL), 0);
    const int64_t want[] = {3, 4, 5, 6, 7};
    expect_ids(&r, want, 5);
    ck_assert_uint_eq(r.nbatches, 3);
    ck_assert_uint_eq(r.batches[2], 1);
}
END_TEST

START_TEST(includes_are_loaded_on_every_batch)
{
    for (int mode = TDB_ALL_SELECTIN; mode <= TDB_ALL_JOINED; mode++) {
        run r;
        stream(&r, NULL, 4, -1, 0);
        r.inc = tdb_include(&DB, r.q.mapper, "books", mode, &r.ninc, NULL);
        ck_assert_int_eq(go(&r, false, NULL), 0);
        ck_assert_uint_eq(r.n, 10);
        ck_assert_uint_eq(r.books, 7 + 3); /* one book on 7 shelves, a second on 3 */
    }
}
END_TEST

START_TEST(fn_stops_the_stream)
{
    run r;
    stream(&r, NULL, 3, -1, 0);
    r.stop_at = 2;
    ck_assert_int_eq(go(&r, false, NULL), ORM_E_CONFLICT);
    ck_assert_uint_eq(r.n, 6);
    ck_assert_uint_eq(r.map_after, 1);
}
END_TEST

START_TEST(changes_must_be_flushed_within_the_batch)
{
    run r;
    stream(&r, NULL, 4, -1, 0);
    r.change = true;
    ck_assert_int_eq(go(&r, true, NULL), ORM_E_INTERNAL);
    ck_assert_int_eq(tdb_count(&DB, "shelves", "label = 'new'"), 0);
    stream(&r, NULL, 4, -1, 0);
    r.change = r.flush = true;
    ck_assert_int_eq(go(&r, true, NULL), 0);
    ck_assert_int_eq(tdb_count(&DB, "shelves", "label = 'new'"), 10);
}
END_TEST

TS_SUITE(stream_suite, "orm/stream", setup, teardown, 1, batches_by_key_each_row_once,
         a_full_last_batch_ends_with_an_empty_one, order_with_ties_and_descending,
         limit_bounds_the_stream_and_offset_is_skipped_once, includes_are_loaded_on_every_batch,
         fn_stops_the_stream, changes_must_be_flushed_within_the_batch)
