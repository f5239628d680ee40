/*
 * html_conn.h — one connection in the HTML report: its row of the
 * connection table, and its article (endpoints, SNI, version, cipher, the
 * sequence diagram, the verdict with its evidence, explanation, fix and
 * findings, both chains as small trees) drawn eagerly, or a short article
 * whose diagram the page's script draws on demand from compact data.
 */
#ifndef MTLS_HTML_CONN_H
#define MTLS_HTML_CONN_H

#include <stdbool.h>

#include "conn_view.h"
#include "growbuf.h"
#include "html_strtab.h"

/* <tr> of the connection table (#, start, client, server, SNI, version,
 * verdict, client certificate). */
void html_conn_row(growbuf *b, const conn_view *c);

/* <article id="cID">: everything, the diagram as inline SVG. */
void html_conn_article(growbuf *b, const conn_view *c);

/* <article id="cID" class="lazy">: the header and the verdict as HTML; the
 * diagram, explanation, fix, findings and chains as compact JSON in a
 * <script type="application/json"> block whose strings are indices into t
 * (written once at the end of the page: html_strtab_json; the layout of the
 * arrays is documented beside the page's script, html_page.c). */
void html_conn_lazy(growbuf *b, const conn_view *c, html_strtab *t);

#endif
