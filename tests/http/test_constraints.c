/* test_constraints.c: table-level "unique" and "indexes" (SPEC §9) on both
 * backends (tests/http/schemas/constraints.json): --create-all makes the
 * constraint and the indexes, breaking either unique one is 409 with
 * nothing written, GET /api lists the multi-column unique constraint. */
#include <check.h>

#include "tests/suites.h"
#include "tests/support/backend.h"
#include "tests/support/rt.h"

static rt_server cons;

RT_FIXTURE(cons, "tests/http/schemas/constraints.json", NULL, NULL)

START_TEST(unique_constraints_and_indexes)
{
    RT_CASES(&cons,
        {"POST /api/posts {'author_id': 1, 'slug': 'hello', 'code': 'A'}", "201"},
        {"POST /api/posts {'author_id': 2, 'slug': 'hello', 'code': 'B'}", "201"},      /* another author */
        {"POST /api/posts {'author_id': 1, 'slug': 'hello', 'code': 'C'}", "409; @unchanged"},
        {"POST /api/posts {'author_id': 3, 'slug': 'x', 'code': 'A'}", "409; @unchanged"}, /* the unique index */
        {"POST /api/posts {'author_id': 3, 'slug': 'x'}", "201"},                       /* NULL codes do not clash */
        {"POST /api/posts {'author_id': 4, 'slug': 'y'}", "201"},
        {"/api", "resources.0.unique = [['author_id', 'slug']]"},
    );
    /* the index --create-all made */
    rt_assert_sql(&cons, "1",
                  rt_backend() == RT_SQLITE
                      ? "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_posts_slug_created'"
                      : "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_posts_slug_created'");
}
END_TEST

Suite *http_constraints_suite(void)
{
    Suite *s = suite_create("http_constraints");
    TS_TCASE(s, "constraints", cons_start, cons_stop, 60, unique_constraints_and_indexes);
    return s;
}
