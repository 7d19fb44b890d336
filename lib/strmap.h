/* strmap.h: string-keyed hash map (open addressing, linear probing).
 *
 * Keys are copied (malloc) and owned by the map; values are borrowed
 * pointers the caller manages. Used for the prepared-statement cache and
 * name look-ups in the schema registry. Not thread-safe. */
#ifndef RM_STRMAP_H
#define RM_STRMAP_H

#include <stddef.h>

typedef struct rm_strmap_entry {
    char *key; /* NULL: empty slot */
    size_t keylen;
    unsigned long hash;
    void *value;
} rm_strmap_entry;

typedef struct rm_strmap {
    rm_strmap_entry *slots;
    size_t cap, count;
} rm_strmap;

void rm_strmap_init(rm_strmap *m);
/* Frees keys and slots; values are the caller's (free them first if owned). */
void rm_strmap_free(rm_strmap *m);
/* Value for key, or NULL. */
void *rm_strmap_get(const rm_strmap *m, const char *key);
void *rm_strmap_getn(const rm_strmap *m, const char *key, size_t keylen);
/* Insert or replace; returns the previous value (or NULL). */
void *rm_strmap_put(rm_strmap *m, const char *key, void *value);
/* Call fn for each entry, in slot order. */
void rm_strmap_each(const rm_strmap *m, void (*fn)(const char *key, void *value, void *ud), void *ud);

#endif
