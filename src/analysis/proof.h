/*
 * proof.h — proof of possession: check each side's CertificateVerify
 * signature against the public key of the certificate it presented.
 */
#ifndef MTLS_PROOF_H
#define MTLS_PROOF_H

#include "chain_report.h"
#include "session.h"

/* The proof-of-possession check of one side's CertificateVerify. */
typedef struct proof_result {
    int result;  /* -1 not checked, 0 mismatch, 1 verified */
    char *note;  /* owned: why not checked / what failed; NULL when none */
} proof_result;

/* Verify side d's CertificateVerify (with the chain report's cached leaf key
 * when the chain was analysed, else by decoding the leaf) and fill *out. A
 * side whose signature could not be checked gets result -1 and the session's
 * reason as note. */
void proof_check(const session_t *s, mtls_dir d, const chain_report *chain, proof_result *out);

/* The server's ServerKeyExchange signature (TLS 1.0-1.2 DHE/ECDHE) against
 * its leaf's key, the same way; result -1 when there is none to check. */
void proof_check_ske(const session_t *s, const chain_report *server_chain, proof_result *out);

#endif
