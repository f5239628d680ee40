/*
 * ipv6.h — the IPv6 header (RFC 8200) and its extension-header chain.
 *
 * The walk passes hop-by-hop options (first only), routing, destination
 * options and AH headers, and stops at the first upper-layer protocol, at
 * ESP (50: the rest is encrypted), at No Next Header (59) or at a Fragment
 * header: what follows a Fragment header is fragment data, reassembled in
 * src/ipfrag.c and walked again with ipv6_walk_ext().
 */
#ifndef MTLS_IPV6_H
#define MTLS_IPV6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"

#define IPV6_NH_HOPOPT 0
#define IPV6_NH_TCP 6
#define IPV6_NH_ROUTING 43
#define IPV6_NH_FRAGMENT 44
#define IPV6_NH_ESP 50
#define IPV6_NH_AH 51
#define IPV6_NH_NONE 59
#define IPV6_NH_DSTOPTS 60

/* Most extension headers walked before the chain counts as malformed. */
#define IPV6_MAX_EXT_HEADERS 16

typedef struct ipv6_frag {
    bool present;            /* the walk stopped at a Fragment header */
    uint8_t next_hdr;        /* Next Header of the Fragment header */
    uint16_t offset;         /* in bytes (field * 8) */
    bool mf;
    uint32_t id;
} ipv6_frag;

/* Result of walking an extension-header chain. */
typedef struct ipv6_walk {
    uint8_t proto;           /* upper-layer protocol, or 50 / 59 / 44 where the walk stopped */
    unsigned n_ext;          /* extension headers passed (the Fragment header included) */
    ipv6_frag frag;
    cur_t payload;           /* captured bytes after the last header walked */
    size_t payload_wire_len; /* bytes after the last header on the wire */
    bool cut;                /* capture holds fewer bytes than payload_wire_len */
} ipv6_walk;

typedef struct ipv6_hdr {
    uint8_t tclass;
    uint32_t flow_label;
    uint16_t payload_len;    /* as on the wire (0 with TSO or jumbograms: see len_from_frame) */
    uint8_t next_hdr;        /* first Next Header */
    uint8_t hop_limit;
    uint8_t src[16], dst[16];
    bool len_from_frame;     /* payload_len was 0: the frame's length was used */
    ipv6_walk walk;          /* the extension-header walk from next_hdr */
} ipv6_hdr;

/*
 * Parse the 40-byte IPv6 header and walk its extension headers. `c` covers
 * the captured network-layer bytes, `wire_len` the bytes the link layer
 * says it carried. Link padding beyond the payload length is dropped.
 *
 * DX_OK: *out filled (out->walk.proto tells where the walk stopped),
 * `c` advanced past the captured datagram. DX_TRUNCATED: the capture ended
 * inside the fixed header (DXE_SHORT) or inside an extension header
 * (DXE_IPV6_EXT). DX_MALFORMED: DXE_SHORT, DXE_IP_VERSION,
 * DXE_IP_TOTAL_LEN (payload length above the frame), DXE_IPV6_EXT (an
 * extension header past the payload length, hop-by-hop not first, chain
 * longer than IPV6_MAX_EXT_HEADERS). Views live as long as `c`'s bytes.
 */
MTLS_WARN_UNUSED dx_result ipv6_parse(cur_t *c, size_t wire_len, ipv6_hdr *out);

/*
 * Walk an extension-header chain starting with next header `nh` over the
 * captured bytes `c` (`wire_len` bytes on the wire). `first` says whether
 * the chain starts right after the fixed header (hop-by-hop allowed).
 * Used by ipv6_parse() and again over a reassembled fragmentable part.
 * Same outcomes as ipv6_parse() for the extension-header part.
 */
MTLS_WARN_UNUSED dx_result ipv6_walk_ext(uint8_t nh, cur_t *c, size_t wire_len, bool first, ipv6_walk *out);

#endif
