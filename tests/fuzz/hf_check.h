/* hf_check.h: the fuzzer's oracles. An exchange fails when an answer the
 * server owed never came (no answer within the deadline, or the
 * connection closed without one), when an answer is not well-formed
 * HTTP/1.1, when a 4xx/5xx body is not application/problem+json that
 * parses with the status of the status line, when a JSON body does not
 * parse, when any body or header is not valid UTF-8, and on every 500.
 * Process-level failures (a crash, a failed liveness probe, a bad exit)
 * are judged by the caller with the same kinds. */
#ifndef HF_CHECK_H
#define HF_CHECK_H

#include <jansson.h>

#include "tests/fuzz/hf_wire.h"

typedef enum hf_kind {
    HF_OK = 0,
    HF_CRASH,        /* the server process ended */
    HF_HANG,         /* an owed answer did not come in time */
    HF_DEAD,         /* /healthz did not answer 200 within the liveness deadline */
    HF_NO_ANSWER,    /* the connection closed without an owed answer */
    HF_500,
    HF_MALFORMED,    /* not HTTP/1.1 */
    HF_NOT_PROBLEM,  /* 4xx/5xx without application/problem+json */
    HF_BAD_PROBLEM,  /* problem+json that does not parse or disagrees with the status */
    HF_BAD_JSON,     /* application/json that does not parse */
    HF_BAD_UTF8,     /* a body or header that is not UTF-8 */
    HF_BAD_EXIT,     /* SIGTERM did not end the server with status 0 in time */
    HF_BUSY,         /* 503 although this client is the only one */
    HF_SLOW,         /* an answer took longer than the slow deadline */
    HF_IF_MATCH,     /* a write succeeded under an If-Match that cannot match */
    HF_ACCEPTED,     /* a request the contract refuses answered 2xx (hf_strict.h) */
    HF_KIND_COUNT
} hf_kind;

const char *hf_kind_name(hf_kind k);

typedef struct hf_verdict {
    hf_kind kind;
    int status;             /* of the answer at fault, or 0 */
    char request_id[40];    /* its X-Request-Id, or "" */
    char detail[600];       /* what is wrong, for the report */
    char sig[200];          /* stable words that identify the kind of failure */
} hf_verdict;

/* The parsed answers of one exchange (final ones and 1xx alike). */
typedef struct hf_answers {
    hf_response items[HF_MAX_PIPELINE * 2];
    json_t *json[HF_MAX_PIPELINE * 2];   /* parsed body when JSON, else NULL */
    size_t n;
} hf_answers;

/* Judge x (sent as the requests ri) into v; the answers go to out (free
 * with hf_answers_free). slow_ms: the slow deadline. */
/* How many answers so far were libmicrohttpd's own (HTML for malformed
 * framing, which restmap cannot answer) and statement timeouts (503 within
 * the bound): known outcomes, not findings. */
void hf_check_known(unsigned long *library, unsigned long *timeouts);

void hf_check_exchange(const hf_exchange *x, const hf_reqinfo *ri, size_t nri, int slow_ms,
                       hf_answers *out, hf_verdict *v);
void hf_answers_free(hf_answers *a);

/* Set v (kind, and printf-style detail); the first failure found wins. */
void hf_verdict_set(hf_verdict *v, hf_kind kind, int status, const char *sig, const char *fmt, ...)
    HF_FMT(5, 6);
/* Digits → '#', quoted text → "…", at most max bytes: words that stay the
 * same across occurrences of one failure. */
void hf_normalize(const char *in, char *out, size_t max);

#endif
