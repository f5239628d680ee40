/*
 * decode.h — one captured frame to TCP segment metadata: link -> IP -> TCP
 * through the pure dissectors, with IP fragment reassembly (ipfrag.c).
 *
 * The non-fragment path allocates nothing: payload views point into the
 * caller's frame. The TCP checksum is not verified (offloading).
 */
#ifndef MTLS_DECODE_H
#define MTLS_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "dx_result.h"
#include "tcp.h"

typedef struct decode_limits {
    size_t frag_max_datagrams;      /* 0: IPFRAG_DEFAULT_MAX_DATAGRAMS */
    size_t frag_max_datagram_bytes; /* 0: 65535 */
    size_t frag_max_total_bytes;    /* 0: IPFRAG_DEFAULT_MAX_TOTAL_BYTES */
    uint64_t frag_timeout_us;       /* 0: 30 s of capture time */
} decode_limits;

typedef struct decode_stats {
    uint64_t packets;               /* decode_packet calls */
    uint64_t tcp;                   /* DX_OK results */
    uint64_t not_ip;                /* ignored: link payload is not IP */
    uint64_t not_tcp;               /* ignored: IP payload is not TCP */
    uint64_t truncated;             /* DX_TRUNCATED results (capture cut the headers) */
    uint64_t malformed;             /* DX_MALFORMED results */
    uint64_t payload_cut;           /* DX_OK segments whose payload the capture cut */
    /* fragment reassembly */
    uint64_t fragments;
    uint64_t reassembled;
    uint64_t frag_dropped_by_cap;
    uint64_t frag_timed_out;
    uint64_t frag_overlaps;
    uint64_t frag_invalid;
    uint64_t frag_pending;
} decode_stats;

typedef struct decoded_pkt {
    uint64_t ts_us;
    int family;               /* 4 or 6 */
    uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes, rest zero */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;            /* TCP_FIN, TCP_SYN, ... (tcp.h) */
    uint16_t window;          /* raw, unscaled */
    const uint8_t *payload;   /* TCP payload present in the capture; points into `data` or into the
                                 decoder's fragment buffer (valid until the next decode_packet call) */
    size_t payload_len;       /* bytes present */
    size_t payload_wire_len;  /* bytes the segment really carried (> payload_len when the capture cut it) */
} decoded_pkt;

typedef struct decoder decoder_t;

/* A decoder for frames of link type `dlt` (lim NULL: defaults). Returns NULL
 * when out of memory; an unsupported dlt is accepted (every packet then
 * yields DX_UNSUPPORTED/DXE_LINK_UNSUPPORTED) — check decode_link_supported. */
decoder_t *decoder_new(int dlt, const decode_limits *lim);
/* Frees the decoder and any buffered fragments. NULL is a no-op. */
void decoder_free(decoder_t *d);

/* The frames from now on are of link type dlt (captures that mix link types:
 * several files, a pcapng with several interfaces). IP fragments buffered so
 * far stay. Returns decode_link_supported(dlt). */
bool decoder_set_link(decoder_t *d, int dlt);

/* True when frames of this DLT can be decoded. */
bool decode_link_supported(int dlt);

/* Human name of a DLT for messages: "EN10MB", or "DLT 147 (USER0)" for
 * types we do not decode. The string lives until the next call on the same
 * thread. */
const char *decode_link_name(int dlt);

/*
 * Decode one frame: `caplen` captured bytes at `data`, `wirelen` bytes on
 * the wire (0 or less than caplen: caplen is used).
 *
 * DX_OK: *out describes a TCP segment (views valid as documented on
 * decoded_pkt). DX_UNSUPPORTED: not for us (DXE_NOT_IP, DXE_NOT_TCP,
 * DXE_LINK_UNSUPPORTED). DX_NEED_MORE: an IP fragment was buffered until
 * the rest arrives. DX_TRUNCATED: the capture cut a header (code and
 * offset in the frame); also a fragment the capture cut (DXE_IP_FRAGMENT),
 * which cannot be reassembled. DX_MALFORMED: a header breaks its grammar,
 * or an inconsistent fragment (DXE_IP_FRAGMENT). A fragment dropped by a
 * cap yields DX_UNSUPPORTED/DXE_IP_FRAGMENT (counted in the stats). *out is
 * zeroed unless DX_OK.
 */
MTLS_WARN_UNUSED dx_result decode_packet(decoder_t *d, uint64_t ts_us, const uint8_t *data, size_t caplen,
                                         size_t wirelen, decoded_pkt *out);

/* Counters since decoder_new. */
void decoder_stats(const decoder_t *d, decode_stats *out);

#endif
