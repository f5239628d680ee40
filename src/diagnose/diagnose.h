/*
 * diagnose.h — session + certificate analysis -> diagnosis: a pure function.
 *
 * Reads the session's step log and hello / CertificateRequest /
 * CertificateVerify copies and the certificate analysis (chain reports,
 * proof results, CA-list match, resumption link), all as const, and fills
 * the diagnosis it is given: the verdict, whether it counts as a failure and
 * as an established session, one paragraph of explanation, a concrete fix,
 * and the findings (the wire findings, each side's chain findings with
 * where = "client chain" / "server chain", plus its own:
 * client_ca_not_acceptable, tcp_gap, deprecated_protocol, alert findings, ...).
 * Verdict names and finding codes are the public contract in
 * docs/troubleshooting-mtls.md.
 */
#ifndef MTLS_DIAGNOSE_H
#define MTLS_DIAGNOSE_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis.h"
#include "findings.h"
#include "session.h"
#include "verdict.h"

typedef struct diag_options {
    bool keylog_given;    /* a --keylog file was supplied (changes the "encrypted" advice) */
    bool client_ca_given; /* trust anchors for client chains were configured */
    bool server_ca_given; /* trust anchors for server chains were configured (not the system store) */
} diag_options;

/* What a verdict rests on: a message, alert or status on the wire that says
 * so, or sizes, timing and our own validation. */
typedef enum evidence_t {
    EVIDENCE_OBSERVED = 0,
    EVIDENCE_INFERRED,
} evidence_t;

const char *evidence_name(evidence_t e); /* "observed" / "inferred" */

#define DIAG_MAX_EVIDENCE_STEPS 8

/* The diagnosis stage's own result. */
typedef struct diagnosis {
    verdict_t verdict;
    evidence_t evidence;
    /* the steps that support the verdict, as 1-based step numbers (the
     * numbering of findings' "step N"), ascending */
    uint32_t evidence_steps[DIAG_MAX_EVIDENCE_STEPS];
    size_t n_evidence_steps;
    char *confirm;        /* owned; inferred verdicts: how to confirm them; else NULL */
    bool failed;          /* counts towards exit code 1 */
    bool established;     /* ECS tls.established */
    bool resumed;         /* ECS tls.resumed: an abbreviated handshake (session ID, ticket or
                           * PSK), decided once from the wire facts (facts.c) */
    char *explanation;    /* owned; NULL on OOM (reporters treat NULL as absent) */
    char *next_step;      /* owned; NULL on OOM */
    finding_list findings;
} diagnosis;

/* Diagnose into *out (initialised here; release with diagnosis_cleanup).
 * a may be NULL (nothing analysed); opt may be NULL (defaults: all false).
 * Never fails: on OOM the verdict is still set but explanation/next_step may
 * be NULL and findings incomplete. */
void diag_run(const session_t *s, const conn_analysis *a, const diag_options *opt, diagnosis *out);
void diagnosis_cleanup(diagnosis *d); /* NULL is a no-op */

/* The usual causes of an alert a server sends after seeing a client
 * certificate, in one sentence ("the server does not trust the CA that
 * issued the client certificate"); NULL for alerts with no
 * certificate-specific meaning. Static string. */
const char *diag_alert_cause(uint8_t alert_desc);

#endif
