/* log.c: timestamped, injection-safe log lines on stderr (see log.h).
 *
 * Buffered lines (the access log) gather in one buffer under a mutex and go
 * out in one write() when the next would not fit, when the oldest is a
 * second old at the next call, on rm_log_flush(), and before any unbuffered
 * line: stderr shows every line whole and in the order of the calls. */
#include "server/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/fmt.h"

#define LOG_LINE_MAX (RM_LOG_MESSAGE_MAX + 1) /* of the message, with its NUL */
#define LINE_ROOM (LOG_LINE_MAX + 64)    /* with the timestamp, level and newline */
#define BUFFER_BYTES ((size_t)64 << 10)
#define FLUSH_AFTER_NS 1000000000LL      /* the oldest buffered line waits at most this */

static struct {
    pthread_mutex_t mu;
    size_t used;
    long long oldest_ns;                 /* CLOCK_MONOTONIC of the first line in buf */
    char buf[BUFFER_BYTES];
} pending = {.mu = PTHREAD_MUTEX_INITIALIZER};

const char *rm_log_level_name(rm_log_level level)
{
    switch (level) {
    case RM_LOG_INFO: return "INFO";
    case RM_LOG_WARN: return "WARN";
    case RM_LOG_ERROR: return "ERROR";
    }
    return "?";
}

static long long now_ns(clockid_t clock, struct timespec *ts)
{
    clock_gettime(clock, ts);
    return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* "2024-05-01T12:00:00.123Z" into out (at least 40 bytes); its length. The
 * text of the second is kept per thread: strftime once a second. */
static size_t format_timestamp(char *out)
{
    static _Thread_local time_t cached_sec = (time_t)-1;
    static _Thread_local char cached[32];
    static _Thread_local size_t cached_len;
    struct timespec ts;
    now_ns(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != cached_sec) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        cached_len = strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
        cached_sec = ts.tv_sec;
    }
    memcpy(out, cached, cached_len);
    size_t n = cached_len;
    long ms = ts.tv_nsec / 1000000L;
    out[n++] = '.';
    out[n++] = (char)('0' + ms / 100);
    out[n++] = (char)('0' + ms / 10 % 10);
    out[n++] = (char)('0' + ms % 10);
    out[n++] = 'Z';
    return n;
}

/* Copy src[0..len) into dst[pos..cap), escaping control bytes; returns the
 * new pos. Always leaves room for the final newline. */
static size_t append_escaped(char *dst, size_t pos, size_t cap, const char *src, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    for (const char *end = src + len; src < end && pos + 5 < cap; src++) {
        unsigned char c = (unsigned char)*src;
        if (c >= 0x20 && c != 0x7f) {
            dst[pos++] = (char)c;
        } else if (c == '\n') {
            dst[pos++] = '\\';
            dst[pos++] = 'n';
        } else {
            dst[pos++] = '\\';
            dst[pos++] = 'x';
            dst[pos++] = hex[c >> 4];
            dst[pos++] = hex[c & 15];
        }
    }
    return pos;
}

/* The whole line for msg[0..len) into line[LINE_ROOM]; its length. */
static size_t compose(char *line, rm_log_level level, const char *msg, size_t len)
{
    size_t pos = format_timestamp(line);
    static const char tag[] = " restmap[";
    memcpy(line + pos, tag, sizeof tag - 1);
    pos += sizeof tag - 1;
    const char *name = rm_log_level_name(level);
    size_t nl = strlen(name);
    memcpy(line + pos, name, nl);
    pos += nl;
    line[pos++] = ']';
    line[pos++] = ' ';
    if (len > LOG_LINE_MAX - 1) len = LOG_LINE_MAX - 1;
    pos = append_escaped(line, pos, LINE_ROOM, msg, len);
    line[pos++] = '\n';
    return pos;
}

static void write_all(const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return; /* nothing sensible to do when stderr is gone */
        p += w;
        n -= (size_t)w;
    }
}

/* Write out what is buffered; the caller holds pending.mu. */
static void flush_locked(void)
{
    write_all(pending.buf, pending.used);
    pending.used = 0;
}

void rm_log(rm_log_level level, const char *fmt, ...)
{
    char msg[LOG_LINE_MAX], line[LINE_ROOM];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t len = compose(line, level, msg, n < 0 ? 0 : strlen(msg));
    pthread_mutex_lock(&pending.mu);
    flush_locked();
    write_all(line, len);
    pthread_mutex_unlock(&pending.mu);
}

void rm_log_buffered(rm_log_level level, const char *msg, size_t len)
{
    char line[LINE_ROOM];
    size_t n = compose(line, level, msg, len);
    struct timespec ts;
    long long now = now_ns(CLOCK_MONOTONIC, &ts);
    pthread_mutex_lock(&pending.mu);
    if (n > sizeof pending.buf - pending.used) flush_locked();
    if (!pending.used) pending.oldest_ns = now;
    memcpy(pending.buf + pending.used, line, n);
    pending.used += n;
    if (now - pending.oldest_ns >= FLUSH_AFTER_NS) flush_locked();
    pthread_mutex_unlock(&pending.mu);
}

void rm_log_flush(void)
{
    pthread_mutex_lock(&pending.mu);
    flush_locked();
    pthread_mutex_unlock(&pending.mu);
}
