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
#include "summary_json.h"
#include "summary_text.h"

#include "session_fixture.h"

static session_t *with_server(session_t *s, uint8_t last_octet, const char *sni, unsigned shift_ms)
{
    s->server.addr[3] = last_octet;
    free(s->ch.sni);
    s->ch.sni = sni ? strdup(sni) : NULL;
    for (size_t i = 0; i < s->n_steps; i++)
        s->steps[i].ts_us += (uint64_t)shift_ms * 1000u;
    s->first_ts_us += (uint64_t)shift_ms * 1000u;
    s->last_ts_us += (uint64_t)shift_ms * 1000u;
    fx_diag(s, NULL);
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
    fx_diag(d, NULL);
    session_t *e = fx_mtls_ok(5);
    fx_chain(e, DIR_C2S, "eve", "Example Root CA", false, NULL);
    fx_diag(e, NULL);
    session_t *all[] = {a, b, c, d, e};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(summary_add(sm, fx_view(all[i])), 0);
    assert_int_equal(summary_connections(sm), 5);
    assert_int_equal(summary_failed(sm), 1);
    assert_int_equal(summary_verdict_count(sm, VERDICT_MTLS_OK), 4);
    assert_int_equal(summary_verdict_count(sm, VERDICT_NEGOTIATION_FAILED), 1);
    assert_int_equal(summary_distinct_certs(sm), 2);
    assert_false(summary_capped(sm));

    char *jtxt = summary_json(sm);
    assert_non_null(jtxt);
    cJSON *j = cJSON_Parse(jtxt);
    cJSON_free(jtxt);
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
    assert_int_equal(summary_write_text(f, sm, false), 0);
    fclose(f);
    assert_non_null(strstr(buf, "Summary: 5 connections, 1 failed\n"));
    assert_non_null(strstr(buf, "  mtls_ok                4\n"));
    assert_non_null(strstr(buf, "Client certificates (2 distinct):\n"));
    assert_non_null(strstr(buf, "handshakes: 3 (0 failed)"));
    assert_non_null(strstr(buf, "servers: 198.51.100.20:443 a.test, 198.51.100.21:443 b.test\n"));
    free(buf);
    for (size_t i = 0; i < 5; i++)
        fx_free(all[i]);
    summary_free(sm);
}

static void test_cap_and_hostile(void **st)
{
    (void)st;
    summary *sm = summary_new(1);
    session_t *a = with_server(fx_mtls_ok(1), 20, "x\x1b[2Jy", 0);
    session_t *b = fx_mtls_ok(2);
    fx_chain(b, DIR_C2S, "zed", "Example Root CA", true, NULL);
    fx_diag(b, NULL);
    assert_int_equal(summary_add(sm, fx_view(a)), 0);
    assert_int_equal(summary_add(sm, fx_view(b)), 0);
    assert_int_equal(summary_connections(sm), 2);
    assert_int_equal(summary_distinct_certs(sm), 1);
    assert_true(summary_capped(sm));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(summary_write_text(f, sm, false), 0);
    assert_int_equal(summary_write_json(f, sm), 0);
    fclose(f);
    assert_non_null(strstr(buf, "cap reached"));
    assert_non_null(strstr(buf, "x\\x1b[2Jy"));       /* text: escaped */
    assert_non_null(strstr(buf, "\"client_certificates_capped\":true"));
    assert_non_null(strstr(buf, "x\\u001b[2Jy"));     /* JSON: cJSON escape */
    free(buf);
    fx_free(a);
    fx_free(b);
    summary_free(sm);
    summary_free(NULL);
}

static void test_many_distinct(void **st)
{
    (void)st;
    summary *sm = summary_new(0);
    session_t *s = fx_mtls_ok(1);
    fx_diag(s, NULL);
    char cn[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(cn, sizeof cn, "client-%d", i);
        fx_chain(s, DIR_C2S, cn, "Example Root CA", true, NULL);
        snprintf(FXA(s)->chain[DIR_C2S]->certs[0].sha256, 65, "%064x", i);
        assert_int_equal(summary_add(sm, fx_view(s)), 0);
        assert_int_equal(summary_add(sm, fx_view(s)), 0); /* second time: same row */
    }
    assert_int_equal(summary_distinct_certs(sm), 3000);
    assert_int_equal(summary_connections(sm), 6000);
    fx_free(s);
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
