/* rt_db.c: see rt_db.h. Picks the backend's side (rt_db_sqlite.c,
 * rt_db_pg.c) for the run and keeps the PostgreSQL database of a server
 * directory recorded in it. */
#include "tests/support/rt_db.h"

#include <check.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/backend.h"
#include "tests/support/rt.h"
#include "tests/support/rt_db_backend.h"
#include "tests/support/util.h"

/* The file in a server directory naming its PostgreSQL database. */
#define DB_NAME_FILE "rt-database"

static const rt_db_ops *ops(void) { return rt_backend() == RT_POSTGRESQL ? &rt_db_pg_ops : &rt_db_sqlite_ops; }

/* What the backend's functions take: the file or the database name. */
static const char *where(const rt_server *s) { return rt_backend() == RT_POSTGRESQL ? s->db_name : s->db_path; }

/* The database name recorded in dir into out ("" when none). */
static void recorded_name(const char *dir, char *out, size_t len)
{
    char path[320];
    snprintf(path, sizeof path, "%s/%s", dir, DB_NAME_FILE);
    char *text = ts_read_file_from(path, 0, NULL);
    snprintf(out, len, "%s", text);
    free(text);
}

char *rt_db_unreachable(void) { return ops()->unreachable ? ops()->unreachable() : NULL; }

void rt_db_attach(rt_server *s)
{
    snprintf(s->db_path, sizeof s->db_path, "%s/test.db", s->dir);
    s->db_name[0] = '\0';
    if (rt_backend() == RT_SQLITE) {
        snprintf(s->db_url, sizeof s->db_url, "sqlite:///%s", s->db_path);
        return;
    }
    recorded_name(s->dir, s->db_name, sizeof s->db_name);
    if (!s->db_name[0]) {
        static unsigned serial;
        snprintf(s->db_name, sizeof s->db_name, "rt_%ld_%u", (long)getpid(), ++serial);
        ops()->create(s->db_name);
        char path[320];
        snprintf(path, sizeof path, "%s/%s", s->dir, DB_NAME_FILE);
        FILE *f = fopen(path, "w");
        ck_assert_msg(f != NULL, "%s: cannot record the database", path);
        fputs(s->db_name, f);
        fclose(f);
    }
    ck_assert_msg(rt_pg_database_url(s->db_name, s->db_url, sizeof s->db_url), "RT_PG_URL is too long");
}

void rt_db_share(rt_server *s, const rt_server *owner)
{
    ck_assert_msg(s != owner && owner->db_url[0], "rt_db_share: the owner has no database");
    memcpy(s->db_path, owner->db_path, sizeof s->db_path);
    memcpy(s->db_name, owner->db_name, sizeof s->db_name);
    memcpy(s->db_url, owner->db_url, sizeof s->db_url);
}

void rt_db_forget(const char *dir)
{
    if (rt_backend() != RT_POSTGRESQL) return;
    char name[64];
    recorded_name(dir, name, sizeof name);
    if (!name[0]) return;
    ops()->drop(name);
    char path[320];
    snprintf(path, sizeof path, "%s/%s", dir, DB_NAME_FILE);
    unlink(path);
}

char *rt_db_fingerprint(const rt_server *s) { return ops()->fingerprint(where(s)); }

char *rt_db_scalar(const rt_server *s, const char *sql)
{
    size_t n;
    char *v = ops()->rows(where(s), sql, 1, &n);
    if (n) return v;
    free(v);
    return NULL;
}

char *rt_db_list(const rt_server *s, const char *sql)
{
    size_t n;
    return ops()->rows(where(s), sql, SIZE_MAX, &n);
}

long long rt_db_int(const rt_server *s, const char *sql)
{
    char *v = rt_db_scalar(s, sql);
    ck_assert_msg(v != NULL && strcmp(v, "NULL") != 0, "SQL %s: no value", sql);
    long long n = atoll(v);
    free(v);
    return n;
}

/* Assert the answer of the query fmt, ap: its first value (scalar) or
 * its list of values. */
static void __attribute__((format(printf, 4, 0)))
assert_query(const rt_server *s, const char *want, bool list, const char *fmt, va_list ap)
{
    char sql[2048];
    vsnprintf(sql, sizeof sql, fmt, ap);
    char *got = list ? rt_db_list(s, sql) : rt_db_scalar(s, sql);
    if (want) ck_assert_msg(got != NULL, "SQL %s: no row, expected %s (%s)", sql, want, rt_backend_name());
    ck_assert_msg((!got && !want) || (got && want && strcmp(got, want) == 0), "SQL %s: expected %s, got %s (%s)", sql,
                  want ? want : "(no row)", got ? got : "(no row)", rt_backend_name());
    free(got);
}

void rt_assert_sql(const rt_server *s, const char *want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    assert_query(s, want, false, fmt, ap);
    va_end(ap);
}

void rt_assert_sql_list(const rt_server *s, const char *want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    assert_query(s, want, true, fmt, ap);
    va_end(ap);
}

void rt_db_exec(const rt_server *s, const char *sql) { ops()->exec(where(s), sql); }

char *rt_db_try_exec(const rt_server *s, const char *sql) { return ops()->try_exec(where(s), sql); }

char *rt_db_fk_violations(const rt_server *s)
{
    char *v = ops()->fk_violations(where(s));
    if (*v) return v;
    free(v);
    return NULL;
}

void rt_assert_foreign_keys(const rt_server *s)
{
    char *v = rt_db_fk_violations(s);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", v ? v : "");
    free(v);
    ck_assert_msg(!msg[0], "foreign key values without their row (%s):\n%s", rt_backend_name(), msg);
}

char *rt_db_integrity(const rt_server *s) { return ops()->integrity(where(s)); }
