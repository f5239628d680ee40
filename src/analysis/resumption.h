/*
 * resumption.h — links between connections: which earlier full handshake in
 * the capture a resumed handshake resumed (by server + session id, or, for
 * tickets, the latest full handshake from the same client address to the same
 * server that issued one).
 * A bounded ring of the most recent full handshakes.
 */
#ifndef MTLS_RESUMPTION_H
#define MTLS_RESUMPTION_H

#include <stdint.h>

#include "compiler.h"
#include "session.h"

typedef struct resume_links resume_links;

resume_links *resume_links_new(void) MTLS_WARN_UNUSED; /* NULL on OOM */
void resume_links_free(resume_links *r);               /* NULL is a no-op */

/* For a resumed session: the id of the full handshake it resumed (0 when not
 * in the ring). For a full handshake that can be resumed: remember it, and
 * return 0. Call in the order connections end. */
uint64_t resume_links_note(resume_links *r, const session_t *s);

#endif
