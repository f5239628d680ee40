/* session_fixture.h — synthetic sessions shared by the diagnosis, report and
 * summary tests: step logs built by hand, CA names real DER made by OpenSSL
 * in-process. Include after <cmocka.h> and "session.h".
 *
 * Each fixture session has, beside it, the certificate analysis a test sets
 * up (FXA(s): chain reports, proof results, CA match, resumption link) and
 * the diagnosis fx_diag() makes (FXD(s)); fx_view(s) bundles the three for
 * the reporters, as the engine does. fx_free(s) releases all three. */
#ifndef MTLS_TEST_SESSION_FIXTURE_H
#define MTLS_TEST_SESSION_FIXTURE_H

#include <openssl/x509.h>

#include "analysis.h"
#include "conn_view.h"
#include "diagnose.h"

#define T0 1714564800000000ull /* 2024-05-01T12:00:00Z */

#define FX_MAX_CONNS 256

typedef struct fx_conn {
    const session_t *s;
    conn_analysis a;
    diagnosis d;
} fx_conn;

static fx_conn fx_conns[FX_MAX_CONNS];

static fx_conn *fx_conn_of(const session_t *s)
{
    fx_conn *free_slot = NULL;
    for (size_t i = 0; i < FX_MAX_CONNS; i++) {
        if (fx_conns[i].s == s)
            return &fx_conns[i];
        if (!fx_conns[i].s && !free_slot)
            free_slot = &fx_conns[i];
    }
    assert_non_null(free_slot);
    free_slot->s = s;
    conn_analysis_init(&free_slot->a);
    memset(&free_slot->d, 0, sizeof(free_slot->d));
    return free_slot;
}

#define FXA(s) (&fx_conn_of(s)->a)
#define FXD(s) (&fx_conn_of(s)->d)

/* Diagnose s with its fixture analysis (replacing an earlier diagnosis). */
static inline const diagnosis *fx_diag(const session_t *s, const diag_options *opt)
{
    fx_conn *c = fx_conn_of(s);
    diagnosis_cleanup(&c->d);
    diag_run(s, &c->a, opt, &c->d);
    return &c->d;
}

/* The three results of s, as a reporter is given them. */
static inline const conn_view *fx_view(const session_t *s)
{
    static conn_view v;
    fx_conn *c = fx_conn_of(s);
    v = (conn_view){s, &c->a, &c->d};
    return &v;
}

static inline void fx_free(session_t *s)
{
    if (!s)
        return;
    fx_conn *c = fx_conn_of(s);
    conn_analysis_cleanup(&c->a);
    diagnosis_cleanup(&c->d);
    c->s = NULL;
    session_free(s);
}

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
    default: break;
    }
    return st;
}

/* A typed HTTP/1.x exchange step (what src/tls/tls_app_peek.c logs): the line
 * as sent, the status (0 for a request) and the server's words, or NULL. */
static MTLS_UNUSED step_t *fx_http(session_t *s, unsigned ms, mtls_dir d, uint16_t code, const char *line,
                                      const char *message)
{
    step_t *st = fx_step(s, ms, d, STEP_APP);
    st->app.protocol = APP_PROTO_HTTP1;
    st->app.response = d == DIR_S2C;
    st->app.code = code;
    st->app.line = strdup(line);
    st->app.message = message ? strdup(message) : NULL;
    /* the outcome as tls_app_peek.c types it */
    if (st->app.response)
        st->app.outcome = message || code == 401 || code == 403 || code == 495 || code == 496
                              ? APP_OUTCOME_REFUSED
                          : code >= 200 && code < 400 ? APP_OUTCOME_ACCEPTED
                          : code >= 400               ? APP_OUTCOME_ERROR
                                                      : APP_OUTCOME_NONE;
    return st;
}

/* A typed answer of another protocol (what src/tls/tls_app_proto.c logs). */
static MTLS_UNUSED step_t *fx_app(session_t *s, unsigned ms, app_protocol proto, app_outcome outcome, uint32_t code,
                                     const char *line, const char *message, bool credentials)
{
    step_t *st = fx_step(s, ms, DIR_S2C, STEP_APP);
    st->app.protocol = proto;
    st->app.response = true;
    st->app.outcome = outcome;
    st->app.code = code;
    st->app.credentials = credentials;
    st->app.line = strdup(line);
    st->app.message = message ? strdup(message) : NULL;
    return st;
}

static step_t *fx_alert(session_t *s, unsigned ms, mtls_dir d, uint8_t level, uint8_t desc)
{
    step_t *st = fx_step(s, ms, d, STEP_ALERT);
    st->alert_level = level;
    st->alert_desc = desc;
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
    atomic_init(&r->refs, 1);
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
    chain_report_unref(FXA(s)->chain[d]);
    FXA(s)->chain[d] = r;
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
    FXA(s)->cv[DIR_C2S].result = 1;
    fx_tls12_finish(s, 5);
    fx_step(s, 7, DIR_C2S, STEP_APPLICATION_DATA);
    fx_step(s, 8, DIR_S2C, STEP_APPLICATION_DATA);
    return s;
}

#endif
