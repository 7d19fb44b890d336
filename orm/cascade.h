/* cascade.h: deleting a mapped row the way SQLAlchemy's unit of work does:
 * for every one-to-many relationship of its mapper (inherited ones too),
 * children are deleted first when the relationship cascades "delete",
 * otherwise their foreign key is set to NULL (a NOT NULL foreign key makes
 * that a conflict: ORM_E_CONFLICT, and the caller rolls back); association
 * rows of many-to-many relationships are deleted; then the row itself. */
#ifndef ORM_CASCADE_H
#define ORM_CASCADE_H

#include "orm/query.h"

/* Delete the row of m with key pk and what its cascades reach.
 * ORM_E_NOT_FOUND when no such row. */
int orm_delete_cascade(orm_session *s, const orm_mapper *m, const orm_value *pk);

#endif
