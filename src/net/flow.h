/*
 * flow.h — bidirectional TCP flow table.
 *
 * An open-addressing hash table (linear probing, backward-shift deletion, no
 * tombstones) over a pool of flows reserved once by flow_table_new() (pages
 * are touched only as flows open); the slot array starts small and doubles
 * as open flows grow, the only allocation after flow_table_new(). The hash is symmetric, so both directions of a
 * connection find the same flow.
 *
 * Sides: side 0 is the endpoint that sent the packet which created the flow
 * (key.addr[0]/key.port[0]); side 1 is its peer. flow_table_get() tells which
 * side sent each packet. Which side is the TLS client is a separate question
 * answered by the caller (SYN or ClientHello) and stored in client_side.
 *
 * Flows are also kept on an LRU list ordered by last packet time (most
 * recently looked-up last), so the least recently seen flow — the one to
 * evict when the table is full or memory runs short — is found in O(1).
 * Iteration follows that list, which makes it independent of hash order.
 */
#ifndef MTLS_FLOW_H
#define MTLS_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "reassembly.h"

typedef struct flow_key {
    uint8_t family;      /* 4 or 6 */
    uint8_t addr[2][16]; /* IPv4 in the first 4 bytes, rest zero */
    uint16_t port[2];    /* host byte order */
} flow_key;

typedef struct flow {
    flow_key key;
    int client_side;     /* -1 unknown, else 0 or 1 (set by the caller) */
    uint64_t first_ts_us;
    uint64_t last_ts_us;
    uint64_t first_frame; /* the caller's number of the packet that created the flow */
    reasm_dir *dir;      /* dir[s]: bytes sent by side s; NULL until flow_dirs() (first payload) */
    uint32_t isn[2];     /* before dir exists: each side's SYN sequence number ... */
    uint8_t syn_seen;    /* ... when bit s is set (flow_note_syn) */
    void *user;          /* the caller's per-connection state (never touched here) */
    void *kept;          /* the caller's copy of the flow's packets for -w (never touched here) */
    /* private */
    struct flow *lru_prev, *lru_next; /* prev = older, next = newer */
    uint32_t hash;
    bool in_use;
} flow_t;

typedef struct flow_table flow_table;

/* A table for at most max_flows concurrent flows (max_flows >= 1, at most
 * 2^30). The pool is reserved here, the slot array grows with open flows.
 * Returns NULL on bad size or out of memory. */
flow_table *flow_table_new(size_t max_flows);

/* Frees the table. Flows still present get reasm_cleanup() on both directions
 * (no callbacks, no flush); their `user` pointers are not touched: free them
 * first (flow_table_foreach). NULL is a no-op. */
void flow_table_free(flow_table *t);

/* Reassembly limits given to the directions of flows created from now on
 * (copied; a `total` counter must outlive the table). Defaults: reasm_init(NULL). */
void flow_table_set_reasm_limits(flow_table *t, const reasm_limits *lim);

/*
 * Find the flow of a packet src:sport -> dst:dport (family 4: 4-byte
 * addresses, family 6: 16 bytes). When found, its last_ts_us becomes ts_us
 * and it moves to the newest end of the LRU list. When absent and `create` is
 * true, a new flow is made (side 0 = src, client_side -1, user NULL, both
 * directions reasm_init'ed) and *created_out is set to true.
 * Returns NULL when absent and not created: create is false, the family is
 * not 4/6, or the table is full (then created_out is false and stats.full
 * counts it: the caller evicts, e.g. flow_table_lru_oldest, and retries).
 * side_out (may be NULL) receives 0 when src is side 0, else 1.
 * The flow pointer stays valid until flow_table_remove()/flow_table_free().
 */
flow_t *flow_table_get(flow_table *t, int family, const uint8_t *src, const uint8_t *dst,
                       uint16_t sport, uint16_t dport, uint64_t ts_us, bool create,
                       int *side_out, bool *created_out);

/* Remove a flow: reasm_cleanup() on both directions (pending data is freed,
 * not delivered: call reasm_flush first if you want it), then the slot and
 * the pool entry are reused. `user` is not freed. f must belong to t. */
void flow_table_remove(flow_table *t, flow_t *f);

/* Remember that f ended at ts_us (call before flow_table_remove): packets of
 * it that come later without a SYN (a retransmitted FIN, a late RST or ACK,
 * a retransmission after the close) are strays, not a new connection. The
 * memory holds the last closes (FLOW_CLOSED_SLOTS slots unless set below),
 * oldest forgotten first when they collide. */
void flow_table_remember_closed(flow_table *t, const flow_t *f, uint64_t ts_us);
/* The slots of that memory: n rounded down to a power of two between 64 and
 * FLOW_CLOSED_SLOTS (a --threads worker sees its share of the closes, and
 * its share of the slots remembers them as long). Before the first close. */
#define FLOW_CLOSED_SLOTS 8192u
void flow_table_set_closed_slots(flow_table *t, size_t n);
/* Whether the packet's flow (either direction) ended at most window_us
 * before ts_us and is remembered. */
bool flow_table_recently_closed(const flow_table *t, int family, const uint8_t *src, const uint8_t *dst,
                                uint16_t sport, uint16_t dport, uint64_t ts_us, uint64_t window_us);

/* Least recently seen flow, or NULL when empty. */
flow_t *flow_table_lru_oldest(const flow_table *t);
/* Next newer flow on the LRU list, or NULL. Grab it before removing f. */
static inline flow_t *flow_lru_newer(const flow_t *f) { return f->lru_next; }

/* Calls fn on every flow, oldest first. fn may remove the flow it is given
 * (and only that one). */
void flow_table_foreach(flow_table *t, void (*fn)(flow_table *t, flow_t *f, void *ctx), void *ctx);

size_t flow_table_count(const flow_table *t);

/* A SYN-only flow (a scan, a flood, a refused connection) has no reassembly
 * state: only its SYNs' sequence numbers (flow_note_syn). flow_dirs() makes the
 * two directions at the first payload byte (both reasm_init'ed with the
 * table's limits, each SYN seen replayed) and returns f->dir; NULL when out
 * of memory. */
void flow_note_syn(flow_t *f, int side, uint32_t seq, uint8_t tcp_flags);
reasm_dir *flow_dirs(flow_table *t, flow_t *f);

/* Drop both directions' buffered bytes and start reassembly afresh (the flow
 * turned out not to be TLS: only its sequence numbers are tracked on). */
void flow_reset_reassembly(flow_t *f, const reasm_limits *lim);
/* Both sides sent FIN. */
bool flow_both_fin(const flow_t *f);

#endif
