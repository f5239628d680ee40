/*
 * cert_verify.h — proof of possession: does the CertificateVerify signature
 * verify with the public key of the presented leaf certificate over the exact
 * signed content? Uses OpenSSL 3 EVP only.
 */
#ifndef MTLS_CERT_VERIFY_H
#define MTLS_CERT_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * TLS 1.0–1.2. transcript = every handshake message (4-byte headers
 * included) before the CertificateVerify, in order. scheme is the
 * SignatureScheme on the wire (TLS 1.2) or 0 for TLS 1.0/1.1 (RSA: PKCS#1
 * over MD5||SHA-1; ECDSA: SHA-1). Supported: rsa_pkcs1_{sha1,sha256,sha384,
 * sha512}, ecdsa_{sha1,secp256r1_sha256,secp384r1_sha384,secp521r1_sha512},
 * rsa_pss_rsae_*, rsa_pss_pss_*, ed25519, ed448, and the legacy
 * {md5,sha224}x{rsa,ecdsa} pairs.
 * Returns 1 when the signature verifies, 0 when it does not (the private key
 * does not match the certificate, or the bytes were altered), -1 when it
 * could not be checked (undecodable certificate, unknown scheme, scheme not
 * usable with that key type). *note (may be NULL) receives a malloc'd
 * sentence for 0 and -1 (caller frees), NULL for 1.
 */
int certvfy_tls12(const uint8_t *leaf_der, size_t leaf_len, uint16_t scheme, const uint8_t *sig,
                  size_t sig_len, const uint8_t *transcript, size_t transcript_len, char **note);

/*
 * TLS 1.3: the signed content is 64 x 0x20, "TLS 1.3, server
 * CertificateVerify" (server = true) or "TLS 1.3, client CertificateVerify",
 * 0x00, then transcript_hash (Transcript-Hash of the messages up to and
 * including the Certificate, with the suite's hash). Same results as
 * certvfy_tls12; PKCS#1 v1.5 and SHA-1 schemes are refused (-1: not allowed
 * in TLS 1.3).
 */
int certvfy_tls13(const uint8_t *leaf_der, size_t leaf_len, uint16_t scheme, const uint8_t *sig,
                  size_t sig_len, const uint8_t *transcript_hash, size_t hash_len, bool server,
                  char **note);

/* Name of a signature scheme we know ("rsa_pss_rsae_sha256"), or NULL. */
/* The same checks with an already decoded public key (EVP_PKEY *), e.g. the
 * chain cache's chain_report.leaf_pkey, so a certificate seen in many
 * handshakes is decoded once. */
int certvfy_tls12_key(void *pkey, uint16_t scheme, const uint8_t *sig, size_t sig_len,
                      const uint8_t *transcript, size_t transcript_len, char **note);
int certvfy_tls13_key(void *pkey, uint16_t scheme, const uint8_t *sig, size_t sig_len,
                      const uint8_t *transcript_hash, size_t hash_len, bool server, char **note);


#endif
