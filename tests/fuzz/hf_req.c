/* hf_req.c: building and serializing one request (see hf_req.h). */
#include "tests/fuzz/hf_req.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Characters left as they are in query keys and values ('[' and ']' so
 * that fields[rel] reads as the server's own links write it). */
#define QUERY_KEEP "[],*:!$'()@"
#define SEGMENT_KEEP ",:@!$'()*"

void hf_req_init(hf_req *q, const char *method, const char *route)
{
    memset(q, 0, sizeof *q);
    q->method = hf_xstrdup(method);
    q->version = hf_xstrdup("HTTP/1.1");
    q->route = route;
    q->res = -1;
    hf_req_header(q, "Host", "fuzz");
}

void hf_req_free(hf_req *q)
{
    free(q->method);
    free(q->version);
    hf_buf_free(&q->path);
    for (size_t i = 0; i < q->nparams; i++) {
        free(q->params[i].key);
        free(q->params[i].value);
        json_decref(q->params[i].json);
    }
    free(q->params);
    for (size_t i = 0; i < q->nheaders; i++) {
        free(q->headers[i].name);
        free(q->headers[i].value);
    }
    free(q->headers);
    json_decref(q->json);
    hf_buf_free(&q->body);
    memset(q, 0, sizeof *q);
}

void hf_req_set_method(hf_req *q, const char *method)
{
    free(q->method);
    q->method = hf_xstrdup(method);
}

void hf_req_path(hf_req *q, const char *encoded) { hf_buf_str(&q->path, encoded); }

void hf_req_segment(hf_req *q, const char *raw)
{
    hf_buf_addc(&q->path, '/');
    hf_percent_encode(&q->path, raw, strlen(raw), SEGMENT_KEEP);
}

static hf_param *new_param(hf_req *q)
{
    if (q->nparams == q->capparams) {
        q->capparams = q->capparams ? q->capparams * 2 : 8;
        q->params = hf_xrealloc(q->params, q->capparams * sizeof *q->params);
    }
    hf_param *p = &q->params[q->nparams++];
    memset(p, 0, sizeof *p);
    return p;
}

static char *encode(const char *s)
{
    hf_buf b = {0};
    hf_percent_encode(&b, s, strlen(s), QUERY_KEEP);
    return hf_buf_take(&b);
}

void hf_req_param(hf_req *q, const char *key, const char *value)
{
    hf_param *p = new_param(q);
    p->key = encode(key);
    p->value = value ? encode(value) : NULL;
}

void hf_req_param_json(hf_req *q, const char *key, json_t *value)
{
    hf_param *p = new_param(q);
    p->key = encode(key);
    p->json = value;
}

void hf_req_remove_param(hf_req *q, size_t i)
{
    if (i >= q->nparams) return;
    free(q->params[i].key);
    free(q->params[i].value);
    json_decref(q->params[i].json);
    memmove(&q->params[i], &q->params[i + 1], (q->nparams - i - 1) * sizeof *q->params);
    q->nparams--;
}

void hf_req_header(hf_req *q, const char *name, const char *value)
{
    if (q->nheaders == q->capheaders) {
        q->capheaders = q->capheaders ? q->capheaders * 2 : 8;
        q->headers = hf_xrealloc(q->headers, q->capheaders * sizeof *q->headers);
    }
    q->headers[q->nheaders++] = (hf_hdr){hf_xstrdup(name), hf_xstrdup(value)};
}

void hf_req_set_header(hf_req *q, const char *name, const char *value)
{
    size_t k = 0;
    for (size_t i = 0; i < q->nheaders; i++) {
        if (!strcasecmp(q->headers[i].name, name)) {
            free(q->headers[i].name);
            free(q->headers[i].value);
        } else {
            q->headers[k++] = q->headers[i];
        }
    }
    q->nheaders = k;
    if (value) hf_req_header(q, name, value);
}

const char *hf_req_get_header(const hf_req *q, const char *name)
{
    for (size_t i = 0; i < q->nheaders; i++)
        if (!strcasecmp(q->headers[i].name, name)) return q->headers[i].value;
    return NULL;
}

void hf_req_json(hf_req *q, json_t *body)
{
    json_decref(q->json);
    q->json = body;
    hf_req_set_header(q, "Content-Type", "application/json");
}

void hf_req_materialize_body(hf_req *q, size_t json_flags)
{
    if (!q->json || q->has_raw_body) return;
    char *text = json_dumps(q->json, json_flags | JSON_ENCODE_ANY);
    hf_buf_reset(&q->body);
    if (text) hf_buf_str(&q->body, text);
    free(text);
    json_decref(q->json);
    q->json = NULL;
    q->has_raw_body = true;
}

char *hf_req_target(const hf_req *q)
{
    hf_buf b = {0};
    hf_buf_add(&b, q->path.p ? q->path.p : "", q->path.len);
    for (size_t i = 0; i < q->nparams; i++) {
        const hf_param *p = &q->params[i];
        hf_buf_addc(&b, i ? '&' : '?');
        hf_buf_str(&b, p->key);
        if (p->json) {
            char *text = json_dumps(p->json, JSON_COMPACT | JSON_ENCODE_ANY);
            hf_buf_addc(&b, '=');
            if (text) hf_percent_encode(&b, text, strlen(text), QUERY_KEEP);
            free(text);
        } else if (p->value) {
            hf_buf_addc(&b, '=');
            hf_buf_str(&b, p->value);
        }
    }
    return hf_buf_take(&b);
}

static bool method_writes(const char *m)
{
    return !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH");
}

void hf_req_serialize(hf_req *q, hf_rng *r, hf_buf *out)
{
    hf_req_materialize_body(q, JSON_COMPACT);
    char *target = hf_req_target(q);
    hf_buf_reset(out);
    hf_buf_fmt(out, "%s %s %s\r\n", q->method, target, q->version);
    free(target);
    bool body = q->has_raw_body;
    if (q->framing == HF_FRAME_AUTO && (body || method_writes(q->method))) {
        char cl[32];
        snprintf(cl, sizeof cl, "%zu", body ? q->body.len : 0);
        hf_req_set_header(q, "Content-Length", cl);
    } else if (q->framing == HF_FRAME_CHUNKED) {
        hf_req_set_header(q, "Content-Length", NULL);
        hf_req_set_header(q, "Transfer-Encoding", "chunked");
    }
    for (size_t i = 0; i < q->nheaders; i++) {
        hf_buf_str(out, q->headers[i].name);
        hf_buf_str(out, ": ");
        hf_buf_str(out, q->headers[i].value);
        hf_buf_str(out, "\r\n");
    }
    hf_buf_str(out, "\r\n");
    if (q->framing == HF_FRAME_CHUNKED) {
        size_t off = 0;
        while (off < q->body.len) {
            size_t n = hf_rng_size(r, q->body.len - off);
            hf_buf_fmt(out, "%zx\r\n", n);
            hf_buf_add(out, q->body.p + off, n);
            hf_buf_str(out, "\r\n");
            off += n;
        }
        hf_buf_str(out, "0\r\n\r\n");
    } else if (body) {
        hf_buf_add(out, q->body.p, q->body.len);
    }
}
