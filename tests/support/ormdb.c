/* ormdb.c: see ormdb.h. */
#include "tests/support/ormdb.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "orm/ddl.h"
#include "tests/support/util.h"

void tdb_open(tdb *db, const char *schema_json, const char *url, const orm_engine_options *opt)
{
    memset(db, 0, sizeof *db);
    orm_error_init(&db->err, NULL);
    ck_assert_msg(orm_schema_load_string(schema_json, "test.json", &db->schema, &db->err) == 0, "%s",
                  db->err.detail);
    db->echo = open_memstream(&db->echo_buf, &db->echo_len);
    ck_assert_ptr_nonnull(db->echo);
    orm_engine_options o = opt ? *opt : (orm_engine_options){.pool_size = 1};
    o.echo = db->echo;
    url = url ? url : "sqlite://:memory:";
    ck_assert_msg(orm_engine_open(url, &o, &db->engine, &db->err) == 0, "%s", db->err.detail);
    ck_assert_msg(orm_create_all(db->engine, db->schema, &db->err) == 0, "%s", db->err.detail);
    db->arena = rm_arena_new();
    orm_error_init(&db->err, db->arena);
    tdb_echo_reset(db);
}

/* The file's text (malloc'd); fails the test when it is missing or empty. */
static char *read_file(const char *path)
{
    size_t len;
    char *text = ts_read_file_from(path, 0, &len);
    ck_assert_msg(len > 0, "%s: missing or empty (tests run from the repository root)", path);
    return text;
}

void tdb_open_files(tdb *db, const char *schema_path, const char *seed_path, const char *url,
                    const orm_engine_options *opt)
{
    char *schema = read_file(schema_path);
    tdb_open(db, schema, url, opt);
    free(schema);
    if (seed_path) {
        char *seed = read_file(seed_path);
        tdb_sql(db, seed);
        free(seed);
        /* the seed gives its keys: key generators move past them */
        ck_assert_msg(orm_sync_keys(db->engine, db->schema, &db->err) == 0, "%s", db->err.detail);
        tdb_echo_reset(db);
    }
}

void tdb_close(tdb *db)
{
    rm_arena_destroy(db->arena);
    orm_engine_close(db->engine);
    orm_schema_free(db->schema);
    fclose(db->echo);
    free(db->echo_buf);
    memset(db, 0, sizeof *db);
}

int tdb_unit(tdb *db, bool write, orm_unit_fn fn, void *ud, orm_session *s)
{
    orm_session local;
    if (!s) s = &local;
    orm_session_init(s, db->engine, db->schema, db->arena, &db->err);
    return orm_session_run(s, write, fn, ud);
}

static int run_sql(orm_session *s, void *ud)
{
    return orm_engine_driver(s->engine)->exec(s->conn, ud, s->err);
}

void tdb_sql(tdb *db, const char *sql)
{
    int rc = tdb_unit(db, true, run_sql, (void *)sql, NULL);
    ck_assert_msg(rc == 0, "%s: %s (%s)", sql, db->err.detail, db->err.internal);
}

typedef struct count_ud {
    orm_compiled q;
    long long n;
} count_ud;

static int run_count(orm_session *s, void *ud)
{
    count_ud *c = ud;
    orm_result r;
    int rc = orm_session_execute(s, &c->q, &r);
    if (rc) return rc;
    c->n = r.values[0].u.i;
    return 0;
}

long long tdb_count(tdb *db, const char *table, const char *where)
{
    count_ud c = {.n = -1};
    orm_compiled_text(&c.q, rm_arena_sprintf(db->arena, "SELECT count(*) FROM \"%s\"%s%s", table,
                                             where ? " WHERE " : "", where ? where : ""));
    c.q.returns_rows = c.q.is_query = true;
    c.q.nresult = 1;
    int rc = tdb_unit(db, false, run_count, &c, NULL);
    ck_assert_msg(rc == 0, "%s: %s (%s)", c.q.sql, db->err.detail, db->err.internal);
    return c.n;
}

void tdb_echo_reset(tdb *db)
{
    fflush(db->echo);
    db->echo_mark = db->echo_len;
}

const char *tdb_echo(tdb *db)
{
    fflush(db->echo);
    return db->echo_buf + db->echo_mark;
}

int tdb_echo_count(tdb *db, const char *needle)
{
    int n = 0;
    for (const char *line = tdb_echo(db); *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *hit = strstr(line, needle);
        n += hit && hit < line + len;
        line += len + (end != NULL);
    }
    return n;
}

const orm_mapper *tdb_mapper(const tdb *db, const char *entity)
{
    const orm_mapper *m = orm_schema_mapper(db->schema, entity);
    ck_assert_msg(m != NULL, "no entity %s", entity);
    return m;
}

const orm_column *tdb_column(const tdb *db, const char *entity, const char *column)
{
    const orm_column *c = orm_table_column(tdb_mapper(db, entity)->table, column);
    ck_assert_msg(c != NULL, "no column %s.%s", entity, column);
    return c;
}

const orm_relationship *tdb_rel(const tdb *db, const char *entity, const char *rel)
{
    const orm_relationship *r = orm_mapper_relationship(tdb_mapper(db, entity), rel);
    ck_assert_msg(r != NULL, "no relationship %s.%s", entity, rel);
    return r;
}

static orm_lazy strategy(int mode, int depth)
{
    switch (mode) {
    case TDB_ALL_SELECTIN: return ORM_LAZY_SELECTIN;
    case TDB_ALL_JOINED: return ORM_LAZY_JOINED;
    case TDB_JOINED_FIRST: return depth % 2 ? ORM_LAZY_SELECTIN : ORM_LAZY_JOINED;
    default: return depth % 2 ? ORM_LAZY_JOINED : ORM_LAZY_SELECTIN;
    }
}

/* One level of an include spec, from *p up to its closing parenthesis. */
static orm_include *parse_level(tdb *db, const orm_mapper *m, const char **p, int depth, int mode, size_t *n,
                                int *selectin)
{
    size_t cap = 1;
    for (int nest = 0, i = 0; (*p)[i] && nest >= 0; i++) { /* commas of this level */
        nest += ((*p)[i] == '(') - ((*p)[i] == ')');
        cap += nest == 0 && (*p)[i] == ',';
    }
    orm_include *inc = RM_NEW_ARRAY(db->arena, orm_include, cap);
    *n = 0;
    while (**p && **p != ')') {
        size_t len = strcspn(*p, ",()");
        const char *name = rm_arena_strndup(db->arena, *p, len);
        *p += len;
        const orm_relationship *r = orm_mapper_relationship(m, name);
        ck_assert_msg(r != NULL, "%s has no relationship %s", m->name, name);
        ck_assert_uint_lt(*n, cap);
        orm_include *node = &inc[(*n)++];
        *node = (orm_include){.rel = r, .strategy = strategy(mode, depth)};
        *selectin += node->strategy == ORM_LAZY_SELECTIN;
        if (**p == '(') {
            (*p)++;
            node->children = parse_level(db, r->target, p, depth + 1, mode, &node->nchildren, selectin);
            ck_assert_int_eq(**p, ')');
            (*p)++;
        }
        if (**p == ',') (*p)++;
    }
    return inc;
}

orm_include *tdb_include(tdb *db, const orm_mapper *m, const char *spec, int mode, size_t *n, int *selectin)
{
    int count = 0;
    orm_include *inc = parse_level(db, m, &spec, 0, mode, n, &count);
    ck_assert_msg(*spec == '\0', "include spec: unexpected %s", spec);
    if (selectin) *selectin = count;
    return inc;
}

static void release_json(void *j) { json_decref(j); }

json_t *tdb_json(tdb *db, const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    ck_assert_msg(j != NULL, "%s: %s", text, jerr.text);
    rm_arena_on_reset(db->arena, release_json, j);
    return j;
}

orm_value tdb_text(const char *s) { return orm_text(s, strlen(s)); }
