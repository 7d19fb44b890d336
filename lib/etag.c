/* etag.c: entity-tag lists of If-Match / If-None-Match (RFC 9110 §8.8.3,
 * §13.1): "*" or a comma list of [W/]"etagc*", parsed strictly. */
#include "lib/etag.h"

#include <string.h>

/* One entity-tag ([W/]"etagc*", RFC 9110 §8.8.3) at p: its end, or NULL. */
static const char *entity_tag_end(const char *p)
{
    if (!strncmp(p, "W/", 2)) p += 2;
    if (*p != '"') return NULL;
    for (p++; *p != '"'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x21 || c == 0x7f) return NULL; /* etagc: %x21 / %x23-7E / obs-text */
    }
    return p + 1;
}

const char *rm_skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

/* Walk "*" or a comma list of entity tags; with etag, say whether one
 * matches. 1 match, 0 none, -1 malformed. */
static int walk_tags(const char *header, const char *etag, bool weak)
{
    const char *p = rm_skip_ows(header);
    if (*p == '*') return *rm_skip_ows(p + 1) ? -1 : 1;
    int found = 0;
    bool any = false;
    while (*p) {
        if (*p == ',') { /* empty list elements are allowed (#rule) */
            p = rm_skip_ows(p + 1);
            continue;
        }
        const char *end = entity_tag_end(p);
        if (!end) return -1;
        bool is_weak = *p == 'W';
        const char *tag = p + (is_weak ? 2 : 0);
        size_t n = (size_t)(end - tag);
        if (etag && (weak || !is_weak) && n == strlen(etag) && !strncmp(tag, etag, n)) found = 1;
        any = true;
        p = rm_skip_ows(end);
        if (*p && *p != ',') return -1;
    }
    return any ? found : -1;
}

bool rm_etag_list_valid(const char *header) { return walk_tags(header, NULL, false) >= 0; }

bool rm_etag_matches(const char *header, const char *etag, bool weak)
{
    return walk_tags(header, etag, weak) == 1;
}
