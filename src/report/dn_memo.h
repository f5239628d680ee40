/*
 * dn_memo.h — the one-line strings of CertificateRequest CA names, memoised
 * by their DER bytes. A server sends the same list on every handshake, and
 * rendering a name through OpenSSL (dn_ca_name_string) costs about fifty
 * times more than looking it up. A reporter keeps one memo (not shared
 * between threads); the names rendered are dn_ca_name_string's.
 */
#ifndef MTLS_REPORT_DN_MEMO_H
#define MTLS_REPORT_DN_MEMO_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

typedef struct dn_memo dn_memo;

dn_memo *dn_memo_new(void) MTLS_WARN_UNUSED; /* NULL on OOM */
void dn_memo_free(dn_memo *m);               /* NULL is a no-op */

/* dn_ca_name_string(der, len), from the memo when this name was seen before.
 * NULL when the entry is empty or does not parse (as dn_ca_name_string), or
 * on OOM. The string belongs to the memo and is valid until the next call. */
const char *dn_memo_ca_name(dn_memo *m, const uint8_t *der, size_t len);

#endif
