/* hand_pg.c: the database side of the hand-written PostgreSQL bench server
 * (bench/hand.h): libpq, statements prepared once per connection, one
 * connection per server thread, text results. Statements per request:
 *   GET one user      BEGIN, user by id, its addresses, COMMIT
 *   page / filtered   BEGIN, page of users (LIMIT n+1), their addresses
 *                     (user_id IN 32 parameters per statement), COMMIT
 *   POST              BEGIN, one INSERT ... RETURNING id per row (pipelined:
 *                     one round trip for the users, one for the addresses),
 *                     COMMIT
 *   PATCH             BEGIN, UPDATE, user by id, its addresses, COMMIT
 * DB_URL: a libpq connection URL (postgresql://...). */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/hand.h"

#define PIPE_ROWS 256

/* The name statement s is prepared under: s<index>. */
static const char *statement(char name[16], int s)
{
    snprintf(name, 16, "s%d", s);
    return name;
}

void *hand_db_open(const char *url)
{
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) goto fail;
    for (int i = 0; i < HAND_S_COUNT; i++) {
        char name[16], text[1024];
        snprintf(text, sizeof text, "%s%s", hand_sql[i],
                 i == HAND_S_INS_USER || i == HAND_S_INS_ADDR ? " RETURNING id" : "");
        PGresult *r = PQprepare(c, statement(name, i), text, 0, NULL);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) goto fail;
    }
    return c;
fail:
    fprintf(stderr, "hand_pg: %s", PQerrorMessage(c));
    PQfinish(c);
    return NULL;
}

void hand_db_close(void *db) { PQfinish(db); }

/* Runs a command (BEGIN, COMMIT, ...): 0 or -1. */
static int command(PGconn *c, const char *text)
{
    PGresult *r = PQexec(c, text);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) fprintf(stderr, "hand_pg: %s", PQerrorMessage(c));
    return ok ? 0 : -1;
}

/* Runs prepared statement s with n text parameters: its result, or NULL
 * (logged) when it failed. */
static PGresult *exec(PGconn *c, int s, int n, const char *const *params)
{
    char name[16];
    PGresult *r = PQexecPrepared(c, statement(name, s), n, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) return r;
    fprintf(stderr, "hand_pg: %s", PQerrorMessage(c));
    PQclear(r);
    return NULL;
}

static size_t text(hand_rows *rows, PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? HAND_NULL
                                    : hand_pool_add(rows, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

static long long integer(PGresult *r, int row, int col) { return strtoll(PQgetvalue(r, row, col), NULL, 10); }

/* Reads every row of r (NULL: a failed statement, -1): users (id, name,
 * fullname) or, when !users, addresses (id, email_address, user_id;
 * owners are the caller's to set). Clears r. */
static int read_rows(PGresult *r, int users, hand_rows *rows)
{
    if (!r) return -1;
    for (int i = 0, n = PQntuples(r); i < n; i++) {
        long long id = integer(r, i, 0);
        size_t t = text(rows, r, i, 1);
        if (users) *hand_add_user(rows) = (hand_user){id, t, text(rows, r, i, 2)};
        else *hand_add_addr(rows) = (hand_addr){.id = id, .email = t, .user_id = integer(r, i, 2)};
    }
    PQclear(r);
    return 0;
}

/* The user id and its addresses, inside the caller's transaction. */
static int load_user(PGconn *c, long long id, hand_rows *rows)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", id);
    const char *p[] = {key};
    if (read_rows(exec(c, HAND_S_USER, 1, p), 1, rows)) return -1;
    if (!rows->nusers) return 0;
    if (read_rows(exec(c, HAND_S_ADDRS_OF, 1, p), 0, rows)) return -1;
    for (size_t a = 0; a < rows->naddrs; a++) rows->addrs[a].owner = 0;
    return 0;
}

/* Ends the transaction: COMMIT after rc 0, else ROLLBACK; rc. */
static int finish(PGconn *c, int rc)
{
    if (rc) {
        command(c, "ROLLBACK");
        return rc;
    }
    return command(c, "COMMIT");
}

int hand_db_user(void *db, long long id, hand_rows *rows)
{
    if (command(db, "BEGIN")) return -1;
    return finish(db, load_user(db, id, rows));
}

int hand_db_page(void *db, long long limit, long long offset, const char *like, hand_rows *rows)
{
    PGconn *c = db;
    if (command(c, "BEGIN")) return -1;
    char ls[24], os[24];
    snprintf(ls, sizeof ls, "%lld", limit + 1);
    snprintf(os, sizeof os, "%lld", offset);
    const char *p[] = {like, ls, os};
    int rc = read_rows(like ? exec(c, HAND_S_PAGE_LIKE, 3, p) : exec(c, HAND_S_PAGE, 2, p + 1), 1, rows);
    size_t n = rows->nusers > (size_t)limit ? (size_t)limit : rows->nusers;
    char keys[HAND_IN_KEYS][24];
    const char *kp[HAND_IN_KEYS];
    for (size_t from = 0; !rc && from < n; from += HAND_IN_KEYS) {
        for (size_t k = 0; k < HAND_IN_KEYS; k++) { /* the last key repeated to fill the list */
            snprintf(keys[k], sizeof keys[k], "%lld", rows->users[from + k < n ? from + k : n - 1].id);
            kp[k] = keys[k];
        }
        rc = read_rows(exec(c, HAND_S_ADDRS_IN, HAND_IN_KEYS, kp), 0, rows);
    }
    hand_link_owners(rows);
    return finish(c, rc);
}

/* Runs INSERT ... RETURNING id statement s once per row, the n rows' two
 * parameters in p, pipelined (one round trip per PIPE_ROWS rows: a
 * pipeline much longer could block both ends on full socket buffers), the
 * new ids into ids[0..n). 0 or -1. */
static int insert_rows(PGconn *c, int s, size_t n, const char *(*p)[2], long long *ids)
{
    char name[16];
    int rc = n && !PQenterPipelineMode(c) ? -1 : 0;
    for (size_t from = 0; !rc && from < n; from += PIPE_ROWS) {
        size_t to = n - from < PIPE_ROWS ? n : from + PIPE_ROWS;
        for (size_t i = from; !rc && i < to; i++)
            if (!PQsendQueryPrepared(c, statement(name, s), 2, p[i], NULL, NULL, 0)) rc = -1;
        if (!rc && !PQpipelineSync(c)) rc = -1;
        for (size_t i = from; !rc && i < to; i++) { /* each result, then a NULL */
            PGresult *r = PQgetResult(c);
            if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) ids[i] = integer(r, 0, 0);
            else rc = -1;
            PQclear(r);
            while ((r = PQgetResult(c)) != NULL) PQclear(r);
        }
        for (size_t nulls = 0; nulls <= to - from;) { /* the rest, up to the sync */
            PGresult *r = PQgetResult(c);
            int sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
            nulls += !r;
            PQclear(r);
            if (sync) break;
        }
    }
    if ((n && !PQexitPipelineMode(c)) || rc) {
        fprintf(stderr, "hand_pg: %s", PQerrorMessage(c));
        return -1;
    }
    return 0;
}

int hand_db_create(void *db, hand_rows *rows)
{
    PGconn *c = db;
    size_t n = rows->nusers > rows->naddrs ? rows->nusers : rows->naddrs;
    const char *(*p)[2] = malloc((n ? n : 1) * sizeof *p);
    char (*uid)[24] = malloc((rows->naddrs ? rows->naddrs : 1) * sizeof *uid);
    long long *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!p || !uid || !ids) abort();
    for (size_t i = 0; i < rows->nusers; i++) {
        hand_user *u = &rows->users[i];
        p[i][0] = rows->pool + u->name;
        p[i][1] = u->fullname == HAND_NULL ? NULL : rows->pool + u->fullname;
    }
    int rc = command(c, "BEGIN");
    if (!rc) rc = insert_rows(c, HAND_S_INS_USER, rows->nusers, p, ids);
    for (size_t i = 0; !rc && i < rows->nusers; i++) rows->users[i].id = ids[i];
    for (size_t i = 0; !rc && i < rows->naddrs; i++) {
        hand_addr *a = &rows->addrs[i];
        a->user_id = rows->users[a->owner].id;
        snprintf(uid[i], sizeof uid[i], "%lld", a->user_id);
        p[i][0] = rows->pool + a->email;
        p[i][1] = uid[i];
    }
    if (!rc) rc = insert_rows(c, HAND_S_INS_ADDR, rows->naddrs, p, ids);
    for (size_t i = 0; !rc && i < rows->naddrs; i++) rows->addrs[i].id = ids[i];
    free(p);
    free(uid);
    free(ids);
    return rc ? (command(c, "ROLLBACK"), -1) : command(c, "COMMIT");
}

int hand_db_patch(void *db, long long id, const char *fullname, hand_rows *rows)
{
    PGconn *c = db;
    if (command(c, "BEGIN")) return -1;
    char key[24];
    snprintf(key, sizeof key, "%lld", id);
    const char *p[] = {fullname, key};
    PGresult *r = exec(c, HAND_S_PATCH, 2, p);
    int rc = r ? 0 : -1;
    PQclear(r);
    return finish(c, rc ? rc : load_user(c, id, rows));
}
