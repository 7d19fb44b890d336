/* hf_mutate_json.c: the mutators of JSON bodies and JSON query values (see
 * hf_mutate.h): on the tree (type swaps, special values, deep nesting,
 * huge arrays, long strings, members added, removed or renamed, the top
 * level changed, batch operations given special paths, nested batches or
 * odd methods) and on the text (invalid UTF-8, escapes, raw control bytes,
 * broken number literals, duplicate keys, truncation and other broken
 * structure). */
#include "tests/fuzz/hf_mutate_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NODES_VISITED 5000
#define TREE_DEPTH_LIMIT 64

static const char *const batch_paths[] = {
    "/api/%5Fbatch", "/api/%5fbatch", "/api/_batc%68", "/api/_batch", "/api/_batch/", "/api//_batch",
    "/api/./_batch", "/api/x/../_batch", "/api/%5F%62atch", "/api/keywords/1%00x", "/api/users/1%00",
    "/api/users%00/1", "/api/users?filter=%00", "/api/users/%2e%2e", "/api/", "/api",
    "/api/users?limit=%205", "/api/users?filter=%7B%22a.b.c.d.e.f.g.h.i.j.k.l.m%22%3A1%7D",
    "/api/%FF", "/api/users/%C0%AF", "/api/users?%FF=1", "/api/users?fields=%FF",
    "/api/users/1/%FF", "/api/users?include=%FF", "/api/_batch%00",
};

static const char *const number_literals[] = {
    "1e999", "-1e999", "1e-999", "-0", "-0.0", "NaN", "Infinity", "-Infinity", "01", "1.", ".5",
    "+1", "0x10", "1e", "--1", "9223372036854775808", "-9223372036854775809",
    "18446744073709551616", "2147483648", "-2147483649", "1.7976931348623157e308", "4.9e-324",
    "0.1e1", "1E400", "1e308",
    "123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890",
    "0.000000000000000000000000000000000000000000000000000000000000000000000000000001",
};

static const char *const bad_utf8[] = {
    "\xff", "\xfe", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80",
    "\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xc1\xbf", "\xf8\x88\x80\x80\x80",
};

static const char *const string_escapes[] = {
    "\\u0000", "\\ud800", "\\udc00", "\\ud800\\udc00", "\\uDBFF\\uDFFF", "\\u00e9", "\\u0041",
    "\\/", "\\x41", "\\", "\\u12", "\\uZZZZ", "\\u202e", "\\ufeff", "\\uffff", "\\b\\f\\n\\r\\t",
};

/* ------------------------------------------------------------ JSON trees */

typedef struct node_ref {
    json_t **root;
    json_t *parent, *node;
    char key[256];
    size_t index;
    bool has_key;
} node_ref;

typedef struct node_walk {
    hf_rng *r;
    size_t seen, visited;
    node_ref *out;
    bool objects_only;
} node_walk;

static void walk_nodes(node_walk *w, json_t *j, json_t *parent, const char *key, size_t index, int depth)
{
    if (++w->visited > MAX_NODES_VISITED || depth > TREE_DEPTH_LIMIT) return;
    if (!w->objects_only || json_is_object(j)) {
        /* reservoir sampling: every node equally likely */
        if (hf_rng_below(w->r, ++w->seen) == 0) {
            w->out->parent = parent;
            w->out->node = j;
            w->out->has_key = key != NULL;
            snprintf(w->out->key, sizeof w->out->key, "%s", key ? key : "");
            w->out->index = index;
        }
    }
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) walk_nodes(w, v, j, k, 0, depth + 1);
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) walk_nodes(w, v, j, NULL, i, depth + 1);
    }
}

static bool pick_node(json_t **root, hf_rng *r, bool objects_only, node_ref *out)
{
    memset(out, 0, sizeof *out);
    out->root = root;
    node_walk w = {r, 0, 0, out, objects_only};
    if (*root) walk_nodes(&w, *root, NULL, NULL, 0, 0);
    return w.seen > 0 && out->node;
}

/* Put nv (stolen) where ref's node is. */
static void replace_node(node_ref *ref, json_t *nv)
{
    if (!nv) return;
    if (!ref->parent) {
        json_decref(*ref->root);
        *ref->root = nv;
    } else if (json_is_object(ref->parent)) {
        json_object_set_new(ref->parent, ref->key, nv);
    } else {
        json_array_set_new(ref->parent, ref->index, nv);
    }
}

/* The tree to change: the body, or a JSON query parameter. NULL if none. */
static json_t **pick_tree(hf_mctx *c)
{
    json_t **cands[8];
    size_t n = 0;
    if (c->q->json) cands[n++] = &c->q->json, cands[n++] = &c->q->json;
    for (size_t i = 0; i < c->q->nparams && n < HF_COUNT(cands); i++)
        if (c->q->params[i].json) cands[n++] = &c->q->params[i].json;
    return n ? cands[hf_rng_below(c->r, n)] : NULL;
}

/* A node of a random tree of the request (an object when objects_only). */
static bool pick_in_tree(hf_mctx *c, bool objects_only, node_ref *ref)
{
    json_t **root = pick_tree(c);
    return root && pick_node(root, c->r, objects_only, ref);
}

static json_t *special_json(hf_rng *r)
{
    switch (hf_rng_below(r, 18)) {
    case 0: return json_integer(0);
    case 1: return json_integer(-1);
    case 2: return json_integer(2147483648LL);
    case 3: return json_integer(INT64_MAX);
    case 4: return json_integer(INT64_MIN);
    case 5: return json_real(1e308);
    case 6: return json_real(-0.0);
    case 7: return json_real(4.9e-324);
    case 8: return json_real(0.1);
    case 9: return json_real(-1.5);
    case 10: return json_real(9007199254740993.0);
    case 11: return json_integer(-2147483649LL);
    case 12: return json_null();
    case 13: return json_true();
    default: {
        json_t *s = json_string(hf_mut_special_string(r));
        return s ? s : json_string("x");
    }
    }
}

bool hf_mut_json_swap(hf_mctx *c)
{
    node_ref ref;
    if (!pick_in_tree(c, false, &ref)) return false;
    json_t *nv;
    switch (hf_rng_below(c->r, 9)) {
    case 0: nv = json_null(); break;
    case 1: nv = json_boolean(hf_rng_chance(c->r, 50)); break;
    case 2: nv = json_integer(0); break;
    case 3: nv = json_string("s"); break;
    case 4: nv = json_array(); break;
    case 5: nv = json_object(); break;
    case 6: nv = json_pack("[O]", ref.node); break;
    case 7: nv = json_pack("{s:O}", "a", ref.node); break;
    default: nv = json_real(1.5); break;
    }
    replace_node(&ref, nv);
    return true;
}

bool hf_mut_json_special(hf_mctx *c)
{
    node_ref ref;
    if (!pick_in_tree(c, false, &ref)) return false;
    replace_node(&ref, special_json(c->r));
    return true;
}

bool hf_mut_json_nest(hf_mctx *c)
{
    node_ref ref;
    if (!pick_in_tree(c, false, &ref)) return false;
    size_t depth = hf_rng_chance(c->r, 70) ? 2 + hf_rng_below(c->r, 40) : 100 + hf_rng_below(c->r, 500);
    json_t *nv = json_incref(ref.node);
    bool arrays = hf_rng_chance(c->r, 50);
    for (size_t i = 0; i < depth; i++) nv = arrays ? json_pack("[o]", nv) : json_pack("{s:o}", "a", nv);
    replace_node(&ref, nv);
    return true;
}

bool hf_mut_json_huge_array(hf_mctx *c)
{
    node_ref ref;
    if (!pick_in_tree(c, false, &ref)) return false;
    size_t n = hf_rng_size(c->r, 60000), kind = hf_rng_below(c->r, 3);
    if (kind == 2 && n > 2000) n = 2000; /* copies of a node may be large */
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, kind == 0 ? json_integer((json_int_t)i) : kind == 1 ? json_object() : json_deep_copy(ref.node));
    replace_node(&ref, a);
    return true;
}

bool hf_mut_json_long_string(hf_mctx *c)
{
    static const char *const units[] = {"a", "\xc3\xa9", "%", "\\", "\"", " ", "\xf0\x9f\x98\x80", "a.", "_"};
    node_ref ref;
    if (!pick_in_tree(c, false, &ref)) return false;
    size_t n = hf_rng_chance(c->r, 90) ? hf_rng_size(c->r, 300000) : 1100000;
    char *s = hf_mut_repeat(HF_PICK(c->r, units), n);
    replace_node(&ref, json_string(s));
    free(s);
    return true;
}

bool hf_mut_json_member(hf_mctx *c)
{
    static const char *const names[] = {"zz", "", "_links", "id", "__proto__", "a.b", "operations",
                                        "$col", "$claim", "path", "method", "body", "any", "has",
                                        "and", "or", "not", "ID", " id", "id ", "\xc3\xa9"};
    node_ref ref;
    if (!pick_in_tree(c, true, &ref)) return false;
    json_t *obj = ref.node;
    size_t roll = hf_rng_below(c->r, 3);
    if (roll == 0 || !json_object_size(obj)) {
        json_object_set_new(obj, HF_PICK(c->r, names), special_json(c->r));
        return true;
    }
    /* remove or rename a random member */
    size_t want = hf_rng_below(c->r, json_object_size(obj)), i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        if (i++ != want) continue;
        char *key = hf_xstrdup(k);
        json_incref(v);
        json_object_del(obj, key);
        if (roll == 2) {
            char *renamed = hf_xasprintf("%s%s", key, hf_rng_chance(c->r, 50) ? "x" : ".id");
            json_object_set_new(obj, renamed, v);
            free(renamed);
        } else {
            json_decref(v);
        }
        free(key);
        break;
    }
    return true;
}

/* The body as a bulk array, an empty one, or a scalar. */
bool hf_mut_json_top(hf_mctx *c)
{
    if (!c->q->json) return false;
    json_t *nv;
    switch (hf_rng_below(c->r, 4)) {
    case 0: nv = json_pack("[O,O]", c->q->json, c->q->json); break;
    case 1: nv = json_array(); break;
    case 2: nv = json_pack("[[O]]", c->q->json); break;
    default: nv = special_json(c->r); break;
    }
    json_decref(c->q->json);
    c->q->json = nv;
    return true;
}

/* A list read whose like pattern is longer than any URI could carry. */
static bool batch_long_like(hf_mctx *c, json_t *op)
{
    if (c->q->res < 0) return false;
    const hf_res *rs = &c->m->res[c->q->res];
    const hf_col *col = NULL;
    for (size_t i = 0; i < rs->ncols && !col; i++)
        if (!strcmp(rs->cols[i].type, "string") || !strcmp(rs->cols[i].type, "text")) col = &rs->cols[i];
    if (!col) return false;
    static const char *const units[] = {"%a", "%", "_", "%_"};
    char *pat = hf_mut_repeat(HF_PICK(c->r, units), 1000 + hf_rng_size(c->r, 80000));
    json_t *f = json_pack("{s:{s:s}}", col->name, "like", pat);
    char *text = json_dumps(f, JSON_COMPACT);
    hf_buf path = {0};
    hf_buf_fmt(&path, "/api/%s?filter=", rs->name);
    if (text) hf_percent_encode(&path, text, strlen(text), NULL);
    json_object_set_new(op, "method", json_string("GET"));
    json_object_set_new(op, "path", json_string(path.p));
    json_object_del(op, "body");
    free(text);
    json_decref(f);
    free(pat);
    hf_buf_free(&path);
    return true;
}

/* The operation repeated up to a few hundred times: the work of one
 * request multiplied. */
static void batch_many(hf_mctx *c, json_t *ops, json_t *op)
{
    size_t n = 20 + hf_rng_size(c->r, 300);
    for (size_t i = 0; i < n; i++) json_array_append(ops, op);
}

/* Batch operations: special paths, nested batches, odd methods, long like
 * patterns, many operations. */
bool hf_mut_json_batch(hf_mctx *c)
{
    json_t *ops = json_object_get(c->q->json, "operations");
    if (!json_is_array(ops) || !json_array_size(ops)) return false;
    json_t *op = json_array_get(ops, hf_rng_below(c->r, json_array_size(ops)));
    if (!json_is_object(op)) return false;
    static const char *const methods[] = {"get", "HEAD", "OPTIONS", "QUERY", "", "TRACE", "POST"};
    switch (hf_rng_below(c->r, 7)) {
    case 0:
        json_object_set_new(op, "path", json_string(HF_PICK(c->r, batch_paths)));
        break;
    case 1: {
        json_t *inner = json_pack("{s:[O]}", "operations", op);
        json_array_append_new(ops, json_pack("{s:s,s:s,s:o}", "method", "POST", "path",
                                             HF_PICK(c->r, batch_paths), "body", inner));
        break;
    }
    case 2:
        json_object_set_new(op, "method", json_string(HF_PICK(c->r, methods)));
        break;
    case 3: {
        const char *path = json_string_value(json_object_get(op, "path"));
        if (!path) return false;
        char *frag = hf_mut_fragment(c->r);
        size_t at = hf_rng_below(c->r, strlen(path) + 1);
        char *np = hf_xasprintf("%.*s%s%s", (int)at, path, frag, path + at);
        json_t *s = json_string(np);
        if (s) json_object_set_new(op, "path", s);
        free(frag);
        free(np);
        break;
    }
    case 4:
        json_object_set_new(op, hf_rng_chance(c->r, 50) ? "headers" : "body", special_json(c->r));
        break;
    case 5:
        if (!batch_long_like(c, op)) return false;
        break;
    default:
        batch_many(c, ops, op);
        break;
    }
    return true;
}

/* ------------------------------------------------------------ JSON text */

/* The JSON text to change: the body (made raw) or a JSON parameter's text.
 * Calls fn on it and stores the result back. */
static bool with_json_text(hf_mctx *c, bool (*fn)(hf_mctx *c, hf_buf *text))
{
    size_t nj = 0;
    for (size_t i = 0; i < c->q->nparams; i++) nj += c->q->params[i].json != NULL;
    bool body = c->q->json || c->q->has_raw_body;
    if (!body && !nj) return false;
    if (body && (!nj || hf_rng_chance(c->r, 70))) {
        hf_req_materialize_body(c->q, hf_rng_chance(c->r, 30) ? JSON_ENSURE_ASCII : JSON_COMPACT);
        return fn(c, &c->q->body);
    }
    size_t want = hf_rng_below(c->r, nj);
    for (size_t i = 0; i < c->q->nparams; i++) {
        hf_param *p = &c->q->params[i];
        if (!p->json || want--) continue;
        char *text = json_dumps(p->json, JSON_COMPACT | JSON_ENCODE_ANY);
        hf_buf b = {0};
        hf_buf_str(&b, text ? text : "");
        free(text);
        bool done = fn(c, &b);
        json_decref(p->json);
        p->json = NULL;
        free(p->value);
        hf_buf enc = {0};
        hf_percent_encode(&enc, b.p ? b.p : "", b.len, NULL);
        p->value = hf_buf_take(&enc);
        hf_buf_free(&b);
        return done;
    }
    return false;
}

/* Offsets of string contents (after the opening quote) or of number
 * tokens in JSON text; at most max of them. */
static size_t scan_tokens(const hf_buf *t, bool numbers, size_t *out, size_t max)
{
    size_t n = 0;
    bool in_str = false;
    for (size_t i = 0; i < t->len && n < max; i++) {
        char ch = t->p[i];
        if (in_str) {
            if (ch == '\\') i++;
            else if (ch == '"') in_str = false;
            continue;
        }
        if (ch == '"') {
            in_str = true;
            if (!numbers) out[n++] = i + 1;
        } else if (numbers && (ch == '-' || (ch >= '0' && ch <= '9')) &&
                   (i == 0 || strchr(":[, ", t->p[i - 1]))) {
            out[n++] = i;
        }
    }
    return n;
}

static bool insert_in_string(hf_mctx *c, hf_buf *t, const char *bytes)
{
    size_t offs[256];
    size_t n = scan_tokens(t, false, offs, HF_COUNT(offs));
    if (!n) return false;
    hf_buf_insert(t, offs[hf_rng_below(c->r, n)], bytes, strlen(bytes));
    return true;
}

static bool t_bad_utf8(hf_mctx *c, hf_buf *t) { return insert_in_string(c, t, HF_PICK(c->r, bad_utf8)); }

static bool t_escape(hf_mctx *c, hf_buf *t) { return insert_in_string(c, t, HF_PICK(c->r, string_escapes)); }

static bool t_raw_control(hf_mctx *c, hf_buf *t)
{
    static const char controls[] = {'\0', '\x01', '\t', '\n', '\x1f', '\x7f'};
    size_t offs[256];
    size_t n = scan_tokens(t, false, offs, HF_COUNT(offs));
    if (!n) return false;
    hf_buf_insert(t, offs[hf_rng_below(c->r, n)], &controls[hf_rng_below(c->r, sizeof controls)], 1);
    return true;
}

static bool t_number(hf_mctx *c, hf_buf *t)
{
    size_t offs[256];
    size_t n = scan_tokens(t, true, offs, HF_COUNT(offs));
    const char *lit = HF_PICK(c->r, number_literals);
    if (!n) {
        if (t->len && t->p[0] == '{') {
            char *member = hf_xasprintf("\"n\":%s%s", lit, t->len > 2 ? "," : "");
            hf_buf_insert(t, 1, member, strlen(member));
            free(member);
            return true;
        }
        return false;
    }
    size_t at = offs[hf_rng_below(c->r, n)], end = at;
    while (end < t->len && strchr("+-0123456789.eE", t->p[end])) end++;
    hf_buf_erase(t, at, end - at);
    hf_buf_insert(t, at, lit, strlen(lit));
    return true;
}

/* "{"k": ..." → "{"k":V,"k": ...": the same key twice. */
static bool t_duplicate_key(hf_mctx *c, hf_buf *t)
{
    static const char *const values[] = {"null", "1", "\"x\"", "{}", "[]", "true"};
    size_t offs[256], n = 0;
    for (size_t i = 0; i + 1 < t->len && n < HF_COUNT(offs); i++)
        if (t->p[i] == '{' && t->p[i + 1] == '"') offs[n++] = i;
    if (!n) return false;
    size_t at = offs[hf_rng_below(c->r, n)], k = at + 2;
    while (k < t->len && t->p[k] != '"') k += t->p[k] == '\\' ? 2 : 1;
    if (k >= t->len) return false;
    char *member = hf_xasprintf("%.*s:%s,", (int)(k + 1 - (at + 1)), t->p + at + 1, HF_PICK(c->r, values));
    hf_buf_insert(t, at + 1, member, strlen(member));
    free(member);
    return true;
}

static bool t_structure(hf_mctx *c, hf_buf *t)
{
    static const char *const tails[] = {"x", "}", ",", " ", "{}", "]", "\"", "/*x*/"};
    static const char *const whole[] = {"null", "1", "\"s\"", "", " ", "[]", "{}", "[{}]", "{\"a\":}", "{,}", "[1,]"};
    switch (hf_rng_below(c->r, 5)) {
    case 0:
        if (!t->len) return false;
        hf_buf_erase(t, hf_rng_below(c->r, t->len), SIZE_MAX);
        break;
    case 1: hf_buf_str(t, HF_PICK(c->r, tails)); break;
    case 2: hf_buf_insert(t, 0, "\xef\xbb\xbf", 3); break;
    case 3: {
        size_t n = hf_rng_chance(c->r, 70) ? 1000 + hf_rng_below(c->r, 9000) : 10000 + hf_rng_below(c->r, 190000);
        bool arrays = hf_rng_chance(c->r, 60);
        hf_buf_reset(t);
        for (size_t i = 0; i < n; i++) hf_buf_str(t, arrays ? "[" : "{\"a\":");
        if (!arrays) hf_buf_addc(t, '1');
        for (size_t i = 0; i < n; i++) hf_buf_addc(t, arrays ? ']' : '}');
        break;
    }
    default:
        hf_buf_reset(t);
        hf_buf_str(t, HF_PICK(c->r, whole));
        break;
    }
    return true;
}

bool hf_mut_text_bad_utf8(hf_mctx *c) { return with_json_text(c, t_bad_utf8); }
bool hf_mut_text_escape(hf_mctx *c) { return with_json_text(c, t_escape); }
bool hf_mut_text_control(hf_mctx *c) { return with_json_text(c, t_raw_control); }
bool hf_mut_text_number(hf_mctx *c) { return with_json_text(c, t_number); }
bool hf_mut_text_dup_key(hf_mctx *c) { return with_json_text(c, t_duplicate_key); }
bool hf_mut_text_structure(hf_mctx *c) { return with_json_text(c, t_structure); }

