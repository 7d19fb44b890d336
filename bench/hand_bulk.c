/* hand_bulk.c: the raw-driver limit of the bench's bulk POST (bench/hand.h,
 * hand_raw_bulk): the same 10,000 users x 2 addresses bench/run.sh POSTs,
 * inserted straight through the hand-written servers' database side
 * (hand_db_create: SQLite, prepared statements in one BEGIN IMMEDIATE, WAL,
 * synchronous=NORMAL, foreign keys on; PostgreSQL, prepared INSERT ...
 * RETURNING id pipelined in one transaction). Only hand_db_create is timed:
 * the rows are built in memory and the connection opened before it. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench/hand.h"

/* Appends before, i and after to rows->pool as one text: its offset. */
static size_t pool_number(hand_rows *rows, const char *before, long i, const char *after)
{
    char t[64];
    int n = snprintf(t, sizeof t, "%s%ld%s", before, i, after);
    return hand_pool_add(rows, t, (size_t)n);
}

int hand_raw_bulk(int argc, char **argv)
{
    long users = argc == 4 ? strtol(argv[3], NULL, 10) : 0;
    if (users <= 0) {
        fprintf(stderr, "usage: %s --raw-bulk DB_URL USERS\n", argv[0]);
        return 2;
    }
    hand_rows rows = {0};
    for (long i = 0; i < users; i++) { /* as run.sh's post_users with the tag "bulk" */
        size_t name = pool_number(&rows, "bulk", i, "");
        *hand_add_user(&rows) = (hand_user){.name = name, .fullname = pool_number(&rows, "User ", i, "")};
        for (int k = 0; k < 2; k++) {
            size_t email = pool_number(&rows, "u", i, k ? "b@example.com" : "a@example.com");
            *hand_add_addr(&rows) = (hand_addr){.email = email, .owner = (size_t)i};
        }
    }
    void *db = hand_db_open(argv[2]);
    if (!db) {
        hand_rows_free(&rows);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = hand_db_create(db, &rows);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!rc)
        printf("%.6f %zu\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
               rows.nusers + rows.naddrs);
    hand_db_close(db);
    hand_rows_free(&rows);
    return rc ? 1 : 0;
}
