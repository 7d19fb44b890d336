/* hf_mutate_int.h: what the mutator files share (hf_mutate.c: the table,
 * paths, queries, headers, framing, request line and bytes;
 * hf_mutate_json.c: JSON trees and text). Each mutator returns false when
 * it does not apply to the request (then another is drawn). */
#ifndef HF_MUTATE_INT_H
#define HF_MUTATE_INT_H

#include "tests/fuzz/hf_mutate.h"

typedef struct hf_mctx {
    hf_req *q;
    const hf_model *m;
    hf_rng *r;
} hf_mctx;

/* A decoded special string ("", "-0", "1e309", "..", "\xc3\xa9", ...). */
const char *hf_mut_special_string(hf_rng *r);
/* A piece for a request target: raw ("%00", "%C0%AF", "..") or an encoded
 * special string (malloc'd). */
char *hf_mut_fragment(hf_rng *r);
/* unit repeated to about n bytes (malloc'd). */
char *hf_mut_repeat(const char *unit, size_t n);

bool hf_mut_json_swap(hf_mctx *c);
bool hf_mut_json_special(hf_mctx *c);
bool hf_mut_json_nest(hf_mctx *c);
bool hf_mut_json_huge_array(hf_mctx *c);
bool hf_mut_json_long_string(hf_mctx *c);
bool hf_mut_json_member(hf_mctx *c);
bool hf_mut_json_top(hf_mctx *c);
bool hf_mut_json_batch(hf_mctx *c);
bool hf_mut_text_bad_utf8(hf_mctx *c);
bool hf_mut_text_escape(hf_mctx *c);
bool hf_mut_text_control(hf_mctx *c);
bool hf_mut_text_number(hf_mctx *c);
bool hf_mut_text_dup_key(hf_mctx *c);
bool hf_mut_text_structure(hf_mctx *c);

#endif
