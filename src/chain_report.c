#include "chain_report.h"

#include <stdlib.h>

#include <openssl/evp.h>

chain_report *chain_report_ref(chain_report *r)
{
    if (r)
        r->refs++;
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

void chain_report_unref(chain_report *r)
{
    if (!r || --r->refs > 0)
        return;
    for (size_t i = 0; i < r->n_certs; i++)
        cert_info_cleanup(&r->certs[i]);
    free(r->certs);
    free(r->verify_error_str);
    free(r->verify_sentence);
    free(r->trust_note);
    findings_free(&r->findings);
    EVP_PKEY_free(r->leaf_pkey);
    free(r->ca_match_dn);
    free(r->certs_json);
    free(r);
}
