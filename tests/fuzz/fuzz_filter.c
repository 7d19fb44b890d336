/* fuzz_filter.c: libFuzzer harness for the filter parser and the SQL
 * compiler. Input: one byte choosing the blog resource, then filter JSON.
 * Invariants checked: no crash or sanitizer report; a filter that parses
 * compiles; the compiled text has exactly one placeholder per parameter;
 * a rejected filter carries one error whose pointer starts with /filter;
 * compiled through a dialect with a compiled cache (orm/compile_cache.h),
 * kept across inputs, it gives the same text and parameters.
 * `make fuzz` runs it for a bounded time; `make test` runs a short smoke. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm/compile.h"
#include "orm/compile_cache.h"
#include "orm/filter.h"
#include "orm/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static orm_schema *schema;
static orm_dialect cached; /* the SQLite dialect with a cache that lives as long as the schema */

static void load_schema(void)
{
    orm_error err;
    orm_error_init(&err, NULL);
    /* the keys routes/ reads itself (resource options) are let through */
    static const char *const app_keys[] = {"resource", "methods", "page_size", "max_page_size", "permissions",
                                           "row_filter", NULL};
    const char *path = getenv("RESTMAP_FUZZ_SCHEMA");
    orm_schema_options opt = {.path = path ? path : "schemas/blog.json", .entity_keys = app_keys};
    if (orm_schema_load_opts(&opt, &schema, &err)) {
        fprintf(stderr, "fuzz_filter: %s\n", err.detail);
        abort();
    }
    cached = orm_dialect_sqlite;
    cached.cache = orm_compile_cache_new(64, 0);
}

static size_t count_placeholders(const char *sql)
{
    size_t n = 0;
    bool in_string = false;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'') in_string = !in_string;
        else if (!in_string && *p == '?') n++;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!schema) load_schema();
    if (size < 1) return 0;
    const orm_mapper *m = schema->mappers[data[0] % schema->nmappers];
    json_error_t jerr;
    json_t *j = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, &jerr);
    if (!j) return 0;
    rm_arena *a = rm_arena_new();
    orm_error err;
    orm_error_init(&err, a);
    orm_alias_seq seq = {.next = 1};
    orm_expr *e = NULL;
    int rc = orm_filter_parse(a, m, j, 0, &seq, "/filter", &e, &err);
    if (rc) {
        if (rc != ORM_E_INVALID || err.nfields != 1 || strncmp(err.fields[0].pointer, "/filter", 7))
            abort();
    } else {
        orm_select s = {.from = m->table, .where = e};
        orm_compiled c;
        if (orm_compile_select(&orm_dialect_sqlite, &s, a, &c, &err)) abort();
        if (count_placeholders(c.sql) != c.nparams) abort();
        orm_compiled k;
        if (orm_compile_select(&cached, &s, a, &k, &err) || strcmp(k.sql, c.sql) || k.nparams != c.nparams) abort();
        for (size_t i = 0; i < c.nparams; i++)
            if (k.params[i].kind != c.params[i].kind || !orm_value_eq(&k.params[i], &c.params[i]) ||
                k.param_columns[i] != c.param_columns[i])
                abort();
    }
    json_decref(j);
    rm_arena_destroy(a);
    return 0;
}
