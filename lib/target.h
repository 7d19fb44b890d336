/* target.h: the URL codec. The request target ("/api/users/1?sort=name&limit=5")
 * is taken apart once, by the same rules for every request: the server parses a
 * direct request's target with it, and POST /api/_batch each operation's
 * path, so an operation is decoded exactly as the same request sent alone.
 *
 * Rules: the path is what precedes the first '?'; query arguments are split
 * on '&', then on the first '='; '+' in the query means a space; %XX is
 * decoded (a '%' not followed by two hex digits stays as it is). Refused
 * (the result names why): a NUL byte, encoded or not; text that is not
 * valid UTF-8 once decoded, in the path or in any query name or value. */
#ifndef RM_TARGET_H
#define RM_TARGET_H

#include <stddef.h>

#include "lib/arena.h"
#include "lib/http_msg.h"
#include "lib/sb.h"

/* Parse target[0..len) into req->raw_path (still percent-encoded), req->path
 * (decoded) and req->query / req->nquery (decoded, in order, duplicates
 * kept), all in a. Returns 0, or -1 with *why set to a client-safe reason
 * (static text) and *where to "path" or "query". */
int rm_target_parse(rm_arena *a, const char *target, size_t len, rm_request *req,
                    const char **why, const char **where);

/* Percent-decode s[0..n) into the arena (NUL-terminated); plus_is_space for
 * query text. *len (may be NULL) receives the decoded length, which is
 * shorter than strlen() of the result when it holds an encoded NUL. */
char *rm_percent_decode(rm_arena *a, const char *s, size_t n, int plus_is_space, size_t *len);

/* Append s[0..n) to sb percent-encoded for a path segment or a query
 * name or value (everything but RFC 3986's unreserved characters). */
void rm_percent_encode(rm_sb *sb, const char *s, size_t n);

#endif
