/*
 * starttls.h — find where TLS starts after a plaintext prologue (SMTP, IMAP,
 * POP3, FTP, XMPP, IRC, NNTP, ManageSieve, LDAP StartTLS, PostgreSQL and
 * MySQL SSLRequest).
 */
#ifndef MTLS_STARTTLS_H
#define MTLS_STARTTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct starttls_result {
    bool found;            /* a TLS record starts at `offset` after an accepted prologue */
    size_t offset;
    const char *protocol;  /* "smtp", "imap", "pop3", "ftp", "xmpp", "irc", "nntp", "sieve", "ldap",
                            * "postgresql", "mysql" or NULL */
    bool maybe;            /* not found yet, but the bytes look like a plaintext prologue: wait */
} starttls_result;

/* Scan the bytes a side has sent so far. client: the client's direction
 * (looks for a ClientHello), else the server's (looks for a ServerHello or
 * any plausible handshake/alert record). */
starttls_result starttls_scan(const uint8_t *p, size_t n, bool client);

#endif
