/* metrics.c: GET /metrics in Prometheus text format: requests by route,
 * method and status; a request-latency histogram; database pool use;
 * statements run and prepared-statement cache hits. Route labels are
 * patterns from the schema ("/api/users/{id}"), so their number is bounded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes/routes_int.h"

static const double bucket_bounds[RM_METRICS_BUCKETS] = {0.0005, 0.001, 0.005, 0.01, 0.05,
                                                         0.1,    0.5,   1,     5};

void rm_metrics_init(rm_metrics *m)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
}

void rm_metrics_destroy(rm_metrics *m)
{
    for (size_t i = 0; i < m->n; i++) free(m->series[i].route);
    pthread_mutex_destroy(&m->mu);
}

void rm_metrics_observe(rm_metrics *m, const char *route, const char *method, int status,
                        double seconds)
{
    pthread_mutex_lock(&m->mu);
    size_t i;
    for (i = 0; i < m->n; i++) {
        rm_metrics_series *s = &m->series[i];
        if (s->status == status && !strcmp(s->route, route) && !strcmp(s->method, method)) break;
    }
    if (i == m->n && m->n < RM_METRICS_MAX_SERIES) {
        rm_metrics_series *s = &m->series[m->n++];
        s->route = strdup(route);
        size_t n = strnlen(method, sizeof s->method - 1);
        memcpy(s->method, method, n);
        s->method[n] = '\0';
        s->status = status;
    }
    if (i < m->n) m->series[i].count++;
    for (int b = 0; b < RM_METRICS_BUCKETS; b++)
        if (seconds <= bucket_bounds[b]) m->buckets[b]++;
    m->observations++;
    m->seconds_sum += seconds;
    pthread_mutex_unlock(&m->mu);
}

void rm_app_observe(void *app, const char *route, const char *method, int status, double seconds)
{
    rm_metrics_observe(&((rm_app *)app)->metrics, route, method, status, seconds);
}

int rm_handle_metrics(rm_ctx *ctx, const rm_match *at)
{
    rm_metrics *m = &ctx->app->metrics;
    rm_sb sb;
    rm_sb_init(&sb, ctx->a);
    rm_sb_append(&sb, "# HELP restmap_http_requests_total Requests answered, by route, method and status.\n"
                      "# TYPE restmap_http_requests_total counter\n");
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->n; i++) { /* a line per series: no printf */
        rm_sb_append(&sb, "restmap_http_requests_total{route=\"");
        rm_sb_append(&sb, m->series[i].route);
        rm_sb_append(&sb, "\",method=\"");
        rm_sb_append(&sb, m->series[i].method);
        rm_sb_append(&sb, "\",status=\"");
        rm_sb_append_int(&sb, m->series[i].status);
        rm_sb_append(&sb, "\"} ");
        rm_sb_append_int(&sb, (long long)m->series[i].count);
        rm_sb_appendc(&sb, '\n');
    }
    rm_sb_append(&sb, "# HELP restmap_http_request_duration_seconds Time spent answering requests.\n"
                      "# TYPE restmap_http_request_duration_seconds histogram\n");
    for (int b = 0; b < RM_METRICS_BUCKETS; b++)
        rm_sb_appendf(&sb, "restmap_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                      bucket_bounds[b], (unsigned long long)m->buckets[b]);
    rm_sb_appendf(&sb, "restmap_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
                       "restmap_http_request_duration_seconds_sum %.6f\n"
                       "restmap_http_request_duration_seconds_count %llu\n",
                  (unsigned long long)m->observations, m->seconds_sum,
                  (unsigned long long)m->observations);
    pthread_mutex_unlock(&m->mu);
    orm_engine_stats st;
    orm_engine_stats_get(ctx->app->engine, &st);
    rm_sb_appendf(&sb,
                  "# HELP restmap_db_pool_connections Open database connections.\n"
                  "# TYPE restmap_db_pool_connections gauge\n"
                  "restmap_db_pool_connections %d\n"
                  "# HELP restmap_db_pool_in_use Connections checked out by requests.\n"
                  "# TYPE restmap_db_pool_in_use gauge\n"
                  "restmap_db_pool_in_use %d\n"
                  "# HELP restmap_db_pool_idle Open connections waiting in the pool.\n"
                  "# TYPE restmap_db_pool_idle gauge\n"
                  "restmap_db_pool_idle %d\n"
                  "# HELP restmap_db_pool_waiting Requests waiting for a free connection.\n"
                  "# TYPE restmap_db_pool_waiting gauge\n"
                  "restmap_db_pool_waiting %d\n"
                  "# HELP restmap_db_pool_capacity Connections the pool may open (pool size + overflow).\n"
                  "# TYPE restmap_db_pool_capacity gauge\n"
                  "restmap_db_pool_capacity %d\n"
                  "# HELP restmap_db_connections_opened_total Database connections opened.\n"
                  "# TYPE restmap_db_connections_opened_total counter\n"
                  "restmap_db_connections_opened_total %llu\n"
                  "# HELP restmap_db_connections_lost_total Connections found lost (a server restart) and replaced.\n"
                  "# TYPE restmap_db_connections_lost_total counter\n"
                  "restmap_db_connections_lost_total %llu\n"
                  "# HELP restmap_db_statements_total SQL statements run (transaction verbs excluded).\n"
                  "# TYPE restmap_db_statements_total counter\n"
                  "restmap_db_statements_total %llu\n"
                  "# HELP restmap_db_statement_cache_hits_total Statements whose prepared form came from the cache.\n"
                  "# TYPE restmap_db_statement_cache_hits_total counter\n"
                  "restmap_db_statement_cache_hits_total %llu\n",
                  st.pool_open, st.pool_in_use, st.pool_idle, st.pool_waiting, st.pool_capacity,
                  (unsigned long long)st.connections_opened, (unsigned long long)st.connections_lost,
                  (unsigned long long)st.statements,
                  (unsigned long long)st.cache_hits);
    rm_response_body(ctx->resp, 200, "text/plain; version=0.0.4", sb.buf, sb.len);
    return 0;
}
