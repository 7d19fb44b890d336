/* hf_model.h: what the fuzzer knows about the server it talks to: the
 * resources, columns and relationships of GET /api, completed from the
 * schema file (lengths, choices, bounds, foreign keys), and pools of real
 * values harvested from answers (object paths, links, cursors, ETags,
 * strings and numbers) so that most generated requests reach deep code. */
#ifndef HF_MODEL_H
#define HF_MODEL_H

#include <jansson.h>
#include <stdbool.h>

#include "tests/fuzz/hf_util.h"
#include "tests/fuzz/hf_wire.h"

typedef struct hf_col {
    const char *name, *type;       /* borrowed from the model's JSON documents */
    bool nullable, pk, read_only, write_only;
    long length;                   /* 0: no length */
    json_t *choices;               /* array or NULL */
    bool has_min, has_max;
    double min, max;
    int fk_res;                    /* resource the foreign key refers to, or -1 */
    int precision, scale;          /* numeric; 0 when not given */
} hf_col;

typedef struct hf_rel {
    const char *name, *direction, *lazy;
    int target;                    /* resource index, or -1 */
    bool uselist;
} hf_rel;

typedef struct hf_res {
    const char *name, *entity, *table;
    hf_col *cols;
    size_t ncols, npk;
    hf_rel *rels;
    size_t nrels;
    hf_pool items;                 /* "/api/res/key" paths seen in answers */
} hf_res;

typedef struct hf_model {
    json_t *index, *schema;        /* GET /api and the schema file */
    hf_res *res;
    size_t nres;
    hf_pool links;                 /* other paths seen in _links and Location */
    hf_pool nexts;                 /* links.next targets (they carry cursors) */
    hf_pool etags;                 /* "path\tETag" */
    hf_pool strings, numbers;      /* scalar values seen in objects */
} hf_model;

/* Build from the text of GET /api and the schema file (may be NULL). */
int hf_model_load(hf_model *m, const char *index_text, size_t n, const char *schema_path,
                  hf_buf *err);
void hf_model_free(hf_model *m);
int hf_model_resource(const hf_model *m, const char *name);
/* Learn from one answer to a request for path (its body parsed already,
 * or NULL). */
void hf_model_harvest(hf_model *m, hf_rng *r, const char *path, const hf_response *resp,
                      json_t *body);
/* The ETag seen for path, or NULL. */
const char *hf_model_etag(const hf_model *m, const char *path);
/* The encoded key of a random known object of resource i, or NULL. */
const char *hf_model_key(const hf_model *m, hf_rng *r, int i);
/* A random known object path of resource i, or NULL. */
const char *hf_model_item(const hf_model *m, hf_rng *r, int i);

#endif
