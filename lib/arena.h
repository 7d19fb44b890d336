/* arena.h: region allocator, one per request (and one per loaded schema).
 *
 * Allocations live until rm_arena_reset() or rm_arena_destroy(); nothing is
 * freed one by one. rm_arena_on_reset() registers a callback run at reset,
 * newest first, for resources that are not memory (statements, connections).
 * Built with -DRM_ARENA_DEBUG every allocation is its own malloc, so ASan and
 * valgrind see overruns and use-after-reset (as libgit2's debug pool does).
 * Allocation failure aborts the process: a request cannot continue without
 * memory and every caller would do the same. */
#ifndef RM_ARENA_H
#define RM_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct rm_arena rm_arena;

/* New empty arena; never NULL. Free with rm_arena_destroy(). */
rm_arena *rm_arena_new(void);
/* Run reset callbacks, free every allocation, keep the first block for reuse. */
void rm_arena_reset(rm_arena *a);
/* Reset, then free the arena itself. NULL is a no-op. */
void rm_arena_destroy(rm_arena *a);

/* n bytes aligned for any type; uninitialised / zeroed. */
void *rm_arena_alloc(rm_arena *a, size_t n);
void *rm_arena_zalloc(rm_arena *a, size_t n);
/* Grow a previous allocation of old_n bytes to new_n (copies). */
void *rm_arena_realloc(rm_arena *a, void *p, size_t old_n, size_t new_n);
char *rm_arena_strdup(rm_arena *a, const char *s);
char *rm_arena_strndup(rm_arena *a, const char *s, size_t n);
char *rm_arena_sprintf(rm_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *rm_arena_vsprintf(rm_arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Call fn(ud) at the next reset/destroy (newest registration first). */
void rm_arena_on_reset(rm_arena *a, void (*fn)(void *ud), void *ud);

/* Bytes handed out since the last reset (for statistics and benchmarks). */
size_t rm_arena_used(const rm_arena *a);

#define RM_NEW(a, T) ((T *)rm_arena_zalloc((a), sizeof(T)))
#define RM_NEW_ARRAY(a, T, n) ((T *)rm_arena_zalloc((a), sizeof(T) * (size_t)(n)))

#endif
