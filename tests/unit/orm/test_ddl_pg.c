/* test_ddl_pg.c: --create-all on PostgreSQL (orm_create_all through the
 * engine, a fresh database per test on the PostgreSQL run's server): the
 * tables with their native types, identity keys, defaults, CHECK
 * constraints (choices, min/max), unique and foreign keys with ON DELETE,
 * a cycle of references (added once both tables exist), indexes (with
 * NULLs first on nullable columns; long names shortened, not truncated
 * into one), text compared by bytes; a second run changes nothing in the
 * catalog; several processes creating at once do not collide; and the
 * key generators moved past keys a seed gave (orm_sync_keys). */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm/ddl.h"
#include "tests/suites.h"
#include "tests/support/drvtest.h"
#include "tests/support/pgtmp.h"
#include "tests/support/suite.h"

static const char *SCHEMA =
    "{\"entities\": {"
    " \"Shop\": {\"table\": \"shops\", \"columns\": {"
    "   \"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "   \"name\": {\"type\": \"string\", \"length\": 40, \"nullable\": false, \"unique\": true},"
    "   \"owner_id\": {\"type\": \"integer\", \"foreign_key\": \"people.id\", \"on_delete\": \"SET NULL\"}}},"
    " \"Person\": {\"table\": \"people\", \"columns\": {"
    "   \"id\": {\"type\": \"bigint\", \"primary_key\": true},"
    "   \"name\": {\"type\": \"text\", \"index\": true},"
    "   \"shop_id\": {\"type\": \"integer\", \"foreign_key\": \"shops.id\", \"on_delete\": \"CASCADE\"},"
    "   \"mentor_id\": {\"type\": \"bigint\", \"foreign_key\": \"people.id\"},"
    "   \"active\": {\"type\": \"boolean\", \"default\": true, \"nullable\": false},"
    "   \"level\": {\"type\": \"integer\", \"min\": 1, \"max\": 5, \"default\": 1},"
    "   \"kind\": {\"type\": \"string\", \"choices\": [\"staff\", \"it's boss\"], \"default\": \"staff\"},"
    "   \"salary\": {\"type\": \"numeric\", \"precision\": 10, \"scale\": 2, \"default\": \"12.50\"},"
    "   \"score\": {\"type\": \"float\", \"default\": 0.5},"
    "   \"born\": {\"type\": \"date\"}, \"seen\": {\"type\": \"datetime\"},"
    "   \"prefs\": {\"type\": \"json\"}, \"uid\": {\"type\": \"uuid\"}}},"
    " \"Tag\": {\"table\": \"a_table_whose_name_is_long_enough_to_need_shortening_of_its_indexes\","
    "  \"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "   \"column_with_a_long_name_number_one\": {\"type\": \"string\", \"index\": true},"
    "   \"column_with_a_long_name_number_two\": {\"type\": \"string\", \"index\": true}}}}}";

static orm_schema *S;
static orm_engine *E;
static orm_error ERR;
static rm_arena *A;
static char URL[512];

static orm_engine *open_engine(void)
{
    orm_engine_options o = {.pool_size = 1};
    orm_engine *e;
    ck_assert_msg(orm_engine_open(URL, &o, &e, &ERR) == 0, "%s", ERR.detail);
    return e;
}

static void setup(void)
{
    A = rm_arena_new();
    orm_error_init(&ERR, A);
    ck_assert_msg(orm_schema_load_string(SCHEMA, "ddl.json", &S, &ERR) == 0, "%s", ERR.detail);
    pgtmp_fresh_db(URL, sizeof URL);
    E = open_engine();
}

static void teardown(void)
{
    orm_engine_close(E);
    orm_schema_free(S);
    pgtmp_drop_db(URL);
    rm_arena_destroy(A);
}

/* ---- SQL on a pooled connection (autocommit) ------------------------------------- */

/* Run sql (one column of rows, or none): 0 or its code. */
static int try_sql(const char *sql, dt_res *out)
{
    orm_conn *c;
    ck_assert_int_eq(orm_engine_checkout(E, &c, &ERR), 0);
    dt t = {&orm_driver_pg, A, &ERR};
    dt_res r;
    int rc = dt_run(&t, c, sql, NULL, NULL, 0, 1, out ? out : &r);
    orm_engine_checkin(E, c, rc == ORM_E_UNAVAILABLE);
    return rc;
}

static void sql_ok(const char *sql)
{
    ck_assert_msg(try_sql(sql, NULL) == 0, "%s: %s (%s)", sql, ERR.detail, ERR.internal);
}

/* The rows of a one-column query as text joined by "|". */
static const char *rows(const char *sql)
{
    dt_res r;
    ck_assert_msg(try_sql(sql, &r) == 0, "%s: %s (%s)", sql, ERR.detail, ERR.internal);
    rm_sb sb;
    rm_sb_init(&sb, A);
    for (size_t i = 0; i < r.nrows; i++) {
        const orm_value *v = &r.v[i];
        if (i) rm_sb_appendc(&sb, '|');
        if (v->kind == ORM_V_TEXT) rm_sb_appendn(&sb, v->u.s.p, v->u.s.n);
        else if (v->kind == ORM_V_INT) rm_sb_append_int(&sb, (long long)v->u.i);
        else rm_sb_append(&sb, v->kind == ORM_V_NULL ? "NULL" : "?");
    }
    return sb.buf;
}

/* Everything create_all makes, as text: tables and indexes, columns with
 * their types, nullability, identity and defaults, constraints. */
static const char *catalog(void)
{
    return rows("SELECT string_agg(x, E'\\n' ORDER BY x) FROM ("
                " SELECT 'rel ' || c.relname || ' ' || c.relkind::text || ' ' || c.oid AS x FROM pg_class c"
                "  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
                " UNION ALL SELECT 'col ' || a.attrelid::regclass || '.' || a.attname || ' ' ||"
                "  format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text || ' ' || a.attidentity::text || ' ' ||"
                "  coalesce(pg_get_expr(d.adbin, d.adrelid), '-') || ' ' || coalesce(co.collname, '-')"
                "  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                "  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                "  LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 100"
                "  WHERE n.nspname = 'public' AND a.attnum > 0 AND c.relkind = 'r'"
                " UNION ALL SELECT 'con ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)"
                "  FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
                " UNION ALL SELECT 'idx ' || indexdef FROM pg_indexes WHERE schemaname = 'public') AS all_objects");
}

/* ---- tests -------------------------------------------------------------------------- */

START_TEST(create_all_makes_every_object)
{
    ck_assert_msg(orm_create_all(E, S, &ERR) == 0, "%s (%s)", ERR.detail, ERR.internal);
    const char *cat = catalog();
    static const char *const want[] = {
        /* native types, identity keys, defaults, text by bytes */
        "col shops.id integer true d -",
        "col shops.name character varying(40) true  - C",
        "col people.id bigint true d -",
        "col people.name text false  - C",
        "col people.active boolean true  true -",
        "col people.level integer false  1 -",
        "col people.kind text false  'staff'::text C",
        "col people.salary numeric(10,2) false  12.50 -",
        "col people.score double precision false  0.5 -",
        "col people.born date false  - -",
        "col people.seen timestamp with time zone false  - -",
        "col people.prefs jsonb false  - -",
        "col people.uid uuid false  - -",
        /* constraints */
        "UNIQUE (name)",
        "CHECK (((level >= 1) AND (level <= 5)))",
        "CHECK ((kind = ANY (ARRAY['staff'::text, 'it''s boss'::text])))",
        "FOREIGN KEY (shop_id) REFERENCES shops(id) ON DELETE CASCADE",
        "FOREIGN KEY (mentor_id) REFERENCES people(id)",
        /* shops is created first: its key to people comes after, by name */
        "con shops fk_shops_owner_id FOREIGN KEY (owner_id) REFERENCES people(id) ON DELETE SET NULL",
        /* indexes: nullable columns with NULLs first */
        "CREATE INDEX ix_people_name ON public.people USING btree (name NULLS FIRST)",
        "CREATE INDEX ix_people_shop_id ON public.people USING btree (shop_id NULLS FIRST)",
        "CREATE INDEX ix_shops_owner_id ON public.shops USING btree (owner_id NULLS FIRST)",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(cat, want[i]) != NULL, "missing: %s\nin:\n%s", want[i], cat);
    /* two long index names: shortened to 63 bytes, and still two */
    ck_assert_str_eq(rows("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'ix_a_table_whose_name_is_long%'"),
                     "2");
    ck_assert_str_eq(rows("SELECT max(length(indexname)) FROM pg_indexes WHERE schemaname = 'public'"), "63");
}
END_TEST

START_TEST(create_all_twice_changes_nothing)
{
    ck_assert_msg(orm_create_all(E, S, &ERR) == 0, "%s (%s)", ERR.detail, ERR.internal);
    const char *before = catalog();
    ck_assert_msg(orm_create_all(E, S, &ERR) == 0, "second run: %s (%s)", ERR.detail, ERR.internal);
    ck_assert_str_eq(catalog(), before);
    /* from another engine (another process's view) as well */
    orm_engine *other = open_engine();
    ck_assert_int_eq(orm_create_all(other, S, &ERR), 0);
    orm_engine_close(other);
    ck_assert_str_eq(catalog(), before);
}
END_TEST

START_TEST(the_constraints_hold)
{
    ck_assert_int_eq(orm_create_all(E, S, &ERR), 0);
    sql_ok("INSERT INTO shops (name) VALUES ('corner')");
    sql_ok("INSERT INTO people (name, shop_id) VALUES ('ann', 1), ('Bob', 1), (NULL, 1)");
    sql_ok("UPDATE shops SET owner_id = 1");
    /* defaults */
    ck_assert_str_eq(rows("SELECT active::text || ' ' || level || ' ' || kind || ' ' || salary || ' ' || score "
                          "FROM people WHERE name = 'ann'"),
                     "true 1 staff 12.50 0.5");
    /* text by bytes ("B" < "a"), NULLs first as the ORM sorts them */
    ck_assert_str_eq(rows("SELECT coalesce(name, '-') FROM people ORDER BY name NULLS FIRST"), "-|Bob|ann");
    /* CHECKs answer as invalid rows (422), the unique key as a conflict */
    ck_assert_int_eq(try_sql("INSERT INTO people (level) VALUES (6)", NULL), ORM_E_VALIDATION);
    ck_assert_int_eq(try_sql("INSERT INTO people (kind) VALUES ('other')", NULL), ORM_E_VALIDATION);
    sql_ok("INSERT INTO people (kind) VALUES ('it''s boss')");
    ck_assert_int_eq(try_sql("INSERT INTO shops (name) VALUES ('corner')", NULL), ORM_E_CONFLICT);
    ck_assert_int_eq(try_sql("INSERT INTO people (mentor_id) VALUES (99)", NULL), ORM_E_CONFLICT);
    /* ON DELETE: the shop's people go with it, their shop's owner is unset */
    sql_ok("INSERT INTO shops (name, owner_id) VALUES ('other', 1)");
    sql_ok("DELETE FROM shops WHERE name = 'corner'");
    ck_assert_str_eq(rows("SELECT count(*) FROM people WHERE shop_id IS NOT NULL"), "0");
    ck_assert_str_eq(rows("SELECT coalesce(owner_id::text, 'none') FROM shops"), "none");
}
END_TEST

/* Creators running at once: each opens its own engine (a replica
 * starting), waits for the others, then runs create_all. */
enum { NCREATORS = 4 };
static pthread_barrier_t CREATORS_READY;
static int CREATED[NCREATORS];
static orm_error CREATE_ERR[NCREATORS];

static void *create_at_once(void *ud)
{
    int i = (int)(intptr_t)ud;
    orm_error_init(&CREATE_ERR[i], NULL);
    orm_engine_options o = {.pool_size = 1};
    orm_engine *e = NULL;
    CREATED[i] = orm_engine_open(URL, &o, &e, &CREATE_ERR[i]);
    pthread_barrier_wait(&CREATORS_READY);
    if (!CREATED[i]) CREATED[i] = orm_create_all(e, S, &CREATE_ERR[i]);
    orm_engine_close(e);
    return NULL;
}

START_TEST(processes_starting_together_do_not_collide)
{
    /* replicas started at once each run --create-all on one database */
    pthread_t t[NCREATORS];
    pthread_barrier_init(&CREATORS_READY, NULL, NCREATORS);
    for (int i = 0; i < NCREATORS; i++) pthread_create(&t[i], NULL, create_at_once, (void *)(intptr_t)i);
    for (int i = 0; i < NCREATORS; i++) pthread_join(t[i], NULL);
    pthread_barrier_destroy(&CREATORS_READY);
    for (int i = 0; i < NCREATORS; i++)
        ck_assert_msg(CREATED[i] == 0, "creator %d: %s (%s)", i, CREATE_ERR[i].detail, CREATE_ERR[i].internal);
    ck_assert_str_eq(rows("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "3");
}
END_TEST

START_TEST(keys_continue_after_a_seed)
{
    ck_assert_int_eq(orm_create_all(E, S, &ERR), 0);
    ck_assert_int_eq(orm_sync_keys(E, S, &ERR), 0); /* nothing yet: the first key stays 1 */
    sql_ok("INSERT INTO shops (name) VALUES ('first')");
    ck_assert_str_eq(rows("SELECT id FROM shops"), "1");
    /* a seed writes its own keys */
    sql_ok("INSERT INTO shops (id, name) VALUES (7, 'seven'), (2, 'two')");
    ck_assert_int_eq(try_sql("INSERT INTO shops (name) VALUES ('clash')", NULL), ORM_E_CONFLICT); /* generated 2 */
    ck_assert_int_eq(orm_sync_keys(E, S, &ERR), 0);
    sql_ok("INSERT INTO shops (name) VALUES ('next')");
    ck_assert_str_eq(rows("SELECT id FROM shops WHERE name = 'next'"), "8");
    /* never backwards: a deleted key is not handed out again */
    sql_ok("DELETE FROM shops WHERE id >= 7");
    ck_assert_int_eq(orm_sync_keys(E, S, &ERR), 0);
    sql_ok("INSERT INTO shops (name) VALUES ('later')");
    ck_assert_str_eq(rows("SELECT id FROM shops WHERE name = 'later'"), "9");
}
END_TEST

TS_SUITE(ddl_pg_suite, "orm/ddl_pg", setup, teardown, 1, create_all_makes_every_object,
         create_all_twice_changes_nothing, the_constraints_hold, processes_starting_together_do_not_collide,
         keys_continue_after_a_seed)
