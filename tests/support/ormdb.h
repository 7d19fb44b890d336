/* ormdb.h: a database for unit tests of orm/ (no HTTP): a schema loaded
 * from JSON text, an engine (in-memory SQLite unless a URL is given) with
 * the schema's tables created, an arena, an error record whose field errors
 * live in it, and the engine's --echo stream kept in memory so a test can
 * read and count the statements that ran. Every function fails the running
 * check test when something it needs does not work. */
#ifndef RM_TEST_ORMDB_H
#define RM_TEST_ORMDB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "orm/loading.h"
#include "orm/session.h"
#include "orm/schema.h"

typedef struct tdb {
    orm_schema *schema;
    orm_engine *engine;
    rm_arena *arena;
    orm_error err;
    FILE *echo;             /* the engine's echo stream (a memory stream) */
    char *echo_buf;
    size_t echo_len;
    size_t echo_mark;       /* statements before this offset are forgotten */
} tdb;

/* Load schema_json, open url (NULL: sqlite://:memory:) with opt (NULL: a
 * pool of one; its echo is replaced by the memory stream), create_all. */
void tdb_open(tdb *db, const char *schema_json, const char *url, const orm_engine_options *opt);
/* The same with the schema read from a file and, when seed_path is not
 * NULL, the SQL statements of that file run on the new database (then the
 * key generators moved past the keys it gave: orm_sync_keys). */
void tdb_open_files(tdb *db, const char *schema_path, const char *seed_path, const char *url,
                    const orm_engine_options *opt);
void tdb_close(tdb *db);

/* The schema every ORM unit test shares (kinds.json: one-to-many, many-to-one,
 * many-to-many, self-referential, single-table inheritance, a custom join with
 * a "where", hidden / write-only / version columns) and its rows (kinds.sql). */
#define TDB_KINDS_SCHEMA "tests/unit/orm/data/kinds.json"
#define TDB_KINDS_SEED "tests/unit/orm/data/kinds.sql"

/* Run fn in one unit (write or read); returns its code. *s (may be NULL)
 * receives the session afterwards (statements, attempts, ...). */
int tdb_unit(tdb *db, bool write, orm_unit_fn fn, void *ud, orm_session *s);
/* Run raw SQL (one or several ';'-separated statements) in a write unit. */
void tdb_sql(tdb *db, const char *sql);
/* count(*) of table where the raw SQL condition `where` holds (NULL: all). */
long long tdb_count(tdb *db, const char *table, const char *where);

/* Forget the statements logged so far. */
void tdb_echo_reset(tdb *db);
/* The echo text since the last reset. */
const char *tdb_echo(tdb *db);
/* Statements logged since the last reset whose line contains needle. */
int tdb_echo_count(tdb *db, const char *needle);

/* Look-ups that must succeed. */
const orm_mapper *tdb_mapper(const tdb *db, const char *entity);
const orm_column *tdb_column(const tdb *db, const char *entity, const char *column);
const orm_relationship *tdb_rel(const tdb *db, const char *entity, const char *rel);
/* How include trees give strategies to their nodes: every node selectin,
 * every node joined, joined at even depths (the top is 0) and selectin at
 * odd ones, or the reverse. */
enum { TDB_ALL_SELECTIN, TDB_ALL_JOINED, TDB_JOINED_FIRST, TDB_SELECTIN_FIRST, TDB_NMODES };

/* The include tree of spec for mapper m ("books(tags,author),publisher":
 * relationship names, children in parentheses), strategies by mode; *n
 * gets the top-level count, *selectin (may be NULL) the selectin nodes. */
orm_include *tdb_include(tdb *db, const orm_mapper *m, const char *spec, int mode, size_t *n, int *selectin);

/* JSON parsed from text, released when the arena resets. */
json_t *tdb_json(tdb *db, const char *text);
/* A text value of a C string. */
orm_value tdb_text(const char *s);

#endif
