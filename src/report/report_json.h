/*
 * report_json.h — NDJSON: one object per connection, ECS names where ECS has
 * them ("tls", "source", "destination", "network", "@timestamp") and our own
 * "mtls" object beside them. Every object carries "schema_version" and
 * "type" ("connection" here, "summary" from summary_json.c; the version is
 * JSON_SCHEMA_VERSION, json_build.h). Strings are made valid UTF-8 first
 * (jb_str). Described in docs/json-schema.md, checked against
 * docs/json-schema.json by the tests.
 */
#ifndef MTLS_REPORT_JSON_H
#define MTLS_REPORT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "compiler.h"
#include "conn_view.h"


typedef struct rjson_options {
    int verbosity; /* >= 1 adds each step's absolute time, the offered cipher suites,
                    * extensions, groups, sig algs (names) */
    bool certificate_chain; /* ECS tls.*.certificate_chain (base64 DER), --certificate-chain */
    const char *live_iface; /* live capture: ECS observer.ingress.interface.name; NULL for files */
    const char *hostname;   /* ECS observer.hostname (live only); NULL: left out */
} rjson_options;

/* The JSON reporter's state between connections: the memo of each distinct
 * chain's printed certificate array (made once and reused; chain reports are
 * never written), the scratch arena the object is built in, the cache of the
 * last second formatted and the output buffer. One per thread. */
typedef struct rjson_writer rjson_writer;
rjson_writer *rjson_writer_new(void) MTLS_WARN_UNUSED; /* NULL on OOM */
void rjson_writer_free(rjson_writer *w);               /* NULL is a no-op */

/* The connection object for c as one line of JSON without the '\n'. Returns
 * w's buffer (valid until the next call with w, or rjson_writer_free) and its
 * length in *out_len, or NULL on OOM. opt may be NULL (the defaults). */
const char *rjson_render(rjson_writer *w, const conn_view *c, const rjson_options *opt,
                         size_t *out_len) MTLS_WARN_UNUSED;

/* Write one line (rjson_render + '\n') for c. Returns 0, or -1 on OOM or
 * write error. opt and w may be NULL (w NULL: a writer for this call only). */
int rjson_session(FILE *out, const conn_view *c, const rjson_options *opt, rjson_writer *w) MTLS_WARN_UNUSED;

#endif
