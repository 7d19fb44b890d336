/* hf_wire.h: HTTP/1.1 on raw sockets for the fuzzer, so that framing can
 * be broken on purpose: what a sequence of request bytes means to a strict
 * HTTP/1.1 reader (which requests it holds, whether the server must answer
 * them), one exchange over a fresh connection with deadlines, and a strict
 * parser of the server's answers. */
#ifndef HF_WIRE_H
#define HF_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "tests/fuzz/hf_util.h"

#define HF_MAX_PIPELINE 8
#define HF_MAX_RESP_HEADERS 64

/* One request found in the bytes sent. */
typedef struct hf_reqinfo {
    bool head_ok;        /* request line and header lines are HTTP/1.1 syntax */
    bool complete;       /* the head and every body byte its framing announces were sent */
    bool must_answer;    /* a server must answer it: well-formed and complete, or its
                            head alone decides an error (framing, sizes, method) */
    size_t len;          /* bytes of this request, when complete */
    char method[24];
    bool is_head;        /* HEAD: the answer has no body */
} hf_reqinfo;

/* Limits of the server, to know which heads it answers before a body. */
typedef struct hf_limits {
    size_t max_body, max_uri, max_header_bytes;
} hf_limits;

/* Parse up to max requests from d; stops at the first that is not complete
 * or whose framing leaves its end unknown. Returns how many were filled
 * (at least 1 when n > 0). */
size_t hf_parse_requests(const char *d, size_t n, const hf_limits *lim, hf_reqinfo *out,
                         size_t max);

/* The target of the first request line of d, up to '?' (malloc'd), or
 * NULL. */
char *hf_request_path(const char *d, size_t n);
/* The body of the first request of d when its head is complete (points
 * into d; *len its bytes up to the end of d), or NULL. */
const char *hf_request_body(const char *d, size_t n, size_t *len);
/* The value of header name in the first request head of d (malloc'd,
 * blanks trimmed), or NULL; *count gets how many times it occurs. */
char *hf_request_header(const char *d, size_t n, const char *name, int *count);

typedef struct hf_header {
    const char *name, *value;    /* point into the received bytes (not NUL-terminated) */
    size_t name_len, value_len;
} hf_header;

typedef struct hf_response {
    int status;
    size_t start, head_len, len;   /* offsets in the received bytes */
    hf_header headers[HF_MAX_RESP_HEADERS];
    size_t nheaders;
    hf_buf body;                   /* de-chunked body */
    bool close;                    /* Connection: close */
    char malformed[240];           /* why the answer is not HTTP/1.1, or "" */
} hf_response;

/* Parse one answer at d (n bytes; eof: no more will come). head: it answers
 * a HEAD request. Returns the bytes it took (> 0), 0 when incomplete, or -1
 * when malformed (r->malformed says why). Free with hf_response_free. */
long hf_parse_response(const char *d, size_t n, bool eof, bool head, hf_response *r);
void hf_response_free(hf_response *r);
/* The first header of that name (any case) as a malloc'd string, or NULL. */
char *hf_response_header(const hf_response *r, const char *name);

/* One request over a fresh connection. */
typedef struct hf_exchange {
    hf_buf in;            /* everything the server sent */
    bool connect_failed, eof, reset, timed_out;
    size_t answered;      /* complete final answers read */
    size_t expected;      /* answers the server owed (leading must_answer requests) */
    long long ms;         /* from connect to the end of reading */
} hf_exchange;

/* Connect to 127.0.0.1:port, send req while reading, and read until every
 * owed answer is in and then grace_ms more (or EOF), or until timeout_ms
 * passed without them; then close the connection (a full close: a client
 * that went away). grace_ms is skipped when the bytes are exactly the owed
 * requests. */
void hf_exchange_run(int port, const char *req, size_t n, const hf_reqinfo *ri, size_t nri,
                     int timeout_ms, int grace_ms, hf_exchange *x);
void hf_exchange_free(hf_exchange *x);

#endif
