/*
 * http_peek.h — the first bytes of an HTTP exchange inside TLS: an HTTP/1.x
 * status line, and HTTP/2 frames (RFC 9113 §4.1) with the header block of a
 * HEADERS frame. Only the framing: HPACK is decoded in src/tls/ by
 * libnghttp2. Pure, like every dissector: cursor in, views out.
 */
#ifndef MTLS_HTTP_PEEK_H
#define MTLS_HTTP_PEEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"

/* "HTTP/1.1 400 Bad Request\r\n": the status and the line without CRLF. */
typedef struct h1_status_line {
    uint16_t status;
    const uint8_t *line;
    size_t line_len;
} h1_status_line;

/* Parse an HTTP/1.x status line at the cursor (the line ends at CR or LF, or
 * at the end of the data, at most 200 bytes). DX_OK, or DX_MALFORMED DXE_HTTP
 * when the bytes are not "HTTP/1.d ddd". Does not advance c. */
MTLS_WARN_UNUSED dx_result h1_parse_status_line(const cur_t *c, h1_status_line *out);

#define H2_CLIENT_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define H2_CLIENT_PREFACE_LEN 24

#define H2_FRAME_DATA 0x0
#define H2_FRAME_HEADERS 0x1
#define H2_FRAME_SETTINGS 0x4
#define H2_FRAME_CONTINUATION 0x9
#define H2_FLAG_END_HEADERS 0x4
#define H2_FLAG_PADDED 0x8
#define H2_FLAG_PRIORITY 0x20

typedef struct h2_frame {
    uint32_t length;     /* payload bytes */
    uint8_t type, flags;
    uint32_t stream_id;  /* reserved bit cleared */
    const uint8_t *payload;
} h2_frame;

/* The next frame at the cursor: DX_OK and c advanced past it; DX_NEED_MORE
 * (need = bytes missing) when the frame is not complete, c unchanged. */
MTLS_WARN_UNUSED dx_result h2_next_frame(cur_t *c, h2_frame *out);

/* The header block fragment of a HEADERS frame (padding and priority
 * removed). DX_MALFORMED DXE_HTTP when the padding is longer than the frame. */
MTLS_WARN_UNUSED dx_result h2_header_block(const h2_frame *f, const uint8_t **block, size_t *len);

#endif
