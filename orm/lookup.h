/* lookup.h: the rows of a mapper whose column holds one of a list of
 * values, in one statement (SQLAlchemy's query.filter(col.in_(values))):
 * what writing an association proxy looks its targets up with. */
#ifndef ORM_LOOKUP_H
#define ORM_LOOKUP_H

#include "orm/loading.h"

/* Load into out (through the identity map, scope applied) the rows of m
 * whose column c equals one of values[0..n): WHERE c IN (...), one
 * statement per ORM_SELECTIN_CHUNK values (and under the dialect's
 * parameter limit), the list padded to a power of two by repeating its
 * last value, as the selectin loader pads its keys. n may be 0 (nothing
 * is run). */
int orm_lookup_in(orm_session *s, const orm_mapper *m, const orm_column *c, const orm_value *values, size_t n,
                  orm_loaded *out);

#endif
