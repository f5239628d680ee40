/*
 * summary.h — the audit summary printed after the connections: data only.
 *
 * Accumulates over sessions as they are reported: counts per verdict and the
 * table of distinct client certificates (keyed by the leaf's SHA-256):
 * subject, issuer, fingerprint, validity, validation status, handshake
 * count, distinct servers (ip:port + SNI), first and last seen; what the
 * capture itself counted; and the links between connections
 * (summary_links.h). The table is bounded (max_certs distinct certificates,
 * and a cap on servers per certificate); when a cap is hit the summary says
 * so. Everything needed is copied: the session may be freed after
 * summary_add.
 *
 * The summary renders nothing: each reporter prints it from the read-only
 * view below (summary_text.c for text, summary_json.c for JSON).
 */
#ifndef MTLS_SUMMARY_H
#define MTLS_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "conn_view.h"
#include "summary_links.h"

#define SUMMARY_DEFAULT_MAX_CERTS 100000u
#define SUMMARY_MAX_SERVERS_PER_CERT 64u
/* The inventory (client certificate x client address x server): at most this
 * many distinct triples in all (about 150 bytes each); past it the summary
 * says inventory_capped and the triples seen first are kept. */
#define SUMMARY_MAX_USES (1u << 19)

typedef struct summary summary;

/* max_certs == 0 means SUMMARY_DEFAULT_MAX_CERTS. Returns NULL on OOM. */
summary *summary_new(size_t max_certs) MTLS_WARN_UNUSED;
void summary_free(summary *sm); /* NULL is a no-op */

/* Count a diagnosed connection and, when the client presented a
 * certificate, record it: the row's validity and status are those of the
 * certificate's earliest handshake (then lowest connection id), whatever the
 * order of the calls. Not thread-safe: --threads workers call it under one
 * lock. Returns 0, or -1 on OOM (the counts are still updated). */
int summary_add(summary *sm, const conn_view *c) MTLS_WARN_UNUSED;


/* What the capture itself counted; kernel_* only for live capture (libpcap's
 * pcap_stats: packets received / dropped by the kernel / by the interface). */
/* One capture file of a run that read several (or a directory / -V list). */
typedef struct summary_file {
    const char *name;      /* as named (a directory's files: DIR/NAME); borrowed */
    uint64_t packets;      /* packets read from it (after the BPF filter) */
} summary_file;

typedef struct summary_capture {
    uint64_t packets, bytes;
    uint64_t flows_evicted;
    bool live;
    uint64_t kernel_received, kernel_dropped, interface_dropped;
    bool interrupted;     /* a signal stopped the reading of a file before its end */
    bool filtered;        /* filters selected the connections counted above */
    uint64_t connections_seen, failed_seen; /* every TLS connection diagnosed, selected or not */
    uint64_t end_ts_us;   /* the last packet's time (the summary's @timestamp); 0 = none */
    const summary_file *files; /* the files read when there were several (or a directory / -V list), */
    size_t n_files;            /* else NULL, 0; borrowed: must outlive the summary's output */
    const char *iface;    /* live: the interface captured on (-i), else NULL; must outlive sm */
} summary_capture;
/* Ends the gathering (after the last add, before printing): keeps
 * cap and puts the audit table and the links in their printed order:
 * certificates by first handshake (then fingerprint), each one's servers by
 * name, links as summary_links_finish orders them. */
void summary_set_capture(summary *sm, const summary_capture *cap);

/* ---- the read-only view ---- */

size_t summary_connections(const summary *sm);
size_t summary_failed(const summary *sm);
size_t summary_verdict_count(const summary *sm, verdict_t v);
size_t summary_distinct_certs(const summary *sm);
bool summary_capped(const summary *sm); /* distinct-cert cap was hit */

/* The inventory: one distinct (client certificate, client address, server)
 * triple — who presented which certificate where. The client is its address
 * only (its port changes with every connection). */
typedef struct summary_use {
    char client_ip[46];             /* text: 192.0.2.1, 2001:db8::1 */
    char server_ip[46];
    uint16_t server_port;
    char *sni;                      /* NULL when the ClientHello named none */
    uint64_t handshakes, failures;  /* connections of this triple, and failed ones */
    uint64_t first_us, last_us;
    size_t row;                     /* (internal) the certificate's row */
} summary_use;

/* A certificate's servers, from its uses: one per (ip, port, SNI). */
typedef struct summary_server {
    const char *ip, *sni;           /* sni NULL when none; owned by the summary */
    uint16_t port;
    uint64_t handshakes, failures;
} summary_server;

/* A certificate's client addresses, from its uses. */
typedef struct summary_client {
    const char *ip;
    uint64_t handshakes, failures;
} summary_client;

/* One row of the audit table: a distinct client certificate. */
typedef struct summary_cert {
    char sha256[65];                /* the leaf's fingerprint, lowercase hex (the key) */
    char *subject, *issuer;         /* NULL when the certificate names none */
    int64_t not_before, not_after;  /* seconds since the epoch */
    bool valid, trust_checked;
    char *status;                   /* "valid", or why the chain did not verify */
    char *status_code;              /* the code of the finding whose message says status in
                                     * full (the text summary refers to it), or NULL */
    uint64_t handshakes, failures;  /* connections that presented it, and failed ones */
    uint64_t first_us, last_us;     /* first and last handshake */
    uint64_t first_id;              /* the first handshake's connection (valid and status are its) */
    char **servers;                 /* "ip:port SNI", distinct (by name once in order) */
    size_t n_servers;
    bool servers_capped;            /* more than SUMMARY_MAX_SERVERS_PER_CERT servers */
    char *serial;                   /* lowercase hex, NULL when unknown */
    /* The inventory, after summary_set_capture (empty before): the triples
     * of this certificate by server ip, port, SNI, then client address; its
     * servers (ip, port, SNI) and client addresses, each in that order. All
     * counts are exact unless summary_inventory_capped. */
    const summary_use *uses;
    size_t n_uses;
    summary_server *server_endpoints;
    size_t n_server_endpoints;
    summary_client *clients;
    size_t n_clients;
} summary_cert;

/* Row i (i < summary_distinct_certs), owned by sm. */
const summary_cert *summary_cert_at(const summary *sm, size_t i);
/* The SUMMARY_MAX_USES cap was reached: some (certificate, client, server)
 * triples are missing from the inventory and counts of others may be low. */
bool summary_inventory_capped(const summary *sm);
/* Handshakes whose client certificate could not be seen: the client's
 * handshake flight was encrypted and not decrypted (TLS 1.3 without keys),
 * so whether and which certificate it presented is unknown (conn_facts.h). */
size_t summary_hidden_client_certs(const summary *sm);
/* What summary_set_capture kept; NULL before it. */
const summary_capture *summary_capture_info(const summary *sm);
/* The links between connections (in printed order after summary_set_capture). */
const summary_links *summary_links_of(const summary *sm);

#endif
