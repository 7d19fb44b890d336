/* serialize.c: mapped rows → JSON text, written straight into one string
 * builder (no intermediate json_t tree), and the URLs objects link to. */
#include <stdlib.h>
#include <string.h>

#include "orm/convert.h"
#include "orm/related_count.h"
#include "routes/routes_int.h"

/* Append m's object path for row: /api/<resource>/<key>[,<key>...]. */
static void append_object_path(rm_sb *sb, const orm_mapper *m, const orm_value *row)
{
    const rm_piece *prefix = &rm_resource_of(m)->path_prefix;
    rm_sb_appendn(sb, prefix->s, prefix->len);
    for (size_t i = 0; i < m->table->npk; i++) {
        if (i) rm_sb_appendc(sb, ',');
        const orm_value *v = &row[m->table->pk[i]->index];
        if (v->kind == ORM_V_INT) {
            rm_sb_append_int(sb, (long long)v->u.i); /* the common key: no printf, no copy */
            continue;
        }
        const char *t = orm_value_to_text(sb->arena, v);
        rm_percent_encode(sb, t, strlen(t));
    }
}

const char *rm_object_path(rm_arena *a, const orm_mapper *m, const orm_value *row)
{
    rm_sb sb;
    rm_sb_init(&sb, a);
    append_object_path(&sb, m, row);
    return sb.buf;
}

static bool embedded(const orm_include *nodes, size_t n, const orm_relationship *r)
{
    for (size_t i = 0; i < n; i++)
        if (nodes[i].rel == r && !nodes[i].unshown) return true;
    return false;
}

/* "_links": self, then a link to each relationship not embedded (noload
 * relationships, and those to resources the role may not read, are
 * neither embedded nor linked). The path is written once, in place, and
 * copied from the answer for each link. */
static void write_links(rm_sb *sb, const orm_instance *inst, const orm_mapper *view, const orm_include *nodes,
                        size_t n, const orm_scope *scope)
{
    rm_sb_append(sb, "\"_links\":{\"self\":\"");
    size_t self = sb->len;
    append_object_path(sb, view, inst->row);
    rm_sb_json_escape_from(sb, self);
    size_t self_len = sb->len - self;
    rm_sb_appendc(sb, '"');
    for (const orm_mapper *m = view; m; m = m->inherits) {
        const rm_resource *res = rm_resource_of(m);
        for (size_t i = 0; i < m->nrelationships; i++) {
            const orm_relationship *r = &m->relationships[i];
            if (r->lazy == ORM_LAZY_NOLOAD || embedded(nodes, n, r) || !orm_scope_visible(scope, r->target)) continue;
            /* ,"name":"<self>/<name>" */
            rm_sb_appendn(sb, res->link_heads[i].s, res->link_heads[i].len);
            rm_sb_append_own(sb, self, self_len);
            rm_sb_appendn(sb, res->link_tails[i].s, res->link_tails[i].len);
        }
    }
    rm_sb_appendc(sb, '}');
}

/* The mapper inst is written through when read as `as`: its own class (a
 * subclass's row keeps its columns), unless `as` is a view-only projection
 * (SPEC §9), whose rows are instances of the owner's class shown through it. */
static const orm_mapper *view_of(const orm_instance *inst, const orm_mapper *as)
{
    return as && as->viewonly ? as : inst->mapper;
}

/* "_count":{"REL":n,...} for the count columns of inst's level (SPEC §10
 * B), whatever the fieldset; null for a count not read for inst. */
static void write_counts(rm_sb *sb, const orm_instance *inst, const orm_column *const *counts, size_t n)
{
    if (!n) return;
    rm_sb_append(sb, "\"_count\":{");
    for (size_t i = 0; i < n; i++) {
        const char *name = orm_count_relationship(counts[i])->name;
        int64_t v;
        if (i) rm_sb_appendc(sb, ',');
        rm_sb_append_json_string(sb, name, strlen(name));
        rm_sb_appendc(sb, ':');
        if (orm_count_value(inst, counts[i], &v)) rm_sb_append_int(sb, (long long)v);
        else rm_sb_append(sb, "null");
    }
    rm_sb_append(sb, "},");
}

/* inst read as `as` at `level` of the include tree (NULL: a top object),
 * embedding (nodes, n). */
static void write_instance(rm_sb *sb, const orm_instance *inst, const orm_mapper *as, const orm_include *level,
                           const orm_include *nodes, size_t n, rm_fields fields, const rm_include *inc)
{
    const orm_mapper *m = view_of(inst, as);
    const orm_table *t = m->table;
    const rm_resource *res = rm_resource_of(m);
    rm_sb_appendc(sb, '{');
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_column *c = &t->columns[i];
        if (!orm_mapper_column_allows(m, c, ORM_COL_READ)) continue;
        if (fields && !fields[i] && !c->primary_key) continue;
        if (c->deferred && !fields) continue; /* shown only when fields names it (SPEC §9) */
        rm_sb_appendn(sb, res->member_keys[i].s, res->member_keys[i].len);
        orm_value_write_json(sb, c, &inst->row[i]);
        rm_sb_appendc(sb, ',');
    }
    rm_write_proxies(sb, inst, level, fields, inc);
    for (size_t k = 0; k < n; k++) {
        const orm_include *node = &nodes[k];
        const orm_relationship *r = node->rel;
        if (node->unshown) continue; /* loaded for a proxy only */
        const orm_related *rel = orm_include_loaded(inst, node); /* its own slot with criteria */
        const bool *sub = rm_view_fields(inc, node);
        rm_sb_append_json_string(sb, r->name, strlen(r->name));
        rm_sb_appendc(sb, ':');
        if (r->uselist) {
            rm_sb_appendc(sb, '[');
            for (size_t i = 0; rel && i < rel->n; i++) {
                if (i) rm_sb_appendc(sb, ',');
                write_instance(sb, rel->items[i], r->target, node, node->children, node->nchildren, sub, inc);
            }
            rm_sb_appendc(sb, ']');
        } else if (rel && rel->n) {
            write_instance(sb, rel->items[0], r->target, node, node->children, node->nchildren, sub, inc);
        } else {
            rm_sb_append(sb, "null");
        }
        rm_sb_appendc(sb, ',');
    }
    if (level) write_counts(sb, inst, level->counts, level->ncounts);
    else if (inc) write_counts(sb, inst, inc->counts, inc->ncounts);
    write_links(sb, inst, m, nodes, n, inc ? inc->scope : NULL);
    rm_sb_appendc(sb, '}');
}

void rm_write_instance(rm_sb *sb, const orm_instance *inst, const orm_include *nodes, size_t n,
                       rm_fields fields, const rm_include *inc)
{
    write_instance(sb, inst, inc ? inc->mapper : NULL, NULL, nodes, n, fields, inc);
}

void rm_answer_init(rm_ctx *ctx, rm_sb *sb)
{
    rm_sb_init(sb, ctx->a);
    sb->limit = ctx->app->cfg.max_response;
}

int rm_reply_json(rm_ctx *ctx, int status, rm_sb *sb)
{
    if (sb->err) /* an answer begun with rm_answer_init outgrew --max-response */
        return orm_error_set(&ctx->err, ORM_E_TOO_LARGE,
                             "the answer would be larger than %zu bytes: ask for fewer rows, fields or "
                             "includes", sb->limit);
    rm_response_body(ctx->resp, status, "application/json", sb->buf, sb->len);
    return 0;
}

int rm_reply_json_doc(rm_ctx *ctx, int status, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    rm_sb sb;
    rm_sb_init(&sb, ctx->a);
    rm_sb_append(&sb, text ? text : "{}");
    free(text);
    return rm_reply_json(ctx, status, &sb);
}

json_t *rm_choices_json(const orm_column *c)
{
    if (!c->nchoices) return NULL;
    rm_arena *a = rm_arena_new();
    rm_sb sb;
    rm_sb_init(&sb, a);
    rm_sb_appendc(&sb, '[');
    for (size_t i = 0; i < c->nchoices; i++) {
        if (i) rm_sb_appendc(&sb, ',');
        orm_value_write_json(&sb, c, &c->choices[i]);
    }
    rm_sb_appendc(&sb, ']');
    json_t *e = json_loads(sb.buf, 0, NULL);
    rm_arena_destroy(a);
    return e;
}
