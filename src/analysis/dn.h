/*
 * dn.h — Distinguished Names as one line of text (RFC 2253 style,
 * "CN=leaf,O=Example"), UTF-8 kept as UTF-8. Used for certificate subjects
 * and issuers and for the certificate_authorities list of a
 * CertificateRequest. The text is raw bytes from the wire: escape before
 * printing.
 */
#ifndef MTLS_DN_H
#define MTLS_DN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

/*
 * Decode a DER DistinguishedName (as listed in CertificateRequest
 * certificate_authorities) and render it on one line. The whole buffer must
 * be one Name. Returns a malloc'd string (caller frees), or NULL on garbage
 * or allocation failure. An empty Name gives "".
 */
char *dn_der_to_string(const uint8_t *der, size_t len);

/* Render a decoded name on one line. Returns a malloc'd string or NULL. */
char *dn_name_to_string(const X509_NAME *name);

/* The first CN of a name as a malloc'd UTF-8 string, or NULL when absent. */
char *dn_name_cn(const X509_NAME *name);
/* The first entry with this NID (NID_organizationName, ...) likewise. */
char *dn_name_first(const X509_NAME *name, int nid);

/* A CertificateRequest certificate_authorities entry on one line; NULL when
 * the entry is empty, does not parse, or on OOM (callers print a placeholder). */
char *dn_ca_name_string(const uint8_t *der, size_t len);

#endif
