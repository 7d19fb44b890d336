/* util.h: small helpers every test program shares (the check suites, the
 * HTTP fuzzer): a monotonic clock, a sleep, reading a file, removing a
 * directory tree, counting the rows of logged INSERTs.
 * No check here, so programs without it can link this file. */
#ifndef RM_TEST_UTIL_H
#define RM_TEST_UTIL_H

#include <stddef.h>

/* CLOCK_MONOTONIC in milliseconds. */
long long ts_now_ms(void);
/* Sleep ms milliseconds (signals do not cut it short). */
void ts_sleep_ms(long ms);
/* The file's bytes from offset on (malloc'd, NUL-terminated, "" when it
 * cannot be read); its length in *len when len is not NULL. */
char *ts_read_file_from(const char *path, long offset, size_t *len);
/* Remove dir and everything below it (errors are ignored). */
void ts_rmtree(const char *dir);
/* Rows written by the INSERT INTO "table" statements of an SQL log
 * (--echo lines; a multi-row INSERT counts each of its rows). */
int ts_inserted_rows(const char *log, const char *table);

#endif
