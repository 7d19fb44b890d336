/* hf_corpus.h: findings and the corpus of past failures. A finding is
 * identified by its kind, the route class of the request ("POST
 * /api/{res}/{id}/{rel}") and the words of its verdict; the first request
 * of each new identity is saved as a raw request file
 * <dir>/<target>--<kind>-<hash>.http, which every later run replays
 * against a fresh server of that target before fuzzing. */
#ifndef HF_CORPUS_H
#define HF_CORPUS_H

#include <stdbool.h>
#include <stddef.h>

#include "tests/fuzz/hf_check.h"

typedef struct hf_sig {
    char *key, *file;               /* file: saved corpus file or NULL */
    unsigned long count;
} hf_sig;

typedef struct hf_findings {
    const char *dir;                /* corpus directory, or NULL */
    bool save;
    hf_sig *sigs;
    size_t nsigs, cap;
    unsigned long total;
    unsigned long by_kind[HF_KIND_COUNT];
} hf_findings;

/* "POST /api/{res}/{id}" from the first request line of bytes (malloc'd). */
char *hf_route_class(const char *bytes, size_t n);
/* Count one finding; returns its entry and whether it is new (then the
 * bytes were saved when saving is on and n > 0). */
hf_sig *hf_findings_add(hf_findings *f, const char *target, const hf_verdict *v, const char *bytes,
                        size_t n, bool *is_new);
void hf_findings_free(hf_findings *f);

/* The corpus files (*.http) of dir, sorted (malloc'd array of malloc'd
 * paths); *n their count. */
char **hf_corpus_list(const char *dir, size_t *n);
/* "blog" from ".../blog--500-0123abcd.http" into out. */
void hf_corpus_target(const char *path, char *out, size_t len);

#endif
