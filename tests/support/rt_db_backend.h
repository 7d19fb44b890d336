/* rt_db_backend.h: what each backend does for rt_db.c, on a database
 * named by `where` (SQLite: the file's path; PostgreSQL: the database's
 * name on the RT_PG_URL server). Every function fails the test on an
 * error, with the backend's message and the SQL. Results are malloc'd. */
#ifndef RM_TEST_RT_DB_BACKEND_H
#define RM_TEST_RT_DB_BACKEND_H

#include <stddef.h>

typedef struct rt_db_ops {
    /* NULL when the server answers, else why not; NULL on SQLite (no
     * server). */
    char *(*unreachable)(void);
    /* Make and remove the database; NULL on SQLite, whose file restmap
     * makes in the server's directory and goes with it. */
    void (*create)(const char *where);
    void (*drop)(const char *where);
    /* The first column of at most max rows of a read-only query, each as
     * text ("NULL" for NULL), joined by ","; the number of rows in *n. */
    char *(*rows)(const char *where, const char *sql, size_t max, size_t *n);
    void (*exec)(const char *where, const char *sql);
    /* Run sql read-write: NULL when it succeeded, else the database's
     * message (malloc'd). */
    char *(*try_exec)(const char *where, const char *sql);
    char *(*fingerprint)(const char *where);
    /* A line per foreign key value without its row ("" when none). */
    char *(*fk_violations)(const char *where);
    /* What is wrong with the storage, or NULL. */
    char *(*integrity)(const char *where);
} rt_db_ops;

extern const rt_db_ops rt_db_sqlite_ops, rt_db_pg_ops;

#endif
