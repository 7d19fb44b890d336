/* etag.c: entity tags for single objects (SPEC §3): "v<version>" from the
 * version column when the entity has one, else a hash of the object's JSON
 * as GET answers it by default. If-None-Match compares weakly (W/ ignored),
 * If-Match strongly; both take a list and "*". */
#include <stdio.h>
#include <string.h>

#include "lib/sha256.h"
#include "routes/routes_int.h"

const char *rm_etag(rm_ctx *ctx, const orm_instance *inst, const char *json, size_t len)
{
    const orm_column *vc = inst->mapper->version_col;
    if (vc && inst->row[vc->index].kind == ORM_V_INT)
        return rm_arena_sprintf(ctx->a, "\"v%lld\"", (long long)inst->row[vc->index].u.i);
    unsigned char d[RM_SHA256_LEN];
    rm_sha256(json, len, d);
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

bool rm_etag_matches(const char *header, const char *etag, bool weak)
{
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        if (*p == '*') return true;
        bool is_weak = !strncmp(p, "W/", 2);
        if (is_weak) p += 2;
        if (*p != '"') return false; /* malformed: matches nothing */
        const char *end = strchr(p + 1, '"');
        if (!end) return false;
        size_t n = (size_t)(end - p + 1);
        if ((weak || !is_weak) && n == strlen(etag) && !strncmp(p, etag, n)) return true;
        p = end + 1;
    }
    return false;
}
