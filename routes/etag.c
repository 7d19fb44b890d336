/* etag.c: entity tags for single objects (SPEC §3): "v<version>" from the
 * version column when the entity has one, else a fingerprint (lib/digest.h:
 * XXH3-128, its first 96 bits) of the object's JSON as GET answers it by
 * default. If-None-Match compares weakly (W/ ignored),
 * If-Match strongly; both take "*" or a list, parsed strictly (anything
 * else is 400, before the request runs). Every write route checks If-Match
 * here: against the object it changes, or the parent whose collection it
 * changes; a write with no representation to compare (a create, a batch)
 * matches only "*". */
#include <stdio.h>
#include <string.h>

#include "lib/digest.h"
#include "routes/routes_int.h"

const char *rm_etag(rm_ctx *ctx, const orm_instance *inst, const char *json, size_t len)
{
    const orm_column *vc = inst->mapper->version_col;
    if (vc && inst->row[vc->index].kind == ORM_V_INT)
        return rm_arena_sprintf(ctx->a, "\"v%lld\"", (long long)inst->row[vc->index].u.i);
    unsigned char d[RM_FINGERPRINT_LEN];
    rm_fingerprint(json, len, d);
    static const char hex[] = "0123456789abcdef";
    char *tag = rm_arena_alloc(ctx->a, 2 + 2 * 12 + 2);
    tag[0] = '"';
    tag[1] = 'h';
    for (int i = 0; i < 12; i++) {
        tag[2 + 2 * i] = hex[d[i] >> 4];
        tag[3 + 2 * i] = hex[d[i] & 15];
    }
    tag[26] = '"';
    tag[27] = '\0';
    return tag;
}

void rm_set_etag(rm_ctx *ctx, const orm_instance *inst, const rm_sb *body)
{
    rm_response_header(ctx->resp, ctx->a, "ETag", rm_etag(ctx, inst, body->buf, body->len));
}

/* One entity-tag ([W/]"etagc*", RFC 9110 §8.8.3) at p: its end, or NULL. */
static const char *entity_tag_end(const char *p)
{
    if (!strncmp(p, "W/", 2)) p += 2;
    if (*p != '"') return NULL;
    for (p++; *p != '"'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x21 || c == 0x7f) return NULL; /* etagc: %x21 / %x23-7E / obs-text */
    }
    return p + 1;
}

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

/* Walk "*" or a comma list of entity tags; with etag, say whether one
 * matches. 1 match, 0 none, -1 malformed. */
static int walk_tags(const char *header, const char *etag, bool weak)
{
    const char *p = skip_ows(header);
    if (*p == '*') return *skip_ows(p + 1) ? -1 : 1;
    int found = 0;
    bool any = false;
    while (*p) {
        if (*p == ',') { /* empty list elements are allowed (#rule) */
            p = skip_ows(p + 1);
            continue;
        }
        const char *end = entity_tag_end(p);
        if (!end) return -1;
        bool is_weak = *p == 'W';
        const char *tag = p + (is_weak ? 2 : 0);
        size_t n = (size_t)(end - tag);
        if (etag && (weak || !is_weak) && n == strlen(etag) && !strncmp(tag, etag, n)) found = 1;
        any = true;
        p = skip_ows(end);
        if (*p && *p != ',') return -1;
    }
    return any ? found : -1;
}

bool rm_etag_list_valid(const char *header) { return walk_tags(header, NULL, false) >= 0; }

bool rm_etag_matches(const char *header, const char *etag, bool weak)
{
    return walk_tags(header, etag, weak) == 1;
}

int rm_check_if_match(orm_session *s, rm_ctx *ctx, const orm_mapper *m, orm_instance *inst)
{
    const char *if_match = rm_request_header(ctx->req, "If-Match");
    if (!if_match) return 0;
    rm_include def;
    rm_default_include(ctx, m, &def);
    rm_proxy_includes(ctx, m, NULL, &def);
    if (!inst->mapper->version_col) { /* the hash covers the default representation */
        int rc = orm_load_related(s, &inst, 1, def.nodes, def.n);
        if (rc) return rc;
    }
    rm_sb sb;
    rm_sb_init(&sb, ctx->a);
    rm_write_instance(&sb, inst, def.nodes, def.n, NULL, &def);
    const char *etag = rm_etag(ctx, inst, sb.buf, sb.len);
    if (!rm_etag_matches(if_match, etag, false))
        return orm_error_set(&ctx->err, ORM_E_PRECONDITION,
                             "If-Match: the object has changed (its ETag is now %s)", etag);
    return 0;
}

int rm_check_if_match_none(rm_ctx *ctx)
{
    const char *if_match = rm_request_header(ctx->req, "If-Match");
    if (!if_match || *skip_ows(if_match) == '*') return 0; /* syntax checked by the router */
    return orm_error_set(&ctx->err, ORM_E_PRECONDITION,
                         "If-Match: this request changes no existing representation to compare; "
                         "only \"*\" can match");
}
