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

static const char *deciding_rule(const session_t *s)
{
    diag_ctx c;
    diag_ctx_init(&c, s, FXA(s), NULL);
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

    session_t *s = fx_session(3);
    fx_tls12_server_flight(s, false);
    fx_step(s, 5, DIR_C2S, STEP_CLIENT_KEY_EXCHANGE);
    fx_tls12_finish(s, 5);
    assert_string_equal(deciding_rule(s), "finished");
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_shape),
        cmocka_unit_test(test_finished_rows),
        cmocka_unit_test(test_alert_rows),
        cmocka_unit_test(test_unfinished_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
