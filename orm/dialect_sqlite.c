/* dialect_sqlite.c: the SQLite dialect. Numbered placeholders (?1),
 * SQLAlchemy-style type names (their affinities do the right thing), an
 * INTEGER PRIMARY KEY rowid alias for autoincrement keys, case-insensitive
 * LIKE through lower() (the driver turns on case_sensitive_like so plain
 * LIKE is case-sensitive, as on PostgreSQL), and BEGIN IMMEDIATE for writes
 * (a deferred read-then-write transaction fails with SQLITE_BUSY_SNAPSHOT
 * whatever the busy timeout); server defaults "now" and "uuid" as
 * expressions over strftime and randomblob. */
#include <stdio.h>

#include "orm/dialect.h"

static void sqlite_placeholder(rm_sb *sb, size_t n)
{
    rm_sb_appendc(sb, '?');
    rm_sb_append_int(sb, (long long)n);
}

static void sqlite_autoincrement_key(rm_sb *sb, const orm_column *c)
{
    /* only exactly "INTEGER PRIMARY KEY" aliases the rowid */
    rm_sb_append(sb, "INTEGER PRIMARY KEY AUTOINCREMENT");
}

const orm_dialect orm_dialect_sqlite = {
    .name = "sqlite",
    .placeholder = sqlite_placeholder,
    .types = {[ORM_T_INTEGER] = "INTEGER", [ORM_T_BIGINT] = "BIGINT", [ORM_T_FLOAT] = "FLOAT",
              [ORM_T_NUMERIC] = "NUMERIC", [ORM_T_STRING] = "VARCHAR", [ORM_T_TEXT] = "TEXT",
              [ORM_T_BOOLEAN] = "BOOLEAN", [ORM_T_DATE] = "DATE", [ORM_T_DATETIME] = "DATETIME",
              /* TEXT affinity keeps the JSON text exact */
              [ORM_T_JSON] = "TEXT", [ORM_T_UUID] = "CHAR(36)"},
    .autoincrement_key = sqlite_autoincrement_key,
    .boolean_is_integer = true,
    .native_ilike = false,
    .explicit_nulls_order = false, /* NULL is already smallest in SQLite */
    .begin_read = "BEGIN",
    .begin_write = "BEGIN IMMEDIATE",
    .max_params = 32766,           /* SQLITE_MAX_VARIABLE_NUMBER since 3.32 */
    /* INTEGER PRIMARY KEY AUTOINCREMENT: one INSERT's rows take the next
     * rowids in turn; dates and date-times are text no NUMERIC affinity
     * reads as a number, booleans integers */
    .rowid_keys = true,
    .stores_converted = {[ORM_T_NUMERIC] = true, [ORM_T_FLOAT] = true},
    /* SQLite's clock has milliseconds and strftime's %f keeps their zeros:
     * trimmed, as convert.c's canonical text ("...T10:15:00.12Z",
     * "...T10:15:00Z"); the same 'now' for the whole statement */
    .default_now = {[ORM_T_DATE] = "(date('now'))",
                    [ORM_T_DATETIME] = "(rtrim(rtrim(strftime('%Y-%m-%dT%H:%M:%f', 'now'), '0'), '.') || 'Z')"},
    /* no uuid function in SQLite 3.40: 122 random bits, the version nibble
     * 4 and the variant 10xx, lower-case 8-4-4-4-12 */
    .default_uuid = "(lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || "
                    "substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || "
                    "substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))))",
    /* registered by driver_sqlite.c: numeric values are REAL or INTEGER here */
    .scaled_sum = "rm_scaled_sum",
    .scaled_avg = "rm_scaled_avg",
};
