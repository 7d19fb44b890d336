/* conns.c: the connection registry and its sweeper thread (see conns.h).
 * One mutex guards the list and every field of every connection; the
 * sweeper walks the whole list each period (a few thousand entries take
 * microseconds) and shuts down what is past its deadline. The sweeper
 * never closes a descriptor: libmicrohttpd sees end-of-file and closes the
 * connection itself, after rm_conns_remove. */
#include "server/conns.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

struct rm_conn {
    rm_conn *prev, *next;
    int fd;
    rm_conn_phase phase;
    int64_t deadline;           /* CLOCK_MONOTONIC ms; 0 = none */
    bool cut;                   /* shut down by the sweeper or a drain */
};

struct rm_conns {
    pthread_mutex_t mu;
    pthread_cond_t wake;        /* signalled to stop the sweeper */
    pthread_t sweeper;
    rm_conn *head;
    int head_ms, body_ms;
    long period_ms;
    bool stopping;              /* the sweeper should exit */
    bool draining;
};

/* The coarse clock (a memory read, no clock source access): deadlines are
 * whole milliseconds, checked every 5 ms or more, and it moves 4 ms at a
 * time at worst. Two calls per request. */
static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* With r->mu held. */
static void cut(rm_conn *c)
{
    if (c->cut) return;
    c->cut = true;
    c->deadline = 0;
    shutdown(c->fd, SHUT_RDWR);
}

/* With r->mu held. */
static void set_phase(rm_conns *r, rm_conn *c, rm_conn_phase p)
{
    c->phase = p;
    c->deadline = p == RM_CONN_HEAD   ? now_ms() + r->head_ms
                  : p == RM_CONN_BODY ? now_ms() + r->body_ms
                                      : 0;
    if (p == RM_CONN_HEAD && r->draining) cut(c);
}

static void *sweep(void *arg)
{
    rm_conns *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stopping) {
        int64_t now = now_ms();
        for (rm_conn *c = r->head; c; c = c->next)
            if (c->deadline && now >= c->deadline) cut(c);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += r->period_ms * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        while (!r->stopping && pthread_cond_timedwait(&r->wake, &r->mu, &until) != ETIMEDOUT) {}
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

rm_conns *rm_conns_new(int head_ms, int body_ms)
{
    rm_conns *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->head_ms = head_ms;
    r->body_ms = body_ms;
    long p = (head_ms < body_ms ? head_ms : body_ms) / 10;
    r->period_ms = p < 5 ? 5 : p > 100 ? 100 : p;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&r->mu, NULL);
    if (pthread_create(&r->sweeper, NULL, sweep, r) != 0) {
        pthread_cond_destroy(&r->wake);
        pthread_mutex_destroy(&r->mu);
        free(r);
        return NULL;
    }
    return r;
}

void rm_conns_free(rm_conns *r)
{
    if (!r) return;
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->sweeper, NULL);
    for (rm_conn *c = r->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

rm_conn *rm_conns_add(rm_conns *r, int fd)
{
    rm_conn *c = calloc(1, sizeof *c);
    if (!c) {
        shutdown(fd, SHUT_RDWR);
        return NULL;
    }
    c->fd = fd;
    pthread_mutex_lock(&r->mu);
    set_phase(r, c, RM_CONN_HEAD);
    c->next = r->head;
    if (r->head) r->head->prev = c;
    r->head = c;
    pthread_mutex_unlock(&r->mu);
    return c;
}

void rm_conns_remove(rm_conns *r, rm_conn *c)
{
    if (!c) return;
    pthread_mutex_lock(&r->mu);
    if (c->prev) c->prev->next = c->next;
    else r->head = c->next;
    if (c->next) c->next->prev = c->prev;
    pthread_mutex_unlock(&r->mu);
    free(c);
}

bool rm_conn_enter(rm_conns *r, rm_conn *c, rm_conn_phase p)
{
    if (!c) return true;
    pthread_mutex_lock(&r->mu);
    if (!c->cut) set_phase(r, c, p);
    bool alive = !c->cut;
    pthread_mutex_unlock(&r->mu);
    return alive;
}

bool rm_conn_request_done(rm_conns *r, rm_conn *c)
{
    if (!c) return false;
    pthread_mutex_lock(&r->mu);
    bool was = c->cut;
    if (!was) set_phase(r, c, RM_CONN_HEAD);
    pthread_mutex_unlock(&r->mu);
    return was;
}

void rm_conns_drain(rm_conns *r, int grace_ms)
{
    pthread_mutex_lock(&r->mu);
    r->draining = true;
    int64_t last = now_ms() + grace_ms;
    for (rm_conn *c = r->head; c; c = c->next) {
        if (c->phase == RM_CONN_HEAD) cut(c);
        else if (c->phase == RM_CONN_BODY && c->deadline > last) c->deadline = last;
    }
    pthread_mutex_unlock(&r->mu);
}
