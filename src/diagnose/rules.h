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

#include "diag_ctx.h"
#include "verdict.h"

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
