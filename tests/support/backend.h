/* backend.h: the database backend a test run uses, chosen by the
 * environment (one place for the choice):
 *   RT_BACKEND=sqlite       (the default) every server of the HTTP harness
 *                           gets an SQLite file in its directory;
 *   RT_BACKEND=postgresql   every server gets a new database on the
 *                           PostgreSQL server at RT_PG_URL (a user that may
 *                           CREATE DATABASE, e.g. postgresql://postgres@
 *                           127.0.0.1:PORT/postgres; scripts/with-postgres.sh
 *                           starts a throwaway cluster and sets it).
 * A value that is not one of these, or postgresql without RT_PG_URL, ends
 * the program with a message: a run never falls back to another backend. */
#ifndef RM_TEST_BACKEND_H
#define RM_TEST_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { RT_SQLITE, RT_POSTGRESQL } rt_backend_kind;

rt_backend_kind rt_backend(void);
/* "sqlite" or "postgresql". */
const char *rt_backend_name(void);
/* RT_PG_URL (only under RT_BACKEND=postgresql). */
const char *rt_pg_server_url(void);
/* The URL of database name on the RT_PG_URL server: RT_PG_URL with its
 * database replaced (query parameters kept); false when it does not fit. */
bool rt_pg_database_url(const char *name, char *out, size_t len);
/* The mark of the dialect's numbered parameters in the SQL restmap
 * echoes: "?" on SQLite (?1, ?2), "$" on PostgreSQL ($1, $2). */
const char *rt_backend_param(void);
/* Words the backend's error for a missing table contains ("no such
 * table" on SQLite, "does not exist" on PostgreSQL). */
const char *rt_backend_missing_table(void);

#endif
