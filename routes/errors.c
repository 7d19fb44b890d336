/* errors.c: the one place where a handler's outcome (an ORM error code or
 * a refusal with an HTTP status, see routes_int.h) becomes an HTTP status
 * and a problem+json body. A 500 logs the internal text (driver message,
 * SQL) with the request id and shows neither. Also where a list
 * parameter's error points (rm_param_pointer). */
#include <stdarg.h>
#include <stdio.h>

#include "lib/problem.h"
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

int rm_status_of(int code)
{
    switch (code) {
    case ORM_E_INVALID: return 400;
    case ORM_E_VALIDATION: return 422;
    case ORM_E_NOT_FOUND: return 404;
    case ORM_E_PRECONDITION: return 412;
    case ORM_E_TOO_LARGE: return 413;
    case ORM_E_FORBIDDEN: return 403;
    case ORM_E_CONFLICT:
    case ORM_E_STALE: return 409;
    case ORM_E_BUSY:
    case ORM_E_UNAVAILABLE:
    case ORM_E_TIMEOUT: return 503;
    default: return 500;
    }
}

/* Answer ctx->err as problem+json (500s log the internal text, never show it). */
static void fail(rm_ctx *ctx)
{
    orm_error *e = &ctx->err;
    int status = rm_status_of(e->code);
    const char *detail = e->detail[0] ? e->detail : NULL;
    if (status >= 500) {
        fprintf(stderr, "restmap: request %s: %s: %s %s\n", ctx->req->id, orm_code_name(e->code),
                e->detail, e->internal);
        if (status == 500) detail = "internal error; the request id identifies it in the server log";
    }
    /* the field errors: those of the code that decided the status, and for
     * a malformed or invalid body both kinds at once (a wrong type in one
     * field hides no other field's error); when both kinds occur each entry
     * says its own status (docs/decisions.md, "Field errors") */
    bool body_kinds = e->code == ORM_E_INVALID || e->code == ORM_E_VALIDATION;
    bool mixed = body_kinds && e->ninvalid && e->nvalidation;
    rm_problem_error *errs = RM_NEW_ARRAY(ctx->a, rm_problem_error, e->nfields + 1);
    int *kinds = mixed ? RM_NEW_ARRAY(ctx->a, int, e->nfields + 1) : NULL;
    size_t n = 0;
    for (size_t i = 0; i < e->nfields && n < ORM_ERROR_KEEP; i++) {
        const orm_field_error *f = &e->fields[i];
        bool shown = f->code == e->code || (body_kinds && (f->code == ORM_E_INVALID || f->code == ORM_E_VALIDATION));
        if (!shown) continue;
        if (kinds) kinds[n] = rm_status_of(f->code);
        errs[n++] = (rm_problem_error){f->pointer, f->message};
    }
    size_t total = body_kinds ? orm_error_count(e) : orm_error_count_code(e, e->code);
    if (!detail && n) detail = total == 1 ? errs[0].message : "the request has invalid fields";
    rm_problem_kinds(ctx->resp, ctx->a, status, detail, errs, kinds, n, total > n ? total : n, ctx->req->id);
}

int rm_refuse(rm_ctx *ctx, int status, const char *detail)
{
    ctx->refusal = detail;
    return status;
}

void rm_answer_outcome(rm_ctx *ctx, int rc)
{
    if (rc > 0) rm_problem(ctx->resp, ctx->a, rc, ctx->refusal, NULL, 0, ctx->req->id);
    else if (rc < 0) fail(ctx);
}
