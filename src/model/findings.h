/*
 * findings.h — findings are separate from the verdict: {severity, code,
 * message, where}. Codes are stable snake_case strings (public contract, see
 * docs/troubleshooting-mtls.md), e.g. cert_expired, untrusted_root,
 * missing_intermediate, eku_no_client_auth, weak_key, tcp_gap.
 */
#ifndef MTLS_FINDINGS_H
#define MTLS_FINDINGS_H

#include <stdarg.h>
#include <stddef.h>

#include "compiler.h"

typedef enum finding_sev {
    SEV_INFO = 0,
    SEV_WARNING,
    SEV_ERROR,
} finding_sev;

typedef struct finding {
    finding_sev severity;
    char *code;    /* owned, snake_case */
    char *message; /* owned, one plain sentence a person can act on */
    char *where;   /* owned, e.g. "client chain[0]", "S->C record 3"; may be NULL */
} finding_t;

typedef struct finding_list {
    finding_t *items;
    size_t n, cap;
} finding_list;

/* Append a finding; message is printf-formatted. Returns 0, or -1 on OOM. */
int findings_add(finding_list *l, finding_sev sev, const char *code, const char *where,
                 const char *fmt, ...) MTLS_PRINTF(5, 6);
/* The same with the message's arguments in a va_list. */
int findings_vadd(finding_list *l, finding_sev sev, const char *code, const char *where,
                  const char *fmt, va_list ap) MTLS_PRINTF(5, 0);
/* Append copies of every finding of src. */
int findings_extend(finding_list *dst, const finding_list *src);
/* True when a finding with this code is present. */
int findings_has(const finding_list *l, const char *code);
void findings_free(finding_list *l);
const char *finding_sev_name(finding_sev sev);

#endif
