/* version.h — `mtlsdump --version`: our version and the versions of the
 * libraries the binary runs with (what a bug report needs). */
#ifndef MTLS_VERSION_H
#define MTLS_VERSION_H

#include <stdio.h>

#include "compiler.h"

/* "mtlsdump X.Y.Z", then one line per library: its name and the version of
 * the library loaded at run time (with the build's when they differ).
 * Returns 0, or -1 on a write error. */
int version_print(FILE *out) MTLS_WARN_UNUSED;

#endif
