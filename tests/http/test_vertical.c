/* test_vertical.c: the vertical-attributes example (schemas/vertical.json,
 * the seed documents' examples/vertical), on both backends: the SPEC §9
 * parts working together in one schema a user would write.
 *
 * An animal's facts are rows of animal_facts keyed by (animal, key), each
 * value in the column of its type; a named check keeps one value per fact,
 * an association proxy lists the keys, a computed attribute counts them, and
 * passive_deletes leaves a deleted animal's facts to ON DELETE CASCADE. The
 * stored rows are those SQLAlchemy's dictlike-polymorphic mapper writes for
 * the same facts (one row per fact, the other value columns NULL). */
#include <check.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_db.h"

static rt_server zoo;

RT_FIXTURE(zoo, "schemas/vertical.json", "schemas/vertical.seed.json", NULL)

START_TEST(facts_read_as_keys_and_count)
{
    RT_CASES(&zoo,
        {"/api/animals/2", "name = 'shrew'; fact_count = 3; fact_keys = ['cuteness', 'poisonous', 'weasel-like']; "
                           "@queries = 2"},
        {"/api/animals?sort=-fact_count,name", "data[].name = ['shrew', 'stoat', 'ostrich']; @queries = 2"},
        {"/api/animals?fields=name,fact_count", "data # 3; !data.0.fact_keys; @queries = 1"},
        /* the seed documents' query: Animal.facts.any(key == "weasel-like" and value == True) */
        {"/api/animals?filter={\"facts\": {\"any\": {\"key\": \"weasel-like\", \"boolean_value\": true}}}",
         "data[].name = ['stoat']"},
        {"/api/animals?filter={\"facts\": {\"any\": {\"key\": \"cuteness\", \"int_value\": {\"ge\": 5}}}}&sort=name",
         "data[].name = ['shrew', 'stoat']"},
    );
}
END_TEST

START_TEST(facts_stored_one_row_each)
{
    rt_check(&zoo, "POST /api/animals {'name': 'mink', 'facts': [{'key': 'cuteness', 'int_value': 6},"
                   " {'key': 'color', 'char_value': 'brown'}]}",
             "201; fact_count = 2; fact_keys = ['cuteness', 'color']"); /* a write answers in the body's order */
    rt_check(&zoo, "/api/animals?name=mink", "data.0.fact_keys = ['color', 'cuteness']"); /* reads: order_by key */
    rt_assert_sql_list(&zoo, "color|NULL|brown|NULL,cuteness|6|NULL|NULL",
                       "SELECT f.key || '|' || COALESCE(CAST(f.int_value AS TEXT), 'NULL') || '|' || "
                       "COALESCE(f.char_value, 'NULL') || '|' || COALESCE(CAST(f.boolean_value AS TEXT), 'NULL') "
                       "FROM animal_facts f JOIN animals a ON a.id = f.animal_id WHERE a.name = 'mink' ORDER BY f.key");
    /* the proxy keeps a fact whose key stays and deletes the others (delete-orphan) */
    rt_check(&zoo, "PATCH /api/animals/3 {'fact_keys': ['cuteness']}", "200; fact_count = 1; fact_keys = ['cuteness']");
    rt_assert_sql_list(&zoo, "cuteness", "SELECT key FROM animal_facts WHERE animal_id = 3 ORDER BY key");
}
END_TEST

START_TEST(one_value_per_fact)
{
    rt_check_refused(&zoo, "POST /api/animal_facts {'animal_id': 3, 'key': 'x', 'int_value': 1, 'char_value': 'y'}",
                     "422 /int_value; errors.0.message = 'the AnimalFact would break the check ck_animal_facts_one_value'");
    rt_check_refused(&zoo, "POST /api/animal_facts {'animal_id': 3, 'key': 'x'}", "422 /int_value");
    rt_check_refused(&zoo, "PATCH /api/animal_facts/1,cuteness {'char_value': 'very'}", "422 /int_value");
    rt_check_refused(&zoo, "POST /api/animals {'name': 'vole', 'facts': [{'key': 'a', 'int_value': 1},"
                           " {'key': 'b', 'int_value': 2, 'boolean_value': true}]}",
                     "422 /facts/1/int_value");
}
END_TEST

START_TEST(deleting_an_animal_leaves_its_facts_to_the_database)
{
    /* passive_deletes: the animal is read and deleted, its facts neither loaded nor deleted one by one
       (ON DELETE CASCADE removes them) */
    rt_check(&zoo, "DELETE /api/animals/1", "204; @queries = 2");
    rt_assert_sql(&zoo, "0", "SELECT count(*) FROM animal_facts WHERE animal_id = 1");
    rt_assert_sql(&zoo, "3", "SELECT count(*) FROM animal_facts WHERE animal_id = 2");
}
END_TEST

RT_SUITE(http_vertical_suite, "http_vertical", "vertical", zoo_start, zoo_stop, 0, facts_read_as_keys_and_count,
         facts_stored_one_row_each, one_value_per_fact, deleting_an_animal_leaves_its_facts_to_the_database)
