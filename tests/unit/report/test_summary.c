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
    assert_int_equal(summary_write_text(f, sm, false, 0), 0);
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
    assert_int_equal(summary_write_text(f, sm, false, 0), 0);
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

/* A CA certificate (not self-signed) sent after the leaf of r. */
static void add_intermediate(chain_report *r, const char *cn)
{
    cert_info *p = realloc(r->certs, 2 * sizeof(*p));
    assert_non_null(p);
    r->certs = p;
    cert_info *ci = &r->certs[1];
    memset(ci, 0, sizeof(*ci));
    char buf[128];
    snprintf(buf, sizeof buf, "CN=%s,O=Example", cn);
    ci->subject = strdup(buf);
    ci->issuer = strdup("CN=Example Root CA,O=Example");
    memset(ci->sha256, 'c', 64);
    ci->is_ca = 1;
    ci->path_len = -1;
    r->n_certs = 2;
}

static session_t *full_handshake(uint64_t id, uint8_t sid)
{
    session_t *s = fx_mtls_ok(id);
    s->sh.present = true;
    s->sh.session_id_len = 4;
    memset(s->sh.session_id, sid, 4);
    fx_diag(s, NULL);
    return s;
}

/* The links the summary gathers, read through the view in printed order
 * (summary_set_capture orders them), and both renderings of them. */
static void test_links_view(void **st)
{
    (void)st;
    summary *sm = summary_new(0);
    assert_non_null(sm);
    /* #1 sends CN=Inter; #4 and #2 lack it (given in that order); #3 resumes #1's
     * session; #5 resumes a session not in the capture */
    session_t *a = full_handshake(1, 0xaa);
    add_intermediate((chain_report *)FXA(a)->chain[DIR_S2C], "Inter");
    session_t *lack[2];
    for (int i = 0; i < 2; i++) {
        lack[i] = fx_mtls_ok(i ? 2 : 4);
        fx_chain(lack[i], DIR_S2C, "api.example.test", "Inter", false, "missing_intermediate");
        fx_diag(lack[i], NULL);
    }
    session_t *r = full_handshake(3, 0xaa), *lost = full_handshake(5, 0xbb);
    r->resumed = lost->resumed = true; /* the wire evidence ... */
    FXD(r)->resumed = FXD(lost)->resumed = true; /* ... and what diagnosis decided from it */
    session_t *all[] = {lack[0], a, r, lack[1], lost};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(summary_add(sm, fx_view(all[i])), 0);

    const summary_links *l = summary_links_of(sm);
    assert_int_equal(summary_links_n_intermediates(l), 0); /* not ordered yet */
    summary_capture cap = {.packets = 10, .end_ts_us = 1714564800000000ull};
    summary_set_capture(sm, &cap);
    assert_true(summary_links_complete(l));
    assert_false(summary_links_capped(l));
    assert_int_equal(summary_links_n_intermediates(l), 1);
    link_intermediate it = summary_links_intermediate(l, 0);
    assert_string_equal(it.subject, "CN=Inter,O=Example");
    assert_true(it.lacked_by_server);
    assert_int_equal(it.sent_on->n, 1);
    assert_int_equal(it.sent_on->v[0], 1);
    assert_int_equal(it.lacked_on->n, 2);
    assert_int_equal(it.lacked_on->total, 2);
    assert_int_equal(it.lacked_on->v[0], 2); /* ascending whatever the order of arrival */
    assert_int_equal(it.lacked_on->v[1], 4);
    size_t n_res = 0;
    const link_resumption *res = summary_links_resumptions(l, &n_res);
    assert_int_equal(n_res, 2);
    assert_int_equal(res[0].id, 3);
    assert_int_equal(res[0].from, 1);
    assert_int_equal(res[1].id, 5);
    assert_int_equal(res[1].from, 0);
    assert_non_null(summary_capture_info(sm));
    assert_int_equal(summary_capture_info(sm)->packets, 10);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(summary_write_text(f, sm, false, 0), 0);
    fclose(f);
    assert_non_null(strstr(buf, "  - \"CN=Inter,O=Example\" (sha256 cccccccccccccccc...) was sent on #1; "
                                "the server chains of #2, #4 lacked it"));
    assert_non_null(strstr(buf, "Resumptions: #3 resumed #1, #5 (full handshake not in this capture)\n"));
    free(buf);
    char *jtxt = summary_json(sm);
    assert_non_null(jtxt);
    assert_non_null(strstr(jtxt, "\"@timestamp\":\"2024-05-01T12:00:00.000000Z\""));
    assert_non_null(strstr(jtxt, "\"intermediates_elsewhere\":[{\"subject\":\"CN=Inter,O=Example\",\"sha256\":\"CCCC"));
    assert_non_null(strstr(jtxt, "\"sent_on\":[1],\"sent_on_count\":1,\"lacked_by\":\"server\",\"lacked_on\":[2,4],"
                                 "\"lacked_on_count\":2}],\"resumptions\":[{\"connection\":3,\"resumed_from\":1},"
                                 "{\"connection\":5}],\"links_capped\":false}"));
    cJSON_free(jtxt);
    for (size_t i = 0; i < 5; i++)
        fx_free(all[i]);
    summary_free(sm);
}

/* Past the handshake cap the links keep the handshakes of the lowest ids,
 * whatever order they arrive in: 10 handshakes (full ones with session IDs,
 * each resumed by the next) in three orders into links that keep 6: the same
 * resumptions, and capped. */
static void test_links_handshake_cap(void **st)
{
    (void)st;
    session_t *hs[10];
    for (int i = 0; i < 10; i++) {
        hs[i] = full_handshake((uint64_t)i + 1, (uint8_t)(0x10 + i / 2));
        if (i % 2) {
            hs[i]->resumed = true;
            FXD(hs[i])->resumed = true;
        }
    }
    static const int orders[3][10] = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, {5, 9, 0, 7, 2, 8, 1, 4, 6, 3}};
    for (int o = 0; o < 3; o++) {
        summary_links *l = summary_links_new(6);
        assert_non_null(l);
        for (int i = 0; i < 10; i++)
            assert_int_equal(summary_links_add(l, fx_view(hs[orders[o][i]])), 0);
        assert_int_equal(summary_links_finish(l), 0);
        assert_true(summary_links_capped(l));
        assert_true(summary_links_capped_handshakes(l));
        assert_false(summary_links_capped_entries(l));
        size_t n = 0;
        const link_resumption *res = summary_links_resumptions(l, &n);
        assert_int_equal(n, 3); /* #2, #4, #6 of the kept ids 1..6 */
        for (size_t k = 0; k < n; k++) {
            assert_int_equal(res[k].id, 2 * k + 2);
            assert_int_equal(res[k].from, 2 * k + 1);
        }
        summary_links_free(l);
    }
    for (int i = 0; i < 10; i++)
        fx_free(hs[i]);
}

/* The inventory: six connections of one certificate from three client
 * addresses to two servers, added to one summary in any order (--threads
 * workers add to one summary as their connections end): the same triples,
 * servers and clients, in the same order; a TLS 1.3 flight without keys is
 * counted as hidden. */
static session_t *from_client(session_t *s, uint8_t client_octet, uint8_t server_octet, unsigned shift_ms)
{
    s->client.addr[3] = client_octet;
    return with_server(s, server_octet, "a.test", shift_ms);
}

/* The connections from all[split] on first (reversed when reverse), then
 * those before split. */
static char *inventory_of(session_t **all, size_t n, size_t split, bool reverse)
{
    summary *sm = summary_new(0);
    assert_non_null(sm);
    for (size_t k = 0; k < n; k++) {
        size_t i = (split + k) % n;
        if (reverse)
            i = n - 1 - i;
        assert_int_equal(summary_add(sm, fx_view(all[i])), 0);
    }
    summary_capture cap = {0};
    summary_set_capture(sm, &cap);
    char *j = summary_json(sm);
    assert_non_null(j);
    summary_free(sm);
    return j;
}

static void test_inventory(void **st)
{
    (void)st;
    session_t *all[] = {
        from_client(fx_mtls_ok(1), 9, 20, 0),  from_client(fx_mtls_ok(2), 7, 20, 100),
        from_client(fx_mtls_ok(3), 9, 21, 200), from_client(fx_mtls_ok(4), 8, 20, 300),
        from_client(fx_mtls_ok(5), 9, 20, 400), from_client(fx_mtls_ok(6), 7, 21, 500),
    };
    const size_t n = sizeof(all) / sizeof(all[0]);
    char *whole = inventory_of(all, n, 0, false);
    cJSON *j = cJSON_Parse(whole);
    cJSON *cert = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "client_certificates"), 0);
    cJSON *uses = cJSON_GetObjectItem(cert, "uses");
    assert_int_equal(cJSON_GetArraySize(uses), 5); /* (9,20) twice */
    cJSON *u0 = cJSON_GetArrayItem(uses, 0);       /* by server, then client address */
    assert_string_equal(cJSON_GetObjectItem(u0, "server_ip")->valuestring, "198.51.100.20");
    assert_string_equal(cJSON_GetObjectItem(u0, "client_ip")->valuestring, "192.0.2.7");
    cJSON *u2 = cJSON_GetArrayItem(uses, 2);
    assert_string_equal(cJSON_GetObjectItem(u2, "client_ip")->valuestring, "192.0.2.9");
    assert_int_equal(cJSON_GetObjectItem(u2, "handshakes")->valueint, 2);
    cJSON *sv = cJSON_GetObjectItem(cert, "server_endpoints");
    assert_int_equal(cJSON_GetArraySize(sv), 2);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(sv, 0), "handshakes")->valueint, 4);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(sv, 1), "handshakes")->valueint, 2);
    cJSON *cl = cJSON_GetObjectItem(cert, "client_addresses");
    assert_int_equal(cJSON_GetArraySize(cl), 3);
    const char *ips[] = {"192.0.2.7", "192.0.2.8", "192.0.2.9"};
    const int hs[] = {2, 1, 3};
    for (int i = 0; i < 3; i++) {
        assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cl, i), "ip")->valuestring, ips[i]);
        assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cl, i), "handshakes")->valueint, hs[i]);
    }
    assert_int_equal(cJSON_GetObjectItem(j, "hidden_client_certificates")->valueint, 0);
    cJSON_Delete(j);
    for (size_t split = 0; split < n; split++) {
        for (int rev = 0; rev < 2; rev++) {
            char *m = inventory_of(all, n, split, rev);
            /* the same document but for @timestamp (the time of the report when nothing was read) */
            assert_string_equal(strstr(m, "\"type\""), strstr(whole, "\"type\""));
            cJSON_free(m);
        }
    }
    cJSON_free(whole);
    for (size_t i = 0; i < n; i++)
        fx_free(all[i]);

    /* a TLS 1.3 client flight read without keys: its certificate is hidden */
    session_t *h = fx_session(7);
    fx_step(h, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_step(h, 1, DIR_S2C, STEP_SERVER_HELLO);
    fx_step(h, 2, DIR_S2C, STEP_ENCRYPTED_HANDSHAKE);
    fx_step(h, 3, DIR_C2S, STEP_ENCRYPTED_HANDSHAKE);
    fx_diag(h, NULL);
    summary *sm = summary_new(0);
    assert_int_equal(summary_add(sm, fx_view(h)), 0);
    assert_int_equal(summary_hidden_client_certs(sm), 1);
    assert_int_equal(summary_distinct_certs(sm), 0);
    summary_free(sm);
    fx_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_audit),
        cmocka_unit_test(test_cap_and_hostile),
        cmocka_unit_test(test_many_distinct),
        cmocka_unit_test(test_links_view),
        cmocka_unit_test(test_links_handshake_cap),
        cmocka_unit_test(test_inventory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
