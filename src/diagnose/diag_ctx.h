/*
 * diag_ctx.h — what every part of the diagnosis reads and writes for one
 * connection: the context a rule's predicate and an explanation look at
 * (computed once), and the output an explanation writes. Private to
 * src/diagnose/; shared by the rules table, the explanations and the own
 * findings without any of them including another.
 */
#ifndef MTLS_DIAG_CTX_H
#define MTLS_DIAG_CTX_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis.h"
#include "diagnosis.h"
#include "facts.h"
#include "session.h"
#include "tls13_inference.h"
#include "wording.h"

/* Everything a rule may look at, computed once per connection. */
typedef struct diag_ctx {
    const session_t *s;
    const conn_analysis *a;
    const diag_options *opt; /* never NULL */
    facts f;
    long term;               /* first event that ends an unfinished handshake, or NONE */
    const step_t *ts;        /* that step, or NULL */
    bool cli_sent_cert;      /* the client presented a non-empty Certificate */
    bool cli_proof_failed;   /* ... and its CertificateVerify does not verify with it */
    bool srv_proof_failed;   /* the server's ServerKeyExchange signature does not verify with its
                              * certificate's key */
    bool cli_chain_invalid;  /* our own validation, against configured anchors, failed */
    bool srv_chain_invalid;  /* the same for the server's chain */
    bool app_refusal;        /* the server's application answer (HTTP, gRPC, PostgreSQL, ...)
                              * refused the client after the handshake */
    t13_inference t13;       /* TLS 1.3 without keys: what the sealed record sizes say */
} diag_ctx;

void diag_ctx_init(diag_ctx *c, const session_t *s, const conn_analysis *a, const diag_options *opt);

/* What an explanation writes: the paragraph (e), the fix (n), whether the
 * connection counts as failed (starts as the verdict table's value; only
 * evidence-driven verdicts such as TLS 1.3 inference change it), the
 * evidence level (starts as the row's) and the steps that support it. */
typedef struct diag_out {
    sb e, n;
    bool failed;
    evidence_t evidence;
    sb confirm;           /* inferred verdicts: how to confirm (e.g. "pass --keylog") */
    long steps[DIAG_MAX_EVIDENCE_STEPS];
    size_t n_steps;
} diag_out;

/* Cite step i (a step index, NONE ignored) as evidence; kept sorted, once. */
void diag_cite(diag_out *o, long i);

#endif
