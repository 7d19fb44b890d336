/* rt_db_sqlite.c: the SQLite side of rt_db.c (rt_db_backend.h): the
 * server's file opened with sqlite3 directly, read-only for queries. */
#include "tests/support/rt_db_backend.h"

#include <check.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sb.h"

static sqlite3 *open_db(const char *path, bool write)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, write ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        ck_abort_msg("open %s: %s", path, msg);
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s: %s", sql, sqlite3_errmsg(db));
        sqlite3_close(db);
        ck_abort_msg("sqlite: %s", msg);
    }
    return st;
}

static void append_value(rm_sb *b, sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL: rm_sb_append(b, "N"); break;
    case SQLITE_INTEGER: rm_sb_appendf(b, "i%lld", (long long)sqlite3_column_int64(st, i)); break;
    case SQLITE_FLOAT: rm_sb_appendf(b, "f%.17g", sqlite3_column_double(st, i)); break;
    case SQLITE_TEXT: {
        int n = sqlite3_column_bytes(st, i);
        rm_sb_appendf(b, "t%d:", n);
        rm_sb_appendn(b, (const char *)sqlite3_column_text(st, i), (size_t)n);
        break;
    }
    default: {
        const unsigned char *p = sqlite3_column_blob(st, i);
        int n = sqlite3_column_bytes(st, i);
        rm_sb_appendf(b, "b%d:", n);
        for (int k = 0; k < n; k++) rm_sb_appendf(b, "%02x", p[k]);
    }
    }
}

static void append_table(rm_sb *b, sqlite3 *db, const char *name)
{
    /* identifiers from sqlite_master; quote them for the query */
    rm_sb q;
    rm_sb_init(&q, NULL);
    rm_sb_append(&q, "SELECT * FROM \"");
    for (const char *p = name; *p; p++) {
        if (*p == '"') rm_sb_append(&q, "\"\"");
        else rm_sb_appendc(&q, *p);
    }
    rm_sb_append(&q, "\"");
    sqlite3_stmt *probe = prepare(db, q.buf);
    int ncol = sqlite3_column_count(probe);
    sqlite3_finalize(probe);
    for (int i = 1; i <= ncol; i++) rm_sb_appendf(&q, "%s%d", i == 1 ? " ORDER BY " : ", ", i);
    sqlite3_stmt *st = prepare(db, q.buf);
    rm_sb_free(&q);
    rm_sb_appendf(b, "table %s\n", name);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < ncol; i++) {
            if (i) rm_sb_append(b, "|");
            append_value(b, st, i);
        }
        rm_sb_append(b, "\n");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        rm_sb_free(b);
        sqlite3_close(db);
        ck_abort_msg("reading table %s failed (%d)", name, rc);
    }
}

static char *fingerprint(const char *path)
{
    sqlite3 *db = open_db(path, false);
    sqlite3_stmt *st = prepare(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                   "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
    char *names[256];
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && n < 256) names[n++] = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    rm_sb b;
    rm_sb_init(&b, NULL);
    for (size_t i = 0; i < n; i++) {
        append_table(&b, db, names[i]);
        free(names[i]);
    }
    sqlite3_close(db);
    return rm_sb_steal(&b);
}

/* The first column of at most max rows of sql on an open database. */
static char *column(sqlite3 *db, const char *sql, size_t max, size_t *n)
{
    sqlite3_stmt *st = prepare(db, sql);
    rm_sb b;
    rm_sb_init(&b, NULL);
    *n = 0;
    int rc = SQLITE_ROW;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        rm_sb_appendf(&b, "%s%s", (*n)++ ? "," : "", t ? (const char *)t : "NULL");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s: %s", sql, sqlite3_errmsg(db));
        rm_sb_free(&b);
        sqlite3_close(db);
        ck_abort_msg("sqlite: %s", msg);
    }
    return rm_sb_steal(&b);
}

static char *rows(const char *path, const char *sql, size_t max, size_t *n)
{
    sqlite3 *db = open_db(path, false);
    char *out = column(db, sql, max, n);
    sqlite3_close(db);
    return out;
}

static void exec(const char *path, const char *sql)
{
    sqlite3 *db = open_db(path, true);
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    char msg[512] = "";
    if (rc != SQLITE_OK) snprintf(msg, sizeof msg, "%s: %s", sql, err ? err : sqlite3_errmsg(db));
    sqlite3_free(err);
    sqlite3_close(db);
    ck_assert_msg(rc == SQLITE_OK, "sqlite: %s", msg);
}

static char *try_exec(const char *path, const char *sql)
{
    sqlite3 *db = open_db(path, true);
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    char *why = rc == SQLITE_OK ? NULL : strdup(err ? err : sqlite3_errmsg(db));
    sqlite3_free(err);
    sqlite3_close(db);
    return why;
}

static char *fk_violations(const char *path)
{
    /* table, rowid, parent table, foreign key index */
    sqlite3 *db = open_db(path, false);
    sqlite3_stmt *st = prepare(db, "PRAGMA foreign_key_check");
    rm_sb b;
    rm_sb_init(&b, NULL);
    while (sqlite3_step(st) == SQLITE_ROW)
        rm_sb_appendf(&b, "%s rowid %lld: no row in %s (foreign key %d)\n", (const char *)sqlite3_column_text(st, 0),
                      (long long)sqlite3_column_int64(st, 1), (const char *)sqlite3_column_text(st, 2),
                      sqlite3_column_int(st, 3));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rm_sb_steal(&b);
}

static char *integrity(const char *path)
{
    sqlite3 *db = open_db(path, false);
    size_t n;
    char *out = column(db, "PRAGMA integrity_check", SIZE_MAX, &n);
    sqlite3_close(db);
    if (strcmp(out, "ok") != 0) return out;
    free(out);
    return NULL;
}

/* no server, and the file is restmap's to make: no unreachable, create, drop */
const rt_db_ops rt_db_sqlite_ops = {.rows = rows, .exec = exec, .try_exec = try_exec, .fingerprint = fingerprint,
                                    .fk_violations = fk_violations, .integrity = integrity};
