/*
 * html_chain.h — both certificate chains of a connection as small trees:
 * subject, issuer, validity as a bar against the handshake time, key, and
 * the findings about each certificate; the CertificateRequest's CA list.
 */
#ifndef MTLS_HTML_CHAIN_H
#define MTLS_HTML_CHAIN_H

#include "conn_view.h"
#include "growbuf.h"

void html_chains(growbuf *b, const conn_view *c);

#endif
