/* hf_mutate.c: the mutator table and the mutators of paths, query
 * parameters, headers, framing and the request line, and of raw bytes (see
 * hf_mutate.h; JSON ones are in hf_mutate_json.c). Each mutator has a
 * name, a weight and a phase; structured ones run first, then those on JSON
 * text, then framing, so that a later one still finds what it needs. A
 * mutator that does not apply (no body, no parameter) says so and another
 * is drawn. */
#include "tests/fuzz/hf_mutate_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ vocabulary */

/* Decoded strings: JSON string values, query values and path segments
 * (percent-encoded where they go into a target). */
static const char *const special_strings[] = {
    "", " ", "0", "-1", "-0", "1e308", "1e309", "2147483648", "-2147483649",
    "9223372036854775807", "9223372036854775808", "-9223372036854775809", "NaN", "Infinity",
    "0x10", "01", "1.5", " 5", "5 ", "+5", "true", "null", "[]", "{}", "%", "_", "\\", "'", "\"",
    "..", ".", "_batch", "a,b", ",", ",,", "a,", ",a", "*", "\xc3\xa9", "\xe2\x80\xae",
    "\xf0\x9f\x98\x80", "\xef\xbb\xbf", "1970-01-01", "2024-02-30", "9999-12-31T23:59:59Z",
    "2024-01-01T25:61:61+99:99", "00000000-0000-0000-0000-000000000000", "not-a-uuid",
    "' OR 1=1 --", "a\tb", "<script>", "../../etc/passwd", "%00", "\\u0000", "a%b_c\\",
};

/* Verbatim pieces of a request target: encodings, broken encodings, raw
 * bytes. */
static const char *const raw_fragments[] = {
    "%00", "%", "%G1", "%2", "%2F", "%2f", "%5F", "%5f", "%FF", "%C0%AF", "%C0%80", "%ED%A0%80",
    "%F4%90%80%80", "%E2%82", "%80", "%0D%0A", "%20", "+", "%2B", "%2C", "%3F", "%23", "%25",
    "%26", "%3D", "..", "/..", "/.", "//", ";", ";x=1", "?", "#", "&", "=", "[", "]", "%5B%5D",
    "\xff", "\xc3\xa9", "~", "%C3%A9", "%F0%9F%98%80", "%EF%BB%BF", "%7F", "%01", "%09",
};

static const char *const special_paths[] = {
    "/api/%5Fbatch", "/api/%5fbatch", "/api/_batc%68", "/api/_batch/", "/api//users", "/api/./users",
    "/api/../api", "/%2e%2e/", "/static/../restmap.db", "/static/%2e%2e/fuzz.db",
    "/static/..%2F..%2Fetc%2Fpasswd", "/static/", "/static/.", "/static/%00", "/static/app.js%00",
    "/api/users/1/addresses/1/x", "/api/users/1/posts/1", "/healthz/x", "/metrics/", "//",
    "/api/%61pi", "/API", "/api/users/%2F", "/api/%00", "/api/users/1%00x", "/openapi.json/x", "/\xff",
};

/* ------------------------------------------------------------ helpers */

const char *hf_mut_special_string(hf_rng *r) { return HF_PICK(r, special_strings); }

static char *encode_str(const char *s)
{
    hf_buf b = {0};
    hf_percent_encode(&b, s, strlen(s), NULL);
    return hf_buf_take(&b);
}

/* n bytes made of unit repeated (n rounded down to whole units, at least one). */
char *hf_mut_repeat(const char *unit, size_t n)
{
    size_t ul = strlen(unit), k = n / ul ? n / ul : 1;
    char *s = hf_xmalloc(k * ul + 1);
    for (size_t i = 0; i < k; i++) memcpy(s + i * ul, unit, ul);
    s[k * ul] = '\0';
    return s;
}

/* A fragment for a target: a raw piece or an encoded special string. */
char *hf_mut_fragment(hf_rng *r)
{
    return hf_rng_chance(r, 50) ? hf_xstrdup(HF_PICK(r, raw_fragments)) : encode_str(HF_PICK(r, special_strings));
}

/* "r1.r2...rN" then ".column" when the last target has one: a path of
 * `hops` relationships from res (many-to-one only when to_one). */
static char *relationship_chain(const hf_model *m, hf_rng *r, int res, size_t hops, bool to_one, bool column)
{
    hf_buf b = {0};
    for (size_t h = 0; h < hops && res >= 0; h++) {
        const hf_res *rs = &m->res[res];
        const hf_rel *l = NULL;
        for (int tries = 0; tries < 10 && rs->nrels && !l; tries++) {
            const hf_rel *c = &rs->rels[hf_rng_below(r, rs->nrels)];
            if (!to_one || !c->uselist) l = c;
        }
        if (!l) break;
        if (b.len) hf_buf_addc(&b, '.');
        hf_buf_str(&b, l->name);
        res = l->target;
    }
    if (column && res >= 0 && m->res[res].ncols) {
        if (b.len) hf_buf_addc(&b, '.');
        hf_buf_str(&b, m->res[res].cols[hf_rng_below(r, m->res[res].ncols)].name);
    }
    if (!b.len) hf_buf_str(&b, "a.b.c.d.e.f.g.h.i.j.k.l.m.n");
    return hf_buf_take(&b);
}

/* ------------------------------------------------------------ path */

/* A random segment's [start, end) in the path (after its '/'). */
static bool path_segment(const hf_buf *p, hf_rng *r, size_t *start, size_t *end)
{
    size_t nseg = 0;
    for (size_t i = 0; i < p->len; i++) nseg += p->p[i] == '/';
    if (!nseg) return false;
    size_t want = hf_rng_below(r, nseg), seen = 0;
    for (size_t i = 0; i < p->len; i++) {
        if (p->p[i] != '/') continue;
        if (seen++ == want) {
            *start = i + 1;
            *end = *start;
            while (*end < p->len && p->p[*end] != '/') (*end)++;
            return true;
        }
    }
    return false;
}

static bool m_path_segment(hf_mctx *c)
{
    size_t s, e;
    if (!path_segment(&c->q->path, c->r, &s, &e)) return false;
    char *frag = hf_mut_fragment(c->r);
    hf_buf_erase(&c->q->path, s, e - s);
    hf_buf_insert(&c->q->path, s, frag, strlen(frag));
    free(frag);
    return true;
}

/* One character of a segment as %XX (in either case): "_batch" → "%5Fbatch". */
static bool m_path_encode_char(hf_mctx *c)
{
    size_t s, e;
    if (!path_segment(&c->q->path, c->r, &s, &e) || s == e) return false;
    size_t at = s + hf_rng_below(c->r, e - s);
    if (c->q->path.p[at] == '%') return false;
    unsigned char ch = (unsigned char)c->q->path.p[at];
    char enc[4];
    snprintf(enc, sizeof enc, hf_rng_chance(c->r, 50) ? "%%%02X" : "%%%02x", ch);
    hf_buf_erase(&c->q->path, at, 1);
    hf_buf_insert(&c->q->path, at, enc, 3);
    return true;
}

static bool m_path_insert(hf_mctx *c)
{
    char *frag = hf_mut_fragment(c->r);
    hf_buf_insert(&c->q->path, hf_rng_below(c->r, c->q->path.len + 1), frag, strlen(frag));
    free(frag);
    return true;
}

static bool m_path_append(hf_mctx *c)
{
    static const char *const tails[] = {"/", "/x", "/..", "/_batch", "/%5Fbatch", "/1", "/1/x/y",
                                        "/_aggregate", "/_query", "/%00", "/a,b,c", "/,"};
    const hf_model *m = c->m;
    if (c->q->res >= 0 && m->res[c->q->res].nrels && hf_rng_chance(c->r, 40)) {
        const hf_res *rs = &m->res[c->q->res];
        hf_req_segment(c->q, rs->rels[hf_rng_below(c->r, rs->nrels)].name);
        return true;
    }
    hf_req_path(c->q, HF_PICK(c->r, tails));
    return true;
}

static bool m_path_truncate(hf_mctx *c)
{
    if (c->q->path.len < 2) return false;
    hf_buf_erase(&c->q->path, 1 + hf_rng_below(c->r, c->q->path.len - 1), SIZE_MAX);
    return true;
}

static bool m_path_long(hf_mctx *c)
{
    static const char *const units[] = {"a", "%41", "a/", "%2F", ",", "1,", "\xc3\xa9", "%C3%A9", ".", "/.."};
    char *s = hf_mut_repeat(HF_PICK(c->r, units), 1000 + hf_rng_below(c->r, 9000));
    hf_buf_insert(&c->q->path, hf_rng_below(c->r, c->q->path.len + 1), s, strlen(s));
    free(s);
    return true;
}

static bool m_path_special(hf_mctx *c)
{
    hf_buf_reset(&c->q->path);
    hf_req_path(c->q, HF_PICK(c->r, special_paths));
    return true;
}

/* ------------------------------------------------------------ query */

/* Parameter i as encoded text (a JSON tree is dumped and encoded). */
static void param_to_text(hf_param *p)
{
    if (!p->json) return;
    char *text = json_dumps(p->json, JSON_COMPACT | JSON_ENCODE_ANY);
    free(p->value);
    p->value = encode_str(text ? text : "");
    free(text);
    json_decref(p->json);
    p->json = NULL;
}

static hf_param *pick_param(hf_mctx *c)
{
    if (!c->q->nparams) return NULL;
    hf_param *p = &c->q->params[hf_rng_below(c->r, c->q->nparams)];
    param_to_text(p);
    return p;
}

static bool m_query_value(hf_mctx *c)
{
    hf_param *p = pick_param(c);
    if (!p) return false;
    free(p->value);
    p->value = hf_mut_fragment(c->r);
    return true;
}

static bool m_query_insert(hf_mctx *c)
{
    hf_param *p = pick_param(c);
    if (!p) return false;
    char **field = hf_rng_chance(c->r, 70) && p->value ? &p->value : &p->key;
    hf_buf b = {0};
    hf_buf_str(&b, *field);
    char *frag = hf_mut_fragment(c->r);
    hf_buf_insert(&b, hf_rng_below(c->r, b.len + 1), frag, strlen(frag));
    free(frag);
    free(*field);
    *field = hf_buf_take(&b);
    return true;
}

static bool m_query_duplicate(hf_mctx *c)
{
    hf_param *p = pick_param(c);
    if (!p) return false;
    char *k = hf_percent_decode(p->key), *v = p->value ? hf_percent_decode(p->value) : NULL;
    hf_req_param(c->q, k, v);
    free(k);
    free(v);
    return true;
}

static bool m_query_remove(hf_mctx *c)
{
    if (!c->q->nparams) return false;
    hf_req_remove_param(c->q, hf_rng_below(c->r, c->q->nparams));
    return true;
}

static bool m_query_junk(hf_mctx *c)
{
    static const char *const keys[] = {"x", "", "filter", "fields[]", "fields[a.b.c.d]", "count[x]",
                                       "limit[x]", "sort[x]", "facet", "group_by", "include", "cursor",
                                       "a[b][c]", "_method", "callback", "\xc3\xa9"};
    const char *v = hf_rng_chance(c->r, 30) ? NULL : HF_PICK(c->r, special_strings);
    hf_req_param(c->q, HF_PICK(c->r, keys), v);
    return true;
}

static bool m_query_many(hf_mctx *c)
{
    size_t n = 100 + hf_rng_below(c->r, 2900);
    bool same = hf_rng_chance(c->r, 30);
    for (size_t i = 0; i < n; i++) {
        char key[32];
        snprintf(key, sizeof key, same ? "x" : "a%zu", i);
        hf_req_param(c->q, key, "1");
    }
    return true;
}

static bool m_query_long(hf_mctx *c)
{
    static const char *const units[] = {"a", "%41", ",", "a,", "\xc3\xa9", "%", ".", "a."};
    static const char *const keys[] = {"sort", "include", "fields", "cursor", "filter", "x", "limit"};
    size_t n = hf_rng_chance(c->r, 70) ? 1000 + hf_rng_below(c->r, 7000) : 8000 + hf_rng_below(c->r, 4000);
    char *v = hf_mut_repeat(HF_PICK(c->r, units), n);
    hf_param *p = pick_param(c);
    if (p && hf_rng_chance(c->r, 50)) {
        free(p->value);
        p->value = encode_str(v);
    } else {
        hf_req_param(c->q, HF_PICK(c->r, keys), v);
    }
    free(v);
    return true;
}

/* Known edges of the list parameters, already encoded. */
static bool m_query_edge(hf_mctx *c)
{
    static const char *const edges[][2] = {
        {"limit", "%205"}, {"limit", "5%20"}, {"limit", "-1"}, {"limit", "2147483648"},
        {"limit", "99999999999999999999"}, {"limit", "1e3"}, {"limit", ""}, {"limit", "0x10"},
        {"limit", "+5"}, {"offset", "9223372036854775807"}, {"offset", "-0"}, {"offset", "%2B1"},
        {"count", "EXACT"}, {"count", ""}, {"cursor", "junk"}, {"cursor", ""},
        {"cursor", "WyJ1c2VycyAiLFsyXV0.AAAA"}, {"cursor", "%FF%FE"}, {"sort", ","}, {"sort", "-"},
        {"sort", "--id"}, {"sort", "id,id"}, {"sort", "%2Bid"}, {"include", ""}, {"include", ","},
        {"include", "a..b"}, {"fields", ""}, {"fields", ",,"}, {"filter", ""}, {"filter", "null"},
        {"filter", "%5B%5D"}, {"filter", "%7B%22and%22%3A%5B%5D%7D"}, {"filter", "%7B%22or%22%3A%7B%7D%7D"},
        {"filter", "%7B%22id%22%3A%7B%22in%22%3A%5Bnull%5D%7D%7D"}, {"filter", "%7B%7D"},
        {"filter", "%7B%22id%22%3A%7B%22%24col%22%3A%22id%22%7D%7D"},
    };
    size_t i = hf_rng_below(c->r, HF_COUNT(edges));
    hf_param *p = NULL;
    for (size_t k = 0; k < c->q->nparams; k++)
        if (!strcmp(c->q->params[k].key, edges[i][0])) p = &c->q->params[k];
    if (!p) {
        hf_req_param(c->q, edges[i][0], NULL);
        p = &c->q->params[c->q->nparams - 1];
    }
    json_decref(p->json);
    p->json = NULL;
    free(p->value);
    p->value = hf_xstrdup(edges[i][1]);
    return true;
}

/* Dotted paths past every depth limit: filters of 8-20 hops, sorts of
 * up to 80 many-to-one hops, includes deeper than 3. */
static bool m_query_deep_path(hf_mctx *c)
{
    if (c->q->res < 0) return false;
    switch (hf_rng_below(c->r, 3)) {
    case 0: {
        char *path = relationship_chain(c->m, c->r, c->q->res, 8 + hf_rng_below(c->r, 13), false, true);
        json_t *f = json_object();
        json_object_set_new(f, path, hf_rng_chance(c->r, 50) ? json_integer(1) : json_pack("{s:s}", "like", "%a%"));
        hf_req_param_json(c->q, "filter", f);
        free(path);
        break;
    }
    case 1: {
        char *path = relationship_chain(c->m, c->r, c->q->res, 2 + hf_rng_size(c->r, 80), true, hf_rng_chance(c->r, 70));
        hf_req_param(c->q, "sort", path);
        free(path);
        break;
    }
    default: {
        char *path = relationship_chain(c->m, c->r, c->q->res, 4 + hf_rng_below(c->r, 6), false, false);
        hf_req_param(c->q, "include", path);
        free(path);
        break;
    }
    }
    return true;
}

/* A like pattern of hundreds to thousands of characters. */
static bool m_query_like(hf_mctx *c)
{
    const hf_col *col = NULL;
    if (c->q->res < 0) return false;
    const hf_res *rs = &c->m->res[c->q->res];
    for (size_t i = 0; i < rs->ncols && !col; i++)
        if ((!strcmp(rs->cols[i].type, "string") || !strcmp(rs->cols[i].type, "text")) && !rs->cols[i].write_only)
            col = &rs->cols[i];
    if (!col) return false;
    static const char *const units[] = {"%a", "_", "%_%", "a%", "%\\%", "\\"};
    char *pat = hf_mut_repeat(HF_PICK(c->r, units), hf_rng_size(c->r, 6000));
    json_t *f = json_object();
    json_object_set_new(f, col->name, json_pack("{s:s}", hf_rng_chance(c->r, 50) ? "like" : "ilike", pat));
    hf_req_param_json(c->q, "filter", f);
    free(pat);
    return true;
}

/* ------------------------------------------------------------ headers */

static bool m_content_type(hf_mctx *c)
{
    static const char *const types[] = {
        "application/json; charset=utf-8", "application/json; charset=utf-16", "application/json;charset=UTF-8",
        "APPLICATION/JSON", "application/json ", "application/json;", "application/jsonx",
        "application/json, text/plain", "text/plain", "text/json", "application/problem+json",
        "application/merge-patch+json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "", "*/*", "application/json; charset=\"utf-8\"", "application/json; foo", "application/json; charset=latin1",
        "application/json\t", " application/json", "application/json; charset=utf-8; charset=utf-16",
    };
    switch (hf_rng_below(c->r, 5)) {
    case 0: hf_req_set_header(c->q, "Content-Type", NULL); break;
    case 1: hf_req_header(c->q, "Content-Type", HF_PICK(c->r, types)); break;
    default: hf_req_set_header(c->q, "Content-Type", HF_PICK(c->r, types)); break;
    }
    return true;
}

static bool m_condition(hf_mctx *c)
{
    static const char *const junk[] = {"\"v1\" junk", "*", "W/\"1\"", "\"", "\"\"", ",", "\"a\",,\"b\"",
                                       "*, \"x\"", "W/", "junk", "\"1\"", "W/\"\"", "\"\xc3\xa9\"", "\"\xff\""};
    const char *name = hf_rng_chance(c->r, 60) ? "If-Match" : "If-None-Match";
    const char *etag = hf_model_etag(c->m, c->q->path.p ? c->q->path.p : "");
    char *v;
    if (hf_rng_chance(c->r, 10)) {
        char *body = hf_mut_repeat("a", 1000 + hf_rng_below(c->r, 30000));
        v = hf_xasprintf("\"%s\"", body);
        free(body);
    } else if (etag && hf_rng_chance(c->r, 40)) {
        v = hf_xasprintf("%s%s", etag, HF_PICK(c->r, junk));
    } else {
        v = hf_xstrdup(HF_PICK(c->r, junk));
    }
    if (hf_rng_chance(c->r, 20)) hf_req_header(c->q, name, v);
    else hf_req_set_header(c->q, name, v);
    free(v);
    return true;
}

static bool m_host(hf_mctx *c)
{
    static const char *const hosts[] = {"", "a b", "[::1]:80", "fuzz:99999", "\xc3\xa9", "x/y"};
    switch (hf_rng_below(c->r, 4)) {
    case 0: hf_req_set_header(c->q, "Host", NULL); break;
    case 1: hf_req_header(c->q, "Host", "fuzz2"); break;
    case 2: {
        char *h = hf_mut_repeat("h", 5000 + hf_rng_below(c->r, 10000));
        hf_req_set_header(c->q, "Host", h);
        free(h);
        break;
    }
    default: hf_req_set_header(c->q, "Host", HF_PICK(c->r, hosts)); break;
    }
    return true;
}

static bool m_big_headers(hf_mctx *c)
{
    switch (hf_rng_below(c->r, 3)) {
    case 0: {
        char *v = hf_mut_repeat("a", hf_rng_chance(c->r, 50) ? 20000 + hf_rng_below(c->r, 15000) : 33000 + hf_rng_below(c->r, 40000));
        hf_req_header(c->q, "X-Big", v);
        free(v);
        break;
    }
    case 1: {
        size_t n = 100 + hf_rng_below(c->r, 3000);
        for (size_t i = 0; i < n; i++) {
            char name[32];
            snprintf(name, sizeof name, "X-N%zu", i);
            hf_req_header(c->q, name, "1");
        }
        break;
    }
    default: {
        char *name = hf_mut_repeat("N", 1000 + hf_rng_below(c->r, 10000));
        hf_req_header(c->q, name, "1");
        free(name);
        break;
    }
    }
    return true;
}

static bool m_misc_header(hf_mctx *c)
{
    static const char *const h[][2] = {
        {"Expect", "100-continue"}, {"Expect", "100-Continue"}, {"Expect", "202-accepted"},
        {"Connection", "close"}, {"Connection", "keep-alive"}, {"Connection", "upgrade"},
        {"Upgrade", "websocket"}, {"Accept", "text/html"}, {"Accept", "\xff"}, {"Authorization", "Bearer x.y.z"},
        {"Authorization", "Basic Og=="}, {"Cookie", "a=b"}, {"Range", "bytes=0-1"}, {"Origin", "http://evil"},
        {"X-HTTP-Method-Override", "DELETE"}, {"Accept-Encoding", "gzip"}, {"Content-Encoding", "gzip"},
        {"Content-Range", "bytes 0-1/2"}, {"X Y", "1"}, {"X:Y", "1"}, {"X-Obs", "\xc3\xa9"},
        {"X-Bin", "\xff\xfe"}, {"Trailer", "X"}, {"TE", "trailers"}, {"Forwarded", "for=1.2.3.4"},
        {"X-Request-Id", "\"><"}, {"Prefer", "return=minimal"},
    };
    size_t i = hf_rng_below(c->r, HF_COUNT(h));
    hf_req_header(c->q, h[i][0], h[i][1]);
    return true;
}

/* ------------------------------------------------------------ framing */

/* Make the body raw and take over framing. */
static void verbatim(hf_mctx *c)
{
    hf_req_materialize_body(c->q, JSON_COMPACT);
    if (!c->q->has_raw_body) {
        c->q->has_raw_body = true;
        hf_buf_reset(&c->q->body);
        if (hf_rng_chance(c->r, 50)) hf_buf_str(&c->q->body, "{}");
    }
    c->q->framing = HF_FRAME_VERBATIM;
    hf_req_set_header(c->q, "Content-Length", NULL);
    hf_req_set_header(c->q, "Transfer-Encoding", NULL);
}

static bool m_content_length(hf_mctx *c)
{
    static const char *const values[] = {"-1", "abc", " 5", "+5", "5,5", "0x10", "99999999999999999999",
                                         "1e3", "", "18446744073709551616", "00000000000000000000000001",
                                         "2147483648", "1048577", "5 5"};
    verbatim(c);
    size_t len = c->q->body.len;
    char v[48];
    switch (hf_rng_below(c->r, 6)) {
    case 0: snprintf(v, sizeof v, "%zu", len + 1 + hf_rng_below(c->r, 10)); break;
    case 1: snprintf(v, sizeof v, "%zu", len ? len - 1 - hf_rng_below(c->r, len) : 0); break;
    case 2: snprintf(v, sizeof v, "%s", HF_PICK(c->r, values)); break;
    case 3: /* two of them */
        snprintf(v, sizeof v, "%zu", len);
        hf_req_header(c->q, "Content-Length", hf_rng_chance(c->r, 50) ? v : "0");
        break;
    case 4: return true; /* none: the body is read as the next request */
    default: snprintf(v, sizeof v, "%zu", len); hf_req_header(c->q, "Transfer-Encoding", "chunked"); break;
    }
    hf_req_header(c->q, "Content-Length", v);
    return true;
}

static bool m_chunked_valid(hf_mctx *c)
{
    hf_req_materialize_body(c->q, JSON_COMPACT);
    if (!c->q->has_raw_body) return false;
    c->q->framing = HF_FRAME_CHUNKED;
    return true;
}

/* A chunked body with one defect. */
static bool m_chunked_bad(hf_mctx *c)
{
    static const char *const te[] = {"chunked", "chunked", "chunked", "Chunked", "chunked, identity",
                                     "gzip, chunked", "gzip", "identity", "chunked ", "x-chunked"};
    verbatim(c);
    hf_buf body = {0};
    const char *data = c->q->body.p ? c->q->body.p : "";
    size_t len = c->q->body.len;
    switch (hf_rng_below(c->r, 9)) {
    case 0: hf_buf_fmt(&body, "zz\r\n%s\r\n0\r\n\r\n", data); break;
    case 1: hf_buf_fmt(&body, "%zx\r\n%s\r\n0\r\n\r\n", len + 5, data); break;
    case 2: hf_buf_fmt(&body, "%zx\r\n%s0\r\n\r\n", len, data); break;
    case 3: hf_buf_fmt(&body, "%zx\r\n%s\r\n", len, data); break;
    case 4: hf_buf_fmt(&body, "%zx;\xff=\x01\r\n%s\r\n0\r\n\r\n", len, data); break;
    case 5: hf_buf_fmt(&body, "ffffffffffffffff\r\n%s\r\n0\r\n\r\n", data); break;
    case 6: hf_buf_fmt(&body, "-1\r\n%s\r\n0\r\n\r\n", data); break;
    case 7: hf_buf_fmt(&body, "%zx\r\n%s\r\n0\r\nX Bad: trailer\r\n\r\n", len, data); break;
    default: hf_buf_fmt(&body, "%zx\n%s\n0\n\n", len, data); break;
    }
    hf_buf_free(&c->q->body);
    c->q->body = body;
    hf_req_header(c->q, "Transfer-Encoding", HF_PICK(c->r, te));
    if (hf_rng_chance(c->r, 15)) hf_req_header(c->q, "Transfer-Encoding", "chunked");
    return true;
}

/* ------------------------------------------------------------ request line */

static bool m_method(hf_mctx *c)
{
    static const char *const methods[] = {"get", "FOO", "QUERY", "PROPFIND", "TRACE", "CONNECT", "GET ",
                                          "G\xc3\xa9T", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"};
    if (hf_rng_chance(c->r, 10)) {
        char *m = hf_mut_repeat("A", 100 + hf_rng_below(c->r, 3000));
        hf_req_set_method(c->q, m);
        free(m);
    } else {
        hf_req_set_method(c->q, HF_PICK(c->r, methods));
    }
    return true;
}

static bool m_version(hf_mctx *c)
{
    static const char *const versions[] = {"HTTP/1.0", "HTTP/2.0", "HTTP/1.1x", "HTTP/0.9", "http/1.1",
                                           "HTTP/1.10", "", "HTTP/1.1 extra", "HTTP/3", "HTTP/1"};
    free(c->q->version);
    c->q->version = hf_xstrdup(HF_PICK(c->r, versions));
    return true;
}

static bool m_target_form(hf_mctx *c)
{
    static const char *const prefixes[] = {"http://fuzz", "https://x:1", "*", "", "http://[::1]", "x"};
    const char *p = HF_PICK(c->r, prefixes);
    if (!strcmp(p, "*")) hf_buf_reset(&c->q->path);
    if (!strcmp(p, "")) hf_buf_erase(&c->q->path, 0, 1);
    else hf_buf_insert(&c->q->path, 0, p, strlen(p));
    if (hf_rng_chance(c->r, 20)) hf_req_path(c->q, "#frag");
    return true;
}

/* ------------------------------------------------------------ the table */

typedef struct mutation {
    const char *name;
    int phase;          /* 0 structured, 1 JSON text, 2 framing */
    unsigned weight;
    bool (*fn)(hf_mctx *c);
} mutation;

static const mutation mutations[] = {
    {"path-segment", 0, 3, m_path_segment},     {"path-encode", 0, 3, m_path_encode_char},
    {"path-insert", 0, 3, m_path_insert},       {"path-append", 0, 2, m_path_append},
    {"path-truncate", 0, 1, m_path_truncate},   {"path-long", 0, 1, m_path_long},
    {"path-special", 0, 2, m_path_special},     {"query-value", 0, 5, m_query_value},
    {"query-insert", 0, 4, m_query_insert},     {"query-dup", 0, 2, m_query_duplicate},
    {"query-remove", 0, 1, m_query_remove},     {"query-junk", 0, 2, m_query_junk},
    {"query-many", 0, 1, m_query_many},         {"query-long", 0, 1, m_query_long},
    {"query-edge", 0, 4, m_query_edge},         {"query-deep-path", 0, 3, m_query_deep_path},
    {"query-like", 0, 1, m_query_like},         {"json-swap", 0, 6, hf_mut_json_swap},
    {"json-special", 0, 8, hf_mut_json_special},     {"json-nest", 0, 2, hf_mut_json_nest},
    {"json-huge-array", 0, 1, hf_mut_json_huge_array}, {"json-long-string", 0, 1, hf_mut_json_long_string},
    {"json-member", 0, 5, hf_mut_json_member},       {"json-top", 0, 2, hf_mut_json_top},
    {"json-batch", 0, 6, hf_mut_json_batch},         {"text-bad-utf8", 1, 3, hf_mut_text_bad_utf8},
    {"text-escape", 1, 3, hf_mut_text_escape},       {"text-control", 1, 2, hf_mut_text_control},
    {"text-number", 1, 4, hf_mut_text_number},       {"text-dup-key", 1, 2, hf_mut_text_dup_key},
    {"text-structure", 1, 2, hf_mut_text_structure}, {"content-type", 0, 3, m_content_type},
    {"condition", 0, 3, m_condition},           {"host", 0, 1, m_host},
    {"big-headers", 0, 1, m_big_headers},       {"misc-header", 0, 2, m_misc_header},
    {"content-length", 2, 2, m_content_length}, {"chunked", 2, 2, m_chunked_valid},
    {"chunked-bad", 2, 2, m_chunked_bad},       {"method", 0, 1, m_method},
    {"version", 0, 1, m_version},               {"target-form", 0, 1, m_target_form},
};

static size_t draw(hf_rng *r)
{
    unsigned total = 0;
    for (size_t i = 0; i < HF_COUNT(mutations); i++) total += mutations[i].weight;
    size_t x = hf_rng_below(r, total);
    for (size_t i = 0; i < HF_COUNT(mutations); i++) {
        if (x < mutations[i].weight) return i;
        x -= mutations[i].weight;
    }
    return 0;
}

void hf_mutate_request(hf_req *q, const hf_model *m, hf_rng *r, unsigned n, hf_buf *log)
{
    size_t chosen[16];
    if (n > HF_COUNT(chosen)) n = HF_COUNT(chosen);
    for (unsigned i = 0; i < n; i++) chosen[i] = draw(r);
    hf_mctx c = {q, m, r};
    for (int phase = 0; phase <= 2; phase++) {
        for (unsigned i = 0; i < n; i++) {
            const mutation *mu = &mutations[chosen[i]];
            if (mu->phase != phase) continue;
            bool done = mu->fn(&c);
            for (int tries = 0; !done && tries < 4; tries++) { /* did not apply: another of this phase */
                const mutation *alt = &mutations[draw(r)];
                if (alt->phase == phase && (done = alt->fn(&c))) mu = alt;
            }
            if (done && log) {
                if (log->len) hf_buf_addc(log, ',');
                hf_buf_str(log, mu->name);
            }
        }
    }
}

/* ------------------------------------------------------------ bytes */

void hf_mutate_bytes(hf_buf *b, hf_rng *r, unsigned n, const hf_buf *other, hf_buf *log)
{
    static const char *const tokens[] = {"\r\n", "\0", "\xff", ":", " ", "%", "\r\n\r\n", "\n", "\r",
                                         "\t", "0", "\"", "{", "}", "[", "]", ",", "/", "?", "&", "="};
    for (unsigned i = 0; i < n && b->len; i++) {
        size_t at = hf_rng_below(r, b->len);
        const char *name;
        switch (hf_rng_below(r, 9)) {
        case 0: b->p[at] ^= (char)(1u << hf_rng_below(r, 8)); name = "flip"; break;
        case 1: b->p[at] = (char)hf_rng_below(r, 256); name = "byte"; break;
        case 2: {
            char rnd[16];
            size_t k = 1 + hf_rng_below(r, sizeof rnd);
            for (size_t j = 0; j < k; j++) rnd[j] = (char)hf_rng_below(r, 256);
            hf_buf_insert(b, at, rnd, k);
            name = "insert";
            break;
        }
        case 3: {
            const char *t = HF_PICK(r, tokens);
            hf_buf_insert(b, at, t, t[0] ? strlen(t) : 1);
            name = "token";
            break;
        }
        case 4: hf_buf_erase(b, at, hf_rng_size(r, 64)); name = "delete"; break;
        case 5: {
            size_t k = hf_rng_size(r, b->len - at);
            char *copy = hf_xstrndup(b->p + at, k);
            hf_buf_insert(b, hf_rng_below(r, b->len + 1), copy, k);
            free(copy);
            name = "duplicate";
            break;
        }
        case 6:
            if (other && other->len) {
                size_t from = hf_rng_below(r, other->len);
                hf_buf_erase(b, at, SIZE_MAX);
                hf_buf_add(b, other->p + from, other->len - from);
                name = "splice";
                break;
            }
            /* fall through */
        case 7: hf_buf_erase(b, at, SIZE_MAX); name = "truncate"; break;
        default: {
            char *crlf = hf_memmem(b->p + at, b->len - at, "\r\n", 2);
            if (!crlf) crlf = hf_memmem(b->p, b->len, "\r\n", 2);
            if (crlf) hf_buf_erase(b, (size_t)(crlf - b->p), 1);
            name = "bare-lf";
            break;
        }
        }
        if (log) {
            if (log->len) hf_buf_addc(log, ',');
            hf_buf_str(log, name);
        }
    }
}
