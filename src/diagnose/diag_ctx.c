/* diag_ctx.c — the per-connection context of the diagnosis and its evidence citations (see diag_ctx.h). */
#include "diag_ctx.h"

#include <string.h>

/* An HTTP answer that refuses the client for its certificate: nginx's 495/496
 * (or its 400 page naming the certificate), or 400/403/421 when the client
 * sent no certificate or one our own validation rejects. A 403 for a valid
 * certificate is authorisation, not authentication: not counted. */
static bool http_refuses_certificate(const facts *f, bool sent_cert, bool chain_invalid)
{
    int st = f->http_status;
    if (st == 495 || st == 496 || (st == 400 && f->http_reason))
        return true;
    return (st == 400 || st == 403 || st == 421) && (!sent_cert || chain_invalid);
}

/* The server's application answer refuses the client: an HTTP status that
 * names the certificate (above), or an answer whose protocol says it refused
 * who the client is (HTTP 401/403, gRPC 7/16, PostgreSQL SQLSTATE 28xxx,
 * MySQL 1045, CONNACK not authorized, -NOAUTH, LDAP 49, IMAP NO
 * [AUTHENTICATIONFAILED], ...), unless the client had offered a password of
 * its own that the server did not prove right: then the refusal may be about
 * that password (reported as a finding, not as the certificate's verdict). */
static bool app_refuses_client(const facts *f, bool sent_cert, bool chain_invalid)
{
    if (http_refuses_certificate(f, sent_cert, chain_invalid))
        return true;
    return f->app_outcome == APP_OUTCOME_REFUSED && !f->app_credentials;
}

void diag_ctx_init(diag_ctx *c, const session_t *s, const conn_analysis *a, const diag_options *opt)
{
    static const diag_options defaults;
    c->s = s;
    c->a = a;
    c->opt = opt ? opt : &defaults;
    facts_gather(s, &c->f);
    const facts *f = &c->f;
    const side_info *cli = &s->side[DIR_C2S];
    c->cli_sent_cert = f->cli_cert != NONE && f->cli_cert_count > 0;
    if (!c->cli_sent_cert && f->cli_cert == NONE && cli->n_certs > 0)
        c->cli_sent_cert = true;
    c->cli_proof_failed = c->cli_sent_cert && cli->cv.present && a->cv[DIR_C2S].result == 0;
    /* the ServerKeyExchange signs the two randoms and its own params, nothing
     * that depends on how the capture ordered the two directions; a TLS 1.3
     * server CertificateVerify covers the transcript, which a capture that
     * reorders across directions can scramble: it is reported, not judged */
    c->srv_proof_failed = s->ske_sig.present && a->ske.result == 0;
    const chain_report *cr = a->chain[DIR_C2S];
    /* inference from our own validation only against anchors the user gave:
     * the system store is a guess at what the client trusts */
    c->cli_chain_invalid = cr && !cr->valid && cr->trust_checked && c->opt->client_ca_given;
    const chain_report *sr = a->chain[DIR_S2C];
    c->srv_chain_invalid = sr && !sr->valid && sr->trust_checked && c->opt->server_ca_given;
    c->app_refusal = app_refuses_client(f, c->cli_sent_cert, c->cli_chain_invalid);
    c->term = NONE;
    long evs[] = {f->alert, f->close, f->gap, f->end, f->malformed};
    for (size_t i = 0; i < MTLS_ARRAY_LEN(evs); i++)
        if (evs[i] != NONE && (c->term == NONE || evs[i] < c->term))
            c->term = evs[i];
    c->ts = c->term != NONE ? &s->steps[c->term] : NULL;
    t13_infer(s, f, &c->t13);
    /* sizes never contradict what decrypted messages show: a server flight
     * that was read and holds no CertificateRequest asked for nothing */
    if (c->t13.client_cert == T13_CERT_EMPTY && f->srv_cert != NONE && f->certreq == NONE && !s->cr.present)
        c->t13.client_cert = T13_CERT_UNKNOWN;
}

void diag_cite(diag_out *o, long i)
{
    if (i < 0)
        return;
    size_t k = 0;
    while (k < o->n_steps && o->steps[k] < i)
        k++;
    if ((k < o->n_steps && o->steps[k] == i) || o->n_steps == DIAG_MAX_EVIDENCE_STEPS)
        return;
    memmove(&o->steps[k + 1], &o->steps[k], (o->n_steps - k) * sizeof(o->steps[0]));
    o->steps[k] = i;
    o->n_steps++;
}
