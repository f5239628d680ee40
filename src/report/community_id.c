/* community_id.c — Community ID v1 for TCP (see community_id.h). */
#include "community_id.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

const char *community_id_tcp(const endpoint_t *a, const endpoint_t *b, uint16_t seed, char out[COMMUNITY_ID_MAX])
{
    if (a->family != b->family || (a->family != 4 && a->family != 6))
        return NULL;
    size_t alen = a->family == 4 ? 4 : 16;
    /* the flow is hashed from its lower endpoint: address first, then port */
    int cmp = memcmp(a->addr, b->addr, alen);
    if (cmp > 0 || (cmp == 0 && a->port > b->port)) {
        const endpoint_t *t = a;
        a = b;
        b = t;
    }
    uint8_t buf[2 + 16 + 16 + 2 + 4];
    size_t n = 0;
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, a->addr, alen);
    n += alen;
    memcpy(buf + n, b->addr, alen);
    n += alen;
    buf[n++] = 6; /* TCP */
    buf[n++] = 0; /* padding */
    buf[n++] = (uint8_t)(a->port >> 8);
    buf[n++] = (uint8_t)a->port;
    buf[n++] = (uint8_t)(b->port >> 8);
    buf[n++] = (uint8_t)b->port;
    uint8_t md[SHA_DIGEST_LENGTH];
    SHA1(buf, n, md);
    memcpy(out, "1:", 2);
    EVP_EncodeBlock((unsigned char *)out + 2, md, SHA_DIGEST_LENGTH);
    return out;
}
