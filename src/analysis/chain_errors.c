/* chain_errors.c — the verr_table (see chain_errors.h). */
#include "chain_errors.h"

#include <openssl/x509_vfy.h>

#include "compiler.h"




#define ISSUER_UNKNOWN_CLIENT                                                                  \
    "The issuer of a client certificate was neither sent nor trusted, and nothing known "     \
    "chains it to a trusted CA: use a certificate issued by a CA the server trusts "          \
    "(--client-ca FILE here), or, if that issuer is an intermediate CA, send it."
#define ISSUER_UNKNOWN_SERVER                                                                  \
    "The issuer of a server certificate was neither sent nor trusted, and nothing known "     \
    "chains it to a trusted CA: use a certificate issued by a CA the clients trust "          \
    "(--server-ca FILE here), or, if that issuer is an intermediate CA, send it."

static const verr_row verr_table[] = {
    {X509_V_ERR_CERT_HAS_EXPIRED, "cert_expired", NULL,
     "The certificate had expired at the time of the handshake: renew it and deploy the new "
     "certificate.", NULL, false},
    {X509_V_ERR_CERT_NOT_YET_VALID, "cert_not_yet_valid", NULL,
     "The certificate was not yet valid at the time of the handshake: check the clocks of the "
     "issuing CA and of the peer, or wait until its notBefore time.", NULL, false},
    {X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD, "cert_bad_validity", NULL,
     "The certificate's notBefore date cannot be parsed: reissue the certificate.", NULL, false},
    {X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD, "cert_bad_validity", NULL,
     "The certificate's notAfter date cannot be parsed: reissue the certificate.", NULL, false},
    {X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, "self_signed_leaf", NULL,
     "The client certificate is self-signed and the server does not trust it: issue it from "
     "the CA the server trusts for client certificates, or add it to that CA list.",
     "The server certificate is self-signed and not trusted: issue it from a CA the clients "
     "trust, or add it to the clients' trust store (--server-ca FILE here).", false},
    {X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, "untrusted_root", NULL,
     "The client chain ends at a root CA that is not trusted for client certificates: add that "
     "root to the server's client CA list (and pass it with --client-ca FILE here).",
     "The server chain ends at a root CA that is not trusted: add that root to the client's "
     "trust store (and pass it with --server-ca FILE here).", false},
    /* issuer not found (20: in the sent chain or the store; 2: issuer of a store
     * certificate; 21: the leaf alone, usually right after 20 for the same
     * certificate — one finding per code and certificate) */
    {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "untrusted_root", NULL,
     ISSUER_UNKNOWN_CLIENT, ISSUER_UNKNOWN_SERVER, true},
    {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, "untrusted_root", NULL,
     ISSUER_UNKNOWN_CLIENT, ISSUER_UNKNOWN_SERVER, true},
    {X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, "untrusted_root", NULL,
     ISSUER_UNKNOWN_CLIENT, ISSUER_UNKNOWN_SERVER, true},
    {X509_V_ERR_CERT_UNTRUSTED, "untrusted_root", NULL,
     "The root CA is not trusted for client authentication: add it to the server's client CA "
     "list.", "The root CA is not trusted for server authentication: add it to the clients' "
     "trust store.", false},
    {X509_V_ERR_CERT_REJECTED, "untrusted_root", NULL,
     "The root CA is explicitly rejected for client authentication by the trust settings.",
     "The root CA is explicitly rejected for server authentication by the trust settings.", false},
    {X509_V_ERR_HOSTNAME_MISMATCH, "hostname_mismatch", NULL,
     "The certificate does not cover the requested name.",
     "The server certificate does not cover the name the client asked for (SNI): reissue it "
     "with that name in subjectAltName, or connect with a name it lists.", false},
    {X509_V_ERR_IP_ADDRESS_MISMATCH, "hostname_mismatch", NULL,
     "The certificate does not cover the requested IP address.",
     "The server certificate does not cover the IP address the client connected to: add it "
     "to subjectAltName.", false},
    {X509_V_ERR_INVALID_PURPOSE, "eku_no_client_auth", "eku_no_server_auth",
     "The client certificate is not allowed for TLS client authentication: reissue it with "
     "extendedKeyUsage clientAuth (and keyUsage digitalSignature).",
     "The server certificate is not allowed for TLS server authentication: reissue it with "
     "extendedKeyUsage serverAuth.", false},
    {X509_V_ERR_CERT_SIGNATURE_FAILURE, "cert_signature_invalid", NULL,
     "A certificate's signature does not verify with its issuer's key: the issuer certificate "
     "sent or trusted is not the one that signed it (install the right intermediate), or the "
     "certificate was altered.", NULL, false},
    {X509_V_ERR_CERT_REVOKED, "cert_revoked", NULL,
     "The certificate has been revoked: issue and deploy a new one.", NULL, false},
    {X509_V_ERR_PATH_LENGTH_EXCEEDED, "path_length_exceeded", NULL,
     "The chain is longer than a CA's pathLenConstraint allows: issue the certificate from a "
     "CA closer to the root, or reissue the CA without that limit.", NULL, false},
    {X509_V_ERR_INVALID_CA, "ca_invalid", NULL,
     "A certificate used as a CA in the chain is not a valid CA (basicConstraints CA:TRUE and "
     "keyUsage keyCertSign are required): reissue that CA certificate.", NULL, false},
    {X509_V_ERR_KEYUSAGE_NO_CERTSIGN, "ca_invalid", NULL,
     "A CA certificate in the chain lacks keyUsage keyCertSign: reissue that CA certificate.",
     NULL, false},
    {X509_V_ERR_EE_KEY_TOO_SMALL, "weak_key", NULL,
     "The certificate's key is too small: reissue it with an RSA key of at least 2048 bits or "
     "an EC key.", NULL, false},
    {X509_V_ERR_CA_KEY_TOO_SMALL, "weak_key", NULL,
     "A CA key in the chain is too small: the CA must be reissued with a stronger key.", NULL, false},
    {X509_V_ERR_CA_MD_TOO_WEAK, "weak_signature_hash", NULL,
     "A certificate is signed with a weak hash (MD5 or SHA-1): reissue it with SHA-256.", NULL, false},
    {X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY, "cert_decode_error", NULL,
     "The issuer's public key cannot be decoded: the CA certificate is damaged or uses an "
     "unsupported algorithm.", NULL, false},
    {X509_V_ERR_CERT_CHAIN_TOO_LONG, "chain_too_long", NULL,
     "The chain is longer than the verifier accepts: send fewer certificates.", NULL, false},
};

const verr_row *verr_find(int err)
{
    for (size_t i = 0; i < MTLS_ARRAY_LEN(verr_table); i++)
        if (verr_table[i].err == err)
            return &verr_table[i];
    return NULL;
}

const char *chain_error_code(int x509_err, int depth, int side)
{
    (void)depth;
    const verr_row *r = verr_find(x509_err);
    if (!r)
        return x509_err == X509_V_OK ? "ok" : "chain_verify_failed";
    return (side == CHAIN_SIDE_SERVER && r->code_server) ? r->code_server : r->code;
}

const char *chain_error_sentence(int x509_err, int depth, int side)
{
    (void)depth;
    const verr_row *r = verr_find(x509_err);
    if (!r)
        return x509_err == X509_V_OK
                   ? "The chain is valid."
                   : "OpenSSL rejected the chain for the reason given in the error string: fix "
                     "that certificate and reissue it.";
    return (side == CHAIN_SIDE_SERVER && r->sentence_server) ? r->sentence_server : r->sentence;
}

bool is_trust_error(int err)
{
    switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
        return true;
    default:
        return false;
    }
}

