/*
 * ipfrag.h — IPv4 and IPv6 fragment reassembly, owned by the decoder.
 *
 * Datagrams are keyed by (family, source, destination, identification,
 * protocol) — the protocol is 0 for IPv6, whose key has none. Fragments may
 * arrive in any order. Overlap policy: for IPv4 the bytes that arrived
 * first win; for IPv6 an overlap that changes bytes discards the datagram
 * (RFC 5722) while an exact duplicate is ignored (RFC 8200 §4.5). Bounded by
 * caps on concurrent datagrams (the oldest is evicted), datagram size and
 * total buffered bytes; datagrams older than the timeout (capture time)
 * are dropped. Memory is allocated only when fragments arrive.
 */
#ifndef MTLS_IPFRAG_H
#define MTLS_IPFRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

#define IPFRAG_DEFAULT_MAX_DATAGRAMS 1024
#define IPFRAG_DEFAULT_MAX_DATAGRAM_BYTES 65535
#define IPFRAG_DEFAULT_MAX_TOTAL_BYTES (16u * 1024u * 1024u)
#define IPFRAG_DEFAULT_TIMEOUT_US (30ull * 1000000ull)
/* Disjoint byte ranges one datagram may hold before it is dropped. */
#define IPFRAG_MAX_RANGES 32

typedef struct ipfrag_limits {
    size_t max_datagrams;      /* concurrent incomplete datagrams (0: default) */
    size_t max_datagram_bytes; /* reassembled payload bytes (0: default, at most 65535) */
    size_t max_total_bytes;    /* bytes buffered over all datagrams (0: default) */
    uint64_t timeout_us;       /* capture-time lifetime of an incomplete datagram (0: default) */
} ipfrag_limits;

typedef struct ipfrag_stats {
    uint64_t fragments;        /* fragments offered to ipfrag_add */
    uint64_t reassembled;      /* datagrams completed */
    uint64_t dropped_by_cap;   /* datagrams dropped or evicted by a cap (or out of memory) */
    uint64_t timed_out;        /* datagrams dropped incomplete by the timeout */
    uint64_t overlaps;         /* fragments overlapping bytes already held */
    uint64_t invalid;          /* fragments inconsistent with their datagram (datagram dropped) */
    uint64_t pending;          /* incomplete datagrams held now */
    uint64_t bytes_held;       /* bytes buffered now */
} ipfrag_stats;

typedef struct ipfrag_key {
    uint8_t family;            /* 4 or 6 */
    uint8_t proto;             /* IPv4 protocol; 0 for IPv6 */
    uint32_t id;
    uint8_t src[16], dst[16];  /* IPv4 in the first 4 bytes, rest zero */
} ipfrag_key;

typedef enum ipfrag_status {
    IPFRAG_HELD = 0,           /* stored; the datagram is not complete yet */
    IPFRAG_COMPLETE,           /* the datagram is complete: see ipfrag_done */
    IPFRAG_DROPPED,            /* dropped by a cap or out of memory */
    IPFRAG_INVALID,            /* inconsistent fragment: the datagram was discarded */
} ipfrag_status;

typedef struct ipfrag_done {
    const uint8_t *data;       /* reassembled payload (after the fixed IP header / Fragment header) */
    size_t len;
    uint8_t next_hdr;          /* IPv6: Next Header of the offset-0 fragment; IPv4: the protocol */
} ipfrag_done;

typedef struct ipfrag ipfrag_t;

/* New, empty reassembler (lim NULL or zero fields: defaults). NULL on OOM. */
ipfrag_t *ipfrag_new(const ipfrag_limits *lim);
/* Frees everything, the last completed datagram included. NULL is a no-op. */
void ipfrag_free(ipfrag_t *f);

/*
 * Offer one fragment: `len` payload bytes at byte `offset` of the datagram,
 * `more` = more fragments follow, `next_hdr` the IPv6 Fragment header's
 * Next Header (ignored for IPv4). Expires timed-out datagrams first.
 * IPFRAG_COMPLETE fills *out; out->data stays valid until the next
 * ipfrag_add, ipfrag_release or ipfrag_free. `data` is copied.
 */
MTLS_WARN_UNUSED ipfrag_status ipfrag_add(ipfrag_t *f, uint64_t ts_us, const ipfrag_key *key, size_t offset,
                                          bool more, uint8_t next_hdr, const uint8_t *data, size_t len,
                                          ipfrag_done *out);

/* Free the last completed datagram (cheap when there is none). */
void ipfrag_release(ipfrag_t *f);

/* Drop incomplete datagrams older than the timeout at capture time now_us. */
void ipfrag_expire(ipfrag_t *f, uint64_t now_us);

void ipfrag_get_stats(const ipfrag_t *f, ipfrag_stats *out);

#endif
