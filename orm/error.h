/* error.h: the ORM's error record (after libgit2's error + code pattern).
 *
 * Functions that can fail return 0 or a negative orm_code and fill the
 * orm_error passed last. The caller (routes/) maps the code to an HTTP
 * status in one table; the ORM knows nothing of HTTP. Field errors carry a
 * JSON pointer into the input (body, filter, query) and their own code,
 * ORM_E_INVALID (malformed: wrong type, unknown key) or ORM_E_VALIDATION
 * (well-formed but not allowed: length, choices, nullable...). There is no
 * global "last error": each request carries its own record. */
#ifndef ORM_ERROR_H
#define ORM_ERROR_H

#include <stddef.h>

#include "lib/arena.h"

typedef enum orm_code {
    ORM_OK = 0,
    ORM_E_INVALID = -1,     /* malformed input */
    ORM_E_VALIDATION = -2,  /* input well-formed but violates a column rule */
    ORM_E_NOT_FOUND = -3,   /* no such row */
    ORM_E_CONFLICT = -4,    /* unique / foreign-key violation */
    ORM_E_STALE = -5,       /* versioned row changed underneath */
    ORM_E_BUSY = -6,        /* database locked past the retry budget */
    ORM_E_UNAVAILABLE = -7, /* database unreachable */
    ORM_E_INTERNAL = -8,    /* bug or unexpected driver error */
    ORM_E_SCHEMA = -9,      /* bad schema file (start-up) */
    ORM_E_CONFIG = -10,     /* bad option or URL (start-up) */
    ORM_E_TIMEOUT = -11,    /* statement ran past the statement timeout */
    ORM_E_PRECONDITION = -12, /* the caller's expectation of the current state failed */
    ORM_E_TOO_LARGE = -13,  /* the request asks for more work than one request may do */
    ORM_E_FORBIDDEN = -14   /* a write would leave a row outside what the request may see */
} orm_code;

typedef struct orm_field_error {
    int code;            /* ORM_E_INVALID or ORM_E_VALIDATION (ORM_E_CONFLICT: a 409's place) */
    const char *pointer; /* JSON pointer, e.g. "/addresses/0/email_address" */
    const char *message;
} orm_field_error;

typedef struct orm_error {
    int code;               /* 0 or an orm_code */
    char detail[512];       /* safe to show to a client */
    char internal[512];     /* logged only (driver messages, SQL) */
    rm_arena *arena;        /* field errors live here; may be NULL (no fields kept) */
    orm_field_error *fields;   /* the first ORM_ERROR_KEEP of each code */
    size_t nfields, capfields;
    size_t ninvalid, nvalidation; /* every field error reported, kept or not */
    /* a unique violation's SQL table and its columns ("a,b") as the driver
     * names them, or "": where routes/ can point a 409 */
    char conflict_table[64];
    char conflict_columns[160];
} orm_error;

/* Field errors kept per code: a body of 100,000 bad objects answers the
 * first ones and the total, not a list as long as the body. */
#define ORM_ERROR_KEEP 100

/* Fresh record whose field errors go into arena (NULL: fields dropped). */
void orm_error_init(orm_error *e, rm_arena *arena);
/* Set code and client-visible detail; returns code for `return orm_error_set(...)`. */
int orm_error_set(orm_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Record a unique violation's table and columns (copied, cut to fit). */
void orm_error_conflict(orm_error *e, const char *table, size_t ntable, const char *columns, size_t ncolumns);
/* Set the log-only text (driver message, SQL). */
void orm_error_internal(orm_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append a field error. The record's code becomes ORM_E_INVALID if any field
 * error is INVALID, else ORM_E_VALIDATION. Pointer is copied. */
void orm_error_field(orm_error *e, int code, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Field errors reported so far (all of them, beyond those kept). */
size_t orm_error_count(const orm_error *e);
/* Field errors reported with code (ORM_E_INVALID or ORM_E_VALIDATION). */
size_t orm_error_count_code(const orm_error *e, int code);
/* Human name of a code ("conflict", ...). */
const char *orm_code_name(int code);

#endif
