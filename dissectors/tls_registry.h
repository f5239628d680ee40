/*
 * tls_registry.h — number -> name tables for TLS (STYLE.md #8). Each table is
 * a const array with the IANA value in every row. Lookups return NULL for
 * values not in the table: an unknown value never gets a wrong name. The
 * *_str() helpers return the name or write "unknown(0x1234)" into `buf`.
 */
#ifndef MTLS_TLS_REGISTRY_H
#define MTLS_TLS_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

/* Buffer size for the *_str() helpers ("unknown(0x1234)" + NUL). */
#define TLS_REG_BUF 24

/* GREASE (RFC 8701): 0x0A0A, 0x1A1A, ..., 0xFAFA — used for cipher suites,
 * extensions, named groups, signature algorithms and versions. */
bool tls_is_grease(uint16_t v);

/* "SSL 3.0", "TLS 1.0".."TLS 1.3", "DTLS 1.0/1.2/1.3"; NULL unknown. */
const char *tls_reg_version_name(uint16_t v);
/* TLS 1.3 or one of its drafts and experiments: 0x0304, 0x7fNN (draft NN),
 * 0x7e01..0x7e04 (Google's experiment variants), 0xfb17 / 0xfb1a (Facebook's
 * drafts 23 and 26). tls_reg_version_str names the drafts "TLS 1.3 (draft 23)". */
bool tls_version_is_tls13(uint16_t v);
/* SSL 2.0 cipher kinds (3 bytes as 0xXXYYZZ): "SSL2_RC4_128_WITH_MD5", ...; NULL unknown. */
const char *tls_reg_sslv2_cipher_name(uint32_t kind);
/* A draft whose ServerHello has no legacy_session_id and no compression
 * method: drafts before 22 (0x7f00..0x7f15). */
bool tls_version_is_early_tls13_draft(uint16_t v);
/* "client_hello", ... (IANA handshake type names). */
const char *tls_reg_hs_type_name(uint8_t v);
/* IANA extension name ("server_name", "key_share", ...). */
const char *tls_reg_ext_name(uint16_t v);
/* The message an extension block belongs to; also the bits of the
 * allowed-in mask in the extension registry (tls_reg_ext_allowed()). */
typedef enum tls_msg_kind {
    TLS_MSG_CH = 1u << 0,  /* ClientHello */
    TLS_MSG_SH = 1u << 1,  /* ServerHello, any version (TLS 1.2 and 1.3 rules merged) */
    TLS_MSG_HRR = 1u << 2, /* HelloRetryRequest */
    TLS_MSG_EE = 1u << 3,  /* EncryptedExtensions */
    TLS_MSG_CT = 1u << 4,  /* Certificate entry (TLS 1.3) */
    TLS_MSG_CR = 1u << 5,  /* CertificateRequest (TLS 1.3) */
    TLS_MSG_NST = 1u << 6, /* NewSessionTicket (TLS 1.3) */
} tls_msg_kind;
#define TLS_MSG_ANY 0x7Fu

/* Mask of TLS_MSG_* (tls_extensions.h) the extension may appear in;
 * TLS_MSG_ANY for unknown and GREASE types. */
unsigned tls_reg_ext_allowed(uint16_t v);
/* Named group ("x25519", "secp256r1", "X25519MLKEM768", ...). */
const char *tls_reg_group_name(uint16_t v);
/* Signature scheme ("rsa_pss_rsae_sha256", "ecdsa_secp256r1_sha256", ...). */
const char *tls_reg_sigscheme_name(uint16_t v);
/* Cipher suite IANA standard name ("TLS_AES_128_GCM_SHA256", ...). */
const char *tls_reg_cipher_name(uint16_t v);

/*
 * Return `name` when non-NULL, else write "unknown(0x%0*x)" (hex_digits 2 or
 * 4) into buf (TLS_REG_BUF bytes) and return buf.
 */
const char *tls_reg_fmt(const char *name, unsigned value, int hex_digits, char buf[TLS_REG_BUF]);

/* Convenience wrappers: name or "unknown(0x....)" (GREASE shows as "GREASE(0x0a0a)"). */
const char *tls_reg_version_str(uint16_t v, char buf[TLS_REG_BUF]);
const char *tls_reg_ext_str(uint16_t v, char buf[TLS_REG_BUF]);
const char *tls_reg_group_str(uint16_t v, char buf[TLS_REG_BUF]);
const char *tls_reg_sigscheme_str(uint16_t v, char buf[TLS_REG_BUF]);
const char *tls_reg_cipher_str(uint16_t v, char buf[TLS_REG_BUF]);
const char *tls_reg_hs_type_str(uint8_t v, char buf[TLS_REG_BUF]);

/* ---- table rows (shared between tls_registry.c and tls_ciphers.c) ---- */
typedef struct tls_reg_row16 {
    uint16_t value; /* IANA value */
    const char *name;
} tls_reg_row16;
/* IANA cipher-suite table, sorted by value (tls_ciphers.c). */
extern const tls_reg_row16 tls_reg_cipher_rows[];
extern const size_t tls_reg_cipher_rows_n;

#endif
