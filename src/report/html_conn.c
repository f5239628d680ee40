/* html_conn.c — one connection's row and article (see html_conn.h). */
#include "html_conn.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "endpoint_text.h"
#include "fmt_time.h"
#include "html_chain.h"
#include "html_esc.h"
#include "html_step.h"
#include "html_svg.h"
#include "names.h"

const char *html_verdict_class(const diagnosis *d)
{
    if (d->failed)
        return "bad";
    return verdict_get(d->verdict)->tone == TONE_GOOD ? "good" : "neutral";
}

/* "12:34:56.789" of a packet time. */
static void clock_time(growbuf *b, uint64_t ts_us)
{
    time_t t = (time_t)(ts_us / 1000000u);
    struct tm tm;
    char s[16];
    if (gmtime_r(&t, &tm) && strftime(s, sizeof s, "%H:%M:%S", &tm))
        growbuf_printf(b, "%s.%03u", s, (unsigned)(ts_us / 1000u % 1000u));
}

static const char *version_name(const session_t *s, name_buf *nb)
{
    uint16_t v = s->version ? s->version : s->sh.selected_version;
    return v ? names_version(v, nb) : "-";
}

/* The client leaf's subject (CN= when it has one), or NULL. */
static const char *client_subject(const conn_view *c)
{
    const chain_report *r = c->a ? c->a->chain[DIR_C2S] : NULL;
    if (!r || !r->n_certs || r->certs[0].decode_error)
        return NULL;
    return r->certs[0].subject;
}

void html_conn_row(growbuf *b, const conn_view *c)
{
    const session_t *s = c->s;
    char ep[64];
    name_buf nb;
    const char *cls = html_verdict_class(c->d);
    growbuf_printf(b, "<tr class=\"%s\"><td data-n=\"%" PRIu64 "\"><a href=\"#c%" PRIu64 "\">%" PRIu64 "</a></td><td>",
                   cls, s->id, s->id, s->id);
    clock_time(b, s->first_ts_us);
    growbuf_printf(b, "</td><td>%s</td>", endpoint_text(&s->client, ep, sizeof ep));
    growbuf_printf(b, "<td>%s</td><td>", endpoint_text(&s->server, ep, sizeof ep));
    if (s->ch.sni)
        html_text(b, s->ch.sni, 0);
    growbuf_printf(b, "</td><td>%s</td><td class=\"v %s\">%s</td><td>", version_name(s, &nb), cls,
                   verdict_name(c->d->verdict));
    const char *subj = client_subject(c);
    if (subj)
        html_text(b, subj, 0);
    growbuf_puts(b, "</td></tr>\n");
}

/* <h3> and the line of SNI, ALPN, version, cipher. */
static void head(growbuf *b, const conn_view *c)
{
    const session_t *s = c->s;
    char ep[64], t[40];
    name_buf nb;
    growbuf_printf(b, "<h3><a href=\"#c%" PRIu64 "\">#%" PRIu64 "</a> %s", s->id, s->id,
                   endpoint_text(&s->client, ep, sizeof ep));
    growbuf_printf(b, " &#8594; %s <span class=\"badge %s\">%s</span></h3><p class=\"meta\">",
                   endpoint_text(&s->server, ep, sizeof ep), html_verdict_class(c->d), verdict_name(c->d->verdict));
    growbuf_printf(b, "%s", fmt_time_rfc3339(s->first_ts_us, t, sizeof t));
    growbuf_puts(b, " &#183; SNI <b>");
    html_text(b, s->ch.sni, 0);
    growbuf_puts(b, "</b>");
    if (s->sh.alpn) {
        growbuf_puts(b, " &#183; ALPN ");
        html_text(b, s->sh.alpn, 0);
    }
    growbuf_printf(b, " &#183; %s", version_name(s, &nb));
    if (s->sh.present)
        growbuf_printf(b, " &#183; %s", names_session_cipher(s, &nb));
    if (s->starttls) {
        growbuf_puts(b, " &#183; STARTTLS ");
        html_text(b, s->starttls, 0);
    }
    if (s->decrypted) {
        growbuf_puts(b, " &#183; decrypted");
    } else if (s->decrypt_note) {
        growbuf_puts(b, " &#183; not decrypted: ");
        html_text(b, s->decrypt_note, 0);
    }
    growbuf_puts(b, "</p>");
}

/* The verdict, what it rests on, the explanation and the fix. */
static void verdict_block(growbuf *b, const conn_view *c, bool findings)
{
    const diagnosis *d = c->d;
    growbuf_printf(b, "<div class=\"verdict\"><p><b>Verdict:</b> <span class=\"badge %s\">%s</span> "
                      "<span class=\"evk\">%s</span>",
                   html_verdict_class(d), verdict_name(d->verdict), evidence_name(d->evidence));
    for (size_t i = 0; i < d->n_evidence_steps; i++)
        growbuf_printf(b, "%s%u", i ? ", " : " &#8212; rests on step ", d->evidence_steps[i]);
    growbuf_puts(b, "</p>");
    if (d->explanation) {
        growbuf_puts(b, "<p>");
        html_text(b, d->explanation, 0);
        growbuf_puts(b, "</p>");
    }
    if (d->confirm) {
        growbuf_puts(b, "<p><b>To confirm:</b> ");
        html_text(b, d->confirm, 0);
        growbuf_puts(b, "</p>");
    }
    if (d->next_step) {
        growbuf_puts(b, "<p class=\"fix\"><b>Fix:</b> ");
        html_text(b, d->next_step, 0);
        growbuf_puts(b, "</p>");
    }
    if (findings && d->findings.n) {
        growbuf_puts(b, "<ul class=\"findings\">");
        for (size_t i = 0; i < d->findings.n; i++) {
            const finding_t *f = &d->findings.items[i];
            growbuf_printf(b, "<li class=\"%s\"><span class=\"sev\">%s</span> <code>", finding_sev_name(f->severity),
                           finding_sev_name(f->severity));
            html_text(b, f->code, 0);
            growbuf_puts(b, "</code>");
            if (f->where) {
                growbuf_puts(b, " [");
                html_text(b, f->where, 0);
                growbuf_puts(b, "]");
            }
            growbuf_puts(b, ": ");
            html_text(b, f->message, 0);
            growbuf_puts(b, "</li>");
        }
        growbuf_puts(b, "</ul>");
    }
    growbuf_puts(b, "</div>");
}

void html_conn_article(growbuf *b, const conn_view *c)
{
    growbuf_printf(b, "<article id=\"c%" PRIu64 "\" class=\"conn %s\">", c->s->id, html_verdict_class(c->d));
    head(b, c);
    growbuf_puts(b, "<div class=\"dia\">");
    html_ladder(b, c);
    growbuf_puts(b, "</div>");
    verdict_block(b, c, true);
    html_chains(b, c);
    growbuf_puts(b, "</article>\n");
}

static bool is_evidence(const diagnosis *d, size_t no)
{
    for (size_t i = 0; i < d->n_evidence_steps; i++)
        if (d->evidence_steps[i] == no)
            return true;
    return false;
}

/* [[dir, "ms", look, evidence, "label"], ...] */
static void steps_data(growbuf *b, const conn_view *c)
{
    const session_t *s = c->s;
    size_t n = s->n_steps < HTML_LADDER_MAX_STEPS ? s->n_steps : HTML_LADDER_MAX_STEPS;
    growbuf_puts(b, "[");
    for (size_t i = 0; i < n; i++) {
        const step_t *st = &s->steps[i];
        uint64_t rel = st->ts_us >= s->first_ts_us ? st->ts_us - s->first_ts_us : 0;
        char *label = html_step_label(c, st);
        if (!label) {
            b->failed = true;
            return;
        }
        growbuf_printf(b, "%s[%d,\"%.3f\",%d,%d,", i ? "," : "", st->dir == DIR_C2S ? 0 : 1, (double)rel / 1000.0,
                       (int)html_step_look_of(st), is_evidence(c->d, i + 1) ? 1 : 0);
        html_json_str(b, label);
        growbuf_puts(b, "]");
        free(label);
    }
    growbuf_puts(b, "]");
}

/* [side, valid, [[subject, issuer, not_before, not_after, "key"], ...]] per chain */
static void chains_data(growbuf *b, const conn_view *c)
{
    growbuf_puts(b, "[");
    bool first = true;
    for (int d = DIR_S2C; d >= DIR_C2S; d--) {
        const chain_report *r = c->a ? c->a->chain[d] : NULL;
        if (!r)
            continue;
        growbuf_printf(b, "%s[\"%s\",%d,[", first ? "" : ",", d == DIR_C2S ? "client" : "server", r->valid ? 1 : 0);
        first = false;
        for (size_t k = 0; k < r->n_certs; k++) {
            const cert_info *ci = &r->certs[k];
            growbuf_puts(b, k ? ",[" : "[");
            html_json_str(b, ci->subject);
            growbuf_puts(b, ",");
            html_json_str(b, ci->issuer);
            growbuf_printf(b, ",%" PRId64 ",%" PRId64 ",", ci->not_before, ci->not_after);
            char key[64];
            snprintf(key, sizeof key, "%s%s%d", ci->key_alg ? ci->key_alg : "-", ci->key_bits ? " " : "",
                     ci->key_bits);
            if (!ci->key_bits)
                snprintf(key, sizeof key, "%s", ci->key_alg ? ci->key_alg : "-");
            html_json_str(b, key);
            growbuf_puts(b, "]");
        }
        growbuf_puts(b, "]]");
    }
    growbuf_puts(b, "]");
}

void html_conn_lazy(growbuf *b, const conn_view *c)
{
    const session_t *s = c->s;
    char ep[64];
    growbuf_printf(b, "<article id=\"c%" PRIu64 "\" class=\"conn lazy %s\">", s->id, html_verdict_class(c->d));
    head(b, c);
    verdict_block(b, c, false);
    growbuf_printf(b, "<details class=\"dia\"><summary>sequence diagram and chains (drawn when opened; needs "
                      "script)</summary><script type=\"application/json\">{\"id\":%" PRIu64 ",\"v\":\"%s\",\"c\":",
                   s->id, verdict_name(c->d->verdict));
    html_json_str(b, endpoint_text(&s->client, ep, sizeof ep));
    growbuf_puts(b, ",\"s\":");
    html_json_str(b, endpoint_text(&s->server, ep, sizeof ep));
    growbuf_printf(b, ",\"t\":%" PRIu64 ",\"more\":%zu,\"steps\":", s->first_ts_us / 1000000u,
                   s->n_steps > HTML_LADDER_MAX_STEPS ? s->n_steps - HTML_LADDER_MAX_STEPS : 0);
    steps_data(b, c);
    growbuf_puts(b, ",\"chains\":");
    chains_data(b, c);
    growbuf_puts(b, "}</script></details></article>\n");
}
