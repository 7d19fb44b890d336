/* suites.h: prototypes of every suite in suites.def; test files include it
 * so each `Suite *x_suite(void)` has its declaration. */
#ifndef RM_TEST_SUITES_H
#define RM_TEST_SUITES_H

#include <check.h>

#define SUITE(name) Suite *name(void);
#include "tests/suites.def"
#undef SUITE

#endif
