/* ddl.h: metadata → CREATE TABLE / CREATE INDEX (SQLAlchemy's
 * metadata.create_all()). Tables come out in dependency order (referenced
 * tables first); every statement is IF NOT EXISTS (or, for a foreign key
 * added after its table, does nothing when it exists), so create_all only
 * creates what is missing and never drops or alters. Defaults and CHECK
 * literals come from the schema (never from a request) and are quoted by
 * the dialect. */
#ifndef ORM_DDL_H
#define ORM_DDL_H

#include "orm/engine.h"
#include "orm/schema.h"

typedef struct orm_ddl {
    const char **statements;   /* arena strings, in execution order */
    size_t n;
} orm_ddl;

/* The DDL for every table and index of the schema. */
void orm_ddl_build(const orm_dialect *d, const orm_schema *s, rm_arena *a, orm_ddl *out);
/* Build and run it in one transaction. Returns 0 or an orm_code. */
int orm_create_all(orm_engine *e, const orm_schema *s, orm_error *err);
/* After rows were written with explicit values in autoincrement keys (a
 * seed), move every key generator past the largest key, so the next row
 * without a key gets a new one. A no-op where generators never fall behind
 * (SQLite). Returns 0 or an orm_code. */
int orm_sync_keys(orm_engine *e, const orm_schema *s, orm_error *err);

#endif
