/*
 * names.c — the one place reporters turn numbers into names. Own tables for
 * now (IANA TLS registries); switch to dissectors/tls_registry.h and
 * tls_alert.h here when they land, nothing else changes.
 */
#include "names.h"

#include <stdio.h>

#include "dn.h"

typedef struct name_row {
    uint16_t v;
    const char *name;
} name_row;

static const char *lookup(const name_row *rows, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].v == v)
            return rows[i].name;
    return NULL;
}

static const char *unknown16(uint16_t v, name_buf *b)
{
    snprintf(b->s, sizeof b->s, "unknown(0x%04x)", v);
    return b->s;
}

int names_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static const name_row versions[] = {
    {0x0002, "SSL 2.0"}, {0x0300, "SSL 3.0"}, {0x0301, "TLS 1.0"},
    {0x0302, "TLS 1.1"}, {0x0303, "TLS 1.2"}, {0x0304, "TLS 1.3"},
};

const char *names_version(uint16_t v, name_buf *b)
{
    const char *n = lookup(versions, MTLS_ARRAY_LEN(versions), v);
    if (n)
        return n;
    if (names_is_grease(v)) {
        snprintf(b->s, sizeof b->s, "GREASE(0x%04x)", v);
        return b->s;
    }
    return unknown16(v, b);
}

const char *names_version_ecs(uint16_t v)
{
    switch (v) {
    case 0x0002: return "2.0";
    case 0x0300: return "3.0";
    case 0x0301: return "1.0";
    case 0x0302: return "1.1";
    case 0x0303: return "1.2";
    case 0x0304: return "1.3";
    default: return NULL;
    }
}

const char *names_version_protocol(uint16_t v)
{
    if (v == 0x0002 || v == 0x0300)
        return "ssl";
    if (v >= 0x0301 && v <= 0x0304)
        return "tls";
    return NULL;
}

static const name_row ciphers[] = {
    {0x0000, "TLS_NULL_WITH_NULL_NULL"},
    {0x0004, "TLS_RSA_WITH_RC4_128_MD5"},
    {0x0005, "TLS_RSA_WITH_RC4_128_SHA"},
    {0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"},
    {0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
    {0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
    {0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256"},
    {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
    {0x008c, "TLS_PSK_WITH_AES_128_CBC_SHA"},
    {0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
    {0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0x00a8, "TLS_PSK_WITH_AES_128_GCM_SHA256"},
    {0x00a9, "TLS_PSK_WITH_AES_256_GCM_SHA384"},
    {0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
    {0x1301, "TLS_AES_128_GCM_SHA256"},
    {0x1302, "TLS_AES_256_GCM_SHA384"},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
    {0x1304, "TLS_AES_128_CCM_SHA256"},
    {0x1305, "TLS_AES_128_CCM_8_SHA256"},
    {0x5600, "TLS_FALLBACK_SCSV"},
    {0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
    {0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
    {0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"},
    {0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
    {0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
    {0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
    {0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
    {0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
    {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xc09c, "TLS_RSA_WITH_AES_128_CCM"},
    {0xc09d, "TLS_RSA_WITH_AES_256_CCM"},
    {0xc0ac, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"},
    {0xc0ad, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"},
    {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
};

const char *names_cipher(uint16_t v, name_buf *b)
{
    const char *n = lookup(ciphers, MTLS_ARRAY_LEN(ciphers), v);
    if (n)
        return n;
    if (names_is_grease(v)) {
        snprintf(b->s, sizeof b->s, "GREASE(0x%04x)", v);
        return b->s;
    }
    return unknown16(v, b);
}

static const name_row alerts[] = {
    {0, "close_notify"},
    {10, "unexpected_message"},
    {20, "bad_record_mac"},
    {21, "decryption_failed"},
    {22, "record_overflow"},
    {30, "decompression_failure"},
    {40, "handshake_failure"},
    {41, "no_certificate"},
    {42, "bad_certificate"},
    {43, "unsupported_certificate"},
    {44, "certificate_revoked"},
    {45, "certificate_expired"},
    {46, "certificate_unknown"},
    {47, "illegal_parameter"},
    {48, "unknown_ca"},
    {49, "access_denied"},
    {50, "decode_error"},
    {51, "decrypt_error"},
    {60, "export_restriction"},
    {70, "protocol_version"},
    {71, "insufficient_security"},
    {80, "internal_error"},
    {86, "inappropriate_fallback"},
    {90, "user_canceled"},
    {100, "no_renegotiation"},
    {109, "missing_extension"},
    {110, "unsupported_extension"},
    {111, "certificate_unobtainable"},
    {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"},
    {114, "bad_certificate_hash_value"},
    {115, "unknown_psk_identity"},
    {116, "certificate_required"},
    {120, "no_application_protocol"},
    {121, "ech_required"},
};

const char *names_alert(uint8_t desc, name_buf *b)
{
    const char *n = lookup(alerts, MTLS_ARRAY_LEN(alerts), desc);
    if (n)
        return n;
    snprintf(b->s, sizeof b->s, "unknown(%u)", (unsigned)desc);
    return b->s;
}

const char *names_alert_level(uint8_t level, name_buf *b)
{
    if (level == 1)
        return "warning";
    if (level == 2)
        return "fatal";
    snprintf(b->s, sizeof b->s, "unknown(%u)", (unsigned)level);
    return b->s;
}

static const name_row groups[] = {
    {0x0017, "secp256r1"}, {0x0018, "secp384r1"}, {0x0019, "secp521r1"},
    {0x001d, "x25519"},    {0x001e, "x448"},      {0x0100, "ffdhe2048"},
    {0x0101, "ffdhe3072"}, {0x0102, "ffdhe4096"}, {0x0103, "ffdhe6144"},
    {0x0104, "ffdhe8192"}, {0x6399, "X25519Kyber768Draft00"},
    {0x11ec, "X25519MLKEM768"},
};

static const char *grease_or_unknown(uint16_t v, name_buf *b)
{
    if (names_is_grease(v)) {
        snprintf(b->s, sizeof b->s, "GREASE(0x%04x)", v);
        return b->s;
    }
    return unknown16(v, b);
}

const char *names_group(uint16_t v, name_buf *b)
{
    const char *n = lookup(groups, MTLS_ARRAY_LEN(groups), v);
    return n ? n : grease_or_unknown(v, b);
}

static const name_row sigschemes[] = {
    {0x0201, "rsa_pkcs1_sha1"},
    {0x0203, "ecdsa_sha1"},
    {0x0401, "rsa_pkcs1_sha256"},
    {0x0403, "ecdsa_secp256r1_sha256"},
    {0x0501, "rsa_pkcs1_sha384"},
    {0x0503, "ecdsa_secp384r1_sha384"},
    {0x0601, "rsa_pkcs1_sha512"},
    {0x0603, "ecdsa_secp521r1_sha512"},
    {0x0804, "rsa_pss_rsae_sha256"},
    {0x0805, "rsa_pss_rsae_sha384"},
    {0x0806, "rsa_pss_rsae_sha512"},
    {0x0807, "ed25519"},
    {0x0808, "ed448"},
    {0x0809, "rsa_pss_pss_sha256"},
    {0x080a, "rsa_pss_pss_sha384"},
    {0x080b, "rsa_pss_pss_sha512"},
    {0x081a, "ecdsa_brainpoolP256r1tls13_sha256"},
    {0x081b, "ecdsa_brainpoolP384r1tls13_sha384"},
    {0x081c, "ecdsa_brainpoolP512r1tls13_sha512"},
};

const char *names_sigscheme(uint16_t v, name_buf *b)
{
    const char *n = lookup(sigschemes, MTLS_ARRAY_LEN(sigschemes), v);
    return n ? n : grease_or_unknown(v, b);
}

static const name_row extensions[] = {
    {0, "server_name"},
    {1, "max_fragment_length"},
    {5, "status_request"},
    {10, "supported_groups"},
    {11, "ec_point_formats"},
    {13, "signature_algorithms"},
    {14, "use_srtp"},
    {15, "heartbeat"},
    {16, "application_layer_protocol_negotiation"},
    {18, "signed_certificate_timestamp"},
    {21, "padding"},
    {22, "encrypt_then_mac"},
    {23, "extended_master_secret"},
    {27, "compress_certificate"},
    {28, "record_size_limit"},
    {35, "session_ticket"},
    {41, "pre_shared_key"},
    {42, "early_data"},
    {43, "supported_versions"},
    {44, "cookie"},
    {45, "psk_key_exchange_modes"},
    {47, "certificate_authorities"},
    {48, "oid_filters"},
    {49, "post_handshake_auth"},
    {50, "signature_algorithms_cert"},
    {51, "key_share"},
    {17513, "application_settings"},
    {65037, "encrypted_client_hello"},
    {65281, "renegotiation_info"},
};

const char *names_extension(uint16_t v, name_buf *b)
{
    const char *n = lookup(extensions, MTLS_ARRAY_LEN(extensions), v);
    return n ? n : grease_or_unknown(v, b);
}

static const name_row cert_types[] = {
    {1, "rsa_sign"},       {2, "dss_sign"},      {3, "rsa_fixed_dh"},
    {4, "dss_fixed_dh"},   {64, "ecdsa_sign"},   {65, "rsa_fixed_ecdh"},
    {66, "ecdsa_fixed_ecdh"},
};

const char *names_cert_type(uint8_t v, name_buf *b)
{
    const char *n = lookup(cert_types, MTLS_ARRAY_LEN(cert_types), v);
    if (n)
        return n;
    snprintf(b->s, sizeof b->s, "unknown(%u)", (unsigned)v);
    return b->s;
}

char *names_dn_der(const uint8_t *der, size_t len)
{
    if (!der || len == 0)
        return NULL;
    return dn_der_to_string(der, len);
}
