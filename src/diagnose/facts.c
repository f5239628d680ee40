/* facts.c — the step log, gathered into facts (see facts.h). */
#include "facts.h"

#include <string.h>

#include "tls_alert.h"

bool step_is_alert(const step_t *st)
{
    return st->kind == STEP_ALERT || st->kind == STEP_ENCRYPTED_ALERT;
}

bool step_is_terminating_alert(const step_t *st)
{
    if (st->kind == STEP_ENCRYPTED_ALERT)
        return true;
    if (st->kind != STEP_ALERT)
        return false;
    return st->alert_level != TLS_ALERT_LEVEL_WARNING || st->alert_desc == TLS_ALERT_CLOSE_NOTIFY ||
           st->alert_desc == TLS_ALERT_USER_CANCELED;
}

bool step_is_certificate(const step_t *st)
{
    return st->kind == STEP_CERTIFICATE || st->kind == STEP_COMPRESSED_CERTIFICATE;
}

/* The last renegotiation: its step and what followed it (see facts.h). */
static void gather_renegotiation(const session_t *s, facts *f)
{
    f->reneg = NONE;
    for (size_t i = 0; i < s->n_steps; i++)
        if (s->steps[i].kind == STEP_RENEGOTIATION)
            f->reneg = (long)i;
    if (f->reneg == NONE)
        return;
    bool fin[2] = {false, false}, hello = false, srv_cert = false;
    for (size_t i = (size_t)f->reneg + 1; i < s->n_steps; i++) {
        const step_t *st = &s->steps[i];
        if (st->kind == STEP_FINISHED)
            fin[st->dir == DIR_S2C] = true;
        else if (st->kind == STEP_CLIENT_HELLO)
            hello = true;
        else if (step_is_certificate(st) && st->dir == DIR_S2C)
            srv_cert = true;
    }
    for (size_t i = 0; i < (size_t)f->reneg; i++)
        if (step_is_certificate(&s->steps[i]) && s->steps[i].dir == DIR_C2S && s->steps[i].count > 0)
            f->first_cli_cert = true;
    f->reneg_sealed = !s->steps[f->reneg].decrypted;
    /* an abbreviated renegotiation resumes the session and its authentication: the first
     * handshake's facts stand */
    f->reneg_read = !f->reneg_sealed && hello && srv_cert;
    f->reneg_finished = fin[0] && fin[1];
}

/* What the first steps of each kind say together: whether the handshake
 * completed, whether the client's flight stayed unreadable, the server's
 * first application response. */
static void conclude(const session_t *s, facts *f)
{
    if (f->ch == NONE && s->ch.present && s->n_steps == 0)
        f->ch = 0;

    bool fin_c = f->fin[0] != NONE;
    bool fin_s = f->fin[1] != NONE;
    long last_fin = f->fin[0] > f->fin[1] ? f->fin[0] : f->fin[1];
    f->completed = fin_c && fin_s;
    /* TLS 1.2 full handshake: the server's Finished comes after the client's
     * flight, so it proves the server accepted the client's certificate; a
     * later encrypted alert is a close_notify or an application-level refusal. */
    bool server_judged_before_fin = s->tls13 || (f->fin[0] != NONE && f->fin[1] != NONE && f->fin[1] < f->fin[0]);
    if (f->completed && server_judged_before_fin && f->alert != NONE && f->alert > last_fin) {
        /* TLS 1.3: the server judges the client's flight after both Finished;
         * a fatal alert before the alerting side sent application data means
         * the handshake did not really succeed. */
        const step_t *a = &s->steps[f->alert];
        int ad = a->dir == DIR_S2C ? 1 : 0;
        bool benign = a->kind == STEP_ALERT && a->alert_desc == TLS_ALERT_CLOSE_NOTIFY;
        if (!benign && (f->app[ad] == NONE || f->app[ad] > f->alert))
            f->completed = false;
    }
    f->tls13_nokeys = s->tls13 && !s->decrypted && f->srv_cert == NONE && f->certreq == NONE;
    /* keys that read the server's flight but not the client's (wrong or
     * incomplete key log): what the client sent is still unknown */
    if (s->tls13 && f->enc_hs[0] != NONE && f->cli_cert == NONE && f->fin[0] == NONE)
        f->tls13_nokeys = true;
    if (!f->completed && !f->tls13_nokeys && f->gap == NONE && f->app[0] != NONE && f->app[1] != NONE &&
        f->alert == NONE)
        f->completed = true;

    if (f->app_srv != NONE) {
        /* typed: the status and the server's words as the TLS layer read them */
        const app_message *m = &s->steps[f->app_srv].app;
        if (m->protocol == APP_PROTO_HTTP1 || m->protocol == APP_PROTO_HTTP2) {
            f->http_status = (int)m->code;
            f->http_reason = m->message;
        }
        f->app_outcome = m->outcome;
        f->app_credentials = m->credentials;
        if (f->app_body != NONE) { /* the body's words name the certificate */
            const app_message *b = &s->steps[f->app_body].app;
            if (m->protocol == APP_PROTO_HTTP1 || m->protocol == APP_PROTO_HTTP2)
                f->http_reason = b->message;
            if (b->outcome == APP_OUTCOME_REFUSED)
                f->app_outcome = APP_OUTCOME_REFUSED;
        }
    }
    f->hello_malformed = (f->sh != NONE && !s->sh.present) || (f->ch != NONE && !s->ch.present);
    if (f->completed) {
        long after = f->fin[0] > f->fin[1] ? f->fin[0] : f->fin[1];
        for (size_t i = (size_t)after + 1; i < s->n_steps; i++) {
            const step_t *st = &s->steps[i];
            if (st->dir == DIR_S2C && st->kind == STEP_APPLICATION_DATA) {
                f->srv_app_records += st->count ? st->count : 1;
                f->srv_app_bytes += st->length;
            }
        }
    }

}

void facts_gather(const session_t *s, facts *f)
{
    memset(f, 0, sizeof(*f));
    long *firsts[] = {&f->ch, &f->sh, &f->hrr, &f->srv_cert, &f->cli_cert, &f->certreq,
                      &f->cli_cv, &f->cli_cke, &f->alert, &f->close, &f->gap, &f->end,
                      &f->malformed, &f->app_srv, &f->app_body};
    for (size_t i = 0; i < MTLS_ARRAY_LEN(firsts); i++)
        *firsts[i] = NONE;
    for (int d = 0; d < 2; d++)
        f->ccs[d] = f->fin[d] = f->app[d] = f->enc_hs[d] = NONE;

    gather_renegotiation(s, f);
    for (size_t i = f->reneg_read ? (size_t)f->reneg : 0; i < s->n_steps; i++) {
        const step_t *st = &s->steps[i];
        long li = (long)i;
        int d = st->dir == DIR_S2C ? 1 : 0;
        switch (st->kind) {
        case STEP_CLIENT_HELLO:
            if (f->ch == NONE)
                f->ch = li;
            break;
        case STEP_SERVER_HELLO:
            if (f->sh == NONE)
                f->sh = li;
            break;
        case STEP_HELLO_RETRY_REQUEST:
            if (f->hrr == NONE)
                f->hrr = li;
            break;
        case STEP_CERTIFICATE:
        case STEP_COMPRESSED_CERTIFICATE:
            if (d == 1 && f->srv_cert == NONE) {
                f->srv_cert = li;
                f->srv_cert_count = st->count;
            } else if (d == 0 && f->cli_cert == NONE) {
                f->cli_cert = li;
                f->cli_cert_count = st->count;
            }
            break;
        case STEP_CERTIFICATE_REQUEST:
            if (d == 1 && f->certreq == NONE)
                f->certreq = li;
            break;
        case STEP_CERTIFICATE_VERIFY:
            if (d == 0 && f->cli_cv == NONE)
                f->cli_cv = li;
            break;
        case STEP_CLIENT_KEY_EXCHANGE:
            if (f->cli_cke == NONE)
                f->cli_cke = li;
            break;
        case STEP_CHANGE_CIPHER_SPEC:
            if (f->ccs[d] == NONE)
                f->ccs[d] = li;
            break;
        case STEP_FINISHED:
            if (f->fin[d] == NONE)
                f->fin[d] = li;
            break;
        case STEP_ENCRYPTED_HANDSHAKE:
            if (f->enc_hs[d] == NONE)
                f->enc_hs[d] = li;
            /* TLS <= 1.2: the first encrypted handshake record after CCS is Finished. */
            if (!s->tls13 && f->ccs[d] != NONE && f->fin[d] == NONE)
                f->fin[d] = li;
            break;
        case STEP_APPLICATION_DATA:
            if (f->app[d] == NONE)
                f->app[d] = li;
            if (d == 1 && st->decrypted)
                f->srv_app_decrypted = true;
            break;
        case STEP_ALERT:
        case STEP_ENCRYPTED_ALERT:
            if (f->alert == NONE && step_is_terminating_alert(st))
                f->alert = li;
            break;
        case STEP_FIN:
        case STEP_RST:
            if (f->close == NONE)
                f->close = li;
            break;
        case STEP_TCP_GAP:
            if (f->gap == NONE)
                f->gap = li;
            break;
        case STEP_CAPTURE_END:
        case STEP_EVICTED:
            if (f->end == NONE)
                f->end = li;
            break;
        case STEP_MALFORMED:
            if (f->malformed == NONE)
                f->malformed = li;
            break;
        case STEP_APP:
            if (d == 1) {
                /* the first answer that decides, else the first one; the
                 * words of its body may come as a step of their own */
                if (f->app_srv == NONE || (st->app.outcome != APP_OUTCOME_NONE &&
                                           s->steps[f->app_srv].app.outcome == APP_OUTCOME_NONE))
                    f->app_srv = li;
                else if (f->app_body == NONE && st->app.message && !s->steps[f->app_srv].app.message &&
                         st->app.protocol == s->steps[f->app_srv].app.protocol)
                    f->app_body = li;
                f->srv_app_decrypted = true;
            }
            break;
        default:
            break;
        }
    }
    conclude(s, f);
    f->resumed = s->resumed || s->sh.psk_selected;
    if (!f->resumed && !s->tls13 && s->sh.present && f->srv_cert == NONE &&
        s->ch.session_id_len > 0 && s->ch.session_id_len == s->sh.session_id_len &&
        memcmp(s->ch.session_id, s->sh.session_id, s->ch.session_id_len) == 0 &&
        f->ccs[1] != NONE && f->cli_cke == NONE)
        f->resumed = true;
}
