/*
 * chain_report.h — what certificate analysis tells about one presented chain.
 *
 * Produced by chain_verify.c (OpenSSL), cached by chain_cache.c, read by
 * diagnosis and the reporters. Immutable once made: the cache hands the same
 * report (as const) to every connection that presented the same chain, so a
 * consumer that wants a memo about a chain keeps its own, keyed by the
 * report's identity (see ca_match.c, report_json.c). The reference count is
 * atomic, so reports may be shared across threads.
 */
#ifndef MTLS_CHAIN_REPORT_H
#define MTLS_CHAIN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

#include "findings.h"

/* Which side presented the chain (same values as mtls_dir DIR_C2S/DIR_S2C). */
#define CHAIN_SIDE_CLIENT 0
#define CHAIN_SIDE_SERVER 1

typedef struct cert_info {
    bool decode_error;      /* DER did not parse; only sha256/sha1/der_len are set */
    size_t der_len;
    char sha256[65];        /* lowercase hex */
    char sha1[41];
    char *subject;          /* full DN, RFC 2253-style one line ("CN=a,O=b"); owned, raw bytes from the cert (escape before printing) */
    char *issuer;
    char *subject_cn;       /* may be NULL */
    char *issuer_cn;
    char *subject_o;        /* the first organizationName (O=), may be NULL */
    char *issuer_o;
    int version;            /* X.509 version as written in documents: 1, 2 or 3 */
    char *serial_hex;
    int64_t not_before;     /* unix seconds (UTC) */
    int64_t not_after;
    char **san;             /* "DNS:name", "IP:1.2.3.4", "URI:...", "email:..." */
    size_t n_san;
    char *key_alg;          /* "RSA", "EC", "ED25519", ... */
    int key_bits;
    char *key_curve;        /* "prime256v1" for EC, else NULL */
    char *sig_alg;          /* "sha256WithRSAEncryption" */
    char *key_usage;        /* comma-separated: "digitalSignature,keyEncipherment"; NULL when absent */
    char *ext_key_usage;    /* comma-separated: "serverAuth,clientAuth"; NULL when absent */
    int is_ca;              /* basicConstraints CA: 1 yes, 0 no, -1 extension absent */
    int path_len;           /* -1 when not set */
    char *ski;              /* hex, NULL when absent */
    char *aki;
    bool self_signed;
} cert_info;

typedef struct chain_report {
    atomic_int refs;         /* the only field that changes after the report is shared */
    size_t n_certs;
    cert_info *certs;        /* in the order they were sent */
    bool trust_checked;      /* a trust anchor was configured/available for this side */
    bool valid;              /* OpenSSL accepted the chain for its purpose (trust ignored when !trust_checked) */
    int verify_error;        /* X509_V_ERR_* (0 = ok) */
    int verify_depth;        /* depth of the failing certificate, -1 when none */
    char *verify_error_str;  /* X509_verify_cert_error_string() */
    char *verify_sentence;   /* one plain sentence a person can act on */
    char *trust_note;        /* e.g. "trust not checked: pass --client-ca FILE"; NULL when checked */
    finding_list findings;   /* cert_expired, untrusted_root, missing_intermediate, weak_key, ... */
    /* Decoded once per distinct chain, reused by every session that sent it: */
    void *leaf_pkey;         /* EVP_PKEY * of the leaf (owned), NULL when undecodable */
} chain_report;

/* Reference counting (atomic; the count is the report's only mutable part,
 * like a shared pointer's control block). chain_report_unref(NULL) is a no-op. */
const chain_report *chain_report_ref(const chain_report *r);
void chain_report_unref(const chain_report *r);
void cert_info_cleanup(cert_info *ci);
/* A deep copy of src into dst: 0, or -1 on OOM with dst emptied. */
int cert_info_copy(cert_info *dst, const cert_info *src);

#endif
