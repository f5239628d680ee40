/*
 * verdict.h — the verdict vocabulary: one table row per verdict (public
 * contract: documented in docs/troubleshooting-mtls.md, stable in JSON).
 *
 * A new verdict is one enum value, one row in verdict.c, one rule in
 * src/diagnose/rules.c, plus its docs and tests.
 */
#ifndef MTLS_VERDICT_H
#define MTLS_VERDICT_H

#include <stdbool.h>

typedef enum verdict {
    VERDICT_NONE = 0,
    VERDICT_MTLS_OK,
    VERDICT_TLS_OK_NO_CLIENT_AUTH,
    VERDICT_RESUMED,
    VERDICT_CLIENT_CERT_MISSING,
    VERDICT_CLIENT_CERT_REJECTED,
    VERDICT_CLIENT_KEY_MISMATCH,
    VERDICT_SERVER_CERT_REJECTED,
    VERDICT_SERVER_KEY_MISMATCH,
    VERDICT_NEGOTIATION_FAILED,
    VERDICT_ABORTED,
    VERDICT_INCOMPLETE,
    VERDICT_ENCRYPTED,
    VERDICT_MALFORMED,
    VERDICT__COUNT
} verdict_t;

/* Whether a connection with this verdict counts as an established TLS session
 * (ECS tls.established). */
typedef enum verdict_established {
    ESTABLISHED_NO = 0,
    ESTABLISHED_YES,
    ESTABLISHED_IF_FINISHED, /* when both Finished were seen and the server sent no alert */
    ESTABLISHED_IF_DATA,     /* when not failed and application data flowed both ways */
} verdict_established;

/* How a reporter may colour it. */
typedef enum verdict_tone {
    TONE_GOOD = 0,
    TONE_NEUTRAL,
    TONE_BAD,
} verdict_tone;

typedef struct verdict_info {
    const char *name;                /* "mtls_ok" (JSON mtls.verdict) */
    bool failed;                     /* counts towards exit code 1 (diagnosis may override for encrypted) */
    verdict_established established;
    verdict_tone tone;
    const char *meaning;             /* one line, for --help-style listings and docs checks */
} verdict_info;

/* The row of v; an out-of-range value gets a row named "unknown". Never NULL. */
const verdict_info *verdict_get(verdict_t v);
const char *verdict_name(verdict_t v);
bool verdict_is_failure(verdict_t v);
/* The verdict named name ("mtls_ok"): true and *out, or false for an unknown name. */
bool verdict_from_name(const char *name, verdict_t *out);

#endif
