/* hand.h: the hand-written bench servers (bench/hand_sqlite.c, bench/hand_pg.c)
 * share their HTTP side (bench/hand_http.c: libmicrohttpd, routing, JSON
 * written by hand, cursors) and differ in the database calls declared here.
 * A measuring stick for bench/run.sh, not a product: it answers only the
 * bench's requests on bench/schema.json, with the same JSON bytes as restmap,
 * and little validation. */
#ifndef HAND_H
#define HAND_H

#include <stddef.h>

#define HAND_NULL ((size_t)-1) /* a NULL text column */

/* A user row; name and fullname are offsets into hand_rows.pool. */
typedef struct {
    long long id;
    size_t name, fullname;
} hand_user;

/* An address row; owner is the index of its user in hand_rows.users. */
typedef struct {
    long long id, user_id;
    size_t email;
    size_t owner;
} hand_addr;

/* Rows of one request: users in answer order, addresses ordered by id. */
typedef struct {
    hand_user *users;
    size_t nusers, capusers;
    hand_addr *addrs;
    size_t naddrs, capaddrs;
    char *pool;
    size_t npool, cappool;
} hand_rows;

/* Appends text[0..n) plus a NUL to rows->pool: its offset. */
size_t hand_pool_add(hand_rows *rows, const char *text, size_t n);
hand_user *hand_add_user(hand_rows *rows);
hand_addr *hand_add_addr(hand_rows *rows);
/* Sets each address's owner from its user_id (users are few: a page). */
void hand_link_owners(hand_rows *rows);
/* Frees rows' arrays (not rows itself). */
void hand_rows_free(hand_rows *rows);

/* ---- the statements (bench/hand_sql.c) ------------------------------------ */

enum {
    HAND_S_USER,      /* $1 id */
    HAND_S_ADDRS_OF,  /* $1 user_id */
    HAND_S_PAGE,      /* $1 limit, $2 offset */
    HAND_S_PAGE_LIKE, /* $1 pattern, $2 limit, $3 offset */
    HAND_S_ADDRS_IN,  /* $1..$HAND_IN_KEYS user ids */
    HAND_S_INS_USER,  /* $1 name, $2 fullname */
    HAND_S_INS_ADDR,  /* $1 email_address, $2 user_id */
    HAND_S_PATCH,     /* $1 fullname, $2 id */
    HAND_S_COUNT
};
#define HAND_IN_KEYS 32
extern const char *const hand_sql[HAND_S_COUNT];

/* ---- the database side, one connection per server thread ----------------
 * Each returns 0, or -1 on a database error (logged to stderr). */

/* Opens the calling thread's connection to url; hand_db_close ends it
 * (after the server stopped). */
void *hand_db_open(const char *url);
void hand_db_close(void *db);
/* The user id and its addresses; rows->nusers stays 0 when there is none. */
int hand_db_user(void *db, long long id, hand_rows *rows);
/* Users ordered by id from offset, at most limit (with one more row to tell
 * whether a next page exists), with their addresses. like: when not NULL,
 * only users with an address whose email_address is LIKE it. */
int hand_db_page(void *db, long long limit, long long offset, const char *like, hand_rows *rows);
/* Inserts rows->users (ids ignored) and rows->addrs (owner: a user index)
 * in one transaction, setting every id and user_id. */
int hand_db_create(void *db, hand_rows *rows);
/* Sets the user's fullname (NULL: SQL NULL) and loads it as hand_db_user. */
int hand_db_patch(void *db, long long id, const char *fullname, hand_rows *rows);

/* ---- the raw-driver bulk limit (bench/hand_bulk.c) ------------------------ */

/* `hand_sqlite|hand_pg --raw-bulk DB_URL USERS`: inserts USERS users with 2
 * addresses each (the rows bench/run.sh POSTs in its bulk case) through
 * hand_db_create, with no HTTP and no JSON; prints the seconds from BEGIN
 * to COMMIT and the rows inserted. The exit status of main. */
int hand_raw_bulk(int argc, char **argv);

#endif
