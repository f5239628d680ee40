/*
 * rules.h — the verdict as the first matching row of an ordered table.
 * Private to src/diagnose/.
 *
 * Each row pairs a predicate over the facts of one connection with the
 * verdict it decides and the function that explains it. The table's order is
 * the precedence between verdicts and lives only in rules.c.
 */
#ifndef MTLS_DIAG_RULES_H
#define MTLS_DIAG_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis.h"
#include "diagnose.h"
#include "facts.h"
#include "tls13_inference.h"
#include "session.h"
#include "verdict.h"
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
    bool http_cert_refusal;  /* the server's first HTTP response refuses for a certificate reason */
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

typedef void (*diag_explain_fn)(const diag_ctx *c, diag_out *o);

typedef struct diag_rule {
    const char *name;                      /* what the row recognises, for tests and docs */
    verdict_t verdict;
    evidence_t evidence;                   /* what the predicate rests on */
    bool (*applies)(const diag_ctx *c);
    diag_explain_fn explain;
} diag_rule;

/* The table, in precedence order; its last row matches every connection. */
const diag_rule *diag_rules(size_t *n_rules);
/* The first row whose predicate holds. Never NULL. */
const diag_rule *diag_first_rule(const diag_ctx *c);

#endif
