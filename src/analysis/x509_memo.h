/*
 * x509_memo.h — decoded and extracted certificates kept by their DER bytes.
 *
 * OpenSSL 3.0's d2i_X509 costs about 1.2 M instructions per certificate,
 * most of it building a decoder for the public key. The intermediate CA
 * certificates that thousands of client chains carry are the same few
 * certificates: decoding each once per analyzer (as a verifier that keeps
 * its issuers would) instead of once per distinct chain saves most of the
 * chain analysis on real traffic. Their extracted facts (cert_info) are kept
 * beside them and copied out.
 *
 * Bounded and direct-mapped (X509_MEMO_SLOTS entries, a newer certificate
 * replaces the one in its slot); a hit compares the whole DER, never only a
 * hash. Thread-safe (one mutex around the slots; decoding runs outside it):
 * the chain context that holds it is shared by the --threads workers.
 */
#ifndef MTLS_X509_MEMO_H
#define MTLS_X509_MEMO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "chain_report.h"

#define X509_MEMO_SLOTS 256

typedef struct x509_memo x509_memo;

x509_memo *x509_memo_new(void);
void x509_memo_free(x509_memo *m);

/* The certificate DER[0..len) decoded and extracted, as x509i_decode and
 * x509i_extract_x509 would: *x is a new reference the caller frees with
 * X509_free, or NULL when the bytes are not exactly one DER certificate
 * (never remembered); *info is the caller's to clean up. 0, or -1 on OOM
 * (*x NULL, *info empty). */
int x509_memo_get(x509_memo *m, const uint8_t *der, size_t len, X509 **x, cert_info *info);

#endif
