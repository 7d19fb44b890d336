/* util.c: helpers shared by every test program; see util.h. */
#include "tests/support/util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

long long ts_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ts_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

void ts_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char path[PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            struct stat st;
            if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) ts_rmtree(path);
            else unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

char *ts_read_file_from(const char *path, long offset, size_t *len)
{
    size_t n = 0, cap = 4096;
    char *out = malloc(cap);
    if (!out) abort();
    FILE *f = fopen(path, "rb");
    if (f) {
        if (offset > 0) fseek(f, offset, SEEK_SET);
        size_t got;
        while ((got = fread(out + n, 1, cap - n - 1, f)) > 0) {
            n += got;
            if (cap - n - 1 == 0) {
                cap *= 2;
                out = realloc(out, cap);
                if (!out) abort();
            }
        }
        fclose(f);
    }
    out[n] = '\0';
    if (len) *len = n;
    return out;
}

int ts_inserted_rows(const char *log, const char *table)
{
    char needle[128];
    snprintf(needle, sizeof needle, "INSERT INTO \"%s\"", table);
    int n = 0;
    for (const char *p = strstr(log, needle); p; p = strstr(p + 1, needle)) {
        const char *eol = strchr(p, '\n');
        for (const char *q = strstr(p, " VALUES ("); q && (!eol || q < eol); q = strstr(q + 1, "), ("))
            n++;
    }
    return n;
}
