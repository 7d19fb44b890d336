/* hf_corpus.c: finding identities, saved reproducers and the corpus
 * listing (see hf_corpus.h). */
#include "tests/fuzz/hf_corpus.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *hf_route_class(const char *bytes, size_t n)
{
    hf_buf b = {0};
    size_t i = 0;
    while (i < n && i < 16 && bytes[i] > ' ' && bytes[i] < 0x7f) hf_buf_addc(&b, bytes[i++]);
    if (!b.len) hf_buf_str(&b, "?");
    hf_buf_addc(&b, ' ');
    if (i >= n || bytes[i] != ' ') {
        hf_buf_str(&b, "(no target)");
        return hf_buf_take(&b);
    }
    i++;
    static const char *const names[] = {NULL, NULL, "{id}", "{rel}", "{child}"};
    size_t seg = 0;
    bool api = false;
    while (i < n && bytes[i] == '/') {
        size_t s = ++i;
        while (i < n && bytes[i] != '/' && bytes[i] != '?' && bytes[i] != ' ' && bytes[i] != '\r') i++;
        size_t len = i - s;
        hf_buf_addc(&b, '/');
        if (seg == 0) {
            api = len == 3 && !memcmp(bytes + s, "api", 3);
            bool plain = len <= 16;
            for (size_t k = s; k < i && plain; k++) plain = bytes[k] > ' ' && bytes[k] < 0x7f && bytes[k] != '%';
            if (plain) hf_buf_add(&b, bytes + s, len);
            else hf_buf_str(&b, "*");
        } else if (!api) {
            hf_buf_str(&b, "*");
            break;
        } else if (seg == 1) {
            bool batch = len == 6 && !memcmp(bytes + s, "_batch", 6);
            hf_buf_str(&b, batch ? "_batch" : "{res}");
        } else if (seg < HF_COUNT(names)) {
            hf_buf_str(&b, names[seg]);
        } else {
            hf_buf_str(&b, "+");
            break;
        }
        seg++;
    }
    return hf_buf_take(&b);
}

static hf_sig *find_sig(hf_findings *f, const char *key)
{
    for (size_t i = 0; i < f->nsigs; i++)
        if (!strcmp(f->sigs[i].key, key)) return &f->sigs[i];
    return NULL;
}

hf_sig *hf_findings_add(hf_findings *f, const char *target, const hf_verdict *v, const char *bytes,
                        size_t n, bool *is_new)
{
    f->total++;
    f->by_kind[v->kind]++;
    /* the route tells 500s and hangs apart; answers from below the router
     * (framing), bad UTF-8 (told apart by the member) and accepted requests
     * (by the rule) do not depend on it */
    bool by_route = v->kind != HF_NOT_PROBLEM && v->kind != HF_MALFORMED && v->kind != HF_BAD_EXIT &&
                    v->kind != HF_BAD_UTF8 && v->kind != HF_ACCEPTED;
    char *route = by_route ? hf_route_class(bytes, n) : hf_xstrdup("any");
    char *key = hf_xasprintf("%s | %s | %s", hf_kind_name(v->kind), route, v->sig);
    free(route);
    hf_sig *s = find_sig(f, key);
    *is_new = s == NULL;
    if (s) {
        free(key);
        s->count++;
        return s;
    }
    if (f->nsigs == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 16;
        f->sigs = hf_xrealloc(f->sigs, f->cap * sizeof *f->sigs);
    }
    s = &f->sigs[f->nsigs++];
    *s = (hf_sig){key, NULL, 1};
    if (f->save && f->dir && n) {
        mkdir(f->dir, 0777); /* the first finding of a new corpus */
        char *path = hf_xasprintf("%s/%s--%s-%016llx.http", f->dir, target, hf_kind_name(v->kind),
                                  (unsigned long long)hf_hash(key, strlen(key)));
        if (access(path, F_OK) == 0 || hf_write_file(path, bytes, n) == 0) {
            s->file = path;
        } else {
            fprintf(stderr, "http_fuzz: cannot write %s\n", path);
            free(path);
        }
    }
    return s;
}

void hf_findings_free(hf_findings *f)
{
    for (size_t i = 0; i < f->nsigs; i++) {
        free(f->sigs[i].key);
        free(f->sigs[i].file);
    }
    free(f->sigs);
    f->sigs = NULL;
    f->nsigs = f->cap = 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **hf_corpus_list(const char *dir, size_t *n)
{
    *n = 0;
    size_t cap = 16;
    char **list = hf_xcalloc(cap, sizeof *list);
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d) return list;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".http") || !strstr(e->d_name, "--")) continue;
        if (*n + 1 >= cap) list = hf_xrealloc(list, (cap *= 2) * sizeof *list);
        list[(*n)++] = hf_xasprintf("%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(list, *n, sizeof *list, by_name);
    return list;
}

void hf_corpus_target(const char *path, char *out, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *sep = strstr(base, "--");
    size_t n = sep ? (size_t)(sep - base) : strlen(base);
    snprintf(out, len, "%.*s", (int)n, base);
}
