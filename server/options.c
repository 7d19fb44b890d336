/* options.c: defaults < environment (RESTMAP_*) < command line, for the
 * restmap binary; see options.h. One table describes every option: its
 * name, kind, field and bounds; parsing, environment names and the usage
 * text all come from it. */
#include "server/options.h"

#include "server/cors.h"
#include "server/http.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

typedef enum opt_kind { OPT_STRING, OPT_INT, OPT_SIZE, OPT_BOOL } opt_kind;

typedef struct opt_def {
    const char *name;       /* without the leading "--" */
    opt_kind kind;
    size_t offset;          /* of the field in rm_options */
    long long min, max;     /* bounds for OPT_INT / OPT_SIZE */
    const char *arg;        /* argument name for the usage text */
    const char *help;
} opt_def;

#define F(field) offsetof(rm_options, field)

static const opt_def opt_defs[] = {
    {"schema", OPT_STRING, F(schema), 0, 0, "PATH",
     "schema file or directory of *.json files (required)"},
    {"db", OPT_STRING, F(db), 0, 0, "URL",
     "database URL (default sqlite:///restmap.db)"},
    {"port", OPT_INT, F(port), 0, 65535, "N", "TCP port, 0 = any free port (default 8080)"},
    {"bind", OPT_STRING, F(bind), 0, 0, "ADDR",
     "address to listen on, IPv4 or IPv6 (default 127.0.0.1)"},
    {"port-file", OPT_STRING, F(port_file), 0, 0, "PATH",
     "once listening, write \"HOST PORT\" there (wildcard bind as loopback); removed on exit"},
    {"threads", OPT_INT, F(threads), 1, 1024, "N", "worker threads (default 4)"},
    {"create-all", OPT_BOOL, F(create_all), 0, 0, NULL,
     "create missing tables and indexes at start"},
    {"echo", OPT_BOOL, F(echo), 0, 0, NULL, "log every SQL statement with its parameters"},
    {"static", OPT_STRING, F(static_dir), 0, 0, "DIR",
     "explorer files served at / and /static/ (default static; empty = none)"},
    {"pool-size", OPT_INT, F(pool_size), 1, 10000, "N", "database connections kept (default 5)"},
    {"max-overflow", OPT_INT, F(max_overflow), 0, 10000, "N",
     "extra connections allowed past the pool size (default 10)"},
    {"statement-timeout-ms", OPT_INT, F(statement_timeout_ms), 0, INT32_MAX, "MS",
     "statement timeout in milliseconds, 0 = none (default 5000)"},
    {"max-body", OPT_SIZE, F(max_body), 1, 1LL << 30, "BYTES",
     "largest request body accepted (default 1048576)"},
    {"max-header-bytes", OPT_SIZE, F(max_header_bytes), 1024, 1LL << 20, "BYTES",
     "largest request head: name, value and 4 bytes per header, all headers together (default 8192)"},
    {"max-request-rows", OPT_INT, F(max_request_rows), 1, INT32_MAX, "N",
     "rows one request may read from the database, all statements together (default 100000)"},
    {"max-response", OPT_SIZE, F(max_response), 65536, 1LL << 32, "BYTES",
     "largest answer, and most value bytes one request may read (default 67108864)"},
    {"head-timeout-ms", OPT_INT, F(head_timeout_ms), 100, 3600000, "MS",
     "time for a request's headers, and keep-alive idle limit (default 5000)"},
    {"body-timeout-ms", OPT_INT, F(body_timeout_ms), 100, 3600000, "MS",
     "time for a request's body after its headers (default 30000)"},
    {"max-connections-per-ip", OPT_INT, F(max_conns_per_ip), 0, 1000000, "N",
     "connections one client address may hold at once, 0 = no limit (default 64)"},
    {"seed", OPT_STRING, F(seed), 0, 0, "FILE", "JSON seed data loaded at start"},
    {"jwt-secret", OPT_STRING, F(jwt_secret), 0, 0, "SECRET",
     "HS256 secret of bearer tokens, 32 bytes or more: turns on access control"},
    {"jwt-audience", OPT_STRING, F(jwt_audience), 0, 0, "AUD",
     "the \"aud\" a token must name (default: aud not checked)"},
    {"access-log", OPT_BOOL, F(access_log), 0, 0, NULL,
     "one log line per request (default on; --access-log=no to silence)"},
    {"cors-origin", OPT_STRING, F(cors_origin), 0, 0, "ORIGINS",
     "let pages of ORIGINS (comma-separated, or * for any) call the API: CORS headers and preflights "
     "(default off)"},
};

#define N_OPTS (sizeof opt_defs / sizeof opt_defs[0])

static void set_defaults(rm_options *o)
{
    memset(o, 0, sizeof *o);
    o->db = "sqlite:///restmap.db";
    o->port = 8080;
    o->bind = "127.0.0.1";
    o->threads = 4;
    o->static_dir = "static";
    o->pool_size = 5;
    o->max_overflow = 10;
    o->statement_timeout_ms = 5000;
    o->max_body = 1048576;
    o->max_header_bytes = RM_MAX_HEADER_BYTES;
    o->max_request_rows = 100000;
    o->max_response = (size_t)64 << 20;
    o->head_timeout_ms = RM_HEAD_TIMEOUT_MS;
    o->body_timeout_ms = RM_BODY_TIMEOUT_MS;
    o->max_conns_per_ip = RM_MAX_CONNS_PER_IP;
    o->access_log = true;
}

static const opt_def *find_opt(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTS; i++)
        if (strlen(opt_defs[i].name) == len && memcmp(opt_defs[i].name, name, len) == 0)
            return &opt_defs[i];
    return NULL;
}

/* "max-body" -> "RESTMAP_MAX_BODY" into buf. */
static void env_name(const opt_def *d, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "RESTMAP_%s", d->name);
    for (size_t i = 8; i < n && i < len; i++)
        buf[i] = buf[i] == '-' ? '_' : (char)toupper((unsigned char)buf[i]);
}

/* Strict unsigned decimal: digits only, no sign or blanks, within max. */
static int parse_number(const char *s, long long min, long long max, long long *out)
{
    if (!*s) return -1;
    long long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -1;
        if (v > (max - (*s - '0')) / 10) return -1; /* would pass max */
        v = v * 10 + (*s - '0');
    }
    if (v < min) return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, bool *out)
{
    static const char *yes[] = {"1", "true", "yes", "on"};
    static const char *no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) { *out = true; return 0; }
        if (strcasecmp(s, no[i]) == 0) { *out = false; return 0; }
    }
    return -1;
}

/* Store value into the field of d; `who` names the source in errors
 * ("--port" or "RESTMAP_PORT"). */
static int apply(rm_options *o, const opt_def *d, const char *value, const char *who,
                 char *err, size_t errlen)
{
    void *field = (char *)o + d->offset;
    long long n;
    switch (d->kind) {
    case OPT_STRING:
        *(const char **)field = value;
        return 0;
    case OPT_BOOL:
        if (parse_bool(value, (bool *)field) == 0) return 0;
        snprintf(err, errlen, "%s: expected one of 1/true/yes/0/false/no, got '%.64s'", who,
                 value);
        return -1;
    case OPT_INT:
    case OPT_SIZE:
        if (parse_number(value, d->min, d->max, &n) == 0) {
            if (d->kind == OPT_INT) *(int *)field = (int)n;
            else *(size_t *)field = (size_t)n;
            return 0;
        }
        snprintf(err, errlen, "%s: expected an integer from %lld to %lld, got '%.64s'", who,
                 d->min, d->max, value);
        return -1;
    }
    return -1;
}

static const char *env_lookup(char *const *envp, const char *name)
{
    size_t n = strlen(name);
    for (; envp && *envp; envp++)
        if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=') return *envp + n + 1;
    return NULL;
}

static int apply_env(rm_options *o, char *const *envp, char *err, size_t errlen)
{
    char name[64];
    for (size_t i = 0; i < N_OPTS; i++) {
        env_name(&opt_defs[i], name, sizeof name);
        const char *v = env_lookup(envp, name);
        if (!v || !*v) continue; /* empty counts as unset */
        if (apply(o, &opt_defs[i], v, name, err, errlen)) return -1;
    }
    return 0;
}

/* One command-line option at argv[*i]; advances *i past a separate value. */
static int apply_arg(rm_options *o, int argc, char *const *argv, int *i, char *err,
                     size_t errlen)
{
    const char *arg = argv[*i];
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
        snprintf(err, errlen, "unexpected argument '%.64s' (see --help)", arg);
        return -1;
    }
    const char *name = arg + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const opt_def *d = find_opt(name, len);
    if (!d) {
        snprintf(err, errlen, "unknown option '--%.*s' (see --help)", (int)(len > 64 ? 64 : len),
                 name);
        return -1;
    }
    char who[64];
    snprintf(who, sizeof who, "--%s", d->name);
    if (eq) return apply(o, d, eq + 1, who, err, errlen);
    if (d->kind == OPT_BOOL) return apply(o, d, "true", who, err, errlen);
    if (*i + 1 >= argc || strncmp(argv[*i + 1], "--", 2) == 0) {
        snprintf(err, errlen, "%s: missing value (%s %s)", who, who, d->arg);
        return -1;
    }
    *i += 1;
    return apply(o, d, argv[*i], who, err, errlen);
}

static bool wants_help(int argc, char *const *argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
    return false;
}

static int check_required(const rm_options *o, char *err, size_t errlen)
{
    if (!o->schema || !*o->schema) {
        snprintf(err, errlen, "--schema is required (a schema file or directory; "
                              "or set RESTMAP_SCHEMA)");
        return -1;
    }
    if (!o->db || !*o->db) {
        snprintf(err, errlen, "--db: empty database URL");
        return -1;
    }
    if (!o->bind || !*o->bind) {
        snprintf(err, errlen, "--bind: empty address");
        return -1;
    }
    if (o->cors_origin && *o->cors_origin) return rm_cors_check(o->cors_origin, err, errlen);
    return 0;
}

int rm_options_parse(rm_options *out, int argc, char *const *argv, char *const *envp,
                     char *err, size_t errlen)
{
    set_defaults(out);
    if (errlen) err[0] = '\0';
    if (wants_help(argc, argv)) {
        out->help = true;
        return 0;
    }
    if (apply_env(out, envp, err, errlen)) return -1;
    for (int i = 1; i < argc; i++)
        if (apply_arg(out, argc, argv, &i, err, errlen)) return -1;
    return check_required(out, err, errlen);
}

void rm_options_usage(FILE *out)
{
    fputs("usage: restmap --schema PATH [options]\n\n"
          "Serves the entities of JSON schema files as a REST API.\n\noptions:\n",
          out);
    char name[64], flag[80];
    for (size_t i = 0; i < N_OPTS; i++) {
        const opt_def *d = &opt_defs[i];
        snprintf(flag, sizeof flag, "--%s%s%s", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
        env_name(d, name, sizeof name);
        fprintf(out, "  %-30s %s\n  %-30s   [env %s]\n", flag, d->help, "", name);
    }
    fprintf(out, "  %-30s %s\n", "--help, -h", "print this help and exit");
    fputs("\nEvery option may also be set in the environment; the command line wins.\n"
          "Booleans accept --flag, --flag=yes|no (1/true/yes/on, 0/false/no/off).\n",
          out);
}
