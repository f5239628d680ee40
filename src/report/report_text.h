/*
 * report_text.h — the human report: one block per connection.
 *
 * Header line (connection number, client ip:port -> server ip:port, SNI,
 * ALPN, version, cipher), the timeline (ms relative to the first step, C->S
 * / S->C, step + key detail), each chain (subject, issuer, validity, key,
 * SHA-256, validation result), the CertificateRequest CA list, the
 * CertificateVerify result, then the verdict, explanation, "Fix:" and
 * findings. Every string from the wire goes through esc_text first.
 */
#ifndef MTLS_REPORT_TEXT_H
#define MTLS_REPORT_TEXT_H

#include <stdbool.h>
#include <stdio.h>

#include "compiler.h"
#include "conn_view.h"

typedef struct rtext_options {
    bool color;     /* ANSI colours; the caller decides (--color auto|always|never) */
    int verbosity;  /* 0 normal, 1 -v (extensions, ciphers, groups, sig algs, JA3/JA4), 2 -vv (all certs' extensions) */
    bool quiet;     /* -q: one line per connection */
    size_t width;   /* wrap paragraphs to this many columns (stdout is a terminal); 0: never */
} rtext_options;

/* Write the report of one diagnosed connection to out (the caller owns
 * buffering and flushing). opt may be NULL (defaults: no colour, normal).
 * Returns 0, or -1 on a write error / OOM. */
int rtext_session(FILE *out, const conn_view *c, const rtext_options *opt) MTLS_WARN_UNUSED;

#endif
