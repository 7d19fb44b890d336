/* hand_sqlite.c: the database side of the hand-written SQLite bench server
 * (bench/hand.h): sqlite3 with prepared statements, one connection per
 * server thread, set up as restmap's (WAL, synchronous=NORMAL, foreign keys,
 * case-sensitive LIKE, 5 s busy timeout). Writers queue on one mutex before
 * BEGIN IMMEDIATE, as restmap's engine does (orm/engine.c write_mu): left
 * to SQLite's busy handler, which sleeps up to 100 ms between tries, the
 * threads' writes took p99 to 450 ms at 8 connections. Statements per request:
 *   GET one user      BEGIN, user by id, its addresses, COMMIT
 *   page / filtered   BEGIN, page of users (LIMIT n+1), their addresses
 *                     (user_id IN 32 parameters per statement), COMMIT
 *   POST              BEGIN IMMEDIATE, one INSERT per row (no RETURNING:
 *                     sqlite3_last_insert_rowid), COMMIT
 *   PATCH             BEGIN IMMEDIATE, UPDATE, user by id, its addresses, COMMIT
 * DB_URL: sqlite:///PATH or a plain path. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/hand.h"

/* the transaction statements, after hand_sql's in conn.st */
enum { S_BEGIN = HAND_S_COUNT, S_BEGIN_W, S_COMMIT, S_ROLLBACK, S_COUNT };
static const char *const tx_sql[] = {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"};

/* held from BEGIN IMMEDIATE to COMMIT or ROLLBACK (write_begin, finish) */
static pthread_mutex_t write_mu = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
} conn;

void *hand_db_open(const char *url)
{
    const char *path = strncmp(url, "sqlite:///", 10) ? url : url + 9;
    conn *c = calloc(1, sizeof *c);
    if (!c || sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_busy_timeout(c->db, 5000);
    if (sqlite3_exec(c->db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                     " PRAGMA case_sensitive_like=ON;",
                     NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v3(c->db, i < HAND_S_COUNT ? hand_sql[i] : tx_sql[i - HAND_S_COUNT], -1,
                               SQLITE_PREPARE_PERSISTENT, &c->st[i], NULL) != SQLITE_OK)
            goto fail;
    return c;
fail:
    fprintf(stderr, "hand_sqlite: %s: %s\n", path, c && c->db ? sqlite3_errmsg(c->db) : "cannot open");
    hand_db_close(c);
    return NULL;
}

void hand_db_close(void *db)
{
    conn *c = db;
    if (!c) return;
    for (int i = 0; i < S_COUNT; i++) sqlite3_finalize(c->st[i]);
    sqlite3_close(c->db);
    free(c);
}

static int fail(conn *c)
{
    fprintf(stderr, "hand_sqlite: %s\n", sqlite3_errmsg(c->db));
    return -1;
}

/* Steps a statement that returns no rows, and resets it. */
static int run(conn *c, int s)
{
    int rc = sqlite3_step(c->st[s]);
    sqlite3_reset(c->st[s]);
    return rc == SQLITE_DONE ? 0 : fail(c);
}

static size_t text(hand_rows *rows, sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    return t ? hand_pool_add(rows, t, (size_t)sqlite3_column_bytes(st, col)) : HAND_NULL;
}

/* Reads every row of st: users (id, name, fullname) or, when !users,
 * addresses (id, email_address, user_id; owners are the caller's to set). */
static int read_rows(conn *c, sqlite3_stmt *st, int users, hand_rows *rows)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);
        size_t t = text(rows, st, 1);
        if (users) *hand_add_user(rows) = (hand_user){id, t, text(rows, st, 2)};
        else *hand_add_addr(rows) = (hand_addr){.id = id, .email = t, .user_id = sqlite3_column_int64(st, 2)};
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : fail(c);
}

/* The user id and its addresses, inside the caller's transaction. */
static int load_user(conn *c, long long id, hand_rows *rows)
{
    sqlite3_bind_int64(c->st[HAND_S_USER], 1, id);
    if (read_rows(c, c->st[HAND_S_USER], 1, rows)) return -1;
    if (!rows->nusers) return 0;
    sqlite3_bind_int64(c->st[HAND_S_ADDRS_OF], 1, id);
    if (read_rows(c, c->st[HAND_S_ADDRS_OF], 0, rows)) return -1;
    for (size_t a = 0; a < rows->naddrs; a++) rows->addrs[a].owner = 0;
    return 0;
}

/* BEGIN IMMEDIATE under write_mu: 0, or -1 (write_mu released). */
static int write_begin(conn *c)
{
    pthread_mutex_lock(&write_mu);
    if (!run(c, S_BEGIN_W)) return 0;
    pthread_mutex_unlock(&write_mu);
    return -1;
}

/* Ends the transaction: COMMIT after rc 0, else ROLLBACK; rc. Releases
 * write_mu after a write transaction (write: 1). */
static int finish(conn *c, int rc, int write)
{
    if (rc) run(c, S_ROLLBACK);
    else rc = run(c, S_COMMIT);
    if (write) pthread_mutex_unlock(&write_mu);
    return rc;
}

int hand_db_user(void *db, long long id, hand_rows *rows)
{
    conn *c = db;
    if (run(c, S_BEGIN)) return -1;
    return finish(c, load_user(c, id, rows), 0);
}

int hand_db_page(void *db, long long limit, long long offset, const char *like, hand_rows *rows)
{
    conn *c = db;
    if (run(c, S_BEGIN)) return -1;
    sqlite3_stmt *st = c->st[like ? HAND_S_PAGE_LIKE : HAND_S_PAGE];
    int at = like ? 2 : 1; /* limit's parameter */
    if (like) sqlite3_bind_text(st, 1, like, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, at, limit + 1);
    sqlite3_bind_int64(st, at + 1, offset);
    int rc = read_rows(c, st, 1, rows);
    size_t n = rows->nusers > (size_t)limit ? (size_t)limit : rows->nusers;
    sqlite3_stmt *in = c->st[HAND_S_ADDRS_IN];
    for (size_t from = 0; !rc && from < n; from += HAND_IN_KEYS) {
        for (size_t k = 0; k < HAND_IN_KEYS; k++) /* the last key repeated to fill the list */
            sqlite3_bind_int64(in, (int)k + 1, rows->users[from + k < n ? from + k : n - 1].id);
        rc = read_rows(c, in, 0, rows);
    }
    hand_link_owners(rows);
    return finish(c, rc, 0);
}

int hand_db_create(void *db, hand_rows *rows)
{
    conn *c = db;
    if (write_begin(c)) return -1;
    int rc = 0;
    sqlite3_stmt *iu = c->st[HAND_S_INS_USER], *ia = c->st[HAND_S_INS_ADDR];
    for (size_t i = 0; !rc && i < rows->nusers; i++) {
        hand_user *u = &rows->users[i];
        sqlite3_bind_text(iu, 1, rows->pool + u->name, -1, SQLITE_STATIC);
        if (u->fullname == HAND_NULL) sqlite3_bind_null(iu, 2);
        else sqlite3_bind_text(iu, 2, rows->pool + u->fullname, -1, SQLITE_STATIC);
        rc = run(c, HAND_S_INS_USER);
        u->id = sqlite3_last_insert_rowid(c->db);
    }
    for (size_t i = 0; !rc && i < rows->naddrs; i++) {
        hand_addr *a = &rows->addrs[i];
        a->user_id = rows->users[a->owner].id;
        sqlite3_bind_text(ia, 1, rows->pool + a->email, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ia, 2, a->user_id);
        rc = run(c, HAND_S_INS_ADDR);
        a->id = sqlite3_last_insert_rowid(c->db);
    }
    return finish(c, rc, 1);
}

int hand_db_patch(void *db, long long id, const char *fullname, hand_rows *rows)
{
    conn *c = db;
    if (write_begin(c)) return -1;
    sqlite3_stmt *st = c->st[HAND_S_PATCH];
    if (fullname) sqlite3_bind_text(st, 1, fullname, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, 1);
    sqlite3_bind_int64(st, 2, id);
    int rc = run(c, HAND_S_PATCH);
    return finish(c, rc ? rc : load_user(c, id, rows), 1);
}
