/*
 * wording.h — the diagnosis's sentences: a growable string and the phrases
 * every explanation shares (a step, a side, a certificate, a CA list, our own
 * validation of a chain, an alert). Private to src/diagnose/.
 *
 * Wire strings are put in raw; reporters escape them on output.
 */
#ifndef MTLS_DIAG_WORDING_H
#define MTLS_DIAG_WORDING_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis.h"
#include "compiler.h"
#include "growbuf.h"
#include "session.h"

/* A string being written: a growbuf written with its text helpers. Starts
 * zeroed; on OOM further writes are dropped (failed is set) and growbuf_take
 * returns NULL. growbuf_take hands the string over ("" when nothing was
 * written); growbuf_cstr reads it in place; growbuf_free drops it. */
typedef growbuf sb;

/* The diagnosis writes its sentences with growbuf_printf. */
#define sb_printf growbuf_printf
/* The last character written, or '\0'. */
char sb_last(const sb *b);

/* "client" / "server". */
const char *side_word(mtls_dir d);
/* "the server's CertificateRequest" for step i ("the client's empty
 * Certificate"), or "the start of the connection" when i is out of range. */
void step_phrase(sb *b, const session_t *s, long i);
/* Index of the last TLS step (handshake, CCS, alert, data) before step i, or -1. */
long last_tls_step_before(const session_t *s, long i);
/* Up to max of the CertificateRequest's CA names, quoted, "; "-separated,
 * then "and N more". */
void ca_list(sb *b, const session_t *s, size_t max);
/* The analysed leaf of side d, or NULL when not analysed or undecodable. */
const cert_info *diag_leaf(const conn_analysis *a, mtls_dir d);
/* "\"CN=leaf\" issued by \"CN=ca\" (chain of N certificates)". */
void cert_phrase(sb *b, const session_t *s, const conn_analysis *a, mtls_dir d);
/* Our own validation of side d's chain, as one sentence (leading space). */
void chain_judgement(sb *b, const conn_analysis *a, mtls_dir d);
/* Side d's chain report carries finding `code`. */
bool chain_has(const conn_analysis *a, mtls_dir d, const char *code);
/* "fatal alert unknown_ca" / "an encrypted alert". */
void alert_name(sb *b, const step_t *alert);

#endif
