/* suites.h: prototypes of every suite in suites.def; test files include it
 * so each `Suite *x_suite(void)` has its declaration. */
#ifndef RM_TEST_SUITES_H
#define RM_TEST_SUITES_H

#include <check.h>

#define SUITE(name) Suite *name(void);
#define EVERY_BACKEND(name) SUITE(name)
#define SQLITE_ONLY(name) SUITE(name)
#define POSTGRESQL_ONLY(name) SUITE(name)
#include "tests/suites.def"
#undef SUITE
#undef EVERY_BACKEND
#undef SQLITE_ONLY
#undef POSTGRESQL_ONLY

#endif
