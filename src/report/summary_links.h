/*
 * summary_links.h — knowledge that spans connections, gathered for the end
 * summary, where it is deterministic.
 *
 * A connection's verdict and findings depend on that connection alone (and on
 * what the user gave); what one connection tells about another goes here and
 * is printed once every connection has been seen, in connection-id order, so
 * it is the same for any --threads and any order of the input:
 * - intermediates: a CA certificate that some connections sent while other
 *   chains lacked exactly that issuer (same subject name, and the
 *   subjectKeyIdentifier their authorityKeyIdentifier names when both are
 *   there): "CN=X was sent on #a, #b; the server chains of #c, #d lacked it";
 * - resumptions: which full handshake of the capture an abbreviated one
 *   continued (same client address and server; the session ID the server
 *   gave out, else the latest earlier full handshake there that issued a
 *   ticket).
 * Bounded: at most LINKS_MAX_ENTRIES distinct certificates, issuers and
 * handshakes each (the summary says when a cap was reached), and for each
 * certificate or issuer the LINKS_MAX_IDS lowest connection ids plus a count.
 */
#ifndef MTLS_SUMMARY_LINKS_H
#define MTLS_SUMMARY_LINKS_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "compiler.h"
#include "conn_view.h"

#define LINKS_MAX_ENTRIES 65536u
#define LINKS_MAX_IDS 16u

typedef struct summary_links summary_links;

summary_links *summary_links_new(void) MTLS_WARN_UNUSED; /* NULL on OOM */
void summary_links_free(summary_links *l);                /* NULL is a no-op */

/* Note what this connection sent and lacked, and whether it resumed or can be
 * resumed. Everything needed is copied. 0, or -1 on OOM. */
int summary_links_add(summary_links *l, const conn_view *c) MTLS_WARN_UNUSED;
/* Move src's entries into dst (a --threads worker's into the front's). -1 on OOM. */
int summary_links_merge(summary_links *dst, summary_links *src) MTLS_WARN_UNUSED;

/* Text sections ("Intermediates sent on other connections:", "Resumptions:");
 * nothing when there is nothing to say. 0, or -1 on a write error. */
int summary_links_write_text(FILE *out, summary_links *l) MTLS_WARN_UNUSED;
/* Adds "intermediates_elsewhere" and "resumptions" arrays to the summary
 * object o. 0, or -1 on OOM. */
int summary_links_json(cJSON *o, summary_links *l) MTLS_WARN_UNUSED;

#endif
