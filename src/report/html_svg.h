/*
 * html_svg.h — the pictures of the HTML report, as inline SVG: the sequence
 * diagram (ladder) of one connection, a certificate's validity bar, the bar
 * chart of verdict counts. Every wire string goes through html_text.
 */
#ifndef MTLS_HTML_SVG_H
#define MTLS_HTML_SVG_H

#include <stddef.h>
#include <stdint.h>

#include "conn_view.h"
#include "growbuf.h"

/* Layout of the ladder (the page's script draws with the same numbers). */
#define HTML_LADDER_W 880
#define HTML_LADDER_XC 170   /* client lifeline */
#define HTML_LADDER_XS 730   /* server lifeline */
#define HTML_LADDER_TOP 50   /* y of the first step */
#define HTML_LADDER_ROW 24   /* between steps */
#define HTML_LADDER_MAX_STEPS 200 /* more are summed up in a last note */
#define HTML_LABEL_CHARS 76   /* of a step label; the full text is its <title> */

/* <svg class="ladder" data-connection="ID" data-verdict="V">: client and
 * server lifelines, one arrow per step in time order with its time relative
 * to the first step; the steps the verdict rests on carry data-evidence. */
void html_ladder(growbuf *b, const conn_view *c);

/* A validity bar: not_before..not_after against the time `at` (seconds). */
void html_validity_bar(growbuf *b, int64_t not_before, int64_t not_after, int64_t at);

/* A horizontal bar chart: n rows of label, count, css class. */
typedef struct html_bar {
    const char *label;
    size_t count;
    const char *cls;
} html_bar;
void html_bar_chart(growbuf *b, const html_bar *rows, size_t n);

#endif
