/* test_report_json.c — NDJSON objects parsed back with cJSON, checked field
 * by field, and validated against docs/json-schema.json with
 * tests/e2e/validate_json.py (skipped with a message without jsonschema). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "diagnose.h"
#include "escape.h"
#include "fixtures/utf8_check.h"
#include "fmt_time.h"
#include "report_json.h"
#include "session.h"
#include "summary.h"
#include "summary_json.h"

#include "session_fixture.h"

static cJSON *path(cJSON *o, const char *p)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", p);
    for (char *tok = strtok(buf, "."); tok && o; tok = strtok(NULL, "."))
        o = cJSON_GetObjectItemCaseSensitive(o, tok);
    return o;
}

static const char *pstr(cJSON *o, const char *p)
{
    cJSON *it = path(o, p);
    if (!cJSON_IsString(it))
        fail_msg("%s is not a string", p);
    return it->valuestring;
}

/* Write s as one NDJSON line into f (with opt, which may be NULL) and parse
 * that line back. */
static cJSON *roundtrip_opt(FILE *f, session_t *s, const rjson_options *opt)
{
    fx_diag(s, NULL);
    long start = ftell(f);
    assert_int_equal(rjson_session(f, fx_view(s), opt, NULL), 0);
    long end = ftell(f);
    assert_true(end > start);
    char *line = calloc(1, (size_t)(end - start) + 1);
    assert_non_null(line);
    fseek(f, start, SEEK_SET);
    assert_int_equal(fread(line, 1, (size_t)(end - start), f), (size_t)(end - start));
    fseek(f, end, SEEK_SET);
    /* exactly one line, terminated by '\n', valid UTF-8 */
    assert_int_equal(line[end - start - 1], '\n');
    assert_null(memchr(line, '\n', (size_t)(end - start - 1)));
    assert_true(utf8_check(line, (size_t)(end - start)));
    cJSON *o = cJSON_Parse(line);
    free(line);
    assert_non_null(o);
    return o;
}

static cJSON *roundtrip(FILE *f, session_t *s) { return roundtrip_opt(f, s, NULL); }

static char out_path[512];

static FILE *open_out(void)
{
    const char *bin = getenv("MTLS_BINARY_DIR");
    snprintf(out_path, sizeof out_path, "%s/test_report_json.ndjson", bin ? bin : "/tmp");
    FILE *f = fopen(out_path, "w+");
    assert_non_null(f);
    return f;
}

/* 0 valid, 1 invalid, 77 skipped. */
static int validate(const char *file)
{
    const char *src = getenv("MTLS_SOURCE_DIR");
    if (!src)
        src = ".";
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "python3 '%s/tests/e2e/validate_json.py' '%s' 1>&2", src, file);
    int rc = system(cmd);
    if (rc == -1 || !WIFEXITED(rc))
        return -1;
    return WEXITSTATUS(rc);
}

static void test_mtls_ok_fields(void **st)
{
    (void)st;
    FILE *f = open_out();
    session_t *s = fx_mtls_ok(42);
    uint16_t ciphers[] = {0x1301, 0xc02f, 0x0a0a};
    assert_int_equal(u16_list_set(&s->ch.ciphers, ciphers, 3), 0);
    memcpy(s->ch.ja3_md5, "0123456789abcdef0123456789abcdef", 33);
    s->sh.alpn = strdup("h2");
    cJSON *o = roundtrip(f, s);
    assert_string_equal(pstr(o, "schema_version"), "3.1");
    assert_string_equal(pstr(o, "type"), "connection");
    assert_string_equal(pstr(o, "event.module"), "mtlsdump");
    assert_string_equal(pstr(o, "event.dataset"), "mtlsdump.connection");
    assert_string_equal(pstr(o, "event.action"), pstr(o, "mtls.verdict"));
    assert_null(path(o, "event.reason")); /* a failure's only */
    assert_null(path(o, "observer"));     /* a live capture's only */
    assert_string_equal(pstr(o, "@timestamp"), "2024-05-01T12:00:00.000000Z");
    assert_string_equal(pstr(o, "source.ip"), "192.0.2.10");
    assert_int_equal(path(o, "source.port")->valueint, 50000);
    assert_string_equal(pstr(o, "destination.ip"), "198.51.100.20");
    assert_int_equal(path(o, "destination.port")->valueint, 443);
    assert_string_equal(pstr(o, "network.transport"), "tcp");
    assert_string_equal(pstr(o, "tls.version"), "1.2");
    assert_string_equal(pstr(o, "tls.version_protocol"), "tls");
    assert_string_equal(pstr(o, "tls.cipher"), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_true(cJSON_IsTrue(path(o, "tls.established")));
    assert_true(cJSON_IsFalse(path(o, "tls.resumed")));
    assert_string_equal(pstr(o, "tls.next_protocol"), "h2");
    assert_string_equal(pstr(o, "tls.client.server_name"), "api.example.test");
    assert_string_equal(pstr(o, "tls.client.ja3"), "0123456789abcdef0123456789abcdef");
    /* schema 2.0: the offered suites only with -v (test_verbose_fields) */
    assert_null(path(o, "tls.client.supported_ciphers"));
    assert_string_equal(pstr(o, "tls.client.x509.subject.distinguished_name"), "CN=alice,O=Example");
    assert_string_equal(cJSON_GetArrayItem(path(o, "tls.client.x509.subject.common_name"), 0)->valuestring, "alice");
    assert_string_equal(pstr(o, "tls.client.x509.not_after"), "2025-01-01T00:00:00.000000Z");
    assert_int_equal(path(o, "tls.client.x509.public_key_size")->valueint, 256);
    assert_int_equal(strlen(pstr(o, "tls.client.hash.sha256")), 64);
    assert_string_equal(pstr(o, "tls.server.x509.subject.distinguished_name"), "CN=api.example.test,O=Example");
    assert_string_equal(pstr(o, "mtls.verdict"), "mtls_ok");
    /* ClientHello, ServerHello, Certificate, SKE, CertificateRequest, ServerHelloDone,
     * the client's Certificate, CKE, CertificateVerify, CCS, Finished, the server's CCS,
     * Finished, then data both ways */
    assert_string_equal(pstr(o, "mtls.history"), "HhckroCKVXFxfDd");
    assert_string_equal(pstr(o, "mtls.evidence"), "observed");
    /* ECS conventions */
    assert_string_equal(pstr(o, "ecs.version"), "8.11.0");
    assert_string_equal(pstr(o, "network.protocol"), "tls");
    cJSON *cat = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "event"), "category");
    assert_true(cJSON_IsArray(cat));
    assert_string_equal(cJSON_GetArrayItem(cat, 0)->valuestring, "network");
    const char *h = pstr(o, "tls.client.hash.sha256");
    for (const char *p = h; *p; p++)
        assert_false(*p >= 'a' && *p <= 'f');
    assert_string_equal(pstr(o, "client.ip"), pstr(o, "source.ip"));
    cJSON *rh = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "related"), "hash");
    assert_true(cJSON_GetArraySize(rh) >= 1);
    assert_string_equal(pstr(o, "tls.client.x509.signature_algorithm"), "ECDSA-SHA256");
    cJSON *an = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "tls"), "client"), "x509"),
        "alternative_names");
    assert_string_equal(cJSON_GetArrayItem(an, 0)->valuestring, "example.test");
    assert_true(cJSON_IsFalse(path(o, "mtls.failed")));
    assert_int_equal(path(o, "mtls.connection_id")->valueint, 42);
    assert_non_null(strstr(pstr(o, "mtls.explanation"), "alice"));
    cJSON *steps = path(o, "mtls.steps");
    assert_int_equal(cJSON_GetArraySize(steps), (int)s->n_steps);
    cJSON *s0 = cJSON_GetArrayItem(steps, 0);
    assert_string_equal(pstr(s0, "kind"), "client_hello");
    assert_string_equal(pstr(s0, "dir"), "C->S");
    cJSON *s2 = cJSON_GetArrayItem(steps, 2);
    assert_string_equal(pstr(s2, "kind"), "certificate");
    assert_int_equal(path(s2, "count")->valueint, 1);
    assert_true(path(s2, "rel_ms")->valuedouble == 2.0);
    /* schema 2.0: the absolute time of a step only with -v */
    assert_null(path(s2, "t"));
    /* numbers are written by fastfmt: integers plain, rel_ms with three decimals */
    rewind(f);
    char line[16384];
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, "\"rel_ms\":2.000,\"dir\":\"S->C\",\"kind\":\"certificate\",\"count\":1"));
    assert_non_null(strstr(line, "\"duration\":8000000,"));
    assert_non_null(strstr(line, "\"connection_id\":42,"));
    assert_non_null(strstr(line, "\"start\":\"2024-05-01T12:00:00.000000Z\",\"end\":\"2024-05-01T12:00:00.008000Z\""));
    assert_string_equal(cJSON_GetArrayItem(path(o, "mtls.certificate_request.ca_names"), 0)->valuestring,
                        "CN=Example Root CA,O=Example");
    assert_string_equal(pstr(o, "mtls.certificate_verify.client.result"), "verified");
    assert_string_equal(pstr(o, "mtls.certificate_verify.client.scheme"), "ecdsa_secp256r1_sha256");
    assert_true(cJSON_IsTrue(path(o, "mtls.chains.client.valid")));
    assert_string_equal(pstr(cJSON_GetArrayItem(path(o, "mtls.chains.client.certs"), 0), "subject_cn"), "alice");
    cJSON_Delete(o);
    fx_free(s);
    fclose(f);
    int rc = validate(out_path);
    if (rc == 77)
        print_message("skipped schema validation: python3-jsonschema not installed\n");
    else
        assert_int_equal(rc, 0);
}

/* Every verdict's object, a hostile one and the summary all validate. */
static void test_all_verdicts_validate(void **st)
{
    (void)st;
    FILE *f = open_out();
    summary *sm = summary_new(0);
    assert_non_null(sm);
    session_t *list[8];
    size_t n = 0;
    list[n++] = fx_mtls_ok(1);
    /* hostile SNI and DN: invalid UTF-8, ESC, BEL, bidi override */
    session_t *h = fx_session(2);
    fx_tls12_server_flight(h, true);
    free(h->ch.sni);
    h->ch.sni = strdup("evil\x1b]0;pwned\x07\xff\xfe\xe2\x80\xae.test");
    fx_cert(h, 5, DIR_C2S, 1);
    fx_chain(h, DIR_C2S, "m\xc0\xafllory\x1b[31m", "Other CA", false, "untrusted_root");
    fx_alert(h, 6, DIR_S2C, 2, 48);
    list[n++] = h;
    session_t *e = fx_session(3); /* tls 1.3 no keys */
    e->tls13 = true;
    e->version = 0x0304;
    e->sh.selected_version = 0x0304;
    e->sh.cipher = 0x1301;
    fx_step(e, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_step(e, 1, DIR_S2C, STEP_SERVER_HELLO);
    step_t *x = fx_step(e, 1, DIR_S2C, STEP_ENCRYPTED_HANDSHAKE);
    x->count = 4, x->length = 2400;
    x = fx_step(e, 3, DIR_C2S, STEP_ENCRYPTED_HANDSHAKE);
    x->count = 3, x->length = 1400;
    x = fx_step(e, 4, DIR_S2C, STEP_APPLICATION_DATA);
    x->count = 1, x->length = 19;
    fx_step(e, 4, DIR_S2C, STEP_FIN);
    list[n++] = e;
    session_t *m = fx_session(4);
    fx_step(m, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_step(m, 1, DIR_S2C, STEP_MALFORMED);
    m->malformed = true;
    m->malformed_reason = strdup("bad record \x01 type");
    list[n++] = m;
    session_t *g = fx_session(5);
    fx_step(g, 0, DIR_C2S, STEP_CLIENT_HELLO);
    fx_alert(g, 1, DIR_S2C, 2, 70);
    list[n++] = g;

    for (size_t i = 0; i < n; i++) {
        cJSON *o = roundtrip(f, list[i]);
        if (list[i] == h) {
            const char *sni = pstr(o, "tls.client.server_name");
            /* control characters survive as JSON escapes (cJSON), invalid bytes as U+FFFD */
            assert_non_null(strstr(sni, "\x1b]0;pwned\x07"));
            assert_non_null(strstr(sni, "\xef\xbf\xbd\xef\xbf\xbd"));
            assert_string_equal(pstr(o, "mtls.verdict"), "client_cert_rejected");
            assert_true(cJSON_IsFalse(path(o, "tls.established")));
            assert_string_equal(pstr(o, "event.outcome"), "failure");
        }
        if (list[i] == e) {
            assert_string_equal(pstr(o, "mtls.verdict"), "encrypted");
            assert_string_equal(pstr(o, "tls.version"), "1.3");
        }
        if (list[i] == m)
            assert_string_equal(pstr(o, "mtls.malformed.reason"), "bad record \x01 type");
        cJSON_Delete(o);
        assert_int_equal(summary_add(sm, fx_view(list[i])), 0);
    }
    assert_int_equal(summary_write_json(f, sm), 0);
    fclose(f);
    int rc = validate(out_path);
    if (rc == 77)
        print_message("skipped schema validation: python3-jsonschema not installed\n");
    else
        assert_int_equal(rc, 0);
    for (size_t i = 0; i < n; i++)
        fx_free(list[i]);
    summary_free(sm);
}

/* The validator must be able to fail: drop a required field / break a type. */
static void test_validator_rejects(void **st)
{
    (void)st;
    session_t *s = fx_mtls_ok(7);
    fx_diag(s, NULL);
    rjson_writer *w = rjson_writer_new();
    assert_non_null(w);
    size_t n = 0;
    const char *txt0 = rjson_render(w, fx_view(s), NULL, &n);
    assert_non_null(txt0);
    assert_int_equal(strlen(txt0), n);
    cJSON *o = cJSON_Parse(txt0);
    assert_non_null(o);
    static const char *const breakers[] = {"verdict", "steps"};
    for (size_t i = 0; i < 2; i++) {
        cJSON *c = cJSON_Duplicate(o, 1);
        cJSON *mt = cJSON_GetObjectItemCaseSensitive(c, "mtls");
        cJSON_DeleteItemFromObjectCaseSensitive(mt, breakers[i]);
        FILE *f = open_out();
        char *txt = cJSON_PrintUnformatted(c);
        fprintf(f, "%s\n", txt);
        cJSON_free(txt);
        fclose(f);
        cJSON_Delete(c);
        int rc = validate(out_path);
        if (rc == 77) {
            print_message("skipped: python3-jsonschema not installed\n");
            break;
        }
        assert_int_equal(rc, 1);
    }
    cJSON *c = cJSON_Duplicate(o, 1);
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "mtls"), "verdict",
                                           cJSON_CreateString("fine"));
    FILE *f = open_out();
    char *txt = cJSON_PrintUnformatted(c);
    fprintf(f, "%s\n", txt);
    cJSON_free(txt);
    fclose(f);
    cJSON_Delete(c);
    int rc = validate(out_path);
    assert_true(rc == 1 || rc == 77);
    cJSON_Delete(o);
    rjson_writer_free(w);
    fx_free(s);
}

/* -v adds the fields schema 2.0 moved behind it, with the values 1.0 had. */
static void test_verbose_fields(void **st)
{
    (void)st;
    FILE *f = open_out();
    session_t *s = fx_mtls_ok(43);
    uint16_t ciphers[] = {0x1301, 0xc02f, 0x0a0a};
    assert_int_equal(u16_list_set(&s->ch.ciphers, ciphers, 3), 0);
    rjson_options v = {.verbosity = 1};
    cJSON *o = roundtrip_opt(f, s, &v);
    cJSON *sc = path(o, "tls.client.supported_ciphers");
    assert_int_equal(cJSON_GetArraySize(sc), 3);
    assert_string_equal(cJSON_GetArrayItem(sc, 0)->valuestring, "TLS_AES_128_GCM_SHA256");
    assert_string_equal(cJSON_GetArrayItem(sc, 2)->valuestring, "GREASE(0x0a0a)");
    cJSON *steps = path(o, "mtls.steps");
    assert_int_equal(cJSON_GetArraySize(steps), (int)s->n_steps);
    for (size_t i = 0; i < s->n_steps; i++) {
        char want[40];
        fmt_time_rfc3339(s->steps[i].ts_us, want, sizeof want);
        assert_string_equal(pstr(cJSON_GetArrayItem(steps, (int)i), "t"), want);
    }
    assert_string_equal(pstr(cJSON_GetArrayItem(steps, 2), "t"), "2024-05-01T12:00:00.002000Z");
    assert_non_null(path(o, "mtls.client_hello"));
    cJSON_Delete(o);
    fx_free(s);
    fclose(f);
    int rc = validate(out_path);
    if (rc == 77)
        print_message("skipped schema validation: python3-jsonschema not installed\n");
    else
        assert_int_equal(rc, 0);
}

/* One writer over many connections, each with two chains never seen before:
 * the memo of printed certificate arrays evicts as it goes (sometimes one
 * chain of a connection evicts the other's, in the same slot), and every
 * object still carries its own chains' certificates. Under ASan a text freed
 * while still referenced is a use-after-free. */
static void test_writer_memo_reuse(void **st)
{
    (void)st;
    rjson_writer *w = rjson_writer_new();
    assert_non_null(w);
    for (unsigned i = 0; i < 3000; i++) {
        session_t *s = fx_session(i + 1);
        fx_step(s, 0, DIR_C2S, STEP_CLIENT_HELLO);
        fx_cert(s, 1, DIR_S2C, 1);
        fx_cert(s, 2, DIR_C2S, 1);
        char cli[32], srv[32];
        snprintf(cli, sizeof cli, "client-%u", i);
        snprintf(srv, sizeof srv, "server-%u", i);
        fx_chain(s, DIR_C2S, cli, "Example Root CA", true, NULL);
        fx_chain(s, DIR_S2C, srv, "Example Root CA", true, NULL);
        fx_diag(s, NULL);
        size_t n = 0;
        const char *txt = rjson_render(w, fx_view(s), NULL, &n);
        assert_non_null(txt);
        cJSON *o = cJSON_Parse(txt);
        assert_non_null(o);
        assert_string_equal(pstr(cJSON_GetArrayItem(path(o, "mtls.chains.client.certs"), 0), "subject_cn"), cli);
        assert_string_equal(pstr(cJSON_GetArrayItem(path(o, "mtls.chains.server.certs"), 0), "subject_cn"), srv);
        cJSON_Delete(o);
        fx_free(s);
    }
    rjson_writer_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mtls_ok_fields),
        cmocka_unit_test(test_all_verdicts_validate),
        cmocka_unit_test(test_validator_rejects),
        cmocka_unit_test(test_verbose_fields),
        cmocka_unit_test(test_writer_memo_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
