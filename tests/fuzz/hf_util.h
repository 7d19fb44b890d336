/* hf_util.h: the small tools every part of the HTTP fuzzer (http_fuzz.c)
 * shares: a growable byte buffer, a seeded random generator, clocks, whole
 * files, UTF-8 validation, percent-encoding and a bounded pool of strings.
 * Allocation failures end the program (it is a test tool). */
#ifndef HF_UTIL_H
#define HF_UTIL_H

#include "tests/support/util.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HF_FMT(a, b) __attribute__((format(printf, a, b)))
#define HF_COUNT(arr) (sizeof(arr) / sizeof((arr)[0]))

/* ---- memory ------------------------------------------------------------ */

void *hf_xmalloc(size_t n);
void *hf_xcalloc(size_t n, size_t size);
void *hf_xrealloc(void *p, size_t n);
char *hf_xstrdup(const char *s);
char *hf_xstrndup(const char *s, size_t n);
char *hf_xasprintf(const char *fmt, ...) HF_FMT(1, 2);
void hf_die(const char *fmt, ...) HF_FMT(1, 2) __attribute__((noreturn));

/* ---- byte buffer: always NUL-terminated after its len bytes ------------ */

typedef struct hf_buf {
    char *p;
    size_t len, cap;
} hf_buf;

void hf_buf_add(hf_buf *b, const void *data, size_t n);
void hf_buf_str(hf_buf *b, const char *s);
void hf_buf_addc(hf_buf *b, char c);
void hf_buf_fmt(hf_buf *b, const char *fmt, ...) HF_FMT(2, 3);
void hf_buf_insert(hf_buf *b, size_t at, const void *data, size_t n);
void hf_buf_erase(hf_buf *b, size_t at, size_t n);
void hf_buf_reset(hf_buf *b);
void hf_buf_free(hf_buf *b);
/* The contents as a malloc'd string; the buffer is left empty. */
char *hf_buf_take(hf_buf *b);

/* ---- random: xoshiro256**, seeded through splitmix64 -------------------- */

typedef struct hf_rng {
    uint64_t s[4];
} hf_rng;

void hf_rng_seed(hf_rng *r, uint64_t seed);
uint64_t hf_rng_next(hf_rng *r);
/* Uniform in [0, n); n must be > 0. */
size_t hf_rng_below(hf_rng *r, size_t n);
/* True with the given probability in percent. */
bool hf_rng_chance(hf_rng *r, unsigned percent);
/* A size in [1, max] that is small far more often than large (log-uniform). */
size_t hf_rng_size(hf_rng *r, size_t max);
#define HF_PICK(r, arr) ((arr)[hf_rng_below((r), HF_COUNT(arr))])

/* ---- files (clocks and rmtree: tests/support/util.h) ---------------------- */

/* Whole file (malloc'd, NUL-terminated, length in *len when len is not
 * NULL), or NULL when it cannot be read. */
char *hf_read_file(const char *path, size_t *len);
long hf_file_size(const char *path);
int hf_write_file(const char *path, const void *data, size_t n);

/* ---- text -------------------------------------------------------------- */

uint64_t hf_hash(const void *data, size_t n);
/* First occurrence of needle (nlen bytes) in hay (n bytes), or NULL. */
char *hf_memmem(const char *hay, size_t n, const char *needle, size_t nlen);
/* Strict UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF); *bad_at gets the offset of the first bad byte. */
bool hf_utf8_valid(const char *s, size_t n, size_t *bad_at);
/* Append s percent-encoded: every byte but unreserved ones and those in
 * keep becomes %XX. */
void hf_percent_encode(hf_buf *b, const char *s, size_t n, const char *keep);
/* %XX sequences decoded (malformed ones kept as they are); malloc'd. */
char *hf_percent_decode(const char *s);
/* Append s with control and non-ASCII bytes shown as \xHH (for reports),
 * at most max bytes of s. */
void hf_buf_printable(hf_buf *b, const char *s, size_t n, size_t max);

/* ---- a bounded set of strings: once full, a new one replaces a random one */

typedef struct hf_pool {
    char **items;
    size_t n, cap;
} hf_pool;

void hf_pool_init(hf_pool *p, size_t cap);
void hf_pool_add(hf_pool *p, hf_rng *r, const char *s);
bool hf_pool_has(const hf_pool *p, const char *s);
/* A random member, or NULL when empty. */
const char *hf_pool_pick(const hf_pool *p, hf_rng *r);
void hf_pool_clear(hf_pool *p);
void hf_pool_free(hf_pool *p);

#endif
