/* resource.c: the REST resources (routes_int.h): for each mapper of the
 * schema, what its entity declares about it as a resource (SPEC §2, §6):
 * the URL segment ("resource", unique), the methods it allows, its page
 * sizes, its permissions (grants per role) and row_filter (compiled once
 * into a criterion template, with the roles exempt from it). The ORM's loader lets these keys
 * through unread (rm_resource_keys); they are read here, once, at app
 * open, with the loader's own rules and messages (orm_decl_reader), so a
 * bad one is reported at start-up like any other schema error. Every other
 * file asks rm_resource_of or rm_resource_named. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "routes/routes_int.h"

const char *const rm_method_names[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
const char *const rm_resource_keys[] = {"resource", "methods", "page_size", "max_page_size",
                                        "permissions", "row_filter", "row_filter_exempt",
                                        "max_bulk_rows", NULL};

/* permission k is bit 1u << k (RM_PERM_*); "*" is every one */
static const char *const permission_names[] = {"read", "create", "update", "delete", "*", NULL};

/* A resource (URL segment): letters, digits, '_' and '-', not starting with
 * '_' (reserved: /api/_batch) or '-'. */
static bool is_segment(const char *s)
{
    if (!*s || *s == '_' || *s == '-') return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-') return false;
    return true;
}

/* "resource": unique among the schema's resources. */
static int read_name(rm_resources *rs, rm_resource *r, const orm_decl_reader *d)
{
    const orm_mapper *m = r->mapper;
    const char *name;
    if (orm_decl_string(d, "resource", &name)) return ORM_E_SCHEMA;
    if (!name) name = m->inherits || m->viewonly ? orm_default_table_name(d->tmp, m->name) : m->table->name;
    if (!is_segment(name))
        return orm_decl_fail(d, "resource",
                             "\"%s\" is not a valid URL segment (letters, digits, _ and -, not starting with _ or -)",
                             name);
    const rm_resource *other = rm_resource_named(rs, name);
    if (other)
        return orm_decl_fail(d, "resource", "\"%s\" is already the resource of entity %s (%s)", name,
                             other->mapper->name, other->mapper->source);
    r->name = rm_arena_strdup(rs->arena, name);
    rm_strmap_put(&rs->by_name, r->name, r);
    return 0;
}

static int read_paging(rm_resource *r, const orm_decl_reader *d)
{
    bool given;
    r->page_size = 20;
    r->max_page_size = 1000;
    r->max_bulk_rows = 1000;
    bool bulk_given;
    if (orm_decl_int(d, "page_size", 1, INT_MAX, &r->page_size, &given) ||
        orm_decl_int(d, "max_page_size", 1, INT_MAX, &r->max_page_size, &given) ||
        orm_decl_int(d, "max_bulk_rows", 1, INT_MAX, &r->max_bulk_rows, &bulk_given))
        return ORM_E_SCHEMA;
    if (r->max_page_size < r->page_size)
        return orm_decl_fail(d, given ? "max_page_size" : "page_size",
                             "page_size (%d) is greater than max_page_size (%d)", r->page_size, r->max_page_size);
    return 0;
}

/* "permissions": {"role": ["read", "create", "update", "delete" | "*"]}. */
static int read_permissions(rm_resources *rs, rm_resource *r, const orm_decl_reader *d)
{
    const char *role;
    json_t *v, *perms;
    unsigned bits;
    if (orm_decl_object(d, "permissions", &perms)) return ORM_E_SCHEMA;
    if (!perms) return 0;
    r->grants = RM_NEW_ARRAY(rs->arena, rm_grant, json_object_size(perms) + 1);
    json_object_foreach(perms, role, v) {
        if (orm_decl_words(d, rm_arena_sprintf(d->tmp, "permissions.%s", role), v, permission_names,
                           "permission", &bits))
            return ORM_E_SCHEMA;
        if (bits & (1u << 4)) bits |= RM_PERM_ALL;
        r->grants[r->ngrants++] = (rm_grant){rm_arena_strdup(rs->arena, role), bits & RM_PERM_ALL};
    }
    r->has_permissions = true;
    return 0;
}

/* "row_filter": a filter over the resource's rows, compiled once (claims
 * bound per request); "row_filter_exempt": ["role", ...]. */
static int read_row_filter(rm_resources *rs, rm_resource *r, const orm_decl_reader *d)
{
    json_t *filter, *exempt = json_object_get(r->mapper->decl, "row_filter_exempt");
    if (orm_decl_object(d, "row_filter", &filter)) return ORM_E_SCHEMA;
    if (exempt && !filter) return orm_decl_fail(d, "row_filter_exempt", "is only meaningful with a row_filter");
    if (!filter) return 0;
    orm_error ferr;
    orm_error_init(&ferr, d->tmp);
    if (orm_filter_parse_criterion(rs->arena, r->mapper, filter, "", &r->row_criterion, &ferr))
        return orm_decl_fail(d, "row_filter", "%s%s%s", ferr.nfields ? ferr.fields[0].message : ferr.detail,
                             ferr.nfields && *ferr.fields[0].pointer ? " at " : "",
                             ferr.nfields ? ferr.fields[0].pointer : "");
    if (!r->row_criterion.expr) return 0; /* {}: every row */
    if (!exempt) return 0;
    if (!json_is_array(exempt)) return orm_decl_fail(d, "row_filter_exempt", "must be an array of role names");
    r->exempt = RM_NEW_ARRAY(rs->arena, const char *, json_array_size(exempt) + 1);
    size_t i;
    json_t *role;
    json_array_foreach(exempt, i, role) {
        if (!json_is_string(role) || !json_string_length(role))
            return orm_decl_fail(d, "row_filter_exempt", "must be an array of role names");
        r->exempt[r->nexempt++] = rm_arena_strdup(rs->arena, json_string_value(role));
    }
    return 0;
}

/* One mapper's record, its keys read in the order the loader once read them. */
static int read_resource(rm_resources *rs, rm_resource *r, orm_error *err, rm_arena *tmp)
{
    orm_decl_reader d;
    orm_decl_reader_init(&d, r->mapper, err, tmp);
    json_t *methods = json_object_get(r->mapper->decl, "methods");
    r->methods = RM_ALLOW_ALL;
    if (read_name(rs, r, &d) ||
        (methods && orm_decl_words(&d, "methods", methods, rm_method_names, "method", &r->methods)) ||
        read_paging(r, &d) || read_permissions(rs, r, &d) || read_row_filter(rs, r, &d))
        return ORM_E_SCHEMA;
    /* a view-only projection (SPEC §9) answers GET, HEAD and OPTIONS only */
    if (r->mapper->viewonly && methods && (r->methods & ~(unsigned)RM_ALLOW_READ))
        return orm_decl_fail(&d, "methods", "entity %s is view-only: it answers GET only", r->mapper->name);
    if (r->mapper->viewonly) r->methods = RM_ALLOW_READ;
    return 0;
}

/* The text sb holds, as a piece (the arena keeps it). */
static rm_piece piece_of(const rm_sb *sb) { return (rm_piece){sb->buf, sb->len}; }

/* What serialize.c writes for r's every object, built once (see rm_resource). */
static void build_writer_texts(rm_arena *a, rm_resource *r)
{
    const orm_mapper *m = r->mapper;
    rm_sb sb;
    rm_sb_init(&sb, a);
    rm_sb_append(&sb, "/api/");
    rm_sb_append(&sb, r->name);
    rm_sb_appendc(&sb, '/');
    r->path_prefix = piece_of(&sb);
    r->member_keys = RM_NEW_ARRAY(a, rm_piece, m->table->ncolumns);
    for (size_t i = 0; i < m->table->ncolumns; i++) {
        const char *name = m->table->columns[i].name;
        rm_sb_init(&sb, a);
        rm_sb_append_json_string(&sb, name, strlen(name));
        rm_sb_appendc(&sb, ':');
        r->member_keys[i] = piece_of(&sb);
    }
    r->link_heads = RM_NEW_ARRAY(a, rm_piece, m->nrelationships);
    r->link_tails = RM_NEW_ARRAY(a, rm_piece, m->nrelationships);
    for (size_t i = 0; i < m->nrelationships; i++) {
        const char *name = m->relationships[i].name;
        rm_sb_init(&sb, a);
        rm_sb_appendc(&sb, ',');
        rm_sb_append_json_string(&sb, name, strlen(name));
        rm_sb_append(&sb, ":\"");
        r->link_heads[i] = piece_of(&sb);
        rm_sb_init(&sb, a);
        rm_sb_appendc(&sb, '/');
        rm_sb_append_json_chars(&sb, name, strlen(name));
        rm_sb_appendc(&sb, '"');
        r->link_tails[i] = piece_of(&sb);
    }
}

int rm_resources_build(rm_resources *rs, orm_schema *s, orm_error *err)
{
    rs->arena = rm_arena_new();
    rm_strmap_init(&rs->by_name);
    rs->items = RM_NEW_ARRAY(rs->arena, rm_resource, s->nmappers);
    rs->n = s->nmappers;
    rm_arena *tmp = rm_arena_new();
    int rc = 0;
    for (size_t i = 0; i < s->nmappers && !rc; i++) {
        rm_resource *r = &rs->items[i];
        r->mapper = s->mappers[i];
        s->mappers[i]->info = r;
        rc = read_resource(rs, r, err, tmp);
        if (!rc) build_writer_texts(rs->arena, r);
    }
    rm_arena_destroy(tmp);
    return rc;
}

void rm_resources_free(rm_resources *rs)
{
    if (!rs->arena) return;
    rm_strmap_free(&rs->by_name);
    rm_arena_destroy(rs->arena);
    *rs = (rm_resources){0};
}

const rm_resource *rm_resource_named(const rm_resources *rs, const char *name)
{
    return rm_strmap_get(&rs->by_name, name);
}

const rm_resource *rm_resource_of(const orm_mapper *m) { return m->info; }
