#include "chain_report.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

const chain_report *chain_report_ref(const chain_report *r)
{
    if (r)
        atomic_fetch_add_explicit(&((chain_report *)r)->refs, 1, memory_order_relaxed);
    return r;
}

/* The owned strings of a cert_info (san aside). */
#define CERT_INFO_STRINGS(X)                                                                        \
    X(subject) X(issuer) X(subject_cn) X(issuer_cn) X(subject_o) X(issuer_o) X(serial_hex)         \
    X(key_alg) X(key_curve) X(sig_alg) X(key_usage) X(ext_key_usage) X(ski) X(aki)

static bool dup_field(char **dst, const char *src)
{
    *dst = src ? strdup(src) : NULL;
    return !src || *dst;
}

void cert_info_cleanup(cert_info *ci)
{
    if (!ci)
        return;
#define FREE(f) free(ci->f);
    CERT_INFO_STRINGS(FREE)
#undef FREE
    for (size_t i = 0; i < ci->n_san; i++)
        free(ci->san[i]);
    free(ci->san);
}

int cert_info_copy(cert_info *dst, const cert_info *src)
{
    *dst = *src; /* the scalars; every pointer is replaced below */
#define CLEAR(f) dst->f = NULL;
    CERT_INFO_STRINGS(CLEAR)
#undef CLEAR
    dst->san = NULL;
    dst->n_san = 0;
    bool ok = true;
#define DUP(f) ok = ok && dup_field(&dst->f, src->f);
    CERT_INFO_STRINGS(DUP)
#undef DUP
    if (ok && src->n_san) {
        dst->san = calloc(src->n_san, sizeof(char *));
        ok = dst->san != NULL;
        for (size_t i = 0; ok && i < src->n_san; i++, dst->n_san++)
            ok = dup_field(&dst->san[i], src->san[i]);
    }
    if (ok)
        return 0;
    cert_info_cleanup(dst);
    memset(dst, 0, sizeof(*dst));
    return -1;
}

void chain_report_unref(const chain_report *cr)
{
    if (!cr)
        return;
    chain_report *r = (chain_report *)cr;
    if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) > 1)
        return;
    for (size_t i = 0; i < r->n_certs; i++)
        cert_info_cleanup(&r->certs[i]);
    free(r->certs);
    free(r->verify_error_str);
    free(r->verify_sentence);
    free(r->trust_note);
    findings_free(&r->findings);
    EVP_PKEY_free(r->leaf_pkey);
    free(r);
}
