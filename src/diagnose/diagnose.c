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

void diagnosis_cleanup(diagnosis *d)
{
    if (!d)
        return;
    free(d->explanation);
    free(d->next_step);
    findings_free(&d->findings);
    memset(d, 0, sizeof(*d));
}

/* ECS tls.established: the verdict's rule, completed by the step log where it
 * depends on what the wire showed. */
static bool established(const session_t *s, const facts *f, verdict_t v, bool failed)
{
    switch (verdict_get(v)->established) {
    case ESTABLISHED_YES:
        return true;
    case ESTABLISHED_IF_FINISHED:
        return session_find_step(s, DIR_S2C, STEP_ALERT) < 0 &&
               session_find_step(s, DIR_S2C, STEP_ENCRYPTED_ALERT) < 0 &&
               session_find_step(s, DIR_S2C, STEP_FINISHED) >= 0 &&
               session_find_step(s, DIR_C2S, STEP_FINISHED) >= 0;
    case ESTABLISHED_IF_DATA:
        return !failed && f->app[0] != NONE && f->app[1] != NONE;
    default:
        return false;
    }
}

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
    sb e = {0}, n = {0};
    bool failed = verdict_is_failure(rule->verdict);
    rule->explain(&c, &e, &n, &failed);

    out->verdict = rule->verdict;
    out->failed = failed;
    out->established = established(s, &c.f, rule->verdict, failed);
    out->explanation = sb_take(&e);
    out->next_step = sb_take(&n);
    diag_own_findings(&c, out);
}
