/* test_bulk_property.c: a differential property test of bulk writes (SPEC
 * §10 D) on both backends. Random filters and random PATCH bodies or
 * DELETEs over schemas/shop.json, each run twice on two servers holding
 * the same rows: once as the bulk request, once as its meaning, the loop
 * of single-object requests of the rows the filter lists (GET), all in one
 * POST /api/_batch (one unit of work). The outcomes must agree (the
 * status, and for a success the rows matched) and so must the two
 * databases' whole contents afterwards (rt_db_fingerprint), errors
 * included. Deterministic seeds; a failure prints the case. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

#define ROUNDS 6
#define CASES_PER_ROUND 15

typedef struct rng {
    uint64_t s;
} rng;

static unsigned pick(rng *r, unsigned n)
{
    r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((r->s >> 33) % n);
}

/* One resource: filter atoms and PATCH members, as JSON text. */
typedef struct resource_gen {
    const char *name;
    const char *const *atoms;
    const char *const *sets;
} resource_gen;

static const char *const order_atoms[] = {
    "{\"status\": \"new\"}", "{\"status\": \"paid\"}", "{\"status\": {\"in\": [\"shipped\", \"cancelled\"]}}",
    "{\"customer_id\": 1}", "{\"customer_id\": 3}", "{\"customer_id\": null}", "{\"total\": {\"gt\": \"30.00\"}}",
    "{\"placed\": {\"lt\": \"2024-01-01\"}}", "{\"shipped\": {\"is_null\": true}}",
    "{\"lines\": {\"any\": {\"quantity\": {\"gt\": 1}}}}", "{\"tags\": {\"any\": {\"name\": \"gift\"}}}",
    "{\"customer\": {\"has\": {\"tier\": \"gold\"}}}", "{\"id\": {\"in\": [2, 5, 8, 11]}}", NULL};
static const char *const order_sets[] = {
    "\"status\": \"cancelled\"", "\"status\": \"paid\"", "\"status\": \"lost\"", "\"shipped\": null",
    "\"shipped\": \"2024-12-01\"", "\"total\": \"10.00\"", "\"total\": null", "\"customer_id\": 2",
    "\"customer_id\": null", "\"customer_id\": 99", "\"placed\": null", NULL};
static const char *const customer_atoms[] = {
    "{\"tier\": \"gold\"}", "{\"tier\": null}", "{\"city\": \"Paris\"}", "{\"city\": {\"ne\": \"London\"}}",
    "{\"orders\": {\"none\": {}}}", "{\"orders\": {\"any\": {\"status\": \"paid\"}}}", "{\"credit\": {\"gt\": \"1.00\"}}",
    NULL};
static const char *const customer_sets[] = {
    "\"tier\": \"bronze\"", "\"tier\": \"gold\"", "\"tier\": \"tin\"", "\"city\": \"Rome\"", "\"city\": null",
    "\"name\": null", "\"credit\": \"5.00\"", NULL};
static const char *const product_atoms[] = {
    "{\"active\": true}", "{\"active\": false}", "{\"price\": {\"gt\": \"10.00\"}}", "{\"lines\": {\"none\": {}}}",
    "{\"name\": {\"startswith\": \"T\"}}", NULL};
static const char *const product_sets[] = {
    "\"active\": false", "\"price\": \"5.00\"", "\"views\": 7", "\"name\": null", "\"weight\": 2.5", NULL};
static const char *const note_atoms[] = {
    "{\"customer_id\": null}", "{\"customer_id\": 1}", "{\"body\": {\"like\": \"%e%\"}}",
    "{\"customer\": {\"has\": {\"city\": \"Paris\"}}}", NULL};
static const char *const note_sets[] = {
    "\"body\": \"x\"", "\"customer_id\": 2", "\"customer_id\": 99", "\"customer_id\": null", "\"body\": null", NULL};
static const char *const tag_atoms[] = {"{\"name\": \"gift\"}", "{\"orders\": {\"any\": {\"status\": \"paid\"}}}",
                                        "{\"id\": {\"ge\": 2}}", NULL};
static const char *const tag_sets[] = {"\"name\": \"z\"", "\"name\": null", NULL};
static const char *const line_atoms[] = {
    "{\"quantity\": {\"gt\": 1}}", "{\"product_id\": null}", "{\"price\": {\"lt\": \"10.00\"}}",
    "{\"order\": {\"has\": {\"status\": \"paid\"}}}", "{\"product\": {\"has\": {\"active\": true}}}", NULL};
static const char *const line_sets[] = {
    "\"quantity\": 3", "\"product_id\": 1", "\"product_id\": 42", "\"product_id\": null", "\"quantity\": null",
    "\"order_id\": 4", NULL};

static const resource_gen resources[] = {
    {"orders", order_atoms, order_sets},     {"customers", customer_atoms, customer_sets},
    {"products", product_atoms, product_sets}, {"notes", note_atoms, note_sets},
    {"tags", tag_atoms, tag_sets},           {"order_lines", line_atoms, line_sets},
};

static unsigned count_of(const char *const *list)
{
    unsigned n = 0;
    while (list[n]) n++;
    return n;
}

/* A random filter: one or two atoms, AND-ed, OR-ed or one negated. */
static void gen_filter(rng *r, const resource_gen *g, char *out, size_t cap)
{
    unsigned n = count_of(g->atoms);
    const char *a = g->atoms[pick(r, n)], *b = g->atoms[pick(r, n)];
    switch (pick(r, 4)) {
    case 0: snprintf(out, cap, "%s", a); break;
    case 1: snprintf(out, cap, "{\"and\": [%s, %s]}", a, b); break;
    case 2: snprintf(out, cap, "{\"or\": [%s, %s]}", a, b); break;
    default: snprintf(out, cap, "{\"not\": %s}", a); break;
    }
}

/* A random PATCH body: one or two members (distinct). */
static void gen_body(rng *r, const resource_gen *g, char *out, size_t cap)
{
    unsigned n = count_of(g->sets), i = pick(r, n), j = pick(r, n);
    if (i == j || strncmp(g->sets[i], g->sets[j], strcspn(g->sets[i], ":")) == 0) snprintf(out, cap, "{%s}", g->sets[i]);
    else snprintf(out, cap, "{%s, %s}", g->sets[i], g->sets[j]);
}

static void percent_encode(const char *in, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && k + 4 < cap; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-_.~", *p)) {
            out[k++] = (char)*p;
        } else {
            out[k++] = '%';
            out[k++] = hex[*p >> 4];
            out[k++] = hex[*p & 15];
        }
    }
    out[k] = 0;
}

/* One case: the bulk request on a, the loop on b; both databases equal
 * before, and after. */
/* What the cases came to, printed at the end: a run that only ever
 * matched nothing would prove little. */
typedef struct tally {
    int cases, empty, written, refused[600];
} tally;

static void run_case(const rt_server *a, const rt_server *b, rng *r, int round, int index, tally *t)
{
    const resource_gen *g = &resources[pick(r, sizeof resources / sizeof *resources)];
    bool patch = pick(r, 2);
    char filter[512], enc[1600], body[256] = "", path[1800];
    gen_filter(r, g, filter, sizeof filter);
    if (patch) gen_body(r, g, body, sizeof body);
    percent_encode(filter, enc, sizeof enc);
    snprintf(path, sizeof path, "/api/%s?filter=%s", g->name, enc);
    char what[1200];
    snprintf(what, sizeof what, "round %d case %d: %s /api/%s?filter=%s %s", round, index, patch ? "PATCH" : "DELETE",
             g->name, filter, body);

    rt_response *bulk = rt_request(a, patch ? "PATCH" : "DELETE", path, patch ? body : NULL, NULL, NULL);

    /* the loop: the rows the filter lists, one request each, in one batch */
    char list[1900];
    snprintf(list, sizeof list, "/api/%s?filter=%s&fields=id&limit=1000", g->name, enc);
    rt_response *ids = rt_get(b, list);
    ck_assert_msg(ids->status == 200, "%s: GET ids %ld %s", what, ids->status, ids->body);
    json_t *data = json_object_get(ids->json, "data"), *ops = json_array(), *row;
    size_t i;
    json_array_foreach(data, i, row) {
        json_t *op = json_pack("{s:s, s:s}", "method", patch ? "PATCH" : "DELETE", "path",
                               rt_fmt("/api/%s/%lld", g->name, (long long)json_integer_value(json_object_get(row, "id"))));
        if (patch) json_object_set_new(op, "body", json_loads(body, 0, NULL));
        json_array_append_new(ops, op);
    }
    size_t n = json_array_size(ops);
    rt_response *loop = NULL;
    if (n) {
        json_t *doc = json_pack("{s:o}", "operations", ops);
        char *text = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        loop = rt_request(b, "POST", "/api/_batch", text, NULL, NULL);
        free(text);
    } else {
        json_decref(ops);
    }

    if (n) { /* an empty loop has no outcome to compare (a refused body is refused whatever it matches) */
        long want = loop->status == 200 ? 200 : loop->status;
        ck_assert_msg(bulk->status == want, "%s: bulk %ld (%s), loop %ld (%s)", what, bulk->status, bulk->body,
                      loop->status, loop->body);
    } else {
        ck_assert_msg(bulk->status == 200 || bulk->status == 400 || bulk->status == 422, "%s: bulk %ld %s", what,
                      bulk->status, bulk->body);
    }
    t->cases++;
    if (!n) t->empty++;
    else if (bulk->status == 200) t->written++;
    else if (bulk->status < 600) t->refused[bulk->status]++;
    if (bulk->status == 200)
        ck_assert_msg(rt_json_int(bulk, "matched") == (long long)n, "%s: matched %lld, listed %zu", what,
                      rt_json_int(bulk, "matched"), n);
    char *fa = rt_db_fingerprint(a), *fb = rt_db_fingerprint(b);
    ck_assert_msg(!strcmp(fa, fb), "%s: the databases differ after it (bulk %ld %s)", what, bulk->status, bulk->body);
    free(fa);
    free(fb);
    rt_response_free(bulk);
    rt_response_free(ids);
    if (loop) rt_response_free(loop);
}

START_TEST(bulk_equals_loop)
{
    tally t = {0};
    for (int round = 0; round < ROUNDS; round++) {
        rt_server a, b;
        rt_server_start(&a, "schemas/shop.json", "schemas/shop.seed.json", NULL);
        rt_server_start(&b, "schemas/shop.json", "schemas/shop.seed.json", NULL);
        rng r = {.s = 0x5eed0000u + (uint64_t)round};
        for (int k = 0; k < CASES_PER_ROUND; k++) run_case(&a, &b, &r, round, k, &t);
        rt_server_stop(&a);
        rt_server_stop(&b);
    }
    printf("bulk property: %d cases: %d matched no row, %d written alike, refused alike: %d 400, %d 409, %d 422\n",
           t.cases, t.empty, t.written, t.refused[400], t.refused[409], t.refused[422]);
    ck_assert_int_gt(t.written, t.cases / 4);
    ck_assert_int_gt(t.refused[409] + t.refused[422], 0);
}
END_TEST

RT_SUITE(http_bulk_property_suite, "http_bulk_property", "property", NULL, NULL, 300, bulk_equals_loop)
