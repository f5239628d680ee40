/* pcapng framing and Decryption Secrets Blocks: the pure block parsers, the
 * tap that finds DSBs in a stream fed in pieces of any size, the whole-file
 * scan, and the writer behind -w read back by the tap. Real bytes: the sample
 * samples/pcaps/tls13-mtls-ok-dsb.pcapng (made by editcap --inject-secrets). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapng_tap.h"
#include "pcapng_writer.h"
#include "secrets_block.h"

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)sz);
    assert_int_equal(fread(b, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    *n = (size_t)sz;
    return b;
}

static char sample[4096];

/* What a sink received: the texts joined with '|'. */
typedef struct got {
    char text[8192];
    size_t n, calls;
} got;

static void sink(void *ctx, const uint8_t *text, size_t len)
{
    got *g = ctx;
    g->calls++;
    if (g->n + len + 1 < sizeof g->text) {
        memcpy(g->text + g->n, text, len);
        g->n += len;
        g->text[g->n++] = '|';
        g->text[g->n] = '\0';
    }
}

static void test_walk_real_file(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = slurp(sample, &n);
    cur_t c;
    cur_init(&c, b, n);
    bool be;
    uint32_t type, total;
    assert_int_equal(pcapng_parse_shb_start(&c, &be, &total).status, DX_OK);
    assert_false(be);
    size_t pos = total, dsbs = 0, blocks = 1;
    while (pos + 8 <= n) {
        cur_init(&c, b + pos, n - pos);
        assert_int_equal(pcapng_parse_block_header(&c, be, &type, &total).status, DX_OK);
        if (type == PCAPNG_BT_DSB) {
            cur_t body, secrets;
            cur_init(&body, b + pos + 8, total - 12);
            uint32_t st;
            assert_int_equal(pcapng_parse_dsb(&body, be, &st, &secrets).status, DX_OK);
            assert_int_equal(st, PCAPNG_SECRETS_TLS);
            assert_non_null(memmem(cur_ptr(&secrets), cur_remaining(&secrets), "SERVER_HANDSHAKE_TRAFFIC_SECRET", 31));
            dsbs++;
        }
        pos += total;
        blocks++;
    }
    assert_int_equal(pos, n);
    assert_int_equal(dsbs, 1);
    assert_true(blocks > 10);

    /* the tap finds the same block whatever the size of the pieces */
    for (size_t piece = 1; piece <= 61; piece += 3) {
        got g = {0};
        pcapng_tap *t = pcapng_tap_new();
        pcapng_tap_set_sink(t, sink, &g);
        for (size_t off = 0; off < n; off += piece)
            pcapng_tap_feed(t, b + off, off + piece <= n ? piece : n - off);
        assert_int_equal(g.calls, 1);
        assert_non_null(strstr(g.text, "CLIENT_TRAFFIC_SECRET_0 "));
        pcapng_tap_free(t);
    }
    free(b);
}

static void test_scan_file(void **state)
{
    (void)state;
    got g = {0};
    assert_int_equal(pcapng_scan_file(sample, sink, &g), 1);
    assert_int_equal(g.calls, 1);
    char other[4096];
    snprintf(other, sizeof other, "%s/samples/pcaps/tls13-mtls-ok.pcap", getenv("MTLS_SOURCE_DIR"));
    assert_int_equal(pcapng_scan_file(other, sink, &g), 0); /* classic pcap */
    assert_int_equal(pcapng_scan_file("-", sink, &g), 0);   /* stdin: the stream's tap serves it */
    assert_int_equal(g.calls, 1);
}

/* -w's writer: secrets between packets, read back by the tap in pieces, and
 * DSBs seen before a sink was set are delivered when it is. */
static void test_writer_round_trip(void **state)
{
    (void)state;
    char path[] = "/tmp/mtls-tap-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char *err = NULL;
    pcapng_writer *w = pcapng_writer_open(path, 1, 262144, &err);
    assert_non_null(w);
    uint8_t pkt[60];
    memset(pkt, 0xab, sizeof pkt);
    assert_int_equal(pcapng_writer_secrets(w, "CLIENT_RANDOM a b\n", 18), 0);
    assert_int_equal(pcapng_writer_packet(w, &(pcapng_out_packet){1, 1700000000123456ull, pkt, 59, 1514, 1, NULL}), 0);
    assert_int_equal(pcapng_writer_secrets(w, "SERVER_TRAFFIC_SECRET_0 c d", 27), 0); /* unpadded length */
    assert_int_equal(pcapng_writer_packet(w, &(pcapng_out_packet){1, 1700000000223456ull, pkt, 60, 60, 2, "a comment"}), 0);
    assert_int_equal(pcapng_writer_close(w, &err), 0);
    size_t n;
    uint8_t *b = slurp(path, &n);
    assert_int_equal(n % 4, 0);
    for (size_t piece = 1; piece <= n; piece = piece * 2 + 1) {
        got g = {0};
        pcapng_tap *t = pcapng_tap_new();
        for (size_t off = 0; off < n; off += piece)
            pcapng_tap_feed(t, b + off, off + piece <= n ? piece : n - off);
        pcapng_tap_set_sink(t, sink, &g); /* late: both were queued */
        assert_string_equal(g.text, "CLIENT_RANDOM a b\n|SERVER_TRAFFIC_SECRET_0 c d|");
        pcapng_tap_free(t);
    }
    /* the packets are where a reader expects them: the first EPB after SHB (28) + IDB (20) + DSB (12+8+20) */
    size_t epb = 28 + 20 + 40;
    uint32_t type, caplen, origlen, ts_hi, ts_lo;
    memcpy(&type, b + epb, 4);
    memcpy(&ts_hi, b + epb + 12, 4);
    memcpy(&ts_lo, b + epb + 16, 4);
    memcpy(&caplen, b + epb + 20, 4);
    memcpy(&origlen, b + epb + 24, 4);
    assert_int_equal(type, PCAPNG_BT_EPB);
    assert_int_equal(((uint64_t)ts_hi << 32) | ts_lo, 1700000000123456ull);
    assert_int_equal(caplen, 59);
    assert_int_equal(origlen, 1514);
    free(b);
    unlink(path);
    /* an unwritable path is a clear error */
    assert_null(pcapng_writer_open("/nonexistent-dir/x.pcapng", 1, 65535, &err));
    assert_non_null(strstr(err, "/nonexistent-dir/x.pcapng"));
    free(err);
}

static void test_not_pcapng_and_broken(void **state)
{
    (void)state;
    got g = {0};
    /* a classic pcap header: the tap turns itself off */
    const uint8_t classic[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0};
    pcapng_tap *t = pcapng_tap_new();
    pcapng_tap_set_sink(t, sink, &g);
    pcapng_tap_feed(t, classic, sizeof classic);
    assert_int_equal(g.calls, 0);
    pcapng_tap_free(t);
    /* a big-endian section with a DSB */
    const uint8_t be[] = {0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 28, 0x1a, 0x2b, 0x3c, 0x4d, 0, 1, 0, 0,
                          0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 28,
                          0, 0, 0, 0x0a, 0, 0, 0, 24, 0x54, 0x4c, 0x53, 0x4b, 0, 0, 0, 3, 'x', 'y', 'z', 0,
                          0, 0, 0, 24};
    t = pcapng_tap_new();
    pcapng_tap_set_sink(t, sink, &g);
    pcapng_tap_feed(t, be, sizeof be);
    assert_string_equal(g.text, "xyz|");
    /* then a block whose length is not a multiple of 4: off, nothing more read */
    const uint8_t bad[] = {0, 0, 0, 0x0a, 0, 0, 0, 13};
    pcapng_tap_feed(t, bad, sizeof bad);
    pcapng_tap_feed(t, be + 28, 24);
    assert_int_equal(g.calls, 1);
    assert_string_equal(g.text, "xyz|");
    pcapng_tap_free(t);
}

static void test_malformed_blocks(void **state)
{
    (void)state;
    bool be;
    uint32_t type, total;
    cur_t c;
    const uint8_t shb_bad[12] = {0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 1, 2, 3, 4};
    cur_init(&c, shb_bad, sizeof shb_bad);
    assert_int_equal(pcapng_parse_shb_start(&c, &be, &total).status, DX_MALFORMED);
    assert_int_equal(c.off, 0);
    const uint8_t b1[8] = {6, 0, 0, 0, 13, 0, 0, 0};
    const uint8_t b2[8] = {6, 0, 0, 0, 8, 0, 0, 0};
    const uint8_t b3[8] = {6, 0, 0, 0, 0, 0, 0, 0x40};
    cur_init(&c, b1, 8);
    assert_int_equal(pcapng_parse_block_header(&c, false, &type, &total).status, DX_MALFORMED);
    cur_init(&c, b2, 8);
    assert_int_equal(pcapng_parse_block_header(&c, false, &type, &total).status, DX_MALFORMED);
    cur_init(&c, b3, 8);
    assert_int_equal(pcapng_parse_block_header(&c, false, &type, &total).status, DX_MALFORMED);
    cur_init(&c, b1, 5);
    assert_int_equal(pcapng_parse_block_header(&c, false, &type, &total).status, DX_TRUNCATED);
    const uint8_t dsb[12] = {0x4b, 0x53, 0x4c, 0x54, 0xff, 0, 0, 0, 'a', 'b', 'c', 'd'};
    cur_t secrets;
    uint32_t st;
    cur_init(&c, dsb, sizeof dsb);
    dx_result r = pcapng_parse_dsb(&c, false, &st, &secrets);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_LENGTH_PAST_END);
    for (size_t i = 0; i < sizeof dsb; i++) {
        cur_init(&c, dsb, i);
        assert_int_not_equal(pcapng_parse_dsb(&c, false, &st, &secrets).status, DX_OK);
    }
}

int main(void)
{
    snprintf(sample, sizeof sample, "%s/samples/pcaps/tls13-mtls-ok-dsb.pcapng", getenv("MTLS_SOURCE_DIR"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk_real_file),     cmocka_unit_test(test_scan_file),
        cmocka_unit_test(test_writer_round_trip),  cmocka_unit_test(test_not_pcapng_and_broken),
        cmocka_unit_test(test_malformed_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
