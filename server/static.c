/* static.c: open a file of the explorer under the static root without
 * letting a request name anything outside it (see static.h). Checks are
 * layered: the name is validated segment by segment, then the resolved
 * path (realpath, which follows symlinks) must still lie under root. */
#include "server/static.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

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
    return 0;
}
