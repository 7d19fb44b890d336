/* media_type.h: is a Content-Type value JSON the server can read?
 *
 * The value is parsed strictly as an RFC 9110 media type: token "/" token,
 * then parameters `OWS ";" OWS [ token "=" ( token / quoted-string ) ]`,
 * with optional blanks around the whole value. Type, subtype, parameter
 * names and the charset value compare case-insensitively. Only
 * application/json is JSON; its one meaningful parameter is charset, which
 * must be UTF-8 (quoted or not) when given; other parameters are ignored.
 * Pure string logic, no HTTP. */
#ifndef RM_MEDIA_TYPE_H
#define RM_MEDIA_TYPE_H

typedef enum rm_media_check {
    RM_MEDIA_JSON,       /* application/json, UTF-8 */
    RM_MEDIA_NOT_JSON,   /* a well-formed media type, but not application/json (or NULL) */
    RM_MEDIA_CHARSET,    /* application/json with a charset other than UTF-8, or two charsets */
    RM_MEDIA_MALFORMED,  /* not a media type at all: junk, a bare parameter name, ... */
} rm_media_check;

rm_media_check rm_media_type_check(const char *value);

#endif
