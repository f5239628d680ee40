/*
 * proof.h — proof of possession: check each side's CertificateVerify
 * signature against the public key of the certificate it presented.
 */
#ifndef MTLS_PROOF_H
#define MTLS_PROOF_H

#include "session.h"

/* For each side with a CertificateVerify whose signed data was kept, verify
 * it (with the chain report's cached leaf key when certificate analysis ran,
 * else by decoding the leaf) and set cv.result / cv.note. Frees the kept
 * signed data. */
void proof_check(session_t *s);

#endif
