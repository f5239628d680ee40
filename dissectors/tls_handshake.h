/*
 * tls_handshake.h — handshake message header {u8 msg_type, u24 length}
 * (RFC 8446 4) and handshake type constants.
 */
#ifndef MTLS_TLS_HANDSHAKE_H
#define MTLS_TLS_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"

enum {
    TLS_HS_HELLO_REQUEST = 0,
    TLS_HS_CLIENT_HELLO = 1,
    TLS_HS_SERVER_HELLO = 2,
    TLS_HS_HELLO_VERIFY_REQUEST = 3,
    TLS_HS_NEW_SESSION_TICKET = 4,
    TLS_HS_END_OF_EARLY_DATA = 5,
    TLS_HS_ENCRYPTED_EXTENSIONS = 8,
    TLS_HS_CERTIFICATE = 11,
    TLS_HS_SERVER_KEY_EXCHANGE = 12,
    TLS_HS_CERTIFICATE_REQUEST = 13,
    TLS_HS_SERVER_HELLO_DONE = 14,
    TLS_HS_CERTIFICATE_VERIFY = 15,
    TLS_HS_CLIENT_KEY_EXCHANGE = 16,
    TLS_HS_FINISHED = 20,
    TLS_HS_CERTIFICATE_URL = 21,
    TLS_HS_CERTIFICATE_STATUS = 22,
    TLS_HS_KEY_UPDATE = 24,
    TLS_HS_COMPRESSED_CERTIFICATE = 25,
    TLS_HS_MESSAGE_HASH = 254,
};

#define TLS_HS_HDR_LEN 4
/* Largest handshake message body we accept (the u24 field allows 16 MiB). */
#define TLS_HS_MAX_LEN (1u << 20)

/*
 * Parse the 4-byte handshake header and consume it. Unknown types are NOT an
 * error (a passive analyzer logs them; see tls_reg_hs_type_name()).
 * Returns dx_ok(); dx_need_more(4 - available) with the cursor unchanged;
 * DX_MALFORMED DXE_HS_TOO_LONG (cursor unchanged, offset of the length field)
 * when *len would exceed TLS_HS_MAX_LEN.
 */
MTLS_WARN_UNUSED dx_result tls_hs_parse_header(cur_t *c, uint8_t *type, uint32_t *len);

/*
 * Header plus body: consumes 4 + len bytes and sets *body to a child cursor
 * over the message body. dx_need_more(missing) when the body is incomplete
 * (cursor unchanged). Other errors as tls_hs_parse_header().
 */
MTLS_WARN_UNUSED dx_result tls_hs_parse(cur_t *c, uint8_t *type, cur_t *body);

#endif
