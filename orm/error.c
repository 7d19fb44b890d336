/* error.c: filling orm_error records; see error.h. */
#include "orm/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void orm_error_init(orm_error *e, rm_arena *arena)
{
    memset(e, 0, sizeof *e);
    e->arena = arena;
}

int orm_error_set(orm_error *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
    e->code = code;
    return code;
}

void orm_error_internal(orm_error *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->internal, sizeof e->internal, fmt, ap);
    va_end(ap);
}

void orm_error_conflict(orm_error *e, const char *table, size_t ntable, const char *columns, size_t ncolumns)
{
    snprintf(e->conflict_table, sizeof e->conflict_table, "%.*s", (int)ntable, table);
    snprintf(e->conflict_columns, sizeof e->conflict_columns, "%.*s", (int)ncolumns, columns);
}

void orm_error_field(orm_error *e, int code, const char *pointer, const char *fmt, ...)
{
    if (code == ORM_E_INVALID || e->code != ORM_E_INVALID) e->code = code;
    size_t *count = code == ORM_E_INVALID ? &e->ninvalid : &e->nvalidation;
    if (++*count > ORM_ERROR_KEEP || !e->arena) return;
    if (e->nfields == e->capfields) {
        size_t ncap = e->capfields ? e->capfields * 2 : 8;
        e->fields = rm_arena_realloc(e->arena, e->fields, e->capfields * sizeof *e->fields,
                                     ncap * sizeof *e->fields);
        e->capfields = ncap;
    }
    va_list ap;
    va_start(ap, fmt);
    orm_field_error *f = &e->fields[e->nfields++];
    f->code = code;
    f->pointer = rm_arena_strdup(e->arena, pointer);
    f->message = rm_arena_vsprintf(e->arena, fmt, ap);
    va_end(ap);
}

const char *orm_code_name(int code)
{
    switch (code) {
    case ORM_OK: return "ok";
    case ORM_E_INVALID: return "invalid";
    case ORM_E_VALIDATION: return "validation";
    case ORM_E_NOT_FOUND: return "not found";
    case ORM_E_CONFLICT: return "conflict";
    case ORM_E_STALE: return "stale data";
    case ORM_E_BUSY: return "busy";
    case ORM_E_UNAVAILABLE: return "unavailable";
    case ORM_E_INTERNAL: return "internal";
    case ORM_E_SCHEMA: return "schema";
    case ORM_E_CONFIG: return "config";
    case ORM_E_TIMEOUT: return "timeout";
    case ORM_E_PRECONDITION: return "precondition failed";
    case ORM_E_TOO_LARGE: return "too large";
    case ORM_E_FORBIDDEN: return "forbidden";
    }
    return "unknown";
}

size_t orm_error_count(const orm_error *e) { return e->ninvalid + e->nvalidation; }

size_t orm_error_count_code(const orm_error *e, int code)
{
    return code == ORM_E_INVALID ? e->ninvalid : code == ORM_E_VALIDATION ? e->nvalidation : 0;
}
