/* fixtures.c: see fixtures.h. */
#include "tests/support/fixtures.h"

#include <string.h>

static void col(orm_column *c, orm_table *t, int index, const char *name, orm_type type)
{
    memset(c, 0, sizeof *c);
    c->name = name;
    c->sql_name = name;
    c->table = t;
    c->index = index;
    c->type = type;
    c->nullable = true;
}

void fx_tables_init(fx_tables *fx)
{
    memset(fx, 0, sizeof *fx);
    orm_table *u = &fx->users, *a = &fx->addresses;
    u->name = "users";
    u->columns = fx->ucols;
    u->ncolumns = 5;
    col(&fx->ucols[0], u, 0, "id", ORM_T_INTEGER);
    fx->ucols[0].primary_key = fx->ucols[0].autoincrement = true;
    fx->ucols[0].nullable = false;
    col(&fx->ucols[1], u, 1, "name", ORM_T_STRING);
    fx->ucols[1].length = 50;
    fx->ucols[1].nullable = false;
    col(&fx->ucols[2], u, 2, "fullname", ORM_T_STRING);
    col(&fx->ucols[3], u, 3, "age", ORM_T_INTEGER);
    fx->ucols[3].has_min = fx->ucols[3].has_max = true;
    fx->ucols[3].min = 0;
    fx->ucols[3].max = 150;
    col(&fx->ucols[4], u, 4, "active", ORM_T_BOOLEAN);
    fx->ucols[4].has_default = true;
    fx->ucols[4].default_value = orm_int(1);
    fx->upk[0] = &fx->ucols[0];
    u->pk = fx->upk;
    u->npk = 1;

    a->name = "addresses";
    a->columns = fx->acols;
    a->ncolumns = 4;
    col(&fx->acols[0], a, 0, "id", ORM_T_INTEGER);
    fx->acols[0].primary_key = true;
    fx->acols[0].nullable = false;
    col(&fx->acols[1], a, 1, "email", ORM_T_STRING);
    fx->acols[1].nullable = false;
    fx->acols[1].unique = true;
    col(&fx->acols[2], a, 2, "user_id", ORM_T_INTEGER);
    fx->fk = (orm_foreign_key){"users", "id", u, &fx->ucols[0], ORM_FK_CASCADE, NULL};
    fx->acols[2].fk = &fx->fk;
    col(&fx->acols[3], a, 3, "kind", ORM_T_STRING);
    fx->kinds[0] = orm_text("home", 4);
    fx->kinds[1] = orm_text("it's work", 9);
    fx->acols[3].choices = fx->kinds;
    fx->acols[3].nchoices = 2;
    fx->apk[0] = &fx->acols[0];
    a->pk = fx->apk;
    a->npk = 1;
}
