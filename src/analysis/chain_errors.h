/*
 * chain_errors.h — OpenSSL verification errors as finding codes and
 * sentences: the verr_table, one row per error, per side. chain_error_code
 * and chain_error_sentence are public (chain_verify.h includes this header);
 * the table is private to src/analysis/.
 */
#ifndef MTLS_CHAIN_ERRORS_H
#define MTLS_CHAIN_ERRORS_H

#include <stdbool.h>

#include "chain_report.h" /* CHAIN_SIDE_* */

typedef struct verr_row {
    int err;
    const char *code;         /* client side (and server when code_server is NULL) */
    const char *code_server;
    const char *sentence;     /* client side (and server when sentence_server is NULL) */
    const char *sentence_server;
    bool issuer_missing;      /* the certificate's issuer was not found: code and sentence
                                 are the answer when nothing is known about that issuer;
                                 chain_analyze_bucket decides with issuer_table below */
} verr_row;

/* The row of OpenSSL error err, or NULL when the table has none. */
const verr_row *verr_find(int err);
/* Errors that only say the chain does not reach a trust anchor. */
bool is_trust_error(int err);

/* Plain sentence and finding code for an X509_V_ERR_* code at a depth of a
 * chain presented by side (static strings; never NULL). For the errors that
 * mean "issuer not found" (20, 2, 21) this is the answer when nothing is known
 * about the issuer (untrusted_root); chain_analyze_bucket refines it. */
const char *chain_error_code(int x509_err, int depth, int side);
const char *chain_error_sentence(int x509_err, int depth, int side);

#endif
