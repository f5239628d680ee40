/*
 * fingerprint.h — TLS client/server fingerprints computed from parsed hello
 * structs (STYLE.md #11): JA3, JA3S (Salesforce, BSD-3) and JA4 (the JA4 TLS
 * client fingerprint only; no other JA4+ method is implemented).
 */
#ifndef MTLS_FINGERPRINT_H
#define MTLS_FINGERPRINT_H

#include <stdbool.h>

#include "compiler.h"
#include "tls_hello.h"

/*
 * JA3: "SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats",
 * decimal values joined by '-', GREASE values removed, then MD5 in lowercase
 * hex. Returns 0 and sets *out_str to a malloc'd NUL-terminated string (caller
 * frees) and out_md5 to 32 hex chars + NUL; -1 on allocation/crypto failure
 * (*out_str = NULL).
 */
MTLS_WARN_UNUSED int fp_ja3(const tls_client_hello *ch, char **out_str, char out_md5[33]);

/*
 * JA3S: "SSLVersion,Cipher,Extensions" (decimal, '-' joined; GREASE removed)
 * and its MD5, from a ServerHello. Same ownership and return as fp_ja3().
 */
MTLS_WARN_UNUSED int fp_ja3s(const tls_server_hello *sh, char **out_str, char out_md5[33]);

/*
 * JA4 (TLS client): "{t|q}{ver}{d|i}{nn ciphers}{nn exts}{alpn}_{sha12 ciphers}_{sha12 exts+sigalgs}",
 * e.g. "t13d1516h2_8daaf6152771_e5627efa2ab1" (36 chars). `quic` selects the
 * 'q' prefix. Writes NUL-terminated text into out (40 bytes). Returns 0, or -1
 * on crypto failure (out = "").
 */
MTLS_WARN_UNUSED int fp_ja4(const tls_client_hello *ch, bool quic, char out[40]);

#endif
