/*
 * tls_stream.h — per-connection TLS driver.
 *
 * Takes the in-order bytes of each direction (from TCP reassembly), detects
 * TLS by content (also after a STARTTLS plaintext prologue), frames records
 * across segments (zero-copy when a record sits inside one delivery),
 * decrypts when the key log has this session's secrets, reassembles
 * handshake messages across records, runs the pure dissectors and appends
 * steps and owned copies to the session.
 */
#ifndef MTLS_TLS_STREAM_H
#define MTLS_TLS_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keylog.h"
#include "session.h"
#include "tls_options.h"

/* A new connection. client_side: the caller's side (0/1) of the client when
 * it knows it (from the SYN), else -1: the driver then decides from the first
 * bytes. */
tls_conn *tlss_new(const tlss_options *opt, int client_side);
void tlss_free(tls_conn *c); /* NULL is a no-op; frees the session unless taken */
/* Endpoints of side 0 and side 1, copied into the session once it exists. */
void tlss_set_endpoints(tls_conn *c, const endpoint_t *side0, const endpoint_t *side1);

/* Feed in-order bytes sent by `side`. */
void tlss_data(tls_conn *c, int side, uint64_t ts_us, const uint8_t *bytes, size_t n);
/* TCP events: gap of len bytes at stream offset, FIN, RST (the SYN orients
 * the flow: the caller passes the client side to tlss_new). */
void tlss_gap(tls_conn *c, int side, uint64_t ts_us, uint64_t len);
void tlss_fin(tls_conn *c, int side, uint64_t ts_us);
void tlss_rst(tls_conn *c, int side, uint64_t ts_us);
/* Add a final step (capture end / eviction) before reporting; an eviction
 * also gets the `evicted` wire finding. cause (may be NULL) says why it was
 * evicted ("idle for 300 s (--idle-timeout)"), kept with reason as the step's
 * typed payload (step.end). */
void tlss_end(tls_conn *c, uint64_t ts_us, step_kind why, end_cause reason, const char *cause);
/* TCP reassembly saw a retransmission that disagrees with bytes already
 * delivered (len bytes): the `tcp_overlap_conflict` wire finding, once. */
void tlss_overlap_conflict(tls_conn *c, uint64_t len);
/* Number the session (1-based, capture order) once it exists: true when this
 * call numbered it, false when there is no session yet or it has a number. */
bool tlss_assign_id(tls_conn *c, uint64_t id);

tlss_state tlss_get_state(const tls_conn *c);
const session_t *tlss_session(const tls_conn *c); /* NULL until TLS is detected */
session_t *tlss_take_session(tls_conn *c);        /* caller owns it afterwards */
/* Both sides closed (FIN or RST seen). */
bool tlss_closed(const tls_conn *c);
/* Per-direction bytes the caller may skip in reassembly (application data
 * whose record framing is known); 0 when none. Consumes the value. */
uint64_t tlss_take_skip(tls_conn *c, int side);

#endif
