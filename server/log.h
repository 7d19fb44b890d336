/* log.h: the process log. One line per call on stderr, prefixed with an
 * ISO 8601 UTC timestamp and the level; lines from several worker threads
 * never interleave. There is no level filter; callers decide what is worth
 * a line. The access log's lines are buffered (rm_log_buffered): one
 * write() for many lines instead of one each. */
#ifndef RM_LOG_H
#define RM_LOG_H

#include <stddef.h>

/* Longest message; longer ones are cut. */
#define RM_LOG_MESSAGE_MAX 4095

typedef enum rm_log_level {
    RM_LOG_INFO,
    RM_LOG_WARN,
    RM_LOG_ERROR
} rm_log_level;

/* Write one log line (printf format, no trailing newline needed). Lines
 * longer than 4 KiB are truncated. Control characters in the formatted
 * text are escaped (\n, \xHH) so hostile input cannot forge log lines. */
void rm_log(rm_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The same for a message already composed (msg[0..len), escaped like
 * rm_log's), kept in a buffer shared by every thread until it is full, its
 * oldest line is a second old at a later call, rm_log_flush() runs, or an
 * rm_log() line is written (which writes the buffer out first, so lines
 * keep their order). */
void rm_log_buffered(rm_log_level level, const char *msg, size_t len);

/* Write out the buffered lines now: once a second from a timer (lines
 * wait at most about a second), and before the process exits. */
void rm_log_flush(void);

/* Name of a level: "INFO", "WARN", "ERROR". */
const char *rm_log_level_name(rm_log_level level);

#endif
