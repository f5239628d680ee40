/*
 * finding_codes.h — the vocabulary of finding codes: one row per code with
 * its usual severity and what it means, in one table (finding_codes.c).
 *
 * Each code is emitted by the module that detects it (chain findings from
 * the validation's verr_table, wire findings from src/tls/, the diagnosis's
 * own from src/diagnose/); this table is the list of them all, and
 * tests/e2e/docs.test.sh fails when a code the source emits is missing here
 * or from docs/troubleshooting-mtls.md.
 */
#ifndef MTLS_FINDING_CODES_H
#define MTLS_FINDING_CODES_H

#include <stddef.h>

#include "findings.h"

typedef struct finding_code_info {
    const char *code;      /* stable snake_case name (public contract) */
    finding_sev severity;  /* the usual severity (an emitter may choose another) */
    const char *meaning;   /* one line: what it says about the connection */
} finding_code_info;

/* All rows, in the order of the table. */
const finding_code_info *finding_codes(size_t *n);

#endif
