/* rt_strs.h: strings a test builds by the hundred (requests, expectations,
 * JSON texts, percent-encoded values) and forgets: each is kept in one
 * list until rt_strs_free(), so a generator of cases can nest them freely.
 * Only the test's own thread may call these. */
#ifndef RT_STRS_H
#define RT_STRS_H

#include <jansson.h>

/* Keep s (malloc'd; NULL fails the test) until rt_strs_free(); returns s. */
const char *rt_keep(char *s);
/* printf into a kept string. */
const char *rt_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The compact JSON text of v (a reference stolen), kept. */
const char *rt_json_text(json_t *v);
/* s percent-encoded for a URL path segment or query value (every byte but
 * A-Z a-z 0-9 - . _ ~), kept. */
const char *rt_urlenc(const char *s);
/* Free every kept string. */
void rt_strs_free(void);

#endif
