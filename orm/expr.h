/* expr.h: the SQL expression tree (SQLAlchemy's ClauseElement; SQLite's
 * struct Expr). Built by the filter parser and the query builders, printed
 * to SQL by compile.c. Values are only ever PARAM nodes, which the compiler
 * turns into placeholders with bound parameters; identifiers come only from
 * the schema (COLUMN nodes point at orm_column).
 *
 * Nodes live in an arena. Combinators accept NULL operands:
 * orm_expr_and(a, NULL, x) returns x, so a WHERE builds up with no special
 * first case. */
#ifndef ORM_EXPR_H
#define ORM_EXPR_H

#include <stdbool.h>

#include "lib/arena.h"
#include "orm/metadata.h"

/* Operators: enum name, SQL spelling (or a description for non-operators). */
#define ORM_EXPR_OPS(X)                                                         \
    X(COLUMN, "column")          /* u.col: alias.column */                      \
    X(PARAM, "param")            /* u.value: one bound parameter */             \
    X(LIST, "list")              /* u.list: parenthesised items (IN operand) */ \
    X(EQ, "=")                                                                  \
    X(NE, "<>")                                                                 \
    X(LT, "<")                                                                  \
    X(LE, "<=")                                                                 \
    X(GT, ">")                                                                  \
    X(GE, ">=")                                                                 \
    X(IN, "IN")                  /* left IN right (LIST) */                     \
    X(NOT_IN, "NOT IN")                                                         \
    X(LIKE, "LIKE")              /* flags: ORM_EXPR_ESCAPE adds ESCAPE '\' */   \
    X(ILIKE, "ILIKE")            /* case-insensitive LIKE; dialect decides */   \
    X(IS_NULL, "IS NULL")        /* unary postfix on left */                    \
    X(IS_NOT_NULL, "IS NOT NULL")                                               \
    X(BETWEEN, "BETWEEN")        /* left BETWEEN right(LIST of 2) */            \
    X(AND, "AND")                                                               \
    X(OR, "OR")                                                                 \
    X(NOT, "NOT")                /* unary on left */                            \
    X(EXISTS, "EXISTS")          /* u.sub: correlated subquery */               \
    X(PLUS, "+")                 /* arithmetic (version counters) */            \
    X(LABEL, "label")            /* u.label: t<alias>."name" of a derived table */ \
    X(CLAIM, "claim")            /* u.claim: a request's claim, bound per use   \
                                    (row filters, orm_template_use); never compiled */ \
    X(ADD, "+")                  /* computed arithmetic: printed (l op r) */     \
    X(SUB, "-")                                                                 \
    X(MUL, "*")                                                                 \
    X(DIV, "/")                                                                 \
    X(CONCAT, "||")                                                             \
    X(AS_FLOAT, "float cast")    /* CAST(left AS the dialect's float type) */   \
    X(CALL, "call")              /* u.func(left[, right]); count with no left: count(*) */ \
    X(SUBQUERY, "subquery")      /* u.sub: a scalar subquery (SELECT ...) */    \
    X(COMPUTED, "computed")      /* u.col: a computed column, printed as left, its \
                                    expression (orm/computed.h) */              \
    X(SCALED_SUM, "scaled sum")  /* aggregates (orm/aggregate.h): the exact sum of left, \
                                    a numeric or integer column, in units of \
                                    10^-u.scale (dialect.h: scaled_sum) */       \
    X(SCALED_AVG, "scaled avg")  /* ... its mean in units of 10^-(u.scale + 4), \
                                    rounded half away from zero */               \
    X(POSITION, "position")      /* u.scale: the statement's result column of that number \
                                    (1-based), in GROUP BY and ORDER BY: a key whose \
                                    expression has parameters is the same key there */ \
    X(ROW_NUMBER, "ROW_NUMBER")  /* u.window: ROW_NUMBER() OVER (PARTITION BY   \
                                    ... ORDER BY ...), a select's column */     \
    X(NULL, "NULL")              /* the constant NULL (a deferred column not loaded) */ \
    X(TRUE, "TRUE")              /* constant true (empty IN negated, {}) */     \
    X(FALSE, "FALSE")            /* constant false (empty IN) */

typedef enum orm_expr_op {
#define X(n, s) ORM_OP_##n,
    ORM_EXPR_OPS(X)
#undef X
    ORM_OP__COUNT
} orm_expr_op;

/* SQL spelling / name of an operator. */
const char *orm_expr_op_name(orm_expr_op op);

enum {
    ORM_EXPR_ESCAPE = 1u << 0, /* LIKE/ILIKE: append ESCAPE '\' */
    ORM_EXPR_DISTINCT = 1u << 1, /* CALL: fn(DISTINCT left) (count_distinct) */
};

struct orm_select;
struct orm_order_item;

typedef struct orm_expr {
    orm_expr_op op;
    unsigned flags;
    struct orm_expr *left, *right;
    union {
        struct {
            int alias;                 /* table alias number: t<alias> */
            const orm_column *column;
        } col;
        struct {
            orm_value value;
            const orm_column *column;  /* the column it is compared with (types), or NULL */
        } param;
        struct {
            struct orm_expr **items;
            size_t n;
        } list;
        struct orm_select *sub;
        struct {
            int alias;
            const char *name;
        } label;
        const char *func;              /* CALL: the function's name */
        int scale;                     /* SCALED_SUM, SCALED_AVG; POSITION's number */
        struct {
            struct orm_expr **partition;          /* PARTITION BY these (none: one window) */
            size_t npartition;
            const struct orm_order_item *order;   /* ORDER BY these, NULL smallest as a select's */
            size_t norder;
        } window;
        struct {
            const char *name;          /* the claim ("sub") */
            const orm_column *column;  /* the column it is compared with: its value's type */
        } claim;
    } u;
} orm_expr;

orm_expr *orm_expr_column(rm_arena *a, int alias, const orm_column *c);
/* A bound parameter; column (may be NULL) tells the dialect its type. */
orm_expr *orm_expr_param(rm_arena *a, orm_value v, const orm_column *c);
orm_expr *orm_expr_list(rm_arena *a, orm_expr **items, size_t n);
/* Binary operator (EQ..BETWEEN, LIKE...). */
orm_expr *orm_expr_binary(rm_arena *a, orm_expr_op op, orm_expr *l, orm_expr *r);
/* Unary operator (IS_NULL, IS_NOT_NULL, NOT). */
orm_expr *orm_expr_unary(rm_arena *a, orm_expr_op op, orm_expr *operand);
/* AND / OR of two expressions; a NULL side yields the other side. */
orm_expr *orm_expr_and(rm_arena *a, orm_expr *l, orm_expr *r);
orm_expr *orm_expr_or(rm_arena *a, orm_expr *l, orm_expr *r);
orm_expr *orm_expr_exists(rm_arena *a, struct orm_select *sub);
orm_expr *orm_expr_const(rm_arena *a, bool value);
/* ROW_NUMBER() OVER (PARTITION BY partition ORDER BY order): the rank of a
 * row among those with its partition values (the arrays are kept). */
orm_expr *orm_expr_row_number(rm_arena *a, orm_expr **partition, size_t npartition,
                              const struct orm_order_item *order, size_t norder);
/* Reference to a labelled column of a derived table: t<alias>."name". */
orm_expr *orm_expr_label(rm_arena *a, int alias, const char *name);
/* x[0] = y[0] AND ... for n column pairs, x at alias ax and y at ay (join
 * conditions of relationships). */
orm_expr *orm_expr_columns_eq(rm_arena *a, size_t n, orm_column *const *x, int ax, orm_column *const *y,
                              int ay);
/* column = value shorthand */
orm_expr *orm_expr_col_eq(rm_arena *a, int alias, const orm_column *c, orm_value v);

#endif
