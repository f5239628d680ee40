/*
 * conn_view.h — what a reporter is given for one finished connection: the
 * three stages' results, each read-only. Reporters compute nothing a test
 * could not check in the JSON.
 */
#ifndef MTLS_CONN_VIEW_H
#define MTLS_CONN_VIEW_H

#include "analysis.h"
#include "diagnose.h"
#include "session.h"

typedef struct conn_view {
    const session_t *s;     /* wire facts (src/tls) */
    const conn_analysis *a; /* certificate analysis (src/analysis) */
    const diagnosis *d;     /* verdict, explanation, findings (src/diagnose) */
} conn_view;

#endif
