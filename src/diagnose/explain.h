/*
 * explain.h — one function per verdict (and per way of reaching it) that
 * writes the explanation and the fix. Private to src/diagnose/; the rules
 * table (rules.c) says when each applies.
 */
#ifndef MTLS_DIAG_EXPLAIN_H
#define MTLS_DIAG_EXPLAIN_H

#include "diag_ctx.h"

/* explain_cert.c: the certificate verdicts */
void explain_mtls_ok(const diag_ctx *c, diag_out *o);
void explain_client_cert_missing(const diag_ctx *c, diag_out *o);
void explain_client_cert_rejected(const diag_ctx *c, diag_out *o);
void explain_client_cert_rejected_app(const diag_ctx *c, diag_out *o);
void explain_client_cert_rejected_quietly(const diag_ctx *c, diag_out *o);
void explain_server_cert_rejected(const diag_ctx *c, diag_out *o);
void explain_server_cert_left(const diag_ctx *c, diag_out *o);
void explain_client_cert_closed(const diag_ctx *c, diag_out *o);
void explain_client_key_mismatch(const diag_ctx *c, diag_out *o);
void explain_server_key_mismatch(const diag_ctx *c, diag_out *o);
void explain_sslv2_encrypted(const diag_ctx *c, diag_out *o);

/* explain_flow.c: how the connection went, without a certificate verdict */
void explain_malformed(const diag_ctx *c, diag_out *o);
void explain_resumed(const diag_ctx *c, diag_out *o);
void explain_tls_ok_no_client_auth(const diag_ctx *c, diag_out *o);
void explain_negotiation_failed(const diag_ctx *c, diag_out *o);
void explain_aborted(const diag_ctx *c, diag_out *o);
void explain_incomplete(const diag_ctx *c, diag_out *o);
void explain_prologue_then_end(const diag_ctx *c, diag_out *o);

/* explain_encrypted.c: TLS 1.3 without keys, inferred from record sizes */
void explain_encrypted(const diag_ctx *c, diag_out *o);
void explain_tls13_client_cert_missing(const diag_ctx *c, diag_out *o);
void explain_tls13_client_cert_rejected(const diag_ctx *c, diag_out *o);
void explain_tls13_server_cert_rejected(const diag_ctx *c, diag_out *o);
void explain_tls13_no_client_auth(const diag_ctx *c, diag_out *o);
/* TLS 1.0-1.2: a renegotiation without its keys */
void explain_renegotiation_encrypted(const diag_ctx *c, diag_out *o);

#endif
