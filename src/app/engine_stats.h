/*
 * engine_stats.h — the run's counters (data only): what an engine counts,
 * engine_get_stats reads and --stats prints (stats_print.h).
 */
#ifndef MTLS_APP_ENGINE_STATS_H
#define MTLS_APP_ENGINE_STATS_H

#include <stdint.h>

/* Every field a uint64_t counter: engine_absorb sums them from a table of
 * their offsets (engine.c, summed_counters), one row per counter. */
typedef struct engine_stats {
    uint64_t packets, bytes, tcp_packets, ignored_packets, malformed_packets;
    uint64_t flows_created, flows_not_tls, flows_evicted, flows_idle;
    uint64_t evicted_full, evicted_memory; /* flows_evicted by cause: --max-flows, --max-memory */
    uint64_t stray_after_close; /* packets of a connection already closed and reported, dropped */
    uint64_t connections, reported, failed;
    uint64_t diagnosed, failed_all; /* every connection diagnosed, selected or not */
    uint64_t unexpected;       /* reported connections whose verdict --expect does not list */
    uint64_t chains_validated, chain_cache_hits; /* the live analyzer's, a shed one's and absorbed workers' */
    uint64_t peak_buffered;    /* the most bytes the flows held at once (with workers: the sum of their peaks) */
    uint64_t analysis_failed;  /* connections with a part of their analysis not done for want of memory */
    uint64_t output_lost;      /* connections whose diagnosis or report lost something for want of memory */
} engine_stats;

#endif
