/* rt_db_pg.c: the PostgreSQL side of rt_db.c (rt_db_backend.h): a
 * database per server on the RT_PG_URL server (backend.h), reached through
 * libpq with a connection per call (read-only sessions for queries). */
#include "tests/support/rt_db_backend.h"

#include <check.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sb.h"
#include "tests/support/backend.h"

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* A connection to database name on the RT_PG_URL server (NULL: the
 * server URL's own database), read-only when asked; NULL with the reason
 * in err when there is none. */
static PGconn *try_connect(const char *name, bool read_only, char *err, size_t errlen)
{
    const char *keys[6], *vals[6];
    size_t k = 0;
    keys[k] = "dbname", vals[k++] = rt_pg_server_url(); /* expanded: the whole URL */
    if (name) keys[k] = "dbname", vals[k++] = name;     /* then the database alone */
    keys[k] = "connect_timeout", vals[k++] = "10";
    keys[k] = "application_name", vals[k++] = "restmap-tests";
    keys[k] = "options",
    vals[k++] = read_only ? "-c default_transaction_read_only=on -c client_min_messages=warning"
                          : "-c client_min_messages=warning";
    keys[k] = vals[k] = NULL;
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (c && PQstatus(c) == CONNECTION_OK) {
        PQsetNoticeProcessor(c, ignore_notice, NULL);
        return c;
    }
    snprintf(err, errlen, "%s", c ? PQerrorMessage(c) : "out of memory");
    PQfinish(c);
    return NULL;
}

static PGconn *connect_to(const char *name, bool read_only)
{
    char err[512];
    PGconn *c = try_connect(name, read_only, err, sizeof err);
    if (!c)
        ck_abort_msg("postgresql: connecting to database %s of %s: %s", name ? name : "(the URL's)",
                     rt_pg_server_url(), err);
    return c;
}

static char *unreachable(void)
{
    char err[512];
    PGconn *c = try_connect(NULL, true, err, sizeof err);
    if (!c) {
        char *why = malloc(strlen(err) + strlen(rt_pg_server_url()) + 8);
        if (why) sprintf(why, "%s: %s", rt_pg_server_url(), err);
        return why ? why : strdup("out of memory");
    }
    PQfinish(c);
    return NULL;
}

/* Run sql; a result with rows or none, or the test fails (the connection
 * closed) with the server's message. */
static PGresult *run(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) return r;
    char msg[1024];
    snprintf(msg, sizeof msg, "%.400s: %s", sql, r ? PQresultErrorMessage(r) : PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    ck_abort_msg("postgresql: %s", msg);
    return NULL;
}

/* name as an SQL identifier, appended to b. */
static void append_ident(rm_sb *b, PGconn *c, const char *name)
{
    char *q = PQescapeIdentifier(c, name, strlen(name));
    ck_assert_msg(q != NULL, "postgresql: quoting %s: %s", name, PQerrorMessage(c));
    rm_sb_append(b, q);
    PQfreemem(q);
}

/* "before NAME after" on the server URL's own database (name quoted). */
static void on_server(const char *before, const char *name, const char *after)
{
    PGconn *c = connect_to(NULL, false);
    rm_sb q;
    rm_sb_init(&q, NULL);
    rm_sb_append(&q, before);
    append_ident(&q, c, name);
    rm_sb_append(&q, after);
    PQclear(run(c, q.buf));
    rm_sb_free(&q);
    PQfinish(c);
}

static void create(const char *name) { on_server("CREATE DATABASE ", name, ""); }

/* WITH (FORCE): a server killed a moment ago may still have sessions */
static void drop(const char *name) { on_server("DROP DATABASE IF EXISTS ", name, " WITH (FORCE)"); }

/* The first column of at most max rows of r, joined by ",". */
static char *column(PGresult *r, size_t max, size_t *n)
{
    rm_sb b;
    rm_sb_init(&b, NULL);
    size_t nrows = PQresultStatus(r) == PGRES_TUPLES_OK ? (size_t)PQntuples(r) : 0;
    for (*n = 0; *n < nrows && *n < max; (*n)++)
        rm_sb_appendf(&b, "%s%s", *n ? "," : "", PQgetisnull(r, (int)*n, 0) ? "NULL" : PQgetvalue(r, (int)*n, 0));
    return rm_sb_steal(&b);
}

static char *rows(const char *name, const char *sql, size_t max, size_t *n)
{
    PGconn *c = connect_to(name, true);
    PGresult *r = run(c, sql);
    char *out = column(r, max, n);
    PQclear(r);
    PQfinish(c);
    return out;
}

static void exec(const char *name, const char *sql)
{
    PGconn *c = connect_to(name, false);
    PQclear(run(c, sql));
    PQfinish(c);
}

static char *try_exec(const char *name, const char *sql)
{
    PGconn *c = connect_to(name, false);
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    char *why = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK ? NULL
                : strdup(r ? PQresultErrorMessage(r) : PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return why;
}

/* "table T (type oids)" and a line per row, the rows in the order of all
 * their columns as text (every type has a text form; json has no order of
 * its own): N for NULL, else length:text. */
static void append_table(rm_sb *b, PGconn *c, const char *table)
{
    rm_sb from, q;
    rm_sb_init(&from, NULL);
    rm_sb_init(&q, NULL);
    rm_sb_append(&from, "SELECT * FROM ");
    append_ident(&from, c, table);
    rm_sb_appendf(&q, "%s LIMIT 0", from.buf);
    PGresult *probe = run(c, q.buf);
    int ncol = PQnfields(probe);
    rm_sb_reset(&q);
    rm_sb_append(&q, from.buf);
    rm_sb_free(&from);
    rm_sb_appendf(b, "table %s (", table);
    for (int i = 0; i < ncol; i++) {
        rm_sb_appendf(b, "%s%u", i ? "," : "", (unsigned)PQftype(probe, i));
        rm_sb_append(&q, i ? ", " : " ORDER BY ");
        append_ident(&q, c, PQfname(probe, i));
        rm_sb_append(&q, "::text");
    }
    PQclear(probe);
    rm_sb_append(b, ")\n");
    PGresult *r = run(c, q.buf);
    rm_sb_free(&q);
    for (int row = 0; row < PQntuples(r); row++) {
        for (int i = 0; i < ncol; i++) {
            if (i) rm_sb_append(b, "|");
            if (PQgetisnull(r, row, i)) {
                rm_sb_append(b, "N");
            } else {
                rm_sb_appendf(b, "%d:", PQgetlength(r, row, i));
                rm_sb_appendn(b, PQgetvalue(r, row, i), (size_t)PQgetlength(r, row, i));
            }
        }
        rm_sb_append(b, "\n");
    }
    PQclear(r);
}

/* The tables of the database, its current schema's, by name (name sorts
 * by bytes, as SQLite's names do). */
static const char TABLES[] = "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                             "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname";

/* For each row of query on database name, row(b, c, r, i); b's text. */
static char *for_each_row(const char *name, const char *query, void (*row)(rm_sb *b, PGconn *c, PGresult *r, int i))
{
    PGconn *c = connect_to(name, true);
    PGresult *r = run(c, query);
    rm_sb b;
    rm_sb_init(&b, NULL);
    for (int i = 0; i < PQntuples(r); i++) row(&b, c, r, i);
    PQclear(r);
    PQfinish(c);
    return rm_sb_steal(&b);
}

static void table_row(rm_sb *b, PGconn *c, PGresult *r, int i) { append_table(b, c, PQgetvalue(r, i, 0)); }

static char *fingerprint(const char *name) { return for_each_row(name, TABLES, table_row); }

/* For each foreign key of the schema's tables, the query that counts the
 * rows whose key (all of its columns set: MATCH SIMPLE, as SQLite checks)
 * has no row in the referenced table. */
static const char FK_CHECKS[] =
    "SELECT format('SELECT count(*) FROM %I c WHERE %s AND NOT EXISTS (SELECT 1 FROM %I p WHERE %s)', "
    "  cl.relname, "
    "  (SELECT string_agg(format('c.%I IS NOT NULL', a.attname), ' AND ') FROM unnest(con.conkey) k(n) "
    "     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n), "
    "  rf.relname, "
    "  (SELECT string_agg(format('p.%I = c.%I', pa.attname, ca.attname), ' AND ') "
    "     FROM unnest(con.conkey, con.confkey) k(cn, pn) "
    "     JOIN pg_attribute ca ON ca.attrelid = con.conrelid AND ca.attnum = k.cn "
    "     JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.pn)), "
    "  cl.relname, con.conname, rf.relname "
    "FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_class rf ON rf.oid = con.confrelid "
    "JOIN pg_namespace n ON n.oid = cl.relnamespace "
    "WHERE con.contype = 'f' AND n.nspname = current_schema() ORDER BY cl.relname, con.conname";

/* Run the check of one foreign key (a row of FK_CHECKS). */
static void fk_row(rm_sb *b, PGconn *c, PGresult *checks, int i)
{
    PGresult *r = run(c, PQgetvalue(checks, i, 0));
    long long n = atoll(PQgetvalue(r, 0, 0));
    if (n)
        rm_sb_appendf(b, "%s: %lld rows without their row in %s (foreign key %s)\n", PQgetvalue(checks, i, 1), n,
                      PQgetvalue(checks, i, 3), PQgetvalue(checks, i, 2));
    PQclear(r);
}

static char *fk_violations(const char *name) { return for_each_row(name, FK_CHECKS, fk_row); }

/* amcheck: the structure of every B-tree index of the schema's tables,
 * and every heap row found in its index (heapallindexed); an error is the
 * answer, not a failure of the harness. */
static char *integrity(const char *name)
{
    PGconn *c = connect_to(name, false);
    PQclear(run(c, "CREATE EXTENSION IF NOT EXISTS amcheck"));
    PGresult *r = PQexec(c, "SELECT count(bt_index_check(i.indexrelid, true)) FROM pg_index i "
                            "JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam "
                            "JOIN pg_namespace n ON n.oid = ic.relnamespace "
                            "WHERE am.amname = 'btree' AND n.nspname = current_schema()");
    char *out = NULL;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) out = strdup(PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
    return out;
}

const rt_db_ops rt_db_pg_ops = {.unreachable = unreachable, .create = create, .drop = drop, .rows = rows,
                                .exec = exec, .try_exec = try_exec, .fingerprint = fingerprint, .fk_violations = fk_violations,
                                .integrity = integrity};
