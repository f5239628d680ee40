/* chain_ca_names.c — does a chain reach one of the CA names a server listed
 * in its CertificateRequest? (chain_matches_ca_names, see chain_verify.h) */
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "chain_ctx_access.h"
#include "chain_verify.h"
#include "dn.h"
#include "x509_info.h"


static int accept_all_cb(int ok, X509_STORE_CTX *sctx)
{
    (void)ok;
    (void)sctx;
    return 1;
}

static int name_listed(STACK_OF(X509_NAME) *names, const X509_NAME *n)
{
    for (int i = 0; i < sk_X509_NAME_num(names); i++)
        if (X509_NAME_cmp(sk_X509_NAME_value(names, i), n) == 0)
            return i;
    return -1;
}

static int match_cert(STACK_OF(X509_NAME) *names, X509 *x)
{
    int i = name_listed(names, X509_get_subject_name(x));
    return i >= 0 ? i : name_listed(names, X509_get_issuer_name(x));
}

int chain_matches_ca_names(chain_ctx *ctx, const bytes_t *certs, size_t n,
                           const bytes_t *ca_names, size_t n_names, char **matched_dn)
{
    if (matched_dn)
        *matched_dn = NULL;
    if (n_names == 0)
        return -1;
    STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
    X509 **xs = n ? calloc(n, sizeof(X509 *)) : NULL;
    int result = 0, hit = -1;
    if (!names || (n && !xs))
        goto out;
    for (size_t i = 0; i < n_names; i++) {
        if (!ca_names[i].data || ca_names[i].len == 0 || ca_names[i].len > (size_t)LONG_MAX)
            continue;
        const unsigned char *p = ca_names[i].data;
        X509_NAME *nm = d2i_X509_NAME(NULL, &p, (long)ca_names[i].len);
        if (nm && (p != ca_names[i].data + ca_names[i].len || !sk_X509_NAME_push(names, nm))) {
            X509_NAME_free(nm);
            nm = NULL;
        }
    }
    for (size_t i = 0; i < n; i++) {
        xs[i] = x509i_decode(certs[i].data, certs[i].len);
        if (hit < 0 && xs[i])
            hit = match_cert(names, xs[i]);
    }
    if (hit < 0 && n > 0 && xs[0] && chain_ctx_store(ctx, CHAIN_SIDE_CLIENT)) {
        X509_STORE_CTX *sctx = X509_STORE_CTX_new();
        STACK_OF(X509) *untrusted = sk_X509_new_null();
        bool ok = sctx && untrusted;
        for (size_t i = 1; ok && i < n; i++)
            if (xs[i] && !sk_X509_push(untrusted, xs[i]))
                ok = false;
        /* the intermediates of the CA files are not in the store (load_file) */
        for (int i = 0; ok && i < sk_X509_num(chain_ctx_bundle(ctx)); i++)
            if (!sk_X509_push(untrusted, sk_X509_value(chain_ctx_bundle(ctx), i)))
                ok = false;
        if (ok && X509_STORE_CTX_init(sctx, chain_ctx_store(ctx, CHAIN_SIDE_CLIENT), xs[0], untrusted)) {
            X509_STORE_CTX_set_verify_cb(sctx, accept_all_cb);
            (void)X509_verify_cert(sctx);
            STACK_OF(X509) *built = X509_STORE_CTX_get0_chain(sctx);
            for (int i = 0; built && hit < 0 && i < sk_X509_num(built); i++)
                hit = match_cert(names, sk_X509_value(built, i));
        }
        sk_X509_free(untrusted);
        X509_STORE_CTX_free(sctx);
    }
    if (hit >= 0) {
        result = 1;
        if (matched_dn)
            *matched_dn = dn_name_to_string(sk_X509_NAME_value(names, hit));
    }
out:
    for (size_t i = 0; xs && i < n; i++)
        X509_free(xs[i]);
    free(xs);
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    ERR_clear_error();
    return result;
}
