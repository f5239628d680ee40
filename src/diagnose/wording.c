/* wording.c — shared phrases of the diagnosis (see wording.h). */
#include "wording.h"

#include <stdlib.h>

#include "dn.h"
#include "facts.h"
#include "names.h"

char sb_last(const sb *b) { return b->p && b->len ? (char)b->p[b->len - 1] : '\0'; }

const char *side_word(mtls_dir d) { return d == DIR_C2S ? "client" : "server"; }

void step_phrase(sb *b, const session_t *s, long i)
{
    if (i == NONE || i < 0 || (size_t)i >= s->n_steps) {
        sb_printf(b, "the start of the connection");
        return;
    }
    const step_t *st = &s->steps[i];
    if (step_is_certificate(st) && st->count == 0)
        sb_printf(b, "the %s's empty Certificate", side_word(st->dir));
    else
        sb_printf(b, "the %s's %s", side_word(st->dir), step_name(st));
}

long last_tls_step_before(const session_t *s, long i)
{
    for (long k = i - 1; k >= 0; k--) {
        step_kind kd = s->steps[k].kind;
        if (kd != STEP_FIN && kd != STEP_RST && kd != STEP_TCP_GAP && kd != STEP_CAPTURE_END &&
            kd != STEP_EVICTED && kd != STEP_TCP_SYN && kd != STEP_APP)
            return k;
    }
    return NONE;
}

void ca_list(sb *b, const session_t *s, size_t max)
{
    const cert_request_info *cr = &s->cr;
    size_t shown = 0;
    for (size_t i = 0; i < cr->n_ca_names && shown < max; i++) {
        char *dn = dn_ca_name_string(cr->ca_names[i].data, cr->ca_names[i].len);
        sb_printf(b, "%s\"%s\"", shown ? "; " : "", dn ? dn : "(unparsable name)");
        free(dn);
        shown++;
    }
    if (cr->n_ca_names > shown)
        sb_printf(b, " and %zu more", cr->n_ca_names - shown);
}

const cert_info *diag_leaf(const conn_analysis *a, mtls_dir d)
{
    const chain_report *r = a->chain[d];
    if (!r || r->n_certs == 0 || r->certs[0].decode_error)
        return NULL;
    return &r->certs[0];
}

void cert_phrase(sb *b, const session_t *s, const conn_analysis *a, mtls_dir d)
{
    const cert_info *ci = diag_leaf(a, d);
    size_t n = a->chain[d] ? a->chain[d]->n_certs : s->side[d].n_certs;
    if (ci)
        sb_printf(b, "\"%s\" issued by \"%s\"", ci->subject ? ci->subject : "?",
                  ci->issuer ? ci->issuer : "?");
    else
        sb_printf(b, "a certificate");
    if (n > 1)
        sb_printf(b, " (chain of %zu certificates)", n);
}

void chain_judgement(sb *b, const conn_analysis *a, mtls_dir d)
{
    const chain_report *r = a->chain[d];
    if (!r) {
        sb_printf(b, " The %s chain was not analysed.", side_word(d));
        return;
    }
    if (!r->valid) {
        sb_printf(b, " Our own validation of the %s chain agrees that something is wrong: %s",
                  side_word(d),
                  r->verify_sentence ? r->verify_sentence
                                     : (r->verify_error_str ? r->verify_error_str : "invalid"));
        char last = sb_last(b);
        if (last && last != '.')
            sb_printf(b, ".");
    } else if (r->trust_checked) {
        sb_printf(b, " Our own validation found the %s chain valid against the configured "
                     "trust anchors, so the server's trust store or policy differs from ours.",
                  side_word(d));
    } else {
        sb_printf(b, " Our own validation found no defect in the %s chain itself (trust was "
                     "not checked%s%s).",
                  side_word(d), r->trust_note ? ": " : "", r->trust_note ? r->trust_note : "");
    }
}

bool chain_has(const conn_analysis *a, mtls_dir d, const char *code)
{
    const chain_report *r = a->chain[d];
    return r && findings_has(&r->findings, code);
}

void alert_name(sb *b, const step_t *a)
{
    if (a->kind == STEP_ENCRYPTED_ALERT) {
        sb_printf(b, "an encrypted alert");
        return;
    }
    name_buf nb, lb;
    sb_printf(b, "%s alert %s", names_alert_level(a->alert_level, &lb),
              names_alert(a->alert_desc, &nb));
}
