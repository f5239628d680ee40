#include "proof.h"

#include "cert_verify.h"

void proof_check(session_t *s)
{
    for (int d = 0; d < 2; d++) {
        side_info *si = &s->side[d];
        cert_verify_info *cv = &si->cv;
        if (!cv->present || cv->signed_data.len == 0 || si->n_certs == 0)
            continue;
        const bytes_t *leaf = &si->certs[0];
        void *pk = si->chain ? si->chain->leaf_pkey : NULL;
        const uint8_t *sig = cv->signature.data;
        size_t sl = cv->signature.len;
        bool server = d == DIR_S2C;
        if (cv->tls13)
            cv->result = pk ? certvfy_tls13_key(pk, cv->scheme, sig, sl, cv->signed_data.data, cv->signed_data.len,
                                                server, &cv->note)
                            : certvfy_tls13(leaf->data, leaf->len, cv->scheme, sig, sl, cv->signed_data.data,
                                            cv->signed_data.len, server, &cv->note);
        else
            cv->result = pk ? certvfy_tls12_key(pk, cv->scheme, sig, sl, cv->signed_data.data, cv->signed_data.len,
                                                &cv->note)
                            : certvfy_tls12(leaf->data, leaf->len, cv->scheme, sig, sl, cv->signed_data.data,
                                            cv->signed_data.len, &cv->note);
        bytes_clear(&cv->signed_data);
    }
}
