/* compile.h: statements → SQL text + bound parameters, through a dialect
 * (SQLAlchemy's compiler). Values never enter the text: every PARAM becomes
 * a placeholder and its value is appended to `params`; identifiers come from
 * the schema only. Statements of the same shape compile to the same text,
 * whatever their values, so the per-connection statement cache hits.
 * With the dialect's compiled cache (compile_cache.h) every statement is
 * looked up there first: a hit is bound, not printed, and what it returns
 * (text, columns, an INSERT's parameters: its own values array) lives as
 * long as the arena given and the statement's values. */
#ifndef ORM_COMPILE_H
#define ORM_COMPILE_H

#include "orm/dialect.h"
#include "orm/error.h"
#include "orm/stmt.h"

typedef struct orm_compiled {
    const char *sql;                     /* arena text */
    size_t sql_len;
    orm_value *params;                   /* bound in order: placeholder n is params[n-1] */
    const orm_column **param_columns;    /* column each parameter is compared with, or NULL */
    size_t nparams;
    const orm_column **result_columns;   /* what each result column is (NULL: computed) */
    size_t nresult;
    bool returns_rows;
    bool is_query;                       /* a SELECT: its rows count toward a request's read budget */
    uint64_t shape_id;                   /* the compiled-cache entry sql came from (its id, which no
                                            other text ever has), or 0: drivers may find their
                                            prepared statement by it instead of by the text */
} orm_compiled;

/* Each returns 0, or ORM_E_INTERNAL (statement too large / malformed tree).
 * Everything in *out lives in arena a. */
int orm_compile_select(const orm_dialect *d, const orm_select *s, rm_arena *a,
                       orm_compiled *out, orm_error *err);
int orm_compile_insert(const orm_dialect *d, const orm_insert *s, rm_arena *a,
                       orm_compiled *out, orm_error *err);
int orm_compile_update(const orm_dialect *d, const orm_update *s, rm_arena *a,
                       orm_compiled *out, orm_error *err);
int orm_compile_delete(const orm_dialect *d, const orm_delete *s, rm_arena *a,
                       orm_compiled *out, orm_error *err);
struct orm_cache_key;

/* Statements keyed by their spec (cache_key.h, orm_cache_key_spec): the
 * statement of spec compiled before, bound to spec's values, in *out
 * (its parameters may be spec's own array, kept by the caller as long as
 * out): true, with no tree built; false (no cache, or not compiled yet).
 * Then the caller builds the tree and compiles it with orm_compile_*_as,
 * which stores it under spec (when its tree's walk meets spec's values
 * first, in order). */
bool orm_compile_find(const orm_dialect *d, const struct orm_cache_key *spec, rm_arena *a, orm_compiled *out);
int orm_compile_select_as(const orm_dialect *d, const struct orm_cache_key *spec, const orm_select *s, rm_arena *a,
                          orm_compiled *out, orm_error *err);
int orm_compile_update_as(const orm_dialect *d, const struct orm_cache_key *spec, const orm_update *s, rm_arena *a,
                          orm_compiled *out, orm_error *err);

/* Plain text with no parameters (BEGIN, pragmas, DDL). */
void orm_compiled_text(orm_compiled *out, const char *sql);

/* A condition over one table's own columns (a CHECK constraint) as DDL
 * text: columns unqualified and values written as the dialect's literals
 * (quoted, quotes doubled), since DDL binds no parameters. 0 or
 * ORM_E_INTERNAL; *out lives in arena a. */
int orm_compile_condition(const orm_dialect *d, const orm_expr *e, rm_arena *a, const char **out, orm_error *err);

#endif
