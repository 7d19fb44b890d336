/* check.c: CHECK conditions evaluated over a row in memory; see check.h.
 *
 * The node kinds are those orm_filter_parse_check makes: comparisons of a
 * column with a value or another column, IN / NOT IN, BETWEEN, LIKE and
 * ILIKE (with ESCAPE '\'), IS [NOT] NULL, AND / OR / NOT and constants.
 * Values compare as the databases compare them: numbers by value (numeric
 * text exactly, as decimals), other text bytewise (columns collate "C"),
 * which is also the order of the canonical date, datetime and uuid text.
 * Anything else is unknown, which lets the row through to the database's
 * own CHECK (mapped to 422 too). */
#include "orm/check.h"

#include <stdio.h>
#include <string.h>

#include "orm/decimal.h"
#include "orm/mapper.h"

static orm_type node_type(const orm_expr *e, bool *known)
{
    const orm_column *c = e->op == ORM_OP_COLUMN ? e->u.col.column : e->op == ORM_OP_PARAM ? e->u.param.column : NULL;
    *known = c != NULL;
    return c ? c->type : ORM_T_STRING;
}

static bool value_of(const orm_expr *e, const orm_value *row, orm_value *out)
{
    if (e->op == ORM_OP_COLUMN) *out = row[e->u.col.column->index];
    else if (e->op == ORM_OP_PARAM) *out = e->u.param.value;
    else return false;
    return true;
}

static bool parse_decimal(const orm_value *v, char *buf, size_t cap, orm_decimal *d)
{
    if (v->kind == ORM_V_TEXT) return orm_decimal_parse(v->u.s.p, v->u.s.n, d);
    int n = snprintf(buf, cap, "%lld", (long long)v->u.i);
    return n > 0 && (size_t)n < cap && orm_decimal_parse(buf, (size_t)n, d);
}

/* Sign of x - y for two numbers, numeric text among them; *ok false when a
 * text is no decimal. */
static int numeric_cmp(const orm_value *x, const orm_value *y, bool *ok)
{
    if (x->kind != ORM_V_TEXT && y->kind != ORM_V_TEXT) return orm_value_cmp(x, y);
    if (y->kind == ORM_V_FLOAT) return orm_decimal_cmp_double(x->u.s.p, x->u.s.n, 0, y->u.f);
    if (x->kind == ORM_V_FLOAT) return -orm_decimal_cmp_double(y->u.s.p, y->u.s.n, 0, x->u.f);
    char bx[32], by[32];
    orm_decimal dx, dy;
    if (!parse_decimal(x, bx, sizeof bx, &dx) || !parse_decimal(y, by, sizeof by, &dy)) {
        *ok = false;
        return 0;
    }
    return orm_decimal_cmp(dx, dy);
}

/* Sign of l - r (both non-NULL); *ok false when they do not compare. */
static int compare(const orm_expr *l, const orm_value *x, const orm_expr *r, const orm_value *y, bool *ok)
{
    bool kl, kr;
    orm_type tl = node_type(l, &kl), tr = node_type(r, &kr);
    *ok = true;
    if ((kl && tl == ORM_T_NUMERIC) || (kr && tr == ORM_T_NUMERIC)) return numeric_cmp(x, y, ok);
    if ((x->kind == ORM_V_TEXT) != (y->kind == ORM_V_TEXT)) {
        *ok = false;
        return 0;
    }
    return orm_value_cmp(x, y);
}

/* ---- LIKE --------------------------------------------------------------------- */

static size_t char_len(const char *s, size_t left)
{
    unsigned char c = (unsigned char)*s;
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return n < left ? n : left;
}

static bool same_chars(const char *a, const char *b, size_t n, bool fold)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (fold && x >= 'A' && x <= 'Z') x = (unsigned char)(x - 'A' + 'a');
        if (fold && y >= 'A' && y <= 'Z') y = (unsigned char)(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

/* SQL LIKE with ESCAPE '\': % any run of characters, _ one character;
 * fold: ASCII letters match either case (ILIKE). Linear backtracking to
 * the last %, as a glob matcher does. */
static bool like(const char *s, size_t sn, const char *p, size_t pn, bool fold)
{
    size_t si = 0, pi = 0, star_p = 0, star_s = 0;
    bool star = false;
    while (si < sn) {
        if (pi < pn && p[pi] == '%') {
            star = true;
            star_p = ++pi;
            star_s = si;
            continue;
        }
        if (pi < pn) {
            size_t sl = char_len(s + si, sn - si);
            if (p[pi] == '_') {
                si += sl;
                pi++;
                continue;
            }
            size_t at = p[pi] == '\\' && pi + 1 < pn ? pi + 1 : pi, pl = char_len(p + at, pn - at);
            if (pl == sl && same_chars(p + at, s + si, sl, fold)) {
                si += sl;
                pi = at + pl;
                continue;
            }
        }
        if (!star) return false;
        star_s += char_len(s + star_s, sn - star_s);
        si = star_s;
        pi = star_p;
    }
    while (pi < pn && p[pi] == '%') pi++;
    return pi == pn;
}

/* ---- evaluation ------------------------------------------------------------------ */

static orm_truth not3(orm_truth t) { return t == ORM_UNKNOWN ? t : t == ORM_TRUE ? ORM_FALSE : ORM_TRUE; }

static orm_truth cmp_truth(orm_expr_op op, int c)
{
    switch (op) {
    case ORM_OP_EQ: return c == 0 ? ORM_TRUE : ORM_FALSE;
    case ORM_OP_NE: return c != 0 ? ORM_TRUE : ORM_FALSE;
    case ORM_OP_LT: return c < 0 ? ORM_TRUE : ORM_FALSE;
    case ORM_OP_LE: return c <= 0 ? ORM_TRUE : ORM_FALSE;
    case ORM_OP_GT: return c > 0 ? ORM_TRUE : ORM_FALSE;
    case ORM_OP_GE: return c >= 0 ? ORM_TRUE : ORM_FALSE;
    default: return ORM_UNKNOWN;
    }
}

/* left op right for two value nodes. */
static orm_truth compare_nodes(orm_expr_op op, const orm_expr *l, const orm_expr *r, const orm_value *row)
{
    orm_value x, y;
    bool ok;
    if (!value_of(l, row, &x) || !value_of(r, row, &y) || x.kind == ORM_V_NULL || y.kind == ORM_V_NULL)
        return ORM_UNKNOWN;
    int c = compare(l, &x, r, &y, &ok);
    return ok ? cmp_truth(op, c) : ORM_UNKNOWN;
}

static orm_truth in_list(const orm_expr *e, const orm_value *row)
{
    const orm_expr *list = e->right;
    if (!list || list->op != ORM_OP_LIST) return ORM_UNKNOWN;
    orm_truth any = ORM_FALSE;
    for (size_t i = 0; i < list->u.list.n && any != ORM_TRUE; i++) {
        orm_truth t = compare_nodes(ORM_OP_EQ, e->left, list->u.list.items[i], row);
        if (t != ORM_FALSE) any = t;
    }
    return e->op == ORM_OP_IN ? any : not3(any);
}

static orm_truth like_truth(const orm_expr *e, const orm_value *row)
{
    orm_value x, p;
    if (!value_of(e->left, row, &x) || !value_of(e->right, row, &p) || x.kind == ORM_V_NULL || p.kind == ORM_V_NULL)
        return ORM_UNKNOWN;
    if (x.kind != ORM_V_TEXT || p.kind != ORM_V_TEXT) return ORM_UNKNOWN;
    return like(x.u.s.p, x.u.s.n, p.u.s.p, p.u.s.n, e->op == ORM_OP_ILIKE) ? ORM_TRUE : ORM_FALSE;
}

static orm_truth and3(orm_truth a, orm_truth b)
{
    if (a == ORM_FALSE || b == ORM_FALSE) return ORM_FALSE;
    return a == ORM_TRUE && b == ORM_TRUE ? ORM_TRUE : ORM_UNKNOWN;
}

orm_truth orm_check_eval(const orm_expr *e, const orm_value *row)
{
    orm_value x;
    if (!e) return ORM_TRUE;
    switch (e->op) {
    case ORM_OP_EQ: case ORM_OP_NE: case ORM_OP_LT:
    case ORM_OP_LE: case ORM_OP_GT: case ORM_OP_GE:
        return compare_nodes(e->op, e->left, e->right, row);
    case ORM_OP_IN:
    case ORM_OP_NOT_IN: return in_list(e, row);
    case ORM_OP_BETWEEN:
        if (!e->right || e->right->op != ORM_OP_LIST || e->right->u.list.n != 2) return ORM_UNKNOWN;
        return and3(compare_nodes(ORM_OP_GE, e->left, e->right->u.list.items[0], row),
                    compare_nodes(ORM_OP_LE, e->left, e->right->u.list.items[1], row));
    case ORM_OP_LIKE:
    case ORM_OP_ILIKE: return like_truth(e, row);
    case ORM_OP_IS_NULL:
    case ORM_OP_IS_NOT_NULL:
        if (!value_of(e->left, row, &x)) return ORM_UNKNOWN;
        return (x.kind == ORM_V_NULL) == (e->op == ORM_OP_IS_NULL) ? ORM_TRUE : ORM_FALSE;
    case ORM_OP_AND: return and3(orm_check_eval(e->left, row), orm_check_eval(e->right, row));
    case ORM_OP_OR: return not3(and3(not3(orm_check_eval(e->left, row)), not3(orm_check_eval(e->right, row))));
    case ORM_OP_NOT: return not3(orm_check_eval(e->left, row));
    case ORM_OP_TRUE: return ORM_TRUE;
    case ORM_OP_FALSE: return ORM_FALSE;
    default: return ORM_UNKNOWN;
    }
}

const orm_check *orm_check_row(const orm_table *t, const orm_value *row)
{
    for (size_t i = 0; i < t->nchecks; i++)
        if (orm_check_eval(t->checks[i].expr, row) == ORM_FALSE) return &t->checks[i];
    return NULL;
}

/* Level lt's share of span row `row`: each of lt's columns is the span
 * column stored in it, a lower level's key column the span's key. */
static orm_value *level_row(const orm_table *span, const orm_table *lt, const orm_value *row, rm_arena *a)
{
    orm_value *out = RM_NEW_ARRAY(a, orm_value, lt->ncolumns ? lt->ncolumns : 1);
    for (size_t j = 0; j < lt->ncolumns; j++) {
        const orm_column *sc = orm_table_stored(span, &lt->columns[j]);
        out[j] = sc ? row[sc->index] : orm_null();
    }
    return out;
}

const orm_check *orm_check_class_row(const orm_table *t, const orm_mapper *cls, const orm_value *row, rm_arena *a)
{
    if (!t->levels) return orm_check_row(t, row);
    for (size_t k = 0; k < t->nlevels; k++) {
        const orm_table *lt = t->levels[k];
        if (!lt->nchecks || !orm_mapper_isa(cls, t->level_owner[k])) continue;
        const orm_check *ck = orm_check_row(lt, level_row(t, lt, row, a));
        if (ck) return ck;
    }
    return NULL;
}
