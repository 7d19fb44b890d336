/* stream.h: a query's objects a batch at a time (SQLAlchemy's
 * Query.yield_per): a large result read as tracked instances without
 * holding all of them at once.
 *
 * Each batch is one statement of the query, the rows after the last row
 * of the batch before in the query's effective order (a keyset, as
 * orm_query_after: the primary key ends every order, so no row is read
 * twice or missed); its include tree is loaded on it as orm_load_query
 * does. While a batch is current its instances are in the session's
 * identity map and everything it allocates is in an arena of its own;
 * both are let go when the callback returns (SQLAlchemy's weak identity
 * map dropping the objects of a batch nobody keeps), and the session's
 * own arena and map are back when the stream ends. */
#ifndef ORM_STREAM_H
#define ORM_STREAM_H

#include "orm/loading.h"

/* Called with each batch (n > 0 instances, in the query's order). The
 * instances, and whatever fn allocates in s->arena, last until fn returns:
 * fn may change them through the unit of work (orm_session_uow) but must
 * flush before returning. Returns 0 to go on, or an orm_code (err set) to
 * stop the stream with that code. */
typedef int (*orm_stream_fn)(orm_session *s, orm_instance **batch, size_t n, void *ud);

/* Run q in batches of at most per rows (per > 0) inside the session's
 * running unit and call fn on each. q's limit bounds the rows of the whole
 * stream and its offset is skipped once, before the first batch; its
 * `after` (a cursor) stays in every batch's condition. Returns 0, fn's
 * code, or an orm_code of the loading (err set); ORM_E_INTERNAL when fn
 * left changes unflushed. */
int orm_stream_query(orm_session *s, const orm_query *q, size_t per, const orm_include *inc,
                     size_t ninc, orm_stream_fn fn, void *ud);

#endif
