/* hf_session.h: one running server of one target, as the fuzzer uses it:
 * start it and learn its model (GET /api), send request bytes and judge
 * the exchange (answers, then the process: did it crash, does /healthz
 * still answer 200 within the liveness deadline, what does the log say
 * about a 500), learn from good answers, and stop it (SIGTERM must end it
 * with status 0, which also runs LeakSanitizer under ASan). */
#ifndef HF_SESSION_H
#define HF_SESSION_H

#include "tests/fuzz/hf_check.h"
#include "tests/fuzz/hf_model.h"
#include "tests/fuzz/hf_proc.h"

typedef struct hf_config {
    const char *bin, *static_dir;
    int timeout_ms;        /* for an answer the server owes */
    int grace_ms;          /* for answers it does not owe (incomplete requests) */
    int slow_ms;           /* an answer slower than this is a finding */
    int liveness_ms;       /* for /healthz */
    int probe_every_ms;    /* /healthz at least this often */
    int stop_ms;           /* from SIGTERM to exit, then SIGKILL */
    int slow_stop_ms;      /* an exit slower than this is a finding (idle server) */
    int start_ms;
    hf_limits limits;
    const char *const *server_args;
} hf_config;

typedef struct hf_session {
    const hf_config *cfg;
    const hf_target *target;
    hf_server srv;
    hf_model model;
    long log_off;           /* log bytes already examined */
    long long last_probe_ms;
    bool poisoned;          /* crashed, hung or dead: restart before the next request */
} hf_session;

/* Start the server and read GET /api into the model; -1 with the reason. */
int hf_session_start(hf_session *s, const hf_config *cfg, const hf_target *t, hf_buf *err);
/* Send n bytes on a fresh connection and judge everything into v; the
 * answer's text (printable, bounded) goes to shown when not NULL. Returns
 * the status of the first final answer, 0 when there was none. */
int hf_session_send(hf_session *s, hf_rng *r, const char *bytes, size_t n, hf_verdict *v, hf_buf *shown);
/* GET /healthz; false (and v set to HF_DEAD, if it was OK) when it does not
 * answer 200 in time. */
bool hf_session_probe(hf_session *s, hf_verdict *v);
/* SIGTERM and judge the exit into v (HF_OK when it ended with status 0 in
 * time); the directory stays until hf_session_close. */
void hf_session_stop(hf_session *s, hf_verdict *v);
void hf_session_close(hf_session *s);
/* The sanitizer report or the last lines of the log since the session
 * started (malloc'd, bounded). */
char *hf_session_log_excerpt(const hf_session *s, size_t max);

#endif
