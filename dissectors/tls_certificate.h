/*
 * tls_certificate.h — Certificate (TLS 1.0–1.2 and 1.3) and CompressedCertificate.
 *
 * Grammar only: cursor over the handshake message BODY (after the 4-byte
 * handshake header) in, views out. Views are cur_t values with off == 0:
 * `.data`/`.len` are the bytes, `.base` their absolute offset. They live as
 * long as the bytes the body cursor was made over.
 *
 * No array of certificates is ever built: an iterator hands out one entry at
 * a time, so a message with 10,000 entries costs nothing extra.
 *
 *   TLS 1.0–1.2:  u24 certificate_list<0..2^24-1> { u24 cert_data<1..> }
 *   TLS 1.3:      u8 certificate_request_context<0..255>,
 *                 u24 certificate_list<0..2^24-1> {
 *                     u24 cert_data<1..>, u16 extensions<0..2^16-1> }
 *   RFC 8879:     u16 algorithm, u24 uncompressed_length,
 *                 u24 compressed_certificate_message<1..2^24-1>
 */
#ifndef MTLS_TLS_CERTIFICATE_H
#define MTLS_TLS_CERTIFICATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"

/* Extension types recognised inside a TLS 1.3 CertificateEntry. */
#define TLS_CERT_EXT_STATUS_REQUEST 5  /* CertificateStatus: OCSP response */
#define TLS_CERT_EXT_SCT 18            /* SignedCertificateTimestampList */

typedef struct tls_cert_entry {
    size_t index;          /* 0-based position in the list (0 = leaf) */
    cur_t der;             /* cert_data: the DER certificate (or raw public key) */
    /* TLS 1.3 only (all zero / false for 1.0–1.2) */
    cur_t extensions;      /* the raw entry extensions block (without its u16 length) */
    uint16_t n_extensions;
    bool has_ocsp;         /* status_request with status_type ocsp(1) */
    cur_t ocsp_response;   /* DER OCSPResponse (view) */
    bool has_sct;          /* signed_certificate_timestamp */
    cur_t sct_list;        /* SignedCertificateTimestampList body after its u16 length: u16-prefixed SCTs */
    size_t n_sct;          /* number of SCTs in sct_list */
} tls_cert_entry;

typedef struct tls_cert_iter {
    cur_t list;            /* remaining certificate_list bytes */
    bool tls13;
    size_t index;          /* entries handed out so far */
    dx_result status;      /* DX_OK while iterating / at a clean end; error otherwise */
    bool failed;
} tls_cert_iter;

typedef struct tls_cert_header {
    bool tls13;
    cur_t context;         /* TLS 1.3 certificate_request_context (empty for 1.0–1.2) */
    cur_t list;            /* whole certificate_list body (without its u24 length) */
} tls_cert_header;

/*
 * Check the outer framing of a Certificate body (context, u24 list length
 * equal to the rest of the body exactly) and set up an iterator over the
 * entries. `out_hdr` may be NULL. Returns DX_OK, or DX_MALFORMED with
 * DXE_CERT_LIST / DXE_TRAILING / DXE_LENGTH_PAST_END and the absolute offset.
 * The body cursor is not modified. Entries themselves are checked as the
 * iterator reaches them.
 */
MTLS_WARN_UNUSED dx_result tls_cert_iter_init(tls_cert_iter *it, const cur_t *body, bool tls13,
                                              tls_cert_header *out_hdr);

/*
 * Next entry. Returns true and fills *out; returns false at the end of the
 * list or on a malformed entry — then tls_cert_iter_status() says which
 * (DX_OK = clean end). Views in *out point into the body's bytes.
 * Malformed entries: empty or past-end cert_data (DXE_CERT_LIST /
 * DXE_LENGTH_ZERO / DXE_LENGTH_PAST_END), bad extensions framing
 * (DXE_EXT_BODY), duplicate extension (DXE_EXT_DUPLICATE).
 */
MTLS_WARN_UNUSED bool tls_cert_iter_next(tls_cert_iter *it, tls_cert_entry *out);

/* Outcome of the iteration so far (DX_OK while no error was met). */
dx_result tls_cert_iter_status(const tls_cert_iter *it);

/* RFC 8879 CompressedCertificate: recognised, not decompressed. */
#define TLS_CERT_COMPRESSION_ZLIB 1
#define TLS_CERT_COMPRESSION_BROTLI 2
#define TLS_CERT_COMPRESSION_ZSTD 3

typedef struct tls_compressed_cert {
    uint16_t algorithm;
    uint32_t uncompressed_len;
    cur_t compressed;      /* compressed_certificate_message bytes (view) */
} tls_compressed_cert;

/*
 * Parse a CompressedCertificate body. Returns DX_OK, or DX_MALFORMED with
 * DXE_CERT_LIST (short / empty compressed data / uncompressed_length 0),
 * DXE_LENGTH_PAST_END or DXE_TRAILING.
 */
MTLS_WARN_UNUSED dx_result tls_cert_parse_compressed(const cur_t *body, tls_compressed_cert *out);

/* "zlib", "brotli", "zstd" or NULL when unknown. */
const char *tls_cert_compression_name(uint16_t algorithm);

#endif
