/* ddl.h: metadata → CREATE TABLE / CREATE INDEX (SQLAlchemy's
 * metadata.create_all()). Tables come out in dependency order (referenced
 * tables first); every statement is IF NOT EXISTS, so create_all only
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

#endif
