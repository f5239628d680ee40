/* explain_encrypted.c — TLS 1.3 without keys: the verdicts inferred from the
 * sizes of the sealed records (tls13_inference.c), explained (see explain.h).
 * Identical handshakes give identical words: nothing here depends on how the
 * records were packed into segments. */
#include "explain.h"

#include <string.h>

static void cite_t13(const diag_ctx *c, diag_out *o)
{
    for (size_t i = 0; i < MTLS_ARRAY_LEN(c->t13.steps); i++)
        diag_cite(o, c->t13.steps[i]);
}

/* The sentences about the client's flight and the server's answer. */
static void t13_story(const diag_ctx *c, sb *e)
{
    const t13_inference *t = &c->t13;
    sb_printf(e, "TLS 1.3 without keys: the certificates, the CertificateRequest and any alert "
                 "travel encrypted, so what follows is inference from record sizes.");
    if (!t->server_flight_seen) {
        sb_printf(e, " The server's encrypted flight was not seen.");
        return;
    }
    if (t->client_left_after_server_flight) {
        sb_printf(e, " The client never answered the server's flight (no Finished) and closed the "
                     "connection.");
        return;
    }
    if (t->client_fin < 0) {
        sb_printf(e, " The client's flight has no record of the size of its Finished (%u bytes), "
                     "so what it sent cannot be told.",
                  t->fin_len);
        return;
    }
    switch (t->client_cert) {
    case T13_CERT_NONE:
        sb_printf(e, " The client's flight is its Finished alone (%u bytes): it sent no Certificate, "
                     "so the server did not ask for one.",
                  t->fin_len);
        break;
    case T13_CERT_EMPTY:
        sb_printf(e, " Before its Finished the client sent %u bytes in %u record%s, the size of an "
                     "empty Certificate: the server asked for a certificate and the client had none "
                     "to offer.",
                  t->client_pre_bytes, t->client_pre_records, t->client_pre_records == 1 ? "" : "s");
        break;
    case T13_CERT_SENT:
        sb_printf(e, " Before its Finished the client sent %u bytes in %u record%s: a Certificate "
                     "and CertificateVerify.",
                  t->client_pre_bytes, t->client_pre_records, t->client_pre_records == 1 ? "" : "s");
        break;
    default:
        sb_printf(e, " Before its Finished the client sent %u bytes in %u record%s, which fits "
                     "neither an empty Certificate nor a typical certificate.",
                  t->client_pre_bytes, t->client_pre_records, t->client_pre_records == 1 ? "" : "s");
        break;
    }
    switch (t->answer) {
    case T13_ANSWER_ALERT_CLOSE:
        sb_printf(e, " The server answered with %u alert-sized record%s (%u bytes) and the "
                     "connection closed: an alert.",
                  t->answer_records, t->answer_records == 1 ? "" : "s", t->answer_bytes);
        break;
    case T13_ANSWER_SILENT_CLOSE:
        sb_printf(e, " The server closed the connection without sending anything after the "
                     "client's Finished.");
        break;
    case T13_ANSWER_WENT_ON:
        sb_printf(e, " The server then sent %u record%s (%u bytes): session tickets or "
                     "application data, so it accepted the client's flight at the TLS layer.",
                  t->answer_records, t->answer_records == 1 ? "" : "s", t->answer_bytes);
        break;
    default:
        sb_printf(e, " Nothing from the server was seen after the client's Finished.");
        break;
    }
    sb_printf(e, " Record padding or record_size_limit would change these sizes.");
}

/* How to confirm, and the fix when nothing better is known. */
static void keylog_advice(const diag_ctx *c, diag_out *o, bool as_fix)
{
    sb_printf(&o->confirm, "pass --keylog FILE with this session's secrets to read the certificates, "
                           "the CertificateRequest and any alert");
    if (!as_fix)
        return;
    const session_t *s = c->s;
    const diag_options *opt = c->opt;
    if (opt->keylog_given && s->decrypt_outcome == SDEC_KEYS_WRONG)
        sb_printf(&o->n, "The key log has secrets for this session but they do not decrypt all of it "
                         "(a truncated or mixed-up key log, or secrets from another run that reused "
                         "the client random): pass the complete key log written during this "
                         "capture.");
    else if (opt->keylog_given)
        sb_printf(&o->n, "The key log has no secrets for this session: make sure the client that "
                         "made this connection writes them (SSLKEYLOGFILE for curl, Firefox, "
                         "Chrome; openssl s_client -keylogfile FILE) and pass that file with "
                         "--keylog.");
    else
        sb_printf(&o->n, "Pass --keylog FILE with the session secrets (SSLKEYLOGFILE=FILE for "
                         "curl, Firefox and Chrome; openssl s_client -keylogfile FILE) to read the "
                         "certificates, the CertificateRequest and the alert itself.");
}

void explain_encrypted(const diag_ctx *c, diag_out *o)
{
    cite_t13(c, o);
    t13_story(c, &o->e);
    keylog_advice(c, o, true);
    o->failed = c->t13.answer == T13_ANSWER_ALERT_CLOSE || c->t13.answer == T13_ANSWER_SILENT_CLOSE;
    if (o->failed)
        sb_printf(&o->n, " Meanwhile the server's log states why it refused the client.");
    else if (c->t13.client_cert == T13_CERT_SENT && c->t13.answer == T13_ANSWER_WENT_ON)
        sb_printf(&o->e, " Whether the server accepted the certificate itself cannot be told: "
                         "servers that verify it after the handshake (nginx, Apache and HAProxy "
                         "with optional verification, applications) refuse the request over HTTP "
                         "instead, and that response is encrypted too.");
}

/* An inferred TLS 1.3 verdict: the size story, what it means (may be NULL),
 * how to confirm it, and the fix. */
static void t13_verdict(const diag_ctx *c, diag_out *o, const char *meaning, const char *fix)
{
    cite_t13(c, o);
    t13_story(c, &o->e);
    if (meaning)
        sb_printf(&o->e, " %s", meaning);
    keylog_advice(c, o, false);
    sb_printf(&o->n, "%s", fix);
}

void explain_tls13_client_cert_missing(const diag_ctx *c, diag_out *o)
{
    t13_verdict(c, o,
                c->t13.answer == T13_ANSWER_WENT_ON
                    ? "The server let the handshake finish (client certificates optional at the TLS "
                      "layer), so it most likely refuses the request itself: nginx answers HTTP 400 "
                      "\"No required SSL certificate was sent\"."
                    : NULL,
                "Configure the client with a certificate and its key issued by a CA the server "
                "accepts (curl --cert client.pem --key client.key; openssl s_client -cert "
                "client.pem -key client.key); pass --keylog FILE to see which CAs the server lists.");
}

void explain_tls13_client_cert_rejected(const diag_ctx *c, diag_out *o)
{
    t13_verdict(c, o,
                "A server that refuses right after the client's certificate refused that "
                "certificate (the usual alerts: unknown_ca, bad_certificate, certificate_expired, "
                "certificate_unknown; Node.js closes without one).",
                "Pass --keylog FILE to read the certificate and the alert; meanwhile check the "
                "client certificate's issuer, validity and extendedKeyUsage (clientAuth) against "
                "the server's client CA file, and read the server's log.");
}

void explain_tls13_server_cert_rejected(const diag_ctx *c, diag_out *o)
{
    t13_verdict(c, o,
                "A client that leaves without its Finished refused the server's flight, usually "
                "its certificate (untrusted issuer, wrong name, expired); some clients (Node.js) "
                "close without an alert.",
                "Check the server's certificate against the client's trust store and the name it "
                "connects to (openssl s_client -connect host:port -servername NAME -CAfile ca.pem "
                "-verify_return_error); the client's own error names the reason.");
}

void explain_tls13_no_client_auth(const diag_ctx *c, diag_out *o)
{
    t13_verdict(c, o, NULL,
                "If this server should require client certificates, enable them (nginx "
                "ssl_verify_client on; Apache SSLVerifyClient require; HAProxy verify required).");
}

/* SSL 2.0: the clear part ends at CLIENT-MASTER-KEY. */
void explain_sslv2_encrypted(const diag_ctx *c, diag_out *o)
{
    const facts *f = &c->f;
    const session_t *s = c->s;
    diag_cite(o, f->sh);
    diag_cite(o, f->enc_hs[0]);
    diag_cite(o, f->enc_hs[1]);
    const step_t *cl = &s->steps[f->enc_hs[0]], *sv = &s->steps[f->enc_hs[1]];
    sb_printf(&o->e, "The server answered in SSL 2.0. After the client's CLIENT-MASTER-KEY everything is "
                     "encrypted, and SSL 2.0 is never decrypted here; the client then sent %u and the server "
                     "%u encrypted records, which is what a completed SSL 2.0 handshake looks like. Whether the "
                     "server asked for a client certificate (REQUEST-CERTIFICATE) is encrypted too. SSL 2.0 "
                     "is broken (RFC 6176; DROWN).",
              cl->count, sv->count);
    sb_printf(&o->n, "Disable SSL 2.0 on the server and the client (OpenSSL and every current library "
                     "dropped it): offer TLS 1.2 or 1.3 only.");
}

/* TLS 1.0-1.2: a renegotiation whose keys are not in the key log. */
void explain_renegotiation_encrypted(const diag_ctx *c, diag_out *o)
{
    const facts *f = &c->f;
    const session_t *s = c->s;
    const step_t *r = &s->steps[f->reneg];
    diag_cite(o, f->fin[0]);
    diag_cite(o, f->fin[1]);
    diag_cite(o, f->reneg);
    sb_printf(&o->e, "The first handshake finished %s; then the %s started a renegotiation (step %ld): a new "
                     "handshake inside the encrypted connection, which can ask for a client certificate that "
                     "the first one did not (Apache asks there when SSLVerifyClient require is set for a "
                     "<Location> or <Directory> only). It is encrypted and not decrypted here, so whether the "
                     "server asked for a certificate and what the client sent is unknown.",
              f->first_cli_cert ? "with a client certificate" : "without a client certificate",
              r->dir == DIR_S2C ? "server" : "client", f->reneg + 1);
    long end = NONE;
    for (size_t i = (size_t)f->reneg + 1; i < s->n_steps && end == NONE; i++) {
        const step_t *st = &s->steps[i];
        if ((step_is_alert(st) && step_is_terminating_alert(st)) || st->kind == STEP_FIN || st->kind == STEP_RST)
            end = (long)i;
    }
    if (f->reneg_finished) {
        sb_printf(&o->e, " Both sides finished the renegotiation, so the server accepted whatever the client "
                         "sent in it.");
    } else if (end != NONE) {
        const step_t *st = &s->steps[end];
        diag_cite(o, end);
        sb_printf(&o->e, " The %s %s (step %ld) before the renegotiation finished: it failed, as it does when the "
                         "server requires a client certificate there and the client sends none or one the "
                         "server does not accept.",
                  side_word(st->dir),
                  step_is_alert(st) ? "ended it with an alert" : st->kind == STEP_RST ? "reset the connection"
                                                                                    : "closed the connection",
                  end + 1);
    } else {
        sb_printf(&o->e, " The capture ends before the renegotiation finished.");
    }
    keylog_advice(c, o, true);
    o->failed = !f->reneg_finished;
    if (o->failed)
        sb_printf(&o->n, " Meanwhile the server's log states why the renegotiation failed (Apache: "
                         "\"Re-negotiation handshake failed\" with the reason).");
}
