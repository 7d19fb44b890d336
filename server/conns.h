/* conns.h: deadlines on the open connections of the HTTP server.
 *
 * libmicrohttpd's own connection timeout is an idle timeout: every byte a
 * client sends restarts it, so a client dribbling one byte a second holds a
 * connection for ever. This registry gives each connection a total
 * deadline per phase instead, and a sweeper thread closes (shutdown(2),
 * both directions) every connection past it, however busy it keeps the
 * socket:
 *   HEAD    waiting for a request's line and headers, from the moment the
 *           connection is ready for one (accepted, or the previous answer
 *           sent): head_ms. This is also the keep-alive idle limit.
 *   BODY    receiving the body, from the end of the head: body_ms.
 *   ANSWER  the handler runs or the answer is being sent: no deadline
 *           (a request without a body enters it at the end of its head).
 * On stop (rm_conns_drain) connections waiting for a head are closed at
 * once, and bodies still arriving get at most grace_ms more.
 *
 * Knows sockets, not HTTP: server/http.c moves connections between phases
 * from libmicrohttpd's callbacks. Thread-safe; a closed connection is never
 * touched once rm_conns_remove has returned (so its descriptor may be
 * reused). */
#ifndef RM_CONNS_H
#define RM_CONNS_H

#include <stdbool.h>

typedef struct rm_conns rm_conns;
typedef struct rm_conn rm_conn;

typedef enum rm_conn_phase { RM_CONN_HEAD, RM_CONN_BODY, RM_CONN_ANSWER } rm_conn_phase;

/* A registry with those deadlines (milliseconds, > 0) and its sweeper
 * thread, which checks every min(head_ms, body_ms) / 10 ms (5..100).
 * NULL when out of memory or no thread could start. */
rm_conns *rm_conns_new(int head_ms, int body_ms);

/* Stop the sweeper and free the registry; connections still registered are
 * forgotten (not closed). NULL is a no-op. */
void rm_conns_free(rm_conns *r);

/* Register the connected socket fd in phase HEAD. NULL when out of memory
 * (the socket is then shut down: no connection goes without a deadline).
 * During a drain the socket is shut down at once. */
rm_conn *rm_conns_add(rm_conns *r, int fd);

/* Forget c (NULL: no-op); call before its descriptor is closed. */
void rm_conns_remove(rm_conns *r, rm_conn *c);

/* Move c to phase p, which restarts that phase's deadline. false when c has
 * been cut (its socket is shut down: the caller should drop the request);
 * entering HEAD during a drain cuts c. c NULL: true, nothing to do. */
bool rm_conn_enter(rm_conns *r, rm_conn *c, rm_conn_phase p);

/* c's request is over (answered, or the connection died): whether c had
 * been closed for missing its deadline or by a drain before; then, as
 * rm_conn_enter(r, c, RM_CONN_HEAD), c waits for its next head. One lock.
 * c NULL: false. */
bool rm_conn_request_done(rm_conns *r, rm_conn *c);

/* Begin a drain: cut every connection waiting for a head, give every body
 * still arriving at most grace_ms more, and cut connections added or
 * returning to HEAD from now on. Answers in progress are left alone. */
void rm_conns_drain(rm_conns *r, int grace_ms);

#endif
