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
#include "html_strtab.h"
#include "html_svg.h"
#include "names.h"

static const char *html_verdict_class(const diagnosis *d)
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

/* <h3>: number, endpoints, verdict. */
static void title(growbuf *b, const conn_view *c)
{
    const session_t *s = c->s;
    char ep[64];
    growbuf_printf(b, "<h3><a href=\"#c%" PRIu64 "\">#%" PRIu64 "</a> %s", s->id, s->id,
                   endpoint_text(&s->client, ep, sizeof ep));
    growbuf_printf(b, " &#8594; %s <span class=\"badge %s\">%s</span></h3>", endpoint_text(&s->server, ep, sizeof ep),
                   html_verdict_class(c->d), verdict_name(c->d->verdict));
}

/* "SNI x · ALPN h2 · TLS 1.3 · cipher · decrypted" as raw text (wire bytes:
 * escape it), malloc'd; NULL on OOM. */
static char *meta_text(const session_t *s)
{
    growbuf b = {0};
    name_buf nb;
    growbuf_puts(&b, "SNI ");
    growbuf_puts(&b, s->ch.sni ? s->ch.sni : "-");
    if (s->sh.alpn) {
        growbuf_puts(&b, " \xc2\xb7 ALPN ");
        growbuf_puts(&b, s->sh.alpn);
    }
    growbuf_printf(&b, " \xc2\xb7 %s", version_name(s, &nb));
    if (s->sh.present)
        growbuf_printf(&b, " \xc2\xb7 %s", names_session_cipher(s, &nb));
    if (s->starttls) {
        growbuf_puts(&b, " \xc2\xb7 STARTTLS ");
        growbuf_puts(&b, s->starttls);
    }
    if (s->decrypted) {
        growbuf_puts(&b, " \xc2\xb7 decrypted");
    } else if (s->decrypt_note) {
        growbuf_puts(&b, " \xc2\xb7 not decrypted: ");
        growbuf_puts(&b, s->decrypt_note);
    }
    return growbuf_take(&b);
}

/* <h3> and the line of time, SNI, ALPN, version, cipher. */
static void head(growbuf *b, const conn_view *c)
{
    char t[40];
    title(b, c);
    growbuf_printf(b, "<p class=\"meta\">%s &#183; ", fmt_time_rfc3339(c->s->first_ts_us, t, sizeof t));
    char *m = meta_text(c->s);
    if (!m)
        b->failed = true;
    html_text(b, m, 0);
    free(m);
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

/* The index of s in the page's string table (-1 sticks in b->failed on OOM). */
static uint32_t sid(growbuf *b, html_strtab *t, const char *s)
{
    uint32_t id = 0;
    if (html_strtab_id(t, s, &id) < 0)
        b->failed = true;
    return id;
}

/* [[dir, ms, look, evidence, label], ...] (label: a string index) */
static void steps_data(growbuf *b, const conn_view *c, html_strtab *t)
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
        growbuf_printf(b, "%s[%d,%.3f,%d,%d,%" PRIu32 "]", i ? "," : "", st->dir == DIR_C2S ? 0 : 1,
                       (double)rel / 1000.0, (int)html_step_look_of(st), is_evidence(c->d, i + 1) ? 1 : 0,
                       sid(b, t, label));
        free(label);
    }
    growbuf_puts(b, "]");
}

/* [[side, valid, [[subject, issuer, not_before, not_after, key], ...]], ...] (strings by index) */
static void chains_data(growbuf *b, const conn_view *c, html_strtab *t)
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
            char key[64];
            if (ci->key_bits)
                snprintf(key, sizeof key, "%s %d bits", ci->key_alg ? ci->key_alg : "-", ci->key_bits);
            else
                snprintf(key, sizeof key, "%s", ci->key_alg ? ci->key_alg : "-");
            growbuf_printf(b, "%s[%" PRIu32 ",%" PRIu32 ",%" PRId64 ",%" PRId64 ",%" PRIu32 "]", k ? "," : "",
                           sid(b, t, ci->decode_error ? "(undecodable)" : ci->subject), sid(b, t, ci->issuer),
                           ci->not_before, ci->not_after, sid(b, t, key));
        }
        growbuf_puts(b, "]]");
    }
    growbuf_puts(b, "]");
}

/* [finding, ...]: "severity code [where]: message", each a string index */
static void findings_data(growbuf *b, const diagnosis *d, html_strtab *t)
{
    growbuf_puts(b, "[");
    for (size_t i = 0; i < d->findings.n; i++) {
        const finding_t *f = &d->findings.items[i];
        growbuf tb = {0};
        growbuf_printf(&tb, "%s %s%s%s%s: %s", finding_sev_name(f->severity), f->code ? f->code : "",
                       f->where ? " [" : "", f->where ? f->where : "", f->where ? "]" : "",
                       f->message ? f->message : "");
        char *txt = growbuf_take(&tb);
        if (!txt) {
            b->failed = true;
            break;
        }
        growbuf_printf(b, "%s%" PRIu32, i ? "," : "", sid(b, t, txt));
        free(txt);
    }
    growbuf_puts(b, "]");
}

void html_conn_data(growbuf *b, const conn_view *c, html_strtab *t)
{
    const session_t *s = c->s;
    const diagnosis *d = c->d;
    char ep[64];
    char *m = meta_text(s);
    if (!m)
        b->failed = true;
    growbuf_printf(b, "{\"id\":%" PRIu64 ",\"v\":\"%s\",\"k\":\"%s\",\"e\":\"%s\",\"c\":\"%s\"", s->id,
                   verdict_name(d->verdict), html_verdict_class(d), evidence_name(d->evidence),
                   endpoint_text(&s->client, ep, sizeof ep));
    growbuf_printf(b, ",\"s\":\"%s\",\"t\":%" PRIu64 ",\"more\":%zu,\"m\":%" PRIu32 ",\"x\":%" PRIu32
                      ",\"f\":%" PRIu32 ",\"steps\":",
                   endpoint_text(&s->server, ep, sizeof ep), s->first_ts_us,
                   s->n_steps > HTML_LADDER_MAX_STEPS ? s->n_steps - HTML_LADDER_MAX_STEPS : 0, sid(b, t, m),
                   sid(b, t, d->explanation), sid(b, t, d->next_step));
    free(m);
    steps_data(b, c, t);
    growbuf_puts(b, ",\"chains\":");
    chains_data(b, c, t);
    growbuf_puts(b, ",\"fi\":");
    findings_data(b, d, t);
    growbuf_puts(b, "}");
}
