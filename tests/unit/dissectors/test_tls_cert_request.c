/* test_tls_cert_request.c — CertificateRequest, TLS 1.0–1.2 and 1.3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixtures/msgs_util.h"
#include "fixtures/msgs_ossl13.h"
#include "fixtures/msgs_tls12.h"
#include "tls_cert_request.h"

static bool has_u16(const cur_t *list, size_t n, uint16_t want)
{
    for (size_t i = 0; i < n; i++) {
        uint16_t v;
        assert_true(tls_certreq_u16_at(list, i, &v));
        if (v == want)
            return true;
    }
    uint16_t v;
    assert_false(tls_certreq_u16_at(list, n, &v));
    return false;
}

/* The request lists exactly our test root, DER as d2i_X509_NAME wants it. */
static void assert_only_ca_is_test_root(const tls_certreq *req)
{
    X509 *ca = msgs_pem_cert(msgs_pki_ca_cert);
    unsigned char *want = NULL;
    int want_len = i2d_X509_NAME(X509_get_subject_name(ca), &want);
    tls_dn_iter it;
    cur_t dn;

    assert_true(req->has_cas);
    assert_int_equal(req->n_cas, 1);
    tls_certreq_ca_iter_init(&it, req);
    assert_true(tls_certreq_ca_next(&it, &dn));
    assert_int_equal(dn.len, (size_t)want_len);
    assert_memory_equal(dn.data, want, dn.len);
    const unsigned char *p = dn.data;
    X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)dn.len);
    assert_non_null(name);
    assert_ptr_equal(p, dn.data + dn.len);
    assert_int_equal(X509_NAME_cmp(name, X509_get_subject_name(ca)), 0);
    assert_false(tls_certreq_ca_next(&it, &dn));
    X509_NAME_free(name);
    OPENSSL_free(want);
    X509_free(ca);
}

static void sweep(const uint8_t *p, size_t n, uint16_t version)
{
    tls_certreq req;
    for (size_t k = 0; k < n; k++) {
        uint8_t *d = msgs_dup(p, k, 0);
        cur_t body = msgs_cur(d, k);
        dx_result r = tls_certreq_parse(&body, version, &req);
        assert_int_equal(r.status, DX_MALFORMED);
        assert_true(r.offset <= k);
        free(d);
    }
    uint8_t *d = msgs_dup(p, n, 1);
    d[n] = 0;
    cur_t body = msgs_cur(d, n + 1);
    dx_result r = tls_certreq_parse(&body, version, &req);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_TRAILING);
    assert_int_equal(r.offset, n);
    free(d);
}

static void test_real_tls12(void **state)
{
    (void)state;
    struct {
        const uint8_t *p;
        size_t n;
    } cases[] = {
        {msgs_ossl12_ecdhe_s2c_certificate_request, sizeof(msgs_ossl12_ecdhe_s2c_certificate_request)},
        {msgs_ossl12_rsa_s2c_certificate_request, sizeof(msgs_ossl12_rsa_s2c_certificate_request)},
        {msgs_gnutls12_s2c_certificate_request, sizeof(msgs_gnutls12_s2c_certificate_request)},
    };
    for (size_t i = 0; i < MTLS_ARRAY_LEN(cases); i++) {
        tls_certreq req;
        cur_t body = msgs_cur(cases[i].p, cases[i].n);
        dx_result r = tls_certreq_parse(&body, 0x0303, &req);
        assert_int_equal(r.status, DX_OK);
        assert_false(req.tls13);
        assert_true(req.cert_types.len >= 2);
        bool rsa = false, ecdsa = false;
        for (size_t k = 0; k < req.cert_types.len; k++) {
            assert_non_null(tls_certreq_cert_type_name(req.cert_types.data[k]));
            rsa |= req.cert_types.data[k] == 1;
            ecdsa |= req.cert_types.data[k] == 64;
        }
        assert_true(rsa && ecdsa);
        assert_true(req.has_sig_algs);
        assert_true(req.n_sig_algs >= 4);
        assert_true(has_u16(&req.sig_algs, req.n_sig_algs, 0x0403)); /* ecdsa_secp256r1_sha256 */
        assert_true(has_u16(&req.sig_algs, req.n_sig_algs, 0x0804)); /* rsa_pss_rsae_sha256 */
        assert_false(has_u16(&req.sig_algs, req.n_sig_algs, 0x1234));
        assert_only_ca_is_test_root(&req);
        sweep(cases[i].p, cases[i].n, 0x0303);
    }
}

static void test_real_tls11(void **state)
{
    (void)state;
    tls_certreq req;
    const uint8_t *p = msgs_ossl11_ecdhe_s2c_certificate_request;
    size_t n = sizeof(msgs_ossl11_ecdhe_s2c_certificate_request);
    cur_t body = msgs_cur(p, n);
    assert_int_equal(tls_certreq_parse(&body, 0x0302, &req).status, DX_OK);
    assert_false(req.has_sig_algs);
    assert_int_equal(req.n_sig_algs, 0);
    assert_int_equal(req.cert_types.base, 1);
    assert_only_ca_is_test_root(&req);
    sweep(p, n, 0x0302);
    sweep(p, n, 0x0301);
    /* the same bytes read with TLS 1.2 rules do not fit */
    assert_int_equal(tls_certreq_parse(&body, 0x0303, &req).status, DX_MALFORMED);
    /* and a TLS 1.2 request read with 1.1 rules leaves trailing bytes or breaks */
    cur_t b12 = msgs_cur(msgs_ossl12_ecdhe_s2c_certificate_request, sizeof(msgs_ossl12_ecdhe_s2c_certificate_request));
    assert_int_equal(tls_certreq_parse(&b12, 0x0302, &req).status, DX_MALFORMED);
}

static void test_real_tls13(void **state)
{
    (void)state;
    msgs13_cap cap;
    msgs13_opts o = {0};
    tls_certreq req;
    msgs13_run(&cap, &o);
    const msgs13_msg *m = msgs13_find(&cap, 1, 13, 0);
    assert_non_null(m);
    cur_t body = msgs_cur(m->body, m->len);
    assert_int_equal(tls_certreq_parse(&body, 0x0304, &req).status, DX_OK);
    assert_true(req.tls13);
    assert_int_equal(req.context.len, 0);
    assert_int_equal(req.cert_types.len, 0);
    assert_true(req.has_sig_algs);
    assert_true(has_u16(&req.sig_algs, req.n_sig_algs, 0x0403));
    assert_true(has_u16(&req.sig_algs, req.n_sig_algs, 0x0807)); /* ed25519 */
    assert_true(req.n_extensions >= 2);
    assert_int_equal(req.extensions.len + 3, m->len);
    assert_only_ca_is_test_root(&req);
    sweep(m->body, m->len, 0x0304);
    /* TLS 1.3 bytes under TLS 1.2 rules */
    assert_int_equal(tls_certreq_parse(&body, 0x0303, &req).status, DX_MALFORMED);
    msgs13_free(&cap);

    /* post-handshake: a non-empty context */
    msgs13_opts p = {.pha = true};
    msgs13_run(&cap, &p);
    m = msgs13_find(&cap, 1, 13, 0);
    assert_non_null(m);
    body = msgs_cur(m->body, m->len);
    assert_int_equal(tls_certreq_parse(&body, 0x0304, &req).status, DX_OK);
    assert_true(req.context.len > 0);
    assert_int_equal(req.context.base, 1);
    assert_only_ca_is_test_root(&req);
    sweep(m->body, m->len, 0x0304);
    msgs13_free(&cap);
}

static dx_result parse(const uint8_t *p, size_t n, uint16_t v, tls_certreq *req)
{
    cur_t body = msgs_cur(p, n);
    return tls_certreq_parse(&body, v, req);
}

static void test_crafted_tls12(void **state)
{
    (void)state;
    tls_certreq req;
    dx_result r;
    /* types {rsa_sign, ecdsa_sign}, sig algs {0x0403}, empty CA list: valid */
    uint8_t ok[] = {0x02, 0x01, 0x40, 0x00, 0x02, 0x04, 0x03, 0x00, 0x00};
    r = parse(ok, sizeof(ok), 0x0303, &req);
    assert_int_equal(r.status, DX_OK);
    assert_true(req.has_cas);
    assert_int_equal(req.n_cas, 0);
    assert_int_equal(req.n_sig_algs, 1);
    tls_dn_iter it;
    cur_t dn;
    tls_certreq_ca_iter_init(&it, &req);
    assert_false(tls_certreq_ca_next(&it, &dn));
    sweep(ok, sizeof(ok), 0x0303);

    /* empty certificate_types */
    uint8_t t0[] = {0x00, 0x00, 0x02, 0x04, 0x03, 0x00, 0x00};
    r = parse(t0, sizeof(t0), 0x0303, &req);
    assert_int_equal(r.code, DXE_CERT_REQUEST);
    assert_int_equal(r.offset, 0);
    /* certificate_types length past the end */
    uint8_t t9[] = {0x09, 0x01};
    r = parse(t9, sizeof(t9), 0x0303, &req);
    assert_int_equal(r.code, DXE_LENGTH_PAST_END);
    /* odd / empty / too long signature algorithms */
    uint8_t odd[] = {0x01, 0x40, 0x00, 0x03, 0x04, 0x03, 0x05, 0x00, 0x00};
    r = parse(odd, sizeof(odd), 0x0303, &req);
    assert_int_equal(r.code, DXE_LENGTH_ODD);
    assert_int_equal(r.offset, 2);
    uint8_t s0[] = {0x01, 0x40, 0x00, 0x00, 0x00, 0x00};
    r = parse(s0, sizeof(s0), 0x0303, &req);
    assert_int_equal(r.code, DXE_CERT_REQUEST);
    assert_int_equal(r.offset, 2);
    uint8_t s9[] = {0x01, 0x40, 0x00, 0x08, 0x04, 0x03, 0x00, 0x00};
    r = parse(s9, sizeof(s9), 0x0303, &req);
    assert_int_equal(r.code, DXE_LENGTH_PAST_END);
    /* a zero-length DistinguishedName */
    uint8_t dn0[] = {0x01, 0x40, 0x00, 0x02, 0x04, 0x03, 0x00, 0x02, 0x00, 0x00};
    r = parse(dn0, sizeof(dn0), 0x0303, &req);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_CERT_REQUEST);
    /* DN length past the list; list length past the body; list length short */
    uint8_t dnl[] = {0x01, 0x40, 0x00, 0x02, 0x04, 0x03, 0x00, 0x04, 0x00, 0x03, 0x30, 0x00};
    r = parse(dnl, sizeof(dnl), 0x0303, &req);
    assert_int_equal(r.status, DX_MALFORMED);
    dnl[7] = 0x09;
    r = parse(dnl, sizeof(dnl), 0x0303, &req);
    assert_int_equal(r.status, DX_MALFORMED);
    dnl[7] = 0x03;
    r = parse(dnl, sizeof(dnl), 0x0303, &req);
    assert_int_equal(r.status, DX_MALFORMED);
    /* the fixed version: DN length 2 inside a list of 4 */
    dnl[7] = 0x04;
    dnl[9] = 0x02;
    r = parse(dnl, sizeof(dnl), 0x0303, &req);
    assert_int_equal(r.status, DX_OK);
    assert_int_equal(req.n_cas, 1);
    tls_certreq_ca_iter_init(&it, &req);
    assert_true(tls_certreq_ca_next(&it, &dn));
    assert_int_equal(dn.len, 2);
    assert_int_equal(dn.base, 10);
    assert_int_equal(dn.data[0], 0x30);

    assert_string_equal(tls_certreq_cert_type_name(64), "ecdsa_sign");
    assert_string_equal(tls_certreq_cert_type_name(1), "rsa_sign");
    assert_null(tls_certreq_cert_type_name(99));
}

static void test_crafted_tls13(void **state)
{
    (void)state;
    tls_certreq req;
    dx_result r;
    /* context "x", extensions: signature_algorithms {0x0804}, signature_algorithms_cert {0x0403} */
    uint8_t ok[] = {0x01, 'x', 0x00, 0x14, 0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x08, 0x04,
                    0x00, 0x32, 0x00, 0x04, 0x00, 0x02, 0x04, 0x03, 0x00, 0x00, 0x00, 0x00};
    ok[3] = 0x10; /* 16 bytes of extensions, then 4 trailing bytes */
    r = parse(ok, sizeof(ok), 0x0304, &req);
    assert_int_equal(r.code, DXE_TRAILING);
    assert_int_equal(r.offset, 20);
    r = parse(ok, 20, 0x0304, &req);
    assert_int_equal(r.status, DX_OK);
    assert_int_equal(req.context.len, 1);
    assert_true(req.has_sig_algs);
    assert_true(req.has_sig_algs_cert);
    assert_false(req.has_cas);
    uint16_t v;
    assert_true(tls_certreq_u16_at(&req.sig_algs, 0, &v));
    assert_int_equal(v, 0x0804);
    assert_true(tls_certreq_u16_at(&req.sig_algs_cert, 0, &v));
    assert_int_equal(v, 0x0403);
    assert_false(tls_certreq_u16_at(&req.sig_algs_cert, 1, &v));
    sweep(ok, 20, 0x0304);
    /* empty extensions: extensions<2..2^16-1> */
    uint8_t e0[] = {0x00, 0x00, 0x00};
    r = parse(e0, sizeof(e0), 0x0304, &req);
    assert_int_equal(r.code, DXE_CERT_REQUEST);
    assert_int_equal(r.offset, 1);
    /* duplicate signature_algorithms */
    uint8_t dup[] = {0x00, 0x00, 0x10, 0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x08, 0x04,
                     0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x04, 0x03};
    r = parse(dup, sizeof(dup), 0x0304, &req);
    assert_int_equal(r.code, DXE_EXT_DUPLICATE);
    assert_int_equal(r.offset, 11);
    /* a 1.3 request without signature_algorithms still parses (diagnosis sees has_sig_algs false) */
    uint8_t nosig[] = {0x00, 0x00, 0x04, 0x12, 0x34, 0x00, 0x00};
    r = parse(nosig, sizeof(nosig), 0x0304, &req);
    assert_int_equal(r.status, DX_OK);
    assert_false(req.has_sig_algs);
    assert_int_equal(req.n_extensions, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_tls12),
        cmocka_unit_test(test_real_tls11),
        cmocka_unit_test(test_real_tls13),
        cmocka_unit_test(test_crafted_tls12),
        cmocka_unit_test(test_crafted_tls13),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
