/* json_error.c: jansson error codes and syntax messages → restmap's
 * wording (see json_error.h). The syntax prefixes are jansson 2.14's
 * (src/load.c); an unknown one gets the generic wording. */
#include "lib/json_error.h"

#include <string.h>

static const struct {
    const char *prefix;   /* of jansson's message */
    const char *message;  /* ours */
} syntax[] = {
    {"unexpected newline", "a line break inside a string must be written as \\n"},
    {"control character", "a control character inside a string must be escaped"},
    {"invalid escape", "invalid escape sequence in a string"},
    {"invalid Unicode", "invalid \\u escape in a string (a lone UTF-16 surrogate)"},
    {"string or '}' expected", "expected a member name (a string) or '}'"},
    {"':' expected", "expected ':' after a member name"},
    {"'}' expected", "expected ',' or '}' after an object member"},
    {"']' expected", "expected ',' or ']' after an array element"},
    {"'[' or '{' expected", "expected an object or an array"},
    {"invalid token", "invalid value (not a string, number, object, array, true, false or null)"},
    {"unexpected token", "unexpected character where a value should be"},
};

static const char *syntax_message(const char *text)
{
    for (size_t i = 0; i < sizeof syntax / sizeof syntax[0]; i++)
        if (strncmp(text, syntax[i].prefix, strlen(syntax[i].prefix)) == 0)
            return syntax[i].message;
    return "invalid JSON syntax";
}

const char *rm_json_error_message(const json_error_t *e)
{
    switch (json_error_code(e)) {
    case json_error_invalid_utf8: return "the text is not valid UTF-8";
    case json_error_premature_end_of_input: return "the JSON text ends too early";
    case json_error_end_of_input_expected: return "unexpected text after the JSON value";
    case json_error_invalid_syntax: return syntax_message(e->text);
    case json_error_stack_overflow: return "the JSON text is nested too deeply";
    case json_error_null_character: return "a string contains a NUL character (\\u0000)";
    case json_error_null_byte_in_key:
        return "a member name contains a NUL character (\\u0000)";
    case json_error_duplicate_key: return "a member name appears twice in one object";
    case json_error_numeric_overflow: return "a number is too large";
    default: return "the JSON text cannot be read";
    }
}
