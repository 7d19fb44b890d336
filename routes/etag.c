/* etag.c: entity tags for single objects (SPEC §3, docs/decisions.md
 * "ETag"). A tag names the bytes of the representation it comes with, so
 * it changes whenever they do: "v<version>" when the entity has a version
 * column and the representation is the row alone (nothing embedded, no
 * fields, no _count, no association proxy, no aggregate computed from other
 * rows); otherwise a fingerprint (lib/digest.h: XXH3-128, its first 96 bits)
 * of the JSON, "v<version>-h<hex>" with a version column (a change of a
 * deferred or hidden column changes it too), "h<hex>" without. Tags are
 * strong. If-None-Match compares weakly (W/ ignored), If-Match strongly
 * (lib/etag.h; a malformed list is 400 before the request runs). Every
 * write route checks If-Match here: against the object as GET of the same
 * URI answers it (its include and fields), or the parent whose collection
 * it changes as GET answers it by default; a write with no representation
 * to compare (a create, a batch) matches only "*". */
#include <stdio.h>
#include <string.h>

#include "lib/digest.h"
#include "orm/computed.h"
#include "routes/routes_int.h"

/* Whether inst's version alone decides its representation written with
 * inc and fields: nothing else shows (the _links depend on the role only). */
static bool version_decides(const orm_instance *inst, const rm_include *inc, rm_fields fields)
{
    if (fields || (inc && (inc->n || inc->ncounts))) return false;
    for (const orm_mapper *m = inst->mapper; m; m = m->inherits)
        if (m->nproxies) return false;
    const orm_table *t = inst->mapper->table;
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_computed *c = t->columns[i].computed;
        if (c && c->kind != ORM_COMPUTED_EXPR) return false; /* an aggregate of other rows */
    }
    return true;
}

const char *rm_etag(rm_ctx *ctx, const orm_instance *inst, const rm_include *inc, rm_fields fields,
                    const char *json, size_t len)
{
    const orm_column *vc = inst->mapper->version_col;
    bool versioned = vc && inst->row[vc->index].kind == ORM_V_INT;
    long long version = versioned ? (long long)inst->row[vc->index].u.i : 0;
    if (versioned && version_decides(inst, inc, fields)) return rm_arena_sprintf(ctx->a, "\"v%lld\"", version);
    unsigned char d[RM_FINGERPRINT_LEN];
    rm_fingerprint(json, len, d);
    static const char hex[] = "0123456789abcdef";
    char h[2 * 12 + 1];
    for (int i = 0; i < 12; i++) {
        h[2 * i] = hex[d[i] >> 4];
        h[2 * i + 1] = hex[d[i] & 15];
    }
    h[24] = '\0';
    return versioned ? rm_arena_sprintf(ctx->a, "\"v%lld-h%s\"", version, h)
                     : rm_arena_sprintf(ctx->a, "\"h%s\"", h);
}

int rm_check_if_match(orm_session *s, rm_ctx *ctx, const orm_mapper *m, orm_instance *inst, bool own)
{
    const char *if_match = rm_request_header(ctx->req, "If-Match");
    if (!if_match) return 0;
    rm_include view;
    bool *fields = NULL;
    if (own) { /* already parsed once without error: the same answer again */
        int rc = rm_parse_object_params(ctx, m, &view, &fields);
        if (rc) return rc;
    } else {
        rm_default_include(ctx, m, &view);
        rm_proxy_includes(ctx, m, NULL, &view);
    }
    rm_sb sb;
    rm_sb_init(&sb, ctx->a);
    if (!inst->mapper->version_col || !version_decides(inst, &view, fields)) {
        int rc = orm_load_related(s, &inst, 1, view.nodes, view.n); /* the tag covers them */
        if (rc) return rc;
        rm_write_instance(&sb, inst, view.nodes, view.n, fields, &view);
    }
    const char *etag = rm_etag(ctx, inst, &view, fields, sb.buf, sb.len);
    if (!rm_etag_matches(if_match, etag, false))
        return orm_error_set(&ctx->err, ORM_E_PRECONDITION,
                             "If-Match: the object has changed (its ETag is now %s)", etag);
    return 0;
}

int rm_check_if_match_none(rm_ctx *ctx)
{
    const char *if_match = rm_request_header(ctx->req, "If-Match");
    if (!if_match || *rm_skip_ows(if_match) == '*') return 0; /* syntax checked by the router */
    return orm_error_set(&ctx->err, ORM_E_PRECONDITION,
                         "If-Match: this request changes no existing representation to compare; "
                         "only \"*\" can match");
}
