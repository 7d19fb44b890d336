/* hf_req.h: one HTTP request as the fuzzer builds it, before it becomes
 * bytes: method, percent-encoded path, query parameters (a filter may stay
 * a JSON tree until the end), headers, a JSON body or raw body bytes, and
 * how the body is framed. Generators fill it, mutators change it, and
 * hf_req_serialize writes the bytes that go on the wire. */
#ifndef HF_REQ_H
#define HF_REQ_H

#include <jansson.h>
#include <stdbool.h>

#include "tests/fuzz/hf_util.h"

typedef struct hf_param {
    char *key, *value;   /* percent-encoded already (value NULL: "key" alone) */
    json_t *json;        /* when set, the value is this tree, dumped and encoded at the end */
} hf_param;

typedef struct hf_hdr {
    char *name, *value;  /* raw bytes; value may hold anything a mutator put there */
} hf_hdr;

typedef enum hf_framing {
    HF_FRAME_AUTO,       /* Content-Length when there is a body or the method writes */
    HF_FRAME_CHUNKED,    /* Transfer-Encoding: chunked, well-formed, random chunk sizes */
    HF_FRAME_VERBATIM    /* the headers and body bytes are exactly what is there */
} hf_framing;

typedef struct hf_req {
    char *method, *version;
    hf_buf path;             /* encoded path, without the query */
    hf_param *params;
    size_t nparams, capparams;
    hf_hdr *headers;
    size_t nheaders, capheaders;
    json_t *json;            /* body tree, or NULL */
    hf_buf body;             /* raw body bytes when has_raw_body */
    bool has_raw_body;
    hf_framing framing;
    const char *route;       /* template name, for statistics */
    int res;                 /* resource the template chose, or -1 */
} hf_req;

void hf_req_init(hf_req *q, const char *method, const char *route);
void hf_req_free(hf_req *q);
void hf_req_set_method(hf_req *q, const char *method);
/* Append an already encoded path piece ("/api", "/users"). */
void hf_req_path(hf_req *q, const char *encoded);
/* Append one segment, percent-encoding it. */
void hf_req_segment(hf_req *q, const char *raw);
/* Add a parameter; key and value are encoded here (value NULL: no '='). */
void hf_req_param(hf_req *q, const char *key, const char *value);
/* Add a parameter whose value is a JSON tree (reference stolen). */
void hf_req_param_json(hf_req *q, const char *key, json_t *value);
void hf_req_remove_param(hf_req *q, size_t i);
void hf_req_header(hf_req *q, const char *name, const char *value);
/* Replace every header of that name with one (value NULL: remove). */
void hf_req_set_header(hf_req *q, const char *name, const char *value);
const char *hf_req_get_header(const hf_req *q, const char *name);
/* Body tree (reference stolen); sets Content-Type: application/json. */
void hf_req_json(hf_req *q, json_t *body);
/* Turn the JSON body (if any) into raw bytes, for text-level mutations. */
void hf_req_materialize_body(hf_req *q, size_t json_flags);
/* The target "path?query" (malloc'd). */
char *hf_req_target(const hf_req *q);
/* The request bytes; rng chooses chunk sizes for HF_FRAME_CHUNKED. */
void hf_req_serialize(hf_req *q, hf_rng *r, hf_buf *out);

#endif
