/*
 * diagnose.h — the verdict: a pure function of one session.
 *
 * Reads the session's step log, hello / CertificateRequest / CertificateVerify
 * copies, side_info and chain reports, and writes s->verdict, s->failed,
 * s->explanation (one paragraph), s->next_step (a concrete fix) and
 * s->findings (each side's chain findings copied with where = "client chain"
 * / "server chain", plus its own: client_ca_not_acceptable, tcp_gap,
 * deprecated_protocol, alert-derived findings, ...). Verdict names and
 * finding codes are the public contract in docs/troubleshooting-mtls.md.
 */
#ifndef MTLS_DIAGNOSE_H
#define MTLS_DIAGNOSE_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"

typedef struct diag_options {
    bool keylog_given;   /* a --keylog file was supplied (changes the "encrypted" advice) */
    bool client_ca_given; /* trust anchors for client chains were configured */
} diag_options;

/* Diagnose s in place. Any earlier diagnosis (verdict, explanation,
 * next_step, findings) is replaced, so calling it twice gives the same
 * result. opt may be NULL (defaults: all false). Never fails: on OOM the
 * verdict is still set but explanation/next_step may be NULL and findings
 * incomplete; reporters treat NULL strings as absent. */
void diag_run(session_t *s, const diag_options *opt);

/* The usual causes of an alert a server sends after seeing a client
 * certificate, in one sentence ("the server does not trust the CA that
 * issued the client certificate"); NULL for alerts with no
 * certificate-specific meaning. Static string. */
const char *diag_alert_cause(uint8_t alert_desc);

#endif
