/*
 * test_pipeline.c — the pipeline main drives (pipeline.h): --threads 1 runs
 * one engine, --threads 2 workers behind a front; the same capture through
 * either ends with the same counters on the engine that prints the summary
 * (the workers' reach it through engine_absorb's table), and the status-line
 * progress counts every connection once the run is finished.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pipeline.h"

/* Runs samples/pcaps/many-connections.pcap with its key log through a
 * pipeline of `threads`; the engine's counters after finish go to *st. */
static void run_sample(const char *threads, bool want_workers, engine_stats *st)
{
    const char *src = getenv("MTLS_SOURCE_DIR");
    assert_non_null(src);
    char pcap[4096], ca[4096], keys[4096];
    snprintf(pcap, sizeof pcap, "%s/samples/pcaps/many-connections.pcap", src);
    snprintf(ca, sizeof ca, "%s/samples/pki/root.pem", src);
    snprintf(keys, sizeof keys, "%s/samples/keylogs/many-connections.keys", src);
    char *argv[] = {"mtlsdump", "-r", pcap, "--ca", ca, "--keylog", keys, "--threads", (char *)threads,
                    "-q", "--no-summary", NULL};
    mtls_config cfg;
    assert_int_equal(cli_parse((int)(sizeof argv / sizeof argv[0]) - 1, argv, &cfg), CLI_RUN);

    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(pcap, errbuf);
    assert_non_null(p);
    FILE *out = fopen("/dev/null", "w");
    assert_non_null(out);
    char *err = NULL;
    pipeline *pl = pipeline_new(&cfg, pcap_datalink(p), out, &err);
    assert_non_null(pl);
    assert_null(err);
    assert_non_null(pl->engine);
    assert_int_equal(pl->workers != NULL, want_workers);
    assert_int_equal(pl->n_workers, want_workers ? 2 : 1);

    struct pcap_pkthdr *h;
    const u_char *pkt;
    while (pcap_next_ex(p, &h, &pkt) == 1)
        pl->ops->packet(pl, (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec, pkt, h->caplen, h->len);
    pl->ops->finish(pl, NULL, NULL);
    engine_get_stats(pl->engine, st);
    engine_stats prog;
    pl->ops->progress(pl, &prog);
    assert_int_equal(prog.connections, st->connections);
    assert_int_equal(prog.failed, st->failed);

    pipeline_free(pl);
    fclose(out);
    pcap_close(p);
    cli_cleanup(&cfg);
}

static void test_one_engine_and_workers_count_alike(void **state)
{
    (void)state;
    engine_stats one, two;
    run_sample("1", false, &one);
    run_sample("2", true, &two);
    assert_true(one.connections >= 2);
    assert_true(one.failed >= 1);
    /* every counter but the peak (with workers the sum of their peaks) and
     * the chain cache's split (each worker has its own cache) */
    assert_int_equal(two.packets, one.packets);
    assert_int_equal(two.bytes, one.bytes);
    assert_int_equal(two.tcp_packets, one.tcp_packets);
    assert_int_equal(two.ignored_packets, one.ignored_packets);
    assert_int_equal(two.malformed_packets, one.malformed_packets);
    assert_int_equal(two.flows_created, one.flows_created);
    assert_int_equal(two.flows_not_tls, one.flows_not_tls);
    assert_int_equal(two.flows_evicted, one.flows_evicted);
    assert_int_equal(two.flows_idle, one.flows_idle);
    assert_int_equal(two.evicted_full, one.evicted_full);
    assert_int_equal(two.evicted_memory, one.evicted_memory);
    assert_int_equal(two.stray_after_close, one.stray_after_close);
    assert_int_equal(two.connections, one.connections);
    assert_int_equal(two.reported, one.reported);
    assert_int_equal(two.failed, one.failed);
    assert_int_equal(two.diagnosed, one.diagnosed);
    assert_int_equal(two.failed_all, one.failed_all);
    assert_int_equal(two.unexpected, one.unexpected);
    assert_int_equal(two.chains_validated + two.chain_cache_hits, one.chains_validated + one.chain_cache_hits);
    assert_true(two.peak_buffered > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_engine_and_workers_count_alike),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
