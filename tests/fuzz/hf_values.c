/* hf_values.c: column values, filters, bodies and list parameters built
 * from the model (see hf_values.h). */
#include "tests/fuzz/hf_values.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NEST 2        /* nested relationship objects in a body */
#define MAX_FILTER_DEPTH 3

static const char *const words[] = {
    "ed", "wendy", "jack", "mary", "fred", "alpha", "beta", "gamma", "x", "firstpost",
    "O'Brien", "a b", "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac", "100%", "under_score", "back\\slash",
    "quote\"d", "tab\there", "", "new\nline", "emoji \xf0\x9f\x98\x80",
};

static bool type_is(const hf_col *c, const char *t) { return !strcmp(c->type, t); }

static bool is_numeric_type(const hf_col *c)
{
    return type_is(c, "integer") || type_is(c, "bigint") || type_is(c, "float") || type_is(c, "numeric");
}

/* A key part from an encoded object key: the first part, decoded. */
static json_t *key_value(const char *key, bool integer)
{
    char *dec = hf_percent_decode(key);
    char *comma = strchr(dec, ',');
    if (comma) *comma = '\0';
    json_t *v = integer ? json_integer(strtoll(dec, NULL, 10)) : json_string(dec);
    free(dec);
    return v ? v : json_null();
}

static char *word(hf_rng *r, const hf_model *m, long max_len)
{
    const char *seen = hf_rng_chance(r, 30) ? hf_pool_pick(&m->strings, r) : NULL;
    char *s = seen ? hf_xstrdup(seen)
                   : hf_xasprintf("%s%s%u", HF_PICK(r, words), hf_rng_chance(r, 50) ? "-" : "",
                                  (unsigned)hf_rng_below(r, 1000));
    if (max_len > 0 && (long)strlen(s) > max_len) {
        /* cut on a character boundary */
        long n = max_len;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) n--;
        s[n] = '\0';
    }
    return s;
}

static json_t *integer_value(const hf_model *m, hf_rng *r, const hf_col *c)
{
    if (c->has_min || c->has_max) {
        double lo = c->has_min ? c->min : c->max - 20, hi = c->has_max ? c->max : c->min + 20;
        if (hi < lo) hi = lo;
        return json_integer((json_int_t)lo + (json_int_t)hf_rng_below(r, (size_t)(hi - lo) + 1));
    }
    const char *seen = hf_rng_chance(r, 25) ? hf_pool_pick(&m->numbers, r) : NULL;
    if (seen && !strpbrk(seen, ".eE")) return json_integer(strtoll(seen, NULL, 10));
    if (type_is(c, "bigint") && hf_rng_chance(r, 20))
        return json_integer((json_int_t)(hf_rng_next(r) >> 2));
    if (hf_rng_chance(r, 3)) { /* the edges of 32 and 64 bits */
        static const json_int_t edges[] = {2147483647LL, -2147483648LL, 2147483648LL, 9007199254740993LL,
                                           INT64_MAX, INT64_MIN, -1};
        return json_integer(HF_PICK(r, edges));
    }
    return json_integer((json_int_t)hf_rng_below(r, 21));
}

/* A numeric value at the edge of what the column holds: as many integer
 * digits as its precision allows (or past it), every scale digit, or a
 * JSON number far out of range. */
static json_t *numeric_extreme(hf_rng *r, const hf_col *c)
{
    int scale = c->scale > 0 ? c->scale : 0, precision = c->precision > 0 ? c->precision : 40;
    size_t digits = (size_t)(precision > scale ? precision - scale : 1) + (hf_rng_chance(r, 30) ? 1 : 0);
    if (digits > 400) digits = 400;
    hf_buf b = {0};
    if (hf_rng_chance(r, 30)) hf_buf_addc(&b, '-');
    for (size_t i = 0; i < digits; i++) hf_buf_addc(&b, (char)('1' + (i % 9)));
    if (scale) {
        hf_buf_addc(&b, '.');
        for (int i = 0; i < scale; i++) hf_buf_addc(&b, '9');
    }
    json_t *v;
    switch (hf_rng_below(r, 4)) {
    case 0: v = json_real(1e300); break;
    case 1: v = json_real(atof(b.p)); break;
    default: v = json_string(b.p); break;
    }
    hf_buf_free(&b);
    return v;
}

static json_t *small_json(hf_rng *r)
{
    switch (hf_rng_below(r, 6)) {
    case 0: return json_pack("{s:i,s:[b,n]}", "a", (int)hf_rng_below(r, 9), "b", 1);
    case 1: return json_pack("[i,s,f]", 1, "two", 3.5);
    case 2: return json_integer((json_int_t)hf_rng_below(r, 100));
    case 3: return json_string("text");
    case 4: return json_object();
    default: return json_pack("{s:{s:{s:s}}}", "deep", "er", "est", "x");
    }
}

json_t *hf_value_for(const hf_model *m, hf_rng *r, const hf_col *c)
{
    if (c->nullable && hf_rng_chance(r, 4)) return json_null();
    if (c->choices && json_array_size(c->choices) && hf_rng_chance(r, 90))
        return json_deep_copy(json_array_get(c->choices, hf_rng_below(r, json_array_size(c->choices))));
    bool integer = type_is(c, "integer") || type_is(c, "bigint");
    if (c->fk_res >= 0 && hf_rng_chance(r, 85)) {
        const char *key = hf_model_key(m, r, c->fk_res);
        if (key) return key_value(key, integer);
    }
    if (integer) return integer_value(m, r, c);
    if (type_is(c, "float")) {
        static const double edges[] = {1e308, -1e308, 4.9e-324, -0.0, 1e15 + 0.5, 123456789.123456789};
        return json_real(hf_rng_chance(r, 5) ? HF_PICK(r, edges) : (double)hf_rng_below(r, 100000) / 100.0);
    }
    if (type_is(c, "numeric") && hf_rng_chance(r, 8)) return numeric_extreme(r, c);
    if (type_is(c, "numeric")) {
        int scale = c->scale > 0 && c->scale < 10 ? c->scale : 2;
        char *text = hf_xasprintf("%u.%0*u", (unsigned)hf_rng_below(r, 10000), scale,
                                  (unsigned)hf_rng_below(r, 10));
        json_t *v = hf_rng_chance(r, 20) ? json_real(atof(text)) : json_string(text);
        free(text);
        return v;
    }
    if (type_is(c, "boolean")) return json_boolean(hf_rng_chance(r, 50));
    if (type_is(c, "date") || type_is(c, "datetime")) {
        char text[40];
        int month = 1 + (int)hf_rng_below(r, 12), day = 1 + (int)hf_rng_below(r, 28);
        if (type_is(c, "date")) snprintf(text, sizeof text, "2024-%02d-%02d", month, day);
        else snprintf(text, sizeof text, "2024-%02d-%02dT%02d:%02d:%02dZ", month, day,
                      (int)hf_rng_below(r, 24), (int)hf_rng_below(r, 60), (int)hf_rng_below(r, 60));
        return json_string(text);
    }
    if (type_is(c, "json")) return small_json(r);
    if (type_is(c, "uuid")) {
        uint64_t a = hf_rng_next(r), b = hf_rng_next(r);
        char text[40];
        snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
                 (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
                 0x8000u | ((unsigned)(b >> 48) & 0x3fff), (unsigned long long)(b & 0xffffffffffffULL));
        return json_string(text);
    }
    char *s = word(r, m, c->length);
    json_t *v = json_string(s);
    free(s);
    return v ? v : json_string("x");
}

char *hf_value_text(const hf_model *m, hf_rng *r, const hf_col *c)
{
    json_t *v = hf_value_for(m, r, c);
    char *text = json_is_string(v) ? hf_xstrdup(json_string_value(v))
                 : json_is_null(v) ? hf_xstrdup("")
                                   : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(v);
    return text ? text : hf_xstrdup("");
}

const hf_col *hf_pick_readable(const hf_model *m, hf_rng *r, int res)
{
    const hf_res *rs = &m->res[res];
    for (int tries = 0; tries < 8 && rs->ncols; tries++) {
        const hf_col *c = &rs->cols[hf_rng_below(r, rs->ncols)];
        if (!c->write_only) return c;
    }
    return NULL;
}

/* ------------------------------------------------------------ filters */

static json_t *list_of(const hf_model *m, hf_rng *r, const hf_col *c, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *v = hf_value_for(m, r, c);
        if (json_is_null(v)) {
            json_decref(v);
            v = json_integer(1);
        }
        json_array_append_new(a, v);
    }
    return a;
}

static json_t *pattern(const hf_model *m, hf_rng *r, const hf_col *c)
{
    char *w = hf_value_text(m, r, c);
    size_t n = strlen(w);
    char *p = hf_xasprintf("%s%.*s%s", hf_rng_chance(r, 60) ? "%" : "", (int)(n > 3 ? 3 : n), w,
                           hf_rng_chance(r, 60) ? "%" : hf_rng_chance(r, 50) ? "_" : "");
    json_t *v = json_string(p);
    free(w);
    free(p);
    return v ? v : json_string("%");
}

static json_t *operand(const hf_model *m, hf_rng *r, const hf_col *c, const char *op)
{
    if (!strcmp(op, "in") || !strcmp(op, "nin")) return list_of(m, r, c, hf_rng_below(r, 5));
    if (!strcmp(op, "between")) return list_of(m, r, c, 2);
    if (!strcmp(op, "is_null")) return json_boolean(hf_rng_chance(r, 50));
    if (!strcmp(op, "like") || !strcmp(op, "ilike")) return pattern(m, r, c);
    if (!strcmp(op, "startswith") || !strcmp(op, "endswith") || !strcmp(op, "contains")) {
        char *w = hf_value_text(m, r, c);
        json_t *v = json_string(w);
        free(w);
        return v ? v : json_string("a");
    }
    return hf_value_for(m, r, c);
}

static json_t *column_condition(const hf_model *m, hf_rng *r, const hf_col *c)
{
    static const char *const num_ops[] = {"eq", "ne", "lt", "le", "gt", "ge", "in", "nin", "between", "is_null"};
    static const char *const str_ops[] = {"eq", "ne", "like", "ilike", "startswith", "endswith",
                                          "contains", "in", "nin", "is_null", "lt", "ge"};
    static const char *const other_ops[] = {"eq", "ne", "is_null"};
    if (hf_rng_chance(r, 35)) return hf_value_for(m, r, c);
    json_t *cond = json_object();
    size_t nops = hf_rng_chance(r, 20) ? 2 : 1;
    for (size_t i = 0; i < nops; i++) {
        const char *op = is_numeric_type(c) || type_is(c, "date") || type_is(c, "datetime") ? HF_PICK(r, num_ops)
                         : type_is(c, "string") || type_is(c, "text") || type_is(c, "uuid") ? HF_PICK(r, str_ops)
                                                                                           : HF_PICK(r, other_ops);
        json_object_set_new(cond, op, operand(m, r, c, op));
    }
    return cond;
}

static json_t *relationship_condition(const hf_model *m, hf_rng *r, const hf_rel *l, int depth)
{
    static const char *const many_ops[] = {"any", "none", "every", "any"};
    static const char *const one_ops[] = {"has", "has", "is_null"};
    const char *op = l->uselist ? HF_PICK(r, many_ops) : HF_PICK(r, one_ops);
    json_t *sub = !strcmp(op, "is_null") ? json_boolean(hf_rng_chance(r, 50))
                  : l->target >= 0 && depth < MAX_FILTER_DEPTH && hf_rng_chance(r, 70)
                      ? hf_gen_filter(m, r, l->target, depth + 1)
                      : json_object();
    json_t *cond = json_object();
    json_object_set_new(cond, op, sub);
    return cond;
}

json_t *hf_gen_filter(const hf_model *m, hf_rng *r, int res, int depth)
{
    const hf_res *rs = &m->res[res];
    json_t *f = json_object();
    size_t n = hf_rng_chance(r, 30) ? 2 : 1;
    for (size_t k = 0; k < n; k++) {
        size_t roll = hf_rng_below(r, 100);
        if (depth < MAX_FILTER_DEPTH && roll < 12) {
            json_t *list = json_array();
            size_t items = 1 + hf_rng_below(r, 3);
            for (size_t i = 0; i < items; i++) json_array_append_new(list, hf_gen_filter(m, r, res, depth + 1));
            json_object_set_new(f, hf_rng_chance(r, 50) ? "and" : "or", list);
        } else if (depth < MAX_FILTER_DEPTH && roll < 17) {
            json_object_set_new(f, "not", hf_gen_filter(m, r, res, depth + 1));
        } else if (roll < 75 || !rs->nrels) {
            const hf_col *c = hf_pick_readable(m, r, res);
            if (c) json_object_set_new(f, c->name, column_condition(m, r, c));
        } else {
            const hf_rel *l = &rs->rels[hf_rng_below(r, rs->nrels)];
            const hf_col *tc = l->target >= 0 && hf_rng_chance(r, 25) ? hf_pick_readable(m, r, l->target) : NULL;
            if (tc) {
                char *path = hf_xasprintf("%s.%s", l->name, tc->name);
                json_object_set_new(f, path, column_condition(m, r, tc));
                free(path);
            } else {
                json_object_set_new(f, l->name, relationship_condition(m, r, l, depth));
            }
        }
    }
    return f;
}

/* ------------------------------------------------------------ bodies */

json_t *hf_gen_link(const hf_model *m, hf_rng *r, int res)
{
    const hf_res *rs = &m->res[res];
    const char *key = hf_model_key(m, r, res);
    if (!key || !rs->npk) return NULL;
    char *dec = hf_percent_decode(key), *save = NULL;
    json_t *link = json_object();
    char *part = strtok_r(dec, ",", &save);
    for (size_t i = 0; i < rs->ncols && part; i++) {
        const hf_col *c = &rs->cols[i];
        if (!c->pk) continue;
        bool integer = type_is(c, "integer") || type_is(c, "bigint");
        json_object_set_new(link, c->name, integer ? json_integer(strtoll(part, NULL, 10)) : json_string(part));
        part = strtok_r(NULL, ",", &save);
    }
    free(dec);
    return link;
}

static bool include_column(hf_rng *r, const hf_res *rs, const hf_col *c, hf_body_kind kind)
{
    if (c->read_only) return hf_rng_chance(r, 3);
    if (c->pk) {
        bool generated = rs->npk == 1 && (!strcmp(c->type, "integer") || !strcmp(c->type, "bigint"));
        if (kind != HF_BODY_CREATE) return hf_rng_chance(r, 5);
        return generated ? hf_rng_chance(r, 15) : true;
    }
    if (kind == HF_BODY_PATCH) return hf_rng_chance(r, 35);
    return !c->nullable ? hf_rng_chance(r, 97) : hf_rng_chance(r, 60);
}

static void add_relationship(const hf_model *m, hf_rng *r, json_t *obj, const hf_rel *l, int depth)
{
    if (l->target < 0) return;
    if (!l->uselist) {
        json_t *v = hf_rng_chance(r, 10) ? json_null()
                    : hf_rng_chance(r, 50) ? hf_gen_link(m, r, l->target)
                                           : hf_gen_object(m, r, l->target, HF_BODY_CREATE, depth + 1);
        json_object_set_new(obj, l->name, v ? v : json_null());
        return;
    }
    json_t *list = json_array();
    size_t n = hf_rng_below(r, 4);
    for (size_t i = 0; i < n; i++) {
        json_t *v = hf_rng_chance(r, 40) ? hf_gen_link(m, r, l->target) : NULL;
        if (!v) v = hf_gen_object(m, r, l->target, HF_BODY_CREATE, depth + 1);
        json_array_append_new(list, v);
    }
    json_object_set_new(obj, l->name, list);
}

json_t *hf_gen_object(const hf_model *m, hf_rng *r, int res, hf_body_kind kind, int depth)
{
    const hf_res *rs = &m->res[res];
    json_t *obj = json_object();
    for (size_t i = 0; i < rs->ncols; i++) {
        const hf_col *c = &rs->cols[i];
        if (include_column(r, rs, c, kind)) json_object_set_new(obj, c->name, hf_value_for(m, r, c));
    }
    for (int tries = 0; kind == HF_BODY_PATCH && !json_object_size(obj) && rs->ncols && tries < 8; tries++) {
        const hf_col *c = &rs->cols[hf_rng_below(r, rs->ncols)];
        if (!c->pk && !c->read_only) json_object_set_new(obj, c->name, hf_value_for(m, r, c));
    }
    if (depth < MAX_NEST && rs->nrels && hf_rng_chance(r, depth ? 10 : 25))
        add_relationship(m, r, obj, &rs->rels[hf_rng_below(r, rs->nrels)], depth);
    return obj;
}

/* ------------------------------------------------------------ list parameters */

char *hf_gen_sort(const hf_model *m, hf_rng *r, int res)
{
    const hf_res *rs = &m->res[res];
    hf_buf b = {0};
    size_t n = hf_rng_chance(r, 30) ? 2 : 1;
    for (size_t i = 0; i < n; i++) {
        if (b.len) hf_buf_addc(&b, ',');
        if (hf_rng_chance(r, 40)) hf_buf_addc(&b, '-');
        const hf_rel *l = rs->nrels && hf_rng_chance(r, 25) ? &rs->rels[hf_rng_below(r, rs->nrels)] : NULL;
        const hf_col *c = NULL;
        if (l && !l->uselist && l->target >= 0 && (c = hf_pick_readable(m, r, l->target))) {
            hf_buf_fmt(&b, "%s.%s", l->name, c->name);
            continue;
        }
        c = hf_pick_readable(m, r, res);
        hf_buf_str(&b, c ? c->name : "id");
    }
    return hf_buf_take(&b);
}

static bool includable(const hf_rel *l) { return strcmp(l->lazy, "dynamic") && strcmp(l->lazy, "noload"); }

/* "rel" or "rel.sub" or "rel.sub.subsub" from resource res. */
static void include_path(const hf_model *m, hf_rng *r, int res, int depth, hf_buf *b)
{
    const hf_res *rs = &m->res[res];
    if (!rs->nrels) return;
    const hf_rel *l = &rs->rels[hf_rng_below(r, rs->nrels)];
    if (!includable(l) && hf_rng_chance(r, 80)) l = &rs->rels[hf_rng_below(r, rs->nrels)];
    hf_buf_str(b, l->name);
    if (depth < 3 && l->target >= 0 && m->res[l->target].nrels && hf_rng_chance(r, 30)) {
        hf_buf_addc(b, '.');
        include_path(m, r, l->target, depth + 1, b);
    }
}

char *hf_gen_include(const hf_model *m, hf_rng *r, int res)
{
    hf_buf b = {0};
    size_t n = hf_rng_chance(r, 25) ? 2 : 1;
    for (size_t i = 0; i < n && m->res[res].nrels; i++) {
        if (b.len) hf_buf_addc(&b, ',');
        include_path(m, r, res, 1, &b);
    }
    return hf_buf_take(&b);
}

char *hf_gen_fields(const hf_model *m, hf_rng *r, int res)
{
    hf_buf b = {0};
    size_t n = 1 + hf_rng_below(r, 3);
    for (size_t i = 0; i < n; i++) {
        const hf_col *c = hf_pick_readable(m, r, res);
        if (!c) continue;
        if (b.len) hf_buf_addc(&b, ',');
        hf_buf_str(&b, c->name);
    }
    return hf_buf_take(&b);
}
