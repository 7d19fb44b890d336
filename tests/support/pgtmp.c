/* pgtmp.c: see pgtmp.h. The databases are made and dropped by the HTTP
 * harness's PostgreSQL side (rt_db_pg.c), named apart from its rt_...
 * ones. */
#include "tests/support/pgtmp.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/backend.h"
#include "tests/support/rt_db_backend.h"

void pgtmp_fresh_db(char *out, size_t len)
{
    static unsigned serial;
    char name[64];
    snprintf(name, sizeof name, "t_%ld_%u", (long)getpid(), ++serial);
    ck_assert_msg(rt_pg_database_url(name, out, len), "RT_PG_URL is too long");
    rt_db_pg_ops.create(name);
}

void pgtmp_drop_db(const char *url)
{
    const char *slash = strrchr(url, '/');
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(slash ? slash + 1 : url, "?"), slash ? slash + 1 : url);
    rt_db_pg_ops.drop(name);
}

const char *pgtmp_admin_url(void) { return rt_pg_server_url(); }
