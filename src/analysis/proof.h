/*
 * proof.h — proof of possession: check each side's CertificateVerify
 * signature against the public key of the certificate it presented.
 */
#ifndef MTLS_PROOF_H
#define MTLS_PROOF_H

#include "analysis.h"

/* For each side, verify its CertificateVerify (with the chain report's cached
 * leaf key when the chain was analysed, else by decoding the leaf) and fill
 * out[side]. A side whose signature could not be checked gets result -1 and
 * the session's reason as note. */
void proof_check(const session_t *s, const chain_report *const chain[2], proof_result out[2]);

#endif
