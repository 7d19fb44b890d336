/* schema_loader.c: what every step of schema loading shares (declared in
 * schema_int.h): the one format of a schema error ("SOURCE: WHAT: PATH:
 * message"), "did you mean" suggestions, typed members read key by key,
 * name rules (identifiers, default table names), and the small look-ups
 * and checks that the phases (schema_load.c), columns (schema_columns.c),
 * mappers (schema_mappers.c) and resolution (relationship.c) all need;
 * and, with the same rules and messages, the reading of the entity keys
 * that the loader lets through for the caller (orm_decl_reader, schema.h).
 * The bottom layer of loading: it calls none of those files. */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "orm/convert.h"
#include "orm/schema_int.h"

/* ---- errors, suggestions and names ------------------------------------------ */

/* The one format of a schema error: "SOURCE: WHAT: PATH: message". */
static int vfail(orm_error *err, const orm_origin *o, const char *path, const char *fmt, va_list ap)
{
    char msg[400];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (o->what && path)
        return orm_error_set(err, ORM_E_SCHEMA, "%s: %s: %s: %s", o->source, o->what, path, msg);
    if (o->what) return orm_error_set(err, ORM_E_SCHEMA, "%s: %s: %s", o->source, o->what, msg);
    if (path) return orm_error_set(err, ORM_E_SCHEMA, "%s: %s: %s", o->source, path, msg);
    return orm_error_set(err, ORM_E_SCHEMA, "%s: %s", o->source, msg);
}

int orm_loader_fail(orm_loader *L, const orm_origin *o, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(L->err, o, path, fmt, ap);
    va_end(ap);
    return rc;
}

/* Levenshtein distance of two short words (longer ones count as far apart). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b), row[65];
    if (na > 64 || nb > 64) return SIZE_MAX;
    for (size_t j = 0; j <= nb; j++) row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

const char *orm_loader_suggest(orm_loader *L, const char *word, const char *const *cands)
{
    const char *best = NULL;
    size_t bestd = 3;
    for (; *cands; cands++) {
        size_t d = edit_distance(word, *cands);
        if (d < bestd && d < strlen(word)) best = *cands, bestd = d;
    }
    return best ? rm_arena_sprintf(L->tmp, " (did you mean \"%s\"?)", best) : "";
}

const char *orm_loader_list_text(orm_loader *L, const char *const *list)
{
    rm_sb sb;
    rm_sb_init(&sb, L->tmp);
    for (size_t i = 0; list[i]; i++) {
        if (i) rm_sb_append(&sb, ", ");
        rm_sb_append(&sb, list[i]);
    }
    return sb.buf;
}

bool orm_loader_in_list(const char *word, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(word, *list) == 0) return true;
    return false;
}

bool orm_loader_is_ident(const char *s)
{
    if (!*s || isdigit((unsigned char)*s)) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_') return false;
    return true;
}

/* ---- typed members ------------------------------------------------------------ */

const char *orm_loader_subpath(orm_loader *L, const char *prefix, const char *key)
{
    return prefix ? rm_arena_sprintf(L->tmp, "%s.%s", prefix, key) : key;
}

int orm_loader_check_keys(orm_loader *L, const orm_origin *o, const char *prefix, json_t *obj,
                          const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        if (!orm_loader_in_list(key, allowed))
            return orm_loader_fail(L, o, orm_loader_subpath(L, prefix, key), "unknown key \"%s\"%s",
                                   key, orm_loader_suggest(L, key, allowed));
    }
    return 0;
}

/* obj's member key, or NULL when absent; a member that is_kind refuses is
 * reported at prefix.key as "must be ..." (must) and *rc set. */
static json_t *member(orm_loader *L, const orm_origin *o, const char *prefix, json_t *obj, const char *key,
                      bool (*is_kind)(const json_t *), const char *must, int *rc)
{
    json_t *v = json_object_get(obj, key);
    *rc = 0;
    if (!v || is_kind(v)) return v;
    *rc = orm_loader_fail(L, o, orm_loader_subpath(L, prefix, key), "%s", must);
    return NULL;
}

static bool is_boolean(const json_t *v) { return json_is_boolean(v); }
static bool is_text(const json_t *v) { return json_is_string(v) && json_string_length(v) > 0; }
static bool is_object(const json_t *v) { return json_is_object(v); }

int orm_loader_get_bool(orm_loader *L, const orm_origin *o, const char *prefix, json_t *obj,
                        const char *key, bool *out)
{
    int rc;
    json_t *v = member(L, o, prefix, obj, key, is_boolean, "must be true or false", &rc);
    if (v) *out = json_is_true(v);
    return rc;
}

int orm_loader_get_string(orm_loader *L, const orm_origin *o, const char *prefix, json_t *obj,
                          const char *key, const char **out)
{
    int rc;
    json_t *v = member(L, o, prefix, obj, key, is_text, "must be a non-empty string", &rc);
    *out = v ? json_string_value(v) : NULL;
    return rc;
}

int orm_loader_get_object(orm_loader *L, const orm_origin *o, const char *prefix, json_t *obj,
                          const char *key, json_t **out)
{
    int rc;
    *out = member(L, o, prefix, obj, key, is_object, "must be an object", &rc);
    return rc;
}

int orm_loader_get_int(orm_loader *L, const orm_origin *o, const char *prefix, json_t *obj,
                       const char *key, int lo, int hi, int *out, bool *present)
{
    json_t *v = json_object_get(obj, key);
    *present = v != NULL;
    if (!v) return 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        const char *path = orm_loader_subpath(L, prefix, key);
        if (hi == INT_MAX) return orm_loader_fail(L, o, path, "must be an integer >= %d", lo);
        return orm_loader_fail(L, o, path, "must be an integer from %d to %d", lo, hi);
    }
    *out = (int)json_integer_value(v);
    return 0;
}

int orm_loader_get_name_list(orm_loader *L, const orm_origin *o, const char *path, json_t *v,
                             const char ***out, size_t *n)
{
    if (json_is_string(v) && json_string_length(v)) {
        *out = RM_NEW_ARRAY(L->tmp, const char *, 1);
        (*out)[0] = json_string_value(v);
        *n = 1;
        return 0;
    }
    if (!json_is_array(v) || json_array_size(v) == 0)
        return orm_loader_fail(L, o, path, "must be a column name or a non-empty array of them");
    *n = json_array_size(v);
    *out = RM_NEW_ARRAY(L->tmp, const char *, *n);
    for (size_t i = 0; i < *n; i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_string(e) || !json_string_length(e))
            return orm_loader_fail(L, o, rm_arena_sprintf(L->tmp, "%s[%zu]", path, i),
                                   "must be a column name");
        (*out)[i] = json_string_value(e);
    }
    return 0;
}

/* ---- look-ups and checks ------------------------------------------------------- */

orm_tdecl *orm_loader_tdecl(orm_loader *L, const orm_table *t)
{
    for (size_t i = 0; i < L->ntables; i++)
        if (L->tables[i].table == t) return &L->tables[i];
    return NULL;
}

const char *const *orm_loader_entity_names(orm_loader *L)
{
    const char **names = RM_NEW_ARRAY(L->tmp, const char *, L->s->nmappers + 1);
    for (size_t i = 0; i < L->s->nmappers; i++) names[i] = L->s->mappers[i]->name;
    return names;
}

orm_mapper *orm_loader_root(orm_mapper *m)
{
    while (m->inherits) m = m->inherits;
    return m;
}

bool orm_loader_isa(const orm_mapper *m, const orm_mapper *ancestor)
{
    for (; m; m = m->inherits)
        if (m == ancestor) return true;
    return false;
}

bool orm_types_compatible(orm_type a, orm_type b)
{
    bool ia = a == ORM_T_INTEGER || a == ORM_T_BIGINT;
    bool ib = b == ORM_T_INTEGER || b == ORM_T_BIGINT;
    return a == b || (ia && ib);
}

int orm_loader_convert_literal(orm_loader *L, const orm_origin *o, const char *path, orm_column *c,
                               json_t *j, orm_value *out)
{
    const char *msg = NULL;
    if (orm_value_from_json(c, j, L->s->arena, out, &msg))
        return orm_loader_fail(L, o, path, "%s", msg ? msg : "is not a valid value");
    if (out->kind != ORM_V_NULL && orm_column_check(c, out, L->tmp, &msg))
        return orm_loader_fail(L, o, path, "%s", msg);
    return 0;
}

int orm_loader_check_order(orm_loader *L, const orm_origin *o, const char *path, const char *order,
                           const orm_table *t, bool api_only, const char **canon)
{
    rm_sb sb;
    rm_sb_init(&sb, L->s->arena);
    const char *p = order;
    for (;;) {
        while (*p == ' ') p++;
        const char *start = p;
        while (*p && *p != ',') p++;
        const char *end = p;
        while (end > start && end[-1] == ' ') end--;
        const char *key = start + (start < end && *start == '-');
        char *name = rm_arena_strndup(L->tmp, key, (size_t)(end - key));
        const orm_column *c = *name ? orm_table_column(t, name) : NULL;
        if (!*name) return orm_loader_fail(L, o, path, "empty sort key in \"%s\"", order);
        if (!c) return orm_loader_fail(L, o, path, "table %s has no column \"%s\"", t->name, name);
        if (api_only && (c->hidden || c->write_only))
            return orm_loader_fail(L, o, path, "column \"%s\" is %s and cannot be sorted on", name,
                                   c->hidden ? "hidden" : "write_only");
        if (sb.len) rm_sb_appendc(&sb, ',');
        rm_sb_appendn(&sb, start, (size_t)(end - start));
        if (!*p) break;
        p++;
    }
    *canon = sb.buf;
    return 0;
}

/* ---- default table names ------------------------------------------------------ */

static bool is_vowel(char c) { return c && strchr("aeiou", c) != NULL; }

/* Append the English plural ending to the snake_case word in buf[0..k). */
static size_t pluralise(char *buf, size_t k)
{
    char last = k ? buf[k - 1] : '\0', prev = k > 1 ? buf[k - 2] : '\0';
    if (last == 'y' && k > 1 && !is_vowel(prev) && prev != '_') {
        memcpy(buf + k - 1, "ies", 3);
        return k + 2;
    }
    if (last == 's' || last == 'x' || last == 'z' || (last == 'h' && (prev == 'c' || prev == 's'))) {
        memcpy(buf + k, "es", 2);
        return k + 2;
    }
    buf[k] = 's';
    return k + 1;
}

char *orm_default_table_name(rm_arena *a, const char *entity)
{
    size_t n = strlen(entity), k = 0;
    char *out = rm_arena_alloc(a, 2 * n + 4);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)entity[i];
        if (isupper(ch) && k && out[k - 1] != '_') {
            unsigned char prev = (unsigned char)entity[i - 1], next = (unsigned char)entity[i + 1];
            /* BlogPost → blog_post, HTTPRequest → http_request, Item2 stays */
            if (islower(prev) || isdigit(prev) || (isupper(prev) && islower(next))) out[k++] = '_';
        }
        out[k++] = (char)tolower(ch);
    }
    k = pluralise(out, k);
    out[k] = '\0';
    return out;
}

/* ---- the caller's own entity keys (schema.h) ---------------------------------- */

void orm_decl_reader_init(orm_decl_reader *r, const orm_mapper *m, orm_error *err, rm_arena *tmp)
{
    *r = (orm_decl_reader){m, err, tmp, rm_arena_sprintf(tmp, "entity %s", m->name)};
}

/* The loader helpers over r: a loader with no schema (they need none). */
static orm_loader as_loader(const orm_decl_reader *r, orm_origin *o)
{
    *o = (orm_origin){r->m->source, r->what};
    return (orm_loader){.err = r->err, .tmp = r->tmp};
}

int orm_decl_fail(const orm_decl_reader *r, const char *path, const char *fmt, ...)
{
    orm_origin o = {r->m->source, r->what};
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(r->err, &o, path, fmt, ap);
    va_end(ap);
    return rc;
}

int orm_decl_string(const orm_decl_reader *r, const char *key, const char **out)
{
    orm_origin o;
    orm_loader L = as_loader(r, &o);
    return orm_loader_get_string(&L, &o, NULL, r->m->decl, key, out);
}

int orm_decl_int(const orm_decl_reader *r, const char *key, int lo, int hi, int *out, bool *present)
{
    orm_origin o;
    orm_loader L = as_loader(r, &o);
    return orm_loader_get_int(&L, &o, NULL, r->m->decl, key, lo, hi, out, present);
}

int orm_decl_object(const orm_decl_reader *r, const char *key, json_t **out)
{
    orm_origin o;
    orm_loader L = as_loader(r, &o);
    return orm_loader_get_object(&L, &o, NULL, r->m->decl, key, out);
}

int orm_decl_words(const orm_decl_reader *r, const char *path, const json_t *v, const char *const *words,
                   const char *noun, unsigned *bits)
{
    orm_origin o;
    orm_loader L = as_loader(r, &o);
    if (!json_is_array(v))
        return orm_loader_fail(&L, &o, path, "must be an array of %s", orm_loader_list_text(&L, words));
    *bits = 0;
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *e = json_array_get(v, i);
        size_t k = 0;
        while (words[k] && !(json_is_string(e) && strcmp(json_string_value(e), words[k]) == 0)) k++;
        if (!words[k])
            return orm_loader_fail(&L, &o, rm_arena_sprintf(L.tmp, "%s[%zu]", path, i), "unknown %s (one of %s)",
                                   noun, orm_loader_list_text(&L, words));
        *bits |= 1u << k;
    }
    return 0;
}
