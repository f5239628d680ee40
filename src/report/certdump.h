/*
 * certdump.h — --dump-certs DIR: each distinct certificate written once as
 * DIR/<sha256>.pem. The file name is only ever the hex fingerprint, never a
 * name taken from the certificate; files are created exclusively relative to
 * a directory fd (openat with O_CREAT|O_EXCL|O_NOFOLLOW), so an existing file
 * or symlink is never followed or overwritten.
 */
#ifndef MTLS_CERTDUMP_H
#define MTLS_CERTDUMP_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "conn_view.h"

/*
 * Check DIR once at startup: it must be a directory (not a symlink to one
 * when running as root), and when running as root (euid 0) it must be owned
 * by root, so a user cannot make root write into a place they control.
 * Returns 0, or -1 with *err a malloc'd sentence (caller frees; err may be
 * NULL).
 */
int certdump_check_dir(const char *dir, char **err) MTLS_WARN_UNUSED;

/*
 * Write der as PEM to DIR/<sha256_hex>.pem (mode 0644). sha256_hex must be 64
 * lowercase hex digits (anything else is refused). Runs the same checks as
 * certdump_check_dir. Returns 1 when written, 0 when the file already existed
 * (left untouched, also when it is a symlink), -1 on error with *err set
 * (malloc'd; err may be NULL).
 */
int certdump_write(const char *dir, const uint8_t *der, size_t len, const char sha256_hex[65],
                   char **err) MTLS_WARN_UNUSED;

/* Write every analysed certificate of both sides of c (certdump_write);
 * failures are warned about on stderr and do not stop the run. */
void certdump_connection(const char *dir, const conn_view *c);

#endif
