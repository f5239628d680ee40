/* conn_facts.c — facts about one connection that several outputs share (see conn_facts.h). */
#include "conn_facts.h"

#include <stdio.h>
#include <string.h>

#include "names.h"
#include "tls_alert.h"

cert_seen conn_cert_seen(const conn_view *c, mtls_dir d)
{
    const chain_report *r = c->a ? c->a->chain[d] : NULL;
    if (r && r->n_certs)
        return CERT_SEEN_READ;
    /* an abbreviated handshake sends no certificate: nothing is hidden */
    if (c->d && c->d->resumed)
        return CERT_SEEN_NONE;
    for (size_t i = 0; i < c->s->n_steps; i++) {
        const step_t *st = &c->s->steps[i];
        if (st->kind == STEP_ENCRYPTED_HANDSHAKE && st->dir == d)
            return CERT_SEEN_HIDDEN;
    }
    return CERT_SEEN_NONE;
}

const char *cert_seen_name(cert_seen v)
{
    switch (v) {
    case CERT_SEEN_READ: return "read";
    case CERT_SEEN_HIDDEN: return "hidden";
    case CERT_SEEN_NONE: break;
    }
    return "none";
}

static bool fatal_alert(const step_t *st)
{
    return st->kind == STEP_ALERT && st->alert_level != TLS_ALERT_LEVEL_WARNING;
}

static void set_alert(conn_cause *out, const step_t *st)
{
    name_buf nb;
    snprintf(out->buf, sizeof out->buf, "%s", names_alert(st->alert_desc, &nb));
    out->kind = "alert";
    out->code = out->buf;
    out->dir = st->dir;
}

/* An application response that refused the client or failed ("http1 400",
 * "postgresql 28000"): the protocol's id and its code (or state). */
static bool app_refusal(const step_t *st)
{
    return st->kind == STEP_APP && st->app.response &&
           (st->app.outcome == APP_OUTCOME_REFUSED || st->app.outcome == APP_OUTCOME_ERROR);
}

static void set_app(conn_cause *out, const step_t *st)
{
    if (st->app.state[0])
        snprintf(out->buf, sizeof out->buf, "%s %s", app_protocol_id(st->app.protocol), st->app.state);
    else
        snprintf(out->buf, sizeof out->buf, "%s %u", app_protocol_id(st->app.protocol), (unsigned)st->app.code);
    out->kind = "app";
    out->code = out->buf;
    out->dir = st->dir;
}

void conn_cause_of(const conn_view *c, conn_cause *out)
{
    memset(out, 0, sizeof(*out));
    out->code = "";
    if (!c->d || !c->d->failed)
        return;
    const session_t *s = c->s;
    /* the alert or application refusal among the verdict's evidence first,
     * then the first fatal alert */
    for (size_t i = 0; i < c->d->n_evidence_steps; i++) {
        uint32_t k = c->d->evidence_steps[i];
        if (k >= 1 && k <= s->n_steps && fatal_alert(&s->steps[k - 1])) {
            set_alert(out, &s->steps[k - 1]);
            return;
        }
    }
    for (size_t i = 0; i < c->d->n_evidence_steps; i++) {
        uint32_t k = c->d->evidence_steps[i];
        if (k >= 1 && k <= s->n_steps && app_refusal(&s->steps[k - 1])) {
            set_app(out, &s->steps[k - 1]);
            return;
        }
    }
    for (size_t i = 0; i < s->n_steps; i++)
        if (fatal_alert(&s->steps[i])) {
            set_alert(out, &s->steps[i]);
            return;
        }
    const finding_list *fl = &c->d->findings;
    for (size_t i = 0; i < fl->n; i++)
        if (fl->items[i].severity == SEV_ERROR && fl->items[i].code) {
            out->kind = "finding";
            out->code = fl->items[i].code;
            return;
        }
}

const char *conn_reason(const conn_view *c, char *buf, size_t n)
{
    conn_cause cc;
    conn_cause_of(c, &cc);
    const char *what = verdict_get(c->d->verdict)->meaning;
    if (!cc.kind)
        snprintf(buf, n, "%s", what);
    else if (strcmp(cc.kind, "alert") == 0)
        snprintf(buf, n, "%s: the %s sent fatal alert %s", what, cc.dir == DIR_C2S ? "client" : "server",
                 cc.code);
    else if (strcmp(cc.kind, "app") == 0)
        snprintf(buf, n, "%s: the server answered %s", what, cc.code);
    else
        snprintf(buf, n, "%s: finding %s", what, cc.code);
    return buf;
}
