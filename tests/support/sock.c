/* sock.c: raw client sockets from chosen loopback addresses (see sock.h). */
#include "tests/support/sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int sock_connect_from(int port, int host)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in src = {.sin_family = AF_INET};
    src.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)(host & 0xff));
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0 ||
        connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

int sock_send(int fd, const void *data, int n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = send(fd, p, (size_t)n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            poll(&pfd, 1, 100);
            continue;
        }
        if (w <= 0) return -1;
        p += w;
        n -= (int)w;
    }
    return 0;
}

int sock_wait_closed(int fd, int timeout_ms, char *got, int cap)
{
    long long end = ts_now_ms() + timeout_ms;
    int have = 0;
    if (got && cap > 0) got[0] = '\0';
    for (;;) {
        long long left = end - ts_now_ms();
        if (left <= 0) return 0;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int pr = poll(&pfd, 1, (int)left);
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) return 0;
        char chunk[4096];
        ssize_t r = recv(fd, chunk, sizeof chunk, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (r <= 0) return 1; /* end of file, or reset */
        if (got && have < cap - 1) {
            int k = (int)r < cap - 1 - have ? (int)r : cap - 1 - have;
            memcpy(got + have, chunk, (size_t)k);
            have += k;
            got[have] = '\0';
        }
    }
}

int sock_request(int port, int host, const char *request, int timeout_ms, long long *ms)
{
    long long start = ts_now_ms();
    *ms = 0;
    int fd = sock_connect_from(port, host);
    if (fd < 0) return 0;
    char got[64];
    int status = 0;
    if (sock_send(fd, request, (int)strlen(request)) == 0 &&
        sock_wait_closed(fd, timeout_ms, got, sizeof got) &&
        sscanf(got, "HTTP/1.%*d %d", &status) != 1)
        status = 0;
    close(fd);
    *ms = ts_now_ms() - start;
    return status;
}

int sock_open_answered(int port, int host, const char *request, int wait_ms, char *got, int cap)
{
    int fd = sock_connect_from(port, host);
    if (fd < 0) return -1;
    if (sock_send(fd, request, (int)strlen(request)) != 0 ||
        sock_wait_closed(fd, wait_ms, got, cap)) {
        close(fd);
        return -1;
    }
    return fd;
}

int sock_closed_unanswered(int port, int host, const char *request, int timeout_ms)
{
    int fd = sock_connect_from(port, host);
    if (fd < 0) return 0;
    sock_send(fd, request, (int)strlen(request)); /* may fail: already closed */
    char got[64];
    int closed = sock_wait_closed(fd, timeout_ms, got, sizeof got);
    close(fd);
    return closed && got[0] == '\0';
}
