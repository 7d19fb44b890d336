/* schema_cases.c: the runner of schema error case files (schema_cases.h). */
#include "tests/support/schema_cases.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sc_count(const char *file)
{
    json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, NULL);
    size_t n = json_array_size(json_object_get(doc, "cases"));
    json_decref(doc);
    return n ? (int)n : 1;
}

/* Loading text fails with "test.json: WHAT: PATH: ..." whose message part
 * contains msg; name says which case failed. */
static void expect_error(sc_loader load, const char *name, const char *text, const char *what, const char *path,
                         const char *msg)
{
    orm_error err;
    char prefix[256];
    orm_error_init(&err, NULL);
    int rc = load(text, &err);
    ck_assert_msg(rc == ORM_E_SCHEMA, "%s: loading returned %d, not ORM_E_SCHEMA", name, rc);
    ck_assert_int_eq(err.code, ORM_E_SCHEMA);
    snprintf(prefix, sizeof prefix, "test.json: %s: %s: ", what, path);
    ck_assert_msg(strncmp(err.detail, prefix, strlen(prefix)) == 0, "%s: \"%s\" does not start with \"%s\"", name,
                  err.detail, prefix);
    ck_assert_msg(strstr(err.detail + strlen(prefix), msg) != NULL, "%s: \"%s\" does not say \"%s\"", name,
                  err.detail, msg);
}

void sc_check(const char *file, int i, sc_loader load)
{
    json_error_t jerr;
    json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
    ck_assert_msg(doc != NULL, "%s: line %d: %s", file, jerr.line, jerr.text);
    json_t *c = json_array_get(json_object_get(doc, "cases"), (size_t)i);
    ck_assert_msg(json_is_object(c), "%s: no case %d in \"cases\"", file, i);
    const char *name = json_string_value(json_object_get(c, "case"));
    const char *what = json_string_value(json_object_get(c, "what"));
    const char *path = json_string_value(json_object_get(c, "path"));
    const char *says = json_string_value(json_object_get(c, "says"));
    json_t *schema = json_object_get(c, "schema");
    ck_assert_msg(name && what && path && says && json_is_object(schema),
                  "%s: case %d needs strings case, what, path, says and an object schema", file, i);
    char *text = json_dumps(schema, 0);
    expect_error(load, name, text, what, path, says);
    free(text);
    json_decref(doc);
}
