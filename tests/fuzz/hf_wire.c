/* hf_wire.c: request framing analysis, one raw exchange, and the strict
 * answer parser (see hf_wire.h). The grammar is RFC 9112's: CRLF line
 * ends, token method and header names, no control bytes in a header value
 * but HTAB, one Content-Length or Transfer-Encoding: chunked. */
#include "tests/fuzz/hf_wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONNECT_TIMEOUT_MS 3000

static bool is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A header value's bytes: visible ASCII, SP, HTAB, obs-text. */
static bool value_ok(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 ? c != '\t' : c == 0x7f) return false;
    }
    return true;
}

static bool name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

/* Value without leading and trailing blanks. */
static void trim(const char **v, size_t *n)
{
    while (*n && (**v == ' ' || **v == '\t')) (*v)++, (*n)--;
    while (*n && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t')) (*n)--;
}

/* Plain decimal digits → value (saturating), or -1. */
static long long decimal(const char *v, size_t n)
{
    if (!n) return -1;
    long long x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') return -1;
        if (x < (1LL << 50)) x = x * 10 + (v[i] - '0');
    }
    return x;
}

static const char *find(const char *d, size_t n, const char *needle)
{
    return hf_memmem(d, n, needle, strlen(needle));
}

/* ------------------------------------------------------------ chunked */

/* Chunked body at d: 1 complete (*len its bytes, decoded into out when not
 * NULL), 0 incomplete, -1 malformed. */
static int parse_chunked(const char *d, size_t n, size_t *len, hf_buf *out)
{
    size_t p = 0;
    for (;;) {
        size_t digits = 0;
        unsigned long long size = 0;
        while (p + digits < n && strchr("0123456789abcdefABCDEF", d[p + digits]) && d[p + digits]) {
            char c = d[p + digits];
            unsigned v = (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
            if (digits >= 15) return -1;
            size = size * 16 + v;
            digits++;
        }
        if (p + digits >= n) return 0;
        if (!digits) return -1;
        p += digits;
        const char *eol = find(d + p, n - p, "\r\n");
        if (!eol) return memchr(d + p, '\n', n - p) ? -1 : 0;
        size_t ext = (size_t)(eol - (d + p));
        if (ext && (d[p] != ';' || !value_ok(d + p, ext))) return -1;
        p += ext + 2;
        if (size == 0) break;
        if (n - p < size + 2) return 0;
        if (out) hf_buf_add(out, d + p, (size_t)size);
        p += (size_t)size;
        if (d[p] != '\r' || d[p + 1] != '\n') return -1;
        p += 2;
    }
    /* trailer fields, then an empty line */
    for (;;) {
        const char *eol = find(d + p, n - p, "\r\n");
        if (!eol) return 0;
        size_t ll = (size_t)(eol - (d + p));
        if (ll == 0) {
            *len = p + 2;
            return 1;
        }
        const char *colon = memchr(d + p, ':', ll);
        if (!colon || colon == d + p || !value_ok(d + p, ll)) return -1;
        for (const char *c = d + p; c < colon; c++)
            if (!is_tchar((unsigned char)*c)) return -1;
        p += ll + 2;
    }
}

/* ------------------------------------------------------------ requests */

typedef struct head_scan {
    int n_cl, n_te, n_host;
    const char *cl, *te;
    size_t cl_len, te_len;
    size_t header_bytes;
    size_t lines;
} head_scan;

/* Header lines from p to the end of the head; false when one is not
 * "name: value". */
static bool scan_headers(const char *p, const char *end, head_scan *h)
{
    while (p < end) {
        const char *eol = find(p, (size_t)(end - p) + 2, "\r\n");
        size_t ll = (size_t)(eol - p);
        const char *colon = memchr(p, ':', ll);
        if (!colon || colon == p) return false;
        for (const char *c = p; c < colon; c++)
            if (!is_tchar((unsigned char)*c)) return false;
        const char *v = colon + 1;
        size_t vl = (size_t)(eol - v);
        if (!value_ok(v, vl)) return false;
        size_t nl = (size_t)(colon - p);
        trim(&v, &vl);
        h->header_bytes += nl + vl + 4;
        h->lines++;
        if (name_is(p, nl, "Content-Length")) h->n_cl++, h->cl = v, h->cl_len = vl;
        else if (name_is(p, nl, "Transfer-Encoding")) h->n_te++, h->te = v, h->te_len = vl;
        else if (name_is(p, nl, "Host")) h->n_host++;
        p = eol + 2;
    }
    return true;
}

static bool method_known(const char *m)
{
    static const char *known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "QUERY", "OPTIONS"};
    for (size_t i = 0; i < HF_COUNT(known); i++)
        if (!strcmp(m, known[i])) return true;
    return false;
}

/* One request at d. Returns true when the next one starts at d + ri->len. */
static bool parse_one(const char *d, size_t n, const hf_limits *lim, hf_reqinfo *ri)
{
    memset(ri, 0, sizeof *ri);
    /* the method is everything up to the first blank, as a server reads it */
    size_t ml = 0;
    while (ml < n && d[ml] != ' ' && d[ml] != '\r' && d[ml] != '\n') ml++;
    bool token = ml > 0 && ml < sizeof ri->method;
    for (size_t i = 0; i < ml && token; i++) token = is_tchar((unsigned char)d[i]);
    if (token) memcpy(ri->method, d, ml);
    ri->is_head = token && !strcmp(ri->method, "HEAD");
    const char *hend = find(d, n, "\r\n\r\n");
    if (!hend) return false;
    size_t head_len = (size_t)(hend - d) + 4;
    ri->complete = true;
    ri->len = head_len;
    /* request line: method SP target SP version */
    const char *eol = find(d, head_len, "\r\n");
    if (!token || d[ml] != ' ') return false;
    const char *t = d + ml + 1, *te = t;
    while (te < eol && *te != ' ') {
        if ((unsigned char)*te <= 0x20 || (unsigned char)*te >= 0x7f) return false;
        te++;
    }
    if (te == t || te >= eol) return false;
    size_t vl = (size_t)(eol - te - 1);
    bool v11 = vl == 8 && !memcmp(te + 1, "HTTP/1.1", 8);
    if (!v11 && !(vl == 8 && !memcmp(te + 1, "HTTP/1.0", 8))) return false;
    head_scan h = {0};
    if (!scan_headers(eol + 2, hend + 2, &h)) return false;
    ri->head_ok = true;
    size_t target_len = (size_t)(te - t);
    long long cl = h.n_cl == 1 ? decimal(h.cl, h.cl_len) : 0;
    bool te_chunked = h.n_te == 1 && h.te_len == 7 && !strncasecmp(h.te, "chunked", 7);
    /* Past what libmicrohttpd's connection memory holds, nothing is owed:
     * restmap sizes it (server/http.c connection_memory) as max_uri +
     * (max_header_bytes / 6 + 1) x 70 + 8 KiB, so that any head of up to
     * max_header_bytes in lines of 6 bytes or more fits, with the 64 bytes
     * of pool libmicrohttpd takes per line; a longer head that does not
     * fit, libmicrohttpd answers itself or, with no room left even for its
     * answer, closes the connection (docs/decisions.md, "HTTP"). */
    size_t memory = lim->max_uri + (lim->max_header_bytes / 6 + 1) * 70;
    if (h.header_bytes > lim->max_header_bytes && head_len + h.lines * 64 > memory) return false;
    /* what the server decides from the head alone (server/http.c first_call) */
    bool early = target_len > lim->max_uri || h.header_bytes > lim->max_header_bytes ||
                 !method_known(ri->method) || h.n_cl > 1 || h.n_te > 1 || (h.n_cl && h.n_te) ||
                 (h.n_te && !te_chunked) || cl < 0 || h.n_host > 1 || (v11 && h.n_host != 1) ||
                 find(t, target_len, "%00") || (unsigned long long)cl > lim->max_body;
    if (early) {
        ri->must_answer = true;
        return false; /* where the body ends is unknown */
    }
    if (te_chunked) {
        size_t blen = 0;
        int rc = parse_chunked(d + head_len, n - head_len, &blen, NULL);
        if (rc <= 0) {
            ri->complete = rc < 0; /* malformed: the server may close or answer */
            return false;
        }
        ri->len = head_len + blen;
    } else if (cl > 0) {
        if (n - head_len < (size_t)cl) {
            ri->complete = false;
            return false;
        }
        ri->len = head_len + (size_t)cl;
    }
    ri->must_answer = true;
    return true;
}

size_t hf_parse_requests(const char *d, size_t n, const hf_limits *lim, hf_reqinfo *out,
                         size_t max)
{
    size_t k = 0, off = 0;
    while (k < max && off < n) {
        /* empty lines before a request line are ignored (RFC 9112 2.2) */
        size_t blank = 0;
        while (off + blank + 1 < n && d[off + blank] == '\r' && d[off + blank + 1] == '\n') blank += 2;
        bool more = parse_one(d + off + blank, n - off - blank, lim, &out[k]);
        out[k].len += blank;
        off += out[k].len;
        k++;
        if (!more) break;
    }
    return k;
}

char *hf_request_path(const char *d, size_t n)
{
    const char *sp = memchr(d, ' ', n);
    if (!sp) return NULL;
    const char *end = sp + 1;
    while (end < d + n && *end != ' ' && *end != '?' && *end != '\r') end++;
    return hf_xstrndup(sp + 1, (size_t)(end - sp - 1));
}

const char *hf_request_body(const char *d, size_t n, size_t *len)
{
    const char *hend = find(d, n, "\r\n\r\n");
    if (!hend) return NULL;
    *len = n - (size_t)(hend + 4 - d);
    return hend + 4;
}

char *hf_request_header(const char *d, size_t n, const char *name, int *count)
{
    *count = 0;
    const char *hend = find(d, n, "\r\n\r\n");
    const char *p = find(d, n, "\r\n");
    char *value = NULL;
    while (hend && p && p < hend) {
        p += 2;
        const char *eol = find(p, (size_t)(hend + 2 - p), "\r\n");
        const char *colon = eol ? memchr(p, ':', (size_t)(eol - p)) : NULL;
        if (colon && name_is(p, (size_t)(colon - p), name)) {
            const char *v = colon + 1;
            size_t vl = (size_t)(eol - v);
            trim(&v, &vl);
            if (!(*count)++) value = hf_xstrndup(v, vl);
        }
        p = eol;
    }
    return value;
}

/* ------------------------------------------------------------ answers */

static long bad(hf_response *r, const char *why)
{
    snprintf(r->malformed, sizeof r->malformed, "%s", why);
    return -1;
}

long hf_parse_response(const char *d, size_t n, bool eof, bool head, hf_response *r)
{
    memset(r, 0, sizeof *r);
    if (n >= 5 && memcmp(d, "HTTP/", 5)) return bad(r, "does not start with HTTP/");
    const char *hend = find(d, n, "\r\n\r\n");
    if (!hend) return eof ? bad(r, "connection closed inside the answer head") : 0;
    size_t head_len = (size_t)(hend - d) + 4;
    const char *eol = find(d, head_len, "\r\n");
    size_t sl = (size_t)(eol - d);
    if (sl < 12 || (memcmp(d, "HTTP/1.1 ", 9) && memcmp(d, "HTTP/1.0 ", 9)))
        return bad(r, "status line is not HTTP/1.x");
    for (int i = 9; i < 12; i++)
        if (d[i] < '0' || d[i] > '9') return bad(r, "status code is not three digits");
    r->status = (d[9] - '0') * 100 + (d[10] - '0') * 10 + (d[11] - '0');
    if (r->status < 100 || r->status > 599) return bad(r, "status code out of range");
    if (sl > 12 && (d[12] != ' ' || !value_ok(d + 13, sl - 13)))
        return bad(r, "bad reason phrase");
    const char *p = eol + 2;
    int n_cl = 0, n_te = 0;
    long long cl = -1;
    bool chunked = false;
    while (p < hend + 2) {
        const char *le = find(p, (size_t)(hend + 2 - p) + 2, "\r\n");
        size_t ll = (size_t)(le - p);
        const char *colon = memchr(p, ':', ll);
        if (!colon || colon == p) return bad(r, "header line without a name");
        for (const char *c = p; c < colon; c++)
            if (!is_tchar((unsigned char)*c)) return bad(r, "bad byte in a header name");
        const char *v = colon + 1;
        size_t vl = (size_t)(le - v);
        if (!value_ok(v, vl)) return bad(r, "control byte in a header value");
        trim(&v, &vl);
        size_t nl = (size_t)(colon - p);
        if (r->nheaders < HF_MAX_RESP_HEADERS)
            r->headers[r->nheaders++] = (hf_header){p, v, nl, vl};
        if (name_is(p, nl, "Content-Length")) {
            n_cl++;
            cl = decimal(v, vl);
            if (cl < 0) return bad(r, "malformed Content-Length");
        } else if (name_is(p, nl, "Transfer-Encoding")) {
            n_te++;
            if (vl != 7 || strncasecmp(v, "chunked", 7)) return bad(r, "Transfer-Encoding other than chunked");
            chunked = true;
        } else if (name_is(p, nl, "Connection")) {
            if (vl == 5 && !strncasecmp(v, "close", 5)) r->close = true;
        }
        p = le + 2;
    }
    if (n_cl > 1) return bad(r, "more than one Content-Length");
    if (n_cl && n_te) return bad(r, "both Content-Length and Transfer-Encoding");
    if (n_te > 1) return bad(r, "more than one Transfer-Encoding");
    r->head_len = head_len;
    bool bodyless = head || r->status < 200 || r->status == 204 || r->status == 304;
    if (bodyless) {
        r->len = head_len;
        return (long)head_len;
    }
    if (chunked) {
        size_t blen = 0;
        int rc = parse_chunked(d + head_len, n - head_len, &blen, &r->body);
        if (rc < 0) return bad(r, "malformed chunked body");
        if (rc == 0) {
            hf_buf_free(&r->body);
            return eof ? bad(r, "connection closed inside a chunked body") : 0;
        }
        r->len = head_len + blen;
    } else if (n_cl) {
        if (n - head_len < (size_t)cl)
            return eof ? bad(r, "connection closed before Content-Length bytes") : 0;
        r->len = head_len + (size_t)cl;
        hf_buf_add(&r->body, d + head_len, (size_t)cl);
    } else {
        if (!eof) return 0; /* delimited by the end of the connection */
        r->len = n;
        hf_buf_add(&r->body, d + head_len, n - head_len);
        r->close = true;
    }
    return (long)r->len;
}

void hf_response_free(hf_response *r) { hf_buf_free(&r->body); }

char *hf_response_header(const hf_response *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (name_is(r->headers[i].name, r->headers[i].name_len, name))
            return hf_xstrndup(r->headers[i].value, r->headers[i].value_len);
    return NULL;
}

/* ------------------------------------------------------------ exchange */

static int connect_local(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) return fd;
    if (errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    struct pollfd pf = {fd, POLLOUT, 0};
    int err = 0;
    socklen_t el = sizeof err;
    if (poll(&pf, 1, CONNECT_TIMEOUT_MS) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Count the complete final answers from *off on; a malformed one ends the
 * counting (the rest cannot be framed). */
static void count_answers(hf_exchange *x, size_t *off, const hf_reqinfo *ri, size_t nri, bool *stop)
{
    while (*off < x->in.len && !*stop) {
        hf_response r;
        bool head = x->answered < nri && ri[x->answered].is_head;
        long took = hf_parse_response(x->in.p + *off, x->in.len - *off, x->eof, head, &r);
        hf_response_free(&r);
        if (took == 0) return;
        if (took < 0) {
            *stop = true;
            return;
        }
        *off += (size_t)took;
        if (r.status >= 200) x->answered++;
        if (r.close && r.status >= 200) *stop = true;
    }
}

void hf_exchange_run(int port, const char *req, size_t n, const hf_reqinfo *ri, size_t nri,
                     int timeout_ms, int grace_ms, hf_exchange *x)
{
    memset(x, 0, sizeof *x);
    size_t covered = 0;
    while (x->expected < nri && ri[x->expected].must_answer) covered += ri[x->expected++].len;
    /* every byte is a request that will be answered: no need to linger */
    if (x->expected == nri && covered == n) grace_ms = 0;
    long long t0 = ts_now_ms(), deadline = t0 + timeout_ms, grace_end = -1;
    int fd = connect_local(port);
    if (fd < 0) {
        x->connect_failed = true;
        x->ms = ts_now_ms() - t0;
        return;
    }
    size_t sent = 0, off = 0;
    bool stop = false;
    char chunk[65536];
    for (;;) {
        long long now = ts_now_ms();
        if (sent == n && (x->answered >= x->expected || stop)) {
            if (grace_end < 0) grace_end = now + (stop ? 0 : grace_ms);
            if (now >= grace_end) break;
        }
        if (now >= deadline) {
            x->timed_out = x->answered < x->expected && !stop;
            break;
        }
        long long until = grace_end >= 0 && grace_end < deadline ? grace_end : deadline;
        struct pollfd pf = {fd, (short)(POLLIN | (sent < n ? POLLOUT : 0)), 0};
        int pr = poll(&pf, 1, (int)(until - now));
        if (pr < 0 && errno != EINTR) break;
        if (pr <= 0) continue;
        if ((pf.revents & POLLOUT) && sent < n) {
            size_t want = n - sent < sizeof chunk ? n - sent : sizeof chunk;
            ssize_t w = send(fd, req + sent, want, MSG_NOSIGNAL);
            if (w > 0) sent += (size_t)w;
            else if (w < 0 && errno != EAGAIN && errno != EINTR) sent = n; /* the server stopped reading */
        }
        if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t got = recv(fd, chunk, sizeof chunk, 0);
            if (got > 0) {
                hf_buf_add(&x->in, chunk, (size_t)got);
            } else if (got == 0) {
                x->eof = true;
            } else if (errno != EAGAIN && errno != EINTR) {
                x->reset = true;
                x->eof = true;
            }
            count_answers(x, &off, ri, nri, &stop);
            if (x->eof) break;
        }
    }
    close(fd);
    x->ms = ts_now_ms() - t0;
}

void hf_exchange_free(hf_exchange *x) { hf_buf_free(&x->in); }
