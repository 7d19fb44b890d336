/* param_errors.c: where an error about a list parameter points (SPEC §4,
 * §10 E): the one place the pointer of a parameter is made, for params.c,
 * include.c and every other parser of list parameters. */
#include <stdarg.h>

#include "routes/routes_int.h"

const char *rm_param_pointer(rm_ctx *ctx, const char *param)
{
    return rm_arena_sprintf(ctx->a, "%s/%s", ctx->param_at ? ctx->param_at : "/query", param);
}

int rm_bad_param(rm_ctx *ctx, const char *param, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = rm_arena_vsprintf(ctx->a, fmt, ap);
    va_end(ap);
    orm_error_field(&ctx->err, ORM_E_INVALID, rm_param_pointer(ctx, param), "%s", msg);
    return ORM_E_INVALID;
}
