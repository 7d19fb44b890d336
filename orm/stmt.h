/* stmt.h: SELECT / INSERT / UPDATE / DELETE statements as data
 * (SQLAlchemy core's select(), insert(), update(), delete()), compiled to
 * SQL text by compile.c. Built in an arena by loading and persistence code;
 * nothing here holds SQL text.
 *
 * Table aliases are numbers: alias k prints as t<k>. DML statements are
 * unaliased (their COLUMN nodes use alias -1, printed unqualified). */
#ifndef ORM_STMT_H
#define ORM_STMT_H

#include "orm/expr.h"

typedef struct orm_order_item {
    orm_expr *expr;
    bool desc;
} orm_order_item;

/* RIGHT: every row of the joined table (orm/aggregate.c: a parent with no group) */
typedef enum orm_join_kind { ORM_JOIN_INNER, ORM_JOIN_LEFT, ORM_JOIN_RIGHT } orm_join_kind;

typedef struct orm_join {
    orm_join_kind kind;
    const orm_table *table;
    int alias;
    orm_expr *on;
    const void *via;            /* what made it (a relationship, for reuse); ignored by the compiler */
    const struct orm_mapper *cls; /* the class it reaches, or NULL (as orm_select.cls) */
} orm_join;

enum {
    ORM_SELECT_COUNT = 1u << 0, /* SELECT count(*) (order, limit, offset ignored) */
    ORM_SELECT_ONE = 1u << 1,   /* SELECT 1 (EXISTS subqueries) */
};

typedef struct orm_select {
    const orm_table *from;
    struct orm_select *from_select; /* a derived table instead of `from`: FROM (...) AS t<alias>;
                                       `from` still names the table its columns come from */
    int alias;
    orm_expr **columns;       /* result columns; NULL = every column of `from` */
    const char **labels;      /* AS "label" for columns[i] when labels && labels[i] */
    size_t ncolumns;
    orm_join *joins;
    size_t njoins;
    orm_expr *where;          /* NULL = no WHERE */
    orm_order_item *order;
    size_t norder;
    orm_expr *limit;          /* PARAM or NULL */
    orm_expr *offset;         /* PARAM or NULL */
    unsigned flags;           /* ORM_SELECT_* */
    orm_expr **group_by;      /* GROUP BY these (aggregates, orm/aggregate.h) */
    size_t ngroup;
    orm_expr *having;         /* HAVING, or NULL */
    const struct orm_mapper *cls; /* the class whose rows it reads, or NULL: when `from` is a
                                     span (joined-table inheritance, metadata.h), the levels of
                                     that class and its ancestors are INNER JOINed (every row of
                                     the class has them), the others LEFT OUTER JOINed */
} orm_select;

typedef struct orm_insert {
    const orm_table *table;
    const orm_column **columns; /* the columns given (may be 0: DEFAULT VALUES, one row) */
    orm_value *values;          /* row r, column c: values[r * ncolumns + c] */
    size_t ncolumns;
    size_t nrows;               /* rows in one statement (0 counts as 1) */
    bool returning;             /* RETURNING every column */
} orm_insert;

typedef struct orm_update {
    const orm_table *table;
    const orm_column **columns; /* SET targets */
    orm_expr **values;          /* SET values (PARAM, or expressions such as version + 1) */
    size_t ncolumns;
    orm_expr *where;            /* alias -1 columns */
    bool returning;
} orm_update;

typedef struct orm_delete {
    const orm_table *table;
    orm_expr *where;            /* alias -1 columns */
} orm_delete;

#endif
