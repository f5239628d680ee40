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
 * The module only gathers and orders; the text and JSON reporters print it
 * (summary_text.c, summary_json.c) from the read-only view below.
 * Bounded: at most LINKS_MAX_ENTRIES distinct certificates and issuers, and
 * the LINKS_MAX_HANDSHAKES resumable or resumed handshakes of the lowest
 * connection ids (24 bytes each: 6 MiB, so a live capture of days stays
 * flat); the summary says when a cap was reached. Resumptions stay the same
 * for any order when capped; the certificates and issuers listed can then
 * depend on the order connections ended. For each certificate or issuer, the
 * LINKS_MAX_IDS lowest connection ids plus a count.
 */
#ifndef MTLS_SUMMARY_LINKS_H
#define MTLS_SUMMARY_LINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "conn_view.h"

#define LINKS_MAX_ENTRIES 65536u
#define LINKS_MAX_HANDSHAKES (1u << 18) /* resumable and resumed handshakes kept: 24 bytes each */
#define LINKS_MAX_IDS 16u

typedef struct summary_links summary_links;

/* max_handshakes: how many resumable or resumed handshakes to keep (those of
 * the lowest ids), at most LINKS_MAX_HANDSHAKES (0: that). NULL on OOM. */
summary_links *summary_links_new(size_t max_handshakes) MTLS_WARN_UNUSED;
void summary_links_free(summary_links *l);                /* NULL is a no-op */

/* Note what this connection sent and lacked, and whether it resumed or can be
 * resumed. Everything needed is copied. 0, or -1 on OOM. */
int summary_links_add(summary_links *l, const conn_view *c) MTLS_WARN_UNUSED;

/* After the last add: pair each lacked issuer with the CA
 * certificate sent elsewhere, link each resumption to its full handshake,
 * and put both lists in their printed order (intermediates by the lowest
 * connection id that lacked them, resumptions by id). Before it the lists
 * below are empty. -1 on OOM (summary_links_complete is then false). */
int summary_links_finish(summary_links *l) MTLS_WARN_UNUSED;

/* ---- the read-only view, in printed order (NULL l: nothing) ---- */

/* A set of connection ids: the LINKS_MAX_IDS lowest, ascending, in v[0..n),
 * and how many there were (total >= n). */
typedef struct link_ids {
    uint64_t v[LINKS_MAX_IDS];
    size_t n;
    uint64_t total;
    uint64_t last; /* the id added last (gathering only) */
} link_ids;

/* "CN=X (sha256 ...) was sent on #a, #b; the server chains of #c, #d lacked it". */
typedef struct link_intermediate {
    const char *subject;      /* of the CA certificate that was sent */
    const char *sha256;       /* its fingerprint, lowercase hex */
    const link_ids *sent_on;  /* the connections that sent it */
    bool lacked_by_server;    /* whose chains lacked it: the server's, else the client's */
    const link_ids *lacked_on;
} link_intermediate;

/* An abbreviated handshake and the full handshake it continued (from 0: that
 * one is not in the capture). */
typedef struct link_resumption {
    uint64_t id, from;
} link_resumption;

size_t summary_links_n_intermediates(const summary_links *l);
link_intermediate summary_links_intermediate(const summary_links *l, size_t i); /* i < the count */
/* The resumptions by connection id, *n of them (NULL when none). */
const link_resumption *summary_links_resumptions(const summary_links *l, size_t *n);
/* A cap was reached (certificates, issuers or handshakes): the lists are incomplete. */
bool summary_links_capped(const summary_links *l);
/* Which: certificates or issuers were left out (the intermediates list is
 * incomplete), handshakes were left out (resumptions of the lowest ids only). */
bool summary_links_capped_entries(const summary_links *l);
bool summary_links_capped_handshakes(const summary_links *l);
/* false when summary_links_finish ran out of memory (the lists may miss entries). */
bool summary_links_complete(const summary_links *l);

#endif
