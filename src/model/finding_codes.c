/* finding_codes.c — every finding code, one row each (see finding_codes.h). */
#include "finding_codes.h"

#include <string.h>

#include "compiler.h"

static const finding_code_info rows[] = {
    /* certificate chains (src/analysis/chain_verify.c) */
    {"cert_expired", SEV_ERROR, "a certificate is past its notAfter at the handshake time"},
    {"cert_not_yet_valid", SEV_ERROR, "a certificate is before its notBefore at the handshake time"},
    {"cert_bad_validity", SEV_ERROR, "a certificate's notBefore/notAfter cannot be read"},
    {"cert_expires_soon", SEV_WARNING, "a certificate expires within the warning window"},
    {"cert_decode_error", SEV_ERROR, "DER bytes that OpenSSL cannot decode as a certificate"},
    {"cert_revoked", SEV_ERROR, "revoked according to a CRL in the trust store"},
    {"cert_signature_invalid", SEV_ERROR, "a certificate's signature does not verify with its issuer's key"},
    {"self_signed_leaf", SEV_WARNING, "the leaf is its own issuer"},
    {"untrusted_root", SEV_ERROR, "the chain ends at a CA that is not a trust anchor"},
    {"missing_intermediate", SEV_ERROR, "the chain cannot reach a trust anchor with the certificates sent"},
    {"chain_out_of_order", SEV_WARNING, "certificates are not sent leaf first, each followed by its issuer"},
    {"leaf_not_first", SEV_ERROR, "the first certificate sent is not the end-entity certificate"},
    {"unrelated_extra_cert", SEV_WARNING, "a certificate sent is not on the path from the leaf"},
    {"duplicate_cert", SEV_WARNING, "the same certificate was sent twice"},
    {"root_sent", SEV_INFO, "the self-signed root was sent; peers must already have it"},
    {"ca_without_basic_constraints", SEV_WARNING, "a CA certificate lacks basicConstraints CA:TRUE"},
    {"ca_invalid", SEV_ERROR, "an issuer is not a valid CA (no CA:TRUE or no keyCertSign)"},
    {"path_length_exceeded", SEV_ERROR, "the chain is longer than an issuer's pathLenConstraint"},
    {"chain_too_long", SEV_ERROR, "the chain exceeds the verification depth"},
    {"hostname_mismatch", SEV_ERROR, "the requested name is not in the server certificate"},
    {"eku_no_client_auth", SEV_ERROR, "extendedKeyUsage forbids client authentication"},
    {"eku_no_server_auth", SEV_ERROR, "extendedKeyUsage forbids server authentication"},
    {"key_usage_mismatch", SEV_ERROR, "keyUsage forbids this use of the key"},
    {"weak_key", SEV_WARNING, "a key too small for current policy"},
    {"weak_signature_hash", SEV_WARNING, "a certificate signed with SHA-1 or MD5"},
    {"server_validity_too_long", SEV_WARNING, "a server leaf valid longer than 398 days"},
    {"trust_not_checked", SEV_INFO, "no trust anchors were given for this side"},
    /* our own machinery (src/diagnose/own_findings.c) */
    {"analysis_failed", SEV_ERROR, "mtlsdump ran out of memory: a part of its analysis was not done (never a statement about the certificate)"},
    /* the wire (src/tls/) and the engine's events */
    {"malformed", SEV_ERROR, "bytes that claim to be TLS do not parse"},
    {"finished_mismatch", SEV_ERROR, "a decrypted Finished does not match the transcript"},
    {"hello_list_truncated", SEV_WARNING, "a ClientHello list is longer than the entries kept"},
    {"tcp_overlap_conflict", SEV_WARNING, "a retransmitted segment carried different bytes"},
    {"evicted", SEV_WARNING, "mtlsdump stopped tracking the connection before it ended"},
    /* the diagnosis (src/diagnose/) */
    {"client_ca_not_acceptable", SEV_ERROR, "the client chain reaches none of the CAs the server listed"},
    {"deprecated_protocol", SEV_WARNING, "TLS 1.0/1.1 or SSL was negotiated"},
    {"tcp_gap", SEV_WARNING, "the capture lost bytes of this connection"},
    {"fatal_alert", SEV_ERROR, "a side ended the handshake with an alert"},
    {"warning_alert", SEV_INFO, "a side sent a warning alert"},
    {"server_key_mismatch", SEV_ERROR, "the server's ServerKeyExchange signature does not verify with its certificate's key"},
    {"cert_verify_failed", SEV_WARNING, "a CertificateVerify did not verify but the handshake finished"},
    {"renegotiation", SEV_INFO, "a TLS 1.0-1.2 renegotiation after the handshake, secure (RFC 5746)"},
    {"insecure_renegotiation", SEV_WARNING, "a renegotiation without RFC 5746 secure renegotiation"},
    {"cert_unsupported", SEV_ERROR, "the peer refused the certificate with unsupported_certificate"},
    {"app_refused", SEV_ERROR, "the server refused the client in its application protocol"},
    {"app_error", SEV_WARNING, "the server answered the client with an application-protocol error"},
};

const finding_code_info *finding_codes(size_t *n)
{
    *n = MTLS_ARRAY_LEN(rows);
    return rows;
}
