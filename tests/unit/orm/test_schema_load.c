/* test_schema_load.c: orm/schema_load.c and orm/relationship.c — loading
 * schemas/blog.json (tables in dependency order, column attributes,
 * relationship directions and join columns, back_populates pairs), default
 * table names, inheritance, self-referential and custom joins, directories
 * of files, and one test per schema error, each checking that the message
 * names the file, the entity or table, and the key path.
 *
 * Schemas in this file are written with single quotes (q() turns them into
 * JSON's double quotes) to keep them readable. Run from the repository root
 * (schemas/blog.json is read by relative path). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "orm/schema.h"

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
    int rc = orm_schema_load_string(json, "test.json", &s, &err);
    free(json);
    ck_assert_msg(rc == 0, "unexpected error: %s", err.detail);
    ck_assert_ptr_nonnull(s);
    return s;
}

/* Loading fails with "test.json: WHAT: PATH: ..." whose message part
 * contains msg. */
static void expect_error(const char *text, const char *what, const char *path, const char *msg)
{
    orm_error err;
    orm_schema *s = NULL;
    char prefix[256], *json = q(text);
    orm_error_init(&err, NULL);
    int rc = orm_schema_load_string(json, "test.json", &s, &err);
    free(json);
    ck_assert_int_eq(rc, ORM_E_SCHEMA);
    ck_assert_int_eq(err.code, ORM_E_SCHEMA);
    ck_assert_ptr_null(s);
    snprintf(prefix, sizeof prefix, "test.json: %s: %s: ", what, path);
    ck_assert_msg(strncmp(err.detail, prefix, strlen(prefix)) == 0, "\"%s\" does not start with \"%s\"",
                  err.detail, prefix);
    ck_assert_msg(strstr(err.detail + strlen(prefix), msg) != NULL, "\"%s\" does not say \"%s\"", err.detail, msg);
}

static orm_column *col(orm_schema *s, const char *table, const char *name)
{
    orm_table *t = orm_schema_table(s, table);
    ck_assert_ptr_nonnull(t);
    orm_column *c = orm_table_column(t, name);
    ck_assert_msg(c != NULL, "no column %s.%s", table, name);
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

#define USER_ID "'id': {'type': 'integer', 'primary_key': true}"

/* ---- schemas/blog.json ---------------------------------------------------------------- */

START_TEST(blog_tables_in_dependency_order)
{
    orm_error err;
    orm_schema *s = NULL;
    orm_error_init(&err, NULL);
    ck_assert_msg(orm_schema_load("schemas/blog.json", &s, &err) == 0, "%s", err.detail);
    ck_assert_uint_eq(s->ntables, 5);
    ck_assert_uint_lt(table_pos(s, "users"), table_pos(s, "addresses"));
    ck_assert_uint_lt(table_pos(s, "users"), table_pos(s, "posts"));
    ck_assert_uint_lt(table_pos(s, "posts"), table_pos(s, "post_keywords"));
    ck_assert_uint_lt(table_pos(s, "keywords"), table_pos(s, "post_keywords"));
    ck_assert_uint_eq(s->nmappers, 4);
    ck_assert_str_eq(s->mappers[0]->name, "User");
    ck_assert_str_eq(s->mappers[2]->name, "BlogPost");
    ck_assert_ptr_eq(orm_schema_resource(s, "posts"), orm_schema_mapper(s, "BlogPost"));
    ck_assert_ptr_eq(orm_schema_resource(s, "addresses"), orm_schema_mapper(s, "Address"));
    ck_assert_ptr_null(orm_schema_resource(s, "post_keywords"));
    ck_assert_ptr_null(orm_schema_table(s, "post_keywordz"));
    ck_assert_ptr_null(orm_schema_table(s, "post_keywords")->mapper);
    ck_assert_ptr_eq(orm_schema_table(s, "posts")->mapper, orm_schema_mapper(s, "BlogPost"));
    ck_assert_str_eq(orm_schema_table(s, "posts")->source, "schemas/blog.json");
    orm_schema_free(s);
}
END_TEST

START_TEST(blog_columns)
{
    orm_error err;
    orm_schema *s = NULL;
    orm_error_init(&err, NULL);
    ck_assert_msg(orm_schema_load("schemas/blog.json", &s, &err) == 0, "%s", err.detail);
    orm_table *users = orm_schema_table(s, "users");
    ck_assert_uint_eq(users->npk, 1);
    ck_assert_str_eq(users->pk[0]->name, "id");
    orm_column *id = col(s, "users", "id");
    ck_assert(id->primary_key && id->autoincrement && !id->nullable);
    ck_assert_int_eq(id->type, ORM_T_INTEGER);
    orm_column *name = col(s, "users", "name");
    ck_assert(!name->nullable && name->length == 50 && name->type == ORM_T_STRING);
    ck_assert(col(s, "users", "fullname")->nullable);
    ck_assert(col(s, "users", "password")->write_only);
    ck_assert(!col(s, "users", "password")->read_only);
    ck_assert_ptr_eq(orm_schema_mapper(s, "User")->version_col, col(s, "users", "version"));
    ck_assert_ptr_null(orm_schema_mapper(s, "Address")->version_col);
    orm_column *uid = col(s, "addresses", "user_id");
    ck_assert_ptr_nonnull(uid->fk);
    ck_assert_ptr_eq(uid->fk->table, users);
    ck_assert_ptr_eq(uid->fk->column, id);
    ck_assert(!col(s, "addresses", "email_address")->nullable);
    ck_assert_int_eq(col(s, "posts", "headline")->length, 255);
    ck_assert_int_eq(col(s, "posts", "body")->type, ORM_T_TEXT);
    orm_column *kw = col(s, "keywords", "keyword");
    ck_assert(kw->unique && !kw->nullable && kw->length == 50);
    orm_table *pk = orm_schema_table(s, "post_keywords");
    ck_assert_uint_eq(pk->npk, 2);
    ck_assert(!pk->pk[0]->autoincrement && !pk->pk[1]->autoincrement);
    ck_assert_int_eq(pk->pk[0]->fk->on_delete, ORM_FK_CASCADE);
    ck_assert_ptr_eq(pk->pk[1]->fk->table, orm_schema_table(s, "keywords"));
    orm_mapper *u = orm_schema_mapper(s, "User");
    ck_assert_int_eq(u->page_size, 20);
    ck_assert_int_eq(u->max_page_size, 1000);
    ck_assert_uint_eq(u->methods, ORM_ALLOW_ALL);
    ck_assert_ptr_null(u->default_order);
    orm_schema_free(s);
}
END_TEST

START_TEST(blog_relationships)
{
    orm_error err;
    orm_schema *s = NULL;
    orm_error_init(&err, NULL);
    ck_assert_msg(orm_schema_load("schemas/blog.json", &s, &err) == 0, "%s", err.detail);
    orm_relationship *ua = rel(s, "User", "addresses"), *au = rel(s, "Address", "user");
    ck_assert_int_eq(ua->direction, ORM_ONE_TO_MANY);
    ck_assert(ua->uselist);
    ck_assert_int_eq(ua->lazy, ORM_LAZY_SELECTIN);
    ck_assert_uint_eq(ua->cascade, ORM_CASCADE_ALL | ORM_CASCADE_DELETE_ORPHAN);
    ck_assert_str_eq(ua->order_by, "id");
    ck_assert_uint_eq(ua->npairs, 1);
    ck_assert_ptr_eq(ua->local[0], col(s, "users", "id"));
    ck_assert_ptr_eq(ua->remote[0], col(s, "addresses", "user_id"));
    ck_assert_ptr_eq(ua->reverse, au);
    ck_assert_ptr_eq(ua->target, orm_schema_mapper(s, "Address"));
    ck_assert_ptr_eq(ua->parent, orm_schema_mapper(s, "User"));

    ck_assert_int_eq(au->direction, ORM_MANY_TO_ONE);
    ck_assert(!au->uselist);
    ck_assert_int_eq(au->lazy, ORM_LAZY_SELECT);
    ck_assert_uint_eq(au->cascade, ORM_CASCADE_SAVE_UPDATE | ORM_CASCADE_MERGE);
    ck_assert_ptr_eq(au->local[0], col(s, "addresses", "user_id"));
    ck_assert_ptr_eq(au->remote[0], col(s, "users", "id"));
    ck_assert_ptr_eq(au->reverse, ua);

    orm_relationship *up = rel(s, "User", "posts"), *pa = rel(s, "BlogPost", "author");
    ck_assert_int_eq(up->direction, ORM_ONE_TO_MANY);
    ck_assert_int_eq(up->lazy, ORM_LAZY_DYNAMIC);
    ck_assert_int_eq(pa->direction, ORM_MANY_TO_ONE);
    ck_assert_ptr_eq(up->reverse, pa);
    ck_assert_ptr_eq(pa->reverse, up);
    ck_assert_ptr_eq(pa->local[0], col(s, "posts", "user_id"));

    orm_relationship *pk = rel(s, "BlogPost", "keywords"), *kp = rel(s, "Keyword", "posts");
    orm_table *sec = orm_schema_table(s, "post_keywords");
    ck_assert_int_eq(pk->direction, ORM_MANY_TO_MANY);
    ck_assert(pk->uselist && kp->uselist);
    ck_assert_ptr_eq(pk->secondary, sec);
    ck_assert_uint_eq(pk->npairs, 1);
    ck_assert_ptr_eq(pk->local[0], col(s, "posts", "id"));
    ck_assert_ptr_eq(pk->sec_local[0], col(s, "post_keywords", "post_id"));
    ck_assert_ptr_eq(pk->sec_remote[0], col(s, "post_keywords", "keyword_id"));
    ck_assert_ptr_eq(pk->remote[0], col(s, "keywords", "id"));
    ck_assert_int_eq(kp->direction, ORM_MANY_TO_MANY);
    ck_assert_ptr_eq(kp->local[0], col(s, "keywords", "id"));
    ck_assert_ptr_eq(kp->sec_local[0], col(s, "post_keywords", "keyword_id"));
    ck_assert_ptr_eq(pk->reverse, kp);
    ck_assert_ptr_eq(kp->reverse, pk);
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
    ck_assert_str_eq(m->resource, "categories");
    ck_assert_uint_eq(m->methods, ORM_ALLOW_READ | ORM_ALLOW_CREATE);
    ck_assert_int_eq(m->page_size, 5);
    ck_assert_int_eq(m->max_page_size, 50);
    ck_assert_str_eq(m->default_order, "name,-id");
    ck_assert(json_is_object(m->permissions) && json_is_object(m->row_filter));
    ck_assert(col(s, "categories", "id")->autoincrement);
    orm_column *name = col(s, "categories", "name");
    ck_assert(name->has_default && name->nchoices == 2);
    ck_assert_int_eq(name->default_value.kind, ORM_V_TEXT);
    ck_assert_int_eq((int)name->default_value.u.s.n, 4);
    ck_assert(memcmp(name->choices[1].u.s.p, "news", 4) == 0);
    orm_column *rank = col(s, "categories", "rank");
    ck_assert(rank->has_min && rank->has_max && rank->min == 0 && rank->max == 10);
    ck_assert_int_eq(rank->default_value.kind, ORM_V_INT);
    ck_assert_int_eq(rank->default_value.u.i, 3);
    orm_column *price = col(s, "categories", "price");
    ck_assert(price->precision == 8 && price->scale == 2);
    ck_assert_int_eq(price->default_value.kind, ORM_V_TEXT);
    ck_assert_int_eq(col(s, "categories", "flag")->default_value.u.i, 1);
    ck_assert_ptr_eq(orm_schema_resource(s, "crates"), orm_schema_mapper(s, "Box"));
    ck_assert_ptr_nonnull(orm_schema_table(s, "boxes"));
    ck_assert(!col(s, "boxes", "n")->autoincrement); /* composite key */
    ck_assert(!col(s, "tags", "id")->autoincrement);  /* explicit false */
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
    ck_assert_str_eq(mg->resource, "managers");
    ck_assert_str_eq(en->resource, "engineers");
    ck_assert_ptr_eq(e->polymorphic_on, col(s, "employees", "type"));
    ck_assert_ptr_eq(mg->polymorphic_on, e->polymorphic_on);
    ck_assert(mg->has_identity && mg->polymorphic_identity.kind == ORM_V_TEXT);
    ck_assert(memcmp(mg->polymorphic_identity.u.s.p, "manager", 7) == 0);
    ck_assert(col(s, "employees", "budget")->nullable);
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
    ck_assert_ptr_eq(c->local[0], col(s, "nodes", "id"));
    ck_assert_ptr_eq(c->remote[0], col(s, "nodes", "parent_id"));
    ck_assert_int_eq(p->direction, ORM_MANY_TO_ONE);
    ck_assert(!p->uselist);
    ck_assert_ptr_eq(p->local[0], col(s, "nodes", "parent_id"));
    ck_assert_ptr_eq(p->remote[0], col(s, "nodes", "id"));
    ck_assert_ptr_eq(c->reverse, p);
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
    ck_assert_ptr_eq(a->reverse, b);
    ck_assert_ptr_null(a->join_where);
    orm_relationship *o = rel(s, "User", "open_posts");
    ck_assert(json_is_object(o->join_where));
    ck_assert_ptr_eq(o->remote[0], col(s, "posts", "author_id"));
    ck_assert_int_eq(rel(s, "Post", "editor")->direction, ORM_MANY_TO_ONE);
    orm_relationship *h = rel(s, "Node", "higher"), *l = rel(s, "Node", "lower");
    ck_assert_int_eq(h->direction, ORM_MANY_TO_MANY);
    ck_assert_ptr_eq(h->sec_local[0], col(s, "node_links", "lower_id"));
    ck_assert_ptr_eq(h->sec_remote[0], col(s, "node_links", "higher_id"));
    ck_assert_ptr_eq(h->local[0], col(s, "nodes", "id"));
    ck_assert_ptr_eq(h->reverse, l);
    orm_schema_free(s);
}
END_TEST

START_TEST(composite_foreign_key_and_cycle)
{
    /* a composite FK is one path; a cycle of FKs still loads (declaration order) */
    orm_schema *s = load_ok(
        "{'entities': {"
        " 'Line': {'columns': {'id': {'type': 'integer', 'primary_key': true},"
        "   'order_no': {'type': 'integer', 'foreign_key': 'orders.no'},"
        "   'order_year': {'type': 'integer', 'foreign_key': 'orders.year'}},"
        "   'relationships': {'order': {'target': 'Order', 'back_populates': 'lines'}}},"
        " 'Order': {'columns': {'no': {'type': 'integer', 'primary_key': true},"
        "   'year': {'type': 'integer', 'primary_key': true}},"
        "   'relationships': {'lines': {'target': 'Line', 'back_populates': 'order'}}},"
        " 'Chicken': {'columns': {" USER_ID ", 'egg_id': {'type': 'integer', 'foreign_key': 'eggs.id'}}},"
        " 'Egg': {'columns': {" USER_ID ", 'chicken_id': {'type': 'integer', 'foreign_key': 'chickens.id'}}}}}");
    orm_relationship *o = rel(s, "Line", "order"), *l = rel(s, "Order", "lines");
    ck_assert_int_eq(o->direction, ORM_MANY_TO_ONE);
    ck_assert_uint_eq(o->npairs, 2);
    ck_assert_ptr_eq(o->local[1], col(s, "lines", "order_year"));
    ck_assert_ptr_eq(o->remote[1], col(s, "orders", "year"));
    ck_assert_int_eq(l->direction, ORM_ONE_TO_MANY);
    ck_assert_ptr_eq(l->remote[0], col(s, "lines", "order_no"));
    ck_assert_ptr_eq(l->reverse, o);
    ck_assert(!col(s, "orders", "no")->autoincrement);
    ck_assert_uint_eq(s->ntables, 4);
    ck_assert_str_eq(s->tables[0]->name, "orders");
    ck_assert_str_eq(s->tables[1]->name, "lines");
    ck_assert_str_eq(s->tables[2]->name, "chickens");
    ck_assert_str_eq(s->tables[3]->name, "eggs");
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
    orm_error err;
    orm_schema *s = NULL;
    orm_error_init(&err, NULL);
    ck_assert_msg(orm_schema_load(dir, &s, &err) == 0, "%s", err.detail);
    ck_assert_uint_eq(s->nmappers, 2);
    ck_assert_str_eq(s->mappers[0]->name, "User"); /* a_users.json is read first */
    ck_assert_ptr_eq(rel(s, "Post", "user")->reverse, rel(s, "User", "posts"));
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
    char *dir = make_dir(files);
    orm_error err;
    orm_schema *s = NULL;
    char want[512];
    orm_error_init(&err, NULL);
    ck_assert_int_eq(orm_schema_load(dir, &s, &err), ORM_E_SCHEMA);
    snprintf(want, sizeof want, "%s/b.json: entity User: entity declared twice (also in %s/a.json)", dir, dir);
    ck_assert_str_eq(err.detail, want);
    rm_dir(dir, files);
}
END_TEST

START_TEST(error_duplicate_table_across_files)
{
    static const char *const files[] = {
        "a.json", "{'entities': {'User': {'columns': {" USER_ID "}}}}",
        "b.json", "{'tables': {'users': {'columns': {" USER_ID "}}}}",
        NULL};
    char *dir = make_dir(files);
    orm_error err;
    orm_schema *s = NULL;
    char want[512];
    orm_error_init(&err, NULL);
    ck_assert_int_eq(orm_schema_load(dir, &s, &err), ORM_E_SCHEMA);
    snprintf(want, sizeof want,
             "%s/b.json: table users: table \"users\" is already declared by entity User (%s/a.json)", dir, dir);
    ck_assert_str_eq(err.detail, want);
    rm_dir(dir, files);
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

START_TEST(error_json_syntax_and_duplicate_key_in_string)
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

/* ---- column errors ---------------------------------------------------------------------------- */

#define ENTITY(cols) "{'entities': {'User': {'columns': {" USER_ID ", " cols "}}}}"

START_TEST(error_unknown_type)
{
    expect_error(ENTITY("'name': {'type': 'strin'}"), "entity User", "columns.name.type",
                 "unknown type \"strin\" (did you mean \"string\"?)");
}
END_TEST

START_TEST(error_unknown_key)
{
    expect_error(ENTITY("'name': {'type': 'string', 'nulable': false}"), "entity User", "columns.name.nulable",
                 "unknown key \"nulable\" (did you mean \"nullable\"?)");
    expect_error("{'entities': {'User': {'columns': {" USER_ID "}, 'colour': 1}}}", "entity User", "colour",
                 "unknown key \"colour\"");
    expect_error("{'entities': {'User': {'columns': {" USER_ID "}, 'relationships': {'a': {'target': 'User',"
                 " 'join': {'local': ['id'], 'remote': ['id'], 'were': {}}}}}}}",
                 "entity User", "relationships.a.join.were", "unknown key \"were\" (did you mean \"where\"?)");
    expect_error("{'tables': {'t': {'columns': {" USER_ID "}, 'x': 1}}}", "table t", "x", "unknown key");
    orm_error err;
    orm_schema *s = NULL;
    orm_error_init(&err, NULL);
    ck_assert_int_eq(orm_schema_load_string("{\"entites\": {}}", "test.json", &s, &err), ORM_E_SCHEMA);
    ck_assert_str_eq(err.detail, "test.json: entites: unknown key \"entites\" (did you mean \"entities\"?)");
}
END_TEST

START_TEST(error_missing_type)
{
    expect_error(ENTITY("'name': {'length': 5}"), "entity User", "columns.name.type", "missing");
}
END_TEST

START_TEST(error_bad_foreign_key_table)
{
    expect_error("{'tables': {'post_keywords': {'columns': {"
                 "'post_id': {'type': 'integer', 'primary_key': true, 'foreign_key': 'postz.id'}}}},"
                 " 'entities': {'Post': {'columns': {'id': {'type': 'integer', 'primary_key': true}}}}}",
                 "table post_keywords", "columns.post_id.foreign_key",
                 "unknown table \"postz\" (did you mean \"posts\"?)");
    expect_error(ENTITY("'x': {'type': 'integer', 'foreign_key': 'users'}"), "entity User",
                 "columns.x.foreign_key", "must be \"table.column\"");
}
END_TEST

START_TEST(error_bad_foreign_key_column)
{
    expect_error(ENTITY("'boss': {'type': 'integer', 'foreign_key': 'users.idd'}"), "entity User",
                 "columns.boss.foreign_key", "table users has no column \"idd\"");
    expect_error(ENTITY("'name': {'type': 'string'}, 'boss': {'type': 'integer', 'foreign_key': 'users.name'}"),
                 "entity User", "columns.boss.foreign_key", "users.name is neither a primary key nor unique");
    expect_error(ENTITY("'boss': {'type': 'string', 'foreign_key': 'users.id'}"), "entity User",
                 "columns.boss.foreign_key", "type string does not match users.id (integer)");
}
END_TEST

START_TEST(error_bad_on_delete)
{
    expect_error(ENTITY("'boss': {'type': 'integer', 'foreign_key': 'users.id', 'on_delete': 'explode'}"),
                 "entity User", "columns.boss.on_delete", "unknown action \"explode\"");
    expect_error(ENTITY("'boss': {'type': 'integer', 'on_delete': 'cascade'}"), "entity User",
                 "columns.boss.on_delete", "needs a foreign_key");
    orm_schema *s = load_ok(ENTITY("'boss': {'type': 'integer', 'foreign_key': 'users.id', 'on_delete': 'SET NULL'}"));
    ck_assert_int_eq(col(s, "users", "boss")->fk->on_delete, ORM_FK_SET_NULL);
    orm_schema_free(s);
}
END_TEST

START_TEST(error_two_version_columns)
{
    expect_error(ENTITY("'v1': {'type': 'integer', 'version': true}, 'v2': {'type': 'bigint', 'version': true}"),
                 "entity User", "columns.v2.version", "a second version column (\"v1\" already is one)");
}
END_TEST

START_TEST(error_version_on_string)
{
    expect_error(ENTITY("'v': {'type': 'string', 'version': true}"), "entity User", "columns.v.version",
                 "a version column must be integer or bigint (this one is string)");
}
END_TEST

START_TEST(error_read_only_and_write_only)
{
    expect_error(ENTITY("'p': {'type': 'string', 'read_only': true, 'write_only': true}"), "entity User",
                 "columns.p.write_only", "both read_only and write_only");
}
END_TEST

START_TEST(error_bad_choices)
{
    expect_error(ENTITY("'s': {'type': 'string', 'choices': []}"), "entity User", "columns.s.choices",
                 "must be a non-empty array of string values");
    expect_error(ENTITY("'s': {'type': 'string', 'choices': ['a', 2]}"), "entity User", "columns.s.choices[1]",
                 "must be a string");
    expect_error(ENTITY("'s': {'type': 'string', 'length': 3, 'choices': ['a', 'long']}"), "entity User",
                 "columns.s.choices[1]", "is longer than 3 characters");
    expect_error(ENTITY("'s': {'type': 'string', 'choices': ['a', 'a']}"), "entity User", "columns.s.choices[1]",
                 "duplicate choice");
}
END_TEST

START_TEST(error_bad_default)
{
    expect_error(ENTITY("'n': {'type': 'integer', 'default': 'seven'}"), "entity User", "columns.n.default",
                 "must be an integer");
    expect_error(ENTITY("'s': {'type': 'string', 'choices': ['a', 'b'], 'default': 'c'}"), "entity User",
                 "columns.s.default", "must be one of \"a\", \"b\"");
    expect_error(ENTITY("'n': {'type': 'integer', 'max': 5, 'default': 6}"), "entity User", "columns.n.default",
                 "must be at most 5");
    expect_error(ENTITY("'d': {'type': 'date', 'default': '2020-13-01'}"), "entity User", "columns.d.default",
                 "must be a date");
    expect_error(ENTITY("'n': {'type': 'integer', 'nullable': false, 'default': null}"), "entity User",
                 "columns.n.default", "null for a column that is not nullable");
}
END_TEST

START_TEST(error_min_greater_than_max)
{
    expect_error(ENTITY("'n': {'type': 'float', 'min': 5, 'max': 1.5}"), "entity User", "columns.n.min",
                 "must not be greater than max");
}
END_TEST

START_TEST(error_min_on_string)
{
    expect_error(ENTITY("'s': {'type': 'string', 'min': 1}"), "entity User", "columns.s.min",
                 "only for integer, bigint, float and numeric columns (this one is string)");
}
END_TEST

START_TEST(error_length_on_integer)
{
    expect_error(ENTITY("'n': {'type': 'integer', 'length': 4}"), "entity User", "columns.n.length",
                 "only for string columns (this one is integer)");
    expect_error(ENTITY("'s': {'type': 'string', 'length': 0}"), "entity User", "columns.s.length",
                 "must be an integer >= 1");
}
END_TEST

START_TEST(error_bad_precision_scale)
{
    expect_error(ENTITY("'p': {'type': 'numeric', 'precision': 0}"), "entity User", "columns.p.precision",
                 "must be an integer from 1 to 1000");
    expect_error(ENTITY("'p': {'type': 'numeric', 'precision': 4, 'scale': 5}"), "entity User", "columns.p.scale",
                 "must be at most the precision (4)");
    expect_error(ENTITY("'p': {'type': 'numeric', 'scale': 2}"), "entity User", "columns.p.scale",
                 "needs a precision");
    expect_error(ENTITY("'p': {'type': 'float', 'precision': 4}"), "entity User", "columns.p.precision",
                 "only for numeric columns");
}
END_TEST

START_TEST(error_no_primary_key)
{
    expect_error("{'entities': {'User': {'columns': {'name': {'type': 'string'}}}}}", "entity User", "columns",
                 "no primary key column");
    expect_error("{'tables': {'links': {'columns': {'a': {'type': 'integer'}}}}}", "table links", "columns",
                 "no primary key column");
}
END_TEST

START_TEST(error_autoincrement)
{
    expect_error(ENTITY("'s': {'type': 'string', 'autoincrement': true}"), "entity User",
                 "columns.s.autoincrement", "only an integer primary key can autoincrement");
    expect_error("{'entities': {'User': {'columns': {'a': {'type': 'integer', 'primary_key': true, "
                 "'autoincrement': true}, 'b': {'type': 'integer', 'primary_key': true}}}}}",
                 "entity User", "columns.a.autoincrement", "a composite primary key cannot autoincrement");
}
END_TEST

START_TEST(error_nullable_primary_key)
{
    expect_error("{'entities': {'User': {'columns': {'id': {'type': 'integer', 'primary_key': true,"
                 " 'nullable': true}}}}}",
                 "entity User", "columns.id.nullable", "a primary key column cannot be nullable");
}
END_TEST

/* ---- entity errors ------------------------------------------------------------------------------ */

START_TEST(error_entity_options)
{
    expect_error("{'entities': {'User': {'columns': {" USER_ID "}, 'methods': ['GET', 'FETCH']}}}", "entity User",
                 "methods[1]", "unknown method");
    expect_error("{'entities': {'User': {'columns': {" USER_ID "}, 'page_size': 0}}}", "entity User", "page_size",
                 "must be an integer >= 1");
    expect_error("{'entities': {'User': {'columns': {" USER_ID "}, 'page_size': 50, 'max_page_size': 10}}}",
                 "entity User", "max_page_size", "page_size (50) is greater than max_page_size (10)");
    expect_error("{'entities': {'User': {'columns': {" USER_ID "}, 'default_order': 'name,-id'}}}", "entity User",
                 "default_order", "table users has no column \"name\"");
    expect_error("{'entities': {'User': {'columns': {" USER_ID ", 'pw': {'type': 'string', 'write_only': true}},"
                 " 'default_order': 'pw'}}}",
                 "entity User", "default_order", "column \"pw\" is write_only and cannot be sorted on");
    expect_error("{'entities': {'User': {'columns': {" USER_ID "}, 'permissions': {'anonymous': ['reed']}}}}",
                 "entity User", "permissions.anonymous[0]", "unknown permission");
    expect_error("{'entities': {'User': {'columns': {" USER_ID "}, 'row_filter': []}}}", "entity User",
                 "row_filter", "must be an object");
    expect_error("{'entities': {'User': {'columns': {" USER_ID "}},"
                 " 'Person': {'resource': 'users', 'columns': {" USER_ID "}}}}",
                 "entity Person", "resource", "\"users\" is already the resource of entity User");
    expect_error("{'entities': {'User': {'columns': {" USER_ID "}, 'resource': '_batch'}}}", "entity User",
                 "resource", "not a valid URL segment");
    expect_error("{'entities': {'User': {'columns': {" USER_ID "}},"
                 " 'Person': {'table': 'users', 'columns': {" USER_ID "}}}}",
                 "entity Person", "table", "table \"users\" is already declared by entity User (test.json)");
}
END_TEST

START_TEST(error_inherits_unknown_parent)
{
    expect_error("{'entities': {'Employee': {'columns': {" USER_ID "}},"
                 " 'Manager': {'inherits': 'Employe', 'polymorphic_identity': 'm'}}}",
                 "entity Manager", "inherits", "unknown entity \"Employe\" (did you mean \"Employee\"?)");
    expect_error("{'entities': {'A': {'inherits': 'B'}, 'B': {'inherits': 'A'}}}", "entity A", "inherits",
                 "inheritance cycle");
}
END_TEST

START_TEST(error_polymorphic_on_unknown_column)
{
    expect_error("{'entities': {'Employee': {'polymorphic_on': 'kind', 'columns': {" USER_ID "}}}}",
                 "entity Employee", "polymorphic_on", "table employees has no column \"kind\"");
}
END_TEST

START_TEST(error_inheritance_rules)
{
#define BASE "'Employee': {'polymorphic_on': 'type', 'columns': {" USER_ID ", 'type': {'type': 'string'}}}"
    expect_error("{'entities': {" BASE ", 'Manager': {'inherits': 'Employee'}}}", "entity Manager",
                 "polymorphic_identity", "missing");
    expect_error("{'entities': {" BASE ", 'Manager': {'inherits': 'Employee', 'polymorphic_identity': 1}}}",
                 "entity Manager", "polymorphic_identity", "must be a string");
    expect_error("{'entities': {" BASE ", 'Manager': {'inherits': 'Employee', 'polymorphic_identity': 'm'},"
                 " 'Boss': {'inherits': 'Employee', 'polymorphic_identity': 'm'}}}",
                 "entity Boss", "polymorphic_identity", "entity Manager has the same identity");
    expect_error("{'entities': {" BASE ", 'Manager': {'inherits': 'Employee', 'polymorphic_identity': 'm',"
                 " 'columns': {'budget': {'type': 'float', 'nullable': false}}}}}",
                 "entity Manager", "columns.budget.nullable", "must be nullable");
    expect_error("{'entities': {" BASE ", 'Manager': {'inherits': 'Employee', 'polymorphic_identity': 'm',"
                 " 'table': 'managers'}}}",
                 "entity Manager", "table", "shares its base's table");
    expect_error("{'entities': {'Employee': {'columns': {" USER_ID "}},"
                 " 'Manager': {'inherits': 'Employee', 'polymorphic_identity': 'm'}}}",
                 "entity Manager", "polymorphic_identity", "the base entity Employee has no \"polymorphic_on\"");
#undef BASE
}
END_TEST

/* ---- relationship errors ------------------------------------------------------------------------ */

#define ADDRESS(rel) \
    "{'entities': {'User': {'columns': {" USER_ID "}}, 'Address': {'columns': {" USER_ID ", " \
    "'user_id': {'type': 'integer', 'foreign_key': 'users.id'}}, 'relationships': {'user': " rel "}}}}"

START_TEST(error_unknown_target)
{
    expect_error(ADDRESS("{'target': 'Usr'}"), "entity Address", "relationships.user.target",
                 "unknown entity \"Usr\" (did you mean \"User\"?)");
    expect_error(ADDRESS("{'lazy': 'select'}"), "entity Address", "relationships.user.target", "missing");
}
END_TEST

START_TEST(error_no_fk_path)
{
    expect_error("{'entities': {'User': {'columns': {" USER_ID "},"
                 " 'relationships': {'things': {'target': 'Thing'}}},"
                 " 'Thing': {'columns': {" USER_ID "}}}}",
                 "entity User", "relationships.things", "no foreign key path between users and things: give \"join\"");
}
END_TEST

START_TEST(error_ambiguous_fk_path)
{
    expect_error("{'entities': {'User': {'columns': {" USER_ID "},"
                 " 'relationships': {'posts': {'target': 'Post'}}},"
                 " 'Post': {'columns': {" USER_ID ", 'author_id': {'type': 'integer', 'foreign_key': 'users.id'},"
                 "   'editor_id': {'type': 'integer', 'foreign_key': 'users.id'}}}}}",
                 "entity User", "relationships.posts", "ambiguous join path between users and posts: give \"join\"");
    expect_error("{'entities': {'Node': {'columns': {" USER_ID "},"
                 " 'relationships': {'links': {'target': 'Node', 'secondary': 'links'}}}},"
                 " 'tables': {'links': {'columns': {"
                 "   'a': {'type': 'integer', 'primary_key': true, 'foreign_key': 'nodes.id'},"
                 "   'b': {'type': 'integer', 'primary_key': true, 'foreign_key': 'nodes.id'}}}}}",
                 "entity Node", "relationships.links.secondary", "ambiguous join path between nodes and nodes");
}
END_TEST

START_TEST(error_secondary)
{
    expect_error("{'entities': {'Post': {'columns': {" USER_ID "},"
                 " 'relationships': {'tags': {'target': 'Tag', 'secondary': 'post_tagz'}}},"
                 " 'Tag': {'columns': {" USER_ID "}}},"
                 " 'tables': {'post_tags': {'columns': {"
                 "   'post_id': {'type': 'integer', 'primary_key': true, 'foreign_key': 'posts.id'},"
                 "   'tag_id': {'type': 'integer', 'primary_key': true, 'foreign_key': 'tags.id'}}}}}",
                 "entity Post", "relationships.tags.secondary", "unknown table \"post_tagz\"");
    expect_error("{'entities': {'Post': {'columns': {" USER_ID "},"
                 " 'relationships': {'tags': {'target': 'Tag', 'secondary': 'post_tags'}}},"
                 " 'Tag': {'columns': {" USER_ID "}}},"
                 " 'tables': {'post_tags': {'columns': {"
                 "   'post_id': {'type': 'integer', 'primary_key': true, 'foreign_key': 'posts.id'},"
                 "   'tag_id': {'type': 'integer', 'primary_key': true}}}}}",
                 "entity Post", "relationships.tags.secondary", "table post_tags has no foreign key to tags");
}
END_TEST

START_TEST(error_back_populates_missing)
{
    expect_error("{'entities': {'User': {'columns': {" USER_ID "},"
                 " 'relationships': {'addresses': {'target': 'Address', 'back_populates': 'owner'}}},"
                 " 'Address': {'columns': {" USER_ID ", 'user_id': {'type': 'integer', 'foreign_key': 'users.id'}},"
                 "   'relationships': {'user': {'target': 'User'}}}}}",
                 "entity User", "relationships.addresses.back_populates",
                 "entity Address has no relationship \"owner\"");
}
END_TEST

START_TEST(error_back_populates_mismatch)
{
    /* the partner names another relationship */
    expect_error("{'entities': {'User': {'columns': {" USER_ID "},"
                 " 'relationships': {'addresses': {'target': 'Address', 'back_populates': 'user'},"
                 "   'other': {'target': 'Address'}}},"
                 " 'Address': {'columns': {" USER_ID ", 'user_id': {'type': 'integer', 'foreign_key': 'users.id'}},"
                 "   'relationships': {'user': {'target': 'User', 'back_populates': 'other'}}}}}",
                 "entity User", "relationships.addresses.back_populates",
                 "Address.user has back_populates \"other\", not \"addresses\"");
    /* the partner targets another entity */
    expect_error("{'entities': {'User': {'columns': {" USER_ID "},"
                 " 'relationships': {'addresses': {'target': 'Address', 'back_populates': 'tag'}}},"
                 " 'Tag': {'columns': {" USER_ID "}},"
                 " 'Address': {'columns': {" USER_ID ", 'user_id': {'type': 'integer', 'foreign_key': 'users.id'},"
                 "     'tag_id': {'type': 'integer', 'foreign_key': 'tags.id'}},"
                 "   'relationships': {'tag': {'target': 'Tag'}}}}}",
                 "entity User", "relationships.addresses.back_populates",
                 "Address.tag refers to entity Tag, not User");
    /* directions that do not mirror (two one-to-many sides) */
    expect_error("{'entities': {'User': {'columns': {" USER_ID ", 'ref': {'type': 'integer'}},"
                 " 'relationships': {'addresses': {'target': 'Address', 'back_populates': 'user'}}},"
                 " 'Address': {'columns': {" USER_ID ", 'user_id': {'type': 'integer', 'foreign_key': 'users.id'}},"
                 "   'relationships': {'user': {'target': 'User', 'back_populates': 'addresses',"
                 "     'join': {'local': ['id'], 'remote': ['ref']}, 'uselist': false}}}}}",
                 "entity User", "relationships.addresses.back_populates",
                 "directions do not mirror: User.addresses is one_to_many and Address.user is one_to_many");
    /* mirrored directions over different columns */
    expect_error("{'entities': {'User': {'columns': {" USER_ID "},"
                 " 'relationships': {'addresses': {'target': 'Address', 'back_populates': 'user'}}},"
                 " 'Address': {'columns': {" USER_ID ", 'user_id': {'type': 'integer', 'foreign_key': 'users.id'}},"
                 "   'relationships': {'user': {'target': 'User', 'back_populates': 'addresses',"
                 "     'join': {'local': ['id'], 'remote': ['id']}}}}}}",
                 "entity User", "relationships.addresses.back_populates",
                 "User.addresses and Address.user do not join over the same columns");
}
END_TEST

START_TEST(error_delete_orphan_many_to_one)
{
    expect_error(ADDRESS("{'target': 'User', 'cascade': 'all, delete-orphan'}"), "entity Address",
                 "relationships.user.cascade", "delete-orphan on a many_to_one relationship");
}
END_TEST

START_TEST(error_bad_lazy)
{
    expect_error(ADDRESS("{'target': 'User', 'lazy': 'eager'}"), "entity Address", "relationships.user.lazy",
                 "unknown loader \"eager\"");
    expect_error(ADDRESS("{'target': 'User', 'lazy': 'dynamic'}"), "entity Address", "relationships.user.lazy",
                 "\"dynamic\" needs a collection");
}
END_TEST

START_TEST(error_bad_cascade_word)
{
    expect_error(ADDRESS("{'target': 'User', 'cascade': 'save-update, delet'}"), "entity Address",
                 "relationships.user.cascade", "unknown cascade \"delet\" (did you mean \"delete\"?)");
}
END_TEST

START_TEST(error_relationship_options)
{
    expect_error(ADDRESS("{'target': 'User', 'order_by': 'nme'}"), "entity Address",
                 "relationships.user.order_by", "table users has no column \"nme\"");
    expect_error(ADDRESS("{'target': 'User', 'uselist': true}"), "entity Address", "relationships.user.uselist",
                 "a many-to-one relationship refers to one object");
    expect_error(ADDRESS("{'target': 'User', 'remote_side': 'id'}"), "entity Address",
                 "relationships.user.remote_side", "only for a self-referential relationship");
    expect_error(ADDRESS("{'target': 'User', 'join': {'local': ['user_id'], 'remote': ['idx']}}"), "entity Address",
                 "relationships.user.join.remote", "table users has no column \"idx\"");
    expect_error(ADDRESS("{'target': 'User', 'join': {'local': ['user_id', 'id'], 'remote': ['id']}}"),
                 "entity Address", "relationships.user.join", "must name as many columns");
    expect_error("{'entities': {'User': {'columns': {" USER_ID ", 'addresses': {'type': 'string'}},"
                 " 'relationships': {'addresses': {'target': 'User'}}}}}",
                 "entity User", "relationships.addresses", "already has a column of that name");
    expect_error("{'entities': {'Node': {'columns': {" USER_ID ", 'parent_id': {'type': 'integer',"
                 " 'foreign_key': 'nodes.id'}}, 'relationships': {'parent': {'target': 'Node',"
                 " 'remote_side': ['data']}}}}}",
                 "entity Node", "relationships.parent.remote_side", "table nodes has no column \"data\"");
}
END_TEST

Suite *schema_load_suite(void);

Suite *schema_load_suite(void)
{
    Suite *s = suite_create("schema_load");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, blog_tables_in_dependency_order);
    tcase_add_test(tc, blog_columns);
    tcase_add_test(tc, blog_relationships);
    tcase_add_test(tc, default_table_names);
    tcase_add_test(tc, defaults_and_options);
    tcase_add_test(tc, single_table_inheritance);
    tcase_add_test(tc, self_referential);
    tcase_add_test(tc, custom_joins);
    tcase_add_test(tc, composite_foreign_key_and_cycle);
    tcase_add_test(tc, directory_merged_and_seed_skipped);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, error_duplicate_entity_across_files);
    tcase_add_test(tc, error_duplicate_table_across_files);
    tcase_add_test(tc, error_json_syntax_in_file);
    tcase_add_test(tc, error_json_syntax_and_duplicate_key_in_string);
    tcase_add_test(tc, error_missing_file);
    tcase_add_test(tc, error_unknown_type);
    tcase_add_test(tc, error_unknown_key);
    tcase_add_test(tc, error_missing_type);
    tcase_add_test(tc, error_bad_foreign_key_table);
    tcase_add_test(tc, error_bad_foreign_key_column);
    tcase_add_test(tc, error_bad_on_delete);
    tcase_add_test(tc, error_two_version_columns);
    tcase_add_test(tc, error_version_on_string);
    tcase_add_test(tc, error_read_only_and_write_only);
    tcase_add_test(tc, error_bad_choices);
    tcase_add_test(tc, error_bad_default);
    tcase_add_test(tc, error_min_greater_than_max);
    tcase_add_test(tc, error_min_on_string);
    tcase_add_test(tc, error_length_on_integer);
    tcase_add_test(tc, error_bad_precision_scale);
    tcase_add_test(tc, error_no_primary_key);
    tcase_add_test(tc, error_autoincrement);
    tcase_add_test(tc, error_nullable_primary_key);
    tcase_add_test(tc, error_entity_options);
    tcase_add_test(tc, error_inherits_unknown_parent);
    tcase_add_test(tc, error_polymorphic_on_unknown_column);
    tcase_add_test(tc, error_inheritance_rules);
    tcase_add_test(tc, error_unknown_target);
    tcase_add_test(tc, error_no_fk_path);
    tcase_add_test(tc, error_ambiguous_fk_path);
    tcase_add_test(tc, error_secondary);
    tcase_add_test(tc, error_back_populates_missing);
    tcase_add_test(tc, error_back_populates_mismatch);
    tcase_add_test(tc, error_delete_orphan_many_to_one);
    tcase_add_test(tc, error_bad_lazy);
    tcase_add_test(tc, error_bad_cascade_word);
    tcase_add_test(tc, error_relationship_options);
    suite_add_tcase(s, tc);
    return s;
}
