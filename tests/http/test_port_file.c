/* test_port_file.c: --port-file / RESTMAP_PORT_FILE (server/port_file.h),
 * against the real binary: once the server listens the file holds
 * "HOST PORT" with the port it really bound (--port 0: the kernel's
 * choice; --port on the command line over RESTMAP_PORT in the
 * environment, as in `docker run IMAGE --port 9000`), a wildcard bind is
 * written as its loopback, that address answers GET /healthz (what the
 * container's HEALTHCHECK does), a file left by an earlier run is
 * replaced, the file is removed on a clean stop, and a file that cannot be
 * written stops the start with one line naming it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/port_file.h"
#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/util.h"

#define BLOG "schemas/blog.json"

/* Read "HOST PORT\n" from path into host (len bytes) and *port; fails the
 * test when the file is missing or has any other shape. */
static void read_port_file(const char *path, char *host, size_t len, int *port)
{
    size_t n;
    char *text = ts_read_file_from(path, 0, &n);
    const char *sp = strchr(text, ' ');
    char *end = NULL;
    long p = sp ? strtol(sp + 1, &end, 10) : -1;
    ck_assert_msg(sp && sp > text && (size_t)(sp - text) < len && end && end > sp + 1 && *end == '\n' &&
                      end == text + n - 1 && p > 0 && p <= 65535,
                  "%s: expected one line \"HOST PORT\", got \"%s\"", path, text);
    memcpy(host, text, (size_t)(sp - text));
    host[sp - text] = '\0';
    *port = (int)p;
    free(text);
}

/* The server at the address of the port file answers /healthz with 200. */
static void assert_healthy_at(const rt_server *s, const char *host, int port)
{
    rt_server probe = *s;
    probe.port = port;
    snprintf(probe.base, sizeof probe.base, strchr(host, ':') ? "http://[%s]:%d" : "http://%s:%d", host, port);
    rt_response *r = rt_get(&probe, "/healthz");
    RT_ASSERT_STATUS(r, 200);
    rt_response_free(r);
}

/* Start in a fresh directory with the port file there (pre-filled with
 * `stale` unless NULL), extra args and env; check the file against the
 * server's real port and host, then stop and check it is gone. */
static void start_and_check(const char *const *args, const char *const *env, const char *stale,
                            const char *want_host, bool via_env)
{
    char dir[256], path[320], envvar[340];
    rt_mkdtemp(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/restmap.port", dir);
    if (stale) {
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(stale, f);
        fclose(f);
    }
    const char *argv[12] = {0}, *envv[8] = {0};
    size_t na = 0, ne = 0;
    if (!via_env) { argv[na++] = "--port-file"; argv[na++] = path; }
    for (size_t i = 0; args && args[i]; i++) argv[na++] = args[i];
    snprintf(envvar, sizeof envvar, "RESTMAP_PORT_FILE=%s", path);
    if (via_env) envv[ne++] = envvar;
    for (size_t i = 0; env && env[i]; i++) envv[ne++] = env[i];

    rt_server s;
    rt_start o = {.schema = BLOG, .args = argv, .env = envv, .dir = dir};
    rt_server_start_ex(&s, &o);
    char host[64];
    int port = -1;
    read_port_file(path, host, sizeof host, &port);
    ck_assert_msg(port == s.port && port > 0, "port file says %d, the server listens on %d", port, s.port);
    ck_assert_str_eq(host, want_host);
    assert_healthy_at(&s, host, port);
    ck_assert_int_eq(rt_server_terminate(&s), 0);
    ck_assert_msg(access(path, F_OK) != 0, "%s is still there after a clean stop", path);
    rt_rmtree(dir);
}

START_TEST(port_zero_writes_the_bound_port)
{
    start_and_check(NULL, NULL, NULL, "127.0.0.1", false);
}
END_TEST

/* The command line's --port (the harness passes --port 0) wins over
 * RESTMAP_PORT, and the file says the port actually bound, read from
 * RESTMAP_PORT_FILE; an earlier run's file is replaced. */
START_TEST(env_file_command_line_port_and_stale_file)
{
    const char *const env[] = {"RESTMAP_PORT=1", NULL};
    start_and_check(NULL, env, "127.0.0.1 1\n", "127.0.0.1", true);
}
END_TEST

START_TEST(wildcard_bind_is_written_as_loopback)
{
    const char *const args[] = {"--bind", "0.0.0.0", NULL};
    start_and_check(args, NULL, NULL, "127.0.0.1", false);
}
END_TEST

START_TEST(host_of_bind_addresses)
{
    static const char *const cases[][2] = {
        {"0.0.0.0", "127.0.0.1"}, {"::", "::1"}, {"0:0::0", "::1"}, {"127.0.0.1", "127.0.0.1"},
        {"::1", "::1"}, {"10.1.2.3", "10.1.2.3"}, {"fe80::1", "fe80::1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_str_eq(rm_port_file_host(cases[i][0]), cases[i][1]);
}
END_TEST

/* A port file that cannot be written: exit 1, one line naming it, nothing
 * left listening. */
START_TEST(unwritable_port_file_stops_the_start)
{
    char dir[256], path[320];
    rt_mkdtemp(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/no/such/dir/restmap.port", dir);
    const char *const args[] = {"--port-file", path, NULL};
    rt_server s;
    rt_start o = {.schema = BLOG, .args = args, .dir = dir};
    char *err;
    int status;
    ck_assert_int_eq(rt_server_try_start(&s, &o, &err, &status), -1);
    ck_assert_msg(status == 1, "exit status %d: %s", status, err);
    ck_assert_msg(strstr(err, path) && strstr(err, "--port-file"), "the file is not named: %s", err);
    ck_assert_msg(!strstr(err, "listening"), "it said it was listening: %s", err);
    free(err);
    rt_rmtree(dir);
}
END_TEST

RT_SUITE(http_port_file_suite, "http_port_file", "port_file", NULL, NULL, 60, port_zero_writes_the_bound_port,
         env_file_command_line_port_and_stale_file, wildcard_bind_is_written_as_loopback, host_of_bind_addresses,
         unwritable_port_file_stops_the_start)
