/* html_svg.c — the ladder, validity bars and the verdict chart (see html_svg.h). */
#include "html_svg.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint_text.h"
#include "html_esc.h"
#include "html_step.h"

#define LABEL_CHARS HTML_LABEL_CHARS

static bool is_evidence(const diagnosis *d, size_t step_no)
{
    for (size_t i = 0; d && i < d->n_evidence_steps; i++)
        if (d->evidence_steps[i] == step_no)
            return true;
    return false;
}

/* One step at row y: an arrow (or a note across both lifelines). */
static void step_arrow(growbuf *b, const conn_view *c, const step_t *st, size_t no, int y)
{
    const session_t *s = c->s;
    html_step_look look = html_step_look_of(st);
    bool ev = is_evidence(c->d, no);
    char *label = html_step_label(c, st);
    if (!label) {
        b->failed = true;
        return;
    }
    uint64_t rel = st->ts_us >= s->first_ts_us ? st->ts_us - s->first_ts_us : 0;
    growbuf_printf(b, "<g class=\"s %s%s\"", html_look_class(look), ev ? " ev" : "");
    if (ev)
        growbuf_printf(b, " data-evidence=\"%zu\"", no);
    growbuf_puts(b, ">");
    if (strlen(label) > LABEL_CHARS) { /* the whole label as its tooltip */
        growbuf_puts(b, "<title>");
        html_text(b, label, 0);
        growbuf_puts(b, "</title>");
    }
    if (ev)
        growbuf_printf(b, "<rect class=\"hl\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>", 100, y - 17,
                       HTML_LADDER_W - 104, HTML_LADDER_ROW - 2);
    growbuf_printf(b, "<text class=\"n\" x=\"4\" y=\"%d\">%zu</text><text class=\"t\" x=\"96\" y=\"%d\">%.3f "
                      "ms</text>",
                   y + 4, no, y + 4, (double)rel / 1000.0);
    int mid = (HTML_LADDER_XC + HTML_LADDER_XS) / 2;
    if (look == LOOK_NOTE) {
        growbuf_printf(b, "<rect class=\"nb\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\"/>", HTML_LADDER_XC - 40,
                       y - 12, HTML_LADDER_XS - HTML_LADDER_XC + 80);
        growbuf_printf(b, "<text x=\"%d\" y=\"%d\">", mid, y);
    } else {
        int x1 = st->dir == DIR_C2S ? HTML_LADDER_XC : HTML_LADDER_XS;
        int x2 = st->dir == DIR_C2S ? HTML_LADDER_XS - 2 : HTML_LADDER_XC + 2;
        growbuf_printf(b, "<path class=\"a\" d=\"M%d %dH%d\"/>", x1, y + 4, x2); /* head: CSS marker-end */
        growbuf_printf(b, "<text x=\"%d\" y=\"%d\">", mid, y);
    }
    if (ev)
        growbuf_puts(b, "\xe2\x9a\xa0 "); /* a warning sign: the verdict rests on it */
    html_text(b, label, LABEL_CHARS);
    growbuf_puts(b, "</text></g>");
    free(label);
}

void html_ladder(growbuf *b, const conn_view *c)
{
    const session_t *s = c->s;
    size_t n = s->n_steps < HTML_LADDER_MAX_STEPS ? s->n_steps : HTML_LADDER_MAX_STEPS;
    int rows = (int)n + (s->n_steps > n ? 1 : 0);
    int h = HTML_LADDER_TOP + rows * HTML_LADDER_ROW + 4;
    const char *v = verdict_name(c->d->verdict);
    growbuf_printf(b, "<svg class=\"ladder\" data-connection=\"%" PRIu64 "\" data-verdict=\"%s\" width=\"%d\" "
                      "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"handshake of connection %" PRIu64
                      ", %s\">",
                   s->id, v, HTML_LADDER_W, h, HTML_LADDER_W, h, s->id, v);
    char ep[64];
    growbuf_printf(b, "<text class=\"who\" x=\"%d\" y=\"14\" text-anchor=\"middle\">client %s</text>", HTML_LADDER_XC,
                   endpoint_text(&s->client, ep, sizeof ep));
    growbuf_printf(b, "<text class=\"who\" x=\"%d\" y=\"14\" text-anchor=\"middle\">server %s</text>", HTML_LADDER_XS,
                   endpoint_text(&s->server, ep, sizeof ep));
    growbuf_printf(b, "<path class=\"life\" d=\"M%d 22V%dM%d 22V%d\"/>", HTML_LADDER_XC, h - 2, HTML_LADDER_XS,
                   h - 2);
    for (size_t i = 0; i < n; i++)
        step_arrow(b, c, &s->steps[i], i + 1, HTML_LADDER_TOP + (int)i * HTML_LADDER_ROW);
    if (s->n_steps > n)
        growbuf_printf(b, "<text class=\"m\" x=\"%d\" y=\"%d\">... %zu more steps (the text "
                          "and JSON reports list them)</text>",
                       (HTML_LADDER_XC + HTML_LADDER_XS) / 2, HTML_LADDER_TOP + (int)n * HTML_LADDER_ROW,
                       s->n_steps - n);
    growbuf_puts(b, "</svg>");
}

void html_validity_bar(growbuf *b, int64_t nb, int64_t na, int64_t at)
{
    const int W = 220, H = 12;
    int64_t lo = nb < at ? nb : at, hi = na > at ? na : at;
    if (hi <= lo)
        hi = lo + 1;
    int64_t pad = (hi - lo) / 20 + 1;
    lo -= pad;
    hi += pad;
    double span = (double)(hi - lo);
    int x1 = (int)((double)(nb - lo) / span * W), x2 = (int)((double)(na - lo) / span * W);
    int xa = (int)((double)(at - lo) / span * W);
    if (x2 <= x1)
        x2 = x1 + 1;
    bool inside = at >= nb && at <= na;
    growbuf_printf(b, "<svg class=\"vbar\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                      "aria-label=\"%s at the handshake\"><rect class=\"%s\" x=\"%d\" y=\"3\" width=\"%d\" "
                      "height=\"6\"/><path class=\"at\" d=\"M%d 0V%d\"/></svg>",
                   W, H, W, H, inside ? "valid" : "NOT valid", inside ? "in" : "out", x1, x2 - x1, xa, H);
}

void html_bar_chart(growbuf *b, const html_bar *rows, size_t n)
{
    size_t max = 1;
    for (size_t i = 0; i < n; i++)
        if (rows[i].count > max)
            max = rows[i].count;
    const int LW = 190, BW = 360, RH = 20;
    int h = (int)n * RH + 4;
    growbuf_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                      "aria-label=\"connections per verdict\">",
                   LW + BW + 70, h, LW + BW + 70, h);
    for (size_t i = 0; i < n; i++) {
        int y = (int)i * RH + 2;
        int w = (int)((double)rows[i].count / (double)max * BW);
        if (w < 1 && rows[i].count)
            w = 1;
        growbuf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", LW - 6, y + 13, rows[i].label);
        growbuf_printf(b, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>", rows[i].cls, LW, y + 2,
                       w, RH - 6);
        growbuf_printf(b, "<text x=\"%d\" y=\"%d\">%zu</text>", LW + w + 6, y + 13, rows[i].count);
    }
    growbuf_puts(b, "</svg>");
}
