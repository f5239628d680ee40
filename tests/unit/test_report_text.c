/* test_report_text.c — the human report: structure, escaping of hostile
 * wire strings, colour only when asked, -q and -v. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diagnose.h"
#include "report_text.h"
#include "session.h"

/* ---- session fixtures (synthetic step logs; CA names are real DER made
 * by OpenSSL in-process) ---- */
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
}

static char *render(session_t *s, const rtext_options *opt)
{
    diag_run(s, NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(rtext_session(f, s, opt), 0);
    fclose(f);
    return buf;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("expected \"%s\" in:\n%s", needle, hay);
}

static session_t *fx_hostile(void)
{
    session_t *s = fx_session(3);
    fx_tls12_server_flight(s, true);
    free(s->ch.sni);
    s->ch.sni = strdup("evil\x1b]0;pwned\x07");
    fx_cert(s, 5, DIR_C2S, 0);
    fx_step(s, 5, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_alert(s, 6, DIR_S2C, 2, 116);
    step_t *st = fx_step(s, 7, DIR_S2C, STEP_HTTP);
    st->detail = strdup("HTTP/1.1 400 \xe2\x80\xae\x1b[2J");
    return s;
}

static void test_block_structure(void **st)
{
    (void)st;
    session_t *s = fx_mtls_ok(12);
    char *o = render(s, NULL);
    assert_contains(o, "#12 192.0.2.10:50000 -> 198.51.100.20:443 SNI=api.example.test TLS 1.2 "
                       "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n");
    assert_contains(o, "     0.000 ms  C->S  ClientHello SNI=api.example.test\n");
    assert_contains(o, "     5.000 ms  C->S  Certificate (1 cert: CN=alice)\n");
    assert_contains(o, "S->C  CertificateRequest (1 acceptable CA)\n");
    assert_contains(o, "C->S  CertificateVerify ecdsa_secp256r1_sha256 (signature verified)\n");
    assert_contains(o, "Server certificate chain:\n  [0] subject: CN=api.example.test,O=Example\n");
    assert_contains(o, "      valid:   2024-01-01 00:00:00Z .. 2025-01-01 00:00:00Z\n");
    assert_contains(o, "      key:     EC 256 bits prime256v1, sig ecdsa-with-SHA256\n");
    assert_contains(o, "  validation: valid\n");
    assert_contains(o, "CertificateRequest: 1 acceptable CA:\n  - CN=Example Root CA,O=Example\n");
    assert_contains(o, "Client CertificateVerify: ecdsa_secp256r1_sha256, verified\n");
    assert_contains(o, "Verdict: mtls_ok\n");
    assert_contains(o, "Fix: ");
    assert_null(strchr(o, '\x1b')); /* no colour unless asked */
    free(o);
    session_free(s);
}

static void test_hostile_strings_escaped(void **st)
{
    (void)st;
    session_t *s = fx_hostile();
    char *o = render(s, NULL);
    assert_contains(o, "SNI=evil\\x1b]0;pwned\\x07");
    assert_contains(o, "HTTP/1.1 400 \\u202e\\x1b[2J");
    assert_contains(o, "Certificate (empty)");
    assert_contains(o, "Alert fatal certificate_required");
    assert_contains(o, "Verdict: client_cert_missing\n");
    for (const char *p = o; *p; p++)
        assert_true((unsigned char)*p >= 0x20 || *p == '\n');
    assert_null(strstr(o, "\xe2\x80\xae"));
    free(o);
    /* with colour: only our own SGR sequences appear */
    rtext_options c = {.color = true};
    o = render(s, &c);
    assert_contains(o, "\x1b[31m");
    for (const char *p = strchr(o, '\x1b'); p; p = strchr(p + 1, '\x1b'))
        assert_true(p[1] == '[' && (p[2] == '0' || p[2] == '1' || p[2] == '2' || p[2] == '3'));
    assert_null(strchr(o, '\x07'));
    free(o);
    session_free(s);
}

static void test_quiet_and_verbose(void **st)
{
    (void)st;
    session_t *s = fx_hostile();
    rtext_options q = {.quiet = true};
    char *o = render(s, &q);
    assert_int_equal(strchr(o, '\n') - o + 1, (long)strlen(o)); /* one line */
    assert_contains(o, "#3 192.0.2.10:50000 -> 198.51.100.20:443 SNI=evil\\x1b]0;pwned\\x07");
    assert_contains(o, " client_cert_missing\n");
    free(o);
    session_free(s);

    s = fx_mtls_ok(4);
    uint16_t ext[] = {0, 43, 0x1a1a};
    uint16_t cs[] = {0x1301, 0xc02f};
    assert_int_equal(u16_list_set(&s->ch.extensions, ext, 3), 0);
    assert_int_equal(u16_list_set(&s->ch.ciphers, cs, 2), 0);
    s->ch.ja4 = strdup("t13d0203h2_abc_def");
    rtext_options v = {.verbosity = 1};
    o = render(s, &v);
    assert_contains(o, "  extensions: server_name, supported_versions, GREASE(0x1a1a)\n");
    assert_contains(o, "  ciphers: TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n");
    assert_contains(o, "  JA4: t13d0203h2_abc_def\n");
    assert_contains(o, "      SAN:     DNS:example.test\n");
    free(o);
    session_free(s);
}

static void test_endpoint_v6(void **st)
{
    (void)st;
    endpoint_t e = {.family = 6, .port = 8443};
    e.addr[15] = 1;
    char b[64];
    assert_string_equal(rtext_endpoint(&e, b, sizeof b), "[::1]:8443");
}

static void test_write_error(void **st)
{
    (void)st;
    session_t *s = fx_mtls_ok(5);
    diag_run(s, NULL);
    FILE *f = fopen("/dev/full", "w");
    if (!f) {
        session_free(s);
        skip();
    }
    setvbuf(f, NULL, _IONBF, 0);
    assert_int_equal(rtext_session(f, s, NULL), -1);
    fclose(f);
    session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_block_structure),
        cmocka_unit_test(test_hostile_strings_escaped),
        cmocka_unit_test(test_quiet_and_verbose),
        cmocka_unit_test(test_endpoint_v6),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
