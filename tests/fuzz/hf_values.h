/* hf_values.h: valid JSON the fuzzer feeds the server, from the model:
 * column values of the right type within the schema's constraints (or a
 * real value seen in an answer), JSON filters over columns and
 * relationships, object bodies for create, replace and update (with nested
 * relationship objects and links), and the comma lists of sort, include and
 * fields. "Valid" is the aim, not a promise: a unique value may collide, a
 * key may have been deleted. */
#ifndef HF_VALUES_H
#define HF_VALUES_H

#include <jansson.h>

#include "tests/fuzz/hf_model.h"

typedef enum hf_body_kind { HF_BODY_CREATE, HF_BODY_REPLACE, HF_BODY_PATCH } hf_body_kind;

json_t *hf_value_for(const hf_model *m, hf_rng *r, const hf_col *c);
json_t *hf_gen_filter(const hf_model *m, hf_rng *r, int res, int depth);
json_t *hf_gen_object(const hf_model *m, hf_rng *r, int res, hf_body_kind kind, int depth);
/* The JSON body that links an existing object of resource res by its key
 * ({"id": 3}), or NULL when none is known. */
json_t *hf_gen_link(const hf_model *m, hf_rng *r, int res);
/* A readable column of res (not write_only), or NULL. */
const hf_col *hf_pick_readable(const hf_model *m, hf_rng *r, int res);
/* sort=..., include=..., fields=... values (malloc'd). */
char *hf_gen_sort(const hf_model *m, hf_rng *r, int res);
char *hf_gen_include(const hf_model *m, hf_rng *r, int res);
char *hf_gen_fields(const hf_model *m, hf_rng *r, int res);
/* A value as the equality shorthand writes it (malloc'd). */
char *hf_value_text(const hf_model *m, hf_rng *r, const hf_col *c);

#endif
