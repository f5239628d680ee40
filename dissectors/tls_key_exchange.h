/*
 * tls_key_exchange.h — ServerKeyExchange, ClientKeyExchange, CertificateVerify
 * and Finished.
 *
 * Cursor over the handshake message BODY in, views out (cur_t with off == 0;
 * `.data`/`.len`, `.base` = absolute offset), valid as long as the body's
 * bytes. The key exchange grammar depends on the cipher suite: the caller
 * derives the kind with tls_kx_kind_for_cipher() from the ServerHello suite.
 *
 *   ServerKeyExchange
 *     ECDHE:  u8 curve_type(3 = named_curve), u16 named_group, u8 point<1..>
 *     DHE:    u16 dh_p<1..>, u16 dh_g<1..>, u16 dh_Ys<1..>
 *     *_PSK:  u16 psk_identity_hint<0..> first, then the (EC)DHE params if any
 *     RSA (export): u16 modulus<1..>, u16 exponent<1..>
 *     then, unless anonymous or PSK-only, the signature:
 *       TLS 1.2: u16 scheme, u16 signature<0..>; TLS 1.0/1.1: u16 signature<0..>
 *   ClientKeyExchange
 *     RSA: u16 EncryptedPreMasterSecret (no prefix in SSL 3.0)
 *     DHE: u16 dh_Yc<1..>; ECDHE: u8 point<1..>
 *     static DH / ECDH: the same, or an empty body (implicit: fixed-(EC)DH client cert)
 *     PSK kinds: u16 identity, then the kind's exchange
 *   CertificateVerify
 *     TLS 1.2/1.3: u16 scheme, u16 signature<0..>; TLS 1.0/1.1: u16 signature<0..>
 *   Finished: verify_data = the whole body (12 bytes in 1.0–1.2, Hash.length in 1.3)
 */
#ifndef MTLS_TLS_KEY_EXCHANGE_H
#define MTLS_TLS_KEY_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"

typedef enum tls_kx_kind {
    TLS_KX_UNKNOWN = 0, /* suite not in our table: the caller cannot parse SKE/CKE */
    TLS_KX_RSA,         /* RSA key transport: no ServerKeyExchange */
    TLS_KX_DHE,         /* DHE_RSA / DHE_DSS: signed DH params */
    TLS_KX_ECDHE,       /* ECDHE_RSA / ECDHE_ECDSA: signed ECDH params */
    TLS_KX_DH_ANON,     /* DH_anon: unsigned DH params */
    TLS_KX_ECDH_ANON,   /* ECDH_anon: unsigned ECDH params */
    TLS_KX_DH,          /* static DH_RSA / DH_DSS: no ServerKeyExchange */
    TLS_KX_ECDH,        /* static ECDH_RSA / ECDH_ECDSA: no ServerKeyExchange */
    TLS_KX_PSK,         /* PSK: optional SKE with identity hint only */
    TLS_KX_RSA_PSK,     /* RSA_PSK: optional SKE with identity hint only */
    TLS_KX_DHE_PSK,     /* DHE_PSK: hint + DH params, unsigned */
    TLS_KX_ECDHE_PSK,   /* ECDHE_PSK: hint + ECDH params, unsigned */
    TLS_KX_TLS13,       /* TLS 1.3 suite (0x13xx): no SKE/CKE */
    TLS_KX__COUNT
} tls_kx_kind;

/* Key exchange kind of a cipher suite (IANA value); TLS_KX_UNKNOWN if not in the table. */
tls_kx_kind tls_kx_kind_for_cipher(uint16_t suite);
/* "ecdhe", "dhe", "rsa", ... (stable lowercase id) */
const char *tls_kx_kind_name(tls_kx_kind kind);
/* True when this kind's ServerKeyExchange carries a signature. */
bool tls_kx_kind_signed(tls_kx_kind kind);

typedef struct tls_ske {
    tls_kx_kind kind;
    bool has_psk_hint;
    cur_t psk_hint;
    /* ECDHE */
    uint8_t curve_type;       /* 3 = named_curve */
    uint16_t named_group;
    cur_t point;
    /* DHE */
    cur_t dh_p, dh_g, dh_ys;
    /* RSA export */
    cur_t rsa_modulus, rsa_exponent;
    cur_t params;             /* the signed params bytes (everything before the signature) */
    bool has_signature;
    bool has_scheme;          /* TLS 1.2: SignatureAndHashAlgorithm present */
    uint16_t sig_scheme;      /* 0 when !has_scheme */
    cur_t signature;
} tls_ske;

/*
 * Parse a ServerKeyExchange body for `kind` under `version` (0x0300..0x0303).
 * Returns DX_OK; DX_UNSUPPORTED (DXE_KEY_EXCHANGE) for TLS_KX_UNKNOWN /
 * TLS 1.3 / kinds without a ServerKeyExchange, and for explicit (non-named)
 * curves; DX_MALFORMED with DXE_KEY_EXCHANGE (short field, empty value),
 * DXE_LENGTH_PAST_END or DXE_TRAILING and the absolute offset.
 */
MTLS_WARN_UNUSED dx_result tls_kx_parse_server_key_exchange(const cur_t *body, tls_kx_kind kind,
                                                            uint16_t version, tls_ske *out);

typedef struct tls_cke {
    tls_kx_kind kind;
    bool has_psk_identity;
    cur_t psk_identity;
    cur_t exchange;           /* ECDH point / DH Yc / RSA EncryptedPreMasterSecret (empty for
                                 plain PSK and for static (EC)DH with an implicit public value) */
} tls_cke;

/*
 * Parse a ClientKeyExchange body. Same returns as the ServerKeyExchange
 * parser; DX_UNSUPPORTED for TLS_KX_UNKNOWN and TLS_KX_TLS13.
 */
MTLS_WARN_UNUSED dx_result tls_kx_parse_client_key_exchange(const cur_t *body, tls_kx_kind kind,
                                                            uint16_t version, tls_cke *out);

typedef struct tls_cert_verify {
    bool has_scheme;          /* TLS 1.2/1.3 */
    uint16_t scheme;          /* 0 when !has_scheme */
    cur_t signature;
} tls_cert_verify;

/*
 * Parse a CertificateVerify body (version >= 0x0303: with scheme). Returns
 * DX_OK or DX_MALFORMED with DXE_CERT_VERIFY, DXE_LENGTH_PAST_END or
 * DXE_TRAILING and the absolute offset.
 */
MTLS_WARN_UNUSED dx_result tls_kx_parse_cert_verify(const cur_t *body, uint16_t version,
                                                    tls_cert_verify *out);

/*
 * Finished: *out_verify_data = the whole body. Returns DX_OK, or DX_MALFORMED
 * with DXE_FINISHED when the body is empty. The length is not judged here
 * (12 for TLS 1.0–1.2 suites, 36 for SSL 3.0, the hash length for TLS 1.3).
 */
MTLS_WARN_UNUSED dx_result tls_kx_parse_finished(const cur_t *body, cur_t *out_verify_data);

#endif
