/* hand_http.c: the HTTP side of the hand-written bench servers (bench/hand.h):
 * libmicrohttpd with a pool of THREADS threads (as restmap's --threads),
 * one database connection per thread, JSON parsed with jansson and written
 * by hand with the same bytes as restmap answers the bench's requests on
 * bench/schema.json:
 *   GET   /api/users/{id}
 *   GET   /api/users?limit=L[&offset=O][&filter={"addresses":{"any":
 *                    {"email_address":{"like":P}}}}]
 *   POST  /api/users        one user with nested addresses, or an array
 *   PATCH /api/users/{id}   {"fullname": ...}
 * Lists carry meta.next_cursor and links.next as restmap does: the keyset
 * cursor's payload signed with HMAC-SHA256 under the key restmap derives
 * from the schema (routes/cursor.c) when no secret is given.
 * Usage: hand_sqlite|hand_pg DB_URL PORT THREADS SCHEMA_JSON
 * (or --raw-bulk DB_URL USERS: bench/hand_bulk.c) */
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/hand.h"

#define MAX_BODY (64u << 20)
#define CURSOR_MAC 16

static const char *db_url;
static unsigned char cursor_key[SHA256_DIGEST_LENGTH];
static _Thread_local void *db;
/* every thread's connection, closed at the end */
static void **all_dbs;
static size_t n_dbs, cap_dbs;
static pthread_mutex_t dbs_lock = PTHREAD_MUTEX_INITIALIZER;

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return p;
    size_t c = *cap ? *cap : 16;
    while (c < need) c *= 2;
    p = realloc(p, c * size);
    if (!p) abort();
    *cap = c;
    return p;
}

/* ---- rows -------------------------------------------------------------------- */

size_t hand_pool_add(hand_rows *rows, const char *text, size_t n)
{
    rows->pool = grow(rows->pool, &rows->cappool, rows->npool + n + 1, 1);
    size_t at = rows->npool;
    memcpy(rows->pool + at, text, n);
    rows->pool[at + n] = '\0';
    rows->npool += n + 1;
    return at;
}

hand_user *hand_add_user(hand_rows *rows)
{
    rows->users = grow(rows->users, &rows->capusers, rows->nusers + 1, sizeof *rows->users);
    return &rows->users[rows->nusers++];
}

hand_addr *hand_add_addr(hand_rows *rows)
{
    rows->addrs = grow(rows->addrs, &rows->capaddrs, rows->naddrs + 1, sizeof *rows->addrs);
    return &rows->addrs[rows->naddrs++];
}

void hand_link_owners(hand_rows *rows)
{
    for (size_t a = 0; a < rows->naddrs; a++)
        for (size_t u = 0; u < rows->nusers; u++)
            if (rows->users[u].id == rows->addrs[a].user_id) rows->addrs[a].owner = u;
}

void hand_rows_free(hand_rows *rows)
{
    free(rows->users);
    free(rows->addrs);
    free(rows->pool);
}

/* ---- JSON written by hand ------------------------------------------------------ */

typedef struct {
    char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    b->p = grow(b->p, &b->cap, b->n + n + 1, 1);
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

/* a string literal only ("" lit refuses anything else) */
#define PUTS(b, lit) put((b), "" lit, sizeof(lit) - 1)

static void put_int(buf *b, long long v)
{
    char t[24], *e = t + sizeof t, *s = e;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do *--s = (char)('0' + u % 10); while (u /= 10);
    if (v < 0) *--s = '-';
    put(b, s, (size_t)(e - s));
}

/* A JSON string: quotes, backslashes and control characters escaped, the
 * rest (UTF-8 included) as it is. */
static void put_str(buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    PUTS(b, "\"");
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        put(b, run, (size_t)(s - run));
        run = s + 1;
        switch (c) {
        case '"': PUTS(b, "\\\""); break;
        case '\\': PUTS(b, "\\\\"); break;
        case '\n': PUTS(b, "\\n"); break;
        case '\r': PUTS(b, "\\r"); break;
        case '\t': PUTS(b, "\\t"); break;
        case '\b': PUTS(b, "\\b"); break;
        case '\f': PUTS(b, "\\f"); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(b, u, 6);
        }
        }
    }
    put(b, run, (size_t)(s - run));
    PUTS(b, "\"");
}

static void put_text(buf *b, const hand_rows *rows, size_t at)
{
    if (at == HAND_NULL) PUTS(b, "null");
    else put_str(b, rows->pool + at);
}

/* first[u]: user u's first address; next[a]: the next one of a's user. */
typedef struct {
    size_t *first, *next;
} chains;

static chains chain_addresses(const hand_rows *rows)
{
    chains c = {malloc((rows->nusers + 1) * sizeof *c.first), malloc((rows->naddrs + 1) * sizeof *c.next)};
    if (!c.first || !c.next) abort();
    for (size_t u = 0; u < rows->nusers; u++) c.first[u] = HAND_NULL;
    for (size_t a = rows->naddrs; a-- > 0;) {
        c.next[a] = c.first[rows->addrs[a].owner];
        c.first[rows->addrs[a].owner] = a;
    }
    return c;
}

static void put_user(buf *b, const hand_rows *rows, const chains *c, size_t u)
{
    const hand_user *x = &rows->users[u];
    PUTS(b, "{\"id\":");
    put_int(b, x->id);
    PUTS(b, ",\"name\":");
    put_text(b, rows, x->name);
    PUTS(b, ",\"fullname\":");
    put_text(b, rows, x->fullname);
    PUTS(b, ",\"addresses\":[");
    for (size_t a = c->first[u]; a != HAND_NULL; a = c->next[a]) {
        const hand_addr *y = &rows->addrs[a];
        if (a != c->first[u]) PUTS(b, ",");
        PUTS(b, "{\"id\":");
        put_int(b, y->id);
        PUTS(b, ",\"email_address\":");
        put_text(b, rows, y->email);
        PUTS(b, ",\"user_id\":");
        put_int(b, y->user_id);
        PUTS(b, ",\"_links\":{\"self\":\"/api/addresses/");
        put_int(b, y->id);
        PUTS(b, "\",\"user\":\"/api/addresses/");
        put_int(b, y->id);
        PUTS(b, "/user\"}}");
    }
    PUTS(b, "],\"_links\":{\"self\":\"/api/users/");
    put_int(b, x->id);
    PUTS(b, "\"}}");
}

/* The first n users of rows, comma-separated. */
static void put_users(buf *b, const hand_rows *rows, size_t n)
{
    chains c = chain_addresses(rows);
    for (size_t u = 0; u < n; u++) {
        if (u) PUTS(b, ",");
        put_user(b, rows, &c, u);
    }
    free(c.first);
    free(c.next);
}

/* ---- cursors (routes/cursor.c's format) ------------------------------------------ */

static void put_base64url(buf *b, const unsigned char *p, size_t n)
{
    b->p = grow(b->p, &b->cap, b->n + 4 * (n / 3 + 1) + 1, 1);
    int len = EVP_EncodeBlock((unsigned char *)b->p + b->n, p, (int)n);
    char *s = b->p + b->n;
    for (int i = 0; i < len; i++) s[i] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
    while (len > 0 && s[len - 1] == '=') len--;
    b->n += (size_t)len;
}

/* The cursor of the rows after user id. */
static void put_cursor(buf *b, long long id)
{
    char payload[64];
    int n = snprintf(payload, sizeof payload, "[\"users \",[%lld]]", id);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned maclen = 0;
    HMAC(EVP_sha256(), cursor_key, sizeof cursor_key, (const unsigned char *)payload, (size_t)n, mac, &maclen);
    put_base64url(b, (const unsigned char *)payload, (size_t)n);
    PUTS(b, ".");
    put_base64url(b, mac, CURSOR_MAC);
}

/* SHA-256("restmap cursor v1" || the schema files as a compact JSON array
 * with sorted keys), as rm_cursor_key_derive does without a secret. */
static int derive_cursor_key(const char *schema_path)
{
    json_error_t err;
    json_t *doc = json_load_file(schema_path, 0, &err);
    if (!doc) {
        fprintf(stderr, "hand: %s: %s\n", schema_path, err.text);
        return -1;
    }
    json_t *docs = json_array();
    json_array_append_new(docs, doc);
    char *text = json_dumps(docs, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(docs);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    EVP_DigestUpdate(md, "restmap cursor v1", 17);
    EVP_DigestUpdate(md, text, strlen(text));
    EVP_DigestFinal_ex(md, cursor_key, NULL);
    EVP_MD_CTX_free(md);
    free(text);
    return 0;
}

/* ---- requests ------------------------------------------------------------------- */

typedef struct {
    char *uri; /* as the request line gave it */
    buf body;
    int seen; /* the first call (headers only) came */
    int too_big;
} request;

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls, (void)c;
    request *r = calloc(1, sizeof *r);
    if (!r || !(r->uri = strdup(uri))) abort();
    return r;
}

static void on_done(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode t)
{
    (void)cls, (void)c, (void)t;
    request *r = *state;
    if (!r) return;
    free(r->uri);
    free(r->body.p);
    free(r);
    *state = NULL;
}

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, buf *b, const char *location)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(b->n, b->p, MHD_RESPMEM_MUST_FREE);
    b->p = NULL;
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (location) MHD_add_response_header(resp, "Location", location);
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result send_problem(struct MHD_Connection *c, unsigned status, const char *detail)
{
    buf b = {0};
    PUTS(&b, "{\"type\":\"about:blank\",\"status\":");
    put_int(&b, status);
    PUTS(&b, ",\"detail\":");
    put_str(&b, detail);
    PUTS(&b, "}");
    return send_buf(c, status, &b, NULL);
}

static enum MHD_Result send_user(struct MHD_Connection *c, unsigned status, hand_rows *rows, int rc)
{
    if (rc) return send_problem(c, 500, "database error");
    if (!rows->nusers) return send_problem(c, 404, "no User with that key");
    buf b = {0};
    put_users(&b, rows, 1);
    char loc[48];
    snprintf(loc, sizeof loc, "/api/users/%lld", rows->users[0].id);
    return send_buf(c, status, &b, status == 201 ? loc : NULL);
}

/* The query string without its offset and cursor parameters: whether it
 * wrote anything. */
static int put_link_query(buf *b, const char *query)
{
    int wrote = 0;
    for (const char *p = query; *p;) {
        const char *end = strchr(p, '&');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (strncmp(p, "offset=", 7) && strncmp(p, "cursor=", 7)) {
            if (wrote) PUTS(b, "&");
            put(b, p, n);
            wrote = 1;
        }
        p += n + (end != NULL);
    }
    return wrote;
}

static const char *filter_like(json_t *filter)
{
    json_t *like = json_object_get(json_object_get(json_object_get(json_object_get(filter, "addresses"), "any"),
                                                   "email_address"),
                                   "like");
    return json_is_string(like) && json_object_size(filter) == 1 ? json_string_value(like) : NULL;
}

static enum MHD_Result get_list(struct MHD_Connection *c, const request *r)
{
    const char *ls = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
    const char *os = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "offset");
    const char *fs = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "filter");
    long long limit = ls ? atoll(ls) : 50, offset = os ? atoll(os) : 0;
    if (limit < 1 || limit > 1000 || offset < 0) return send_problem(c, 400, "bad limit or offset");
    if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cursor"))
        return send_problem(c, 400, "cursors are not part of the hand-written bench server");
    json_t *filter = NULL;
    const char *like = NULL;
    if (fs) {
        filter = json_loads(fs, 0, NULL);
        if (!(like = filter_like(filter))) {
            json_decref(filter);
            return send_problem(c, 400, "only the bench's filter is understood");
        }
    }
    hand_rows rows = {0};
    int rc = hand_db_page(db, limit, offset, like, &rows);
    json_decref(filter);
    if (rc) {
        hand_rows_free(&rows);
        return send_problem(c, 500, "database error");
    }
    size_t n = rows.nusers > (size_t)limit ? (size_t)limit : rows.nusers;
    int more = rows.nusers > (size_t)limit;
    const char *q = strchr(r->uri, '?'), *query = q ? q + 1 : "";
    buf b = {0};
    PUTS(&b, "{\"data\":[");
    put_users(&b, &rows, n);
    PUTS(&b, "],\"meta\":{\"limit\":");
    put_int(&b, limit);
    PUTS(&b, ",\"offset\":");
    put_int(&b, offset);
    if (more) {
        PUTS(&b, ",\"next_cursor\":\"");
        put_cursor(&b, rows.users[n - 1].id);
        PUTS(&b, "\"");
    }
    PUTS(&b, "},\"links\":{\"self\":");
    put_str(&b, r->uri);
    if (more) {
        PUTS(&b, ",\"next\":\"/api/users?");
        if (put_link_query(&b, query)) PUTS(&b, "&");
        PUTS(&b, "cursor=");
        put_cursor(&b, rows.users[n - 1].id);
        PUTS(&b, "\"");
    }
    if (offset > 0) {
        PUTS(&b, ",\"prev\":\"/api/users?");
        int wrote = put_link_query(&b, query);
        if (offset > limit) {
            if (wrote) PUTS(&b, "&");
            PUTS(&b, "offset=");
            put_int(&b, offset - limit);
        }
        PUTS(&b, "\"");
    }
    PUTS(&b, "}}");
    hand_rows_free(&rows);
    return send_buf(c, 200, &b, NULL);
}

static const char *text_or_null(json_t *v) { return json_is_string(v) ? json_string_value(v) : NULL; }

static size_t pool_text(hand_rows *rows, json_t *v)
{
    return json_is_string(v) ? hand_pool_add(rows, json_string_value(v), json_string_length(v)) : HAND_NULL;
}

/* One user object of a POST body into rows: 0, or -1 when it is not one. */
static int take_user(hand_rows *rows, json_t *o)
{
    json_t *name = json_object_get(o, "name"), *full = json_object_get(o, "fullname");
    json_t *addrs = json_object_get(o, "addresses");
    if (!json_is_string(name) || (full && !json_is_string(full) && !json_is_null(full)) ||
        (addrs && !json_is_array(addrs)))
        return -1;
    size_t u = rows->nusers;
    hand_user *x = hand_add_user(rows);
    x->name = pool_text(rows, name);
    x->fullname = pool_text(rows, full);
    size_t i;
    json_t *a;
    json_array_foreach(addrs, i, a) {
        json_t *email = json_object_get(a, "email_address");
        if (!json_is_string(email)) return -1;
        hand_addr *y = hand_add_addr(rows);
        y->email = pool_text(rows, email);
        y->owner = u;
    }
    return 0;
}

static enum MHD_Result post_users(struct MHD_Connection *c, const request *r)
{
    json_t *doc = json_loadb(r->body.p ? r->body.p : "", r->body.n, 0, NULL);
    hand_rows rows = {0};
    int bad = !doc, many = json_is_array(doc);
    if (many) {
        size_t i;
        json_t *o;
        json_array_foreach(doc, i, o) bad |= take_user(&rows, o);
    } else if (doc) {
        bad = take_user(&rows, doc);
    }
    json_decref(doc);
    enum MHD_Result ret;
    if (bad) {
        ret = send_problem(c, 400, "not a user");
    } else if (!many) {
        ret = send_user(c, 201, &rows, hand_db_create(db, &rows));
    } else if (hand_db_create(db, &rows)) {
        ret = send_problem(c, 500, "database error");
    } else {
        buf b = {0};
        PUTS(&b, "{\"data\":[");
        put_users(&b, &rows, rows.nusers);
        PUTS(&b, "]}");
        ret = send_buf(c, 201, &b, NULL);
    }
    hand_rows_free(&rows);
    return ret;
}

static enum MHD_Result patch_user(struct MHD_Connection *c, const request *r, long long id)
{
    json_t *doc = json_loadb(r->body.p ? r->body.p : "", r->body.n, 0, NULL);
    json_t *full = json_object_get(doc, "fullname");
    enum MHD_Result ret;
    if (!full || json_object_size(doc) != 1 || !(json_is_string(full) || json_is_null(full))) {
        ret = send_problem(c, 400, "only fullname may be patched here");
    } else {
        hand_rows rows = {0};
        ret = send_user(c, 200, &rows, hand_db_patch(db, id, text_or_null(full), &rows));
        hand_rows_free(&rows);
    }
    json_decref(doc);
    return ret;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **state)
{
    (void)cls, (void)version;
    request *r = *state;
    if (!r->seen) {
        r->seen = 1;
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->body.n + *upload_size > MAX_BODY) r->too_big = 1;
        else put(&r->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (!db) {
        if (!(db = hand_db_open(db_url))) return send_problem(c, 503, "no database");
        pthread_mutex_lock(&dbs_lock);
        all_dbs = grow(all_dbs, &cap_dbs, n_dbs + 1, sizeof *all_dbs);
        all_dbs[n_dbs++] = db;
        pthread_mutex_unlock(&dbs_lock);
    }
    if (r->too_big) return send_problem(c, 413, "body too large");
    if (!strcmp(url, "/api/users")) {
        if (!strcmp(method, "GET")) return get_list(c, r);
        if (!strcmp(method, "POST")) return post_users(c, r);
    } else if (!strncmp(url, "/api/users/", 11)) {
        char *end;
        long long id = strtoll(url + 11, &end, 10);
        if (*end) return send_problem(c, 404, "not found");
        if (!strcmp(method, "GET")) {
            hand_rows rows = {0};
            enum MHD_Result ret = send_user(c, 200, &rows, hand_db_user(db, id, &rows));
            hand_rows_free(&rows);
            return ret;
        }
        if (!strcmp(method, "PATCH")) return patch_user(c, r, id);
    }
    return send_problem(c, 404, "not a route of the hand-written bench server");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--raw-bulk")) return hand_raw_bulk(argc, argv);
    if (argc != 5) {
        fprintf(stderr, "usage: %s DB_URL PORT THREADS SCHEMA_JSON | --raw-bulk DB_URL USERS\n", argv[0]);
        return 2;
    }
    db_url = argv[1];
    if (derive_cursor_key(argv[4])) return 1;
    /* block the stop signals before libmicrohttpd's threads exist, so only sigwait sees them */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGINT);
    sigprocmask(SIG_BLOCK, &s, NULL);
    signal(SIGPIPE, SIG_IGN);
    unsigned threads = (unsigned)atoi(argv[3]);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, (uint16_t)atoi(argv[2]), NULL, NULL, answer, NULL,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
        MHD_OPTION_CONNECTION_LIMIT, 1000u, threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "hand: cannot listen on port %s\n", argv[2]);
        return 1;
    }
    fprintf(stderr, "hand: listening on http://127.0.0.1:%s\n", argv[2]);
    int sig;
    sigwait(&s, &sig);
    MHD_stop_daemon(d);
    for (size_t i = 0; i < n_dbs; i++) hand_db_close(all_dbs[i]);
    free(all_dbs);
    return 0;
}
