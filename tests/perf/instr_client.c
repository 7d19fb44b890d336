/* instr_client.c: the client of tests/perf/instr_budget.sh. Sends one of
 * the benchmark requests (tests/support/bench_requests.h) n times over one
 * keep-alive connection, so the server under callgrind does the same work
 * for each, and exits 1 at the first answer with an unexpected status.
 *
 *   instr_client PORT CASE [N]
 *   CASE: load (the bulk POST of the data, once), get_id, page_include,
 *         filtered, post_nested, patch
 * The i-th request of a POST or PATCH case (from 0) writes bodies made from
 * i, so two runs of the same cases send the same bytes. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/bench_requests.h"

/* One request: its method, target and body (NULL for none, else malloc'd
 * for the i-th request), and the status it must answer. */
typedef struct bench_case {
    const char *name, *method, *target;
    char *(*body)(int i);
    long status;
} bench_case;

static char *load_body(int i)
{
    (void)i;
    return bench_users_body(0, BENCH_USERS);
}

static char target_filtered[512];

static const bench_case cases[] = {
    {"load", "POST", BENCH_COLLECTION, load_body, 201},
    {"get_id", "GET", BENCH_GET_ID, NULL, 200},
    {"page_include", "GET", BENCH_PAGE_INCLUDE, NULL, 200},
    {"filtered", "GET", target_filtered, NULL, 200},
    {"post_nested", "POST", BENCH_COLLECTION, bench_user_body, 201},
    {"patch", "PATCH", BENCH_PATCH, bench_patch_body, 200},
};

/* The answer's body is read and dropped. */
static size_t drop(char *data, size_t size, size_t n, void *user)
{
    (void)data;
    (void)user;
    return size * n;
}

/* The filtered page's target with its filter percent-encoded. */
static int make_filtered_target(CURL *curl)
{
    char *filter = curl_easy_escape(curl, BENCH_FILTER, 0);
    if (!filter) return -1;
    int n = snprintf(target_filtered, sizeof target_filtered, "%s%s%s", BENCH_FILTERED_HEAD, filter,
                     BENCH_FILTERED_TAIL);
    curl_free(filter);
    return n > 0 && (size_t)n < sizeof target_filtered ? 0 : -1;
}

/* Send c's i-th request; 0 when it answered c->status. */
static int send_one(CURL *curl, int port, const bench_case *c, int i)
{
    char url[600];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, c->target);
    char *body = c->body ? c->body(i) : NULL;
    /* no "Expect: 100-continue" round trip before a large body */
    struct curl_slist *headers = body ? curl_slist_append(curl_slist_append(NULL, "Expect:"),
                                                          "Content-Type: application/json")
                                      : NULL;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, c->method);
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    if (body) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    free(body);
    if (rc != CURLE_OK || status != c->status) {
        fprintf(stderr, "instr_client: %s %s (request %d of %s): %s, status %ld, %ld wanted\n", c->method,
                c->target, i, c->name, rc == CURLE_OK ? "answered" : curl_easy_strerror(rc), status, c->status);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fputs("usage: instr_client PORT load|get_id|page_include|filtered|post_nested|patch [N]\n", stderr);
        return 2;
    }
    int port = atoi(argv[1]), n = argc > 3 ? atoi(argv[3]) : 1;
    const bench_case *c = NULL;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (strcmp(cases[i].name, argv[2]) == 0) c = &cases[i];
    if (!c || port <= 0 || n < 1) {
        fprintf(stderr, "instr_client: unknown case '%s', or a bad port or count\n", argv[2]);
        return 2;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
    CURL *curl = curl_easy_init();
    int rc = curl && make_filtered_target(curl) == 0 ? 0 : 1;
    if (curl) {
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, drop);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, 600L);
    }
    for (int i = 0; rc == 0 && i < n; i++) rc = send_one(curl, port, c, i) ? 1 : 0;
    curl_easy_cleanup(curl);
    curl_global_cleanup();
    return rc;
}
