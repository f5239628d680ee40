/*
 * analysis.h — session -> certificate analysis: the analysis stage's own
 * result, and the analyzer that makes it.
 *
 * The analyzer validates each side's chain (through the shared chain cache),
 * checks each CertificateVerify against the presented leaf's key (proof of
 * possession), matches the client chain against the CertificateRequest's CA
 * list. It reads the session as const and writes only the conn_analysis it
 * is given. Its result depends on this session and the configuration only,
 * never on other connections (their order, the thread count): links between
 * connections are the end summary's (src/report/summary_links.h).
 */
#ifndef MTLS_ANALYSIS_H
#define MTLS_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>

#include "chain_report.h"
#include "proof.h" /* proof_result */
#include "compiler.h"
#include "session.h"


/* Everything certificate analysis concluded about one connection. */
typedef struct conn_analysis {
    const chain_report *chain[2]; /* by mtls_dir; one reference held each (shared, immutable); NULL when no certificates */
    proof_result cv[2];           /* by mtls_dir */
    proof_result ske;             /* the server's signed ServerKeyExchange (TLS 1.0-1.2 DHE/ECDHE) */
    int client_ca_acceptable;     /* -1 not applicable, 0 chain reaches none of the listed CAs, 1 it does */
    char *client_ca_matched;      /* owned: DN of the listed CA the chain reached */
    unsigned lost;                /* ANALYSIS_LOST_*: parts not done for want of memory (their values above say "not known") */
} conn_analysis;

/* Parts of the analysis that ran out of memory (conn_analysis.lost). */
enum {
    ANALYSIS_LOST_CHAIN_CLIENT = 1u << 0, /* chain[DIR_C2S] not analysed (NULL) */
    ANALYSIS_LOST_CHAIN_SERVER = 1u << 1,
    ANALYSIS_LOST_CV_CLIENT = 1u << 2,    /* cv[DIR_C2S] not checked (-1) */
    ANALYSIS_LOST_CV_SERVER = 1u << 3,
    ANALYSIS_LOST_SKE = 1u << 4,          /* ske not checked (-1) */
    ANALYSIS_LOST_CA_MATCH = 1u << 5,     /* client_ca_acceptable not known (-1) */
};

/* An empty analysis (nothing analysed): the values above for "not known". */
void conn_analysis_init(conn_analysis *a);
void conn_analysis_cleanup(conn_analysis *a); /* releases the chain references and strings */

typedef struct analyzer_config {
    const char *ca_path;         /* --ca */
    const char *server_ca_path;  /* --server-ca */
    const char *client_ca_path;  /* --client-ca */
    int64_t verify_time;         /* --verify-time <RFC 3339>, unix seconds; 0: handshake time */
    bool verify_time_now;        /* --verify-time now */
} analyzer_config;

/* This analyzer's own traffic through the (possibly shared) chain cache. */
typedef struct analyzer_stats {
    uint64_t chains_validated, chain_cache_hits;
} analyzer_stats;

typedef struct analyzer analyzer;

/* NULL with *err (malloc'd sentence) when a trust anchor path cannot be loaded. */
analyzer *analyzer_new(const analyzer_config *cfg, char **err) MTLS_WARN_UNUSED;
void analyzer_free(analyzer *an); /* NULL is a no-op */
/* Another analyzer (a --threads worker's) that shares first's chain context
 * and chain cache (both thread-safe), so the workers validate each distinct
 * chain once between them and keep one copy of its report; its CA-list
 * matcher is its own. The shared part lives until the last analyzer using it
 * is freed. NULL with *err on OOM. */
analyzer *analyzer_new_sibling(analyzer *first, char **err) MTLS_WARN_UNUSED;

/* Analyse one finished connection into *out (initialised here). The chain
 * cache makes repeated chains cheaper, never different. Never fails: a part
 * that ran out of memory (an allocation of ours or of OpenSSL failed while it
 * ran, resfail.h) stays "not known" and its bit is set in out->lost, whatever
 * OpenSSL answered (it reports a failed allocation as an invalid chain). */
void analyzer_run(analyzer *an, const session_t *s, conn_analysis *out);

void analyzer_get_stats(const analyzer *an, analyzer_stats *out);

#endif
