/* defaults.c: dynamic defaults restmap computes itself; see defaults.h. */
#include "orm/defaults.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

bool orm_column_defaulted(const orm_column *c)
{
    return c->has_default || c->generator != ORM_GEN_NONE || c->server_default != ORM_SD_NONE;
}

bool orm_column_literal_default(const orm_column *c, orm_value *out)
{
    if (c->has_default) *out = c->default_value;
    else if (c->server_default == ORM_SD_LITERAL) *out = c->server_default_value;
    else return false;
    return true;
}

/* Read the clock once: UTC, microseconds, the fraction's trailing zeros
 * (and a fraction of zero) left out, as convert.c's canonical form. */
static void take(orm_clock *clk)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(clk->datetime, sizeof clk->datetime, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000);
    while (clk->datetime[n - 1] == '0') n--;
    if (clk->datetime[n - 1] == '.') n--;
    memcpy(clk->datetime + n, "Z", 2);
    snprintf(clk->date, sizeof clk->date, "%.10s", clk->datetime);
    clk->taken = true;
}

orm_value orm_clock_value(orm_clock *clk, const orm_column *c, rm_arena *a)
{
    if (!clk->taken) take(clk);
    const char *s = c->type == ORM_T_DATE ? clk->date : clk->datetime;
    return orm_value_copy(a, orm_text(s, strlen(s)));
}

/* A random version-4 UUID (RFC 9562: version nibble 4, variant 10xx), as
 * lower-case 8-4-4-4-12 text. */
static int uuid4(rm_arena *a, orm_value *out)
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1) return -1;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    char *s = rm_arena_alloc(a, 37);
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s[k++] = '-';
        s[k++] = hex[b[i] >> 4];
        s[k++] = hex[b[i] & 15];
    }
    s[k] = '\0';
    *out = orm_text(s, 36);
    return 0;
}

int orm_generate(orm_clock *clk, const orm_column *c, rm_arena *a, orm_value *out)
{
    switch (c->generator) {
    case ORM_GEN_UUID4: return uuid4(a, out);
    case ORM_GEN_NOW: *out = orm_clock_value(clk, c, a); return 0;
    case ORM_GEN_NONE: break;
    }
    return -1;
}
