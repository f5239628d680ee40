/* test_tls_misc.c — key exchange, CertificateVerify, Finished, session messages, alerts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "fixtures/msgs_util.h"
#include "fixtures/msgs_ossl13.h"
#include "fixtures/msgs_tls12.h"
#include "tls_alert.h"
#include "tls_certificate.h"
#include "tls_key_exchange.h"
#include "tls_session_msgs.h"

#define LEN(a) sizeof(a)

/* Parse every strict prefix (must fail) and body + 1 trailing byte (DXE_TRAILING). */
typedef dx_result (*parse_fn)(const cur_t *body, void *arg);

static void sweep(const uint8_t *p, size_t n, parse_fn fn, void *arg, bool trailing_checked)
{
    for (size_t k = 0; k < n; k++) {
        uint8_t *d = msgs_dup(p, k, 0);
        cur_t body = msgs_cur(d, k);
        dx_result r = fn(&body, arg);
        assert_int_equal(r.status, DX_MALFORMED);
        assert_true(r.offset <= k);
        free(d);
    }
    uint8_t *d = msgs_dup(p, n, 1);
    d[n] = 0;
    cur_t body = msgs_cur(d, n + 1);
    dx_result r = fn(&body, arg);
    if (trailing_checked) {
        assert_int_equal(r.status, DX_MALFORMED);
        assert_int_equal(r.code, DXE_TRAILING);
        assert_int_equal(r.offset, n);
    }
    free(d);
}

struct kx_arg {
    tls_kx_kind kind;
    uint16_t version;
};
static dx_result ske_fn(const cur_t *b, void *a)
{
    struct kx_arg *k = a;
    tls_ske s;
    return tls_kx_parse_server_key_exchange(b, k->kind, k->version, &s);
}
static dx_result cke_fn(const cur_t *b, void *a)
{
    struct kx_arg *k = a;
    tls_cke s;
    return tls_kx_parse_client_key_exchange(b, k->kind, k->version, &s);
}
static dx_result cv_fn(const cur_t *b, void *a)
{
    tls_cert_verify cv;
    return tls_kx_parse_cert_verify(b, *(uint16_t *)a, &cv);
}
static dx_result nst_fn(const cur_t *b, void *a)
{
    tls_new_session_ticket t;
    return tls_parse_new_session_ticket(b, *(bool *)a, &t);
}
static dx_result ee_fn(const cur_t *b, void *a)
{
    (void)a;
    tls_encrypted_extensions ee;
    return tls_parse_encrypted_extensions(b, &ee);
}

/* Leaf public key of a TLS 1.2 Certificate body. */
static EVP_PKEY *leaf_key(const uint8_t *p, size_t n)
{
    cur_t body = msgs_cur(p, n);
    tls_cert_iter it;
    tls_cert_entry e;
    assert_int_equal(tls_cert_iter_init(&it, &body, false, NULL).status, DX_OK);
    assert_true(tls_cert_iter_next(&it, &e));
    const unsigned char *q = e.der.data;
    X509 *x = d2i_X509(NULL, &q, (long)e.der.len);
    assert_non_null(x);
    EVP_PKEY *k = X509_get_pubkey(x);
    X509_free(x);
    return k;
}

/* Verify a ServerKeyExchange signature over client_random + server_random + params. */
static int verify_ske(EVP_PKEY *key, const uint8_t *cr, const uint8_t *sr, const tls_ske *s, bool corrupt)
{
    const EVP_MD *md = NULL;
    bool pss = false;
    if (s->has_scheme) {
        switch (s->sig_scheme) {
        case 0x0403: md = EVP_sha256(); break;
        case 0x0503: md = EVP_sha384(); break;
        case 0x0401: md = EVP_sha256(); break;
        case 0x0804: md = EVP_sha256(); pss = true; break;
        case 0x0805: md = EVP_sha384(); pss = true; break;
        default: fail_msg("scheme 0x%04x not handled by the test", s->sig_scheme);
        }
    } else {
        md = EVP_PKEY_get_base_id(key) == EVP_PKEY_EC ? EVP_sha1() : EVP_md5_sha1();
    }
    size_t n = 64 + s->params.len;
    uint8_t *data = malloc(n);
    memcpy(data, cr, 32);
    memcpy(data + 32, sr, 32);
    memcpy(data + 64, s->params.data, s->params.len);
    if (corrupt)
        data[n - 1] ^= 1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    assert_int_equal(EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key), 1);
    if (pss) {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    int ok = EVP_DigestVerify(ctx, s->signature.data, s->signature.len, data, n);
    EVP_MD_CTX_free(ctx);
    free(data);
    return ok;
}

static void check_ske(const uint8_t *p, size_t n, tls_kx_kind kind, uint16_t version, const uint8_t *cert,
                      size_t cert_len, const uint8_t *cr, const uint8_t *sr, tls_ske *out)
{
    cur_t body = msgs_cur(p, n);
    assert_int_equal(tls_kx_parse_server_key_exchange(&body, kind, version, out).status, DX_OK);
    assert_true(out->has_signature);
    assert_int_equal(out->has_scheme, version >= 0x0303);
    assert_int_equal(out->params.base, 0);
    assert_int_equal(out->params.len + (out->has_scheme ? 2 : 0) + 2 + out->signature.len, n);
    EVP_PKEY *key = leaf_key(cert, cert_len);
    assert_int_equal(verify_ske(key, cr, sr, out, false), 1);
    assert_int_not_equal(verify_ske(key, cr, sr, out, true), 1); /* the check can fail */
    EVP_PKEY_free(key);
    struct kx_arg a = {kind, version};
    sweep(p, n, ske_fn, &a, true);
}

static void test_ske_ecdhe_real(void **state)
{
    (void)state;
    tls_ske s;
    check_ske(msgs_ossl12_ecdhe_s2c_server_key_exchange, LEN(msgs_ossl12_ecdhe_s2c_server_key_exchange),
              tls_kx_kind_for_cipher(0xC02B), 0x0303, msgs_ossl12_ecdhe_s2c_certificate,
              LEN(msgs_ossl12_ecdhe_s2c_certificate), msgs_ossl12_ecdhe_c2s_client_hello_random,
              msgs_ossl12_ecdhe_s2c_server_hello_random, &s);
    assert_int_equal(s.curve_type, 3);
    assert_int_equal(s.named_group, 0x001d); /* x25519 */
    assert_int_equal(s.point.len, 32);
    assert_int_equal(s.point.base, 4);
    assert_int_equal(s.sig_scheme, 0x0403);

    check_ske(msgs_gnutls12_s2c_server_key_exchange, LEN(msgs_gnutls12_s2c_server_key_exchange), TLS_KX_ECDHE,
              0x0303, msgs_gnutls12_s2c_certificate, LEN(msgs_gnutls12_s2c_certificate),
              msgs_gnutls12_c2s_client_hello_random, msgs_gnutls12_s2c_server_hello_random, &s);
    assert_int_equal(s.curve_type, 3);
    assert_true(s.named_group == 0x001d ? s.point.len == 32 : s.point.len == 65);

    /* TLS 1.1: no SignatureAndHashAlgorithm, ECDSA over SHA-1 */
    check_ske(msgs_ossl11_ecdhe_s2c_server_key_exchange, LEN(msgs_ossl11_ecdhe_s2c_server_key_exchange),
              tls_kx_kind_for_cipher(0xC009), 0x0302, msgs_ossl11_ecdhe_s2c_certificate,
              LEN(msgs_ossl11_ecdhe_s2c_certificate), msgs_ossl11_ecdhe_c2s_client_hello_random,
              msgs_ossl11_ecdhe_s2c_server_hello_random, &s);
    assert_false(s.has_scheme);
    assert_int_equal(s.sig_scheme, 0);

    /* the 1.2 message under 1.1 rules: the scheme is read as a signature length */
    cur_t body = msgs_cur(msgs_ossl12_ecdhe_s2c_server_key_exchange, LEN(msgs_ossl12_ecdhe_s2c_server_key_exchange));
    assert_int_equal(tls_kx_parse_server_key_exchange(&body, TLS_KX_ECDHE, 0x0302, &s).status, DX_MALFORMED);
}

static void test_ske_dhe_real(void **state)
{
    (void)state;
    tls_ske s;
    check_ske(msgs_ossl12_dhe_s2c_server_key_exchange, LEN(msgs_ossl12_dhe_s2c_server_key_exchange),
              tls_kx_kind_for_cipher(0x009E), 0x0303, msgs_ossl12_dhe_s2c_certificate,
              LEN(msgs_ossl12_dhe_s2c_certificate), msgs_ossl12_dhe_c2s_client_hello_random,
              msgs_ossl12_dhe_s2c_server_hello_random, &s);
    assert_int_equal(s.kind, TLS_KX_DHE);
    assert_int_equal(s.dh_p.len, 256); /* 2048-bit group for a 2048-bit RSA key */
    assert_int_equal(s.dh_g.len, 1);
    assert_int_equal(s.dh_g.data[0], 2);
    assert_true(s.dh_ys.len > 0 && s.dh_ys.len <= s.dh_p.len);
    assert_int_equal(s.dh_p.base, 2);
    assert_int_equal(s.signature.len, 256);
}

static void test_ske_crafted(void **state)
{
    (void)state;
    tls_ske s;
    cur_t body;
    dx_result r;
    /* explicit curve: recognised, not decoded */
    static const uint8_t explicit_curve[] = {0x01, 0x00, 0x00};
    body = msgs_cur(explicit_curve, LEN(explicit_curve));
    r = tls_kx_parse_server_key_exchange(&body, TLS_KX_ECDHE, 0x0303, &s);
    assert_int_equal(r.status, DX_UNSUPPORTED);
    /* empty point */
    static const uint8_t no_point[] = {0x03, 0x00, 0x17, 0x00, 0x04, 0x03, 0x00, 0x00};
    body = msgs_cur(no_point, LEN(no_point));
    r = tls_kx_parse_server_key_exchange(&body, TLS_KX_ECDHE, 0x0303, &s);
    assert_int_equal(r.code, DXE_KEY_EXCHANGE);
    assert_int_equal(r.offset, 3);
    /* kinds without a ServerKeyExchange */
    body = msgs_cur(no_point, LEN(no_point));
    assert_int_equal(tls_kx_parse_server_key_exchange(&body, TLS_KX_UNKNOWN, 0x0303, &s).status, DX_UNSUPPORTED);
    assert_int_equal(tls_kx_parse_server_key_exchange(&body, TLS_KX_TLS13, 0x0304, &s).status, DX_UNSUPPORTED);
    assert_int_equal(tls_kx_parse_server_key_exchange(&body, TLS_KX_ECDH, 0x0303, &s).status, DX_UNSUPPORTED);
    /* PSK: identity hint only, no signature */
    static const uint8_t psk[] = {0x00, 0x03, 'h', 'i', '!'};
    body = msgs_cur(psk, LEN(psk));
    assert_int_equal(tls_kx_parse_server_key_exchange(&body, TLS_KX_PSK, 0x0303, &s).status, DX_OK);
    assert_true(s.has_psk_hint);
    assert_int_equal(s.psk_hint.len, 3);
    assert_false(s.has_signature);
    struct kx_arg a = {TLS_KX_PSK, 0x0303};
    sweep(psk, LEN(psk), ske_fn, &a, true);
    /* ECDHE_PSK: hint + params, unsigned */
    static const uint8_t epsk[] = {0x00, 0x00, 0x03, 0x00, 0x1d, 0x02, 0xaa, 0xbb};
    body = msgs_cur(epsk, LEN(epsk));
    assert_int_equal(tls_kx_parse_server_key_exchange(&body, TLS_KX_ECDHE_PSK, 0x0303, &s).status, DX_OK);
    assert_int_equal(s.named_group, 0x001d);
    assert_int_equal(s.point.len, 2);
    assert_int_equal(s.params.len, LEN(epsk));
    a.kind = TLS_KX_ECDHE_PSK;
    sweep(epsk, LEN(epsk), ske_fn, &a, true);
    /* DH_anon: params, unsigned */
    static const uint8_t anon[] = {0x00, 0x01, 0x17, 0x00, 0x01, 0x05, 0x00, 0x01, 0x09};
    body = msgs_cur(anon, LEN(anon));
    assert_int_equal(tls_kx_parse_server_key_exchange(&body, TLS_KX_DH_ANON, 0x0303, &s).status, DX_OK);
    assert_int_equal(s.dh_ys.data[0], 9);
    /* zero-length dh_g */
    static const uint8_t g0[] = {0x00, 0x01, 0x17, 0x00, 0x00, 0x00, 0x01, 0x09};
    body = msgs_cur(g0, LEN(g0));
    r = tls_kx_parse_server_key_exchange(&body, TLS_KX_DH_ANON, 0x0303, &s);
    assert_int_equal(r.code, DXE_KEY_EXCHANGE);
    assert_int_equal(r.offset, 3);
    /* signature length past the end */
    static const uint8_t sig9[] = {0x03, 0x00, 0x1d, 0x01, 0x07, 0x04, 0x03, 0x00, 0x09, 0x30};
    body = msgs_cur(sig9, LEN(sig9));
    r = tls_kx_parse_server_key_exchange(&body, TLS_KX_ECDHE, 0x0303, &s);
    assert_int_equal(r.code, DXE_LENGTH_PAST_END);
    assert_int_equal(r.offset, 7);
}

static void test_cke_real(void **state)
{
    (void)state;
    tls_cke c;
    cur_t body;
    struct kx_arg a = {TLS_KX_ECDHE, 0x0303};

    body = msgs_cur(msgs_ossl12_ecdhe_c2s_client_key_exchange, LEN(msgs_ossl12_ecdhe_c2s_client_key_exchange));
    assert_int_equal(tls_kx_parse_client_key_exchange(&body, TLS_KX_ECDHE, 0x0303, &c).status, DX_OK);
    assert_int_equal(c.exchange.len, 32);
    assert_int_equal(c.exchange.base, 1);
    sweep(msgs_ossl12_ecdhe_c2s_client_key_exchange, LEN(msgs_ossl12_ecdhe_c2s_client_key_exchange), cke_fn, &a,
          true);

    body = msgs_cur(msgs_gnutls12_c2s_client_key_exchange, LEN(msgs_gnutls12_c2s_client_key_exchange));
    assert_int_equal(tls_kx_parse_client_key_exchange(&body, TLS_KX_ECDHE, 0x0303, &c).status, DX_OK);
    assert_int_equal(c.exchange.len + 1, LEN(msgs_gnutls12_c2s_client_key_exchange));

    a.kind = TLS_KX_DHE;
    body = msgs_cur(msgs_ossl12_dhe_c2s_client_key_exchange, LEN(msgs_ossl12_dhe_c2s_client_key_exchange));
    assert_int_equal(tls_kx_parse_client_key_exchange(&body, TLS_KX_DHE, 0x0303, &c).status, DX_OK);
    assert_true(c.exchange.len > 200 && c.exchange.len <= 256);
    sweep(msgs_ossl12_dhe_c2s_client_key_exchange, LEN(msgs_ossl12_dhe_c2s_client_key_exchange), cke_fn, &a, true);
    /* static DH / ECDH: an empty body is the implicit form (fixed-DH client certificate) */
    cur_t none = msgs_cur(NULL, 0);
    assert_int_equal(tls_kx_parse_client_key_exchange(&none, TLS_KX_DH, 0x0303, &c).status, DX_OK);
    assert_int_equal(tls_kx_parse_client_key_exchange(&none, TLS_KX_ECDH, 0x0303, &c).status, DX_OK);
    assert_int_equal(c.exchange.len, 0);
    assert_int_equal(tls_kx_parse_client_key_exchange(&none, TLS_KX_DHE, 0x0303, &c).code, DXE_KEY_EXCHANGE);

    a.kind = TLS_KX_RSA;
    body = msgs_cur(msgs_ossl12_rsa_c2s_client_key_exchange, LEN(msgs_ossl12_rsa_c2s_client_key_exchange));
    assert_int_equal(tls_kx_kind_for_cipher(0x009C), TLS_KX_RSA);
    assert_int_equal(tls_kx_parse_client_key_exchange(&body, TLS_KX_RSA, 0x0303, &c).status, DX_OK);
    assert_int_equal(c.exchange.len, 256); /* RSA-2048 EncryptedPreMasterSecret */
    sweep(msgs_ossl12_rsa_c2s_client_key_exchange, LEN(msgs_ossl12_rsa_c2s_client_key_exchange), cke_fn, &a, true);
    /* SSL 3.0: no length prefix, the whole body */
    assert_int_equal(tls_kx_parse_client_key_exchange(&body, TLS_KX_RSA, 0x0300, &c).status, DX_OK);
    assert_int_equal(c.exchange.len, LEN(msgs_ossl12_rsa_c2s_client_key_exchange));

    /* PSK variants (crafted) */
    static const uint8_t psk_ecdhe[] = {0x00, 0x02, 'i', 'd', 0x02, 0x11, 0x22};
    body = msgs_cur(psk_ecdhe, LEN(psk_ecdhe));
    assert_int_equal(tls_kx_parse_client_key_exchange(&body, TLS_KX_ECDHE_PSK, 0x0303, &c).status, DX_OK);
    assert_int_equal(c.psk_identity.len, 2);
    assert_int_equal(c.exchange.len, 2);
    a.kind = TLS_KX_ECDHE_PSK;
    sweep(psk_ecdhe, LEN(psk_ecdhe), cke_fn, &a, true);
    assert_int_equal(tls_kx_parse_client_key_exchange(&body, TLS_KX_UNKNOWN, 0x0303, &c).status, DX_UNSUPPORTED);
}

static void test_cert_verify_real(void **state)
{
    (void)state;
    tls_cert_verify cv;
    cur_t body;
    uint16_t v12 = 0x0303, v11 = 0x0302, v13 = 0x0304;

    body = msgs_cur(msgs_ossl12_ecdhe_c2s_certificate_verify, LEN(msgs_ossl12_ecdhe_c2s_certificate_verify));
    assert_int_equal(tls_kx_parse_cert_verify(&body, 0x0303, &cv).status, DX_OK);
    assert_true(cv.has_scheme);
    assert_int_equal(cv.scheme, 0x0403);
    assert_int_equal(cv.signature.data[0], 0x30); /* DER ECDSA-Sig-Value */
    assert_int_equal(cv.signature.base, 4);
    sweep(msgs_ossl12_ecdhe_c2s_certificate_verify, LEN(msgs_ossl12_ecdhe_c2s_certificate_verify), cv_fn, &v12,
          true);

    body = msgs_cur(msgs_ossl12_dhe_c2s_certificate_verify, LEN(msgs_ossl12_dhe_c2s_certificate_verify));
    assert_int_equal(tls_kx_parse_cert_verify(&body, 0x0303, &cv).status, DX_OK);
    assert_int_equal(cv.signature.len, 256);
    assert_true(cv.scheme == 0x0804 || cv.scheme == 0x0401);

    body = msgs_cur(msgs_gnutls12_c2s_certificate_verify, LEN(msgs_gnutls12_c2s_certificate_verify));
    assert_int_equal(tls_kx_parse_cert_verify(&body, 0x0303, &cv).status, DX_OK);
    assert_true(cv.has_scheme);

    body = msgs_cur(msgs_ossl11_ecdhe_c2s_certificate_verify, LEN(msgs_ossl11_ecdhe_c2s_certificate_verify));
    assert_int_equal(tls_kx_parse_cert_verify(&body, 0x0302, &cv).status, DX_OK);
    assert_false(cv.has_scheme);
    assert_int_equal(cv.signature.data[0], 0x30);
    assert_int_equal(cv.signature.base, 2);
    sweep(msgs_ossl11_ecdhe_c2s_certificate_verify, LEN(msgs_ossl11_ecdhe_c2s_certificate_verify), cv_fn, &v11,
          true);

    msgs13_cap cap;
    msgs13_opts o = {0};
    msgs13_run(&cap, &o);
    for (int dir = 0; dir <= 1; dir++) {
        const msgs13_msg *m = msgs13_find(&cap, dir, 15, 0);
        assert_non_null(m);
        body = msgs_cur(m->body, m->len);
        assert_int_equal(tls_kx_parse_cert_verify(&body, 0x0304, &cv).status, DX_OK);
        assert_int_equal(cv.scheme, 0x0403); /* both keys are P-256 */
        sweep(m->body, m->len, cv_fn, &v13, true);
        /* Finished: HMAC-SHA256 verify_data */
        const msgs13_msg *f = msgs13_find(&cap, dir, 20, 0);
        assert_non_null(f);
        cur_t vd;
        body = msgs_cur(f->body, f->len);
        assert_int_equal(tls_kx_parse_finished(&body, &vd).status, DX_OK);
        assert_int_equal(vd.len, 32);
        assert_ptr_equal(vd.data, f->body);
    }
    cur_t none = msgs_cur(NULL, 0), vd;
    assert_int_equal(tls_kx_parse_finished(&none, &vd).code, DXE_FINISHED);
    msgs13_free(&cap);
}

static void test_session_msgs_real(void **state)
{
    (void)state;
    tls_new_session_ticket t;
    cur_t body;
    bool no = false, yes = true;

    body = msgs_cur(msgs_ossl12_ecdhe_s2c_new_session_ticket, LEN(msgs_ossl12_ecdhe_s2c_new_session_ticket));
    assert_int_equal(tls_parse_new_session_ticket(&body, false, &t).status, DX_OK);
    assert_int_equal(t.lifetime, 7200); /* OpenSSL default session timeout */
    assert_int_equal(t.ticket.len + 6, LEN(msgs_ossl12_ecdhe_s2c_new_session_ticket));
    sweep(msgs_ossl12_ecdhe_s2c_new_session_ticket, LEN(msgs_ossl12_ecdhe_s2c_new_session_ticket), nst_fn, &no,
          true);
    body = msgs_cur(msgs_gnutls12_s2c_new_session_ticket, LEN(msgs_gnutls12_s2c_new_session_ticket));
    assert_int_equal(tls_parse_new_session_ticket(&body, false, &t).status, DX_OK);
    assert_true(t.lifetime > 0 && t.ticket.len > 0);
    /* TLS 1.2 "no new ticket": empty ticket is valid */
    static const uint8_t empty12[] = {0, 0, 0, 0, 0, 0};
    body = msgs_cur(empty12, LEN(empty12));
    assert_int_equal(tls_parse_new_session_ticket(&body, false, &t).status, DX_OK);

    msgs13_cap cap;
    msgs13_opts o = {.key_update = true};
    msgs13_run(&cap, &o);
    const msgs13_msg *m = msgs13_find(&cap, 1, 4, 0);
    assert_non_null(m);
    body = msgs_cur(m->body, m->len);
    assert_int_equal(tls_parse_new_session_ticket(&body, true, &t).status, DX_OK);
    assert_int_equal(t.lifetime, 7200);
    assert_int_equal(t.nonce.len, 8);
    assert_true(t.ticket.len > 0);
    assert_true(t.has_early_data);
    assert_int_equal(t.max_early_data_size, 16384);
    assert_int_equal(t.n_extensions, 1);
    sweep(m->body, m->len, nst_fn, &yes, true);
    assert_non_null(msgs13_find(&cap, 1, 4, 1)); /* OpenSSL sends two tickets */

    tls_encrypted_extensions ee;
    m = msgs13_find(&cap, 1, 8, 0);
    assert_non_null(m);
    body = msgs_cur(m->body, m->len);
    assert_int_equal(tls_parse_encrypted_extensions(&body, &ee).status, DX_OK);
    assert_true(ee.has_alpn);
    assert_int_equal(ee.alpn.len, 8);
    assert_memory_equal(ee.alpn.data, "http/1.1", 8);
    assert_true(ee.server_name_ack);
    assert_false(ee.early_data_accepted);
    assert_true(ee.n_extensions >= 2);
    sweep(m->body, m->len, ee_fn, NULL, true);

    uint8_t ru = 9;
    m = msgs13_find(&cap, 1, 24, 0);
    assert_non_null(m);
    body = msgs_cur(m->body, m->len);
    assert_int_equal(tls_parse_key_update(&body, &ru).status, DX_OK);
    assert_int_equal(ru, 1);
    m = msgs13_find(&cap, 0, 24, 0); /* the client's answer */
    assert_non_null(m);
    body = msgs_cur(m->body, m->len);
    assert_int_equal(tls_parse_key_update(&body, &ru).status, DX_OK);
    assert_int_equal(ru, 0);
    msgs13_free(&cap);
}

static void test_session_msgs_crafted(void **state)
{
    (void)state;
    cur_t body;
    dx_result r;
    uint8_t ru;
    static const uint8_t two[] = {2}, one_extra[] = {1, 0}, x[] = {0};
    body = msgs_cur(two, 1);
    r = tls_parse_key_update(&body, &ru);
    assert_int_equal(r.code, DXE_BAD_VALUE);
    assert_int_equal(r.offset, 0);
    body = msgs_cur(one_extra, 2);
    r = tls_parse_key_update(&body, &ru);
    assert_int_equal(r.code, DXE_TRAILING);
    assert_int_equal(r.offset, 1);
    body = msgs_cur(NULL, 0);
    assert_int_equal(tls_parse_key_update(&body, &ru).code, DXE_MSG_BODY);

    assert_int_equal(tls_parse_server_hello_done(&body).status, DX_OK);
    assert_int_equal(tls_parse_hello_request(&body).status, DX_OK);
    assert_int_equal(tls_parse_end_of_early_data(&body).status, DX_OK);
    body = msgs_cur(x, 1);
    assert_int_equal(tls_parse_server_hello_done(&body).code, DXE_TRAILING);
    assert_int_equal(tls_parse_hello_request(&body).code, DXE_TRAILING);
    assert_int_equal(tls_parse_end_of_early_data(&body).code, DXE_TRAILING);

    /* TLS 1.3 ticket must not be empty */
    static const uint8_t t0[] = {0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0};
    tls_new_session_ticket t;
    body = msgs_cur(t0, LEN(t0));
    r = tls_parse_new_session_ticket(&body, true, &t);
    assert_int_equal(r.code, DXE_TICKET);
    assert_int_equal(r.offset, 9);
    /* early_data with a bad body */
    static const uint8_t ed[] = {0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 0x55, 0, 6, 0, 42, 0, 2, 0, 1};
    body = msgs_cur(ed, LEN(ed));
    r = tls_parse_new_session_ticket(&body, true, &t);
    assert_int_equal(r.status, DX_MALFORMED);
    /* EncryptedExtensions: empty list is fine, 1 byte is not, duplicate fails */
    static const uint8_t ee0[] = {0, 0}, ee1[] = {0}, eedup[] = {0, 8, 0, 0, 0, 0, 0, 0, 0, 0};
    tls_encrypted_extensions ee;
    body = msgs_cur(ee0, 2);
    assert_int_equal(tls_parse_encrypted_extensions(&body, &ee).status, DX_OK);
    assert_int_equal(ee.n_extensions, 0);
    body = msgs_cur(ee1, 1);
    assert_int_equal(tls_parse_encrypted_extensions(&body, &ee).code, DXE_MSG_BODY);
    body = msgs_cur(eedup, LEN(eedup));
    r = tls_parse_encrypted_extensions(&body, &ee);
    assert_int_equal(r.code, DXE_EXT_DUPLICATE);
    assert_int_equal(r.offset, 6);
    /* record_size_limit + client_certificate_type */
    static const uint8_t rsl[] = {0, 11, 0, 28, 0, 2, 0x40, 0x01, 0, 19, 0, 1, 2};
    body = msgs_cur(rsl, LEN(rsl));
    assert_int_equal(tls_parse_encrypted_extensions(&body, &ee).status, DX_OK);
    assert_true(ee.has_record_size_limit);
    assert_int_equal(ee.record_size_limit, 0x4001);
    assert_true(ee.has_client_cert_type);
    assert_int_equal(ee.client_cert_type, 2);
    sweep(rsl, LEN(rsl), ee_fn, NULL, true);
}

static void test_alerts_real(void **state)
{
    (void)state;
    tls_alert a;
    cur_t c;

    c = msgs_cur(msgs_ossl12_nocert_s2c_alert0, LEN(msgs_ossl12_nocert_s2c_alert0));
    assert_int_equal(tls_alert_parse(&c, &a).status, DX_OK);
    assert_int_equal(a.level, TLS_ALERT_LEVEL_FATAL);
    assert_int_equal(a.desc, TLS_ALERT_HANDSHAKE_FAILURE);
    assert_string_equal(tls_alert_desc_name(a.desc), "handshake_failure");
    assert_false(tls_alert_looks_encrypted(21, LEN(msgs_ossl12_nocert_s2c_alert0), false));

    c = msgs_cur(msgs_ossl12_unknownca_s2c_alert0, LEN(msgs_ossl12_unknownca_s2c_alert0));
    assert_int_equal(tls_alert_parse(&c, &a).status, DX_OK);
    assert_int_equal(a.desc, TLS_ALERT_UNKNOWN_CA);
    assert_string_equal(tls_alert_desc_name(a.desc), "unknown_ca");
    assert_string_equal(tls_alert_level_name(a.level), "fatal");

    /* encrypted close_notify records: AES-GCM 26, ChaCha20 18, TLS 1.1 CBC + encrypt-then-mac 52 */
    struct {
        const uint8_t *p;
        size_t n, want;
    } enc[] = {
        {msgs_ossl12_ecdhe_c2s_alert0, LEN(msgs_ossl12_ecdhe_c2s_alert0), 26},
        {msgs_gnutls12_s2c_alert1, LEN(msgs_gnutls12_s2c_alert1), 26},
        {msgs_ossl12_chacha_c2s_alert0, LEN(msgs_ossl12_chacha_c2s_alert0), 18},
        {msgs_ossl11_ecdhe_c2s_alert0, LEN(msgs_ossl11_ecdhe_c2s_alert0), 52},
    };
    for (size_t i = 0; i < MTLS_ARRAY_LEN(enc); i++) {
        assert_int_equal(enc[i].n, enc[i].want);
        c = msgs_cur(enc[i].p, enc[i].n);
        dx_result r = tls_alert_parse(&c, &a);
        assert_int_equal(r.code, DXE_ALERT);
        assert_int_equal(r.offset, 2);
        assert_true(tls_alert_looks_encrypted(21, enc[i].n, true));
        assert_false(tls_alert_looks_encrypted(21, enc[i].n, false));
        assert_false(tls_alert_looks_encrypted(23, enc[i].n, true));
    }
    assert_false(tls_alert_looks_encrypted(21, 2, true));
    assert_true(tls_alert_looks_encrypted(21, 1, true)); /* no plaintext alert either */
    assert_true(tls_alert_looks_encrypted(21, 0, true));

    /* TLS 1.3: the client's close_notify arrives as a 19-byte application_data record */
    msgs13_cap cap;
    msgs13_opts o = {0};
    msgs13_run(&cap, &o);
    assert_true(cap.have_alert_in);
    assert_int_equal(cap.alert_in[0], TLS_ALERT_LEVEL_WARNING);
    assert_int_equal(cap.alert_in[1], TLS_ALERT_CLOSE_NOTIFY);
    assert_true(cap.n_rec_in > 0);
    assert_int_equal(cap.rec_len_in[cap.n_rec_in - 1], 19);
    assert_true(tls13_record_may_be_alert(cap.rec_len_in[cap.n_rec_in - 1]));
    msgs13_free(&cap);
    assert_true(tls13_record_may_be_alert(11));
    assert_false(tls13_record_may_be_alert(12));
    assert_false(tls13_record_may_be_alert(18));
    assert_true(tls13_record_may_be_alert(35));
    assert_false(tls13_record_may_be_alert(36));
    assert_false(tls13_record_may_be_alert(0));
    /* exact alert sizes (what a refusal inference may rest on): a real
     * OpenSSL alert above is 19; JSSE pads to 35; a 31-byte record is a
     * 14-byte answer line, a 21-byte one a KeyUpdate */
    assert_true(tls13_record_is_alert_sized(19));
    assert_true(tls13_record_is_alert_sized(11));
    assert_true(tls13_record_is_alert_sized(35));
    assert_false(tls13_record_is_alert_sized(31));
    assert_false(tls13_record_is_alert_sized(21));
    assert_false(tls13_record_is_alert_sized(20));

    /* short / long fragments */
    static const uint8_t one[] = {2}, three[] = {2, 40, 0};
    c = msgs_cur(one, 1);
    assert_int_equal(tls_alert_parse(&c, &a).code, DXE_ALERT);
    c = msgs_cur(NULL, 0);
    assert_int_equal(tls_alert_parse(&c, &a).code, DXE_ALERT);
    c = msgs_cur(three, 3);
    dx_result r = tls_alert_parse(&c, &a);
    assert_int_equal(r.code, DXE_ALERT);
    assert_int_equal(r.offset, 2);
}

static void test_alert_registry(void **state)
{
    (void)state;
    static const struct {
        uint8_t v;
        const char *name;
    } want[] = {
        {0, "close_notify"}, {10, "unexpected_message"}, {20, "bad_record_mac"}, {21, "decryption_failed"},
        {22, "record_overflow"}, {30, "decompression_failure"}, {40, "handshake_failure"},
        {41, "no_certificate"}, {42, "bad_certificate"}, {43, "unsupported_certificate"},
        {44, "certificate_revoked"}, {45, "certificate_expired"}, {46, "certificate_unknown"},
        {47, "illegal_parameter"}, {48, "unknown_ca"}, {49, "access_denied"}, {50, "decode_error"},
        {51, "decrypt_error"}, {52, "too_many_cids_requested"}, {60, "export_restriction"},
        {70, "protocol_version"}, {71, "insufficient_security"}, {80, "internal_error"},
        {86, "inappropriate_fallback"}, {90, "user_canceled"}, {100, "no_renegotiation"},
        {109, "missing_extension"}, {110, "unsupported_extension"}, {111, "certificate_unobtainable"},
        {112, "unrecognized_name"}, {113, "bad_certificate_status_response"},
        {114, "bad_certificate_hash_value"}, {115, "unknown_psk_identity"}, {116, "certificate_required"},
        {117, "general_error"}, {120, "no_application_protocol"}, {121, "ech_required"},
    };
    size_t named = 0;
    for (unsigned v = 0; v < 256; v++)
        named += tls_alert_desc_name((uint8_t)v) != NULL;
    assert_int_equal(named, MTLS_ARRAY_LEN(want));
    char buf[TLS_ALERT_NAME_MAX];
    for (size_t i = 0; i < MTLS_ARRAY_LEN(want); i++) {
        assert_string_equal(tls_alert_desc_name(want[i].v), want[i].name);
        assert_string_equal(tls_alert_desc_format(want[i].v, buf, sizeof(buf)), want[i].name);
    }
    assert_null(tls_alert_desc_name(1));
    assert_string_equal(tls_alert_desc_format(255, buf, sizeof(buf)), "unknown(255)");
    assert_string_equal(tls_alert_desc_format(7, buf, sizeof(buf)), "unknown(7)");
    assert_string_equal(tls_alert_desc_format(53, buf, sizeof(buf)), "unknown(53)");
    assert_string_equal(tls_alert_desc_format(53, buf, 5), "unkn");
    assert_string_equal(tls_alert_desc_format(0, buf, 6), "close");
    assert_string_equal(tls_alert_level_format(1, buf, sizeof(buf)), "warning");
    assert_string_equal(tls_alert_level_format(3, buf, sizeof(buf)), "unknown(3)");
    assert_null(tls_alert_level_name(0));
    char small[16];
    assert_string_equal(tls_alert_desc_format(200, small, sizeof(small)), "unknown(200)");
}

static void test_kx_kind_table(void **state)
{
    (void)state;
    static const struct {
        uint16_t suite;
        tls_kx_kind kind;
    } rows[] = {
        {0xC02B, TLS_KX_ECDHE},     {0xC02F, TLS_KX_ECDHE},    {0xCCA8, TLS_KX_ECDHE},
        {0xC009, TLS_KX_ECDHE},     {0x009E, TLS_KX_DHE},      {0x0033, TLS_KX_DHE},
        {0x0032, TLS_KX_DHE},       {0x009C, TLS_KX_RSA},      {0x002F, TLS_KX_RSA},
        {0x000A, TLS_KX_RSA},       {0x1301, TLS_KX_TLS13},    {0x1302, TLS_KX_TLS13},
        {0x1303, TLS_KX_TLS13},     {0x00A8, TLS_KX_PSK},      {0x008C, TLS_KX_PSK},
        {0xC035, TLS_KX_ECDHE_PSK}, {0x0090, TLS_KX_DHE_PSK},  {0x0094, TLS_KX_RSA_PSK},
        {0xC018, TLS_KX_ECDH_ANON}, {0x0034, TLS_KX_DH_ANON},  {0xC004, TLS_KX_ECDH},
        {0xC00E, TLS_KX_ECDH},      {0x0030, TLS_KX_DH},       {0x00FF, TLS_KX_UNKNOWN},
        {0x5600, TLS_KX_UNKNOWN},   {0x0A0A, TLS_KX_UNKNOWN},  {0x0000, TLS_KX_UNKNOWN},
        /* RFC 6655 names these TLS_PSK_DHE_WITH_..., not TLS_DHE_PSK_ */
        {0xC0AA, TLS_KX_DHE_PSK},   {0xC0AB, TLS_KX_DHE_PSK},  {0xC0A8, TLS_KX_PSK},
    };
    for (size_t i = 0; i < MTLS_ARRAY_LEN(rows); i++) {
        if (tls_kx_kind_for_cipher(rows[i].suite) != rows[i].kind)
            fail_msg("suite 0x%04x: got %s", rows[i].suite, tls_kx_kind_name(tls_kx_kind_for_cipher(rows[i].suite)));
    }
    assert_string_equal(tls_kx_kind_name(TLS_KX_ECDHE), "ecdhe");
    assert_string_equal(tls_kx_kind_name(TLS_KX__COUNT), "unknown");
    assert_true(tls_kx_kind_signed(TLS_KX_DHE));
    assert_false(tls_kx_kind_signed(TLS_KX_ECDHE_PSK));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ske_ecdhe_real),    cmocka_unit_test(test_ske_dhe_real),
        cmocka_unit_test(test_ske_crafted),       cmocka_unit_test(test_cke_real),
        cmocka_unit_test(test_cert_verify_real),  cmocka_unit_test(test_session_msgs_real),
        cmocka_unit_test(test_session_msgs_crafted), cmocka_unit_test(test_alerts_real),
        cmocka_unit_test(test_alert_registry),    cmocka_unit_test(test_kx_kind_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
