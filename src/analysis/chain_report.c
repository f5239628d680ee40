#include "chain_report.h"

#include <stdlib.h>

#include <openssl/evp.h>

const chain_report *chain_report_ref(const chain_report *r)
{
    if (r)
        atomic_fetch_add_explicit(&((chain_report *)r)->refs, 1, memory_order_relaxed);
    return r;
}

void cert_info_cleanup(cert_info *ci)
{
    if (!ci)
        return;
    free(ci->subject);
    free(ci->issuer);
    free(ci->subject_cn);
    free(ci->issuer_cn);
    free(ci->subject_o);
    free(ci->issuer_o);
    free(ci->serial_hex);
    for (size_t i = 0; i < ci->n_san; i++)
        free(ci->san[i]);
    free(ci->san);
    free(ci->key_alg);
    free(ci->key_curve);
    free(ci->sig_alg);
    free(ci->key_usage);
    free(ci->ext_key_usage);
    free(ci->ski);
    free(ci->aki);
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
