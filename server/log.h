/* log.h: the process log. One line per call on stderr, prefixed with an
 * ISO 8601 UTC timestamp and the level, written with a single write so
 * lines from several worker threads never interleave. No global state:
 * there is no level filter; callers decide what is worth a line. */
#ifndef RM_LOG_H
#define RM_LOG_H

#include <stddef.h>

typedef enum rm_log_level {
    RM_LOG_INFO,
    RM_LOG_WARN,
    RM_LOG_ERROR
} rm_log_level;

/* Write one log line (printf format, no trailing newline needed). Lines
 * longer than 4 KiB are truncated. Control characters in the formatted
 * text are escaped (\n, \xHH) so hostile input cannot forge log lines. */
void rm_log(rm_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Name of a level: "INFO", "WARN", "ERROR". */
const char *rm_log_level_name(rm_log_level level);

#endif
