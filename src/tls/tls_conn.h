/*
 * tls_conn.h — private to src/tls/: the per-connection state behind
 * tls_stream.h and the functions its parts share.
 *
 * The driver is split into parts, each with its own prefix:
 *   tls_stream.c         the public API (tls_stream.h): set-up, detection,
 *                        orientation, STARTTLS prologue, SSLv2 hello, TCP
 *                        events (tlss_)
 *   tls_builder.c        the session builder: the only code that appends
 *                        steps, records malformations, accumulates encrypted
 *                        steps record by record (tlsb_)
 *   tls_buf.c            the capped, charged per-connection buffers (tlsbuf_)
 *   tls_hs_state.c       the handshake observer's named states per side and
 *                        its pure transition function (tlshs_)
 *   tls_records.c        record framing, plaintext content, application data
 *                        (tlsr_)
 *   tls_keys.c           key log lookup, decryption state per direction,
 *                        record decryption, 0-RTT early data (tlsk_)
 *   tls_keywait.c        a key log still being written: records held until
 *                        the session's secrets arrive, then replayed (tlsw_)
 *   tls_handshake_map.c  handshake reassembly and the mapping of handshake
 *                        messages into session steps and owned copies (tlsh_)
 *   tls_hello_map.c      the hellos, for the handshake map (tlsh_)
 *   tls13_flight.c       TLS 1.3 without keys: encrypted flights (tlsf_)
 *   tls_app_peek.c       the first application exchange: HTTP/1, HTTP/2, gRPC (tlsa_)
 *   tls_app_proto.c      ... and the other protocols, decrypted or in the clear (tlsa_)
 *   tls_sslv2.c          SSL 2.0 records (tlsv2_)
 * Calls go down that list (stream -> records -> handshake map / flight ->
 * keys), and every part uses the builder and the buffers; nothing calls back
 * into tls_stream.c, and tls_conn.h does not include tls_stream.h.
 */
#ifndef MTLS_TLS_CONN_H
#define MTLS_TLS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app_reply_types.h"
#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"
#include "growbuf.h"
#include "keylog.h"
#include "session.h"
#include "tls_decrypt.h"
#include "tls_hs_state.h"
#include "tls_options.h"
#include "transcript.h"

/* An encrypted step being accumulated record by record (a TLS 1.3 flight
 * without keys, SSL 2.0 records, a sealed renegotiation flight): its place in
 * the log is taken at the first record; its counters live here and are written
 * into the step once, when it closes (tls_builder.c). */
typedef struct open_step {
    bool open;
    size_t idx;            /* the step's index in the session */
    uint32_t count, length;
    flight_sizes sizes;    /* kept when sized (TLS 1.3 flights) */
    bool sized;
} open_step;

/* Decryption keys of one direction. KEYS_FAILED is final: the key log's
 * secrets did not work, nothing is tried again for this direction. */
typedef enum dir_key_state {
    KEYS_NONE = 0, /* no decryption state (no key log entry, or not yet derived) */
    KEYS_READY,    /* decryption state is ready */
    KEYS_FAILED,   /* secrets could not be used or did not decrypt */
} dir_key_state;

/* TLS 1.3 without keys: where the encrypted handshake stands. */
typedef enum tls13_phase {
    T13_BEFORE_SERVER_HELLO = 0,
    T13_SERVER_FLIGHT,   /* after the ServerHello: the server's encrypted flight */
    T13_CLIENT_FLIGHT,   /* the client's encrypted flight (first client record after the server's) */
    T13_AFTER_HANDSHAKE, /* the server answered the client's flight: application data */
} tls13_phase;

/* TLS 1.3 0-RTT: the client early traffic keys, tried once on the first
 * early record. */
typedef enum early_state {
    EARLY_NOT_TRIED = 0,
    EARLY_UNAVAILABLE, /* no secret for it, or no offered suite decrypts the first record */
    EARLY_READY,       /* `early` decrypts the client's early records */
} early_state;

/* Reading the first HTTP exchange of one direction (tls_app_peek.c). */
typedef enum app_peek_state {
    PEEK_START = 0,   /* no decrypted application data yet */
    PEEK_H1_BODY,     /* HTTP/1.x status seen: looking for the server's words in the body */
    PEEK_H2,          /* HTTP/2: reading frames until the first HEADERS (and the body after it) */
    PEEK_PROTO,       /* another protocol (PostgreSQL, MySQL, MQTT, ...): tls_app_proto.c */
    PEEK_DONE,
} app_peek_state;

typedef struct app_peek {
    app_peek_state state;
    uint32_t records;     /* decrypted application records looked at */
    bool step_made;       /* this direction's STEP_APP was made (appended or pending) */
    /* A server response whose body may still name the refusal: built here and
     * appended to the session when it closes (words found, peek done, another
     * step, or the session taken), never patched in the log afterwards. */
    bool pending;
    uint64_t pending_ts;
    app_message pending_msg;  /* owned while pending */
    bool h2_preface_seen; /* client: the 24-byte connection preface was skipped */
    growbuf h2;           /* HTTP/2 (or another protocol's) bytes not yet framed (capped) */
    uint32_t proto_skip;  /* another protocol: body bytes of a message to drop unread */
    uint16_t resp_code;   /* server: the status of the response step made (for its body's words) */
    uint8_t resp_proto;   /* ... and its app_protocol */
} app_peek;

/* The application protocol of a connection that is not HTTP, as the
 * dissectors/app_reply.h parsers read it (tls_app_proto.c). */
typedef struct app_proto_peek {
    int proto;             /* ap_proto; 0 = not known (yet) */
    bool sniffed;          /* the first bytes were looked at */
    bool credentials;      /* the client sent a password or credential of its own */
    bool verified;         /* ... and the server proved it right (PostgreSQL SASLFinal) */
    bool client_step;      /* the client's first message is a step */
    bool server_step;      /* the server's first decisive message is a step */
    ap_ctx ctx;            /* what the server's answers depend on (dissectors/app_reply.h) */
} app_proto_peek;

typedef struct dir_state {
    bool detected;         /* TLS bytes started in this direction */
    bool dead;             /* stop parsing this direction */
    growbuf pro;           /* plaintext prologue (STARTTLS) awaiting a TLS record */
    growbuf rec;           /* partial record (header + body) */
    uint64_t skip;         /* body bytes of the current record to skip unbuffered */
    growbuf hs;            /* partial handshake message(s) */
    bool encrypted;        /* records from this side are encrypted (TLS 1.2 after CCS, 1.3 after SH) */
    dir_key_state key_state;
    bool app_keys;         /* TLS 1.3: switched to application traffic secret */
    decrypt_dir dec;
    uint32_t records;
    uint32_t app_steps;
    uint64_t first_byte_off;
    open_step acc;         /* the encrypted step this side is accumulating (tls_builder.c) */
    app_peek peek;         /* the first HTTP exchange in decrypted application data */
    bool resync;           /* after a gap: skip to the next plausible record header */
    bool after_gap;        /* records may have been lost: the decryption sequence number may be behind */
    bool app_data_seen;    /* application data came from this side */
    bool cert_msg_seen;    /* a Certificate message came from this side */
    bool rst_seen;
} dir_state;

/* TLS 1.0-1.2 renegotiation: a new handshake inside the encrypted stream
 * after both Finished (RFC 5246 7.4.1.1, RFC 5746). */
typedef enum reneg_phase {
    RENEG_NONE = 0,   /* no renegotiation running */
    RENEG_REQUESTED,  /* the server sent HelloRequest: the client's ClientHello is awaited */
    RENEG_HELLO,      /* the renegotiation's ClientHello was read (decrypted): its handshake runs */
    RENEG_SEALED,     /* the renegotiation runs in records we cannot decrypt */
} reneg_phase;

/* Records held while a session waits for its secrets from a key log that is
 * still being written (tls_keywait.c). */
typedef struct key_wait {
    bool on;               /* records are being held */
    bool entry;            /* waiting for the session's key log entry (its ServerHello had none) */
    bool pend_on[2];       /* direction d waits for secret pend[d] before it can (re)key */
    keylog_kind pend[2];
    uint32_t waits;        /* waits started (capped) */
    growbuf buf;           /* held records: {key_wait_hdr, record bytes}... (capped, charged) */
    uint32_t records;      /* held by the current wait */
    uint64_t since_ts;     /* packet time of the current wait's first held record */
} key_wait;

struct tls_conn {
    tlss_options opt;
    tlss_state state;
    int client_side;            /* caller side of the client, -1 unknown */
    endpoint_t ep[2];
    bool have_ep;
    session_t *s;
    dir_state d[2];             /* indexed by mtls_dir */
    transcript *tr;
    transcript *pha_tr;         /* TLS 1.3 post-handshake authentication: main transcript + CR ... */
    /* Where the handshake stands: one machine per side (tls_hs_state.h), fed
     * every handshake message by the handshake map, restarted by a
     * renegotiation. */
    tlshs_client hs_client;
    tlshs_server hs_server;
    uint32_t hs_unexpected[2];  /* messages from this direction the machines did not expect (noted only) */
    /* (whether a side has finished is the machine's state: tlsh_finished) */
    tls13_phase tls13_phase;    /* without keys: which encrypted flight is running */
    const keylog_entry *ke;
    bool closed[2];
    bool alerted[2];            /* this side sent a fatal alert or close_notify (read or encrypted) */
    app_proto_peek ap;          /* a protocol other than HTTP after the handshake */
    size_t buffered;
    decrypt_dir early;          /* TLS 1.3 0-RTT: client early traffic keys */
    early_state early_state;
    growbuf scratch;            /* decryption output (exact fit, charged) */
    bool sslv2;                 /* the server answered in SSL 2.0: both directions are SSL 2.0 records */
    bool sslv2_key_seen;        /* the client's CLIENT-MASTER-KEY was read */
    /* Renegotiation. The session keeps the first handshake's hellos (s->ch,
     * s->sh); a renegotiation's hellos go here, and the keys, transcript and
     * Finished checks follow *kch / *ksh: the hellos of the handshake whose
     * keys come next (the session's, or rch/rsh once the renegotiation's
     * ServerHello was read). */
    reneg_phase reneg;
    uint32_t n_renegs;          /* renegotiations seen */
    bool reneg_ccs[2];          /* this side's ChangeCipherSpec of the running renegotiation */
    client_hello_info rch;      /* the running (or last) renegotiation's ClientHello */
    server_hello_info rsh;      /* ... and ServerHello */
    const client_hello_info *kch;
    const server_hello_info *ksh;
    key_wait kw;                /* waiting for a live key log's secrets */
};

/* ------------------------------------------------------------------ tls_sslv2.c */

/* The server's first bytes are an SSL 2.0 SERVER-HELLO record. */
bool tlsv2_is_server_hello(const uint8_t *p, size_t n);
/* SSL 2.0 records of one direction (2- or 3-byte headers): SERVER-HELLO and
 * CLIENT-MASTER-KEY are read, everything after them is encrypted. */
void tlsv2_feed(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n);

/* ------------------------------------------------------------------ tls_stream.c */

/* Add delta bytes to this connection's and the shared buffered-bytes counters. */
void tlsbuf_charge(tls_conn *c, long delta);
/* Append n bytes to b (growbuf_append_first from TLSBUF_FIRST), growing it up to cap bytes and
 * charging the growth: 0, or -1 (over cap, out of memory; b unchanged). growbuf_consume drops
 * bytes (the capacity, and so the charge, stays). */
int tlsbuf_append(tls_conn *c, growbuf *b, const uint8_t *p, size_t n, size_t cap) MTLS_WARN_UNUSED;
/* Grow b to exactly need bytes when it holds fewer, charging the growth: 0, or -1 (out of memory). */
int tlsbuf_fit(tls_conn *c, growbuf *b, size_t need) MTLS_WARN_UNUSED;
/* Free b's memory and uncharge it. */
void tlsbuf_free(tls_conn *c, growbuf *b);
/* Append a step to the session: the step, or NULL (no session, out of memory). */
step_t *tlsb_add_step(tls_conn *c, uint64_t ts, mtls_dir d, step_kind k);
/* A step for a handshake message of len body bytes (decrypted when dec): the step, or NULL. */
step_t *tlsb_msg_step(tls_conn *c, uint64_t ts, mtls_dir d, step_kind k, uint32_t len, bool dec);
/* Replace st's detail with a formatted string (st may be NULL). */
void tlsb_set_detail(step_t *st, const char *fmt, ...) MTLS_PRINTF(2, 3);
/* A NUL-terminated copy of n bytes: the copy, or NULL (out of memory). */
char *tlsb_dup_view(const uint8_t *p, size_t n);
/* TLS 1.3 without keys: note an unreadable record of len bytes from d, logged by the
 * session's last step (the trace of sealed record sizes the diagnosis infers from). */
void tlsb_note_sealed(tls_conn *c, mtls_dir d, size_t len);
/* A framing error (record or handshake header): reported, and this direction is no longer read. */
void tlsb_mark_malformed(tls_conn *c, mtls_dir d, uint64_t ts, const char *what, dx_result r);
/* A message body that does not parse: reported, the framing is intact so reading goes on. */
void tlsb_body_malformed(tls_conn *c, mtls_dir d, uint64_t ts, const char *what, dx_result r);

/* ------------------------------------------------------------------ tls_builder.c */

/* Count an encrypted record of len bytes from d into d's accumulating step of
 * kind k: opens one (appended now, with detail, sized: keep the record sizes)
 * unless d's open step is the session's last step and of kind k. */
void tlsb_accumulate(tls_conn *c, mtls_dir d, uint64_t ts, step_kind k, size_t len, const char *detail,
                     bool sized);
/* True when d accumulates into an open step of kind k that is still the session's last step. */
bool tlsb_accumulating(const tls_conn *c, mtls_dir d, step_kind k);
/* Close d's accumulating step (the next record of d opens a new one). */
void tlsb_restart(tls_conn *c, mtls_dir d);
/* Write every open accumulating step's counters into its step and close it
 * (before the session is taken). */
void tlsb_close(tls_conn *c);

/* ------------------------------------------------------------------ tls_records.c */

/* Frame TLS records from the in-order bytes of one direction and process each. */
void tlsr_feed_records(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n);
/* Process one whole record (header included) framed earlier: a held record's replay. */
void tlsr_replay_record(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *rec, size_t reclen);

/* ------------------------------------------------------------------ tls_keywait.c */

/* Bytes of records one session holds while it waits for its secrets (a TLS
 * 1.3 handshake with a client certificate and the first exchange fit well). */
#define TLSW_HOLD_MAX (256u * 1024u)
/* ... and for this long (packet time, microseconds): a client writes its
 * secrets as it derives them, so a long-lived connection without them stops
 * holding its records (and memory) soon. */
#define TLSW_HOLD_MAX_US (10ull * 1000000ull)
/* The session's secrets are not in a key log still being written: hold its
 * records from now on (ServerHello time) until its entry has the secrets the
 * first keys need. */
void tlsw_wait_entry(tls_conn *c);
/* Direction d needs secret k, which the session's entry lacks: read the key
 * log now; still missing, hold the records from now on until it comes. True
 * when waiting (the set-up is done when it arrives), false when the secret is
 * there now or cannot be waited for (a complete key log, too many waits). */
bool tlsw_wait_secret(tls_conn *c, mtls_dir d, keylog_kind k);
/* A whole record of d while waiting: true when it was held (or replayed with
 * the secrets that just arrived), false when waiting ended (the hold is full:
 * the held records were replayed without keys) and the caller processes it. */
bool tlsw_hold(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *rec, size_t reclen);
/* End the wait now (a TCP event, the connection's end): read the key log once
 * more, then replay the held records, decrypted when the secrets came. */
void tlsw_settle(tls_conn *c);

/* ------------------------------------------------------------------ tls_keys.c */

/* Find this session's key log entry by the ClientHello random (notes its absence;
 * with a key log still being written, re-reads it and may start waiting: tlsw_start). */
void tlsk_lookup_keys(tls_conn *c);
/* The session's secrets arrived after its ServerHello (a key log being written):
 * what the lookup would have set up then (transcript hash, TLS 1.3 handshake keys). */
void tlsk_keys_arrived(tls_conn *c, const keylog_entry *ke);
/* TLS 1.0-1.2: set up direction d's decryption from the master secret (after its CCS). */
void tlsk_init12_dir(tls_conn *c, mtls_dir d);
/* TLS 1.3: set up direction d's decryption from the traffic secret of kind k. */
void tlsk_init13_dir(tls_conn *c, mtls_dir d, keylog_kind k);
/* Direction d's keys do not work (rc from tls_decrypt.h): no more decryption, noted in the session. */
void tlsk_keys_failed(tls_conn *c, mtls_dir d, int rc);
/* TLS 1.3: after d's Finished, switch d to its application traffic secret (once). */
void tlsk_finished(tls_conn *c, mtls_dir d);
/* TLS 1.3 KeyUpdate from d: the next application traffic secret, when d decrypts application data. */
void tlsk_key_update(tls_conn *c, mtls_dir d);
/* Make c->scratch hold blen bytes of decryption output: true, or false (out of memory). */
bool tlsk_scratch_fit(tls_conn *c, size_t blen) MTLS_WARN_UNUSED;
/* Decrypt one record of direction d (whose keys are ready) into c->scratch; after a gap, look
 * up to 64 sequence numbers ahead. DECRYPT_OK with *out_inner (content type) and *out_len,
 * or the decryption error with the sequence number unchanged. */
int tlsk_decrypt_record(tls_conn *c, mtls_dir d, const uint8_t *rec, size_t reclen, uint8_t *out_inner,
                        size_t *out_len) MTLS_WARN_UNUSED;
/* TLS 1.3 0-RTT: decrypt a client record with the client early traffic secret into c->scratch
 * (the first call tries each TLS 1.3 suite the client offered): true with *out_inner and
 * *out_len, or false (no early keys, or the record is not early data). */
bool tlsk_early_decrypt(tls_conn *c, const uint8_t *rec, size_t reclen, uint8_t *out_inner,
                        size_t *out_len) MTLS_WARN_UNUSED;

/* TLS 1.0-1.2 renegotiation, at its ServerHello: the next keys come from the key log entry of
 * the renegotiation's client random (none: the renegotiation is not decrypted after its CCS). */
void tlsk_renegotiation_keys(tls_conn *c);

/* ------------------------------------------------------------------ tls_handshake_map.c */

/* Handshake-record payload from d: reassemble messages across records and map each complete one. */
void tlsh_feed_handshake(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n, bool dec);
/* One complete handshake message (4-byte header + body) from d, from whatever carried it
 * (TLS records here, QUIC CRYPTO frames later): steps, owned copies, transcript, keys. */
void tlsh_message(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *msg, size_t msglen, bool dec);

/* TLS 1.0-1.2: a handshake message or encrypted handshake record from d after both Finished
 * starts a renegotiation: the STEP_RENEGOTIATION step (sealed: not dissected), the transcript
 * restarted for the new handshake. */
void tlsh_renegotiation_start(tls_conn *c, mtls_dir d, uint64_t ts, bool sealed, uint32_t sealed_len);
/* d has sent its Finished in the running handshake (the observer's state, tls_hs_state.h). */
bool tlsh_finished(const tls_conn *c, mtls_dir d);
/* An encrypted handshake record from d that can only be its Finished (TLS 1.0-1.2, read
 * without keys after its ChangeCipherSpec): the observer advances as for a Finished. */
void tlsh_sealed_finished(tls_conn *c, mtls_dir d);

/* ------------------------------------------------------------------ tls_hello_map.c */

/* A ClientHello body (TLS, or SSLv2-compatible when sslv2) of len bytes from d. */
void tlsh_client_hello(tls_conn *c, mtls_dir d, uint64_t ts, cur_t *body, bool sslv2, uint32_t len, bool dec);
/* A ServerHello or HelloRetryRequest body of len bytes from d. */
void tlsh_server_hello(tls_conn *c, mtls_dir d, uint64_t ts, cur_t *body, uint32_t len, bool dec);

/* ------------------------------------------------------------------ tls_app_peek.c */

/* Decrypted application data from d: the first HTTP/1.x request/status line or HTTP/2
 * :method/:path and :status become typed STEP_APP steps (step.app); nginx's words
 * for a certificate refusal in the response body are part of the response's payload,
 * which is held until they are found or the exchange closes. Looks at the first few
 * records of each direction only. */
void tlsa_app_data(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n);
/* Append a held response to the session now (before any other step, and before
 * the session is taken). */
void tlsa_flush(tls_conn *c);
/* Release what the peek buffered. */
void tlsa_free(tls_conn *c);

/* ------------------------------------------------------------------ tls_app_proto.c */

/* Whether the first application bytes of d speak a protocol other than HTTP
 * (PostgreSQL, MySQL, MQTT, Redis, LDAP, SMTP, IMAP, POP3: from the STARTTLS
 * prologue, the ALPN, or the bytes); true when they do and the peek took them. */
bool tlsa_proto_start(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n);
/* More application bytes of d in such a protocol: the client's first message
 * and the server's first decisive answer (accepted, refused, error) become
 * typed STEP_APP steps. */
void tlsa_proto_data(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n);
/* Bytes of d that are not a TLS record after a side ended TLS with an alert
 * (or, after the handshake, bytes of the connection's protocol in the clear):
 * a plaintext STEP_APP step (a MySQL error packet, or "N bytes in the clear")
 * and true, or false when they are to be reported as malformed. */
bool tlsa_plaintext(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n);

/* ------------------------------------------------------------------ tls13_flight.c */

/* TLS 1.3 without keys: count an encrypted record of len bytes from d into the running flight:
 * true, or false when it belongs to no flight (the caller logs it as application data). */
bool tlsf_flight_record(tls_conn *c, mtls_dir d, uint64_t ts, size_t len);

#endif
