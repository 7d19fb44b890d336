/* etag.h: comparing entity tags with If-Match / If-None-Match header
 * values (RFC 9110 §13.1), for routes/ (objects) and server/ (static
 * files) alike. */
#ifndef RM_LIB_ETAG_H
#define RM_LIB_ETAG_H

#include <stdbool.h>

/* Is header "*" or a comma list of entity tags? */
bool rm_etag_list_valid(const char *header);
/* Does header (valid or not: a malformed one matches nothing) match etag
 * ("\"...\""): weak comparison ignores W/ on both sides, strong never
 * matches a weak tag in the list. "*" matches any etag. */
bool rm_etag_matches(const char *header, const char *etag, bool weak);
/* p past spaces and tabs. */
const char *rm_skip_ows(const char *p);

#endif
