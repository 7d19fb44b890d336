/* run_tests.c: the one test runner. Runs the suites of suites.def that
 * belong to the backend of the run (RT_BACKEND, tests/support/backend.h):
 * on SQLite the unit suites and the EVERY_BACKEND and SQLITE_ONLY ones, on
 * PostgreSQL the EVERY_BACKEND and POSTGRESQL_ONLY ones (after checking
 * that the RT_PG_URL server answers). It first prints which suites run on
 * this backend and which are left to the other run, and exits non-zero if
 * any test failed. CK_FORK=no runs in-process for gdb and ASan stacks. A
 * suite name as argv[1] runs only that suite (an error when there is no
 * such suite or it does not run on this backend). */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/backend.h"
#include "tests/support/rt_db.h"

typedef enum { UNIT, EVERY, SQLITE_ONLY, PG_ONLY } runs_on;

static const struct {
    const char *name;
    Suite *(*make)(void);
    runs_on on;
} SUITES[] = {
#define SUITE(n) {#n, n, UNIT},
#define EVERY_BACKEND(n) {#n, n, EVERY},
#define SQLITE_ONLY(n) {#n, n, SQLITE_ONLY},
#define POSTGRESQL_ONLY(n) {#n, n, PG_ONLY},
#include "tests/suites.def"
#undef SUITE
#undef EVERY_BACKEND
#undef SQLITE_ONLY
#undef POSTGRESQL_ONLY
};
#define NSUITES (sizeof SUITES / sizeof SUITES[0])

static bool runs_here(runs_on on, rt_backend_kind b)
{
    return on == EVERY || (b == RT_SQLITE ? on != PG_ONLY : on == PG_ONLY);
}

/* "not on BACKEND, label: a b c" for the suites of that kind this run leaves out. */
static void print_left_out(const char *label, runs_on on, rt_backend_kind b)
{
    int n = 0;
    for (size_t i = 0; i < NSUITES; i++) {
        if (SUITES[i].on != on || runs_here(on, b)) continue;
        if (!n++) printf("run_tests: not on %s, %s:", rt_backend_name(), label);
        printf(" %s", SUITES[i].name);
    }
    if (n) printf("\n");
}

/* The index of the suite named only, or exit 2 saying why not. */
static size_t find_only(const char *only, rt_backend_kind b)
{
    for (size_t i = 0; i < NSUITES; i++) {
        if (strcmp(only, SUITES[i].name) != 0) continue;
        if (runs_here(SUITES[i].on, b)) return i;
        fprintf(stderr, "run_tests: %s does not run on %s (see tests/suites.def)\n", only, rt_backend_name());
        exit(2);
    }
    fprintf(stderr, "run_tests: no suite %s in tests/suites.def\n", only);
    exit(2);
}

int main(int argc, char **argv)
{
    rt_backend_kind b = rt_backend(); /* a bad RT_BACKEND ends the run here */
    size_t only = argc > 1 ? find_only(argv[1], b) : NSUITES;
    char *why = rt_db_unreachable();
    if (why) {
        fprintf(stderr, "run_tests: RT_BACKEND=%s, but its server does not answer: %s\n", rt_backend_name(), why);
        free(why);
        return 2;
    }
    SRunner *sr = srunner_create(NULL);
    int n = 0;
    printf("run_tests: RT_BACKEND=%s:", rt_backend_name());
    for (size_t i = 0; i < NSUITES; i++) {
        if (only < NSUITES ? i != only : !runs_here(SUITES[i].on, b)) continue;
        srunner_add_suite(sr, SUITES[i].make());
        printf(" %s", SUITES[i].name);
        n++;
    }
    printf(" (%d suite%s)\n", n, n == 1 ? "" : "s");
    if (only == NSUITES) {
        print_left_out("unit suites (the SQLite run has them)", UNIT, b);
        print_left_out("SQLite-only suites", SQLITE_ONLY, b);
        print_left_out("PostgreSQL-only suites", PG_ONLY, b);
    }
    fflush(stdout); /* before check forks */
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
