/* problem.c: builds application/problem+json answers (RFC 9457) in the
 * request arena; shared by server/ (framing and size errors) and routes/.
 * Shape: {"type","title","status","detail","errors":[{"pointer","message"}],
 * "request_id"?}. "errors" is always present (maybe empty) so clients can
 * rely on it; "detail" falls back to the title. */
#include "lib/problem.h"

#include "lib/sb.h"

#include <string.h>

static const struct {
    int status;
    const char *title;
} status_titles[] = {
    {100, "Continue"}, {200, "OK"}, {201, "Created"}, {202, "Accepted"},
    {204, "No Content"}, {206, "Partial Content"}, {301, "Moved Permanently"},
    {302, "Found"}, {304, "Not Modified"}, {307, "Temporary Redirect"},
    {308, "Permanent Redirect"}, {400, "Bad Request"}, {401, "Unauthorized"},
    {403, "Forbidden"}, {404, "Not Found"}, {405, "Method Not Allowed"},
    {406, "Not Acceptable"}, {408, "Request Timeout"}, {409, "Conflict"},
    {410, "Gone"}, {411, "Length Required"}, {412, "Precondition Failed"},
    {413, "Content Too Large"}, {414, "URI Too Long"},
    {415, "Unsupported Media Type"}, {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"}, {422, "Unprocessable Content"},
    {428, "Precondition Required"}, {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"}, {500, "Internal Server Error"},
    {501, "Not Implemented"}, {502, "Bad Gateway"}, {503, "Service Unavailable"},
    {504, "Gateway Timeout"}, {505, "HTTP Version Not Supported"},
};

const char *rm_status_title(int status)
{
    for (size_t i = 0; i < sizeof status_titles / sizeof status_titles[0]; i++)
        if (status_titles[i].status == status) return status_titles[i].title;
    return "Error";
}

static void append_member(rm_sb *sb, const char *key, const char *value)
{
    rm_sb_appendc(sb, ',');
    rm_sb_append_json_string(sb, key, strlen(key));
    rm_sb_appendc(sb, ':');
    rm_sb_append_json_string(sb, value, strlen(value));
}

static void append_errors(rm_sb *sb, const rm_problem_error *errors, const int *statuses, size_t n)
{
    rm_sb_append(sb, ",\"errors\":[");
    for (size_t i = 0; i < n; i++) {
        const char *ptr = errors[i].pointer ? errors[i].pointer : "";
        const char *msg = errors[i].message ? errors[i].message : "";
        if (i) rm_sb_appendc(sb, ',');
        rm_sb_append(sb, "{\"pointer\":");
        rm_sb_append_json_string(sb, ptr, strlen(ptr));
        rm_sb_append(sb, ",\"message\":");
        rm_sb_append_json_string(sb, msg, strlen(msg));
        if (statuses && statuses[i]) rm_sb_appendf(sb, ",\"status\":%d", statuses[i]);
        rm_sb_appendc(sb, '}');
    }
    rm_sb_appendc(sb, ']');
}

void rm_problem(rm_response *resp, rm_arena *a, int status, const char *detail,
                const rm_problem_error *errors, size_t n, const char *request_id)
{
    rm_problem_some(resp, a, status, detail, errors, n, n, request_id);
}

void rm_problem_some(rm_response *resp, rm_arena *a, int status, const char *detail,
                     const rm_problem_error *errors, size_t n, size_t total,
                     const char *request_id)
{
    rm_problem_kinds(resp, a, status, detail, errors, NULL, n, total, request_id);
}

void rm_problem_kinds(rm_response *resp, rm_arena *a, int status, const char *detail,
                      const rm_problem_error *errors, const int *statuses, size_t n, size_t total,
                      const char *request_id)
{
    const char *title = rm_status_title(status);
    rm_sb sb;
    rm_sb_init(&sb, a);
    rm_sb_append(&sb, "{\"type\":\"about:blank\"");
    append_member(&sb, "title", title);
    rm_sb_appendf(&sb, ",\"status\":%d", status);
    append_member(&sb, "detail", detail ? detail : title);
    append_errors(&sb, errors, statuses, errors ? n : 0);
    if (total > n) rm_sb_appendf(&sb, ",\"error_count\":%zu", total);
    if (request_id) append_member(&sb, "request_id", request_id);
    rm_sb_appendc(&sb, '}');
    size_t len = sb.len;
    rm_response_body(resp, status, "application/problem+json", rm_sb_steal(&sb), len);
}
