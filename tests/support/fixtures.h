/* fixtures.h: small hand-built tables for unit tests of compile, DDL and
 * conversion (no schema loader involved). */
#ifndef RM_TEST_FIXTURES_H
#define RM_TEST_FIXTURES_H

#include "orm/metadata.h"

/* users(id integer pk autoincrement, name string(50) not null,
 *       fullname string, age integer 0..150, active boolean default true)
 * addresses(id integer pk, email string not null unique,
 *           user_id integer fk users.id on delete cascade, kind string choices) */
typedef struct fx_tables {
    orm_table users, addresses;
    orm_column ucols[5], acols[4];
    orm_column *upk[1], *apk[1];
    orm_foreign_key fk;
    orm_value kinds[2];
} fx_tables;

void fx_tables_init(fx_tables *fx);

#endif
