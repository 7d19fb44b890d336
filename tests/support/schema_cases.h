/* schema_cases.h: schema errors as data. A case file is
 *   {"about": [...], "cases": [{"case", "what", "path", "says", "schema"}, ...]}
 * and each case's schema, loaded as "test.json" by the layer under test,
 * must fail with "test.json: WHAT: PATH: message" whose message contains
 * "says". tests/unit/orm/schema_errors.json holds what the ORM's loader
 * refuses, tests/unit/routes/resource_errors.json what routes/' resource
 * builder refuses; both files run through sc_check. */
#ifndef RM_TEST_SCHEMA_CASES_H
#define RM_TEST_SCHEMA_CASES_H

#include "orm/error.h"

/* Load the JSON text as "test.json" through the layer under test, freeing
 * whatever it built; 0 or the error code (err filled). */
typedef int (*sc_loader)(const char *text, orm_error *err);

/* How many cases file holds; 1 when it cannot be read, so that the one
 * case run reports why instead of running none. */
int sc_count(const char *file);
/* Run case i of file through load (check assertions name the case). */
void sc_check(const char *file, int i, sc_loader load);

#endif
