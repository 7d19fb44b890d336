/* hf_session.c: one server of one target under fuzzing (see hf_session.h). */
#include "tests/fuzz/hf_session.h"

#include "tests/fuzz/hf_strict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_SCAN_MAX (4L << 20)   /* log bytes read when looking for a report */
#define EXIT_WAIT_MS 2000         /* for a process that may be ending */

static const char HEALTHZ[] = "GET /healthz HTTP/1.1\r\nHost: fuzz\r\n\r\n";
static const char INDEX[] = "GET /api HTTP/1.1\r\nHost: fuzz\r\n\r\n";

/* One well-formed request, for the session's own use: the exchange and its
 * first final answer (status 0 when none). */
static int simple_get(hf_session *s, const char *req, int timeout_ms, hf_buf *body)
{
    hf_reqinfo ri[1];
    size_t nri = hf_parse_requests(req, strlen(req), &s->cfg->limits, ri, 1);
    hf_exchange x;
    hf_exchange_run(s->srv.port, req, strlen(req), ri, nri, timeout_ms, 0, &x);
    hf_response a;
    int status = 0;
    if (hf_parse_response(x.in.p ? x.in.p : "", x.in.len, true, false, &a) > 0) {
        status = a.status;
        if (body) hf_buf_add(body, a.body.p ? a.body.p : "", a.body.len);
    }
    hf_response_free(&a);
    hf_exchange_free(&x);
    return status;
}

int hf_session_start(hf_session *s, const hf_config *cfg, const hf_target *t, hf_buf *err)
{
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    s->target = t;
    if (hf_server_start(&s->srv, cfg->bin, t, cfg->static_dir, cfg->server_args, cfg->start_ms, err)) return -1;
    hf_buf body = {0};
    int status = simple_get(s, INDEX, cfg->timeout_ms, &body);
    int rc = status == 200 ? hf_model_load(&s->model, body.p, body.len, t->schema, err) : -1;
    if (status != 200) hf_buf_fmt(err, "GET /api answered %d for target %s", status, t->name);
    hf_buf_free(&body);
    if (rc) {
        hf_server_stop(&s->srv, cfg->stop_ms);
        hf_server_remove(&s->srv);
        return -1;
    }
    s->last_probe_ms = ts_now_ms();
    return 0;
}

/* First line of the log text that contains needle (malloc'd), or NULL. */
static char *line_with(const char *log, const char *needle)
{
    const char *p = strstr(log, needle);
    if (!p) return NULL;
    const char *start = p;
    while (start > log && start[-1] != '\n') start--;
    const char *end = strchr(p, '\n');
    return hf_xstrndup(start, end ? (size_t)(end - start) : strlen(start));
}

/* Words identifying a sanitizer report or the way the process ended:
 * "SUMMARY: AddressSanitizer: stack-buffer-overflow .../convert.c:# in
 * write_numeric" with numbers and addresses blurred. */
static void crash_signature(const hf_session *s, const char *log, char *sig, size_t len)
{
    char *line = line_with(log, "SUMMARY: ");
    if (!line) line = line_with(log, "runtime error:");
    if (!line) {
        hf_buf b = {0};
        hf_buf_str(&b, "process ended: ");
        hf_server_describe_exit(&s->srv, &b);
        line = hf_buf_take(&b);
    }
    const char *from = strstr(line, "SUMMARY: ");
    hf_normalize(from ? from : line, sig, len);
    free(line);
}

char *hf_session_log_excerpt(const hf_session *s, size_t max)
{
    long size = hf_server_log_size(&s->srv), from = s->log_off;
    if (size - from > LOG_SCAN_MAX) from = size - LOG_SCAN_MAX;
    char *log = hf_server_log(&s->srv, from, NULL);
    const char *start = strstr(log, "==ERROR: ");
    if (!start) start = strstr(log, "runtime error:");
    if (start) {
        while (start > log && start[-1] != '\n') start--;
    } else {
        size_t n = strlen(log);
        start = n > max ? log + n - max : log;
    }
    char *out = hf_xstrndup(start, strnlen(start, max));
    free(log);
    return out;
}

/* The 500's log line, by request id, into the verdict. */
static void explain_500(hf_session *s, hf_verdict *v)
{
    char *log = hf_server_log(&s->srv, s->log_off, NULL);
    char needle[64];
    snprintf(needle, sizeof needle, "request %s", v->request_id);
    char *line = v->request_id[0] ? line_with(log, needle) : NULL;
    if (line) {
        const char *what = strstr(line, needle) + strlen(needle);
        while (*what == ':' || *what == ' ') what++;
        /* the statement ("... in: SELECT ...") varies with the request */
        const char *sql = strstr(what, " in: ");
        char head[200], norm[160];
        snprintf(head, sizeof head, "%.*s", sql ? (int)(sql - what) : (int)strlen(what), what);
        hf_normalize(head, norm, sizeof norm);
        snprintf(v->sig, sizeof v->sig, "500 %s", norm);
        size_t used = strlen(v->detail);
        snprintf(v->detail + used, sizeof v->detail - used, "; log: %.400s", what);
    }
    free(line);
    free(log);
}

/* Wait up to ms for the process to end; true when it has. */
static bool process_ended(hf_session *s, int ms)
{
    long long deadline = ts_now_ms() + ms;
    while (hf_server_running(&s->srv)) {
        if (ts_now_ms() > deadline) return false;
        ts_sleep_ms(5);
    }
    return true;
}

/* The process ended: that is the verdict, with its sanitizer summary. */
static void crash_verdict(hf_session *s, hf_verdict *v)
{
    char *log = hf_server_log(&s->srv, s->log_off, NULL);
    hf_verdict crash = {.kind = HF_OK};
    char sig[200];
    crash_signature(s, log, sig, sizeof sig);
    hf_buf ended = {0};
    hf_server_describe_exit(&s->srv, &ended);
    hf_verdict_set(&crash, HF_CRASH, 0, sig, "the server ended (%s): %s", ended.p, sig);
    hf_buf_free(&ended);
    free(log);
    *v = crash;
    s->poisoned = true;
}

bool hf_session_probe(hf_session *s, hf_verdict *v)
{
    s->last_probe_ms = ts_now_ms();
    int status = simple_get(s, HEALTHZ, s->cfg->liveness_ms, NULL);
    if (status == 200) return true;
    s->poisoned = true;
    if (!hf_server_running(&s->srv)) return false; /* the caller reports the crash */
    hf_verdict_set(v, HF_DEAD, status, status ? "healthz not 200" : "healthz no answer",
                   "GET /healthz answered %d within %d ms", status, s->cfg->liveness_ms);
    return false;
}

int hf_session_send(hf_session *s, hf_rng *r, const char *bytes, size_t n, hf_verdict *v, hf_buf *shown)
{
    hf_reqinfo ri[HF_MAX_PIPELINE];
    size_t nri = n ? hf_parse_requests(bytes, n, &s->cfg->limits, ri, HF_MAX_PIPELINE) : 0;
    if (!nri) {
        memset(&ri[0], 0, sizeof ri[0]);
        nri = 1;
    }
    hf_exchange x;
    hf_exchange_run(s->srv.port, bytes, n, ri, nri, s->cfg->timeout_ms, s->cfg->grace_ms, &x);
    hf_answers answers;
    hf_check_exchange(&x, ri, nri, s->cfg->slow_ms, &answers, v);
    if (shown) hf_buf_printable(shown, x.in.p ? x.in.p : "", x.in.len, 1200);
    /* a missing answer or a failed probe may be a process on its way out
     * (a sanitizer report takes a while): wait for it before judging */
    bool ended = !hf_server_running(&s->srv);
    if (!ended && (v->kind == HF_HANG || v->kind == HF_NO_ANSWER || v->kind == HF_DEAD)) {
        ended = process_ended(s, EXIT_WAIT_MS);
        if (!ended) {
            hf_verdict probe = {.kind = HF_OK};
            bool alive = hf_session_probe(s, &probe);
            ended = !alive && process_ended(s, EXIT_WAIT_MS);
            size_t used = strlen(v->detail);
            snprintf(v->detail + used, sizeof v->detail - used, "; /healthz then: %s",
                     alive ? "200" : probe.detail[0] ? probe.detail : "no answer");
            if (v->kind == HF_HANG) s->poisoned = true; /* a request may still hold the server */
        }
    } else if (!ended && v->kind == HF_500) {
        explain_500(s, v);
    } else if (!ended && ts_now_ms() - s->last_probe_ms >= s->cfg->probe_every_ms) {
        if (!hf_session_probe(s, v)) ended = process_ended(s, EXIT_WAIT_MS);
    }
    if (ended) crash_verdict(s, v);
    int status = 0;
    for (size_t i = 0; i < answers.n && !status; i++)
        if (answers.items[i].status >= 200) status = answers.items[i].status;
    if (v->kind == HF_OK && ri[0].head_ok && status >= 200 && status < 300) hf_check_accepted(bytes, n, &ri[0], status, v);
    if (v->kind == HF_OK && ri[0].head_ok) {
        char *path = hf_request_path(bytes, n);
        for (size_t i = 0; i < answers.n && path; i++)
            if (answers.items[i].status >= 200 && answers.items[i].status < 300)
                hf_model_harvest(&s->model, r, path, &answers.items[i], answers.json[i]);
        free(path);
    }
    hf_answers_free(&answers);
    hf_exchange_free(&x);
    if (!s->poisoned) s->log_off = hf_server_log_size(&s->srv);
    return status;
}

void hf_session_stop(hf_session *s, hf_verdict *v)
{
    memset(v, 0, sizeof *v);
    long long t0 = ts_now_ms();
    bool in_time = hf_server_stop(&s->srv, s->cfg->stop_ms);
    long long took = ts_now_ms() - t0;
    if (!in_time || !hf_server_exit_clean(&s->srv) || took > s->cfg->slow_stop_ms) {
        char *log = hf_server_log(&s->srv, s->log_off, NULL);
        char sig[200];
        crash_signature(s, log, sig, sizeof sig);
        hf_buf ended = {0};
        hf_server_describe_exit(&s->srv, &ended);
        char *drain = line_with(log, "still in flight");
        if (!in_time)
            hf_verdict_set(v, HF_BAD_EXIT, 0, "no exit after SIGTERM", "no exit within %d ms of SIGTERM (then %s)",
                           s->cfg->stop_ms, ended.p);
        else if (hf_server_exit_clean(&s->srv))
            hf_verdict_set(v, HF_BAD_EXIT, 0, "slow exit after SIGTERM",
                           "the idle server took %lld ms to exit after SIGTERM: %s", took, drain ? drain : "");
        else
            hf_verdict_set(v, HF_BAD_EXIT, 0, sig, "SIGTERM: %s: %s", ended.p, sig);
        hf_buf_free(&ended);
        free(drain);
        free(log);
    }
    hf_model_free(&s->model);
}

void hf_session_close(hf_session *s) { hf_server_remove(&s->srv); }
