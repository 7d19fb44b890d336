/* key_load.h: the statement of a plain load of one row by primary key (a
 * GET of one object: orm_pk_where, LIMIT 1, no order, no sparse fields,
 * counts or includes, nothing the scope adds, no computed attribute),
 * compiled once per engine, mapper and deferral and afterwards only bound
 * to the key (SQLAlchemy's cached Session.get statement): no select tree
 * and no cache-key walk per request. Anything else is not plain and takes
 * the general path (orm/loading.c). */
#ifndef ORM_KEY_LOAD_H
#define ORM_KEY_LOAD_H

#include "orm/compile.h"
#include "orm/query.h"

/* The key of a plain load by primary key (key NULL: q is not one). */
typedef struct orm_key_load {
    const orm_value *key;
    unsigned variant;
} orm_key_load;

/* Whether q (with ninc includes) is a plain load by key, in *kl. */
bool orm_key_load_plain(const orm_session *s, const orm_query *q, size_t ninc, orm_key_load *kl);
/* The kept statement of a plain load kl of m bound to its key, in *out
 * (params in s's arena): true; false when none is kept yet. */
bool orm_key_load_find(orm_session *s, const orm_mapper *m, const orm_key_load *kl, orm_compiled *out);
/* Keep c, just compiled for the plain load kl of m (its one parameter
 * compared with the primary key is the key; the others are constants). */
void orm_key_load_keep(orm_session *s, const orm_mapper *m, const orm_key_load *kl, const orm_compiled *c);

#endif
