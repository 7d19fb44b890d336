/* test_ddl.c: CREATE TABLE / CREATE INDEX text for SQLite, and that the
 * DDL really runs (an in-memory database through the engine). */
#include <check.h>

#include "tests/suites.h"
#include "tests/support/suite.h"
#include <string.h>

#include "orm/ddl.h"
#include "orm/session.h"
#include "tests/support/fixtures.h"

static rm_arena *A;
static fx_tables FX;
static orm_schema S;
static orm_table *TABLES[2];

static void setup(void)
{
    A = rm_arena_new();
    fx_tables_init(&FX);
    memset(&S, 0, sizeof S);
    TABLES[0] = &FX.users;
    TABLES[1] = &FX.addresses;
    S.tables = TABLES;
    S.ntables = 2;
}

static void teardown(void) { rm_arena_destroy(A); }

START_TEST(create_table_text)
{
    orm_ddl ddl;
    orm_ddl_build(&orm_dialect_sqlite, &S, A, &ddl);
    ck_assert_uint_eq(ddl.n, 3);
    ck_assert_str_eq(ddl.statements[0],
                     "CREATE TABLE IF NOT EXISTS \"users\" (\n"
                     "  \"id\" INTEGER PRIMARY KEY AUTOINCREMENT,\n"
                     "  \"name\" VARCHAR(50) NOT NULL,\n"
                     "  \"fullname\" VARCHAR,\n"
                     "  \"age\" INTEGER,\n"
                     "  \"active\" BOOLEAN DEFAULT 1,\n"
                     "  CHECK (\"age\" >= 0 AND \"age\" <= 150),\n"
                     "  CHECK (\"active\" IN (0, 1))\n)");
    ck_assert_str_eq(ddl.statements[1],
                     "CREATE TABLE IF NOT EXISTS \"addresses\" (\n"
                     "  \"id\" INTEGER NOT NULL,\n"
                     "  \"email\" VARCHAR NOT NULL UNIQUE,\n"
                     "  \"user_id\" INTEGER,\n"
                     "  \"kind\" VARCHAR,\n"
                     "  PRIMARY KEY (\"id\"),\n"
                     "  FOREIGN KEY (\"user_id\") REFERENCES \"users\" (\"id\") ON DELETE CASCADE,\n"
                     "  CHECK (\"kind\" IN ('home', 'it''s work'))\n)");
    ck_assert_str_eq(ddl.statements[2],
                     "CREATE INDEX IF NOT EXISTS \"ix_addresses_user_id\" ON \"addresses\" (\"user_id\")");
}
END_TEST

START_TEST(composite_key)
{
    FX.acols[0].primary_key = true;
    FX.acols[2].primary_key = true;
    FX.acols[2].nullable = false;
    orm_column *pk[] = {&FX.acols[0], &FX.acols[2]};
    FX.addresses.pk = pk;
    FX.addresses.npk = 2;
    orm_ddl ddl;
    orm_ddl_build(&orm_dialect_sqlite, &S, A, &ddl);
    ck_assert_ptr_nonnull(strstr(ddl.statements[1], "PRIMARY KEY (\"id\", \"user_id\")"));
    /* user_id is not the leading key column: still indexed */
    ck_assert_uint_eq(ddl.n, 3);
}
END_TEST

/* Table-level unique constraints go in CREATE TABLE; declared indexes
 * (plain or unique) are statements of their own after it. */
START_TEST(unique_constraints_and_indexes)
{
    orm_column *uq[] = {&FX.acols[2], &FX.acols[1]}, *ix[] = {&FX.acols[1]};
    orm_index idx[] = {{.name = "uq_pair", .columns = uq, .ncolumns = 2, .unique = true, .constraint = true},
                       {.name = "ix_email", .columns = ix, .ncolumns = 1, .unique = true}};
    FX.addresses.indexes = idx;
    FX.addresses.nindexes = 2;
    orm_ddl ddl;
    orm_ddl_build(&orm_dialect_sqlite, &S, A, &ddl);
    ck_assert_ptr_nonnull(strstr(ddl.statements[1], ",\n  CONSTRAINT \"uq_pair\" UNIQUE (\"user_id\", \"email\")"));
    ck_assert_str_eq(ddl.statements[ddl.n - 1], "CREATE UNIQUE INDEX IF NOT EXISTS \"ix_email\" ON \"addresses\" (\"email\")");
    for (size_t i = 0; i + 1 < ddl.n; i++) ck_assert_ptr_null(strstr(ddl.statements[i], "ix_email"));
}
END_TEST

static int count_tables(orm_session *s, void *ud)
{
    orm_compiled c;
    orm_compiled_text(&c, "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('users', 'addresses')");
    c.returns_rows = true;
    c.nresult = 1;
    orm_result r;
    int rc = orm_session_execute(s, &c, &r);
    *(size_t *)ud = r.nrows;
    return rc;
}

START_TEST(ddl_runs_and_is_idempotent)
{
    orm_engine *e;
    orm_error err;
    orm_error_init(&err, A);
    orm_engine_options opt = {.pool_size = 1};
    ck_assert_int_eq(orm_engine_open("sqlite://:memory:", &opt, &e, &err), 0);
    ck_assert_int_eq(orm_create_all(e, &S, &err), 0);
    ck_assert_int_eq(orm_create_all(e, &S, &err), 0); /* IF NOT EXISTS: a second run is harmless */
    orm_session s;
    orm_session_init(&s, e, &S, A, &err);
    size_t n = 0;
    ck_assert_int_eq(orm_session_run(&s, false, count_tables, &n), 0);
    ck_assert_uint_eq(n, 2);
    orm_engine_close(e);
}
END_TEST

TS_SUITE(ddl_suite, "orm/ddl", setup, teardown, 1, create_table_text, composite_key, unique_constraints_and_indexes,
         ddl_runs_and_is_idempotent)
