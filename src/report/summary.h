/*
 * summary.h — the audit summary printed after the connections.
 *
 * Accumulates over sessions as they are reported: counts per verdict and the
 * table of distinct client certificates (keyed by the leaf's SHA-256):
 * subject, issuer, fingerprint, validity, validation status, handshake
 * count, distinct servers (ip:port + SNI), first and last seen. The table is
 * bounded (max_certs distinct certificates, and a cap on servers per
 * certificate); when a cap is hit the summary says so.
 * Everything needed is copied: the session may be freed after summary_add.
 */
#ifndef MTLS_SUMMARY_H
#define MTLS_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "compiler.h"
#include "conn_view.h"
#include "report_text.h"

#define SUMMARY_DEFAULT_MAX_CERTS 100000u
#define SUMMARY_MAX_SERVERS_PER_CERT 64u

typedef struct summary summary;

/* max_certs == 0 means SUMMARY_DEFAULT_MAX_CERTS. Returns NULL on OOM. */
summary *summary_new(size_t max_certs) MTLS_WARN_UNUSED;
void summary_free(summary *sm); /* NULL is a no-op */

/* Count a diagnosed connection and, when the client presented a
 * certificate, record it. Returns 0, or -1 on OOM (the counts are still
 * updated). */
int summary_add(summary *sm, const conn_view *c) MTLS_WARN_UNUSED;

/* Add src's counts and audit rows to dst (a --threads worker's summary to the
 * front's); src keeps only its counts. -1 on OOM (some rows may be missing). */
int summary_merge(summary *dst, summary *src) MTLS_WARN_UNUSED;

size_t summary_connections(const summary *sm);
size_t summary_failed(const summary *sm);
size_t summary_verdict_count(const summary *sm, verdict_t v);
size_t summary_distinct_certs(const summary *sm);
bool summary_capped(const summary *sm); /* distinct-cert cap was hit */

/* Text summary (counts + audit table). opt may be NULL. Returns 0 or -1 on
 * write error. */
/* What the capture itself counted; kernel_* only for live capture (libpcap's
 * pcap_stats: packets received / dropped by the kernel / by the interface). */
typedef struct summary_capture {
    uint64_t packets, bytes;
    uint64_t flows_evicted;
    bool live;
    uint64_t kernel_received, kernel_dropped, interface_dropped;
    bool interrupted;     /* a signal stopped the reading of a file before its end */
    bool filtered;        /* filters selected the connections counted above */
    uint64_t connections_seen, failed_seen; /* every TLS connection diagnosed, selected or not */
    uint64_t end_ts_us;   /* the last packet's time (the summary's @timestamp); 0 = none */
} summary_capture;
/* Also puts the audit table in its printed order: certificates by first
 * handshake (then fingerprint), each one's servers by name. */
void summary_set_capture(summary *sm, const summary_capture *cap);

int summary_write_text(FILE *out, const summary *sm, const rtext_options *opt) MTLS_WARN_UNUSED;

/* {"type":"summary","schema_version":...,"counts":{...},"client_certificates":[...]}.
 * Returns a new cJSON tree or NULL on OOM. */
cJSON *summary_json(const summary *sm) MTLS_WARN_UNUSED;
/* One NDJSON line. Returns 0 or -1. */
int summary_write_json(FILE *out, const summary *sm) MTLS_WARN_UNUSED;

#endif
