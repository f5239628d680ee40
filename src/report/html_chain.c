/* html_chain.c — certificate chains as trees (see html_chain.h). */
#include "html_chain.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dn.h"
#include "fmt_time.h"
#include "html_esc.h"
#include "html_svg.h"

static void day(growbuf *b, int64_t t)
{
    char s[24];
    growbuf_puts(b, fmt_day(t, s, sizeof s));
}

/* The findings whose place is exactly `where` ("client chain[0]", "client chain"). */
static void findings_at(growbuf *b, const diagnosis *d, const char *where)
{
    bool any = false;
    for (size_t i = 0; d && i < d->findings.n; i++) {
        const finding_t *f = &d->findings.items[i];
        if (!f->where || strcmp(f->where, where) != 0)
            continue;
        growbuf_puts(b, any ? "" : "<ul class=\"cf\">");
        any = true;
        growbuf_printf(b, "<li class=\"%s\"><code>", finding_sev_name(f->severity));
        html_text(b, f->code, 0);
        growbuf_puts(b, "</code> ");
        html_text(b, f->message, 0);
        growbuf_puts(b, "</li>");
    }
    if (any)
        growbuf_puts(b, "</ul>");
}

static void cert_node(growbuf *b, const conn_view *c, const cert_info *ci, const char *side, size_t idx)
{
    char where[48];
    snprintf(where, sizeof where, "%s chain[%zu]", side, idx);
    growbuf_printf(b, "<div class=\"cert\"><span class=\"idx\">[%zu]</span> ", idx);
    if (ci->decode_error) {
        growbuf_printf(b, "(undecodable, %zu bytes) sha256 %s", ci->der_len, ci->sha256);
    } else {
        growbuf_puts(b, "<span class=\"subj\">");
        html_text(b, ci->subject, 0);
        growbuf_puts(b, "</span><div class=\"cm\">issuer ");
        html_text(b, ci->issuer, 0);
        growbuf_puts(b, "</div><div class=\"cm\">");
        html_validity_bar(b, ci->not_before, ci->not_after, (int64_t)(c->s->first_ts_us / 1000000u));
        growbuf_puts(b, " ");
        day(b, ci->not_before);
        growbuf_puts(b, " .. ");
        day(b, ci->not_after);
        growbuf_puts(b, "</div><div class=\"cm\">key ");
        html_text(b, ci->key_alg, 0);
        if (ci->key_bits)
            growbuf_printf(b, " %d bits", ci->key_bits);
        if (ci->key_curve) {
            growbuf_puts(b, " ");
            html_text(b, ci->key_curve, 0);
        }
        growbuf_puts(b, ", sig ");
        html_text(b, ci->sig_alg, 0);
        if (ci->ext_key_usage) {
            growbuf_puts(b, ", EKU ");
            html_text(b, ci->ext_key_usage, 0);
        }
        growbuf_printf(b, "</div><div class=\"cm fp\">sha256 %s</div>", ci->sha256);
    }
    findings_at(b, c->d, where);
    growbuf_puts(b, "</div>");
}

static void chain(growbuf *b, const conn_view *c, mtls_dir d)
{
    const session_t *s = c->s;
    const chain_report *r = c->a ? c->a->chain[d] : NULL;
    const char *side = d == DIR_C2S ? "client" : "server";
    if (!session_cert_msg_seen(s, d) && !r && s->side[d].n_certs == 0)
        return;
    growbuf_printf(b, "<div class=\"chain\"><h4>%s certificate chain</h4>", d == DIR_C2S ? "Client" : "Server");
    if (!r && s->side[d].n_certs == 0) {
        growbuf_puts(b, "<p>empty: no certificate was sent</p></div>");
        return;
    }
    if (!r) {
        growbuf_printf(b, "<p>%zu certificate%s (not analysed)</p></div>", s->side[d].n_certs,
                       s->side[d].n_certs == 1 ? "" : "s");
        return;
    }
    if (r->n_certs == 0)
        growbuf_puts(b, "<p>empty: no certificate was sent</p>");
    /* a tree from the certificate nearest the root down to the leaf */
    for (size_t k = r->n_certs; k-- > 0;) {
        growbuf_puts(b, "<ul class=\"tree\"><li>");
        cert_node(b, c, &r->certs[k], side, k);
    }
    for (size_t k = 0; k < r->n_certs; k++)
        growbuf_puts(b, "</li></ul>");
    growbuf_printf(b, "<p class=\"val %s\">validation: %s", r->valid ? "good" : "bad", r->valid ? "valid" : "INVALID");
    if (!r->trust_checked)
        growbuf_puts(b, " (trust not checked)");
    if (r->verify_sentence) {
        growbuf_puts(b, " &#8212; ");
        html_text(b, r->verify_sentence, 0);
    }
    growbuf_puts(b, "</p>");
    if (r->trust_note) {
        growbuf_puts(b, "<p class=\"note\">");
        html_text(b, r->trust_note, 0);
        growbuf_puts(b, "</p>");
    }
    char where[32];
    snprintf(where, sizeof where, "%s chain", side);
    findings_at(b, c->d, where);
    growbuf_puts(b, "</div>");
}

static void ca_list(growbuf *b, const session_t *s)
{
    if (!s->cr.present)
        return;
    growbuf_printf(b, "<div class=\"chain\"><h4>CertificateRequest: %zu acceptable CA%s</h4>", s->cr.n_ca_names,
                   s->cr.n_ca_names == 1 ? "" : "s");
    if (!s->cr.n_ca_names)
        growbuf_puts(b, "<p>any CA the server trusts</p>");
    else
        growbuf_puts(b, "<ul>");
    for (size_t i = 0; i < s->cr.n_ca_names && i < 50; i++) {
        char *dn = dn_ca_name_string(s->cr.ca_names[i].data, s->cr.ca_names[i].len);
        growbuf_puts(b, "<li>");
        html_text(b, dn ? dn : "(unparsable name)", 0);
        growbuf_puts(b, "</li>");
        free(dn);
    }
    if (s->cr.n_ca_names > 50)
        growbuf_printf(b, "<li>... %zu more</li>", s->cr.n_ca_names - 50);
    if (s->cr.n_ca_names)
        growbuf_puts(b, "</ul>");
    growbuf_puts(b, "</div>");
}

void html_chains(growbuf *b, const conn_view *c)
{
    growbuf_puts(b, "<div class=\"chains\">");
    chain(b, c, DIR_S2C);
    ca_list(b, c->s);
    chain(b, c, DIR_C2S);
    growbuf_puts(b, "</div>");
}
