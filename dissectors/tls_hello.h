/*
 * tls_hello.h — ClientHello (TLS and SSLv2-compatible), ServerHello and
 * HelloRetryRequest (RFC 8446 4.1.2-4.1.4, RFC 5246 7.4.1, RFC 5246 E.2).
 *
 * Each parser takes the handshake message BODY (after the 4-byte handshake
 * header; for SSLv2 the record body starting at msg_type), consumes it
 * exactly, and fills a struct of views + decoded scalars. Views live as long
 * as the caller's bytes. Errors are DX_MALFORMED with an absolute offset:
 * DXE_HELLO for the fixed fields, DXE_TRAILING for bytes after the
 * extensions, or the extension walker's codes (DXE_EXT_*, DXE_TOO_MANY).
 * On error `out` holds what was decoded before the fault.
 *
 * Mapping to src/model/session.h (done by src/tls/tls_hello_map.c):
 *   client_hello_info            <- tls_client_hello ch
 *     sslv2                      <- ch.sslv2
 *     legacy_version             <- ch.legacy_version
 *     random[32]                 <- ch.random32
 *     session_id[_len]           <- ch.session_id (<= 32 bytes, checked)
 *     ciphers                    <- ch.ciphers (a list view: tls_u16_list_read)
 *     extensions                 <- ch.ext.types
 *     supported_versions         <- ch.ext.versions
 *     groups                     <- ch.ext.groups
 *     key_share_groups           <- ch.ext.key_share_groups
 *     sig_algs                   <- ch.ext.sig_algs
 *     ec_point_formats           <- ch.ext.point_formats
 *     sni                        <- ch.ext.sni (has_sni)
 *     alpn/n_alpn                <- ch.ext.alpn (n_alpn names: tls_alpn_list_next)
 *     has_session_ticket         <- ch.ext.session_ticket.len > 0
 *     has_psk / psk_identities   <- ch.ext.has_psk / ch.ext.psk_identities
 *     has_early_data             <- ch.ext.has_early_data
 *     post_handshake_auth        <- ch.ext.post_handshake_auth
 *     has_ech                    <- ch.ext.has_ech
 *   server_hello_info            <- tls_server_hello sh
 *     hrr_seen                   <- an earlier sh.is_hrr
 *     legacy_version             <- sh.legacy_version
 *     selected_version           <- sh.selected_version
 *     random, session_id, cipher, compression <- same names
 *     extensions                 <- sh.ext.types
 *     key_share_group            <- sh.ext.key_share_group
 *     psk_selected               <- sh.ext.has_psk (index: sh.ext.psk_selected)
 *     alpn                       <- the one name in sh.ext.alpn (sh.ext.n_alpn == 1)
 *     extended_master_secret     <- sh.ext.extended_master_secret
 *     encrypt_then_mac           <- sh.ext.encrypt_then_mac
 */
#ifndef MTLS_TLS_HELLO_H
#define MTLS_TLS_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"
#include "tls_extensions.h"

typedef struct tls_client_hello {
    bool sslv2;                  /* parsed from an SSLv2-compatible CLIENT-HELLO */
    uint16_t legacy_version;     /* client_version */
    tls_view random;             /* 32 bytes; SSLv2: the challenge (16..32 bytes) */
    uint8_t random32[32];        /* copy; SSLv2: challenge right-aligned, zero-padded (RFC 5246 E.2) */
    tls_view session_id;         /* 0..32 bytes */
    tls_u16_list ciphers;        /* wire order, GREASE kept; SSLv2: only specs with first byte 0 */
    size_t sslv2_specs;          /* SSLv2: number of 3-byte cipher specs on the wire */
    tls_view compression;        /* compression_methods (SSLv2: empty) */
    bool has_extensions;         /* an extensions block was present (even empty) */
    tls_view extensions;         /* extensions vector body */
    tls_exts ext;                /* decoded extensions (where = TLS_MSG_CH) */
} tls_client_hello;

typedef struct tls_server_hello {
    uint16_t legacy_version;
    tls_view random;             /* 32 bytes */
    bool is_hrr;                 /* random == SHA-256("HelloRetryRequest") (RFC 8446 4.1.3) */
    uint8_t downgrade;           /* RFC 8446 4.1.3 sentinel in random[24..32): 12 = "DOWNGRD\1"
                                    (TLS 1.2 negotiated), 11 = "DOWNGRD\0" (1.1 or below), 0 none */
    tls_view session_id;         /* legacy_session_id_echo, 0..32 bytes */
    uint16_t cipher;
    uint8_t compression;
    bool has_extensions;
    tls_view extensions;
    tls_exts ext;                /* decoded with where = TLS_MSG_HRR or TLS_MSG_SH */
    uint16_t selected_version;   /* ext.selected_version when present, else legacy_version */
} tls_server_hello;

/* The fixed HelloRetryRequest random (RFC 8446 4.1.3). */
extern const uint8_t tls_hrr_random[32];

/*
 * Parse a ClientHello body. Requires: client_version, 32-byte random,
 * session_id <= 32 bytes, cipher_suites (even, non-empty), compression
 * methods (non-empty), optional extensions (u16 vector, walked with
 * TLS_MSG_CH; absent means has_extensions = false). Bytes after the
 * extensions -> DXE_TRAILING.
 */
MTLS_WARN_UNUSED dx_result tls_parse_client_hello(cur_t *body, tls_client_hello *out);

/*
 * Parse an SSLv2-compatible CLIENT-HELLO record body (starting at msg_type,
 * i.e. after tls_record_parse_sslv2_header()):
 *   u8 msg_type (1), u16 version, u16 cipher_spec_length (multiple of 3, > 0),
 *   u16 session_id_length (0 or 16), u16 challenge_length (16..32),
 *   cipher specs, session id, challenge.
 * Cipher specs with first byte 0 become TLS suites in `ciphers`. Sets sslv2.
 * Errors: DXE_SSLV2 (bad fixed field or lengths), DXE_TRAILING, DXE_TOO_MANY.
 */
MTLS_WARN_UNUSED dx_result tls_parse_sslv2_client_hello(cur_t *body, tls_client_hello *out);

/* SSL 2.0 (draft-hickman-netscape-ssl-00). A cipher kind is 3 bytes: the value
 * here is (b0 << 16 | b1 << 8 | b2), e.g. 0x0700C0 = DES_192_EDE3_CBC_WITH_MD5. */
#define TLS_SSLV2_MAX_SPECS 64
typedef struct tls_sslv2_server_hello {
    uint8_t session_id_hit;
    uint8_t certificate_type;   /* 1 = X.509 */
    uint16_t version;           /* 0x0002 */
    tls_view certificate;       /* DER, empty when session_id_hit */
    uint32_t specs[TLS_SSLV2_MAX_SPECS];
    size_t n_specs;             /* the server's cipher kinds (the client picks one) */
    tls_view connection_id;     /* 16..32 bytes */
} tls_sslv2_server_hello;

/*
 * SSL 2.0 SERVER-HELLO record body, starting at msg_type:
 *   u8 msg_type (4), u8 session_id_hit, u8 certificate_type, u16 version,
 *   u16 certificate_length, u16 cipher_specs_length (multiple of 3),
 *   u16 connection_id_length (16..32), certificate, cipher specs, connection id.
 * Errors: DXE_SSLV2 (bad field or length), DXE_TOO_MANY (over
 * TLS_SSLV2_MAX_SPECS specs), DXE_TRAILING.
 */
MTLS_WARN_UNUSED dx_result tls_parse_sslv2_server_hello(cur_t *body, tls_sslv2_server_hello *out);

/* SSL 2.0 CLIENT-MASTER-KEY body from msg_type (2): the cipher kind the client
 * chose (its key material is not looked at). DXE_SSLV2 when it is not one. */
MTLS_WARN_UNUSED dx_result tls_parse_sslv2_client_master_key(cur_t *body, uint32_t *cipher_kind);

/*
 * Parse a ServerHello body; sets is_hrr when the random is the HRR value, in
 * which case the extensions are walked with TLS_MSG_HRR, else TLS_MSG_SH.
 * Requires: version, random, session_id <= 32, cipher, compression, optional
 * extensions, nothing after. HRR requires extensions (RFC 8446 4.1.4).
 */
MTLS_WARN_UNUSED dx_result tls_parse_server_hello(cur_t *body, tls_server_hello *out);

#endif
