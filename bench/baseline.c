/* baseline.c: the limit restmap's GET one object should approach: raw
 * libmicrohttpd + sqlite3 answering GET /api/keywords/{id} from the same
 * database file with a prepared statement per thread, JSON written by hand.
 * No validation, no problem+json, no metrics: a measuring stick only.
 * Usage: baseline DBFILE PORT */
#include <microhttpd.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *db_path;
static _Thread_local sqlite3 *db;
static _Thread_local sqlite3_stmt *stmt;

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **state)
{
    (void)cls, (void)method, (void)version, (void)upload, (void)upload_size, (void)state;
    if (!db) {
        sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
        sqlite3_prepare_v2(db, "SELECT id, keyword FROM keywords WHERE id = ?1", -1, &stmt, NULL);
    }
    const char *p = strrchr(url, '/');
    sqlite3_bind_int64(stmt, 1, p ? atoll(p + 1) : 0);
    char body[512];
    int n = 0, status = 404;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        n = snprintf(body, sizeof body, "{\"id\":%lld,\"keyword\":\"%s\",\"_links\":{\"self\":\"/api/keywords/%lld\"}}",
                     (long long)sqlite3_column_int64(stmt, 0), (const char *)sqlite3_column_text(stmt, 1),
                     (long long)sqlite3_column_int64(stmt, 0));
        status = 200;
    }
    sqlite3_reset(stmt);
    struct MHD_Response *r = MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc != 3) return 2;
    db_path = argv[1];
    /* block the stop signals before libmicrohttpd's threads exist, so only sigwait sees them */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGINT);
    sigprocmask(SIG_BLOCK, &s, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
                                            (uint16_t)atoi(argv[2]), NULL, NULL, answer, NULL,
                                            MHD_OPTION_THREAD_POOL_SIZE, 4u, MHD_OPTION_END);
    if (!d) return 1;
    int sig;
    sigwait(&s, &sig);
    MHD_stop_daemon(d);
    return 0;
}
