/* bench_requests.c: the bodies of the benchmark requests (bench_requests.h). */
#include "tests/support/bench_requests.h"

#include <stdio.h>
#include <stdlib.h>

/* One element of the load: user<i> with its two addresses. */
#define USER_FMT                                                                              \
    "{\"name\":\"user%d\",\"fullname\":\"User %d\",\"password\":\"x\",\"addresses\":"          \
    "[{\"email_address\":\"u%da@example.com\"},{\"email_address\":\"u%db@example.com\"}]}"

static char *checked_alloc(size_t n)
{
    char *p = malloc(n);
    if (!p) {
        fputs("bench_requests: out of memory\n", stderr);
        abort();
    }
    return p;
}

char *bench_users_body(int first, int n)
{
    size_t cap = 2 + (size_t)(n > 0 ? n : 0) * (sizeof USER_FMT + 4 * 12);
    char *body = checked_alloc(cap);
    size_t at = 0;
    body[at++] = '[';
    for (int i = first; i < first + n; i++) {
        if (i > first) body[at++] = ',';
        at += (size_t)snprintf(body + at, cap - at, USER_FMT, i, i, i, i);
    }
    body[at++] = ']';
    body[at] = '\0';
    return body;
}

char *bench_user_body(int i)
{
    static const char fmt[] = "{\"name\":\"n%d\",\"fullname\":\"N\",\"password\":\"x\",\"addresses\":"
                              "[{\"email_address\":\"n%da@x\"},{\"email_address\":\"n%db@x\"}]}";
    size_t cap = sizeof fmt + 3 * 12;
    char *body = checked_alloc(cap);
    snprintf(body, cap, fmt, i, i, i);
    return body;
}

char *bench_patch_body(int i)
{
    size_t cap = 32;
    char *body = checked_alloc(cap);
    snprintf(body, cap, "{\"fullname\":\"F%d\"}", i);
    return body;
}
