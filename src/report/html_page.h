/*
 * html_page.h — the frame of the HTML report: the document head (inline
 * style and script only, locked by a Content-Security-Policy that names
 * their hashes, so no other script runs and nothing is fetched), the header
 * (capture, time span, counts per verdict as a bar chart, failed first), the
 * connection table's frame and the end of the page with its script
 * (sorting, filtering, drawing the on-demand diagrams).
 */
#ifndef MTLS_HTML_PAGE_H
#define MTLS_HTML_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "growbuf.h"
#include "verdict.h"

/* What the header says. */
typedef struct html_header {
    const char *source;               /* the capture file or interface (raw), may be NULL */
    uint64_t first_us, last_us;       /* the connections' span; 0 when none */
    size_t counts[VERDICT__COUNT];    /* connections per verdict */
    size_t connections, failed;
    size_t listed;                    /* connections in the page (a cap may leave some out) */
    size_t drawn;                     /* diagrams drawn in the page (the others on demand) */
} html_header;

/* "<!DOCTYPE html>..." up to and including <body>. */
void html_page_begin(growbuf *b, const char *source);
void html_page_header(growbuf *b, const html_header *h);
/* Rows of the connection table per chunk: each chunk is a table of its own
 * that the browser lays out only when it is in view (content-visibility), so
 * a table of 10,000 rows opens quickly. */
#define HTML_TABLE_CHUNK 250

/* The connection table up to the first chunk's <tbody> (rows follow), the
 * start of the next chunk (after every HTML_TABLE_CHUNK rows), and its end. */
void html_page_table_begin(growbuf *b, const html_header *h);
void html_page_table_chunk(growbuf *b);
void html_page_table_end(growbuf *b);
/* The script and "</body></html>". */
void html_page_end(growbuf *b);

#endif
