/*
 * tls_alert.h — alert records {u8 level, u8 description}, the IANA alert
 * registry, and the shape checks for alerts we cannot read.
 */
#ifndef MTLS_TLS_ALERT_H
#define MTLS_TLS_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"

#define TLS_ALERT_LEVEL_WARNING 1
#define TLS_ALERT_LEVEL_FATAL 2

/* Alert descriptions by name (IANA values), for code that tests for them:
 * nothing outside this registry spells an alert as a number. */
#define TLS_ALERT_CLOSE_NOTIFY 0
#define TLS_ALERT_UNEXPECTED_MESSAGE 10
#define TLS_ALERT_BAD_RECORD_MAC 20
#define TLS_ALERT_HANDSHAKE_FAILURE 40
#define TLS_ALERT_NO_CERTIFICATE 41
#define TLS_ALERT_BAD_CERTIFICATE 42
#define TLS_ALERT_UNSUPPORTED_CERTIFICATE 43
#define TLS_ALERT_CERTIFICATE_REVOKED 44
#define TLS_ALERT_CERTIFICATE_EXPIRED 45
#define TLS_ALERT_CERTIFICATE_UNKNOWN 46
#define TLS_ALERT_ILLEGAL_PARAMETER 47
#define TLS_ALERT_UNKNOWN_CA 48
#define TLS_ALERT_ACCESS_DENIED 49
#define TLS_ALERT_DECODE_ERROR 50
#define TLS_ALERT_DECRYPT_ERROR 51
#define TLS_ALERT_PROTOCOL_VERSION 70
#define TLS_ALERT_INSUFFICIENT_SECURITY 71
#define TLS_ALERT_INTERNAL_ERROR 80
#define TLS_ALERT_INAPPROPRIATE_FALLBACK 86
#define TLS_ALERT_USER_CANCELED 90
#define TLS_ALERT_MISSING_EXTENSION 109
#define TLS_ALERT_UNSUPPORTED_EXTENSION 110
#define TLS_ALERT_UNRECOGNIZED_NAME 112
#define TLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE 113
#define TLS_ALERT_BAD_CERTIFICATE_HASH_VALUE 114
#define TLS_ALERT_UNKNOWN_PSK_IDENTITY 115
#define TLS_ALERT_CERTIFICATE_REQUIRED 116
#define TLS_ALERT_NO_APPLICATION_PROTOCOL 120
#define TLS_ALERT_ECH_REQUIRED 121

typedef struct tls_alert {
    uint8_t level;
    uint8_t desc;
} tls_alert;

/*
 * Parse a plaintext (or decrypted) alert record fragment: exactly 2 bytes.
 * Returns DX_OK, or DX_MALFORMED DXE_ALERT when the fragment is shorter
 * (offset = start) or longer (offset = first extra byte) than 2 bytes.
 * The level is not judged (unknown levels are kept).
 */
MTLS_WARN_UNUSED dx_result tls_alert_parse(const cur_t *fragment, tls_alert *out);

/* "warning", "fatal" or NULL. */
const char *tls_alert_level_name(uint8_t level);
/* IANA name of a description ("handshake_failure") or NULL when unregistered. */
const char *tls_alert_desc_name(uint8_t desc);
/*
 * Write the description's name, or "unknown(N)" for unregistered values, into
 * buf (always NUL-terminated when n > 0). Returns buf. 16 bytes always suffice
 * for "unknown(255)"; use TLS_ALERT_NAME_MAX for any name.
 */
#define TLS_ALERT_NAME_MAX 40
const char *tls_alert_desc_format(uint8_t desc, char *buf, size_t n);
/* Same for the level ("warning", "fatal", "unknown(N)"). */
const char *tls_alert_level_format(uint8_t level, char *buf, size_t n);

/*
 * Shape check for an alert record. content_type is the record's outer type,
 * record_len its length, `encrypted` whether the sender's records are
 * protected by then (after its ChangeCipherSpec in TLS <= 1.2, after
 * ServerHello in TLS 1.3). True for an alert record (type 21) after
 * encryption began that is not exactly 2 bytes (a plaintext alert's size):
 * an encrypted alert. Typical TLS 1.2 sizes: 26 (AES-GCM: 8 explicit nonce +
 * 2 + 16 tag), 18 (ChaCha20-Poly1305), 48/64/80 (CBC with SHA-1/SHA-256/
 * SHA-384 MAC). A 2-byte type-21 record is plaintext even then (some stacks
 * send one, e.g. a TLS 1.3 peer rejecting the ServerHello before it has
 * keys); a 0- or 1-byte one counts as encrypted, as it is no plaintext alert.
 */
bool tls_alert_looks_encrypted(uint8_t content_type, size_t record_len, bool encrypted);

/*
 * TLS 1.3 hides alerts in application_data (type 23) records. An encrypted
 * alert is 2 bytes + 1 inner content type + optional zero padding + AEAD
 * tag. Rule (inference only): true for 19..35 bytes (16-byte tag: AES-GCM,
 * ChaCha20-Poly1305, AES-CCM; up to 16 bytes of padding) and for exactly 11
 * bytes (AES-CCM-8, unpadded). Note a KeyUpdate record is 21 bytes and a
 * 1..16-byte application write also lands in range: the diagnosis weighs
 * this with context (e.g. a lone record right before FIN/RST).
 */
bool tls13_record_may_be_alert(size_t record_len);

/*
 * Exactly the size of a TLS 1.3 alert record as stacks send it: 19 bytes
 * (16-byte tag, unpadded: OpenSSL, GnuTLS, Go, NSS, Node), 35 (the same
 * padded with 16 zero bytes: Java JSSE) or 11 (AES-CCM-8). What an inference
 * of a refusal may rest on: a KeyUpdate (21) or a short response line (31 =
 * 14 bytes of data) is in the range above but not this.
 */
bool tls13_record_is_alert_sized(size_t record_len);

#endif
