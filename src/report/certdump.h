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

/*
 * The index of the dumped certificates, DIR/index.csv: one row per distinct
 * certificate, by SHA-256 (so the same for any --threads and any order):
 * file, sha256, role ("client leaf", "server intermediate", "server root",
 * several joined by ';'), subject, issuer, serial, not_before, not_after,
 * connections, first_seen, last_seen, servers (a client-side certificate:
 * "ip:port SNI" of the servers it was sent to) and clients (a server-side
 * one: the client addresses it was sent to), each list sorted, at most
 * CERTINDEX_MAX_PEERS (the lowest ones) then "...". Only certificates whose
 * file is there (written now or before) are listed. Bounded by
 * CERTINDEX_MAX_CERTS; past it, certificates are still written but not
 * indexed, and certindex_write says so.
 */
#define CERTINDEX_MAX_PEERS 64u
#define CERTINDEX_MAX_CERTS (1u << 20)

typedef struct certindex certindex;
certindex *certindex_new(void) MTLS_WARN_UNUSED; /* NULL on OOM */
void certindex_free(certindex *ix);              /* NULL is a no-op */
/* Move src's entries into dst (a --threads worker's into the front's). -1 on OOM. */
int certindex_merge(certindex *dst, certindex *src) MTLS_WARN_UNUSED;
/* Write DIR/index.csv (through DIR/.index.csv.tmp, renamed over it, so a
 * reader never sees half a file). 0, or -1 with *err (malloc'd) set. */
int certindex_write(const char *dir, certindex *ix, char **err) MTLS_WARN_UNUSED;

/* Write every analysed certificate of both sides of c (certdump_write) and
 * note it in ix (NULL: no index); failures are warned about on stderr and
 * do not stop the run. */
void certdump_connection(const char *dir, const conn_view *c, certindex *ix);

#endif
