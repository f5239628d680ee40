/* chain_ctx_access.h — what other files of src/analysis/ may read of a
 * chain_ctx (private to the folder), and the anchor loading chain_anchors.c
 * does for it. The store and bundle are read-only after chain_ctx_new. */
#ifndef MTLS_CHAIN_CTX_ACCESS_H
#define MTLS_CHAIN_CTX_ACCESS_H

#include <openssl/x509.h>

typedef struct chain_ctx chain_ctx; /* chain_verify.h */

/* The anchors of side (CHAIN_SIDE_*), or NULL when none were given. */
X509_STORE *chain_ctx_store(const chain_ctx *ctx, int side);
/* Every certificate of the CA files given (both sides). */
STACK_OF(X509) *chain_ctx_bundle(const chain_ctx *ctx);

/* Push x (one new reference) unless an equal certificate is in sk: 1 added,
 * 0 already there, -1 on OOM (chain_anchors.c). */
int chain_push_unique(STACK_OF(X509) *sk, X509 *x);
/* Load the PEM file or directory at path into *st (made when NULL) and every
 * certificate also into bundle; -1 with *err set (or OOM, *err NULL). */
int chain_anchors_load(X509_STORE **st, STACK_OF(X509) *bundle, const char *path, char **err);
/* The system's default trust store (OpenSSL's default directory, read as
 * chains need it, plus its default file when SSL_CERT_FILE is set or the
 * directory has no hashed links), opened once per process and shared
 * read-only by every chain_ctx (each --threads worker): one new reference,
 * or NULL when it cannot be made. */
X509_STORE *chain_system_store(void);

#endif
