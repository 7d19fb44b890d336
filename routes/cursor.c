/* cursor.c: opaque keyset cursors for links.next and links.prev (SPEC §4).
 * A cursor is base64url(JSON ["<resource> <sort>", [values of the
 * effective sort keys of a row], "before"?]) "." base64url(HMAC-SHA256(app
 * key, payload)[0..16]): the rows after the page's last row, or (with
 * "before") the rows before its first.
 * The MAC makes it tamper-evident and binds it to the resource and the sort
 * it was issued for: anything else is a 400. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/digest.h"
#include "lib/utf8.h"
#include "routes/routes_int.h"

#define MAC_LEN 16
#define MAX_CURSOR 4096

/* What a cursor is bound to: "<resource> <sort>" (appended raw). */
static void append_binding(rm_sb *sb, const orm_mapper *m, const char *sort)
{
    rm_sb_append(sb, rm_resource_of(m)->name);
    rm_sb_appendc(sb, ' ');
    if (sort) rm_sb_append(sb, sort);
}

/* The payload, written directly as the bytes jansson's json_dumps(JSON_COMPACT)
 * printed when it was built as a json_t (so cursors issued before read the
 * same): ["<binding>",[values],"before"?]. A value jansson had no json_t for
 * (a real that is not finite, text that is not UTF-8) was left out of the
 * array, as json_array_append_new did with NULL; such a cursor has fewer
 * values than its sort and is refused when it comes back, as before. */
static void write_payload(rm_sb *sb, const orm_mapper *m, const char *sort, const orm_value *values,
                          size_t n, bool before)
{
    rm_sb_append(sb, "[\"");
    size_t at = sb->len;
    append_binding(sb, m, sort);
    rm_sb_json_escape_from(sb, at);
    rm_sb_append(sb, "\",[");
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        const orm_value *v = &values[i];
        if ((v->kind == ORM_V_FLOAT && !isfinite(v->u.f)) ||
            (v->kind == ORM_V_TEXT && !rm_utf8_valid(v->u.s.p, v->u.s.n)))
            continue;
        if (!first) rm_sb_appendc(sb, ',');
        first = false;
        switch (v->kind) {
        case ORM_V_INT: rm_sb_append_int(sb, (long long)v->u.i); break;
        case ORM_V_FLOAT: rm_sb_append_json_real(sb, v->u.f); break;
        case ORM_V_TEXT: rm_sb_append_json_string(sb, v->u.s.p, v->u.s.n); break;
        default: rm_sb_append(sb, "null");
        }
    }
    rm_sb_append(sb, before ? "],\"before\"]" : "]]");
}

const char *rm_cursor_encode(rm_ctx *ctx, const orm_mapper *m, const char *sort,
                             const orm_value *values, size_t n, bool before)
{
    rm_sb payload, sb;
    rm_sb_init(&payload, ctx->a);
    write_payload(&payload, m, sort, values, n, before);
    unsigned char mac[RM_SHA256_LEN];
    rm_hmac_sign(ctx->app->cursor_key, payload.buf, payload.len, mac);
    rm_sb_init(&sb, ctx->a);
    rm_base64url_encode(&sb, payload.buf, payload.len);
    rm_sb_appendc(&sb, '.');
    rm_base64url_encode(&sb, mac, MAC_LEN);
    return sb.buf;
}

int rm_cursor_decode(rm_ctx *ctx, const orm_mapper *m, const char *sort, const char *text,
                     orm_value *values, size_t n, bool *before)
{
    size_t len = strlen(text);
    const char *dot = strchr(text, '.');
    if (len > MAX_CURSOR || !dot) return -1;
    size_t plen = (size_t)(dot - text);
    unsigned char *payload = rm_arena_alloc(ctx->a, plen + 1), mac[MAC_LEN + 3], want[RM_SHA256_LEN];
    long np = rm_base64url_decode(text, plen, payload);
    long nm = strlen(dot + 1) <= 24 ? rm_base64url_decode(dot + 1, strlen(dot + 1), mac) : -1;
    if (np < 0 || nm != MAC_LEN) return -1;
    rm_hmac_sign(ctx->app->cursor_key, payload, (size_t)np, want);
    if (!rm_digest_equal(mac, want, MAC_LEN)) return -1; /* constant time: leaks no prefix */
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)payload, (size_t)np, 0, &jerr);
    json_t *vals = json_array_get(doc, 1);
    rm_sb bound;
    rm_sb_init(&bound, ctx->a);
    append_binding(&bound, m, sort);
    int rc = -1;
    if (json_is_string(json_array_get(doc, 0)) && !strcmp(json_string_value(json_array_get(doc, 0)), bound.buf) &&
        json_array_size(vals) == n) {
        json_t *dir = json_array_get(doc, 2);
        *before = json_is_string(dir) && !strcmp(json_string_value(dir), "before");
        rc = 0;
        for (size_t i = 0; i < n; i++) {
            json_t *v = json_array_get(vals, i);
            if (json_is_integer(v)) values[i] = orm_int(json_integer_value(v));
            else if (json_is_real(v)) values[i] = orm_float(json_real_value(v));
            else if (json_is_string(v))
                values[i] = orm_value_copy(ctx->a, orm_text(json_string_value(v), json_string_length(v)));
            else values[i] = orm_null();
        }
    }
    json_decref(doc);
    return rc;
}

/* Cursor MAC key: from the deployment secret when there is one, else from
 * the schema, so every replica serving the same schema accepts the others'
 * cursors. Without a secret a cursor is tamper-evident, not unforgeable
 * (forging one only chooses where a page starts, as a filter could). */
static void free_key(void *k) { rm_hmac_key_free(k); }

void rm_cursor_key_derive(rm_app *app)
{
    static const char label[] = "restmap cursor v1";
    char *schema = NULL;
    const char *what = app->cfg.secret && *app->cfg.secret ? app->cfg.secret
                       : (schema = json_dumps(app->schema->docs, JSON_COMPACT | JSON_SORT_KEYS));
    size_t nl = sizeof label - 1, nw = what ? strlen(what) : 0;
    char *msg = malloc(nl + nw + 1);
    if (!msg) abort();
    memcpy(msg, label, nl);
    if (nw) memcpy(msg + nl, what, nw);
    unsigned char key[RM_SHA256_LEN];
    rm_sha256(msg, nl + nw, key); /* SHA-256(label || secret or schema) */
    free(msg);
    free(schema);
    app->cursor_key = rm_hmac_key_new(key, sizeof key);
    rm_arena_on_reset(app->resources.arena, free_key, app->cursor_key);
}
