#include "proof.h"

#include <stdlib.h>
#include <string.h>

#include "cert_verify.h"

static void check_signature(const cert_verify_info *cv, const side_info *si, const chain_report *chain, bool server,
                            proof_result *out)
{
    out->result = -1;
    out->note = cv->unchecked_note ? strdup(cv->unchecked_note) : NULL;
    if (!cv->present || cv->signed_data.len == 0 || si->n_certs == 0)
        return;
    free(out->note);
    out->note = NULL;
    const bytes_t *leaf = &si->certs[0];
    void *pk = chain ? chain->leaf_pkey : NULL;
    const uint8_t *sig = cv->signature.data;
    size_t sl = cv->signature.len;
    const uint8_t *data = cv->signed_data.data;
    size_t dl = cv->signed_data.len;
    if (cv->tls13)
        out->result = pk ? certvfy_tls13_key(pk, cv->scheme, sig, sl, data, dl, server, &out->note)
                         : certvfy_tls13(leaf->data, leaf->len, cv->scheme, sig, sl, data, dl, server, &out->note);
    else
        out->result = pk ? certvfy_tls12_key(pk, cv->scheme, sig, sl, data, dl, &out->note)
                         : certvfy_tls12(leaf->data, leaf->len, cv->scheme, sig, sl, data, dl, &out->note);
}

void proof_check(const session_t *s, mtls_dir d, const chain_report *chain, proof_result *out)
{
    check_signature(&s->side[d].cv, &s->side[d], chain, d == DIR_S2C, out);
}

void proof_check_ske(const session_t *s, const chain_report *server_chain, proof_result *out)
{
    /* signed like a TLS 1.0-1.2 CertificateVerify: scheme (or MD5+SHA-1 / SHA-1
     * before TLS 1.2) over the bytes kept in ske_sig.signed_data */
    check_signature(&s->ske_sig, &s->side[DIR_S2C], server_chain, true, out);
}
