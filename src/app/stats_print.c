/* stats_print.c — the counters of --stats (see stats_print.h). */
#include "stats_print.h"

void stats_print_counts(FILE *f, const engine_stats *s, const decode_stats *ds)
{
    fprintf(f, "mtlsdump stats:\n");
    fprintf(f, "  packets            %llu (%llu bytes, %llu TCP, %llu ignored, %llu malformed/truncated)\n",
            (unsigned long long)s->packets, (unsigned long long)s->bytes, (unsigned long long)s->tcp_packets,
            (unsigned long long)s->ignored_packets, (unsigned long long)s->malformed_packets);
    fprintf(f, "  ip fragments       %llu (%llu reassembled)\n", (unsigned long long)ds->fragments,
            (unsigned long long)ds->reassembled);
    fprintf(f, "  flows              %llu created, %llu not TLS, %llu idle\n", (unsigned long long)s->flows_created,
            (unsigned long long)s->flows_not_tls, (unsigned long long)s->flows_idle);
    fprintf(f, "  evicted            %llu (%llu flow table full, --max-flows; %llu memory cap, --max-memory)\n",
            (unsigned long long)s->flows_evicted, (unsigned long long)s->evicted_full,
            (unsigned long long)s->evicted_memory);
    fprintf(f, "  after close        %llu packets of closed connections (retransmissions, late FIN/RST)\n",
            (unsigned long long)s->stray_after_close);
    fprintf(f, "  tls connections    %llu (%llu reported, %llu failed)\n", (unsigned long long)s->connections,
            (unsigned long long)s->reported, (unsigned long long)s->failed);
    fprintf(f, "  chains validated   %llu (cache hits %llu)\n", (unsigned long long)s->chains_validated,
            (unsigned long long)s->chain_cache_hits);
    fprintf(f, "  peak buffered      %llu bytes\n", (unsigned long long)s->peak_buffered);
}
