/* defaults.h: the dynamic defaults of SPEC §9 that restmap computes
 * itself (random version-4 UUIDs, the current UTC date or date-time), and
 * the one rule of which columns a new row may leave out because something
 * fills them (a literal default, a generator, a server default). */
#ifndef ORM_DEFAULTS_H
#define ORM_DEFAULTS_H

#include "orm/metadata.h"

/* Does something fill c when a new row lacks it: a literal "default", a
 * generator, or a "server_default"? (A NOT NULL column that is filled so
 * is not required in a POST, nor in /openapi.json.) */
bool orm_column_defaulted(const orm_column *c);

/* The literal an omitted column takes on a PUT (SPEC §8: "PUT sets omitted
 * writable columns to their default"): its literal default, else its
 * literal server_default. False when it has none (a generator or a "now"
 * / "uuid" server default: the PUT leaves the stored value alone). */
bool orm_column_literal_default(const orm_column *c, orm_value *out);

/* One instant for a whole unit of work: every "$now" and "onupdate" of
 * one request gets the same date-time (and its date). Zero it to start;
 * the clock is read at the first use. */
typedef struct orm_clock {
    bool taken;
    char datetime[40];            /* canonical: "2026-11-22T10:15:00.123456Z", zeros trimmed */
    char date[16];                /* "2026-11-22" */
} orm_clock;

/* The current UTC date (date column) or date-time (datetime column) of
 * clk, in c's canonical storage form, copied into a. */
orm_value orm_clock_value(orm_clock *clk, const orm_column *c, rm_arena *a);

/* c's generator's value for a new row: a random version-4 UUID (OpenSSL's
 * RAND_bytes) or the clock's instant. 0, or -1 when the random source
 * fails (nothing is made up instead). */
int orm_generate(orm_clock *clk, const orm_column *c, rm_arena *a, orm_value *out);

#endif
