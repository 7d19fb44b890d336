/* backend.c: see backend.h. */
#include "tests/support/backend.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The run cannot go on: say why and end it. */
static void __attribute__((format(printf, 1, 2))) die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tests: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

rt_backend_kind rt_backend(void)
{
    const char *b = getenv("RT_BACKEND");
    if (!b || !*b || !strcmp(b, "sqlite")) return RT_SQLITE;
    if (!strcmp(b, "postgresql")) {
        rt_pg_server_url(); /* set, or the run ends here */
        return RT_POSTGRESQL;
    }
    die("RT_BACKEND=%s: expected sqlite or postgresql", b);
    return RT_SQLITE;
}

const char *rt_backend_name(void) { return rt_backend() == RT_POSTGRESQL ? "postgresql" : "sqlite"; }

const char *rt_pg_server_url(void)
{
    const char *u = getenv("RT_PG_URL");
    if (!u || (strncmp(u, "postgresql://", 13) && strncmp(u, "postgres://", 11)))
        die("RT_BACKEND=postgresql needs RT_PG_URL=postgresql://USER@HOST:PORT/DB (got %s); "
            "scripts/with-postgres.sh starts a throwaway server and sets it",
            u ? u : "nothing");
    return u;
}

bool rt_pg_database_url(const char *name, char *out, size_t len)
{
    const char *u = rt_pg_server_url();
    const char *auth = strstr(u, "://") + 3;
    size_t host_end = strcspn(auth, "/?");     /* user@host:port */
    const char *rest = auth + host_end;        /* "/db?params", "?params" or "" */
    const char *query = strchr(rest, '?');
    int n = snprintf(out, len, "%.*s/%s%s", (int)(auth + host_end - u), u, name, query ? query : "");
    return n >= 0 && (size_t)n < len;
}

const char *rt_backend_param(void) { return rt_backend() == RT_POSTGRESQL ? "$" : "?"; }

const char *rt_backend_missing_table(void)
{
    return rt_backend() == RT_POSTGRESQL ? "does not exist" : "no such table";
}
