/* schema.h: the registry of everything loaded from schema files: tables in
 * dependency order and mappers (after SQLAlchemy's MetaData + registry).
 *
 * orm_schema_load() reads a file or a directory of *.json files (merged in
 * name order; "*.seed.json" files are seed data and skipped), builds
 * metadata and mappers (schema_load.c), and resolves them (relationship.c):
 * foreign keys, relationship directions and join paths, back_populates
 * pairs. Every error names the file, the entity (or table) and the key. The
 * schema owns its arena and the parsed JSON; it is immutable afterwards and
 * shared by all threads (but for each mapper's info, which its owner sets
 * once before sharing it).
 *
 * An application may give entities keys of its own (routes/: "resource",
 * "methods", ...): it names them in orm_schema_options.entity_keys, the
 * loader lets them through unread, and the application reads them from
 * each mapper's decl with an orm_decl_reader, which checks and reports them
 * as the loader does its own keys. */
#ifndef ORM_SCHEMA_H
#define ORM_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>

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
} orm_schema;

typedef struct orm_schema_options {
    const char *path;                /* a .json file or a directory of them, or: */
    const char *text;                /* JSON text already in memory (when not NULL) ... */
    const char *source;              /* ... named so in messages (NULL: "<string>") */
    /* Entity keys the caller reads itself (NULL-terminated; NULL: none):
     * accepted beside the ORM's own, not interpreted here. */
    const char *const *entity_keys;
} orm_schema_options;

/* Load and resolve. path is a .json file or a directory of them.
 * Returns 0 and *out (free with orm_schema_free), or ORM_E_SCHEMA with
 * *out = NULL and err->detail like
 * "schemas/blog.json: entity User: columns.name.type: unknown type \"strin\"",
 * "schemas/x.json: table post_keywords: columns.post_id.foreign_key: ...",
 * "schemas/x.json: line 3, column 14: invalid JSON: ...". The first error
 * stops loading. */
int orm_schema_load(const char *path, orm_schema **out, orm_error *err);
/* Same, from JSON text already in memory (source names it in messages). */
int orm_schema_load_string(const char *text, const char *source, orm_schema **out, orm_error *err);
/* Either of the above, with the caller's own entity keys. */
int orm_schema_load_opts(const orm_schema_options *opt, orm_schema **out, orm_error *err);
/* Frees everything: strmaps, parsed JSON, the arena (s itself lives in it).
 * NULL is a no-op. */
void orm_schema_free(orm_schema *s);

orm_table *orm_schema_table(const orm_schema *s, const char *name);
orm_mapper *orm_schema_mapper(const orm_schema *s, const char *entity);

/* The most specific mapper for a row loaded through m: under single-table
 * inheritance, the mapper of m's table whose polymorphic_identity equals
 * the row's discriminator; m when there is none (or no hierarchy). A
 * view-only projection's rows are of its table owner's class (the caller
 * shows them through the projection it read them with). */
const orm_mapper *orm_schema_polymorphic(const orm_schema *s, const orm_mapper *m,
                                         const orm_value *row);
/* Whether orm_schema_polymorphic may give another mapper than m (a row
 * loader asks once per row: inline). */
static inline bool orm_mapper_resolves_rows(const orm_mapper *m) { return m->viewonly || m->polymorphic_on; }

/* Default table name for an entity: snake_case, pluralised
 * (Address → addresses, BlogPost → blog_posts, Category → categories,
 * Box → boxes: consonant+y → ies; s, x, z, ch, sh → es; else s). Arena string. */
char *orm_default_table_name(rm_arena *a, const char *entity);

/* ---- the caller's own entity keys ----
 * Read from a loaded mapper's declaration with the loader's rules, and
 * reported in its format: ORM_E_SCHEMA with "SOURCE: entity NAME: PATH:
 * message", as any other schema error. Each returns 0 or ORM_E_SCHEMA. */
typedef struct orm_decl_reader {
    const orm_mapper *m;
    orm_error *err;
    rm_arena *tmp;                   /* scratch: paths and messages */
    const char *what;                /* "entity NAME" */
} orm_decl_reader;

void orm_decl_reader_init(orm_decl_reader *r, const orm_mapper *m, orm_error *err, rm_arena *tmp);
/* Report a problem at path of the declaration (NULL: the entity itself). */
int orm_decl_fail(const orm_decl_reader *r, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Optional non-empty string (borrowed); *out = NULL when absent. */
int orm_decl_string(const orm_decl_reader *r, const char *key, const char **out);
/* Optional integer within [lo, hi]; *out left alone and *present false when absent. */
int orm_decl_int(const orm_decl_reader *r, const char *key, int lo, int hi, int *out, bool *present);
/* Optional object (borrowed); *out = NULL when absent. */
int orm_decl_object(const orm_decl_reader *r, const char *key, json_t **out);
/* v, found at path, must be an array of words from the NULL-terminated
 * list ("unknown NOUN (one of ...)" otherwise); *bits gets 1u << k for each
 * words[k] it holds. */
int orm_decl_words(const orm_decl_reader *r, const char *path, const json_t *v, const char *const *words,
                   const char *noun, unsigned *bits);

#endif
