/* hf_model.c: the server's resources from GET /api and the schema file, and
 * the pools of values harvested from answers (see hf_model.h). */
#include "tests/fuzz/hf_model.h"

#include <stdlib.h>
#include <string.h>

#define POOL_ITEMS 256
#define POOL_LINKS 256
#define POOL_NEXTS 64
#define POOL_ETAGS 128
#define POOL_VALUES 128
#define HARVEST_NODES 4000
#define HARVEST_DEPTH 10
#define VALUE_MAX_LEN 64

static const char *str_or(json_t *j, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(j, key));
    return s ? s : dflt;
}

int hf_model_resource(const hf_model *m, const char *name)
{
    for (size_t i = 0; i < m->nres; i++)
        if (!strcmp(m->res[i].name, name)) return (int)i;
    return -1;
}

static int resource_of_entity(const hf_model *m, const char *entity)
{
    for (size_t i = 0; entity && i < m->nres; i++)
        if (!strcmp(m->res[i].entity, entity)) return (int)i;
    return -1;
}

static int resource_of_table(const hf_model *m, const char *table, size_t len)
{
    for (size_t i = 0; i < m->nres; i++)
        if (strlen(m->res[i].table) == len && !strncmp(m->res[i].table, table, len)) return (int)i;
    return -1;
}

/* Lengths, choices, bounds and scale from the schema file's column. */
static void column_details(hf_col *c, json_t *decl)
{
    json_t *v;
    if ((v = json_object_get(decl, "length")) && json_is_integer(v)) c->length = (long)json_integer_value(v);
    if ((v = json_object_get(decl, "choices")) && json_is_array(v)) c->choices = v;
    if ((v = json_object_get(decl, "min")) && json_is_number(v)) c->has_min = true, c->min = json_number_value(v);
    if ((v = json_object_get(decl, "max")) && json_is_number(v)) c->has_max = true, c->max = json_number_value(v);
    if ((v = json_object_get(decl, "scale")) && json_is_integer(v)) c->scale = (int)json_integer_value(v);
    if ((v = json_object_get(decl, "precision")) && json_is_integer(v)) c->precision = (int)json_integer_value(v);
}

static void load_resource(hf_model *m, hf_res *r, json_t *jr)
{
    r->name = str_or(jr, "name", "");
    r->entity = str_or(jr, "entity", "");
    json_t *decl = json_object_get(json_object_get(m->schema, "entities"), r->entity);
    r->table = str_or(decl, "table", r->name);
    json_t *cols = json_object_get(jr, "columns"), *rels = json_object_get(jr, "relationships");
    json_t *col_decls = json_object_get(decl, "columns");
    r->ncols = json_array_size(cols);
    r->cols = hf_xcalloc(r->ncols, sizeof *r->cols);
    for (size_t i = 0; i < r->ncols; i++) {
        json_t *jc = json_array_get(cols, i);
        hf_col *c = &r->cols[i];
        c->name = str_or(jc, "name", "");
        c->type = str_or(jc, "type", "string");
        c->nullable = json_is_true(json_object_get(jc, "nullable"));
        c->pk = json_is_true(json_object_get(jc, "primary_key"));
        c->read_only = json_is_true(json_object_get(jc, "read_only"));
        c->write_only = json_is_true(json_object_get(jc, "write_only"));
        c->fk_res = -1;
        r->npk += c->pk;
        column_details(c, json_object_get(col_decls, c->name));
    }
    r->nrels = json_array_size(rels);
    r->rels = hf_xcalloc(r->nrels, sizeof *r->rels);
    for (size_t i = 0; i < r->nrels; i++) {
        json_t *jl = json_array_get(rels, i);
        r->rels[i] = (hf_rel){str_or(jl, "name", ""), str_or(jl, "direction", "many_to_one"),
                              str_or(jl, "lazy", "select"), -1,
                              json_is_true(json_object_get(jl, "uselist"))};
    }
    hf_pool_init(&r->items, POOL_ITEMS);
}

/* Foreign keys and relationship targets, once every resource is known. */
static void link_resources(hf_model *m)
{
    for (size_t i = 0; i < m->nres; i++) {
        hf_res *r = &m->res[i];
        json_t *decl = json_object_get(json_object_get(json_object_get(m->schema, "entities"), r->entity), "columns");
        for (size_t k = 0; k < r->ncols; k++) {
            const char *fk = json_string_value(json_object_get(json_object_get(decl, r->cols[k].name), "foreign_key"));
            const char *dot = fk ? strchr(fk, '.') : NULL;
            if (dot) r->cols[k].fk_res = resource_of_table(m, fk, (size_t)(dot - fk));
        }
        json_t *jr = json_array_get(json_object_get(m->index, "resources"), i);
        json_t *rels = json_object_get(jr, "relationships");
        for (size_t k = 0; k < r->nrels; k++)
            r->rels[k].target = resource_of_entity(m, str_or(json_array_get(rels, k), "target", NULL));
    }
}

int hf_model_load(hf_model *m, const char *index_text, size_t n, const char *schema_path,
                  hf_buf *err)
{
    memset(m, 0, sizeof *m);
    json_error_t je;
    m->index = json_loadb(index_text, n, 0, &je);
    json_t *list = json_object_get(m->index, "resources");
    if (!json_is_array(list)) {
        hf_buf_fmt(err, "GET /api did not answer {\"resources\": [...]}: %s", je.text);
        json_decref(m->index);
        m->index = NULL;
        return -1;
    }
    m->schema = schema_path ? json_load_file(schema_path, 0, &je) : NULL;
    m->nres = json_array_size(list);
    m->res = hf_xcalloc(m->nres, sizeof *m->res);
    for (size_t i = 0; i < m->nres; i++) load_resource(m, &m->res[i], json_array_get(list, i));
    link_resources(m);
    hf_pool_init(&m->links, POOL_LINKS);
    hf_pool_init(&m->nexts, POOL_NEXTS);
    hf_pool_init(&m->etags, POOL_ETAGS);
    hf_pool_init(&m->strings, POOL_VALUES);
    hf_pool_init(&m->numbers, POOL_VALUES);
    return 0;
}

void hf_model_free(hf_model *m)
{
    for (size_t i = 0; i < m->nres; i++) {
        free(m->res[i].cols);
        free(m->res[i].rels);
        hf_pool_free(&m->res[i].items);
    }
    free(m->res);
    hf_pool_free(&m->links);
    hf_pool_free(&m->nexts);
    hf_pool_free(&m->etags);
    hf_pool_free(&m->strings);
    hf_pool_free(&m->numbers);
    json_decref(m->index);
    json_decref(m->schema);
    memset(m, 0, sizeof *m);
}

/* "/api/res/key" → resource index (key without '/'), else -1. */
static int item_resource(const hf_model *m, const char *path)
{
    if (strncmp(path, "/api/", 5)) return -1;
    const char *res = path + 5, *slash = strchr(res, '/');
    if (!slash || !slash[1] || strchr(slash + 1, '/') || strchr(slash + 1, '?')) return -1;
    char name[128];
    size_t len = (size_t)(slash - res);
    if (len >= sizeof name) return -1;
    memcpy(name, res, len);
    name[len] = '\0';
    return hf_model_resource(m, name);
}

static void add_path(hf_model *m, hf_rng *r, const char *path)
{
    int i = item_resource(m, path);
    if (i >= 0) hf_pool_add(&m->res[i].items, r, path);
    else if (!strncmp(path, "/api/", 5)) hf_pool_add(&m->links, r, path);
}

typedef struct walk {
    hf_model *m;
    hf_rng *r;
    size_t nodes;
} walk;

static void harvest_json(walk *w, json_t *j, int depth)
{
    if (!j || depth > HARVEST_DEPTH || ++w->nodes > HARVEST_NODES) return;
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) harvest_json(w, v, depth + 1);
        return;
    }
    if (!json_is_object(j)) return;
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) {
        if (!strcmp(k, "_links") && json_is_object(v)) {
            const char *lk;
            json_t *lv;
            json_object_foreach(v, lk, lv)
                if (json_is_string(lv)) add_path(w->m, w->r, json_string_value(lv));
        } else if (!strcmp(k, "links") && json_is_object(v)) {
            const char *next = json_string_value(json_object_get(v, "next"));
            if (next) hf_pool_add(&w->m->nexts, w->r, next);
        } else if (json_is_string(v) && strlen(json_string_value(v)) <= VALUE_MAX_LEN) {
            hf_pool_add(&w->m->strings, w->r, json_string_value(v));
        } else if (json_is_integer(v) || json_is_real(v)) {
            char num[64];
            if (json_is_integer(v)) snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
            else snprintf(num, sizeof num, "%.17g", json_real_value(v));
            hf_pool_add(&w->m->numbers, w->r, num);
        } else {
            harvest_json(w, v, depth + 1);
        }
    }
}

void hf_model_harvest(hf_model *m, hf_rng *r, const char *path, const hf_response *resp,
                      json_t *body)
{
    char *etag = hf_response_header(resp, "ETag"), *loc = hf_response_header(resp, "Location");
    if (etag && strlen(etag) < 200 && strlen(path) < 1000 && !strchr(path, '?')) {
        char *pair = hf_xasprintf("%s\t%s", path, etag);
        for (size_t i = 0; i < m->etags.n; i++) /* one ETag per path: the newest */
            if (!strncmp(m->etags.items[i], path, strlen(path)) && m->etags.items[i][strlen(path)] == '\t') {
                free(m->etags.items[i]);
                m->etags.items[i] = m->etags.items[--m->etags.n];
                break;
            }
        hf_pool_add(&m->etags, r, pair);
        free(pair);
    }
    if (loc) add_path(m, r, loc);
    free(etag);
    free(loc);
    walk w = {m, r, 0};
    harvest_json(&w, body, 0);
}

const char *hf_model_etag(const hf_model *m, const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < m->etags.n; i++)
        if (!strncmp(m->etags.items[i], path, n) && m->etags.items[i][n] == '\t')
            return m->etags.items[i] + n + 1;
    return NULL;
}

const char *hf_model_item(const hf_model *m, hf_rng *r, int i)
{
    return i >= 0 && (size_t)i < m->nres ? hf_pool_pick(&m->res[i].items, r) : NULL;
}

const char *hf_model_key(const hf_model *m, hf_rng *r, int i)
{
    const char *item = hf_model_item(m, r, i);
    return item ? strrchr(item, '/') + 1 : NULL;
}
