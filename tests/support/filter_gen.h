/* filter_gen.h: the random world of the filter property tests, shared by
 * the property test against a model (tests/unit/orm/test_filter_property.c)
 * and the comparison of SQLite with PostgreSQL (test_cross_backend.c).
 *
 * A world is a schema (Person, Pet, Tag; one-to-many, many-to-one and
 * many-to-many relationships), a data set drawn from a seed (many NULLs,
 * frequent equal values, text from an alphabet with upper/lower case
 * letters, '%', '_', '\' and 'é'/'É'), an in-memory copy of every row with
 * each relationship's adjacency, and an engine holding those rows. The
 * same seed gives the same rows, whatever the engine: two worlds of one
 * seed on two backends hold the same data.
 *
 * The generators draw filters within SPEC §5's limits (every column
 * operator, null literals, several operators in one value, and/or/not
 * nested deeply, any/none/every/has/is_null, dotted paths, column
 * comparisons {"$col": PATH} with the row's own columns and through
 * many-to-one paths: SPEC §10 F) and sort cases
 * (keys with '-', through owner.* for pets, sometimes a filter).
 * Deterministic: xorshift64* streams seeded by splitmix64; every function
 * fails the running check test when something it needs does not work. */
#ifndef RM_TEST_FILTER_GEN_H
#define RM_TEST_FILTER_GEN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "orm/engine.h"
#include "orm/query.h"
#include "orm/schema.h"

/* ---- deterministic random numbers ---- */

typedef struct fg_prng {
    uint64_t s;
} fg_prng;

uint64_t fg_splitmix(uint64_t x);
void fg_seed(fg_prng *g, uint64_t seed);
uint64_t fg_rnd(fg_prng *g);
int fg_range(fg_prng *g, int lo, int hi); /* inclusive */
bool fg_chance(fg_prng *g, int pct);

/* ---- the model: entities, columns, relationships, rows ---- */

typedef enum fg_kind { FG_INT, FG_FLOAT, FG_BOOL, FG_TEXT, FG_DATE } fg_kind;

typedef struct fg_col {
    const char *name;
    fg_kind k;
    int null_pct;   /* share of NULLs in the data */
    int idx;        /* index in the table's columns (row layout) */
    int lo, hi;     /* FG_INT operand range */
} fg_col;

enum { FG_PERSON, FG_PET, FG_TAG, FG_NENT };
enum { FG_PETS, FG_TAGS, FG_OWNER, FG_PEOPLE, FG_NREL };

typedef struct fg_ent {
    const char *entity;
    const orm_mapper *m;
    size_t width;   /* table->ncolumns */
    fg_col cols[6];
    int ncols;
    int id;         /* index into cols of "id" (always 0) */
    size_t nrows;
    orm_value *rows; /* row r: rows[r * width .. ]; ids are r + 1 */
} fg_ent;

typedef struct fg_rel {
    const char *name;
    int from, to;
    bool many;
    size_t *start;  /* related rows of from-row r: idx[start[r] .. start[r + 1]) */
    size_t *idx;
} fg_rel;

typedef struct fg_world {
    uint64_t seed;
    rm_arena *a;
    orm_schema *schema;
    orm_engine *engine;     /* the database holding the rows */
    fg_ent ents[FG_NENT];
    fg_rel rels[FG_NREL];
    const char *pool[14];   /* text values shared by every text column */
    int npool;
    size_t (*links)[2];     /* person_tags rows (person row, tag row) */
    size_t nlinks;
} fg_world;

/* Draw the world of seed, open url (a pool of one connection), create the
 * tables and insert every row through the ORM (orm_insert_row, ids given). */
void fg_world_init(fg_world *W, uint64_t seed, const char *url);
/* Close the engine, free the schema and the rows. */
void fg_world_free(fg_world *W);

orm_value *fg_cell(const fg_world *W, int e, size_t row, const fg_col *c);
int fg_find_col(const fg_ent *E, const char *name);           /* -1: none */
int fg_find_rel(const fg_world *W, int e, const char *name);  /* -1: none */
size_t fg_nrelated(const fg_world *W, int r, size_t row);
size_t fg_related(const fg_world *W, int r, size_t row, size_t k);

/* ---- filters ---- */

/* Whether an operand is a column reference {"$col": PATH}. */
bool fg_is_col_operand(const json_t *j);
/* Depth and node count of a filter as SPEC §8 counts them (a $col
 * operand is one node). */
int fg_json_depth(const json_t *j);
int fg_count_filter(const fg_world *W, int e, const json_t *f);
/* A random filter on entity e (new reference) within SPEC §5's limits;
 * max_depth and max_nodes shape it (deep ones: 16, 120). */
json_t *fg_gen_filter(const fg_world *W, fg_prng *g, int e, int max_depth, int max_nodes);
/* One filter case as the property test draws it: the entity (*e: Person
 * half of the time), a deep filter a quarter of the time, else a small one. */
json_t *fg_gen_filter_case(const fg_world *W, fg_prng *g, int *e);

/* ---- sort cases ---- */

typedef struct fg_skey {
    int rel;   /* -1: a column of the entity; else a many-to-one relationship */
    int col;   /* column of the entity or of the relationship's target */
    bool desc;
} fg_skey;

typedef struct fg_sort_case {
    int e;               /* the entity sorted */
    fg_skey keys[4];
    int nk;
    char spec[256];      /* the keys as a sort parameter: "-age,owner.name" */
    json_t *filter;      /* a filter on e (new reference), or NULL */
} fg_sort_case;

/* A random sort case (1..3 keys, a filter 30% of the time). */
void fg_gen_sort(const fg_world *W, fg_prng *g, fg_sort_case *out);
/* The same for entity e (the draws fg_gen_sort makes after picking it). */
void fg_gen_sort_for(const fg_world *W, fg_prng *g, int e, fg_sort_case *out);

/* ---- running queries and printing them ---- */

typedef struct fg_qrun {
    orm_query *q;
    orm_result res;
    int64_t count;
    bool want_count;     /* also orm_query_count */
} fg_qrun;

/* Run q (orm_query_all, and orm_query_count when r->want_count) in a read
 * unit on W's engine, results in a. Returns the unit's code. */
int fg_run_query(const fg_world *W, rm_arena *a, orm_query *q, fg_qrun *r, orm_error *err);
/* The id of result row i of entity e (-1 when it is not an integer). */
int64_t fg_result_id(const fg_world *W, int e, const orm_result *res, size_t i);
/* JSON as compact text (malloc'd). */
char *fg_dump(const json_t *j);
/* To stderr: q's SELECT in W's engine's dialect with its parameters; row
 * of entity e with its related ids; a sequence of ids (40 at most). */
void fg_print_sql(const fg_world *W, rm_arena *a, const orm_query *q);
void fg_print_row(const fg_world *W, int e, size_t row);
void fg_print_seq(const char *label, const int64_t *ids, size_t n);
/* The first index where the sequences differ, or -1. */
long fg_first_difference(const int64_t *x, size_t nx, const int64_t *y, size_t ny);

#endif
