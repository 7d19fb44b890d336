/* hf_check.c: the oracles on one exchange (see hf_check.h). */
#include "tests/fuzz/hf_check.h"
#include "tests/fuzz/hf_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PROBLEM_ERRORS 100   /* issue 9: errors capped at 100 with a total count */

/* Answers that are known and bounded, not findings (counted for the summary). */
static unsigned long library_answers, timeout_answers;

void hf_check_known(unsigned long *library, unsigned long *timeouts)
{
    *library = library_answers;
    *timeouts = timeout_answers;
}

/* libmicrohttpd 0.9.75 answers some malformed framing itself, before
 * restmap sees the request, with fixed HTML and Connection: close (a bad
 * or huge Content-Length, broken chunks, a header line without a colon, a
 * bad HTTP version, a head past its connection memory); no hook lets
 * restmap answer those (docs/decisions.md). They are told apart by what
 * every restmap answer carries and theirs never do: X-Request-Id. */
static bool library_answer(const hf_response *a)
{
    char *rid = hf_response_header(a, "X-Request-Id");
    char *conn = hf_response_header(a, "Connection");
    bool mhd = !rid && conn && !strcasecmp(conn, "close") &&
               (a->status == 400 || a->status == 413 || a->status == 414 || a->status == 431 ||
                a->status == 505);
    free(rid);
    free(conn);
    return mhd;
}

const char *hf_kind_name(hf_kind k)
{
    static const char *const names[HF_KIND_COUNT] = {
        "ok", "crash", "hang", "dead", "no-answer", "500", "malformed", "not-problem",
        "bad-problem", "bad-json", "bad-utf8", "bad-exit", "busy", "slow", "if-match", "accepted",
    };
    return k < HF_KIND_COUNT ? names[k] : "?";
}

void hf_verdict_set(hf_verdict *v, hf_kind kind, int status, const char *sig, const char *fmt, ...)
{
    if (v->kind != HF_OK) return;
    v->kind = kind;
    v->status = status;
    snprintf(v->sig, sizeof v->sig, "%s", sig);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->detail, sizeof v->detail, fmt, ap);
    va_end(ap);
}

void hf_normalize(const char *in, char *out, size_t max)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 4 < max; p++) {
        if (*p >= '0' && *p <= '9') {
            out[o++] = '#';
            while (p[1] >= '0' && p[1] <= '9') p++;
        } else if (*p == '"' || *p == '\'') {
            char q = *p;
            const char *end = strchr(p + 1, q);
            if (!end) break;
            out[o++] = q;
            out[o++] = '*';
            out[o++] = q;
            p = end;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

/* The name of the JSON member whose value holds byte off of body ("detail",
 * "message", ...), or "?" — what tells invalid UTF-8 findings apart. A
 * small scanner: strings (with escapes) and the last key before a ':'. */
static void member_at(const char *body, size_t off, char *out, size_t len)
{
    snprintf(out, len, "?");
    size_t key_start = 0, key_len = 0, str_start = 0;
    bool in_str = false;
    for (size_t i = 0; i < off; i++) {
        char ch = body[i];
        if (in_str) {
            if (ch == '\\') i++;
            else if (ch == '"') {
                in_str = false;
                size_t j = i + 1;
                while (j < off && (body[j] == ' ' || body[j] == '\n')) j++;
                if (j < off && body[j] == ':') key_start = str_start, key_len = i - str_start;
            }
        } else if (ch == '"') {
            in_str = true;
            str_start = i + 1;
        }
    }
    if (key_len && key_len < 40) snprintf(out, len, "%.*s", (int)key_len, body + key_start);
}

/* "application/problem+json" with or without parameters. */
static bool media_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    return ct && !strncasecmp(ct, want, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static void check_problem(const hf_response *a, json_t *j, hf_verdict *v)
{
    json_t *st = json_object_get(j, "status"), *errors = json_object_get(j, "errors");
    if (!json_is_object(j)) {
        hf_verdict_set(v, HF_BAD_PROBLEM, a->status, "problem body is not a JSON object",
                       "%d: problem body is not a JSON object", a->status);
    } else if (!json_is_integer(st) || json_integer_value(st) != a->status) {
        hf_verdict_set(v, HF_BAD_PROBLEM, a->status, "problem status differs from the status line",
                       "%d: problem \"status\" is %lld", a->status,
                       json_is_integer(st) ? (long long)json_integer_value(st) : -1LL);
    } else if (!json_is_string(json_object_get(j, "title")) || !json_is_string(json_object_get(j, "detail"))) {
        hf_verdict_set(v, HF_BAD_PROBLEM, a->status, "problem without title or detail",
                       "%d: problem without a string title or detail", a->status);
    } else if (!json_is_array(errors)) {
        hf_verdict_set(v, HF_BAD_PROBLEM, a->status, "problem without errors array",
                       "%d: problem without an errors array", a->status);
    } else if (json_array_size(errors) > MAX_PROBLEM_ERRORS) {
        hf_verdict_set(v, HF_BAD_PROBLEM, a->status, "more than 100 errors",
                       "%d: a problem with %zu errors (%zu bytes): errors are not capped", a->status,
                       json_array_size(errors), a->body.len);
    }
}

/* A 503 problem saying the statement timeout held (alone, or for an
 * operation of a batch: "operation N (...) failed: the statement took too long"). */
static bool timed_out(const json_t *problem)
{
    static const char tail[] = "the statement took too long";
    const char *d = json_string_value(json_object_get(problem, "detail"));
    size_t n = d ? strlen(d) : 0;
    return n >= sizeof tail - 1 && !strcmp(d + n - (sizeof tail - 1), tail);
}

/* One parsed answer to a request whose method is given. */
static void check_answer(const hf_response *a, const hf_reqinfo *ri, json_t **json, hf_verdict *v)
{
    char *ct = hf_response_header(a, "Content-Type");
    char *rid = hf_response_header(a, "X-Request-Id");
    if (rid && v->kind == HF_OK) snprintf(v->request_id, sizeof v->request_id, "%s", rid);
    for (size_t i = 0; i < a->nheaders; i++) {
        size_t bad;
        if (!hf_utf8_valid(a->headers[i].value, a->headers[i].value_len, &bad))
            hf_verdict_set(v, HF_BAD_UTF8, a->status, "header value not UTF-8",
                           "%d: header %.*s is not UTF-8 at byte %zu", a->status,
                           (int)a->headers[i].name_len, a->headers[i].name, bad);
    }
    const char *body = a->body.p ? a->body.p : "";
    size_t blen = a->body.len, bad = 0;
    bool text = !ct || !strncasecmp(ct, "text/", 5) || strstr(ct, "json") || strstr(ct, "javascript");
    if (text && !hf_utf8_valid(body, blen, &bad)) {
        char member[48], sig[120];
        member_at(body, bad, member, sizeof member);
        snprintf(sig, sizeof sig, "%d body not UTF-8 in \"%s\"", a->status / 100 * 100, member);
        hf_verdict_set(v, HF_BAD_UTF8, a->status, sig, "%d: body (%s) is not UTF-8 at byte %zu of %zu, in \"%s\"",
                       a->status, ct ? ct : "no type", bad, blen, member);
    }
    if (blen && (media_is(ct, "application/json") || media_is(ct, "application/problem+json"))) {
        json_error_t je;
        *json = json_loadb(body, blen, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (!*json)
            hf_verdict_set(v, HF_BAD_JSON, a->status, "JSON body does not parse",
                           "%d: %s body does not parse: %s at %d", a->status, ct, je.text, je.position);
    }
    if (a->status == 500) {
        hf_verdict_set(v, HF_500, 500, "500", "500 Internal Server Error (request id %s)", rid ? rid : "?");
    } else if (a->status == 503 && (ri->is_head || timed_out(*json))) {
        timeout_answers++; /* bounded work: the statement timeout held (a slow one is HF_SLOW) */
    } else if (a->status == 503) {
        hf_verdict_set(v, HF_BUSY, 503, "503 with one client", "503 although the fuzzer is the only client: %.300s",
                       body);
    } else if (a->status >= 400 && !ri->is_head) {
        if (!media_is(ct, "application/problem+json")) {
            char sig[120];
            snprintf(sig, sizeof sig, "%d answered as %.60s", a->status, ct ? ct : "no content type");
            hf_verdict_set(v, HF_NOT_PROBLEM, a->status, sig, "%d answered with Content-Type %s: %.200s",
                           a->status, ct ? ct : "(none)", body);
        } else if (*json) {
            check_problem(a, *json, v);
        } else {
            hf_verdict_set(v, HF_BAD_PROBLEM, a->status, "problem body empty or not JSON",
                           "%d: empty or unparsable problem body", a->status);
        }
    }
    free(ct);
    free(rid);
}

void hf_check_exchange(const hf_exchange *x, const hf_reqinfo *ri, size_t nri, int slow_ms,
                       hf_answers *out, hf_verdict *v)
{
    memset(out, 0, sizeof *out);
    memset(v, 0, sizeof *v);
    /* frame every answer first: broken framing is the worst news */
    size_t off = 0, finals = 0;
    bool malformed = false;
    bool is_head[HF_COUNT(out->items)];
    while (off < x->in.len && out->n < HF_COUNT(out->items)) {
        hf_response *a = &out->items[out->n];
        is_head[out->n] = finals < nri ? ri[finals].is_head : ri[nri - 1].is_head;
        long took = hf_parse_response(x->in.p + off, x->in.len - off, x->eof, is_head[out->n], a);
        if (took == 0) {
            hf_response_free(a);
            break; /* an answer still coming when we stopped reading */
        }
        if (took < 0 && out->n && library_answer(&out->items[out->n - 1])) {
            /* libmicrohttpd 0.9.75 repeats its own error head after a bad
             * Content-Length: the library's answer, not restmap's */
            hf_response_free(a);
            malformed = true;
            break;
        }
        if (took < 0) {
            hf_buf why = {0};
            hf_buf_printable(&why, x->in.p + off, x->in.len - off, 160);
            hf_verdict_set(v, HF_MALFORMED, 0, a->malformed, "answer %zu is not HTTP/1.1 (%s): %s", out->n + 1,
                           a->malformed, why.p);
            hf_buf_free(&why);
            hf_response_free(a);
            malformed = true;
            break;
        }
        off += (size_t)took;
        if (a->status >= 200) finals++;
        out->n++;
    }
    for (size_t i = 0; i < out->n; i++) {
        hf_reqinfo head_only = {.is_head = is_head[i]};
        if (library_answer(&out->items[i])) {
            library_answers++;
            malformed = true; /* the connection ends there: nothing more is owed */
            continue;
        }
        check_answer(&out->items[i], &head_only, &out->json[i], v);
    }
    /* each request of a pipeline is bounded on its own */
    long long bound = (long long)slow_ms * (long long)(x->expected > 1 ? x->expected : 1);
    if (finals && x->ms > bound)
        hf_verdict_set(v, HF_SLOW, 0, "slow answer", "the answer took %lld ms (bound %lld ms)", x->ms, bound);
    if (malformed || finals >= x->expected) return;
    const hf_reqinfo *owed = &ri[finals];
    if (x->timed_out)
        hf_verdict_set(v, HF_HANG, 0, "no answer", "no answer to %s request %zu within %lld ms", owed->method,
                       finals + 1, x->ms);
    else if (x->connect_failed)
        hf_verdict_set(v, HF_DEAD, 0, "connect failed", "could not connect");
    else
        hf_verdict_set(v, HF_NO_ANSWER, 0, "connection closed without an answer",
                       "connection %s without an answer to %s request %zu", x->reset ? "reset" : "closed",
                       owed->method, finals + 1);
}

void hf_answers_free(hf_answers *a)
{
    for (size_t i = 0; i < a->n; i++) {
        hf_response_free(&a->items[i]);
        json_decref(a->json[i]);
    }
    a->n = 0;
}
