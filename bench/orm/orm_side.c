/* orm_side.c: the workloads through orm/ as a library, the way the server
 * uses it: a schema loaded by orm_schema_load, an engine, one session per
 * unit of work (orm_session_run), objects made and changed through the
 * unit of work and flushed (orm/uow.h), objects loaded into the identity
 * map (orm/loading.h), large results streamed (orm/stream.h). */
#include <stdio.h>
#include <string.h>

#include "bench/orm/bench_orm.h"
#include "orm/schema.h"
#include "orm/stream.h"
#include "orm/uow.h"

typedef struct ormb ormb;
void orm_timed(ormb *b, bool write, orm_unit_fn fn, long times);

struct ormb {
    const bench_job *j;
    bench_out *o;
    orm_schema *schema;
    orm_engine *engine;
    rm_arena *a;              /* the session's: reset per session */
    orm_error err;
    const orm_mapper *customer, *parent;
    const orm_column *name, *desc, *child_name;
    const orm_relationship *children;
    long i;                   /* the row a per-session unit works on */
};

static bool ormb_open(ormb *b, const bench_job *j, bench_out *o)
{
    memset(b, 0, sizeof *b);
    b->j = j;
    b->o = o;
    orm_error_init(&b->err, NULL);
    orm_engine_options eo = {.pool_size = 1, .pool_timeout_ms = 5000, .busy_timeout_ms = 5000,
                             .statement_timeout_ms = j->timeout_ms, .echo = j->echo ? stderr : NULL};
    if (orm_schema_load(j->schema_dir, &b->schema, &b->err) ||
        orm_engine_open(rm_arena_sprintf(b->schema->arena, "sqlite:///%s", j->db_path), &eo, &b->engine, &b->err)) {
        bench_fail(o, "%s", b->err.detail);
        orm_schema_free(b->schema);
        return false;
    }
    b->a = rm_arena_new();
    b->customer = orm_schema_mapper(b->schema, "Customer");
    b->parent = orm_schema_mapper(b->schema, "Parent");
    b->name = orm_table_column(b->customer->table, "name");
    b->desc = orm_table_column(b->customer->table, "description");
    b->children = orm_mapper_relationship(b->parent, "children");
    b->child_name = orm_table_column(b->children->target->table, "name");
    return true;
}

static void ormb_close(ormb *b)
{
    orm_engine_close(b->engine);
    orm_schema_free(b->schema);
    rm_arena_destroy(b->a);
}

/* A new session on a fresh arena, running fn as one unit; false on error (o set). */
static bool unit(ormb *b, bool write, orm_unit_fn fn)
{
    rm_arena_reset(b->a);
    orm_error_init(&b->err, b->a);
    orm_session s;
    orm_session_init(&s, b->engine, b->schema, b->a, &b->err);
    if (!orm_session_run(&s, write, fn, b)) return true;
    bench_fail(b->o, "%s %s", b->err.detail, b->err.internal);
    return false;
}

/* The timed part: `times` units of fn, each in a new session (b->i is
 * the unit's number); the first failure stops. Not inlined: profile.sh
 * counts this function alone, as the clock does. */
__attribute__((noinline)) void orm_timed(ormb *b, bool write, orm_unit_fn fn, long times)
{
    for (b->i = 0; b->i < times; b->i++)
        if (!unit(b, write, fn)) break;
}

/* Time orm_timed after the untimed open. */
static void run_units(const bench_job *j, bench_out *o, bool write, orm_unit_fn fn, long times)
{
    ormb b;
    if (!ormb_open(&b, j, o)) return;
    double t0 = bench_now();
    orm_timed(&b, write, fn, times);
    o->secs = bench_now() - t0;
    ormb_close(&b);
}

static uint64_t customer_check(const ormb *b, const orm_instance *c)
{
    const orm_value *row = c->row;
    return bench_row_check(row[b->customer->table->pk[0]->index].u.i, row[b->name->index].u.s.n,
                           row[b->desc->index].u.s.n);
}

/* A new Customer i, pending in u. */
static void add_customer(ormb *b, orm_uow *u, long i)
{
    char name[96], desc[96];
    int nl = bench_name(name, i), dl = bench_description(desc, i);
    orm_instance *c = orm_uow_new(u, b->customer);
    orm_uow_set(u, c, b->name, orm_text(name, (size_t)nl));
    orm_uow_set(u, c, b->desc, orm_text(desc, (size_t)dl));
    b->o->check += bench_row_check(0, (size_t)nl, (size_t)dl);
}

static int bulk_unit(orm_session *s, void *ud)
{
    ormb *b = ud;
    orm_uow *u = orm_session_uow(s);
    b->o->check = 0;
    for (long i = 0; i < b->j->sz.bulk; i++) {
        add_customer(b, u, i);
        int rc = (i + 1) % BENCH_CHUNK == 0 || i + 1 == b->j->sz.bulk ? orm_uow_flush(u) : 0;
        if (rc) return rc;
    }
    return 0;
}

void orm_bulk_inserts(const bench_job *j, bench_out *o) { run_units(j, o, true, bulk_unit, 1); }

static int single_unit(orm_session *s, void *ud)
{
    ormb *b = ud;
    orm_uow *u = orm_session_uow(s);
    add_customer(b, u, b->i);
    return orm_uow_flush(u);
}

void orm_single_inserts(const bench_job *j, bench_out *o) { run_units(j, o, true, single_unit, j->sz.single); }

/* As the server's GET of one object (routes/item.c): the key's query,
 * limit 1, loaded into the identity map, the unit's only statement (so
 * outside BEGIN/COMMIT: orm_session_last). */
static int select_unit(orm_session *s, void *ud)
{
    ormb *b = ud;
    orm_value pk = orm_int(bench_lookup_id(&b->j->sz, b->i));
    orm_query q;
    orm_query_init(&q, b->customer, s->scope);
    q.where = orm_pk_where(s->arena, b->customer, 0, &pk);
    q.limit = 1;
    orm_loaded got;
    orm_session_last(s, true); /* as routes/item.c: the one statement, no BEGIN/COMMIT */
    int rc = orm_load_query(s, &q, NULL, 0, &got);
    if (!rc && got.n) b->o->check += customer_check(b, got.items[0]);
    return rc;
}

void orm_short_selects(const bench_job *j, bench_out *o) { run_units(j, o, false, select_unit, j->sz.selects); }

static int large_batch(orm_session *s, orm_instance **batch, size_t n, void *ud)
{
    ormb *b = ud;
    for (size_t i = 0; i < n; i++) b->o->check += customer_check(b, batch[i]);
    return 0;
}

static int large_unit(orm_session *s, void *ud)
{
    ormb *b = ud;
    orm_query q;
    orm_query_init(&q, b->customer, s->scope);
    b->o->check = 0;
    return orm_stream_query(s, &q, BENCH_CHUNK, NULL, 0, large_batch, b);
}

void orm_large_resultsets(const bench_job *j, bench_out *o) { run_units(j, o, false, large_unit, 1); }

/* SQLAlchemy's bulk_updates test_orm_flush: one session; per chunk the
 * rows of an id range loaded, each changed, then a flush. */
static int updates_unit(orm_session *s, void *ud)
{
    ormb *b = ud;
    orm_uow *u = orm_session_uow(s);
    const orm_column *id = b->customer->table->pk[0];
    b->o->check = 0;
    for (long lo = 1; lo <= b->j->sz.updates; lo += BENCH_CHUNK) {
        long hi = lo + BENCH_CHUNK - 1 < b->j->sz.updates ? lo + BENCH_CHUNK - 1 : b->j->sz.updates;
        orm_expr *range[2] = {orm_expr_param(s->arena, orm_int(lo), id), orm_expr_param(s->arena, orm_int(hi), id)};
        orm_query q;
        orm_query_init(&q, b->customer, s->scope);
        q.where = orm_expr_binary(s->arena, ORM_OP_BETWEEN, orm_expr_column(s->arena, 0, id),
                                  orm_expr_list(s->arena, range, 2));
        orm_loaded got;
        int rc = orm_load_query(s, &q, NULL, 0, &got);
        for (size_t i = 0; !rc && i < got.n; i++) {
            char desc[96];
            int64_t key = got.items[i]->row[id->index].u.i;
            int dl = bench_updated(desc, (long)key, b->j->run);
            orm_uow_set(u, got.items[i], b->desc, orm_text(desc, (size_t)dl));
            b->o->check += bench_row_check(key, 0, 0); /* the run number in the value varies */
        }
        if (rc || (rc = orm_uow_flush(u))) return rc;
    }
    return 0;
}

void orm_bulk_updates(const bench_job *j, bench_out *o) { run_units(j, o, true, updates_unit, 1); }

/* ---- relationship loading: every parent with its children ---- */

static orm_lazy rel_strategy; /* JOINED, SELECTIN, or SELECT: lazy, one load per parent */

static void family_check(ormb *b, orm_instance **parents, size_t n)
{
    const orm_column *pid = b->parent->table->pk[0];
    for (size_t i = 0; i < n; i++) {
        const orm_related *kids = orm_instance_related(parents[i], b->children);
        for (size_t k = 0; kids && k < kids->n; k++) {
            const orm_value *row = kids->items[k]->row;
            const orm_table *ct = kids->items[k]->mapper->table;
            b->o->check += bench_child_check(parents[i]->row[pid->index].u.i, row[ct->pk[0]->index].u.i,
                                             row[b->child_name->index].u.s.n);
        }
    }
}

static int family_unit(orm_session *s, void *ud)
{
    ormb *b = ud;
    orm_include node = {.rel = b->children, .strategy = rel_strategy};
    bool lazy = rel_strategy == ORM_LAZY_SELECT;
    if (lazy) node.strategy = ORM_LAZY_SELECTIN; /* on one parent: its lazy load */
    orm_query q;
    orm_query_init(&q, b->parent, s->scope);
    orm_loaded got;
    int rc = orm_load_query(s, &q, lazy ? NULL : &node, lazy ? 0 : 1, &got);
    for (size_t i = 0; lazy && !rc && i < got.n; i++) rc = orm_load_related(s, &got.items[i], 1, &node, 1);
    b->o->check = 0;
    if (!rc) family_check(b, got.items, got.n);
    return rc;
}

static void family(const bench_job *j, bench_out *o, orm_lazy strategy)
{
    rel_strategy = strategy;
    run_units(j, o, false, family_unit, 1);
}

void orm_rel_lazy(const bench_job *j, bench_out *o) { family(j, o, ORM_LAZY_SELECT); }
void orm_rel_joined(const bench_job *j, bench_out *o) { family(j, o, ORM_LAZY_JOINED); }
void orm_rel_selectin(const bench_job *j, bench_out *o) { family(j, o, ORM_LAZY_SELECTIN); }
