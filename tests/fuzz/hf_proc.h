/* hf_proc.h: the restmap process under fuzzing: started with a target's
 * schema and seed on a fresh SQLite file in its own temporary directory,
 * port 0 (the port is read from its "listening on" line), stdout and stderr
 * into a log file; watched for an early exit (a crash, an ASan or UBSan
 * report) and stopped with SIGTERM, which must end it with status 0. */
#ifndef HF_PROC_H
#define HF_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "tests/fuzz/hf_util.h"

/* One line of the targets file: a name, a schema file and a seed file
 * (optional), paths made absolute. */
typedef struct hf_target {
    char *name, *schema, *seed;
} hf_target;

typedef struct hf_server {
    pid_t pid;                  /* 0 when not running */
    int port;
    char dir[512];              /* temporary directory, removed by hf_server_remove */
    char log_path[600];
    bool reaped;
    int wait_status;            /* as waitpid gives it, once reaped */
} hf_server;

/* Start bin for target t; extra is NULL-terminated (or NULL). Returns 0, or
 * -1 with the reason and the server's output in *err. */
int hf_server_start(hf_server *s, const char *bin, const hf_target *t, const char *static_dir,
                    const char *const *extra, int timeout_ms, hf_buf *err);
/* Still running? Reaps the process when it has ended. */
bool hf_server_running(hf_server *s);
/* SIGTERM, then wait up to timeout_ms (SIGKILL after). True when it ended by
 * itself in time. */
bool hf_server_stop(hf_server *s, int timeout_ms);
/* It ended with exit status 0. */
bool hf_server_exit_clean(const hf_server *s);
/* "exit status 1", "signal 6", ... */
void hf_server_describe_exit(const hf_server *s, hf_buf *out);
/* Everything the server wrote from offset on (malloc'd). */
char *hf_server_log(const hf_server *s, long offset, size_t *len);
long hf_server_log_size(const hf_server *s);
/* Kill (if needed) and remove the directory. */
void hf_server_remove(hf_server *s);

#endif
