/* http.c: the libmicrohttpd server of restmap (see http.h).
 *
 * Life of a request: the URI-log callback (called once per request, with
 * the raw request target) creates the request state in a fresh arena and
 * counts the request in flight; the first access-handler call checks the
 * request line and headers (414, 431, 405, framing 400/501, Host 400, NUL
 * 400, 413 by Content-Length) and answers static files; later calls collect
 * the body
 * into the arena up to max_body (past it the rest is discarded and 413
 * answered); the last call checks the media type, parses the JSON and calls
 * the handler. The completion callback writes the access log, destroys the
 * arena (which also frees the parsed JSON) and uncounts the request, which
 * is what rm_server_stop waits for. All state is per server or per request:
 * handlers run on several threads at once. The server's own error answers
 * carry `Server-Timing: db;desc="0 queries";dur=0` like routes/ answers do.
 *
 * Every connection is registered in server/conns.h, which closes it when
 * its head or body takes longer than allowed (libmicrohttpd's own timeout
 * restarts on every byte); the phase moves with the callbacks: HEAD on
 * accept and after each answer, BODY at the first access-handler call,
 * ANSWER once an answer is decided. One client address may hold at most
 * max_conns_per_ip connections, and the whole server as many as the file
 * descriptor limit leaves room for (connection_limit()).
 *
 * Not ours to answer: libmicrohttpd 0.9.75 itself rejects, with a fixed
 * HTML body of its own and "Connection: close", a malformed or
 * out-of-range Content-Length value, malformed chunked framing, a malformed
 * request line or header line, and request heads too big for its
 * per-connection memory (sized so that our 414/431 fire first for heads
 * of lines of 6 bytes or more: rm_server_connection_memory). It
 * offers no hook for these (docs/decisions.md, "HTTP"); the access log
 * still records their status. */
#include "server/http.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/fmt.h"
#include "lib/json_error.h"
#include "lib/problem.h"
#include "lib/target.h"
#include "lib/etag.h"
#include "server/conns.h"
#include "server/cors.h"
#include "server/log.h"
#include "server/media_type.h"
#include "server/static.h"

#define DEFAULT_MAX_BODY ((size_t)1 << 20)
#define DEFAULT_MAX_URI ((size_t)8192)
#define DISCARD_MAX ((uint64_t)16 << 20)  /* body bytes thrown away after a 413 before closing */
#define CONNECTION_TIMEOUT_S 30           /* least idle limit (an answer being sent) */
#define STOP_BODY_GRACE_MS 1000           /* on stop, what a body still arriving may take */
#define MAX_CONNECTIONS 16384u            /* whatever the file descriptor limit */
#define FD_RESERVE 256                    /* descriptors kept for the database, logs, ... */
#define LISTEN_BACKLOG 4096              /* the kernel caps it at somaxconn */
#define ALLOWED_METHODS RM_SERVER_METHODS
#define STATIC_METHODS "GET, HEAD, OPTIONS"
#define STREAM_BLOCK ((size_t)64 << 10)     /* bytes per block of a streamed body */
#define REQUEST_ID_LEN 16
/* what routes/ reports per request; answers given here ran no statement */
#define SERVER_TIMING_NONE "db;desc=\"0 queries\";dur=0"

struct rm_server {
    struct MHD_Daemon *daemon;
    int listen_fd;              /* ours until MHD_quiesce_daemon hands it back */
    int port;                   /* actually bound */
    rm_handler_fn handler;
    void *ud;
    size_t max_body, max_uri, max_header_bytes;
    int head_timeout_ms, body_timeout_ms;
    unsigned max_conns_per_ip;  /* 0 = no limit */
    rm_conns *conns;            /* deadlines of every open connection */
    bool static_on;             /* a static dir was configured */
    char *static_root;          /* its realpath (malloc); NULL if it does not exist */
    rm_static_cache *static_cache; /* its small files and their gzip (NULL: none kept) */
    char *cors;                 /* --cors-origin (malloc), NULL: CORS off */
    rm_observe_fn observe;
    int log_requests;
    uint64_t id_seed;           /* random per server: ids differ across restarts */
    atomic_uint_fast64_t next_id;
    atomic_long inflight;       /* requests between their complete head and completion */
    atomic_bool draining;       /* set by rm_server_stop: answers close the connection */
};

/* Per request; lives in its own arena. */
typedef struct req_state {
    rm_server *srv;
    rm_arena *arena;
    char id[REQUEST_ID_LEN + 1];
    const char *uri;            /* raw request target, query included */
    size_t uri_len;
    const char *raw_path;       /* raw target up to '?', still percent-encoded */
    rm_request target;          /* path and query decoded by rm_target_parse */
    struct timespec start;      /* CLOCK_MONOTONIC at the request line */
    bool started;               /* first access-handler call done: counted in flight */
    bool answering;             /* the connection is in phase ANSWER (server/conns.h) */
    bool expect;                /* an Expect header came */
    const char *method, *path;  /* arena copies for the access log */
    rm_kv *headers;             /* collected on the first call */
    size_t nheaders;
    int reject;                 /* status decided while reading the body (413) */
    char *body;                 /* NUL-terminated, arena */
    size_t body_len, body_cap;
    uint64_t discarded;         /* body bytes dropped after reject */
    bool expects_body;          /* Content-Length > 0 or chunked: a body follows the head */
    json_t *json;               /* parsed body; freed by the arena reset */
    int status;                 /* status sent, for the access log */
    bool preflight;             /* answered as a CORS preflight (server/cors.h) */
    bool observed;              /* reported to /metrics by the server itself (observed()) */
} req_state;

/* ------------------------------------------------------------------ ids */

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t random_seed(void)
{
    uint64_t seed = 0;
    if (getentropy(&seed, sizeof seed) == 0) return seed;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
}

static void make_request_id(rm_server *s, char out[REQUEST_ID_LEN + 1])
{
    uint64_t n = atomic_fetch_add(&s->next_id, 1);
    out[rm_fmt_hex16(out, splitmix64(s->id_seed ^ n))] = '\0';
}

/* ---------------------------------------------------- request lifecycle */

/* Each thread keeps the arena of its last finished request, reset (one
 * 8 KiB block, still in cache), for its next one: a request then costs no
 * malloc/free of its own. A thread's spare is freed when the thread ends
 * (libmicrohttpd's workers, at stop) or by rm_server_stop for its own. */
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void destroy_arena(void *a) { rm_arena_destroy(a); }
static void make_spare_key(void) { pthread_key_create(&spare_key, destroy_arena); }

static rm_arena *take_arena(void)
{
    pthread_once(&spare_once, make_spare_key);
    rm_arena *a = pthread_getspecific(spare_key);
    if (!a) return rm_arena_new();
    pthread_setspecific(spare_key, NULL);
    return a;
}

static void give_back_arena(rm_arena *a)
{
    pthread_once(&spare_once, make_spare_key);
    if (pthread_getspecific(spare_key) || pthread_setspecific(spare_key, a)) {
        rm_arena_destroy(a);
        return;
    }
    rm_arena_reset(a);
}

static req_state *new_state(rm_server *s, const char *uri)
{
    rm_arena *a = take_arena();
    req_state *st = RM_NEW(a, req_state);
    st->srv = s;
    st->arena = a;
    make_request_id(s, st->id);
    clock_gettime(CLOCK_MONOTONIC, &st->start);
    if (uri) {
        st->uri_len = strlen(uri);
        st->uri = rm_arena_strndup(a, uri, st->uri_len);
        st->raw_path = rm_arena_strndup(a, uri, strcspn(uri, "?"));
    }
    return st;
}

/* MHD_OPTION_URI_LOG_CALLBACK: once per request, before headers; the
 * return value becomes *con_cls.
 *
 * libmicrohttpd 0.9.75 calls it with the request target in its read
 * buffer and then splits the query into one pool record (64 bytes) per
 * argument, which restmap never reads: it parses its own copy of the
 * target (new_state, lib/target.c). 8 KiB of "a&" would be 4,096 records,
 * more than the connection's memory (connection_memory() sizes it for the
 * head, not for this), and libmicrohttpd then drops the connection with
 * no answer and no completion callback. So once copied, the query is cut
 * in that buffer (the byte after '?' becomes NUL) and libmicrohttpd finds
 * no arguments. The buffer is libmicrohttpd's own writable one, which it
 * changes itself right after this call (the '?' becomes NUL); the pointer
 * is const only in the callback's type. */
static void *on_request_line(void *cls, const char *uri, struct MHD_Connection *c)
{
    req_state *st = new_state(cls, uri);
    char *query = uri ? strchr(uri, '?') : NULL;
    if (query) query[1] = '\0';
    return st;
}

static void free_json(void *ud) { json_decref(ud); }

static double elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 +
           (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* The registry entry of c (server/conns.h), or NULL. */
static rm_conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *i =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return i ? i->socket_context : NULL;
}

/* Append s[0..len) to line[0..RM_LOG_MESSAGE_MAX) at n, cut at its end;
 * the new length. */
static size_t put(char *line, size_t n, const char *s, size_t len)
{
    if (len > RM_LOG_MESSAGE_MAX - n) len = RM_LOG_MESSAGE_MAX - n;
    memcpy(line + n, s, len);
    return n + len;
}

/* One line per request. cut: the request was closed for missing its
 * deadline (logged as 408); a status of 0 means libmicrohttpd answered
 * itself (its status is logged). */
static void access_log(const req_state *st, struct MHD_Connection *c,
                       enum MHD_RequestTerminationCode toe, bool cut)
{
    const char *method = st->method ? st->method : "-";
    const char *path = st->raw_path ? st->raw_path : st->path ? st->path : "-";
    double ms = elapsed_ms(&st->start);
    int status = st->status;
    char note[96] = "";
    if (cut) {
        status = 408;
        snprintf(note, sizeof note, " (closed: the request did not arrive in time)");
    } else if (!status) {
        const union MHD_ConnectionInfo *i =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS);
        status = i ? (int)i->http_status : 0;
        snprintf(note, sizeof note, " (answered by libmicrohttpd)");
    } else if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        snprintf(note, sizeof note, " (connection ended early, code %d)", (int)toe);
    }
    /* "METHOD PATH STATUS MS.msms ID NOTE", as "%s %s %d %.3fms %s%s" but
     * without printf; cut at the log's line length */
    char line[RM_LOG_MESSAGE_MAX], num[RM_FMT_FIXED3_MAX];
    size_t n = put(line, 0, method, strlen(method));
    n = put(line, n, " ", 1);
    n = put(line, n, path, strlen(path));
    n = put(line, n, " ", 1);
    n = put(line, n, num, rm_fmt_i64(num, status));
    n = put(line, n, " ", 1);
    n = put(line, n, num, rm_fmt_fixed3(num, ms));
    n = put(line, n, "ms ", 3);
    n = put(line, n, st->id, REQUEST_ID_LEN);
    n = put(line, n, note, strlen(note));
    rm_log_buffered(RM_LOG_INFO, line, n);
}

/* MHD_OPTION_NOTIFY_COMPLETED: the response is sent (or the connection
 * died); release the request. The connection waits for its next head. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    rm_server *s = cls;
    req_state *st = *con_cls;
    rm_conn *conn = conn_of(c);
    bool cut = rm_conn_request_done(s->conns, conn);
    if (!st) return;
    *con_cls = NULL;
    if (s->log_requests) access_log(st, c, toe, cut);
    bool counted = st->started;
    give_back_arena(st->arena); /* st itself lives there */
    if (counted) atomic_fetch_sub(&s->inflight, 1);
}

/* MHD_OPTION_NOTIFY_CONNECTION: register a new connection for its
 * deadlines, forget a closed one. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    rm_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *i =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = i ? rm_conns_add(s->conns, i->connect_fd) : NULL;
    } else {
        rm_conns_remove(s->conns, *socket_context);
        *socket_context = NULL;
    }
}

/* ------------------------------------------------------------ responses */

/* libmicrohttpd itself refuses a name or value with CR or LF (and a name
 * with a space or tab): such a header is dropped and logged, never sent. */
static void add_header(struct MHD_Response *r, const char *name, const char *value)
{
    if (MHD_add_response_header(r, name, value) != MHD_YES)
        rm_log(RM_LOG_WARN, "dropped response header '%s'", name);
}

/* MHD's content reader over a streamed body (cls: the rm_response, which
 * the caller copied into the request arena). */
static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
    const rm_response *resp = cls;
    size_t n = resp->writer(resp->writer_state, buf, max);
    return n ? (ssize_t)n : (ssize_t)MHD_CONTENT_READER_END_OF_STREAM;
}

/* The CORS headers (server/cors.h) of every answer, preflight or not. */
static void add_cors(struct MHD_Connection *c, const req_state *st, struct MHD_Response *r)
{
    if (!st->srv->cors) return;
    rm_kv h[RM_CORS_MAX_HEADERS];
    size_t n = rm_cors_headers(st->srv->cors, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"),
                               st->preflight, h);
    for (size_t i = 0; i < n; i++) add_header(r, h[i].key, h[i].value);
}

/* Queue r (headers but X-Request-Id and Connection set) with status on c
 * and destroy our reference; no deadline runs while an answer is sent. */
static enum MHD_Result queue(struct MHD_Connection *c, req_state *st, int status,
                             struct MHD_Response *r)
{
    add_header(r, "X-Request-Id", st->id);
    add_cors(c, st, r);
    if (atomic_load(&st->srv->draining)) add_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    if (!st->answering) rm_conn_enter(st->srv->conns, conn_of(c), RM_CONN_ANSWER);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned int)status, r);
    MHD_destroy_response(r);
    st->status = status;
    return ret;
}

/* Queue resp on c; NULL content type means application/json when there is
 * a body. Bad statuses become 500. */
static enum MHD_Result send_response(struct MHD_Connection *c, req_state *st,
                                     const rm_response *resp)
{
    if (resp->status < 100 || resp->status > 599) {
        if (resp->status != 0) /* 0 is logged by dispatch() */
            rm_log(RM_LOG_ERROR, "request %s: invalid status %d", st->id, resp->status);
        rm_response fail = {0};
        rm_problem(&fail, st->arena, 500, "the request could not be answered", NULL, 0,
                   st->id);
        return send_response(c, st, &fail);
    }
    if (resp->writer) { /* the reader outlives the caller's record */
        rm_response *kept = RM_NEW(st->arena, rm_response);
        *kept = *resp;
        resp = kept;
    }
    size_t len = resp->writer ? 1 : resp->body ? resp->body_len : 0;
    /* the body outlives the response: it is arena or static memory, and the
     * arena is destroyed only after the response has been sent; a streamed
     * body is written block by block as the client reads (chunked) */
    struct MHD_Response *r =
        resp->writer
            ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, read_stream,
                                                (void *)resp, NULL)
            : MHD_create_response_from_buffer(len, len ? (void *)resp->body : (void *)"",
                                              MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    const char *ctype = resp->content_type;
    if (!ctype && len) ctype = "application/json";
    if (ctype && resp->status != 204 && resp->status != 304)
        add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    for (size_t i = 0; i < resp->nheaders && i < RM_MAX_RESPONSE_HEADERS; i++)
        if (resp->headers[i].key && resp->headers[i].value)
            add_header(r, resp->headers[i].key, resp->headers[i].value);
    return queue(c, st, resp->status, r);
}

/* Answer a problem+json of the server's own (no handler ran) with one
 * error (pointer may be NULL: no errors) and, when allow is not NULL, an
 * Allow header. */
static enum MHD_Result send_problem_allow(struct MHD_Connection *c, req_state *st, int status,
                                          const char *detail, const char *pointer,
                                          const char *message, const char *allow)
{
    rm_response resp = {0};
    rm_problem_error e = {pointer, message};
    rm_problem(&resp, st->arena, status, detail, pointer ? &e : NULL, pointer ? 1 : 0, st->id);
    if (allow) rm_response_header(&resp, st->arena, "Allow", allow);
    rm_response_header(&resp, st->arena, "Server-Timing", SERVER_TIMING_NONE);
    return send_response(c, st, &resp);
}

/* The same for any path: a 405 lists every method the server knows. */
static enum MHD_Result send_problem(struct MHD_Connection *c, req_state *st, int status,
                                    const char *detail, const char *pointer,
                                    const char *message)
{
    return send_problem_allow(c, st, status, detail, pointer, message,
                              status == 405 ? ALLOWED_METHODS : NULL);
}

/* --------------------------------------------------------- header checks */

typedef struct header_scan {
    req_state *st;
    rm_kv *items;
    size_t n, cap;
    size_t bytes;                 /* sum of name + value + 4 (": " and CRLF) */
    int n_content_length, n_transfer_encoding, n_host, n_expect;
    const char *content_length, *transfer_encoding;
} header_scan;

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      size_t key_size, const char *value, size_t value_size)
{
    header_scan *h = cls;
    if (!key) return MHD_YES;
    if (!value) value = "";
    h->bytes += key_size + value_size + 4;
    /* the first letter first: most headers are none of these four */
#define IS(name) (((unsigned char)key[0] | 0x20) == (name[0] | 0x20) && strcasecmp(key, name) == 0)
    if (IS(MHD_HTTP_HEADER_CONTENT_LENGTH)) {
        h->n_content_length++;
        h->content_length = value;
    } else if (IS(MHD_HTTP_HEADER_HOST)) {
        h->n_host++;
    } else if (IS(MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
        h->n_transfer_encoding++;
        h->transfer_encoding = value;
    } else if (IS(MHD_HTTP_HEADER_EXPECT)) {
        h->n_expect++;
    }
#undef IS
    if (h->n == h->cap) {
        size_t ncap = h->cap ? h->cap * 2 : 32;
        h->items = rm_arena_realloc(h->st->arena, h->items, h->cap * sizeof *h->items,
                                    ncap * sizeof *h->items);
        h->cap = ncap;
    }
    h->items[h->n].key = key;     /* MHD keeps these until the request ends */
    h->items[h->n].value = value;
    h->n++;
    return MHD_YES;
}

static bool method_known(const char *m)
{
    static const char *known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "QUERY", "OPTIONS"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(m, known[i]) == 0) return true;
    return false;
}

/* Content-Length as a number; -1 when it is not plain decimal digits,
 * SIZE_MAX-ish values saturate (they only ever compare against max_body). */
static long long parse_content_length(const char *v)
{
    if (!*v) return -1;
    long long n = 0;
    for (; *v; v++) {
        if (*v < '0' || *v > '9') return -1;
        if (n < (1LL << 50)) n = n * 10 + (*v - '0');
    }
    return n;
}

/* Status for a request whose framing is ambiguous or unsupported, or 0. */
static int framing_status(const header_scan *h, const char **why)
{
    if (h->n_content_length > 1) {
        *why = "more than one Content-Length header";
        return 400;
    }
    if (h->n_transfer_encoding > 1) {
        *why = "more than one Transfer-Encoding header";
        return 400;
    }
    if (h->n_content_length && h->n_transfer_encoding) {
        *why = "both Content-Length and Transfer-Encoding";
        return 400;
    }
    if (h->n_transfer_encoding && strcasecmp(h->transfer_encoding, "chunked") != 0) {
        bool mentions_chunked = strstr(h->transfer_encoding, "chunked") ||
                                strstr(h->transfer_encoding, "CHUNKED");
        *why = mentions_chunked ? "malformed Transfer-Encoding"
                                : "unsupported Transfer-Encoding (only chunked is accepted)";
        return mentions_chunked ? 400 : 501;
    }
    if (h->n_content_length && parse_content_length(h->content_length) < 0) {
        *why = "malformed Content-Length";
        return 400;
    }
    return 0;
}

/* ---------------------------------------------------------- static files */

static bool is_static_path(const rm_server *s, const char *url)
{
    return s->static_on && (strcmp(url, "/") == 0 || strncmp(url, "/static/", 8) == 0);
}

/* GET/HEAD a file (200, or 304 when If-None-Match holds its ETag),
 * OPTIONS (204 with Allow), anything else 405. The file's body comes from
 * the static cache, gzip when the client accepts it (server/static.h);
 * "no-cache": the browser revalidates each time, so a new deploy is seen
 * at once and an unchanged file costs a 304. */
static enum MHD_Result static_answer(struct MHD_Connection *c, req_state *st, const char *url,
                                     const char *method)
{
    if (strcmp(method, "OPTIONS") == 0) {
        rm_response resp = {.status = 204};
        rm_response_header(&resp, st->arena, "Allow", STATIC_METHODS);
        rm_response_header(&resp, st->arena, "Server-Timing", SERVER_TIMING_NONE);
        return send_response(c, st, &resp);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return send_problem_allow(c, st, 405, "static files are read-only", NULL, NULL,
                                  STATIC_METHODS);
    const char *name = strcmp(url, "/") == 0 ? "index.html" : url + 8;
    rm_static_file f;
    int status = st->srv->static_root ? rm_static_open(st->srv->static_root, name, &f) : 404;
    if (status == 400) return send_problem(c, st, 400, "invalid static file path", NULL, NULL);
    if (status) return send_problem(c, st, 404, "no such file", NULL, NULL);
    rm_static_body b;
    const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    rm_static_body_of(st->srv->static_cache, &f, rm_static_accepts_gzip(ae), st->arena, &b);
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    bool fresh = inm && rm_etag_matches(inm, b.etag, true);
    struct MHD_Response *r =
        fresh    ? MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT)
        : b.data ? MHD_create_response_from_buffer(b.len, (void *)b.data, MHD_RESPMEM_PERSISTENT)
                 : MHD_create_response_from_fd(f.size, f.fd); /* takes the fd */
    if (fresh || b.data || !r) close(f.fd);
    if (!r) return MHD_NO;
    if (!fresh) add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, f.content_type);
    if (b.gzip && !fresh) add_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    add_header(r, MHD_HTTP_HEADER_ETAG, b.etag);
    add_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    add_header(r, "X-Content-Type-Options", "nosniff");
    /* no other site may frame the explorer (clickjacking): only a header can
     * say so, the page's <meta> CSP cannot carry frame-ancestors */
    add_header(r, "Content-Security-Policy", "frame-ancestors 'none'");
    add_header(r, "X-Frame-Options", "DENY");
    add_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    return queue(c, st, fresh ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, r);
}

/* An answer the server gave itself (a static file, a preflight, a head it
 * refused), reported to /metrics under route as the handler's answers are.
 * (The handler reports its own, routes/app.c.) */
static enum MHD_Result observed(req_state *st, const char *route, enum MHD_Result r)
{
    rm_server *s = st->srv;
    st->observed = true;
    /* a method the server does not know is "OTHER": labels stay a bounded set */
    const char *method = method_known(st->method) ? st->method : "OTHER";
    if (s->observe && st->status) s->observe(s->ud, route, method, st->status, elapsed_ms(&st->start) / 1e3);
    return r;
}

static enum MHD_Result serve_static(struct MHD_Connection *c, req_state *st, const char *url,
                                    const char *method)
{
    return observed(st, strcmp(url, "/") == 0 ? "/" : "/static/{path}", static_answer(c, st, url, method));
}

/* A CORS preflight (server/cors.h): 204, answered here for every path. */
static enum MHD_Result answer_preflight(struct MHD_Connection *c, req_state *st)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    st->preflight = true; /* queue() adds the preflight's CORS headers */
    add_header(r, "Server-Timing", SERVER_TIMING_NONE);
    return queue(c, st, MHD_HTTP_NO_CONTENT, r);
}

/* ----------------------------------------------------------- first call */

/* Checks on the request line and headers, in the order the contract
 * gives; answers right away (before any body is read) when one fails. */
static enum MHD_Result screen_head(struct MHD_Connection *c, req_state *st, const char *url,
                                   const char *method, const char *version)
{
    rm_server *s = st->srv;
    st->method = rm_arena_strdup(st->arena, method);
    st->path = rm_arena_strdup(st->arena, url);
    if (st->uri_len > s->max_uri)
        return send_problem(c, st, 414, "the request target is too long", NULL, NULL);
    header_scan h = {.st = st};
    MHD_get_connection_values_n(c, MHD_HEADER_KIND, collect_header, &h);
    st->headers = h.items;
    st->nheaders = h.n;
    st->expect = h.n_expect > 0;
    if (h.bytes > s->max_header_bytes)
        return send_problem(c, st, 431, "the request headers are too large", NULL, NULL);
    if (!method_known(method))
        return send_problem(c, st, 405, "unknown method", NULL, NULL);
    const char *why = NULL;
    int status = framing_status(&h, &why);
    if (status) return send_problem(c, st, status, why, NULL, NULL);
    if (h.n_host != 1 && (h.n_host > 1 || strcmp(version, MHD_HTTP_VERSION_1_1) == 0))
        return send_problem(c, st, 400, "HTTP/1.1 needs exactly one Host header", NULL, NULL);
    const char *where;
    const char *uri = st->uri ? st->uri : url;
    if (rm_target_parse(st->arena, uri, strlen(uri), &st->target, &why, &where))
        return send_problem(c, st, 400,
                            rm_arena_sprintf(st->arena, "the request %s %s", where, why), NULL,
                            NULL);
    long long cl = h.n_content_length ? parse_content_length(h.content_length) : 0;
    if (cl > 0 && (unsigned long long)cl > s->max_body)
        return send_problem(c, st, 413, "the request body is too large", NULL, NULL);
    if (s->cors && rm_cors_is_preflight(s->cors, method,
                                        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"),
                                        MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                                    "Access-Control-Request-Method")))
        return observed(st, "preflight", answer_preflight(c, st));
    if (is_static_path(s, url)) return serve_static(c, st, url, method);
    st->expects_body = cl > 0 || h.n_transfer_encoding;
    if (cl > 0) { /* known size: one allocation */
        st->body_cap = (size_t)cl + 1;
        st->body = rm_arena_alloc(st->arena, st->body_cap);
    }
    return MHD_YES;
}

/* screen_head, with the answers it gives itself before any route (414,
 * 431, 405, framing 400/501/413...) counted in /metrics as route "server"
 * (static files and preflights count themselves). */
static enum MHD_Result first_call(struct MHD_Connection *c, req_state *st, const char *url,
                                  const char *method, const char *version)
{
    enum MHD_Result r = screen_head(c, st, url, method, version);
    return !st->status || st->observed ? r : observed(st, "server", r);
}

/* ------------------------------------------------------------ body */

/* Take one upload chunk: append it, or count it as discarded once the
 * body is over the limit. MHD_NO (close) after DISCARD_MAX thrown away. */
static enum MHD_Result take_chunk(req_state *st, const char *data, size_t n)
{
    size_t max = st->srv->max_body;
    if (!st->reject && n > max - st->body_len) st->reject = 413;
    if (st->reject) {
        st->discarded += n;
        return st->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
    }
    size_t need = st->body_len + n + 1;
    if (need > st->body_cap) {
        size_t cap = st->body_cap ? st->body_cap : 4096;
        while (cap < need) cap *= 2;
        if (cap > max + 1) cap = max + 1;
        st->body = rm_arena_realloc(st->arena, st->body, st->body_len, cap);
        st->body_cap = cap;
    }
    memcpy(st->body + st->body_len, data, n);
    st->body_len += n;
    st->body[st->body_len] = '\0';
    return MHD_YES;
}

/* Why the Content-Type of a body is refused (415), or NULL when it says
 * UTF-8 JSON (server/media_type.h); more than one such header is refused. */
static const char *media_type_problem(const req_state *st)
{
    const char *ct = NULL;
    for (size_t i = 0; i < st->nheaders; i++) {
        if (strcasecmp(st->headers[i].key, MHD_HTTP_HEADER_CONTENT_TYPE) != 0) continue;
        if (ct) return "more than one Content-Type header";
        ct = st->headers[i].value;
    }
    switch (rm_media_type_check(ct)) {
    case RM_MEDIA_JSON: return NULL;
    case RM_MEDIA_CHARSET: return "the request body must be UTF-8 JSON (charset=utf-8 or none)";
    case RM_MEDIA_MALFORMED: return "the Content-Type header is malformed";
    default: return "the request body must be application/json";
    }
}

/* Media type and JSON checks on a complete body; 0 or a status sent. */
static enum MHD_Result check_body(struct MHD_Connection *c, req_state *st, bool *answered)
{
    *answered = true;
    const char *why = media_type_problem(st);
    if (why) return send_problem(c, st, 415, why, NULL, NULL);
    json_error_t jerr;
    json_t *j = json_loadb(st->body, st->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
                           &jerr);
    if (!j) {
        char *msg = rm_arena_sprintf(st->arena, "%s (line %d, column %d, position %d)",
                                     rm_json_error_message(&jerr), jerr.line, jerr.column,
                                     jerr.position);
        return send_problem(c, st, 400, "malformed JSON body", "", msg);
    }
    rm_arena_on_reset(st->arena, free_json, j);
    if (!json_is_object(j) && !json_is_array(j))
        return send_problem(c, st, 400, "malformed JSON body", "",
                            "the body must be a JSON object or array");
    st->json = j;
    *answered = false;
    return MHD_YES;
}

/* ------------------------------------------------------------ dispatch */

static enum MHD_Result dispatch(struct MHD_Connection *c, req_state *st, const char *url,
                                const char *method)
{
    rm_server *s = st->srv;
    rm_request req = {
        .arena = st->arena,
        .id = st->id,
        .method = st->method,
        .path = st->target.path,
        .raw_path = st->target.raw_path,
        .query = st->target.query,
        .nquery = st->target.nquery,
        .headers = st->headers,
        .nheaders = st->nheaders,
        .body = st->body_len ? st->body : NULL,
        .body_len = st->body_len,
        .json = st->json,
    };
    rm_response resp = {0};
    s->handler(s->ud, &req, &resp);
    if (resp.status == 0)
        rm_log(RM_LOG_ERROR, "request %s: %s %s got no answer from the handler", st->id,
               st->method, st->path);
    return send_response(c, st, &resp);
}

static enum MHD_Result final_call(struct MHD_Connection *c, req_state *st, const char *url,
                                  const char *method)
{
    if (!st->answering && !rm_conn_enter(st->srv->conns, conn_of(c), RM_CONN_ANSWER))
        return MHD_NO; /* closed at its deadline, or by a stop */
    st->answering = true;
    if (st->reject == 413)
        return send_problem(c, st, 413, "the request body is too large", NULL, NULL);
    if (st->body_len > 0) {
        bool answered;
        enum MHD_Result r = check_body(c, st, &answered);
        if (answered) return r;
    }
    return dispatch(c, st, url, method);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    rm_server *s = cls;
    req_state *st = *con_cls;
    if (!st) /* no URI callback happened (should not): count it here */
        *con_cls = st = new_state(s, url);
    if (!st->started) {
        /* in flight from a complete head on: a head that never completes
         * (the client went away mid-line) is not waited for on stop */
        st->started = true;
        atomic_fetch_add(&s->inflight, 1);
        enum MHD_Result r = first_call(c, st, url, method, version);
        if (r != MHD_YES || st->status) return r; /* answered: queue() entered ANSWER */
        /* the head is in: a body has its own deadline; without one the
         * answer follows at once (libmicrohttpd reads nothing more first) */
        if (!rm_conn_enter(s->conns, conn_of(c), st->expects_body ? RM_CONN_BODY : RM_CONN_ANSWER))
            return MHD_NO; /* closed at its deadline, or by a stop */
        st->answering = !st->expects_body;
        /* an Expect header but no body: answer now, before libmicrohttpd
         * sends "100 Continue" and reads what follows the head (the next
         * request) as this one's body, then drops the connection unanswered
         * (answering before the request is read closes the connection) */
        if (!st->expects_body && st->expect) return final_call(c, st, url, method);
        return r;
    }
    if (*upload_data_size) {
        enum MHD_Result r = take_chunk(st, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return r;
    }
    return final_call(c, st, url, method);
}

/* ------------------------------------------------------------ lifecycle */

static void __attribute__((format(printf, 2, 0)))
mhd_logger(void *cls, const char *fmt, va_list ap)
{
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = '\0';
    rm_log(RM_LOG_WARN, "libmicrohttpd: %s", buf);
}

static int open_listener(const char *bind_addr, int port, int *fd_out, int *port_out,
                         char *err, size_t errlen)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    int rc = getaddrinfo(bind_addr, portstr, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot use bind address '%s': %s", bind_addr, gai_strerror(rc));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    ai->ai_protocol);
        if (fd < 0) { saved = errno; continue; }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, LISTEN_BACKLOG) == 0)
            break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "cannot listen on %s port %d: %s", bind_addr, port,
                 strerror(saved));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *port_out = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                         : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    *fd_out = fd;
    return 0;
}

/* libmicrohttpd 0.9.75 keeps a request's head in the connection's memory
 * pool: every byte of it as received, and a record per header line and per
 * query argument (struct MHD_HTTP_Header: 56 bytes on LP64, allocated
 * rounded up to the pool's 16-byte alignment). It zeroes the whole pool
 * before every request on a connection (MHD_pool_reset), so its size is
 * paid per request: it holds what our limits need to fire, no more. */
#define MHD_HEADER_RECORD 64
#define MIN_HEADER_LINE 6       /* "a: b\r\n"; our 431 counts it 6 as well */
#define ANSWER_ROOM 8192        /* the answer's head (libmicrohttpd's write buffer),
                                   and the records of a target's query arguments */

size_t rm_server_connection_memory(size_t max_uri, size_t max_header_bytes)
{
    /* the lines of a head one line past max_header_bytes, each as short as
     * a header line our 431 counts fully can be */
    size_t lines = max_header_bytes / MIN_HEADER_LINE + 1;
    return max_uri + lines * (MIN_HEADER_LINE + MHD_HEADER_RECORD) + ANSWER_ROOM;
}

/* How many connections may be open at once: three quarters of the file
 * descriptors the process may open beyond a reserve (an answer from a
 * static file holds a second descriptor; the database, the log and the
 * listener need theirs), at most MAX_CONNECTIONS. Past the descriptor
 * limit accept() would fail and libmicrohttpd would stop accepting. */
static unsigned connection_limit(void)
{
    struct rlimit rl;
    rlim_t n = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) n = rl.rlim_cur;
    if (n == RLIM_INFINITY || n > (rlim_t)MAX_CONNECTIONS * 2) return MAX_CONNECTIONS;
    rlim_t usable = n > 2 * FD_RESERVE ? (n - FD_RESERVE) * 3 / 4 : n / 4;
    return usable < MAX_CONNECTIONS ? (unsigned)usable : MAX_CONNECTIONS;
}

/* libmicrohttpd's idle timeout, in seconds: it matters while an answer is
 * sent (a client that stops reading); while a request is received our
 * deadlines are the limit, so it must not cut in before them. */
static unsigned idle_timeout_s(const rm_server *s)
{
    int ms = s->head_timeout_ms > s->body_timeout_ms ? s->head_timeout_ms : s->body_timeout_ms;
    unsigned t = (unsigned)(ms + 999) / 1000;
    return t > CONNECTION_TIMEOUT_S ? t : CONNECTION_TIMEOUT_S;
}

static int start_daemon(rm_server *s, int threads, char *err, size_t errlen)
{
    /* poll(), not epoll: with epoll, MHD_quiesce_daemon (rm_server_stop)
     * races a worker removing the listen socket from its epoll set, and
     * libmicrohttpd 0.9.75 aborts the process ("Failed to remove listen FD
     * from epoll set"; docs/decisions.md). poll() rebuilds its set each turn. */
    unsigned int flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_logger, NULL},
        {MHD_OPTION_LISTEN_SOCKET, s->listen_fd, NULL},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_request_line, s},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, s},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT,
         (intptr_t)rm_server_connection_memory(s->max_uri, s->max_header_bytes), NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)idle_timeout_s(s), NULL},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)connection_limit(), NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)s->max_conns_per_ip, NULL},
        /* 0, not 1: at 1 libmicrohttpd answers a missing Host itself, in
         * HTML; first_call() checks it and answers problem+json */
        {MHD_OPTION_STRICT_FOR_CLIENT, 0, NULL},
        {threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_access, s, MHD_OPTION_ARRAY, opts,
                                 MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot start the HTTP server (libmicrohttpd refused)");
        return -1;
    }
    return 0;
}

static void resolve_static(rm_server *s, const char *dir)
{
    if (!dir || !*dir) return;
    s->static_on = true;
    s->static_cache = rm_static_cache_new();
    s->static_root = realpath(dir, NULL);
    if (!s->static_root)
        rm_log(RM_LOG_WARN, "static directory '%s' not usable (%s): / and /static/ answer 404",
               dir, strerror(errno));
}

int rm_server_start(const rm_server_config *cfg, rm_handler_fn handler, void *ud,
                    rm_server **out, char *err, size_t errlen)
{
    *out = NULL;
    rm_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->handler = handler;
    s->ud = ud;
    s->max_body = cfg->max_body ? cfg->max_body : DEFAULT_MAX_BODY;
    s->max_uri = cfg->max_uri ? cfg->max_uri : DEFAULT_MAX_URI;
    s->max_header_bytes = cfg->max_header_bytes ? cfg->max_header_bytes : RM_MAX_HEADER_BYTES;
    s->head_timeout_ms = cfg->head_timeout_ms > 0 ? cfg->head_timeout_ms : RM_HEAD_TIMEOUT_MS;
    s->body_timeout_ms = cfg->body_timeout_ms > 0 ? cfg->body_timeout_ms : RM_BODY_TIMEOUT_MS;
    s->max_conns_per_ip = cfg->max_conns_per_ip;
    s->log_requests = cfg->log_requests;
    s->id_seed = random_seed();
    atomic_init(&s->next_id, 0);
    atomic_init(&s->inflight, 0);
    atomic_init(&s->draining, false);
    const char *bind_addr = cfg->bind && *cfg->bind ? cfg->bind : "127.0.0.1";
    if (open_listener(bind_addr, cfg->port, &s->listen_fd, &s->port, err, errlen)) {
        free(s);
        return -1;
    }
    s->conns = rm_conns_new(s->head_timeout_ms, s->body_timeout_ms);
    if (!s->conns) {
        snprintf(err, errlen, "cannot start the connection sweeper thread");
        close(s->listen_fd);
        free(s);
        return -1;
    }
    resolve_static(s, cfg->static_dir);
    s->observe = cfg->observe;
    if (cfg->cors_origin) s->cors = strdup(cfg->cors_origin);
    if (start_daemon(s, cfg->threads, err, errlen)) {
        close(s->listen_fd);
        rm_conns_free(s->conns);
        free(s->static_root);
        rm_static_cache_free(s->static_cache);
        free(s->cors);
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

int rm_server_port(const rm_server *s) { return s ? s->port : 0; }

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

void rm_server_stop(rm_server *s, int drain_timeout_ms)
{
    if (!s) return;
    atomic_store(&s->draining, true);
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET) close(fd);
    /* idle connections and unfinished heads go now; bodies get a moment */
    rm_conns_drain(s->conns, STOP_BODY_GRACE_MS);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (atomic_load(&s->inflight) > 0 && elapsed_ms(&start) < drain_timeout_ms) sleep_ms(5);
    long left = atomic_load(&s->inflight);
    if (left > 0) rm_log(RM_LOG_WARN, "stopping with %ld request(s) still in flight", left);
    MHD_stop_daemon(s->daemon);
    rm_arena_destroy(take_arena()); /* this thread's spare (it closed connections) */
    rm_log_flush(); /* the last requests' access lines */
    rm_conns_free(s->conns);
    free(s->static_root);
    rm_static_cache_free(s->static_cache);
    free(s->cors);
    free(s);
}
