#include "verdict.h"

#include <string.h>

static const verdict_info verdict_table[VERDICT__COUNT] = {
    [VERDICT_NONE] = {"none", false, ESTABLISHED_NO, TONE_NEUTRAL, "not diagnosed"},
    [VERDICT_MTLS_OK] = {"mtls_ok", false, ESTABLISHED_YES, TONE_GOOD,
                         "server asked for a client certificate, client presented one, handshake finished"},
    [VERDICT_TLS_OK_NO_CLIENT_AUTH] = {"tls_ok_no_client_auth", false, ESTABLISHED_YES, TONE_GOOD,
                                       "handshake finished, server never asked for a client certificate"},
    [VERDICT_RESUMED] = {"resumed", false, ESTABLISHED_YES, TONE_GOOD,
                         "abbreviated handshake: no certificates on the wire"},
    [VERDICT_CLIENT_CERT_MISSING] = {"client_cert_missing", true, ESTABLISHED_IF_FINISHED, TONE_BAD,
                                     "server asked, client sent an empty Certificate or none"},
    [VERDICT_CLIENT_CERT_REJECTED] = {"client_cert_rejected", true, ESTABLISHED_NO, TONE_BAD,
                                      "client presented a certificate and the server refused it"},
    [VERDICT_CLIENT_KEY_MISMATCH] = {"client_key_mismatch", true, ESTABLISHED_NO, TONE_BAD,
                                     "CertificateVerify does not verify with the presented certificate's key"},
    [VERDICT_SERVER_CERT_REJECTED] = {"server_cert_rejected", true, ESTABLISHED_NO, TONE_BAD,
                                      "the client aborted after the server's Certificate"},
    [VERDICT_SERVER_KEY_MISMATCH] = {"server_key_mismatch", true, ESTABLISHED_NO, TONE_BAD,
                                     "the server's ServerKeyExchange signature does not verify with its certificate's key"},
    [VERDICT_NEGOTIATION_FAILED] = {"negotiation_failed", true, ESTABLISHED_NO, TONE_BAD,
                                    "aborted before any certificate step: version, cipher, group, ALPN, SNI"},
    [VERDICT_ABORTED] = {"aborted", true, ESTABLISHED_NO, TONE_BAD,
                         "a side closed, reset or alerted mid-handshake and no more specific verdict fits"},
    [VERDICT_INCOMPLETE] = {"incomplete", false, ESTABLISHED_NO, TONE_NEUTRAL,
                            "the capture ended or lost segments before the handshake could finish"},
    [VERDICT_ENCRYPTED] = {"encrypted", false, ESTABLISHED_IF_DATA, TONE_NEUTRAL,
                           "TLS 1.3 without keys: inferred from record sizes; pass --keylog FILE"},
    [VERDICT_MALFORMED] = {"malformed", true, ESTABLISHED_NO, TONE_BAD,
                           "bytes that claim to be TLS do not parse"},
};

static const verdict_info verdict_unknown = {"unknown", false, ESTABLISHED_NO, TONE_NEUTRAL, "unknown verdict"};

const verdict_info *verdict_get(verdict_t v)
{
    return (unsigned)v < VERDICT__COUNT ? &verdict_table[v] : &verdict_unknown;
}

const char *verdict_name(verdict_t v) { return verdict_get(v)->name; }

bool verdict_is_failure(verdict_t v) { return verdict_get(v)->failed; }

bool verdict_from_name(const char *name, verdict_t *out)
{
    for (int v = VERDICT_NONE + 1; v < VERDICT__COUNT; v++) {
        if (strcmp(verdict_table[v].name, name) == 0) {
            *out = (verdict_t)v;
            return true;
        }
    }
    return false;
}
