/* own_findings.c — the findings the diagnosis adds: each side's chain
 * findings placed on that side, the CA-list mismatch, deprecated versions,
 * gaps, alerts, malformed bytes and a failed CertificateVerify the server
 * accepted (see diagnose.h). */
#include "own_findings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "text.h"
#include "tls_alert.h"

static void copy_chain_findings(const conn_analysis *a, mtls_dir d, diagnosis *out)
{
    const chain_report *r = a->chain[d];
    if (!r)
        return;
    const char *who = side_word(d);
    for (size_t i = 0; i < r->findings.n; i++) {
        const finding_t *cf = &r->findings.items[i];
        char where[160];
        if (!cf->where)
            snprintf(where, sizeof where, "%s chain", who);
        else if (strncmp(cf->where, "chain", 5) == 0)
            snprintf(where, sizeof where, "%s %s", who, cf->where);
        else if (strncmp(cf->where, who, strlen(who)) == 0)
            snprintf(where, sizeof where, "%s", cf->where);
        else
            snprintf(where, sizeof where, "%s chain: %s", who, cf->where);
        (void)findings_add(&out->findings, cf->severity, cf->code, where, "%s", cf->message);
    }
}

/* One finding per renegotiation: secure (RFC 5746) or legacy. */
static void renegotiation_finding(const diag_ctx *c, size_t i, diagnosis *out)
{
    const session_t *s = c->s;
    const facts *f = &c->f;
    const step_t *st = &s->steps[i];
    char where[48];
    snprintf(where, sizeof where, "%s step %zu", dir_arrow(st->dir), i + 1);
    const char *who = st->dir == DIR_S2C ? "server" : "client";
    const char *msg = st->dir == DIR_S2C ? "HelloRequest" : "ClientHello";
    const char *read = !st->decrypted ? " It is encrypted and not decrypted (no keys for it): pass --keylog to read it."
                       : (long)i == f->reneg && f->reneg_read
                           ? " It was decrypted: the verdict is about the renegotiated handshake, its certificates "
                             "replace the first handshake's."
                           : "";
    if (session_secure_renegotiation(s)) {
        (void)findings_add(&out->findings, SEV_INFO, "renegotiation", where,
                           "The %s started renegotiation #%u after the handshake (%s); secure renegotiation "
                           "(RFC 5746, renegotiation_info) was agreed in the first handshake.%s",
                           who, st->count, msg, read);
        return;
    }
    (void)findings_add(&out->findings, SEV_WARNING, "insecure_renegotiation", where,
                       "The %s started renegotiation #%u after the handshake (%s), but secure renegotiation "
                       "was not agreed in the first handshake (%s): legacy renegotiation lets a man in the "
                       "middle prefix the client's traffic with its own (CVE-2009-3555). Enable RFC 5746 on "
                       "both sides (every current TLS library has it) or disable renegotiation.%s",
                       who, st->count, msg,
                       session_client_offered_secure_renegotiation(s)
                           ? "the client offered renegotiation_info, the server did not answer it"
                           : "the client sent neither renegotiation_info nor TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
                       read);
}

/* The finding with this code whose place is on side `who` ("client ..."), or NULL. */
static finding_t *side_finding(diagnosis *out, const char *who, const char *code)
{
    for (size_t i = 0; i < out->findings.n; i++) {
        finding_t *fi = &out->findings.items[i];
        if (strcmp(fi->code, code) == 0 && fi->where && strncmp(fi->where, who, strlen(who)) == 0)
            return fi;
    }
    return NULL;
}

/* A certificate alert names what the peer found wrong with the certificate
 * it refused: that is a finding on that certificate, observed from the alert,
 * beside (or confirming) our own validation's. */
static const struct alert_finding {
    uint8_t desc;
    const char *code;          /* the finding it is */
    const char *needs_own;     /* only when our own validation found this too (NULL: always) */
    const char *what;          /* what the peer says */
} alert_findings[] = {
    {TLS_ALERT_CERTIFICATE_REVOKED, "cert_revoked", NULL,
     "its issuer revoked it (CRL or OCSP): issue and deploy a new certificate"},
    {TLS_ALERT_CERTIFICATE_EXPIRED, "cert_expired", NULL,
     "it (or a certificate of its chain) is expired or not yet valid at the peer's clock: renew it, or "
     "fix the clock of whichever side is wrong"},
    {TLS_ALERT_UNSUPPORTED_CERTIFICATE, "weak_key", "weak_key",
     "its key is too weak for the peer's security level: reissue it with an RSA key of at least 2048 bits "
     "or an EC key"},
    {TLS_ALERT_BAD_CERTIFICATE, "weak_key", "weak_key",
     "it could not be used, and its key is too weak for current security levels: reissue it with an RSA "
     "key of at least 2048 bits or an EC key"},
    {TLS_ALERT_BAD_CERTIFICATE, "weak_signature_hash", "weak_signature_hash",
     "it could not be used, and it is signed with a hash current security levels refuse (SHA-1 or MD5): "
     "reissue it signed with SHA-256"},
    {TLS_ALERT_UNSUPPORTED_CERTIFICATE, "eku_no_client_auth", "eku_no_client_auth", NULL},
    {TLS_ALERT_UNSUPPORTED_CERTIFICATE, "eku_no_server_auth", "eku_no_server_auth", NULL},
    {TLS_ALERT_UNSUPPORTED_CERTIFICATE, "key_usage_mismatch", "key_usage_mismatch", NULL},
    {TLS_ALERT_BAD_CERTIFICATE, "eku_no_client_auth", "eku_no_client_auth", NULL},
    {TLS_ALERT_BAD_CERTIFICATE, "key_usage_mismatch", "key_usage_mismatch", NULL},
    {TLS_ALERT_UNSUPPORTED_CERTIFICATE, "cert_unsupported", NULL,
     "the peer does not accept this kind of certificate (its key usage or extended key usage, key type, "
     "key size or signature algorithm): compare them with what the peer requires"},
};

static void alert_cert_findings(const diag_ctx *c, diagnosis *out)
{
    const facts *f = &c->f;
    if (f->alert == NONE)
        return;
    const step_t *al = &c->s->steps[f->alert];
    if (al->kind != STEP_ALERT || al->alert_level != TLS_ALERT_LEVEL_FATAL)
        return;
    mtls_dir certified = al->dir == DIR_S2C ? DIR_C2S : DIR_S2C; /* whose certificate it refuses */
    long cert = certified == DIR_C2S ? f->cli_cert : f->srv_cert;
    uint32_t n = certified == DIR_C2S ? f->cli_cert_count : f->srv_cert_count;
    if (cert == NONE || cert > f->alert || n == 0)
        return;
    const char *who = side_word(certified), *peer = side_word(al->dir);
    name_buf nb;
    for (size_t i = 0; i < MTLS_ARRAY_LEN(alert_findings); i++) {
        const struct alert_finding *af = &alert_findings[i];
        if (af->desc != al->alert_desc)
            continue;
        finding_t *own = side_finding(out, who, af->code);
        if (af->needs_own && !own)
            continue;
        if (own) { /* our validation found it too: the alert confirms it */
            char *m = text_printf("%s Observed: the %s's alert %s (step %ld) refused this certificate.",
                                  own->message, peer, names_alert(al->alert_desc, &nb), f->alert + 1);
            if (m) {
                free(own->message);
                own->message = m;
            }
        } else {
            char where[48];
            snprintf(where, sizeof where, "%s chain[0]", who);
            (void)findings_add(&out->findings, SEV_ERROR, af->code, where,
                               "Observed: the %s refused the %s certificate with alert %s (step %ld): %s.",
                               peer, who, names_alert(al->alert_desc, &nb), f->alert + 1, af->what);
        }
        break; /* one finding per alert */
    }
}

/* The server's application answer refused the client, or failed: a finding
 * dashboards can count whatever the verdict (the verdict says whether it was
 * about the certificate). */
static void app_answer_finding(const diag_ctx *c, diagnosis *out)
{
    const facts *f = &c->f;
    if (f->app_srv == NONE)
        return;
    const app_message *m = &c->s->steps[f->app_srv].app;
    if (f->app_outcome != APP_OUTCOME_REFUSED && f->app_outcome != APP_OUTCOME_ERROR)
        return;
    if (f->app_body != NONE && !m->message)
        m = &c->s->steps[f->app_body].app; /* the words that name the refusal */
    char where[48];
    snprintf(where, sizeof where, "S->C step %ld", (m == &c->s->steps[f->app_srv].app ? f->app_srv : f->app_body) + 1);
    bool refused = f->app_outcome == APP_OUTCOME_REFUSED;
    bool words = m->message && !(m->line && strstr(m->line, m->message));
    (void)findings_add(&out->findings, refused ? SEV_ERROR : SEV_WARNING, refused ? "app_refused" : "app_error",
                       where, "The server %s in %s%s: %s%s%s%s.%s",
                       refused ? "refused the client" : "answered with an error",
                       app_protocol_name(m->protocol), m->plaintext ? " (in the clear, after TLS ended)" : "",
                       m->line ? m->line : "?", words ? " \"" : "", words ? m->message : "", words ? "\"" : "",
                       m->credentials ? " The client had also sent a password or another credential of its "
                                        "own, which the server did not prove right: the refusal may be about "
                                        "that rather than the certificate."
                                      : "");
}

/* Parts of the work on this connection that our own machinery could not do
 * (an allocation failed): said as what they are, never as a certificate
 * finding (DESIGN.md "When our own machinery fails"). */
static void analysis_failed_findings(const session_t *s, const conn_analysis *a, diagnosis *out)
{
    static const struct {
        unsigned bit;
        const char *where, *what;
    } parts[] = {
        {ANALYSIS_LOST_CHAIN_CLIENT, "client chain", "client chain not validated: out of memory. Its validity is "
                                                     "unknown (neither valid nor invalid); nothing about it was "
                                                     "used for the verdict"},
        {ANALYSIS_LOST_CHAIN_SERVER, "server chain", "server chain not validated: out of memory. Its validity is "
                                                     "unknown (neither valid nor invalid); nothing about it was "
                                                     "used for the verdict"},
        {ANALYSIS_LOST_CV_CLIENT, "client", "client CertificateVerify not checked: out of memory"},
        {ANALYSIS_LOST_CV_SERVER, "server", "server CertificateVerify not checked: out of memory"},
        {ANALYSIS_LOST_SKE, "server", "server ServerKeyExchange signature not checked: out of memory"},
        {ANALYSIS_LOST_CA_MATCH, "client chain", "whether the client chain reaches a CA the server listed was not "
                                                 "checked: out of memory"},
    };
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        if (a->lost & parts[i].bit)
            (void)findings_add(&out->findings, SEV_ERROR, "analysis_failed", parts[i].where,
                               "mtlsdump could not finish its own analysis: %s. Run it again with more "
                               "memory.", parts[i].what);
    if (s->out_of_memory)
        (void)findings_add(&out->findings, SEV_ERROR, "analysis_failed", NULL,
                           "mtlsdump ran out of memory while reading this connection's TLS: handshake steps, "
                           "key log secrets or decrypted data may be missing, so the verdict rests only on what "
                           "was read. Run it again with more memory.");
}

void diag_own_findings(const diag_ctx *c, diagnosis *out)
{
    const session_t *s = c->s;
    const conn_analysis *a = c->a;
    const facts *f = &c->f;
    analysis_failed_findings(s, a, out);
    copy_chain_findings(a, DIR_C2S, out);
    copy_chain_findings(a, DIR_S2C, out);
    if (a->client_ca_acceptable == 0 && s->cr.present) {
        sb l = {0};
        ca_list(&l, s, 6);
        const cert_info *ci = diag_leaf(a, DIR_C2S);
        (void)findings_add(&out->findings, SEV_ERROR, "client_ca_not_acceptable", "client chain",
                           "The client certificate (issuer \"%s\") does not chain to any CA the "
                           "server listed in its CertificateRequest: %s.",
                           ci && ci->issuer ? ci->issuer : "?", growbuf_cstr(&l));
        growbuf_free(&l);
    }
    uint16_t v = s->version ? s->version : (s->sh.present ? s->sh.selected_version : 0);
    if (v && v < 0x0303) { /* below TLS 1.2 */
        name_buf nb;
        (void)findings_add(&out->findings, SEV_WARNING, "deprecated_protocol", "ServerHello",
                           v <= 0x0300 ? "%s was negotiated: SSL is broken (SSL 2.0: RFC 6176, SSL 3.0: "
                                         "RFC 7568); disable it and enable TLS 1.2 or 1.3."
                                       : "%s was negotiated; TLS 1.0 and 1.1 are deprecated (RFC 8996): "
                                         "enable TLS 1.2 or 1.3.",
                           names_version(v, &nb));
    }
    size_t gaps = 0;
    for (size_t i = 0; i < s->n_steps; i++) {
        const step_t *st = &s->steps[i];
        char where[48];
        if (st->kind != STEP_RENEGOTIATION && st->kind != STEP_TCP_GAP && st->kind != STEP_ALERT &&
            st->kind != STEP_ENCRYPTED_ALERT)
            continue; /* most steps: no finding of their own here */
        snprintf(where, sizeof where, "%s step %zu", dir_arrow(st->dir), i + 1);
        if (st->kind == STEP_RENEGOTIATION) {
            renegotiation_finding(c, i, out);
        } else if (st->kind == STEP_TCP_GAP && gaps++ < 8) {
            (void)findings_add(&out->findings, SEV_WARNING, "tcp_gap", where,
                               "The capture lost %u bytes sent by the %s; later steps in that "
                               "direction may be missing.",
                               st->length, side_word(st->dir));
        } else if (st->kind == STEP_ALERT) {
            name_buf nb, lb;
            bool fatal = step_is_terminating_alert(st) && st->alert_desc != TLS_ALERT_CLOSE_NOTIFY;
            if (st->alert_desc == TLS_ALERT_CLOSE_NOTIFY && f->completed)
                continue; /* orderly close_notify */
            (void)findings_add(&out->findings, fatal ? SEV_ERROR : SEV_INFO,
                               fatal ? "fatal_alert" : "warning_alert", where,
                               "The %s sent %s alert %s%s.", side_word(st->dir),
                               names_alert_level(st->alert_level, &lb),
                               names_alert(st->alert_desc, &nb),
                               st->decrypted ? " (decrypted)" : "");
        } else if (st->kind == STEP_ENCRYPTED_ALERT && !f->completed) {
            (void)findings_add(&out->findings, SEV_WARNING, "fatal_alert", where,
                               "The %s sent an encrypted alert; its description needs the "
                               "session keys (--keylog).",
                               side_word(st->dir));
        }
    }
    alert_cert_findings(c, out);
    app_answer_finding(c, out);
    if (gaps > 8)
        (void)findings_add(&out->findings, SEV_WARNING, "tcp_gap", NULL,
                           "%zu more TCP gaps in this connection.", gaps - 8);
    if (s->malformed || f->malformed != NONE) {
        (void)findings_add(&out->findings, SEV_ERROR, "malformed", side_word(s->malformed_dir),
                           "Bytes from the %s did not parse as TLS at offset %llu: %s.",
                           side_word(s->malformed_dir), (unsigned long long)s->malformed_offset,
                           s->malformed_reason ? s->malformed_reason : "unknown reason");
    }
    if (s->ske_sig.present && a->ske.result == 0)
        (void)findings_add(&out->findings, SEV_ERROR, "server_key_mismatch", "server",
                           "The server's ServerKeyExchange signature does not verify with its certificate's "
                           "key%s%s.", a->ske.note ? ": " : "", a->ske.note ? a->ske.note : "");
    if (f->completed && s->side[DIR_C2S].cv.present && a->cv[DIR_C2S].result == 0)
        (void)findings_add(&out->findings, SEV_WARNING, "cert_verify_failed", "client",
                           "The client's CertificateVerify did not verify with its certificate's "
                           "key, yet the server finished the handshake%s%s.",
                           a->cv[DIR_C2S].note ? ": " : "",
                           a->cv[DIR_C2S].note ? a->cv[DIR_C2S].note : "");
}
