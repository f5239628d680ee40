/* test_diagnose.c — synthetic step logs -> each verdict of DESIGN.md, with
 * the key words of its explanation and next step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diagnose.h"
#include "session.h"

#include "session_fixture.h"

static void assert_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("expected \"%s\" in: %s", needle, hay ? hay : "(null)");
}

static void run(session_t *s) { fx_diag(s, NULL); }

static void test_mtls_ok(void **st)
{
    (void)st;
    session_t *s = fx_mtls_ok(1);
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_MTLS_OK);
    assert_false(FXD(s)->failed);
    assert_contains(FXD(s)->explanation, "CN=alice,O=Example");
    assert_contains(FXD(s)->explanation, "CertificateVerify");
    assert_non_null(FXD(s)->next_step);
    fx_free(s);
}

static void test_tls_ok_no_client_auth(void **st)
{
    (void)st;
    session_t *s = fx_session(2);
    fx_tls12_server_flight(s, false);
    fx_step(s, 5, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_tls12_finish(s, 5);
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_TLS_OK_NO_CLIENT_AUTH);
    assert_false(FXD(s)->failed);
    assert_contains(FXD(s)->explanation, "never sent a CertificateRequest");
    assert_contains(FXD(s)->next_step, "ssl_verify_client on");
    assert_contains(FXD(s)->next_step, "SSLVerifyClient require");
    fx_free(s);
}

static void test_missing_then_alert_tls13(void **st)
{
    (void)st;
    session_t *s = fx_session(3);
    s->version = 0x0304;
    s->tls13 = true;
    s->decrypted = true;
    s->sh.selected_version = 0x0304;
    s->sh.cipher = 0x1301;
    fx_step(s, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_step(s, 1, DIR_S2C, STEP_SERVER_HELLO);
    fx_step(s, 1, DIR_S2C, STEP_ENCRYPTED_EXTENSIONS)->decrypted = true;
    fx_step(s, 1, DIR_S2C, STEP_CERTIFICATE_REQUEST)->decrypted = true;
    fx_ca_name(s, "Example Root CA", "Example");
    fx_ca_name(s, "Partner CA", NULL);
    fx_cert(s, 1, DIR_S2C, 1);
    fx_chain(s, DIR_S2C, "api.example.test", "Example Root CA", true, NULL);
    fx_step(s, 1, DIR_S2C, STEP_CERTIFICATE_VERIFY);
    fx_step(s, 1, DIR_S2C, STEP_FINISHED);
    fx_cert(s, 3, DIR_C2S, 0);
    fx_step(s, 3, DIR_C2S, STEP_FINISHED);
    fx_alert(s, 4, DIR_S2C, 2, 116)->decrypted = true;
    fx_step(s, 4, DIR_S2C, STEP_FIN);
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_CLIENT_CERT_MISSING);
    assert_true(FXD(s)->failed);
    assert_contains(FXD(s)->explanation, "empty Certificate");
    assert_contains(FXD(s)->explanation, "certificate_required");
    assert_contains(FXD(s)->explanation, "CN=Example Root CA");
    assert_contains(FXD(s)->explanation, "CN=Partner CA");
    assert_contains(FXD(s)->next_step, "CN=Example Root CA");
    assert_contains(FXD(s)->next_step, "--cert");
    assert_true(findings_has(&FXD(s)->findings, "fatal_alert"));
    fx_free(s);
}

static void test_missing_but_finished(void **st)
{
    (void)st;
    session_t *s = fx_session(4);
    fx_tls12_server_flight(s, true);
    fx_cert(s, 5, DIR_C2S, 0);
    fx_step(s, 5, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_tls12_finish(s, 5);
    fx_step(s, 7, DIR_C2S, STEP_APPLICATION_DATA);
    fx_http(s, 8, DIR_S2C, 400, "HTTP/1.1 400 Bad Request", NULL);
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_CLIENT_CERT_MISSING);
    assert_true(FXD(s)->failed);
    assert_contains(FXD(s)->explanation, "let the handshake finish");
    assert_contains(FXD(s)->explanation, "No required SSL certificate was sent");
    assert_contains(FXD(s)->explanation, "HTTP/1.1 400 Bad Request");
    fx_free(s);
}

static void test_cert_rejected_unknown_ca(void **st)
{
    (void)st;
    session_t *s = fx_session(5);
    fx_tls12_server_flight(s, true);
    fx_cert(s, 5, DIR_C2S, 1);
    fx_chain(s, DIR_C2S, "bob", "Other CA", false, "untrusted_root");
    FXA(s)->client_ca_acceptable = 0;
    fx_step(s, 5, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_step(s, 5, DIR_C2S, STEP_CERTIFICATE_VERIFY);
    s->side[DIR_C2S].cv.present = true;
    fx_alert(s, 6, DIR_S2C, 2, 48);
    fx_step(s, 6, DIR_S2C, STEP_FIN);
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_CLIENT_CERT_REJECTED);
    assert_true(FXD(s)->failed);
    assert_contains(FXD(s)->explanation, "unknown_ca");
    assert_contains(FXD(s)->explanation, "does not trust the CA");
    assert_contains(FXD(s)->explanation, "CN=bob,O=Example");
    assert_contains(FXD(s)->explanation, "agrees");
    assert_contains(FXD(s)->next_step, "CN=Other CA,O=Example");
    assert_contains(FXD(s)->next_step, "ssl_client_certificate");
    assert_true(findings_has(&FXD(s)->findings, "client_ca_not_acceptable"));
    assert_true(findings_has(&FXD(s)->findings, "untrusted_root"));
    /* the chain finding is copied with where = "client chain[0]" */
    bool where_ok = false;
    for (size_t i = 0; i < FXD(s)->findings.n; i++)
        if (strcmp(FXD(s)->findings.items[i].code, "untrusted_root") == 0)
            where_ok = FXD(s)->findings.items[i].where &&
                       strcmp(FXD(s)->findings.items[i].where, "client chain[0]") == 0;
    assert_true(where_ok);
    fx_free(s);
}

static void test_each_cert_alert_has_cause(void **st)
{
    (void)st;
    static const struct {
        uint8_t alert;
        const char *expl, *fix;
    } cases[] = {
        {42, "bad_certificate", "clientAuth"},
        {43, "unsupported_certificate", "key type"},
        {44, "revoked", "ssl_crl"},
        {45, "expired", "Renew"},
        {46, "certificate_unknown", "client CA file"},
        {48, "unknown_ca", "client CA file"},
        {49, "access control", "allow-list"},
        {51, "private key does not match", "pkey -pubout"},
        {116, "certificate_required", "server's log"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        session_t *s = fx_session(6);
        fx_tls12_server_flight(s, true);
        fx_cert(s, 5, DIR_C2S, 1);
        fx_chain(s, DIR_C2S, "carol", "Example Root CA", true, NULL);
        fx_step(s, 5, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
        fx_alert(s, 6, DIR_S2C, 2, cases[i].alert);
        run(s);
        assert_int_equal(FXD(s)->verdict, VERDICT_CLIENT_CERT_REJECTED);
        assert_contains(FXD(s)->explanation, cases[i].expl);
        assert_contains(FXD(s)->next_step, cases[i].fix);
        /* valid chain with trust checked: the server's policy differs */
        assert_contains(FXD(s)->explanation, "trust store or policy differs");
        fx_free(s);
    }
}

static void test_key_mismatch(void **st)
{
    (void)st;
    session_t *s = fx_session(7);
    fx_tls12_server_flight(s, true);
    fx_cert(s, 5, DIR_C2S, 1);
    fx_chain(s, DIR_C2S, "dave", "Example Root CA", true, NULL);
    fx_step(s, 5, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_step(s, 5, DIR_C2S, STEP_CERTIFICATE_VERIFY);
    s->side[DIR_C2S].cv.present = true;
    FXA(s)->cv[DIR_C2S].result = 0;
    fx_alert(s, 6, DIR_S2C, 2, 51);
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_CLIENT_KEY_MISMATCH);
    assert_true(FXD(s)->failed);
    assert_contains(FXD(s)->explanation, "does not verify");
    assert_contains(FXD(s)->explanation, "decrypt_error");
    assert_contains(FXD(s)->next_step, "sha256sum");
    fx_free(s);
}

static void test_server_cert_rejected(void **st)
{
    (void)st;
    session_t *s = fx_session(8);
    fx_tls12_server_flight(s, false);
    fx_chain(s, DIR_S2C, "api.example.test", "Internal CA", false, "hostname_mismatch");
    fx_alert(s, 3, DIR_C2S, 2, 48);
    fx_step(s, 3, DIR_C2S, STEP_FIN);
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_SERVER_CERT_REJECTED);
    assert_true(FXD(s)->failed);
    assert_contains(FXD(s)->explanation, "client aborted");
    assert_contains(FXD(s)->explanation, "unknown_ca");
    assert_contains(FXD(s)->next_step, "--cacert");
    assert_contains(FXD(s)->next_step, "CN=Internal CA,O=Example");
    assert_contains(FXD(s)->next_step, "api.example.test");
    assert_true(findings_has(&FXD(s)->findings, "hostname_mismatch"));
    fx_free(s);
}

static void test_negotiation_failures(void **st)
{
    (void)st;
    static const struct {
        uint8_t alert;
        const char *expl, *fix;
    } cases[] = {
        {70, "no protocol version", "ssl_protocols"},
        {40, "cipher suite", "ssl_ciphers"},
        {71, "stronger parameters", "ssl_ciphers"},
        {120, "ALPN \"h2\"", "http2"},
        {112, "\"api.example.test\"", "-servername"},
        {109, "mandatory extension", "s_client"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        session_t *s = fx_session(9);
        s->ch.sni = strdup("api.example.test");
        s->ch.alpn = calloc(1, sizeof(char *));
        s->ch.alpn[0] = strdup("h2");
        s->ch.n_alpn = 1;
        uint16_t vers[] = {0x0304, 0x0303};
        assert_int_equal(u16_list_set(&s->ch.supported_versions, vers, 2), 0);
        fx_step(s, 0, DIR_C2S, STEP_CLIENT_HELLO);
        fx_alert(s, 1, DIR_S2C, 2, cases[i].alert);
        fx_step(s, 1, DIR_S2C, STEP_FIN);
        run(s);
        assert_int_equal(FXD(s)->verdict, VERDICT_NEGOTIATION_FAILED);
        assert_true(FXD(s)->failed);
        assert_contains(FXD(s)->explanation, "before any certificate");
        assert_contains(FXD(s)->explanation, cases[i].expl);
        assert_contains(FXD(s)->next_step, cases[i].fix);
        fx_free(s);
    }
}

static void test_aborted_after_client_hello(void **st)
{
    (void)st;
    session_t *s = fx_session(10);
    s->ch.sni = strdup("api.example.test");
    fx_step(s, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_step(s, 1, DIR_S2C, STEP_RST);
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_ABORTED);
    assert_true(FXD(s)->failed);
    assert_contains(FXD(s)->explanation, "server reset the connection after the client's ClientHello");
    assert_contains(FXD(s)->explanation, "without sending an alert");
    fx_free(s);
}

static void test_aborted_after_client_cert(void **st)
{
    (void)st;
    session_t *s = fx_session(11);
    fx_tls12_server_flight(s, true);
    fx_cert(s, 5, DIR_C2S, 1);
    fx_step(s, 5, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_step(s, 6, DIR_S2C, STEP_FIN);
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_ABORTED);
    assert_contains(FXD(s)->explanation, "server closed");
    assert_contains(FXD(s)->explanation, "ClientKeyExchange");
    assert_contains(FXD(s)->explanation, "usually rejected it");
    fx_free(s);
}

static void test_incomplete_gap_and_end(void **st)
{
    (void)st;
    session_t *s = fx_session(12);
    fx_step(s, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_step(s, 1, DIR_S2C, STEP_SERVER_HELLO);
    fx_step(s, 2, DIR_S2C, STEP_TCP_GAP)->length = 1448;
    fx_step(s, 9, DIR_S2C, STEP_FIN);
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_INCOMPLETE);
    assert_false(FXD(s)->failed);
    assert_contains(FXD(s)->explanation, "lost 1448 bytes");
    assert_contains(FXD(s)->explanation, "ServerHello");
    assert_contains(FXD(s)->next_step, "-s 0");
    assert_true(findings_has(&FXD(s)->findings, "tcp_gap"));
    fx_free(s);

    s = fx_session(13);
    fx_step(s, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_step(s, 1, DIR_C2S, STEP_CAPTURE_END);
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_INCOMPLETE);
    assert_contains(FXD(s)->explanation, "capture ended after the client's ClientHello");
    fx_free(s);

    s = fx_session(14); /* nothing at all */
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_INCOMPLETE);
    assert_contains(FXD(s)->explanation, "No TLS handshake");
    fx_free(s);
}

static session_t *fx_tls13_nokeys(uint32_t cflight_recs, uint32_t cflight_bytes)
{
    session_t *s = fx_session(15);
    s->version = 0x0304;
    s->tls13 = true;
    s->sh.selected_version = 0x0304;
    s->sh.cipher = 0x1302;
    fx_step(s, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_step(s, 1, DIR_S2C, STEP_SERVER_HELLO);
    fx_step(s, 1, DIR_S2C, STEP_CHANGE_CIPHER_SPEC);
    step_t *e = fx_step(s, 1, DIR_S2C, STEP_ENCRYPTED_HANDSHAKE);
    e->count = 4;
    e->length = 2600;
    fx_step(s, 3, DIR_C2S, STEP_CHANGE_CIPHER_SPEC);
    e = fx_step(s, 3, DIR_C2S, STEP_ENCRYPTED_HANDSHAKE);
    e->count = cflight_recs;
    e->length = cflight_bytes;
    return s;
}

/* Note a sealed TLS 1.3 record of len bytes from d, logged by the last step. */
static void fx_sealed(session_t *s, mtls_dir d, uint32_t len)
{
    if (!s->sealed)
        s->sealed = calloc(SESSION_MAX_SEALED_RECORDS, sizeof(*s->sealed));
    assert_non_null(s->sealed);
    s->sealed[s->n_sealed++] = (sealed_record){d, len, (uint32_t)(s->n_steps - 1)};
    s->n_sealed_total++;
}

/* The server's flight (EE, CR, Cert, CV, Fin of a SHA-384 suite) as sealed records. */
static void fx_server_flight_records(session_t *s)
{
    const uint32_t srv[] = {23, 128, 1865, 281, 69};
    for (size_t i = 0; i < 5; i++)
        fx_sealed(s, DIR_S2C, srv[i]);
}

static void test_encrypted_rejected(void **st)
{
    (void)st;
    session_t *s = fx_tls13_nokeys(3, 1402);
    fx_server_flight_records(s);
    s->sealed[0].step = s->sealed[1].step = s->sealed[2].step = s->sealed[3].step = s->sealed[4].step = 3;
    fx_sealed(s, DIR_C2S, 1052);
    fx_sealed(s, DIR_C2S, 281);
    fx_sealed(s, DIR_C2S, 69);
    step_t *a = fx_step(s, 4, DIR_S2C, STEP_APPLICATION_DATA);
    a->count = 1;
    a->length = 19;
    fx_sealed(s, DIR_S2C, 19);
    fx_step(s, 4, DIR_S2C, STEP_FIN);
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_CLIENT_CERT_REJECTED);
    assert_int_equal(FXD(s)->evidence, EVIDENCE_INFERRED);
    assert_true(FXD(s)->failed);
    assert_contains(FXD(s)->explanation, "sent 1333 bytes in 2 records: a Certificate");
    assert_contains(FXD(s)->explanation, "1 alert-sized record (19 bytes)");
    assert_non_null(FXD(s)->confirm);
    assert_contains(FXD(s)->confirm, "--keylog");
    fx_free(s);
}

static void test_encrypted_ok_and_missing(void **st)
{
    (void)st;
    /* Finished alone, then tickets: the server never asked */
    session_t *s = fx_tls13_nokeys(1, 69);
    fx_server_flight_records(s);
    fx_sealed(s, DIR_C2S, 69);
    step_t *a = fx_step(s, 4, DIR_S2C, STEP_APPLICATION_DATA);
    a->count = 2;
    a->length = 530;
    fx_sealed(s, DIR_S2C, 265);
    fx_sealed(s, DIR_S2C, 265);
    fx_step(s, 5, DIR_C2S, STEP_APPLICATION_DATA);
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_TLS_OK_NO_CLIENT_AUTH);
    assert_int_equal(FXD(s)->evidence, EVIDENCE_INFERRED);
    assert_false(FXD(s)->failed);
    assert_contains(FXD(s)->explanation, "Finished alone");
    fx_free(s);

    /* an empty Certificate + Finished, then the server resets: asked, had none */
    s = fx_tls13_nokeys(2, 94);
    fx_server_flight_records(s);
    fx_sealed(s, DIR_C2S, 25);
    fx_sealed(s, DIR_C2S, 69);
    fx_step(s, 4, DIR_S2C, STEP_RST);
    diag_options o = {.keylog_given = true};
    fx_diag(s, &o);
    assert_int_equal(FXD(s)->verdict, VERDICT_CLIENT_CERT_MISSING);
    assert_true(FXD(s)->failed);
    assert_contains(FXD(s)->explanation, "empty Certificate");
    assert_contains(FXD(s)->explanation, "closed the connection without sending anything");
    fx_free(s);

    /* a certificate, then tickets: accepted at the TLS layer, the rest is unknown */
    s = fx_tls13_nokeys(4, 1402);
    fx_server_flight_records(s);
    fx_sealed(s, DIR_C2S, 1333);
    fx_sealed(s, DIR_C2S, 69);
    fx_step(s, 4, DIR_S2C, STEP_APPLICATION_DATA)->length = 1130;
    fx_sealed(s, DIR_S2C, 1130);
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_ENCRYPTED);
    assert_false(FXD(s)->failed);
    assert_contains(FXD(s)->explanation, "cannot be told");
    assert_contains(FXD(s)->next_step, "--keylog");
    fx_free(s);
}

/* The flip-flop: the same records, with the client's application
 * data and close_notify folded into its flight step or logged apart, give
 * the same verdict and failed flag. */
static void test_encrypted_independent_of_packing(void **st)
{
    (void)st;
    verdict_t v[2];
    bool failed[2];
    for (int packed = 0; packed < 2; packed++) {
        session_t *s = fx_tls13_nokeys(5 + (uint64_t)packed, packed ? 135 : 94);
        fx_server_flight_records(s);
        fx_sealed(s, DIR_C2S, 25);
        fx_sealed(s, DIR_C2S, 69);
        if (!packed)
            fx_step(s, 4, DIR_C2S, STEP_APPLICATION_DATA)->length = 22;
        fx_sealed(s, DIR_C2S, 22);
        if (!packed)
            fx_step(s, 4, DIR_C2S, STEP_APPLICATION_DATA)->length = 19;
        fx_sealed(s, DIR_C2S, 19);
        fx_step(s, 5, DIR_S2C, STEP_APPLICATION_DATA)->length = 19;
        fx_sealed(s, DIR_S2C, 19);
        fx_step(s, 5, DIR_S2C, STEP_FIN);
        run(s);
        v[packed] = FXD(s)->verdict;
        failed[packed] = FXD(s)->failed;
        fx_free(s);
    }
    assert_int_equal(v[0], VERDICT_CLIENT_CERT_MISSING);
    assert_int_equal(v[0], v[1]);
    assert_true(failed[0]);
    assert_true(failed[1]);
}

static void test_resumed(void **st)
{
    (void)st;
    session_t *s = fx_session(16);
    s->version = 0x0303;
    s->ch.session_id_len = s->sh.session_id_len = 32;
    memset(s->ch.session_id, 7, 32);
    memset(s->sh.session_id, 7, 32);
    fx_step(s, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_step(s, 1, DIR_S2C, STEP_SERVER_HELLO);
    fx_step(s, 1, DIR_S2C, STEP_CHANGE_CIPHER_SPEC);
    fx_step(s, 1, DIR_S2C, STEP_FINISHED);
    fx_step(s, 2, DIR_C2S, STEP_CHANGE_CIPHER_SPEC);
    fx_step(s, 2, DIR_C2S, STEP_FINISHED);
    run(s); /* inferred from the echoed session id */
    assert_int_equal(FXD(s)->verdict, VERDICT_RESUMED);
    assert_false(FXD(s)->failed);
    assert_contains(FXD(s)->explanation, "session ID");
    assert_contains(FXD(s)->explanation, "summary's resumptions");
    assert_contains(FXD(s)->next_step, "summary's resumptions");
    fx_free(s);
}

static void test_malformed(void **st)
{
    (void)st;
    session_t *s = fx_session(17);
    fx_step(s, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_step(s, 1, DIR_S2C, STEP_MALFORMED)->detail = strdup("record length over 2^14+2048");
    s->malformed = true;
    s->malformed_dir = DIR_S2C;
    s->malformed_offset = 5;
    s->malformed_reason = strdup("record length over 2^14+2048");
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_MALFORMED);
    assert_true(FXD(s)->failed);
    assert_contains(FXD(s)->explanation, "offset 5");
    assert_contains(FXD(s)->explanation, "2^14+2048");
    assert_contains(FXD(s)->next_step, "PROXY protocol");
    assert_true(findings_has(&FXD(s)->findings, "malformed"));
    fx_free(s);
}

static void test_deprecated_and_idempotent(void **st)
{
    (void)st;
    session_t *s = fx_session(18);
    fx_tls12_server_flight(s, false);
    s->version = s->sh.selected_version = 0x0301;
    fx_step(s, 5, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_tls12_finish(s, 5);
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_TLS_OK_NO_CLIENT_AUTH);
    assert_true(findings_has(&FXD(s)->findings, "deprecated_protocol"));
    size_t n = FXD(s)->findings.n;
    char *e1 = strdup(FXD(s)->explanation);
    run(s);
    assert_int_equal(FXD(s)->findings.n, n);
    assert_string_equal(FXD(s)->explanation, e1);
    free(e1);
    fx_free(s);
}

static void test_warning_alert_not_fatal(void **st)
{
    (void)st;
    session_t *s = fx_session(19);
    fx_tls12_server_flight(s, false);
    fx_alert(s, 2, DIR_S2C, 1, 112); /* warning unrecognized_name: survivable */
    fx_step(s, 5, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_tls12_finish(s, 5);
    run(s);
    assert_int_equal(FXD(s)->verdict, VERDICT_TLS_OK_NO_CLIENT_AUTH);
    assert_true(findings_has(&FXD(s)->findings, "warning_alert"));
    assert_false(findings_has(&FXD(s)->findings, "fatal_alert"));
    fx_free(s);
}

/* Every prefix of a complete mTLS log gets some verdict, never crashes, and
 * only the full log says mtls_ok. */
static void test_prefix_sweep(void **st)
{
    (void)st;
    session_t *full = fx_mtls_ok(20);
    for (size_t k = 0; k <= full->n_steps; k++) {
        session_t *s = fx_session(20);
        s->version = full->version;
        s->sh.selected_version = full->sh.selected_version;
        for (size_t i = 0; i < k; i++) {
            const step_t *src = &full->steps[i];
            step_t *d = fx_step(s, (unsigned)((src->ts_us - T0) / 1000u), src->dir, src->kind);
            d->count = src->count;
            if (src->kind == STEP_CERTIFICATE && src->dir == DIR_C2S)
                fx_chain(s, DIR_C2S, "alice", "Example Root CA", true, NULL);
            if (src->kind == STEP_CERTIFICATE_REQUEST)
                fx_ca_name(s, "Example Root CA", "Example");
        }
        run(s);
        assert_true(FXD(s)->verdict > VERDICT_NONE && FXD(s)->verdict < VERDICT__COUNT);
        assert_non_null(FXD(s)->explanation);
        assert_non_null(FXD(s)->next_step);
        /* the client's Finished is step 11 and the server's is step 13 */
        if (k < 13)
            assert_int_not_equal(FXD(s)->verdict, VERDICT_MTLS_OK);
        else
            assert_int_equal(FXD(s)->verdict, VERDICT_MTLS_OK);
        if (k > 0 && k < 13)
            assert_int_equal(FXD(s)->verdict, VERDICT_INCOMPLETE);
        fx_free(s);
    }
    fx_free(full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mtls_ok),
        cmocka_unit_test(test_tls_ok_no_client_auth),
        cmocka_unit_test(test_missing_then_alert_tls13),
        cmocka_unit_test(test_missing_but_finished),
        cmocka_unit_test(test_cert_rejected_unknown_ca),
        cmocka_unit_test(test_each_cert_alert_has_cause),
        cmocka_unit_test(test_key_mismatch),
        cmocka_unit_test(test_server_cert_rejected),
        cmocka_unit_test(test_negotiation_failures),
        cmocka_unit_test(test_aborted_after_client_hello),
        cmocka_unit_test(test_aborted_after_client_cert),
        cmocka_unit_test(test_incomplete_gap_and_end),
        cmocka_unit_test(test_encrypted_rejected),
        cmocka_unit_test(test_encrypted_ok_and_missing),
        cmocka_unit_test(test_encrypted_independent_of_packing),
        cmocka_unit_test(test_resumed),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_deprecated_and_idempotent),
        cmocka_unit_test(test_warning_alert_not_fatal),
        cmocka_unit_test(test_prefix_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
