/* key_load.h: the spec of a plain load of one row by primary key (a GET
 * of one object: orm_pk_where, LIMIT 1, no order, no sparse fields,
 * counts or includes, nothing the scope adds, no computed attribute): the
 * compiled cache's key of its statement from the mapper, the deferral and
 * the key alone (cache_key.h, orm_cache_key_spec), so a load of a mapper
 * compiled before builds no select tree (SQLAlchemy's cached Session.get
 * statement). Anything else is not plain and is keyed by its tree
 * (orm/loading.c). */
#ifndef ORM_KEY_LOAD_H
#define ORM_KEY_LOAD_H

#include "orm/cache_key.h"
#include "orm/query.h"

/* The spec key of a plain load: its words and values are its own (the
 * key, then the LIMIT, as the statement binds them). */
typedef struct orm_key_load {
    uint64_t words[2];
    orm_value vals[2];
    orm_cache_key key;
} orm_key_load;

/* Whether q (with ninc includes) is a plain load by key; if so its key in
 * kl->key (kl must stay where it is while the key is used). */
bool orm_key_load_spec(const orm_session *s, const orm_query *q, size_t ninc, orm_key_load *kl);

#endif
