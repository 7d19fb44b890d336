/* test_options.c: server/options.c — defaults, "--opt value" and
 * "--opt=value", RESTMAP_* environment, command line over environment,
 * booleans, bounds, and one clear message naming the option on errors. */
#include <check.h>
#include <string.h>

#include "server/options.h"

#define ARGV(...) ((char *const[]){"restmap", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((const char *[]){"restmap", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(o, env, ...) rm_options_parse((o), ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (env), err, sizeof err)

static char err[256];

START_TEST(defaults)
{
    rm_options o;
    ck_assert_int_eq(PARSE(&o, NULL, "--schema", "s.json"), 0);
    ck_assert_str_eq(o.schema, "s.json");
    ck_assert_str_eq(o.db, "sqlite:///restmap.db");
    ck_assert_int_eq(o.port, 8080);
    ck_assert_str_eq(o.bind, "127.0.0.1");
    ck_assert_int_eq(o.threads, 4);
    ck_assert(!o.create_all);
    ck_assert(!o.echo);
    ck_assert_str_eq(o.static_dir, "static");
    ck_assert_int_eq(o.pool_size, 5);
    ck_assert_int_eq(o.max_overflow, 10);
    ck_assert_int_eq(o.statement_timeout_ms, 5000);
    ck_assert_uint_eq(o.max_body, 1048576);
    ck_assert_uint_eq(o.max_header_bytes, 8192);
    ck_assert_int_eq(o.head_timeout_ms, 5000);
    ck_assert_int_eq(o.body_timeout_ms, 30000);
    ck_assert_int_eq(o.max_conns_per_ip, 64);
    ck_assert_ptr_null(o.seed);
    ck_assert_ptr_null(o.jwt_secret);
    ck_assert(o.access_log);
    ck_assert(!o.help);
}
END_TEST

START_TEST(every_option_both_forms)
{
    rm_options o;
    ck_assert_int_eq(PARSE(&o, NULL, "--schema", "a", "--db=sqlite://:memory:", "--port", "0",
                           "--bind=::1", "--threads", "8", "--create-all", "--echo",
                           "--static", "www", "--pool-size=2", "--max-overflow", "0",
                           "--statement-timeout-ms=0", "--max-body", "10", "--seed=seed.json",
                           "--jwt-secret", "k", "--access-log=no", "--head-timeout-ms", "100",
                           "--body-timeout-ms=3600000", "--max-connections-per-ip", "0"),
                     0);
    ck_assert_str_eq(o.schema, "a");
    ck_assert_str_eq(o.db, "sqlite://:memory:");
    ck_assert_int_eq(o.port, 0);
    ck_assert_str_eq(o.bind, "::1");
    ck_assert_int_eq(o.threads, 8);
    ck_assert(o.create_all);
    ck_assert(o.echo);
    ck_assert_str_eq(o.static_dir, "www");
    ck_assert_int_eq(o.pool_size, 2);
    ck_assert_int_eq(o.max_overflow, 0);
    ck_assert_int_eq(o.statement_timeout_ms, 0);
    ck_assert_uint_eq(o.max_body, 10);
    ck_assert_str_eq(o.seed, "seed.json");
    ck_assert_str_eq(o.jwt_secret, "k");
    ck_assert(!o.access_log);
    ck_assert_int_eq(o.head_timeout_ms, 100);
    ck_assert_int_eq(o.body_timeout_ms, 3600000);
    ck_assert_int_eq(o.max_conns_per_ip, 0);
}
END_TEST

START_TEST(slow_client_limits_from_environment)
{
    char *const env[] = {"RESTMAP_SCHEMA=s", "RESTMAP_HEAD_TIMEOUT_MS=2500",
                         "RESTMAP_BODY_TIMEOUT_MS=7000", "RESTMAP_MAX_CONNECTIONS_PER_IP=8", NULL};
    rm_options o;
    ck_assert_int_eq(rm_options_parse(&o, 1, (char *const[]){"restmap", NULL}, env, err,
                                      sizeof err),
                     0);
    ck_assert_int_eq(o.head_timeout_ms, 2500);
    ck_assert_int_eq(o.body_timeout_ms, 7000);
    ck_assert_int_eq(o.max_conns_per_ip, 8);
    ck_assert_int_eq(PARSE(&o, env, "--max-connections-per-ip=9"), 0);
    ck_assert_int_eq(o.max_conns_per_ip, 9);
    ck_assert_int_eq(o.head_timeout_ms, 2500);
}
END_TEST

START_TEST(environment_and_precedence)
{
    char *const env[] = {"PATH=/bin", "RESTMAP_SCHEMA=env.json", "RESTMAP_PORT=9000",
                         "RESTMAP_MAX_BODY=2048", "RESTMAP_CREATE_ALL=yes", "RESTMAP_ECHO=0",
                         "RESTMAP_STATEMENT_TIMEOUT_MS=7", "RESTMAP_SEED=", "RESTMAP_BIN=x",
                         "RESTMAP_DB=postgresql://u@h/db", NULL};
    rm_options o;
    ck_assert_int_eq(rm_options_parse(&o, 1, (char *const[]){"restmap", NULL}, env, err,
                                      sizeof err),
                     0);
    ck_assert_str_eq(o.schema, "env.json");
    ck_assert_int_eq(o.port, 9000);
    ck_assert_uint_eq(o.max_body, 2048);
    ck_assert(o.create_all);
    ck_assert(!o.echo);
    ck_assert_int_eq(o.statement_timeout_ms, 7);
    ck_assert_ptr_null(o.seed); /* empty counts as unset */
    ck_assert_str_eq(o.db, "postgresql://u@h/db");
    /* the command line wins */
    ck_assert_int_eq(PARSE(&o, env, "--port=1", "--schema", "cli.json", "--echo"), 0);
    ck_assert_int_eq(o.port, 1);
    ck_assert_str_eq(o.schema, "cli.json");
    ck_assert(o.echo);
    ck_assert_uint_eq(o.max_body, 2048);
}
END_TEST

START_TEST(booleans)
{
    static const char *yes[] = {"1", "true", "yes", "TRUE", "Yes", "on"};
    static const char *no[] = {"0", "false", "no", "FALSE", "No", "off"};
    char buf[64];
    rm_options o;
    for (size_t i = 0; i < 6; i++) {
        snprintf(buf, sizeof buf, "RESTMAP_ECHO=%s", yes[i]);
        char *const env1[] = {"RESTMAP_SCHEMA=s", buf, NULL};
        ck_assert_int_eq(rm_options_parse(&o, 1, (char *const[]){"restmap", NULL}, env1, err,
                                          sizeof err),
                         0);
        ck_assert_msg(o.echo, "%s", yes[i]);
        snprintf(buf, sizeof buf, "RESTMAP_ECHO=%s", no[i]);
        char *const env2[] = {"RESTMAP_SCHEMA=s", buf, NULL};
        ck_assert_int_eq(rm_options_parse(&o, 1, (char *const[]){"restmap", NULL}, env2, err,
                                          sizeof err),
                         0);
        ck_assert_msg(!o.echo, "%s", no[i]);
    }
    char *const bad[] = {"RESTMAP_SCHEMA=s", "RESTMAP_CREATE_ALL=maybe", NULL};
    ck_assert_int_eq(rm_options_parse(&o, 1, (char *const[]){"restmap", NULL}, bad, err,
                                      sizeof err),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "RESTMAP_CREATE_ALL"));
    ck_assert_int_eq(PARSE(&o, NULL, "--schema", "s", "--echo=perhaps"), -1);
    ck_assert_ptr_nonnull(strstr(err, "--echo"));
    /* a bare flag never swallows the next argument */
    ck_assert_int_eq(PARSE(&o, NULL, "--echo", "--schema", "s"), 0);
    ck_assert(o.echo);
}
END_TEST

START_TEST(bad_numbers_name_the_option)
{
    static const struct {
        const char *opt, *value;
    } cases[] = {
        {"--port", "abc"},        {"--port", "70000"},    {"--port", "-1"},
        {"--port", ""},           {"--port", " 80"},      {"--port", "80x"},
        {"--threads", "0"},       {"--pool-size", "0"},   {"--max-body", "0"},
        {"--max-body", "99999999999999999999999"},        {"--max-overflow", "+3"},
        {"--max-header-bytes", "1023"}, {"--max-header-bytes", "1048577"},
        {"--statement-timeout-ms", "1e3"},
        {"--head-timeout-ms", "0"}, {"--head-timeout-ms", "99"}, {"--body-timeout-ms", "3600001"},
        {"--body-timeout-ms", "5s"}, {"--max-connections-per-ip", "-1"},
        {"--max-connections-per-ip", "1000001"},
    };
    rm_options o;
    char arg[128];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(arg, sizeof arg, "%s=%s", cases[i].opt, cases[i].value);
        ck_assert_int_eq(PARSE(&o, NULL, "--schema", "s", arg), -1);
        ck_assert_msg(strstr(err, cases[i].opt) != NULL, "%s: %s", arg, err);
    }
    char *const env[] = {"RESTMAP_SCHEMA=s", "RESTMAP_THREADS=lots", NULL};
    ck_assert_int_eq(rm_options_parse(&o, 1, (char *const[]){"restmap", NULL}, env, err,
                                      sizeof err),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "RESTMAP_THREADS"));
}
END_TEST

START_TEST(bad_arguments)
{
    rm_options o;
    ck_assert_int_eq(PARSE(&o, NULL, "--schema", "s", "--bogus"), -1);
    ck_assert_ptr_nonnull(strstr(err, "--bogus"));
    ck_assert_int_eq(PARSE(&o, NULL, "--schema", "s", "--bogus=1"), -1);
    ck_assert_ptr_nonnull(strstr(err, "--bogus"));
    ck_assert_int_eq(PARSE(&o, NULL, "--schema", "s", "stray"), -1);
    ck_assert_ptr_nonnull(strstr(err, "stray"));
    ck_assert_int_eq(PARSE(&o, NULL, "--schema", "s", "--port"), -1);
    ck_assert_ptr_nonnull(strstr(err, "--port"));
    ck_assert_int_eq(PARSE(&o, NULL, "--schema", "--db", "x"), -1);
    ck_assert_ptr_nonnull(strstr(err, "--schema"));
    ck_assert_int_eq(PARSE(&o, NULL, "--port", "1"), -1); /* no schema */
    ck_assert_ptr_nonnull(strstr(err, "--schema"));
    ck_assert_int_eq(PARSE(&o, NULL, "--schema="), -1);
    ck_assert_ptr_nonnull(strstr(err, "--schema"));
    ck_assert_int_eq(PARSE(&o, NULL, "--schema", "s", "-p", "1"), -1);
}
END_TEST

START_TEST(help_wins)
{
    rm_options o;
    ck_assert_int_eq(PARSE(&o, NULL, "--help"), 0);
    ck_assert(o.help);
    ck_assert_int_eq(PARSE(&o, NULL, "--port=x", "-h"), 0);
    ck_assert(o.help);
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    rm_options_usage(f);
    long n = ftell(f);
    ck_assert_int_gt(n, 200);
    char buf[8192] = {0};
    rewind(f);
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    ck_assert_uint_gt(got, 0);
    ck_assert_ptr_nonnull(strstr(buf, "--statement-timeout-ms"));
    ck_assert_ptr_nonnull(strstr(buf, "RESTMAP_MAX_BODY"));
    ck_assert_ptr_nonnull(strstr(buf, "RESTMAP_HEAD_TIMEOUT_MS"));
    ck_assert_ptr_nonnull(strstr(buf, "--max-connections-per-ip"));
}
END_TEST

START_TEST(last_one_wins_and_empty_static)
{
    rm_options o;
    ck_assert_int_eq(PARSE(&o, NULL, "--schema", "a", "--schema", "b", "--port", "1",
                           "--port=2", "--static="),
                     0);
    ck_assert_str_eq(o.schema, "b");
    ck_assert_int_eq(o.port, 2);
    ck_assert_str_eq(o.static_dir, "");
    ck_assert_int_eq(PARSE(&o, NULL, "--schema", "a", "--max-body", "1073741824"), 0);
    ck_assert_uint_eq(o.max_body, 1073741824u);
    ck_assert_int_eq(PARSE(&o, NULL, "--schema", "a", "--max-header-bytes", "1048576"), 0);
    ck_assert_uint_eq(o.max_header_bytes, 1048576u);
}
END_TEST

Suite *options_suite(void);
Suite *options_suite(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, every_option_both_forms);
    tcase_add_test(tc, environment_and_precedence);
    tcase_add_test(tc, slow_client_limits_from_environment);
    tcase_add_test(tc, booleans);
    tcase_add_test(tc, bad_numbers_name_the_option);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, help_wins);
    tcase_add_test(tc, last_one_wins_and_empty_static);
    suite_add_tcase(s, tc);
    return s;
}
