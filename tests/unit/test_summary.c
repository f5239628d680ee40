/* test_summary.c — counts per verdict and the audit table of distinct
 * client certificates, text and JSON, with the cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "diagnose.h"
#include "session.h"
#include "summary.h"

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

static session_t *with_server(session_t *s, uint8_t last_octet, const char *sni, unsigned shift_ms)
{
    s->server.addr[3] = last_octet;
    free(s->ch.sni);
    s->ch.sni = sni ? strdup(sni) : NULL;
    for (size_t i = 0; i < s->n_steps; i++)
        s->steps[i].ts_us += (uint64_t)shift_ms * 1000u;
    s->first_ts_us += (uint64_t)shift_ms * 1000u;
    s->last_ts_us += (uint64_t)shift_ms * 1000u;
    diag_run(s, NULL);
    return s;
}

static void test_counts_and_audit(void **st)
{
    (void)st;
    summary *sm = summary_new(0);
    assert_non_null(sm);
    session_t *a = with_server(fx_mtls_ok(1), 20, "a.test", 0);
    session_t *b = with_server(fx_mtls_ok(2), 21, "b.test", 5000);
    session_t *c = with_server(fx_mtls_ok(3), 20, "a.test", 9000); /* same server again */
    session_t *d = fx_session(4);
    fx_step(d, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_alert(d, 1, DIR_S2C, 2, 70);
    diag_run(d, NULL);
    session_t *e = fx_mtls_ok(5);
    fx_chain(e, DIR_C2S, "eve", "Example Root CA", false, NULL);
    diag_run(e, NULL);
    session_t *all[] = {a, b, c, d, e};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(summary_add(sm, all[i]), 0);
    assert_int_equal(summary_connections(sm), 5);
    assert_int_equal(summary_failed(sm), 1);
    assert_int_equal(summary_verdict_count(sm, VERDICT_MTLS_OK), 4);
    assert_int_equal(summary_verdict_count(sm, VERDICT_NEGOTIATION_FAILED), 1);
    assert_int_equal(summary_distinct_certs(sm), 2);
    assert_false(summary_capped(sm));

    cJSON *j = summary_json(sm);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "type")->valuestring, "summary");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "counts"), "mtls_ok")->valueint, 4);
    cJSON *rows = cJSON_GetObjectItem(j, "client_certificates");
    assert_int_equal(cJSON_GetArraySize(rows), 2);
    cJSON *alice = cJSON_GetArrayItem(rows, 0);
    assert_string_equal(cJSON_GetObjectItem(alice, "subject")->valuestring, "CN=alice,O=Example");
    assert_int_equal(cJSON_GetObjectItem(alice, "handshakes")->valueint, 3);
    cJSON *servers = cJSON_GetObjectItem(alice, "servers");
    assert_int_equal(cJSON_GetArraySize(servers), 2);
    assert_string_equal(cJSON_GetArrayItem(servers, 0)->valuestring, "198.51.100.20:443 a.test");
    assert_string_equal(cJSON_GetArrayItem(servers, 1)->valuestring, "198.51.100.21:443 b.test");
    assert_string_equal(cJSON_GetObjectItem(alice, "first_seen")->valuestring, "2024-05-01T12:00:00.000000Z");
    assert_string_equal(cJSON_GetObjectItem(alice, "last_seen")->valuestring, "2024-05-01T12:00:09.008000Z");
    cJSON *eve = cJSON_GetArrayItem(rows, 1);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(eve, "valid")));
    assert_string_equal(cJSON_GetObjectItem(eve, "status")->valuestring,
                        "The issuer of this certificate is not among the trusted CAs.");
    cJSON_Delete(j);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(summary_write_text(f, sm, NULL), 0);
    fclose(f);
    assert_non_null(strstr(buf, "Summary: 5 connections, 1 failed\n"));
    assert_non_null(strstr(buf, "  mtls_ok                4\n"));
    assert_non_null(strstr(buf, "Client certificates (2 distinct):\n"));
    assert_non_null(strstr(buf, "handshakes: 3 (0 failed)"));
    assert_non_null(strstr(buf, "servers: 198.51.100.20:443 a.test, 198.51.100.21:443 b.test\n"));
    free(buf);
    for (size_t i = 0; i < 5; i++)
        session_free(all[i]);
    summary_free(sm);
}

static void test_cap_and_hostile(void **st)
{
    (void)st;
    summary *sm = summary_new(1);
    session_t *a = with_server(fx_mtls_ok(1), 20, "x\x1b[2Jy", 0);
    session_t *b = fx_mtls_ok(2);
    fx_chain(b, DIR_C2S, "zed", "Example Root CA", true, NULL);
    diag_run(b, NULL);
    assert_int_equal(summary_add(sm, a), 0);
    assert_int_equal(summary_add(sm, b), 0);
    assert_int_equal(summary_connections(sm), 2);
    assert_int_equal(summary_distinct_certs(sm), 1);
    assert_true(summary_capped(sm));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(summary_write_text(f, sm, NULL), 0);
    assert_int_equal(summary_write_json(f, sm), 0);
    fclose(f);
    assert_non_null(strstr(buf, "cap reached"));
    assert_non_null(strstr(buf, "x\\x1b[2Jy"));       /* text: escaped */
    assert_non_null(strstr(buf, "\"client_certificates_capped\":true"));
    assert_non_null(strstr(buf, "x\\u001b[2Jy"));     /* JSON: cJSON escape */
    free(buf);
    session_free(a);
    session_free(b);
    summary_free(sm);
    summary_free(NULL);
}

static void test_many_distinct(void **st)
{
    (void)st;
    summary *sm = summary_new(0);
    session_t *s = fx_mtls_ok(1);
    diag_run(s, NULL);
    char cn[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(cn, sizeof cn, "client-%d", i);
        fx_chain(s, DIR_C2S, cn, "Example Root CA", true, NULL);
        snprintf(s->side[DIR_C2S].chain->certs[0].sha256, 65, "%064x", i);
        assert_int_equal(summary_add(sm, s), 0);
        assert_int_equal(summary_add(sm, s), 0); /* second time: same row */
    }
    assert_int_equal(summary_distinct_certs(sm), 3000);
    assert_int_equal(summary_connections(sm), 6000);
    session_free(s);
    summary_free(sm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_audit),
        cmocka_unit_test(test_cap_and_hostile),
        cmocka_unit_test(test_many_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
