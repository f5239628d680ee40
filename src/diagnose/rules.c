/*
 * rules.c — the verdict's precedence, in one table (see rules.h).
 *
 * Read it top to bottom: the first row whose predicate holds decides the
 * verdict. Predicates are small and read only the diag_ctx; the rows after a
 * group rely on the rows before having taken their cases (e.g. every row
 * after "finished" sees an unfinished handshake).
 */
#include "rules.h"

#include "alert_knowledge.h"
#include "explain.h"
#include "tls_alert.h"


/* ---- predicates ------------------------------------------------------- */

static bool ends_with(const diag_ctx *c, step_kind k) { return c->ts && c->ts->kind == k; }

static bool bytes_do_not_parse(const diag_ctx *c)
{
    const facts *f = &c->f;
    if (f->hello_malformed)
        return true; /* without a parsed hello nothing after it can be judged */
    return (c->s->malformed || f->malformed != NONE) && !f->completed &&
           (c->ts == NULL || ends_with(c, STEP_MALFORMED) || f->malformed == NONE);
}

static bool no_hello_seen(const diag_ctx *c) { return c->f.ch == NONE && c->f.sh == NONE; }

/* The connection began with a STARTTLS prologue and ended (an alert, FIN or
 * RST) without any hello: one side gave up before TLS began, e.g. a client
 * that refused its own certificate or key after asking for TLS. */
static bool prologue_then_end(const diag_ctx *c)
{
    return no_hello_seen(c) && c->s->starttls && (c->f.alert != NONE || c->f.close != NONE);
}

/* TLS 1.3 PSK shows in the plaintext ServerHello: resumption is observed even
 * when the rest is encrypted (unless a plaintext alert ended it). */
static bool tls13_psk_without_keys(const diag_ctx *c)
{
    return c->s->tls13 && c->s->sh.psk_selected && c->f.tls13_nokeys && !ends_with(c, STEP_ALERT);
}

static bool abbreviated(const diag_ctx *c)
{
    return c->f.resumed && (c->f.completed || c->term == NONE || tls13_psk_without_keys(c));
}

/* TLS 1.3: the client answers the server's encrypted flight with a plaintext
 * alert (it has not switched to handshake keys yet, e.g. OpenSSL refusing the
 * server's certificate). Negotiation alerts are not about the certificate. */
static bool client_plain_alert_after_server_flight(const diag_ctx *c)
{
    const facts *f = &c->f;
    return c->s->tls13 && f->enc_hs[1] != NONE && f->srv_cert == NONE && ends_with(c, STEP_ALERT) &&
           c->ts->dir == DIR_C2S && c->term > f->enc_hs[1] && !diag_is_negotiation_alert(c->ts->alert_desc);
}

static bool lost_bytes_before_decided(const diag_ctx *c)
{
    return !c->f.completed && ends_with(c, STEP_TCP_GAP);
}

/* mtlsdump itself lost part of the connection (an allocation failed while
 * the TLS layer read it: a message, a key or a decrypted record may be
 * missing) before the handshake finished: its outcome is not known, and no
 * verdict may rest on the part that was not read. */
static bool read_lost_before_decided(const diag_ctx *c) { return c->s->out_of_memory && !c->f.completed; }

/* SSL 2.0: after CLIENT-MASTER-KEY everything is encrypted (never decrypted
 * here); both sides went on sending records. */
static bool sslv2_unreadable(const diag_ctx *c)
{
    return c->s->version == 0x0002 && c->s->sh.present && c->f.enc_hs[0] != NONE && c->f.enc_hs[1] != NONE;
}

/* TLS 1.3 whose client flight we cannot read, unless a plaintext alert
 * before the server's encrypted flight already said what happened. */
static bool tls13_unreadable(const diag_ctx *c)
{
    const facts *f = &c->f;
    if (!f->tls13_nokeys || f->sh == NONE || (f->enc_hs[1] == NONE && f->app[1] == NONE))
        return false;
    long srv_flight = f->enc_hs[1] == NONE ? (long)c->s->n_steps : f->enc_hs[1];
    return !(ends_with(c, STEP_ALERT) && c->term < srv_flight);
}

/* TLS 1.0-1.2: a renegotiation we could not read (no keys for it) hides
 * whether the client finally authenticated: it did not finish, or it followed
 * a first handshake without a client certificate (Apache's per-directory
 * SSLVerifyClient asks for one only there). */
static bool renegotiation_unreadable(const diag_ctx *c)
{
    const facts *f = &c->f;
    return f->reneg != NONE && f->reneg_sealed && (!f->reneg_finished || !f->first_cli_cert);
}

/* The handshake finished, then the server refused the client in its own
 * protocol (HTTP, gRPC, PostgreSQL, MySQL, MQTT, Redis, LDAP, mail): observed,
 * the answer is on the wire. */
static bool app_refusal_of_client_cert(const diag_ctx *c)
{
    return c->f.completed && !c->cli_proof_failed && !c->srv_proof_failed && c->cli_sent_cert && c->app_refusal;
}

/* The handshake finished but the response is unreadable: a client chain our
 * validation rejects, at most two short server records and a close look like
 * an application-layer refusal (inferred). */
static bool quiet_refusal_of_invalid_client_cert(const diag_ctx *c)
{
    const facts *f = &c->f;
    return f->completed && !c->cli_proof_failed && !c->srv_proof_failed && c->cli_sent_cert && c->cli_chain_invalid &&
           !f->srv_app_decrypted && f->srv_app_records <= 2 && f->srv_app_bytes <= 2048 && f->close != NONE;
}

static bool tls13_empty_client_certificate(const diag_ctx *c)
{
    return tls13_unreadable(c) && c->t13.client_cert == T13_CERT_EMPTY;
}

static bool tls13_client_cert_refused(const diag_ctx *c)
{
    return tls13_unreadable(c) && c->t13.client_cert == T13_CERT_SENT &&
           (c->t13.answer == T13_ANSWER_ALERT_CLOSE || c->t13.answer == T13_ANSWER_SILENT_CLOSE);
}

static bool tls13_client_left_after_server_flight(const diag_ctx *c)
{
    return tls13_unreadable(c) && c->t13.client_left_after_server_flight;
}

static bool tls13_not_asked(const diag_ctx *c)
{
    return tls13_unreadable(c) && c->t13.client_cert == T13_CERT_NONE && c->t13.answer == T13_ANSWER_WENT_ON;
}

/* First step from the client after both Finished (NONE when none). */
static long client_step_after_finished(const diag_ctx *c)
{
    const facts *f = &c->f;
    long after = f->fin[0] > f->fin[1] ? f->fin[0] : f->fin[1];
    for (size_t i = (size_t)after + 1; i < c->s->n_steps; i++) {
        const step_t *st = &c->s->steps[i];
        if (st->dir == DIR_C2S && st->kind != STEP_APP)
            return (long)i;
    }
    return NONE;
}

/* Both Finished, then the client's first act is an alert (NSS refuses the
 * server's certificate only then) or a close without a byte of data, while
 * our own validation rejects the server's chain (or the decrypted alert is
 * a certificate alert). */
static bool client_left_after_finished(const diag_ctx *c)
{
    const facts *f = &c->f;
    if (f->fin[0] == NONE || f->fin[1] == NONE || f->app[0] != NONE)
        return false;
    long k = client_step_after_finished(c);
    if (k == NONE)
        return false;
    const step_t *st = &c->s->steps[k];
    if (st->kind == STEP_ALERT && st->alert_desc != TLS_ALERT_CLOSE_NOTIFY && diag_alert_cause(st->alert_desc))
        return true;
    bool leaves = st->kind == STEP_ENCRYPTED_ALERT || st->kind == STEP_FIN || st->kind == STEP_RST;
    return leaves && c->srv_chain_invalid;
}

static bool finished_with_client_cert(const diag_ctx *c)
{
    return c->f.completed && !c->cli_proof_failed && !c->srv_proof_failed && c->cli_sent_cert;
}

static bool finished_after_cert_request(const diag_ctx *c)
{
    return c->f.completed && !c->cli_proof_failed && !c->srv_proof_failed && (c->f.certreq != NONE || c->s->cr.present);
}

static bool finished(const diag_ctx *c) { return c->f.completed && !c->cli_proof_failed && !c->srv_proof_failed; }

static bool client_proof_failed(const diag_ctx *c) { return c->cli_proof_failed; }
static bool server_proof_failed(const diag_ctx *c) { return c->srv_proof_failed; }

static bool capture_stopped(const diag_ctx *c)
{
    return c->ts == NULL || ends_with(c, STEP_CAPTURE_END) || ends_with(c, STEP_EVICTED) ||
           ends_with(c, STEP_TCP_GAP);
}

static bool before_term(const diag_ctx *c, long step) { return step != NONE && step < c->term; }

static bool ended_by_alert(const diag_ctx *c) { return c->ts && step_is_alert(c->ts); }

static bool ended_by_server_alert(const diag_ctx *c) { return ended_by_alert(c) && c->ts->dir == DIR_S2C; }

/* The alert's description; encrypted alerts have none (255 is unassigned). */
static uint8_t term_alert_desc(const diag_ctx *c) { return c->ts->kind == STEP_ALERT ? c->ts->alert_desc : 255; }

static bool server_alert_after_client_cert(const diag_ctx *c)
{
    return ended_by_server_alert(c) && before_term(c, c->f.cli_cert) && c->f.cli_cert_count > 0;
}

static bool server_alert_after_cert_request(const diag_ctx *c)
{
    const facts *f = &c->f;
    bool cli_flight_before = before_term(c, f->cli_cert) || before_term(c, f->cli_cke);
    return ended_by_server_alert(c) && before_term(c, f->certreq) &&
           (cli_flight_before || term_alert_desc(c) == TLS_ALERT_CERTIFICATE_REQUIRED);
}

static bool client_alert_after_server_cert(const diag_ctx *c)
{
    return ended_by_alert(c) && c->ts->dir == DIR_C2S && before_term(c, c->f.srv_cert) &&
           !diag_is_negotiation_alert(term_alert_desc(c));
}

static bool alert_before_any_cert(const diag_ctx *c)
{
    return ended_by_alert(c) && !before_term(c, c->f.srv_cert) && !before_term(c, c->f.cli_cert);
}

static bool closed_without_alert(const diag_ctx *c) { return ends_with(c, STEP_FIN) || ends_with(c, STEP_RST); }

/* The client answered the server's CertificateRequest with an empty
 * Certificate, and the server closed (FIN or reset) without an alert: a
 * server that requires a certificate and says so by hanging up. Both the
 * empty Certificate and the close are on the wire. */
static bool server_closed_after_empty_client_cert(const diag_ctx *c)
{
    const facts *f = &c->f;
    return closed_without_alert(c) && c->ts->dir == DIR_S2C && before_term(c, f->cli_cert) && f->cli_cert_count == 0 &&
           before_term(c, f->certreq);
}

/* A close without an alert right after the other side's certificate that our
 * own validation rejects: a refusal by a stack that does not alert (Node.js). */
static bool server_closed_after_invalid_client_cert(const diag_ctx *c)
{
    return closed_without_alert(c) && c->ts->dir == DIR_S2C && before_term(c, c->f.cli_cert) &&
           c->f.cli_cert_count > 0 && c->cli_chain_invalid;
}

/* The client closes without an alert after the server's certificate, either
 * with a chain our validation rejects, or without answering the server's
 * flight at all (nothing but ChangeCipherSpec from the client after it): a
 * client that hangs up instead of sending its next flight refused it. */
static bool client_closed_after_server_cert(const diag_ctx *c)
{
    if (!closed_without_alert(c) || c->ts->dir != DIR_C2S || !before_term(c, c->f.srv_cert))
        return false;
    if (c->srv_chain_invalid)
        return true;
    for (long i = c->f.srv_cert + 1; i < c->term; i++) {
        const step_t *st = &c->s->steps[i];
        if (st->dir == DIR_C2S && st->kind != STEP_CHANGE_CIPHER_SPEC)
            return false;
    }
    return true;
}

static bool always(const diag_ctx *c)
{
    (void)c;
    return true;
}

/* ---- the table -------------------------------------------------------- */

static const diag_rule rules[] = {
    {"bytes_do_not_parse", VERDICT_MALFORMED, EVIDENCE_OBSERVED, bytes_do_not_parse, explain_malformed},
    {"prologue_then_end", VERDICT_ABORTED, EVIDENCE_OBSERVED, prologue_then_end, explain_prologue_then_end},
    {"no_hello_seen", VERDICT_INCOMPLETE, EVIDENCE_OBSERVED, no_hello_seen, explain_incomplete},
    {"abbreviated_handshake", VERDICT_RESUMED, EVIDENCE_OBSERVED, abbreviated, explain_resumed},
    {"lost_bytes_before_decided", VERDICT_INCOMPLETE, EVIDENCE_OBSERVED, lost_bytes_before_decided, explain_incomplete},
    {"read_lost_before_decided", VERDICT_INCOMPLETE, EVIDENCE_OBSERVED, read_lost_before_decided, explain_incomplete},
    {"client_plain_alert_after_server_flight", VERDICT_SERVER_CERT_REJECTED, EVIDENCE_OBSERVED,
     client_plain_alert_after_server_flight, explain_server_cert_rejected},
    {"tls13_empty_client_certificate", VERDICT_CLIENT_CERT_MISSING, EVIDENCE_INFERRED,
     tls13_empty_client_certificate, explain_tls13_client_cert_missing},
    {"tls13_client_cert_refused", VERDICT_CLIENT_CERT_REJECTED, EVIDENCE_INFERRED, tls13_client_cert_refused,
     explain_tls13_client_cert_rejected},
    {"tls13_client_left_after_server_flight", VERDICT_SERVER_CERT_REJECTED, EVIDENCE_INFERRED,
     tls13_client_left_after_server_flight, explain_tls13_server_cert_rejected},
    {"tls13_not_asked", VERDICT_TLS_OK_NO_CLIENT_AUTH, EVIDENCE_INFERRED, tls13_not_asked,
     explain_tls13_no_client_auth},
    {"tls13_unreadable", VERDICT_ENCRYPTED, EVIDENCE_INFERRED, tls13_unreadable, explain_encrypted},
    {"sslv2_unreadable", VERDICT_ENCRYPTED, EVIDENCE_INFERRED, sslv2_unreadable, explain_sslv2_encrypted},
    {"renegotiation_unreadable", VERDICT_ENCRYPTED, EVIDENCE_INFERRED, renegotiation_unreadable,
     explain_renegotiation_encrypted},
    {"client_left_after_finished", VERDICT_SERVER_CERT_REJECTED, EVIDENCE_INFERRED, client_left_after_finished,
     explain_server_cert_left},
    {"app_refusal_of_client_cert", VERDICT_CLIENT_CERT_REJECTED, EVIDENCE_OBSERVED, app_refusal_of_client_cert,
     explain_client_cert_rejected_app},
    {"quiet_refusal_of_invalid_client_cert", VERDICT_CLIENT_CERT_REJECTED, EVIDENCE_INFERRED,
     quiet_refusal_of_invalid_client_cert, explain_client_cert_rejected_quietly},
    {"finished_with_client_cert", VERDICT_MTLS_OK, EVIDENCE_OBSERVED, finished_with_client_cert, explain_mtls_ok},
    {"finished_after_cert_request", VERDICT_CLIENT_CERT_MISSING, EVIDENCE_OBSERVED, finished_after_cert_request,
     explain_client_cert_missing},
    {"finished", VERDICT_TLS_OK_NO_CLIENT_AUTH, EVIDENCE_OBSERVED, finished, explain_tls_ok_no_client_auth},
    {"client_proof_failed", VERDICT_CLIENT_KEY_MISMATCH, EVIDENCE_OBSERVED, client_proof_failed, explain_client_key_mismatch},
    {"server_proof_failed", VERDICT_SERVER_KEY_MISMATCH, EVIDENCE_OBSERVED, server_proof_failed, explain_server_key_mismatch},
    {"capture_stopped", VERDICT_INCOMPLETE, EVIDENCE_OBSERVED, capture_stopped, explain_incomplete},
    {"server_alert_after_client_cert", VERDICT_CLIENT_CERT_REJECTED, EVIDENCE_OBSERVED, server_alert_after_client_cert,
     explain_client_cert_rejected},
    {"server_alert_after_cert_request", VERDICT_CLIENT_CERT_MISSING, EVIDENCE_OBSERVED, server_alert_after_cert_request,
     explain_client_cert_missing},
    {"client_alert_after_server_cert", VERDICT_SERVER_CERT_REJECTED, EVIDENCE_OBSERVED, client_alert_after_server_cert,
     explain_server_cert_rejected},
    {"alert_before_any_cert", VERDICT_NEGOTIATION_FAILED, EVIDENCE_OBSERVED, alert_before_any_cert, explain_negotiation_failed},
    {"other_alert", VERDICT_ABORTED, EVIDENCE_OBSERVED, ended_by_alert, explain_aborted},
    {"server_closed_after_empty_client_cert", VERDICT_CLIENT_CERT_MISSING, EVIDENCE_OBSERVED,
     server_closed_after_empty_client_cert, explain_client_cert_missing},
    {"server_closed_after_invalid_client_cert", VERDICT_CLIENT_CERT_REJECTED, EVIDENCE_INFERRED,
     server_closed_after_invalid_client_cert, explain_client_cert_closed},
    {"client_closed_after_server_cert", VERDICT_SERVER_CERT_REJECTED, EVIDENCE_INFERRED,
     client_closed_after_server_cert, explain_server_cert_left},
    {"closed_without_alert", VERDICT_ABORTED, EVIDENCE_OBSERVED, closed_without_alert, explain_aborted},
    {"otherwise", VERDICT_INCOMPLETE, EVIDENCE_OBSERVED, always, explain_incomplete},
};

const diag_rule *diag_rules(size_t *n_rules)
{
    *n_rules = MTLS_ARRAY_LEN(rules);
    return rules;
}

const diag_rule *diag_first_rule(const diag_ctx *c)
{
    for (size_t i = 0; i < MTLS_ARRAY_LEN(rules); i++)
        if (rules[i].applies(c))
            return &rules[i];
    return &rules[MTLS_ARRAY_LEN(rules) - 1];
}
