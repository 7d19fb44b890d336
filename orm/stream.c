/* stream.c: a query's objects in keyset batches; see stream.h. */
#include "orm/stream.h"

#include "orm/uow.h"

typedef struct stream {
    orm_session *s;
    orm_query q;              /* the caller's query: every batch starts from it */
    size_t per;
    const orm_include *inc;
    size_t ninc;
    rm_arena *cursor[2];      /* the last row's sort values, and the next's (ping-pong) */
    orm_value *after;         /* NULL before the first batch */
} stream;

/* Load the next batch into the session (its arena and map the batch's own).
 * got->n < per: it is the last. */
static int next_batch(stream *st, int64_t left, orm_loaded *got)
{
    orm_session *s = st->s;
    orm_query bq = st->q;
    bq.limit = left >= 0 && (uint64_t)left < st->per ? left : (int64_t)st->per;
    if (st->after) {
        bq.offset = 0;
        orm_query_after(&bq, s->arena, st->after);
        bq.after = orm_expr_and(s->arena, st->q.after, bq.after);
    }
    return orm_load_query(s, &bq, st->inc, st->ninc, got);
}

/* Keep the sort values of the batch's last row past the batch's arena. */
static void remember(stream *st, const orm_instance *last)
{
    size_t n;
    orm_query_effective_order(&st->q, st->s->arena, &n);
    orm_value *vals = RM_NEW_ARRAY(st->s->arena, orm_value, n);
    orm_query_sort_values(&st->q, st->s->arena, last->row, last->extra, vals);
    rm_arena *keep = st->cursor[0];
    st->cursor[0] = st->cursor[1];
    st->cursor[1] = keep;
    rm_arena_reset(keep);
    st->after = RM_NEW_ARRAY(keep, orm_value, n);
    for (size_t i = 0; i < n; i++) st->after[i] = orm_value_copy(keep, vals[i]);
}

int orm_stream_query(orm_session *s, const orm_query *q, size_t per, const orm_include *inc,
                     size_t ninc, orm_stream_fn fn, void *ud)
{
    if (!per) return orm_error_set(s->err, ORM_E_INTERNAL, "a stream needs a batch size");
    orm_uow *u = orm_session_uow(s); /* in the session's arena: it outlives the batches */
    size_t pending = u->nobjs;
    rm_arena *own = s->arena, *batch = rm_arena_new();
    orm_identity_map map = s->map;
    stream st = {s, *q, per, inc, ninc, {rm_arena_new(), rm_arena_new()}, NULL};
    int64_t left = q->limit; /* < 0: no limit */
    int rc = 0;
    while (left != 0) {
        rm_arena_reset(batch);
        s->arena = batch;
        orm_identity_map_init(&s->map, batch, s->write); /* tracked as the session tracks */
        orm_loaded got;
        if ((rc = next_batch(&st, left, &got)) || !got.n) break;
        remember(&st, got.items[got.n - 1]);
        if ((rc = fn(s, got.items, got.n, ud))) break;
        if (u->nobjs > pending) {
            rc = orm_error_set(s->err, ORM_E_INTERNAL, "a streamed batch was changed and not flushed");
            break;
        }
        if (got.n < per) break;
        if (left > 0) left -= (int64_t)got.n;
    }
    s->arena = own;
    s->map = map;
    rm_arena_destroy(batch);
    rm_arena_destroy(st.cursor[0]);
    rm_arena_destroy(st.cursor[1]);
    return rc;
}
