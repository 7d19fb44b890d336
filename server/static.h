/* static.h: resolving explorer files under the static directory, safely.
 * A requested name is hostile: "..", dot-files, absolute paths, control
 * bytes and symlinks that lead out of the directory are all refused. Pure
 * file-system logic, no HTTP; server/http.c turns the result into a
 * response. */
#ifndef RM_STATIC_H
#define RM_STATIC_H

#include <stddef.h>

typedef struct rm_static_file {
    int fd;                    /* open for reading; the caller closes (or hands it on) */
    size_t size;               /* bytes in the file */
    const char *content_type;  /* static string from the extension */
} rm_static_file;

/* Open `name` (relative, '/'-separated, already percent-decoded) inside
 * `root` (an absolute path without symlinks, as realpath() gives). Returns
 * 0 and fills *out; 400 for a name that is not a plain relative path
 * ("..", leading '/', '\\', control bytes, too long); 404 when the file is
 * missing, not a regular file, hidden (a segment starting with '.'),
 * unreadable, or resolves outside root. */
int rm_static_open(const char *root, const char *name, rm_static_file *out);

/* Content type for a file name by extension (.html .js .css .json .svg
 * .png .ico .txt); "application/octet-stream" otherwise. */
const char *rm_static_content_type(const char *name);

#endif
