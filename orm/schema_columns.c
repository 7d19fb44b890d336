/* schema_columns.c: the tables phase of schema loading: each plain table
 * and base entity gets its table, each inheriting entity adds its columns
 * to its base's table (single-table inheritance), and every column's
 * declaration is checked key by key: type, flags, limits, version counter,
 * foreign key (bound later, in relationship.c), choices, default (a literal
 * or a generator), server_default and onupdate (SPEC §9), and its SQL name
 * ("column": the name SQL and DDL use, the key everywhere else; one SQL
 * column has one key in a table). Then
 * each table gets its primary key and autoincrement. Errors name the file,
 * the entity or table and the key, through schema_loader.c. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "orm/convert.h"
#include "orm/defaults.h"
#include "orm/schema_load_int.h"

static const char *const column_keys[] = {
    "type", "primary_key", "autoincrement", "nullable", "unique", "index", "default",
    "foreign_key", "on_delete", "choices", "min", "max", "length", "precision", "scale",
    "hidden", "read_only", "write_only", "version", "column", "server_default", "onupdate", "deferred",
    "computed", NULL};
static const char *const computed_keys[] = {"computed", "deferred", NULL};
static const char *const type_names[] = {
#define X(n, s) s,
    ORM_TYPES(X)
#undef X
    NULL};

/* ---- columns ----------------------------------------------------------------------- */

/* Room for one more column in td; returns it zeroed, with its info. */
static orm_column *add_column(orm_loader *L, orm_tdecl *td, orm_colinfo **info)
{
    orm_table *t = td->table;
    if (t->ncolumns == td->cap) {
        size_t ncap = td->cap ? td->cap * 2 : 8;
        t->columns = rm_arena_realloc(L->s->arena, t->columns, td->cap * sizeof *t->columns,
                                      ncap * sizeof *t->columns);
        td->info = rm_arena_realloc(L->tmp, td->info, td->cap * sizeof *td->info,
                                    ncap * sizeof *td->info);
        td->cap = ncap;
    }
    orm_column *c = &t->columns[t->ncolumns];
    memset(c, 0, sizeof *c);
    c->table = t;
    c->index = (int)t->ncolumns++;
    *info = &td->info[c->index];
    memset(*info, 0, sizeof **info);
    return c;
}

static int parse_type(orm_loader *L, const orm_origin *o, const char *p, json_t *col, orm_column *c)
{
    json_t *v = json_object_get(col, "type");
    if (!v)
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "type"),
                               "missing (one of %s)", orm_loader_list_text(L, type_names));
    if (!json_is_string(v))
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "type"), "must be a string (one of %s)",
                               orm_loader_list_text(L, type_names));
    if (orm_type_parse(json_string_value(v), &c->type))
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "type"), "unknown type \"%s\"%s",
                               json_string_value(v), orm_loader_suggest(L, json_string_value(v), type_names));
    return 0;
}

/* primary_key, nullable, unique, index, hidden, read_only, write_only,
 * autoincrement (kept as given: finish_table decides). */
static int parse_flags(orm_loader *L, const orm_origin *o, const char *p, json_t *col,
                       orm_column *c, orm_colinfo *ci)
{
    bool autoinc = false;
    if (orm_loader_get_bool(L, o, p, col, "primary_key", &c->primary_key)) return ORM_E_SCHEMA;
    c->nullable = !c->primary_key;
    if (orm_loader_get_bool(L, o, p, col, "nullable", &c->nullable) ||
        orm_loader_get_bool(L, o, p, col, "unique", &c->unique) ||
        orm_loader_get_bool(L, o, p, col, "index", &c->indexed) ||
        orm_loader_get_bool(L, o, p, col, "hidden", &c->hidden) ||
        orm_loader_get_bool(L, o, p, col, "read_only", &c->read_only) ||
        orm_loader_get_bool(L, o, p, col, "write_only", &c->write_only) ||
        orm_loader_get_bool(L, o, p, col, "autoincrement", &autoinc))
        return ORM_E_SCHEMA;
    ci->autoincrement = json_object_get(col, "autoincrement") ? autoinc : -1;
    if (c->primary_key && c->nullable)
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "nullable"),
                               "a primary key column cannot be nullable");
    if (c->read_only && c->write_only)
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "write_only"),
                               "a column cannot be both read_only and write_only");
    if (c->primary_key && (c->hidden || c->write_only))
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, c->hidden ? "hidden" : "write_only"),
                               "a primary key column is always shown");
    return 0;
}

static bool is_numeric_type(orm_type t)
{
    return t == ORM_T_INTEGER || t == ORM_T_BIGINT || t == ORM_T_FLOAT || t == ORM_T_NUMERIC;
}

/* length, precision/scale, min/max: each only for the types it applies to. */
static int parse_limits(orm_loader *L, const orm_origin *o, const char *p, json_t *col, orm_column *c)
{
    bool has_len, has_prec, has_scale;
    json_t *v;
    if (orm_loader_get_int(L, o, p, col, "length", 1, INT_MAX, &c->length, &has_len) ||
        orm_loader_get_int(L, o, p, col, "precision", 1, 1000, &c->precision, &has_prec) ||
        orm_loader_get_int(L, o, p, col, "scale", 0, 1000, &c->scale, &has_scale))
        return ORM_E_SCHEMA;
    if (has_len && c->type != ORM_T_STRING)
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "length"),
                               "only for string columns (this one is %s)",
                               orm_type_name(c->type));
    if ((has_prec || has_scale) && c->type != ORM_T_NUMERIC)
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, has_prec ? "precision" : "scale"),
                               "only for numeric columns (this one is %s)", orm_type_name(c->type));
    if (has_scale && !has_prec)
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "scale"), "needs a precision");
    if (has_scale && c->scale > c->precision)
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "scale"), "must be at most the precision (%d)",
                               c->precision);
    for (int i = 0; i < 2; i++) {
        const char *key = i ? "max" : "min";
        if (!(v = json_object_get(col, key))) continue;
        if (!is_numeric_type(c->type))
            return orm_loader_fail(L, o, orm_loader_subpath(L, p, key),
                                   "only for integer, bigint, float and numeric columns (this one is %s)",
                                   orm_type_name(c->type));
        if (!json_is_number(v))
            return orm_loader_fail(L, o, orm_loader_subpath(L, p, key), "must be a number");
        *(i ? &c->max : &c->min) = json_number_value(v);
        *(i ? &c->has_max : &c->has_min) = true;
    }
    if (c->has_min && c->has_max && c->min > c->max)
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "min"),
                               "must not be greater than max (%g > %g)",
                               c->min, c->max);
    return 0;
}

int orm_loader_parse_on_delete(const char *s, orm_on_delete *out)
{
    static const struct { const char *name; orm_on_delete v; } names[] = {
        {"cascade", ORM_FK_CASCADE}, {"set null", ORM_FK_SET_NULL}, {"restrict", ORM_FK_RESTRICT},
        {"no action", ORM_FK_NO_ACTION}, {"set default", ORM_FK_SET_DEFAULT}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].v;
            return 0;
        }
    return -1;
}

/* "table.column" and the optional on_delete; resolved in relationship.c. */
static int parse_foreign_key(orm_loader *L, const orm_origin *o, const char *p, json_t *col,
                             orm_column *c)
{
    const char *ref, *ondel, *dot;
    if (orm_loader_get_string(L, o, p, col, "foreign_key", &ref) ||
        orm_loader_get_string(L, o, p, col, "on_delete", &ondel))
        return ORM_E_SCHEMA;
    if (!ref) {
        if (ondel) return orm_loader_fail(L, o, orm_loader_subpath(L, p, "on_delete"), "needs a foreign_key");
        return 0;
    }
    dot = strchr(ref, '.');
    if (!dot || dot == ref || !dot[1] || strchr(dot + 1, '.'))
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "foreign_key"),
                               "must be \"table.column\", not \"%s\"", ref);
    c->fk = RM_NEW(L->s->arena, orm_foreign_key);
    c->fk->table_name = rm_arena_strndup(L->s->arena, ref, (size_t)(dot - ref));
    c->fk->column_name = rm_arena_strdup(L->s->arena, dot + 1);
    if (ondel && orm_loader_parse_on_delete(ondel, &c->fk->on_delete))
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "on_delete"),
                               "unknown action \"%s\" (one of cascade, set null, restrict, no action, set default)",
                               ondel);
    if (c->fk->on_delete == ORM_FK_SET_NULL && !c->nullable)
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "on_delete"),
                               "\"set null\" on a column that is not nullable");
    return 0;
}

static int parse_choices(orm_loader *L, const orm_origin *o, const char *p, json_t *col, orm_column *c)
{
    json_t *v = json_object_get(col, "choices");
    const char *path = orm_loader_subpath(L, p, "choices");
    if (!v) return 0;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return orm_loader_fail(L, o, path, "must be a non-empty array of %s values", orm_type_name(c->type));
    size_t n = json_array_size(v);
    orm_value *choices = RM_NEW_ARRAY(L->s->arena, orm_value, n);
    for (size_t i = 0; i < n; i++) {
        const char *ipath = rm_arena_sprintf(L->tmp, "%s[%zu]", path, i);
        json_t *e = json_array_get(v, i);
        if (json_is_null(e)) return orm_loader_fail(L, o, ipath, "null is not a choice (use nullable)");
        if (orm_loader_convert_literal(L, o, ipath, c, e, &choices[i])) return ORM_E_SCHEMA;
        for (size_t k = 0; k < i; k++)
            if (orm_value_eq(&choices[k], &choices[i]))
                return orm_loader_fail(L, o, ipath, "duplicate choice");
    }
    c->choices = choices;
    c->nchoices = n;
    return 0;
}

static bool is_time(const orm_column *c) { return c->type == ORM_T_DATE || c->type == ORM_T_DATETIME; }

/* v as written (compact JSON), kept for GET /api. */
static const char *written(orm_loader *L, json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    const char *copy = text ? rm_arena_strdup(L->s->arena, text) : NULL;
    free(text);
    return copy;
}

/* An object whose first key starts with "$" is a generator ({"$uuid4":
 * true}, {"$now": true}), also on a json column; anything else is a
 * literal. */
static bool is_generator(json_t *v)
{
    void *it = json_is_object(v) ? json_object_iter(v) : NULL;
    return it && json_object_iter_key(it)[0] == '$';
}

static int parse_generator(orm_loader *L, const orm_origin *o, const char *path, json_t *v, orm_column *c)
{
    const char *name = json_object_iter_key(json_object_iter(v));
    if (json_object_size(v) != 1 || !json_is_true(json_object_get(v, name)))
        return orm_loader_fail(L, o, path, "a generator is one key set to true ({\"$uuid4\": true} or {\"$now\": true})");
    if (strcmp(name, "$uuid4") == 0) {
        if (c->type != ORM_T_UUID && c->type != ORM_T_STRING)
            return orm_loader_fail(L, o, path, "$uuid4 is only for uuid and string columns (this one is %s)",
                                   orm_type_name(c->type));
        if (c->length && c->length < 36)
            return orm_loader_fail(L, o, path, "$uuid4 makes 36 characters (the length is %d)", c->length);
        c->generator = ORM_GEN_UUID4;
    } else if (strcmp(name, "$now") == 0) {
        if (!is_time(c))
            return orm_loader_fail(L, o, path, "$now is only for date and datetime columns (this one is %s)",
                                   orm_type_name(c->type));
        c->generator = ORM_GEN_NOW;
    } else {
        return orm_loader_fail(L, o, path, "unknown generator \"%s\" (one of $uuid4, $now)", name);
    }
    if (c->nchoices)
        return orm_loader_fail(L, o, path, "a generator cannot promise a value among the choices");
    return 0;
}

/* "default" (v, at path): a literal of the column's type, or a generator
 * (SPEC §9). */
static int parse_default(orm_loader *L, const orm_origin *o, const char *path, json_t *col, json_t *v,
                         orm_column *c)
{
    c->default_json = written(L, v);
    if (is_generator(v)) return parse_generator(L, o, path, v, c);
    if (json_is_null(v) && !c->nullable)
        return orm_loader_fail(L, o, path, "null for a column that is not nullable");
    if (orm_loader_convert_literal(L, o, path, c, v, &c->default_value))
        return ORM_E_SCHEMA;
    c->has_default = true;
    return 0;
}

/* "server_default": "now" on a date or datetime column, "uuid" on a uuid
 * column, else a literal of the column's type (SPEC §9). */
static int parse_server_default(orm_loader *L, const orm_origin *o, const char *path, json_t *col, json_t *v,
                                orm_column *c)
{
    if (json_object_get(col, "default"))
        return orm_loader_fail(L, o, path, "a column has a default or a server_default, not both");
    if (json_is_null(v)) return orm_loader_fail(L, o, path, "must be a value (leave it out for none)");
    c->server_default_json = written(L, v);
    const char *text = json_is_string(v) ? json_string_value(v) : "";
    if (strcmp(text, "now") == 0 && is_time(c)) {
        c->server_default = ORM_SD_NOW;
    } else if (strcmp(text, "uuid") == 0 && c->type == ORM_T_UUID) {
        c->server_default = ORM_SD_UUID;
    } else {
        if (orm_loader_convert_literal(L, o, path, c, v, &c->server_default_value)) return ORM_E_SCHEMA;
        c->server_default = ORM_SD_LITERAL;
    }
    if (c->nchoices && c->server_default != ORM_SD_LITERAL)
        return orm_loader_fail(L, o, path, "the database's value cannot promise one of the choices");
    return 0;
}

/* "onupdate": "now" on a date or datetime column that a new row gets a
 * value for (a default or a server_default). */
static int parse_onupdate(orm_loader *L, const orm_origin *o, const char *path, json_t *col, json_t *v,
                          orm_column *c)
{
    if (!json_is_string(v) || strcmp(json_string_value(v), "now") != 0)
        return orm_loader_fail(L, o, path, "must be \"now\"");
    if (!is_time(c))
        return orm_loader_fail(L, o, path, "only for date and datetime columns (this one is %s)",
                               orm_type_name(c->type));
    if (c->primary_key) return orm_loader_fail(L, o, path, "a primary key column cannot change");
    if (!c->has_default && c->generator == ORM_GEN_NONE && c->server_default == ORM_SD_NONE)
        return orm_loader_fail(L, o, path, "needs a default or a server_default (the INSERT's value)");
    c->onupdate_now = true;
    return 0;
}

/* "default", "server_default" and "onupdate", each when present, in that
 * order (each one's checks may rely on the ones before). */
static int parse_defaults(orm_loader *L, const orm_origin *o, const char *p, json_t *col, orm_column *c)
{
    static const struct {
        const char *key;
        int (*parse)(orm_loader *, const orm_origin *, const char *, json_t *, json_t *, orm_column *);
    } keys[] = {{"default", parse_default}, {"server_default", parse_server_default}, {"onupdate", parse_onupdate}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(col, keys[i].key);
        if (v && keys[i].parse(L, o, orm_loader_subpath(L, p, keys[i].key), col, v, c)) return ORM_E_SCHEMA;
    }
    return 0;
}

/* "version": an integer counter, at most one per table (and so per entity
 * hierarchy), never part of the key; only entities have one. */
static int parse_version(orm_loader *L, const orm_origin *o, const char *p, json_t *col,
                         orm_tdecl *td, orm_column *c, bool entity)
{
    if (orm_loader_get_bool(L, o, p, col, "version", &c->version)) return ORM_E_SCHEMA;
    if (!c->version) return 0;
    const char *path = orm_loader_subpath(L, p, "version");
    if (!entity) return orm_loader_fail(L, o, path, "only an entity's column can be a version counter");
    if (c->type != ORM_T_INTEGER && c->type != ORM_T_BIGINT)
        return orm_loader_fail(L, o, path, "a version column must be integer or bigint (this one is %s)",
                               orm_type_name(c->type));
    if (c->primary_key)
        return orm_loader_fail(L, o, path, "a primary key column cannot be the version column");
    if (td->version_index >= 0)
        return orm_loader_fail(L, o, path, "a second version column (\"%s\" already is one)",
                               td->table->columns[td->version_index].name);
    td->version_index = c->index;
    return 0;
}

/* "column": the SQL column's name (else the key), one key per SQL column. */
static int parse_sql_name(orm_loader *L, orm_tdecl *td, const orm_origin *o, const char *p, json_t *col,
                          orm_column *c)
{
    json_t *v = json_object_get(col, "column");
    const char *path = orm_loader_subpath(L, p, "column");
    c->sql_name = c->name;
    if (v) {
        if (!json_is_string(v) || !json_string_length(v))
            return orm_loader_fail(L, o, path, "must be a non-empty string (the SQL column's name)");
        if (!orm_loader_is_ident(json_string_value(v)))
            return orm_loader_fail(L, o, path, "\"%s\" is not a valid column name", json_string_value(v));
        c->sql_name = rm_arena_strdup(L->s->arena, json_string_value(v));
    }
    for (size_t i = 0; i < td->table->ncolumns; i++) {
        const orm_column *other = &td->table->columns[i];
        if (other != c && other->sql_name && !strcmp(other->sql_name, c->sql_name))
            return orm_loader_fail(L, o, v ? path : p, "column \"%s\" of table %s already has the key \"%s\"",
                                   c->sql_name, td->table->name, other->name);
    }
    return 0;
}

/* "deferred": only on a column the API shows and that no write needs to
 * know (never a key, version, hidden or write_only column; a discriminator
 * is refused once mappers are built, in computed.c). */
static int parse_deferred(orm_loader *L, const orm_origin *o, const char *p, json_t *col, orm_column *c,
                          bool entity)
{
    if (orm_loader_get_bool(L, o, p, col, "deferred", &c->deferred)) return ORM_E_SCHEMA;
    if (!c->deferred) return 0;
    const char *path = orm_loader_subpath(L, p, "deferred");
    if (!entity) return orm_loader_fail(L, o, path, "only an entity's column can be deferred");
    const char *why = c->primary_key ? "a primary key" : c->version ? "the version" : c->hidden ? "a hidden"
                      : c->write_only ? "a write_only" : NULL;
    if (why) return orm_loader_fail(L, o, path, "%s column cannot be deferred", why);
    return 0;
}

/* A computed attribute: a read-only column the database computes, never
 * stored; its declaration is kept as written and compiled by computed.c
 * once relationships are resolved (its type is inferred there). */
static int parse_computed(orm_loader *L, const orm_origin *o, const char *p, json_t *col, orm_column *c,
                          bool entity)
{
    json_t *spec = json_object_get(col, "computed");
    const char *path = orm_loader_subpath(L, p, "computed");
    const char *key;
    json_t *v;
    json_object_foreach(col, key, v) {
        if (!orm_loader_in_list(key, computed_keys))
            return orm_loader_fail(L, o, orm_loader_subpath(L, p, key),
                                   "a computed attribute takes no other option than deferred (its type is "
                                   "inferred)");
    }
    if (!entity) return orm_loader_fail(L, o, path, "only an entity can have computed attributes");
    if (!json_is_object(spec) || !json_object_size(spec))
        return orm_loader_fail(L, o, path, "must be an object: an aggregate ({\"count\": \"rel\"}...) or an "
                               "expression ({\"add\": [...]}...)");
    char *text = json_dumps(spec, JSON_COMPACT | JSON_PRESERVE_ORDER);
    c->computed_json = rm_arena_strdup(L->s->arena, text ? text : "{}");
    free(text);
    c->type = ORM_T_STRING; /* until computed.c infers it */
    c->nullable = true;
    c->read_only = true;
    return orm_loader_get_bool(L, o, p, col, "deferred", &c->deferred);
}

/* One column of a table or entity. extra: declared by an inheriting entity
 * on its base's table (then it must be nullable and not a key). */
static int parse_column(orm_loader *L, orm_tdecl *td, const orm_origin *o, const char *name,
                        json_t *col, bool entity, bool extra)
{
    const char *p = rm_arena_sprintf(L->tmp, "columns.%s", name);
    orm_colinfo *ci;
    if (!orm_loader_is_ident(name))
        return orm_loader_fail(L, o, p,
                               "not a valid column name (letters, digits and _, not starting with a digit)");
    if (orm_table_column(td->table, name))
        return orm_loader_fail(L, o, p, "column \"%s\" already exists in table %s", name, td->table->name);
    if (!json_is_object(col)) return orm_loader_fail(L, o, p, "must be an object");
    if (orm_loader_check_keys(L, o, p, col, column_keys)) return ORM_E_SCHEMA;
    orm_column *c = add_column(L, td, &ci);
    c->name = rm_arena_strdup(L->s->arena, name);
    ci->origin = *o;
    if (parse_sql_name(L, td, o, p, col, c)) return ORM_E_SCHEMA;
    if (json_object_get(col, "computed")) return parse_computed(L, o, p, col, c, entity);
    if (parse_type(L, o, p, col, c) || parse_flags(L, o, p, col, c, ci) || parse_limits(L, o, p, col, c) ||
        parse_version(L, o, p, col, td, c, entity) || parse_foreign_key(L, o, p, col, c) ||
        parse_choices(L, o, p, col, c) || parse_defaults(L, o, p, col, c) ||
        parse_deferred(L, o, p, col, c, entity))
        return ORM_E_SCHEMA;
    if (extra && c->primary_key)
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "primary_key"),
                               "an inheriting entity cannot add key columns to its base's table");
    if (extra && !c->nullable)
        return orm_loader_fail(L, o, orm_loader_subpath(L, p, "nullable"),
                               "a column of an inheriting entity must be nullable (the table is shared)");
    return 0;
}

static int parse_columns(orm_loader *L, orm_tdecl *td, const orm_origin *o, json_t *obj, bool entity,
                         bool extra)
{
    json_t *cols = json_object_get(obj, "columns"), *v;
    const char *name;
    if (!cols) {
        if (extra) return 0;
        return orm_loader_fail(L, o, "columns", "missing (a table needs columns)");
    }
    if (!json_is_object(cols) || (!extra && json_object_size(cols) == 0))
        return orm_loader_fail(L, o, "columns", "must be a non-empty object of columns");
    json_object_foreach(cols, name, v) {
        if (parse_column(L, td, o, name, v, entity, extra)) return ORM_E_SCHEMA;
    }
    return 0;
}

/* ---- tables ------------------------------------------------------------------------ */

/* A new table named name for declaration d, registered by name. */
static int add_table(orm_loadctx *C, orm_decl *d, const char *name, const char *path, orm_tdecl **out)
{
    orm_loader *L = &C->L;
    orm_schema *s = L->s;
    orm_table *prev = rm_strmap_get(&s->tables_by_name, name);
    if (!orm_loader_is_ident(name))
        return orm_loader_fail(L, &d->origin, path, "\"%s\" is not a valid table name", name);
    if (prev) {
        orm_tdecl *pd = orm_loader_tdecl(L, prev);
        return orm_loader_fail(L, &d->origin, path, "table \"%s\" is already declared by %s (%s)%s", name,
                               pd->origin.what, pd->origin.source,
                               d->entity && prev->mapper ? ": a second entity over it must be \"viewonly\": true" : "");
    }
    if (L->ntables == L->captables) {
        size_t ncap = L->captables ? L->captables * 2 : 16;
        L->tables = rm_arena_realloc(L->tmp, L->tables, L->captables * sizeof *L->tables,
                                     ncap * sizeof *L->tables);
        L->captables = ncap;
    }
    orm_tdecl *td = &L->tables[L->ntables++];
    memset(td, 0, sizeof *td);
    td->origin = d->origin;
    td->version_index = -1;
    td->table = RM_NEW(s->arena, orm_table);
    td->table->name = rm_arena_strdup(s->arena, name);
    td->table->source = rm_arena_strdup(s->arena, d->origin.source);
    rm_strmap_put(&s->tables_by_name, td->table->name, td->table);
    *out = td;
    return 0;
}

/* The table of a plain-table declaration or of a base entity. */
static int build_base_table(orm_loadctx *C, orm_decl *d)
{
    orm_loader *L = &C->L;
    const char *name = d->name, *path = NULL;
    orm_tdecl *td = NULL;
    if (d->entity) {
        if (orm_loader_get_string(L, &d->origin, NULL, d->json, "table", &name)) return ORM_E_SCHEMA;
        if (name) path = "table";
        else name = orm_default_table_name(L->tmp, d->name);
    }
    if (add_table(C, d, name, path, &td)) return ORM_E_SCHEMA;
    if (d->entity) {
        d->m->table = d->store = td->table;
        td->table->mapper = d->m;
    }
    int rc = parse_columns(L, td, &d->origin, d->json, d->entity, false);
    d->col_first = 0;
    d->col_end = td->table->ncolumns;
    return rc;
}

/* An inheriting entity: with a "table" of its own (other than its
 * parent's), joined-table inheritance: a new table (its key is checked
 * against the parent's once tables are finished, schema_mappers.c); else
 * its parent's table, plus the columns it adds (single-table). */
static int build_child_table(orm_loadctx *C, orm_decl *d)
{
    orm_loader *L = &C->L;
    const char *name;
    orm_table *parent = d->m->inherits->table;
    if (orm_loader_get_string(L, &d->origin, NULL, d->json, "table", &name)) return ORM_E_SCHEMA;
    if (name && strcmp(name, parent->name) != 0) {
        orm_tdecl *td = NULL;
        if (add_table(C, d, name, "table", &td)) return ORM_E_SCHEMA;
        d->m->table = d->store = td->table;
        td->table->mapper = d->m;
        d->joined = true;
        int rc = parse_columns(L, td, &d->origin, d->json, true, false);
        d->col_end = td->table->ncolumns;
        return rc;
    }
    d->m->table = d->store = parent;
    d->col_first = d->m->table->ncolumns;
    int rc = parse_columns(L, orm_loader_tdecl(L, d->m->table), &d->origin, d->json, true, true);
    d->col_end = d->m->table->ncolumns;
    return rc;
}

/* Primary-key array and autoincrement (as SQLAlchemy's "auto": a single
 * integer key without foreign key or default; an explicit false turns it
 * off, an explicit true needs a single integer key). */
static int finish_table(orm_loader *L, orm_tdecl *td)
{
    orm_table *t = td->table;
    for (size_t i = 0; i < t->ncolumns; i++) t->npk += t->columns[i].primary_key;
    if (!t->npk)
        return orm_loader_fail(L, &td->origin, "columns",
                               "no primary key column (give one \"primary_key\": true)");
    t->pk = RM_NEW_ARRAY(L->s->arena, orm_column *, t->npk);
    for (size_t i = 0, k = 0; i < t->ncolumns; i++)
        if (t->columns[i].primary_key) t->pk[k++] = &t->columns[i];
    for (size_t i = 0; i < t->ncolumns; i++) {
        orm_column *c = &t->columns[i];
        orm_colinfo *ci = &td->info[i];
        bool integer = c->type == ORM_T_INTEGER || c->type == ORM_T_BIGINT;
        if (ci->autoincrement == 1) {
            const char *path = rm_arena_sprintf(L->tmp, "columns.%s.autoincrement", c->name);
            if (!c->primary_key || !integer)
                return orm_loader_fail(L, &ci->origin, path, "only an integer primary key can autoincrement");
            if (t->npk > 1)
                return orm_loader_fail(L, &ci->origin, path, "a composite primary key cannot autoincrement");
            c->autoincrement = true;
        } else if (ci->autoincrement == -1) {
            c->autoincrement = c->primary_key && integer && t->npk == 1 && !c->fk && !orm_column_defaulted(c);
        }
    }
    return 0;
}

int orm_loader_build_tables(orm_loadctx *C)
{
    for (size_t i = 0; i < C->ndecls; i++) {
        orm_decl *d = &C->decls[i];
        if ((!d->entity || (!d->m->inherits && !d->viewonly)) && build_base_table(C, d)) return ORM_E_SCHEMA;
    }
    for (int depth = 1; depth <= C->maxdepth; depth++)
        for (size_t i = 0; i < C->ndecls; i++) {
            orm_decl *d = &C->decls[i];
            if (d->entity && d->depth == depth && build_child_table(C, d)) return ORM_E_SCHEMA;
        }
    for (size_t i = 0; i < C->L.ntables; i++)
        if (finish_table(&C->L, &C->L.tables[i])) return ORM_E_SCHEMA;
    return 0;
}
