/* metadata.c: type names and table look-ups; see metadata.h. */
#include "orm/metadata.h"

#include <string.h>

#include "lib/names.h"

RM_ENUM_NAMES(orm_type_name, orm_type, ORM_TYPES)

int orm_type_parse(const char *name, orm_type *out)
{
    for (int i = 0; i < ORM_T__COUNT; i++)
        if (strcmp(orm_type_name((orm_type)i), name) == 0) {
            *out = (orm_type)i;
            return 0;
        }
    return -1;
}

orm_vkind orm_type_storage(orm_type t)
{
    switch (t) {
    case ORM_T_INTEGER:
    case ORM_T_BIGINT:
    case ORM_T_BOOLEAN: return ORM_V_INT;
    case ORM_T_FLOAT: return ORM_V_FLOAT;
    default: return ORM_V_TEXT;
    }
}

orm_column *orm_table_column(const orm_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncolumns; i++)
        if (strcmp(t->columns[i].name, name) == 0) return &t->columns[i];
    return NULL;
}

orm_column *orm_table_stored(const orm_table *t, const orm_column *c)
{
    if (!t->levels) return c->table == t ? &t->columns[c->index] : NULL;
    for (size_t i = 0; i < t->ncolumns; i++)
        if (t->columns[i].storage == c) return &t->columns[i];
    const orm_table *lt = c->table;
    for (size_t p = 0; c->primary_key && lt->span == t && p < lt->npk && p < t->npk; p++)
        if (lt->pk[p] == c) return t->pk[p];
    return NULL;
}
