/* http_msg.c: small accessors over the request/response records that
 * server/ and routes/ exchange (see http_msg.h). No libmicrohttpd here. */
#include "lib/http_msg.h"

#include <string.h>
#include <strings.h>

const char *rm_request_header(const rm_request *req, const char *name)
{
    if (!req || !name) return NULL;
    for (size_t i = 0; i < req->nheaders; i++)
        if (req->headers[i].key && strcasecmp(req->headers[i].key, name) == 0)
            return req->headers[i].value;
    return NULL;
}

const char *rm_request_query(const rm_request *req, const char *name)
{
    if (!req || !name) return NULL;
    for (size_t i = 0; i < req->nquery; i++)
        if (req->query[i].key && strcmp(req->query[i].key, name) == 0)
            return req->query[i].value;
    return NULL;
}

void rm_response_header(rm_response *resp, rm_arena *a, const char *name, const char *value)
{
    if (!resp || !a || !name || !value) return;
    if (resp->nheaders >= RM_MAX_RESPONSE_HEADERS) return;
    rm_kv *kv = &resp->headers[resp->nheaders++];
    kv->key = rm_arena_strdup(a, name);
    kv->value = rm_arena_strdup(a, value);
}

void rm_response_body(rm_response *resp, int status, const char *content_type,
                      const char *body, size_t len)
{
    if (!resp) return;
    resp->status = status;
    resp->content_type = content_type;
    resp->body = body;
    resp->body_len = body ? len : 0;
}
