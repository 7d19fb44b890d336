/* uow.h: the unit of work of one request (SQLAlchemy's Session: new, dirty
 * and deleted objects, flushed in dependency order).
 *
 * Callers build an object graph: new pending instances (orm_uow_new),
 * persistent ones loaded through the identity map (orm_uow_get), column
 * changes (orm_uow_set), relationship changes (orm_uow_link /
 * orm_uow_replace), deletions (orm_uow_delete). orm_uow_flush then writes
 * it in one go: cascades expanded (delete, delete-orphan, or the children's
 * foreign key set to NULL), INSERTs ordered parents first (row by row, so
 * self-referential trees work; a cycle between rows is broken by inserting
 * one with a NULL foreign key and updating it afterwards, as SQLAlchemy's
 * post_update does), generated keys copied into children and association
 * rows, UPDATEs of only the columns that changed (skipped when none did;
 * a version column is incremented and checked: ORM_E_STALE when the row
 * changed underneath), association rows inserted and deleted, DELETEs
 * children first. Everything lives in the session's arena. */
#ifndef ORM_UOW_H
#define ORM_UOW_H

#include "orm/defaults.h"
#include "orm/loading.h"

/* A foreign-key link to establish (or clear) at flush: child's fk columns
 * get parent's ref columns. */
typedef struct orm_link {
    orm_instance *child;          /* owns the foreign key */
    orm_instance *parent;         /* referenced (NULL: clear the foreign key) */
    orm_column **fk, **ref;
    size_t n;
    bool post_update;             /* set after the parent's INSERT (cycle breaking) */
    size_t next;                  /* the child's previous link (1-based; 0 none) */
} orm_link;

/* A many-to-many association row to insert or delete. */
typedef struct orm_assoc {
    const orm_relationship *rel;  /* as seen from `from` */
    orm_instance *from, *to;
    bool remove;
} orm_assoc;

/* Where the dialect has rowid_keys (SQLite): what the unit knows of a
 * table's rowids (flush.c, rowid_top). */
typedef struct orm_rowid_top {
    const orm_table *table;
    bool increase;                /* new rows' keys increase (AUTOINCREMENT): max unused */
    int64_t max;                  /* else the largest rowid */
} orm_rowid_top;

/* An instance and the JSON pointer of the body object it was built from. */
typedef struct orm_located {
    const orm_instance *inst;
    const char *pointer;
} orm_located;

typedef struct orm_uow {
    orm_session *s;               /* whose identity map and schema it uses */
    rm_arena *a;
    orm_instance **objs;          /* every instance touched, in the order met */
    size_t nobjs, capobjs;
    orm_link *links;
    size_t nlinks, caplinks;
    orm_assoc *assocs;
    size_t nassocs, capassocs;
    size_t nnew;                  /* instances made by orm_uow_new */
    size_t ndeleted;              /* persistent instances marked deleted, cascades included */
    struct orm_located *located;  /* orm_uow_locate: instances and where their input is */
    size_t nlocated, caplocated;
    unsigned statements_before;
    orm_rowid_top *tops;          /* tables whose largest rowid the unit knows */
    size_t ntops, captops;
    bool untracked;               /* a write ran that may have changed rows without their
                                     instances (flush_int.h, flush_run) */
    orm_clock clock;              /* the unit's one "now": $now defaults and onupdate */
} orm_uow;

/* Bounds of one unit of work, so that one request cannot make the server
 * hold or write without end; past them ORM_E_TOO_LARGE (413). Objects:
 * the new ones and those loaded to be changed, linked or deleted (nested
 * objects and references included). Deleted rows: those the request
 * deletes, cascades included (rows a cascade only detaches are one UPDATE
 * and do not count). The flush is linear in both. */
#define ORM_MAX_UNIT_OBJECTS 500000
#define ORM_MAX_DELETE_ROWS 100000

/* The unit of work of s's running unit (made on first use; a new unit or
 * attempt starts a new one). */
orm_uow *orm_session_uow(orm_session *s);
/* A new pending instance of m; every column unset (defaults apply). */
orm_instance *orm_uow_new(orm_uow *u, const orm_mapper *m);
/* The persistent instance of m with key pk (loaded once per unit);
 * ORM_E_NOT_FOUND when there is no such row. */
int orm_uow_get(orm_uow *u, const orm_mapper *m, const orm_value *pk, orm_instance **out);
/* Set a column (marks the instance for the flush). */
void orm_uow_set(orm_uow *u, orm_instance *inst, const orm_column *c, orm_value v);
/* inst.rel gains target (a collection member, or the scalar value); the
 * back_populates side is kept in step in memory. */
void orm_uow_link(orm_uow *u, orm_instance *inst, const orm_relationship *rel, orm_instance *target);
/* inst.rel loses target: unlinked (foreign key NULL, association row
 * deleted) or, for a delete-orphan collection, deleted. */
int orm_uow_unlink(orm_uow *u, orm_instance *inst, const orm_relationship *rel, orm_instance *target);
/* inst.rel becomes exactly items (n may be 0; a scalar takes at most one):
 * current members are loaded when needed; members that leave are unlinked
 * as above; new ones linked. */
int orm_uow_replace(orm_uow *u, orm_instance *inst, const orm_relationship *rel,
                    orm_instance **items, size_t n);
/* Make target a row rel reaches before it is linked through rel: the
 * columns rel's join "where" fixes by equality are set on it (SPEC §9: a
 * nested create through Customer.addresses where kind = 'customer' stores
 * that kind). ORM_E_VALIDATION when the row says otherwise, or when the
 * "where" has conditions writing cannot meet (in, like, ...). */
int orm_uow_fit(orm_uow *u, const orm_relationship *rel, orm_instance *target);
/* The JSON pointer of the body object inst was built from ("" or
 * "/items/0"): a row's field errors found at flush (a CHECK it breaks)
 * point under it. Without one they point at "/<column>". */
void orm_uow_locate(orm_uow *u, const orm_instance *inst, const char *pointer);
/* Where inst's input is: its pointer, or "" (the last one given wins). */
const char *orm_uow_pointer(const orm_uow *u, const orm_instance *inst);
/* Mark for deletion (a pending instance is simply not inserted). */
void orm_uow_delete(orm_uow *u, orm_instance *inst);
/* ORM_E_TOO_LARGE (with its message) once the unit holds more than
 * ORM_MAX_UNIT_OBJECTS objects (new ones and loaded ones), else 0:
 * builders call it as they go, to stop early; the flush checks it first. */
int orm_uow_check_size(orm_uow *u);
/* Write everything; 0 or an orm_code (the caller's unit then rolls back).
 * A delete whose cascades reach more than ORM_MAX_DELETE_ROWS rows is
 * ORM_E_TOO_LARGE, found while the cascade loads at most that many. */
int orm_uow_flush(orm_uow *u);

#endif
