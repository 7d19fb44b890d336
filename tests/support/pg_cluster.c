/* pg_cluster.c: see pg_cluster.h. */
#include "tests/support/pg_cluster.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/util.h"

#define SCRIPT "scripts/pg-test-cluster.sh"
#define TIMEOUT_MS 90000 /* pg_ctl's own wait is 60 s */

/* The process that took the server down (0: it is up). */
static pid_t down_by;

/* Run the script with action on the cluster; 0, or -1 with its output
 * (or why it did not run) in out. */
static int run_script(const char *action, char *out, size_t len)
{
    const char *dir = getenv("RT_PG_DIR");
    if (!dir || !*dir) {
        snprintf(out, len, "RT_PG_DIR is not set: run the suite under scripts/with-postgres.sh, "
                           "which exports the cluster's directory");
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    char log[512];
    snprintf(log, sizeof log, "%s/restmap-pg-cluster-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(log);
    if (fd < 0) {
        snprintf(out, len, "mkstemp: %s", strerror(errno));
        return -1;
    }
    /* only async-signal-safe calls in the child: the test may have threads */
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        if (null < 0) _exit(126);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execl("/bin/sh", "sh", SCRIPT, action, dir, (char *)NULL);
        _exit(127);
    }
    close(fd);
    int st = 0;
    bool done = false;
    for (long long deadline = ts_now_ms() + TIMEOUT_MS; pid > 0 && ts_now_ms() < deadline;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR)) {
            done = r == pid;
            break;
        }
        ts_sleep_ms(5);
    }
    if (pid > 0 && !done) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    char *text = ts_read_file_from(log, 0, NULL);
    unlink(log);
    int rc = done && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
    snprintf(out, len, "%s %s %s: %s%s", SCRIPT, action, dir,
             pid < 0 ? "fork failed" : !done ? "no end in time; " : rc ? "failed; " : "", text);
    free(text);
    return rc;
}

static void cluster(const char *action)
{
    char out[2048];
    ck_assert_msg(run_script(action, out, sizeof out) == 0, "%s", out);
}

/* At exit of the process that took the server down: start it again. */
static void up_at_exit(void)
{
    if (down_by != getpid()) return;
    char out[2048];
    if (run_script("up", out, sizeof out) != 0) fprintf(stderr, "pg_cluster: starting the server again: %s\n", out);
    down_by = 0;
}

void rt_pg_restart(void) { cluster("restart"); }

void rt_pg_down(void)
{
    static bool registered;
    if (!registered) {
        atexit(up_at_exit);
        registered = true;
    }
    down_by = getpid();
    cluster("down");
}

void rt_pg_up(void)
{
    cluster("up");
    down_by = 0;
}
