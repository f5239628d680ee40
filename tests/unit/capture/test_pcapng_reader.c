/* pcapng_reader: packets of interfaces with different link types (what
 * mergecap and dumpcap write, and what libpcap refuses), timestamps in the
 * interface's resolution and offset, both byte orders, Simple Packet Blocks,
 * and every prefix of a file and damaged blocks ending in an error, never a
 * read past a block. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapng_reader.h"
#include "pcapng_writer.h"

#define DLT_EN10MB_ 1
#define LINKTYPE_SLL2 276

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)sz + 1);
    assert_int_equal(fread(b, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    *n = (size_t)sz;
    return b;
}

/* Three packets on two interfaces (Ethernet, then SLL2, then Ethernet), as -w writes them. */
static uint8_t *two_links(size_t *n)
{
    char path[] = "/tmp/mtls-ngr-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char *err = NULL;
    pcapng_writer *w = pcapng_writer_open(path, DLT_EN10MB_, 262144, &err);
    assert_non_null(w);
    uint8_t a[60], b[80];
    memset(a, 0xaa, sizeof a);
    memset(b, 0xbb, sizeof b);
    assert_int_equal(pcapng_writer_packet(w, &(pcapng_out_packet){DLT_EN10MB_, 1700000000123456ull, a, 59, 1514, 0, NULL}), 0);
    assert_int_equal(pcapng_writer_packet(w, &(pcapng_out_packet){LINKTYPE_SLL2, 1700000000123457ull, b, 80, 80, 0, NULL}), 0);
    assert_int_equal(pcapng_writer_packet(w, &(pcapng_out_packet){DLT_EN10MB_, 1700000000223456ull, a, 60, 60, 0, NULL}), 0);
    assert_int_equal(pcapng_writer_close(w, &err), 0);
    uint8_t *bytes = slurp(path, n);
    unlink(path);
    return bytes;
}

/* Every packet of bytes; returns pcapng_reader_next's last answer. */
static int read_all(const uint8_t *bytes, size_t n, pcapng_packet *pk, size_t max, size_t *got)
{
    FILE *f = fmemopen((void *)bytes, n ? n : 1, "rb");
    assert_non_null(f);
    if (n == 0)
        fseek(f, 0, SEEK_END);
    pcapng_reader *r = pcapng_reader_new(f, NULL, 0);
    assert_non_null(r);
    int rc;
    char *err = NULL;
    uint8_t *copies = malloc(max * 256);
    *got = 0;
    while ((rc = pcapng_reader_next(r, &pk[*got < max ? *got : max - 1], &err)) == 1) {
        pcapng_packet *p = &pk[*got < max ? *got : max - 1];
        assert_true(p->caplen <= 256);
        memcpy(copies + (*got % max) * 256, p->data, p->caplen); /* data must be readable */
        (*got)++;
    }
    if (rc < 0) {
        assert_non_null(err);
        free(err);
    }
    free(copies);
    pcapng_reader_free(r);
    fclose(f);
    return rc;
}

static void test_mixed_link_types(void **state)
{
    (void)state;
    size_t n, got;
    uint8_t *bytes = two_links(&n);
    pcapng_packet pk[4];
    assert_int_equal(read_all(bytes, n, pk, 4, &got), 0);
    assert_int_equal(got, 3);
    assert_int_equal(pk[0].linktype, DLT_EN10MB_);
    assert_int_equal(pk[1].linktype, LINKTYPE_SLL2);
    assert_int_equal(pk[2].linktype, DLT_EN10MB_);
    assert_true(pk[0].ts_us == 1700000000123456ull);
    assert_true(pk[1].ts_us == 1700000000123457ull);
    assert_int_equal(pk[0].caplen, 59);
    assert_int_equal(pk[0].wirelen, 1514);
    assert_int_equal(pk[1].caplen, 80);
    free(bytes);
}

/* Every prefix: the packets before the cut, then the end (a cut between
 * blocks) or an error (inside a block); never a packet that was not whole. */
static void test_every_prefix(void **state)
{
    (void)state;
    size_t n, got;
    uint8_t *bytes = two_links(&n);
    pcapng_packet pk[4];
    size_t boundaries = 0;
    for (size_t cut = 0; cut < n; cut++) {
        int rc = read_all(bytes, cut, pk, 4, &got);
        assert_true(got <= 3);
        if (rc == 0)
            boundaries++;
        else
            assert_int_equal(rc, -1);
    }
    /* the empty stream and the ends of SHB, IDB, EPB, IDB, EPB (the last EPB's end is n) */
    assert_int_equal(boundaries, 6);
    free(bytes);
}

/* A big-endian section: nanosecond timestamps (if_tsresol 9) shifted by
 * if_tsoffset, an EPB and a Simple Packet Block cut to the snap length. */
static void test_big_endian_tsresol_spb(void **state)
{
    (void)state;
    static const uint8_t be[] = {
        /* SHB: type, length 28, byte-order magic, version 1.0, section length -1, length */
        0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 28, 0x1a, 0x2b, 0x3c, 0x4d, 0, 1, 0, 0,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 28,
        /* IDB: length 44, link type 101 (raw IP), snaplen 6; if_tsresol 9; if_tsoffset 10 s; end */
        0, 0, 0, 1, 0, 0, 0, 44, 0, 101, 0, 0, 0, 0, 0, 6,
        0, 9, 0, 1, 9, 0, 0, 0,
        0, 14, 0, 8, 0, 0, 0, 0, 0, 0, 0, 10,
        0, 0, 0, 0, 0, 0, 0, 44,
        /* EPB: length 36, interface 0, ts 0x00000001:0x00000000 ns, caplen 2, len 4, data + pad */
        0, 0, 0, 6, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 4,
        0x45, 0x00, 0, 0, 0, 0, 0, 36,
        /* SPB: length 24, original length 8, 8 bytes (the snap length keeps 6) */
        0, 0, 0, 3, 0, 0, 0, 24, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 24,
    };
    pcapng_packet pk[3];
    size_t got;
    assert_int_equal(read_all(be, sizeof be, pk, 3, &got), 0);
    assert_int_equal(got, 2);
    assert_int_equal(pk[0].linktype, 12); /* LINKTYPE_RAW is DLT_RAW */
    /* 2^32 ns = 4294967 us, plus 10 s */
    assert_true(pk[0].ts_us == 4294967ull + 10000000ull);
    assert_int_equal(pk[0].caplen, 2);
    assert_int_equal(pk[0].wirelen, 4);
    assert_int_equal(pk[1].caplen, 6);
    assert_int_equal(pk[1].wirelen, 8);
}

/* Damage: each must end in an error, never in a packet. */
static void test_damaged_blocks(void **state)
{
    (void)state;
    size_t n, got;
    pcapng_packet pk[4];
    uint8_t *bytes = two_links(&n);
    /* the first EPB starts after SHB (28) and IDB (20) */
    size_t epb = 28 + 20;
    uint8_t *bad = malloc(n);

    memcpy(bad, bytes, n); /* captured length past the block */
    bad[epb + 20] = 0xff;
    assert_int_equal(read_all(bad, n, pk, 4, &got), -1);
    assert_int_equal(got, 0);

    memcpy(bad, bytes, n); /* an interface the section did not describe */
    bad[epb + 8] = 7;
    assert_int_equal(read_all(bad, n, pk, 4, &got), -1);
    assert_int_equal(got, 0);

    memcpy(bad, bytes, n); /* the trailing length differs */
    bad[28 + 20 - 4] ^= 4;
    assert_int_equal(read_all(bad, n, pk, 4, &got), -1);

    memcpy(bad, bytes, n); /* a block length that is not a multiple of 4 */
    bad[epb + 4] += 1;
    assert_int_equal(read_all(bad, n, pk, 4, &got), -1);

    memcpy(bad, bytes, n); /* no section header first */
    bad[0] = 1;
    assert_int_equal(read_all(bad, n, pk, 4, &got), -1);
    free(bad);
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_link_types),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_big_endian_tsresol_spb),
        cmocka_unit_test(test_damaged_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
