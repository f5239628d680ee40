#include "ca_match.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#define CA_MEMO_SLOTS 1024 /* direct-mapped by chain identity */

typedef struct ca_memo {
    const chain_report *chain; /* reference held; NULL = empty slot */
    uint8_t list_digest[32];
    int match;
    char *match_dn;
} ca_memo;

struct ca_matcher {
    chain_ctx *ctx;
    ca_memo slot[CA_MEMO_SLOTS];
};

ca_matcher *ca_matcher_new(chain_ctx *ctx)
{
    ca_matcher *m = calloc(1, sizeof(*m));
    if (m)
        m->ctx = ctx;
    return m;
}

static void memo_clear(ca_memo *e)
{
    chain_report_unref(e->chain);
    free(e->match_dn);
    memset(e, 0, sizeof(*e));
}

void ca_matcher_free(ca_matcher *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < CA_MEMO_SLOTS; i++)
        memo_clear(&m->slot[i]);
    free(m);
}

/* SHA-256 over the list, each name prefixed by its 4-byte length. */
static bool list_digest(const bytes_t *names, size_t n, uint8_t out[32])
{
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    bool ok = mc && EVP_DigestInit_ex(mc, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; i < n && ok; i++) {
        uint8_t l[4] = {(uint8_t)(names[i].len >> 24), (uint8_t)(names[i].len >> 16), (uint8_t)(names[i].len >> 8),
                        (uint8_t)names[i].len};
        ok = EVP_DigestUpdate(mc, l, 4) == 1 && EVP_DigestUpdate(mc, names[i].data, names[i].len) == 1;
    }
    unsigned int dl = 0;
    ok = ok && EVP_DigestFinal_ex(mc, out, &dl) == 1 && dl == 32;
    EVP_MD_CTX_free(mc);
    return ok;
}

static size_t slot_of(const chain_report *chain)
{
    uintptr_t p = (uintptr_t)chain;
    p ^= p >> 17;
    p *= (uintptr_t)0x9E3779B97F4A7C15ull;
    return (size_t)(p >> 7) % CA_MEMO_SLOTS;
}

int ca_matcher_match(ca_matcher *m, const chain_report *chain, const bytes_t *certs, size_t n_certs,
                     const bytes_t *ca_names, size_t n_names, char **matched_dn)
{
    *matched_dn = NULL;
    uint8_t dg[32];
    bool memo = m && chain && list_digest(ca_names, n_names, dg);
    ca_memo *e = memo ? &m->slot[slot_of(chain)] : NULL;
    if (e && e->chain == chain && memcmp(e->list_digest, dg, 32) == 0) {
        *matched_dn = e->match_dn ? strdup(e->match_dn) : NULL;
        return e->match;
    }
    int r = chain_matches_ca_names(m ? m->ctx : NULL, certs, n_certs, ca_names, n_names, matched_dn);
    if (e) {
        memo_clear(e);
        e->chain = chain_report_ref(chain);
        memcpy(e->list_digest, dg, 32);
        e->match = r;
        e->match_dn = *matched_dn ? strdup(*matched_dn) : NULL;
    }
    return r;
}
