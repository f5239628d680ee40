/*
 * tls_record.h — TLS record layer framing (RFC 8446 5.1, RFC 5246 6.2) and
 * the SSLv2-compatible ClientHello record header (RFC 5246 appendix E.2).
 *
 * Pure: cursor in, struct out. Views live as long as the caller's bytes.
 */
#ifndef MTLS_TLS_RECORD_H
#define MTLS_TLS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"

enum {
    TLS_CT_CHANGE_CIPHER_SPEC = 20,
    TLS_CT_ALERT = 21,
    TLS_CT_HANDSHAKE = 22,
    TLS_CT_APPLICATION_DATA = 23,
    TLS_CT_HEARTBEAT = 24,
};

#define TLS_RECORD_HDR_LEN 5
/* Largest record body we accept: 2^14 plaintext + 2048 expansion (RFC 5246 6.2.3). */
#define TLS_RECORD_MAX (16384 + 2048)

typedef struct tls_record_hdr {
    uint8_t type;     /* TLS_CT_* */
    uint16_t version; /* legacy_record_version, 0x0300..0x0304 */
    uint16_t length;  /* body length, <= TLS_RECORD_MAX */
} tls_record_hdr;

/*
 * Parse a 5-byte record header and consume it.
 * Returns dx_ok(); dx_need_more(5 - available) when fewer than 5 bytes remain
 * (cursor unchanged); DX_MALFORMED with DXE_REC_TYPE (type not 20..24),
 * DXE_REC_VERSION (not 0x0300..0x0304), DXE_REC_TOO_LONG (> TLS_RECORD_MAX),
 * DXE_LENGTH_ZERO (zero length for a non-application-data record). On any
 * error the cursor is unchanged and offset is that of the offending field.
 */
MTLS_WARN_UNUSED dx_result tls_record_parse_header(cur_t *c, tls_record_hdr *out);

/*
 * Header plus body: on success consumes 5 + length bytes and sets *body to a
 * child cursor over the record body. When the header is complete but the
 * body is not, returns dx_need_more(missing bytes) with the cursor unchanged
 * and *out set (so a caller can skip the body by length).
 * Other errors as tls_record_parse_header().
 */
MTLS_WARN_UNUSED dx_result tls_record_parse(cur_t *c, tls_record_hdr *out, cur_t *body);

/*
 * Does p[0..n) start with a plausible TLS record header? Used to detect TLS
 * on any port and to resynchronise after a TCP gap. Needs n >= 5 (false
 * otherwise); true when the header parses with tls_record_parse_header()
 * (type 20..24, version 0x0300..0x0304, 0 < length <= TLS_RECORD_MAX, zero
 * length only for application data).
 */
bool tls_record_plausible(const uint8_t *p, size_t n);

/* ----------------------------------------------- SSLv2-compatible hello */

typedef struct tls_sslv2_hdr {
    uint16_t length;   /* record body length (15-bit), body starts with msg_type */
} tls_sslv2_hdr;

/*
 * Does p[0..n) look like an SSLv2-compatible ClientHello? Needs n >= 5:
 * 2-byte header with the high bit set and length >= 9, msg_type 1
 * (CLIENT-HELLO) and version 0x0002 or 0x0300..0x0304.
 */
bool tls_record_is_sslv2_hello(const uint8_t *p, size_t n);

/*
 * Parse the 2-byte SSLv2 record header (high bit set = no padding) and
 * consume it. Returns dx_ok(); dx_need_more(n) when fewer than 2 bytes;
 * DX_MALFORMED DXE_SSLV2 when the high bit is clear (3-byte header form,
 * never used for a ClientHello) or the length is shorter than the fixed
 * CLIENT-HELLO fields (9 bytes).
 */
MTLS_WARN_UNUSED dx_result tls_record_parse_sslv2_header(cur_t *c, tls_sslv2_hdr *out);

#endif
