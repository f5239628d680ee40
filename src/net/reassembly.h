/*
 * reassembly.h — one direction of a TCP connection turned into in-order bytes.
 *
 * Sequence numbers are mapped to a 64-bit stream offset relative to the
 * first byte after the SYN (or, when the capture started mid-connection, to
 * the first segment seen that carries payload, FIN or RST). In-order bytes
 * are handed to a callback; a segment that arrives in order is delivered
 * straight from the caller's buffer (zero copy), only out-of-order data is
 * copied into an ordered store of pending segments.
 *
 * Policies (docs/internals/reassembly.md has the details):
 *  - overlaps: the first bytes received for an offset win; a later segment
 *    whose overlapping bytes differ from bytes still pending raises
 *    REASM_EV_OVERLAP_CONFLICT. Bytes already delivered are not retained, so
 *    an overlap with them is counted as duplicate but cannot be compared.
 *  - gaps: when bytes are missing and either the pending store goes over its
 *    cap or the caller calls reasm_flush(), the hole is skipped and reported
 *    as REASM_EV_GAP(offset, length); delivery continues after it.
 *  - capture truncation (wire_len > len): the missing tail is a gap, reported
 *    as soon as the segment's captured bytes are delivered.
 *
 * Callbacks may call reasm_skip() on the same direction; they must not call
 * reasm_segment(), reasm_flush() or reasm_cleanup() on it.
 */
#ifndef MTLS_REASSEMBLY_H
#define MTLS_REASSEMBLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

/* TCP flag bits as they appear in the TCP header's flags byte. */
#define REASM_TCP_FIN 0x01u
#define REASM_TCP_SYN 0x02u
#define REASM_TCP_RST 0x04u
#define REASM_TCP_ACK 0x10u

/* Defaults used when a reasm_limits field is 0. */
#define REASM_DEFAULT_MAX_PENDING_BYTES ((size_t)1 << 20) /* 1 MiB per direction */
#define REASM_DEFAULT_MAX_PENDING_SEGS  ((size_t)4096)

typedef enum reasm_event {
    REASM_EV_GAP = 0,          /* bytes [stream_off, stream_off+len) are lost; delivery resumed after them */
    REASM_EV_OVERLAP_CONFLICT, /* a retransmission carried different bytes for [stream_off, +len); first kept */
    REASM_EV_FIN,              /* all bytes before stream_off delivered (or gapped); the peer closed */
    REASM_EV_RST,              /* reset seen at stream_off (reported when it arrives) */
    REASM_EV_SYN,              /* SYN seen: stream_off is 0 */
    REASM_EV_CAP_DROPPED,      /* [stream_off, +len) not stored: the shared memory cap was reached */
    REASM_EV__COUNT
} reasm_event;

typedef struct reasm_callbacks {
    /* In-order bytes. `bytes` is valid only during the call. May be NULL. */
    void (*data)(void *ctx, int side, uint64_t ts_us, const uint8_t *bytes, size_t n);
    /* Events, in stream order for GAP and FIN. May be NULL. */
    void (*event)(void *ctx, int side, uint64_t ts_us, reasm_event ev, uint64_t stream_off, uint64_t len);
} reasm_callbacks;

typedef struct reasm_limits {
    size_t max_pending_bytes; /* per direction: payload bytes held out of order (0 = default) */
    size_t max_pending_segs;  /* per direction: segments held out of order (0 = default) */
    size_t *total;            /* optional caller-owned counter of memory held by every direction
                                 sharing it (payload + per-segment overhead); NULL = none */
    size_t max_total;         /* cap on *total; 0 = no cap. Over it, new out-of-order data is
                                 dropped (REASM_EV_CAP_DROPPED) instead of stored */
} reasm_limits;

typedef struct reasm_stats {
    uint64_t segments;          /* segments carrying payload seen */
    uint64_t bytes_delivered;   /* handed to the data callback */
    uint64_t bytes_skipped;     /* sum of reasm_skip() lengths */
    uint64_t bytes_dup;         /* received again: already consumed, or identical to pending */
    uint64_t bytes_before_start;/* before offset 0 (capture started mid-connection) */
    uint64_t gaps;              /* REASM_EV_GAP events */
    uint64_t gap_bytes;
    uint64_t overlap_conflicts; /* REASM_EV_OVERLAP_CONFLICT events */
    uint64_t cap_dropped_bytes; /* not stored because of the shared cap */
    uint64_t out_of_order;      /* segments (pieces) copied into the pending store */
    size_t pending_peak;        /* highest pending payload bytes */
} reasm_stats;

typedef struct reasm_seg reasm_seg; /* private: one pending piece */

typedef struct reasm_dir {
    reasm_limits lim;
    bool started;        /* offset 0 is known */
    bool syn_seen;
    bool fin_seen, fin_reported;
    bool rst_seen;
    uint32_t base_seq;   /* sequence number of stream offset 0 */
    uint64_t next_off;   /* next offset to deliver (everything before is consumed) */
    uint64_t fin_off;    /* offset of the FIN, when fin_seen */
    reasm_seg *head;     /* pending pieces, sorted by offset, never overlapping */
    reasm_seg *tail;
    size_t pending_bytes;
    size_t pending_segs;
    reasm_stats st;
} reasm_dir;

/* Prepare an empty direction. `lim` may be NULL (defaults, no shared counter);
 * the struct is copied, the `total` counter it points to must outlive `r`. */
void reasm_init(reasm_dir *r, const reasm_limits *lim);

/* Free pending data (without delivering it or raising events) and give its
 * memory back to the shared counter. `r` may then be reused after reasm_init. */
void reasm_cleanup(reasm_dir *r);

/*
 * Feed one TCP segment of this direction. `payload`/`len` are the captured
 * payload bytes (may be NULL when len is 0); `wire_len` >= len is the payload
 * length on the wire (larger when the capture cut the packet). Delivers every
 * byte that became in order and raises events through `cb` (may be NULL).
 * Pure ACKs (no payload, no SYN/FIN/RST) are ignored. `side` is passed back
 * to the callbacks unchanged.
 */
void reasm_segment(reasm_dir *r, uint64_t ts_us, uint32_t seq, uint8_t tcp_flags,
                   const uint8_t *payload, size_t len, size_t wire_len,
                   const reasm_callbacks *cb, void *ctx, int side);

/* No more segments will come (end of capture, eviction) or the caller wants
 * everything now: skip every hole (REASM_EV_GAP each), deliver all pending
 * data, then report the FIN if one was seen (with a last gap before it if
 * bytes are missing). The direction stays usable. */
void reasm_flush(reasm_dir *r, uint64_t ts_us, const reasm_callbacks *cb, void *ctx, int side);

/* The next `n` bytes after everything delivered so far are not needed: they
 * are consumed without delivery, never buffered, and a hole inside them is
 * not a gap. Counted in stats.bytes_skipped. Safe to call from a callback;
 * pending data that becomes in order is delivered by the next
 * reasm_segment()/reasm_flush(). */
void reasm_skip(reasm_dir *r, uint64_t n);

/* Payload bytes currently held out of order. */
static inline size_t reasm_pending_bytes(const reasm_dir *r) { return r->pending_bytes; }

/* Memory charged to the shared counter for one pending piece of n bytes. */
size_t reasm_piece_cost(size_t n);

#endif
