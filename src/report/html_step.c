/* html_step.c — a step's label and look in the HTML report (see html_step.h). */
#include "html_step.h"

#include <stdlib.h>
#include <string.h>

#include "growbuf.h"
#include "names.h"
#include "step_text.h"

html_step_look html_step_look_of(const step_t *st)
{
    switch (st->kind) {
    case STEP_ALERT:
    case STEP_ENCRYPTED_ALERT:
        return LOOK_ALERT;
    case STEP_APP:
        return LOOK_APP;
    case STEP_ENCRYPTED_HANDSHAKE:
        return LOOK_ENC;
    case STEP_APPLICATION_DATA:
        return st->decrypted ? LOOK_MSG : LOOK_ENC;
    case STEP_TCP_GAP:
    case STEP_MALFORMED:
    case STEP_EVICTED:
    case STEP_CAPTURE_END:
    case STEP_RENEGOTIATION:
    case STEP_STARTTLS:
        return LOOK_NOTE;
    default:
        return LOOK_MSG;
    }
}

const char *html_look_class(html_step_look l)
{
    static const char *const cls[] = {"msg", "enc", "alert", "app", "note"};
    return (unsigned)l < sizeof cls / sizeof cls[0] ? cls[l] : "msg";
}

/* "Certificate (2 certs: CN=a <- CN=b)" */
static void cert_label(growbuf *b, const conn_view *c, const step_t *st)
{
    growbuf_printf(b, "%s (", step_name(st));
    if (st->count == 0) {
        growbuf_puts(b, "empty)");
        return;
    }
    growbuf_printf(b, "%u cert%s", st->count, st->count == 1 ? "" : "s");
    const chain_report *r = c->a ? c->a->chain[st->dir] : NULL;
    for (size_t i = 0; r && i < r->n_certs && i < 3; i++) {
        const cert_info *ci = &r->certs[i];
        growbuf_puts(b, i ? " <- " : ": ");
        if (ci->subject_cn) {
            growbuf_puts(b, "CN=");
            growbuf_puts(b, ci->subject_cn);
        } else {
            growbuf_puts(b, ci->subject ? ci->subject : "(undecodable)");
        }
    }
    if (r && r->n_certs > 3)
        growbuf_puts(b, " <- ...");
    growbuf_puts(b, ")");
}

char *html_step_label(const conn_view *c, const step_t *st)
{
    const session_t *s = c->s;
    growbuf b = {0};
    name_buf nb, lb;
    switch (st->kind) {
    case STEP_ALERT:
        growbuf_printf(&b, "Alert %s %s%s", names_alert_level(st->alert_level, &lb), names_alert(st->alert_desc, &nb),
                       st->decrypted ? " (decrypted)" : "");
        break;
    case STEP_ENCRYPTED_ALERT:
        growbuf_printf(&b, "encrypted alert (%u bytes, not decrypted)", st->length);
        break;
    case STEP_CERTIFICATE:
    case STEP_COMPRESSED_CERTIFICATE:
        cert_label(&b, c, st);
        break;
    case STEP_CLIENT_HELLO:
        growbuf_puts(&b, "ClientHello");
        if (s->ch.sni) {
            growbuf_puts(&b, " SNI=");
            growbuf_puts(&b, s->ch.sni);
        }
        break;
    case STEP_SERVER_HELLO:
        growbuf_printf(&b, "ServerHello %s %s", names_version(s->sh.selected_version, &nb),
                       names_session_cipher(s, &lb));
        break;
    case STEP_CERTIFICATE_REQUEST:
        growbuf_printf(&b, "CertificateRequest (%zu acceptable CA%s)", s->cr.n_ca_names,
                       s->cr.n_ca_names == 1 ? "" : "s");
        break;
    case STEP_CERTIFICATE_VERIFY: {
        const cert_verify_info *cv = &s->side[st->dir].cv;
        int res = c->a ? c->a->cv[st->dir].result : -1;
        growbuf_printf(&b, "CertificateVerify%s%s%s", cv->scheme ? " " : "",
                       cv->scheme ? names_sigscheme(cv->scheme, &nb) : "",
                       res == 1 ? " (signature verified)" : res == 0 ? " (signature DOES NOT verify)" : "");
        break;
    }
    case STEP_ENCRYPTED_HANDSHAKE:
    case STEP_APPLICATION_DATA:
        growbuf_printf(&b, "%s (%u record%s, %u bytes)", step_name(st), st->count ? st->count : 1,
                       st->count <= 1 ? "" : "s", st->length);
        break;
    case STEP_TCP_GAP:
        growbuf_printf(&b, "TCP gap (%u bytes lost)", st->length);
        break;
    default:
        growbuf_puts(&b, step_name(st));
        break;
    }
    if (st->decrypted && st->kind != STEP_ALERT)
        growbuf_puts(&b, " [decrypted]");
    else if (st->kind == STEP_APPLICATION_DATA)
        growbuf_puts(&b, " [encrypted]");
    char *owned = NULL;
    const char *detail = step_detail_text(s, st, &owned);
    if (detail) {
        growbuf_puts(&b, " ");
        growbuf_puts(&b, detail);
    }
    free(owned);
    if (st->kind == STEP_SERVER_KEY_EXCHANGE && s->ske_sig.present && c->a && c->a->ske.result >= 0)
        growbuf_puts(&b, c->a->ske.result == 1 ? " (signature verified)" : " (signature DOES NOT verify)");
    return growbuf_take(&b);
}
