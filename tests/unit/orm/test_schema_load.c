/* test_schema_load.c: schema loading (orm/schema_load.c and the phases it
 * runs: schema_columns.c, schema_mappers.c, relationship.c, over the
 * helpers of schema_loader.c) — loading schemas/blog.json (tables in
 * dependency order, column attributes, relationship directions and join
 * columns, back_populates pairs), default table names, inheritance,
 * self-referential and custom joins, directories of files, the entity
 * keys an application reads itself (let through unread, then read with
 * orm_decl_reader), and the schema errors, each checking that the message
 * names the file, the entity or table, and the key path. Most error cases
 * are data: schema_errors.json (the resource options' are routes/', in
 * tests/unit/routes/resource_errors.json).
 *
 * Schemas in this file are written with single quotes (q() turns them into
 * JSON's double quotes) to keep them readable. Run from the repository root
 * (schemas/blog.json and the error cases are read by relative path). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "orm/schema.h"
#include "tests/suites.h"
#include "tests/support/schema_cases.h"
#include "tests/support/suite.h"

/* The keys routes/ gives entities (its resource options): the schemas
 * here carry some, and loading lets them through as the application's. */
static const char *const APP_KEYS[] = {"resource", "methods", "page_size", "max_page_size", "permissions",
                                       "row_filter", NULL};

/* ---- helpers ------------------------------------------------------------------------ */

/* A malloc'd copy of text with ' turned into " (free it). */
static char *q(const char *text)
{
    char *json = strdup(text);
    ck_assert_ptr_nonnull(json);
    for (char *p = json; *p; p++)
        if (*p == '\'') *p = '"';
    return json;
}

static orm_schema *load_ok(const char *text)
{
    orm_error err;
    orm_schema *s = NULL;
    char *json = q(text);
    orm_error_init(&err, NULL);
    int rc = orm_schema_load_opts(&(orm_schema_options){.text = json, .source = "test.json", .entity_keys = APP_KEYS},
                                  &s, &err);
    free(json);
    ck_assert_msg(rc == 0, "unexpected error: %s", err.detail);
    ck_assert_ptr_nonnull(s);
    return s;
}

/* The schema file or directory at path, which must load. */
static orm_schema *load_path_ok(const char *path)
{
    orm_error err;
    orm_schema *s = NULL;
    orm_error_init(&err, NULL);
    ck_assert_msg(orm_schema_load_opts(&(orm_schema_options){.path = path, .entity_keys = APP_KEYS}, &s, &err) == 0,
                  "%s", err.detail);
    return s;
}

/* The column named "table.column". */
static orm_column *col(orm_schema *s, const char *name)
{
    const char *dot = strchr(name, '.');
    char table[64];
    ck_assert_msg(dot != NULL, "\"%s\" is not table.column", name);
    snprintf(table, sizeof table, "%.*s", (int)(dot - name), name);
    orm_table *t = orm_schema_table(s, table);
    ck_assert_msg(t != NULL, "no table %s", table);
    orm_column *c = orm_table_column(t, dot + 1);
    ck_assert_msg(c != NULL, "no column %s", name);
    return c;
}

static orm_relationship *rel(orm_schema *s, const char *entity, const char *name)
{
    orm_mapper *m = orm_schema_mapper(s, entity);
    ck_assert_ptr_nonnull(m);
    orm_relationship *r = orm_mapper_relationship(m, name);
    ck_assert_msg(r != NULL, "no relationship %s.%s", entity, name);
    return r;
}

/* r's join pair i goes from local to remote, each named "table.column". */
static void expect_pair(orm_schema *s, const orm_relationship *r, size_t i, const char *local, const char *remote)
{
    ck_assert_uint_lt(i, r->npairs);
    ck_assert_msg(r->local[i] == col(s, local), "%s.%s: local[%zu] is not %s", r->parent->name, r->name, i, local);
    ck_assert_msg(r->remote[i] == col(s, remote), "%s.%s: remote[%zu] is not %s", r->parent->name, r->name, i,
                  remote);
}

/* a and b are each other's back_populates partner. */
static void expect_partners(const orm_relationship *a, const orm_relationship *b)
{
    ck_assert_msg(a->reverse == b && b->reverse == a, "%s.%s and %s.%s are not paired", a->parent->name, a->name,
                  b->parent->name, b->name);
}

/* r's many-to-many pair i: local, the secondary's columns referring to it
 * and to the target (sec_local, sec_remote), then remote. */
static void expect_secondary_pair(orm_schema *s, const orm_relationship *r, size_t i, const char *local,
                                  const char *sec_local, const char *sec_remote, const char *remote)
{
    expect_pair(s, r, i, local, remote);
    ck_assert_msg(r->sec_local[i] == col(s, sec_local), "%s.%s: sec_local[%zu] is not %s", r->parent->name,
                  r->name, i, sec_local);
    ck_assert_msg(r->sec_remote[i] == col(s, sec_remote), "%s.%s: sec_remote[%zu] is not %s", r->parent->name,
                  r->name, i, sec_remote);
}

static size_t table_pos(orm_schema *s, const char *name)
{
    for (size_t i = 0; i < s->ntables; i++)
        if (strcmp(s->tables[i]->name, name) == 0) return i;
    ck_abort_msg("table %s not in s->tables", name);
    return 0;
}

/* A temporary directory holding the given files (name, text pairs, texts
 * in q() quoting). Returns a malloc'd path; remove with rm_dir(). */
static char *make_dir(const char *const *files)
{
    char *dir = strdup("/tmp/restmap_schema_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    for (size_t i = 0; files[i]; i += 2) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        FILE *f = fopen(path, "w");
        char *json = q(files[i + 1]);
        ck_assert_ptr_nonnull(f);
        fputs(json, f);
        fclose(f);
        free(json);
    }
    return dir;
}

static void rm_dir(char *dir, const char *const *files)
{
    for (size_t i = 0; files[i]; i += 2) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    free(dir);
}

/* Loading the directory holding files fails with exactly want, in which
 * each '@' stands for the directory's path. */
static void expect_dir_error(const char *const *files, const char *want)
{
    char *dir = make_dir(files);
    orm_error err;
    orm_schema *s = NULL;
    char full[512];
    size_t n = 0;
    for (const char *p = want; *p && n + strlen(dir) + 1 < sizeof full; p++) {
        if (*p == '@') n += (size_t)snprintf(full + n, sizeof full - n, "%s", dir);
        else full[n++] = *p;
    }
    full[n] = '\0';
    orm_error_init(&err, NULL);
    ck_assert_int_eq(orm_schema_load(dir, &s, &err), ORM_E_SCHEMA);
    ck_assert_str_eq(err.detail, full);
    rm_dir(dir, files);
}

#define USER_ID "'id': {'type': 'integer', 'primary_key': true}"

/* ---- schemas/blog.json ---------------------------------------------------------------- */

START_TEST(blog_tables_in_dependency_order)
{
    orm_schema *s = load_path_ok("schemas/blog.json");
    ck_assert_uint_eq(s->ntables, 5);
    ck_assert_uint_lt(table_pos(s, "users"), table_pos(s, "addresses"));
    ck_assert_uint_lt(table_pos(s, "users"), table_pos(s, "posts"));
    ck_assert_uint_lt(table_pos(s, "posts"), table_pos(s, "post_keywords"));
    ck_assert_uint_lt(table_pos(s, "keywords"), table_pos(s, "post_keywords"));
    ck_assert_uint_eq(s->nmappers, 4);
    ck_assert_str_eq(s->mappers[0]->name, "User");
    ck_assert_str_eq(s->mappers[2]->name, "BlogPost");
    ck_assert_ptr_null(orm_schema_table(s, "post_keywordz"));
    ck_assert_ptr_null(orm_schema_table(s, "post_keywords")->mapper);
    ck_assert_ptr_eq(orm_schema_table(s, "posts")->mapper, orm_schema_mapper(s, "BlogPost"));
    ck_assert_str_eq(orm_schema_table(s, "posts")->source, "schemas/blog.json");
    orm_schema_free(s);
}
END_TEST

START_TEST(blog_columns)
{
    orm_schema *s = load_path_ok("schemas/blog.json");
    orm_table *users = orm_schema_table(s, "users");
    ck_assert_uint_eq(users->npk, 1);
    ck_assert_str_eq(users->pk[0]->name, "id");
    orm_column *id = col(s, "users.id");
    ck_assert(id->primary_key && id->autoincrement && !id->nullable);
    ck_assert_int_eq(id->type, ORM_T_INTEGER);
    orm_column *name = col(s, "users.name");
    ck_assert(!name->nullable && name->length == 50 && name->type == ORM_T_STRING);
    ck_assert(col(s, "users.fullname")->nullable);
    ck_assert(col(s, "users.password")->write_only);
    ck_assert(!col(s, "users.password")->read_only);
    ck_assert_ptr_eq(orm_schema_mapper(s, "User")->version_col, col(s, "users.version"));
    ck_assert_ptr_null(orm_schema_mapper(s, "Address")->version_col);
    orm_column *uid = col(s, "addresses.user_id");
    ck_assert_ptr_nonnull(uid->fk);
    ck_assert_ptr_eq(uid->fk->table, users);
    ck_assert_ptr_eq(uid->fk->column, id);
    ck_assert(!col(s, "addresses.email_address")->nullable);
    ck_assert_int_eq(col(s, "posts.headline")->length, 255);
    ck_assert_int_eq(col(s, "posts.body")->type, ORM_T_TEXT);
    orm_column *kw = col(s, "keywords.keyword");
    ck_assert(kw->unique && !kw->nullable && kw->length == 50);
    orm_table *pk = orm_schema_table(s, "post_keywords");
    ck_assert_uint_eq(pk->npk, 2);
    ck_assert(!pk->pk[0]->autoincrement && !pk->pk[1]->autoincrement);
    ck_assert_int_eq(pk->pk[0]->fk->on_delete, ORM_FK_CASCADE);
    ck_assert_ptr_eq(pk->pk[1]->fk->table, orm_schema_table(s, "keywords"));
    ck_assert_ptr_null(orm_schema_mapper(s, "User")->default_order);
    orm_schema_free(s);
}
END_TEST

START_TEST(blog_relationships)
{
    orm_schema *s = load_path_ok("schemas/blog.json");
    orm_relationship *ua = rel(s, "User", "addresses"), *au = rel(s, "Address", "user");
    ck_assert_int_eq(ua->direction, ORM_ONE_TO_MANY);
    ck_assert(ua->uselist);
    ck_assert_int_eq(ua->lazy, ORM_LAZY_SELECTIN);
    ck_assert_uint_eq(ua->cascade, ORM_CASCADE_ALL | ORM_CASCADE_DELETE_ORPHAN);
    ck_assert_str_eq(ua->order_by, "id");
    ck_assert_uint_eq(ua->npairs, 1);
    expect_pair(s, ua, 0, "users.id", "addresses.user_id");
    expect_partners(ua, au);
    ck_assert_ptr_eq(ua->target, orm_schema_mapper(s, "Address"));
    ck_assert_ptr_eq(ua->parent, orm_schema_mapper(s, "User"));

    ck_assert_int_eq(au->direction, ORM_MANY_TO_ONE);
    ck_assert(!au->uselist);
    ck_assert_int_eq(au->lazy, ORM_LAZY_SELECT);
    ck_assert_uint_eq(au->cascade, ORM_CASCADE_SAVE_UPDATE | ORM_CASCADE_MERGE);
    expect_pair(s, au, 0, "addresses.user_id", "users.id");

    orm_relationship *up = rel(s, "User", "posts"), *pa = rel(s, "BlogPost", "author");
    ck_assert_int_eq(up->direction, ORM_ONE_TO_MANY);
    ck_assert_int_eq(up->lazy, ORM_LAZY_DYNAMIC);
    ck_assert_int_eq(pa->direction, ORM_MANY_TO_ONE);
    expect_partners(up, pa);
    ck_assert_ptr_eq(pa->local[0], col(s, "posts.user_id"));

    orm_relationship *pk = rel(s, "BlogPost", "keywords"), *kp = rel(s, "Keyword", "posts");
    orm_table *sec = orm_schema_table(s, "post_keywords");
    ck_assert_int_eq(pk->direction, ORM_MANY_TO_MANY);
    ck_assert(pk->uselist && kp->uselist);
    ck_assert_ptr_eq(pk->secondary, sec);
    ck_assert_uint_eq(pk->npairs, 1);
    expect_secondary_pair(s, pk, 0, "posts.id", "post_keywords.post_id", "post_keywords.keyword_id", "keywords.id");
    ck_assert_int_eq(kp->direction, ORM_MANY_TO_MANY);
    expect_secondary_pair(s, kp, 0, "keywords.id", "post_keywords.keyword_id", "post_keywords.post_id", "posts.id");
    expect_partners(pk, kp);
    ck_assert_ptr_null(orm_mapper_relationship(orm_schema_mapper(s, "User"), "nope"));
    ck_assert_str_eq(orm_direction_name(pk->direction), "many_to_many");
    ck_assert_str_eq(orm_lazy_name(ORM_LAZY_SELECTIN), "selectin");
    orm_schema_free(s);
}
END_TEST

/* ---- names and defaults ----------------------------------------------------------------- */

START_TEST(default_table_names)
{
    rm_arena *a = rm_arena_new();
    ck_assert_str_eq(orm_default_table_name(a, "Address"), "addresses");
    ck_assert_str_eq(orm_default_table_name(a, "BlogPost"), "blog_posts");
    ck_assert_str_eq(orm_default_table_name(a, "Category"), "categories");
    ck_assert_str_eq(orm_default_table_name(a, "Box"), "boxes");
    ck_assert_str_eq(orm_default_table_name(a, "User"), "users");
    ck_assert_str_eq(orm_default_table_name(a, "Day"), "days");
    ck_assert_str_eq(orm_default_table_name(a, "Branch"), "branches");
    ck_assert_str_eq(orm_default_table_name(a, "Wish"), "wishes");
    ck_assert_str_eq(orm_default_table_name(a, "Status"), "statuses");
    ck_assert_str_eq(orm_default_table_name(a, "HTTPRequest"), "http_requests");
    ck_assert_str_eq(orm_default_table_name(a, "keyword"), "keywords");
    rm_arena_destroy(a);
}
END_TEST

START_TEST(defaults_and_options)
{
    orm_schema *s = load_ok(
        "{'entities': {'Category': {"
        "  'methods': ['GET', 'POST'], 'page_size': 5, 'max_page_size': 50,"
        "  'default_order': 'name, -id', 'permissions': {'anonymous': ['read'], 'admin': ['*']},"
        "  'row_filter': {'name': {'ne': 'x'}},"
        "  'columns': {'id': {'type': 'bigint', 'primary_key': true},"
        "    'name': {'type': 'string', 'default': 'misc', 'choices': ['misc', 'news']},"
        "    'rank': {'type': 'integer', 'min': 0, 'max': 10, 'default': 3},"
        "    'price': {'type': 'numeric', 'precision': 8, 'scale': 2, 'default': '1.50'},"
        "    'flag': {'type': 'boolean', 'default': true, 'hidden': true}}},"
        " 'Box': {'resource': 'crates', 'columns': {'code': {'type': 'string', 'primary_key': true},"
        "    'n': {'type': 'integer', 'primary_key': true}}},"
        " 'Tag': {'columns': {'id': {'type': 'integer', 'primary_key': true, 'autoincrement': false}}}}}");
    orm_mapper *m = orm_schema_mapper(s, "Category");
    ck_assert_ptr_eq(m->table, orm_schema_table(s, "categories"));
    ck_assert_str_eq(m->default_order, "name,-id");
    /* the application's keys are let through as written (routes/ reads them) */
    ck_assert_int_eq(json_integer_value(json_object_get(m->decl, "page_size")), 5);
    ck_assert(json_is_object(json_object_get(m->decl, "row_filter")));
    ck_assert(col(s, "categories.id")->autoincrement);
    orm_column *name = col(s, "categories.name");
    ck_assert(name->has_default && name->nchoices == 2);
    ck_assert_int_eq(name->default_value.kind, ORM_V_TEXT);
    ck_assert_int_eq((int)name->default_value.u.s.n, 4);
    ck_assert(memcmp(name->choices[1].u.s.p, "news", 4) == 0);
    orm_column *rank = col(s, "categories.rank");
    ck_assert(rank->has_min && rank->has_max && rank->min == 0 && rank->max == 10);
    ck_assert_int_eq(rank->default_value.kind, ORM_V_INT);
    ck_assert_int_eq(rank->default_value.u.i, 3);
    orm_column *price = col(s, "categories.price");
    ck_assert(price->precision == 8 && price->scale == 2);
    ck_assert_int_eq(price->default_value.kind, ORM_V_TEXT);
    ck_assert_int_eq(col(s, "categories.flag")->default_value.u.i, 1);
    ck_assert_ptr_eq(orm_schema_table(s, "boxes")->mapper, orm_schema_mapper(s, "Box"));
    ck_assert(!col(s, "boxes.n")->autoincrement); /* composite key */
    ck_assert(!col(s, "tags.id")->autoincrement);  /* explicit false */
    orm_schema_free(s);
}
END_TEST

/* Keys the caller names are let through unread, kept in the mapper's decl,
 * and read with orm_decl_reader under the loader's rules and messages. */
START_TEST(caller_entity_keys)
{
    static const char *const keys[] = {"label", "sizes", NULL};
    static const char *const sizes[] = {"s", "m", "xl", NULL}, *const small[] = {"s", "m", NULL};
    char *text = q("{'entities': {'User': {'columns': {" USER_ID "}, 'label': 'u', 'sizes': ['s', 'xl']}}}");
    orm_error err;
    orm_schema *s = NULL;
    orm_error_init(&err, NULL);
    ck_assert_int_eq(orm_schema_load_string(text, "test.json", &s, &err), ORM_E_SCHEMA);
    ck_assert_str_eq(err.detail, "test.json: entity User: label: unknown key \"label\"");
    orm_schema_options opt = {.text = text, .source = "test.json", .entity_keys = keys};
    ck_assert_msg(orm_schema_load_opts(&opt, &s, &err) == 0, "%s", err.detail);
    free(text);
    orm_mapper *m = orm_schema_mapper(s, "User");
    rm_arena *a = rm_arena_new();
    orm_decl_reader r;
    orm_decl_reader_init(&r, m, &err, a);
    const char *label;
    int n = 7;
    bool given = true;
    unsigned bits;
    json_t *obj;
    ck_assert_int_eq(orm_decl_string(&r, "label", &label), 0);
    ck_assert_str_eq(label, "u");
    ck_assert_int_eq(orm_decl_int(&r, "absent", 1, 9, &n, &given), 0);
    ck_assert(!given && n == 7);
    ck_assert_int_eq(orm_decl_words(&r, "sizes", json_object_get(m->decl, "sizes"), sizes, "size", &bits), 0);
    ck_assert_uint_eq(bits, 1u << 0 | 1u << 2);
    ck_assert_int_eq(orm_decl_int(&r, "label", 1, 9, &n, &given), ORM_E_SCHEMA);
    ck_assert_str_eq(err.detail, "test.json: entity User: label: must be an integer from 1 to 9");
    ck_assert_int_eq(orm_decl_object(&r, "label", &obj), ORM_E_SCHEMA);
    ck_assert_str_eq(err.detail, "test.json: entity User: label: must be an object");
    ck_assert_int_eq(orm_decl_words(&r, "sizes", json_object_get(m->decl, "sizes"), small, "size", &bits),
                     ORM_E_SCHEMA);
    ck_assert_str_eq(err.detail, "test.json: entity User: sizes[1]: unknown size (one of s, m)");
    ck_assert_int_eq(orm_decl_words(&r, "label", json_object_get(m->decl, "label"), small, "size", &bits),
                     ORM_E_SCHEMA);
    ck_assert_str_eq(err.detail, "test.json: entity User: label: must be an array of s, m");
    ck_assert_int_eq(orm_decl_fail(&r, NULL, "wrong %d times", 2), ORM_E_SCHEMA);
    ck_assert_str_eq(err.detail, "test.json: entity User: wrong 2 times");
    rm_arena_destroy(a);
    orm_schema_free(s);
}
END_TEST

START_TEST(on_delete_in_any_case)
{
    orm_schema *s = load_ok("{'entities': {'User': {'columns': {" USER_ID ","
                            " 'boss': {'type': 'integer', 'foreign_key': 'users.id', 'on_delete': 'SET NULL'}}}}}");
    ck_assert_int_eq(col(s, "users.boss")->fk->on_delete, ORM_FK_SET_NULL);
    orm_schema_free(s);
}
END_TEST

/* ---- inheritance, self-reference, custom joins ------------------------------------------ */

START_TEST(single_table_inheritance)
{
    orm_schema *s = load_ok(
        "{'entities': {"
        " 'Manager': {'inherits': 'Employee', 'polymorphic_identity': 'manager',"
        "   'columns': {'budget': {'type': 'float'}}},"
        " 'Employee': {'polymorphic_on': 'type', 'polymorphic_identity': 'employee',"
        "   'columns': {'id': {'type': 'integer', 'primary_key': true}, 'type': {'type': 'string'},"
        "     'company_id': {'type': 'integer', 'foreign_key': 'companies.id'}},"
        "   'relationships': {'company': {'target': 'Company', 'back_populates': 'employees'}}},"
        " 'Engineer': {'inherits': 'Employee', 'polymorphic_identity': 'engineer'},"
        " 'Company': {'columns': {'id': {'type': 'integer', 'primary_key': true}},"
        "   'relationships': {'employees': {'target': 'Employee', 'back_populates': 'company'}}}}}");
    orm_mapper *e = orm_schema_mapper(s, "Employee"), *mg = orm_schema_mapper(s, "Manager");
    orm_mapper *en = orm_schema_mapper(s, "Engineer");
    ck_assert_ptr_eq(mg->table, e->table);
    ck_assert_ptr_eq(en->table, e->table);
    ck_assert_ptr_eq(e->table->mapper, e);
    ck_assert_ptr_eq(mg->inherits, e);
    ck_assert_str_eq(e->table->name, "employees");
    ck_assert_ptr_eq(e->polymorphic_on, col(s, "employees.type"));
    ck_assert_ptr_eq(mg->polymorphic_on, e->polymorphic_on);
    ck_assert(mg->has_identity && mg->polymorphic_identity.kind == ORM_V_TEXT);
    ck_assert(memcmp(mg->polymorphic_identity.u.s.p, "manager", 7) == 0);
    ck_assert(col(s, "employees.budget")->nullable);
    ck_assert_ptr_eq(orm_mapper_relationship(mg, "company"), rel(s, "Employee", "company"));
    ck_assert_uint_eq(s->ntables, 2);
    ck_assert_uint_lt(table_pos(s, "companies"), table_pos(s, "employees"));
    orm_schema_free(s);
}
END_TEST

START_TEST(self_referential)
{
    orm_schema *s = load_ok(
        "{'entities': {'Node': {'columns': {'id': {'type': 'integer', 'primary_key': true},"
        "   'parent_id': {'type': 'integer', 'foreign_key': 'nodes.id'}, 'data': {'type': 'string'}},"
        " 'relationships': {"
        "   'children': {'target': 'Node', 'back_populates': 'parent', 'cascade': 'all, delete-orphan'},"
        "   'parent': {'target': 'Node', 'remote_side': 'id', 'back_populates': 'children'}}}}}");
    orm_relationship *c = rel(s, "Node", "children"), *p = rel(s, "Node", "parent");
    ck_assert_int_eq(c->direction, ORM_ONE_TO_MANY);
    expect_pair(s, c, 0, "nodes.id", "nodes.parent_id");
    ck_assert_int_eq(p->direction, ORM_MANY_TO_ONE);
    ck_assert(!p->uselist);
    expect_pair(s, p, 0, "nodes.parent_id", "nodes.id");
    expect_partners(c, p);
    orm_schema_free(s);
}
END_TEST

START_TEST(custom_joins)
{
    orm_schema *s = load_ok(
        "{'entities': {"
        " 'User': {'columns': {" USER_ID ", 'name': {'type': 'string'}},"
        "   'relationships': {"
        "     'authored': {'target': 'Post', 'join': {'local': ['id'], 'remote': ['author_id']},"
        "                  'back_populates': 'author'},"
        "     'open_posts': {'target': 'Post', 'uselist': true,"
        "                  'join': {'local': 'id', 'remote': 'author_id', 'where': {'open': true}}}}},"
        " 'Post': {'columns': {'id': {'type': 'integer', 'primary_key': true},"
        "   'author_id': {'type': 'integer', 'foreign_key': 'users.id'},"
        "   'editor_id': {'type': 'bigint', 'foreign_key': 'users.id'}, 'open': {'type': 'boolean'}},"
        "   'relationships': {"
        "     'author': {'target': 'User', 'join': {'local': ['author_id'], 'remote': ['id']},"
        "                'back_populates': 'authored'},"
        "     'editor': {'target': 'User', 'join': {'local': ['editor_id'], 'remote': ['id']}, 'uselist': false}}},"
        " 'Node': {'columns': {'id': {'type': 'integer', 'primary_key': true}},"
        "   'relationships': {'higher': {'target': 'Node', 'secondary': 'node_links',"
        "       'join': {'local': ['lower_id'], 'remote': ['higher_id']}, 'back_populates': 'lower'},"
        "     'lower': {'target': 'Node', 'secondary': 'node_links',"
        "       'join': {'local': ['higher_id'], 'remote': ['lower_id']}, 'back_populates': 'higher'}}}},"
        " 'tables': {'node_links': {'columns': {"
        "   'lower_id': {'type': 'integer', 'primary_key': true, 'foreign_key': 'nodes.id'},"
        "   'higher_id': {'type': 'integer', 'primary_key': true, 'foreign_key': 'nodes.id'}}}}}");
    orm_relationship *a = rel(s, "User", "authored"), *b = rel(s, "Post", "author");
    ck_assert(a->custom_join && a->direction == ORM_ONE_TO_MANY && a->uselist);
    ck_assert(b->direction == ORM_MANY_TO_ONE && !b->uselist);
    expect_partners(a, b);
    ck_assert_ptr_null(a->join_where);
    orm_relationship *o = rel(s, "User", "open_posts");
    ck_assert(json_is_object(o->join_where));
    ck_assert_ptr_eq(o->remote[0], col(s, "posts.author_id"));
    ck_assert_int_eq(rel(s, "Post", "editor")->direction, ORM_MANY_TO_ONE);
    orm_relationship *h = rel(s, "Node", "higher"), *l = rel(s, "Node", "lower");
    ck_assert_int_eq(h->direction, ORM_MANY_TO_MANY);
    expect_secondary_pair(s, h, 0, "nodes.id", "node_links.lower_id", "node_links.higher_id", "nodes.id");
    expect_partners(h, l);
    orm_schema_free(s);
}
END_TEST

/* A cycle of foreign keys still loads (declaration order). (Per-column
 * foreign keys toward parts of a composite key are a start-up error:
 * schema_errors.json fk_to_part_of_composite_key.) */
START_TEST(foreign_key_cycle)
{
    orm_schema *s = load_ok(
        "{'entities': {"
        " 'Chicken': {'columns': {" USER_ID ", 'egg_id': {'type': 'integer', 'foreign_key': 'eggs.id'}}},"
        " 'Egg': {'columns': {" USER_ID ", 'chicken_id': {'type': 'integer', 'foreign_key': 'chickens.id'}}}}}");
    ck_assert_uint_eq(s->ntables, 2);
    ck_assert_str_eq(s->tables[0]->name, "chickens");
    ck_assert_str_eq(s->tables[1]->name, "eggs");
    orm_schema_free(s);
}
END_TEST

/* ---- files and directories ---------------------------------------------------------------- */

START_TEST(directory_merged_and_seed_skipped)
{
    static const char *const files[] = {
        "b_posts.json",
        "{'entities': {'Post': {'columns': {'id': {'type': 'integer', 'primary_key': true},"
        " 'user_id': {'type': 'integer', 'foreign_key': 'users.id'}},"
        " 'relationships': {'user': {'target': 'User', 'back_populates': 'posts'}}}}}",
        "a_users.json",
        "{'entities': {'User': {'columns': {" USER_ID "},"
        " 'relationships': {'posts': {'target': 'Post', 'back_populates': 'user'}}}}}",
        "a_users.seed.json", "{'users': [{'id': 1}]}",
        "notes.txt", "not json",
        NULL};
    char *dir = make_dir(files);
    orm_schema *s = load_path_ok(dir);
    ck_assert_uint_eq(s->nmappers, 2);
    ck_assert_str_eq(s->mappers[0]->name, "User"); /* a_users.json is read first */
    expect_partners(rel(s, "Post", "user"), rel(s, "User", "posts"));
    ck_assert(strstr(orm_schema_mapper(s, "Post")->source, "/b_posts.json") != NULL);
    orm_schema_free(s);
    rm_dir(dir, files);
}
END_TEST

START_TEST(error_duplicate_entity_across_files)
{
    static const char *const files[] = {
        "a.json", "{'entities': {'User': {'columns': {" USER_ID "}}}}",
        "b.json", "{'entities': {'User': {'columns': {" USER_ID "}}}}",
        NULL};
    expect_dir_error(files, "@/b.json: entity User: entity declared twice (also in @/a.json)");
}
END_TEST

START_TEST(error_duplicate_table_across_files)
{
    static const char *const files[] = {
        "a.json", "{'entities': {'User': {'columns': {" USER_ID "}}}}",
        "b.json", "{'tables': {'users': {'columns': {" USER_ID "}}}}",
        NULL};
    expect_dir_error(files, "@/b.json: table users: table \"users\" is already declared by entity User (@/a.json)");
}
END_TEST

START_TEST(error_json_syntax_in_file)
{
    static const char *const files[] = {
        "bad.json", "{'entities': {\n  'User': {'columns': {}}\n  'Address': {}\n}}\n",
        NULL};
    char *dir = make_dir(files);
    orm_error err;
    orm_schema *s = NULL;
    char path[512], want[600];
    snprintf(path, sizeof path, "%s/bad.json", dir);
    orm_error_init(&err, NULL);
    ck_assert_int_eq(orm_schema_load(path, &s, &err), ORM_E_SCHEMA);
    snprintf(want, sizeof want, "%s: line 3, column ", path);
    ck_assert_msg(strncmp(err.detail, want, strlen(want)) == 0, "%s", err.detail);
    ck_assert_ptr_nonnull(strstr(err.detail, "invalid JSON"));
    rm_dir(dir, files);
}
END_TEST

START_TEST(error_top_level_in_string)
{
    orm_error err;
    orm_schema *s = NULL;
    orm_error_init(&err, NULL);
    ck_assert_int_eq(orm_schema_load_string("{\n\"entities\": {,}}", "x.json", &s, &err), ORM_E_SCHEMA);
    ck_assert_msg(strncmp(err.detail, "x.json: line 2, column ", 23) == 0, "%s", err.detail);
    ck_assert_int_eq(orm_schema_load_string("{\"entities\": {}, \"entities\": {}}", "x.json", &s, &err),
                     ORM_E_SCHEMA);
    ck_assert_msg(strstr(err.detail, "duplicate") != NULL, "%s", err.detail);
    ck_assert_int_eq(orm_schema_load_string("[]", "x.json", &s, &err), ORM_E_SCHEMA);
    ck_assert_str_eq(err.detail, "x.json: the top level must be a JSON object");
    ck_assert_int_eq(orm_schema_load_string("{\"entites\": {}}", "test.json", &s, &err), ORM_E_SCHEMA);
    ck_assert_str_eq(err.detail, "test.json: entites: unknown key \"entites\" (did you mean \"entities\"?)");
}
END_TEST

START_TEST(error_missing_file)
{
    orm_error err;
    orm_schema *s = NULL;
    orm_error_init(&err, NULL);
    ck_assert_int_eq(orm_schema_load("/nonexistent/schema.json", &s, &err), ORM_E_SCHEMA);
    ck_assert_msg(strncmp(err.detail, "/nonexistent/schema.json: cannot read", 37) == 0, "%s", err.detail);
}
END_TEST

/* ---- schema errors ---------------------------------------------------------------------------- */

/* The cases: {"case", "what", "path", "says", "schema"} each (see its "about"). */
#define ERROR_CASES "tests/unit/orm/schema_errors.json"

/* The loader alone: a refused schema leaves nothing behind. */
static int load_text(const char *text, orm_error *err)
{
    orm_schema *s = NULL;
    int rc = orm_schema_load_string(text, "test.json", &s, err);
    if (rc) ck_assert_ptr_null(s);
    orm_schema_free(s);
    return rc;
}

START_TEST(schema_errors)
{
    sc_check(ERROR_CASES, _i, load_text);
}
END_TEST

Suite *schema_load_suite(void)
{
    Suite *s = suite_create("schema_load");
    TS_TCASE(s, "load", NULL, NULL, 0, blog_tables_in_dependency_order, blog_columns, blog_relationships,
             default_table_names, defaults_and_options, caller_entity_keys, on_delete_in_any_case,
             single_table_inheritance, self_referential, custom_joins, foreign_key_cycle,
             directory_merged_and_seed_skipped);
    TCase *tc = TS_TCASE(s, "errors", NULL, NULL, 0, error_duplicate_entity_across_files,
                         error_duplicate_table_across_files, error_json_syntax_in_file, error_top_level_in_string,
                         error_missing_file);
    tcase_add_loop_test(tc, schema_errors, 0, sc_count(ERROR_CASES));
    return s;
}
