/* test_rules.c — the rules table of src/diagnose/rules.c: its shape (every
 * row named once, a catch-all last) and, on synthetic step logs, which row
 * decides, so a change in precedence shows up as the row that moved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diagnose.h"
#include "rules.h"
#include "session.h"
#include "tls_alert.h"

#include "session_fixture.h"

/* as with --ca FILE: inferences from our own validation need anchors the user gave */
static const diag_options anchors = {.client_ca_given = true, .server_ca_given = true};

static const char *deciding_rule(const session_t *s)
{
    diag_ctx c;
    diag_ctx_init(&c, s, FXA(s), &anchors);
    return diag_first_rule(&c)->name;
}

static void test_table_shape(void **st)
{
    (void)st;
    size_t n = 0;
    const diag_rule *r = diag_rules(&n);
    assert_true(n >= 10);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(r[i].name);
        assert_non_null(r[i].applies);
        assert_non_null(r[i].explain);
        assert_true(r[i].verdict > VERDICT_NONE && r[i].verdict < VERDICT__COUNT);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(r[i].name, r[j].name);
    }
    /* the last row takes whatever nothing before it took: an empty session */
    session_t *s = fx_session(1);
    diag_ctx c;
    diag_ctx_init(&c, s, FXA(s), NULL);
    assert_true(r[n - 1].applies(&c));
    fx_free(s);
}

static void test_finished_rows(void **st)
{
    (void)st;
    session_t *ok = fx_mtls_ok(2);
    assert_string_equal(deciding_rule(ok), "finished_with_client_cert");
    /* the same handshake whose CertificateVerify fails: the proof row wins */
    FXA(ok)->cv[DIR_C2S].result = 0;
    assert_string_equal(deciding_rule(ok), "client_proof_failed");
    fx_free(ok);

    /* the server's ServerKeyExchange signature fails: the client aborts with
     * decrypt_error right after the server's flight; without the proof row
     * that alert would read as a refusal of the server's certificate */
    session_t *bad = fx_session(9);
    fx_tls12_server_flight(bad, true);
    fx_alert(bad, 4, DIR_C2S, TLS_ALERT_LEVEL_FATAL, TLS_ALERT_DECRYPT_ERROR);
    bad->ske_sig.present = true;
    FXA(bad)->ske.result = 1;
    assert_string_equal(deciding_rule(bad), "client_alert_after_server_cert");
    FXA(bad)->ske.result = 0;
    assert_string_equal(deciding_rule(bad), "server_proof_failed");
    diagnosis d;
    diag_run(bad, FXA(bad), &anchors, &d);
    assert_int_equal(d.verdict, VERDICT_SERVER_KEY_MISMATCH);
    assert_true(d.failed);
    diagnosis_cleanup(&d);
    fx_free(bad);

    session_t *s = fx_session(3);
    fx_tls12_server_flight(s, false);
    fx_step(s, 5, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_tls12_finish(s, 5);
    assert_string_equal(deciding_rule(s), "finished");
    fx_free(s);
}

/* A one-way TLS 1.2 handshake, then a renegotiation started by the server. */
static session_t *fx_renegotiating(uint64_t id, bool decrypted)
{
    session_t *s = fx_session(id);
    fx_tls12_server_flight(s, false);
    fx_step(s, 3, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_tls12_finish(s, 3);
    fx_step(s, 5, DIR_C2S, STEP_APPLICATION_DATA);
    step_t *r = fx_step(s, 6, DIR_S2C, STEP_RENEGOTIATION);
    r->count = 1;
    r->decrypted = decrypted;
    return s;
}

/* TLS 1.2 renegotiation: a decrypted one decides the verdict with its own
 * messages (the first handshake asked for no certificate); one without keys
 * that fails, or follows a handshake without a client certificate, is
 * unreadable. */
static void test_renegotiation_rows(void **st)
{
    (void)st;
    /* decrypted: CertificateRequest, empty Certificate, the server's alert */
    session_t *s = fx_renegotiating(20, true);
    fx_step(s, 6, DIR_S2C, STEP_HELLO_REQUEST);
    fx_step(s, 7, DIR_C2S, STEP_CLIENT_HELLO);
    fx_step(s, 8, DIR_S2C, STEP_SERVER_HELLO);
    fx_cert(s, 8, DIR_S2C, 1);
    fx_step(s, 8, DIR_S2C, STEP_CERTIFICATE_REQUEST);
    fx_step(s, 8, DIR_S2C, STEP_SERVER_HELLO_DONE);
    fx_cert(s, 9, DIR_C2S, 0);
    fx_step(s, 9, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_step(s, 9, DIR_C2S, STEP_CHANGE_CIPHER_SPEC);
    fx_step(s, 9, DIR_C2S, STEP_FINISHED);
    fx_alert(s, 10, DIR_S2C, TLS_ALERT_LEVEL_FATAL, TLS_ALERT_HANDSHAKE_FAILURE)->decrypted = true;
    assert_string_equal(deciding_rule(s), "server_alert_after_cert_request");
    diag_ctx c;
    diag_ctx_init(&c, s, FXA(s), &anchors);
    assert_int_equal(c.f.reneg, 11);
    assert_true(c.f.reneg_read);
    assert_false(c.f.completed); /* the first handshake's Finished no longer count */
    assert_true(c.f.certreq > c.f.reneg);
    const diagnosis *d = fx_diag(s, &anchors);
    assert_int_equal(d->verdict, VERDICT_CLIENT_CERT_MISSING);
    /* no renegotiation_info in this fixture's hellos: legacy */
    assert_true(findings_has(&d->findings, "insecure_renegotiation"));
    assert_false(findings_has(&d->findings, "renegotiation"));
    fx_free(s);

    /* the same without keys: an encrypted alert ends the renegotiation */
    s = fx_renegotiating(21, false);
    fx_step(s, 7, DIR_C2S, STEP_ENCRYPTED_HANDSHAKE);
    fx_step(s, 8, DIR_S2C, STEP_ENCRYPTED_HANDSHAKE);
    fx_step(s, 9, DIR_C2S, STEP_ENCRYPTED_HANDSHAKE);
    fx_step(s, 9, DIR_C2S, STEP_CHANGE_CIPHER_SPEC);
    fx_step(s, 9, DIR_C2S, STEP_FINISHED);
    fx_step(s, 10, DIR_S2C, STEP_ENCRYPTED_ALERT);
    assert_string_equal(deciding_rule(s), "renegotiation_unreadable");
    d = fx_diag(s, &anchors);
    assert_int_equal(d->verdict, VERDICT_ENCRYPTED);
    assert_true(d->failed);
    fx_free(s);

    /* without keys, finished, after a first handshake with a client certificate: the first
     * handshake's authentication stands */
    s = fx_mtls_ok(22);
    fx_step(s, 9, DIR_C2S, STEP_RENEGOTIATION);
    fx_step(s, 10, DIR_S2C, STEP_ENCRYPTED_HANDSHAKE);
    fx_step(s, 11, DIR_C2S, STEP_CHANGE_CIPHER_SPEC);
    fx_step(s, 11, DIR_C2S, STEP_FINISHED);
    fx_step(s, 12, DIR_S2C, STEP_CHANGE_CIPHER_SPEC);
    fx_step(s, 12, DIR_S2C, STEP_FINISHED);
    assert_string_equal(deciding_rule(s), "finished_with_client_cert");
    fx_free(s);
}

/* SSL 2.0: SERVER-HELLO, the client's CLIENT-MASTER-KEY, then encrypted records
 * both ways: inferred, not "aborted" by the closes that follow */
static void test_sslv2_row(void **st)
{
    (void)st;
    session_t *s = fx_session(10);
    s->version = 0x0002;
    s->sh.present = true;
    s->sh.selected_version = 0x0002;
    fx_step(s, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_step(s, 2, DIR_S2C, STEP_SERVER_HELLO);
    fx_cert(s, 2, DIR_S2C, 1);
    fx_step(s, 3, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_step(s, 4, DIR_S2C, STEP_ENCRYPTED_HANDSHAKE);
    assert_string_not_equal(deciding_rule(s), "sslv2_unreadable"); /* the client has not gone on yet */
    fx_step(s, 5, DIR_C2S, STEP_ENCRYPTED_HANDSHAKE);
    fx_step(s, 9, DIR_S2C, STEP_FIN);
    assert_string_equal(deciding_rule(s), "sslv2_unreadable");
    fx_free(s);
}

static void test_alert_rows(void **st)
{
    (void)st;
    /* server alert after the client's certificate */
    session_t *s = fx_session(4);
    fx_tls12_server_flight(s, true);
    fx_cert(s, 5, DIR_C2S, 1);
    fx_step(s, 5, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_alert(s, 6, DIR_S2C, TLS_ALERT_LEVEL_FATAL, TLS_ALERT_UNKNOWN_CA);
    assert_string_equal(deciding_rule(s), "server_alert_after_client_cert");
    fx_free(s);

    /* certificate_required right after the CertificateRequest, before any client flight */
    s = fx_session(5);
    fx_tls12_server_flight(s, true);
    fx_alert(s, 6, DIR_S2C, TLS_ALERT_LEVEL_FATAL, TLS_ALERT_CERTIFICATE_REQUIRED);
    assert_string_equal(deciding_rule(s), "server_alert_after_cert_request");
    fx_free(s);

    /* the client refuses the server's certificate; a negotiation alert there is not that */
    s = fx_session(6);
    fx_tls12_server_flight(s, false);
    step_t *a = fx_alert(s, 6, DIR_C2S, TLS_ALERT_LEVEL_FATAL, TLS_ALERT_UNKNOWN_CA);
    assert_string_equal(deciding_rule(s), "client_alert_after_server_cert");
    a->alert_desc = TLS_ALERT_PROTOCOL_VERSION;
    assert_string_equal(deciding_rule(s), "other_alert");
    fx_free(s);

    /* an alert before any certificate */
    s = fx_session(7);
    fx_step(s, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_alert(s, 1, DIR_S2C, TLS_ALERT_LEVEL_FATAL, TLS_ALERT_HANDSHAKE_FAILURE);
    assert_string_equal(deciding_rule(s), "alert_before_any_cert");
    fx_free(s);
}

static void test_unfinished_rows(void **st)
{
    (void)st;
    session_t *s = fx_session(8);
    fx_step(s, 0, DIR_C2S, STEP_CLIENT_HELLO);
    assert_string_equal(deciding_rule(s), "capture_stopped");
    fx_step(s, 1, DIR_S2C, STEP_FIN);
    assert_string_equal(deciding_rule(s), "closed_without_alert");
    fx_free(s);

    s = fx_session(9);
    fx_step(s, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_step(s, 1, DIR_S2C, STEP_TCP_GAP);
    assert_string_equal(deciding_rule(s), "lost_bytes_before_decided");
    fx_free(s);

    s = fx_session(10);
    fx_step(s, 0, DIR_S2C, STEP_FIN);
    assert_string_equal(deciding_rule(s), "no_hello_seen");
    fx_free(s);
}

/* mTLS over TLS 1.2 with the client chain as our validation sees it, then
 * the server's answer: an HTTP response line (NULL: none read) and n_records
 * server application-data records, then a close. */
static session_t *finished_then(uint64_t id, bool chain_valid, uint16_t code, const char *http, const char *words,
                                unsigned n_records)
{
    session_t *s = fx_session(id);
    fx_tls12_server_flight(s, true);
    fx_cert(s, 5, DIR_C2S, 1);
    fx_chain(s, DIR_C2S, "mallory", "Rogue CA", chain_valid, chain_valid ? NULL : "untrusted_root");
    fx_step(s, 5, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_step(s, 5, DIR_C2S, STEP_CERTIFICATE_VERIFY);
    s->side[DIR_C2S].cv.present = true;
    FXA(s)->cv[DIR_C2S].result = 1;
    fx_tls12_finish(s, 5);
    fx_step(s, 7, DIR_C2S, STEP_APPLICATION_DATA)->length = 80;
    for (unsigned i = 0; i < n_records; i++)
        fx_step(s, 8, DIR_S2C, STEP_APPLICATION_DATA)->length = 400;
    if (http)
        fx_http(s, 8, DIR_S2C, code, http, words);
    fx_step(s, 9, DIR_S2C, STEP_FIN);
    return s;
}

/* A finished TLS 1.2 handshake with a valid client certificate, then one
 * typed answer of another protocol. */
static session_t *finished_then_app(uint8_t id, app_protocol proto, app_outcome outcome, uint32_t code,
                                    const char *line, const char *message, bool credentials)
{
    session_t *s = finished_then(id, true, 0, NULL, NULL, 1);
    /* the answer before the close */
    step_t fin = s->steps[s->n_steps - 1];
    s->n_steps--;
    fx_app(s, 8, proto, outcome, code, line, message, credentials);
    *fx_step(s, 9, fin.dir, fin.kind) = fin;
    return s;
}

static void test_other_protocols(void **st)
{
    (void)st;
    /* PostgreSQL refuses the identity after the handshake: observed */
    session_t *s = finished_then_app(31, APP_PROTO_POSTGRES, APP_OUTCOME_REFUSED, 0, "ErrorResponse FATAL 28000",
                                     "certificate authentication failed for user \"bob\"", false);
    assert_string_equal(deciding_rule(s), "app_refusal_of_client_cert");
    fx_diag(s, &anchors);
    assert_int_equal(FXD(s)->verdict, VERDICT_CLIENT_CERT_REJECTED);
    assert_int_equal(FXD(s)->evidence, EVIDENCE_OBSERVED);
    assert_non_null(strstr(FXD(s)->explanation, "PostgreSQL ErrorResponse FATAL 28000"));
    fx_free(s);
    /* ... but after a password the server did not prove right, the refusal
     * may be about the password: mtls_ok, with an app_refused finding */
    s = finished_then_app(32, APP_PROTO_REDIS, APP_OUTCOME_REFUSED, 0, "-WRONGPASS invalid username-password pair",
                          NULL, true);
    assert_string_equal(deciding_rule(s), "finished_with_client_cert");
    fx_diag(s, &anchors);
    assert_true(findings_has(&FXD(s)->findings, "app_refused"));
    fx_free(s);
    /* an accepted login and an error that is not about the client stay mtls_ok */
    s = finished_then_app(33, APP_PROTO_MQTT, APP_OUTCOME_ACCEPTED, 0, "CONNACK 0", NULL, false);
    assert_string_equal(deciding_rule(s), "finished_with_client_cert");
    fx_free(s);
    s = finished_then_app(34, APP_PROTO_MYSQL, APP_OUTCOME_ERROR, 1049, "ERR_Packet 1049", "Unknown database", false);
    assert_string_equal(deciding_rule(s), "finished_with_client_cert");
    fx_free(s);
}

static void test_application_layer_rows(void **st)
{
    (void)st;
    /* nginx's 400 page naming the certificate: observed refusal */
    session_t *s = finished_then(11, false, 400, "HTTP/1.1 400 Bad Request", "The SSL certificate error", 1);
    assert_string_equal(deciding_rule(s), "app_refusal_of_client_cert");
    fx_diag(s, &anchors);
    assert_int_equal(FXD(s)->verdict, VERDICT_CLIENT_CERT_REJECTED);
    assert_int_equal(FXD(s)->evidence, EVIDENCE_OBSERVED);
    assert_true(FXD(s)->failed);
    assert_non_null(strstr(FXD(s)->explanation, "HTTP 400 \"The SSL certificate error\""));
    fx_free(s);

    /* a 403 for a certificate our validation rejects: observed refusal */
    s = finished_then(12, false, 403, "HTTP/1.1 403 Forbidden", NULL, 1);
    assert_string_equal(deciding_rule(s), "app_refusal_of_client_cert");
    fx_free(s);

    /* a 403 for a valid certificate refuses this identity (an allow-list of
     * subjects); a 404 is an error, not about the client; a 200 stays mtls_ok */
    s = finished_then(13, true, 403, "HTTP/1.1 403 Forbidden", NULL, 1);
    assert_string_equal(deciding_rule(s), "app_refusal_of_client_cert");
    fx_free(s);
    s = finished_then(13, true, 404, "HTTP/1.1 404 Not Found", NULL, 1);
    assert_string_equal(deciding_rule(s), "finished_with_client_cert");
    fx_free(s);
    s = finished_then(14, false, 200, "HTTP/1.1 200 OK", NULL, 1);
    assert_string_equal(deciding_rule(s), "finished_with_client_cert");
    fx_free(s);

    /* no keys: an invalid chain, one short answer and a close: inferred refusal */
    s = finished_then(15, false, 0, NULL, NULL, 1);
    assert_string_equal(deciding_rule(s), "quiet_refusal_of_invalid_client_cert");
    fx_diag(s, &anchors);
    assert_int_equal(FXD(s)->evidence, EVIDENCE_INFERRED);
    assert_non_null(FXD(s)->confirm);
    assert_true(FXD(s)->failed);
    /* ... not when the anchors are only the system store's guess */
    diag_ctx c;
    diag_ctx_init(&c, s, FXA(s), NULL);
    assert_string_equal(diag_first_rule(&c)->name, "finished_with_client_cert");
    fx_free(s);
    /* ... but a long exchange is not a refusal */
    s = finished_then(16, false, 0, NULL, NULL, 3);
    assert_string_equal(deciding_rule(s), "finished_with_client_cert");
    fx_free(s);
}

/* TLS 1.3 without keys: ClientHello, ServerHello, the server's encrypted flight. */
static session_t *tls13_server_flight(uint64_t id)
{
    session_t *s = fx_session(id);
    s->version = 0x0304;
    s->tls13 = true;
    s->sh.present = true;
    s->sh.selected_version = 0x0304;
    s->sh.cipher = 0x1302;
    fx_step(s, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_step(s, 2, DIR_S2C, STEP_SERVER_HELLO);
    step_t *fl = fx_step(s, 2, DIR_S2C, STEP_ENCRYPTED_HANDSHAKE);
    fl->count = 5;
    fl->length = 2366;
    return s;
}

static void test_tls13_plaintext_evidence(void **st)
{
    (void)st;
    /* the client refuses the server's flight with a plaintext alert */
    session_t *s = tls13_server_flight(21);
    fx_alert(s, 4, DIR_C2S, TLS_ALERT_LEVEL_FATAL, TLS_ALERT_UNKNOWN_CA);
    fx_step(s, 4, DIR_C2S, STEP_FIN);
    assert_string_equal(deciding_rule(s), "client_plain_alert_after_server_flight");
    fx_diag(s, &anchors);
    assert_int_equal(FXD(s)->verdict, VERDICT_SERVER_CERT_REJECTED);
    assert_int_equal(FXD(s)->evidence, EVIDENCE_OBSERVED);
    assert_true(FXD(s)->failed);
    fx_free(s);

    /* pre_shared_key in the plaintext ServerHello: resumed, keys or not */
    s = tls13_server_flight(22);
    s->sh.psk_selected = true;
    fx_step(s, 3, DIR_C2S, STEP_ENCRYPTED_HANDSHAKE)->count = 1;
    fx_step(s, 4, DIR_S2C, STEP_APPLICATION_DATA);
    fx_step(s, 5, DIR_C2S, STEP_FIN);
    assert_string_equal(deciding_rule(s), "abbreviated_handshake");
    fx_free(s);
}

/* Keys for the server's flight only (a key log without the client's
 * secrets): it shows no CertificateRequest, so a 25-byte client record is not
 * an "empty Certificate" (issue: 0-RTT key log without the early secret). */
static void test_sizes_never_contradict_decrypted_messages(void **st)
{
    (void)st;
    session_t *s = tls13_server_flight(41);
    s->steps[s->n_steps - 1].kind = STEP_CERTIFICATE; /* the server's flight was read */
    s->steps[s->n_steps - 1].dir = DIR_S2C;
    s->steps[s->n_steps - 1].count = 1;
    s->sealed = calloc(SESSION_MAX_SEALED_RECORDS, sizeof(*s->sealed));
    assert_non_null(s->sealed);
    fx_step(s, 3, DIR_C2S, STEP_ENCRYPTED_HANDSHAKE)->count = 2;
    s->sealed[s->n_sealed++] = (sealed_record){DIR_S2C, 69, 2};
    s->sealed[s->n_sealed++] = (sealed_record){DIR_C2S, 25, 3};
    s->sealed[s->n_sealed++] = (sealed_record){DIR_C2S, 69, 3};
    fx_step(s, 4, DIR_S2C, STEP_FIN);
    diag_ctx c;
    diag_ctx_init(&c, s, FXA(s), &anchors);
    assert_int_not_equal(c.t13.client_cert, T13_CERT_EMPTY);
    assert_string_not_equal(diag_first_rule(&c)->name, "tls13_empty_client_certificate");
    fx_free(s);
}

static void test_malformed_hello_is_never_established(void **st)
{
    (void)st;
    session_t *s = fx_session(31);
    fx_tls12_server_flight(s, false);
    s->sh.present = false; /* the ServerHello step is there, its body did not parse */
    fx_step(s, 2, DIR_S2C, STEP_MALFORMED)->detail = strdup("ServerHello: short");
    s->malformed = true;
    fx_step(s, 5, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_tls12_finish(s, 5);
    fx_step(s, 7, DIR_C2S, STEP_APPLICATION_DATA);
    fx_step(s, 8, DIR_S2C, STEP_APPLICATION_DATA);
    assert_string_equal(deciding_rule(s), "bytes_do_not_parse");
    fx_diag(s, &anchors);
    assert_int_equal(FXD(s)->verdict, VERDICT_MALFORMED);
    assert_false(FXD(s)->established);
    assert_true(FXD(s)->failed);
    fx_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_shape),
        cmocka_unit_test(test_finished_rows),
        cmocka_unit_test(test_alert_rows),
        cmocka_unit_test(test_sslv2_row),
        cmocka_unit_test(test_unfinished_rows),
        cmocka_unit_test(test_application_layer_rows),
        cmocka_unit_test(test_other_protocols),
        cmocka_unit_test(test_tls13_plaintext_evidence),
        cmocka_unit_test(test_sizes_never_contradict_decrypted_messages),
        cmocka_unit_test(test_malformed_hello_is_never_established),
        cmocka_unit_test(test_renegotiation_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
