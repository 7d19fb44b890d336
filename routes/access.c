/* access.c: a role's permissions and row filter, the one place they are
 * decided (SPEC §6). With access control on (--jwt-secret) every request
 * gets a scope from its principal (auth.c) before routing: the ORM then
 * hides the resources the role may not read from filters, sort paths,
 * include and nested writes, and ANDs each resource's row filter (unless
 * the role is exempt) into every statement that names its rows, and checks
 * the rows a write leaves (orm/scope.h). The router asks rm_require for
 * the method's permission before a handler runs; GET /api, _links, include
 * and OpenAPI ask rm_may. Without access control there is no scope and
 * every role may do everything. */
#include <string.h>

#include "routes/routes_int.h"

static bool access_on(const rm_ctx *ctx) { return ctx->app->cfg.secret != NULL; }

static const char *role_of(const rm_ctx *ctx) { return ctx->who && ctx->who->role ? ctx->who->role : "anonymous"; }

/* The permissions the request's role holds on r. A resource without
 * "permissions" is open to every role. */
static unsigned perms_of(const rm_ctx *ctx, const rm_resource *r)
{
    if (!access_on(ctx) || !r->has_permissions) return RM_PERM_ALL;
    const char *role = role_of(ctx);
    for (size_t i = 0; i < r->ngrants; i++)
        if (!strcmp(r->grants[i].role, role)) return r->grants[i].perms;
    return 0;
}

bool rm_may(const rm_ctx *ctx, const rm_resource *r, unsigned perm) { return (perms_of(ctx, r) & perm) == perm; }

int rm_require(rm_ctx *ctx, const rm_resource *r, unsigned perm)
{
    if (rm_may(ctx, r, perm)) return 0;
    if (!ctx->who || !ctx->who->token)
        return rm_refuse_unauthenticated(ctx, "this request needs a bearer token");
    return rm_refuse(ctx, 403, "your role may not do this here");
}

/* ---- the request's scope ---------------------------------------------------------- */

static const rm_ctx *ctx_of(const orm_scope *sc) { return sc->ud; }

static bool scope_visible(const orm_scope *sc, const orm_mapper *m)
{
    return rm_may(ctx_of(sc), rm_resource_of(m), RM_PERM_READ);
}

static const orm_template *scope_criterion(const orm_scope *sc, const orm_mapper *m)
{
    const rm_resource *r = rm_resource_of(m);
    if (!r->row_criterion.expr) return NULL;
    const char *role = role_of(ctx_of(sc));
    for (size_t i = 0; i < r->nexempt; i++)
        if (!strcmp(r->exempt[i], role)) return NULL;
    return &r->row_criterion;
}

static const json_t *scope_claim(const orm_scope *sc, const char *name)
{
    const rm_ctx *ctx = ctx_of(sc);
    return ctx->who && ctx->who->claims ? json_object_get(ctx->who->claims, name) : NULL;
}

void rm_access_begin(rm_ctx *ctx)
{
    if (!access_on(ctx)) return;
    ctx->scope = (orm_scope){.visible = scope_visible, .criterion = scope_criterion, .claim = scope_claim, .ud = ctx};
    ctx->session.scope = &ctx->scope;
}

const orm_relationship *rm_relationship(const rm_ctx *ctx, const orm_mapper *m, const char *name)
{
    return orm_scope_relationship(ctx->session.scope, m, name);
}
