/* hand_sql.c: the statements of both hand-written bench servers
 * (bench/hand.h), the same SELECTs restmap runs for the bench's requests.
 * Placeholders are PostgreSQL's $N, which SQLite takes too (as named
 * parameters numbered by first appearance: so in each statement they
 * appear in the order of their numbers). */
#include "bench/hand.h"

const char *const hand_sql[HAND_S_COUNT] = {
    [HAND_S_USER] = "SELECT id, name, fullname FROM users WHERE id = $1",
    [HAND_S_ADDRS_OF] = "SELECT id, email_address, user_id FROM addresses WHERE user_id = $1 ORDER BY id",
    [HAND_S_PAGE] = "SELECT id, name, fullname FROM users ORDER BY id LIMIT $1 OFFSET $2",
    [HAND_S_PAGE_LIKE] = "SELECT t0.id, t0.name, t0.fullname FROM users AS t0 WHERE EXISTS (SELECT 1 FROM"
                         " addresses AS t1 WHERE t1.user_id = t0.id AND t1.email_address LIKE $1 ESCAPE '\\')"
                         " ORDER BY t0.id LIMIT $2 OFFSET $3",
    /* HAND_IN_KEYS parameters: a page's keys, the last repeated to fill the list */
    [HAND_S_ADDRS_IN] = "SELECT id, email_address, user_id FROM addresses WHERE user_id IN ("
    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
    "$18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32"
    ") ORDER BY id",
    [HAND_S_INS_USER] = "INSERT INTO users (name, fullname) VALUES ($1, $2)",
    [HAND_S_INS_ADDR] = "INSERT INTO addresses (email_address, user_id) VALUES ($1, $2)",
    [HAND_S_PATCH] = "UPDATE users SET fullname = $1 WHERE id = $2",
};
