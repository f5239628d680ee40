/*
 * alert_knowledge.h — what an alert usually means, one table keyed by the
 * names of dissectors/tls_alert.h. diag_alert_cause is public (diagnose.h
 * includes this header); the rest is private to src/diagnose/.
 */
#ifndef MTLS_DIAG_ALERT_KNOWLEDGE_H
#define MTLS_DIAG_ALERT_KNOWLEDGE_H

#include <stdbool.h>
#include <stdint.h>

/* The usual cause of an alert sent during parameter negotiation, in one
 * clause ("the two sides share no protocol version"); NULL when it has none. */
const char *diag_negotiation_cause(uint8_t alert_desc);
/* Alerts that only negotiation sends (version, parameters, ALPN, extensions):
 * after a certificate they still do not mean the certificate was refused. */
bool diag_is_negotiation_alert(uint8_t alert_desc);

/* The usual causes of an alert a server sends after seeing a client
 * certificate, in one sentence ("the server does not trust the CA that
 * issued the client certificate"); NULL for alerts with no
 * certificate-specific meaning. Static string. */
const char *diag_alert_cause(uint8_t alert_desc);

#endif
