/* sock.h: raw client sockets for the slow-client tests. Connections can
 * come from any loopback address (127.0.0.1 to 127.0.0.254 all reach a
 * server listening on 127.0.0.1), so per-address limits can be exercised
 * from one machine. No check assertions: safe from any thread. */
#ifndef RM_TEST_SOCK_H
#define RM_TEST_SOCK_H

#include "tests/support/util.h" /* ts_now_ms, ts_sleep_ms */

/* A connected TCP socket to 127.0.0.1:port from 127.0.0.<host> (host
 * 1..254), non-blocking once connected; -1 on failure (errno set). */
int sock_connect_from(int port, int host);

/* Send all n bytes (waits while the socket is full); -1 once the peer is
 * gone. */
int sock_send(int fd, const void *data, int n);

/* Wait up to timeout_ms for the peer to close fd (reading and dropping
 * whatever it sends first, e.g. an answer). Returns 1 when it closed or
 * reset, 0 on timeout. *got (may be NULL) receives the first bytes read,
 * NUL-terminated, up to cap - 1. */
int sock_wait_closed(int fd, int timeout_ms, char *got, int cap);

/* A new connection from 127.0.0.<host> that sent request, got the first
 * bytes of an answer (into got, NUL-terminated, up to cap - 1) within
 * wait_ms and is still open (keep-alive): its descriptor; -1 when it could
 * not connect or was closed. */
int sock_open_answered(int port, int host, const char *request, int wait_ms, char *got, int cap);

/* Whether a new connection from 127.0.0.<host> that sends request is
 * closed within timeout_ms without a byte of answer. */
int sock_closed_unanswered(int port, int host, const char *request, int timeout_ms);

/* One request on a new connection from 127.0.0.<host>; returns the status
 * of the answer (0: no answer within timeout_ms) and its latency in *ms. */
int sock_request(int port, int host, const char *request, int timeout_ms, long long *ms);

#endif
