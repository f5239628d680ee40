/*
 * fuzz_pipeline — the whole tool: pcap file bytes -> libpcap -> engine
 * (decode, flows, reassembly, TLS stream, decryption, certificates,
 * diagnosis) -> text report and NDJSON report, both written to /dev/null.
 *
 * Input: a pcap (or pcapng) file. Every input runs twice, once per reporter.
 * The configuration is what the CLI builds by default, with smaller caps so a
 * single input cannot take the fuzzer's whole memory, the test CA
 * (samples/pki/root.pem) and every key log of samples/keylogs/ loaded, so the
 * seeds made from samples/pcaps reach the decryption and chain code.
 */
#include <dirent.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "engine.h"
#include "fuzz_common.h"

#ifndef MTLS_FUZZ_SOURCE_DIR
#error "MTLS_FUZZ_SOURCE_DIR must name the source tree"
#endif

static FILE *g_null;
static char g_keylog[64];
static int g_keylog_fd = -1;

static void init_once(void)
{
    g_null = fopen("/dev/null", "w");
    if (!g_null)
        abort();
    /* one key log made of every sample key log */
    g_keylog_fd = memfd_create("fuzz-keylog", 0);
    if (g_keylog_fd < 0)
        return;
    DIR *d = opendir(MTLS_FUZZ_SOURCE_DIR "/samples/keylogs");
    if (d) {
        struct dirent *de;
        char path[4096];
        while ((de = readdir(d)) != NULL) {
            size_t l = strlen(de->d_name);
            if (l < 5 || strcmp(de->d_name + l - 5, ".keys") != 0)
                continue;
            snprintf(path, sizeof(path), "%s/samples/keylogs/%s", MTLS_FUZZ_SOURCE_DIR, de->d_name);
            FILE *f = fopen(path, "rb");
            if (!f)
                continue;
            char buf[4096];
            size_t n;
            while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
                if (write(g_keylog_fd, buf, n) != (ssize_t)n)
                    break;
            fclose(f);
        }
        closedir(d);
    }
    snprintf(g_keylog, sizeof(g_keylog), "/proc/self/fd/%d", g_keylog_fd);
}

static void run(const uint8_t *data, size_t size, bool json)
{
    FILE *mf = fmemopen((void *)data, size, "rb");
    if (!mf)
        return;
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_fopen_offline(mf, errbuf); /* owns mf from here */
    if (!p) {
        fclose(mf);
        return;
    }
    mtls_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.read_file = "fuzz";
    cfg.snaplen = 262144;
    cfg.format = json ? "json" : "text";
    cfg.color = COLOR_NEVER;
    cfg.verbose = 2;
    cfg.ca = MTLS_FUZZ_SOURCE_DIR "/samples/pki/root.pem";
    cfg.keylog = g_keylog_fd >= 0 ? g_keylog : NULL;
    cfg.max_flows = 256;
    cfg.max_flow_bytes = 256u << 10;
    cfg.max_memory = 8u << 20;
    cfg.idle_timeout_us = MTLS_DEFAULT_IDLE_TIMEOUT_US;

    char *err = NULL;
    engine_t *e = engine_new_front(&cfg, pcap_datalink(p), g_null, false, &err);
    free(err);
    if (e) {
        struct pcap_pkthdr *h;
        const u_char *pkt;
        int rc;
        unsigned n = 0;
        while ((rc = pcap_next_ex(p, &h, &pkt)) == 1 && n++ < 100000) {
            uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
            engine_packet(e, ts, pkt, h->caplen, h->len);
            if (engine_should_stop(e))
                break;
        }
        engine_finish(e);
        engine_stats st;
        engine_get_stats(e, &st);
        if (st.peak_buffered > cfg.max_memory)
            __builtin_trap(); /* the memory cap must hold */
        (void)engine_exit_code(e);
        engine_free(e);
    }
    pcap_close(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_null)
        init_once();
    if (size == 0)
        return 0;
    run(data, size, false);
    run(data, size, true);
    return 0;
}
