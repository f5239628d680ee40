/*
 * stats_print.h — --stats: the run's counters as lines on stderr.
 */
#ifndef MTLS_APP_STATS_PRINT_H
#define MTLS_APP_STATS_PRINT_H

#include <stdio.h>

#include "decode.h"
#include "engine_stats.h"

/* "mtlsdump stats:" and one line per group of counters (packets, fragments,
 * flows, evictions, strays, connections, chains, buffering); the engine adds
 * the files read, -w and the time. */
void stats_print_counts(FILE *f, const engine_stats *s, const decode_stats *ds);

#endif
