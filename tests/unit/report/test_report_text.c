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

#include "session_fixture.h"

static char *render(session_t *s, const rtext_options *opt)
{
    fx_diag(s, NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(rtext_session(f, fx_view(s), opt), 0);
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
    fx_http(s, 7, DIR_S2C, 400, "HTTP/1.1 400 \xe2\x80\xae\x1b[2J", "\x1b[2J\" ,");
    return s;
}

static void test_block_structure(void **st)
{
    (void)st;
    session_t *s = fx_mtls_ok(12);
    char *o = render(s, NULL);
    assert_contains(o, "#12 192.0.2.10:50000 -> 198.51.100.20:443 SNI=api.example.test TLS 1.2 "
                       "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n");
    assert_contains(o, "  1     0.000 ms  C->S  ClientHello SNI=api.example.test\n");
    assert_contains(o, " 7     5.000 ms  C->S  Certificate (1 cert: CN=alice)\n");
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
    fx_free(s);
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
    fx_free(s);
}

static void test_quiet_and_verbose(void **st)
{
    (void)st;
    session_t *s = fx_hostile();
    rtext_options q = {.quiet = true};
    char *o = render(s, &q);
    assert_int_equal(strchr(o, '\n') - o + 1, (long)strlen(o)); /* one line */
    assert_contains(o, "#3 192.0.2.10:50000 -> 198.51.100.20:443 SNI=evil\\x1b]0;pwned\\x07");
    /* the short cause: the alert and who sent it, then the first error finding */
    assert_contains(o, " client_cert_missing: server sent alert certificate_required; app_refused [S->C step 10]\n");
    free(o);
    fx_free(s);

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
    fx_free(s);
}

static void test_write_error(void **st)
{
    (void)st;
    session_t *s = fx_mtls_ok(5);
    fx_diag(s, NULL);
    FILE *f = fopen("/dev/full", "w");
    if (!f) {
        fx_free(s);
        skip();
    }
    setvbuf(f, NULL, _IONBF, 0);
    assert_int_equal(rtext_session(f, fx_view(s), NULL), -1);
    fclose(f);
    fx_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_block_structure),
        cmocka_unit_test(test_hostile_strings_escaped),
        cmocka_unit_test(test_quiet_and_verbose),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
