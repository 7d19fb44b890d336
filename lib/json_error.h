/* json_error.h: jansson's parse errors in restmap's own words.
 *
 * jansson's messages name its internals ("\u0000 is not allowed without
 * JSON_ALLOW_NUL") and quote up to 20 bytes of the input ("near '...'"),
 * which may be cut in the middle of a UTF-8 sequence. Answers use this
 * wording instead, chosen by the error code (and, for syntax errors, by
 * jansson's message without its quote); the caller adds line and column. */
#ifndef RM_JSON_ERROR_H
#define RM_JSON_ERROR_H

#include <jansson.h>

/* A static, ASCII message for a failed json_load*: never NULL. */
const char *rm_json_error_message(const json_error_t *e);

#endif
