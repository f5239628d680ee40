/* session_fixture.h — synthetic sessions shared by the diagnosis, report and
 * summary tests: step logs built by hand, CA names real DER made by OpenSSL
 * in-process. Include after <cmocka.h> and "session.h". */
#ifndef MTLS_TEST_SESSION_FIXTURE_H
#define MTLS_TEST_SESSION_FIXTURE_H

#include <openssl/x509.h>

#define T0 1714564800000000ull /* 2024-05-01T12:00:00Z */

static session_t *fx_session(uint64_t id)
{
    session_t *s = session_new(id);
    assert_non_null(s);
    s->client.family = 4;
    s->client.addr[0] = 192, s->client.addr[1] = 0, s->client.addr[2] = 2, s->client.addr[3] = 10;
    s->client.port = 50000;
    s->server.family = 4;
    s->server.addr[0] = 198, s->server.addr[1] = 51, s->server.addr[2] = 100, s->server.addr[3] = 20;
    s->server.port = 443;
    return s;
}

static step_t *fx_step(session_t *s, unsigned ms, mtls_dir d, step_kind k)
{
    step_t *st = session_add_step(s, T0 + (uint64_t)ms * 1000u, d, k);
    assert_non_null(st);
    switch (k) {
    case STEP_CLIENT_HELLO: s->ch.present = true; break;
    case STEP_SERVER_HELLO: s->sh.present = true; break;
    case STEP_CERTIFICATE_REQUEST: s->cr.present = true; break;
    case STEP_CERTIFICATE: s->side[d].cert_msg_seen = true; break;
    case STEP_FINISHED: s->side[d].finished_seen = true; break;
    case STEP_CHANGE_CIPHER_SPEC: s->side[d].ccs_seen = true; break;
    case STEP_APPLICATION_DATA: s->side[d].app_data_seen = true; break;
    case STEP_FIN: s->side[d].fin = true; break;
    case STEP_RST: s->side[d].rst = true; break;
    default: break;
    }
    return st;
}

static step_t *fx_alert(session_t *s, unsigned ms, mtls_dir d, uint8_t level, uint8_t desc)
{
    step_t *st = fx_step(s, ms, d, STEP_ALERT);
    st->alert_level = level;
    st->alert_desc = desc;
    s->side[d].alert_sent = true;
    s->side[d].alert_level = level;
    s->side[d].alert_desc = desc;
    return st;
}

static step_t *fx_cert(session_t *s, unsigned ms, mtls_dir d, uint32_t count)
{
    step_t *st = fx_step(s, ms, d, STEP_CERTIFICATE);
    st->count = count;
    return st;
}

/* DER of a DN given as "CN=x,O=y" (OpenSSL builds it). */
static void fx_ca_name(session_t *s, const char *cn, const char *o)
{
    X509_NAME *n = X509_NAME_new();
    assert_non_null(n);
    if (o)
        assert_int_equal(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)o, -1, -1, 0), 1);
    assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0), 1);
    unsigned char *der = NULL;
    int len = i2d_X509_NAME(n, &der);
    assert_true(len > 0);
    bytes_t *p = realloc(s->cr.ca_names, (s->cr.n_ca_names + 1) * sizeof(*p));
    assert_non_null(p);
    s->cr.ca_names = p;
    memset(&p[s->cr.n_ca_names], 0, sizeof(*p));
    assert_int_equal(bytes_set(&p[s->cr.n_ca_names], der, (size_t)len), 0);
    s->cr.n_ca_names++;
    OPENSSL_free(der);
    X509_NAME_free(n);
    s->cr.present = true;
}

/* A one- or two-certificate chain report with the given leaf names. */
static chain_report *fx_chain(session_t *s, mtls_dir d, const char *subj_cn, const char *iss_cn,
                              bool valid, const char *finding_code)
{
    chain_report *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->refs = 1;
    r->n_certs = 1;
    r->certs = calloc(1, sizeof(cert_info));
    assert_non_null(r->certs);
    cert_info *ci = &r->certs[0];
    char buf[256];
    snprintf(buf, sizeof buf, "CN=%s,O=Example", subj_cn);
    ci->subject = strdup(buf);
    snprintf(buf, sizeof buf, "CN=%s,O=Example", iss_cn);
    ci->issuer = strdup(buf);
    ci->subject_cn = strdup(subj_cn);
    ci->issuer_cn = strdup(iss_cn);
    ci->serial_hex = strdup("01A2");
    ci->not_before = 1704067200; /* 2024-01-01 */
    ci->not_after = 1735689600;  /* 2025-01-01 */
    ci->key_alg = strdup("EC");
    ci->key_bits = 256;
    ci->key_curve = strdup("prime256v1");
    ci->sig_alg = strdup("ecdsa-with-SHA256");
    ci->der_len = 420;
    /* fingerprint derived from the subject so distinct names give distinct rows */
    unsigned h = 5381;
    for (const char *p = subj_cn; *p; p++)
        h = h * 33u + (unsigned char)*p;
    for (int i = 0; i < 64; i++)
        ci->sha256[i] = "0123456789abcdef"[(h >> ((i % 8) * 4)) & 15];
    ci->sha256[64] = '\0';
    ci->san = calloc(1, sizeof(char *));
    ci->san[0] = strdup("DNS:example.test");
    ci->n_san = 1;
    ci->is_ca = 0;
    ci->path_len = -1;
    r->valid = valid;
    r->trust_checked = true;
    r->verify_depth = valid ? -1 : 0;
    if (!valid) {
        r->verify_error = 20;
        r->verify_error_str = strdup("unable to get local issuer certificate");
        r->verify_sentence = strdup("The issuer of this certificate is not among the trusted CAs.");
    }
    if (finding_code)
        assert_int_equal(findings_add(&r->findings, SEV_ERROR, finding_code, "chain[0]",
                                      "finding %s", finding_code), 0);
    chain_report_unref(s->side[d].chain);
    s->side[d].chain = r;
    return r;
}

/* TLS 1.2 full handshake up to the server's flight, with CertificateRequest. */
static void fx_tls12_server_flight(session_t *s, bool certreq)
{
    s->version = 0x0303;
    s->sh.selected_version = 0x0303;
    s->sh.cipher = 0xc02f;
    s->ch.sni = strdup("api.example.test");
    fx_step(s, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_step(s, 2, DIR_S2C, STEP_SERVER_HELLO);
    fx_cert(s, 2, DIR_S2C, 1);
    fx_chain(s, DIR_S2C, "api.example.test", "Example Root CA", true, NULL);
    fx_step(s, 2, DIR_S2C, STEP_SERVER_KEY_EXCHANGE);
    if (certreq) {
        fx_step(s, 2, DIR_S2C, STEP_CERTIFICATE_REQUEST);
        fx_ca_name(s, "Example Root CA", "Example");
    }
    fx_step(s, 2, DIR_S2C, STEP_SERVER_HELLO_DONE);
}

static void fx_tls12_finish(session_t *s, unsigned ms)
{
    fx_step(s, ms, DIR_C2S, STEP_CHANGE_CIPHER_SPEC);
    fx_step(s, ms, DIR_C2S, STEP_FINISHED);
    fx_step(s, ms + 1, DIR_S2C, STEP_CHANGE_CIPHER_SPEC);
    fx_step(s, ms + 1, DIR_S2C, STEP_FINISHED);
}

/* mTLS success over TLS 1.2. */
static session_t *fx_mtls_ok(uint64_t id)
{
    session_t *s = fx_session(id);
    fx_tls12_server_flight(s, true);
    fx_cert(s, 5, DIR_C2S, 1);
    fx_chain(s, DIR_C2S, "alice", "Example Root CA", true, NULL);
    fx_step(s, 5, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_step(s, 5, DIR_C2S, STEP_CERTIFICATE_VERIFY);
    s->side[DIR_C2S].cv.present = true;
    s->side[DIR_C2S].cv.scheme = 0x0403;
    s->side[DIR_C2S].cv.result = 1;
    fx_tls12_finish(s, 5);
    fx_step(s, 7, DIR_C2S, STEP_APPLICATION_DATA);
    fx_step(s, 8, DIR_S2C, STEP_APPLICATION_DATA);
    return s;

#endif
