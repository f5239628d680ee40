/*
 * fuzz_certificate — Certificate (TLS 1.0-1.2 list, TLS 1.3 entries with
 * extensions), CompressedCertificate, CertificateRequest (1.0-1.3),
 * CertificateVerify, ServerKeyExchange, ClientKeyExchange and Finished.
 *
 * Input: one selector byte, then a handshake message BODY. Selector bits 0-1
 * pick the negotiated version (TLS 1.0 .. 1.3), the remaining bits the key
 * exchange kind for the (Server|Client)KeyExchange parsers. Every parser runs
 * on every input.
 */
#include "fuzz_common.h"
#include "tls_cert_request.h"
#include "tls_certificate.h"
#include "tls_key_exchange.h"

static void certificate(const uint8_t *p, size_t n, bool tls13)
{
    cur_t body;
    cur_init(&body, p, n);
    tls_cert_iter it;
    tls_cert_header hdr;
    dx_result r = tls_cert_iter_init(&it, &body, tls13, &hdr);
    fuzz_check_result(r, n);
    size_t seen = 0;
    if (r.status == DX_OK) {
        fuzz_touch_cur(&hdr.context);
        tls_cert_entry e;
        while (tls_cert_iter_next(&it, &e)) {
            if (e.index != seen)
                __builtin_trap();
            seen++;
            fuzz_touch_cur(&e.der);
            fuzz_touch_cur(&e.extensions);
            if (e.has_ocsp)
                fuzz_touch_cur(&e.ocsp_response);
            if (e.has_sct)
                fuzz_touch_cur(&e.sct_list);
        }
        fuzz_check_result(tls_cert_iter_status(&it), n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const uint16_t versions[4] = {0x0301, 0x0302, 0x0303, 0x0304};
    uint8_t sel = data[0];
    uint16_t version = versions[sel & 3];
    tls_kx_kind kind = (tls_kx_kind)((sel >> 2) % TLS_KX__COUNT);
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    cur_t body;
    dx_result r;

    certificate(p, n, false);
    certificate(p, n, true);

    cur_init(&body, p, n);
    tls_compressed_cert cc;
    r = tls_cert_parse_compressed(&body, &cc);
    fuzz_check_result(r, n);
    if (r.status == DX_OK) {
        fuzz_touch_cur(&cc.compressed);
        const char *name = tls_cert_compression_name(cc.algorithm);
        if (name)
            fuzz_sink ^= (uint8_t)name[0];
    }

    cur_init(&body, p, n);
    tls_certreq req;
    r = tls_certreq_parse(&body, version, &req);
    fuzz_check_result(r, n);
    if (r.status == DX_OK) {
        fuzz_touch_cur(&req.context);
        fuzz_touch_cur(&req.cert_types);
        fuzz_touch_cur(&req.sig_algs);
        fuzz_touch_cur(&req.oid_filters);
        for (size_t i = 0; i < req.n_sig_algs; i++) {
            uint16_t v;
            if (!tls_certreq_u16_at(&req.sig_algs, i, &v))
                __builtin_trap(); /* n_sig_algs promised this entry */
            fuzz_sink ^= (uint8_t)v;
        }
        tls_dn_iter dit;
        tls_certreq_ca_iter_init(&dit, &req);
        cur_t der;
        size_t cas = 0;
        while (tls_certreq_ca_next(&dit, &der)) {
            fuzz_touch_cur(&der);
            cas++;
        }
        if (req.has_cas && cas != req.n_cas)
            __builtin_trap();
    }

    cur_init(&body, p, n);
    tls_cert_verify cv;
    r = tls_kx_parse_cert_verify(&body, version, &cv);
    fuzz_check_result(r, n);
    if (r.status == DX_OK)
        fuzz_touch_cur(&cv.signature);

    cur_init(&body, p, n);
    tls_ske ske;
    r = tls_kx_parse_server_key_exchange(&body, kind, version, &ske);
    fuzz_check_result(r, n);
    if (r.status == DX_OK) {
        fuzz_touch_cur(&ske.point);
        fuzz_touch_cur(&ske.dh_p);
        fuzz_touch_cur(&ske.dh_g);
        fuzz_touch_cur(&ske.dh_ys);
        fuzz_touch_cur(&ske.params);
    }

    cur_init(&body, p, n);
    tls_cke cke;
    r = tls_kx_parse_client_key_exchange(&body, kind, version, &cke);
    fuzz_check_result(r, n);
    if (r.status == DX_OK) {
        fuzz_touch_cur(&cke.exchange);
        if (cke.has_psk_identity)
            fuzz_touch_cur(&cke.psk_identity);
    }

    cur_init(&body, p, n);
    cur_t vd;
    r = tls_kx_parse_finished(&body, &vd);
    fuzz_check_result(r, n);
    if (r.status == DX_OK)
        fuzz_touch_cur(&vd);

    if (n >= 2) {
        uint16_t suite = (uint16_t)((p[0] << 8) | p[1]);
        tls_kx_kind k = tls_kx_kind_for_cipher(suite);
        fuzz_sink ^= (uint8_t)tls_kx_kind_signed(k);
        const char *name = tls_kx_kind_name(k);
        if (name)
            fuzz_sink ^= (uint8_t)name[0];
    }
    return 0;
}
