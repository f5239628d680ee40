/*
 * conn_facts.h — small facts about one connection that several outputs show
 * the same way (CSV columns, JSON event.reason and mtls.*_certificate, the
 * summary's hidden count): read from the session, the analysis and the
 * diagnosis, never from other connections.
 */
#ifndef MTLS_CONN_FACTS_H
#define MTLS_CONN_FACTS_H

#include "conn_view.h"

/* Whether a side's certificate could be seen. */
typedef enum cert_seen {
    CERT_SEEN_NONE = 0, /* none was sent (or an empty Certificate), as far as the wire shows */
    CERT_SEEN_READ,     /* a certificate chain was read */
    CERT_SEEN_HIDDEN,   /* the side's handshake flight was encrypted and not decrypted (TLS 1.3
                         * without keys): whether it sent one, and which, is unknown */
} cert_seen;

cert_seen conn_cert_seen(const conn_view *c, mtls_dir d);
const char *cert_seen_name(cert_seen v); /* "none", "read", "hidden" */

/* What a failed connection comes down to, in one word (nothing for one that
 * did not fail): a fatal alert among the verdict's evidence steps, else an
 * application refusal among them ("http1 400", "postgresql 28000"), else the
 * first fatal alert, else the code of the first error-severity finding. */
typedef struct conn_cause {
    const char *kind;     /* "alert", "app", "finding", or NULL */
    const char *code;     /* alert name, "<protocol id> <code or state>", finding code; "" when kind is NULL */
    mtls_dir dir;         /* alert, app: who sent it */
    char buf[48];         /* holds an alert's name */
} conn_cause;

void conn_cause_of(const conn_view *c, conn_cause *out);

/* event.reason: "<what the verdict means>: <cause>", one line, e.g.
 * "client presented a certificate and the server refused it: the server sent
 * fatal alert certificate_expired". Written into buf (always terminated). */
const char *conn_reason(const conn_view *c, char *buf, size_t n);

#endif
