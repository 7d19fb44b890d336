/* test_slow_clients.c: slow and idle clients against the real binary
 * (issue 9, items 5 and 9). 1,100 connections from 22 loopback addresses
 * (127.0.0.2 up to 127.0.0.23, 50 each, under the per-address limit)
 * dribble a request one byte every 100 ms, half of them a head, half a body
 * after a complete head: a normal client is still answered within a second
 * the whole time, and every slow connection is closed at its deadline
 * (never before). Also: a client over --max-connections-per-ip is closed
 * unanswered while other addresses are served, and SIGTERM with an idle
 * half-sent upload, an idle keep-alive connection and half a head exits at
 * once instead of waiting out the drain. */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/sock.h"

#define BLOG "schemas/blog.json"
#define BLOG_SEED "schemas/blog.seed.json"
#define SLOW 1100                  /* the count */
#define PER_HOST 50                /* under the default of 64 per address */
#define DEADLINE_MS 5000           /* --head-timeout-ms (the default) and --body-timeout-ms */
#define STEP_MS 100                /* one byte per slow connection per step */
#define NORMAL_EVERY_MS 200
#define NORMAL_MAX 32

static const char normal_request[] =
    "GET /api/users?limit=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

/* Enough descriptors for SLOW sockets in this process (and the server,
 * which inherits the limit); fails clearly when the hard limit is too low. */
static void need_descriptors(rlim_t n)
{
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur >= n) return;
    ck_assert_msg(rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= n,
                  "this test needs %llu open files; the hard limit is %llu",
                  (unsigned long long)n, (unsigned long long)rl.rlim_max);
    rl.rlim_cur = n;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* ------------------------------------------------------------ the normal client */

typedef struct normal_client {
    int port;
    atomic_bool stop;
    int n;                         /* requests made */
    int status[NORMAL_MAX];
    long long ms[NORMAL_MAX];
} normal_client;

static void *normal_loop(void *arg)
{
    normal_client *nc = arg;
    while (!atomic_load(&nc->stop) && nc->n < NORMAL_MAX) {
        long long start = ts_now_ms();
        nc->status[nc->n] = sock_request(nc->port, 1, normal_request, 5000, &nc->ms[nc->n]);
        nc->n++;
        long long left = NORMAL_EVERY_MS - (ts_now_ms() - start);
        if (left > 0) ts_sleep_ms((long)left);
    }
    return NULL;
}

/* ------------------------------------------------------------ slow connections */

typedef struct slow_conn {
    int fd;
    const char *text;              /* what is dribbled */
    size_t pos;
    long long opened, closed;      /* ms; closed 0 while open */
    bool answered;                 /* bytes came back before the close */
} slow_conn;

static const char *head_text(void)
{
    static char text[512];
    if (!text[0]) {
        snprintf(text, sizeof text, "GET /api/users HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ");
        size_t n = strlen(text);
        memset(text + n, 'a', 300);
        strcpy(text + n + 300, "\r\n\r\n");
    }
    return text;
}

static const char *body_text(void)
{
    static char text[1001];
    if (!text[0]) {
        memset(text, ' ', 1000);
        text[0] = '{';
    }
    return text;
}

static const char body_head[] =
    "POST /api/keywords HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    "Content-Length: 1000\r\n\r\n";

static void note_closed(slow_conn *c, long long now)
{
    if (c->closed) return;
    c->closed = now;
    close(c->fd);
    c->fd = -1;
}

/* Read what is there on c without blocking: a close (or reset) is noted. */
static void drain_input(slow_conn *c, long long now)
{
    char buf[512];
    for (;;) {
        ssize_t r = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r > 0) {
            c->answered = true;
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (r < 0 && errno == EINTR) continue;
        note_closed(c, now);
        return;
    }
}

/* One step: a byte on every open connection, then wait out the step while
 * watching for closes. Returns how many are still open. */
static int step(slow_conn *conns, struct pollfd *pfd, int n)
{
    long long start = ts_now_ms();
    for (int i = 0; i < n; i++) {
        slow_conn *c = &conns[i];
        if (c->closed || !c->text[c->pos]) continue;
        if (send(c->fd, c->text + c->pos, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) c->pos++;
        else if (errno != EAGAIN && errno != EWOULDBLOCK) note_closed(c, ts_now_ms());
    }
    for (;;) {
        int open = 0;
        for (int i = 0; i < n; i++) {
            pfd[i].fd = conns[i].closed ? -1 : conns[i].fd;
            pfd[i].events = POLLIN;
            pfd[i].revents = 0;
            open += !conns[i].closed;
        }
        long long left = STEP_MS - (ts_now_ms() - start);
        if (left <= 0 || !open) return open;
        int pr = poll(pfd, (nfds_t)n, (int)left);
        if (pr <= 0) continue;
        long long now = ts_now_ms();
        for (int i = 0; i < n; i++)
            if (pfd[i].revents) drain_input(&conns[i], now);
    }
}

START_TEST(test_slow_clients_do_not_lock_out_others)
{
    need_descriptors(SLOW + 256);
    rt_server s;
    const char *args[] = {"--body-timeout-ms", "5000", NULL}; /* the head: the default */
    rt_server_start(&s, BLOG, BLOG_SEED, args);
    slow_conn *conns = calloc(SLOW, sizeof *conns);
    struct pollfd *pfd = calloc(SLOW, sizeof *pfd);
    ck_assert(conns && pfd);
    for (int i = 0; i < SLOW; i++) {
        slow_conn *c = &conns[i];
        c->opened = ts_now_ms(); /* before the server can have accepted it */
        c->fd = sock_connect_from(s.port, 2 + i / PER_HOST);
        ck_assert_msg(c->fd >= 0, "slow connection %d: %s", i, strerror(errno));
        bool body = i % 2;
        c->text = body ? body_text() : head_text();
        if (body) ck_assert_int_eq(sock_send(c->fd, body_head, sizeof body_head - 1), 0);
    }
    /* the normal client runs while every slow connection is still open */
    normal_client nc = {.port = s.port};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, normal_loop, &nc), 0);
    long long first_open = conns[0].opened, last_open = conns[SLOW - 1].opened;
    ck_assert_msg(last_open - first_open < 2000, "opening %d connections took %lld ms", SLOW,
                  last_open - first_open);
    int min_open = SLOW;
    while (ts_now_ms() - first_open < DEADLINE_MS - 300) {
        int open = step(conns, pfd, SLOW);
        if (open < min_open) min_open = open;
    }
    atomic_store(&nc.stop, true);
    pthread_join(t, NULL);
    /* then each is cut at its deadline */
    while (ts_now_ms() - last_open < DEADLINE_MS + 3000 && step(conns, pfd, SLOW) > 0) {}

    long long worst = 0, total = 0;
    for (int i = 0; i < nc.n; i++) {
        ck_assert_msg(nc.status[i] == 200, "normal request %d: status %d after %lld ms", i,
                      nc.status[i], nc.ms[i]);
        if (nc.ms[i] > worst) worst = nc.ms[i];
        total += nc.ms[i];
    }
    long long first_cut = -1, last_cut = 0;
    int answered = 0;
    for (int i = 0; i < SLOW; i++) {
        slow_conn *c = &conns[i];
        ck_assert_msg(c->closed, "slow connection %d (%s) still open %lld ms after it opened", i,
                      i % 2 ? "body" : "head", ts_now_ms() - c->opened);
        long long life = c->closed - c->opened;
        ck_assert_msg(life >= DEADLINE_MS - 5, "slow connection %d closed after %lld ms", i,
                      life);
        if (first_cut < 0 || life < first_cut) first_cut = life;
        if (life > last_cut) last_cut = life;
        answered += c->answered;
    }
    ck_assert_int_eq(answered, 0);
    ck_assert_int_eq(min_open, SLOW);
    ck_assert_int_ge(nc.n, 5);
    ck_assert_msg(worst < 1000, "a normal request took %lld ms", worst);
    fprintf(stderr,
            "slow clients: %d slow connections opened in %lld ms and all held open while "
            "%d normal requests were answered (mean %lld ms, worst %lld ms); each closed "
            "%lld..%lld ms after it opened (deadline %d ms)\n",
            SLOW, last_open - first_open, nc.n, total / nc.n, worst, first_cut, last_cut,
            DEADLINE_MS);
    free(conns);
    free(pfd);
    rt_server_stop(&s);
}
END_TEST

START_TEST(test_per_ip_limit_option)
{
    rt_server s;
    const char *args[] = {"--max-connections-per-ip", "2", NULL};
    rt_server_start(&s, BLOG, BLOG_SEED, args);
    static const char ka[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    static const char once[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    int held[2];
    for (int i = 0; i < 2; i++) { /* answered, so surely counted; then kept open */
        char got[64];
        held[i] = sock_open_answered(s.port, 5, ka, 500, got, sizeof got);
        ck_assert_msg(held[i] >= 0 && strncmp(got, "HTTP/1.1 200 ", 13) == 0, "%d: %s", i, got);
    }
    ck_assert_msg(sock_closed_unanswered(s.port, 5, once, 3000),
                  "the 3rd connection from one address was not closed unanswered");
    long long ms;
    ck_assert_int_eq(sock_request(s.port, 6, once, 5000, &ms), 200);
    close(held[0]);
    close(held[1]);
    rt_server_stop(&s);
}
END_TEST

/* SIGTERM waits for handlers that run, not for clients that send nothing:
 * an idle half-sent upload, an idle keep-alive connection and half a head
 * do not hold the stop for the 10 s drain. */
START_TEST(test_sigterm_with_idle_connections_exits_at_once)
{
    rt_server s;
    rt_server_start(&s, BLOG, BLOG_SEED, NULL);
    char *before = rt_db_fingerprint(&s);
    int upload = sock_connect_from(s.port, 1);
    static const char part[] = "POST /api/keywords HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Content-Type: application/json\r\nContent-Length: 40\r\n\r\n"
                               "{\"keyword\": \"half";
    ck_assert_int_eq(sock_send(upload, part, sizeof part - 1), 0);
    static const char ka[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    char got[64];
    int idle = sock_open_answered(s.port, 1, ka, 500, got, sizeof got);
    ck_assert_msg(idle >= 0 && strncmp(got, "HTTP/1.1 200 ", 13) == 0, "%s", got);
    int half = sock_connect_from(s.port, 1);
    ck_assert_int_eq(sock_send(half, "GET /api/users HTTP/1.1\r\nHo", 27), 0);
    ts_sleep_ms(200); /* let the server read all of it */
    long long start = ts_now_ms();
    ck_assert_int_eq(kill(s.pid, SIGTERM), 0);
    int status = rt_server_wait(&s, 15000);
    long long took = ts_now_ms() - start;
    ck_assert_msg(status == 0, "exit status %d", status);
    ck_assert_msg(took < 3000, "SIGTERM took %lld ms to exit (the drain allows 10000)", took);
    fprintf(stderr, "slow clients: SIGTERM with idle connections exited in %lld ms\n", took);
    int fds[] = {upload, idle, half};
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(sock_wait_closed(fds[i], 1000, NULL, 0), "connection %d still open", i);
        close(fds[i]);
    }
    char *after = rt_db_fingerprint(&s);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    rt_server_stop(&s);
}
END_TEST

RT_SUITE(http_slow_clients_suite, "http_slow_clients", "slow", NULL, NULL, 120,
         test_slow_clients_do_not_lock_out_others, test_per_ip_limit_option,
         test_sigterm_with_idle_connections_exits_at_once)
