/*
 * ipv4.h — the IPv4 header (RFC 791): fixed part, options view, fragment
 * fields and the payload trimmed to the total length. Reassembly of
 * fragments lives in src/ipfrag.c; the header checksum is not verified
 * (offloading makes it unreliable in captures).
 */
#ifndef MTLS_IPV4_H
#define MTLS_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"

#define IPV4_PROTO_TCP 6

typedef struct ipv4_hdr {
    uint8_t hdr_len;          /* IHL * 4 (20..60) */
    uint8_t tos;
    uint16_t total_len;       /* as on the wire (0 with TSO: see len_from_frame) */
    uint16_t id;
    bool evil;                /* the reserved flag bit is set (kept, not an error) */
    bool df, mf;
    uint16_t frag_offset;     /* in bytes (field * 8) */
    uint8_t ttl;
    uint8_t proto;
    uint16_t checksum;
    uint8_t src[4], dst[4];
    cur_t options;            /* IHL*4 - 20 option bytes, unparsed */
    cur_t payload;            /* captured payload, trimmed to total_len (link padding dropped) */
    size_t payload_wire_len;  /* total_len - IHL*4: what the datagram really carried */
    bool cut;                 /* the capture holds fewer payload bytes than payload_wire_len */
    bool len_from_frame;      /* total_len was 0 (segmentation offload): length taken from the frame */
} ipv4_hdr;

/*
 * Parse an IPv4 header at the cursor. `c` covers the captured network-layer
 * bytes, `wire_len` the bytes the link layer says it carried (values below
 * the captured length count as the captured length).
 *
 * DX_OK: *out filled, `c` advanced past the captured payload; the payload
 * may be cut by the capture (out->cut). DX_TRUNCATED (DXE_SHORT or
 * DXE_IP_HDR_LEN): the capture ended inside the header. DX_MALFORMED:
 * DXE_SHORT (frame shorter than 20 bytes), DXE_IP_VERSION, DXE_IP_HDR_LEN
 * (IHL < 5), DXE_IP_TOTAL_LEN (total length below IHL*4 or above the
 * frame). Views in *out live as long as the bytes under `c`.
 */
MTLS_WARN_UNUSED dx_result ipv4_parse(cur_t *c, size_t wire_len, ipv4_hdr *out);

/* True when the header describes a fragment (MF set or offset non-zero). */
static inline bool ipv4_is_fragment(const ipv4_hdr *h) { return h->mf || h->frag_offset != 0; }

#endif
