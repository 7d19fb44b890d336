/* test_checks.c: named CHECK constraints and composite foreign keys (SPEC
 * §9 "checks", "foreign_keys") on both backends
 * (tests/http/schemas/checks.json): a row that breaks a check is 422 at
 * the first column the check names (under a nested row's pointer), with
 * the stored columns counted on a PATCH and NULL passing as in SQL, and
 * nothing written; --create-all makes the CHECK and the FOREIGN KEY, so
 * the database refuses a row written behind restmap's back; a relationship
 * inferred from the composite key loads, filters, nests and unlinks (both
 * columns NULL), a dangling key is 409, and ON DELETE CASCADE does the
 * passive_deletes work. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/backend.h"
#include "tests/support/rt.h"
#include "tests/support/rt_db.h"
#include "tests/support/rt_jwt.h"

static rt_server trips, regions, example, scoped;

START_TEST(checks_refuse_rows_before_writing)
{
    RT_CASES(&trips,
        {"POST /api/trips {'name': 'a', 'start_date': '2024-05-02', 'end_date': '2024-05-01'}",
         "422 /end_date; errors.0.message = 'the Trip would break the check ck_trips_dates'; @unchanged"},
        {"POST /api/trips {'name': 'a', 'start_date': '2024-05-02', 'end_date': '2024-05-02'}", "201"},
        /* NULL passes, as in SQL: the check is unknown, not false */
        {"POST /api/trips {'name': 'b', 'start_date': '2024-05-02'}", "201 end_date = null"},
        {"POST /api/trips {'name': 'b', 'seats': 0}", "201 seats = 0"},   /* price NULL: or(false, unknown) */
        {"POST /api/trips {'name': 'b', 'seats': 0, 'price': '99.5'}", "422 /seats; @unchanged"},
        {"POST /api/trips {'name': 'b', 'seats': 0, 'price': '150'}", "201 price = '150.00'"},
        {"POST /api/trips {'name': 'b', 'seats': 51}", "201"},
        {"POST /api/trips {'name': 'b', 'seats': 51, 'price': '100'}", "422 /seats; @unchanged"},
        /* like and ne on one column; a quote in a value of the check */
        {"POST /api/trips {'name': 'c', 'code': 'X-1'}", "422 /code; @unchanged"},
        {"POST /api/trips {\"name\": \"c\", \"code\": \"T-it's\"}",
         "422 /code; errors.0.message = 'the Trip would break the check ck_trips_code'; @unchanged"},
        {"POST /api/trips {'name': 'c', 'code': 'T-2'}", "201"},
        /* a PATCH of one column is checked with the stored others */
        {"PATCH /api/trips/1 {'end_date': '2024-04-30'}", "422 /end_date; @unchanged"},
        {"PATCH /api/trips/1 {'start_date': '2024-06-01'}", "422 /end_date; @unchanged"},
        {"PATCH /api/trips/1 {'start_date': '2024-05-03'}", "start_date = '2024-05-03'"},
        {"PUT /api/trips/1 {'name': 'coast', 'start_date': '2024-05-09', 'end_date': '2024-05-08'}",
         "422 /end_date; @unchanged"},
        /* nested rows: the pointer is the nested row's field */
        {"POST /api/trips {'name': 'd', 'stops': [{'position': 1}, {'position': 0, 'place': 'x'}]}",
         "422 /stops/1/position; errors.0.message = 'the Stop would break the check ck_stops_position'; @unchanged"},
        {"PATCH /api/trips/1 {'stops': [{'position': 2}, {'position': -1}]}", "422 /stops/1/position; @unchanged"},
        {"POST /api/trips/1/stops {'position': 0}", "422 /position; @unchanged"},
        {"POST /api/trips {'name': 'd', 'stops': [{'position': 1}, {'position': 2}]}", "201 stops[].position = [1, 2]"},
        {"/api", "resources.0.checks.0 = {'name': 'ck_trips_dates', 'check': {'end_date': {'ge': {'$col': 'start_date'}}}};"
                 "resources.0.checks # 3; resources.1.checks.0.name = 'ck_stops_position'; !resources.2.checks"},
    );
    rt_assert_sql(&trips, "2024-05-03", "SELECT start_date FROM trips WHERE id = 1");
}
END_TEST

/* --create-all wrote the checks into the tables: the database refuses a
 * row that breaks one, whoever writes it. */
START_TEST(checks_are_in_the_tables)
{
    if (rt_backend() == RT_SQLITE) {
        rt_assert_sql(&trips, "1", "SELECT count(*) FROM sqlite_master WHERE name = 'trips' AND sql LIKE "
                                   "'%%CONSTRAINT \"ck_trips_dates\" CHECK (\"end_date\" >= \"start_date\")%%'");
        rt_assert_sql(&trips, "1", "SELECT count(*) FROM sqlite_master WHERE name = 'trips' AND sql LIKE "
                                   "'%%CONSTRAINT \"ck_trips_code\" CHECK (\"code\" LIKE ''T-%%'' ESCAPE ''\\'' "
                                   "AND \"code\" <> ''T-it''''s'')%%'");
    } else {
        rt_assert_sql(&trips, "CHECK ((end_date >= start_date))",
                      "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'ck_trips_dates'");
        rt_assert_sql(&trips, "1", "SELECT count(*) FROM pg_constraint WHERE conname = 'ck_stops_position'");
    }
    static const char *const bad[] = {
        "INSERT INTO trips (id, name, start_date, end_date) VALUES (90, 'x', '2024-05-02', '2024-05-01')",
        "INSERT INTO trips (id, name, code) VALUES (91, 'x', 'T-it''s')",
        "UPDATE trips SET seats = 0, price = 10 WHERE id = 1",
    };
    static const char *const names[] = {"ck_trips_dates", "ck_trips_code", "ck_trips_seats"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *why = rt_db_try_exec(&trips, bad[i]);
        ck_assert_msg(why && strstr(why, names[i]), "%s: %s", bad[i], why ? why : "accepted");
        free(why);
    }
    char *ok = rt_db_try_exec(&trips, "INSERT INTO trips (id, name, start_date) VALUES (92, 'x', '2024-05-02')");
    ck_assert_msg(!ok, "a NULL end_date passes the database's check too: %s", ok ? ok : "");
    free(ok);
}
END_TEST

START_TEST(composite_foreign_keys)
{
    RT_CASES(&regions,
        /* the relationship both ways, inferred from the composite key */
        {"/api/cities/1?include=region", "region.name = 'Normandy'"},
        {"/api/regions/FR,1/cities", "data[].id = [1, 2]"},
        {"/api/regions/FR,1?include=cities", "cities[].name = ['Rouen', 'Caen']"},
        {"/api/cities?filter={\"region\": {\"has\": {\"name\": \"Brittany\"}}}", "data[].id = [3]"},
        {"/api/cities?filter={\"region.country\": \"ES\"}", "data[].id = [4]"},
        {"/api/regions?filter={\"cities\": {\"any\": {\"name\": \"Vigo\"}}}", "data[].name = ['Galicia']"},
        /* a key whose columns are all set must name a row */
        {"POST /api/cities {'name': 'x', 'r_country': 'FR', 'r_code': 9}", "409; @unchanged"},
        {"PATCH /api/cities/4 {'r_code': 2}", "409; @unchanged"},
        {"POST /api/cities {'name': 'y', 'r_country': 'FR'}", "201 r_code = null"},   /* one NULL: no reference */
        {"PATCH /api/cities/4 {'r_country': 'FR', 'r_code': 2}", "r_code = 2"},
        /* nested create: both columns from the new region's key */
        {"POST /api/regions {'country': 'IT', 'code': 3, 'name': 'Lazio', 'cities': [{'name': 'Roma'}]}",
         "201 cities.0.r_country = 'IT'; cities.0.r_code = 3"},
        {"POST /api/cities {'name': 'Milano', 'region': {'country': 'IT', 'code': 3}}", "201 r_country = 'IT'; r_code = 3"},
        /* unlinking NULLs both columns */
        {"PATCH /api/regions/FR,2 {'cities': []}", "cities = []"},
        {"PATCH /api/cities/1 {'region': null}", "r_country = null; r_code = null"},
    );
    rt_assert_sql(&regions, "2", "SELECT count(*) FROM cities WHERE id IN (3, 4) AND r_country IS NULL AND r_code IS NULL");
    /* passive_deletes: the cities go by the key's ON DELETE CASCADE */
    rt_check(&regions, "DELETE /api/regions/IT,3", "204");
    rt_assert_sql(&regions, "0", "SELECT count(*) FROM cities WHERE name IN ('Roma', 'Milano')");
    rt_assert_sql(&regions, "2", "SELECT count(*) FROM cities WHERE id IN (1, 2)");
    rt_assert_foreign_keys(&regions);
    if (rt_backend() == RT_SQLITE)
        rt_assert_sql(&regions, "1", "SELECT count(*) FROM sqlite_master WHERE name = 'cities' AND sql LIKE "
                                     "'%%FOREIGN KEY (\"r_country\", \"r_code\") REFERENCES \"regions\" "
                                     "(\"country\", \"code\") ON DELETE CASCADE%%'");
    else
        rt_assert_sql(&regions, "FOREIGN KEY (r_country, r_code) REFERENCES regions(country, code) ON DELETE CASCADE",
                      "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'cities'::regclass "
                      "AND contype = 'f'");
}
END_TEST

/* The README's example (schemas/trips.json) serves what it says. */
START_TEST(trips_example)
{
    rt_server_start(&example, "schemas/trips.json", "schemas/trips.seed.json", NULL);
    RT_CASES(&example,
        {"PATCH /api/trips/2 {'booked': 9}",
         "422 /booked; errors.0.message = 'the Trip would break the check ck_trips_booked'; @unchanged"},
        {"PATCH /api/trips/1 {'end_date': '2025-04-30'}", "422 /end_date; @unchanged"},
        {"POST /api/trips {'title': 'x', 'city_id': 2, 'start_date': '2025-08-01'}", "201 seats = 10; end_date = null"},
        {"/api/regions/FR,28/cities", "data[].name = ['Rouen', 'Caen']"},
        {"/api/cities/3?include=region", "region.name = 'Brittany'"},
        {"/api/trips?filter={\"city.region.name\": \"Normandy\"}", "data[].id = [1, 4]"},
        {"PATCH /api/cities/4 {'region': null}", "r_country = null; r_code = null"},
        {"/api", "resources.2.checks[].name = ['ck_trips_dates', 'ck_trips_booked']"},
    );
    rt_server_stop(&example);
}
END_TEST

/* Under a row filter on regions, a composite key naming a region the
 * request may not see is answered as a missing one (409), as a column
 * foreign key is; one it sees links. */
#define SECRET "rt-checks-secret-0123456789abcdef-xyz"
static char *ALICE;

START_TEST(composite_keys_respect_the_scope)
{
    rt_check(&scoped, rt_as(ALICE, "POST /api/cities {'name': 'x', 'r_country': 'FR', 'r_code': 2}"), "409");
    rt_check(&scoped, rt_as(ALICE, "PATCH /api/cities/1 {'r_code': 2}"), "409");
    rt_check(&scoped, rt_as(ALICE, "POST /api/cities {'name': 'y', 'r_country': 'FR', 'r_code': 1}"), "201");
    rt_check(&scoped, rt_as(ALICE, "POST /api/cities {'name': 'z', 'r_country': 'FR'}"), "201");  /* names no row */
    rt_assert_sql(&scoped, "3", "SELECT count(*) FROM cities");
    rt_assert_sql(&scoped, "1", "SELECT r_code FROM cities WHERE id = 1");
}
END_TEST

static void scoped_start(void)
{
    ALICE = rt_hs256(SECRET, "{'role': 'member', 'sub': 'alice'}");
    static const char *const args[] = {"--jwt-secret", SECRET, NULL};
    rt_server_start_ex(&scoped, &(rt_start){.schema = "tests/http/schemas/checks_scope.json",
                                            .seed = "tests/http/schemas/checks_scope.seed.json", .args = args});
}

static void scoped_stop(void)
{
    rt_server_stop(&scoped);
    free(ALICE);
}

/* one server per TCase: the checks, the composite key (the same schema and
 * seed; the README's example starts its own) */
RT_FIXTURE(trips, "tests/http/schemas/checks.json", "tests/http/schemas/checks.seed.json", NULL)
RT_FIXTURE(regions, "tests/http/schemas/checks.json", "tests/http/schemas/checks.seed.json", NULL)

Suite *http_checks_suite(void)
{
    Suite *s = suite_create("http_checks");
    TS_TCASE(s, "checks", trips_start, trips_stop, 60, checks_refuse_rows_before_writing, checks_are_in_the_tables);
    TS_TCASE(s, "foreign_keys", regions_start, regions_stop, 60, composite_foreign_keys, trips_example);
    TS_TCASE(s, "scope", scoped_start, scoped_stop, 60, composite_keys_respect_the_scope);
    return s;
}
