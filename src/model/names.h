/*
 * names.h — number -> name lookups used by diagnosis and the reporters.
 *
 * Every lookup the reporters need goes through here so that only names.c
 * changes when the dissector registries (dissectors/tls_registry.h,
 * dissectors/tls_alert.h) take over. Unknown values are rendered as
 * "unknown(0x1234)" in the caller's buffer, never dropped.
 */
#ifndef MTLS_NAMES_H
#define MTLS_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

/* A caller-owned buffer for rendered names (unknown values are formatted here). */
typedef struct name_buf {
    char s[48];
} name_buf;

/* "TLS 1.3", "SSL 3.0", "unknown(0x7f1c)". Returns b->s or a static string. */
const char *names_version(uint16_t v, name_buf *b);
/* ECS tls.version: "1.3", "1.2", "3.0" (SSL 3.0); NULL when unknown. */
const char *names_version_ecs(uint16_t v);
/* ECS tls.version_protocol: "tls" or "ssl"; NULL when unknown. */
const char *names_version_protocol(uint16_t v);
/* IANA cipher suite name "TLS_AES_128_GCM_SHA256"; unknown(0x....) otherwise. */
const char *names_cipher(uint16_t v, name_buf *b);
/* The session's negotiated cipher: the SSL 2.0 cipher kind when there is one,
 * else the ServerHello's suite. */
struct session;
const char *names_session_cipher(const struct session *s, name_buf *b);
/* Alert description "certificate_required"; unknown(NN) otherwise. */
const char *names_alert(uint8_t desc, name_buf *b);
/* "warning" / "fatal" / unknown(N). */
const char *names_alert_level(uint8_t level, name_buf *b);
/* Named group "x25519", signature scheme "rsa_pss_rsae_sha256", extension
 * "server_name"; GREASE values render as "GREASE(0x0a0a)". */
const char *names_group(uint16_t v, name_buf *b);
const char *names_sigscheme(uint16_t v, name_buf *b);
const char *names_extension(uint16_t v, name_buf *b);
/* TLS 1.2 ClientCertificateType: "rsa_sign", "ecdsa_sign", ... */
const char *names_cert_type(uint8_t v, name_buf *b);

/* True for GREASE values (RFC 8701). */
int names_is_grease(uint16_t v);

#endif
