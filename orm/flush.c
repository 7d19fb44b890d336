/* flush.c: writing a unit of work (SQLAlchemy's UOWTransaction): cascade
 * expansion (never through a viewonly relationship, nor a passive_deletes
 * one, whose rows are left to their foreign key's ON DELETE),
 * dependency-ordered INSERTs with key propagation and
 * post-updates for cycles, UPDATEs of changed columns with version checks,
 * association rows, then DELETEs children first. See uow.h. One row's
 * UPDATE/DELETE pieces and a span's level-by-level writes are in
 * flush_levels.c, the scope's checks on what was written in flush_scope.c
 * (flush_int.h).
 *
 * Rows of one table go in few statements: new rows naming the same columns
 * share a multi-row INSERT (insert_level), association rows of one
 * relationship too, and the deleted rows of a table one DELETE ... IN
 * (delete_run); a nested POST of 20,000 children is 79 INSERTs, of a
 * handful of sizes, each size's text compiled once (the compiled cache:
 * every statement here goes through it). Where the dialect has
 * rowid_keys (SQLite) an INSERT whose rows the database stores as sent has
 * no RETURNING: the rows are known, their keys the statement's rowids
 * (stored_as_sent). What only a level's or a statement's INSERTs need
 * lives in a scratch arena freed after it.
 *
 * Consecutive rowids: SQLite gives the rows of one INSERT the rowids
 * max+1, max+2, ... (max: the table's largest) while they stay below the
 * largest integer. Past it, a table made with AUTOINCREMENT (as restmap's
 * DDL makes them) refuses new rows (SQLITE_FULL); one made without it
 * (a database restmap maps but did not create) that holds the key
 * 9223372036854775807 (a client may give that key) picks rowids at
 * random. Both ways of knowing a multi-row INSERT's keys rely on the order
 * (the rowids from the last one; RETURNING's rows matched by sorted key),
 * so before a table's first multi-row INSERT without known keys the unit
 * learns, once (rowid_top): whether its keys increase (AUTOINCREMENT,
 * asked of the connection's schema: no statement; nothing more to know),
 * else its largest key (one indexed SELECT; the unit holds SQLite's write
 * lock, so only its own INSERTs add rows later, and each one moves the
 * known largest). An INSERT of k rows into such a table goes as one
 * statement only when largest + k fits; past it, a row a statement, whose
 * rowid is its own (insert_group).
 *
 * Dynamic defaults (SPEC §9): a new row's generated values ($uuid4,
 * $now) are made before its INSERT, as if given (a uuid key is known
 * before the INSERT, so such rows share statements too, matched back by
 * key); a server_default column a row lacks is left out of the INSERT and
 * read back by RETURNING; every UPDATE sets the "onupdate" columns it does
 * not set itself. One instant per unit: every "now" of a request is the
 * same (orm_uow.clock).
 *
 * Every pass is linear in the objects and links of the unit (the INSERT
 * order sorts each dependency level: n log n at worst); lookups between
 * objects go through hash tables, never a scan of the unit per object. */
#include <stdlib.h>
#include <string.h>

#include "orm/cache_key.h"
#include "orm/compile.h"
#include "orm/flush_int.h"
#include "orm/scope.h"

/* ---- cascades on delete ------------------------------------------------------ */

int orm_flush_too_many_deletes(orm_uow *u)
{
    return orm_error_set(u->s->err, ORM_E_TOO_LARGE,
                         "the delete would remove more than %d rows (the limit of one request, cascades "
                         "included): delete the dependent rows in smaller requests first", ORM_MAX_DELETE_ROWS);
}

/* Load inst's children through the one-to-many r into its slot, but no
 * more than the deletes still allowed: one row past them means the
 * cascade is too large (found without loading the rest). */
static int load_children(orm_uow *u, orm_instance *inst, const orm_relationship *r, orm_related **out)
{
    rm_arena *a = u->a;
    size_t room = u->ndeleted < ORM_MAX_DELETE_ROWS ? ORM_MAX_DELETE_ROWS - u->ndeleted : 0;
    orm_query q;
    orm_query_init(&q, r->target, u->s->scope);
    q.where = orm_with_parent(a, r, inst->committed, 0, &q.aliases);
    q.order = orm_relationship_order(a, r, 0, &q.norder);
    q.limit = (int64_t)room + 1;
    orm_loaded got;
    int rc = orm_load_page(u->s, &q, room, NULL, 0, &got);
    if (rc) return rc;
    if (got.more) return orm_flush_too_many_deletes(u);
    orm_related *slot = orm_instance_load_slot(inst, r, a);
    for (size_t i = 0; i < got.n; i++) orm_related_add(slot, got.items[i], a, true);
    *out = slot;
    return 0;
}

/* A one-to-many that a delete detaches (sets the children's key NULL). */
static bool detaches(const orm_relationship *r)
{
    return r->direction == ORM_ONE_TO_MANY && !(r->cascade & ORM_CASCADE_DELETE) && !r->viewonly &&
           !r->passive_deletes;
}

/* Does detaching through wide already detach every row narrow reaches?
 * (Company.employees covers Company.engineers: the same key columns, and
 * every engineer is an employee.) */
static bool covers(const orm_relationship *wide, const orm_relationship *narrow)
{
    if (!detaches(wide) || wide->join_where || wide->target->table != narrow->target->table ||
        wide->npairs != narrow->npairs || !orm_mapper_isa(narrow->target, wide->target))
        return false;
    for (size_t k = 0; k < wide->npairs; k++)
        if (wide->remote[k] != narrow->remote[k] || wide->local[k] != narrow->local[k]) return false;
    return true;
}

/* Whether another relationship of inst's class detaches r's rows already
 * (of two that cover each other, the first declared does the work). */
static bool detached_elsewhere(const orm_mapper *cls, const orm_relationship *r)
{
    bool before = true;
    for (const orm_mapper *m = cls; m; m = m->inherits)
        for (size_t i = 0; i < m->nrelationships; i++) {
            const orm_relationship *o = &m->relationships[i];
            if (o == r) {
                before = false;
                continue;
            }
            if (covers(o, r) && (!covers(r, o) || before)) return true;
        }
    return false;
}

int orm_flush_detach_conflict(orm_uow *u, const orm_mapper *m, const orm_relationship *r)
{
    return orm_error_set(u->s->err, ORM_E_CONFLICT,
                         "%s still has %s, whose %s cannot be NULL: delete them first or "
                         "cascade the delete", m->name, r->name, r->remote[0]->name);
}

bool orm_flush_detaches(const orm_mapper *cls, const orm_relationship *r)
{
    return detaches(r) && !detached_elsewhere(cls, r);
}

void orm_flush_detach_set(orm_uow *u, const orm_relationship *r, orm_update *up)
{
    const orm_table *t = r->target->table;
    *up = (orm_update){.table = t, .ncolumns = r->npairs};
    up->columns = RM_NEW_ARRAY(u->a, const orm_column *, r->npairs + t->ncolumns);
    up->values = RM_NEW_ARRAY(u->a, orm_expr *, r->npairs + t->ncolumns);
    for (size_t k = 0; k < r->npairs; k++) {
        up->columns[k] = r->remote[k];
        up->values[k] = orm_expr_param(u->a, orm_null(), r->remote[k]);
    }
    orm_flush_add_onupdate(u, up, t);
}

/* Detach r's rows from inst: one UPDATE setting their key NULL, restricted
 * to the rows r reaches (its target's identity, its join "where"). */
static int detach_children(orm_uow *u, orm_instance *inst, const orm_mapper *m, const orm_relationship *r)
{
    rm_arena *a = u->a;
    orm_update up;
    orm_flush_detach_set(u, r, &up);
    orm_alias_seq seq = orm_alias_seq_start(1, u->s->scope);
    orm_join_ends ends = {.parent_row = inst->committed, .target = -1};
    orm_rel_join j;
    orm_relationship_join(a, r, &ends, &seq, &j);
    up.where = orm_expr_and(a, j.link, j.target_where);
    orm_compiled c;
    int rc = orm_compile_update(flush_dialect(u), &up, a, &c, u->s->err);
    if (!rc) rc = flush_run(u, &c, NULL);
    return rc == ORM_E_CONFLICT ? orm_flush_detach_conflict(u, m, r) : rc;
}

/* A deleted persistent instance: cascade into one-to-many children (loaded
 * and deleted), or set their foreign key to NULL with one UPDATE; delete its
 * many-to-many association rows. Newly deleted children are appended to
 * u->objs, so the caller's loop reaches them too. */
static int expand_delete(orm_uow *u, orm_instance *inst)
{
    rm_arena *a = u->a;
    int rc;
    for (const orm_mapper *m = inst->mapper; m; m = m->inherits)
        for (size_t i = 0; i < m->nrelationships; i++) {
            const orm_relationship *r = &m->relationships[i];
            orm_compiled c;
            /* a view-only relationship writes nothing; a passive one leaves its
             * rows to their foreign key's ON DELETE */
            if (r->viewonly || r->passive_deletes) continue;
            if (r->direction == ORM_ONE_TO_MANY && (r->cascade & ORM_CASCADE_DELETE)) {
                orm_related *slot = orm_instance_related(inst, r);
                if (!slot && (rc = load_children(u, inst, r, &slot))) return rc;
                for (size_t k = 0; slot && k < slot->n; k++)
                    if (slot->items[k]->state == ORM_PERSISTENT) orm_uow_delete(u, slot->items[k]);
            } else if (r->direction == ORM_ONE_TO_MANY) {
                /* children stay, without a parent; a NOT NULL key makes it a conflict */
                if (orm_flush_detaches(inst->mapper, r) && (rc = detach_children(u, inst, m, r))) return rc;
            } else if (r->direction == ORM_MANY_TO_MANY) {
                orm_delete del = {.table = r->secondary};
                for (size_t k = 0; k < r->npairs; k++)
                    del.where = orm_expr_and(a, del.where, orm_expr_col_eq(a, -1, r->sec_local[k],
                                                                           inst->committed[r->local[k]->index]));
                if ((rc = orm_compile_delete(flush_dialect(u), &del, a, &c, u->s->err)) || (rc = flush_run(u, &c, NULL)))
                    return rc;
            }
        }
    return 0;
}

/* ---- saves ------------------------------------------------------------------- */

/* Copy a link's parent key into the child's foreign key (or NULL). */
static void apply_link(orm_uow *u, const orm_link *l, bool clear)
{
    for (size_t k = 0; k < l->n; k++) {
        orm_value v = clear || !l->parent ? orm_null() : l->parent->row[l->ref[k]->index];
        l->child->row[l->fk[k]->index] = v;
        if (l->child->given) l->child->given[l->fk[k]->index] = true;
    }
}

/* A row that gave its autoincrement key: where the dialect needs it, the
 * key generator moves past it before the next INSERT can collide. */
static int sync_key(orm_uow *u, const orm_instance *inst)
{
    const orm_dialect *d = flush_dialect(u);
    const orm_table *t = inst->mapper->table;
    if (!d->sync_key || t->npk != 1 || !t->pk[0]->autoincrement || !inst->given[t->pk[0]->index]) return 0;
    rm_sb sql;
    rm_sb_init(&sql, u->a);
    d->sync_key(&sql, t, t->pk[0]);
    orm_compiled c;
    orm_compiled_text(&c, sql.buf);
    return flush_run_own(u, &c, NULL); /* moves a sequence: no row changes */
}

/* Apply inst's links before its INSERT, oldest first as they were made (a
 * post-update link, or a link to itself, is written after the INSERT);
 * tmp: the level's scratch arena. */
static void apply_insert_links(orm_uow *u, rm_arena *tmp, orm_instance *inst)
{
    size_t n = 0;
    for (size_t k = inst->link_head; k; k = u->links[k - 1].next) n++;
    size_t few[8], *order = n <= 8 ? few : RM_NEW_ARRAY(tmp, size_t, n), at = n; /* one link, mostly */
    for (size_t k = inst->link_head; k; k = u->links[k - 1].next) order[--at] = k - 1;
    for (size_t j = 0; j < n; j++) {
        const orm_link *l = &u->links[order[j]];
        apply_link(u, l, l->post_update || l->parent == inst);
    }
}

/* inst's row is stored as `row` (what the database returned). */
static void inserted(orm_uow *u, orm_instance *inst, const orm_value *row)
{
    const orm_table *t = inst->mapper->table;
    memcpy(inst->row, row, t->ncolumns * sizeof *row);
    inst->committed = RM_NEW_ARRAY(u->a, orm_value, t->ncolumns);
    memcpy(inst->committed, row, t->ncolumns * sizeof *row);
    inst->state = ORM_PERSISTENT;
    inst->wrote = true;
    inst->before = NULL;
    orm_identity_map_put(&u->s->map, inst);
}

/* A new row's generated defaults ($uuid4, $now) for the columns it does
 * not give, made before its INSERT and then held as given: the INSERT
 * sends them, and a generated key is known before it. */
static int generate_defaults(orm_uow *u, orm_instance *inst)
{
    const orm_table *t = inst->mapper->table;
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_column *c = &t->columns[i];
        if (c->generator == ORM_GEN_NONE || inst->given[i]) continue;
        if (orm_generate(&u->clock, c, u->a, &inst->row[i]))
            return orm_error_set(u->s->err, ORM_E_INTERNAL, "no random bytes for %s.%s", t->name, c->name);
        inst->given[i] = true;
    }
    return 0;
}

/* What the unit knows of t's rowids, or NULL. */
static orm_rowid_top *rowid_known(orm_uow *u, const orm_table *t)
{
    for (size_t i = 0; i < u->ntops; i++)
        if (u->tops[i].table == t) return &u->tops[i];
    return NULL;
}

/* A row of t with rowid id was written: the known largest follows it. */
static void rowid_seen(orm_uow *u, const orm_table *t, int64_t id)
{
    orm_rowid_top *top = rowid_known(u, t);
    if (top && id > top->max) top->max = id;
}

/* What the unit knows of t's rowids, learnt once per unit: whether the
 * table's keys increase (AUTOINCREMENT, as restmap's DDL makes them: asked
 * of the connection's schema, no statement), else its largest rowid:
 * SELECT key ORDER BY key DESC LIMIT 1 (a seek to the rowid B-tree's end;
 * 0 for an empty table). See the header: consecutive rowids. */
static int rowid_top(orm_uow *u, const orm_table *t, orm_rowid_top **out)
{
    if ((*out = rowid_known(u, t))) return 0;
    const orm_driver *drv = orm_engine_driver(u->s->engine);
    const orm_column *key = t->pk[0];
    orm_rowid_top top = {.table = t, .increase = drv->keys_increase && drv->keys_increase(u->s->conn, t->name, key->sql_name)};
    if (!top.increase) {
        rm_arena *a = u->a;
        orm_expr *col = orm_expr_column(a, 0, key);
        orm_order_item desc = {col, true};
        orm_select sel = {.from = t, .alias = 0, .columns = &col, .ncolumns = 1, .order = &desc, .norder = 1,
                          .limit = orm_expr_param(a, orm_int(1), NULL)};
        orm_compiled c;
        orm_result r;
        int rc = orm_compile_select(flush_dialect(u), &sel, a, &c, u->s->err);
        if (rc || (rc = flush_run(u, &c, &r))) return rc;
        top.max = r.nrows && r.values[0].kind == ORM_V_INT ? r.values[0].u.i : 0;
    }
    u->tops = rm_arena_realloc(u->a, u->tops, u->ntops * sizeof *u->tops, (u->ntops + 1) * sizeof *u->tops);
    u->tops[u->ntops] = top;
    *out = &u->tops[u->ntops++];
    return 0;
}

static int insert_one(orm_uow *u, orm_instance *inst)
{
    orm_value *row;
    const orm_table *t = inst->mapper->table;
    int rc = orm_insert_row(u->s, inst->mapper, inst->row, inst->given, &row);
    if (rc) return rc;
    inserted(u, inst, row);
    if (t->npk == 1 && row[t->pk[0]->index].kind == ORM_V_INT) rowid_seen(u, t, row[t->pk[0]->index].u.i);
    return sync_key(u, inst);
}

/* ---- multi-row INSERTs ---------------------------------------------------------- */

/* Rows one INSERT writes at most (fewer where the dialect's parameter
 * limit says so). A run of rows is cut into powers of two, so a table's
 * INSERTs have a handful of texts and the statement cache keeps them: a
 * nested POST of 20,000 children is 79 statements, not 20,000. */
#define INSERT_BATCH 256

/* The rows of the next INSERT of a run with `left` rows of ncols values. */
static size_t insert_chunk(orm_uow *u, size_t left, size_t ncols)
{
    size_t max = INSERT_BATCH, by_params = ncols ? (size_t)flush_dialect(u)->max_params / ncols : 1;
    if (by_params < max) max = by_params;
    size_t k = 1;
    while (k * 2 <= left && k * 2 <= max) k *= 2;
    return k;
}

/* A pending instance's INSERT: the columns it names and their values,
 * chained to the next row of its group. */
typedef struct insert_row {
    orm_instance *inst;
    const orm_column **cols;
    orm_value *vals;
    size_t ncols;
    size_t next; /* the next row of its group (index + 1); 0: the last */
} insert_row;

/* Does the row's table have one key column with a generator ($uuid4):
 * its rows know their key before the INSERT? */
static bool known_key(const orm_table *t)
{
    return t->npk == 1 && t->pk[0]->generator != ORM_GEN_NONE;
}

/* May the row share an INSERT with others? Only when its table's key is
 * generated: by the database (one autoincrement column the row does not
 * give), the rows RETURNING hands back, in no promised order, are then
 * matched to the instances by that key, which the generator hands out
 * increasing in the order of VALUES; or by restmap (known_key), matched by
 * the key each row sent. A row that gives an autoincrement key goes alone
 * (the key generator must be moved past it: sync_key). */
static bool shares_insert(const insert_row *r)
{
    const orm_table *t = r->inst->mapper->table;
    return r->ncols && !t->levels && t->npk == 1 &&
           ((t->pk[0]->autoincrement && !r->inst->given[t->pk[0]->index]) || known_key(t));
}

static bool same_columns(const insert_row *a, const insert_row *b)
{
    return a->inst->mapper->table == b->inst->mapper->table && a->ncols == b->ncols &&
           memcmp(a->cols, b->cols, a->ncols * sizeof *a->cols) == 0;
}

/* A returned row, or a member of a group (known_key), by its key. */
typedef struct keyed_row {
    orm_value key;
    const void *item;
} keyed_row;

static int by_key(const void *x, const void *y)
{
    return orm_value_cmp(&((const keyed_row *)x)->key, &((const keyed_row *)y)->key);
}

/* Does the database store a group's rows (rows naming first's columns) as
 * they are sent, so that its INSERTs need no RETURNING (the dialect's
 * rowid_keys)? Yes when every column sent is of a type stored as sent and
 * every column not sent but the key is NULL (no server default; a computed
 * one is NULL in RETURNING too). The key is then the rows' consecutive
 * rowids (an autoincrement key) or was sent (known_key). */
static bool stored_as_sent(orm_uow *u, const insert_row *first)
{
    const orm_dialect *d = flush_dialect(u);
    const orm_table *t = first->inst->mapper->table;
    if (!d->rowid_keys) return false;
    size_t k = 0; /* orm_insert_columns names columns in table order */
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_column *c = &t->columns[i];
        bool sent = k < first->ncols && first->cols[k] == c;
        k += sent;
        if (sent ? d->stores_converted[c->type] : c->server_default != ORM_SD_NONE && !c->computed) return false;
    }
    return true;
}

/* The rows of an INSERT without RETURNING (stored_as_sent), as RETURNING
 * would have handed them back: the values sent, NULL elsewhere, and for an
 * autoincrement key the statement's rowids, last_id the last. */
static int inserted_as_sent(orm_uow *u, rm_arena *a, insert_row **members, size_t k, const orm_result *r)
{
    const orm_table *t = members[0]->inst->mapper->table;
    size_t key = t->pk[0]->index;
    if (r->changes != (int64_t)k || (!known_key(t) && r->last_id < (int64_t)k))
        return orm_error_set(u->s->err, ORM_E_INTERNAL, "an INSERT of %zu rows wrote %lld", k, (long long)r->changes);
    orm_value *row = RM_NEW_ARRAY(a, orm_value, t->ncolumns); /* each copied by inserted() */
    for (size_t j = 0; j < k; j++) {
        const insert_row *m = members[j];
        memset(row, 0, t->ncolumns * sizeof *row);
        for (size_t c = 0; c < m->ncols; c++) row[m->cols[c]->index] = m->vals[c];
        if (!known_key(t)) row[key] = orm_int(r->last_id - (int64_t)(k - 1 - j));
        inserted(u, m->inst, row);
    }
    return 0;
}

/* One INSERT of the k rows members[0..k) (naming first's columns), its
 * values, statement and the matching of what it returned in a, a scratch
 * arena for this statement alone. */
static int insert_rows(orm_uow *u, rm_arena *a, insert_row **members, size_t k, bool as_sent)
{
    const insert_row *first = members[0];
    const orm_table *t = first->inst->mapper->table;
    size_t nc = first->ncols, key = t->pk[0]->index;
    orm_insert ins = {.table = t, .columns = first->cols, .ncolumns = nc, .nrows = k, .returning = !as_sent};
    ins.values = RM_NEW_ARRAY(a, orm_value, k * nc);
    for (size_t j = 0; j < k; j++) memcpy(ins.values + j * nc, members[j]->vals, nc * sizeof *ins.values);
    orm_compiled c;
    orm_result r;
    int rc = orm_compile_insert(flush_dialect(u), &ins, a, &c, u->s->err);
    if (rc || (rc = flush_run_own(u, &c, &r))) return rc;
    if (flush_dialect(u)->rowid_keys && !known_key(t)) rowid_seen(u, t, r.last_id);
    if (as_sent) return inserted_as_sent(u, a, members, k, &r);
    if (r.nrows != k) return orm_error_set(u->s->err, ORM_E_INTERNAL, "an INSERT returned %zu rows of %zu", r.nrows, k);
    keyed_row *got = RM_NEW_ARRAY(a, keyed_row, k), *sent = RM_NEW_ARRAY(a, keyed_row, k);
    for (size_t j = 0; j < k; j++) {
        const orm_value *row = orm_result_row(&r, j);
        if (!known_key(t) && row[key].kind != ORM_V_INT)
            return orm_error_set(u->s->err, ORM_E_INTERNAL, "an INSERT returned a key that is not an integer");
        got[j] = (keyed_row){row[key], row};
        sent[j] = (keyed_row){members[j]->inst->row[key], members[j]};
    }
    qsort(got, k, sizeof *got, by_key);
    if (known_key(t)) qsort(sent, k, sizeof *sent, by_key); /* else in VALUES order: keys increase */
    for (size_t j = 0; j < k; j++) {
        if (known_key(t) && !orm_value_eq(&got[j].key, &sent[j].key))
            return orm_error_set(u->s->err, ORM_E_INTERNAL, "an INSERT returned keys other than those it sent");
        inserted(u, ((const insert_row *)sent[j].item)->inst, got[j].item); /* the values are the session's */
    }
    return 0;
}

/* INSERT the group starting at rows[head] (rows naming the same columns of
 * one table, shares_insert) in as few statements as insert_chunk allows. */
static int insert_group(orm_uow *u, rm_arena *a, insert_row *rows, size_t head)
{
    size_t n = 0;
    for (size_t i = head + 1; i; i = rows[i - 1].next) n++;
    insert_row **members = RM_NEW_ARRAY(a, insert_row *, n);
    n = 0;
    for (size_t i = head + 1; i; i = rows[i - 1].next) members[n++] = &rows[i - 1];
    bool as_sent = stored_as_sent(u, &rows[head]);
    const orm_table *t = rows[head].inst->mapper->table;
    orm_rowid_top *top = NULL; /* rowids: consecutive only below the largest integer (the header) */
    int rc = flush_dialect(u)->rowid_keys && !known_key(t) && n > 1 ? rowid_top(u, t, &top) : 0;
    if (rc) return rc;
    rm_arena *stmt = rm_arena_new();
    for (size_t at = 0, k; at < n && !rc; at += k) {
        k = insert_chunk(u, n - at, rows[head].ncols);
        if (top && !top->increase && top->max > INT64_MAX - (int64_t)k) k = 1;
        rm_arena_reset(stmt);
        rc = insert_rows(u, stmt, members + at, k, as_sent);
    }
    rm_arena_destroy(stmt);
    return rc;
}

/* Open groups a row looks for its own among: the most recent ones. Rows
 * of a level come in runs (a nested collection, a bulk POST), so a few
 * suffice; a level of rows that all differ is one INSERT per row, and the
 * grouping stays linear. */
#define OPEN_GROUPS 16

/* INSERT one level of pending instances (none waits on another): rows of
 * one table naming the same columns share statements; groups run in the
 * order of their first row, each in unit order, so keys are handed out in
 * the order the request gave the objects. */
static int insert_level_in(orm_uow *u, rm_arena *a, orm_instance **level, size_t nlevel)
{
    insert_row *rows = RM_NEW_ARRAY(a, insert_row, nlevel);
    size_t *heads = RM_NEW_ARRAY(a, size_t, nlevel), *tails = RM_NEW_ARRAY(a, size_t, nlevel), ngroups = 0;
    for (size_t i = 0; i < nlevel; i++) {
        orm_instance *inst = level[i];
        const orm_table *t = inst->mapper->table;
        apply_insert_links(u, a, inst);
        int rc = generate_defaults(u, inst);
        if (!rc) rc = orm_flush_check_row(u, inst);
        if (rc) return rc;
        insert_row *r = &rows[i];
        *r = (insert_row){.inst = inst, .cols = RM_NEW_ARRAY(a, const orm_column *, t->ncolumns),
                          .vals = RM_NEW_ARRAY(a, orm_value, t->ncolumns)};
        r->ncols = orm_insert_columns(inst->mapper, inst->row, inst->given, r->cols, r->vals);
        size_t g = ngroups, oldest = ngroups > OPEN_GROUPS ? ngroups - OPEN_GROUPS : 0;
        bool found = false;
        while (shares_insert(r) && !found && g > oldest) {
            g--;
            found = shares_insert(&rows[heads[g]]) && same_columns(&rows[heads[g]], r);
        }
        if (found) {
            rows[tails[g]].next = i + 1;
            tails[g] = i;
        } else {
            heads[ngroups] = tails[ngroups] = i;
            ngroups++;
        }
    }
    for (size_t g = 0; g < ngroups; g++) {
        int rc = shares_insert(&rows[heads[g]]) ? insert_group(u, a, rows, heads[g]) : insert_one(u, level[heads[g]]);
        if (rc) return rc;
    }
    return 0;
}

/* insert_level_in with a scratch arena for what only the level's INSERTs
 * need (each row's columns and values, the statements, their parameters):
 * freed after it, a bulk POST of 30,000 rows does not keep them all. What
 * outlives the level (the rows as stored, the identity map) goes in u->a. */
static int insert_level(orm_uow *u, orm_instance **level, size_t nlevel)
{
    rm_arena *tmp = rm_arena_new();
    int rc = insert_level_in(u, tmp, level, nlevel);
    rm_arena_destroy(tmp);
    return rc;
}

/* A link that makes its (pending) child wait for its (pending) parent's
 * INSERT: a post-update link or a link to itself is written afterwards. */
static bool waits_on(const orm_link *l)
{
    return !l->post_update && l->parent && l->parent != l->child && l->parent->state == ORM_PENDING &&
           l->child->state == ORM_PENDING;
}

static int by_seq(const void *x, const void *y)
{
    size_t a = (*(orm_instance *const *)x)->seq, b = (*(orm_instance *const *)y)->seq;
    return (a > b) - (a < b);
}

/* Break a cycle among the pending instances: the first one still waiting
 * (in unit order) gets its links to pending parents deferred to
 * post-updates, which needs them nullable. */
static int defer_links(orm_uow *u, orm_instance *inst)
{
    for (size_t k = inst->link_head; k; k = u->links[k - 1].next) {
        orm_link *l = &u->links[k - 1];
        if (!l->parent || l->parent->state != ORM_PENDING) continue;
        for (size_t c = 0; c < l->n; c++)
            if (!l->fk[c]->nullable)
                return orm_error_set(u->s->err, ORM_E_CONFLICT,
                                     "rows refer to each other through NOT NULL foreign keys "
                                     "(%s.%s): they cannot be inserted in any order",
                                     inst->mapper->table->name, l->fk[c]->name);
        if (waits_on(l)) inst->waits--;
        l->post_update = true;
    }
    return 0;
}

/* The instances a flush inserts, in unit order (each one's seq its index). */
typedef struct pending {
    orm_instance **objs;
    size_t n;
} pending;

/* INSERT the pending instances parents first, level by level (a level is
 * every instance whose pending parents are all in earlier levels), each
 * level in unit order; a cycle is broken by deferring one foreign key of
 * the first waiting instance (post-update). Linear but for sorting each
 * level: the links are indexed by parent once. *out: the instances
 * (settle_new_collections). */
static int insert_pending(orm_uow *u, pending *out)
{
    rm_arena *a = u->a;
    size_t np = 0;
    *out = (pending){0};
    for (size_t i = 0; i < u->nobjs; i++)
        if (u->objs[i]->state == ORM_PENDING) {
            u->objs[i]->seq = np++;
            u->objs[i]->waits = 0;
        }
    if (!np) return 0;
    orm_instance **pend = RM_NEW_ARRAY(a, orm_instance *, np);
    for (size_t i = 0; i < u->nobjs; i++)
        if (u->objs[i]->state == ORM_PENDING) pend[u->objs[i]->seq] = u->objs[i];
    *out = (pending){pend, np};
    /* the waiting links grouped by parent: first[p] .. first[p + 1] in by_parent */
    size_t *first = RM_NEW_ARRAY(a, size_t, np + 1), *by_parent, *fill;
    for (size_t i = 0; i < u->nlinks; i++)
        if (waits_on(&u->links[i])) {
            first[u->links[i].parent->seq + 1]++;
            u->links[i].child->waits++;
        }
    for (size_t p = 0; p < np; p++) first[p + 1] += first[p];
    by_parent = RM_NEW_ARRAY(a, size_t, first[np] + 1);
    fill = RM_NEW_ARRAY(a, size_t, np);
    memcpy(fill, first, np * sizeof *fill);
    for (size_t i = 0; i < u->nlinks; i++)
        if (waits_on(&u->links[i])) by_parent[fill[u->links[i].parent->seq]++] = i;
    /* level by level */
    orm_instance **level = RM_NEW_ARRAY(a, orm_instance *, np), **next = RM_NEW_ARRAY(a, orm_instance *, np);
    size_t nlevel = 0, done = 0, scan = 0;
    for (size_t p = 0; p < np; p++)
        if (!pend[p]->waits) level[nlevel++] = pend[p];
    while (done < np) {
        if (!nlevel) {
            /* every pending instance waits on another */
            while (pend[scan]->state != ORM_PENDING) scan++;
            int rc = defer_links(u, pend[scan]);
            if (rc) return rc;
            if (pend[scan]->waits) /* cannot happen: every waiting link was deferred */
                return orm_error_set(u->s->err, ORM_E_INTERNAL, "a dependency cycle could not be broken");
            level[nlevel++] = pend[scan];
        }
        int rc = insert_level(u, level, nlevel);
        if (rc) return rc;
        size_t nnext = 0;
        for (size_t i = 0; i < nlevel; i++) {
            orm_instance *inst = level[i];
            done++;
            for (size_t k = first[inst->seq]; k < first[inst->seq + 1]; k++) {
                orm_link *l = &u->links[by_parent[k]];
                if (l->post_update) continue; /* deferred since: no longer counted */
                if (--l->child->waits == 0) next[nnext++] = l->child;
            }
        }
        qsort(next, nnext, sizeof *next, by_seq);
        orm_instance **t = level;
        level = next;
        next = t;
        nlevel = nnext;
    }
    return 0;
}

/* Does the UPDATE of inst's row set column i (a stored column, not the
 * version, whose value differs from the committed one)? */
static bool column_changed(const orm_instance *inst, size_t i)
{
    const orm_column *c = &inst->mapper->table->columns[i];
    return !c->version && !c->computed && !orm_value_eq(&inst->row[i], &inst->committed[i]);
}

/* May inst's UPDATE (of one table, setting up's columns) go without
 * RETURNING, the row it leaves being known without reading it back?
 * RETURNING gives an UPDATE nothing the unit does not know when
 *  - the dialect stores values as sent (rowid_keys) and none of the
 *    columns set is of a type it may store converted (stores_converted):
 *    the new values are those sent;
 *  - a version column, if any, holds an integer below the largest: the
 *    WHERE requires it, so the row holds it plus one;
 *  - the table has no deferred column (a row loaded without it would
 *    have it NULL; RETURNING reads it), and its computed ones RETURNING
 *    gives as NULL anyway (compile.c);
 *  - every other column of the row is as the unit loaded it: the unit's
 *    transaction began before its loads (a write unit's BEGIN IMMEDIATE
 *    holds SQLite's one write lock), its INSERTs and UPDATEs of an
 *    instance store what they wrote in it, and no write that may change
 *    rows behind their instances ran since the unit began (u->untracked:
 *    a detach UPDATE, any DELETE with its ON DELETE actions, association
 *    rows, a bulk write; flush_int.h, flush_run). A dry run's savepoint
 *    undo ends its unit. A new unit (a batch's next operation) starts
 *    with an empty identity map and a new unit of work.
 * Elsewhere (PostgreSQL, numeric values, after such a write) RETURNING
 * reads the row back, as SQLAlchemy refreshes server-set values. */
static bool update_as_sent(orm_uow *u, const orm_instance *inst, const orm_column **cols, size_t n)
{
    const orm_dialect *d = flush_dialect(u);
    const orm_table *t = inst->mapper->table;
    const orm_column *vc = inst->mapper->version_col;
    if (!d->rowid_keys || u->untracked) return false;
    if (vc && (inst->committed[vc->index].kind != ORM_V_INT || inst->committed[vc->index].u.i == INT64_MAX))
        return false;
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_column *c = &t->columns[i];
        if (c->deferred || (c->onupdate_now && d->stores_converted[c->type])) return false;
    }
    for (size_t k = 0; k < n; k++)
        if (d->stores_converted[cols[k]->type]) return false;
    return true;
}

/* inst's row after its UPDATE without RETURNING (update_as_sent): the
 * values it set (vals of cols[0..n)), the version one more, computed
 * columns NULL (as RETURNING gives them), the rest as committed. */
static void updated_as_sent(orm_instance *inst, const orm_column **cols, const orm_value *vals, size_t n)
{
    const orm_table *t = inst->mapper->table;
    const orm_column *vc = inst->mapper->version_col;
    for (size_t k = 0; k < n; k++) inst->committed[cols[k]->index] = vals[k];
    if (vc) inst->committed[vc->index].u.i++;
    for (size_t i = 0; i < t->ncolumns; i++)
        if (t->columns[i].computed) inst->committed[i] = orm_null();
    memcpy(inst->row, inst->committed, t->ncolumns * sizeof *inst->row);
}

/* *a, made on first use. */
static rm_arena *lazy_arena(rm_arena **a)
{
    if (!*a) *a = rm_arena_new();
    return *a;
}

/* The compiled UPDATE of inst's row (of one table) setting cols[0..n) to
 * vals, by the key vals[n..n + npk) (the committed one), in a; with a
 * version column, incrementing it and requiring the committed one.
 * Without a version column or a scope it is keyed by its spec (the
 * mapper, RETURNING or not, the columns; cache_key.h), so a row like one
 * written before (a bulk change of many rows) builds no tree; else by its
 * tree. */
static int update_statement(orm_uow *u, rm_arena *a, const orm_instance *inst, const orm_column **cols,
                            const orm_value *vals, size_t n, bool returning, orm_compiled *c)
{
    const orm_mapper *m = inst->mapper;
    const orm_table *t = m->table;
    const orm_dialect *d = flush_dialect(u);
    bool by_spec = !m->version_col && !u->s->scope; /* their values would follow the key's */
    orm_cache_key spec;
    uint64_t room[16]; /* the spec's words, for a few columns */
    if (by_spec) {
        uint64_t *words = n + 2 <= 16 ? room : rm_arena_alloc(a, (n + 2) * sizeof *words);
        words[0] = ORM_SPEC_UPDATE_ROW | (uint64_t)returning << 16 | (uint64_t)n << 32;
        words[1] = (uint64_t)(uintptr_t)m;
        for (size_t k = 0; k < n; k++) words[2 + k] = (uint64_t)(uintptr_t)cols[k];
        orm_cache_key_spec(&spec, words, n + 2, vals, n + t->npk);
        if (orm_compile_find(d, &spec, a, c)) return 0;
    }
    orm_update up = {.table = t, .returning = returning};
    up.columns = RM_NEW_ARRAY(a, const orm_column *, n + 1);
    up.values = RM_NEW_ARRAY(a, orm_expr *, n + 1);
    for (size_t k = 0; k < n; k++) {
        up.columns[up.ncolumns] = cols[k];
        up.values[up.ncolumns++] = orm_expr_param(a, vals[k], cols[k]);
    }
    up.where = orm_flush_scoped_pk_where(u, a, m, vals + n);
    if (m->version_col) orm_flush_add_version(a, inst, &up, m->version_col);
    return by_spec ? orm_compile_update_as(d, &spec, &up, a, c, u->s->err)
                   : orm_compile_update(d, &up, a, c, u->s->err);
}

/* UPDATE the columns of a persistent instance that differ from its
 * committed state (and its "onupdate" ones); with a version column,
 * increment it and require the committed version in the WHERE (0 rows:
 * stale data). The statement's pieces go in *scratch (made on first use),
 * reset after it (what RETURNING reads is the session's): a flush of many
 * rows keeps none of them. A span's levels: orm_flush_update_levels. */
static int update_changed(orm_uow *u, rm_arena **scratch, orm_instance *inst)
{
    const orm_mapper *m = inst->mapper;
    const orm_table *t = m->table;
    if (t->levels) return orm_flush_update_levels(u, inst);
    /* the columns it sets and their values, then the key's: on the stack
     * for a table of a few columns, else made at the first change (most
     * rows a flush meets have none: those it inserted) */
    enum { FEW = 16 };
    const orm_column *few_cols[FEW], **cols = t->ncolumns <= FEW ? few_cols : NULL;
    orm_value few_vals[FEW + 1], *vals = t->ncolumns + t->npk <= FEW + 1 ? few_vals : NULL;
    size_t n = 0;
    bool onupdate = false;
    for (size_t i = 0; i < t->ncolumns; i++) {
        onupdate |= t->columns[i].onupdate_now;
        if (!column_changed(inst, i)) continue;
        if (t->columns[i].primary_key)
            return orm_error_set(u->s->err, ORM_E_INVALID, "the primary key of %s cannot change", m->name);
        if (!cols) cols = rm_arena_alloc(lazy_arena(scratch), t->ncolumns * sizeof *cols); /* filled up to n */
        if (!vals) vals = rm_arena_alloc(lazy_arena(scratch), (t->ncolumns + t->npk) * sizeof *vals);
        cols[n] = &t->columns[i];
        vals[n++] = inst->row[i];
    }
    if (!n) return 0;
    rm_arena *tmp = lazy_arena(scratch);
    int rc = orm_flush_check_row(u, inst);
    if (rc) return rc;
    bool as_sent = update_as_sent(u, inst, cols, n);
    if (onupdate) n = orm_flush_onupdate(u, t, cols, vals, n);
    for (size_t j = 0; j < t->npk; j++) vals[n + j] = inst->committed[t->pk[j]->index];
    orm_compiled c;
    orm_result r;
    if ((rc = update_statement(u, tmp, inst, cols, vals, n, !as_sent, &c)) ||
        (rc = orm_flush_exec_update(u, inst, &c, m->version_col, &r)))
        return rc;
    if (u->s->scope && !inst->wrote) { /* what it referred to before (orm_flush_check_written) */
        inst->before = RM_NEW_ARRAY(u->a, orm_value, t->ncolumns);
        memcpy(inst->before, inst->committed, t->ncolumns * sizeof *inst->before);
    }
    if (as_sent) {
        updated_as_sent(inst, cols, vals, n);
    } else {
        memcpy(inst->row, r.values, t->ncolumns * sizeof *inst->row);
        memcpy(inst->committed, r.values, t->ncolumns * sizeof *inst->row);
    }
    rm_arena_reset(tmp);
    inst->wrote = true;
    return 0;
}

static int update_persistent(orm_uow *u, rm_arena **scratch)
{
    for (size_t i = 0; i < u->nlinks; i++) {
        const orm_link *l = &u->links[i];
        if (l->child->state == ORM_PERSISTENT && !l->post_update) apply_link(u, l, false);
    }
    for (size_t i = 0; i < u->nobjs; i++) {
        orm_instance *inst = u->objs[i];
        if (inst->state != ORM_PERSISTENT || !inst->committed) continue;
        int rc = update_changed(u, scratch, inst);
        if (rc) return rc;
    }
    /* post-updates: the deferred foreign keys, now that every row exists */
    for (size_t i = 0; i < u->nlinks; i++) {
        const orm_link *l = &u->links[i];
        if (!l->post_update && l->parent != l->child) continue;
        if (l->child->state != ORM_PERSISTENT) continue;
        apply_link(u, l, false);
        int rc = update_changed(u, scratch, l->child);
        if (rc) return rc;
    }
    return 0;
}

/* ---- association rows ------------------------------------------------------------ */

/* An association row of as: its key columns and their values. */
static void assoc_values(const orm_assoc *as, const orm_column **cols, orm_value *vals)
{
    const orm_relationship *r = as->rel;
    for (size_t k = 0; k < r->npairs; k++) {
        if (cols) cols[2 * k] = r->sec_local[k], cols[2 * k + 1] = r->sec_remote[k];
        vals[2 * k] = as->from->row[r->local[k]->index];
        vals[2 * k + 1] = as->to->row[r->remote[k]->index];
    }
}

static bool assoc_ready(const orm_assoc *as)
{
    return as->from->state == ORM_PERSISTENT && as->to->state == ORM_PERSISTENT;
}

/* INSERT the association rows u->assocs[*i] and the next ones added to the
 * same relationship, as many as insert_chunk allows, in one statement;
 * *i ends at the last one taken. */
static int insert_assocs(orm_uow *u, size_t *i)
{
    rm_arena *a = u->a;
    const orm_relationship *r = u->assocs[*i].rel;
    size_t nc = 2 * r->npairs, n = 0;
    for (size_t j = *i; j < u->nassocs && u->assocs[j].rel == r && !u->assocs[j].remove && assoc_ready(&u->assocs[j]); j++)
        n++;
    size_t k = insert_chunk(u, n, nc);
    orm_insert ins = {.table = r->secondary, .ncolumns = nc, .nrows = k};
    ins.columns = RM_NEW_ARRAY(a, const orm_column *, nc);
    ins.values = RM_NEW_ARRAY(a, orm_value, k * nc);
    for (size_t j = 0; j < k; j++) assoc_values(&u->assocs[*i + j], j ? NULL : ins.columns, ins.values + j * nc);
    *i += k - 1;
    orm_compiled c;
    int rc = orm_compile_insert(flush_dialect(u), &ins, a, &c, u->s->err);
    return rc ? rc : flush_run(u, &c, NULL);
}

/* Association rows: the removed ones deleted one by one, the added ones
 * inserted in runs of one relationship. */
static int write_assocs(orm_uow *u)
{
    rm_arena *a = u->a;
    for (size_t i = 0; i < u->nassocs; i++) {
        const orm_assoc *as = &u->assocs[i];
        const orm_relationship *r = as->rel;
        if (!assoc_ready(as)) continue;
        /* a criterion may go through the association: both ends are checked */
        as->from->wrote = as->to->wrote = true;
        int rc;
        if (as->remove) {
            orm_value *vals = RM_NEW_ARRAY(a, orm_value, 2 * r->npairs);
            assoc_values(as, NULL, vals);
            orm_delete del = {.table = r->secondary};
            for (size_t k = 0; k < r->npairs; k++) {
                del.where = orm_expr_and(a, del.where, orm_expr_col_eq(a, -1, r->sec_local[k], vals[2 * k]));
                del.where = orm_expr_and(a, del.where, orm_expr_col_eq(a, -1, r->sec_remote[k], vals[2 * k + 1]));
            }
            orm_compiled c;
            if ((rc = orm_compile_delete(flush_dialect(u), &del, a, &c, u->s->err)) || (rc = flush_run(u, &c, NULL))) return rc;
        } else if ((rc = insert_assocs(u, &i))) {
            return rc;
        }
    }
    return 0;
}

/* ---- deletes ------------------------------------------------------------------------ */

static int delete_one(orm_uow *u, orm_instance *inst)
{
    const orm_mapper *m = inst->mapper;
    const orm_table *t = m->table;
    rm_arena *a = u->a;
    orm_value *pk = RM_NEW_ARRAY(a, orm_value, t->npk);
    for (size_t i = 0; i < t->npk; i++) pk[i] = inst->committed[t->pk[i]->index];
    orm_expr *where = NULL;
    int lrc = t->levels ? orm_flush_delete_levels(u, inst, pk, &where) : 0;
    if (lrc) return lrc;
    orm_delete del = {.table = t->levels ? t->levels[0] : t, .where = t->levels ? where : orm_flush_scoped_pk_where(u, a, m, pk)};
    if (m->version_col)
        del.where = orm_expr_and(a, del.where, orm_expr_col_eq(a, -1, m->version_col,
                                                                inst->committed[m->version_col->index]));
    orm_compiled c;
    orm_result r;
    int rc = orm_compile_delete(flush_dialect(u), &del, a, &c, u->s->err);
    if (rc || (rc = flush_run(u, &c, &r))) return rc;
    if (r.changes == 0) /* loaded in this unit, gone by its DELETE: stale, as any row (409) */
        return orm_error_set(u->s->err, ORM_E_STALE, "%s was changed or deleted by someone else", m->name);
    return 0;
}

/* Rows one DELETE ... WHERE key IN (...) removes at most. */
#define DELETE_BATCH 500

/* Can inst's DELETE share a statement with others of its table? One key
 * column and no version to check row by row. */
static bool batchable(const orm_instance *inst)
{
    return inst->mapper->table->npk == 1 && !inst->mapper->version_col && !inst->mapper->table->levels;
}

/* Delete objs[*i] and, when batchable, the deleted instances of the same
 * table just below it in the unit (the delete order walks down), up to
 * DELETE_BATCH, in one statement; *i ends at the last one taken. A cascade
 * of many children is then a few statements, not one per row. */
static int delete_run(orm_uow *u, size_t *i)
{
    orm_instance *first = u->objs[*i];
    if (!batchable(first)) return delete_one(u, first);
    const orm_table *t = first->mapper->table;
    size_t max = (size_t)flush_dialect(u)->max_params < DELETE_BATCH ? (size_t)flush_dialect(u)->max_params : DELETE_BATCH;
    orm_expr **keys = RM_NEW_ARRAY(u->a, orm_expr *, max);
    size_t n = 0, last = *i;
    for (size_t j = *i + 1; j-- > 0 && n < max;) {
        orm_instance *o = u->objs[j];
        if (o->state != ORM_DELETED) continue;
        if (o->mapper->table != t || !batchable(o)) break;
        keys[n++] = orm_expr_param(u->a, o->committed[t->pk[0]->index], t->pk[0]);
        last = j;
    }
    if (n == 1) return delete_one(u, first);
    orm_delete del = {.table = t, .where = orm_expr_binary(u->a, ORM_OP_IN, orm_expr_column(u->a, -1, t->pk[0]),
                                                            orm_expr_list(u->a, keys, n))};
    orm_alias_seq seq = orm_alias_seq_start(1, u->s->scope); /* as every DELETE: the rows the scope sees */
    del.where = orm_expr_and(u->a, del.where, orm_scope_where(u->a, first->mapper, -1, &seq));
    orm_compiled c;
    orm_result r;
    int rc = orm_compile_delete(flush_dialect(u), &del, u->a, &c, u->s->err);
    if (rc || (rc = flush_run(u, &c, &r))) return rc;
    if (r.changes != (int64_t)n)
        return orm_error_set(u->s->err, ORM_E_STALE, "%s was changed or deleted by someone else", first->mapper->name);
    *i = last;
    return 0;
}

/* A map (referenced column, value) → the last position in u->objs of a
 * deleted row holding that value: open addressing, sized once. */
typedef struct ref_slot {
    const orm_column *col;   /* NULL: empty */
    const orm_value *v;
    uint64_t hash;
    size_t pos;
} ref_slot;

typedef struct ref_map {
    ref_slot *slots;
    size_t mask;
} ref_map;

static uint64_t ref_hash(const orm_column *col, const orm_value *v)
{
    uint64_t h = orm_values_hash(v, 1) ^ ((uint64_t)(uintptr_t)col * 0x9E3779B97F4A7C15ULL);
    return h ^ (h >> 29);
}

/* The slot of (col, v): its entry, or the empty slot where it would go. */
static ref_slot *ref_find(const ref_map *m, const orm_column *col, const orm_value *v, uint64_t h)
{
    for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
        ref_slot *s = &m->slots[i];
        if (!s->col || (s->hash == h && s->col == col && orm_value_eq(s->v, v))) return s;
    }
}

/* Deleted rows that refer to rows deleted before them (a cycle, such as a
 * user's favourite address among the addresses deleted with the user) get
 * that foreign key set to NULL first, as SQLAlchemy's post_update does.
 * Deletes run in reverse: rows met after d in u->objs are deleted before
 * it. Linear: the referenced values of deleted rows are hashed once. */
static int detach_deleted(orm_uow *u, rm_arena **scratch)
{
    rm_arena *a = u->a;
    /* the columns that nullable foreign keys of deleted rows refer to */
    const orm_column **cols = NULL;
    size_t ncols = 0;
    const orm_table *last = NULL; /* deleted rows come in runs of one table */
    for (size_t i = 0; i < u->nobjs; i++) {
        const orm_instance *d = u->objs[i];
        if (d->state != ORM_DELETED) continue;
        const orm_table *t = d->mapper->table;
        if (t == last) continue;
        last = t;
        for (size_t c = 0; c < t->ncolumns; c++) {
            const orm_column *col = &t->columns[c];
            if (!col->fk || !col->nullable) continue;
            size_t k = 0;
            while (k < ncols && cols[k] != col->fk->column) k++;
            if (k < ncols) continue;
            cols = rm_arena_realloc(a, cols, ncols * sizeof *cols, (ncols + 1) * sizeof *cols);
            cols[ncols++] = col->fk->column;
        }
    }
    if (!ncols) return 0;
    /* each deleted row's values of those columns → its position (the last
     * wins); the first pass counts, the second fills */
    ref_map m = {0};
    size_t nkeys = 0;
    for (int fill = 0; fill < 2; fill++) {
        if (fill) {
            size_t cap = 16;
            while (cap < nkeys * 2 + 2) cap *= 2;
            m.slots = RM_NEW_ARRAY(a, ref_slot, cap);
            m.mask = cap - 1;
        }
        for (size_t i = 0; i < u->nobjs; i++) {
            const orm_instance *e = u->objs[i];
            if (e->state != ORM_DELETED) continue;
            for (size_t k = 0; k < ncols; k++) {
                const orm_value *v = &e->committed[cols[k]->index];
                if (cols[k]->table != e->mapper->table || v->kind == ORM_V_NULL) continue;
                if (!fill) {
                    nkeys++;
                    continue;
                }
                uint64_t h = ref_hash(cols[k], v);
                *ref_find(&m, cols[k], v, h) = (ref_slot){cols[k], v, h, i};
            }
        }
    }
    for (size_t i = 0; i < u->nobjs; i++) {
        orm_instance *d = u->objs[i];
        if (d->state != ORM_DELETED) continue;
        const orm_table *t = d->mapper->table;
        bool changed = false;
        for (size_t c = 0; c < t->ncolumns; c++) {
            const orm_column *col = &t->columns[c];
            if (!col->fk || !col->nullable || d->committed[c].kind == ORM_V_NULL) continue;
            const orm_column *ref = col->fk->column;
            const ref_slot *s = ref_find(&m, ref, &d->committed[c], ref_hash(ref, &d->committed[c]));
            if (s->col && s->pos > i) {
                d->row[c] = orm_null();
                changed = true;
            }
        }
        int rc = changed ? update_changed(u, scratch, d) : 0;
        if (rc) return rc;
    }
    return 0;
}

/* After a flush that succeeded the unit holds no changes: what it wrote is
 * the instances' committed state, so a later flush in the same unit (the
 * next resource of a seed, the next create) writes only what changed since
 * (SQLAlchemy's session after flush). */
static void settle(orm_uow *u)
{
    for (size_t i = 0; i < u->nobjs; i++) u->objs[i]->touched = false;
    for (size_t i = 0; i < u->nlinks; i++) u->links[i].child->link_head = 0;
    u->nobjs = u->nlinks = u->nassocs = u->nnew = 0;
}

/* Was inst's key made by its INSERT (an autoincrement it did not give,
 * or a generator's value): a key no row could refer to before? */
static bool fresh_key(const orm_instance *inst)
{
    const orm_table *t = inst->mapper->table;
    if (t->npk != 1) return false;
    const orm_column *k = t->pk[0];
    return (k->autoincrement && !inst->given[k->index]) || k->generator != ORM_GEN_NONE;
}

/* The distinct mappers of the unit's rows (few: one per class written). */
typedef struct written_mappers {
    const orm_mapper **m;
    size_t n;
} written_mappers;

static written_mappers mappers_written(const orm_uow *u)
{
    written_mappers w = {RM_NEW_ARRAY(u->a, const orm_mapper *, u->nobjs + 1), 0};
    for (size_t i = 0; i < u->nobjs; i++) {
        const orm_mapper *o = u->objs[i]->mapper;
        size_t j = 0;
        while (j < w.n && w.m[j] != o) j++;
        if (j == w.n) w.m[w.n++] = o;
    }
    return w;
}

/* Does the unit write rows of m's hierarchy (m, an ancestor or a
 * descendant of it)? */
static bool writes_rows_of(const written_mappers *w, const orm_mapper *m)
{
    for (size_t i = 0; i < w->n; i++)
        if (orm_mapper_isa(w->m[i], m) || orm_mapper_isa(m, w->m[i])) return true;
    return false;
}

/* A to-many relationship r of a new row whose rows are all in the unit:
 * one-to-many by the plain foreign key to the row's own key (no custom
 * join, no "where"), not self-referential, and no row of the target's
 * hierarchy written by the unit nor any write it does not track. */
static bool fills_from_unit(const orm_uow *u, const written_mappers *w, const orm_instance *inst,
                            const orm_relationship *r)
{
    return r->direction == ORM_ONE_TO_MANY && !r->custom_join && !r->join_where && r->npairs == 1 &&
           r->local[0] == inst->mapper->table->pk[0] && !orm_mapper_isa(inst->mapper, r->target) &&
           !orm_mapper_isa(r->target, inst->mapper) && !u->untracked && !writes_rows_of(w, r->target);
}

/* The collections of the new rows that no row can be in yet get empty
 * loaded slots, so an answer that embeds them runs no statement to find
 * them empty (a POST of a user without addresses was 2 statements).
 * Only where that is certain (fills_from_unit, fresh_key): the foreign
 * key is checked at once, so no row refers to a key before the key
 * exists, and rows the unit itself wrote would be in its hierarchy.
 * fresh: the rows the flush inserted (insert_pending). Called before the
 * unit's lists are emptied (settle). */
static void settle_new_collections(orm_uow *u, const pending *fresh)
{
    if (!fresh->n || u->untracked) return;
    written_mappers w = mappers_written(u);
    for (size_t i = 0; i < fresh->n; i++) {
        orm_instance *inst = fresh->objs[i];
        if (!fresh_key(inst)) continue;
        for (const orm_mapper *m = inst->mapper; m; m = m->inherits)
            for (size_t j = 0; j < m->nrelationships; j++) {
                const orm_relationship *r = &m->relationships[j];
                if (!orm_instance_related(inst, r) && fills_from_unit(u, &w, inst, r))
                    orm_instance_load_slot(inst, r, u->a);
            }
    }
}

/* orm_uow_flush with the scratch arena of its UPDATEs (made on first use). */
static int flush_in(orm_uow *u, rm_arena **scratch)
{
    int rc;
    if ((rc = orm_uow_check_size(u))) return rc;
    /* cascades first: they may add instances to delete (u->objs grows) */
    for (size_t i = 0; i < u->nobjs; i++) {
        if (u->ndeleted > ORM_MAX_DELETE_ROWS) return orm_flush_too_many_deletes(u);
        if (u->objs[i]->state == ORM_DELETED && (rc = expand_delete(u, u->objs[i]))) return rc;
    }
    if (u->ndeleted > ORM_MAX_DELETE_ROWS) return orm_flush_too_many_deletes(u);
    pending fresh; /* the rows this flush inserts */
    if ((rc = insert_pending(u, &fresh)) || (rc = update_persistent(u, scratch)) || (rc = write_assocs(u))) return rc;
    if ((rc = orm_flush_check_written(u))) return rc;
    if ((rc = detach_deleted(u, scratch))) return rc;
    /* children were met after their parents: delete in reverse */
    for (size_t i = u->nobjs; i-- > 0;)
        if (u->objs[i]->state == ORM_DELETED && (rc = delete_run(u, &i))) return rc;
    settle_new_collections(u, &fresh);
    settle(u);
    return 0;
}

int orm_uow_flush(orm_uow *u)
{
    rm_arena *scratch = NULL;
    int rc = flush_in(u, &scratch);
    rm_arena_destroy(scratch);
    return rc;
}
