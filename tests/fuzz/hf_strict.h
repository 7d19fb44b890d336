/* hf_strict.h: oracles that need to read the request: requests the
 * contract refuses but the server accepted (2xx). A write of an object or
 * a collection member under an If-Match that is malformed or names no ETag
 * restmap could have issued (SPEC §3: 412; issue 9: parse strictly); a
 * batch whose operation path holds %00 (a direct request with it is 400);
 * limit or offset that are not plain digits (SPEC §8: 400); a body declared
 * in a charset other than UTF-8 (SPEC §3: bodies are UTF-8). */
#ifndef HF_STRICT_H
#define HF_STRICT_H

#include "tests/fuzz/hf_check.h"

/* bytes were answered status (2xx); ri describes their first request. */
void hf_check_accepted(const char *bytes, size_t n, const hf_reqinfo *ri, int status, hf_verdict *v);

#endif
