/* pgtmp.h: throwaway databases on the PostgreSQL server of the run, for
 * the unit suites of orm/ on PostgreSQL (POSTGRESQL_ONLY and EVERY_BACKEND
 * suites of tests/suites.def). The server is the one at RT_PG_URL
 * (tests/support/backend.h): `make test-postgresql` runs the suites under
 * scripts/with-postgres.sh, which starts a throwaway PostgreSQL 15 for the
 * run and always removes it; a run without it ends with a message, never
 * a skip. The HTTP harness has its own databases (rt_db.h). */
#ifndef RM_TEST_PGTMP_H
#define RM_TEST_PGTMP_H

#include <stddef.h>

/* CREATE DATABASE t_<pid>_<n> on the run's server, and its URL (the
 * server URL with the database replaced) into out. Fails the running test
 * when the database cannot be made or the URL does not fit. */
void pgtmp_fresh_db(char *out, size_t len);
/* Drop the database of a URL made by pgtmp_fresh_db (its sessions are
 * ended: WITH (FORCE)). Databases a failed test leaves go with the server. */
void pgtmp_drop_db(const char *url);
/* The server's own URL (RT_PG_URL): a superuser's connection for a test's
 * admin statements (pg_terminate_backend, pg_stat_activity). */
const char *pgtmp_admin_url(void);

#endif
