/*
 * tls_cert_request.h — CertificateRequest (TLS 1.0–1.2 and TLS 1.3).
 *
 * Cursor over the handshake message BODY in, views out (cur_t with off == 0;
 * `.data`/`.len`, `.base` = absolute offset). Views live as long as the
 * bytes of the body. tls_certreq_parse() validates everything, so the
 * iterators and accessors below cannot fail on a parsed request.
 *
 *   TLS 1.0/1.1: u8 certificate_types<1..2^8-1>,
 *                u16 certificate_authorities<0..2^16-1> { u16 DistinguishedName<1..> }
 *   TLS 1.2:     as 1.0/1.1 plus, between them,
 *                u16 supported_signature_algorithms<2..2^16-2>
 *   TLS 1.3:     u8 certificate_request_context<0..2^8-1>,
 *                u16 extensions<2..2^16-1>   (signature_algorithms,
 *                signature_algorithms_cert, certificate_authorities, oid_filters, ...)
 *
 * Each CA name view is the DER DistinguishedName exactly as it sits inside
 * its u16 prefix, SEQUENCE header included (what d2i_X509_NAME takes).
 */
#ifndef MTLS_TLS_CERT_REQUEST_H
#define MTLS_TLS_CERT_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"

typedef struct tls_certreq {
    uint16_t version;           /* as passed by the caller */
    bool tls13;
    cur_t context;              /* TLS 1.3 certificate_request_context (empty otherwise) */
    cur_t cert_types;           /* TLS 1.0–1.2: one byte per ClientCertificateType */
    bool has_sig_algs;          /* TLS 1.2 field, or TLS 1.3 signature_algorithms (RFC 8446
                                   requires it; a 1.3 request without it still parses) */
    cur_t sig_algs;             /* u16 list body; n_sig_algs entries */
    size_t n_sig_algs;
    bool has_sig_algs_cert;     /* TLS 1.3 signature_algorithms_cert */
    cur_t sig_algs_cert;
    size_t n_sig_algs_cert;
    bool has_cas;               /* TLS 1.0–1.2: always (list may be empty); 1.3: extension present */
    cur_t cas;                  /* certificate_authorities list body (u16-prefixed DNs) */
    size_t n_cas;
    bool has_oid_filters;       /* TLS 1.3 oid_filters: raw extension body */
    cur_t oid_filters;
    cur_t extensions;           /* TLS 1.3: raw extensions block (without its u16 length) */
    uint16_t n_extensions;
} tls_certreq;

/*
 * Parse a CertificateRequest body. `version` is the negotiated version
 * (0x0301 TLS 1.0 .. 0x0304 TLS 1.3; values below 0x0303 mean no
 * signature-algorithms field, 0x0304 and above mean the TLS 1.3 form).
 * Returns DX_OK with *out filled, or DX_MALFORMED with DXE_CERT_REQUEST
 * (short field, empty certificate_types/sig algs, empty DN), DXE_LENGTH_ODD,
 * DXE_LENGTH_PAST_END, DXE_TRAILING, DXE_EXT_BODY or DXE_EXT_DUPLICATE and
 * the absolute offset of the fault. The body cursor is not modified.
 */
MTLS_WARN_UNUSED dx_result tls_certreq_parse(const cur_t *body, uint16_t version, tls_certreq *out);

/* Iterator over the CA DistinguishedNames of a parsed request. */
typedef struct tls_dn_iter {
    cur_t list;
} tls_dn_iter;

void tls_certreq_ca_iter_init(tls_dn_iter *it, const tls_certreq *req);
/* Next DER DistinguishedName (view, SEQUENCE header included); false at the end. */
MTLS_WARN_UNUSED bool tls_certreq_ca_next(tls_dn_iter *it, cur_t *out_der);

/*
 * Value i of a parsed u16 list view (sig_algs, sig_algs_cert). Returns true
 * and sets *out, false when i is out of range.
 */
MTLS_WARN_UNUSED bool tls_certreq_u16_at(const cur_t *list, size_t i, uint16_t *out);

/* ClientCertificateType names ("rsa_sign", "ecdsa_sign", ...) or NULL. */
const char *tls_certreq_cert_type_name(uint8_t type);

#endif
