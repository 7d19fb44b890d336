/* hf_strict.c: requests the server must refuse, accepted (see hf_strict.h). */
#include "tests/fuzz/hf_strict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* restmap's ETags are "v<version>" and "h<hex>" (routes/etag.c). */
static bool issuable(const char *tag, size_t n)
{
    if (n < 4 || (tag[1] != 'v' && tag[1] != 'h')) return false;
    for (size_t i = 2; i + 1 < n; i++)
        if (!tag[i] || !strchr("0123456789abcdef", tag[i])) return false;
    return true;
}

/* Why a write under this If-Match value must not succeed, or NULL when it
 * may: "*", or a list of entity-tags (RFC 9110) with a strong one restmap
 * could have issued. */
static const char *if_match_refusal(const char *value)
{
    const char *p = value;
    while (*p == ' ' || *p == '\t') p++;
    if (!strcmp(p, "*")) return NULL;
    bool could = false, any = false;
    for (;;) {
        /* empty list elements are allowed (RFC 9110 5.6.1.2) */
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        if (!*p) break;
        any = true;
        bool weak = !strncmp(p, "W/", 2);
        if (weak) p += 2;
        if (*p != '"') return "a malformed If-Match";
        const char *end = p + 1;
        for (; *end && *end != '"'; end++)
            if ((unsigned char)*end < 0x21 || *end == 0x7f) return "a malformed If-Match";
        if (!*end) return "a malformed If-Match";
        if (!weak && issuable(p, (size_t)(end - p + 1))) could = true;
        p = end + 1;
        while (*p == ' ' || *p == '\t') p++;
        if (*p && *p != ',') return "a malformed If-Match";
    }
    if (!any) return "a malformed If-Match";
    return could ? NULL : "an If-Match that matches no ETag";
}

static bool is_write(const char *method)
{
    return !strcmp(method, "PUT") || !strcmp(method, "PATCH") || !strcmp(method, "DELETE") ||
           !strcmp(method, "POST");
}

/* Objects (/api/r/k...) and collection members (POST /api/r/k/rel). */
static void check_if_match(const char *bytes, size_t n, const char *method, const char *path, int status,
                           hf_verdict *v)
{
    size_t segs = 0;
    for (const char *p = path; *p; p++) segs += *p == '/';
    if (!is_write(method) || segs < (strcmp(method, "POST") ? 3u : 4u) || !strncmp(path, "/api/_batch", 11)) return;
    int count = 0;
    char *value = hf_request_header(bytes, n, "If-Match", &count);
    const char *why = value && count == 1 ? if_match_refusal(value) : NULL;
    if (why) {
        char sig[80];
        snprintf(sig, sizeof sig, "%s accepted", why);
        hf_verdict_set(v, HF_IF_MATCH, status, sig, "%s %s answered %d under %s: If-Match: %.200s", method, path,
                       status, why, value);
    }
    free(value);
}

/* A batch that succeeded although one of its operation paths holds %00. */
static void check_batch_nul(const char *bytes, size_t n, const char *path, int status, hf_verdict *v)
{
    size_t blen;
    const char *body = strcmp(path, "/api/_batch") ? NULL : hf_request_body(bytes, n, &blen);
    json_t *j = body ? json_loadb(body, blen, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
    size_t i;
    json_t *op;
    json_array_foreach(json_object_get(j, "operations"), i, op) {
        const char *p = json_string_value(json_object_get(op, "path"));
        if (p && strstr(p, "%00")) {
            hf_verdict_set(v, HF_ACCEPTED, status, "batch operation path with %00 accepted",
                           "POST /api/_batch answered %d with operation %zu at %.200s (directly: 400)", status, i,
                           p);
            break;
        }
    }
    json_decref(j);
}

/* limit=%205, offset=+1, ...: only plain digits are numbers (lists:
 * /api/res and /api/res/key/rel). */
static void check_paging(const char *bytes, size_t n, const char *method, const char *path, int status,
                         hf_verdict *v)
{
    size_t segs = 0;
    for (const char *p = path; *p; p++) segs += *p == '/';
    if (strcmp(method, "GET") || strncmp(path, "/api/", 5) || (segs != 2 && segs != 4)) return;
    const char *sp = memchr(bytes, ' ', n), *eol = hf_memmem(bytes, n, "\r\n", 2);
    const char *q = sp && eol ? memchr(sp, '?', (size_t)(eol - sp)) : NULL;
    if (!q) return;
    const char *end = memchr(q, ' ', (size_t)(eol - q));
    char *query = hf_xstrndup(q + 1, (size_t)((end ? end : eol) - q - 1)), *save = NULL;
    for (char *kv = strtok_r(query, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        if (strncmp(kv, "limit=", 6) && strncmp(kv, "offset=", 7)) continue;
        char *value = hf_percent_decode(strchr(kv, '=') + 1);
        bool digits = *value != '\0';
        for (const char *c = value; *c; c++) digits &= *c >= '0' && *c <= '9';
        if (!digits && !strchr(value, '+'))
            hf_verdict_set(v, HF_ACCEPTED, status, "limit or offset that is not a number accepted",
                           "GET answered %d with %.100s", status, kv);
        free(value);
    }
    free(query);
}

/* A body declared in another charset (UTF-16, Latin-1...); a request
 * without a body has no content for its Content-Type to describe. */
static void check_charset(const char *bytes, size_t n, const char *method, int status, hf_verdict *v)
{
    int count = 0;
    size_t blen = 0;
    const char *body = is_write(method) ? hf_request_body(bytes, n, &blen) : NULL;
    char *ct = body && blen ? hf_request_header(bytes, n, "Content-Type", &count) : NULL;
    const char *cs = NULL;
    for (const char *c = ct; c && *c && !cs; c++)
        if (!strncasecmp(c, "charset=", 8)) cs = c;
    if (cs) {
        cs += 8;
        if (*cs == '"') cs++;
        if (strncasecmp(cs, "utf-8", 5))
            hf_verdict_set(v, HF_ACCEPTED, status, "a charset other than UTF-8 accepted",
                           "%s answered %d with Content-Type: %.100s", method, status, ct);
    }
    free(ct);
}

void hf_check_accepted(const char *bytes, size_t n, const hf_reqinfo *ri, int status, hf_verdict *v)
{
    char *path = hf_request_path(bytes, n);
    if (!path) return;
    check_if_match(bytes, n, ri->method, path, status, v);
    check_batch_nul(bytes, n, path, status, v);
    check_paging(bytes, n, ri->method, path, status, v);
    check_charset(bytes, n, ri->method, status, v);
    free(path);
}
