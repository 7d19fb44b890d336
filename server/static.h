/* static.h: resolving explorer files under the static directory, safely,
 * and what to send of them. A requested name is hostile: "..", dot-files,
 * absolute paths, control bytes and symlinks that lead out of the
 * directory are all refused. A file's strong ETag comes from its size,
 * modification time and inode; small files are kept in a bounded cache
 * with their gzip (zlib), made once per version of the file
 * (docs/decisions.md "Static files and CORS"). File-system and
 * compression logic, no HTTP; server/http.c turns the result into a
 * response. */
#ifndef RM_STATIC_H
#define RM_STATIC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "lib/arena.h"

/* "\"<size>-<mtime ns>-<inode>\"" in hex, "-gz" before the closing quote
 * for the gzip body */
#define RM_STATIC_ETAG_MAX 64

typedef struct rm_static_file {
    int fd;                    /* open for reading; the caller closes (or hands it on) */
    size_t size;               /* bytes in the file */
    const char *content_type;  /* static string from the extension */
    dev_t dev;                 /* which file, and which version of it: */
    ino_t ino;
    struct timespec mtime;
} rm_static_file;

/* Open `name` (relative, '/'-separated, already percent-decoded) inside
 * `root` (an absolute path without symlinks, as realpath() gives). Returns
 * 0 and fills *out; 400 for a name that is not a plain relative path
 * ("..", leading '/', '\\', control bytes, too long); 404 when the file is
 * missing, not a regular file, hidden (a segment starting with '.'),
 * unreadable, or resolves outside root. */
int rm_static_open(const char *root, const char *name, rm_static_file *out);

/* Files of at most this size are cached (and gzipped); larger ones are
 * sent from the file as they are. The cache holds at most
 * RM_STATIC_CACHE_FILES files and RM_STATIC_CACHE_BYTES bytes (the
 * bytes and their gzip), the least recently used going first. */
#define RM_STATIC_CACHE_FILE_MAX ((size_t)1 << 20)
#define RM_STATIC_CACHE_FILES 64
#define RM_STATIC_CACHE_BYTES ((size_t)16 << 20)

typedef struct rm_static_cache rm_static_cache;

/* An empty cache (NULL when out of memory: every file is then sent from
 * its descriptor), and its end (NULL: no-op). Thread-safe. */
rm_static_cache *rm_static_cache_new(void);
void rm_static_cache_free(rm_static_cache *c);

/* What to send of an open file. */
typedef struct rm_static_body {
    char etag[RM_STATIC_ETAG_MAX]; /* strong; differs between the plain and the gzip body */
    const char *data;          /* the bytes, in the caller's arena; NULL: send from the fd */
    size_t len;
    bool gzip;                 /* data is the gzip coding of the file (Content-Encoding) */
} rm_static_body;

/* The body of f, gzip when gzip_ok and the file's type compresses: from
 * the cache c, filled on first use (the file read once, compressed once);
 * copied into a. A file the cache does not take (too big, c NULL, a read
 * error) is sent from its descriptor as it is. f->fd stays the caller's. */
void rm_static_body_of(rm_static_cache *c, const rm_static_file *f, bool gzip_ok, rm_arena *a,
                       rm_static_body *out);

/* Whether an Accept-Encoding value (NULL: none) accepts gzip: "gzip" (or
 * "x-gzip") with a q above 0, or "*" with a q above 0 and gzip not
 * refused. */
bool rm_static_accepts_gzip(const char *accept_encoding);

/* Content type for a file name by extension (.html .js .css .json .svg
 * .png .ico .txt); "application/octet-stream" otherwise. */
const char *rm_static_content_type(const char *name);

#endif
