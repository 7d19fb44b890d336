/* run_tests.c: the one test runner. Runs every suite listed in suites.def
 * (unit tests of lib/ and orm/, HTTP tests against the real binary) and
 * exits non-zero if any test failed. CK_FORK=no runs in-process for gdb and
 * ASan stacks. A suite name as argv[1] runs only that suite. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    SRunner *sr = srunner_create(NULL);
#define SUITE(name) \
    if (!only || strcmp(only, #name) == 0) srunner_add_suite(sr, name());
#include "tests/suites.def"
#undef SUITE
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
