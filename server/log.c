/* log.c: timestamped, injection-safe log lines on stderr (see log.h). */
#include "server/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

const char *rm_log_level_name(rm_log_level level)
{
    switch (level) {
    case RM_LOG_INFO: return "INFO";
    case RM_LOG_WARN: return "WARN";
    case RM_LOG_ERROR: return "ERROR";
    }
    return "?";
}

/* "2024-05-01T12:00:00.123Z" into buf (at least 32 bytes). */
static void format_timestamp(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

/* Copy src into dst[pos..cap), escaping control bytes; returns new pos.
 * Always leaves room for the final newline. */
static size_t append_escaped(char *dst, size_t pos, size_t cap, const char *src)
{
    static const char hex[] = "0123456789abcdef";
    for (; *src && pos + 5 < cap; src++) {
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

void rm_log(rm_log_level level, const char *fmt, ...)
{
    char msg[LOG_LINE_MAX], line[LOG_LINE_MAX + 64], ts[40];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    format_timestamp(ts, sizeof ts);
    int head = snprintf(line, sizeof line, "%s restmap[%s] ", ts, rm_log_level_name(level));
    size_t pos = head > 0 ? (size_t)head : 0;
    pos = append_escaped(line, pos, sizeof line, msg);
    line[pos++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, pos);
    (void)w; /* nothing sensible to do when stderr is gone */
}
