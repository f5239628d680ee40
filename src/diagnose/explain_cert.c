/* explain_cert.c — the certificate verdicts, explained (see explain.h). */
#include "explain.h"

#include <string.h>

#include "alert_knowledge.h"
#include "tls_alert.h"

static void next_step_server_clientauth(sb *n)
{
    sb_printf(n, " (nginx: ssl_client_certificate / ssl_trusted_certificate and ssl_verify_depth; "
                 "Apache: SSLCACertificateFile; HAProxy: ca-file on the bind line; Envoy: "
                 "validation_context.trusted_ca)");
}

void explain_mtls_ok(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    diag_cite(o, c->f.cli_cert);
    diag_cite(o, c->f.cli_cv);
    diag_cite(o, c->f.fin[0]);
    diag_cite(o, c->f.fin[1]);
    const conn_analysis *a = c->a;
    sb_printf(e, "The server asked for a client certificate and the client presented ");
    cert_phrase(e, c->s, a, DIR_C2S);
    sb_printf(e, "; both sides finished the handshake.");
    if (a->cv[DIR_C2S].result == 1)
        sb_printf(e, " The client's CertificateVerify signature checks out against "
                     "that certificate.");
    if (a->chain[DIR_C2S] && !a->chain[DIR_C2S]->valid)
        sb_printf(e, " The server accepted the chain although our own validation "
                     "did not: see the findings.");
    if (c->f.srv_app_records && !c->f.srv_app_decrypted) {
        /* TLS 1.2 without keys: the application's answer is sealed */
        sb_printf(e, " What the server answered afterwards (%u encrypted record%s, %u bytes) cannot be "
                     "read without the session keys: servers that decide on the certificate's identity "
                     "in their own protocol (databases, brokers, caches, directories, mail, HTTP "
                     "allow-lists) refuse there, after a handshake like this one.",
                  c->f.srv_app_records, c->f.srv_app_records == 1 ? "" : "s", c->f.srv_app_bytes);
        sb_printf(n, "Nothing to fix for the handshake. If the application still refused the client, "
                     "pass --keylog FILE with this session's secrets to read its answer; review any "
                     "findings listed (expiry, weak keys) before they turn into failures.");
        return;
    }
    sb_printf(n, "Nothing to fix for the handshake; review any findings listed "
                 "(expiry, weak keys) before they turn into failures.");
}

void explain_client_cert_missing(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    diag_cite(o, c->f.certreq);
    diag_cite(o, c->f.cli_cert);
    if (c->f.completed) {
        diag_cite(o, c->f.fin[1]);
        diag_cite(o, c->f.app_srv);
    } else {
        diag_cite(o, c->term);
    }
    const session_t *s = c->s;
    const facts *f = &c->f;
    sb_printf(e, "The server asked for a client certificate");
    if (s->cr.n_ca_names) {
        sb_printf(e, " and said it accepts certificates issued by ");
        ca_list(e, s, 8);
    } else if (s->cr.present) {
        sb_printf(e, " without naming acceptable CAs");
    }
    if (f->cli_cert != NONE)
        sb_printf(e, ", but the client answered with an empty Certificate message: it had no "
                     "certificate configured, or none issued by an accepted CA.");
    else
        sb_printf(e, ", but the client sent no Certificate message at all.");
    if (!f->completed && f->alert != NONE && s->steps[f->alert].dir == DIR_S2C) {
        sb_printf(e, " The server then aborted the handshake with ");
        alert_name(e, &s->steps[f->alert]);
        sb_printf(e, ".");
    } else if (f->completed && s->tls13 && f->app[1] == NONE && f->app_srv == NONE && f->close != NONE &&
               s->steps[f->close].dir == DIR_S2C) {
        diag_cite(o, f->close);
        sb_printf(e, " The server then closed the connection without a word: in TLS 1.3 its Finished "
                     "comes before the client's certificate, so the handshake looks finished, but the "
                     "server refused the empty Certificate by hanging up (OpenLDAP's slapd does so).");
    } else if (f->completed) {
        sb_printf(e, " The server let the handshake finish anyway (client certificates are "
                     "optional at the TLS layer there), so it may refuse the request at the "
                     "application layer: nginx, for example, answers HTTP 400 \"No required SSL "
                     "certificate was sent\".");
        if (f->app_srv != NONE && s->steps[f->app_srv].app.line) {
            const app_message *m = &s->steps[f->app_srv].app;
            sb_printf(e, " The server's first response was %s \"%s", app_protocol_name(m->protocol), m->line);
            if (m->message)
                sb_printf(e, " (\"%s\")", m->message);
            sb_printf(e, "\".");
        }
        if (f->http_status >= 400 || f->app_outcome == APP_OUTCOME_REFUSED)
            sb_printf(e, " The server refused the client, most likely because no certificate was "
                         "sent.");
    } else if (f->close != NONE) {
        sb_printf(e, " The %s then closed the connection.", side_word(s->steps[f->close].dir));
    }
    sb_printf(n, "Configure the client with a certificate and its key");
    if (s->cr.n_ca_names) {
        sb_printf(n, " issued by one of ");
        ca_list(n, s, 8);
    }
    sb_printf(n, " (curl --cert client.pem --key client.key; openssl s_client -cert client.pem "
                 "-key client.key). If the client already has one, check that its issuer is in "
                 "the server's list: many clients only offer a certificate whose issuer the "
                 "server named.");
}

static void fix_for_client_alert(const session_t *s, const conn_analysis *a, uint8_t ad, sb *n)
{
    const cert_info *ci = diag_leaf(a, DIR_C2S);
    const char *iss = ci && ci->issuer ? ci->issuer : "the client certificate's issuer";
    if (chain_has(a, DIR_C2S, "cert_expired") || ad == TLS_ALERT_CERTIFICATE_EXPIRED) {
        sb_printf(n, "Renew the client certificate (or fix the clock of the side that judged it); ");
    }
    if (chain_has(a, DIR_C2S, "eku_no_client_auth"))
        sb_printf(n, "Reissue the client certificate with extendedKeyUsage clientAuth; ");
    if (chain_has(a, DIR_C2S, "missing_intermediate") || chain_has(a, DIR_C2S, "chain_out_of_order"))
        sb_printf(n, "Have the client send its intermediate CA certificates, leaf first (curl: put "
                     "the whole chain in the --cert file), or give the server the intermediates; ");
    switch (ad) {
    case TLS_ALERT_UNKNOWN_CA:
    case TLS_ALERT_CERTIFICATE_UNKNOWN:
        sb_printf(n, "Add \"%s\" (and its root) to the server's client CA file", iss);
        next_step_server_clientauth(n);
        if (s->cr.n_ca_names) {
            sb_printf(n, ", or issue the client a certificate from one of the CAs the server lists: ");
            ca_list(n, s, 4);
        }
        sb_printf(n, ". Raise the verify depth if the chain is long.");
        break;
    case TLS_ALERT_CERTIFICATE_EXPIRED:
        sb_printf(n, "Check not_before/not_after with openssl x509 -noout -dates -in client.pem.");
        break;
    case TLS_ALERT_CERTIFICATE_REVOKED:
        sb_printf(n, "The CA revoked this certificate: issue a new one, or update the server's CRL "
                     "(nginx ssl_crl) if the revocation is stale.");
        break;
    case TLS_ALERT_BAD_CERTIFICATE:
    case TLS_ALERT_UNSUPPORTED_CERTIFICATE:
        sb_printf(n, "Check the client certificate's key usage (digitalSignature), extended key "
                     "usage (clientAuth), key type and size and signature algorithm against the "
                     "server's policy; the server log names the exact reason.");
        break;
    case TLS_ALERT_ACCESS_DENIED:
        sb_printf(n, "The server's access control refused \"%s\": add this identity to its "
                     "allow-list (e.g. the nginx map on $ssl_client_s_dn, Envoy "
                     "match_typed_subject_alt_names) or use a certificate that is allowed.",
                  ci && ci->subject ? ci->subject : "this certificate");
        break;
    case TLS_ALERT_DECRYPT_ERROR:
        sb_printf(n, "Check that the client's private key belongs to its certificate: compare "
                     "openssl x509 -noout -pubkey -in client.pem | sha256sum with "
                     "openssl pkey -pubout -in client.key | sha256sum.");
        break;
    default:
        sb_printf(n, "Read the server's log for this connection: it states why the certificate "
                     "was refused; reproduce with openssl s_client -cert client.pem -key "
                     "client.key -connect host:port.");
        break;
    }
}

void explain_client_cert_rejected(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    diag_cite(o, c->f.cli_cert);
    diag_cite(o, c->term);
    const session_t *s = c->s;
    const conn_analysis *a = c->a;
    const facts *f = &c->f;
    const step_t *al = f->alert != NONE ? &s->steps[f->alert] : NULL;
    sb_printf(e, "The client presented ");
    cert_phrase(e, s, a, DIR_C2S);
    sb_printf(e, " and the server rejected it");
    if (al) {
        sb_printf(e, " with ");
        alert_name(e, al);
        sb_printf(e, " after ");
        step_phrase(e, s, last_tls_step_before(s, f->alert));
        sb_printf(e, ".");
        const char *why = al->kind == STEP_ALERT ? diag_alert_cause(al->alert_desc) : NULL;
        if (why)
            sb_printf(e, " This alert usually means %s.", why);
        else if (al->kind == STEP_ENCRYPTED_ALERT)
            sb_printf(e, " The alert is encrypted, so its reason is unknown; it is probably a "
                         "certificate alert.");
    } else {
        sb_printf(e, ".");
    }
    chain_judgement(e, a, DIR_C2S);
    if (a->client_ca_acceptable == 0) {
        sb_printf(e, " The client chain does not reach any CA the server listed (");
        ca_list(e, s, 4);
        sb_printf(e, ").");
    }
    fix_for_client_alert(s, a, al && al->kind == STEP_ALERT ? al->alert_desc : TLS_ALERT_CERTIFICATE_UNKNOWN, n);
}

/* The fix when a client refused the server's certificate. */
static void server_trust_fix(sb *n, const conn_analysis *a)
{
    const cert_info *ci = diag_leaf(a, DIR_S2C);
    sb_printf(n, "Make the client trust the server's CA (\"%s\") or fix what our validation found "
                 "(see the findings): curl --cacert ca.pem, openssl s_client -CAfile ca.pem "
                 "-verify_return_error, NODE_EXTRA_CA_CERTS=ca.pem for Node.js, certutil -A for NSS "
                 "databases; the client's error message names the exact reason.",
              ci && ci->issuer ? ci->issuer : "the issuer of the server certificate");
}

/* "HTTP 400 \"The SSL certificate error\"", "PostgreSQL ErrorResponse FATAL
 * 28000 \"certificate authentication failed for user \"bob\"\"". */
static void app_answer(sb *e, const session_t *s, const facts *f)
{
    const app_message *m = f->app_srv != NONE ? &s->steps[f->app_srv].app : NULL;
    if (!m || m->protocol == APP_PROTO_HTTP1 || m->protocol == APP_PROTO_HTTP2) {
        sb_printf(e, "HTTP %d", f->http_status);
        if (f->http_reason)
            sb_printf(e, " \"%s\"", f->http_reason);
        return;
    }
    sb_printf(e, "%s %s", app_protocol_name(m->protocol), m->line ? m->line : "response");
    if (m->message && !(m->line && strstr(m->line, m->message)))
        sb_printf(e, " \"%s\"", m->message);
}

void explain_client_cert_rejected_app(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    const session_t *s = c->s;
    const conn_analysis *a = c->a;
    const facts *f = &c->f;
    diag_cite(o, f->cli_cert);
    diag_cite(o, f->fin[1]);
    diag_cite(o, f->app_srv);
    sb_printf(e, "The client presented ");
    cert_phrase(e, s, a, DIR_C2S);
    sb_printf(e, " and both sides finished the TLS handshake, but the server then refused the "
                 "client at the application layer with ");
    app_answer(e, s, f);
    sb_printf(e, ".");
    const app_message *m = f->app_srv != NONE ? &s->steps[f->app_srv].app : NULL;
    bool http = !m || m->protocol == APP_PROTO_HTTP1 || m->protocol == APP_PROTO_HTTP2;
    if (!http) {
        sb_printf(e, " The TLS layer accepted the certificate; the server's own authentication or "
                     "authorization then refused this identity (a user name that must match the "
                     "certificate's CN, an account that REQUIREs a given SUBJECT or ISSUER, an ACL "
                     "or allow-list of subjects, a CRL the application checks itself).");
        chain_judgement(e, a, DIR_C2S);
        sb_printf(n, "Read the server's message above and its log for the identity it expected; "
                     "map the certificate's subject to that identity (PostgreSQL pg_ident.conf or the "
                     "user name = CN, MySQL REQUIRE SUBJECT/ISSUER, an MQTT/LDAP/Redis ACL, gRPC "
                     "authorization policy), or present the certificate issued for that identity.");
        return;
    }
    if (f->http_status == 403 || f->http_status == 401 || (m && m->protocol == APP_PROTO_GRPC))
        sb_printf(e, " The certificate was accepted by TLS; the application refused this identity "
                     "(an allow-list of subjects, an authorization rule).");
    else if (f->http_status == 495 || f->http_status == 496 || f->http_reason)
        sb_printf(e, " That is nginx's answer when the client certificate failed its verification "
                     "(ssl_verify_client optional or on: the TLS handshake still finishes).");
    else
        sb_printf(e, " Servers that verify the certificate after the handshake (Apache "
                     "SSLVerifyClient optional with an access rule, HAProxy verify optional with "
                     "an http-request deny, applications that check it themselves) answer so.");
    chain_judgement(e, a, DIR_C2S);
    fix_for_client_alert(s, a, TLS_ALERT_CERTIFICATE_UNKNOWN, n);
}

void explain_client_cert_rejected_quietly(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    const session_t *s = c->s;
    const conn_analysis *a = c->a;
    const facts *f = &c->f;
    diag_cite(o, f->cli_cert);
    diag_cite(o, f->fin[1]);
    diag_cite(o, f->app[1]);
    diag_cite(o, f->close);
    sb_printf(e, "The client presented ");
    cert_phrase(e, s, a, DIR_C2S);
    if (f->srv_app_records == 0)
        sb_printf(e, " and both sides finished the TLS handshake; then the server closed the connection "
                     "without sending any application data (servers that verify the certificate only "
                     "after the handshake, such as slapd, hang up so). Our own validation rejects the "
                     "client certificate, so the server most likely refused it.");
    else
        sb_printf(e, " and both sides finished the TLS handshake; then the server sent %u short "
                     "record%s (%u bytes) and the connection was closed. Our own validation rejects "
                     "the client certificate, so the server most likely refused the request at the "
                     "application layer (nginx answers HTTP 400 \"The SSL certificate error\"; Apache "
                     "and HAProxy 403) - the response itself is encrypted.",
                  f->srv_app_records, f->srv_app_records == 1 ? "" : "s", f->srv_app_bytes);
    chain_judgement(e, a, DIR_C2S);
    if (f->srv_app_records > 0 && !s->decrypted)
        sb_printf(&o->confirm, "pass --keylog FILE with this session's secrets to read the server's response");
    else
        sb_printf(&o->confirm, "read the server's log for why it closed the connection");
    fix_for_client_alert(s, a, TLS_ALERT_CERTIFICATE_UNKNOWN, n);
}

void explain_server_cert_rejected(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    diag_cite(o, c->f.srv_cert);
    diag_cite(o, c->term);
    const session_t *s = c->s;
    const conn_analysis *a = c->a;
    const facts *f = &c->f;
    const step_t *al = &s->steps[f->alert];
    if (f->srv_cert == NONE && f->enc_hs[1] != NONE) {
        diag_cite(o, f->enc_hs[1]);
        sb_printf(e, "The server sent its encrypted flight (its certificate cannot be read without "
                     "keys) and the client aborted with ");
    } else {
        sb_printf(e, "The server presented ");
        cert_phrase(e, s, a, DIR_S2C);
        sb_printf(e, " and the client aborted with ");
    }
    alert_name(e, al);
    sb_printf(e, ".");
    const char *why = al->kind == STEP_ALERT ? diag_alert_cause(al->alert_desc) : NULL;
    if (why)
        sb_printf(e, " This alert usually means %s.", why);
    if (al->kind == STEP_ALERT && al->alert_desc == TLS_ALERT_HANDSHAKE_FAILURE)
        sb_printf(e, " handshake_failure is generic: it may also be a parameter the client "
                     "refused, not the certificate.");
    if (f->srv_cert != NONE)
        chain_judgement(e, a, DIR_S2C);
    if (chain_has(a, DIR_S2C, "hostname_mismatch"))
        sb_printf(n, "Use a server certificate whose subjectAltName contains \"%s\", or connect "
                     "with the name the certificate carries; ",
                  s->ch.sni ? s->ch.sni : "the requested name");
    if (chain_has(a, DIR_S2C, "missing_intermediate"))
        sb_printf(n, "Have the server send its intermediate certificates (nginx: append them "
                     "to the ssl_certificate file, leaf first); ");
    if (chain_has(a, DIR_S2C, "cert_expired"))
        sb_printf(n, "Renew the server certificate; ");
    server_trust_fix(n, a);
}

void explain_client_key_mismatch(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    diag_cite(o, c->f.cli_cert);
    diag_cite(o, c->f.cli_cv);
    diag_cite(o, c->f.alert);
    const session_t *s = c->s;
    const conn_analysis *a = c->a;
    const facts *f = &c->f;
    sb_printf(e, "The client presented ");
    cert_phrase(e, s, a, DIR_C2S);
    sb_printf(e, ", but its CertificateVerify signature does not verify with that "
                 "certificate's public key: the client signs with a private key that does "
                 "not belong to the certificate%s%s.",
              a->cv[DIR_C2S].note ? " (" : "", a->cv[DIR_C2S].note ? a->cv[DIR_C2S].note : "");
    if (a->cv[DIR_C2S].note)
        sb_printf(e, ")");
    if (f->alert != NONE && !f->completed) {
        sb_printf(e, " The server aborted with ");
        alert_name(e, &s->steps[f->alert]);
        sb_printf(e, ".");
    } else if (f->completed) {
        sb_printf(e, " The server nevertheless finished the handshake, which a TLS server "
                     "that checks client certificates never does: either the server does not "
                     "verify the client's proof of possession or the capture was altered.");
    }
    sb_printf(n, "Give the client the key that matches its certificate: compare openssl "
                 "x509 -noout -pubkey -in client.pem | sha256sum with openssl pkey -pubout "
                 "-in client.key | sha256sum; they must be equal.");
}

/* The server's signed ServerKeyExchange (TLS 1.0-1.2 DHE/ECDHE) does not
 * verify with the certificate it sent. */
void explain_server_key_mismatch(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    const session_t *s = c->s;
    const conn_analysis *a = c->a;
    const facts *f = &c->f;
    diag_cite(o, f->srv_cert);
    for (size_t i = 0; i < s->n_steps; i++) {
        if (s->steps[i].dir == DIR_S2C && s->steps[i].kind == STEP_SERVER_KEY_EXCHANGE) {
            diag_cite(o, (long)i);
            break;
        }
    }
    diag_cite(o, f->alert);
    sb_printf(e, "The server presented ");
    cert_phrase(e, s, a, DIR_S2C);
    sb_printf(e, ", but its ServerKeyExchange signature does not verify with that certificate's public key: "
                 "the server signs with a private key that does not belong to the certificate it sends%s%s",
              a->ske.note ? " (" : "", a->ske.note ? a->ske.note : "");
    sb_printf(e, "%s.", a->ske.note ? ")" : "");
    if (f->alert != NONE && !f->completed && s->steps[f->alert].dir == DIR_C2S) {
        sb_printf(e, " The client aborted with ");
        alert_name(e, &s->steps[f->alert]);
        sb_printf(e, ", as a client that checks the server's proof of possession does.");
    } else if (f->completed) {
        sb_printf(e, " The client nevertheless finished the handshake, which a TLS client that "
                     "checks the server never does: either this client does not verify the server's "
                     "signature (anyone holding the certificate could impersonate the server) or the "
                     "capture was altered.");
    }
    sb_printf(n, "Deploy the server's certificate with its own key (after a renewal the certificate "
                 "and key files are often swapped separately; behind a load balancer, check every "
                 "node): compare openssl x509 -noout -pubkey -in server.pem | sha256sum with openssl "
                 "pkey -pubout -in server.key | sha256sum; they must be equal.");
}

/* The client left without a word after the server's certificate (or with
 * an alert after both Finished): a refusal of that certificate. */
void explain_server_cert_left(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    const session_t *s = c->s;
    const conn_analysis *a = c->a;
    const facts *f = &c->f;
    diag_cite(o, f->srv_cert);
    long k = f->fin[0] != NONE && f->fin[1] != NONE ? NONE : c->term;
    for (size_t i = 0; k == NONE && i < s->n_steps; i++) {
        long after = f->fin[0] > f->fin[1] ? f->fin[0] : f->fin[1];
        if ((long)i > after && s->steps[i].dir == DIR_C2S && s->steps[i].kind != STEP_APP)
            k = (long)i;
    }
    diag_cite(o, k);
    const step_t *st = k != NONE ? &s->steps[k] : NULL;
    sb_printf(e, "The server presented ");
    cert_phrase(e, s, a, DIR_S2C);
    if (st && st->kind == STEP_ALERT) {
        o->evidence = EVIDENCE_OBSERVED;
        sb_printf(e, "; the handshake finished, but the client's first word afterwards was ");
        alert_name(e, st);
        sb_printf(e, " (some clients, NSS among them, judge the server's certificate only then).");
        const char *why = diag_alert_cause(st->alert_desc);
        if (why)
            sb_printf(e, " This alert usually means %s.", why);
    } else if (st && st->kind == STEP_ENCRYPTED_ALERT) {
        sb_printf(e, "; the handshake finished, but the client's first word afterwards was an "
                     "encrypted alert, not a request (NSS refuses the server's certificate only "
                     "then).");
    } else {
        sb_printf(e, " and the client %s without an alert and without sending a byte of data "
                     "(Node.js clients refuse an untrusted server so).",
                  st && st->kind == STEP_RST ? "reset the connection" : "closed the connection");
    }
    chain_judgement(e, a, DIR_S2C);
    if (o->evidence == EVIDENCE_INFERRED)
        sb_printf(&o->confirm, "the client's own error message (or, with --keylog FILE, the alert "
                               "itself) names the reason");
    server_trust_fix(n, a);
}

/* The server closed without an alert right after the client's certificate,
 * which our own validation rejects (Node.js with rejectUnauthorized). */
void explain_client_cert_closed(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    const session_t *s = c->s;
    const conn_analysis *a = c->a;
    diag_cite(o, c->f.cli_cert);
    diag_cite(o, c->term);
    sb_printf(e, "The client presented ");
    cert_phrase(e, s, a, DIR_C2S);
    sb_printf(e, " and the server %s the connection after ",
              c->ts->kind == STEP_RST ? "reset" : "closed");
    step_phrase(e, s, last_tls_step_before(s, c->term));
    sb_printf(e, " without an alert. Servers that do so (Node.js with rejectUnauthorized) refused "
                 "the certificate.");
    chain_judgement(e, a, DIR_C2S);
    sb_printf(&o->confirm, "the server's log names the reason");
    fix_for_client_alert(s, a, TLS_ALERT_CERTIFICATE_UNKNOWN, n);
}
