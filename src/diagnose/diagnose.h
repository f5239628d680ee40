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

#include "alert_knowledge.h" /* diag_alert_cause */
#include "analysis.h"
#include "diagnosis.h"
#include "session.h"

/* Diagnose into *out (initialised here; release with diagnosis_cleanup).
 * a may be NULL (nothing analysed); opt may be NULL (defaults: all false).
 * Never fails: on OOM the verdict is still set but explanation/next_step may
 * be NULL and findings incomplete. */
void diag_run(const session_t *s, const conn_analysis *a, const diag_options *opt, diagnosis *out);
void diagnosis_cleanup(diagnosis *d); /* NULL is a no-op */

#endif
