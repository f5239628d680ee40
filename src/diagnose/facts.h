/*
 * facts.h — what the step log says, gathered once per connection: the index
 * of the first step of each kind that matters to the verdict (or NONE), and
 * a few conclusions drawn from their order. Private to src/diagnose/; a pure
 * view of the session, stored nowhere else.
 */
#ifndef MTLS_DIAG_FACTS_H
#define MTLS_DIAG_FACTS_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"

#define NONE (-1L)

typedef struct facts {
    long ch, sh, hrr;
    long srv_cert, cli_cert; /* Certificate step per side */
    uint32_t srv_cert_count, cli_cert_count;
    long certreq, cli_cv, cli_cke;
    long ccs[2], fin[2], app[2], enc_hs[2]; /* indexed 0 = client, 1 = server */
    long alert;              /* first terminating alert */
    long close;              /* first FIN or RST */
    long gap, end, malformed;
    long app_srv;            /* the server's application answer: its first STEP_APP step that
                              * decides (accepted, refused, error), else its first one */
    long app_body;           /* a later step with the words of that answer's body, or NONE */
    bool completed;          /* both sides finished and nobody refused right after */
    bool resumed;            /* abbreviated handshake */
    bool tls13_nokeys;       /* TLS 1.3 whose client flight could not be read */
    int http_status;         /* status of the server's first HTTP response (HTTP/1.x status
                              * line or h2 :status), 0 when none was read (or gRPC) */
    const char *http_reason; /* the server's words for a certificate refusal in that
                              * response (nginx's page), or NULL; the step's app.message */
    app_outcome app_outcome; /* what the server's application answer says (typed) */
    bool app_credentials;    /* that answer refused after the client offered its own credentials */
    bool srv_app_decrypted;  /* some server application data was read (decrypted or in the
                              * clear): the answer is known, never "encrypted" */
    bool hello_malformed;    /* a ClientHello or ServerHello step whose body did not parse */
    /* TLS 1.0-1.2 renegotiation (the last one): its step, whether it was
     * read (decrypted and a full handshake: the facts above then come from
     * its steps on, the first handshake's are superseded), whether both its
     * Finished were seen, and whether the first handshake had a client
     * certificate */
    long reneg;
    bool reneg_sealed;       /* not decrypted: what it carried is unknown */
    bool reneg_read;         /* the facts above start at f->reneg */
    bool reneg_finished;
    bool first_cli_cert;     /* a non-empty client Certificate before the renegotiation */
    uint32_t srv_app_records, srv_app_bytes; /* server application data after both Finished
                                              * (the records the step log keeps) */
} facts;

/* Fill *f from the session's step log. */
void facts_gather(const session_t *s, facts *f);

/* A plaintext or encrypted alert step. */
bool step_is_alert(const step_t *st);
/* An alert that ends the handshake: fatal, encrypted (unreadable), or a
 * close_notify / user_canceled warning. Other warnings (unrecognized_name,
 * no_renegotiation) are survivable. */
bool step_is_terminating_alert(const step_t *st);
/* A Certificate or CompressedCertificate step. */
bool step_is_certificate(const step_t *st);

#endif
