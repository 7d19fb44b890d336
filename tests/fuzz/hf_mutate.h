/* hf_mutate.h: how the fuzzer breaks valid requests. Structured mutations
 * act on an hf_req: the path (special and percent-encoded segments, `..`,
 * `%5Fbatch`, `%00`, very long), the query (special values, raw encodings,
 * repeated, unknown and many parameters, over-long dotted paths), JSON
 * trees (type swaps, deep nesting, huge arrays, long strings, special
 * numbers, unknown members, nested batches) and JSON text (duplicate keys,
 * unicode escapes, invalid UTF-8, NUL, broken number literals), headers
 * (Content-Type, If-Match junk, Host, huge and many headers) and framing
 * (wrong, duplicated or malformed Content-Length, chunked with bad framing,
 * both at once). Byte mutations act on the serialized request: flip,
 * insert, delete, duplicate, splice with another request, truncate. */
#ifndef HF_MUTATE_H
#define HF_MUTATE_H

#include "tests/fuzz/hf_model.h"
#include "tests/fuzz/hf_req.h"

/* n structured mutations of q; names of what was done are appended to log
 * (comma-separated) when log is not NULL. */
void hf_mutate_request(hf_req *q, const hf_model *m, hf_rng *r, unsigned n, hf_buf *log);
/* n byte mutations of the request bytes; other (may be NULL or empty) is
 * another request to splice with. */
void hf_mutate_bytes(hf_buf *b, hf_rng *r, unsigned n, const hf_buf *other, hf_buf *log);

#endif
