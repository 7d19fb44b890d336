/* static.c: open a file of the explorer under the static root without
 * letting a request name anything outside it, and keep what to send of it
 * (see static.h). Checks are layered: the name is validated segment by
 * segment, then the resolved path (realpath, which follows symlinks) must
 * still lie under root. The cache knows a file by device and inode and a
 * version of it by size and modification time: a changed file is read
 * and compressed again on its next request. */
#include "server/static.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define NAME_MAX_LEN 1024

static const struct {
    const char *ext;
    const char *type;
} content_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
};

const char *rm_static_content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++)
            if (strcasecmp(dot, content_types[i].ext) == 0) return content_types[i].type;
    return "application/octet-stream";
}

/* 0 when name is a plain relative path, else the status to answer. */
static int check_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0) return 404;
    if (len > NAME_MAX_LEN || name[0] == '/') return 400;
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\') return 400;
    const char *seg = name;
    while (*seg) {
        size_t n = strcspn(seg, "/");
        if (n == 2 && seg[0] == '.' && seg[1] == '.') return 400;
        if (n == 0 || seg[0] == '.') return 404; /* empty segment or hidden file */
        seg += n;
        if (*seg == '/') seg++;
    }
    if (name[len - 1] == '/') return 404;
    return 0;
}

static int under_root(const char *root, const char *path)
{
    size_t n = strlen(root);
    if (n > 0 && root[n - 1] == '/') n--; /* root "/" */
    return strncmp(path, root, n) == 0 && path[n] == '/';
}

int rm_static_open(const char *root, const char *name, rm_static_file *out)
{
    int status = check_name(name);
    if (status) return status;
    char path[PATH_MAX], resolved[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/%s", root, name);
    if (n < 0 || (size_t)n >= sizeof path) return 400;
    if (!realpath(path, resolved) || !under_root(root, resolved)) return 404;
    int fd = open(resolved, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return 404;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return 404;
    }
    out->fd = fd;
    out->size = (size_t)st.st_size;
    out->content_type = rm_static_content_type(name);
    out->dev = st.st_dev;
    out->ino = st.st_ino;
    out->mtime = st.st_mtim;
    return 0;
}

/* ---- what to send: the cache and gzip ------------------------------------- */

typedef struct entry {
    bool live;
    dev_t dev;
    ino_t ino;
    size_t size;
    struct timespec mtime;
    char *raw;                 /* the file's bytes (malloc) */
    char *gz;                  /* their gzip (malloc), or NULL: not smaller, or not text */
    size_t gz_len;
    uint64_t used;             /* the cache's clock at the last use */
} entry;

struct rm_static_cache {
    pthread_mutex_t mu;
    entry e[RM_STATIC_CACHE_FILES];
    size_t bytes;              /* raw and gz of the live entries */
    uint64_t clock;
};

rm_static_cache *rm_static_cache_new(void)
{
    rm_static_cache *c = calloc(1, sizeof *c);
    if (c) pthread_mutex_init(&c->mu, NULL);
    return c;
}

static void drop(rm_static_cache *c, entry *e)
{
    c->bytes -= e->size + e->gz_len;
    free(e->raw);
    free(e->gz);
    memset(e, 0, sizeof *e);
}

void rm_static_cache_free(rm_static_cache *c)
{
    if (!c) return;
    for (size_t i = 0; i < RM_STATIC_CACHE_FILES; i++)
        if (c->e[i].live) drop(c, &c->e[i]);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* Types worth compressing: text, JSON, JavaScript, SVG (not PNG, ICO). */
static bool compressible(const char *type)
{
    return !strncmp(type, "text/", 5) || strstr(type, "json") || strstr(type, "svg");
}

/* The gzip coding of in[0..n) (zlib, best compression, no name or time in
 * the header: the same bytes every time), malloc'd; NULL when it is not
 * smaller or zlib fails. */
static char *gzip_of(const char *in, size_t n, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    uLong cap = deflateBound(&z, (uLong)n);
    char *out = malloc(cap);
    int rc = Z_MEM_ERROR;
    if (out) {
        z.next_in = (Bytef *)(uintptr_t)in;
        z.avail_in = (uInt)n;
        z.next_out = (Bytef *)out;
        z.avail_out = (uInt)cap;
        rc = deflate(&z, Z_FINISH);
    }
    *out_len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || *out_len >= n) {
        free(out);
        return NULL;
    }
    return out;
}

/* A new entry for f: its bytes read from the descriptor (without moving
 * its offset) and, for text, their gzip. live false when the read fails. */
static entry load(const rm_static_file *f)
{
    entry e = {.dev = f->dev, .ino = f->ino, .size = f->size, .mtime = f->mtime};
    e.raw = malloc(f->size ? f->size : 1);
    size_t got = 0;
    while (e.raw && got < f->size) {
        ssize_t n = pread(f->fd, e.raw + got, f->size - got, (off_t)got);
        if (n <= 0) break; /* an error, or the file shrank meanwhile */
        got += (size_t)n;
    }
    if (!e.raw || got != f->size) {
        free(e.raw);
        e.raw = NULL;
        return e;
    }
    if (compressible(f->content_type)) e.gz = gzip_of(e.raw, f->size, &e.gz_len);
    e.live = true;
    return e;
}

static bool same_version(const entry *e, const rm_static_file *f)
{
    return e->size == f->size && e->mtime.tv_sec == f->mtime.tv_sec &&
           e->mtime.tv_nsec == f->mtime.tv_nsec;
}

/* Copy the body gzip_ok selects from e into a (out->data, len, gzip). */
static void copy_out(const entry *e, bool gzip_ok, rm_arena *a, rm_static_body *out)
{
    out->gzip = gzip_ok && e->gz;
    const char *src = out->gzip ? e->gz : e->raw;
    out->len = out->gzip ? e->gz_len : e->size;
    char *d = rm_arena_alloc(a, out->len + 1);
    memcpy(d, src, out->len);
    out->data = d;
}

/* Under c->mu: the entry of f's file (any version), or NULL. */
static entry *find(rm_static_cache *c, const rm_static_file *f)
{
    for (size_t i = 0; i < RM_STATIC_CACHE_FILES; i++)
        if (c->e[i].live && c->e[i].dev == f->dev && c->e[i].ino == f->ino) return &c->e[i];
    return NULL;
}

/* Under c->mu: keep fresh (taking its buffers), in place of the file's
 * older version, evicting the least recently used entries to make room. */
static void insert(rm_static_cache *c, entry *fresh)
{
    size_t need = fresh->size + fresh->gz_len;
    entry *old = find(c, &(rm_static_file){.dev = fresh->dev, .ino = fresh->ino});
    if (old) drop(c, old);
    for (;;) {
        entry *free_slot = NULL, *lru = NULL;
        for (size_t i = 0; i < RM_STATIC_CACHE_FILES; i++) {
            entry *e = &c->e[i];
            if (!e->live) free_slot = free_slot ? free_slot : e;
            else if (!lru || e->used < lru->used) lru = e;
        }
        if (free_slot && c->bytes + need <= RM_STATIC_CACHE_BYTES) {
            fresh->used = ++c->clock;
            *free_slot = *fresh;
            c->bytes += need;
            return;
        }
        if (!lru) break; /* empty and still no room: bigger than the whole cache */
        drop(c, lru);
    }
    free(fresh->raw);
    free(fresh->gz);
}

void rm_static_body_of(rm_static_cache *c, const rm_static_file *f, bool gzip_ok, rm_arena *a,
                       rm_static_body *out)
{
    memset(out, 0, sizeof *out);
    out->len = f->size;
    if (c && f->size <= RM_STATIC_CACHE_FILE_MAX) {
        pthread_mutex_lock(&c->mu);
        entry *e = find(c, f);
        bool hit = e && same_version(e, f);
        if (hit) {
            e->used = ++c->clock;
            copy_out(e, gzip_ok, a, out);
        }
        pthread_mutex_unlock(&c->mu);
        if (!hit) { /* read and compress outside the lock */
            entry fresh = load(f);
            if (fresh.live) {
                copy_out(&fresh, gzip_ok, a, out);
                pthread_mutex_lock(&c->mu);
                insert(c, &fresh);
                pthread_mutex_unlock(&c->mu);
            }
        }
    }
    unsigned long long ns = (unsigned long long)f->mtime.tv_sec * 1000000000ULL + (unsigned long long)f->mtime.tv_nsec;
    snprintf(out->etag, sizeof out->etag, "\"%zx-%llx-%llx%s\"", f->size, ns, (unsigned long long)f->ino,
             out->gzip ? "-gz" : "");
}

/* Whether one Accept-Encoding element's parameters ("; q=0.5") leave it
 * acceptable: a q of 0 (0, 0.0, 0.00, 0.000) refuses. */
static bool q_positive(const char *params, size_t n)
{
    const char *q = NULL;
    for (size_t i = 0; i + 1 < n; i++)
        if ((params[i] == 'q' || params[i] == 'Q') && params[i + 1] == '=') q = params + i + 2;
    if (!q) return true;
    if (*q != '0') return true; /* "1", "1.0": anything but a leading 0 is 1 */
    for (q++; q < params + n && (*q == '.' || *q == '0'); q++) {}
    return q < params + n && *q >= '1' && *q <= '9';
}

bool rm_static_accepts_gzip(const char *ae)
{
    int gzip = -1, any = -1; /* -1 not named, 0 refused, 1 accepted */
    for (const char *p = ae; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        size_t len = strcspn(p, ",");
        size_t name = strcspn(p, ";, \t");
        if (name > len) name = len;
        int ok = q_positive(p + name, len - name);
        if ((name == 4 && !strncasecmp(p, "gzip", 4)) || (name == 6 && !strncasecmp(p, "x-gzip", 6))) gzip = ok;
        else if (name == 1 && *p == '*') any = ok;
        p += len;
    }
    return gzip == 1 || (gzip == -1 && any == 1);
}
