/*
 * diagnosis.h — the diagnosis stage's vocabulary: its options, its result
 * and what a verdict rests on. Types only, so that the stage's parts (rules,
 * explanations, own findings) share them without including the stage's entry
 * point (diagnose.h), which includes them.
 */
#ifndef MTLS_DIAGNOSIS_H
#define MTLS_DIAGNOSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "findings.h"
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

#endif
