/* port_file.c: write and remove the --port-file (see port_file.h). */
#include "server/port_file.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *rm_port_file_host(const char *bind)
{
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, bind, &v4) == 1 && v4.s_addr == htonl(INADDR_ANY)) return "127.0.0.1";
    if (inet_pton(AF_INET6, bind, &v6) == 1 && IN6_IS_ADDR_UNSPECIFIED(&v6)) return "::1";
    return bind;
}

int rm_port_file_clear(const char *path, char *err, size_t errlen)
{
    if (unlink(path) == 0 || errno == ENOENT) return 0;
    snprintf(err, errlen, "--port-file: cannot remove %s: %s", path, strerror(errno));
    return -1;
}

/* write(2) all of buf, retrying short writes and interruptions. */
static int write_all(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

int rm_port_file_write(const char *path, const char *bind, int port, char *err, size_t errlen)
{
    char tmp[4096], line[320];
    int n = snprintf(line, sizeof line, "%s %d\n", rm_port_file_host(bind), port);
    if (n < 0 || (size_t)n >= sizeof line ||
        (size_t)snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= sizeof tmp) {
        snprintf(err, errlen, "--port-file: path or bind address too long");
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "--port-file: cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    int failed = write_all(fd, line, (size_t)n);
    int saved = errno;
    if (close(fd) != 0 && !failed) { failed = 1; saved = errno; }
    if (!failed && rename(tmp, path) != 0) { failed = 1; saved = errno; }
    if (failed) {
        unlink(tmp);
        snprintf(err, errlen, "--port-file: cannot write %s: %s", path, strerror(saved));
        return -1;
    }
    return 0;
}
