/*
 * chain_errors.h — OpenSSL verification errors as finding codes and
 * sentences: the verr_table, one row per error, per side. Private to
 * src/analysis/ (chain_error_code / chain_error_sentence in chain_verify.h
 * are the public face).
 */
#ifndef MTLS_CHAIN_ERRORS_H
#define MTLS_CHAIN_ERRORS_H

#include <stdbool.h>

typedef struct verr_row {
    int err;
    const char *code;         /* client side (and server when code_server is NULL) */
    const char *code_server;
    const char *sentence;     /* client side (and server when sentence_server is NULL) */
    const char *sentence_server;
    bool issuer_missing;      /* the certificate's issuer was not found: code and sentence
                                 are the answer when nothing is known about that issuer;
                                 chain_analyze decides with issuer_table below */
} verr_row;

/* The row of OpenSSL error err, or NULL when the table has none. */
const verr_row *verr_find(int err);
/* Errors that only say the chain does not reach a trust anchor. */
bool is_trust_error(int err);

#endif
