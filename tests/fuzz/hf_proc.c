/* hf_proc.c: starting, watching and stopping the restmap process (see
 * hf_proc.h). */
#include "tests/fuzz/hf_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_ARGS 48

/* environ without RESTMAP_* (the target decides every option). */
static char **child_env(void)
{
    size_t n = 0, k = 0;
    for (char **e = environ; *e; e++) n++;
    char **env = hf_xcalloc(n + 1, sizeof *env);
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "RESTMAP_", 8) != 0) env[k++] = *e;
    env[k] = NULL;
    return env;
}

/* "restmap: listening on http://HOST:PORT\n" → PORT, or 0. */
static int listening_port(const char *log)
{
    static const char tag[] = "restmap: listening on ";
    const char *p = strstr(log, tag);
    if (!p) return 0;
    const char *nl = strchr(p, '\n');
    if (!nl) return 0;
    const char *colon = nl;
    while (colon > p && *colon != ':') colon--;
    return colon > p ? atoi(colon + 1) : 0;
}

int hf_server_start(hf_server *s, const char *bin, const hf_target *t, const char *static_dir,
                    const char *const *extra, int timeout_ms, hf_buf *err)
{
    memset(s, 0, sizeof *s);
    const char *tmp = getenv("TMPDIR");
    snprintf(s->dir, sizeof s->dir, "%s/restmap-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(s->dir)) {
        hf_buf_fmt(err, "mkdtemp %s: %s", s->dir, strerror(errno));
        return -1;
    }
    snprintf(s->log_path, sizeof s->log_path, "%s/server.log", s->dir);
    char *db = hf_xasprintf("sqlite:///%s/fuzz.db", s->dir);
    const char *argv[MAX_ARGS];
    size_t n = 0;
    argv[n++] = bin;
    argv[n++] = "--schema";
    argv[n++] = t->schema;
    argv[n++] = "--db";
    argv[n++] = db;
    argv[n++] = "--create-all";
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--access-log=no";
    if (t->seed) {
        argv[n++] = "--seed";
        argv[n++] = t->seed;
    }
    if (static_dir) {
        argv[n++] = "--static";
        argv[n++] = static_dir;
    }
    for (const char *const *a = extra; a && *a && n + 1 < MAX_ARGS; a++) argv[n++] = *a;
    argv[n] = NULL;
    char **env = child_env();
    pid_t pid = fork();
    if (pid < 0) hf_die("fork: %s", strerror(errno));
    if (pid == 0) {
        /* async-signal-safe only: the server dies with the fuzzer */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int null = open("/dev/null", O_RDONLY);
        if (fd < 0 || null < 0 || chdir(s->dir) != 0) _exit(126);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execve(bin, (char *const *)argv, env);
        _exit(127);
    }
    free(env);
    free(db);
    s->pid = pid;
    long long deadline = ts_now_ms() + timeout_ms;
    for (;;) {
        char *log = hf_server_log(s, 0, NULL);
        s->port = listening_port(log);
        if (s->port > 0) {
            free(log);
            return 0;
        }
        bool ended = !hf_server_running(s);
        if (ended || ts_now_ms() > deadline) {
            if (!ended) hf_server_stop(s, 1000);
            hf_buf_fmt(err, "%s did not start for target %s (", bin, t->name);
            hf_server_describe_exit(s, err);
            hf_buf_str(err, "); its output:\n");
            hf_buf_str(err, log);
            free(log);
            return -1;
        }
        free(log);
        ts_sleep_ms(5);
    }
}

bool hf_server_running(hf_server *s)
{
    if (!s->pid || s->reaped) return false;
    int st;
    pid_t r = waitpid(s->pid, &st, WNOHANG);
    if (r == s->pid || (r < 0 && errno == ECHILD)) {
        s->reaped = true;
        s->wait_status = r == s->pid ? st : 0;
        return false;
    }
    return true;
}

bool hf_server_stop(hf_server *s, int timeout_ms)
{
    if (!hf_server_running(s)) return true;
    kill(s->pid, SIGTERM);
    long long deadline = ts_now_ms() + timeout_ms;
    while (hf_server_running(s)) {
        if (ts_now_ms() > deadline) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &s->wait_status, 0);
            s->reaped = true;
            return false;
        }
        ts_sleep_ms(5);
    }
    return true;
}

bool hf_server_exit_clean(const hf_server *s)
{
    return s->reaped && WIFEXITED(s->wait_status) && WEXITSTATUS(s->wait_status) == 0;
}

void hf_server_describe_exit(const hf_server *s, hf_buf *out)
{
    if (!s->reaped) hf_buf_str(out, "still running");
    else if (WIFEXITED(s->wait_status)) hf_buf_fmt(out, "exit status %d", WEXITSTATUS(s->wait_status));
    else if (WIFSIGNALED(s->wait_status)) hf_buf_fmt(out, "signal %d", WTERMSIG(s->wait_status));
    else hf_buf_str(out, "ended");
}

char *hf_server_log(const hf_server *s, long offset, size_t *len)
{
    return ts_read_file_from(s->log_path, offset, len);
}

long hf_server_log_size(const hf_server *s) { return hf_file_size(s->log_path); }

void hf_server_remove(hf_server *s)
{
    if (s->pid && !s->reaped) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &s->wait_status, 0);
        s->reaped = true;
    }
    if (s->dir[0]) ts_rmtree(s->dir);
    s->dir[0] = '\0';
    s->pid = 0;
}
