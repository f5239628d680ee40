/* privdrop.h — -Z USER: drop root after opening the capture device. */
#ifndef MTLS_PRIVDROP_H
#define MTLS_PRIVDROP_H

#include "compiler.h"

/* When running as root: switch to `user` (NULL: "nobody"; "root": keep root).
 * Returns 0, or -1 with *err a malloc'd message. No-op when not root. */
int priv_drop(const char *user, char **err) MTLS_WARN_UNUSED;

#endif
