/* rt_db.h: the database behind an HTTP harness server (rt.h), on the
 * backend of the run (backend.h): SQLite, the file <dir>/test.db; or
 * PostgreSQL, a database of its own on the RT_PG_URL server. The database
 * lives with the server's directory: a server started again in the same
 * directory finds the same database, and removing the directory
 * (rt_rmtree) drops it.
 *
 * Tests read and write it behind the server's back with SQL that both
 * backends answer alike: plain SELECT/INSERT/UPDATE/DELETE, `||` (also
 * with a number), CAST(x AS TEXT), WITH RECURSIVE, count(*), no boolean
 * results (count the rows that hold instead), no group_concat (read the
 * rows: rt_db_list). What no portable SQL can say (the integrity of the
 * storage, foreign keys without their row) has a function here. */
#ifndef RM_TEST_RT_DB_H
#define RM_TEST_RT_DB_H

#include <stdarg.h>

typedef struct rt_server rt_server;

/* NULL when the backend's server answers (always on SQLite), else why
 * not (malloc'd): run_tests asks once before the suites. */
char *rt_db_unreachable(void);
/* The database of a server that runs in s->dir: fills s->db_path
 * (<dir>/test.db), s->db_name (the PostgreSQL database, "" on SQLite) and
 * s->db_url (what --db gets). On PostgreSQL: the database recorded in the
 * directory, or a new one (CREATE DATABASE rt_<pid>_<n>) recorded there. */
void rt_db_attach(rt_server *s);
/* Give s the database of owner, another server (its file, its PostgreSQL
 * database, its --db URL): two servers on one database, as replicas. It
 * stays owner's, recorded in owner's directory only: s stopping or its
 * directory going leaves it alone. */
void rt_db_share(rt_server *s, const rt_server *owner);
/* Drop the PostgreSQL database recorded in dir, if any (rt_rmtree does). */
void rt_db_forget(const char *dir);

/* A fingerprint of every user table and row, tables by name and rows in
 * the order of all their columns (malloc'd); equal fingerprints mean
 * nothing changed. */
char *rt_db_fingerprint(const rt_server *s);
/* Run one SQL query read-only and return the first column of the first
 * row as text (malloc'd; "NULL" for NULL; NULL when there is no row). */
char *rt_db_scalar(const rt_server *s, const char *sql);
/* The first column of every row of a read-only query, as rt_db_scalar's
 * text joined by "," ("" when there is no row; malloc'd): group_concat
 * without the SQL, "SELECT id FROM t WHERE ... ORDER BY id" → "1,2,5". */
char *rt_db_list(const rt_server *s, const char *sql);
/* The integer first column of the first row of the query (fails the test
 * when there is no row or it is NULL). */
long long rt_db_int(const rt_server *s, const char *sql);
/* Assert that the query (printf-style) answers want (rt_db_scalar's text;
 * NULL: no row). */
void rt_assert_sql(const rt_server *s, const char *want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Assert that the query (printf-style) lists want (rt_db_list's text). */
void rt_assert_sql_list(const rt_server *s, const char *want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Run SQL read-write behind the server's back (to break it on purpose);
 * fails the test on an error. */
void rt_db_exec(const rt_server *s, const char *sql);
/* Run SQL read-write behind the server's back: NULL when it succeeded,
 * else the database's message (malloc'd), for a statement the database
 * itself must refuse. */
char *rt_db_try_exec(const rt_server *s, const char *sql);
/* A line for each foreign key whose value has no row, or NULL when there
 * is none (malloc'd): SQLite's PRAGMA foreign_key_check; on PostgreSQL a
 * NOT EXISTS per constraint, with the same MATCH SIMPLE reading (a key
 * with a NULL column refers to nothing). */
char *rt_db_fk_violations(const rt_server *s);
/* Fail the test naming them. */
void rt_assert_foreign_keys(const rt_server *s);
/* What is wrong with the storage itself, or NULL (malloc'd): SQLite's
 * PRAGMA integrity_check; on PostgreSQL amcheck's bt_index_check, with
 * every heap row in its index, over every B-tree index of the tables. */
char *rt_db_integrity(const rt_server *s);

#endif
