/* rt_jwt.c: tokens for the HTTP tests; see rt_jwt.h. */
#include "tests/support/rt_jwt.h"

#include <check.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/rt.h"

/* base64url without padding (RFC 7515 §2), malloc'd. */
char *rt_b64url(const void *data, size_t n)
{
    char *out = malloc(4 * (n / 3 + 1) + 1);
    ck_assert_ptr_nonnull(out);
    int len = EVP_EncodeBlock((unsigned char *)out, data, (int)n);
    int k = 0;
    for (int i = 0; i < len; i++) {
        if (out[i] == '=') break;
        out[k++] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    }
    out[k] = '\0';
    return out;
}

/* "h.p" of a header and a payload given as text (' for "), malloc'd. */
char *rt_jws_signing_input(const char *header, const char *payload)
{
    char *h = rt_jsonf("%s", header), *p = rt_jsonf("%s", payload);
    char *eh = rt_b64url(h, strlen(h)), *ep = rt_b64url(p, strlen(p));
    char *out = malloc(strlen(eh) + strlen(ep) + 2);
    ck_assert_ptr_nonnull(out);
    sprintf(out, "%s.%s", eh, ep);
    free(h), free(p), free(eh), free(ep);
    return out;
}

char *rt_jws_join(char *input, const unsigned char *sig, size_t n)
{
    char *es = rt_b64url(sig, n);
    char *out = malloc(strlen(input) + strlen(es) + 2);
    ck_assert_ptr_nonnull(out);
    sprintf(out, "%s.%s", input, es);
    free(input), free(es);
    return out;
}

/* A compact JWS of header and payload HMAC-signed with md and key. */
char *rt_jws(const char *header, const char *payload, const EVP_MD *md, const char *key)
{
    char *input = rt_jws_signing_input(header, payload);
    unsigned char sig[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    ck_assert_ptr_nonnull(HMAC(md, key, (int)strlen(key), (const unsigned char *)input, strlen(input), sig, &n));
    return rt_jws_join(input, sig, n);
}

char *rt_hs256(const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *payload = rt_vjsonf(fmt, ap);
    va_end(ap);
    char *t = rt_jws("{'alg': 'HS256', 'typ': 'JWT'}", payload, EVP_sha256(), key);
    free(payload);
    return t;
}

const char *rt_as(const char *token, const char *request)
{
    static char bufs[16][8192];
    static int next;
    char *out = bufs[next++ % 16];
    if (!token) {
        snprintf(out, sizeof bufs[0], "%s", request);
        return out;
    }
    const char *target = *request == '/' ? request : strchr(request, ' ') + 1;
    const char *end = target + rt_target_length(target);
    /* headers of the request's own (after a \n) stay after this one */
    int n = *end == '\n' ? snprintf(out, sizeof bufs[0], "%.*s\nAuthorization: Bearer %s%s", (int)(end - request),
                                     request, token, end)
                         : snprintf(out, sizeof bufs[0], "%.*s\nAuthorization: Bearer %s\n\n%s", (int)(end - request),
                                    request, token, *end ? end + 1 : "");
    ck_assert_msg(n >= 0 && (size_t)n < sizeof bufs[0], "rt_as: request too long: %.200s", request);
    return out;
}

void rt_check_as(const rt_server *s, char *const *tokens, const rt_as_case *cases, size_t n,
                 void (*check)(const rt_response *r))
{
    for (size_t i = 0; i < n; i++) {
        rt_response *r = rt_checked(s, rt_as(tokens[cases[i].who], cases[i].request), cases[i].expect);
        if (check) check(r);
        rt_response_free(r);
    }
}

void rt_server_start_secured(rt_server *s, const char *schema, const char *seed, const char *secret)
{
    const char *const args[] = {"--jwt-secret", secret, NULL};
    rt_server_start(s, schema, seed, args);
}
