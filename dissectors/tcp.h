/*
 * tcp.h — the TCP header (RFC 9293) and its options.
 *
 * The checksum is read but never verified: checksum offloading makes it
 * unreliable in captures.
 */
#ifndef MTLS_TCP_H
#define MTLS_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

/* Option kinds (IANA "TCP Option Kind Numbers"). */
#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_WSCALE 3
#define TCP_OPT_SACK_PERMITTED 4
#define TCP_OPT_SACK 5
#define TCP_OPT_TIMESTAMP 8

#define TCP_MAX_SACK_BLOCKS 4

typedef struct tcp_hdr {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t hdr_len;          /* data offset * 4 (20..60) */
    uint8_t flags;            /* TCP_FIN ... TCP_CWR */
    bool ae;                  /* the AE (ex-NS) bit */
    uint16_t window;          /* raw, unscaled */
    uint16_t checksum;
    uint16_t urgent;
    cur_t options;            /* hdr_len - 20 option bytes (see tcp_parse_options) */
    cur_t payload;            /* captured payload bytes */
    size_t payload_wire_len;  /* payload bytes the segment really carried */
} tcp_hdr;

typedef struct tcp_sack_block {
    uint32_t left, right;
} tcp_sack_block;

typedef struct tcp_opts {
    bool has_mss;
    uint16_t mss;
    bool has_wscale;
    uint8_t wscale;           /* as sent (values above 14 are kept; RFC 7323 says treat as 14) */
    bool sack_permitted;
    unsigned n_sack;
    tcp_sack_block sack[TCP_MAX_SACK_BLOCKS];
    bool has_timestamp;
    uint32_t ts_val, ts_ecr;
    unsigned n_other;         /* options of other kinds (skipped) */
} tcp_opts;

/*
 * Parse a TCP header. `c` covers the captured segment bytes, `wire_len` the
 * segment's length according to the IP layer (values below the captured
 * length count as the captured length).
 *
 * DX_OK: *out filled, `c` advanced to its end; the payload may be shorter
 * than payload_wire_len when the capture cut it. DX_TRUNCATED (DXE_SHORT,
 * DXE_TCP_HDR_LEN): the capture ended inside the header. DX_MALFORMED:
 * DXE_SHORT (segment under 20 bytes), DXE_TCP_HDR_LEN (data offset < 5 or
 * past the segment). Options are not parsed here. Views live as long as
 * `c`'s bytes.
 */
MTLS_WARN_UNUSED dx_result tcp_parse(cur_t *c, size_t wire_len, tcp_hdr *out);

/*
 * Walk the option bytes of a header (h->options). DX_OK: *out filled.
 * DX_MALFORMED/DXE_TCP_OPTION with the offset of the bad option: a length
 * byte missing, below 2 or past the option space, or a known kind with the
 * wrong length (MSS 4, window scale 3, SACK-permitted 2, timestamps 10,
 * SACK 2 + 8n with 1 <= n <= 4). Bytes after an End-of-Option-List are
 * padding and ignored.
 */
MTLS_WARN_UNUSED dx_result tcp_parse_options(cur_t opts, tcp_opts *out);

#endif
