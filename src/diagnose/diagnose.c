/*
 * diagnose.c — session + analysis -> diagnosis (see diagnose.h).
 *
 * Pure: reads the session and the certificate analysis as const and writes
 * only the diagnosis it returns. The verdict is the first matching row of
 * the rules table (rules.c); its explanation comes from explain_*.c, its
 * findings from own_findings.c.
 */
#include "diagnose.h"

#include <stdlib.h>
#include <string.h>

#include "own_findings.h"
#include "rules.h"
#include "tls_alert.h"

void diagnosis_cleanup(diagnosis *d)
{
    if (!d)
        return;
    free(d->explanation);
    free(d->next_step);
    free(d->confirm);
    findings_free(&d->findings);
    memset(d, 0, sizeof(*d));
}

/* The server's first alert that is not a readable close_notify, or NONE. */
static long first_server_alert(const session_t *s)
{
    for (size_t i = 0; i < s->n_steps; i++) {
        const step_t *st = &s->steps[i];
        if (st->dir == DIR_S2C && (st->kind == STEP_ENCRYPTED_ALERT ||
                                   (st->kind == STEP_ALERT && st->alert_desc != TLS_ALERT_CLOSE_NOTIFY)))
            return (long)i;
    }
    return NONE;
}

/* TLS 1.3 without keys: the server's first sealed record after the client's
 * first one is larger than an alert (it went on: tickets, data), not a refusal. */
static bool t13_server_went_on(const session_t *s)
{
    uint32_t i = 0;
    while (i < s->n_sealed && s->sealed[i].dir == DIR_S2C)
        i++;
    for (; i < s->n_sealed; i++)
        if (s->sealed[i].dir == DIR_S2C)
            return !tls13_record_may_be_alert(s->sealed[i].length);
    return false;
}

/* Both Finished seen and no server alert (other than a readable close_notify)
 * before the later one: a TLS 1.0-1.2 handshake that completed. */
static bool both_finished_unrefused(const session_t *s)
{
    long sfin = session_find_step(s, DIR_S2C, STEP_FINISHED);
    long cfin = session_find_step(s, DIR_C2S, STEP_FINISHED);
    if (sfin < 0 || cfin < 0)
        return false;
    long alert = first_server_alert(s);
    return alert == NONE || alert > (sfin > cfin ? sfin : cfin);
}

/* ECS tls.established ("the handshake completed"): the verdict's rule,
 * completed by the step log where it depends on what the wire showed. */
static bool established(const session_t *s, const facts *f, verdict_t v, bool failed)
{
    switch (verdict_get(v)->established) {
    case ESTABLISHED_YES:
        return true;
    case ESTABLISHED_IF_FINISHED: {
        long sfin = session_find_step(s, DIR_S2C, STEP_FINISHED);
        long cfin = session_find_step(s, DIR_C2S, STEP_FINISHED);
        if (s->tls13 && !s->decrypted)
            return t13_server_went_on(s);
        if (sfin < 0 || cfin < 0)
            return false;
        /* TLS 1.3: the server judges the client's flight after both Finished;
         * TLS 1.0-1.2: the later Finished ends the handshake, an alert after it
         * (e.g. the close_notify after an HTTP 400) does not undo it */
        return s->tls13 ? first_server_alert(s) == NONE : both_finished_unrefused(s);
    }
    case ESTABLISHED_IF_DATA:
        if (!s->tls13 && both_finished_unrefused(s))
            return true; /* TLS 1.0-1.2: e.g. an unreadable renegotiation after a completed handshake */
        if (s->tls13 && !s->decrypted)
            return !failed && t13_server_went_on(s);
        return !failed && f->app[0] != NONE && f->app[1] != NONE;
    default:
        return false;
    }
}

const char *evidence_name(evidence_t e) { return e == EVIDENCE_INFERRED ? "inferred" : "observed"; }


void diag_run(const session_t *s, const conn_analysis *a, const diag_options *opt, diagnosis *out)
{
    memset(out, 0, sizeof(*out));
    conn_analysis none;
    if (!a) {
        conn_analysis_init(&none);
        a = &none;
    }
    (void)findings_extend(&out->findings, &s->wire_findings);

    diag_ctx c;
    diag_ctx_init(&c, s, a, opt);
    const diag_rule *rule = diag_first_rule(&c);
    diag_out o = {.failed = verdict_is_failure(rule->verdict), .evidence = rule->evidence};
    rule->explain(&c, &o);

    out->verdict = rule->verdict;
    out->failed = o.failed;
    out->established = established(s, &c.f, rule->verdict, o.failed);
    out->resumed = c.f.resumed;
    out->evidence = o.evidence;
    for (size_t i = 0; i < o.n_steps; i++)
        out->evidence_steps[i] = (uint32_t)o.steps[i] + 1;
    out->n_evidence_steps = o.n_steps;
    out->explanation = growbuf_take(&o.e);
    out->next_step = growbuf_take(&o.n);
    if (o.evidence == EVIDENCE_INFERRED && o.confirm.len)
        out->confirm = growbuf_take(&o.confirm);
    else
        growbuf_free(&o.confirm);
    diag_own_findings(&c, out);
}
