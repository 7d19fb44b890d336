/* index.c: GET /api (every resource the role may read with its columns,
 * page sizes, relationships (a many-to-one with its foreign-key columns)
 * and association proxies, hidden columns and relationships
 * to hidden resources left out; a column's choices, default, server_default and
 * onupdate as written, but for the defaults of a write-only column, which
 * are values of it) and GET /healthz (200 when the database answers, 503
 * otherwise). */
#include <stdio.h>

#include "orm/convert.h"

#include "routes/routes_int.h"

/* key: the JSON text `written` as the schema wrote it (SPEC §9), if any. */
static void set_written(json_t *j, const char *key, const char *written)
{
    json_t *v = written ? json_loads(written, JSON_DECODE_ANY, NULL) : NULL;
    if (v) json_object_set_new(j, key, v);
}

static json_t *column_json(const orm_mapper *m, const orm_column *c)
{
    json_t *j = json_pack("{s:s, s:s, s:b, s:b, s:b, s:b}", "name", c->name, "type",
                          orm_type_name(c->type), "nullable", c->nullable, "primary_key",
                          c->primary_key, "read_only", orm_mapper_column_server_managed(m, c), "write_only",
                          c->write_only);
    if (!c->write_only) { /* a write-only column's default is one of its values: never shown */
        set_written(j, "default", c->default_json);
        set_written(j, "server_default", c->server_default_json);
    }
    json_t *choices = rm_choices_json(c);
    if (choices) json_object_set_new(j, "choices", choices);
    if (c->onupdate_now) json_object_set_new(j, "onupdate", json_string("now"));
    if (c->deferred) json_object_set_new(j, "deferred", json_true());
    if (c->computed_json) json_object_set_new(j, "computed", json_loads(c->computed_json, 0, NULL)); /* as written */
    return j;
}

/* A many-to-one's foreign-key columns on m (the relationship's local
 * columns, in pair order), or NULL when it is another direction or one of
 * them is not listed for m (then none is named). */
static json_t *fk_columns_json(const orm_mapper *m, const orm_relationship *r)
{
    if (r->direction != ORM_MANY_TO_ONE || !r->npairs) return NULL;
    json_t *names = json_array();
    for (size_t i = 0; i < r->npairs; i++) {
        if (!orm_mapper_column(m, r->local[i]->name, ORM_COL_LISTED)) {
            json_decref(names);
            return NULL;
        }
        json_array_append_new(names, json_string(r->local[i]->name));
    }
    return names;
}

static json_t *relationship_json(const orm_mapper *m, const orm_relationship *r)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:s}", "name", r->name, "target", r->target->name,
                          "direction", orm_direction_name(r->direction), "uselist", r->uselist, "lazy",
                          orm_lazy_name(r->lazy));
    json_t *fk = fk_columns_json(m, r);
    if (fk) json_object_set_new(j, "columns", fk);
    if (r->viewonly) json_object_set_new(j, "viewonly", json_true());
    return j;
}

/* A class of an inheritance hierarchy: its parent's resource (or null),
 * the discriminator, its identity and its direct subclasses' resources
 * (those the role may read). NULL outside hierarchies. */
static json_t *inheritance_json(rm_arena *a, const orm_mapper *m, const orm_scope *scope)
{
    if (!m->inherits && !m->ndescendants) return NULL;
    json_t *subs = json_array(), *identity = json_null();
    if (m->has_identity) { /* as the discriminator's values are written in rows */
        rm_sb sb;
        rm_sb_init(&sb, a);
        orm_value_write_json(&sb, m->polymorphic_on, &m->polymorphic_identity);
        json_decref(identity);
        identity = json_loads(sb.buf, JSON_DECODE_ANY, NULL);
    }
    for (size_t i = 0; i < m->ndescendants; i++)
        if (m->descendants[i]->inherits == m && orm_scope_visible(scope, m->descendants[i]))
            json_array_append_new(subs, json_string(rm_resource_of(m->descendants[i])->name));
    json_t *j = json_pack("{s:o, s:o, s:o, s:o}", "parent",
                          m->inherits ? json_string(rm_resource_of(m->inherits)->name) : json_null(),
                          "polymorphic_on", m->polymorphic_on ? json_string(m->polymorphic_on->name) : json_null(),
                          "polymorphic_identity", identity, "subclasses", subs);
    return j;
}

/* The association proxies m shows (its own and inherited), or NULL for none. */
static json_t *proxies_json(const orm_mapper *m, const orm_scope *scope)
{
    json_t *list = json_array();
    for (const orm_mapper *mm = m; mm; mm = mm->inherits)
        for (size_t i = 0; i < mm->nproxies; i++) {
            const orm_proxy *x = &mm->proxies[i];
            if (!orm_scope_visible(scope, x->through->target)) continue;
            json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:b}", "name", x->name, "through",
                                                  x->through->name, "attribute", x->attribute->name, "type",
                                                  orm_type_name(x->attribute->type), "read_only", x->read_only));
        }
    if (json_array_size(list)) return list;
    json_decref(list);
    return NULL;
}

static json_t *resource_json(rm_arena *a, const orm_mapper *m, const orm_scope *scope)
{
    json_t *cols = json_array(), *rels = json_array();
    for (size_t i = 0; i < m->table->ncolumns; i++)
        if (orm_mapper_column_allows(m, &m->table->columns[i], ORM_COL_LISTED))
            json_array_append_new(cols, column_json(m, &m->table->columns[i]));
    for (const orm_mapper *mm = m; mm; mm = mm->inherits) /* its own, then inherited ones */
        for (size_t i = 0; i < mm->nrelationships; i++)
            if (orm_scope_visible(scope, mm->relationships[i].target))
                json_array_append_new(rels, relationship_json(m, &mm->relationships[i]));
    const rm_resource *res = rm_resource_of(m);
    const char *name = res->name;
    char href[512];
    snprintf(href, sizeof href, "/api/%s", name);
    json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:o, s:i, s:i}", "name", name, "entity", m->name, "href", href,
                          "columns", cols, "relationships", rels, "page_size", res->page_size, "max_page_size",
                          res->max_page_size);
    if (m->viewonly) json_object_set_new(j, "viewonly", json_true()); /* a read-only projection (SPEC §9) */
    json_t *unique = json_array(); /* unique constraints of two or more columns */
    for (size_t i = 0; i < m->table->nindexes; i++) {
        const orm_index *ix = &m->table->indexes[i];
        if (!ix->constraint || ix->ncolumns < 2) continue;
        json_t *names = json_array();
        for (size_t k = 0; k < ix->ncolumns; k++) json_array_append_new(names, json_string(ix->columns[k]->name));
        json_array_append_new(unique, names);
    }
    if (json_array_size(unique)) json_object_set_new(j, "unique", unique);
    else json_decref(unique);
    json_t *inh = inheritance_json(a, m, scope);
    if (inh) json_object_set_new(j, "inheritance", inh);
    json_t *proxies = proxies_json(m, scope);
    if (proxies) json_object_set_new(j, "proxies", proxies);
    if (m->table->nchecks) { /* named checks, as written */
        json_t *checks = json_array();
        for (size_t i = 0; i < m->table->nchecks; i++) {
            const orm_check *ck = &m->table->checks[i];
            json_array_append_new(checks, json_pack("{s:s, s:o}", "name", ck->name, "check",
                                                    json_loads(ck->written, JSON_DECODE_ANY, NULL)));
        }
        json_object_set_new(j, "checks", checks);
    }
    return j;
}

int rm_handle_index(rm_ctx *ctx, const rm_match *at)
{
    const orm_schema *s = ctx->app->schema;
    json_t *list = json_array();
    for (size_t i = 0; i < s->nmappers; i++) /* the resources the role may read */
        if (orm_scope_visible(ctx->session.scope, s->mappers[i]))
            json_array_append_new(list, resource_json(ctx->a, s->mappers[i], ctx->session.scope));
    json_t *doc = json_pack("{s:o}", "resources", list);
    return rm_reply_json_doc(ctx, 200, doc);
}

int rm_handle_healthz(rm_ctx *ctx, const rm_match *at)
{
    /* a unit ends by the statement timeout: a writer holding the write
     * lock longer is stuck, and every write waits behind it */
    orm_engine_stats st;
    orm_engine_stats_get(ctx->app->engine, &st);
    int timeout = orm_engine_statement_timeout_ms(ctx->app->engine);
    if (timeout > 0 && st.writer_held_ms > timeout)
        return rm_refuse(ctx, 503, rm_arena_sprintf(ctx->a, "a writer has held the database for %lld ms, "
                                                            "past the statement timeout (%d ms)",
                                                    st.writer_held_ms, timeout));
    if (orm_engine_ping(ctx->app->engine, &ctx->err)) return rm_refuse(ctx, 503, "the database does not answer");
    static const char ok[] = "{\"status\":\"ok\"}";
    rm_response_body(ctx->resp, 200, "application/json", ok, sizeof ok - 1);
    return 0;
}
