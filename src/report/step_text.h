/*
 * step_text.h — the words a reporter prints after a step's name, made from the
 * step's typed payload (no stage parses another stage's text).
 */
#ifndef MTLS_STEP_TEXT_H
#define MTLS_STEP_TEXT_H

#include "session.h"

/* For STEP_APP: the request or status line and, when the server named the
 * certificate refusal in its body, ` ("words")`; for a TLS 1.3 flight read
 * without keys: "record sizes A+B+C" — in *owned (malloc'd; the caller frees
 * it), also returned. For STEP_STARTTLS: the session's protocol name. For
 * other kinds: st->detail (*owned NULL).
 * NULL when there is nothing to print (or on OOM). Raw wire text: escape it. */
const char *step_detail_text(const session_t *s, const step_t *st, char **owned);

#endif
