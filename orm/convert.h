/* convert.h: values in and out of the ORM, per column type.
 *
 * JSON input → orm_value (checked: JSON type, format, length, choices,
 * min/max), URL text → orm_value (keys, equality shorthand), and
 * orm_value → JSON output (streamed into a string builder or as json_t).
 * Canonical storage forms: boolean 0/1 integer; numeric a decimal string;
 * date "YYYY-MM-DD"; datetime ISO 8601 in UTC with 'T' and 'Z', whole
 * seconds and a fraction of at most 6 digits without trailing zeros
 * ("2024-01-02T03:04:05.5Z": an offset given is applied, none means UTC;
 * the form PostgreSQL answers, so both backends store, compare, sort and
 * match patterns on the same text); uuid lower-case 8-4-4-4-12; json
 * compact text. */
#ifndef ORM_CONVERT_H
#define ORM_CONVERT_H

#include <jansson.h>

#include "lib/sb.h"
#include "orm/error.h"
#include "orm/metadata.h"

/* JSON value for column c → *out. Text is copied into a.
 * Returns 0; ORM_E_INVALID when the JSON type does not fit the column
 * (a string for an integer); ORM_E_VALIDATION when the value is of the right
 * JSON type but not acceptable (bad date, too long, not a choice, out of
 * range). *msg gets a static or arena message. JSON null gives a NULL value
 * (0): nullability is the caller's check, which knows the context. */
int orm_value_from_json(const orm_column *c, const json_t *j, rm_arena *a,
                        orm_value *out, const char **msg);

/* The same conversion without the column's rules (length, choices,
 * min/max): type and format only, for filter operands. A bad format is
 * ORM_E_VALIDATION as above. */
int orm_value_parse_json(const orm_column *c, const json_t *j, rm_arena *a,
                         orm_value *out, const char **msg);

/* Text from a URL (path key, ?col=value) → *out, parsed for c's type.
 * Type and format only (no column rules). Returns 0, or ORM_E_INVALID with
 * *msg. The text "null" is not special. */
int orm_value_from_text(const orm_column *c, const char *text, rm_arena *a,
                        orm_value *out, const char **msg);

/* Length, choices, min/max checks of a non-NULL value; 0 or ORM_E_VALIDATION. */
int orm_column_check(const orm_column *c, const orm_value *v, rm_arena *a, const char **msg);

/* Append v as column c's JSON output (numeric as a string, boolean as
 * true/false, json embedded). */
void orm_value_write_json(rm_sb *sb, const orm_column *c, const orm_value *v);
/* v as URL text (for _links and Location): integers in decimal, text as is. */
const char *orm_value_to_text(rm_arena *a, const orm_value *v);

#endif
