/* chain_ctx_access.h — what other files of src/analysis/ may read of a
 * chain_ctx (private to the folder). Both are read-only after chain_ctx_new. */
#ifndef MTLS_CHAIN_CTX_ACCESS_H
#define MTLS_CHAIN_CTX_ACCESS_H

#include <openssl/x509.h>

#include "chain_verify.h"

/* The anchors of side (CHAIN_SIDE_*), or NULL when none were given. */
X509_STORE *chain_ctx_store(const chain_ctx *ctx, int side);
/* Every certificate of the CA files given (both sides). */
STACK_OF(X509) *chain_ctx_bundle(const chain_ctx *ctx);

#endif
