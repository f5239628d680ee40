/* alert_knowledge.c — the usual causes of alerts (see alert_knowledge.h). */
#include "alert_knowledge.h"

#include <stddef.h>

#include "compiler.h"
#include "tls_alert.h"

/* One row per alert with a known meaning. cert_cause: after a certificate;
 * negotiation_cause: while negotiating parameters; negotiation_only: the
 * alert never means a certificate was refused. */
static const struct alert_row {
    uint8_t desc;
    bool negotiation_only;
    const char *cert_cause;
    const char *negotiation_cause;
} alert_rows[] = {
    {TLS_ALERT_UNEXPECTED_MESSAGE, false, NULL,
     "a message arrived out of order for the peer's state machine"},
    {TLS_ALERT_BAD_RECORD_MAC, false, NULL,
     "a record failed its integrity check (keys or middlebox corruption)"},
    {TLS_ALERT_HANDSHAKE_FAILURE, false, NULL,
     "the two sides could not agree on parameters: no common cipher suite, key-exchange group or signature algorithm"},
    {TLS_ALERT_NO_CERTIFICATE, false, "no certificate was available (SSL 3.0 no_certificate)", NULL},
    {TLS_ALERT_BAD_CERTIFICATE, false,
     "the peer could not use the certificate: a bad signature, a wrong key usage or extended key usage, or a CertificateVerify that did not match",
     NULL},
    {TLS_ALERT_UNSUPPORTED_CERTIFICATE, false,
     "the peer does not support this kind of certificate (key type, key size or signature algorithm)", NULL},
    {TLS_ALERT_CERTIFICATE_REVOKED, false, "the certificate was revoked by its CA (CRL or OCSP)", NULL},
    {TLS_ALERT_CERTIFICATE_EXPIRED, false,
     "the certificate (or one in its chain) is expired or not yet valid at the peer's clock", NULL},
    {TLS_ALERT_CERTIFICATE_UNKNOWN, false,
     "the peer rejected the certificate for an unspecified reason (often an untrusted or incomplete chain, or a failed policy check)",
     NULL},
    {TLS_ALERT_ILLEGAL_PARAMETER, true, NULL,
     "a field in the peer's hello had an illegal value (often a middlebox or a bug)"},
    {TLS_ALERT_UNKNOWN_CA, false,
     "the peer does not trust the CA that issued the certificate, or could not build a chain to it (missing intermediate)",
     NULL},
    {TLS_ALERT_ACCESS_DENIED, false,
     "the certificate is valid but the peer's access control refused this identity", NULL},
    {TLS_ALERT_DECODE_ERROR, true, NULL, "a handshake message could not be decoded by the peer"},
    {TLS_ALERT_DECRYPT_ERROR, false,
     "a signature did not verify; after a client certificate this is usually the CertificateVerify, i.e. the private key does not match the certificate",
     NULL},
    {TLS_ALERT_PROTOCOL_VERSION, true, NULL, "the two sides share no protocol version"},
    {TLS_ALERT_INSUFFICIENT_SECURITY, true, NULL,
     "the server requires stronger parameters (cipher suite or group) than the client offered"},
    {TLS_ALERT_INTERNAL_ERROR, false, NULL, "the peer hit an internal error"},
    {TLS_ALERT_INAPPROPRIATE_FALLBACK, true, NULL,
     "the client retried with a lower version than it supports (downgrade protection)"},
    {TLS_ALERT_MISSING_EXTENSION, true, NULL, "a mandatory extension was missing from the hello"},
    {TLS_ALERT_UNSUPPORTED_EXTENSION, true, NULL, "a side sent an extension the other never offered"},
    {TLS_ALERT_UNRECOGNIZED_NAME, false, NULL,
     "the server has no certificate or virtual host for the requested server name (SNI)"},
    {TLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE, false, "the OCSP status response was invalid", NULL},
    {TLS_ALERT_BAD_CERTIFICATE_HASH_VALUE, false, "the certificate's hash value did not match", NULL},
    {TLS_ALERT_UNKNOWN_PSK_IDENTITY, false, NULL,
     "the server does not know the PSK identity the client offered"},
    {TLS_ALERT_CERTIFICATE_REQUIRED, false, "the server requires a client certificate and none was sent", NULL},
    {TLS_ALERT_NO_APPLICATION_PROTOCOL, true, NULL,
     "the client offered ALPN protocols the server does not support"},
    {TLS_ALERT_ECH_REQUIRED, true, NULL, "the server requires Encrypted Client Hello"},
};

static const struct alert_row *row(uint8_t desc)
{
    for (size_t i = 0; i < MTLS_ARRAY_LEN(alert_rows); i++)
        if (alert_rows[i].desc == desc)
            return &alert_rows[i];
    return NULL;
}

const char *diag_alert_cause(uint8_t alert_desc)
{
    const struct alert_row *r = row(alert_desc);
    return r ? r->cert_cause : NULL;
}

const char *diag_negotiation_cause(uint8_t alert_desc)
{
    const struct alert_row *r = row(alert_desc);
    return r ? r->negotiation_cause : NULL;
}

bool diag_is_negotiation_alert(uint8_t alert_desc)
{
    const struct alert_row *r = row(alert_desc);
    return r && r->negotiation_only;
}
