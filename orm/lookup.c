/* lookup.c: rows by the values of one column, chunked IN lists (see
 * lookup.h). */
#include "orm/lookup.h"

#include <string.h>

#include "orm/engine.h"

int orm_lookup_in(orm_session *s, const orm_mapper *m, const orm_column *c, const orm_value *values, size_t n,
                  orm_loaded *out)
{
    memset(out, 0, sizeof *out);
    size_t chunk = ORM_SELECTIN_CHUNK, max = (size_t)orm_engine_dialect(s->engine)->max_params;
    if (max / 2 < chunk) chunk = max / 2; /* room for the scope's own parameters */
    if (n > chunk) orm_session_last(s, false); /* a statement per chunk */
    for (size_t from = 0; from < n; from += chunk) {
        size_t k = n - from < chunk ? n - from : chunk, padded = 1;
        while (padded < k) padded *= 2; /* few distinct statements for the statement cache */
        if (padded > chunk) padded = k;
        orm_expr **items = RM_NEW_ARRAY(s->arena, orm_expr *, padded);
        for (size_t i = 0; i < padded; i++) items[i] = orm_expr_param(s->arena, values[from + (i < k ? i : k - 1)], c);
        orm_query q;
        orm_query_init(&q, m, s->scope);
        q.where = orm_expr_binary(s->arena, ORM_OP_IN, orm_expr_column(s->arena, 0, c),
                                  orm_expr_list(s->arena, items, padded));
        orm_loaded got;
        int rc = orm_load_query(s, &q, NULL, 0, &got);
        if (rc) return rc;
        out->items = rm_arena_realloc(s->arena, out->items, out->n * sizeof *out->items,
                                      (out->n + got.n) * sizeof *out->items);
        if (got.n) memcpy(out->items + out->n, got.items, got.n * sizeof *got.items);
        out->n += got.n;
    }
    return 0;
}
