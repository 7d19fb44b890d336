/* test_index.c: what GET /api says beyond names and types, on both
 * backends (tests/http/schemas/index_fks.json): each resource's page_size
 * and max_page_size, and a many-to-one's foreign-key columns ("columns",
 * in pair order: one column of any name, or a composite key), absent on
 * one-to-many and many-to-many relationships and when a foreign-key
 * column is hidden (the name of a hidden column is never shown). */
#include <check.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

static rt_server fks;

RT_FIXTURE(fks, "tests/http/schemas/index_fks.json", NULL, NULL)

START_TEST(index_page_sizes_and_fk_columns)
{
    RT_CASES(&fks,
        {"/api", "resources[].name = ['customers', 'orders', 'notes', 'tags'];"
                 "resources.0.page_size = 20; resources.0.max_page_size = 1000;"
                 "resources.1.page_size = 5; resources.1.max_page_size = 7"},
        /* many-to-one by a column not named after the relationship */
        {"/api", "resources.1.relationships.0 = {'name': 'buyer', 'target': 'Customer', 'direction': "
                 "'many_to_one', 'uselist': false, 'lazy': 'select', 'columns': ['placed_by']};"
                 "!resources.1.relationships.1.columns; !resources.0.relationships.0.columns;"
                 "!resources.0.relationships.1.columns"},
        /* a composite foreign key in pair order; a hidden one is not named */
        {"/api", "resources.2.relationships.0.columns = ['order_region', 'order_number'];"
                 "resources.2.relationships.1.name = 'author'; !resources.2.relationships.1.columns;"
                 "resources.2.columns[].name = ['id', 'order_region', 'order_number']"},
        /* the maximum is the one the list enforces */
        {"/api/orders?limit=7", "200; meta.limit = 7"},
        {"/api/orders?limit=8", "400; errors.0.pointer = '/query/limit'"},
    );
}
END_TEST

RT_SUITE(http_index_suite, "http_index", "index", fks_start, fks_stop, 60, index_page_sizes_and_fk_columns)
