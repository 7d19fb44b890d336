/* rt.c: the end-to-end harness (see rt.h): process control of the restmap
 * binary (its database from rt_db.c), HTTP through libcurl, raw sockets, the
 * problem+json and JSON expectations the HTTP suites share, and the walker
 * of their case tables. */
#include "tests/support/rt.h"
#include "tests/support/rt_record.h"
#include "tests/support/backend.h"
#include "tests/support/util.h"

#include <arpa/inet.h>
#include <check.h>
#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define START_TIMEOUT_MS 20000
#define STOP_TIMEOUT_MS 15000
#define RUN_TIMEOUT_MS 20000
#define HTTP_TIMEOUT_MS 15000

/* ------------------------------------------------------------ buffers */

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void buf_add(buf *b, const void *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *np = realloc(b->p, cap);
        ck_assert_msg(np != NULL, "out of memory");
        b->p = np;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_str(buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static void __attribute__((format(printf, 2, 0))) buf_vfmt(buf *b, const char *fmt, va_list ap)
{
    char tmp[512];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(tmp, sizeof tmp, fmt, again);
    va_end(again);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) {
        buf_add(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    ck_assert_msg(big != NULL, "out of memory");
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    buf_add(b, big, (size_t)n);
    free(big);
}

static void __attribute__((format(printf, 2, 3))) buf_fmt(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vfmt(b, fmt, ap);
    va_end(ap);
}

/* Always a NUL-terminated malloc'd string. */
static char *buf_take(buf *b)
{
    if (!b->p) buf_add(b, "", 0);
    char *p = b->p;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

/* ------------------------------------------------------------ time */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* ------------------------------------------------------------ files */

void rt_mkdtemp(char *out, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    snprintf(out, len, "%s/restmap-test-XXXXXX", tmp);
    ck_assert_msg(mkdtemp(out) != NULL, "mkdtemp %s: %s", out, strerror(errno));
}

void rt_rmtree(const char *dir)
{
    rt_db_forget(dir);
    ts_rmtree(dir);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* ------------------------------------------------------------ processes */

static void binary_path(char *out, size_t len)
{
    const char *bin = getenv("RESTMAP_BIN");
    if (!bin || !*bin) bin = "build/restmap";
    char *abs = realpath(bin, NULL);
    ck_assert_msg(abs != NULL, "restmap binary %s: %s (set RESTMAP_BIN)", bin, strerror(errno));
    snprintf(out, len, "%s", abs);
    free(abs);
}

/* An absolute copy of a path that exists (malloc'd). */
static char *absolute(const char *path)
{
    char *abs = realpath(path, NULL);
    ck_assert_msg(abs != NULL, "%s: %s", path, strerror(errno));
    return abs;
}

/* environ without RESTMAP_*, plus extra (NULL-terminated, malloc'd array of
 * borrowed strings). */
static char **child_env(const char *const *extra)
{
    size_t n = 0, k = 0;
    for (char **e = environ; *e; e++) n++;
    for (const char *const *e = extra; e && *e; e++) n++;
    char **env = calloc(n + 1, sizeof *env);
    ck_assert_msg(env != NULL, "out of memory");
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "RESTMAP_", 8) != 0) env[k++] = *e;
    for (const char *const *e = extra; e && *e; e++) env[k++] = (char *)*e;
    env[k] = NULL;
    return env;
}

/* Every process this harness started and has not reaped yet, so that a
 * test that fails half-way (longjmp with CK_FORK=no, exit in a forked
 * test) leaves no process and no directory behind: the atexit handler of
 * the process that started them cleans up. */
typedef struct live_child {
    pid_t pid, owner;
    char dir[256];
    bool owns_dir;
} live_child;

static live_child live[64];

static void cleanup_children(void)
{
    for (size_t i = 0; i < sizeof live / sizeof live[0]; i++) {
        if (live[i].pid <= 0 || live[i].owner != getpid()) continue;
        kill(live[i].pid, SIGKILL);
        waitpid(live[i].pid, NULL, 0);
        if (live[i].owns_dir) rt_rmtree(live[i].dir);
        live[i].pid = 0;
    }
}

static void track(pid_t pid, const char *dir, bool owns_dir)
{
    static bool registered;
    if (!registered) {
        atexit(cleanup_children);
        registered = true;
    }
    for (size_t i = 0; i < sizeof live / sizeof live[0]; i++) {
        if (live[i].pid > 0 && live[i].owner == getpid()) continue;
        live[i].pid = pid;
        live[i].owner = getpid();
        snprintf(live[i].dir, sizeof live[i].dir, "%s", dir ? dir : "");
        live[i].owns_dir = owns_dir && dir;
        return;
    }
}

/* The process was reaped (and its directory will be handled by the caller). */
static void untrack(pid_t pid)
{
    for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
        if (live[i].pid == pid && live[i].owner == getpid()) live[i].pid = 0;
}

/* fork + exec argv in dir with stdout and stderr appended to log. */
static pid_t spawn(char **argv, char **envp, const char *dir, const char *log)
{
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        /* only async-signal-safe calls between fork and exec; a test that
         * dies (or fails with CK_FORK=no) must not leave a server behind */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int null = open("/dev/null", O_RDONLY);
        if (fd < 0 || null < 0 || chdir(dir) != 0) _exit(126);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execve(argv[0], argv, envp);
        _exit(127);
    }
    return pid;
}

/* waitpid with a timeout; SIGKILL when it runs out. Exit status or -1. */
static int wait_exit(pid_t pid, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    int st = 0;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) return -1;
        if (now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            untrack(pid);
            return -1;
        }
        sleep_ms(5);
    }
    untrack(pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

typedef struct argv_list {
    char *items[64];
    size_t n;
} argv_list;

static void argv_add(argv_list *a, const char *s)
{
    ck_assert_msg(a->n + 1 < sizeof a->items / sizeof a->items[0], "too many arguments");
    a->items[a->n] = strdup(s);
    ck_assert_msg(a->items[a->n] != NULL, "out of memory");
    a->n++;
    a->items[a->n] = NULL;
}

/* flag and the absolute form of path, when path is not NULL. */
static void argv_add_path(argv_list *a, const char *flag, const char *path)
{
    if (!path) return;
    char *abs = absolute(path);
    argv_add(a, flag);
    argv_add(a, abs);
    free(abs);
}

static void argv_free(argv_list *a)
{
    for (size_t i = 0; i < a->n; i++) free(a->items[i]);
    a->n = 0;
}

/* "...restmap: listening on http://HOST:PORT\n..." → base URL and port. */
static bool parse_listening(const char *text, char *base, size_t len, int *port)
{
    static const char tag[] = "restmap: listening on ";
    const char *p = strstr(text, tag);
    if (!p) return false;
    p += sizeof tag - 1;
    const char *nl = strchr(p, '\n');
    if (!nl) return false; /* the line is not complete yet */
    const char *colon = nl;
    while (colon > p && *colon != ':') colon--;
    if (colon == p) return false;
    *port = atoi(colon + 1);
    snprintf(base, len, "%.*s", (int)(nl - p), p);
    return *port > 0;
}

int rt_server_try_start(rt_server *s, const rt_start *o, char **err, int *exit_status)
{
    memset(s, 0, sizeof *s);
    *err = NULL;
    *exit_status = 0;
    if (o->dir) {
        snprintf(s->dir, sizeof s->dir, "%s", o->dir);
    } else {
        rt_mkdtemp(s->dir, sizeof s->dir);
        s->owns_dir = true;
    }
    snprintf(s->db_path, sizeof s->db_path, "%s/test.db", s->dir);
    if (!o->no_db && o->db_of) rt_db_share(s, o->db_of);
    else if (!o->no_db) rt_db_attach(s);
    snprintf(s->log_path, sizeof s->log_path, "%s/stderr.log", s->dir);
    s->log_from = file_size(s->log_path);

    char bin[PATH_MAX];
    binary_path(bin, sizeof bin);
    argv_list av = {0};
    argv_add(&av, bin);
    argv_add_path(&av, "--schema", o->schema);
    if (!o->no_db) {
        argv_add(&av, "--db");
        argv_add(&av, s->db_url);
        argv_add(&av, "--create-all");
    }
    argv_add_path(&av, "--seed", o->seed);
    if (!o->no_port) {
        argv_add(&av, "--port");
        argv_add(&av, "0");
    }
    for (const char *const *a = o->args; a && *a; a++) argv_add(&av, *a);
    char **env = child_env(o->env);
    s->pid = spawn(av.items, env, s->dir, s->log_path);
    track(s->pid, s->dir, s->owns_dir);
    free(env);
    argv_free(&av);

    long long deadline = now_ms() + START_TIMEOUT_MS;
    for (;;) {
        char *text = ts_read_file_from(s->log_path, s->log_from, NULL);
        bool up = parse_listening(text, s->base, sizeof s->base, &s->port);
        if (up) {
            free(text);
            rt_record_server(s, o);
            return 0;
        }
        int st;
        pid_t r = waitpid(s->pid, &st, WNOHANG);
        if (r == s->pid || now_ms() > deadline) {
            if (r != s->pid) {
                kill(s->pid, SIGKILL);
                waitpid(s->pid, &st, 0);
                *exit_status = -1;
            } else {
                *exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
            }
            untrack(s->pid);
            free(text);
            *err = ts_read_file_from(s->log_path, s->log_from, NULL); /* all of it, after the exit */
            s->pid = 0;
            if (s->owns_dir) rt_rmtree(s->dir);
            return -1;
        }
        free(text);
        sleep_ms(5);
    }
}

void rt_server_start_ex(rt_server *s, const rt_start *o)
{
    char *err = NULL;
    int status;
    if (rt_server_try_start(s, o, &err, &status) == 0) return;
    char msg[2048];
    snprintf(msg, sizeof msg, "%s", err);
    free(err);
    ck_abort_msg("restmap did not start on %s (--db %s; exit status %d): %s", rt_backend_name(),
                 o->no_db ? "not given" : s->db_url, status, msg);
}

void rt_server_start(rt_server *s, const char *schema, const char *seed,
                     const char *const *extra_args)
{
    rt_start o = {.schema = schema, .seed = seed, .args = extra_args};
    rt_server_start_ex(s, &o);
}

int rt_server_wait(rt_server *s, int timeout_ms)
{
    if (s->pid <= 0) return -1;
    int status = wait_exit(s->pid, timeout_ms);
    s->pid = 0;
    return status;
}

int rt_server_terminate(rt_server *s)
{
    if (s->pid <= 0) return -1;
    kill(s->pid, SIGTERM);
    return rt_server_wait(s, STOP_TIMEOUT_MS);
}

void rt_server_stop(rt_server *s)
{
    bool running = s->pid > 0;
    int status = running ? rt_server_terminate(s) : 0;
    char tail[1500] = "";
    if (status != 0) {
        char *log = rt_server_log(s);
        size_t n = strlen(log);
        snprintf(tail, sizeof tail, "%s", n > sizeof tail - 1 ? log + n - (sizeof tail - 1) : log);
        free(log);
    }
    if (s->owns_dir) rt_rmtree(s->dir);
    s->owns_dir = false;
    /* also on stderr: a failure in an unchecked fixture's teardown (the
     * parent process) ends the whole run without check's report */
    if (status != 0)
        fprintf(stderr, "rt_server_stop: restmap exited with status %d after SIGTERM; stderr ends: %s\n", status,
                tail);
    ck_assert_msg(status == 0, "restmap exited with status %d after SIGTERM; stderr ends: %s",
                  status, tail);
}

char *rt_server_log(const rt_server *s) { return ts_read_file_from(s->log_path, s->log_from, NULL); }

bool rt_server_log_wait(const rt_server *s, const char *needle, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        char *log = rt_server_log(s);
        bool found = strstr(log, needle) != NULL;
        free(log);
        if (found) return true;
        if (now_ms() > deadline) return false;
        sleep_ms(5);
    }
}

int rt_run(const char *const *args, const char *const *env, const char *dir, char **err)
{
    char own[256] = "", log[PATH_MAX], bin[PATH_MAX];
    if (!dir) {
        rt_mkdtemp(own, sizeof own);
        dir = own;
    }
    snprintf(log, sizeof log, "%s/run-stderr.log", dir);
    unlink(log);
    binary_path(bin, sizeof bin);
    argv_list av = {0};
    argv_add(&av, bin);
    for (const char *const *a = args; a && *a; a++) argv_add(&av, *a);
    char **envp = child_env(env);
    pid_t pid = spawn(av.items, envp, dir, log);
    track(pid, *own ? own : NULL, *own != '\0');
    free(envp);
    argv_free(&av);
    int status = wait_exit(pid, RUN_TIMEOUT_MS);
    *err = ts_read_file_from(log, 0, NULL);
    if (*own) rt_rmtree(own);
    return status;
}

int rt_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    ck_assert(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    ck_assert(getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* ------------------------------------------------------------ HTTP */

static void ensure_curl(void)
{
    static bool done;
    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = true;
    }
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    buf_add(ud, data, size * n);
    return size * n;
}

static void free_headers(rt_response *r)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    r->headers = NULL;
    r->nheaders = 0;
}

static char *trimmed_dup(const char *p, size_t n)
{
    while (n && (*p == ' ' || *p == '\t')) p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n')) n--;
    char *s = malloc(n + 1);
    ck_assert_msg(s != NULL, "out of memory");
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    rt_response *r = ud;
    size_t len = size * n;
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) { /* a new (maybe final) response */
        free_headers(r);
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon) return len;
    rt_header_kv *h = realloc(r->headers, (r->nheaders + 1) * sizeof *h);
    ck_assert_msg(h != NULL, "out of memory");
    r->headers = h;
    h[r->nheaders].name = trimmed_dup(data, (size_t)(colon - data));
    h[r->nheaders].value = trimmed_dup(colon + 1, len - (size_t)(colon - data) - 1);
    r->nheaders++;
    return len;
}

const char *rt_header(const rt_response *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0) return r->headers[i].value;
    return NULL;
}

rt_response *rt_request(const rt_server *s, const char *method, const char *path,
                        const char *body, const char *content_type,
                        const char *const *extra_headers)
{
    ensure_curl();
    rt_response *r = calloc(1, sizeof *r);
    ck_assert_msg(r != NULL, "out of memory");
    snprintf(r->what, sizeof r->what, "%s %.140s", method, path);
    CURL *c = curl_easy_init();
    ck_assert_msg(c != NULL, "curl_easy_init failed");
    buf url = {0}, out = {0};
    buf_str(&url, s->base);
    buf_str(&url, path);
    struct curl_slist *hl = NULL;
    bool has_expect = false;
    for (const char *const *h = extra_headers; h && *h; h++) {
        hl = curl_slist_append(hl, *h);
        if (strncasecmp(*h, "Expect:", 7) == 0) has_expect = true;
    }
    if (!has_expect) hl = curl_slist_append(hl, "Expect:"); /* no 100-continue dance */
    char ct[256];
    if (content_type && !*content_type) {
        hl = curl_slist_append(hl, "Content-Type:"); /* none at all */
    } else if (content_type || body) {
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type ? content_type : "application/json");
        hl = curl_slist_append(hl, ct);
    }
    curl_easy_setopt(c, CURLOPT_URL, url.p);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)HTTP_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (!strcmp(method, "HEAD")) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    } else {
        r->status = 0;
        out.len = 0;
        buf_fmt(&out, "curl: %s", curl_easy_strerror(rc));
    }
    curl_easy_cleanup(c);
    curl_slist_free_all(hl);
    free(url.p);
    r->body_len = out.len;
    r->body = buf_take(&out);
    const char *rct = rt_header(r, "Content-Type");
    if (r->body_len && rct && strstr(rct, "json"))
        r->json = json_loadb(r->body, r->body_len, 0, NULL);
    rt_record_exchange(s, method, path, body, content_type, extra_headers, r);
    return r;
}

rt_response *rt_get(const rt_server *s, const char *path)
{
    return rt_request(s, "GET", path, NULL, NULL, NULL);
}

long long rt_metric(const rt_server *s, const char *name)
{
    rt_response *r = rt_get(s, "/metrics");
    RT_ASSERT_STATUS(r, 200);
    char line[128];
    snprintf(line, sizeof line, "\n%s ", name); /* the sample, not its # HELP line */
    const char *p = strstr(r->body, line);
    ck_assert_msg(p != NULL, "no %s in /metrics", name);
    long long v = atoll(p + strlen(line));
    rt_response_free(r);
    return v;
}

rt_response *rt_send_json(const rt_server *s, const char *method, const char *path,
                          const char *body)
{
    return rt_request(s, method, path, body, "application/json", NULL);
}

const char *rt_fmt(const char *fmt, ...)
{
    static char bufs[8][1024];
    static unsigned next;
    char *b = bufs[next++ % 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof bufs[0], fmt, ap);
    va_end(ap);
    return b;
}

char *rt_vjsonf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    ck_assert(n >= 0);
    char *s = malloc((size_t)n + 1);
    ck_assert(s != NULL);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    for (char *p = s; *p; p++)
        if (*p == '\'') *p = '"';
    return s;
}

char *rt_jsonf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = rt_vjsonf(fmt, ap);
    va_end(ap);
    return s;
}

rt_response *rt_sendf(const rt_server *s, const char *method, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *body = rt_vjsonf(fmt, ap);
    va_end(ap);
    rt_response *r = rt_send_json(s, method, path, body);
    free(body);
    return r;
}

void rt_response_free(rt_response *r)
{
    if (!r) return;
    free_headers(r);
    free(r->body);
    json_decref(r->json);
    free(r);
}

/* ------------------------------------------------------------ raw sockets */

int rt_connect(const rt_server *s)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        ck_abort_msg("connect to port %d: %s", s->port, strerror(e));
    }
    return fd;
}

void rt_send_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return; /* the peer closed: the response tells the rest */
        p += w;
        n -= (size_t)w;
    }
}

/* Value of a header inside one header block (case-insensitive), copied
 * into out; false when absent. */
static bool block_header(const char *block, size_t len, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    for (const char *p = block; p && p < block + len;) {
        const char *eol = strstr(p, "\r\n");
        if (!eol || eol > block + len) break;
        if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ' || *v == '\t') v++;
            snprintf(out, outlen, "%.*s", (int)(eol - v), v);
            return true;
        }
        p = eol + 2;
    }
    return false;
}

/* Is the text a complete final response? */
static bool response_complete(const char *text, size_t len)
{
    size_t start = 0;
    for (;;) {
        const char *end = strstr(text + start, "\r\n\r\n");
        if (!end) return false;
        size_t hdr_end = (size_t)(end - text) + 4;
        int status = 0;
        sscanf(text + start, "HTTP/%*d.%*d %d", &status);
        if (status >= 100 && status < 200) { /* interim: look past it */
            start = hdr_end;
            continue;
        }
        char v[64];
        if (block_header(text + start, hdr_end - start, "Content-Length", v, sizeof v))
            return len >= hdr_end + strtoul(v, NULL, 10);
        if (block_header(text + start, hdr_end - start, "Transfer-Encoding", v, sizeof v))
            return len >= 5 && strcmp(text + len - 5, "0\r\n\r\n") == 0;
        return status == 204 || status == 304;
    }
}

char *rt_read_response(int fd, int timeout_ms)
{
    buf b = {0};
    buf_add(&b, "", 0);
    long long deadline = now_ms() + timeout_ms;
    while (!response_complete(b.p, b.len)) {
        long long left = deadline - now_ms();
        if (left <= 0) break;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int pr = poll(&pfd, 1, (int)left);
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) break;
        char chunk[4096];
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        buf_add(&b, chunk, (size_t)n);
    }
    return buf_take(&b);
}

char *rt_raw(const rt_server *s, const char *request_bytes, size_t n)
{
    int fd = rt_connect(s);
    rt_send_all(fd, request_bytes, n);
    char *text = rt_read_response(fd, 10000);
    close(fd);
    return text;
}

/* Start of the first non-1xx response in raw, or NULL. */
static const char *final_response(const char *raw)
{
    const char *p = raw;
    while (p && *p) {
        int status = 0;
        if (sscanf(p, "HTTP/%*d.%*d %d", &status) != 1) return NULL;
        if (status < 100 || status >= 200) return p;
        p = strstr(p, "\r\n\r\n");
        if (p) p += 4;
    }
    return NULL;
}

int rt_raw_status(const char *raw)
{
    const char *p = final_response(raw);
    int status = 0;
    if (p) sscanf(p, "HTTP/%*d.%*d %d", &status);
    return status;
}

const char *rt_raw_body(const char *raw)
{
    const char *p = final_response(raw);
    const char *end = p ? strstr(p, "\r\n\r\n") : NULL;
    return end ? end + 4 : "";
}

/* ------------------------------------------------------------ assertions */

/* The member at the first len bytes of a dotted path under j, or NULL. */
static json_t *path_n(json_t *j, const char *path, size_t len)
{
    char part[128];
    const char *p = path, *end = path + len;
    while (j && p < end) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        size_t n = dot ? (size_t)(dot - p) : (size_t)(end - p);
        snprintf(part, sizeof part, "%.*s", (int)n, p);
        if (json_is_array(j)) {
            char *stop;
            unsigned long i = strtoul(part, &stop, 10);
            j = *stop ? NULL : json_array_get(j, i);
        } else {
            j = json_object_get(j, part);
        }
        p += n;
        if (p < end && *p == '.') p++;
    }
    return j;
}

json_t *rt_json_path(json_t *node, const char *path) { return path_n(node, path, strlen(path)); }

json_t *rt_json_at(const rt_response *r, const char *path) { return rt_json_path(r->json, path); }

long long rt_json_int_in(const rt_response *r, json_t *node, const char *path)
{
    json_t *j = rt_json_path(node ? node : r->json, path);
    ck_assert_msg(json_is_integer(j), "%s: %s is not an integer in %.600s", r->what, path, r->body);
    return (long long)json_integer_value(j);
}

long long rt_json_int(const rt_response *r, const char *path) { return rt_json_int_in(r, NULL, path); }

const char *rt_json_str(const rt_response *r, const char *path)
{
    json_t *j = rt_json_at(r, path);
    ck_assert_msg(json_is_string(j), "%s: %s is not a string in %.600s", r->what, path, r->body);
    return json_string_value(j);
}

void rt_assert_problem(const rt_response *r, int status, const char *pointer)
{
    RT_ASSERT_STATUS(r, status);
    const char *ct = rt_header(r, "Content-Type");
    ck_assert_msg(ct && strncmp(ct, "application/problem+json", 24) == 0,
                  "%s: Content-Type is %s, not application/problem+json", r->what,
                  ct ? ct : "(none)");
    ck_assert_msg(json_is_object(r->json), "%s: the body is not a JSON object: %.600s", r->what,
                  r->body);
    ck_assert_msg(json_is_string(json_object_get(r->json, "type")), "%s: no type: %.600s",
                  r->what, r->body);
    ck_assert_msg(json_is_string(json_object_get(r->json, "title")), "%s: no title: %.600s",
                  r->what, r->body);
    json_t *st = json_object_get(r->json, "status");
    ck_assert_msg(json_is_integer(st) && json_integer_value(st) == status,
                  "%s: status member is not %d: %.600s", r->what, status, r->body);
    json_t *detail = json_object_get(r->json, "detail");
    ck_assert_msg(json_is_string(detail) && *json_string_value(detail),
                  "%s: no detail: %.600s", r->what, r->body);
    json_t *errors = json_object_get(r->json, "errors");
    ck_assert_msg(json_is_array(errors), "%s: no errors array: %.600s", r->what, r->body);
    const char *rid = json_string_value(json_object_get(r->json, "request_id"));
    const char *hid = rt_header(r, "X-Request-Id");
    if (rid) ck_assert_msg(hid && strcmp(rid, hid) == 0, "%s: request_id %s but X-Request-Id %s",
                           r->what, rid, hid ? hid : "(none)");
    if (!pointer) return;
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e) {
        const char *p = json_string_value(json_object_get(e, "pointer"));
        if (p && strcmp(p, pointer) == 0) {
            ck_assert_msg(json_is_string(json_object_get(e, "message")),
                          "%s: error at %s has no message", r->what, pointer);
            return;
        }
    }
    ck_abort_msg("%s: no error with pointer \"%s\" in %.600s", r->what, pointer, r->body);
}

int rt_queries(const rt_response *r)
{
    const char *h = rt_header(r, "Server-Timing");
    int k = -1;
    double dur = -1;
    if (!h || sscanf(h, "db;desc=\"%d queries\";dur=%lf", &k, &dur) != 2 || dur < 0) return -1;
    return k;
}

void rt_expect(rt_response *r, int status, const char *pointer)
{
    if (status >= 400) rt_assert_problem(r, status, pointer);
    else RT_ASSERT_STATUS(r, status);
    rt_response_free(r);
}

/* ------------------------------------------------------------ expectations */

/* The value at `at` under node: with one "[]", a new array of the values
 * under each element of the array before it (JSON null where one has
 * none), or NULL when that is not an array. *owned says whether the
 * caller must json_decref the result. */
static json_t *want_value(json_t *node, const char *at, bool *owned)
{
    const char *brackets = strstr(at, "[]");
    *owned = false;
    if (!brackets) return rt_json_path(node, at);
    json_t *arr = path_n(node, at, (size_t)(brackets - at));
    if (!json_is_array(arr)) return NULL;
    const char *rest = brackets + 2;
    if (*rest == '.') rest++;
    json_t *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        json_t *v = rt_json_path(e, rest);
        json_array_append(out, v ? v : json_null());
    }
    *owned = true;
    return out;
}

/* An expectation on the answer rather than its JSON body: "@queries = K",
 * "@queries <= K", "@json", "@body = text", "@empty", "@unchanged" (checked
 * by the caller) or "@Header = value". */
static void assert_meta(const rt_response *r, const char *w)
{
    int k, got = rt_queries(r);
    const char *timing = rt_header(r, "Server-Timing");
    if (sscanf(w, "@queries = %d", &k) == 1) {
        ck_assert_msg(got == k, "%s: expected %d statements, Server-Timing: %s", r->what, k,
                      timing ? timing : "(none)");
    } else if (sscanf(w, "@queries <= %d", &k) == 1) {
        ck_assert_msg(got >= 1 && got <= k, "%s: expected at most %d statements, Server-Timing: %s", r->what, k,
                      timing ? timing : "(none)");
    } else if (!strcmp(w, "@json")) {
        ck_assert_msg(r->json != NULL, "%s: the body is not a JSON object or array: %.600s", r->what, r->body);
    } else if (!strncmp(w, "@body = ", 8)) {
        ck_assert_msg(!strcmp(r->body, w + 8), "%s: the body is %.600s, expected %s", r->what, r->body, w + 8);
    } else if (!strcmp(w, "@empty")) {
        ck_assert_msg(r->body_len == 0, "%s: the body is not empty: %.600s", r->what, r->body);
    } else if (strcmp(w, "@unchanged") != 0) {
        const char *eq = strstr(w, " = ");
        if (!eq) ck_abort_msg("%s: the expectation %s is not @Header = value", r->what, w);
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(eq - w - 1), w + 1);
        const char *v = rt_header(r, name);
        ck_assert_msg(v && !strcmp(v, eq + 3), "%s: %s is %s, expected %s", r->what, name, v ? v : "(absent)",
                      eq + 3);
    }
}

/* One expectation ("at = value", "at", "!at", "@..." or "!@Header") of len bytes. */
static void assert_want(const rt_response *r, json_t *node, const char *text, size_t len)
{
    while (len && (*text == ' ' || *text == '\n')) text++, len--;
    while (len && text[len - 1] == ' ') len--;
    if (!len) return;
    char *w = strndup(text, len);
    if (!w) ck_abort_msg("out of memory");
    char *eq = strstr(w, " = "), *count = strstr(w, " # ");
    if (count && (!eq || count < eq)) {
        *count = '\0';
        bool owned;
        json_t *got = want_value(node, w, &owned);
        size_t n = (size_t)strtoul(count + 3, NULL, 10);
        ck_assert_msg(json_is_array(got) && json_array_size(got) == n, "%s: %s is not an array of %zu: %.1000s",
                      r->what, w, n, r->body);
        if (owned) json_decref(got);
    } else if (w[0] == '@') {
        assert_meta(r, w);
    } else if (w[0] == '!' && w[1] == '@') {
        const char *v = rt_header(r, w + 2);
        ck_assert_msg(v == NULL, "%s: %s: the header is there (%s)", r->what, w, v ? v : "");
    } else if (w[0] == '!') {
        const char *at = w + 1, *dot = strrchr(at, '.');
        json_t *parent = dot ? path_n(node, at, (size_t)(dot - at)) : node;
        const char *name = dot ? dot + 1 : at;
        ck_assert_msg(json_is_object(parent), "%s: %s: not under an object: %.1000s", r->what, w, r->body);
        ck_assert_msg(json_object_get(parent, name) == NULL, "%s: %s: the member is there: %.1000s", r->what, w,
                      r->body);
    } else if (!eq) {
        bool owned;
        json_t *got = want_value(node, w, &owned);
        ck_assert_msg(got != NULL, "%s: no %s: %.1000s", r->what, w, r->body);
        if (owned) json_decref(got);
    } else {
        *eq = '\0';
        char *value = eq + 3;
        if (!strchr(value, '"'))
            for (char *p = value; *p; p++)
                if (*p == '\'') *p = '"';
        json_error_t err;
        json_t *want = json_loads(value, JSON_DECODE_ANY, &err);
        if (!want) ck_abort_msg("%s: the expectation %s = %s is not JSON: %s", r->what, w, value, err.text);
        bool owned;
        json_t *got = want_value(node, w, &owned);
        ck_assert_msg(got != NULL, "%s: no %s (expected %s): %.1000s", r->what, w, value, r->body);
        char *got_text = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
        if (owned && json_is_array(want)) { /* a projection: its length, then each element */
            ck_assert_msg(json_array_size(got) == json_array_size(want), "%s: %s is %s, expected %s: %.1000s", r->what,
                          w, got_text, value, r->body);
            for (size_t i = 0; i < json_array_size(want); i++)
                ck_assert_msg(json_equal(json_array_get(got, i), json_array_get(want, i)),
                              "%s: %s is %s, expected %s (element %zu differs): %.1000s", r->what, w, got_text, value,
                              i, r->body);
        }
        ck_assert_msg(json_equal(got, want), "%s: %s is %s, expected %s: %.1000s", r->what, w, got_text, value,
                      r->body);
        free(got_text);
        json_decref(want);
        if (owned) json_decref(got);
    }
    free(w);
}

void rt_assert_wants_in(const rt_response *r, json_t *node, const char *wants)
{
    if (!node) node = r->json;
    char quote = 0;
    const char *start = wants;
    for (const char *p = wants;; p++) {
        if (*p && quote) {
            if (*p == quote) quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (!*p || *p == ';') {
            assert_want(r, node, start, (size_t)(p - start));
            if (!*p) break;
            start = p + 1;
        }
    }
}

void rt_assert_wants(const rt_response *r, const char *wants) { rt_assert_wants_in(r, NULL, wants); }

/* ------------------------------------------------------------ case tables */

/* The length of the JSON value at the start of p (balanced brackets,
 * strings skipped). */
static size_t json_extent(const char *p)
{
    int depth = 0;
    char quote = 0;
    size_t i = 0;
    for (; p[i]; i++) {
        if (quote) {
            if (p[i] == '\\' && p[i + 1]) i++;
            else if (p[i] == quote) quote = 0;
        } else if (p[i] == '"') {
            quote = '"';
        } else if (p[i] == '{' || p[i] == '[') {
            depth++;
        } else if ((p[i] == '}' || p[i] == ']') && --depth == 0) {
            return i + 1;
        }
    }
    return i;
}

/* The request target at the start of p: up to the first space or line
 * break outside a query value written as JSON. */
size_t rt_target_length(const char *p)
{
    size_t i = 0;
    bool query = false;
    while (p[i] && p[i] != ' ' && p[i] != '\n') {
        query = query || p[i] == '?';
        if (query && p[i] == '=' && (p[i + 1] == '{' || p[i + 1] == '[')) i += 1 + json_extent(p + i + 1);
        else i++;
    }
    return i;
}

/* The first len bytes of path with every query value written as JSON
 * percent-encoded (all but letters, digits and -._~); malloc'd. */
static char *encode_json_values(const char *path, size_t len)
{
    buf b = {0};
    bool query = false;
    for (size_t i = 0; i < len;) {
        query = query || path[i] == '?';
        if (!(query && path[i] == '=' && i + 1 < len && (path[i + 1] == '{' || path[i + 1] == '['))) {
            buf_add(&b, path + i++, 1);
            continue;
        }
        buf_add(&b, "=", 1);
        size_t n = json_extent(path + i + 1);
        const unsigned char *json = (const unsigned char *)path + i + 1;
        for (size_t k = 0; k < n; k++) {
            if (isalnum(json[k]) || strchr("-._~", json[k])) buf_add(&b, json + k, 1);
            else buf_fmt(&b, "%%%02X", json[k]);
        }
        i += 1 + n;
    }
    return buf_take(&b);
}

/* Send the request text of a case (see rt_case), its first %s replaced by
 * arg when arg is not NULL. */
static rt_response *send_request(const rt_server *s, const char *text, const char *arg)
{
    char *req = NULL;
    const char *hole = arg ? strstr(text, "%s") : NULL;
    if (arg) {
        if (!hole) ck_abort_msg("the case %s has no %%s for %s", text, arg);
        buf b = {0};
        buf_add(&b, text, (size_t)(hole - text));
        buf_str(&b, arg);
        buf_str(&b, hole + 2);
        req = buf_take(&b);
        text = req;
    }
    char method[16] = "GET";
    const char *p = text;
    if (*p != '/') {
        const char *sp = strchr(p, ' ');
        if (!sp || sp - p >= (long)sizeof method) ck_abort_msg("the case %s has no method and path", text);
        snprintf(method, sizeof method, "%.*s", (int)(sp - p), p);
        p = sp + 1;
    }
    size_t n = rt_target_length(p);
    char *path = encode_json_values(p, n);
    /* header lines after the target, then a blank line; or a space and the body */
    char *lines[16] = {0};
    size_t nh = 0;
    const char *body_at = p[n] == ' ' ? p + n + 1 : NULL;
    for (const char *h = p[n] == '\n' ? p + n + 1 : NULL; h && *h && *h != '\n';) {
        const char *eol = strchr(h, '\n');
        if (nh == sizeof lines / sizeof lines[0] - 1) ck_abort_msg("the case %s has too many headers", text);
        lines[nh++] = strndup(h, eol ? (size_t)(eol - h) : strlen(h));
        h = eol ? eol + 1 : NULL;
        if (h && *h == '\n') body_at = h + 1;
    }
    char *body = body_at ? strdup(body_at) : NULL;
    if (body && !strchr(body, '"'))
        for (char *q = body; *q; q++)
            if (*q == '\'') *q = '"';
    /* a Content-Type line replaces application/json (an empty one: none at all) */
    const char *ctype = body ? "application/json" : NULL, *extra[16] = {0};
    for (size_t i = 0, k = 0; i < nh; i++) {
        if (strncasecmp(lines[i], "Content-Type:", 13) == 0) ctype = lines[i] + 13 + strspn(lines[i] + 13, " ");
        else extra[k++] = lines[i];
    }
    rt_response *r = rt_request(s, method, path, body, ctype, extra[0] ? extra : NULL);
    for (size_t i = 0; i < nh; i++) { /* failures name the headers and the body too */
        size_t used = strlen(r->what);
        snprintf(r->what + used, sizeof r->what - used, "%s%s%s", i ? "; " : " (", lines[i], i + 1 < nh ? "" : ")");
        free(lines[i]);
    }
    if (body) {
        size_t used = strlen(r->what);
        snprintf(r->what + used, sizeof r->what - used, " %.80s%s", body, strlen(body) > 80 ? "..." : "");
    }
    free(body);
    free(path);
    free(req);
    return r;
}

/* Assert the expectation text of a case (see rt_case) on r. */
static void assert_expect(const rt_response *r, const char *e)
{
    int status = 200;
    if (!e) e = "";
    if (e[0] >= '1' && e[0] <= '5' && isdigit((unsigned char)e[1]) && isdigit((unsigned char)e[2]) &&
        (!e[3] || e[3] == ' ' || e[3] == ';')) {
        status = atoi(e);
        for (e += 3; *e == ' '; e++) {}
    }
    if (status >= 400) {
        /* a pointer first, then expectations after a ; */
        char pointer[256] = "";
        if (*e == '/') {
            size_t n = strcspn(e, ";");
            while (n && e[n - 1] == ' ') n--;
            snprintf(pointer, sizeof pointer, "%.*s", (int)n, e);
            e += strcspn(e, ";");
        }
        if (*e == ';') e++;
        rt_assert_problem(r, status, *pointer ? pointer : NULL);
    } else {
        RT_ASSERT_STATUS(r, status);
        if (*e == ';') e++;
        if (e[strspn(e, " ")] && status != 204 && status != 304 && !strstr(e, "@empty"))
            ck_assert_msg(r->json != NULL || !strcmp(r->body, "null"), "%s: the body is not JSON: %.600s", r->what,
                          r->body);
    }
    rt_assert_wants(r, e);
}

/* Send a case and assert its expectation; with unchanged (or "@unchanged"
 * in expect) also that the database file is as it was before. */
static rt_response *case_send(const rt_server *s, const char *request, const char *expect, const char *arg,
                              bool unchanged)
{
    unchanged = unchanged || (expect && strstr(expect, "@unchanged"));
    char *before = unchanged ? rt_db_fingerprint(s) : NULL;
    rt_response *r = send_request(s, request, arg);
    assert_expect(r, expect);
    if (unchanged) {
        char *after = rt_db_fingerprint(s);
        ck_assert_msg(strcmp(before, after) == 0, "%s (%s) changed the database", r->what, expect ? expect : "200");
        free(after);
        free(before);
    }
    return r;
}

rt_response *rt_case_send(const rt_server *s, const rt_case *c)
{
    return case_send(s, c->request, c->expect, NULL, false);
}

rt_response *rt_checked(const rt_server *s, const char *request, const char *expect)
{
    return case_send(s, request, expect, NULL, false);
}

void rt_check(const rt_server *s, const char *request, const char *expect)
{
    rt_response_free(case_send(s, request, expect, NULL, false));
}

long long rt_create(const rt_server *s, const char *fmt, ...)
{
    buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vfmt(&b, fmt, ap);
    va_end(ap);
    char *request = buf_take(&b);
    rt_response *r = case_send(s, request, "201", NULL, false);
    free(request);
    long long id = rt_json_int(r, "id");
    rt_response_free(r);
    return id;
}

void rt_check_refused(const rt_server *s, const char *request, const char *expect)
{
    rt_response_free(case_send(s, request, expect, NULL, true));
}

void rt_cases_at(const rt_server *s, const char *arg, const rt_case *cases, size_t n)
{
    rt_cases_check(s, arg, cases, n, NULL);
}

void rt_cases_check(const rt_server *s, const char *arg, const rt_case *cases, size_t n,
                    void (*check)(const rt_response *r))
{
    char location[512] = ""; /* of the last answer that had one */
    for (size_t i = 0; i < n; i++) {
        const char *a = strstr(cases[i].request, "%s") ? arg : NULL;
        if (!a && strstr(cases[i].request, "%s")) {
            if (!*location)
                ck_abort_msg("the case %s has %%s but no answer before it had a Location", cases[i].request);
            a = location;
        }
        rt_response *r = case_send(s, cases[i].request, cases[i].expect, a, false);
        if (check) check(r);
        const char *loc = rt_header(r, "Location");
        if (loc) snprintf(location, sizeof location, "%s", loc);
        rt_response_free(r);
    }
}

void rt_cases(const rt_server *s, const rt_case *cases, size_t n) { rt_cases_at(s, NULL, cases, n); }

void rt_refused(const rt_server *s, const rt_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) rt_response_free(case_send(s, cases[i].request, cases[i].expect, NULL, true));
}


/* ------------------------------------------------------------ races */

typedef struct racer {
    const rt_server *s;
    pthread_barrier_t *start;
    const char *path, *body, *header;
    rt_response *answer;
} racer;

static void *race(void *ud)
{
    racer *r = ud;
    const char *const hdrs[] = {r->header, NULL};
    pthread_barrier_wait(r->start);
    r->answer = rt_request(r->s, "PATCH", r->path, r->body, "application/json", r->header ? hdrs : NULL);
    return NULL;
}

void rt_patch_race(const rt_server *const s[2], const char *path, const char *const bodies[2], const char *header,
                   rt_response *answers[2])
{
    pthread_barrier_t b;
    pthread_barrier_init(&b, NULL, 2);
    racer rs[2];
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        rs[i] = (racer){.s = s[i], .start = &b, .path = path, .body = bodies[i], .header = header};
        ck_assert_int_eq(pthread_create(&t[i], NULL, race, &rs[i]), 0);
    }
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    pthread_barrier_destroy(&b);
    for (int i = 0; i < 2; i++) answers[i] = rs[i].answer;
}
