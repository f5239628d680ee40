/*
 * tls_registry.c — const number -> name tables (IANA TLS parameters), one
 * row per value with the value in the row. Unknown values return NULL.
 */
#include "tls_registry.h"


bool tls_is_grease(uint16_t v)
{
    /* 0x?A?A with both bytes equal: 0x0A0A, 0x1A1A, ..., 0xFAFA */
    return (v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF);
}

typedef struct row8 {
    uint8_t value;
    const char *name;
} row8;

static const char *find16(const tls_reg_row16 *rows, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].value == v)
            return rows[i].name;
    return NULL;
}

static const char *find8(const row8 *rows, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].value == v)
            return rows[i].name;
    return NULL;
}

/* ---------------------------------------------------------------- versions */
static const tls_reg_row16 versions[] = {
    {0x0002, "SSL 2.0"},  {0x0300, "SSL 3.0"},   {0x0301, "TLS 1.0"},   {0x0302, "TLS 1.1"},
    {0x0303, "TLS 1.2"},  {0x0304, "TLS 1.3"},   {0xFEFF, "DTLS 1.0"},  {0xFEFD, "DTLS 1.2"},
    {0xFEFC, "DTLS 1.3"},
};
const char *tls_reg_version_name(uint16_t v) { return find16(versions, MTLS_ARRAY_LEN(versions), v); }

bool tls_version_is_tls13(uint16_t v)
{
    return v == 0x0304 || (v >> 8) == 0x7f || (v >= 0x7e01 && v <= 0x7e04) || v == 0xfb17 || v == 0xfb1a;
}

const char *tls_reg_sslv2_cipher_name(uint32_t kind)
{
    static const struct {
        uint32_t kind;
        const char *name;
    } rows[] = {
        {0x010080, "SSL2_RC4_128_WITH_MD5"},          {0x020080, "SSL2_RC4_128_EXPORT40_WITH_MD5"},
        {0x030080, "SSL2_RC2_128_CBC_WITH_MD5"},      {0x040080, "SSL2_RC2_128_CBC_EXPORT40_WITH_MD5"},
        {0x050080, "SSL2_IDEA_128_CBC_WITH_MD5"},     {0x060040, "SSL2_DES_64_CBC_WITH_MD5"},
        {0x0700C0, "SSL2_DES_192_EDE3_CBC_WITH_MD5"},
    };
    for (size_t i = 0; i < MTLS_ARRAY_LEN(rows); i++)
        if (rows[i].kind == kind)
            return rows[i].name;
    return NULL;
}

bool tls_version_is_early_tls13_draft(uint16_t v) { return v >= 0x7f00 && v <= 0x7f15; }

/* --------------------------------------------------------- handshake types */
static const row8 hs_types[] = {
    {0, "hello_request"},
    {1, "client_hello"},
    {2, "server_hello"},
    {3, "hello_verify_request"},
    {4, "new_session_ticket"},
    {5, "end_of_early_data"},
    {8, "encrypted_extensions"},
    {9, "request_connection_id"},
    {10, "new_connection_id"},
    {11, "certificate"},
    {12, "server_key_exchange"},
    {13, "certificate_request"},
    {14, "server_hello_done"},
    {15, "certificate_verify"},
    {16, "client_key_exchange"},
    {17, "client_certificate_request"},
    {20, "finished"},
    {21, "certificate_url"},
    {22, "certificate_status"},
    {23, "supplemental_data"},
    {24, "key_update"},
    {25, "compressed_certificate"},
    {26, "ekt_key"},
    {254, "message_hash"},
};
const char *tls_reg_hs_type_name(uint8_t v) { return find8(hs_types, MTLS_ARRAY_LEN(hs_types), v); }

/* -------------------------------------------------------------- extensions */
#define CH TLS_MSG_CH
#define SH TLS_MSG_SH
#define HRR TLS_MSG_HRR
#define EE TLS_MSG_EE
#define CT TLS_MSG_CT
#define CR TLS_MSG_CR
#define NST TLS_MSG_NST

/* `allowed` merges the TLS 1.3 column of the IANA registry (RFC 8446 4.2)
 * with where TLS 1.2 and earlier carry the extension (ServerHello). */
static const struct ext_row {
    uint16_t value;
    const char *name;
    unsigned allowed;
} ext_rows[] = {
    {0, "server_name", CH | SH | EE},
    {1, "max_fragment_length", CH | SH | EE},
    {2, "client_certificate_url", CH | SH},
    {3, "trusted_ca_keys", CH | SH},
    {4, "truncated_hmac", CH | SH},
    {5, "status_request", CH | SH | CR | CT},
    {6, "user_mapping", CH | SH},
    {7, "client_authz", CH | SH},
    {8, "server_authz", CH | SH},
    {9, "cert_type", CH | SH},
    {10, "supported_groups", CH | SH | EE}, /* SH: sent by some TLS 1.2 servers */
    {11, "ec_point_formats", CH | SH},
    {12, "srp", CH},
    {13, "signature_algorithms", CH | CR},
    {14, "use_srtp", CH | SH | EE},
    {15, "heartbeat", CH | SH | EE},
    {16, "application_layer_protocol_negotiation", CH | SH | EE},
    {17, "status_request_v2", CH | SH},
    {18, "signed_certificate_timestamp", CH | SH | CR | CT},
    {19, "client_certificate_type", CH | SH | EE},
    {20, "server_certificate_type", CH | SH | EE},
    {21, "padding", CH},
    {22, "encrypt_then_mac", CH | SH},
    {23, "extended_master_secret", CH | SH},
    {24, "token_binding", CH | SH | EE},
    {25, "cached_info", CH | SH | EE},
    {26, "tls_lts", CH | SH},
    {27, "compress_certificate", CH | CR},
    {28, "record_size_limit", CH | SH | EE},
    {29, "pwd_protect", CH | SH | HRR},
    {30, "pwd_clear", CH | SH | HRR},
    {31, "password_salt", CH | SH | HRR},
    {32, "ticket_pinning", CH | EE},
    {33, "tls_cert_with_extern_psk", CH | SH},
    {34, "delegated_credential", CH | CR | CT},
    {35, "session_ticket", CH | SH},
    {36, "TLMSP", CH | SH | EE},
    {37, "TLMSP_proxying", CH | SH | EE},
    {38, "TLMSP_delegate", CH | SH | EE},
    {39, "supported_ekt_ciphers", CH | SH | EE},
    {40, "key_share_draft", CH | SH | HRR}, /* reserved by IANA: key_share in TLS 1.3 drafts before 23 */
    {41, "pre_shared_key", CH | SH},
    {42, "early_data", CH | EE | NST},
    {43, "supported_versions", CH | SH | HRR},
    {44, "cookie", CH | HRR},
    {45, "psk_key_exchange_modes", CH},
    {47, "certificate_authorities", CH | CR},
    {48, "oid_filters", CR},
    {49, "post_handshake_auth", CH},
    {50, "signature_algorithms_cert", CH | CR},
    {51, "key_share", CH | SH | HRR},
    {52, "transparency_info", CH | CR | CT},
    {53, "connection_id_deprecated", CH | SH},
    {54, "connection_id", CH | SH},
    {55, "external_id_hash", CH | EE},
    {56, "external_session_id", CH | EE},
    {57, "quic_transport_parameters", CH | EE},
    {58, "ticket_request", CH | EE},
    {59, "dnssec_chain", CH | CT},
    {60, "sequence_number_encryption_algorithms", CH | SH | EE},
    {61, "rrc", CH | SH},
    {13172, "next_protocol_negotiation", CH | SH}, /* 0x3374, not IANA-registered */
    {17513, "application_settings_old", CH | EE},  /* 0x4469 ALPS draft, not IANA */
    {17613, "application_settings", CH | EE},      /* 0x44cd ALPS draft, not IANA */
    {0xFE0D, "encrypted_client_hello", CH | EE | HRR},
    {0xFF01, "renegotiation_info", CH | SH},
};

const char *tls_reg_ext_name(uint16_t v)
{
    for (size_t i = 0; i < MTLS_ARRAY_LEN(ext_rows); i++)
        if (ext_rows[i].value == v)
            return ext_rows[i].name;
    return NULL;
}

unsigned tls_reg_ext_allowed(uint16_t v)
{
    for (size_t i = 0; i < MTLS_ARRAY_LEN(ext_rows); i++)
        if (ext_rows[i].value == v)
            return ext_rows[i].allowed;
    return TLS_MSG_ANY;
}

/* ----------------------------------------------------------- named groups */
static const tls_reg_row16 groups[] = {
    {1, "sect163k1"},
    {2, "sect163r1"},
    {3, "sect163r2"},
    {4, "sect193r1"},
    {5, "sect193r2"},
    {6, "sect233k1"},
    {7, "sect233r1"},
    {8, "sect239k1"},
    {9, "sect283k1"},
    {10, "sect283r1"},
    {11, "sect409k1"},
    {12, "sect409r1"},
    {13, "sect571k1"},
    {14, "sect571r1"},
    {15, "secp160k1"},
    {16, "secp160r1"},
    {17, "secp160r2"},
    {18, "secp192k1"},
    {19, "secp192r1"},
    {20, "secp224k1"},
    {21, "secp224r1"},
    {22, "secp256k1"},
    {23, "secp256r1"},
    {24, "secp384r1"},
    {25, "secp521r1"},
    {26, "brainpoolP256r1"},
    {27, "brainpoolP384r1"},
    {28, "brainpoolP512r1"},
    {29, "x25519"},
    {30, "x448"},
    {31, "brainpoolP256r1tls13"},
    {32, "brainpoolP384r1tls13"},
    {33, "brainpoolP512r1tls13"},
    {34, "GC256A"},
    {35, "GC256B"},
    {36, "GC256C"},
    {37, "GC256D"},
    {38, "GC512A"},
    {39, "GC512B"},
    {40, "GC512C"},
    {41, "curveSM2"},
    {256, "ffdhe2048"},
    {257, "ffdhe3072"},
    {258, "ffdhe4096"},
    {259, "ffdhe6144"},
    {260, "ffdhe8192"},
    {512, "MLKEM512"},
    {513, "MLKEM768"},
    {514, "MLKEM1024"},
    {0x11EB, "SecP256r1MLKEM768"},
    {0x11EC, "X25519MLKEM768"},
    {0x11ED, "SecP384r1MLKEM1024"},
    {0x6399, "X25519Kyber768Draft00"},
    {0x639A, "SecP256r1Kyber768Draft00"},
    {0xFF01, "arbitrary_explicit_prime_curves"},
    {0xFF02, "arbitrary_explicit_char2_curves"},
};
const char *tls_reg_group_name(uint16_t v) { return find16(groups, MTLS_ARRAY_LEN(groups), v); }

/* ------------------------------------------------------- signature schemes */
static const tls_reg_row16 sigschemes[] = {
    /* TLS 1.2 {hash, signature} pairs (RFC 5246 7.4.1.4.1) without a
     * TLS 1.3 scheme name */
    {0x0101, "rsa_md5"},
    {0x0102, "dsa_md5"},
    {0x0103, "ecdsa_md5"},
    {0x0202, "dsa_sha1"},
    {0x0301, "rsa_sha224"},
    {0x0302, "dsa_sha224"},
    {0x0303, "ecdsa_sha224"},
    {0x0402, "dsa_sha256"},
    {0x0502, "dsa_sha384"},
    {0x0602, "dsa_sha512"},
    /* RFC 8446 4.2.3 and the IANA TLS SignatureScheme registry */
    {0x0201, "rsa_pkcs1_sha1"},
    {0x0203, "ecdsa_sha1"},
    {0x0401, "rsa_pkcs1_sha256"},
    {0x0403, "ecdsa_secp256r1_sha256"},
    {0x0501, "rsa_pkcs1_sha384"},
    {0x0503, "ecdsa_secp384r1_sha384"},
    {0x0601, "rsa_pkcs1_sha512"},
    {0x0603, "ecdsa_secp521r1_sha512"},
    {0x0704, "eccsi_sha256"},
    {0x0705, "iso_ibs1"},
    {0x0706, "iso_ibs2"},
    {0x0707, "iso_chinese_ibs"},
    {0x0708, "sm2sig_sm3"},
    {0x0709, "gostr34102012_256a"},
    {0x070A, "gostr34102012_256b"},
    {0x070B, "gostr34102012_256c"},
    {0x070C, "gostr34102012_256d"},
    {0x070D, "gostr34102012_512a"},
    {0x070E, "gostr34102012_512b"},
    {0x070F, "gostr34102012_512c"},
    {0x0804, "rsa_pss_rsae_sha256"},
    {0x0805, "rsa_pss_rsae_sha384"},
    {0x0806, "rsa_pss_rsae_sha512"},
    {0x0807, "ed25519"},
    {0x0808, "ed448"},
    {0x0809, "rsa_pss_pss_sha256"},
    {0x080A, "rsa_pss_pss_sha384"},
    {0x080B, "rsa_pss_pss_sha512"},
    {0x081A, "ecdsa_brainpoolP256r1tls13_sha256"},
    {0x081B, "ecdsa_brainpoolP384r1tls13_sha384"},
    {0x081C, "ecdsa_brainpoolP512r1tls13_sha512"},
    {0x0904, "mldsa44"},
    {0x0905, "mldsa65"},
    {0x0906, "mldsa87"},
};
const char *tls_reg_sigscheme_name(uint16_t v) { return find16(sigschemes, MTLS_ARRAY_LEN(sigschemes), v); }

/* ------------------------------------------------------------ cipher suites */
const char *tls_reg_cipher_name(uint16_t v)
{
    size_t lo = 0, hi = tls_reg_cipher_rows_n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tls_reg_cipher_rows[mid].value == v)
            return tls_reg_cipher_rows[mid].name;
        if (tls_reg_cipher_rows[mid].value < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* -------------------------------------------------------------- formatting */
static char *put_str(char *p, const char *end, const char *s)
{
    while (*s && p < end)
        *p++ = *s++;
    return p;
}

static const char *fmt_tagged(const char *tag, unsigned value, int hex_digits, char buf[TLS_REG_BUF])
{
    static const char hexd[] = "0123456789abcdef";
    char *p = buf;
    const char *end = buf + TLS_REG_BUF - 1;
    if (hex_digits < 1)
        hex_digits = 1;
    if (hex_digits > 8)
        hex_digits = 8;
    p = put_str(p, end, tag);
    p = put_str(p, end, "(0x");
    for (int i = hex_digits - 1; i >= 0 && p < end; i--)
        *p++ = hexd[(value >> (4 * i)) & 0xF];
    p = put_str(p, end, ")");
    *p = '\0';
    return buf;
}

const char *tls_reg_fmt(const char *name, unsigned value, int hex_digits, char buf[TLS_REG_BUF])
{
    if (name)
        return name;
    return fmt_tagged("unknown", value, hex_digits, buf);
}

static const char *fmt16(const char *name, uint16_t v, char buf[TLS_REG_BUF])
{
    if (name)
        return name;
    if (tls_is_grease(v))
        return fmt_tagged("GREASE", v, 4, buf);
    return fmt_tagged("unknown", v, 4, buf);
}

/* "TLS 1.3 (draft 23)", "TLS 1.3 (experiment 2)", "TLS 1.3 (FB draft 26)". */
static const char *tls13_draft_name(uint16_t v, char buf[TLS_REG_BUF])
{
    const char *tag = (v >> 8) == 0x7f ? "TLS 1.3 (draft " : (v >> 8) == 0x7e ? "TLS 1.3 (experiment " : "TLS 1.3 (FB draft ";
    unsigned n = v & 0xff; /* the draft (or experiment) number */
    char *p = put_str(buf, buf + TLS_REG_BUF - 1, tag);
    char digits[4];
    int k = 0;
    do {
        digits[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n && k < 3);
    while (k && p < buf + TLS_REG_BUF - 2)
        *p++ = digits[--k];
    *p++ = ')';
    *p = '\0';
    return buf;
}

const char *tls_reg_version_str(uint16_t v, char buf[TLS_REG_BUF])
{
    if (v != 0x0304 && tls_version_is_tls13(v))
        return tls13_draft_name(v, buf);
    return fmt16(tls_reg_version_name(v), v, buf);
}
const char *tls_reg_ext_str(uint16_t v, char buf[TLS_REG_BUF]) { return fmt16(tls_reg_ext_name(v), v, buf); }
const char *tls_reg_group_str(uint16_t v, char buf[TLS_REG_BUF]) { return fmt16(tls_reg_group_name(v), v, buf); }
const char *tls_reg_sigscheme_str(uint16_t v, char buf[TLS_REG_BUF])
{
    return fmt16(tls_reg_sigscheme_name(v), v, buf);
}
const char *tls_reg_cipher_str(uint16_t v, char buf[TLS_REG_BUF]) { return fmt16(tls_reg_cipher_name(v), v, buf); }
const char *tls_reg_hs_type_str(uint8_t v, char buf[TLS_REG_BUF])
{
    return tls_reg_fmt(tls_reg_hs_type_name(v), v, 2, buf);
}
