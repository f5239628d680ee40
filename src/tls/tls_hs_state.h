/*
 * tls_hs_state.h — where a handshake stands, as a pure transition function
 * (tlshs_): no tls_conn, no session, no parsing. The handshake map
 * (tls_handshake_map.c) feeds it the type of each handshake message it maps.
 *
 * Each side has its own machine, an enum of named states starting at 0 with
 * nothing seen, named as the endpoint sees it (RFC 8446
 * appendix A, extended to TLS 1.0-1.2 and to the messages the side sends,
 * which a passive observer sees one by one): the client side (DIR_C2S) and
 * the server side (DIR_S2C). Both machines are fed every message, from
 * either direction.
 *
 * A message the machine does not expect is TLSHS_UNEXPECTED: the observer
 * notes it and maps the message as usual (it records what happened, it does
 * not enforce the protocol). The state then stays, with one exception that
 * keeps "this side's Finished was seen" exact: a side's own Finished always
 * takes its machine to a finished state (tlshs_*_finished()), and no message
 * takes it out of one. Only a renegotiation restarts the machines
 * (TLSHS_RENEGOTIATE: when both machines say so, the caller starts both again
 * at their START and feeds the message anew).
 */
#ifndef MTLS_TLS_HS_STATE_H
#define MTLS_TLS_HS_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"

/* The client side's machine (DIR_C2S). */
typedef enum tlshs_client {
    TLSHS_C_START = 0,             /* nothing yet: the ClientHello comes next */
    TLSHS_C_HELLO_REQUESTED,       /* TLS 1.0-1.2: the server's HelloRequest asks for a ClientHello */
    TLSHS_C_WAIT_SH,               /* ClientHello sent: ServerHello or HelloRetryRequest */
    TLSHS_C_SEND_CH2,              /* HelloRetryRequest received: the second ClientHello */
    TLSHS_C_WAIT_SH2,              /* second ClientHello sent: ServerHello (no second HRR) */
    TLSHS_C13_WAIT_EE,             /* TLS 1.3 ServerHello received: EncryptedExtensions */
    TLSHS_C13_WAIT_CERT_CR,        /* EncryptedExtensions: CertificateRequest, Certificate, or Finished (PSK) */
    TLSHS_C13_WAIT_CERT,           /* CertificateRequest received: the server's Certificate */
    TLSHS_C13_WAIT_CV,             /* server Certificate: CertificateVerify */
    TLSHS_C13_WAIT_CV_AUTH,        /* ... after a CertificateRequest */
    TLSHS_C13_WAIT_FINISHED,       /* server CertificateVerify: the server's Finished */
    TLSHS_C13_WAIT_FINISHED_AUTH,  /* ... after a CertificateRequest */
    TLSHS_C13_SEND_CERT,           /* server Finished after a CertificateRequest: the client's Certificate */
    TLSHS_C13_SEND_CV_OR_FINISHED, /* client Certificate (empty: no CertificateVerify) */
    TLSHS_C13_SEND_FINISHED,       /* the client's Finished (EndOfEarlyData may come first) */
    TLSHS_C12_WAIT_CERT,           /* TLS 1.0-1.2 ServerHello received: Certificate, or SKE/SHD
                                      (anonymous, PSK), or NewSessionTicket/Finished (abbreviated) */
    TLSHS_C12_WAIT_SKE,            /* server Certificate: CertificateStatus, SKE, CR or ServerHelloDone */
    TLSHS_C12_WAIT_CR,             /* ServerKeyExchange: CertificateRequest or ServerHelloDone */
    TLSHS_C12_WAIT_SHD_AUTH,       /* CertificateRequest: ServerHelloDone */
    TLSHS_C12_SEND_CERT,           /* ServerHelloDone after a CertificateRequest: the client's Certificate */
    TLSHS_C12_SEND_CKE,            /* ServerHelloDone: ClientKeyExchange */
    TLSHS_C12_SEND_CKE_AUTH,       /* client Certificate sent: ClientKeyExchange */
    TLSHS_C12_SEND_CV_OR_FINISHED, /* ClientKeyExchange after a Certificate (empty: no CertificateVerify) */
    TLSHS_C12_SEND_FINISHED,       /* the client's Finished, which opens the end of a full handshake */
    TLSHS_C12_WAIT_FINISHED,       /* client Finished sent: NewSessionTicket, the server's Finished */
    TLSHS_C12_ABBR_WAIT_FINISHED,  /* abbreviated: NewSessionTicket received, the server's Finished */
    TLSHS_C12_ABBR_SEND_FINISHED,  /* abbreviated: server Finished received, the client's Finished */
    TLSHS_C_CONNECTED,             /* both Finished: KeyUpdate, NewSessionTicket, CR (1.3), renegotiation (1.2) */
    TLSHS_C_PHA_SEND_CERT,         /* TLS 1.3 post-handshake CertificateRequest: the client's Certificate */
    TLSHS_C_PHA_SEND_CV_OR_FINISHED,
    TLSHS_C_PHA_SEND_FINISHED,
    TLSHS_C_N_STATES
} tlshs_client;

/* The server side's machine (DIR_S2C). */
typedef enum tlshs_server {
    TLSHS_S_START = 0,             /* nothing yet: the ClientHello comes next */
    TLSHS_S_HELLO_REQUESTED,       /* TLS 1.0-1.2: HelloRequest sent, the client's ClientHello */
    TLSHS_S_SEND_SH,               /* ClientHello received: ServerHello or HelloRetryRequest */
    TLSHS_S_WAIT_CH2,              /* HelloRetryRequest sent: the second ClientHello */
    TLSHS_S_SEND_SH2,              /* second ClientHello: ServerHello (no second HRR) */
    TLSHS_S13_SEND_EE,             /* TLS 1.3 ServerHello sent: EncryptedExtensions */
    TLSHS_S13_SEND_CERT_CR,        /* EncryptedExtensions: CertificateRequest, Certificate, or Finished (PSK) */
    TLSHS_S13_SEND_CERT,           /* CertificateRequest sent: the server's Certificate */
    TLSHS_S13_SEND_CV,             /* server Certificate: CertificateVerify */
    TLSHS_S13_SEND_CV_AUTH,        /* ... after a CertificateRequest */
    TLSHS_S13_SEND_FINISHED,       /* server CertificateVerify: the server's Finished */
    TLSHS_S13_SEND_FINISHED_AUTH,  /* ... after a CertificateRequest */
    TLSHS_S13_WAIT_CERT,           /* server Finished after a CertificateRequest: the client's Certificate */
    TLSHS_S13_WAIT_CV_OR_FINISHED, /* client Certificate (empty: no CertificateVerify) */
    TLSHS_S_WAIT_FINISHED,         /* server Finished sent (TLS 1.3, or a TLS 1.2 abbreviated handshake):
                                      the client's Finished */
    TLSHS_S12_SEND_CERT,           /* TLS 1.0-1.2 ServerHello sent: Certificate, SKE, SHD,
                                      or NewSessionTicket/Finished (abbreviated) */
    TLSHS_S12_SEND_SKE,            /* server Certificate: CertificateStatus, SKE, CR or ServerHelloDone */
    TLSHS_S12_SEND_CR,             /* ServerKeyExchange: CertificateRequest or ServerHelloDone */
    TLSHS_S12_SEND_SHD_AUTH,       /* CertificateRequest: ServerHelloDone */
    TLSHS_S12_WAIT_CERT,           /* ServerHelloDone after a CertificateRequest: the client's Certificate */
    TLSHS_S12_WAIT_CKE,            /* ServerHelloDone: ClientKeyExchange */
    TLSHS_S12_WAIT_CKE_AUTH,       /* client Certificate: ClientKeyExchange */
    TLSHS_S12_WAIT_CV_OR_FINISHED, /* ClientKeyExchange after a Certificate: CertificateVerify or Finished */
    TLSHS_S12_WAIT_FINISHED,       /* ClientKeyExchange (or CertificateVerify): the client's Finished */
    TLSHS_S12_SEND_FINISHED,       /* client Finished: NewSessionTicket, the server's Finished */
    TLSHS_S12_ABBR_SEND_FINISHED,  /* abbreviated: NewSessionTicket sent, the server's Finished */
    TLSHS_S_CONNECTED,             /* both Finished: KeyUpdate, NewSessionTicket, CR (1.3), renegotiation (1.2) */
    TLSHS_S_PHA_WAIT_CERT,         /* TLS 1.3 post-handshake CertificateRequest sent: the client's Certificate */
    TLSHS_S_PHA_WAIT_CV_OR_FINISHED,
    TLSHS_S_PHA_WAIT_FINISHED,
    TLSHS_S_N_STATES
} tlshs_server;

/* What the ServerHello settled (TLSHS_V_UNKNOWN before it). */
typedef enum tlshs_version {
    TLSHS_V_UNKNOWN = 0,
    TLSHS_V_12, /* SSL 3.0 - TLS 1.2 */
    TLSHS_V_13, /* TLS 1.3 (and its drafts) */
} tlshs_version;

/* The message fed to tlshs_next(): the handshake type byte (TLS_HS_*), or: */
#define TLSHS_MSG_HRR 0x100u /* a HelloRetryRequest (a ServerHello on the wire) */

typedef enum tlshs_verdict {
    TLSHS_EXPECTED = 0,
    TLSHS_UNEXPECTED,  /* not allowed here: noted, not acted on */
    TLSHS_RENEGOTIATE, /* TLS 1.0-1.2: a HelloRequest or ClientHello after the handshake starts a new one */
} tlshs_verdict;

typedef struct tlshs_client_step {
    tlshs_client next;
    tlshs_verdict verdict;
} tlshs_client_step;

typedef struct tlshs_server_step {
    tlshs_server next;
    tlshs_verdict verdict;
} tlshs_server_step;

/* The state after message msg (TLS_HS_* or TLSHS_MSG_HRR) sent in direction dir, in a
 * handshake of version v; see the header comment for the unexpected outcome. */
tlshs_client_step tlshs_client_next(tlshs_client s, unsigned msg, mtls_dir dir, tlshs_version v);
tlshs_server_step tlshs_server_next(tlshs_server s, unsigned msg, mtls_dir dir, tlshs_version v);
/* The side has sent its Finished in the running handshake. */
bool tlshs_client_finished(tlshs_client s);
bool tlshs_server_finished(tlshs_server s);

#endif
