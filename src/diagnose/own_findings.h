/* own_findings.h — the diagnosis's findings. Private to src/diagnose/. */
#ifndef MTLS_DIAG_OWN_FINDINGS_H
#define MTLS_DIAG_OWN_FINDINGS_H

#include "diag_ctx.h"

/* Append to out->findings: both sides' chain findings (where = "client
 * chain..." / "server chain..."), then the diagnosis's own. */
void diag_own_findings(const diag_ctx *c, diagnosis *out);

#endif
