/* main.c: the restmap binary. Parses options (exit 2 on a bad one),
 * opens the application (exit 1 when schemas or the database fail), starts
 * the HTTP server, writes the --port-file if asked (exit 1 when it cannot),
 * prints one "listening on" line, and on SIGINT/SIGTERM stops accepting,
 * lets requests in flight finish, closes the pool, removes the port file
 * and exits 0. Signals are blocked before any thread starts, so only sigwait()
 * in this thread ever sees them. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "routes/app.h"
#include "server/http.h"
#include "server/log.h"
#include "server/options.h"
#include "server/port_file.h"

extern char **environ;

#define DRAIN_TIMEOUT_MS 10000
#define FD_LIMIT_WANTED 65536 /* room for the server's connection cap (server/http.c) */

/* Raise the soft limit on open files towards the hard one: the number of
 * connections the server accepts follows it. A failure keeps the old one. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur >= FD_LIMIT_WANTED)
        return;
    rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > FD_LIMIT_WANTED
                      ? FD_LIMIT_WANTED
                      : rl.rlim_max;
    if (want <= rl.rlim_cur) return;
    rl.rlim_cur = want;
    setrlimit(RLIMIT_NOFILE, &rl);
}

/* Block SIGINT/SIGTERM for every thread (sigwait takes them) and ignore
 * SIGPIPE. The stop signals get their default action back first: a shell
 * starts background jobs with SIGINT ignored, and an ignored signal is
 * discarded even while blocked, so sigwait() would never see it. */
static void block_signals(sigset_t *set)
{
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, set, NULL);
}

static rm_app_config app_config(const rm_options *o)
{
    rm_app_config c = {
        .schema_path = o->schema,
        .db_url = o->db,
        .create_all = o->create_all,
        .echo = o->echo,
        .seed_path = o->seed && *o->seed ? o->seed : NULL,
        .threads = o->threads,
        .pool_size = o->pool_size,
        .max_overflow = o->max_overflow,
        .statement_timeout_ms = o->statement_timeout_ms,
        .max_body = o->max_body,
        .max_request_rows = o->max_request_rows,
        .max_response = o->max_response,
        .secret = o->jwt_secret, /* "" given on the command line is refused as too short */
        .audience = o->jwt_audience,
    };
    return c;
}

static rm_server_config server_config(const rm_options *o)
{
    rm_server_config c = {
        .bind = o->bind,
        .port = o->port,
        .threads = o->threads,
        .max_body = o->max_body,
        .max_uri = 8192,
        .max_header_bytes = o->max_header_bytes,
        .head_timeout_ms = o->head_timeout_ms,
        .body_timeout_ms = o->body_timeout_ms,
        .max_conns_per_ip = (unsigned)o->max_conns_per_ip,
        .static_dir = o->static_dir && *o->static_dir ? o->static_dir : NULL,
        .log_requests = o->access_log,
        .cors_origin = o->cors_origin && *o->cors_origin ? o->cors_origin : NULL,
        .observe = rm_app_observe,
    };
    return c;
}

/* Wait for SIGINT or SIGTERM; meanwhile write out the buffered access log
 * once a second (server/log.h). */
static int wait_for_stop_signal(const sigset_t *set)
{
    const struct timespec second = {1, 0};
    for (;;) {
        int sig = sigtimedwait(set, NULL, &second);
        if (sig > 0) return sig;
        rm_log_flush(); /* a timeout (EAGAIN) or an interruption (EINTR) */
    }
}

int main(int argc, char **argv)
{
    rm_options opts;
    char err[512];
    if (rm_options_parse(&opts, argc, argv, environ, err, sizeof err) != 0) {
        fprintf(stderr, "restmap: %s\n", err);
        return 2;
    }
    if (opts.help) {
        rm_options_usage(stdout);
        return 0;
    }
    /* a file left by an earlier run goes first: until this run listens,
     * no one must read a port that may be another process's by now */
    const char *port_file = opts.port_file && *opts.port_file ? opts.port_file : NULL;
    if (port_file && rm_port_file_clear(port_file, err, sizeof err) != 0) {
        fprintf(stderr, "restmap: %s\n", err);
        return 1;
    }
    sigset_t stop_signals;
    block_signals(&stop_signals);
    raise_fd_limit();

    rm_app_config acfg = app_config(&opts);
    rm_app *app = NULL;
    if (rm_app_open(&acfg, &app, err, sizeof err) != 0) {
        fprintf(stderr, "restmap: %s\n", err);
        return 1;
    }
    rm_server_config scfg = server_config(&opts);
    rm_server *srv = NULL;
    if (rm_server_start(&scfg, rm_app_handle, app, &srv, err, sizeof err) != 0) {
        fprintf(stderr, "restmap: %s\n", err);
        rm_app_close(app);
        return 1;
    }
    if (port_file && rm_port_file_write(port_file, opts.bind, rm_server_port(srv), err, sizeof err) != 0) {
        fprintf(stderr, "restmap: %s\n", err);
        rm_server_stop(srv, 0);
        rm_app_close(app);
        return 1;
    }
    int v6 = strchr(opts.bind, ':') != NULL;
    fprintf(stderr, "restmap: listening on http://%s%s%s:%d\n", v6 ? "[" : "", opts.bind,
            v6 ? "]" : "", rm_server_port(srv));
    fflush(stderr);

    int sig = wait_for_stop_signal(&stop_signals);
    rm_log(RM_LOG_INFO, "%s received: finishing requests in flight", sig == SIGINT ? "SIGINT" : "SIGTERM");
    rm_server_stop(srv, DRAIN_TIMEOUT_MS);
    rm_app_close(app);
    if (port_file && rm_port_file_clear(port_file, err, sizeof err) != 0) rm_log(RM_LOG_WARN, "%s", err);
    rm_log(RM_LOG_INFO, "stopped"); /* after every buffered line */
    return 0;
}
