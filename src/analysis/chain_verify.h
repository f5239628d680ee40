/*
 * chain_verify.h — validation of one presented certificate chain with
 * OpenSSL's X509_STORE at the time of the handshake, for its purpose (TLS
 * client or server), plus chain-shape and hygiene findings computed apart
 * from OpenSSL's verdict.
 *
 * One chain_ctx is built once from the configuration (trust anchors, time
 * override) and never changes afterwards: an analysis is a function of the
 * chain, its connection (side, SNI, time, the CertificateRequest's CA names)
 * and the configuration, never of other connections. Analyses return
 * refcounted chain_report objects (see chain_report.h) which chain_cache.c
 * shares between sessions.
 *
 * A certificate whose issuer is neither sent nor trusted (OpenSSL errors 20,
 * 2, 21) is judged by what is known about that issuer (the issuer table in
 * chain_verify.c): missing_intermediate when a certificate that could be the
 * issuer (same name; subjectKeyIdentifier = the certificate's
 * authorityKeyIdentifier when present) is in the CA files given (any side)
 * and chains to a trust anchor of this side — or, for client chains, when
 * this connection's CertificateRequest named it; otherwise untrusted_root
 * naming the issuer. An intermediate that another connection of the capture
 * sent is deliberately not used (the verdict would then depend on what else
 * is in the capture, its order and the thread count): the end summary
 * reports it instead (src/report/summary.h).
 */
#ifndef MTLS_CHAIN_VERIFY_H
#define MTLS_CHAIN_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain_errors.h" /* chain_error_code, chain_error_sentence */
#include "chain_report.h"
#include "compiler.h"
#include "session.h" /* bytes_t */


/* Certificates expiring within this many seconds of the validation time get
 * cert_expires_soon. */
#define CHAIN_EXPIRES_SOON_SECS (30 * 86400)

typedef struct chain_config {
    const char *ca_path;         /* --ca FILE|DIR: anchors for both sides (NULL: none) */
    const char *server_ca_path;  /* --server-ca FILE|DIR: anchors for server chains */
    const char *client_ca_path;  /* --client-ca FILE|DIR: anchors for client chains */
    bool use_system_store_for_server; /* add the system default store for server chains
                                         when no server anchors were given (usual: true) */
    int64_t verify_time;         /* --verify-time <RFC 3339> as unix seconds; 0: handshake time */
    bool verify_time_now;        /* --verify-time now */
} chain_config;

typedef struct chain_ctx chain_ctx;

/*
 * Build a context: loads the anchor files/directories (PEM). From a file, the
 * self-signed certificates become the trust anchors and every certificate
 * (intermediates included) is known for judging missing issuers; an
 * intermediate in a file is not used to complete a chain, so a chain that
 * lacks it gets missing_intermediate. A directory (c_rehash) and the system
 * store are looked up by name, as OpenSSL does. Returns a new
 * context, or NULL with *err set to a malloc'd sentence (caller frees; err may
 * be NULL) when a path cannot be loaded. cfg is copied; its strings need not
 * outlive the call.
 */
chain_ctx *chain_ctx_new(const chain_config *cfg, char **err);
void chain_ctx_free(chain_ctx *ctx); /* NULL is a no-op */


/* The time chains are judged at: the override from the configuration, else
 * handshake_time (unix seconds). */
int64_t chain_ctx_time(const chain_ctx *ctx, int64_t handshake_time);

/* One chain to judge, with what its connection says about it. */
typedef struct chain_input {
    const bytes_t *certs;        /* DER as sent, leaf first */
    size_t n_certs;
    int side;                    /* CHAIN_SIDE_CLIENT or CHAIN_SIDE_SERVER */
    const char *sni;             /* checked against a server leaf; may be NULL */
    int64_t handshake_time;      /* unix seconds (packet time) */
    /* client chains: the DER DistinguishedNames this connection's
     * CertificateRequest listed (a missing issuer named there is an
     * intermediate the client did not send); ignored for server chains */
    const bytes_t *ca_names;
    size_t n_ca_names;
} chain_input;

/*
 * Analyze a chain as sent (in->certs[0] should be the leaf) with its CA names.
 * A server leaf is checked against in->sni. Returns a new report with
 * refs = 1 (release with chain_report_unref), or NULL on allocation failure.
 * n_certs == 0 gives a report with no certificates, valid = false.
 * Undecodable certificates give decode_error entries and a cert_decode_error
 * finding. Never keeps pointers into in. ctx is only read.
 *
 * The validity bucket: *out_lo and *out_hi (may be NULL) receive the interval
 * [lo, hi) of validation times (unix seconds) that give the same report —
 * bounded by the notBefore, notAfter + 1 and notAfter - CHAIN_EXPIRES_SOON_SECS
 * + 1 of every certificate that took part (sent or taken from the trust
 * store). INT64_MIN / INT64_MAX when unbounded.
 *
 * Finding codes: cert_decode_error, cert_expired, cert_not_yet_valid,
 * untrusted_root, missing_intermediate, self_signed_leaf, hostname_mismatch,
 * eku_no_client_auth, eku_no_server_auth, key_usage_mismatch, cert_revoked,
 * cert_signature_invalid, path_length_exceeded, ca_invalid,
 * chain_verify_failed (other X509_V_ERR), leaf_not_first, chain_out_of_order,
 * unrelated_extra_cert, duplicate_cert, root_sent, weak_key,
 * weak_signature_hash, cert_expires_soon, server_validity_too_long,
 * ca_without_basic_constraints, trust_not_checked.
 */
chain_report *chain_analyze_bucket(chain_ctx *ctx, const chain_input *in, int64_t *out_lo,
                                   int64_t *out_hi) MTLS_WARN_UNUSED;

/*
 * Acceptable CAs (CertificateRequest certificate_authorities): returns 1 when
 * some certificate of the sent chain has a subject or issuer equal to one of
 * the listed names, or the chain built with the configured client anchors
 * (and the intermediates of the CA files) reaches a listed name; 0 when none does (or the chain is empty); -1 when
 * not applicable (no names listed). On 1, *matched_dn (may be NULL) receives
 * the listed name as a malloc'd one-line DN (caller frees). Undecodable
 * names/certs are skipped.
 */
int chain_matches_ca_names(chain_ctx *ctx, const bytes_t *certs, size_t n,
                           const bytes_t *ca_names, size_t n_names, char **matched_dn);

#endif
