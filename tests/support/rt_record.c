/* rt_record.c: the exchange recorder of the HTTP harness (rt_record.h).
 * Each line is one write(2) of a file opened O_APPEND per process, so the
 * lines of check's forked tests and of rt_patch_race's threads never mix. */
#include "tests/support/rt_record.h"
#include "tests/support/util.h"

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bodies past this are recorded as truncated (the validator counts them). */
#define MAX_BODY (4u << 20)

static void write_line(json_t *line)
{
    const char *dir = getenv("RT_RECORD");
    char *text = json_dumps(line, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(line);
    if (!text) return;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/exchanges-%ld.jsonl", dir, (long)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    ck_assert_msg(fd >= 0, "RT_RECORD: cannot open %s", path);
    size_t n = strlen(text);
    text[n] = '\n'; /* over the NUL: the line is written with its newline */
    ck_assert_msg(write(fd, text, n + 1) == (ssize_t)(n + 1), "RT_RECORD: cannot write %s", path);
    close(fd);
    free(text);
}

/* A header name in lower case (into buf). */
static const char *lower(char *buf, size_t len, const char *name, size_t n)
{
    size_t i = 0;
    for (; i < n && i < len - 1; i++) buf[i] = (char)tolower((unsigned char)name[i]);
    buf[i] = '\0';
    return buf;
}

static bool recording(void) { return getenv("RT_RECORD") && *getenv("RT_RECORD"); }

/* The server's identity across the run: its directory and process. */
static json_t *server_id(const rt_server *s) { return json_sprintf("%s#%ld", s->dir, (long)s->pid); }

static json_t *strings(const char *const *list)
{
    json_t *a = json_array();
    for (const char *const *p = list; p && *p; p++) json_array_append_new(a, json_string(*p));
    return a;
}

void rt_record_server(const rt_server *s, const rt_start *o)
{
    if (!recording()) return;
    json_t *line = json_pack("{s:s, s:o, s:o, s:o}", "kind", "server", "server", server_id(s), "args",
                             strings(o->args), "env", strings(o->env));
    char abs[PATH_MAX];
    struct stat st;
    const char *schema = o->schema;
    for (const char *const *a = o->args; !schema && a && *a && a[1]; a++) /* --schema among the arguments */
        if (!strcmp(*a, "--schema")) schema = a[1];
    for (const char *const *e = o->env; !schema && e && *e; e++) /* or in the environment */
        if (!strncmp(*e, "RESTMAP_SCHEMA=", 15)) schema = *e + 15;
    if (schema && realpath(schema, abs)) {
        json_object_set_new(line, "schema", json_string(abs));
        if (!stat(abs, &st) && S_ISREG(st.st_mode)) { /* a test's own file may be gone when it is checked */
            char *text = ts_read_file_from(abs, 0, NULL);
            json_object_set_new(line, "schema_text", json_string(text));
            free(text);
        }
    }
    write_line(line);
}

/* A body as text, or null (none, or not UTF-8: the validator says so). */
static json_t *body_text(const char *body, size_t n, json_t *line, const char *truncated)
{
    if (n > MAX_BODY) {
        json_object_set_new(line, truncated, json_true());
        return json_null();
    }
    json_t *t = body ? json_stringn(body, n) : NULL;
    return t ? t : json_null();
}

void rt_record_exchange(const rt_server *s, const char *method, const char *path, const char *body,
                        const char *content_type, const char *const *extra_headers, const rt_response *r)
{
    if (!recording() || r->status == 0) return; /* no answer: nothing to check */
    json_t *line = json_pack("{s:s, s:o, s:s, s:s, s:i}", "kind", "exchange", "server", server_id(s), "method",
                             method, "path", path, "status", (int)r->status);
    json_t *req = json_object(), *resp = json_object();
    char name[128];
    for (const char *const *h = extra_headers; h && *h; h++) {
        const char *colon = strchr(*h, ':');
        if (!colon) continue;
        const char *v = colon + 1;
        while (*v == ' ') v++;
        json_object_set_new(req, lower(name, sizeof name, *h, (size_t)(colon - *h)), json_string(v));
    }
    if (content_type || body)
        json_object_set_new(req, "content-type", json_string(content_type ? content_type : "application/json"));
    for (size_t i = 0; i < r->nheaders; i++)
        json_object_set_new(resp, lower(name, sizeof name, r->headers[i].name, strlen(r->headers[i].name)),
                            json_string(r->headers[i].value));
    json_object_set_new(line, "request_headers", req);
    json_object_set_new(line, "request_body", body_text(body, body ? strlen(body) : 0, line, "request_truncated"));
    json_object_set_new(line, "headers", resp);
    const char *ct = rt_header(r, "Content-Type");
    if (ct) json_object_set_new(line, "content_type", json_string(ct));
    json_object_set_new(line, "body", body_text(r->body, r->body_len, line, "body_truncated"));
    write_line(line);
}
