/*
 * html_inventory.h — the auditor's inventory in the HTML report: which
 * client certificate was presented to which server, as a table (and as a
 * client certificates x servers matrix when it is small enough to read).
 */
#ifndef MTLS_HTML_INVENTORY_H
#define MTLS_HTML_INVENTORY_H

#include "growbuf.h"
#include "summary.h"

/* <section id="inventory">; sm NULL (--no-summary): a note that it was not gathered. */
void html_inventory(growbuf *b, const summary *sm);

#endif
