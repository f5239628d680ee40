/* pcapng_secrets.h — load TLS key-log secrets embedded in a pcapng file. */
#ifndef MTLS_PCAPNG_SECRETS_H
#define MTLS_PCAPNG_SECRETS_H

#include "compiler.h"
#include "keylog.h"

/* Scan `path` (a regular pcapng file; anything else is ignored) for
 * Decryption Secrets Blocks of type TLS key log, up to the first packet block,
 * and add their lines to kl. Returns the number of DSBs loaded (0 when none or
 * not pcapng), -1 on a read error. */
int pcapng_load_secrets(const char *path, keylog *kl) MTLS_WARN_UNUSED;

#endif
