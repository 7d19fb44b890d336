/* options.h: the command line and environment of the restmap binary.
 *
 * Every option --name has an environment variable RESTMAP_NAME (upper
 * case, '-' -> '_'); the command line wins over the environment. Values
 * are given as "--opt value" or "--opt=value"; booleans are bare flags
 * ("--echo") or take 1/true/yes/on or 0/false/no/off after '=' (and in the
 * environment). An empty environment variable counts as unset. Parsing
 * allocates nothing: strings point into argv or envp. */
#ifndef RM_OPTIONS_H
#define RM_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct rm_options {
    const char *schema;          /* --schema FILE|DIR (required) */
    const char *db;              /* --db URL, default "sqlite:///restmap.db" */
    int port;                    /* --port 0..65535, default 8080 (0 = ephemeral) */
    const char *bind;            /* --bind ADDR, default "127.0.0.1" */
    const char *port_file;       /* --port-file PATH or NULL: "HOST PORT" once listening
                                    (server/port_file.h), removed on exit */
    int threads;                 /* --threads 1..1024, default 4 */
    bool create_all;             /* --create-all */
    bool echo;                   /* --echo */
    const char *static_dir;      /* --static DIR, default "static"; "" = no static files */
    int pool_size;               /* --pool-size 1..10000, default 5 */
    int max_overflow;            /* --max-overflow 0..10000, default 10 */
    int statement_timeout_ms;    /* --statement-timeout-ms >= 0 (0 = none), default 5000 */
    size_t max_body;             /* --max-body 1..1 GiB, default 1048576 */
    size_t max_header_bytes;     /* --max-header-bytes 1 KiB..1 MiB, default 8192 (431) */
    int max_request_rows;        /* --max-request-rows 1.., default 100000 */
    size_t max_response;         /* --max-response 64 KiB..4 GiB, default 64 MiB */
    int head_timeout_ms;         /* --head-timeout-ms 100..3600000, default 5000 */
    int body_timeout_ms;         /* --body-timeout-ms 100..3600000, default 30000 */
    int max_conns_per_ip;        /* --max-connections-per-ip 0..1000000 (0 = no limit), default 64 */
    const char *seed;            /* --seed FILE or NULL */
    const char *jwt_secret;      /* --jwt-secret or NULL */
    const char *jwt_audience;    /* --jwt-audience or NULL */
    bool access_log;             /* --access-log, default true: one line per request */
    const char *cors_origin;     /* --cors-origin "*" or ORIGIN, NULL/"" = no CORS */
    bool help;                   /* --help / -h given: print usage, exit 0 */
} rm_options;

/* Fill *out with the defaults, then the environment (envp: NULL-terminated
 * "NAME=value" strings, e.g. `environ`; NULL = none), then argv[1..argc).
 * Returns 0 on success, -1 on error with one message naming the option (or
 * environment variable) and the problem written into err. When --help/-h
 * is anywhere on the command line, returns 0 with out->help set and checks
 * nothing else. A missing --schema is an error. */
int rm_options_parse(rm_options *out, int argc, char *const *argv, char *const *envp,
                     char *err, size_t errlen);

/* Print the usage text (every option, its variable and default) to out. */
void rm_options_usage(FILE *out);

#endif
