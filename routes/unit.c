/* unit.c: how a handler runs its database work: as one unit of work in a
 * transaction of its own, or, inside POST /api/_batch, as part of the
 * batch's running unit (see rm_run in routes_int.h). */
#include "routes/routes_int.h"

int rm_run(rm_ctx *ctx, bool write, orm_unit_fn fn, void *ud)
{
    if (ctx->outer) return orm_session_nested(ctx->outer, fn, ud);
    return orm_session_run(&ctx->session, write, fn, ud);
}
