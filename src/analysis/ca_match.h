/*
 * ca_match.h — does the client chain reach a CA the server's
 * CertificateRequest listed? With a memo of its own: the answer depends only
 * on the chain and the CA list, and busy servers send the same list to many
 * clients with the same chains, so it is kept per (chain report, digest of the
 * CA list). The memo holds a reference on each chain report it remembers, so
 * a report's identity (its address) cannot be reused while remembered.
 */
#ifndef MTLS_CA_MATCH_H
#define MTLS_CA_MATCH_H

#include "chain_verify.h"
#include "compiler.h"

typedef struct ca_matcher ca_matcher;

ca_matcher *ca_matcher_new(chain_ctx *ctx) MTLS_WARN_UNUSED; /* NULL on OOM */
void ca_matcher_free(ca_matcher *m);                          /* NULL is a no-op */

/* chain_matches_ca_names() for the session's client chain and
 * CertificateRequest list (same result; *matched_dn malloc'd or NULL).
 * chain may be NULL (then nothing is remembered). */
int ca_matcher_match(ca_matcher *m, const chain_report *chain, const bytes_t *certs, size_t n_certs,
                     const bytes_t *ca_names, size_t n_names, char **matched_dn);

#endif
