/*
 * report_html.c — the HTML reporter: one self-contained page (no external
 * script, style, font or image) for the whole capture.
 *
 * The page opens with counts that are known only at the end, so this
 * reporter keeps what it prints of each connection (its table row, and its
 * article rendered when the connection ends, since the session is freed
 * after) and writes the page at the end (reporter_finish), failed
 * connections first. Bounded: the page lists at most HTML_MAX_LISTED
 * connections; diagrams are drawn in the page for every failed connection
 * (up to HTML_MAX_DRAWN_FAILED) and the first HTML_MAX_DRAWN_OK others; of
 * the rest the page carries compact data (one JSON block, no element per
 * connection, so a page of 10,000 connections stays quick to open) from which
 * its script draws the connection when it is opened (#cID).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "html_conn.h"
#include "growbuf.h"
#include "html_inventory.h"
#include "html_page.h"
#include "reporter.h"

#define HTML_MAX_LISTED 50000u
#define HTML_MAX_DRAWN_FAILED 500u
#define HTML_MAX_DRAWN_OK 50u

typedef struct hconn {
    uint64_t id;
    bool failed;
    bool drawn;    /* article holds the <article>; else the connection's JSON data */
    char *row;     /* <tr> */
    char *article;
} hconn;

typedef struct rhtml_state {
    FILE *out;
    char *source;
    hconn *v;
    size_t n, cap;
    size_t drawn_failed, drawn_ok;
    html_header h;
    const summary *sm;
    html_strtab *strings; /* of the on-demand diagrams' data */
} rhtml_state;

static void *rhtml_open(FILE *out, const report_options *opt)
{
    rhtml_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->out = out;
    if ((opt->source && !(st->source = strdup(opt->source))) || !(st->strings = html_strtab_new())) {
        free(st->source);
        free(st);
        return NULL;
    }
    st->h.source = st->source;
    return st;
}

static int rhtml_connection(void *state, const conn_view *c)
{
    rhtml_state *st = state;
    const session_t *s = c->s;
    html_header *h = &st->h;
    if ((unsigned)c->d->verdict < VERDICT__COUNT)
        h->counts[c->d->verdict]++;
    if (!h->connections || s->first_ts_us < h->first_us)
        h->first_us = s->first_ts_us;
    if (s->last_ts_us > h->last_us)
        h->last_us = s->last_ts_us;
    h->connections++;
    if (c->d->failed)
        h->failed++;
    if (st->n >= HTML_MAX_LISTED)
        return 0; /* counted; the header says the page lists the first ones */
    if (growbuf_array_room(&st->v, &st->cap, st->n, sizeof(*st->v), 256) < 0)
        return -1;
    growbuf row = {0}, art = {0};
    html_conn_row(&row, c);
    bool draw = c->d->failed ? st->drawn_failed < HTML_MAX_DRAWN_FAILED : st->drawn_ok < HTML_MAX_DRAWN_OK;
    if (draw) {
        html_conn_article(&art, c);
        if (c->d->failed)
            st->drawn_failed++;
        else
            st->drawn_ok++;
    } else {
        html_conn_data(&art, c, st->strings);
    }
    hconn *e = &st->v[st->n];
    e->id = s->id;
    e->failed = c->d->failed;
    e->drawn = draw;
    e->row = growbuf_take(&row);
    e->article = growbuf_take(&art);
    if (!e->row || !e->article) {
        free(e->row);
        free(e->article);
        return -1;
    }
    st->n++;
    return 0;
}

static int rhtml_summary(void *state, const summary *sm)
{
    rhtml_state *st = state;
    st->sm = sm; /* the inventory, written at the end of the page */
    return 0;
}

/* Failed first, then by connection number. */
static int by_failed_id(const void *a, const void *b)
{
    const hconn *x = a, *y = b;
    if (x->failed != y->failed)
        return x->failed ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Write b's text and empty it: 0, or -1 (OOM while building, write error). */
static int flush(FILE *out, growbuf *b)
{
    int rc = b->failed ? -1 : 0;
    if (b->len && fwrite(b->p, 1, b->len, out) != b->len)
        rc = -1;
    growbuf_clear(b);
    return rc;
}

static int rhtml_finish(void *state)
{
    rhtml_state *st = state;
    if (st->n > 1)
        qsort(st->v, st->n, sizeof(*st->v), by_failed_id);
    st->h.listed = st->n;
    st->h.drawn = st->drawn_failed + st->drawn_ok;
    growbuf b = {0};
    int rc = 0;
    html_page_begin(&b, st->source);
    html_page_header(&b, &st->h);
    html_page_table_begin(&b, &st->h);
    for (size_t i = 0; i < st->n; i++) {
        if (i && i % HTML_TABLE_CHUNK == 0)
            html_page_table_chunk(&b);
        growbuf_puts(&b, st->v[i].row);
        if (b.len > (1u << 20))
            rc |= flush(st->out, &b);
    }
    html_page_table_end(&b);
    growbuf_puts(&b, "<section id=\"handshakes\"><h2>Handshakes</h2>\n<div id=\"opened\"></div>\n");
    if (!st->n)
        growbuf_puts(&b, "<p class=\"note\">No TLS connection was reported.</p>");
    for (size_t i = 0; i < st->n; i++) {
        if (!st->v[i].drawn)
            continue;
        growbuf_puts(&b, st->v[i].article);
        if (b.len > (1u << 20))
            rc |= flush(st->out, &b);
    }
    growbuf_puts(&b, "</section>\n");
    /* the others' data, drawn by the script when opened */
    growbuf_puts(&b, "<script type=\"application/json\" id=\"lazy\">[");
    bool first = true;
    for (size_t i = 0; i < st->n; i++) {
        if (st->v[i].drawn)
            continue;
        growbuf_puts(&b, first ? "\n" : ",\n");
        first = false;
        growbuf_puts(&b, st->v[i].article);
        if (b.len > (1u << 20))
            rc |= flush(st->out, &b);
    }
    growbuf_puts(&b, "]</script>\n");
    html_inventory(&b, st->sm);
    growbuf_puts(&b, "<script type=\"application/json\" id=\"strings\">");
    html_strtab_json(&b, st->strings);
    growbuf_puts(&b, "</script>\n");
    html_page_end(&b);
    rc |= flush(st->out, &b);
    growbuf_free(&b);
    return rc || ferror(st->out) ? -1 : 0;
}

static void rhtml_close(void *state)
{
    rhtml_state *st = state;
    if (!st)
        return;
    for (size_t i = 0; i < st->n; i++) {
        free(st->v[i].row);
        free(st->v[i].article);
    }
    free(st->v);
    free(st->source);
    html_strtab_free(st->strings);
    free(st);
}

const reporter_ops rhtml_reporter = {"html", rhtml_open, rhtml_connection, rhtml_summary, rhtml_close,
                                     .finish = rhtml_finish, .whole_page = true};
