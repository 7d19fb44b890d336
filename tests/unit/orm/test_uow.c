/* test_uow.c: the unit of work at the ORM level (no HTTP): parents inserted
 * before children with generated keys propagated, a cycle between two new
 * rows broken by a post-update, UPDATE of only the changed columns and none
 * when nothing changed, stale versions, delete cascades and set-NULL,
 * many-to-many association rows written only for changed members; at
 * scale: many independent cycles among new rows, a cycle among deleted
 * rows (the favourite address deleted with its user), large collection
 * replacement, and the bounds of a unit and of a delete cascade; on
 * SQLite, new rows' keys taken from the rowids without RETURNING, and
 * UPDATEs without RETURNING where the unit knows the row they leave, with
 * it where a write the unit does not track may have changed the row (a
 * detach UPDATE, a database's ON DELETE SET NULL). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm/compile.h"
#include "orm/compile_cache.h"
#include "orm/ddl.h"
#include "orm/uow.h"
#include "tests/suites.h"
#include "tests/support/suite.h"
#include "tests/support/util.h"

static const char *SCHEMA =
    "{\"entities\": {"
    " \"User\": {\"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "   \"name\": {\"type\": \"string\"}, \"fullname\": {\"type\": \"string\"},"
    "   \"version\": {\"type\": \"integer\", \"version\": true},"
    "   \"favorite_id\": {\"type\": \"integer\", \"foreign_key\": \"addresses.id\"}},"
    "  \"relationships\": {"
    "   \"addresses\": {\"target\": \"Address\", \"back_populates\": \"user\", \"cascade\": \"all, delete-orphan\","
    "                   \"join\": {\"local\": [\"id\"], \"remote\": [\"user_id\"]}},"
    "   \"favorite\": {\"target\": \"Address\", \"join\": {\"local\": [\"favorite_id\"], \"remote\": [\"id\"]}},"
    "   \"notes\": {\"target\": \"Note\"},"
    "   \"memos\": {\"target\": \"Memo\", \"passive_deletes\": true},"
    "   \"tags\": {\"target\": \"Tag\", \"secondary\": \"user_tags\"}}},"
    " \"Address\": {\"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "   \"email\": {\"type\": \"string\"}, \"user_id\": {\"type\": \"integer\", \"foreign_key\": \"users.id\"}},"
    "  \"relationships\": {\"user\": {\"target\": \"User\", \"back_populates\": \"addresses\","
    "                     \"join\": {\"local\": [\"user_id\"], \"remote\": [\"id\"]}}}},"
    " \"Note\": {\"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "   \"text\": {\"type\": \"string\"}, \"user_id\": {\"type\": \"integer\", \"foreign_key\": \"users.id\"}}},"
    " \"Memo\": {\"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "   \"text\": {\"type\": \"string\"},"
    "   \"user_id\": {\"type\": \"integer\", \"foreign_key\": \"users.id\", \"on_delete\": \"set null\"}}},"
    " \"Tag\": {\"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true}, \"label\": {\"type\": \"string\"}}}},"
    " \"tables\": {\"user_tags\": {\"columns\": {"
    "   \"user_id\": {\"type\": \"integer\", \"primary_key\": true, \"foreign_key\": \"users.id\"},"
    "   \"tag_id\": {\"type\": \"integer\", \"primary_key\": true, \"foreign_key\": \"tags.id\"}}}}}";

static orm_schema *S;
static orm_engine *E;
static rm_arena *A;
static orm_error ERR;
static char *ECHO;      /* every statement the engine ran (--echo to a memory stream) */
static size_t ECHO_LEN;
static FILE *ECHO_F;
static size_t ECHO_MARK; /* statements before this offset are forgotten */

static void setup(void)
{
    orm_error_init(&ERR, NULL);
    ck_assert_msg(orm_schema_load_string(SCHEMA, "uow.json", &S, &ERR) == 0, "%s", ERR.detail);
    ECHO_F = open_memstream(&ECHO, &ECHO_LEN);
    ECHO_MARK = 0;
    orm_engine_options opt = {.pool_size = 1, .echo = ECHO_F};
    ck_assert_int_eq(orm_engine_open("sqlite://:memory:", &opt, &E, &ERR), 0);
    ck_assert_int_eq(orm_create_all(E, S, &ERR), 0);
    A = rm_arena_new();
    orm_error_init(&ERR, A);
}

static void teardown(void)
{
    rm_arena_destroy(A);
    orm_engine_close(E);
    orm_schema_free(S);
    fclose(ECHO_F);
    free(ECHO);
}

/* Forget the statements logged so far. */
static void echo_reset(void)
{
    fflush(ECHO_F);
    ECHO_MARK = ECHO_LEN;
}

/* The statements logged since echo_reset. */
static const char *echo_text(void)
{
    fflush(ECHO_F);
    return ECHO + ECHO_MARK;
}

/* How many statements logged since echo_reset contain needle. */
static int echo_count(const char *needle)
{
    fflush(ECHO_F);
    int n = 0;
    for (const char *p = ECHO + ECHO_MARK; (p = strstr(p, needle)); p++) n++;
    return n;
}

static const orm_mapper *M(const char *n) { return orm_schema_mapper(S, n); }
static const orm_column *C(const char *m, const char *c) { return orm_table_column(M(m)->table, c); }
static const orm_relationship *R(const char *m, const char *r) { return orm_mapper_relationship(M(m), r); }
static orm_value T(const char *s) { return orm_text(s, strlen(s)); }

/* Run fn in a write unit; returns its code and the statements it ran. */
static int unit(orm_unit_fn fn, void *ud, unsigned *statements)
{
    orm_session s;
    orm_session_init(&s, E, S, A, &ERR);
    int rc = orm_session_run(&s, true, fn, ud);
    if (statements) *statements = s.statements;
    return rc;
}

typedef struct count_ud {
    const char *table, *col;
    orm_value v;
    int64_t n;
} count_ud;

static int run_count(orm_session *s, void *ud)
{
    count_ud *c = ud;
    const orm_table *t = orm_schema_table(S, c->table);
    orm_select sel = {.from = t, .flags = ORM_SELECT_COUNT};
    if (c->col) sel.where = orm_expr_col_eq(A, 0, orm_table_column(t, c->col), c->v);
    orm_compiled q;
    orm_result r;
    int rc = orm_compile_select(orm_engine_dialect(E), &sel, A, &q, &ERR);
    if (rc || (rc = orm_session_execute(s, &q, &r))) return rc;
    c->n = r.values[0].u.i;
    return 0;
}

/* Rows of table (where col = v, or IS NULL for a NULL v; all rows without col). */
static int64_t count(const char *table, const char *col, orm_value v)
{
    count_ud c = {table, col, v, -1};
    orm_session s;
    orm_session_init(&s, E, S, A, &ERR);
    ck_assert_int_eq(orm_session_run(&s, false, run_count, &c), 0);
    return c.n;
}

/* ---- units under test ------------------------------------------------------------ */

typedef struct graph {
    orm_instance *user, *a1, *a2, *note, *t[3];
    int64_t user_id;
} graph;

static int create_graph(orm_session *s, void *ud)
{
    graph *g = ud;
    orm_uow *u = orm_session_uow(s);
    g->user = orm_uow_new(u, M("User"));
    orm_uow_set(u, g->user, C("User", "name"), T("jack"));
    g->a1 = orm_uow_new(u, M("Address"));
    orm_uow_set(u, g->a1, C("Address", "email"), T("jack@google.com"));
    g->a2 = orm_uow_new(u, M("Address"));
    orm_uow_set(u, g->a2, C("Address", "email"), T("j25@yahoo.com"));
    orm_uow_link(u, g->user, R("User", "addresses"), g->a1);
    orm_uow_link(u, g->user, R("User", "addresses"), g->a2);
    g->note = orm_uow_new(u, M("Note"));
    orm_uow_set(u, g->note, C("Note", "text"), T("hi"));
    orm_uow_link(u, g->user, R("User", "notes"), g->note);
    for (int i = 0; i < 3; i++) {
        g->t[i] = orm_uow_new(u, M("Tag"));
        orm_uow_set(u, g->t[i], C("Tag", "label"), T(i == 0 ? "a" : i == 1 ? "b" : "c"));
    }
    orm_uow_link(u, g->user, R("User", "tags"), g->t[0]);
    orm_uow_link(u, g->user, R("User", "tags"), g->t[1]);
    int rc = orm_uow_flush(u);
    if (!rc) g->user_id = g->user->row[C("User", "id")->index].u.i;
    return rc;
}

START_TEST(parents_first_and_keys_propagated)
{
    graph g = {0};
    unsigned n;
    ck_assert_int_eq(unit(create_graph, &g, &n), 0);
    ck_assert_int_eq(g.user->state, ORM_PERSISTENT);
    ck_assert_int_eq(count("addresses", "user_id", orm_int(g.user_id)), 2);
    ck_assert_int_eq(count("notes", "user_id", orm_int(g.user_id)), 1);
    ck_assert_int_eq(count("user_tags", "user_id", orm_int(g.user_id)), 2);
    /* rows of one table naming the same columns share an INSERT (in runs of
     * powers of two): the user and the 3 tags (2 + 1), then the 2
     * addresses, the note, and the 2 association rows; nothing else */
    ck_assert_uint_eq(n, 6);
    for (int i = 1; i < 3; i++) /* keys in the order the tags were made */
        ck_assert_int_lt(g.t[i - 1]->row[C("Tag", "id")->index].u.i, g.t[i]->row[C("Tag", "id")->index].u.i);
    ck_assert_int_eq(g.user->row[C("User", "version")->index].u.i, 1);
}
END_TEST

static int create_cycle(orm_session *s, void *ud)
{
    graph *g = ud;
    orm_uow *u = orm_session_uow(s);
    g->user = orm_uow_new(u, M("User"));
    g->a1 = orm_uow_new(u, M("Address"));
    /* user.favorite → address and address.user → user: two new rows that
     * need each other's keys */
    orm_uow_link(u, g->user, R("User", "favorite"), g->a1);
    orm_uow_link(u, g->user, R("User", "addresses"), g->a1);
    return orm_uow_flush(u);
}

START_TEST(cycle_between_new_rows_uses_a_post_update)
{
    graph g = {0};
    unsigned n;
    echo_reset();
    ck_assert_int_eq(unit(create_cycle, &g, &n), 0);
    int64_t uid = g.user->row[C("User", "id")->index].u.i, aid = g.a1->row[C("Address", "id")->index].u.i;
    ck_assert_int_eq(g.user->row[C("User", "favorite_id")->index].u.i, aid);
    ck_assert_int_eq(g.a1->row[C("Address", "user_id")->index].u.i, uid);
    ck_assert_int_eq(count("users", "favorite_id", orm_int(aid)), 1);
    ck_assert_int_eq(count("addresses", "user_id", orm_int(uid)), 1);
    ck_assert_uint_eq(n, 3); /* two INSERTs, one UPDATE of the deferred key */
    ck_assert_int_eq(echo_count("UPDATE \"users\" SET \"favorite_id\""), 1);
}
END_TEST

/* Two flushes in one unit (a seed's resources, one after the other): the
 * second writes only what changed since the first (it used to insert the
 * first's association rows again: a unique violation). */
static int flush_twice(orm_session *s, void *ud)
{
    graph *g = ud;
    int rc = create_graph(s, g);
    if (rc) return rc;
    orm_uow *u = orm_session_uow(s);
    orm_instance *other = orm_uow_new(u, M("User"));
    orm_uow_set(u, other, C("User", "name"), T("jill"));
    orm_uow_link(u, other, R("User", "tags"), g->t[0]);
    return orm_uow_flush(u);
}

START_TEST(a_second_flush_writes_only_what_changed)
{
    graph g = {0};
    unsigned n;
    ck_assert_int_eq(unit(flush_twice, &g, &n), 0);
    ck_assert_uint_eq(n, 6 + 2); /* the graph, then one user and one association row */
    ck_assert_int_eq(count("user_tags", NULL, orm_null()), 3);
    ck_assert_int_eq(count("users", NULL, orm_null()), 2);
}
END_TEST

/* The session owns the identity map and the unit of work: one of each per
 * unit, the same on every ask within it; a nested unit (a batch's next
 * operation) starts with an empty map and a new unit of work. */
typedef struct scope_seen {
    int64_t user_id;
    orm_uow *outer_uow, *inner_uow;
    size_t outer_count, inner_count_before;
} scope_seen;

static int inner_scope(orm_session *s, void *ud)
{
    scope_seen *seen = ud;
    seen->inner_count_before = s->map.count;
    seen->inner_uow = orm_session_uow(s);
    return 0;
}

static int outer_scope(orm_session *s, void *ud)
{
    scope_seen *seen = ud;
    seen->outer_uow = orm_session_uow(s);
    ck_assert_ptr_eq(orm_session_uow(s), seen->outer_uow);
    orm_instance *user;
    orm_value pk = orm_int(seen->user_id);
    int rc = orm_uow_get(seen->outer_uow, M("User"), &pk, &user);
    if (rc) return rc;
    seen->outer_count = s->map.count;
    return orm_session_nested(s, inner_scope, seen);
}

START_TEST(session_owns_the_identity_map_and_the_unit_of_work)
{
    graph g = {0};
    ck_assert_int_eq(unit(create_graph, &g, NULL), 0);
    scope_seen seen = {.user_id = g.user_id};
    ck_assert_int_eq(unit(outer_scope, &seen, NULL), 0);
    ck_assert_uint_eq(seen.outer_count, 1);
    ck_assert_uint_eq(seen.inner_count_before, 0);
    ck_assert_ptr_nonnull(seen.inner_uow);
    ck_assert_ptr_ne(seen.inner_uow, seen.outer_uow);
}
END_TEST

/* A unit of work on s holding the persistent user with key id. */
static int open_user(orm_session *s, orm_uow *u, int64_t id, orm_instance **inst)
{
    orm_value pk = orm_int(id);
    return orm_uow_get(u, M("User"), &pk, inst);
}

typedef struct change {
    int64_t id;
    const char *fullname;
    int64_t pretend_version; /* > 0: the committed version the flush believes in */
    int rc;
} change;

static int change_user(orm_session *s, void *ud)
{
    change *c = ud;
    orm_uow *u = orm_session_uow(s);
    orm_instance *inst;
    int rc = open_user(s, u, c->id, &inst);
    if (rc) return rc;
    if (c->pretend_version) inst->committed[C("User", "version")->index] = orm_int(c->pretend_version);
    orm_uow_set(u, inst, C("User", "fullname"), c->fullname ? T(c->fullname) : orm_null());
    return orm_uow_flush(u);
}

START_TEST(update_only_what_changed)
{
    graph g = {0};
    ck_assert_int_eq(unit(create_graph, &g, NULL), 0);
    unsigned n;
    change same = {g.user_id, NULL, 0, 0};
    ck_assert_int_eq(unit(change_user, &same, &n), 0);
    ck_assert_uint_eq(n, 1); /* the SELECT; fullname was already NULL: no UPDATE */
    echo_reset();
    change c = {g.user_id, "Jack Bean", 0, 0};
    ck_assert_int_eq(unit(change_user, &c, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(echo_count("UPDATE \"users\" SET \"fullname\" = ?1, \"version\" = \"version\" + ?2 WHERE"), 1);
    ck_assert_int_eq(echo_count("\"name\" ="), 0);
    ck_assert_int_eq(count("users", "version", orm_int(2)), 1);
}
END_TEST

START_TEST(stale_version_is_refused)
{
    graph g = {0};
    ck_assert_int_eq(unit(create_graph, &g, NULL), 0);
    change c = {g.user_id, "someone else's", 7, 0};
    ck_assert_int_eq(unit(change_user, &c, NULL), ORM_E_STALE);
    ck_assert_int_eq(count("users", "fullname", orm_null()), 1); /* rolled back */
}
END_TEST

static int delete_user(orm_session *s, void *ud)
{
    graph *g = ud;
    orm_uow *u = orm_session_uow(s);
    orm_instance *inst;
    int rc = open_user(s, u, g->user_id, &inst);
    if (rc) return rc;
    orm_uow_delete(u, inst);
    return orm_uow_flush(u);
}

START_TEST(delete_cascades_and_sets_null)
{
    graph g = {0};
    ck_assert_int_eq(unit(create_graph, &g, NULL), 0);
    ck_assert_int_eq(unit(delete_user, &g, NULL), 0);
    ck_assert_int_eq(count("users", NULL, orm_null()), 0);
    ck_assert_int_eq(count("addresses", NULL, orm_null()), 0);       /* all, delete-orphan */
    ck_assert_int_eq(count("notes", "user_id", orm_null()), 1);       /* no cascade: detached */
    ck_assert_int_eq(count("user_tags", NULL, orm_null()), 0);        /* association rows */
    ck_assert_int_eq(count("tags", NULL, orm_null()), 3);             /* the tags stay */
}
END_TEST

static int retag(orm_session *s, void *ud)
{
    graph *g = ud;
    orm_uow *u = orm_session_uow(s);
    orm_instance *inst, *t1, *t2;
    orm_value k1 = g->t[1]->row[0], k2 = g->t[2]->row[0];
    int rc;
    if ((rc = open_user(s, u, g->user_id, &inst)) || (rc = orm_uow_get(u, M("Tag"), &k1, &t1)) ||
        (rc = orm_uow_get(u, M("Tag"), &k2, &t2)))
        return rc;
    orm_instance *items[] = {t1, t2};
    if ((rc = orm_uow_replace(u, inst, R("User", "tags"), items, 2))) return rc;
    return orm_uow_flush(u);
}

START_TEST(many_to_many_writes_only_changed_members)
{
    graph g = {0};
    ck_assert_int_eq(unit(create_graph, &g, NULL), 0);
    echo_reset();
    ck_assert_int_eq(unit(retag, &g, NULL), 0); /* {a, b} → {b, c} */
    ck_assert_int_eq(echo_count("DELETE FROM \"user_tags\""), 1);
    ck_assert_int_eq(echo_count("INSERT INTO \"user_tags\""), 1);
    ck_assert_int_eq(count("user_tags", "user_id", orm_int(g.user_id)), 2);
    ck_assert_int_eq(count("user_tags", "tag_id", g.t[0]->row[0]), 0);
    ck_assert_int_eq(count("users", "version", orm_int(1)), 1); /* the user's own row did not change */
}
END_TEST

/* N users, each with two addresses and the first one its favourite: a
 * cycle between new rows per user, all in one unit. */
typedef struct many {
    int n;
    orm_instance **users, **fav;
} many;

static int create_many_cycles(orm_session *s, void *ud)
{
    many *g = ud;
    orm_uow *u = orm_session_uow(s);
    g->users = RM_NEW_ARRAY(A, orm_instance *, (size_t)g->n);
    g->fav = RM_NEW_ARRAY(A, orm_instance *, (size_t)g->n);
    for (int i = 0; i < g->n; i++) {
        orm_instance *user = orm_uow_new(u, M("User")), *a1 = orm_uow_new(u, M("Address")),
                     *a2 = orm_uow_new(u, M("Address"));
        orm_uow_set(u, user, C("User", "name"), T(rm_arena_sprintf(A, "u%d", i)));
        orm_uow_set(u, a1, C("Address", "email"), T(rm_arena_sprintf(A, "a%d", i)));
        orm_uow_set(u, a2, C("Address", "email"), T(rm_arena_sprintf(A, "b%d", i)));
        orm_uow_link(u, user, R("User", "favorite"), a1);
        orm_uow_link(u, user, R("User", "addresses"), a1);
        orm_uow_link(u, user, R("User", "addresses"), a2);
        g->users[i] = user;
        g->fav[i] = a1;
    }
    return orm_uow_flush(u);
}

START_TEST(many_cycles_between_new_rows)
{
    many g = {.n = 300};
    unsigned n;
    echo_reset();
    ck_assert_int_eq(unit(create_many_cycles, &g, &n), 0);
    /* each user's cycle is broken by one post-update; the INSERTs share
     * statements where rows are ready together */
    ck_assert_int_eq(echo_count("UPDATE \"users\" SET \"favorite_id\""), 300);
    ck_assert_int_eq(ts_inserted_rows(echo_text(), "users"), 300);
    ck_assert_int_eq(ts_inserted_rows(echo_text(), "addresses"), 600);
    ck_assert_uint_eq(n, (unsigned)echo_count("INSERT INTO") + 300);
    ck_assert_uint_lt(n, 300 * 4);
    for (int i = 0; i < g.n; i++) {
        orm_value uid = g.users[i]->row[C("User", "id")->index];
        ck_assert_int_eq(count("users", "favorite_id", g.fav[i]->row[C("Address", "id")->index]), 1);
        ck_assert_int_eq(count("addresses", "user_id", uid), 2);
    }
}
END_TEST

static int delete_users(orm_session *s, void *ud)
{
    many *g = ud;
    orm_uow *u = orm_session_uow(s);
    for (int i = 0; i < g->n; i++) {
        orm_instance *inst;
        orm_value pk = g->users[i]->row[C("User", "id")->index];
        int rc = orm_uow_get(u, M("User"), &pk, &inst);
        if (rc) return rc;
        orm_uow_delete(u, inst);
    }
    return orm_uow_flush(u);
}

/* Deleting users whose favourite address is deleted with them (cascade):
 * the addresses are deleted first, so each user's favorite_id is set NULL
 * before (foreign keys are enforced), and nothing else is updated. */
START_TEST(delete_breaks_cycles_among_deleted_rows)
{
    many g = {.n = 200};
    ck_assert_int_eq(unit(create_many_cycles, &g, NULL), 0);
    echo_reset();
    ck_assert_int_eq(unit(delete_users, &g, NULL), 0);
    ck_assert_int_eq(echo_count("UPDATE \"users\" SET \"favorite_id\" = ?1"), 200);
    ck_assert_int_eq(echo_count("UPDATE \"addresses\""), 0);
    ck_assert_int_eq(count("users", NULL, orm_null()), 0);
    ck_assert_int_eq(count("addresses", NULL, orm_null()), 0);
    /* the UPDATE of a user comes before the DELETE of its favourite */
    fflush(ECHO_F);
    const char *up = strstr(ECHO + ECHO_MARK, "UPDATE \"users\""), *del = strstr(ECHO + ECHO_MARK, "DELETE FROM \"addresses\"");
    ck_assert(up && del && up < del);
}
END_TEST

/* ---- large collections ------------------------------------------------------------------ */

typedef struct tagged {
    int64_t user_id;
    int ntags, from, to; /* the user's tags become tags [from, to) */
    orm_value *tag_ids;
} tagged;

static int make_tags(orm_session *s, void *ud)
{
    tagged *t = ud;
    orm_uow *u = orm_session_uow(s);
    orm_instance *user;
    int rc = open_user(s, u, t->user_id, &user);
    if (rc) return rc;
    orm_instance **tags = RM_NEW_ARRAY(A, orm_instance *, (size_t)t->ntags);
    for (int i = 0; i < t->ntags; i++) {
        tags[i] = orm_uow_new(u, M("Tag"));
        orm_uow_set(u, tags[i], C("Tag", "label"), T(rm_arena_sprintf(A, "t%d", i)));
    }
    if ((rc = orm_uow_replace(u, user, R("User", "tags"), tags, (size_t)t->ntags / 2)) ||
        (rc = orm_uow_flush(u)))
        return rc;
    t->tag_ids = RM_NEW_ARRAY(A, orm_value, (size_t)t->ntags);
    for (int i = 0; i < t->ntags; i++) t->tag_ids[i] = tags[i]->row[0];
    return 0;
}

static int retag_range(orm_session *s, void *ud)
{
    tagged *t = ud;
    orm_uow *u = orm_session_uow(s);
    orm_instance *user;
    int rc = open_user(s, u, t->user_id, &user);
    if (rc) return rc;
    size_t n = (size_t)(t->to - t->from);
    orm_instance **items = RM_NEW_ARRAY(A, orm_instance *, n + 1);
    for (size_t i = 0; i < n; i++)
        if ((rc = orm_uow_get(u, M("Tag"), &t->tag_ids[t->from + (int)i], &items[i]))) return rc;
    if ((rc = orm_uow_replace(u, user, R("User", "tags"), items, n))) return rc;
    orm_related *slot = orm_instance_related(user, R("User", "tags"));
    ck_assert_uint_eq(slot->n, n); /* in the given order, each once */
    for (size_t i = 0; i < n; i++) ck_assert_ptr_eq(slot->items[i], items[i]);
    return orm_uow_flush(u);
}

/* A collection of 4000 members replaced by an overlapping one: only the
 * members that leave and those that arrive are written. */
START_TEST(large_collection_replace_writes_only_changes)
{
    graph g = {0};
    ck_assert_int_eq(unit(create_graph, &g, NULL), 0);
    tagged t = {.user_id = g.user_id, .ntags = 8000};
    ck_assert_int_eq(unit(make_tags, &t, NULL), 0);
    ck_assert_int_eq(count("user_tags", "user_id", orm_int(g.user_id)), 4000); /* tags [0, 4000) */
    echo_reset();
    t.from = 1000;
    t.to = 6000;
    ck_assert_int_eq(unit(retag_range, &t, NULL), 0);
    ck_assert_int_eq(echo_count("DELETE FROM \"user_tags\""), 1000);
    ck_assert_int_eq(ts_inserted_rows(echo_text(), "user_tags"), 2000);
    ck_assert_int_eq(echo_count("INSERT INTO \"user_tags\""), 10); /* 7 x 256 + 128 + 64 + 16 */
    ck_assert_int_eq(count("user_tags", "user_id", orm_int(g.user_id)), 5000);
    ck_assert_int_eq(count("user_tags", "tag_id", t.tag_ids[999]), 0);
    ck_assert_int_eq(count("user_tags", "tag_id", t.tag_ids[5999]), 1);
}
END_TEST

/* A flush's look-ups of the engine's compiled cache, and the entries it
 * added (the tests of every statement of a flush through the cache, below). */
typedef struct looked_up {
    uint64_t hits, misses;
    size_t added;
} looked_up;

static orm_compile_cache_stats cache_stats(void)
{
    orm_compile_cache_stats st;
    orm_compile_cache_stats_get(orm_engine_dialect(E)->cache, &st);
    return st;
}

/* orm_uow_flush, counting its look-ups in *l (and its statements alone in the echo). */
static int flush_counted(orm_uow *u, looked_up *l)
{
    orm_compile_cache_stats before = cache_stats();
    echo_reset();
    int rc = orm_uow_flush(u);
    orm_compile_cache_stats after = cache_stats();
    *l = (looked_up){after.hits - before.hits, after.misses - before.misses, after.entries - before.entries};
    return rc;
}

/* ---- bounds ----------------------------------------------------------------------------- */

typedef struct bulk {
    int n;
    int64_t user_id;
    orm_instance **tags; /* new_tags: each labelled and kept here, or NULL */
    looked_up *l;        /* new_tags: the flush's look-ups, or NULL */
} bulk;

static int new_tags(orm_session *s, void *ud)
{
    bulk *b = ud;
    orm_uow *u = orm_session_uow(s);
    for (int i = 0; i < b->n; i++) {
        orm_instance *t = orm_uow_new(u, M("Tag"));
        if (!b->tags) continue;
        orm_uow_set(u, t, C("Tag", "label"), T(rm_arena_sprintf(A, "l%d.%d", b->n, i)));
        b->tags[i] = t;
    }
    return b->l ? flush_counted(u, b->l) : orm_uow_flush(u);
}

START_TEST(unit_bound)
{
    bulk b = {.n = ORM_MAX_UNIT_OBJECTS + 1};
    ck_assert_int_eq(unit(new_tags, &b, NULL), ORM_E_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(ERR.detail, "more than 500000 objects"));
    ck_assert_int_eq(count("tags", NULL, orm_null()), 0);
}
END_TEST

static int add_addresses(orm_session *s, void *ud)
{
    bulk *b = ud;
    orm_uow *u = orm_session_uow(s);
    orm_instance *user;
    int rc = open_user(s, u, b->user_id, &user);
    for (int i = 0; !rc && i < b->n; i++) {
        orm_instance *a = orm_uow_new(u, M("Address"));
        orm_uow_link(u, user, R("User", "addresses"), a);
    }
    return rc ? rc : orm_uow_flush(u);
}

/* A new instance of entity whose column is text. */
static orm_instance *new_with(orm_uow *u, const char *entity, const char *column, const char *text)
{
    orm_instance *inst = orm_uow_new(u, M(entity));
    orm_uow_set(u, inst, C(entity, column), T(text));
    return inst;
}

typedef struct labelled {
    orm_instance *tags[300];
    int64_t found; /* rows whose key and label are an instance's */
} labelled;

static int new_labelled_tags(orm_session *s, void *ud)
{
    labelled *l = ud;
    orm_uow *u = orm_session_uow(s);
    for (int i = 0; i < 300; i++) l->tags[i] = new_with(u, "Tag", "label", rm_arena_sprintf(A, "t%d", i));
    return orm_uow_flush(u);
}

static int find_labelled_tags(orm_session *s, void *ud)
{
    labelled *l = ud;
    const orm_table *t = orm_schema_table(S, "tags");
    for (int i = 0; i < 300; i++) {
        const orm_value *row = l->tags[i]->row;
        orm_select sel = {.from = t, .flags = ORM_SELECT_COUNT};
        sel.where = orm_expr_and(A, orm_expr_col_eq(A, 0, C("Tag", "id"), row[C("Tag", "id")->index]),
                                 orm_expr_col_eq(A, 0, C("Tag", "label"), row[C("Tag", "label")->index]));
        orm_compiled q;
        orm_result r;
        int rc = orm_compile_select(orm_engine_dialect(E), &sel, A, &q, &ERR);
        if (rc || (rc = orm_session_execute(s, &q, &r))) return rc;
        l->found += r.values[0].u.i;
    }
    return 0;
}

/* SQLite stores a new row as sent: its INSERT has no RETURNING (about 25k
 * instructions a row), and each instance takes its rowid from the
 * statement's last one; 300 rows are 4 INSERTs (256 + 32 + 8 + 4) and
 * every instance holds the key of the row with its own label. */
START_TEST(new_rows_take_their_rowids_without_returning)
{
    labelled l = {0};
    echo_reset();
    ck_assert_int_eq(unit(new_labelled_tags, &l, NULL), 0);
    ck_assert_int_eq(echo_count("INSERT INTO \"tags\""), 4);
    ck_assert_int_eq(echo_count("RETURNING"), 0);
    ck_assert_int_eq(unit(find_labelled_tags, &l, NULL), 0);
    ck_assert_int_eq(l.found, 300);
    for (int i = 1; i < 300; i++) /* one statement's rows: consecutive keys in VALUES order */
        ck_assert_int_eq(l.tags[i]->row[C("Tag", "id")->index].u.i, l.tags[i - 1]->row[C("Tag", "id")->index].u.i + 1);
}
END_TEST

/* ---- UPDATEs without RETURNING ---- */

static int get_by_id(orm_uow *u, const char *m, int64_t id, orm_instance **out)
{
    orm_value pk = orm_int(id);
    return orm_uow_get(u, M(m), &pk, out);
}

/* An instance's key, and the row a new unit reads under it. */
typedef struct stored {
    const orm_instance *inst;
    const orm_value *row;
} stored;

static int read_stored(orm_session *s, void *ud)
{
    stored *st = ud;
    const orm_table *t = st->inst->mapper->table;
    orm_instance *fresh;
    int rc = get_by_id(orm_session_uow(s), st->inst->mapper->name, st->inst->row[t->pk[0]->index].u.i, &fresh);
    if (!rc) st->row = fresh->row;
    return rc;
}

/* inst's row is the row stored under its key, column by column. */
static void same_as_stored(const orm_instance *inst)
{
    const orm_table *t = inst->mapper->table;
    stored st = {inst, NULL};
    orm_session s;
    orm_session_init(&s, E, S, A, &ERR);
    ck_assert_int_eq(orm_session_run(&s, false, read_stored, &st), 0);
    for (size_t i = 0; i < t->ncolumns; i++) {
        ck_assert_msg(orm_value_eq(&inst->row[i], &st.row[i]), "%s.%s: %s in the instance, %s stored", t->name,
                      t->columns[i].name, orm_value_repr(A, &inst->row[i]), orm_value_repr(A, &st.row[i]));
        ck_assert(orm_value_eq(&inst->committed[i], &st.row[i]));
    }
}

typedef struct stale_case {
    int64_t user_id, note_id, memo_id;
    bool two_flushes; /* the delete, then the change in a second flush of the unit */
    bool nested;      /* the change in a nested unit (a batch's next operation) */
    orm_instance *note, *memo, *user;
} stale_case;

/* The change of the note and the memo (loaded, or loaded again in a
 * nested unit): their text. */
static int change_note_and_memo(orm_session *s, void *ud)
{
    stale_case *c = ud;
    orm_uow *u = orm_session_uow(s);
    int rc;
    if ((rc = get_by_id(u, "Note", c->note_id, &c->note)) || (rc = get_by_id(u, "Memo", c->memo_id, &c->memo)))
        return rc;
    orm_uow_set(u, c->note, C("Note", "text"), T("changed"));
    orm_uow_set(u, c->memo, C("Memo", "text"), T("changed"));
    return orm_uow_flush(u);
}

/* Load the user, its note and its memo, delete the user (the note is
 * detached by an UPDATE the flush runs, the memo by the database's ON
 * DELETE SET NULL) and change the note and the memo: in the same flush,
 * in a later flush of the unit, or in a nested unit. */
static int delete_user_change_children(orm_session *s, void *ud)
{
    stale_case *c = ud;
    orm_uow *u = orm_session_uow(s);
    int rc;
    if ((rc = get_by_id(u, "User", c->user_id, &c->user)) || (rc = get_by_id(u, "Note", c->note_id, &c->note)) ||
        (rc = get_by_id(u, "Memo", c->memo_id, &c->memo)))
        return rc;
    orm_uow_delete(u, c->user);
    if ((c->nested || c->two_flushes) && (rc = orm_uow_flush(u))) return rc;
    return c->nested ? orm_session_nested(s, change_note_and_memo, c) : change_note_and_memo(s, c);
}

static int make_user_note_memo(orm_session *s, void *ud)
{
    stale_case *c = ud;
    orm_uow *u = orm_session_uow(s);
    orm_instance *user = orm_uow_new(u, M("User")), *note = orm_uow_new(u, M("Note")), *memo = orm_uow_new(u, M("Memo"));
    orm_uow_set(u, user, C("User", "name"), T("jack"));
    orm_uow_set(u, note, C("Note", "text"), T("n"));
    orm_uow_set(u, memo, C("Memo", "text"), T("m"));
    orm_uow_link(u, user, R("User", "notes"), note);
    orm_uow_link(u, user, R("User", "memos"), memo);
    int rc = orm_uow_flush(u);
    c->user_id = user->row[C("User", "id")->index].u.i;
    c->note_id = note->row[C("Note", "id")->index].u.i;
    c->memo_id = memo->row[C("Memo", "id")->index].u.i;
    return rc;
}

/* A changed row whose unit knows every column of it: its UPDATE has no
 * RETURNING (SQLite), and the instance (the version one more) is the
 * row as stored, as RETURNING would have read it. */
START_TEST(update_without_returning_leaves_the_row_as_stored)
{
    graph g = {0};
    ck_assert_int_eq(unit(create_graph, &g, NULL), 0);
    change c = {g.user_id, "Jack Bean", 0, 0};
    echo_reset();
    ck_assert_int_eq(unit(change_user, &c, NULL), 0);
    ck_assert_int_eq(echo_count("UPDATE \"users\""), 1);
    ck_assert_int_eq(echo_count("RETURNING"), 0);
    stale_case sc = {0};
    ck_assert_int_eq(unit(make_user_note_memo, &sc, NULL), 0);
    ck_assert_int_eq(unit(change_note_and_memo, &sc, NULL), 0);
    same_as_stored(sc.note);
    same_as_stored(sc.memo);
}
END_TEST

/* Rows a write the unit does not track changed (the detach UPDATE of a
 * deleted parent's notes, the database's ON DELETE SET NULL of its
 * memos): their later UPDATEs read them back, and the instances hold the
 * NULL keys as stored, whether the change is in the delete's flush, in a
 * later flush of the unit, or in a nested unit (which loads them again). */
START_TEST(update_after_untracked_writes_reads_the_row_back)
{
    for (int mode = 0; mode < 3; mode++) {
        stale_case c = {.two_flushes = mode == 1, .nested = mode == 2};
        ck_assert_int_eq(unit(make_user_note_memo, &c, NULL), 0);
        ck_assert_int_eq(unit(delete_user_change_children, &c, NULL), 0);
        ck_assert_int_eq(count("notes", "user_id", orm_null()), mode + 1); /* this case's and the earlier ones' */
        ck_assert_int_eq(count("memos", "user_id", orm_null()), mode + 1);
        ck_assert_int_eq(c.note->row[C("Note", "user_id")->index].kind, ORM_V_NULL);
        same_as_stored(c.note);
        if (mode) { /* in the delete's own flush the memo's UPDATE runs before the DELETE */
            ck_assert_int_eq(c.memo->row[C("Memo", "user_id")->index].kind, ORM_V_NULL);
            same_as_stored(c.memo);
        }
    }
}
END_TEST

typedef struct many_changes {
    orm_instance *addrs[12];
    int64_t ids[12];
} many_changes;

/* Twelve addresses loaded and changed in one flush, in runs of alike rows
 * and not: the email, the user (set NULL), or both; then every email again
 * (a second flush of the unit). */
static int change_addresses(orm_session *s, void *ud)
{
    many_changes *mc = ud;
    orm_uow *u = orm_session_uow(s);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 12; i++) {
            int rc = get_by_id(u, "Address", mc->ids[i], &mc->addrs[i]);
            if (rc) return rc;
            int kind = i < 6 ? 0 : i % 3; /* six alike, then the three kinds in turn */
            if (kind != 1 || round) /* the second round: every email */
                orm_uow_set(u, mc->addrs[i], C("Address", "email"), T(rm_arena_sprintf(A, "r%d.%d@x", round, i)));
            if (kind != 0 && !round) orm_uow_set(u, mc->addrs[i], C("Address", "user_id"), orm_null());
        }
        int rc = orm_uow_flush(u);
        if (rc) return rc;
    }
    return 0;
}

/* Many rows of one table changed in a flush (on SQLite the UPDATE of a
 * shape is compiled once and each row's values bound to it): every row
 * stored as its instance holds it, each with its own values. */
START_TEST(many_updates_in_one_flush_each_store_their_row)
{
    graph g = {0};
    ck_assert_int_eq(unit(create_graph, &g, NULL), 0);
    bulk b = {.n = 10, .user_id = g.user_id};
    ck_assert_int_eq(unit(add_addresses, &b, NULL), 0);
    many_changes mc;
    for (int i = 0; i < 12; i++) mc.ids[i] = g.a1->row[C("Address", "id")->index].u.i + i;
    echo_reset();
    ck_assert_int_eq(unit(change_addresses, &mc, NULL), 0);
    ck_assert_int_eq(echo_count("UPDATE \"addresses\""), 24);
    ck_assert_int_eq(echo_count("RETURNING"), 0);
    for (int i = 0; i < 12; i++) {
        same_as_stored(mc.addrs[i]);
        const orm_value *email = &mc.addrs[i]->row[C("Address", "email")->index];
        char want[32];
        snprintf(want, sizeof want, "r1.%d@x", i);
        ck_assert_int_eq(mc.addrs[i]->row[C("Address", "user_id")->index].kind,
                         i >= 6 && i % 3 ? ORM_V_NULL : ORM_V_INT);
        ck_assert_str_eq(rm_arena_strndup(A, email->u.s.p, email->u.s.n), want);
    }
}
END_TEST

/* ---- every statement of a flush through the compiled cache ---- */

/* Four addresses changed in rounds (update_addresses). */
typedef struct updates {
    int64_t ids[4], user_id;
    orm_instance *addrs[4];
    int round;
    looked_up l;
} updates;

/* An INSERT of k rows (statement text VALUES (?1), ..., (?k)) ran `times` times. */
static void inserted_rows(int k, int times)
{
    rm_sb sb;
    rm_sb_init(&sb, A);
    rm_sb_append(&sb, "SQL INSERT INTO \"tags\" (\"label\") VALUES ");
    for (int i = 1; i <= k; i++) rm_sb_appendf(&sb, "%s(?%d)", i > 1 ? ", " : "", i);
    rm_sb_append(&sb, " -- [");
    ck_assert_msg(echo_count(sb.buf) == times, "%d x %d rows:\n%.2000s", times, k, echo_text());
}

/* INSERTs of different row counts each get their own entry, compiled
 * once and found by every later statement of as many rows, within a
 * flush (520 rows: 256 + 256 + 8) and across flushes; each row stored
 * with its own values and key. */
START_TEST(inserts_of_each_row_count_have_their_own_entry)
{
    static const struct {
        int n;
        looked_up l;
    } runs[] = {
        {3, {0, 2, 2}},   /* 2 + 1 rows: two new texts */
        {3, {2, 0, 0}},   /* the same two */
        {6, {1, 1, 1}},   /* 4 (new) + 2 */
        {520, {1, 2, 2}}, /* 256 (new), 256 (the first's), 8 (new) */
    };
    orm_instance *tags[520];
    looked_up l;
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        bulk r = {.n = runs[i].n, .tags = tags, .l = &l};
        ck_assert_int_eq(unit(new_tags, &r, NULL), 0);
        ck_assert_msg(l.hits == runs[i].l.hits && l.misses == runs[i].l.misses && l.added == runs[i].l.added,
                      "run %zu: %llu hits, %llu misses, %zu entries added", i, (unsigned long long)l.hits,
                      (unsigned long long)l.misses, l.added);
        for (int k = 256; k; k /= 2) /* n's binary digits, 512 being two of 256 */
            inserted_rows(k, (r.n / k) % 2 + (k == 256 ? r.n / 512 * 2 : 0));
        for (int k = 0; k < r.n; k++) {
            same_as_stored(tags[k]);
            if (k) ck_assert_int_eq(tags[k]->row[0].u.i, tags[k - 1]->row[0].u.i + 1);
        }
    }
}
END_TEST

/* Round 0: the first two addresses' email changed, the last two's user
 * (NULL); round 1: both columns of all four (the user swapped: NULL for
 * the first two, back for the others); round 2: the email of all four. */
static int update_addresses(orm_session *s, void *ud)
{
    updates *up = ud;
    orm_uow *u = orm_session_uow(s);
    for (int i = 0; i < 4; i++) {
        int rc = get_by_id(u, "Address", up->ids[i], &up->addrs[i]);
        if (rc) return rc;
        if (up->round || i < 2)
            orm_uow_set(u, up->addrs[i], C("Address", "email"), T(rm_arena_sprintf(A, "u%d.%d@x", up->round, i)));
        if (up->round == 1 || (!up->round && i >= 2))
            orm_uow_set(u, up->addrs[i], C("Address", "user_id"), up->round && i >= 2 ? orm_int(up->user_id) : orm_null());
    }
    return flush_counted(u, &up->l);
}

/* UPDATEs of different column sets each get their own entry (keyed by
 * their spec: mapper, columns; no tree built for a row of a known set),
 * with its own text; every row stored with its own values. */
START_TEST(updates_of_each_column_set_have_their_own_entry)
{
    graph g = {0};
    ck_assert_int_eq(unit(create_graph, &g, NULL), 0);
    bulk b = {.n = 2, .user_id = g.user_id};
    ck_assert_int_eq(unit(add_addresses, &b, NULL), 0);
    updates up = {.user_id = g.user_id};
    for (int i = 0; i < 4; i++) up.ids[i] = g.a1->row[C("Address", "id")->index].u.i + i;
    static const struct {
        looked_up l;
        const char *sql[2];
        int times[2];
    } rounds[] = {
        {{2, 2, 2},
         {"SQL UPDATE \"addresses\" SET \"email\" = ?1 WHERE \"id\" = ?2 -- [",
          "SQL UPDATE \"addresses\" SET \"user_id\" = ?1 WHERE \"id\" = ?2 -- ["},
         {2, 2}},
        {{3, 1, 1}, {"SQL UPDATE \"addresses\" SET \"email\" = ?1, \"user_id\" = ?2 WHERE \"id\" = ?3 -- ["}, {4}},
        {{4, 0, 0}, {"SQL UPDATE \"addresses\" SET \"email\" = ?1 WHERE \"id\" = ?2 -- ["}, {4}},
    };
    for (up.round = 0; up.round < 3; up.round++) {
        ck_assert_int_eq(unit(update_addresses, &up, NULL), 0);
        const looked_up *want = &rounds[up.round].l;
        ck_assert_msg(up.l.hits == want->hits && up.l.misses == want->misses && up.l.added == want->added,
                      "round %d: %llu hits, %llu misses, %zu entries added", up.round, (unsigned long long)up.l.hits,
                      (unsigned long long)up.l.misses, up.l.added);
        ck_assert_int_eq(echo_count("SQL UPDATE"), 4);
        for (int k = 0; k < 2 && rounds[up.round].sql[k]; k++)
            ck_assert_msg(echo_count(rounds[up.round].sql[k]) == rounds[up.round].times[k], "%s", echo_text());
        for (int i = 0; i < 4; i++) {
            same_as_stored(up.addrs[i]);
            const orm_value *email = &up.addrs[i]->row[C("Address", "email")->index];
            const char *want_email = rm_arena_sprintf(A, "u%d.%d@x", up.round || i < 2 ? up.round : -1, i);
            if (up.round || i < 2) ck_assert_str_eq(rm_arena_strndup(A, email->u.s.p, email->u.s.n), want_email);
        }
    }
}
END_TEST

/* ---- a table holding the largest rowid ---- */

static int run_sql(orm_session *s, void *ud)
{
    for (const char *const *stmt = ud; *stmt; stmt++) {
        orm_compiled c;
        orm_compiled_text(&c, *stmt);
        int rc = orm_session_execute(s, &c, NULL);
        if (rc) return rc;
    }
    return 0;
}

static int user_at_the_top(orm_session *s, void *ud)
{
    orm_uow *u = orm_session_uow(s);
    orm_instance *top = orm_uow_new(u, M("User"));
    orm_uow_set(u, top, C("User", "id"), orm_int(INT64_MAX));
    orm_uow_set(u, top, C("User", "name"), T("top"));
    return orm_uow_flush(u);
}

typedef struct families {
    orm_instance *users[4], *addrs[4][3];
} families;

static int users_with_addresses(orm_session *s, void *ud)
{
    families *f = ud;
    orm_uow *u = orm_session_uow(s);
    for (int i = 0; i < 4; i++) {
        f->users[i] = new_with(u, "User", "name", rm_arena_sprintf(A, "u%d", i));
        for (int j = 0; j < 3; j++) {
            f->addrs[i][j] = new_with(u, "Address", "email", rm_arena_sprintf(A, "a%d", i * 3 + j));
            orm_uow_link(u, f->users[i], R("User", "addresses"), f->addrs[i][j]);
        }
    }
    return orm_uow_flush(u);
}

/* A table made without AUTOINCREMENT (not by restmap's DDL) that holds
 * the key 9223372036854775807: SQLite gives new rows random rowids, so
 * one INSERT's rows are not consecutive. The unit reads the table's
 * largest key before its first multi-row INSERT and inserts those rows
 * one a statement: every instance holds its own row's key, every address
 * points at its own user. Elsewhere (the largest key small) the rows
 * share a statement. */
START_TEST(new_rows_beside_the_largest_rowid_take_their_own_keys)
{
    static const char *const ddl[] = {
        "DROP TABLE addresses", "DROP TABLE users",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR, fullname VARCHAR, version INTEGER NOT NULL,"
        " favorite_id INTEGER)",
        "CREATE TABLE addresses (id INTEGER PRIMARY KEY, email VARCHAR, user_id INTEGER REFERENCES users (id))", NULL};
    ck_assert_int_eq(unit(run_sql, (void *)ddl, NULL), 0);
    for (int top = 0; top < 2; top++) {
        if (top) ck_assert_int_eq(unit(user_at_the_top, NULL, NULL), 0);
        families f;
        echo_reset();
        ck_assert_msg(unit(users_with_addresses, &f, NULL) == 0, "%s %s", ERR.detail, ERR.internal);
        ck_assert_int_eq(echo_count("INSERT INTO \"users\""), top ? 4 : 1);
        ck_assert_int_eq(echo_count("INSERT INTO \"addresses\""), 2); /* 8 + 4: their keys stay low */
        for (int i = 0; i < 4; i++) {
            same_as_stored(f.users[i]);
            for (int j = 0; j < 3; j++) {
                same_as_stored(f.addrs[i][j]);
                ck_assert_int_eq(f.addrs[i][j]->row[C("Address", "user_id")->index].u.i,
                                 f.users[i]->row[C("User", "id")->index].u.i);
            }
        }
    }
}
END_TEST

/* The user and its addresses count: 1 + (bound - 1) may go, one more may not. */
START_TEST(delete_cascade_bound)
{
    graph g = {0};
    ck_assert_int_eq(unit(create_graph, &g, NULL), 0); /* 2 addresses */
    bulk b = {.n = ORM_MAX_DELETE_ROWS - 2, .user_id = g.user_id};
    ck_assert_int_eq(unit(add_addresses, &b, NULL), 0);
    ck_assert_int_eq(count("addresses", "user_id", orm_int(g.user_id)), ORM_MAX_DELETE_ROWS);
    ck_assert_int_eq(unit(delete_user, &g, NULL), ORM_E_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(ERR.detail, "more than 100000 rows"));
    ck_assert_int_eq(count("addresses", "user_id", orm_int(g.user_id)), ORM_MAX_DELETE_ROWS);
    ck_assert_int_eq(count("user_tags", NULL, orm_null()), 2); /* rolled back too */
    ck_assert_int_eq(count("notes", "user_id", orm_int(g.user_id)), 1);
}
END_TEST

/* A cascade of many children deletes them in batches of up to 500 keys,
 * not one statement per row (a PostgreSQL round trip each). */
START_TEST(cascaded_deletes_are_batched)
{
    graph g = {0};
    ck_assert_int_eq(unit(create_graph, &g, NULL), 0); /* 2 addresses */
    bulk b = {.n = 1198, .user_id = g.user_id};
    ck_assert_int_eq(unit(add_addresses, &b, NULL), 0);
    echo_reset();
    unsigned n;
    ck_assert_int_eq(unit(delete_user, &g, &n), 0);
    ck_assert_int_eq(count("addresses", "user_id", orm_int(g.user_id)), 0);
    ck_assert_int_eq(echo_count("DELETE FROM \"addresses\""), 3); /* 500 + 500 + 200 */
    ck_assert_uint_lt(n, 20);
}
END_TEST

Suite *uow_suite(void)
{
    Suite *s = suite_create("orm/uow");
    TCase *tc = TS_TCASE(s, "uow", NULL, NULL, 120, parents_first_and_keys_propagated,
                         inserts_of_each_row_count_have_their_own_entry, updates_of_each_column_set_have_their_own_entry,
                         session_owns_the_identity_map_and_the_unit_of_work,
                         a_second_flush_writes_only_what_changed,
                         cycle_between_new_rows_uses_a_post_update, update_only_what_changed,
                         stale_version_is_refused, delete_cascades_and_sets_null,
                         many_to_many_writes_only_changed_members, many_cycles_between_new_rows,
                         delete_breaks_cycles_among_deleted_rows, large_collection_replace_writes_only_changes,
                         unit_bound, delete_cascade_bound, cascaded_deletes_are_batched,
                         new_rows_take_their_rowids_without_returning,
                         update_without_returning_leaves_the_row_as_stored,
                         update_after_untracked_writes_reads_the_row_back,
                         new_rows_beside_the_largest_rowid_take_their_own_keys,
                         many_updates_in_one_flush_each_store_their_row);
    tcase_add_checked_fixture(tc, setup, teardown);
    return s;
}
