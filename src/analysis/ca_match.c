#include "ca_match.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "algs.h"
#include "resfail.h"

#define CA_MEMO_SLOTS 1024 /* direct-mapped by the names that decide the answer */

/* The answer depends only on names: the CA names the server listed, and the
 * issuer names of the certificates the client sent and the subjects of all
 * but the leaf (OpenSSL
 * builds the rest of the chain from the trust store by issuer name). Five
 * thousand client certificates from three CAs ask three questions, not five
 * thousand, and no certificate is decoded again for them. */
typedef struct ca_memo {
    bool used;
    uint8_t key[32];
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

static bool put(EVP_MD_CTX *mc, const void *p, size_t n)
{
    uint8_t l[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    return EVP_DigestUpdate(mc, l, 4) == 1 && (n == 0 || EVP_DigestUpdate(mc, p, n) == 1);
}

/* SHA-256 over the listed CA names, then each sent certificate's subject and
 * issuer, every item prefixed by its 4-byte length. */
static bool memo_key(const bytes_t *names, size_t n, const chain_report *chain, uint8_t out[32])
{
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    const EVP_MD *sha256 = algs_md_get(ALGS_SHA256);
    bool ok = mc && sha256 && EVP_DigestInit_ex(mc, sha256, NULL) == 1 && put(mc, &n, sizeof n);
    for (size_t i = 0; i < n && ok; i++)
        ok = put(mc, names[i].data, names[i].len);
    for (size_t i = 0; i < chain->n_certs && ok; i++) {
        const cert_info *ci = &chain->certs[i];
        if (!ci->subject || !ci->issuer)
            ok = false; /* undecodable: no memo */
        else /* the leaf's own subject never names a CA (self-signed: its issuer does) */
            ok = (i == 0 || put(mc, ci->subject, strlen(ci->subject))) && put(mc, ci->issuer, strlen(ci->issuer));
    }
    unsigned int dl = 0;
    ok = ok && EVP_DigestFinal_ex(mc, out, &dl) == 1 && dl == 32;
    EVP_MD_CTX_free(mc);
    return ok;
}

int ca_matcher_match(ca_matcher *m, const chain_report *chain, const bytes_t *certs, size_t n_certs,
                     const bytes_t *ca_names, size_t n_names, char **matched_dn)
{
    *matched_dn = NULL;
    uint8_t key[32];
    bool memo = m && chain && chain->n_certs == n_certs && memo_key(ca_names, n_names, chain, key);
    ca_memo *e = NULL;
    if (memo) {
        uint64_t h;
        memcpy(&h, key, sizeof h);
        e = &m->slot[h % CA_MEMO_SLOTS];
        if (e->used && memcmp(e->key, key, 32) == 0) {
            *matched_dn = e->match_dn ? strdup(e->match_dn) : NULL;
            return e->match;
        }
    }
    uint64_t failures = resfail_count();
    int r = chain_matches_ca_names(m ? m->ctx : NULL, certs, n_certs, ca_names, n_names, matched_dn);
    if (e && resfail_count() == failures) { /* an answer made out of memory is not remembered */
        memo_clear(e);
        e->used = true;
        memcpy(e->key, key, 32);
        e->match = r;
        e->match_dn = *matched_dn ? strdup(*matched_dn) : NULL;
    }
    return r;
}
