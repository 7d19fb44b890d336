/* rt_strs.c: kept strings; see rt_strs.h. */
#include "tests/support/rt_strs.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char **kept;
static size_t nkept, capkept;

const char *rt_keep(char *s)
{
    ck_assert_ptr_nonnull(s);
    if (nkept == capkept) {
        capkept = capkept ? 2 * capkept : 256;
        kept = realloc(kept, capkept * sizeof *kept);
        ck_assert_ptr_nonnull(kept);
    }
    return kept[nkept++] = s;
}

const char *rt_strf(const char *fmt, ...)
{
    va_list ap, aq;
    va_start(ap, fmt);
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    ck_assert_int_ge(n, 0);
    char *s = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(s);
    vsnprintf(s, (size_t)n + 1, fmt, aq);
    va_end(aq);
    return rt_keep(s);
}

const char *rt_json_text(json_t *v)
{
    ck_assert_ptr_nonnull(v);
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(v);
    return rt_keep(s);
}

const char *rt_urlenc(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(3 * strlen(s) + 1), *o = out;
    ck_assert_ptr_nonnull(out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%', *o++ = hex[*p >> 4], *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return rt_keep(out);
}

void rt_strs_free(void)
{
    for (size_t i = 0; i < nkept; i++) free(kept[i]);
    free(kept);
    kept = NULL, nkept = capkept = 0;
}
