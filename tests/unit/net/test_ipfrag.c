/*
 * IP fragment reassembly: every order, overlaps (IPv4 first-wins, IPv6
 * discard unless identical), inconsistent fragments, each cap, the
 * timeout and eviction, and key separation. The datagram is a real TCP
 * segment captured on loopback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ipfrag.h"

/* The TCP segment (header + TLS 1.2 ClientHello) of a datagram captured on lo from
 * openssl s_client -> s_server: the payload that IPv4 fragmentation would split. */
static const uint8_t seg[] = {
    /* TCP: 60524 -> 4433, PSH|ACK, offset 8, options NOP NOP TS */
    0xec, 0x6c, 0x11, 0x51, 0x5a, 0xe3, 0x53, 0x92, 0x8b, 0x37, 0x10, 0x36, 0x80, 0x18, 0x00, 0x40,
    0xfe, 0xe4, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x15, 0x93, 0x57, 0x08, 0x3c, 0x4e, 0xd8, 0xb4,
    /* TLS record: handshake 0x0301 length 183, ClientHello ... */
    0x16, 0x03, 0x01, 0x00, 0xb7, 0x01, 0x00, 0x00, 0xb3, 0x03, 0x03, 0xab, 0xc2, 0x41, 0x03, 0x0f,
    0xb8, 0x93, 0x41, 0x07, 0x55, 0x48, 0xbb, 0xb8, 0x89, 0x19, 0xec, 0x3f, 0x1a, 0xbf, 0xbd, 0x9b,
    0x39, 0x63, 0x51, 0xee, 0xcf, 0x4e, 0x04, 0xb4, 0xec, 0x75, 0xf8, 0x00, 0x00, 0x38, 0xc0, 0x2c,
    0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa, 0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e,
    0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b, 0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14,
    0x00, 0x39, 0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d, 0x00, 0x3c,
    0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0x52, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00,
    0x01, 0x02, 0x00, 0x0a, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19,
    0x00, 0x18, 0x00, 0x23, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d,
    0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x09,
    0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01,
    0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02,
};

#define SEG_LEN sizeof(seg) /* 220 */

static ipfrag_key key4(uint16_t id)
{
    ipfrag_key k;
    memset(&k, 0, sizeof(k));
    k.family = 4;
    k.proto = 6;
    k.id = id;
    k.src[0] = 127;
    k.src[3] = 1;
    k.dst[0] = 127;
    k.dst[3] = 1;
    return k;
}

static ipfrag_key key6(uint32_t id)
{
    ipfrag_key k;
    memset(&k, 0, sizeof(k));
    k.family = 6;
    k.id = id;
    k.src[15] = 1;
    k.dst[15] = 1;
    return k;
}

static ipfrag_status add(ipfrag_t *f, uint64_t ts, const ipfrag_key *k, size_t off, size_t len, bool more,
                         ipfrag_done *done)
{
    return ipfrag_add(f, ts, k, off, more, 6, seg + off, len, done);
}

static ipfrag_stats stats(const ipfrag_t *f)
{
    ipfrag_stats st;
    ipfrag_get_stats(f, &st);
    return st;
}

/* Four fragments (64+64+64+28) in all 24 orders give back the segment. */
static void test_all_orders(void **state)
{
    (void)state;
    static const size_t off[4] = {0, 64, 128, 192}, len[4] = {64, 64, 64, 28};
    ipfrag_t *f = ipfrag_new(NULL);
    assert_non_null(f);
    size_t n = 0;
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 0; b < 4; b++)
            for (size_t c = 0; c < 4; c++)
                for (size_t d = 0; d < 4; d++) {
                    size_t order[4] = {a, b, c, d};
                    if (a == b || a == c || a == d || b == c || b == d || c == d)
                        continue;
                    ipfrag_key k = key4((uint16_t)n);
                    ipfrag_done done;
                    for (size_t i = 0; i < 4; i++) {
                        size_t j = order[i];
                        ipfrag_status s = add(f, n, &k, off[j], len[j], j != 3, &done);
                        if (i < 3) {
                            assert_int_equal(s, IPFRAG_HELD);
                        } else {
                            assert_int_equal(s, IPFRAG_COMPLETE);
                            assert_int_equal(done.len, SEG_LEN);
                            assert_memory_equal(done.data, seg, SEG_LEN);
                            assert_int_equal(done.next_hdr, 6);
                        }
                    }
                    n++;
                }
    assert_int_equal(n, 24);
    ipfrag_stats st = stats(f);
    assert_int_equal(st.fragments, 96);
    assert_int_equal(st.reassembled, 24);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.bytes_held, 0);
    ipfrag_free(f);
}

static void test_v4_overlap_first_wins(void **state)
{
    (void)state;
    ipfrag_t *f = ipfrag_new(NULL);
    ipfrag_key k = key4(7);
    ipfrag_done done;
    uint8_t junk[SEG_LEN];
    memset(junk, 0xee, sizeof(junk));
    /* the tail first, then a fragment covering everything but with junk in it */
    assert_int_equal(add(f, 0, &k, 104, 116, false, &done), IPFRAG_HELD);
    assert_int_equal(ipfrag_add(f, 0, &k, 96, true, 6, junk, 16, &done), IPFRAG_HELD);
    /* junk in [96,104) was new and stays; now the real bytes for [0,104) */
    assert_int_equal(add(f, 0, &k, 0, 104, true, &done), IPFRAG_COMPLETE);
    assert_memory_equal(done.data, seg, 96);
    assert_memory_equal(done.data + 96, junk, 8);
    assert_memory_equal(done.data + 104, seg + 104, SEG_LEN - 104);
    assert_int_equal(stats(f).overlaps, 2);
    ipfrag_free(f);
}

static void test_v6_overlap_policy(void **state)
{
    (void)state;
    ipfrag_t *f = ipfrag_new(NULL);
    ipfrag_done done;
    /* identical duplicates and identical overlaps are accepted */
    ipfrag_key k = key6(0x01020304);
    assert_int_equal(add(f, 0, &k, 0, 112, true, &done), IPFRAG_HELD);
    assert_int_equal(add(f, 0, &k, 0, 112, true, &done), IPFRAG_HELD);
    assert_int_equal(add(f, 0, &k, 104, 16, true, &done), IPFRAG_HELD);
    assert_int_equal(add(f, 0, &k, 112, 108, false, &done), IPFRAG_COMPLETE);
    assert_memory_equal(done.data, seg, SEG_LEN);
    /* an overlap that changes bytes discards the datagram */
    k = key6(0x05060708);
    uint8_t changed[16];
    memcpy(changed, seg + 104, 16);
    changed[3] ^= 1; /* inside the overlap [104, 112) */
    assert_int_equal(add(f, 0, &k, 0, 112, true, &done), IPFRAG_HELD);
    assert_int_equal(ipfrag_add(f, 0, &k, 104, true, 6, changed, 16, &done), IPFRAG_INVALID);
    assert_int_equal(stats(f).pending, 0);
    assert_int_equal(add(f, 0, &k, 112, 108, false, &done), IPFRAG_HELD);
    ipfrag_stats st = stats(f);
    assert_int_equal(st.invalid, 1);
    assert_int_equal(st.overlaps, 4); /* duplicate, [104,120), [112,220), the conflicting one */
    assert_int_equal(st.reassembled, 1);
    ipfrag_free(f); /* with a datagram still pending */
}

static void test_inconsistent_fragments(void **state)
{
    (void)state;
    ipfrag_t *f = ipfrag_new(NULL);
    ipfrag_done done;
    ipfrag_key k = key4(1);
    /* a non-final fragment must carry a multiple of 8 bytes */
    assert_int_equal(add(f, 0, &k, 0, 60, true, &done), IPFRAG_INVALID);
    /* offsets are multiples of 8 (always true on the wire; checked for callers) */
    assert_int_equal(add(f, 0, &k, 4, 8, true, &done), IPFRAG_INVALID);
    /* past 65535 bytes */
    assert_int_equal(ipfrag_add(f, 0, &k, 65528, false, 6, seg, 7, &done), IPFRAG_HELD);
    assert_int_equal(ipfrag_add(f, 0, &k, 65528, false, 6, seg, 8, &done), IPFRAG_INVALID);
    /* two different ends */
    k = key4(2);
    assert_int_equal(add(f, 0, &k, 104, 116, false, &done), IPFRAG_HELD);
    assert_int_equal(add(f, 0, &k, 104, 112, false, &done), IPFRAG_INVALID);
    /* a fragment beyond the known end */
    k = key4(3);
    assert_int_equal(add(f, 0, &k, 8, 96, false, &done), IPFRAG_HELD);
    assert_int_equal(add(f, 0, &k, 104, 8, true, &done), IPFRAG_INVALID);
    /* a final fragment ending before bytes already held */
    k = key4(4);
    assert_int_equal(add(f, 0, &k, 104, 16, true, &done), IPFRAG_HELD);
    assert_int_equal(add(f, 0, &k, 0, 104, false, &done), IPFRAG_INVALID);
    ipfrag_stats st = stats(f);
    assert_int_equal(st.invalid, 6);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.bytes_held, 0);
    ipfrag_free(f);
}

static void test_keys_are_separate(void **state)
{
    (void)state;
    ipfrag_t *f = ipfrag_new(NULL);
    ipfrag_done done;
    ipfrag_key a = key4(9), b = key4(9), c = key4(9), d6 = key6(9);
    b.src[3] = 2;
    c.proto = 17;
    assert_int_equal(add(f, 0, &a, 0, 104, true, &done), IPFRAG_HELD);
    assert_int_equal(add(f, 0, &b, 104, 116, false, &done), IPFRAG_HELD);
    assert_int_equal(add(f, 0, &c, 104, 116, false, &done), IPFRAG_HELD);
    assert_int_equal(add(f, 0, &d6, 104, 116, false, &done), IPFRAG_HELD);
    assert_int_equal(stats(f).pending, 4);
    assert_int_equal(add(f, 0, &a, 104, 116, false, &done), IPFRAG_COMPLETE);
    assert_memory_equal(done.data, seg, SEG_LEN);
    assert_int_equal(stats(f).pending, 3);
    ipfrag_free(f);
}

static void test_timeout(void **state)
{
    (void)state;
    const uint64_t s = 1000000;
    ipfrag_t *f = ipfrag_new(NULL);
    ipfrag_done done;
    ipfrag_key k1 = key4(1), k2 = key4(2);
    assert_int_equal(add(f, 100 * s, &k1, 0, 104, true, &done), IPFRAG_HELD);
    assert_int_equal(add(f, 110 * s, &k2, 0, 104, true, &done), IPFRAG_HELD);
    /* exactly 30 s later k1 is still alive */
    assert_int_equal(add(f, 130 * s, &k1, 104, 8, true, &done), IPFRAG_HELD);
    /* a packet stamped earlier (clock step) expires nothing */
    ipfrag_expire(f, 5 * s);
    assert_int_equal(stats(f).pending, 2);
    /* past 30 s: k1 expires, its tail starts a new datagram */
    assert_int_equal(add(f, 130 * s + 1, &k1, 112, 108, false, &done), IPFRAG_HELD);
    assert_int_equal(stats(f).timed_out, 1);
    ipfrag_expire(f, 200 * s);
    ipfrag_stats st = stats(f);
    assert_int_equal(st.timed_out, 3);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.bytes_held, 0);
    ipfrag_free(f);

    /* a configured timeout */
    ipfrag_limits lim = {.timeout_us = 2 * s};
    f = ipfrag_new(&lim);
    assert_int_equal(add(f, 0, &k1, 0, 104, true, &done), IPFRAG_HELD);
    assert_int_equal(add(f, 2 * s + 1, &k1, 104, 116, false, &done), IPFRAG_HELD);
    assert_int_equal(stats(f).timed_out, 1);
    ipfrag_free(f);
}

static void test_caps(void **state)
{
    (void)state;
    ipfrag_done done;
    /* concurrent datagrams: the oldest is evicted */
    ipfrag_limits lim = {.max_datagrams = 3};
    ipfrag_t *f = ipfrag_new(&lim);
    for (uint16_t id = 0; id < 5; id++) {
        ipfrag_key k = key4(id);
        assert_int_equal(add(f, id, &k, 0, 104, true, &done), IPFRAG_HELD);
    }
    ipfrag_stats st = stats(f);
    assert_int_equal(st.pending, 3);
    assert_int_equal(st.dropped_by_cap, 2);
    ipfrag_key k4 = key4(4), k0 = key4(0);
    assert_int_equal(add(f, 9, &k4, 104, 116, false, &done), IPFRAG_COMPLETE);
    assert_memory_equal(done.data, seg, SEG_LEN);
    assert_int_equal(add(f, 9, &k0, 104, 116, false, &done), IPFRAG_HELD); /* 0 was evicted */
    ipfrag_free(f);

    /* datagram size */
    ipfrag_limits small = {.max_datagram_bytes = 128};
    f = ipfrag_new(&small);
    ipfrag_key k = key4(1);
    assert_int_equal(add(f, 0, &k, 0, 128, true, &done), IPFRAG_HELD);
    assert_int_equal(add(f, 0, &k, 128, 92, false, &done), IPFRAG_DROPPED);
    st = stats(f);
    assert_int_equal(st.dropped_by_cap, 1);
    assert_int_equal(st.pending, 0);
    ipfrag_free(f);

    /* total bytes: the first datagram buffers 2048, the second does not fit */
    ipfrag_limits total = {.max_total_bytes = 3000};
    f = ipfrag_new(&total);
    ipfrag_key a = key4(1), b = key4(2);
    assert_int_equal(add(f, 0, &a, 0, 104, true, &done), IPFRAG_HELD);
    assert_int_equal(stats(f).bytes_held, 2048);
    assert_int_equal(add(f, 0, &b, 0, 104, true, &done), IPFRAG_DROPPED);
    assert_int_equal(add(f, 0, &a, 104, 116, false, &done), IPFRAG_COMPLETE);
    assert_memory_equal(done.data, seg, SEG_LEN);
    st = stats(f);
    assert_int_equal(st.bytes_held, 0);
    assert_int_equal(st.dropped_by_cap, 1);
    ipfrag_free(f);
}

/* More disjoint pieces than IPFRAG_MAX_RANGES: the datagram is dropped. */
static void test_range_cap(void **state)
{
    (void)state;
    ipfrag_t *f = ipfrag_new(NULL);
    ipfrag_done done;
    ipfrag_key k = key4(1);
    uint8_t eight[8];
    memcpy(eight, seg, 8);
    for (size_t i = 0; i < IPFRAG_MAX_RANGES; i++)
        assert_int_equal(ipfrag_add(f, 0, &k, 16 * i, true, 6, eight, 8, &done), IPFRAG_HELD);
    assert_int_equal(ipfrag_add(f, 0, &k, 16 * IPFRAG_MAX_RANGES, true, 6, eight, 8, &done), IPFRAG_DROPPED);
    assert_int_equal(stats(f).pending, 0);
    /* filling holes merges ranges and never hits the cap */
    k = key4(2);
    for (size_t i = 0; i < IPFRAG_MAX_RANGES; i++)
        assert_int_equal(ipfrag_add(f, 0, &k, 16 * i, true, 6, eight, 8, &done), IPFRAG_HELD);
    for (size_t i = 0; i < IPFRAG_MAX_RANGES; i++)
        assert_int_equal(ipfrag_add(f, 0, &k, 16 * i + 8, i + 1 < IPFRAG_MAX_RANGES, 6, eight, 8, &done),
                         i + 1 < IPFRAG_MAX_RANGES ? IPFRAG_HELD : IPFRAG_COMPLETE);
    assert_int_equal(done.len, 16 * IPFRAG_MAX_RANGES);
    ipfrag_free(f);
}

/* The completed buffer lives until the next call, then is freed (ASan checks). */
static void test_done_buffer_lifetime(void **state)
{
    (void)state;
    ipfrag_t *f = ipfrag_new(NULL);
    ipfrag_done done;
    ipfrag_key k = key4(1);
    assert_int_equal(add(f, 0, &k, 104, 116, false, &done), IPFRAG_HELD);
    assert_int_equal(add(f, 0, &k, 0, 104, true, &done), IPFRAG_COMPLETE);
    assert_memory_equal(done.data, seg, SEG_LEN);
    ipfrag_release(f);
    ipfrag_release(f);
    assert_int_equal(add(f, 0, &k, 104, 116, false, &done), IPFRAG_HELD);
    assert_int_equal(add(f, 0, &k, 0, 104, true, &done), IPFRAG_COMPLETE);
    ipfrag_free(f); /* frees the completed buffer too */
    ipfrag_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_orders),
        cmocka_unit_test(test_v4_overlap_first_wins),
        cmocka_unit_test(test_v6_overlap_policy),
        cmocka_unit_test(test_inconsistent_fragments),
        cmocka_unit_test(test_keys_are_separate),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_range_cap),
        cmocka_unit_test(test_done_buffer_lifetime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
