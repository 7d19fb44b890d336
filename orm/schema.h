/* schema.h: the registry of everything loaded from schema files: tables in
 * dependency order and mappers (after SQLAlchemy's MetaData + registry).
 *
 * orm_schema_load() reads a file or a directory of *.json files (merged),
 * builds metadata and mappers, and resolves them: foreign keys, relationship
 * directions and join paths, back_populates pairs. Every error names the
 * file, the entity (or table) and the key. The schema owns its arena and the
 * parsed JSON; it is immutable afterwards and shared by all threads. */
#ifndef ORM_SCHEMA_H
#define ORM_SCHEMA_H

#include <jansson.h>

#include "lib/strmap.h"
#include "orm/error.h"
#include "orm/mapper.h"

typedef struct orm_schema {
    rm_arena *arena;
    json_t *docs;                 /* the parsed files (kept: relationships borrow from them) */
    orm_table **tables;           /* dependency order: referenced tables first */
    size_t ntables;
    orm_mapper **mappers;         /* declaration order */
    size_t nmappers;
    rm_strmap tables_by_name;
    rm_strmap mappers_by_name;
    rm_strmap mappers_by_resource;
} orm_schema;

/* Load and resolve. path is a .json file or a directory of them.
 * On error returns ORM_E_SCHEMA with err->detail like
 * "schemas/blog.json: entity User: columns.name.type: unknown type 'strin'". */
int orm_schema_load(const char *path, orm_schema **out, orm_error *err);
/* Same, from JSON text already in memory (source names it in messages). */
int orm_schema_load_string(const char *text, const char *source, orm_schema **out, orm_error *err);
void orm_schema_free(orm_schema *s);

orm_table *orm_schema_table(const orm_schema *s, const char *name);
orm_mapper *orm_schema_mapper(const orm_schema *s, const char *entity);
orm_mapper *orm_schema_resource(const orm_schema *s, const char *resource);

/* Default table name for an entity: snake_case, pluralised
 * (Address → addresses, BlogPost → blog_posts, Category → categories). */
char *orm_default_table_name(rm_arena *a, const char *entity);

#endif
