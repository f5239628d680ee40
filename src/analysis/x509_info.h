/*
 * x509_info.h — per-certificate extraction with OpenSSL 3 (names, SANs, key,
 * signature algorithm, KU/EKU, basic constraints, key identifiers,
 * fingerprints, self-signed). Fills the cert_info struct of chain_report.h.
 */
#ifndef MTLS_X509_INFO_H
#define MTLS_X509_INFO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "chain_report.h"
#include "compiler.h"

/*
 * The facts of one certificate into *out (which is zeroed first; release it
 * with cert_info_cleanup()): x is der/len decoded by x509i_decode, der/len its
 * encoding (for der_len and the fingerprints). Undecodable DER (x NULL:
 * garbage, trailing bytes, truncation, absurd lengths) is not a failure:
 * out->decode_error is set and only der_len, sha256 and sha1 are filled.
 * Every string is an owned copy (raw bytes from the certificate: escape
 * before printing).
 * Returns 0 on success (including decode_error), -1 on allocation failure
 * (out is then cleaned up and zeroed).
 */
int x509i_extract_x509(X509 *x, const uint8_t *der, size_t len, cert_info *out) MTLS_WARN_UNUSED;

/*
 * Decode DER strictly: the whole buffer must be exactly one certificate.
 * Returns a new X509 (caller frees with X509_free) or NULL.
 */
X509 *x509i_decode(const uint8_t *der, size_t len);

/* Lowercase hex SHA-256 (65 bytes incl. NUL) / SHA-1 (41 bytes) of der.
 * Returns 0, or -1 when the digest could not be computed (out set to ""). */
int x509i_sha256_hex(const uint8_t *der, size_t len, char out[65]) MTLS_WARN_UNUSED;
int x509i_sha1_hex(const uint8_t *der, size_t len, char out[41]) MTLS_WARN_UNUSED;

#endif
