/* hf_gen.h: valid requests of every route restmap serves, from templates
 * fed by the model: the index, lists with filter/sort/include/fields/
 * limit/offset/cursor/count/shorthand, one object, sub-resources, create
 * one and many, replace, update, delete, add to and remove from a
 * collection, batches of such operations, /healthz, /metrics,
 * /openapi.json, the explorer's static files, OPTIONS and HEAD, with
 * If-Match and If-None-Match from real ETags; plus the query-depth routes
 * of SPEC §10 (aggregates, query bodies, bulk writes) at a low rate. */
#ifndef HF_GEN_H
#define HF_GEN_H

#include "tests/fuzz/hf_model.h"
#include "tests/fuzz/hf_req.h"

/* A fresh request into q (hf_req_init is done here). */
void hf_gen_request(const hf_model *m, hf_rng *r, hf_req *q);
/* One batch operation {"method", "path", "body"?}. */
json_t *hf_gen_batch_op(const hf_model *m, hf_rng *r);

#endif
