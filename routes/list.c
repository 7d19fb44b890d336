/* list.c: list answers (SPEC §4) for GET /api/{res} and for collection
 * sub-resources GET /api/{res}/{id}/{rel}: parameters → query, one unit
 * that loads the page (and its includes) through the identity map and
 * counts when asked, then {"data", "meta", "links"} with a keyset cursor in
 * links.next and meta.next_cursor. Parameters sent as a query body (SPEC
 * §10 E, query_body.c) answer the same, but links holds only self: the
 * request's path, since the parameters are in no URL. */
#include <string.h>

#include "routes/routes_int.h"

typedef struct list_unit {
    rm_ctx *ctx;
    rm_list_params *p;
    /* sub-resources: the condition tying rows to their parent (or an error) */
    int (*scope)(rm_ctx *ctx, orm_session *s, void *ud, orm_alias_seq *aliases, orm_expr **out);
    void *scope_ud;
    orm_loaded rows;
    int64_t total;
    rm_facets facets;
} list_unit;

static int run_list(orm_session *s, void *ud)
{
    list_unit *u = ud;
    rm_ctx *ctx = u->ctx;
    orm_query q = u->p->query;
    if (u->scope) {
        orm_expr *w;
        int rc = u->scope(ctx, s, u->scope_ud, &q.aliases, &w);
        if (rc) return rc;
        q.where = orm_expr_and(ctx->a, q.where, w);
    }
    q.limit = u->p->limit + 1; /* one more row tells whether there is a next page */
    orm_session_last(s, !u->p->count && !u->facets.n); /* the page is all the unit reads */
    int rc = orm_load_page(s, &q, (size_t)u->p->limit, u->p->include.nodes, u->p->include.n, &u->rows);
    if (!rc && u->p->count) rc = orm_query_count(s, &q, &u->total); /* WHERE only: no keyset, no paging */
    if (!rc) rc = rm_facets_run(ctx, s, &q, &u->facets);
    return rc;
}

const char *rm_list_link(rm_ctx *ctx, const char *base, bool replace, int64_t offset,
                             const char *cursor)
{
    rm_sb sb;
    rm_sb_init(&sb, ctx->a);
    rm_sb_append(&sb, base);
    char sep = '?';
    for (size_t i = 0; i < ctx->req->nquery; i++) {
        const rm_kv *kv = &ctx->req->query[i];
        if (replace && (!strcmp(kv->key, "offset") || !strcmp(kv->key, "cursor"))) continue;
        rm_sb_appendc(&sb, sep);
        sep = '&';
        rm_percent_encode(&sb, kv->key, strlen(kv->key));
        rm_sb_appendc(&sb, '=');
        if (kv->value) rm_percent_encode(&sb, kv->value, strlen(kv->value));
    }
    if (replace && offset > 0) {
        rm_sb_appendc(&sb, sep);
        rm_sb_append(&sb, "offset=");
        rm_sb_append_int(&sb, (long long)offset);
        sep = '&';
    }
    if (replace && cursor) {
        rm_sb_appendc(&sb, sep);
        rm_sb_append(&sb, "cursor=");
        rm_percent_encode(&sb, cursor, strlen(cursor));
    }
    return sb.buf;
}

/* The keyset cursor of one row of the page (its effective sort values):
 * the rows after it, or (before) the rows before it. */
static const char *row_cursor(rm_ctx *ctx, rm_list_params *p, const orm_instance *row, bool before)
{
    size_t nkeys;
    orm_query_effective_order(&p->query, ctx->a, &nkeys);
    orm_value *keys = RM_NEW_ARRAY(ctx->a, orm_value, nkeys);
    orm_query_sort_values(&p->query, ctx->a, row->row, row->extra, keys);
    return rm_cursor_encode(ctx, p->query.mapper, p->sort, keys, nkeys, before);
}

/* Cursors around a page of n rows: next from its last row when rows follow
 * (after a "before" page they do: the page it came from), prev from its
 * first row when it was reached by a cursor and rows precede it. */
static void page_cursors(rm_ctx *ctx, rm_list_params *p, const orm_loaded *rows, size_t n,
                         const char **next, const char **prev)
{
    *next = *prev = NULL;
    if (!n) return;
    bool more_after = p->before || rows->more, more_before = p->before ? rows->more : p->cursor != NULL;
    if (more_after) *next = row_cursor(ctx, p, rows->items[n - 1], false);
    if (more_before) *prev = row_cursor(ctx, p, rows->items[0], true);
}

/* "links": self; next by keyset cursor; prev by keyset cursor on a cursor
 * page, else by offset. A query body's: self, its path, alone. */
static void write_links(rm_ctx *ctx, const char *base, rm_list_params *p, const char *next,
                        const char *prev, rm_sb *sb)
{
    rm_sb_append(sb, "\"links\":{\"self\":");
    if (ctx->param_at) {
        const char *path = ctx->req->raw_path ? ctx->req->raw_path : ctx->req->path;
        rm_sb_append_json_string(sb, path, strlen(path));
        rm_sb_appendc(sb, '}');
        return;
    }
    const char *self = rm_list_link(ctx, base, false, 0, NULL);
    rm_sb_append_json_string(sb, self, strlen(self));
    if (next) {
        const char *link = rm_list_link(ctx, base, true, 0, next);
        rm_sb_append(sb, ",\"next\":");
        rm_sb_append_json_string(sb, link, strlen(link));
    }
    const char *back = prev ? rm_list_link(ctx, base, true, 0, prev)
                     : p->offset > 0 && !p->cursor
                         ? rm_list_link(ctx, base, true, p->offset > p->limit ? p->offset - p->limit : 0, NULL)
                         : NULL;
    if (back) {
        rm_sb_append(sb, ",\"prev\":");
        rm_sb_append_json_string(sb, back, strlen(back));
    }
    rm_sb_appendc(sb, '}');
}

/* ---- streamed answers ---------------------------------------------------------- */

/* A large page is written while it is sent, a block at a time, instead of
 * as one text of its whole size: only the rows stay in memory. */
#define STREAM_ROWS 256                  /* rows read past which a page streams */
#define STREAM_BYTES ((size_t)256 << 10) /* ... or bytes of values read */
#define STREAM_PIECE ((size_t)16 << 10)  /* text made per step */

typedef struct list_stream {
    rm_arena *scratch;          /* the current piece; reset for the next */
    orm_instance **items;
    size_t n, next;             /* objects, and the next one to write */
    rm_include include;         /* copies: the handler's frame is gone */
    const bool *fields;
    const char *tail;           /* "],\"meta\":...}" made before the handler returned */
    const char *piece;
    size_t piece_len, piece_off;
    int phase;                  /* 0: "{\"data\":[", 1: objects, 2: tail, 3: done */
} list_stream;

static void destroy_scratch(void *ud) { rm_arena_destroy(ud); }

/* Make the next piece of text; false at the end. */
static bool next_piece(list_stream *st)
{
    rm_arena_reset(st->scratch);
    rm_sb sb;
    rm_sb_init(&sb, st->scratch);
    if (st->phase == 0) {
        rm_sb_append(&sb, "{\"data\":[");
        st->phase = 1;
    } else if (st->phase == 1 && st->next < st->n) {
        for (; st->next < st->n && sb.len < STREAM_PIECE; st->next++) {
            if (st->next) rm_sb_appendc(&sb, ',');
            rm_write_instance(&sb, st->items[st->next], st->include.nodes, st->include.n, st->fields,
                              &st->include);
        }
    } else if (st->phase <= 2) {
        rm_sb_append(&sb, st->tail);
        st->phase = 3;
    } else {
        return false;
    }
    st->piece = sb.buf;
    st->piece_len = sb.len;
    st->piece_off = 0;
    return true;
}

static size_t write_stream(void *ud, char *buf, size_t max)
{
    list_stream *st = ud;
    size_t out = 0;
    while (out < max) {
        if (st->piece_off == st->piece_len && !next_piece(st)) break;
        size_t k = st->piece_len - st->piece_off;
        if (k > max - out) k = max - out;
        memcpy(buf + out, st->piece + st->piece_off, k);
        st->piece_off += k;
        out += k;
    }
    return out;
}

static int reply_list(rm_ctx *ctx, const char *base, list_unit *u)
{
    rm_list_params *p = u->p;
    int rc = rm_run(ctx, false, run_list, u);
    if (rc) return rc;
    size_t n = u->rows.n;
    if (p->before) /* loaded nearest first: back to the list's order */
        for (size_t i = 0; i < n / 2; i++) {
            orm_instance *t = u->rows.items[i];
            u->rows.items[i] = u->rows.items[n - 1 - i];
            u->rows.items[n - 1 - i] = t;
        }
    const char *next, *prev;
    page_cursors(ctx, p, &u->rows, n, &next, &prev);
    rm_sb tail;
    rm_sb_init(&tail, ctx->a);
    rm_sb_append(&tail, "],\"meta\":{\"limit\":");
    rm_sb_append_int(&tail, (long long)p->limit);
    rm_sb_append(&tail, ",\"offset\":");
    rm_sb_append_int(&tail, (long long)p->offset);
    if (p->count) {
        rm_sb_append(&tail, ",\"total\":");
        rm_sb_append_int(&tail, (long long)u->total);
    }
    rm_facets_write(&tail, &u->facets);
    if (next) {
        rm_sb_append(&tail, ",\"next_cursor\":");
        rm_sb_append_json_string(&tail, next, strlen(next));
    }
    rm_sb_append(&tail, "},");
    write_links(ctx, base, p, next, prev, &tail);
    rm_sb_appendc(&tail, '}');
    /* inside a batch the answer is embedded in the batch's: never streamed;
     * nor for HEAD (libmicrohttpd 0.9.75 would still send the chunked
     * terminator of a streamed body after a HEAD answer's head) */
    if (!ctx->outer && strcmp(ctx->req->method, "HEAD") &&
        (ctx->session.rows > STREAM_ROWS || ctx->session.bytes > STREAM_BYTES)) {
        list_stream *st = RM_NEW(ctx->a, list_stream);
        *st = (list_stream){.items = u->rows.items, .n = n, .include = p->include, .fields = p->fields,
                            .tail = tail.buf, .scratch = rm_arena_new()};
        rm_arena_on_reset(ctx->a, destroy_scratch, st->scratch);
        rm_response_body(ctx->resp, 200, "application/json", NULL, 0);
        ctx->resp->writer = write_stream;
        ctx->resp->writer_state = st;
        return 0;
    }
    rm_sb sb;
    rm_answer_init(ctx, &sb);
    rm_sb_append(&sb, "{\"data\":[");
    for (size_t i = 0; i < n; i++) {
        if (i) rm_sb_appendc(&sb, ',');
        rm_write_instance(&sb, u->rows.items[i], p->include.nodes, p->include.n, p->fields, &p->include);
    }
    rm_sb_appendn(&sb, tail.buf, tail.len);
    return rm_reply_json(ctx, 200, &sb);
}

int rm_handle_list(rm_ctx *ctx, const rm_match *at)
{
    const orm_mapper *m = at->mapper;
    rm_list_params p;
    int rc = rm_parse_list_params(ctx, m, m->default_order, &p);
    list_unit u = {.ctx = ctx, .p = &p};
    if (rc || (rc = rm_facets_parse(ctx, m, &u.facets))) return rc;
    return reply_list(ctx, rm_arena_sprintf(ctx->a, "/api/%s", rm_resource_of(m)->name), &u);
}

/* ---- collection sub-resources ---------------------------------------------- */

typedef struct scope_ud {
    const orm_mapper *parent;
    const orm_relationship *rel;
    const orm_value *key;
} scope_ud;

/* The parent must exist (404); the list is its related rows. */
static int parent_scope(rm_ctx *ctx, orm_session *s, void *ud, orm_alias_seq *aliases, orm_expr **out)
{
    scope_ud *sc = ud;
    orm_value *row;
    int rc = orm_get(s, sc->parent, sc->key, &row);
    if (!rc) *out = orm_with_parent(ctx->a, sc->rel, row, 0, aliases);
    return rc;
}

int rm_handle_related_list(rm_ctx *ctx, const orm_mapper *parent, const orm_relationship *r,
                           const orm_value *key, const char *base)
{
    rm_list_params p;
    int rc = rm_parse_list_params(ctx, r->target, r->order_by ? r->order_by : r->target->default_order, &p);
    if (rc) return rc;
    scope_ud sc = {parent, r, key};
    list_unit u = {.ctx = ctx, .p = &p, .scope = parent_scope, .scope_ud = &sc};
    if ((rc = rm_facets_parse(ctx, r->target, &u.facets))) return rc;
    return reply_list(ctx, base, &u);
}
