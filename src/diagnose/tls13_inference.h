/*
 * tls13_inference.h — TLS 1.3 without keys: what the sizes of the sealed
 * records say, computed from the session's record trace (one entry per
 * record, in the order both directions were seen), so the answer is the
 * same however the records were packed into segments or flights. Private to
 * src/diagnose/.
 *
 * The client's Finished is a record of exactly 4 + hash + 1 + tag bytes
 * (53 or 69 with a 16-byte tag); what the client sent before it in its
 * flight tells whether it sent no Certificate (nothing: the server did not
 * ask), an empty one (25 bytes: asked, had none) or one with a
 * CertificateVerify (hundreds of bytes). What the server sent after it
 * tells whether it went on (a record over 35 bytes: tickets, data) or
 * answered with one or two alert-sized records and the connection closed.
 * Record padding or record_size_limit would change the sizes: inference.
 */
#ifndef MTLS_DIAG_TLS13_INFERENCE_H
#define MTLS_DIAG_TLS13_INFERENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "facts.h"
#include "session.h"

typedef enum t13_client_cert {
    T13_CERT_UNKNOWN = 0, /* the client's flight was not seen or its sizes fit nothing */
    T13_CERT_NONE,        /* Finished alone: no Certificate message, so no CertificateRequest */
    T13_CERT_EMPTY,       /* an empty Certificate before Finished */
    T13_CERT_SENT,        /* a Certificate and CertificateVerify before Finished */
} t13_client_cert;

typedef enum t13_answer {
    T13_ANSWER_UNKNOWN = 0, /* nothing after the client's Finished and no close (capture ended) */
    T13_ANSWER_WENT_ON,     /* the server sent a record larger than an alert */
    T13_ANSWER_ALERT_CLOSE, /* one or two alert-sized records, then the connection closed */
    T13_ANSWER_SILENT_CLOSE,/* the server closed without sending anything */
} t13_answer;

typedef struct t13_inference {
    bool server_flight_seen;
    bool client_left_after_server_flight; /* the client sent no Finished after the server's flight
                                           * (nothing, or one or two alert-sized records) and
                                           * the connection closed */
    uint32_t fin_len;              /* expected Finished record size */
    long client_fin;               /* trace index of the client's Finished record, or -1 */
    uint32_t client_pre_records, client_pre_bytes; /* before its Finished, in its flight */
    t13_client_cert client_cert;
    t13_answer answer;
    uint32_t answer_records, answer_bytes; /* server records after the client's Finished */
    long steps[4];                 /* steps that carry the evidence (NONE when absent) */
} t13_inference;

/* Infer from s->sealed and the close steps in f. */
void t13_infer(const session_t *s, const facts *f, t13_inference *out);

#endif
