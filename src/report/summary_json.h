/*
 * summary_json.h — the JSON reporter's rendering of the end summary: one
 * NDJSON object {"@timestamp", "type":"summary", "schema_version",
 * "counts", "capture", "client_certificates", "intermediates_elsewhere",
 * "resumptions", ...} (docs/json-schema.md), built with json_build.h from
 * the summary's read-only view.
 */
#ifndef MTLS_SUMMARY_JSON_H
#define MTLS_SUMMARY_JSON_H

#include <stdio.h>

#include "compiler.h"
#include "summary.h"

/* The summary object as one line of JSON without the '\n': a string the
 * caller frees with cJSON_free (it comes from malloc, as cJSON's do), or NULL
 * on OOM. */
char *summary_json(const summary *sm) MTLS_WARN_UNUSED;

/* One NDJSON line. Returns 0, or -1 on OOM or a write error. */
int summary_write_json(FILE *out, const summary *sm) MTLS_WARN_UNUSED;

#endif
