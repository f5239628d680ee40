/*
 * html_conn.h — one connection in the HTML report: its row of the
 * connection table, and its article (endpoints, SNI, version, cipher, the
 * sequence diagram, the verdict with its evidence, explanation, fix and
 * findings, both chains as small trees) drawn in the page, or compact data
 * from which the page's script draws that article on demand.
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

/* The connection as one compact JSON object, from which the page's script
 * draws its article when it is opened (#cID): every string (step labels,
 * certificate names, explanation, fix, findings, the SNI/version/cipher line)
 * is an index into t, written once at the end of the page (html_strtab_json);
 * the layout is documented beside the page's script (html_page.c). */
void html_conn_data(growbuf *b, const conn_view *c, html_strtab *t);

#endif
