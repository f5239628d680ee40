/*
 * report_json.h — NDJSON: one object per connection, ECS names where ECS has
 * them ("tls", "source", "destination", "network", "@timestamp") and our own
 * "mtls" object beside them. Every object carries "schema_version" and
 * "type" ("connection" here, "summary" from summary.c). Strings are made
 * valid UTF-8 first (esc_utf8_sanitize). Described in docs/json-schema.md,
 * checked against docs/json-schema.json by the tests.
 */
#ifndef MTLS_REPORT_JSON_H
#define MTLS_REPORT_JSON_H

#include <stdio.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "compiler.h"
#include "conn_view.h"

#define RJSON_SCHEMA_VERSION "1.0"
#define RJSON_ECS_VERSION "8.11.0" /* the Elastic Common Schema the ECS fields follow */

typedef struct rjson_options {
    int verbosity; /* >= 1 adds offered extensions, groups, sig algs (names) */
    bool certificate_chain; /* ECS tls.*.certificate_chain (base64 DER), --certificate-chain */
} rjson_options;

/* The JSON reporter's own memo: each distinct chain's printed certificate
 * array, made once and reused (chain reports are never written). */
typedef struct rjson_chain_memo rjson_chain_memo;
rjson_chain_memo *rjson_chain_memo_new(void) MTLS_WARN_UNUSED; /* NULL on OOM */
void rjson_chain_memo_free(rjson_chain_memo *m);                /* NULL is a no-op */

/* Build the connection object. Returns a new cJSON tree the caller deletes
 * with cJSON_Delete, or NULL on OOM. opt and memo may be NULL. */
cJSON *rjson_session_object(const conn_view *c, const rjson_options *opt, rjson_chain_memo *memo) MTLS_WARN_UNUSED;

/* Write one line (cJSON_PrintUnformatted + '\n') for c. Returns 0, or -1 on
 * OOM or write error. opt and memo may be NULL. */
int rjson_session(FILE *out, const conn_view *c, const rjson_options *opt, rjson_chain_memo *memo) MTLS_WARN_UNUSED;

/* RFC 3339 UTC with microseconds: "2024-05-01T12:34:56.123456Z". Writes
 * into buf (>= 32 bytes) and returns buf. */
char *rjson_time(uint64_t ts_us, char *buf, size_t bufsz);

/* Add a string member after UTF-8 sanitising (s == NULL adds nothing).
 * Returns 0 or -1 on OOM. Shared with summary.c. */
int rjson_add_str(cJSON *obj, const char *name, const char *s) MTLS_WARN_UNUSED;

#endif
